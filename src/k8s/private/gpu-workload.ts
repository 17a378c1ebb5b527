/**
 * Resolution and validation shared by every GPU workload (ModelServer, KServe InferenceService,
 * FineTuningJob): GPUs per pod against the pool and the tenant, Guaranteed-QoS CPU/memory defaults
 * derived from the pool's instance types, `/dev/shm` sizing.
 */
import { Size } from 'cdk8s';
import { IConstruct } from 'constructs';
import { validateInt } from './pod';
import { ValidationError } from '../../core/errors';
import { IGpuPool } from '../../core/gpu-pool';
import type { ITenant } from '../tenancy/tenant';

export interface GpuWorkloadInput {
  readonly what: string;
  readonly gpusProp: string;
  readonly gpus?: number;
  readonly pool: IGpuPool;
  readonly tenant: ITenant;
  readonly cpu?: number;
  readonly memory?: Size;
  readonly sharedMemory?: Size;
  readonly sharedMemoryGiB: number;
}

export interface GpuWorkload {
  readonly gpus: number;
  readonly cpu: number;
  readonly memory: Size;
  readonly sharedMemory: Size;
}

/** Default share of a node a GPU pod takes: 70% of its per-GPU vCPU/memory (the rest: kubelet reserve, daemonsets). */
const NODE_SHARE = 0.7;

export function resolveGpuWorkload(scope: IConstruct, input: GpuWorkloadInput): GpuWorkload {
  const pool = input.pool;
  const gpus = validateInt(input.gpusProp, input.gpus ?? 1, 1, Number.MAX_SAFE_INTEGER, 'request at least one GPU', scope);
  if (gpus > pool.gpusPerNode) {
    throw new ValidationError(input.gpusProp, `must fit on one node of pool '${pool.poolName}' (${pool.gpusPerNode} GPUs per node)`, gpus,
      `lower '${input.gpusProp}' to at most ${pool.gpusPerNode}, or target a pool of larger instances (e.g. g6e.12xlarge has 4 GPUs, p5.48xlarge 8)`, scope);
  }
  const t = input.tenant;
  if (!t.gpuEntitled) {
    throw new ValidationError('tenant', `must be GPU-entitled to run ${input.what} on GPUs`, t.tenantName,
      `set 'gpuQuota' on tenant '${t.tenantName}' (a tenant with a GPU quota is entitled), or place it on a GPU-entitled tenant`, scope);
  }
  if (gpus > t.gpuQuota) {
    throw new ValidationError(input.gpusProp, `needs more GPUs for one pod than tenant '${t.tenantName}' may use (quota ${t.gpuQuota})`, gpus,
      `raise 'gpuQuota' of tenant '${t.tenantName}' to at least ${gpus}, or use fewer GPUs per pod`, scope);
  }
  const vcpuShare = Math.min(...pool.instanceTypes.map((i) => i.vcpu / i.gpuCount));
  const memShare = Math.min(...pool.instanceTypes.map((i) => i.memoryGiB / i.gpuCount));
  const cpu = input.cpu ?? Math.max(1, Math.floor(vcpuShare * gpus * NODE_SHARE));
  if (!(cpu > 0)) throw new ValidationError('cpu', 'must be a positive number of cores', input.cpu, 'set the cores one pod needs, e.g. 4', scope);
  const memory = input.memory ?? Size.gibibytes(Math.max(4, Math.floor(memShare * gpus * NODE_SHARE)));
  if (memory.toMebibytes() < 1024) {
    throw new ValidationError('memory', 'must be at least 1 GiB', `${memory.toMebibytes()}Mi`, 'size it for the process plus /dev/shm, e.g. Size.gibibytes(24)', scope);
  }
  const halfMemoryGiB = Math.max(1, Math.floor(memory.toMebibytes() / 2048));
  const sharedMemory = input.sharedMemory ?? Size.gibibytes(Math.min(input.sharedMemoryGiB, halfMemoryGiB));
  if (sharedMemory.toMebibytes() >= memory.toMebibytes()) {
    throw new ValidationError('sharedMemory', `must be smaller than memory (${memory.toMebibytes()}Mi): /dev/shm counts against the memory limit`, `${sharedMemory.toMebibytes()}Mi`,
      'lower sharedMemory or raise memory', scope);
  }
  return { gpus, cpu, memory, sharedMemory };
}
