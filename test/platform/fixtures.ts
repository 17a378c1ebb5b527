import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import { GpuInstanceType, ModelRuntime } from '../../src/core';
import { PlatformAddon } from '../../src/gitops';
import { AwsPlatformStack, FleetHubNetwork, FleetSpec, GpuProvisioning, KubernetesPlatform, ModelWeights, PlatformSharedSpec, PlatformSpec } from '../../src/platform';
import { mapSpecStrings } from '../../src/platform/private/spec-strings';

export const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
export const DIGEST = `@sha256:${'a'.repeat(64)}`;
export const SHA = '0e9e39f249a16976918f6564b8830bc894c89659';

/** The NVIDIA node agents need host sockets and root, like upstream: the one honest exception. */
export const GPU_AGENT_EXCEPTION = {
  ruleIds: ['LLM-PSS-006', 'LLM-PSS-012', 'LLM-SEC-001', 'LLM-RES-002'],
  namespace: 'nvidia-gpu',
  kind: 'DaemonSet',
  owner: 'platform-team',
  reason: 'NVIDIA device plugin and DCGM exporter use kubelet host sockets as root',
  ticket: 'SEC-1',
  expires: '2099-12-31',
};

/**
 * Every image of every catalogue add-on, mirrored to the platform registry and pinned (`images.addons`): the
 * platform refuses add-on images its admission policies would deny.
 */
export const ADDON_MIRRORS: { [addonImage: string]: string } = Object.fromEntries(PlatformAddon.catalogueNames()
  .flatMap((a) => PlatformAddon.imagesOf(a).map((i) => [`${a}/${i.name}`, `${REGISTRY}/mirror/${a}/${i.name}${DIGEST}`])));

/** A small valid spec: one pool, one tenant, one model (the fixture every platform test starts from). */
export function smallSpec(overrides: Partial<PlatformSpec> = {}): PlatformSpec {
  return {
    name: 'acme-llm',
    environment: 'dev',
    region: 'us-east-1',
    accountId: '123456789012',
    // a warm baseline of one node (GPU pools default to 0 since issue 13) plus Karpenter up to maxNodes
    gpuPools: [{ name: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], minNodes: 1, maxNodes: 4, provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER }],
    // llama3-8b: 4 replicas + 1 rollout surge (a single replica at minimum)
    tenants: [{ name: 'search', gpuQuota: 5 }],
    models: [{
      name: 'llama3-8b',
      tenant: 'search',
      runtime: ModelRuntime.VLLM,
      image: `${REGISTRY}/acme-llm/vllm${DIGEST}`,
      weights: ModelWeights.fromModelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 4 },
    }],
    images: {
      awsCli: `${REGISTRY}/mirror/aws-cli${DIGEST}`,
      nvidiaDevicePlugin: `${REGISTRY}/mirror/k8s-device-plugin${DIGEST}`,
      dcgmExporter: `${REGISTRY}/mirror/dcgm-exporter${DIGEST}`,
      addons: ADDON_MIRRORS,
    },
    policy: { exceptions: [GPU_AGENT_EXCEPTION], referenceDate: '2025-06-01' },
    gitops: { repoUrl: 'https://git.example.com/acme/platform-gitops.git' },
    ...overrides,
  };
}

/** Run `fn` and return the ValidationError it throws (fails when it does not throw one). */
export function validationErrorOf(fn: () => void): any {
  try {
    fn();
  } catch (e: any) {
    if (e?.name !== 'ValidationError') throw e;
    return e;
  }
  throw new Error('expected a ValidationError');
}

/**
 * Both entry points refuse `spec` with a ValidationError that lists `prop` among its problems, with `value` in
 * the problem's value, `fix` in its fix and the prop quoted in the message.
 */
export function expectBothEntryPointsRefuse(spec: PlatformSpec, prop: string, value: string, fix: string): void {
  for (const build of [
    () => new KubernetesPlatform(new App(), 'k8s', { spec }),
    () => new AwsPlatformStack(Testing.app(), 'aws', { spec }),
  ]) {
    const error = validationErrorOf(build);
    const problem = error.problems.find((p: any) => p.prop === prop);
    const listed = { problems: error.problems.map((p: any) => p.prop), found: problem !== undefined };
    expect(listed).toEqual({ problems: expect.arrayContaining([prop]), found: true });
    expect(problem.value).toContain(value);
    expect(problem.fix).toContain(fix);
    expect(error.message).toContain(`'${prop}'`);
  }
}

/** The registry the fixture's images are in (the fixture platform's own, account 123456789012 in us-east-1). */
export const CENTRAL_REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

/**
 * The fixture platform without where it runs: the shared definitions of a fleet. Its images stay in one
 * central registry, which every cluster (other accounts and regions) must be allowed to pull from.
 */
export function sharedDefinitions(): PlatformSharedSpec {
  const { environment: _e, region: _r, accountId: _a, ...rest } = smallSpec();
  return { ...rest, policy: { ...rest.policy, allowedRegistries: [CENTRAL_REGISTRY] } };
}

/** Staging (one cluster, account 111111111111) and prod (us-east-1 and eu-west-1 with a deploy role, account 222222222222) over the shared definitions. */
export function fleetSpec(patch: Partial<FleetSpec> = {}): FleetSpec {
  return {
    platform: sharedDefinitions(),
    environments: [
      { name: 'staging', accountId: '111111111111', clusters: [{ region: 'us-east-1' }] },
      { name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }, { region: 'eu-west-1', deployRoleArn: 'arn:aws:iam::222222222222:role/platform-deploy' }] },
    ],
    ...patch,
  };
}

/** A cluster certificate authority as EKS returns it (base64 of a PEM certificate; the body is not a real key). */
export const EXAMPLE_CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n').toString('base64');

/** `fleetSpec()` with every cluster but the hub (prod-us-east-1, the first of the last environment) registered, reached through a private network. */
export function registeredFleetSpec(patch: Partial<FleetSpec> = {}): FleetSpec {
  const base = fleetSpec(patch);
  let n = 0;
  return {
    ...base,
    environments: base.environments.map((e) => ({
      ...e,
      clusters: e.clusters.map((c) => {
        const name = c.name ?? (e.clusters.length === 1 ? e.name : `${e.name}-${c.region}`);
        if (name === (base.hub ?? 'prod-us-east-1')) return c;
        n += 1;
        return { ...c, apiServer: { url: `https://EXAMPLE${n}.gr7.${c.region}.eks.amazonaws.com`, certificateAuthorityData: EXAMPLE_CA }, vpcCidr: `10.${n}.0.0/16` };
      }),
    })),
    // the hub reaches them through a private network (their VPC CIDRs differ from the hub's 10.0.0.0/16)
    hubNetwork: patch.hubNetwork ?? FleetHubNetwork.PRIVATE_NETWORK,
  };
}

/** The prod-us-east-1 cluster's registry in `fleetSpec()` (account 222222222222). */
export const PROD_REGISTRY = '222222222222.dkr.ecr.us-east-1.amazonaws.com';

/**
 * `fleetSpec()` whose images are all in the prod-us-east-1 cluster's own registry (mirrored there once), as a fleet
 * that replicates from prod would have them.
 */
export function prodRegistryFleetSpec(patch: Partial<FleetSpec> = {}): FleetSpec {
  const platform = mapSpecStrings(sharedDefinitions(), (text) => text.replace(CENTRAL_REGISTRY, PROD_REGISTRY));
  return fleetSpec({ platform, ...patch });
}
