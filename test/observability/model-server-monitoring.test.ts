import { Duration } from 'cdk8s';
import { models, runtimeWithoutMetrics } from './fixtures';
import { ModelRuntime, ModelService, PlatformLabels } from '../../src/core';
import { Tenant } from '../../src/k8s/tenancy/tenant';
import { MetricsMerging, ModelServerMonitoring, MonitorKind } from '../../src/observability';
import { TestChart, findObject, findObjects, synthChart } from '../util';

describe('ModelServerMonitoring', () => {
  test('defaults: a PodMonitor on Istio merged metrics (sidecar target moved to 15020, /stats/prometheus) in the model namespace', () => {
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
    expect(ep).toMatchObject({ port: 'http-envoy-prom', path: '/stats/prometheus', scheme: 'http', interval: '30s', scrapeTimeout: '10s' });
    expect(ep.portNumber).toBeUndefined();
    expect(ep.metricRelabelings).toEqual([{ action: 'drop', sourceLabels: ['__name__'], regex: 'envoy_.*' }]);
    expect(monitoring.kind).toBe(MonitorKind.POD_MONITOR);
    expect(monitoring.metricsMerging).toBe(true);
    expect(monitoring.scrapePort).toBe(15020);
    expect(monitoring.scrapePath).toBe('/stats/prometheus');
    expect(monitoring.metricsPort).toBe(8000);
    expect(monitoring.metricsPath).toBe('/metrics');
    expect(monitoring.interval.toSeconds()).toBe(30);
    expect(monitoring.scrapeTimeout.toSeconds()).toBe(10);
  });

  test('relabels tenant, model, model_version and node from the pod, with tenant/model fallbacks', () => {
    const { llama } = models();
    const objects = synthChart((chart) => { new ModelServerMonitoring(chart, 'llama', { model: llama }); });
    const relabelings = findObject(objects, 'PodMonitor').spec.podMetricsEndpoints[0].relabelings;
    expect(relabelings.slice(0, 5)).toEqual([
      // Istio's own PodMonitor sample (samples/addons/extras/prometheus-operator.yaml at 1.30.3).
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http-envoy-prom' },
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'], regex: 'true' },
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'],
        regex: '(\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})',
        replacement: '[$2]:$1',
        targetLabel: '__address__',
      },
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'],
        regex: '(\\d+);((([0-9]+?)(\\.|$)){4})',
        replacement: '$2:$1',
        targetLabel: '__address__',
      },
    ]);
    expect(relabelings.slice(5)).toEqual([
      { action: 'replace', targetLabel: 'tenant', replacement: 'search' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_llm_platform_io_tenant'], regex: '(.+)', targetLabel: 'tenant', replacement: '$1' },
      { action: 'replace', targetLabel: 'model', replacement: 'llama3-8b' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_llm_platform_io_model'], regex: '(.+)', targetLabel: 'model', replacement: '$1' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_label_llm_platform_io_model_version'], regex: '(.+)', targetLabel: 'model_version', replacement: '$1' },
      { action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' },
    ]);
    const targets = new Set(relabelings.slice(5).map((r: any) => r.targetLabel));
    expect([...targets].sort()).toEqual([...ModelServerMonitoring.PRODUCED_LABELS].sort());
  });

  test('without metrics merging: Triton is scraped on its separate metrics port 8002, TGI on 8080', () => {
    const { mistral, falcon } = models();
    const objects = synthChart((chart) => {
      new ModelServerMonitoring(chart, 'mistral', { model: mistral, metricsMerging: false });
      new ModelServerMonitoring(chart, 'falcon', { model: falcon, metricsMerging: false });
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
    const objects = synthChart((chart) => { new ModelServerMonitoring(chart, 'qwen', { model, metricsMerging: false }); });
    expect(findObject(objects, 'PodMonitor').spec.podMetricsEndpoints[0].portNumber).toBe(30000);
  });

  describe('defect 10: scrapes under STRICT mTLS', () => {
    // Inbound ports Istio's injection template leaves out of capture (istio/istio 1.30.3
    // manifests/charts/istio-control/istio-discovery/files/injection-template.yaml:
    // excludeInboundPorts "15090,15021,<statusPort>", statusPort 15020 in the istiod values).
    const UNCAPTURED = [15090, 15021, 15020];

    test('broken variant: a plain-HTTP scrape of the runtime port goes through the sidecar, which demands mTLS', () => {
      const { llama } = models();
      const m = new ModelServerMonitoring(newChart(), 'llama', { model: llama, metricsMerging: false });
      expect(m.scrapePort).toBe(8000);
      expect(UNCAPTURED).not.toContain(m.scrapePort);
    });

    test('fixed: the monitor scrapes the merged-metrics port, which the sidecar does not capture', () => {
      const { llama, mistral } = models();
      const chart = newChart();
      for (const model of [llama, mistral]) {
        const m = new ModelServerMonitoring(chart, model.modelName, { model });
        expect(m.scrapePort).toBe(MetricsMerging.PORT);
        expect(UNCAPTURED).toContain(m.scrapePort);
      }
      // The pod asks Istio to merge the runtime's metrics: the injector rewrites these to 15020 (webhook.go applyPrometheusMerge).
      expect(MetricsMerging.podAnnotations(mistral.runtime)).toEqual({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8002', 'prometheus.io/path': '/metrics' });
      expect(MetricsMerging.podAnnotations(runtimeWithoutMetrics())).toEqual({});
    });

    test('broken variant: the tenant admitted only the monitoring namespace, on every port (the collector in observability was refused)', () => {
      const objects = synthChart((chart) => {
        new Tenant(chart, 'T', { tenantName: 'search' });
      });
      const ingress = findObject(objects, 'NetworkPolicy', 'allow-monitoring-scrape').spec.ingress;
      expect(ingress[0].from).toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }]);
      expect(findObjects(objects, 'NetworkPolicy', 'allow-otlp-egress')).toEqual([]);
    });

    test('fixed: the tenant admits exactly the scrapers that exist on 15020 only, and sends OTLP to the collector', () => {
      const objects = synthChart((chart) => {
        new Tenant(chart, 'T', { tenantName: 'search', metricsScraperNamespaces: ['monitoring', 'observability'], otlpCollectorNamespace: 'observability' });
      });
      expect(findObject(objects, 'NetworkPolicy', 'allow-monitoring-scrape').spec).toEqual({
        podSelector: {},
        policyTypes: ['Ingress'],
        ingress: [{
          from: [
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } },
            { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } },
          ],
          ports: [{ protocol: 'TCP', port: MetricsMerging.PORT }],
        }],
      });
      expect(findObject(objects, 'NetworkPolicy', 'allow-otlp-egress').spec).toEqual({
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/component': 'opentelemetry-collector' } },
          }],
          ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }],
        }],
      });
      const none = synthChart((chart) => {
        new Tenant(chart, 'T', { tenantName: 'search', metricsScraperNamespaces: [] });
      });
      expect(findObjects(none, 'NetworkPolicy', 'allow-monitoring-scrape')).toEqual([]);
      expect(() => new Tenant(new TestChart(), 'T', { tenantName: 'search', otlpCollectorNamespace: 'Obs' })).toThrow(/'otlpCollectorNamespace' must be a DNS-1123 label, got 'Obs'/);
    });

    test('a ServiceMonitor cannot target the merged port', () => {
      const { llama } = models();
      expect(() => new ModelServerMonitoring(newChart(), 'llama', { model: llama, kind: MonitorKind.SERVICE_MONITOR, metricsMerging: true }))
        .toThrow(/'metricsMerging' needs a PodMonitor: the merged metrics port 15020 is on no Service, got true; use MonitorKind.POD_MONITOR/);
      const sm = new ModelServerMonitoring(newChart(), 'llama', { model: llama, kind: MonitorKind.SERVICE_MONITOR });
      expect(sm.metricsMerging).toBe(false);
    });
  });
});

function newChart(): TestChart {
  return new TestChart();
}
