import { App, Testing } from 'cdktf';
import { fleetSpec, smallSpec } from './fixtures';
import { ValidationError } from '../../src/core/errors';
import { AwsFleet, AwsPlatformStack, Fleet } from '../../src/platform';
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
