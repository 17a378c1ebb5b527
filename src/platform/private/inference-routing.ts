import { IngressApi, ModelSpec, PlatformSpec } from '../platform-spec';

/** Whether the platform's north-south path is a Gateway API Gateway with an ingress host (`mesh.ingressApi`). */
export function usesGatewayApi(spec: PlatformSpec): boolean {
  return spec.mesh?.ingressApi === IngressApi.GATEWAY_API && (spec.mesh?.ingressHosts ?? []).length > 0;
}

/**
 * Whether a model is served through an InferencePool and its endpoint picker: on the Gateway API path, a vLLM
 * Deployment (not KServe) with a public route, unless `inferencePool: false` (the spec validator refuses
 * `inferencePool: true` where it cannot apply).
 */
export function servedThroughPool(spec: PlatformSpec, m: ModelSpec): boolean {
  if (!usesGatewayApi(spec) || m.kserve || m.publicRoute === false) return false;
  return m.inferencePool ?? (m.runtime as any)?.name === 'vllm';
}
