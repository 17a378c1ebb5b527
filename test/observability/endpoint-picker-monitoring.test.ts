import { App } from 'cdk8s';
import { spec } from '../../examples/reference/platform';
import { ModelRuntime, ModelService } from '../../src/core';
import { InferencePoolRoute } from '../../src/mesh';
import { EndpointPickerMonitoring } from '../../src/observability';
import { IngressApi, KubernetesPlatform } from '../../src/platform';
import { PlatformTwin } from '../../src/twin';
import { PromQL } from '../../src/validation';
import { findObject, synthChart } from '../util';

const EPP = `123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/gateway-api-inference-extension/epp@sha256:${'e'.repeat(64)}`;
const model = ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', runtime: ModelRuntime.VLLM, versions: ['stable', 'candidate'] });

function build(extra: any = {}): { objects: any[]; monitoring: EndpointPickerMonitoring } {
  let monitoring!: EndpointPickerMonitoring;
  const objects = synthChart((chart) => {
    const route = new InferencePoolRoute(chart, 'Inference', { model, gateway: { name: 'llm', namespace: 'istio-ingress' }, pickerImage: EPP, canary: { candidateWeight: 10 } });
    monitoring = new EndpointPickerMonitoring(chart, 'Monitoring', { route, ...extra });
  });
  return { objects, monitoring };
}

describe('EndpointPickerMonitoring', () => {
  const { objects, monitoring } = build({ objectLabels: { release: 'kube-prometheus-stack' } });
  const rule = findObject(objects, 'PrometheusRule', 'llama3-8b-inference');

  test("a PodMonitor of the pickers' metrics port", () => {
    const pm = findObject(objects, 'PodMonitor', 'llama3-8b-inference');
    expect(pm.metadata.namespace).toBe('search');
    expect(pm.metadata.labels.release).toBe('kube-prometheus-stack');
    expect(pm.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/component': 'endpoint-picker' });
    expect(pm.spec.selector.matchExpressions).toEqual([{ key: 'llm-platform.io/inference-pool', operator: 'In', values: ['llama3-8b-stable', 'llama3-8b-candidate'] }]);
    expect(pm.spec.podMetricsEndpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s', scrapeTimeout: '10s' }]);
    // the picker pods carry those labels and that port
    const picker = findObject(objects, 'Deployment', 'llama3-8b-stable-epp').spec.template;
    for (const [k, v] of Object.entries(pm.spec.selector.matchLabels)) expect(picker.metadata.labels[k]).toBe(v);
    expect(picker.metadata.labels['llm-platform.io/inference-pool']).toBe('llama3-8b-stable');
    // not the model's label: the model's Service and PodMonitor select its pods by it
    expect(picker.metadata.labels['llm-platform.io/model']).toBeUndefined();
    expect(picker.spec.containers[0].ports.map((p: any) => p.name)).toContain('metrics');
  });

  test('the pools\' alerts, each valid PromQL over both pools', () => {
    expect(monitoring.alertNames).toEqual(['InferencePoolNoReadyPods', 'InferencePoolQueueBuildingUp', 'InferencePoolKvCacheSaturated', 'EndpointPickerDown']);
    const rules = rule.spec.groups[0].rules;
    for (const r of rules) expect(PromQL.parse(r.expr).ok).toBe(true);
    expect(rules[1].expr).toBe('max by (name) (inference_pool_average_queue_size{name=~"llama3-8b-stable|llama3-8b-candidate"}) > 8');
    expect(rules[2].expr).toBe('max by (name) (inference_pool_average_kv_cache_utilization{name=~"llama3-8b-stable|llama3-8b-candidate"}) > 0.9');
    expect(rules[3].expr).toBe('max by (pod) (up{job="search/llama3-8b-inference"}) == 0');
    expect(rules.map((r: any) => r.labels.severity)).toEqual(['critical', 'warning', 'warning', 'critical']);
  });

  test('thresholds and their errors', () => {
    const { objects: o } = build({ queueThreshold: 20, kvCacheThreshold: 0.8 });
    const rules = findObject(o, 'PrometheusRule', 'llama3-8b-inference').spec.groups[0].rules;
    expect(rules[1].expr).toMatch(/> 20$/);
    expect(rules[2].expr).toMatch(/> 0.8$/);
    expect(() => build({ queueThreshold: 0 })).toThrow("'queueThreshold' must be a positive number of waiting requests, got 0; use e.g. 8");
    expect(() => build({ kvCacheThreshold: 1.5 })).toThrow("'kvCacheThreshold' must be a fraction in (0, 1], got 1.5; use e.g. 0.9");
  });

  test('the twin finds every metric the alerts select exposed by the pickers the output runs', () => {
    // the reference on the Istio path (it serves through its own pickers otherwise), plus this route
    const istioPath = { ...spec, mesh: { ...spec.mesh, ingressApi: IngressApi.ISTIO, inference: undefined } };
    const platform = new KubernetesPlatform(new App(), 'acme-llm', { spec: istioPath }).manifests().map((m) => m.resource);
    const report = PlatformTwin.check([...platform, ...objects]);
    expect(report.problems.filter((p) => p.object.includes('llama3-8b-inference'))).toEqual([]);
    expect(report.references.notModelled.filter((n) => n.includes('llama3-8b-inference'))).toEqual([]);
    // without the pickers, the same rule never sees data, and the twin says so
    const withoutPickers = PlatformTwin.check([...platform, ...objects.filter((o) => !(o.kind === 'Deployment' && /-epp$/.test(o.metadata.name)))]);
    expect(withoutPickers.problems.filter((p) => p.object === 'PrometheusRule search/llama3-8b-inference').map((p) => p.problem)[0])
      .toMatch(/selects inference_pool_ready_pods .*but the output runs no epp pod/);
  });
});
