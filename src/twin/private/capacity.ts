/**
 * The twin's CAPACITY check: do the pods that will exist fit on the node pools that will exist, at the
 * workloads' minimum replicas, at their maximum, during a rollout and during a node drain?
 *
 * Pools are the resolved `ResolvedTwinOptions.pools` (managed node groups, from the platform spec) plus
 * every Karpenter NodePool (`karpenter.sh/v1`) in the output. A pool grows only through the autoscaler that
 * really exists for it: a managed node group without cluster-autoscaler stays at its initial (desired)
 * size; a Karpenter NodePool grows from zero up to its `spec.limits` (`nvidia.com/gpu`, `cpu`).
 *
 * Only pods that request extended resources (`nvidia.com/gpu`, ...) are placed: CPU and memory of the
 * system pool are not modelled (said in `notModelled`). Placement is first-fit decreasing per node (a
 * 4-GPU pod needs one node with 4 free GPUs), which is what the scheduler does for whole-GPU requests up to
 * fragmentation the autoscalers avoid by launching nodes.
 *
 * Upstream semantics modelled (Kubernetes 1.34, Karpenter 1.14.1, KServe v0.19.0):
 * - Deployment RollingUpdate: `maxSurge` rounds up and `maxUnavailable` rounds down against the replicas;
 *   both default to 25%; when both resolve to 0 the controller uses maxUnavailable 1
 *   (kubernetes/kubernetes pkg/controller/deployment/util/deployment_util.go ResolveFenceposts).
 * - KServe's predictor Deployment takes `spec.predictor.deploymentStrategy`, else RollingUpdate 25%/25%
 *   (kserve/kserve v0.19.0 pkg/controller/v1beta1/inferenceservice/reconcilers/deployment/deployment_reconciler.go
 *   setDefaultDeploymentSpec).
 * - PodDisruptionBudget: percentages round up for both minAvailable and maxUnavailable (disruption
 *   controller); more than one PDB selecting a pod makes every eviction fail.
 * - Karpenter: `limits` cap the NodePool's total resources; `terminationGracePeriod` bounds every drain
 *   (PDB-blocked and `karpenter.sh/do-not-disrupt` pods are deleted when it elapses); without it, such pods
 *   block expired nodes from draining indefinitely; budgets of `nodes: "0"` for the `Drifted` reason (or all
 *   reasons) without a schedule stop drift replacement for good (aws/karpenter-provider-aws v1.14.1
 *   website/content/en/docs/concepts/disruption.md).
 * - EFA: nodes advertise `vpc.amazonaws.com/efa` (their attached interfaces) only where the output's EFA device
 *   plugin runs (./efa.ts); a pod that requests EFA no pool can give is reported with the reason (no interfaces,
 *   no device plugin, the plugin does not run on the pool's nodes), and EFA is counted at min and max like GPUs.
 */
import { EFA_RESOURCE, EfaDevicePlugin, efaDevicePluginsOf, INSTANCE_TYPE_LABEL, TwinPoolWithEfa } from './efa';
import { CheckOutcome, ObjectIndex, selectorMatches, TwinContext, TwinFinding, TwinPod, TwinPool } from './model';
import { GpuInstanceType } from '../../core/gpu-instance-type';

const GPU = 'nvidia.com/gpu';
/** Resources that are not extended resources (the scheduler's own). */
const BASIC = new Set(['cpu', 'memory', 'ephemeral-storage', 'pods']);
/** EKS fails a managed node group update after 15 minutes of PodEvictionFailure unless forced (EKS user guide, managed node update behavior). */
const EKS_DRAIN_MINUTES = 15;

/** A pool as placement sees it: a TwinPool plus what Karpenter NodePools add. */
interface Pool extends TwinPool {
  /** Label values a node may carry (Karpenter requirements can allow several; `undefined` entry value = any). */
  readonly labelValues: Record<string, string[] | undefined>;
  /** The most nodes the pool's real autoscaler reaches (Infinity: no limit). */
  readonly reachableNodes: number;
  /** Seconds after which a drain ends whatever blocks it (Karpenter terminationGracePeriod); undefined: unbounded. */
  readonly drainBoundSeconds?: number;
  /** Karpenter NodePool object, when the pool is one. */
  readonly nodePool?: any;
  /** How the pool grows, for the summary (`managed node group, no autoscaler`). */
  readonly growth: string;
  /** EFA interfaces attached to each node, and, when its nodes advertise none, why and what to do. */
  readonly efa: { readonly interfaces: number; readonly missing?: { readonly why: string; readonly fix: string } };
}

interface Workload {
  readonly owner: string;
  readonly ownerObject: any;
  readonly pod: TwinPod;
  /** Extended resources one pod requests. */
  readonly requests: Record<string, number>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  readonly pools: Pool[];
  /** Serving workloads roll out and are drained (Deployments, InferenceServices); jobs run to completion. */
  readonly serving: boolean;
}

interface Node {
  readonly pool: Pool;
  readonly free: Record<string, number>;
}

