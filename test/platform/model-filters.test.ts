/**
 * A model's content filter (WasmPlugin) and gRPC-JSON transcoding (EnvoyFilter) as spec options: every object
 * and pod change they need, valid against the Istio CRDs, and a twin with no problems.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { GpuInstanceType, ModelRuntime } from '../../src/core';
import { ProtoDescriptorSource, WasmPhase } from '../../src/mesh';
import { GpuProvisioning, KubernetesPlatform, ModelSpec, ModelWeights, PlatformManifest, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { modelPodAnnotations } from '../../src/platform/private/model-filters';
import { evaluateNetworkPolicies } from '../../src/twin/private/network-policy';
import { expectValidManifests, findObject, findObjects, protobufField, tempDir } from '../util';
import { DIGEST, REGISTRY, smallSpec, validationErrorOf } from './fixtures';

const field = protobufField;

/**
 * A google.protobuf.FileDescriptorSet (descriptor.proto: set.file = 1; file.name = 1, package = 2, message_type = 4,
 * service = 6; service.name = 1, method = 2; method.name = 1, input_type = 2, output_type = 3), encoded field by field.
 */
function descriptorSet(pkg: string, services: string[]): Buffer {
  const file = Buffer.concat([
    field(1, 'grpc_service.proto'),
    field(2, pkg),
    field(4, field(1, 'ModelInferRequest')),
    field(4, field(1, 'ModelInferResponse')),
    ...services.map((name) => field(6, Buffer.concat([
      field(1, name),
      field(2, Buffer.concat([field(1, 'ModelInfer'), field(2, `.${pkg}.ModelInferRequest`), field(3, `.${pkg}.ModelInferResponse`)])),
    ]))),
  ]);
  return field(1, file);
}

const TRITON_DESCRIPTOR = descriptorSet('inference', ['GRPCInferenceService']);
const WASM = `oci://${REGISTRY}/filters/prompt-guard@sha256:${'b'.repeat(64)}`;

const llama = (overrides: Partial<ModelSpec> = {}): ModelSpec => ({ ...smallSpec().models![0], ...overrides });
const clip = (overrides: Partial<ModelSpec> = {}): ModelSpec => ({
  name: 'clip-vit',
  tenant: 'search',
  runtime: ModelRuntime.TRITON,
  image: `${REGISTRY}/acme-llm/tritonserver${DIGEST}`,
  weights: ModelWeights.fromModelStore('models/clip-vit/', 'r12'),
  gpuPool: 'a10g',
  replicas: { min: 1, max: 1 },
  grpcTranscoding: {
    descriptor: ProtoDescriptorSource.fromBase64(TRITON_DESCRIPTOR.toString('base64')),
    services: ['inference.GRPCInferenceService'],
  },
  ...overrides,
});

function spec(models: ModelSpec[], overrides: Partial<PlatformSpec> = {}): PlatformSpec {
  return smallSpec({
    gpuPools: [{ name: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], minNodes: 1, maxNodes: 10, provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER }],
    tenants: [{ name: 'search', gpuQuota: 10 }],
    models,
    ...overrides,
  });
}

/** Both options: llama3-8b with a content filter (and a canary), clip-vit with transcoding and a content filter. */
const bothSpec = spec([
  llama({
    contentFilter: { image: WASM, imagePullSecret: 'ecr-wasm-pull', pluginConfig: { categories: ['pii'] } },
    canary: { version: '2024-07-01', weights: ModelWeights.fromModelStore('models/llama3-8b/', '2024-07-01') },
  }),
  clip({
    contentFilter: { image: WASM, imagePullSecret: 'ecr-wasm-pull', phase: WasmPhase.AUTHZ, failOpen: true, priority: 5 },
    grpcTranscoding: {
      descriptor: ProtoDescriptorSource.fromBase64(TRITON_DESCRIPTOR.toString('base64')),
      services: ['inference.GRPCInferenceService'],
      autoMapping: true,
      printOptions: { addWhitespace: true, streamNewlineDelimited: true },
    },
  }),
]);

