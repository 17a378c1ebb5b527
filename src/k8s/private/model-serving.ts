/**
 * The serving options `ModelServer` and `KServeInferenceService` share (`ModelServingOptions`), resolved
 * once with the same defaults for both: the runtime flags, the weights volume, the pod's timings and identity.
 */
import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { MODEL_POD_SCRATCH } from './model-pod';
import { validateInt } from './pod';
import { ValidationError } from '../../core/errors';
import { GpuInstanceType } from '../../core/gpu-instance-type';
import { IGpuPool } from '../../core/gpu-pool';
import { ModelSize } from '../../core/model-size';
import { Names } from '../../core/names';
import { wholeSeconds } from '../../core/private/durations';
import type { LoraAdapter, ModelServingOptions } from '../serving/model-server';
import type { ModelSource } from '../serving/model-source';

/** The resolved serving fields of a model pod (`ModelPodInput`). */
export interface ResolvedServing {
  readonly servedModelName: string;
  readonly maxModelLength?: number;
  readonly gpuMemoryUtilization?: number;
  readonly maxConcurrency?: number;
  /** Size limit of the weights emptyDir (over the source's own). */
  readonly weightsVolumeSize?: Size;
  /** The server container's ephemeral-storage request (the weights volume plus scratch), when the model is sized. */
  readonly ephemeralStorage?: Size;
  readonly extraArgs: string[];
  /** LoRA adapters (name and weights), their rank limit and volume. */
  readonly adapters: LoraAdapter[];
  readonly maxLoraRank?: number;
  readonly adaptersVolumeSize: Size;
  readonly env: { [key: string]: string };
  readonly startupTimeout: Duration;
  readonly preStopDelay: Duration;
  readonly maxRequestDuration: Duration;
  readonly runAsUser: number;
  readonly automountServiceAccountToken: boolean;
}

