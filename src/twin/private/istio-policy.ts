/**
 * Istio semantics the flows check needs: the mesh settings istiod is installed with, sidecar traffic capture,
 * PeerAuthentication (mTLS mode), AuthorizationPolicy (CUSTOM, DENY, ALLOW) and outbound policy
 * (meshConfig.outboundTrafficPolicy, ServiceEntry, Sidecar egress).
 *
 * Sources (Istio 1.30, the version the platform pins; vendored chart at ../shared/addon-charts/istiod-1.30.3):
 * - capture: manifests/charts/istio-control/istio-discovery/files/injection-template.yaml: istio-init runs
 *   `istio-iptables -p 15001 -z 15006 -u 1337 -i <includeOutboundIPRanges> -x <excludeOutboundIPRanges>
 *   -b <includeInboundPorts> -d 15090,15021,<statusPort 15020>[,<excludeInboundPorts>] [-q <includeOutboundPorts>]
 *   [-o <excludeOutboundPorts>]`; with `pilot.cni.enabled` the same rules are set by the CNI plugin before any
 *   container starts (istio-validation replaces istio-init); traffic of UID 1337 (the proxy) is never captured.
 *   Defaults from values.yaml: includeIPRanges "*", excludeIPRanges "", statusPort 15020.
 * - native sidecars: the proxy is an init container with `restartPolicy: Always` (same template, vendored at
 *   schemas/upstream/istio/injection-template.yaml); native sidecars are the default since Istio 1.27
 *   (files/profile-compatibility-version-1.26.yaml of the istiod chart sets ENABLE_NATIVE_SIDECARS "false"
 *   under "1.27 behavioral changes"); in 1.30.3 ENABLE_NATIVE_SIDECARS defaults to `auto`, on when every
 *   kubelet is 1.33 or newer (pilot/pkg/features/pilot.go, pkg/kube/inject/webhook.go `DetectNativeSidecar`,
 *   see schemas/upstream/istio/SOURCES.md). The pod inventory's injected pods carry the truth (the proxy's
 *   place in `initContainers`); this module reads it from them. Init containers that run after the iptables
 *   rules are applied (after istio-init, or all of them with Istio CNI) are captured: with a native sidecar
 *   started before them their traffic goes through the running proxy (and its outbound policy); with a
 *   classic sidecar nothing listens on 15001 yet, so it fails (istio.io docs/setup/additional-setup/cni
 *   "compatibility with application init containers"; istio/istio#11130).
 * - PeerAuthentication: istio.io docs/reference/config/security/peer_authentication: workload-selector
 *   policy > namespace-wide (no selector) > mesh-wide (no selector in the root namespace, meshConfig.rootNamespace,
 *   default istio-system) > PERMISSIVE; UNSET inherits from the parent; portLevelMtls (only with a selector)
 *   keys are the workload's ports. STRICT accepts mTLS only.
 * - AuthorizationPolicy: istio.io docs/reference/config/security/authorization-policy: CUSTOM, then DENY,
 *   then ALLOW (no ALLOW policy for the workload: allowed; some apply and none matches: denied); a policy
 *   with an empty spec allows nothing; a rule matches when its from, to and when all match (an empty rule
 *   matches everything); principals and namespaces come from the peer certificate, so they match mTLS
 *   clients only; `not*` fields negate; ports match the workload port; policies of the root namespace apply
 *   to every namespace.
 * - outbound: meshConfig.outboundTrafficPolicy.mode (default ALLOW_ANY; REGISTRY_ONLY: destinations that are
 *   neither a Kubernetes Service nor a ServiceEntry visible to the client go to the BlackHoleCluster);
 *   ServiceEntry hosts/addresses/ports/exportTo (default "*"); a Sidecar resource's egress hosts
 *   (`namespace/dnsName`) and outboundTrafficPolicy narrow what a workload may reach.
 */
import { parse as parseYaml } from 'yaml';
import { IstioMesh, istioMeshOf } from './istio-injection';
import { ObjectIndex, selectorMatches } from './model';
import { contains, parseCidr, parseIp, Tri } from './network-policy';

/** How istiod is installed, as read from its Argo CD Application in the output. */
export interface MeshSettings {
  /** An istiod Application is in the output. */
  readonly installed: boolean;
  /** That Application (`Application argocd/prod-istiod`), or '' when none. */
  readonly source: string;
  /** The pinned chart version (targetRevision), if any. */
  readonly version?: string;
  readonly rootNamespace: string;
  readonly trustDomain: string;
  readonly outboundMode: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  readonly enableAutoMtls: boolean;
  /** Whether the injector makes native sidecars (pods carry the truth; this is the mesh default). */
  readonly nativeSidecars: boolean;
  readonly cni: boolean;
  readonly includeIPRanges: string;
  readonly excludeIPRanges: string;
  readonly includeOutboundPorts: string;
  readonly excludeOutboundPorts: string;
  readonly statusPort: number;
  readonly enablePrometheusMerge: boolean;
}

/** The proxy UID istio-iptables exempts from capture (`-u 1337`). */
export const PROXY_UID = 1337;

