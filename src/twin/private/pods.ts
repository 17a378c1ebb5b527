/**
 * The pod inventory: the pods that will actually exist on the cluster for the synthesized output, as the API
 * server admits them. Built-in controllers (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob) make
 * pods from their templates; operators make pods from custom resources (./operators.ts); then the mutating
 * webhooks the output installs change them (Istio sidecar injection, ./istio-injection.ts). Replicas at the
 * minimum and maximum scale come from the workload and from the autoscalers in the output that target it
 * (autoscaling/v2 HorizontalPodAutoscaler, KEDA ScaledObject).
 *
 * Add-ons' own pods (rendered from their charts) are not made here (see ./addon-pods.ts).
 */
import { clone, IstioMesh, IstioMeshOptions, inject, InjectionNotModelled, injectionOf, istioMeshOf } from './istio-injection';
import { ObjectIndex, ResolvedTwinOptions, TwinPod } from './model';
import { collectorExpansion, Expansion, inferencePoolShadowService, inferenceServiceExpansion, PodDraft, podOwnership, pytorchJobExpansion } from './operators';

/** Built-in controllers that make pods from a template, by the apiVersions modelled. */
const CONTROLLER_KINDS: Record<string, string[]> = {
  Deployment: ['apps/v1'],
  ReplicaSet: ['apps/v1'],
  StatefulSet: ['apps/v1'],
  DaemonSet: ['apps/v1'],
  Job: ['batch/v1'],
  CronJob: ['batch/v1'],
};

/** KEDA defaults (keda.sh/v1alpha1 ScaledObject: minReplicaCount 0, maxReplicaCount 100). */
const KEDA_DEFAULT_MIN = 0;
const KEDA_DEFAULT_MAX = 100;

/**
 * The pods that will exist for the workloads and operator resources in `index` (after Istio injection), the
 * objects operators derive from them (KServe's predictor Service and Ingress, the training operator's headless
 * Services), and what could not be modelled (`Kind ns/name: <what>`). Never throws on odd input.
 *
 * @param istio what the output does not say about the mesh (the kubelets' version decides native sidecars)
 */
export function workloadPodsOf(
  index: ObjectIndex, options: ResolvedTwinOptions, istio: IstioMeshOptions = {},
): { pods: TwinPod[]; derived: any[]; notModelled: string[] } {
  void options;
  const notModelled: string[] = [];
  const derived: any[] = [];
  const drafts: PodDraft[] = [];
  let mesh: IstioMesh | undefined;
  try {
    mesh = istioMeshOf(index, istio);
    if (mesh) notModelled.push(...mesh.notes);
  } catch (e) {
    notModelled.push(`Istio mesh settings could not be read (${(e as Error)?.message ?? e}); no sidecar injection modelled`);
  }
  const add = (o: any, fn: () => Expansion | PodDraft[]) => {
    try {
      const r = fn();
      if (Array.isArray(r)) {drafts.push(...r);} else {
        drafts.push(...r.pods);
        derived.push(...r.derived);
        notModelled.push(...r.notModelled);
      }
    } catch (e) {
      notModelled.push(`${ObjectIndex.id(o)}: could not be modelled (${(e as Error)?.message ?? e})`);
    }
  };

  for (const o of index.objects) {
    const kind = o.kind;
    const apiVersion = String(o.apiVersion ?? '');
    if (kind === 'Pod' && apiVersion === 'v1') add(o, () => [barePod(o)]);
    else if (CONTROLLER_KINDS[kind]?.includes(apiVersion)) add(o, () => controllerPods(o, notModelled));
    else if (kind === 'InferenceService' && apiVersion.startsWith('serving.kserve.io/')) add(o, () => inferenceServiceExpansion(o, index));
    else if (kind === 'PyTorchJob' && apiVersion.startsWith('kubeflow.org/')) add(o, () => pytorchJobExpansion(o, index));
    else if (kind === 'OpenTelemetryCollector' && apiVersion.startsWith('opentelemetry.io/')) add(o, () => collectorExpansion(o, index));
    else if (kind === 'InferencePool' && apiVersion.startsWith('inference.networking.k8s.io/')) add(o, () => ({ pods: [], derived: [inferencePoolShadowService(o)], notModelled: [] }));
    else if (makesPods(o)) notModelled.push(`${ObjectIndex.id(o)}: ${apiVersion} ${kind} carries a pod template, the pods its operator makes are not modelled`);
  }

  const pods: TwinPod[] = [];
  for (const d of drafts) {
    try {
      pods.push(finish(d, index, mesh, notModelled));
    } catch (e) {
      notModelled.push(`${d.owner}: could not be modelled (${(e as Error)?.message ?? e})`);
    }
  }
  return { pods, derived, notModelled };
}

