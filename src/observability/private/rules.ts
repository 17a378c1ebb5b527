import { PrometheusRuleSpecGroupsRules, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheus-prometheusrule-monitoring.coreos.com';

/** A recording rule. */
export function recordRule(record: string, expr: string, labels?: { [key: string]: string }): PrometheusRuleSpecGroupsRules {
  return { record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(expr), labels };
}

/** Options of an alerting rule. */
export interface AlertRuleOptions {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly severity: string;
  readonly summary: string;
  readonly description: string;
  readonly labels?: { [key: string]: string };
}

/** An alerting rule with `severity`, `summary` and `description`. */
export function alertRule(o: AlertRuleOptions): PrometheusRuleSpecGroupsRules {
  const labels: { [key: string]: string } = { ...(o.labels ?? {}), severity: o.severity };
  return {
    alert: o.alert,
    expr: PrometheusRuleSpecGroupsRulesExpr.fromString(o.expr),
    for: o.for,
    labels: sortKeys(labels),
    annotations: { summary: o.summary, description: o.description },
  };
}

function sortKeys(map: { [key: string]: string }): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const k of Object.keys(map).sort()) out[k] = map[k];
  return out;
}
