import {
  appProject, applicationSet, BASE_CRDS, chartApp, configMap, crd, ctxOf, madeBy, namespaceObject, PLATFORM_PROJECT, pod, service,
} from './references-bootstrap-fixtures';
import { PlatformTwin } from '../../src/twin';
import { permitsDestination, permitsKind } from '../../src/twin/private/bootstrap';
import { checkFlows } from '../../src/twin/private/flows';
import { dcgmFieldsOf, dcgmShippedCounters, exposedNames, metricSource } from '../../src/twin/private/metric-catalogue';
import { TwinContext, TwinPod } from '../../src/twin/private/model';
import { checkReferences, deepMerge, helmValuesOf, istioExtensionProviders, selectedMetrics, serviceOfHost } from '../../src/twin/private/references';

function findings(ctx: TwinContext) {
  return checkReferences(ctx).findings;
}

const VS = (name: string, ns: string, http: any[], gateways?: string[]) => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: { name, namespace: ns },
  spec: { hosts: ['x.example.com'], ...(gateways ? { gateways } : {}), http },
});
const route = (host: string, port?: number, subset?: string) => ({
  route: [{ destination: { host, ...(port ? { port: { number: port } } : {}), ...(subset ? { subset } : {}) } }],
});
const modelPod = (ns: string, labels: Record<string, string>, extra: any = {}) => pod(ns, labels, {
  containers: [{ name: 'server', image: 'r.example.com/vllm-openai@sha256:1', command: ['vllm', 'serve'], ports: [{ name: 'http', containerPort: 8000 }], ...extra }],
});

describe('serviceOfHost', () => {
  test('short, svc and cluster.local forms name a Service; other hosts do not', () => {
    expect(serviceOfHost('llama', 'search')).toEqual({ name: 'llama', namespace: 'search' });
    expect(serviceOfHost('llama.support.svc', 'search')).toEqual({ name: 'llama', namespace: 'support' });
    expect(serviceOfHost('llama.support.svc.cluster.local', 'search')).toEqual({ name: 'llama', namespace: 'support' });
    expect(serviceOfHost('llama.support', 'search')).toBeUndefined();
    expect(serviceOfHost('api.openai.com', 'search')).toBeUndefined();
    expect(serviceOfHost('*.svc.cluster.local', 'search')).toBeUndefined();
  });
});

describe('routes', () => {
  test('defect 6: a route to port 8000 of the KServe predictor Service, which exposes 80, is reported', () => {
    const predictor = madeBy('InferenceService support/llama3-70b', service('support', 'llama3-70b-predictor', [{ name: 'http', port: 80, targetPort: 8080 }], { app: 'isvc.llama3-70b-predictor' }));
    const vs = VS('gw-llama', 'istio-ingress', [route('llama3-70b-predictor.support.svc.cluster.local', 8000)], ['llm-gateway']);
    const f = findings(ctxOf([vs], { derived: [predictor] }));
    expect(f).toEqual([{
      check: 'references',
      object: 'VirtualService istio-ingress/gw-llama',
      field: 'spec.http[0].route[0].destination.port.number',
      problem: 'routes to port 8000 of Service support/llama3-70b-predictor, which exposes 80: the route never reaches a pod',
      value: 8000,
      fix: 'route to a port the Service exposes (80)',
    }]);
  });

  test('a route to the port the Service exposes passes and is counted', () => {
    const out = checkReferences(ctxOf([VS('a', 'search', [route('llama', 8000)]), service('search', 'llama', [{ port: 8000 }])]));
    expect(out.findings).toEqual([]);
    expect(out.checked).toBe(2); // the route and the VirtualService's CRD
    expect(out.passed).toBe(2);
  });

  test('a route to a Service nobody creates is reported on the host', () => {
    const f = findings(ctxOf([VS('a', 'search', [route('nope', 80)])]));
    expect(f[0].field).toBe('spec.http[0].route[0].destination.host');
    expect(f[0].problem).toContain('routes to Service search/nope, which neither the output nor its operators create');
  });

  test('tcp and tls routes are checked too', () => {
    const vs = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 't', namespace: 'a' }, spec: { tcp: [route('db', 5432)], tls: [route('web', 443)] } };
    const f = findings(ctxOf([vs, service('a', 'db', [{ port: 5432 }])]));
    expect(f.map((x) => x.field)).toEqual(['spec.tls[0].route[0].destination.host']);
  });

  test('a ServiceEntry host passes; a host that is neither is not modelled', () => {
    const se = { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'oa', namespace: 'a' }, spec: { hosts: ['api.openai.com'] } };
    const out = checkReferences(ctxOf([VS('a', 'a', [route('api.openai.com', 443), route('other.example.com', 443)]), se]));
    expect(out.findings).toEqual([]);
    expect(out.passed).toBe(3); // the ServiceEntry route and two CRDs
    expect(out.notModelled).toEqual(["VirtualService a/a spec.http[1].route[0].destination.host 'other.example.com': not a Kubernetes Service host nor a ServiceEntry host of the output"]);
  });

  test('no port: fine for mesh routes, reported for gateway routes to a multi-port Service', () => {
    const svc = service('v', 'clip', [{ name: 'http', port: 8000 }, { name: 'grpc', port: 8001 }]);
    expect(findings(ctxOf([VS('m', 'v', [route('clip')]), svc]))).toEqual([]);
    const f = findings(ctxOf([VS('g', 'istio-ingress', [route('clip.v.svc.cluster.local')], ['istio-ingress/gw']), svc]));
    expect(f).toHaveLength(1);
    expect(f[0].field).toBe('spec.http[0].route[0].destination.port');
    expect(f[0].fix).toBe('set destination.port.number');
  });

  test('a subset must be defined by a DestinationRule of the host and select pods behind the Service', () => {
    const svc = service('s', 'llama', [{ port: 8000 }], { app: 'llama' });
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'llama', namespace: 's' }, spec: { host: 'llama.s.svc.cluster.local', subsets: [{ name: 'stable', labels: { v: 'stable' } }, { name: 'canary', labels: { v: 'canary' } }] } };
    const pods = [modelPod('s', { app: 'llama', v: 'stable' })];
    const f = findings(ctxOf([VS('a', 's', [route('llama', 8000, 'stable'), route('llama', 8000, 'blue')]), svc, dr], { pods }));
    expect(f.map((x) => [x.object, x.field])).toEqual([
      ['VirtualService s/a', 'spec.http[1].route[0].destination.subset'],
      ['DestinationRule s/llama', 'spec.subsets[1].labels'],
    ]);
    expect(f[1].problem).toBe("subset 'canary' selects no pod behind Service s/llama: routes to it get 503");
  });

  test('a DestinationRule for a Service nobody creates is reported', () => {
    const dr = { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'x', namespace: 's' }, spec: { host: 'ghost' } };
    expect(findings(ctxOf([dr]))[0].field).toBe('spec.host');
  });

  test('a Gateway selector must match gateway pods', () => {
    const gw = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-ingress' }, spec: { selector: { istio: 'ingressgateway' }, servers: [] } };
    expect(findings(ctxOf([gw]))[0]).toMatchObject({ object: 'Gateway istio-ingress/gw', field: 'spec.selector' });
    const gwPod = pod('istio-ingress', { istio: 'ingressgateway' }, { containers: [{ name: 'istio-proxy', image: 'proxyv2' }] });
    expect(findings(ctxOf([gw], { pods: [gwPod] }))).toEqual([]);
  });
});

