import { Construct } from 'constructs';
import { IEksCluster } from './eks-cluster';
import { ValidationError } from '../core/errors';
import { CpuArchitecture } from '../core/gpu-instance-type';
import { NodeTaint } from '../core/gpu-pool';
import { Names } from '../core/names';
import { ManagedNodeGroup } from './private/node-group';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * An EKS managed node group AMI type.
 */
export class NodeAmiType {
  /** Amazon Linux 2023, x86_64. */
  public static readonly AL2023_X86_64_STANDARD = new NodeAmiType('AL2023_x86_64_STANDARD', CpuArchitecture.X86_64, false, false);
  /** Amazon Linux 2023, arm64 (Graviton). */
  public static readonly AL2023_ARM_64_STANDARD = new NodeAmiType('AL2023_ARM_64_STANDARD', CpuArchitecture.ARM64, false, false);
  /** Amazon Linux 2023 with the NVIDIA driver and container toolkit, x86_64. */
  public static readonly AL2023_X86_64_NVIDIA = new NodeAmiType('AL2023_x86_64_NVIDIA', CpuArchitecture.X86_64, true, false);
  /** Amazon Linux 2023 with the NVIDIA driver and container toolkit, arm64. */
  public static readonly AL2023_ARM_64_NVIDIA = new NodeAmiType('AL2023_ARM_64_NVIDIA', CpuArchitecture.ARM64, true, false);
  /** Bottlerocket, x86_64. */
  public static readonly BOTTLEROCKET_X86_64 = new NodeAmiType('BOTTLEROCKET_x86_64', CpuArchitecture.X86_64, false, false);
  /** Bottlerocket, arm64. */
  public static readonly BOTTLEROCKET_ARM_64 = new NodeAmiType('BOTTLEROCKET_ARM_64', CpuArchitecture.ARM64, false, false);
  /** Bottlerocket FIPS, x86_64. */
  public static readonly BOTTLEROCKET_X86_64_FIPS = new NodeAmiType('BOTTLEROCKET_x86_64_FIPS', CpuArchitecture.X86_64, false, true);
  /** Bottlerocket FIPS, arm64. */
  public static readonly BOTTLEROCKET_ARM_64_FIPS = new NodeAmiType('BOTTLEROCKET_ARM_64_FIPS', CpuArchitecture.ARM64, false, true);
  /** Bottlerocket with the NVIDIA driver, x86_64. */
  public static readonly BOTTLEROCKET_X86_64_NVIDIA = new NodeAmiType('BOTTLEROCKET_x86_64_NVIDIA', CpuArchitecture.X86_64, true, false);
  /** Bottlerocket with the NVIDIA driver, arm64. */
  public static readonly BOTTLEROCKET_ARM_64_NVIDIA = new NodeAmiType('BOTTLEROCKET_ARM_64_NVIDIA', CpuArchitecture.ARM64, true, false);
  /** Bottlerocket FIPS with the NVIDIA driver, x86_64. */
  public static readonly BOTTLEROCKET_X86_64_NVIDIA_FIPS = new NodeAmiType('BOTTLEROCKET_x86_64_NVIDIA_FIPS', CpuArchitecture.X86_64, true, true);
  /** Bottlerocket FIPS with the NVIDIA driver, arm64. */
  public static readonly BOTTLEROCKET_ARM_64_NVIDIA_FIPS = new NodeAmiType('BOTTLEROCKET_ARM_64_NVIDIA_FIPS', CpuArchitecture.ARM64, true, true);

  /**
   * The default AMI type for an architecture: AL2023 (standard or NVIDIA), Bottlerocket FIPS when
   * FIPS is required (AL2023 has no FIPS AMI type for managed node groups).
   */
  public static defaultFor(architecture: CpuArchitecture, nvidia: boolean, fips: boolean): NodeAmiType {
    checkArgs('aws.NodeAmiType#defaultFor', [architecture, nvidia, fips]);
    const arm = architecture === CpuArchitecture.ARM64;
    if (fips) {
      if (nvidia) return arm ? NodeAmiType.BOTTLEROCKET_ARM_64_NVIDIA_FIPS : NodeAmiType.BOTTLEROCKET_X86_64_NVIDIA_FIPS;
      return arm ? NodeAmiType.BOTTLEROCKET_ARM_64_FIPS : NodeAmiType.BOTTLEROCKET_X86_64_FIPS;
    }
    if (nvidia) return arm ? NodeAmiType.AL2023_ARM_64_NVIDIA : NodeAmiType.AL2023_X86_64_NVIDIA;
    return arm ? NodeAmiType.AL2023_ARM_64_STANDARD : NodeAmiType.AL2023_X86_64_STANDARD;
  }

