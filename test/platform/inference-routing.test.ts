/**
 * The Gateway API path of the platform (issue 20): `mesh.ingressApi: IngressApi.GATEWAY_API` serves vLLM models through
 * InferencePools and their endpoint pickers, the other models through HTTPRoutes to their Services; objectives from
 * `mesh.inference.objectives`; bad input refused at its spec path.
 */
import { ApiObject, App } from 'cdk8s';
import { DIGEST, REGISTRY, smallSpec, validationErrorOf } from './fixtures';
import { spec as reference } from '../../examples/reference/platform';
import { ModelRuntime } from '../../src/core';
import { EndpointPickerScorer } from '../../src/mesh';
import { IngressApi, KubernetesPlatform, ModelWeights, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { findObject, findObjects, tempDir } from '../util';

const EPP = `${REGISTRY}/mirror/gateway-api-inference-extension/epp${DIGEST}`;

/** smallSpec on the Gateway API path: llama3-8b (vLLM) and a TGI model, both public. */
function gatewaySpec(overrides: Partial<PlatformSpec> = {}, meshOverrides: any = {}): PlatformSpec {
  const base = smallSpec();
  return {
    ...base,
    tenants: [{ name: 'search', gpuQuota: 10 }],
    gpuPools: [{ ...base.gpuPools[0], maxNodes: 8 }],
    models: [
      ...base.models!,
      {
        name: 'mistral-7b',
        tenant: 'search',
        runtime: ModelRuntime.TGI,
        image: `${REGISTRY}/acme-llm/tgi${DIGEST}`,
        weights: ModelWeights.fromModelStore('models/mistral-7b/', '2024-05-01'),
        gpuPool: 'a10g',
        replicas: { min: 1, max: 2 },
      },
    ],
    images: { ...base.images, endpointPicker: EPP },
    mesh: {
      ingressHosts: ['llm.acme.example.com'],
      tlsCredentialName: 'llm-tls',
      tlsIssuer: { name: 'letsencrypt', external: true },
      ingressApi: IngressApi.GATEWAY_API,
      ...meshOverrides,
    },
    ...overrides,
  };
}

function objectsOf(spec: PlatformSpec): any[] {
  return new KubernetesPlatform(new App(), 'acme', { spec }).manifests().map((m) => m.resource);
}

function problemsOf(spec: PlatformSpec): { prop: string; problem: string; value?: any; fix: string }[] {
  return PlatformSpecValidator.problems(spec) as any;
}

describe('mesh.ingressApi defaults to the Istio path', () => {
  const objects = objectsOf({ ...gatewaySpec(), mesh: { ...gatewaySpec().mesh, ingressApi: undefined } });
  test('an Istio Gateway and VirtualServices; no Gateway API object, no picker', () => {
    expect(findObjects(objects, 'Gateway').map((g) => g.apiVersion)).toEqual(['networking.istio.io/v1']);
    expect(findObjects(objects, 'HTTPRoute')).toEqual([]);
    expect(findObjects(objects, 'InferencePool')).toEqual([]);
    expect(findObjects(objects, 'VirtualService').filter((v) => v.metadata.namespace === 'istio-ingress').length).toBe(2);
  });
});

describe('the Gateway API path', () => {
  const objects = objectsOf(gatewaySpec({}, { inference: { objectives: [{ name: 'interactive', model: 'llama3-8b', priority: 10 }, { name: 'batch', model: 'llama3-8b', priority: 0 }] } }));

  test('a Gateway API Gateway bound to the ingress gateway deployment, no Istio Gateway', () => {
    const gateways = findObjects(objects, 'Gateway');
    expect(gateways.map((g) => g.apiVersion)).toEqual(['gateway.networking.k8s.io/v1']);
    expect(gateways[0].spec.addresses).toEqual([{ type: 'Hostname', value: 'istio-ingress.istio-ingress.svc.cluster.local' }]);
    expect(gateways[0].spec.listeners.map((l: any) => [l.name, l.port])).toEqual([['https', 443], ['http', 80]]);
    expect(gateways[0].spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].values).toEqual(['search']);
    expect(findObjects(objects, 'VirtualService').filter((v) => v.metadata.namespace === 'istio-ingress')).toEqual([]);
  });

  test('the vLLM model through its InferencePool and endpoint picker; the TGI model to its Service', () => {
    expect(findObjects(objects, 'InferencePool').map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual(['search/llama3-8b-stable']);
    expect(findObject(objects, 'Deployment', 'llama3-8b-stable-epp').spec.template.spec.containers[0].image).toBe(EPP);
    expect(findObject(objects, 'HTTPRoute', 'llama3-8b').spec.rules[0].backendRefs).toEqual([{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama3-8b-stable' }]);
    expect(findObject(objects, 'HTTPRoute', 'mistral-7b').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'mistral-7b', port: 8080 }]);
    for (const r of findObjects(objects, 'HTTPRoute').filter((x) => x.metadata.namespace === 'search')) {
      expect(r.spec.hostnames).toEqual(['llm.acme.example.com']);
      expect(r.spec.rules.every((rule: any) => rule.timeouts.request === '0s')).toBe(true);
    }
  });

  test('objectives from mesh.inference.objectives, for the stable pool, named as clients send them', () => {
    expect(findObjects(objects, 'InferenceObjective').map((o) => [o.metadata.name, o.spec.priority, o.spec.poolRef.name])).toEqual([
      ['llama3-8b-batch', 0, 'llama3-8b-stable'], ['llama3-8b-interactive', 10, 'llama3-8b-stable'],
    ]);
  });

  test("the pickers' monitoring and the inference dashboard in the observability component", () => {
    expect(findObject(objects, 'PodMonitor', 'llama3-8b-inference').spec.selector.matchExpressions[0].values).toEqual(['llama3-8b-stable']);
    expect(findObject(objects, 'PrometheusRule', 'llama3-8b-inference').spec.groups[0].rules.map((r: any) => r.alert)).toContain('InferencePoolNoReadyPods');
    expect(findObjects(objects, 'ConfigMap').some((c) => /inference/.test(c.metadata.name) && c.metadata.namespace === 'monitoring')).toBe(true);
  });

  test("the model's Service and PodMonitor do not select the picker", () => {
    const service = findObject(objects, 'Service', 'llama3-8b');
    const picker = findObject(objects, 'Deployment', 'llama3-8b-stable-epp').spec.template.metadata.labels;
    expect(Object.entries(service.spec.selector).every(([k, v]) => picker[k] === v)).toBe(false);
  });

  test('picker defaults: fail closed, one replica (no Lease rights, no budget), 1 core and 2 GiB, the upstream scorers', () => {
    const pool = findObject(objects, 'InferencePool', 'llama3-8b-stable');
    expect(pool.spec.endpointPickerRef.failureMode).toBe('FailClose');
    const picker = findObject(objects, 'Deployment', 'llama3-8b-stable-epp');
    expect(picker.spec.replicas).toBe(1);
    expect(picker.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '1', memory: '2048Mi' }, limits: { cpu: '2', memory: '2048Mi' } });
    expect(findObjects(objects, 'PodDisruptionBudget').filter((b) => /-epp$/.test(b.metadata.name))).toEqual([]);
    expect(findObject(objects, 'ConfigMap', 'llama3-8b-stable-epp').data['plugins.yaml']).not.toContain('lora-affinity-scorer');
  });

  test('inference settings reach the pickers', () => {
    const inference = { scorers: [{ scorer: EndpointPickerScorer.QUEUE, weight: 1 }], pickerCpu: 2, pickerMemoryMiB: 4096, pickerReplicas: 2, failureMode: 'FailOpen' as any };
    const o = objectsOf(gatewaySpec({}, { inference }));
    const picker = findObject(o, 'Deployment', 'llama3-8b-stable-epp').spec.template.spec.containers[0];
    expect(picker.resources.requests).toEqual({ cpu: '2', memory: '4096Mi' });
    expect(findObject(o, 'Deployment', 'llama3-8b-stable-epp').spec.replicas).toBe(2);
    expect(picker.args).toContain('--ha-enable-leader-election');
    expect(findObject(o, 'PodDisruptionBudget', 'llama3-8b-stable-epp').spec.maxUnavailable).toBe(1);
    expect(findObject(o, 'InferencePool', 'llama3-8b-stable').spec.endpointPickerRef.failureMode).toBe('FailOpen');
    expect(findObject(o, 'ConfigMap', 'llama3-8b-stable-epp').data['plugins.yaml']).toContain('- pluginRef: queue-scorer\n    weight: 1\n');
  });

  test('inferencePool: false routes a vLLM model to its Service', () => {
    const spec = gatewaySpec();
    const o = objectsOf({ ...spec, models: [{ ...spec.models![0], inferencePool: false }, spec.models![1]] });
    expect(findObjects(o, 'InferencePool')).toEqual([]);
    expect(findObject(o, 'HTTPRoute', 'llama3-8b').spec.rules[0].backendRefs[0].kind).toBe('Service');
  });
});

