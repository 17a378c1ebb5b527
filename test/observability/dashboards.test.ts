import { GpuDashboard, LlmSloAlerts, ModelServingDashboard, PlatformMetrics } from '../../src/observability';
import { findObject, synthChart } from '../util';
import { expectPromql, models } from './fixtures';

function dashboardOf(configMap: any): any {
  const keys = Object.keys(configMap.data);
  expect(keys).toHaveLength(1);
  return JSON.parse(configMap.data[keys[0]]);
}

/** Panel queries and the selectors inside `label_values(...)` variables. */
function promqlOf(dashboard: any): string[] {
  const panels = dashboard.panels.filter((p: any) => p.type !== 'row').flatMap((p: any) => p.targets.map((t: any) => t.expr));
  const variables = dashboard.templating.list.filter((v: any) => v.type === 'query')
    .map((v: any) => /^label_values\((.*), [A-Za-z_]+\)$/.exec(v.definition)![1]);
  return [...panels, ...variables];
}

describe('ModelServingDashboard', () => {
  test('defaults: a sidecar ConfigMap with latency, throughput, saturation and error panels', () => {
    let d!: ModelServingDashboard;
    const objects = synthChart((chart) => { d = new ModelServingDashboard(chart, 'serving'); });
    const cm = findObject(objects, 'ConfigMap', 'llm-model-serving');
    expect(cm.metadata.namespace).toBe('monitoring');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    expect(cm.metadata.annotations).toEqual({ grafana_folder: 'LLM Platform' });
    expect(Object.keys(cm.data)).toEqual(['llm-model-serving.json']);
    const dash = dashboardOf(cm);
    expect(dash).toMatchObject({ uid: 'llm-model-serving', title: 'LLM model serving', schemaVersion: 39, editable: false });
    expect(dash.templating.list.map((v: any) => v.name)).toEqual(['datasource', 'tenant', 'model']);
    expect(dash.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual(['Latency', 'Throughput', 'Saturation', 'Errors']);
    expect(dash.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.title)).toEqual([
      'Time to first token', 'Inter-token latency', 'End-to-end request latency', 'Tokens per second', 'Requests per second',
      'Queue depth and running requests', 'KV-cache usage', 'Replicas up', 'Error ratio', 'Preemptions per second',
    ]);
    expect(dash.panels[1].targets.map((t: any) => t.expr)).toEqual([0.5, 0.9, 0.99].map((q) =>
      `histogram_quantile(${q}, sum by (tenant, model, le) (llm_time_to_first_token_seconds_bucket:rate5m{tenant=~"$tenant", model=~"$model"}))`));
    expect(d.queries).toHaveLength(18);
    // Panels never overlap: unique grid positions.
    const positions = dash.panels.map((p: any) => `${p.gridPos.x},${p.gridPos.y}`);
    expect(new Set(positions).size).toBe(positions.length);
  });

  test('every query parses, uses monitor labels only, and reads metrics the recording rules produce', () => {
    const objects = synthChart((chart) => { new ModelServingDashboard(chart, 'serving'); });
    const recorded = new Set<string>(['up']);
    synthChart((chart) => {
      for (const m of Object.values(models())) new LlmSloAlerts(chart, m.modelName, { model: m }).recordedMetrics.forEach((x) => recorded.add(x));
    });
    for (const expr of promqlOf(dashboardOf(findObject(objects, 'ConfigMap')))) {
      for (const metric of expectPromql(expr).metricNames) expect(recorded).toContain(metric);
    }
    expect(recorded).toContain(PlatformMetrics.TIME_TO_FIRST_TOKEN_SECONDS_BUCKET_RATE5M);
  });

  test('custom name, namespace, folder and sidecar label', () => {
    const objects = synthChart((chart) => {
      new ModelServingDashboard(chart, 'serving', { name: 'serving', namespace: 'grafana', folder: 'Search', sidecarLabel: 'grafana.com/dashboard', sidecarLabelValue: 'true' });
    });
    const cm = findObject(objects, 'ConfigMap', 'serving');
    expect(cm.metadata).toMatchObject({ namespace: 'grafana', labels: { 'grafana.com/dashboard': 'true' }, annotations: { grafana_folder: 'Search' } });
    expect(dashboardOf(cm).uid).toBe('serving');
  });

  test('a bad name is a ValidationError', () => {
    expect(() => synthChart((chart) => { new ModelServingDashboard(chart, 'serving', { name: 'LLM Serving' }); }))
      .toThrow(/'name' must be .*got 'LLM Serving'/);
  });
});

describe('GpuDashboard', () => {
  test('utilization, memory, power, temperature and XIDs from DCGM', () => {
    let d!: GpuDashboard;
    const objects = synthChart((chart) => { d = new GpuDashboard(chart, 'gpus'); });
    const cm = findObject(objects, 'ConfigMap', 'llm-gpus');
    expect(cm.metadata.labels.grafana_dashboard).toBe('1');
    const dash = dashboardOf(cm);
    expect(dash.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.title)).toEqual([
      'GPU utilization', 'Framebuffer memory used', 'GPU utilization by workload namespace', 'Power draw', 'Temperature', 'Last XID error',
    ]);
    const metrics = new Set<string>();
    for (const expr of promqlOf(dash)) expectPromql(expr).metricNames.forEach((m) => metrics.add(m));
    expect([...metrics].sort()).toEqual(['DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_XID_ERRORS']);
    expect(d.queries).toHaveLength(6);
    expect(dash.panels.find((p: any) => p.title === 'Last XID error').type).toBe('stat');
  });
});
