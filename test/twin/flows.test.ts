import * as crypto from 'crypto';
import { App } from 'cdk8s';
import { spec } from '../../examples/reference/platform';
import { ModelRuntime, ModelService } from '../../src/core';
import { InferencePoolRoute } from '../../src/mesh';
import { KubernetesPlatform } from '../../src/platform';
import { PlatformTwin, PlatformTwinReport } from '../../src/twin';
import {
  checkFlows, deriveFlows, Flow, flowName, flowWorld, namespaceLabelsOf, resolveTargetPort, scrapeTargets, serviceByHost, splitEndpoint,
} from '../../src/twin/private/flows';
import { CheckOutcome, ObjectIndex, ResolvedTwinOptions, TwinContext, TwinPod } from '../../src/twin/private/model';
import { workloadPodsOf } from '../../src/twin/private/pods';
import { synthChart } from '../util';

// ---------------------------------------------------------------------------------------------------------
// Fixtures: small outputs and the pods that will exist for them, built by hand.

const OPTIONS: ResolvedTwinOptions = {
  pools: [],
  region: 'us-east-1',
  systemNamespaces: ['kube-system', 'default'],
  registries: [],
  podIdentityServiceAccounts: ['search/llama3-8b'],
};

function ns(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

function app(name: string, chart: string, namespace: string, values: any = {}, releaseName?: string): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      destination: { namespace, server: 'https://kubernetes.default.svc' },
      project: 'platform',
      source: { chart, targetRevision: chart === 'istiod' || chart === 'gateway' ? '1.30.3' : '1.0.0', helm: { releaseName: releaseName ?? chart, valuesObject: values } },
      syncPolicy: { syncOptions: ['CreateNamespace=true'], managedNamespaceMetadata: { labels: { 'app.kubernetes.io/managed-by': 'cdk-llm-platform' } } },
    },
  };
}

const istiod = (mode = 'REGISTRY_ONLY') => app('prod-istiod', 'istiod', 'istio-system', { meshConfig: { outboundTrafficPolicy: { mode } } });
const ingress = app('prod-istio-ingress', 'gateway', 'istio-ingress', { labels: { istio: 'ingressgateway' }, serviceAccount: { name: 'istio-ingressgateway' } }, 'istio-ingress');
const promStack = app('prod-kube-prometheus-stack', 'kube-prometheus-stack', 'monitoring',
  { prometheus: { prometheusSpec: { podMonitorSelectorNilUsesHelmValues: false, serviceMonitorSelectorNilUsesHelmValues: false } } });
const keda = app('prod-keda', 'keda', 'keda');

function np(namespace: string, name: string, specBody: any): any {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace, name }, spec: specBody };
}

/** The tenant NetworkPolicies the reference platform emits (default deny, DNS, istiod, Pod Identity, HTTPS, mesh ingress, monitoring). */
function tenantPolicies(tenant: string): any[] {
  const nsSel = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
  return [
    np(tenant, 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] }),
    np(tenant, 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{ to: [{ ...nsSel('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] }],
    }),
    np(tenant, 'allow-mesh-control-plane', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [nsSel('istio-system')], ports: [{ port: 15012 }] }] }),
    np(tenant, 'allow-pod-identity-agent', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ port: 80 }] }] }),
    np(tenant, 'allow-https-egress', { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ port: 443 }] }] }),
    np(tenant, 'allow-mesh-ingress', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [nsSel('istio-ingress')] }] }),
    np(tenant, 'allow-monitoring-scrape', { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [nsSel('monitoring')] }] }),
  ];
}

function pa(namespace: string, mode = 'STRICT'): any {
  return { apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { namespace, name: 'default' }, spec: { mtls: { mode } } };
}

function modelAuthz(tenant = 'search', model = 'llama3-8b', port = '8000'): any[] {
  return [
    { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { namespace: tenant, name: 'default-deny' }, spec: {} },
    {
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { namespace: tenant, name: `${model}-allow` },
      spec: {
        selector: { matchLabels: { 'llm-platform.io/model': model } },
        rules: [
          { from: [{ source: { principals: ['cluster.local/ns/istio-ingress/sa/istio-ingressgateway'] } }], to: [{ operation: { ports: [port] } }] },
          { from: [{ source: { namespaces: ['monitoring'] } }], to: [{ operation: { methods: ['GET'], paths: ['/metrics'], ports: [port] } }] },
        ],
      },
    },
  ];
}

interface ModelPodOptions {
  readonly native?: boolean;
  readonly annotations?: Record<string, string>;
  readonly region?: string | null;
  readonly bucket?: string;
  readonly injected?: boolean;
}

/** A model server pod after Istio 1.30.3 injection (native sidecar by default), with the S3 weight-sync init container. */
function modelPod(name = 'llama3-8b-stable', o: ModelPodOptions = {}): TwinPod {
  const native = o.native ?? true;
  const injected = o.injected ?? true;
  const proxy = { name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.30.3', ...(native ? { restartPolicy: 'Always' } : {}), ports: [{ name: 'http-envoy-prom', containerPort: 15090, protocol: 'TCP' }] };
  const istioInit = { name: 'istio-init', image: 'docker.io/istio/proxyv2:1.30.3', args: ['istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020'] };
  const fetch = {
    name: 'fetch-weights',
    command: ['aws', 's3', 'sync', `s3://${o.bucket ?? 'acme-llm-prod-models'}/models/llama3-8b/2024-06-01/`, '/models/weights'],
    env: o.region === null ? [] : [{ name: 'AWS_REGION', value: o.region ?? 'us-east-1' }],
  };
  const server = { name: 'server', ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }] };
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      namespace: 'search',
      labels: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': name.endsWith('candidate') ? 'candidate' : 'stable', 'app.kubernetes.io/name': 'llama3-8b' },
      // Istio's metrics merging (pkg/kube/inject/webhook.go applyPrometheusMerge) annotates injected pods.
      annotations: { ...(injected ? { 'prometheus.io/port': '15020', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/scrape': 'true' } : {}), ...(o.annotations ?? {}) },
    },
    spec: {
      serviceAccountName: 'llama3-8b',
      initContainers: injected ? [istioInit, ...(native ? [proxy] : []), fetch] : [fetch],
      containers: injected && !native ? [server, proxy] : [server],
    },
  };
  return twin(`Deployment search/${name}`, pod, name, 'spec.template');
}

function twin(owner: string, pod: any, name: string, templatePath = 'spec.template'): TwinPod {
  return { owner, ownerObject: {}, origin: 'controller', namespace: pod.metadata.namespace, namePrefix: `${name}-`, pod, templatePath, minReplicas: 1, maxReplicas: 1, mutations: [] };
}

function plainPod(namespace: string, name: string, labels: Record<string, string>, containers: any[] = [{ name: 'main' }], sa?: string): TwinPod {
  return twin(`Deployment ${namespace}/${name}`, { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, labels }, spec: { serviceAccountName: sa, containers } }, name);
}

const modelService = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { namespace: 'search', name: 'llama3-8b' },
  spec: { selector: { 'llm-platform.io/model': 'llama3-8b' }, ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] },
};

const searchNs = ns('search', { 'istio-injection': 'enabled', 'llm-platform.io/tenant': 'search' });

function ctx(objects: any[], pods: TwinPod[], derived: any[] = [], options: Partial<ResolvedTwinOptions> = {}): TwinContext {
  return { index: new ObjectIndex(objects), pods, derived, options: { ...OPTIONS, ...options } };
}

function flowsOf(c: TwinContext): { flows: Flow[]; notModelled: string[] } {
  const notModelled: string[] = [];
  return { flows: deriveFlows(c, flowWorld(c), notModelled), notModelled };
}

function byPurpose(out: CheckOutcome, purpose: string): string | undefined {
  return out.summary.find((s) => s.startsWith(`${purpose}:`));
}

// ---------------------------------------------------------------------------------------------------------

