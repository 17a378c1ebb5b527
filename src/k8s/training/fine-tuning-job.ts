import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { IGpuPool } from '../../core/gpu-pool';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
import { wholeSeconds } from '../../core/private/durations';
import { checkProps } from '../../core/private/runtime-types';
import { resolveGpuWorkload } from '../private/gpu-workload';
import {
  containerSecurityContext, guaranteedResources, nodeAffinityFor, podSecurityContext, sizeQuantity, standardLabels, tolerationsFor,
  validateImage, validateInt,
} from '../private/pod';
import { reserveGpus } from '../private/tenant-registry';
import { EFA_HUGEPAGES_QUANTITY, EFA_HUGEPAGES_RESOURCE, EFA_RESOURCE, efaEnvironment } from './private/efa';
import { ModelSource } from '../serving/model-source';
import type { ITenant } from '../tenancy/tenant';

/**
 * LoRA hyperparameters.
 */
export interface LoraOptions {
  /**
   * Rank of the adapter matrices.
   *
   * @default 16
   */
  readonly rank?: number;
  /**
   * Scaling factor alpha.
   *
   * @default - 2 x rank
   */
  readonly alpha?: number;
  /**
   * Training epochs.
   *
   * @default 3
   */
  readonly epochs?: number;
  /**
   * Learning rate.
   *
   * @default 0.0002
   */
  readonly learningRate?: number;
}

/**
 * Properties of a `FineTuningJob`.
 */
export interface FineTuningJobProps {
  /** The tenant that runs the job. */
  readonly tenant: ITenant;
  /** The job name (DNS-1123 label, at most 50 characters). */
  readonly jobName: string;
  /** The training image (PyTorch + PEFT), pinned by digest. */
  readonly image: string;
  /**
   * Accept images referenced by tag only (development).
   *
   * @default false
   */
  readonly allowUnpinnedImages?: boolean;
  /** The command that trains (runs in every replica; PyTorchJob sets `MASTER_ADDR`, `RANK`, `WORLD_SIZE`). */
  readonly command: string[];
  /**
   * Extra arguments.
   *
   * @default - none
   */
  readonly args?: string[];
  /** The base model, pinned (fetched by an init container into `/models/weights`). */
  readonly baseModel: ModelSource;
  /** The training data, an `s3://bucket/prefix/` URI (passed as `DATASET_URI`). */
  readonly datasetUri: string;
  /** Where the adapter is written, an `s3://bucket/prefix/` URI in the model store (passed as `ADAPTER_OUTPUT_URI`). */
  readonly adapterOutputUri: string;
  /** The GPU pool. */
  readonly pool: IGpuPool;
  /**
   * GPUs per worker.
   *
   * @default 1
   */
  readonly gpusPerWorker?: number;
  /**
   * Workers in total (one master plus `workers - 1` workers).
   *
   * @default 1
   */
  readonly workers?: number;
  /**
   * Elastic Fabric Adapter interfaces each pod (master and workers) requests as `vpc.amazonaws.com/efa`
   * (requests = limits), so NCCL talks across nodes over EFA instead of TCP. Only for jobs of more than
   * one worker, on a pool whose instance types have EFA, whose nodes have the interfaces attached and run
   * the AWS EFA device plugin. Such pods also request `hugepages-2Mi: 5120Mi` and set `FI_PROVIDER=efa`
   * (plus `FI_EFA_USE_DEVICE_RDMA=1` on GPUDirect-RDMA instance types such as p4d and p5), as the EKS user
   * guide (node-efa) and aws-ofi-nccl's EFA cheatsheet describe. `KubernetesPlatform` sets it to the
   * pool's `maxEfaInterfaces` for multi-worker jobs on pools with `efa: true`.
   *
   * @default 0 - no EFA: workers on different nodes talk over TCP
   */
  readonly efaDevices?: number;
  /**
   * CPU cores per worker.
   *
   * @default - 70% of the pool's per-GPU vCPU share times the GPUs
   */
  readonly cpu?: number;
  /**
   * Memory per worker.
   *
   * @default - 70% of the pool's per-GPU memory share times the GPUs
   */
  readonly memory?: Size;
  /**
   * LoRA hyperparameters (passed as `LORA_RANK`, `LORA_ALPHA`, `NUM_EPOCHS`, `LEARNING_RATE`).
   *
   * @default - rank 16, alpha 32, 3 epochs, learning rate 0.0002
   */
  readonly lora?: LoraOptions;
  /**
   * How long a finished job (and its pods) is kept.
   *
   * @default Duration.days(1)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Retries before the job is marked failed.
   *
   * @default 2
   */
  readonly backoffLimit?: number;
  /**
   * The longest the job may run.
   *
   * @default Duration.hours(24)
   */
  readonly activeDeadline?: Duration;
}

const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([^\s]*\/)?$/;
/** NCCL shared memory for data-parallel training across GPUs of a node. */
const TRAINING_SHM_GIB = 16;

