import { constraintTemplateOf } from './gatekeeper';
import { CheckOutcome, ObjectIndex, selectorMatches, TwinContext, TwinFinding } from './model';
import { constraintGroup, constraintScope } from '../../validation/private/gatekeeper-constraints';

/**
 * The bootstrap check: Argo CD applying the output to an empty EKS cluster, and the Argo CD model (which
 * Application syncs which object, in which order) the references check shares.
 *
 * Argo CD facts this models (Argo CD documentation and source):
 * - Within one sync, resources apply phase by phase and wave by wave (`argocd.argoproj.io/sync-wave`); the
 *   next wave starts when the previous one is healthy; within a wave, kinds apply in gitops-engine's kind
 *   order (Namespace ... ConfigMap ... CustomResourceDefinition ..., then kinds it does not list)
 *   (https://argo-cd.readthedocs.io/en/stable/user-guide/sync-waves/; argoproj/gitops-engine
 *   pkg/sync/sync_tasks.go `kindOrder`).
 * - Applications are ordered relative to each other ONLY as resources of a parent Application (app of apps),
 *   and only when Argo CD assesses their health: the `argoproj.io/Application` health check was removed in
 *   Argo CD 1.8 and must be added back in argocd-cm
 *   (https://argo-cd.readthedocs.io/en/stable/operator-manual/upgrading/1.7-1.8/#health-assessement-of-argoprojioapplication-crd-has-been-removed).
 *   Applications applied with `kubectl apply` all sync at once.
 * - An ApplicationSet's Applications start when the ApplicationSet exists; nothing waits for them (the
 *   ApplicationSet's health is its own, not its Applications').
 * - `CreateNamespace=true` creates the Application's destination namespace only.
 */

/** gitops-engine pkg/sync/sync_tasks.go: kinds applied first within a wave, in this order; other kinds after them. */
const KIND_ORDER = [
  'Namespace', 'NetworkPolicy', 'ResourceQuota', 'LimitRange', 'PodSecurityPolicy', 'PodDisruptionBudget', 'ServiceAccount',
  'Secret', 'SecretList', 'ConfigMap', 'StorageClass', 'PersistentVolume', 'PersistentVolumeClaim', 'CustomResourceDefinition',
  'ClusterRole', 'ClusterRoleList', 'ClusterRoleBinding', 'ClusterRoleBindingList', 'Role', 'RoleList', 'RoleBinding',
  'RoleBindingList', 'Service', 'DaemonSet', 'Pod', 'ReplicationController', 'ReplicaSet', 'Deployment',
  'HorizontalPodAutoscaler', 'StatefulSet', 'Job', 'CronJob', 'IngressClass', 'Ingress', 'APIService',
];

/** The annotation derived objects carry, naming the output object that makes them (`Application argocd/prod-istiod`). */
export const MADE_BY = 'twin.llm-platform.io/made-by';

/** API groups the Kubernetes API server serves without a CRD. */
export const BUILTIN_GROUPS = new Set([
  '', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'admissionregistration.k8s.io',
  'apiextensions.k8s.io', 'apiregistration.k8s.io', 'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io',
  'node.k8s.io', 'certificates.k8s.io', 'flowcontrol.apiserver.k8s.io', 'events.k8s.io', 'resource.k8s.io', 'authentication.k8s.io',
  'authorization.k8s.io', 'internal.apiserver.k8s.io', 'storagemigration.k8s.io',
]);

/** Argo CD's own kinds: their CRDs come with Argo CD, which runs before the bootstrap directory is applied. */
export const ARGOCD_KINDS = new Set(['Application', 'ApplicationSet', 'AppProject']);

/** Built-in cluster-scoped kinds (the API server's discovery). */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'Node', 'PersistentVolume', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass',
  'PriorityClass', 'RuntimeClass', 'IngressClass', 'CSIDriver', 'CSINode', 'VolumeAttachment', 'APIService',
  'ValidatingWebhookConfiguration', 'MutatingWebhookConfiguration', 'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  'MutatingAdmissionPolicy', 'MutatingAdmissionPolicyBinding', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration',
  'DeviceClass',
]);

/**
 * Where each object of the output sits in the GitOps layout (`prod/policies`), when the caller knows it (the
 * objects do not carry their file path). Without it, objects of an ApplicationSet's platform directories are
 * assumed to be synced by one of its Applications together (said in notModelled).
 */
const LAYOUT_DIRECTORIES = new WeakMap<object, string>();

/** Record the layout directory (relative to the GitOps repository root, `/` separators) of an output object. */
export function recordLayoutDirectory(object: any, directory: string): void {
  if (object && typeof object === 'object') LAYOUT_DIRECTORIES.set(object, directory.replace(/\/+$/, ''));
}

/** The layout directory recorded for an object, if any. */
export function layoutDirectoryOf(object: any): string | undefined {
  return object && typeof object === 'object' ? LAYOUT_DIRECTORIES.get(object) : undefined;
}

