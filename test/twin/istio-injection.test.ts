import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import {
  IGNORED_NAMESPACES, ISTIO_VERSION, IstioMesh, inject, injectionOf, injectorWebhooks, istioMeshOf, istiodChartDefaults, sidecarCapture,
} from '../../src/twin/private/istio-injection';
import { ObjectIndex } from '../../src/twin/private/model';

const UPSTREAM = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'istio');
const TEMPLATE = fs.readFileSync(path.join(UPSTREAM, 'injection-template.yaml'), 'utf8');
const WEBHOOK = fs.readFileSync(path.join(UPSTREAM, 'mutatingwebhook.yaml'), 'utf8');

function istiodApp(valuesObject: any = {}, extra: any = {}): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-istiod', namespace: 'argocd' },
    spec: {
      destination: { namespace: 'istio-system', server: 'https://kubernetes.default.svc' },
      project: 'platform',
      source: { chart: 'istiod', repoURL: 'https://istio-release.storage.googleapis.com/charts', targetRevision: '1.30.3', helm: { releaseName: 'istiod', valuesObject, ...extra } },
    },
  };
}

function cniApp(): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-istio-cni', namespace: 'argocd' },
    spec: { destination: { namespace: 'istio-system' }, source: { chart: 'cni', repoURL: 'https://istio-release.storage.googleapis.com/charts', targetRevision: '1.30.3' } },
  };
}

function ns(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function pod(opts: { namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; spec?: any } = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'model-', namespace: opts.namespace ?? 'search', labels: { 'app.kubernetes.io/name': 'model', ...(opts.labels ?? {}) }, annotations: opts.annotations ?? {} },
    spec: opts.spec ?? {
      initContainers: [{ name: 'fetch-weights', image: 'aws-cli' }],
      containers: [{
        name: 'server',
        image: 'vllm',
        ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }],
        readinessProbe: { httpGet: { path: '/health', port: 'http', scheme: 'HTTPS' }, timeoutSeconds: 5 },
        livenessProbe: { tcpSocket: { port: 8000 } },
      }],
    },
  };
}

function meshOf(objects: any[], options = {}): IstioMesh {
  const m = istioMeshOf(new ObjectIndex(objects), options);
  if (!m) throw new Error('no mesh');
  return m;
}

const names = (list: any[] | undefined) => (list ?? []).map((c) => c.name);
const container = (p: any, name: string) => [...(p.spec.initContainers ?? []), ...(p.spec.containers ?? [])].find((c: any) => c.name === name);
const envOf = (c: any, name: string) => (c.env ?? []).find((e: any) => e.name === name);

