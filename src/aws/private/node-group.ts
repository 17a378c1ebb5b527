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
import { NodeVolumeKey } from '../node-volume-key';
import { AwsEnvironment } from './aws-env';
import { AwsNames } from './aws-names';
import { ComputeOrder } from './compute-order';
import { providerDefaultTags } from './instance-tags';
import { escapeTags } from './terraform-escape';

/** EKS quota "Maximum nodes per managed node group" (Amazon EKS service quotas). */
const MAX_NODES_PER_GROUP = 450;
/**
 * The longest node group name prefix: EKS node group names have at most 63 characters and Terraform appends
 * a 26-character unique suffix to `node_group_name_prefix` (hashicorp/terraform-provider-aws
 * internal/service/eks/node_group.go, read at commit 012e0a32f0686212f447447fd3d81c3d0ce256ad:
 * `validation.StringLenBetween(0, 63-id.UniqueIDSuffixLength)`; the 6.25.0 schema in schemas/terraform/
 * lists `node_group_name_prefix` as an optional string and carries no lengths).
 */
export const MAX_NODE_GROUP_NAME_PREFIX = 63 - 26;
/**
 * The longest launch template name prefix (hashicorp/terraform-provider-aws internal/verify
 * `ValidLaunchTemplateName`: a `name_prefix` has at most 99 characters, the name 125).
 */
