import { PlatformTwinReport, TwinCheckResult, TwinProblem } from './platform-twin-report';
import { addonObjectsOf } from './private/addon-pods';
import { checkAdmission } from './private/admission';
import { checkBootstrap, MADE_BY, recordLayoutDirectory } from './private/bootstrap';
import { checkCapacity } from './private/capacity';
import { TwinPoolWithEfa } from './private/efa';
import { checkFlows } from './private/flows';
import { gatekeeperConstraintCrds } from './private/gatekeeper';
import { CheckOutcome, ObjectIndex, ResolvedTwinOptions, TwinCheckName, TwinContext, TwinPod } from './private/model';
import { workloadPodsOf } from './private/pods';
import { checkReferences } from './private/references';
import { ValidationError } from '../core/errors';
import { KubernetesVersion } from '../core/kubernetes-version';
import { checkProps } from '../core/private/runtime-types';
import { PolicyEvaluator } from '../policy/policy-evaluator';

/**
 * How a node pool grows beyond the nodes it starts with.
 */
export enum NodePoolScaling {
  /** Nothing adds nodes (a managed node group with no cluster autoscaler): the pool keeps its initial nodes. */
  NONE = 'none',
  /** The Kubernetes Cluster Autoscaler scales the group between its minimum and maximum. */
  CLUSTER_AUTOSCALER = 'cluster-autoscaler',
  /** Karpenter launches nodes for pending pods, up to the NodePool's limits. */
  KARPENTER = 'karpenter',
}

/**
 * A node pool the output's pods run on, as the capacity check sees it. Karpenter NodePools in the output
 * are read from the output itself; pass the pools created outside it (EKS managed node groups).
 */
export interface TwinNodePool {
  /** The pool's name (`l40s`). */
  readonly name: string;
  /**
   * Labels every node of the pool carries (pods select the pool by them).
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
  /**
   * Taints every node carries, as `key=value:Effect` or `key:Effect`.
   *
   * @default - none
   */
  readonly taints?: string[];
  /**
   * GPUs (`nvidia.com/gpu`) per node: the smallest of the pool's instance types.
   *
   * @default 0
   */
  readonly gpusPerNode?: number;
  /**
   * Elastic Fabric Adapter interfaces attached to every node. The nodes advertise them as
   * `vpc.amazonaws.com/efa` only where the output's AWS EFA device plugin runs (it tolerates the pool's
   * taints and selects its instance types).
   *
   * @default 0
   */
  readonly efaInterfacesPerNode?: number;
  /**
   * The instance types the pool launches: every node carries `node.kubernetes.io/instance-type` with one of
   * them (add-ons such as the EFA device plugin select nodes by it).
   *
   * @default - unknown: selectors on the instance type do not match the pool
   */
  readonly instanceTypes?: string[];
  /** The fewest nodes. */
  readonly minNodes: number;
  /** The most nodes. */
  readonly maxNodes: number;
  /**
   * Nodes right after apply (a managed node group's desired size).
   *
   * @default - minNodes
   */
  readonly initialNodes?: number;
  /**
   * What grows the pool.
   *
   * @default NodePoolScaling.NONE
   */
  readonly scaling?: NodePoolScaling;
  /**
   * Where the pool comes from, for the summary (`managed node group acme-llm-prod-l40s`).
   *
   * @default - the name
   */
  readonly source?: string;
}

/**
 * Options of `PlatformTwin.check`.
 */
export interface PlatformTwinOptions {
  /**
   * The enforce policy set (rules and exceptions) the cluster's admission engines run.
   *
   * @default - admission checks Pod Security labels only
   */
  readonly policy?: PolicyEvaluator;
  /**
   * Node pools not in the output (managed node groups).
   *
   * @default - only Karpenter NodePools in the output
   */
  readonly nodePools?: TwinNodePool[];
  /**
   * The AWS region (S3 endpoints of weight downloads).
   *
   * @default - S3 flows are checked against any region
   */
  readonly region?: string;
  /**
   * Namespaces an empty cluster already has.
   *
   * @default ['default', 'kube-node-lease', 'kube-public', 'kube-system']
   */
  readonly systemNamespaces?: string[];
  /**
   * Registries images are pulled from.
   *
   * @default - none
   */
  readonly registries?: string[];
  /**
   * ServiceAccounts (`namespace/name`) with a Pod Identity association: their pods call the EKS Pod
   * Identity agent.
   *
   * @default - none
   */
  readonly podIdentityServiceAccounts?: string[];
  /**
   * For each object (same order as `objects`), the GitOps directory it is written to (`prod/search`):
   * bootstrap and AppProject checks then know which Argo CD Application syncs it.
   *
   * @default - inferred from namespaces and the ApplicationSets (reported as not modelled)
   */
  readonly layoutDirectories?: string[];
  /**
   * The Kubernetes minor version of the cluster's kubelets (`34`): Istio turns native sidecars on from 33.
   *
   * @default 34
   */
  readonly kubeletMinorVersion?: number;
  /**
   * The control plane's Kubernetes version: Pod Security admission evaluates pods with that release's checks
   * (a namespace's `enforce-version: latest` means this release; `v1.<minor>` labels pick older check versions).
   *
   * @default KubernetesVersion.DEFAULT
   */
  readonly kubernetesVersion?: KubernetesVersion;
}

