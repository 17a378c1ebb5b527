/**
 * The FLOWS check: the network flows the platform needs, derived from the output, each evaluated through
 * every layer a packet crosses, in the order it crosses them:
 *
 * 1. the client's sidecar (capture by istio-iptables, proxy running for init containers, outbound policy:
 *    meshConfig.outboundTrafficPolicy, ServiceEntry, Sidecar egress), see ./istio-policy.ts;
 * 2. NetworkPolicy, egress of the source and ingress of the destination, see ./network-policy.ts;
 * 3. the server's sidecar: PeerAuthentication (mTLS mode) and AuthorizationPolicy.
 *
 * Derived flows (each records the object that needs it, for the finding's object and field):
 * - every pod -> cluster DNS (kube-system, k8s-app=kube-dns, 53 UDP and TCP);
 * - every pod with a proxy -> istiod (15012, xDS and certificates);
 * - pods whose ServiceAccount has a Pod Identity association -> the EKS Pod Identity agent, a host-network
 *   agent on 169.254.170.23:80 (docs.aws.amazon.com/eks/latest/userguide/pod-id-agent-setup.html);
 * - containers that read `s3://` URIs (the weight-sync init container of ModelSource.s3, KServe's storage
 *   initializer) -> `s3.<region>.amazonaws.com:443` and the bucket's virtual host;
 * - the ingress gateway pods -> the pods behind every route of a VirtualService bound to a Gateway;
 * - a Gateway API Gateway's pods -> the pods behind each Service backendRef of an HTTPRoute attached to one of its
 *   listeners (`gateway route`; the listener must admit the route, ./gateway-api.ts);
 * - the Gateway API Inference Extension: a Gateway API Gateway's pods -> each InferencePool an HTTPRoute attached to it
 *   names: its endpoint picker over ext_proc (the picker Service's port) and its pods on their target ports through
 *   the pool's shadow Service istiod creates (a derived object); each picker -> the pool's pods where it reads their
 *   metrics (`--model-server-metrics-port`/`-path`, else the first target port and /metrics) and -> the API server;
 * - Prometheus -> every PodMonitor/ServiceMonitor target pod and port;
 * - the OpenTelemetry collector -> its prometheus receivers' scrape targets and its exporters' endpoints;
 * - the KEDA operator (it runs the scalers) -> each prometheus trigger's serverAddress;
 * - the API server (outside the pod network) -> every webhook Service.
 *
 * Image pulls go from the node (kubelet), outside NetworkPolicy and the mesh: not modelled here.
 */
import { parse as parseYaml } from 'yaml';
import { attachParent, INFERENCE_GROUP, isGatewayApi, isGatewayParent, isInferencePoolBackend, isServiceBackend } from './gateway-api';
import {
  AuthzVerdict, effectiveMtls, evaluateAuthorization, evaluateOutbound, inboundCaptured,
  ANY_REGION, MeshSettings, meshSettingsOf, MtlsMode, OutboundDestination, OutboundVerdict, proxyOf,
} from './istio-policy';
import { CheckOutcome, ObjectIndex, selectorMatches, TwinContext, TwinFinding, TwinPod } from './model';
import { evaluateNetworkPolicies, NamespaceLabels, NpEndpoint, NpVerdict, policiesOfNamespace, policyTypes, Tri } from './network-policy';

/** The EKS Pod Identity agent's IPv4 link-local address and port (AWS_CONTAINER_CREDENTIALS_FULL_URI http://169.254.170.23/v1/credentials). */
export const POD_IDENTITY_AGENT = { ip: '169.254.170.23', port: 80 };

/** One end of a flow. */
export interface FlowEnd {
  /** `pod` (a pod that will exist), `ip` (a known address outside the pod network), `host` (external DNS names), `apiserver`. */
  readonly kind: 'pod' | 'ip' | 'host' | 'apiserver';
  readonly twin?: TwinPod;
  readonly ip?: string;
  readonly hosts?: string[];
  /** How the end is named in messages (`search/llama3-8b-stable`, `s3.us-east-1.amazonaws.com`). */
  readonly label: string;
}

/** A flow the platform needs. */
export interface Flow {
  /** Why (`cluster DNS`, `weight download`, `scrape`, ...). */
  readonly purpose: string;
  /** The object that needs the flow (`Kind ns/name`). */
  readonly needer: string;
  /** The field of that object that makes the flow needed. */
  readonly field: string;
  readonly src: FlowEnd;
  /** The client container, for pods. */
  readonly container?: string;
  readonly dst: FlowEnd;
  /** The destination port as the destination sees it (pod port after Service DNAT, or the external port). */
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
  /** The client dials a Service (`name.ns.svc.cluster.local`) rather than the pod IP. */
  readonly service?: { readonly namespace: string; readonly name: string; readonly port: number };
  /** HTTP request attributes, when HTTP and known. */
  readonly http?: { readonly method?: string; readonly path?: string };
  /** The client presents Istio certificates of its own (a scraper configured with Istio's certs). */
  readonly istioCerts?: boolean;
  /** The client carries end-user JWTs the twin does not know (gateway traffic). */
  readonly requestPrincipalUnknown?: boolean;
}

/** The outcome of one flow. */
export interface FlowVerdict {
  readonly result: Tri;
  /** The first blocking (or undecidable) layer. */
  readonly layer?: string;
  readonly blockedBy?: string;
  readonly reason: string;
  readonly fix?: string;
  /** Later layers that block too. */
  readonly alsoBlockedBy: string[];
}

/** Everything the evaluation reads, built once per check. */
export interface FlowWorld {
  readonly index: ObjectIndex;
  /** The inventory's pods plus synthetic pods of components the inventory lacks (CoreDNS, Prometheus). */
  readonly pods: TwinPod[];
  readonly derived: any[];
  readonly mesh: MeshSettings;
  readonly networkPolicies: any[];
  readonly peerAuthentications: any[];
  readonly authorizationPolicies: any[];
  readonly serviceEntries: any[];
  readonly sidecars: any[];
  readonly destinationRules: any[];
  readonly services: any[];
  readonly namespaceLabels: NamespaceLabels;
}

/** Objects of a kind in the output and among the derived objects. */
function allOfKind(ctx: { index: ObjectIndex; derived: any[] }, kind: string): any[] {
  return [...ctx.index.ofKind(kind), ...ctx.derived.filter((o) => o?.kind === kind)];
}

/** Lookup tables over a world's pods and Services, rebuilt when a list grows (kedaFlows adds synthetic pods). */
interface WorldIndex {
  podCount: number;
  podsByNamespace: Map<string, TwinPod[]>;
  /** Each pod's (first) position in the world's pods. */
  position: Map<TwinPod, number>;
  serviceCount: number;
  /** `namespace/name` -> the first Service of that name (as a linear find returns). */
  servicesByName: Map<string, any>;
}
const worldIndexes = new WeakMap<FlowWorld, WorldIndex>();

function worldIndex(world: FlowWorld): WorldIndex {
  let ix = worldIndexes.get(world);
  if (!ix) {
    ix = { podCount: -1, podsByNamespace: new Map(), position: new Map(), serviceCount: -1, servicesByName: new Map() };
    worldIndexes.set(world, ix);
  }
  if (ix.podCount !== world.pods.length) {
    ix.podsByNamespace = new Map();
    ix.position = new Map();
    world.pods.forEach((t, i) => {
      if (!ix!.position.has(t)) ix!.position.set(t, i);
    });
    for (const t of world.pods) {
      const list = ix.podsByNamespace.get(t.namespace);
      if (list) list.push(t);
      else ix.podsByNamespace.set(t.namespace, [t]);
    }
    ix.podCount = world.pods.length;
  }
  if (ix.serviceCount !== world.services.length) {
    ix.servicesByName = new Map();
    for (const s of world.services) {
      if (typeof s.metadata?.name !== 'string') continue;
      const key = `${s.metadata?.namespace ?? 'default'}/${s.metadata?.name}`;
      if (!ix.servicesByName.has(key)) ix.servicesByName.set(key, s);
    }
    ix.serviceCount = world.services.length;
  }
  return ix;
}

/** A pod's position in the world's pods. */
function podPosition(world: FlowWorld, t: TwinPod): number {
  return worldIndex(world).position.get(t) ?? -1;
}

/** The world's pods of a namespace, in inventory order. */
function podsOfNamespace(world: FlowWorld, namespace: string): TwinPod[] {
  return worldIndex(world).podsByNamespace.get(namespace) ?? [];
}

/** The first Service of the world named `name` in `namespace`. */
function serviceNamed(world: FlowWorld, namespace: unknown, name: unknown): any | undefined {
  if (typeof name !== 'string' || typeof namespace !== 'string') return undefined;
  return worldIndex(world).servicesByName.get(`${namespace}/${name}`);
}

/** Build the world the flows are evaluated in. */
export function flowWorld(ctx: TwinContext): FlowWorld {
  const mesh = meshSettingsOf(ctx.index);
  return {
    index: ctx.index,
    // A copy: components whose pods the inventory lacks are added as synthetic pods from upstream defaults.
    pods: [...ctx.pods],
    derived: ctx.derived,
    mesh,
    networkPolicies: allOfKind(ctx, 'NetworkPolicy').filter((o) => String(o.apiVersion ?? '').startsWith('networking.k8s.io/')),
    peerAuthentications: allOfKind(ctx, 'PeerAuthentication'),
    authorizationPolicies: allOfKind(ctx, 'AuthorizationPolicy'),
    serviceEntries: allOfKind(ctx, 'ServiceEntry'),
    sidecars: allOfKind(ctx, 'Sidecar').filter((o) => String(o.apiVersion ?? '').startsWith('networking.istio.io/')),
    destinationRules: allOfKind(ctx, 'DestinationRule'),
    services: allOfKind(ctx, 'Service'),
    namespaceLabels: namespaceLabelsOf(ctx),
  };
}

/**
 * Namespace labels: the Namespace object's (output or derived), else the labels Argo CD puts on a namespace
 * it creates (`CreateNamespace=true` + `managedNamespaceMetadata`), always with the automatic
 * `kubernetes.io/metadata.name` label (Kubernetes >= 1.22).
 */
