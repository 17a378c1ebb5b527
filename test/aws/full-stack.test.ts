import { TerraformStack, Testing } from 'cdktf';
import { Construct } from 'constructs';
import {
  AccessLevel, Audit, ClusterAddons, EksCluster, GpuNodePool, ImageRegistry, Karpenter, ModelStore, Network, NodePool,
  PodIdentityRole, SecurityBaseline,
} from '../../src/aws';
import { GpuInstanceType } from '../../src/core';
import { terraform } from '../util';
import { provider } from './fixtures';

/** The reference AWS side: every construct of the layer in one stack. */
export function buildPlatform(stack: Construct): void {
  provider(stack);
  const clusterName = 'acme-llm-prod';
  const network = new Network(stack, 'Network', { clusterName });
  const cluster = new EksCluster(stack, 'Cluster', {
    clusterName,
    network,
    access: [
      { name: 'platform-admins', principalArn: 'arn:aws:iam::123456789012:role/platform-admins', level: AccessLevel.CLUSTER_ADMIN },
      { name: 'auditors', principalArn: 'arn:aws:iam::123456789012:role/auditors', level: AccessLevel.VIEWER },
    ],
  });
  new NodePool(stack, 'System', { cluster });
  new GpuNodePool(stack, 'A10g', { cluster, poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_4XLARGE], maxSize: 8 });
  new GpuNodePool(stack, 'H100', { cluster, poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, minSize: 0, maxSize: 2 });
  const store = new ModelStore(stack, 'Models', { bucketName: 'acme-llm-prod-models' });
  new ClusterAddons(stack, 'Addons', { cluster, mountpointS3: { store, prefixes: ['models/'] } });
  const registry = new ImageRegistry(stack, 'Registry', { repositories: ['llm/vllm', 'llm/gateway'] });
  const server = new PodIdentityRole(stack, 'Llama3', { cluster, namespace: 'search', serviceAccount: 'llama3-8b' });
  server.grantReadModels(store, 'models/llama3-8b/');
  server.grantPull(registry);
  const collector = new PodIdentityRole(stack, 'Collector', { cluster, namespace: 'observability', serviceAccount: 'otel-collector' });
  collector.grantRemoteWrite('arn:aws:aps:us-east-1:123456789012:workspace/ws-1234abcd');
  collector.grantLogWrite('arn:aws:logs:us-east-1:123456789012:log-group:/llm/acme-prod');
  new Audit(stack, 'Audit', { trailName: 'acme-llm-prod', bucketName: 'acme-llm-prod-audit', dataEventStores: [store] });
  new SecurityBaseline(stack, 'Baseline', {
    name: 'acme-llm-prod',
    splunk: {
      hecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443',
      hecTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:splunk-hec-AbCdEf',
      backupBucketName: 'acme-llm-prod-findings-backup',
    },
  });
  new Karpenter(stack, 'Karpenter', { cluster });
}

describe('full AWS platform stack', () => {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'platform');
  buildPlatform(stack);
  const json = Testing.synth(stack);
  const config = JSON.parse(json);

  test('passes the AWS provider schema checks with zero findings', () => {
    const report = terraform().validateJson(json);
    expect(report.findings).toEqual([]);
    expect(report.blockCount).toBeGreaterThan(150);
  });

  test('every stateful resource is protected from destroy', () => {
    for (const type of ['aws_eks_cluster', 'aws_kms_key', 'aws_s3_bucket', 'aws_ecr_repository', 'aws_cloudwatch_log_group']) {
      for (const [name, body] of Object.entries<any>(config.resource[type])) {
        expect({ address: `${type}.${name}`, lifecycle: body.lifecycle }).toEqual({ address: `${type}.${name}`, lifecycle: { prevent_destroy: true } });
      }
    }
    for (const key of Object.values<any>(config.resource.aws_kms_key)) {
      expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30 });
    }
  });

  test('every bucket is versioned, encrypted, private and TLS-only', () => {
    const buckets = Object.keys(config.resource.aws_s3_bucket).sort();
    expect(buckets).toEqual([
      'acme_llm_prod_audit', 'acme_llm_prod_audit_access_logs', 'acme_llm_prod_config', 'acme_llm_prod_findings_backup', 'acme_llm_prod_models',
      'acme_llm_prod_models_access_logs',
    ]);
    for (const name of buckets) {
      expect(config.resource.aws_s3_bucket_versioning[name].versioning_configuration.status).toBe('Enabled');
      expect(config.resource.aws_s3_bucket_public_access_block[name]).toMatchObject({
        block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
      });
      expect(config.resource.aws_s3_bucket_server_side_encryption_configuration[name].rule).toHaveLength(1);
      expect(JSON.parse(config.resource.aws_s3_bucket_policy[name].policy).Statement[0].Sid).toBe('DenyInsecureTransport');
    }
  });

  test('node groups wait for the networking add-ons; CoreDNS and CSI drivers wait for the system node group only (issue 13 defect 2)', () => {
    const groups = config.resource.aws_eks_node_group;
    expect(Object.keys(groups).sort()).toEqual(['acme_llm_prod_a10g', 'acme_llm_prod_h100', 'acme_llm_prod_system']);
    for (const group of Object.values<any>(groups)) {
      expect(group.depends_on).toEqual(expect.arrayContaining([
        'aws_eks_addon.acme_llm_prod_vpc_cni', 'aws_eks_addon.acme_llm_prod_kube_proxy', 'aws_eks_addon.acme_llm_prod_eks_pod_identity_agent',
      ]));
    }
    for (const addon of ['coredns', 'aws_ebs_csi_driver', 'aws_mountpoint_s3_csi_driver']) {
      const deps = config.resource.aws_eks_addon[`acme_llm_prod_${addon}`].depends_on;
      expect(deps).toContain('aws_eks_node_group.acme_llm_prod_system');
      expect(deps).not.toContain('aws_eks_node_group.acme_llm_prod_a10g');
      expect(deps).not.toContain('aws_eks_node_group.acme_llm_prod_h100');
    }
    expect(config.resource.aws_eks_addon.acme_llm_prod_vpc_cni.depends_on).toEqual(['aws_eks_cluster.acme_llm_prod']);
  });

  test('the same platform built under other construct ids has the same Terraform addresses and bodies', () => {
    const other = new TerraformStack(Testing.app(), 'platform');
    // Build the same resources one level deeper: every address must stay the same.
    buildPlatform(new Construct(other, 'Wrapped'));
    const strip = (c: any) => JSON.parse(JSON.stringify(c.resource, (k, v) => (k === '//' ? undefined : v)));
    expect(strip(JSON.parse(Testing.synth(other)))).toEqual(strip(config));
  });
});
