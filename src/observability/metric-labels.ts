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

/**
 * Istio's standard request metrics and the labels Istio itself puts on them (istio.io, "Istio Standard
 * Metrics"). These series come from the Envoy sidecars, not from the model-server monitors, so they
 * carry none of the platform labels (`tenant`, `model`, ...): queries on them select the model by
 * `destination_workload_namespace` and `destination_service_name` instead.
 */
export class IstioMetrics {
  /** `istio_requests_total`: a counter of every request a proxy handled. */
  public static readonly REQUESTS_TOTAL = 'istio_requests_total';

  /** `reporter`: `destination` for the server-side proxy, `source` for the client-side one. */
  public static readonly REPORTER = 'reporter';
  /** `destination_workload_namespace`: the namespace of the workload that served the request. */
  public static readonly DESTINATION_WORKLOAD_NAMESPACE = 'destination_workload_namespace';
  /** `destination_service_name`: the short name of the Service the request was addressed to. */
  public static readonly DESTINATION_SERVICE_NAME = 'destination_service_name';
  /** `response_code`: the HTTP status code (`200`, `503`, ...). */
  public static readonly RESPONSE_CODE = 'response_code';

  /** Every label Istio puts on its standard request metrics. */
  public static readonly LABELS: string[] = [
    'reporter',
    'source_workload', 'source_workload_namespace', 'source_principal', 'source_app', 'source_version',
    'source_canonical_service', 'source_canonical_revision', 'source_cluster',
    'destination_workload', 'destination_workload_namespace', 'destination_principal', 'destination_app', 'destination_version',
    'destination_service', 'destination_service_name', 'destination_service_namespace',
    'destination_canonical_service', 'destination_canonical_revision', 'destination_cluster',
    'request_protocol', 'response_code', 'grpc_response_status', 'response_flags', 'connection_security_policy',
  ];

  private constructor() {}
}
