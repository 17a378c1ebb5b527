export * from './gitops-layout';
