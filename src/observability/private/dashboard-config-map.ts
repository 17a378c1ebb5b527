import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { observabilityLabels } from './metadata';

/** Options of a dashboard ConfigMap. */
export interface DashboardConfigMapOptions {
  readonly name: string;
  readonly namespace: string;
  readonly dashboard: object;
  readonly folder?: string;
  readonly sidecarLabel: string;
  readonly sidecarLabelValue: string;
}

/**
 * A ConfigMap the Grafana dashboard sidecar (kube-prometheus-stack / grafana chart) picks up: labelled
 * `grafana_dashboard: "1"` by default, folder in the `grafana_folder` annotation.
 */
export function dashboardConfigMap(scope: Construct, o: DashboardConfigMapOptions): k8s.KubeConfigMap {
  return new k8s.KubeConfigMap(scope, 'Resource', {
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: { ...observabilityLabels(o.name, 'dashboard'), [o.sidecarLabel]: o.sidecarLabelValue },
      ...(o.folder ? { annotations: { grafana_folder: o.folder } } : {}),
    },
    data: { [`${o.name}.json`]: JSON.stringify(o.dashboard, undefined, 2) },
  });
}
