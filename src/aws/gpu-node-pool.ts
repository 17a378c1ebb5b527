import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { CapacityType, NodeAmiType, NodePool, NodePoolOptions } from './node-pool';
import { ProblemCollector, ValidationError } from '../core/errors';
import { GpuInstanceType } from '../core/gpu-instance-type';
import { GpuPool, IGpuPool, NodeTaint } from '../core/gpu-pool';
import { Names } from '../core/names';
import { ManagedNodeGroup } from './private/node-group';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * An EC2 Capacity Block for ML reservation a GPU pool launches into.
 */
export interface CapacityBlockReservation {
  /** The Capacity Block's capacity reservation id (`cr-` and 17 hex digits). */
  readonly reservationId: string;
  /**
   * The Availability Zone of the Capacity Block (`aws ec2 describe-capacity-reservations`), e.g.
   * `us-east-1a`: instances cannot launch in another zone, so the pool uses the cluster's private subnet there.
   */
  readonly availabilityZone: string;
}

/**
 * Props for `GpuNodePool`.
 */
export interface GpuNodePoolProps extends NodePoolOptions {
  /** The pool name (DNS-1123 label): node group name and `llm-platform.io/gpu-pool` label value. */
  readonly poolName: string;
  /** GPU instance types, all of one GPU model and architecture. */
  readonly instanceTypes: GpuInstanceType[];
  /**
   * Node taints.
   *
   * @default [GpuPool.GPU_TAINT] (`nvidia.com/gpu=true:NoSchedule`)
   */
  readonly taints?: NodeTaint[];
  /**
   * Attach Elastic Fabric Adapter interfaces (every EFA interface the instance type has: one per
   * network card, EFA-only on the secondary cards), with a security group that allows all traffic
   * between the pool's nodes, in one zone and a cluster placement group (multi-node inference and
   * training). Only for instance types with EFA (`GpuInstanceType.maxEfaInterfaces` > 0).
   *
   * @default false
   */
  readonly efa?: boolean;
  /**
   * EFA interfaces per node, when fewer than all are wanted.
   *
   * @default - all: the instance types' `maxEfaInterfaces` (32 on p5.48xlarge; the fewest when types differ)
   */
  readonly efaInterfaces?: number;
  /**
   * Launch the nodes in one Availability Zone (the cluster's private subnet there).
   *
   * @default - every private subnet; EFA pools the first; Capacity Block pools the reservation's zone
   */
  readonly availabilityZone?: string;
  /**
   * Launch into an EC2 Capacity Block for ML: capacity type `CAPACITY_BLOCK`, the reservation and its
   * one instance type in the launch template, the private subnet of the reservation's zone, `minSize` 0,
   * and Terraform leaves the desired size to EKS, which scales the group to 0 before the reservation
   * ends (EKS user guide, "Create a managed node group with Capacity Blocks for ML"). Set `desiredSize`
   * to start nodes when the reservation is active; before that launches fail and the group retries.
   * EFA pools on a Capacity Block get no placement group: Capacity Block instances are placed together
   * in EC2 UltraClusters (EC2 API reference, `CapacityBlock`).
   *
   * @default - no Capacity Block
   */
  readonly capacityBlock?: CapacityBlockReservation;
}

/**
 * A GPU managed node group built from accelerator facts: NVIDIA AMI type for the instance
 * architecture, the GPU taint, standard labels (pool, accelerator, GPU count) the Kubernetes layer
 * schedules onto, IMDSv2 with hop limit 1, gp3 volumes sized for images and weights and encrypted with
 * the cluster's `NodeVolumeKey`, optional Spot / Capacity Reservation / Capacity Block, optional EFA
 * (every interface of the instance type) with a cluster placement group.
 *
 * It starts at 0 nodes unless `minSize`/`desiredSize` say otherwise, and no add-on waits for it: a GPU
 * stock-out or quota limit fails this group alone, never CoreDNS or the CSI drivers. The EKS node group
 * is named `<poolName>-<suffix>` and replaced create-before-destroy (see `NodePool`).
 *
 * Implements `IGpuPool`, so model servers take the pool and get exactly its labels and taints.
 */
export class GpuNodePool extends Construct implements IGpuPool {
  /**
   * The default volume size for a set of GPU instance types: 50 GiB for the OS and serving images
   * plus twice the largest instance's GPU memory (fp16 weights roughly fill GPU memory; two model
   * revisions sit side by side during a rollout), at least 200 GiB, rounded up to 50 GiB.
   */
  public static defaultVolumeSizeGiB(instanceTypes: GpuInstanceType[]): number {
    checkArgs('aws.GpuNodePool#defaultVolumeSizeGiB', [instanceTypes]);
    const gpuMemory = Math.max(...instanceTypes.map((t) => t.totalGpuMemoryGiB));
    return Math.max(200, Math.ceil((50 + 2 * gpuMemory) / 50) * 50);
  }

