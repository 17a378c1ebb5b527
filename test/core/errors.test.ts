import { Construct } from 'constructs';
import { ProblemCollector, ValidationError, ValidationErrors } from '../../src/core/errors';

class Root extends Construct {
  constructor() {
    super(undefined as any, '');
  }
}

describe('ValidationError', () => {
  test('message grammar: prop, what is wrong, value, fix', () => {
    const e = new ValidationError('gpuCount', 'must be between 1 and 8', 0, 'request at least one GPU');
    expect(e.message).toBe("'gpuCount' must be between 1 and 8, got 0; request at least one GPU");
    expect(e.name).toBe('ValidationError');
    expect(e).toBeInstanceOf(Error);
    expect(e).toBeInstanceOf(ValidationError);
    expect(e.problems).toEqual([{ prop: 'gpuCount', problem: 'must be between 1 and 8', value: '0', fix: 'request at least one GPU' }]);
  });

  test('carries the construct path', () => {
    const root = new Root();
    const child = new Construct(new Construct(root, 'Platform'), 'Llama');
    const e = new ValidationError('replicas', 'must be positive', -1, 'set replicas to 1 or more', child);
    expect(e.constructPath).toBe('Platform/Llama');
    expect(e.message).toBe("Platform/Llama: 'replicas' must be positive, got -1; set replicas to 1 or more");
  });

  test.each([
    [undefined, 'nothing'], ['x', "'x'"], [3, '3'], [true, 'true'], [[1, 2], '[1,2]'], [{ a: 1 }, '{"a":1}'], [10n, '10'],
  ])('render(%p) is %p', (value, rendered) => {
    expect(ValidationError.render(value)).toBe(rendered);
  });

  test('render shortens long values', () => {
    expect(ValidationError.render({ a: 'x'.repeat(500) })).toHaveLength(200);
  });

  test('ValidationErrors helpers recognise the error and list its problems', () => {
    const e = new ValidationError('a', 'is bad', 1, 'fix it');
    expect(ValidationErrors.isValidationError(e)).toBe(true);
    expect(ValidationErrors.isValidationError(new Error('x'))).toBe(false);
    expect(ValidationErrors.isValidationError(undefined)).toBe(false);
    expect(ValidationErrors.problemsOf(e)).toHaveLength(1);
    expect(ValidationErrors.problemsOf(new Error('x'))).toEqual([]);
  });
});

describe('ProblemCollector', () => {
  test('addProblem keeps a problem another check rendered (value not rendered again), at the prop given', () => {
    const problems = new ProblemCollector();
    problems.addProblem({ prop: 'overrides[0].gpuPools[0].maxNodes', problem: 'must be at least 1', value: "'x'", fix: 'raise it' });
    expect(problems.problems).toEqual([{ prop: 'overrides[0].gpuPools[0].maxNodes', problem: 'must be at least 1', value: "'x'", fix: 'raise it' }]);
    expect(() => problems.throwIfAny()).toThrow("'overrides[0].gpuPools[0].maxNodes' must be at least 1, got 'x'; raise it");
  });

  test('collects every problem and throws one error listing all of them', () => {
    const p = new ProblemCollector();
    expect(p.check(true, 'a', 'is bad', 1, 'fix a')).toBe(true);
    expect(p.check(false, 'b', 'is bad', 2, 'fix b')).toBe(false);
    p.add('c', 'is worse', 'x', 'fix c');
    expect(p.isEmpty).toBe(false);
    expect(p.problems).toHaveLength(2);
    expect(() => p.throwIfAny()).toThrow("2 problems:\n- 'b' is bad, got 2; fix b\n- 'c' is worse, got 'x'; fix c");
  });

  test('a single problem reads like a plain ValidationError', () => {
    const p = new ProblemCollector();
    p.add('b', 'is bad', 2, 'fix b');
    expect(() => p.throwIfAny()).toThrow(/^'b' is bad, got 2; fix b$/);
  });

  test('no problems, no error', () => {
    const p = new ProblemCollector();
    expect(p.isEmpty).toBe(true);
    expect(() => p.throwIfAny()).not.toThrow();
  });

  test('capture() prefixes nested problems with a spec path and rethrows other errors', () => {
    const p = new ProblemCollector();
    p.capture(() => {
      throw new ValidationError('tenant', 'is unknown', 'x', 'use a declared tenant');
    }, 'models[2]');
    p.capture(() => {
      throw new ValidationError('[0]', 'is empty', '', 'fill it');
    }, 'models');
    expect(p.problems.map((x) => x.prop)).toEqual(['models[2].tenant', 'models[0]']);
    expect(() => p.capture(() => {
      throw new TypeError('boom');
    })).toThrow(TypeError);
  });
});
