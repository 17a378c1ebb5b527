// cdk-llm-platform: production LLM serving on AWS EKS as code.
//
// Layout (docs/DESIGN.md section 2): shared value types at the top level, one jsii submodule per layer.
// Dependencies point one way: core <- validation <- layers <- platform.
export * from './core';
// The cdk8s validation plugins, for `cdk8s.yaml` (`package: cdk-llm-platform`).
export * from './cdk8s-plugins';
export * as validation from './validation';
export * as k8s from './k8s';
export * as policy from './policy';
export * as mesh from './mesh';
export * as gitops from './gitops';
export * as observability from './observability';
export * as aws from './aws';
export * as platform from './platform';
export * as twin from './twin';
// The app-repo template (projen project type; loaded on first access, never by requiring the root).
export * as app from './app';