  /**
   * The pool's subnets: `subnetIds` when given (one for EFA: a cluster placement group and EFA traffic stay
   * in one zone), else the private subnet of `zone`, else the first private subnet for EFA, else all.
   */
  private static subnets(scope: GpuNodePool, props: GpuNodePoolProps, zone: string | undefined): string[] | undefined {
    const network = props.cluster.network;
    if (props.subnetIds !== undefined) {
      if (zone !== undefined && props.availabilityZone !== undefined) {
        throw new ValidationError('subnetIds', 'cannot be combined with availabilityZone', props.subnetIds, 'pass one of them', scope);
      }
      if (scope.efa && !Token.isUnresolved(props.subnetIds) && props.subnetIds.length > 1) {
        throw new ValidationError('subnetIds', 'must list one subnet for an EFA pool (EFA and its cluster placement group work within one zone)',
          props.subnetIds, 'pass one subnet, or leave it unset for the first private subnet', scope);
      }
      return props.subnetIds;
    }
    if (zone !== undefined) {
      const zones = network.availabilityZones;
      const index = Token.isUnresolved(zones) ? -1 : zones.indexOf(zone);
      if (index < 0 || index >= network.privateSubnetIds.length) {
        const prop = props.capacityBlock ? 'capacityBlock.availabilityZone' : 'availabilityZone';
        throw new ValidationError(prop, `must be a zone of the cluster's private subnets (${Token.isUnresolved(zones) || zones.length === 0 ? 'the network does not list its zones' : zones.join(', ')})`,
          zone, "use one of those zones, or pass subnetIds with the subnet in the pool's zone", scope);
      }
      return [network.privateSubnetIds[index]];
    }
    return scope.efa ? [network.privateSubnetIds[0]] : undefined;
  }

  public readonly poolName: string;
  public readonly instanceTypes: GpuInstanceType[];
  public readonly nodeLabels: { [key: string]: string };
  public readonly taints: NodeTaint[];
  public readonly gpusPerNode: number;
  public readonly maxNodes?: number;
  /** The node group name in EKS (a token: `nodeGroupNamePrefix` and the suffix Terraform appends). */
  public readonly nodeGroupName: string;
  /** The node group name prefix, `<poolName>-`. */
  public readonly nodeGroupNamePrefix: string;
  /** The AMI type. */
  public readonly amiType: NodeAmiType;
  /** Minimum nodes. */
  public readonly minSize: number;
  /** Maximum nodes. */
  public readonly maxSize: number;
  /** Desired nodes (applied by Terraform unless `externallyScaled`). */
  public readonly desiredSize: number;
  /** Whether an autoscaler outside Terraform owns the desired size (Terraform then ignores later changes). */
  public readonly externallyScaled: boolean;
  /** Capacity type. */
  public readonly capacityType: CapacityType;
  /** Volume size in GiB. */
  public readonly volumeSizeGiB: number;
  /** Whether EFA interfaces are attached. */
  public readonly efa: boolean;
  /** EFA interfaces per node (0 without EFA). */
  public readonly efaInterfaces: number;
  /** Whether the secondary network cards get EFA-only interfaces. */
  public readonly efaOnly: boolean;
  /** The cluster placement group name, when EFA is on (and no Capacity Block places the nodes). */
  public readonly placementGroupName?: string;
  /** The EFA security group id (a token), when EFA is on. */
  public readonly efaSecurityGroupId?: string;
  /** The one zone the pool launches in, when it is limited to one by `availabilityZone` or `capacityBlock`. */
  public readonly availabilityZone?: string;
  /** The Capacity Block, when the pool launches into one. */
  public readonly capacityBlock?: CapacityBlockReservation;
  /** The KMS key ARN that encrypts the node volumes. */
  public readonly volumeKmsKeyArn: string;
  /** The node IAM role name. */
  public readonly nodeRoleName: string;
  /** The node IAM role ARN (a token). */
  public readonly nodeRoleArn: string;
  /** The launch template name (a token: `launchTemplateNamePrefix` and the suffix Terraform appends). */
  public readonly launchTemplateName: string;
  /** The launch template name prefix, `<cluster>-<poolName>-`. */
  public readonly launchTemplateNamePrefix: string;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    checkProps('aws.GpuNodePoolProps', props, 'props', this);
    this.poolName = Names.validateDns1123Label('poolName', props.poolName, this);
    const problems = new ProblemCollector(this);
    problems.capture(() => GpuPool.validateInstanceTypes('instanceTypes', props.instanceTypes));
    problems.throwIfAny();
    this.instanceTypes = [...props.instanceTypes];
    const archs = new Set(this.instanceTypes.map((t) => t.architecture));
    problems.check(archs.size === 1, 'instanceTypes', 'must not mix CPU architectures', this.instanceTypes.map((t) => t.name),
      'use one pool per architecture');
    this.efa = props.efa ?? false;
    const maxEfa = Math.min(...this.instanceTypes.map((t) => t.maxEfaInterfaces));
    if (this.efa) {
      const unsupported = this.instanceTypes.filter((t) => t.maxEfaInterfaces === 0).map((t) => t.name);
      const capable = GpuInstanceType.all().filter((t) => t.efaSupported && t.gpuModel === this.instanceTypes[0].gpuModel).map((t) => t.name);
      problems.check(unsupported.length === 0, 'efa', `is not supported by ${unsupported.join(', ')} (no EFA interfaces)`, unsupported,
        `drop efa or use EFA-capable types (${capable.join(', ') || 'a p4d/p5 or large g5/g6/g6e size'})`);
      if (unsupported.length === 0 && props.efaInterfaces !== undefined) {
        problems.check(Number.isInteger(props.efaInterfaces) && props.efaInterfaces >= 1 && props.efaInterfaces <= maxEfa, 'efaInterfaces',
          `must be a whole number from 1 to ${maxEfa} (the EFA interfaces of ${this.instanceTypes.filter((t) => t.maxEfaInterfaces === maxEfa)[0].name})`,
          props.efaInterfaces, 'leave it unset to use every EFA interface of the instance type');
      }
    } else if (props.efaInterfaces !== undefined) {
      problems.add('efaInterfaces', 'is set but efa is off', props.efaInterfaces, 'set efa: true or drop efaInterfaces');
    }
    const block = props.capacityBlock;
    if (block) {
      problems.check(props.capacityType === undefined || props.capacityType === CapacityType.CAPACITY_BLOCK, 'capacityType',
        'must be CapacityType.CAPACITY_BLOCK or unset with capacityBlock', props.capacityType, 'drop capacityType (capacityBlock sets it)');
      problems.check(props.capacityReservationId === undefined, 'capacityReservationId', 'cannot be combined with capacityBlock', props.capacityReservationId,
        'pass the reservation as capacityBlock.reservationId only');
      problems.check(props.availabilityZone === undefined || props.availabilityZone === block.availabilityZone, 'availabilityZone',
        `must be the Capacity Block's zone (${block.availabilityZone})`, props.availabilityZone, 'drop availabilityZone (capacityBlock sets it)');
      problems.check(Token.isUnresolved(block.reservationId) || /^cr-[0-9a-f]{17}$/.test(block.reservationId ?? ''), 'capacityBlock.reservationId',
        "must be a capacity reservation id ('cr-' and 17 hex digits)", block.reservationId, 'pass the capacity reservation id of the Capacity Block');
    }
    problems.throwIfAny();
    this.efaInterfaces = this.efa ? props.efaInterfaces ?? maxEfa : 0;
    this.efaOnly = this.efa && this.instanceTypes.every((t) => t.efaOnlySupported);
    this.capacityBlock = block;
    this.availabilityZone = block?.availabilityZone ?? props.availabilityZone;
    const subnetIds = GpuNodePool.subnets(this, props, this.availabilityZone);