/**
 * API groups whose kinds never make pods, though their specs may quote pod fields (policies match
 * `containers[*].image`): not reported as unmodelled pod makers. Argo CD Applications (Helm values) neither.
 */
const NO_POD_GROUPS = new Set([
  'monitoring.coreos.com', 'networking.istio.io', 'security.istio.io', 'telemetry.istio.io', 'extensions.istio.io',
  'kyverno.io', 'policies.kyverno.io', 'wgpolicyk8s.io', 'reports.kyverno.io', 'templates.gatekeeper.sh', 'constraints.gatekeeper.sh',
  'mutations.gatekeeper.sh', 'expansion.gatekeeper.sh', 'config.gatekeeper.sh', 'admissionregistration.k8s.io', 'rbac.authorization.k8s.io',
  'policy', 'networking.k8s.io', 'gateway.networking.k8s.io', 'keda.sh', 'autoscaling', 'karpenter.sh', 'karpenter.k8s.aws',
  'cert-manager.io', 'apiextensions.k8s.io', 'scheduling.k8s.io', 'storage.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
]);

/** A custom resource that looks like it makes pods (a pod template or containers somewhere in its spec). */
function makesPods(o: any): boolean {
  if (!o?.apiVersion || String(o.apiVersion).startsWith('v1') || !String(o.apiVersion).includes('/')) return false;
  if (NO_POD_GROUPS.has(String(o.apiVersion).split('/')[0])) return false;
  if (String(o.apiVersion).startsWith('argoproj.io/') && ['Application', 'ApplicationSet', 'AppProject'].includes(o.kind)) return false;
  const seen = new Set<any>();
  const walk = (v: any, depth: number): boolean => {
    if (!v || typeof v !== 'object' || depth > 8 || seen.has(v)) return false;
    seen.add(v);
    if (Array.isArray(v)) return v.some((x) => walk(x, depth + 1));
    if (Array.isArray(v.containers) && v.containers.some((c: any) => c && typeof c === 'object' && typeof c.image === 'string')) return true;
    if (v.template && typeof v.template === 'object' && v.template.spec && Array.isArray(v.template.spec.containers)) return true;
    return Object.values(v).some((x) => walk(x, depth + 1));
  };
  return walk(o.spec, 0);
}

function barePod(o: any): PodDraft {
  const namespace = String(o.metadata?.namespace || 'default');
  const pod = clone(o);
  pod.metadata = { ...(pod.metadata ?? {}), namespace };
  const name = String(o.metadata?.name ?? o.metadata?.generateName ?? '');
  return {
    owner: ObjectIndex.id(o),
    ownerObject: o,
    origin: 'object',
    namespace,
    namePrefix: name,
    pod,
    templatePath: '',
    minReplicas: 1,
    maxReplicas: 1,
    externalAutoscaling: false,
    workload: { name: name.replace(/-$/, ''), kind: 'Pod', apiVersion: 'v1' },
    mutations: [],
  };
}

