/**
 * Issue 15: everything a model needs is said in the spec. Every option of the serving building blocks
 * (ModelServer, KServeInferenceService) is reachable from `models[i]` and lands in the synthesized
 * Deployment / InferenceService; model sizing derives the weights volume and the runtime flags and refuses
 * a model that cannot fit its GPUs.
 */
import { App, Duration, Size } from 'cdk8s';
import { REGISTRY, DIGEST, SHA, smallSpec, validationErrorOf } from './fixtures';
import { GpuInstanceType, ModelArchitecture, ModelDataType, ModelRuntime } from '../../src/core';
import { ModelAutoscaling, ModelServerProps, ModelServingOptions, ModelSource, WeightVerification } from '../../src/k8s';
import { SERVING_OPTION_NAMES } from '../../src/k8s/private/model-serving';
import { GpuPoolSpec, GpuProvisioning, KubernetesPlatform, ModelSpec, ModelWeights, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { model as modelServer } from '../k8s/fixtures';
import { findObject, synthChart } from '../util';

/** What a check reads of one synthesized model, the same way for a Deployment and an InferenceService. */
interface Rendered {
  readonly objects: any[];
  /** The stable version's pod spec (Deployment template, or the InferenceService predictor). */
  readonly pod: any;
  /** The server container. */
  readonly server: any;
  /** The workload's labels. */
  readonly labels: { [key: string]: string };
  /** The rollout strategy (Deployment `strategy`, predictor `deploymentStrategy`). */
  readonly strategy: any;
  /** The KEDA ScaledObject of the stable version. */
  readonly scaledObject: any;
  readonly kind: 'Deployment' | 'InferenceService';
}

type Check = (r: Rendered) => void;

const arg = (r: Rendered, flag: string) => {
  const args: string[] = r.server.args;
  const at = args.indexOf(flag);
  return at < 0 ? undefined : args[at + 1];
};
const volume = (r: Rendered, name: string) => r.pod.volumes.find((v: any) => v.name === name);
const env = (r: Rendered, name: string) => r.server.env.find((e: any) => e.name === name)?.value;
const COSIGN_TAG = `${REGISTRY}/mirror/cosign:v2.4.3`;

/**
 * Every serving option (`ModelServingOptions`, which ModelServer, KServeInferenceService and ModelSpec
 * extend) with a non-default value and where it shows in the synthesized objects. A typed record: an
 * option missing here (or one that does not exist) does not compile.
 */
const SERVING: { readonly [K in keyof Required<ModelServingOptions>]: { readonly value: ModelServingOptions[K]; readonly check: Check } } = {
  runtime: { value: ModelRuntime.VLLM, check: (r) => expect(r.server.command).toEqual(['vllm', 'serve']) },
  image: { value: `${REGISTRY}/acme-llm/vllm-next${DIGEST}`, check: (r) => expect(r.server.image).toBe(`${REGISTRY}/acme-llm/vllm-next${DIGEST}`) },
  // A tag-only helper image is accepted only with allowUnpinnedImages (else: "'cosignImage' ... allowUnpinnedImages").
  allowUnpinnedImages: { value: true, check: (r) => expect(r.pod.initContainers.find((c: any) => c.name === 'verify-signature').image).toBe(COSIGN_TAG) },
  verification: {
    value: WeightVerification.keyless({
      certificateIdentity: 'https://github.com/acme/models/.github/workflows/publish.yaml@refs/heads/main',
      certificateOidcIssuer: 'https://token.actions.githubusercontent.com',
      cosignImage: COSIGN_TAG,
      checksumImage: `${REGISTRY}/mirror/aws-cli${DIGEST}`,
    }),
    // the adapter's download (ModelServer only) runs after the weights', before the verification
    check: (r) => expect(r.pod.initContainers.map((c: any) => c.name)).toEqual(
      r.kind === 'Deployment' ? ['fetch-weights', 'fetch-adapter-support-lora', 'verify-signature', 'verify-checksums'] : ['fetch-weights', 'verify-signature', 'verify-checksums']),
  },
  // Sized: checked on its own below (the explicit volume and flags of this record override what it derives).
  size: { value: { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 8192, concurrency: 16 }, check: () => undefined },
  gpusPerReplica: { value: 2, check: (r) => expect(r.server.resources.limits['nvidia.com/gpu']).toBe('2') },
  tensorParallelSize: { value: 2, check: (r) => expect(arg(r, '--tensor-parallel-size')).toBe('2') },
  cpu: { value: 20, check: (r) => expect(r.server.resources.limits.cpu).toBe('20') },
  memory: { value: Size.gibibytes(96), check: (r) => expect(r.server.resources.limits.memory).toBe('96Gi') },
  sharedMemory: { value: Size.gibibytes(12), check: (r) => expect(volume(r, 'dshm').emptyDir.sizeLimit).toBe('12Gi') },
  weightsVolumeSize: {
    value: Size.gibibytes(64),
    check: (r) => {
      expect(volume(r, 'model-weights').emptyDir.sizeLimit).toBe('64Gi');
      // The volume (and the adapters' 2 GiB, ModelServer only) plus the 24 GiB of /cache and /tmp, requested so the scheduler finds the disk.
      expect(r.server.resources.requests['ephemeral-storage']).toBe(r.kind === 'Deployment' ? '90Gi' : '88Gi');
    },
  },
  replicas: {
    value: { min: 2, max: 3 },
    check: (r) => expect([r.scaledObject.spec.minReplicaCount, r.scaledObject.spec.maxReplicaCount]).toEqual([2, 3]),
  },
  autoscaling: {
    value: ModelAutoscaling.keda({ waitingRequestsPerReplica: 7, scaleDownStabilization: Duration.minutes(20) }),
    check: (r) => {
      expect(r.scaledObject.spec.triggers.find((t: any) => t.name === 'waiting-requests').metadata.threshold).toBe('7');
      expect(r.scaledObject.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(1200);
    },
  },
  rolloutSurge: { value: 1, check: (r) => expect(r.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 }) },
  version: { value: 'v9', check: (r) => expect(r.labels['app.kubernetes.io/version']).toBe('v9') },
  servedModelName: { value: 'chat', check: (r) => expect(arg(r, '--served-model-name')).toBe('chat') },
  maxModelLength: { value: 4096, check: (r) => expect(arg(r, '--max-model-len')).toBe('4096') },
  gpuMemoryUtilization: { value: 0.85, check: (r) => expect(arg(r, '--gpu-memory-utilization')).toBe('0.85') },
  maxConcurrency: { value: 12, check: (r) => expect(arg(r, '--max-num-seqs')).toBe('12') },
  extraArgs: { value: ['--enable-prefix-caching'], check: (r) => expect(r.server.args[r.server.args.length - 1]).toBe('--enable-prefix-caching') },
  adapters: {
    value: [{ name: 'support-lora', weights: ModelWeights.fromModelStore('adapters/support-lora/', '2024-06-02') }],
    check: (r) => {
      const args: string[] = r.server.args;
      expect(args.slice(args.indexOf('--enable-lora'), args.indexOf('--enable-lora') + 3)).toEqual(['--enable-lora', '--max-loras', '1']);
      expect(arg(r, '--lora-modules')).toBe('support-lora=/adapters/support-lora');
      const fetch = r.pod.initContainers.find((c: any) => c.name === 'fetch-adapter-support-lora');
      expect(fetch.command).toEqual(['aws', 's3', 'sync', 's3://acme-llm-dev-models/adapters/support-lora/2024-06-02/', '/adapters/support-lora', '--only-show-errors', '--no-progress']);
      expect(r.server.volumeMounts).toContainEqual({ name: 'adapters', mountPath: '/adapters', readOnly: true });
    },
  },
  maxLoraRank: { value: 32, check: (r) => expect(arg(r, '--max-lora-rank')).toBe('32') },
  adaptersVolumeSize: { value: Size.gibibytes(2), check: (r) => expect(volume(r, 'adapters').emptyDir.sizeLimit).toBe('2Gi') },
  env: { value: { VLLM_LOGGING_LEVEL: 'DEBUG' }, check: (r) => expect(env(r, 'VLLM_LOGGING_LEVEL')).toBe('DEBUG') },
  startupTimeout: { value: Duration.minutes(40), check: (r) => expect(r.server.startupProbe.failureThreshold).toBe(240) },
  preStopDelay: { value: Duration.seconds(20), check: (r) => expect(r.server.lifecycle.preStop.exec.command).toEqual(['sh', '-c', 'sleep 20']) },
  maxRequestDuration: { value: Duration.minutes(10), check: (r) => expect(r.pod.terminationGracePeriodSeconds).toBe(620) },
  runAsUser: { value: 2000, check: (r) => expect(r.pod.securityContext.runAsUser).toBe(2000) },
  automountServiceAccountToken: { value: true, check: (r) => expect(r.pod.automountServiceAccountToken).toBe(true) },
};

/**
 * ModelServer's props that are not serving options, with the spec field that says each (the spec names a
 * tenant, a pool and weights instead of passing constructs). Also a typed record: together with SERVING it
 * covers every prop of ModelServerProps, or this does not compile.
 */
/** The LoRA options, ModelServer's only (KServeInferenceService refuses adapters). */
const LORA_OPTIONS = ['adapters', 'maxLoraRank', 'adaptersVolumeSize'];

type PlacementProp = Exclude<keyof Required<ModelServerProps>, keyof ModelServingOptions>;
const PLACEMENT: { readonly [K in PlacementProp]: { readonly spec: keyof ModelSpec; readonly check: Check } } = {
  tenant: { spec: 'tenant', check: (r) => expect(findObject(r.objects, r.kind, r.kind === 'Deployment' ? 'chat-model-stable' : 'chat-model').metadata.namespace).toBe('search') },
  modelName: { spec: 'name', check: (r) => expect(r.labels['llm-platform.io/model']).toBe('chat-model') },
  source: { spec: 'weights', check: (r) => expect(r.pod.initContainers[0].command).toContain('s3://acme-llm-dev-models/models/chat/2024-06-01/') },
  pool: { spec: 'gpuPool', check: (r) => expect(JSON.stringify(r.pod.affinity)).toContain('"a10g-x4"') },
  candidate: { spec: 'canary', check: (r) => expect(findObject(r.objects, 'Deployment', 'chat-model-candidate')).toBeDefined() },
};

const KARPENTER = { minNodes: 1, provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER };
const POOL_X4: GpuPoolSpec = { name: 'a10g-x4', instanceTypes: [GpuInstanceType.G5_12XLARGE], maxNodes: 3, ...KARPENTER };

function everyOption(): ModelServingOptions {
  const out: { [key: string]: unknown } = {};
  for (const [key, o] of Object.entries(SERVING)) out[key] = o.value;
  return out as unknown as ModelServingOptions;
}

function specWith(models: ModelSpec[], gpuPools: GpuPoolSpec[] = [POOL_X4], gpuQuota = 32): PlatformSpec {
  const base = smallSpec();
  return smallSpec({ gpuPools: [...base.gpuPools, ...gpuPools], tenants: [{ name: 'search', gpuQuota }], models });
}

function synth(spec: PlatformSpec): any[] {
  return new KubernetesPlatform(new App(), 'acme', { spec }).manifests().map((m) => m.resource);
}

function rendered(objects: any[], name: string, kserve: boolean): Rendered {
  if (kserve) {
    const isvc = findObject(objects, 'InferenceService', name);
    const { minReplicas, maxReplicas, labels, annotations, deploymentStrategy, ...pod } = isvc.spec.predictor;
    return {
      objects,
      kind: 'InferenceService',
      pod,
      server: pod.containers[0],
      labels: isvc.metadata.labels,
      strategy: deploymentStrategy,
      scaledObject: findObject(objects, 'ScaledObject', `${name}-predictor`),
    };
  }
  const dep = findObject(objects, 'Deployment', `${name}-stable`);
  return {
    objects,
    kind: 'Deployment',
    pod: dep.spec.template.spec,
    server: dep.spec.template.spec.containers[0],
    labels: dep.metadata.labels,
    strategy: dep.spec.strategy,
    scaledObject: findObject(objects, 'ScaledObject', `${name}-stable`),
  };
}

const weights = ModelWeights.fromModelStore('models/chat/', '2024-06-01');

describe('every serving option is reachable from the spec', () => {
  test('the records enumerate ModelServer\'s options: every serving option once, plus the placement props', () => {
    expect(Object.keys(SERVING).sort()).toEqual([...SERVING_OPTION_NAMES].sort());
    expect(Object.keys(PLACEMENT).sort()).toEqual(['candidate', 'modelName', 'pool', 'source', 'tenant']);
    expect(Object.keys(SERVING).length + Object.keys(PLACEMENT).length).toBe(34);
  });

  test('ModelSpec passes each option through to the Deployment', () => {
    const model: ModelSpec = {
      ...everyOption(),
      name: 'chat-model',
      tenant: 'search',
      gpuPool: 'a10g-x4',
      weights,
      canary: { version: 'v10', weights: ModelWeights.fromModelStore('models/chat/', '2024-07-01') },
    };
    expect(Object.keys(model)).toEqual(expect.arrayContaining([...Object.keys(SERVING), ...Object.values(PLACEMENT).map((p) => p.spec)]));
    const r = rendered(synth(specWith([model])), 'chat-model', false);
    for (const [option, o] of [...Object.entries(SERVING), ...Object.entries(PLACEMENT)]) {
      try {
        o.check(r);
      } catch (e: any) {
        throw new Error(`option '${option}' did not reach the Deployment: ${e.message}`);
      }
    }
  });

  test('ModelSpec with kserve passes each serving option but the LoRA ones through to the InferenceService', () => {
    const { adapters: _a, maxLoraRank: _r, adaptersVolumeSize: _v, ...kserveOptions } = everyOption();
    const model: ModelSpec = { ...kserveOptions, name: 'chat-model', tenant: 'search', gpuPool: 'a10g-x4', weights, kserve: true };
    const r = rendered(synth(specWith([model])), 'chat-model', true);
    for (const [option, o] of Object.entries(SERVING).filter(([k]) => !LORA_OPTIONS.includes(k))) {
      try {
        o.check(r);
      } catch (e: any) {
        throw new Error(`option '${option}' did not reach the InferenceService: ${e.message}`);
      }
    }
    for (const option of ['tenant', 'modelName', 'source', 'pool'] as const) PLACEMENT[option].check(r);
  });

  test('size alone derives the weights volume, the ephemeral-storage request and the runtime flags', () => {
    const model: ModelSpec = {
      name: 'chat-model',
      tenant: 'search',
      gpuPool: 'a10g-x4',
      weights,
      runtime: ModelRuntime.VLLM,
      image: `${REGISTRY}/acme-llm/vllm${DIGEST}`,
      gpusPerReplica: 2,
      size: SERVING.size.value,
      replicas: { min: 1, max: 1 },
    };
    const r = rendered(synth(specWith([model])), 'chat-model', false);
    // 8e9 x 2 bytes x 1.2 headroom = 17.9 GiB -> 18 GiB; + 24 GiB scratch.
    expect(volume(r, 'model-weights').emptyDir.sizeLimit).toBe('18Gi');
    expect(r.server.resources.requests['ephemeral-storage']).toBe('42Gi');
    expect(r.server.resources.limits['ephemeral-storage']).toBeUndefined();
    expect(r.server.args).toEqual(['/models/weights', '--port', '8000', '--served-model-name', 'chat-model', '--tensor-parallel-size', '2',
      '--max-model-len', '8192', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '16']);
  });

  test('without size nothing is derived: the source\'s 100 GiB volume, no storage request, the runtime\'s own context and batching', () => {
    const r = rendered(synth(smallSpec()), 'llama3-8b', false);
    expect(volume(r, 'model-weights').emptyDir.sizeLimit).toBe('100Gi');
    expect(r.server.resources.requests['ephemeral-storage']).toBeUndefined();
    expect(r.server.args).toEqual(['/models/weights', '--port', '8000', '--served-model-name', 'llama3-8b', '--tensor-parallel-size', '1']);
  });
});

describe('issue 15: a 70B on 4 L40S, an 8B on 1 A10G and a 405B FP8 on p5, sized', () => {
  const pools: GpuPoolSpec[] = [
    { name: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], maxNodes: 2, ...KARPENTER },
    { name: 'p5', instanceTypes: [GpuInstanceType.P5_48XLARGE], maxNodes: 2, ...KARPENTER },
  ];
  const image = `${REGISTRY}/acme-llm/vllm${DIGEST}`;
  const llama70b: ModelSpec = {
    name: 'llama3-70b',
    tenant: 'search',
    gpuPool: 'l40s',
    gpusPerReplica: 4,
    runtime: ModelRuntime.VLLM,
    image,
    replicas: { min: 1, max: 1 },
    weights: ModelWeights.fromModelStore('models/llama3-70b/', '2024-06-01'),
    size: { parameters: 70, dataType: ModelDataType.BF16, architecture: ModelArchitecture.LLAMA_3_70B, contextLength: 8192, concurrency: 4 },
  };
  const llama8b: ModelSpec = {
    name: 'llama3-8b',
    tenant: 'search',
    gpuPool: 'a10g',
    runtime: ModelRuntime.VLLM,
    image,
    replicas: { min: 1, max: 1 },
    weights: ModelWeights.fromModelStore('models/llama3-8b/', '2024-06-01'),
    size: { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 8192, concurrency: 2 },
  };
  const llama405b: ModelSpec = {
    name: 'llama3-405b',
    tenant: 'search',
    gpuPool: 'p5',
    gpusPerReplica: 8,
    runtime: ModelRuntime.VLLM,
    image,
    replicas: { min: 1, max: 1 },
    weights: ModelWeights.fromModelStore('models/llama3-405b-fp8/', '2024-08-01'),
    size: { parameters: 405, dataType: ModelDataType.FP8, architecture: ModelArchitecture.LLAMA_3_1_405B, contextLength: 16384, concurrency: 8 },
  };

  test('each synthesizes with its weights volume and flags derived from its size', () => {
    const objects = synth(specWith([llama70b, llama8b, llama405b], pools, 32));
    const expected: Array<[string, string, string, string, string]> = [
      // name, volume (weights x 1.2, GiB up), ephemeral-storage (+24 GiB scratch), tensor parallel, max-num-seqs
      ['llama3-70b', '157Gi', '181Gi', '4', '4'], // 70e9 x 2 B
      ['llama3-8b', '18Gi', '42Gi', '1', '2'], // 8e9 x 2 B
      ['llama3-405b', '453Gi', '477Gi', '8', '8'], // 405e9 x 1 B (FP8)
    ];
    for (const [name, vol, storage, tp, seqs] of expected) {
      const r = rendered(objects, name, false);
      expect([name, volume(r, 'model-weights').emptyDir.sizeLimit, r.server.resources.requests['ephemeral-storage']]).toEqual([name, vol, storage]);
      expect([name, arg(r, '--tensor-parallel-size'), arg(r, '--max-num-seqs'), arg(r, '--gpu-memory-utilization')]).toEqual([name, tp, seqs, '0.9']);
      expect([name, arg(r, '--max-model-len')]).toEqual([name, name === 'llama3-405b' ? '16384' : '8192']);
      expect(r.server.args[0]).toBe('/models/weights');
      expect(r.server.args).not.toContain('--model');
      expect(r.server.args).not.toContain('--disable-log-requests');
    }
  });

  test('the same 405B on 1 A10G fails with the sizing error: by how much and what fixes it', () => {
    const onA10g: ModelSpec = { ...llama405b, gpuPool: 'a10g', gpusPerReplica: 1 };
    const spec = specWith([llama70b, llama8b, onA10g], pools, 32);
    const problems = PlatformSpecValidator.problems(spec).filter((p) => p.prop.startsWith('models[2]'));
    expect(problems).toHaveLength(1);
    const p = problems[0];
    expect(p.prop).toBe('models[2].size');
    expect(p.value).toBe("'405B fp8, 16384 tokens x 8'");
    expect(p.problem).toMatch(/^does not fit 1 A10G GPU of pool 'a10g' \(g5\.2xlarge\): needs \d+(\.\d+)? GiB of GPU memory per replica .* short by \d+(\.\d+)? GiB$/);
    expect(p.fix).toMatch(/GPUs per replica|larger GPU|quantize|shorten/);
    // The platform refuses it too, naming the spec path.
    expect(validationErrorOf(() => synth(spec)).message).toContain("'models[2].size' does not fit 1 A10G GPU");
  });
});

