import { Chart, Testing } from 'cdk8s';
import { GpuInstanceType, GpuPool } from '../../src/core';
import { PlatformLabels } from '../../src/core/labels';
import { KarpenterGpuClass } from '../../src/k8s/gpu/karpenter-gpu-class';
import { ModelAutoscaling } from '../../src/k8s/serving/model-autoscaling';
import { PlatformTwin } from '../../src/twin/platform-twin';
import { checkCapacity } from '../../src/twin/private/capacity';
import { TwinPoolWithEfa } from '../../src/twin/private/efa';
import { ObjectIndex, ResolvedTwinOptions, TwinContext, TwinPod, TwinPool } from '../../src/twin/private/model';
import { model, tenant } from '../k8s/fixtures';

const POOL_LABEL = PlatformLabels.GPU_POOL;
const GPU_TAINT = { key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' };

/** A managed node group pool as the lead resolves it from the spec. */
function mng(name: string, gpusPerNode: number, initialNodes: number, scaling: 'none' | 'cluster-autoscaler' = 'none', maxNodes = initialNodes): TwinPool {
  return {
    name,
    labels: { [POOL_LABEL]: name },
    taints: [GPU_TAINT],
    resourcesPerNode: { 'nvidia.com/gpu': gpusPerNode },
    minNodes: initialNodes,
    maxNodes,
    initialNodes,
    scaling,
    source: `managed node group acme-llm-prod-${name}`,
  };
}

function podSpec(pool: string, gpus: number, extra: any = {}): any {
  return {
    affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: [pool] }] }] } } },
    tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
    containers: [{ name: 'server', image: 'x', resources: { requests: { 'cpu': '4', 'nvidia.com/gpu': String(gpus) }, limits: { 'nvidia.com/gpu': String(gpus) } } }],
    ...extra,
  };
}

interface DeploymentOptions {
  readonly namespace?: string;
  readonly pool?: string;
  readonly gpus?: number;
  readonly min?: number;
  readonly max?: number;
  readonly strategy?: any;
  readonly annotations?: Record<string, string>;
}

/** A Deployment and the TwinPod its controller makes. */
function deployment(name: string, o: DeploymentOptions = {}): { object: any; pod: TwinPod } {
  const namespace = o.namespace ?? 'search';
  const labels = { 'llm-platform.io/model': name };
  const spec = podSpec(o.pool ?? 'l40s', o.gpus ?? 4);
  const object = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: o.min ?? 1,
      selector: { matchLabels: labels },
      strategy: o.strategy ?? { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: { metadata: { labels, annotations: o.annotations ?? {} }, spec },
    },
  };
  return { object, pod: twinPod(object, o.min ?? 1, o.max ?? o.min ?? 1) };
}

function twinPod(object: any, min: number, max: number): TwinPod {
  const inference = object.kind === 'InferenceService';
  const predictor = object.spec.predictor;
  const tpl = inference ? { metadata: { labels: predictor.labels, annotations: predictor.annotations }, spec: predictor } : object.spec.template;
  return {
    owner: ObjectIndex.id(object),
    ownerObject: object,
    origin: inference ? 'operator' : 'controller',
    namespace: object.metadata.namespace,
    namePrefix: `${object.metadata.name}-`,
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: object.metadata.namespace, labels: tpl.metadata?.labels ?? {}, annotations: tpl.metadata?.annotations ?? {} }, spec: tpl.spec },
    templatePath: inference ? 'spec.predictor' : 'spec.template',
    minReplicas: min,
    maxReplicas: max,
    mutations: [],
  };
}

function pdb(name: string, spec: any, namespace = 'search'): any {
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { 'llm-platform.io/model': name } }, unhealthyPodEvictionPolicy: 'AlwaysAllow', ...spec },
  };
}

function context(objects: any[], pods: TwinPod[], pools: TwinPool[]): TwinContext {
  const options: ResolvedTwinOptions = { pools, systemNamespaces: ['kube-system'], registries: [], podIdentityServiceAccounts: [] };
  return { index: new ObjectIndex(objects), pods, derived: [], options };
}

/** Deployments (with a 1-allowed PDB each unless given) checked on the pools. */
function run(items: { object: any; pod: TwinPod }[], pools: TwinPool[], extra: any[] = []) {
  const pdbs = extra.some((o) => o.kind === 'PodDisruptionBudget') ? [] : items.map((i) => pdb(i.object.metadata.name, { minAvailable: 1 }));
  return checkCapacity(context([...items.map((i) => i.object), ...pdbs, ...extra], items.map((i) => i.pod), pools));
}

