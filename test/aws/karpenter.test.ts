import { Karpenter } from '../../src/aws/karpenter';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture } from './fixtures';

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

  test('controller role through Pod Identity, scoped to the cluster', () => {
    expect(onlyResource(config, 'aws_eks_pod_identity_association')).toMatchObject({ namespace: 'kube-system', service_account: 'karpenter' });
    const statements = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_karpenter_controller.policy).Statement;
    const terminate = statements.find((s: any) => s.Action.includes('ec2:TerminateInstances'));
    expect(terminate.Condition.StringEquals).toEqual({ 'aws:ResourceTag/kubernetes.io/cluster/acme-prod': 'owned' });
    expect(statements.find((s: any) => s.Action.includes('iam:PassRole'))).toMatchObject({
      Resource: ['${aws_iam_role.acme_prod_karpenter_node.arn}'], Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
    expect(statements.find((s: any) => s.Action.includes('sqs:ReceiveMessage')).Resource).toEqual(['${aws_sqs_queue.acme_prod_karpenter_interruption.arn}']);
    expect(statements.find((s: any) => s.Action.includes('eks:DescribeCluster')).Resource).toEqual(['${aws_eks_cluster.acme_prod.arn}']);
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
  });
});