/** One thing Argo CD syncs: an Application of the output, one an ApplicationSet generates, or (directories unknown) one of those. */
export interface ArgoUnit {
  /** `Application argocd/prod-istiod`, `Application prod-search (ApplicationSet argocd/tenants)`. */
  readonly id: string;
  readonly name: string;
  readonly kind: 'application' | 'generated' | 'group';
  /** The Application object (explicit Applications) or the ApplicationSet (generated, group). */
  readonly source: any;
  readonly project: string;
  /** Destination namespace. */
  readonly namespace: string;
  readonly createNamespace: boolean;
  /** The sync wave of the Application, or of the ApplicationSet that makes it. */
  readonly wave: number;
  /** The directory it syncs (directory sources). */
  readonly path?: string;
  /** The Helm chart it installs. */
  readonly chart?: string;
  /** A source outside the GitOps repository it installs (`https://github.com/kubeflow/trainer.git manifests/overlays/standalone`). */
  readonly external?: string;
  /** Output objects it syncs. */
  readonly objects: any[];
  /** Derived objects its chart makes. */
  readonly derived: any[];
  /** Generated units of an ApplicationSet: the generator values. */
  readonly values: Record<string, string>;
}

/** How the output gets onto the cluster. */
export interface ArgoModel {
  readonly argocdNamespace: string;
  readonly units: ArgoUnit[];
  /** The app-of-apps root, if any. */
  readonly root?: any;
  /** Whether argocd-cm (or the argo-cd chart values) in the output restores the Application health check. */
  readonly applicationHealthCheck: boolean;
  /** The unit that syncs each output object (Argo CD objects of the bootstrap directory have none). */
  readonly unitOf: Map<any, ArgoUnit>;
  readonly notes: string[];
  /** Whether unit `a` is synced and healthy before unit `b` starts. */
  before(a: ArgoUnit, b: ArgoUnit): boolean;
}

const models = new WeakMap<ObjectIndex, ArgoModel>();

/** The Argo CD model of an output (computed once per index). */
export function argoModelOf(ctx: TwinContext): ArgoModel {
  const cached = models.get(ctx.index);
  if (cached) return cached;
  const m = buildModel(ctx);
  models.set(ctx.index, m);
  return m;
}

export function waveOf(o: any): number {
  const w = Number(o?.metadata?.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0);
  return Number.isFinite(w) ? w : 0;
}

export function groupOf(apiVersion: string | undefined): string {
  const v = apiVersion ?? '';
  return v.includes('/') ? v.split('/')[0] : '';
}

/** The CustomResourceDefinitions the twin knows (the output's and the add-ons', derived), by `group/kind`. */
export class CrdIndex {
  public readonly all: any[];
  private readonly byKind = new Map<string, any>();

  constructor(crds: any[]) {
    this.all = crds;
    for (const c of crds) {
      const key = `${c.spec?.group}/${c.spec?.names?.kind}`;
      if (!this.byKind.has(key)) this.byKind.set(key, c);
    }
  }

  /** The CRD that defines `kind` in `group`, if any. */
  public of(group: string, kind: string): any | undefined {
    return this.byKind.get(`${group}/${kind}`);
  }
}

const crdIndexes = new WeakMap<ObjectIndex, CrdIndex>();

/** Every CustomResourceDefinition the twin knows: the output's and the add-ons' (derived); computed once per index. */
export function knownCrds(ctx: TwinContext): CrdIndex {
  let idx = crdIndexes.get(ctx.index);
  if (!idx) {
    idx = new CrdIndex([...ctx.index.ofKind('CustomResourceDefinition'), ...ctx.derived.filter((d) => d?.kind === 'CustomResourceDefinition')]);
    crdIndexes.set(ctx.index, idx);
  }
  return idx;
}

/** Whether `kind` is cluster-scoped, from the built-in list or the CRDs known to the twin. */
export function isClusterScoped(kind: string, group: string, crds: CrdIndex): boolean {
  if (BUILTIN_GROUPS.has(group)) return CLUSTER_SCOPED.has(kind);
  const crd = crds.of(group, kind);
  if (crd) return crd.spec?.scope === 'Cluster';
  // A Gatekeeper constraint whose CRD is not known (no template): every constraint kind has the same scope
  // (frameworks constraint/pkg/client/crds/crds.go CreateCRD, vendored in constraint-crd-v3.23.0.json).
  return group === constraintGroup() && constraintScope() === 'Cluster';
}

/** A list field of an object, or none when it is missing or not a list (objects are read as data, never trusted). */
function arr(v: any): any[] {
  return Array.isArray(v) ? v.map((e) => (e && typeof e === 'object' ? e : {})) : [];
}

