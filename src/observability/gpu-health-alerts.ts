import { Construct } from 'constructs';
import { AlertSeverity } from './alert-severity';
import { MetricLabels } from './metric-labels';
import { ProblemCollector } from '../core/errors';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import { PrometheusRule } from '../imports/prometheus-prometheusrule-monitoring.coreos.com';
import { observabilityLabels } from './private/metadata';
import { num } from './private/promql';
import { alertRule } from './private/rules';

/**
 * Properties of `GpuHealthAlerts`.
 */
export interface GpuHealthAlertsProps {
  /**
   * Namespace of the PrometheusRule.
   *
   * @default 'monitoring'
   */
  readonly namespace?: string;
  /**
   * GPU temperature (Celsius) above which to alert. NVIDIA data-center GPUs start slowing their clocks
   * in the high 80s (e.g. A10G, L40S), so 85 leaves a margin before throttling.
   *
   * @default 85
   */
  readonly temperatureThresholdCelsius?: number;
  /**
   * Extra labels on every alert.
   *
   * @default - none
   */
  readonly alertLabels?: { [key: string]: string };
  /**
   * Extra labels on the PrometheusRule object (for a Prometheus' `ruleSelector`).
   *
   * @default - none
   */
  readonly objectLabels?: { [key: string]: string };
}

/**
 * GPU health alerts on DCGM exporter metrics (scraped by `DcgmExporterMonitoring`): XID errors,
 * uncorrectable (double-bit) ECC errors, temperature and a GPU that stopped reporting.
 *
 * `DCGM_FI_DEV_ECC_DBE_VOL_TOTAL` and `DCGM_FI_DEV_THERMAL_VIOLATION` are not in dcgm-exporter's default
 * counters file (4.5.2-4.8.1, etc/default-counters.csv lists them commented out): the exporter must be
 * given a counters file with them, as `DcgmExporter` does by default, or these two alerts never fire.
 */
export class GpuHealthAlerts extends Construct {
  /** The PrometheusRule's name. */
  public readonly ruleName: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** The temperature threshold in Celsius. */
  public readonly temperatureThresholdCelsius: number;
  /** Alert names emitted, in order. */
  public readonly alertNames: string[];

  constructor(scope: Construct, id: string, props: GpuHealthAlertsProps = {}) {
    super(scope, id);
    checkProps('observability.GpuHealthAlertsProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'monitoring', this);
    this.temperatureThresholdCelsius = props.temperatureThresholdCelsius ?? 85;
    const problems = new ProblemCollector(this);
    problems.check(this.temperatureThresholdCelsius > 0, 'temperatureThresholdCelsius', 'must be positive', this.temperatureThresholdCelsius,
      'use a temperature below the GPU slowdown temperature, e.g. 85');
    problems.throwIfAny();
    this.ruleName = 'gpu-health';
    const by = [MetricLabels.NODE, MetricLabels.GPU, MetricLabels.GPU_UUID, MetricLabels.GPU_MODEL_NAME].join(', ');
    const labels = props.alertLabels ?? {};
    const where = 'GPU {{ $labels.gpu }} ({{ $labels.modelName }}) on {{ $labels.node }}';
    const rules = [
      alertRule({
        alert: 'GpuXidError',
        severity: AlertSeverity.CRITICAL,
        labels,
        // DCGM_FI_DEV_XID_ERRORS holds the last XID error code (0: none since the exporter started).
        expr: `max by (${by}) (DCGM_FI_DEV_XID_ERRORS) > 0`,
        summary: `${where} reported an XID error`,
        description: `${where} reported XID {{ $value }}; check the NVIDIA XID catalogue and drain the node if it repeats.`,
      }),
      alertRule({
        alert: 'GpuEccDoubleBitErrors',
        severity: AlertSeverity.CRITICAL,
        labels,
        expr: `max by (${by}) (increase(DCGM_FI_DEV_ECC_DBE_VOL_TOTAL[10m])) > 0`,
        summary: `${where} has uncorrectable ECC errors`,
        description: `${where} had {{ $value }} double-bit ECC errors in 10 minutes; cordon and drain the node.`,
      }),
      alertRule({
        alert: 'GpuTemperatureHigh',
        severity: AlertSeverity.WARNING,
        labels,
        for: '5m',
        expr: `max by (${by}) (DCGM_FI_DEV_GPU_TEMP) > ${num(this.temperatureThresholdCelsius)}`,
        summary: `${where} runs hot`,
        description: `${where} has been above ${num(this.temperatureThresholdCelsius)}C for 5 minutes ({{ $value }}C); it will throttle.`,
      }),
      alertRule({
        alert: 'GpuThermalViolation',
        severity: AlertSeverity.WARNING,
        labels,
        for: '10m',
        // Nanoseconds spent in thermal violation per second (dcgm-exporter's counters file: "in ns"). The
        // field is not in dcgm-exporter's default counters: DcgmExporter collects it (PLATFORM_EXTRA_COUNTERS).
        expr: `max by (${by}) (rate(DCGM_FI_DEV_THERMAL_VIOLATION[5m])) > 0`,
        summary: `${where} is thermally throttled`,
        description: `${where} has been clock-throttled for heat for 10 minutes.`,
      }),
    ];
    this.alertNames = rules.map((r) => r.alert!);
    new PrometheusRule(this, 'Resource', {
      metadata: {
        name: this.ruleName,
        namespace: this.namespace,
        labels: { ...observabilityLabels('gpu-health', 'gpu-alerts'), ...(props.objectLabels ?? {}) },
      },
      spec: { groups: [{ name: 'gpu-health.alerts', rules }] },
    });
  }
}