/** Check the capacity of every node pool against the pods that will exist. */
export function checkCapacity(ctx: TwinContext): CheckOutcome {
  const findings: TwinFinding[] = [];
  const notModelled: string[] = [];
  const summary: string[] = [];
  const pools = resolvePools(ctx, notModelled);
  applyEfa(pools, efaDevicePluginsOf(ctx, notModelled));
  const faulty = new Set<string>();
  /** Record a finding; `who` is the workload or NodePool it counts against (default: its object). */
  const add = (f: Omit<TwinFinding, 'check'>, who?: string) => {
    findings.push({ check: 'capacity', ...f });
    faulty.add(who ?? f.object);
  };

  // The workloads that request extended resources, and the pools each can land on.
  const workloads: Workload[] = [];
  let plainPods = 0;
  // EFA is always modelled: a pool that advertises none gives 0 (its reason is in the finding).
  const declared = new Set([GPU, EFA_RESOURCE, ...pools.flatMap((pool) => Object.keys(pool.resourcesPerNode))]);
  for (const p of ctx.pods) {
    const requests = extendedRequests(p.pod?.spec);
    if (Object.keys(requests).length === 0) {
      plainPods++;
      continue;
    }
    // Extended resources no pool declares (EFA interfaces, hugepages of a device plugin) cannot be counted.
    for (const r of Object.keys(requests).filter((x) => !declared.has(x))) {
      notModelled.push(`${p.owner}: ${r} (${requests[r]} per pod) is not modelled: no node pool declares it`);
      delete requests[r];
    }
    if (Object.keys(requests).length === 0) continue;
    const what = Object.entries(requests).map(([r, n]) => `${n} ${r}`).join(', ');
    if (p.minReplicas < 0) {
      notModelled.push(`${p.owner}: one pod per node requesting ${what} (DaemonSet) not placed`);
      continue;
    }
    if (p.pod?.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms?.some((t: any) => t.matchFields)) {
      notModelled.push(`${p.owner}: node affinity matchFields not modelled`);
      continue;
    }
    const selected = pools.filter((pool) => selects(p.pod.spec, pool));
    if (selected.length === 0) {
      notModelled.push(`${p.owner}: requests ${what} but selects none of the modelled node pools (${pools.map((x) => x.name).join(', ') || 'none'})`);
      continue;
    }
    const kind = p.ownerObject?.kind;
    workloads.push({
      owner: p.owner,
      ownerObject: p.ownerObject,
      pod: p,
      requests,
      minReplicas: Math.max(0, p.minReplicas),
      maxReplicas: Math.max(p.minReplicas, p.maxReplicas),
      pools: selected,
      serving: kind === 'Deployment' || kind === 'InferenceService',
    });
  }
  if (plainPods > 0) notModelled.push(`${plainPods} pod templates request no extended resources: their CPU and memory on the system pool are not modelled`);

  // Per-node fit: a pod needs one node with all it requests.
  const placeable = workloads.filter((w) => {
    const fits = w.pools.filter((pool) => Object.entries(w.requests).every(([r, n]) => (pool.resourcesPerNode[r] ?? 0) >= n));
    if (fits.length > 0) return true;
    const [r, n] = Object.entries(w.requests).find(([res, need]) => w.pools.every((pool) => (pool.resourcesPerNode[res] ?? 0) < need))!;
    const best = Math.max(...w.pools.map((pool) => pool.resourcesPerNode[r] ?? 0));
    const noEfa = r === EFA_RESOURCE && best === 0 ? w.pools.find((pool) => pool.efa.missing)?.efa.missing : undefined;
    if (noEfa) {
      add({
        object: w.owner,
        field: `${containersPath(w.pod)}.resources.requests.${r}`,
        problem: `asks ${n} ${r} per pod but no node of pool ${poolNames(w.pools)} advertises any (${noEfa.why}): the pod never schedules`,
        value: n,
        fix: noEfa.fix,
      });
      return false;
    }
    add({
      object: w.owner,
      field: `${containersPath(w.pod)}.resources.requests.${r}`,
      problem: `asks ${n} ${r} per pod but the largest node of pool ${poolNames(w.pools)} has ${best}: the pod never schedules`,
      value: n,
      fix: `request at most ${best} ${r} per pod, or give the pool instance types with at least ${n}`,
    });
    return false;
  });

  // Placement at the start (initial nodes, before any autoscaler acts), at minimum and at maximum replicas.
  const start = place(placeable, (w) => w.minReplicas, (pool) => pool.initialNodes, pools);
  const atMin = place(placeable, (w) => w.minReplicas, (pool) => pool.reachableNodes, pools);
  const atMax = place(placeable, (w) => w.maxReplicas, (pool) => pool.reachableNodes, pools);
  for (const w of placeable) {
    const lostMin = atMin.unplaced.get(w) ?? 0;
    const lostMax = atMax.unplaced.get(w) ?? 0;
    if (lostMin > 0) {
      add({
        object: w.owner,
        field: replicasField(w, 'min'),
        problem: `leaves ${lostMin} of its ${w.minReplicas} minimum replicas pending: ${shortfall(w, placeable, pools, 'min')}`,
        value: w.minReplicas,
        fix: growFix(w.pools),
      });
    } else if (lostMax > 0) {
      add({
        object: w.owner,
        field: replicasField(w, 'max'),
        problem: `can never reach its ${w.maxReplicas} maximum replicas (${lostMax} stay pending): ${shortfall(w, placeable, pools, 'max')}`,
        value: w.maxReplicas,
        fix: `${growFix(w.pools)}, or lower the maximum replicas`,
      });
    }
  }

  // Rollouts.
  for (const w of placeable.filter((x) => x.serving)) {
    const s = rolloutStrategy(w);
    if (!s) continue;
    const replicas = Math.max(1, w.minReplicas);
    if (s.type === 'Recreate') {
      add({
        object: w.owner,
        field: `${s.path}.type`,
        problem: `is Recreate: every rollout stops all ${replicas} replicas before the new ones load their weights`,
        value: 'Recreate',
        fix: 'use RollingUpdate with maxSurge 1 and maxUnavailable 0',
      });
      continue;
    }
    if (s.surge === 0 && s.unavailable >= replicas) {
      add({
        object: w.owner,
        field: `${s.path}.rollingUpdate.maxSurge`,
        problem: `is 0 with maxUnavailable ${s.maxUnavailableRaw}: a rollout stops all ${replicas} replica(s) at minimum scale and the model serves nothing until new pods load their weights`,
        value: s.maxSurgeRaw,
        fix: 'set maxSurge 1 and maxUnavailable 0 (one extra replica must fit in the pool and the tenant quota), or run at least 2 replicas',
      });
    } else if (s.surge > 0 && w.minReplicas > 0 && !atMin.unplaced.has(w) && !fitsExtra(atMin.open, atMin.growth, w, s.surge)) {
      add({
        object: w.owner,
        field: `${s.path}.rollingUpdate.maxSurge`,
        problem: `needs ${s.surge} extra replica(s) of ${describe(w.requests)} during a rollout but pool ${poolNames(w.pools)} has no room at the workloads' minimum replicas: the rollout stalls`,
        value: s.maxSurgeRaw,
        fix: `make room for ${s.surge} more replica(s): ${growFix(w.pools)}`,
      });
    }
  }

  // Node drains.
  const pdbs = new PdbIndex(ctx.index.ofKind('PodDisruptionBudget'));
  const waits = new Map<string, string[]>();
  for (const w of placeable.filter((x) => x.serving)) {
    drainCheck(w, pdbs, (f) => add(f, w.owner), (bounds) => waits.set(bounds, [...(waits.get(bounds) ?? []), w.owner]));
  }
  const drainNotes = [...waits].map(([bounds, owners]) =>
    `drains: the single replica of ${owners.join(', ')} is kept by its PodDisruptionBudget; a drain waits until a second replica runs (${bounds})`);

  // Karpenter NodePools: drift budgets, expiry without a drain bound.
  for (const pool of pools.filter((p) => p.nodePool)) {
    nodePoolCheck(pool, placeable, add);
  }

  // Summary: one line per pool (pools of one name, e.g. a managed baseline and its Karpenter burst pool, together).
  const byName = new Map<string, Pool[]>();
  for (const pool of pools) byName.set(pool.name, [...(byName.get(pool.name) ?? []), pool]);
  for (const [name, group] of byName) {
    const users = placeable.filter((w) => w.pools.some((p) => p.name === name));
    const gpuOf = (w: Workload, n: number) => (w.requests[GPU] ?? 0) * n;
    const needMin = users.reduce((s, w) => s + gpuOf(w, w.minReplicas), 0);
    const needMax = users.reduce((s, w) => s + gpuOf(w, w.maxReplicas), 0);
    const perNode = (p: Pool) => p.resourcesPerNode[GPU] ?? 0;
    const initial = group.reduce((s, p) => s + perNode(p) * p.initialNodes, 0);
    const reach = group.reduce((s, p) => s + perNode(p) * p.reachableNodes, 0);
    const models = users.filter((w) => w.serving).length;
    const jobs = users.length - models;
    const who = [models ? `${models} model${models === 1 ? '' : 's'}` : '', jobs ? `${jobs} job${jobs === 1 ? '' : 's'}` : ''].filter(Boolean).join(', ') || 'nothing';
    summary.push(`${name}: ${needMin} GPUs needed at min (${who}), ${needMax} at max, ${initial} available at start, `
      + `${Number.isFinite(reach) ? reach : 'unbounded'} reachable (${group.map((p) => p.growth).join(' + ')})`);
    const efaUsers = users.filter((w) => (w.requests[EFA_RESOURCE] ?? 0) > 0);
    const efaPerNode = (p: Pool) => p.resourcesPerNode[EFA_RESOURCE] ?? 0;
    if (efaUsers.length > 0 || group.some((p) => efaPerNode(p) > 0)) {
      const efaOf = (w: Workload, n: number) => (w.requests[EFA_RESOURCE] ?? 0) * n;
      const efaReach = group.reduce((s, p) => s + efaPerNode(p) * p.reachableNodes, 0);
      summary.push(`${name}: ${users.reduce((s, w) => s + efaOf(w, w.minReplicas), 0)} ${EFA_RESOURCE} needed at min, `
        + `${users.reduce((s, w) => s + efaOf(w, w.maxReplicas), 0)} at max, ${group.reduce((s, p) => s + efaPerNode(p) * p.initialNodes, 0)} available at start, `
        + `${Number.isFinite(efaReach) ? efaReach : 'unbounded'} reachable (${group.map((p) => (efaPerNode(p) > 0 ? `${efaPerNode(p)} per node` : `none: ${p.efa.missing?.why}`)).join(' + ')})`);
    }
    const pendingAtStart = users.reduce((s, w) => s + (start.unplaced.get(w) ?? 0), 0);
    if (pendingAtStart > 0 && users.every((w) => !atMin.unplaced.get(w))) {
      summary.push(`${name}: ${pendingAtStart} replica(s) wait for the autoscaler at start (${group.filter((p) => p.scaling !== 'none').map((p) => p.source).join(', ')})`);
    }
  }
  summary.push(...drainNotes);

  // Checked: every placed workload and every Karpenter NodePool.
  const nodePools = pools.filter((p) => p.nodePool).map((p) => ObjectIndex.id(p.nodePool));
  const checked = workloads.length + nodePools.length;
  const failed = workloads.filter((w) => faulty.has(w.owner)).length + nodePools.filter((id) => faulty.has(id)).length;
  return { check: 'capacity', checked, passed: checked - failed, findings, notModelled, summary };
}

