import {
  AutoInstrumentation, CollectorExporter, CollectorExtension, CollectorMode, CollectorProcessor, CollectorReceiver, DcgmExporterMonitoring,
  ErrorRatioSource, GpuDashboard, GpuHealthAlerts, IstioMetrics,
  LlmSloAlerts, ModelServerMonitoring, ModelServingDashboard, TelemetryPipeline, TelemetrySignal,
} from '../../src/observability';
import { PromQL } from '../../src/validation';
import { findObjects, synthChart } from '../util';
import { models } from './fixtures';

/** Labels Prometheus-operator puts on every target itself. */
const OPERATOR_TARGET_LABELS = ['namespace', 'pod', 'container', 'endpoint', 'service', 'job', 'instance'];
/** Labels the DCGM exporter exports itself (kept by honorLabels). */
const DCGM_EXPORTED_LABELS = ['gpu', 'UUID', 'modelName', 'Hostname', 'device'];

let sloAlerts: LlmSloAlerts[] = [];

describe('observability stack for three models across vLLM, Triton and TGI', () => {
  const objects = synthChart((chart) => {
    const all = Object.values(models());
    const gateway = new TelemetryPipeline(chart, 'gateway', {
      receivers: [CollectorReceiver.otlp()],
      processors: [
        CollectorProcessor.memoryLimiter(),
        CollectorProcessor.kubernetesAttributes(),
        CollectorProcessor.resourceAttributes({ cloudRegion: 'us-east-1', clusterName: 'acme-llm-prod' }),
        CollectorProcessor.batch(),
      ],
      extensions: [CollectorExtension.sigv4Auth({ region: 'us-east-1', service: 'aps' })],
      exporters: [
        CollectorExporter.prometheusRemoteWrite({ endpoint: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write', authenticator: 'sigv4auth' }),
        CollectorExporter.otlp({ endpoint: 'tempo-distributor.tracing.svc:4317', insecure: true }),
        CollectorExporter.loki({ endpoint: 'http://loki-gateway.logging.svc', insecure: true }),
      ],
      pipelines: [
        { signal: TelemetrySignal.METRICS, receivers: ['otlp'], exporters: ['prometheusremotewrite/amp'] },
        { signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlp/traces'] },
        { signal: TelemetrySignal.LOGS, receivers: ['otlp'], exporters: ['otlphttp/loki'] },
      ],
    });
    new TelemetryPipeline(chart, 'agent', {
      mode: CollectorMode.DAEMONSET,
      receivers: [CollectorReceiver.containerLogs()],
      exporters: [CollectorExporter.otlp({ name: 'gateway', endpoint: 'otel-gateway-collector.observability.svc:4317', insecure: true })],
      pipelines: [{ signal: TelemetrySignal.LOGS, receivers: ['filelog'], exporters: ['otlp/gateway'] }],
    });
    new AutoInstrumentation(chart, 'gateway-instrumentation', { collector: gateway, namespace: 'llm-gateway' });
    sloAlerts = [];
    for (const model of all) {
      // Istio metrics merging: the runtime's and the sidecar's istio_* metrics from one endpoint, so models
      // whose error ratio comes from the mesh need no separate sidecar monitor.
      new ModelServerMonitoring(chart, `${model.modelName}-monitoring`, { model });
      sloAlerts.push(new LlmSloAlerts(chart, `${model.modelName}-slo`, { model, maxReplicas: 4 }));
    }
    new DcgmExporterMonitoring(chart, 'dcgm');
    new GpuHealthAlerts(chart, 'gpu-alerts');
    new ModelServingDashboard(chart, 'serving-dashboard');
    new GpuDashboard(chart, 'gpu-dashboard');
  });

  test('synthesizes schema-valid objects of every kind', () => {
    const kinds = objects.map((o) => o.kind).reduce((acc: Record<string, number>, k: string) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
    expect(kinds).toEqual({
      OpenTelemetryCollector: 2,
      ServiceAccount: 2,
      ClusterRole: 1,
      ClusterRoleBinding: 1,
      Instrumentation: 1,
      PodMonitor: 3,
      ServiceMonitor: 1,
      PrometheusRule: 4,
      ConfigMap: 2,
    });
    const names = objects.map((o) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
    expect(new Set(names).size).toBe(names.length);
  });

  test('every rule and panel query parses and matches only labels its metric source produces', () => {
    // Source 1, the model-server and DCGM monitors: their relabellings, the operator's target labels and
    // DCGM's own labels. Source 2, Istio's sidecars (istio_* metrics, merged into the model monitors'
    // endpoint on 15020): queries on them may use Istio's standard labels only, so they never depend on
    // how the series were scraped.
    const merged = findObjects(objects, 'PodMonitor').filter((pm) => pm.spec.podMetricsEndpoints.some((e: any) => e.port === 'http-envoy-prom'));
    expect(merged.map((pm) => pm.metadata.name)).toEqual(['llama3-8b-metrics', 'mistral-7b-metrics', 'falcon-7b-metrics']);
    const produced = new Set<string>([...OPERATOR_TARGET_LABELS, ...DCGM_EXPORTED_LABELS, 'le', '__name__']);
    for (const pm of findObjects(objects, 'PodMonitor')) {
      pm.spec.podMetricsEndpoints.flatMap((e: any) => e.relabelings ?? []).forEach((r: any) => produced.add(r.targetLabel));
    }
    for (const sm of findObjects(objects, 'ServiceMonitor')) {
      sm.spec.endpoints.flatMap((e: any) => e.relabelings).forEach((r: any) => produced.add(r.targetLabel));
    }
    expect([...produced]).toEqual(expect.arrayContaining(['tenant', 'model', 'model_version', 'node']));
    const istio = new Set<string>([...IstioMetrics.LABELS, '__name__']);
    expect([...istio]).not.toContain('tenant');
    const allowedFor = (metric: string) => (metric.startsWith('istio_') ? istio : produced);
    const exprs = [
      ...findObjects(objects, 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr))),
      ...findObjects(objects, 'ConfigMap').flatMap((cm) => JSON.parse(Object.values<string>(cm.data)[0]).panels
        .filter((p: any) => p.type !== 'row').flatMap((p: any) => p.targets.map((t: any) => t.expr))),
    ];
    expect(exprs.length).toBeGreaterThan(60);
    let meshExprs = 0;
    for (const expr of exprs) {
      const parsed = PromQL.parse(expr);
      expect({ expr, errors: parsed.errors }).toEqual({ expr, errors: [] });
      const sources = parsed.metricNames.length > 0 ? parsed.metricNames.map(allowedFor) : [produced];
      if (sources.includes(istio)) meshExprs++;
      expect({ expr, foreign: parsed.labelNames.filter((l) => !sources.some((allowed) => allowed.has(l))) }).toEqual({ expr, foreign: [] });
    }
    // vLLM's four error-ratio windows come from the mesh.
    expect(meshExprs).toBe(4);
    expect(sloAlerts.map((a) => a.errorRatioSource)).toEqual([ErrorRatioSource.MESH, ErrorRatioSource.RUNTIME, ErrorRatioSource.RUNTIME]);
  });

  test('alerts read only recorded platform metrics, raw runtime metrics of their model, up or DCGM', () => {
    const rules = findObjects(objects, 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules));
    const recorded = new Set(rules.filter((r: any) => r.record).map((r: any) => r.record));
    for (const alert of rules.filter((r: any) => r.alert)) {
      for (const metric of PromQL.parse(alert.expr).metricNames) {
        // Alerts never read Istio's series directly, only the recorded {tenant, model} ratios.
        expect(recorded.has(metric) || metric === 'up' || metric.startsWith('DCGM_FI_')).toBe(true);
      }
    }
    const alertNames = [...new Set(rules.filter((r: any) => r.alert).map((r: any) => r.alert))].sort();
    expect(alertNames).toEqual([
      'GpuEccDoubleBitErrors', 'GpuTemperatureHigh', 'GpuThermalViolation', 'GpuXidError',
      'LlmErrorBudgetBurn', 'LlmInterTokenLatencyP99High', 'LlmKvCacheNearFull', 'LlmModelServerDown', 'LlmPreemptions',
      'LlmQueueSaturated', 'LlmReplicasAtMax', 'LlmTimeToFirstTokenP99High',
    ]);
  });
});