describe('monitors', () => {
  const pm = (spec: any, ns = 'search') => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'pm', namespace: ns }, spec });
  const injected = pod('search', { app: 'llama' }, {
    initContainers: [{ name: 'istio-proxy', image: 'proxyv2', restartPolicy: 'Always', ports: [{ name: 'http-envoy-prom', containerPort: 15090 }] }],
    containers: [{ name: 'server', image: 'vllm', ports: [{ name: 'http', containerPort: 8000 }] }],
  });

  test('a PodMonitor port names a container port, including the native istio-proxy sidecar', () => {
    expect(findings(ctxOf([pm({ selector: { matchLabels: { app: 'llama' } }, podMetricsEndpoints: [{ port: 'http' }, { port: 'http-envoy-prom' }] })], { pods: [injected] }))).toEqual([]);
  });

  test('a PodMonitor port no selected pod declares is reported', () => {
    const f = findings(ctxOf([pm({ selector: { matchLabels: { app: 'llama' } }, podMetricsEndpoints: [{ port: 'metrics' }] })], { pods: [injected] }));
    expect(f).toEqual([expect.objectContaining({ object: 'PodMonitor search/pm', field: 'spec.podMetricsEndpoints[0].port', value: 'metrics' })]);
    expect(f[0].problem).toBe('names a port that Deployment search/app pods do not declare: Prometheus drops those targets');
  });

  test('a PodMonitor selects pods of its own namespace unless namespaceSelector says otherwise', () => {
    const sel = { selector: { matchLabels: { app: 'llama' } }, podMetricsEndpoints: [{ port: 'http' }] };
    expect(findings(ctxOf([pm(sel, 'monitoring')], { pods: [injected] }))[0]).toMatchObject({ field: 'spec.selector', problem: 'selects no pod that will exist: Prometheus scrapes nothing for it' });
    expect(findings(ctxOf([pm({ ...sel, namespaceSelector: { matchNames: ['search'] } }, 'monitoring')], { pods: [injected] }))).toEqual([]);
    expect(findings(ctxOf([pm({ ...sel, namespaceSelector: { any: true } }, 'monitoring')], { pods: [injected] }))).toEqual([]);
  });

  test('a ServiceMonitor needs a Service with that port name backed by a pod serving its target port', () => {
    const sm = { apiVersion: 'monitoring.coreos.com/v1', kind: 'ServiceMonitor', metadata: { name: 'dcgm', namespace: 'nvidia-gpu' }, spec: { selector: { matchLabels: { app: 'dcgm' } }, endpoints: [{ port: 'metrics' }] } };
    const svc = service('nvidia-gpu', 'dcgm', [{ name: 'metrics', port: 9400, targetPort: 'metrics' }], { app: 'dcgm' }, { app: 'dcgm' });
    const p = pod('nvidia-gpu', { app: 'dcgm' }, { containers: [{ name: 'e', image: 'dcgm-exporter', ports: [{ name: 'metrics', containerPort: 9400 }] }] });
    expect(findings(ctxOf([sm, svc], { pods: [p] }))).toEqual([]);
    expect(findings(ctxOf([sm, svc], { pods: [] }))[0]).toMatchObject({ field: 'spec.endpoints[0].port', value: 'metrics' });
    expect(findings(ctxOf([sm], { pods: [p] }))[0]).toMatchObject({ field: 'spec.selector' });
    const unnamed = service('nvidia-gpu', 'dcgm', [{ name: 'web', port: 9400 }], { app: 'dcgm' }, { app: 'dcgm' });
    expect(findings(ctxOf([sm, unnamed], { pods: [p] }))[0].problem).toBe("names Service port 'metrics', which Service nvidia-gpu/dcgm do not expose by name");
  });
});

describe('Prometheus selection of monitors and rules', () => {
  const pm = (labels: Record<string, string>, ns = 'search') => ({
    apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'pm', namespace: ns, labels }, spec: { selector: {}, podMetricsEndpoints: [] },
  });
  const rules = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'search' }, spec: { groups: [] } };
  const p = pod('search', { app: 'x' }, { containers: [{ name: 'c', image: 'i' }] });
  const kps = (valuesObject: any, helm: any = {}) => chartApp('prod-kube-prometheus-stack', 'kube-prometheus-stack', 'monitoring', 20, { helm: { releaseName: 'kps', valuesObject, ...helm } });

  test('with the chart defaults, only monitors labelled release: <release> are selected', () => {
    const f = findings(ctxOf([pm({}), rules, kps({})], { pods: [p] }));
    expect(f.map((x) => [x.object, x.field])).toEqual([['PodMonitor search/pm', 'metadata.labels'], ['PrometheusRule search/r', 'metadata.labels']]);
    expect(f[0].problem).toBe('is selected by no Prometheus (the Prometheus of Application argocd/prod-kube-prometheus-stack: {"matchLabels":{"release":"kps"}}): its targets are never scraped');
    expect(f[0].fix).toBe('label it {"release":"kps"} or set prometheus.prometheusSpec.podMonitorSelectorNilUsesHelmValues false (or a podMonitorSelector that matches it) in Application argocd/prod-kube-prometheus-stack');
    expect(f[1].problem).toContain('its rules are never evaluated');
    expect(findings(ctxOf([pm({ release: 'kps' }), kps({})], { pods: [p] }))).toEqual([]);
  });

  test('NilUsesHelmValues false selects everything; a set selector is used as is', () => {
    const open = { prometheus: { prometheusSpec: { podMonitorSelectorNilUsesHelmValues: false, ruleSelectorNilUsesHelmValues: false } } };
    expect(findings(ctxOf([pm({}), rules, kps(open)], { pods: [p] }))).toEqual([]);
    const team = { prometheus: { prometheusSpec: { podMonitorSelector: { matchLabels: { team: 'a' } } } } };
    expect(findings(ctxOf([pm({ release: 'kps' }), kps(team)], { pods: [p] }))).toHaveLength(1);
    expect(findings(ctxOf([pm({ team: 'a' }), kps(team)], { pods: [p] }))).toEqual([]);
  });

  test('the release name defaults to the Application name; values YAML counts; a disabled Prometheus selects nothing', () => {
    const app = chartApp('prod-kps', 'kube-prometheus-stack', 'monitoring', 20);
    delete app.spec.source.helm.releaseName;
    expect(findings(ctxOf([pm({ release: 'prod-kps' }), app], { pods: [p] }))).toEqual([]);
    expect(findings(ctxOf([pm({}), kps(undefined, { values: 'prometheus:\n  prometheusSpec:\n    podMonitorSelectorNilUsesHelmValues: false\n' })], { pods: [p] }))).toEqual([]);
    const out = checkReferences(ctxOf([pm({ release: 'kps' }), kps({ prometheus: { enabled: false } })], { pods: [p] }));
    expect(out.notModelled).toContain('no Prometheus resource or kube-prometheus-stack Application in the output: which Prometheus selects the monitors and rules is not checked');
  });

  test('a Prometheus resource: nil selectors select nothing, a nil namespace selector only its own namespace', () => {
    const prom = (spec: any) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'Prometheus', metadata: { name: 'k8s', namespace: 'monitoring' }, spec });
    expect(findings(ctxOf([pm({}), prom({})], { pods: [p] }))[0].fix).toBe('label it to match the podMonitorSelector of Prometheus monitoring/k8s');
    expect(findings(ctxOf([pm({}), prom({ podMonitorSelector: {} })], { pods: [p] }))).toHaveLength(1);
    expect(findings(ctxOf([pm({}, 'monitoring'), prom({ podMonitorSelector: {} })], { pods: [pod('monitoring', {}, { containers: [] })] }))).toEqual([]);
    expect(findings(ctxOf([pm({}), prom({ podMonitorSelector: {}, podMonitorNamespaceSelector: {} })], { pods: [p] }))).toEqual([]);
  });
});

