import * as fs from 'fs';
import * as path from 'path';
import { App, Testing } from 'cdktf';
import { fleetSpec, PROD_REGISTRY, prodRegistryFleetSpec, registeredFleetSpec, smallSpec } from './fixtures';
import { AccountServiceMode } from '../../src/aws';
import { ValidationError } from '../../src/core/errors';
import { AwsFleet, AwsPlatformStack, Fleet, FleetHubNetwork } from '../../src/platform';
import { expectValidTerraform, resourcesOf } from '../util';

describe('AwsFleet: one Terraform stack per cluster', () => {
  const app = Testing.app();
  const aws = new AwsFleet(app, 'fleet', { fleet: new Fleet(fleetSpec()) });
  const config = (cluster: string) => expectValidTerraform(Testing.synth(aws.stackOf(cluster)));

  test('stacks named after the clusters, in promotion order', () => {
    expect(aws.stacks.map((s) => s.node.id)).toEqual(['acme-llm-staging', 'acme-llm-prod-us-east-1', 'acme-llm-prod-eu-west-1']);
    expect(aws.stackOf('prod-eu-west-1')).toBe(aws.stacks[2]);
  });

  test("each stack's provider: the cluster's region and account; the deploy role assumed where one is set", () => {
    expect(config('staging').provider.aws).toEqual([expect.objectContaining({ region: 'us-east-1', allowed_account_ids: ['111111111111'] })]);
    expect(config('staging').provider.aws[0].assume_role).toBeUndefined();
    expect(config('prod-eu-west-1').provider.aws).toEqual([expect.objectContaining({
      region: 'eu-west-1',
      allowed_account_ids: ['222222222222'],
      assume_role: [{ role_arn: 'arn:aws:iam::222222222222:role/platform-deploy', session_name: 'acme-llm-prod-eu-west-1-terraform' }],
    })]);
  });

  test('each stack keeps its own state: bucket in its account and region, key per cluster, locking, the deploy role', () => {
    expect(config('staging').terraform.backend.s3).toEqual({
      bucket: 'acme-llm-staging-tfstate-111111111111', key: 'acme-llm/staging/terraform.tfstate', region: 'us-east-1', encrypt: true, use_lockfile: true,
    });
    expect(config('prod-eu-west-1').terraform.backend.s3).toEqual({
      bucket: 'acme-llm-prod-eu-west-1-tfstate-222222222222',
      key: 'acme-llm/prod-eu-west-1/terraform.tfstate',
      region: 'eu-west-1',
      encrypt: true,
      use_lockfile: true,
      assume_role: { role_arn: 'arn:aws:iam::222222222222:role/platform-deploy' },
    });
  });

  test('names derive from the cluster: no two clusters share a bucket, cluster or role name', () => {
    const buckets = aws.stacks.map((s) => Object.values<any>(resourcesOf(expectValidTerraform(Testing.synth(s)), 'aws_s3_bucket')).map((b) => b.bucket)).flat();
    expect(new Set(buckets).size).toBe(buckets.length);
    expect(resourcesOf(config('prod-us-east-1'), 'aws_eks_cluster').acme_llm_prod_us_east_1.name).toBe('acme-llm-prod-us-east-1');
  });

  test('an environment override reaches only its stacks', () => {
    const staged = new AwsFleet(Testing.app(), 'fleet', {
      fleet: new Fleet(fleetSpec({ overrides: [{ environment: 'staging', gpuPools: [{ name: 'a10g', minNodes: 0, maxNodes: 2 }], models: [{ name: 'llama3-8b', replicas: { min: 1, max: 1 } }] }] })),
    });
    const same = (cluster: string) => Testing.synth(staged.stackOf(cluster)) === Testing.synth(aws.stackOf(cluster));
    expect([same('staging'), same('prod-us-east-1'), same('prod-eu-west-1')]).toEqual([false, true, true]);
  });

  test('s3State: false leaves the backend to the caller', () => {
    const plain = new AwsFleet(Testing.app(), 'fleet', { fleet: new Fleet(fleetSpec()), s3State: false });
    expect(JSON.parse(Testing.synth(plain.stacks[0])).terraform.backend).toBeUndefined();
  });

  test('stackOf() names the clusters when asked for another', () => {
    expect(() => aws.stackOf('dev')).toThrow(ValidationError);
    expect(() => aws.stackOf('dev')).toThrow('use one of: staging, prod-us-east-1, prod-eu-west-1');
  });
});

