/**
 * Kubernetes NetworkPolicy (networking.k8s.io/v1) semantics, evaluated for one flow between two endpoints.
 *
 * Source of truth: the API reference of NetworkPolicySpec/NetworkPolicyPeer/NetworkPolicyPort
 * (https://kubernetes.io/docs/reference/kubernetes-api/policy-resources/network-policy-v1/) and the
 * API server's defaulting (kubernetes/kubernetes pkg/apis/networking/v1/defaults.go, `SetDefaults_NetworkPolicy`:
 * empty policyTypes become `[Ingress]`, plus `Egress` when `len(spec.egress) != 0`;
 * `SetDefaults_NetworkPolicyPort`: protocol defaults to TCP).
 *
 * - A pod is isolated for egress (ingress) when at least one policy of its namespace selects it with
 *   `Egress` (`Ingress`) in its policy types; an isolated pod's connection is allowed only when some rule of
 *   some selecting policy allows it (the union of all of them). Egress of the source AND ingress of the
 *   destination must both allow the connection.
 * - A rule with no `to`/`from` peers matches every peer; a rule with no `ports` matches every port.
 * - Peers: `podSelector` alone selects pods of the policy's namespace, `namespaceSelector` alone every pod
 *   of the selected namespaces, both together the selected pods of the selected namespaces; `ipBlock`
 *   matches addresses in `cidr` minus `except`. Pod and namespace selectors never select host-network pods,
 *   link-local agents, nodes, the API server or external hosts: those match `ipBlock` only.
 * - Ports: numeric (with optional `endPort` range) or named, a name being resolved against the destination
 *   pod's container ports (name and protocol); a named port never matches a destination that is not a pod.
 *
 * Results are three-valued: when the answer depends on something the output does not say (a pod IP against
 * a narrow `ipBlock`, a named port of a pod whose containers are unknown) it is `unknown`, never a guess.
 */
import { selectorMatches } from './model';

/** Three-valued logic: yes, no, or cannot be told from the output. */
export type Tri = 'yes' | 'no' | 'unknown';

/**
 * Where an endpoint's (unknown) address lies, so that an `ipBlock` can be judged without it:
 * `cluster` (pod and node IPs, the API server's ENIs: VPC-private ranges on EKS), `public` (AWS regional
 * endpoints and other internet hosts).
 */
export type AddressScope = 'cluster' | 'public';

/** One end of a flow as NetworkPolicy sees it. */
export interface NpEndpoint {
  /** `pod`: a pod in the pod network; `ip`: a known address outside it; `host`: an address not known from the output. */
  readonly kind: 'pod' | 'ip' | 'host';
  /** kind pod: its namespace. */
  readonly namespace?: string;
  /** kind pod: its labels. */
  readonly labels?: Record<string, string>;
  /** kind pod: its containers and init containers (named ports resolve against them); undefined when unknown. */
  readonly containers?: any[];
  /** kind pod: runs in the node's network namespace (NetworkPolicy does not apply to it, selectors do not select it). */
  readonly hostNetwork?: boolean;
  /** kind ip: the IPv4 address. */
  readonly ip?: string;
  /** kind host (and pods, whose IP is unknown): where the address lies. */
  readonly scope?: AddressScope;
}

/** The verdict of the NetworkPolicy layer on one flow. */
export interface NpVerdict {
  readonly result: Tri;
  /** Which side decides (`egress` of the source or `ingress` of the destination) when not `yes`. */
  readonly side?: 'egress' | 'ingress';
  /** The policies isolating that side (`NetworkPolicy ns/name`), when not `yes`. */
  readonly policies: string[];
  /** Why, lowercase. */
  readonly reason: string;
}

/** What the evaluation needs besides the two endpoints. */
export interface NpFlow {
  readonly src: NpEndpoint;
  readonly dst: NpEndpoint;
  /** The destination port as the destination pod sees it (after Service DNAT). */
  readonly port: number;
  readonly protocol: string;
}

