import { ApiObject, Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ModelAutoscaling } from './model-autoscaling';
import { ModelSource, WeightVerification } from './model-source';
import { ValidationError } from '../../core/errors';
import { IGpuPool } from '../../core/gpu-pool';
import { PlatformLabels } from '../../core/labels';
import { ModelRuntime } from '../../core/model-runtime';
import { IModelService } from '../../core/model-service';
import { ModelSizeProps } from '../../core/model-size';
import { Names } from '../../core/names';
import { checkArgs, checkProps } from '../../core/private/runtime-types';
import { resolveGpuWorkload } from '../private/gpu-workload';
import { defaultRolloutSurge, modelDisruption, resolveRolloutSurge } from '../private/model-disruption';
import { buildModelPod } from '../private/model-pod';
import { ResolvedServing, resolveServing, servingFor } from '../private/model-serving';
import { standardLabels, validateImage, validateInt } from '../private/pod';
import { registerModelName, reserveGpus } from '../private/tenant-registry';
import type { ITenant } from '../tenancy/tenant';

/**
 * A replica range.
 */
export interface ReplicaRange {
  /** The fewest replicas (at least 1). */
  readonly min: number;
  /** The most replicas (at least `min`). */
  readonly max: number;
}

/**
 * A second version of a model served next to the stable one (`<model>-candidate`), so the mesh can
 * shift traffic between them.
 */
export interface ModelVersionOptions {
  /** The version id (`app.kubernetes.io/version`), e.g. `2024-07-01`. */
  readonly version: string;
  /** Where the candidate's weights come from. */
  readonly source: ModelSource;
  /**
   * The candidate's server image.
   *
   * @default - the stable version's image
   */
  readonly image?: string;
  /**
   * Candidate replicas (fixed; the candidate is not autoscaled).
   *
   * @default 1
   */
  readonly replicas?: number;
  /**
   * Integrity check of the candidate's weights.
   *
   * @default - the stable version's verification
   */
  readonly verification?: WeightVerification;
}

/**
 * A LoRA adapter a model server loads next to its base weights.
 */
export interface LoraAdapter {
  /**
   * The adapter's name: what requests put in `model` (a DNS-1123 label, unique per model, not the served model name).
   */
  readonly name: string;
  /** Its weights (S3, the platform's model store or Hugging Face, pinned; a PVC is not supported for adapters). */
  readonly weights: ModelSource;
}

/**
 * How a model is served: everything `ModelServer`, `KServeInferenceService` and the platform spec's model
 * entry (`platform.ModelSpec`) share, with the same defaults in each. What differs between them is only
 * where the model runs and where its weights come from (a construct or a name in the spec).
 */
