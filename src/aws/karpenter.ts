import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformElement } from 'cdktf';
import { Construct } from 'constructs';
import { AccessEntryType, IEksCluster } from './eks-cluster';
import { PodIdentityRole } from './pod-identity-role';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { PolicyDocuments } from './private/policy';

/**
 * Props for `Karpenter`.
 */
export interface KarpenterProps {
  /** The cluster. */
  readonly cluster: IEksCluster;
  /**
   * The controller's namespace.
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * The controller's service account.
   *
   * @default 'karpenter'
   */
  readonly serviceAccount?: string;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** EventBridge rules Karpenter's interruption handling consumes (Karpenter "Interruption" docs). */
const INTERRUPTION_EVENTS: [string, object][] = [
  ['scheduled-change', { 'source': ['aws.health'], 'detail-type': ['AWS Health Event'] }],
  ['spot-interruption', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] }],
  ['rebalance', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] }],
  ['instance-state-change', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] }],
  ['capacity-reservation-interruption', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Capacity Reservation Instance Interruption Warning'] }],
];

/**
 * The AWS side of Karpenter: the controller's Pod Identity role with the Karpenter v1 controller
 * permissions scoped to this cluster, the node role with its EC2_LINUX access entry, the SQS
 * interruption queue (SSE, TLS-only) fed by EventBridge rules, and the `karpenter.sh/discovery` tag
 * on the cluster security group (subnets are tagged by Network).
 */
export class Karpenter extends Construct {
  /** The cluster name (Karpenter `settings.clusterName`). */
  public readonly clusterName: string;
  /** The interruption queue name (Karpenter `settings.interruptionQueue`). */
  public readonly interruptionQueueName: string;
  /** The node role name (EC2NodeClass `spec.role`). */
  public readonly nodeRoleName: string;
  /** The controller role name. */
  public readonly controllerRoleName: string;
  /** The controller namespace. */
  public readonly namespace: string;
  /** The controller service account. */
  public readonly serviceAccount: string;
  /** The discovery tag value on subnets and security groups (`karpenter.sh/discovery`). */
  public readonly discoveryTag: string;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    const cluster = props.cluster;
    this.clusterName = cluster.clusterName;
    this.discoveryTag = cluster.clusterName;
    this.namespace = props.namespace ?? 'kube-system';
    this.serviceAccount = props.serviceAccount ?? 'karpenter';
    this.interruptionQueueName = AwsNames.validate('sqsQueue', 'cluster', AwsNames.join([cluster.clusterName, 'karpenter'], 80), this);
    const env = AwsEnvironment.of(this);
    const region = cluster.region;
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T =>
      AwsNames.stable(el, type, [cluster.clusterName, 'karpenter', ...suffix], 'cluster');

    // Node role: what Karpenter-launched nodes run as (instance profiles are managed by Karpenter).
    const nodeRoleName = AwsNames.validate('iamRole', 'cluster', AwsNames.join([cluster.clusterName, 'karpenter-node'], 64), this);
    const nodeRole = stable(new IamRole(this, 'NodeRole', {
      name: nodeRoleName,
      assumeRolePolicy: PolicyDocuments.trust(['ec2.amazonaws.com']),
      tags: props.tags,
    }), 'aws_iam_role', 'node');
    // The literal name (known at synth time), not a Terraform reference: the Kubernetes side's EC2NodeClass `role` needs it.
    this.nodeRoleName = nodeRoleName;
    for (const policy of ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly', 'AmazonSSMManagedInstanceCore']) {
      stable(new IamRolePolicyAttachment(this, `NodeRole-${policy}`, { role: nodeRole.name, policyArn: env.managedPolicyArn(policy) }),
        'aws_iam_role_policy_attachment', 'node', policy);
    }
    cluster.grantAccess('karpenter-node', { principalArn: nodeRole.arn, type: AccessEntryType.EC2_LINUX });

    // Interruption queue.
    const queue = stable(new SqsQueue(this, 'Queue', {
      name: this.interruptionQueueName,
      messageRetentionSeconds: 300,
      sqsManagedSseEnabled: true,
      tags: props.tags,
    }), 'aws_sqs_queue', 'interruption');
    stable(new SqsQueuePolicy(this, 'QueuePolicy', {
      queueUrl: queue.url,
      policy: PolicyDocuments.json([
        { Sid: 'EventBridgeAndSqs', Effect: 'Allow', Principal: { Service: ['events.amazonaws.com', 'sqs.amazonaws.com'] }, Action: 'sqs:SendMessage', Resource: queue.arn },
        PolicyDocuments.denyInsecureTransport('sqs:*', [queue.arn]),
      ]),
    }), 'aws_sqs_queue_policy', 'interruption');
    for (const [ruleName, pattern] of INTERRUPTION_EVENTS) {
      const rule = stable(new CloudwatchEventRule(this, `Rule-${ruleName}`, {
        name: AwsNames.validate('eventRule', 'cluster', AwsNames.join([cluster.clusterName, 'karpenter', ruleName], 64), this),
        description: `Karpenter interruption handling for ${cluster.clusterName}: ${ruleName}`,
        eventPattern: JSON.stringify(pattern),
        tags: props.tags,
      }), 'aws_cloudwatch_event_rule', ruleName);
      stable(new CloudwatchEventTarget(this, `Target-${ruleName}`, { rule: rule.name, targetId: 'karpenter-interruption-queue', arn: queue.arn }),
        'aws_cloudwatch_event_target', ruleName);
    }

