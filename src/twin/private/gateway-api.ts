/**
 * Gateway API (gateway.networking.k8s.io, CRDs v1.5.1) as istiod 1.30.3 reads it, shared by the flows and references
 * checks: which listeners of a parent Gateway an HTTPRoute attaches to, and why not when it attaches to none.
 *
 * istio 1.30.3 pilot/pkg/config/kube/gateway/conversion.go:
 * - `referenceAllowed`: a parentRef's `port` and `sectionName` must name a listener (NoMatchingParent); then the route's
 *   hostnames must overlap the listener's hostname (NoMatchingListenerHostname) in a namespace the listener admits
 *   (NotAllowedByListeners); then the route's kind must be one the listener takes (NotAllowedByListeners);
 * - `namespacesFromSelector`: `allowedRoutes.namespaces.from` unset or Same = the Gateway's namespace, All = every
 *   namespace, Selector = the Namespaces whose labels (with `kubernetes.io/metadata.name`, `toNamespaceSet`) match
 *   the label selector (no selector: every namespace);
 * - conditions.go `allowedKinds`: HTTP and HTTPS listeners take HTTPRoute and GRPCRoute, TCP takes TCPRoute, TLS takes
 *   TLSRoute (and TCPRoute when it terminates); `allowedRoutes.kinds` narrows that list.
 * Without a `sectionName` (nor `port`) a route attaches to every listener that admits it.
 */
import { ObjectIndex, selectorMatches } from './model';
import { NamespaceLabels } from './network-policy';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const INFERENCE_GROUP = 'inference.networking.k8s.io';

/** Whether an object is a Gateway API object of the kind (any served version). */
export function isGatewayApi(o: any, kind: string): boolean {
  return o?.kind === kind && String(o?.apiVersion ?? '').startsWith(`${GATEWAY_API_GROUP}/`);
}

/** Whether a backendRef names a core Service (group '' and kind Service when unset: gatewaycommon.NormalizeReference). */
export function isServiceBackend(b: any): boolean {
  return !!b && typeof b === 'object' && (b.group ?? '') === '' && (b.kind ?? 'Service') === 'Service';
}

/** Whether a backendRef names an InferencePool (Gateway API Inference Extension). */
export function isInferencePoolBackend(b: any): boolean {
  return !!b && typeof b === 'object' && b.group === INFERENCE_GROUP && b.kind === 'InferencePool';
}

