import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ModelAutoscaling } from './model-autoscaling';
import type { ModelServingOptions } from './model-server';
import { ModelSource } from './model-source';
import { ValidationError } from '../../core/errors';
import { IGpuPool } from '../../core/gpu-pool';
import { PlatformLabels } from '../../core/labels';
import { ModelRuntime } from '../../core/model-runtime';
import { IModelService } from '../../core/model-service';
import { Names } from '../../core/names';
import { checkProps } from '../../core/private/runtime-types';
import { resolveGpuWorkload } from '../private/gpu-workload';
import { modelDisruption, resolveRolloutSurge } from '../private/model-disruption';
import { buildModelPod } from '../private/model-pod';
import { resolveServing, servingFor } from '../private/model-serving';
import { standardLabels, validateImage, validateInt } from '../private/pod';
import { registerModelName, reserveGpus } from '../private/tenant-registry';
import type { ITenant } from '../tenancy/tenant';

/**
 * Properties of a `KServeInferenceService`: the serving options every model shares (`ModelServingOptions`,
 * same defaults as `ModelServer`) plus where it runs and where its weights come from.
 */
export interface KServeInferenceServiceProps extends ModelServingOptions {
  /** The tenant that owns the model. */
  readonly tenant: ITenant;
  /** The model name (DNS-1123 label, at most 45 characters so KServe's `<name>-predictor` objects fit). */
  readonly modelName: string;
  /** Where the weights come from. */
  readonly source: ModelSource;
  /** The GPU pool. */
  readonly pool: IGpuPool;
}

/** KServe appends `-predictor` (and a namespace) to names; keep the whole within a DNS-1123 label. */
const MAX_NAME = 45;
/**
 * The port KServe's predictor Service exposes in front of the first container port: `constants.CommonDefaultHttpPort`
 * (kserve/kserve v0.19.0, b0eda63d2c105479140af8ec9149d992b7e44be5, pkg/constants/constants.go;
 * pkg/controller/v1beta1/inferenceservice/reconcilers/service/service_reconciler.go createDefaultSvc: port 80,
 * named after the container port, targetPort the container port; further container ports keep their number).
 */
const KSERVE_SERVICE_PORT = 80;

/**
 * A model served through KServe (`serving.kserve.io/v1beta1` InferenceService) in `Standard` (raw
 * deployment) mode, with the same hardened, GPU-scheduled pod as `ModelServer` (custom predictor container,
 * init containers for weights), and LLM-signal autoscaling (KEDA on the `<model>-predictor`
 * Deployment) instead of KServe's CPU HPA.
 */
export class KServeInferenceService extends Construct implements IModelService {
  /** The InferenceService name. */
  public readonly modelName: string;
  /** The owning tenant. */
  public readonly tenant: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The Deployment (and Service) KServe creates for the predictor. */
  public readonly predictorName: string;
  /** The Service that fronts the model: KServe's predictor Service. */
  public readonly serviceName: string;
  /** The port of KServe's predictor Service that serves HTTP (80, in front of the runtime's HTTP port). (Always set; optional in the type because IModelService declares it optional, as jsii requires.) */
  public readonly servicePort?: number;
  /** Extra replicas a rollout starts before it stops old ones. */
  public readonly rolloutSurge: number;
  /** The runtime. */
  public readonly runtime: ModelRuntime;
  /** The ServiceAccount the predictor pods run as (the model name). */
  public readonly serviceAccountName: string;
  /** Labels that select the predictor pods. */
  public readonly selectorLabels: { [key: string]: string };
  /** The versions served: `['stable']` (KServe canaries are not modelled). */
  public readonly versions: string[];

