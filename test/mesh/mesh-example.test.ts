/**
 * The README example: a mesh for 2 tenants and 3 models, one of them in canary.
 */
import { Duration } from 'cdk8s';
import { ModelRuntime, ModelService } from '../../src/core';
import {
  ContentFilter, ContentFilterTarget, GrpcJsonTranscoder, IngressGateway, MeshPrincipal, MeshSecurity, MeshTelemetry, ModelTraffic,
} from '../../src/mesh';
import { findObject, findObjects, synthChart } from '../util';

function buildMesh(chart: any): void {
  // --- README example start
  const llama = ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', runtime: ModelRuntime.VLLM, versions: ['stable', 'candidate'] });
  const mistral = ModelService.fromAttributes({ modelName: 'mistral-7b', tenant: 'search', runtime: ModelRuntime.TGI });
  const clip = ModelService.fromAttributes({ modelName: 'clip-vit', tenant: 'vision', runtime: ModelRuntime.TRITON });

  const gateway = new IngressGateway(chart, 'Gateway', {
    hosts: ['llm.example.com'], credentialName: 'llm-example-com-tls', httpsRedirect: true, tlsIssuer: { name: 'letsencrypt-prod' },
  });
  const security = new MeshSecurity(chart, 'Security', { ingressGatewayPrincipal: gateway.principal, tenantNamespaces: ['search', 'vision'] });
  new MeshTelemetry(chart, 'Telemetry', { tracingSamplingPercentage: 5, otelCollectorService: 'otel-gateway-collector.observability.svc.cluster.local' });

  // llama3-8b: 95/5 canary, testers send `x-llm-canary: true`
  const llamaTraffic = new ModelTraffic(chart, 'Llama', { model: llama, environment: 'prod', canary: { candidateWeight: 5 } });
  security.addModelAccess(llama, { methods: ['POST', 'GET'], paths: ['/v1/*'] });
  gateway.addModelRoute({ model: llama, traffic: llamaTraffic });

  // mistral-7b: also callable by the vision tenant's captioner
  const mistralTraffic = new ModelTraffic(chart, 'Mistral', { model: mistral, environment: 'prod', timeout: Duration.minutes(10) });
  security.addModelAccess(mistral, { callers: [MeshPrincipal.fromSpiffe('cluster.local/ns/vision/sa/captioner')] });
  gateway.addModelRoute({ model: mistral, traffic: mistralTraffic });

  // clip-vit: gRPC (HTTP/2 upgrade), no public route
  new ModelTraffic(chart, 'Clip', { model: clip, environment: 'prod' });
  security.addModelAccess(clip, { allowIngressGateway: false });
  new GrpcJsonTranscoder(chart, 'ClipJson', {
    model: clip, services: ['inference.GRPCInferenceService'], descriptorSet: { configMapName: 'triton-descriptors' },
  });

  // prompt/response filter at the edge, fail-closed
  new ContentFilter(chart, 'PromptGuard', {
    target: ContentFilterTarget.ingressGateway(),
    image: 'oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/filters/prompt-guard@sha256:0f3a4c1e9b7d2a8c6e5f4d3c2b1a09887766554433221100ffeeddccbbaa9988',
    pluginConfig: { categories: ['pii', 'secrets'], action: 'block' },
  });
  // --- README example end
}

describe('mesh example: 2 tenants, 3 models (one in canary)', () => {
  const objects = synthChart(buildMesh);

  test('synthesizes every object kind, all schema-valid', () => {
    const kinds = objects.map((o) => o.kind).reduce((acc: Record<string, number>, k: string) => ({ ...acc, [k]: (acc[k] ?? 0) + 1 }), {});
    const routing = { DestinationRule: 3, VirtualService: 5, EnvoyFilter: 1, WasmPlugin: 1 };
    expect(kinds).toEqual({ Certificate: 1, Gateway: 1, PeerAuthentication: 3, AuthorizationPolicy: 5, Telemetry: 1, ...routing });
  });

  test('names are unique per kind and namespace', () => {
    const keys = objects.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  test('every routed subset exists in the DestinationRule of its host', () => {
    const subsets = new Map<string, string[]>();
    for (const dr of findObjects(objects, 'DestinationRule')) subsets.set(dr.spec.host, dr.spec.subsets.map((s: any) => s.name));
    for (const vs of findObjects(objects, 'VirtualService')) {
      for (const route of vs.spec.http) {
        for (const r of route.route) {
          if (r.destination.subset) expect(subsets.get(r.destination.host)).toContain(r.destination.subset);
        }
        const weights = route.route.map((r: any) => r.weight).filter((w: any) => w !== undefined);
        if (weights.length > 0) expect(weights.reduce((a: number, b: number) => a + b, 0)).toBe(100);
        expect(route.retries.retryOn).toBe('connect-failure,refused-stream,unavailable');
      }
    }
  });

  test('only llama3-8b is in canary', () => {
    const canaryRoutes = findObjects(objects, 'VirtualService').filter((vs) => vs.spec.http.some((r: any) => r.name.endsWith('canary-split')));
    expect(canaryRoutes.map((vs) => vs.metadata.name).sort()).toEqual(['llama3-8b', 'llm-gateway-search-llama3-8b']);
  });

  test('each tenant namespace is STRICT and default-deny; models admit the gateway principal when routed', () => {
    for (const ns of ['search', 'vision']) {
      expect(findObjects(objects, 'PeerAuthentication').find((o) => o.metadata.namespace === ns).spec.mtls.mode).toBe('STRICT');
      expect(findObjects(objects, 'AuthorizationPolicy', 'default-deny').find((o) => o.metadata.namespace === ns).spec).toEqual({});
    }
    const gatewayPrincipal = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';
    for (const name of ['llama3-8b-allow', 'mistral-7b-allow']) {
      expect(findObject(objects, 'AuthorizationPolicy', name).spec.rules[0].from[0].source.principals).toEqual([gatewayPrincipal]);
    }
    expect(JSON.stringify(findObject(objects, 'AuthorizationPolicy', 'clip-vit-allow'))).not.toContain(gatewayPrincipal);
  });
});
