import { celPropertyName, StructuralError, validateStructural, withDefaults } from '../../../src/validation/private/structural';

function check(schema: any, data: unknown, root = false): StructuralError[] {
  const errors: StructuralError[] = [];
  validateStructural(schema, data, '', errors, root);
  return errors;
}

const obj = (properties: any, extra: any = {}) => ({ type: 'object', properties, ...extra });

describe('validateStructural', () => {
  test('types, including integer vs number', () => {
    expect(check({ type: 'integer' }, 1)).toEqual([]);
    expect(check({ type: 'integer' }, 1.5)).toEqual([{ path: '/', message: 'must be integer', check: 'schema' }]);
    expect(check({ type: 'number' }, 1)).toEqual([]);
    expect(check({ type: 'string' }, 1)).toEqual([{ path: '/', message: 'must be string', check: 'schema' }]);
    expect(check({ type: 'array' }, {})).toEqual([{ path: '/', message: 'must be array', check: 'schema' }]);
  });

  test('nullable allows null, and only then', () => {
    expect(check({ type: 'string', nullable: true }, null)).toEqual([]);
    expect(check({ type: 'string' }, null)).toEqual([{ path: '/', message: 'must be string', check: 'schema' }]);
  });

  test('int-or-string', () => {
    const s = { 'x-kubernetes-int-or-string': true };
    expect(check(s, 8080)).toEqual([]);
    expect(check(s, 'http')).toEqual([]);
    expect(check(s, 1.5)[0].message).toBe('does not match any allowed shape (e.g. integer or string)');
  });

  test('OpenAPI v3.0 boolean exclusive bounds', () => {
    expect(check({ type: 'integer', minimum: 0, exclusiveMinimum: true }, 0)[0].message).toBe('must be > 0');
    expect(check({ type: 'integer', minimum: 0 }, 0)).toEqual([]);
    expect(check({ type: 'integer', maximum: 100, exclusiveMaximum: true }, 100)[0].message).toBe('must be < 100');
    expect(check({ type: 'number', multipleOf: 0.5 }, 1.25)[0].message).toBe('must be multiple of 0.5');
  });

  test('string keywords and formats', () => {
    expect(check({ type: 'string', pattern: '^[a-z]+$' }, 'Abc')[0].message).toBe('must match pattern "^[a-z]+$"');
    expect(check({ type: 'string', maxLength: 2 }, 'abc')[0].message).toBe('must NOT have more than 2 characters');
    expect(check({ type: 'string', minLength: 2 }, 'a')[0].message).toBe('must NOT have fewer than 2 characters');
    expect(check({ type: 'integer', format: 'int32' }, 2 ** 31)[0].message).toBe('must match format "int32"');
    expect(check({ type: 'string', format: 'date-time' }, 'yesterday')[0].message).toBe('must match format "date-time"');
    expect(check({ type: 'string', format: 'hostname' }, '!!')).toEqual([]); // formats Kubernetes does not check are ignored
  });

  test('enum', () => {
    expect(check({ type: 'string', enum: ['a', 'b'] }, 'c')[0].message).toBe('must be one of ["a","b"]');
  });

  test('arrays: bounds, items, set and map list types', () => {
    expect(check({ type: 'array', maxItems: 1 }, [1, 2])[0].message).toBe('must NOT have more than 1 items');
    expect(check({ type: 'array', minItems: 1 }, [])[0].message).toBe('must NOT have fewer than 1 items');
    expect(check({ 'type': 'array', 'items': { type: 'string' }, 'x-kubernetes-list-type': 'set' }, ['a', 'a'])[0].message).toBe('must NOT have duplicate items');
    expect(check({ type: 'array', items: { type: 'string' } }, ['a', 2])).toEqual([{ path: '/1', message: 'must be string', check: 'schema' }]);
    const map = { 'type': 'array', 'items': obj({ name: { type: 'string' }, port: { type: 'integer' } }), 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] };
    expect(check(map, [{ name: 'a', port: 1 }, { name: 'a', port: 2 }])[0].message).toBe('duplicate entry for key name="a" in a map-type list');
  });

  test('objects: required, unknown fields, additionalProperties, preserve-unknown-fields', () => {
    expect(check(obj({ a: { type: 'string' } }, { required: ['a'] }), {})).toEqual([{ path: '/a', message: 'required field is missing', check: 'schema' }]);
    expect(check(obj({ a: { type: 'string' } }), { b: 1 })).toEqual([{ path: '/b', message: 'unknown field (not in the schema)', check: 'schema' }]);
    expect(check({ type: 'object' }, { b: 1 })).toEqual([{ path: '/b', message: 'unknown field (not in the schema)', check: 'schema' }]);
    expect(check({ type: 'object', additionalProperties: { type: 'integer' } }, { a: 1, b: 'x' })).toEqual([{ path: '/b', message: 'must be integer', check: 'schema' }]);
    expect(check({ 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true }, { anything: { goes: 1 } })).toEqual([]);
    expect(check(obj({ a: { type: 'string' } }, { maxProperties: 0 }), { a: 'x' }).map((e) => e.message)).toEqual(['must NOT have more than 0 properties']);
  });

  test('keys with / and ~ are escaped in JSON pointers', () => {
    expect(check({ type: 'object', properties: {} }, { 'a/b': 1 })[0].path).toBe('/a~1b');
  });

  test('the root allows apiVersion, kind and metadata; embedded resources too', () => {
    expect(check(obj({ spec: { type: 'object' } }), { apiVersion: 'x/v1', kind: 'X', metadata: { name: 'x' } }, true)).toEqual([]);
    expect(check(obj({}), { apiVersion: 'x/v1' })).toEqual([{ path: '/apiVersion', message: 'unknown field (not in the schema)', check: 'schema' }]);
    const embedded = { 'type': 'object', 'x-kubernetes-embedded-resource': true, 'properties': { spec: { type: 'object' } } };
    expect(check(embedded, { apiVersion: 'v1', kind: 'Pod', metadata: {} })).toEqual([]);
    expect(check(embedded, { apiVersion: 1 })).toEqual([{ path: '/apiVersion', message: 'must be string', check: 'schema' }]);
  });

  test('value junctors: allOf, anyOf, oneOf, not', () => {
    const either = { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, oneOf: [{ required: ['a'] }, { required: ['b'] }] };
    expect(check(either, { a: 'x' })).toEqual([]);
    expect(check(either, { a: 'x', b: 'y' })[0].message).toBe('must match exactly one allowed shape (oneOf)');
    expect(check(either, {})[0].message).toBe('must match exactly one allowed shape (oneOf)');
    const any = { type: 'string', anyOf: [{ pattern: '^a' }, { pattern: '^b' }] };
    expect(check(any, 'b1')).toEqual([]);
    expect(check(any, 'c')[0].message).toBe('does not match any allowed shape (anyOf)');
    expect(check({ type: 'integer', allOf: [{ minimum: 1 }, { maximum: 3 }] }, 4)[0].message).toBe('must be <= 3');
    expect(check({ type: 'string', not: { enum: ['latest'] } }, 'latest')[0].message).toBe('must not match the excluded shape (not)');
  });

  test('x-kubernetes-validations: rules, messages, messageExpression, fieldPath, transition rules skipped', () => {
    const s = {
      'type': 'object',
      'properties': { min: { type: 'integer' }, max: { type: 'integer' } },
      'x-kubernetes-validations': [
        { rule: 'self.min <= self.max', message: 'min must not exceed max', fieldPath: '.min' },
        { rule: 'self.max < 100', messageExpression: "'max is ' + string(self.max)" },
        { rule: 'self.max == oldSelf.max', message: 'immutable' },
      ],
    };
    expect(check(s, { min: 1, max: 2 })).toEqual([]);
    expect(check(s, { min: 300, max: 200 })).toEqual([
      { path: '/min', message: 'min must not exceed max', check: 'cel-rule' },
      { path: '/', message: 'max is 200', check: 'cel-rule' },
    ]);
  });

  test('rules are not evaluated on structurally invalid values; failing and broken rules are reported', () => {
    const s = { 'type': 'object', 'properties': { n: { type: 'integer' } }, 'x-kubernetes-validations': [{ rule: 'self.n > 0' }] };
    expect(check(s, { n: 'x' })).toEqual([{ path: '/n', message: 'must be integer', check: 'schema' }]);
    expect(check(s, { n: 0 })).toEqual([{ path: '/', message: 'failed rule: self.n > 0', check: 'cel-rule' }]);
    expect(check(s, {})[0].message).toMatch(/^CRD rule 'self.n > 0' failed to evaluate/);
    const broken = { 'type': 'object', 'x-kubernetes-validations': [{ rule: 'self.(' }] };
    expect(check(broken, {})[0].message).toMatch(/^CRD rule does not compile offline/);
  });
});