/**
 * LoRA fine-tuning of a pinned base model on GPUs as a Kubeflow `PyTorchJob` (kubeflow.org/v1), with
 * the serving layer's security and GPU-scheduling defaults: non-root, read-only root filesystem,
 * Guaranteed QoS, node affinity and tolerations of the pool, GPUs counted against the tenant's quota.
 */
export class FineTuningJob extends Construct {
  /** The PyTorchJob name. */
  public readonly jobName: string;
  /** The namespace. */
  public readonly namespace: string;
  /** GPUs per worker. */
  public readonly gpusPerWorker: number;
  /** Workers in total. */
  public readonly workers: number;
  /** EFA interfaces (`vpc.amazonaws.com/efa`) each pod requests; 0 when the job does not use EFA. */
  public readonly efaDevices: number;

  constructor(scope: Construct, id: string, props: FineTuningJobProps) {
    super(scope, id);
    checkProps('k8s.FineTuningJobProps', props, 'props', this);
    this.jobName = Names.validateDns1123Label('jobName', props.jobName, this);
    if (this.jobName.length > 50) {
      throw new ValidationError('jobName', 'must be at most 50 characters (pod names add -master-0 / -worker-N)', props.jobName, `shorten it, e.g. '${Names.toDns1123Label(this.jobName, 50)}'`, this);
    }
    this.namespace = props.tenant.namespace;
    const allowUnpinned = props.allowUnpinnedImages ?? false;
    validateImage('image', props.image, allowUnpinned, this, 'allowUnpinnedImages');
    if (!Array.isArray(props.command) || props.command.length === 0) {
      throw new ValidationError('command', 'must name the training command', props.command, "pass e.g. ['python', '-m', 'train_lora']", this);
    }
    for (const [prop, uri] of [['datasetUri', props.datasetUri], ['adapterOutputUri', props.adapterOutputUri]]) {
      if (!S3_URI.test(uri ?? '')) throw new ValidationError(prop, "must be an 's3://<bucket>/<prefix>/' URI ending with '/'", uri, "use e.g. 's3://acme-models/adapters/llama3-8b-support/'", this);
    }
    const w = resolveGpuWorkload(this, {
      what: `fine-tuning job '${this.jobName}'`,
      gpusProp: 'gpusPerWorker',
      gpus: props.gpusPerWorker,
      pool: props.pool,
      tenant: props.tenant,
      cpu: props.cpu,
      memory: props.memory,
      sharedMemoryGiB: TRAINING_SHM_GIB,
    });
    this.gpusPerWorker = w.gpus;
    this.workers = validateInt('workers', props.workers ?? 1, 1, Number.MAX_SAFE_INTEGER, 'run at least one worker', this);
    this.efaDevices = validateEfaDevices(props.efaDevices ?? 0, this.workers, props.pool, this);
    const owner = `fine-tuning job ${this.jobName} (${this.workers} x ${w.gpus} GPUs)`;
    reserveGpus(props.tenant, `job/${this.jobName}`, { owner, gpus: this.workers * w.gpus }, 'workers', this.workers, this);
    const lora = props.lora ?? {};
    const rank = validateInt('lora.rank', lora.rank ?? 16, 1, 1024, 'use e.g. 8, 16 or 64', this);
    const alpha = lora.alpha ?? 2 * rank;
    const epochs = validateInt('lora.epochs', lora.epochs ?? 3, 1, 1000, 'use e.g. 3', this);
    const lr = lora.learningRate ?? 0.0002;
    if (!(alpha > 0)) throw new ValidationError('lora.alpha', 'must be positive', lora.alpha, 'use e.g. 2 x rank', this);
    if (!(lr > 0 && lr < 1)) throw new ValidationError('lora.learningRate', 'must be in (0, 1)', lora.learningRate, 'use e.g. 0.0002', this);
    const backoffLimit = validateInt('backoffLimit', props.backoffLimit ?? 2, 0, 100, 'use e.g. 2', this);

    const labels = standardLabels({
      [PlatformLabels.NAME]: this.jobName,
      [PlatformLabels.COMPONENT]: 'fine-tuning',
      [PlatformLabels.PART_OF]: props.tenant.tenantName,
      [PlatformLabels.TENANT]: props.tenant.tenantName,
      [PlatformLabels.ENVIRONMENT]: props.tenant.environment,
    });
    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: this.jobName, namespace: this.namespace, labels }, automountServiceAccountToken: false,
    });

    const baseEnv = [
      { name: 'HOME', value: '/cache' },
      { name: 'XDG_CACHE_HOME', value: '/cache' },
      { name: 'HF_HOME', value: '/cache/huggingface' },
      { name: 'TMPDIR', value: '/tmp' },
    ];
    const baseMounts = [{ name: 'cache', mountPath: '/cache' }, { name: 'tmp', mountPath: '/tmp' }];
    const source = props.baseModel._render({
      serverImage: props.image, allowUnpinnedImages: allowUnpinned, scope: this, env: baseEnv, mounts: baseMounts,
    });
    const container = {
      name: 'pytorch',
      image: props.image,
      command: props.command,
      ...(props.args ? { args: props.args } : {}),
      env: [
        ...baseEnv,
        { name: 'BASE_MODEL_PATH', value: source.modelPath },
        { name: 'BASE_MODEL_REVISION', value: props.baseModel.revision },
        { name: 'DATASET_URI', value: props.datasetUri },
        { name: 'ADAPTER_OUTPUT_URI', value: props.adapterOutputUri },
        { name: 'OUTPUT_DIR', value: '/output' },
        { name: 'LORA_RANK', value: String(rank) },
        { name: 'LORA_ALPHA', value: String(alpha) },
        { name: 'NUM_EPOCHS', value: String(epochs) },
        { name: 'LEARNING_RATE', value: String(lr) },
        { name: 'HF_HUB_OFFLINE', value: '1' },
        ...(this.efaDevices > 0 ? efaEnvironment(props.pool.instanceTypes) : []),
      ],
      resources: withEfa(guaranteedResources(w.cpu, w.memory, w.gpus), this.efaDevices),
      securityContext: containerSecurityContext(),
      volumeMounts: [source.serverMount, ...baseMounts, { name: 'output', mountPath: '/output' }, { name: 'dshm', mountPath: '/dev/shm' }],
    };
    const template = {
      metadata: {
        labels,
        annotations: { 'karpenter.sh/do-not-disrupt': 'true', [PlatformLabels.MODEL_REVISION_ANNOTATION]: props.baseModel.revision },
      },
      spec: {
        serviceAccountName: this.jobName,
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        securityContext: podSecurityContext(1000),
        affinity: nodeAffinityFor(props.pool),
        tolerations: tolerationsFor(props.pool),
        initContainers: source.initContainers,
        containers: [container],
        volumes: [
          ...source.volumes,
          { name: 'cache', emptyDir: { sizeLimit: '20Gi' } },
          { name: 'tmp', emptyDir: { sizeLimit: '4Gi' } },
          { name: 'output', emptyDir: { sizeLimit: '20Gi' } },
          { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: sizeQuantity(w.sharedMemory) } },
        ],
      },
    };
    const replicaSpecs: any = { Master: { replicas: 1, restartPolicy: 'OnFailure', template } };
    if (this.workers > 1) replicaSpecs.Worker = { replicas: this.workers - 1, restartPolicy: 'OnFailure', template };
    new ApiObject(this, 'Resource', {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: this.jobName, namespace: this.namespace, labels },
      spec: {
        nprocPerNode: String(w.gpus),
        runPolicy: {
          cleanPodPolicy: 'None',
          backoffLimit,
          ttlSecondsAfterFinished: wholeSeconds('ttlAfterFinished', props.ttlAfterFinished ?? Duration.days(1), 0, 2147483647, 'use e.g. Duration.days(1)', this),
          activeDeadlineSeconds: wholeSeconds('activeDeadline', props.activeDeadline ?? Duration.hours(24), 1, Number.MAX_SAFE_INTEGER, 'use e.g. Duration.hours(24)', this),
        },
        pytorchReplicaSpecs: replicaSpecs,
      },
    });
  }
}

