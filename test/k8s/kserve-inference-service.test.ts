import { ModelRuntime, PlatformLabels } from '../../src/core';
import { KServeInferenceService } from '../../src/k8s/serving/kserve-inference-service';
import { ModelAutoscaling } from '../../src/k8s/serving/model-autoscaling';
import { PolicyCatalogue, PolicyEvaluator } from '../../src/policy';
import { findObject, findObjects, synthChart } from '../util';
import { a10gPool, expectValidationError, hfSource, SHA, tenant, VLLM_IMAGE } from './fixtures';

describe('KServeInferenceService', () => {
  test('raw deployment mode, same GPU/security defaults, KEDA on the predictor Deployment', () => {
    let isvc!: KServeInferenceService;
    const objects = synthChart((chart) => {
      isvc = new KServeInferenceService(chart, 'Llama', { tenant: tenant(chart), modelName: 'llama', runtime: ModelRuntime.VLLM, image: VLLM_IMAGE, source: hfSource(), pool: a10gPool() });
    });
    expect(isvc.predictorName).toBe('llama-predictor');
    const o = findObject(objects, 'InferenceService', 'llama');
    expect(o.metadata.annotations).toEqual({
      'serving.kserve.io/deploymentMode': 'RawDeployment',
      'serving.kserve.io/autoscalerClass': 'external',
      // policy LLM-GPU-004 reads an InferenceService's own metadata
      [PlatformLabels.MODEL_REVISION_ANNOTATION]: SHA,
    });
    const p = o.spec.predictor;
    expect(p.minReplicas).toBe(2);
    expect(p.maxReplicas).toBe(4);
    expect(p.annotations).toEqual({ 'karpenter.sh/do-not-disrupt': 'true', [PlatformLabels.MODEL_REVISION_ANNOTATION]: SHA });
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
