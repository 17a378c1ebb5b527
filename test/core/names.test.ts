import { ValidationError } from '../../src/core/errors';
import { Names } from '../../src/core/names';

describe('Names', () => {
  test.each([
    ['llama3-8b', true], ['a', true], ['0abc', true], ['a'.repeat(63), true],
    ['', false], ['Llama', false], ['-a', false], ['a-', false], ['a_b', false], ['a.b', false], ['a'.repeat(64), false],
  ])('isDns1123Label(%p) is %p', (value, ok) => {
    expect(Names.isDns1123Label(value)).toBe(ok);
  });

  test.each([
    ['a.b.c', true], ['my-config', true], ['a..b', false], ['.a', false], [`${'a'.repeat(63)}.${'b'.repeat(63)}`, true], ['a'.repeat(254), false],
  ])('isDns1123Subdomain(%p) is %p', (value, ok) => {
    expect(Names.isDns1123Subdomain(value)).toBe(ok);
  });

  test.each([
    ['', true], ['v1.2_3-x', true], ['-x', false], ['x'.repeat(64), false], ['a b', false],
  ])('isLabelValue(%p) is %p', (value, ok) => {
    expect(Names.isLabelValue(value)).toBe(ok);
  });

  test.each([
    ['app', true], ['llm-platform.io/tenant', true], ['app.kubernetes.io/name', true], ['Bad_Prefix/x', false], ['/x', false], ['a/', false], ['', false],
  ])('isLabelKey(%p) is %p', (key, ok) => {
    expect(Names.isLabelKey(key)).toBe(ok);
  });

  test('validateDns1123Label returns the value or throws a ValidationError naming prop, value and fix', () => {
    expect(Names.validateDns1123Label('name', 'search')).toBe('search');
    let error: any;
    try {
      Names.validateDns1123Label('tenant', 'Search_Team');
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isValidationError(error)).toBe(true);
    expect(error.message).toBe("'tenant' must be a DNS-1123 label, got 'Search_Team'; use lowercase letters, digits and '-', starting and ending with a letter or digit (e.g. 'search-team')");
  });

  test('validateDns1123Label explains length problems', () => {
    expect(() => Names.validateDns1123Label('name', 'a'.repeat(70))).toThrow(/at most 63 characters \(is 70\)/);
    expect(() => Names.validateDns1123Label('name', '')).toThrow(/'name' must be a non-empty DNS-1123 label, got ''/);
  });

  test('validateDns1123Subdomain', () => {
    expect(Names.validateDns1123Subdomain('name', 'a.b')).toBe('a.b');
    expect(() => Names.validateDns1123Subdomain('name', 'A.b')).toThrow(/'name' must be a DNS-1123 subdomain, got 'A.b'/);
  });

  test('validateLabels checks keys and values', () => {
    expect(Names.validateLabels('labels', { 'llm-platform.io/tenant': 'search' })).toEqual({ 'llm-platform.io/tenant': 'search' });
    expect(() => Names.validateLabels('labels', { 'bad key': 'x' })).toThrow(/'labels.bad key' is not a valid label key/);
    expect(() => Names.validateLabels('labels', { ok: 'bad value!' })).toThrow(/'labels.ok' is not a valid label value, got 'bad value!'/);
  });

  test('toDns1123Label derives stable, readable names', () => {
    expect(Names.toDns1123Label('Llama3 8B Instruct')).toBe('llama3-8b-instruct');
    expect(Names.toDns1123Label('--A__b--')).toBe('a-b');
    expect(Names.toDns1123Label('!!!')).toBe('x');
  });

  test('toDns1123Label shortens long names with a stable hash that keeps distinct inputs distinct', () => {
    const a = Names.toDns1123Label(`${'model-'.repeat(20)}a`);
    const b = Names.toDns1123Label(`${'model-'.repeat(20)}b`);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(Names.isDns1123Label(a)).toBe(true);
    expect(a).not.toBe(b);
    expect(Names.toDns1123Label(`${'model-'.repeat(20)}a`)).toBe(a);
    expect(Names.toDns1123Label('x'.repeat(40), 20)).toHaveLength(20);
  });

  test('toDns1123Label rejects an unusable maxLength', () => {
    expect(() => Names.toDns1123Label('x', 5)).toThrow(/'maxLength' must be between 10 and 63, got 5/);
    expect(() => Names.toDns1123Label('x', 64)).toThrow(/'maxLength' must be between 10 and 63, got 64/);
  });

  test('joinLabel joins parts and skips empty ones', () => {
    expect(Names.joinLabel(['search', 'gpu', 'quota'])).toBe('search-gpu-quota');
    expect(Names.joinLabel(['acme', '', 'prod'])).toBe('acme-prod');
  });
});
