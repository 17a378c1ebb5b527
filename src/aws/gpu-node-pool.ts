import { Construct } from 'constructs';
import { CapacityType, NodeAmiType, NodePool, NodePoolOptions } from './node-pool';
import { ProblemCollector } from '../core/errors';
import { GpuInstanceType } from '../core/gpu-instance-type';
import { GpuPool, IGpuPool, NodeTaint } from '../core/gpu-pool';
import { Names } from '../core/names';
import { ManagedNodeGroup } from './private/node-group';

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
   * Attach Elastic Fabric Adapter interfaces and launch into a cluster placement group in one zone
   * (multi-node inference and training). Only for EFA-capable instance types.
   *
   * @default false
   */
  readonly efa?: boolean;
  /**
   * EFA interfaces per node (one per network card; p5.48xlarge has 32).
   *
   * @default 1
   */
  readonly efaInterfaces?: number;
}

/**
 * A GPU managed node group built from accelerator facts: NVIDIA AMI type for the instance
 * architecture, the GPU taint, standard labels (pool, accelerator, GPU count) the Kubernetes layer
 * schedules onto, IMDSv2 with hop limit 1, encrypted gp3 volumes sized for images and weights,
 * optional Spot / Capacity Reservation / Capacity Block, optional EFA with a cluster placement group.
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
    const gpuMemory = Math.max(...instanceTypes.map((t) => t.totalGpuMemoryGiB));
    return Math.max(200, Math.ceil((50 + 2 * gpuMemory) / 50) * 50);
  }

  public readonly poolName: string;
  public readonly instanceTypes: GpuInstanceType[];
  public readonly nodeLabels: { [key: string]: string };
  public readonly taints: NodeTaint[];
  public readonly gpusPerNode: number;
  public readonly maxNodes?: number;
  /** The node group name in EKS. */
  public readonly nodeGroupName: string;
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
  /** The cluster placement group name, when EFA is on. */
  public readonly placementGroupName?: string;
  /** The node IAM role name. */
  public readonly nodeRoleName: string;
  /** The node IAM role ARN (a token). */
  public readonly nodeRoleArn: string;
  /** The launch template name. */
  public readonly launchTemplateName: string;

  constructor(scope: Construct, id: string, props: GpuNodePoolProps) {
    super(scope, id);
    this.poolName = Names.validateDns1123Label('poolName', props.poolName, this);
    const problems = new ProblemCollector(this);
    problems.capture(() => GpuPool.validateInstanceTypes('instanceTypes', props.instanceTypes));
    problems.throwIfAny();
    this.instanceTypes = [...props.instanceTypes];
    const archs = new Set(this.instanceTypes.map((t) => t.architecture));
    problems.check(archs.size === 1, 'instanceTypes', 'must not mix CPU architectures', this.instanceTypes.map((t) => t.name),
      'use one pool per architecture');
    this.efa = props.efa ?? false;
    const efaInterfaces = props.efaInterfaces ?? 1;
    if (this.efa) {
      const unsupported = this.instanceTypes.filter((t) => !t.efaSupported).map((t) => t.name);
      problems.check(unsupported.length === 0, 'efa', `is not supported by ${unsupported.join(', ')}`, unsupported,
        `drop efa or use EFA-capable types (${GpuInstanceType.all().filter((t) => t.efaSupported && t.gpuModel === this.instanceTypes[0].gpuModel).map((t) => t.name).join(', ') || 'a p4d/p5 or large g5/g6/g6e size'})`);
      problems.check(Number.isInteger(efaInterfaces) && efaInterfaces >= 1 && efaInterfaces <= 32, 'efaInterfaces',
        'must be a whole number from 1 to 32', efaInterfaces, 'use the number of network cards of the instance type');
    } else if (props.efaInterfaces !== undefined) {
      problems.add('efaInterfaces', 'is set but efa is off', props.efaInterfaces, 'set efa: true or drop efaInterfaces');
    }
    problems.throwIfAny();

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

    const cluster = props.cluster;
    const group = new ManagedNodeGroup(this, 'Resource', {
      ...props,
      poolName: this.poolName,
      instanceTypes: this.instanceTypes.map((t) => t.name),
      architecture,
      amiType: this.amiType,
      labels: this.nodeLabels,
      taints: this.taints,
      defaultMinSize: 1,
      defaultMaxSize: 4,
      defaultVolumeSizeGiB: GpuNodePool.defaultVolumeSizeGiB(this.instanceTypes),
      gpu: true,
      efaInterfaces: this.efa ? efaInterfaces : undefined,
      placementGroup: this.efa,
      // A cluster placement group lives in one zone: EFA pools default to the first private subnet.
      subnetIds: props.subnetIds ?? (this.efa ? [cluster.network.privateSubnetIds[0]] : undefined),
    });
    this.nodeGroupName = group.nodeGroupName;
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

