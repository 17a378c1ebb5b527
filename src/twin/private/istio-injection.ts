/**
 * Istio sidecar injection, as istiod 1.30.3 performs it, modelled in TypeScript (the Go template is never
 * executed). Two questions:
 * - does a pod get a sidecar? (`injectionOf`): the istiod chart's MutatingWebhookConfiguration selectors
 *   (schemas/upstream/istio/mutatingwebhook.yaml) then istiod's own `injectRequired` (pkg/kube/inject/inject.go);
 * - what does the pod look like after? (`inject`): the `sidecar` template
 *   (schemas/upstream/istio/injection-template.yaml) plus istiod's post-processing (pkg/kube/inject/webhook.go
 *   `postProcessPod`: Prometheus metrics merging, app probe rewriting, the status annotation, container order).
 *
 * The mesh settings (`istioMeshOf`) come from the Argo CD Application(s) in the output that install the istiod
 * chart: their Helm values merged over the chart's defaults (schemas/upstream/istio/istiod-values.yaml), as the
 * chart's zzz_profile.yaml and zzy_descope_legacy.yaml merge them, then over istiod's built-in mesh defaults
 * (pkg/config/mesh/mesh.go `DefaultMeshConfig`). Sources and commit: schemas/upstream/istio/SOURCES.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ObjectIndex, selectorMatches } from './model';
import { schemasDir } from '../../validation/private/schema-files';

/** The Istio version whose template and chart defaults are vendored (the istiod add-on's pin). */
export const ISTIO_VERSION = '1.30.3';

/** The mesh as istiod will run it, from the output's istiod Application(s). */
export interface IstioMesh {
  /** The istiod chart version the Application pins (`1.30.3`); the model is always the vendored 1.30.3 one. */
  readonly version: string;
  /** The Application that installs istiod, `Application argocd/prod-istiod`. */
  readonly application: string;
  /** The namespace istiod runs in (the Application's destination; `istio-system`). */
  readonly namespace: string;
  /** The control plane revision (`values.revision`), '' for the default one. */
  readonly revision: string;
  /** The effective Helm values: chart defaults, then the Application's values, then its `pilot.*` values copied to the top. */
  readonly values: any;
  /** Istio CNI is in use: the istiod values enable it (`cni.enabled` or `pilot.cni.enabled`) and an Application installs the `cni` chart. */
  readonly cni: boolean;
  /** What the istiod values say about CNI (`cni.enabled` after the `pilot.*` copy). */
  readonly cniEnabledInValues: boolean;
  /** An Application in the output installs the Istio `cni` chart. */
  readonly cniChartInstalled: boolean;
  /** The sidecar runs as a native sidecar (an init container with restartPolicy Always). */
  readonly nativeSidecars: boolean;
  /** The mesh config istiod loads: chart-rendered mesh, merged with `values.meshConfig`, over istiod's defaults. */
  readonly meshConfig: any;
  /** `meshConfig.outboundTrafficPolicy.mode` (`ALLOW_ANY` unless set). */
  readonly outboundTrafficPolicy: string;
  /** `meshConfig.extensionProviders`: istiod's defaults (prometheus, stackdriver, envoy) merged by name with the configured ones. */
  readonly extensionProviders: any[];
  /** `meshConfig.enablePrometheusMerge` (true unless set to false). */
  readonly enablePrometheusMerge: boolean;
  /** `meshConfig.defaultConfig` (ProxyConfig) with istiod's defaults (statusPort 15020, interceptionMode REDIRECT, ...). */
  readonly defaultConfig: any;
  /** The proxy image (`<global.hub>/<global.proxy.image>:<global.tag>`, `docker.io/istio/proxyv2:1.30.3` by default). */
  readonly proxyImage: string;
  /** The injection policy (`global.proxy.autoInject`): `enabled` or `disabled`. */
  readonly autoInject: string;
  /** Assumptions and parts of the values the model does not follow, one line each (for notModelled). */
  readonly notes: string[];
}

/** What `istioMeshOf` cannot read from the output. */
export interface IstioMeshOptions {
  /**
   * The minor Kubernetes version of the cluster's kubelets. istiod 1.30.3 auto-detects native sidecar
   * support (ENABLE_NATIVE_SIDECARS=auto): on when every node's kubelet is 1.33 or newer
   * (pkg/kube/inject/webhook.go `DetectNativeSidecar`).
   * @default 34 (the EKS version the platform targets)
   */
  readonly kubeletMinorVersion?: number;
}

/** How one pod relates to the injector. */
export interface InjectionDecision {
  readonly inject: boolean;
  /** Why (`namespace label istio-injection=enabled`, `pod label sidecar.istio.io/inject=false`, ...). */
  readonly reason: string;
  /** The webhook of istio-sidecar-injector that matched (`namespace.sidecar-injector.istio.io`), if any. */
  readonly webhook?: string;
}

/** The workload behind a pod, as istiod derives it (`.DeploymentMeta`, `.TypeMeta` of the template). */
export interface InjectWorkload {
  /** The workload name (`llama3-8b-stable` for a Deployment's pods). */
  readonly name?: string;
  readonly kind?: string;
  readonly apiVersion?: string;
}

/** Where the sidecar captures traffic, from the injected pod (for the flows check). */
export interface SidecarCapture {
  readonly injected: boolean;
  /** REDIRECT, TPROXY or NONE. */
  readonly interceptionMode: string;
  /** The sidecar is a native sidecar: init containers' traffic goes through it too. */
  readonly nativeSidecar: boolean;
  /** `*` or CIDRs whose outbound traffic goes through the proxy. */
  readonly includeOutboundIPRanges: string;
  readonly excludeOutboundIPRanges: string[];
  readonly includeOutboundPorts: string[];
  readonly excludeOutboundPorts: string[];
  /** `*` or ports. */
  readonly includeInboundPorts: string;
  readonly excludeInboundPorts: string[];
}

/** Namespaces istiod never injects (pkg/kube/inject/initializer.go `IgnoredNamespaces`). */
export const IGNORED_NAMESPACES = ['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage'];

// ---------------------------------------------------------------------------------------------------------------
// Vendored data
// ---------------------------------------------------------------------------------------------------------------

let defaultsCache: any;

/** The istiod chart's defaults (`_internal_defaults_do_not_set` of schemas/upstream/istio/istiod-values.yaml). */
export function istiodChartDefaults(): any {
  if (!defaultsCache) {
    // istiod-values.json is istiod-values.yaml parsed (a test keeps them equal): JSON reads ~20x faster at synth.
    const text = fs.readFileSync(path.join(schemasDir(), 'upstream', 'istio', 'istiod-values.json'), 'utf8');
    defaultsCache = (JSON.parse(text) ?? {})._internal_defaults_do_not_set ?? {};
  }
  return clone(defaultsCache);
}

// ---------------------------------------------------------------------------------------------------------------
// Mesh settings from the output
// ---------------------------------------------------------------------------------------------------------------

/** The Helm chart sources of an Argo CD Application (`spec.source` and `spec.sources[]`). */
export function applicationSources(app: any): any[] {
  const out: any[] = [];
  if (app?.spec?.source && typeof app.spec.source === 'object') out.push(app.spec.source);
  if (Array.isArray(app?.spec?.sources)) for (const s of app.spec.sources) if (s && typeof s === 'object') out.push(s);
  return out;
}

/**
 * The Helm values an Application source passes (`helm.valuesObject`, `helm.values` YAML, then `helm.parameters`),
 * merged as Argo CD does (parameters win). `valueFiles` cannot be read from the output: listed in `notes`.
 */
export function helmValuesOf(source: any, notes?: string[], owner?: string): any {
  const helm = source?.helm ?? {};
  let values: any = {};
  if (typeof helm.values === 'string' && helm.values.trim() !== '') {
    try {
      values = mergeOverwrite(values, YAML.parse(helm.values) ?? {});
    } catch (e) {
      notes?.push(`${owner ?? 'Application'}: helm.values is not YAML, not modelled`);
    }
  } else if (helm.values && typeof helm.values === 'object') {
    values = mergeOverwrite(values, helm.values);
  }
  if (helm.valuesObject && typeof helm.valuesObject === 'object') values = mergeOverwrite(values, helm.valuesObject);
  for (const p of Array.isArray(helm.parameters) ? helm.parameters : []) {
    if (p && typeof p.name === 'string') setPath(values, p.name, parseScalar(p.value));
  }
  if (Array.isArray(helm.valueFiles) && helm.valueFiles.length > 0) {
    notes?.push(`${owner ?? 'Application'}: helm.valueFiles ${helm.valueFiles.join(', ')} not modelled (only inline values are read)`);
  }
  return values;
}

/**
 * The mesh istiod will run, from the Application(s) in the output that install the `istiod` chart; undefined
 * when none does (nothing is injected then). With several istiod Applications the first one (output order)
 * is the mesh; the others are listed in `notes`.
 */
