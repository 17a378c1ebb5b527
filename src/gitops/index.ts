export * from './gitops-layout';
export * from './sync-wave';
export * from './chart-repository';
export * from './tenant-project';
export * from './platform-project';
export * from './platform-application-set';
