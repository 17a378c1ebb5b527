import { EksNodeGroup } from '@cdktf/provider-aws/lib/eks-node-group';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { LaunchTemplate, LaunchTemplateBlockDeviceMappings, LaunchTemplateNetworkInterfaces } from '@cdktf/provider-aws/lib/launch-template';
import { PlacementGroup } from '@cdktf/provider-aws/lib/placement-group';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { TerraformElement, Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { ProblemCollector, ValidationError } from '../../core/errors';
import { CpuArchitecture } from '../../core/gpu-instance-type';
import { NodeTaint, TaintEffect } from '../../core/gpu-pool';
import type { CapacityType, NodeAmiType, NodePoolOptions } from '../node-pool';
import { AwsEnvironment } from './aws-env';
import { AwsNames } from './aws-names';
import { ComputeOrder } from './compute-order';

/** EKS quota "Maximum nodes per managed node group" (Amazon EKS service quotas). */
const MAX_NODES_PER_GROUP = 450;
const INSTANCE_TYPE = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;

export interface ManagedNodeGroupProps extends NodePoolOptions {
  readonly poolName: string;
  readonly instanceTypes: string[];
  readonly architecture: CpuArchitecture;
  readonly amiType: NodeAmiType;
  readonly labels: { [key: string]: string };
  readonly taints: NodeTaint[];
  readonly defaultMinSize: number;
  readonly defaultMaxSize: number;
  readonly defaultVolumeSizeGiB: number;
  readonly gpu: boolean;
  readonly efaInterfaces?: number;
  readonly placementGroup?: boolean;
}

const EFFECTS: { [effect: string]: string } = {
  [TaintEffect.NO_SCHEDULE]: 'NO_SCHEDULE',
  [TaintEffect.NO_EXECUTE]: 'NO_EXECUTE',
  [TaintEffect.PREFER_NO_SCHEDULE]: 'PREFER_NO_SCHEDULE',
};

/**
 * The shared implementation of NodePool and GpuNodePool (internal): node role, launch template,
 * optional EFA security group and placement group, and the managed node group.
 */
export class ManagedNodeGroup extends Construct {
  /**
   * The CPU architecture of an EC2 instance type name: Graviton families have a 'g' right after the
   * generation digit (m7g, c7gn, r8g, g5g, t4g).
   */
  public static architectureOf(prop: string, instanceType: string, scope?: IConstruct): CpuArchitecture {
    const m = INSTANCE_TYPE.exec(String(instanceType));
    if (!m) {
      throw new ValidationError(prop, "must be EC2 instance types of the form '<family>.<size>'", instanceType, "use e.g. 'm7i.xlarge'", scope);
    }
    return /^[a-z]+\d+g[a-z]*$/.test(m[1]) ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64;
  }

  public readonly nodeGroupName: string;
  public readonly minSize: number;
  public readonly maxSize: number;
  public readonly desiredSize: number;
  public readonly externallyScaled: boolean;
  public readonly capacityType: CapacityType;
  public readonly volumeSizeGiB: number;
  public readonly nodeRoleName: string;
  public readonly nodeRoleArn: string;
  public readonly launchTemplateName: string;
  public readonly placementGroupName?: string;
  public readonly nodeGroup: EksNodeGroup;

  constructor(scope: Construct, id: string, props: ManagedNodeGroupProps) {
    super(scope, id);
    const cluster = props.cluster;
    const owner = scope;
    this.nodeGroupName = AwsNames.validate('nodeGroup', 'poolName', props.poolName, owner);
    this.minSize = props.minSize ?? props.defaultMinSize;
    this.maxSize = props.maxSize ?? Math.max(props.defaultMaxSize, this.minSize);
    this.desiredSize = props.desiredSize ?? this.minSize;
    this.externallyScaled = props.externallyScaled ?? false;
    this.capacityType = props.capacityType ?? ('ON_DEMAND' as CapacityType);
    this.volumeSizeGiB = props.volumeSizeGiB ?? props.defaultVolumeSizeGiB;
    validate(owner, props, this);

    const env = AwsEnvironment.of(this);
    const base = [cluster.clusterName, props.poolName];
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T =>
      AwsNames.stable(el, type, [...base, ...suffix], 'poolName');
    this.launchTemplateName = AwsNames.validate('launchTemplate', 'poolName', AwsNames.join(base, 128), owner);

    const role = stable(new IamRole(this, 'NodeRole', {
      name: AwsNames.validate('iamRole', 'poolName', AwsNames.join([...base, 'node'], 64), owner),
      assumeRolePolicy: PolicyTrust.ec2,
      tags: props.tags,
    }), 'aws_iam_role', 'node');
    this.nodeRoleName = role.name;
    this.nodeRoleArn = role.arn;
    const attachments = ['AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy', 'AmazonEC2ContainerRegistryPullOnly'].map((policy) =>
      stable(new IamRolePolicyAttachment(this, `NodeRole-${policy}`, { role: role.name, policyArn: env.managedPolicyArn(policy) }),
        'aws_iam_role_policy_attachment', 'node', policy));

    let placementGroupName: string | undefined;
    if (props.placementGroup) {
      const pg = stable(new PlacementGroup(this, 'PlacementGroup', {
        name: AwsNames.join(base, 255),
        strategy: 'cluster',
        tags: props.tags,
      }), 'aws_placement_group');
      placementGroupName = pg.name;
      this.placementGroupName = AwsNames.join(base, 255);
    }

    let networkInterfaces: LaunchTemplateNetworkInterfaces[] | undefined;
    if (props.efaInterfaces) {
      // EFA needs all traffic allowed between the pool's own interfaces (EFA user guide, "Prepare an
      // EFA-enabled security group"); the cluster security group keeps node <-> control plane traffic.
      const efaSg = stable(new SecurityGroup(this, 'EfaSecurityGroup', {
        name: AwsNames.join([...base, 'efa'], 255),
        description: `${AwsNames.join(base, 200)} EFA traffic between pool nodes`,
        vpcId: cluster.network.vpcId,
        revokeRulesOnDelete: true,
        tags: { ...(props.tags ?? {}), Name: AwsNames.join([...base, 'efa'], 255) },
      }), 'aws_security_group', 'efa');
      stable(new VpcSecurityGroupIngressRule(this, 'EfaIngress', {
        securityGroupId: efaSg.id, description: 'EFA from pool nodes', ipProtocol: '-1', referencedSecurityGroupId: efaSg.id,
      }), 'aws_vpc_security_group_ingress_rule', 'efa');
      stable(new VpcSecurityGroupEgressRule(this, 'EfaEgress', {
        securityGroupId: efaSg.id, description: 'EFA to pool nodes', ipProtocol: '-1', referencedSecurityGroupId: efaSg.id,
      }), 'aws_vpc_security_group_egress_rule', 'efa');
      networkInterfaces = Array.from({ length: props.efaInterfaces }, (_, card) => ({
        deviceIndex: card === 0 ? 0 : 1,
        networkCardIndex: card,
        interfaceType: 'efa',
        deleteOnTermination: 'true',
        securityGroups: [cluster.clusterSecurityGroupId, efaSg.id],
      }));
    }

    const volume = { volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' };
    // gp3 baseline is 3,000 IOPS / 125 MiB/s; GPU pools pull multi-GiB images and weights, so they get
    // 500 MiB/s (gp3 allows 0.25 MiB/s per provisioned IOPS: 500 MiB/s needs >= 2,000 IOPS).
    const throughput = props.gpu ? 500 : 125;
    const blockDeviceMappings: LaunchTemplateBlockDeviceMappings[] = props.amiType.bottlerocket
      ? [
        { deviceName: '/dev/xvda', ebs: { ...volume, volumeSize: 4, iops: 3000, throughput: 125 } },
        { deviceName: '/dev/xvdb', ebs: { ...volume, volumeSize: this.volumeSizeGiB, iops: 3000, throughput } },
      ]
      : [{ deviceName: '/dev/xvda', ebs: { ...volume, volumeSize: this.volumeSizeGiB, iops: 3000, throughput } }];

    const reservation = props.capacityReservationId;
    const lt = stable(new LaunchTemplate(this, 'LaunchTemplate', {
      name: this.launchTemplateName,
      description: `EKS managed node group ${props.poolName} of ${cluster.clusterName}`,
      updateDefaultVersion: true,
      // IMDSv2 only, one hop: containers (one hop further away) cannot read node credentials.
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
      blockDeviceMappings,
      networkInterfaces,
      placement: placementGroupName ? { groupName: placementGroupName } : undefined,
      capacityReservationSpecification: reservation
        ? { capacityReservationTarget: { capacityReservationId: reservation } }
        : undefined,
      instanceMarketOptions: this.capacityType === 'CAPACITY_BLOCK' ? { marketType: 'capacity-block' } : undefined,
      tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({
        resourceType,
        tags: { ...(props.tags ?? {}), Name: AwsNames.join(base, 255) },
      })),
      tags: props.tags,
    }), 'aws_launch_template');

    const taints = [...props.taints]
      .sort((a, b) => `${a.key}=${a.value ?? ''}:${a.effect}`.localeCompare(`${b.key}=${b.value ?? ''}:${b.effect}`))
      .map((t) => ({ key: t.key, value: t.value, effect: EFFECTS[t.effect] }));
    this.nodeGroup = stable(new EksNodeGroup(this, 'Resource', {
      clusterName: cluster.clusterName,
      nodeGroupName: this.nodeGroupName,
      nodeRoleArn: role.arn,
      version: cluster.version.version,
      amiType: props.amiType.value,
      capacityType: this.capacityType,
      instanceTypes: props.instanceTypes,
      subnetIds: props.subnetIds ?? cluster.network.privateSubnetIds,
      labels: sortedMap(props.labels),
      taint: taints.length > 0 ? taints : undefined,
      scalingConfig: { minSize: this.minSize, maxSize: this.maxSize, desiredSize: this.desiredSize },
      updateConfig: { maxUnavailable: props.maxUnavailable ?? 1 },
      nodeRepairConfig: { enabled: props.nodeRepair ?? true },
      launchTemplate: { id: lt.id, version: lt.getStringAttribute('latest_version') },
      tags: props.tags,
      dependsOn: [cluster.dependable, ...attachments],
      // An external autoscaler owns desired_size after creation (terraform-aws-modules/eks v21.19.0,
      // modules/eks-managed-node-group/main.tf ignore_changes; docs/faq.md); without one Terraform keeps it.
      ...(this.externallyScaled ? { lifecycle: { ignoreChanges: ['scaling_config[0].desired_size'] } } : {}),
    }), 'aws_eks_node_group');
    ComputeOrder.registerNodeGroup(cluster, this.nodeGroup);
  }
}

class PolicyTrust {
  public static readonly ec2 = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  });
}