function karpenterClass(maxNodes: number | undefined, props: any = {}): any[] {
  const chart = Testing.chart();
  new KarpenterGpuClass(chart, 'L40s', {
    poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], nodeRole: 'acme-llm-prod-karpenter-node', discoveryTag: 'acme-llm-prod', maxNodes, ...props,
  });
  return Testing.synth(chart);
}

describe('capacity: pools and placement', () => {
  test('defect 7: a managed node group without autoscaler stuck at 1 node while its models need 8 GPUs at minimum', () => {
    const out = run([deployment('mixtral-8x7b-stable', { namespace: 'support', min: 1, max: 2 }), deployment('llama3-70b', { namespace: 'support' })], [mng('l40s', 4, 1, 'none', 4)]);
    expect(out.check).toBe('capacity');
    expect(out.summary[0]).toBe('l40s: 8 GPUs needed at min (2 models), 12 at max, 4 available at start, 4 reachable (managed node group acme-llm-prod-l40s, 1 node, no autoscaler)');
    const pending = out.findings.filter((f) => f.problem.includes('minimum replicas pending'));
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ check: 'capacity', field: 'spec.replicas', value: 1 });
    expect(pending[0].problem).toContain('pool l40s reaches 4 nvidia.com/gpu (managed node group acme-llm-prod-l40s, 1 node, no autoscaler) but its workloads need 8 at their minimum replicas');
    expect(pending[0].fix).toContain('GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER');
    expect(out.passed).toBeLessThan(out.checked);
  });

  test('the fixed variant: 2 initial nodes hold the minimum; the maximum is unreachable without an autoscaler', () => {
    const out = run([deployment('mixtral-8x7b-stable', { namespace: 'support', min: 1, max: 2 }), deployment('llama3-70b', { namespace: 'support' })], [mng('l40s', 4, 3, 'none', 4)]);
    expect(out.findings.filter((f) => f.problem.includes('pending'))).toEqual([]);
    const two = run([deployment('mixtral-8x7b-stable', { namespace: 'support', min: 1, max: 2 }), deployment('llama3-70b', { namespace: 'support' })], [mng('l40s', 4, 2, 'none', 4)]);
    const max = two.findings.find((f) => f.problem.includes('maximum replicas'))!;
    expect(max.object).toBe('Deployment support/mixtral-8x7b-stable');
    expect(max.problem).toContain('can never reach its 2 maximum replicas (1 stay pending)');
    expect(max.fix).toContain('or lower the maximum replicas');
  });

  test('a cluster-autoscaler pool grows to its max nodes; replicas wait for it at start', () => {
    const inPlace = { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } };
    const out = run([deployment('a', { min: 2, max: 2, strategy: inPlace })], [mng('l40s', 4, 1, 'cluster-autoscaler', 2)]);
    expect(out.findings).toEqual([]);
    expect(out.summary).toContain('l40s: 1 replica(s) wait for the autoscaler at start (managed node group acme-llm-prod-l40s)');
    expect(out.summary[0]).toContain('8 reachable (managed node group acme-llm-prod-l40s, 1 to 2 nodes by cluster-autoscaler)');
  });

  test('per-node fit: a 4-GPU pod on 1-GPU nodes never schedules, whatever the node count', () => {
    const out = run([deployment('big', { pool: 'a10g', gpus: 4 })], [mng('a10g', 1, 8)]);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]).toMatchObject({
      object: 'Deployment search/big',
      field: 'spec.template.spec.containers[server].resources.requests.nvidia.com/gpu',
      value: 4,
    });
    expect(out.findings[0].problem).toBe('asks 4 nvidia.com/gpu per pod but the largest node of pool a10g has 1: the pod never schedules');
  });

  test('packing is per node: 3 pods of 3 GPUs need 3 nodes of 4, not 9/4', () => {
    const out = run([deployment('three', { gpus: 3, min: 3, max: 3 })], [mng('l40s', 4, 2)]);
    expect(out.findings.map((f) => f.problem)).toEqual([expect.stringContaining('leaves 1 of its 3 minimum replicas pending')]);
  });

  test('pods selecting no pool and DaemonSet GPU pods are not modelled, never a crash', () => {
    const a = deployment('elsewhere', { pool: 'h100' });
    const ds = { ...twinPod(deployment('ds').object, 1, 1), minReplicas: -1, maxReplicas: -1, owner: 'DaemonSet nvidia-gpu/ds' };
    const plain = { ...a.pod, owner: 'Deployment observability/collector', pod: { metadata: {}, spec: { containers: [{ name: 'c', resources: { limits: { cpu: '1' } } }] } } };
    const out = checkCapacity(context([a.object], [a.pod, ds, plain], [mng('l40s', 4, 1)]));
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toEqual([
      'Deployment search/elsewhere: requests 4 nvidia.com/gpu but selects none of the modelled node pools (l40s)',
      'DaemonSet nvidia-gpu/ds: one pod per node requesting 4 nvidia.com/gpu (DaemonSet) not placed',
      '1 pod templates request no extended resources: their CPU and memory on the system pool are not modelled',
    ]);
  });

  test('extended resources no pool declares are not modelled; the GPUs still are', () => {
    const d = deployment('fpga', { min: 2, max: 2, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } });
    d.pod.pod.spec.containers[0].resources.limits['example.com/fpga'] = '1';
    const out = run([d], [mng('l40s', 4, 1)]);
    expect(out.notModelled).toEqual(['Deployment search/fpga: example.com/fpga (1 per pod) is not modelled: no node pool declares it']);
    expect(out.findings.map((f) => f.problem)).toEqual([expect.stringContaining('leaves 1 of its 2 minimum replicas pending')]);
  });

  test('a pod that does not tolerate the pool taint does not select it', () => {
    const d = deployment('untolerated');
    d.pod.pod.spec.tolerations = [];
    const out = checkCapacity(context([d.object], [d.pod], [mng('l40s', 4, 1)]));
    expect(out.notModelled[0]).toContain('selects none of the modelled node pools');
  });
});

