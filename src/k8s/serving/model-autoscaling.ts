import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { ModelRuntime } from '../../core/model-runtime';
import { wholeSeconds } from '../../core/private/durations';
import { checkProps } from '../../core/private/runtime-types';
import { ScaledObject } from '../../imports/keda-scaledobject-keda.sh';

/**
 * Options of KEDA autoscaling on LLM signals (Prometheus queries over the runtime's metrics).
 * Each signal is used when the runtime exports its metric.
 */
export interface KedaAutoscalingOptions {
  /**
   * The Prometheus KEDA queries.
   *
   * @default 'http://prometheus-operated.monitoring.svc:9090' (the Service prometheus-operator creates)
   */
  readonly prometheusServerAddress?: string;
  /**
   * Target of queued requests per replica (scale out when more wait).
   *
   * @default 4 - a queue of more than a few requests per replica adds seconds to time to first token
   */
  readonly waitingRequestsPerReplica?: number;
  /**
   * Target KV-cache usage, averaged over replicas, in (0, 1].
   *
   * @default 0.8 - vLLM starts preempting requests when the KV cache is full
   */
  readonly kvCacheUsageTarget?: number;
  /**
   * Target generated tokens per second per replica.
   *
   * @default 1000 - a conservative throughput of an 8B model on one A10G/L4-class GPU; set it for your model
   */
  readonly generationTokensPerSecondPerReplica?: number;
  /**
   * How often KEDA queries Prometheus.
   *
   * @default Duration.seconds(30)
   */
  readonly pollingInterval?: Duration;
  /**
   * How long the load must stay low before scaling in (model replicas take minutes to start again).
   *
   * @default Duration.minutes(10)
   */
  readonly scaleDownStabilization?: Duration;
}

/**
 * Where the HPA reads its metric.
 */
export enum HpaMetricSource {
  /** A per-pod custom metric (custom.metrics.k8s.io, e.g. from prometheus-adapter). */
  PODS = 'Pods',
  /** An external metric (external.metrics.k8s.io). */
  EXTERNAL = 'External',
}

/**
 * Options of HPA autoscaling on a custom or external metric (never CPU: a GPU-bound server's CPU says
 * nothing about its load).
 */
export interface HpaAutoscalingOptions {
  /**
   * The metric name as the metrics adapter exposes it.
   *
   * @default - the runtime's waiting-requests metric with ':' replaced by '_' (prometheus-adapter naming)
   */
  readonly metricName?: string;
  /** Target average value per replica (e.g. 4 waiting requests). */
  readonly targetAverageValue: number;
  /**
   * Custom per-pod metric or external metric.
   *
   * @default HpaMetricSource.PODS
   */
  readonly metricSource?: HpaMetricSource;
  /**
   * How long the load must stay low before scaling in.
   *
   * @default Duration.minutes(10)
   */
  readonly scaleDownStabilization?: Duration;
}

/**
 * What an autoscaler binds to.
 * @internal
 */
export interface AutoscalingTarget {
  readonly deploymentName: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly runtime: ModelRuntime;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** PromQL label matchers selecting the target's pods, e.g. `namespace="search",pod=~"llama3-stable-.*"`. */
  readonly podMatchers: string;
}

const DEFAULT_PROMETHEUS = 'http://prometheus-operated.monitoring.svc:9090';

/**
 * How a model scales (enum-like): KEDA on Prometheus queries (default), an HPA on a custom or external
 * metric, or a fixed replica count.
 */