const MAX_LAUNCH_TEMPLATE_NAME_PREFIX = 99;
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
  /** Whether platform add-ons (CoreDNS, CSI controllers) run here: post-compute add-ons wait for these groups only. */
  readonly hostsSystemAddons: boolean;
  /** EFA interfaces: one per network card, EFA-only on the secondary cards when `efaOnly`. */
  readonly efa?: { readonly interfaces: number; readonly efaOnly: boolean };
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
 *
 * Replacement is create-before-destroy: the node group, its launch template and the EFA security group
 * have name prefixes (Terraform appends a unique suffix) and `create_before_destroy`, so a change EKS
 * cannot apply in place (instance types, AMI type, capacity type, subnets, name) builds the new group
 * before draining and deleting the old one, at the same Terraform addresses. Until the old group is
 * gone both run: GPU quota must fit both.
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
  public readonly nodeGroupNamePrefix: string;
  public readonly minSize: number;
  public readonly maxSize: number;
  public readonly desiredSize: number;
  public readonly externallyScaled: boolean;
  public readonly capacityType: CapacityType;
  public readonly volumeSizeGiB: number;
  public readonly nodeRoleName: string;
  public readonly nodeRoleArn: string;
  public readonly launchTemplateName: string;
  public readonly launchTemplateNamePrefix: string;
  public readonly placementGroupName?: string;
  public readonly volumeKmsKeyArn: string;
  public readonly efaSecurityGroupId?: string;
  public readonly nodeGroup: EksNodeGroup;
  public readonly launchTemplate: LaunchTemplate;

  constructor(scope: Construct, id: string, props: ManagedNodeGroupProps) {
    super(scope, id);
    const cluster = props.cluster;
    const owner = scope;
    AwsNames.validate('nodeGroup', 'poolName', props.poolName, owner);
    if (props.poolName.length > MAX_NODE_GROUP_NAME_PREFIX - 1) {
      throw new ValidationError('poolName', `must have at most ${MAX_NODE_GROUP_NAME_PREFIX - 1} characters (the node group name is the pool name, '-' and `
        + 'the 26-character suffix Terraform appends for create-before-destroy replacement; EKS allows 63)', props.poolName,
      'use a shorter pool name', owner);
    }
    this.nodeGroupNamePrefix = `${props.poolName}-`;
    this.capacityType = props.capacityType ?? ('ON_DEMAND' as CapacityType);
    // EKS CreateNodegroup capacityType: ON_DEMAND | SPOT | CAPACITY_BLOCK (anything else fails at apply, or was read as On-Demand)
    const capacityTypes = ['ON_DEMAND', 'SPOT', 'CAPACITY_BLOCK'];
    if (!capacityTypes.includes(this.capacityType as string)) {
      throw new ValidationError('capacityType', `must be one of ${capacityTypes.join(', ')}`, props.capacityType,
        'use CapacityType.ON_DEMAND, CapacityType.SPOT or CapacityType.CAPACITY_BLOCK', owner);
    }
    const seen = new Set<string>();
    for (const t of props.instanceTypes ?? []) {
      if (seen.has(t)) throw new ValidationError('instanceTypes', `lists '${t}' twice`, props.instanceTypes, 'list each instance type once', owner);
      seen.add(t);
    }
    const capacityBlock = this.capacityType === 'CAPACITY_BLOCK';
    this.minSize = props.minSize ?? props.defaultMinSize;
    this.maxSize = props.maxSize ?? Math.max(props.defaultMaxSize, this.minSize);
    this.desiredSize = props.desiredSize ?? this.minSize;
    // EKS scales a Capacity Block group to 0 before the reservation ends (a scheduled action): Terraform
    // must not scale it back (EKS user guide, "Create a managed node group with Capacity Blocks for ML").
    this.externallyScaled = props.externallyScaled ?? capacityBlock;
    this.volumeSizeGiB = props.volumeSizeGiB ?? props.defaultVolumeSizeGiB;
    validate(owner, props, this);

    const env = AwsEnvironment.of(this);
    const base = [cluster.clusterName, props.poolName];
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T =>
      AwsNames.stable(el, type, [...base, ...suffix], 'poolName');
    this.launchTemplateNamePrefix = `${AwsNames.validate('launchTemplate', 'poolName', AwsNames.join(base, MAX_LAUNCH_TEMPLATE_NAME_PREFIX - 1), owner)}-`;
    this.volumeKmsKeyArn = props.volumeKmsKeyArn ?? NodeVolumeKey.of(this, cluster).keyArn;

    const role = stable(new IamRole(this, 'NodeRole', {
      name: AwsNames.validate('iamRole', 'poolName', AwsNames.join([...base, 'node'], 64), owner),
      assumeRolePolicy: PolicyTrust.ec2,
      tags: escapeTags(props.tags),
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
        tags: escapeTags(props.tags),
      }), 'aws_placement_group');
      placementGroupName = pg.name;
      this.placementGroupName = AwsNames.join(base, 255);
    }

    let networkInterfaces: LaunchTemplateNetworkInterfaces[] | undefined;
    if (props.efa) {
      // EFA needs all traffic allowed between the pool's own interfaces (EFA user guide, "Prepare an
      // EFA-enabled security group"); the cluster security group keeps node <-> control plane traffic.
      const efaSg = stable(new SecurityGroup(this, 'EfaSecurityGroup', {
        namePrefix: `${AwsNames.join([...base, 'efa'], 100)}-`,
        description: `${AwsNames.join(base, 200)} EFA traffic between pool nodes`,
        vpcId: cluster.network.vpcId,
        revokeRulesOnDelete: true,
        tags: { ...(escapeTags(props.tags) ?? {}), Name: AwsNames.join([...base, 'efa'], 255) },
        lifecycle: { createBeforeDestroy: true },
      }), 'aws_security_group', 'efa');
      this.efaSecurityGroupId = efaSg.id;
      stable(new VpcSecurityGroupIngressRule(this, 'EfaIngress', {
        securityGroupId: efaSg.id, description: 'EFA from pool nodes', ipProtocol: '-1', referencedSecurityGroupId: efaSg.id,
      }), 'aws_vpc_security_group_ingress_rule', 'efa');
      stable(new VpcSecurityGroupEgressRule(this, 'EfaEgress', {
        securityGroupId: efaSg.id, description: 'EFA to pool nodes', ipProtocol: '-1', referencedSecurityGroupId: efaSg.id,
      }), 'aws_vpc_security_group_egress_rule', 'efa');
      // One EFA interface per network card (EC2 user guide, "Maximize network bandwidth on Amazon EC2
      // instances with multiple network cards"): card 0 device 0 an EFA with ENA (the primary interface
      // cannot be EFA-only), every further card the next card index, device index 1, EFA-only where the
      // type supports it (no ENA device, no IP address), else EFA with ENA. With interfaces in the launch
      // template EKS adds no security group itself, so each lists the cluster security group too (EKS user
      // guide, launch templates, "Using custom security groups").
      const { interfaces, efaOnly } = props.efa;
      networkInterfaces = Array.from({ length: interfaces }, (_, card) => ({
        deviceIndex: card === 0 ? 0 : 1,
        networkCardIndex: card,
        interfaceType: card > 0 && efaOnly ? 'efa-only' : 'efa',
        deleteOnTermination: 'true',
        securityGroups: [cluster.clusterSecurityGroupId, efaSg.id],
      }));
    }

    // A customer managed key (the cluster's NodeVolumeKey unless given), not the AWS managed aws/ebs key.
    const volume = { volumeType: 'gp3', encrypted: 'true', kmsKeyId: this.volumeKmsKeyArn, deleteOnTermination: 'true' };
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
    // Instances and what they create get the pool's tags and the provider's default tags (cost allocation):
    // default_tags never reach what an Auto Scaling group launches.
    const launchedTags = { ...providerDefaultTags(this), ...(escapeTags(props.tags) ?? {}), Name: AwsNames.join(base, 255) };
    const lt = stable(new LaunchTemplate(this, 'LaunchTemplate', {
      namePrefix: this.launchTemplateNamePrefix,
      description: `EKS managed node group ${props.poolName} of ${cluster.clusterName}`,
      // A Capacity Block node group names its one instance type in the launch template (EKS user guide,
      // "Create a managed node group with Capacity Blocks for ML").
      instanceType: capacityBlock ? props.instanceTypes[0] : undefined,
      updateDefaultVersion: true,
      // IMDSv2 only, one hop: containers (one hop further away) cannot read node credentials.
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
      blockDeviceMappings,
      networkInterfaces,
      placement: placementGroupName ? { groupName: placementGroupName } : undefined,
      capacityReservationSpecification: reservation
        ? { capacityReservationTarget: { capacityReservationId: reservation } }
        : undefined,
      instanceMarketOptions: capacityBlock ? { marketType: 'capacity-block' } : undefined,
      tagSpecifications: ['instance', 'volume', 'network-interface'].map((resourceType) => ({ resourceType, tags: launchedTags })),
      tags: escapeTags(props.tags),
      lifecycle: { createBeforeDestroy: true },
    }), 'aws_launch_template');
    this.launchTemplate = lt;
    this.launchTemplateName = lt.name;

    const taints = [...props.taints]
      .sort((a, b) => `${a.key}=${a.value ?? ''}:${a.effect}`.localeCompare(`${b.key}=${b.value ?? ''}:${b.effect}`))
      .map((t) => ({ key: t.key, value: t.value, effect: EFFECTS[t.effect] }));
    this.nodeGroup = stable(new EksNodeGroup(this, 'Resource', {
      clusterName: cluster.clusterName,
      nodeGroupNamePrefix: this.nodeGroupNamePrefix,
      nodeRoleArn: role.arn,
      version: cluster.version.version,
      amiType: props.amiType.value,
      capacityType: this.capacityType,
      instanceTypes: capacityBlock ? undefined : props.instanceTypes,
      subnetIds: props.subnetIds ?? cluster.network.privateSubnetIds,
      labels: sortedMap(props.labels),
      taint: taints.length > 0 ? taints : undefined,
      scalingConfig: { minSize: this.minSize, maxSize: this.maxSize, desiredSize: this.desiredSize },
      updateConfig: { maxUnavailable: props.maxUnavailable ?? 1 },
      nodeRepairConfig: { enabled: props.nodeRepair ?? true },
      launchTemplate: { id: lt.id, version: lt.getStringAttribute('latest_version') },
      tags: escapeTags(props.tags),
      dependsOn: [cluster.dependable, ...attachments],
      lifecycle: {
        // name_prefix + create_before_destroy, as terraform-aws-modules/eks modules/eks-managed-node-group:
        // a replacement builds the new group first (stable Terraform address, new EKS name).
        createBeforeDestroy: true,
        // An external autoscaler owns desired_size after creation (terraform-aws-modules/eks v21.19.0,
        // modules/eks-managed-node-group/main.tf ignore_changes; docs/faq.md); without one Terraform keeps it.
        ...(this.externallyScaled ? { ignoreChanges: ['scaling_config[0].desired_size'] } : {}),
      },
    }), 'aws_eks_node_group');
    this.nodeGroupName = this.nodeGroup.nodeGroupName;
    ComputeOrder.registerNodeGroup(cluster, this.nodeGroup, props.hostsSystemAddons);
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
  if (group.capacityType === 'CAPACITY_BLOCK') {
    // EKS user guide, "Create a managed node group with Capacity Blocks for ML": the reservation id and
    // its one instance type in the launch template; EKS scales the group to 0 before the reservation
    // ends and updates need desired size 0, so the group's minimum is 0.
    if (reservation === undefined) {
      problems.add('capacityReservationId', 'is required for CapacityType.CAPACITY_BLOCK', reservation, 'pass the Capacity Block reservation id');
    }
    problems.check(group.minSize === 0, 'minSize', 'must be 0 for a Capacity Block node group (EKS scales it to 0 before the reservation ends)', group.minSize,
      'set minSize to 0 (and desiredSize to the nodes to start once the reservation is active)');
    problems.check(props.instanceTypes.length === 1, 'instanceTypes', 'must list exactly one instance type for a Capacity Block (the reservation\'s)', props.instanceTypes,
      'use the instance type the Capacity Block reserves');
    problems.check(props.externallyScaled !== false, 'externallyScaled', 'must not be false for a Capacity Block node group: EKS scales it to 0 before the reservation ends and Terraform must not undo that',
      props.externallyScaled, 'leave externallyScaled unset');
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