export function namespaceLabelsOf(ctx: { index: ObjectIndex; derived: any[] }): NamespaceLabels {
  const cache = new Map<string, Record<string, string>>();
  for (const ns of allOfKind(ctx, 'Namespace')) {
    cache.set(ns.metadata?.name, { ...(ns.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata?.name });
  }
  for (const app of ctx.index.ofKind('Application')) {
    const ns = app.spec?.destination?.namespace;
    const creates = (app.spec?.syncPolicy?.syncOptions ?? []).includes('CreateNamespace=true');
    if (!ns || cache.has(ns) || !creates) continue;
    cache.set(ns, { ...(app.spec?.syncPolicy?.managedNamespaceMetadata?.labels ?? {}), 'kubernetes.io/metadata.name': ns });
  }
  return (name: string) => cache.get(name) ?? { 'kubernetes.io/metadata.name': name };
}

/** The FLOWS check. */
export function checkFlows(ctx: TwinContext): CheckOutcome {
  const world = flowWorld(ctx);
  const notModelled: string[] = [];
  const notes: string[] = [];
  const flows = deriveFlows(ctx, world, notModelled, notes);
  for (const o of [...ctx.index.objects, ...ctx.derived]) {
    const kind = `${o.kind}`;
    const group = String(o.apiVersion ?? '').split('/')[0];
    if (/^(CiliumNetworkPolicy|CiliumClusterwideNetworkPolicy|GlobalNetworkPolicy|AdminNetworkPolicy|BaselineAdminNetworkPolicy)$/.test(kind)
      || (kind === 'NetworkPolicy' && group !== 'networking.k8s.io')) {
      notModelled.push(`${ObjectIndex.id(o)} (${o.apiVersion}): CNI-specific network policies are not evaluated; flows are judged by Kubernetes NetworkPolicy only`);
    }
  }
  const findings: TwinFinding[] = [];
  const byPurpose = new Map<string, { checked: number; passed: number }>();
  let passed = 0;
  for (const flow of flows) {
    const v = evaluateFlow(world, flow);
    const tally = byPurpose.get(flow.purpose) ?? { checked: 0, passed: 0 };
    tally.checked++;
    byPurpose.set(flow.purpose, tally);
    if (v.result === 'yes') { passed++; tally.passed++; continue; }
    if (v.result === 'unknown') {
      notModelled.push(`${flowName(flow)}: ${v.reason}`);
      continue;
    }
    findings.push({
      check: 'flows',
      object: flow.needer,
      field: flow.field,
      problem: `${flowName(flow)} is blocked by ${v.blockedBy}: ${v.reason}${v.alsoBlockedBy.length ? ` (then also by ${v.alsoBlockedBy.join(', ')})` : ''}`,
      value: v.blockedBy,
      fix: v.fix ?? 'allow the flow in the blocking layer',
    });
  }
  const summary = [...byPurpose.entries()].map(([p, t]) => `${p}: ${t.passed}/${t.checked} allowed`).concat(notes);
  return { check: 'flows', checked: flows.length, passed, findings, notModelled: [...new Set(notModelled)], summary };
}

/** `flow search/llama3-8b-stable -> s3.us-east-1.amazonaws.com:443 (weight download)`. */
export function flowName(f: Flow): string {
  const port = f.protocol === 'TCP' ? `${f.port}` : `${f.port}/${f.protocol}`;
  return `flow ${f.src.label}${f.container && f.src.kind === 'pod' ? ` [${f.container}]` : ''} -> ${f.dst.label}:${port} (${f.purpose})`;
}

// ---------------------------------------------------------------------------------------------------------
// Evaluation

/** Evaluate one flow through every layer; the first blocking layer decides, later blockers are listed. */
export function evaluateFlow(world: FlowWorld, flow: Flow): FlowVerdict {
  const blocks: { layer: string; blockedBy: string; reason: string; fix?: string; result: Tri }[] = [];
  // 1. the client's sidecar
  let outbound: OutboundVerdict | undefined;
  if (flow.src.kind === 'pod' && flow.src.twin) {
    outbound = evaluateOutbound(
      { mesh: world.mesh, serviceEntries: world.serviceEntries, sidecars: world.sidecars },
      {
        pod: flow.src.twin.pod,
        container: flow.container ?? firstContainer(flow.src.twin.pod),
        dest: outboundDest(flow),
        port: flow.service?.port ?? flow.port,
        protocol: flow.protocol,
      },
    );
    if (outbound.result !== 'yes') blocks.push({ layer: 'outbound', blockedBy: outbound.blockedBy ?? 'the client sidecar', reason: outbound.reason, fix: outbound.fix, result: outbound.result });
  }
  // 2. NetworkPolicy
  const np: NpVerdict = evaluateNetworkPolicies(world.networkPolicies, world.namespaceLabels, {
    src: npEnd(flow.src, 'cluster'), dst: npEnd(flow.dst, 'public'), port: flow.port, protocol: flow.protocol,
  });
  if (np.result !== 'yes') {
    blocks.push({ layer: 'networkpolicy', blockedBy: np.policies.join(', ') || 'NetworkPolicy', reason: np.reason, fix: npFix(world, flow, np), result: np.result });
  }
  // 3. the server's sidecar
  const dstPod = flow.dst.kind === 'pod' ? flow.dst.twin?.pod : undefined;
  if (dstPod && inboundCaptured(dstPod, flow.port, world.mesh)) {
    const mtls = clientMtls(world, flow, outbound);
    const ns = dstPod.metadata?.namespace ?? 'default';
    const labels = dstPod.metadata?.labels ?? {};
    const pa: MtlsMode = effectiveMtls(world.peerAuthentications, world.mesh.rootNamespace, ns, labels, flow.port);
    if (pa.mode === 'STRICT' && mtls !== true) {
      blocks.push({
        layer: 'peerauthentication',
        blockedBy: pa.policy,
        result: mtls === false ? 'no' : 'unknown',
        reason: mtls === false
          ? `${pa.policy} ${pa.field} is STRICT and the client ${clientKind(flow)} connects in plain text`
          : `${pa.policy} is STRICT and whether the client connects with mTLS (a pod IP through the client's sidecar) is not modelled`,
        fix: mtlsFix(flow, pa),
      });
    }
    const principal = mtls === true ? principalOf(world, flow) : undefined;
    const request = {
      mtls: mtls === true,
      principal,
      port: flow.port,
      http: !!flow.http,
      method: flow.http?.method,
      path: flow.http?.path,
      requestPrincipalUnknown: flow.requestPrincipalUnknown,
    };
    let authz: AuthzVerdict = evaluateAuthorization(world.authorizationPolicies, world.mesh.rootNamespace, ns, labels, request);
    if (authz.result === 'no' && mtls === undefined) {
      // Whether the client is an mTLS peer is not known: a denial that an mTLS identity would lift is undecided.
      const asPeer = evaluateAuthorization(world.authorizationPolicies, world.mesh.rootNamespace, ns, labels,
        { ...request, mtls: true, principal: principalOf(world, flow) });
      if (asPeer.result !== 'no') authz = { ...authz, result: 'unknown', reason: `${authz.reason}, unless the client is an mTLS peer (not modelled)` };
    }
    if (authz.result !== 'yes') {
      blocks.push({
        layer: 'authorizationpolicy',
        blockedBy: authz.policy ?? 'AuthorizationPolicy',
        result: authz.result,
        reason: authz.reason,
        fix: mtls === true
          ? `add an ALLOW rule for ${principal} on port ${flow.port} to an AuthorizationPolicy selecting the destination pods in namespace ${ns}`
          : `make the client an mTLS peer (principals and namespaces match mTLS clients only) and allow it on port ${flow.port}, or scrape/call through a port the sidecar does not capture`,
      });
    }
  }
  const first = blocks.find((b) => b.result === 'no') ?? blocks[0];
  if (!first) return { result: 'yes', reason: 'allowed', alsoBlockedBy: [] };
  const result: Tri = blocks.some((b) => b.result === 'no') ? 'no' : 'unknown';
  return {
    result,
    layer: first.layer,
    blockedBy: first.blockedBy,
    reason: first.reason,
    fix: first.fix,
    alsoBlockedBy: blocks.filter((b) => b !== first && b.result === 'no').map((b) => b.blockedBy),
  };
}

function firstContainer(pod: any): string {
  return (pod?.spec?.containers ?? []).find((c: any) => c?.name !== 'istio-proxy')?.name ?? '';
}

function outboundDest(flow: Flow): OutboundDestination {
  if (flow.service) return { kind: 'service', namespace: flow.service.namespace, hosts: [`${flow.service.name}.${flow.service.namespace}.svc.cluster.local`] };
  if (flow.dst.kind === 'ip') return { kind: 'ip', ip: flow.dst.ip };
  if (flow.dst.kind === 'host') return { kind: 'host', hosts: flow.dst.hosts };
  return { kind: 'pod' };
}

function npEnd(end: FlowEnd, hostScope: 'cluster' | 'public'): NpEndpoint {
  if (end.kind === 'pod' && end.twin) {
    const pod = end.twin.pod;
    return {
      kind: 'pod',
      namespace: pod?.metadata?.namespace ?? end.twin.namespace,
      labels: pod?.metadata?.labels ?? {},
      containers: pod?.spec ? [...(pod.spec.containers ?? []), ...(pod.spec.initContainers ?? [])] : undefined,
      hostNetwork: pod?.spec?.hostNetwork === true,
    };
  }
  if (end.kind === 'ip') return { kind: 'ip', ip: end.ip };
  return { kind: 'host', scope: end.kind === 'apiserver' ? 'cluster' : hostScope };
}

/** Whether the client connects with Istio mTLS: true, false, or undefined when not modelled. */
function clientMtls(world: FlowWorld, flow: Flow, outbound: OutboundVerdict | undefined): boolean | undefined {
  if (flow.istioCerts) return true;
  if (flow.src.kind !== 'pod' || !flow.src.twin) return false;
  const proxy = proxyOf(flow.src.twin.pod);
  if (!proxy) return false;
  if (!proxy.gateway && !(outbound?.viaProxy)) return false;
  if (!flow.service) return proxy.gateway ? false : undefined;
  const tls = destinationRuleTls(world, flow);
  if (tls) return tls === 'ISTIO_MUTUAL';
  return world.mesh.enableAutoMtls;
}

/** destinationRuleTls per world, client namespace, Service and port (it reads nothing else). */
const drTlsMemo = new WeakMap<FlowWorld, Map<string, string | undefined>>();

/** The TLS mode a DestinationRule sets for the flow's Service and port, if one does. */
function destinationRuleTls(world: FlowWorld, flow: Flow): string | undefined {
  const svc = flow.service!;
  const clientNs = flow.src.twin?.namespace ?? '';
  let memo = drTlsMemo.get(world);
  if (!memo) { memo = new Map(); drTlsMemo.set(world, memo); }
  const key = `${clientNs}\u0000${svc.namespace}\u0000${svc.name}\u0000${svc.port}`;
  if (memo.has(key)) return memo.get(key);
  const tls = destinationRuleTlsOf(world, svc, clientNs);
  memo.set(key, tls);
  return tls;
}

function destinationRuleTlsOf(world: FlowWorld, svc: NonNullable<Flow['service']>, clientNs: string): string | undefined {
  const fqdn = `${svc.name}.${svc.namespace}.svc.cluster.local`;
  const candidates = world.destinationRules.filter((dr) => {
    const ns = dr.metadata?.namespace ?? 'default';
    if (![clientNs, svc.namespace, world.mesh.rootNamespace].includes(ns)) return false;
    return qualify(String(dr.spec?.host ?? ''), ns) === fqdn || (String(dr.spec?.host ?? '').startsWith('*') && fqdn.endsWith(String(dr.spec.host).slice(1)));
  });
  const dr = candidates.find((d) => d.metadata?.namespace === clientNs)
    ?? candidates.find((d) => d.metadata?.namespace === svc.namespace)
    ?? candidates[0];
  if (!dr) return undefined;
  const pl = (dr.spec?.trafficPolicy?.portLevelSettings ?? []).find((p: any) => Number(p?.port?.number) === svc.port);
  return pl?.tls?.mode ?? dr.spec?.trafficPolicy?.tls?.mode;
}

function qualify(host: string, ns: string): string {
  if (host.endsWith('.svc.cluster.local')) return host;
  const parts = host.split('.');
  if (parts.length === 1) return `${host}.${ns}.svc.cluster.local`;
  if (parts.length === 2) return `${host}.svc.cluster.local`;
  if (parts.length === 3 && parts[2] === 'svc') return `${host}.cluster.local`;
  return host;
}

function principalOf(world: FlowWorld, flow: Flow): string | undefined {
  const pod = flow.src.twin?.pod;
  if (!pod) return undefined;
  return `${world.mesh.trustDomain}/ns/${pod.metadata?.namespace ?? 'default'}/sa/${pod.spec?.serviceAccountName ?? pod.spec?.serviceAccount ?? 'default'}`;
}

function clientKind(flow: Flow): string {
  if (flow.src.kind === 'apiserver') return '(the API server, outside the mesh)';
  const pod = flow.src.twin?.pod;
  if (!pod || !proxyOf(pod)) return `${flow.src.label} (no sidecar)`;
  return `${flow.src.label} (its connection bypasses the sidecar)`;
}

function mtlsFix(flow: Flow, pa: MtlsMode): string {
  if (flow.purpose === 'scrape') {
    return `scrape through Istio metrics merging (the sidecar's port 15020 /stats/prometheus, meshConfig.enablePrometheusMerge) or with Istio certificates (istio.io ops/integrations/prometheus, "TLS settings"), or make port ${flow.port} PERMISSIVE with portLevelMtls on a workload-selector PeerAuthentication`;
  }
  if (flow.src.kind === 'apiserver') {
    return `exclude port ${flow.port} from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts) or do not inject the webhook's pods`;
  }
  return `inject a sidecar into the client so it connects with mTLS, or make port ${flow.port} PERMISSIVE with portLevelMtls on a workload-selector PeerAuthentication (${pa.policy} applies now)`;
}

function npFix(world: FlowWorld, flow: Flow, np: NpVerdict): string {
  if (np.result !== 'no') return 'make the NetworkPolicies decidable';
  const peerOf = (end: FlowEnd): string => {
    if (end.kind === 'ip') return `ipBlock ${end.ip}/32`;
    if (end.kind === 'host') return `an ipBlock covering ${end.hosts?.join(', ')} (e.g. 0.0.0.0/0 except the instance metadata address, or the AWS prefix list's CIDRs)`;
    if (end.kind === 'apiserver') return 'an ipBlock covering the cluster\'s control plane ENIs (the VPC CIDR)';
    const pod = end.twin?.pod;
    const ns = pod?.metadata?.namespace ?? end.twin?.namespace;
    const labels = pickLabels(pod?.metadata?.labels ?? {});
    return `namespaceSelector kubernetes.io/metadata.name=${ns}${labels ? ` with podSelector ${labels}` : ''}`;
  };
  const port = `${flow.port}/${flow.protocol}`;
  if (np.side === 'egress') {
    return `add an egress rule to a NetworkPolicy in namespace ${flow.src.twin?.namespace} selecting the source pods, to ${peerOf(flow.dst)} on ${port}`;
  }
  void world;
  return `add an ingress rule to a NetworkPolicy in namespace ${flow.dst.twin?.namespace} selecting the destination pods, from ${peerOf(flow.src)} on ${port}`;
}

function pickLabels(labels: Record<string, string>): string {
  const keys = ['app.kubernetes.io/name', 'app', 'k8s-app', 'istio', 'llm-platform.io/model'];
  const k = keys.find((x) => labels[x] !== undefined);
  return k ? `${k}=${labels[k]}` : '';
}

// ---------------------------------------------------------------------------------------------------------
// Derivation

/** A pod's label for messages: `namespace/name-prefix` without the trailing dash. */
export function podLabel(t: TwinPod): string {
  return `${t.namespace}/${t.namePrefix.replace(/-$/, '')}`;
}

function podEnd(t: TwinPod): FlowEnd {
  return { kind: 'pod', twin: t, label: podLabel(t) };
}

function allContainers(pod: any): { c: any; init: boolean; i: number }[] {
  return [
    ...(pod?.spec?.initContainers ?? []).map((c: any, i: number) => ({ c, init: true, i })),
    ...(pod?.spec?.containers ?? []).map((c: any, i: number) => ({ c, init: false, i })),
  ];
}

/** A synthetic pod for a component the output installs but whose pods the inventory does not hold. */
function syntheticPod(
  owner: string, namespace: string, name: string, labels: Record<string, string>, containers: any[], serviceAccountName?: string,
): TwinPod {
  return {
    owner,
    ownerObject: undefined,
    origin: 'addon',
    namespace,
    namePrefix: `${name}-`,
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, labels }, spec: { containers, serviceAccountName } },
    templatePath: '',
    minReplicas: 1,
    maxReplicas: 1,
    mutations: ['synthesized by the flows check from upstream defaults'],
  };
}

