// cdk-llm-platform: production LLM serving on AWS EKS as code.
//
// Layout (DESIGN.md section 2): shared value types at the top level, one jsii submodule per layer.
// Dependencies point one way: core <- validation <- layers <- platform.
export * from './core';
export * as validation from './validation';
