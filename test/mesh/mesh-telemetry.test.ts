import { MeshConfig, MeshExtensionProvider, MeshExtensionProviderType, MeshTelemetry } from '../../src/mesh';
import { findObject, synthChart } from '../util';
import { expectValidationError, newChart } from './fixtures';

const COLLECTOR = 'otel-gateway-collector.observability.svc.cluster.local';

describe('MeshTelemetry', () => {
  test('defaults without a collector: mesh-wide metrics to the built-in prometheus provider only', () => {
    let t!: MeshTelemetry;
    const objects = synthChart((chart) => {
      t = new MeshTelemetry(chart, 'Telemetry');
    });
    const tel = findObject(objects, 'Telemetry', 'mesh-default');
    expect(tel.apiVersion).toBe('telemetry.istio.io/v1');
    expect(tel.metadata.namespace).toBe('istio-system');
    expect(tel.spec).toEqual({ metrics: [{ providers: [{ name: 'prometheus' }] }] });
    expect(t.extensionProviders).toEqual([]);
    expect(t.accessLogProviders).toEqual([]);
    expect(t.tracingProviders).toEqual([]);
    expect(t.tracingSamplingPercentage).toBe(1);
  });

  test('with a collector: access logs (otel) and 1% tracing (otel-tracing) to it, both defined as extension providers', () => {
    let t!: MeshTelemetry;
    const objects = synthChart((chart) => {
      t = new MeshTelemetry(chart, 'Telemetry', { otelCollectorService: COLLECTOR });
    });
    expect(findObject(objects, 'Telemetry', 'mesh-default').spec).toEqual({
      metrics: [{ providers: [{ name: 'prometheus' }] }],
      accessLogging: [{ providers: [{ name: 'otel' }] }],
      tracing: [{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: 1 }],
    });
    expect(t.extensionProviders.map((p) => p.toMeshConfig())).toEqual([
      { name: 'otel', envoyOtelAls: { service: COLLECTOR, port: 4317 } },
      { name: 'otel-tracing', opentelemetry: { service: COLLECTOR, port: 4317 } },
    ]);
    expect(t.extensionProviders.map((p) => p.type)).toEqual([
      MeshExtensionProviderType.OPENTELEMETRY_ACCESS_LOG, MeshExtensionProviderType.OPENTELEMETRY_TRACING,
    ]);
  });

  test('collector port, custom providers, sampling and namespace; empty lists drop a signal', () => {
    let custom!: MeshTelemetry;
    const objects = synthChart((chart) => {
      const p = new MeshTelemetry(chart, 'P', { name: 'p', otelCollectorService: COLLECTOR, otelCollectorPort: 14317 });
      expect(p.extensionProviders.map((x) => x.port)).toEqual([14317, 14317]);
      custom = new MeshTelemetry(chart, 'T', {
        namespace: 'search',
        name: 'search-telemetry',
        extensionProviders: [
          MeshExtensionProvider.openTelemetryAccessLog({ name: 'otel-als', service: COLLECTOR }),
          MeshExtensionProvider.openTelemetryTracing({ name: 'otel-collector', service: 'tempo.tracing.svc.cluster.local', port: 4317 }),
        ],
        metricsProviders: [],
        accessLogProviders: ['otel-als', 'envoy'],
        tracingProviders: ['otel-collector'],
        tracingSamplingPercentage: 12.5,
      });
    });
    const tel = findObject(objects, 'Telemetry', 'search-telemetry');
    expect(tel.metadata.namespace).toBe('search');
    expect(tel.spec.metrics).toBeUndefined();
    expect(tel.spec.accessLogging).toEqual([{ providers: [{ name: 'otel-als' }, { name: 'envoy' }] }]);
    expect(tel.spec.tracing).toEqual([{ providers: [{ name: 'otel-collector' }], randomSamplingPercentage: 12.5 }]);
    expect(custom.extensionProviders.map((p) => p.name)).toEqual(['otel-als', 'otel-collector']);
  });

  test('defect 11, broken variant: a Telemetry naming providers absent from meshConfig.extensionProviders is refused', () => {
    // The reference platform's Telemetry named otel/otel-tracing while istiod defined neither.
    expectValidationError(() => new MeshTelemetry(newChart(), 'T', { accessLogProviders: ['otel'], tracingProviders: ['otel-tracing'] }),
      ["'accessLogProviders' names a provider absent from meshConfig.extensionProviders (defined: envoy, prometheus, stackdriver)", "got 'otel'",
        "define it in 'extensionProviders' (or set 'otelCollectorService' for 'otel'/'otel-tracing') and pass them to the istiod add-on (MeshConfig)"]);
    expectValidationError(() => new MeshTelemetry(newChart(), 'T', { tracingProviders: ['jaeger'], otelCollectorService: COLLECTOR }),
      ["'tracingProviders' names a provider absent from meshConfig.extensionProviders (defined: envoy, otel, otel-tracing, prometheus, stackdriver)", "got 'jaeger'"]);
  });

  test('defect 11, fixed: the providers the Telemetry names are exactly those MeshConfig gives istiod', () => {
    const t = new MeshTelemetry(newChart(), 'T', { otelCollectorService: COLLECTOR, tracingSamplingPercentage: 5 });
    const config = new MeshConfig({ extensionProviders: t.extensionProviders });
    const values = config.toValues();
    const defined = new Set([...MeshExtensionProvider.BUILT_IN, ...values.extensionProviders.map((p: any) => p.name)]);
    for (const name of [...t.metricsProviders, ...t.accessLogProviders, ...t.tracingProviders]) expect(defined.has(name)).toBe(true);
    expect(config.providerNames).toEqual(['envoy', 'otel', 'otel-tracing', 'prometheus', 'stackdriver']);
  });

  test.each([
    [{ tracingSamplingPercentage: 101 }, "'tracingSamplingPercentage' must be a percentage between 0 and 100", 'got 101'],
    [{ tracingSamplingPercentage: 5 }, "'tracingSamplingPercentage' needs at least one tracing provider", 'got 5'],
    [{ metricsProviders: [] }, "'metricsProviders' leaves the Telemetry empty", 'got []'],
    [{ accessLogProviders: ['otel log'] }, "'accessLogProviders' must be provider names", "got 'otel log'"],
    [{ metricsProviders: ['prometheus', 'prometheus'] }, "'metricsProviders' must not repeat a provider", 'got ["prometheus","prometheus"]'],
    [{ namespace: 'Istio' }, "'namespace' must be a DNS-1123 label", "got 'Istio'"],
    [{ otelCollectorService: COLLECTOR, extensionProviders: [] }, "'otelCollectorService' and 'extensionProviders' are alternatives", `got '${COLLECTOR}'`],
    [{ otelCollectorPort: 4317 }, "'otelCollectorPort' only applies with 'otelCollectorService'", 'got 4317'],
    [{ otelCollectorService: 'Not A Host' }, "'service' must be a Service host name", "got 'Not A Host'"],
    [{ otelCollectorService: COLLECTOR, otelCollectorPort: 0 }, "'port' must be a port number between 1 and 65535", 'got 0'],
  ])('bad props %#', (props, message, got) => {
    expectValidationError(() => new MeshTelemetry(newChart(), 'T', props as any), [message, got]);
  });
});