/** The Argo CD Application that installs a chart, if any. */
function chartApplication(index: ObjectIndex, chart: string): { app: any; source: any } | undefined {
  for (const a of index.ofKind('Application')) {
    const s = [a.spec?.source, ...(a.spec?.sources ?? [])].filter(Boolean).find((x: any) => x.chart === chart);
    if (s) return { app: a, source: s };
  }
  return undefined;
}

/** Resolve a Service by a DNS name (`name`, `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`) seen from a namespace. */
export function serviceByHost(world: FlowWorld, host: string, fromNamespace: string): any | undefined {
  const h = host.replace(/\.$/, '').toLowerCase();
  const parts = h.replace(/\.svc(\.cluster\.local)?$/, '').split('.');
  if (parts.length > 2) return undefined;
  const [name, ns] = parts.length === 2 ? parts : [parts[0], fromNamespace];
  return serviceNamed(world, ns, name);
}

/** Whether a host name is a cluster-internal Service name. */
function isClusterHost(host: string): boolean {
  return /\.svc(\.cluster\.local)?\.?$/.test(host) || !host.includes('.') || /^[a-z0-9-]+\.[a-z0-9-]+$/.test(host);
}

/** The container port a Service targetPort (number or name) reaches on a pod. */
export function resolveTargetPort(pod: any, targetPort: any, protocol = 'TCP'): number | undefined {
  if (typeof targetPort === 'number') return targetPort;
  if (typeof targetPort === 'string' && /^\d+$/.test(targetPort)) return Number(targetPort);
  for (const { c } of allContainers(pod)) {
    const p = (c?.ports ?? []).find((x: any) => x?.name === targetPort && (x.protocol ?? 'TCP') === protocol);
    if (p) return p.containerPort;
  }
  return undefined;
}

/** The pods a Service selects, each with the pod port the Service port reaches. */
function serviceTargets(
  world: FlowWorld, svc: any, servicePort: any, why: string, notModelled: string[], extraSelector?: Record<string, string>,
): { twin: TwinPod; port: number; protocol: string }[] {
  const selector = svc.spec?.selector;
  if (!selector || Object.keys(selector).length === 0) {
    notModelled.push(`${why}: ${ObjectIndex.id(svc)} has no selector (endpoints managed elsewhere)`);
    return [];
  }
  const ns = svc.metadata?.namespace ?? 'default';
  const pods = podsOfNamespace(world, ns).filter((t) => selectorMatches({ matchLabels: selector }, t.pod?.metadata?.labels)
    && (!extraSelector || selectorMatches({ matchLabels: extraSelector }, t.pod?.metadata?.labels)));
  if (pods.length === 0) {
    notModelled.push(`${why}: no pod of the inventory matches ${ObjectIndex.id(svc)}'s selector`);
    return [];
  }
  const protocol = servicePort.protocol ?? 'TCP';
  const out: { twin: TwinPod; port: number; protocol: string }[] = [];
  for (const t of pods) {
    const port = resolveTargetPort(t.pod, servicePort.targetPort ?? servicePort.port, protocol);
    if (port === undefined) {
      notModelled.push(`${why}: ${ObjectIndex.id(svc)} port ${servicePort.port} targets ${JSON.stringify(servicePort.targetPort)}, which ${podLabel(t)} does not declare`);
      continue;
    }
    out.push({ twin: t, port, protocol });
  }
  return out;
}

function findServicePort(svc: any, port: number | string | undefined): any | undefined {
  const ports: any[] = svc.spec?.ports ?? [];
  if (port === undefined) return ports.length === 1 ? ports[0] : undefined;
  return ports.find((p) => (typeof port === 'number' ? p.port === port : p.name === port));
}

/** Split `http://host:port/path` or `host:port`; undefined port when absent. */
export function splitEndpoint(endpoint: string): { scheme?: string; host: string; port?: number } | undefined {
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?([^/:?#]+)(?::(\d+))?/i.exec(String(endpoint).trim());
  if (!m) return undefined;
  return { scheme: m[1]?.toLowerCase(), host: m[2], port: m[3] ? Number(m[3]) : undefined };
}

/** Derive every flow the platform needs from the output and the pod inventory. */
export function deriveFlows(ctx: TwinContext, world: FlowWorld, notModelled: string[], notes: string[] = []): Flow[] {
  const flows: Flow[] = [];
  const pods = ctx.pods.filter((t) => t.pod?.spec?.hostNetwork !== true);
  if (ctx.options.registries.length > 0) {
    notModelled.push(`image pulls from ${ctx.options.registries.join(', ')} go from the node (kubelet), outside NetworkPolicy and the mesh: not modelled`);
  }
  dnsFlows(world, pods, flows, notes);
  istiodFlows(world, pods, flows);
  podIdentityFlows(ctx, pods, flows);
  s3Flows(ctx, pods, flows);
  gatewayFlows(world, flows, notModelled);
  httpRouteFlows(world, flows, notModelled);
  monitorFlows(world, flows, notModelled);
  collectorFlows(world, flows, notModelled);
  kedaFlows(world, flows, notModelled);
  webhookFlows(world, flows, notModelled);
  return flows;
}

/** CoreDNS pods of the inventory, else the EKS CoreDNS add-on's (kube-system, k8s-app=kube-dns, ports dns 53/UDP and dns-tcp 53/TCP). */
function dnsPods(world: FlowWorld): TwinPod[] {
  const found = world.pods.filter((t) => t.namespace === 'kube-system' && t.pod?.metadata?.labels?.['k8s-app'] === 'kube-dns');
  if (found.length) return found;
  return [syntheticPod('EKS add-on coredns', 'kube-system', 'coredns', { 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' }, [
    { name: 'coredns', ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }, { name: 'metrics', containerPort: 9153, protocol: 'TCP' }] },
  ])];
}

/**
 * Whether NetworkPolicies isolate the pod for egress and none of them allows any egress at all: the pod is
 * deliberately offline (e.g. a device plugin that only talks to the kubelet over a unix socket).
 */
