import { ValidationError } from './errors';
import { Names } from './names';
import { checkProps } from './private/runtime-types';

/**
 * Metric names a model server runtime exports, used to normalize runtime metrics into platform
 * metrics (recording rules), to autoscale (KEDA queries) and to alert. A metric the runtime does not
 * export is left undefined.
 */
export interface RuntimeMetricNames {
  /**
   * Gauge: requests being processed.
   *
   * @default - not exported
   */
  readonly requestsRunning?: string;
  /**
   * Gauge: requests waiting in the queue.
   *
   * @default - not exported
   */
  readonly requestsWaiting?: string;
  /**
   * Gauge: KV-cache usage, 0..1.
   *
   * @default - not exported
   */
  readonly kvCacheUsage?: string;
  /**
   * Histogram (base name, without `_bucket`): time to first token, seconds.
   *
   * @default - not exported
   */
  readonly timeToFirstTokenSeconds?: string;
  /**
   * Histogram (base name): inter-token latency (time per output token), seconds.
   *
   * @default - not exported
   */
  readonly interTokenLatencySeconds?: string;
  /**
   * Histogram (base name): end-to-end request latency, seconds.
   *
   * @default - not exported
   */
  readonly requestLatencySeconds?: string;
  /**
   * Counter: generated (output) tokens.
   *
   * @default - not exported
   */
  readonly generationTokensTotal?: string;
  /**
   * Counter: prompt (input) tokens.
   *
   * @default - not exported
   */
  readonly promptTokensTotal?: string;
  /**
   * Counter: preempted requests (KV cache exhausted).
   *
   * @default - not exported
   */
  readonly preemptionsTotal?: string;
  /**
   * Counter: successful requests.
   *
   * @default - not exported
   */
  readonly requestSuccessTotal?: string;
  /**
   * Counter: failed requests.
   *
   * @default - not exported
   */
  readonly requestFailureTotal?: string;
}

/**
 * Options for the model-loading arguments of a runtime (`ModelRuntime.serverArgs`).
 */
export interface RuntimeArgsOptions {
  /** Where the weights are inside the container (or a model id the runtime resolves). */
  readonly modelPath: string;
  /**
   * The name clients use for the model (OpenAI `model` field).
   *
   * @default - the runtime's default (usually the model path)
   */
  readonly servedModelName?: string;
  /**
   * Tensor-parallel size (GPUs one replica shards the model over).
   *
   * @default 1
   */
  readonly tensorParallelSize?: number;
  /**
   * Maximum context length in tokens.
   *
   * @default - the model's own
   */
  readonly maxModelLength?: number;
  /**
   * Fraction of GPU memory the runtime may use, in (0, 1].
   *
   * @default - the runtime's default
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * The most requests (sequences) one replica batches at once.
   *
   * @default - the runtime's default
   */
  readonly maxConcurrency?: number;
}

/**
 * Properties of a custom runtime (`ModelRuntime.custom`).
 */
export interface ModelRuntimeProps {
  /** Runtime name (DNS-1123 label), e.g. `sglang`. */
  readonly name: string;
  /** HTTP port of the inference API. */
  readonly httpPort: number;
  /**
   * gRPC port of the inference API.
   *
   * @default - no gRPC API
   */
  readonly grpcPort?: number;
  /**
   * Port that serves Prometheus metrics.
   *
   * @default - no metrics endpoint
   */
  readonly metricsPort?: number;
  /**
   * Path of the Prometheus metrics endpoint.
   *
   * @default '/metrics'
   */
  readonly metricsPath?: string;
  /** HTTP path answering 200 while the process is alive. */
  readonly livenessPath: string;
  /** HTTP path answering 200 once the model is loaded and the server accepts requests. */
  readonly readinessPath: string;
  /**
   * Metric names the runtime exports.
   *
   * @default - none
   */
  readonly metricNames?: RuntimeMetricNames;
  /**
   * Container command.
   *
   * @default - the image's entrypoint
   */
  readonly command?: string[];
  /**
   * Flag that takes the model path (`--model`).
   *
   * @default - the model path is the first positional argument (as `vllm serve <model>`)
   */
  readonly modelFlag?: string;
  /**
   * Flag for the served model name.
   *
   * @default - not supported
   */
  readonly servedModelNameFlag?: string;
  /**
   * Flag for the tensor-parallel size.
   *
   * @default - not supported (tensor parallelism > 1 is then rejected)
   */
  readonly tensorParallelFlag?: string;
  /**
   * Flag for the maximum context length.
   *
   * @default - not supported
   */
  readonly maxModelLengthFlag?: string;
  /**
   * Flag for the GPU memory fraction.
   *
   * @default - not supported
   */
  readonly gpuMemoryUtilizationFlag?: string;
  /**
   * Flag for the most requests batched at once (`--max-num-seqs`).
   *
   * @default - not supported
   */
  readonly maxConcurrencyFlag?: string;
  /**
   * Flag for the HTTP port.
   *
   * @default - the runtime listens on `httpPort` by itself
   */
  readonly portFlag?: string;
  /**
   * Extra arguments always passed.
   *
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Size of the memory-backed `/dev/shm` the runtime needs (NCCL uses it for tensor parallelism), in GiB.
   *
   * @default 2
   */
  readonly sharedMemoryGiB?: number;
}