export interface ModelServingOptions {
  /** The runtime: `ModelRuntime.VLLM`, `TRITON`, `TGI` or `custom(...)`. */
  readonly runtime: ModelRuntime;
  /** The server image, pinned by digest (`<repo>@sha256:<digest>`). */
  readonly image: string;
  /**
   * Accept images referenced by tag only (the server's and the helper images). For development only:
   * a tag can be moved to other content.
   *
   * @default false
   */
  readonly allowUnpinnedImages?: boolean;
  /**
   * Verify the downloaded weights (cosign + checksums) before the server starts.
   *
   * @default - no verification
   */
  readonly verification?: WeightVerification;
  /**
   * The model's size (parameters and data type, or weight bytes) and its context and concurrency
   * targets. When set, the weights volume and the server's ephemeral-storage request are sized from the
   * weights, the context, concurrency and GPU memory flags derive from it, and the model must fit the GPU
   * memory of `gpusPerReplica` GPUs of the pool's smallest GPU (weights plus KV cache, at
   * `gpuMemoryUtilization`).
   *
   * @default - not sized: the source's weights volume (100 GiB), the runtime's own context and batching
   */
  readonly size?: ModelSizeProps;
  /**
   * GPUs per replica (`nvidia.com/gpu` requests == limits); at most the pool's GPUs per node.
   *
   * @default 1
   */
  readonly gpusPerReplica?: number;
  /**
   * Tensor-parallel size; must equal `gpusPerReplica`.
   *
   * @default - gpusPerReplica
   */
  readonly tensorParallelSize?: number;
  /**
   * CPU cores per replica (requests == limits).
   *
   * @default - 70% of the smallest pool instance's per-GPU vCPU share times the GPUs (the rest is left for kubelet reserve and daemonsets), at least 1
   */
  readonly cpu?: number;
  /**
   * Memory per replica (requests == limits).
   *
   * @default - 70% of the smallest pool instance's per-GPU memory share times the GPUs, at least 4 GiB
   */
  readonly memory?: Size;
  /**
   * Size of the memory-backed `/dev/shm` (counts against `memory`).
   *
   * @default - the runtime's `sharedMemoryGiB`, at most half of `memory`
   */
  readonly sharedMemory?: Size;
  /**
   * Size limit of the node-local volume the weights are synced or downloaded to (S3 and Hugging Face
   * sources; a PVC source has no such volume).
   *
   * @default - from `size` (the weights plus headroom) when set, else the source's `volumeSize` (100 GiB)
   */
  readonly weightsVolumeSize?: Size;
  /**
   * Replica range.
   *
   * @default { min: 2, max: 4 }
   */
  readonly replicas?: ReplicaRange;
  /**
   * How the model scales (KEDA's triggers and scale-down tuning, an HPA, or fixed).
   *
   * @default ModelAutoscaling.keda()
   */
  readonly autoscaling?: ModelAutoscaling;
  /**
   * Extra replicas a rollout starts before it stops old ones (the Deployment's `maxSurge`; `maxUnavailable`
   * is then 0). With 0, a rollout replaces one replica at a time in place (`maxUnavailable: 1`), which
   * needs at least 2 replicas to keep serving. Surge replicas count against the tenant's GPU quota (at the
   * most replicas) and need room in the pool.
   *
   * @default - 1 when `replicas.min` is 1 (a single replica would otherwise go down on every rollout), else 0
   */
  readonly rolloutSurge?: number;
  /**
   * The version id of the stable version (`app.kubernetes.io/version`).
   *
   * @default - the source's revision
   */
  readonly version?: string;
  /**
   * The name clients use for the model.
   *
   * @default - the model name
   */
  readonly servedModelName?: string;
  /**
   * Maximum context length in tokens (vLLM `--max-model-len`, TGI `--max-total-tokens`).
   *
   * @default - `size.contextLength` when set, else the model's own
   */
  readonly maxModelLength?: number;
  /**
   * Fraction of GPU memory the runtime may use (vLLM `--gpu-memory-utilization`, TGI `--cuda-memory-fraction`).
   *
   * @default - 0.9 (vLLM's own default) when `size` is set and the runtime has the flag, else the runtime's default
   */
  readonly gpuMemoryUtilization?: number;
  /**
   * The most requests one replica batches at once (vLLM `--max-num-seqs`, TGI `--max-concurrent-requests`).
   *
   * @default - `size.concurrency` when set, else the runtime's default
   */
  readonly maxConcurrency?: number;
  /**
   * LoRA adapters the server loads at start (vLLM's `--enable-lora --lora-modules <name>=<path>`, `--max-loras` the
   * number of adapters so that one batch can use all of them): each adapter's weights are downloaded like the
   * base weights, into `/adapters/<name>`. A request names an adapter as its `model`. vLLM only.
   *
   * @default - no adapters
   */
  readonly adapters?: LoraAdapter[];
  /**
   * The largest LoRA rank the server accepts (vLLM `--max-lora-rank`); an adapter of a higher rank fails to load.
   *
   * @default - vLLM's default
   */
  readonly maxLoraRank?: number;
  /**
   * Size limit of the node-local volume the adapters are downloaded to.
   *
   * @default Size.gibibytes(10)
   */
  readonly adaptersVolumeSize?: Size;
  /**
   * Extra server arguments (after the ones the runtime preset derives).
   *
   * @default - none
   */
  readonly extraArgs?: string[];
  /**
   * Extra environment variables of the server container.
   *
   * @default - none
   */
  readonly env?: { [key: string]: string };
  /**
   * How long the server may take to load weights and become ready (startup probe budget).
   *
   * @default Duration.minutes(30)
   */
  readonly startupTimeout?: Duration;
  /**
   * How long the pod keeps serving after deletion starts, while endpoints are withdrawn (preStop).
   *
   * @default Duration.seconds(15)
   */
  readonly preStopDelay?: Duration;
  /**
   * The longest generation in flight at shutdown (added to the termination grace period).
   *
   * @default Duration.minutes(5)
   */
  readonly maxRequestDuration?: Duration;
  /**
   * UID (and GID) the pods run as.
   *
   * @default 1000
   */
  readonly runAsUser?: number;
  /**
   * Mount a Kubernetes API token into the pods (EKS Pod Identity does not need it).
   *
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
}

/**
 * Options of a model server (everything but the tenant; `Tenant.addModel` takes these).
 */
export interface ModelServerOptions extends ModelServingOptions {
  /** The model name (DNS-1123 label, at most 53 characters so `<model>-candidate` fits), e.g. `llama3-8b`. */
  readonly modelName: string;
  /** Where the weights come from. */
  readonly source: ModelSource;
  /** The GPU pool to run on (its labels and taints become node affinity and tolerations). */
  readonly pool: IGpuPool;
  /**
   * A candidate version served next to the stable one.
   *
   * @default - none (add one later with `addCandidate`)
   */
  readonly candidate?: ModelVersionOptions;
}

/**
 * Properties of a `ModelServer`.
 */
export interface ModelServerProps extends ModelServerOptions {
  /** The tenant that owns the model (its namespace, GPU entitlement and quota). */
  readonly tenant: ITenant;
}

/** Longest model name: `<model>-candidate` must be a DNS-1123 label (63). */
const MAX_MODEL_NAME = 53;
/** Deployment progress deadline on top of the startup budget (image pull, scheduling, node launch). */
const PROGRESS_SLACK = Duration.minutes(15);

interface VersionSpec {
  readonly track: string;
  readonly version: string;
  readonly source: ModelSource;
  readonly image: string;
  readonly verification?: WeightVerification;
  readonly replicas?: number;
}

/**
 * A model served on GPUs: one Deployment per version (`<model>-stable`, `<model>-candidate`) with a
 * hardened, Guaranteed-QoS, GPU-scheduled pod, one Service (`<model>`) in front of every version, a
 * ServiceAccount (`<model>`) for Pod Identity, PodDisruptionBudgets and an autoscaler (KEDA by default).
 *
 * ```ts
 * new ModelServer(chart, 'Llama', {
 *   tenant, modelName: 'llama3-8b', runtime: ModelRuntime.VLLM, pool,
 *   image: 'vllm/vllm-openai:v0.10.1@sha256:...',
 *   source: ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: '<40-hex sha>' }),
 * });
 * ```
 */
export class ModelServer extends Construct implements IModelService {
  /**
   * The rollout surge a model gets by default: 1 for a single replica (it would otherwise go down on every
   * rollout), 0 from 2 replicas (replaced one at a time, the others serve).
   */
  public static defaultRolloutSurge(replicasMin: number): number {
    checkArgs('k8s.ModelServer#defaultRolloutSurge', [replicasMin]);
    return defaultRolloutSurge(replicasMin);
  }