describe('model content filter and gRPC transcoding from the spec', () => {
  const platform = new KubernetesPlatform(new App(), 'acme', { spec: bothSpec });
  const manifests = platform.manifests();
  const objects = manifests.map((m) => m.resource);
  const pathOf = (kind: string, name: string) => manifests.find((m) => m.resource.kind === kind && m.resource.metadata.name === name)!.path;

  test('every object is valid against its schema (the Istio WasmPlugin and EnvoyFilter CRDs included)', () => {
    expectValidManifests(objects);
    expect(findObjects(objects, 'WasmPlugin')).toHaveLength(2);
    expect(findObjects(objects, 'EnvoyFilter')).toHaveLength(1);
  });

  test('a WasmPlugin per model selects its pods on the serving ports, with the pull secret, in the mesh directory', () => {
    const wp = findObject(objects, 'WasmPlugin', 'llama3-8b-content-filter');
    expect(pathOf('WasmPlugin', 'llama3-8b-content-filter')).toBe('dev/mesh/WasmPlugin.llama3-8b-content-filter.k8s.yaml');
    expect(wp.metadata.namespace).toBe('search');
    expect(wp.spec).toEqual({
      url: WASM,
      imagePullPolicy: 'IfNotPresent',
      imagePullSecret: 'ecr-wasm-pull',
      type: 'HTTP',
      phase: 'STATS',
      failStrategy: 'FAIL_CLOSE',
      selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b' } },
      match: [{ mode: 'SERVER', ports: [{ number: 8000 }] }],
      pluginConfig: { categories: ['pii'] },
    });
    const clipWp = findObject(objects, 'WasmPlugin', 'clip-vit-content-filter');
    expect(clipWp.spec).toMatchObject({ phase: 'AUTHZ', failStrategy: 'FAIL_OPEN', priority: 5, match: [{ mode: 'SERVER', ports: [{ number: 8000 }, { number: 8001 }] }] });
  });

  test('the descriptor ConfigMap sits with the pods (tenant directory), holding the bytes', () => {
    const cm = findObject(objects, 'ConfigMap', 'clip-vit-grpc-descriptor');
    expect(pathOf('ConfigMap', 'clip-vit-grpc-descriptor')).toBe('dev/search/ConfigMap.clip-vit-grpc-descriptor.k8s.yaml');
    expect(cm.metadata.namespace).toBe('search');
    expect(Buffer.from(cm.binaryData['descriptor.pb'], 'base64').equals(TRITON_DESCRIPTOR)).toBe(true);
  });

  test('the EnvoyFilter transcodes the services on the gRPC port, reading the mounted file, with the print options', () => {
    const ef = findObject(objects, 'EnvoyFilter', 'clip-vit-grpc-json');
    expect(pathOf('EnvoyFilter', 'clip-vit-grpc-json')).toBe('dev/mesh/EnvoyFilter.clip-vit-grpc-json.k8s.yaml');
    expect(ef.spec.workloadSelector).toEqual({ labels: { 'llm-platform.io/model': 'clip-vit' } });
    expect(ef.spec.configPatches[0].match.listener.portNumber).toBe(8001);
    expect(ef.spec.configPatches[0].patch.value.typed_config).toMatchObject({
      proto_descriptor: '/etc/istio/proto/descriptor.pb',
      services: ['inference.GRPCInferenceService'],
      auto_mapping: true,
      print_options: { add_whitespace: true, always_print_primitive_fields: true, preserve_proto_field_names: true, stream_newline_delimited: true },
    });
  });

  test("the transcoded model's pods carry the sidecar volume annotations; the others carry none", () => {
    const pod = findObject(objects, 'Deployment', 'clip-vit-stable').spec.template.metadata.annotations;
    expect(JSON.parse(pod['sidecar.istio.io/userVolume'])).toEqual({ 'clip-vit-grpc-json-descriptor': { configMap: { name: 'clip-vit-grpc-descriptor' } } });
    expect(JSON.parse(pod['sidecar.istio.io/userVolumeMount'])).toEqual({ 'clip-vit-grpc-json-descriptor': { mountPath: '/etc/istio/proto', readOnly: true } });
    // exactly what the spec alone says the pods need (modelPodAnnotations, for the serving layer's pod annotations)
    expect(Object.fromEntries(Object.entries(pod).filter(([k]) => k.startsWith('sidecar.istio.io/user')))).toEqual(modelPodAnnotations(bothSpec.models![1]));
    expect(modelPodAnnotations(bothSpec.models![0])).toEqual({});
    // the annotations the pod had before are kept
    expect(pod['kubectl.kubernetes.io/default-container']).toBe('server');
    for (const name of ['llama3-8b-stable', 'llama3-8b-candidate']) {
      expect(findObject(objects, 'Deployment', name).spec.template.metadata.annotations['sidecar.istio.io/userVolume']).toBeUndefined();
    }
  });

  test('the content filter on a canary model covers both versions (the selector has no version label)', () => {
    const sel = findObject(objects, 'WasmPlugin', 'llama3-8b-content-filter').spec.selector.matchLabels;
    for (const name of ['llama3-8b-stable', 'llama3-8b-candidate']) {
      const labels = findObject(objects, 'Deployment', name).spec.template.metadata.labels;
      for (const [k, v] of Object.entries(sel)) expect(labels[k]).toBe(v);
    }
  });

  test('synth checks pass: policies, identities and the twin (0 problems, the filters\' selectors and the descriptor mount resolved)', () => {
    expect(platform.verify(manifests)).toEqual([]);
    const twin = platform.twin(manifests);
    expect(twin.problems).toEqual([]);
    const references = twin.checks.find((c) => c.name === 'references')!;
    const plain = new KubernetesPlatform(new App(), 'acme', { spec: spec([llama({ canary: bothSpec.models![0].canary }), clip({ grpcTranscoding: undefined })]) });
    const plainRefs = plain.twin().checks.find((c) => c.name === 'references')!;
    // with the filters: 4 proxy-extension references (2 WasmPlugin and 1 EnvoyFilter selectors, the descriptor mount of
    // clip-vit-stable) + 3 CRDs (2 WasmPlugins, 1 EnvoyFilter) + 4 AppProject kinds and 4 destinations (those and the ConfigMap)
    expect(references.checked - plainRefs.checked).toBe(4 + 3 + 4 + 4);
    expect(references.passed).toBe(references.checked);
  });

  test("the WasmPlugins' pull secret: created outside the output (not modelled), or a Secret of the output that must be a dockerconfigjson", () => {
    const notModelled = platform.twin(manifests).checks.find((c) => c.name === 'references')!.notModelled;
    expect(notModelled).toContain('WasmPlugin search/llama3-8b-content-filter spec.imagePullSecret: Secret search/ecr-wasm-pull is created outside the output');
    const secret = (type: string): PlatformManifest => ({
      path: 'dev/search/Secret.ecr-wasm-pull.k8s.yaml',
      directory: 'dev/search',
      resource: { apiVersion: 'v1', kind: 'Secret', type, metadata: { name: 'ecr-wasm-pull', namespace: 'search' }, data: { '.dockerconfigjson': 'e30=' } },
    });
    // (a Secret added behind the platform's back is also one the tenant's AppProject does not whitelist: only the WasmPlugin findings here)
    const wasm = (extra: PlatformManifest) => platform.twin([...manifests, extra]).validationProblems.filter((p) => p.prop.startsWith('WasmPlugin'));
    expect(wasm(secret('kubernetes.io/dockerconfigjson'))).toEqual([]);
    const wrong = wasm(secret('Opaque'));
    expect(wrong.map((p) => p.prop)).toEqual(['WasmPlugin search/clip-vit-content-filter spec.imagePullSecret', 'WasmPlugin search/llama3-8b-content-filter spec.imagePullSecret']);
    expect(wrong[0].problem).toContain('istiod passes only kubernetes.io/dockerconfigjson pull secrets');
  });

  test("istio-agent's module pull (HTTPS to the registry, as the proxy user: outside the sidecar's capture, so no ServiceEntry) is let out by the tenant's NetworkPolicies", () => {
    const policies = findObjects(objects, 'NetworkPolicy');
    const labels = findObject(objects, 'Deployment', 'llama3-8b-stable').spec.template.metadata.labels;
    const nsLabels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns });
    const pull = (p: any[]) => evaluateNetworkPolicies(p, nsLabels, {
      src: { kind: 'pod', namespace: 'search', labels }, dst: { kind: 'host', scope: 'public' }, port: 443, protocol: 'TCP',
    });
    expect(pull(policies).result).toBe('yes');
    // without the tenant's HTTPS egress, the default deny would stop the pull (and FAIL_CLOSE would refuse every request)
    const denied = pull(policies.filter((p) => p.metadata.name !== 'allow-https-egress'));
    expect(denied.result).toBe('no');
    expect(denied.side).toBe('egress');
  });

  test('the twin finds the broken variants: pods without the annotations, a selector matching no pod', () => {
    const clone = (): PlatformManifest[] => manifests.map((m) => ({ ...m, resource: JSON.parse(JSON.stringify(m.resource)) }));
    // the defect: the transcoder's annotations had nowhere to go
    const noAnnotations = clone();
    const dep = noAnnotations.find((m) => m.resource.kind === 'Deployment' && m.resource.metadata.name === 'clip-vit-stable')!.resource;
    delete dep.spec.template.metadata.annotations['sidecar.istio.io/userVolume'];
    delete dep.spec.template.metadata.annotations['sidecar.istio.io/userVolumeMount'];
    const p1 = platform.twin(noAnnotations).validationProblems;
    expect(p1).toHaveLength(1);
    expect(p1[0].prop).toBe('EnvoyFilter search/clip-vit-grpc-json spec.configPatches[0].patch.value.typed_config.proto_descriptor');
    expect(p1[0].problem).toContain('where no ConfigMap volume is mounted at that path');
    // no ConfigMap
    const noConfigMap = clone().filter((m) => m.resource.kind !== 'ConfigMap' || m.resource.metadata.name !== 'clip-vit-grpc-descriptor');
    const p2 = platform.twin(noConfigMap).validationProblems;
    expect(p2.map((p) => p.problem).join('\n')).toContain('whose mounted ConfigMap (or its key) the output does not create');
    // a filter selecting nothing
    const stray = clone();
    stray.find((m) => m.resource.kind === 'WasmPlugin' && m.resource.metadata.name === 'llama3-8b-content-filter')!.resource.spec.selector.matchLabels = { 'llm-platform.io/model': 'llama3-70b' };
    const p3 = platform.twin(stray).validationProblems;
    expect(p3).toHaveLength(1);
    expect(p3[0].prop).toBe('WasmPlugin search/llama3-8b-content-filter spec.selector.matchLabels');
    expect(p3[0].problem).toContain('selects no pod that will exist in its namespace');
  });
});

