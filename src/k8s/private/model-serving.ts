/**
 * The serving options `ModelServer` and `KServeInferenceService` share (`ModelServingOptions`), resolved
 * once with the same defaults for both: the runtime flags, the weights volume, the pod's timings and identity.
 */
import { Duration, Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { MODEL_POD_SCRATCH } from './model-pod';
import { validateInt } from './pod';
import { ValidationError } from '../../core/errors';
import type { ModelServingOptions } from '../serving/model-server';
import type { ModelSource } from '../serving/model-source';

/** The resolved serving fields of a model pod (`ModelPodInput`). */
export interface ResolvedServing {
  readonly servedModelName: string;
  readonly maxModelLength?: number;
  readonly gpuMemoryUtilization?: number;
  readonly maxConcurrency?: number;
  readonly weightsVolumeSize?: Size;
  readonly ephemeralStorage?: Size;
  readonly extraArgs: string[];
  readonly env: { [key: string]: string };
  readonly startupTimeout: Duration;
  readonly preStopDelay: Duration;
  readonly maxRequestDuration: Duration;
  readonly runAsUser: number;
  readonly automountServiceAccountToken: boolean;
}

export function resolveServing(scope: IConstruct, modelName: string, props: ModelServingOptions): ResolvedServing {
  const volume = props.weightsVolumeSize;
  if (volume !== undefined && volume.toMebibytes() < 1024) {
    throw new ValidationError('weightsVolumeSize', 'must be at least 1 GiB', `${volume.toMebibytes()}Mi`, 'size it for the weights plus headroom, or set `size` to derive it', scope);
  }
  return {
    servedModelName: props.servedModelName ?? modelName,
    maxModelLength: props.maxModelLength,
    gpuMemoryUtilization: props.gpuMemoryUtilization,
    maxConcurrency: props.maxConcurrency,
    weightsVolumeSize: volume,
    ephemeralStorage: undefined,
    extraArgs: props.extraArgs ?? [],
    env: props.env ?? {},
    startupTimeout: props.startupTimeout ?? Duration.minutes(30),
    preStopDelay: props.preStopDelay ?? Duration.seconds(15),
    maxRequestDuration: props.maxRequestDuration ?? Duration.minutes(5),
    runAsUser: validateInt('runAsUser', props.runAsUser ?? 1000, 1, 2147483647, 'run as a non-root UID, e.g. 1000', scope),
    automountServiceAccountToken: props.automountServiceAccountToken ?? false,
  };
}

/** The serving fields for one version's source: a PVC source has no node-local weights volume to request storage for. */
export function servingFor(serving: ResolvedServing, source: ModelSource): ResolvedServing {
  return source.usesLocalVolume ? serving : { ...serving, ephemeralStorage: undefined };
}

/** The server container's ephemeral-storage request for a weights volume: the volume plus the pod's scratch. */
export function ephemeralStorageFor(weightsVolume: Size): Size {
  return Size.gibibytes(Math.ceil(weightsVolume.toMebibytes() / 1024) + MODEL_POD_SCRATCH.toGibibytes());
}