describe('capacity: Karpenter NodePools from the output', () => {
  test('a NodePool reaches spec.limits nvidia.com/gpu / GPUs per node, from zero', () => {
    const out = run([deployment('a', { min: 2, max: 3 })], [], karpenterClass(2));
    expect(out.summary[0]).toBe('l40s: 8 GPUs needed at min (1 model), 12 at max, 0 available at start, 8 reachable (Karpenter NodePool l40s, 0 to 2 nodes (limits.nvidia.com/gpu 8))');
    const max = out.findings.find((f) => f.problem.includes('maximum replicas'))!;
    expect(max.fix).toContain('raise spec.limits of Karpenter NodePool l40s');
  });

  test('a NodePool without limits is unbounded; a managed baseline and a Karpenter burst pool of one name add up', () => {
    const out = run([deployment('a', { min: 2, max: 3 })], [mng('l40s', 4, 1)], karpenterClass(undefined));
    expect(out.findings).toEqual([]);
    expect(out.summary[0]).toContain('4 available at start, unbounded reachable (managed node group acme-llm-prod-l40s, 1 node, no autoscaler + Karpenter NodePool l40s, 0 to unlimited nodes (no limits))');
  });

  test('a cpu limit bounds the nodes too; unknown instance types leave the NodePool not modelled', () => {
    const objects = karpenterClass(4);
    const np = objects.find((o) => o.kind === 'NodePool');
    np.spec.limits = { 'nvidia.com/gpu': '16', 'cpu': '100' };
    // g6e.12xlarge: 48 vCPU, so 100 cores hold 2 nodes
    expect(run([deployment('a', { min: 1, max: 1 })], [], objects).summary[0]).toContain('0 to 2 nodes (limits.nvidia.com/gpu 16, limits.cpu 100)');
    np.spec.template.spec.requirements[0].values = ['x9.large'];
    const out = run([deployment('a')], [], objects);
    expect(out.notModelled).toContain('NodePool l40s: instance types x9.large are not all known GPU instance types; its capacity is not modelled');
    expect(out.notModelled).toContain('Deployment search/a: requests 4 nvidia.com/gpu but selects none of the modelled node pools (none)');
  });

  test('a Karpenter pool also given in the options is taken from the output', () => {
    const karpenterOption = { ...mng('l40s', 4, 0, 'none', 99), scaling: 'karpenter' as const };
    const out = run([deployment('a', { min: 1, max: 1 })], [karpenterOption], karpenterClass(1));
    expect(out.summary[0]).toContain('(Karpenter NodePool l40s, 0 to 1 nodes (limits.nvidia.com/gpu 4))');
  });

  test('defect 16: a Drifted budget of 0 is reported; the library default allows drift one node at a time', () => {
    const objects = karpenterClass(2, { disruptionBudgets: undefined });
    const np = objects.find((o) => o.kind === 'NodePool');
    const fixed = run([deployment('a')], [], objects);
    expect(fixed.findings).toEqual([]);
    np.spec.disruption.budgets = [{ nodes: '0', reasons: ['Drifted', 'Underutilized'] }, { nodes: '1', reasons: ['Empty'] }];
    const broken = run([deployment('a')], [], objects);
    expect(broken.findings).toEqual([expect.objectContaining({
      object: 'NodePool l40s',
      field: 'spec.disruption.budgets[0].nodes',
      value: '0',
      problem: 'is 0 for Drifted, Underutilized at all times: drifted nodes are never replaced, so a new AMI alias or node class change never rolls out',
    })]);
    // A zero budget within a maintenance schedule only pauses drift.
    np.spec.disruption.budgets = [{ nodes: '0', reasons: ['Drifted'], schedule: '0 9 * * mon-fri', duration: '8h' }];
    expect(run([deployment('a')], [], objects).findings).toEqual([]);
  });

  test('defect 16: do-not-disrupt pods on expiring nodes without terminationGracePeriod hang draining', () => {
    const objects = karpenterClass(2);
    const np = objects.find((o) => o.kind === 'NodePool');
    delete np.spec.template.spec.terminationGracePeriod;
    const pinned = deployment('a', { max: 2, annotations: { 'karpenter.sh/do-not-disrupt': 'true' } });
    const out = run([pinned], [], objects);
    expect(out.findings).toEqual([expect.objectContaining({
      object: 'NodePool l40s',
      field: 'spec.template.spec.terminationGracePeriod',
      problem: 'is unset while nodes expire after 720h and Deployment search/a carry karpenter.sh/do-not-disrupt: expired nodes hang draining forever',
    })]);
    expect(run([deployment('a', { max: 2 })], [], objects).findings).toEqual([]);
  });
});

