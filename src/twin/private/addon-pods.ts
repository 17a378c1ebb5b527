/**
 * The add-ons' own pods and objects: what the Helm charts (and kustomizations) that the output's Argo CD
 * Applications install put on the cluster, read from renders vendored under `schemas/upstream/addons/` (one JSON
 * per chart and version, written by `npx projen twin:addons` = projenrc/render-addons.ts with `helm template` /
 * `kubectl kustomize` over the pinned sources and exactly the values the library's add-on catalogue emits; see
 * its SOURCES.md).
 *
 * For each Application source with a chart (or a path with `kustomize` settings), the render of that chart and
 * version whose values are the Application's values is used as is. When the values differ, the differences the
 * twin can model are applied (image registry/repository/tag/digest at the value paths the render script found
 * by probing the chart, a destination namespace other than the render's) and every other difference is
 * reported as not modelled, as is any Application whose chart or version has no vendored render. Helm hooks
 * follow Argo CD (install/upgrade hooks are pods of the sync, test hooks are skipped, delete hooks reported);
 * pods that an operator makes from a chart's custom resources (Prometheus, Alertmanager) are reported. Plain
 * manifest directories (the platform's own components) are the output's own objects. The pods then get what
 * the API server admits (pods.ts `admittedPod`): their controllers' ownerReferences and, where istiod's webhooks
 * select them, Istio injection (the `gateway` template for the istio gateway chart's pod). Never throws.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { IstioMesh, IstioMeshOptions, InjectWorkload, istioMeshOf } from './istio-injection';
import { ObjectIndex, ResolvedTwinOptions, TwinPod } from './model';
import { admittedPod } from './pods';

/** The annotation every derived object carries: who makes it. */
export const MADE_BY = 'twin.llm-platform.io/made-by';

/** One workload of a render, with its pod template as the chart renders it. */
export interface VendoredWorkload {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  /** Where the pod template sits in the workload (`spec.template`, `spec.jobTemplate.spec.template`, `` for a Pod). */
  readonly templatePath: string;
  /** Replicas at the least and most scale (a HorizontalPodAutoscaler of the render counts); DaemonSets: -1. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** The `helm.sh/hook` annotation, when the workload is a Helm hook (Argo CD runs install/upgrade hooks as sync hooks). */
  readonly hook?: string;
  /** The pod template: `{ metadata, spec }`. */
  readonly template: any;
  /** Per container (`containers` and `initContainers`, by name): which image values its image is made of. */
  readonly images: { [container: string]: VendoredImage };
}

/** How a container's image follows the chart's values, learnt by rendering with markers in the image values. */
export interface VendoredImage {
  /** The image as a pattern of the non-empty image values it is made of (`{global.hub}/pilot:{global.tag}`). */
  readonly pattern?: string;
  /** Per image value empty in the render (`image.tag: ""`, an unset digest): the image when that value alone is set. */
  readonly whenSet?: { [path: string]: string };
}

/** One `helm template` of a chart with one values set. */
export interface VendoredRender {
  /** sha256 of the canonical JSON of `values`. */
  readonly valuesHash: string;
  /** The values passed to helm (the Application's, as Argo CD passes them). */
  readonly values: any;
  readonly releaseName: string;
  /** The release (destination) namespace. */
  readonly namespace: string;
  /** The Applications of the reference platform rendered with these values (informational). */
  readonly applications: string[];
  readonly workloads: VendoredWorkload[];
  /** Services (`metadata` name/namespace/labels/annotations, `spec` type/selector/ports/clusterIP). */
  readonly services: any[];
  /** Validating/MutatingWebhookConfigurations, caBundle dropped. */
  readonly webhookConfigurations: any[];
  /** CustomResourceDefinitions: name, group, names, scope, versions (served/storage), conversion; no schemas. */
  readonly crds: any[];
  /** Namespace objects the chart itself renders. */
  readonly namespaces: any[];
  readonly networkPolicies: any[];
  readonly podDisruptionBudgets: any[];
  /**
   * ConfigMaps other checks read: Istio's `istio` (mesh config), the `values` key of `istio-sidecar-injector`,
   * KServe's `inferenceservice-config`. Absent in renders made before they were recorded.
   */
  readonly configMaps?: any[];
  /** Custom resources the chart renders whose pods an operator makes at run time (`Prometheus monitoring/x`). */
  readonly operatorResources: string[];
  /** Image value paths with their value in this render (`pilot.hub` -> `docker.io/istio`). */
  readonly imageValues: { [path: string]: string };
}

