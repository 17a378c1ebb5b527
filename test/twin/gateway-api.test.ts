import { App } from 'cdk8s';
import { spec } from '../../examples/reference/platform';
import { KubernetesPlatform } from '../../src/platform';
import { PlatformTwin } from '../../src/twin';
import { admitsNamespace, attachParent, hostnamesOverlap, isServiceBackend, listenerKinds, referenceGranted } from '../../src/twin/private/gateway-api';

/** Gateway API route attachment as istiod 1.30.3 does it (pilot/pkg/config/kube/gateway/conversion.go, conditions.go). */
describe('Gateway API semantics', () => {
  const labels = (ns: string) => ({ 'kubernetes.io/metadata.name': ns, ...(ns === 'search' ? { 'llm-platform.io/tenant': 'search' } : {}) });

  test('allowedRoutes.namespaces: unset and Same = the Gateway\'s namespace, All = any, Selector on the namespace labels (no selector: any)', () => {
    expect(admitsNamespace({}, 'istio-ingress', 'istio-ingress', labels)).toBe(true);
    expect(admitsNamespace({}, 'istio-ingress', 'search', labels)).toBe(false);
    expect(admitsNamespace({ allowedRoutes: { namespaces: { from: 'Same' } } }, 'istio-ingress', 'search', labels)).toBe(false);
    expect(admitsNamespace({ allowedRoutes: { namespaces: { from: 'All' } } }, 'istio-ingress', 'search', labels)).toBe(true);
    const byName = { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['search'] }] } } } };
    expect(admitsNamespace(byName, 'istio-ingress', 'search', labels)).toBe(true);
    expect(admitsNamespace(byName, 'istio-ingress', 'vision', labels)).toBe(false);
    const byLabel = { allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { 'llm-platform.io/tenant': 'search' } } } } };
    expect(admitsNamespace(byLabel, 'istio-ingress', 'search', labels)).toBe(true);
    expect(admitsNamespace(byLabel, 'istio-ingress', 'support', labels)).toBe(false);
    expect(admitsNamespace({ allowedRoutes: { namespaces: { from: 'Selector' } } }, 'istio-ingress', 'support', labels)).toBe(true);
  });

  test('route kinds by listener protocol, narrowed by allowedRoutes.kinds', () => {
    expect(listenerKinds({ protocol: 'HTTPS' })).toEqual(['HTTPRoute', 'GRPCRoute']);
    expect(listenerKinds({ protocol: 'HTTP', allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }] } })).toEqual(['HTTPRoute']);
    expect(listenerKinds({ protocol: 'TCP' })).toEqual(['TCPRoute']);
    expect(listenerKinds({ protocol: 'TLS', tls: { mode: 'Passthrough' } })).toEqual(['TLSRoute']);
    expect(listenerKinds({ protocol: 'TLS' })).toEqual(['TLSRoute', 'TCPRoute']);
  });

  test('hostnames overlap both ways, a wildcard covering any depth below it', () => {
    expect(hostnamesOverlap('llm.example.com', 'llm.example.com')).toBe(true);
    expect(hostnamesOverlap('*.example.com', 'llm.example.com')).toBe(true);
    expect(hostnamesOverlap('llm.example.com', '*.example.com')).toBe(true);
    expect(hostnamesOverlap('*.example.com', 'a.b.example.com')).toBe(true);
    expect(hostnamesOverlap('*.example.com', 'example.com')).toBe(false);
    expect(hostnamesOverlap('*.com', '*.example.com')).toBe(true);
    expect(hostnamesOverlap('llm.example.com', 'chat.example.com')).toBe(false);
  });

  test('backendRefs: group \'\' and kind Service by default', () => {
    expect(isServiceBackend({ name: 'x', port: 80 })).toBe(true);
    expect(isServiceBackend({ group: '', kind: 'Service', name: 'x' })).toBe(true);
    expect(isServiceBackend({ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'x' })).toBe(false);
    expect(isServiceBackend(null)).toBe(false);
  });

  test('attachParent: the listeners a parentRef attaches to, or why none', () => {
    const gw = {
      kind: 'Gateway',
      metadata: { name: 'gw', namespace: 'istio-ingress' },
      spec: { listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', allowedRoutes: { namespaces: { from: 'All' } } }, { name: 'http', port: 80, protocol: 'HTTP' }] },
    };
    const route = (ns: string) => ({ kind: 'HTTPRoute', metadata: { namespace: ns, name: 'r' }, spec: {} });
    expect(attachParent([gw], route('search'), { name: 'gw', namespace: 'istio-ingress' }, labels).listeners.map((l) => l.listener.name)).toEqual(['https']);
    expect(attachParent([gw], route('istio-ingress'), { name: 'gw' }, labels).listeners.map((l) => l.listener.name)).toEqual(['https', 'http']);
    expect(attachParent([gw], route('search'), { name: 'gw', namespace: 'istio-ingress', sectionName: 'http' }, labels).refusal?.reason).toBe('NotAllowedByListeners');
    expect(attachParent([gw], route('search'), { name: 'gw', namespace: 'istio-ingress', port: 80 }, labels).refusal?.reason).toBe('NotAllowedByListeners');
    expect(attachParent([gw], route('search'), { name: 'gw', namespace: 'istio-ingress', port: 8080 }, labels).refusal?.reason).toBe('NoMatchingParent');
    expect(attachParent([gw], route('search'), { name: 'gw' }, labels).gateway).toBeUndefined(); // the route's namespace by default
  });

  test('ReferenceGrants: in the target\'s namespace, from the referring kind and namespace, to the kind (and name, when set)', () => {
    const grant = { metadata: { namespace: 'shared' }, spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'search' }], to: [{ group: '', kind: 'Service', name: 'a' }] } };
    const from = { group: 'gateway.networking.k8s.io', kind: 'HTTPRoute', namespace: 'search' };
    expect(referenceGranted([grant], from, { group: '', kind: 'Service', namespace: 'shared', name: 'a' })).toBe(true);
    expect(referenceGranted([grant], from, { group: '', kind: 'Service', namespace: 'shared', name: 'b' })).toBe(false);
    expect(referenceGranted([grant], { ...from, namespace: 'vision' }, { group: '', kind: 'Service', namespace: 'shared', name: 'a' })).toBe(false);
    expect(referenceGranted([grant], from, { group: '', kind: 'Service', namespace: 'other', name: 'a' })).toBe(false);
  });
});