// ---------------------------------------------------------------------------------------------------------
// Pools

function resolvePools(ctx: TwinContext, notModelled: string[]): Pool[] {
  const nodePools = ctx.index.ofKind('NodePool').filter((o) => String(o.apiVersion ?? '').startsWith('karpenter.sh/'));
  const karpenterNames = new Set(nodePools.map((o) => o.metadata?.name));
  const out: Pool[] = [];
  for (const p of ctx.options.pools) {
    // A Karpenter pool given in the options too: the NodePool in the output is the truth.
    if (p.scaling === 'karpenter' && karpenterNames.has(p.name)) continue;
    const labelValues: Record<string, string[] | undefined> = {};
    for (const [k, v] of Object.entries(p.labels)) labelValues[k] = [v];
    const facts = p as TwinPoolWithEfa;
    // The kubelet labels every node with its instance type (add-ons such as the EFA device plugin select by it).
    if (facts.instanceTypes && facts.instanceTypes.length > 0 && !(INSTANCE_TYPE_LABEL in labelValues)) {
      labelValues[INSTANCE_TYPE_LABEL] = [...facts.instanceTypes];
    }
    const reachable = p.scaling === 'none' ? p.initialNodes : p.maxNodes;
    const growth = p.scaling === 'none'
      ? `${p.source}, ${p.initialNodes} node${p.initialNodes === 1 ? '' : 's'}, no autoscaler`
      : `${p.source}, ${p.initialNodes} to ${p.maxNodes} nodes by ${p.scaling}`;
    const efa = { interfaces: facts.efaInterfacesPerNode ?? 0 };
    out.push({ ...p, resourcesPerNode: { ...p.resourcesPerNode }, labelValues, reachableNodes: reachable, growth, efa });
  }
  for (const np of nodePools) {
    const pool = karpenterPool(np, ctx.index, notModelled);
    if (pool) out.push(pool);
  }
  return out;
}

