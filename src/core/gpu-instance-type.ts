import { ValidationError } from './errors';
import { checkArgs, checkProps } from './private/runtime-types';

/**
 * CPU architecture of an instance type (drives the AMI type).
 */
export enum CpuArchitecture {
  /** 64-bit x86 (Intel/AMD). */
  X86_64 = 'x86_64',
  /** 64-bit ARM (AWS Graviton). */
  ARM64 = 'arm64',
}

/**
 * Facts about an NVIDIA GPU model as EC2 exposes it.
 */
export interface GpuModelProps {
  /**
   * Marketing name, e.g. `A10G`.
   */
  readonly name: string;

  /**
   * Memory per GPU in GiB.
   */
  readonly memoryGiB: number;

  /**
   * The lowercase name EC2/Karpenter use in the `karpenter.k8s.aws/instance-gpu-name` label, e.g. `a10g`.
   */
  readonly instanceGpuName: string;
}

/**
 * An NVIDIA GPU model (enum-like; `GpuModel.of()` for models this release does not list).
 */
export class GpuModel {
  /** NVIDIA A10G, 24 GiB (g5). */
  public static readonly A10G = new GpuModel({ name: 'A10G', memoryGiB: 24, instanceGpuName: 'a10g' });
  /** NVIDIA L4, 24 GiB (g6). */
  public static readonly L4 = new GpuModel({ name: 'L4', memoryGiB: 24, instanceGpuName: 'l4' });
  /** NVIDIA L40S, 48 GiB (g6e). */
  public static readonly L40S = new GpuModel({ name: 'L40S', memoryGiB: 48, instanceGpuName: 'l40s' });
  /** NVIDIA T4G, 16 GiB (g5g, Graviton). */
  public static readonly T4G = new GpuModel({ name: 'T4G', memoryGiB: 16, instanceGpuName: 't4g' });
  /** NVIDIA A100 40 GiB (p4d). */
  public static readonly A100_40GB = new GpuModel({ name: 'A100', memoryGiB: 40, instanceGpuName: 'a100' });
  /** NVIDIA A100 80 GiB (p4de). */
  public static readonly A100_80GB = new GpuModel({ name: 'A100', memoryGiB: 80, instanceGpuName: 'a100' });
  /** NVIDIA H100 80 GiB (p5). */
  public static readonly H100 = new GpuModel({ name: 'H100', memoryGiB: 80, instanceGpuName: 'h100' });
  /** NVIDIA H200 141 GiB (p5e, p5en). */
  public static readonly H200 = new GpuModel({ name: 'H200', memoryGiB: 141, instanceGpuName: 'h200' });

  /**
   * A GPU model this release does not list.
   */
  public static of(props: GpuModelProps): GpuModel {
    checkProps('GpuModelProps', props, 'props');
    if (!props.name || typeof props.name !== 'string') {
      throw new ValidationError('name', 'must be a non-empty GPU model name', props.name, "pass the model name, e.g. 'L40S'");
    }
    if (!(props.memoryGiB > 0)) {
      throw new ValidationError('memoryGiB', 'must be a positive number of GiB', props.memoryGiB, 'pass the memory of one GPU in GiB');
    }
    if (!/^[a-z0-9-]+$/.test(props.instanceGpuName ?? '')) {
      throw new ValidationError('instanceGpuName', 'must be the lowercase EC2 GPU name', props.instanceGpuName,
        "pass the value of the 'karpenter.k8s.aws/instance-gpu-name' label, e.g. 'l40s'");
    }
    return new GpuModel(props);
  }

  /** Marketing name, e.g. `A10G`. */
  public readonly name: string;
  /** Memory per GPU in GiB. */
  public readonly memoryGiB: number;
  /** Lowercase EC2 GPU name (`karpenter.k8s.aws/instance-gpu-name`). */
  public readonly instanceGpuName: string;

  private constructor(props: GpuModelProps) {
    this.name = props.name;
    this.memoryGiB = props.memoryGiB;
    this.instanceGpuName = props.instanceGpuName;
  }
}

/**
 * Accelerator facts for a GPU instance type this release does not list (`GpuInstanceType.custom`).
 */
export interface GpuInstanceFacts {
  /**
   * The GPU model.
   */
  readonly gpuModel: GpuModel;

