import { expectValidationError, vllmModel } from './fixtures';
import { MeshPrincipal } from '../../src/mesh';

describe('MeshPrincipal', () => {
  test('parses the SPIFFE form', () => {
    const p = MeshPrincipal.fromSpiffe('cluster.local/ns/search/sa/frontend');
    expect(p.trustDomain).toBe('cluster.local');
    expect(p.namespace).toBe('search');
    expect(p.serviceAccountName).toBe('frontend');
    expect(p.principal).toBe('cluster.local/ns/search/sa/frontend');
    expect(p.toString()).toBe('cluster.local/ns/search/sa/frontend');
  });

  test('serviceAccount defaults to the cluster.local trust domain', () => {
    expect(MeshPrincipal.serviceAccount('chat', 'api').principal).toBe('cluster.local/ns/chat/sa/api');
    expect(MeshPrincipal.serviceAccount('chat', 'api', 'prod.example.com').principal).toBe('prod.example.com/ns/chat/sa/api');
  });

  test('ofModel uses the model service account', () => {
    expect(MeshPrincipal.ofModel(vllmModel()).principal).toBe('cluster.local/ns/search/sa/llama3-8b');
  });

  test.each([
    'search/frontend',
    'cluster.local/ns/search',
    'cluster.local/sa/frontend/ns/search',
    'cluster.local/ns/Search/sa/frontend',
    'cluster.local/ns/search/sa/frontend/extra',
    '',
  ])('rejects %p', (bad) => {
    expectValidationError(() => MeshPrincipal.fromSpiffe(bad), ["'principal' must be in SPIFFE form", `got '${bad}'`, 'cluster.local/ns/search/sa/frontend']);
  });

  test('rejects wildcards', () => {
    expectValidationError(() => MeshPrincipal.fromSpiffe('cluster.local/ns/search/sa/*'), ["'principal' must name exactly one workload identity", "got 'cluster.local/ns/search/sa/*'"]);
  });

  test('rejects the spiffe:// scheme and says what to use', () => {
    expectValidationError(() => MeshPrincipal.fromSpiffe('spiffe://cluster.local/ns/a/sa/b'), ["'principal' must not carry the 'spiffe://' scheme", "use 'cluster.local/ns/a/sa/b'"]);
  });

  test('rejects non-strings', () => {
    expectValidationError(() => MeshPrincipal.fromSpiffe(42 as any), ["'principal' must be a SPIFFE principal string", 'got 42']);
  });
});