function karpenterPool(np: any, index: ObjectIndex, notModelled: string[]): Pool | undefined {
  const id = ObjectIndex.id(np);
  const tpl = np.spec?.template ?? {};
  const labelValues: Record<string, string[] | undefined> = {};
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries<string>(tpl.metadata?.labels ?? {})) {
    labelValues[k] = [v];
    labels[k] = v;
  }
  let types: string[] | undefined;
  for (const r of tpl.spec?.requirements ?? []) {
    if (r.operator === 'In' && Array.isArray(r.values)) {
      labelValues[r.key] = labelValues[r.key] ? labelValues[r.key]!.filter((v) => r.values.includes(v)) : [...r.values];
      if (r.key === 'node.kubernetes.io/instance-type') types = r.values;
    } else if (r.operator === 'Exists') {
      labelValues[r.key] = labelValues[r.key] ?? undefined;
      if (!(r.key in labelValues)) labelValues[r.key] = undefined;
    }
  }
  const known = (types ?? []).map((t) => {
    try {
      const it = GpuInstanceType.of(t);
      return it.gpuCount > 0 ? it : undefined;
    } catch {
      return undefined;
    }
  });
  if (!types || known.length === 0 || known.some((t) => t === undefined)) {
    notModelled.push(`${id}: instance types ${types ? types.join(', ') : '(any)'} are not all known GPU instance types; its capacity is not modelled`);
    return undefined;
  }
  const its = known as GpuInstanceType[];
  const gpusPerNode = Math.min(...its.map((t) => t.gpuCount));
  const vcpuPerNode = Math.max(...its.filter((t) => t.gpuCount === gpusPerNode).map((t) => t.vcpu));
  const limits = np.spec?.limits ?? {};
  let reachable = Infinity;
  const bounds: string[] = [];
  if (limits[GPU] !== undefined) {
    const n = Math.floor(quantity(limits[GPU]) / gpusPerNode);
    reachable = Math.min(reachable, n);
    bounds.push(`limits.${GPU} ${limits[GPU]}`);
  }
  if (limits.cpu !== undefined) {
    const n = Math.floor(quantity(limits.cpu) / vcpuPerNode);
    reachable = Math.min(reachable, n);
    bounds.push(`limits.cpu ${limits.cpu}`);
  }
  const tgp = tpl.spec?.terminationGracePeriod;
  const nodeClass = tpl.spec?.nodeClassRef?.name;
  if (nodeClass && !index.get('EC2NodeClass', undefined, nodeClass)) {
    notModelled.push(`${id}: EC2NodeClass ${nodeClass} is not in the output; assumed to exist`);
  }
  return {
    name: np.metadata?.name ?? '',
    labels,
    labelValues,
    taints: (tpl.spec?.taints ?? []).map((t: any) => ({ key: t.key, value: t.value, effect: t.effect })),
    resourcesPerNode: { [GPU]: gpusPerNode },
    minNodes: 0,
    maxNodes: reachable,
    initialNodes: 0,
    scaling: 'karpenter',
    source: `Karpenter NodePool ${np.metadata?.name}`,
    reachableNodes: reachable,
    drainBoundSeconds: tgp !== undefined ? goDurationSeconds(tgp) : undefined,
    nodePool: np,
    growth: `Karpenter NodePool ${np.metadata?.name}, 0 to ${Number.isFinite(reachable) ? `${reachable} nodes (${bounds.join(', ')})` : 'unlimited nodes (no limits)'}`,
    // Karpenter attaches every interface as EFA to instances it launches for pods requesting EFA (EKS device-management-efa).
    efa: { interfaces: Math.min(...its.map((t) => t.maxEfaInterfaces)) },
  };
}

/**
 * Give each pool's nodes `vpc.amazonaws.com/efa` where they have interfaces and an EFA device plugin pod runs on
 * them; record why not otherwise.
 */
