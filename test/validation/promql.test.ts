import { PromQL } from '../../src/validation';

describe('PromQL.parse', () => {
  test('valid expressions parse and report metric and label names', () => {
    const r = PromQL.parse('histogram_quantile(0.99, sum by (le, model) (rate(vllm:time_to_first_token_seconds_bucket{tenant="search"}[5m]))) > 2');
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.metricNames).toEqual(['vllm:time_to_first_token_seconds_bucket']);
    expect(r.labelNames).toEqual(['le', 'model', 'tenant']);
  });

  test('multi-window burn-rate expressions parse', () => {
    const expr = '(sum(rate(llm_requests_failed_total[1h])) / sum(rate(llm_requests_total[1h])) > (14.4 * 0.001)) and (sum(rate(llm_requests_failed_total[5m])) / sum(rate(llm_requests_total[5m])) > (14.4 * 0.001))';
    expect(PromQL.parse(expr).ok).toBe(true);
  });

  test.each([
    'sum(rate(x[5m])',
    'rate(x[5m]) >',
    'sum by (le (rate(x[5m]))',
    'x{a="b"',
  ])('%p does not parse', (bad) => {
    const r = PromQL.parse(bad);
    expect(r.ok).toBe(false);
    expect(r.errors.length).toBeGreaterThan(0);
    expect(r.errors[0]).toMatch(/^unexpected input at \d+: /);
  });

  test('an empty expression is an error', () => {
    expect(PromQL.parse('')).toEqual({ ok: false, errors: ['expression is empty'], metricNames: [], labelNames: [] });
  });

  test('assertParses throws a ValidationError naming the prop', () => {
    expect(() => PromQL.assertParses('alerts[0].expr', 'sum(')).toThrow(/^'alerts\[0\].expr' is not valid PromQL \(unexpected input at .*\), got 'sum\('; fix the expression$/);
    expect(() => PromQL.assertParses('expr', 'up == 0')).not.toThrow();
  });
});
