import { customRuleProps } from './fixtures';
import { PolicyCatalogue, PolicyRule } from '../../src/policy';
import { celResultKind } from '../../src/validation/private/cel-engine';

const CUSTOM = customRuleProps();

describe('CEL result types (issue 17)', () => {
  test.each([
    ["'allowed'", 'non-bool'], ['1 + 2', 'non-bool'], ['size(object.spec.containers)', 'non-bool'], ['[true]', 'non-bool'], ['{"a": true}', 'non-bool'],
    ['object.metadata.name.lowerAscii()', 'non-bool'], ['variables.pods.map(p, p.metadata.name)', 'non-bool'], ["true ? 'a' : 'b'", 'non-bool'],
    ['true', 'bool'], ['object.spec.replicas <= 3', 'bool'], ['has(object.spec)', 'bool'], ["object.metadata.name.startsWith('team-')", 'bool'],
    ['variables.pods.all(p, p.spec.hostNetwork != true)', 'bool'], ['!has(object.spec.x) || object.spec.x', 'bool'], ["'a' in object.metadata.labels", 'bool'],
    ['object.spec.enabled', 'unknown'], ["has(object.x) ? object.x : 'y'", 'unknown'],
  ])('%s is %s', (expression, kind) => {
    expect(celResultKind(expression)).toBe(kind);
  });

  test.each(["'allowed'", 'size(object.spec.containers)', "object.metadata.name + '-x'"])('a rule whose expression returns no boolean (%s) is refused', (expression) => {
    expect(() => PolicyRule.custom({ ...CUSTOM, expression })).toThrow(`'ACME-001.expression' must return a boolean (true when the object is allowed) in rule ACME-001, got '${expression}'; `
      + "compare or test the value, e.g. \"object.metadata.name.startsWith('team-')\" instead of \"object.metadata.name\"");
  });

  test('a boolean rule, and a dyn field (not knowable statically), are accepted', () => {
    expect(PolicyRule.custom(CUSTOM).expression).toBe(CUSTOM.expression);
    expect(PolicyRule.custom({ ...CUSTOM, expression: 'object.spec.paused' }).expression).toBe('object.spec.paused');
  });

  test('every built-in rule returns a boolean', () => {
    for (const rule of PolicyCatalogue.baseline()) expect([rule.id, celResultKind(rule.expression)]).not.toEqual([rule.id, 'non-bool']);
  });
});
