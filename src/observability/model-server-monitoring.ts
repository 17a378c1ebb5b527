import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MetricsMerging } from './istio-metrics-merging';
import { MetricLabels } from './metric-labels';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsMetricRelabelingsAction,
  PodMonitorSpecPodMetricsEndpointsRelabelings,
  PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
  PodMonitorSpecPodMetricsEndpointsScheme,
} from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { observabilityLabels, podLabelMeta } from './private/metadata';
import { promDuration } from './private/promql';

/**
 * Which Prometheus operator object scrapes a target.
 */
export enum MonitorKind {
  /** A `PodMonitor`: scrapes the pods directly (works when the metrics port is not on the Service). */
  POD_MONITOR = 'PodMonitor',
  /** A `ServiceMonitor`: scrapes the endpoints of a Service port. */
  SERVICE_MONITOR = 'ServiceMonitor',
}

/**
 * Properties of `ModelServerMonitoring`.
 */
export interface ModelServerMonitoringProps {
  /** The model whose servers are scraped; its runtime preset gives the metrics port and path. */
  readonly model: IModelService;
  /**
   * PodMonitor or ServiceMonitor.
   *
   * @default MonitorKind.POD_MONITOR
   */
  readonly kind?: MonitorKind;
  /**
   * Scrape the model through Istio metrics merging (`MetricsMerging`): the sidecar agent's port 15020,
   * `/stats/prometheus`, which serves the runtime's metrics and Envoy's `istio_*` metrics together and
   * is outside mTLS, so scrapers outside the mesh reach it under STRICT. The model pods must carry
   * `MetricsMerging.podAnnotations` (the library's model pods do). `false` scrapes the runtime's metrics
   * port directly, which only works for pods outside the mesh or PERMISSIVE namespaces.
   * A ServiceMonitor cannot target 15020 (it is on no Service): use it with `false` only.
   *
   * @default - true with a PodMonitor
   */
  readonly metricsMerging?: boolean;
  /**
   * Scrape interval.
   *
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Scrape timeout, at most the interval.
   *
   * @default Duration.seconds(10)
   */
  readonly scrapeTimeout?: Duration;
  /**
   * Name of the Service port serving metrics (ServiceMonitor only).
   *
   * @default - `http` when the runtime serves metrics on its HTTP port, else `metrics`
   */
  readonly servicePortName?: string;
  /**
   * Extra labels on the monitor, e.g. the label a Prometheus' `podMonitorSelector` matches
   * (`release: kube-prometheus-stack`).
   *
   * @default - none
   */
  readonly objectLabels?: { [key: string]: string };
}

/**
 * Scrapes one model's servers with a `PodMonitor` (or `ServiceMonitor`) built from its runtime preset,
 * and relabels every series with `tenant`, `model`, `model_version` (from the pod labels
 * `llm-platform.io/tenant`, `/model`, `/model-version`) and `node`.
 *
 * By default it scrapes through Istio metrics merging (`MetricsMerging`, port 15020): the runtime's
 * port is behind the sidecar under STRICT mTLS and a scraper outside the mesh cannot reach it. The
 * merged endpoint also carries the sidecar's `istio_*` metrics, so no `IstioProxyMonitoring` is needed
 * for the same pods (it would scrape `istio_requests_total` twice).
 *
 * `tenant` and `model` fall back to the model's own tenant and name when a pod lacks the label.
 *
 * ```ts
 * new ModelServerMonitoring(chart, 'llama3-metrics', { model: llama3 });
 * ```
 */
export class ModelServerMonitoring extends Construct {
  /**
   * The labels every scraped series carries after relabelling (besides the operator's own
   * `namespace`, `pod`, `container`, `job`, `instance`, `endpoint`).
   */
  public static readonly PRODUCED_LABELS: string[] = [MetricLabels.TENANT, MetricLabels.MODEL, MetricLabels.MODEL_VERSION, MetricLabels.NODE];

  private static relabelings(tenant: string, model: string): PodMonitorSpecPodMetricsEndpointsRelabelings[] {
    const replace = PodMonitorSpecPodMetricsEndpointsRelabelingsAction.REPLACE;
    return [
      // Fallbacks first, then the pod label wins when it is set (regex `(.+)` skips empty values).
      { action: replace, targetLabel: MetricLabels.TENANT, replacement: tenant },
      { action: replace, sourceLabels: [podLabelMeta(PlatformLabels.TENANT)], regex: '(.+)', targetLabel: MetricLabels.TENANT, replacement: '$1' },
      { action: replace, targetLabel: MetricLabels.MODEL, replacement: model },
      { action: replace, sourceLabels: [podLabelMeta(PlatformLabels.MODEL)], regex: '(.+)', targetLabel: MetricLabels.MODEL, replacement: '$1' },
      { action: replace, sourceLabels: [podLabelMeta(PlatformLabels.MODEL_VERSION)], regex: '(.+)', targetLabel: MetricLabels.MODEL_VERSION, replacement: '$1' },
      { action: replace, sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: MetricLabels.NODE },
    ];
  }

  /** The monitor's name. */
  public readonly monitorName: string;
  /** The monitor's namespace (the model's). */
  public readonly namespace: string;
  /** PodMonitor or ServiceMonitor. */
  public readonly kind: MonitorKind;
  /** Scrape interval. */
  public readonly interval: Duration;
  /** Scrape timeout. */
  public readonly scrapeTimeout: Duration;
  /** The runtime's metrics port. */
  public readonly metricsPort: number;
  /** The runtime's metrics path. */
  public readonly metricsPath: string;
  /** Whether the scrape goes through Istio metrics merging. */
  public readonly metricsMerging: boolean;
  /** The port the scrapers connect to (15020 with metrics merging, else the metrics port). */
  public readonly scrapePort: number;
  /** The HTTP path scraped (`/stats/prometheus` with metrics merging). */
  public readonly scrapePath: string;