  public readonly modelName: string;
  public readonly tenant: string;
  public readonly namespace: string;
  public readonly serviceName: string;
  /** The port of `serviceName` that serves HTTP: the runtime's HTTP port. (Always set; optional in the type because IModelService declares it optional, as jsii requires.) */
  public readonly servicePort?: number;
  public readonly runtime: ModelRuntime;
  public readonly serviceAccountName: string;
  public readonly selectorLabels: { [key: string]: string };
  /** The GPU pool. */
  public readonly pool: IGpuPool;
  /** GPUs per replica. */
  public readonly gpusPerReplica: number;
  /** Tensor-parallel size. */
  public readonly tensorParallelSize: number;
  /** CPU cores per replica. */
  public readonly cpu: number;
  /** Memory per replica. */
  public readonly memory: Size;
  /** Size of `/dev/shm`. */
  public readonly sharedMemory: Size;
  /** Replica range of the stable version. */
  public readonly replicas: ReplicaRange;
  /** The autoscaling mode. */
  public readonly autoscaling: ModelAutoscaling;
  /** Extra replicas a rollout of the stable version starts before it stops old ones. */
  public readonly rolloutSurge: number;
  /** The stable version id. */
  public readonly version: string;
  /** The Deployment name of each version track (`stable` -> `<model>-stable`). */
  public readonly deploymentNames: { [track: string]: string } = {};

