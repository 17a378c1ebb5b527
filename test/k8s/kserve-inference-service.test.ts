import { ModelArchitecture, ModelRuntime, PlatformLabels } from '../../src/core';
import { KServeInferenceService } from '../../src/k8s/serving/kserve-inference-service';
import { ModelAutoscaling } from '../../src/k8s/serving/model-autoscaling';
import { IngressGateway } from '../../src/mesh/ingress-gateway';
import { PolicyCatalogue, PolicyEvaluator } from '../../src/policy';
import { findObject, findObjects, synthChart } from '../util';
import { a10gPool, expectValidationError, hfSource, l40sPool, SHA, tenant, VLLM_IMAGE } from './fixtures';

describe('KServeInferenceService', () => {
  test('raw deployment mode, same GPU/security defaults, KEDA on the predictor Deployment', () => {
    let isvc!: KServeInferenceService;
    const objects = synthChart((chart) => {
      isvc = new KServeInferenceService(chart, 'Llama', { tenant: tenant(chart), modelName: 'llama', runtime: ModelRuntime.VLLM, image: VLLM_IMAGE, source: hfSource(), pool: a10gPool() });
    });
    expect(isvc.predictorName).toBe('llama-predictor');
    const o = findObject(objects, 'InferenceService', 'llama');
    expect(o.metadata.annotations).toEqual({
      // The current name (RawDeployment is the deprecated alias KServe v0.19 still parses).
      'serving.kserve.io/deploymentMode': 'Standard',
      'serving.kserve.io/autoscalerClass': 'external',
      // policy LLM-GPU-004 reads an InferenceService's own metadata
      [PlatformLabels.MODEL_REVISION_ANNOTATION]: SHA,
    });
    const p = o.spec.predictor;
    expect(p.minReplicas).toBe(2);
    expect(p.maxReplicas).toBe(4);
    expect(p.annotations[PlatformLabels.MODEL_REVISION_ANNOTATION]).toBe(SHA);
    // No karpenter.sh/do-not-disrupt: the PodDisruptionBudget governs drains (defect 16).
    expect(p.annotations['karpenter.sh/do-not-disrupt']).toBeUndefined();
    // From 2 replicas: one at a time; a PDB KServe itself does not make.
    expect(p.deploymentStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(findObject(objects, 'PodDisruptionBudget', 'llama-predictor').spec).toEqual({
      maxUnavailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { [PlatformLabels.MODEL]: 'llama' } },
    });
    expect(p.labels[PlatformLabels.TENANT]).toBe('search');
    expect(p.containers[0].name).toBe('kserve-container');
    expect(p.containers[0].resources.limits['nvidia.com/gpu']).toBe('1');
    expect(p.containers[0].securityContext.readOnlyRootFilesystem).toBe(true);
    expect(p.securityContext.runAsNonRoot).toBe(true);
    expect(p.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(p.initContainers[0].name).toBe('fetch-weights');
    expect(p.serviceAccountName).toBe('llama');
    expect(p.automountServiceAccountToken).toBe(false);
    const so = findObject(objects, 'ScaledObject', 'llama-predictor');
    expect(so.spec.scaleTargetRef.name).toBe('llama-predictor');
    // the model-revision rule of the baseline holds for the InferenceService
    const report = new PolicyEvaluator({ rules: [PolicyCatalogue.find('LLM-GPU-004')!] }).evaluate(objects);
    expect(report.errors).toEqual([]);
  });

  test('is an IModelService: the mesh and observability layers address it like a ModelServer', () => {
    let isvc!: KServeInferenceService;
    const objects = synthChart((chart) => {
      isvc = new KServeInferenceService(chart, 'Llama', { tenant: tenant(chart), modelName: 'llama', runtime: ModelRuntime.VLLM, image: VLLM_IMAGE, source: hfSource(), pool: a10gPool() });
    });
    expect([isvc.modelName, isvc.tenant, isvc.namespace, isvc.serviceName, isvc.serviceAccountName, isvc.versions]).toEqual(['llama', 'search', 'search', 'llama-predictor', 'llama', ['stable']]);
    expect(isvc.runtime).toBe(ModelRuntime.VLLM);
    // KServe's predictor Service exposes 80 (kserve v0.19.0 constants.CommonDefaultHttpPort), not the container's 8000.
    expect(isvc.servicePort).toBe(80);
    expect(isvc.selectorLabels).toEqual({ [PlatformLabels.MODEL]: 'llama' });
    // The selector matches the predictor pods and the ServiceAccount exists.
    const predictorLabels = findObject(objects, 'InferenceService', 'llama').spec.predictor.labels;
    expect(predictorLabels).toMatchObject(isvc.selectorLabels);
    expect(findObject(objects, 'ServiceAccount', isvc.serviceAccountName).metadata.namespace).toBe(isvc.namespace);
  });

  test('fixed replicas disable KServe autoscaling', () => {
    const objects = synthChart((chart) => {
      new KServeInferenceService(chart, 'Llama', {
        tenant: tenant(chart),
        modelName: 'llama',
        runtime: ModelRuntime.VLLM,
        image: VLLM_IMAGE,
        source: hfSource(),
        pool: a10gPool(),
        autoscaling: ModelAutoscaling.fixed(),
        replicas: { min: 1, max: 3 },
      });
    });
    const o = findObject(objects, 'InferenceService', 'llama');
    expect(o.metadata.annotations['serving.kserve.io/autoscalerClass']).toBe('none');
    expect(o.spec.predictor.maxReplicas).toBe(1);
    expect(findObjects(objects, 'ScaledObject')).toHaveLength(0);
  });

  test('bad input', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 2 });
      const props = { tenant: t, runtime: ModelRuntime.VLLM, image: VLLM_IMAGE, source: hfSource(), pool: a10gPool() };
      expectValidationError(() => new KServeInferenceService(chart, 'A', { ...props, modelName: 'a'.repeat(46) }), 'modelName', /got 'a{46}'/);
      expectValidationError(() => new KServeInferenceService(chart, 'B', { ...props, modelName: 'b', image: 'vllm:latest' }), 'image', "'vllm:latest'");
      expectValidationError(() => new KServeInferenceService(chart, 'C', { ...props, modelName: 'c', gpusPerReplica: 2 }), 'gpusPerReplica', '2');
      expectValidationError(() => new KServeInferenceService(chart, 'D', { ...props, modelName: 'd' }), 'replicas.max', '4');
      expectValidationError(() => new KServeInferenceService(chart, 'E', { ...props, modelName: 'e', replicas: { min: 2, max: 1 } }), 'replicas.max', '1');
    });
  });
});