describe('capacity: rollouts', () => {
  test('defect 13: maxSurge 0 / maxUnavailable 1 at 1 replica takes the model down on every rollout', () => {
    const broken = deployment('mixtral', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } });
    const out = run([broken], [mng('l40s', 4, 2)]);
    expect(out.findings).toEqual([expect.objectContaining({
      object: 'Deployment search/mixtral',
      field: 'spec.strategy.rollingUpdate.maxSurge',
      value: 0,
      problem: 'is 0 with maxUnavailable 1: a rollout stops all 1 replica(s) at minimum scale and the model serves nothing until new pods load their weights',
    })]);
    // The same strategy at 2 replicas keeps one serving.
    expect(run([deployment('two', { min: 2, strategy: broken.object.spec.strategy })], [mng('l40s', 4, 2)]).findings).toEqual([]);
  });

  test('Kubernetes defaults (25%/25%) surge one pod at 1 replica; Recreate stops everything', () => {
    const defaults = deployment('d', { strategy: {} });
    const out = run([defaults], [mng('l40s', 4, 1)]);
    expect(out.findings.map((f) => f.field)).toEqual(['spec.strategy.rollingUpdate.maxSurge']);
    expect(out.findings[0].problem).toContain('needs 1 extra replica(s) of 4 nvidia.com/gpu during a rollout but pool l40s has no room');
    expect(out.findings[0].value).toBe('25%');
    const recreate = run([deployment('r', { strategy: { type: 'Recreate' } })], [mng('l40s', 4, 1)]);
    expect(recreate.findings).toEqual([expect.objectContaining({ field: 'spec.strategy.type', value: 'Recreate' })]);
  });

  test('a surge replica fits when the pool has room', () => {
    expect(run([deployment('s')], [mng('l40s', 4, 2)]).findings).toEqual([]);
    expect(run([deployment('s')], [mng('l40s', 4, 1, 'cluster-autoscaler', 2)]).findings).toEqual([]);
  });

  test('KServe: the predictor deploymentStrategy, else KServe defaults', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'llama3-70b', namespace: 'support' },
      spec: { predictor: { minReplicas: 1, maxReplicas: 1, labels: { 'llm-platform.io/model': 'llama3-70b' }, ...podSpec('l40s', 4), deploymentStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } } } },
    };
    const item = { object: isvc, pod: twinPod(isvc, 1, 1) };
    const out = run([item], [mng('l40s', 4, 2)], [pdb('llama3-70b', { minAvailable: 1 }, 'support')]);
    expect(out.findings).toEqual([expect.objectContaining({ object: 'InferenceService support/llama3-70b', field: 'spec.predictor.deploymentStrategy.rollingUpdate.maxSurge' })]);
    delete (isvc.spec.predictor as any).deploymentStrategy;
    expect(run([item], [mng('l40s', 4, 2)], [pdb('llama3-70b', { minAvailable: 1 }, 'support')]).findings).toEqual([]);
  });
});

