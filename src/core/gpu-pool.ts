import { ValidationError } from './errors';
import { GpuInstanceType } from './gpu-instance-type';
import { PlatformLabels } from './labels';
import { Names } from './names';
import { checkArgs, checkProps } from './private/runtime-types';

/**
 * Kubernetes taint effects.
 */
export enum TaintEffect {
  /** New pods that do not tolerate the taint are not scheduled. */
  NO_SCHEDULE = 'NoSchedule',
  /** The scheduler tries to avoid the node. */
  PREFER_NO_SCHEDULE = 'PreferNoSchedule',
  /** Running pods that do not tolerate the taint are evicted. */
  NO_EXECUTE = 'NoExecute',
}

/**
 * A node taint.
 */
export interface NodeTaint {
  /** Taint key, e.g. `nvidia.com/gpu`. */
  readonly key: string;
  /**
   * Taint value.
   *
   * @default - none
   */
  readonly value?: string;
  /** Taint effect. */
  readonly effect: TaintEffect;
}

/**
 * A pool of GPU nodes as the Kubernetes layer sees it: which instance types, which labels and taints.
 *
 * The AWS layer's GPU node pools and the Kubernetes layer's Karpenter GPU classes implement this, so a
 * model server schedules onto exactly the labels and taints the pool has.
 */
export interface IGpuPool {
  /** The pool name (DNS-1123 label), also the value of the `llm-platform.io/gpu-pool` node label. */
  readonly poolName: string;
  /** The instance types the pool may launch (one GPU model). */
  readonly instanceTypes: GpuInstanceType[];
  /** Labels every node of the pool carries. */
  readonly nodeLabels: { [key: string]: string };
  /** Taints every node of the pool carries. */
  readonly taints: NodeTaint[];
  /** GPUs on the smallest node of the pool (what one pod can count on). */
  readonly gpusPerNode: number;
  /**
   * The most nodes the pool scales to.
   *
   * @default - unknown
   */
  readonly maxNodes?: number;
}

/**
 * Attributes of a GPU pool described by hand (`GpuPool.fromAttributes`).
 */
export interface GpuPoolAttributes {
  /** The pool name (DNS-1123 label). */
  readonly poolName: string;
  /** The instance types (one GPU model). */
  readonly instanceTypes: GpuInstanceType[];
  /**
   * Extra node labels, on top of the standard ones (`GpuPool.standardLabels`).
   *
   * @default - the standard labels only
   */
  readonly extraLabels?: { [key: string]: string };
  /**
   * Node taints.
   *
   * @default - [GpuPool.GPU_TAINT]
   */
  readonly taints?: NodeTaint[];
  /**
   * The most nodes the pool scales to.
   *
   * @default - unknown
   */
  readonly maxNodes?: number;
}

/**
 * Helpers for GPU pools: the standard GPU taint and labels, and pools described by attributes.
 */
export class GpuPool {
  /**
   * The taint GPU nodes carry by default (`nvidia.com/gpu=true:NoSchedule`), so only pods that ask for
   * GPUs land there.
   */
  public static readonly GPU_TAINT: NodeTaint = { key: PlatformLabels.NVIDIA_GPU_RESOURCE, value: 'true', effect: TaintEffect.NO_SCHEDULE };

  /**
   * A pool described by its attributes (for pools created outside this library).
   */
  public static fromAttributes(attrs: GpuPoolAttributes): IGpuPool {
    checkProps('GpuPoolAttributes', attrs, 'attrs');
    GpuPool.validateInstanceTypes('instanceTypes', attrs.instanceTypes);
    Names.validateDns1123Label('poolName', attrs.poolName);
    // node labels: Kubernetes label key and value syntax (issue 17)
    if (attrs.extraLabels !== undefined) Names.validateLabels('extraLabels', attrs.extraLabels);
    if (attrs.maxNodes !== undefined && (!Number.isInteger(attrs.maxNodes) || attrs.maxNodes < 1)) {
      throw new ValidationError('maxNodes', 'must be a positive whole number', attrs.maxNodes, 'set the most nodes the pool scales to');
    }
    return {
      poolName: attrs.poolName,
      instanceTypes: [...attrs.instanceTypes],
      nodeLabels: { ...GpuPool.standardLabels(attrs.poolName, attrs.instanceTypes), ...(attrs.extraLabels ?? {}) },
      taints: [...(attrs.taints ?? [GpuPool.GPU_TAINT])],
      gpusPerNode: Math.min(...attrs.instanceTypes.map((t) => t.gpuCount)),
      maxNodes: attrs.maxNodes,
    };
  }

  /**
   * The labels every GPU node of a pool gets: pool name, accelerator model and GPU count.
   */
  public static standardLabels(poolName: string, instanceTypes: GpuInstanceType[]): { [key: string]: string } {
    checkArgs('GpuPool#standardLabels', [poolName, instanceTypes]);
    GpuPool.validateInstanceTypes('instanceTypes', instanceTypes);
    return {
      [PlatformLabels.GPU_POOL]: poolName,
      [PlatformLabels.ACCELERATOR]: instanceTypes[0].gpuModel.instanceGpuName,
      [PlatformLabels.GPU_COUNT]: String(Math.min(...instanceTypes.map((t) => t.gpuCount))),
    };
  }

  /**
   * Throw a ValidationError unless `instanceTypes` is non-empty and of one GPU model (same name and memory).
   */
  public static validateInstanceTypes(prop: string, instanceTypes: GpuInstanceType[]): void {
    if (!Array.isArray(instanceTypes) || instanceTypes.length === 0) {
      throw new ValidationError(prop, 'must list at least one GPU instance type', instanceTypes, 'add e.g. GpuInstanceType.G6E_2XLARGE');
    }
    const models = new Set(instanceTypes.map((t) => `${t.gpuModel.name} ${t.gpuModel.memoryGiB}GiB`));
    if (models.size > 1) {
      throw new ValidationError(prop, 'must not mix GPU models in one pool', instanceTypes.map((t) => t.name),
        `use one pool per GPU model (found ${[...models].sort().join(', ')})`);
    }
  }

  private constructor() {}
}