function applyEfa(pools: Pool[], plugins: EfaDevicePlugin[]): void {
  for (const pool of pools) {
    const efa = pool.efa as { interfaces: number; missing?: { why: string; fix: string } };
    if (efa.interfaces === 0) {
      efa.missing = pool.nodePool
        ? {
          why: `its instance types ${labelList(pool, INSTANCE_TYPE_LABEL)} include types without EFA`,
          fix: `limit the node.kubernetes.io/instance-type requirement of ${pool.source} to EFA instance types (e.g. p5.48xlarge)`,
        }
        : {
          why: 'its nodes have no EFA interfaces attached',
          fix: `give ${pool.source} EFA interfaces (GpuPoolSpec.efa on an instance type with EFA, e.g. p5.48xlarge), or drop the EFA request`,
        };
      continue;
    }
    if (plugins.length === 0) {
      efa.missing = {
        why: 'no EFA device plugin runs in the output, so nodes advertise no vpc.amazonaws.com/efa',
        fix: `install the AWS EFA device plugin add-on (chart aws-efa-k8s-device-plugin) tolerating the pool's taints${pool.taints.length ? ` (${pool.taints.map(taintText).join(', ')})` : ''}`,
      };
      continue;
    }
    if (plugins.some((pl) => selects(pl.spec, pool))) {
      (pool.resourcesPerNode as Record<string, number>)[EFA_RESOURCE] = efa.interfaces;
      continue;
    }
    const spec = plugins[0].spec;
    const untolerated = pool.taints.filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !(spec.tolerations ?? []).some((x: any) => tolerates(x, t)));
    efa.missing = untolerated.length > 0
      ? {
        why: `the EFA device plugin (${plugins.map((pl) => pl.source).join(', ')}) does not tolerate taint ${untolerated.map(taintText).join(', ')}, so it does not run on the pool's nodes`,
        fix: `add a toleration of ${untolerated.map(taintText).join(', ')} to the EFA device plugin (Helm value tolerations)`,
      }
      : {
        why: `the EFA device plugin (${plugins.map((pl) => pl.source).join(', ')}) does not select the pool's nodes (instance types ${labelList(pool, INSTANCE_TYPE_LABEL)}, labels ${JSON.stringify(pool.labels)})`,
        fix: "let the device plugin select the pool's nodes (Helm values supportedInstanceLabels and nodeSelector), and give the twin the pool's instance types (TwinNodePool.instanceTypes)",
      };
  }
}

function labelList(pool: Pool, key: string): string {
  const v = pool.labelValues[key];
  return key in pool.labelValues ? (v === undefined ? '(any)' : v.join(', ')) : '(unknown)';
}

function taintText(t: { key: string; value?: string; effect: string }): string {
  return `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`;
}

/** Whether a pod (spec) may run on the pool: nodeSelector, required node affinity, tolerations. */
function selects(spec: any, pool: Pool): boolean {
  for (const [k, v] of Object.entries<string>(spec?.nodeSelector ?? {})) {
    if (!(k in pool.labelValues)) return false;
    const vals = pool.labelValues[k];
    if (vals !== undefined && !vals.includes(v)) return false;
  }
  const terms = spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const termMatches = (t: any) => (t.matchExpressions ?? []).every((e: any) => expressionMatches(e, pool));
  if (Array.isArray(terms) && terms.length > 0 && !terms.some(termMatches)) return false;
  for (const taint of pool.taints) {
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!(spec?.tolerations ?? []).some((t: any) => tolerates(t, taint))) return false;
  }
  return true;
}

function expressionMatches(e: any, pool: Pool): boolean {
  const has = e.key in pool.labelValues;
  const vals = pool.labelValues[e.key];
  const values: string[] = e.values ?? [];
  switch (e.operator) {
    case 'In': return has && (vals === undefined || vals.some((v) => values.includes(v)));
    case 'NotIn': return !has || vals === undefined || vals.some((v) => !values.includes(v));
    case 'Exists': return has;
    case 'DoesNotExist': return !has;
    case 'Gt': case 'Lt': {
      if (!has || vals === undefined) return has;
      const n = Number(values[0]);
      return vals.some((v) => (e.operator === 'Gt' ? Number(v) > n : Number(v) < n));
    }
    default: return false;
  }
}

function tolerates(t: any, taint: { key: string; value?: string; effect: string }): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

// ---------------------------------------------------------------------------------------------------------
// Placement

interface Placement {
  /** Per pool, the nodes with room left, bucketed by their free amount of the pool's first resource (GPUs). */
  readonly open: Map<Pool, OpenNodes>;
  /** Nodes each pool may still add. */
  readonly growth: Map<Pool, number>;
  readonly unplaced: Map<Workload, number>;
}

/**
 * The nodes of one pool with room left, bucketed by their free amount of the pool's key resource, so a
 * placement looks at a handful of buckets instead of every node (placement stays linear in the pods).
 * Within the smallest bucket that holds the request, the first node that fits every resource is taken
 * (best fit by the key resource, first fit within it).
 */
class OpenNodes {
  private readonly buckets = new Map<number, Node[]>();
  constructor(private readonly key: string) {}

  public add(node: Node): void {
    const free = node.free[this.key] ?? 0;
    if (Object.values(node.free).every((x) => x <= 0)) return;
    const b = this.buckets.get(free);
    if (b) b.push(node);
    else this.buckets.set(free, [node]);
  }

  /** Take `requests` from a node that has them; false when none has. */
  public take(requests: Record<string, number>): boolean {
    const need = requests[this.key] ?? 0;
    for (const free of [...this.buckets.keys()].filter((k) => k >= need).sort((a, b) => a - b)) {
      const nodes = this.buckets.get(free)!;
      const at = nodes.findIndex((n) => fitsIn(requests, n.free));
      if (at < 0) continue;
      const [node] = nodes.splice(at, 1);
      if (nodes.length === 0) this.buckets.delete(free);
      for (const [r, n] of Object.entries(requests)) node.free[r] = (node.free[r] ?? 0) - n;
      this.add(node);
      return true;
    }
    return false;
  }

  /** How many more pods of `requests` fit, counting up to `enough`. */
  public room(requests: Record<string, number>, enough: number): number {
    let room = 0;
    const single = Object.keys(requests).length === 1 && this.key in requests;
    for (const [free, nodes] of this.buckets) {
      if (single) room += nodes.length * Math.floor(free / requests[this.key]);
      else for (const n of nodes) room += podsIn(requests, n.free);
      if (room >= enough) break;
    }
    return room;
  }
}

