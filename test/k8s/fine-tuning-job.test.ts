import { Duration, Size } from 'cdk8s';
import { PlatformLabels } from '../../src/core';
import { ModelSource } from '../../src/k8s/serving/model-source';
import { FineTuningJob, FineTuningJobProps } from '../../src/k8s/training/fine-tuning-job';
import { findObject, synthChart } from '../util';
import { DIGEST, expectValidationError, hfSource, l40sPool, SHA, tenant } from './fixtures';

const IMAGE = `ghcr.io/acme/lora-trainer:1.2.0@${DIGEST}`;

function props(t: any, more: Partial<FineTuningJobProps> = {}): FineTuningJobProps {
  return {
    tenant: t,
    jobName: 'support-lora',
    image: IMAGE,
    command: ['python', '-m', 'train_lora'],
    baseModel: hfSource(),
    pool: l40sPool(),
    datasetUri: 's3://acme-data/support/2024-06/',
    adapterOutputUri: 's3://acme-models/adapters/support-lora/',
    ...more,
  };
}

describe('FineTuningJob', () => {
  test('PyTorchJob with master, typed LoRA env, GPU scheduling and hardening', () => {
    const objects = synthChart((chart) => { new FineTuningJob(chart, 'Lora', props(tenant(chart))); });
    const job = findObject(objects, 'PyTorchJob', 'support-lora');
    expect(job.metadata.namespace).toBe('search');
    expect(job.spec.runPolicy).toEqual({ cleanPodPolicy: 'None', backoffLimit: 2, ttlSecondsAfterFinished: 86400, activeDeadlineSeconds: 86400 });
    expect(job.spec.nprocPerNode).toBe('1');
    expect(Object.keys(job.spec.pytorchReplicaSpecs)).toEqual(['Master']);
    const tpl = job.spec.pytorchReplicaSpecs.Master.template;
    expect(tpl.metadata.annotations[PlatformLabels.MODEL_REVISION_ANNOTATION]).toBe(SHA);
    const c = tpl.spec.containers[0];
    expect(c.name).toBe('pytorch');
    expect(c.resources.requests).toEqual(c.resources.limits);
    expect(c.resources.limits['nvidia.com/gpu']).toBe('1');
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, runAsNonRoot: true });
    const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));
    expect(env).toMatchObject({
      BASE_MODEL_PATH: '/models/weights',
      BASE_MODEL_REVISION: SHA,
      DATASET_URI: 's3://acme-data/support/2024-06/',
      ADAPTER_OUTPUT_URI: 's3://acme-models/adapters/support-lora/',
      LORA_RANK: '16',
      LORA_ALPHA: '32',
      NUM_EPOCHS: '3',
      LEARNING_RATE: '0.0002',
    });
    expect(tpl.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    expect(tpl.spec.affinity.nodeAffinity).toBeDefined();
    expect(tpl.spec.automountServiceAccountToken).toBe(false);
    expect(tpl.spec.initContainers[0].name).toBe('fetch-weights');
    expect(findObject(objects, 'ServiceAccount', 'support-lora').automountServiceAccountToken).toBe(false);
  });

  test('workers, GPUs per worker and options', () => {
    const objects = synthChart((chart) => {
      new FineTuningJob(chart, 'Lora', props(tenant(chart), {
        workers: 2,
        gpusPerWorker: 4,
        cpu: 32,
        memory: Size.gibibytes(256),
        args: ['--bf16'],
        lora: { rank: 64, alpha: 16, epochs: 1, learningRate: 0.0001 },
        ttlAfterFinished: Duration.hours(2),
        backoffLimit: 0,
        activeDeadline: Duration.hours(6),
        baseModel: ModelSource.pvc({ claimName: 'base', revision: 'v1' }),
      }));
    });
    const job = findObject(objects, 'PyTorchJob', 'support-lora');
    expect(job.spec.pytorchReplicaSpecs.Worker.replicas).toBe(1);
    expect(job.spec.nprocPerNode).toBe('4');
    expect(job.spec.runPolicy).toMatchObject({ backoffLimit: 0, ttlSecondsAfterFinished: 7200, activeDeadlineSeconds: 21600 });
    const c = job.spec.pytorchReplicaSpecs.Worker.template.spec.containers[0];
    expect(c.args).toEqual(['--bf16']);
    expect(c.resources.limits).toEqual({ 'cpu': '32', 'memory': '256Gi', 'nvidia.com/gpu': '4' });
    expect(c.env).toContainEqual({ name: 'LORA_RANK', value: '64' });
    expect(c.env).toContainEqual({ name: 'BASE_MODEL_PATH', value: '/models' });
  });

  test('bad input', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 4 });
      expectValidationError(() => new FineTuningJob(chart, 'A', props(t, { jobName: 'Bad_Name' })), 'jobName', "'Bad_Name'");
      expectValidationError(() => new FineTuningJob(chart, 'B', props(t, { jobName: 'b', image: 'trainer:latest' })), 'image', "'trainer:latest'");
      expectValidationError(() => new FineTuningJob(chart, 'C', props(t, { jobName: 'c', datasetUri: 'acme-data/x' })), 'datasetUri', "'acme-data/x'");
      expectValidationError(() => new FineTuningJob(chart, 'D', props(t, { jobName: 'd', adapterOutputUri: 's3://acme/x' })), 'adapterOutputUri', "'s3://acme/x'");
      expectValidationError(() => new FineTuningJob(chart, 'E', props(t, { jobName: 'e', gpusPerWorker: 8 })), 'gpusPerWorker', '8');
      expectValidationError(() => new FineTuningJob(chart, 'F', props(t, { jobName: 'f', workers: 2, gpusPerWorker: 4 })), 'workers', '2');
      expectValidationError(() => new FineTuningJob(chart, 'G', props(t, { jobName: 'g', command: [] })), 'command', '[]');
      expectValidationError(() => new FineTuningJob(chart, 'H', props(t, { jobName: 'h', lora: { rank: 0 } })), 'lora.rank', '0');
      expectValidationError(() => new FineTuningJob(chart, 'I', props(t, { jobName: 'i', lora: { learningRate: 2 } })), 'lora.learningRate', '2');
      expectValidationError(() => new FineTuningJob(chart, 'J', props(t, { jobName: 'j', backoffLimit: -1 })), 'backoffLimit', '-1');
    });
    synthChart((chart) => {
      const web = tenant(chart, { tenantName: 'web', gpuQuota: 0 });
      expectValidationError(() => new FineTuningJob(chart, 'K', props(web)), 'tenant', "'web'");
    });
  });
});
