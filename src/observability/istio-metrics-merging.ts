import { ModelRuntime } from '../core/model-runtime';
import { addressRelabelings } from './private/merging';
import { checkArgs } from '../core/private/runtime-types';

/**
 * Istio metrics merging, the way the platform scrapes meshed workloads.
 *
 * Under STRICT mTLS a scraper outside the mesh (Prometheus in `monitoring`, the OTel collector in
 * `observability`) cannot reach an application port: the sidecar captures it and demands mTLS.
 * Istio's two documented answers (istio.io, Operations > Integrations > Prometheus) are scraping with
 * Istio certificates (a sidecar on Prometheus with certificate output but no capture) or metrics
 * merging. The platform uses **metrics merging**: nothing to add to the scrapers, no certificates to
 * mount, and it serves both the application's and Envoy's `istio_*` metrics from one endpoint.
 *
 * How it works (istio/istio 1.30.3):
 * - the pod carries `prometheus.io/scrape|port|path` pointing at the application's metrics
 *   (`MetricsMerging.podAnnotations`, set by the model pods of this library);
 * - with `meshConfig.enablePrometheusMerge` (on by default, `MeshConfig.prometheusMerge`), the sidecar
 *   injector moves them to the proxy's `ISTIO_PROMETHEUS_ANNOTATIONS` environment variable and rewrites
 *   them to `prometheus.io/port: 15020`, `prometheus.io/path: /stats/prometheus`
 *   (pkg/kube/inject/webhook.go `applyPrometheusMerge`);
 * - the agent serves the merged metrics on 15020, which the injection template leaves out of inbound
 *   capture (`excludeInboundPorts` `15090,15021,<statusPort>`,
 *   manifests/charts/istio-control/istio-discovery/files/injection-template.yaml): plain HTTP, not
 *   subject to mTLS or AuthorizationPolicy; only NetworkPolicies must admit the scrapers on 15020.
 *
 * Monitors target it the way Istio's own PodMonitor sample does (samples/addons/extras/prometheus-operator.yaml):
 * the `istio-proxy` container's declared port (`http-envoy-prom`, one target per pod) with `__address__`
 * rewritten to the pod IP and the `prometheus.io/port` annotation. The prometheus-operator PodMonitor
 * `portNumber` cannot be used: it only selects declared container ports, and 15020 is not declared.
 */
export class MetricsMerging {
  /** The Istio agent's status port, serving merged metrics (meshConfig.defaultConfig.statusPort). */
  public static readonly PORT = 15020;
  /** The merged metrics path. */
  public static readonly PATH = '/stats/prometheus';
  /** The sidecar container's name. */
  public static readonly SIDECAR_CONTAINER = 'istio-proxy';
  /** The sidecar's declared container port name (Envoy's own stats, 15090), used to get one target per pod. */
  public static readonly SIDECAR_PORT_NAME = 'http-envoy-prom';

  /**
   * The pod annotations that ask Istio to merge a runtime's metrics (`prometheus.io/scrape`, `port`,
   * `path`); empty for a runtime without metrics.
   */
  public static podAnnotations(runtime: ModelRuntime): { [key: string]: string } {
    checkArgs('observability.MetricsMerging#podAnnotations', [runtime]);
    if (!runtime.hasMetrics || runtime.metricsPort === undefined) return {};
    return {
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(runtime.metricsPort),
      'prometheus.io/path': runtime.metricsPath,
    };
  }

  /**
   * Prometheus relabelling (snake_case, as in a scrape config) that keeps the sidecar's target of each
   * pod and points it at the merged endpoint (IPv6 and IPv4 pod addresses), as Istio's sample does.
   * `$` is written `$$` when `collectorEscape` is set (the OTel collector expands `$` as env vars).
   */
  public static scrapeConfigRelabelings(collectorEscape: boolean): { [key: string]: any }[] {
    checkArgs('observability.MetricsMerging#scrapeConfigRelabelings', [collectorEscape]);
    const d = collectorEscape ? '$$' : '$';
    return [
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_name'], regex: MetricsMerging.SIDECAR_CONTAINER },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: MetricsMerging.SIDECAR_PORT_NAME },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'], regex: 'true' },
      ...addressRelabelings(d),
    ];
  }

  private constructor() {}
}