describe('one way to say weights: k8s.ModelSource', () => {
  test('ModelSource.modelStore in the spec syncs from the platform\'s bucket; ModelWeights\' factories return ModelSources', () => {
    const legacy = ModelWeights.fromModelStore('models/chat/', '2024-06-01');
    expect(legacy).toBeInstanceOf(ModelSource);
    expect([legacy.kind, legacy.prefix, legacy.revision, legacy.inModelStore]).toEqual(['model-store', 'models/chat/', '2024-06-01', true]);
    expect(ModelWeights.huggingFace({ modelId: 'org/m', revision: SHA })).toBeInstanceOf(ModelSource);
    expect(ModelWeights.pvc({ claimName: 'w', revision: 'v1' })).toBeInstanceOf(ModelSource);
    const spec = smallSpec({ models: [{ ...smallSpec().models![0], weights: ModelSource.modelStore('models/llama3-8b/', '2024-06-01') }] });
    const r = rendered(synth(spec), 'llama3-8b', false);
    expect(r.pod.initContainers[0].command.slice(0, 4)).toEqual(['aws', 's3', 'sync', 's3://acme-llm-dev-models/models/llama3-8b/2024-06-01/']);
  });

  test('S3 weights outside the model store are refused in the spec (the model\'s Pod Identity reads only the store)', () => {
    const weights3 = ModelSource.s3({ bucket: 'other-bucket', prefix: 'models/x/', versionId: 'v1' });
    const problems = PlatformSpecValidator.problems(smallSpec({ models: [{ ...smallSpec().models![0], weights: weights3 }] }));
    expect(problems.find((p) => p.prop === 'models[0].weights')).toMatchObject({
      problem: "must be in the platform's model store to be read with the model's Pod Identity", value: "'s3://other-bucket/models/x/v1/'",
    });
  });

  test('a model-store source outside the platform says how to say S3 weights there', () => {
    expect(() => synthChart((chart) => modelServer(chart, { source: ModelSource.modelStore('models/x/', 'v1') })))
      .toThrow(/'source' is ModelSource.modelStore\(\), whose bucket only platform.KubernetesPlatform knows, got 'model-store:\/\/models\/x\/v1\/'; use ModelSource.s3/);
  });
});