function fitsIn(requests: Record<string, number>, free: Record<string, number>): boolean {
  return Object.entries(requests).every(([r, n]) => (free[r] ?? 0) >= n);
}

function podsIn(requests: Record<string, number>, free: Record<string, number>): number {
  return Math.min(...Object.entries(requests).map(([r, n]) => Math.floor((free[r] ?? 0) / n)));
}

/** First-fit decreasing placement of `count(w)` pods of every workload, pools growing up to `cap(pool)` nodes. */
function place(workloads: Workload[], count: (w: Workload) => number, cap: (p: Pool) => number, pools: Pool[]): Placement {
  const open = new Map<Pool, OpenNodes>();
  const growth = new Map<Pool, number>();
  for (const pool of pools) {
    const initial = Math.min(pool.initialNodes, cap(pool));
    const nodes = new OpenNodes(GPU in pool.resourcesPerNode ? GPU : Object.keys(pool.resourcesPerNode)[0] ?? GPU);
    for (let i = 0; i < initial; i++) nodes.add({ pool, free: { ...pool.resourcesPerNode } });
    open.set(pool, nodes);
    growth.set(pool, cap(pool) - initial);
  }
  const unplaced = new Map<Workload, number>();
  const order = [...workloads].sort((a, b) => size(b) - size(a) || a.owner.localeCompare(b.owner));
  for (const w of order) {
    const n = count(w);
    for (let i = 0; i < n; i++) {
      if (!placeOne(w, open, growth)) {
        unplaced.set(w, n - i);
        break;
      }
    }
  }
  return { open, growth, unplaced };
}

function placeOne(w: Workload, open: Map<Pool, OpenNodes>, growth: Map<Pool, number>): boolean {
  for (const pool of w.pools) {
    if (open.get(pool)!.take(w.requests)) return true;
  }
  // A new node from the first pool that may grow and whose node holds the pod (pools in option order: baseline first).
  for (const pool of w.pools) {
    if ((growth.get(pool) ?? 0) > 0 && fitsIn(w.requests, pool.resourcesPerNode)) {
      growth.set(pool, growth.get(pool)! - 1);
      const nodes = open.get(pool)!;
      nodes.add({ pool, free: { ...pool.resourcesPerNode } });
      return nodes.take(w.requests);
    }
  }
  return false;
}

/** Whether `extra` more pods of `w` fit into what is left (free space on nodes plus nodes the pools may add). */
function fitsExtra(open: Map<Pool, OpenNodes>, growth: Map<Pool, number>, w: Workload, extra: number): boolean {
  let room = 0;
  for (const pool of w.pools) {
    room += open.get(pool)!.room(w.requests, extra - room);
    if (room >= extra) return true;
  }
  for (const pool of w.pools) {
    const g = growth.get(pool) ?? 0;
    if (g > 0) room += (Number.isFinite(g) ? g : extra) * podsIn(w.requests, pool.resourcesPerNode);
    if (room >= extra) return true;
  }
  return room >= extra;
}

function size(w: Workload): number {
  return Object.values(w.requests).reduce((s, n) => s + n, 0);
}

function shortfall(w: Workload, all: Workload[], pools: Pool[], at: 'min' | 'max'): string {
  const names = new Set(w.pools.map((p) => p.name));
  const group = pools.filter((p) => names.has(p.name));
  const users = all.filter((x) => x.pools.some((p) => names.has(p.name)));
  const needOf = (r: string) => users.reduce((s, x) => s + (x.requests[r] ?? 0) * (at === 'min' ? x.minReplicas : x.maxReplicas), 0);
  const reachOf = (r: string) => group.reduce((s, p) => s + (p.resourcesPerNode[r] ?? 0) * p.reachableNodes, 0);
  // The resource that runs out (GPUs unless only another one, e.g. EFA interfaces, does).
  const r = GPU in w.requests && needOf(GPU) > reachOf(GPU) ? GPU : Object.keys(w.requests).find((x) => needOf(x) > reachOf(x)) ?? GPU;
  const need = needOf(r);
  const reach = reachOf(r);
  const parts = users.map((x) => `${x.owner.split(' ').pop()} ${(x.requests[r] ?? 0) * (at === 'min' ? x.minReplicas : x.maxReplicas)}`).join(', ');
  return `pool ${poolNames(w.pools)} reaches ${Number.isFinite(reach) ? reach : 'unlimited'} ${r} (${group.map((p) => p.growth).join(' + ')}) `
    + `but its workloads need ${need} at their ${at === 'min' ? 'minimum' : 'maximum'} replicas (${parts})`;
}

function growFix(pools: Pool[]): string {
  const fixed = pools.filter((p) => p.scaling === 'none');
  const karpenter = pools.filter((p) => p.nodePool);
  if (fixed.length === pools.length) {
    return `raise the initial (desired) nodes of ${poolNames(fixed)}, or give the pool an autoscaler (GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER)`;
  }
  if (karpenter.length > 0) return `raise spec.limits of ${karpenter.map((p) => p.source).join(', ')} (maxNodes)`;
  return `raise the most nodes of ${poolNames(pools)}`;
}

function poolNames(pools: Pool[]): string {
  return [...new Set(pools.map((p) => p.name))].join('/');
}

// ---------------------------------------------------------------------------------------------------------
// Rollouts and drains

interface Strategy {
  readonly path: string;
  readonly type: string;
  readonly surge: number;
  readonly unavailable: number;
  readonly maxSurgeRaw: any;
  readonly maxUnavailableRaw: any;
}

