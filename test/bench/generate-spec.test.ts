/**
 * The benchmark's generated platforms stay valid as the reference changes (they take everything but pools, tenants
 * and models from it): a spec the validator refuses would only show as a FAILED row in the next benchmark run.
 */
import { generateFleetSpec, generateSpec } from '../../bench/generate-spec';
import { Fleet, PlatformSpecValidator } from '../../src/platform';

test('generated platforms of several sizes pass the spec validator', () => {
  for (const n of [1, 10, 37]) expect(PlatformSpecValidator.problems(generateSpec(n)).map((p) => `${p.prop}: ${p.problem}`)).toEqual([]);
});

test('generated fleets of 1 and 3 clusters are valid fleets', () => {
  for (const clusters of [1, 3]) expect(new Fleet(generateFleetSpec(20, clusters)).clusters.length).toBe(clusters);
});

test('a generated platform serves its public vLLM models through InferencePools, canaries included', () => {
  const spec = generateSpec(20);
  const canaries = (spec.models ?? []).filter((m) => m.canary);
  expect(canaries.map((m) => m.name)).toEqual(['m0001-vllm', 'm0019-vllm']);
  expect(spec.mesh?.inference?.objectives?.map((o) => o.model)).toEqual(['m0001-vllm', 'm0004-vllm', 'm0007-vllm', 'm0013-vllm', 'm0016-vllm', 'm0019-vllm']);
});
