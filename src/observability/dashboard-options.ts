/**
 * Options shared by the platform's Grafana dashboards (ConfigMaps for the Grafana sidecar).
 */
export interface DashboardOptions {
  /**
   * Namespace the Grafana sidecar watches.
   *
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * The ConfigMap name (also the dashboard uid and file name).
   *
   * @default - the dashboard's own name (`llm-model-serving`, `llm-gpus`)
   */
  readonly name?: string;
  /**
   * Grafana folder (the sidecar reads it from the `grafana_folder` annotation when
   * `folderAnnotation: grafana_folder` is configured).
   *
   * @default 'LLM Platform'
   */
  readonly folder?: string;
  /**
   * The label the sidecar selects dashboards by.
   *
   * @default 'grafana_dashboard'
   */
  readonly sidecarLabel?: string;
  /**
   * Its value.
   *
   * @default '1'
   */
  readonly sidecarLabelValue?: string;
}