    stable(new Ec2Tag(this, 'ClusterSecurityGroupTag', {
      resourceId: cluster.clusterSecurityGroupId,
      key: 'karpenter.sh/discovery',
      value: cluster.clusterName,
    }), 'aws_ec2_tag', 'discovery');

    // Controller role: Karpenter v1 controller policy, scoped to this cluster by tags and ARNs.
    const controller = new PodIdentityRole(this, 'ControllerRole', {
      cluster,
      namespace: this.namespace,
      serviceAccount: this.serviceAccount,
      roleName: AwsNames.join([cluster.clusterName, 'karpenter-controller'], 64),
      tags: props.tags,
    });
    this.controllerRoleName = controller.roleName;
    const p = env.partition;
    const account = env.accountId;
    const clusterTag = `aws:RequestTag/kubernetes.io/cluster/${cluster.clusterName}`;
    const resourceClusterTag = `aws:ResourceTag/kubernetes.io/cluster/${cluster.clusterName}`;
    const ec2 = (type: string) => `arn:${p}:ec2:${region}:*:${type}/*`;
    controller.addToPolicy({
      actions: ['ec2:CreateFleet', 'ec2:RunInstances'],
      resources: [ec2('image'), ec2('snapshot'), ec2('security-group'), ec2('subnet'), ec2('capacity-reservation')],
    });
    controller.addToPolicy({
      actions: ['ec2:CreateFleet', 'ec2:CreateLaunchTemplate', 'ec2:RunInstances'],
      resources: [ec2('fleet'), ec2('instance'), ec2('volume'), ec2('network-interface'), ec2('launch-template'), ec2('spot-instances-request')],
      conditions: { StringEquals: { [clusterTag]: 'owned' }, StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' } },
    });
    controller.addToPolicy({
      actions: ['ec2:CreateTags'],
      resources: [ec2('fleet'), ec2('instance'), ec2('volume'), ec2('network-interface'), ec2('launch-template'), ec2('spot-instances-request')],
      conditions: {
        StringEquals: { [clusterTag]: 'owned', 'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'] },
        StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
      },
    });
    controller.addToPolicy({
      actions: ['ec2:CreateTags'],
      resources: [ec2('instance')],
      conditions: {
        'StringEquals': { [resourceClusterTag]: 'owned' },
        'StringLike': { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
      },
    });
    controller.addToPolicy({
      actions: ['ec2:DeleteLaunchTemplate', 'ec2:TerminateInstances'],
      resources: [ec2('instance'), ec2('launch-template')],
      conditions: { StringEquals: { [resourceClusterTag]: 'owned' }, StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' } },
    });
    controller.addToPolicy({
      actions: ['ec2:DescribeAvailabilityZones', 'ec2:DescribeCapacityReservations', 'ec2:DescribeImages', 'ec2:DescribeInstanceTypeOfferings',
        'ec2:DescribeInstanceTypes', 'ec2:DescribeInstances', 'ec2:DescribeLaunchTemplates', 'ec2:DescribePlacementGroups',
        'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:RequestedRegion': region } },
    });
    controller.addToPolicy({ actions: ['ssm:GetParameter'], resources: [`arn:${p}:ssm:${region}::parameter/aws/service/*`] });
    controller.addToPolicy({ actions: ['pricing:GetProducts'], resources: ['*'] });
    controller.addToPolicy({ actions: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'], resources: [queue.arn] });
    controller.addToPolicy({
      actions: ['iam:PassRole'],
      resources: [nodeRole.arn],
      conditions: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } },
    });
    const profiles = [`arn:${p}:iam::${account}:instance-profile/*`];
    const requestTags = {
      [`aws:RequestTag/kubernetes.io/cluster/${cluster.clusterName}`]: 'owned',
      'aws:RequestTag/eks:eks-cluster-name': cluster.clusterName,
      'aws:RequestTag/topology.kubernetes.io/region': region,
    };
    const resourceTags = { [resourceClusterTag]: 'owned', 'aws:ResourceTag/topology.kubernetes.io/region': region };
    controller.addToPolicy({
      actions: ['iam:CreateInstanceProfile'],
      resources: profiles,
      conditions: { StringEquals: requestTags, StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' } },
    });
    controller.addToPolicy({
      actions: ['iam:TagInstanceProfile'],
      resources: profiles,
      conditions: {
        StringEquals: { ...resourceTags, ...requestTags },
        StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*', 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
      },
    });
    controller.addToPolicy({
      actions: ['iam:AddRoleToInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:RemoveRoleFromInstanceProfile'],
      resources: profiles,
      conditions: { StringEquals: resourceTags, StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' } },
    });
    controller.addToPolicy({ actions: ['iam:GetInstanceProfile', 'iam:ListInstanceProfiles'], resources: profiles });
    controller.addToPolicy({ actions: ['eks:DescribeCluster'], resources: [cluster.clusterArn] });
  }
}