function offline(world: FlowWorld, t: TwinPod): boolean {
  const labels = t.pod?.metadata?.labels ?? {};
  const isolating = policiesOfNamespace(world.networkPolicies, t.namespace).filter((p) => policyTypes(p).includes('Egress') && selectorMatches(p.spec?.podSelector ?? {}, labels));
  return isolating.length > 0 && isolating.every((p) => (p.spec?.egress ?? []).length === 0);
}

function dnsFlows(world: FlowWorld, pods: TwinPod[], flows: Flow[], notes: string[]): void {
  const dst = dnsPods(world)[0];
  const offlinePods: string[] = [];
  for (const t of pods) {
    if (t === dst || t.namespace === 'kube-system' && t.pod?.metadata?.labels?.['k8s-app'] === 'kube-dns') continue;
    if (offline(world, t)) {
      offlinePods.push(podLabel(t));
      continue;
    }
    for (const protocol of ['UDP', 'TCP'] as const) {
      flows.push({
        purpose: 'cluster DNS',
        needer: t.owner,
        field: t.templatePath,
        src: podEnd(t),
        container: firstContainer(t.pod),
        dst: { kind: 'pod', twin: dst, label: 'kube-system/kube-dns' },
        port: 53,
        protocol,
        service: { namespace: 'kube-system', name: 'kube-dns', port: 53 },
      });
    }
  }
  if (offlinePods.length) {
    notes.push(`cluster DNS not required of ${offlinePods.length} pod(s) whose NetworkPolicies allow no egress at all (deliberately offline): ${offlinePods.join(', ')}`);
  }
}

function istiodFlows(world: FlowWorld, pods: TwinPod[], flows: Flow[]): void {
  const withProxy = pods.filter((t) => proxyOf(t.pod));
  if (withProxy.length === 0) return;
  const ns = world.mesh.rootNamespace;
  let istiod = world.pods.find((t) => t.pod?.metadata?.labels?.app === 'istiod');
  // Chart defaults (istiod-1.30.3 templates/deployment.yaml): labels app=istiod, istio=pilot; port tls-xds 15012.
  istiod ??= syntheticPod(world.mesh.source || 'istiod', ns, 'istiod', { app: 'istiod', istio: 'pilot' }, [
    { name: 'discovery', ports: [{ name: 'tls-xds', containerPort: 15012, protocol: 'TCP' }, { name: 'https-webhooks', containerPort: 15017, protocol: 'TCP' }] },
  ], 'istiod');
  for (const t of withProxy) {
    const proxy = proxyOf(t.pod)!;
    flows.push({
      purpose: 'istiod xDS',
      needer: t.owner,
      field: `${t.templatePath ? `${t.templatePath}.` : ''}spec.${proxy.initIndex >= 0 ? 'initContainers' : 'containers'}[istio-proxy]`,
      src: podEnd(t),
      container: 'istio-proxy',
      dst: { kind: 'pod', twin: istiod, label: `${istiod.namespace}/istiod` },
      port: 15012,
      protocol: 'TCP',
      service: { namespace: istiod.namespace, name: 'istiod', port: 15012 },
    });
  }
}

/** The container that calls AWS: the first that reads an s3:// URI, else the first app container. */
function awsCaller(pod: any): { name: string; init: boolean; index: number } | undefined {
  for (const x of allContainers(pod)) if (s3Uris(x.c).length) return { name: x.c.name, init: x.init, index: x.i };
  const i = (pod?.spec?.containers ?? []).findIndex((c: any) => c?.name !== 'istio-proxy');
  return i >= 0 ? { name: pod.spec.containers[i].name, init: false, index: i } : undefined;
}

function podIdentityFlows(ctx: TwinContext, pods: TwinPod[], flows: Flow[]): void {
  const sas = new Set(ctx.options.podIdentityServiceAccounts);
  for (const t of pods) {
    const sa = `${t.namespace}/${t.pod?.spec?.serviceAccountName ?? t.pod?.spec?.serviceAccount ?? 'default'}`;
    if (!sas.has(sa)) continue;
    const caller = awsCaller(t.pod);
    if (!caller) continue;
    flows.push({
      purpose: 'Pod Identity credentials',
      needer: t.owner,
      field: `${t.templatePath ? `${t.templatePath}.` : ''}spec.${caller.init ? 'initContainers' : 'containers'}[${caller.name}]`,
      src: podEnd(t),
      container: caller.name,
      dst: { kind: 'ip', ip: POD_IDENTITY_AGENT.ip, label: `${POD_IDENTITY_AGENT.ip} (EKS Pod Identity agent)` },
      port: POD_IDENTITY_AGENT.port,
      protocol: 'TCP',
      http: { method: 'GET', path: '/v1/credentials' },
    });
  }
}

/** s3Uris per container object (pods are not changed while the flows are derived). */
const s3UrisMemo = new WeakMap<object, { uri: string; field: string }[]>();

/** The s3:// URIs a container reads (command, args, env values). */
function s3Uris(c: any): { uri: string; field: string }[] {
  if (!c || typeof c !== 'object') return s3UrisOf(c);
  let uris = s3UrisMemo.get(c);
  if (!uris) {
    uris = s3UrisOf(c);
    s3UrisMemo.set(c, uris);
  }
  return uris;
}