  constructor(scope: Construct, id: string, props: KServeInferenceServiceProps) {
    super(scope, id);
    checkProps('k8s.KServeInferenceServiceProps', props, 'props', this);
    if ((props.adapters ?? []).length > 0) {
      throw new ValidationError('adapters', 'are not served by KServeInferenceService (its predictor runs the runtime without the adapters\' downloads)', props.adapters!.map((a) => a.name),
        "serve the model with ModelServer (platform: leave 'kserve' off), or remove 'adapters'", this);
    }
    this.modelName = Names.validateDns1123Label('modelName', props.modelName, this);
    if (this.modelName.length > MAX_NAME) {
      throw new ValidationError('modelName', `must be at most ${MAX_NAME} characters for KServe (is ${this.modelName.length})`, props.modelName,
        `shorten it, e.g. '${Names.toDns1123Label(this.modelName, MAX_NAME)}'`, this);
    }
    this.namespace = props.tenant.namespace;
    this.tenant = props.tenant.tenantName;
    this.predictorName = `${this.modelName}-predictor`;
    this.serviceName = this.predictorName;
    this.servicePort = KSERVE_SERVICE_PORT;
    this.runtime = props.runtime;
    this.serviceAccountName = this.modelName;
    this.selectorLabels = { [PlatformLabels.MODEL]: this.modelName };
    this.versions = ['stable'];
    const allowUnpinned = props.allowUnpinnedImages ?? false;
    validateImage('image', props.image, allowUnpinned, this, 'allowUnpinnedImages');
    const w = resolveGpuWorkload(this, {
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
    const tensorParallelSize = props.tensorParallelSize ?? w.gpus;
    if (tensorParallelSize !== w.gpus) {
      throw new ValidationError('tensorParallelSize', `must equal gpusPerReplica (${w.gpus}): one replica shards the model over exactly its GPUs`, props.tensorParallelSize,
        `set 'tensorParallelSize' to ${w.gpus} or leave it unset`, this);
    }
    const serving = servingFor(resolveServing(this, this.modelName, props, props.pool, w.gpus), props.source);
    const version = props.version ?? props.source.revision;
    if (!Names.isLabelValue(version) || version === '') {
      throw new ValidationError(props.version === undefined ? 'source.revision' : 'version', 'must be a valid label value to be used as the version', version,
        "set 'version' to at most 63 letters, digits, '-', '_' or '.', e.g. '2024-06-01'", this);
    }
    const replicas = props.replicas ?? { min: 2, max: 4 };
    validateInt('replicas.min', replicas.min, 1, Number.MAX_SAFE_INTEGER, 'run at least one replica', this);
    validateInt('replicas.max', replicas.max, replicas.min, Number.MAX_SAFE_INTEGER, `set max to at least min (${replicas.min})`, this);
    const autoscaling = props.autoscaling ?? ModelAutoscaling.keda();
    this.rolloutSurge = resolveRolloutSurge(props.rolloutSurge, replicas.min, 'rolloutSurge', this);
    registerModelName(props.tenant, this.modelName, this);
    const maxReplicas = autoscaling.isAutoscaled ? replicas.max : replicas.min;
    const surge = this.rolloutSurge;
    reserveGpus(props.tenant, `kserve/${this.modelName}`, {
      owner: `inference service ${this.modelName} (${maxReplicas}${surge > 0 ? ` + ${surge} rollout surge` : ''} x ${w.gpus} GPUs)`,
      gpus: (maxReplicas + surge) * w.gpus,
    }, autoscaling.isAutoscaled ? 'replicas.max' : 'replicas.min', maxReplicas, this);
    const disruption = modelDisruption(replicas.min, surge);

    const labels = standardLabels({
      [PlatformLabels.NAME]: this.modelName,
      [PlatformLabels.COMPONENT]: 'model-server',
      [PlatformLabels.PART_OF]: props.tenant.tenantName,
      [PlatformLabels.TENANT]: props.tenant.tenantName,
      [PlatformLabels.MODEL]: this.modelName,
      [PlatformLabels.MODEL_VERSION]: 'stable',
      [PlatformLabels.VERSION]: version,
      [PlatformLabels.ENVIRONMENT]: props.tenant.environment,
    });
    new ApiObject(this, 'ServiceAccount', {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: this.modelName, namespace: this.namespace, labels }, automountServiceAccountToken: serving.automountServiceAccountToken,
    });
    const pod = buildModelPod({
      scope: this,
      runtime: props.runtime,
      image: props.image,
      allowUnpinnedImages: allowUnpinned,
      source: props.source,
      verification: props.verification,
      pool: props.pool,
      gpus: w.gpus,
      tensorParallelSize,
      cpu: w.cpu,
      memory: w.memory,
      sharedMemory: w.sharedMemory,
      ...serving,
      serviceAccountName: this.modelName,
      spreadLabels: { [PlatformLabels.MODEL]: this.modelName },
    });
    const { containers, ...podFields } = pod.spec;
    new ApiObject(this, 'Resource', {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: {
        name: this.modelName,
        namespace: this.namespace,
        labels,
        annotations: {
          // `Standard` is the current name of raw deployment mode; `RawDeployment` is its deprecated alias
          // (kserve/kserve v0.19.0 pkg/constants/constants.go ParseDeploymentMode; vendored in
          // schemas/upstream/kserve/raw-deployment-v0.19.0.json `deploymentMode.aliases`).
          'serving.kserve.io/deploymentMode': 'Standard',
          'serving.kserve.io/autoscalerClass': autoscaling.isAutoscaled ? 'external' : 'none',
          // Also on the InferenceService itself: admission policies (LLM-GPU-004) read an InferenceService's
          // metadata as its pods' metadata.
          [PlatformLabels.MODEL_REVISION_ANNOTATION]: props.source.revision,
        },
      },
      spec: {
        predictor: {
          minReplicas: replicas.min,
          maxReplicas: autoscaling.isAutoscaled ? replicas.max : replicas.min,
          labels,
          annotations: {
            [PlatformLabels.MODEL_REVISION_ANNOTATION]: props.source.revision,
            // Istio metrics merging and the Pod Identity agent's capture exclusion (model-pod.ts).
            ...pod.annotations,
          },
          // Explicit, so neither KServe's default (25%/25%) nor its ConfigMap's rollout setting decides
          // (deployment_reconciler.go: a component's deploymentStrategy takes precedence).
          deploymentStrategy: disruption.strategy,
          ...podFields,
          containers: containers.map((c: any) => ({ ...c, name: 'kserve-container' })),
        },
      },
    });
    // KServe (v0.19.0) makes no PodDisruptionBudget for a raw deployment predictor.
    new ApiObject(this, 'Disruption', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: this.predictorName, namespace: this.namespace, labels },
      spec: { ...disruption.pdb, selector: { matchLabels: { ...this.selectorLabels } } },
    });
    autoscaling._bind(this, 'Autoscaler', {
      deploymentName: this.predictorName,
      namespace: this.namespace,
      labels,
      runtime: props.runtime,
      minReplicas: replicas.min,
      maxReplicas: replicas.max,
      podMatchers: `namespace="${this.namespace}",pod=~"${this.predictorName}-.*"`,
    });
  }
}
