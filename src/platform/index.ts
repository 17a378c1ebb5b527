// Platform L3 (docs/DESIGN.md section 1): one spec to Terraform (AwsPlatformStack) and Kubernetes
// (KubernetesPlatform), with whole-spec validation and cross-layer consistency checks.
export * from './platform-spec';
export * from './platform-names';
export * from './platform-spec-validator';
export * from './aws-platform-stack';
export * from './kubernetes-platform';
export * from './platform-consistency';
export * from './diagram';
export * from './fleet';
export * from './aws-fleet';
export * from './kubernetes-fleet';