export class ModelAutoscaling {
  /**
   * KEDA ScaledObject with Prometheus triggers on waiting requests, KV-cache usage and generated
   * tokens per second (each when the runtime exports the metric).
   */
  public static keda(options: KedaAutoscalingOptions = {}): ModelAutoscaling {
    checkProps('k8s.KedaAutoscalingOptions', options, 'options');
    positive('waitingRequestsPerReplica', options.waitingRequestsPerReplica, 'use e.g. 4');
    positive('generationTokensPerSecondPerReplica', options.generationTokensPerSecondPerReplica, 'use the throughput one replica sustains, e.g. 1000');
    if (options.kvCacheUsageTarget !== undefined && !(options.kvCacheUsageTarget > 0 && options.kvCacheUsageTarget <= 1)) {
      throw new ValidationError('kvCacheUsageTarget', 'must be a fraction in (0, 1]', options.kvCacheUsageTarget, 'use e.g. 0.8');
    }
    if (options.prometheusServerAddress !== undefined && !/^https?:\/\/[^\s]+$/.test(options.prometheusServerAddress)) {
      throw new ValidationError('prometheusServerAddress', 'must be an http(s) URL', options.prometheusServerAddress, `use e.g. '${DEFAULT_PROMETHEUS}'`);
    }
    if (options.pollingInterval !== undefined) wholeSeconds('pollingInterval', options.pollingInterval, 1, 2147483647, 'use e.g. Duration.seconds(30)');
    if (options.scaleDownStabilization !== undefined) stabilization('scaleDownStabilization', options.scaleDownStabilization);
    return new ModelAutoscaling('keda', options, undefined);
  }

  /**
   * HorizontalPodAutoscaler (autoscaling/v2) on a custom per-pod or external metric.
   */
  public static hpa(options: HpaAutoscalingOptions): ModelAutoscaling {
    checkProps('k8s.HpaAutoscalingOptions', options, 'options');
    positive('targetAverageValue', options.targetAverageValue, 'use e.g. 4 waiting requests per replica');
    if (options.metricName !== undefined && !/^[A-Za-z_][A-Za-z0-9_:.-]*$/.test(options.metricName)) {
      throw new ValidationError('metricName', 'must be a metric name', options.metricName, "use the name the metrics adapter exposes, e.g. 'vllm_num_requests_waiting'");
    }
    if (options.scaleDownStabilization !== undefined) stabilization('scaleDownStabilization', options.scaleDownStabilization);
    return new ModelAutoscaling('hpa', undefined, options);
  }

  /**
   * A fixed number of replicas (`replicas.min`), no autoscaler.
   */
  public static fixed(): ModelAutoscaling {
    return new ModelAutoscaling('fixed', undefined, undefined);
  }

  /** `keda`, `hpa` or `fixed`. */
  public readonly kind: string;

  private constructor(kind: string, private readonly kedaOptions?: KedaAutoscalingOptions, private readonly hpaOptions?: HpaAutoscalingOptions) {
    this.kind = kind;
  }

  /** Whether an autoscaler owns the replica count. */
  public get isAutoscaled(): boolean {
    return this.kind !== 'fixed';
  }

  /**
   * The PromQL queries KEDA would use for a target (empty for HPA and fixed).
   * @internal
   */
  public _kedaTriggers(target: AutoscalingTarget): Array<{ name: string; query: string; threshold: string; metricType: string }> {
    if (this.kind !== 'keda') return [];
    const o = this.kedaOptions ?? {};
    const m = target.runtime.metricNames;
    const sel = `{${target.podMatchers}}`;
    const triggers: Array<{ name: string; query: string; threshold: string; metricType: string }> = [];
    if (m.requestsWaiting) {
      triggers.push({ name: 'waiting-requests', query: `sum(${m.requestsWaiting}${sel})`, threshold: String(o.waitingRequestsPerReplica ?? 4), metricType: 'AverageValue' });
    }
    if (m.kvCacheUsage) {
      triggers.push({ name: 'kv-cache-usage', query: `avg(${m.kvCacheUsage}${sel})`, threshold: String(o.kvCacheUsageTarget ?? 0.8), metricType: 'Value' });
    }
    if (m.generationTokensTotal) {
      triggers.push({ name: 'generation-tokens-per-second', query: `sum(rate(${m.generationTokensTotal}${sel}[2m]))`, threshold: String(o.generationTokensPerSecondPerReplica ?? 1000), metricType: 'AverageValue' });
    }
    return triggers;
  }