  constructor(scope: Construct, id: string, props: ModelServerMonitoringProps) {
    super(scope, id);
    checkProps('observability.ModelServerMonitoringProps', props, 'props', this);
    const model = props.model;
    const runtime = model.runtime;
    if (!runtime.hasMetrics || runtime.metricsPort === undefined) {
      throw new ValidationError('model.runtime', 'has no metrics endpoint to scrape', runtime.name,
        'give the runtime a metricsPort (ModelRuntime.custom) or do not create ModelServerMonitoring for this model', this);
    }
    this.kind = props.kind ?? MonitorKind.POD_MONITOR;
    this.interval = props.interval ?? Duration.seconds(30);
    this.scrapeTimeout = props.scrapeTimeout ?? Duration.seconds(10);
    const interval = promDuration('interval', this.interval);
    const timeout = promDuration('scrapeTimeout', this.scrapeTimeout);
    if (this.scrapeTimeout.toMilliseconds() > this.interval.toMilliseconds()) {
      throw new ValidationError('scrapeTimeout', `must not exceed the scrape interval (${interval})`, timeout,
        'shorten scrapeTimeout or lengthen interval', this);
    }
    this.metricsPort = runtime.metricsPort;
    this.metricsPath = runtime.metricsPath;
    this.metricsMerging = props.metricsMerging ?? this.kind === MonitorKind.POD_MONITOR;
    if (this.metricsMerging && this.kind !== MonitorKind.POD_MONITOR) {
      throw new ValidationError('metricsMerging', 'needs a PodMonitor: the merged metrics port 15020 is on no Service', true,
        'use MonitorKind.POD_MONITOR, or set metricsMerging: false for pods outside the mesh', this);
    }
    this.scrapePort = this.metricsMerging ? MetricsMerging.PORT : this.metricsPort;
    this.scrapePath = this.metricsMerging ? MetricsMerging.PATH : this.metricsPath;
    this.namespace = Names.validateDns1123Label('model.namespace', model.namespace, this);
    this.monitorName = Names.validateDns1123Label('model.modelName', model.modelName, this) + '-metrics';

    const metadata = {
      name: this.monitorName,
      namespace: this.namespace,
      labels: {
        ...observabilityLabels(model.modelName, 'model-server-monitoring', {
          [PlatformLabels.TENANT]: model.tenant,
          [PlatformLabels.MODEL]: model.modelName,
        }),
        ...(props.objectLabels ?? {}),
      },
    };
    const relabelings = ModelServerMonitoring.relabelings(model.tenant, model.modelName);
    const matchLabels = { ...model.selectorLabels };

    if (this.metricsMerging) {
      const merged = MetricsMerging.scrapeConfigRelabelings(false).map((r): PodMonitorSpecPodMetricsEndpointsRelabelings => ({
        action: r.action as PodMonitorSpecPodMetricsEndpointsRelabelingsAction,
        sourceLabels: r.source_labels,
        regex: r.regex,
        ...(r.replacement !== undefined ? { replacement: r.replacement } : {}),
        ...(r.target_label !== undefined ? { targetLabel: r.target_label } : {}),
      }));
      new PodMonitor(this, 'Resource', {
        metadata,
        spec: {
          selector: { matchLabels },
          namespaceSelector: { matchNames: [this.namespace] },
          podMetricsEndpoints: [{
            // The sidecar's declared port gives one target per pod; the relabelling moves it to 15020.
            port: MetricsMerging.SIDECAR_PORT_NAME,
            path: MetricsMerging.PATH,
            scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
            interval,
            scrapeTimeout: timeout,
            relabelings: [...merged, ...relabelings],
            // Envoy's own `envoy_*` stats are high-cardinality and unused; `istio_*` and the runtime's stay.
            metricRelabelings: [{ action: PodMonitorSpecPodMetricsEndpointsMetricRelabelingsAction.DROP, sourceLabels: ['__name__'], regex: 'envoy_.*' }],
          }],
        },
      });
    } else if (this.kind === MonitorKind.POD_MONITOR) {
      new PodMonitor(this, 'Resource', {
        metadata,
        spec: {
          selector: { matchLabels },
          namespaceSelector: { matchNames: [this.namespace] },
          podMetricsEndpoints: [{
            portNumber: this.metricsPort,
            path: this.metricsPath,
            scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
            interval,
            scrapeTimeout: timeout,
            relabelings,
          }],
        },
      });
    } else {
      const portName = props.servicePortName ?? (this.metricsPort === runtime.httpPort ? 'http' : 'metrics');
      new ServiceMonitor(this, 'Resource', {
        metadata,
        spec: {
          selector: { matchLabels },
          namespaceSelector: { matchNames: [this.namespace] },
          endpoints: [{
            port: portName,
            path: this.metricsPath,
            scheme: ServiceMonitorSpecEndpointsScheme.HTTP,
            interval,
            scrapeTimeout: timeout,
            relabelings: relabelings.map((r) => ({ ...r, action: r.action as unknown as ServiceMonitorSpecEndpointsRelabelingsAction })),
          }],
        },
      });
    }
  }
}
