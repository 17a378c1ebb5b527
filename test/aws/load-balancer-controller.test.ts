import * as fs from 'fs';
import * as path from 'path';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { EksCluster } from '../../src/aws/eks-cluster';
import { LoadBalancerControllerRole } from '../../src/aws/load-balancer-controller';
import { Network } from '../../src/aws/network';
import { resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf } from './fixtures';

const VENDORED = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'aws-load-balancer-controller');
const upstream = (file: string) => JSON.parse(fs.readFileSync(path.join(VENDORED, file), 'utf8'));

function clusterIn(stack: TerraformStack, region: string): EksCluster {
  new AwsProvider(stack, 'aws', { region, allowedAccountIds: ['123456789012'] });
  const network = new Network(stack, 'Network', { clusterName: 'acme-prod' });
  return new EksCluster(stack, 'Cluster', { clusterName: 'acme-prod', network });
}

describe('LoadBalancerControllerRole defaults', () => {
  let lbc!: LoadBalancerControllerRole;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack);
    lbc = new LoadBalancerControllerRole(stack, 'Lbc', { cluster });
  });

  test('a Pod Identity role for kube-system/aws-load-balancer-controller', () => {
    expect(lbc.roleName).toBe('acme-prod-aws-load-balancer-controller');
    expect(lbc.namespace).toBe('kube-system');
    expect(lbc.serviceAccount).toBe('aws-load-balancer-controller');
    const role = resourcesOf(config, 'aws_iam_role').acme_prod_aws_load_balancer_controller;
    expect(JSON.parse(role.assume_role_policy).Statement[0]).toMatchObject({ Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] });
    expect(resourcesOf(config, 'aws_eks_pod_identity_association').acme_prod_aws_load_balancer_controller).toMatchObject({
      cluster_name: 'acme-prod',
      namespace: 'kube-system',
      service_account: 'aws-load-balancer-controller',
      role_arn: '${aws_iam_role.acme_prod_aws_load_balancer_controller.arn}',
    });
  });

  test("the role's policy is the upstream iam_policy.json of the pinned controller version, statement for statement", () => {
    expect(LoadBalancerControllerRole.CONTROLLER_VERSION).toBe('v3.5.0');
    expect(fs.readFileSync(path.join(VENDORED, 'SOURCES.md'), 'utf8')).toContain('Tag: `v3.5.0` (commit `11eb202c97e4ae2ee45e0658c4cde9a4b59f33d4`)');
    const policies = resourcesOf(config, 'aws_iam_role_policy');
    const policy = policies.acme_prod_aws_load_balancer_controller;
    expect(policy.name).toBe('aws-load-balancer-controller-v3.5.0');
    expect(policy.role).toBe('acme-prod-aws-load-balancer-controller');
    const document = JSON.parse(policy.policy);
    const expected = upstream('iam_policy.json');
    expect(document).toEqual(expected);
    expect(document.Statement).toHaveLength(expected.Statement.length);
    // the one inline policy: nothing added beside upstream's statements
    expect(Object.values<any>(policies).filter((p) => p.role === 'acme-prod-aws-load-balancer-controller')).toHaveLength(1);
    expect(JSON.parse(lbc.policyDocument)).toEqual(expected);
  });

  test('fits the IAM inline policy size limit (10,240 characters per role)', () => {
    expect(resourcesOf(config, 'aws_iam_role_policy').acme_prod_aws_load_balancer_controller.policy.length).toBeLessThan(10240);
  });
});

describe('LoadBalancerControllerRole options and partitions', () => {
  test('namespace, service account and role name overrides', () => {
    let lbc!: LoadBalancerControllerRole;
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      lbc = new LoadBalancerControllerRole(stack, 'Lbc', { cluster, namespace: 'ingress', serviceAccount: 'lbc', roleName: 'acme-lbc', tags: { team: 'platform' } });
    });
    expect(lbc.roleName).toBe('acme-lbc');
    expect(resourcesOf(config, 'aws_eks_pod_identity_association').acme_lbc).toMatchObject({ namespace: 'ingress', service_account: 'lbc' });
    expect(resourcesOf(config, 'aws_iam_role').acme_lbc.tags).toEqual({ team: 'platform' });
  });

  test('China and GovCloud regions get the upstream policy of their partition', () => {
    for (const [region, file, partition] of [['cn-north-1', 'iam_policy_cn.json', 'aws-cn'], ['us-gov-west-1', 'iam_policy_us-gov.json', 'aws-us-gov']]) {
      const config = synthStack((stack) => {
        new LoadBalancerControllerRole(stack, 'Lbc', { cluster: clusterIn(stack, region) });
      });
      const document = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_aws_load_balancer_controller.policy);
      expect(document).toEqual(upstream(file));
      expect(JSON.stringify(document)).toContain(`arn:${partition}:elasticloadbalancing`);
      expect(JSON.stringify(document)).not.toContain('arn:aws:');
    }
  });

  test('an isolated-partition region is refused', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      new LoadBalancerControllerRole(stack, 'Lbc', { cluster: clusterIn(stack, 'us-iso-east-1') });
    })).toMatch(/'cluster' is in region 'us-iso-east-1' of an isolated partition, for which no controller policy is vendored, got 'us-iso-east-1'; attach the controller's iam_policy_iso\*\.json/);
    expect(errorOf(() => LoadBalancerControllerRole.upstreamPolicy('us-isob-east-1'))).toMatch(/'region' is in an isolated partition/);
  });

  test('a bad service account name is refused', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      new LoadBalancerControllerRole(stack, 'Lbc', { cluster: clusterFixture(stack), serviceAccount: 'AWS_LBC' });
    })).toMatch(/'serviceAccount' must be a Kubernetes namespace or service account name/);
  });
});
