/**
 * The hardened, GPU-scheduled pod of a model server, shared by ModelServer (Deployments) and the
 * KServe InferenceService variant.
 */
import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import type { ResolvedServing } from './model-serving';
import {
  containerSecurityContext, guaranteedResources, nodeAffinityFor, podSecurityContext, sizeQuantity, tolerationsFor,
} from './pod';
import { ValidationError } from '../../core/errors';
import { IGpuPool } from '../../core/gpu-pool';
import { ModelRuntime } from '../../core/model-runtime';
import { ADAPTERS_DIR, ADAPTERS_VOLUME, ModelSource, renderAdapter, WeightVerification } from '../serving/model-source';

/** What the model pod is built from: the resolved serving fields plus the pod's placement and identity. */
export interface ModelPodInput extends ResolvedServing {
  readonly scope: IConstruct;
  readonly runtime: ModelRuntime;
  readonly image: string;
  readonly allowUnpinnedImages: boolean;
  readonly source: ModelSource;
  readonly verification?: WeightVerification;
  readonly pool: IGpuPool;
  readonly gpus: number;
  readonly tensorParallelSize: number;
  readonly cpu: number;
  readonly memory: Size;
  readonly sharedMemory: Size;
  readonly serviceAccountName: string;
  /** Labels selecting the pods of this version (topology spread). */
  readonly spreadLabels: { [key: string]: string };
}

/** Writable scratch space for the read-only root filesystem. */
const CACHE_SIZE = Size.gibibytes(20);
const TMP_SIZE = Size.gibibytes(4);
/** Probe cadence: startup every 10 s, readiness every 5 s, liveness every 10 s (6 misses = 1 min). */
const STARTUP_PERIOD_SECONDS = 10;

/** The scratch volumes (`/cache`, `/tmp`) every model pod has, counted into its ephemeral-storage request. */
export const MODEL_POD_SCRATCH = Size.gibibytes(CACHE_SIZE.toGibibytes() + TMP_SIZE.toGibibytes());

/**
 * A request (no limit: exceeding a container's ephemeral-storage limit evicts the pod) so the scheduler
 * places the pod on a node with room for its emptyDir volumes.
 */
function withEphemeralStorage(resources: any, storage?: Size): any {
  if (storage === undefined) return resources;
  return { ...resources, requests: { ...resources.requests, 'ephemeral-storage': sizeQuantity(storage) } };
}

/** The EKS Pod Identity agent's link-local address (EKS user guide, Pod Identity; mesh MeshEgress). */
const POD_IDENTITY_AGENT_CIDR = '169.254.170.23/32';

/**
 * The model pod's annotations for the Istio sidecar (istio/istio 1.30.3):
 * - metrics merging (`prometheus.io/scrape|port|path` of the runtime's metrics): with
 *   `meshConfig.enablePrometheusMerge` the injector moves them to the sidecar and points them at the
 *   agent's port 15020 (`/stats/prometheus`), which serves the runtime's and Envoy's metrics outside
 *   mTLS (pkg/kube/inject/webhook.go applyPrometheusMerge; observability MetricsMerging);
 * - an S3 source's weight download needs AWS credentials from the Pod Identity agent over plain HTTP:
 *   with native sidecars (Istio >= 1.27) the download init container is captured, and under
 *   REGISTRY_ONLY the link-local agent is not in the registry, so its address is left out of the
 *   capture (`traffic.sidecar.istio.io/excludeOutboundIPRanges`, read by the injection template).
 *   S3 itself goes through the sidecar, opened by a ServiceEntry (mesh MeshEgress).
 */
export function modelPodMeshAnnotations(runtime: ModelRuntime, source: ModelSource): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  if (runtime.hasMetrics && runtime.metricsPort !== undefined) {
    out['prometheus.io/scrape'] = 'true';
    out['prometheus.io/port'] = String(runtime.metricsPort);
    out['prometheus.io/path'] = runtime.metricsPath;
  }
  if (source.kind === 's3') out['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = POD_IDENTITY_AGENT_CIDR;
  return out;
}