describe('the reference platform serves its vLLM models through InferencePools', () => {
  const objects = objectsOf(reference);

  test('llama3-8b: a pool per version, 90/10 by HTTPRoute weights, testers to the candidate', () => {
    expect(findObjects(objects, 'InferencePool').map((p) => p.metadata.name).sort()).toEqual(['llama3-70b-stable', 'llama3-8b-candidate', 'llama3-8b-stable']);
    const rules = findObject(objects, 'HTTPRoute', 'llama3-8b').spec.rules;
    expect(rules[0].matches[0].headers).toEqual([{ type: 'Exact', name: 'x-llm-canary', value: 'true' }]);
    expect(rules[1].backendRefs.map((b: any) => [b.name, b.weight])).toEqual([['llama3-8b-stable', 90], ['llama3-8b-candidate', 10]]);
  });

  test('llama3-70b: two LoRA adapters loaded by vLLM, the picker scoring LoRA affinity', () => {
    const server = findObject(objects, 'Deployment', 'llama3-70b-stable').spec.template.spec.containers.find((c: any) => c.name !== 'istio-proxy');
    expect(server.args).toEqual(expect.arrayContaining(['--enable-lora', '--max-loras', '2']));
    expect(server.args.join(' ')).toMatch(/--lora-modules support-tickets=\/adapters\/support-tickets support-kb=\/adapters\/support-kb|support-kb=\/adapters\/support-kb/);
    expect(findObject(objects, 'ConfigMap', 'llama3-70b-stable-epp').data['plugins.yaml']).toContain('- type: lora-affinity-scorer');
  });

  test('objectives of both models; the other models routed to their Services', () => {
    expect(findObjects(objects, 'InferenceObjective').map((o) => `${o.metadata.namespace}/${o.metadata.name}=${o.spec.priority}`).sort())
      .toEqual(['search/llama3-8b-interactive=10', 'support/llama3-70b-batch=0', 'support/llama3-70b-interactive=10']);
    expect(findObject(objects, 'HTTPRoute', 'mixtral-8x7b').spec.rules[0].backendRefs[0].kind).toBe('Service');
    expect(findObject(objects, 'HTTPRoute', 'reranker-predictor').spec.rules[0].backendRefs[0]).toEqual({ group: '', kind: 'Service', name: 'reranker-predictor', port: 80 });
  });
});

