/**
 * Where the error ratio of an availability SLO (`LlmSloAlerts`) is measured.
 *
 * Every source records the same platform metrics (`llm_request_error_ratio:rate<window>` with the
 * labels `tenant` and `model`), so the burn-rate alerts and dashboards do not change with the source.
 */
export class ErrorRatioSource {
  /**
   * The runtime's own request counters (`metricNames.requestFailureTotal` over
   * `requestSuccessTotal + requestFailureTotal`), scraped by `ModelServerMonitoring`.
   * Triton and TGI export both; vLLM exports no failure counter.
   */
  public static readonly RUNTIME = new ErrorRatioSource('RUNTIME');

  /**
   * Istio's standard metrics from the model pods' sidecars: `istio_requests_total` reported by the
   * destination (server-side) proxy for the model's Service, with 5xx responses as failures. Needs the
   * sidecar metrics in Prometheus: Istio's metrics merging (`prometheus.io` annotations) or
   * `IstioProxyMonitoring`.
   */
  public static readonly MESH = new ErrorRatioSource('MESH');

  /**
   * No availability SLO: neither error-ratio recordings nor burn-rate alerts (e.g. a model outside the
   * mesh whose runtime exports no failure counter).
   */
  public static readonly NONE = new ErrorRatioSource('NONE');

  /** `RUNTIME`, `MESH` or `NONE`. */
  public readonly name: string;

  private constructor(name: string) {
    this.name = name;
  }

  /** `ErrorRatioSource.<name>`, as written in code. */
  public toString(): string {
    return `ErrorRatioSource.${this.name}`;
  }
}
