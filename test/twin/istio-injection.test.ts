import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import * as YAML from 'yaml';
import { spec as referenceSpec } from '../../examples/reference/platform';
import { KubernetesPlatform } from '../../src/platform';
import { PlatformTwin } from '../../src/twin';
import { addonObjectsOf } from '../../src/twin/private/addon-pods';
import {
  BUILTIN_TEMPLATES, IGNORED_NAMESPACES, ISTIO_VERSION, IstioMesh, inject, InjectionNotModelled, injectionOf, injectionTemplatesOf, injectorWebhooks,
  istioMeshOf, istiodChartDefaults, proxyIdsOf, sidecarCapture, strategicMerge,
} from '../../src/twin/private/istio-injection';
import { ObjectIndex, ResolvedTwinOptions } from '../../src/twin/private/model';

const UPSTREAM = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'istio');
const TEMPLATE = fs.readFileSync(path.join(UPSTREAM, 'injection-template.yaml'), 'utf8');
const WEBHOOK = fs.readFileSync(path.join(UPSTREAM, 'mutatingwebhook.yaml'), 'utf8');
const GATEWAY_TEMPLATE = fs.readFileSync(path.join(UPSTREAM, 'gateway-injection-template.yaml'), 'utf8');

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

  test('istiod-values.json (what synth reads) is istiod-values.yaml parsed', () => {
    // Regenerate after re-vendoring: node -e 'const f="schemas/upstream/istio/istiod-values";
    //   require("fs").writeFileSync(f+".json", JSON.stringify(require("yaml").parse(require("fs").readFileSync(f+".yaml","utf8")))+"\n")'
    const yaml = YAML.parse(fs.readFileSync(path.join(UPSTREAM, 'istiod-values.yaml'), 'utf8'));
    expect(JSON.parse(fs.readFileSync(path.join(UPSTREAM, 'istiod-values.json'), 'utf8'))).toEqual(yaml);
  });
});

/** The istio `gateway` chart 1.30.3's pod template (schemas/upstream/addons/gateway-1.30.3.json), as a Pod. */
function gatewayPod(opts: { namespace?: string; annotations?: Record<string, string>; labels?: Record<string, string>; proxy?: any } = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: 'istio-ingress-',
      namespace: opts.namespace ?? 'istio-ingress',
      labels: { 'app': 'istio-ingress', 'app.kubernetes.io/name': 'istio-ingress', 'app.kubernetes.io/version': '1.30.3', 'istio': 'ingressgateway', 'sidecar.istio.io/inject': 'true', ...(opts.labels ?? {}) },
      annotations: { 'inject.istio.io/templates': 'gateway', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'true', ...(opts.annotations ?? {}) },
    },
    spec: {
      containers: [opts.proxy ?? {
        env: null,
        image: 'auto',
        name: 'istio-proxy',
        ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
        resources: { limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: '100m', memory: '128Mi' } },
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true },
      }],
      securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
      serviceAccountName: 'istio-ingressgateway',
      terminationGracePeriodSeconds: 30,
    },
  };
}

const GATEWAY_WORKLOAD = { name: 'istio-ingress', kind: 'Deployment', apiVersion: 'apps/v1' };