export function istioMeshOf(index: ObjectIndex, options: IstioMeshOptions = {}): IstioMesh | undefined {
  const apps = index.ofKind('Application').filter((a) => applicationSources(a).some((s) => s.chart === 'istiod'));
  if (apps.length === 0) return undefined;
  const app = apps[0];
  const owner = ObjectIndex.id(app);
  const notes: string[] = [];
  for (const other of apps.slice(1)) notes.push(`${ObjectIndex.id(other)}: a second istiod installation (revisions) not modelled; ${owner} is the mesh`);
  const source = applicationSources(app).find((s) => s.chart === 'istiod');
  const version = String(source.targetRevision ?? '');
  if (version !== ISTIO_VERSION) notes.push(`${owner}: istiod ${version || '(no targetRevision)'} modelled with the vendored ${ISTIO_VERSION} injection template and chart defaults`);
  const user = helmValuesOf(source, notes, owner);
  if (user.profile || user.global?.profile || user.compatibilityVersion || user.platform || user.global?.platform) {
    notes.push(`${owner}: Istio profile/compatibilityVersion/platform values not modelled (the chart defaults are used)`);
  }
  // zzz_profile.yaml: mustMergeOverwrite(defaults, user); zzy_descope_legacy.yaml: copy `.pilot` to the top.
  let values = mergeOverwrite(istiodChartDefaults(), user);
  if (values.pilot && typeof values.pilot === 'object') values = mergeOverwrite(values, values.pilot);
  const g = values.global ?? {};
  const revision = typeof values.revision === 'string' ? values.revision : '';
  const namespace = app.spec?.destination?.namespace ?? g.istioNamespace ?? 'istio-system';

  const cniEnabledInValues = values.cni?.enabled === true || values.cni?.enabled === 'true';
  if (values.istio_cni !== undefined) notes.push(`${owner}: istio_cni.* is not read by the istiod ${ISTIO_VERSION} chart (its key is cni.enabled or pilot.cni.enabled)`);
  const cniChartInstalled = index.ofKind('Application').some((a) => applicationSources(a).some((s) => s.chart === 'cni'));
  if (cniEnabledInValues && !cniChartInstalled) notes.push(`${owner}: cni.enabled is set but no Application installs the Istio cni chart, so pods get istio-init (the CNI plugin is not there to set up redirection)`);

  // ENABLE_NATIVE_SIDECARS (pilot/pkg/features/pilot.go, default "auto"): auto = every kubelet >= 1.33.
  const envSetting = String(values.env?.ENABLE_NATIVE_SIDECARS ?? 'auto');
  const kubelet = options.kubeletMinorVersion ?? 34;
  const nativeSidecars = envSetting === 'true' ? true : envSetting === 'auto' ? kubelet >= 33 : false;
  if (envSetting === 'auto' && options.kubeletMinorVersion === undefined) {
    notes.push(`${owner}: native sidecars assumed on (ENABLE_NATIVE_SIDECARS=auto and kubelets 1.33 or newer)`);
  }

  const meshConfig = meshConfigOf(values, namespace, revision);
  const hub = String(g.hub ?? '');
  const tag = g.tag === undefined || g.tag === null ? '' : String(g.tag);
  const variant = String(meshConfig.defaultConfig?.image?.imageType ?? g.variant ?? '');
  const imageName = g.proxy?.image ? String(g.proxy.image) : 'proxyv2';
  return {
    version,
    application: owner,
    namespace,
    revision,
    values,
    cni: cniEnabledInValues && cniChartInstalled,
    cniEnabledInValues,
    cniChartInstalled,
    nativeSidecars,
    meshConfig,
    outboundTrafficPolicy: String(meshConfig.outboundTrafficPolicy?.mode ?? 'ALLOW_ANY'),
    extensionProviders: meshConfig.extensionProviders,
    enablePrometheusMerge: meshConfig.enablePrometheusMerge !== false,
    defaultConfig: meshConfig.defaultConfig,
    proxyImage: imageURL(hub, imageName, tag, variant),
    autoInject: String(g.proxy?.autoInject ?? 'enabled'),
    notes,
  };
}

/** pkg/kube/inject/inject.go `imageURL` / `updateImageTypeIfPresent`. */
function imageURL(hub: string, name: string, tag: string, imageType: string): string {
  let t = tag;
  if (imageType !== '') {
    for (const known of ['distroless', 'debug']) {
      if (t.endsWith(`-${known}`)) {
        t = t.slice(0, t.length - known.length - 1);
        break;
      }
    }
    if (imageType !== 'default') t = `${t}-${imageType}`;
  }
  return `${hub}/${name}:${t}`;
}

/** The mesh config: configmap.yaml's rendered mesh merged with values.meshConfig, over DefaultMeshConfig (pkg/config/mesh/mesh.go). */
function meshConfigOf(values: any, namespace: string, revision: string): any {
  const g = values.global ?? {};
  const telemetry = values.telemetry ?? {};
  const prom = telemetry.enabled !== false && telemetry.v2?.enabled !== false && telemetry.v2?.prometheus?.enabled !== false;
  const chartMesh: any = {
    trustDomain: 'cluster.local',
    rootNamespace: values.meshConfig?.rootNamespace ?? g.istioNamespace ?? 'istio-system',
    defaultConfig: { discoveryAddress: `istiod${revision ? `-${revision}` : ''}.${namespace}.svc:15012` },
  };
  if (prom) chartMesh.defaultProviders = { metrics: ['prometheus'] };
  const variant = g.proxy?.variant || g.variant;
  if (variant) chartMesh.defaultConfig.image = { imageType: variant };
  const rendered = mergeOverwrite(chartMesh, values.meshConfig ?? {});
  const defaults: any = {
    enableTracing: true,
    trustDomain: 'cluster.local',
    enableAutoMtls: true,
    outboundTrafficPolicy: { mode: 'ALLOW_ANY' },
    inboundTrafficPolicy: { mode: 'PASSTHROUGH' },
    rootNamespace: 'istio-system',
    proxyListenPort: 15001,
    proxyInboundListenPort: 15006,
    enablePrometheusMerge: true,
    defaultProviders: {},
    defaultConfig: {
      configPath: './etc/istio/proxy',
      drainDuration: '45s',
      terminationDrainDuration: '5s',
      proxyAdminPort: 15000,
      controlPlaneAuthPolicy: 'MUTUAL_TLS',
      discoveryAddress: 'istiod.istio-system.svc:15012',
      statNameLength: 189,
      statusPort: 15020,
    },
  };
  const defaultProviders = [
    { name: 'prometheus', prometheus: {} },
    { name: 'stackdriver', stackdriver: {} },
    { name: 'envoy', envoyFileAccessLog: { path: '/dev/stdout' } },
  ];
  const { extensionProviders, ...rest } = rendered;
  const mesh = mergeOverwrite(defaults, rest);
  // ApplyMeshConfig: configured providers replace a default of the same name, others are appended.
  const providers = defaultProviders.map((p) => ({ ...p }));
  for (const p of Array.isArray(extensionProviders) ? extensionProviders : []) {
    const i = providers.findIndex((e) => e.name === p?.name);
    if (i >= 0) providers[i] = p;
    else providers.push(p);
  }
  mesh.extensionProviders = providers;
  if (!mesh.defaultConfig.interceptionMode) mesh.defaultConfig.interceptionMode = 'REDIRECT';
  return mesh;
}

// ---------------------------------------------------------------------------------------------------------------
// Which pods get a sidecar
// ---------------------------------------------------------------------------------------------------------------

/**
 * The webhooks of the istiod chart's MutatingWebhookConfiguration (templates/mutatingwebhook.yaml) for a
 * revision, as namespace and object selectors.
 */