function s3UrisOf(c: any): { uri: string; field: string }[] {
  const out: { uri: string; field: string }[] = [];
  const scan = (v: unknown, field: string) => {
    const text = String(v ?? '');
    if (!text.includes('s3://')) return; // every match starts so
    for (const m of text.matchAll(/s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](\/[^\s"']*)?/g)) out.push({ uri: m[0], field });
  };
  for (const v of c?.command ?? []) scan(v, 'command');
  for (const v of c?.args ?? []) scan(v, 'args');
  for (const e of c?.env ?? []) scan(e?.value, 'env');
  return out;
}

function s3Flows(ctx: TwinContext, pods: TwinPod[], flows: Flow[]): void {
  for (const t of pods) {
    for (const { c, init } of allContainers(t.pod)) {
      const seen = new Set<string>();
      for (const { uri, field } of s3Uris(c)) {
        const bucket = uri.slice(5).split('/')[0];
        if (seen.has(bucket)) continue;
        seen.add(bucket);
        const env = new Map<string, string>((c.env ?? []).map((e: any) => [e?.name, e?.value]));
        const region = env.get('AWS_REGION') ?? env.get('AWS_DEFAULT_REGION') ?? ctx.options.region;
        const f = `${t.templatePath ? `${t.templatePath}.` : ''}spec.${init ? 'initContainers' : 'containers'}[${c.name}].${field}`;
        // No region known: the endpoint is checked against any region (ANY_REGION, see istio-policy hostMatches).
        const regional = `s3.${region ?? ANY_REGION}.amazonaws.com`;
        // Virtual-hosted-style addressing for DNS-compatible bucket names without dots (AWS SDK/CLI default).
        const hosts = bucket.includes('.') ? [regional] : [regional, `${bucket}.${regional}`];
        flows.push({
          purpose: init ? 'weight download' : 'S3 access',
          needer: t.owner,
          field: f,
          src: podEnd(t),
          container: c.name,
          dst: { kind: 'host', hosts, label: hosts.join(' + ') },
          port: 443,
          protocol: 'TCP',
        });
      }
    }
  }
}

/** gatewayPods per world and Gateway, while the world's pods do not change. */
const gatewayPodsMemo = new WeakMap<FlowWorld, { podCount: number; byGateway: Map<any, TwinPod[]> }>();

/** Pods a Gateway selects (Istio matches gateway pods in every namespace by default). */
function gatewayPods(world: FlowWorld, gw: any): TwinPod[] {
  let memo = gatewayPodsMemo.get(world);
  if (!memo || memo.podCount !== world.pods.length) {
    memo = { podCount: world.pods.length, byGateway: new Map() };
    gatewayPodsMemo.set(world, memo);
  }
  let pods = memo.byGateway.get(gw);
  if (!pods) {
    pods = gatewayPodsOf(world, gw);
    memo.byGateway.set(gw, pods);
  }
  return pods;
}

function gatewayPodsOf(world: FlowWorld, gw: any): TwinPod[] {
  const sel = gw.spec?.selector;
  if (!sel || Object.keys(sel).length === 0) return [];
  const pick = (pods: TwinPod[]) => {
    const all = pods.filter((t) => selectorMatches({ matchLabels: sel }, t.pod?.metadata?.labels));
    const same = all.filter((t) => t.namespace === gw.metadata?.namespace);
    return same.length ? same : all;
  };
  const found = pick(world.pods);
  return found.length ? found : pick(gatewayChartPods(world));
}

/**
 * The pods of every Istio `gateway` chart Application, from the chart's defaults (gateway-1.30.3
 * templates/_helpers.tpl: name = values.name or the release name; selector labels app = labels.app or the
 * name, istio = labels.istio or the name without `istio-`, plus values.labels; ServiceAccount =
 * serviceAccount.name or the name; templates/deployment.yaml: one container istio-proxy, image auto, injected
 * with the gateway template, which runs the proxy in router mode).
 */
function gatewayChartPods(world: FlowWorld): TwinPod[] {
  const out: TwinPod[] = [];
  for (const a of world.index.ofKind('Application')) {
    for (const s of [a.spec?.source, ...(a.spec?.sources ?? [])].filter(Boolean)) {
      if (s.chart !== 'gateway') continue;
      const values = s.helm?.valuesObject ?? (typeof s.helm?.values === 'string' ? safeYaml(s.helm.values) : {});
      const release = s.helm?.releaseName ?? a.metadata?.name ?? 'istio-ingressgateway';
      const name = values.name ?? release;
      const labels: Record<string, string> = { ...(values.labels ?? {}) };
      labels.app = values.labels?.app ?? name;
      labels.istio = values.labels?.istio ?? String(name).replace(/^istio-/, '');
      const sa = values.serviceAccount?.create === false ? (values.serviceAccount?.name ?? 'default') : (values.serviceAccount?.name ?? name);
      const ns = a.spec?.destination?.namespace ?? 'default';
      out.push(syntheticPod(ObjectIndex.id(a), ns, name, labels, [
        { name: 'istio-proxy', image: 'auto', args: ['proxy', 'router'], ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }] },
      ], sa));
    }
  }
  return out;
}

function safeYaml(text: string): any {
  try {
    return parseYaml(text) ?? {};
  } catch {
    return {};
  }
}

function gatewayFlows(world: FlowWorld, flows: Flow[], notModelled: string[]): void {
  for (const vs of allOfKind(world, 'VirtualService')) {
    const vsNs = vs.metadata?.namespace ?? 'default';
    const vsId = ObjectIndex.id(vs);
    const gateways: string[] = (vs.spec?.gateways ?? []).filter((g: string) => g !== 'mesh');
    if (gateways.length === 0) continue;
    const gwPods: TwinPod[] = [];
    for (const g of gateways) {
      const [gns, gname] = g.includes('/') ? g.split('/', 2) : [vsNs, g];
      const gw = world.index.get('Gateway', gns, gname) ?? world.derived.find((o) => o.kind === 'Gateway' && o.metadata?.namespace === gns && o.metadata?.name === gname);
      if (!gw) { notModelled.push(`${vsId} spec.gateways: Gateway ${gns}/${gname} is not in the output`); continue; }
      const ps = gatewayPods(world, gw);
      if (ps.length === 0) notModelled.push(`${vsId}: no pod of the inventory matches Gateway ${gns}/${gname}'s selector`);
      for (const p of ps) if (!gwPods.includes(p)) gwPods.push(p);
    }
    if (gwPods.length === 0) continue;
    for (const kind of ['http', 'tcp', 'tls'] as const) {
      (vs.spec?.[kind] ?? []).forEach((route: any, ri: number) => {
        (route?.route ?? []).forEach((dest: any, di: number) => {
          const field = `spec.${kind}[${ri}].route[${di}].destination`;
          const host = dest?.destination?.host;
          if (!host) return;
          const svc = serviceByHost(world, host, vsNs);
          if (!svc) { notModelled.push(`${vsId} ${field}: host ${host} is not a Service of the output`); return; }
          const sp = findServicePort(svc, dest.destination.port?.number);
          if (!sp) { notModelled.push(`${vsId} ${field}: ${ObjectIndex.id(svc)} has no port ${dest.destination.port?.number ?? '(unspecified, several ports)'}`); return; }
          const subsetLabels = dest.destination.subset ? subsetOf(world, svc, dest.destination.subset) : undefined;
          const svcNs = svc.metadata?.namespace ?? 'default';
          const targets = serviceTargets(world, svc, sp, `${vsId} ${field}`, notModelled, subsetLabels);
          for (const g of gwPods) {
            for (const tgt of targets) {
              flows.push({
                purpose: 'gateway route',
                needer: vsId,
                field,
                src: podEnd(g),
                container: 'istio-proxy',
                dst: podEnd(tgt.twin),
                port: tgt.port,
                protocol: 'TCP',
                service: { namespace: svcNs, name: svc.metadata?.name, port: sp.port },
                http: kind === 'http' ? {} : undefined,
                requestPrincipalUnknown: true,
              });
            }
          }
        });
      });
    }
  }
}

/** The value of `--<flag> <value>` or `--<flag>=<value>` in a container's args. */
function argValue(c: any, flag: string): string | undefined {
  const args: string[] = (c?.args ?? []).map(String);
  for (let i = 0; i < args.length; i++) {
    if (args[i] === `--${flag}`) return args[i + 1];
    if (args[i].startsWith(`--${flag}=`)) return args[i].slice(flag.length + 3);
  }
  return undefined;
}

/**
 * The pods of a Gateway API Gateway: with `spec.addresses` naming a Service host (Istio's "manual deployment": the
 * Gateway is bound to an existing gateway deployment), that Service's pods; otherwise the pods istiod's automated
 * deployment labels `gateway.networking.k8s.io/gateway-name: <name>` in the Gateway's namespace.
 */
function gatewayApiPods(world: FlowWorld, gw: any, why: string, notModelled: string[]): TwinPod[] {
  const ns = gw.metadata?.namespace ?? 'default';
  for (const a of Array.isArray(gw.spec?.addresses) ? gw.spec.addresses : []) {
    if ((a?.type ?? 'IPAddress') !== 'Hostname' || typeof a.value !== 'string') continue;
    const svc = serviceByHost(world, a.value, ns);
    if (!svc) {
      // the Service of a gateway chart Application whose add-on objects were not rendered: gateway-1.30.3
      // templates/service.yaml names it after the gateway (gateway.name), in the release namespace, selecting its pods
      const [name, hostNs] = a.value.replace(/\.$/, '').replace(/\.svc(\.cluster\.local)?$/, '').split('.');
      const chart = gatewayChartPods(world).filter((t) => t.namespace === (hostNs ?? ns) && t.namePrefix === `${name}-`);
      if (chart.length) return chart;
      notModelled.push(`${why}: Gateway ${ns}/${gw.metadata?.name} address ${a.value} is not a Service of the output`);
      continue;
    }
    const sel = svc.spec?.selector ?? {};
    const selected = (t: TwinPod) => Object.keys(sel).length > 0 && selectorMatches({ matchLabels: sel }, t.pod?.metadata?.labels);
    const pods = podsOfNamespace(world, svc.metadata?.namespace ?? 'default').filter(selected);
    const chart = pods.length ? pods : gatewayChartPods(world).filter(selected);
    if (chart.length) return chart;
  }
  const auto = podsOfNamespace(world, ns).filter((t) => t.pod?.metadata?.labels?.['gateway.networking.k8s.io/gateway-name'] === gw.metadata?.name);
  if (auto.length === 0) notModelled.push(`${why}: the pods of Gateway ${ns}/${gw.metadata?.name} (istiod's automated deployment) are not in the inventory`);
  return auto;
}

/**
 * The HTTPRoutes of the output attached to Gateway API Gateways (./gateway-api.ts: the listeners that admit them): each
 * Service backendRef -> the Service's pods (`gateway route`, as gatewayFlows' VirtualService routes); each InferencePool
 * backendRef -> the pool's endpoint picker (`ext_proc`) and pods (`inference route`). Each InferencePool's picker ->
 * the pool's pods (metrics) and the API server.
 */
function httpRouteFlows(world: FlowWorld, flows: Flow[], notModelled: string[]): void {
  const pools = allOfKind(world, 'InferencePool').filter((p) => String(p.apiVersion ?? '').startsWith(`${INFERENCE_GROUP}/`));
  const routes = allOfKind(world, 'HTTPRoute').filter((r) => isGatewayApi(r, 'HTTPRoute'));
  if (pools.length === 0 && routes.length === 0) return;
  const apiserver: FlowEnd = { kind: 'apiserver', label: 'kube-apiserver' };
  const poolPods = (pool: any) => podsOfNamespace(world, pool.metadata?.namespace ?? 'default')
    .filter((t) => Object.keys(pool.spec?.selector?.matchLabels ?? {}).length > 0 && selectorMatches(pool.spec.selector, t.pod?.metadata?.labels));
  const pickerOf = (pool: any) => {
    const ref = pool.spec?.endpointPickerRef ?? {};
    if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '') return undefined;
    const svc = serviceNamed(world, pool.metadata?.namespace ?? 'default', ref.name);
    const sp = svc ? findServicePort(svc, ref.port?.number) : undefined;
    return svc && sp ? { svc, sp } : undefined;
  };
  for (const pool of pools) {
    const id = ObjectIndex.id(pool);
    const picker = pickerOf(pool);
    // a picker Service or a selector that matches nothing is the references check's problem; no flows here
    if (!picker) { notModelled.push(`${id} spec.endpointPickerRef: the picker Service ${pool.spec?.endpointPickerRef?.name} (port ${pool.spec?.endpointPickerRef?.port?.number}) is not in the output`); continue; }
    const members = poolPods(pool);
    for (const p of serviceTargets(world, picker.svc, picker.sp, `${id} spec.endpointPickerRef`, notModelled)) {
      const epp = (p.twin.pod?.spec?.containers ?? []).find((c: any) => argValue(c, 'pool-name') === pool.metadata?.name) ?? (p.twin.pod?.spec?.containers ?? [])[0];
      const metricsPort = Number(argValue(epp, 'model-server-metrics-port') ?? pool.spec?.targetPorts?.[0]?.number);
      const metricsPath = argValue(epp, 'model-server-metrics-path') ?? '/metrics';
      for (const m of members) {
        flows.push({
          purpose: 'endpoint picker metrics',
          needer: id,
          field: 'spec.endpointPickerRef',
          src: podEnd(p.twin),
          container: epp?.name,
          dst: podEnd(m),
          port: metricsPort,
          protocol: 'TCP',
          http: { method: 'GET', path: metricsPath },
        });
      }
      flows.push({ purpose: 'endpoint picker watch', needer: id, field: 'spec.endpointPickerRef', src: podEnd(p.twin), container: epp?.name, dst: apiserver, port: 443, protocol: 'TCP' });
    }
  }
  const gateways = allOfKind(world, 'Gateway').filter((g) => isGatewayApi(g, 'Gateway'));
  for (const route of routes) {
    const routeNs = route.metadata?.namespace ?? 'default';
    const routeId = ObjectIndex.id(route);
    const gwPods: TwinPod[] = [];
    (Array.isArray(route.spec?.parentRefs) ? route.spec.parentRefs : []).forEach((ref: any, i: number) => {
      if (!isGatewayParent(ref)) {
        notModelled.push(`${routeId} spec.parentRefs[${i}]: a ${ref?.kind ?? 'non-Gateway'} parent (mesh routing) is not modelled`);
        return;
      }
      const at = attachParent(gateways, route, ref, world.namespaceLabels);
      if (!at.gateway) { notModelled.push(`${routeId} spec.parentRefs[${i}]: Gateway ${at.namespace}/${at.name} is not in the output`); return; }
      // a route no listener admits gets no traffic: the references check reports it
      if (at.listeners.length === 0) { notModelled.push(`${routeId} spec.parentRefs[${i}]: not attached to ${ObjectIndex.id(at.gateway)} (${at.refusal?.reason}), no flows`); return; }
      for (const p of gatewayApiPods(world, at.gateway, `${routeId} spec.parentRefs[${i}]`, notModelled)) if (!gwPods.includes(p)) gwPods.push(p);
    });
    if (gwPods.length === 0) continue;
    (Array.isArray(route.spec?.rules) ? route.spec.rules : []).forEach((rule: any, ri: number) => {
      (Array.isArray(rule?.backendRefs) ? rule.backendRefs : []).forEach((b: any, bi: number) => {
        const field = `spec.rules[${ri}].backendRefs[${bi}]`;
        if (isServiceBackend(b)) {
          serviceBackendFlows(world, flows, notModelled, routeId, field, gwPods, b, routeNs);
          return;
        }
        if (!isInferencePoolBackend(b)) {
          notModelled.push(`${routeId} ${field}: a ${b?.group ?? ''}/${b?.kind} backend is not modelled`);
          return;
        }
        const pool = pools.find((p) => p.metadata?.name === b.name && (p.metadata?.namespace ?? 'default') === (b.namespace ?? routeNs));
        if (!pool) { notModelled.push(`${routeId} ${field}: InferencePool ${b.namespace ?? routeNs}/${b.name} is not in the output`); return; }
        const picker = pickerOf(pool);
        const shadow = world.derived.find((o) => o?.kind === 'Service' && o.metadata?.labels?.['istio.io/inferencepool-name'] === pool.metadata?.name
          && o.metadata?.namespace === pool.metadata?.namespace);
        for (const g of gwPods) {
          if (picker) {
            for (const t of serviceTargets(world, picker.svc, picker.sp, `${routeId} ${field}`, notModelled)) {
              flows.push({
                purpose: 'ext_proc',
                needer: routeId,
                field,
                src: podEnd(g),
                container: 'istio-proxy',
                dst: podEnd(t.twin),
                port: t.port,
                protocol: 'TCP',
                service: { namespace: picker.svc.metadata?.namespace ?? 'default', name: picker.svc.metadata?.name, port: picker.sp.port },
                http: {},
              });
            }
          }
          (pool.spec?.targetPorts ?? []).forEach((tp: any, i: number) => {
            for (const m of poolPods(pool)) {
              flows.push({
                purpose: 'inference route',
                needer: routeId,
                field,
                src: podEnd(g),
                container: 'istio-proxy',
                dst: podEnd(m),
                port: Number(tp?.number),
                protocol: 'TCP',
                ...(shadow ? {
                  service: { namespace: shadow.metadata.namespace, name: shadow.metadata.name, port: shadow.spec.ports[i]?.port },
                } : {}),
                http: {},
                requestPrincipalUnknown: true,
              });
            }
          });
        }
      });
    });
  }
}

