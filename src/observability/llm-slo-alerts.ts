import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { AlertSeverity } from './alert-severity';
import { ErrorRatioSource } from './error-ratio-source';
import { IstioMetrics, MetricLabels, PlatformMetrics } from './metric-labels';
import { ProblemCollector } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { ModelRuntime } from '../core/model-runtime';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { PrometheusRule, PrometheusRuleSpecGroupsRules } from '../imports/prometheus-prometheusrule-monitoring.coreos.com';
import { observabilityLabels } from './private/metadata';
import { num, promDuration, selector, showDuration } from './private/promql';
import { alertRule, recordRule } from './private/rules';

/**
 * One multi-window burn-rate condition: alert when the error budget burns `burnRateFactor` times
 * faster than sustainable over both the long and the short window (Google SRE workbook, chapter 5).
 */
export interface BurnRateWindow {
  /** The long window, e.g. 1 hour. */
  readonly longWindow: Duration;
  /** The short window (about 1/12 of the long one), e.g. 5 minutes; must be shorter than `longWindow`. */
  readonly shortWindow: Duration;
  /**
   * How many times faster than sustainable the budget burns, e.g. 14.4 (2% of a 30-day budget in 1 hour).
   */
  readonly burnRateFactor: number;
  /**
   * Severity of the alert.
   *
   * @default AlertSeverity.CRITICAL
   */
  readonly severity?: AlertSeverity;
}

/**
 * An availability SLO: the fraction of requests that must succeed.
 */
export interface AvailabilitySlo {
  /** The target success ratio, in (0, 1), e.g. 0.995. */
  readonly target: number;
  /**
   * Burn-rate windows, ordered from the shortest long window to the longest.
   *
   * @default - 1h/5m at 14.4x and 6h/30m at 6x, both critical (SRE workbook, table 5-8)
   */
  readonly windows?: BurnRateWindow[];
}

/**
 * The SLO objectives of a model (what `LlmSloAlerts` alerts on, and what the platform diagram shows).
 */
export interface LlmSloObjectives {
  /**
   * The availability target (fraction of requests that succeed).
   *
   * @default - no availability objective
   */
  readonly availabilityTarget?: number;
  /**
   * The p99 time-to-first-token objective.
   *
   * @default - no TTFT objective
   */
  readonly timeToFirstTokenP99?: Duration;
  /**
   * The p99 inter-token latency objective.
   *
   * @default - no ITL objective
   */
  readonly interTokenLatencyP99?: Duration;
}

/**
 * Properties of `LlmSloAlerts`.
 */
