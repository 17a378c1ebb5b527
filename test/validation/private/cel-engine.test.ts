import { CelCompileError, compileCel, fromCel, toCel } from '../../../src/validation/private/cel-engine';

describe('compileCel programs', () => {
  test('evaluate converts JSON bindings in and the result out', () => {
    const program = compileCel("object.spec.containers.map(c, c.name) + ['x']", ['object']);
    expect(program.evaluate({ object: { spec: { containers: [{ name: 'a' }, { name: 'b' }] } } })).toEqual({ value: ['a', 'b', 'x'] });
    expect(program.evaluate({ object: { spec: {} } }).error).toMatch(/containers/);
  });

  test('evaluateCel takes CEL values and returns a CEL value that can be bound again', () => {
    const pods = compileCel("[{'spec': object.spec, 'n': object.spec.replicas + 1}]", ['object']);
    const out = pods.evaluateCel({ object: toCel({ spec: { replicas: 2, containers: [{ name: 'a' }] } }) });
    expect(out.error).toBeUndefined();
    expect(fromCel(out.value)).toEqual([{ spec: { replicas: 2, containers: [{ name: 'a' }] }, n: 3 }]);
    const names = compileCel('variables.pods[0].spec.containers.map(c, c.name) == [\'a\'] && variables.pods[0].n == 3', ['variables']);
    expect(names.evaluateCel({ variables: new Map([['pods', out.value]]) })).toEqual({ value: true });
    expect(names.evaluateCel({ variables: new Map() }).error).toBeDefined();
  });

  test('one expression compiled for several variable sets: shared plan, scope checked per set', () => {
    const expr = 'object.metadata.name == "a" && self.x == 1';
    expect(() => compileCel(expr, ['object'])).toThrow(/undeclared reference to 'self'/);
    const both = compileCel(expr, ['object', 'self']);
    expect(both.evaluate({ object: { metadata: { name: 'a' } }, self: { x: 1 } })).toEqual({ value: true });
    expect(() => compileCel(expr, ['self'])).toThrow(/undeclared reference to 'object'/);
    expect(() => compileCel('a +', ['a'])).toThrow(CelCompileError);
    expect(() => compileCel('a +', ['b'])).toThrow(/syntax error/);
  });

  test('matches: RE2 partial-match semantics, invalid patterns are errors every time, patterns reused', () => {
    const program = compileCel('self.matches(oldSelf)', ['self', 'oldSelf']);
    for (let i = 0; i < 3; i++) {
      expect(program.evaluate({ self: 'vllm:latest', oldSelf: ':latest$' })).toEqual({ value: true });
      expect(program.evaluate({ self: 'vllm@sha256:0a', oldSelf: ':latest$' })).toEqual({ value: false });
      expect(program.evaluate({ self: 'x', oldSelf: '(' }).error).toBeDefined();
      expect(program.evaluate({ self: 'aaa', oldSelf: '(?=a)' }).error).toBeDefined(); // no lookahead in RE2
    }
  });
});