/**
 * The mesh settings: the istiod chart's Helm values in the output's Argo CD Application (chart `istiod`,
 * `spec.source` or one of `spec.sources`, `helm.valuesObject` or the `helm.values` YAML), over the chart's
 * defaults.
 */
export function readMeshSettings(index: ObjectIndex): MeshSettings {
  let app: any;
  let source: any;
  for (const a of index.ofKind('Application')) {
    const sources: any[] = [a.spec?.source, ...(a.spec?.sources ?? [])].filter(Boolean);
    const s = sources.find((x) => x.chart === 'istiod');
    if (s) { app = a; source = s; break; }
  }
  const values = helmValues(source);
  const mesh = values.meshConfig ?? {};
  const proxy = values.global?.proxy ?? {};
  const version: string | undefined = source?.targetRevision;
  const env = values.pilot?.env ?? {};
  const compat: string | undefined = values.compatibilityVersion;
  let nativeSidecars: boolean;
  if (env.ENABLE_NATIVE_SIDECARS !== undefined) nativeSidecars = String(env.ENABLE_NATIVE_SIDECARS) === 'true';
  else if (compat && versionBelow(compat, 1, 27)) nativeSidecars = false;
  else nativeSidecars = !version || !versionBelow(version, 1, 27);
  return {
    installed: !!app,
    source: app ? ObjectIndex.id(app) : '',
    version,
    rootNamespace: mesh.rootNamespace ?? app?.spec?.destination?.namespace ?? 'istio-system',
    trustDomain: mesh.trustDomain ?? 'cluster.local',
    outboundMode: mesh.outboundTrafficPolicy?.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY',
    enableAutoMtls: mesh.enableAutoMtls !== false,
    nativeSidecars,
    cni: values.pilot?.cni?.enabled === true || values.istio_cni?.enabled === true,
    includeIPRanges: proxy.includeIPRanges ?? '*',
    excludeIPRanges: proxy.excludeIPRanges ?? '',
    includeOutboundPorts: proxy.includeOutboundPorts ?? '',
    excludeOutboundPorts: proxy.excludeOutboundPorts ?? '',
    statusPort: Number(proxy.statusPort ?? 15020),
    enablePrometheusMerge: mesh.enablePrometheusMerge !== false,
  };
}

/**
 * The mesh settings from the pod inventory's reading of istiod (`istioMeshOf`, ./istio-injection.ts: chart
 * defaults, Application values, the `pilot.*` copy), so that capture and injection agree; falls back to
 * `readMeshSettings` when that reading fails.
 */
export function meshSettingsOf(index: ObjectIndex): MeshSettings {
  let mesh: IstioMesh | undefined;
  try {
    mesh = istioMeshOf(index);
  } catch {
    return readMeshSettings(index);
  }
  if (!mesh) return readMeshSettings(index);
  const mc = mesh.meshConfig ?? {};
  const proxy = mesh.values?.global?.proxy ?? {};
  return {
    installed: true,
    source: mesh.application,
    version: mesh.version,
    rootNamespace: mc.rootNamespace ?? mesh.namespace,
    trustDomain: mc.trustDomain ?? 'cluster.local',
    outboundMode: mesh.outboundTrafficPolicy === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY',
    enableAutoMtls: mc.enableAutoMtls !== false,
    nativeSidecars: mesh.nativeSidecars,
    cni: mesh.cni,
    includeIPRanges: proxy.includeIPRanges ?? '*',
    excludeIPRanges: proxy.excludeIPRanges ?? '',
    includeOutboundPorts: proxy.includeOutboundPorts ?? '',
    excludeOutboundPorts: proxy.excludeOutboundPorts ?? '',
    statusPort: Number(mesh.defaultConfig?.statusPort ?? proxy.statusPort ?? 15020),
    enablePrometheusMerge: mesh.enablePrometheusMerge,
  };
}

function helmValues(source: any): any {
  const helm = source?.helm ?? {};
  let values: any = {};
  if (typeof helm.values === 'string') {
    try { values = parseYaml(helm.values) ?? {}; } catch { values = {}; }
  }
  return deepMerge(values, helm.valuesObject ?? {});
}

function deepMerge(a: any, b: any): any {
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return b ?? a;
  if (typeof b !== 'object' || b === null || Array.isArray(b)) return b ?? a;
  const out: any = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = deepMerge(a[k], v);
  return out;
}

function versionBelow(v: string, major: number, minor: number): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(v);
  if (!m) return false;
  return Number(m[1]) < major || (Number(m[1]) === major && Number(m[2]) < minor);
}

// ---------------------------------------------------------------------------------------------------------
// The pod's proxy

/** The pod's istio-proxy: where it is and whether it is a native sidecar. */
export interface ProxyInfo {
  readonly container: any;
  /** In `spec.initContainers` with `restartPolicy: Always`. */
  readonly native: boolean;
  /** Its index in `spec.initContainers` when native. */
  readonly initIndex: number;
  /** A gateway (the proxy is the workload: `router` mode). */
  readonly gateway: boolean;
}

