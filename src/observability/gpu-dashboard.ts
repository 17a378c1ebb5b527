import { Construct } from 'constructs';
import { DashboardOptions } from './dashboard-options';
import { MetricLabels } from './metric-labels';
import { dashboardConfigMap } from './private/dashboard-config-map';
import { PlatformDashboard, panelQueries } from './private/grafana';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';

/**
 * Properties of `GpuDashboard`.
 */
export interface GpuDashboardProps extends DashboardOptions {}

/**
 * The GPU dashboard from DCGM exporter metrics: utilization, framebuffer memory, power, temperature,
 * XID errors, and GPU utilization per workload namespace.
 */
export class GpuDashboard extends Construct {
  /** The ConfigMap name and dashboard uid. */
  public readonly dashboardName: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** Every panel query (PromQL) of the dashboard. */
  public readonly queries: string[];

  constructor(scope: Construct, id: string, props: GpuDashboardProps = {}) {
    super(scope, id);
    checkProps('observability.GpuDashboardProps', props, 'props', this);
    this.dashboardName = Names.validateDns1123Label('name', props.name ?? 'llm-gpus', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'monitoring', this);
    const sel = `{${MetricLabels.NODE}=~"$node"}`;
    const by = `${MetricLabels.NODE}, ${MetricLabels.GPU}`;
    const gpu = '{{node}} GPU {{gpu}}';
    const dashboard = new PlatformDashboard(this.dashboardName, 'LLM GPUs', ['llm-platform', 'gpu'])
      .labelValuesVariable('node', 'Node', 'DCGM_FI_DEV_GPU_UTIL', MetricLabels.NODE)
      .row('Usage')
      .timeSeries({ title: 'GPU utilization', unit: 'percent', queries: [{ expr: `avg by (${by}) (DCGM_FI_DEV_GPU_UTIL${sel})`, legend: gpu }] })
      .timeSeries({
        title: 'Framebuffer memory used',
        unit: 'percentunit',
        redAbove: 0.95,
        queries: [{
          expr: `sum by (${by}) (DCGM_FI_DEV_FB_USED${sel}) / (sum by (${by}) (DCGM_FI_DEV_FB_USED${sel}) + sum by (${by}) (DCGM_FI_DEV_FB_FREE${sel}))`,
          legend: gpu,
        }],
      })
      .timeSeries({
        title: 'GPU utilization by workload namespace',
        unit: 'percent',
        queries: [{ expr: `avg by (${MetricLabels.NAMESPACE}) (DCGM_FI_DEV_GPU_UTIL{${MetricLabels.NODE}=~"$node", ${MetricLabels.NAMESPACE}!=""})`, legend: '{{namespace}}' }],
      })
      .row('Health')
      .timeSeries({ title: 'Power draw', unit: 'watt', queries: [{ expr: `sum by (${by}) (DCGM_FI_DEV_POWER_USAGE${sel})`, legend: gpu }] })
      .timeSeries({ title: 'Temperature', unit: 'celsius', redAbove: 85, queries: [{ expr: `max by (${by}) (DCGM_FI_DEV_GPU_TEMP${sel})`, legend: gpu }] })
      .stat({
        title: 'Last XID error',
        unit: 'none',
        redAbove: 1,
        queries: [{ expr: `max by (${by}) (DCGM_FI_DEV_XID_ERRORS${sel})`, legend: gpu }],
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
