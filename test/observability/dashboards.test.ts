import * as fs from 'fs';
import * as path from 'path';
import { GpuDashboard, InferenceGatewayDashboard, LlmSloAlerts, ModelServingDashboard, PlatformMetrics } from '../../src/observability';
import { findObject, synthChart } from '../util';
import { expectPromql, models } from './fixtures';

function dashboardOf(configMap: any): any {
  const keys = Object.keys(configMap.data);
  expect(keys).toHaveLength(1);
  return JSON.parse(configMap.data[keys[0]]);
}

/** The grid rectangles of two panels overlap. */
function overlaps(a: any, b: any): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** Structure every platform dashboard shares (built with @grafana/grafana-foundation-sdk). */
function expectPlatformDashboard(dash: any, variables: string[]): void {
  expect(dash).toMatchObject({
    editable: false, graphTooltip: 1, timezone: 'utc', refresh: '30s', time: { from: 'now-6h', to: 'now' }, schemaVersion: 42,
  });
  // Provisioned dashboards carry no database id, no version and no timestamps.
  expect(dash.id).toBeUndefined();
  expect(dash.version).toBeUndefined();
  expect(JSON.stringify(dash)).not.toMatch(/"(created|updated|timestamp|iteration)"/);
  expect(dash.annotations.list).toEqual([expect.objectContaining({ builtIn: 1, name: 'Annotations & Alerts', type: 'dashboard' })]);
  // The datasource variable first, then one multi-value label_values variable per filter.
  expect(dash.templating.list.map((v: any) => v.name)).toEqual(['datasource', ...variables]);
  expect(dash.templating.list[0]).toMatchObject({ type: 'datasource', name: 'datasource', label: 'Data source', query: 'prometheus' });
  for (const v of dash.templating.list.slice(1)) {
    expect(v).toMatchObject({
      type: 'query', datasource: { type: 'prometheus', uid: '${datasource}' }, refresh: 2, sort: 1, multi: true, includeAll: true, allValue: '.*',
    });
    expect(v.definition).toMatch(new RegExp(`^label_values\\(.*, ${v.name}\\)$`));
    expect(v.query).toEqual({ qryType: 1, query: v.definition, refId: 'PrometheusVariableQueryEditor-VariableQuery' });
  }
  // Stable ids 1..n in panel order; panels are top level (rows are not collapsed).
  expect(dash.panels.map((p: any) => p.id)).toEqual(dash.panels.map((_: any, i: number) => i + 1));
  for (const row of dash.panels.filter((p: any) => p.type === 'row')) {
    expect(row).toMatchObject({ collapsed: false, panels: [], gridPos: { x: 0, w: 24, h: 1 } });
  }
  const panels = dash.panels.filter((p: any) => p.type !== 'row');
  for (const p of panels) {
    expect(p.gridPos).toMatchObject({ w: 12, h: 8 });
    expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
    expect(p.targets.map((t: any) => t.refId)).toEqual(p.targets.map((_: any, i: number) => 'ABCDEFGHIJ'[i]));
    for (const t of p.targets) expect(t).toMatchObject({ datasource: { type: 'prometheus', uid: '${datasource}' }, range: true, instant: false });
    expect(p.fieldConfig.defaults.thresholds.steps[0]).toEqual({ color: 'green', value: null });
  }
  // No two panels (rows included) share grid cells, and rows sit below the previous row's panels.
  dash.panels.forEach((a: any, i: number) => dash.panels.slice(i + 1).forEach((b: any) => {
    expect({ a: a.title, b: b.title, overlap: overlaps(a.gridPos, b.gridPos) }).toEqual({ a: a.title, b: b.title, overlap: false });
  }));
  const ys = dash.panels.map((p: any) => p.gridPos.y);
  expect(ys).toEqual([...ys].sort((x: number, y: number) => x - y));
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
    expect(dash).toMatchObject({ uid: 'llm-model-serving', title: 'LLM model serving', tags: ['llm-platform', 'serving'] });
    expectPlatformDashboard(dash, ['tenant', 'model']);
    expect(dash.templating.list[2].definition).toBe('label_values(up{tenant=~"$tenant", model!=""}, model)');
    expect(dash.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual(['Latency', 'Throughput', 'Saturation', 'Errors']);
    expect(dash.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.title)).toEqual([
      'Time to first token', 'Inter-token latency', 'End-to-end request latency', 'Tokens per second', 'Requests per second',
      'Queue depth and running requests', 'KV-cache usage', 'Replicas up', 'Error ratio', 'Preemptions per second',
    ]);
    expect(dash.panels[1].targets.map((t: any) => t.expr)).toEqual([0.5, 0.9, 0.99].map((q) =>
      `histogram_quantile(${q}, sum by (tenant, model, le) (llm_time_to_first_token_seconds_bucket:rate5m{tenant=~"$tenant", model=~"$model"}))`));
    expect(dash.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.type)).toEqual(Array(10).fill('timeseries'));
    // The SDK's layout: two panels per line, each row below the tallest panel of the previous one.
    expect(dash.panels.map((p: any) => [p.gridPos.x, p.gridPos.y])).toEqual([
      [0, 0], [0, 1], [12, 1], [0, 9],
      [0, 17], [0, 18], [12, 18],
      [0, 26], [0, 27], [12, 27], [0, 35],
      [0, 43], [0, 44], [12, 44],
    ]);
    expect(dash.panels[1].targets.map((t: any) => t.legendFormat)).toEqual(['{{tenant}}/{{model}} p50', '{{tenant}}/{{model}} p90', '{{tenant}}/{{model}} p99']);
    expect(dash.panels[1].options).toMatchObject({ legend: { displayMode: 'table', placement: 'bottom', calcs: ['mean', 'max'] }, tooltip: { mode: 'multi', sort: 'desc' } });
    const kv = dash.panels.find((p: any) => p.title === 'KV-cache usage');
    expect(kv.fieldConfig.defaults).toMatchObject({ unit: 'percentunit', thresholds: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'red', value: 0.9 }] } });
    expect(d.queries).toHaveLength(18);
    expect(d.queries).toEqual(dash.panels.flatMap((p: any) => (p.targets ?? []).map((t: any) => t.expr)));
  });

  test('output is deterministic', () => {
    const render = () => findObject(synthChart((chart) => { new ModelServingDashboard(chart, 'serving'); }), 'ConfigMap').data['llm-model-serving.json'];
    expect(render()).toBe(render());
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
    expect(dash).toMatchObject({ uid: 'llm-gpus', title: 'LLM GPUs', tags: ['llm-platform', 'gpu'] });
    expectPlatformDashboard(dash, ['node']);
    expect(dash.templating.list[1].definition).toBe('label_values(DCGM_FI_DEV_GPU_UTIL, node)');
    expect(dash.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual(['Usage', 'Health']);
    expect(dash.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.title)).toEqual([
      'GPU utilization', 'Framebuffer memory used', 'GPU utilization by workload namespace', 'Power draw', 'Temperature', 'Last XID error',
    ]);
    const metrics = new Set<string>();
    for (const expr of promqlOf(dash)) expectPromql(expr).metricNames.forEach((m) => metrics.add(m));
    expect([...metrics].sort()).toEqual(['DCGM_FI_DEV_FB_FREE', 'DCGM_FI_DEV_FB_USED', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_GPU_UTIL', 'DCGM_FI_DEV_POWER_USAGE', 'DCGM_FI_DEV_XID_ERRORS']);
    expect(d.queries).toHaveLength(6);
    expect(dash.panels.filter((p: any) => p.type !== 'row').map((p: any) => p.type)).toEqual([
      'timeseries', 'timeseries', 'timeseries', 'timeseries', 'timeseries', 'stat',
    ]);
    expect(dash.panels.find((p: any) => p.title === 'Last XID error')).toMatchObject({
      options: { reduceOptions: { calcs: ['lastNotNull'], values: false }, colorMode: 'background', graphMode: 'none' },
      fieldConfig: { defaults: { unit: 'none', thresholds: { steps: [{ color: 'green', value: null }, { color: 'red', value: 1 }] } } },
    });
    expect(dash.panels.find((p: any) => p.title === 'Temperature').fieldConfig.defaults).toMatchObject({ unit: 'celsius' });
  });
});