describe('AwsPlatformStack deployRoleArn', () => {
  test('a role in the spec account is assumed by the provider', () => {
    const stack = new AwsPlatformStack(Testing.app(), 'acme', { spec: smallSpec(), deployRoleArn: 'arn:aws:iam::123456789012:role/deploy' });
    expect(expectValidTerraform(Testing.synth(stack)).provider.aws[0].assume_role).toEqual([{ role_arn: 'arn:aws:iam::123456789012:role/deploy', session_name: 'acme-llm-dev-terraform' }]);
  });

  test.each([
    ['not an ARN', 'deploy', "'deployRoleArn' must be an IAM role ARN, got 'deploy'; use e.g. 'arn:aws:iam::123456789012:role/platform-deploy'"],
    ['another account', 'arn:aws:iam::999999999999:role/deploy', "'deployRoleArn' must be a role in the platform's account 123456789012 (the provider allows only it)"],
  ])('%s: refused before the stack is built', (_name, arn, message) => {
    const app = new App();
    expect(() => new AwsPlatformStack(app, 'acme', { spec: smallSpec(), deployRoleArn: arn })).toThrow(message);
    expect(app.node.children).toHaveLength(0);
  });
});

describe('AwsFleet: the hub reaches every cluster through Pod Identity and EKS access entries (Argo CD declarative setup, "EKS")', () => {
  const app = Testing.app();
  const aws = new AwsFleet(app, 'fleet', { fleet: new Fleet(fleetSpec()) });
  const config = (cluster: string) => expectValidTerraform(Testing.synth(aws.stackOf(cluster)));
  const HUB_ROLE = 'arn:aws:iam::222222222222:role/acme-llm-prod-us-east-1-argocd-hub';

  test("the hub's management role: Pod Identity of the three Argo CD ServiceAccounts, allowed to assume the spoke roles only", () => {
    const hub = config('prod-us-east-1');
    const role = resourcesOf(hub, 'aws_iam_role').acme_llm_prod_us_east_1_argocd_hub;
    expect(role.name).toBe('acme-llm-prod-us-east-1-argocd-hub');
    expect(JSON.parse(role.assume_role_policy).Statement[0]).toEqual(expect.objectContaining({
      Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'],
    }));
    const associations = Object.values<any>(resourcesOf(hub, 'aws_eks_pod_identity_association')).filter((a) => a.namespace === 'argocd');
    expect(associations.map((a) => a.service_account).sort()).toEqual(['argocd-application-controller', 'argocd-applicationset-controller', 'argocd-server']);
    for (const a of associations) expect(a.role_arn).toBe('${aws_iam_role.acme_llm_prod_us_east_1_argocd_hub.arn}');
    const policy = Object.values<any>(resourcesOf(hub, 'aws_iam_role_policy')).find((p) => p.role === '${aws_iam_role.acme_llm_prod_us_east_1_argocd_hub.id}');
    expect(JSON.parse(policy.policy).Statement).toEqual([expect.objectContaining({
      Action: ['sts:AssumeRole', 'sts:TagSession'],
      Resource: ['arn:aws:iam::111111111111:role/acme-llm-staging-argocd-spoke', 'arn:aws:iam::222222222222:role/acme-llm-prod-eu-west-1-argocd-spoke'],
    })]);
    // the hub reaches its own cluster in-cluster: no spoke role there
    expect(Object.values<any>(resourcesOf(hub, 'aws_iam_role')).some((r) => /argocd-spoke$/.test(r.name))).toBe(false);
  });

  test('each other cluster: a spoke role trusted by the management role only, no permission policy, cluster admin through its access entry', () => {
    for (const cluster of ['staging', 'prod-eu-west-1']) {
      const tf = config(cluster);
      const [key, role] = Object.entries<any>(resourcesOf(tf, 'aws_iam_role')).find(([, r]) => /argocd-spoke$/.test(r.name))!;
      // the management role by aws:PrincipalArn through its account's root (IAM takes it before that role exists)
      expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::222222222222:root' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { ArnEquals: { 'aws:PrincipalArn': HUB_ROLE } },
      }]);
      expect(Object.values<any>(resourcesOf(tf, 'aws_iam_role_policy')).some((p) => p.role.includes(key))).toBe(false);
      const entry = Object.values<any>(resourcesOf(tf, 'aws_eks_access_entry')).find((e) => e.principal_arn === `\${aws_iam_role.${key}.arn}`);
      expect(entry.type).toBe('STANDARD');
      const association = Object.values<any>(resourcesOf(tf, 'aws_eks_access_policy_association')).find((a) => a.policy_arn.endsWith('/AmazonEKSClusterAdminPolicy') && a.principal_arn.includes('argocd_hub'));
      expect(association.access_scope).toEqual({ type: 'cluster' });
    }
  });

  test('without replication no stack waits for another (the spoke trust names the management role by condition)', () => {
    app.synth();
    const stacks = JSON.parse(fs.readFileSync(path.join(app.outdir, 'manifest.json'), 'utf8')).stacks;
    for (const name of ['acme-llm-staging', 'acme-llm-prod-eu-west-1', 'acme-llm-prod-us-east-1']) expect(stacks[name].dependencies).toEqual([]);
  });
});

