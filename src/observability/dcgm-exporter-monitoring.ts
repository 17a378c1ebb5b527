import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MetricLabels } from './metric-labels';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import {
  ServiceMonitor,
  ServiceMonitorSpecEndpointsRelabelingsAction,
  ServiceMonitorSpecEndpointsScheme,
} from '../imports/prometheus-servicemonitor-monitoring.coreos.com';
import { observabilityLabels } from './private/metadata';
import { promDuration } from './private/promql';

/**
 * Properties of `DcgmExporterMonitoring`.
 */
export interface DcgmExporterMonitoringProps {
  /**
   * Namespace of the DCGM exporter Service.
   *
   * @default 'gpu-operator'
   */
  readonly namespace?: string;
  /**
   * Labels that select the DCGM exporter Service (the NVIDIA GPU operator labels it
   * `app: nvidia-dcgm-exporter`).
   *
   * @default { app: 'nvidia-dcgm-exporter' }
   */
  readonly selectorLabels?: { [key: string]: string };
  /**
   * Name of the Service port serving metrics (the GPU operator names it `gpu-metrics`, port 9400).
   *
   * @default 'gpu-metrics'
   */
  readonly portName?: string;
  /**
   * Scrape interval. DCGM exporter refreshes its fields every 30 s by default
   * (`DCGM_EXPORTER_INTERVAL=30000`), so scraping faster only repeats samples.
   *
   * @default Duration.seconds(30)
   */
  readonly interval?: Duration;
  /**
   * Extra labels on the ServiceMonitor (for a Prometheus' `serviceMonitorSelector`).
   *
   * @default - none
   */
  readonly objectLabels?: { [key: string]: string };
}

/**
 * Scrapes the NVIDIA DCGM exporter (GPU utilization, memory, power, temperature, XID and ECC errors)
 * with a `ServiceMonitor`. `honorLabels` keeps the exporter's `pod`/`namespace`/`container` labels,
 * which name the workload using each GPU, and each series gets the `node` it was measured on.
 */
export class DcgmExporterMonitoring extends Construct {
  /** The labels the DCGM series carry that platform queries may use. */
  public static readonly PRODUCED_LABELS: string[] = [MetricLabels.NODE, MetricLabels.GPU, MetricLabels.GPU_UUID, MetricLabels.GPU_MODEL_NAME];

  /** The ServiceMonitor's name. */
  public readonly monitorName: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** Scrape interval. */
  public readonly interval: Duration;

  constructor(scope: Construct, id: string, props: DcgmExporterMonitoringProps = {}) {
    super(scope, id);
    checkProps('observability.DcgmExporterMonitoringProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'gpu-operator', this);
    this.interval = props.interval ?? Duration.seconds(30);
    this.monitorName = 'nvidia-dcgm-exporter';
    const selectorLabels = props.selectorLabels ?? { app: 'nvidia-dcgm-exporter' };
    if (Object.keys(selectorLabels).length === 0) {
      throw new ValidationError('selectorLabels', 'must select the DCGM exporter Service', selectorLabels,
        "pass the Service's labels, e.g. { app: 'nvidia-dcgm-exporter' }", this);
    }
    new ServiceMonitor(this, 'Resource', {
      metadata: {
        name: this.monitorName,
        namespace: this.namespace,
        labels: { ...observabilityLabels('nvidia-dcgm-exporter', 'gpu-monitoring'), ...(props.objectLabels ?? {}) },
      },
      spec: {
        selector: { matchLabels: { ...selectorLabels } },
        namespaceSelector: { matchNames: [this.namespace] },
        endpoints: [{
          port: props.portName ?? 'gpu-metrics',
          path: '/metrics',
          scheme: ServiceMonitorSpecEndpointsScheme.HTTP,
          interval: promDuration('interval', this.interval),
          honorLabels: true,
          relabelings: [{
            action: ServiceMonitorSpecEndpointsRelabelingsAction.REPLACE,
            sourceLabels: ['__meta_kubernetes_pod_node_name'],
            targetLabel: MetricLabels.NODE,
          }],
        }],
      },
    });
  }
}
