import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { IstioMetrics } from './metric-labels';
import { PlatformLabels } from '../core/labels';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import {
  PodMonitor,
  PodMonitorSpecPodMetricsEndpointsMetricRelabelingsAction,
  PodMonitorSpecPodMetricsEndpointsScheme,
} from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import { observabilityLabels } from './private/metadata';
import { promDuration } from './private/promql';

/**
 * Properties of `IstioProxyMonitoring`.
 */
export interface IstioProxyMonitoringProps {
  /** The model whose pods' Istio sidecars are scraped. */
  readonly model: IModelService;
  /**
   * Scrape interval.
   *
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Extra labels on the PodMonitor (for a Prometheus' `podMonitorSelector`).
   *
   * @default - none
   */
  readonly objectLabels?: { [key: string]: string };
}

/**
 * Scrapes the Istio sidecars (`istio-proxy`) of one model's pods with a `PodMonitor`: Envoy's
 * Prometheus endpoint (container port `http-envoy-prom`, 15090, path `/stats/prometheus`), keeping
 * only Istio's standard metrics (`istio_*`) and dropping Envoy's own, high-cardinality `envoy_*` stats.
 *
 * `LlmSloAlerts` reads `istio_requests_total` from here when its error ratio comes from the mesh
 * (`ErrorRatioSource.MESH`, the default for runtimes without a request failure counter such as vLLM).
 * Port 15090 is Envoy's own listener: the sidecar does not intercept it, so STRICT mTLS does not block
 * the scrape. It is not needed when Istio's metrics merging already exposes the sidecar metrics to
 * Prometheus (`prometheus.io/*` annotations on port 15020).
 *
 * The series keep Istio's own labels (`IstioMetrics.LABELS`) plus the operator's target labels; they
 * get no `tenant`/`model` relabelling, so queries on them never depend on how they were scraped.
 */
export class IstioProxyMonitoring extends Construct {
  /** The labels the scraped series carry that platform queries may use: Istio's standard labels. */
  public static readonly PRODUCED_LABELS: string[] = [...IstioMetrics.LABELS];
  /** The sidecar container port (name) Envoy serves its Prometheus stats on (Istio injector, port 15090). */
  public static readonly PORT_NAME = 'http-envoy-prom';
  /** Envoy's Prometheus stats path. */
  public static readonly PATH = '/stats/prometheus';

  /** The PodMonitor's name. */
  public readonly monitorName: string;
  /** Its namespace (the model's). */
  public readonly namespace: string;
  /** Scrape interval. */
  public readonly interval: Duration;

  constructor(scope: Construct, id: string, props: IstioProxyMonitoringProps) {
    super(scope, id);
    checkProps('observability.IstioProxyMonitoringProps', props, 'props', this);
    const model = props.model;
    this.namespace = Names.validateDns1123Label('model.namespace', model.namespace, this);
    this.monitorName = `${Names.validateDns1123Label('model.modelName', model.modelName, this)}-istio-proxy`;
    this.interval = props.interval ?? Duration.seconds(30);
    new PodMonitor(this, 'Resource', {
      metadata: {
        name: this.monitorName,
        namespace: this.namespace,
        labels: {
          ...observabilityLabels(model.modelName, 'mesh-monitoring', { [PlatformLabels.TENANT]: model.tenant, [PlatformLabels.MODEL]: model.modelName }),
          ...(props.objectLabels ?? {}),
        },
      },
      spec: {
        selector: { matchLabels: { ...model.selectorLabels } },
        namespaceSelector: { matchNames: [this.namespace] },
        podMetricsEndpoints: [{
          port: IstioProxyMonitoring.PORT_NAME,
          path: IstioProxyMonitoring.PATH,
          scheme: PodMonitorSpecPodMetricsEndpointsScheme.HTTP,
          interval: promDuration('interval', this.interval),
          metricRelabelings: [{
            action: PodMonitorSpecPodMetricsEndpointsMetricRelabelingsAction.KEEP,
            sourceLabels: ['__name__'],
            regex: 'istio_.*',
          }],
        }],
      },
    });
  }
}