describe('istioMeshOf', () => {
  test('undefined when no Application installs the istiod chart', () => {
    expect(istioMeshOf(new ObjectIndex([ns('search'), cniApp()]))).toBeUndefined();
  });

  test('chart defaults: version, namespace, default revision, ALLOW_ANY, metrics merging, proxy image, no CNI, native sidecars (assumed)', () => {
    const mesh = meshOf([istiodApp()]);
    expect(mesh.version).toBe('1.30.3');
    expect(ISTIO_VERSION).toBe('1.30.3');
    expect(mesh.application).toBe('Application argocd/prod-istiod');
    expect(mesh.namespace).toBe('istio-system');
    expect(mesh.revision).toBe('');
    expect(mesh.outboundTrafficPolicy).toBe('ALLOW_ANY');
    expect(mesh.enablePrometheusMerge).toBe(true);
    expect(mesh.extensionProviders.map((p) => p.name)).toEqual(['prometheus', 'stackdriver', 'envoy']);
    expect(mesh.defaultConfig.statusPort).toBe(15020);
    expect(mesh.defaultConfig.interceptionMode).toBe('REDIRECT');
    expect(mesh.defaultConfig.discoveryAddress).toBe('istiod.istio-system.svc:15012');
    expect(mesh.meshConfig.defaultProviders).toEqual({ metrics: ['prometheus'] });
    expect(mesh.proxyImage).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(mesh.autoInject).toBe('enabled');
    expect(mesh.cni).toBe(false);
    expect(mesh.cniEnabledInValues).toBe(false);
    expect(mesh.cniChartInstalled).toBe(false);
    expect(mesh.nativeSidecars).toBe(true);
    expect(mesh.notes).toEqual(['Application argocd/prod-istiod: native sidecars assumed on (ENABLE_NATIVE_SIDECARS=auto and kubelets 1.33 or newer)']);
  });

  test('meshConfig from the Application: outbound policy, providers merged by name, metrics merging off', () => {
    const mesh = meshOf([istiodApp({
      meshConfig: {
        outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
        enablePrometheusMerge: false,
        extensionProviders: [{ name: 'otel', opentelemetry: { service: 'c.observability.svc.cluster.local', port: 4317 } }, { name: 'envoy', envoyFileAccessLog: { path: '/dev/stderr' } }],
      },
    })]);
    expect(mesh.outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(mesh.enablePrometheusMerge).toBe(false);
    expect(mesh.extensionProviders).toEqual([
      { name: 'prometheus', prometheus: {} }, { name: 'stackdriver', stackdriver: {} }, { name: 'envoy', envoyFileAccessLog: { path: '/dev/stderr' } },
      { name: 'otel', opentelemetry: { service: 'c.observability.svc.cluster.local', port: 4317 } },
    ]);
  });

  test('values YAML string and parameters are read; parameters win', () => {
    const app = istiodApp(undefined as any, { values: 'meshConfig:\n  outboundTrafficPolicy:\n    mode: REGISTRY_ONLY\nglobal:\n  hub: a.example/istio\n', parameters: [{ name: 'global.tag', value: '1.30.3-distroless' }] });
    delete app.spec.source.helm.valuesObject;
    const mesh = meshOf([app]);
    expect(mesh.outboundTrafficPolicy).toBe('REGISTRY_ONLY');
    expect(mesh.proxyImage).toBe('a.example/istio/proxyv2:1.30.3-distroless');
  });

  test('valueFiles, profiles, another istiod and another version are said in notes', () => {
    const a = istiodApp({ profile: 'ambient' }, { valueFiles: ['prod.yaml'] });
    a.spec.source.targetRevision = '1.29.0';
    const b = istiodApp();
    b.metadata.name = 'canary-istiod';
    const mesh = meshOf([a, b]);
    expect(mesh.version).toBe('1.29.0');
    expect(mesh.notes).toEqual(expect.arrayContaining([
      'Application argocd/canary-istiod: a second istiod installation (revisions) not modelled; Application argocd/prod-istiod is the mesh',
      'Application argocd/prod-istiod: istiod 1.29.0 modelled with the vendored 1.30.3 injection template and chart defaults',
      'Application argocd/prod-istiod: helm.valueFiles prod.yaml not modelled (only inline values are read)',
      'Application argocd/prod-istiod: Istio profile/compatibilityVersion/platform values not modelled (the chart defaults are used)',
    ]));
  });

  test('CNI needs both the istiod values (cni.enabled or pilot.cni.enabled) and the cni chart', () => {
    expect(meshOf([istiodApp({ cni: { enabled: true } })]).cni).toBe(false);
    const half = meshOf([istiodApp({ pilot: { cni: { enabled: true } } })]);
    expect(half.cniEnabledInValues).toBe(true);
    expect(half.notes.join('\n')).toContain('cni.enabled is set but no Application installs the Istio cni chart');
    expect(meshOf([istiodApp({ pilot: { cni: { enabled: true } } }), cniApp()]).cni).toBe(true);
    expect(meshOf([istiodApp({ cni: { enabled: true } }), cniApp()]).cni).toBe(true);
    expect(meshOf([istiodApp(), cniApp()]).cni).toBe(false);
    const legacy = meshOf([istiodApp({ istio_cni: { enabled: true } }), cniApp()]);
    expect(legacy.cni).toBe(false);
    expect(legacy.notes).toContain('Application argocd/prod-istiod: istio_cni.* is not read by the istiod 1.30.3 chart (its key is cni.enabled or pilot.cni.enabled)');
  });

  test('native sidecars: auto follows the kubelet version (1.33+), the env setting wins', () => {
    expect(meshOf([istiodApp()], { kubeletMinorVersion: 32 }).nativeSidecars).toBe(false);
    const m = meshOf([istiodApp()], { kubeletMinorVersion: 33 });
    expect(m.nativeSidecars).toBe(true);
    expect(m.notes).toEqual([]);
    expect(meshOf([istiodApp({ env: { ENABLE_NATIVE_SIDECARS: 'false' } })]).nativeSidecars).toBe(false);
    expect(meshOf([istiodApp({ pilot: { env: { ENABLE_NATIVE_SIDECARS: 'true' } } })], { kubeletMinorVersion: 30 }).nativeSidecars).toBe(true);
  });

  test('revision names the injector webhooks and CA address', () => {
    const mesh = meshOf([istiodApp({ revision: 'canary' })]);
    expect(mesh.revision).toBe('canary');
    expect(injectorWebhooks(mesh).map((w) => w.name)).toEqual(['rev.namespace.sidecar-injector.istio.io', 'rev.object.sidecar-injector.istio.io']);
    expect(mesh.defaultConfig.discoveryAddress).toBe('istiod-canary.istio-system.svc:15012');
  });
});

describe('injectionOf', () => {
  const mesh = meshOf([istiodApp()]);

  test('namespace labelled istio-injection=enabled: injected through the namespace webhook', () => {
    expect(injectionOf(pod(), ns('search', { 'istio-injection': 'enabled' }), mesh)).toEqual({ inject: true, reason: 'webhook namespace.sidecar-injector.istio.io', webhook: 'namespace.sidecar-injector.istio.io' });
  });

  test('namespace labelled istio.io/rev=default: the revision webhook', () => {
    expect(injectionOf(pod(), ns('search', { 'istio.io/rev': 'default' }), mesh).webhook).toBe('rev.namespace.sidecar-injector.istio.io');
  });

  test('pod label sidecar.istio.io/inject=false opts out', () => {
    expect(injectionOf(pod({ labels: { 'sidecar.istio.io/inject': 'false' } }), ns('search', { 'istio-injection': 'enabled' }), mesh))
      .toEqual({ inject: false, reason: 'pod label sidecar.istio.io/inject=false' });
  });

  test('pod annotation sidecar.istio.io/inject=false opts out inside istiod (injectRequired)', () => {
    const d = injectionOf(pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }), ns('search', { 'istio-injection': 'enabled' }), mesh);
    expect(d).toEqual({ inject: false, reason: 'pod annotation sidecar.istio.io/inject=false', webhook: 'namespace.sidecar-injector.istio.io' });
  });

  test('unlabelled namespace: no sidecar unless the pod label asks for one', () => {
    expect(injectionOf(pod(), ns('search'), mesh).inject).toBe(false);
    expect(injectionOf(pod(), undefined, mesh).reason).toBe('namespace search is not labelled for injection (istio-injection=enabled or istio.io/rev=default)');
    expect(injectionOf(pod({ labels: { 'sidecar.istio.io/inject': 'true' } }), ns('search'), mesh)).toEqual({ inject: true, reason: 'webhook object.sidecar-injector.istio.io', webhook: 'object.sidecar-injector.istio.io' });
  });

  test('istio-injection=disabled wins over the pod label', () => {
    expect(injectionOf(pod({ labels: { 'sidecar.istio.io/inject': 'true' } }), ns('search', { 'istio-injection': 'disabled' }), mesh))
      .toEqual({ inject: false, reason: 'namespace label istio-injection=disabled' });
  });

  test('hostNetwork pods and ignored namespaces are never injected', () => {
    expect(injectionOf(pod({ spec: { hostNetwork: true, containers: [{ name: 'c', image: 'i' }] } }), ns('search', { 'istio-injection': 'enabled' }), mesh).reason).toBe('hostNetwork pod');
    expect(IGNORED_NAMESPACES).toEqual(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);
    expect(injectionOf(pod({ namespace: 'kube-system' }), ns('kube-system', { 'istio-injection': 'enabled' }), mesh).reason).toBe('namespace kube-system is never injected');
  });

  test('neverInjectSelector, alwaysInjectSelector and autoInject disabled', () => {
    const never = meshOf([istiodApp({ sidecarInjectorWebhook: { neverInjectSelector: [{ matchLabels: { batch: 'yes' } }] } })]);
    expect(injectionOf(pod({ labels: { batch: 'yes' } }), ns('search', { 'istio-injection': 'enabled' }), never).inject).toBe(false);
    const disabled = meshOf([istiodApp({ global: { proxy: { autoInject: 'disabled' } }, sidecarInjectorWebhook: { alwaysInjectSelector: [{ matchLabels: { mesh: 'yes' } }] } })]);
    expect(injectionOf(pod(), ns('search', { 'istio-injection': 'enabled' }), disabled).inject).toBe(false);
    expect(injectionOf(pod({ labels: { mesh: 'yes' } }), ns('search', { 'istio-injection': 'enabled' }), disabled).inject).toBe(true);
    expect(injectionOf(pod({ labels: { 'sidecar.istio.io/inject': 'true' } }), ns('search', { 'istio-injection': 'enabled' }), disabled).inject).toBe(true);
  });

  test('enableNamespacesByDefault injects unlabelled namespaces except the system ones', () => {
    const auto = meshOf([istiodApp({ sidecarInjectorWebhook: { enableNamespacesByDefault: true } })]);
    expect(injectionOf(pod(), ns('search'), auto).webhook).toBe('auto.sidecar-injector.istio.io');
    expect(injectionOf(pod({ namespace: 'kube-public' }), undefined, auto).inject).toBe(false);
  });

  test('no mesh, no injection', () => {
    expect(injectionOf(pod(), ns('search', { 'istio-injection': 'enabled' }), undefined)).toEqual({ inject: false, reason: 'no istiod in the output' });
  });

  test('operatorManageWebhooks leaves no injector webhook', () => {
    expect(injectorWebhooks(meshOf([istiodApp({ global: { operatorManageWebhooks: true } })]))).toEqual([]);
  });
});

