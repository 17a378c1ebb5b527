/**
 * The twin's internal data model: what every check reads (the synthesized objects, indexed, and the pods
 * that will exist) and what every check returns. Internal: the public surface is `PlatformTwin` and
 * `PlatformTwinReport` (../platform-twin.ts, ../platform-twin-report.ts).
 */

/** The five families of checks, in report order. */
export type TwinCheckName = 'admission' | 'flows' | 'references' | 'capacity' | 'bootstrap';

/**
 * One problem the twin found, in the library's ValidationError grammar:
 * `'<object> <field>' <problem>, got <value>; <fix>`.
 */
export interface TwinFinding {
  readonly check: TwinCheckName;
  /** The object at fault, `Kind namespace/name` (`Deployment search/llama3-8b-stable`) or `Kind name` when cluster-scoped. */
  readonly object: string;
  /** The field in that object (`spec.template.spec.containers[istio-proxy].image`); '' for the whole object. */
  readonly field: string;
  /** What is wrong: lowercase, no trailing period, says what the cluster will do (`is denied by LLM-IMG-001 ...`). */
  readonly problem: string;
  /** The offending value, when there is one (rendered with ValidationError.render by the report). */
  readonly value?: unknown;
  /** What to do, lowercase, no trailing period. */
  readonly fix: string;
}

/** What one check family returns. */
export interface CheckOutcome {
  readonly check: TwinCheckName;
  /** How many items were checked (pods admitted, flows, references, pools, bootstrap steps). */
  readonly checked: number;
  /** How many of them passed. */
  readonly passed: number;
  readonly findings: TwinFinding[];
  /** What this check saw but could not model, one line each (`InferenceService search/x: transformer not modelled`). */
  readonly notModelled: string[];
  /** Extra summary lines (capacity per pool, bootstrap steps), printed by the synth summary. */
  readonly summary: string[];
}

/** How a pod comes to exist. */
export type PodOrigin =
  /** a bare Pod in the output */
  | 'object'
  /** made by a built-in controller from a template in the output (Deployment, StatefulSet, DaemonSet, Job, CronJob) */
  | 'controller'
  /** made by an operator from a custom resource in the output (KServe InferenceService, Kubeflow PyTorchJob, OTel collector) */
  | 'operator'
  /** an add-on's own pod, from its pinned Helm chart (an Argo CD Application in the output) */
  | 'addon';

/**
 * A pod that will exist on the cluster, as the API server admits it: after the controller or operator
 * built it and after the mutating webhooks the output installs (Istio sidecar injection) changed it.
 */
export interface TwinPod {
  /** The object whose template or spec makes the pod, `Kind namespace/name`. */
  readonly owner: string;
  /** That object (JSON). For add-ons: the Argo CD Application. */
  readonly ownerObject: any;
  readonly origin: PodOrigin;
  readonly namespace: string;
  /** The pod's name as its controller would generate it, minus the random suffix (`llama3-8b-stable-`). */
  readonly namePrefix: string;
  /** The Pod object (apiVersion v1, kind Pod, metadata with namespace/labels/annotations, spec) after mutation. */
  readonly pod: any;
  /** Where the template sits in the owner (`spec.template`, `spec.predictor`, ...) for findings. */
  readonly templatePath: string;
  /** Replicas at the owner's minimum and maximum scale (autoscalers included); DaemonSets: -1 = one per matching node. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** What changed the pod after its controller made it (`istio 1.30.3 sidecar injection (native sidecar)`). */
  readonly mutations: string[];
}

/** Every synthesized object, indexed once for all checks. */
export class ObjectIndex {
  /** `Kind namespace/name`, or `Kind name` when cluster-scoped. */
  public static id(o: any): string {
    const ns = o?.metadata?.namespace;
    return `${o?.kind} ${ns ? `${ns}/` : ''}${o?.metadata?.name ?? o?.metadata?.generateName ?? ''}`;
  }

  private static key(kind: string, namespace: string | undefined, name: string | undefined): string {
    return `${kind}\u0000${namespace ?? ''}\u0000${name ?? ''}`;
  }

  public readonly objects: any[];
  private readonly kinds = new Map<string, any[]>();
  private readonly named = new Map<string, any>();

