/**
 * The "done when" chart: 2 tenants, 3 models (vLLM, Triton, TGI; one with a candidate
 * version), Karpenter GPU classes, GPU node agents and a fine-tuning job, all through the strict harness.
 */
import { Chart } from 'cdk8s';
import { GpuInstanceType, ModelRuntime, PlatformLabels } from '../../src/core';
import {
  DcgmExporter, FineTuningJob, KarpenterGpuClass, ModelAutoscaling, ModelSource, NvidiaDevicePlugin, Tenant, WeightVerification,
} from '../../src/k8s';
import { Cel, PromQL } from '../../src/validation';
import { findObject, findObjects, synthChart } from '../util';
import { DIGEST, SHA } from './fixtures';

export function buildPlatform(chart: Chart): void {
  const a10g = new KarpenterGpuClass(chart, 'A10g', {
    poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_4XLARGE], nodeRole: 'acme-llm-prod-karpenter-node', discoveryTag: 'acme-llm-prod', maxNodes: 8,
  });
  const l40s = new KarpenterGpuClass(chart, 'L40s', {
    poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], nodeRole: 'acme-llm-prod-karpenter-node', discoveryTag: 'acme-llm-prod', maxNodes: 4,
  });
  new NvidiaDevicePlugin(chart, 'DevicePlugin');
  new DcgmExporter(chart, 'Dcgm');

  const search = new Tenant(chart, 'Search', { tenantName: 'search', gpuQuota: 12, environment: 'prod' });
  // mixtral: (1 replica + 1 rollout surge) x 4 GPUs, support-lora: 2 x 1
  const support = new Tenant(chart, 'Support', { tenantName: 'support', gpuQuota: 10, environment: 'prod' });

  const llama = search.addModel('Llama', {
    modelName: 'llama3-8b',
    runtime: ModelRuntime.VLLM,
    image: `vllm/vllm-openai:v0.10.1@${DIGEST}`,
    pool: a10g,
    source: ModelSource.s3({ bucket: 'acme-llm-prod-models', prefix: 'models/llama3-8b/', versionId: '2024-06-01' }),
    verification: WeightVerification.keyless({ certificateIdentity: 'https://github.com/acme/models/.github/workflows/publish.yml@refs/heads/main', certificateOidcIssuer: 'https://token.actions.githubusercontent.com' }),
    replicas: { min: 2, max: 6 },
  });
  llama.addCandidate({ version: '2024-07-01', source: ModelSource.s3({ bucket: 'acme-llm-prod-models', prefix: 'models/llama3-8b/', versionId: '2024-07-01' }) });
  search.addModel('Reranker', {
    modelName: 'reranker',
    runtime: ModelRuntime.TRITON,
    image: `nvcr.io/nvidia/tritonserver:25.01-py3@${DIGEST}`,
    pool: a10g,
    source: ModelSource.pvc({ claimName: 'reranker-repo', revision: 'r12' }),
    replicas: { min: 1, max: 3 },
  });
  support.addModel('Mixtral', {
    modelName: 'mixtral',
    runtime: ModelRuntime.TGI,
    image: `ghcr.io/huggingface/text-generation-inference:3.3.4@${DIGEST}`,
    pool: l40s,
    gpusPerReplica: 4,
    source: ModelSource.huggingFace({ modelId: 'mistralai/Mixtral-8x7B-Instruct-v0.1', revision: SHA, tokenSecret: { secretName: 'hf-token', key: 'token' } }),
    replicas: { min: 1, max: 1 },
    autoscaling: ModelAutoscaling.fixed(),
  });
  new FineTuningJob(chart, 'SupportLora', {
    tenant: support,
    jobName: 'support-lora',
    image: `ghcr.io/acme/lora-trainer:1.2.0@${DIGEST}`,
    command: ['python', '-m', 'train_lora'],
    baseModel: ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA }),
    pool: a10g,
    datasetUri: 's3://acme-llm-prod-data/support/2024-06/',
    adapterOutputUri: 's3://acme-llm-prod-models/adapters/support-lora/',
    workers: 2,
  });
}

describe('reference chart', () => {
  let objects: any[];
  beforeAll(() => { objects = synthChart(buildPlatform); });

  test('synthesizes and passes the harness with zero failures', () => {
    // synthChart throws on any schema or CRD CEL failure
    expect(objects.length).toBeGreaterThan(40);
    expect(findObjects(objects, 'Namespace').map((n) => n.metadata.name).sort()).toEqual(['search', 'support']);
    expect(findObjects(objects, 'Deployment').map((d) => d.metadata.name).sort()).toEqual(['llama3-8b-candidate', 'llama3-8b-stable', 'mixtral-stable', 'reranker-stable']);
    expect(findObjects(objects, 'NodePool')).toHaveLength(2);
    expect(findObjects(objects, 'EC2NodeClass')).toHaveLength(2);
    expect(findObject(objects, 'PyTorchJob', 'support-lora')).toBeDefined();
  });

  test('every GPU workload pod is hardened, Guaranteed QoS, pinned and labelled', () => {
    const pods = [
      ...findObjects(objects, 'Deployment').map((d) => d.spec.template),
      findObject(objects, 'PyTorchJob', 'support-lora').spec.pytorchReplicaSpecs.Master.template,
    ];
    for (const tpl of pods) {
      expect(tpl.metadata.labels[PlatformLabels.TENANT]).toMatch(/^(search|support)$/);
      expect(tpl.metadata.annotations[PlatformLabels.MODEL_REVISION_ANNOTATION]).toBeTruthy();
      for (const c of [...tpl.spec.containers, ...tpl.spec.initContainers]) {
        expect(c.image).toMatch(/@sha256:[0-9a-f]{64}$/);
        expect(c.resources.requests).toEqual(c.resources.limits);
        expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
      }
    }
  });

  test('a CEL admission rule over the synthesized pods holds (every model pod carries its revision)', () => {
    const rule = `object.spec.template.metadata.annotations.exists(k, k == '${PlatformLabels.MODEL_REVISION_ANNOTATION}')`;
    expect(Cel.compile(rule, ['object']).ok).toBe(true);
    for (const d of findObjects(objects, 'Deployment')) expect(Cel.evaluate(rule, { object: d }, ['object']).value).toBe(true);
  });

  test('every KEDA query parses', () => {
    for (const so of findObjects(objects, 'ScaledObject')) {
      for (const t of so.spec.triggers) expect(() => PromQL.parse(t.metadata.query)).not.toThrow();
    }
  });
});
