export * from './names';
export * from './kubernetes-version';
export * from './gpu-instance-type';
// ValidationError itself extends Error, which jsii cannot export: it lives in `lib/core/errors`.
export { ValidationErrors } from './errors';
export type { ValidationProblem } from './errors';
export * from './labels';
export * from './gpu-pool';
export * from './model-runtime';
export * from './model-service';
export * from './image-reference';
export * from './model-size';
