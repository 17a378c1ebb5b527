import { Statement } from './policy';

/**
 * What the Karpenter controller policy is scoped to (internal).
 */
export interface KarpenterPolicyScope {
  /** The partition (`aws`, a token). */
  readonly partition: string;
  /** The region (plain). */
  readonly region: string;
  /** The account id (a token). */
  readonly accountId: string;
  /** The cluster name (plain). */
  readonly clusterName: string;
  /** The node role ARN (a token). */
  readonly nodeRoleArn: string;
  /** The interruption queue ARN (a token). */
  readonly queueArn: string;
}

/**
 * One of upstream's controller managed policies: the library name suffix and its statements.
 */
export interface KarpenterPolicyDocument {
  /** Upstream's CloudFormation logical id (`NodeLifecyclePolicy`, ...). */
  readonly upstreamId: string;
  /** The suffix of the IAM policy name (`<cluster>-karpenter-<suffix>`). */
  readonly nameSuffix: string;
  /** The statements. */
  readonly statements: Statement[];
}

/**
 * The Karpenter 1.14.1 controller policy, as upstream's getting-started CloudFormation template grants it
 * (aws/karpenter-provider-aws, website/content/en/v1.14/getting-started/getting-started-with-karpenter/cloudformation.yaml
 * at c88abbbad455186e69e30296c595e474123e9bc1, the v1.14.1 stable release; Apache-2.0; vendored as data in
 * schemas/upstream/karpenter/controller-policy-1.14.1.json, which test/aws/karpenter.test.ts compares with
 * this, statement by statement). Upstream splits it into six managed policies (one document would exceed
 * IAM's 6,144-character managed-policy limit); the library keeps the same split, Sids, actions, resources
 * and conditions, with the CloudFormation substitutions filled in for this cluster.
 */