  /** The EKS `amiType` value. */
  public readonly value: string;
  /** The CPU architecture the AMI runs on. */
  public readonly architecture: CpuArchitecture;
  /** Whether the AMI ships the NVIDIA driver. */
  public readonly nvidia: boolean;
  /** Whether the AMI is FIPS 140-validated. */
  public readonly fips: boolean;

  private constructor(value: string, architecture: CpuArchitecture, nvidia: boolean, fips: boolean) {
    this.value = value;
    this.architecture = architecture;
    this.nvidia = nvidia;
    this.fips = fips;
  }

  /** Whether this is a Bottlerocket AMI (separate OS and data volumes). */
  public get bottlerocket(): boolean {
    return this.value.startsWith('BOTTLEROCKET');
  }
}

/**
 * How node group instances are bought.
 */
export enum CapacityType {
  /** On-Demand (optionally in an On-Demand Capacity Reservation). */
  ON_DEMAND = 'ON_DEMAND',
  /** Spot: cheaper, interruptible with two minutes notice. */
  SPOT = 'SPOT',
  /** An EC2 Capacity Block for ML (`capacityReservationId` required). */
  CAPACITY_BLOCK = 'CAPACITY_BLOCK',
}

/**
 * Options every node pool has.
 */
export interface NodePoolOptions {
  /** The cluster. */
  readonly cluster: IEksCluster;
  /**
   * AMI type.
   *
   * @default - AL2023 for the instance architecture (Bottlerocket FIPS on FIPS clusters)
   */
  readonly amiType?: NodeAmiType;
  /**
   * Minimum nodes.
   *
   * @default - 3 for NodePool (one per zone), 0 for GpuNodePool (set it for a warm GPU baseline)
   */
  readonly minSize?: number;
  /**
   * Maximum nodes (EKS allows up to 450 per managed node group).
   *
   * @default - 6 for NodePool, 4 for GpuNodePool
   */
  readonly maxSize?: number;
  /**
   * Desired nodes. Terraform applies it, at creation and after, unless `externallyScaled` says an
   * autoscaler owns it.
   *
   * @default - minSize
   */
  readonly desiredSize?: number;
  /**
   * Whether an autoscaler outside Terraform (the Kubernetes Cluster Autoscaler) changes the group's
   * desired size. Then Terraform sets `desired_size` at creation only and ignores it afterwards, as
   * terraform-aws-modules/eks does for every managed node group (so an apply never undoes a scale-out).
   * Without one nothing but Terraform sizes the group, so Terraform keeps owning `desired_size` and a
   * changed `desiredSize` is applied. (Karpenter never resizes node groups: it launches its own nodes.)
   *
   * @default false - this library installs no cluster autoscaler
   */
  readonly externallyScaled?: boolean;
  /**
   * Capacity type. `CAPACITY_BLOCK` needs `capacityReservationId`, exactly one instance type and
   * `minSize` 0 (GpuNodePool's `capacityBlock` sets all of it and the reservation's zone).
   *
   * @default CapacityType.ON_DEMAND
   */
  readonly capacityType?: CapacityType;
  /**
   * A Capacity Reservation (`cr-...`) the nodes launch into (On-Demand Capacity Reservation or
   * Capacity Block for ML).
   *
   * @default - none (open capacity)
   */
  readonly capacityReservationId?: string;
  /**
   * Root (AL2023) or data (Bottlerocket) gp3 volume size in GiB.
   *
   * @default - 100 for NodePool; sized for images and weights for GpuNodePool
   */
  readonly volumeSizeGiB?: number;
  /**
   * The KMS key (ARN) that encrypts the node volumes.
   *
   * @default - the cluster's `NodeVolumeKey` (a customer managed key, created with the first pool)
   */
  readonly volumeKmsKeyArn?: string;
  /**
   * Nodes replaced at once during updates.
   *
   * @default 1
   */
  readonly maxUnavailable?: number;
  /**
   * EKS node auto repair (replace nodes that report unhealthy, e.g. GPU Xid errors).
   *
   * @default true
   */
  readonly nodeRepair?: boolean;
  /**
   * Subnets.
   *
   * @default - the cluster network's private subnets
   */
  readonly subnetIds?: string[];
  /**
   * Extra node labels.
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Tags for every resource.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * Props for `NodePool`.
 */
export interface NodePoolProps extends NodePoolOptions {
  /**
   * The pool name (node group name, `llm-platform.io/node-pool` label value).
   *
   * @default 'system'
   */
  readonly poolName?: string;
  /**
   * Instance types (one architecture).
   *
   * @default ['m7i.xlarge']
   */
  readonly instanceTypes?: string[];
  /**
   * Node taints.
   *
   * @default - none (platform add-ons schedule here without tolerations)
   */
  readonly taints?: NodeTaint[];
  /**
   * Whether the post-compute managed add-ons (CoreDNS, the CSI drivers, the node monitoring agent) wait
   * for this pool. Turn it off for a pool their pods cannot run on (e.g. tainted for one workload), so a
   * failure to launch it never holds them back.
   *
   * @default true
   */
  readonly hostsPlatformAddons?: boolean;
}

/**
 * A managed node group for platform add-ons (CoreDNS, Karpenter, Istio, Argo CD, collectors):
 * a launch template with IMDSv2 required (hop limit 1, so pods cannot reach node credentials),
 * gp3 volumes encrypted with the cluster's customer managed `NodeVolumeKey`, update config and node
 * repair. The post-compute managed add-ons (CoreDNS, CSI drivers) wait for this pool (and no GPU pool).
 *
 * The EKS node group is named `<poolName>-<suffix>` (`node_group_name_prefix`) and, with its launch
 * template, replaced create-before-destroy: changes EKS cannot make in place build the new group first.
 */
export class NodePool extends Construct {
  /** The node label every pool's nodes carry with the pool name. */
  public static readonly POOL_LABEL = 'llm-platform.io/node-pool';

