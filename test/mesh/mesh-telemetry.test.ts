import { MeshTelemetry } from '../../src/mesh';
import { findObject, synthChart } from '../util';
import { expectValidationError, newChart } from './fixtures';

describe('MeshTelemetry', () => {
  test('defaults: mesh-wide metrics to prometheus, access logs and 1% tracing to the OTel collector', () => {
    let t!: MeshTelemetry;
    const objects = synthChart((chart) => {
      t = new MeshTelemetry(chart, 'Telemetry');
    });
    const tel = findObject(objects, 'Telemetry', 'mesh-default');
    expect(tel.apiVersion).toBe('telemetry.istio.io/v1');
    expect(tel.metadata.namespace).toBe('istio-system');
    expect(tel.spec).toEqual({
      metrics: [{ providers: [{ name: 'prometheus' }] }],
      accessLogging: [{ providers: [{ name: 'otel' }] }],
      tracing: [{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: 1 }],
    });
    expect(t.tracingSamplingPercentage).toBe(1);
  });

  test('custom providers, sampling and namespace; empty lists drop a signal', () => {
    const objects = synthChart((chart) => {
      new MeshTelemetry(chart, 'T', {
        namespace: 'search',
        name: 'search-telemetry',
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
  });

  test.each([
    [{ tracingSamplingPercentage: 101 }, "'tracingSamplingPercentage' must be a percentage between 0 and 100", 'got 101'],
    [{ tracingProviders: [], tracingSamplingPercentage: 5 }, "'tracingSamplingPercentage' needs at least one tracing provider", 'got 5'],
    [{ metricsProviders: [], accessLogProviders: [], tracingProviders: [] }, "'metricsProviders' leaves the Telemetry empty", 'got []'],
    [{ accessLogProviders: ['otel log'] }, "'accessLogProviders' must be provider names", "got 'otel log'"],
    [{ metricsProviders: ['prometheus', 'prometheus'] }, "'metricsProviders' must not repeat a provider", 'got ["prometheus","prometheus"]'],
    [{ namespace: 'Istio' }, "'namespace' must be a DNS-1123 label", "got 'Istio'"],
  ])('bad props %#', (props, message, got) => {
    expectValidationError(() => new MeshTelemetry(newChart(), 'T', props as any), [message, got]);
  });
});
