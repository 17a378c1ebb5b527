export * from './mesh-principal';
export * from './mesh-security';
export * from './model-access-policy';
export * from './retry-on';
export * from './model-traffic';