describe("a Gateway bound to a gateway deployment by its Service's host", () => {
  // the reference on the Gateway API path: its Gateway names the istio gateway chart's Service (an add-on render)
  const objects: any[] = new KubernetesPlatform(new App(), 'acme', { spec }).manifests().map((m: any) => m.resource);
  const withAddress = (value: string) => objects.map((o) => (o.kind === 'Gateway' && o.apiVersion === 'gateway.networking.k8s.io/v1'
    ? { ...o, spec: { ...o.spec, addresses: [{ type: 'Hostname', value }] } } : o));

  test("the add-on's Service resolves it", () => {
    expect(PlatformTwin.check(objects).problems.filter((p: any) => p.field === 'spec.addresses[0].value')).toEqual([]);
  });

  test('a Service nothing creates, or a host that is no Service, is a problem with the fix', () => {
    const missing: any = PlatformTwin.check(withAddress('istio-ingressgateway.istio-ingress.svc.cluster.local')).problems
      .find((p: any) => p.field === 'spec.addresses[0].value');
    expect(missing.object).toBe('Gateway istio-ingress/llm-gateway');
    expect(missing.problem).toMatch(/binds the Gateway to Service istio-ingress\/istio-ingressgateway, which neither the output nor an add-on it installs creates/);
    expect(missing.fix).toMatch(/istio-ingress\.istio-ingress\.svc\.cluster\.local/);
    const notHost: any = PlatformTwin.check(withAddress('gateway.example.com')).problems.find((p: any) => p.field === 'spec.addresses[0].value');
    expect(notHost.problem).toMatch(/is not a Service host/);
  });
});