export function karpenterControllerPolicies(s: KarpenterPolicyScope): KarpenterPolicyDocument[] {
  const ec2 = (type: string, account = '*') => `arn:${s.partition}:ec2:${s.region}:${account}:${type}/*`;
  const clusterArn = `arn:${s.partition}:eks:${s.region}:${s.accountId}:cluster/${s.clusterName}`;
  const instanceProfiles = `arn:${s.partition}:iam::${s.accountId}:instance-profile/*`;
  const ownedRequest = `aws:RequestTag/kubernetes.io/cluster/${s.clusterName}`;
  const ownedResource = `aws:ResourceTag/kubernetes.io/cluster/${s.clusterName}`;
  const taggedLaunchResources = [ec2('fleet'), ec2('instance'), ec2('volume'), ec2('network-interface'), ec2('launch-template'), ec2('spot-instances-request')];

  return [
    {
      upstreamId: 'NodeLifecyclePolicy',
      nameSuffix: 'node-lifecycle',
      statements: [
        {
          Sid: 'AllowScopedEC2InstanceAccessActions',
          Effect: 'Allow',
          Resource: [ec2('image', ''), ec2('snapshot', ''), ec2('security-group'), ec2('subnet'), ec2('capacity-reservation'), ec2('placement-group')],
          Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
        },
        {
          // The launch templates Karpenter created (tagged when created): RunInstances/CreateFleet check the
          // template's own tags, so this needs ResourceTag conditions, not RequestTag ones.
          Sid: 'AllowScopedEC2LaunchTemplateAccessActions',
          Effect: 'Allow',
          Resource: [ec2('launch-template')],
          Action: ['ec2:RunInstances', 'ec2:CreateFleet'],
          Condition: {
            StringEquals: { [ownedResource]: 'owned' },
            StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          },
        },
        {
          Sid: 'AllowScopedEC2InstanceActionsWithTags',
          Effect: 'Allow',
          Resource: taggedLaunchResources,
          Action: ['ec2:RunInstances', 'ec2:CreateFleet', 'ec2:CreateLaunchTemplate'],
          Condition: {
            StringEquals: { [ownedRequest]: 'owned', 'aws:RequestTag/eks:eks-cluster-name': s.clusterName },
            StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
          },
        },
        {
          Sid: 'AllowScopedResourceCreationTagging',
          Effect: 'Allow',
          Resource: taggedLaunchResources,
          Action: ['ec2:CreateTags'],
          Condition: {
            StringEquals: {
              [ownedRequest]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
              'ec2:CreateAction': ['RunInstances', 'CreateFleet', 'CreateLaunchTemplate'],
            },
            StringLike: { 'aws:RequestTag/karpenter.sh/nodepool': '*' },
          },
        },
        {
          Sid: 'AllowScopedResourceTagging',
          Effect: 'Allow',
          Resource: [ec2('instance')],
          Action: ['ec2:CreateTags'],
          Condition: {
            'StringEquals': { [ownedResource]: 'owned' },
            'StringLike': { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
            'StringEqualsIfExists': { 'aws:RequestTag/eks:eks-cluster-name': s.clusterName },
            'ForAllValues:StringEquals': { 'aws:TagKeys': ['eks:eks-cluster-name', 'karpenter.sh/nodeclaim', 'Name'] },
          },
        },
        {
          Sid: 'AllowScopedDeletion',
          Effect: 'Allow',
          Resource: [ec2('instance'), ec2('launch-template')],
          Action: ['ec2:TerminateInstances', 'ec2:DeleteLaunchTemplate'],
          Condition: {
            StringEquals: { [ownedResource]: 'owned' },
            StringLike: { 'aws:ResourceTag/karpenter.sh/nodepool': '*' },
          },
        },
      ],
    },
    {
      upstreamId: 'IAMIntegrationPolicy',
      nameSuffix: 'iam-integration',
      statements: [
        {
          Sid: 'AllowPassingInstanceRole',
          Effect: 'Allow',
          Resource: [s.nodeRoleArn],
          Action: ['iam:PassRole'],
          Condition: { StringEquals: { 'iam:PassedToService': ['ec2.amazonaws.com', 'ec2.amazonaws.com.cn'] } },
        },
        {
          Sid: 'AllowScopedInstanceProfileCreationActions',
          Effect: 'Allow',
          Resource: [instanceProfiles],
          Action: ['iam:CreateInstanceProfile'],
          Condition: {
            StringEquals: {
              [ownedRequest]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
              'aws:RequestTag/topology.kubernetes.io/region': s.region,
            },
            StringLike: { 'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*' },
          },
        },
        {
          Sid: 'AllowScopedInstanceProfileTagActions',
          Effect: 'Allow',
          Resource: [instanceProfiles],
          Action: ['iam:TagInstanceProfile'],
          Condition: {
            StringEquals: {
              [ownedResource]: 'owned',
              'aws:ResourceTag/topology.kubernetes.io/region': s.region,
              [ownedRequest]: 'owned',
              'aws:RequestTag/eks:eks-cluster-name': s.clusterName,
              'aws:RequestTag/topology.kubernetes.io/region': s.region,
            },
            StringLike: {
              'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*',
              'aws:RequestTag/karpenter.k8s.aws/ec2nodeclass': '*',
            },
          },
        },
        {
          Sid: 'AllowScopedInstanceProfileActions',
          Effect: 'Allow',
          Resource: [instanceProfiles],
          Action: ['iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile', 'iam:DeleteInstanceProfile'],
          Condition: {
            StringEquals: { [ownedResource]: 'owned', 'aws:ResourceTag/topology.kubernetes.io/region': s.region },
            StringLike: { 'aws:ResourceTag/karpenter.k8s.aws/ec2nodeclass': '*' },
          },
        },
      ],
    },
    {
      upstreamId: 'EKSIntegrationPolicy',
      nameSuffix: 'eks-integration',
      statements: [
        { Sid: 'AllowAPIServerEndpointDiscovery', Effect: 'Allow', Resource: [clusterArn], Action: ['eks:DescribeCluster'] },
      ],
    },
    {
      upstreamId: 'InterruptionPolicy',
      nameSuffix: 'interruption',
      statements: [
        { Sid: 'AllowInterruptionQueueActions', Effect: 'Allow', Resource: [s.queueArn], Action: ['sqs:DeleteMessage', 'sqs:GetQueueUrl', 'sqs:ReceiveMessage'] },
      ],
    },
    {
      upstreamId: 'ZonalShiftPolicy',
      nameSuffix: 'zonal-shift',
      statements: [
        {
          Sid: 'AllowZonalShiftStatusReadOnly',
          Effect: 'Allow',
          Resource: ['*'],
          Action: ['arc-zonal-shift:GetManagedResource'],
          Condition: { StringEquals: { 'arc-zonal-shift:ResourceIdentifier': clusterArn } },
        },
      ],
    },
    {
      upstreamId: 'ResourceDiscoveryPolicy',
      nameSuffix: 'resource-discovery',
      statements: [
        {
          Sid: 'AllowRegionalReadActions',
          Effect: 'Allow',
          Resource: ['*'],
          Action: [
            'ec2:DescribeCapacityReservations', 'ec2:DescribeImages', 'ec2:DescribeInstances', 'ec2:DescribeInstanceStatus',
            'ec2:DescribeInstanceTypeOfferings', 'ec2:DescribeInstanceTypes', 'ec2:DescribeLaunchTemplates', 'ec2:DescribePlacementGroups',
            'ec2:DescribeSecurityGroups', 'ec2:DescribeSpotPriceHistory', 'ec2:DescribeSubnets',
          ],
          Condition: { StringEquals: { 'aws:RequestedRegion': s.region } },
        },
        {
          // Public parameters only (EKS-optimized and Bottlerocket AMI ids, including the FIPS variants'
          // /aws/service/bottlerocket/aws-k8s-<k8s>-nvidia-fips/... parameters the Kubernetes side selects).
          Sid: 'AllowSSMReadActions',
          Effect: 'Allow',
          Resource: [`arn:${s.partition}:ssm:${s.region}::parameter/aws/service/*`],
          Action: ['ssm:GetParameter'],
        },
        { Sid: 'AllowPricingReadActions', Effect: 'Allow', Resource: ['*'], Action: ['pricing:GetProducts'] },
        { Sid: 'AllowUnscopedInstanceProfileListAction', Effect: 'Allow', Resource: ['*'], Action: ['iam:ListInstanceProfiles'] },
        { Sid: 'AllowInstanceProfileReadActions', Effect: 'Allow', Resource: [instanceProfiles], Action: ['iam:GetInstanceProfile'] },
      ],
    },
  ];
}

/**
 * What the controller needs to launch instances whose EBS volumes are encrypted with a customer managed
 * key: the "Permissions for users" of Amazon EBS encryption (EBS User Guide, "Requirements for Amazon EBS
 * encryption": kms:CreateGrant limited by kms:GrantIsForAWSResource, kms:Decrypt, kms:DescribeKey,
 * kms:GenerateDataKeyWithoutPlaintext, kms:ReEncrypt*), limited to calls EC2 makes for this account, as
 * Karpenter's troubleshooting guide ("Node terminates before ready on failed encrypted EBS volume",
 * v1.14) scopes its key-policy example (kms:ViaService ec2.<region>.<dns suffix>, kms:CallerAccount).
 */
export function nodeVolumeKeyStatements(keyArn: string, region: string, dnsSuffix: string, accountId: string): Statement[] {
  return [
    {
      Sid: 'AllowNodeVolumeKeyGrants',
      Effect: 'Allow',
      Resource: [keyArn],
      Action: ['kms:CreateGrant'],
      Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
    },
    {
      Sid: 'AllowNodeVolumeKeyUse',
      Effect: 'Allow',
      Resource: [keyArn],
      Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo'],
      Condition: { StringEquals: { 'kms:ViaService': `ec2.${region}.${dnsSuffix}`, 'kms:CallerAccount': accountId } },
    },
  ];
}
