import { Size } from 'cdk8s';
import { ValidationError } from './errors';
import { GpuModel } from './gpu-instance-type';
import { checkArgs, checkProps } from './private/runtime-types';

/**
 * How the numbers of a model (its weights, or its KV cache) are stored.
 *
 * Bytes per value: FP32 4, BF16 2, FP16 2, FP8 1, INT8 1, INT4 0.5. AWQ and GPTQ 4-bit checkpoints are INT4.
 */
export enum ModelDataType {
  /** 32-bit float, 4 bytes per value. */
  FP32 = 'fp32',
  /** bfloat16, 2 bytes per value (the dtype most current checkpoints ship in). */
  BF16 = 'bf16',
  /** float16, 2 bytes per value. */
  FP16 = 'fp16',
  /** 8-bit float (e4m3/e5m2), 1 byte per value. */
  FP8 = 'fp8',
  /** 8-bit integer, 1 byte per value. */
  INT8 = 'int8',
  /** 4-bit integer (AWQ, GPTQ 4-bit), half a byte per value. */
  INT4 = 'int4',
}

/** Bytes per value of each data type. */
const BYTES_PER_VALUE: { [dataType: string]: number } = {
  [ModelDataType.FP32]: 4,
  [ModelDataType.BF16]: 2,
  [ModelDataType.FP16]: 2,
  [ModelDataType.FP8]: 1,
  [ModelDataType.INT8]: 1,
  [ModelDataType.INT4]: 0.5,
};

/** Data types from widest to narrowest; the quantization fix picks the widest that fits. */
const NARROWING: ModelDataType[] = [ModelDataType.FP32, ModelDataType.BF16, ModelDataType.FP8, ModelDataType.INT4];

/**
 * The shape of a model's attention that decides its KV cache size (the Hugging Face `config.json` fields
 * `num_hidden_layers`, `num_key_value_heads`, `head_dim` (or `hidden_size / num_attention_heads`) and
 * `max_position_embeddings`). `ModelArchitecture` holds presets for well-known models.
 */
export interface ModelArchitectureProps {
  /**
   * Transformer layers (`num_hidden_layers`).
   */
  readonly layers: number;

  /**
   * Key/value heads per layer (`num_key_value_heads`; equal to the attention heads without grouped-query attention).
   */
  readonly kvHeads: number;

  /**
   * Dimension of one attention head (`head_dim`, or `hidden_size / num_attention_heads`).
   */
  readonly headDim: number;

  /**
   * The longest context the model supports, in tokens (`max_position_embeddings`).
   *
   * @default - not declared: any `contextLength` is accepted
   */
  readonly maxContextLength?: number;
}

/**
 * Architectures of well-known models (data: schemas/upstream/model-sizing/architectures.json, sources in its
 * SOURCES.md; test/core/model-size.test.ts checks every preset against that file).
 */
export class ModelArchitecture {
  /**
   * Llama 3 8B: 32 layers, 8 KV heads, head dim 128 (4096 / 32 heads), 8192 tokens
   * (meta-llama/llama-models v0.1.2, models/sku_list.py and models/datatypes.py).
   */
  public static readonly LLAMA_3_8B: ModelArchitectureProps = { layers: 32, kvHeads: 8, headDim: 128, maxContextLength: 8192 };

  /**
   * Llama 3 70B: 80 layers, 8 KV heads, head dim 128 (8192 / 64 heads), 8192 tokens
   * (meta-llama/llama-models v0.1.2).
   */
  public static readonly LLAMA_3_70B: ModelArchitectureProps = { layers: 80, kvHeads: 8, headDim: 128, maxContextLength: 8192 };

  /**
   * Llama 3.1 8B: 32 layers, 8 KV heads, head dim 128, 131072 tokens (meta-llama/llama-models v0.1.2).
   */
  public static readonly LLAMA_3_1_8B: ModelArchitectureProps = { layers: 32, kvHeads: 8, headDim: 128, maxContextLength: 131072 };

