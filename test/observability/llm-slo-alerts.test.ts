import { Duration } from 'cdk8s';
import { ModelService, ModelRuntime } from '../../src/core';
import { AlertSeverity, ErrorRatioSource, IstioMetrics, LlmSloAlerts, PlatformMetrics } from '../../src/observability';
import { findObject, synthChart } from '../util';
import { expectPromql, models, rulesOf } from './fixtures';

function synthAlerts(props: Partial<ConstructorParameters<typeof LlmSloAlerts>[2]> = {}) {
  let alerts!: LlmSloAlerts;
  const objects = synthChart((chart) => {
    alerts = new LlmSloAlerts(chart, 'slo', { model: props.model ?? models().falcon, ...props });
  });
  return { alerts, objects, rules: rulesOf(objects) };
}

const byAlert = (rules: any[], name: string) => rules.filter((r) => r.alert === name);
const byRecord = (rules: any[], name: string) => rules.find((r) => r.record === name);

describe('LlmSloAlerts', () => {
  test('TGI defaults: every runtime metric it exports is normalized, every expression parses on monitor labels', () => {
    const { alerts, objects, rules } = synthAlerts();
    expect(alerts.errorRatioSource).toBe(ErrorRatioSource.RUNTIME);
    expect(alerts.availability).toEqual({ target: 0.995 });
    const pr = findObject(objects, 'PrometheusRule', 'falcon-7b-slo');
    expect(pr.metadata.namespace).toBe('search');
    expect(pr.spec.groups.map((g: any) => g.name)).toEqual(['llm-search-falcon-7b.recording', 'llm-search-falcon-7b.alerts']);
    expect(alerts.recordedMetrics).toEqual([
      PlatformMetrics.REQUEST_DURATION_SECONDS_BUCKET_RATE5M, PlatformMetrics.REQUEST_DURATION_SECONDS_P99,
      PlatformMetrics.INTER_TOKEN_LATENCY_SECONDS_BUCKET_RATE5M, PlatformMetrics.INTER_TOKEN_LATENCY_SECONDS_P99,
      PlatformMetrics.TOKEN_THROUGHPUT, PlatformMetrics.PROMPT_TOKEN_THROUGHPUT,
      PlatformMetrics.QUEUE_DEPTH, PlatformMetrics.REQUESTS_RUNNING, PlatformMetrics.REQUESTS_RATE5M,
      'llm_request_error_ratio:rate5m', 'llm_request_error_ratio:rate30m', 'llm_request_error_ratio:rate1h', 'llm_request_error_ratio:rate6h',
    ]);
    expect(alerts.alertNames).toEqual(['LlmErrorBudgetBurn', 'LlmInterTokenLatencyP99High', 'LlmQueueSaturated', 'LlmModelServerDown']);
    expect(alerts.skipped).toEqual([
      'llm_time_to_first_token_seconds_bucket:rate5m: the tgi runtime exports no metricNames.timeToFirstTokenSeconds',
      'llm_preemptions:rate5m: the tgi runtime exports no metricNames.preemptionsTotal',
      'llm_kv_cache_usage_ratio: the tgi runtime exports no metricNames.kvCacheUsage',
    ]);
    for (const rule of rules) expectPromql(rule.expr);
    expect(byRecord(rules, PlatformMetrics.REQUEST_DURATION_SECONDS_BUCKET_RATE5M).expr)
      .toBe('sum by (tenant, model, model_version, le) (rate(tgi_request_duration_bucket{model="falcon-7b", tenant="search"}[5m]))');
    expect(byRecord(rules, PlatformMetrics.TOKEN_THROUGHPUT).expr)
      .toBe('sum by (tenant, model, model_version) (rate(tgi_request_generated_tokens_sum{model="falcon-7b", tenant="search"}[5m]))');
  });

  test('vLLM defaults: TTFT, ITL, KV cache, preemptions; availability from the mesh (no failure counter)', () => {
    const { alerts, rules } = synthAlerts({ model: models().llama });
    expect(alerts.alertNames).toEqual([
      'LlmErrorBudgetBurn', 'LlmTimeToFirstTokenP99High', 'LlmInterTokenLatencyP99High', 'LlmQueueSaturated', 'LlmKvCacheNearFull', 'LlmPreemptions', 'LlmModelServerDown',
    ]);
    expect(alerts.errorRatioSource).toBe(ErrorRatioSource.MESH);
    expect(alerts.availability).toEqual({ target: 0.995 });
    expect(alerts.skipped).toEqual([]);
    expect(alerts.timeToFirstTokenP99?.toMilliseconds()).toBe(2000);
    expect(alerts.interTokenLatencyP99?.toMilliseconds()).toBe(200);
    expect(alerts.kvCacheUsageThreshold).toBe(0.9);
    expect(alerts.queueDepthThreshold).toBe(10);
    expect(alerts.preemptionRateThreshold).toBe(0);
    expect(byAlert(rules, 'LlmTimeToFirstTokenP99High')[0]).toMatchObject({
      expr: 'max by (tenant, model, model_version) (llm_time_to_first_token_seconds:p99_5m{model="llama3-8b", tenant="search"}) > 2',
      for: '10m',
      labels: { severity: 'warning', slo: 'latency' },
    });
    expect(byAlert(rules, 'LlmKvCacheNearFull')[0].expr).toBe('max by (tenant, model) (llm_kv_cache_usage_ratio{model="llama3-8b", tenant="search"}) > 0.9');
    expect(byRecord(rules, PlatformMetrics.KV_CACHE_USAGE).expr).toBe('max by (tenant, model, model_version, pod) (vllm:kv_cache_usage_perc{model="llama3-8b", tenant="search"})');
    for (const rule of rules) expectPromql(rule.expr);
  });

  test('Triton defaults: error budget burn and queue, no latency alerts', () => {
    const { alerts, rules } = synthAlerts({ model: models().mistral });
    expect(alerts.alertNames).toEqual(['LlmErrorBudgetBurn', 'LlmQueueSaturated', 'LlmModelServerDown']);
    expect(byRecord(rules, PlatformMetrics.REQUESTS_RATE5M).expr).toBe(
      'sum by (tenant, model, model_version) (rate({__name__=~"nv_inference_request_success|nv_inference_request_failure", model="mistral-7b", tenant="support"}[5m]))');
    for (const rule of rules) expectPromql(rule.expr);
  });

  test('multi-window multi-burn-rate: SRE workbook windows and factors against the availability target', () => {
    const { alerts, rules } = synthAlerts({ availability: { target: 0.999 } });
    expect(alerts.availability?.target).toBe(0.999);
    const burns = byAlert(rules, 'LlmErrorBudgetBurn');
    expect(burns).toHaveLength(2);
    expect(burns[0]).toMatchObject({
      expr: 'llm_request_error_ratio:rate1h{model="falcon-7b", tenant="search"} > 0.0144 and llm_request_error_ratio:rate5m{model="falcon-7b", tenant="search"} > 0.0144',
      labels: { long_window: '1h', short_window: '5m', severity: 'critical', slo: 'availability' },
    });
    expect(burns[1].expr).toBe('llm_request_error_ratio:rate6h{model="falcon-7b", tenant="search"} > 0.006 and llm_request_error_ratio:rate30m{model="falcon-7b", tenant="search"} > 0.006');
    expect(byRecord(rules, 'llm_request_error_ratio:rate1h').expr).toBe(
      'sum by (tenant, model) (rate(tgi_request_failure{model="falcon-7b", tenant="search"}[1h])) / '
      + 'sum by (tenant, model) (rate({__name__=~"tgi_request_success|tgi_request_failure", model="falcon-7b", tenant="search"}[1h]))');
    expect(LlmSloAlerts.DEFAULT_BURN_RATE_WINDOWS.map((w) => w.burnRateFactor)).toEqual([14.4, 6]);
  });

  test('mesh error ratio: istio_requests_total of the model Service (destination reporter, 5xx), recorded with tenant and model', () => {
    const { alerts, rules, objects } = synthAlerts({ model: models().llama, availability: { target: 0.999 } });
    expect(alerts.recordedMetrics.filter((r) => r.startsWith(PlatformMetrics.ERROR_RATIO_PREFIX)))
      .toEqual(['llm_request_error_ratio:rate5m', 'llm_request_error_ratio:rate30m', 'llm_request_error_ratio:rate1h', 'llm_request_error_ratio:rate6h']);
    const mesh = 'destination_service_name="llama3-8b", destination_workload_namespace="search", reporter="destination"';
    expect(byRecord(rules, 'llm_request_error_ratio:rate1h')).toEqual({
      record: 'llm_request_error_ratio:rate1h',
      expr: `sum(rate(istio_requests_total{${mesh}, response_code=~"5.."}[1h])) / sum(rate(istio_requests_total{${mesh}}[1h]))`,
      labels: { tenant: 'search', model: 'llama3-8b' },
    });
    // The alerts are the same as with the runtime source: they select the recorded {tenant, model}.
    const burns = byAlert(rules, 'LlmErrorBudgetBurn');
    expect(burns.map((b) => b.expr)).toEqual([
      'llm_request_error_ratio:rate1h{model="llama3-8b", tenant="search"} > 0.0144 and llm_request_error_ratio:rate5m{model="llama3-8b", tenant="search"} > 0.0144',
      'llm_request_error_ratio:rate6h{model="llama3-8b", tenant="search"} > 0.006 and llm_request_error_ratio:rate30m{model="llama3-8b", tenant="search"} > 0.006',
    ]);
    for (const rule of rules) {
      const parsed = expectPromql(rule.expr);
      // Mesh recordings read Istio's labels only (never the monitors' tenant/model).
      if (parsed.metricNames.includes(IstioMetrics.REQUESTS_TOTAL)) {
        expect(parsed.labelNames).toEqual(['destination_service_name', 'destination_workload_namespace', 'reporter', 'response_code']);
      }
    }
    // The recorded series carry the labels the alerts select on.
    const recorded = findObject(objects, 'PrometheusRule').spec.groups[0].rules.filter((r: any) => r.record?.startsWith(PlatformMetrics.ERROR_RATIO_PREFIX));
    for (const r of recorded) expect(Object.keys(r.labels).sort()).toEqual(['model', 'tenant']);
  });

  test('mesh error ratio for a model with its own namespace and Service name; MESH on a runtime with counters', () => {
    const model = ModelService.fromAttributes({ modelName: 'falcon-7b', tenant: 'search', namespace: 'llm-search', serviceName: 'falcon-7b-svc', runtime: ModelRuntime.TGI });
    const { alerts, rules } = synthAlerts({ model, errorRatioSource: ErrorRatioSource.MESH });
    expect(alerts.errorRatioSource).toBe(ErrorRatioSource.MESH);
    expect(byRecord(rules, 'llm_request_error_ratio:rate5m').expr).toBe(
      'sum(rate(istio_requests_total{destination_service_name="falcon-7b-svc", destination_workload_namespace="llm-search", reporter="destination", response_code=~"5.."}[5m])) / '
      + 'sum(rate(istio_requests_total{destination_service_name="falcon-7b-svc", destination_workload_namespace="llm-search", reporter="destination"}[5m]))');
    // The request rate still comes from the runtime's counters.
    expect(byRecord(rules, PlatformMetrics.REQUESTS_RATE5M).expr).toContain('tgi_request_success|tgi_request_failure');
    for (const rule of rules) expectPromql(rule.expr);
  });

  test('ErrorRatioSource.NONE turns the availability SLO off', () => {
    const { alerts, rules } = synthAlerts({ model: models().llama, errorRatioSource: ErrorRatioSource.NONE });
    expect(alerts.availability).toBeUndefined();
    expect(alerts.errorRatioSource).toBe(ErrorRatioSource.NONE);
    expect(alerts.alertNames).not.toContain('LlmErrorBudgetBurn');
    expect(alerts.recordedMetrics.filter((r) => r.startsWith(PlatformMetrics.ERROR_RATIO_PREFIX))).toEqual([]);
    expect(alerts.skipped).toEqual(['LlmErrorBudgetBurn: errorRatioSource is ErrorRatioSource.NONE']);
    expect(rules.some((r) => r.expr.includes('istio_'))).toBe(false);
    expect(ErrorRatioSource.NONE.toString()).toBe('ErrorRatioSource.NONE');
  });

  test('custom windows, severities, thresholds, replicas at max and alert labels', () => {
    const { rules, alerts } = synthAlerts({
      model: models().llama.runtime === ModelRuntime.VLLM ? models().llama : models().falcon,
      timeToFirstTokenP99: Duration.millis(800),
      interTokenLatencyP99: Duration.millis(50),
      queueDepthThreshold: 4,
      kvCacheUsageThreshold: 0.95,
      preemptionRateThreshold: 0.5,
      maxReplicas: 6,
      alertLabels: { team: 'search' },
      objectLabels: { release: 'kube-prometheus-stack' },
    });
    expect(byAlert(rules, 'LlmTimeToFirstTokenP99High')[0].expr).toMatch(/> 0\.8$/);
    expect(byAlert(rules, 'LlmInterTokenLatencyP99High')[0].expr).toMatch(/> 0\.05$/);
    expect(byAlert(rules, 'LlmQueueSaturated')[0].expr).toMatch(/> 4$/);
    expect(byAlert(rules, 'LlmKvCacheNearFull')[0].expr).toMatch(/> 0\.95$/);
    expect(byAlert(rules, 'LlmPreemptions')[0].expr).toMatch(/> 0\.5$/);
    expect(byAlert(rules, 'LlmReplicasAtMax')[0]).toMatchObject({
      expr: 'count by (tenant, model) (up{model="llama3-8b", tenant="search"} == 1) >= 6', for: '15m', labels: { severity: 'warning', team: 'search' },
    });
    expect(alerts.maxReplicas).toBe(6);
    for (const rule of rules) expectPromql(rule.expr);
  });

  test('model server down covers both a failing scrape and a vanished target', () => {
    const { rules } = synthAlerts();
    expect(byAlert(rules, 'LlmModelServerDown')[0]).toMatchObject({
      expr: '(sum by (tenant, model) (up{model="falcon-7b", tenant="search"}) == 0) or absent(up{model="falcon-7b", tenant="search"})',
      for: '5m',
      labels: { severity: 'critical' },
    });
  });

  test('windows with a custom severity', () => {
    const { rules } = synthAlerts({
      availability: {
        target: 0.99,
        windows: [
          { longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), burnRateFactor: 14.4 },
          { longWindow: Duration.days(3), shortWindow: Duration.hours(6), burnRateFactor: 1, severity: AlertSeverity.WARNING },
        ],
      },
    });
    const burns = byAlert(rules, 'LlmErrorBudgetBurn');
    expect(burns[1].labels).toMatchObject({ long_window: '3d', short_window: '6h', severity: 'warning' });
    expect(burns[1].expr).toContain('> 0.01 and');
    expect(byRecord(rules, 'llm_request_error_ratio:rate3d')).toBeDefined();
  });

  describe('bad input', () => {
    test.each([[0], [1], [1.5], [-0.1]])('availability target %p outside (0,1)', (target) => {
      expect(() => synthAlerts({ availability: { target } }))
        .toThrow(new RegExp(`'availability.target' must be a ratio strictly between 0 and 1, got ${target}; use e.g. 0.995`));
    });

    test('short window not shorter than the long window', () => {
      const windows = [{ longWindow: Duration.minutes(5), shortWindow: Duration.hours(1), burnRateFactor: 14.4 }];
      expect(() => synthAlerts({ availability: { target: 0.99, windows } }))
        .toThrow(/'availability.windows\[0\].shortWindow' must be shorter than longWindow, got '1h'; use about 1\/12 of the long window \(5m\)/);
    });

    test('windows out of order', () => {
      expect(() => synthAlerts({
        availability: {
          target: 0.99,
          windows: [
            { longWindow: Duration.hours(6), shortWindow: Duration.minutes(30), burnRateFactor: 6 },
            { longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), burnRateFactor: 14.4 },
          ],
        },
      })).toThrow(/'availability.windows\[1\].longWindow' must be longer than the previous window's \(6h\).*got '1h'; order windows by ascending longWindow/s);
    });

    test('a burn-rate factor that makes the alert impossible', () => {
      const windows = [{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), burnRateFactor: 14.4 }];
      expect(() => synthAlerts({ availability: { target: 0.9, windows } }))
        .toThrow(/'availability.windows\[0\].burnRateFactor' makes the error-ratio threshold 1.44 \(at least 1\), so the alert can never fire, got 14.4/);
    });

    test.each([
      ['queueDepthThreshold', { queueDepthThreshold: -1 }, /'queueDepthThreshold' must not be negative, got -1; use the waiting-request count/],
      ['preemptionRateThreshold', { preemptionRateThreshold: -0.5 }, /'preemptionRateThreshold' must not be negative, got -0.5; use 0/],
      ['kvCacheUsageThreshold', { kvCacheUsageThreshold: -0.2 }, /'kvCacheUsageThreshold' must be a fraction in \(0, 1\], got -0.2; use e.g. 0.9/],
      ['timeToFirstTokenP99', { timeToFirstTokenP99: Duration.millis(0) }, /'timeToFirstTokenP99' must be a positive duration, got '0ms'/],
      ['maxReplicas', { maxReplicas: 0 }, /'maxReplicas' must be a whole number of at least 1, got 0/],
    ])('negative threshold %s', (_name, props, message) => {
      expect(() => synthAlerts({ model: models().llama, ...props })).toThrow(message);
    });

    test('an SLO on a metric the runtime does not export', () => {
      expect(() => synthAlerts({ model: models().mistral, timeToFirstTokenP99: Duration.seconds(1), kvCacheUsageThreshold: 0.8 }))
        .toThrow(/2 problems:\n- 'timeToFirstTokenP99' cannot be alerted on: the triton runtime exports no time-to-first-token histogram, got 'set'; remove 'timeToFirstTokenP99' for this model or use a runtime whose metricNames.timeToFirstTokenSeconds is set\n- 'kvCacheUsageThreshold' cannot be alerted on/);
    });

    test('ErrorRatioSource.RUNTIME for a runtime without the failure counter', () => {
      expect(() => synthAlerts({ model: models().llama, errorRatioSource: ErrorRatioSource.RUNTIME }))
        .toThrow("'errorRatioSource' needs the runtime's request success and failure counters, but the vllm runtime exports no metricNames.requestFailureTotal, "
          + "got 'ErrorRatioSource.RUNTIME'; use ErrorRatioSource.MESH (Istio's istio_requests_total for the model's Service) or a runtime that exports both counters");
    });

    test('ErrorRatioSource.RUNTIME for a runtime without any request counter', () => {
      const bare = ModelRuntime.custom({ name: 'bare', httpPort: 9000, livenessPath: '/', readinessPath: '/', modelFlag: '--model', metricsPath: '/metrics' });
      const model = ModelService.fromAttributes({ modelName: 'x', tenant: 't', runtime: bare });
      expect(() => synthAlerts({ model, errorRatioSource: ErrorRatioSource.RUNTIME }))
        .toThrow(/'errorRatioSource' .* the bare runtime exports no metricNames.requestSuccessTotal and metricNames.requestFailureTotal, got 'ErrorRatioSource.RUNTIME'; use ErrorRatioSource.MESH/);
    });

    test('an availability SLO with ErrorRatioSource.NONE', () => {
      expect(() => synthAlerts({ availability: { target: 0.99 }, errorRatioSource: ErrorRatioSource.NONE }))
        .toThrow(/'availability' cannot be measured: errorRatioSource is ErrorRatioSource.NONE, got \{"target":0.99\}; remove 'availability', or measure the error ratio with ErrorRatioSource.MESH or ErrorRatioSource.RUNTIME/);
    });

    test('ErrorRatioSource.MESH needs a Service name Istio can report', () => {
      const model = ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', serviceName: 'Llama_Svc', runtime: ModelRuntime.VLLM });
      expect(() => synthAlerts({ model }))
        .toThrow(/'model.serviceName' must be a DNS-1123 label \(the Service Istio reports as destination_service_name\), got 'Llama_Svc'; use the model's Kubernetes Service name/);
      // The runtime source does not read the Service name.
      expect(() => synthAlerts({ model: ModelService.fromAttributes({ modelName: 'falcon-7b', tenant: 'search', serviceName: 'Falcon', runtime: ModelRuntime.TGI }) })).not.toThrow();
    });

    test('several problems are reported together', () => {
      const bare = ModelService.fromAttributes({ modelName: 'x', tenant: 't', runtime: ModelRuntime.TGI });
      expect(() => synthAlerts({ model: bare, queueDepthThreshold: -1, availability: { target: 2 } })).toThrow(/2 problems/);
    });
  });
});