describe('metrics', () => {
  const rule = (ns: string, rules: any[]) => ({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: ns }, spec: { groups: [{ name: 'g', rules }] } });
  const vllmPod = modelPod('search', { app: 'llama' });
  const dcgmPod = (container: any = {}, volumes: any[] = []) => pod('nvidia-gpu', { app: 'dcgm' }, {
    containers: [{ name: 'dcgm-exporter', image: 'r.example.com/mirror/dcgm-exporter@sha256:a7ad', ...container }], volumes,
  }, 'DaemonSet nvidia-gpu/dcgm-exporter');

  test('selectedMetrics parses one shape once: label values and numbers do not change the names', () => {
    expect(selectedMetrics('max(vllm:kv_cache_usage_perc{model="a"}) > 0.9').names).toEqual(['vllm:kv_cache_usage_perc']);
    expect(selectedMetrics('max(vllm:kv_cache_usage_perc{model="b"}) > 0.5').names).toEqual(['vllm:kv_cache_usage_perc']);
    expect(selectedMetrics('rate(DCGM_FI_PROF_PIPE_FP16_ACTIVE[5m]) + llm_request_error_ratio:rate5m').names).toEqual(['DCGM_FI_PROF_PIPE_FP16_ACTIVE', 'llm_request_error_ratio:rate5m']);
  });

  test('selectedMetrics reads names and __name__ matchers', () => {
    expect(selectedMetrics('sum(rate({__name__=~"vllm:request_success_total", model="x"}[5m])) / up{a="b"}')).toEqual({ names: ['up'], patterns: ['vllm:request_success_total'], errors: [] });
    expect(selectedMetrics('{__name__="vllm:num_requests_running"}').names).toEqual(['vllm:num_requests_running']);
    expect(selectedMetrics("{__name__='up', job=~'a.*'}").names).toEqual(['up']);
    expect(selectedMetrics('{__name__!="up", job="x"}').names).toEqual([]);
    expect(selectedMetrics('sum(').errors.length).toBeGreaterThan(0);
  });

  test('vLLM metrics the runtime exposes pass; a name it does not expose is reported', () => {
    const r = rule('search', [
      { record: 'a', expr: 'sum(rate(vllm:e2e_request_latency_seconds_bucket[5m]))' },
      { alert: 'B', expr: 'vllm:num_requests_waiting > 3' },
      { alert: 'C', expr: 'vllm:gpu_cache_usage_percent > 0.9' },
    ]);
    const f = findings(ctxOf([r], { pods: [vllmPod] }));
    expect(f).toEqual([{
      check: 'references',
      object: 'PrometheusRule search/r',
      field: 'spec.groups[0].rules[2].expr',
      problem: 'alert C selects vllm:gpu_cache_usage_percent, which vLLM V1 engine metrics (docs/design/metrics.md at f7e3a087) does not expose: it never sees data',
      value: 'vllm:gpu_cache_usage_percent',
      fix: 'use a metric vllm exposes (schemas/upstream/metrics lists them)',
    }]);
  });

  test('a runtime metric with no pod of that runtime in the output is reported', () => {
    const f = findings(ctxOf([rule('s', [{ alert: 'Q', expr: 'tgi_queue_size > 1' }])], { pods: [vllmPod] }));
    expect(f[0].problem).toContain('but the output runs no tgi pod: it never sees data');
  });

  test('recording rule outputs count as exposed; unknown families are not modelled', () => {
    const out = checkReferences(ctxOf([rule('s', [
      { record: 'llm_queue', expr: 'sum(vllm:num_requests_waiting)' },
      { alert: 'Q', expr: 'llm_queue > 1' },
      { alert: 'K', expr: 'kube_pod_info == 0' },
    ])], { pods: [vllmPod] }));
    expect(out.findings).toEqual([]);
    expect(out.passed).toBe(3); // two metrics and the PrometheusRule CRD
    expect(out.notModelled).toContain('PrometheusRule s/r spec.groups[0].rules[2].expr: metric kube_pod_info (no vendored catalogue for its family)');
  });

  test('__name__ regex matchers are matched against the catalogue', () => {
    expect(findings(ctxOf([rule('s', [{ record: 'x', expr: 'sum(rate({__name__=~"vllm:request_success_total"}[5m]))' }])], { pods: [vllmPod] }))).toEqual([]);
    const f = findings(ctxOf([rule('s', [{ record: 'x', expr: 'sum(rate({__name__=~"nv_inference_request_success"}[5m]))' }])], { pods: [vllmPod] }));
    expect(f[0].problem).toContain("selects metrics matching 'nv_inference_request_success', exposed only by a source the output does not run");
  });

  test('TGI histograms, Triton counters and Istio standard metrics come from their catalogues', () => {
    const pods = [
      pod('a', {}, { containers: [{ name: 't', image: 'ghcr.io/huggingface/text-generation-inference@sha256:1' }] }),
      pod('b', {}, { containers: [{ name: 't', image: 'nvcr.io/nvidia/tritonserver@sha256:1', command: ['tritonserver'] }] }),
      pod('c', {}, { initContainers: [{ name: 'istio-proxy', image: 'proxyv2' }], containers: [{ name: 'x', image: 'x' }] }),
    ];
    const r = rule('s', [
      { record: 'a', expr: 'rate(tgi_request_duration_bucket[5m]) + rate(tgi_request_generated_tokens_sum[5m])' },
      { record: 'b', expr: 'rate(nv_inference_request_failure[5m]) + nv_inference_pending_request_count' },
      { record: 'c', expr: 'rate(istio_requests_total[5m]) + rate(istio_request_duration_milliseconds_bucket[5m])' },
      { record: 'd', expr: 'rate(tgi_request_skipped_tokens_bucket[5m])' },
    ]);
    const f = findings(ctxOf([r], { pods }));
    expect(f.map((x) => x.value)).toEqual(['tgi_request_skipped_tokens_bucket']);
  });

  test('a KEDA prometheus trigger query is checked; invalid PromQL is reported', () => {
    const so = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { name: 'llama', namespace: 'search' },
      spec: {
        triggers: [
          { type: 'prometheus', name: 'q', metadata: { query: 'sum(vllm:num_requests_waitin)' } },
          { type: 'prometheus', name: 'bad', metadata: { query: 'sum(' } },
          { type: 'cpu', metadata: { value: '50' } },
        ],
      },
    };
    const f = findings(ctxOf([so], { pods: [vllmPod] }));
    expect(f.map((x) => x.field)).toEqual(['spec.triggers[0].metadata.query', 'spec.triggers[1].metadata.query']);
    expect(f[0].problem).toContain('trigger q selects vllm:num_requests_waitin');
    expect(f[1].problem).toContain('is not valid PromQL');
  });

  test('defect 12: a GPU alert on a DCGM field the default counters file leaves out is reported', () => {
    const r = rule('monitoring', [
      { alert: 'GpuTemperatureHigh', expr: 'max(DCGM_FI_DEV_GPU_TEMP) > 85' },
      { alert: 'GpuEccDoubleBitErrors', expr: 'max(increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[10m])) > 0' },
    ]);
    const f = findings(ctxOf([r], { pods: [dcgmPod()] }));
    expect(f).toEqual([{
      check: 'references',
      object: 'PrometheusRule monitoring/r',
      field: 'spec.groups[0].rules[1].expr',
      problem: 'alert GpuEccDoubleBitErrors selects DCGM_FI_DEV_ECC_DBE_VOL_TOTAL, which dcgm-exporter does not export with the counters file it reads (/etc/dcgm-exporter/default-counters.csv of the dcgm-exporter 4.5.2-4.8.1 image, which leaves that field out): it never fires',
      value: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL',
      fix: 'pass a counters file that lists DCGM_FI_DEV_ECC_DBE_VOL_TOTAL (a ConfigMap mounted into the exporter and named with -f or DCGM_EXPORTER_COLLECTORS), or use a field the file exports',
    }]);
  });

  test('a counters file from a mounted ConfigMap passed with -f exports the fields it lists', () => {
    const cm = configMap('nvidia-gpu', 'counters', { 'counters.csv': 'DCGM_FI_DEV_GPU_TEMP, gauge, t\nDCGM_FI_DEV_ECC_DBE_VOL_TOTAL, counter, e\n# DCGM_FI_DEV_XID_ERRORS, gauge, x\n' });
    const p = dcgmPod({ args: ['-f', '/etc/counters/counters.csv'], volumeMounts: [{ name: 'c', mountPath: '/etc/counters' }] }, [{ name: 'c', configMap: { name: 'counters' } }]);
    const r = rule('monitoring', [{ alert: 'E', expr: 'DCGM_FI_DEV_ECC_DBE_VOL_TOTAL > 0' }, { alert: 'X', expr: 'DCGM_FI_DEV_XID_ERRORS > 0' }]);
    const f = findings(ctxOf([r, cm], { pods: [p] }));
    expect(f.map((x) => x.value)).toEqual(['DCGM_FI_DEV_XID_ERRORS']);
    expect(f[0].problem).toContain('/etc/counters/counters.csv from a ConfigMap');
  });

  test('DCGM_EXPORTER_COLLECTORS may name another file the image ships; an unknown file is not modelled', () => {
    const r = rule('monitoring', [{ alert: 'T', expr: 'DCGM_FI_DEV_GPU_TEMP > 90' }, { alert: 'S', expr: 'DCGM_FI_PROF_SM_ACTIVE > 0' }]);
    const dcp = dcgmPod({ env: [{ name: 'DCGM_EXPORTER_COLLECTORS', value: '/etc/dcgm-exporter/dcp-metrics-included.csv' }] });
    const f = findings(ctxOf([r], { pods: [dcp] }));
    expect(f.map((x) => x.value)).toEqual(['DCGM_FI_PROF_SM_ACTIVE']);
    expect(f[0].problem).toContain('(/etc/dcgm-exporter/dcp-metrics-included.csv of the dcgm-exporter 4.5.2-4.8.1 image)');
    const out = checkReferences(ctxOf([r], { pods: [dcgmPod({ args: ['--collectors=/tmp/x.csv'] })] }));
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toContain('DaemonSet nvidia-gpu/dcgm-exporter: dcgm-exporter reads its counters from /tmp/x.csv, which is not a file of the image nor of a ConfigMap in the output');
  });

  test('a DCGM alert with no exporter in the output is reported', () => {
    expect(findings(ctxOf([rule('m', [{ alert: 'T', expr: 'DCGM_FI_DEV_GPU_TEMP > 1' }])]))[0].problem).toContain('but the output runs no dcgm-exporter');
  });
});