describe('bad input on the Gateway API path is refused at its spec path', () => {
  const at = (spec: PlatformSpec, prop: string) => problemsOf(spec).find((p) => p.prop === prop);

  test('an objective naming an unknown model, or a model not served through a pool', () => {
    const unknown = at(gatewaySpec({}, { inference: { objectives: [{ name: 'interactive', model: 'llama3-80b', priority: 10 }] } }), 'mesh.inference.objectives[0].model')!;
    expect(unknown.problem).toBe('names no model of the spec');
    expect(unknown.value).toBe("'llama3-80b'");
    expect(unknown.fix).toContain('llama3-8b');
    const notPooled = at(gatewaySpec({}, { inference: { objectives: [{ name: 'batch', model: 'mistral-7b', priority: 0 }] } }), 'mesh.inference.objectives[0].model')!;
    expect(notPooled.problem).toMatch(/not served through an InferencePool/);
  });

  test('objective names, priorities and duplicates', () => {
    const spec = gatewaySpec({}, { inference: { objectives: [{ name: 'Interactive', model: 'llama3-8b', priority: 1.5 }, { name: 'a', model: 'llama3-8b', priority: 1 }, { name: 'a', model: 'llama3-8b', priority: 2 }] } });
    expect(at(spec, 'mesh.inference.objectives[0].name')).toBeDefined();
    expect(at(spec, 'mesh.inference.objectives[0].priority')!.problem).toBe('must be a whole number');
    expect(at(spec, 'mesh.inference.objectives[2].name')!.problem).toMatch(/names an objective of model 'llama3-8b' twice/);
  });

  test('the picker image is required, pinned and from an allowed registry', () => {
    const spec = gatewaySpec();
    const missing = at({ ...spec, images: { ...spec.images, endpointPicker: undefined } }, 'images.endpointPicker')!;
    expect(missing.problem).toMatch(/is required: llama3-8b is served through an InferencePool/);
    expect(missing.fix).toContain('registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0');
    expect(at({ ...spec, images: { ...spec.images, endpointPicker: `${REGISTRY}/epp:v1.4.0` } }, 'images.endpointPicker')!.problem).toMatch(/pinned by digest/);
  });

  test('a canary that only a pool could split', () => {
    const spec = gatewaySpec();
    const tgi = { ...spec.models![1], canary: { version: 'v2', image: `${REGISTRY}/acme-llm/tgi2${DIGEST}` } };
    const p = at({ ...spec, models: [spec.models![0], tgi] }, 'models[1].canary')!;
    expect(p.problem).toMatch(/an HTTPRoute weighs backends, not the version subsets of one Service/);
    expect(p.value).toBe("'v2'");
  });

  test('inferencePool where it cannot apply', () => {
    const spec = gatewaySpec();
    expect(at({ ...spec, models: [spec.models![0], { ...spec.models![1], inferencePool: true }] }, 'models[1].inferencePool')!.problem).toMatch(/needs the vLLM runtime/);
    expect(at({ ...spec, models: [{ ...spec.models![0], inferencePool: true, kserve: true }, spec.models![1]] }, 'models[0].inferencePool')!.problem)
      .toMatch(/not available with kserve/);
    expect(at({ ...spec, models: [{ ...spec.models![0], inferencePool: true, publicRoute: false }, spec.models![1]] }, 'models[0].inferencePool')!.problem)
      .toMatch(/needs a public route/);
    const istio = { ...spec, mesh: { ...spec.mesh, ingressApi: IngressApi.ISTIO } };
    expect(at({ ...istio, models: [{ ...spec.models![0], inferencePool: true }] }, 'models[0].inferencePool')!.problem).toMatch(/needs the Gateway API path/);
  });

  test('mesh.inference without the Gateway API path; the Gateway API path without hosts', () => {
    const spec = gatewaySpec({}, { ingressApi: IngressApi.ISTIO, inference: { failureMode: 'FailOpen' } });
    expect(at(spec, 'mesh.inference')!.problem).toMatch(/needs the Gateway API path/);
    const noHosts = { ...smallSpec(), mesh: { ingressApi: IngressApi.GATEWAY_API } };
    expect(at(noHosts, 'mesh.ingressApi')!.problem).toMatch(/no ingress gateway/);
    expect(at({ ...smallSpec(), mesh: { ingressApi: 'Nginx' as any } }, 'mesh.ingressApi')!.problem).toBe('must be an IngressApi');
  });

  test('picker settings', () => {
    // enum values are checked with the spec's types, before the rest
    const enums = gatewaySpec({}, { inference: { scorers: [{ scorer: 'x', weight: 1 }], failureMode: 'Maybe' } });
    expect(at(enums, 'mesh.inference.scorers[0].scorer')!.problem).toBe('must be an EndpointPickerScorer');
    expect(at(enums, 'mesh.inference.failureMode')!.problem).toBe('must be an EndpointPickerFailureMode');
    const spec = gatewaySpec({}, {
      inference: {
        scorers: [{ scorer: EndpointPickerScorer.QUEUE, weight: 0 }, { scorer: EndpointPickerScorer.QUEUE, weight: 1 }],
        pickerCpu: 0,
        pickerMemoryMiB: 100,
        pickerReplicas: 6,
      },
    });
    expect(at(spec, 'mesh.inference.scorers[0].weight')!.problem).toBe('must be a whole number between 1 and 100');
    expect(at(spec, 'mesh.inference.scorers[1].scorer')!.problem).toBe('lists a scorer twice');
    expect(at(spec, 'mesh.inference.pickerCpu')).toBeDefined();
    expect(at(spec, 'mesh.inference.pickerMemoryMiB')).toBeDefined();
    const replicas = at(spec, 'mesh.inference.pickerReplicas')!;
    expect([replicas.problem, replicas.value, replicas.fix]).toEqual(['must be a whole number between 1 and 5', '6', 'use 1, or 2 for a standby picker that takes over when the leader goes']);
    expect(at(gatewaySpec({}, { inference: { scorers: [] } }), 'mesh.inference.scorers')).toBeDefined();
  });

  test('the platform refuses it before building anything', () => {
    const e = validationErrorOf(() => objectsOf(gatewaySpec({}, { inference: { objectives: [{ name: 'interactive', model: 'nope', priority: 1 }] } })));
    expect(e.message).toContain("'mesh.inference.objectives[0].model' names no model of the spec, got 'nope'");
  });
});