function rolloutStrategy(w: Workload): Strategy | undefined {
  const o = w.ownerObject;
  let path: string;
  let strategy: any;
  if (o?.kind === 'Deployment') {
    path = 'spec.strategy';
    strategy = o.spec?.strategy;
  } else if (o?.kind === 'InferenceService') {
    path = 'spec.predictor.deploymentStrategy';
    strategy = o.spec?.predictor?.deploymentStrategy;
  } else {
    return undefined;
  }
  const type = strategy?.type ?? 'RollingUpdate';
  const replicas = Math.max(1, w.minReplicas);
  const rawSurge = strategy?.rollingUpdate?.maxSurge ?? '25%';
  const rawUnavailable = strategy?.rollingUpdate?.maxUnavailable ?? '25%';
  const surge = scaled(rawSurge, replicas, true);
  let unavailable = scaled(rawUnavailable, replicas, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { path, type, surge, unavailable, maxSurgeRaw: rawSurge, maxUnavailableRaw: rawUnavailable };
}

/**
 * PodDisruptionBudgets by namespace and by one `matchLabels` pair each, so finding a pod's budgets looks
 * at the few that can match (budgets without matchLabels are always looked at).
 */
class PdbIndex {
  private readonly byLabel = new Map<string, any[]>();
  private readonly others = new Map<string, any[]>();

  constructor(pdbs: any[]) {
    for (const pdb of pdbs) {
      if (!pdb.spec?.selector) continue;
      const ns = pdb.metadata?.namespace ?? '';
      const first = Object.entries<string>(pdb.spec.selector.matchLabels ?? {})[0];
      const key = first ? `${ns}\u0000${first[0]}\u0000${first[1]}` : ns;
      const map = first ? this.byLabel : this.others;
      map.set(key, [...(map.get(key) ?? []), pdb]);
    }
  }

  /** The budgets selecting a pod with these labels in this namespace, in output order within each bucket. */
  public selecting(ns: string, labels: Record<string, string>): any[] {
    const candidates = [...(this.others.get(ns) ?? [])];
    for (const [k, v] of Object.entries(labels)) candidates.push(...(this.byLabel.get(`${ns}\u0000${k}\u0000${v}`) ?? []));
    return candidates.filter((p) => selectorMatches(p.spec.selector, labels));
  }
}

function drainCheck(w: Workload, pdbs: PdbIndex, add: (f: Omit<TwinFinding, 'check'>) => void, waits: (bounds: string) => void): void {
  const ns = w.pod.namespace;
  const labels = w.pod.pod?.metadata?.labels ?? {};
  const matching = pdbs.selecting(ns, labels);
  const name = w.owner;
  if (matching.length > 1) {
    add({
      object: w.owner,
      field: 'metadata.labels',
      problem: `is selected by ${matching.length} PodDisruptionBudgets (${matching.map((p) => p.metadata?.name).join(', ')}): the API server refuses every eviction of its pods, so node drains never finish`,
      value: matching.map((p) => p.metadata?.name),
      fix: 'keep one PodDisruptionBudget per workload',
    });
    return;
  }
  const pdb = matching[0];
  const allowedAt = (replicas: number) => allowedDisruptions(pdb, replicas);
  const min = Math.max(1, w.minReplicas);
  if (allowedAt(min) >= min) {
    add({
      object: pdb ? ObjectIndex.id(pdb) : w.owner,
      field: pdb ? (pdb.spec.maxUnavailable !== undefined ? 'spec.maxUnavailable' : 'spec.minAvailable') : '',
      problem: pdb
        ? `lets a drain evict all ${min} replica(s) of ${name} at minimum scale: the model serves nothing until they load their weights on another node`
        : `has no PodDisruptionBudget: a node drain evicts all ${min} replica(s) at minimum scale and the model serves nothing until they load their weights again`,
      value: pdb ? (pdb.spec.maxUnavailable ?? pdb.spec.minAvailable) : undefined,
      fix: min === 1
        ? 'keep the only replica with minAvailable 1 and unhealthyPodEvictionPolicy AlwaysAllow (drains then wait for a second replica, bounded by the NodePool terminationGracePeriod), or run at least 2 replicas'
        : `set maxUnavailable 1 (at most ${min - 1} replicas may go at once)`,
    });
    return;
  }
  if (!pdb) return;
  const max = Math.max(min, w.maxReplicas);
  const unbounded = w.pools.filter((p) => p.nodePool && p.drainBoundSeconds === undefined);
  if (allowedAt(max) === 0 && unbounded.length > 0) {
    add({
      object: ObjectIndex.id(pdb),
      field: pdb.spec.maxUnavailable !== undefined ? 'spec.maxUnavailable' : 'spec.minAvailable',
      problem: `allows no eviction of ${name} even at its ${max} maximum replicas and ${unbounded.map((p) => p.source).join(', ')} has no terminationGracePeriod: expired nodes holding it never finish draining`,
      value: pdb.spec.maxUnavailable ?? pdb.spec.minAvailable,
      fix: 'set spec.template.spec.terminationGracePeriod on the NodePool (KarpenterGpuClassProps.terminationGracePeriod), or allow one eviction when a second replica runs',
    });
    return;
  }
  if (allowedAt(min) === 0) {
    const bounds = w.pools.map((p) => (p.drainBoundSeconds !== undefined
      ? `${p.source} deletes it after terminationGracePeriod ${p.nodePool.spec.template.spec.terminationGracePeriod}`
      : p.nodePool ? `${p.source} waits` : `EKS fails a managed node group update after ${EKS_DRAIN_MINUTES} minutes unless forced`));
    waits([...new Set(bounds)].join('; '));
  }
}

function allowedDisruptions(pdb: any, replicas: number): number {
  if (!pdb) return replicas;
  const s = pdb.spec ?? {};
  if (s.maxUnavailable !== undefined) return Math.max(0, Math.min(replicas, scaled(s.maxUnavailable, replicas, true)));
  if (s.minAvailable !== undefined) return Math.max(0, replicas - scaled(s.minAvailable, replicas, true));
  return replicas;
}

function nodePoolCheck(pool: Pool, workloads: Workload[], add: (f: Omit<TwinFinding, 'check'>) => void): void {
  const np = pool.nodePool;
  const id = ObjectIndex.id(np);
  const budgets: any[] = np.spec?.disruption?.budgets ?? [];
  const frozen = budgets.find((b) => !b.schedule && String(b.nodes) === '0'
    && (!Array.isArray(b.reasons) || b.reasons.length === 0 || b.reasons.includes('Drifted')));
  if (frozen) {
    add({
      object: id,
      field: `spec.disruption.budgets[${budgets.indexOf(frozen)}].nodes`,
      problem: `is 0 for ${frozen.reasons?.length ? frozen.reasons.join(', ') : 'every reason'} at all times: drifted nodes are never replaced, so a new AMI alias or node class change never rolls out`,
      value: frozen.nodes,
      fix: "allow drift one node at a time (nodes '1' for reason Drifted; KarpenterGpuClassProps.disruptionBudgets), optionally within a maintenance schedule",
    });
  }
  const tpl = np.spec?.template?.spec ?? {};
  const expires = tpl.expireAfter !== undefined && tpl.expireAfter !== 'Never';
  if (expires && tpl.terminationGracePeriod === undefined) {
    const pinned = workloads.filter((w) => w.pools.includes(pool) && isDoNotDisrupt(w.pod.pod?.metadata?.annotations?.['karpenter.sh/do-not-disrupt']));
    if (pinned.length > 0) {
      add({
        object: id,
        field: 'spec.template.spec.terminationGracePeriod',
        problem: `is unset while nodes expire after ${tpl.expireAfter} and ${pinned.map((w) => w.owner).join(', ')} carry karpenter.sh/do-not-disrupt: expired nodes hang draining forever`,
        value: undefined,
        fix: 'set terminationGracePeriod (e.g. 1h) so a drain ends, or drop the do-not-disrupt annotation and rely on PodDisruptionBudgets',
      });
    }
  }
}

function isDoNotDisrupt(v: unknown): boolean {
  return v === 'true' || (typeof v === 'string' && goDurationSeconds(v) !== undefined);
}

// ---------------------------------------------------------------------------------------------------------
// Helpers

/** Extended resources one pod requests (requests default to limits), including init and sidecar containers. */
function extendedRequests(spec: any): Record<string, number> {
  const of = (c: any): Record<string, number> => {
    const out: Record<string, number> = {};
    const req = { ...(c?.resources?.limits ?? {}), ...(c?.resources?.requests ?? {}) };
    for (const [r, q] of Object.entries(req)) {
      if (BASIC.has(r) || r.startsWith('hugepages-')) continue;
      const n = quantity(q);
      if (n > 0) out[r] = n;
    }
    return out;
  };
  const sum = (a: Record<string, number>, b: Record<string, number>) => {
    const out = { ...a };
    for (const [r, n] of Object.entries(b)) out[r] = (out[r] ?? 0) + n;
    return out;
  };
  const inits: any[] = spec?.initContainers ?? [];
  const sidecars = inits.filter((c) => c.restartPolicy === 'Always').map(of).reduce(sum, {});
  let total = (spec?.containers ?? []).map(of).reduce(sum, sidecars);
  for (const c of inits.filter((x) => x.restartPolicy !== 'Always')) {
    const init = sum(of(c), sidecars);
    for (const [r, n] of Object.entries(init)) if (n > (total[r] ?? 0)) total = { ...total, [r]: n };
  }
  return total;
}

/** A Kubernetes quantity as a number (`4`, `500m`, `2k`, `1Gi`). */
function quantity(q: unknown): number {
  if (typeof q === 'number') return q;
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q ?? '').trim());
  if (!m) return NaN;
  const mult: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4 };
  return Number(m[1]) * (m[2] ? mult[m[2]] : 1);
}