  /**
   * GPUs per instance.
   */
  readonly gpuCount: number;

  /**
   * vCPUs per instance.
   */
  readonly vcpu: number;

  /**
   * Memory per instance in GiB.
   */
  readonly memoryGiB: number;

  /**
   * Whether the instance type supports Elastic Fabric Adapter interfaces.
   *
   * Kept for compatibility; prefer `maxEfaInterfaces`. `true` alone means one EFA interface.
   *
   * @default - `maxEfaInterfaces > 0`
   */
  readonly efaSupported?: boolean;

  /**
   * The maximum number of EFA interfaces (`NetworkInfo.EfaInfo.MaximumEfaInterfaces` of
   * `aws ec2 describe-instance-types`); 0 when the type has no EFA. At most one per network card.
   *
   * @default - 1 when `efaSupported` is true, else 0
   */
  readonly maxEfaInterfaces?: number;

  /**
   * The number of network cards (`NetworkInfo.NetworkCards` of `aws ec2 describe-instance-types`).
   *
   * @default - `maxEfaInterfaces`, at least 1
   */
  readonly networkCards?: number;

  /**
   * Whether the type accepts EFA-only network interfaces (`interfaceType: efa-only`) on its secondary
   * network cards.
   *
   * @default - `maxEfaInterfaces > 0` (AWS: EFA-only is available on all EFA-supported instances)
   */
  readonly efaOnlySupported?: boolean;

  /**
   * CPU architecture.
   *
   * @default CpuArchitecture.X86_64
   */
  readonly architecture?: CpuArchitecture;
}

interface KnownFacts {
  readonly model: GpuModel;
  readonly gpuCount: number;
  readonly vcpu: number;
  readonly memoryGiB: number;
  readonly maxEfaInterfaces: number;
  readonly networkCards: number;
  readonly efaOnlySupported?: boolean;
}

/**
 * Instance type facts (GPU count, GPU model and memory, vCPU, memory, maximum EFA interfaces, network
 * cards) as `aws ec2 describe-instance-types` reports them. The test compares every entry with
 * schemas/upstream/ec2/gpu-instance-types-karpenter-1.14.1.json, extracted from aws/karpenter-provider-aws
 * v1.14.1 (website/content/en/docs/reference/instance-types.md for `vpc.amazonaws.com/efa` =
 * MaximumEfaInterfaces, pkg/providers/instancetype/zz_generated.vpclimits.go for the network cards).
 * EFA-only interfaces are available on every EFA-supported type (EC2 announcement of 2024-10-28, see
 * schemas/upstream/ec2/SOURCES.md).
 */
