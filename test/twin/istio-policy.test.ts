import {
  effectiveMtls, evaluateAuthorization, evaluateOutbound, hasSidecar, hostMatches, inboundCaptured, meshSettingsOf, MeshSettings, OutboundConfig,
  policyMatches, proxyOf, readMeshSettings, serviceEntryFor, sidecarFor, stringMatch,
} from '../../src/twin/private/istio-policy';
import { ObjectIndex } from '../../src/twin/private/model';

function istiodApp(values: any, extra: any = {}): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-istiod', namespace: 'argocd' },
    spec: {
      destination: { namespace: 'istio-system' },
      source: { chart: 'istiod', targetRevision: '1.30.3', helm: { valuesObject: values } },
      ...extra,
    },
  };
}

const MESH: MeshSettings = readMeshSettings(new ObjectIndex([istiodApp({ meshConfig: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } })]));
const ALLOW_ANY: MeshSettings = { ...MESH, outboundMode: 'ALLOW_ANY' };

/** A pod after native-sidecar injection: istio-init, istio-proxy (restartPolicy Always), then the app's init containers. */
interface InjectedOptions {
  ns?: string; labels?: any; annotations?: any; appInits?: any[]; native?: boolean; initArgs?: string[]; cni?: boolean;
}
function injected(opts: InjectedOptions = {}): any {
  const native = opts.native ?? true;
  const proxy = {
    name: 'istio-proxy', image: 'proxyv2', ...(native ? { restartPolicy: 'Always' } : {}), ports: [{ name: 'http-envoy-prom', containerPort: 15090 }],
  };
  const args = ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'];
  const init = { name: opts.cni ? 'istio-validation' : 'istio-init', args: opts.initArgs ?? args };
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace: opts.ns ?? 'search', labels: opts.labels ?? { app: 'model' }, annotations: opts.annotations ?? {} },
    spec: {
      serviceAccountName: 'model',
      initContainers: [init, ...(native ? [proxy] : []), ...(opts.appInits ?? [{ name: 'fetch-weights' }])],
      containers: [{ name: 'server', ports: [{ name: 'http', containerPort: 8000 }] }, ...(native ? [] : [proxy])],
    },
  };
}

const plain = { apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'monitoring', labels: { app: 'prometheus' } }, spec: { containers: [{ name: 'prometheus' }] } };
const gateway = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'istio-ingress', labels: { istio: 'ingressgateway' } },
  spec: { serviceAccountName: 'istio-ingressgateway', containers: [{ name: 'istio-proxy', args: ['proxy', 'router'] }] },
};

