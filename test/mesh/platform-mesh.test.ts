/**
 * The mesh and observability defects of issue 12 (5, 9, 10, 11, 12, 14, 17) on a whole platform: what
 * `KubernetesPlatform` emits from a spec with an ingress gateway, AMP metrics and a traces backend.
 */
import { App } from 'cdk8s';
import { MeshExtensionProvider } from '../../src/mesh';
import { KubernetesPlatform } from '../../src/platform/kubernetes-platform';
import { PlatformSpecValidator } from '../../src/platform/platform-spec-validator';
import { DIGEST, REGISTRY, smallSpec } from '../platform/fixtures';

const AMP = 'arn:aws:aps:us-east-1:123456789012:workspace/ws-1234abcd-5678-90ef-1234-567890abcdef';
const base = smallSpec();
const spec = smallSpec({
  images: { ...base.images, otelCollector: `${REGISTRY}/mirror/opentelemetry-collector-contrib${DIGEST}` },
  mesh: { ingressHosts: ['llm.example.com'], tlsCredentialName: 'llm-tls', tlsIssuer: { name: 'letsencrypt-prod' }, tracingSamplingPercentage: 5 },
  observability: { ampWorkspaceArn: AMP, tracesEndpoint: 'tempo-distributor.tracing.svc:4317' },
});

