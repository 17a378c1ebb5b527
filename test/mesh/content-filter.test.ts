import { ContentFilter, ContentFilterTarget, WasmPhase } from '../../src/mesh';
import { findObject, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

const DIGEST = 'a'.repeat(64);
const IMAGE = `oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/filters/pii-redactor@sha256:${DIGEST}`;

describe('ContentFilter', () => {
  test('defaults on a model: pinned image, STATS phase, FAIL_CLOSE, inbound serving ports', () => {
    let filter!: ContentFilter;
    const objects = synthChart((chart) => {
      filter = new ContentFilter(chart, 'Filter', { target: ContentFilterTarget.model(tritonModel()), image: IMAGE });
    });
    const wp = findObject(objects, 'WasmPlugin', 'clip-vit-content-filter');
    expect(wp.apiVersion).toBe('extensions.istio.io/v1alpha1');
    expect(wp.metadata.namespace).toBe('vision');
    expect(wp.metadata.labels).toMatchObject({ 'llm-platform.io/tenant': 'vision', 'llm-platform.io/model': 'clip-vit', 'app.kubernetes.io/component': 'content-filter' });
    expect(wp.spec).toEqual({
      url: IMAGE,
      imagePullPolicy: 'IfNotPresent',
      type: 'HTTP',
      phase: 'STATS',
      failStrategy: 'FAIL_CLOSE',
      selector: { matchLabels: { 'llm-platform.io/model': 'clip-vit' } },
      match: [{ mode: 'SERVER', ports: [{ number: 8000 }, { number: 8001 }] }],
    });
    expect(filter.failOpen).toBe(false);
    expect(filter.phase).toBe(WasmPhase.STATS);
  });

  test('on the ingress gateway, fail-open explicit, phase, config, priority and pull secret', () => {
    const objects = synthChart((chart) => {
      new ContentFilter(chart, 'Filter', {
        target: ContentFilterTarget.ingressGateway(),
        image: IMAGE,
        name: 'prompt-guard',
        phase: WasmPhase.AUTHZ,
        failOpen: true,
        priority: 10,
        imagePullSecret: 'ecr-pull',
        pluginConfig: { block: ['pii', 'secrets'], redact: true },
      });
    });
    const wp = findObject(objects, 'WasmPlugin', 'prompt-guard');
    expect(wp.metadata.namespace).toBe('istio-system');
    expect(wp.spec).toMatchObject({
      phase: 'AUTHZ',
      failStrategy: 'FAIL_OPEN',
      priority: 10,
      imagePullSecret: 'ecr-pull',
      selector: { matchLabels: { istio: 'ingressgateway' } },
      pluginConfig: { block: ['pii', 'secrets'], redact: true },
    });
    expect(wp.spec.match).toBeUndefined();
  });

  test('default gateway name and custom workload targets', () => {
    const objects = synthChart((chart) => {
      new ContentFilter(chart, 'A', { target: ContentFilterTarget.ingressGateway('istio-ingress', { app: 'llm-gw' }), image: IMAGE });
      new ContentFilter(chart, 'B', { target: ContentFilterTarget.workloads('search', { app: 'frontend' }), image: IMAGE });
    });
    expect(findObject(objects, 'WasmPlugin', 'ingress-content-filter').spec.selector).toEqual({ matchLabels: { app: 'llm-gw' } });
    expect(findObject(objects, 'WasmPlugin', 'workloads-content-filter').metadata.namespace).toBe('search');
  });

  test.each([
    'oci://registry.example.com/filters/pii:1.0',
    'registry.example.com/filters/pii@sha256:' + DIGEST,
    'https://example.com/pii.wasm',
    'oci://registry.example.com/filters/pii@sha256:abc',
    'oci://registry.example.com/filters/pii@sha512:' + DIGEST,
    'oci://registry.example.com/filters/pii:latest',
  ])('image not pinned by digest: %p', (image) => {
    expectValidationError(() => new ContentFilter(newChart(), 'F', { target: ContentFilterTarget.model(vllmModel()), image }),
      ["'image' must be an OCI image pinned by digest", `got '${image}'`, 'reference it by digest']);
  });

  test('a tag next to the digest is accepted (the digest wins)', () => {
    const image = `oci://ghcr.io/acme/pii:1.2.0@sha256:${DIGEST}`;
    const objects = synthChart((chart) => {
      new ContentFilter(chart, 'F', { target: ContentFilterTarget.model(vllmModel()), image });
    });
    expect(findObject(objects, 'WasmPlugin').spec.url).toBe(image);
  });

  test.each([
    [() => ContentFilterTarget.workloads('search', {}), "'target.selector' must select the workloads with at least one label"],
    [() => ContentFilterTarget.workloads('search', { 'app*': 'x' }), "'target.selector.app*' is not a valid label key"],
    [() => ContentFilterTarget.workloads('Search', { app: 'x' }), "'target.namespace' must be a DNS-1123 label"],
    [() => new ContentFilter(newChart(), 'F', { target: { namespace: 'x' } as any, image: IMAGE }), "'target' must be a ContentFilterTarget"],
    [() => new ContentFilter(newChart(), 'F', { target: ContentFilterTarget.ingressGateway(), image: IMAGE, phase: 'LATE' as any }), "'phase' must be a WasmPhase"],
    [() => new ContentFilter(newChart(), 'F', { target: ContentFilterTarget.ingressGateway(), image: IMAGE, priority: 1.5 }), "'priority' must be a whole number"],
    [() => new ContentFilter(newChart(), 'F', { target: ContentFilterTarget.ingressGateway(), image: IMAGE, name: 'Guard' }), "'name' must be a DNS-1123 label"],
  ])('bad input %#', (fn, message) => {
    expectValidationError(fn, [message, 'got ']);
  });
});

describe('ContentFilter.validateImage', () => {
  test('returns a pinned image; names the prop it is given', () => {
    expect(ContentFilter.validateImage('contentFilter.image', IMAGE)).toBe(IMAGE);
    expectValidationError(() => ContentFilter.validateImage('contentFilter.image', 'oci://ghcr.io/acme/pii:1.0'),
      ["'contentFilter.image' must be an OCI image pinned by digest", "got 'oci://ghcr.io/acme/pii:1.0'"]);
  });
});