  private readonly props: ModelServerProps;
  private readonly serving: ResolvedServing;
  private readonly tenantRef: ITenant;
  private readonly tracks: string[] = [];
  private readonly common: { [key: string]: string };

  constructor(scope: Construct, id: string, props: ModelServerProps) {
    super(scope, id);
    checkProps('k8s.ModelServerProps', props, 'props', this);
    this.props = props;
    this.tenantRef = props.tenant;
    this.modelName = Names.validateDns1123Label('modelName', props.modelName, this);
    if (this.modelName.length > MAX_MODEL_NAME) {
      throw new ValidationError('modelName', `must be at most ${MAX_MODEL_NAME} characters so '<model>-candidate' is a DNS-1123 label (is ${this.modelName.length})`,
        props.modelName, `shorten it, e.g. '${Names.toDns1123Label(this.modelName, MAX_MODEL_NAME)}'`, this);
    }
    this.tenant = props.tenant.tenantName;
    this.namespace = props.tenant.namespace;
    this.serviceName = this.modelName;
    this.servicePort = props.runtime.httpPort;
    this.serviceAccountName = this.modelName;
    this.runtime = props.runtime;
    this.pool = props.pool;
    this.selectorLabels = { [PlatformLabels.MODEL]: this.modelName };
    validateImage('image', props.image, props.allowUnpinnedImages ?? false, this, 'allowUnpinnedImages');

    const workload = resolveGpuWorkload(this, {
      what: `model '${this.modelName}'`,
      gpusProp: 'gpusPerReplica',
      gpus: props.gpusPerReplica,
      pool: props.pool,
      tenant: props.tenant,
      cpu: props.cpu,
      memory: props.memory,
      sharedMemory: props.sharedMemory,
      sharedMemoryGiB: props.runtime.sharedMemoryGiB,
    });
    this.gpusPerReplica = workload.gpus;
    this.tensorParallelSize = props.tensorParallelSize ?? this.gpusPerReplica;
    if (this.tensorParallelSize !== this.gpusPerReplica) {
      throw new ValidationError('tensorParallelSize', `must equal gpusPerReplica (${this.gpusPerReplica}): one replica shards the model over exactly its GPUs`, props.tensorParallelSize,
        `set 'tensorParallelSize' to ${this.gpusPerReplica} or leave it unset`, this);
    }
    this.cpu = workload.cpu;
    this.memory = workload.memory;
    this.sharedMemory = workload.sharedMemory;

    this.replicas = props.replicas ?? { min: 2, max: 4 };
    validateInt('replicas.min', this.replicas.min, 1, Number.MAX_SAFE_INTEGER, 'run at least one replica', this);
    validateInt('replicas.max', this.replicas.max, this.replicas.min, Number.MAX_SAFE_INTEGER, `set max to at least min (${this.replicas.min})`, this);
    this.autoscaling = props.autoscaling ?? ModelAutoscaling.keda();
    this.version = props.version ?? props.source.revision;
    validateVersion(props.version === undefined ? 'source.revision' : 'version', this.version, this);

    this.rolloutSurge = resolveRolloutSurge(props.rolloutSurge, this.replicas.min, 'rolloutSurge', this);
    this.serving = resolveServing(this, this.modelName, props, this.pool, this.gpusPerReplica);

    // Entitlement and one replica within quota are checked above; now the name and every replica, plus the
    // surge replicas a rollout at the most replicas starts (ResourceQuota admission would refuse them).
    registerModelName(props.tenant, this.modelName, this);
    this.reserve('stable', this.autoscaling.isAutoscaled ? this.replicas.max : this.replicas.min, this.rolloutSurge,
      this.autoscaling.isAutoscaled ? 'replicas.max' : 'replicas.min');

    this.common = standardLabels({
      [PlatformLabels.NAME]: this.modelName,
      [PlatformLabels.COMPONENT]: 'model-server',
      [PlatformLabels.PART_OF]: this.tenant,
      [PlatformLabels.TENANT]: this.tenant,
      [PlatformLabels.MODEL]: this.modelName,
      [PlatformLabels.ENVIRONMENT]: props.tenant.environment,
    });

    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: this.meta(this.serviceAccountName),
      automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    });