/**
 * An HTTPRoute backendRef to a Service (port required, istio conversion.go buildDestination): the gateway pods -> the
 * Service's pods on the port it targets, through the Service (the gateway's mTLS and the server's policies as for
 * gatewayFlows' VirtualService routes). A Service or port that does not exist is the references check's problem.
 */
function serviceBackendFlows(
  world: FlowWorld, flows: Flow[], notModelled: string[], routeId: string, field: string, gwPods: TwinPod[], b: any, routeNs: string,
): void {
  const svcNs = String(b.namespace ?? routeNs);
  const svc = serviceNamed(world, svcNs, b.name);
  if (!svc) { notModelled.push(`${routeId} ${field}: Service ${svcNs}/${b.name} is not in the output`); return; }
  if (typeof b.port !== 'number') { notModelled.push(`${routeId} ${field}: names no port of ${ObjectIndex.id(svc)}`); return; }
  const sp = findServicePort(svc, b.port);
  if (!sp) { notModelled.push(`${routeId} ${field}: ${ObjectIndex.id(svc)} has no port ${b.port}`); return; }
  const targets = serviceTargets(world, svc, sp, `${routeId} ${field}`, notModelled);
  for (const g of gwPods) {
    for (const tgt of targets) {
      flows.push({
        purpose: 'gateway route',
        needer: routeId,
        field,
        src: podEnd(g),
        container: 'istio-proxy',
        dst: podEnd(tgt.twin),
        port: tgt.port,
        protocol: 'TCP',
        service: { namespace: svcNs, name: svc.metadata?.name, port: sp.port },
        http: {},
        requestPrincipalUnknown: true,
      });
    }
  }
}

/** A world's DestinationRules by their qualified host, in output order. */
const rulesByHost = new WeakMap<FlowWorld, Map<string, any[]>>();

function subsetOf(world: FlowWorld, svc: any, subset: string): Record<string, string> | undefined {
  const fqdn = `${svc.metadata?.name}.${svc.metadata?.namespace ?? 'default'}.svc.cluster.local`;
  let byHost = rulesByHost.get(world);
  if (!byHost) {
    byHost = new Map();
    for (const dr of world.destinationRules) {
      const h = qualify(String(dr.spec?.host ?? ''), dr.metadata?.namespace ?? 'default');
      const list = byHost.get(h);
      if (list) list.push(dr);
      else byHost.set(h, [dr]);
    }
    rulesByHost.set(world, byHost);
  }
  for (const dr of byHost.get(fqdn) ?? []) {
    const s = (dr.spec?.subsets ?? []).find((x: any) => x?.name === subset);
    if (s) return s.labels ?? {};
  }
  return undefined;
}

/** Prometheus pods (label app.kubernetes.io/name=prometheus), else the kube-prometheus-stack defaults. */
function prometheusPods(world: FlowWorld, notModelled: string[]): { pods: TwinPod[]; values: any; release: string } | undefined {
  const app = chartApplication(world.index, 'kube-prometheus-stack');
  const found = world.pods.filter((t) => t.pod?.metadata?.labels?.['app.kubernetes.io/name'] === 'prometheus');
  const values = app?.source?.helm?.valuesObject ?? {};
  const release = app?.source?.helm?.releaseName ?? app?.app?.metadata?.name ?? 'kube-prometheus-stack';
  if (found.length) return { pods: found, values, release };
  if (!app) return undefined;
  const ns = app.app.spec?.destination?.namespace ?? 'monitoring';
  // kube-prometheus-stack templates/_helpers.tpl: fullname = release (when it contains the chart name) else
  // "<release>-kube-prometheus-stack", truncated to 26; the Prometheus CR is "<fullname>-prometheus"; the
  // operator labels its pods app.kubernetes.io/name=prometheus, operator.prometheus.io/name=<CR name>
  // (templates/prometheus/service.yaml selector) and names the web port "web" (9090).
  const fullname = (release.includes('kube-prometheus-stack') ? release : `${release}-kube-prometheus-stack`).slice(0, 26).replace(/-+$/, '');
  const cr = `${fullname}-prometheus`;
  if (world.namespaceLabels(ns)?.['istio-injection'] === 'enabled') {
    notModelled.push(`Prometheus ${ns}/${cr}: synthesized without its sidecar although namespace ${ns} is injected`);
  }
  const pod = syntheticPod(ObjectIndex.id(app.app), ns, `prometheus-${cr}`, { 'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': cr, 'prometheus': cr }, [
    { name: 'prometheus', ports: [{ name: 'web', containerPort: 9090, protocol: 'TCP' }] },
  ], cr);
  return { pods: [pod], values, release };
}

/** Whether Prometheus (kube-prometheus-stack values) selects a monitor of the kind. */
function prometheusSelects(values: any, release: string, monitor: any, kind: 'podMonitor' | 'serviceMonitor'): boolean {
  const spec = values?.prometheus?.prometheusSpec ?? {};
  const explicit = spec[`${kind}Selector`];
  const nilUsesHelm = spec[`${kind}SelectorNilUsesHelmValues`] !== false;
  const labels = monitor.metadata?.labels ?? {};
  if (explicit) return selectorMatches(explicit, labels);
  return nilUsesHelm ? labels.release === release : true;
}

function monitorTargetPods(world: FlowWorld, monitor: any): TwinPod[] {
  const ns = monitor.metadata?.namespace ?? 'default';
  const nsSel = monitor.spec?.namespaceSelector ?? {};
  const inNs = (t: TwinPod) => nsSel.any === true || (nsSel.matchNames ? nsSel.matchNames.includes(t.namespace) : t.namespace === ns);
  let candidates = world.pods;
  if (nsSel.any !== true && !nsSel.matchNames) {
    candidates = podsOfNamespace(world, ns);
  } else if (nsSel.any !== true && Array.isArray(nsSel.matchNames) && nsSel.matchNames.every((n: unknown) => typeof n === 'string')) {
    // the pods of the named namespaces, in inventory order (as a filter of every pod returns them)
    const names = [...new Set<string>(nsSel.matchNames)];
    candidates = names.length === 1 ? podsOfNamespace(world, names[0])
      : names.flatMap((n) => podsOfNamespace(world, n)).sort((a, b) => podPosition(world, a) - podPosition(world, b));
  }
  return candidates.filter((t) => inNs(t) && selectorMatches(monitor.spec?.selector ?? {}, t.pod?.metadata?.labels));
}

function usesIstioCerts(ep: any): boolean {
  const tls = ep?.tlsConfig ?? ep?.tls_config ?? {};
  return ep?.scheme === 'https' && /istio|prom-certs/.test(`${tls.caFile ?? tls.ca_file ?? ''} ${tls.certFile ?? tls.cert_file ?? ''}`);
}