/** Namespace labels by name (`kubernetes.io/metadata.name` included); undefined when the namespace is unknown. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

/** The effective policy types of a NetworkPolicy, defaulted as the API server does. */
export function policyTypes(policy: any): string[] {
  const spec = policy?.spec ?? {};
  const declared: string[] = spec.policyTypes ?? [];
  if (declared.length > 0) return declared;
  return (spec.egress ?? []).length !== 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** Per policy list: the policies of each namespace, in list order (rebuilt when the list's length changes). */
const byNamespace = new WeakMap<any[], { length: number; map: Map<string, any[]> }>();

/** The policies of `namespace` (`metadata.namespace`, default `default`) among `policies`, in their order. */
export function policiesOfNamespace(policies: any[], namespace: string | undefined): any[] {
  let cached = byNamespace.get(policies);
  if (!cached || cached.length !== policies.length) {
    const map = new Map<string, any[]>();
    for (const p of policies) {
      const ns = p?.metadata?.namespace ?? 'default';
      const list = map.get(ns);
      if (list) list.push(p);
      else map.set(ns, [p]);
    }
    cached = { length: policies.length, map };
    byNamespace.set(policies, cached);
  }
  return (namespace === undefined ? undefined : cached.map.get(namespace)) ?? [];
}

/** `NetworkPolicy ns/name`. */
export function policyId(policy: any): string {
  return `NetworkPolicy ${policy?.metadata?.namespace ?? 'default'}/${policy?.metadata?.name ?? ''}`;
}

/**
 * Evaluate a flow through the NetworkPolicies of the cluster (every namespace's, the function picks those
 * that apply). Egress is decided first (the packet leaves the source first).
 */
export function evaluateNetworkPolicies(policies: any[], namespaceLabels: NamespaceLabels, flow: NpFlow): NpVerdict {
  const egress = flow.src.kind === 'pod' && !flow.src.hostNetwork
    ? side(policies, namespaceLabels, flow, 'Egress', flow.src, flow.dst)
    : undefined;
  const ingress = flow.dst.kind === 'pod' && !flow.dst.hostNetwork
    ? side(policies, namespaceLabels, flow, 'Ingress', flow.dst, flow.src)
    : undefined;
  for (const [name, v] of [['egress', egress], ['ingress', ingress]] as const) {
    if (v && v.result === 'no') return { result: 'no', side: name, policies: v.policies, reason: v.reason };
  }
  for (const [name, v] of [['egress', egress], ['ingress', ingress]] as const) {
    if (v && v.result === 'unknown') return { result: 'unknown', side: name, policies: v.policies, reason: v.reason };
  }
  return { result: 'yes', policies: [], reason: 'allowed' };
}

function side(policies: any[], namespaceLabels: NamespaceLabels, flow: NpFlow, type: 'Ingress' | 'Egress', self: NpEndpoint, peer: NpEndpoint): NpVerdict {
  const selecting = policiesOfNamespace(policies, self.namespace).filter((p) => policyTypes(p).includes(type)
    && selectorMatches(p?.spec?.podSelector ?? {}, self.labels));
  if (selecting.length === 0) return { result: 'yes', policies: [], reason: `no policy isolates the pod for ${type.toLowerCase()}` };
  let unknown: string | undefined;
  for (const p of selecting) {
    const rules: any[] = (type === 'Egress' ? p.spec?.egress : p.spec?.ingress) ?? [];
    for (const rule of rules) {
      const peers: any[] | undefined = type === 'Egress' ? rule?.to : rule?.from;
      const peerMatch: Match = !peers || peers.length === 0 ? { result: 'yes', why: '' } : any(peers.map((pp) => peerMatches(pp, p.metadata?.namespace ?? 'default', peer, namespaceLabels)));
      const portMatch = portsMatch(rule?.ports, flow);
      const m = and(peerMatch.result, portMatch.result);
      if (m === 'yes') return { result: 'yes', policies: [], reason: `allowed by ${policyId(p)}` };
      if (m === 'unknown') unknown ??= `${policyId(p)}: ${peerMatch.result === 'unknown' ? peerMatch.why : portMatch.why}`;
    }
  }
  const ids = selecting.map(policyId);
  if (unknown) return { result: 'unknown', policies: ids, reason: unknown };
  return {
    result: 'no',
    policies: ids,
    reason: `${type === 'Egress' ? 'the source' : 'the destination'} is isolated for ${type.toLowerCase()} by ${ids.join(', ')} and no rule allows ${type === 'Egress' ? 'this destination' : 'this source'} on ${flow.port}/${flow.protocol}`,
  };
}

interface Match { readonly result: Tri; readonly why: string }

function any(ms: Match[]): Match {
  if (ms.some((m) => m.result === 'yes')) return { result: 'yes', why: '' };
  const u = ms.find((m) => m.result === 'unknown');
  return u ?? { result: 'no', why: '' };
}

function and(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no';
  if (a === 'unknown' || b === 'unknown') return 'unknown';
  return 'yes';
}

/** Whether one NetworkPolicyPeer matches the other endpoint of the flow. */
export function peerMatches(peer: any, policyNamespace: string, other: NpEndpoint, namespaceLabels: NamespaceLabels): Match {
  if (peer?.ipBlock) return ipBlockMatches(peer.ipBlock, other);
  if (!peer?.podSelector && !peer?.namespaceSelector) return { result: 'no', why: 'empty peer' };
  if (other.kind !== 'pod' || other.hostNetwork) return { result: 'no', why: 'selectors select pods of the pod network only' };
  if (peer.namespaceSelector) {
    const labels = namespaceLabels(other.namespace ?? '');
    if (!labels) return { result: 'unknown', why: `the labels of namespace ${other.namespace} are not known from the output` };
    if (!selectorMatches(peer.namespaceSelector, labels)) return { result: 'no', why: '' };
  } else if (other.namespace !== policyNamespace) {
    return { result: 'no', why: '' };
  }
  if (peer.podSelector && !selectorMatches(peer.podSelector, other.labels)) return { result: 'no', why: '' };
  return { result: 'yes', why: '' };
}

/** Whether an ipBlock matches the endpoint (a known IP exactly; an unknown address by the scope it lies in). */
export function ipBlockMatches(block: any, other: NpEndpoint): Match {
  const cidr = parseCidr(block?.cidr);
  if (!cidr) return { result: 'unknown', why: `ipBlock cidr ${JSON.stringify(block?.cidr)} is not an IPv4 CIDR the twin models` };
  const excepts = (block.except ?? []).map((e: string) => ({ text: e, c: parseCidr(e) }));
  if (other.kind === 'ip') {
    const ip = parseIp(other.ip ?? '');
    if (ip === undefined) return { result: 'unknown', why: `address ${other.ip} is not an IPv4 address` };
    if (!contains(cidr, ip)) return { result: 'no', why: '' };
    for (const e of excepts) {
      if (!e.c) return { result: 'unknown', why: `ipBlock except ${e.text} is not an IPv4 CIDR` };
      if (contains(e.c, ip)) return { result: 'no', why: '' };
    }
    return { result: 'yes', why: '' };
  }
  // The address is unknown: pod, node and API server IPs are VPC-private (`cluster`), AWS endpoints public.
  const scope: AddressScope = other.kind === 'pod' ? 'cluster' : (other.scope ?? 'public');
  const ranges = scope === 'cluster' ? PRIVATE_RANGES : undefined;
  const what = other.kind === 'pod' ? 'the pod IP' : other.scope === 'cluster' ? 'the (VPC-private) address' : 'the (public) address';
  // Does the block cover the whole scope?
  const covers = scope === 'cluster' ? PRIVATE_RANGES.every((r) => within(r, cidr)) : cidr.bits === 0;
  const overlaps = scope === 'cluster' ? PRIVATE_RANGES.some((r) => overlap(r, cidr)) : !NON_PUBLIC_RANGES.some((r) => within(cidr, r));
  if (!overlaps) return { result: 'no', why: '' };
  if (!covers) return { result: 'unknown', why: `${what} is not known, and ipBlock ${block.cidr} covers only part of where it can lie` };
  for (const e of excepts) {
    if (!e.c) return { result: 'unknown', why: `ipBlock except ${e.text} is not an IPv4 CIDR` };
    const hit = ranges ? ranges.some((r) => overlap(r, e.c!)) : !NON_PUBLIC_RANGES.some((r) => within(e.c!, r));
    if (hit) return { result: 'unknown', why: `${what} is not known, and ipBlock ${block.cidr} excepts ${e.text}` };
  }
  return { result: 'yes', why: '' };
}

/** Whether a rule's ports match the flow's destination port. */
export function portsMatch(ports: any[] | undefined, flow: NpFlow): Match {
  if (!ports || ports.length === 0) return { result: 'yes', why: '' };
  const ms: Match[] = [];
  for (const p of ports) {
    const protocol = p?.protocol ?? 'TCP';
    if (protocol !== flow.protocol) { ms.push({ result: 'no', why: '' }); continue; }
    if (p.port === undefined || p.port === null) { ms.push({ result: 'yes', why: '' }); continue; }
    const n = typeof p.port === 'number' ? p.port : /^\d+$/.test(String(p.port)) ? Number(p.port) : undefined;
    if (n !== undefined) {
      const end = typeof p.endPort === 'number' ? p.endPort : n;
      ms.push({ result: flow.port >= n && flow.port <= end ? 'yes' : 'no', why: '' });
      continue;
    }
    // A named port: resolved against the destination pod's containers.
    if (flow.dst.kind !== 'pod') { ms.push({ result: 'no', why: '' }); continue; }
    if (!flow.dst.containers) { ms.push({ result: 'unknown', why: `named port ${p.port} cannot be resolved: the destination's containers are not known` }); continue; }
    const hit = flow.dst.containers.some((c) => (c?.ports ?? []).some((cp: any) => cp?.name === p.port && (cp.protocol ?? 'TCP') === protocol && cp.containerPort === flow.port));
    ms.push({ result: hit ? 'yes' : 'no', why: '' });
  }
  return any(ms);
}

// ---------------------------------------------------------------------------------------------------------
// IPv4 arithmetic (EKS clusters here are IPv4: pod, node and link-local agent addresses).

/** An IPv4 CIDR: base address (as an unsigned 32-bit number) and prefix length. */
export interface Cidr { readonly base: number; readonly bits: number }

/** Parse `a.b.c.d` to an unsigned 32-bit number. */
export function parseIp(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(String(text).trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((x) => x > 255)) return undefined;
  return ((parts[0] * 256 + parts[1]) * 256 + parts[2]) * 256 + parts[3];
}

/** Parse `a.b.c.d/n` (or a bare address as /32). */
export function parseCidr(text: unknown): Cidr | undefined {
  if (typeof text !== 'string') return undefined;
  if (cidrs.has(text)) return cidrs.get(text);
  const c = parseCidrText(text);
  if (cidrs.size > 10000) cidrs.clear();
  cidrs.set(text, c);
  return c;
}

/** Parsed CIDRs per text (a few distinct ones, read once per flow and rule). */
const cidrs = new Map<string, Cidr | undefined>();

function parseCidrText(text: string): Cidr | undefined {
  const [addr, len] = text.trim().split('/');
  const base = parseIp(addr);
  const bits = len === undefined ? 32 : /^\d{1,2}$/.test(len) ? Number(len) : NaN;
  if (base === undefined || !(bits >= 0 && bits <= 32)) return undefined;
  return { base: network(base, bits), bits };
}

/** The network address of `ip` under a prefix length (arithmetic, no bitwise operators). */
function network(ip: number, bits: number): number {
  const size = 2 ** (32 - bits);
  return Math.floor(ip / size) * size;
}

/** Whether the CIDR holds the address. */
export function contains(c: Cidr, ip: number): boolean {
  return network(ip, c.bits) === c.base;
}

/** Whether `inner` lies entirely within `outer`. */
function within(inner: Cidr, outer: Cidr): boolean {
  return inner.bits >= outer.bits && contains(outer, inner.base);
}

function overlap(a: Cidr, b: Cidr): boolean {
  return within(a, b) || within(b, a);
}

/** RFC 1918 and RFC 6598 (shared address space, usable as VPC secondary CIDR): where VPC pod/node IPs lie. */
const PRIVATE_RANGES: Cidr[] = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'].map((c) => parseCidr(c)!);
/** Ranges no public host lies in: private, link-local (RFC 3927), loopback. */
const NON_PUBLIC_RANGES: Cidr[] = [...PRIVATE_RANGES, parseCidr('169.254.0.0/16')!, parseCidr('127.0.0.0/8')!];
