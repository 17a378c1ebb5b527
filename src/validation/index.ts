export * from './manifest-validator';
export * from './terraform-validator';
export * from './cel';
export * from './promql';
export * from './plugin';