/** One vendored file: every render of one chart version. */
export interface VendoredAddonChart {
  readonly chart: string;
  readonly version: string;
  /** Where the chart came from (`shared/addon-charts/istiod-1.30.3`, see SOURCES.md). */
  readonly source: string;
  /** `helm version` and the capabilities passed to `helm template`. */
  readonly helm: string;
  readonly kubeVersion: string;
  readonly apiVersions: string[];
  readonly renders: VendoredRender[];
  /** How the render deviates from a plain `helm template` (e.g. schema validation skipped), when it does. */
  readonly notes?: string[];
}

/** One Helm chart source of an Argo CD Application, with the values Argo CD passes to `helm template`. */
export interface ApplicationChartSource {
  /** `Application argocd/<name>`. */
  readonly owner: string;
  readonly application: any;
  /** `spec.source` or `spec.sources[i]`. */
  readonly sourcePath: string;
  /** A Helm chart, or a kustomization (`chart` is then `kustomizationKey(repoURL, path)`, `values` its `kustomize` settings). */
  readonly type: 'helm' | 'kustomize';
  readonly repoURL: string;
  readonly chart: string;
  readonly version: string;
  readonly releaseName: string;
  readonly namespace: string;
  /** `helm.values` (YAML) under `helm.valuesObject`, Argo CD's precedence. */
  readonly values: any;
  /** What of the source cannot be reproduced (value files, parameters). */
  readonly unsupported: string[];
}

/**
 * The key a kustomization source is vendored under, in place of a chart name: the repository's last path
 * segment and the path (`trainer/manifests/overlays/standalone`).
 */
export function kustomizationKey(repoURL: string, sourcePath: string): string {
  const repo = repoURL.replace(/\/+$/, '').replace(/\.git$/, '');
  return `${repo.slice(repo.lastIndexOf('/') + 1)}/${String(sourcePath).replace(/^\/+|\/+$/g, '')}`;
}

/** The add-ons' pods, derived objects and what could not be modelled. */
export interface AddonObjects {
  readonly pods: TwinPod[];
  readonly derived: any[];
  readonly notModelled: string[];
}

/**
 * The pods and objects of every add-on the output installs through Argo CD Applications.
 * @param index the output's objects
 * @param _options the resolved twin options (unused: add-on pods depend on the output alone)
 * @param istio what the output does not say about the mesh (for the injection of the add-ons' pods)
 */
export function addonObjectsOf(index: ObjectIndex, _options: ResolvedTwinOptions, istio: IstioMeshOptions = {}): AddonObjects {
  return addonObjectsWith(index, vendoredChart, istio);
}

/** The workload behind each add-on pod (set by `materialize`, read for its ownerReferences and injection). */
const addonWorkloads = new WeakMap<TwinPod, InjectWorkload>();

/** The apiVersion of a chart workload's kind. */
function workloadApiVersion(kind: string): string {
  return kind === 'Pod' ? 'v1' : kind === 'Job' || kind === 'CronJob' ? 'batch/v1' : 'apps/v1';
}

/**
 * The add-on pods as the API server admits them (pods.ts `admittedPod`): the ownerReferences their controllers
 * set, then Istio injection decided by the same webhook selectors as for the workloads (`injectionOf`) with the
 * Namespace from the output or, when Argo CD creates it (`CreateNamespace=true`), from the Application.
 * The istio `gateway` chart's pod (`inject.istio.io/templates: gateway`, `image: auto`) gets the gateway template.
 */