/** Validate `efaDevices` against the workers and the EFA interfaces of the pool's instance types. */
function validateEfaDevices(efa: number, workers: number, pool: IGpuPool, scope: FineTuningJob): number {
  validateInt('efaDevices', efa, 0, Number.MAX_SAFE_INTEGER, 'request the EFA interfaces of one node, e.g. 32 on p5.48xlarge, or 0', scope);
  if (efa === 0) return 0;
  if (workers < 2) {
    throw new ValidationError('efaDevices', 'is for jobs whose workers talk across nodes, but the job runs one worker', efa,
      "set 'workers' to 2 or more, or drop 'efaDevices'", scope);
  }
  const perNode = Math.min(...pool.instanceTypes.map((t) => t.maxEfaInterfaces));
  if (perNode === 0) {
    const without = pool.instanceTypes.filter((t) => t.maxEfaInterfaces === 0).map((t) => t.name);
    throw new ValidationError('efaDevices', `needs instance types with EFA, but pool '${pool.poolName}' has ${without.join(', ')} (no EFA interfaces)`, efa,
      "run the job on a pool of EFA instance types (e.g. p5.48xlarge, 32 interfaces) with 'efa: true', or drop 'efaDevices'", scope);
  }
  if (efa > perNode) {
    throw new ValidationError('efaDevices', `must fit the EFA interfaces of one node of pool '${pool.poolName}' (${perNode} on its smallest instance type)`, efa,
      `request at most ${perNode}`, scope);
  }
  return efa;
}

/** Resources plus EFA interfaces and the huge pages EFA pods request (requests = limits). */
function withEfa(resources: any, efa: number): any {
  if (efa === 0) return resources;
  const extra = { [EFA_HUGEPAGES_RESOURCE]: EFA_HUGEPAGES_QUANTITY, [EFA_RESOURCE]: String(efa) };
  return { requests: { ...resources.requests, ...extra }, limits: { ...resources.limits, ...extra } };
}