describe('MeshConfig', () => {
  test('defaults: REGISTRY_ONLY egress, metrics merging on, no extension providers', () => {
    const config = new MeshConfig();
    expect(config.toValues()).toEqual({ outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, enablePrometheusMerge: true });
    expect(config.registryOnlyEgress).toBe(true);
    expect(config.prometheusMerge).toBe(true);
    expect(config.providerNames).toEqual(['envoy', 'prometheus', 'stackdriver']);
  });

  test('ALLOW_ANY, merging off and providers are rendered as istiod meshConfig values', () => {
    const p = MeshExtensionProvider.openTelemetryTracing({ name: 'otel-tracing', service: COLLECTOR });
    expect(new MeshConfig({ registryOnlyEgress: false, prometheusMerge: false, extensionProviders: [p] }).toValues()).toEqual({
      outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
      enablePrometheusMerge: false,
      extensionProviders: [{ name: 'otel-tracing', opentelemetry: { service: COLLECTOR, port: 4317 } }],
    });
  });

  test('errors: repeated and built-in provider names, bad names', () => {
    const p = MeshExtensionProvider.openTelemetryTracing({ name: 'otel', service: COLLECTOR });
    expectValidationError(() => new MeshConfig({ extensionProviders: [p, p] }), ["'extensionProviders' must not repeat a provider name", "got 'otel'"]);
    expectValidationError(() => MeshExtensionProvider.openTelemetryAccessLog({ name: 'envoy', service: COLLECTOR }),
      ["'name' must not redefine Istio's built-in provider 'envoy'", "got 'envoy'"]);
    expectValidationError(() => MeshExtensionProvider.openTelemetryAccessLog({ name: 'otel als', service: COLLECTOR }),
      ["'name' must be a provider name", "got 'otel als'"]);
  });
});