describe('inject', () => {
  const search = ns('search', { 'istio-injection': 'enabled' });

  test('native sidecar without CNI: istio-init then istio-proxy (restartPolicy Always) before the app init containers', () => {
    const mesh = meshOf([istiodApp()]);
    const { pod: p, mutations } = inject(pod(), search, mesh, { name: 'llama3-8b-stable', kind: 'Deployment', apiVersion: 'apps/v1' });
    expect(names(p.spec.initContainers)).toEqual(['istio-init', 'istio-proxy', 'fetch-weights']);
    expect(names(p.spec.containers)).toEqual(['server']);
    const proxy = container(p, 'istio-proxy');
    expect(proxy.restartPolicy).toBe('Always');
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(proxy.ports).toEqual([{ containerPort: 15090, protocol: 'TCP', name: 'http-envoy-prom' }]);
    expect(proxy.lifecycle).toEqual({ preStop: { exec: { command: ['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain'] } } });
    expect(proxy.readinessProbe).toEqual({ httpGet: { path: '/healthz/ready', port: 15021 }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 });
    expect(proxy.startupProbe.failureThreshold).toBe(600);
    expect(proxy.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 });
    expect(proxy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } });
    expect(envOf(proxy, 'ISTIO_META_OWNER').value).toBe('kubernetes://apis/apps/v1/namespaces/search/deployments/llama3-8b-stable');
    expect(envOf(proxy, 'ISTIO_META_WORKLOAD_NAME').value).toBe('llama3-8b-stable');
    expect(envOf(proxy, 'CA_ADDR').value).toBe('istiod.istio-system.svc:15012');
    expect(envOf(proxy, 'ISTIO_META_APP_CONTAINERS').value).toBe('server');
    const init = container(p, 'istio-init');
    expect(init.image).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(init.securityContext).toEqual({
      allowPrivilegeEscalation: false,
      privileged: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    });
    expect(init.args).toEqual(['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info']);
    expect(names(p.spec.volumes)).toEqual(['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert', 'istio-ca-crl']);
    expect(p.metadata.labels).toMatchObject({ 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'model', 'service.istio.io/canonical-revision': 'latest' });
    expect(p.metadata.annotations).toMatchObject({ 'istio.io/rev': 'default', 'kubectl.kubernetes.io/default-container': 'server', 'kubectl.kubernetes.io/default-logs-container': 'server' });
    expect(JSON.parse(p.metadata.annotations['sidecar.istio.io/status'])).toEqual({
      initContainers: ['istio-init', 'istio-proxy'],
      containers: null,
      volumes: ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert', 'istio-ca-crl'],
      imagePullSecrets: null,
      revision: 'default',
    });
    expect(mutations[0]).toBe('istio 1.30.3 sidecar injection (native sidecar, istio-init)');
  });

  test('the input pod is not changed', () => {
    const input = pod();
    const before = JSON.stringify(input);
    inject(input, search, meshOf([istiodApp()]));
    expect(JSON.stringify(input)).toBe(before);
  });

  test('classic sidecar (kubelet < 1.33): istio-proxy last in containers, istio-init after the app init containers', () => {
    const mesh = meshOf([istiodApp()], { kubeletMinorVersion: 31 });
    const { pod: p, mutations } = inject(pod(), search, mesh);
    expect(names(p.spec.initContainers)).toEqual(['fetch-weights', 'istio-init']);
    expect(names(p.spec.containers)).toEqual(['server', 'istio-proxy']);
    expect(container(p, 'istio-proxy').restartPolicy).toBeUndefined();
    expect(container(p, 'istio-proxy').lifecycle).toBeUndefined();
    expect(mutations[0]).toBe('istio 1.30.3 sidecar injection (sidecar container, istio-init)');
  });

  test('holdApplicationUntilProxyStarts (classic sidecar): proxy first with a postStart wait', () => {
    const mesh = meshOf([istiodApp({ meshConfig: { defaultConfig: { holdApplicationUntilProxyStarts: true } } })], { kubeletMinorVersion: 31 });
    const { pod: p } = inject(pod(), search, mesh);
    expect(names(p.spec.containers)).toEqual(['istio-proxy', 'server']);
    expect(container(p, 'istio-proxy').lifecycle).toEqual({ postStart: { exec: { command: ['pilot-agent', 'wait'] } } });
  });

  test('Istio CNI: istio-validation runs as 1337 without capabilities, and the capture settings move to annotations', () => {
    const mesh = meshOf([istiodApp({ cni: { enabled: true } }), cniApp()]);
    const { pod: p, mutations } = inject(pod({ annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.170.23/32' } }), search, mesh);
    expect(names(p.spec.initContainers)).toEqual(['istio-validation', 'istio-proxy', 'fetch-weights']);
    expect(container(p, 'istio-init')).toBeUndefined();
    const v = container(p, 'istio-validation');
    expect(v.securityContext).toEqual({ allowPrivilegeEscalation: false, privileged: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsUser: 1337, runAsNonRoot: true });
    expect(v.args.slice(-2)).toEqual(['--run-validation', '--skip-rule-apply']);
    expect(v.args).toContain('169.254.170.23/32');
    expect(p.metadata.annotations).toMatchObject({
      'sidecar.istio.io/interceptionMode': 'REDIRECT',
      'traffic.sidecar.istio.io/includeOutboundIPRanges': '*',
      'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.170.23/32',
      'traffic.sidecar.istio.io/includeInboundPorts': '*',
      'traffic.sidecar.istio.io/excludeInboundPorts': '15020',
    });
    expect(mutations[0]).toBe('istio 1.30.3 sidecar injection (native sidecar, istio-validation (Istio CNI))');
  });

  test('pod annotations the template reads: proxy resources, proxy image, exclusions, status port', () => {
    const mesh = meshOf([istiodApp()]);
    const { pod: p } = inject(pod({
      annotations: {
        'sidecar.istio.io/proxyCPU': '50m',
        'sidecar.istio.io/proxyMemoryLimit': '256Mi',
        'sidecar.istio.io/proxyImage': 'reg.example/mirror/proxyv2@sha256:abc',
        'traffic.sidecar.istio.io/excludeOutboundPorts': '443',
        'traffic.sidecar.istio.io/excludeInboundPorts': '9000',
      },
    }), search, mesh);
    const proxy = container(p, 'istio-proxy');
    expect(proxy.resources).toEqual({ requests: { cpu: '50m' }, limits: { memory: '256Mi' } });
    expect(proxy.image).toBe('reg.example/mirror/proxyv2@sha256:abc');
    const init = container(p, 'istio-init');
    expect(init.image).toBe('reg.example/mirror/proxyv2@sha256:abc');
    expect(init.resources).toEqual({ requests: { cpu: '50m' }, limits: { memory: '256Mi' } });
    expect(init.args).toEqual(expect.arrayContaining(['-o', '443']));
    expect(init.args[init.args.indexOf('-d') + 1]).toBe('15090,15021,9000,15020');
  });

  test('global.hub/global.tag, a registry-less proxy image value and the seccomp profile', () => {
    const mesh = meshOf([istiodApp({ global: { hub: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/istio', tag: '1.30.3', proxy: { seccompProfile: { type: 'RuntimeDefault' } } } })]);
    const { pod: p } = inject(pod(), search, mesh);
    expect(container(p, 'istio-proxy').image).toBe('123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/istio/proxyv2:1.30.3');
    expect(container(p, 'istio-proxy').securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(container(p, 'istio-init').securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
  });

  test('mirrored, digest-pinned images in global.proxy.image / global.proxy_init.image are used verbatim', () => {
    const ref = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/istio/proxyv2@sha256:' + 'a'.repeat(64);
    const mesh = meshOf([istiodApp({ global: { proxy: { image: ref }, proxy_init: { image: ref } } })]);
    const { pod: p } = inject(pod(), search, mesh);
    expect(container(p, 'istio-proxy').image).toBe(ref);
    expect(container(p, 'istio-init').image).toBe(ref);
  });

  test('metrics merging: the pod\'s prometheus.io annotations move to ISTIO_PROMETHEUS_ANNOTATIONS and point at 15020', () => {
    const mesh = meshOf([istiodApp()]);
    const { pod: p, mutations } = inject(pod({ annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000', 'prometheus.io/path': '/metrics' } }), search, mesh);
    expect(p.metadata.annotations).toMatchObject({ 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/scrape': 'true' });
    expect(JSON.parse(envOf(container(p, 'istio-proxy'), 'ISTIO_PROMETHEUS_ANNOTATIONS').value)).toEqual({ scrape: 'true', path: '/metrics', port: '8000' });
    expect(mutations).toContain('prometheus.io annotations rewritten to the merged metrics endpoint :15020/stats/prometheus');
  });

  test('metrics merging off (mesh or pod) or scrape=false: annotations untouched', () => {
    const off = meshOf([istiodApp({ meshConfig: { enablePrometheusMerge: false } })]);
    expect(inject(pod(), search, off).pod.metadata.annotations['prometheus.io/port']).toBeUndefined();
    const on = meshOf([istiodApp()]);
    expect(inject(pod({ annotations: { 'prometheus.istio.io/merge-metrics': 'false' } }), search, on).pod.metadata.annotations['prometheus.io/port']).toBeUndefined();
    expect(inject(pod({ annotations: { 'prometheus.io/scrape': 'false' } }), search, on).pod.metadata.annotations).toMatchObject({ 'prometheus.io/scrape': 'false' });
  });

  test('app probes are rewritten to the status port; rewriteAppHTTPProbers=false keeps them', () => {
    const mesh = meshOf([istiodApp()]);
    const { pod: p } = inject(pod(), search, mesh);
    const server = container(p, 'server');
    expect(server.readinessProbe).toEqual({ httpGet: { path: '/app-health/server/readyz', port: 15020, scheme: 'HTTP' }, timeoutSeconds: 5 });
    expect(server.livenessProbe).toEqual({ httpGet: { path: '/app-health/server/livez', port: 15020 } });
    expect(JSON.parse(envOf(container(p, 'istio-proxy'), 'ISTIO_KUBE_APP_PROBERS').value)).toEqual({
      '/app-health/server/readyz': { httpGet: { path: '/health', port: 'http', scheme: 'HTTPS' }, timeoutSeconds: 5 },
      '/app-health/server/livez': { tcpSocket: { port: 8000 } },
    });
    const kept = inject(pod({ annotations: { 'sidecar.istio.io/rewriteAppHTTPProbers': 'false' } }), search, mesh).pod;
    expect(container(kept, 'server').readinessProbe.httpGet.path).toBe('/health');
  });

  test('interceptionMode NONE on a classic sidecar: no init container', () => {
    const mesh = meshOf([istiodApp()], { kubeletMinorVersion: 31 });
    const { pod: p } = inject(pod({ annotations: { 'sidecar.istio.io/interceptionMode': 'NONE' } }), search, mesh);
    expect(names(p.spec.initContainers)).toEqual(['fetch-weights']);
  });

  test('a user-defined istio-proxy container overrides the injected one', () => {
    const mesh = meshOf([istiodApp()], { kubeletMinorVersion: 31 });
    const spec = { containers: [{ name: 'server', image: 'x' }, { name: 'istio-proxy', image: 'auto', resources: { limits: { cpu: '1' } } }] };
    const { pod: p } = inject(pod({ spec }), search, mesh);
    expect(names(p.spec.containers)).toEqual(['server', 'istio-proxy']);
    expect(container(p, 'istio-proxy').image).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(container(p, 'istio-proxy').resources).toEqual({ limits: { cpu: '1' } });
  });

  test('sidecarCapture reports what bypasses the proxy', () => {
    const mesh = meshOf([istiodApp()]);
    const { pod: p } = inject(pod({ annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.170.23/32, 10.0.0.0/8', 'traffic.sidecar.istio.io/excludeOutboundPorts': '443' } }), search, mesh);
    expect(sidecarCapture(p, mesh)).toEqual({
      injected: true,
      interceptionMode: 'REDIRECT',
      nativeSidecar: true,
      includeOutboundIPRanges: '*',
      excludeOutboundIPRanges: ['169.254.170.23/32', '10.0.0.0/8'],
      includeOutboundPorts: [],
      excludeOutboundPorts: ['443'],
      includeInboundPorts: '*',
      excludeInboundPorts: ['15020'],
    });
    expect(sidecarCapture(pod(), mesh).injected).toBe(false);
  });
});

/** The model must agree with the vendored template, webhook selectors and values: re-vendoring a changed file fails here. */
describe('model against the vendored Istio 1.30.3 files', () => {
  test('istio-init securityContext without CNI: NET_ADMIN/NET_RAW, root, writable root FS', () => {
    const block = TEMPLATE.slice(TEMPLATE.indexOf('{{- if not .Values.pilot.cni.enabled }}\n        add:'));
    expect(block).toMatch(/^\{\{- if not \.Values\.pilot\.cni\.enabled \}\}\n {8}add:\n {8}- NET_ADMIN\n {8}- NET_RAW\n/);
    expect(TEMPLATE).toContain('    {{- if not .Values.pilot.cni.enabled }}\n      readOnlyRootFilesystem: false\n      runAsGroup: 0\n      runAsNonRoot: false\n      runAsUser: 0\n    {{- else }}\n      readOnlyRootFilesystem: true\n');
    const init = container(inject(pod(), ns('search'), meshOf([istiodApp()])).pod, 'istio-init');
    expect(init.securityContext.capabilities.add).toEqual(['NET_ADMIN', 'NET_RAW']);
    expect(init.securityContext).toMatchObject({ readOnlyRootFilesystem: false, runAsGroup: 0, runAsNonRoot: false, runAsUser: 0 });
  });

  test('init container names and arguments', () => {
    expect(TEMPLATE).toContain('{{ if .Values.pilot.cni.enabled -}}\n  - name: istio-validation\n  {{ else -}}\n  - name: istio-init\n');
    expect(TEMPLATE).toContain('    - "15090,15021,{{ excludeInboundPort');
    expect(TEMPLATE).toContain('    - "--run-validation"\n    - "--skip-rule-apply"');
    expect(TEMPLATE).toContain('.MeshConfig.ProxyListenPort | default "15001"');
    expect(TEMPLATE).toContain('.MeshConfig.ProxyInboundListenPort | default "15006"');
  });

  test('image expressions: the proxyImage annotation when it has a "/", else .ProxyImage', () => {
    expect(TEMPLATE).toContain('{{- if contains "/" (annotation .ObjectMeta `sidecar.istio.io/proxyImage` .Values.global.proxy_init.image) }}');
    expect(TEMPLATE).toContain('{{- if contains "/" (annotation .ObjectMeta `sidecar.istio.io/proxyImage` .Values.global.proxy.image) }}');
    expect((TEMPLATE.match(/image: "\{\{ \.ProxyImage \}\}"/g) ?? []).length).toBe(2);
  });

  test('istio-proxy: native sidecar restartPolicy, ports, probes, drain, security context', () => {
    expect(TEMPLATE).toContain('{{ if $nativeSidecar }}restartPolicy: Always{{end}}');
    expect(TEMPLATE).toContain('$nativeSidecar := ne (index .ObjectMeta.Annotations `sidecar.istio.io/nativeSidecar` | default (printf "%t" .NativeSidecars)) "false"');
    expect(TEMPLATE).toContain('    - containerPort: 15090\n      protocol: TCP\n      name: http-envoy-prom');
    expect((TEMPLATE.match(/path: \/healthz\/ready\n {8}port: 15021/g) ?? []).length).toBe(2);
    expect(TEMPLATE).toContain('          - pilot-agent\n          - request\n          - --debug-port=');
    expect(TEMPLATE).toContain('      runAsNonRoot: true\n      runAsUser: {{ .ProxyUID | default "1337" }}\n      runAsGroup: {{ .ProxyGID | default "1337" }}');
    expect(TEMPLATE).toContain('security.istio.io/tlsMode: {{ index .ObjectMeta.Labels `security.istio.io/tlsMode` | default "istio"  | quote }}');
  });

  test('volumes of the template, in order: the model keeps the unconditional ones', () => {
    const vols = [...TEMPLATE.slice(TEMPLATE.indexOf('  volumes:\n')).matchAll(/^ {2}- (?:emptyDir:\n(?: {6}medium: Memory\n)? {4}name|name): ([a-z-]+)$/gm)].map((m) => m[1]);
    expect(vols).toEqual(['workload-socket', 'credential-socket', 'gke-workload-certificate', 'workload-certs', 'custom-bootstrap-volume', 'istio-envoy', 'istio-data',
      'istio-podinfo', 'istio-token', 'istiod-ca-cert', 'istio-ca-crl', 'istio-certs', 'lightstep-certs']);
    const conditional = ['gke-workload-certificate', 'custom-bootstrap-volume', 'istio-certs', 'lightstep-certs'];
    const modelled = inject(pod(), ns('search'), meshOf([istiodApp()])).pod.spec.volumes.map((v: any) => v.name);
    expect(modelled).toEqual(vols.filter((v) => !conditional.includes(v)));
  });

  test('webhook selectors of the chart are the ones the model evaluates', () => {
    const prefixes = [...WEBHOOK.matchAll(/dict "Prefix" "([a-z.]+)"/g)].map((m) => `${m[1]}sidecar-injector.istio.io`);
    const mesh = meshOf([istiodApp({ sidecarInjectorWebhook: { enableNamespacesByDefault: true } })]);
    expect(injectorWebhooks(mesh).map((w) => w.name)).toEqual(prefixes);
    expect(WEBHOOK).toContain('      values: ["kube-system","kube-public","kube-node-lease","local-path-storage"]');
    expect(WEBHOOK).toContain('    - key: istio-injection\n      operator: In\n      values:\n      - enabled');
  });

  test('chart defaults the model reads: hub/tag stamped, proxy resources, status port, probes', () => {
    const d = istiodChartDefaults();
    expect(d.global.hub).toBe('docker.io/istio');
    expect(d.global.tag).toBe('1.30.3');
    expect(d.global.proxy.resources).toEqual({ requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '2000m', memory: '1024Mi' } });
    expect(d.global.proxy.statusPort).toBe(15020);
    expect(d.global.proxy.autoInject).toBe('enabled');
    expect(d.cni).toEqual({ enabled: false, provider: 'default' });
    expect(d.meshConfig).toEqual({ enablePrometheusMerge: true });
    expect(YAML.parse(fs.readFileSync(path.join(UPSTREAM, 'istiod-values.yaml'), 'utf8'))._internal_defaults_do_not_set.sidecarInjectorWebhook.rewriteAppHTTPProbe).toBe(true);
  });
});
