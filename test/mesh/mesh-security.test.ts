import { MeshAnnotations, MeshPrincipal, MeshSecurity, MtlsMode } from '../../src/mesh';
import { findObject, findObjects, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

function sec2(): MeshSecurity {
  return new MeshSecurity(newChart(), 'Mesh', { monitoringNamespace: 'observability' });
}

describe('MeshSecurity', () => {
  test('defaults: mesh-wide STRICT PeerAuthentication named default in istio-system', () => {
    let sec!: MeshSecurity;
    const objects = synthChart((chart) => {
      sec = new MeshSecurity(chart, 'Mesh');
    });
    expect(objects).toHaveLength(1);
    const pa = findObject(objects, 'PeerAuthentication', 'default');
    expect(pa.apiVersion).toBe('security.istio.io/v1');
    expect(pa.metadata.namespace).toBe('istio-system');
    expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(pa.metadata.labels['app.kubernetes.io/managed-by']).toBe('cdk-llm-platform');
    expect(sec.rootNamespace).toBe('istio-system');
    expect(sec.monitoringNamespace).toBe('monitoring');
    expect(sec.ingressGatewayPrincipal.principal).toBe('cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account');
    expect(sec.referenceDate).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(sec.tenantNamespaces).toEqual([]);
  });

  test('custom root namespace', () => {
    const objects = synthChart((chart) => {
      new MeshSecurity(chart, 'Mesh', { rootNamespace: 'istio-root' });
    });
    expect(findObject(objects, 'PeerAuthentication').metadata.namespace).toBe('istio-root');
  });

  test('tenant namespaces get STRICT mTLS and a default-deny policy with an empty spec', () => {
    let sec!: MeshSecurity;
    const objects = synthChart((chart) => {
      sec = new MeshSecurity(chart, 'Mesh', { tenantNamespaces: ['search', 'vision'] });
    });
    expect(sec.tenantNamespaces).toEqual(['search', 'vision']);
    for (const ns of ['search', 'vision']) {
      const pa = findObjects(objects, 'PeerAuthentication', 'default').find((o) => o.metadata.namespace === ns);
      expect(pa.spec).toEqual({ mtls: { mode: 'STRICT' } });
      expect(pa.metadata.labels['llm-platform.io/tenant']).toBe(ns);
      expect(pa.metadata.annotations).toBeUndefined();
      const deny = findObjects(objects, 'AuthorizationPolicy', 'default-deny').find((o) => o.metadata.namespace === ns);
      expect(deny.spec).toEqual({});
    }
  });

  test('tenant label can differ from the namespace', () => {
    const objects = synthChart((chart) => {
      new MeshSecurity(chart, 'Mesh').addTenantNamespace('search-prod', { tenant: 'search' });
    });
    expect(findObject(objects, 'AuthorizationPolicy', 'default-deny').metadata.labels['llm-platform.io/tenant']).toBe('search');
  });

  test('PERMISSIVE is a time-boxed migration recorded in annotations', () => {
    const objects = synthChart((chart) => {
      new MeshSecurity(chart, 'Mesh', { referenceDate: '2026-01-15' })
        .addTenantNamespace('legacy', { mtlsMode: MtlsMode.PERMISSIVE, permissiveExpires: '2026-01-15', permissiveReason: 'batch clients move into the mesh' });
    });
    const pa = findObjects(objects, 'PeerAuthentication').find((o) => o.metadata.namespace === 'legacy');
    expect(pa.spec.mtls.mode).toBe('PERMISSIVE');
    expect(pa.metadata.annotations).toEqual({
      [MeshAnnotations.PERMISSIVE_EXPIRES]: '2026-01-15',
      [MeshAnnotations.PERMISSIVE_REASON]: 'batch clients move into the mesh',
    });
    // the mesh-wide policy stays STRICT
    expect(findObjects(objects, 'PeerAuthentication').find((o) => o.metadata.namespace === 'istio-system').spec.mtls.mode).toBe('STRICT');
  });

  test('PERMISSIVE without an expiry is an error', () => {
    const sec = new MeshSecurity(newChart(), 'Mesh');
    expectValidationError(() => sec.addTenantNamespace('legacy', { mtlsMode: MtlsMode.PERMISSIVE }),
      ["'permissiveExpires' is required with MtlsMode.PERMISSIVE", 'got nothing', "set 'permissiveExpires'"]);
  });

  test('PERMISSIVE with an expired date is an error', () => {
    const sec = new MeshSecurity(newChart(), 'Mesh', { referenceDate: '2026-02-01' });
    expectValidationError(() => sec.addTenantNamespace('legacy', { mtlsMode: MtlsMode.PERMISSIVE, permissiveExpires: '2026-01-31' }),
      ["'permissiveExpires' has passed (today is 2026-02-01)", "got '2026-01-31'", 'switch the namespace to MtlsMode.STRICT']);
  });

  test('an expiry in the past is rejected against the real date by default', () => {
    const sec = new MeshSecurity(newChart(), 'Mesh');
    expectValidationError(() => sec.addTenantNamespace('legacy', { mtlsMode: MtlsMode.PERMISSIVE, permissiveExpires: '2020-01-01' }), ["'permissiveExpires' has passed"]);
  });

  test.each(['2026-13-01', '2026-02-30', 'next week', '26-01-01'])('PERMISSIVE with a malformed date %p is an error', (bad) => {
    const sec = new MeshSecurity(newChart(), 'Mesh', { referenceDate: '2026-01-01' });
    expectValidationError(() => sec.addTenantNamespace('legacy', { mtlsMode: MtlsMode.PERMISSIVE, permissiveExpires: bad }),
      ["'permissiveExpires' must be", `got '${bad}'`, 'YYYY-MM-DD']);
  });

  test('malformed referenceDate is an error', () => {
    expectValidationError(() => new MeshSecurity(newChart(), 'Mesh', { referenceDate: 'today' }), ["'referenceDate' must be a date in the form YYYY-MM-DD", "got 'today'"]);
  });

  test('an expiry with STRICT is an error', () => {
    const sec = new MeshSecurity(newChart(), 'Mesh');
    expectValidationError(() => sec.addTenantNamespace('search', { permissiveExpires: '2099-01-01' }), ["'permissiveExpires' only applies to MtlsMode.PERMISSIVE", "got '2099-01-01'"]);
  });

  test('unknown mTLS modes are errors', () => {
    const sec = new MeshSecurity(newChart(), 'Mesh');
    expectValidationError(() => sec.addTenantNamespace('search', { mtlsMode: 'DISABLE' as any }), ["'mtlsMode' must be a MtlsMode", "got 'DISABLE'", 'use MtlsMode.STRICT or MtlsMode.PERMISSIVE']);
  });

  test('a namespace twice, the root namespace, or an invalid name are errors', () => {
    const sec = new MeshSecurity(newChart(), 'Mesh', { tenantNamespaces: ['search'] });
    expectValidationError(() => sec.addTenantNamespace('search'), ["'namespace' is already locked down", "got 'search'"]);
    expectValidationError(() => sec.addTenantNamespace('istio-system'), ["'namespace' must not be the root namespace", "got 'istio-system'"]);
    expectValidationError(() => sec.addTenantNamespace('Search'), ["'namespace' must be a DNS-1123 label", "got 'Search'"]);
  });

  test('addModelAccess locks down the model namespace and passes gateway identity and monitoring namespace', () => {
    const gateway = MeshPrincipal.serviceAccount('istio-ingress', 'llm-gateway');
    const objects = synthChart((chart) => {
      const sec = new MeshSecurity(chart, 'Mesh', { ingressGatewayPrincipal: gateway, monitoringNamespace: 'observability' });
      const policy = sec.addModelAccess(tritonModel());
      expect(policy.ingressGatewayPrincipal).toBe(gateway);
      expect(sec.tenantNamespaces).toEqual(['vision']);
      sec.addModelAccess(vllmModel());
      sec.addModelAccess(vllmModel({ modelName: 'mistral-7b' }));
      expect(sec.tenantNamespaces).toEqual(['search', 'vision']);
    });
    expect(findObjects(objects, 'AuthorizationPolicy', 'default-deny')).toHaveLength(2);
    const allow = findObject(objects, 'AuthorizationPolicy', 'clip-vit-allow');
    expect(allow.spec.rules[0].from[0].source.principals).toEqual(['cluster.local/ns/istio-ingress/sa/llm-gateway']);
    expect(allow.spec.rules).toHaveLength(2);
    const scraped = sec2().addModelAccess(tritonModel(), { allowMetricsScrape: true });
    expect(scraped.monitoringNamespace).toBe('observability');
  });
});