/** An int-or-percent scaled against `total` (percentages round up or down). */
function scaled(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'string' && v.endsWith('%')) {
    const x = (Number(v.slice(0, -1)) * total) / 100;
    return roundUp ? Math.ceil(x) : Math.floor(x);
  }
  return Number(v);
}

/** A Go duration (`1h30m`, `720h`, `45s`) in seconds; undefined when it is not one. */
function goDurationSeconds(v: string): number | undefined {
  const re = /([0-9.]+)(h|m|s|ms)/g;
  if (!/^([0-9.]+(h|m|s|ms))+$/.test(String(v))) return undefined;
  let s = 0;
  let m: RegExpExecArray | null;
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  while ((m = re.exec(v)) !== null) s += Number(m[1]) * unit[m[2]];
  return s;
}

function containersPath(p: TwinPod): string {
  const spec = p.pod?.spec ?? {};
  const c = (spec.containers ?? []).find((x: any) => Object.keys(extendedRequests({ containers: [x] })).length > 0) ?? spec.containers?.[0];
  const base = p.ownerObject?.kind === 'InferenceService' ? p.templatePath : `${p.templatePath}.spec`;
  return `${base}.containers[${c?.name ?? 0}]`;
}

function replicasField(w: Workload, at: 'min' | 'max'): string {
  switch (w.ownerObject?.kind) {
    case 'InferenceService': return at === 'min' ? 'spec.predictor.minReplicas' : 'spec.predictor.maxReplicas';
    case 'Deployment': return 'spec.replicas';
    default: return w.pod.templatePath;
  }
}

function describe(requests: Record<string, number>): string {
  return Object.entries(requests).map(([r, n]) => `${n} ${r}`).join(' + ');
}