describe('AwsFleet: the network from the hub to the other clusters (FleetHubNetwork)', () => {
  const rules = (fleet: Fleet, cluster: string) => {
    const aws = new AwsFleet(Testing.app(), 'fleet', { fleet });
    const tf = expectValidTerraform(Testing.synth(aws.stackOf(cluster)));
    return Object.values<any>(resourcesOf(tf, 'aws_vpc_security_group_ingress_rule')).filter((r) => /fleet hub/.test(r.description ?? ''));
  };

  test("PRIVATE_NETWORK: each other cluster's security group admits the hub's VPC CIDR on 443; the hub's own does not", () => {
    const fleet = new Fleet(registeredFleetSpec());
    for (const cluster of ['staging', 'prod-eu-west-1']) {
      expect(rules(fleet, cluster)).toEqual([expect.objectContaining({
        ip_protocol: 'tcp',
        from_port: 443,
        to_port: 443,
        cidr_ipv4: '10.0.0.0/16',
        security_group_id: expect.stringMatching(/^\$\{aws_eks_cluster\.[a-z0-9_]+\.vpc_config\[0\]\.cluster_security_group_id\}$/),
      })]);
    }
    expect(rules(fleet, 'prod-us-east-1')).toEqual([]);
  });

  test('PUBLIC_ENDPOINT: no security group rule; the endpoint admits the hub egress instead', () => {
    const fleet = new Fleet(registeredFleetSpec({ hubNetwork: FleetHubNetwork.PUBLIC_ENDPOINT, hubEgressCidrs: ['203.0.113.10/32'] }));
    expect(rules(fleet, 'staging')).toEqual([]);
    const tf = expectValidTerraform(Testing.synth(new AwsFleet(Testing.app(), 'fleet', { fleet }).stackOf('staging')));
    expect(Object.values<any>(resourcesOf(tf, 'aws_eks_cluster'))[0].vpc_config.public_access_cidrs).toEqual(['203.0.113.10/32']);
  });
});