describe('metric catalogue', () => {
  test('families expose their series names', () => {
    expect(exposedNames({ name: 'h', type: 'histogram' })).toEqual(['h_bucket', 'h_sum', 'h_count']);
    expect(exposedNames({ name: 's', type: 'summary' })).toEqual(['s', 's_sum', 's_count']);
    expect(exposedNames({ name: 'c_total', type: 'counter' })).toEqual(['c_total']);
  });

  test('the vendored catalogues hold every metric the runtime presets name', () => {
    expect(metricSource('vllm')!.exposed.has('vllm:inter_token_latency_seconds_bucket')).toBe(true);
    expect(metricSource('tgi')!.exposed.has('tgi_request_mean_time_per_token_duration_bucket')).toBe(true);
    expect(metricSource('triton')!.exposed.has('nv_inference_request_success')).toBe(true);
    expect(metricSource('istio')!.exposed.has('istio_requests_total')).toBe(true);
    expect(metricSource('prometheus')!.exposed.has('up')).toBe(true);
  });

  test('counters files: comments and label fields export nothing', () => {
    expect([...dcgmFieldsOf('# c\nA, gauge, a\n# B, counter, b\nC, label, c\n\n')]).toEqual(['A']);
    const shipped = dcgmShippedCounters('/etc/dcgm-exporter/default-counters.csv')!;
    expect(shipped.has('DCGM_FI_DEV_XID_ERRORS')).toBe(true);
    expect(shipped.has('DCGM_FI_DEV_THERMAL_VIOLATION')).toBe(false);
    expect(shipped.has('DCGM_FI_DRIVER_VERSION')).toBe(false);
    expect(dcgmShippedCounters('/etc/other.csv')).toBeUndefined();
  });
});

describe('telemetry', () => {
  const telemetry = {
    apiVersion: 'telemetry.istio.io/v1',
    kind: 'Telemetry',
    metadata: { name: 'mesh-default', namespace: 'istio-system' },
    spec: { accessLogging: [{ providers: [{ name: 'otel' }] }], metrics: [{ providers: [{ name: 'prometheus' }] }], tracing: [{ providers: [{ name: 'otel-tracing' }] }] },
  };
  const istiod = (helm: any = {}) => chartApp('prod-istiod', 'istiod', 'istio-system', 20, { helm });

  test('defect 11: providers absent from meshConfig.extensionProviders are reported; built-in prometheus passes', () => {
    const f = findings(ctxOf([telemetry, istiod({ valuesObject: { meshConfig: { accessLogFile: '/dev/stdout' } } })]));
    expect(f).toEqual([
      {
        check: 'references',
        object: 'Telemetry istio-system/mesh-default',
        field: 'spec.accessLogging[0].providers[0].name',
        problem: "names provider 'otel', which meshConfig.extensionProviders of Application argocd/prod-istiod does not define (known: envoy, prometheus, stackdriver): istiod ignores it and nothing is logged",
        value: 'otel',
        fix: "add an extension provider named 'otel' to meshConfig.extensionProviders of the istiod Application, or use a provider it defines",
      },
      expect.objectContaining({ field: 'spec.tracing[0].providers[0].name', value: 'otel-tracing' }),
    ]);
  });

  test('providers defined in valuesObject or values YAML pass', () => {
    const providers = [{ name: 'otel', envoyOtelAls: { service: 'c.observability.svc.cluster.local', port: 4317 } }, { name: 'otel-tracing', opentelemetry: { service: 'c', port: 4317 } }];
    expect(findings(ctxOf([telemetry, istiod({ valuesObject: { meshConfig: { extensionProviders: providers } } })]))).toEqual([]);
    expect(findings(ctxOf([telemetry, istiod({ values: 'meshConfig:\n  extensionProviders:\n    - name: otel\n    - name: otel-tracing\n' })]))).toEqual([]);
  });

  test('no istiod Application: the providers are not modelled', () => {
    const out = checkReferences(ctxOf([telemetry]));
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toHaveLength(3);
  });

  test('helm values: valuesObject wins over values, lists are replaced', () => {
    expect(helmValuesOf({ helm: { values: 'a: 1\nb: [1]\nc: {d: 1}', valuesObject: { b: [2], c: { e: 2 } } } })).toEqual({ a: 1, b: [2], c: { d: 1, e: 2 } });
    expect(deepMerge({ a: { b: 1 } }, undefined)).toEqual({ a: { b: 1 } });
    expect(istioExtensionProviders(ctxOf([]).index)).toBeUndefined();
  });
});

describe('TLS credentials', () => {
  const gateway = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'Gateway',
    metadata: { name: 'llm-gateway', namespace: 'istio-ingress' },
    spec: {
      selector: { istio: 'ingressgateway' },
      servers: [
        { port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['llm.example.com'], tls: { mode: 'SIMPLE', credentialName: 'llm-tls' } },
        { port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['llm.example.com'], tls: { httpsRedirect: true } },
      ],
    },
  };
  const gwPod = pod('istio-ingress', { istio: 'ingressgateway' }, { containers: [{ name: 'istio-proxy', image: 'proxyv2' }] });
  const cert = (issuerRef: any) => ({ apiVersion: 'cert-manager.io/v1', kind: 'Certificate', metadata: { name: 'llm', namespace: 'istio-ingress' }, spec: { secretName: 'llm-tls', dnsNames: ['llm.example.com'], issuerRef } });

  test('defect 14: a credentialName no Secret or Certificate provides is reported', () => {
    const f = findings(ctxOf([gateway], { pods: [gwPod] }));
    expect(f).toEqual([{
      check: 'references',
      object: 'Gateway istio-ingress/llm-gateway',
      field: 'spec.servers[0].tls.credentialName',
      problem: "names Secret istio-ingress/llm-tls, which nothing creates (no Secret, ExternalSecret or cert-manager Certificate with that secretName in the gateway pods' namespace istio-ingress): the gateway serves no certificate and TLS handshakes fail",
      value: 'llm-tls',
      fix: "add a cert-manager Certificate in istio-ingress with secretName 'llm-tls' and an Issuer/ClusterIssuer, or document and create the Secret",
    }]);
  });

  test('a Secret, or a Certificate whose issuer exists, provides it', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'llm-tls', namespace: 'istio-ingress' }, type: 'kubernetes.io/tls' };
    expect(findings(ctxOf([gateway, secret], { pods: [gwPod] }))).toEqual([]);
    const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'le' }, spec: { acme: {} } };
    expect(findings(ctxOf([gateway, cert({ name: 'le', kind: 'ClusterIssuer' }), issuer], { pods: [gwPod] }))).toEqual([]);
  });

  test('a Certificate whose issuer the output does not create is reported on the Certificate', () => {
    const f = findings(ctxOf([gateway, cert({ name: 'ca' })], { pods: [gwPod] }));
    expect(f).toEqual([expect.objectContaining({ object: 'Certificate istio-ingress/llm', field: 'spec.issuerRef', problem: "names Issuer 'ca', which the output does not create: cert-manager never issues istio-ingress/llm-tls for Gateway istio-ingress/llm-gateway" })]);
  });

  test('an issuer or Secret declared external is not modelled instead of reported', () => {
    const c = cert({ name: 'letsencrypt-prod', kind: 'ClusterIssuer' });
    c.metadata = { ...c.metadata, annotations: { 'llm-platform.io/external-issuer': 'true' } } as any;
    const out = checkReferences(ctxOf([gateway, c], { pods: [gwPod] }));
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toContain("Certificate istio-ingress/llm spec.issuerRef: ClusterIssuer 'letsencrypt-prod' is created outside the output (llm-platform.io/external-issuer)");
    const external = { ...gateway, metadata: { ...gateway.metadata, annotations: { 'llm-platform.io/external-tls-credential': 'true' } } };
    const out2 = checkReferences(ctxOf([external], { pods: [gwPod] }));
    expect(out2.findings).toEqual([]);
    expect(out2.notModelled).toContain("Gateway istio-ingress/llm-gateway spec.servers[0].tls.credentialName: Secret 'llm-tls' is created outside the output (llm-platform.io/external-tls-credential)");
  });

  test('the Secret must be in the gateway pods\' namespace, not the Gateway\'s', () => {
    const elsewhere = { ...gateway, metadata: { name: 'llm-gateway', namespace: 'mesh-config' } };
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'llm-tls', namespace: 'mesh-config' } };
    expect(findings(ctxOf([elsewhere, secret], { pods: [gwPod] }))[0].problem).toContain("gateway pods' namespace istio-ingress");
  });
});

