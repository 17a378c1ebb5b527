// Kubernetes layer (cdk8s): serving, tenancy, GPU delivery and training.
export * from './serving/serving-images';
export * from './serving/model-source';
export * from './serving/model-autoscaling';
export * from './serving/model-server';
export * from './serving/kserve-inference-service';
export * from './tenancy/tenant';
export * from './gpu/karpenter-gpu-class';
export * from './gpu/nvidia-device-plugin';
export * from './gpu/dcgm-exporter';
export * from './training/fine-tuning-job';
