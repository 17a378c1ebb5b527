/**
 * The CEL engine shared by the validation harness (CRD `x-kubernetes-validations` rules) and the
 * policy layer (synth-time evaluation of admission rules): @bufbuild/cel plus the Kubernetes CEL
 * libraries that Kubernetes adds to the standard environment (regex, lists, strings, URLs,
 * quantities), implemented here so rules evaluate offline exactly as the API server would.
 *
 * Reference: https://kubernetes.io/docs/reference/using-api/cel/#cel-options-language-features-and-libraries
 */
/* eslint-disable @typescript-eslint/no-require-imports -- @bufbuild/cel is required on first use */
import type * as CelLib from '@bufbuild/cel';
import { cachedParse } from './cel-parse-cache';
import { addQuantities, compareQuantities, formatQuantity, Fraction, negateQuantity, parseQuantity, quantityToNumber } from './quantity';
import { nativeRegExp } from './re2-native';

let loadedCel: typeof CelLib | undefined;
/**
 * The CEL library (@bufbuild/cel with @bufbuild/protobuf: about 130 modules), loaded by the first
 * compilation, not with the package (issue 18).
 */
function celLib(): typeof CelLib {
  loadedCel ??= require('@bufbuild/cel') as typeof CelLib;
  return loadedCel;
}


function fail(message: string): never {
  throw new Error(message);
}

function q(text: string): Fraction {
  return parseQuantity(text) ?? fail(`invalid quantity: '${text}'`);
}

function compileRegex(pattern: string): RegExp {
  try {
    return new RegExp(pattern);
  } catch (e: any) {
    return fail(`invalid regex '${pattern}': ${e.message}`);
  }
}

function parseUrl(text: string): URL {
  // Kubernetes' url() accepts absolute URIs and absolute paths.
  try {
    return text.startsWith('/') ? new URL(text, 'relative:///') : new URL(text);
  } catch {
    return fail(`URL parse error: '${text}'`);
  }
}

