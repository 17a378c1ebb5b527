import { expectValidationError } from './fixtures';
import { RetryOn } from '../../src/mesh';

describe('RetryOn', () => {
  test('the safe set is connect-failure, refused-stream and unavailable', () => {
    expect(RetryOn.SAFE_FOR_GENERATION.map((r) => r.condition)).toEqual(['connect-failure', 'refused-stream', 'unavailable']);
    expect(RetryOn.SAFE_FOR_GENERATION.every((r) => r.safeForGeneration)).toBe(true);
  });

  const unsafe = [
    RetryOn.SERVER_ERROR, RetryOn.GATEWAY_ERROR, RetryOn.RESET, RetryOn.RETRIABLE_STATUS_CODES,
    RetryOn.CANCELLED, RetryOn.DEADLINE_EXCEEDED, RetryOn.RESOURCE_EXHAUSTED,
  ];
  test.each(unsafe.map((r) => [r.condition, r]))('%s is not safe for generation', (_name, r) => {
    expect((r as RetryOn).safeForGeneration).toBe(false);
  });

  test('of() knows Envoy conditions and keeps the safe ones safe', () => {
    expect(RetryOn.of('refused-stream')).toBe(RetryOn.REFUSED_STREAM);
    expect(RetryOn.of('reset-before-request').safeForGeneration).toBe(false);
    expect(RetryOn.of('504').condition).toBe('504');
    expectValidationError(() => RetryOn.of('sometimes'), ["'retryOn' must be an Envoy retry condition", "got 'sometimes'", 'use one of 5xx']);
  });

  test('status codes must be errors', () => {
    expect(RetryOn.statusCode(503).condition).toBe('503');
    expect(RetryOn.statusCode(503).safeForGeneration).toBe(false);
    expectValidationError(() => RetryOn.statusCode(200), ["'retryOn' status codes must be between 400 and 599", 'got 200']);
  });
});
