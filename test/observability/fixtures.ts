import { IModelService, ModelRuntime, ModelService } from '../../src/core';
import { DcgmExporterMonitoring, MetricLabels, ModelServerMonitoring } from '../../src/observability';
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
 * Labels a platform query may use: the ones the monitors produce (asserted separately against the
 * synthesized monitors), the operator's own target labels, `le` and `__name__`.
 */
export const ALLOWED_LABELS = new Set<string>([
  ...ModelServerMonitoring.PRODUCED_LABELS, ...DcgmExporterMonitoring.PRODUCED_LABELS, ...MetricLabels.ALL, '__name__',
]);

/** Parse `expr`, fail with the errors, and check it only uses allowed labels; returns the parse result. */
export function expectPromql(expr: string) {
  const parsed = PromQL.parse(expr);
  if (!parsed.ok) throw new Error(`PromQL does not parse: ${expr}\n${parsed.errors.join('\n')}`);
  const foreign = parsed.labelNames.filter((l) => !ALLOWED_LABELS.has(l));
  if (foreign.length > 0) throw new Error(`PromQL uses labels no monitor produces (${foreign.join(', ')}): ${expr}`);
  return parsed;
}

/** Every rule of every PrometheusRule in `objects`. */
export function rulesOf(objects: any[]): any[] {
  return objects.filter((o) => o.kind === 'PrometheusRule').flatMap((o) => o.spec.groups.flatMap((g: any) => g.rules));
}
