import { Testing } from 'cdktf';
import { CENTRAL_REGISTRY, EXAMPLE_CA, fleetSpec, PROD_REGISTRY, prodRegistryFleetSpec, registeredFleetSpec, sharedDefinitions as shared } from './fixtures';
import { AccountServiceMode } from '../../src/aws';
import { ValidationError } from '../../src/core/errors';
import { ModelSource } from '../../src/k8s';
import { FleetHubNetwork, AwsPlatformStack, ModelWeights } from '../../src/platform';
import { Fleet } from '../../src/platform/fleet';
import { PlatformSpecValidator } from '../../src/platform/platform-spec-validator';

/** The problems a fleet spec is refused with, as `prop: problem` lines. */
function refused(spec: any): { props: string[]; messages: string[] } {
  try {
    new Fleet(spec);
  } catch (e: any) {
    expect(ValidationError.isValidationError(e)).toBe(true);
    return { props: e.problems.map((p: any) => p.prop), messages: e.problems.map((p: any) => `${p.prop}: ${p.problem}; got ${p.value}; ${p.fix}`) };
  }
  throw new Error('the fleet was accepted');
}

describe('Fleet resolves one PlatformSpec per cluster', () => {
  test('clusters in promotion order, named by environment (one cluster) or environment and region', () => {
    const fleet = new Fleet(fleetSpec());
    expect(fleet.environments).toEqual(['staging', 'prod']);
    expect(fleet.clusters.map((c) => [c.name, c.environment, c.stage, c.region, c.accountId, c.deployRoleArn])).toEqual([
      ['staging', 'staging', 0, 'us-east-1', '111111111111', undefined],
      ['prod-us-east-1', 'prod', 1, 'us-east-1', '222222222222', undefined],
      ['prod-eu-west-1', 'prod', 1, 'eu-west-1', '222222222222', 'arn:aws:iam::222222222222:role/platform-deploy'],
    ]);
  });

  test("each cluster's spec is the shared definitions where it runs: its name is the platform environment (unique names)", () => {
    const fleet = new Fleet(fleetSpec());
    const prodEu = fleet.cluster('prod-eu-west-1').spec;
    expect(prodEu).toEqual({ ...shared(), environment: 'prod-eu-west-1', region: 'eu-west-1', accountId: '222222222222' });
    for (const c of fleet.clusters) expect(PlatformSpecValidator.problems(c.spec)).toEqual([]);
  });

  test('explicit cluster names and accounts win over the defaults', () => {
    const fleet = new Fleet(fleetSpec({
      environments: [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1', name: 'prod-use1', accountId: '333333333333' }, { region: 'eu-west-1', name: 'prod-euw1' }] }],
    }));
    expect(fleet.clusters.map((c) => [c.name, c.accountId, c.spec.environment])).toEqual([['prod-use1', '333333333333', 'prod-use1'], ['prod-euw1', '222222222222', 'prod-euw1']]);
  });

  test('an environment override applies to its clusters only; a cluster override on top of it, to that cluster only', () => {
    const weights = ModelWeights.fromModelStore('models/llama3-8b/', '2024-07-01');
    const fleet = new Fleet(fleetSpec({
      overrides: [
        { environment: 'prod', cluster: 'prod-eu-west-1', gpuPools: [{ name: 'a10g', maxNodes: 6 }] },
        { environment: 'staging', gpuPools: [{ name: 'a10g', maxNodes: 2 }], tenants: [{ name: 'search', gpuQuota: 2 }], models: [{ name: 'llama3-8b', replicas: { min: 1, max: 1 }, version: 'v2', weights }] },
        { environment: 'prod', gpuPools: [{ name: 'a10g', maxNodes: 5 }] },
      ],
    }));
    const [staging, prodUs, prodEu] = fleet.clusters.map((c) => c.spec);
    expect(staging.gpuPools[0]).toEqual({ ...shared().gpuPools[0], maxNodes: 2 });
    expect(staging.tenants[0].gpuQuota).toBe(2);
    expect(staging.models![0]).toEqual({ ...shared().models![0], replicas: { min: 1, max: 1 }, version: 'v2', weights });
    expect(prodUs.gpuPools[0].maxNodes).toBe(5);
    expect(prodUs.models).toEqual(shared().models);
    // the environment-wide override first, then the cluster's, whatever their order in the list
    expect(prodEu.gpuPools[0].maxNodes).toBe(6);
    // the shared definitions are not changed
    expect(shared().gpuPools[0].maxNodes).toBe(4);
  });

  test('the entry points built from a cluster spec do not validate it again (Fleet did)', () => {
    const fleet = new Fleet(fleetSpec());
    const validate = jest.spyOn(PlatformSpecValidator, 'validate');
    try {
      new AwsPlatformStack(Testing.app(), 'acme', { spec: fleet.cluster('staging').spec });
      expect(validate).not.toHaveBeenCalled();
    } finally {
      validate.mockRestore();
    }
  });

  test("changing one environment's override changes only that environment's cluster specs", () => {
    const staging = (maxNodes: number) => fleetSpec({
      overrides: [{ environment: 'staging', gpuPools: [{ name: 'a10g', maxNodes }], models: [{ name: 'llama3-8b', replicas: { min: 1, max: 1 } }] }],
    });
    const before = new Fleet(staging(2));
    const after = new Fleet(staging(3));
    const changed = after.clusters.filter((c, i) => JSON.stringify(c.spec) !== JSON.stringify(before.clusters[i].spec)).map((c) => c.name);
    expect(changed).toEqual(['staging']);
  });

  test('images: set fields replace the shared ones, add-on mirrors merge by key', () => {
    const base = shared();
    const fleet = new Fleet(fleetSpec({
      overrides: [{ environment: 'staging', images: { awsCli: base.images!.awsCli!.replace('aws-cli', 'aws-cli-next'), addons: { 'karpenter/controller': 'x' } } }],
    }));
    const images = fleet.cluster('staging').spec.images!;
    expect(images.awsCli).toContain('aws-cli-next');
    expect(images.dcgmExporter).toBe(base.images!.dcgmExporter);
    expect(images.addons).toEqual({ ...base.images!.addons, 'karpenter/controller': 'x' });
  });

  test('hub: by default the first cluster of the last environment; progressive sync on; apiServer carried to the cluster', () => {
    const fleet = new Fleet(registeredFleetSpec());
    expect(fleet.hub.name).toBe('prod-us-east-1');
    expect(fleet.clusters.map((c) => c.hub)).toEqual([false, true, false]);
    expect(fleet.progressiveSync).toBe(true);
    expect(fleet.cluster('staging').apiServer).toEqual({ url: 'https://EXAMPLE1.gr7.us-east-1.eks.amazonaws.com', certificateAuthorityData: EXAMPLE_CA });
    expect(fleet.cluster('prod-us-east-1').apiServer).toBeUndefined();
    const named = new Fleet(fleetSpec({ hub: 'staging', progressiveSync: false }));
    expect(named.hub.name).toBe('staging');
    expect(named.progressiveSync).toBe(false);
  });

  test('observability: set fields replace the shared ones per cluster (a regional AMP workspace), others stay shared', () => {
    const amp = (region: string, account: string) => `arn:aws:aps:${region}:${account}:workspace/ws-${region}`;
    const platform = { ...shared(), observability: { dashboards: false }, images: { ...shared().images, otelCollector: `${CENTRAL_REGISTRY}/otel/opentelemetry-collector-contrib@sha256:${'c'.repeat(64)}` } };
    const fleet = new Fleet(fleetSpec({
      platform,
      overrides: [
        { environment: 'staging', observability: { ampWorkspaceArn: amp('us-east-1', '111111111111') } },
        { environment: 'prod', cluster: 'prod-eu-west-1', observability: { ampWorkspaceArn: amp('eu-west-1', '222222222222') } },
      ],
    }));
    expect(fleet.cluster('staging').spec.observability).toEqual({ dashboards: false, ampWorkspaceArn: amp('us-east-1', '111111111111') });
    expect(fleet.cluster('prod-us-east-1').spec.observability).toEqual({ dashboards: false });
    expect(fleet.cluster('prod-eu-west-1').spec.observability).toEqual({ dashboards: false, ampWorkspaceArn: amp('eu-west-1', '222222222222') });
    // a workspace of another region is reported at the override that set it
    expect(refused(fleetSpec({ platform, overrides: [{ environment: 'staging', observability: { ampWorkspaceArn: amp('eu-west-1', '111111111111') } }] })).props)
      .toEqual(['overrides[0].observability.ampWorkspaceArn']);
  });

  test('differences and summary(): what each cluster changes, its rollout stage, the hub and registration', () => {
    const base = registeredFleetSpec();
    const model = base.platform.models![0];
    const fleet = new Fleet(registeredFleetSpec({
      overrides: [{ environment: 'staging', gpuPools: [{ name: 'a10g', maxNodes: 3 }], models: [{ name: model.name, version: 'v2', replicas: { min: 1, max: 2 } }] }],
    }));
    expect(fleet.cluster('staging').differences).toEqual([
      'gpuPools[a10g].maxNodes = 3 (overrides[0].gpuPools[0])',
      `models[${model.name}].version = "v2" (overrides[0].models[0])`,
      `models[${model.name}].replicas = {"min":1,"max":2} (overrides[0].models[0])`,
    ]);
    expect(fleet.cluster('prod-us-east-1').differences).toEqual([]);
    expect(fleet.summary()).toEqual([
      "fleet 'acme-llm': 3 clusters in 2 environments, hub 'prod-us-east-1', progressive sync on (RollingSync, environment by environment, region by region)",
      '  stage 1  staging      staging              us-east-1       111111111111  registered with the hub',
      '           gpuPools[a10g].maxNodes = 3 (overrides[0].gpuPools[0])',
      `           models[${model.name}].version = "v2" (overrides[0].models[0])`,
      `           models[${model.name}].replicas = {"min":1,"max":2} (overrides[0].models[0])`,
      '  stage 2  prod         prod-us-east-1       us-east-1       222222222222  hub (in-cluster)',
      '  stage 3  prod         prod-eu-west-1       eu-west-1       222222222222  registered with the hub',
    ]);
    expect(new Fleet(fleetSpec({ progressiveSync: false })).summary()[0]).toContain('progressive sync off');
    expect(new Fleet(fleetSpec()).summary()[1]).toContain('not registered yet (no apiServer)');
  });

  test('differences name model weights by kind, place and revision', () => {
    const base = fleetSpec();
    const model = base.platform.models![0];
    const fleet = new Fleet(fleetSpec({ overrides: [{ environment: 'prod', cluster: 'prod-eu-west-1', models: [{ name: model.name, weights: ModelWeights.fromModelStore('models/llama3-8b-eu/', '2024-07-01') }] }] }));
    expect(fleet.cluster('prod-eu-west-1').differences).toEqual([`models[${model.name}].weights = model-store models/llama3-8b-eu/ @ 2024-07-01 (overrides[0].models[0])`]);
  });

  test('cluster() and clustersOf() name the known clusters and environments when asked for others', () => {
    const fleet = new Fleet(fleetSpec());
    expect(fleet.clustersOf('prod').map((c) => c.name)).toEqual(['prod-us-east-1', 'prod-eu-west-1']);
    expect(() => fleet.cluster('dev')).toThrow("'name' is not a cluster of the fleet, got 'dev'; use one of: staging, prod-us-east-1, prod-eu-west-1");
    expect(() => fleet.clustersOf('dev')).toThrow("'environment' is not an environment of the fleet, got 'dev'; use one of: staging, prod");
  });
});

describe('Fleet refuses bad input at its spec path', () => {
  test("images in one account's registry are refused in clusters of other accounts and regions unless allowed", () => {
    const { policy: _p, ...noAllowance } = shared();
    const { messages } = refused(fleetSpec({ platform: noAllowance }));
    expect(messages).toContain("platform.models[0].image: must come from an allowed registry (policy LLM-IMG-003) (cluster 'prod-eu-west-1'); "
      + `got '${CENTRAL_REGISTRY}/acme-llm/vllm@sha256:${'a'.repeat(64)}'; mirror it to one of 222222222222.dkr.ecr.eu-west-1.amazonaws.com or add its registry to 'policy.allowedRegistries'`);
  });

  test('an override naming an unknown environment, cluster, pool, tenant or model', () => {
    const { messages } = refused(fleetSpec({
      overrides: [
        { environment: 'qa', gpuPools: [{ name: 'a10g', maxNodes: 2 }] },
        { environment: 'prod', cluster: 'staging', tenants: [{ name: 'ads', gpuQuota: 1 }], models: [{ name: 'llama3-70b', image: 'x' }], gpuPools: [{ name: 'h100' }] },
      ],
    }));
    expect(messages).toEqual([
      "overrides[0].environment: is not an environment of the fleet; got 'qa'; use one of: staging, prod",
      "overrides[1].cluster: is not a cluster of environment 'prod'; got 'staging'; use one of: prod-us-east-1, prod-eu-west-1",
      "overrides[1].gpuPools[0].name: is not one of the shared gpuPools; got 'h100'; use one of: a10g",
      "overrides[1].tenants[0].name: is not one of the shared tenants; got 'ads'; use one of: search",
      "overrides[1].models[0].name: is not one of the shared models; got 'llama3-70b'; use one of: llama3-8b",
    ]);
  });

  test('two clusters with one name (explicit, or two unnamed clusters of one environment in one region)', () => {
    expect(refused(fleetSpec({
      environments: [
        { name: 'staging', accountId: '111111111111', clusters: [{ region: 'us-east-1', name: 'shared' }] },
        { name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1', name: 'shared' }] },
      ],
    })).messages).toEqual(["environments[1].clusters[0].name: names cluster 'shared' again (environments[0].clusters[0]); got 'shared'; give each cluster its own name"]);
    expect(refused(fleetSpec({
      environments: [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }, { region: 'us-east-1' }] }],
    })).messages).toEqual([
      "environments[0].clusters[1]: names cluster 'prod-us-east-1' again (environments[0].clusters[0]); got 'prod-us-east-1'; give each cluster its own name (two clusters of 'prod' in us-east-1 need explicit names)",
      expect.stringContaining("environments[0].clusters[1]: shares account 222222222222 and region us-east-1 with cluster 'prod-us-east-1'"),
    ]);
  });

  test('two clusters of one account and region may not both create GuardDuty, Security Hub and AWS Config; an audit override adopts them', () => {
    const environments = [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1', name: 'prod-a' }, { region: 'us-east-1', name: 'prod-b' }] }];
    expect(refused(fleetSpec({ environments })).messages).toEqual([
      "environments[0].clusters[1]: shares account 222222222222 and region us-east-1 with cluster 'prod-a', and both would create GuardDuty, Security Hub, AWS Config "
        + "(one per account and region); got 'prod-b'; adopt them in this cluster: an override { environment: 'prod', cluster: 'prod-b', "
        + 'audit: { guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING } }, or use another account or region',
    ]);
    const fleet = new Fleet(fleetSpec({
      environments,
      overrides: [{ environment: 'prod', cluster: 'prod-b', audit: { guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING } }],
    }));
    expect(fleet.cluster('prod-b').spec.audit).toEqual(expect.objectContaining({ guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING }));
    expect(fleet.cluster('prod-a').spec.audit?.guardDuty).toBeUndefined();
    expect(fleet.cluster('prod-b').differences).toEqual([
      'audit.guardDuty = "EXISTING" (overrides[0].audit)', 'audit.securityHub = "EXISTING" (overrides[0].audit)',
    ]);
    // services one cluster adopts or leaves off do not clash: only what two clusters would both create
    expect(() => new Fleet(fleetSpec({
      environments,
      overrides: [{ environment: 'prod', cluster: 'prod-a', audit: { guardDuty: AccountServiceMode.DISABLED, securityHub: AccountServiceMode.DISABLED } }],
    }))).not.toThrow();
  });

  test('environments: none, twice the same name, no clusters, not a DNS label', () => {
    expect(refused(fleetSpec({ environments: [] })).props).toEqual(['environments']);
    expect(refused(fleetSpec({
      environments: [
        { name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }] },
        { name: 'prod', accountId: '222222222222', clusters: [] },
        { name: 'Prod!', accountId: '222222222222', clusters: [{ region: 'eu-west-1', name: 'prod-euw1' }] },
      ],
    })).props).toEqual(['environments[1].name', 'environments[1].clusters', 'environments[2].name']);
  });

  test('an override that breaks capacity is reported at the override, with the cluster', () => {
    const { messages } = refused(fleetSpec({ overrides: [{ environment: 'prod', cluster: 'prod-eu-west-1', gpuPools: [{ name: 'a10g', maxNodes: 0 }] }] }));
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((m) => m.startsWith('overrides[0].gpuPools[0].maxNodes: ') && m.includes("(cluster 'prod-eu-west-1')"))).toBe(true);
  });

  test('a tenant quota an override lowers below its models is reported at the override', () => {
    const { messages } = refused(fleetSpec({ overrides: [{ environment: 'staging', tenants: [{ name: 'search', gpuQuota: 1 }] }] }));
    expect(messages).toEqual([expect.stringMatching(/^overrides\[0\]\.tenants\[0\]\.gpuQuota: does not cover the GPUs its workloads need .* \(cluster 'staging'\); got 1; /)]);
  });

  test('a problem of the shared definitions is reported once, at platform.<path>, naming the clusters', () => {
    const base = shared();
    const { messages } = refused(fleetSpec({ platform: { ...base, tenants: [{ name: 'search', gpuQuota: 1 }] } }));
    expect(messages).toEqual([expect.stringMatching(/^platform\.tenants\[0\]\.gpuQuota: does not cover .* \(every cluster\); got 1; /)]);
  });

  test('a bad region, account or deploy role is reported at the cluster or environment that set it', () => {
    const { props } = refused(fleetSpec({
      environments: [
        { name: 'staging', accountId: '1234', clusters: [{ region: 'us-east-1' }] },
        { name: 'prod', accountId: '222222222222', clusters: [{ region: 'mars-1', name: 'prod-mars' }, { region: 'eu-west-1', deployRoleArn: 'deploy-role' }] },
      ],
    }));
    expect(props).toEqual(['environments[1].clusters[1].deployRoleArn', 'environments[0].accountId', 'environments[1].clusters[0].region']);
  });

  test("a deploy role outside the cluster's account (the provider would refuse it)", () => {
    expect(refused(fleetSpec({
      environments: [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'eu-west-1', deployRoleArn: 'arn:aws:iam::111111111111:role/platform-deploy' }] }],
    })).messages).toEqual([
      "environments[0].clusters[0].deployRoleArn: must be a role in the cluster's account 222222222222 (the provider allows only it); "
        + "got 'arn:aws:iam::111111111111:role/platform-deploy'; use e.g. 'arn:aws:iam::222222222222:role/platform-deploy'",
    ]);
  });

  test('hub: a cluster the fleet does not have; an apiServer on the hub; a bad endpoint or certificate authority', () => {
    const ca = EXAMPLE_CA;
    expect(refused(fleetSpec({ hub: 'dev' })).messages).toEqual(["hub: is not a cluster of the fleet; got 'dev'; use one of: staging, prod-us-east-1, prod-eu-west-1"]);
    const spec = fleetSpec({ hubNetwork: FleetHubNetwork.PUBLIC_ENDPOINT, hubEgressCidrs: ['203.0.113.10/32'] });
    const withApi = (staging: any, hub: any) => ({
      ...spec,
      environments: [
        { ...spec.environments[0], clusters: [{ region: 'us-east-1', apiServer: staging }] },
        { ...spec.environments[1], clusters: [{ region: 'us-east-1', apiServer: hub }, spec.environments[1].clusters[1]] },
      ],
    });
    expect(refused(withApi({ url: 'http://EXAMPLE.gr7.us-east-1.eks.amazonaws.com/api', certificateAuthorityData: 'bm90IGEgY2VydA==' },
      { url: 'https://HUB.gr7.us-east-1.eks.amazonaws.com', certificateAuthorityData: ca })).messages).toEqual([
      "environments[0].clusters[0].apiServer.url: must be the https URL of the API server endpoint (no path); got 'http://EXAMPLE.gr7.us-east-1.eks.amazonaws.com/api'; "
        + "use the cluster's endpoint, e.g. 'https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com'",
      "environments[0].clusters[0].apiServer.certificateAuthorityData: must be the base64 of a PEM certificate (as EKS returns it); got 'bm90IGEgY2VydA=='; "
        + "use the cluster's 'certificateAuthority.data' (aws eks describe-cluster)",
      "environments[1].clusters[0].apiServer: is set on the hub's cluster 'prod-us-east-1': its Argo CD reaches it in-cluster (https://kubernetes.default.svc); "
        + "got 'https://HUB.gr7.us-east-1.eks.amazonaws.com'; remove 'apiServer' from the hub's cluster",
    ]);
  });

  test("hubNetwork: required once a cluster is registered; a private network needs VPC CIDRs apart from the hub's; a public endpoint needs the hub's egress", () => {
    const registered = registeredFleetSpec();
    const { hubNetwork: _h, ...undeclared } = registered;
    expect(refused(undeclared).messages).toEqual([
      "hubNetwork: is not declared, and the hub's Argo CD (cluster 'prod-us-east-1') cannot reach the private API endpoint of 'staging', 'prod-eu-west-1' from its own VPC; "
        + "got nothing; declare it: FleetHubNetwork.PRIVATE_NETWORK (your peering or Transit Gateway; the VPC CIDRs must not overlap) or FleetHubNetwork.PUBLIC_ENDPOINT with 'hubEgressCidrs'",
    ]);
    // nothing registered yet: nothing to reach
    expect(() => new Fleet(fleetSpec())).not.toThrow();
    // overlapping CIDRs (one set, one the default) are reported where the CIDR came from
    const overlapping = {
      ...registered,
      environments: registered.environments.map((e) => ({ ...e, clusters: e.clusters.map((c) => (c.region === 'eu-west-1' ? { ...c, vpcCidr: '10.0.128.0/17' } : c.name === undefined && e.name === 'staging' ? { ...c, vpcCidr: undefined } : c)) })),
    };
    expect(refused(overlapping).messages).toEqual([
      "environments[0].clusters[0]: gives cluster 'staging' the VPC CIDR 10.0.0.0/16, which overlaps the hub's (10.0.0.0/16, cluster 'prod-us-east-1'): a private network cannot route between them; "
        + "got '10.0.0.0/16'; give each cluster its own 'vpcCidr', e.g. '10.1.0.0/16'",
      "environments[1].clusters[1].vpcCidr: gives cluster 'prod-eu-west-1' the VPC CIDR 10.0.128.0/17, which overlaps the hub's (10.0.0.0/16, cluster 'prod-us-east-1'): a private network cannot route between them; "
        + "got '10.0.128.0/17'; give each cluster its own 'vpcCidr', e.g. '10.3.0.0/16'",
    ]);
    expect(refused({ ...registered, hubNetwork: FleetHubNetwork.PUBLIC_ENDPOINT, hubEgressCidrs: ['not-a-cidr'] }).messages).toEqual([
      "hubEgressCidrs[0]: must be an IPv4 CIDR narrower than the whole internet (clusters 'staging', 'prod-eu-west-1'); got 'not-a-cidr'; list your egress ranges, e.g. '203.0.113.0/24'",
    ]);
    expect(refused({ ...registered, hubNetwork: FleetHubNetwork.PUBLIC_ENDPOINT }).props).toEqual(['hubEgressCidrs']);
  });

  test('hubNetwork PUBLIC_ENDPOINT: every cluster but the hub admits the hub\'s egress on its public endpoint; vpcCidr sets the cluster\'s VPC', () => {
    const fleet = new Fleet(registeredFleetSpec({ hubNetwork: FleetHubNetwork.PUBLIC_ENDPOINT, hubEgressCidrs: ['203.0.113.10/32', '203.0.113.11/32'] }));
    expect(fleet.hubNetwork).toBe(FleetHubNetwork.PUBLIC_ENDPOINT);
    expect(fleet.cluster('staging').spec.cluster?.publicAccessCidrs).toEqual(['203.0.113.10/32', '203.0.113.11/32']);
    expect(fleet.cluster('prod-us-east-1').spec.cluster?.publicAccessCidrs).toBeUndefined();
    expect(fleet.cluster('staging').spec.cluster?.vpcCidr).toBe('10.1.0.0/16');
    expect(fleet.cluster('prod-us-east-1').spec.cluster?.vpcCidr).toBeUndefined();
  });

  test('one override changing the same entry twice', () => {
    expect(refused(fleetSpec({ overrides: [{ environment: 'staging', tenants: [{ name: 'search', gpuQuota: 5 }, { name: 'search', gpuQuota: 6 }] }] })).messages)
      .toEqual(["overrides[0].tenants[1].name: changes search twice in one override; got 'search'; merge the two entries"]);
  });

  test('a cluster name that makes the platform names too long is reported with the cluster', () => {
    const { messages } = refused(fleetSpec({
      environments: [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'ap-southeast-2', name: 'production-asia-pacific-sydney' }] }],
    }));
    expect(messages).toEqual([expect.stringMatching(/^platform\.name: and environment make the cluster name 'acme-llm-production-asia-pacific-sydney' longer than 38 characters .*\(cluster 'production-asia-pacific-sydney'\)/)]);
  });

  test('wrong types are reported with their paths before anything else', () => {
    expect(refused({ platform: shared(), environments: [{ name: 'prod', clusters: 'us-east-1' }] }).props).toEqual(['environments[0].accountId', 'environments[0].clusters']);
  });
});