describe('defaults and CEL property names (what the API server does before evaluating rules)', () => {
  const schema = {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          mode: { type: 'string', default: 'Terminate' },
          refs: { type: 'array', items: { type: 'object', properties: { group: { type: 'string', default: '' }, name: { type: 'string' } } } },
          labels: { type: 'object', additionalProperties: { type: 'object', properties: { weight: { type: 'integer', default: 1 } } } },
        },
      },
    },
  };

  test('withDefaults fills absent fields at every level, keeps present ones, leaves the input alone', () => {
    const input = { spec: { refs: [{ name: 'a' }, { name: 'b', group: 'x' }], labels: { k: {} } }, metadata: { name: 'm' } };
    expect(withDefaults(schema, input, true)).toEqual({
      spec: { mode: 'Terminate', refs: [{ name: 'a', group: '' }, { name: 'b', group: 'x' }], labels: { k: { weight: 1 } } },
      metadata: { name: 'm' },
    });
    expect(input.spec).not.toHaveProperty('mode');
  });

  test('celPropertyName escapes as Kubernetes documents', () => {
    expect(['namespace', 'if', 'a.b', 'x-y', 'a/b', 'a__b', 'plain'].map(celPropertyName))
      .toEqual(['__namespace__', '__if__', 'a__dot__b', 'x__dash__y', 'a__slash__b', 'a__underscores__b', 'plain']);
  });

  test('a rule reads an escaped property name, and a defaulted field', () => {
    const ruleSchema = {
      'type': 'object',
      'properties': { namespace: { type: 'string' }, group: { type: 'string', default: 'g' } },
      'x-kubernetes-validations': [{ rule: "self.__namespace__ == 'ns' && self.group == 'g'", message: 'bad' }],
    };
    const errors: any[] = [];
    validateStructural(ruleSchema, withDefaults(ruleSchema, { namespace: 'ns' }), '', errors);
    expect(errors).toEqual([]);
    validateStructural(ruleSchema, withDefaults(ruleSchema, { namespace: 'other' }), '', errors);
    expect(errors.map((e) => e.message)).toEqual(['bad']);
  });
});