/** The pod's istio-proxy, or undefined when the pod has none. */
export function proxyOf(pod: any): ProxyInfo | undefined {
  const inits: any[] = pod?.spec?.initContainers ?? [];
  const i = inits.findIndex((c) => c?.name === 'istio-proxy');
  if (i >= 0) return { container: inits[i], native: inits[i].restartPolicy === 'Always', initIndex: i, gateway: false };
  const c = (pod?.spec?.containers ?? []).find((x: any) => x?.name === 'istio-proxy');
  if (!c) return undefined;
  const gateway = (c.args ?? []).includes('router')
    || pod?.metadata?.annotations?.['inject.istio.io/templates'] === 'gateway'
    || c.image === 'auto';
  return { container: c, native: false, initIndex: -1, gateway };
}

/** A workload sidecar (not a gateway) is in the pod. */
export function hasSidecar(pod: any): boolean {
  const p = proxyOf(pod);
  return !!p && !p.gateway;
}

/** The istio-iptables arguments of the pod's istio-init (or istio-validation) container, by flag. */
function iptablesArgs(pod: any): Record<string, string> | undefined {
  const init = (pod?.spec?.initContainers ?? []).find((c: any) => c?.name === 'istio-init' || c?.name === 'istio-validation');
  if (!init) return undefined;
  const args: string[] = [...(init.command ?? []), ...(init.args ?? [])].map(String);
  const out: Record<string, string> = {};
  for (let i = 0; i < args.length - 1; i++) if (/^-[a-z]$/.test(args[i])) out[args[i]] = args[i + 1];
  return out;
}

function annotation(pod: any, key: string): string | undefined {
  return pod?.metadata?.annotations?.[key];
}

/** The capture settings of a pod: istio-init's args, else its annotations, else the mesh defaults. */
export function captureSettings(pod: any, mesh: MeshSettings) {
  const a = iptablesArgs(pod) ?? {};
  return {
    includeIPRanges: a['-i'] ?? annotation(pod, 'traffic.sidecar.istio.io/includeOutboundIPRanges') ?? mesh.includeIPRanges,
    excludeIPRanges: a['-x'] ?? annotation(pod, 'traffic.sidecar.istio.io/excludeOutboundIPRanges') ?? mesh.excludeIPRanges,
    includeOutboundPorts: a['-q'] ?? annotation(pod, 'traffic.sidecar.istio.io/includeOutboundPorts') ?? mesh.includeOutboundPorts,
    excludeOutboundPorts: a['-o'] ?? annotation(pod, 'traffic.sidecar.istio.io/excludeOutboundPorts') ?? mesh.excludeOutboundPorts,
    includeInboundPorts: a['-b'] ?? annotation(pod, 'traffic.sidecar.istio.io/includeInboundPorts') ?? '*',
    excludeInboundPorts: a['-d'] !== undefined
      ? a['-d']
      : ['15090', '15021', String(annotation(pod, 'status.sidecar.istio.io/port') ?? mesh.statusPort),
        ...splitList(annotation(pod, 'traffic.sidecar.istio.io/excludeInboundPorts') ?? '')].join(','),
  };
}

function splitList(s: string): string[] {
  return String(s).split(',').map((x) => x.trim()).filter((x) => x !== '');
}

/** Whether inbound traffic to the port goes through the pod's sidecar (so mTLS and authorization apply). */
export function inboundCaptured(pod: any, port: number, mesh: MeshSettings): boolean {
  if (!hasSidecar(pod)) return false;
  const s = captureSettings(pod, mesh);
  if (splitList(s.excludeInboundPorts).includes(String(port))) return false;
  const inc = s.includeInboundPorts.trim();
  return inc === '*' || splitList(inc).includes(String(port));
}

/** Where a flow goes, as the client's proxy sees it. */
export interface OutboundDestination {
  /** `service`: a Kubernetes Service of the cluster; `pod`: a pod IP dialled directly (scrapes); `ip`: a known address; `host`: an external DNS name. */
  readonly kind: 'service' | 'pod' | 'ip' | 'host';
  /** service: the Service's namespace. */
  readonly namespace?: string;
  /** service: FQDN (`name.ns.svc.cluster.local`); host: the DNS names the client connects to (all must be reachable). */
  readonly hosts?: string[];
  readonly ip?: string;
}

/** The source side of a flow. */
export interface OutboundRequest {
  readonly pod: any;
  /** The container that opens the connection. */
  readonly container: string;
  readonly dest: OutboundDestination;
  readonly port: number;
  readonly protocol: string;
}

/** The verdict of the client-side mesh layer. */
export interface OutboundVerdict {
  readonly result: Tri;
  /** The connection leaves through the client's sidecar (so the mesh originates mTLS to in-mesh servers). */
  readonly viaProxy: boolean;
  /** What blocks it (`meshConfig.outboundTrafficPolicy REGISTRY_ONLY`, `Sidecar ns/name`, `istio-iptables`). */
  readonly blockedBy?: string;
  readonly reason: string;
  readonly fix?: string;
}

/** The Istio objects the client side reads. */
export interface OutboundConfig {
  readonly mesh: MeshSettings;
  readonly serviceEntries: any[];
  readonly sidecars: any[];
}

/**
 * Evaluate the client side: is the connection captured by the pod's sidecar, is the proxy running when the
 * container runs, and does the proxy's outbound policy let it through.
 */