describe('injection template selection (inject.istio.io/templates)', () => {
  test('the annotation names the templates (comma-separated, trimmed); sidecar by default; defaultTemplates from the values', () => {
    const mesh = meshOf([istiodApp()]);
    expect(injectionTemplatesOf(pod(), mesh)).toEqual(['sidecar']);
    expect(injectionTemplatesOf(gatewayPod(), mesh)).toEqual(['gateway']);
    expect(injectionTemplatesOf(pod({ annotations: { 'inject.istio.io/templates': ' sidecar , grpc-agent' } }), mesh)).toEqual(['sidecar', 'grpc-agent']);
    expect(injectionTemplatesOf(pod(), meshOf([istiodApp({ sidecarInjectorWebhook: { defaultTemplates: ['gateway'] } })]))).toEqual(['gateway']);
    expect(BUILTIN_TEMPLATES).toEqual(['sidecar', 'gateway', 'grpc-simple', 'grpc-agent', 'waypoint', 'kube-gateway', 'agentgateway']);
  });

  test('an unknown, a user-defined, an unmodelled template or several templates are not modelled (InjectionNotModelled)', () => {
    const mesh = meshOf([istiodApp()]);
    const search = ns('search', { 'istio-injection': 'enabled' });
    const withTemplates = (t: string) => pod({ annotations: { 'inject.istio.io/templates': t } });
    expect(() => inject(withTemplates('nope'), search, mesh)).toThrow(InjectionNotModelled);
    expect(() => inject(withTemplates('nope'), search, mesh)).toThrow(/names template 'nope', which istiod 1\.30\.3 does not have .*the API server deny the pod/);
    expect(() => inject(withTemplates('grpc-agent'), search, mesh)).toThrow(/injection template 'grpc-agent' is not modelled \(only sidecar and gateway\)/);
    expect(() => inject(withTemplates('sidecar,gateway'), search, mesh)).toThrow(/injection templates sidecar, gateway applied in turn are not modelled/);
    const custom = meshOf([istiodApp({ sidecarInjectorWebhook: { templates: { gateway: 'spec: {}', hello: 'spec: {}' } } })]);
    expect(() => inject(gatewayPod(), ns('istio-ingress'), custom)).toThrow(/template 'gateway' comes from sidecarInjectorWebhook.templates/);
    expect(() => inject(withTemplates('hello'), search, custom)).toThrow(/template 'hello' comes from sidecarInjectorWebhook.templates/);
  });

  test('the injection decision for the gateway pod uses the same webhook selectors as for workloads', () => {
    const mesh = meshOf([istiodApp()]);
    // unlabelled namespace: the pod label sidecar.istio.io/inject=true selects it (object webhook)
    expect(injectionOf(gatewayPod(), ns('istio-ingress'), mesh)).toEqual({ inject: true, reason: 'webhook object.sidecar-injector.istio.io', webhook: 'object.sidecar-injector.istio.io' });
    expect(injectionOf(gatewayPod(), ns('istio-ingress', { 'istio-injection': 'enabled' }), mesh).webhook).toBe('namespace.sidecar-injector.istio.io');
    // istio-injection=disabled on the namespace: no webhook matches, the pod keeps image auto
    expect(injectionOf(gatewayPod(), ns('istio-ingress', { 'istio-injection': 'disabled' }), mesh).inject).toBe(false);
    // a revisioned control plane ignores a pod without istio.io/rev
    expect(injectionOf(gatewayPod(), ns('istio-ingress'), meshOf([istiodApp({ revision: 'canary' })])).inject).toBe(false);
  });
});

