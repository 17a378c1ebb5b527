import type { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../errors';

/**
 * The whole seconds of a duration prop (Kubernetes `*Seconds` fields, Argo CD and KEDA durations are whole
 * seconds): a ValidationError naming `prop` when it is not a Duration, not whole seconds (cdk8s' own
 * `toSeconds()` throws a plain Error for `Duration.millis(1500)`), or outside `[min, max]` seconds.
 *
 * @param fix what to do, e.g. `use e.g. Duration.hours(2)`
 */
export function wholeSeconds(prop: string, duration: Duration, min: number, max: number, fix: string, scope?: IConstruct): number {
  const ms = duration !== null && typeof duration === 'object' && typeof (duration as any).toMilliseconds === 'function'
    ? (duration as any).toMilliseconds({ integral: false }) : NaN;
  const shown = Number.isFinite(ms) ? `${ms / 1000}s` : duration;
  if (!Number.isFinite(ms) || ms % 1000 !== 0) {
    throw new ValidationError(prop, 'must be a whole number of seconds', shown, fix, scope);
  }
  const seconds = ms / 1000;
  if (seconds < min || seconds > max) {
    throw new ValidationError(prop, `must be between ${min} and ${max} seconds`, shown, fix, scope);
  }
  return seconds;
}