export interface LlmSloAlertsProps {
  /** The model the rules are for. */
  readonly model: IModelService;
  /**
   * Availability SLO with multi-window multi-burn-rate alerts on the error ratio, measured where
   * `errorRatioSource` says.
   *
   * @default - { target: LlmSloAlerts.DEFAULT_AVAILABILITY_TARGET } (0.995), unless `errorRatioSource` is `ErrorRatioSource.NONE`
   */
  readonly availability?: AvailabilitySlo;
  /**
   * Where the error ratio of the availability SLO is measured: the runtime's request counters, or the
   * Istio sidecars' `istio_requests_total` (5xx responses of the model's Service, reported by the
   * destination proxy). `MESH` needs the sidecar metrics in Prometheus (`IstioProxyMonitoring` or
   * Istio's metrics merging). `NONE` turns the availability SLO off.
   *
   * @default - ErrorRatioSource.RUNTIME when the runtime exports both `requestSuccessTotal` and
   * `requestFailureTotal` (Triton, TGI), else ErrorRatioSource.MESH (vLLM; the platform runs Istio
   * with STRICT mTLS)
   */
  readonly errorRatioSource?: ErrorRatioSource;
  /**
   * p99 time-to-first-token SLO.
   *
   * @default - LlmSloAlerts.DEFAULT_TIME_TO_FIRST_TOKEN_P99 (2 s) when the runtime exports a TTFT histogram, else no alert
   */
  readonly timeToFirstTokenP99?: Duration;
  /**
   * p99 inter-token latency SLO.
   *
   * @default - LlmSloAlerts.DEFAULT_INTER_TOKEN_LATENCY_P99 (200 ms) when the runtime exports an ITL histogram, else no alert
   */
  readonly interTokenLatencyP99?: Duration;
  /**
   * Queue depth (waiting requests on one replica) above which the model counts as saturated.
   *
   * @default - 10 when the runtime exports its queue length, else no alert
   */
  readonly queueDepthThreshold?: number;
  /**
   * KV-cache usage (0..1) above which the cache counts as near full.
   *
   * @default - 0.9 when the runtime exports KV-cache usage, else no alert
   */
  readonly kvCacheUsageThreshold?: number;
  /**
   * Preemptions per second above which to alert (sustained for 15 minutes).
   *
   * @default - 0 (any sustained preemption) when the runtime exports preemptions, else no alert
   */
  readonly preemptionRateThreshold?: number;
  /**
   * The autoscaler's maximum replica count; alert when the model runs at it for 15 minutes.
   *
   * @default - no replicas-at-max alert
   */
  readonly maxReplicas?: number;
  /**
   * Extra labels on every alert (e.g. `team: search` for Alertmanager routing).
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
 * A `PrometheusRule` for one model: recording rules that normalize the runtime's metrics into
 * platform metrics (`PlatformMetrics`) and the LLM SLO alerts on them.
 *
 * Every expression selects `{tenant="...", model="..."}`, the labels `ModelServerMonitoring` produces.
 * Rules whose runtime metric is missing are skipped (listed in `skipped`); setting the matching prop
 * explicitly for such a runtime is a ValidationError. The error ratio of the availability SLO comes from
 * the runtime's request counters or, for runtimes without a failure counter (vLLM), from the Istio
 * sidecars (`errorRatioSource`); either way it is recorded with the labels `tenant` and `model`.
 */
export class LlmSloAlerts extends Construct {
  /** The SRE workbook's page-level windows: 1h/5m at 14.4x and 6h/30m at 6x. */
  public static readonly DEFAULT_BURN_RATE_WINDOWS: BurnRateWindow[] = [
    { longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), burnRateFactor: 14.4, severity: AlertSeverity.CRITICAL },
    { longWindow: Duration.hours(6), shortWindow: Duration.minutes(30), burnRateFactor: 6, severity: AlertSeverity.CRITICAL },
  ];

  /** The availability target when none is given: 99.5% of requests succeed. */
  public static readonly DEFAULT_AVAILABILITY_TARGET = 0.995;

  /** The p99 time-to-first-token objective when none is given (runtimes that export a TTFT histogram). */
  public static readonly DEFAULT_TIME_TO_FIRST_TOKEN_P99: Duration = Duration.seconds(2);

  /** The p99 inter-token latency objective when none is given (runtimes that export an ITL histogram). */
  public static readonly DEFAULT_INTER_TOKEN_LATENCY_P99: Duration = Duration.millis(200);

  /**
   * The objectives a model of `runtime` gets from `given` and the defaults, as `LlmSloAlerts` resolves
   * them with a measured error ratio (the one source of the defaults for the alerts and the platform
   * diagram): the availability target, and each latency objective where the runtime measures it.
   *
   * @param runtime the model's runtime
   * @param given the objectives set explicitly
   */
  public static objectivesOf(runtime: ModelRuntime, given: LlmSloObjectives = {}): LlmSloObjectives {
    checkArgs('observability.LlmSloAlerts#objectivesOf', [runtime, given]);
    checkProps('observability.LlmSloObjectives', given, 'given');
    const m = runtime.metricNames;
    return {
      availabilityTarget: given.availabilityTarget ?? LlmSloAlerts.DEFAULT_AVAILABILITY_TARGET,
      timeToFirstTokenP99: given.timeToFirstTokenP99 ?? (m.timeToFirstTokenSeconds ? LlmSloAlerts.DEFAULT_TIME_TO_FIRST_TOKEN_P99 : undefined),
      interTokenLatencyP99: given.interTokenLatencyP99 ?? (m.interTokenLatencySeconds ? LlmSloAlerts.DEFAULT_INTER_TOKEN_LATENCY_P99 : undefined),
    };
  }

