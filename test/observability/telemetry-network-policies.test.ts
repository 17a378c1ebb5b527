import { CollectorExporter, CollectorReceiver, TelemetryNetworkPolicies, TelemetryPipeline, TelemetrySignal } from '../../src/observability';
import { TestChart, findObject, findObjects, synthChart } from '../util';
import { models } from './fixtures';

function gateway(chart: any, scrape: boolean, namespace = 'observability'): TelemetryPipeline {
  return new TelemetryPipeline(chart, `Gateway-${namespace}`, {
    namespace,
    receivers: [CollectorReceiver.otlp(), ...(scrape ? [CollectorReceiver.prometheusModels({ models: [models().llama] })] : [])],
    exporters: [CollectorExporter.otlp({ endpoint: 'tempo-distributor.tracing.svc:4317' })],
    pipelines: [
      { signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlp/traces'] },
      ...(scrape ? [{ signal: TelemetrySignal.METRICS, receivers: ['prometheus/models'], exporters: ['otlp/traces'] }] : []),
    ],
  });
}

const COLLECTOR_PODS = { 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/instance': 'observability.otel-gateway' };

describe('TelemetryNetworkPolicies', () => {
  test('defect 17 (observability namespace), broken variant: without it nothing isolates the collectors', () => {
    const objects = synthChart((chart) => {
      gateway(chart, true);
    });
    expect(findObjects(objects, 'NetworkPolicy')).toEqual([]);
  });

  test('fixed: default deny, DNS, OTLP in from the named namespaces only, scrape out on 15020, exports, AWS and credentials', () => {
    let policies!: TelemetryNetworkPolicies;
    const objects = synthChart((chart) => {
      const c = gateway(chart, true);
      policies = new TelemetryNetworkPolicies(chart, 'Net', {
        collectors: [c],
        otlpClientNamespaces: ['search', 'istio-ingress', 'search'],
        scrapeNamespaces: ['search'],
        inClusterExports: [{ namespace: 'tracing', port: 4317 }],
      });
    });
    const np = (name: string) => findObject(objects, 'NetworkPolicy', name);
    for (const p of findObjects(objects, 'NetworkPolicy')) expect(p.metadata.namespace).toBe('observability');
    expect(np('default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(np('allow-dns').spec.egress[0].ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(np('otel-gateway-otlp-ingress').spec).toEqual({
      podSelector: { matchLabels: COLLECTOR_PODS },
      policyTypes: ['Ingress'],
      ingress: [{
        from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['istio-ingress', 'search'] }] } }],
        ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }],
      }],
    });
    expect(np('otel-gateway-scrape-egress').spec).toEqual({
      podSelector: { matchLabels: COLLECTOR_PODS },
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['search'] }] } }],
        ports: [{ protocol: 'TCP', port: 15020 }],
      }],
    });
    expect(np('allow-in-cluster-exports').spec.egress).toEqual([
      { to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tracing' } } }], ports: [{ protocol: 'TCP', port: 4317 }] },
    ]);
    expect(np('allow-https-egress').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] }]);
    expect(np('allow-pod-identity-agent').spec.egress).toEqual([{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] }]);
    expect(policies.otlpClientNamespaces).toEqual(['istio-ingress', 'search']);
    expect(policies.scrapeNamespaces).toEqual(['search']);
  });

  test('only what is asked: no OTLP clients, no scrapes, no AWS egress', () => {
    const objects = synthChart((chart) => {
      new TelemetryNetworkPolicies(chart, 'Net', { collectors: [gateway(chart, false)], allowHttpsEgress: false, allowPodIdentityAgent: false });
    });
    expect(findObjects(objects, 'NetworkPolicy').map((p) => p.metadata.name)).toEqual(['default-deny', 'allow-dns']);
  });

  test.each([
    [(_c: TestChart) => ({ collectors: [] }), "'collectors' must list at least one collector"],
    [(c: TestChart) => ({ collectors: [gateway(c, false, 'telemetry')] }), "'collectors' must run in 'observability', got 'telemetry/otel-gateway'"],
    [(c: TestChart) => ({ collectors: [gateway(c, false)], scrapeNamespaces: ['search'] }), "'scrapeNamespaces' open scrapes but no collector scrapes"],
    [(c: TestChart) => ({ collectors: [gateway(c, false)], otlpClientNamespaces: ['Search'] }), "'otlpClientNamespaces' must be a DNS-1123 label, got 'Search'"],
    [(c: TestChart) => ({ collectors: [gateway(c, false)], inClusterExports: [{ namespace: 'tracing', port: 0 }] }), "'inClusterExports[0].port' must be a port number"],
  ])('errors %#', (props, message) => {
    const chart = new TestChart();
    expect(() => new TelemetryNetworkPolicies(chart, 'Net', props(chart) as any)).toThrow(message);
  });

  test('OTLP clients need an OTLP-receiving collector', () => {
    const chart = new TestChart();
    const scraper = new TelemetryPipeline(chart, 'Scraper', {
      name: 'otel-scraper',
      receivers: [CollectorReceiver.prometheusModels({ models: [models().llama] })],
      exporters: [CollectorExporter.otlp({ endpoint: 'tempo-distributor.tracing.svc:4317' })],
      pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['prometheus/models'], exporters: ['otlp/traces'] }],
    });
    expect(() => new TelemetryNetworkPolicies(chart, 'Net', { collectors: [scraper], otlpClientNamespaces: ['search'] }))
      .toThrow("'otlpClientNamespaces' admit OTLP clients but no collector receives OTLP");
  });
});