function admitAddonPods(index: ObjectIndex, pods: TwinPod[], derived: any[], istio: IstioMeshOptions, notModelled: string[]): TwinPod[] {
  let mesh: IstioMesh | undefined;
  try {
    mesh = istioMeshOf(index, istio);
  } catch (e) {
    notModelled.push(`Istio mesh settings could not be read (${(e as Error)?.message ?? e}); no injection modelled for the add-ons' pods`);
  }
  return pods.map((p) => {
    const workload = addonWorkloads.get(p) ?? {};
    const namespace = index.namespace(p.namespace) ?? derived.find((d) => d.kind === 'Namespace' && d.metadata?.name === p.namespace);
    try {
      const admitted = admittedPod({ ...p, workload }, namespace, mesh, notModelled);
      return { ...p, pod: admitted.pod, mutations: [...p.mutations, ...admitted.mutations] };
    } catch (e) {
      notModelled.push(`${p.owner}: injection of ${p.templatePath} could not be modelled (${(e as Error)?.message ?? e})`);
      return p;
    }
  });
}

/** Where the renders of a chart version come from (the vendored files; tests pass their own). */
export type RenderLookup = (chart: string, version: string) => VendoredAddonChart | undefined;

/** `addonObjectsOf` with the renders looked up by `lookup`. */
export function addonObjectsWith(index: ObjectIndex, lookup: RenderLookup, istio: IstioMeshOptions = {}): AddonObjects {
  const pods: TwinPod[] = [];
  const derived: any[] = [];
  const notModelled: string[] = [];
  const namespaces = new Set<string>();
  for (const app of index.ofKind('Application')) {
    if (!isArgoApplication(app)) continue;
    try {
      const out = applicationObjects(app, lookup);
      pods.push(...out.pods);
      // One Namespace object per name (several Applications install into one namespace): the first wins.
      for (const d of out.derived) {
        if (d.kind === 'Namespace') {
          if (namespaces.has(d.metadata.name)) continue;
          namespaces.add(d.metadata.name);
        }
        derived.push(d);
      }
      notModelled.push(...out.notModelled);
    } catch (e) {
      notModelled.push(`${ObjectIndex.id(app)}: could not be modelled (${(e as Error)?.message ?? e})`);
    }
  }
  return { pods: admitAddonPods(index, pods, derived, istio, notModelled), derived, notModelled };
}

function isArgoApplication(o: any): boolean {
  return typeof o?.apiVersion === 'string' && o.apiVersion.startsWith('argoproj.io/') && o.kind === 'Application';
}