describe('KServeInferenceService: defects 6 and 13', () => {
  const props = (chart: any, quota: number, extra: any = {}) => ({
    tenant: tenant(chart, { gpuQuota: quota }),
    modelName: 'llama3-70b',
    runtime: ModelRuntime.VLLM,
    image: VLLM_IMAGE,
    source: hfSource(),
    pool: l40sPool(),
    gpusPerReplica: 4,
    replicas: { min: 1, max: 1 },
    ...extra,
  });

  test('defect 6: a gateway route to the model targets the predictor Service port 80, not the container port 8000', () => {
    const objects = synthChart((chart) => {
      const isvc = new KServeInferenceService(chart, 'Isvc', props(chart, 8));
      new IngressGateway(chart, 'Gateway', { hosts: ['llm.example.com'], credentialName: 'tls', externalCredential: true }).addModelRoute({ model: isvc });
    });
    const vs = findObjects(objects, 'VirtualService')[0];
    expect(vs.spec.http[0].route[0].destination).toEqual({ host: 'llama3-70b-predictor.search.svc.cluster.local', port: { number: 80 } });
  });

  test('defect 13: a single replica surges one (explicit predictor deploymentStrategy) and its PDB keeps it', () => {
    let isvc!: KServeInferenceService;
    const objects = synthChart((chart) => { isvc = new KServeInferenceService(chart, 'Isvc', props(chart, 8)); });
    expect(isvc.rolloutSurge).toBe(1);
    expect(findObject(objects, 'InferenceService', 'llama3-70b').spec.predictor.deploymentStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
    expect(findObject(objects, 'PodDisruptionBudget', 'llama3-70b-predictor').spec.minAvailable).toBe(1);
  });

  test('the surge counts against the quota; surge 0 at 1 replica is refused', () => {
    synthChart((chart) => {
      expectValidationError(() => new KServeInferenceService(chart, 'A', props(chart, 4)), 'replicas.max', /needed 8: inference service llama3-70b \(1 \+ 1 rollout surge x 4 GPUs\)/);
    });
    synthChart((chart) => {
      expectValidationError(() => new KServeInferenceService(chart, 'B', props(chart, 8, { rolloutSurge: 0 })), 'rolloutSurge', '0');
    });
  });
});

describe('issue 15: KServeInferenceService takes every serving option, sized like ModelServer', () => {
  const props = (chart: any, extra: object = {}) => ({ tenant: tenant(chart), modelName: 'llama', runtime: ModelRuntime.VLLM, image: VLLM_IMAGE, source: hfSource(), pool: a10gPool(), ...extra });

  test('size derives the volume, the storage request and the flags of the predictor', () => {
    const size = { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 4096, concurrency: 4 };
    const objects = synthChart((chart) => new KServeInferenceService(chart, 'Llama', props(chart, { size, env: { A: 'b' }, runAsUser: 3000 })));
    const predictor = findObject(objects, 'InferenceService', 'llama').spec.predictor;
    const c = predictor.containers[0];
    expect(predictor.volumes.find((v: any) => v.name === 'model-weights').emptyDir.sizeLimit).toBe('18Gi');
    expect(c.resources.requests['ephemeral-storage']).toBe('42Gi');
    expect(c.args).toEqual(['/models/weights', '--port', '8000', '--served-model-name', 'llama', '--tensor-parallel-size', '1',
      '--max-model-len', '4096', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '4']);
    expect(c.env).toContainEqual({ name: 'A', value: 'b' });
    expect(predictor.securityContext.runAsUser).toBe(3000);
  });

  test('an unfit model and a tensor parallel size other than the GPUs are refused', () => {
    const size = { parameters: 70, architecture: ModelArchitecture.LLAMA_3_70B, contextLength: 8192 };
    expectValidationError(() => synthChart((chart) => new KServeInferenceService(chart, 'Llama', props(chart, { size }))), 'size', /does not fit 1 A10G GPU of pool 'a10g'/);
    expectValidationError(() => synthChart((chart) => new KServeInferenceService(chart, 'Llama', props(chart, { tensorParallelSize: 2 }))), 'tensorParallelSize', '2');
  });
});
