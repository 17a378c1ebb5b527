import * as fs from 'fs';
import * as path from 'path';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Karpenter } from '../../src/aws/karpenter';
import { NodeVolumeKey } from '../../src/aws/node-volume-key';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf } from './fixtures';

/** The vendored upstream controller policy (aws/karpenter-provider-aws v1.14.1 cloudformation.yaml). */
const UPSTREAM = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'upstream', 'karpenter', 'controller-policy-1.14.1.json'), 'utf8'));
const PARTITION = '${data.aws_partition.current.partition}';
const ACCOUNT_ID = '${data.aws_caller_identity.current.account_id}';

/** Upstream's CloudFormation substitutions, filled in with this cluster's values (as the library's Terraform has them). */
function substitute(document: any, values: { [placeholder: string]: string }): any {
  let text = JSON.stringify(document);
  for (const [placeholder, value] of Object.entries(values)) text = text.split('${' + placeholder + '}').join(value);
  const left = /\$\{(AWS::[A-Za-z]+|ClusterName|[A-Za-z]+\.Arn)\}/.exec(text);
  if (left) throw new Error(`unsubstituted placeholder ${left[0]}`);
  return JSON.parse(text);
}

/** A statement with Action and Resource as sorted lists (IAM treats a string and a one-element list alike; order is irrelevant). */
function normalize(statement: any): any {
  const list = (x: any) => [...(Array.isArray(x) ? x : [x])].sort();
  const condition = statement.Condition === undefined ? undefined : Object.fromEntries(Object.entries<any>(statement.Condition).map(([op, keys]) =>
    [op, Object.fromEntries(Object.entries<any>(keys).map(([k, v]) => [k, Array.isArray(v) ? [...v].sort() : String(v)]))]));
  const base = { Sid: statement.Sid, Effect: statement.Effect, Action: list(statement.Action), Resource: list(statement.Resource) };
  return condition ? { ...base, Condition: condition } : base;
}

/** The controller's managed policies by name suffix, parsed. */
function controllerPolicies(config: any, cluster = 'acme-prod'): { [suffix: string]: any } {
  const out: { [suffix: string]: any } = {};
  for (const p of Object.values<any>(resourcesOf(config, 'aws_iam_policy'))) {
    if (p.name.startsWith(`${cluster}-karpenter-`)) out[p.name.slice(`${cluster}-karpenter-`.length)] = JSON.parse(p.policy);
  }
  return out;
}