export function evaluateOutbound(cfg: OutboundConfig, req: OutboundRequest): OutboundVerdict {
  const pass = (reason: string, viaProxy = false): OutboundVerdict => ({ result: 'yes', viaProxy, reason });
  const proxy = proxyOf(req.pod);
  if (!proxy) return pass('no sidecar');
  if (proxy.gateway) return pass('a gateway routes to what its routes name', true);
  if (req.container === 'istio-proxy') return pass('the proxy\'s own traffic (UID 1337) is not captured');
  const inits: any[] = req.pod?.spec?.initContainers ?? [];
  const initIndex = inits.findIndex((c) => c?.name === req.container);
  const container = initIndex >= 0 ? inits[initIndex] : (req.pod?.spec?.containers ?? []).find((c: any) => c?.name === req.container);
  const uid = container?.securityContext?.runAsUser ?? req.pod?.spec?.securityContext?.runAsUser;
  if (uid === PROXY_UID) return pass(`the container runs as UID ${PROXY_UID}, which istio-iptables does not capture`);
  if (req.protocol === 'UDP') return pass('istio-iptables captures TCP only (DNS capture is not enabled)');
  if (initIndex >= 0) {
    const iptablesAt = inits.findIndex((c) => c?.name === 'istio-init');
    if (iptablesAt > initIndex) return pass('the init container runs before istio-init sets up capture');
  }
  const captured = outboundCaptured(req, cfg.mesh);
  if (captured.result === 'no') return pass(captured.reason);
  if (captured.result === 'unknown') return { result: 'unknown', viaProxy: false, reason: captured.reason };
  if (initIndex >= 0 && !(proxy.native && proxy.initIndex < initIndex)) {
    return {
      result: 'no',
      viaProxy: false,
      blockedBy: 'istio-iptables',
      reason: `init container ${req.container} is captured by istio-iptables but istio-proxy is not running yet (${proxy.native ? 'the native sidecar starts after it' : 'not a native sidecar'})`,
      fix: 'inject istio-proxy as a native sidecar (sidecar.istio.io/nativeSidecar: "true", Istio >= 1.27 default) or exclude the destination from capture (traffic.sidecar.istio.io/excludeOutboundIPRanges or excludeOutboundPorts)',
    };
  }
  // The proxy handles it: which egress config applies?
  const sidecar = sidecarFor(cfg.sidecars, cfg.mesh.rootNamespace, req.pod);
  const sidecarMode = sidecar?.spec?.outboundTrafficPolicy?.mode;
  const mode = sidecarMode === 'REGISTRY_ONLY' || sidecarMode === 'ALLOW_ANY' ? sidecarMode : cfg.mesh.outboundMode;
  const modeBy = sidecarMode ? `${ObjectIndex.id(sidecar)} outboundTrafficPolicy ${mode}` : `meshConfig.outboundTrafficPolicy ${mode}`;
  const ns: string = req.pod?.metadata?.namespace ?? 'default';
  if (req.dest.kind === 'service') {
    if (!sidecar || egressAllows(sidecar, ns, req.dest.namespace ?? '', req.dest.hosts?.[0] ?? '')) return pass('a Service of the mesh registry', true);
    if (mode === 'ALLOW_ANY') return pass('not in the Sidecar\'s egress hosts, passed through (ALLOW_ANY)', true);
    return {
      result: 'no',
      viaProxy: true,
      blockedBy: ObjectIndex.id(sidecar),
      reason: `${ObjectIndex.id(sidecar)} egress hosts do not include ${req.dest.namespace}/${req.dest.hosts?.[0]} (outbound ${mode})`,
      fix: `add "${req.dest.namespace}/${req.dest.hosts?.[0]}" to ${ObjectIndex.id(sidecar)} spec.egress[].hosts`,
    };
  }
  if (req.dest.kind === 'pod') {
    if (mode === 'ALLOW_ANY') return pass('a pod IP, passed through (ALLOW_ANY)', true);
    return {
      result: 'no',
      viaProxy: true,
      blockedBy: modeBy,
      reason: 'a pod IP dialled directly matches no registry host, so the proxy sends it to the BlackHoleCluster',
      fix: 'exclude the client\'s outbound traffic from capture (traffic.sidecar.istio.io/includeOutboundIPRanges: "" as istio.io ops/integrations/prometheus documents for scrapers) or scrape through the sidecar\'s metrics merging port',
    };
  }
  // ip or external host: ServiceEntry needed unless ALLOW_ANY.
  const targets = req.dest.kind === 'ip' ? [req.dest.ip ?? ''] : (req.dest.hosts ?? []);
  const uncovered = targets.filter((t) => !serviceEntryFor(cfg.serviceEntries, ns, req.dest.kind === 'ip' ? { ip: t } : { host: t }, req.port, sidecar));
  if (uncovered.length === 0) return pass('covered by a ServiceEntry', true);
  if (mode === 'ALLOW_ANY') return pass('passed through (ALLOW_ANY)', true);
  const what = req.dest.kind === 'ip' ? 'the address' : uncovered.length > 1 ? 'the hosts' : 'the host';
  const seHosts = req.dest.kind === 'ip' ? `addresses: [${req.dest.ip}/32]` : `hosts: [${uncovered.join(', ')}]`;
  return {
    result: 'no',
    viaProxy: true,
    blockedBy: modeBy,
    reason: `no ServiceEntry${sidecar ? ` visible through ${ObjectIndex.id(sidecar)}` : ''} covers ${what} ${uncovered.join(', ')} on port ${req.port}`,
    fix: req.dest.kind === 'ip'
      ? `exclude it from capture (pod annotation traffic.sidecar.istio.io/excludeOutboundIPRanges: "${req.dest.ip}/32") or add a ServiceEntry (${seHosts}, port ${req.port}, resolution STATIC, location MESH_EXTERNAL)`
      : `add a ServiceEntry (${seHosts}, port ${req.port} ${req.port === 443 ? 'TLS' : 'TCP'}, resolution DNS, location MESH_EXTERNAL) exported to namespace ${ns}`,
  };
}