  /**
   * Llama 3.1 70B: 80 layers, 8 KV heads, head dim 128, 131072 tokens (meta-llama/llama-models v0.1.2).
   */
  public static readonly LLAMA_3_1_70B: ModelArchitectureProps = { layers: 80, kvHeads: 8, headDim: 128, maxContextLength: 131072 };

  /**
   * Llama 3.1 405B (BF16 and FP8 checkpoints): 126 layers, 8 KV heads, head dim 128 (16384 / 128 heads),
   * 131072 tokens (meta-llama/llama-models v0.1.2).
   */
  public static readonly LLAMA_3_1_405B: ModelArchitectureProps = { layers: 126, kvHeads: 8, headDim: 128, maxContextLength: 131072 };

  /**
   * Mixtral 8x7B: 32 layers, 8 KV heads, head dim 128 (4096 / 32 heads), 32768 tokens
   * (mistralai/Mixtral-8x7B-Instruct-v0.1 `config.json` on Hugging Face).
   */
  public static readonly MIXTRAL_8X7B: ModelArchitectureProps = { layers: 32, kvHeads: 8, headDim: 128, maxContextLength: 32768 };

  /**
   * Mixtral 8x22B: 56 layers, 8 KV heads, head dim 128 (6144 / 48 heads), 65536 tokens
   * (mistral-community/Mixtral-8x22B-v0.1 `config.json` on Hugging Face).
   */
  public static readonly MIXTRAL_8X22B: ModelArchitectureProps = { layers: 56, kvHeads: 8, headDim: 128, maxContextLength: 65536 };

  private constructor() {}
}

/**
 * The size of a served model and the context it must hold (`ModelSize.of`).
 */
export interface ModelSizeProps {
  /**
   * Parameters, in billions (e.g. `70` for a 70B model; the total of every expert for a mixture of experts).
   *
   * @default - none; set this or `weightBytes`
   */
  readonly parameters?: number;

  /**
   * How the weights are stored.
   *
   * @default ModelDataType.BF16
   */
  readonly dataType?: ModelDataType;

  /**
   * The exact size of the weight files in bytes; wins over `parameters x dataType` when both are set.
   *
   * @default - `parameters x 10^9 x` the bytes per value of `dataType`
   */
  readonly weightBytes?: number;

  /**
   * The model's attention shape, needed to size the KV cache.
   *
   * @default - no KV cache is counted
   */
  readonly architecture?: ModelArchitectureProps;

  /**
   * Tokens per sequence (prompt plus output) the server must hold: vLLM's `--max-model-len`.
   *
   * @default - the architecture's `maxContextLength`: vLLM's `--max-model-len` defaults to the model's own maximum,
   * and vLLM refuses to start when its KV cache cannot hold one sequence of that length (vllm/v1/core/kv_cache_utils.py,
   * "To serve at least one request with the models's max seq len"); no KV cache when neither is declared
   */
  readonly contextLength?: number;

  /**
   * Sequences the server holds in its KV cache at once, each at the full `contextLength`.
   *
   * @default 1
   */
  readonly concurrency?: number;

  /**
   * How the KV cache is stored (vLLM `--kv-cache-dtype`).
   *
   * @default ModelDataType.BF16 (2 bytes: vLLM's `auto` stores the cache in the model's activation dtype, 16-bit for FP8 and 4-bit checkpoints too)
   */
  readonly kvCacheDataType?: ModelDataType;
}

/**
 * How a model fits (or does not fit) the GPUs of one replica (`ModelSize.fitReport`).
 */