/**
 * The platform twin: checks synthesized Kubernetes objects as the cluster will live them ([DESIGN.md
 * section 7](docs/DESIGN.md#7-system-truth-the-platform-twin)), with upstream facts vendored at the pinned versions (schemas/upstream/).
 *
 * - admission: the pods that will exist (controller- and operator-made, after Istio sidecar injection, the
 *   add-ons' own pods from their pinned charts) under the enforce policy set and their namespace's Pod
 *   Security level;
 * - flows: the traffic the platform needs, through NetworkPolicy, Istio mTLS, authorization and egress;
 * - references: routes to Service ports, monitors to pods and ports, alerts and triggers to metrics that
 *   are exposed, telemetry providers, TLS credentials, CRDs and AppProject whitelists;
 * - capacity: GPUs at minimum and maximum scale with the autoscalers that exist, rollouts and drains;
 * - bootstrap: Argo CD applying the output to an empty cluster in sync-wave order.
 *
 * It reads objects as data, so it works on any cdk8s output; what it cannot model is listed, never a crash.
 *
 * ```ts
 * const report = PlatformTwin.check(Testing.synth(chart), { policy: policySet.evaluator() });
 * if (!report.ok) console.log(report.toString());
 * ```
 */
export class PlatformTwin {
  /**
   * Check synthesized objects.
   *
   * @param objects the synthesized Kubernetes objects (JSON)
   * @param options what the output does not say (policy set, node pools, region, identities)
   */
  public static check(objects: any[], options: PlatformTwinOptions = {}): PlatformTwinReport {
    checkProps('twin.PlatformTwinOptions', options, 'options');
    if (!Array.isArray(objects)) {
      throw new ValidationError('objects', 'must be a list of Kubernetes objects', typeof objects, 'pass the synthesized objects, e.g. Testing.synth(chart)');
    }
    const resolved = resolveOptions(options);
    const dirs = options.layoutDirectories;
    if (dirs !== undefined && (!Array.isArray(dirs) || dirs.length !== objects.length)) {
      throw new ValidationError('layoutDirectories', `must list one directory per object (${objects.length})`, Array.isArray(dirs) ? dirs.length : dirs,
        'pass the directory of every object in the same order, or leave layoutDirectories unset');
    }
    dirs?.forEach((d, i) => recordLayoutDirectory(objects[i], d));
    const index = new ObjectIndex(objects);
    const outcomes: CheckOutcome[] = [];
    const early: string[] = [];
    const workloads = guarded('admission', early, () => workloadPodsOf(index, resolved, { kubeletMinorVersion: options.kubeletMinorVersion })) ?? { pods: [], derived: [], notModelled: [] };
    const addons = guarded('admission', early, () => addonObjectsOf(index, resolved, { kubeletMinorVersion: options.kubeletMinorVersion })) ?? { pods: [], derived: [], notModelled: [] };
    // the constraint CRDs Gatekeeper's controller creates from the output's ConstraintTemplates
    const constraints = guarded('references', early, () => gatekeeperConstraintCrds(index, addons.derived, MADE_BY)) ?? { derived: [], notModelled: [] };
    const pods: TwinPod[] = [...workloads.pods, ...addons.pods];
    const ctx: TwinContext = { index, pods, derived: [...workloads.derived, ...addons.derived, ...constraints.derived], options: resolved };
    const run = (name: TwinCheckName, fn: (c: TwinContext) => CheckOutcome) => {
      const notes: string[] = [];
      const out = guarded(name, notes, () => fn(ctx));
      outcomes.push(out ?? { check: name, checked: 0, passed: 0, findings: [], notModelled: notes, summary: [] });
    };
    run('admission', (c) => {
      const out = checkAdmission(c);
      return { ...out, notModelled: [...early, ...workloads.notModelled, ...addons.notModelled, ...constraints.notModelled, ...out.notModelled] };
    });
    run('flows', checkFlows);
    run('references', checkReferences);
    run('capacity', checkCapacity);
    run('bootstrap', checkBootstrap);
    const results: TwinCheckResult[] = outcomes.map((o) => ({
      name: o.check, checked: o.checked, passed: o.passed, summary: [...o.summary], notModelled: [...new Set(o.notModelled)].sort(),
    }));
    const problems: TwinProblem[] = [];
    const seen = new Set<string>();
    for (const o of outcomes) {
      const sorted = [...o.findings].sort((a, b) => (a.object === b.object ? cmp(a.field, b.field) : cmp(a.object, b.object)));
      for (const f of sorted) {
        const p: TwinProblem = {
          check: f.check, object: f.object, field: f.field || undefined, problem: f.problem, value: ValidationError.render(f.value), fix: f.fix,
        };
        const key = JSON.stringify(p);
        if (seen.has(key)) continue;
        seen.add(key);
        problems.push(p);
      }
    }
    return new PlatformTwinReport(results, problems, pods.length);
  }

