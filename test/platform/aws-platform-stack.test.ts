import { Testing } from 'cdktf';
import { AwsPlatformStack } from '../../src/platform';
import { expectValidTerraform, resourcesOf } from '../util';
import { smallSpec } from './fixtures';

describe('AwsPlatformStack (small spec)', () => {
  const stack = new AwsPlatformStack(Testing.app(), 'acme', { spec: smallSpec() });
  // every block checked against the hashicorp/aws 6.25.0 schema
  const config = expectValidTerraform(Testing.synth(stack));

  test('cluster, bucket and registry names derive from name/environment', () => {
    expect(resourcesOf(config, 'aws_eks_cluster').acme_llm_dev.name).toBe('acme-llm-dev');
    expect(resourcesOf(config, 'aws_s3_bucket').acme_llm_dev_models.bucket).toBe('acme-llm-dev-models');
    expect(Object.values<any>(resourcesOf(config, 'aws_ecr_repository')).map((r) => r.name).sort()).toEqual(
      ['acme-llm/vllm', 'mirror/aws-cli', 'mirror/dcgm-exporter', 'mirror/k8s-device-plugin']);
    expect(stack.names.registryUrl).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com');
  });

  test('one Pod Identity association per workload identity (plus the Karpenter controller)', () => {
    const assoc = Object.values<any>(resourcesOf(config, 'aws_eks_pod_identity_association')).map((a) => `${a.namespace}/${a.service_account}`).sort();
    expect(assoc).toEqual(['kube-system/karpenter', 'search/llama3-8b']);
  });

  test('the model role reads exactly its model-store prefix', () => {
    const policy = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_llm_dev_search_llama3_8b.policy);
    expect(JSON.stringify(policy)).toContain('models/llama3-8b/');
  });

  test('a managed node group and Karpenter for a pool provisioned by both', () => {
    expect(Object.keys(resourcesOf(config, 'aws_eks_node_group')).sort()).toEqual(['acme_llm_dev_a10g', 'acme_llm_dev_system']);
    expect(resourcesOf(config, 'aws_sqs_queue').acme_llm_dev_karpenter_interruption.name).toBe('acme-llm-dev-karpenter');
  });
});

describe('AwsPlatformStack.useS3State', () => {
  const stack = (deployRoleArn?: string) => new AwsPlatformStack(Testing.app(), 'acme', { spec: smallSpec(), deployRoleArn });
  const backend = (s: AwsPlatformStack) => JSON.parse(Testing.synth(s)).terraform.backend;

  test('defaults: bucket <cluster>-tfstate-<account> in the spec region, key <name>/<environment>, encrypted, locked', () => {
    const s = stack();
    s.useS3State();
    expect(backend(s)).toEqual({ s3: { bucket: 'acme-llm-dev-tfstate-123456789012', key: 'acme-llm/dev/terraform.tfstate', region: 'us-east-1', encrypt: true, use_lockfile: true } });
  });

  test("the stack's deploy role by default, another role or bucket and key when given", () => {
    const withRole = stack('arn:aws:iam::123456789012:role/deploy');
    withRole.useS3State();
    expect(backend(withRole).s3.assume_role).toEqual({ role_arn: 'arn:aws:iam::123456789012:role/deploy' });
    const custom = stack('arn:aws:iam::123456789012:role/deploy');
    custom.useS3State({ bucket: 'central-tfstate', key: 'platforms/acme.tfstate', roleArn: 'arn:aws:iam::999999999999:role/state' });
    expect(backend(custom).s3).toEqual(expect.objectContaining({ bucket: 'central-tfstate', key: 'platforms/acme.tfstate', assume_role: { role_arn: 'arn:aws:iam::999999999999:role/state' } }));
  });

  test.each([
    ['bucket', { bucket: 'Not_A_Bucket' }, "'bucket' must be an S3 bucket name"],
    ['key', { key: '../state' }, "'key' must be a relative object key without .., got '../state'"],
    ['roleArn', { roleArn: 'state-role' }, "'roleArn' must be an IAM role ARN, got 'state-role'"],
  ])('a bad %s is a ValidationError', (_prop, options, message) => {
    expect(() => stack().useS3State(options)).toThrow(message);
  });

  test('a second call is refused (one backend per stack)', () => {
    const s = stack();
    s.useS3State();
    expect(() => s.useS3State()).toThrow("'useS3State' was called already: the stack has its state backend");
  });
});