describe('mesh settings', () => {
  test('no istiod Application: not installed, Istio defaults', () => {
    const m = readMeshSettings(new ObjectIndex([]));
    expect(m).toMatchObject({ installed: false, rootNamespace: 'istio-system', trustDomain: 'cluster.local', outboundMode: 'ALLOW_ANY', enableAutoMtls: true, statusPort: 15020 });
  });
  test('valuesObject: outboundTrafficPolicy, rootNamespace, trustDomain, proxy ranges', () => {
    const m = readMeshSettings(new ObjectIndex([istiodApp({
      meshConfig: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, rootNamespace: 'mesh-root', trustDomain: 'acme.local', enableAutoMtls: false },
      global: { proxy: { excludeIPRanges: '169.254.170.23/32' } },
    })]));
    expect(m).toMatchObject({
      installed: true,
      source: 'Application argocd/prod-istiod',
      version: '1.30.3',
      rootNamespace: 'mesh-root',
      trustDomain: 'acme.local',
      outboundMode: 'REGISTRY_ONLY',
      enableAutoMtls: false,
      excludeIPRanges: '169.254.170.23/32',
      includeIPRanges: '*',
    });
  });
  test('values YAML string and spec.sources are read too', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'i', namespace: 'argocd' },
      spec: { destination: { namespace: 'istio-system' }, sources: [{ chart: 'base' }, { chart: 'istiod', targetRevision: '1.26.2', helm: { values: 'meshConfig:\n  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\n' } }] },
    };
    const m = readMeshSettings(new ObjectIndex([app]));
    expect(m.outboundMode).toBe('REGISTRY_ONLY');
    expect(m.nativeSidecars).toBe(false);
  });
  test('native sidecars: Istio >= 1.27 default, env and compatibilityVersion override', () => {
    expect(readMeshSettings(new ObjectIndex([istiodApp({})])).nativeSidecars).toBe(true);
    expect(readMeshSettings(new ObjectIndex([istiodApp({ pilot: { env: { ENABLE_NATIVE_SIDECARS: 'false' } } })])).nativeSidecars).toBe(false);
    expect(readMeshSettings(new ObjectIndex([istiodApp({ compatibilityVersion: '1.26' })])).nativeSidecars).toBe(false);
  });
  test('meshSettingsOf reads through the pod inventory\'s istioMeshOf and agrees on the mode', () => {
    const index = new ObjectIndex([istiodApp({ meshConfig: { outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' } } })]);
    const m = meshSettingsOf(index);
    expect(m).toMatchObject({ installed: true, outboundMode: 'REGISTRY_ONLY', rootNamespace: 'istio-system', statusPort: 15020 });
    expect(meshSettingsOf(new ObjectIndex([])).installed).toBe(false);
  });
});

describe('proxy and inbound capture', () => {
  test('native sidecar, classic sidecar, gateway, none', () => {
    expect(proxyOf(injected())).toMatchObject({ native: true, initIndex: 1, gateway: false });
    expect(proxyOf(injected({ native: false }))).toMatchObject({ native: false, initIndex: -1, gateway: false });
    expect(proxyOf(gateway)).toMatchObject({ gateway: true });
    expect(proxyOf(plain)).toBeUndefined();
    expect(hasSidecar(gateway)).toBe(false);
    expect(hasSidecar(injected())).toBe(true);
  });
  test('the proxy ports 15090, 15021 and the status port 15020 are never captured inbound', () => {
    for (const p of [15090, 15021, 15020]) expect(inboundCaptured(injected(), p, MESH)).toBe(false);
    expect(inboundCaptured(injected(), 8000, MESH)).toBe(true);
  });
  test('excludeInboundPorts and includeInboundPorts annotations (no istio-init args)', () => {
    const pod = injected({ annotations: { 'traffic.sidecar.istio.io/excludeInboundPorts': '8000' }, initArgs: [] });
    expect(inboundCaptured(pod, 8000, MESH)).toBe(false);
    const only = injected({ annotations: { 'traffic.sidecar.istio.io/includeInboundPorts': '9000' }, initArgs: [] });
    expect(inboundCaptured(only, 8000, MESH)).toBe(false);
    expect(inboundCaptured(only, 9000, MESH)).toBe(true);
    expect(inboundCaptured(plain, 8000, MESH)).toBe(false);
  });
});

describe('PeerAuthentication', () => {
  const pa = (ns: string, name: string, spec: any) => ({ apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { namespace: ns, name }, spec });
  const labels = { app: 'model' };
  test('no policy: PERMISSIVE', () => {
    expect(effectiveMtls([], 'istio-system', 'search', labels, 8000)).toEqual({ mode: 'PERMISSIVE', policy: '', field: '' });
  });
  test('mesh-wide in the root namespace applies everywhere', () => {
    expect(effectiveMtls([pa('istio-system', 'default', { mtls: { mode: 'STRICT' } })], 'istio-system', 'search', labels, 8000))
      .toEqual({ mode: 'STRICT', policy: 'PeerAuthentication istio-system/default', field: 'spec.mtls.mode' });
  });
  test('namespace-wide overrides mesh-wide; workload selector overrides namespace-wide', () => {
    const all = [
      pa('istio-system', 'default', { mtls: { mode: 'STRICT' } }),
      pa('search', 'default', { mtls: { mode: 'PERMISSIVE' } }),
    ];
    expect(effectiveMtls(all, 'istio-system', 'search', labels, 8000).mode).toBe('PERMISSIVE');
    const withWorkload = [...all, pa('search', 'model', { selector: { matchLabels: labels }, mtls: { mode: 'DISABLE' } })];
    expect(effectiveMtls(withWorkload, 'istio-system', 'search', labels, 8000)).toMatchObject({ mode: 'DISABLE', policy: 'PeerAuthentication search/model' });
    expect(effectiveMtls(withWorkload, 'istio-system', 'search', { app: 'other' }, 8000).mode).toBe('PERMISSIVE');
  });
  test('UNSET inherits from the parent', () => {
    const all = [pa('istio-system', 'default', { mtls: { mode: 'STRICT' } }), pa('search', 'default', { mtls: { mode: 'UNSET' } })];
    expect(effectiveMtls(all, 'istio-system', 'search', labels, 8000).mode).toBe('STRICT');
  });
  test('portLevelMtls applies with a selector, to the workload port only', () => {
    const all = [
      pa('search', 'default', { mtls: { mode: 'STRICT' } }),
      pa('search', 'metrics', { selector: { matchLabels: labels }, portLevelMtls: { 8000: { mode: 'PERMISSIVE' } } }),
    ];
    expect(effectiveMtls(all, 'istio-system', 'search', labels, 8000)).toEqual({ mode: 'PERMISSIVE', policy: 'PeerAuthentication search/metrics', field: 'spec.portLevelMtls.8000.mode' });
    expect(effectiveMtls(all, 'istio-system', 'search', labels, 9000)).toMatchObject({ mode: 'STRICT', policy: 'PeerAuthentication search/default' });
  });
  test('a selector policy in the root namespace is not mesh-wide', () => {
    const all = [pa('istio-system', 'sel', { selector: { matchLabels: labels }, mtls: { mode: 'STRICT' } })];
    expect(effectiveMtls(all, 'istio-system', 'search', labels, 8000).mode).toBe('PERMISSIVE');
  });
});

describe('AuthorizationPolicy', () => {
  const ap = (ns: string, name: string, spec: any) => ({ apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { namespace: ns, name }, spec });
  const labels = { app: 'model' };
  const mtlsFrom = (ns: string, sa: string) => ({ mtls: true, principal: `cluster.local/ns/${ns}/sa/${sa}`, port: 8000, http: true, method: 'GET', path: '/metrics' });
  const plaintext = { mtls: false, port: 8000, http: true, method: 'GET', path: '/metrics' };
  const evalOn = (policies: any[], req: any) => evaluateAuthorization(policies, 'istio-system', 'search', labels, req);

  test('no policy: allowed', () => {
    expect(evalOn([], plaintext).result).toBe('yes');
  });
  test('an empty spec allows nothing', () => {
    const v = evalOn([ap('search', 'deny-all', {})], mtlsFrom('search', 'a'));
    expect(v).toMatchObject({ result: 'no', policy: 'AuthorizationPolicy search/deny-all' });
    expect(v.reason).toContain('allows nothing');
  });
  test('ALLOW by principal matches mTLS clients only', () => {
    const p = ap('search', 'allow', { rules: [{ from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/gw'] } }] }] });
    expect(evalOn([p], mtlsFrom('istio-ingress', 'gw')).result).toBe('yes');
    expect(evalOn([p], mtlsFrom('istio-ingress', 'other')).result).toBe('no');
    expect(evalOn([p], { ...plaintext }).result).toBe('no');
  });
  test('ALLOW by namespace: the namespace comes from the peer certificate', () => {
    const p = ap('search', 'allow', { rules: [{ from: [{ source: { namespaces: ['monitoring'] } }] }] });
    expect(evalOn([p], mtlsFrom('monitoring', 'prometheus')).result).toBe('yes');
    const v = evalOn([p], plaintext);
    expect(v.result).toBe('no');
    expect(v.reason).toContain('the client is not mTLS');
  });
  test('DENY wins over ALLOW', () => {
    const allow = ap('search', 'allow', { rules: [{}] });
    const deny = ap('search', 'deny', { action: 'DENY', rules: [{ to: [{ operation: { ports: ['8000'] } }] }] });
    expect(evalOn([allow, deny], mtlsFrom('search', 'a'))).toMatchObject({ result: 'no', policy: 'AuthorizationPolicy search/deny' });
    expect(evalOn([allow, deny], { ...mtlsFrom('search', 'a'), port: 9000 }).result).toBe('yes');
  });
  test('a DENY without rules denies nothing', () => {
    expect(evalOn([ap('search', 'deny', { action: 'DENY' })], plaintext).result).toBe('yes');
  });
  test('CUSTOM is not modelled', () => {
    expect(evalOn([ap('search', 'ext', { action: 'CUSTOM', provider: { name: 'x' }, rules: [{}] })], plaintext).result).toBe('unknown');
  });
  test('notPrincipals matches plaintext (no principal)', () => {
    const deny = ap('search', 'deny-plain', { action: 'DENY', rules: [{ from: [{ source: { notPrincipals: ['*'] } }] }] });
    expect(evalOn([deny], plaintext).result).toBe('no');
    expect(evalOn([deny], mtlsFrom('search', 'a')).result).toBe('yes');
  });
  test('ports and notPorts', () => {
    const p = ap('search', 'allow', { rules: [{ to: [{ operation: { ports: ['8000'] } }] }] });
    expect(evalOn([p], plaintext).result).toBe('yes');
    expect(evalOn([p], { ...plaintext, port: 8001 }).result).toBe('no');
    const np = ap('search', 'allow', { rules: [{ to: [{ operation: { notPorts: ['8000'] } }] }] });
    expect(evalOn([np], plaintext).result).toBe('no');
  });
  test('HTTP-only fields on TCP: never match for ALLOW, ignored for DENY', () => {
    const tcp = { mtls: true, principal: 'cluster.local/ns/a/sa/b', port: 8000, http: false };
    const p = { spec: { rules: [{ to: [{ operation: { methods: ['GET'] } }] }] } };
    expect(policyMatches(p, tcp, 'ALLOW')).toBe('no');
    expect(policyMatches(p, tcp, 'DENY')).toBe('yes');
  });
  test('methods and paths: known values decide, unknown ones are unknown', () => {
    const p = ap('search', 'allow', { rules: [{ to: [{ operation: { methods: ['GET'], paths: ['/metrics'] } }] }] });
    expect(evalOn([p], plaintext).result).toBe('yes');
    expect(evalOn([p], { ...plaintext, path: '/v1/completions' }).result).toBe('no');
    expect(evalOn([p], { mtls: false, port: 8000, http: true }).result).toBe('unknown');
    const notPaths = ap('search', 'allow', { rules: [{ to: [{ operation: { notPaths: ['/admin*'] } }] }] });
    expect(evalOn([notPaths], { ...plaintext, path: '/admin/x' }).result).toBe('no');
  });
  test('when conditions: source.namespace, destination.port; others unknown', () => {
    const p = ap('search', 'allow', { rules: [{ when: [{ key: 'source.namespace', values: ['monitoring'] }, { key: 'destination.port', values: ['8000'] }] }] });
    expect(evalOn([p], mtlsFrom('monitoring', 'p')).result).toBe('yes');
    expect(evalOn([p], mtlsFrom('search', 'p')).result).toBe('no');
    const h = ap('search', 'allow', { rules: [{ when: [{ key: 'request.headers[x]', values: ['1'] }] }] });
    expect(evalOn([h], plaintext).result).toBe('unknown');
  });
  test('root-namespace policies apply everywhere; selectors and targetRefs scope policies', () => {
    expect(evalOn([ap('istio-system', 'deny-all', {})], plaintext).result).toBe('no');
    expect(evalOn([ap('search', 'other', { selector: { matchLabels: { app: 'x' } } })], plaintext).result).toBe('yes');
    expect(evalOn([ap('search', 'waypoint', { targetRefs: [{ kind: 'Gateway', name: 'w' }] })], plaintext).result).toBe('yes');
    expect(evalOn([ap('other', 'deny-all', {})], plaintext).result).toBe('yes');
  });
  test('source ipBlocks are unknown (pod IPs are not in the output)', () => {
    const p = ap('search', 'allow', { rules: [{ from: [{ source: { ipBlocks: ['10.0.0.0/8'] } }] }] });
    expect(evalOn([p], plaintext).result).toBe('unknown');
  });
  test('string matching: exact, prefix, suffix, presence', () => {
    expect(stringMatch('*', 'x')).toBe(true);
    expect(stringMatch('*', '')).toBe(false);
    expect(stringMatch('/api/*', '/api/x')).toBe(true);
    expect(stringMatch('*.svc', 'a.svc')).toBe(true);
    expect(stringMatch('a', 'b')).toBe(false);
    expect(stringMatch('a', undefined)).toBe(false);
  });
});

describe('outbound', () => {
  const se = (ns: string, name: string, spec: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { namespace: ns, name }, spec });
  const cfg = (extra: Partial<OutboundConfig> = {}): OutboundConfig => ({ mesh: MESH, serviceEntries: [], sidecars: [], ...extra });
  const s3 = { kind: 'host' as const, hosts: ['s3.us-east-1.amazonaws.com', 'bucket.s3.us-east-1.amazonaws.com'] };
  const agent = { kind: 'ip' as const, ip: '169.254.170.23' };

  test('no sidecar, gateway, proxy UID, UDP: not captured', () => {
    expect(evaluateOutbound(cfg(), { pod: plain, container: 'prometheus', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    expect(evaluateOutbound(cfg(), { pod: gateway, container: 'istio-proxy', dest: { kind: 'service', namespace: 'search', hosts: ['m.search.svc.cluster.local'] }, port: 8000, protocol: 'TCP' }))
      .toMatchObject({ result: 'yes', viaProxy: true });
    const uid = injected();
    uid.spec.containers[0].securityContext = { runAsUser: 1337 };
    expect(evaluateOutbound(cfg(), { pod: uid, container: 'server', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    expect(evaluateOutbound(cfg(), { pod: injected(), container: 'server', dest: { kind: 'pod' }, port: 53, protocol: 'UDP' }).result).toBe('yes');
    expect(evaluateOutbound(cfg(), { pod: injected(), container: 'istio-proxy', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
  });
  test('REGISTRY_ONLY without a ServiceEntry blocks an external host (defect 5: S3)', () => {
    const v = evaluateOutbound(cfg(), { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' });
    expect(v).toMatchObject({ result: 'no', viaProxy: true, blockedBy: 'meshConfig.outboundTrafficPolicy REGISTRY_ONLY' });
    expect(v.reason).toBe('no ServiceEntry covers the hosts s3.us-east-1.amazonaws.com, bucket.s3.us-east-1.amazonaws.com on port 443');
    expect(v.fix).toContain('add a ServiceEntry (hosts: [s3.us-east-1.amazonaws.com, bucket.s3.us-east-1.amazonaws.com], port 443 TLS');
  });
  test('REGISTRY_ONLY without a ServiceEntry blocks the Pod Identity agent (defect 5)', () => {
    const v = evaluateOutbound(cfg(), { pod: injected(), container: 'fetch-weights', dest: agent, port: 80, protocol: 'TCP' });
    expect(v).toMatchObject({ result: 'no', blockedBy: 'meshConfig.outboundTrafficPolicy REGISTRY_ONLY' });
    expect(v.fix).toContain('traffic.sidecar.istio.io/excludeOutboundIPRanges: "169.254.170.23/32"');
  });
  test('ALLOW_ANY passes external traffic through', () => {
    expect(evaluateOutbound({ ...cfg(), mesh: ALLOW_ANY }, { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
  });
  test('a ServiceEntry covering every host and the port lets it through', () => {
    const entry = se('istio-system', 's3', { hosts: ['s3.us-east-1.amazonaws.com', '*.s3.us-east-1.amazonaws.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], location: 'MESH_EXTERNAL', resolution: 'DNS' });
    expect(evaluateOutbound(cfg({ serviceEntries: [entry] }), { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    const partial = se('istio-system', 's3', { hosts: ['s3.us-east-1.amazonaws.com'], ports: [{ number: 443 }] });
    const v = evaluateOutbound(cfg({ serviceEntries: [partial] }), { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' });
    expect(v.reason).toContain('covers the host bucket.s3.us-east-1.amazonaws.com');
    const wrongPort = se('istio-system', 's3', { hosts: ['*.amazonaws.com', 's3.us-east-1.amazonaws.com'], ports: [{ number: 80 }] });
    expect(evaluateOutbound(cfg({ serviceEntries: [wrongPort] }), { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('no');
  });
  test('ServiceEntry exportTo: "." only its own namespace, names, "~" none', () => {
    const hosts = ['s3.us-east-1.amazonaws.com', '*.s3.us-east-1.amazonaws.com'];
    expect(serviceEntryFor([se('other', 's3', { hosts, exportTo: ['.'] })], 'search', { host: hosts[0] }, 443)).toBeUndefined();
    expect(serviceEntryFor([se('search', 's3', { hosts, exportTo: ['.'] })], 'search', { host: hosts[0] }, 443)).toBeDefined();
    expect(serviceEntryFor([se('other', 's3', { hosts, exportTo: ['search'] })], 'search', { host: hosts[0] }, 443)).toBeDefined();
    expect(serviceEntryFor([se('search', 's3', { hosts, exportTo: ['~'] })], 'search', { host: hosts[0] }, 443)).toBeUndefined();
  });
  test('a ServiceEntry address covers a link-local agent', () => {
    const entry = se('istio-system', 'pod-identity', { hosts: ['eks-pod-identity-agent.local'], addresses: ['169.254.170.23/32'], ports: [{ number: 80 }], resolution: 'STATIC' });
    expect(evaluateOutbound(cfg({ serviceEntries: [entry] }), { pod: injected(), container: 'fetch-weights', dest: agent, port: 80, protocol: 'TCP' }).result).toBe('yes');
  });
  test('capture exclusions: excludeOutboundIPRanges, excludeOutboundPorts, includeOutboundIPRanges', () => {
    const exIp = injected({ initArgs: ['istio-iptables', '-i', '*', '-x', '169.254.170.23/32'] });
    expect(evaluateOutbound(cfg(), { pod: exIp, container: 'fetch-weights', dest: agent, port: 80, protocol: 'TCP' }).result).toBe('yes');
    expect(evaluateOutbound(cfg(), { pod: exIp, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('no');
    const exPort = injected({ initArgs: [], annotations: { 'traffic.sidecar.istio.io/excludeOutboundPorts': '443' } });
    expect(evaluateOutbound(cfg(), { pod: exPort, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    const none = injected({ initArgs: [], annotations: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '' } });
    expect(evaluateOutbound(cfg(), { pod: none, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    const vpcOnly = injected({ initArgs: [], annotations: { 'traffic.sidecar.istio.io/includeOutboundIPRanges': '10.0.0.0/8' } });
    expect(evaluateOutbound(cfg(), { pod: vpcOnly, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    // A link-local exclusion does not concern Services and pods (VPC-private addresses); a VPC range might.
    const svc = { kind: 'service' as const, namespace: 'kube-system', hosts: ['kube-dns.kube-system.svc.cluster.local'] };
    expect(evaluateOutbound(cfg(), { pod: exIp, container: 'server', dest: svc, port: 53, protocol: 'TCP' })).toMatchObject({ result: 'yes', viaProxy: true });
    const vpc = injected({ initArgs: ['istio-iptables', '-i', '*', '-x', '10.0.0.0/16'] });
    expect(evaluateOutbound(cfg(), { pod: vpc, container: 'server', dest: svc, port: 53, protocol: 'TCP' }).result).toBe('unknown');
    expect(evaluateOutbound(cfg(), { pod: vpc, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('no');
    const someRange = injected({ initArgs: [], annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '52.216.0.0/15' } });
    expect(evaluateOutbound(cfg(), { pod: someRange, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('unknown');
  });
  test('init containers: classic sidecar not running yet blocks; before istio-init not captured; native sidecar first routes', () => {
    const classic = evaluateOutbound(cfg({ mesh: ALLOW_ANY }), { pod: injected({ native: false }), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' });
    expect(classic).toMatchObject({ result: 'no', blockedBy: 'istio-iptables' });
    expect(classic.reason).toContain('not a native sidecar');
    const before = injected({ native: false });
    before.spec.initContainers = [{ name: 'fetch-weights' }, ...before.spec.initContainers.filter((c: any) => c.name !== 'fetch-weights')];
    expect(evaluateOutbound(cfg(), { pod: before, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    const late = injected();
    late.spec.initContainers = [late.spec.initContainers[0], { name: 'fetch-weights' }, late.spec.initContainers[1]];
    expect(evaluateOutbound(cfg({ mesh: ALLOW_ANY }), { pod: late, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).reason).toContain('the native sidecar starts after it');
    // With Istio CNI there is no istio-init: capture is set up before any container.
    const cni = injected({ native: false, cni: true });
    expect(evaluateOutbound(cfg({ mesh: ALLOW_ANY }), { pod: cni, container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('no');
  });
  test('a pod IP dialled directly: blackholed under REGISTRY_ONLY, passed under ALLOW_ANY', () => {
    expect(evaluateOutbound(cfg(), { pod: injected(), container: 'server', dest: { kind: 'pod' }, port: 8000, protocol: 'TCP' }).result).toBe('no');
    expect(evaluateOutbound({ ...cfg(), mesh: ALLOW_ANY }, { pod: injected(), container: 'server', dest: { kind: 'pod' }, port: 8000, protocol: 'TCP' }).result).toBe('yes');
  });
  test('Sidecar egress hosts narrow Services and ServiceEntries; its outboundTrafficPolicy overrides the mesh', () => {
    const sc = (spec: any, ns = 'search') => ({ apiVersion: 'networking.istio.io/v1', kind: 'Sidecar', metadata: { namespace: ns, name: 'default' }, spec });
    const svc = { kind: 'service' as const, namespace: 'monitoring', hosts: ['prometheus.monitoring.svc.cluster.local'] };
    const narrow = sc({ egress: [{ hosts: ['./*', 'istio-system/*'] }] });
    expect(evaluateOutbound(cfg({ sidecars: [narrow] }), { pod: injected(), container: 'server', dest: svc, port: 9090, protocol: 'TCP' }))
      .toMatchObject({ result: 'no', blockedBy: 'Sidecar search/default' });
    const wide = sc({ egress: [{ hosts: ['monitoring/*'] }] });
    expect(evaluateOutbound(cfg({ sidecars: [wide] }), { pod: injected(), container: 'server', dest: svc, port: 9090, protocol: 'TCP' }).result).toBe('yes');
    const allowAny = sc({ egress: [{ hosts: ['./*'] }], outboundTrafficPolicy: { mode: 'ALLOW_ANY' } });
    expect(evaluateOutbound(cfg({ sidecars: [allowAny] }), { pod: injected(), container: 'server', dest: svc, port: 9090, protocol: 'TCP' }).result).toBe('yes');
    const entry = se('istio-system', 's3', { hosts: ['s3.us-east-1.amazonaws.com', '*.s3.us-east-1.amazonaws.com'], ports: [{ number: 443 }] });
    expect(evaluateOutbound(cfg({ sidecars: [narrow], serviceEntries: [entry] }), { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).result).toBe('yes');
    const noIstio = sc({ egress: [{ hosts: ['./*'] }] });
    expect(evaluateOutbound(cfg({ sidecars: [noIstio], serviceEntries: [entry] }), { pod: injected(), container: 'fetch-weights', dest: s3, port: 443, protocol: 'TCP' }).reason)
      .toContain('visible through Sidecar search/default');
  });
  test('Sidecar selection: workload selector, then namespace-wide, then the root namespace', () => {
    const sc = (ns: string, name: string, spec: any) => ({ kind: 'Sidecar', metadata: { namespace: ns, name }, spec });
    const root = sc('istio-system', 'root', {});
    const nsWide = sc('search', 'ns', {});
    const wl = sc('search', 'wl', { workloadSelector: { labels: { app: 'model' } } });
    expect(sidecarFor([root, nsWide, wl], 'istio-system', injected()).metadata.name).toBe('wl');
    expect(sidecarFor([root, nsWide], 'istio-system', injected()).metadata.name).toBe('ns');
    expect(sidecarFor([root], 'istio-system', injected()).metadata.name).toBe('root');
    expect(sidecarFor([], 'istio-system', injected())).toBeUndefined();
  });
  test('host matching', () => {
    expect(hostMatches('*.amazonaws.com', 'b.s3.us-east-1.amazonaws.com')).toBe(true);
    expect(hostMatches('*.amazonaws.com', 'amazonaws.com')).toBe(false);
    expect(hostMatches('S3.amazonaws.com', 's3.amazonaws.com')).toBe(true);
    expect(hostMatches('*', 'x')).toBe(true);
    // Hosts of an unknown region: the region the pattern names, else any.
    expect(hostMatches('*.s3.eu-west-1.amazonaws.com', 'b.s3.<region>.amazonaws.com')).toBe(true);
    expect(hostMatches('s3.eu-west-1.amazonaws.com', 's3.<region>.amazonaws.com')).toBe(true);
    expect(hostMatches('*.amazonaws.com', 's3.<region>.amazonaws.com')).toBe(true);
    expect(hostMatches('*.s3.eu-west-1.amazonaws.com', 's3.<region>.amazonaws.com')).toBe(false);
    expect(hostMatches('*.example.com', 's3.<region>.amazonaws.com')).toBe(false);
  });
});