const KNOWN: { [name: string]: KnownFacts } = {
  'g5.xlarge': { model: GpuModel.A10G, gpuCount: 1, vcpu: 4, memoryGiB: 16, maxEfaInterfaces: 0, networkCards: 1 },
  'g5.2xlarge': { model: GpuModel.A10G, gpuCount: 1, vcpu: 8, memoryGiB: 32, maxEfaInterfaces: 0, networkCards: 1 },
  'g5.4xlarge': { model: GpuModel.A10G, gpuCount: 1, vcpu: 16, memoryGiB: 64, maxEfaInterfaces: 0, networkCards: 1 },
  'g5.8xlarge': { model: GpuModel.A10G, gpuCount: 1, vcpu: 32, memoryGiB: 128, maxEfaInterfaces: 1, networkCards: 1 },
  'g5.12xlarge': { model: GpuModel.A10G, gpuCount: 4, vcpu: 48, memoryGiB: 192, maxEfaInterfaces: 1, networkCards: 1 },
  'g5.16xlarge': { model: GpuModel.A10G, gpuCount: 1, vcpu: 64, memoryGiB: 256, maxEfaInterfaces: 1, networkCards: 1 },
  'g5.24xlarge': { model: GpuModel.A10G, gpuCount: 4, vcpu: 96, memoryGiB: 384, maxEfaInterfaces: 1, networkCards: 1 },
  'g5.48xlarge': { model: GpuModel.A10G, gpuCount: 8, vcpu: 192, memoryGiB: 768, maxEfaInterfaces: 1, networkCards: 1 },
  'g6.xlarge': { model: GpuModel.L4, gpuCount: 1, vcpu: 4, memoryGiB: 16, maxEfaInterfaces: 0, networkCards: 1 },
  'g6.2xlarge': { model: GpuModel.L4, gpuCount: 1, vcpu: 8, memoryGiB: 32, maxEfaInterfaces: 0, networkCards: 1 },
  'g6.4xlarge': { model: GpuModel.L4, gpuCount: 1, vcpu: 16, memoryGiB: 64, maxEfaInterfaces: 0, networkCards: 1 },
  'g6.8xlarge': { model: GpuModel.L4, gpuCount: 1, vcpu: 32, memoryGiB: 128, maxEfaInterfaces: 1, networkCards: 1 },
  'g6.12xlarge': { model: GpuModel.L4, gpuCount: 4, vcpu: 48, memoryGiB: 192, maxEfaInterfaces: 1, networkCards: 1 },
  'g6.16xlarge': { model: GpuModel.L4, gpuCount: 1, vcpu: 64, memoryGiB: 256, maxEfaInterfaces: 1, networkCards: 1 },
  'g6.24xlarge': { model: GpuModel.L4, gpuCount: 4, vcpu: 96, memoryGiB: 384, maxEfaInterfaces: 1, networkCards: 1 },
  'g6.48xlarge': { model: GpuModel.L4, gpuCount: 8, vcpu: 192, memoryGiB: 768, maxEfaInterfaces: 1, networkCards: 1 },
  'g6e.xlarge': { model: GpuModel.L40S, gpuCount: 1, vcpu: 4, memoryGiB: 32, maxEfaInterfaces: 0, networkCards: 1 },
  'g6e.2xlarge': { model: GpuModel.L40S, gpuCount: 1, vcpu: 8, memoryGiB: 64, maxEfaInterfaces: 0, networkCards: 1 },
  'g6e.4xlarge': { model: GpuModel.L40S, gpuCount: 1, vcpu: 16, memoryGiB: 128, maxEfaInterfaces: 0, networkCards: 1 },
  'g6e.8xlarge': { model: GpuModel.L40S, gpuCount: 1, vcpu: 32, memoryGiB: 256, maxEfaInterfaces: 1, networkCards: 1 },
  'g6e.12xlarge': { model: GpuModel.L40S, gpuCount: 4, vcpu: 48, memoryGiB: 384, maxEfaInterfaces: 1, networkCards: 1 },
  'g6e.16xlarge': { model: GpuModel.L40S, gpuCount: 1, vcpu: 64, memoryGiB: 512, maxEfaInterfaces: 1, networkCards: 1 },
  'g6e.24xlarge': { model: GpuModel.L40S, gpuCount: 4, vcpu: 96, memoryGiB: 768, maxEfaInterfaces: 2, networkCards: 2 },
  'g6e.48xlarge': { model: GpuModel.L40S, gpuCount: 8, vcpu: 192, memoryGiB: 1536, maxEfaInterfaces: 4, networkCards: 4 },
  'g5g.xlarge': { model: GpuModel.T4G, gpuCount: 1, vcpu: 4, memoryGiB: 8, maxEfaInterfaces: 0, networkCards: 1 },
  'g5g.2xlarge': { model: GpuModel.T4G, gpuCount: 1, vcpu: 8, memoryGiB: 16, maxEfaInterfaces: 0, networkCards: 1 },
  'g5g.4xlarge': { model: GpuModel.T4G, gpuCount: 1, vcpu: 16, memoryGiB: 32, maxEfaInterfaces: 0, networkCards: 1 },
  'g5g.8xlarge': { model: GpuModel.T4G, gpuCount: 1, vcpu: 32, memoryGiB: 64, maxEfaInterfaces: 0, networkCards: 1 },
  'g5g.16xlarge': { model: GpuModel.T4G, gpuCount: 2, vcpu: 64, memoryGiB: 128, maxEfaInterfaces: 0, networkCards: 1 },
  'p4d.24xlarge': { model: GpuModel.A100_40GB, gpuCount: 8, vcpu: 96, memoryGiB: 1152, maxEfaInterfaces: 4, networkCards: 4 },
  'p4de.24xlarge': { model: GpuModel.A100_80GB, gpuCount: 8, vcpu: 96, memoryGiB: 1152, maxEfaInterfaces: 4, networkCards: 4 },
  'p5.48xlarge': { model: GpuModel.H100, gpuCount: 8, vcpu: 192, memoryGiB: 2048, maxEfaInterfaces: 32, networkCards: 32 },
  'p5e.48xlarge': { model: GpuModel.H200, gpuCount: 8, vcpu: 192, memoryGiB: 2048, maxEfaInterfaces: 32, networkCards: 32 },
  'p5en.48xlarge': { model: GpuModel.H200, gpuCount: 8, vcpu: 192, memoryGiB: 2048, maxEfaInterfaces: 16, networkCards: 16 },
};