/**
 * A model server runtime: its ports, health endpoints, metrics and command-line arguments.
 *
 * ```ts
 * ModelRuntime.VLLM.serverArgs({ modelPath: '/models/llama3-8b', tensorParallelSize: 2 })
 * // ['/models/llama3-8b', '--port', '8000', '--tensor-parallel-size', '2']
 * ```
 */
export class ModelRuntime {
  /**
   * vLLM's OpenAI-compatible server (`vllm serve <model>`): HTTP on 8000, `/health`, metrics on `/metrics`.
   * Metric names are those of vLLM v0.10+ (V1 engine).
   *
   * Arguments as vLLM's current CLI documents them (vllm-project/vllm, docs/cli/serve.md and
   * vllm/engine/arg_utils.py): the model is the positional argument of `vllm serve` (`--model` is
   * deprecated there: vllm/utils/argparse_utils.py warns "you should provide the model as a positional
   * argument", PR #17944); `--max-model-len`, `--gpu-memory-utilization` (vLLM's default 0.9),
   * `--max-num-seqs`, `--tensor-parallel-size`. No `--disable-log-requests`: it was deprecated and removed
   * (vLLM PR #21739, gone in 0.11) for `--enable-log-requests`, request logging being off by default.
   */
  public static readonly VLLM = new ModelRuntime({
    name: 'vllm',
    httpPort: 8000,
    metricsPort: 8000,
    metricsPath: '/metrics',
    livenessPath: '/health',
    readinessPath: '/health',
    command: ['vllm', 'serve'],
    servedModelNameFlag: '--served-model-name',
    tensorParallelFlag: '--tensor-parallel-size',
    maxModelLengthFlag: '--max-model-len',
    gpuMemoryUtilizationFlag: '--gpu-memory-utilization',
    maxConcurrencyFlag: '--max-num-seqs',
    portFlag: '--port',
    sharedMemoryGiB: 16,
    metricNames: {
      requestsRunning: 'vllm:num_requests_running',
      requestsWaiting: 'vllm:num_requests_waiting',
      kvCacheUsage: 'vllm:kv_cache_usage_perc',
      timeToFirstTokenSeconds: 'vllm:time_to_first_token_seconds',
      interTokenLatencySeconds: 'vllm:inter_token_latency_seconds',
      requestLatencySeconds: 'vllm:e2e_request_latency_seconds',
      generationTokensTotal: 'vllm:generation_tokens_total',
      promptTokensTotal: 'vllm:prompt_tokens_total',
      preemptionsTotal: 'vllm:num_preemptions_total',
      requestSuccessTotal: 'vllm:request_success_total',
    },
  });

  /**
   * NVIDIA Triton Inference Server: HTTP 8000, gRPC 8001, metrics on 8002 `/metrics`, KServe v2 health
   * endpoints. Tensor parallelism, context length, batching and memory are configured per model in the
   * model repository (`config.pbtxt`, the backend's parameters), not on the `tritonserver` command line
   * (triton-inference-server/server docs/user_guide/model_configuration.md), so none of them is a flag here.
   */
  public static readonly TRITON = new ModelRuntime({
    name: 'triton',
    httpPort: 8000,
    grpcPort: 8001,
    metricsPort: 8002,
    metricsPath: '/metrics',
    livenessPath: '/v2/health/live',
    readinessPath: '/v2/health/ready',
    command: ['tritonserver'],
    modelFlag: '--model-repository',
    extraArgs: ['--strict-readiness=true', '--exit-on-error=true'],
    sharedMemoryGiB: 8,
    metricNames: {
      requestsWaiting: 'nv_inference_pending_request_count',
      requestSuccessTotal: 'nv_inference_request_success',
      requestFailureTotal: 'nv_inference_request_failure',
    },
  });