describe('Karpenter', () => {
  let karpenter!: Karpenter;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack);
    karpenter = new Karpenter(stack, 'Karpenter', { cluster });
  });

  test('plain settings for the Kubernetes side', () => {
    expect(karpenter).toMatchObject({
      clusterName: 'acme-prod',
      interruptionQueueName: 'acme-prod-karpenter',
      controllerRoleName: 'acme-prod-karpenter-controller',
      namespace: 'kube-system',
      serviceAccount: 'karpenter',
      discoveryTag: 'acme-prod',
      // a literal, not a Terraform reference: the EC2NodeClass `role` on the Kubernetes side needs it
      nodeRoleName: 'acme-prod-karpenter-node',
    });
    expect(resourcesOf(config, 'aws_iam_role').acme_prod_karpenter_node.name).toBe('acme-prod-karpenter-node');
  });

  test('node role with an EC2_LINUX access entry', () => {
    expect(onlyResource(config, 'aws_eks_access_entry')).toMatchObject({ principal_arn: '${aws_iam_role.acme_prod_karpenter_node.arn}', type: 'EC2_LINUX' });
    expect(resourcesOf(config, 'aws_eks_access_policy_association')).toEqual({});
    const policies = Object.values<any>(resourcesOf(config, 'aws_iam_role_policy_attachment'))
      .filter((a) => a.role === '${aws_iam_role.acme_prod_karpenter_node.name}').map((a) => a.policy_arn.split('/').pop()).sort();
    expect(policies).toEqual(['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonSSMManagedInstanceCore']);
  });

  test('controller role through Pod Identity, with upstream\'s six managed policies attached', () => {
    expect(onlyResource(config, 'aws_eks_pod_identity_association')).toMatchObject({ namespace: 'kube-system', service_account: 'karpenter' });
    // no inline policy any more: upstream's policy does not fit one document
    expect(Object.values<any>(resourcesOf(config, 'aws_iam_role_policy')).filter((p) => p.role.includes('karpenter'))).toEqual([]);
    expect(Object.keys(controllerPolicies(config)).sort()).toEqual(['eks-integration', 'iam-integration', 'interruption', 'node-lifecycle', 'resource-discovery', 'zonal-shift']);
    const attachments = Object.entries<any>(resourcesOf(config, 'aws_iam_role_policy_attachment')).filter(([, a]) => a.role === 'acme-prod-karpenter-controller');
    expect(attachments.map(([, a]) => a.policy_arn).sort()).toEqual(Object.keys(resourcesOf(config, 'aws_iam_policy')).map((id) => `\${aws_iam_policy.${id}.arn}`).sort());
    for (const [, a] of attachments) expect(a.depends_on).toEqual(['aws_iam_role.acme_prod_karpenter_controller']);
    expect(resourcesOf(config, 'aws_iam_policy').acme_prod_karpenter_controller_node_lifecycle).toMatchObject({
      name: 'acme-prod-karpenter-node-lifecycle', description: 'Karpenter controller (NodeLifecyclePolicy of Karpenter 1.14.1) for acme-prod',
    });
    expect(karpenter.controllerRoleArn).toMatch(/^\$\{TfToken\[/);
  });

  test('the controller policy grants exactly what upstream\'s Karpenter 1.14.1 policy grants, Sid by Sid, scoped to this cluster', () => {
    const values = {
      'AWS::Partition': PARTITION,
      'AWS::Region': 'us-east-1',
      'AWS::AccountId': ACCOUNT_ID,
      'ClusterName': 'acme-prod',
      'KarpenterNodeRole.Arn': '${aws_iam_role.acme_prod_karpenter_node.arn}',
      'KarpenterInterruptionQueue.Arn': '${aws_sqs_queue.acme_prod_karpenter_interruption.arn}',
    };
    const ours = controllerPolicies(config);
    const suffixes: { [upstreamId: string]: string } = {
      NodeLifecyclePolicy: 'node-lifecycle',
      IAMIntegrationPolicy: 'iam-integration',
      EKSIntegrationPolicy: 'eks-integration',
      InterruptionPolicy: 'interruption',
      ZonalShiftPolicy: 'zonal-shift',
      ResourceDiscoveryPolicy: 'resource-discovery',
    };
    expect(UPSTREAM.policies.map((p: any) => p.logicalId).sort()).toEqual(Object.keys(suffixes).sort());
    let compared = 0;
    for (const upstream of UPSTREAM.policies) {
      const expected = substitute(upstream.document, values);
      const actual = ours[suffixes[upstream.logicalId]];
      expect(actual.Version).toBe(expected.Version);
      // same Sids in the same policy, nothing more
      expect(actual.Statement.map((s: any) => s.Sid)).toEqual(expected.Statement.map((s: any) => s.Sid));
      for (const statement of expected.Statement) {
        expect({ policy: upstream.logicalId, ...normalize(actual.Statement.find((s: any) => s.Sid === statement.Sid)) })
          .toEqual({ policy: upstream.logicalId, ...normalize(statement) });
        compared++;
      }
    }
    expect(compared).toBe(18);
  });

  test('issue 13 point 1: launch templates are usable by their resource tags, and 1.14\'s additions are there', () => {
    const lifecycle = controllerPolicies(config)['node-lifecycle'].Statement;
    // the broken policy only let RunInstances/CreateFleet use launch-template/* with request tags, which a
    // RunInstances call never sends for an existing template: no node could launch
    const template = lifecycle.find((s: any) => s.Sid === 'AllowScopedEC2LaunchTemplateAccessActions');
    expect(template).toEqual({
      Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
      Effect: 'Allow',
      Resource: [`arn:${PARTITION}:ec2:us-east-1:*:launch-template/*`],
      Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
      Condition: { StringEquals: { 'aws:ResourceTag/kubernetes.io/cluster/acme-prod': 'owned' }, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    });
    expect(lifecycle.find((s: any) => s.Sid === 'AllowScopedEC2InstanceAccessActions').Resource).toContain(`arn:${PARTITION}:ec2:us-east-1:*:placement-group/*`);
    expect(lifecycle.find((s: any) => s.Sid === 'AllowScopedEC2InstanceActionsWithTags').Condition.StringEquals['aws:RequestTag/eks:eks-cluster-name']).toBe('acme-prod');
    const discovery = controllerPolicies(config)['resource-discovery'].Statement;
    expect(discovery.find((s: any) => s.Sid === 'AllowRegionalReadActions').Action).toContain('ec2:DescribeInstanceStatus');
    expect(controllerPolicies(config)['zonal-shift'].Statement[0]).toMatchObject({
      Action: ['arc-zonal-shift:GetManagedResource'],
      Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': `arn:${PARTITION}:eks:us-east-1:${ACCOUNT_ID}:cluster/acme-prod` } },
    });
  });

  test('the comparison catches a statement that drifts from upstream', () => {
    const broken = JSON.parse(JSON.stringify(controllerPolicies(config)['node-lifecycle']));
    const template = broken.Statement.find((s: any) => s.Sid === 'AllowScopedEC2LaunchTemplateAccessActions');
    // the defect of issue 13: request tags instead of resource tags
    template.Condition = { StringEquals: { 'aws:RequestTag/kubernetes.io/cluster/acme-prod': 'owned' }, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } };
    const upstream = UPSTREAM.policies.find((p: any) => p.logicalId === 'NodeLifecyclePolicy').document.Statement.find((s: any) => s.Sid === template.Sid);
    expect(normalize(template)).not.toEqual(normalize(substitute(upstream, { 'AWS::Partition': PARTITION, 'AWS::Region': 'us-east-1', 'ClusterName': 'acme-prod' })));
  });

  test('encrypted, TLS-only interruption queue fed by the EventBridge interruption rules', () => {
    expect(onlyResource(config, 'aws_sqs_queue')).toMatchObject({ name: 'acme-prod-karpenter', message_retention_seconds: 300, sqs_managed_sse_enabled: true });
    const policy = JSON.parse(onlyResource(config, 'aws_sqs_queue_policy').policy).Statement;
    expect(policy[1].Sid).toBe('DenyInsecureTransport');
    const detailTypes = Object.values<any>(resourcesOf(config, 'aws_cloudwatch_event_rule')).map((r) => JSON.parse(r.event_pattern)['detail-type'][0]).sort();
    expect(detailTypes).toEqual([
      'AWS Health Event', 'EC2 Capacity Reservation Instance Interruption Warning', 'EC2 Instance Rebalance Recommendation',
      'EC2 Instance State-change Notification', 'EC2 Spot Instance Interruption Warning',
    ]);
    for (const target of Object.values<any>(resourcesOf(config, 'aws_cloudwatch_event_target'))) expect(target.arn).toBe('${aws_sqs_queue.acme_prod_karpenter_interruption.arn}');
  });

  test('discovery tag on the cluster security group', () => {
    expect(onlyResource(config, 'aws_ec2_tag')).toEqual({
      resource_id: '${aws_eks_cluster.acme_prod.vpc_config[0].cluster_security_group_id}', key: 'karpenter.sh/discovery', value: 'acme-prod',
    });
  });
});