describe('flow derivation', () => {
  test('every pod needs cluster DNS over UDP and TCP; host-network pods do not (they use the node)', () => {
    const host = plainPod('nvidia-gpu', 'dcgm', { app: 'dcgm' });
    host.pod.spec.hostNetwork = true;
    const { flows } = flowsOf(ctx([searchNs], [plainPod('search', 'a', { app: 'a' }), host]));
    const dns = flows.filter((f) => f.purpose === 'cluster DNS');
    expect(dns.map((f) => `${flowName(f)} ${f.needer}`)).toEqual([
      'flow search/a [main] -> kube-system/kube-dns:53/UDP (cluster DNS) Deployment search/a',
      'flow search/a [main] -> kube-system/kube-dns:53 (cluster DNS) Deployment search/a',
    ]);
    expect(dns[0].service).toEqual({ namespace: 'kube-system', name: 'kube-dns', port: 53 });
    // The EKS CoreDNS add-on's pods (not in the output) are synthesized with their labels.
    expect(dns[0].dst.twin?.pod.metadata.labels).toEqual({ 'k8s-app': 'kube-dns', 'eks.amazonaws.com/component': 'coredns' });
  });

  test('pods with a proxy need istiod on 15012; others do not', () => {
    const { flows } = flowsOf(ctx([searchNs, istiod()], [modelPod(), plainPod('search', 'a', { app: 'a' })]));
    const x = flows.filter((f) => f.purpose === 'istiod xDS');
    expect(x).toHaveLength(1);
    expect(x[0]).toMatchObject({ needer: 'Deployment search/llama3-8b-stable', field: 'spec.template.spec.initContainers[istio-proxy]', port: 15012, container: 'istio-proxy' });
    expect(x[0].dst.twin?.pod.metadata.labels).toEqual({ app: 'istiod', istio: 'pilot' });
    expect(x[0].dst.twin?.namespace).toBe('istio-system');
  });

  test('Pod Identity: only pods whose ServiceAccount has an association, from the container that calls AWS', () => {
    const other = modelPod('reranker-stable');
    other.pod.spec.serviceAccountName = 'reranker';
    const { flows } = flowsOf(ctx([searchNs, istiod()], [modelPod(), other]));
    const x = flows.filter((f) => f.purpose === 'Pod Identity credentials');
    expect(x).toHaveLength(1);
    expect(x[0]).toMatchObject({
      needer: 'Deployment search/llama3-8b-stable',
      field: 'spec.template.spec.initContainers[fetch-weights]',
      container: 'fetch-weights',
      port: 80,
      dst: { kind: 'ip', ip: '169.254.170.23' },
    });
  });

  test('S3: the regional endpoint and the bucket virtual host on 443, region from AWS_REGION, then the twin option', () => {
    const { flows } = flowsOf(ctx([searchNs], [modelPod('a', { region: 'eu-west-1' }), modelPod('b', { region: null }), modelPod('c', { bucket: 'dotted.bucket.name' })]));
    const s3 = flows.filter((f) => f.purpose === 'weight download');
    expect(s3.map((f) => f.dst.hosts)).toEqual([
      ['s3.eu-west-1.amazonaws.com', 'acme-llm-prod-models.s3.eu-west-1.amazonaws.com'],
      ['s3.us-east-1.amazonaws.com', 'acme-llm-prod-models.s3.us-east-1.amazonaws.com'],
      ['s3.us-east-1.amazonaws.com'],
    ]);
    expect(s3[0]).toMatchObject({ field: 'spec.template.spec.initContainers[fetch-weights].command', port: 443, protocol: 'TCP' });
  });

  test('S3 without any known region is checked against any region', () => {
    const c = ctx([searchNs, istiod()], [modelPod('a', { region: null })], [], { region: undefined });
    const { flows } = flowsOf(c);
    expect(flows.filter((f) => f.purpose === 'weight download').map((f) => f.dst.hosts)).toEqual([['s3.<region>.amazonaws.com', 'acme-llm-prod-models.s3.<region>.amazonaws.com']]);
    const blocked = checkFlows(c).findings.find((f) => f.problem.includes('(weight download)'));
    expect(blocked?.problem).toContain('no ServiceEntry covers the hosts s3.<region>.amazonaws.com, acme-llm-prod-models.s3.<region>.amazonaws.com on port 443');
    const se = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { namespace: 'istio-system', name: 's3' },
      spec: { hosts: ['s3.eu-west-1.amazonaws.com', '*.s3.eu-west-1.amazonaws.com'], ports: [{ number: 443 }] },
    };
    const covered = checkFlows(ctx([searchNs, istiod(), se], [modelPod('a', { region: null })], [], { region: undefined }));
    expect(covered.findings.filter((f) => f.problem.includes('(weight download)'))).toEqual([]);
  });

  test('gateway routes: VirtualService bound to a Gateway -> Service -> targetPort -> pods (subset labels applied)', () => {
    const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { namespace: 'istio-ingress', name: 'llm-gateway' }, spec: { selector: { istio: 'ingressgateway' } } };
    const dr = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { namespace: 'search', name: 'llama3-8b' },
      spec: { host: 'llama3-8b.search.svc.cluster.local', subsets: [{ name: 'stable', labels: { 'llm-platform.io/model-version': 'stable' } }] },
    };
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { namespace: 'istio-ingress', name: 'route' },
      spec: { gateways: ['llm-gateway'], hosts: ['llm.example.com'], http: [{ route: [{ destination: { host: 'llama3-8b.search.svc.cluster.local', port: { number: 8000 }, subset: 'stable' } }] }] },
    };
    const meshOnly = { ...vs, metadata: { namespace: 'search', name: 'mesh' }, spec: { ...vs.spec, gateways: ['mesh'] } };
    const { flows } = flowsOf(ctx([searchNs, istiod(), ingress, gateway, dr, vs, meshOnly, modelService], [modelPod(), modelPod('llama3-8b-candidate')]));
    const x = flows.filter((f) => f.purpose === 'gateway route');
    expect(x.map(flowName)).toEqual(['flow istio-ingress/istio-ingress [istio-proxy] -> search/llama3-8b-stable:8000 (gateway route)']);
    expect(x[0]).toMatchObject({ needer: 'VirtualService istio-ingress/route', field: 'spec.http[0].route[0].destination', service: { namespace: 'search', name: 'llama3-8b', port: 8000 } });
    // The gateway chart's pods are synthesized from its values: app=<release>, istio=ingressgateway, ServiceAccount istio-ingressgateway.
    expect(x[0].src.twin?.pod.metadata.labels).toEqual({ app: 'istio-ingress', istio: 'ingressgateway' });
    expect(x[0].src.twin?.pod.spec.serviceAccountName).toBe('istio-ingressgateway');
  });

  test('a route to a Service port that does not exist is left to the references check (not modelled here)', () => {
    const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { namespace: 'istio-ingress', name: 'gw' }, spec: { selector: { istio: 'ingressgateway' } } };
    const vs = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { namespace: 'istio-ingress', name: 'r' },
      spec: { gateways: ['istio-ingress/gw', 'gone'], http: [{ route: [{ destination: { host: 'llama3-8b.search.svc.cluster.local', port: { number: 80 } } }, { destination: { host: 'nope.search.svc.cluster.local' } }] }] },
    };
    const { flows, notModelled } = flowsOf(ctx([searchNs, ingress, gateway, vs, modelService], [modelPod()]));
    expect(flows.filter((f) => f.purpose === 'gateway route')).toHaveLength(0);
    expect(notModelled).toEqual(expect.arrayContaining([
      'VirtualService istio-ingress/r spec.gateways: Gateway istio-ingress/gone is not in the output',
      'VirtualService istio-ingress/r spec.http[0].route[0].destination: Service search/llama3-8b has no port 80',
      'VirtualService istio-ingress/r spec.http[0].route[1].destination: host nope.search.svc.cluster.local is not a Service of the output',
    ]));
  });

  test('PodMonitor and ServiceMonitor targets; Prometheus pods from the chart defaults; monitor selection by the chart values', () => {
    const pm = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PodMonitor',
      metadata: { namespace: 'search', name: 'm' },
      spec: { selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b' } }, podMetricsEndpoints: [{ port: 'http', path: '/metrics' }, { port: 'nope' }] },
    };
    const sm = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { namespace: 'search', name: 's' },
      spec: { selector: { matchLabels: { app: 'svc' } }, endpoints: [{ port: 'http' }] },
    };
    const svc = { ...modelService, metadata: { ...modelService.metadata, labels: { app: 'svc' } } };
    const { flows, notModelled } = flowsOf(ctx([searchNs, promStack, pm, sm, svc], [modelPod()]));
    const x = flows.filter((f) => f.purpose === 'scrape');
    expect(x.map((f) => `${f.needer} ${f.field} ${flowName(f)}`)).toEqual([
      'PodMonitor search/m spec.podMetricsEndpoints[0].port flow monitoring/prometheus-kube-prometheus-stack-prometheus [prometheus] -> search/llama3-8b-stable:8000 (scrape)',
      'ServiceMonitor search/s spec.endpoints[0].port flow monitoring/prometheus-kube-prometheus-stack-prometheus [prometheus] -> search/llama3-8b-stable:8000 (scrape)',
    ]);
    expect(x[0].src.twin?.pod.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'prometheus', 'operator.prometheus.io/name': 'kube-prometheus-stack-prometheus', 'prometheus': 'kube-prometheus-stack-prometheus',
    });
    expect(x[0].http).toEqual({ method: 'GET', path: '/metrics' });
    expect(notModelled).toContain('PodMonitor search/m spec.podMetricsEndpoints[1]: no port of search/llama3-8b-stable is left to scrape (port "nope" not declared, or dropped by the relabelings)');

    // Chart default podMonitorSelectorNilUsesHelmValues: true -> only monitors labelled release=<release>.
    const strict = app('prod-kube-prometheus-stack', 'kube-prometheus-stack', 'monitoring', {});
    const r = flowsOf(ctx([searchNs, strict, pm], [modelPod()]));
    expect(r.flows.filter((f) => f.purpose === 'scrape')).toHaveLength(0);
    expect(r.notModelled).toContain('PodMonitor search/m: not selected by Prometheus (podMonitorSelector)');
    // No Prometheus at all.
    expect(flowsOf(ctx([searchNs, pm], [modelPod()])).notModelled).toContain('PodMonitor/ServiceMonitor: no Prometheus in the output or the pod inventory, scrapes not modelled');
  });

  test('the OTel collector: prometheus receiver targets (keep + __address__), in-cluster and external exporters in pipelines', () => {
    const col = {
      apiVersion: 'opentelemetry.io/v1beta1',
      kind: 'OpenTelemetryCollector',
      metadata: { namespace: 'observability', name: 'otel' },
      spec: {
        config: {
          receivers: {
            'prometheus/models': {
              config: {
                scrape_configs: [{
                  job_name: 'm',
                  metrics_path: '/metrics',
                  kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['search'] } }],
                  relabel_configs: [
                    { action: 'keep', regex: 'llama3-8b', source_labels: ['__meta_kubernetes_pod_label_llm_platform_io_model'] },
                    { action: 'replace', regex: '(.+)', replacement: '$$1:8000', source_labels: ['__meta_kubernetes_pod_ip'], target_label: '__address__' },
                  ],
                }, { job_name: 'svc', kubernetes_sd_configs: [{ role: 'endpoints' }] }],
              },
            },
            'otlp': { protocols: { grpc: {} } },
          },
          exporters: {
            'otlp/traces': { endpoint: 'tempo.tracing.svc:4317' },
            'prometheusremotewrite/amp': { endpoint: 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write' },
            'debug': {},
            'otlp/unused': { endpoint: 'unused.example.com:4317' },
          },
          service: { pipelines: { metrics: { receivers: ['otlp', 'prometheus/models'], exporters: ['prometheusremotewrite/amp'] }, traces: { receivers: ['otlp'], exporters: ['otlp/traces', 'debug'] } } },
        },
      },
    };
    const tempoSvc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'tracing', name: 'tempo' }, spec: { selector: { app: 'tempo' }, ports: [{ port: 4317, targetPort: 4317 }] } };
    const colPod = plainPod('observability', 'otel-collector', { 'app.kubernetes.io/name': 'otel-collector' }, [{ name: 'otc-container' }], 'otel-collector');
    const colTwin: TwinPod = { ...colPod, owner: 'OpenTelemetryCollector observability/otel' };
    const tempo = plainPod('tracing', 'tempo', { app: 'tempo' }, [{ name: 'tempo', ports: [{ containerPort: 4317 }] }]);
    const { flows, notModelled } = flowsOf(ctx([col, tempoSvc], [colTwin, modelPod(), tempo]));
    const x = flows.filter((f) => f.needer === 'OpenTelemetryCollector observability/otel' && f.purpose !== 'cluster DNS');
    expect(x.map((f) => `${f.field} ${flowName(f)}`)).toEqual([
      'spec.config.receivers.prometheus/models.config.scrape_configs[0] flow observability/otel-collector [otc-container] -> search/llama3-8b-stable:8000 (scrape)',
      'spec.config.exporters.otlp/traces.endpoint flow observability/otel-collector [otc-container] -> tracing/tempo:4317 (telemetry export)',
      'spec.config.exporters.prometheusremotewrite/amp.endpoint flow observability/otel-collector [otc-container] -> aps-workspaces.us-east-1.amazonaws.com:443 (telemetry export)',
    ]);
    expect(notModelled).toContain('OpenTelemetryCollector observability/otel spec.config.receivers.prometheus/models.config.scrape_configs[1]: only static_configs and one kubernetes_sd_configs role pod are modelled');
  });

  test('KEDA prometheus triggers: keda-operator -> serverAddress (the operator\'s prometheus-operated Service)', () => {
    const so = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { namespace: 'search', name: 'llama3-8b-stable' },
      spec: { triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: 'x' } }, { type: 'cpu' }] },
    };
    const { flows } = flowsOf(ctx([searchNs, keda, promStack, so], []));
    const x = flows.filter((f) => f.purpose === 'autoscaling query');
    expect(x.map((f) => `${f.field} ${flowName(f)}`)).toEqual([
      'spec.triggers[0].metadata.serverAddress flow keda/keda-operator [keda-operator] -> monitoring/prometheus-kube-prometheus-stack-prometheus:9090 (autoscaling query)',
    ]);
    expect(x[0].service).toEqual({ namespace: 'monitoring', name: 'prometheus-operated', port: 9090 });
  });

  test('webhooks: the API server (outside the pod network) -> every webhook Service, from the derived objects too', () => {
    const vwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'kserve', annotations: { 'twin.llm-platform.io/made-by': 'Application argocd/kserve' } },
      webhooks: [
        { name: 'a', clientConfig: { service: { namespace: 'kserve', name: 'kserve-webhook', port: 443 } } },
        { name: 'b', clientConfig: { url: 'https://x' } },
        // A second webhook on the same Service and port: one flow per configuration.
        { name: 'c', clientConfig: { service: { namespace: 'kserve', name: 'kserve-webhook' } } },
      ],
    };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'kserve', name: 'kserve-webhook' }, spec: { selector: { app: 'kserve' }, ports: [{ port: 443, targetPort: 'webhook' }] } };
    const ctrl = plainPod('kserve', 'kserve-controller', { app: 'kserve' }, [{ name: 'manager', ports: [{ name: 'webhook', containerPort: 9443 }] }]);
    const { flows, notModelled } = flowsOf(ctx([], [ctrl], [vwc, svc]));
    const x = flows.filter((f) => f.purpose === 'admission webhook');
    expect(x.map((f) => `${f.needer} ${f.field} ${flowName(f)}`)).toEqual([
      'ValidatingWebhookConfiguration kserve webhooks[0].clientConfig.service flow kube-apiserver -> kserve/kserve-controller:9443 (admission webhook)',
    ]);
    expect(notModelled).toContain('ValidatingWebhookConfiguration kserve webhooks[1].clientConfig.url: URL webhooks are reached outside the cluster network, not modelled');
  });

  test('image pulls are said to be outside the model', () => {
    expect(flowsOf(ctx([], [], [], { registries: ['123.dkr.ecr.us-east-1.amazonaws.com'] })).notModelled)
      .toContain('image pulls from 123.dkr.ecr.us-east-1.amazonaws.com go from the node (kubelet), outside NetworkPolicy and the mesh: not modelled');
  });
});

