import { ValidationError } from '../core/errors';
import { checkArgs } from '../core/private/runtime-types';

const KNOWN = new Set([
  '5xx', 'gateway-error', 'reset', 'reset-before-request', 'connect-failure', 'envoy-ratelimited', 'retriable-4xx',
  'refused-stream', 'retriable-status-codes', 'retriable-headers', 'http3-post-connect-failure',
  'cancelled', 'deadline-exceeded', 'internal', 'resource-exhausted', 'unavailable',
]);

/**
 * A retry condition of an Istio route (`retries.retryOn`, Envoy's `x-envoy-retry-on` /
 * `x-envoy-retry-grpc-on` values).
 *
 * Generation requests are not idempotent (a retried completion is generated and billed twice), so
 * only conditions where the request provably never reached the model server are safe:
 * `CONNECT_FAILURE`, `REFUSED_STREAM` and `UNAVAILABLE` (`RetryOn.SAFE_FOR_GENERATION`). Any other
 * condition needs `RetryPolicy.allowNonIdempotentRetries`.
 */
export class RetryOn {
  /** The connection to the upstream could not be established. */
  public static readonly CONNECT_FAILURE = new RetryOn('connect-failure', true);
  /** The upstream refused the HTTP/2 stream (REFUSED_STREAM): nothing was processed. */
  public static readonly REFUSED_STREAM = new RetryOn('refused-stream', true);
  /** gRPC status UNAVAILABLE (the server was not serving). */
  public static readonly UNAVAILABLE = new RetryOn('unavailable', true);
  /** Any 5xx response, including a failure in the middle of a generation. Not idempotent-safe. */
  public static readonly SERVER_ERROR = new RetryOn('5xx', false);
  /** 502, 503 or 504. Not idempotent-safe. */
  public static readonly GATEWAY_ERROR = new RetryOn('gateway-error', false);
  /** The upstream reset the stream at any time (also mid-response). Not idempotent-safe. */
  public static readonly RESET = new RetryOn('reset', false);
  /** The status codes listed as retriable. Not idempotent-safe. */
  public static readonly RETRIABLE_STATUS_CODES = new RetryOn('retriable-status-codes', false);
  /** gRPC status CANCELLED. Not idempotent-safe. */
  public static readonly CANCELLED = new RetryOn('cancelled', false);
  /** gRPC status DEADLINE_EXCEEDED. Not idempotent-safe. */
  public static readonly DEADLINE_EXCEEDED = new RetryOn('deadline-exceeded', false);
  /** gRPC status RESOURCE_EXHAUSTED. Not idempotent-safe. */
  public static readonly RESOURCE_EXHAUSTED = new RetryOn('resource-exhausted', false);

  /**
   * The conditions safe for non-idempotent generation routes (the default).
   */
  public static readonly SAFE_FOR_GENERATION: RetryOn[] = [RetryOn.CONNECT_FAILURE, RetryOn.REFUSED_STREAM, RetryOn.UNAVAILABLE];

  /**
   * Retry on one HTTP status code (e.g. 503). Not idempotent-safe.
   */
  public static statusCode(code: number): RetryOn {
    checkArgs('mesh.RetryOn#statusCode', [code]);
    if (!Number.isInteger(code) || code < 400 || code > 599) {
      throw new ValidationError('retryOn', 'status codes must be between 400 and 599', code, 'use e.g. RetryOn.statusCode(503)');
    }
    return new RetryOn(String(code), false);
  }

  /**
   * Any other Envoy retry condition by name.
   */
  public static of(condition: string): RetryOn {
    checkArgs('mesh.RetryOn#of', [condition]);
    if (/^\d+$/.test(condition)) return RetryOn.statusCode(Number(condition));
    if (!KNOWN.has(condition)) {
      throw new ValidationError('retryOn', 'must be an Envoy retry condition', condition, `use one of ${[...KNOWN].join(', ')}`);
    }
    const safe = RetryOn.SAFE_FOR_GENERATION.find((r) => r.condition === condition);
    return safe ?? new RetryOn(condition, false);
  }

  /** The condition as Istio renders it, e.g. `connect-failure`. */
  public readonly condition: string;
  /** Whether retrying on it cannot duplicate a generation. */
  public readonly safeForGeneration: boolean;

  private constructor(condition: string, safe: boolean) {
    this.condition = condition;
    this.safeForGeneration = safe;
  }
}