  /** The pool name. */
  public readonly poolName: string;
  /** The node group name in EKS (a token: `nodeGroupNamePrefix` and the suffix Terraform appends). */
  public readonly nodeGroupName: string;
  /** The node group name prefix, `<poolName>-`. */
  public readonly nodeGroupNamePrefix: string;
  /** Instance types. */
  public readonly instanceTypes: string[];
  /** Labels on every node. */
  public readonly nodeLabels: { [key: string]: string };
  /** Taints on every node. */
  public readonly taints: NodeTaint[];
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
  /** The node IAM role name. */
  public readonly nodeRoleName: string;
  /** The node IAM role ARN (a token). */
  public readonly nodeRoleArn: string;
  /** The launch template name (a token: `launchTemplateNamePrefix` and the suffix Terraform appends). */
  public readonly launchTemplateName: string;
  /** The launch template name prefix, `<cluster>-<poolName>-`. */
  public readonly launchTemplateNamePrefix: string;
  /** The KMS key ARN that encrypts the node volumes. */
  public readonly volumeKmsKeyArn: string;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    checkProps('aws.NodePoolProps', props, 'props', this);
    this.poolName = Names.validateDns1123Label('poolName', props.poolName ?? 'system', this);
    this.instanceTypes = [...(props.instanceTypes ?? ['m7i.xlarge'])];
    if (this.instanceTypes.length === 0) {
      throw new ValidationError('instanceTypes', 'must list at least one instance type', this.instanceTypes, "add e.g. 'm7i.xlarge'", this);
    }
    const archs = new Set(this.instanceTypes.map((t) => ManagedNodeGroup.architectureOf('instanceTypes', t, this)));
    if (archs.size > 1) {
      throw new ValidationError('instanceTypes', 'must not mix x86_64 and arm64 instance types', this.instanceTypes,
        'use one node pool per architecture', this);
    }
    const architecture = [...archs][0];
    this.amiType = props.amiType ?? NodeAmiType.defaultFor(architecture, false, props.cluster.fips);
    this.taints = [...(props.taints ?? [])];
    this.nodeLabels = { ...(props.labels ?? {}), [NodePool.POOL_LABEL]: this.poolName };
    Names.validateLabels('labels', this.nodeLabels, this);

    const group = new ManagedNodeGroup(this, 'Resource', {
      ...props,
      poolName: this.poolName,
      instanceTypes: this.instanceTypes,
      architecture,
      amiType: this.amiType,
      labels: this.nodeLabels,
      taints: this.taints,
      defaultMinSize: 3,
      defaultMaxSize: 6,
      defaultVolumeSizeGiB: 100,
      gpu: false,
      hostsSystemAddons: props.hostsPlatformAddons ?? true,
    });
    this.nodeGroupName = group.nodeGroupName;
    this.nodeGroupNamePrefix = group.nodeGroupNamePrefix;
    this.launchTemplateNamePrefix = group.launchTemplateNamePrefix;
    this.volumeKmsKeyArn = group.volumeKmsKeyArn;
    this.minSize = group.minSize;
    this.maxSize = group.maxSize;
    this.desiredSize = group.desiredSize;
    this.externallyScaled = group.externallyScaled;
    this.capacityType = group.capacityType;
    this.volumeSizeGiB = group.volumeSizeGiB;
    this.nodeRoleName = group.nodeRoleName;
    this.nodeRoleArn = group.nodeRoleArn;
    this.launchTemplateName = group.launchTemplateName;
  }
}