function sortedMap(map: { [key: string]: string }): { [key: string]: string } {
  return Object.fromEntries(Object.entries(map).sort(([a], [b]) => a.localeCompare(b)));
}

function validate(scope: IConstruct, props: ManagedNodeGroupProps, group: ManagedNodeGroup): void {
  const problems = new ProblemCollector(scope);
  const { minSize, maxSize, desiredSize } = group;
  const whole = (prop: string, v: number, min: number) =>
    problems.check(Number.isInteger(v) && v >= min && v <= MAX_NODES_PER_GROUP, prop, `must be a whole number from ${min} to ${MAX_NODES_PER_GROUP}`, v,
      `set ${prop} within the EKS managed node group limits`);
  const ok = [whole('minSize', minSize, 0), whole('maxSize', maxSize, 1), whole('desiredSize', desiredSize, 0)].every((x) => x);
  if (ok) {
    if (problems.check(minSize <= maxSize, 'minSize', `must not exceed maxSize (${maxSize})`, minSize, 'lower minSize or raise maxSize')) {
      problems.check(desiredSize >= minSize && desiredSize <= maxSize, 'desiredSize', `must be between minSize (${minSize}) and maxSize (${maxSize})`, desiredSize,
        'set desiredSize within the range or leave it unset to start at minSize');
    }
  }
  const amiType = props.amiType;
  if (amiType.architecture !== props.architecture) {
    problems.add('amiType', `is for ${amiType.architecture} but the instance types are ${props.architecture}`, amiType.value,
      `use an ${props.architecture} AMI type, e.g. ${NodeAmiTypeName.defaultName(props.architecture, amiType.nvidia, amiType.fips)}`);
  }
  if (props.gpu && !amiType.nvidia) {
    problems.add('amiType', 'has no NVIDIA driver, which GPU nodes need', amiType.value,
      `use an NVIDIA AMI type, e.g. ${NodeAmiTypeName.defaultName(props.architecture, true, amiType.fips)}`);
  }
  if (!props.gpu && amiType.nvidia) {
    problems.add('amiType', 'is an NVIDIA AMI type on a pool without GPUs', amiType.value, 'use a standard AMI type or a GpuNodePool');
  }
  if (props.cluster.fips && !amiType.fips) {
    problems.add('amiType', 'is not FIPS-validated but the cluster requires FIPS', amiType.value,
      `use ${NodeAmiTypeName.defaultName(props.architecture, amiType.nvidia, true)}`);
  }
  const volumeMin = 20;
  // gp3 volumes are 1 GiB to 16 TiB; below 20 GiB the AMI and a few images do not fit.
  problems.check(Number.isInteger(group.volumeSizeGiB) && group.volumeSizeGiB >= volumeMin && group.volumeSizeGiB <= 16384,
    'volumeSizeGiB', `must be a whole number from ${volumeMin} to 16384`, group.volumeSizeGiB, 'size the volume for the images and model weights the nodes cache');
  if (props.maxUnavailable !== undefined) {
    problems.check(Number.isInteger(props.maxUnavailable) && props.maxUnavailable >= 1 && props.maxUnavailable <= 100,
      'maxUnavailable', 'must be a whole number from 1 to 100', props.maxUnavailable, 'replace at most this many nodes at once during updates');
  }
  const reservation = props.capacityReservationId;
  if (reservation !== undefined && !Token.isUnresolved(reservation)) {
    problems.check(/^cr-[0-9a-f]{8,17}$/.test(reservation), 'capacityReservationId', "must be a capacity reservation id ('cr-' and 8 or 17 hex digits)", reservation,
      'pass the id of an On-Demand Capacity Reservation or Capacity Block');
  }
  if (group.capacityType === 'CAPACITY_BLOCK' && reservation === undefined) {
    problems.add('capacityReservationId', 'is required for CapacityType.CAPACITY_BLOCK', reservation, 'pass the Capacity Block reservation id');
  }
  if (group.capacityType === 'SPOT' && reservation !== undefined) {
    problems.add('capacityReservationId', 'cannot be used with Spot capacity', reservation, 'use CapacityType.ON_DEMAND or CAPACITY_BLOCK with a reservation');
  }
  if (props.subnetIds !== undefined && !Token.isUnresolved(props.subnetIds) && props.subnetIds.length === 0) {
    problems.add('subnetIds', 'must list at least one subnet', props.subnetIds, "leave it unset to use the cluster's private subnets");
  }
  problems.throwIfAny();
}

class NodeAmiTypeName {
  public static defaultName(architecture: CpuArchitecture, nvidia: boolean, fips: boolean): string {
    const arch = architecture === CpuArchitecture.ARM64 ? 'ARM_64' : 'X86_64';
    if (fips) return `NodeAmiType.BOTTLEROCKET_${arch}${nvidia ? '_NVIDIA' : ''}_FIPS`;
    return `NodeAmiType.AL2023_${arch}_${nvidia ? 'NVIDIA' : 'STANDARD'}`;
  }
}
