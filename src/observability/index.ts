export * from './metric-labels';
export * from './alert-severity';
export * from './model-server-monitoring';
export * from './dcgm-exporter-monitoring';
export * from './llm-slo-alerts';
export * from './gpu-health-alerts';