function normalizePath(p: any): string {
  return String(p).replace(/^\.\//, '').replace(/\/+$/, '');
}

function sourcesOf(app: any): any[] {
  const s = app?.spec?.sources;
  if (Array.isArray(s) && s.length > 0) return s;
  return app?.spec?.source ? [app.spec.source] : [];
}

function syncOptions(spec: any): string[] {
  const opts = spec?.syncPolicy?.syncOptions;
  return Array.isArray(opts) ? opts.map(String) : [];
}

/** The sync options of the Application a unit stands for (an ApplicationSet's template for generated ones). */
function unitSyncOptions(u: ArgoUnit): string[] {
  return syncOptions(u.kind === 'application' ? u.source?.spec : u.source?.spec?.template?.spec);
}

/** The object's own sync options (`argocd.argoproj.io/sync-options`, comma-separated). */
function annotationOptions(o: any): string[] {
  const v = o?.metadata?.annotations?.['argocd.argoproj.io/sync-options'];
  return typeof v === 'string' ? v.split(',').map((x) => x.trim()) : [];
}

/** Fill an ApplicationSet template string (`{{.values.environment}}-{{.path.basename}}`, goTemplate or fasttemplate). */
function fill(template: any, values: Record<string, string>, dir: string): string {
  if (typeof template !== 'string') return '';
  const base = dir.split('/').pop() ?? dir;
  return template.replace(/\{\{\s*\.?([a-zA-Z0-9_.\[\]]+)\s*\}\}/g, (all, key: string) => {
    if (key === 'path' || key === 'path.path') return dir;
    if (key === 'path.basename') return base;
    if (key === 'path.basenameNormalized') return base.replace(/[^a-zA-Z0-9-]/g, '-').toLowerCase();
    if (key.startsWith('values.')) return values[key.slice(7)] ?? all;
    return all;
  });
}

function healthCheckConfigured(index: ObjectIndex, argocdNs: string): boolean {
  const key = 'resource.customizations.health.argoproj.io_Application';
  const cm = index.get('ConfigMap', argocdNs, 'argocd-cm');
  if (cm?.data?.[key]) return true;
  if (typeof cm?.data?.['resource.customizations'] === 'string' && /argoproj\.io\/Application:[\s\S]*health\.lua/.test(cm.data['resource.customizations'])) return true;
  for (const app of index.ofKind('Application')) {
    for (const s of sourcesOf(app)) {
      if (s.chart !== 'argo-cd') continue;
      const values = s.helm?.valuesObject ?? {};
      if (values?.configs?.cm?.[key]) return true;
      if (typeof s.helm?.values === 'string' && s.helm.values.includes(key)) return true;
    }
  }
  return false;
}

function buildModel(ctx: TwinContext): ArgoModel {
  const index = ctx.index;
  const apps = index.ofKind('Application');
  const appSets = index.ofKind('ApplicationSet');
  const argocdNamespace = apps[0]?.metadata?.namespace ?? appSets[0]?.metadata?.namespace ?? index.ofKind('AppProject')[0]?.metadata?.namespace ?? 'argocd';
  const notes: string[] = [];
  const units: ArgoUnit[] = [];
  const generatorDirs = new Set<string>();
  /** The GitOps repository (where the output's directories live): the ApplicationSets' and the root's repoURL. */
  const gitopsRepos = new Set<string>();

  // generated Applications: one per git directory of each generator
  const groups = new Map<any, ArgoUnit>();
  for (const set of appSets) {
    const tpl = set.spec?.template ?? {};
    const generated: ArgoUnit[] = [];
    arr(set.spec?.generators).forEach((g: any, gi: number) => {
      if (!Array.isArray(g?.git?.directories)) {
        notes.push(`${ObjectIndex.id(set)} spec.generators[${gi}]: only git directory generators are modelled`);
        return;
      }
      const values: Record<string, string> = Object.fromEntries(Object.entries(g.git.values ?? {}).map(([k, v]) => [k, String(v)]));
      for (const d of arr(g.git.directories)) {
        if (d.exclude) continue;
        const dir = String(d.path ?? '').replace(/\/+$/, '');
        if (/[*?[]/.test(dir)) {
          notes.push(`${ObjectIndex.id(set)} spec.generators[${gi}].git.directories '${dir}': glob directories are not expanded`);
          continue;
        }
        generatorDirs.add(dir);
        if (g.git.repoURL) gitopsRepos.add(String(g.git.repoURL));
        const spec = tpl.spec ?? {};
        const name = fill(tpl.metadata?.name, values, dir) || dir;
        const opts = syncOptions(spec);
        generated.push({
          id: `Application ${name} (${ObjectIndex.id(set)})`,
          name,
          kind: 'generated',
          source: set,
          project: fill(spec.project, values, dir) || 'default',
          namespace: fill(spec.destination?.namespace, values, dir),
          createNamespace: opts.includes('CreateNamespace=true'),
          wave: waveOf(set),
          path: dir,
          objects: [],
          derived: [],
          values,
        });
      }
    });
    units.push(...generated);
    const projects = [...new Set(generated.map((u) => u.project))];
    if (generated.length > 0 && projects.length === 1) {
      groups.set(set, {
        id: `one of the Applications of ${ObjectIndex.id(set)} (directory not known)`,
        name: set.metadata?.name,
        kind: 'group',
        source: set,
        project: projects[0],
        namespace: generated[0].namespace,
        createNamespace: generated.every((u) => u.createNamespace),
        wave: waveOf(set),
        objects: [],
        derived: [],
        values: {},
      });
    }
  }

  // explicit Applications (a directory source of the GitOps repo, a Helm chart, or another repository's manifests)
  let root: any;
  const isRootCandidate = (app: any) => {
    const srcs = sourcesOf(app);
    const dest = app.spec?.destination?.namespace ?? '';
    const dir = srcs.find((x) => !x.chart && typeof x.path === 'string');
    return !srcs.some((x) => x.chart) && dir !== undefined && !generatorDirs.has(normalizePath(dir.path)) && (dest === '' || dest === argocdNamespace);
  };
  for (const app of apps) {
    if (root === undefined && isRootCandidate(app)) {
      root = app;
      const dir = sourcesOf(app).find((x) => typeof x.path === 'string');
      if (dir?.repoURL) gitopsRepos.add(String(dir.repoURL));
    }
  }
  for (const app of apps) {
    if (app === root) continue;
    const srcs = sourcesOf(app);
    const chart = srcs.find((x) => x.chart)?.chart;
    const dirSource = srcs.find((x) => !x.chart && typeof x.path === 'string');
    const inGitops = dirSource !== undefined && (gitopsRepos.size === 0 || gitopsRepos.has(String(dirSource.repoURL)));
    const path = dirSource && inGitops ? normalizePath(dirSource.path) : undefined;
    const external = dirSource && !inGitops ? `${dirSource.repoURL} ${dirSource.path}` : undefined;
    const dest = app.spec?.destination?.namespace ?? '';
    units.push({
      id: ObjectIndex.id(app),
      name: app.metadata?.name,
      kind: 'application',
      source: app,
      project: app.spec?.project ?? 'default',
      namespace: dest,
      createNamespace: syncOptions(app.spec).includes('CreateNamespace=true'),
      wave: waveOf(app),
      path,
      chart,
      external,
      objects: [],
      derived: [],
      values: {},
    });
  }

  // derived objects to the Application that makes them
  const byId = new Map(units.filter((u) => u.kind === 'application').map((u) => [u.id, u]));
  for (const d of ctx.derived) {
    const u = byId.get(d?.metadata?.annotations?.[MADE_BY]);
    if (u) u.derived.push(d);
  }

  // output objects to the unit that syncs them
  const argoDirs = index.objects.filter((o) => ARGOCD_KINDS.has(o.kind)).map((o) => layoutDirectoryOf(o)).filter((d) => d !== undefined);
  const bootstrapDir = root ? sourcesOf(root).find((x) => typeof x.path === 'string')?.path.replace(/^\.\//, '').replace(/\/+$/, '') : argoDirs[0] ?? 'argocd';
  const unitOf = new Map<any, ArgoUnit>();
  const crds = knownCrds(ctx);
  const directoryUnits = units.filter((u) => u.path !== undefined);
  let unknownDirectories = 0;
  const generatedByNamespace = new Map<string, ArgoUnit[]>();
  for (const u of directoryUnits) {
    if (u.kind !== 'generated') continue;
    const list = generatedByNamespace.get(u.namespace) ?? [];
    list.push(u);
    generatedByNamespace.set(u.namespace, list);
  }
  const platformUnits = directoryUnits.filter((x) => x.kind === 'generated' && !isTenantSet(x));
  const explicitDirectoryUnits = directoryUnits.filter((x) => x.kind === 'application').sort((a, b) => a.wave - b.wave);
  const byPath = new Map(directoryUnits.map((u) => [u.path, u]));
  const projectOf = (name: string) => index.get('AppProject', argocdNamespace, name);
  for (const o of index.objects) {
    if (ARGOCD_KINDS.has(o.kind) && (o.metadata?.namespace ?? argocdNamespace) === argocdNamespace) continue;
    const dir = layoutDirectoryOf(o);
    // the bootstrap directory (Argo CD's own configuration such as argocd-cm) is applied with the Applications
    if (dir !== undefined ? dir === bootstrapDir : o.metadata?.namespace === argocdNamespace) continue;
    if (dir !== undefined) {
      const u = byPath.get(dir);
      if (u) {
        unitOf.set(o, u);
        u.objects.push(o);
        continue;
      }
    }
    const group = groupOf(o.apiVersion);
    const cluster = isClusterScoped(o.kind, group, crds);
    const ns = cluster ? undefined : o.metadata?.namespace;
    let chosen: ArgoUnit | undefined;
    if (ns) {
      const labels = o.metadata?.labels ?? {};
      const tenant = labels['llm-platform.io/tenant'];
      const workload = tenant !== undefined && labels['app.kubernetes.io/part-of'] === tenant && labels['app.kubernetes.io/component'] !== undefined;
      for (const u of generatedByNamespace.get(ns) ?? []) {
        if (workload || permitsKind(projectOf(u.project), group, o.kind, true)) {
          chosen = u;
          break;
        }
      }
      if (!chosen) chosen = directoryUnits.find((x) => x.namespace === ns && x.kind === 'application');
    }
    if (!chosen && explicitDirectoryUnits.length > 0) {
      // directory not known: the first (by wave) Application of the layout whose AppProject may sync it
      chosen = explicitDirectoryUnits.find((x) => {
        const project = projectOf(x.project);
        return permitsKind(project, group, o.kind, !cluster) && (cluster || permitsDestination(project, ns ?? x.namespace, undefined));
      });
      if (chosen) unknownDirectories++;
    }
    if (!chosen) {
      const platform = platformUnits.filter((x) => x.namespace !== ns);
      const set = platform[0]?.source;
      const members = platform.filter((x) => x.source === set);
      if (members.length === 1) {chosen = members[0];} else if (members.length > 1 && groups.has(set)) {
        chosen = groups.get(set);
        unknownDirectories++;
      } else {
        chosen = (ns ? directoryUnits.find((x) => x.namespace === ns) : undefined) ?? directoryUnits.find((x) => x.kind === 'application');
      }
    }
    if (chosen) {
      unitOf.set(o, chosen);
      chosen.objects.push(o);
    }
  }
  for (const [set, g] of groups) {
    if (g.objects.length === 0) continue;
    // the group stands for the ApplicationSet's Applications that got no object of their own
    const members = units.filter((x) => x.kind === 'generated' && x.source === set && x.objects.length === 0);
    for (const mbr of members) units.splice(units.indexOf(mbr), 1);
    units.push({ ...g, name: members.map((x) => x.name).join('|') || g.name });
    for (const o of g.objects) unitOf.set(o, units[units.length - 1]);
  }
  if (unknownDirectories > 0) {
    notes.push(`${unknownDirectories} object(s) are not mapped to a layout directory: each is assumed synced by the first Application of the layout whose AppProject permits it, or together with the other objects of its ApplicationSet (record their directories to check their order)`);
  }

  const applicationHealthCheck = healthCheckConfigured(index, argocdNamespace);
  const ordered = root !== undefined && applicationHealthCheck;
  const before = (a: ArgoUnit, b: ArgoUnit): boolean => ordered && a !== b && a.kind === 'application' && a.wave < b.wave;
  return { argocdNamespace, units, root, applicationHealthCheck, unitOf, before, notes };
}

/** A generated unit of a tenant generator (its values name a tenant owner kind or its project is not the platform's). */
function isTenantSet(u: ArgoUnit): boolean {
  return u.values.ownerKind === 'tenant';
}

const globs = new Map<string, RegExp>();

function globMatch(pattern: string, value: string): boolean {
  if (pattern === '*' || pattern === value) return true;
  if (!pattern.includes('*')) return false;
  let re = globs.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
    globs.set(pattern, re);
  }
  return re.test(value);
}

function inList(list: any[], group: string, kind: string): boolean {
  return list.some((e) => globMatch(String(e.group ?? ''), group) && globMatch(String(e.kind ?? ''), kind));
}

/**
 * Argo CD's AppProject.IsGroupKindPermitted (argoproj/argo-cd pkg/apis/application/v1alpha1/app_project_types.go):
 * namespaced kinds: whitelist absent = all, present but empty = none, minus the blacklist; cluster-scoped kinds:
 * only what the whitelist lists (empty or absent = none), minus the blacklist.
 */
export function permitsKind(project: any, group: string, kind: string, namespaced: boolean): boolean {
  if (!project) return false;
  const s = project.spec ?? {};
  if (namespaced) {
    const wl = s.namespaceResourceWhitelist;
    const white = wl === undefined || wl === null || (wl.length !== 0 && inList(wl, group, kind));
    return white && !inList(s.namespaceResourceBlacklist ?? [], group, kind);
  }
  const cw = s.clusterResourceWhitelist ?? [];
  return cw.length !== 0 && inList(cw, group, kind) && !inList(s.clusterResourceBlacklist ?? [], group, kind);
}

/** Argo CD destination matching (namespace globs, `!` negations) of an AppProject. */
export function permitsDestination(project: any, namespace: string, server: string | undefined): boolean {
  const dests: any[] = arr(project?.spec?.destinations);
  const matchesServer = (d: any) => server === undefined || d.server === undefined || globMatch(String(d.server), server);
  const denied = dests.some((d) => typeof d.namespace === 'string' && d.namespace.startsWith('!') && globMatch(d.namespace.slice(1), namespace) && matchesServer(d));
  if (denied) return false;
  return dests.some((d) => typeof d.namespace === 'string' && !d.namespace.startsWith('!') && globMatch(d.namespace, namespace) && matchesServer(d));
}

function kindRank(kind: string): number {
  const i = KIND_ORDER.indexOf(kind);
  return i < 0 ? KIND_ORDER.length : i;
}

/** The plural resource name of a kind (CRDs say it; built-ins follow the API server's English plurals). */
function pluralOf(kind: string, group: string, crds: CrdIndex): string {
  const crd = crds.of(group, kind);
  if (crd?.spec?.names?.plural) return crd.spec.names.plural;
  const k = kind.toLowerCase();
  if (k.endsWith('y') && !/[aeiou]y$/.test(k)) return `${k.slice(0, -1)}ies`;
  if (/(s|x|ch|sh)$/.test(k)) return `${k}es`;
  return `${k}s`;
}

function matchesWebhookRule(rule: any, group: string, version: string, resource: string): boolean {
  const ops: string[] = rule.operations ?? [];
  if (!ops.includes('*') && !ops.includes('CREATE')) return false;
  const groups: string[] = rule.apiGroups ?? [];
  const versions: string[] = rule.apiVersions ?? [];
  const resources: string[] = rule.resources ?? [];
  return (groups.includes('*') || groups.includes(group)) && (versions.includes('*') || versions.includes(version))
    && (resources.includes('*') || resources.includes(resource) || resources.includes('*/*'));
}

/** Labels of a namespace as the API server sees them (its labels plus kubernetes.io/metadata.name). */
function namespaceLabels(index: ObjectIndex, ns: string): Record<string, string> {
  return { ...(index.namespace(ns)?.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': ns };
}

/**
 * Argo CD applying the output to an empty cluster: one step per Application (and per ApplicationSet-generated
 * Application), in the order Argo CD really imposes; at each step every object's CRD, namespace, admission
 * policy parameters and fail-closed webhooks must come from an earlier step.
 */
export function checkBootstrap(ctx: TwinContext): CheckOutcome {
  const model = argoModelOf(ctx);
  const findings: TwinFinding[] = [];
  const notModelled = [...model.notes];
  const summary: string[] = [];
  const crds = knownCrds(ctx);
  const system = new Set([...ctx.options.systemNamespaces, model.argocdNamespace]);
  const ordered = model.root !== undefined && model.applicationHealthCheck;
  const rootId = model.root ? ObjectIndex.id(model.root) : undefined;
  if (ordered) {
    summary.push(`order: app-of-apps root ${rootId} with the Application health check: Applications sync wave by wave`);
  } else if (model.root) {
    summary.push(`order: app-of-apps root ${rootId} but no argoproj.io/Application health check in argocd-cm: waves do not wait for child Applications`);
  } else {
    summary.push('order: no app-of-apps root: the bootstrap directory is applied with kubectl and every Application syncs at once (sync waves order nothing)');
  }

  const orderFix = (provider: ArgoUnit, consumer: ArgoUnit, what: string): string => {
    if (provider === consumer) return `give ${what} a lower sync wave (argocd.argoproj.io/sync-wave) than the objects that need it`;
    if (provider.kind !== 'application') {
      return `move ${what} out of ${provider.name} into an Application ordered before ${consumer.name} (nothing waits for an ApplicationSet's Applications), or into ${consumer.name} itself`;
    }
    if (!model.root) {
      return `emit an app-of-apps root Application for the bootstrap directory, add the argoproj.io/Application health check to argocd-cm and give ${provider.name} a lower sync wave than ${consumer.name}`;
    }
    if (!model.applicationHealthCheck) return `add the argoproj.io/Application health check (resource.customizations.health.argoproj.io_Application) to argocd-cm so the root waits for ${provider.name}`;
    return `give ${provider.name} a lower sync wave than ${consumer.name}`;
  };
  const whyUnordered = (provider: ArgoUnit, consumer: ArgoUnit): string =>
    provider === consumer ? 'a later wave of the same Application' : `${provider.id}, which nothing orders before ${consumer.id}`;

  /**
   * A Gatekeeper constraint: its CRD exists once Gatekeeper has seen its ConstraintTemplate (see gatekeeper.ts),
   * so the template must be synced before it. From another Application, that Application must be ordered first.
   * From the same Application, two Argo CD facts (argoproj/argo-cd v3.5.1, gitops-engine vendored in the repo):
   * - the sync starts with a dry run of every resource, and one whose kind the API server does not know fails the
   *   whole sync (`the server could not find the requested resource`) unless its CRD is part of the sync or it
   *   carries `SkipDryRunOnMissingResource=true` (annotation `argocd.argoproj.io/sync-options` or the
   *   Application's sync option): gitops-engine/pkg/sync/sync_context.go `getSyncTasks`
   *   (`shouldSkipDryRunOnMissingResource`); docs/user-guide/sync-options.md "Skip Dry Run for new custom
   *   resources types", which names Gatekeeper's constraints as the case. A controller-made CRD is never part
   *   of the sync;
   * - within one wave, kinds gitops-engine does not list are applied by object name
   *   (gitops-engine/pkg/sync/sync_tasks.go `Less`), not template first, and the next wave starts only when the
   *   previous one is applied and healthy: the template needs a lower sync wave than the constraint.
   */
  const constraintOrder = (o: any, u: ArgoUnit, template: any, wave: number, add: (f: Omit<TwinFinding, 'check'>) => void): void => {
    const id = ObjectIndex.id(o);
    const tid = ObjectIndex.id(template);
    const crdName = `${pluralOf(o.kind, groupOf(o.apiVersion), crds)}.${groupOf(o.apiVersion)}`;
    const t = model.unitOf.get(template);
    if (!t) {
      add({ object: id, field: 'apiVersion', problem: `needs the CRD ${crdName}, which Gatekeeper creates from ${tid}, and no Application of the output syncs that template`, value: o.apiVersion, fix: `sync ${tid} in an Application ordered before the constraint's, or in the same Application one sync wave earlier` });
      return;
    }
    if (t !== u) {
      if (!model.before(t, u)) {
        add({ object: id, field: 'apiVersion', problem: `is applied before its CustomResourceDefinition exists: Gatekeeper creates ${crdName} from ${tid}, which comes from ${whyUnordered(t, u)}; the sync fails until it does`, value: o.apiVersion, fix: orderFix(t, u, tid) });
      }
      return;
    }
    const templateWave = waveOf(template);
    if (templateWave >= wave) {
      add({ object: id, field: 'metadata.annotations', problem: `is in the same Application as ${tid} and not in a later sync wave (template ${templateWave}, constraint ${wave}): within a wave Argo CD applies these kinds by name, so the constraint can come before the CRD ${crdName} Gatekeeper makes from the template, and the sync fails`, value: o.metadata?.annotations?.['argocd.argoproj.io/sync-wave'], fix: `give the constraint a higher argocd.argoproj.io/sync-wave than its ConstraintTemplate (${templateWave})` });
    }
    const skip = annotationOptions(o).includes('SkipDryRunOnMissingResource=true') || unitSyncOptions(u).includes('SkipDryRunOnMissingResource=true');
    if (!skip) {
      add({ object: id, field: 'metadata.annotations', problem: `fails Argo CD's dry run of the whole sync of ${u.name}: its CRD ${crdName} is not in the sync (Gatekeeper creates it from ${tid} in the same sync), so the API server does not know the kind yet and nothing of ${u.name} is applied`, value: o.metadata?.annotations?.['argocd.argoproj.io/sync-options'], fix: `annotate the constraint argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true (or add it to ${u.name}'s spec.syncPolicy.syncOptions)` });
    }
  };

  // where each namespace comes from
  const namespaceUnit = new Map<string, ArgoUnit>();
  for (const n of ctx.index.ofKind('Namespace')) {
    const u = model.unitOf.get(n);
    if (u) namespaceUnit.set(n.metadata?.name, u);
  }
  for (const u of model.units) {
    for (const n of u.derived) if (n.kind === 'Namespace' && !namespaceUnit.has(n.metadata?.name)) namespaceUnit.set(n.metadata?.name, u);
  }
  const namespaceReady = (ns: string, u: ArgoUnit, wave: number): { ok: boolean; why?: string; provider?: ArgoUnit } => {
    if (system.has(ns)) return { ok: true };
    if (u.createNamespace && u.namespace === ns) return { ok: true };
    const p = namespaceUnit.get(ns);
    if (!p) {
      const created = model.units.find((x) => x.createNamespace && x.namespace === ns);
      if (created && model.before(created, u)) return { ok: true };
      if (created) return { ok: false, why: `it is created by ${created.id} (CreateNamespace=true), which nothing orders before ${u.id}`, provider: created };
      return { ok: false, why: 'no Namespace object, CreateNamespace=true destination or system namespace provides it' };
    }
    if (p === u && waveOf(ctx.index.namespace(ns)) <= wave) return { ok: true };
    if (model.before(p, u)) return { ok: true };
    return { ok: false, why: `it is created by ${whyUnordered(p, u)}`, provider: p };
  };

  // the units that install each CRD
  const crdProviders = new Map<string, ArgoUnit[]>();
  for (const x of model.units) {
    for (const c of [...x.derived, ...x.objects]) {
      if (c.kind !== 'CustomResourceDefinition') continue;
      const key = `${c.spec?.group}/${c.spec?.names?.kind}`;
      const list = crdProviders.get(key) ?? [];
      if (!list.includes(x)) list.push(x);
      crdProviders.set(key, list);
    }
  }

  // fail-closed webhooks and the unit that serves them
  const webhooks: { config: any; hook: any; unit: ArgoUnit; index: number }[] = [];
  for (const u of model.units) {
    for (const w of [...u.derived, ...u.objects]) {
      if (w.kind !== 'ValidatingWebhookConfiguration' && w.kind !== 'MutatingWebhookConfiguration') continue;
      arr(w.webhooks).forEach((h: any, i: number) => {
        if ((h.failurePolicy ?? 'Fail') === 'Fail' && h.clientConfig?.service) webhooks.push({ config: w, hook: h, unit: u, index: i });
      });
    }
  }

  const steps = [...model.units].sort((a, b) => (a.wave - b.wave) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  let passed = 0;
  for (const u of steps) {
    const before = findings.length;
    const add = (f: Omit<TwinFinding, 'check'>) => findings.push({ check: 'bootstrap', ...f });
    const uProject = ctx.index.get('AppProject', model.argocdNamespace, u.project);
    if (!uProject && u.project !== 'default') {
      add({ object: u.kind === 'application' ? u.id : ObjectIndex.id(u.source), field: 'spec.project', problem: `names AppProject '${u.project}', which the output never creates: Argo CD refuses to sync ${u.name}`, value: u.project, fix: `add the AppProject '${u.project}' to the bootstrap directory` });
    }
    if (u.chart || u.external) {
      const r = namespaceReady(u.namespace, u, u.wave);
      if (!r.ok) {
        add({ object: u.id, field: 'spec.destination.namespace', problem: `installs ${u.chart ? `chart ${u.chart}` : u.external} into a namespace that does not exist when it syncs: ${r.why}`, value: u.namespace, fix: r.provider ? orderFix(r.provider, u, `Namespace ${u.namespace}`) : 'add CreateNamespace=true to spec.syncPolicy.syncOptions or a Namespace object ordered before it' });
      }
    }
    for (const o of u.objects) {
      const id = ObjectIndex.id(o);
      const group = groupOf(o.apiVersion);
      const version = (o.apiVersion ?? '').split('/').pop() ?? '';
      const cluster = isClusterScoped(o.kind, group, crds);
      const ns = cluster ? undefined : (o.metadata?.namespace ?? u.namespace);
      const wave = waveOf(o);
      // the CRD of a custom kind
      if (!BUILTIN_GROUPS.has(group) && !ARGOCD_KINDS.has(o.kind)) {
        const providers = crdProviders.get(`${group}/${o.kind}`) ?? [];
        if (providers.length > 0 && !providers.some((p) => p === u || model.before(p, u))) {
          const p = providers[0];
          add({ object: id, field: 'apiVersion', problem: `is applied before its CustomResourceDefinition exists (${pluralOf(o.kind, group, crds)}.${group} comes from ${whyUnordered(p, u)}): the sync fails until it does`, value: o.apiVersion, fix: orderFix(p, u, `the CRD ${pluralOf(o.kind, group, crds)}.${group}`) });
        } else {
          const template = constraintTemplateOf(crds.of(group, o.kind));
          if (template) constraintOrder(o, u, template, wave, add);
        }
      }
      // the namespace
      if (ns) {
        const r = namespaceReady(ns, u, wave);
        if (!r.ok) add({ object: id, field: 'metadata.namespace', problem: `is applied into a namespace that does not exist yet: ${r.why}`, value: ns, fix: r.provider ? orderFix(r.provider, u, `Namespace ${ns}`) : `create Namespace ${ns} in this Application or one ordered before it` });
      }
      // admission policy parameters that deny when missing
      if (o.kind === 'ValidatingAdmissionPolicyBinding' && o.spec?.paramRef) {
        const ref = o.spec.paramRef;
        const action = ref.parameterNotFoundAction ?? 'Deny';
        if (action === 'Deny') {
          if (ref.selector || !ref.name) {
            notModelled.push(`${id} spec.paramRef: parameters chosen by selector are not modelled`);
          } else {
            const policy = ctx.index.get('ValidatingAdmissionPolicy', undefined, o.spec.policyName);
            const pk = policy?.spec?.paramKind ?? { apiVersion: 'v1', kind: 'ConfigMap' };
            const param = ctx.index.get(pk.kind, ref.namespace, ref.name);
            const pid = `${pk.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
            const problemHead = `denies every request it matches (namespaces other than those it excludes) from when ${u.name} applies it until its parameter ${pid} exists`;
            if (!param) {
              add({ object: id, field: 'spec.paramRef', problem: `denies every request it matches: its parameter ${pid} is not in the output (parameterNotFoundAction Deny)`, value: ref, fix: `add ${pid} to the output, or set parameterNotFoundAction Allow` });
            } else {
              const pu = model.unitOf.get(param);
              let why: string | undefined;
              let provider: ArgoUnit | undefined = pu;
              if (!pu) {why = `${pid} is synced by no Application of the output`;} else if (pu === u && (waveOf(param) > wave || (waveOf(param) === wave && kindRank(param.kind) > kindRank(o.kind)))) {why = `${pid} is in ${whyUnordered(pu, u)}`;} else if (pu !== u && !model.before(pu, u)) {why = `${pid} comes from ${whyUnordered(pu, u)}`;} else if (ref.namespace) {
                const r = namespaceReady(ref.namespace, pu, waveOf(param));
                if (!r.ok) {
                  why = `its namespace ${ref.namespace} does not exist when ${pu.name} syncs (${r.why})`;
                  provider = r.provider;
                }
              }
              if (why) {
                add({
                  object: id,
                  field: 'spec.paramRef',
                  problem: `${problemHead}, and nothing guarantees it first: ${why}`,
                  value: ref,
                  fix: `${provider ? orderFix(provider, u, provider === pu ? pid : `Namespace ${ref.namespace}`) : `sync ${pid} before ${u.name}`}; or keep the parameter, its namespace and the binding in one Application, or set parameterNotFoundAction Allow`,
                });
              }
            }
          }
        }
      }
      // fail-closed webhooks whose add-on may not be up
      if (webhooks.length > 0) {
        const resource = pluralOf(o.kind, group, crds);
        for (const w of webhooks) {
          if (w.unit === u || model.before(w.unit, u)) continue;
          if (!arr(w.hook.rules).some((r: any) => matchesWebhookRule(r, group, version, resource))) continue;
          if (ns && w.hook.namespaceSelector && !selectorMatches(w.hook.namespaceSelector, namespaceLabels(ctx.index, ns))) continue;
          if (w.hook.objectSelector && !selectorMatches(w.hook.objectSelector, o.metadata?.labels)) continue;
          add({ object: id, field: '', problem: `is rejected when applied before ${w.unit.name}'s webhook server runs: ${w.config.kind} ${w.config.metadata?.name} webhook '${w.hook.name}' fails closed (failurePolicy Fail) and ${w.unit.id} is not ordered before ${u.id}`, value: `${w.hook.clientConfig.service.namespace}/${w.hook.clientConfig.service.name}`, fix: orderFix(w.unit, u, 'the webhook\'s add-on') });
        }
      }
    }
    const crdCount = [...u.derived, ...u.objects].filter((x) => x.kind === 'CustomResourceDefinition').length;
    const parts = [
      ...(u.chart ? [`chart ${u.chart}`] : []),
      ...(u.external ? [`source ${u.external}`] : []),
      ...(crdCount > 0 ? [`CRDs: ${crdCount}`] : []),
      ...(u.objects.length > 0 ? [`objects: ${u.objects.length}`] : []),
      ...(u.kind !== 'application' ? [`from ${ObjectIndex.id(u.source)}`] : []),
    ];
    const label = u.kind === 'group' ? `${u.name} (directories not known)` : u.name;
    summary.push(`wave ${u.wave}: ${label}${parts.length ? ` (${parts.join(', ')})` : ''}${findings.length > before ? ` - ${findings.length - before} problem(s)` : ''}`);
    if (findings.length === before) passed++;
  }
  return { check: 'bootstrap', checked: steps.length, passed, findings, notModelled, summary };
}
