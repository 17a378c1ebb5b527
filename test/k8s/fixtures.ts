import { Chart } from 'cdk8s';
import { GpuInstanceType, GpuPool, IGpuPool, ModelRuntime } from '../../src/core';
import { ModelServer, ModelServerOptions } from '../../src/k8s/serving/model-server';
import { ModelSource } from '../../src/k8s/serving/model-source';
import { Tenant, TenantProps } from '../../src/k8s/tenancy/tenant';

export const DIGEST = `sha256:${'a'.repeat(64)}`;
export const VLLM_IMAGE = `vllm/vllm-openai:v0.10.1@${DIGEST}`;
export const SHA = '0e9e39f249a16976918f6564b8830bc894c89659';

export function l40sPool(): IGpuPool {
  return GpuPool.fromAttributes({ poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE] });
}

export function a10gPool(): IGpuPool {
  return GpuPool.fromAttributes({ poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE] });
}

export function hfSource(): ModelSource {
  return ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA });
}

export function tenant(chart: Chart, props: Partial<TenantProps> = {}): Tenant {
  return new Tenant(chart, 'Tenant', { tenantName: 'search', gpuQuota: 8, ...props });
}

export function model(chart: Chart, options: Partial<ModelServerOptions> = {}, t?: Tenant): ModelServer {
  return (t ?? tenant(chart)).addModel(`Model-${options.modelName ?? 'llama3-8b'}`, {
    modelName: 'llama3-8b',
    runtime: ModelRuntime.VLLM,
    image: VLLM_IMAGE,
    source: hfSource(),
    pool: a10gPool(),
    ...options,
  });
}

/** The pod spec of a Deployment. */
export function podOf(deployment: any): any {
  return deployment.spec.template.spec;
}

/** Expect `fn` to throw a ValidationError naming the prop, the value and a fix. */
export function expectValidationError(fn: () => unknown, prop: string, value: string | RegExp): void {
  let error: any;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeDefined();
  expect(error.name).toBe('ValidationError');
  expect(error.message).toContain(`'${prop}'`);
  if (typeof value === 'string') expect(error.message).toContain(`got ${value}`);
  else expect(error.message).toMatch(value);
  expect(error.message).toMatch(/; \S/);
}
