import { IModelService, ModelRuntime, ModelService } from '../../src/core';
import { TestChart } from '../util';

/** A vLLM model of tenant `search` serving only `stable`. */
export function vllmModel(overrides: { versions?: string[]; namespace?: string; modelName?: string; tenant?: string } = {}): IModelService {
  return ModelService.fromAttributes({
    modelName: overrides.modelName ?? 'llama3-8b',
    tenant: overrides.tenant ?? 'search',
    namespace: overrides.namespace,
    runtime: ModelRuntime.VLLM,
    versions: overrides.versions,
  });
}

/** A Triton model (HTTP 8000, gRPC 8001, metrics 8002) of tenant `vision`. */
export function tritonModel(versions?: string[]): IModelService {
  return ModelService.fromAttributes({ modelName: 'clip-vit', tenant: 'vision', runtime: ModelRuntime.TRITON, versions });
}

/** Expect `fn` to throw a ValidationError whose message names the prop, the value and the fix. */
export function expectValidationError(fn: () => unknown, parts: Array<string | RegExp>): void {
  let thrown: any;
  try {
    fn();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeDefined();
  expect(thrown.name).toBe('ValidationError');
  for (const p of parts) {
    if (typeof p === 'string') expect(thrown.message).toContain(p);
    else expect(thrown.message).toMatch(p);
  }
}

/** A fresh chart for tests that expect an error before synthesis. */
export function newChart(): TestChart {
  return new TestChart();
}