export function resolveServing(scope: IConstruct, modelName: string, props: ModelServingOptions, pool: IGpuPool, gpus: number): ResolvedServing {
  const size = sizeOf(scope, props);
  const runtime = props.runtime;
  const util = props.gpuMemoryUtilization
    ?? (size && runtime.supportsGpuMemoryUtilizationFlag ? ModelSize.DEFAULT_GPU_MEMORY_UTILIZATION : undefined);
  if (util !== undefined && !(typeof util === 'number' && util > 0 && util <= 1)) {
    throw new ValidationError('gpuMemoryUtilization', 'must be a fraction in (0, 1]', util, 'use e.g. 0.9', scope);
  }
  if (size) {
    checkFit(scope, size, pool, gpus, util);
    const ctx = size.contextLength;
    if (props.maxModelLength !== undefined && ctx !== undefined && props.maxModelLength > ctx) {
      throw new ValidationError('maxModelLength', `must be at most 'size.contextLength' (${ctx}): the GPU memory check holds for that context`, props.maxModelLength,
        `raise 'size.contextLength' to ${props.maxModelLength} (the check then counts its KV cache), or leave 'maxModelLength' unset`, scope);
    }
    const declared = props.size!.concurrency;
    if (props.maxConcurrency !== undefined && declared !== undefined && props.maxConcurrency > declared) {
      throw new ValidationError('maxConcurrency', `must be at most 'size.concurrency' (${declared}): the GPU memory check holds for that many sequences`, props.maxConcurrency,
        `raise 'size.concurrency' to ${props.maxConcurrency}, or leave 'maxConcurrency' unset`, scope);
    }
  }
  const volume = props.weightsVolumeSize ?? size?.weightsVolumeSize;
  if (props.weightsVolumeSize !== undefined && props.weightsVolumeSize.toMebibytes() < 1024) {
    throw new ValidationError('weightsVolumeSize', 'must be at least 1 GiB', `${props.weightsVolumeSize.toMebibytes()}Mi`,
      "size it for the weights plus headroom, or set 'size' to derive it", scope);
  }
  const servedModelName = props.servedModelName ?? modelName;
  const adapters = [...(props.adapters ?? [])];
  if (adapters.length > 0 && runtime.name !== 'vllm') {
    throw new ValidationError('adapters', `need the vLLM runtime (its --enable-lora and --lora-modules); the ${runtime.name} runtime has no LoRA flags`, adapters.map((a) => a.name),
      "serve the model with ModelRuntime.VLLM, or remove 'adapters'", scope);
  }
  adapters.forEach((a, i) => {
    Names.validateDns1123Label(`adapters[${i}].name`, a.name, scope);
    if (a.name === servedModelName) {
      throw new ValidationError(`adapters[${i}].name`, 'is the served model name: requests could not tell the adapter from the base model', a.name,
        `give the adapter its own name, e.g. '${servedModelName}-${i + 1}'`, scope);
    }
    if (adapters.findIndex((x) => x.name === a.name) !== i) {
      throw new ValidationError(`adapters[${i}].name`, 'names an adapter twice', a.name, 'give each adapter its own name', scope);
    }
    if (a.weights === undefined || a.weights === null || typeof (a.weights as any).uri !== 'string') {
      throw new ValidationError(`adapters[${i}].weights`, 'must be a ModelSource (the adapter has no weights)', a.weights,
        "use e.g. ModelSource.modelStore('adapters/support-lora/', '2024-06-01')", scope);
    }
  });
  if (props.maxLoraRank !== undefined) {
    validateInt('maxLoraRank', props.maxLoraRank, 1, 1024, 'use the highest rank of the adapters, e.g. 16', scope);
    if (adapters.length === 0) throw new ValidationError('maxLoraRank', "has no effect without 'adapters'", props.maxLoraRank, "add 'adapters' or remove 'maxLoraRank'", scope);
  }
  const adaptersVolumeSize = props.adaptersVolumeSize ?? Size.gibibytes(10);
  if (adaptersVolumeSize.toMebibytes() < 64) {
    throw new ValidationError('adaptersVolumeSize', 'must be at least 64 MiB', `${adaptersVolumeSize.toMebibytes()}Mi`, 'size it for the adapters, e.g. Size.gibibytes(10)', scope);
  }
  return {
    servedModelName,
    adapters,
    maxLoraRank: props.maxLoraRank,
    adaptersVolumeSize,
    maxModelLength: props.maxModelLength ?? size?.contextLength,
    gpuMemoryUtilization: util,
    // Only a declared concurrency: ModelSize counts 1 sequence when none is, which is no batch size to impose.
    maxConcurrency: props.maxConcurrency ?? props.size?.concurrency,
    weightsVolumeSize: volume,
    // the adapters' volume counts into the request as the weights' does
    ephemeralStorage: volume === undefined ? undefined
      : ephemeralStorageFor(adapters.length > 0 ? Size.mebibytes(volume.toMebibytes() + adaptersVolumeSize.toMebibytes()) : volume),
    extraArgs: props.extraArgs ?? [],
    env: props.env ?? {},
    startupTimeout: seconds('startupTimeout', props.startupTimeout ?? Duration.minutes(30), 1, 'use e.g. Duration.minutes(30)', scope),
    preStopDelay: seconds('preStopDelay', props.preStopDelay ?? Duration.seconds(15), 0, 'use e.g. Duration.seconds(15)', scope),
    maxRequestDuration: seconds('maxRequestDuration', props.maxRequestDuration ?? Duration.minutes(5), 1, 'use e.g. Duration.minutes(5)', scope),
    runAsUser: validateInt('runAsUser', props.runAsUser ?? 1000, 1, 2147483647, 'run as a non-root UID, e.g. 1000', scope),
    automountServiceAccountToken: props.automountServiceAccountToken ?? false,
  };
}

/** The model's size, its errors named under `size.` (`size.parameters`, `size.contextLength`). */
function sizeOf(scope: IConstruct, props: ModelServingOptions): ModelSize | undefined {
  if (props.size === undefined) return undefined;
  try {
    return ModelSize.of(props.size);
  } catch (e) {
    if (!ValidationError.isValidationError(e)) throw e;
    const [first, ...more] = e.problems;
    const value = first.prop.split('.').reduce((o: any, k) => (o === undefined || o === null ? undefined : o[k]), props.size);
    throw new ValidationError(`size.${first.prop}`, first.problem, value, first.fix, scope)
      .withProblems(more.map((p) => ({ ...p, prop: `size.${p.prop}` })));
  }
}

/** Why a model does not fit one replica's GPUs, in the house grammar's parts. */
export interface FitFailure {
  readonly problem: string;
  readonly value: string;
  readonly fix: string;
}

/**
 * The model must fit the GPU memory of one replica: `gpus` of the pool's smallest GPU (a pool may mix
 * instance types; a replica can land on any of them), at the GPU memory utilization the runtime is given.
 * Undefined when it fits.
 */
