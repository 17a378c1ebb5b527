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
