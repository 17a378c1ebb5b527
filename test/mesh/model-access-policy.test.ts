import { ModelRuntime, ModelService } from '../../src/core';
import { MeshPrincipal, ModelAccessPolicy } from '../../src/mesh';
import { findObject, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

describe('ModelAccessPolicy', () => {
  test('defaults: ingress gateway and same tenant on the serving ports; no metrics rule (scrapes use metrics merging on 15020)', () => {
    let policy!: ModelAccessPolicy;
    const objects = synthChart((chart) => {
      policy = new ModelAccessPolicy(chart, 'Access', { model: tritonModel() });
    });
    const ap = findObject(objects, 'AuthorizationPolicy', 'clip-vit-allow');
    expect(ap.apiVersion).toBe('security.istio.io/v1');
    expect(ap.metadata.namespace).toBe('vision');
    expect(ap.metadata.labels).toMatchObject({ 'llm-platform.io/tenant': 'vision', 'llm-platform.io/model': 'clip-vit' });
    expect(ap.spec.action).toBe('ALLOW');
    expect(ap.spec.selector).toEqual({ matchLabels: { 'llm-platform.io/model': 'clip-vit' } });
    const servingPorts = { operation: { ports: ['8000', '8001'] } };
    expect(ap.spec.rules).toEqual([
      { from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }], to: [servingPorts] },
      { from: [{ source: { namespaces: ['vision'] } }], to: [servingPorts] },
    ]);
    expect(policy.allowIngressGateway).toBe(true);
    expect(policy.allowSameTenant).toBe(true);
    // Defect 10: a namespaces rule needs the scraper's mTLS identity, which Prometheus outside the mesh lacks;
    // it scrapes the agent's merged-metrics port 15020, which the sidecar does not capture.
    expect(policy.allowMetricsScrape).toBe(false);
    expect(policy.ports).toEqual([8000, 8001]);
    expect(policy.paths).toEqual([]);
    expect(policy.methods).toEqual([]);
    expect(policy.callers).toEqual([]);
  });

  test('named callers, other tenant namespaces, ports, paths and methods', () => {
    const objects = synthChart((chart) => {
      new ModelAccessPolicy(chart, 'Access', {
        model: vllmModel(),
        allowIngressGateway: false,
        sameTenantNamespaces: ['search-batch', 'search'],
        callers: [MeshPrincipal.fromSpiffe('cluster.local/ns/vision/sa/captioner'), MeshPrincipal.serviceAccount('chat', 'api')],
        ports: [8000],
        paths: ['/v1/*', '*/health'],
        methods: ['POST', 'GET'],
        monitoringNamespace: 'observability',
        allowMetricsScrape: true,
      });
    });
    const rules = findObject(objects, 'AuthorizationPolicy', 'llama3-8b-allow').spec.rules;
    const to = [{ operation: { ports: ['8000'], paths: ['/v1/*', '*/health'], methods: ['POST', 'GET'] } }];
    expect(rules).toEqual([
      { from: [{ source: { namespaces: ['search', 'search-batch'] } }], to },
      { from: [{ source: { principals: ['cluster.local/ns/chat/sa/api', 'cluster.local/ns/vision/sa/captioner'] } }], to },
      { from: [{ source: { namespaces: ['observability'] } }], to: [{ operation: { ports: ['8000'], methods: ['GET'], paths: ['/metrics'] } }] },
    ]);
  });

  test('metrics scraping through the sidecar is opt-in and refused for runtimes without metrics', () => {
    const noMetrics = ModelService.fromAttributes({
      modelName: 'tiny',
      tenant: 'search',
      runtime: ModelRuntime.custom({ name: 'tiny', httpPort: 9000, livenessPath: '/', readinessPath: '/', modelFlag: '--model' }),
    });
    const objects = synthChart((chart) => {
      new ModelAccessPolicy(chart, 'A', { model: vllmModel() });
      new ModelAccessPolicy(chart, 'B', { model: noMetrics });
    });
    expect(findObject(objects, 'AuthorizationPolicy', 'llama3-8b-allow').spec.rules).toHaveLength(2);
    expect(findObject(objects, 'AuthorizationPolicy', 'tiny-allow').spec.rules).toHaveLength(2);
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'C', { model: noMetrics, allowMetricsScrape: true }),
      ["'allowMetricsScrape' cannot be true: the tiny runtime serves no metrics port", 'got true']);
  });

  test('callers not in SPIFFE form are errors', () => {
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: vllmModel(), callers: ['chat/api' as any] }),
      ["'callers[0]' must be a MeshPrincipal", "got 'chat/api'"]);
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: vllmModel(), callers: [MeshPrincipal.fromSpiffe('*' as any)] }),
      ["'principal' must name exactly one workload identity"]);
  });

  test('a policy that allows nobody is an error', () => {
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', {
      model: vllmModel(), allowIngressGateway: false, allowSameTenant: false, allowMetricsScrape: false,
    }), ["'allowIngressGateway' leaves the model with no allowed caller", 'got false', "named 'callers'"]);
  });

  test.each([
    [{ ports: [] }, "'ports' must list at least one port"],
    [{ ports: [0] }, "'ports' must be port numbers between 1 and 65535"],
    [{ paths: ['v1/completions'] }, "'paths' must be HTTP paths starting with '/'"],
    [{ paths: ['/v1/*/chat'] }, "'paths' must be HTTP paths"],
    [{ paths: ['*'] }, "'paths' must be HTTP paths"],
    [{ methods: ['post'] }, "'methods' must be upper-case HTTP methods"],
    [{ sameTenantNamespaces: ['Search'] }, "'sameTenantNamespaces' must be a DNS-1123 label"],
    [{ monitoringNamespace: 'mon_itoring' }, "'monitoringNamespace' must be a DNS-1123 label"],
  ])('bad options %p', (options, message) => {
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: vllmModel(), ...options } as any), [message, 'got ']);
  });

  test('models without selector labels or versions are errors', () => {
    const base = vllmModel();
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: { ...base, selectorLabels: {} } }),
      ["'model.selectorLabels' must select the model pods with at least one label", 'got {}']);
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: { ...base, versions: [] } }),
      ["'model.versions' must list at least one served version"]);
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: { ...base, versions: ['stable', 'stable'] } }),
      ["'model.versions' must not repeat a version"]);
    expectValidationError(() => new ModelAccessPolicy(newChart(), 'A', { model: undefined as any }), ["'model' is required (an IModelService)"]);
  });
});