/** Whether a parentRef names a Gateway (group gateway.networking.k8s.io and kind Gateway when unset). */
export function isGatewayParent(ref: any): boolean {
  return !!ref && typeof ref === 'object' && (ref.kind ?? 'Gateway') === 'Gateway' && (ref.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP;
}

/** Why a route does not attach to a parent Gateway, in the twin's finding grammar. */
export interface AttachRefusal {
  /** The Gateway API route condition reason istiod writes (`NotAllowedByListeners`, ...). */
  readonly reason: string;
  readonly problem: string;
  readonly fix: string;
  readonly value: unknown;
}

/** How one parentRef of a route resolves. */
export interface ParentAttachment {
  /** The parent Gateway of the output, when there is one. */
  readonly gateway?: any;
  readonly namespace: string;
  readonly name: string;
  /** The listeners the route attaches to (with their index in spec.listeners). */
  readonly listeners: { listener: any; index: number }[];
  /** Why it attaches to none, when the Gateway exists. */
  readonly refusal?: AttachRefusal;
}

function list(v: any): any[] {
  return Array.isArray(v) ? v.filter((e) => e && typeof e === 'object') : [];
}

/** The route kinds a listener takes (conditions.go allowedKinds): by protocol, narrowed by allowedRoutes.kinds. */
export function listenerKinds(listener: any): string[] {
  const protocol = String(listener?.protocol ?? '');
  let supported: string[] = [];
  if (protocol === 'HTTP' || protocol === 'HTTPS') supported = ['HTTPRoute', 'GRPCRoute'];
  else if (protocol === 'TCP') supported = ['TCPRoute'];
  else if (protocol === 'TLS') supported = (listener?.tls?.mode ?? 'Terminate') === 'Terminate' ? ['TLSRoute', 'TCPRoute'] : ['TLSRoute'];
  const kinds = list(listener?.allowedRoutes?.kinds);
  if (kinds.length === 0) return supported;
  return supported.filter((s) => kinds.some((k) => k.kind === s && (k.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP));
}

/** Whether a listener admits routes of `routeNamespace` (conversion.go namespacesFromSelector). */
export function admitsNamespace(listener: any, gatewayNamespace: string, routeNamespace: string, namespaceLabels: NamespaceLabels): boolean {
  const ns = listener?.allowedRoutes?.namespaces;
  const from = ns?.from ?? 'Same';
  if (from === 'Same') return routeNamespace === gatewayNamespace;
  if (from === 'All') return true;
  if (!ns?.selector || typeof ns.selector !== 'object') return true; // "Should never happen, invalid config": istiod allows all
  return selectorMatches(ns.selector, namespaceLabels(routeNamespace));
}

/** Whether two hostnames overlap (Istio host.Name.Matches, both ways; `*.example.com` covers any depth below). */
export function hostnamesOverlap(a: string, b: string): boolean {
  if (a === b || a === '*' || b === '*') return true;
  const wa = a.startsWith('*.');
  const wb = b.startsWith('*.');
  if (wa && wb) return a.length <= b.length ? b.endsWith(a.slice(1)) : a.endsWith(b.slice(1));
  if (wa) return b.endsWith(a.slice(1));
  if (wb) return a.endsWith(b.slice(1));
  return false;
}

/** Whether the route's hostnames overlap the listener's hostname (either unset: any). */
function hostnameMatches(listener: any, route: any): boolean {
  const hostnames: string[] = Array.isArray(route?.spec?.hostnames) ? route.spec.hostnames.filter((h: any) => typeof h === 'string') : [];
  if (typeof listener?.hostname !== 'string' || hostnames.length === 0) return true;
  return hostnames.some((h) => hostnamesOverlap(listener.hostname, h));
}

/** How a listener's allowedRoutes.namespaces reads in a message. */
function admittedDescription(listener: any, gatewayNamespace: string): string {
  const ns = listener?.allowedRoutes?.namespaces;
  const from = ns?.from ?? 'Same';
  if (from === 'Same') return `routes of its own namespace ${gatewayNamespace} only (allowedRoutes.namespaces.from ${ns?.from ? 'Same' : 'unset: Same'})`;
  return `routes of namespaces matching ${JSON.stringify(ns?.selector ?? {})} only`;
}

/** The fix for a namespace refusal: name the listener's field and what to add. */
function namespaceFix(
  gatewayId: string, listener: any, index: number, gatewayNamespace: string, routeNamespace: string, labels: Record<string, string>,
): string {
  const at = `spec.listeners[${index}].allowedRoutes.namespaces of ${gatewayId} (listener '${listener?.name}')`;
  const ns = listener?.allowedRoutes?.namespaces;
  if ((ns?.from ?? 'Same') === 'Same') {
    return `set ${at} to from: Selector with a selector matching namespace ${routeNamespace} (e.g. kubernetes.io/metadata.name In [${routeNamespace}]), or put the route in namespace ${gatewayNamespace}`;
  }
  const byName = list(ns?.selector?.matchExpressions).find((e) => e.key === 'kubernetes.io/metadata.name' && e.operator === 'In');
  if (byName) {
    return `add '${routeNamespace}' to the kubernetes.io/metadata.name In values of ${at} (the namespaces of the routes it serves)`;
  }
  return `make the selector of ${at} match the labels of namespace ${routeNamespace} (${JSON.stringify(labels)}), or label the namespace to match`;
}

/**
 * Resolve one parentRef of a route: its Gateway among `gateways` (Gateway API Gateways) and the listeners it attaches
 * to, or why none. `route` is the route object (its namespace, hostnames and kind are read).
 */
export function attachParent(gateways: any[], route: any, ref: any, namespaceLabels: NamespaceLabels): ParentAttachment {
  const routeNs = String(route?.metadata?.namespace ?? 'default');
  const routeKind = String(route?.kind ?? 'HTTPRoute');
  const namespace = String(ref?.namespace ?? routeNs);
  const name = String(ref?.name ?? '');
  const gateway = gateways.find((g) => g?.metadata?.name === name && String(g?.metadata?.namespace ?? 'default') === namespace);
  if (!gateway) return { namespace, name, listeners: [] };
  const gatewayId = ObjectIndex.id(gateway);
  const all = list(gateway.spec?.listeners).map((listener, index) => ({ listener, index }));
  const names = all.map((l) => String(l.listener.name)).join(', ') || 'none';
  // 1. port and sectionName name listeners (NoMatchingParent)
  let candidates = all;
  if (ref?.port !== undefined) {
    candidates = candidates.filter((l) => l.listener.port === ref.port);
    if (candidates.length === 0) {
      return {
        gateway,
        namespace,
        name,
        listeners: [],
        refusal: {
          reason: 'NoMatchingParent',
          problem: `names port ${ref.port} of ${gatewayId}, which has no listener on it (listeners: ${all.map((l) => `${l.listener.name} ${l.listener.port}`).join(', ') || 'none'}): Istio does not attach the route (NoMatchingParent) and it gets no traffic`,
          fix: `use the port of a listener of ${gatewayId} or drop parentRefs.port`,
          value: ref.port,
        },
      };
    }
  }
  if (typeof ref?.sectionName === 'string' && ref.sectionName !== '') {
    candidates = candidates.filter((l) => l.listener.name === ref.sectionName);
    if (candidates.length === 0) {
      return {
        gateway,
        namespace,
        name,
        listeners: [],
        refusal: {
          reason: 'NoMatchingParent',
          problem: `names listener '${ref.sectionName}' of ${gatewayId}, which has listeners ${names}: Istio does not attach the route (NoMatchingParent, sectionName not found) and it gets no traffic`,
          fix: `use a listener name of ${gatewayId} (${names}) or add a listener named '${ref.sectionName}'`,
          value: ref.sectionName,
        },
      };
    }
  }
  // 2. hostnames in an admitted namespace, then the route kind
  const labels = namespaceLabels(routeNs);
  const attached = candidates.filter((l) => hostnameMatches(l.listener, route) && admitsNamespace(l.listener, namespace, routeNs, namespaceLabels)
    && listenerKinds(l.listener).includes(routeKind));
  if (attached.length > 0) return { gateway, namespace, name, listeners: attached };
  const byHost = candidates.filter((l) => hostnameMatches(l.listener, route));
  const ofKind = byHost.filter((l) => listenerKinds(l.listener).includes(routeKind));
  const which = (ls: { listener: any }[]) => ls.map((l) => `'${l.listener.name}'`).join(', ');
  if (ofKind.length > 0) {
    // the listeners that take the route's kind and hostnames refuse its namespace
    const first = ofKind[0];
    return {
      gateway,
      namespace,
      name,
      listeners: [],
      refusal: {
        reason: 'NotAllowedByListeners',
        problem: `attaches to ${gatewayId} (listener${ofKind.length > 1 ? 's' : ''} ${which(ofKind)}), which admits ${admittedDescription(first.listener, namespace)}, not namespace ${routeNs}: `
          + 'Istio does not attach the route (NotAllowedByListeners) and it gets no traffic',
        fix: namespaceFix(gatewayId, first.listener, first.index, namespace, routeNs, labels ?? {}),
        value: routeNs,
      },
    };
  }
  if (byHost.length > 0) {
    return {
      gateway,
      namespace,
      name,
      listeners: [],
      refusal: {
        reason: 'NotAllowedByListeners',
        problem: `attaches to ${gatewayId} listener${byHost.length > 1 ? 's' : ''} ${which(byHost)}, which take${byHost.length > 1 ? '' : 's'} no ${routeKind} (${byHost.map((l) => `${l.listener.name}: ${listenerKinds(l.listener).join(', ') || 'none'}`).join('; ')}): `
          + 'Istio does not attach the route (NotAllowedByListeners) and it gets no traffic',
        fix: `attach the route to an HTTP or HTTPS listener (sectionName), or add ${routeKind} to the listener's allowedRoutes.kinds`,
        value: routeKind,
      },
    };
  }
  const hosts = candidates.map((l) => l.listener.hostname).filter((h) => typeof h === 'string');
  return {
    gateway,
    namespace,
    name,
    listeners: [],
    refusal: {
      reason: 'NoMatchingListenerHostname',
      problem: `has hostnames ${JSON.stringify(route?.spec?.hostnames ?? [])}, none of which matches the hostname of a listener of ${gatewayId} (${hosts.join(', ')}): Istio does not attach the route (NoMatchingListenerHostname) and it gets no traffic`,
      fix: 'use a hostname the listener serves, or widen the listener\'s hostname (e.g. a wildcard)',
      value: route?.spec?.hostnames,
    },
  };
}

/** Whether a ReferenceGrant in the target's namespace lets `from` (group, kind, namespace) refer to the target (group, kind, name). */
export function referenceGranted(
  grants: any[], from: { group: string; kind: string; namespace: string }, to: { group: string; kind: string; namespace: string; name: string },
): boolean {
  return grants.some((g) => String(g?.metadata?.namespace ?? 'default') === to.namespace
    && list(g.spec?.from).some((f) => (f.group ?? '') === from.group && f.kind === from.kind && f.namespace === from.namespace)
    && list(g.spec?.to).some((t) => (t.group ?? '') === to.group && t.kind === to.kind && (t.name === undefined || t.name === '' || t.name === to.name)));
}
