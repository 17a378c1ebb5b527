/**
 * Label names on the series the platform's monitors produce, and the platform metric names the
 * recording rules emit. Alerts, dashboards and autoscaling queries match on these and on nothing else,
 * so a query never depends on a runtime's own label scheme.
 */
export class MetricLabels {
  /** `tenant`: copied from the pod label `llm-platform.io/tenant` by the model-server monitors. */
  public static readonly TENANT = 'tenant';
  /** `model`: copied from the pod label `llm-platform.io/model`. */
  public static readonly MODEL = 'model';
  /** `model_version`: copied from the pod label `llm-platform.io/model-version`. */
  public static readonly MODEL_VERSION = 'model_version';
  /** `node`: the Kubernetes node of the scraped pod (model servers and the DCGM exporter). */
  public static readonly NODE = 'node';
  /** `namespace`: set by the Prometheus operator on every scraped target. */
  public static readonly NAMESPACE = 'namespace';
  /** `pod`: set by the Prometheus operator on every scraped target. */
  public static readonly POD = 'pod';
  /** `le`: the bucket bound of a classic histogram. */
  public static readonly LE = 'le';
  /** `gpu`: the GPU index on its node (DCGM exporter). */
  public static readonly GPU = 'gpu';
  /** `UUID`: the GPU's UUID (DCGM exporter). */
  public static readonly GPU_UUID = 'UUID';
  /** `modelName`: the GPU product name, e.g. `NVIDIA A10G` (DCGM exporter). */
  public static readonly GPU_MODEL_NAME = 'modelName';

  /**
   * Every label name a platform query may match on or aggregate by: the labels the model-server and
   * DCGM monitors produce plus the histogram bucket label.
   */
  public static readonly ALL: string[] = [
    MetricLabels.TENANT, MetricLabels.MODEL, MetricLabels.MODEL_VERSION, MetricLabels.NODE,
    MetricLabels.NAMESPACE, MetricLabels.POD, MetricLabels.LE,
    MetricLabels.GPU, MetricLabels.GPU_UUID, MetricLabels.GPU_MODEL_NAME,
  ];

  private constructor() {}
}

/**
 * Names of the platform metrics that `LlmSloAlerts` records from runtime metrics. They are the same for
 * every runtime, so dashboards and autoscalers work unchanged across vLLM, Triton and TGI.
 */
export class PlatformMetrics {
  /** Histogram bucket rates (5m) of end-to-end request latency, seconds (keeps `le`). */
  public static readonly REQUEST_DURATION_SECONDS_BUCKET_RATE5M = 'llm_request_duration_seconds_bucket:rate5m';
  /** Histogram bucket rates (5m) of time to first token, seconds (keeps `le`). */
  public static readonly TIME_TO_FIRST_TOKEN_SECONDS_BUCKET_RATE5M = 'llm_time_to_first_token_seconds_bucket:rate5m';
  /** Histogram bucket rates (5m) of inter-token latency, seconds (keeps `le`). */
  public static readonly INTER_TOKEN_LATENCY_SECONDS_BUCKET_RATE5M = 'llm_inter_token_latency_seconds_bucket:rate5m';
  /** p99 end-to-end request latency over 5m, seconds. */
  public static readonly REQUEST_DURATION_SECONDS_P99 = 'llm_request_duration_seconds:p99_5m';
  /** p99 time to first token over 5m, seconds. */
  public static readonly TIME_TO_FIRST_TOKEN_SECONDS_P99 = 'llm_time_to_first_token_seconds:p99_5m';
  /** p99 inter-token latency over 5m, seconds. */
  public static readonly INTER_TOKEN_LATENCY_SECONDS_P99 = 'llm_inter_token_latency_seconds:p99_5m';
  /** Generated tokens per second (5m rate). */
  public static readonly TOKEN_THROUGHPUT = 'llm_token_throughput_tokens_per_second';
  /** Prompt tokens per second (5m rate). */
  public static readonly PROMPT_TOKEN_THROUGHPUT = 'llm_prompt_throughput_tokens_per_second';
  /** Requests waiting in the queue. */
  public static readonly QUEUE_DEPTH = 'llm_queue_depth_requests';
  /** Requests being processed. */
  public static readonly REQUESTS_RUNNING = 'llm_requests_running';
  /** KV-cache usage, 0..1 (the fullest replica). */
  public static readonly KV_CACHE_USAGE = 'llm_kv_cache_usage_ratio';
  /** Preemptions per second (5m rate). */
  public static readonly PREEMPTIONS_RATE5M = 'llm_preemptions:rate5m';
  /** Requests per second (5m rate), successful and failed. */
  public static readonly REQUESTS_RATE5M = 'llm_requests:rate5m';
  /**
   * Prefix of the error-ratio recordings, one per burn-rate window: `llm_request_error_ratio:rate5m`,
   * `...:rate1h`, ...
   */
  public static readonly ERROR_RATIO_PREFIX = 'llm_request_error_ratio:rate';

  private constructor() {}
}