  /**
   * Hugging Face Text Generation Inference (`text-generation-launcher`): HTTP on 8080, `/health`,
   * metrics on `/metrics`. Flags from the launcher reference (huggingface/text-generation-inference,
   * docs/source/reference/launcher.md): `--model-id`, `--num-shard`, `--max-total-tokens` (the context
   * budget of one request), `--cuda-memory-fraction` (default 1.0), `--max-concurrent-requests` (default 128).
   */
  public static readonly TGI = new ModelRuntime({
    name: 'tgi',
    httpPort: 8080,
    metricsPort: 8080,
    metricsPath: '/metrics',
    livenessPath: '/health',
    readinessPath: '/health',
    command: ['text-generation-launcher'],
    modelFlag: '--model-id',
    tensorParallelFlag: '--num-shard',
    maxModelLengthFlag: '--max-total-tokens',
    gpuMemoryUtilizationFlag: '--cuda-memory-fraction',
    maxConcurrencyFlag: '--max-concurrent-requests',
    portFlag: '--port',
    extraArgs: ['--hostname', '0.0.0.0'],
    sharedMemoryGiB: 8,
    metricNames: {
      requestsRunning: 'tgi_batch_current_size',
      requestsWaiting: 'tgi_queue_size',
      requestLatencySeconds: 'tgi_request_duration',
      interTokenLatencySeconds: 'tgi_request_mean_time_per_token_duration',
      generationTokensTotal: 'tgi_request_generated_tokens_sum',
      promptTokensTotal: 'tgi_request_input_length_sum',
      requestSuccessTotal: 'tgi_request_success',
      requestFailureTotal: 'tgi_request_failure',
    },
  });

  /**
   * A runtime this release does not preset (SGLang, TensorRT-LLM server, ...).
   */
  public static custom(props: ModelRuntimeProps): ModelRuntime {
    checkProps('ModelRuntimeProps', props, 'props');
    return new ModelRuntime(props);
  }

  /** Runtime name, e.g. `vllm`. */
  public readonly name: string;
  /** HTTP port of the inference API. */
  public readonly httpPort: number;
  /** gRPC port, if the runtime has a gRPC API. */
  public readonly grpcPort?: number;
  /** Port serving Prometheus metrics, if any. */
  public readonly metricsPort?: number;
  /** Path of the metrics endpoint. */
  public readonly metricsPath: string;
  /** Liveness path. */
  public readonly livenessPath: string;
  /** Readiness path. */
  public readonly readinessPath: string;
  /** Metric names. */
  public readonly metricNames: RuntimeMetricNames;
  /** Container command, if the image entrypoint is not used. */
  public readonly command?: string[];
  /** Size of `/dev/shm` in GiB. */
  public readonly sharedMemoryGiB: number;
  /** Whether tensor parallelism can be set on the command line. */
  public readonly supportsTensorParallelFlag: boolean;
  /** Whether the GPU memory fraction can be set on the command line. */
  public readonly supportsGpuMemoryUtilizationFlag: boolean;

  private readonly props: ModelRuntimeProps;