/** Families whose every size carries NVIDIA GPUs (used to tell "unknown size" from "not a GPU type"). */
const GPU_FAMILIES = new Set(Object.keys(KNOWN).map((n) => n.split('.')[0]));
const ARM_FAMILIES = new Set(['g5g']);
const INSTANCE_TYPE = /^([a-z][a-z0-9-]*)\.([a-z0-9]+)$/;
/** One instance per known type, so constants and `of()` agree by identity. */
const INSTANCES = new Map<string, GpuInstanceType>();

/**
 * An EC2 GPU instance type with its accelerator facts: GPU model, count and memory, vCPU, memory, EFA.
 *
 * The facts drive node labels, taints, Karpenter requirements and validation (a model that needs
 * 4 GPUs per replica cannot target a pool of 1-GPU instances).
 *
 * ```ts
 * GpuInstanceType.G6E_12XLARGE.gpuCount          // 4
 * GpuInstanceType.of('p5.48xlarge').efaSupported // true
 * GpuInstanceType.P5_48XLARGE.maxEfaInterfaces   // 32 (one per network card)
 * ```
 */
export class GpuInstanceType {
  /** g5.xlarge: 1 x NVIDIA A10G, 4 vCPU, 16 GiB. */
  public static readonly G5_XLARGE = GpuInstanceType.known('g5.xlarge');
  /** g5.2xlarge: 1 x NVIDIA A10G, 8 vCPU, 32 GiB. */
  public static readonly G5_2XLARGE = GpuInstanceType.known('g5.2xlarge');
  /** g5.4xlarge: 1 x NVIDIA A10G, 16 vCPU, 64 GiB. */
  public static readonly G5_4XLARGE = GpuInstanceType.known('g5.4xlarge');
  /** g5.8xlarge: 1 x NVIDIA A10G, 32 vCPU, 128 GiB, 1 EFA interface (1 network card). */
  public static readonly G5_8XLARGE = GpuInstanceType.known('g5.8xlarge');
  /** g5.12xlarge: 4 x NVIDIA A10G, 48 vCPU, 192 GiB, 1 EFA interface (1 network card). */
  public static readonly G5_12XLARGE = GpuInstanceType.known('g5.12xlarge');
  /** g5.16xlarge: 1 x NVIDIA A10G, 64 vCPU, 256 GiB, 1 EFA interface (1 network card). */
  public static readonly G5_16XLARGE = GpuInstanceType.known('g5.16xlarge');
  /** g5.24xlarge: 4 x NVIDIA A10G, 96 vCPU, 384 GiB, 1 EFA interface (1 network card). */
  public static readonly G5_24XLARGE = GpuInstanceType.known('g5.24xlarge');
  /** g5.48xlarge: 8 x NVIDIA A10G, 192 vCPU, 768 GiB, 1 EFA interface (1 network card). */
  public static readonly G5_48XLARGE = GpuInstanceType.known('g5.48xlarge');
  /** g6.xlarge: 1 x NVIDIA L4, 4 vCPU, 16 GiB. */
  public static readonly G6_XLARGE = GpuInstanceType.known('g6.xlarge');
  /** g6.2xlarge: 1 x NVIDIA L4, 8 vCPU, 32 GiB. */
  public static readonly G6_2XLARGE = GpuInstanceType.known('g6.2xlarge');
  /** g6.4xlarge: 1 x NVIDIA L4, 16 vCPU, 64 GiB. */
  public static readonly G6_4XLARGE = GpuInstanceType.known('g6.4xlarge');
  /** g6.8xlarge: 1 x NVIDIA L4, 32 vCPU, 128 GiB, 1 EFA interface (1 network card). */
  public static readonly G6_8XLARGE = GpuInstanceType.known('g6.8xlarge');
  /** g6.12xlarge: 4 x NVIDIA L4, 48 vCPU, 192 GiB, 1 EFA interface (1 network card). */
  public static readonly G6_12XLARGE = GpuInstanceType.known('g6.12xlarge');
  /** g6.16xlarge: 1 x NVIDIA L4, 64 vCPU, 256 GiB, 1 EFA interface (1 network card). */
  public static readonly G6_16XLARGE = GpuInstanceType.known('g6.16xlarge');
  /** g6.24xlarge: 4 x NVIDIA L4, 96 vCPU, 384 GiB, 1 EFA interface (1 network card). */
  public static readonly G6_24XLARGE = GpuInstanceType.known('g6.24xlarge');
  /** g6.48xlarge: 8 x NVIDIA L4, 192 vCPU, 768 GiB, 1 EFA interface (1 network card). */
  public static readonly G6_48XLARGE = GpuInstanceType.known('g6.48xlarge');
  /** g6e.xlarge: 1 x NVIDIA L40S, 4 vCPU, 32 GiB. */
  public static readonly G6E_XLARGE = GpuInstanceType.known('g6e.xlarge');
  /** g6e.2xlarge: 1 x NVIDIA L40S, 8 vCPU, 64 GiB. */
  public static readonly G6E_2XLARGE = GpuInstanceType.known('g6e.2xlarge');
  /** g6e.4xlarge: 1 x NVIDIA L40S, 16 vCPU, 128 GiB. */
  public static readonly G6E_4XLARGE = GpuInstanceType.known('g6e.4xlarge');
  /** g6e.8xlarge: 1 x NVIDIA L40S, 32 vCPU, 256 GiB, 1 EFA interface (1 network card). */
  public static readonly G6E_8XLARGE = GpuInstanceType.known('g6e.8xlarge');
  /** g6e.12xlarge: 4 x NVIDIA L40S, 48 vCPU, 384 GiB, 1 EFA interface (1 network card). */
  public static readonly G6E_12XLARGE = GpuInstanceType.known('g6e.12xlarge');
  /** g6e.16xlarge: 1 x NVIDIA L40S, 64 vCPU, 512 GiB, 1 EFA interface (1 network card). */
  public static readonly G6E_16XLARGE = GpuInstanceType.known('g6e.16xlarge');
  /** g6e.24xlarge: 4 x NVIDIA L40S, 96 vCPU, 768 GiB, 2 EFA interfaces (2 network cards). */
  public static readonly G6E_24XLARGE = GpuInstanceType.known('g6e.24xlarge');
  /** g6e.48xlarge: 8 x NVIDIA L40S, 192 vCPU, 1536 GiB, 4 EFA interfaces (4 network cards). */
  public static readonly G6E_48XLARGE = GpuInstanceType.known('g6e.48xlarge');
  /** g5g.xlarge: 1 x NVIDIA T4G, 4 vCPU, 8 GiB. */
  public static readonly G5G_XLARGE = GpuInstanceType.known('g5g.xlarge');
  /** g5g.2xlarge: 1 x NVIDIA T4G, 8 vCPU, 16 GiB. */
  public static readonly G5G_2XLARGE = GpuInstanceType.known('g5g.2xlarge');
  /** g5g.4xlarge: 1 x NVIDIA T4G, 16 vCPU, 32 GiB. */
  public static readonly G5G_4XLARGE = GpuInstanceType.known('g5g.4xlarge');
  /** g5g.8xlarge: 1 x NVIDIA T4G, 32 vCPU, 64 GiB. */
  public static readonly G5G_8XLARGE = GpuInstanceType.known('g5g.8xlarge');
  /** g5g.16xlarge: 2 x NVIDIA T4G, 64 vCPU, 128 GiB. */
  public static readonly G5G_16XLARGE = GpuInstanceType.known('g5g.16xlarge');
  /** p4d.24xlarge: 8 x NVIDIA A100 40GB, 96 vCPU, 1152 GiB, 4 EFA interfaces (4 network cards). */
  public static readonly P4D_24XLARGE = GpuInstanceType.known('p4d.24xlarge');
  /** p4de.24xlarge: 8 x NVIDIA A100 80GB, 96 vCPU, 1152 GiB, 4 EFA interfaces (4 network cards). */
  public static readonly P4DE_24XLARGE = GpuInstanceType.known('p4de.24xlarge');
  /** p5.48xlarge: 8 x NVIDIA H100, 192 vCPU, 2048 GiB, 32 EFA interfaces (32 network cards). */
  public static readonly P5_48XLARGE = GpuInstanceType.known('p5.48xlarge');
  /** p5e.48xlarge: 8 x NVIDIA H200, 192 vCPU, 2048 GiB, 32 EFA interfaces (32 network cards). */
  public static readonly P5E_48XLARGE = GpuInstanceType.known('p5e.48xlarge');
  /** p5en.48xlarge: 8 x NVIDIA H200, 192 vCPU, 2048 GiB, 16 EFA interfaces (16 network cards). */
  public static readonly P5EN_48XLARGE = GpuInstanceType.known('p5en.48xlarge');
  /**
   * A GPU instance type by name, e.g. `g6e.12xlarge`.
   *
   * Throws a ValidationError for a non-GPU instance type or one this release does not list (use
   * `GpuInstanceType.custom()` for those).
   */
  public static of(name: string): GpuInstanceType {
    checkArgs('GpuInstanceType#of', [name]);
    const known = KNOWN[name];
    if (known) return GpuInstanceType.known(name);
    const match = INSTANCE_TYPE.exec(String(name));
    if (!match) {
      throw new ValidationError('instanceType', "must be an EC2 instance type of the form '<family>.<size>'", name,
        "use e.g. 'g6e.12xlarge' or a GpuInstanceType constant");
    }
    if (GPU_FAMILIES.has(match[1])) {
      throw new ValidationError('instanceType', `is not a known size of the ${match[1]} family`, name,
        `use one of ${Object.keys(KNOWN).filter((n) => n.startsWith(`${match[1]}.`)).join(', ')}, or GpuInstanceType.custom() with its facts`);
    }
    throw new ValidationError('instanceType', 'is not an NVIDIA GPU instance type this release knows', name,
      `use a GPU type (${[...GPU_FAMILIES].join(', ')} families), or GpuInstanceType.custom() with its accelerator facts`);
  }