describe('Fleet replication: one cluster filled, every other region and account a copy (FleetSpec.replication)', () => {
  const STAGING_REGISTRY = '111111111111.dkr.ecr.us-east-1.amazonaws.com';
  const EU_REGISTRY = '222222222222.dkr.ecr.eu-west-1.amazonaws.com';

  test("without replication, an image in one cluster's registry is refused in the clusters of other regions and accounts (a region without a copy)", () => {
    const { props, messages } = refused(prodRegistryFleetSpec());
    expect(props).toEqual(['platform.models[0].image']);
    expect(messages[0]).toMatch(new RegExp('^platform\\.models\\[0\\]\\.image: names the registry of cluster \'prod-us-east-1\' \\(account 222222222222, us-east-1\\), '
      + 'as \\d+ other values do \\(platform\\.images\\.awsCli, platform\\.images\\.nvidiaDevicePlugin, platform\\.images\\.dcgmExporter, \\.\\.\\.\\), '
      + 'which a cluster of another region or account has no copy of: it would pull across regions, or be refused across accounts '
      + "\\(the repositories admit their own account only\\) \\(clusters 'staging', 'prod-eu-west-1'\\); "
      + `got '${PROD_REGISTRY}/acme-llm/vllm@sha256:[0-9a-f]{64}'; replicate from it: FleetSpec\\.replication \\{ source: 'prod-us-east-1' \\}`));
  });

  test('an override naming another region\'s registry is reported at the override', () => {
    const spec = fleetSpec({ overrides: [{ environment: 'staging', models: [{ name: 'llama3-8b', image: `${EU_REGISTRY}/acme-llm/vllm@sha256:${'a'.repeat(64)}` }] }] });
    // besides the allowed-registry refusal of the cluster's own policy (LLM-IMG-003)
    expect(refused(spec).messages).toEqual([
      expect.stringMatching(/^overrides\[0\]\.models\[0\]\.image: must come from an allowed registry \(policy LLM-IMG-003\) \(cluster 'staging'\)/),
      expect.stringMatching(/^overrides\[0\]\.models\[0\]\.image: names the registry of cluster 'prod-eu-west-1' \(account 222222222222, eu-west-1\), which .* \(cluster 'staging'\); got '222222222222\.dkr\.ecr\.eu-west-1/),
    ]);
  });

  test("with replication, every other cluster's images name its own registry (same repository and digest); the source's stay", () => {
    const fleet = new Fleet(prodRegistryFleetSpec({ replication: { source: 'prod-us-east-1' } }));
    expect(fleet.replicationSource?.name).toBe('prod-us-east-1');
    const definitions = prodRegistryFleetSpec().platform;
    const image = definitions.models![0].image!;
    expect(fleet.cluster('prod-us-east-1').spec.models![0].image).toBe(image);
    expect(fleet.cluster('staging').spec.models![0].image).toBe(image.replace(PROD_REGISTRY, STAGING_REGISTRY));
    expect(fleet.cluster('prod-eu-west-1').spec.models![0].image).toBe(image.replace(PROD_REGISTRY, EU_REGISTRY));
    expect(fleet.cluster('prod-eu-west-1').spec.images?.awsCli).toBe(definitions.images!.awsCli!.replace(PROD_REGISTRY, EU_REGISTRY));
    expect(Object.values(fleet.cluster('staging').spec.images?.addons ?? {}).every((i) => i.startsWith(`${STAGING_REGISTRY}/mirror/`))).toBe(true);
    expect(fleet.cluster('staging').spec.policy?.allowedRegistries).toEqual([STAGING_REGISTRY]);
    // the weights stay a ModelSource in the cluster's own store (value classes keep their prototype)
    expect(fleet.cluster('staging').spec.models![0].weights).toEqual(definitions.models![0].weights);
    expect(fleet.cluster('staging').spec.models![0].weights).toBeInstanceOf(ModelSource);
    // no string of another cluster's registry is left anywhere in a cluster's spec
    for (const c of fleet.clusters) {
      const own = `${c.accountId}.dkr.ecr.${c.region}.amazonaws.com`;
      const hosts = JSON.stringify(c.spec).match(/\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com/g) ?? [];
      expect(new Set(hosts)).toEqual(new Set([own]));
    }
    expect(fleet.summary()[1]).toBe("  replication: model store (S3, Replication Time Control) and registry (ECR) of 'prod-us-east-1' into every other cluster's");
  });

  test("with replication, an image of another cluster's registry than the source's is refused with the source named", () => {
    const spec = prodRegistryFleetSpec({
      replication: { source: 'prod-us-east-1' },
      overrides: [{ environment: 'prod', cluster: 'prod-us-east-1', models: [{ name: 'llama3-8b', image: `${EU_REGISTRY}/acme-llm/vllm@sha256:${'b'.repeat(64)}` }] }],
    });
    expect(refused(spec).messages).toEqual([expect.stringMatching(/LLM-IMG-003/), expect.stringMatching(
      new RegExp(`^overrides\\[0\\]\\.models\\[0\\]\\.image: names the registry of cluster 'prod-eu-west-1' .*\\(cluster 'prod-us-east-1'\\); got .*; push it to the replication source's registry \\(${PROD_REGISTRY.replace(/\./g, '\\.')}\\) and name it there`))]);
  });

  test('images: false copies no image and keeps the refusal, with the switch named', () => {
    const { messages } = refused(prodRegistryFleetSpec({ replication: { source: 'prod-us-east-1', images: false } }));
    expect(messages).toEqual([expect.stringMatching(/turn image replication on \('replication\.images'\), or name an image of each cluster's own registry in an override$/)]);
  });

  test('models: false with images replicates the registry only', () => {
    const fleet = new Fleet(prodRegistryFleetSpec({ replication: { source: 'prod-us-east-1', models: false, replicationTimeControl: false } }));
    expect(fleet.cluster('staging').spec.models![0].image).toMatch(new RegExp(`^${STAGING_REGISTRY}/`));
    expect(fleet.summary()[1]).toBe("  replication: registry (ECR) of 'prod-us-east-1' into every other cluster's");
  });

  test('bad replication: an unknown source, nothing to replicate into, nothing replicated, another partition', () => {
    expect(refused(prodRegistryFleetSpec({ replication: { source: 'dev' } })).messages[0])
      .toBe("replication.source: is not a cluster of the fleet; got 'dev'; use one of: staging, prod-us-east-1, prod-eu-west-1");
    const single = fleetSpec({ environments: [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }] }], replication: { source: 'prod' } });
    expect(refused(single).messages).toEqual(["replication: has no other cluster to replicate into; got 'prod'; add a cluster, or remove 'replication'"]);
    expect(refused(fleetSpec({ replication: { source: 'staging', models: false, images: false } })).messages)
      .toEqual(['replication: replicates neither models nor images; got \'{"models":false,"images":false}\'; remove \'replication\', or turn one on']);
    const china = fleetSpec({
      environments: [{ name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }, { region: 'cn-north-1' }] }],
      replication: { source: 'prod-us-east-1' },
    });
    expect(refused(china).props).toContain('environments[0].clusters[1].region');
  });

  test('registryOwnerOf: the first cluster of an account and region creates its registry', () => {
    const spec = fleetSpec({
      environments: [
        { name: 'staging', accountId: '222222222222', clusters: [{ region: 'us-east-1' }] },
        { name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }, { region: 'eu-west-1' }] },
      ],
      overrides: [{ environment: 'prod', cluster: 'prod-us-east-1', audit: { guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING } }],
    });
    const fleet = new Fleet(spec);
    expect(fleet.registryOwnerOf('prod-us-east-1').name).toBe('staging');
    expect(fleet.registryOwnerOf('prod-eu-west-1').name).toBe('prod-eu-west-1');
    expect(() => fleet.registryOwnerOf('dev')).toThrow("'name' is not a cluster of the fleet");
  });
});