describe('AwsFleet: replication from one cluster into every other region and account (FleetSpec.replication)', () => {
  const app = Testing.app();
  const aws = new AwsFleet(app, 'fleet', { fleet: new Fleet(prodRegistryFleetSpec({ replication: { source: 'prod-us-east-1' } })) });
  const config = (cluster: string) => expectValidTerraform(Testing.synth(aws.stackOf(cluster)));
  const ROLE = 'arn:aws:iam::222222222222:role/acme-llm-prod-us-east-1-models-replication';
  const bucketPolicy = (cluster: string) => JSON.parse(Object.values<any>(resourcesOf(config(cluster), 'aws_s3_bucket_policy'))
    .find((p) => p.bucket.includes('_models.id'))!.policy).Statement;

  test("the source's store replicates into every other cluster's store, one rule each, encrypted with the destination's key", () => {
    const [configuration] = Object.values<any>(resourcesOf(config('prod-us-east-1'), 'aws_s3_bucket_replication_configuration'));
    expect(configuration.bucket).toBe('acme-llm-prod-us-east-1-models');
    const rows = configuration.rule.map((r: any) => [
      r.id, r.priority, r.destination.bucket, r.destination.account, r.destination.encryption_configuration.replica_kms_key_id,
    ]);
    expect(rows).toEqual([
      ['staging', 1, 'arn:aws:s3:::acme-llm-staging-models', '111111111111', 'arn:aws:kms:us-east-1:111111111111:alias/acme-llm-staging-models'],
      ['prod-eu-west-1', 2, 'arn:aws:s3:::acme-llm-prod-eu-west-1-models', undefined, 'arn:aws:kms:eu-west-1:222222222222:alias/acme-llm-prod-eu-west-1-models'],
    ]);
    for (const r of configuration.rule) {
      expect(r.delete_marker_replication).toEqual({ status: 'Disabled' });
      expect(r.destination.replication_time).toEqual({ status: 'Enabled', time: { minutes: 15 } });
    }
    const role = Object.values<any>(resourcesOf(config('prod-us-east-1'), 'aws_iam_role')).find((r) => r.name === 'acme-llm-prod-us-east-1-models-replication');
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
  });

  test('a store of another account admits the source\'s replication role (bucket and key policy); one of the same account needs nothing', () => {
    const staging = bucketPolicy('staging');
    expect(staging.find((s: any) => s.Sid === 'ReplicasFromOtherAccounts')).toEqual({
      Sid: 'ReplicasFromOtherAccounts',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::222222222222:root' },
      Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
      Resource: '${aws_s3_bucket.acme_llm_staging_models.arn}/*',
      Condition: { ArnEquals: { 'aws:PrincipalArn': ROLE } },
    });
    const key = Object.values<any>(resourcesOf(config('staging'), 'aws_kms_key')).find((k) => k.description.includes('acme-llm-staging-models'));
    expect(JSON.parse(key.policy).Statement.find((s: any) => s.Sid === 'ReplicasFromOtherAccounts').Condition.ArnEquals).toEqual({ 'aws:PrincipalArn': ROLE });
    expect(bucketPolicy('prod-eu-west-1').some((s: any) => s.Sid === 'ReplicasFromOtherAccounts')).toBe(false);
  });

  test("the source's registry replicates into every other account's and region's registry; another account's admits it", () => {
    const [replication] = Object.values<any>(resourcesOf(config('prod-us-east-1'), 'aws_ecr_replication_configuration'));
    const [rule] = replication.replication_configuration.rule;
    expect(rule.destination).toEqual([{ region: 'us-east-1', registry_id: '111111111111' }, { region: 'eu-west-1', registry_id: '222222222222' }]);
    const repositories = Object.values<any>(resourcesOf(config('prod-us-east-1'), 'aws_ecr_repository')).map((r) => r.name).sort();
    expect(rule.repository_filter.map((f: any) => f.filter)).toEqual(repositories);
    // every registry has every replicated repository, created with its own encryption, before any image arrives
    for (const cluster of ['staging', 'prod-eu-west-1']) {
      expect(Object.values<any>(resourcesOf(config(cluster), 'aws_ecr_repository')).map((r) => r.name).sort()).toEqual(repositories);
    }
    const [policy] = Object.values<any>(resourcesOf(config('staging'), 'aws_ecr_registry_policy'));
    expect(JSON.parse(policy.policy).Statement[0]).toEqual(expect.objectContaining({ Principal: { AWS: ['arn:aws:iam::222222222222:root'] }, Action: ['ecr:ReplicateImage'] }));
    expect(resourcesOf(config('prod-eu-west-1'), 'aws_ecr_registry_policy')).toEqual({});
  });

  test("the source's stack deploys after its destinations (S3 needs them to exist)", () => {
    app.synth();
    const stacks = JSON.parse(fs.readFileSync(path.join(app.outdir, 'manifest.json'), 'utf8')).stacks;
    expect(stacks['acme-llm-prod-us-east-1'].dependencies.sort()).toEqual(['fleet/acme-llm-prod-eu-west-1', 'fleet/acme-llm-staging']);
    expect(stacks['acme-llm-staging'].dependencies).toEqual([]);
  });

  test('the other clusters pull from their own registry', () => {
    const role = Object.values<any>(resourcesOf(config('prod-eu-west-1'), 'aws_iam_role_policy')).find((p) => p.role.includes('search_llama3_8b'));
    const pulls = JSON.parse(role.policy).Statement.find((s: any) => [s.Action].flat().includes('ecr:BatchGetImage'));
    expect(pulls.Resource).toEqual(['${aws_ecr_repository.acme_llm_vllm.arn}', '${aws_ecr_repository.mirror_aws_cli.arn}']);
  });
});