  private constructor(props: ModelRuntimeProps) {
    Names.validateDns1123Label('name', props.name);
    for (const [prop, port] of [['httpPort', props.httpPort], ['grpcPort', props.grpcPort], ['metricsPort', props.metricsPort]] as const) {
      if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) {
        throw new ValidationError(prop, 'must be a port number between 1 and 65535', port, 'use the port the runtime listens on');
      }
    }
    if (props.grpcPort !== undefined && props.grpcPort === props.httpPort) {
      throw new ValidationError('grpcPort', 'must differ from httpPort', props.grpcPort, 'use the separate port the gRPC API listens on');
    }
    for (const [prop, p] of [['livenessPath', props.livenessPath], ['readinessPath', props.readinessPath], ['metricsPath', props.metricsPath]] as const) {
      if (p !== undefined && !String(p).startsWith('/')) {
        throw new ValidationError(prop, "must be an absolute HTTP path starting with '/'", p, "use e.g. '/health'");
      }
    }
    if (props.modelFlag !== undefined && !props.modelFlag.startsWith('-')) {
      throw new ValidationError('modelFlag', "must be a command-line flag starting with '-'", props.modelFlag, "use e.g. '--model', or leave it unset to pass the model path as the first argument");
    }
    const shm = props.sharedMemoryGiB ?? 2;
    if (!(shm > 0 && shm <= 1024)) {
      throw new ValidationError('sharedMemoryGiB', 'must be between 0 and 1024 GiB', props.sharedMemoryGiB, 'size /dev/shm for the runtime (vLLM with tensor parallelism needs several GiB)');
    }
    this.props = props;
    this.name = props.name;
    this.httpPort = props.httpPort;
    this.grpcPort = props.grpcPort;
    this.metricsPort = props.metricsPort;
    this.metricsPath = props.metricsPath ?? '/metrics';
    this.livenessPath = props.livenessPath;
    this.readinessPath = props.readinessPath;
    this.metricNames = { ...(props.metricNames ?? {}) };
    this.command = props.command ? [...props.command] : undefined;
    this.sharedMemoryGiB = shm;
    this.supportsTensorParallelFlag = props.tensorParallelFlag !== undefined;
    this.supportsGpuMemoryUtilizationFlag = props.gpuMemoryUtilizationFlag !== undefined;
  }

  /**
   * Whether the runtime serves Prometheus metrics.
   */
  public get hasMetrics(): boolean {
    return this.metricsPort !== undefined;
  }

  /**
   * The server's command-line arguments for a model.
   */
  public serverArgs(options: RuntimeArgsOptions): string[] {
    checkProps('RuntimeArgsOptions', options, 'options');
    const p = this.props;
    if (!options.modelPath) {
      throw new ValidationError('modelPath', 'must be the path or id of the model', options.modelPath, 'pass where the weights are mounted');
    }
    const tp = options.tensorParallelSize ?? 1;
    if (!Number.isInteger(tp) || tp < 1) {
      throw new ValidationError('tensorParallelSize', 'must be a positive whole number', options.tensorParallelSize, 'set it to the GPUs per replica');
    }
    if (tp > 1 && !p.tensorParallelFlag) {
      throw new ValidationError('tensorParallelSize', `cannot be set on the ${this.name} command line`, tp,
        `configure tensor parallelism in the ${this.name} model configuration and leave tensorParallelSize at 1`);
    }
    const util = options.gpuMemoryUtilization;
    if (util !== undefined && !(util > 0 && util <= 1)) {
      throw new ValidationError('gpuMemoryUtilization', 'must be a fraction in (0, 1]', util, 'use e.g. 0.9');
    }
    if (options.maxModelLength !== undefined && (!Number.isInteger(options.maxModelLength) || options.maxModelLength < 1)) {
      throw new ValidationError('maxModelLength', 'must be a positive whole number of tokens', options.maxModelLength, 'use e.g. 8192');
    }
    if (options.maxConcurrency !== undefined && (!Number.isInteger(options.maxConcurrency) || options.maxConcurrency < 1)) {
      throw new ValidationError('maxConcurrency', 'must be a positive whole number of requests', options.maxConcurrency, 'use e.g. 64');
    }
    const args: string[] = p.modelFlag ? [p.modelFlag, options.modelPath] : [options.modelPath];
    if (p.portFlag) args.push(p.portFlag, String(this.httpPort));
    if (options.servedModelName !== undefined && p.servedModelNameFlag) args.push(p.servedModelNameFlag, options.servedModelName);
    // Explicit even at 1, so the manifest says how the replica shards.
    if (p.tensorParallelFlag) args.push(p.tensorParallelFlag, String(tp));
    if (options.maxModelLength !== undefined && p.maxModelLengthFlag) args.push(p.maxModelLengthFlag, String(options.maxModelLength));
    if (util !== undefined && p.gpuMemoryUtilizationFlag) args.push(p.gpuMemoryUtilizationFlag, String(util));
    if (options.maxConcurrency !== undefined && p.maxConcurrencyFlag) args.push(p.maxConcurrencyFlag, String(options.maxConcurrency));
    args.push(...(p.extraArgs ?? []));
    return args;
  }
}