/** The Helm chart sources of an Application, and a line for each source that is not a chart. */
export function applicationChartSources(app: any): { sources: ApplicationChartSource[]; notModelled: string[] } {
  const owner = ObjectIndex.id(app);
  const spec = app?.spec ?? {};
  const list: { src: any; at: string }[] = Array.isArray(spec.sources)
    ? spec.sources.map((src: any, i: number) => ({ src, at: `spec.sources[${i}]` }))
    : spec.source ? [{ src: spec.source, at: 'spec.source' }] : [];
  const sources: ApplicationChartSource[] = [];
  const notModelled: string[] = [];
  const namespace = String(spec.destination?.namespace ?? '');
  for (const { src, at } of list) {
    if (!src || typeof src !== 'object') continue;
    if (typeof src.chart !== 'string' || src.chart === '') {
      // A `ref` source only lends its files to the others.
      if (src.ref && !src.path) continue;
      // A kustomization without settings (an add-on installed as upstream ships it, e.g. the Gateway API CRDs: Argo CD
      // builds a path holding a kustomization.yaml with kustomize) is told from the platform's own manifest directories
      // by its vendored render.
      const bareKustomization = typeof src.path === 'string' && src.path !== '' && src.kustomize === undefined && !src.plugin && !src.helm
        && vendoredChart(kustomizationKey(String(src.repoURL ?? ''), src.path), String(src.targetRevision ?? '')) !== undefined;
      if (typeof src.path === 'string' && src.path !== '' && (isPlainObject(src.kustomize) || bareKustomization)) {
        // A kustomization: rendered like a chart, its `kustomize` settings (images, patches, ...) standing for values.
        sources.push({
          owner,
          application: app,
          sourcePath: at,
          type: 'kustomize',
          repoURL: String(src.repoURL ?? ''),
          chart: kustomizationKey(String(src.repoURL ?? ''), src.path),
          version: String(src.targetRevision ?? ''),
          // No release: kustomize names objects itself.
          releaseName: '',
          namespace,
          values: src.kustomize ?? {},
          unsupported: [],
        });
        continue;
      }
      // A plain directory of manifests (the platform's own components): its objects are modelled where the output
      // holds them. Anything else (a plugin, no path) cannot be rendered here.
      if (typeof src.path === 'string' && src.path !== '' && !src.plugin && !src.helm) continue;
      notModelled.push(`${owner}: ${at} (${src.repoURL ?? '?'} path ${src.path ?? '?'}) is neither a Helm chart nor a kustomization; its objects are not modelled`);
      continue;
    }
    const helm = src.helm ?? {};
    const unsupported: string[] = [];
    let values: any = {};
    if (typeof helm.values === 'string' && helm.values.trim() !== '') {
      try {
        values = parseYamlObject(helm.values);
      } catch (e) {
        unsupported.push(`${at}.helm.values does not parse as YAML (${(e as Error).message})`);
      }
    } else if (isPlainObject(helm.values)) {
      values = helm.values;
    }
    if (isPlainObject(helm.valuesObject)) values = helmMerge(values, helm.valuesObject);
    if (Array.isArray(helm.valueFiles) && helm.valueFiles.length > 0) unsupported.push(`${at}.helm.valueFiles ${JSON.stringify(helm.valueFiles)} are files of the chart source the twin cannot read`);
    if (Array.isArray(helm.parameters) && helm.parameters.length > 0) unsupported.push(`${at}.helm.parameters (${helm.parameters.map((p: any) => p?.name).join(', ')}) are not modelled`);
    if (Array.isArray(helm.fileParameters) && helm.fileParameters.length > 0) unsupported.push(`${at}.helm.fileParameters are not modelled`);
    sources.push({
      owner,
      application: app,
      sourcePath: at,
      type: 'helm',
      repoURL: String(src.repoURL ?? ''),
      chart: src.chart,
      version: String(src.targetRevision ?? ''),
      releaseName: typeof helm.releaseName === 'string' && helm.releaseName !== '' ? helm.releaseName : String(app?.metadata?.name ?? ''),
      namespace,
      values,
      unsupported,
    });
  }
  return { sources, notModelled };
}

function applicationObjects(app: any, lookup: RenderLookup): AddonObjects {
  const owner = ObjectIndex.id(app);
  const { sources, notModelled } = applicationChartSources(app);
  const pods: TwinPod[] = [];
  const derived: any[] = [];
  if (sources.length > 0) {
    const ns = createdNamespace(app);
    if (ns) derived.push(ns);
  }
  for (const source of sources) {
    notModelled.push(...source.unsupported.map((u) => `${owner}: ${u}`));
    const vendored = lookup(source.chart, source.version);
    if (!vendored) {
      notModelled.push(`${owner}: chart ${source.chart} ${source.version} has no vendored render (schemas/upstream/addons/), its pods and objects are not modelled`);
      continue;
    }
    const render = closestRender(vendored, source);
    const out = materialize(source, vendored, render);
    pods.push(...out.pods);
    derived.push(...out.derived);
    notModelled.push(...out.notModelled);
  }
  return { pods, derived, notModelled };
}

