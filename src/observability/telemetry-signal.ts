/**
 * An OpenTelemetry signal: the type of a collector pipeline.
 */
export enum TelemetrySignal {
  /** Spans. */
  TRACES = 'traces',
  /** Metrics. */
  METRICS = 'metrics',
  /** Log records (including Kubernetes events). */
  LOGS = 'logs',
}

/**
 * How the OpenTelemetry operator runs a collector.
 */
export enum CollectorMode {
  /** A Deployment behind a Service: the gateway that receives, enriches and exports. */
  DEPLOYMENT = 'deployment',
  /** A DaemonSet: one node agent per node (container logs, node-local scraping). */
  DAEMONSET = 'daemonset',
}