    const architecture = this.instanceTypes[0].architecture;
    this.amiType = props.amiType ?? NodeAmiType.defaultFor(architecture, true, props.cluster.fips);
    this.taints = [...(props.taints ?? [GpuPool.GPU_TAINT])];
    this.nodeLabels = {
      ...(props.labels ?? {}),
      [NodePool.POOL_LABEL]: this.poolName,
      ...GpuPool.standardLabels(this.poolName, this.instanceTypes),
    };
    Names.validateLabels('labels', this.nodeLabels, this);
    this.gpusPerNode = Math.min(...this.instanceTypes.map((t) => t.gpuCount));

    const group = new ManagedNodeGroup(this, 'Resource', {
      ...props,
      poolName: this.poolName,
      instanceTypes: this.instanceTypes.map((t) => t.name),
      architecture,
      amiType: this.amiType,
      labels: this.nodeLabels,
      taints: this.taints,
      // 0: the first apply never waits for GPU stock or quota; minSize keeps a warm baseline.
      defaultMinSize: 0,
      defaultMaxSize: 4,
      defaultVolumeSizeGiB: GpuNodePool.defaultVolumeSizeGiB(this.instanceTypes),
      gpu: true,
      // The GPU taint keeps platform add-ons off: CoreDNS and the CSI drivers never wait for this group.
      hostsSystemAddons: false,
      efa: this.efa ? { interfaces: this.efaInterfaces, efaOnly: this.efaOnly } : undefined,
      placementGroup: this.efa && !block,
      capacityType: block ? CapacityType.CAPACITY_BLOCK : props.capacityType,
      capacityReservationId: block ? block.reservationId : props.capacityReservationId,
      subnetIds,
    });
    this.nodeGroupName = group.nodeGroupName;
    this.nodeGroupNamePrefix = group.nodeGroupNamePrefix;
    this.launchTemplateNamePrefix = group.launchTemplateNamePrefix;
    this.volumeKmsKeyArn = group.volumeKmsKeyArn;
    this.efaSecurityGroupId = group.efaSecurityGroupId;
    this.minSize = group.minSize;
    this.maxSize = group.maxSize;
    this.maxNodes = group.maxSize;
    this.desiredSize = group.desiredSize;
    this.externallyScaled = group.externallyScaled;
    this.capacityType = group.capacityType;
    this.volumeSizeGiB = group.volumeSizeGiB;
    this.placementGroupName = group.placementGroupName;
    this.nodeRoleName = group.nodeRoleName;
    this.nodeRoleArn = group.nodeRoleArn;
    this.launchTemplateName = group.launchTemplateName;
  }
}