/** The namespace Argo CD creates for the Application (`CreateNamespace=true`, with `managedNamespaceMetadata`). */
function createdNamespace(app: any): any | undefined {
  const opts: string[] = app?.spec?.syncPolicy?.syncOptions ?? [];
  const name = app?.spec?.destination?.namespace;
  if (!name || !Array.isArray(opts) || !opts.includes('CreateNamespace=true')) return undefined;
  const meta = app.spec.syncPolicy.managedNamespaceMetadata ?? {};
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name,
      ...(meta.labels ? { labels: { ...meta.labels } } : {}),
      annotations: { ...(meta.annotations ?? {}), [MADE_BY]: ObjectIndex.id(app) },
    },
  };
}

/** The render with the same values; else the one of the same release and namespace with the fewest differences. */
function closestRender(vendored: VendoredAddonChart, source: ApplicationChartSource): VendoredRender {
  const hash = valuesHash(source.values);
  const same = vendored.renders.find((r) => r.valuesHash === hash);
  if (same) return same;
  let best = vendored.renders[0];
  let bestScore = Number.POSITIVE_INFINITY;
  for (const r of vendored.renders) {
    const score = valueDifferences(r.values, source.values).length + (r.releaseName === source.releaseName ? 0 : 1000);
    if (score < bestScore) {
      best = r;
      bestScore = score;
    }
  }
  return best;
}

