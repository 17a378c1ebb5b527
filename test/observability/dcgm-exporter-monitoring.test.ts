import { Duration } from 'cdk8s';
import { DcgmExporterMonitoring } from '../../src/observability';
import { findObject, synthChart } from '../util';

describe('DcgmExporterMonitoring', () => {
  test('defaults: the GPU operator exporter Service, honouring its labels, with the node', () => {
    const objects = synthChart((chart) => { new DcgmExporterMonitoring(chart, 'dcgm'); });
    const sm = findObject(objects, 'ServiceMonitor', 'nvidia-dcgm-exporter');
    expect(sm.metadata.namespace).toBe('gpu-operator');
    expect(sm.spec.selector).toEqual({ matchLabels: { app: 'nvidia-dcgm-exporter' } });
    expect(sm.spec.endpoints).toEqual([{
      port: 'gpu-metrics',
      path: '/metrics',
      scheme: 'http',
      interval: '30s',
      honorLabels: true,
      relabelings: [{ action: 'replace', sourceLabels: ['__meta_kubernetes_pod_node_name'], targetLabel: 'node' }],
    }]);
  });

  test('custom namespace, selector, port and interval', () => {
    const objects = synthChart((chart) => {
      new DcgmExporterMonitoring(chart, 'dcgm', { namespace: 'nvidia', selectorLabels: { 'app.kubernetes.io/name': 'dcgm-exporter' }, portName: 'metrics', interval: Duration.seconds(15), objectLabels: { release: 'kps' } });
    });
    const sm = findObject(objects, 'ServiceMonitor');
    expect(sm.metadata).toMatchObject({ namespace: 'nvidia', labels: { release: 'kps' } });
    expect(sm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'dcgm-exporter' });
    expect(sm.spec.endpoints[0]).toMatchObject({ port: 'metrics', interval: '15s' });
  });

  test('an empty selector is a ValidationError', () => {
    expect(() => synthChart((chart) => { new DcgmExporterMonitoring(chart, 'dcgm', { selectorLabels: {} }); }))
      .toThrow(/'selectorLabels' must select the DCGM exporter Service, got \{\}; pass the Service's labels/);
  });
});