  private constructor() {}
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Run one part of the twin; an internal failure becomes a not-modelled line, never a crash of synth. */
function guarded<T>(name: string, notes: string[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    if (ValidationError.isValidationError(e)) throw e;
    notes.push(`the ${name} check could not model this output (${(e as Error)?.message ?? String(e)})`);
    return undefined;
  }
}

function resolveOptions(options: PlatformTwinOptions): ResolvedTwinOptions {
  const pools: TwinPoolWithEfa[] = (options.nodePools ?? []).map((p, i): TwinPoolWithEfa => {
    const at = `nodePools[${i}]`;
    if (!p || typeof p.name !== 'string' || p.name === '') throw new ValidationError(`${at}.name`, 'must be a non-empty string', p?.name, 'name the pool');
    const counts = [['minNodes', p.minNodes], ['maxNodes', p.maxNodes], ['initialNodes', p.initialNodes ?? p.minNodes], ['gpusPerNode', p.gpusPerNode ?? 0], ['efaInterfacesPerNode', p.efaInterfacesPerNode ?? 0]] as const;
    for (const [k, v] of counts) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new ValidationError(`${at}.${k}`, 'must be a whole number of at least 0', v, `set ${k} of pool ${p.name}`);
    }
    if (p.maxNodes < p.minNodes) throw new ValidationError(`${at}.maxNodes`, `must be at least minNodes (${p.minNodes})`, p.maxNodes, 'raise maxNodes or lower minNodes');
    const scaling = p.scaling ?? NodePoolScaling.NONE;
    if (!Object.values(NodePoolScaling).includes(scaling)) {
      throw new ValidationError(`${at}.scaling`, 'is not a NodePoolScaling', scaling, `use one of: ${Object.values(NodePoolScaling).join(', ')}`);
    }
    if (p.instanceTypes !== undefined && (!Array.isArray(p.instanceTypes) || p.instanceTypes.some((t) => typeof t !== 'string' || t === ''))) {
      throw new ValidationError(`${at}.instanceTypes`, 'must be a list of instance type names', p.instanceTypes, `list the instance types of pool ${p.name}, e.g. ['p5.48xlarge']`);
    }
    return {
      name: p.name,
      labels: { ...(p.labels ?? {}) },
      taints: (p.taints ?? []).map((t, j) => parseTaint(t, `${at}.taints[${j}]`)),
      resourcesPerNode: (p.gpusPerNode ?? 0) > 0 ? { 'nvidia.com/gpu': p.gpusPerNode! } as Record<string, number> : {},
      minNodes: p.minNodes,
      maxNodes: p.maxNodes,
      initialNodes: p.initialNodes ?? p.minNodes,
      scaling,
      source: p.source ?? p.name,
      efaInterfacesPerNode: p.efaInterfacesPerNode ?? 0,
      ...(p.instanceTypes ? { instanceTypes: [...p.instanceTypes] } : {}),
    };
  });
  return {
    policy: options.policy,
    pools,
    region: options.region,
    systemNamespaces: [...(options.systemNamespaces ?? ['default', 'kube-node-lease', 'kube-public', 'kube-system'])],
    registries: [...(options.registries ?? [])],
    podIdentityServiceAccounts: [...(options.podIdentityServiceAccounts ?? [])],
    kubernetesVersion: options.kubernetesVersion ?? KubernetesVersion.DEFAULT,
  };
}

function parseTaint(t: string, at: string): { key: string; value?: string; effect: string } {
  const m = typeof t === 'string' ? /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t) : null;
  if (!m) throw new ValidationError(at, 'must be `key=value:Effect` or `key:Effect` (NoSchedule, PreferNoSchedule or NoExecute)', t, 'write the taint as kubectl taint does');
  return { key: m[1], value: m[2], effect: m[3] };
}
