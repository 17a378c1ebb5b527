import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';

/**
 * The retention values CloudWatch Logs accepts (PutRetentionPolicy retentionInDays).
 */
const ALLOWED = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/**
 * CloudWatch Logs retention checks (internal).
 */
export class LogRetention {
  /** Throw a ValidationError unless `days` is a value CloudWatch Logs accepts. */
  public static validate(prop: string, days: number, scope?: IConstruct): number {
    if (!ALLOWED.includes(days)) {
      const nearest = ALLOWED.reduce((a, b) => (Math.abs(b - days) < Math.abs(a - days) ? b : a));
      throw new ValidationError(prop, 'must be a CloudWatch Logs retention value', days,
        `use one of ${ALLOWED.join(', ')} (nearest: ${nearest})`, scope);
    }
    return days;
  }

  private constructor() {}
}