describe('inject: the gateway template', () => {
  const mesh = meshOf([istiodApp()]);
  const gw = () => inject(gatewayPod(), ns('istio-ingress'), mesh, GATEWAY_WORKLOAD);

  test('image auto becomes the proxy image; no init container, istio-proxy stays in containers as a router', () => {
    const { pod: out, mutations } = gw();
    expect(names(out.spec.containers)).toEqual(['istio-proxy']);
    expect(out.spec.initContainers).toBeUndefined();
    const proxy = out.spec.containers[0];
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.30.3');
    expect(proxy.restartPolicy).toBeUndefined();
    expect(proxy.args).toEqual(['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info']);
    expect(proxy.startupProbe).toBeUndefined();
    expect(proxy.readinessProbe).toEqual({ httpGet: { path: '/healthz/ready', port: 15021 }, initialDelaySeconds: 0, periodSeconds: 15, timeoutSeconds: 3, failureThreshold: 4 });
    expect(mutations[0]).toBe('istio 1.30.3 gateway injection (template gateway: istio-proxy image docker.io/istio/proxyv2:1.30.3, runAsUser 1337/runAsGroup 1337, pod sysctl net.ipv4.ip_unprivileged_port_start=0, no init container)');
    expect(mutations).toContain("the chart's own istio-proxy container merged back over the injected one (its image auto replaced by the injected proxy image)");
  });

  test('securityContext: the template adds only runAsUser/runAsGroup 1337; the chart\'s own settings (non-root, no capabilities, read-only) stay', () => {
    const proxy = gw().pod.spec.containers[0];
    expect(proxy.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 1337, runAsGroup: 1337 });
    // a bare istio-proxy (no securityContext of its own): only what the template sets, no capabilities, no runAsNonRoot
    const bare = inject(gatewayPod({ proxy: { name: 'istio-proxy', image: 'auto' } }), ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod.spec.containers[0];
    expect(bare.securityContext).toEqual({ runAsUser: 1337, runAsGroup: 1337 });
    expect(bare.resources).toBeUndefined();
    // the pod's own runAsUser wins (reapplyOverwrittenContainers)
    const own = inject(gatewayPod({ proxy: { name: 'istio-proxy', image: 'auto', securityContext: { runAsUser: 4242 } } }), ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod.spec.containers[0];
    expect(own.securityContext).toEqual({ runAsUser: 4242, runAsGroup: 1337 });
  });

  test('pod securityContext: the unprivileged-port sysctl, or gateways.securityContext when set', () => {
    expect(gw().pod.spec.securityContext).toEqual({ sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] });
    const noSc = gatewayPod();
    delete noSc.spec.securityContext;
    expect(inject(noSc, ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod.spec.securityContext).toEqual({ sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] });
    const custom = meshOf([istiodApp({ gateways: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } } } })]);
    const out = inject(noSc, ns('istio-ingress'), custom, GATEWAY_WORKLOAD);
    expect(out.pod.spec.securityContext).toEqual({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    expect(out.mutations[0]).toContain('pod securityContext from gateways.securityContext');
    // merged into the pod's own securityContext (strategic merge: maps merge, the sysctls list is replaced)
    expect(inject(gatewayPod(), ns('istio-ingress'), custom, GATEWAY_WORKLOAD).pod.spec.securityContext)
      .toEqual({ sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }], runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
  });

  test('the proxy image follows the istiod values like the sidecar path: a mirrored global.proxy.image verbatim, else hub/proxyv2:tag, or the annotation', () => {
    const mirrored = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/istio/proxyv2@sha256:' + 'a'.repeat(64);
    expect(inject(gatewayPod(), ns('istio-ingress'), meshOf([istiodApp({ global: { proxy: { image: mirrored } } })]), GATEWAY_WORKLOAD).pod.spec.containers[0].image).toBe(mirrored);
    expect(inject(gatewayPod(), ns('istio-ingress'), meshOf([istiodApp({ global: { hub: 'r.example/istio', tag: '1.30.3-distroless' } })]), GATEWAY_WORKLOAD).pod.spec.containers[0].image)
      .toBe('r.example/istio/proxyv2:1.30.3-distroless');
    expect(inject(gatewayPod({ annotations: { 'sidecar.istio.io/proxyImage': 'r.example/p:1' } }), ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod.spec.containers[0].image).toBe('r.example/p:1');
    // an explicit image on the pod's own istio-proxy (not auto) wins over the injected one
    expect(inject(gatewayPod({ proxy: { name: 'istio-proxy', image: 'r.example/own:1' } }), ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod.spec.containers[0].image).toBe('r.example/own:1');
  });

  test('labels, annotations, env, mounts and volumes of the template; the pod\'s own resources and ports are kept', () => {
    const { pod: out } = gw();
    expect(out.metadata.labels).toMatchObject({ 'service.istio.io/canonical-name': 'istio-ingress', 'service.istio.io/canonical-revision': '1.30.3' });
    expect(out.metadata.labels['security.istio.io/tlsMode']).toBeUndefined();
    expect(out.metadata.annotations['istio.io/rev']).toBe('default');
    // no app container besides istio-proxy: no default-container annotations
    expect(out.metadata.annotations['kubectl.kubernetes.io/default-container']).toBeUndefined();
    // the prometheus annotations already point at 15020: left as they are
    expect(out.metadata.annotations).toMatchObject({ 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/scrape': 'true' });
    expect(JSON.parse(out.metadata.annotations['sidecar.istio.io/status'])).toEqual({
      initContainers: null,
      containers: ['istio-proxy'],
      volumes: ['workload-socket', 'credential-socket', 'workload-certs', 'istio-envoy', 'istio-data', 'istio-podinfo', 'istio-token', 'istiod-ca-cert'],
      imagePullSecrets: null,
      revision: 'default',
    });
    const overrides = JSON.parse(out.metadata.annotations['sidecar.istio.io/overrides']);
    expect(overrides.containers[0].image).toBeUndefined();
    expect(overrides.containers[0].env).toBeUndefined();
    const proxy = out.spec.containers[0];
    expect(proxy.resources).toEqual({ limits: { cpu: '2000m', memory: '1024Mi' }, requests: { cpu: '100m', memory: '128Mi' } });
    expect(proxy.ports).toEqual([{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }]);
    expect(envOf(proxy, 'ISTIO_META_POD_PORTS').value).toBe('[\n    {"name":"http-envoy-prom","containerPort":15090,"protocol":"TCP"}\n]');
    expect(envOf(proxy, 'ISTIO_META_APP_CONTAINERS').value).toBe('');
    expect(envOf(proxy, 'ISTIO_META_WORKLOAD_NAME').value).toBe('istio-ingress');
    expect(envOf(proxy, 'ISTIO_META_OWNER').value).toBe('kubernetes://apis/apps/v1/namespaces/istio-ingress/deployments/istio-ingress');
    expect(envOf(proxy, 'ISTIO_META_INTERCEPTION_MODE').value).toBe('REDIRECT');
    expect(envOf(proxy, 'ISTIO_KUBE_APP_PROBERS')).toBeUndefined();
    expect(proxy.volumeMounts.map((m: any) => m.name)).toEqual(['workload-socket', 'credential-socket', 'workload-certs', 'istiod-ca-cert', 'istio-data', 'istio-envoy', 'istio-token', 'istio-podinfo']);
    expect(out.spec.volumes.find((v: any) => v.name === 'istio-ca-crl')).toBeUndefined();
    expect(sidecarCapture(out, mesh).injected).toBe(true);
  });

  test('an app container next to the proxy: default-container annotations, its probes rewritten, proxy last; the input pod is not changed', () => {
    const input = gatewayPod();
    input.spec.containers.unshift({ name: 'helper', image: 'h', ports: [{ containerPort: 9000 }], readinessProbe: { httpGet: { path: '/r', port: 9000 } } });
    const before = JSON.stringify(input);
    const out = inject(input, ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod;
    expect(JSON.stringify(input)).toBe(before);
    expect(names(out.spec.containers)).toEqual(['helper', 'istio-proxy']);
    expect(out.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('helper');
    expect(container(out, 'helper').readinessProbe.httpGet).toEqual({ path: '/app-health/helper/readyz', port: 15020 });
    const proxy = container(out, 'istio-proxy');
    expect(JSON.parse(envOf(proxy, 'ISTIO_KUBE_APP_PROBERS').value)).toEqual({ '/app-health/helper/readyz': { httpGet: { path: '/r', port: 9000 } } });
    expect(envOf(proxy, 'ISTIO_META_APP_CONTAINERS').value).toBe('helper');
    expect(envOf(proxy, 'ISTIO_META_POD_PORTS').value).toBe('[\n    {"containerPort":9000,"protocol":"TCP"}\n    ,{"name":"http-envoy-prom","containerPort":15090,"protocol":"TCP"}\n]');
  });

  test('OpenShift namespaces: the proxy ids come from the namespace\'s pre-allocated ranges (GetProxyIDs)', () => {
    expect(proxyIdsOf(undefined)).toEqual({ uid: 1337, gid: 1337 });
    const os = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-ingress', annotations: { 'openshift.io/sa.scc.uid-range': '1000620000/10000' } } };
    expect(proxyIdsOf(os)).toEqual({ uid: 1000629999, gid: 1000629999 });
    const groups = { ...os, metadata: { ...os.metadata, annotations: { ...os.metadata.annotations, 'openshift.io/sa.scc.supplemental-groups': '5000-5009,6000/10' } } };
    expect(proxyIdsOf(groups)).toEqual({ uid: 1000629999, gid: 5009 });
    const bare = inject(gatewayPod({ proxy: { name: 'istio-proxy', image: 'auto' } }), groups, mesh, GATEWAY_WORKLOAD).pod.spec.containers[0];
    expect(bare.securityContext).toEqual({ runAsUser: 1000629999, runAsGroup: 5009 });
  });

  test('strategicMerge: keyed lists merge in place, others are replaced, null deletes', () => {
    expect(strategicMerge({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], args: ['x'], drop: 1 }, { env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }], args: ['y'], drop: null }))
      .toEqual({ env: [{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }], args: ['y'] });
  });
});

describe('gateway model against the vendored gateway-injection-template.yaml', () => {
  const mesh = meshOf([istiodApp({ global: { network: 'n1', mountMtlsCerts: true }, env: { COMPLIANCE_POLICY: 'fips-140-2' } })]);
  const all = inject(gatewayPod({ annotations: { 'sidecar.istio.io/bootstrapOverride': 'bootstrap' } }), ns('istio-ingress'), mesh, GATEWAY_WORKLOAD).pod;
  const proxy = container(all, 'istio-proxy');
  const containerBlock = GATEWAY_TEMPLATE.slice(GATEWAY_TEMPLATE.indexOf('  containers:\n'), GATEWAY_TEMPLATE.indexOf('  volumes:\n'));

  test('one container, istio-proxy, and no initContainers: the gateway template adds no traffic capture', () => {
    expect([...containerBlock.matchAll(/^ {2}- name: ([a-z-]+)$/gm)].map((m) => m[1])).toEqual(['istio-proxy']);
    expect(GATEWAY_TEMPLATE).not.toContain('initContainers');
    expect(all.spec.initContainers).toBeUndefined();
    expect(names(all.spec.containers)).toEqual(['istio-proxy']);
  });

  test('args: proxy router, then the same flags', () => {
    const args = [...containerBlock.slice(containerBlock.indexOf('    args:\n')).matchAll(/^ {4}- (.+)$/gm)].map((m) => m[1]).slice(0, 7);
    expect(args.slice(0, 3)).toEqual(['proxy', 'router', '--domain']);
    expect(proxy.args.slice(0, 3)).toEqual(['proxy', 'router', '--domain']);
    expect(args.slice(4).map((a) => a.split('=')[0])).toEqual(proxy.args.slice(4, 7).map((a: string) => a.split('=')[0]));
  });

  test('container securityContext: runAsUser/runAsGroup only (no capabilities, runAsNonRoot, privilege or read-only settings)', () => {
    const sc = containerBlock.slice(containerBlock.indexOf('    securityContext:\n'), containerBlock.indexOf('    env:\n'));
    expect(sc).toBe('    securityContext:\n      runAsUser: {{ .ProxyUID | default "1337" }}\n      runAsGroup: {{ .ProxyGID | default "1337" }}\n');
    for (const absent of ['capabilities', 'runAsNonRoot', 'allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'privileged', 'NET_BIND_SERVICE']) {
      expect(GATEWAY_TEMPLATE).not.toMatch(new RegExp(`\\b${absent}\\b(?!_)`));
    }
    const bare = inject(gatewayPod({ proxy: { name: 'istio-proxy', image: 'auto' } }), ns('istio-ingress'), meshOf([istiodApp()]), GATEWAY_WORKLOAD).pod.spec.containers[0];
    expect(Object.keys(bare.securityContext)).toEqual(['runAsUser', 'runAsGroup']);
  });

  test('pod securityContext: gateways.securityContext, else the net.ipv4.ip_unprivileged_port_start=0 sysctl', () => {
    expect(GATEWAY_TEMPLATE).toContain('  securityContext:\n  {{- if .Values.gateways.securityContext }}\n    {{- toYaml .Values.gateways.securityContext | nindent 4 }}\n  {{- else }}\n    sysctls:\n    - name: net.ipv4.ip_unprivileged_port_start\n      value: "0"\n  {{- end }}\n');
    expect(all.spec.securityContext.sysctls).toEqual([{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }]);
  });

  test('image expression: the proxyImage annotation / global.proxy.image when it has a "/", else .ProxyImage', () => {
    expect(GATEWAY_TEMPLATE).toContain('  {{- if contains "/" (annotation .ObjectMeta `sidecar.istio.io/proxyImage` .Values.global.proxy.image) }}\n    image: "{{ annotation .ObjectMeta `sidecar.istio.io/proxyImage` .Values.global.proxy.image }}"\n  {{- else }}\n    image: "{{ .ProxyImage }}"\n');
  });

  test('ports and readiness probe (no startup probe, no lifecycle unless global.proxy.lifecycle)', () => {
    expect(containerBlock).toContain('    ports:\n    - containerPort: 15090\n      protocol: TCP\n      name: http-envoy-prom\n');
    expect(containerBlock).toContain('    readinessProbe:\n      httpGet:\n        path: /healthz/ready\n        port: 15021\n');
    expect(containerBlock).not.toContain('startupProbe');
    expect(containerBlock).toContain('  {{- if .Values.global.proxy.lifecycle }}\n    lifecycle:');
    expect(proxy.startupProbe).toBeUndefined();
    expect(proxy.lifecycle).toBeUndefined();
    expect(proxy.readinessProbe.httpGet).toEqual({ path: '/healthz/ready', port: 15021 });
  });

  test('env names in template order (every condition on)', () => {
    const env = containerBlock.slice(containerBlock.indexOf('    env:\n'), containerBlock.indexOf('    readinessProbe:'));
    const expected = [...new Set([...env.matchAll(/^ {4}- name: ([A-Z_]+|\{\{ \$key \}\})$/gm)].map((m) => m[1]))].filter((n) => !n.startsWith('{{'));
    expect(expected[0]).toBe('PILOT_CERT_PROVIDER');
    expect(proxy.env.map((e: any) => e.name)).toEqual(expected);
  });

  test('volume mounts and volumes in template order (every condition on but GKE certificates); no istio-ca-crl', () => {
    const mounts = [...containerBlock.slice(containerBlock.indexOf('    volumeMounts:\n')).matchAll(/^ {4}- (?:name: ([a-z-]+)|mountPath: \S+\n {6}name: ([a-z-]+))$/gm)].map((m) => m[1] ?? m[2]);
    expect(proxy.volumeMounts.map((m: any) => m.name)).toEqual(mounts.filter((n) => n !== 'gke-workload-certificate'));
    const vols = [...GATEWAY_TEMPLATE.slice(GATEWAY_TEMPLATE.indexOf('  volumes:\n')).matchAll(/^ {2}- (?:emptyDir:(?: \{\})?\n(?: {6}medium: Memory\n)? {4}name|name): ([a-z-]+)$/gm)].map((m) => m[1]);
    expect(vols).not.toContain('istio-ca-crl');
    expect(all.spec.volumes.map((v: any) => v.name)).toEqual(vols.filter((n) => n !== 'gke-workload-certificate'));
  });
});

describe('the reference platform\'s istio-ingress gateway', () => {
  let platform: KubernetesPlatform;
  let objects: any[] = [];
  beforeAll(() => {
    platform = new KubernetesPlatform(new App(), 'acme-llm', { spec: referenceSpec });
    objects = platform.manifests().map((m) => m.resource);
  });
  const OPTIONS: ResolvedTwinOptions = { pools: [], systemNamespaces: [], registries: [], podIdentityServiceAccounts: [] };
  const gatewayOf = (objs: any[]) => addonObjectsOf(new ObjectIndex(objs), OPTIONS).pods.find((p) => p.owner === 'Application argocd/prod-istio-ingress');

  test('its pod gets the gateway template with the proxy image from the istiod values', () => {
    const istiod = objects.find((o) => o.kind === 'Application' && o.spec?.source?.chart === 'istiod');
    const proxyImage = istiod.spec.source.helm.valuesObject.global.proxy.image;
    expect(proxyImage).toMatch(/\/mirror\/istio\/proxyv2@sha256:[0-9a-f]{64}$/);
    const gw = gatewayOf(objects)!;
    expect(gw.pod.spec.containers.map((c: any) => [c.name, c.image])).toEqual([['istio-proxy', proxyImage]]);
    expect(gw.mutations[1]).toMatch(/^istio 1\.30\.3 gateway injection \(template gateway: istio-proxy image /);
    expect(gw.pod.metadata.ownerReferences[0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', controller: true, blockOwnerDeletion: true });
  });

  test('it is admitted: no admission finding for the gateway Application', () => {
    const report = PlatformTwin.check(objects, { policy: platform.policySet.evaluator() });
    expect(report.problems.filter((p) => p.check === 'admission' && p.object === 'Application argocd/prod-istio-ingress')).toEqual([]);
  });

  test('without injection (its namespace labelled istio-injection=disabled) the pod keeps image auto and the image rules deny it', () => {
    const disabled = [...objects, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'istio-ingress', labels: { 'istio-injection': 'disabled' } } }];
    expect(gatewayOf(disabled)!.pod.spec.containers[0].image).toBe('auto');
    const report = PlatformTwin.check(disabled, { policy: platform.policySet.evaluator() });
    const denied = report.problems.filter((p) => p.check === 'admission' && p.object === 'Application argocd/prod-istio-ingress').map((p) => p.problem.slice(0, 21));
    expect(denied).toEqual(['makes pods that LLM-IMG-001', 'makes pods that LLM-IMG-002', 'makes pods that LLM-IMG-003'].map((s) => s.slice(0, 21)));
  });
});
