/**
 * Bookkeeping of the models (and their GPU needs) placed on a tenant, keyed by the tenant object, so
 * duplicate model names and the tenant's GPU quota are checked across every model of the tenant.
 */
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

/** What a tenant needs to know to check a model's GPU use. */
export interface TenantLike {
  readonly tenantName: string;
  readonly namespace: string;
  readonly gpuEntitled: boolean;
  readonly gpuQuota: number;
}

/** A reservation of GPUs by one workload. */
export interface GpuReservation {
  /** Who reserves (e.g. `model llama3-8b`). */
  readonly owner: string;
  /** How many GPUs at most. */
  readonly gpus: number;
}

const registry = new WeakMap<object, { names: Set<string>; reservations: Map<string, GpuReservation> }>();

function entry(tenant: object) {
  let e = registry.get(tenant);
  if (!e) {
    e = { names: new Set(), reservations: new Map() };
    registry.set(tenant, e);
  }
  return e;
}

/** Register a model name; throws on a duplicate within the tenant. */
export function registerModelName(tenant: TenantLike, modelName: string, scope?: IConstruct): void {
  const e = entry(tenant);
  if (e.names.has(modelName)) {
    throw new ValidationError('modelName', `must be unique within tenant '${tenant.tenantName}' (namespace '${tenant.namespace}')`, modelName,
      'give each model of a tenant its own name, or add a second version with addCandidate()', scope);
  }
  e.names.add(modelName);
}

/**
 * Set (or replace) the GPU reservation of `key`, checking entitlement and the tenant's quota across
 * every reservation.
 *
 * @param prop the prop to blame (e.g. `replicas.max`)
 */
export function reserveGpus(tenant: TenantLike, key: string, reservation: GpuReservation, prop: string, value: any, scope?: IConstruct): void {
  if (reservation.gpus > 0 && !tenant.gpuEntitled) {
    throw new ValidationError('tenant', 'must be GPU-entitled to run GPU workloads', tenant.tenantName,
      `set 'gpuQuota' on tenant '${tenant.tenantName}' (a tenant with a GPU quota is entitled), or place ${reservation.owner} on a GPU-entitled tenant`, scope);
  }
  const e = entry(tenant);
  const others = [...e.reservations.entries()].filter(([k]) => k !== key).map(([, r]) => r);
  const used = others.reduce((sum, r) => sum + r.gpus, 0);
  if (used + reservation.gpus > tenant.gpuQuota) {
    const breakdown = [...others, reservation].map((r) => `${r.owner}: ${r.gpus}`).join(', ');
    throw new ValidationError(prop, `needs more GPUs than tenant '${tenant.tenantName}' has (quota ${tenant.gpuQuota}, needed ${used + reservation.gpus}: ${breakdown})`, value,
      `lower the replicas or GPUs per replica, or raise 'gpuQuota' of tenant '${tenant.tenantName}' to at least ${used + reservation.gpus}`, scope);
  }
  e.reservations.set(key, reservation);
}
