import { Construct } from 'constructs';
import { AlertSeverity } from './alert-severity';
import { ProblemCollector } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import { PodMonitor } from '../imports/prometheus-podmonitor-monitoring.coreos.com';
import { PrometheusRule } from '../imports/prometheus-prometheusrule-monitoring.coreos.com';
import type { InferencePoolRoute } from '../mesh/inference-pool-route';
import { observabilityLabels } from './private/metadata';
import { num } from './private/promql';
import { alertRule } from './private/rules';

/**
 * Properties of `EndpointPickerMonitoring`.
 */
export interface EndpointPickerMonitoringProps {
  /** The model's inference path (its pools and their endpoint pickers). */
  readonly route: InferencePoolRoute;
  /**
   * The average waiting requests per pod of a pool (`inference_pool_average_queue_size`) above which requests queue
   * for 10 minutes: add replicas, or shed batch traffic (a lower InferenceObjective priority).
   *
   * @default 8
   */
  readonly queueThreshold?: number;
  /**
   * The average KV-cache use of a pool's pods (`inference_pool_average_kv_cache_utilization`, 0..1) above which the
   * servers preempt and recompute for 10 minutes.
   *
   * @default 0.9
   */
  readonly kvCacheThreshold?: number;
  /**
   * Labels on every alert (routing in Alertmanager).
   *
   * @default - none
   */
  readonly alertLabels?: { [key: string]: string };
  /**
   * Extra labels on the PodMonitor and the PrometheusRule (the selectors of your Prometheus, e.g.
   * `release: kube-prometheus-stack`).
   *
   * @default - none
   */
  readonly objectLabels?: { [key: string]: string };
}

/**
 * Monitoring of a model's endpoint pickers (Gateway API Inference Extension v1.4.0 metrics, vendored in
 * `schemas/upstream/inference-extension/epp.json`): a `PodMonitor` of the pickers' `metrics` port (9090, `/metrics`)
 * and a `PrometheusRule` with the pools' health: no ready pod, a queue building up, a saturated KV cache, a picker
 * Prometheus cannot scrape. The picker's metrics are per pool (label `name`), the pool's view of its pods.
 */
export class EndpointPickerMonitoring extends Construct {
  /** The PodMonitor's and the PrometheusRule's name. */
  public readonly monitorName: string;
  /** Their namespace (the model's). */
  public readonly namespace: string;
  /** Alert names emitted, in order. */
  public readonly alertNames: string[];

  constructor(scope: Construct, id: string, props: EndpointPickerMonitoringProps) {
    super(scope, id);
    checkProps('observability.EndpointPickerMonitoringProps', props, 'props', this);
    const route = props.route;
    const queue = props.queueThreshold ?? 8;
    const kv = props.kvCacheThreshold ?? 0.9;
    const problems = new ProblemCollector(this);
    problems.check(typeof queue === 'number' && queue > 0, 'queueThreshold', 'must be a positive number of waiting requests', queue, 'use e.g. 8');
    problems.check(typeof kv === 'number' && kv > 0 && kv <= 1, 'kvCacheThreshold', 'must be a fraction in (0, 1]', kv, 'use e.g. 0.9');
    problems.throwIfAny();
    this.namespace = route.model.namespace;
    this.monitorName = Names.validateDns1123Label('route', `${route.model.serviceName}-inference`, this);
    const objectLabels = { ...observabilityLabels(route.model.modelName, 'endpoint-picker-monitoring'), ...(props.objectLabels ?? {}) };
    new PodMonitor(this, 'Monitor', {
      metadata: { name: this.monitorName, namespace: this.namespace, labels: objectLabels },
      spec: {
        selector: {
          matchLabels: { [PlatformLabels.COMPONENT]: 'endpoint-picker' },
          matchExpressions: [{ key: PlatformLabels.INFERENCE_POOL, operator: 'In', values: route.pools.map((p) => p.poolName) }],
        },
        podMetricsEndpoints: [{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }],
      },
    });
    const pools = route.pools.map((p) => p.poolName).join('|');
    const sel = `name=~"${pools}"`;
    const labels = props.alertLabels ?? {};
    const where = 'InferencePool {{ $labels.name }}';
    const rules = [
      alertRule({
        alert: 'InferencePoolNoReadyPods',
        severity: AlertSeverity.CRITICAL,
        labels,
        for: '5m',
        expr: `max by (name) (inference_pool_ready_pods{${sel}}) == 0`,
        summary: `${where} has no ready model server`,
        description: `The endpoint picker of ${where} (namespace ${this.namespace}) has seen no ready pod for 5 minutes: every request to it fails.`,
      }),
      alertRule({
        alert: 'InferencePoolQueueBuildingUp',
        severity: AlertSeverity.WARNING,
        labels,
        for: '10m',
        expr: `max by (name) (inference_pool_average_queue_size{${sel}}) > ${num(queue)}`,
        summary: `${where} queues requests`,
        description: `${where} has averaged more than ${num(queue)} waiting requests per pod for 10 minutes ({{ $value }}): add replicas or lower the priority of batch objectives.`,
      }),
      alertRule({
        alert: 'InferencePoolKvCacheSaturated',
        severity: AlertSeverity.WARNING,
        labels,
        for: '10m',
        expr: `max by (name) (inference_pool_average_kv_cache_utilization{${sel}}) > ${num(kv)}`,
        summary: `${where} runs out of KV cache`,
        description: `${where} has used more than ${num(kv * 100)}% of its KV cache on average for 10 minutes ({{ $value }}): servers preempt and recompute.`,
      }),
      alertRule({
        alert: 'EndpointPickerDown',
        severity: AlertSeverity.CRITICAL,
        labels,
        for: '5m',
        expr: `max by (pod) (up{job="${this.namespace}/${this.monitorName}"}) == 0`,
        summary: 'The endpoint picker {{ $labels.pod }} cannot be scraped',
        description: `Prometheus has not scraped the endpoint picker {{ $labels.pod }} in ${this.namespace} for 5 minutes; with FailClose, requests to its pool fail while it is down.`,
      }),
    ];
    this.alertNames = rules.map((r) => r.alert!);
    new PrometheusRule(this, 'Rules', {
      metadata: { name: this.monitorName, namespace: this.namespace, labels: objectLabels },
      spec: { groups: [{ name: `${this.monitorName}.alerts`, rules }] },
    });
  }
}