function outboundCaptured(req: OutboundRequest, mesh: MeshSettings): { result: Tri; reason: string } {
  const s = captureSettings(req.pod, mesh);
  const port = String(req.port);
  if (splitList(s.excludeOutboundPorts).includes(port)) return { result: 'no', reason: `port ${port} is in excludeOutboundPorts` };
  const ip = req.dest.kind === 'ip' ? parseIp(req.dest.ip ?? '') : undefined;
  const inRanges = (list: string): Tri => {
    let r: Tri = 'no';
    for (const item of splitList(list)) {
      if (item === '*') return 'yes';
      const c = parseCidr(item);
      if (!c) { r = 'unknown'; continue; }
      if (ip !== undefined) { if (contains(c, ip)) return 'yes'; continue; }
      if (c.bits === 0) return 'yes';
      // The destination address is not known from the output: cluster and pod IPs are VPC-private, external
      // endpoints public; a range outside where the address can lie does not matter.
      const matters = req.dest.kind === 'host' ? !isNonPublic(c) : overlapsPrivate(c);
      if (matters) r = 'unknown';
    }
    return r;
  };
  const excluded = inRanges(s.excludeIPRanges);
  if (excluded === 'yes') return { result: 'no', reason: `the destination is in excludeOutboundIPRanges ${s.excludeIPRanges}` };
  if (excluded === 'unknown') return { result: 'unknown', reason: `whether the destination is in excludeOutboundIPRanges ${s.excludeIPRanges} depends on addresses the output does not hold` };
  if (splitList(s.includeOutboundPorts).includes(port)) return { result: 'yes', reason: `port ${port} is in includeOutboundPorts` };
  const included = inRanges(s.includeIPRanges);
  if (included === 'yes') return { result: 'yes', reason: 'captured' };
  if (included === 'unknown') return { result: 'unknown', reason: `whether the destination is in includeOutboundIPRanges ${s.includeIPRanges} depends on addresses the output does not hold` };
  return { result: 'no', reason: `the destination is outside includeOutboundIPRanges "${s.includeIPRanges}"` };
}

function overlapsPrivate(c: { base: number; bits: number }): boolean {
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((x) => parseCidr(x)!)
    .some((r) => (c.bits >= r.bits ? contains(r, c.base) : contains(c, r.base)));
}

function isNonPublic(c: { base: number; bits: number }): boolean {
  return ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '169.254.0.0/16', '127.0.0.0/8']
    .map((x) => parseCidr(x)!).some((r) => c.bits >= r.bits && contains(r, c.base));
}

/** Per object list: its objects by namespace (`metadata.namespace`, default `default`) with their list positions. */
const namespaceIndexes = new WeakMap<any[], { length: number; byNs: Map<string, any[]>; positions: Map<string, number[]> }>();

function namespaceIndex(list: any[]): { byNs: Map<string, any[]>; positions: Map<string, number[]> } {
  let ix = namespaceIndexes.get(list);
  if (!ix || ix.length !== list.length) {
    const byNs = new Map<string, any[]>();
    const positions = new Map<string, number[]>();
    list.forEach((o, i) => {
      const ns = o?.metadata?.namespace ?? 'default';
      const l = byNs.get(ns);
      if (l) { l.push(o); positions.get(ns)!.push(i); } else { byNs.set(ns, [o]); positions.set(ns, [i]); }
    });
    ix = { length: list.length, byNs, positions };
    namespaceIndexes.set(list, ix);
  }
  return ix;
}

/** The objects of `list` in `namespace` (`metadata.namespace ?? 'default'`), in list order. */
function inNamespace(list: any[], namespace: string): any[] {
  return namespaceIndex(list).byNs.get(namespace) ?? [];
}

/** The Sidecar resource that configures the pod: workload selector in its namespace, else namespace-wide, else the root namespace's. */
export function sidecarFor(sidecars: any[], rootNamespace: string, pod: any): any | undefined {
  const ns = pod?.metadata?.namespace ?? 'default';
  const labels = pod?.metadata?.labels ?? {};
  const inNs = inNamespace(sidecars, ns);
  return inNs.find((s) => s.spec?.workloadSelector?.labels && selectorMatches({ matchLabels: s.spec.workloadSelector.labels }, labels))
    ?? inNs.find((s) => !s.spec?.workloadSelector)
    ?? inNamespace(sidecars, rootNamespace).find((s) => s.metadata?.namespace === rootNamespace && !s.spec?.workloadSelector);
}