describe('the twin sees the inference path of the platform', () => {
  test('the reference: ext_proc to each picker, the pools\' pods through the shadow Services, the pickers\' metrics and watch, all allowed', () => {
    const platform = new KubernetesPlatform(new App(), 'acme', { spec: reference });
    const report = platform.twin();
    expect(report.problems).toEqual([]);
    const lines = report.toString().split('\n').filter((l) => /flows: (ext_proc|inference route|endpoint picker metrics|endpoint picker watch|gateway route):/.test(l)).map((l) => l.trim()).sort();
    expect(lines).toEqual([
      'flows: endpoint picker metrics: 3/3 allowed',
      'flows: endpoint picker watch: 3/3 allowed',
      'flows: ext_proc: 4/4 allowed',
      'flows: gateway route: 2/2 allowed',
      'flows: inference route: 4/4 allowed',
    ]);
  });

  test('a pool whose selector matches no pod fails synth with the object, the selector and the fix', () => {
    const platform = new KubernetesPlatform(new App(), 'acme', { spec: gatewaySpec() });
    const pool = findObject(platform.manifests().map((m) => m.resource), 'InferencePool', 'llama3-8b-stable');
    new ApiObject(platform.chartFor('mesh'), 'StrayPool', {
      apiVersion: 'inference.networking.k8s.io/v1',
      kind: 'InferencePool',
      metadata: { name: 'llama3-8b-typo', namespace: 'search' },
      spec: { ...pool.spec, selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8B' } } },
    });
    const problems = platform.verify();
    const p = problems.find((x) => x.prop.includes('InferencePool search/llama3-8b-typo'))!;
    expect(p).toBeDefined();
    expect(p.problem).toMatch(/selects no pod that will exist in namespace search/);
    expect(p.fix).toMatch(/selector must match the labels of the model's pod template/);
    expect(() => platform.synth(tempDir())).toThrow(/InferencePool search\/llama3-8b-typo/);
  });
});