  /**
   * A GPU instance type this release does not list, with its facts.
   */
  public static custom(name: string, facts: GpuInstanceFacts): GpuInstanceType {
    checkArgs('GpuInstanceType#custom', [name, facts]);
    checkProps('GpuInstanceFacts', facts, 'facts');
    if (!INSTANCE_TYPE.test(String(name))) {
      throw new ValidationError('instanceType', "must be an EC2 instance type of the form '<family>.<size>'", name, "use e.g. 'g7.12xlarge'");
    }
    for (const [prop, value] of [['gpuCount', facts.gpuCount], ['vcpu', facts.vcpu], ['memoryGiB', facts.memoryGiB]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new ValidationError(prop, 'must be a positive whole number', value, `pass the instance type's ${prop} from the EC2 documentation`);
      }
    }
    const maxEfaInterfaces = facts.maxEfaInterfaces ?? (facts.efaSupported ? 1 : 0);
    if (!Number.isInteger(maxEfaInterfaces) || maxEfaInterfaces < 0) {
      throw new ValidationError('maxEfaInterfaces', 'must be a whole number of at least 0', facts.maxEfaInterfaces,
        "pass the type's EfaInfo.MaximumEfaInterfaces from 'aws ec2 describe-instance-types' (0 when it has no EFA)");
    }
    if (facts.efaSupported !== undefined && facts.efaSupported !== maxEfaInterfaces > 0) {
      throw new ValidationError('efaSupported', `contradicts maxEfaInterfaces ${maxEfaInterfaces}`, facts.efaSupported,
        'drop efaSupported and pass only maxEfaInterfaces (0 means no EFA)');
    }
    const networkCards = facts.networkCards ?? Math.max(1, maxEfaInterfaces);
    if (!Number.isInteger(networkCards) || networkCards < 1) {
      throw new ValidationError('networkCards', 'must be a positive whole number', facts.networkCards,
        "pass the length of NetworkInfo.NetworkCards from 'aws ec2 describe-instance-types'");
    }
    if (maxEfaInterfaces > networkCards) {
      throw new ValidationError('maxEfaInterfaces', `exceeds the ${networkCards} network card(s); EC2 allows one EFA per network card`,
        maxEfaInterfaces, "pass the type's facts from 'aws ec2 describe-instance-types' (MaximumEfaInterfaces, NetworkCards)");
    }
    if (facts.efaOnlySupported && maxEfaInterfaces === 0) {
      throw new ValidationError('efaOnlySupported', 'needs EFA, but maxEfaInterfaces is 0', facts.efaOnlySupported,
        'drop efaOnlySupported or pass the maxEfaInterfaces of the type');
    }
    return new GpuInstanceType(name, {
      model: facts.gpuModel,
      gpuCount: facts.gpuCount,
      vcpu: facts.vcpu,
      memoryGiB: facts.memoryGiB,
      maxEfaInterfaces,
      networkCards,
      efaOnlySupported: facts.efaOnlySupported,
    }, facts.architecture ?? CpuArchitecture.X86_64);
  }

