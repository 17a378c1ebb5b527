import { Duration } from 'cdk8s';
import { MetricsMerging } from './istio-metrics-merging';
import { MetricLabels } from './metric-labels';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { IModelService } from '../core/model-service';
import { ComponentNeeds, RenderContext, componentId, signalsOf } from './private/component';
import { podLabelMeta } from './private/metadata';
import { promDuration } from './private/promql';
import { CollectorMode, TelemetrySignal } from './telemetry-signal';
import { checkProps } from '../core/private/runtime-types';

/**
 * Options of the OTLP receiver.
 */
export interface OtlpReceiverOptions {
  /**
   * Receiver name (the id becomes `otlp/<name>`).
   *
   * @default - the id is `otlp`
   */
  readonly name?: string;
  /**
   * Accept OTLP over gRPC on 4317.
   *
   * @default true
   */
  readonly grpc?: boolean;
  /**
   * Accept OTLP over HTTP on 4318.
   *
   * @default true
   */
  readonly http?: boolean;
}

/**
 * Options of a Prometheus receiver that scrapes model servers.
 */
export interface ModelScrapeOptions {
  /** The models to scrape (their runtimes give the metrics port and path). */
  readonly models: IModelService[];
  /**
   * Receiver name (the id becomes `prometheus/<name>`).
   *
   * @default 'models'
   */
  readonly name?: string;
  /**
   * Scrape interval.
   *
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Scrape only pods on the collector's own node (for a DaemonSet node agent; needs `K8S_NODE_NAME`,
   * which `TelemetryPipeline` sets in daemonset mode).
   *
   * @default false
   */
  readonly nodeLocal?: boolean;
  /**
   * Scrape through Istio metrics merging (port 15020, `/stats/prometheus`, see `MetricsMerging`): the
   * runtime's own port is behind the sidecar under STRICT mTLS. `false` scrapes the metrics port
   * directly (pods outside the mesh).
   *
   * @default true
   */
  readonly metricsMerging?: boolean;
}

/**
 * Options of the filelog receiver for container logs.
 */
export interface ContainerLogsReceiverOptions {
  /**
   * Namespaces whose container logs are not collected (e.g. noisy system namespaces).
   *
   * @default - none excluded (besides the collectors' own logs)
   */
  readonly excludeNamespaces?: string[];
}

/**
 * Options of the Kubernetes events receiver.
 */
export interface KubernetesEventsReceiverOptions {
  /**
   * Namespaces to watch.
   *
   * @default - all namespaces
   */
  readonly namespaces?: string[];
}

/**
 * Options of a receiver this library does not preset.
 */
export interface CustomReceiverOptions {
  /** The component type, e.g. `hostmetrics`. */
  readonly type: string;
  /**
   * Component name.
   *
   * @default - the id is the type
   */
  readonly name?: string;
  /** The signals it produces. */
  readonly signals: TelemetrySignal[];
  /**
   * Its configuration, as in the collector's YAML.
   *
   * @default {}
   */
  readonly config?: { [key: string]: any };
}

/**
 * A collector receiver: where telemetry enters a pipeline.
 */
export class CollectorReceiver {
  /**
   * OTLP over gRPC (4317) and HTTP (4318), all signals.
   */
  public static otlp(options: OtlpReceiverOptions = {}): CollectorReceiver {
    checkProps('observability.OtlpReceiverOptions', options, 'options');
    const grpc = options.grpc ?? true;
    const http = options.http ?? true;
    if (!grpc && !http) {
      throw new ValidationError('otlp.grpc', 'and http cannot both be disabled', false, 'enable grpc, http or both');
    }
    const protocols: { [key: string]: any } = {};
    if (grpc) protocols.grpc = { endpoint: '0.0.0.0:4317' };
    if (http) protocols.http = { endpoint: '0.0.0.0:4318' };
    return new CollectorReceiver(componentId('receiver', 'otlp', options.name),
      [TelemetrySignal.TRACES, TelemetrySignal.METRICS, TelemetrySignal.LOGS], () => ({ protocols }), {}, { grpc, http });
  }