describe('KubernetesPlatform: mesh and observability wiring', () => {
  const platform = new KubernetesPlatform(new App(), 'acme', { spec });
  const objects = platform.manifests().map((m) => m.resource);
  const find = (kind: string, name: string, namespace?: string) => {
    const found = objects.filter((o) => o.kind === kind && o.metadata.name === name
      && (namespace === undefined || o.metadata.namespace === namespace));
    expect(found).toHaveLength(1);
    return found[0];
  };

  const podAnnotations = () => {
    const deployments = objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === 'search' && o.metadata.name.startsWith('llama3-8b'));
    expect(deployments.length).toBeGreaterThan(0);
    return deployments[0].spec.template.metadata.annotations;
  };

  test('defect 5: the tenant reaches the model store and the Pod Identity agent under REGISTRY_ONLY', () => {
    expect(platform.meshConfig.toValues().outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    const s3 = find('ServiceEntry', `s3-${platform.names.modelStoreBucket}`, 'search');
    expect(s3.spec.hosts).toEqual([`${platform.names.modelStoreBucket}.s3.us-east-1.amazonaws.com`, 's3.us-east-1.amazonaws.com']);
    expect(find('ServiceEntry', 'eks-pod-identity-agent', 'search').spec.addresses).toEqual(['169.254.170.23/32']);
    const pod = podAnnotations();
    expect(pod['traffic.sidecar.istio.io/excludeOutboundIPRanges']).toBe('169.254.170.23/32');
  });

  test('defect 10: model monitors scrape the merged port, and the tenant admits exactly Prometheus and the collector on it', () => {
    const pm = find('PodMonitor', 'llama3-8b-metrics', 'search');
    expect(pm.spec.podMetricsEndpoints[0]).toMatchObject({ port: 'http-envoy-prom', path: '/stats/prometheus' });
    expect(podAnnotations()).toMatchObject({ 'prometheus.io/scrape': 'true', 'prometheus.io/port': '8000' });
    const scrape = find('NetworkPolicy', 'allow-monitoring-scrape', 'search').spec.ingress[0];
    expect(scrape.from.map((f: any) => f.namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['monitoring', 'observability']);
    expect(scrape.ports).toEqual([{ protocol: 'TCP', port: 15020 }]);
    expect(objects.filter((o) => o.kind === 'PodMonitor' && o.metadata.name.endsWith('-istio-proxy'))).toEqual([]);
    expect(find('AuthorizationPolicy', 'llama3-8b-allow').spec.rules.some((r: any) => r.from[0].source.namespaces?.includes('monitoring'))).toBe(false);
  });

  test('defect 9 and 11: one scraping collector replica with CPU and memory limits, traces over TLS', () => {
    const collector = find('OpenTelemetryCollector', 'otel-gateway', 'observability');
    expect(collector.spec.replicas).toBe(1);
    expect(Object.keys(collector.spec.resources.limits).sort()).toEqual(['cpu', 'memory']);
    expect(collector.spec.config.exporters['otlp/traces']).toEqual({ endpoint: 'tempo-distributor.tracing.svc:4317' });
  });

  test('defect 11: the Telemetry names only providers istiod defines, for signals the collector takes', () => {
    const telemetry = find('Telemetry', 'mesh-default', 'istio-system');
    const named = ['metrics', 'accessLogging', 'tracing']
      .flatMap((k) => (telemetry.spec[k] ?? []).flatMap((e: any) => e.providers.map((p: any) => p.name)));
    const extension = (platform.meshConfig.toValues().extensionProviders ?? []).map((p: any) => p.name);
    const defined = new Set([...MeshExtensionProvider.BUILT_IN, ...extension]);
    for (const name of named) expect(defined.has(name)).toBe(true);
    expect(telemetry.spec.tracing).toEqual([{ providers: [{ name: 'otel-tracing' }], randomSamplingPercentage: 5 }]);
    // no logs pipeline in the collector: no access logs sent to it
    expect(telemetry.spec.accessLogging).toBeUndefined();
    expect(platform.meshConfig.toValues().extensionProviders).toContainEqual(
      { name: 'otel-tracing', opentelemetry: { service: 'otel-gateway-collector.observability.svc.cluster.local', port: 4317 } });
    expect(find('NetworkPolicy', 'allow-otlp-egress', 'search').spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }]);
  });

  test('defect 12: the DCGM exporter collects the fields of the GPU alerts', () => {
    const file: string = find('ConfigMap', 'dcgm-exporter-counters', 'nvidia-gpu').data['counters.csv'];
    const rules = JSON.stringify(find('PrometheusRule', 'gpu-health'));
    for (const field of new Set(rules.match(/DCGM_FI_[A-Z0-9_]+/g))) expect(file).toMatch(new RegExp(`^${field}\\s*,`, 'm'));
  });

  test('defect 14: the gateway credential comes from a cert-manager Certificate', () => {
    const gateway = find('Gateway', 'llm-gateway');
    const cert = find('Certificate', 'llm-tls', gateway.metadata.namespace);
    expect(cert.spec.secretName).toBe(gateway.spec.servers[0].tls.credentialName);
    expect(cert.spec.issuerRef).toEqual({ name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' });
  });

  test('defect 17: default deny in the observability and GPU namespaces with the exact allows', () => {
    for (const ns of ['observability', 'nvidia-gpu']) expect(find('NetworkPolicy', 'default-deny', ns).spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const otlp = find('NetworkPolicy', 'otel-gateway-otlp-ingress', 'observability').spec.ingress[0];
    expect(otlp.from[0].namespaceSelector.matchExpressions[0].values).toEqual(['istio-ingress', 'search']);
    expect(find('NetworkPolicy', 'allow-in-cluster-exports', 'observability').spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 4317 }]);
    expect(find('NetworkPolicy', 'allow-dcgm-exporter-scrape', 'nvidia-gpu').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 9400 }]);
  });

  test('spec: sampling traces without a traces backend is refused on the spec path', () => {
    const problems = PlatformSpecValidator.problems(smallSpec({ mesh: { tracingSamplingPercentage: 5 } }));
    expect(problems).toEqual([{
      prop: 'mesh.tracingSamplingPercentage',
      problem: 'samples traces that nothing receives (no observability.tracesEndpoint)',
      value: '5',
      fix: "set 'observability.tracesEndpoint' or drop 'mesh.tracingSamplingPercentage'",
    }]);
  });
});