    const rt = this.runtime;
    const ports: any[] = [{ name: 'http', port: rt.httpPort, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }];
    if (rt.grpcPort !== undefined) ports.push({ name: 'grpc', port: rt.grpcPort, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' });
    if (rt.metricsPort !== undefined && rt.metricsPort !== rt.httpPort && rt.metricsPort !== rt.grpcPort) {
      ports.push({ name: 'http-metrics', port: rt.metricsPort, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' });
    }
    new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: this.meta(this.serviceName),
      spec: { type: 'ClusterIP', selector: { ...this.selectorLabels }, ports },
    });

    this.addVersion('Stable', {
      track: 'stable',
      version: this.version,
      source: props.source,
      image: props.image,
      verification: props.verification,
    });
    this.autoscaling._bind(this, 'Autoscaler', this.autoscalingTarget('stable'));

    if (props.candidate) this.addCandidate(props.candidate);
  }

  /** The version tracks served (`stable`, plus `candidate` once added). */
  public get versions(): string[] {
    return [...this.tracks];
  }

  /**
   * Serve a candidate version next to the stable one (`<model>-candidate`, same Service), for the
   * mesh to shift traffic to. Its replicas (plus one rollout surge replica when it runs a single one)
   * count against the tenant's GPU quota.
   */
  public addCandidate(options: ModelVersionOptions): void {
    checkProps('k8s.ModelVersionOptions', options, 'options', this);
    if (this.tracks.includes('candidate')) {
      throw new ValidationError('candidate', 'is already set for this model', options.version, 'promote or remove the current candidate first (one candidate per model)', this);
    }
    validateVersion('candidate.version', options.version, this);
    const sameImage = (options.image ?? this.props.image) === this.props.image;
    if (options.version === this.version && options.source.uri === this.props.source.uri && sameImage) {
      throw new ValidationError('candidate.version', 'must differ from the stable version', options.version, 'serve new weights or a new image as the candidate', this);
    }
    const replicas = validateInt('candidate.replicas', options.replicas ?? 1, 1, Number.MAX_SAFE_INTEGER, 'run at least one candidate replica', this);
    const image = options.image ?? this.props.image;
    validateImage('candidate.image', image, this.props.allowUnpinnedImages ?? false, this, 'allowUnpinnedImages');
    this.reserve('candidate', replicas, defaultRolloutSurge(replicas), 'candidate.replicas');
    this.addVersion('Candidate', {
      track: 'candidate',
      version: options.version,
      source: options.source,
      image,
      verification: options.verification ?? this.props.verification,
      replicas,
    });
  }

  /**
   * The PromQL label matchers that select the pods of a version track (for autoscaling and alerting),
   * e.g. `namespace="search",pod=~"llama3-8b-stable-.*"`.
   */
  public podMatchers(track: string): string {
    checkArgs('k8s.ModelServer#podMatchers', [track], this);
    return `namespace="${this.namespace}",pod=~"${this.modelName}-${track}-.*"`;
  }

  private reserve(track: string, replicas: number, surge: number, prop: string): void {
    reserveGpus(this.tenantRef, `model/${this.modelName}/${track}`, {
      owner: `model ${this.modelName} (${track}, ${replicas}${surge > 0 ? ` + ${surge} rollout surge` : ''} x ${this.gpusPerReplica} GPUs)`,
      gpus: (replicas + surge) * this.gpusPerReplica,
    }, prop, replicas, this);
  }

  private autoscalingTarget(track: string) {
    return {
      deploymentName: this.deploymentNames[track],
      namespace: this.namespace,
      labels: this.common,
      runtime: this.runtime,
      minReplicas: this.replicas.min,
      maxReplicas: this.replicas.max,
      podMatchers: this.podMatchers(track),
    };
  }

  private meta(name: string, labels: { [key: string]: string } = this.common) {
    return { name, namespace: this.namespace, labels };
  }

  private addVersion(id: string, v: VersionSpec): void {
    const p = this.props;
    const name = `${this.modelName}-${v.track}`;
    this.deploymentNames[v.track] = name;
    this.tracks.push(v.track);
    const selector = { [PlatformLabels.MODEL]: this.modelName, [PlatformLabels.MODEL_VERSION]: v.track };
    const labels = standardLabels({
      ...this.common,
      [PlatformLabels.INSTANCE]: name,
      [PlatformLabels.VERSION]: v.version,
      [PlatformLabels.MODEL_VERSION]: v.track,
    });
    const serving = servingFor(this.serving, v.source);
    const startupTimeout = serving.startupTimeout;
    const pod = buildModelPod({
      scope: this,
      runtime: this.runtime,
      image: v.image,
      allowUnpinnedImages: p.allowUnpinnedImages ?? false,
      source: v.source,
      verification: v.verification,
      pool: this.pool,
      gpus: this.gpusPerReplica,
      tensorParallelSize: this.tensorParallelSize,
      cpu: this.cpu,
      memory: this.memory,
      sharedMemory: this.sharedMemory,
      ...serving,
      serviceAccountName: this.serviceAccountName,
      spreadLabels: selector,
    });
    const autoscaled = v.track === 'stable' && this.autoscaling.isAutoscaled;
    const replicas = v.replicas ?? this.replicas.min;
    const disruption = modelDisruption(replicas, v.track === 'stable' ? this.rolloutSurge : defaultRolloutSurge(replicas));
    new ApiObject(this, id, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: this.meta(name, labels),
      spec: {
        // Left to the autoscaler when there is one (GitOps must not fight it).
        ...(autoscaled ? {} : { replicas }),
        selector: { matchLabels: selector },
        revisionHistoryLimit: 3,
        progressDeadlineSeconds: startupTimeout.toSeconds() + PROGRESS_SLACK.toSeconds(),
        // Surge for a single replica, else one at a time (the surge is within the tenant quota: see reserve()).
        strategy: disruption.strategy,
        template: {
          metadata: {
            labels,
            // No karpenter.sh/do-not-disrupt: it would pin the node against drift until terminationGracePeriod;
            // the PodDisruptionBudget below says how many replicas may go.
            annotations: {
              [PlatformLabels.MODEL_REVISION_ANNOTATION]: v.source.revision,
              'kubectl.kubernetes.io/default-container': 'server',
              // Istio metrics merging and the Pod Identity agent's capture exclusion (model-pod.ts).
              ...pod.annotations,
            },
          },
          spec: pod.spec,
        },
      },
    });
    new ApiObject(this, `${id}Disruption`, {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: this.meta(name, labels),
      spec: { ...disruption.pdb, selector: { matchLabels: selector } },
    });
  }
}

function validateVersion(prop: string, version: string, scope: Construct): void {
  if (!Names.isLabelValue(version) || version === '') {
    throw new ValidationError(prop, 'must be a valid label value to be used as the version', version,
      "set 'version' to at most 63 letters, digits, '-', '_' or '.', e.g. '2024-06-01'", scope);
  }
}
