/**
 * Internal helpers shared by every workload the k8s layer emits: pinned images, hardened security
 * contexts, GPU scheduling from an IGpuPool, resource quantities and standard labels.
 *
 * Specs are plain Kubernetes JSON (validated by the strict harness in tests), so cdk8s `Lazy`
 * values can sit anywhere in them.
 */
import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { IGpuPool, NodeTaint } from '../../core/gpu-pool';
import { ImageReference } from '../../core/image-reference';
import { PlatformLabels } from '../../core/labels';

/** Whether `image` is pinned by digest (`<name>[:<tag>]@sha256:<64 hex>`). */
export function isPinnedImage(image: string): boolean {
  return ImageReference.isPinnedByDigest(image);
}

/**
 * Throw a ValidationError unless `image` is pinned by digest (or `allowUnpinned` is set and the image
 * is at least a non-empty reference).
 */
export function validateImage(prop: string, image: string, allowUnpinned: boolean, scope?: IConstruct, allowProp = 'allowUnpinnedImage'): string {
  if (typeof image !== 'string' || image.trim() === '' || /\s/.test(image)) {
    throw new ValidationError(prop, 'must be a container image reference', image,
      "pass '<registry>/<repository>@sha256:<digest>'", scope);
  }
  if (!allowUnpinned && !isPinnedImage(image)) {
    throw new ValidationError(prop, 'must be pinned by digest (a tag can be moved to other content)', image,
      `use '<registry>/<repository>@sha256:<digest>' (resolve it with 'crane digest ${image}'), or set '${allowProp}: true' for development`, scope);
  }
  return image;
}

/** Pod-level security context: non-root, seccomp RuntimeDefault, fsGroup for writable volumes. */
export function podSecurityContext(uid: number): any {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security context: PSS restricted plus a read-only root filesystem. */
export function containerSecurityContext(): any {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Tolerations for every taint of the pool (a pod that asks for the pool can land on it). */
export function tolerationsFor(pool: IGpuPool): any[] {
  return [...pool.taints]
    .sort((a, b) => `${a.key}=${a.value ?? ''}:${a.effect}`.localeCompare(`${b.key}=${b.value ?? ''}:${b.effect}`))
    .map((t: NodeTaint) => (t.value === undefined
      ? { key: t.key, operator: 'Exists', effect: t.effect }
      : { key: t.key, operator: 'Equal', value: t.value, effect: t.effect }));
}

/** Required node affinity on every label of the pool (the pod can only land on the pool's nodes). */
export function nodeAffinityFor(pool: IGpuPool): any {
  const keys = Object.keys(pool.nodeLabels).sort();
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{
          matchExpressions: keys.map((key) => ({ key, operator: 'In', values: [pool.nodeLabels[key]] })),
        }],
      },
    },
  };
}

/** A CPU quantity in Kubernetes notation (`4`, `500m`). */
export function cpuQuantity(cores: number): string {
  const millis = Math.round(cores * 1000);
  return millis % 1000 === 0 ? String(millis / 1000) : `${millis}m`;
}

/** A memory/storage quantity in Kubernetes notation (`24Gi`, `512Mi`). */
export function sizeQuantity(size: Size): string {
  const mib = size.toMebibytes();
  return mib % 1024 === 0 ? `${mib / 1024}Gi` : `${mib}Mi`;
}

/** Guaranteed-QoS resources: requests == limits. */
export function guaranteedResources(cpu: number, memory: Size, gpus = 0): any {
  const values: { [k: string]: string } = { cpu: cpuQuantity(cpu), memory: sizeQuantity(memory) };
  if (gpus > 0) values[PlatformLabels.NVIDIA_GPU_RESOURCE] = String(gpus);
  return { requests: { ...values }, limits: { ...values } };
}

/** The standard `app.kubernetes.io/*` + platform labels. Undefined values are dropped. */
export function standardLabels(labels: { [key: string]: string | undefined }): { [key: string]: string } {
  const out: { [key: string]: string } = { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE };
  for (const key of Object.keys(labels).sort()) {
    const v = labels[key];
    if (v !== undefined) out[key] = v;
  }
  return out;
}

/** Sort an object's keys (deterministic output). */
export function sortedObject<T>(obj: { [key: string]: T }): { [key: string]: T } {
  const out: { [key: string]: T } = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

/** Throw unless `value` is a whole number in [min, max]. */
export function validateInt(prop: string, value: number, min: number, max: number, fix: string, scope?: IConstruct): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ValidationError(prop, max === Number.MAX_SAFE_INTEGER ? `must be a whole number of at least ${min}` : `must be a whole number between ${min} and ${max}`, value, fix, scope);
  }
  return value;
}

/** The name a Kubernetes port may carry (IANA_SVC_NAME: at most 15 chars). */
export function portName(name: string): string {
  return name.slice(0, 15);
}