export interface ModelFitReport {
  /** Whether weights, KV cache and overhead fit in the usable GPU memory. */
  readonly fits: boolean;
  /** GPU memory the replica needs, GiB. */
  readonly requiredGiB: number;
  /** GPU memory the runtime may use: GPUs x memory per GPU x GPU memory utilization, GiB. */
  readonly availableGiB: number;
  /** `requiredGiB - availableGiB` when it does not fit, else 0. */
  readonly shortfallGiB: number;
  /**
   * What is wrong, lowercase, for a ValidationError's problem (`needs 452.3 GiB of GPU memory ..., short by ...`).
   *
   * @default - undefined when it fits
   */
  readonly problem?: string;
  /**
   * What fixes it, lowercase, for a ValidationError's fix (the options joined with `; or `).
   *
   * @default - undefined when it fits
   */
  readonly fix?: string;
  /**
   * The smallest power-of-two GPU count (same GPU) that fits.
   *
   * @default - undefined when it fits, or when no count of these GPUs up to 64 fits
   */
  readonly minimumGpus?: number;
  /**
   * The narrowest-loss weight data type (widest that still fits) at the same GPUs.
   *
   * @default - undefined when it fits, or when no narrower data type fits
   */
  readonly quantizeTo?: ModelDataType;
  /**
   * The longest context (tokens per sequence, same concurrency) that fits at the same GPUs.
   *
   * @default - undefined when it fits, when no architecture is declared, or when the weights alone do not fit
   */
  readonly maxFittingContextLength?: number;
}

/**
 * The memory a served model needs: its weights, its KV cache for the declared context and concurrency, and the
 * runtime's overhead; sizes the weights volume and checks the model fits its GPUs.
 *
 * Formulas (bytes):
 * - weights = `weightBytes`, else `parameters x 10^9 x bytes(dataType)` (FP32 4, BF16/FP16 2, FP8/INT8 1, INT4 0.5).
 * - KV cache per token = `2 (K and V) x layers x kvHeads x headDim x bytes(kvCacheDataType)`: vLLM's
 *   `AttentionSpec.real_page_size_bytes` (vllm-project/vllm, vllm/v1/kv_cache_interface.py, commit
 *   001cabc1be16a59a70d720ed61a13b678c060a18: `2 * block_size * num_kv_heads * head_size * dtype size` per
 *   layer for `block_size` tokens).
 * - KV cache = per token x `contextLength` x `concurrency`.
 * - required GPU memory = weights x (1 + overhead) + KV cache; overhead (activations, CUDA graphs, NCCL and
 *   allocator buffers) defaults to `DEFAULT_OVERHEAD_FRACTION` of the weights.
 * - usable GPU memory = GPUs x memory per GPU x GPU memory utilization (vLLM's `--gpu-memory-utilization`: the
 *   fraction of each GPU's memory the model executor may use for weights, activations and KV cache).
 */
export class ModelSize {
  /**
   * GPU memory utilization the fit check assumes: vLLM's `--gpu-memory-utilization` default in its engine
   * arguments documentation (0.9). The platform passes the value it checks with to the runtime explicitly, so
   * the check and the server agree whatever a given vLLM release defaults to (current vLLM main,
   * vllm/config/cache.py, defaults to 0.92).
   */
  public static readonly DEFAULT_GPU_MEMORY_UTILIZATION = 0.9;

  /**
   * Activation and runtime overhead, as a fraction of the weights: 20%, the overhead of the common serving
   * estimate `memory = parameters x bytes per parameter x (1 + overhead)` with its 20% example (BentoML, "Calculating
   * GPU memory for serving LLMs", https://bentoml.com/llm/getting-started/calculating-gpu-memory-for-llms), counted
   * here on top of an explicit KV cache, so it errs on the safe side.
   */
  public static readonly DEFAULT_OVERHEAD_FRACTION = 0.2;

  /**
   * Weights volume headroom over the weight bytes: 20% for the files beside the weights (tokenizer, configs),
   * the 5% of blocks ext4 reserves by default (mke2fs `-m 5`) and partial files while a download runs.
   */
  public static readonly WEIGHTS_VOLUME_HEADROOM = 1.2;

  /**
   * Smallest weights volume, GiB.
   */
  public static readonly MIN_WEIGHTS_VOLUME_GIB = 10;