describe('AwsFleet: one registry per account and region', () => {
  test('the first cluster of an account and region creates the repositories of all its clusters; the others grant pulls on them', () => {
    const spec = prodRegistryFleetSpec({
      environments: [
        { name: 'staging', accountId: '222222222222', clusters: [{ region: 'us-east-1' }] },
        { name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }] },
      ],
      overrides: [
        { environment: 'prod', audit: { guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING } },
        { environment: 'prod', models: [{ name: 'llama3-8b', image: `${PROD_REGISTRY}/acme-llm/vllm-next@sha256:${'c'.repeat(64)}` }] },
      ],
    });
    const aws = new AwsFleet(Testing.app(), 'fleet', { fleet: new Fleet(spec) });
    const staging = expectValidTerraform(Testing.synth(aws.stackOf('staging')));
    const prod = expectValidTerraform(Testing.synth(aws.stackOf('prod')));
    const names = (tf: any) => Object.values<any>(resourcesOf(tf, 'aws_ecr_repository')).map((r) => r.name).sort();
    expect(names(staging)).toEqual(expect.arrayContaining(['acme-llm/vllm', 'acme-llm/vllm-next']));
    expect(names(prod)).toEqual([]);
    expect(resourcesOf(prod, 'aws_kms_alias')).not.toHaveProperty('acme_llm_ecr');
    expect(aws.stackOf('prod').registry).toBeUndefined();
    const role = Object.values<any>(resourcesOf(prod, 'aws_iam_role_policy')).find((p) => p.role.includes('search_llama3_8b'));
    const pulls = JSON.parse(role.policy).Statement.find((s: any) => [s.Action].flat().includes('ecr:BatchGetImage'));
    expect(pulls.Resource).toEqual(['arn:aws:ecr:us-east-1:222222222222:repository/acme-llm/vllm-next', 'arn:aws:ecr:us-east-1:222222222222:repository/mirror/aws-cli']);
  });

  test("createRegistry: false with the registry's own props is refused", () => {
    const spec = new Fleet(prodRegistryFleetSpec({ replication: { source: 'prod-us-east-1' } })).cluster('staging').spec;
    expect(() => new AwsPlatformStack(new App(), 'x', { spec, createRegistry: false, additionalRepositories: ['a/b'], registryReplicationSourceAccountIds: ['222222222222'] }))
      .toThrow(/'additionalRepositories' has no effect with 'createRegistry: false'.*\n.*'registryReplicationSourceAccountIds' has no effect/);
  });
});