describe('CRDs and AppProjects', () => {
  const pytorchJob = {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: 'lora', namespace: 'support', labels: { 'llm-platform.io/tenant': 'support', 'app.kubernetes.io/part-of': 'support', 'app.kubernetes.io/component': 'fine-tuning' } },
    spec: {},
  };
  const tenants = applicationSet('tenants', 40, [{ path: 'prod/support', namespace: 'support', project: 'support', ownerKind: 'tenant' }]);
  const platform = applicationSet('platform-components', 30, [{ path: 'prod/tenancy', namespace: 'llm-platform-system', project: 'platform', ownerKind: 'platform-component' }]);
  const supportProject = (kinds: { group: string; kind: string }[]) => appProject('support', {
    destinations: [{ namespace: 'support', server: 'https://kubernetes.default.svc' }], clusterResourceWhitelist: [], namespaceResourceWhitelist: kinds,
  });
  const trainingCrd = madeBy('Application argocd/prod-training-operator', crd('kubeflow.org', 'PyTorchJob', 'pytorchjobs'));

  test('defect 8: PyTorchJob missing from the tenant AppProject whitelist is reported on the AppProject', () => {
    const f = findings(ctxOf([pytorchJob, tenants, platform, PLATFORM_PROJECT, supportProject([{ group: 'apps', kind: 'Deployment' }])], { derived: [trainingCrd] }));
    expect(f).toEqual([{
      check: 'references',
      object: 'AppProject argocd/support',
      field: 'spec.namespaceResourceWhitelist',
      problem: 'does not permit kubeflow.org/PyTorchJob, which Application prod-support (ApplicationSet argocd/tenants) syncs (PyTorchJob support/lora): Argo CD fails the whole sync of prod-support',
      value: { group: 'kubeflow.org', kind: 'PyTorchJob' },
      fix: "add { group: 'kubeflow.org', kind: 'PyTorchJob' } to namespaceResourceWhitelist of AppProject support (or remove it from the blacklist)",
    }]);
    expect(findings(ctxOf([pytorchJob, tenants, platform, PLATFORM_PROJECT, supportProject([{ group: 'kubeflow.org', kind: 'PyTorchJob' }])], { derived: [trainingCrd] }))).toEqual([]);
  });

  test('a custom kind whose CRD nothing installs is reported; a CRD in the output counts', () => {
    const f = findings(ctxOf([pytorchJob]));
    expect(f).toEqual([expect.objectContaining({ object: 'PyTorchJob support/lora', field: 'apiVersion', value: 'kubeflow.org/v1' })]);
    expect(f[0].fix).toBe('add the add-on (operator) that owns PyTorchJob.kubeflow.org, or remove the object');
    expect(findings(ctxOf([pytorchJob, crd('kubeflow.org', 'PyTorchJob', 'pytorchjobs')]))).toEqual([]);
  });

  test('a version the CRD does not serve is reported', () => {
    const f = findings(ctxOf([{ ...pytorchJob, apiVersion: 'kubeflow.org/v2' }, crd('kubeflow.org', 'PyTorchJob', 'pytorchjobs')]));
    expect(f[0].problem).toBe('uses version v2, which the installed CRD pytorchjobs.kubeflow.org does not serve');
  });

  test('a chart that was not rendered makes a missing CRD not modelled instead of a finding', () => {
    const out = checkReferences(ctxOf([pytorchJob, chartApp('prod-x', 'x', 'x', 10)]));
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toContain('CRD of PyTorchJob.kubeflow.org: not found, and what prod-x install was not rendered');
  });

  test('objects of tenant namespaces the tenant may not sync go to the platform Application', () => {
    const np = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'deny', namespace: 'support' }, spec: {} };
    const out = checkReferences(ctxOf([np, tenants, platform, PLATFORM_PROJECT, supportProject([{ group: 'apps', kind: 'Deployment' }])]));
    expect(out.findings).toEqual([]);
    expect(out.checked).toBe(2);
  });

  test('cluster-scoped kinds need the cluster whitelist; destinations must allow the namespace', () => {
    const narrow = appProject('platform', { destinations: [{ namespace: 'llm-*', server: 'https://kubernetes.default.svc' }], clusterResourceWhitelist: [] });
    const f = findings(ctxOf([namespaceObject('support'), configMap('other', 'c'), platform, narrow]));
    expect(f.map((x) => [x.object, x.field, x.value])).toEqual([
      ['AppProject argocd/platform', 'spec.clusterResourceWhitelist', { group: '', kind: 'Namespace' }],
      ['AppProject argocd/platform', 'spec.destinations', 'other'],
    ]);
    expect(f[0].fix).toBe("add { group: '', kind: 'Namespace' } to clusterResourceWhitelist of AppProject platform");
  });
});

describe('malformed objects', () => {
  test('are read as data: missing or mistyped lists never crash the check', () => {
    const objects = [
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'a' }, spec: { http: [null, { route: 'x' }], gateways: 'gw' } },
      { apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'd', namespace: 'a' }, spec: { host: 'x', subsets: [null] } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'a' }, spec: { groups: [null, { rules: [null, { expr: 42 }] }] } },
      { apiVersion: 'monitoring.coreos.com/v1', kind: 'PodMonitor', metadata: { name: 'p', namespace: 'a' }, spec: { podMetricsEndpoints: 'x' } },
      { apiVersion: 'telemetry.istio.io/v1', kind: 'Telemetry', metadata: { name: 't', namespace: 'a' }, spec: { tracing: [{ providers: null }] } },
      { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'a' }, spec: { servers: [null] } },
      { kind: 'ConfigMap' },
    ];
    expect(() => checkReferences(ctxOf(objects))).not.toThrow();
  });
});

describe('Argo CD AppProject semantics', () => {
  test('namespaced kinds: whitelist absent = all, empty = none, blacklist wins', () => {
    expect(permitsKind({ spec: {} }, 'apps', 'Deployment', true)).toBe(true);
    expect(permitsKind({ spec: { namespaceResourceWhitelist: [] } }, 'apps', 'Deployment', true)).toBe(false);
    expect(permitsKind({ spec: { namespaceResourceBlacklist: [{ group: 'apps', kind: '*' }] } }, 'apps', 'Deployment', true)).toBe(false);
    expect(permitsKind({ spec: { namespaceResourceWhitelist: [{ group: 'apps', kind: 'Deploy*' }] } }, 'apps', 'Deployment', true)).toBe(true);
    expect(permitsKind(undefined, 'apps', 'Deployment', true)).toBe(false);
  });

  test('cluster-scoped kinds: only what the whitelist lists', () => {
    expect(permitsKind({ spec: {} }, '', 'Namespace', false)).toBe(false);
    expect(permitsKind({ spec: { clusterResourceWhitelist: [{ group: '*', kind: '*' }] } }, '', 'Namespace', false)).toBe(true);
    expect(permitsKind({ spec: { clusterResourceWhitelist: [{ group: '*', kind: '*' }], clusterResourceBlacklist: [{ group: '', kind: 'Namespace' }] } }, '', 'Namespace', false)).toBe(false);
  });

  test('destinations: globs and negations', () => {
    const p = { spec: { destinations: [{ namespace: 'team-*', server: '*' }, { namespace: '!team-secret', server: '*' }] } };
    expect(permitsDestination(p, 'team-a', 'https://kubernetes.default.svc')).toBe(true);
    expect(permitsDestination(p, 'team-secret', 'https://kubernetes.default.svc')).toBe(false);
    expect(permitsDestination(p, 'other', 'https://kubernetes.default.svc')).toBe(false);
  });
});

