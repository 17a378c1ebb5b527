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
 * - `i % 10 == 9`: served through KServe; `i % 9 == 0` (a vLLM model): a canary (10% of traffic, 1 replica), through
 *   its InferencePools (the reference's Gateway API path cannot split another runtime's versions);
 * - `i % 10 == 7`: no public route;
 * - every vLLM model with a public route (served through an InferencePool) has an `interactive` objective (priority 10).
 */
import { spec as reference } from '../examples/reference/platform';
import { GpuInstanceType, ModelRuntime } from '../src/core';
import { ModelServer } from '../src/k8s/serving/model-server';
import { FleetHubNetwork, FleetSpec, GpuProvisioning, ModelSpec, ModelWeights, PlatformSpec, TenantSpec } from '../src/platform';

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
    const canary = i % 9 === 0 && !kserve;
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
    mesh: {
      ...reference.mesh,
      inference: {
        ...reference.mesh?.inference,
        objectives: specs.filter((m) => m.runtime === ModelRuntime.VLLM && !m.kserve && m.publicRoute !== false)
          .map((m) => ({ name: 'interactive', model: m.name, priority: 10 })),
      },
    },
    policy: { ...reference.policy, referenceDate: '2025-06-01' },
  };
}

/** Regions of the generated fleets' production clusters, in order (the hub runs in the first). */
const FLEET_REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2', 'eu-central-1', 'ap-southeast-1', 'ap-northeast-1', 'ca-central-1', 'sa-east-1', 'eu-north-1', 'ap-south-1'];

/**
 * A fleet of `clusters` clusters (1 to 11) sharing `generateSpec(models)`: one prod cluster for 1; else staging
 * (one cluster) and prod with the rest, one per region; every cluster but the hub registered, so the hub generates
 * everything. The shared images stay in the reference's registry, allowed in every cluster.
 */
export function generateFleetSpec(models: number, clusters: number): FleetSpec {
  if (!Number.isInteger(clusters) || clusters < 1 || clusters > FLEET_REGIONS.length + 1) {
    throw new Error(`clusters must be a whole number from 1 to ${FLEET_REGIONS.length + 1}, got ${clusters}`);
  }
  const { environment: _e, region: _r, accountId: _a, ...shared } = generateSpec(models);
  const registry = `${reference.accountId}.dkr.ecr.${reference.region}.amazonaws.com`;
  const ca = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBbench\n-----END CERTIFICATE-----\n').toString('base64');
  const api = (name: string, region: string) => ({ url: `https://${name.toUpperCase().replace(/-/g, '')}.gr7.${region}.eks.amazonaws.com`, certificateAuthorityData: ca });
  const prodCount = clusters === 1 ? 1 : clusters - 1;
  const prod = FLEET_REGIONS.slice(0, prodCount).map((region, i) => ({
    region, name: `prod-${region}`, ...(i === 0 ? {} : { apiServer: api(`prod-${region}`, region), vpcCidr: `10.${i + 1}.0.0/16` }),
  }));
  // an Amazon Managed Prometheus workspace is regional: each cluster writes to one in its region and account
  const amp = (region: string, account: string) => ({ ampWorkspaceArn: `arn:aws:aps:${region}:${account}:workspace/ws-bench-${region}` });
  return {
    platform: { ...shared, policy: { ...shared.policy, allowedRegistries: [...new Set([...(shared.policy?.allowedRegistries ?? []), registry])] } },
    environments: [
      ...(clusters > 1 ? [{ name: 'staging', accountId: '111111111111', clusters: [{ region: 'us-east-1', apiServer: api('staging', 'us-east-1'), vpcCidr: '10.100.0.0/16' }] }] : []),
      { name: 'prod', accountId: reference.accountId, clusters: prod },
    ],
    hubNetwork: FleetHubNetwork.PRIVATE_NETWORK,
    // images mirrored and weights uploaded to the first prod cluster, replicated into every other (FleetSpec.replication)
    ...(clusters > 1 ? { replication: { source: prod[0].name } } : {}),
    overrides: [
      ...(clusters > 1 ? [{ environment: 'staging', observability: amp('us-east-1', '111111111111') }] : []),
      ...prod.map((c) => ({ environment: 'prod', cluster: c.name, observability: amp(c.region, reference.accountId) })),
    ],
  };
}