describe('capacity: node drains', () => {
  test('defect 13: a PDB allowing the only replica to be evicted is an outage on every drain', () => {
    const d = deployment('mixtral');
    const out = run([d], [mng('l40s', 4, 2)], [pdb('mixtral', { maxUnavailable: 1 })]);
    expect(out.passed).toBe(0);
    expect(out.findings).toEqual([expect.objectContaining({
      object: 'PodDisruptionBudget search/mixtral',
      field: 'spec.maxUnavailable',
      value: 1,
      problem: 'lets a drain evict all 1 replica(s) of Deployment search/mixtral at minimum scale: the model serves nothing until they load their weights on another node',
    })]);
  });

  test('no PDB at all: drains evict every replica', () => {
    const d = deployment('lonely');
    const out = checkCapacity(context([d.object], [d.pod], [mng('l40s', 4, 2)]));
    expect(out.findings).toEqual([expect.objectContaining({ object: 'Deployment search/lonely', field: '', problem: expect.stringContaining('has no PodDisruptionBudget') })]);
  });

  test('minAvailable 1 at 1 replica: drains wait for a second replica (a note, not a finding)', () => {
    const out = run([deployment('m', { min: 1, max: 2 })], [mng('l40s', 4, 2)], [pdb('m', { minAvailable: 1 })]);
    expect(out.findings).toEqual([]);
    expect(out.summary).toContain('drains: the single replica of Deployment search/m is kept by its PodDisruptionBudget; a drain waits until a second replica runs (EKS fails a managed node group update after 15 minutes unless forced)');
    const two = run([deployment('m', { min: 1, max: 2 }), deployment('n', { min: 1, max: 2 })], [mng('l40s', 4, 3)]);
    expect(two.summary).toContain('drains: the single replica of Deployment search/m, Deployment search/n is kept by its PodDisruptionBudget; a drain waits until a second replica runs (EKS fails a managed node group update after 15 minutes unless forced)');
  });

  test('a PDB allowing no eviction even at max replicas on a NodePool without terminationGracePeriod blocks drains forever', () => {
    const objects = karpenterClass(4);
    const np = objects.find((o) => o.kind === 'NodePool');
    const d = deployment('m', { min: 1, max: 1 });
    expect(run([d], [], [...objects, pdb('m', { minAvailable: 1 })]).findings).toEqual([]);
    expect(run([d], [], [...objects, pdb('m', { minAvailable: 1 })]).summary.join('\n')).toContain('Karpenter NodePool l40s deletes it after terminationGracePeriod 1h');
    delete np.spec.template.spec.terminationGracePeriod;
    const out = run([d], [], [...objects, pdb('m', { maxUnavailable: '0%' })]);
    expect(out.findings).toEqual([expect.objectContaining({ object: 'PodDisruptionBudget search/m', field: 'spec.maxUnavailable', value: '0%' })]);
    expect(out.findings[0].problem).toContain('expired nodes holding it never finish draining');
  });

  test('two PDBs selecting one workload make every eviction fail', () => {
    const d = deployment('m', { min: 2, max: 2 });
    const out = run([d], [mng('l40s', 4, 3)], [pdb('m', { maxUnavailable: 1 }), { ...pdb('m', { maxUnavailable: 1 }), metadata: { name: 'm-2', namespace: 'search' } }]);
    expect(out.findings).toEqual([expect.objectContaining({ field: 'metadata.labels', value: ['m', 'm-2'] })]);
  });

  test('percentages round up: maxUnavailable 50% of 3 replicas allows 2, minAvailable 50% of 3 keeps 2', () => {
    const d = deployment('p', { min: 3, max: 3 });
    expect(run([d], [mng('l40s', 4, 4)], [pdb('p', { maxUnavailable: '50%' })]).findings).toEqual([]);
    expect(run([d], [mng('l40s', 4, 4)], [pdb('p', { minAvailable: '50%' })]).findings).toEqual([]);
    expect(run([d], [mng('l40s', 4, 4)], [pdb('p', { maxUnavailable: '100%' })]).findings).toHaveLength(1);
  });
});

describe('capacity: the library output', () => {
  /** The stable Deployment of a ModelServer as the twin sees it (min/max from its autoscaler). */
  function fromChart(chart: Chart, min: number, max: number) {
    const objects = Testing.synth(chart);
    const d = objects.find((o) => o.kind === 'Deployment');
    return { objects, pod: twinPod(d, min, max) };
  }

  test('a single-replica ModelServer passes: surge 1, PDB keeps it, the Karpenter pool bounds drains', () => {
    const chart = Testing.chart();
    const pool = new KarpenterGpuClass(chart, 'Pool', {
      poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], nodeRole: 'node', discoveryTag: 'acme', maxNodes: 3,
    });
    model(chart, { pool, gpusPerReplica: 4, replicas: { min: 1, max: 2 } }, tenant(chart, { gpuQuota: 12 }));
    const { objects, pod } = fromChart(chart, 1, 2);
    const out = checkCapacity(context(objects, [pod], []));
    expect(out.findings).toEqual([]);
    expect(out.summary[0]).toBe('l40s: 4 GPUs needed at min (1 model), 8 at max, 0 available at start, 12 reachable (Karpenter NodePool l40s, 0 to 3 nodes (limits.nvidia.com/gpu 12))');
    expect(out.checked).toBe(2);
    expect(out.passed).toBe(2);
  });

  test('a two-replica fixed ModelServer on a managed pool passes', () => {
    const chart = Testing.chart();
    const pool = GpuPool.fromAttributes({ poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE] });
    model(chart, { pool, gpusPerReplica: 4, replicas: { min: 2, max: 2 }, autoscaling: ModelAutoscaling.fixed() }, tenant(chart, { gpuQuota: 8 }));
    const { objects, pod } = fromChart(chart, 2, 2);
    const out = checkCapacity(context(objects, [pod], [mng('l40s', 4, 2)]));
    expect(out.findings).toEqual([]);
  });
});

