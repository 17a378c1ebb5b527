import { Construct } from 'constructs';
import { DashboardOptions } from './dashboard-options';
import { MetricLabels, PlatformMetrics } from './metric-labels';
import { dashboardConfigMap } from './private/dashboard-config-map';
import { PlatformDashboard, panelQueries } from './private/grafana';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';

/**
 * Properties of `ModelServingDashboard`.
 */
export interface ModelServingDashboardProps extends DashboardOptions {}

/**
 * The model-serving dashboard: latency percentiles (TTFT, inter-token, end to end), tokens/s,
 * requests/s, queue depth, KV-cache usage, errors, preemptions and replicas, per tenant and model.
 * It reads only the platform metrics `LlmSloAlerts` records, so it works for every runtime.
 */
export class ModelServingDashboard extends Construct {
  /** The ConfigMap name and dashboard uid. */
  public readonly dashboardName: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** Every panel query (PromQL) of the dashboard. */
  public readonly queries: string[];

  constructor(scope: Construct, id: string, props: ModelServingDashboardProps = {}) {
    super(scope, id);
    checkProps('observability.ModelServingDashboardProps', props, 'props', this);
    this.dashboardName = Names.validateDns1123Label('name', props.name ?? 'llm-model-serving', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'monitoring', this);
    const sel = `{${MetricLabels.TENANT}=~"$tenant", ${MetricLabels.MODEL}=~"$model"}`;
    const by = `${MetricLabels.TENANT}, ${MetricLabels.MODEL}`;
    const who = '{{tenant}}/{{model}}';
    const quantiles = (bucketRate: string) => [0.5, 0.9, 0.99].map((q) => ({
      expr: `histogram_quantile(${q}, sum by (${by}, le) (${bucketRate}${sel}))`,
      legend: `${who} p${Math.round(q * 100)}`,
    }));
    const dashboard = new PlatformDashboard(this.dashboardName, 'LLM model serving', ['llm-platform', 'serving'])
      .labelValuesVariable('tenant', 'Tenant', `up{${MetricLabels.MODEL}!=""}`, MetricLabels.TENANT)
      .labelValuesVariable('model', 'Model', `up{${MetricLabels.TENANT}=~"$tenant", ${MetricLabels.MODEL}!=""}`, MetricLabels.MODEL)
      .row('Latency')
      .timeSeries({ title: 'Time to first token', unit: 's', queries: quantiles(PlatformMetrics.TIME_TO_FIRST_TOKEN_SECONDS_BUCKET_RATE5M) })
      .timeSeries({ title: 'Inter-token latency', unit: 's', queries: quantiles(PlatformMetrics.INTER_TOKEN_LATENCY_SECONDS_BUCKET_RATE5M) })
      .timeSeries({ title: 'End-to-end request latency', unit: 's', queries: quantiles(PlatformMetrics.REQUEST_DURATION_SECONDS_BUCKET_RATE5M) })
      .row('Throughput')
      .timeSeries({
        title: 'Tokens per second',
        unit: 'short',
        queries: [
          { expr: `sum by (${by}) (${PlatformMetrics.TOKEN_THROUGHPUT}${sel})`, legend: `${who} generated` },
          { expr: `sum by (${by}) (${PlatformMetrics.PROMPT_TOKEN_THROUGHPUT}${sel})`, legend: `${who} prompt` },
        ],
      })
      .timeSeries({ title: 'Requests per second', unit: 'reqps', queries: [{ expr: `sum by (${by}) (${PlatformMetrics.REQUESTS_RATE5M}${sel})`, legend: who }] })
      .row('Saturation')
      .timeSeries({
        title: 'Queue depth and running requests',
        unit: 'short',
        queries: [
          { expr: `sum by (${by}) (${PlatformMetrics.QUEUE_DEPTH}${sel})`, legend: `${who} waiting` },
          { expr: `sum by (${by}) (${PlatformMetrics.REQUESTS_RUNNING}${sel})`, legend: `${who} running` },
        ],
      })
      .timeSeries({
        title: 'KV-cache usage',
        unit: 'percentunit',
        redAbove: 0.9,
        queries: [{ expr: `max by (${by}, ${MetricLabels.POD}) (${PlatformMetrics.KV_CACHE_USAGE}${sel})`, legend: `${who} {{pod}}` }],
      })
      .timeSeries({ title: 'Replicas up', unit: 'short', queries: [{ expr: `count by (${by}) (up${sel} == 1)`, legend: who }] })
      .row('Errors')
      .timeSeries({
        title: 'Error ratio',
        unit: 'percentunit',
        queries: [{ expr: `max by (${by}) (${PlatformMetrics.ERROR_RATIO_PREFIX}5m${sel})`, legend: who }],
      })
      .timeSeries({ title: 'Preemptions per second', unit: 'short', queries: [{ expr: `sum by (${by}) (${PlatformMetrics.PREEMPTIONS_RATE5M}${sel})`, legend: who }] })
      .build();
    this.queries = panelQueries(dashboard);
    dashboardConfigMap(this, {
      name: this.dashboardName,
      namespace: this.namespace,
      dashboard,
      folder: props.folder ?? 'LLM Platform',
      sidecarLabel: props.sidecarLabel ?? 'grafana_dashboard',
      sidecarLabelValue: props.sidecarLabelValue ?? '1',
    });
  }
}