/** The pods a built-in controller makes from its template, with the metadata the controller sets. */
function controllerPods(o: any, notModelled: string[]): PodDraft[] {
  const kind = o.kind as string;
  const owner = ObjectIndex.id(o);
  const name = String(o.metadata?.name ?? '');
  const namespace = String(o.metadata?.namespace || 'default');
  const isCron = kind === 'CronJob';
  const jobSpec = isCron ? o.spec?.jobTemplate?.spec : o.spec;
  const template = isCron ? o.spec?.jobTemplate?.spec?.template : o.spec?.template;
  const templatePath = isCron ? 'spec.jobTemplate.spec.template' : 'spec.template';
  if (!template || typeof template !== 'object' || !template.spec) {
    notModelled.push(`${owner}: no ${templatePath}.spec, no pods modelled`);
    return [];
  }
  const meta = template.metadata ?? {};
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const metadata: any = { namespace, labels, annotations: { ...(meta.annotations ?? {}) } };
  let replicas = 1;
  let min = 1;
  let max = 1;
  let prefix = `${name}-`;
  switch (kind) {
    case 'Deployment':
    case 'ReplicaSet':
      replicas = typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1;
      min = max = replicas;
      metadata.generateName = prefix;
      break;
    case 'StatefulSet':
      replicas = typeof o.spec?.replicas === 'number' ? o.spec.replicas : 1;
      min = max = replicas;
      // The StatefulSet controller names pods <name>-<ordinal> and labels them with it (the first pod shown).
      metadata.name = `${name}-0`;
      labels['statefulset.kubernetes.io/pod-name'] = `${name}-0`;
      labels['apps.kubernetes.io/pod-index'] = '0';
      break;
    case 'DaemonSet':
      min = max = -1;
      metadata.generateName = prefix;
      break;
    case 'Job':
    case 'CronJob': {
      const parallelism = typeof jobSpec?.parallelism === 'number' ? jobSpec.parallelism : 1;
      const completions = typeof jobSpec?.completions === 'number' ? jobSpec.completions : undefined;
      const active = completions === undefined ? parallelism : Math.min(parallelism, completions);
      // A CronJob has no pods between runs; its Job is named <cronjob>-<scheduled time>.
      min = isCron ? 0 : active;
      max = active;
      if (!isCron) {
        labels['batch.kubernetes.io/job-name'] = name;
        labels['job-name'] = name;
      }
      metadata.generateName = prefix;
      if (isCron) prefix = `${name}-`;
      break;
    }
  }
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec: clone(template.spec) };
  const scalable = kind === 'Deployment' || kind === 'ReplicaSet' || kind === 'StatefulSet';
  return [{
    owner,
    ownerObject: o,
    origin: 'controller',
    namespace,
    namePrefix: prefix,
    pod,
    templatePath,
    minReplicas: min,
    maxReplicas: max,
    scaleTarget: scalable ? { apiVersion: String(o.apiVersion), kind, name } : undefined,
    externalAutoscaling: scalable,
    workload: { name, kind, apiVersion: String(o.apiVersion) },
    mutations: [],
  }];
}

/** ScaledObjects and HorizontalPodAutoscalers of an index by namespace, in output order (built once per index). */
const autoscalerIndexes = new WeakMap<ObjectIndex, { scaledObjects: Map<string, any[]>; hpas: Map<string, any[]> }>();
function autoscalersOf(index: ObjectIndex): { scaledObjects: Map<string, any[]>; hpas: Map<string, any[]> } {
  let ix = autoscalerIndexes.get(index);
  if (!ix) {
    const byNs = (kind: string) => {
      const m = new Map<string, any[]>();
      for (const o of index.ofKind(kind)) {
        const ns = String(o.metadata?.namespace || 'default');
        const list = m.get(ns);
        if (list) list.push(o);
        else m.set(ns, [o]);
      }
      return m;
    };
    ix = { scaledObjects: byNs('ScaledObject'), hpas: byNs('HorizontalPodAutoscaler') };
    autoscalerIndexes.set(index, ix);
  }
  return ix;
}

/**
 * The autoscaler in the output that scales `target` in `namespace`: a KEDA ScaledObject (its HPA) or an
 * autoscaling HorizontalPodAutoscaler, with its replica bounds.
 */