function materialize(source: ApplicationChartSource, vendored: VendoredAddonChart, render: VendoredRender): AddonObjects {
  const owner = source.owner;
  const notModelled: string[] = [];
  const chartRef = `${vendored.chart}@${vendored.version}`;
  // Differences between the Application's values and the render's: image values are applied, the rest reported.
  const imagePaths = new Set<string>();
  for (const w of render.workloads) {
    for (const img of Object.values(w.images ?? {})) {
      for (const m of (img.pattern ?? '').matchAll(/\{([^}]+)\}/g)) imagePaths.add(m[1]);
      for (const k of Object.keys(img.whenSet ?? {})) imagePaths.add(k);
    }
  }
  const overrides = new Map<string, string>();
  // Values that differ from the render's only by a registry host (the same mirror in another account or region, e.g.
  // a fleet cluster's own registry) move every rendered image of that host: the render's host came from its values.
  const relocations = new Map<string, string>();
  for (const diff of valueDifferences(render.values, source.values)) {
    const value = getPath(source.values, diff);
    if ((typeof value === 'string' || typeof value === 'number') && String(value) !== '' && imagePaths.has(diff)) {
      overrides.set(diff, String(value));
      continue;
    }
    const moved = hostRelocations(getPath(render.values, diff), value);
    if (moved !== undefined) {
      for (const [from, to] of moved) relocations.set(from, to);
      continue;
    }
    notModelled.push(`${owner}: values ${diff} differ from the vendored render of ${chartRef} (${JSON.stringify(getPath(render.values, diff)) ?? 'unset'} there), the rendered objects are used without that change`);
  }
  if (source.releaseName !== render.releaseName) {
    notModelled.push(`${owner}: release name ${source.releaseName} differs from the vendored render's ${render.releaseName}; object names follow the render`);
  }
  const fromNs = render.namespace;
  const toNs = source.namespace || render.namespace;
  const rehome = (ns: string | undefined) => (ns === fromNs ? toNs : ns);
  const fill = (pattern: string) => pattern.replace(/\{([^}]+)\}/g, (_m, p) => overrides.get(p) ?? render.imageValues[p] ?? '');

  const pods: TwinPod[] = [];
  for (const w of render.workloads) {
    const phase = w.hook ? hookPhase(w.hook) : 'sync';
    if (phase === 'ignored') continue;
    if (phase === 'delete') {
      notModelled.push(`${owner}: ${w.kind} ${rehome(w.namespace)}/${w.name} of chart ${chartRef} is a Helm ${w.hook} hook, run only when the Application is deleted, not modelled`);
      continue;
    }
    const namespace = rehome(w.namespace)!;
    const template = clone(w.template ?? {});
    const mutations: string[] = [];
    for (const list of ['initContainers', 'containers']) {
      for (const c of template.spec?.[list] ?? []) {
        const host = typeof c.image === 'string' ? c.image.split('/')[0] : undefined;
        const to = host === undefined ? undefined : relocations.get(host);
        if (to !== undefined) {
          const image = `${to}${c.image.slice(host!.length)}`;
          mutations.push(`registry of ${c.name} from the Application's values (${c.image} -> ${image})`);
          c.image = image;
        }
        const img = w.images?.[c.name];
        if (!img || overrides.size === 0) continue;
        const image = overriddenImage(c.image, img, overrides, fill);
        if (image === undefined) {
          notModelled.push(`${owner}: values ${[...overrides.keys()].filter((p) => p in (img.whenSet ?? {}) || (img.pattern ?? '').includes(`{${p}}`)).join(', ')} together change the image of container ${c.name} of ${w.kind} ${namespace}/${w.name} (${chartRef}) in a way the vendored render does not show; the rendered image is used`);
        } else if (image !== c.image) {
          mutations.push(`image of ${c.name} from the Application's values (${c.image} -> ${image})`);
          c.image = image;
        }
      }
    }
    const metadata = { ...(template.metadata ?? {}), namespace };
    const prefix = w.kind === 'Pod' ? w.name : `${w.name}-`;
    if (w.kind === 'Pod') metadata.name = w.name;
    else metadata.generateName = prefix;
    const where = `${source.sourcePath}[${chartRef}].${w.kind}[${namespace}/${w.name}]${w.templatePath ? `.${w.templatePath}` : ''}`;
    const twinPod: TwinPod = {
      owner,
      ownerObject: source.application,
      origin: 'addon',
      namespace,
      namePrefix: prefix,
      pod: { apiVersion: 'v1', kind: 'Pod', metadata, spec: template.spec ?? {} },
      templatePath: where,
      minReplicas: w.minReplicas,
      maxReplicas: w.maxReplicas,
      mutations: [`rendered from chart ${chartRef} (${w.kind} ${namespace}/${w.name}${w.hook ? `, Helm hook ${w.hook}` : ''})`, ...mutations],
    };
    addonWorkloads.set(twinPod, { name: w.name, kind: w.kind, apiVersion: workloadApiVersion(w.kind) });
    pods.push(twinPod);
  }
  for (const r of render.operatorResources) {
    notModelled.push(`${owner}: ${r.replace(` ${fromNs}/`, ` ${toNs}/`)} of chart ${chartRef} makes pods through its operator at run time, not modelled`);
  }

  const made = (o: any) => {
    const copy = clone(o);
    copy.metadata = copy.metadata ?? {};
    if (copy.metadata.namespace !== undefined) copy.metadata.namespace = rehome(copy.metadata.namespace);
    copy.metadata.annotations = { ...(copy.metadata.annotations ?? {}), [MADE_BY]: owner };
    return copy;
  };
  const derived: any[] = [];
  const plain = [
    ...render.namespaces, ...render.crds, ...render.services, ...render.networkPolicies, ...render.podDisruptionBudgets, ...(render.configMaps ?? []),
  ];
  for (const o of plain) {
    derived.push(made(o));
  }
  for (const o of render.webhookConfigurations) {
    const copy = made(o);
    for (const hook of copy.webhooks ?? []) {
      const svc = hook.clientConfig?.service;
      if (svc?.namespace !== undefined) svc.namespace = rehome(svc.namespace);
    }
    derived.push(copy);
  }
  return { pods, derived, notModelled };
}

/**
 * A container's image with the Application's image values applied: the render's pattern filled for the
 * non-empty values it is made of; for a value empty in the render, the image the chart makes when that value
 * alone is set; a digest set where the render had none is appended (`image@sha256:...`, pulled by digest).
 * Undefined when several values empty in the render change at once (the render does not show the result).
 */
