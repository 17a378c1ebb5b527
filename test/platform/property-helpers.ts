/**
 * The machinery of the property-based suites (issue 17): paths into plain data, copies with one value
 * replaced, the generic mutation values, and the outcome every property checks (accepted, or a
 * ValidationError whose problems name paths in the house grammar; never anything else).
 */
import { Duration } from 'cdk8s';
import { ValidationError, ValidationErrors, ValidationProblem } from '../../src/core/errors';

/** One step into a spec: a key of a plain object or an index of an array. */
export type Path = (string | number)[];

/** Every path to a value of the spec's plain data (objects and arrays; class instances are leaves). */
export function pathsOf(value: any, prefix: Path = [], out: Path[] = []): Path[] {
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push([...prefix, i]);
      pathsOf(v, [...prefix, i], out);
    });
  } else if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const k of Object.keys(value).sort()) {
      if (value[k] === undefined) continue;
      out.push([...prefix, k]);
      pathsOf(value[k], [...prefix, k], out);
    }
  }
  return out;
}

/** A deep copy of plain data (class instances shared) with the value at `path` replaced. */
export function withValue(value: any, path: Path, replace: (old: any) => any): any {
  if (path.length === 0) return replace(value);
  const [head, ...rest] = path;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? withValue(v, rest, replace) : v));
  return { ...value, [head]: withValue(value[head], rest, replace) };
}

export function get(value: any, path: Path): any {
  return path.reduce((v, k) => (v === null || v === undefined ? undefined : v[k]), value);
}

/** The i-th element, cycling. */
export function pick<T>(list: readonly T[], n: number): T {
  return list[n % list.length];
}

/** Strings that must never reach the output as they are: Terraform interpolation, YAML breaks, control characters, traversal. */
export const INJECTIONS = ['${aws_iam_role.x.arn}', '%{ if true }x%{ endif }', '$${escaped}', 'a\nb: c', 'nul\u0000', 'tab\tx', '\u007f', '../../etc', '/abs/path/', 'x//y/'];

/** Values of the wrong JS type for a value like `v` (null, numbers, strings, lists, objects, functions). */
export function wrongTypes(v: any): any[] {
  return [null, 42, -1, true, 'x', [], {}, [null], ['x'], { x: 1 }, NaN, undefined, () => 1]
    .filter((x) => typeof x !== typeof v || x === null || Array.isArray(x) !== Array.isArray(v));
}

/** Durations that are not whole seconds, zero, or far beyond any API's range. */
export const BAD_DURATIONS = [Duration.millis(1500), Duration.seconds(0), Duration.millis(1), Duration.days(100_000_000)];

/** Out-of-range and non-whole numbers. */
export const BAD_NUMBERS = [-1, 0, 0.5, 1.5, 1e9, NaN, Infinity, -Infinity, 2 ** 53 + 2, 451];

/** Bad variants of a string: empty, case-changed (unknown enum members), suffixed, control characters, injections, too long. */
export function badStrings(v: string, n: number): string[] {
  return ['', ' ', v.toUpperCase(), `${v}-unknown`, `${v}\n`, `${v}\u0000`, `${v}${pick(INJECTIONS, Math.floor(n / 16))}`, 'a'.repeat(300), '*', 'kube-system', v.replace(/^./, '.')];
}

/** Bad variants of a non-empty list: empty, a duplicate, reordered. */
export function badArrays(a: any[]): any[][] {
  return [[], [...a, a[0]], [...a].reverse(), [a[0], a[0]]];
}

/** What running `fn` did: accepted, a ValidationError's problems, or anything else (the property's failure). */
export type Outcome = { kind: 'ok' } | { kind: 'invalid'; problems: ValidationProblem[] } | { kind: 'crash'; error: unknown };

export function outcome(fn: () => void): Outcome {
  try {
    fn();
    return { kind: 'ok' };
  } catch (e) {
    if (ValidationErrors.isValidationError(e)) return { kind: 'invalid', problems: ValidationErrors.problemsOf(e) };
    return { kind: 'crash', error: e };
  }
}

/** Assert `o` is no crash and every problem names a path in the house grammar. */
export function expectNoCrash(o: Outcome, input: any, where: string): void {
  if (o.kind === 'crash') {
    const e: any = o.error;
    throw new Error(`${where} crashed with ${e?.name ?? typeof e}: ${e?.message ?? e}\n${e?.stack ?? ''}\ninput: ${show(input)}`);
  }
  if (o.kind === 'invalid') {
    expect(o.problems.length).toBeGreaterThan(0);
    for (const p of o.problems) {
      expect(typeof p.prop === 'string' && p.prop.length > 0).toBe(true);
      expect(p.problem.length).toBeGreaterThan(0);
      expect(p.fix.length).toBeGreaterThan(0);
      expect(typeof p.value).toBe('string');
      // the house grammar: '<prop>' <what is wrong>, got <value>; <fix>
      expect(ValidationError.format(p)).toMatch(/^'[^']+' .+, got .*; .+$/s);
    }
  }
}

export function paths(o: Outcome): string[] {
  return o.kind === 'invalid' ? [...new Set(o.problems.map((p) => p.prop))].sort() : [];
}

export function show(spec: any): string {
  try {
    return JSON.stringify(spec, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v)).slice(0, 2000);
  } catch {
    return String(spec);
  }
}