/** Whether a Sidecar's egress hosts (`ns/dnsName`, `./`, `*`/, `~/`) include a host of a namespace. */
export function egressAllows(sidecar: any, clientNamespace: string, hostNamespace: string, host: string): boolean {
  const egress: any[] = sidecar?.spec?.egress ?? [];
  for (const e of egress) {
    for (const h of e?.hosts ?? []) {
      const [nsPart, name] = String(h).includes('/') ? String(h).split('/', 2) : ['*', String(h)];
      if (nsPart === '~') continue;
      const nsOk = nsPart === '*' || (nsPart === '.' ? hostNamespace === clientNamespace : nsPart === hostNamespace);
      if (nsOk && hostMatches(name, host)) return true;
    }
  }
  return false;
}

/** Istio host matching: exact, `*`, or `*.suffix` (any subdomain depth). */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*') return true;
  if (host.includes(ANY_REGION)) {
    // A host of an unknown region: covered when the pattern covers it for the region the pattern names (or any).
    const region = /(?:^|\.)([a-z]{2}(?:-gov)?-[a-z]+-\d+)\./.exec(pattern)?.[1] ?? 'us-east-1';
    return hostMatches(pattern, host.split(ANY_REGION).join(region));
  }
  if (pattern.startsWith('*')) return host.toLowerCase().endsWith(pattern.slice(1).toLowerCase());
  return pattern.toLowerCase() === host.toLowerCase();
}

/** The region placeholder of AWS endpoints when the region is not known (`s3.<region>.amazonaws.com`). */
export const ANY_REGION = '<region>';

/** Whether a ServiceEntry is visible to a namespace (exportTo, default `*`). */
export function exportedTo(se: any, namespace: string): boolean {
  const exportTo: string[] = se?.spec?.exportTo ?? ['*'];
  const own = se?.metadata?.namespace ?? 'default';
  return exportTo.some((e) => e === '*' || (e === '.' && own === namespace) || e === namespace);
}

/** The ServiceEntry visible to the namespace (and to its Sidecar's egress hosts) that covers a host or address on a port. */
export function serviceEntryFor(ses: any[], namespace: string, target: { host?: string; ip?: string }, port: number, sidecar?: any): any | undefined {
  return visibleServiceEntries(ses, namespace).find((se) => {
    const ports: any[] = se.spec?.ports ?? [];
    if (ports.length > 0 && !ports.some((p) => Number(p?.number) === port)) return false;
    const seNs = se.metadata?.namespace ?? 'default';
    if (target.host !== undefined) {
      const host = (se.spec?.hosts ?? []).find((h: string) => hostMatches(h, target.host!));
      if (!host) return false;
      return !sidecar || egressAllows(sidecar, namespace, seNs, target.host);
    }
    const ip = parseIp(target.ip ?? '');
    if (ip === undefined) return false;
    const hit = (se.spec?.addresses ?? []).some((a: string) => { const c = parseCidr(a); return !!c && contains(c, ip); });
    if (!hit) return false;
    return !sidecar || (se.spec?.hosts ?? []).some((h: string) => egressAllows(sidecar, namespace, seNs, h));
  });
}

/** Per ServiceEntry list: the entries each namespace sees (exportTo), in list order; rebuilt when the list's length changes. */
const visibleEntries = new WeakMap<any[], { length: number; byNs: Map<string, any[]> }>();

function visibleServiceEntries(ses: any[], namespace: string): any[] {
  let cached = visibleEntries.get(ses);
  if (!cached || cached.length !== ses.length) {
    cached = { length: ses.length, byNs: new Map() };
    visibleEntries.set(ses, cached);
  }
  let visible = cached.byNs.get(namespace);
  if (!visible) {
    visible = ses.filter((se) => exportedTo(se, namespace));
    cached.byNs.set(namespace, visible);
  }
  return visible;
}

// ---------------------------------------------------------------------------------------------------------
// PeerAuthentication

/** The mTLS mode a workload port accepts, and which object decides it. */
export interface MtlsMode {
  readonly mode: 'STRICT' | 'PERMISSIVE' | 'DISABLE';
  /** `PeerAuthentication ns/name`, or '' for the mesh default (PERMISSIVE). */
  readonly policy: string;
  /** The field that sets it (`spec.mtls.mode`, `spec.portLevelMtls.8000.mode`). */
  readonly field: string;
}

/** The effective PeerAuthentication mode for a workload's port. */
export function effectiveMtls(pas: any[], rootNamespace: string, namespace: string, labels: Record<string, string>, port: number): MtlsMode {
  const selected = (p: any) => !!p.spec?.selector && selectorMatches(p.spec.selector, labels);
  const own = inNamespace(pas, namespace);
  const workload = own.find((p) => selected(p));
  const nsWide = own.find((p) => !p.spec?.selector);
  const meshWide = inNamespace(pas, rootNamespace).find((p) => p.metadata?.namespace === rootNamespace && !p.spec?.selector);
  const chain: { p: any; port: boolean }[] = [];
  if (workload) chain.push({ p: workload, port: true });
  if (nsWide && nsWide !== meshWide) chain.push({ p: nsWide, port: false });
  if (meshWide) chain.push({ p: meshWide, port: false });
  for (const { p, port: portLevel } of chain) {
    if (portLevel) {
      const pl = p.spec?.portLevelMtls?.[String(port)]?.mode;
      if (pl && pl !== 'UNSET') return { mode: pl, policy: `PeerAuthentication ${p.metadata?.namespace}/${p.metadata?.name}`, field: `spec.portLevelMtls.${port}.mode` };
    }
    const m = p.spec?.mtls?.mode;
    if (m && m !== 'UNSET') return { mode: m, policy: `PeerAuthentication ${p.metadata?.namespace}/${p.metadata?.name}`, field: 'spec.mtls.mode' };
  }
  return { mode: 'PERMISSIVE', policy: '', field: '' };
}

