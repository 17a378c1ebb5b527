// Kubernetes layer (cdk8s): serving, tenancy, GPU delivery and training. Explicit exports only.
export { ServingImages } from './serving/serving-images';
export {
  ModelSource, WeightVerification, SecretKeyReference, S3ModelSourceOptions, HuggingFaceModelSourceOptions,
  PvcModelSourceOptions, KeylessVerificationOptions, PublicKeyVerificationOptions,
} from './serving/model-source';
export { ModelAutoscaling, KedaAutoscalingOptions, HpaAutoscalingOptions, HpaMetricSource } from './serving/model-autoscaling';
export { ModelServer, ModelServerProps, ModelServerOptions, ModelVersionOptions, ReplicaRange } from './serving/model-server';
export { Tenant, TenantProps, TenantAttributes, ITenant } from './tenancy/tenant';
