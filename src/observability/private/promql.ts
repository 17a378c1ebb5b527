import { Duration } from 'cdk8s';
import { ValidationError } from '../../core/errors';

/**
 * Render a label selector body: `tenant="search", model="llama3-8b"` (keys sorted for stable output).
 */
export function selector(matchers: { [label: string]: string }): string {
  return Object.keys(matchers).sort()
    .map((k) => `${k}="${escapeLabelValue(matchers[k])}"`)
    .join(', ');
}

/** Escape a PromQL double-quoted string. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * Render a Duration as a Prometheus duration (`30s`, `5m`, `1h`, `1d`), using the largest unit that
 * divides it exactly.
 */
export function promDuration(prop: string, d: Duration): string {
  const ms = d.toMilliseconds();
  if (!Number.isInteger(ms) || ms <= 0) {
    throw new ValidationError(prop, 'must be a positive duration', `${ms}ms`, 'use e.g. Duration.minutes(5)');
  }
  const units: Array<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]];
  for (const [unit, size] of units) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** Render a number for PromQL (no exponent notation, no trailing zeros). */
export function num(value: number): string {
  return Number.isInteger(value) ? String(value) : String(parseFloat(value.toPrecision(12)));
}

/** Render a Duration for a message, Prometheus style (`1h`, `5m`, `-5ms`), never throwing. */
export function showDuration(d: Duration): string {
  const ms = d.toMilliseconds();
  if (!Number.isInteger(ms) || ms <= 0) return `${ms}ms`;
  return promDuration('duration', d);
}