export function injectorWebhooks(mesh: IstioMesh): { name: string; namespaceSelector: any; objectSelector: any }[] {
  const g = mesh.values.global ?? {};
  const scope = String(g.resourceScope ?? 'all');
  if (g.operatorManageWebhooks === true || (scope !== 'all' && scope !== 'cluster')) return [];
  const rev = mesh.revision || 'default';
  const notFalse = { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] };
  const hooks: { name: string; namespaceSelector: any; objectSelector: any }[] = [
    {
      name: 'rev.namespace.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: [rev] }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [notFalse] },
    },
    {
      name: 'rev.object.sidecar-injector.istio.io',
      namespaceSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'DoesNotExist' }, { key: 'istio-injection', operator: 'DoesNotExist' }] },
      objectSelector: { matchExpressions: [notFalse, { key: 'istio.io/rev', operator: 'In', values: [rev] }] },
    },
  ];
  if (mesh.revision === '') {
    hooks.push(
      {
        name: 'namespace.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }] },
        objectSelector: { matchExpressions: [notFalse] },
      },
      {
        name: 'object.sidecar-injector.istio.io',
        namespaceSelector: { matchExpressions: [{ key: 'istio-injection', operator: 'DoesNotExist' }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
        objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
      },
    );
    if (mesh.values.sidecarInjectorWebhook?.enableNamespacesByDefault === true) {
      hooks.push({
        name: 'auto.sidecar-injector.istio.io',
        namespaceSelector: {
          matchExpressions: [
            { key: 'istio-injection', operator: 'DoesNotExist' },
            { key: 'istio.io/rev', operator: 'DoesNotExist' },
            { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [...IGNORED_NAMESPACES] },
          ],
        },
        objectSelector: { matchExpressions: [{ key: 'sidecar.istio.io/inject', operator: 'DoesNotExist' }, { key: 'istio.io/rev', operator: 'DoesNotExist' }] },
      });
    }
  }
  return hooks;
}

/** A namespace's labels as the API server sets them (`kubernetes.io/metadata.name` is always there). */
export function namespaceLabels(name: string, namespace: any): Record<string, string> {
  return { ...(namespace?.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': name };
}

/**
 * Whether istiod injects a sidecar into `pod` (a Pod JSON with metadata.namespace), given its Namespace object
 * from the output (undefined when the output does not create it: no labels).
 */
export function injectionOf(pod: any, namespace: any, mesh: IstioMesh | undefined): InjectionDecision {
  if (!mesh) return { inject: false, reason: 'no istiod in the output' };
  const nsName = String(pod?.metadata?.namespace ?? namespace?.metadata?.name ?? 'default');
  const nsl = namespaceLabels(nsName, namespace);
  const labels: Record<string, string> = pod?.metadata?.labels ?? {};
  const annotations: Record<string, string> = pod?.metadata?.annotations ?? {};
  const hook = injectorWebhooks(mesh).find((h) => selectorMatches(h.namespaceSelector, nsl) && selectorMatches(h.objectSelector, labels));
  if (!hook) {
    if (labels['sidecar.istio.io/inject'] === 'false') return { inject: false, reason: 'pod label sidecar.istio.io/inject=false' };
    if (nsl['istio-injection'] !== undefined && nsl['istio-injection'] !== 'enabled') return { inject: false, reason: `namespace label istio-injection=${nsl['istio-injection']}` };
    return { inject: false, reason: `namespace ${nsName} is not labelled for injection (istio-injection=enabled or istio.io/rev=${mesh.revision || 'default'})` };
  }
  // pkg/kube/inject/inject.go injectRequired
  if (pod?.spec?.hostNetwork === true) return { inject: false, reason: 'hostNetwork pod', webhook: hook.name };
  if (IGNORED_NAMESPACES.includes(nsName)) return { inject: false, reason: `namespace ${nsName} is never injected`, webhook: hook.name };
  let selector = annotations['sidecar.istio.io/inject'];
  if (Object.prototype.hasOwnProperty.call(labels, 'sidecar.istio.io/inject')) selector = labels['sidecar.istio.io/inject'];
  let useDefault = selector !== 'true' && selector !== 'false';
  let wanted = selector === 'true';
  const sw = mesh.values.sidecarInjectorWebhook ?? {};
  if (useDefault) {
    for (const s of Array.isArray(sw.neverInjectSelector) ? sw.neverInjectSelector : []) {
      if (isNonEmptySelector(s) && selectorMatches(s, labels)) {
        return { inject: false, reason: 'pod labels match sidecarInjectorWebhook.neverInjectSelector', webhook: hook.name };
      }
    }
    for (const s of Array.isArray(sw.alwaysInjectSelector) ? sw.alwaysInjectSelector : []) {
      if (isNonEmptySelector(s) && selectorMatches(s, labels)) {
        wanted = true;
        useDefault = false;
        break;
      }
    }
  }
  const source = Object.prototype.hasOwnProperty.call(labels, 'sidecar.istio.io/inject') ? 'pod label' : 'pod annotation';
  if (mesh.autoInject === 'enabled') {
    if (useDefault) return { inject: true, reason: `webhook ${hook.name}`, webhook: hook.name };
    return { inject: wanted, reason: wanted ? `webhook ${hook.name}` : `${source} sidecar.istio.io/inject=false`, webhook: hook.name };
  }
  if (mesh.autoInject === 'disabled') {
    if (useDefault) return { inject: false, reason: 'global.proxy.autoInject=disabled and no sidecar.istio.io/inject=true', webhook: hook.name };
    return { inject: wanted, reason: wanted ? `${source} sidecar.istio.io/inject=true` : `${source} sidecar.istio.io/inject=false`, webhook: hook.name };
  }
  return { inject: false, reason: `global.proxy.autoInject=${mesh.autoInject} is not enabled/disabled (istiod disables injection)`, webhook: hook.name };
}

function isNonEmptySelector(s: any): boolean {
  return !!s && (Object.keys(s.matchLabels ?? {}).length > 0 || (s.matchExpressions ?? []).length > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// What the injected pod looks like
// ---------------------------------------------------------------------------------------------------------------

/** Template function `annotation .ObjectMeta key default`: the pod's annotation, else the default. */
function annotation(annotations: Record<string, string>, key: string, def: any): string {
  if (Object.prototype.hasOwnProperty.call(annotations, key)) return String(annotations[key]);
  return def === undefined || def === null ? '' : String(def);
}

/** Template function `excludeInboundPort` (pkg/kube/inject/template.go). */
function excludeInboundPort(port: string, excluded: string): string {
  const p = String(port).trim();
  if (p === '' || p === '0') return excluded;
  const ports = splitList(excluded);
  if (ports.includes(p)) return excluded;
  return [...ports, p].join(',');
}

function splitList(s: string | undefined): string[] {
  return String(s ?? '').split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** The `resources` define of the template. */
function proxyResources(annotations: Record<string, string>, values: any): any {
  const keys = ['sidecar.istio.io/proxyCPU', 'sidecar.istio.io/proxyMemory', 'sidecar.istio.io/proxyCPULimit', 'sidecar.istio.io/proxyMemoryLimit'];
  if (keys.some((k) => annotations[k] !== undefined)) {
    const out: any = {};
    if (annotations[keys[0]] !== undefined || annotations[keys[1]] !== undefined) {
      out.requests = {};
      if (annotations[keys[0]] !== undefined) out.requests.cpu = annotations[keys[0]];
      if (annotations[keys[1]] !== undefined) out.requests.memory = annotations[keys[1]];
    }
    if (annotations[keys[2]] !== undefined || annotations[keys[3]] !== undefined) {
      out.limits = {};
      if (annotations[keys[2]] !== undefined) out.limits.cpu = annotations[keys[2]];
      if (annotations[keys[3]] !== undefined) out.limits.memory = annotations[keys[3]];
    }
    return out;
  }
  return omitNil(values.global?.proxy?.resources ?? {});
}

/** The ProxyConfig for this pod: mesh defaultConfig with the `proxy.istio.io/config` annotation over it. */
function proxyConfigOf(annotations: Record<string, string>, mesh: IstioMesh): any {
  let pc = clone(mesh.defaultConfig ?? {});
  const override = annotations['proxy.istio.io/config'];
  if (override) {
    try {
      pc = mergeOverwrite(pc, YAML.parse(override) ?? {});
    } catch {
      // istiod rejects the pod's injection with an error; the model keeps the mesh defaults
    }
  }
  return pc;
}

/**
 * The injection templates istiod 1.30.3 ships (templates/istiod-injector-configmap.yaml `templates:`), each
 * replaced when `sidecarInjectorWebhook.templates` defines one of the same name.
 */
export const BUILTIN_TEMPLATES = ['sidecar', 'gateway', 'grpc-simple', 'grpc-agent', 'waypoint', 'kube-gateway', 'agentgateway'];

/** The templates the model renders: `sidecar` (injection-template.yaml) and `gateway` (gateway-injection-template.yaml). */
export const MODELLED_TEMPLATES = ['sidecar', 'gateway'];

/** The pod annotation that chooses the injection templates (annotation.InjectTemplates). */
export const INJECT_TEMPLATES_ANNOTATION = 'inject.istio.io/templates';

/** A pod istiod injects with a template the model does not render; the pod is kept as its controller made it. */
export class InjectionNotModelled extends Error {}

/**
 * The templates istiod renders for `pod`, in order (pkg/kube/inject/inject.go `selectTemplates`): the
 * comma-separated, trimmed names of its `inject.istio.io/templates` annotation, else the injector config's
 * `defaultTemplates` (the chart's `sidecarInjectorWebhook.defaultTemplates`, else `[sidecar]`).
 */
export function injectionTemplatesOf(pod: any, mesh: IstioMesh): string[] {
  const annotations: Record<string, string> = pod?.metadata?.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(annotations, INJECT_TEMPLATES_ANNOTATION)) {
    return String(annotations[INJECT_TEMPLATES_ANNOTATION]).split(',').map((t) => t.trim());
  }
  const defaults = mesh.values.sidecarInjectorWebhook?.defaultTemplates;
  return Array.isArray(defaults) && defaults.length > 0 ? defaults.map((t: any) => String(t)) : ['sidecar'];
}

/**
 * The pod after istiod's injection (a new object; `pod` is not changed), and what changed. Call it only when
 * `injectionOf(...).inject` is true. The template is chosen by `injectionTemplatesOf`: `sidecar` (the default)
 * or `gateway`; any other choice throws `InjectionNotModelled` (the caller keeps the pod uninjected and reports it).
 */
export function inject(pod: any, namespace: any, mesh: IstioMesh, workload: InjectWorkload = {}): { pod: any; mutations: string[] } {
  const templates = injectionTemplatesOf(pod, mesh);
  const custom = Object.keys(isMap(mesh.values.sidecarInjectorWebhook?.templates) ? mesh.values.sidecarInjectorWebhook.templates : {});
  for (const t of templates) {
    if (!BUILTIN_TEMPLATES.includes(t) && !custom.includes(t)) {
      throw new InjectionNotModelled(`${INJECT_TEMPLATES_ANNOTATION} names template '${t}', which istiod ${ISTIO_VERSION} does not have (${[...BUILTIN_TEMPLATES, ...custom].join(', ')}): istiod fails the injection and the webhook's failurePolicy Fail makes the API server deny the pod`);
    }
    if (custom.includes(t)) throw new InjectionNotModelled(`injection template '${t}' comes from sidecarInjectorWebhook.templates, which the model does not render`);
    if (!MODELLED_TEMPLATES.includes(t)) throw new InjectionNotModelled(`injection template '${t}' is not modelled (only ${MODELLED_TEMPLATES.join(' and ')})`);
  }
  if (templates.length !== 1) throw new InjectionNotModelled(`injection templates ${templates.join(', ')} applied in turn are not modelled`);
  return templates[0] === 'gateway' ? injectGateway(pod, namespace, mesh, workload) : injectSidecar(pod, namespace, mesh, workload);
}

/** The pod after the `sidecar` template and istiod's post-processing. */
function injectSidecar(pod: any, namespace: any, mesh: IstioMesh, workload: InjectWorkload): { pod: any; mutations: string[] } {
  // A copy deep enough for what injection changes (metadata maps, container lists and the containers themselves).
  const src = pod ?? {};
  const copyContainers = (list: any) => (Array.isArray(list) ? list.map((c: any) => (c && typeof c === 'object' ? { ...c } : c)) : list);
  const out: any = { ...src, metadata: { ...(src.metadata ?? {}) }, spec: { ...(src.spec ?? {}) } };
  if (out.spec.containers !== undefined) out.spec.containers = copyContainers(out.spec.containers);
  if (out.spec.initContainers !== undefined) out.spec.initContainers = copyContainers(out.spec.initContainers);
  const meta = out.metadata;
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const values = mesh.values;
  const g = values.global ?? {};
  const proxy = g.proxy ?? {};
  const pc = proxyConfigOf(annotations, mesh);
  const proxyMetadata: Record<string, string> = pc.proxyMetadata ?? {};
  const interceptionMode = annotation(annotations, 'sidecar.istio.io/interceptionMode', pc.interceptionMode ?? 'REDIRECT');
  const tproxy = interceptionMode === 'TPROXY';
  const capNetBindService = annotation(annotations, 'sidecar.istio.io/capNetBindService', proxy.capNetBindService) === 'true';
  const nativeSidecar = (annotations['sidecar.istio.io/nativeSidecar'] || String(mesh.nativeSidecars)) !== 'false';
  const cni = mesh.cni;
  const nsName = String(meta.namespace ?? namespace?.metadata?.name ?? 'default');
  const workloadName = workload.name ?? (meta.name || String(meta.generateName ?? '').replace(/-$/, ''));
  const appContainers: string[] = (out.spec.containers ?? []).map((c: any) => c?.name).filter((n: any) => n && n !== 'istio-proxy');
  const statusPort = annotation(annotations, 'status.sidecar.istio.io/port', proxy.statusPort);
  const proxyUID = '1337';
  const proxyGID = '1337';
  const mutations: string[] = [];

  // metadata.labels
  labels['security.istio.io/tlsMode'] = labels['security.istio.io/tlsMode'] || 'istio';
  if (proxyMetadata.ISTIO_META_ENABLE_HBONE === 'true') labels['networking.istio.io/tunnel'] = labels['networking.istio.io/tunnel'] || 'http';
  labels['service.istio.io/canonical-name'] = (labels['service.istio.io/canonical-name'] || labels['app.kubernetes.io/name'] || labels.app || workloadName)
    .slice(0, 63).replace(/-+$/, '');
  labels['service.istio.io/canonical-revision'] = labels['service.istio.io/canonical-revision'] || labels['app.kubernetes.io/version'] || labels.version || 'latest';

  // metadata.annotations
  annotations['istio.io/rev'] = mesh.revision || 'default';
  if (appContainers.length >= 1) {
    if (annotations['kubectl.kubernetes.io/default-logs-container'] === undefined) annotations['kubectl.kubernetes.io/default-logs-container'] = appContainers[0];
    if (annotations['kubectl.kubernetes.io/default-container'] === undefined) annotations['kubectl.kubernetes.io/default-container'] = appContainers[0];
  }
  const includeOutboundIPRanges = annotation(annotations, 'traffic.sidecar.istio.io/includeOutboundIPRanges', proxy.includeIPRanges);
  const excludeOutboundIPRanges = annotation(annotations, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', proxy.excludeIPRanges);
  const includeInboundPorts = annotation(annotations, 'traffic.sidecar.istio.io/includeInboundPorts', proxy.includeInboundPorts);
  const excludeInboundPorts = excludeInboundPort(statusPort, annotation(annotations, 'traffic.sidecar.istio.io/excludeInboundPorts', proxy.excludeInboundPorts));
  const includeOutboundPorts = annotation(annotations, 'traffic.sidecar.istio.io/includeOutboundPorts', proxy.includeOutboundPorts);
  const excludeOutboundPorts = annotation(annotations, 'traffic.sidecar.istio.io/excludeOutboundPorts', proxy.excludeOutboundPorts);
  if (cni) {
    annotations['sidecar.istio.io/interceptionMode'] = interceptionMode;
    if (includeOutboundIPRanges) annotations['traffic.sidecar.istio.io/includeOutboundIPRanges'] = includeOutboundIPRanges;
    if (excludeOutboundIPRanges) annotations['traffic.sidecar.istio.io/excludeOutboundIPRanges'] = excludeOutboundIPRanges;
    annotations['traffic.sidecar.istio.io/includeInboundPorts'] = includeInboundPorts;
    annotations['traffic.sidecar.istio.io/excludeInboundPorts'] = excludeInboundPorts;
    if (includeOutboundPorts) annotations['traffic.sidecar.istio.io/includeOutboundPorts'] = includeOutboundPorts;
    if (excludeOutboundPorts) annotations['traffic.sidecar.istio.io/excludeOutboundPorts'] = excludeOutboundPorts;
  }

  // spec.initContainers: istio-init / istio-validation
  const holdProxy = (pc.holdApplicationUntilProxyStarts === true || proxy.holdApplicationUntilProxyStarts === true) && !nativeSidecar;
  const noInitContainer = interceptionMode === 'NONE' && !nativeSidecar;
  const resources = proxyResources(annotations, values);
  const securityContextSeccomp = (sc: any) => {
    if (proxy.seccompProfile && Object.keys(proxy.seccompProfile).length > 0) sc.seccompProfile = clone(proxy.seccompProfile);
    return sc;
  };
  const pickImage = (configured: any) => {
    const v = annotation(annotations, 'sidecar.istio.io/proxyImage', configured);
    return v.includes('/') ? v : proxyImageFor(mesh, annotations, pc);
  };
  const injectedInit: any[] = [];
  if (!noInitContainer && interceptionMode !== 'NONE') {
    const args = ['istio-iptables', '-p', String(mesh.meshConfig.proxyListenPort || '15001'), '-z', String(mesh.meshConfig.proxyInboundListenPort || '15006'),
      '-u', tproxy ? '1337' : proxyUID, '-m', interceptionMode, '-i', includeOutboundIPRanges, '-x', excludeOutboundIPRanges, '-b', includeInboundPorts, '-d',
      excludeInboundPorts ? `15090,15021,${excludeInboundPorts}` : '15090,15021'];
    if (annotations['traffic.sidecar.istio.io/includeOutboundPorts'] !== undefined || includeOutboundPorts !== '') args.push('-q', includeOutboundPorts);
    if (annotations['traffic.sidecar.istio.io/excludeOutboundPorts'] !== undefined || excludeOutboundPorts !== '') args.push('-o', excludeOutboundPorts);
    if (annotations['istio.io/reroute-virtual-interfaces'] !== undefined) args.push('-k', annotations['istio.io/reroute-virtual-interfaces']);
    else if (annotations['traffic.sidecar.istio.io/kubevirtInterfaces'] !== undefined) args.push('-k', annotations['traffic.sidecar.istio.io/kubevirtInterfaces']);
    if (annotations['traffic.sidecar.istio.io/excludeInterfaces'] !== undefined) args.push('-c', annotations['traffic.sidecar.istio.io/excludeInterfaces']);
    args.push(`--log_output_level=${annotation(annotations, 'sidecar.istio.io/agentLogLevel', g.logging?.level)}`);
    if (g.logAsJson === true) args.push('--log_as_json');
    if (cni) args.push('--run-validation', '--skip-rule-apply');
    else if (g.proxy_init?.forceApplyIptables === true) args.push('--force-apply');
    if (g.nativeNftables === true) args.push('--native-nftables');
    const c: any = { name: cni ? 'istio-validation' : 'istio-init', image: pickImage(g.proxy_init?.image), args };
    if (g.imagePullPolicy) c.imagePullPolicy = g.imagePullPolicy;
    if (Object.keys(proxyMetadata).length > 0) c.env = Object.entries(proxyMetadata).map(([name, value]) => ({ name, value: String(value) }));
    c.resources = clone(resources);
    const privileged = proxy.privileged === true;
    c.securityContext = cni
      ? {
        allowPrivilegeEscalation: privileged,
        privileged,
        capabilities: { drop: ['ALL'] },
        readOnlyRootFilesystem: true,
        runAsGroup: tproxy ? 1337 : Number(proxyGID),
        runAsUser: tproxy ? 1337 : Number(proxyUID),
        runAsNonRoot: true,
      }
      : {
        allowPrivilegeEscalation: privileged,
        privileged,
        capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
        readOnlyRootFilesystem: false,
        runAsGroup: 0,
        runAsNonRoot: false,
        runAsUser: 0,
      };
    securityContextSeccomp(c.securityContext);
    injectedInit.push(c);
  }

  // istio-proxy
  const sidecar: any = { name: 'istio-proxy', image: pickImage(proxy.image) };
  if (nativeSidecar) sidecar.restartPolicy = 'Always';
  sidecar.ports = [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }];
  sidecar.args = ['proxy', 'sidecar', '--domain', `$(POD_NAMESPACE).svc.${proxy.clusterDomain ?? 'cluster.local'}`,
    `--proxyLogLevel=${annotation(annotations, 'sidecar.istio.io/logLevel', proxy.logLevel)}`,
    `--proxyComponentLogLevel=${annotation(annotations, 'sidecar.istio.io/componentLogLevel', proxy.componentLogLevel)}`,
    `--log_output_level=${annotation(annotations, 'sidecar.istio.io/agentLogLevel', g.logging?.level)}`];
  if (g.sts?.servicePort) sidecar.args.push(`--stsPort=${g.sts.servicePort}`);
  if (g.logAsJson === true) sidecar.args.push('--log_as_json');
  if (proxy.outlierLogPath) sidecar.args.push(`--outlierLogPath=${proxy.outlierLogPath}`);
  if (proxy.lifecycle && Object.keys(proxy.lifecycle).length > 0) sidecar.lifecycle = clone(proxy.lifecycle);
  else if (holdProxy) sidecar.lifecycle = { postStart: { exec: { command: ['pilot-agent', 'wait'] } } };
  else if (nativeSidecar) sidecar.lifecycle = { preStop: { exec: { command: ['pilot-agent', 'request', `--debug-port=${statusPort}`, 'POST', 'drain'] } } };
  const fieldRef = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const resRef = (name: string, resource: string) => ({ name, valueFrom: { resourceFieldRef: { resource, divisor: '1' } } });
  const env: any[] = [];
  if (mesh.meshConfig.inboundTrafficPolicy?.mode === 'LOCALHOST') env.push({ name: 'REWRITE_PROBE_LEGACY_LOCALHOST_DESTINATION', value: 'true' });
  env.push({ name: 'PILOT_CERT_PROVIDER', value: String(g.pilotCertProvider ?? 'istiod') });
  env.push({ name: 'CA_ADDR', value: g.caAddress ? String(g.caAddress) : `istiod${mesh.revision ? `-${mesh.revision}` : ''}.${g.istioNamespace ?? 'istio-system'}.svc:15012` });
  env.push(fieldRef('POD_NAME', 'metadata.name'), fieldRef('POD_NAMESPACE', 'metadata.namespace'), fieldRef('INSTANCE_IP', 'status.podIP'),
    fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'), fieldRef('HOST_IP', 'status.hostIP'), resRef('ISTIO_CPU_LIMIT', 'limits.cpu'));
  env.push({ name: 'PROXY_CONFIG', value: `${JSON.stringify(pc)}\n` });
  env.push({ name: 'ISTIO_META_POD_PORTS', value: podPortsValue(out.spec.containers ?? []) });
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: appContainers.join(',') });
  env.push(resRef('GOMEMLIMIT', 'limits.memory'), resRef('GOMAXPROCS', 'limits.cpu'));
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: String(g.multiCluster?.clusterName || 'Kubernetes') });
  env.push(fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'));
  env.push({ name: 'ISTIO_META_INTERCEPTION_MODE', value: annotations['sidecar.istio.io/interceptionMode'] || String(pc.interceptionMode ?? 'REDIRECT') });
  if (g.network) env.push({ name: 'ISTIO_META_NETWORK', value: String(g.network) });
  const wlName = labels['service.istio.io/workload-name'] || workloadName;
  if (wlName) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: wlName });
  if (workload.apiVersion && workloadName) {
    env.push({ name: 'ISTIO_META_OWNER', value: `kubernetes://apis/${workload.apiVersion}/namespaces/${nsName || 'default'}/${String(workload.kind ?? '').toLowerCase()}s/${workloadName}` });
  }
  if (annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  const trustDomain = mesh.meshConfig.trustDomain || g.trustDomain;
  if (g.meshID) env.push({ name: 'ISTIO_META_MESH_ID', value: String(g.meshID) });
  else if (trustDomain) env.push({ name: 'ISTIO_META_MESH_ID', value: String(trustDomain) });
  if (trustDomain) env.push({ name: 'TRUST_DOMAIN', value: String(trustDomain) });
  for (const [name, value] of Object.entries(proxyMetadata)) env.push({ name, value: String(value) });
  sidecar.env = env;
  if (g.imagePullPolicy) sidecar.imagePullPolicy = g.imagePullPolicy;
  if (statusPort !== '0') {
    if (proxy.startupProbe?.enabled !== false) {
      sidecar.startupProbe = { httpGet: { path: '/healthz/ready', port: 15021 }, initialDelaySeconds: 0, periodSeconds: 1, timeoutSeconds: 3, failureThreshold: toInt(proxy.startupProbe?.failureThreshold ?? 600) };
    }
    sidecar.readinessProbe = {
      httpGet: { path: '/healthz/ready', port: 15021 },
      initialDelaySeconds: toInt(annotation(annotations, 'readiness.status.sidecar.istio.io/initialDelaySeconds', proxy.readinessInitialDelaySeconds)),
      periodSeconds: toInt(annotation(annotations, 'readiness.status.sidecar.istio.io/periodSeconds', proxy.readinessPeriodSeconds)),
      timeoutSeconds: 3,
      failureThreshold: toInt(annotation(annotations, 'readiness.status.sidecar.istio.io/failureThreshold', proxy.readinessFailureThreshold)),
    };
  }
  const privileged = proxy.privileged === true;
  if (proxyMetadata.IPTABLES_TRACE_LOGGING === 'true') {
    sidecar.securityContext = {
      allowPrivilegeEscalation: true,
      capabilities: { add: ['NET_ADMIN'], drop: ['ALL'] },
      privileged: true,
      readOnlyRootFilesystem: true,
      runAsGroup: Number(proxyGID),
      runAsNonRoot: false,
      runAsUser: 0,
    };
  } else {
    const add = [...(tproxy ? ['NET_ADMIN'] : []), ...(capNetBindService ? ['NET_BIND_SERVICE'] : [])];
    sidecar.securityContext = {
      allowPrivilegeEscalation: privileged,
      capabilities: add.length > 0 ? { add, drop: ['ALL'] } : { drop: ['ALL'] },
      privileged,
      readOnlyRootFilesystem: true,
      ...(add.length > 0
        ? { runAsNonRoot: false, runAsUser: 0, runAsGroup: 1337 }
        : { runAsNonRoot: true, runAsUser: Number(proxyUID), runAsGroup: Number(proxyGID) }),
    };
  }
  securityContextSeccomp(sidecar.securityContext);
  sidecar.resources = clone(resources);
  const mounts: any[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
    g.caName === 'GkeWorkloadCertificate'
      ? { name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true }
      : { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
  ];
  if ((g.pilotCertProvider ?? 'istiod') === 'istiod') mounts.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' }, { mountPath: '/var/run/secrets/istio/crl', name: 'istio-ca-crl' });
  mounts.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if (annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) mounts.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  mounts.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' }, { mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (g.mountMtlsCerts === true) mounts.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  mounts.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  for (const [name, v] of Object.entries(parseJsonObject(annotations['sidecar.istio.io/userVolumeMount']))) mounts.push({ name, ...(v as any) });
  sidecar.volumeMounts = mounts;

  // volumes
  const volumes = proxyVolumes(g, values, annotations);
  volumes.push({ name: 'istio-ca-crl', configMap: { name: values.crlConfigMapName || 'istio-ca-crl', optional: true } });
  if (g.mountMtlsCerts === true) volumes.push({ name: 'istio-certs', secret: { optional: true, secretName: out.spec.serviceAccountName ? `istio.${out.spec.serviceAccountName}` : 'istio.default' } });
  for (const [name, v] of Object.entries(parseJsonObject(annotations['sidecar.istio.io/userVolume']))) volumes.push({ name, ...(v as any) });

  // Strategic merge of the template over the pod: same-name containers/volumes are replaced, new ones appended;
  // a user-defined istio-proxy container overrides the injected one field by field (reapplyOverwrittenContainers).
  const userProxy = [...(out.spec.containers ?? []), ...(out.spec.initContainers ?? [])].find((c: any) => c?.name === 'istio-proxy');
  const injectedProxy = userProxy ? overlayContainer(sidecar, userProxy) : sidecar;
  const userInit = new Map<string, any>((out.spec.initContainers ?? []).filter((c: any) => c?.name).map((c: any) => [c.name, c]));
  const inits = injectedInit.map((c) => (userInit.has(c.name) ? overlayContainer(c, userInit.get(c.name)) : c));
  const injectedInitNames = new Set(inits.map((c) => c.name));
  let initContainers = [...(out.spec.initContainers ?? []).filter((c: any) => !injectedInitNames.has(c?.name) && c?.name !== 'istio-proxy'), ...inits];
  let containers = (out.spec.containers ?? []).filter((c: any) => c?.name !== 'istio-proxy');
  if (nativeSidecar) initContainers.push(injectedProxy);
  else containers.push(injectedProxy);
  if (noInitContainer) initContainers = initContainers.filter((c: any) => c.name !== 'istio-init' && c.name !== 'istio-validation');
  const volumeNames = new Set(volumes.map((v) => v.name));
  out.spec.volumes = [...(out.spec.volumes ?? []).filter((v: any) => !volumeNames.has(v?.name)), ...volumes];
  if (Array.isArray(g.imagePullSecrets) && g.imagePullSecrets.length > 0) {
    const have = new Set((out.spec.imagePullSecrets ?? []).map((s: any) => s?.name));
    const added = g.imagePullSecrets.filter((n: string) => !have.has(n)).map((name: string) => ({ name }));
    out.spec.imagePullSecrets = [...(out.spec.imagePullSecrets ?? []), ...added];
  }

  // postProcessPod: Prometheus merge, probe rewrite, status annotation, container order.
  meta.annotations = annotations;
  meta.labels = labels;
  const proxyRef = nativeSidecar ? initContainers.find((c: any) => c.name === 'istio-proxy') : containers.find((c: any) => c.name === 'istio-proxy');
  if (applyPrometheusMerge(annotations, proxyRef, mesh, statusPort)) mutations.push(`prometheus.io annotations rewritten to the merged metrics endpoint :${statusPort}/stats/prometheus`);
  const rewrite = annotations['sidecar.istio.io/rewriteAppHTTPProbers'] !== undefined && ['true', 'false', '1', '0'].includes(annotations['sidecar.istio.io/rewriteAppHTTPProbers'])
    ? ['true', '1'].includes(annotations['sidecar.istio.io/rewriteAppHTTPProbers'])
    : values.sidecarInjectorWebhook?.rewriteAppHTTPProbe !== false;
  if (rewrite) {
    const port = toInt(mesh.defaultConfig?.statusPort ?? 15020);
    const probers: Record<string, any> = {};
    for (const c of [...initContainers, ...containers]) {
      if (c.name === 'istio-proxy') continue;
      rewriteProbes(c, annotations['status.sidecar.istio.io/port'] !== undefined ? toInt(annotations['status.sidecar.istio.io/port']) : port, probers);
    }
    if (Object.keys(probers).length > 0 && proxyRef) {
      proxyRef.env = [...(proxyRef.env ?? []), { name: 'ISTIO_KUBE_APP_PROBERS', value: JSON.stringify(probers) }];
      mutations.push(`app probes rewritten to the sidecar's status port ${port} (/app-health/<container>/...)`);
    }
  }
  annotations['sidecar.istio.io/status'] = JSON.stringify({
    initContainers: inits.length > 0 || nativeSidecar ? [...inits.map((c) => c.name), ...(nativeSidecar ? ['istio-proxy'] : [])] : null,
    containers: nativeSidecar ? null : ['istio-proxy'],
    volumes: volumes.map((v) => v.name),
    imagePullSecrets: Array.isArray(g.imagePullSecrets) && g.imagePullSecrets.length > 0 ? g.imagePullSecrets : null,
    revision: mesh.revision || 'default',
  });
  for (const [k, v] of Object.entries(values.sidecarInjectorWebhook?.injectedAnnotations ?? {})) annotations[k] = String(v);
  // reorderPod
  const moveFirst = (list: any[], name: string) => {
    const i = list.findIndex((c) => c.name === name);
    return i < 0 ? list : [list[i], ...list.slice(0, i), ...list.slice(i + 1)];
  };
  const moveLast = (list: any[], name: string) => {
    const i = list.findIndex((c) => c.name === name);
    return i < 0 ? list : [...list.slice(0, i), ...list.slice(i + 1), list[i]];
  };
  containers = holdProxy ? moveFirst(containers, 'istio-proxy') : moveLast(containers, 'istio-proxy');
  if (initContainers.some((c: any) => c.name === 'istio-proxy')) {
    for (const n of ['enable-core-dump', 'istio-proxy', 'istio-validation', 'istio-init']) initContainers = moveFirst(initContainers, n);
  } else {
    initContainers = moveFirst(initContainers, 'istio-validation');
    initContainers = moveLast(initContainers, 'istio-init');
    initContainers = moveLast(initContainers, 'enable-core-dump');
  }
  out.spec.initContainers = initContainers;
  out.spec.containers = containers;

  const how = `${nativeSidecar ? 'native sidecar' : 'sidecar container'}, ${cni ? 'istio-validation (Istio CNI)' : noInitContainer ? 'no init container' : 'istio-init'}`;
  mutations.unshift(`istio ${ISTIO_VERSION} sidecar injection (${how})`);
  return { pod: out, mutations };
}

/** The `value: |-` of ISTIO_META_POD_PORTS as both templates render it: one `structToJSON` per port (Go field order), indented four spaces. */
function podPortsValue(containers: any[]): string {
  const ports = containers.flatMap((c: any) => (Array.isArray(c?.ports) ? c.ports : []));
  // corev1.ContainerPort field order; the API server has defaulted `protocol` to TCP before admission.
  const json = (p: any) => JSON.stringify(omitNil({ name: p?.name || undefined, hostPort: p?.hostPort || undefined, containerPort: p?.containerPort, protocol: p?.protocol || 'TCP', hostIP: p?.hostIP || undefined }));
  return ['[', ...ports.map((p: any, i: number) => `    ${i > 0 ? ',' : ''}${json(p)}`), ']'].join('\n');
}

/**
 * GetProxyIDs (pkg/kube/inject/inject.go, openshift.go): runAsUser/runAsGroup of the proxy, 1337 unless the
 * namespace carries OpenShift's pre-allocated ranges (`openshift.io/sa.scc.uid-range`: the range's last uid;
 * `openshift.io/sa.scc.supplemental-groups`, else the uid range: the first range's last gid).
 */
export function proxyIdsOf(namespace: any): { uid: number; gid: number } {
  const a: Record<string, string> = namespace?.metadata?.annotations ?? {};
  const block = (v: string): [number, number] | undefined => {
    const slash = /^\s*(\d+)\/(\d+)/.exec(v);
    if (slash) return [Number(slash[1]), Number(slash[1]) + Number(slash[2]) - 1];
    const dash = /^\s*(\d+)-(\d+)/.exec(v);
    return dash ? [Number(dash[1]), Number(dash[2])] : undefined;
  };
  let uid = 1337;
  let gid = 1337;
  const uidRange = a['openshift.io/sa.scc.uid-range'];
  const u = uidRange ? block(uidRange) : undefined;
  if (u) uid = u[1];
  const groups = a['openshift.io/sa.scc.supplemental-groups'] || uidRange;
  if (groups) {
    const blocks = groups.split(',').map(block);
    if (blocks.every((b) => b !== undefined) && blocks.length > 0) gid = blocks[0]![1];
  }
  return { uid, gid };
}

/** Keyed lists of a Pod under strategic merge (k8s.io/api/core/v1 `patchMergeKey`, `patchStrategy:"merge"`). */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  imagePullSecrets: 'name',
  ports: 'containerPort',
  env: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
};

/**
 * Strategic merge of `patch` over `original` (k8s.io/apimachinery strategicpatch, as istiod's applyOverlay):
 * maps merge recursively, a null in the patch deletes, the keyed lists above merge item by item (patched items
 * in place, new ones appended), every other list is replaced.
 */
export function strategicMerge(original: any, patch: any): any {
  if (!isMap(patch)) return clone(patch);
  const out: any = isMap(original) ? clone(original) : {};
  strategicMergeInto(out, patch);
  return out;
}

/** Strategic merge of `patch` into `out` (a private copy): each level is copied once, not once per depth. */
function strategicMergeInto(out: any, patch: any): void {
  for (const [k, v] of Object.entries(patch)) {
    if (v === undefined) continue;
    if (v === null) {
      delete out[k];
    } else if (Array.isArray(v) && MERGE_KEYS[k] && Array.isArray(out[k])) {
      const key = MERGE_KEYS[k];
      const list: any[] = out[k];
      for (const item of v) {
        const i = isMap(item) ? list.findIndex((x) => isMap(x) && x[key] === item[key]) : -1;
        if (i >= 0) strategicMergeInto(list[i], item);
        else list.push(clone(item));
      }
    } else if (isMap(v) && isMap(out[k])) {
      strategicMergeInto(out[k], v);
    } else {
      out[k] = clone(v);
    }
  }
}

/** A JSON value as Go's encoding/json gives it back after a round trip through corev1 (nulls and empty strings of omitempty fields dropped). */
function goRoundTrip(v: any): any {
  if (Array.isArray(v)) return v.map(goRoundTrip);
  if (!isMap(v)) return v;
  const out: any = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined && x !== '') out[k] = goRoundTrip(x);
  return out;
}

/**
 * The pod after the `gateway` template (schemas/upstream/istio/gateway-injection-template.yaml) and istiod's
 * post-processing. Unlike `sidecar` the template adds no init container (no traffic capture: the proxy is the
 * gateway), always puts `istio-proxy` in `containers` (`proxy router`), sets only runAsUser/runAsGroup on it
 * (capabilities, runAsNonRoot, readOnlyRootFilesystem, privilege escalation and resources stay the pod's own),
 * and sets the pod securityContext to `gateways.securityContext` or, when that is empty, the sysctl
 * `net.ipv4.ip_unprivileged_port_start=0` (bind 80/443 without NET_BIND_SERVICE). The pod's own `istio-proxy`
 * container (the gateway chart's, `image: auto`) is merged back over the injected one with `auto` dropped
 * (webhook.go reapplyOverwrittenContainers), so the image is the injected proxy image.
 */
function injectGateway(pod: any, namespace: any, mesh: IstioMesh, workload: InjectWorkload): { pod: any; mutations: string[] } {
  const src = clone(pod ?? {});
  const meta: any = { ...(src.metadata ?? {}) };
  const annotations: Record<string, string> = { ...(meta.annotations ?? {}) };
  const labels: Record<string, string> = { ...(meta.labels ?? {}) };
  const values = mesh.values;
  const g = values.global ?? {};
  const proxy = g.proxy ?? {};
  const pc = proxyConfigOf(annotations, mesh);
  const proxyMetadata: Record<string, string> = pc.proxyMetadata ?? {};
  const nsName = String(meta.namespace ?? namespace?.metadata?.name ?? 'default');
  const workloadName = workload.name ?? (meta.name || String(meta.generateName ?? '').replace(/-$/, ''));
  const originalContainers: any[] = Array.isArray(src.spec?.containers) ? src.spec.containers : [];
  const appContainers: string[] = originalContainers.map((c: any) => c?.name).filter((n: any) => n && n !== 'istio-proxy');
  const ids = proxyIdsOf(namespace);
  const mutations: string[] = [];

  // The rendered template, as a Pod patch.
  const tmplLabels: Record<string, string> = {
    'service.istio.io/canonical-name': labels['service.istio.io/canonical-name'] || labels['app.kubernetes.io/name'] || labels.app || workloadName,
    'service.istio.io/canonical-revision': labels['service.istio.io/canonical-revision'] || labels['app.kubernetes.io/version'] || labels.version || 'latest',
  };
  const tmplAnnotations: Record<string, string> = { 'istio.io/rev': mesh.revision || 'default' };
  if (appContainers.length >= 1) {
    if (annotations['kubectl.kubernetes.io/default-logs-container'] === undefined) tmplAnnotations['kubectl.kubernetes.io/default-logs-container'] = appContainers[0];
    if (annotations['kubectl.kubernetes.io/default-container'] === undefined) tmplAnnotations['kubectl.kubernetes.io/default-container'] = appContainers[0];
  }
  const gatewaySc = values.gateways?.securityContext;
  const podSecurityContext = isMap(gatewaySc) && Object.keys(gatewaySc).length > 0
    ? clone(gatewaySc)
    : { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] };
  const configured = annotation(annotations, 'sidecar.istio.io/proxyImage', proxy.image);
  const image = configured.includes('/') ? configured : proxyImageFor(mesh, annotations, pc);
  const args = ['proxy', 'router', '--domain', `$(POD_NAMESPACE).svc.${proxy.clusterDomain ?? 'cluster.local'}`,
    `--proxyLogLevel=${annotation(annotations, 'sidecar.istio.io/logLevel', proxy.logLevel)}`,
    `--proxyComponentLogLevel=${annotation(annotations, 'sidecar.istio.io/componentLogLevel', proxy.componentLogLevel)}`,
    `--log_output_level=${annotation(annotations, 'sidecar.istio.io/agentLogLevel', g.logging?.level)}`];
  if (g.sts?.servicePort) args.push(`--stsPort=${g.sts.servicePort}`);
  if (g.logAsJson === true) args.push('--log_as_json');
  const fieldRef = (name: string, fieldPath: string) => ({ name, valueFrom: { fieldRef: { fieldPath } } });
  const resRef = (name: string, resource: string) => ({ name, valueFrom: { resourceFieldRef: { resource, divisor: '1' } } });
  const env: any[] = [
    { name: 'PILOT_CERT_PROVIDER', value: String(g.pilotCertProvider ?? 'istiod') },
    { name: 'CA_ADDR', value: g.caAddress ? String(g.caAddress) : `istiod${mesh.revision ? `-${mesh.revision}` : ''}.${g.istioNamespace ?? 'istio-system'}.svc:15012` },
    fieldRef('POD_NAME', 'metadata.name'), fieldRef('POD_NAMESPACE', 'metadata.namespace'), fieldRef('INSTANCE_IP', 'status.podIP'),
    fieldRef('SERVICE_ACCOUNT', 'spec.serviceAccountName'), fieldRef('HOST_IP', 'status.hostIP'), resRef('ISTIO_CPU_LIMIT', 'limits.cpu'),
    { name: 'PROXY_CONFIG', value: `${JSON.stringify(pc)}\n` },
    // .Spec.Containers of the pod as it arrives: the gateway chart's own istio-proxy ports included.
    { name: 'ISTIO_META_POD_PORTS', value: podPortsValue(originalContainers) },
    resRef('GOMEMLIMIT', 'limits.memory'), resRef('GOMAXPROCS', 'limits.cpu'),
  ];
  // common_features.CompliancePolicy: istiod's COMPLIANCE_POLICY env (the chart's `env`).
  if (values.env?.COMPLIANCE_POLICY) env.push({ name: 'COMPLIANCE_POLICY', value: String(values.env.COMPLIANCE_POLICY) });
  env.push({ name: 'ISTIO_META_APP_CONTAINERS', value: appContainers.join(',') });
  env.push({ name: 'ISTIO_META_CLUSTER_ID', value: String(g.multiCluster?.clusterName || 'Kubernetes') });
  env.push(fieldRef('ISTIO_META_NODE_NAME', 'spec.nodeName'));
  env.push({ name: 'ISTIO_META_INTERCEPTION_MODE', value: String(pc.interceptionMode ?? 'REDIRECT') });
  if (g.network) env.push({ name: 'ISTIO_META_NETWORK', value: String(g.network) });
  if (workloadName) env.push({ name: 'ISTIO_META_WORKLOAD_NAME', value: workloadName });
  if (workload.apiVersion && workloadName) {
    env.push({ name: 'ISTIO_META_OWNER', value: `kubernetes://apis/${workload.apiVersion}/namespaces/${nsName || 'default'}/${String(workload.kind ?? '').toLowerCase()}s/${workloadName}` });
  }
  if (annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) env.push({ name: 'ISTIO_BOOTSTRAP_OVERRIDE', value: '/etc/istio/custom-bootstrap/custom_bootstrap.json' });
  const trustDomain = mesh.meshConfig.trustDomain || g.trustDomain;
  if (g.meshID) env.push({ name: 'ISTIO_META_MESH_ID', value: String(g.meshID) });
  else if (trustDomain) env.push({ name: 'ISTIO_META_MESH_ID', value: String(trustDomain) });
  if (trustDomain) env.push({ name: 'TRUST_DOMAIN', value: String(trustDomain) });
  for (const [name, value] of Object.entries(proxyMetadata)) env.push({ name, value: String(value) });
  const mounts: any[] = [
    { name: 'workload-socket', mountPath: '/var/run/secrets/workload-spiffe-uds' },
    { name: 'credential-socket', mountPath: '/var/run/secrets/credential-uds' },
    g.caName === 'GkeWorkloadCertificate'
      ? { name: 'gke-workload-certificate', mountPath: '/var/run/secrets/workload-spiffe-credentials', readOnly: true }
      : { name: 'workload-certs', mountPath: '/var/run/secrets/workload-spiffe-credentials' },
  ];
  if ((g.pilotCertProvider ?? 'istiod') === 'istiod') mounts.push({ mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' });
  mounts.push({ mountPath: '/var/lib/istio/data', name: 'istio-data' });
  if (annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) mounts.push({ mountPath: '/etc/istio/custom-bootstrap', name: 'custom-bootstrap-volume' });
  mounts.push({ mountPath: '/etc/istio/proxy', name: 'istio-envoy' }, { mountPath: '/var/run/secrets/tokens', name: 'istio-token' });
  if (g.mountMtlsCerts === true) mounts.push({ mountPath: '/etc/certs/', name: 'istio-certs', readOnly: true });
  mounts.push({ name: 'istio-podinfo', mountPath: '/etc/istio/pod' });
  const container: any = {
    name: 'istio-proxy',
    image,
    ports: [{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }],
    args,
  };
  if (proxy.lifecycle && Object.keys(proxy.lifecycle).length > 0) container.lifecycle = clone(proxy.lifecycle);
  container.securityContext = { runAsUser: ids.uid, runAsGroup: ids.gid };
  container.env = env;
  if (g.imagePullPolicy) container.imagePullPolicy = String(g.imagePullPolicy);
  container.readinessProbe = {
    httpGet: { path: '/healthz/ready', port: 15021 },
    initialDelaySeconds: toInt(proxy.readinessInitialDelaySeconds),
    periodSeconds: toInt(proxy.readinessPeriodSeconds),
    timeoutSeconds: 3,
    failureThreshold: toInt(proxy.readinessFailureThreshold),
  };
  container.volumeMounts = mounts;
  // `- emptyDir:` (null) for workload-socket: the API server defaults a sourceless volume to emptyDir {}.
  const volumes = proxyVolumes(g, values, annotations);
  if (g.mountMtlsCerts === true) volumes.push({ name: 'istio-certs', secret: { optional: true, secretName: src.spec?.serviceAccountName ? `istio.${src.spec.serviceAccountName}` : 'istio.default' } });
  const tmplSpec: any = { securityContext: podSecurityContext, containers: [container], volumes };
  if (Array.isArray(g.imagePullSecrets) && g.imagePullSecrets.length > 0) {
    tmplSpec.imagePullSecrets = g.imagePullSecrets.map((name: string) => ({ name: String(name) }));
  }
  const templatePod = { metadata: { labels: tmplLabels, annotations: tmplAnnotations }, spec: tmplSpec };

  // RunTemplate: the template over the pod; reapplyOverwrittenContainers: the pod's own istio-proxy back over it, `auto` dropped.
  let out: any = strategicMerge({ ...src, metadata: { ...meta, labels, annotations } }, templatePod);
  const userProxy = originalContainers.find((c: any) => c?.name === 'istio-proxy');
  if (userProxy) {
    const overlay = goRoundTrip(userProxy);
    if (overlay.image === 'auto') delete overlay.image;
    out = strategicMerge(out, { spec: { containers: [overlay] } });
    if (annotations['sidecar.istio.io/status'] === undefined) out.metadata.annotations['sidecar.istio.io/overrides'] = JSON.stringify({ containers: [overlay] });
    mutations.push(`the chart's own istio-proxy container merged back over the injected one${userProxy.image === 'auto' ? ' (its image auto replaced by the injected proxy image)' : ''}`);
  }

  // postProcessPod: Prometheus merge, probe rewrite, status annotation, injected annotations, container order.
  const outAnnotations: Record<string, string> = out.metadata.annotations;
  let containers: any[] = out.spec.containers;
  const proxyRef = containers.find((c: any) => c.name === 'istio-proxy');
  if (applyPrometheusMerge(outAnnotations, proxyRef, mesh, '')) mutations.push('prometheus.io annotations rewritten to the merged metrics endpoint');
  const rewriteAnno = outAnnotations['sidecar.istio.io/rewriteAppHTTPProbers'];
  const rewrite = rewriteAnno !== undefined && parseBool(rewriteAnno) !== undefined
    ? parseBool(rewriteAnno)!
    : values.sidecarInjectorWebhook?.rewriteAppHTTPProbe !== false;
  if (rewrite) {
    const port = toInt(mesh.defaultConfig?.statusPort ?? 15020);
    const probers: Record<string, any> = {};
    for (const c of [...(out.spec.initContainers ?? []), ...containers]) if (c.name !== 'istio-proxy') rewriteProbes(c, port, probers);
    if (Object.keys(probers).length > 0 && proxyRef) {
      proxyRef.env = [...(proxyRef.env ?? []), { name: 'ISTIO_KUBE_APP_PROBERS', value: JSON.stringify(probers) }];
      mutations.push(`app probes rewritten to the proxy's status port ${port}`);
    }
  }
  outAnnotations['sidecar.istio.io/status'] = JSON.stringify({
    initContainers: null,
    containers: ['istio-proxy'],
    volumes: volumes.map((v) => v.name),
    imagePullSecrets: tmplSpec.imagePullSecrets ? tmplSpec.imagePullSecrets.map((s: any) => s.name) : null,
    revision: mesh.revision || 'default',
  });
  for (const [k, v] of Object.entries(values.sidecarInjectorWebhook?.injectedAnnotations ?? {})) outAnnotations[k] = String(v);
  const hold = pc.holdApplicationUntilProxyStarts === true || proxy.holdApplicationUntilProxyStarts === true;
  const i = containers.findIndex((c: any) => c.name === 'istio-proxy');
  if (i >= 0) {
    const rest = [...containers.slice(0, i), ...containers.slice(i + 1)];
    containers = hold ? [containers[i], ...rest] : [...rest, containers[i]];
  }
  out.spec.containers = containers;

  const sc = podSecurityContext.sysctls ? 'pod sysctl net.ipv4.ip_unprivileged_port_start=0' : 'pod securityContext from gateways.securityContext';
  mutations.unshift(`istio ${ISTIO_VERSION} gateway injection (template gateway: istio-proxy image ${image}, runAsUser ${ids.uid}/runAsGroup ${ids.gid}, ${sc}, no init container)`);
  return { pod: out, mutations };
}

/** ProxyImage (pkg/kube/inject/inject.go): hub/proxyv2:tag with the variant, or the imageType annotation. */
function proxyImageFor(mesh: IstioMesh, annotations: Record<string, string>, pc: any): string {
  const g = mesh.values.global ?? {};
  let imageType = String(g.variant ?? '');
  if (pc?.image && typeof pc.image === 'object') imageType = String(pc.image.imageType ?? '');
  if (annotations['sidecar.istio.io/proxyImageType'] !== undefined) imageType = annotations['sidecar.istio.io/proxyImageType'];
  const name = g.proxy?.image ? String(g.proxy.image) : 'proxyv2';
  const tag = g.tag === undefined || g.tag === null ? '' : String(g.tag);
  return imageURL(String(g.hub ?? ''), name, tag, imageType);
}

/** applyPrometheusMerge (pkg/kube/inject/webhook.go); true when it changed the annotations. */
function applyPrometheusMerge(annotations: Record<string, string>, sidecar: any, mesh: IstioMesh, statusPort: string): boolean {
  const sanitize = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
  let scrape = true;
  for (const [k, v] of Object.entries(annotations)) {
    if (sanitize(k) !== 'prometheus_io_scrape') continue;
    const b = parseBool(v);
    if (b !== undefined) {
      scrape = b;
      break;
    }
  }
  const mergeAnno = annotations['prometheus.istio.io/merge-metrics'];
  const merge = mergeAnno !== undefined && parseBool(mergeAnno) !== undefined ? parseBool(mergeAnno)! : mesh.enablePrometheusMerge;
  if (!scrape || !merge) return false;
  const target = String(toInt(mesh.defaultConfig?.statusPort ?? 15020));
  const current = Object.entries(annotations).find(([k]) => sanitize(k) === 'prometheus_io_port');
  if (current && current[1] === target) return false;
  const cfg: Record<string, string> = {};
  for (const [k, v] of Object.entries(annotations)) {
    const s = sanitize(k);
    if (s === 'prometheus_io_port') cfg.port = v;
    else if (s === 'prometheus_io_scrape') cfg.scrape = v;
    else if (s === 'prometheus_io_path') cfg.path = v;
  }
  if (sidecar && Object.keys(cfg).length > 0) {
    sidecar.env = [...(sidecar.env ?? []), { name: 'ISTIO_PROMETHEUS_ANNOTATIONS', value: JSON.stringify({ scrape: cfg.scrape ?? '', path: cfg.path ?? '', port: cfg.port ?? '' }) }];
  }
  for (const k of Object.keys(annotations)) if (['prometheus_io_port', 'prometheus_io_scrape', 'prometheus_io_path'].includes(sanitize(k))) delete annotations[k];
  annotations['prometheus.io/port'] = target;
  annotations['prometheus.io/path'] = '/stats/prometheus';
  annotations['prometheus.io/scrape'] = 'true';
  void statusPort;
  return true;
}

/** convertProbe (pkg/kube/inject/app_probe.go): httpGet/tcpSocket/grpc probes become httpGet on the status port. */
function rewriteProbes(c: any, statusPort: number, probers: Record<string, any>): void {
  const urls: [string, string][] = [['readinessProbe', `/app-health/${c.name}/readyz`], ['livenessProbe', `/app-health/${c.name}/livez`], ['startupProbe', `/app-health/${c.name}/startupz`]];
  for (const [field, url] of urls) {
    const p = c[field];
    if (!p || typeof p !== 'object') continue;
    if (!p.httpGet && !p.tcpSocket && !p.grpc) continue;
    const original: any = {};
    for (const k of ['httpGet', 'tcpSocket', 'grpc', 'timeoutSeconds']) if (p[k] !== undefined) original[k] = clone(p[k]);
    probers[url] = original;
    const next = clone(p);
    const scheme = p.httpGet?.scheme === 'HTTPS' ? 'HTTP' : p.httpGet?.scheme;
    next.httpGet = { ...(p.httpGet ?? {}), path: url, port: statusPort, ...(scheme ? { scheme } : {}) };
    delete next.tcpSocket;
    delete next.grpc;
    c[field] = next;
  }
}

function overlayContainer(injected: any, user: any): any {
  const out = { ...injected };
  for (const [k, v] of Object.entries(user)) {
    if (k === 'image' && (v === 'auto' || v === '')) continue;
    if (v !== undefined) out[k] = clone(v);
  }
  return out;
}

/**
 * The traffic capture of a pod (after `inject`), from its annotations and the mesh values, for the flows check:
 * which outbound IP ranges and ports bypass the sidecar, and whether init containers are captured (native sidecar).
 */
export function sidecarCapture(pod: any, mesh: IstioMesh | undefined): SidecarCapture {
  const containers = [...(pod?.spec?.initContainers ?? []), ...(pod?.spec?.containers ?? [])];
  const proxyContainer = containers.find((c: any) => c?.name === 'istio-proxy');
  const injected = !!proxyContainer && !!mesh;
  const a: Record<string, string> = pod?.metadata?.annotations ?? {};
  const proxy = mesh?.values?.global?.proxy ?? {};
  const statusPort = annotation(a, 'status.sidecar.istio.io/port', proxy.statusPort ?? 15020);
  return {
    injected,
    interceptionMode: annotation(a, 'sidecar.istio.io/interceptionMode', mesh?.defaultConfig?.interceptionMode ?? 'REDIRECT'),
    nativeSidecar: injected && (pod?.spec?.initContainers ?? []).some((c: any) => c?.name === 'istio-proxy' && c?.restartPolicy === 'Always'),
    includeOutboundIPRanges: annotation(a, 'traffic.sidecar.istio.io/includeOutboundIPRanges', proxy.includeIPRanges ?? '*'),
    excludeOutboundIPRanges: splitList(annotation(a, 'traffic.sidecar.istio.io/excludeOutboundIPRanges', proxy.excludeIPRanges)),
    includeOutboundPorts: splitList(annotation(a, 'traffic.sidecar.istio.io/includeOutboundPorts', proxy.includeOutboundPorts)),
    excludeOutboundPorts: splitList(annotation(a, 'traffic.sidecar.istio.io/excludeOutboundPorts', proxy.excludeOutboundPorts)),
    includeInboundPorts: annotation(a, 'traffic.sidecar.istio.io/includeInboundPorts', proxy.includeInboundPorts ?? '*'),
    excludeInboundPorts: splitList(excludeInboundPort(statusPort, annotation(a, 'traffic.sidecar.istio.io/excludeInboundPorts', proxy.excludeInboundPorts))),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Small helpers (Helm-like merges over plain JSON)
// ---------------------------------------------------------------------------------------------------------------

/**
 * A deep copy with the result of `JSON.parse(JSON.stringify(v))`: undefined, functions and symbols dropped
 * from objects and null in lists, non-finite numbers null. Plain data (what synth yields) is copied directly,
 * anything else (toJSON, class instances, BigInt, a `__proto__` key) through JSON.
 */
export function clone<T>(v: T): T {
  if (v === undefined) return v;
  const out = plainCopy(v, 0);
  return out === NOT_PLAIN ? JSON.parse(JSON.stringify(v)) : out;
}

const NOT_PLAIN = Symbol('not plain');

function plainCopy(v: any, depth: number): any {
  if (v === null) return null;
  switch (typeof v) {
    case 'string': case 'boolean': return v;
    case 'number': return Number.isFinite(v) ? (v === 0 ? 0 : v) : null;
    case 'object': break;
    default: return NOT_PLAIN;
  }
  if (depth > 200) return NOT_PLAIN;
  if (Array.isArray(v)) {
    const a: any[] = new Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const x = v[i];
      if (x === undefined || typeof x === 'function' || typeof x === 'symbol') { a[i] = null; continue; }
      const c = plainCopy(x, depth + 1);
      if (c === NOT_PLAIN) return NOT_PLAIN;
      a[i] = c;
    }
    return a;
  }
  const proto = Object.getPrototypeOf(v);
  if ((proto !== Object.prototype && proto !== null) || typeof v.toJSON === 'function') return NOT_PLAIN;
  const o: any = {};
  for (const k of Object.keys(v)) {
    const x = v[k];
    if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
    if (k === '__proto__') return NOT_PLAIN;
    const c = plainCopy(x, depth + 1);
    if (c === NOT_PLAIN) return NOT_PLAIN;
    o[k] = c;
  }
  return o;
}

function isMap(v: any): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Sprig mustMergeOverwrite: deep merge of maps, `src` wins, lists and scalars replaced. Returns a new object. */
export function mergeOverwrite(dst: any, src: any): any {
  if (!isMap(src)) return clone(src);
  const out: any = isMap(dst) ? clone(dst) : {};
  mergeInto(out, src);
  return out;
}

/** Merge `src` into `out` (a private copy): one copy of each level, not one per level of depth. */
function mergeInto(out: any, src: any): void {
  for (const [k, v] of Object.entries(src)) {
    if (v === undefined) continue;
    if (isMap(v) && isMap(out[k])) mergeInto(out[k], v);
    else out[k] = clone(v);
  }
}

function setPath(obj: any, dotted: string, value: any): void {
  const parts = dotted.split('.');
  let cur = obj;
  for (let i = 0; i < parts.length - 1; i++) {
    if (!isMap(cur[parts[i]])) cur[parts[i]] = {};
    cur = cur[parts[i]];
  }
  cur[parts[parts.length - 1]] = value;
}

function parseScalar(v: any): any {
  if (typeof v !== 'string') return v;
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^-?\d+$/.test(v)) return Number(v);
  return v;
}

function parseBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

function toInt(v: any): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

function omitNil(v: any): any {
  if (Array.isArray(v)) return v.map(omitNil);
  if (!isMap(v)) return v;
  const out: any = {};
  for (const [k, x] of Object.entries(v)) if (x !== null && x !== undefined) out[k] = omitNil(x);
  return out;
}

function parseJsonObject(s: string | undefined): Record<string, any> {
  if (!s) return {};
  try {
    const v = JSON.parse(s);
    return isMap(v) ? v : {};
  } catch {
    return {};
  }
}

/**
 * The volumes both injection templates (sidecar and gateway, 1.30.3) give the proxy, in template order, up to
 * `istiod-ca-cert`; each template adds its own after them.
 */
function proxyVolumes(g: any, values: any, annotations: Record<string, string>): any[] {
  const volumes: any[] = [
    { emptyDir: {}, name: 'workload-socket' },
    { emptyDir: {}, name: 'credential-socket' },
    g.caName === 'GkeWorkloadCertificate' ? { name: 'gke-workload-certificate', csi: { driver: 'workloadcertificates.security.cloud.google.com' } } : { emptyDir: {}, name: 'workload-certs' },
  ];
  if (annotations['sidecar.istio.io/bootstrapOverride'] !== undefined) volumes.push({ name: 'custom-bootstrap-volume', configMap: { name: annotations['sidecar.istio.io/bootstrapOverride'] } });
  volumes.push(
    { emptyDir: { medium: 'Memory' }, name: 'istio-envoy' },
    { name: 'istio-data', emptyDir: {} },
    { name: 'istio-podinfo', downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }, { path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] } },
    { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { path: 'istio-token', expirationSeconds: 43200, audience: String(g.sds?.token?.aud ?? 'istio-ca') } }] } },
  );
  if ((g.pilotCertProvider ?? 'istiod') === 'istiod') {
    volumes.push(values.env?.ENABLE_CLUSTER_TRUST_BUNDLE_API === true
      ? { name: 'istiod-ca-cert', projected: { sources: [{ clusterTrustBundle: { name: `istio.io:istiod-ca:${g.trustBundleName || 'root-cert'}`, path: 'root-cert.pem' } }] } }
      : { name: 'istiod-ca-cert', configMap: { name: g.trustBundleName || 'istio-ca-root-cert' } });
  }
  return volumes;
}
