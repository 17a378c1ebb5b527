// Kubernetes layer (cdk8s): serving, tenancy, GPU delivery and training. Explicit exports only.
export { ServingImages } from './serving/serving-images';
export { ModelSource, WeightVerification } from './serving/model-source';
export type {
  SecretKeyReference, S3ModelSourceOptions, HuggingFaceModelSourceOptions, PvcModelSourceOptions,
  KeylessVerificationOptions, PublicKeyVerificationOptions,
} from './serving/model-source';
export { ModelAutoscaling, HpaMetricSource } from './serving/model-autoscaling';
export type { KedaAutoscalingOptions, HpaAutoscalingOptions } from './serving/model-autoscaling';
export { ModelServer } from './serving/model-server';
export type { ModelServerProps, ModelServerOptions, ModelVersionOptions, ReplicaRange } from './serving/model-server';
export { KServeInferenceService } from './serving/kserve-inference-service';
export type { KServeInferenceServiceProps } from './serving/kserve-inference-service';
export { Tenant } from './tenancy/tenant';
export type { TenantProps, TenantAttributes, ITenant } from './tenancy/tenant';
export { KarpenterGpuClass, CapacityType } from './gpu/karpenter-gpu-class';
export type { KarpenterGpuClassProps } from './gpu/karpenter-gpu-class';
export { NvidiaDevicePlugin } from './gpu/nvidia-device-plugin';
export type { NvidiaDevicePluginProps } from './gpu/nvidia-device-plugin';
export { DcgmExporter } from './gpu/dcgm-exporter';
export type { DcgmExporterProps } from './gpu/dcgm-exporter';
export { FineTuningJob } from './training/fine-tuning-job';
export type { FineTuningJobProps, LoraOptions } from './training/fine-tuning-job';