export function autoscalerFor(
  index: ObjectIndex, namespace: string, target: { apiVersion: string; kind: string; name: string },
): { source: string; min: number; max: number } | undefined {
  const scalers = autoscalersOf(index);
  for (const so of scalers.scaledObjects.get(namespace) ?? []) {
    const ref = so.spec?.scaleTargetRef ?? {};
    if (ref.name !== target.name || (ref.kind ?? 'Deployment') !== target.kind) continue;
    const min = typeof so.spec?.minReplicaCount === 'number' ? so.spec.minReplicaCount : KEDA_DEFAULT_MIN;
    const max = typeof so.spec?.maxReplicaCount === 'number' ? so.spec.maxReplicaCount : KEDA_DEFAULT_MAX;
    const idle = typeof so.spec?.idleReplicaCount === 'number' ? so.spec.idleReplicaCount : undefined;
    return { source: ObjectIndex.id(so), min: idle !== undefined ? Math.min(idle, min) : min, max };
  }
  for (const hpa of scalers.hpas.get(namespace) ?? []) {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    if (ref.name !== target.name || ref.kind !== target.kind) continue;
    const min = typeof hpa.spec?.minReplicas === 'number' ? hpa.spec.minReplicas : 1;
    const max = typeof hpa.spec?.maxReplicas === 'number' ? hpa.spec.maxReplicas : min;
    return { source: ObjectIndex.id(hpa), min, max };
  }
  return undefined;
}

/**
 * The pod as the API server admits it: with the ownerReferences (and labels) its controllers set, then
 * changed by Istio injection when the injector's webhooks and istiod select it (`injectionOf`). A pod istiod
 * injects with a template the model does not render is kept as made and reported in `notModelled`.
 */
export function admittedPod(
  d: Pick<PodDraft, 'owner' | 'origin' | 'namespace' | 'pod' | 'workload' | 'podOwner'>,
  namespaceObject: any, mesh: IstioMesh | undefined, notModelled: string[],
): { pod: any; mutations: string[] } {
  const mutations: string[] = [];
  let pod = d.pod;
  if (d.origin !== 'object') {
    const controller = d.podOwner ?? { apiVersion: String(d.workload.apiVersion ?? ''), kind: String(d.workload.kind ?? ''), name: String(d.workload.name ?? '') };
    const template = { metadata: { labels: pod?.metadata?.labels, annotations: pod?.metadata?.annotations }, spec: pod?.spec ?? {} };
    const owned = podOwnership(controller, template);
    if (owned.ownerReferences.length > 0) {
      // Set by the controller when it creates the pod (not a mutation after it): no line in `mutations`.
      const labels = { ...(pod.metadata?.labels ?? {}), ...owned.labels };
      const metadata: any = { ...(pod.metadata ?? {}), labels, ownerReferences: owned.ownerReferences };
      // A ReplicaSet (or CronJob's Job) between the workload and its pods names them `<its name>-<random>`
      // (pkg/controller/controller_utils.go getPodsPrefix).
      if (owned.controller && owned.controller.name !== controller.name && metadata.generateName !== undefined) metadata.generateName = `${owned.controller.name}-`;
      pod = { ...pod, metadata };
    }
  }
  const decision = injectionOf(pod, namespaceObject, mesh);
  if (decision.inject && mesh) {
    try {
      const r = inject(pod, namespaceObject, mesh, d.workload);
      pod = r.pod;
      mutations.push(...r.mutations);
    } catch (e) {
      if (!(e instanceof InjectionNotModelled)) throw e;
      notModelled.push(`${d.owner}: ${e.message}; its pods are checked without injection`);
    }
  }
  return { pod, mutations };
}

function finish(d: PodDraft, index: ObjectIndex, mesh: IstioMesh | undefined, notModelled: string[]): TwinPod {
  let min = d.minReplicas;
  let max = d.maxReplicas;
  const mutations = [...d.mutations];
  if (d.scaleTarget) {
    const scaler = autoscalerFor(index, d.namespace, d.scaleTarget);
    if (scaler && (d.externalAutoscaling || d.origin === 'operator')) {
      min = scaler.min;
      max = scaler.max;
      mutations.push(`replicas ${scaler.min}..${scaler.max} from ${scaler.source}`);
    }
  }
  const admitted = admittedPod(d, index.namespace(d.namespace), mesh, notModelled);
  const pod = admitted.pod;
  mutations.push(...admitted.mutations);
  return {
    owner: d.owner,
    ownerObject: d.ownerObject,
    origin: d.origin,
    namespace: d.namespace,
    namePrefix: d.namePrefix,
    pod,
    templatePath: d.templatePath,
    minReplicas: min,
    maxReplicas: max,
    mutations,
  };
}