  constructor(objects: any[]) {
    this.objects = objects.filter((o) => o && typeof o === 'object' && typeof o.kind === 'string');
    for (const o of this.objects) {
      const list = this.kinds.get(o.kind);
      if (list) list.push(o);
      else this.kinds.set(o.kind, [o]);
      this.named.set(ObjectIndex.key(o.kind, o.metadata?.namespace, o.metadata?.name), o);
    }
  }

  /** Objects of a kind, in output order. */
  public ofKind(kind: string): any[] {
    return this.kinds.get(kind) ?? [];
  }

  /** One object by kind, namespace ('' or undefined when cluster-scoped) and name. */
  public get(kind: string, namespace: string | undefined, name: string): any | undefined {
    return this.named.get(ObjectIndex.key(kind, namespace || undefined, name));
  }

  /** The Namespace object of that name in the output, if any. */
  public namespace(name: string): any | undefined {
    return this.get('Namespace', undefined, name);
  }
}

/** Whether `labels` satisfy a LabelSelector (matchLabels + matchExpressions); an empty selector matches all. */
export function selectorMatches(selector: any, labels: Record<string, string> | undefined): boolean {
  if (!selector) return true;
  const l = labels ?? {};
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values: string[] = e.values ?? [];
    switch (e.operator) {
      case 'In': if (!has || !values.includes(l[e.key])) return false; break;
      case 'NotIn': if (has && values.includes(l[e.key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** How a node pool grows beyond its minimum. */
export type PoolScaling = 'none' | 'cluster-autoscaler' | 'karpenter';

/** A node pool as the capacity check sees it (resolved from PlatformTwinOptions.nodePools and Karpenter NodePools in the output). */
export interface TwinPool {
  readonly name: string;
  /** Node labels every node of the pool carries (pods select the pool by them). */
  readonly labels: Record<string, string>;
  /** Taints every node carries (`key=value:Effect` parsed). */
  readonly taints: { key: string; value?: string; effect: string }[];
  /** Extended resources per node (`nvidia.com/gpu` -> 4). */
  readonly resourcesPerNode: Record<string, number>;
  readonly minNodes: number;
  readonly maxNodes: number;
  /** Nodes the pool has right after apply (a managed node group's desired size; Karpenter: 0). */
  readonly initialNodes: number;
  readonly scaling: PoolScaling;
  /** Where the pool comes from (`managed node group acme-llm-prod-l40s`, `Karpenter NodePool a10g`). */
  readonly source: string;
}

/** What every check receives. */
export interface TwinContext {
  readonly index: ObjectIndex;
  /** The pods that will exist (controller-, operator- and add-on-made, after injection). */
  readonly pods: TwinPod[];
  /**
   * Non-pod objects that controllers and operators create from the output (KServe's predictor Service and,
   * unless disabled, its Ingress; add-ons' Services and webhook configurations from their charts), in the
   * same JSON form as the output's objects, each with the annotation `twin.llm-platform.io/made-by: <owner id>`.
   */
  readonly derived: any[];
  readonly options: ResolvedTwinOptions;
}

/** PlatformTwinOptions with defaults applied. */
export interface ResolvedTwinOptions {
  /** The enforce policy set's evaluator (rules + exceptions); undefined: admission checks Pod Security labels only. */
  readonly policy?: import('../../policy/policy-evaluator').PolicyEvaluator;
  readonly pools: TwinPool[];
  /** AWS region (S3 and ECR endpoints). */
  readonly region?: string;
  /** Namespaces that exist on an empty EKS cluster before anything is applied. */
  readonly systemNamespaces: string[];
  /** Registries the cluster's images are pulled from that need egress (`123456789012.dkr.ecr.us-east-1.amazonaws.com`). */
  readonly registries: string[];
  /** ServiceAccounts (`namespace/name`) with a Pod Identity association: their pods call the Pod Identity agent (169.254.170.23:80). */
  readonly podIdentityServiceAccounts: string[];
  /** The control plane's version: Pod Security admission's checks of that release. */
  readonly kubernetesVersion?: import('../../core/kubernetes-version').KubernetesVersion;
}
