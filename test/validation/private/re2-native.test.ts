import { nativeRegExp } from '../../../src/validation/private/re2-native';

// The reference: RE2JS, the engine @bufbuild/cel runs `matches()` with (Go regexp semantics).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { RE2JS } = require(require.resolve('@bufbuild/re2', { paths: [require.resolve('@bufbuild/cel')] }));

/** Deterministic pseudo-random inputs over an alphabet that exercises the subset's edge cases. */
function inputs(seed: number, count: number): string[] {
  const alphabet = ['a', 'b', 'z', 'A', 'Z', '0', '9', '_', '-', '.', ':', '@', '/', ' ', '\t', '\n', '\r', '\f', '\u2028', 'é', '😀', 'f', '3', 'sha256', 'latest', '[', ']', '{', '}', '^', '$', '\\'];
  // MINSTD (Park-Miller): s in [1, 2^31 - 2]
  let s = (Math.abs(seed) % 2147483646) + 1;
  const next = () => {
    s = (s * 48271) % 2147483647;
    return s;
  };
  const out: string[] = ['', 'a', '\n', 'latest', ':latest', 'x:latest@sha256:abc', `r/i@sha256:${'a'.repeat(64)}`, `r/i@sha256:${'A'.repeat(64)}`];
  for (let i = 0; i < count; i++) {
    let t = '';
    const len = next() % 12;
    for (let j = 0; j < len; j++) t += alphabet[next() % alphabet.length];
    out.push(t);
  }
  return out;
}

// Patterns in the subset, including the rules' own.
const SUPPORTED = [
  '@sha256:[a-f0-9]{64}$', ':latest(@.*)?$', '^[^:@]+$', '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$', 'a.b', '^.*$', '^$', 'a|b|', '(?:ab)+?c',
  '\\d+\\.\\d+', '\\w\\W', '\\s', '\\S+', '[\\s]', '[^\\s]', '[-a]', '[a-]', '[^-a]', 'x{2,3}', 'x{2,}', 'x{0}', 'x{2}?', '[\\]\\[]', '\\$\\^\\.',
  '\\{\\}', '[😀é]', '.', '[^a]', '\\n', 'a\\tb', '(a)(b)', '^(latest|stable)$',
];
// Outside the subset: RE2JS decides them (flags, named groups, POSIX classes, Unicode classes, literal braces, big repeats).
const UNSUPPORTED = ['(?i)abc', '(?P<n>a)', '[[:alpha:]]', '\\pL', 'a{', 'a{1001}', 'x}', ']', '\\b', '\\z', '\\Qa.b\\E', '*a', 'a**', '(a', 'a)'];

describe('nativeRegExp: RE2 patterns JavaScript decides exactly as RE2', () => {
  test.each(SUPPORTED)('%j is translated and agrees with RE2JS on every input', (pattern) => {
    const native = nativeRegExp(pattern);
    expect(native).toBeDefined();
    const re2 = RE2JS.compile(pattern);
    const disagreements = inputs(pattern.length * 7919, 400).filter((input) => native!.test(input) !== re2.test(input));
    expect(disagreements).toEqual([]);
  });

  test.each(UNSUPPORTED)('%j is left to RE2JS', (pattern) => {
    expect(nativeRegExp(pattern)).toBeUndefined();
  });

  test('`.` refuses only \\n, as RE2 does (JavaScript\'s own `.` also refuses \\r and U+2028)', () => {
    expect(nativeRegExp('^a.b$')!.test('a\rb')).toBe(true);
    expect(nativeRegExp('^a.b$')!.test('a\u2028b')).toBe(true);
    expect(nativeRegExp('^a.b$')!.test('a\nb')).toBe(false);
  });

  test('`\\s` is RE2\'s ASCII space class, not JavaScript\'s Unicode one', () => {
    expect(nativeRegExp('\\s')!.test('\u00a0')).toBe(false);
    expect(nativeRegExp('\\s')!.test('\v')).toBe(false);
    expect(nativeRegExp('\\s')!.test('\f')).toBe(true);
  });
});