  private static checkAvailability(problems: ProblemCollector, slo: AvailabilitySlo): void {
    if (!problems.check(slo.target > 0 && slo.target < 1, 'availability.target', 'must be a ratio strictly between 0 and 1', slo.target,
      'use e.g. 0.995 for 99.5% of requests succeeding')) return;
    const windows = slo.windows ?? LlmSloAlerts.DEFAULT_BURN_RATE_WINDOWS;
    problems.check(windows.length > 0, 'availability.windows', 'must list at least one burn-rate window', windows, 'leave windows unset for the SRE workbook defaults');
    let previous: BurnRateWindow | undefined;
    windows.forEach((w, i) => {
      const p = `availability.windows[${i}]`;
      const long = w.longWindow.toMilliseconds();
      const short = w.shortWindow.toMilliseconds();
      problems.check(short > 0 && long > 0, `${p}`, 'must have positive windows', `${showDuration(w.longWindow)}/${showDuration(w.shortWindow)}`, 'use e.g. Duration.hours(1) and Duration.minutes(5)');
      problems.check(short < long, `${p}.shortWindow`, 'must be shorter than longWindow', showDuration(w.shortWindow),
        `use about 1/12 of the long window (${showDuration(w.longWindow)})`);
      if (previous !== undefined) {
        problems.check(long > previous.longWindow.toMilliseconds(), `${p}.longWindow`, `must be longer than the previous window's (${showDuration(previous.longWindow)}); windows go from fastest to slowest burn`,
          showDuration(w.longWindow), 'order windows by ascending longWindow');
        problems.check(w.burnRateFactor < previous.burnRateFactor, `${p}.burnRateFactor`, `must be lower than the previous window's (${num(previous.burnRateFactor)})`,
          w.burnRateFactor, 'use a lower factor for longer windows (e.g. 14.4 for 1h, 6 for 6h)');
      }
      if (problems.check(w.burnRateFactor > 0, `${p}.burnRateFactor`, 'must be positive', w.burnRateFactor, 'use e.g. 14.4')) {
        problems.check(w.burnRateFactor * (1 - slo.target) < 1, `${p}.burnRateFactor`,
          `makes the error-ratio threshold ${num(w.burnRateFactor * (1 - slo.target))} (at least 1), so the alert can never fire`,
          w.burnRateFactor, 'lower the factor or raise the target');
      }
      previous = w;
    });
  }

  /** The PrometheusRule's name. */
  public readonly ruleName: string;
  /** Its namespace (the model's). */
  public readonly namespace: string;
  /** The availability SLO in force, if any. */
  public readonly availability?: AvailabilitySlo;
  /** Where the error ratio is measured (`NONE` when there is no availability SLO). */
  public readonly errorRatioSource: ErrorRatioSource;
  /** The TTFT p99 SLO in force, if any. */
  public readonly timeToFirstTokenP99?: Duration;
  /** The ITL p99 SLO in force, if any. */
  public readonly interTokenLatencyP99?: Duration;
  /** The queue-depth threshold in force, if any. */
  public readonly queueDepthThreshold?: number;
  /** The KV-cache threshold in force, if any. */
  public readonly kvCacheUsageThreshold?: number;
  /** The preemption-rate threshold in force, if any. */
  public readonly preemptionRateThreshold?: number;
  /** The maximum replica count, if known. */
  public readonly maxReplicas?: number;
  /** Metric names recorded, in order. */
  public readonly recordedMetrics: string[] = [];
  /** Alert names emitted, in order (an alert with several windows is listed once). */
  public readonly alertNames: string[] = [];
  /** Rules skipped because the runtime does not export the metric they need, with the reason. */
  public readonly skipped: string[] = [];