/**
 * The registry hosts a value moves, when it differs from the render's value only by them (strings, or lists and maps of
 * the same shape, leaf by leaf: kustomize `images` and `patches`): `a.example.com/mirror/x@sha256:..` vs
 * `b.example.com/mirror/x@sha256:..` moves `a.example.com` to `b.example.com`. Undefined when the values differ otherwise.
 */
function hostRelocations(rendered: any, value: any): Map<string, string> | undefined {
  // the string leaves of two values of the same shape, side by side (undefined when the shapes differ)
  const leaves = (a: any, b: any): [string, string][] | undefined => {
    if (typeof a === 'string' && typeof b === 'string') return [[a, b]];
    if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
      const all = a.map((x, i) => leaves(x, b[i]));
      return all.every((x) => x !== undefined) ? all.flat() as [string, string][] : undefined;
    }
    if (isPlainObject(a) && isPlainObject(b)) {
      const keys = Object.keys(a).sort();
      if (canonicalJson(keys) !== canonicalJson(Object.keys(b).sort())) return undefined;
      const all = keys.map((k) => leaves(a[k], b[k]));
      return all.every((x) => x !== undefined) ? all.flat() as [string, string][] : undefined;
    }
    return canonicalJson(a) === canonicalJson(b) ? [] : undefined;
  };
  const pairs = leaves(rendered, value);
  if (pairs === undefined || pairs.length === 0) return undefined;
  const out = new Map<string, string>();
  const HOST = /[a-z0-9-]+(\.[a-z0-9-]+)+(:\d+)?(?=\/)/g;
  for (const [a, b] of pairs) {
    if (a === b) continue;
    const hostsA = [...new Set(a.match(HOST) ?? [])];
    const hostsB = [...new Set(b.match(HOST) ?? [])];
    const found = hostsA.flatMap((ha) => hostsB.filter((hb) => hb !== ha && a.split(ha).join(hb) === b).map((hb) => [ha, hb] as [string, string]));
    if (found.length !== 1 || (out.has(found[0][0]) && out.get(found[0][0]) !== found[0][1])) return undefined;
    out.set(found[0][0], found[0][1]);
  }
  return out.size > 0 ? out : undefined;
}

function overriddenImage(
  original: string, img: VendoredImage, overrides: Map<string, string>, fill: (pattern: string) => string,
): string | undefined {
  const inPattern = [...overrides.keys()].filter((p) => (img.pattern ?? '').includes(`{${p}}`));
  const whenSet = [...overrides.keys()].filter((p) => img.whenSet && p in img.whenSet);
  const isDigest = (p: string) => /(^|\.)(digest|sha)$/.test(p);
  const digests = whenSet.filter(isDigest);
  const others = whenSet.filter((p) => !isDigest(p));
  if (others.length > 1 || (others.length === 1 && inPattern.length > 0) || digests.length > 1) return undefined;
  let image = others.length === 1 ? fill(img.whenSet![others[0]]) : inPattern.length > 0 ? fill(img.pattern!) : original;
  if (digests.length === 1) {
    const d = overrides.get(digests[0])!;
    if (others.length === 0 && inPattern.length === 0) return fill(img.whenSet![digests[0]]);
    image = `${image.replace(/@sha256:[0-9a-f]+$/, '')}@${d.startsWith('sha256:') ? d : `sha256:${d}`}`;
  }
  return image;
}

/**
 * When Argo CD runs a Helm hook (argoproj/argo-cd docs/user-guide/helm.md, "Helm Hooks"): install and upgrade
 * hooks as PreSync/PostSync hooks of every sync, pre/post-delete hooks as PreDelete/PostDelete hooks when the
 * Application is deleted; test and rollback hooks are unsupported and "Unsupported hooks are ignored" (the
 * manifests are skipped).
 */