describe('InferenceGatewayDashboard', () => {
  test("the pools, the picker and the requests, from the endpoint picker's vendored metrics and their labels", () => {
    let d!: InferenceGatewayDashboard;
    const objects = synthChart((chart) => { d = new InferenceGatewayDashboard(chart, 'inference'); });
    const dash = dashboardOf(findObject(objects, 'ConfigMap', 'llm-inference-gateway'));
    expect(dash).toMatchObject({ uid: 'llm-inference-gateway', title: 'LLM inference gateway', tags: ['llm-platform', 'inference-gateway'] });
    expectPlatformDashboard(dash, ['name']);
    expect(dash.templating.list[1].definition).toBe('label_values(inference_pool_ready_pods, name)');
    expect(dash.panels.filter((p: any) => p.type === 'row').map((p: any) => p.title)).toEqual(['Pools', 'Picker', 'Requests']);
    expect(d.queries).toHaveLength(8);
    const epp = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'upstream', 'inference-extension', 'epp.json'), 'utf8'));
    const families = new Map<string, any>(epp.metrics.metrics.map((m: any) => [m.name, m]));
    for (const expr of promqlOf(dash)) {
      for (const name of expectPromql(expr).metricNames) {
        const family = families.get(name) ?? families.get(name.replace(/_bucket$/, ''));
        expect(family).toBeDefined();
        // every label the panel groups by is one the picker puts on the metric (le for histogram buckets)
        for (const m of expr.matchAll(/by \(([^)]*)\)/g)) {
          for (const label of m[1].split(',').map((x) => x.trim())) expect([...family.labels, 'le']).toContain(label);
        }
      }
    }
  });
});
