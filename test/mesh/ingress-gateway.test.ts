import { Duration } from 'cdk8s';
import { IngressGateway, ModelTraffic, TlsVersion } from '../../src/mesh';
import { PlatformSpecValidator } from '../../src/platform/platform-spec-validator';
import { smallSpec } from '../platform/fixtures';
import { findObject, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

const props = { hosts: ['llm.example.com'], credentialName: 'llm-example-com-tls', externalCredential: true };

describe('IngressGateway', () => {
  test('defaults: HTTPS only with TLS 1.2+, istio ingressgateway pods, gateway principal', () => {
    let gw!: IngressGateway;
    const objects = synthChart((chart) => {
      gw = new IngressGateway(chart, 'Gateway', props);
    });
    expect(objects).toHaveLength(1);
    const g = findObject(objects, 'Gateway', 'llm-gateway');
    expect(g.apiVersion).toBe('networking.istio.io/v1');
    expect(g.metadata.namespace).toBe('istio-system');
    expect(g.spec).toEqual({
      selector: { istio: 'ingressgateway' },
      servers: [{
        name: 'https',
        port: { number: 443, name: 'https', protocol: 'HTTPS' },
        hosts: ['llm.example.com'],
        tls: { mode: 'SIMPLE', credentialName: 'llm-example-com-tls', minProtocolVersion: 'TLSV1_2' },
      }],
    });
    expect(gw.principal.principal).toBe('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
    expect(gw.gatewayReference).toBe('istio-system/llm-gateway');
    expect(gw.httpsRedirect).toBe(false);
  });

  test('HTTP redirect, TLS 1.3, custom name, namespace, selector and service account', () => {
    let gw!: IngressGateway;
    const objects = synthChart((chart) => {
      gw = new IngressGateway(chart, 'Gateway', {
        hosts: ['*.llm.example.com', 'llm.example.com'],
        credentialName: 'wildcard-tls',
        name: 'public',
        namespace: 'istio-ingress',
        selector: { app: 'istio-ingress' },
        serviceAccountName: 'istio-ingress',
        httpsRedirect: true,
        minTlsVersion: TlsVersion.TLS1_3,
        externalCredential: true,
      });
    });
    const g = findObject(objects, 'Gateway', 'public');
    expect(g.metadata.namespace).toBe('istio-ingress');
    expect(g.spec.selector).toEqual({ app: 'istio-ingress' });
    expect(g.spec.servers[0].tls.minProtocolVersion).toBe('TLSV1_3');
    expect(g.spec.servers[1]).toEqual({ name: 'http-redirect', port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*.llm.example.com', 'llm.example.com'], tls: { httpsRedirect: true } });
    expect(gw.principal.principal).toBe('cluster.local/ns/istio-ingress/sa/istio-ingress');
  });

  test('plain model route: prefix, rewrite, explicit port, generation timeout, safe retries', () => {
    const objects = synthChart((chart) => {
      new IngressGateway(chart, 'Gateway', props).addModelRoute({ model: tritonModel() });
    });
    const vs = findObject(objects, 'VirtualService', 'llm-gateway-vision-clip-vit');
    expect(vs.metadata.namespace).toBe('istio-system');
    expect(vs.spec).toEqual({
      hosts: ['llm.example.com'],
      gateways: ['llm-gateway'],
      http: [{
        name: 'clip-vit',
        match: [{ uri: { prefix: '/vision/clip-vit/' } }],
        rewrite: { uri: '/' },
        route: [{ destination: { host: 'clip-vit.vision.svc.cluster.local', port: { number: 8000 } } }],
        timeout: '300s',
        retries: { attempts: 2, retryOn: 'connect-failure,refused-stream,unavailable' },
      }],
    });
  });

  test('route with traffic reproduces the canary split behind the prefix', () => {
    const model = vllmModel({ versions: ['stable', 'candidate'] });
    const objects = synthChart((chart) => {
      const traffic = new ModelTraffic(chart, 'Traffic', { model, canary: { candidateWeight: 10 }, timeout: Duration.minutes(3) });
      new IngressGateway(chart, 'Gateway', props).addModelRoute({ model, traffic, pathPrefix: '/v1/llama/', rewriteUri: '/v1/' });
    });
    const http = findObject(objects, 'VirtualService', 'llm-gateway-search-llama3-8b').spec.http;
    const host = 'llama3-8b.search.svc.cluster.local';
    expect(http.map((r: any) => r.name)).toEqual(['llama3-8b-canary-testers', 'llama3-8b-canary-split']);
    expect(http[0].match).toEqual([{ uri: { prefix: '/v1/llama/' }, headers: { 'x-llm-canary': { exact: 'true' } } }]);
    expect(http[0].rewrite).toEqual({ uri: '/v1/' });
    expect(http[1].match).toEqual([{ uri: { prefix: '/v1/llama/' } }]);
    expect(http[1].route).toEqual([
      { destination: { host, subset: 'stable', port: { number: 8000 } }, weight: 90 },
      { destination: { host, subset: 'candidate', port: { number: 8000 } }, weight: 10 },
    ]);
    expect(http[1].timeout).toBe('180s');
  });

  test('route hosts must be gateway hosts', () => {
    const objects = synthChart((chart) => {
      new IngressGateway(chart, 'G', { ...props, hosts: ['a.example.com', 'b.example.com'] }).addModelRoute({ model: vllmModel(), hosts: ['b.example.com'] });
    });
    expect(findObject(objects, 'VirtualService').spec.hosts).toEqual(['b.example.com']);
    const gw = new IngressGateway(newChart(), 'G', props);
    expectValidationError(() => gw.addModelRoute({ model: vllmModel(), hosts: ['other.example.com'] }),
      ["'hosts' must be hosts of the gateway (llm.example.com)", "got 'other.example.com'"]);
  });

  test('route errors', () => {
    const chart = newChart();
    const gw = new IngressGateway(chart, 'G', props);
    const traffic = new ModelTraffic(chart, 'T', { model: tritonModel() });
    gw.addModelRoute({ model: vllmModel() });
    expectValidationError(() => gw.addModelRoute({ model: vllmModel() }), ["'model' already has a route on this gateway", "got 'search/llama3-8b'"]);
    expectValidationError(() => gw.addModelRoute({ model: vllmModel({ modelName: 'm2' }), traffic }), ["'traffic' must belong to the routed model", "got 'vision/clip-vit'"]);
    expectValidationError(() => gw.addModelRoute({ model: tritonModel(), traffic, timeout: Duration.minutes(1) }), ["'timeout' is taken from traffic", 'got 60']);
    expectValidationError(() => gw.addModelRoute({ model: vllmModel({ modelName: 'm3' }), pathPrefix: '/m3' }), ["'pathPrefix' must be a URI path starting and ending with '/'", "got '/m3'"]);
    expectValidationError(() => gw.addModelRoute({ model: vllmModel({ modelName: 'm4' }), rewriteUri: 'v1' }), ["'rewriteUri' must start with '/'", "got 'v1'"]);
    expectValidationError(() => gw.addModelRoute({ model: vllmModel({ modelName: 'm5' }), timeout: Duration.hours(2) }), ["'timeout' must be at most 3600s", "got '7200s'"]);
  });

  test.each([
    [{ hosts: [] }, "'hosts' must list at least one host name", 'got []'],
    [{ hosts: ['*'] }, "'hosts[0]' must be fully-qualified DNS names", "got '*'"],
    [{ hosts: ['localhost'] }, "'hosts[0]' must be fully-qualified DNS names", "got 'localhost'"],
    [{ hosts: ['LLM.example.com'] }, "'hosts[0]' must be fully-qualified DNS names", "got 'LLM.example.com'"],
    [{ credentialName: '' }, "'credentialName' must be a non-empty DNS-1123 subdomain", "got ''"],
    [{ selector: {} }, "'selector' must select the gateway pods with at least one label", 'got {}'],
    [{ name: 'LLM' }, "'name' must be a DNS-1123 label", "got 'LLM'"],
    [{ minTlsVersion: 'TLSV1_0' }, "'minTlsVersion' must be a TlsVersion", "got 'TLSV1_0'"],
    [{ serviceAccountName: 'a/b' }, "'principal' must be in SPIFFE form", "got 'cluster.local/ns/istio-system/sa/a/b'"],
    [{ externalCredential: true, tlsIssuer: { name: 'le' } }, "'externalCredential' contradicts 'tlsIssuer'", 'got true'],
    [{ externalCredential: false, tlsIssuer: { name: 'Le' } }, "'tlsIssuer.name' must be a DNS-1123 subdomain", "got 'Le'"],
    [{ externalCredential: false, tlsIssuer: { name: 'le', kind: 'Issuers' } }, "'tlsIssuer.kind' must be 'ClusterIssuer' or 'Issuer' for cert-manager.io issuers", "got 'Issuers'"],
    [{ externalCredential: false, tlsIssuer: { name: 'pca', kind: 'aws-pca', group: 'awspca.cert-manager.io' } }, "'tlsIssuer.kind' must be a Kubernetes kind", "got 'aws-pca'"],
    [{ externalCredential: false, tlsIssuer: { name: 'pca', kind: 'AWSPCAClusterIssuer', group: 'Bad_Group' } }, "'tlsIssuer.group' must be an API group", "got 'Bad_Group'"],
  ])('bad props %#', (bad, message, got) => {
    expectValidationError(() => new IngressGateway(newChart(), 'G', { ...props, ...bad } as any), [message, got]);
  });

  describe('defect 14: the TLS Secret the Gateway serves must be created', () => {
    test('broken variant: a gateway whose credential nothing creates is refused', () => {
      expectValidationError(() => new IngressGateway(newChart(), 'G', { hosts: ['llm.example.com'], credentialName: 'llm-tls' }),
        ["'tlsIssuer' is required: nothing creates the TLS Secret 'llm-tls' the Gateway serves",
          "name the cert-manager issuer (tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt' }), or set externalCredential: true"]);
    });

    test('fixed: a cert-manager Certificate in the gateway namespace writes secretName = credentialName for every host', () => {
      let gw!: IngressGateway;
      const objects = synthChart((chart) => {
        gw = new IngressGateway(chart, 'G', {
          hosts: ['llm.example.com', '*.llm.example.com'], credentialName: 'llm-tls', namespace: 'istio-ingress', tlsIssuer: { name: 'letsencrypt-prod' },
        });
      });
      const cert = findObject(objects, 'Certificate', 'llm-tls');
      expect(cert.apiVersion).toBe('cert-manager.io/v1');
      expect(cert.metadata.namespace).toBe('istio-ingress');
      expect(cert.spec).toEqual({
        secretName: 'llm-tls',
        dnsNames: ['*.llm.example.com', 'llm.example.com'],
        issuerRef: { name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io' },
        privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
      });
      expect(findObject(objects, 'Gateway').spec.servers[0].tls.credentialName).toBe(cert.spec.secretName);
      expect(gw.tlsIssuer).toEqual({ name: 'letsencrypt-prod', kind: 'ClusterIssuer', group: 'cert-manager.io', external: false });
      // the issuer is expected in the output (the platform twin checks it): no external annotation
      expect(cert.metadata.annotations).toBeUndefined();
    });

    test('an issuer set up outside the output is declared on the Certificate, for the platform twin', () => {
      const objects = synthChart((chart) => {
        new IngressGateway(chart, 'G', { hosts: ['llm.example.com'], credentialName: 'llm-tls', tlsIssuer: { name: 'letsencrypt-prod', external: true } });
      });
      expect(findObject(objects, 'Certificate', 'llm-tls').metadata.annotations).toEqual({ 'llm-platform.io/external-issuer': 'true' });
      expect(findObject(objects, 'Gateway').metadata.annotations).toBeUndefined();
    });

    test('an external credential is declared on the Gateway, for the platform twin', () => {
      const objects = synthChart((chart) => {
        new IngressGateway(chart, 'G', props);
      });
      expect(findObject(objects, 'Gateway').metadata.annotations).toEqual({ 'llm-platform.io/external-tls-credential': 'true' });
    });

    test('a namespaced Issuer and an external issuer group are passed through', () => {
      const objects = synthChart((chart) => {
        new IngressGateway(chart, 'A', { ...props, name: 'a', credentialName: 'a-tls', externalCredential: undefined, tlsIssuer: { name: 'local-ca', kind: 'Issuer' } });
        new IngressGateway(chart, 'B', { ...props, name: 'b', credentialName: 'b-tls', externalCredential: undefined, tlsIssuer: { name: 'pca', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' } });
      });
      expect(findObject(objects, 'Certificate', 'a-tls').spec.issuerRef).toEqual({ name: 'local-ca', kind: 'Issuer', group: 'cert-manager.io' });
      expect(findObject(objects, 'Certificate', 'b-tls').spec.issuerRef).toEqual({ name: 'pca', kind: 'AWSPCAClusterIssuer', group: 'awspca.cert-manager.io' });
    });

    test('an external credential emits no Certificate', () => {
      const objects = synthChart((chart) => {
        new IngressGateway(chart, 'G', props);
      });
      expect(objects.filter((o: any) => o.kind === 'Certificate')).toEqual([]);
    });
  });
});

describe('platform spec: the gateway TLS Secret has a source (defect 14)', () => {
  const gatewaySpec = (mesh: any) => smallSpec({ mesh: { ingressHosts: ['llm.example.com'], tlsCredentialName: 'llm-tls', ...mesh } });

  test('broken variant: ingress hosts without tlsIssuer nor externalTlsCredential fail on the spec path', () => {
    const problems = PlatformSpecValidator.problems(gatewaySpec({}));
    expect(problems).toEqual([{
      prop: 'mesh.tlsIssuer',
      problem: 'is required with mesh.ingressHosts: nothing would create the TLS Secret the gateway serves',
      value: 'nothing',
      fix: "name the cert-manager issuer (mesh.tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' }), or set mesh.externalTlsCredential: true and create the Secret elsewhere",
    }]);
    const both = PlatformSpecValidator.problems(gatewaySpec({ tlsIssuer: { name: 'le' }, externalTlsCredential: true }));
    expect(both.map((p) => p.prop)).toEqual(['mesh.externalTlsCredential']);
  });

  test('fixed: an issuer or an explicitly external Secret', () => {
    expect(PlatformSpecValidator.problems(gatewaySpec({ tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' } }))).toEqual([]);
    expect(PlatformSpecValidator.problems(gatewaySpec({ externalTlsCredential: true }))).toEqual([]);
  });
});