// ---------------------------------------------------------------------------------------------------------
// AuthorizationPolicy

/** What the destination's proxy knows about a request. */
export interface AuthzRequest {
  /** The client presented an Istio certificate (mTLS). */
  readonly mtls: boolean;
  /** mTLS only: the client's SPIFFE principal without `spiffe://` (`cluster.local/ns/x/sa/y`). */
  readonly principal?: string;
  /** The workload port. */
  readonly port: number;
  /** HTTP (methods/paths/hosts apply) or TCP. */
  readonly http: boolean;
  /** Undefined: not known (any may be sent). */
  readonly method?: string;
  readonly path?: string;
  /** A JWT principal is not known (user traffic through the gateway may carry one). */
  readonly requestPrincipalUnknown?: boolean;
}

/** The verdict of authorization on one request. */
export interface AuthzVerdict {
  readonly result: Tri;
  /** The deciding policy (`AuthorizationPolicy ns/name`), when not allowed by default. */
  readonly policy?: string;
  readonly reason: string;
}

/** The AuthorizationPolicies that apply to a workload: its namespace's and the root namespace's, selector matching. */
export function applicablePolicies(policies: any[], rootNamespace: string, namespace: string, labels: Record<string, string>): any[] {
  // the namespace's and the root namespace's policies, in list order
  const ix = namespaceIndex(policies);
  let candidates = ix.byNs.get(namespace) ?? [];
  if (rootNamespace !== namespace && (ix.byNs.get(rootNamespace) ?? []).length > 0) {
    const at = [...(ix.positions.get(namespace) ?? []), ...ix.positions.get(rootNamespace)!].sort((a, b) => a - b);
    candidates = at.map((i) => policies[i]);
  }
  return candidates.filter((p) => {
    if (p.spec?.targetRef || p.spec?.targetRefs) return false;
    return !p.spec?.selector || selectorMatches(p.spec.selector, labels);
  });
}

/** Evaluate CUSTOM, DENY and ALLOW policies, in Istio's order. */
export function evaluateAuthorization(
  policies: any[], rootNamespace: string, namespace: string, labels: Record<string, string>, req: AuthzRequest,
): AuthzVerdict {
  const apply = applicablePolicies(policies, rootNamespace, namespace, labels);
  const id = (p: any) => `AuthorizationPolicy ${p.metadata?.namespace}/${p.metadata?.name}`;
  const action = (p: any) => p.spec?.action ?? 'ALLOW';
  for (const p of apply.filter((x) => action(x) === 'CUSTOM')) {
    const m = policyMatches(p, req, 'DENY');
    if (m !== 'no') return { result: 'unknown', policy: id(p), reason: `${id(p)} delegates to an external authorizer (CUSTOM), which the twin does not model` };
  }
  let denyUnknown: string | undefined;
  for (const p of apply.filter((x) => action(x) === 'DENY')) {
    const m = policyMatches(p, req, 'DENY');
    if (m === 'yes') return { result: 'no', policy: id(p), reason: `${id(p)} (DENY) matches the request` };
    if (m === 'unknown') denyUnknown ??= id(p);
  }
  const allows = apply.filter((x) => action(x) === 'ALLOW');
  if (denyUnknown) return { result: 'unknown', policy: denyUnknown, reason: `whether ${denyUnknown} (DENY) matches depends on request attributes the twin does not know` };
  if (allows.length === 0) return { result: 'yes', reason: 'no ALLOW policy applies' };
  let allowUnknown: string | undefined;
  for (const p of allows) {
    const m = policyMatches(p, req, 'ALLOW');
    if (m === 'yes') return { result: 'yes', policy: id(p), reason: `allowed by ${id(p)}` };
    if (m === 'unknown') allowUnknown ??= id(p);
  }
  if (allowUnknown) return { result: 'unknown', policy: allowUnknown, reason: `whether ${allowUnknown} allows it depends on request attributes the twin does not know` };
  const ids = allows.map(id);
  const allowNothing = allows.filter((p) => !p.spec?.rules || p.spec.rules.length === 0).map(id);
  // Name the policy whose rules could have allowed it (the one to extend), else the allow-nothing one.
  const withRules = allows.find((p) => (p.spec?.rules ?? []).length > 0);
  return {
    result: 'no',
    policy: withRules ? id(withRules) : ids[0],
    reason: `ALLOW policies apply (${ids.join(', ')}${allowNothing.length ? `; ${allowNothing.join(', ')} allows nothing` : ''}) and none matches${req.mtls ? '' : ' (the client is not mTLS, so no principals or namespaces match)'}`,
  };
}