function monitorFlows(world: FlowWorld, flows: Flow[], notModelled: string[]): void {
  const podMonitors = allOfKind(world, 'PodMonitor');
  const serviceMonitors = allOfKind(world, 'ServiceMonitor');
  if (podMonitors.length + serviceMonitors.length === 0) return;
  const prom = prometheusPods(world, notModelled);
  if (!prom) {
    notModelled.push('PodMonitor/ServiceMonitor: no Prometheus in the output or the pod inventory, scrapes not modelled');
    return;
  }
  for (const pm of podMonitors) {
    const id = ObjectIndex.id(pm);
    if (!prometheusSelects(prom.values, prom.release, pm, 'podMonitor')) { notModelled.push(`${id}: not selected by Prometheus (podMonitorSelector)`); continue; }
    const targets = monitorTargetPods(world, pm);
    (pm.spec?.podMetricsEndpoints ?? []).forEach((ep: any, i: number) => {
      const field = `spec.podMetricsEndpoints[${i}]`;
      const fieldOf = ep.portNumber !== undefined ? 'portNumber' : ep.port !== undefined ? 'port' : ep.targetPort !== undefined ? 'targetPort' : 'relabelings';
      // prometheus-operator generates a keep on the endpoint's port before the user's relabelings.
      const portKeep: any[] = ep.port !== undefined ? [{ action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: String(ep.port) }]
        : ep.portNumber !== undefined ? [{ action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_port_number'], regex: String(ep.portNumber) }]
          : ep.targetPort !== undefined ? [{ action: 'keep', sourceLabels: [typeof ep.targetPort === 'number' ? '__meta_kubernetes_pod_container_port_number' : '__meta_kubernetes_pod_container_port_name'], regex: String(ep.targetPort) }]
            : [];
      const relabelings = targets.length > 0 ? [...portKeep, ...(ep.relabelings ?? [])] : [];
      for (const t of targets) {
        const r = scrapeTargets(t, relabelings, false);
        if ('unknown' in r) { notModelled.push(`${id} ${field}: ${r.unknown}`); continue; }
        if (r.ports.length === 0) {
          notModelled.push(`${id} ${field}: no port of ${podLabel(t)} is left to scrape (port ${JSON.stringify(ep.port ?? ep.portNumber ?? ep.targetPort)} not declared, or dropped by the relabelings)`);
          continue;
        }
        for (const port of r.ports) {
          for (const p of prom.pods) {
            flows.push({
              purpose: 'scrape',
              needer: id,
              field: `${field}.${fieldOf}`,
              src: podEnd(p),
              container: firstContainer(p.pod),
              dst: podEnd(t),
              port,
              protocol: 'TCP',
              http: { method: 'GET', path: ep.path ?? '/metrics' },
              istioCerts: usesIstioCerts(ep),
            });
          }
        }
      }
    });
  }
  for (const sm of serviceMonitors) {
    const id = ObjectIndex.id(sm);
    if (!prometheusSelects(prom.values, prom.release, sm, 'serviceMonitor')) { notModelled.push(`${id}: not selected by Prometheus (serviceMonitorSelector)`); continue; }
    const ns = sm.metadata?.namespace ?? 'default';
    const nsSel = sm.spec?.namespaceSelector ?? {};
    const svcs = world.services.filter((s) => {
      const sns = s.metadata?.namespace ?? 'default';
      const nsOk = nsSel.any === true || (nsSel.matchNames ? nsSel.matchNames.includes(sns) : sns === ns);
      return nsOk && selectorMatches(sm.spec?.selector ?? {}, s.metadata?.labels);
    });
    (sm.spec?.endpoints ?? []).forEach((ep: any, i: number) => {
      const field = `spec.endpoints[${i}]`;
      for (const svc of svcs) {
        const sp = ep.port !== undefined
          ? findServicePort(svc, ep.port)
          : ep.targetPort !== undefined ? { port: ep.targetPort, targetPort: ep.targetPort } : undefined;
        if (!sp) { notModelled.push(`${id} ${field}: ${ObjectIndex.id(svc)} has no port named ${JSON.stringify(ep.port)}`); continue; }
        for (const tgt of serviceTargets(world, svc, sp, `${id} ${field}`, notModelled)) {
          for (const p of prom.pods) {
            flows.push({
              purpose: 'scrape',
              needer: id,
              field: `${field}.port`,
              src: podEnd(p),
              container: firstContainer(p.pod),
              dst: podEnd(tgt.twin),
              port: tgt.port,
              protocol: 'TCP',
              http: { method: 'GET', path: ep.path ?? '/metrics' },
              istioCerts: usesIstioCerts(ep),
            });
          }
        }
      }
    });
  }
}

/** The collector's config as an object (v1beta1 object, v1alpha1 YAML string). */
function collectorConfig(obj: any): any {
  const c = obj?.spec?.config;
  return typeof c === 'string' ? safeYaml(c) : (c ?? {});
}

const SANITIZE = (k: string) => k.replace(/[^a-zA-Z0-9_]/g, '_');
/** Meta labels the twin sets when they apply to a target (absent ones read as empty, as in Prometheus). */
const KNOWN_META = /^__meta_kubernetes_pod_((label|labelpresent|annotation|annotationpresent)_.+|container_port_(name|number|protocol))$/;
/** The address the twin gives a pod (pod IPs are not in the output): an IPv4 placeholder, so address rewrites apply. */
const POD_IP = '10.255.255.254';

/**
 * The targets Prometheus' Kubernetes service discovery (role pod) makes of a pod, one per declared container
 * port (init containers included, as `__meta_kubernetes_pod_container_init`), one port-less target per
 * container without ports (prometheus/prometheus discovery/kubernetes/pod.go `buildPod`), relabelled, and the
 * pod ports the surviving targets' `__address__` name. `snakeCase`: an OTel collector scrape config
 * (`source_labels`, `$$` escapes of the collector's config), else a monitor's relabelings (`sourceLabels`).
 */
export function scrapeTargets(t: TwinPod, relabelings: any[], snakeCase: boolean): { ports: number[] } | { unknown: string } {
  const ports = new Set<number>();
  for (const target of discoveredTargets(t)) {
    const r = relabel(target, relabelings, snakeCase);
    if (r === 'drop') continue;
    if (typeof r === 'string') return { unknown: r };
    const addr = r.get('__address__') ?? '';
    const m = /^(?:\[[^\]]*\]|[^:]+):(\d+)$/.exec(addr);
    if (!m || !addr.startsWith(POD_IP)) {
      if (addr === POD_IP) continue; // a port-less target: Prometheus scrapes port 80 of it only if no one rewrote it; not a pod port
      return { unknown: `the relabelled address ${JSON.stringify(addr)} is not the pod's IP and a port` };
    }
    ports.add(Number(m[1]));
  }
  return { ports: [...ports].sort((a, b) => a - b) };
}

/**
 * A target's labels: the pod's labels (shared by all its targets) under the target's own (container and
 * port labels, relabel results; an undefined value is a deleted label). Relabelling copies only the own ones.
 */
class TargetLabels {
  constructor(private readonly base: Map<string, string>, private readonly own: Map<string, string | undefined>) {}

  public get(k: string): string | undefined {
    return this.own.has(k) ? this.own.get(k) : this.base.get(k);
  }

  public has(k: string): boolean {
    return this.own.has(k) ? this.own.get(k) !== undefined : this.base.has(k);
  }

  /** A copy to change (the base stays shared). */
  public copy(): TargetLabels {
    return new TargetLabels(this.base, new Map(this.own));
  }

  public set(k: string, v: string): void {
    this.own.set(k, v);
  }

  public delete(k: string): void {
    this.own.set(k, undefined);
  }
}

/** The discovered (not yet relabelled) targets of a pod, built once per pod: relabel never changes them. */
const discovered = new WeakMap<TwinPod, TargetLabels[]>();
/** SANITIZE of label and annotation keys, once per key. */
const sanitized = new Map<string, string>();
function sanitize(k: string): string {
  let v = sanitized.get(k);
  if (v === undefined) {
    v = SANITIZE(k);
    if (sanitized.size > 10000) sanitized.clear();
    sanitized.set(k, v);
  }
  return v;
}

function discoveredTargets(t: TwinPod): TargetLabels[] {
  const cached = discovered.get(t);
  if (cached) return cached;
  const pod = t.pod ?? {};
  const base = new Map<string, string>([
    ['__meta_kubernetes_namespace', t.namespace],
    ['__meta_kubernetes_pod_name', `${t.namePrefix}x`],
    ['__meta_kubernetes_pod_ip', POD_IP],
    ['__meta_kubernetes_pod_node_name', 'node'],
    ['__meta_kubernetes_pod_phase', 'Running'],
    ['__meta_kubernetes_pod_ready', 'true'],
    ['__scheme__', 'http'],
    ['__metrics_path__', '/metrics'],
  ]);
  for (const [k, v] of Object.entries<string>(pod.metadata?.labels ?? {})) {
    const sk = sanitize(k);
    base.set(`__meta_kubernetes_pod_label_${sk}`, String(v));
    base.set(`__meta_kubernetes_pod_labelpresent_${sk}`, 'true');
  }
  for (const [k, v] of Object.entries<string>(pod.metadata?.annotations ?? {})) {
    const sk = sanitize(k);
    base.set(`__meta_kubernetes_pod_annotation_${sk}`, String(v));
    base.set(`__meta_kubernetes_pod_annotationpresent_${sk}`, 'true');
  }
  const targets: TargetLabels[] = [];
  for (const { c, init } of allContainers(pod)) {
    const common = new Map<string, string | undefined>();
    common.set('__meta_kubernetes_pod_container_name', String(c?.name ?? ''));
    common.set('__meta_kubernetes_pod_container_init', String(init));
    const ports: any[] = c?.ports ?? [];
    if (ports.length === 0) {
      common.set('__address__', POD_IP);
      targets.push(new TargetLabels(base, common));
    }
    for (const p of ports) {
      const m = new Map(common);
      m.set('__meta_kubernetes_pod_container_port_name', String(p?.name ?? ''));
      m.set('__meta_kubernetes_pod_container_port_number', String(p?.containerPort ?? ''));
      m.set('__meta_kubernetes_pod_container_port_protocol', String(p?.protocol ?? 'TCP'));
      m.set('__address__', `${POD_IP}:${p?.containerPort}`);
      targets.push(new TargetLabels(base, m));
    }
  }
  discovered.set(t, targets);
  return targets;
}

/** Compiled relabel regexes (fully anchored) per source text; null when JavaScript rejects it. */
const relabelRegexes = new Map<string, RegExp | null>();
function relabelRegex(source: string): RegExp | null {
  let re = relabelRegexes.get(source);
  if (re === undefined) {
    try {
      re = new RegExp(`^(?:${source})$`);
    } catch {
      re = null;
    }
    if (relabelRegexes.size > 10000) relabelRegexes.clear();
    relabelRegexes.set(source, re);
  }
  // lastIndex never moves: the regexes have no g or y flag
  return re;
}

/** One relabel config as relabel reads it. */
interface RelabelStep {
  readonly action: string;
  readonly sources: string[];
  readonly target: string | undefined;
  readonly separator: any;
  readonly re: RegExp | null;
  readonly replacement: string;
}

/** Relabel configs read once per config object (camelCase and snake_case keys differ). */
const steps = { camel: new WeakMap<object, RelabelStep>(), snake: new WeakMap<object, RelabelStep>() };

function relabelStep(rc: any, snakeCase: boolean): RelabelStep {
  const memo = snakeCase ? steps.snake : steps.camel;
  const cacheable = rc !== null && typeof rc === 'object';
  const cached = cacheable ? memo.get(rc) : undefined;
  if (cached) return cached;
  const unescape = (x: string) => (snakeCase ? x.split('$$').join('$') : x);
  const action = String(rc?.action ?? 'replace').toLowerCase();
  const sources: string[] = (snakeCase ? rc?.source_labels : rc?.sourceLabels ?? rc?.source_labels) ?? [];
  const target: string | undefined = snakeCase ? rc?.target_label : rc?.targetLabel ?? rc?.target_label;
  const step: RelabelStep = {
    action,
    sources,
    target,
    separator: rc?.separator ?? ';',
    re: relabelRegex(unescape(String(rc?.regex ?? '(.*)'))),
    replacement: unescape(String(rc?.replacement ?? '$1')),
  };
  if (cacheable) memo.set(rc, step);
  return step;
}

/**
 * Apply Prometheus relabel configs to one target (prometheus/prometheus model/relabel/relabel.go): keep,
 * drop, replace (Go regexp Expand of the replacement; regexes fully anchored), keepequal, dropequal;
 * labelmap/labeldrop/labelkeep/lowercase/uppercase change only output labels here. Returns the labels,
 * 'drop', or why the twin cannot tell (a hashmod, a meta label it does not know, a regex JavaScript rejects).
 */
function relabel(labels: TargetLabels, configs: any[], snakeCase: boolean): TargetLabels | 'drop' | string {
  // copy on first write: most configs keep or drop, and the input (a pod's discovered target) is shared
  let out = labels;
  let owned = false;
  const write = () => {
    if (!owned) { out = labels.copy(); owned = true; }
    return out;
  };
  for (const rc of configs ?? []) {
    const { action, sources, target, separator, re, replacement } = relabelStep(rc, snakeCase);
    for (const src of sources) {
      if (src.startsWith('__meta_kubernetes_') && !out.has(src) && !KNOWN_META.test(src)) {
        if (action === 'keep' || action === 'drop' || target === '__address__') return `relabel ${action} on ${src} is not modelled`;
      }
    }
    const value = sources.map((l) => out.get(l) ?? '').join(separator);
    if (!re) return `relabel regex ${JSON.stringify(rc?.regex)} is not modelled`;
    switch (action) {
      case 'keep': if (!re.test(value)) return 'drop'; break;
      case 'drop': if (re.test(value)) return 'drop'; break;
      case 'keepequal': if (value !== (out.get(target ?? '') ?? '')) return 'drop'; break;
      case 'dropequal': if (value === (out.get(target ?? '') ?? '')) return 'drop'; break;
      case 'replace': {
        const m = re.exec(value);
        if (m && target) {
          const v = goExpand(replacement, m);
          if (v === '') write().delete(target);
          else write().set(target, v);
        }
        break;
      }
      case 'hashmod': return 'relabel hashmod (sharding) is not modelled';
      default: break;
    }
  }
  return out;
}

/** Go regexp Expand: `$$` is `$`, `$name`/`${name}` the longest [A-Za-z0-9_] name (numbers are groups). */
function goExpand(template: string, m: RegExpExecArray): string {
  return template.replace(/\$(\$|\{([A-Za-z0-9_]+)\}|([A-Za-z0-9_]+))/g, (_all, tok: string, braced?: string, bare?: string) => {
    if (tok === '$') return '$';
    const name = braced ?? bare ?? '';
    if (/^\d+$/.test(name)) return m[Number(name)] ?? '';
    return m.groups?.[name] ?? '';
  });
}

/** Pods a Prometheus scrape config (an OTel collector's prometheus receiver) scrapes, with the ports; undefined when not modelled. */
function scrapeConfigTargets(world: FlowWorld, sc: any, why: string, notModelled: string[]): { twin: TwinPod; port: number }[] | undefined {
  const sds: any[] = sc?.kubernetes_sd_configs ?? [];
  if (sc?.static_configs?.length) {
    const out: { twin: TwinPod; port: number }[] = [];
    for (const st of sc.static_configs) {
      for (const target of st?.targets ?? []) {
        const ep = splitEndpoint(String(target));
        const svc = ep ? serviceByHost(world, ep.host, '') : undefined;
        if (!ep || !svc || ep.port === undefined) { notModelled.push(`${why}: static target ${target} is not a Service of the output`); continue; }
        const sp = findServicePort(svc, ep.port);
        if (!sp) { notModelled.push(`${why}: ${ObjectIndex.id(svc)} has no port ${ep.port}`); continue; }
        out.push(...serviceTargets(world, svc, sp, why, notModelled).map((x) => ({ twin: x.twin, port: x.port })));
      }
    }
    return out;
  }
  if (sds.length !== 1 || sds[0]?.role !== 'pod') {
    notModelled.push(`${why}: only static_configs and one kubernetes_sd_configs role pod are modelled`);
    return undefined;
  }
  const names: string[] | undefined = sds[0].namespaces?.names;
  const out: { twin: TwinPod; port: number }[] = [];
  const candidates = Array.isArray(names) && names.length === 1 && typeof names[0] === 'string' ? podsOfNamespace(world, names[0]) : world.pods;
  for (const t of candidates.filter((p) => !names || names.includes(p.namespace))) {
    const r = scrapeTargets(t, sc.relabel_configs ?? [], true);
    if ('unknown' in r) { notModelled.push(`${why}: ${r.unknown}`); return undefined; }
    for (const port of r.ports) out.push({ twin: t, port });
  }
  return out;
}

function collectorFlows(world: FlowWorld, flows: Flow[], notModelled: string[]): void {
  for (const col of allOfKind(world, 'OpenTelemetryCollector')) {
    const id = ObjectIndex.id(col);
    const ns = col.metadata?.namespace ?? 'default';
    const pods = world.pods.filter((t) => t.owner === id);
    if (pods.length === 0) { notModelled.push(`${id}: its pods are not in the pod inventory, collector flows not modelled`); continue; }
    const config = collectorConfig(col);
    const pipelines = Object.values(config.service?.pipelines ?? {}) as any[];
    const used = (k: 'receivers' | 'exporters') => new Set(pipelines.flatMap((p) => p?.[k] ?? []));
    for (const [name, rec] of Object.entries<any>(config.receivers ?? {})) {
      if (!(name === 'prometheus' || name.startsWith('prometheus/')) || !used('receivers').has(name)) continue;
      (rec?.config?.scrape_configs ?? []).forEach((sc: any, i: number) => {
        const field = `spec.config.receivers.${name}.config.scrape_configs[${i}]`;
        const targets = scrapeConfigTargets(world, sc, `${id} ${field}`, notModelled);
        for (const tgt of targets ?? []) {
          for (const p of pods) {
            flows.push({
              purpose: 'scrape',
              needer: id,
              field,
              src: podEnd(p),
              container: firstContainer(p.pod),
              dst: podEnd(tgt.twin),
              port: tgt.port,
              protocol: 'TCP',
              http: { method: 'GET', path: sc.metrics_path ?? '/metrics' },
              istioCerts: usesIstioCerts(sc),
            });
          }
        }
      });
    }
    for (const [name, exp] of Object.entries<any>(config.exporters ?? {})) {
      if (!used('exporters').has(name) || typeof exp?.endpoint !== 'string') continue;
      const field = `spec.config.exporters.${name}.endpoint`;
      const ep = splitEndpoint(exp.endpoint);
      if (!ep) { notModelled.push(`${id} ${field}: endpoint ${exp.endpoint} is not modelled`); continue; }
      const port = ep.port ?? (ep.scheme === 'http' ? 80 : ep.scheme === 'https' ? 443 : name.startsWith('otlp') && !name.startsWith('otlphttp') ? 4317 : 443);
      if (isClusterHost(ep.host)) {
        const svc = serviceByHost(world, ep.host, ns);
        if (!svc) { notModelled.push(`${id} ${field}: ${ep.host} is not a Service of the output`); continue; }
        const sp = findServicePort(svc, port);
        if (!sp) { notModelled.push(`${id} ${field}: ${ObjectIndex.id(svc)} has no port ${port}`); continue; }
        for (const tgt of serviceTargets(world, svc, sp, `${id} ${field}`, notModelled)) {
          for (const p of pods) {
            flows.push({
              purpose: 'telemetry export',
              needer: id,
              field,
              src: podEnd(p),
              container: firstContainer(p.pod),
              dst: podEnd(tgt.twin),
              port: tgt.port,
              protocol: 'TCP',
              service: { namespace: svc.metadata?.namespace ?? 'default', name: svc.metadata?.name, port },
            });
          }
        }
      } else {
        for (const p of pods) {
          flows.push({
            purpose: 'telemetry export',
            needer: id,
            field,
            src: podEnd(p),
            container: firstContainer(p.pod),
            dst: { kind: 'host', hosts: [ep.host], label: ep.host },
            port,
            protocol: 'TCP',
          });
        }
      }
    }
  }
}

/** KEDA operator pods (app.kubernetes.io/name=keda-operator, chart default operator.name), else the chart defaults. */
function kedaPods(world: FlowWorld): TwinPod[] {
  const found = world.pods.filter((t) => t.pod?.metadata?.labels?.['app.kubernetes.io/name'] === 'keda-operator' || t.pod?.metadata?.labels?.app === 'keda-operator');
  if (found.length) return found;
  const app = chartApplication(world.index, 'keda');
  if (!app) return [];
  const ns = app.app.spec?.destination?.namespace ?? 'keda';
  // keda-2.20.2 templates/manager/deployment.yaml: labels app and app.kubernetes.io/name = operator.name (keda-operator).
  return [syntheticPod(ObjectIndex.id(app.app), ns, 'keda-operator', { 'app': 'keda-operator', 'app.kubernetes.io/name': 'keda-operator' }, [{ name: 'keda-operator' }], 'keda-operator')];
}

function kedaFlows(world: FlowWorld, flows: Flow[], notModelled: string[]): void {
  const scaled = [...allOfKind(world, 'ScaledObject'), ...allOfKind(world, 'ScaledJob')];
  if (scaled.length === 0) return;
  const keda = kedaPods(world);
  if (keda.length === 0) { notModelled.push('ScaledObject/ScaledJob: no KEDA in the output or the pod inventory, trigger flows not modelled'); return; }
  for (const so of scaled) {
    const id = ObjectIndex.id(so);
    const ns = so.metadata?.namespace ?? 'default';
    (so.spec?.triggers ?? []).forEach((tr: any, i: number) => {
      if (tr?.type !== 'prometheus') return;
      const field = `spec.triggers[${i}].metadata.serverAddress`;
      const ep = splitEndpoint(tr.metadata?.serverAddress ?? '');
      if (!ep) { notModelled.push(`${id} ${field}: no serverAddress`); return; }
      const port = ep.port ?? (ep.scheme === 'https' ? 443 : 80);
      if (!isClusterHost(ep.host)) {
        for (const k of keda) flows.push({ purpose: 'autoscaling query', needer: id, field, src: podEnd(k), container: firstContainer(k.pod), dst: { kind: 'host', hosts: [ep.host], label: ep.host }, port, protocol: 'TCP' });
        return;
      }
      let svc = serviceByHost(world, ep.host, ns);
      const svcName = ep.host.split('.')[0];
      // The Prometheus operator's governing Service (not in the chart): prometheus-operated, selector
      // app.kubernetes.io/name=prometheus, port web 9090 -> targetPort web.
      if (!svc && svcName === 'prometheus-operated') {
        const pns = ep.host.split('.')[1] ?? ns;
        svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'prometheus-operated', namespace: pns }, spec: { selector: { 'app.kubernetes.io/name': 'prometheus' }, ports: [{ name: 'web', port: 9090, targetPort: 'web' }] } };
        if (!podsOfNamespace(world, pns).some((t) => t.pod?.metadata?.labels?.['app.kubernetes.io/name'] === 'prometheus')) {
          const prom = prometheusPods(world, notModelled);
          if (prom && prom.pods[0]?.namespace === pns) world.pods.push(...prom.pods.filter((p) => !world.pods.includes(p)));
        }
      }
      if (!svc) { notModelled.push(`${id} ${field}: ${ep.host} is not a Service of the output`); return; }
      const sp = findServicePort(svc, port);
      if (!sp) { notModelled.push(`${id} ${field}: ${ObjectIndex.id(svc)} has no port ${port}`); return; }
      for (const tgt of serviceTargets(world, svc, sp, `${id} ${field}`, notModelled)) {
        for (const k of keda) {
          flows.push({
            purpose: 'autoscaling query',
            needer: id,
            field,
            src: podEnd(k),
            container: firstContainer(k.pod),
            dst: podEnd(tgt.twin),
            port: tgt.port,
            protocol: 'TCP',
            service: { namespace: svc.metadata?.namespace ?? 'default', name: svc.metadata?.name, port },
            http: { method: 'GET', path: '/api/v1/query' },
          });
        }
      }
    });
  }
}