describe('content filter on a KServe model', () => {
  test("the WasmPlugin selects the predictor pods KServe makes (the twin's operator model), 0 problems", () => {
    const platform = new KubernetesPlatform(new App(), 'acme', {
      spec: spec([llama({ kserve: true, contentFilter: { image: WASM, imagePullSecret: 'ecr-wasm-pull' } })]),
    });
    const manifests = platform.manifests();
    const wp = findObject(manifests.map((m) => m.resource), 'WasmPlugin', 'llama3-8b-content-filter');
    expect(wp.spec.selector.matchLabels).toEqual({ 'llm-platform.io/model': 'llama3-8b' });
    expect(platform.verify(manifests)).toEqual([]);
  });
});

describe('descriptor sources', () => {
  test('fromFile reads the descriptor set at synth', () => {
    const file = path.join(tempDir(), 'api.pb');
    fs.writeFileSync(file, TRITON_DESCRIPTOR);
    const platform = new KubernetesPlatform(new App(), 'acme', {
      spec: spec([llama(), clip({ grpcTranscoding: { descriptor: ProtoDescriptorSource.fromFile(file), services: ['inference.GRPCInferenceService'] } })]),
    });
    const objects = platform.manifests().map((m) => m.resource);
    expect(Buffer.from(findObject(objects, 'ConfigMap', 'clip-vit-grpc-descriptor').binaryData['descriptor.pb'], 'base64').equals(TRITON_DESCRIPTOR)).toBe(true);
  });

  test('fromConfigMap mounts a ConfigMap made elsewhere; the twin requires it in the output (added to the tenant chart: 0 problems)', () => {
    const platform = new KubernetesPlatform(new App(), 'acme', {
      spec: spec([llama(), clip({ grpcTranscoding: { descriptor: ProtoDescriptorSource.fromConfigMap('triton-api', 'api.pb'), services: ['inference.GRPCInferenceService'] } })]),
    });
    const without = platform.manifests();
    expect(findObjects(without.map((m) => m.resource), 'ConfigMap').filter((o) => o.metadata.namespace === 'search')).toEqual([]);
    const ef = findObject(without.map((m) => m.resource), 'EnvoyFilter', 'clip-vit-grpc-json');
    expect(ef.spec.configPatches[0].patch.value.typed_config.proto_descriptor).toBe('/etc/istio/proto/api.pb');
    expect(platform.twin(without).problems.map((p) => p.problem).join('\n')).toContain('whose mounted ConfigMap (or its key) the output does not create');
    new ApiObject(platform.chartFor('search'), 'TritonApi', {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'triton-api', namespace: 'search' }, binaryData: { 'api.pb': TRITON_DESCRIPTOR.toString('base64') },
    });
    expect(platform.twin(platform.manifests()).problems).toEqual([]);
  });
});