/**
 * Whether a policy's rules match the request. `mode` says how HTTP-only fields are treated on TCP traffic:
 * for ALLOW a rule with them never matches, for DENY they are ignored (Istio's documented behaviour).
 */
export function policyMatches(policy: any, req: AuthzRequest, mode: 'ALLOW' | 'DENY'): Tri {
  const rules: any[] = policy.spec?.rules ?? [];
  let out: Tri = 'no';
  for (const rule of rules) {
    const m = ruleMatches(rule ?? {}, req, mode);
    if (m === 'yes') return 'yes';
    if (m === 'unknown') out = 'unknown';
  }
  return out;
}

function ruleMatches(rule: any, req: AuthzRequest, mode: 'ALLOW' | 'DENY'): Tri {
  const from: any[] = rule.from ?? [];
  const to: any[] = rule.to ?? [];
  const when: any[] = rule.when ?? [];
  const f = from.length === 0 ? 'yes' : anyTri(from.map((x) => sourceMatches(x?.source ?? {}, req)));
  const t = to.length === 0 ? 'yes' : anyTri(to.map((x) => operationMatches(x?.operation ?? {}, req, mode)));
  const w = allTri(when.map((c) => conditionMatches(c, req)));
  return allTri([f, t, w]);
}

function anyTri(xs: Tri[]): Tri {
  if (xs.includes('yes')) return 'yes';
  return xs.includes('unknown') ? 'unknown' : 'no';
}

function allTri(xs: Tri[]): Tri {
  if (xs.includes('no')) return 'no';
  return xs.includes('unknown') ? 'unknown' : 'yes';
}

/** Istio string match: exact, `*` (present), `prefix*`, `*suffix`. */
export function stringMatch(pattern: string, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (pattern === '*') return value !== '';
  if (pattern.endsWith('*')) return value.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith('*')) return value.endsWith(pattern.slice(1));
  return pattern === value;
}

/** A positive list (`values`) and a negative list (`notValues`) over one attribute: undefined attribute = absent. */
function field(values: string[] | undefined, notValues: string[] | undefined, value: string | undefined, unknown = false): Tri {
  let r: Tri = 'yes';
  if (values && values.length) {
    if (unknown) r = 'unknown';
    else if (!values.some((v) => stringMatch(v, value))) return 'no';
  }
  if (notValues && notValues.length) {
    if (unknown) r = 'unknown';
    else if (notValues.some((v) => stringMatch(v, value))) return 'no';
  }
  return r;
}

function principalNamespace(principal: string | undefined): string | undefined {
  const m = /\/ns\/([^/]+)\/sa\//.exec(principal ?? '');
  return m?.[1];
}

function sourceMatches(s: any, req: AuthzRequest): Tri {
  const principal = req.mtls ? req.principal : undefined;
  const ns = principalNamespace(principal);
  const sa = principal && ns ? `${ns}/${principal.split('/sa/')[1]}` : undefined;
  const parts: Tri[] = [
    field(s.principals, s.notPrincipals, principal),
    field(s.namespaces, s.notNamespaces, ns),
    field(s.serviceAccounts, s.notServiceAccounts, sa),
    field(s.requestPrincipals, s.notRequestPrincipals, undefined, !!req.requestPrincipalUnknown),
  ];
  // Source IPs of pods and of the API server are not known from the output.
  for (const [pos, neg] of [['ipBlocks', 'notIpBlocks'], ['remoteIpBlocks', 'notRemoteIpBlocks']]) {
    if ((s[pos] ?? []).length || (s[neg] ?? []).length) {
      const all = (s[pos] ?? []).some((c: string) => c === '0.0.0.0/0');
      parts.push(all && !(s[neg] ?? []).length ? 'yes' : 'unknown');
    }
  }
  return allTri(parts);
}

function operationMatches(o: any, req: AuthzRequest, mode: 'ALLOW' | 'DENY'): Tri {
  const parts: Tri[] = [field(o.ports, o.notPorts, String(req.port))];
  const httpOnly: [string[] | undefined, string[] | undefined, string | undefined][] = [
    [o.methods, o.notMethods, req.method],
    [o.paths, o.notPaths, req.path],
    [o.hosts, o.notHosts, undefined],
  ];
  for (const [pos, neg, value] of httpOnly) {
    if (!(pos?.length || neg?.length)) continue;
    if (!req.http) { parts.push(mode === 'ALLOW' ? 'no' : 'yes'); continue; }
    parts.push(field(pos, neg, value, value === undefined));
  }
  return allTri(parts);
}

function conditionMatches(c: any, req: AuthzRequest): Tri {
  const key: string = c?.key ?? '';
  let value: string | undefined;
  let known = true;
  if (key === 'source.principal') value = req.mtls ? req.principal : undefined;
  else if (key === 'source.namespace') value = req.mtls ? principalNamespace(req.principal) : undefined;
  else if (key === 'destination.port') value = String(req.port);
  else if (key === 'request.method' || key === 'request.path') known = false;
  else known = false;
  if (!known) return 'unknown';
  return field(c.values, c.notValues, value);
}