describe('Karpenter options', () => {
  test('controller in its own namespace and service account', () => {
    let karpenter!: Karpenter;
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      karpenter = new Karpenter(stack, 'Karpenter', { cluster, namespace: 'karpenter', serviceAccount: 'controller', tags: { team: 'platform' } });
    });
    expect(onlyResource(config, 'aws_eks_pod_identity_association')).toMatchObject({ namespace: 'karpenter', service_account: 'controller', tags: { team: 'platform' } });
    expect(karpenter.namespace).toBe('karpenter');
    expect(onlyResource(config, 'aws_sqs_queue').tags).toEqual({ team: 'platform' });
    for (const policy of Object.values<any>(resourcesOf(config, 'aws_iam_policy'))) expect(policy.tags).toEqual({ team: 'platform' });
  });

  test('each controller policy stays within IAM\'s 6,144-character managed-policy limit, even for a 100-character cluster name', () => {
    const name = 'c'.repeat(100);
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack, { clusterName: name }, { clusterName: name });
      new Karpenter(stack, 'Karpenter', { cluster, nodeVolumeKmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234567890abcdef1234567890abcdef' });
    });
    const policies = controllerPolicies(config, name);
    expect(Object.keys(policies)).toHaveLength(7);
    // tokens at their longest real values: partition aws-us-gov, a 12-digit account, role and queue ARNs of the longest names
    const longest = (json: string) => json
      .split(PARTITION).join('aws-us-gov').split(ACCOUNT_ID).join('123456789012').split('${data.aws_partition.current.dns_suffix}').join('amazonaws.com.cn')
      .replace(/\$\{aws_iam_role\.[a-z0-9_]+\.arn\}/g, `arn:aws-us-gov:iam::123456789012:role/${'r'.repeat(64)}`)
      .replace(/\$\{aws_sqs_queue\.[a-z0-9_]+\.arn\}/g, `arn:aws-us-gov:sqs:us-gov-west-1:123456789012:${'q'.repeat(80)}`);
    for (const [suffix, document] of Object.entries(policies)) {
      const text = longest(JSON.stringify(document));
      expect(text).not.toMatch(/\$\{/);
      expect({ suffix, size: text.replace(/\s/g, '').length <= 6144 }).toEqual({ suffix, size: true });
    }
    // upstream's split is needed: the six documents together would not fit one managed policy
    const all = Object.entries(policies).filter(([s]) => s !== 'node-volume-key').map(([, d]) => d.Statement).flat();
    expect(longest(JSON.stringify({ Version: '2012-10-17', Statement: all })).replace(/\s/g, '').length).toBeGreaterThan(6144);
  });

  test('node volumes encrypted with a customer managed key: the controller may have EC2 use the key for this account', () => {
    let karpenter!: Karpenter;
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      const key = new KmsKey(stack, 'NodeKey', { enableKeyRotation: true });
      karpenter = new Karpenter(stack, 'Karpenter', { cluster, nodeVolumeKmsKeyArn: key.arn });
    });
    const policy = resourcesOf(config, 'aws_iam_policy').acme_prod_karpenter_controller_node_volume_key;
    expect(policy.name).toBe('acme-prod-karpenter-node-volume-key');
    expect(JSON.parse(policy.policy).Statement).toEqual([
      {
        Sid: 'AllowNodeVolumeKeyGrants',
        Effect: 'Allow',
        Resource: ['${aws_kms_key.NodeKey.arn}'],
        Action: ['kms:CreateGrant'],
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      },
      {
        Sid: 'AllowNodeVolumeKeyUse',
        Effect: 'Allow',
        Resource: ['${aws_kms_key.NodeKey.arn}'],
        Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
        Condition: { StringEquals: { 'kms:ViaService': 'ec2.us-east-1.${data.aws_partition.current.dns_suffix}', 'kms:CallerAccount': ACCOUNT_ID } },
      },
    ]);
    const attachment = resourcesOf(config, 'aws_iam_role_policy_attachment').acme_prod_karpenter_controller_node_volume_key;
    expect(attachment).toMatchObject({ role: 'acme-prod-karpenter-controller', policy_arn: '${aws_iam_policy.acme_prod_karpenter_controller_node_volume_key.arn}' });
    expect(karpenter.controllerRoleArn).toBeDefined();
  });

  test('with the cluster\'s NodeVolumeKey, every KMS action the controller is granted is one the key policy allows through EC2', () => {
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new Karpenter(stack, 'Karpenter', { cluster, nodeVolumeKmsKeyArn: NodeVolumeKey.of(stack, cluster).keyArn });
    });
    const [keyId, key] = Object.entries<any>(resourcesOf(config, 'aws_kms_key')).find(([, k]) => k.description.includes('node EBS volumes'))!;
    const keyStatements = JSON.parse(key.policy).Statement;
    const ours = JSON.parse(resourcesOf(config, 'aws_iam_policy').acme_prod_karpenter_controller_node_volume_key.policy).Statement;
    for (const statement of ours) expect(statement.Resource).toEqual([`\${aws_kms_key.${keyId}.arn}`]);
    const allowedThroughEc2 = keyStatements.filter((s: any) => s.Principal?.AWS === `arn:${PARTITION}:iam::${ACCOUNT_ID}:root`
      && [s.Condition?.StringEquals?.['kms:ViaService']].flat().includes('ec2.us-east-1.amazonaws.com')).map((s: any) => s.Action).flat();
    const matches = (action: string) => allowedThroughEc2.some((a: string) => new RegExp(`^${a.replace('*', '.*')}$`).test(action));
    for (const action of ours.map((s: any) => s.Action).flat()) expect({ action, allowed: matches(action) }).toEqual({ action, allowed: true });
  });

  test('without a node volume key there are no KMS permissions', () => {
    const config = synthStack((stack) => new Karpenter(stack, 'Karpenter', { cluster: clusterFixture(stack) }));
    const all = Object.values<any>(resourcesOf(config, 'aws_iam_policy')).map((p) => p.policy).join();
    expect(all).not.toContain('kms:');
  });

  test('the node volume key must be a key ARN', () => {
    for (const bad of ['alias/nodes', '1234abcd-12ab-34cd-56ef-1234567890ab', 'arn:aws:kms:us-east-1:123456789012:alias/nodes']) {
      let message = '';
      synthStack((stack) => {
        const cluster = clusterFixture(stack);
        message = errorOf(() => new Karpenter(stack, 'Karpenter', { cluster, nodeVolumeKmsKeyArn: bad }));
      });
      expect(message).toContain(`'nodeVolumeKmsKeyArn' must be a KMS key ARN (IAM policies name keys by key ARN, not by id or alias), got '${bad}'; pass the key's ARN`);
    }
  });
});
