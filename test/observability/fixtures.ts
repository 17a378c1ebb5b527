import * as fs from 'fs';
import * as path from 'path';
import { IModelService, ModelRuntime, ModelService } from '../../src/core';
import { DcgmExporterMonitoring, IstioProxyMonitoring, MetricLabels, ModelServerMonitoring } from '../../src/observability';
import { PromQL } from '../../src/validation';

/** Three models, one per runtime preset. */
export function models(): { llama: IModelService; mistral: IModelService; falcon: IModelService } {
  return {
    llama: ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', runtime: ModelRuntime.VLLM, versions: ['stable', 'candidate'] }),
    mistral: ModelService.fromAttributes({ modelName: 'mistral-7b', tenant: 'support', runtime: ModelRuntime.TRITON }),
    falcon: ModelService.fromAttributes({ modelName: 'falcon-7b', tenant: 'search', runtime: ModelRuntime.TGI }),
  };
}

/** A runtime that serves no metrics. */
export function runtimeWithoutMetrics(): ModelRuntime {
  return ModelRuntime.custom({ name: 'bare', httpPort: 9000, livenessPath: '/', readinessPath: '/', modelFlag: '--model' });
}

/**
 * Labels a platform query may use, per metric source. Series scraped by the model-server and DCGM
 * monitors carry the labels those monitors produce (asserted separately against the synthesized
 * monitors) plus the operator's own target labels and `le`. Istio's standard metrics (`istio_*`) come
 * from the sidecars and carry Istio's own labels only: never `tenant`/`model`.
 */
export const MONITOR_LABELS = new Set<string>([
  ...ModelServerMonitoring.PRODUCED_LABELS, ...DcgmExporterMonitoring.PRODUCED_LABELS, ...MetricLabels.ALL, '__name__',
]);
export const ISTIO_LABELS = new Set<string>([...IstioProxyMonitoring.PRODUCED_LABELS, '__name__']);

/**
 * The labels of the endpoint picker's metrics (Gateway API Inference Extension v1.4.0, vendored), plus the operator's
 * target labels and `le`.
 */
const EPP_LABELS: Map<string, Set<string>> = new Map(
  JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'upstream', 'inference-extension', 'epp.json'), 'utf8')).metrics.metrics
    .map((m: any) => [m.name, new Set<string>([...m.labels, ...MetricLabels.ALL, 'le', '__name__'])]),
);

/** The labels a query on `metric` may use. */
export function allowedLabels(metric: string): Set<string> {
  if (metric.startsWith('istio_')) return ISTIO_LABELS;
  const epp = EPP_LABELS.get(metric) ?? EPP_LABELS.get(metric.replace(/_(bucket|sum|count)$/, ''));
  return epp ?? MONITOR_LABELS;
}

/**
 * Parse `expr`, fail with the errors, and check it only uses labels its metrics' sources carry (the
 * union over the metrics it reads; a selector without a metric name counts as monitor-scraped);
 * returns the parse result.
 */
export function expectPromql(expr: string) {
  const parsed = PromQL.parse(expr);
  if (!parsed.ok) throw new Error(`PromQL does not parse: ${expr}\n${parsed.errors.join('\n')}`);
  const sources = parsed.metricNames.length > 0 ? parsed.metricNames.map(allowedLabels) : [MONITOR_LABELS];
  const foreign = parsed.labelNames.filter((l) => !sources.some((allowed) => allowed.has(l)));
  if (foreign.length > 0) throw new Error(`PromQL uses labels its metrics do not carry (${foreign.join(', ')}): ${expr}`);
  return parsed;
}

/** Every rule of every PrometheusRule in `objects`. */
export function rulesOf(objects: any[]): any[] {
  return objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules));
}
