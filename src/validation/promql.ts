import { ValidationError } from '../core/errors';
import { checkArgs } from '../core/private/runtime-types';

// lezer-promql ships CommonJS and ESM builds, but its typings are declared ESM-only; load the CommonJS
// build and describe the little of its API that is used here.
interface LezerNode {
  readonly from: number;
  readonly to: number;
  readonly parent: LezerNode | null;
  readonly type: { readonly name: string };
  getChild(name: string): LezerNode | null;
}
interface LezerCursor {
  readonly from: number;
  readonly to: number;
  readonly type: { readonly name: string; readonly isError: boolean };
  readonly node: LezerNode;
  next(): boolean;
}
type LezerParser = { parse(text: string): { cursor(): LezerCursor } };
let loadedParser: LezerParser | undefined;
/** The Prometheus grammar, loaded with the first expression parsed (not with the package, issue 18). */
function parser(): LezerParser {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  loadedParser ??= (require('@prometheus-io/lezer-promql') as { parser: LezerParser }).parser;
  return loadedParser;
}

/**
 * The outcome of parsing a PromQL expression.
 */
export interface PromqlParseResult {
  /**
   * Whether the expression parsed without errors.
   */
  readonly ok: boolean;

  /**
   * Parse errors with their offsets, e.g. `unexpected input at 12: 'by (x'`.
   */
  readonly errors: string[];

  /**
   * Metric names the expression selects (for checks that alerts use the metrics monitors scrape).
   */
  readonly metricNames: string[];

  /**
   * Label names used in selectors and `by`/`without` clauses.
   */
  readonly labelNames: string[];
}

/**
 * Parse PromQL offline with the Prometheus project's own grammar (`@prometheus-io/lezer-promql`, the
 * parser behind the Prometheus UI editor).
 *
 * ```ts
 * PromQL.parse('histogram_quantile(0.99, sum by (le) (rate(x_bucket[5m])))').ok // true
 * ```
 */
export class PromQL {
  /**
   * Parse `expression` and collect syntax errors, metric names and label names.
   */
  public static parse(expression: string): PromqlParseResult {
    checkArgs('validation.PromQL#parse', [expression]);
    const errors: string[] = [];
    const metricNames = new Set<string>();
    const labelNames = new Set<string>();
    if (typeof expression !== 'string' || expression.trim() === '') {
      return { ok: false, errors: ['expression is empty'], metricNames: [], labelNames: [] };
    }
    const tree = parser().parse(expression);
    const cursor = tree.cursor();
    do {
      const name = cursor.type.name;
      const text = expression.slice(cursor.from, cursor.to);
      if (cursor.type.isError) {
        const near = expression.slice(Math.max(0, cursor.from - 10), Math.min(expression.length, cursor.to + 10));
        errors.push(`unexpected input at ${cursor.from}: '${near}'`);
      } else if (name === 'Identifier' && cursor.node.parent?.type.name === 'VectorSelector') {
        metricNames.add(text);
      } else if (name === 'LabelName') {
        labelNames.add(text);
      } else if (name === 'UnquotedLabelMatcher' || name === 'QuotedLabelMatcher') {
        const label = cursor.node.getChild('LabelName');
        if (label) labelNames.add(expression.slice(label.from, label.to));
      }
    } while (cursor.next());
    return { ok: errors.length === 0, errors, metricNames: [...metricNames].sort(), labelNames: [...labelNames].sort() };
  }

  /**
   * Throw a ValidationError naming `prop` unless `expression` parses.
   */
  public static assertParses(prop: string, expression: string): void {
    const result = PromQL.parse(expression);
    if (!result.ok) {
      throw new ValidationError(prop, `is not valid PromQL (${result.errors.join('; ')})`, expression, 'fix the expression');
    }
  }

  private constructor() {}
}
