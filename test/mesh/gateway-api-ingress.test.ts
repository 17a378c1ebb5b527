import { Duration } from 'cdk8s';
import { ModelRuntime, ModelService } from '../../src/core';
import { GatewayApiIngress, GatewayApiIngressProps, InferencePoolRoute } from '../../src/mesh';
import { findObject, findObjects, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

const BASE: GatewayApiIngressProps = {
  hosts: ['llm.example.com'],
  credentialName: 'llm-tls',
  tlsIssuer: { name: 'letsencrypt' },
  routeNamespaces: ['search', 'vision'],
};

describe('GatewayApiIngress defaults', () => {
  let ingress!: GatewayApiIngress;
  const objects = synthChart((chart) => {
    ingress = new GatewayApiIngress(chart, 'Ingress', BASE);
  });
  const gw = findObject(objects, 'Gateway', 'llm-gateway');

  test('a Gateway API Gateway of class istio in istio-ingress, deployed by istiod (no addresses)', () => {
    expect(gw.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(gw.metadata.namespace).toBe('istio-ingress');
    expect(gw.spec.gatewayClassName).toBe('istio');
    expect(gw.spec.addresses).toBeUndefined();
    // istiod's automated deployment names its ServiceAccount <gateway>-<class>
    expect(ingress.principal.principal).toBe('cluster.local/ns/istio-ingress/sa/llm-gateway-istio');
  });

  test('one HTTPS listener terminating TLS with the credential, admitting routes of the listed namespaces only', () => {
    expect(gw.spec.listeners).toEqual([{
      name: 'https',
      port: 443,
      protocol: 'HTTPS',
      hostname: 'llm.example.com',
      tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'llm-tls' }] },
      allowedRoutes: {
        kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        namespaces: { from: 'Selector', selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['search', 'vision'] }] } },
      },
    }]);
    expect(findObjects(objects, 'HTTPRoute')).toEqual([]);
  });

  test("cert-manager's Certificate writes the Secret the listener reads", () => {
    const cert = findObject(objects, 'Certificate', 'llm-tls');
    expect(cert.metadata.namespace).toBe('istio-ingress');
    expect(cert.spec).toMatchObject({ secretName: 'llm-tls', dnsNames: ['llm.example.com'], issuerRef: { name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io' } });
    expect(ingress.tlsIssuer).toEqual({ name: 'letsencrypt', kind: 'ClusterIssuer', group: 'cert-manager.io', external: false });
  });

  test('the reference routes attach to', () => {
    expect(ingress.reference).toEqual({ name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'https' });
    expect(ingress.hosts).toEqual(['llm.example.com']);
  });
});

describe('GatewayApiIngress bound to an existing deployment, several hosts, redirect', () => {
  const objects = synthChart((chart) => {
    const ingress = new GatewayApiIngress(chart, 'Ingress', {
      ...BASE,
      hosts: ['llm.example.com', 'api.example.com'],
      tlsIssuer: undefined,
      externalCredential: true,
      name: 'public',
      namespace: 'edge',
      gatewayClassName: 'istio',
      deploymentService: 'istio-ingress.edge.svc.cluster.local',
      serviceAccountName: 'istio-ingressgateway',
      httpsRedirect: true,
    });
    expect(ingress.principal.principal).toBe('cluster.local/ns/edge/sa/istio-ingressgateway');
  });
  const gw = findObject(objects, 'Gateway', 'public');

  test("addresses name the deployment's Service (Istio's manual deployment)", () => {
    expect(gw.spec.addresses).toEqual([{ type: 'Hostname', value: 'istio-ingress.edge.svc.cluster.local' }]);
    expect(gw.metadata.annotations).toEqual({ 'llm-platform.io/external-tls-credential': 'true' });
    expect(findObjects(objects, 'Certificate')).toEqual([]);
  });

  test('several hosts: the HTTPS listener has no hostname (routes name them); port 80 only redirects, from the own namespace', () => {
    expect(gw.spec.listeners[0].hostname).toBeUndefined();
    expect(gw.spec.listeners[1]).toEqual({
      name: 'http',
      port: 80,
      protocol: 'HTTP',
      allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], namespaces: { from: 'Same' } },
    });
    const redirect = findObject(objects, 'HTTPRoute', 'public-https-redirect');
    expect(redirect.metadata.namespace).toBe('edge');
    expect(redirect.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'public', sectionName: 'http' }],
      hostnames: ['api.example.com', 'llm.example.com'],
      rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 301 } }] }],
    });
  });
});