  /**
   * A Prometheus receiver scraping model servers, with the same `tenant`, `model`, `model_version` and
   * `node` labels as `ModelServerMonitoring` (for clusters without the Prometheus operator).
   *
   * A pull receiver scrapes every target it discovers: in a collector Deployment with several replicas
   * each replica would scrape every pod (duplicate samples, out-of-order writes downstream). So, unless
   * `nodeLocal` shards the targets by node in a DaemonSet, it makes its collector run one replica
   * (`TelemetryPipeline` refuses `replicas` > 1 with it). Run OTLP ingestion in a separate collector when
   * that one needs several replicas.
   */
  public static prometheusModels(options: ModelScrapeOptions): CollectorReceiver {
    checkProps('observability.ModelScrapeOptions', options, 'options');
    if (options.models.length === 0) {
      throw new ValidationError('models', 'must list at least one model to scrape', [], 'pass the IModelService of each model');
    }
    const interval = promDuration('interval', options.interval ?? Duration.seconds(30));
    const merging = options.metricsMerging ?? true;
    const jobs = options.models.map((model, i) => {
      const runtime = model.runtime;
      if (!runtime.hasMetrics || runtime.metricsPort === undefined) {
        throw new ValidationError(`models[${i}].runtime`, 'has no metrics endpoint to scrape', runtime.name,
          'give the runtime a metricsPort (ModelRuntime.custom) or leave the model out');
      }
      const keep = Object.keys(model.selectorLabels).sort().map((key) => ({
        action: 'keep', source_labels: [podLabelMeta(key)], regex: model.selectorLabels[key],
      }));
      const address = merging
        ? MetricsMerging.scrapeConfigRelabelings(true)
        // `$` is the collector's env-var syntax, so capture references are written `$$1`.
        : [{ action: 'replace', source_labels: ['__meta_kubernetes_pod_ip'], regex: '(.+)', target_label: '__address__', replacement: `$$1:${runtime.metricsPort}` }];
      return {
        job_name: `${model.namespace}/${model.modelName}`,
        scrape_interval: interval,
        metrics_path: merging ? MetricsMerging.PATH : runtime.metricsPath,
        kubernetes_sd_configs: [{
          role: 'pod',
          namespaces: { names: [model.namespace] },
          ...(options.nodeLocal ? { selectors: [{ role: 'pod', field: 'spec.nodeName=${env:K8S_NODE_NAME}' }] } : {}),
        }],
        relabel_configs: [
          ...keep,
          ...address,
          { action: 'replace', target_label: MetricLabels.TENANT, replacement: model.tenant },
          { action: 'replace', source_labels: [podLabelMeta(PlatformLabels.TENANT)], regex: '(.+)', target_label: MetricLabels.TENANT },
          { action: 'replace', target_label: MetricLabels.MODEL, replacement: model.modelName },
          { action: 'replace', source_labels: [podLabelMeta(PlatformLabels.MODEL)], regex: '(.+)', target_label: MetricLabels.MODEL },
          { action: 'replace', source_labels: [podLabelMeta(PlatformLabels.MODEL_VERSION)], regex: '(.+)', target_label: MetricLabels.MODEL_VERSION },
          { action: 'replace', source_labels: ['__meta_kubernetes_pod_node_name'], target_label: MetricLabels.NODE },
          { action: 'replace', source_labels: ['__meta_kubernetes_namespace'], target_label: MetricLabels.NAMESPACE },
          { action: 'replace', source_labels: ['__meta_kubernetes_pod_name'], target_label: MetricLabels.POD },
        ],
        ...(merging ? { metric_relabel_configs: [{ action: 'drop', source_labels: ['__name__'], regex: 'envoy_.*' }] } : {}),
      };
    });
    return new CollectorReceiver(componentId('receiver', 'prometheus', options.name ?? 'models'), [TelemetrySignal.METRICS],
      () => ({ config: { scrape_configs: jobs } }),
      {
        clusterRules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }],
        singleReplica: !options.nodeLocal,
        scrapes: true,
      });
  }

  /**
   * Container logs from `/var/log/pods` (filelog with the `container` parser, which reads the CRI
   * format and the pod's namespace, name and container from the path). Node agents only.
   */
  public static containerLogs(options: ContainerLogsReceiverOptions = {}): CollectorReceiver {
    checkProps('observability.ContainerLogsReceiverOptions', options, 'options');
    const exclude = ['/var/log/pods/*/otc-container/*.log',
      ...(options.excludeNamespaces ?? []).map((ns) => `/var/log/pods/${ns}_*/*/*.log`)];
    return new CollectorReceiver('filelog', [TelemetrySignal.LOGS], () => ({
      include: ['/var/log/pods/*/*/*.log'],
      exclude,
      start_at: 'end',
      include_file_path: true,
      include_file_name: false,
      retry_on_failure: { enabled: true },
      operators: [{ type: 'container', id: 'container-parser' }],
    }), { mode: CollectorMode.DAEMONSET, hostPaths: { '/var/log/pods': 'varlogpods' }, readsRootFiles: true });
  }

  /**
   * Kubernetes events as log records (`k8s_events`). Runs in a single-replica deployment so each event
   * is reported once.
   */
  public static kubernetesEvents(options: KubernetesEventsReceiverOptions = {}): CollectorReceiver {
    checkProps('observability.KubernetesEventsReceiverOptions', options, 'options');
    const namespaces = options.namespaces ? [...options.namespaces] : undefined;
    return new CollectorReceiver('k8s_events', [TelemetrySignal.LOGS], () => (namespaces ? { namespaces } : {}), {
      mode: CollectorMode.DEPLOYMENT,
      singleReplica: true,
      clusterRules: [
        { apiGroups: [''], resources: ['events', 'namespaces'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
      ],
    });
  }

  /**
   * A receiver this library does not preset.
   */
  public static custom(options: CustomReceiverOptions): CollectorReceiver {
    checkProps('observability.CustomReceiverOptions', options, 'options');
    const config = { ...(options.config ?? {}) };
    return new CollectorReceiver(componentId('receiver', options.type, options.name), signalsOf('receiver', options.signals), () => config);
  }

  /** The component id in the collector config (`otlp`, `prometheus/models`). */
  public readonly componentId: string;
  /** The signals it produces. */
  public readonly signals: TelemetrySignal[];
  /** Whether it accepts OTLP over gRPC (OTLP receivers only). */
  public readonly acceptsOtlpGrpc: boolean;
  /** Whether it accepts OTLP over HTTP (OTLP receivers only). */
  public readonly acceptsOtlpHttp: boolean;
  /** @internal */
  public readonly _needs: ComponentNeeds;
  private readonly render: (ctx: RenderContext) => { [key: string]: any };

  private constructor(id: string, signals: TelemetrySignal[], render: (ctx: RenderContext) => { [key: string]: any },
    needs: ComponentNeeds = {}, otlp: { grpc?: boolean; http?: boolean } = {}) {
    this.componentId = id;
    this.signals = signals;
    this.render = render;
    this._needs = needs;
    this.acceptsOtlpGrpc = otlp.grpc ?? false;
    this.acceptsOtlpHttp = otlp.http ?? false;
  }

  /** @internal */
  public _render(ctx: RenderContext): { [key: string]: any } {
    return this.render(ctx);
  }
}