  /**
   * Every GPU instance type this release lists, sorted by name.
   */
  public static all(): GpuInstanceType[] {
    return Object.keys(KNOWN).sort().map((n) => GpuInstanceType.known(n));
  }

  private static known(name: string): GpuInstanceType {
    let t = INSTANCES.get(name);
    if (!t) {
      const family = name.split('.')[0];
      t = new GpuInstanceType(name, KNOWN[name], ARM_FAMILIES.has(family) ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64);
      INSTANCES.set(name, t);
    }
    return t;
  }

  /** The instance type name, e.g. `g6e.12xlarge`. */
  public readonly name: string;
  /** The family, e.g. `g6e`. */
  public readonly family: string;
  /** The size, e.g. `12xlarge`. */
  public readonly size: string;
  /** The GPU model. */
  public readonly gpuModel: GpuModel;
  /** GPUs per instance. */
  public readonly gpuCount: number;
  /** Memory per GPU in GiB. */
  public readonly gpuMemoryGiB: number;
  /** GPU memory of the whole instance in GiB. */
  public readonly totalGpuMemoryGiB: number;
  /** vCPUs per instance. */
  public readonly vcpu: number;
  /** Memory per instance in GiB. */
  public readonly memoryGiB: number;
  /** Whether Elastic Fabric Adapter interfaces are supported (`maxEfaInterfaces > 0`). */
  public readonly efaSupported: boolean;
  /**
   * The maximum number of EFA interfaces (EC2 `EfaInfo.MaximumEfaInterfaces`); 0 when the type has no EFA.
   * EC2 allows one EFA interface per network card, so all of them use every EFA-capable card.
   */
  public readonly maxEfaInterfaces: number;
  /** The number of network cards (EC2 `NetworkInfo.NetworkCards`). */
  public readonly networkCards: number;
  /**
   * Whether the secondary network cards accept EFA-only interfaces (`interfaceType: efa-only`: the EFA device
   * without an ENA device and its IP address). Network card 0 never does: it carries the primary interface.
   */
  public readonly efaOnlySupported: boolean;
  /** CPU architecture. */
  public readonly architecture: CpuArchitecture;

  private constructor(name: string, facts: KnownFacts, architecture: CpuArchitecture) {
    this.name = name;
    [this.family, this.size] = name.split('.') as [string, string];
    this.gpuModel = facts.model;
    this.gpuCount = facts.gpuCount;
    this.gpuMemoryGiB = facts.model.memoryGiB;
    this.totalGpuMemoryGiB = facts.model.memoryGiB * facts.gpuCount;
    this.vcpu = facts.vcpu;
    this.memoryGiB = facts.memoryGiB;
    this.maxEfaInterfaces = facts.maxEfaInterfaces;
    this.networkCards = facts.networkCards;
    this.efaSupported = facts.maxEfaInterfaces > 0;
    this.efaOnlySupported = facts.efaOnlySupported ?? facts.maxEfaInterfaces > 0;
    this.architecture = architecture;
  }

  /**
   * The instance type name.
   */
  public toString(): string {
    return this.name;
  }
}