function authority(text: string): { host: string; hostname: string; port: string } {
  parseUrl(text);
  const m = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/(?:[^@/?#]*@)?([^/?#]*)/.exec(text);
  const host = m ? m[1] : '';
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(host);
  return { host, hostname: (hp?.[1] ?? host).replace(/^\[|\]$/g, ''), port: hp?.[2] ?? '' };
}

function compare(a: any, b: any): number {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return fail('no such overload: list elements are not comparable');
}

function values(list: CelLib.CelList): any[] {
  return [...list.values()];
}

/** Kubernetes CEL library functions (built with the first environment: the CEL library loads on first use), beyond the standard environment and the strings extension. */
function kubernetesFuncs(): CelLib.CelFunc[] {
  const { CelScalar, celMethod, celFunc, listType } = celLib();
  const STRING = CelScalar.STRING;
  const BOOL = CelScalar.BOOL;
  const INT = CelScalar.INT;
  const DOUBLE = CelScalar.DOUBLE;
  const DYN = CelScalar.DYN;
  const LIST = listType(DYN);
  return [
    // Regex library.
    celMethod('find', STRING, [STRING], STRING, function (this: string, re: string) {
      const m = compileRegex(re).exec(this);
      return m ? m[0] : '';
    }),
    celMethod('findAll', STRING, [STRING], LIST, function (this: string, re: string) {
      return [...this.matchAll(new RegExp(compileRegex(re).source, 'g'))].map((m) => m[0]);
    }),
    celMethod('findAll', STRING, [STRING, INT], LIST, function (this: string, re: string, n: bigint) {
      const all = [...this.matchAll(new RegExp(compileRegex(re).source, 'g'))].map((m) => m[0]);
      return n < 0n ? all : all.slice(0, Number(n));
    }),
    // Lists library.
    celMethod('isSorted', LIST, [], BOOL, function (this: CelLib.CelList) {
      const v = values(this);
      return v.every((x, i) => i === 0 || compare(v[i - 1], x) <= 0);
    }),
    celMethod('sum', LIST, [], DYN, function (this: CelLib.CelList) {
      const v = values(this);
      if (v.length === 0) return 0n;
      if (v.every((x) => typeof x === 'bigint')) return v.reduce((a, b) => a + b, 0n);
      return v.reduce((a, b) => a + Number(b), 0);
    }),
    celMethod('min', LIST, [], DYN, function (this: CelLib.CelList) {
      const v = values(this);
      if (v.length === 0) fail('min called on empty list');
      return v.reduce((a, b) => (compare(a, b) <= 0 ? a : b));
    }),
    celMethod('max', LIST, [], DYN, function (this: CelLib.CelList) {
      const v = values(this);
      if (v.length === 0) fail('max called on empty list');
      return v.reduce((a, b) => (compare(a, b) >= 0 ? a : b));
    }),
    celMethod('indexOf', LIST, [DYN], INT, function (this: CelLib.CelList, x: any) {
      return BigInt(values(this).findIndex((y) => compareSafe(x, y)));
    }),
    celMethod('lastIndexOf', LIST, [DYN], INT, function (this: CelLib.CelList, x: any) {
      const v = values(this);
      for (let i = v.length - 1; i >= 0; i--) if (compareSafe(x, v[i])) return BigInt(i);
      return -1n;
    }),
    // URL library (a URL is represented by its string).
    celFunc('isURL', [STRING], BOOL, (s: string) => {
      try {
        parseUrl(s);
        return true;
      } catch {
        return false;
      }
    }),
    celFunc('url', [STRING], STRING, (s: string) => {
      parseUrl(s);
      return s;
    }),
    celMethod('getScheme', STRING, [], STRING, function (this: string) {
      return this.startsWith('/') ? '' : parseUrl(this).protocol.replace(/:$/, '');
    }),
    // Go's net/url keeps an explicit default port (https://x:443), WHATWG URL drops it: read the authority.
    celMethod('getHost', STRING, [], STRING, function (this: string) {
      return authority(this).host;
    }),
    celMethod('getHostname', STRING, [], STRING, function (this: string) {
      return authority(this).hostname;
    }),
    celMethod('getPort', STRING, [], STRING, function (this: string) {
      return authority(this).port;
    }),
    celMethod('getEscapedPath', STRING, [], STRING, function (this: string) {
      return parseUrl(this).pathname;
    }),
    // Quantity library (a quantity is represented by its canonical string, so == compares values).
    celFunc('isQuantity', [STRING], BOOL, (s: string) => parseQuantity(s) !== undefined),
    celFunc('quantity', [STRING], STRING, (s: string) => formatQuantity(q(s))),
    celMethod('compareTo', STRING, [STRING], INT, function (this: string, o: string) {
      return BigInt(compareQuantities(q(this), q(o)));
    }),
    celMethod('isGreaterThan', STRING, [STRING], BOOL, function (this: string, o: string) {
      return compareQuantities(q(this), q(o)) > 0;
    }),
    celMethod('isLessThan', STRING, [STRING], BOOL, function (this: string, o: string) {
      return compareQuantities(q(this), q(o)) < 0;
    }),
    celMethod('add', STRING, [STRING], STRING, function (this: string, o: string) {
      return formatQuantity(addQuantities(q(this), q(o)));
    }),
    celMethod('add', STRING, [INT], STRING, function (this: string, o: bigint) {
      return formatQuantity(addQuantities(q(this), { num: o, den: 1n }));
    }),
    celMethod('sub', STRING, [STRING], STRING, function (this: string, o: string) {
      return formatQuantity(addQuantities(q(this), negateQuantity(q(o))));
    }),
    celMethod('sub', STRING, [INT], STRING, function (this: string, o: bigint) {
      return formatQuantity(addQuantities(q(this), { num: -o, den: 1n }));
    }),
    celMethod('sign', STRING, [], INT, function (this: string) {
      const x = q(this).num;
      return x > 0n ? 1n : x < 0n ? -1n : 0n;
    }),
    celMethod('isInteger', STRING, [], BOOL, function (this: string) {
      const x = q(this);
      return x.num % x.den === 0n;
    }),
    celMethod('asInteger', STRING, [], INT, function (this: string) {
      const x = q(this);
      if (x.num % x.den !== 0n) fail(`cannot convert non-integer quantity '${this}' to int`);
      return x.num / x.den;
    }),
    celMethod('asApproximateFloat', STRING, [], DOUBLE, function (this: string) {
      return quantityToNumber(q(this));
    }),
  ];
}

function compareSafe(a: any, b: any): boolean {
  try {
    return compare(a, b) === 0;
  } catch {
    return false;
  }
}

/** Names the planner evaluates itself (they never resolve through the function registry). */
const SPECIAL_FORMS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false', '_[?_]', '_?._']);

/**
 * The variables Kubernetes binds in admission and CRD validation expressions.
 */
export const ADMISSION_VARIABLES = ['object', 'oldObject', 'request', 'params', 'namespaceObject', 'authorizer', 'variables', 'self', 'oldSelf'];

let sharedEnv: CelLib.CelEnv | undefined;

type Re2 = NonNullable<NonNullable<Parameters<typeof CelLib.celEnv>[0]>['re2']>;

/**
 * The RE2 engine @bufbuild/cel uses for `matches`, with compiled patterns cached: the built-in
 * `matches` compiles its pattern (and builds a new DFA) on every call. Resolved next to @bufbuild/cel,
 * whose dependency it is.
 */
function cachedRe2(): Re2 {
  let re2js: { compile(pattern: string): { test(input: string): boolean } } | undefined;
  const compiled = new Map<string, ReturnType<Re2['compile']>>();
  return {
    compile(pattern: string) {
      let re = compiled.get(pattern);
      if (!re) {
        // patterns JavaScript decides exactly as RE2 run natively; RE2JS (loaded on first need) runs the rest
        const native = nativeRegExp(pattern);
        if (native) {
          re = memoizedTest({ test: (input: string) => native.test(input) });
        } else {
          re2js ??= require(require.resolve('@bufbuild/re2', { paths: [require.resolve('@bufbuild/cel')] })).RE2JS;
          re = memoizedTest(re2js!.compile(pattern));
        }
        compiled.set(pattern, re);
      }
      return re;
    },
  };
}

/** Most inputs one pattern remembers (policy rules test the same few images and names again and again). */
const MATCH_MEMO_LIMIT = 4096;

/**
 * A compiled pattern whose `test` remembers its answers: a match is a pure function of pattern and input, and
 * the same image references and names are tested by many rules and pods (RE2JS runs its DFA on each call).
 */
function memoizedTest(re: { test(input: string): boolean }): ReturnType<Re2['compile']> {
  const answers = new Map<string, boolean>();
  return {
    test(input: string): boolean {
      let answer = answers.get(input);
      if (answer === undefined) {
        answer = re.test(input);
        if (answers.size >= MATCH_MEMO_LIMIT) answers.clear();
        answers.set(input, answer);
      }
      return answer;
    },
  } as ReturnType<Re2['compile']>;
}

function env(): CelLib.CelEnv {
  if (!sharedEnv) {
    const variables: Record<string, CelLib.CelType> = {};
    for (const v of ADMISSION_VARIABLES) variables[v] = celLib().CelScalar.DYN;
    sharedEnv = celLib().celEnv({ variables, funcs: [...(require('@bufbuild/cel/ext') as typeof import('@bufbuild/cel/ext')).strings, ...kubernetesFuncs()], re2: cachedRe2() });
  }
  return sharedEnv;
}

/** A parsed, checked and planned expression, ready to evaluate many times. */
export interface CelProgram {
  readonly expression: string;
  readonly variables: readonly string[];
  evaluate(bindings: Record<string, unknown>): CelOutcome;
  /**
   * Evaluate with bindings that are already CEL values (`toCel` output, or values an earlier
   * evaluation returned) and return the CEL value itself: no conversion either way, for callers that
   * evaluate many expressions over the same data (synth-time policy evaluation).
   */
  evaluateCel(bindings: Record<string, unknown>): CelOutcome;
}

export interface CelOutcome {
  readonly value?: unknown;
  readonly error?: string;
}

export class CelCompileError extends Error {
  constructor(public readonly expression: string, public readonly reason: string) {
    super(reason);
  }
}

type ProgramCache = Map<string, CelProgram | CelCompileError>;
/** Programs by variable set, then by expression text (never a concatenated key: hashing a new long string per call adds up at scale). */
const programsByVariableKey = new Map<string, ProgramCache>();
/** The same maps by the identity of the variables array (callers pass a few constant arrays): no join per call. */
const programsByVariables = new Map<readonly string[], ProgramCache>();

function programsFor(variables: readonly string[]): ProgramCache {
  let programs = programsByVariables.get(variables);
  if (!programs) {
    const key = variables.join(',');
    programs = programsByVariableKey.get(key);
    if (!programs) {
      programs = new Map();
      programsByVariableKey.set(key, programs);
    }
    // bounded: a caller that builds a new array per call falls back to the joined key
    if (programsByVariables.size < 64) programsByVariables.set(variables, programs);
  }
  return programs;
}

/**
 * Parse `expression`, check that every function and free variable it uses exists in the Kubernetes
 * CEL environment, and plan it. Cached by expression and variable set.
 *
 * @param variables the variables the expression may reference (e.g. `['object', 'params']`)
 * @throws CelCompileError
 */
export function compileCel(expression: string, variables: readonly string[] = ADMISSION_VARIABLES): CelProgram {
  const programs = programsFor(variables);
  let cached = programs.get(expression);
  if (!cached) {
    cached = doCompile(expression, variables);
    programs.set(expression, cached);
  }
  if (cached instanceof CelCompileError) throw cached;
  return cached;
}

/** Parsed and planned expressions by expression text: planning does not depend on the variable set. */
const planCache = new Map<string, { parsed?: ReturnType<typeof CelLib.parse>; evaluator?: (ctx: any) => unknown; error?: CelCompileError }>();

function doCompile(expression: string, variables: readonly string[]): CelProgram | CelCompileError {
  if (typeof expression !== 'string' || expression.trim() === '') {
    return new CelCompileError(String(expression), 'expression is empty');
  }
  let entry = planCache.get(expression);
  if (!entry) {
    try {
      entry = { parsed: cachedParse(expression) ?? celLib().parse(expression) };
    } catch (e: any) {
      entry = { error: new CelCompileError(expression, `syntax error: ${String(e.message ?? e).replace(/^<input>:/, '')}`) };
    }
    planCache.set(expression, entry);
  }
  if (entry.error && !entry.parsed) return entry.error;
  const problems: string[] = [];
  checkNode(entry.parsed!.expr, new Set(variables), problems);
  if (problems.length > 0) return new CelCompileError(expression, [...new Set(problems)].join('; '));
  if (!entry.evaluator && !entry.error) {
    try {
      entry.evaluator = celLib().plan(env(), entry.parsed!) as any;
    } catch (e: any) {
      entry.error = new CelCompileError(expression, `plan error: ${e.message ?? e}`);
    }
  }
  if (entry.error) return entry.error;
  const evaluator = entry.evaluator!;
  const evaluateCel = (ctx: Record<string, unknown>): CelOutcome => {
    try {
      const result = evaluator(ctx);
      if (celLib().isCelError(result)) return { error: result.message };
      return { value: result };
    } catch (e: any) {
      return { error: String(e?.message ?? e) };
    }
  };
  return {
    expression,
    variables,
    evaluate(bindings: Record<string, unknown>): CelOutcome {
      const ctx: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(bindings)) ctx[k] = toCel(v);
      const out = evaluateCel(ctx);
      return out.error !== undefined ? out : { value: fromCel(out.value) };
    },
    evaluateCel,
  };
}

function checkNode(node: any, scope: Set<string>, problems: string[]): void {
  if (!node || !node.exprKind) return;
  const { case: kind, value } = node.exprKind;
  switch (kind) {
    case 'identExpr':
      if (!scope.has(value.name)) problems.push(`undeclared reference to '${value.name}'`);
      return;
    case 'selectExpr':
      checkNode(value.operand, scope, problems);
      return;
    case 'callExpr': {
      const fn: string = value.function;
      if (!SPECIAL_FORMS.has(fn) && !env().funcs.find(fn)) {
        problems.push(`undeclared reference to function '${fn}'`);
      }
      if (value.target) checkNode(value.target, scope, problems);
      for (const a of value.args) checkNode(a, scope, problems);
      return;
    }
    case 'listExpr':
      for (const e of value.elements) checkNode(e, scope, problems);
      return;
    case 'structExpr':
      for (const e of value.entries) {
        if (e.keyKind?.case === 'mapKey') checkNode(e.keyKind.value, scope, problems);
        checkNode(e.value, scope, problems);
      }
      return;
    case 'comprehensionExpr': {
      checkNode(value.iterRange, scope, problems);
      checkNode(value.accuInit, scope, problems);
      const inner = new Set(scope);
      for (const v of [value.iterVar, value.iterVar2, value.accuVar]) if (v) inner.add(v);
      checkNode(value.loopCondition, inner, problems);
      checkNode(value.loopStep, inner, problems);
      const result = new Set(scope);
      if (value.accuVar) result.add(value.accuVar);
      checkNode(value.result, result, problems);
      return;
    }
    default:
      return;
  }
}

/**
 * Convert JSON-like data to CEL input: objects to maps, integral numbers to int (as the API server
 * decodes JSON integers), arrays to lists.
 */
export function toCel(value: unknown): any {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(toCel);
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (value instanceof Map) return value;
  if (value !== null && typeof value === 'object') {
    const m = new Map<string, unknown>();
    for (const [k, v] of Object.entries(value)) if (v !== undefined) m.set(k, toCel(v));
    return m;
  }
  return value;
}

/**
 * Convert a CEL result back to plain JSON-like data (ints to numbers when safe).
 */
export function fromCel(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (celLib().isCelList(value)) return [...value.values()].map(fromCel);
  if (celLib().isCelMap(value)) {
    const o: Record<string, unknown> = {};
    for (const [k, v] of value.entries()) o[String(k)] = fromCel(v);
    return o;
  }
  if (celLib().isCelUint(value)) return Number((value as any).value);
  return value;
}


/** Functions whose result is a bool (operators, macros and the Kubernetes and strings libraries' predicates). */
const BOOL_FUNCTIONS = new Set(['_&&_', '_||_', '!_', '_==_', '_!=_', '_<_', '_<=_', '_>_', '_>=_', '@in', 'startsWith', 'endsWith',
  'contains', 'matches', 'isSorted', 'isURL', 'isQuantity', 'isGreaterThan', 'isLessThan', 'has']);
/** Functions whose result is never a bool (arithmetic, sizes, string and list builders). */
const NON_BOOL_FUNCTIONS = new Set(['_+_', '_-_', '_*_', '_/_', '_%_', '-_', '_[_]', 'size', 'int', 'uint', 'double', 'string', 'bytes', 'lowerAscii',
  'upperAscii', 'replace', 'split', 'substring', 'trim', 'join', 'format', 'indexOf', 'lastIndexOf', 'charAt', 'quote', 'sum', 'min', 'max',
  'url', 'quantity', 'duration', 'timestamp', 'getHost', 'getPath', 'getScheme', 'getPort', 'getQuery', 'find', 'findAll', 'type', 'dyn']);

/**
 * What an expression's result is, statically: `bool`, `non-bool` (a literal, an arithmetic or string result, a list or map,
 * a `map`/`filter` macro) or `unknown` (a field of the input, a `dyn` value). A syntax error is `unknown` (compileCel reports it).
 * Rules and validations must return a bool; an expression that certainly does not is always an error at admission.
 */
export function celResultKind(expression: string): 'bool' | 'non-bool' | 'unknown' {
  let parsed: ReturnType<typeof CelLib.parse>;
  try {
    parsed = celLib().parse(expression);
  } catch {
    return 'unknown';
  }
  return resultKind(parsed.expr);
}

function resultKind(node: any): 'bool' | 'non-bool' | 'unknown' {
  const kind = node?.exprKind?.case;
  const value = node?.exprKind?.value;
  switch (kind) {
    case 'constExpr':
      return value.constantKind?.case === 'boolValue' ? 'bool' : 'non-bool';
    case 'listExpr':
    case 'structExpr':
      return 'non-bool';
    case 'selectExpr':
      return value.testOnly ? 'bool' : 'unknown';
    case 'comprehensionExpr':
      return resultKind(value.accuInit);
    case 'callExpr': {
      const fn: string = value.function;
      if (fn === '_?_:_') {
        const a = resultKind(value.args[1]);
        const b = resultKind(value.args[2]);
        return a === b ? a : 'unknown';
      }
      if (BOOL_FUNCTIONS.has(fn)) return 'bool';
      if (NON_BOOL_FUNCTIONS.has(fn)) return 'non-bool';
      return 'unknown';
    }
    default:
      return 'unknown';
  }
}