  /**
   * Bytes per value of a data type (FP32 4, BF16 2, FP16 2, FP8 1, INT8 1, INT4 0.5).
   */
  public static bytesPerValue(dataType: ModelDataType): number {
    if (!isDataType(dataType)) {
      throw new ValidationError('dataType', `must be one of ${knownDataTypes()}`, dataType, 'use a ModelDataType member, e.g. ModelDataType.BF16');
    }
    return BYTES_PER_VALUE[dataType];
  }

  /**
   * Validate and size a model.
   *
   * @throws ValidationError when a number is not positive (or not whole where it counts things), when neither
   * `parameters` nor `weightBytes` is set, when a data type is unknown, or when `contextLength` exceeds the
   * architecture's `maxContextLength`
   */
  public static of(props: ModelSizeProps): ModelSize {
    checkProps('ModelSizeProps', props, 'props');
    return new ModelSize(props);
  }

  /** Parameters in billions, when declared. */
  public readonly parameters?: number;
  /** How the weights are stored. */
  public readonly dataType: ModelDataType;
  /** How the KV cache is stored. */
  public readonly kvCacheDataType: ModelDataType;
  /** The attention shape, when declared. */
  public readonly architecture?: ModelArchitectureProps;
  /** Tokens per sequence the server holds (declared, else the architecture's maximum), when known. */
  public readonly contextLength?: number;
  /** Sequences held at once. */
  public readonly concurrency: number;
  /** Size of the weights in bytes. */
  public readonly weightBytes: number;

  private constructor(props: ModelSizeProps) {
    const p = props ?? {};
    if (p.parameters !== undefined) positive('parameters', p.parameters, 'set the parameter count in billions, e.g. 70 for a 70B model');
    if (p.weightBytes !== undefined) positiveWhole('weightBytes', p.weightBytes, 'set the total size of the weight files in bytes');
    if (p.parameters === undefined && p.weightBytes === undefined) {
      throw new ValidationError('parameters', 'or \'weightBytes\' is required to size the model', undefined,
        'set \'parameters\' (billions, e.g. 70) with \'dataType\', or \'weightBytes\' (the size of the weight files)');
    }
    this.dataType = p.dataType ?? ModelDataType.BF16;
    dataTypeKnown('dataType', this.dataType);
    this.kvCacheDataType = p.kvCacheDataType ?? ModelDataType.BF16;
    dataTypeKnown('kvCacheDataType', this.kvCacheDataType);

    if (p.architecture !== undefined) {
      const a = p.architecture;
      if (a === null || typeof a !== 'object') {
        throw new ValidationError('architecture', 'must be an object with layers, kvHeads and headDim', a, 'use a ModelArchitecture preset or set layers, kvHeads and headDim from the model\'s config.json');
      }
      positiveWhole('architecture.layers', a.layers, 'set num_hidden_layers from the model\'s config.json');
      positiveWhole('architecture.kvHeads', a.kvHeads, 'set num_key_value_heads from the model\'s config.json');
      positiveWhole('architecture.headDim', a.headDim, 'set head_dim (or hidden_size / num_attention_heads) from the model\'s config.json');
      if (a.maxContextLength !== undefined) positiveWhole('architecture.maxContextLength', a.maxContextLength, 'set max_position_embeddings from the model\'s config.json');
    }
    if (p.contextLength !== undefined) {
      positiveWhole('contextLength', p.contextLength, 'set the tokens per sequence (prompt plus output) the server must hold, e.g. 8192');
      const max = p.architecture?.maxContextLength;
      if (max !== undefined && p.contextLength > max) {
        throw new ValidationError('contextLength', `must be at most the model's maximum context of ${max} tokens`, p.contextLength,
          `set 'contextLength' to ${max} or less`);
      }
    }
    if (p.concurrency !== undefined) positiveWhole('concurrency', p.concurrency, 'set the number of sequences the server holds at once, e.g. 8');

    this.parameters = p.parameters;
    this.architecture = p.architecture;
    this.contextLength = p.contextLength ?? p.architecture?.maxContextLength;
    this.concurrency = p.concurrency ?? 1;
    this.weightBytes = p.weightBytes ?? Math.ceil(p.parameters! * 1e9 * BYTES_PER_VALUE[this.dataType]);
  }