  constructor(scope: Construct, id: string, props: LlmSloAlertsProps) {
    super(scope, id);
    checkProps('observability.LlmSloAlertsProps', props, 'props', this);
    const model = props.model;
    const m = model.runtime.metricNames;
    const runtime = model.runtime.name;
    this.namespace = Names.validateDns1123Label('model.namespace', model.namespace, this);
    this.ruleName = `${Names.validateDns1123Label('model.modelName', model.modelName, this)}-slo`;

    const problems = new ProblemCollector(this);
    const unsupported = (prop: string, metric: string, field: string) => problems.add(prop,
      `cannot be alerted on: the ${runtime} runtime exports no ${metric}`, 'set',
      `remove '${prop}' for this model or use a runtime whose metricNames.${field} is set`);

    // Resolve each SLO: explicit (must be supported), else the default when the metric exists.
    const runtimeCounters = m.requestFailureTotal !== undefined && m.requestSuccessTotal !== undefined;
    this.errorRatioSource = props.errorRatioSource ?? (runtimeCounters ? ErrorRatioSource.RUNTIME : ErrorRatioSource.MESH);
    if (this.errorRatioSource === ErrorRatioSource.RUNTIME && !runtimeCounters) {
      const counters: Array<[string, string | undefined]> = [['requestSuccessTotal', m.requestSuccessTotal], ['requestFailureTotal', m.requestFailureTotal]];
      const missing = counters.filter(([, metric]) => metric === undefined).map(([field]) => `metricNames.${field}`);
      problems.add('errorRatioSource', `needs the runtime's request success and failure counters, but the ${runtime} runtime exports no ${missing.join(' and ')}`,
        this.errorRatioSource.toString(), "use ErrorRatioSource.MESH (Istio's istio_requests_total for the model's Service) or a runtime that exports both counters");
    }
    if (this.errorRatioSource === ErrorRatioSource.NONE && props.availability !== undefined) {
      problems.add('availability', 'cannot be measured: errorRatioSource is ErrorRatioSource.NONE', props.availability,
        "remove 'availability', or measure the error ratio with ErrorRatioSource.MESH or ErrorRatioSource.RUNTIME");
    }
    if (this.errorRatioSource === ErrorRatioSource.MESH) {
      problems.check(Names.isDns1123Label(model.serviceName), 'model.serviceName', 'must be a DNS-1123 label (the Service Istio reports as destination_service_name)',
        model.serviceName, "use the model's Kubernetes Service name, e.g. 'llama3-8b'");
    }
    const objectives = LlmSloAlerts.objectivesOf(model.runtime, {
      timeToFirstTokenP99: props.timeToFirstTokenP99,
      interTokenLatencyP99: props.interTokenLatencyP99,
    });
    const measured = this.errorRatioSource !== ErrorRatioSource.NONE;
    this.availability = measured ? props.availability ?? { target: objectives.availabilityTarget! } : undefined;
    if (props.timeToFirstTokenP99 !== undefined && !m.timeToFirstTokenSeconds) unsupported('timeToFirstTokenP99', 'time-to-first-token histogram', 'timeToFirstTokenSeconds');
    this.timeToFirstTokenP99 = objectives.timeToFirstTokenP99;
    if (props.interTokenLatencyP99 !== undefined && !m.interTokenLatencySeconds) unsupported('interTokenLatencyP99', 'inter-token latency histogram', 'interTokenLatencySeconds');
    this.interTokenLatencyP99 = objectives.interTokenLatencyP99;
    if (props.queueDepthThreshold !== undefined && !m.requestsWaiting) unsupported('queueDepthThreshold', 'queue length gauge', 'requestsWaiting');
    this.queueDepthThreshold = props.queueDepthThreshold ?? (m.requestsWaiting ? 10 : undefined);
    if (props.kvCacheUsageThreshold !== undefined && !m.kvCacheUsage) unsupported('kvCacheUsageThreshold', 'KV-cache usage gauge', 'kvCacheUsage');
    this.kvCacheUsageThreshold = props.kvCacheUsageThreshold ?? (m.kvCacheUsage ? 0.9 : undefined);
    if (props.preemptionRateThreshold !== undefined && !m.preemptionsTotal) unsupported('preemptionRateThreshold', 'preemption counter', 'preemptionsTotal');
    this.preemptionRateThreshold = props.preemptionRateThreshold ?? (m.preemptionsTotal ? 0 : undefined);
    this.maxReplicas = props.maxReplicas;

    // Value checks.
    if (this.availability) LlmSloAlerts.checkAvailability(problems, this.availability);
    for (const [prop, d] of [['timeToFirstTokenP99', this.timeToFirstTokenP99], ['interTokenLatencyP99', this.interTokenLatencyP99]] as const) {
      if (d !== undefined) problems.check(d.toMilliseconds() > 0, prop, 'must be a positive duration', showDuration(d), 'use e.g. Duration.millis(500)');
    }
    if (this.queueDepthThreshold !== undefined) problems.check(this.queueDepthThreshold >= 0, 'queueDepthThreshold', 'must not be negative', this.queueDepthThreshold, 'use the waiting-request count that means saturation, e.g. 10');
    if (this.kvCacheUsageThreshold !== undefined) problems.check(this.kvCacheUsageThreshold > 0 && this.kvCacheUsageThreshold <= 1, 'kvCacheUsageThreshold', 'must be a fraction in (0, 1]', this.kvCacheUsageThreshold, 'use e.g. 0.9');
    if (this.preemptionRateThreshold !== undefined) problems.check(this.preemptionRateThreshold >= 0, 'preemptionRateThreshold', 'must not be negative', this.preemptionRateThreshold, 'use 0 to alert on any sustained preemption');
    if (this.maxReplicas !== undefined) problems.check(Number.isInteger(this.maxReplicas) && this.maxReplicas >= 1, 'maxReplicas', 'must be a whole number of at least 1', this.maxReplicas, "pass the autoscaler's maximum replica count");
    problems.throwIfAny();

    const by = `${MetricLabels.TENANT}, ${MetricLabels.MODEL}`;
    const byVersion = `${by}, ${MetricLabels.MODEL_VERSION}`;
    const byPod = `${byVersion}, ${MetricLabels.POD}`;
    const sel = `{${selector({ [MetricLabels.TENANT]: model.tenant, [MetricLabels.MODEL]: model.modelName })}}`;
    const records: PrometheusRuleSpecGroupsRules[] = [];
    const alerts: PrometheusRuleSpecGroupsRules[] = [];
    const record = (name: string, expr: string, labels?: { [key: string]: string }) => {
      records.push(recordRule(name, expr, labels));
      this.recordedMetrics.push(name);
    };
    const skip = (what: string, field: string) => {
      this.skipped.push(`${what}: the ${runtime} runtime exports no metricNames.${field}`);
    };
    const alertLabels = props.alertLabels ?? {};
    const alert = (name: string, expr: string, severity: AlertSeverity, forDuration: string | undefined,
      summary: string, description: string, labels: { [key: string]: string } = {}) => {
      alerts.push(alertRule({ alert: name, expr, for: forDuration, severity, summary, description, labels: { ...alertLabels, ...labels } }));
      if (!this.alertNames.includes(name)) this.alertNames.push(name);
    };
    const who = '{{ $labels.tenant }}/{{ $labels.model }}';

    // --- Recording rules: runtime metrics -> platform metrics --------------------------------------
    const histograms: Array<[string | undefined, string, string, string]> = [
      [m.requestLatencySeconds, PlatformMetrics.REQUEST_DURATION_SECONDS_BUCKET_RATE5M, PlatformMetrics.REQUEST_DURATION_SECONDS_P99, 'requestLatencySeconds'],
      [m.timeToFirstTokenSeconds, PlatformMetrics.TIME_TO_FIRST_TOKEN_SECONDS_BUCKET_RATE5M, PlatformMetrics.TIME_TO_FIRST_TOKEN_SECONDS_P99, 'timeToFirstTokenSeconds'],
      [m.interTokenLatencySeconds, PlatformMetrics.INTER_TOKEN_LATENCY_SECONDS_BUCKET_RATE5M, PlatformMetrics.INTER_TOKEN_LATENCY_SECONDS_P99, 'interTokenLatencySeconds'],
    ];
    for (const [source, bucketRate, p99, field] of histograms) {
      if (!source) {
        skip(bucketRate, field);
        continue;
      }
      record(bucketRate, `sum by (${byVersion}, le) (rate(${source}_bucket${sel}[5m]))`);
      record(p99, `histogram_quantile(0.99, sum by (${byVersion}, le) (${bucketRate}${sel}))`);
    }
    const rates: Array<[string | undefined, string, string]> = [
      [m.generationTokensTotal, PlatformMetrics.TOKEN_THROUGHPUT, 'generationTokensTotal'],
      [m.promptTokensTotal, PlatformMetrics.PROMPT_TOKEN_THROUGHPUT, 'promptTokensTotal'],
      [m.preemptionsTotal, PlatformMetrics.PREEMPTIONS_RATE5M, 'preemptionsTotal'],
    ];
    for (const [source, target, field] of rates) {
      if (source) record(target, `sum by (${byVersion}) (rate(${source}${sel}[5m]))`);
      else skip(target, field);
    }
    const gauges: Array<[string | undefined, string, string, string]> = [
      [m.requestsWaiting, PlatformMetrics.QUEUE_DEPTH, 'sum', 'requestsWaiting'],
      [m.requestsRunning, PlatformMetrics.REQUESTS_RUNNING, 'sum', 'requestsRunning'],
      [m.kvCacheUsage, PlatformMetrics.KV_CACHE_USAGE, 'max', 'kvCacheUsage'],
    ];
    for (const [source, target, agg, field] of gauges) {
      if (source) record(target, `${agg} by (${byPod}) (${source}${sel})`);
      else skip(target, field);
    }
    const requestCounters = [m.requestSuccessTotal, m.requestFailureTotal].filter((x): x is string => x !== undefined);
    const requestsSel = (window: string) =>
      `{__name__=~"${requestCounters.join('|')}", ${selector({ [MetricLabels.TENANT]: model.tenant, [MetricLabels.MODEL]: model.modelName })}}[${window}]`;
    if (requestCounters.length > 0) {
      record(PlatformMetrics.REQUESTS_RATE5M, `sum by (${byVersion}) (rate(${requestsSel('5m')}))`);
    } else {
      skip(PlatformMetrics.REQUESTS_RATE5M, 'requestSuccessTotal');
    }

    // --- Alerts ------------------------------------------------------------------------------------
    if (this.availability) {
      const slo = this.availability;
      const windows = slo.windows ?? LlmSloAlerts.DEFAULT_BURN_RATE_WINDOWS;
      const budget = 1 - slo.target;
      const ratioWindows = new Map<string, number>();
      for (const w of windows) {
        ratioWindows.set(promDuration('availability.windows.shortWindow', w.shortWindow), w.shortWindow.toMilliseconds());
        ratioWindows.set(promDuration('availability.windows.longWindow', w.longWindow), w.longWindow.toMilliseconds());
      }
      const sortedWindows = [...ratioWindows.keys()].sort((a, b) => ratioWindows.get(a)! - ratioWindows.get(b)!);
      // Mesh: Istio's labels select the model's Service; the rule adds the platform labels, so both
      // sources record the same series (`{tenant, model}`) and the alerts below select them alike.
      const mesh = selector({
        [IstioMetrics.REPORTER]: 'destination',
        [IstioMetrics.DESTINATION_WORKLOAD_NAMESPACE]: model.namespace,
        [IstioMetrics.DESTINATION_SERVICE_NAME]: model.serviceName,
      });
      const modelLabels = { [MetricLabels.TENANT]: model.tenant, [MetricLabels.MODEL]: model.modelName };
      for (const window of sortedWindows) {
        const name = `${PlatformMetrics.ERROR_RATIO_PREFIX}${window}`;
        if (this.errorRatioSource === ErrorRatioSource.MESH) {
          record(name,
            `sum(rate(${IstioMetrics.REQUESTS_TOTAL}{${mesh}, ${IstioMetrics.RESPONSE_CODE}=~"5.."}[${window}])) / sum(rate(${IstioMetrics.REQUESTS_TOTAL}{${mesh}}[${window}]))`,
            modelLabels);
        } else {
          record(name, `sum by (${by}) (rate(${m.requestFailureTotal}${sel}[${window}])) / sum by (${by}) (rate(${requestsSel(window)}))`);
        }
      }
      for (const w of windows) {
        const long = promDuration('longWindow', w.longWindow);
        const short = promDuration('shortWindow', w.shortWindow);
        const threshold = num(w.burnRateFactor * budget);
        alert('LlmErrorBudgetBurn',
          `${PlatformMetrics.ERROR_RATIO_PREFIX}${long}${sel} > ${threshold} and ${PlatformMetrics.ERROR_RATIO_PREFIX}${short}${sel} > ${threshold}`,
          w.severity ?? AlertSeverity.CRITICAL, undefined,
          `${who} burns its error budget ${num(w.burnRateFactor)}x too fast`,
          `Error ratio of ${who} is above ${threshold} over both ${long} and ${short} (availability SLO ${num(slo.target)}).`,
          { long_window: long, short_window: short, slo: 'availability' });
      }
    } else {
      this.skipped.push('LlmErrorBudgetBurn: errorRatioSource is ErrorRatioSource.NONE');
    }
    if (this.timeToFirstTokenP99) {
      const s = this.timeToFirstTokenP99.toMilliseconds() / 1000;
      alert('LlmTimeToFirstTokenP99High', `max by (${byVersion}) (${PlatformMetrics.TIME_TO_FIRST_TOKEN_SECONDS_P99}${sel}) > ${num(s)}`,
        AlertSeverity.WARNING, '10m', `p99 time to first token of ${who} is over its SLO`,
        `p99 TTFT of ${who} ({{ $labels.model_version }}) is {{ $value | humanizeDuration }}, SLO ${num(s)}s.`, { slo: 'latency' });
    }
    if (this.interTokenLatencyP99) {
      const s = this.interTokenLatencyP99.toMilliseconds() / 1000;
      alert('LlmInterTokenLatencyP99High', `max by (${byVersion}) (${PlatformMetrics.INTER_TOKEN_LATENCY_SECONDS_P99}${sel}) > ${num(s)}`,
        AlertSeverity.WARNING, '10m', `p99 inter-token latency of ${who} is over its SLO`,
        `p99 ITL of ${who} ({{ $labels.model_version }}) is {{ $value | humanizeDuration }}, SLO ${num(s)}s.`, { slo: 'latency' });
    }
    if (this.queueDepthThreshold !== undefined) {
      alert('LlmQueueSaturated', `max by (${by}) (${PlatformMetrics.QUEUE_DEPTH}${sel}) > ${num(this.queueDepthThreshold)}`,
        AlertSeverity.WARNING, '5m', `${who} is queueing requests`,
        `A replica of ${who} has had more than ${num(this.queueDepthThreshold)} requests waiting for 5 minutes; add replicas or GPUs.`);
    }
    if (this.kvCacheUsageThreshold !== undefined) {
      alert('LlmKvCacheNearFull', `max by (${by}) (${PlatformMetrics.KV_CACHE_USAGE}${sel}) > ${num(this.kvCacheUsageThreshold)}`,
        AlertSeverity.WARNING, '10m', `KV cache of ${who} is near full`,
        `A replica of ${who} has used more than ${num(this.kvCacheUsageThreshold * 100)}% of its KV cache for 10 minutes; requests will be preempted.`);
    }
    if (this.preemptionRateThreshold !== undefined) {
      alert('LlmPreemptions', `sum by (${by}) (${PlatformMetrics.PREEMPTIONS_RATE5M}${sel}) > ${num(this.preemptionRateThreshold)}`,
        AlertSeverity.WARNING, '15m', `${who} is preempting requests`,
        `${who} preempts {{ $value | humanize }} requests/s (KV cache exhausted); lower max sequences or add GPU memory.`);
    }
    alert('LlmModelServerDown', `(sum by (${by}) (up${sel}) == 0) or absent(up${sel})`,
      AlertSeverity.CRITICAL, '5m', `${who} has no model server up`,
      `No replica of ${who} has answered a metrics scrape for 5 minutes.`);
    if (this.maxReplicas !== undefined) {
      alert('LlmReplicasAtMax', `count by (${by}) (up${sel} == 1) >= ${this.maxReplicas}`,
        AlertSeverity.WARNING, '15m', `${who} runs at its maximum replica count`,
        `${who} has run ${this.maxReplicas} replicas (the autoscaler maximum) for 15 minutes; raise the maximum or the GPU quota.`);
    }

    const groupBase = `llm-${model.tenant}-${model.modelName}`;
    new PrometheusRule(this, 'Resource', {
      metadata: {
        name: this.ruleName,
        namespace: this.namespace,
        labels: {
          ...observabilityLabels(model.modelName, 'slo-rules', { [PlatformLabels.TENANT]: model.tenant, [PlatformLabels.MODEL]: model.modelName }),
          ...(props.objectLabels ?? {}),
        },
      },
      spec: {
        groups: [
          { name: `${groupBase}.recording`, interval: '30s', rules: records },
          { name: `${groupBase}.alerts`, rules: alerts },
        ].filter((g) => g.rules.length > 0),
      },
    });
    for (const reason of this.skipped) this.node.addMetadata('warning', `LlmSloAlerts skipped ${reason}`);
  }
}

