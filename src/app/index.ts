// The app-repo template (a projen project type). The package root loads this submodule on first access
// only (projenrc/lazy-root.ts, projenrc/lazy-submodules.js), so `require('cdk-llm-platform')` never loads projen.
export * from './llm-platform-app';
