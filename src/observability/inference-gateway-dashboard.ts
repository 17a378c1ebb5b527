import { Construct } from 'constructs';
import { DashboardOptions } from './dashboard-options';
import { dashboardConfigMap } from './private/dashboard-config-map';
import { PlatformDashboard, panelQueries } from './private/grafana';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';

/**
 * Properties of `InferenceGatewayDashboard`.
 */
export interface InferenceGatewayDashboardProps extends DashboardOptions {}

/**
 * The inference path's dashboard, from the endpoint pickers' metrics (Gateway API Inference Extension v1.4.0,
 * `schemas/upstream/metrics/gateway-api-inference-extension-epp-v1.4.0.json`): per InferencePool its ready pods,
 * average queue and KV-cache use, per-pod queues (what the picker balances), the picker's scheduling latency and
 * attempts, and requests and errors per model and objective.
 */
export class InferenceGatewayDashboard extends Construct {
  /** The ConfigMap name and dashboard uid. */
  public readonly dashboardName: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** Every panel query (PromQL) of the dashboard. */
  public readonly queries: string[];

  constructor(scope: Construct, id: string, props: InferenceGatewayDashboardProps = {}) {
    super(scope, id);
    checkProps('observability.InferenceGatewayDashboardProps', props, 'props', this);
    this.dashboardName = Names.validateDns1123Label('name', props.name ?? 'llm-inference-gateway', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'monitoring', this);
    const pool = '{name=~"$name"}';
    const dashboard = new PlatformDashboard(this.dashboardName, 'LLM inference gateway', ['llm-platform', 'inference-gateway'])
      .labelValuesVariable('name', 'InferencePool', 'inference_pool_ready_pods', 'name')
      .row('Pools')
      .stat({ title: 'Ready pods', unit: 'none', queries: [{ expr: `max by (name) (inference_pool_ready_pods${pool})`, legend: '{{name}}' }] })
      .timeSeries({ title: 'Average queue per pod', unit: 'none', queries: [{ expr: `max by (name) (inference_pool_average_queue_size${pool})`, legend: '{{name}}' }] })
      .timeSeries({
        title: 'Average KV-cache use',
        unit: 'percentunit',
        redAbove: 0.9,
        queries: [{ expr: `max by (name) (inference_pool_average_kv_cache_utilization${pool})`, legend: '{{name}}' }],
      })
      .timeSeries({
        title: 'Queue per pod (what the picker balances)',
        unit: 'none',
        queries: [{ expr: `max by (name, model_server_pod) (inference_pool_per_pod_queue_size${pool})`, legend: '{{name}} {{model_server_pod}}' }],
      })
      .row('Picker')
      .timeSeries({
        title: 'Scheduling latency p99',
        unit: 's',
        queries: [{ expr: 'histogram_quantile(0.99, sum by (le) (rate(inference_extension_scheduler_e2e_duration_seconds_bucket[5m])))', legend: 'p99' }],
      })
      .timeSeries({
        title: 'Scheduling attempts',
        unit: 'reqps',
        queries: [{ expr: 'sum by (status) (rate(inference_extension_scheduler_attempts_total[5m]))', legend: '{{status}}' }],
      })
      .row('Requests')
      .timeSeries({
        title: 'Requests per model',
        unit: 'reqps',
        queries: [{ expr: 'sum by (model_name, target_model_name) (rate(inference_objective_request_total[5m]))', legend: '{{model_name}} -> {{target_model_name}}' }],
      })
      .timeSeries({
        title: 'Request errors per model',
        unit: 'reqps',
        queries: [{ expr: 'sum by (model_name, error_code) (rate(inference_objective_request_error_total[5m]))', legend: '{{model_name}} {{error_code}}' }],
      })
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
