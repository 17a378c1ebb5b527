export * from './resource-kind';
export * from './policy-rule';
export * from './policy-catalogue';
export * from './policy-exception';
export * from './image-verification';
export * from './policy-evaluator';
export * from './policy-set';
export * from './policy-validation-plugin';