  /**
   * KV cache bytes for one token: `2 x layers x kvHeads x headDim x bytes(kvCacheDataType)`; 0 without an architecture.
   */
  public get kvCacheBytesPerToken(): number {
    const a = this.architecture;
    if (!a) return 0;
    return 2 * a.layers * a.kvHeads * a.headDim * BYTES_PER_VALUE[this.kvCacheDataType];
  }

  /**
   * KV cache bytes for `contextLength` tokens x `concurrency` sequences; 0 without an architecture or a context.
   */
  public get kvCacheBytes(): number {
    return this.kvCacheBytesPerToken * (this.contextLength ?? 0) * this.concurrency;
  }

  /**
   * GPU memory one replica needs, in bytes: weights x (1 + overheadFraction) + KV cache.
   *
   * @param overheadFraction activation and runtime overhead as a fraction of the weights (default `DEFAULT_OVERHEAD_FRACTION`, 0.2)
   */
  public requiredGpuBytes(overheadFraction?: number): number {
    checkArgs('ModelSize#requiredGpuBytes', [overheadFraction]);
    const overhead = overheadFraction ?? ModelSize.DEFAULT_OVERHEAD_FRACTION;
    if (!(Number.isFinite(overhead) && overhead >= 0)) {
      throw new ValidationError('overheadFraction', 'must be a number of at least 0', overhead, 'pass the overhead as a fraction of the weights, e.g. 0.2');
    }
    return Math.ceil(this.weightBytes * (1 + overhead)) + this.kvCacheBytes;
  }

  /**
   * The volume the weights are downloaded to: weights x `WEIGHTS_VOLUME_HEADROOM` (1.2), rounded up to whole GiB,
   * at least `MIN_WEIGHTS_VOLUME_GIB` (10 GiB).
   */
  public get weightsVolumeSize(): Size {
    const gib = Math.ceil((this.weightBytes * ModelSize.WEIGHTS_VOLUME_HEADROOM) / GIB);
    return Size.gibibytes(Math.max(ModelSize.MIN_WEIGHTS_VOLUME_GIB, gib));
  }

  /**
   * Whether the model fits `gpus` GPUs of `gpuMemoryGiB` each at the given GPU memory utilization.
   *
   * @param gpuMemoryGiB memory per GPU in GiB (`GpuInstanceType.gpuMemoryGiB`)
   * @param gpus GPUs per replica
   * @param gpuMemoryUtilization fraction of GPU memory the runtime may use (default `DEFAULT_GPU_MEMORY_UTILIZATION`, 0.9)
   */
  public fitsOn(gpuMemoryGiB: number, gpus: number, gpuMemoryUtilization?: number): boolean {
    checkArgs('ModelSize#fitsOn', [gpuMemoryGiB, gpus, gpuMemoryUtilization]);
    return this.fitReport(gpuMemoryGiB, gpus, gpuMemoryUtilization).fits;
  }

  /**
   * Why the model does not fit `gpus` GPUs of `gpuMemoryGiB` each, with the shortfall and the fixes (more GPUs per
   * replica, a larger GPU, quantization, a shorter context); undefined when it fits.
   *
   * @param gpuMemoryGiB memory per GPU in GiB (`GpuInstanceType.gpuMemoryGiB`)
   * @param gpus GPUs per replica
   * @param gpuMemoryUtilization fraction of GPU memory the runtime may use (default `DEFAULT_GPU_MEMORY_UTILIZATION`, 0.9)
   */
  public fitProblem(gpuMemoryGiB: number, gpus: number, gpuMemoryUtilization?: number): string | undefined {
    checkArgs('ModelSize#fitProblem', [gpuMemoryGiB, gpus, gpuMemoryUtilization]);
    const report = this.fitReport(gpuMemoryGiB, gpus, gpuMemoryUtilization);
    return report.fits ? undefined : `${report.problem}; ${report.fix}`;
  }