describe('Gateway API and the Inference Extension', () => {
  const GW_CRDS = [
    ...BASE_CRDS, crd('gateway.networking.k8s.io', 'Gateway', 'gateways'), crd('gateway.networking.k8s.io', 'HTTPRoute', 'httproutes'),
    crd('gateway.networking.k8s.io', 'ReferenceGrant', 'referencegrants', 'Namespaced', ['v1beta1']), crd('inference.networking.k8s.io', 'InferencePool', 'inferencepools'),
  ];
  const ctx = (objects: any[], pods: TwinPod[] = []) => ctxOf(objects, { pods, crds: GW_CRDS });
  const tenants = (names: string[]) => ({ from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: names }] } });
  const https = (extra: any = {}) => ({
    name: 'https',
    port: 443,
    protocol: 'HTTPS',
    hostname: 'llm.example.com',
    tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'llm-tls' }] },
    allowedRoutes: { namespaces: tenants(['search', 'support']) },
    ...extra,
  });
  const http = { name: 'http', port: 80, protocol: 'HTTP', hostname: 'llm.example.com', allowedRoutes: { namespaces: { from: 'Same' } } };
  const gateway = (listeners: any[] = [https(), http], annotations?: Record<string, string>) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { name: 'llm-gateway', namespace: 'istio-ingress', ...(annotations ? { annotations } : {}) },
    spec: { gatewayClassName: 'istio', listeners },
  });
  const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'llm-tls', namespace: 'istio-ingress' }, type: 'kubernetes.io/tls' };
  const httpRoute = (ns: string, backendRefs: any[], parentRef: any = { name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'https' }, hostnames = ['llm.example.com']) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { name: 'llama3-8b', namespace: ns },
    spec: { hostnames, parentRefs: [parentRef], rules: [{ backendRefs }] },
  });
  const llama = service('search', 'llama3-8b', [{ name: 'http', port: 8000, targetPort: 'http' }], { 'llm-platform.io/model': 'llama3-8b' });
  const toLlama = [{ group: '', kind: 'Service', name: 'llama3-8b', port: 8000 }];
  const grant = (ns: string, fromKind: string, fromNs: string, to: any) => ({
    apiVersion: 'gateway.networking.k8s.io/v1beta1',
    kind: 'ReferenceGrant',
    metadata: { name: 'g', namespace: ns },
    spec: { from: [{ group: 'gateway.networking.k8s.io', kind: fromKind, namespace: fromNs }], to: [to] },
  });

  describe('listener certificateRefs', () => {
    test('a certificateRef no Secret or Certificate provides is reported on the listener', () => {
      const f = findings(ctx([gateway()]));
      expect(f).toEqual([{
        check: 'references',
        object: 'Gateway istio-ingress/llm-gateway',
        field: 'spec.listeners[0].tls.certificateRefs[0]',
        problem: "names Secret istio-ingress/llm-tls, which nothing creates (no Secret, ExternalSecret or cert-manager Certificate with that secretName in namespace istio-ingress): istiod marks the certificateRef of listener 'https' invalid (InvalidCertificateRef), the listener serves no certificate and TLS handshakes on port 443 fail",
        value: 'llm-tls',
        fix: "add a cert-manager Certificate in istio-ingress with secretName 'llm-tls' and an Issuer/ClusterIssuer, or document and create the Secret",
      }]);
    });

    test('a Secret, or a cert-manager Certificate of that secretName whose issuer exists, provides it; a missing issuer is reported on the Certificate', () => {
      expect(findings(ctx([gateway(), secret]))).toEqual([]);
      const cert = (issuerRef: any, annotations?: any) => ({
        apiVersion: 'cert-manager.io/v1',
        kind: 'Certificate',
        metadata: { name: 'llm', namespace: 'istio-ingress', ...(annotations ? { annotations } : {}) },
        spec: { secretName: 'llm-tls', dnsNames: ['llm.example.com'], issuerRef },
      });
      const issuer = { apiVersion: 'cert-manager.io/v1', kind: 'ClusterIssuer', metadata: { name: 'le' }, spec: { acme: {} } };
      expect(findings(ctx([gateway(), cert({ name: 'le', kind: 'ClusterIssuer' }), issuer]))).toEqual([]);
      expect(findings(ctx([gateway(), cert({ name: 'ca' })]))).toEqual([expect.objectContaining({
        object: 'Certificate istio-ingress/llm', field: 'spec.issuerRef', problem: "names Issuer 'ca', which the output does not create: cert-manager never issues istio-ingress/llm-tls for Gateway istio-ingress/llm-gateway",
      })]);
      // the platform's external ACME issuer
      const out = checkReferences(ctx([gateway(), cert({ name: 'letsencrypt-prod', kind: 'ClusterIssuer' }, { 'llm-platform.io/external-issuer': 'true' })]));
      expect(out.findings).toEqual([]);
      expect(out.notModelled).toContain("Certificate istio-ingress/llm spec.issuerRef: ClusterIssuer 'letsencrypt-prod' is created outside the output (llm-platform.io/external-issuer)");
    });

    test('a Gateway whose Secrets are declared external is not modelled instead of reported', () => {
      const out = checkReferences(ctx([gateway(undefined, { 'llm-platform.io/external-tls-credential': 'true' })]));
      expect(out.findings).toEqual([]);
      expect(out.notModelled).toContain("Gateway istio-ingress/llm-gateway spec.listeners[0].tls.certificateRefs[0]: Secret 'llm-tls' is created outside the output (llm-platform.io/external-tls-credential)");
    });

    test('another namespace needs a ReferenceGrant there; a kind other than Secret is refused', () => {
      const elsewhere = gateway([https({ tls: { certificateRefs: [{ name: 'llm-tls', namespace: 'certs' }] } })]);
      const certsSecret = { ...secret, metadata: { name: 'llm-tls', namespace: 'certs' } };
      const f = findings(ctx([elsewhere, certsSecret]));
      expect(f).toEqual([expect.objectContaining({ field: 'spec.listeners[0].tls.certificateRefs[0].namespace', value: 'certs' })]);
      expect(f[0].fix).toBe("add a ReferenceGrant in certs from { group: 'gateway.networking.k8s.io', kind: Gateway, namespace: istio-ingress } to { group: '', kind: Secret, name: llm-tls }, or keep the Secret in istio-ingress");
      expect(findings(ctx([elsewhere, certsSecret, grant('certs', 'Gateway', 'istio-ingress', { group: '', kind: 'Secret' })]))).toEqual([]);
      const notSecret = gateway([https({ tls: { certificateRefs: [{ group: '', kind: 'ConfigMap', name: 'llm-tls' }] } })]);
      expect(findings(ctx([notSecret]))[0].problem).toContain('istiod takes only core Secrets');
    });
  });

  describe('HTTPRoute parents: a Gateway of the output whose listener admits the route', () => {
    test('the platform\'s shape resolves: listener https admits the tenant namespaces by kubernetes.io/metadata.name', () => {
      const out = checkReferences(ctx([gateway(), secret, httpRoute('search', toLlama), llama]));
      expect(out.findings).toEqual([]);
      expect(out.notModelled).toEqual([]);
    });

    test('a tenant namespace the listener\'s selector leaves out is refused (NotAllowedByListeners) with the fix on the listener', () => {
      const vision = service('vision', 'clip', [{ port: 8000 }]);
      const f = findings(ctx([gateway(), secret, httpRoute('vision', [{ name: 'clip', port: 8000 }]), vision, namespaceObject('vision')]));
      expect(f).toEqual([{
        check: 'references',
        object: 'HTTPRoute vision/llama3-8b',
        field: 'spec.parentRefs[0]',
        problem: 'attaches to Gateway istio-ingress/llm-gateway (listener \'https\'), which admits routes of namespaces matching '
          + '{"matchExpressions":[{"key":"kubernetes.io/metadata.name","operator":"In","values":["search","support"]}]} only, not namespace vision: '
          + 'Istio does not attach the route (NotAllowedByListeners) and it gets no traffic',
        value: 'vision',
        fix: "add 'vision' to the kubernetes.io/metadata.name In values of spec.listeners[0].allowedRoutes.namespaces of Gateway istio-ingress/llm-gateway (listener 'https') (the namespaces of the routes it serves)",
      }]);
    });

    test('from Same admits the Gateway\'s namespace only; All admits any; a matchLabels selector reads the Namespace\'s labels', () => {
      const onHttp = httpRoute('search', toLlama, { name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'http' });
      const f = findings(ctx([gateway(), secret, onHttp, llama]));
      expect(f).toHaveLength(1);
      expect(f[0].problem).toContain('admits routes of its own namespace istio-ingress only (allowedRoutes.namespaces.from Same), not namespace search');
      expect(f[0].fix).toBe("set spec.listeners[1].allowedRoutes.namespaces of Gateway istio-ingress/llm-gateway (listener 'http') to from: Selector with a selector matching namespace search "
        + '(e.g. kubernetes.io/metadata.name In [search]), or put the route in namespace istio-ingress');
      expect(findings(ctx([gateway([https({ allowedRoutes: { namespaces: { from: 'All' } } })]), secret, httpRoute('search', toLlama), llama]))).toEqual([]);
      const byLabel = gateway([https({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'llm-platform.io/tenant': 'search' } } } } })]);
      expect(findings(ctx([byLabel, secret, httpRoute('search', toLlama), llama, namespaceObject('search', { 'llm-platform.io/tenant': 'search' })]))).toEqual([]);
      const unlabelled = findings(ctx([byLabel, secret, httpRoute('search', toLlama), llama, namespaceObject('search')]));
      expect(unlabelled[0].fix).toContain('make the selector of spec.listeners[0].allowedRoutes.namespaces of Gateway istio-ingress/llm-gateway (listener \'https\') match the labels of namespace search');
    });

    test('without a sectionName the route attaches to any listener that admits it', () => {
      const any = httpRoute('search', toLlama, { name: 'llm-gateway', namespace: 'istio-ingress' });
      expect(findings(ctx([gateway(), secret, any, llama]))).toEqual([]);
    });

    test('a sectionName, port or hostname no listener has, a Gateway the output lacks: reported; no Gateway API Gateway at all: not modelled', () => {
      const bad = (ref: any, hostnames?: string[]) => findings(ctx([gateway(), secret, httpRoute('search', toLlama, ref, hostnames), llama]));
      const section = bad({ name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'grpc' });
      expect(section).toEqual([expect.objectContaining({
        field: 'spec.parentRefs[0]',
        problem: "names listener 'grpc' of Gateway istio-ingress/llm-gateway, which has listeners https, http: Istio does not attach the route (NoMatchingParent, sectionName not found) and it gets no traffic",
        fix: "use a listener name of Gateway istio-ingress/llm-gateway (https, http) or add a listener named 'grpc'",
      })]);
      expect(bad({ name: 'llm-gateway', namespace: 'istio-ingress', port: 8443 })[0].problem).toContain('names port 8443 of Gateway istio-ingress/llm-gateway, which has no listener on it');
      expect(bad({ name: 'llm-gateway', namespace: 'istio-ingress' }, ['chat.example.org'])[0].problem).toContain('(NoMatchingListenerHostname)');
      expect(bad({ name: 'llm-gateway', namespace: 'istio-ingress' }, ['*.example.com'])).toEqual([]);
      expect(bad({ name: 'gone', namespace: 'istio-ingress' })).toEqual([expect.objectContaining({
        field: 'spec.parentRefs[0].name',
        problem: 'names Gateway istio-ingress/gone, which the output does not create: no gateway serves the route and it gets no traffic',
        fix: 'attach the route to a Gateway of the output (Gateway istio-ingress/llm-gateway) or add Gateway istio-ingress/gone',
      })]);
      const bare = checkReferences(ctx([httpRoute('search', toLlama), llama]));
      expect(bare.findings).toEqual([]);
      expect(bare.notModelled).toContain('HTTPRoute search/llama3-8b spec.parentRefs[0]: the output has no Gateway API Gateway, Gateway istio-ingress/llm-gateway is not checked');
    });

    test('a listener that takes no HTTPRoute (allowedRoutes.kinds, or a TCP listener) is reported', () => {
      const grpcOnly = gateway([https({ allowedRoutes: { namespaces: { from: 'All' }, kinds: [{ kind: 'GRPCRoute' }] } })]);
      const f = findings(ctx([grpcOnly, secret, httpRoute('search', toLlama), llama]));
      expect(f[0].problem).toBe("attaches to Gateway istio-ingress/llm-gateway listener 'https', which takes no HTTPRoute (https: GRPCRoute): Istio does not attach the route (NotAllowedByListeners) and it gets no traffic");
      const tcp = gateway([{ name: 'tcp', port: 9000, protocol: 'TCP', allowedRoutes: { namespaces: { from: 'All' } } }]);
      const t = findings(ctx([tcp, httpRoute('search', toLlama, { name: 'llm-gateway', namespace: 'istio-ingress' }), llama]));
      expect(t).toEqual([expect.objectContaining({ field: 'spec.parentRefs[0]', value: 'HTTPRoute', fix: "attach the route to an HTTP or HTTPS listener (sectionName), or add HTTPRoute to the listener's allowedRoutes.kinds" })]);
      expect(t[0].problem).toContain('(tcp: TCPRoute)');
    });
  });

  describe('HTTPRoute backendRefs', () => {
    test('a Service must exist, with the port; the port is required', () => {
      const base = [gateway(), secret, llama];
      expect(findings(ctx([...base, httpRoute('search', [{ name: 'nope', port: 8000 }])]))).toEqual([expect.objectContaining({
        object: 'HTTPRoute search/llama3-8b',
        field: 'spec.rules[0].backendRefs[0].name',
        problem: 'routes to Service search/nope, which neither the output nor its operators create: istiod answers its requests with 500 (backend not found)',
        fix: 'route to an existing Service or add Service search/nope',
      })]);
      expect(findings(ctx([...base, httpRoute('search', [{ name: 'llama3-8b', port: 80 }])]))).toEqual([expect.objectContaining({
        field: 'spec.rules[0].backendRefs[0].port',
        problem: 'routes to port 80 of Service search/llama3-8b, which exposes 8000: the route never reaches a pod',
        value: 80,
        fix: 'route to a port the Service exposes (8000)',
      })]);
      expect(findings(ctx([...base, httpRoute('search', [{ name: 'llama3-8b' }])]))).toEqual([expect.objectContaining({
        field: 'spec.rules[0].backendRefs[0].port', fix: 'set the backendRef\'s port to one the Service exposes (8000)',
      })]);
      // KServe's predictor Service (a derived object) counts
      const predictor = madeBy('InferenceService search/reranker', service('search', 'reranker-predictor', [{ name: 'http', port: 80, targetPort: 8080 }]));
      expect(checkReferences(ctxOf([gateway(), secret, httpRoute('search', [{ name: 'reranker-predictor', port: 80 }])], { crds: GW_CRDS, derived: [predictor] })).findings).toEqual([]);
    });

    test('a Service of another namespace needs a ReferenceGrant there', () => {
      const shared = service('shared', 'llama3-8b', [{ port: 8000 }]);
      const r = httpRoute('search', [{ name: 'llama3-8b', namespace: 'shared', port: 8000 }]);
      const f = findings(ctx([gateway(), secret, r, shared]));
      expect(f).toEqual([expect.objectContaining({ field: 'spec.rules[0].backendRefs[0].namespace', value: 'shared' })]);
      expect(findings(ctx([gateway(), secret, r, shared, grant('shared', 'HTTPRoute', 'search', { group: '', kind: 'Service', name: 'llama3-8b' })]))).toEqual([]);
    });
  });

  describe('InferencePools', () => {
    const servingPod = (version: string) => pod('search', { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': version }, {
      containers: [{ name: 'server', image: 'r.example.com/vllm@sha256:1', ports: [{ name: 'http', containerPort: 8000 }] }],
    }, `Deployment search/llama3-8b-${version}`);
    const pool = (version: string, extra: any = {}) => ({
      apiVersion: 'inference.networking.k8s.io/v1',
      kind: 'InferencePool',
      metadata: { name: `llama3-8b-${version}`, namespace: 'search' },
      spec: {
        selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': version } },
        targetPorts: [{ number: 8000 }],
        endpointPickerRef: { group: '', kind: 'Service', name: `llama3-8b-${version}-epp`, port: { number: 9002 }, failureMode: 'FailClose' },
        ...extra,
      },
    });
    const picker = (version: string) => service('search', `llama3-8b-${version}-epp`, [{ name: 'grpc-ext-proc', port: 9002 }, { name: 'http-metrics', port: 9090 }]);
    const toPool = (version: string) => ({ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: `llama3-8b-${version}` });
    const istiodApp = (env?: any) => chartApp('prod-istiod', 'istiod', 'istio-system', 20, env === undefined ? {} : { helm: { valuesObject: { pilot: { env } } } });
    const on = istiodApp({ ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'true' });
    const inference = [gateway(), secret, on, httpRoute('search', [toPool('stable')]), pool('stable'), picker('stable')];

    test('the platform\'s shape resolves: the selector matches the model pods, the picker Service has the port, istiod enables pools', () => {
      const out = checkReferences(ctx(inference, [servingPod('stable')]));
      expect(out.findings).toEqual([]);
    });

    test('a selector that matches no pod of the namespace is a problem (no more only not modelled by the flows)', () => {
      const wrong = pool('stable', { selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': 'blue' } } });
      const f = findings(ctx([...inference.filter((o) => o.kind !== 'InferencePool'), wrong], [servingPod('stable')]));
      expect(f).toEqual([{
        check: 'references',
        object: 'InferencePool search/llama3-8b-stable',
        field: 'spec.selector.matchLabels',
        problem: 'selects no pod that will exist in namespace search (its pods: Deployment search/llama3-8b-stable {"llm-platform.io/model":"llama3-8b","llm-platform.io/model-version":"stable"}): '
          + "istiod's shadow Service has no endpoints, the endpoint picker has no pod to pick and requests through the pool fail",
        value: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': 'blue' },
        fix: "the pool's selector must match the labels of the model's pod template (llm-platform.io/model-version and the model's labels, as the Deployment's spec.template.metadata.labels set them)",
      }]);
      expect(findings(ctx(inference))[0].problem).toContain('(it has no pods)');
      // the flows check leaves it to this one: no pool flows, and no not-modelled line of its own
      const flowCtx = ctx([...inference.filter((o) => o.kind !== 'InferencePool'), wrong], [servingPod('stable')]);
      const flows = checkFlows(flowCtx);
      expect(flows.notModelled.filter((n) => n.includes('spec.selector'))).toEqual([]);
      expect(flows.summary.filter((l) => l.startsWith('inference route'))).toEqual([]);
    });

    test('the endpointPickerRef must name a Service of the output with the port; a route must name a pool of the output', () => {
      expect(findings(ctx(inference.filter((o) => o.kind !== 'Service'), [servingPod('stable')]))).toEqual([expect.objectContaining({
        object: 'InferencePool search/llama3-8b-stable',
        field: 'spec.endpointPickerRef.name',
        problem: "names picker Service search/llama3-8b-stable-epp, which neither the output nor its operators create: the gateway's ext_proc calls fail (failureMode FailClose) and requests through the pool are not picked",
      })]);
      const badPort = pool('stable', { endpointPickerRef: { name: 'llama3-8b-stable-epp', port: { number: 9003 } } });
      expect(findings(ctx([...inference.filter((o) => o.kind !== 'InferencePool'), badPort], [servingPod('stable')]))).toEqual([expect.objectContaining({
        field: 'spec.endpointPickerRef.port.number', value: 9003, fix: "use the picker Service's ext_proc port (9002, 9090)",
      })]);
      const noPort = pool('stable', { endpointPickerRef: { name: 'llama3-8b-stable-epp' } });
      expect(findings(ctx([...inference.filter((o) => o.kind !== 'InferencePool'), noPort], [servingPod('stable')]))[0].problem)
        .toBe('names no port: istiod drops the pool ("endpointPickerRef port is required"), creates no shadow Service and routes to it get no endpoints');
      expect(findings(ctx([...inference, httpRoute('search', [toPool('candidate')])], [servingPod('stable')]))).toEqual([expect.objectContaining({
        field: 'spec.rules[0].backendRefs[0].name', problem: 'routes to InferencePool search/llama3-8b-candidate, which the output does not create: istiod answers its requests with 500 (backend not found)',
      })]);
    });

    test('istiod must enable ENABLE_GATEWAY_API_INFERENCE_EXTENSION (Istio 1.30.3 default false) when a route names a pool', () => {
      const without = [...inference.filter((o) => o !== on), istiodApp()];
      const f = findings(ctx(without, [servingPod('stable')]));
      expect(f).toEqual([{
        check: 'references',
        object: 'Application argocd/prod-istiod',
        field: 'spec.source.helm.valuesObject.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION',
        problem: 'does not set pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION (Istio 1.30.3 defaults it to false, pilot/pkg/features/experimental.go) '
          + 'while HTTPRoute search/llama3-8b spec.rules[0].backendRefs[0] (InferencePool search/llama3-8b-stable) routes to an InferencePool: '
          + 'istiod ignores InferencePool backends ("InferencePool is not enabled", InvalidDestinationKind) and the route gets no endpoints',
        value: undefined,
        fix: 'set IstiodAddonOptions.inferenceExtension (PlatformAddon.istiod({ inferenceExtension: true }))',
      }]);
      // a boolean, and the chart's top-level env (pilot.* is copied to the top), count; "false" is reported with the value
      expect(findings(ctx([...without.filter((o) => o.kind !== 'Application'), istiodApp({ ENABLE_GATEWAY_API_INFERENCE_EXTENSION: true })], [servingPod('stable')]))).toEqual([]);
      const topLevel = chartApp('prod-istiod', 'istiod', 'istio-system', 20, { helm: { valuesObject: { env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'True' } } } });
      expect(findings(ctx([...without.filter((o) => o.kind !== 'Application'), topLevel], [servingPod('stable')]))).toEqual([]);
      const off = findings(ctx([...without.filter((o) => o.kind !== 'Application'), istiodApp({ ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'false' })], [servingPod('stable')]));
      expect(off[0].problem).toMatch(/^sets pilot\.env\.ENABLE_GATEWAY_API_INFERENCE_EXTENSION to "false", which istiod reads as false/);
      // routes to Services only need nothing of istiod
      expect(findings(ctx([gateway(), secret, istiodApp(), httpRoute('search', toLlama), llama]))).toEqual([]);
    });

    test('no istiod Application in the output (a bare test): not modelled', () => {
      const out = checkReferences(ctx(inference.filter((o) => o !== on), [servingPod('stable')]));
      expect(out.findings).toEqual([]);
      expect(out.notModelled).toContain('HTTPRoute search/llama3-8b spec.rules[0].backendRefs[0]: no istiod Application in the output, whether istiod enables InferencePool backends (pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION) is not checked');
    });
  });

  test('the problems reach the report as every reference problem does (validationProblems: prop, value, fix)', () => {
    const pool = {
      apiVersion: 'inference.networking.k8s.io/v1',
      kind: 'InferencePool',
      metadata: { name: 'llama3-8b-stable', namespace: 'search' },
      spec: { selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b' } }, targetPorts: [{ number: 8000 }], endpointPickerRef: { name: 'llama3-8b-stable-epp', port: { number: 9002 } } },
    };
    const toPool = { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama3-8b-stable' };
    const report = PlatformTwin.check([
      gateway(), chartApp('prod-istiod', 'istiod', 'istio-system', 20), httpRoute('search', [toPool]), httpRoute('vision', [{ name: 'clip', port: 8000 }]),
      pool, service('search', 'llama3-8b-stable-epp', [{ port: 9002 }]), service('vision', 'clip', [{ port: 8000 }]),
    ]);
    const byProp = new Map(report.validationProblems.map((p) => [p.prop, p]));
    expect(byProp.get('Gateway istio-ingress/llm-gateway spec.listeners[0].tls.certificateRefs[0]')).toMatchObject({ value: "'llm-tls'", fix: expect.stringMatching(/^add a cert-manager Certificate in istio-ingress/) });
    expect(byProp.get('HTTPRoute vision/llama3-8b spec.parentRefs[0]')).toMatchObject({ value: "'vision'", fix: expect.stringMatching(/^add 'vision' to the kubernetes\.io\/metadata\.name In values/) });
    expect(byProp.get('InferencePool search/llama3-8b-stable spec.selector.matchLabels')?.fix).toMatch(/^the pool's selector must match the labels of the model's pod template/);
    expect(byProp.get('Application argocd/prod-istiod spec.source.helm.valuesObject.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION')).toMatchObject({
      value: 'nothing', fix: 'set IstiodAddonOptions.inferenceExtension (PlatformAddon.istiod({ inferenceExtension: true }))',
    });
    expect(report.problems.filter((p) => p.object === 'Application argocd/prod-istiod')[0].check).toBe('references');
    expect(report.toString()).toContain("  - 'Application argocd/prod-istiod spec.source.helm.valuesObject.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION' does not set");
  });

  test('malformed Gateway API objects never crash the check', () => {
    const objects = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'g', namespace: 'a' }, spec: { listeners: [null, { protocol: 'HTTPS', tls: { certificateRefs: 'x' } }] } },
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: 'a' }, spec: { parentRefs: [null, { name: 'g' }], rules: [null, { backendRefs: [null, {}] }] } },
      { apiVersion: 'inference.networking.k8s.io/v1', kind: 'InferencePool', metadata: { name: 'p', namespace: 'a' }, spec: { selector: 'x', endpointPickerRef: null } },
    ];
    expect(() => checkReferences(ctx(objects))).not.toThrow();
  });
});
