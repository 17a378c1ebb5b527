import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { Ec2Tag } from '@cdktf/provider-aws/lib/ec2-tag';
import { IamPolicy } from '@cdktf/provider-aws/lib/iam-policy';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { SqsQueuePolicy } from '@cdktf/provider-aws/lib/sqs-queue-policy';
import { TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AccessEntryType, IEksCluster } from './eks-cluster';
import { PodIdentityRole } from './pod-identity-role';
import { AwsEnvironment } from './private/aws-env';
import { ValidationError } from '../core/errors';
import { AwsNames } from './private/aws-names';
import { karpenterControllerPolicies, nodeVolumeKeyStatements } from './private/karpenter-policy';
import { PolicyDocuments } from './private/policy';
import { escapeTags } from './private/terraform-escape';
import { checkProps } from '../core/private/runtime-types';

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
   * The customer managed KMS key (ARN) that encrypts the EBS volumes of Karpenter's nodes (the key an
   * EC2NodeClass names in `blockDeviceMappings[].ebs.kmsKeyID`, e.g. `KarpenterGpuClass` `kmsKeyId`).
   * Adds a `<cluster>-karpenter-node-volume-key` policy to the controller role: kms:CreateGrant for AWS
   * resources and kms:Decrypt/DescribeKey/GenerateDataKeyWithoutPlaintext/ReEncrypt* through EC2 in this
   * account, what EBS requires of the principal that launches instances (without it the nodes terminate
   * right after launch; Karpenter troubleshooting guide). These IAM permissions take effect only where the
   * key policy lets the account's principals use the key through EC2 (`kms:ViaService`
   * `ec2.<region>.amazonaws.com`, grants with `kms:GrantIsForAWSResource`), as the library's node-volume
   * keys do; a key policy that does not must allow `controllerRoleArn` these actions itself.
   *
   * @default - no KMS permissions (volumes use the account's default EBS key)
   */
  readonly nodeVolumeKmsKeyArn?: string;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** A KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`, multi-Region keys `mrk-...`). */
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/(mrk-)?[0-9a-f-]+$/;

/** EventBridge rules Karpenter's interruption handling consumes (Karpenter "Interruption" docs). */
const INTERRUPTION_EVENTS: [string, object][] = [
  ['scheduled-change', { 'source': ['aws.health'], 'detail-type': ['AWS Health Event'] }],
  ['spot-interruption', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Spot Instance Interruption Warning'] }],
  ['rebalance', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance Rebalance Recommendation'] }],
  ['instance-state-change', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Instance State-change Notification'] }],
  ['capacity-reservation-interruption', { 'source': ['aws.ec2'], 'detail-type': ['EC2 Capacity Reservation Instance Interruption Warning'] }],
];

/**
 * The AWS side of Karpenter: the controller's Pod Identity role with the Karpenter 1.14.1 controller
 * policy scoped to this cluster (upstream's six managed policies, statement for statement: see
 * `schemas/upstream/karpenter/`), the node role with its EC2_LINUX access entry, the SQS
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
  /**
   * The controller role ARN (a token): the principal a KMS key policy that does not enable IAM policies must
   * allow (see `nodeVolumeKmsKeyArn`).
   */
  public readonly controllerRoleArn: string;
  /** The controller namespace. */
  public readonly namespace: string;
  /** The controller service account. */
  public readonly serviceAccount: string;
  /** The discovery tag value on subnets and security groups (`karpenter.sh/discovery`). */
  public readonly discoveryTag: string;

  constructor(scope: Construct, id: string, props: KarpenterProps) {
    super(scope, id);
    checkProps('aws.KarpenterProps', props, 'props', this);
    const cluster = props.cluster;
    const keyArn = props.nodeVolumeKmsKeyArn;
    if (keyArn !== undefined && !Token.isUnresolved(keyArn) && !KMS_KEY_ARN.test(keyArn)) {
      throw new ValidationError('nodeVolumeKmsKeyArn', 'must be a KMS key ARN (IAM policies name keys by key ARN, not by id or alias)', keyArn,
        "pass the key's ARN, e.g. 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'", this);
    }
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
      tags: escapeTags(props.tags),
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
      tags: escapeTags(props.tags),
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
        tags: escapeTags(props.tags),
      }), 'aws_cloudwatch_event_rule', ruleName);
      stable(new CloudwatchEventTarget(this, `Target-${ruleName}`, { rule: rule.name, targetId: 'karpenter-interruption-queue', arn: queue.arn }),
        'aws_cloudwatch_event_target', ruleName);
    }

    stable(new Ec2Tag(this, 'ClusterSecurityGroupTag', {
      resourceId: cluster.clusterSecurityGroupId,
      key: 'karpenter.sh/discovery',
      value: cluster.clusterName,
    }), 'aws_ec2_tag', 'discovery');

    // Controller role: Karpenter 1.14.1 controller policy, scoped to this cluster by tags and ARNs.
    const controller = new PodIdentityRole(this, 'ControllerRole', {
      cluster,
      namespace: this.namespace,
      serviceAccount: this.serviceAccount,
      roleName: AwsNames.join([cluster.clusterName, 'karpenter-controller'], 64),
      tags: escapeTags(props.tags),
    });
    this.controllerRoleName = controller.roleName;
    this.controllerRoleArn = controller.roleArn;
    const policies = karpenterControllerPolicies({
      partition: env.partition,
      region,
      accountId: env.accountId,
      clusterName: cluster.clusterName,
      nodeRoleArn: nodeRole.arn,
      queueArn: queue.arn,
    }).map((doc) => ({ suffix: doc.nameSuffix, description: `Karpenter controller (${doc.upstreamId} of Karpenter 1.14.1) for ${cluster.clusterName}`, statements: doc.statements }));
    if (keyArn !== undefined) {
      policies.push({
        suffix: 'node-volume-key',
        description: `Karpenter controller: launch nodes of ${cluster.clusterName} with EBS volumes encrypted by a customer managed key`,
        statements: nodeVolumeKeyStatements(keyArn, region, env.dnsSuffix, env.accountId),
      });
    }
    // Customer managed policies attached to the controller role, split as upstream splits them (each stays
    // under IAM's 6,144-character managed-policy limit, whatever the cluster name).
    for (const policy of policies) {
      const resource = stable(new IamPolicy(this, `ControllerPolicy-${policy.suffix}`, {
        name: AwsNames.join([cluster.clusterName, 'karpenter', policy.suffix], 128),
        description: policy.description,
        policy: PolicyDocuments.json(policy.statements),
        tags: escapeTags(props.tags),
      }), 'aws_iam_policy', 'controller', policy.suffix);
      stable(new IamRolePolicyAttachment(this, `ControllerPolicyAttachment-${policy.suffix}`, {
        role: controller.roleName,
        policyArn: resource.arn,
        dependsOn: [controller.dependable],
      }), 'aws_iam_role_policy_attachment', 'controller', policy.suffix);
    }
  }
}