  /**
   * Emit the autoscaler for a target.
   * @internal
   */
  public _bind(scope: Construct, id: string, target: AutoscalingTarget): void {
    const metadata = { name: target.deploymentName, namespace: target.namespace, labels: target.labels };
    if (this.kind === 'keda') {
      const o = this.kedaOptions ?? {};
      const triggers = this._kedaTriggers(target);
      if (triggers.length === 0) {
        throw new ValidationError('autoscaling', `needs a metric to scale on, but runtime '${target.runtime.name}' exports none of waiting requests, KV-cache usage or generated tokens`, 'ModelAutoscaling.keda()',
          'use ModelAutoscaling.hpa() with a metric your adapter exposes, or ModelAutoscaling.fixed()', scope);
      }
      const server = o.prometheusServerAddress ?? DEFAULT_PROMETHEUS;
      new ScaledObject(scope, id, {
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.deploymentName },
          minReplicaCount: target.minReplicas,
          maxReplicaCount: target.maxReplicas,
          pollingInterval: wholeSeconds('pollingInterval', o.pollingInterval ?? Duration.seconds(30), 1, 2147483647, 'use e.g. Duration.seconds(30)', scope),
          cooldownPeriod: 300,
          advanced: {
            horizontalPodAutoscalerConfig: {
              name: target.deploymentName,
              behavior: {
                scaleDown: { stabilizationWindowSeconds: stabilization('scaleDownStabilization', o.scaleDownStabilization, scope) },
              },
            },
          },
          triggers: triggers.map((t) => ({
            type: 'prometheus',
            name: t.name,
            metricType: t.metricType,
            metadata: { serverAddress: server, query: t.query, threshold: t.threshold },
          })),
        },
      });
    } else if (this.kind === 'hpa') {
      const o = this.hpaOptions!;
      const metricName = o.metricName ?? target.runtime.metricNames.requestsWaiting?.replace(/:/g, '_');
      if (!metricName) {
        throw new ValidationError('metricName', `must be set: runtime '${target.runtime.name}' exports no waiting-requests metric to default to`, o.metricName,
          'pass the custom metric name your metrics adapter exposes', scope);
      }
      const source = o.metricSource ?? HpaMetricSource.PODS;
      const averageValue = String(o.targetAverageValue);
      const metric = source === HpaMetricSource.PODS
        ? { type: 'Pods', pods: { metric: { name: metricName }, target: { type: 'AverageValue', averageValue } } }
        : { type: 'External', external: { metric: { name: metricName, selector: { matchLabels: target.labels } }, target: { type: 'AverageValue', averageValue } } };
      new ApiObject(scope, id, {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata,
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: target.deploymentName },
          minReplicas: target.minReplicas,
          maxReplicas: target.maxReplicas,
          metrics: [metric],
          behavior: { scaleDown: { stabilizationWindowSeconds: stabilization('scaleDownStabilization', o.scaleDownStabilization, scope) } },
        },
      });
    }
  }
}

function positive(prop: string, value: number | undefined, fix: string): void {
  if (value !== undefined && !(typeof value === 'number' && value > 0 && Number.isFinite(value))) {
    throw new ValidationError(prop, 'must be a positive number', value, fix);
  }
}

/**
 * An HPA scale-down stabilization window: whole seconds from 0 to 3600 (kubernetes pkg/apis/autoscaling/validation
 * `MaxStabilizationWindowSeconds = 3600`; the API server rejects longer windows).
 */
function stabilization(prop: string, window: Duration | undefined, scope?: Construct): number {
  return wholeSeconds(prop, window ?? Duration.minutes(10), 0, 3600, 'use e.g. Duration.minutes(10) (at most an hour)', scope);
}