describe('capacity: EFA (issue 13, point 4)', () => {
  const EFA = 'vpc.amazonaws.com/efa';
  const GPU_TOLERATION = { key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' };

  /** The p5.48xlarge managed node group of an EFA pool: 8 GPUs and 32 EFA interfaces per node. */
  function p5Pool(initialNodes = 2, more: Partial<TwinPoolWithEfa> = {}): TwinPoolWithEfa {
    return { ...mng('h100', 8, initialNodes), efaInterfacesPerNode: 32, instanceTypes: ['p5.48xlarge'], ...more };
  }

  /** A PyTorchJob of `pods` pods, each requesting `gpus` GPUs and `efa` EFA interfaces (requests = limits). */
  function job(pods: number, gpus = 8, efa = 32, pool = 'h100'): { object: any; pod: TwinPod } {
    const spec = podSpec(pool, gpus);
    for (const k of ['requests', 'limits']) Object.assign(spec.containers[0].resources[k], { [EFA]: String(efa), 'hugepages-2Mi': '5120Mi' });
    spec.containers[0].name = 'pytorch';
    const template = { metadata: { labels: { 'llm-platform.io/name': 'pretrain' } }, spec };
    const object = {
      apiVersion: 'kubeflow.org/v1',
      kind: 'PyTorchJob',
      metadata: { name: 'pretrain', namespace: 'search' },
      spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template }, Worker: { replicas: pods - 1, template } } },
    };
    const pod: TwinPod = {
      owner: ObjectIndex.id(object),
      ownerObject: object,
      origin: 'operator',
      namespace: 'search',
      namePrefix: 'pretrain-worker-',
      pod: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'search', labels: template.metadata.labels }, spec },
      templatePath: 'spec.pytorchReplicaSpecs.Worker.template',
      minReplicas: pods,
      maxReplicas: pods,
      mutations: [],
    };
    return { object, pod };
  }

  /** The Argo CD Application of the EFA device plugin add-on (eks-charts aws-efa-k8s-device-plugin). */
  function pluginApp(values: any = { tolerations: [GPU_TOLERATION] }, version = 'v0.5.30'): any {
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'aws-efa-k8s-device-plugin', namespace: 'argocd' },
      spec: {
        project: 'platform',
        destination: { server: 'https://kubernetes.default.svc', namespace: 'kube-system' },
        source: { repoURL: 'https://aws.github.io/eks-charts', chart: 'aws-efa-k8s-device-plugin', targetRevision: version, helm: { valuesObject: values } },
      },
    };
  }

  function check(items: { object: any; pod: TwinPod }[], pools: TwinPool[], extra: any[] = [], pods: TwinPod[] = []) {
    return checkCapacity(context([...items.map((i) => i.object), ...extra], [...items.map((i) => i.pod), ...pods], pools));
  }

  const efaFindings = (out: any) => out.findings.filter((f: any) => f.field.endsWith(`requests.${EFA}`));

  test('broken variant: pods request EFA but no EFA device plugin runs, so no node advertises vpc.amazonaws.com/efa', () => {
    const out = check([job(2)], [p5Pool()]);
    expect(efaFindings(out)).toEqual([{
      check: 'capacity',
      object: 'PyTorchJob search/pretrain',
      field: `spec.pytorchReplicaSpecs.Worker.template.spec.containers[pytorch].resources.requests.${EFA}`,
      problem: `asks 32 ${EFA} per pod but no node of pool h100 advertises any (no EFA device plugin runs in the output, so nodes advertise no ${EFA}): the pod never schedules`,
      value: 32,
      fix: "install the AWS EFA device plugin add-on (chart aws-efa-k8s-device-plugin) tolerating the pool's taints (nvidia.com/gpu=true:NoSchedule)",
    }]);
    expect(out.notModelled.join('\n')).not.toContain(EFA);
    expect(out.passed).toBe(out.checked - 1);
  });

  test('broken variant: the device plugin add-on without a toleration of the GPU taint never runs on GPU nodes (chart default tolerations: [])', () => {
    const out = check([job(2)], [p5Pool()], [pluginApp({})]);
    const [f] = efaFindings(out);
    expect(f.problem).toContain('the EFA device plugin (Application argocd/aws-efa-k8s-device-plugin) does not tolerate taint nvidia.com/gpu=true:NoSchedule');
    expect(f.fix).toBe('add a toleration of nvidia.com/gpu=true:NoSchedule to the EFA device plugin (Helm value tolerations)');
  });

  test('fixed: the plugin tolerates the taint and selects p5.48xlarge; EFA counted at min and max in the summary', () => {
    const out = check([job(2)], [p5Pool()], [pluginApp()]);
    expect(out.findings).toEqual([]);
    expect(out.summary).toEqual([
      'h100: 16 GPUs needed at min (1 job), 16 at max, 16 available at start, 16 reachable (managed node group acme-llm-prod-h100, 2 nodes, no autoscaler)',
      `h100: 64 ${EFA} needed at min, 64 at max, 64 available at start, 64 reachable (32 per node)`,
    ]);
    expect(out.notModelled.join('\n')).not.toContain('aws-efa-k8s-device-plugin');
  });

  test('EFA binds before GPUs: 3 pods of 4 GPUs and 32 interfaces need 3 nodes, 2 nodes hold 16 GPUs but only 2 such pods', () => {
    const out = check([job(3, 4)], [p5Pool()], [pluginApp()]);
    const [f] = out.findings;
    expect(f).toMatchObject({ object: 'PyTorchJob search/pretrain', field: 'spec.pytorchReplicaSpecs.Worker.template', value: 3 });
    expect(f.problem).toBe(`leaves 1 of its 3 minimum replicas pending: pool h100 reaches 64 ${EFA} (managed node group acme-llm-prod-h100, 2 nodes, no autoscaler) `
      + 'but its workloads need 96 at their minimum replicas (search/pretrain 96)');
    expect(out.summary[1]).toBe(`h100: 96 ${EFA} needed at min, 96 at max, 64 available at start, 64 reachable (32 per node)`);
  });

  test('more interfaces per pod than a node has', () => {
    const out = check([job(2, 8, 33)], [p5Pool()], [pluginApp()]);
    expect(out.findings[0].problem).toBe(`asks 33 ${EFA} per pod but the largest node of pool h100 has 32: the pod never schedules`);
  });

  test('a pool without EFA interfaces (efa not set on the pool) is named with the fix', () => {
    const out = check([job(2)], [p5Pool(2, { efaInterfacesPerNode: 0 })], [pluginApp()]);
    const [f] = efaFindings(out);
    expect(f.problem).toContain('(its nodes have no EFA interfaces attached)');
    expect(f.fix).toBe('give managed node group acme-llm-prod-h100 EFA interfaces (GpuPoolSpec.efa on an instance type with EFA, e.g. p5.48xlarge), or drop the EFA request');
    // No summary line for EFA when nobody asks and nothing advertises it.
    expect(check([], [p5Pool(2, { efaInterfacesPerNode: 0 })], [pluginApp()]).summary.filter((l) => l.includes(EFA))).toEqual([]);
  });

  test('the plugin\'s node affinity selects by instance type: a pool of unknown or unsupported types gets no EFA', () => {
    const unknown = check([job(2)], [p5Pool(2, { instanceTypes: undefined })], [pluginApp()]);
    expect(efaFindings(unknown)[0].problem).toContain("does not select the pool's nodes (instance types (unknown)");
    expect(efaFindings(unknown)[0].fix).toContain('TwinNodePool.instanceTypes');
    const narrowed = check([job(2)], [p5Pool()], [pluginApp({ tolerations: [GPU_TOLERATION], supportedInstanceLabels: { keys: ['node.kubernetes.io/instance-type'], values: ['p4d.24xlarge'] } })]);
    expect(efaFindings(narrowed)[0].problem).toContain("does not select the pool's nodes (instance types p5.48xlarge");
  });

  test('a device plugin DaemonSet pod in the output (an add-on render or a plain DaemonSet) counts like the Application', () => {
    const ds = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'aws-efa-k8s-device-plugin', namespace: 'kube-system' } };
    const pluginPod = (tolerations: any[]): TwinPod => ({
      owner: ObjectIndex.id(ds),
      ownerObject: ds,
      origin: 'controller',
      namespace: 'kube-system',
      namePrefix: 'aws-efa-k8s-device-plugin-',
      pod: { spec: { tolerations, containers: [{ name: 'aws-efa-k8s-device-plugin', image: '602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-efa-k8s-device-plugin:v0.5.20' }] } },
      templatePath: 'spec.template',
      minReplicas: -1,
      maxReplicas: -1,
      mutations: [],
    });
    expect(check([job(2)], [p5Pool()], [ds], [pluginPod([GPU_TOLERATION])]).findings).toEqual([]);
    expect(efaFindings(check([job(2)], [p5Pool()], [ds], [pluginPod([])]))[0].problem).toContain('(DaemonSet kube-system/aws-efa-k8s-device-plugin) does not tolerate taint');
  });

  test('the Application\'s own values decide where the plugin runs, not a vendored render made with other values', () => {
    const app = pluginApp();
    const renderPod: TwinPod = {
      owner: ObjectIndex.id(app),
      ownerObject: app,
      origin: 'addon',
      namespace: 'kube-system',
      namePrefix: 'aws-efa-k8s-device-plugin-',
      // rendered for other pools: selects none of this output's nodes
      pod: { spec: { tolerations: [], containers: [{ name: 'aws-efa-k8s-device-plugin', image: 'r/eks/aws-efa-k8s-device-plugin:v0.5.20' }] } },
      templatePath: 'spec.template',
      minReplicas: -1,
      maxReplicas: -1,
      mutations: [],
    };
    expect(check([job(2)], [p5Pool()], [app], [renderPod]).findings).toEqual([]);
  });

  test('another chart version is read with the vendored defaults and said so', () => {
    const out = check([job(2)], [p5Pool()], [pluginApp({ tolerations: [GPU_TOLERATION] }, 'v0.5.31')]);
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toContain('Application argocd/aws-efa-k8s-device-plugin: aws-efa-k8s-device-plugin v0.5.31 read with the defaults of chart v0.5.30 (tolerations, nodeSelector, supported instance types)');
  });

  test('Karpenter NodePools: EFA instance types advertise their interfaces where the plugin runs; types without EFA do not', () => {
    const chart = Testing.chart();
    new KarpenterGpuClass(chart, 'H100', { poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], nodeRole: 'r', discoveryTag: 't', maxNodes: 2 });
    const out = check([job(2)], [], [...Testing.synth(chart), pluginApp()]);
    expect(out.findings).toEqual([]);
    expect(out.summary).toContain(`h100: 64 ${EFA} needed at min, 64 at max, 0 available at start, 64 reachable (32 per node)`);
    const small = Testing.chart();
    new KarpenterGpuClass(small, 'L40s', { poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_2XLARGE], nodeRole: 'r', discoveryTag: 't', maxNodes: 2 });
    const none = check([job(2, 1, 1, 'l40s')], [], [...Testing.synth(small), pluginApp()]);
    expect(efaFindings(none)[0].problem).toContain('(its instance types g6e.2xlarge include types without EFA)');
    expect(efaFindings(none)[0].fix).toContain('limit the node.kubernetes.io/instance-type requirement of Karpenter NodePool l40s to EFA instance types');
  });

  test('PlatformTwin.check: TwinNodePool.efaInterfacesPerNode and instanceTypes reach the capacity check; bad values are refused', () => {
    const { object } = job(2);
    const pool = { name: 'h100', labels: { [POOL_LABEL]: 'h100' }, taints: ['nvidia.com/gpu=true:NoSchedule'], gpusPerNode: 8, minNodes: 2, maxNodes: 2 };
    const withEfa = PlatformTwin.check([object, pluginApp()], { nodePools: [{ ...pool, efaInterfacesPerNode: 32, instanceTypes: ['p5.48xlarge'] }] });
    const capacity = withEfa.checks.find((c) => c.name === 'capacity')!;
    expect(capacity.summary).toContain(`h100: 64 ${EFA} needed at min, 64 at max, 64 available at start, 64 reachable (32 per node)`);
    const without = PlatformTwin.check([object, pluginApp()], { nodePools: [pool] });
    expect(without.problems.find((p) => p.check === 'capacity')!.problem).toContain('its nodes have no EFA interfaces attached');
    expect(() => PlatformTwin.check([], { nodePools: [{ ...pool, efaInterfacesPerNode: -1 }] })).toThrow(/'nodePools\[0\]\.efaInterfacesPerNode' must be a whole number of at least 0, got -1/);
    expect(() => PlatformTwin.check([], { nodePools: [{ ...pool, instanceTypes: [''] }] })).toThrow(/'nodePools\[0\]\.instanceTypes' must be a list of instance type names/);
  });
});