function webhookFlows(world: FlowWorld, flows: Flow[], notModelled: string[]): void {
  const apiserver: FlowEnd = { kind: 'apiserver', label: 'kube-apiserver' };
  for (const kind of ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']) {
    for (const cfg of allOfKind(world, kind)) {
      const id = ObjectIndex.id(cfg);
      // One flow per destination pod and port of a configuration (its webhooks often share one Service).
      const seen = new Set<string>();
      (cfg.webhooks ?? []).forEach((wh: any, i: number) => {
        const field = `webhooks[${i}].clientConfig.service`;
        const ref = wh?.clientConfig?.service;
        if (!ref) {
          if (wh?.clientConfig?.url) notModelled.push(`${id} webhooks[${i}].clientConfig.url: URL webhooks are reached outside the cluster network, not modelled`);
          return;
        }
        const svc = serviceNamed(world, ref.namespace, ref.name);
        if (!svc) { notModelled.push(`${id} ${field}: Service ${ref.namespace}/${ref.name} is not in the output or the derived objects`); return; }
        const port = ref.port ?? 443;
        const sp = findServicePort(svc, port);
        if (!sp) { notModelled.push(`${id} ${field}: ${ObjectIndex.id(svc)} has no port ${port}`); return; }
        for (const tgt of serviceTargets(world, svc, sp, `${id} ${field}`, notModelled)) {
          const key = `${tgt.twin.owner}:${tgt.port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          flows.push({ purpose: 'admission webhook', needer: id, field, src: apiserver, dst: podEnd(tgt.twin), port: tgt.port, protocol: 'TCP' });
        }
      });
    }
  }
}
