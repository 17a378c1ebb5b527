import { Duration } from 'cdk8s';
import { ModelRuntime, ModelService } from '../../src/core';
import { IstioMetrics, IstioProxyMonitoring } from '../../src/observability';
import { findObject, synthChart } from '../util';
import { models } from './fixtures';

describe('IstioProxyMonitoring', () => {
  test('defaults: a PodMonitor on the model pods\' sidecars keeping only Istio metrics', () => {
    let m!: IstioProxyMonitoring;
    const objects = synthChart((chart) => { m = new IstioProxyMonitoring(chart, 'llama-mesh', { model: models().llama }); });
    const pm = findObject(objects, 'PodMonitor', 'llama3-8b-istio-proxy');
    expect(m.monitorName).toBe('llama3-8b-istio-proxy');
    expect(m.namespace).toBe('search');
    expect(m.interval.toSeconds()).toBe(30);
    expect(pm.metadata.namespace).toBe('search');
    expect(pm.metadata.labels).toMatchObject({
      'app.kubernetes.io/component': 'mesh-monitoring', 'llm-platform.io/tenant': 'search', 'llm-platform.io/model': 'llama3-8b',
    });
    expect(pm.spec).toEqual({
      selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b' } },
      namespaceSelector: { matchNames: ['search'] },
      podMetricsEndpoints: [{
        port: 'http-envoy-prom',
        path: '/stats/prometheus',
        scheme: 'http',
        interval: '30s',
        metricRelabelings: [{ action: 'keep', sourceLabels: ['__name__'], regex: 'istio_.*' }],
      }],
    });
    // The series keep Istio's labels; the platform's are not among them.
    expect(IstioProxyMonitoring.PRODUCED_LABELS).toEqual(IstioMetrics.LABELS);
    expect(IstioProxyMonitoring.PRODUCED_LABELS).toEqual(expect.arrayContaining(['reporter', 'destination_workload_namespace', 'destination_service_name', 'response_code']));
    expect(IstioProxyMonitoring.PRODUCED_LABELS).not.toContain('tenant');
    expect(new RegExp(`^${pm.spec.podMetricsEndpoints[0].metricRelabelings[0].regex}$`).test(IstioMetrics.REQUESTS_TOTAL)).toBe(true);
  });

  test('custom interval, namespace and object labels', () => {
    const model = ModelService.fromAttributes({ modelName: 'falcon-7b', tenant: 'search', namespace: 'llm-search', runtime: ModelRuntime.TGI });
    const objects = synthChart((chart) => {
      new IstioProxyMonitoring(chart, 'falcon-mesh', { model, interval: Duration.seconds(15), objectLabels: { release: 'kube-prometheus-stack' } });
    });
    const pm = findObject(objects, 'PodMonitor', 'falcon-7b-istio-proxy');
    expect(pm.metadata).toMatchObject({ namespace: 'llm-search', labels: { release: 'kube-prometheus-stack' } });
    expect(pm.spec.podMetricsEndpoints[0].interval).toBe('15s');
    expect(pm.spec.namespaceSelector).toEqual({ matchNames: ['llm-search'] });
  });

  test('bad input is a ValidationError', () => {
    const model = ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', namespace: 'Search', runtime: ModelRuntime.VLLM });
    expect(() => synthChart((chart) => { new IstioProxyMonitoring(chart, 'x', { model }); })).toThrow(/'model.namespace' must be .*got 'Search'/);
    expect(() => synthChart((chart) => { new IstioProxyMonitoring(chart, 'x', { model: models().llama, interval: Duration.millis(0) }); }))
      .toThrow(/'interval' must be a positive duration, got '0ms'/);
  });
});