describe('spec validation', () => {
  const problemsOf = (models: ModelSpec[], overrides: Partial<PlatformSpec> = {}) => PlatformSpecValidator.problems(spec(models, overrides));
  const one = (models: ModelSpec[], overrides: Partial<PlatformSpec> = {}) => {
    const p = problemsOf(models, overrides);
    expect(p).toHaveLength(1);
    return p[0];
  };

  test('the spec with both options is valid', () => {
    expect(PlatformSpecValidator.problems(bothSpec)).toEqual([]);
  });

  test.each([
    [`oci://${REGISTRY}/filters/prompt-guard:1.0`, 'must be an OCI image pinned by digest'],
    [`${REGISTRY}/filters/prompt-guard@sha256:${'b'.repeat(64)}`, 'must be an OCI image pinned by digest'],
    ['https://example.com/filter.wasm', 'must be an OCI image pinned by digest'],
  ])('content filter image %p', (image, problem) => {
    const p = one([llama({ contentFilter: { image, imagePullSecret: 'pull' } })]);
    expect(p.prop).toBe('models[0].contentFilter.image');
    expect(p.problem).toContain(problem);
    expect(p.value).toBe(`'${image}'`);
  });

  test('content filter image outside the allowed registries', () => {
    const image = `oci://ghcr.io/acme/prompt-guard@sha256:${'b'.repeat(64)}`;
    const p = one([llama({ contentFilter: { image } })]);
    expect(p.prop).toBe('models[0].contentFilter.image');
    expect(p.problem).toContain('must come from an allowed registry');
    expect(p.fix).toContain(REGISTRY);
    // allowed: valid without a pull secret (not ECR)
    expect(problemsOf([llama({ contentFilter: { image } })], { policy: { ...smallSpec().policy, allowedRegistries: [REGISTRY, 'ghcr.io/acme'] } })).toEqual([]);
  });

  test('an ECR module needs a pull secret (istio-agent pulls anonymously otherwise)', () => {
    const p = one([llama({ contentFilter: { image: WASM } })]);
    expect(p.prop).toBe('models[0].contentFilter.imagePullSecret');
    expect(p.problem).toContain('is required for an image in ECR');
    expect(p.fix).toContain("namespace 'search'");
  });

  test.each([
    [{ imagePullSecret: 'Pull_Secret' }, 'models[0].contentFilter.imagePullSecret', 'must be a DNS-1123 subdomain'],
    [{ phase: 'LATE' as any }, 'models[0].contentFilter.phase', 'must be a WasmPhase'],
    [{ priority: 1.5 }, 'models[0].contentFilter.priority', 'must be a whole number'],
  ])('content filter %p', (o, prop, problem) => {
    const p = one([llama({ contentFilter: { image: WASM, imagePullSecret: 'pull', ...o } })]);
    expect(p.prop).toBe(prop);
    expect(p.problem).toContain(problem);
  });

  const base64 = TRITON_DESCRIPTOR.toString('base64');
  test.each([
    [{ services: [] }, 'models[1].grpcTranscoding.services', 'must list at least one gRPC service', '[]'],
    [{ services: ['GRPCInferenceService'] }, 'models[1].grpcTranscoding.services[0]', 'must be a fully-qualified gRPC service name', "'GRPCInferenceService'"],
    [{ services: ['inference.Health'] }, 'models[1].grpcTranscoding.services[0]', 'names a service the descriptor set does not define (it defines inference.GRPCInferenceService)', "'inference.Health'"],
    [{ descriptor: undefined }, 'models[1].grpcTranscoding.descriptor', 'is required (a ProtoDescriptorSource)', 'nothing'],
    [{ descriptor: ProtoDescriptorSource.fromFile('/nonexistent/api.pb') }, 'models[1].grpcTranscoding.descriptor', 'names no readable descriptor set file', "'/nonexistent/api.pb'"],
    [{ descriptor: ProtoDescriptorSource.fromBase64('not base64!') }, 'models[1].grpcTranscoding.descriptor', 'must be base64 of a descriptor set', "'not base64!'"],
    [{ descriptor: ProtoDescriptorSource.fromBase64(Buffer.from('{"json": true}').toString('base64')) }, 'models[1].grpcTranscoding.descriptor', 'is not a protobuf FileDescriptorSet', "'14 bytes'"],
    [{ descriptor: ProtoDescriptorSource.fromConfigMap('Triton_API') }, 'models[1].grpcTranscoding.descriptor.configMapName', 'must be a DNS-1123 subdomain', "'Triton_API'"],
  ])('transcoding %#', (o, prop, problem, value) => {
    const p = one([llama(), clip({ grpcTranscoding: { descriptor: ProtoDescriptorSource.fromBase64(base64), services: ['inference.GRPCInferenceService'], ...o } as any })]);
    expect(p.prop).toBe(prop);
    expect(p.problem).toContain(problem);
    expect(p.value).toBe(value);
  });

  test('a descriptor larger than a ConfigMap holds', () => {
    const big = Buffer.concat([TRITON_DESCRIPTOR, Buffer.alloc(1024 * 1024)]);
    const p = one([llama(), clip({ grpcTranscoding: { descriptor: ProtoDescriptorSource.fromBase64(big.toString('base64')), services: ['inference.GRPCInferenceService'] } })]);
    expect(p.prop).toBe('models[1].grpcTranscoding.descriptor');
    expect(p.problem).toContain('must fit in a ConfigMap');
  });

  test('transcoding needs a gRPC runtime and a Deployment', () => {
    const grpc = clip().grpcTranscoding;
    const vllm = one([llama({ grpcTranscoding: grpc })]);
    expect(vllm.prop).toBe('models[0].grpcTranscoding');
    expect(vllm.problem).toContain('needs a runtime with a gRPC port (the vllm runtime serves HTTP only)');
    const kserve = problemsOf([llama(), clip({ kserve: true })]).filter((p) => p.prop === 'models[1].grpcTranscoding');
    expect(kserve).toHaveLength(1);
    expect(kserve[0].problem).toContain('is not supported with kserve');
  });

  test('the platform refuses an invalid spec before building anything', () => {
    const e = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', { spec: spec([llama({ contentFilter: { image: WASM } })]) }));
    expect(e.message).toContain("'models[0].contentFilter.imagePullSecret' is required for an image in ECR");
  });
});