function hookPhase(hook: string): 'sync' | 'delete' | 'ignored' {
  const phases = hook.split(',').map((h) => h.trim());
  if (phases.some((h) => /^(pre|post)-(install|upgrade)$/.test(h) || h === 'crd-install')) return 'sync';
  if (phases.some((h) => /^(pre|post)-delete$/.test(h))) return 'delete';
  return 'ignored';
}

// ---------------------------------------------------------------------------------------------
// Vendored renders
// ---------------------------------------------------------------------------------------------

/** The folder of the vendored renders (`schemas/upstream/addons/`), from src/ (ts-node, jest) and lib/. */
export function addonsDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'schemas', 'upstream', 'addons'), path.resolve(__dirname, '..', '..', 'schemas', 'upstream', 'addons')];
  for (const c of candidates) if (fs.existsSync(c)) return c;
  return candidates[0];
}

/** The vendored file of a chart version: `<chart>-<version>.json`. */
export function vendoredFileName(chart: string, version: string): string {
  return `${chart}-${version}.json`.replace(/[^0-9A-Za-z._-]/g, '_');
}

const cache = new Map<string, VendoredAddonChart | undefined>();

/** The vendored renders of a chart version, or undefined when there are none (read once per process). */
export function vendoredChart(chart: string, version: string): VendoredAddonChart | undefined {
  const file = path.join(addonsDir(), vendoredFileName(chart, version));
  if (cache.has(file)) return cache.get(file);
  let out: VendoredAddonChart | undefined;
  try {
    const parsed = JSON.parse(fs.readFileSync(file, 'utf-8'));
    if (parsed?.chart === chart && parsed?.version === version && Array.isArray(parsed.renders) && parsed.renders.length > 0) out = parsed;
  } catch {
    out = undefined;
  }
  cache.set(file, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Values
// ---------------------------------------------------------------------------------------------

/** sha256 (hex) of the canonical JSON (keys sorted) of a values object. */
export function valuesHash(values: any): string {
  return crypto.createHash('sha256').update(canonicalJson(values ?? {})).digest('hex');
}

/** JSON with object keys sorted recursively. */
export function canonicalJson(value: any): string {
  return JSON.stringify(sortKeysDeep(value));
}

/** A copy with object keys sorted recursively. */
export function sortKeysDeep(value: any): any {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (!isPlainObject(value)) return value;
  const out: any = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeysDeep(value[k]);
  return out;
}

/** Helm's coalescing of a values layer over another: maps merge, everything else replaces, null deletes. */
export function helmMerge(base: any, over: any): any {
  if (!isPlainObject(base) || !isPlainObject(over)) return over === undefined ? base : over;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = helmMerge(base[k], v);
  }
  return out;
}

/** Dotted paths (`pilot.image.tag`) where two values objects differ; arrays and scalars compare whole. */
export function valueDifferences(a: any, b: any, prefix = ''): string[] {
  if (isPlainObject(a) && isPlainObject(b)) {
    const out: string[] = [];
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      out.push(...valueDifferences(a[k], b[k], prefix ? `${prefix}.${k}` : k));
    }
    return out;
  }
  if (canonicalJson(a) === canonicalJson(b)) return [];
  // A map present on one side only: each of its leaves differs.
  if (isPlainObject(a) && (b === undefined || b === null)) return valueDifferences(a, {}, prefix);
  if (isPlainObject(b) && (a === undefined || a === null)) return valueDifferences({}, b, prefix);
  return [prefix];
}

/** The value at a dotted path (keys may not contain dots here). */
export function getPath(values: any, dotted: string): any {
  let cur = values;
  for (const k of dotted.split('.')) {
    if (!isPlainObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

function parseYamlObject(text: string): any {
  const v = YAML.parse(text);
  return isPlainObject(v) ? v : {};
}

function clone<T>(o: T): T {
  return o === undefined ? o : JSON.parse(JSON.stringify(o));
}

function isPlainObject(x: any): boolean {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}