/** The server container, init containers, volumes and pod-level fields. */
export function buildModelPod(input: ModelPodInput): { spec: any; containerPorts: any[]; annotations: { [key: string]: string } } {
  const rt = input.runtime;
  const baseEnv = [
    { name: 'HOME', value: '/cache' },
    { name: 'XDG_CACHE_HOME', value: '/cache' },
    { name: 'HF_HOME', value: '/cache/huggingface' },
    { name: 'TMPDIR', value: '/tmp' },
  ];
  const baseMounts = [
    { name: 'cache', mountPath: '/cache' },
    { name: 'tmp', mountPath: '/tmp' },
  ];
  const ctx = {
    serverImage: input.image,
    allowUnpinnedImages: input.allowUnpinnedImages,
    scope: input.scope,
    env: baseEnv,
    mounts: baseMounts,
    weightsVolumeSize: input.weightsVolumeSize,
  };
  const source = input.source._render(ctx);
  const verify = input.verification?._render(source, ctx);

  const args = rt.serverArgs({
    modelPath: source.modelPath,
    servedModelName: input.servedModelName,
    tensorParallelSize: rt.supportsTensorParallelFlag ? input.tensorParallelSize : 1,
    maxModelLength: input.maxModelLength,
    gpuMemoryUtilization: input.gpuMemoryUtilization,
    maxConcurrency: input.maxConcurrency,
  });
  // LoRA adapters (vLLM): all loaded at start, one batch may use every one of them
  const adapterInits = input.adapters.map((a, i) => renderAdapter(a.weights, a.name, ctx, `adapters[${i}].weights`));
  if (input.adapters.length > 0) {
    args.push('--enable-lora', '--max-loras', String(input.adapters.length));
    if (input.maxLoraRank !== undefined) args.push('--max-lora-rank', String(input.maxLoraRank));
    args.push('--lora-modules', ...input.adapters.map((a) => `${a.name}=${ADAPTERS_DIR}/${a.name}`));
  }
  args.push(...input.extraArgs);

  const ports: any[] = [{ name: 'http', containerPort: rt.httpPort, protocol: 'TCP' }];
  if (rt.grpcPort !== undefined) ports.push({ name: 'grpc', containerPort: rt.grpcPort, protocol: 'TCP' });
  if (rt.metricsPort !== undefined && rt.metricsPort !== rt.httpPort && rt.metricsPort !== rt.grpcPort) {
    ports.push({ name: 'metrics', containerPort: rt.metricsPort, protocol: 'TCP' });
  }

  const userEnv = Object.keys(input.env).sort().map((name) => ({ name, value: input.env[name] }));
  for (const e of userEnv) {
    if (!/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(e.name)) {
      throw new ValidationError(`env.${e.name}`, 'is not a valid environment variable name', e.name, 'use letters, digits, \'_\', \'-\' and \'.\'', input.scope);
    }
  }
  const envNames = new Set(userEnv.map((e) => e.name));
  const env = [
    ...baseEnv.filter((e) => !envNames.has(e.name)),
    // Weights are local: never reach out to the Hub at serve time.
    ...(envNames.has('HF_HUB_OFFLINE') ? [] : [{ name: 'HF_HUB_OFFLINE', value: '1' }]),
    ...(envNames.has('DO_NOT_TRACK') ? [] : [{ name: 'DO_NOT_TRACK', value: '1' }]),
    ...userEnv,
  ];

  const startupFailures = Math.max(1, Math.ceil(input.startupTimeout.toSeconds() / STARTUP_PERIOD_SECONDS));
  const httpGet = (path: string) => ({ path, port: 'http', scheme: 'HTTP' });
  const server = {
    name: 'server',
    image: input.image,
    ...(rt.command ? { command: rt.command } : {}),
    args,
    ports,
    env,
    resources: withEphemeralStorage(guaranteedResources(input.cpu, input.memory, input.gpus), input.ephemeralStorage),
    securityContext: containerSecurityContext(),
    volumeMounts: [source.serverMount, ...baseMounts, { name: 'dshm', mountPath: '/dev/shm' },
      ...(input.adapters.length > 0 ? [{ name: ADAPTERS_VOLUME, mountPath: ADAPTERS_DIR, readOnly: true }] : [])],
    startupProbe: { httpGet: httpGet(rt.readinessPath), periodSeconds: STARTUP_PERIOD_SECONDS, timeoutSeconds: 5, failureThreshold: startupFailures },
    readinessProbe: { httpGet: httpGet(rt.readinessPath), periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 3, successThreshold: 1 },
    livenessProbe: { httpGet: httpGet(rt.livenessPath), periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
    // Keep serving while endpoints are withdrawn, then let SIGTERM drain in-flight generations.
    lifecycle: { preStop: { exec: { command: ['sh', '-c', `sleep ${input.preStopDelay.toSeconds()}`] } } },
    terminationMessagePolicy: 'FallbackToLogsOnError',
  };

  const volumes = [
    ...source.volumes,
    ...(input.adapters.length > 0 ? [{ name: ADAPTERS_VOLUME, emptyDir: { sizeLimit: sizeQuantity(input.adaptersVolumeSize) } }] : []),
    ...(verify?.volumes ?? []),
    { name: 'cache', emptyDir: { sizeLimit: sizeQuantity(CACHE_SIZE) } },
    { name: 'tmp', emptyDir: { sizeLimit: sizeQuantity(TMP_SIZE) } },
    { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: sizeQuantity(input.sharedMemory) } },
  ];

  const spec = {
    serviceAccountName: input.serviceAccountName,
    automountServiceAccountToken: input.automountServiceAccountToken,
    enableServiceLinks: false,
    securityContext: podSecurityContext(input.runAsUser),
    terminationGracePeriodSeconds: input.preStopDelay.toSeconds() + input.maxRequestDuration.toSeconds(),
    affinity: nodeAffinityFor(input.pool),
    tolerations: tolerationsFor(input.pool),
    topologySpreadConstraints: [
      { maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: input.spreadLabels } },
      { maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: input.spreadLabels } },
    ],
    initContainers: [...source.initContainers, ...adapterInits, ...(verify?.initContainers ?? [])],
    containers: [server],
    volumes,
  };
  return { spec, containerPorts: ports, annotations: modelPodMeshAnnotations(rt, input.source) };
}