  /**
   * The fit of this model on `gpus` GPUs of `gpuMemoryGiB` each: the numbers, and the problem and fixes in the
   * house grammar's parts when it does not fit.
   *
   * @param gpuMemoryGiB memory per GPU in GiB (`GpuInstanceType.gpuMemoryGiB`)
   * @param gpus GPUs per replica
   * @param gpuMemoryUtilization fraction of GPU memory the runtime may use (default `DEFAULT_GPU_MEMORY_UTILIZATION`, 0.9)
   */
  public fitReport(gpuMemoryGiB: number, gpus: number, gpuMemoryUtilization?: number): ModelFitReport {
    checkArgs('ModelSize#fitReport', [gpuMemoryGiB, gpus, gpuMemoryUtilization]);
    if (!(Number.isFinite(gpuMemoryGiB) && gpuMemoryGiB > 0)) {
      throw new ValidationError('gpuMemoryGiB', 'must be a positive number of GiB', gpuMemoryGiB, 'pass the memory of one GPU, e.g. GpuInstanceType.G6E_12XLARGE.gpuMemoryGiB');
    }
    positiveWhole('gpus', gpus, 'pass the GPUs per replica, e.g. 4');
    const util = gpuMemoryUtilization ?? ModelSize.DEFAULT_GPU_MEMORY_UTILIZATION;
    if (!(Number.isFinite(util) && util > 0 && util <= 1)) {
      throw new ValidationError('gpuMemoryUtilization', 'must be greater than 0 and at most 1', util, 'pass the fraction of GPU memory the runtime may use, e.g. 0.9');
    }

    const overhead = ModelSize.DEFAULT_OVERHEAD_FRACTION;
    const required = this.requiredGpuBytes();
    const available = gpus * gpuMemoryGiB * util * GIB;
    const requiredGiB = roundUp(required / GIB);
    const availableGiB = roundDown(available / GIB);
    if (required <= available) {
      return { fits: true, requiredGiB, availableGiB, shortfallGiB: 0 };
    }
    const shortfallGiB = roundUp((required - available) / GIB);
    const weightsGiB = roundUp(this.weightBytes / GIB);
    const overheadGiB = roundUp((this.weightBytes * overhead) / GIB);
    const kvPart = this.kvCacheBytes > 0
      ? ` + KV cache ${roundUp(this.kvCacheBytes / GIB)} GiB for ${this.concurrency} sequence${this.concurrency === 1 ? '' : 's'} x ${this.contextLength} tokens`
      : '';
    const problem = `needs ${requiredGiB} GiB of GPU memory per replica (weights ${weightsGiB} GiB${kvPart} + ${Math.round(overhead * 100)}% overhead ${overheadGiB} GiB) `
      + `but ${gpus} x ${gpuMemoryGiB} GiB GPU${gpus === 1 ? '' : 's'} at gpu-memory-utilization ${util} ${gpus === 1 ? 'gives' : 'give'} ${availableGiB} GiB: short by ${shortfallGiB} GiB`;

    const fixes: string[] = [];

    // More GPUs per replica: tensor parallelism splits the attention heads evenly (vLLM requires the attention
    // heads to be divisible by --tensor-parallel-size), and the head counts of common models are powers of two.
    const minimumGpus = powersOfTwo().find((n) => n > gpus && required <= n * gpuMemoryGiB * util * GIB);
    if (minimumGpus !== undefined) fixes.push(`set ${minimumGpus} GPUs per replica (tensor parallelism)`);

    // A larger GPU: the smallest listed GPU that fits at the same count, else the largest listed GPU at the
    // smallest power-of-two count that fits.
    const perGpuGiB = roundUp(required / (gpus * util * GIB));
    const larger = KNOWN_GPUS.filter((g) => g.memoryGiB > gpuMemoryGiB);
    const sameCount = larger.find((g) => required <= gpus * g.memoryGiB * util * GIB);
    if (sameCount) {
      fixes.push(`use a GPU with at least ${perGpuGiB} GiB at ${gpus} per replica (e.g. ${sameCount.name}, ${sameCount.memoryGiB} GiB)`);
    } else if (larger.length > 0) {
      const largest = larger[larger.length - 1];
      const count = powersOfTwo().find((n) => n > gpus && required <= n * largest.memoryGiB * util * GIB);
      if (count !== undefined) fixes.push(`use a larger GPU: ${largest.name} (${largest.memoryGiB} GiB) at ${count} per replica`);
    }

    // Quantization: the widest data type narrower than the current one that fits.
    let quantizeTo: ModelDataType | undefined;
    const current = BYTES_PER_VALUE[this.dataType];
    for (const dt of NARROWING) {
      const bytes = BYTES_PER_VALUE[dt];
      if (bytes >= current) continue;
      const weights = Math.ceil(this.weightBytes * (bytes / current));
      if (Math.ceil(weights * (1 + overhead)) + this.kvCacheBytes <= available) {
        quantizeTo = dt;
        break;
      }
    }
    if (quantizeTo !== undefined) {
      fixes.push(`quantize the weights to ${quantizeTo.toUpperCase()} (dataType ModelDataType.${quantizeTo.toUpperCase()})`);
    }

    // A shorter context at the same concurrency.
    let maxFittingContextLength: number | undefined;
    const perToken = this.kvCacheBytesPerToken;
    const room = available - Math.ceil(this.weightBytes * (1 + overhead));
    if (perToken > 0 && this.kvCacheBytes > 0 && room > 0) {
      const tokens = Math.floor(room / (perToken * this.concurrency));
      if (tokens >= 1) {
        maxFittingContextLength = tokens;
        fixes.push(`shorten 'contextLength' to ${tokens} tokens or less at concurrency ${this.concurrency}`);
      }
    }

    if (fixes.length === 0) {
      fixes.push(`use a smaller model: no GPU this release lists holds it at up to ${MAX_SUGGESTED_GPUS} per replica`);
    }

    return {
      fits: false,
      requiredGiB,
      availableGiB,
      shortfallGiB,
      problem,
      fix: fixes.join('; or '),
      minimumGpus,
      quantizeTo,
      maxFittingContextLength,
    };
  }
}

