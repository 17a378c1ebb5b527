/**
 * Deterministic platform specs of any size for the benchmark: `generateSpec(n)` serves `n` models in
 * `ceil(n / 5)` tenants (five models each), with GPU pools and tenant quotas sized to fit exactly what
 * the models request at their most replicas, so every generated spec passes `PlatformSpecValidator`.
 *
 * Everything that is not a pool, tenant or model (images, policy, mesh, GitOps, observability, audit)
 * is the reference platform's, so a generated platform differs from the reference only in size.
 *
 * Per model `i` (0-based), repeating every 10 models:
 * - runtime: vLLM, Triton, TGI in turn;
 * - every 5th model (`i % 5 == 4`) runs on the L40S pool with 4 GPUs per replica, 1..2 replicas; the
 *   others on the A10G pool with 1 GPU, 1..3 replicas;
 * - `i % 10 == 0`: a canary (10% of traffic, 1 replica); `i % 10 == 9`: served through KServe;
 * - `i % 10 == 7`: no public route.
 */
import { spec as reference } from '../examples/reference/platform';
import { GpuInstanceType, ModelRuntime } from '../src/core';
import { ModelServer } from '../src/k8s/serving/model-server';
import { GpuProvisioning, ModelSpec, ModelWeights, PlatformSpec, TenantSpec } from '../src/platform';

/** Models per tenant. */
export const MODELS_PER_TENANT = 5;

const RUNTIMES: [ModelRuntime, string][] = [
  [ModelRuntime.VLLM, 'vllm'],
  [ModelRuntime.TRITON, 'triton'],
  [ModelRuntime.TGI, 'tgi'],
];

/** The image of a runtime, from the reference platform (same registry, same digests). */
function imageOf(runtime: string): string {
  const wanted = { vllm: 'vllm-openai', triton: 'tritonserver', tgi: 'text-generation-inference' }[runtime]!;
  const m = (reference.models ?? []).find((x) => x.image.includes(`/${wanted}@`));
  if (!m) throw new Error(`the reference platform has no ${wanted} image`);
  return m.image;
}

/**
 * A valid platform spec serving `models` models (at least 1).
 */
export function generateSpec(models: number): PlatformSpec {
  if (!Number.isInteger(models) || models < 1) throw new Error(`models must be a whole number >= 1, got ${models}`);
  const tenantCount = Math.ceil(models / MODELS_PER_TENANT);
  const width = String(Math.max(models, 1000)).length;
  const pad = (n: number, w: number) => String(n).padStart(w, '0');
  const tenantName = (t: number) => `t${pad(t + 1, String(Math.max(tenantCount, 100)).length)}`;

  const specs: ModelSpec[] = [];
  const quota = new Map<string, number>();
  const poolGpus = new Map<string, number>([['a10g', 0], ['l40s', 0]]);
  for (let i = 0; i < models; i++) {
    const [runtime, runtimeName] = RUNTIMES[i % RUNTIMES.length];
    const big = i % 5 === 4;
    const pool = big ? 'l40s' : 'a10g';
    const gpus = big ? 4 : 1;
    const replicas = big ? { min: 1, max: 2 } : { min: 1, max: 3 };
    const kserve = i % 10 === 9;
    const canary = i % 10 === 0 && !kserve;
    const tenant = tenantName(Math.floor(i / MODELS_PER_TENANT));
    const name = `m${pad(i + 1, width)}-${runtimeName}`;
    const prefix = `models/${name}/`;
    specs.push({
      name,
      tenant,
      runtime,
      image: imageOf(runtimeName),
      weights: ModelWeights.fromModelStore(prefix, '2024-06-01'),
      gpuPool: pool,
      gpusPerReplica: gpus,
      replicas,
      canary: canary ? { version: '2024-07-01', weights: ModelWeights.fromModelStore(prefix, '2024-07-01'), trafficPercentage: 10 } : undefined,
      kserve: kserve || undefined,
      publicRoute: i % 10 === 7 ? false : undefined,
    });
    // As the spec validator counts: every replica at max, plus the rollout surge of single-replica
    // models (ModelServer.defaultRolloutSurge), for the stable and the canary (1 replica) alike.
    const surge = ModelServer.defaultRolloutSurge;
    const need = gpus * (replicas.max + surge(replicas.min)) + (canary ? gpus * (1 + surge(1)) : 0);
    quota.set(tenant, (quota.get(tenant) ?? 0) + need);
    poolGpus.set(pool, poolGpus.get(pool)! + need);
  }
  const tenants: TenantSpec[] = [];
  for (let t = 0; t < tenantCount; t++) tenants.push({ name: tenantName(t), gpuQuota: quota.get(tenantName(t)) ?? 0 });

  // a10g: g5.48xlarge (8 GPUs), l40s: g6e.48xlarge (8 GPUs), each a managed baseline + Karpenter bursts
  // (capacity counts both; a managed node group alone never grows). Multi-GPU nodes keep 1000 models
  // under the EKS managed node group limit of 450 nodes (the aws layer enforces it).
  const a10gNodes = Math.max(2, Math.ceil(poolGpus.get('a10g')! / 8));
  const l40sNodes = Math.max(1, Math.ceil(poolGpus.get('l40s')! / 8));
  if (a10gNodes > 450 || l40sNodes > 450) throw new Error(`${models} models need more than 450 nodes in one pool; add pools`);
  return {
    ...reference,
    gpuPools: [
      { name: 'a10g', instanceTypes: [GpuInstanceType.G5_48XLARGE], minNodes: 2, maxNodes: a10gNodes, provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER },
      { name: 'l40s', instanceTypes: [GpuInstanceType.G6E_48XLARGE], minNodes: 1, maxNodes: l40sNodes, provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER },
    ],
    tenants,
    models: specs,
    fineTuningJobs: [],
    policy: { ...reference.policy, referenceDate: '2025-06-01' },
  };
}
