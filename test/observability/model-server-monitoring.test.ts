import { Duration } from 'cdk8s';
import { ModelRuntime, ModelService, PlatformLabels } from '../../src/core';
import { ModelServerMonitoring, MonitorKind } from '../../src/observability';
import { findObject, synthChart } from '../util';
import { models, runtimeWithoutMetrics } from './fixtures';

describe('ModelServerMonitoring', () => {
  test('defaults: a PodMonitor on the runtime metrics port and path in the model namespace', () => {
    const { llama } = models();
    let monitoring!: ModelServerMonitoring;
    const objects = synthChart((chart) => {
      monitoring = new ModelServerMonitoring(chart, 'llama', { model: llama });
    });
    const pm = findObject(objects, 'PodMonitor', 'llama3-8b-metrics');
    expect(pm.metadata.namespace).toBe('search');
    expect(pm.metadata.labels).toMatchObject({ [PlatformLabels.TENANT]: 'search', [PlatformLabels.MODEL]: 'llama3-8b', [PlatformLabels.MANAGED_BY]: 'cdk-llm-platform' });
    expect(pm.spec.selector).toEqual({ matchLabels: { 'llm-platform.io/model': 'llama3-8b' } });
    expect(pm.spec.namespaceSelector).toEqual({ matchNames: ['search'] });
    const ep = pm.spec.podMetricsEndpoints[0];
    expect(ep).toMatchObject({ portNumber: 8000, path: '/metrics', scheme: 'http', interval: '30s', scrapeTimeout: '10s' });
    expect(monitoring.kind).toBe(MonitorKind.POD_MONITOR);
    expect(monitoring.interval.toSeconds()).toBe(30);
    expect(monitoring.scrapeTimeout.toSeconds()).toBe(10);
  });

  test('relabels tenant, model, model_version and node from the pod, with tenant/model fallbacks', () => {
    const { llama } = models();
    const objects = synthChart((chart) => { new ModelServerMonitoring(chart, 'llama', { model: llama }); });
    const relabelings = findObject(objects, 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    expect(relabelings).toEqual([
      { action: 'replace', targetLabel: 'tenant', replacement: 'search' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_llm_platform_io_tenant'], regex: '(.+)', targetLabel: 'tenant', replacement: '$1' },
      { action: 'replace', targetLabel: 'model', replacement: 'llama3-8b' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_llm_platform_io_model'], regex: '(.+)', targetLabel: 'model', replacement: '$1' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_llm_platform_io_model_version'], regex: '(.+)', targetLabel: 'model_version', replacement: '$1' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
    ]);
    const targets = new Set(relabelings.map((r: any) => r.targetLabel));
    expect([...targets].sort()).toEqual([...ModelServerMonitoring.PRODUCED_LABELS].sort());
  });

  test('Triton is scraped on its separate metrics port 8002, TGI on 8080', () => {
    const { mistral, falcon } = models();
    const objects = synthChart((chart) => {
      new ModelServerMonitoring(chart, 'mistral', { model: mistral });
      new ModelServerMonitoring(chart, 'falcon', { model: falcon });
    });
    expect(findObject(objects, 'PodMonitor', 'mistral-7b-metrics').spec.podMetricsEndpoints[0].portNumber).toBe(8002);
    expect(findObject(objects, 'PodMonitor', 'falcon-7b-metrics').spec.podMetricsEndpoints[0].portNumber).toBe(8080);
  });

  test('ServiceMonitor variant names the metrics port and keeps the relabelling', () => {
    const { llama, mistral } = models();
    const objects = synthChart((chart) => {
      new ModelServerMonitoring(chart, 'llama', { model: llama, kind: MonitorKind.SERVICE_MONITOR, objectLabels: { release: 'kube-prometheus-stack' } });
      new ModelServerMonitoring(chart, 'mistral', { model: mistral, kind: MonitorKind.SERVICE_MONITOR, interval: Duration.seconds(15), scrapeTimeout: Duration.seconds(5) });
    });
    const llamaSm = findObject(objects, 'ServiceMonitor', 'llama3-8b-metrics');
    expect(llamaSm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(llamaSm.spec.endpoints[0]).toMatchObject({ port: 'http', path: '/metrics', interval: '30s' });
    expect(llamaSm.spec.endpoints[0].relabelings).toHaveLength(6);
    const tritonSm = findObject(objects, 'ServiceMonitor', 'mistral-7b-metrics');
    expect(tritonSm.spec.endpoints[0]).toMatchObject({ port: 'metrics', interval: '15s', scrapeTimeout: '5s' });
  });

  test('a runtime without a metrics endpoint is a ValidationError', () => {
    const bare = ModelService.fromAttributes({ modelName: 'bare', tenant: 'search', runtime: runtimeWithoutMetrics() });
    expect(() => synthChart((chart) => { new ModelServerMonitoring(chart, 'bare', { model: bare }); }))
      .toThrow(/'model\.runtime' has no metrics endpoint to scrape, got 'bare'; give the runtime a metricsPort/);
  });

  test('scrape timeout longer than the interval is a ValidationError', () => {
    const { llama } = models();
    expect(() => synthChart((chart) => {
      new ModelServerMonitoring(chart, 'llama', { model: llama, interval: Duration.seconds(10), scrapeTimeout: Duration.seconds(20) });
    })).toThrow(/'scrapeTimeout' must not exceed the scrape interval \(10s\), got '20s'; shorten scrapeTimeout/);
  });

  test('a custom runtime with metrics is scraped on its own path', () => {
    const sglang = ModelRuntime.custom({ name: 'sglang', httpPort: 30000, metricsPort: 30000, metricsPath: '/metrics', livenessPath: '/health', readinessPath: '/health', modelFlag: '--model-path' });
    const model = ModelService.fromAttributes({ modelName: 'qwen', tenant: 'lab', runtime: sglang });
    const objects = synthChart((chart) => { new ModelServerMonitoring(chart, 'qwen', { model }); });
    expect(findObject(objects, 'PodMonitor').spec.podMetricsEndpoints[0].portNumber).toBe(30000);
  });
});