const GIB = 1024 ** 3;

/** The largest GPU count the "more GPUs" fix suggests (8 GPUs per node x 8 nodes). */
const MAX_SUGGESTED_GPUS = 64;

/** GPU models this release lists, smallest memory first (the "larger GPU" fix names the smallest that fits). */
const KNOWN_GPUS: GpuModel[] = [
  GpuModel.T4G, GpuModel.A10G, GpuModel.L4, GpuModel.A100_40GB, GpuModel.L40S, GpuModel.A100_80GB, GpuModel.H100, GpuModel.H200,
].sort((a, b) => a.memoryGiB - b.memoryGiB);

/** 1, 2, 4, ... MAX_SUGGESTED_GPUS: the GPU counts the fixes suggest. */
function powersOfTwo(): number[] {
  const counts: number[] = [];
  for (let n = 1; n <= MAX_SUGGESTED_GPUS; n *= 2) counts.push(n);
  return counts;
}

function roundUp(gib: number): number {
  return Math.ceil(gib * 10 - 1e-9) / 10;
}

function roundDown(gib: number): number {
  return Math.floor(gib * 10 + 1e-9) / 10;
}

function knownDataTypes(): string {
  return Object.values(ModelDataType).map((v) => `'${v}'`).join(', ');
}

function isDataType(value: any): boolean {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(BYTES_PER_VALUE, value);
}

function dataTypeKnown(prop: string, value: any): void {
  if (!isDataType(value)) {
    throw new ValidationError(prop, `must be one of ${knownDataTypes()}`, value, 'use a ModelDataType member, e.g. ModelDataType.BF16 or ModelDataType.FP8');
  }
}

function positive(prop: string, value: any, fix: string): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ValidationError(prop, 'must be a positive number', value, fix);
  }
}

function positiveWhole(prop: string, value: any, fix: string): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new ValidationError(prop, 'must be a positive whole number', value, fix);
  }
}