describe('Prometheus service discovery and relabelling (role pod)', () => {
  test('without relabelings every declared container port is a target, init containers included', () => {
    expect(scrapeTargets(modelPod(), [], false)).toEqual({ ports: [8000, 15090] });
  });
  test('keep on container and port names, drop, keepequal', () => {
    expect(scrapeTargets(modelPod(), [{ action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' }], false)).toEqual({ ports: [15090] });
    expect(scrapeTargets(modelPod(), [{ action: 'drop', sourceLabels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http.*' }], false)).toEqual({ ports: [] });
    expect(scrapeTargets(modelPod(), [{ action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_init'], regex: 'true' }], false)).toEqual({ ports: [15090] });
    expect(scrapeTargets(modelPod(), [{ action: 'keepequal', sourceLabels: ['__meta_kubernetes_pod_container_port_number'], targetLabel: 'want' }], false)).toEqual({ ports: [] });
  });
  test('the collector\'s $$ escapes and an __address__ rewrite to a fixed port (Go Expand: $1, ${1}, named groups)', () => {
    const rewrite = (replacement: string, regex = '(.+)') => [
      { action: 'keep', regex: 'llama3-8b', source_labels: ['__meta_kubernetes_pod_label_llm_platform_io_model'] },
      { action: 'replace', regex, replacement, source_labels: ['__meta_kubernetes_pod_ip'], target_label: '__address__' },
    ];
    expect(scrapeTargets(modelPod(), rewrite('$$1:8000'), true)).toEqual({ ports: [8000] });
    expect(scrapeTargets(modelPod(), rewrite('$${1}:9000'), true)).toEqual({ ports: [9000] });
    expect(scrapeTargets(modelPod(), rewrite('$${ip}:9100', '(?<ip>.+)'), true)).toEqual({ ports: [9100] });
    // "$1x" names group "1x" (empty), as in Go: the address loses its host and is not the pod's.
    expect(scrapeTargets(modelPod(), rewrite('$$1x:8000'), true)).toEqual({ unknown: 'the relabelled address ":8000" is not the pod\'s IP and a port' });
    expect(scrapeTargets(modelPod(), [{ action: 'keep', regex: 'other', source_labels: ['__meta_kubernetes_pod_label_llm_platform_io_model'] }], true)).toEqual({ ports: [] });
  });
  test('what the twin cannot tell is said, not guessed', () => {
    expect(scrapeTargets(modelPod(), [{ action: 'hashmod', sourceLabels: ['__address__'], modulus: 2, targetLabel: '__tmp_hash' }], false))
      .toEqual({ unknown: 'relabel hashmod (sharding) is not modelled' });
    expect(scrapeTargets(modelPod(), [{ action: 'keep', sourceLabels: ['__meta_kubernetes_pod_controller_kind'], regex: 'ReplicaSet' }], false))
      .toEqual({ unknown: 'relabel keep on __meta_kubernetes_pod_controller_kind is not modelled' });
    expect(scrapeTargets(modelPod(), [{ action: 'keep', sourceLabels: ['__address__'], regex: '(?P<x>.*)' }], false))
      .toEqual({ unknown: 'relabel regex "(?P<x>.*)" is not modelled' });
    expect(scrapeTargets(modelPod(), [{ action: 'replace', targetLabel: '__address__', replacement: 'svc.ns:80' }], false))
      .toEqual({ unknown: 'the relabelled address "svc.ns:80" is not the pod\'s IP and a port' });
  });
});

describe('helpers', () => {
  test('namespace labels: Namespace objects, Argo CD-created namespaces, the automatic name label', () => {
    const labels = namespaceLabelsOf({ index: new ObjectIndex([searchNs, promStack]), derived: [] });
    expect(labels('search')).toEqual({ 'istio-injection': 'enabled', 'llm-platform.io/tenant': 'search', 'kubernetes.io/metadata.name': 'search' });
    expect(labels('monitoring')).toEqual({ 'app.kubernetes.io/managed-by': 'cdk-llm-platform', 'kubernetes.io/metadata.name': 'monitoring' });
    expect(labels('kube-system')).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
  });
  test('service hosts, target ports, endpoints', () => {
    const world = flowWorld(ctx([modelService], []));
    for (const h of ['llama3-8b', 'llama3-8b.search', 'llama3-8b.search.svc', 'llama3-8b.search.svc.cluster.local']) {
      expect(serviceByHost(world, h, 'search')?.metadata.name).toBe('llama3-8b');
    }
    expect(serviceByHost(world, 'llama3-8b', 'other')).toBeUndefined();
    expect(serviceByHost(world, 's3.us-east-1.amazonaws.com', 'search')).toBeUndefined();
    expect(resolveTargetPort(modelPod().pod, 'http')).toBe(8000);
    expect(resolveTargetPort(modelPod().pod, 'http-envoy-prom')).toBe(15090);
    expect(resolveTargetPort(modelPod().pod, 9000)).toBe(9000);
    expect(resolveTargetPort(modelPod().pod, 'nope')).toBeUndefined();
    expect(splitEndpoint('http://prometheus-operated.monitoring.svc:9090')).toEqual({ scheme: 'http', host: 'prometheus-operated.monitoring.svc', port: 9090 });
    expect(splitEndpoint('tempo.tracing.svc:4317')).toEqual({ scheme: undefined, host: 'tempo.tracing.svc', port: 4317 });
    expect(splitEndpoint('https://aps.amazonaws.com/x')).toEqual({ scheme: 'https', host: 'aps.amazonaws.com', port: undefined });
  });
});

// ---------------------------------------------------------------------------------------------------------

/** The tenant of the reference platform, as emitted before the fixes: REGISTRY_ONLY, STRICT, tenant policies. */
function brokenTenant(extra: any[] = [], pods: TwinPod[] = [modelPod()]): TwinContext {
  return ctx([searchNs, istiod(), promStack, pa('istio-system'), pa('search'), ...tenantPolicies('search'), ...modelAuthz(), modelService, ...extra], pods);
}

describe('defect 5: weight download cannot reach S3 nor the Pod Identity agent', () => {
  test('the broken variant (REGISTRY_ONLY, no ServiceEntry, native sidecar capturing the init container) is reported', () => {
    const out = checkFlows(brokenTenant());
    const s3 = out.findings.find((f) => f.problem.includes('(weight download)'));
    expect(s3).toEqual({
      check: 'flows',
      object: 'Deployment search/llama3-8b-stable',
      field: 'spec.template.spec.initContainers[fetch-weights].command',
      problem: 'flow search/llama3-8b-stable [fetch-weights] -> s3.us-east-1.amazonaws.com + acme-llm-prod-models.s3.us-east-1.amazonaws.com:443 (weight download) '
        + 'is blocked by meshConfig.outboundTrafficPolicy REGISTRY_ONLY: no ServiceEntry covers the hosts s3.us-east-1.amazonaws.com, acme-llm-prod-models.s3.us-east-1.amazonaws.com on port 443',
      value: 'meshConfig.outboundTrafficPolicy REGISTRY_ONLY',
      fix: 'add a ServiceEntry (hosts: [s3.us-east-1.amazonaws.com, acme-llm-prod-models.s3.us-east-1.amazonaws.com], port 443 TLS, resolution DNS, location MESH_EXTERNAL) exported to namespace search',
    });
    const agent = out.findings.find((f) => f.problem.includes('(Pod Identity credentials)'));
    expect(agent).toMatchObject({
      object: 'Deployment search/llama3-8b-stable',
      field: 'spec.template.spec.initContainers[fetch-weights]',
      problem: 'flow search/llama3-8b-stable [fetch-weights] -> 169.254.170.23 (EKS Pod Identity agent):80 (Pod Identity credentials) is blocked by meshConfig.outboundTrafficPolicy REGISTRY_ONLY: '
        + 'no ServiceEntry covers the address 169.254.170.23 on port 80',
    });
    expect(agent?.fix).toContain('traffic.sidecar.istio.io/excludeOutboundIPRanges: "169.254.170.23/32"');
    expect(byPurpose(out, 'weight download')).toBe('weight download: 0/1 allowed');
  });

  test('the fixed variant (ServiceEntry for S3, the agent excluded from capture) passes', () => {
    const se = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { namespace: 'istio-system', name: 's3' },
      spec: { hosts: ['s3.us-east-1.amazonaws.com', '*.s3.us-east-1.amazonaws.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], location: 'MESH_EXTERNAL', resolution: 'DNS' },
    };
    const pod = modelPod('llama3-8b-stable', { annotations: { 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.170.23/32' } });
    pod.pod.spec.initContainers[0].args = ['istio-iptables', '-i', '*', '-x', '169.254.170.23/32'];
    const out = checkFlows(brokenTenant([se], [pod]));
    expect(out.findings.filter((f) => /weight download|Pod Identity/.test(f.problem))).toEqual([]);
    expect(byPurpose(out, 'weight download')).toBe('weight download: 1/1 allowed');
    expect(byPurpose(out, 'Pod Identity credentials')).toBe('Pod Identity credentials: 1/1 allowed');
  });

  test('ALLOW_ANY and a classic (non-native) sidecar: the init container is captured before the proxy runs', () => {
    const out = checkFlows(ctx([searchNs, istiod('ALLOW_ANY'), ...tenantPolicies('search')], [modelPod('llama3-8b-stable', { native: false })]));
    const s3 = out.findings.find((f) => f.problem.includes('(weight download)'));
    expect(s3?.problem).toContain('is blocked by istio-iptables: init container fetch-weights is captured by istio-iptables but istio-proxy is not running yet (not a native sidecar)');
    expect(s3?.fix).toContain('native sidecar');
  });

  test('a NetworkPolicy without HTTPS egress blocks S3 at the NetworkPolicy layer', () => {
    const policies = tenantPolicies('search').filter((p) => p.metadata.name !== 'allow-https-egress');
    const out = checkFlows(ctx([searchNs, istiod('ALLOW_ANY'), ...policies], [modelPod()]));
    const s3 = out.findings.find((f) => f.problem.includes('(weight download)'));
    expect(s3?.problem).toContain('is blocked by NetworkPolicy search/default-deny, NetworkPolicy search/allow-dns');
    expect(s3?.fix).toBe('add an egress rule to a NetworkPolicy in namespace search selecting the source pods, to an ipBlock covering s3.us-east-1.amazonaws.com, '
      + 'acme-llm-prod-models.s3.us-east-1.amazonaws.com (e.g. 0.0.0.0/0 except the instance metadata address, or the AWS prefix list\'s CIDRs) on 443/TCP');
  });
});

describe('defect 10: scrapes under STRICT mTLS and tenant policies admitting only the monitoring namespace', () => {
  const podMonitor = (port: any) => ({
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'PodMonitor',
    metadata: { namespace: 'search', name: 'llama3-8b-metrics' },
    spec: { namespaceSelector: { matchNames: ['search'] }, selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b' } }, podMetricsEndpoints: [{ ...port, path: '/metrics', scheme: 'http' }] },
  });

  test('the broken variant (Prometheus scrapes the app port over plain HTTP) is reported, naming PeerAuthentication and then the AuthorizationPolicy', () => {
    const out = checkFlows(brokenTenant([podMonitor({ portNumber: 8000 })]));
    const f = out.findings.find((x) => x.object === 'PodMonitor search/llama3-8b-metrics');
    expect(f).toMatchObject({
      field: 'spec.podMetricsEndpoints[0].portNumber',
      problem: 'flow monitoring/prometheus-kube-prometheus-stack-prometheus [prometheus] -> search/llama3-8b-stable:8000 (scrape) is blocked by PeerAuthentication search/default: '
        + 'PeerAuthentication search/default spec.mtls.mode is STRICT and the client monitoring/prometheus-kube-prometheus-stack-prometheus (no sidecar) connects in plain text '
        + '(then also by AuthorizationPolicy search/llama3-8b-allow)',
    });
    expect(f?.fix).toContain('Istio metrics merging (the sidecar\'s port 15020 /stats/prometheus');
  });

  test('the fixed variant (Istio metrics merging: the proxy target, its address rewritten to prometheus.io/port 15020) passes', () => {
    // As istio.io ops/integrations/prometheus documents: the sidecar serves merged metrics on 15020, which it never captures.
    const merged = podMonitor({ port: 'http-envoy-prom' });
    merged.spec.podMetricsEndpoints[0].relabelings = [
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
      { action: 'keep', sourceLabels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'], regex: 'true' },
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'],
        regex: '(\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})',
        replacement: '[$2]:$1',
        targetLabel: '__address__',
      },
      {
        action: 'replace',
        sourceLabels: ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'],
        regex: '(\\d+);((([0-9]+?)(\\.|$)){4})',
        replacement: '$2:$1',
        targetLabel: '__address__',
      },
    ];
    const out = checkFlows(brokenTenant([merged]));
    expect(out.findings.filter((x) => x.object === 'PodMonitor search/llama3-8b-metrics')).toEqual([]);
    expect(byPurpose(out, 'scrape')).toBe('scrape: 1/1 allowed');
    const { flows } = flowsOf(brokenTenant([merged]));
    expect(flows.filter((f) => f.purpose === 'scrape').map((f) => f.port)).toEqual([15020]);
  });

  test('portNumber 15020 alone selects nothing: prometheus-operator keeps targets whose declared container port is 15020, and none declares it', () => {
    const { flows, notModelled } = flowsOf(brokenTenant([podMonitor({ portNumber: 15020 })]));
    expect(flows.filter((f) => f.purpose === 'scrape')).toEqual([]);
    expect(notModelled).toContain('PodMonitor search/llama3-8b-metrics spec.podMetricsEndpoints[0]: no port of search/llama3-8b-stable is left to scrape (port 15020 not declared, or dropped by the relabelings)');
  });

  test('scraping with Istio certificates is mTLS, and the monitoring namespace rule then matches', () => {
    const pm = podMonitor({ portNumber: 8000 });
    pm.spec.podMetricsEndpoints[0] = { ...pm.spec.podMetricsEndpoints[0], scheme: 'https', tlsConfig: { caFile: '/etc/prom-certs/root-cert.pem', certFile: '/etc/prom-certs/cert-chain.pem' } };
    const out = checkFlows(brokenTenant([pm]));
    expect(out.findings.filter((x) => x.object === 'PodMonitor search/llama3-8b-metrics')).toEqual([]);
  });

  test('a Prometheus with its own sidecar dialling pod IPs (ALLOW_ANY passthrough): whether it is an mTLS peer is not modelled, never a guess', () => {
    const prom = modelPod('prometheus');
    prom.pod.metadata = { namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, annotations: {} };
    prom.pod.spec.initContainers = prom.pod.spec.initContainers.filter((c: any) => c.name !== 'fetch-weights');
    prom.pod.spec.containers = [{ name: 'prometheus', ports: [{ name: 'web', containerPort: 9090 }] }];
    const promTwin: TwinPod = { ...prom, namespace: 'monitoring', namePrefix: 'prometheus-' };
    const c = ctx([searchNs, istiod('ALLOW_ANY'), promStack, pa('search'), ...modelAuthz(), podMonitor({ portNumber: 8000 })], [modelPod(), promTwin]);
    const out = checkFlows(c);
    expect(out.findings.filter((x) => x.object === 'PodMonitor search/llama3-8b-metrics')).toEqual([]);
    expect(out.notModelled).toContain('flow monitoring/prometheus [prometheus] -> search/llama3-8b-stable:8000 (scrape): PeerAuthentication search/default is STRICT '
      + 'and whether the client connects with mTLS (a pod IP through the client\'s sidecar) is not modelled');
  });

  test('the collector\'s own scrape is blocked by the tenant NetworkPolicies (only monitoring is admitted)', () => {
    const col = {
      apiVersion: 'opentelemetry.io/v1beta1',
      kind: 'OpenTelemetryCollector',
      metadata: { namespace: 'observability', name: 'otel-gateway' },
      spec: {
        config: {
          receivers: {
            'prometheus/models': {
              config: {
                scrape_configs: [{
                  job_name: 'm',
                  kubernetes_sd_configs: [{ role: 'pod', namespaces: { names: ['search'] } }],
                  relabel_configs: [{ action: 'keep', regex: 'llama3-8b', source_labels: ['__meta_kubernetes_pod_label_llm_platform_io_model'] },
                    { action: 'replace', regex: '(.+)', replacement: '$$1:8000', source_labels: ['__meta_kubernetes_pod_ip'], target_label: '__address__' }],
                }],
              },
            },
          },
          service: { pipelines: { metrics: { receivers: ['prometheus/models'], exporters: [] } } },
        },
      },
    };
    const colPod: TwinPod = { ...plainPod('observability', 'otel-gateway-collector', { 'app.kubernetes.io/name': 'otel-gateway-collector' }, [{ name: 'otc-container' }]), owner: 'OpenTelemetryCollector observability/otel-gateway' };
    const out = checkFlows(brokenTenant([col, ns('observability')], [modelPod(), colPod]));
    const f = out.findings.find((x) => x.object === 'OpenTelemetryCollector observability/otel-gateway' && x.problem.includes('(scrape)'));
    expect(f).toMatchObject({
      field: 'spec.config.receivers.prometheus/models.config.scrape_configs[0]',
      fix: 'add an ingress rule to a NetworkPolicy in namespace search selecting the destination pods, from namespaceSelector kubernetes.io/metadata.name=observability '
        + 'with podSelector app.kubernetes.io/name=otel-gateway-collector on 8000/TCP',
    });
    expect(f?.problem).toContain('is blocked by NetworkPolicy search/default-deny');
    expect(f?.problem).toContain('(then also by PeerAuthentication search/default, AuthorizationPolicy search/llama3-8b-allow)');
  });
});

describe('evaluation through every layer', () => {
  const gateway = { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { namespace: 'istio-ingress', name: 'llm-gateway' }, spec: { selector: { istio: 'ingressgateway' } } };
  const vs = {
    apiVersion: 'networking.istio.io/v1',
    kind: 'VirtualService',
    metadata: { namespace: 'istio-ingress', name: 'route' },
    spec: { gateways: ['llm-gateway'], http: [{ route: [{ destination: { host: 'llama3-8b.search.svc.cluster.local', port: { number: 8000 } } }] }] },
  };

  test('gateway -> model over mTLS with the gateway principal is allowed; a wrong principal is denied by the AuthorizationPolicy', () => {
    const ok = checkFlows(brokenTenant([ingress, gateway, vs]));
    expect(byPurpose(ok, 'gateway route')).toBe('gateway route: 1/1 allowed');
    const wrong = checkFlows(brokenTenant([app('prod-istio-ingress', 'gateway', 'istio-ingress', { labels: { istio: 'ingressgateway' } }, 'istio-ingress'), gateway, vs]));
    const f = wrong.findings.find((x) => x.object === 'VirtualService istio-ingress/route');
    expect(f?.problem).toContain('is blocked by AuthorizationPolicy search/llama3-8b-allow: ALLOW policies apply (AuthorizationPolicy search/default-deny, AuthorizationPolicy search/llama3-8b-allow; '
      + 'AuthorizationPolicy search/default-deny allows nothing) and none matches');
    expect(f?.fix).toBe('add an ALLOW rule for cluster.local/ns/istio-ingress/sa/istio-ingress on port 8000 to an AuthorizationPolicy selecting the destination pods in namespace search');
  });

  test('a DestinationRule disabling TLS makes the gateway a plain-text client, which STRICT rejects', () => {
    const dr = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { namespace: 'search', name: 'llama3-8b' },
      spec: { host: 'llama3-8b', trafficPolicy: { tls: { mode: 'DISABLE' } } },
    };
    const out = checkFlows(brokenTenant([ingress, gateway, vs, dr]));
    expect(out.findings.find((x) => x.object === 'VirtualService istio-ingress/route')?.problem).toContain('is blocked by PeerAuthentication search/default');
  });

  test('a default-deny egress without DNS blocks cluster DNS; the finding names the pod owner', () => {
    const https = np('search', 'allow-https', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] });
    const out = checkFlows(ctx([searchNs, np('search', 'default-deny', { podSelector: {}, policyTypes: ['Egress'] }), https], [plainPod('search', 'a', { app: 'a' })]));
    expect(out).toMatchObject({ check: 'flows', checked: 2, passed: 0 });
    expect(out.findings[0]).toMatchObject({
      object: 'Deployment search/a',
      field: 'spec.template',
      problem: 'flow search/a [main] -> kube-system/kube-dns:53/UDP (cluster DNS) is blocked by NetworkPolicy search/default-deny, NetworkPolicy search/allow-https: '
        + 'the source is isolated for egress by NetworkPolicy search/default-deny, NetworkPolicy search/allow-https and no rule allows this destination on 53/UDP',
      fix: 'add an egress rule to a NetworkPolicy in namespace search selecting the source pods, to namespaceSelector kubernetes.io/metadata.name=kube-system with podSelector k8s-app=kube-dns on 53/UDP',
    });
  });

  test('pods whose NetworkPolicies allow no egress at all are deliberately offline: DNS is not required of them, and the summary says so', () => {
    const deny = np('nvidia-gpu', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const plugin = plainPod('nvidia-gpu', 'nvidia-device-plugin', { app: 'plugin' });
    const out = checkFlows(ctx([deny], [plugin]));
    expect(out).toMatchObject({ checked: 0, passed: 0, findings: [] });
    expect(out.summary).toEqual(['cluster DNS not required of 1 pod(s) whose NetworkPolicies allow no egress at all (deliberately offline): nvidia-gpu/nvidia-device-plugin']);
    // One egress rule anywhere makes the pod networked again, and then it needs DNS.
    const some = np('nvidia-gpu', 'allow-api', { podSelector: {}, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] });
    expect(checkFlows(ctx([deny, some], [plugin])).findings).toHaveLength(2);
  });

  test('the API server reaching a webhook: an ingress default-deny blocks it; an ipBlock of part of the VPC is not modelled', () => {
    const vwc = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'w' }, webhooks: [{ name: 'a', clientConfig: { service: { namespace: 'kserve', name: 'wh' } } }] };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'kserve', name: 'wh' }, spec: { selector: { app: 'kserve' }, ports: [{ port: 443, targetPort: 9443 }] } };
    const ctrl = plainPod('kserve', 'kserve-controller', { app: 'kserve' }, [{ name: 'manager', ports: [{ containerPort: 9443 }] }]);
    const deny = np('kserve', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const blocked = checkFlows(ctx([deny], [ctrl], [vwc, svc]));
    const f = blocked.findings.find((x) => x.object === 'ValidatingWebhookConfiguration w');
    expect(f?.fix).toBe('add an ingress rule to a NetworkPolicy in namespace kserve selecting the destination pods, from an ipBlock covering the cluster\'s control plane ENIs (the VPC CIDR) on 9443/TCP');
    const partial = np('kserve', 'vpc', { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/16' } }] }] });
    const unknown = checkFlows(ctx([deny, partial], [ctrl], [vwc, svc]));
    expect(unknown.findings.filter((x) => x.object === 'ValidatingWebhookConfiguration w')).toEqual([]);
    expect(unknown.notModelled.some((l) => l.startsWith('flow kube-apiserver -> kserve/kserve-controller:9443 (admission webhook): NetworkPolicy kserve/vpc:'))).toBe(true);
  });

  test('a webhook pod with a sidecar under STRICT rejects the API server (a plain-text client outside the mesh)', () => {
    const vwc = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'w' },
      webhooks: [{ name: 'a', clientConfig: { service: { namespace: 'search', name: 'wh', port: 443 } } }],
    };
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'search', name: 'wh' }, spec: { selector: { 'llm-platform.io/model': 'llama3-8b' }, ports: [{ port: 443, targetPort: 'http' }] } };
    const out = checkFlows(ctx([searchNs, istiod(), pa('search')], [modelPod()], [vwc, svc]));
    const f = out.findings.find((x) => x.object === 'ValidatingWebhookConfiguration w');
    expect(f).toMatchObject({
      field: 'webhooks[0].clientConfig.service',
      problem: 'flow kube-apiserver -> search/llama3-8b-stable:8000 (admission webhook) is blocked by PeerAuthentication search/default: '
        + 'PeerAuthentication search/default spec.mtls.mode is STRICT and the client (the API server, outside the mesh) connects in plain text',
      fix: 'exclude port 8000 from inbound capture (traffic.sidecar.istio.io/excludeInboundPorts) or do not inject the webhook\'s pods',
    });
  });

  test('KEDA -> Prometheus: allowed without policies, blocked by a default-deny ingress in monitoring', () => {
    const so = {
      apiVersion: 'keda.sh/v1alpha1',
      kind: 'ScaledObject',
      metadata: { namespace: 'search', name: 'llama3-8b-stable' },
      spec: { triggers: [{ type: 'prometheus', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090' } }] },
    };
    expect(byPurpose(checkFlows(ctx([keda, promStack, so], [])), 'autoscaling query')).toBe('autoscaling query: 1/1 allowed');
    const deny = np('monitoring', 'deny', { podSelector: {}, policyTypes: ['Ingress'] });
    const out = checkFlows(ctx([keda, promStack, so, deny], []));
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]).toMatchObject({
      object: 'ScaledObject search/llama3-8b-stable',
      field: 'spec.triggers[0].metadata.serverAddress',
      fix: 'add an ingress rule to a NetworkPolicy in namespace monitoring selecting the destination pods, from namespaceSelector kubernetes.io/metadata.name=keda '
        + 'with podSelector app.kubernetes.io/name=keda-operator on 9090/TCP',
    });
  });

  test('CNI-specific policy kinds are reported as not modelled, never crash', () => {
    const cilium = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { namespace: 'search', name: 'c' }, spec: {} };
    const calico = { apiVersion: 'crd.projectcalico.org/v1', kind: 'NetworkPolicy', metadata: { namespace: 'search', name: 'k' }, spec: { podSelector: 'nonsense' } };
    const out = checkFlows(ctx([searchNs, cilium, calico], [plainPod('search', 'a', { app: 'a' })]));
    expect(out.notModelled).toEqual(expect.arrayContaining([
      'CiliumNetworkPolicy search/c (cilium.io/v2): CNI-specific network policies are not evaluated; flows are judged by Kubernetes NetworkPolicy only',
      'NetworkPolicy search/k (crd.projectcalico.org/v1): CNI-specific network policies are not evaluated; flows are judged by Kubernetes NetworkPolicy only',
    ]));
    expect(out.passed).toBe(out.checked);
  });

  test('odd input never crashes', () => {
    const odd = [
      { kind: 'VirtualService', metadata: { name: 'x' }, spec: { gateways: ['g'], http: [null, { route: [{}] }] } },
      { kind: 'PodMonitor', metadata: { name: 'p' }, spec: { podMetricsEndpoints: [{}] } },
      { kind: 'ScaledObject', metadata: { name: 's' }, spec: { triggers: [{ type: 'prometheus', metadata: {} }] } },
      { kind: 'OpenTelemetryCollector', metadata: { name: 'o' }, spec: { config: 'not: [yaml' } },
      { kind: 'MutatingWebhookConfiguration', metadata: { name: 'm' }, webhooks: [{ clientConfig: { service: { namespace: 'x', name: 'y' } } }] },
      keda, promStack, istiod(),
    ];
    const pod = plainPod('x', 'weird', {});
    pod.pod.spec = {};
    expect(() => checkFlows(ctx(odd, [pod]))).not.toThrow();
  });
});

describe('HTTPRoutes to Services (Gateway API north-south): the Gateway\'s pods -> the Service\'s pods', () => {
  const tenantSelector = (names: string[]) => ({ from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: names }] } });
  /** The platform's Gateway: bound to the ingress gateway chart's pods through its Service (Istio "manual deployment"). */
  const llmGateway = (address = 'istio-ingress.istio-ingress.svc.cluster.local', tenants = ['search']) => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'Gateway',
    metadata: { namespace: 'istio-ingress', name: 'llm-gateway' },
    spec: {
      gatewayClassName: 'istio',
      addresses: [{ type: 'Hostname', value: address }],
      listeners: [
        {
          name: 'https',
          port: 443,
          protocol: 'HTTPS',
          hostname: 'llm.example.com',
          tls: { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: 'llm-tls' }] },
          allowedRoutes: { namespaces: tenantSelector(tenants) },
        },
        { name: 'http', port: 80, protocol: 'HTTP', hostname: 'llm.example.com', allowedRoutes: { namespaces: { from: 'Same' } } },
      ],
    },
  });
  const httpRoute = (backendRefs: any[], parentRef: any = { name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'https' }, namespace = 'search') => ({
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'HTTPRoute',
    metadata: { namespace, name: 'llama3-8b' },
    spec: { hostnames: ['llm.example.com'], parentRefs: [parentRef], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/search/llama3-8b/' } }], backendRefs }] },
  });
  const versionService = (version: string) => ({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { namespace: 'search', name: `llama3-8b-${version}` },
    spec: { selector: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': version }, ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] },
  });
  const weighted = [
    { group: '', kind: 'Service', name: 'llama3-8b-stable', port: 8000, weight: 90 },
    { group: '', kind: 'Service', name: 'llama3-8b-candidate', port: 8000, weight: 10 },
  ];
  const pods = [modelPod(), modelPod('llama3-8b-candidate')];

  test('each backendRef Service: the gateway chart\'s pods -> the pods behind it on the target port, through the Service (weighted backends each), without any InferencePool', () => {
    const objects = [searchNs, istiod(), ingress, llmGateway(), httpRoute(weighted), versionService('stable'), versionService('candidate')];
    const { flows, notModelled } = flowsOf(ctx(objects, pods));
    const x = flows.filter((f) => f.purpose === 'gateway route');
    expect(x.map(flowName)).toEqual([
      'flow istio-ingress/istio-ingress [istio-proxy] -> search/llama3-8b-stable:8000 (gateway route)',
      'flow istio-ingress/istio-ingress [istio-proxy] -> search/llama3-8b-candidate:8000 (gateway route)',
    ]);
    expect(x[0]).toMatchObject({
      needer: 'HTTPRoute search/llama3-8b',
      field: 'spec.rules[0].backendRefs[0]',
      container: 'istio-proxy',
      protocol: 'TCP',
      service: { namespace: 'search', name: 'llama3-8b-stable', port: 8000 },
      http: {},
      requestPrincipalUnknown: true,
    });
    expect(x[1]).toMatchObject({ field: 'spec.rules[0].backendRefs[1]', service: { name: 'llama3-8b-candidate' } });
    // the gateway chart's pods (app=<release>, istio=ingressgateway, ServiceAccount istio-ingressgateway), as for VirtualService routes
    expect(x[0].src.twin?.pod.metadata.labels).toEqual({ app: 'istio-ingress', istio: 'ingressgateway' });
    expect(x[0].src.twin?.pod.spec.serviceAccountName).toBe('istio-ingressgateway');
    expect(notModelled.filter((n) => n.startsWith('HTTPRoute'))).toEqual([]);
  });

  test('the address may name the gateway\'s Service of the output: its selector picks the gateway pods', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { namespace: 'istio-ingress', name: 'istio-ingressgateway' }, spec: { selector: { istio: 'ingressgateway' }, ports: [{ name: 'https', port: 443 }] } };
    const objects = [searchNs, istiod(), ingress, svc, llmGateway('istio-ingressgateway.istio-ingress.svc.cluster.local'), httpRoute([weighted[0]]), versionService('stable')];
    const x = flowsOf(ctx(objects, pods)).flows.filter((f) => f.purpose === 'gateway route');
    expect(x.map(flowName)).toEqual(['flow istio-ingress/istio-ingress [istio-proxy] -> search/llama3-8b-stable:8000 (gateway route)']);
  });

  test('without a sectionName the route attaches to the listeners that admit it (https here; http admits its own namespace only)', () => {
    const route = httpRoute([weighted[0]], { name: 'llm-gateway', namespace: 'istio-ingress' });
    const x = flowsOf(ctx([searchNs, istiod(), ingress, llmGateway(), route, versionService('stable')], pods)).flows.filter((f) => f.purpose === 'gateway route');
    expect(x).toHaveLength(1);
  });

  test('a parent listener that does not exist, or that does not admit the route\'s namespace, gives no flow (the references check reports it)', () => {
    const base = [searchNs, ns('vision'), istiod(), ingress, llmGateway(), versionService('stable')];
    const wrongSection = flowsOf(ctx([...base, httpRoute([weighted[0]], { name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'grpc' })], pods));
    expect(wrongSection.flows.filter((f) => f.purpose === 'gateway route')).toEqual([]);
    expect(wrongSection.notModelled).toContain('HTTPRoute search/llama3-8b spec.parentRefs[0]: not attached to Gateway istio-ingress/llm-gateway (NoMatchingParent), no flows');
    const otherTenant = { ...httpRoute([{ name: 'llama3-8b-stable', namespace: 'search', port: 8000 }], undefined, 'vision') };
    const refused = flowsOf(ctx([...base, otherTenant], pods));
    expect(refused.flows.filter((f) => f.purpose === 'gateway route')).toEqual([]);
    expect(refused.notModelled).toContain('HTTPRoute vision/llama3-8b spec.parentRefs[0]: not attached to Gateway istio-ingress/llm-gateway (NotAllowedByListeners), no flows');
    const missing = flowsOf(ctx([...base, httpRoute([weighted[0]], { name: 'gone', namespace: 'istio-ingress' })], pods));
    expect(missing.notModelled).toContain('HTTPRoute search/llama3-8b spec.parentRefs[0]: Gateway istio-ingress/gone is not in the output');
  });

  test('through the tenant\'s mesh and NetworkPolicies: allowed (mTLS, the gateway principal); without allow-mesh-ingress, blocked at the NetworkPolicy', () => {
    const extra = [ingress, llmGateway(), httpRoute([{ name: 'llama3-8b', port: 8000 }])];
    const ok = checkFlows(brokenTenant(extra));
    expect(byPurpose(ok, 'gateway route')).toBe('gateway route: 1/1 allowed');
    const closed = brokenTenant(extra);
    const objects = closed.index.objects.filter((o) => !(o.kind === 'NetworkPolicy' && o.metadata.name === 'allow-mesh-ingress'));
    const out = checkFlows({ ...closed, index: new ObjectIndex(objects) });
    expect(byPurpose(out, 'gateway route')).toBe('gateway route: 0/1 allowed');
    const f = out.findings.find((x) => x.problem.includes('(gateway route)'));
    expect(f).toMatchObject({
      check: 'flows',
      object: 'HTTPRoute search/llama3-8b',
      field: 'spec.rules[0].backendRefs[0]',
      fix: 'add an ingress rule to a NetworkPolicy in namespace search selecting the destination pods, from namespaceSelector kubernetes.io/metadata.name=istio-ingress '
        + 'with podSelector app=istio-ingress on 8000/TCP',
    });
    expect(f?.problem).toMatch(/^flow istio-ingress\/istio-ingress \[istio-proxy\] -> search\/llama3-8b-stable:8000 \(gateway route\) is blocked by NetworkPolicy search\/default-deny/);
  });

  test('the report lists the flows, and a blocked one is a problem in the ValidationError grammar', () => {
    const deployment = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { namespace: 'search', name: 'llama3-8b-stable' },
      spec: {
        selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': 'stable' } },
        template: {
          metadata: { labels: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': 'stable' } },
          spec: { containers: [{ name: 'server', image: 'r.example.com/vllm@sha256:1', ports: [{ name: 'http', containerPort: 8000 }] }] },
        },
      },
    };
    const objects = [ns('search'), ingress, llmGateway(), httpRoute([weighted[0]]), versionService('stable'), deployment];
    const report = PlatformTwin.check(objects);
    expect(report.flows.summary).toContain('gateway route: 1/1 allowed');
    expect(report.toString()).toContain('  flows: gateway route: 1/1 allowed');
    const closed = PlatformTwin.check([...objects, np('search', 'default-deny', { podSelector: {}, policyTypes: ['Ingress'] })]);
    expect(closed.toString()).toContain('  flows: gateway route: 0/1 allowed');
    const p = closed.validationProblems.find((x) => x.problem.includes('(gateway route)'));
    expect(p?.prop).toBe('HTTPRoute search/llama3-8b spec.rules[0].backendRefs[0]');
    expect(p?.fix).toMatch(/^add an ingress rule to a NetworkPolicy in namespace search/);
  });
});

describe('the reference platform', () => {
  test('its current output is checked end to end: every family of flows is derived and every finding is in the ValidationError grammar', () => {
    const objects = new KubernetesPlatform(new App(), 'acme-llm', { spec }).manifests().map((m) => m.resource);
    const index = new ObjectIndex(objects);
    const sas = index.ofKind('ServiceAccount').map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    const options: ResolvedTwinOptions = { ...OPTIONS, podIdentityServiceAccounts: sas };
    const inventory = workloadPodsOf(index, options);
    const out = checkFlows({ index, pods: inventory.pods, derived: inventory.derived, options });
    expect(out.check).toBe('flows');
    expect(out.checked).toBeGreaterThan(40);
    expect(out.passed).toBeLessThanOrEqual(out.checked);
    expect(out.passed + out.findings.length).toBeLessThanOrEqual(out.checked);
    for (const purpose of ['cluster DNS', 'istiod xDS', 'Pod Identity credentials', 'weight download', 'scrape', 'autoscaling query']) {
      expect(byPurpose(out, purpose)).toBeDefined();
    }
    // the ingress: VirtualService routes (an Istio Gateway) or HTTPRoutes to Services (a Gateway API Gateway)
    expect(byPurpose(out, 'gateway route') ?? byPurpose(out, 'gateway route')).toBeDefined();
    for (const f of out.findings) {
      expect(f.object).toMatch(/^[A-Za-z]+ \S+$/);
      expect(f.problem).toMatch(/^flow \S+.* -> .* \(.+\) is blocked by .+: .+/);
      expect(f.fix).toMatch(/^[a-z]/);
      expect(f.fix).not.toMatch(/\.$/);
    }
  });
});

describe('the inference path (Gateway API Inference Extension): the flows it needs, through the platform\'s mesh and NetworkPolicies', () => {
  const EPP = `123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/gateway-api-inference-extension/epp@sha256:${'e'.repeat(64)}`;
  function referenceWithInference(isolatePicker = false) {
    // the reference platform's objects with the inference path of its llama3-8b (stable and candidate): the platform's own
    // when it routes through InferencePools (IngressApi.GATEWAY_API), else built in a chart of their own (in the platform,
    // the picker's RBAC is the tenancy component's: the tenant's AppProject admits no RBAC) with a Gateway API Gateway
    const platformObjects = new KubernetesPlatform(new App(), 'acme-llm', { spec }).manifests().map((m) => m.resource);
    let objects = [...platformObjects];
    if (!platformObjects.some((o) => o.kind === 'InferencePool' && o.metadata?.namespace === 'search')) {
      const model = ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', runtime: ModelRuntime.VLLM, versions: ['stable', 'candidate'] });
      objects.push(...synthChart((chart) => {
        new InferencePoolRoute(chart, 'Inference', { model, gateway: { name: 'llm', namespace: 'istio-ingress' }, pickerImage: EPP, canary: { candidateWeight: 10 } });
      }));
      // a Gateway API Gateway bound to the platform's ingress gateway deployment (Istio "manual deployment": its Service)
      objects.push({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: { name: 'llm', namespace: 'istio-ingress' },
        spec: {
          gatewayClassName: 'istio',
          addresses: [{ type: 'Hostname', value: 'istio-ingress.istio-ingress.svc.cluster.local' }],
          listeners: [{ name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ name: 'llm-tls' }] }, allowedRoutes: { namespaces: { from: 'All' } } }],
        },
      });
    }
    // a tenant that admits nothing from the gateway namespace (its allow-mesh-ingress removed) and no picker NetworkPolicy
    if (isolatePicker) objects = objects.filter((o) => !(o.kind === 'NetworkPolicy' && (o.metadata.name === 'allow-mesh-ingress' || /-epp$/.test(o.metadata.name))));
    const index = new ObjectIndex(objects);
    const sas = index.ofKind('ServiceAccount').map((s) => `${s.metadata.namespace}/${s.metadata.name}`);
    const report = PlatformTwin.check(objects, { podIdentityServiceAccounts: sas, registries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com'] });
    return { index, report, derived: workloadPodsOf(index, { ...OPTIONS, podIdentityServiceAccounts: sas }).derived };
  }
  const line = (report: PlatformTwinReport, purpose: string) => report.flows.summary.find((x) => x.startsWith(`${purpose}:`));

  test('istiod\'s shadow Service of each pool is modelled (name, selector, ports from the vendored Istio facts)', () => {
    const { index, derived } = referenceWithInference();
    const shadow = derived.filter((o) => o.kind === 'Service' && o.metadata?.labels?.['istio.io/inferencepool-name']);
    const hashed = (pool: string) => `${pool}-ip-${crypto.createHash('sha256').update(pool).digest('hex').slice(0, 8)}`;
    // one per InferencePool of the output, in its namespace
    expect(shadow.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort())
      .toEqual(index.ofKind('InferencePool').map((p) => `${p.metadata.namespace}/${hashed(p.metadata.name)}`).sort());
    const stable = shadow.find((s) => s.metadata.namespace === 'search' && s.metadata.name === hashed('llama3-8b-stable'));
    expect(stable?.spec).toMatchObject({ clusterIP: 'None', ports: [{ name: 'http-0', port: 54321, targetPort: 8000, protocol: 'TCP' }] });
    expect(shadow.map((s) => s.metadata.name)).toContain(hashed('llama3-8b-candidate'));
  });

  test('gateway -> picker (ext_proc), gateway -> pool pods (mTLS through the shadow Service), picker -> model metrics (merged port) and -> API server: all allowed', () => {
    const { report } = referenceWithInference();
    for (const purpose of ['ext_proc', 'inference route', 'endpoint picker metrics', 'endpoint picker watch']) {
      const found = line(report, purpose);
      expect(found).toBeDefined();
      const [, passed, checked] = /: (\d+)\/(\d+) allowed/.exec(found!)!;
      expect(Number(checked)).toBeGreaterThan(0);
      expect(passed).toBe(checked);
    }
    expect(report.problems.filter((p) => /ext_proc|inference route|endpoint picker/.test(p.problem))).toEqual([]);
  });

  test('a picker the gateway cannot reach is found: the twin names the flow and the layer that blocks it', () => {
    const { report } = referenceWithInference(true);
    const blocked = report.problems.filter((p) => p.problem.includes('(ext_proc)'));
    expect(blocked.length).toBeGreaterThan(0);
    expect(blocked[0].problem).toMatch(/is blocked by .*NetworkPolicy|default-deny/);
  });
});