export function fitFailure(size: ModelSize, poolName: string, instanceTypes: GpuInstanceType[], gpusPerNode: number, gpus: number,
  util?: number): FitFailure | undefined {
  const smallest = [...instanceTypes].sort((a, b) => a.gpuMemoryGiB - b.gpuMemoryGiB)[0];
  if (!smallest) return undefined;
  const report = size.fitReport(smallest.gpuMemoryGiB, gpus, util);
  if (report.fits) return undefined;
  const fixes = [report.fix!];
  if (report.minimumGpus !== undefined && report.minimumGpus > gpusPerNode) {
    fixes.push(`(${report.minimumGpus} GPUs per replica need a pool of larger instances than ${smallest.name}, which has ${gpusPerNode} GPU${gpusPerNode === 1 ? '' : 's'} per node)`);
  }
  return {
    problem: `does not fit ${gpus} ${smallest.gpuModel.name} GPU${gpus === 1 ? '' : 's'} of pool '${poolName}' (${smallest.name}): ${report.problem}`,
    value: sizeSummary(size),
    fix: fixes.join(' '),
  };
}

function checkFit(scope: IConstruct, size: ModelSize, pool: IGpuPool, gpus: number, util?: number): void {
  const failure = fitFailure(size, pool.poolName, pool.instanceTypes, pool.gpusPerNode, gpus, util);
  if (failure) throw new ValidationError('size', failure.problem, failure.value, failure.fix, scope);
}

/** How a model's size reads in an error: `70B bf16, 8192 tokens x 16`. */
export function sizeSummary(size: ModelSize): string {
  const weights = size.parameters !== undefined ? `${size.parameters}B ${size.dataType}` : `${size.weightBytes} weight bytes`;
  return size.contextLength !== undefined ? `${weights}, ${size.contextLength} tokens x ${size.concurrency}` : weights;
}

/** The serving fields for one version's source: a PVC source has no node-local weights volume to request storage for. */
export function servingFor(serving: ResolvedServing, source: ModelSource): ResolvedServing {
  return source.usesLocalVolume ? serving : { ...serving, ephemeralStorage: undefined };
}

/** The server container's ephemeral-storage request for a weights volume: the volume plus the pod's scratch. */
export function ephemeralStorageFor(weightsVolume: Size): Size {
  return Size.gibibytes(Math.ceil(weightsVolume.toMebibytes() / 1024) + MODEL_POD_SCRATCH.toGibibytes());
}

/**
 * Every option of `ModelServingOptions`, checked by the compiler both ways: a missing or unknown key does
 * not compile, so a new serving option cannot be forgotten where options are passed on (the platform spec).
 */
const SERVING_OPTIONS: { readonly [K in keyof Required<ModelServingOptions>]: true } = {
  runtime: true,
  image: true,
  allowUnpinnedImages: true,
  verification: true,
  size: true,
  gpusPerReplica: true,
  tensorParallelSize: true,
  cpu: true,
  memory: true,
  sharedMemory: true,
  weightsVolumeSize: true,
  replicas: true,
  autoscaling: true,
  rolloutSurge: true,
  version: true,
  servedModelName: true,
  maxModelLength: true,
  gpuMemoryUtilization: true,
  maxConcurrency: true,
  extraArgs: true,
  adapters: true,
  maxLoraRank: true,
  adaptersVolumeSize: true,
  env: true,
  startupTimeout: true,
  preStopDelay: true,
  maxRequestDuration: true,
  runAsUser: true,
  automountServiceAccountToken: true,
};

/** The names of every serving option. */
export const SERVING_OPTION_NAMES = Object.keys(SERVING_OPTIONS) as Array<keyof ModelServingOptions>;

/** The serving options of a value that carries them among other fields (a spec's model entry). */
export function servingOptionsOf(o: ModelServingOptions): ModelServingOptions {
  const out: { [key: string]: unknown } = {};
  for (const key of SERVING_OPTION_NAMES) {
    if (o[key] !== undefined) out[key] = o[key];
  }
  return out as unknown as ModelServingOptions;
}

/** A pod-level duration: whole seconds (Kubernetes `*Seconds` fields), the Duration itself returned. */
function seconds(prop: string, d: Duration, min: number, fix: string, scope: IConstruct): Duration {
  wholeSeconds(prop, d, min, 2147483647, fix, scope);
  return d;
}
