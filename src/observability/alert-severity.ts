/**
 * The `severity` label of an alert, as Alertmanager routes on it (kube-prometheus conventions).
 */
export enum AlertSeverity {
  /** Page someone now. */
  CRITICAL = 'critical',
  /** Look at it in working hours (a ticket). */
  WARNING = 'warning',
  /** For dashboards and inhibition only. */
  INFO = 'info',
}