describe('GatewayApiIngress.addModelRoute', () => {
  const objects = synthChart((chart) => {
    const ingress = new GatewayApiIngress(chart, 'Ingress', BASE);
    ingress.addModelRoute({ model: tritonModel() });
    ingress.addModelRoute({ model: vllmModel(), pathPrefix: '/llama/', rewritePrefix: '/v1/', timeout: Duration.minutes(10) });
    // KServe's predictor Service listens on 80
    ingress.addModelRoute({ model: ModelService.fromAttributes({ modelName: 'reranker', tenant: 'search', runtime: ModelRuntime.TRITON, serviceName: 'reranker-predictor', servicePort: 80 }) });
  });

  test("an HTTPRoute in the model's namespace on the HTTPS listener, prefix rewritten, to the Service's HTTP port, no timeout", () => {
    const route = findObject(objects, 'HTTPRoute', 'clip-vit');
    expect(route.metadata.namespace).toBe('vision');
    expect(route.spec).toEqual({
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'https' }],
      hostnames: ['llm.example.com'],
      rules: [{
        matches: [{ path: { type: 'PathPrefix', value: '/vision/clip-vit/' } }],
        filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
        backendRefs: [{ group: '', kind: 'Service', name: 'clip-vit', port: 8000 }],
        timeouts: { request: '0s' },
      }],
    });
  });

  test('prefix, rewrite and timeout; the Service port of a KServe predictor', () => {
    const rule = findObject(objects, 'HTTPRoute', 'llama3-8b').spec.rules[0];
    expect(rule.matches[0].path.value).toBe('/llama/');
    expect(rule.filters[0].urlRewrite.path.replacePrefixMatch).toBe('/v1/');
    expect(rule.timeouts).toEqual({ request: '600s' });
    expect(findObject(objects, 'HTTPRoute', 'reranker-predictor').spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'reranker-predictor', port: 80 }]);
  });

  test('an InferencePoolRoute attaches to the same listener', () => {
    const o = synthChart((chart) => {
      const ingress = new GatewayApiIngress(chart, 'Ingress', BASE);
      new InferencePoolRoute(chart, 'Pool', {
        model: vllmModel(),
        gateway: ingress.reference,
        hostnames: ingress.hosts,
        pickerImage: `123456789012.dkr.ecr.us-east-1.amazonaws.com/epp@sha256:${'e'.repeat(64)}`,
      });
    });
    expect(findObject(o, 'HTTPRoute', 'llama3-8b').spec.parentRefs).toEqual([
      { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway', namespace: 'istio-ingress', sectionName: 'https' },
    ]);
  });
});

describe('GatewayApiIngress errors', () => {
  const make = (p: Partial<GatewayApiIngressProps>) => () => new GatewayApiIngress(newChart(), 'Ingress', { ...BASE, ...p } as GatewayApiIngressProps);
  test('hosts', () => {
    expectValidationError(make({ hosts: [] }), ["'hosts' must list at least one host name", 'llm.example.com']);
    expectValidationError(make({ hosts: ['a.example.com', 'a.example.com'] }), ["'hosts' lists 'a.example.com' twice", 'list each host once']);
    expectValidationError(make({ hosts: ['not a host'] }), ["'hosts[0]'", 'not a host']);
  });
  test('route namespaces', () => {
    expectValidationError(make({ routeNamespaces: [] }), ["'routeNamespaces' must list at least one namespace", "tenants'"]);
    expectValidationError(make({ routeNamespaces: ['Search'] }), ["'routeNamespaces[0]'", 'Search']);
  });
  test('the TLS Secret must come from somewhere, once', () => {
    expectValidationError(make({ tlsIssuer: undefined }), ["'tlsIssuer' is required: nothing creates the TLS Secret 'llm-tls' the HTTPS listener serves", 'externalCredential: true']);
    expectValidationError(make({ externalCredential: true }), ["'externalCredential' contradicts 'tlsIssuer'"]);
    expectValidationError(make({ tlsIssuer: { name: 'le', kind: 'Foo' } }), ["'tlsIssuer.kind' must be 'ClusterIssuer' or 'Issuer'", 'Foo']);
  });
  test('names', () => {
    expectValidationError(make({ gatewayClassName: 'Istio' }), ["'gatewayClassName'", 'Istio']);
    expectValidationError(make({ credentialName: 'LLM_TLS' }), ["'credentialName'", 'LLM_TLS']);
    expectValidationError(make({ name: 'Gateway' }), ["'name'", 'Gateway']);
    expectValidationError(make({ namespace: 'edge.ns' }), ["'namespace'", 'edge.ns']);
    expectValidationError(make({ serviceAccountName: 'SA' }), ["'serviceAccountName'", 'SA']);
  });
  test('the bound deployment', () => {
    expectValidationError(make({ deploymentService: 'istio-ingress' }), ["'deploymentService' must be a Service host", "'istio-ingressgateway.istio-ingress.svc.cluster.local'"]);
    expectValidationError(make({ deploymentService: 'istio-ingress.istio-ingress.svc.cluster.local' }), ["'serviceAccountName' is required with 'deploymentService'", 'istio-ingressgateway']);
  });
  test('routes', () => {
    const chart = newChart();
    const ingress = new GatewayApiIngress(chart, 'Ingress', BASE);
    ingress.addModelRoute({ model: vllmModel() });
    expectValidationError(() => ingress.addModelRoute({ model: vllmModel() }), ["'model' already has a route on this gateway", 'search/llama3-8b']);
    expectValidationError(() => ingress.addModelRoute({ model: tritonModel(), pathPrefix: 'vision' }), ["'pathPrefix' must be a URI path", "'/vision/clip-vit/'"]);
    expectValidationError(() => ingress.addModelRoute({ model: tritonModel(), rewritePrefix: 'v1' }), ["'rewritePrefix' must start with '/'"]);
    expectValidationError(() => ingress.addModelRoute({ model: tritonModel(), timeout: Duration.millis(500) }), ["'timeout' must be a whole number of milliseconds from 1s to 99999s", '500ms']);
  });
});
