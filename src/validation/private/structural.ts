/**
 * A direct interpreter of Kubernetes structural schemas (CRD `openAPIV3Schema`), used instead of
 * compiling the schema to code: the largest CRDs (KServe InferenceService, Argo CD ApplicationSet)
 * embed the full pod spec many times and take seconds to compile, while walking the schema alongside
 * the object costs only what the object's size costs.
 *
 * It implements what the API server's structural schema validation does: OpenAPI v3.0 value keywords,
 * `nullable`, `x-kubernetes-int-or-string`, `-preserve-unknown-fields`, `-embedded-resource`,
 * `-list-type` (`set`, `map` with `-list-map-keys`), and `x-kubernetes-validations` CEL rules; plus
 * strictness: a field the schema does not declare is an error (where the API server would prune it).
 */
import { CelCompileError, compileCel } from './cel-engine';

export interface StructuralError {
  readonly path: string;
  readonly message: string;
  readonly check: 'schema' | 'cel-rule';
}

const patternCache = new Map<string, RegExp | null>();

function pattern(p: string): RegExp | null {
  let re = patternCache.get(p);
  if (re === undefined) {
    try {
      re = new RegExp(p);
    } catch {
      re = null; // an RE2 construct JavaScript lacks: not checked rather than wrongly failed
    }
    patternCache.set(p, re);
  }
  return re;
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(type: string, v: unknown): boolean {
  const t = typeOf(v);
  if (type === 'number') return t === 'number' || t === 'integer';
  return t === type;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const FORMATS: Record<string, (v: unknown) => boolean> = {
  'int32': (v) => typeof v !== 'number' || (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647),
  'int64': (v) => typeof v !== 'number' || Number.isInteger(v),
  'byte': (v) => typeof v !== 'string' || /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  'date-time': (v) => typeof v !== 'string' || /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.test(v),
};

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Validate `data` against a structural schema node. `root` marks the object root (where apiVersion,
 * kind and metadata are always allowed; metadata is checked elsewhere as ObjectMeta).
 */
export function validateStructural(schema: any, data: unknown, path: string, errors: StructuralError[], root = false): void {
  if (!schema || typeof schema !== 'object') return;
  const at = path || '/';
  if (data === null && schema.nullable) return;

  if (schema['x-kubernetes-int-or-string']) {
    if (typeOf(data) !== 'integer' && typeof data !== 'string') {
      errors.push({ path: at, message: 'does not match any allowed shape (e.g. integer or string)', check: 'schema' });
      return;
    }
  } else if (schema.type && !matchesType(schema.type, data)) {
    errors.push({ path: at, message: `must be ${schema.type}`, check: 'schema' });
    return;
  }

  const before = errors.length;
  validateValue(schema, data, at, errors);

  if (Array.isArray(data)) {
    if (schema.items) data.forEach((item, i) => validateStructural(schema.items, item, `${path}/${i}`, errors));
    if (schema['x-kubernetes-list-type'] === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
      const keys: string[] = schema['x-kubernetes-list-map-keys'];
      const seen = new Set<string>();
      for (const item of data) {
        if (!isObject(item)) continue;
        const key = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(key)) {
          errors.push({ path: at, message: `duplicate entry for key ${keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')} in a map-type list`, check: 'schema' });
        }
        seen.add(key);
      }
    }
  } else if (isObject(data)) {
    validateObject(schema, data, path, errors, root);
  }

  // CEL rules run on values that are structurally valid at this node, as the API server does.
  if (errors.length === before && Array.isArray(schema['x-kubernetes-validations'])) {
    const self = celView(schema, data);
    for (const rule of schema['x-kubernetes-validations']) {
      const message = evaluateRule(rule, self);
      if (message !== undefined) {
        const fieldPath = typeof rule.fieldPath === 'string' ? rule.fieldPath.replace(/\./g, '/') : '';
        errors.push({ path: `${path}${fieldPath}` || '/', message, check: 'cel-rule' });
      }
    }
  }
}

function validateValue(schema: any, data: unknown, at: string, errors: StructuralError[]): void {
  if (Array.isArray(schema.enum) && !schema.enum.some((e: unknown) => deepEqual(e, data))) {
    errors.push({ path: at, message: `must be one of ${JSON.stringify(schema.enum)}`, check: 'schema' });
  }
  if (typeof data === 'string') {
    if (schema.maxLength !== undefined && [...data].length > schema.maxLength) errors.push({ path: at, message: `must NOT have more than ${schema.maxLength} characters`, check: 'schema' });
    if (schema.minLength !== undefined && [...data].length < schema.minLength) errors.push({ path: at, message: `must NOT have fewer than ${schema.minLength} characters`, check: 'schema' });
    if (schema.pattern !== undefined) {
      const re = pattern(schema.pattern);
      if (re && !re.test(data)) errors.push({ path: at, message: `must match pattern "${schema.pattern}"`, check: 'schema' });
    }
  }
  if (typeof data === 'number') {
    if (schema.minimum !== undefined && (schema.exclusiveMinimum === true ? data <= schema.minimum : data < schema.minimum)) {
      errors.push({ path: at, message: `must be ${schema.exclusiveMinimum === true ? '>' : '>='} ${schema.minimum}`, check: 'schema' });
    }
    if (schema.maximum !== undefined && (schema.exclusiveMaximum === true ? data >= schema.maximum : data > schema.maximum)) {
      errors.push({ path: at, message: `must be ${schema.exclusiveMaximum === true ? '<' : '<='} ${schema.maximum}`, check: 'schema' });
    }
    if (schema.multipleOf !== undefined && Math.abs(data / schema.multipleOf - Math.round(data / schema.multipleOf)) > 1e-9) {
      errors.push({ path: at, message: `must be multiple of ${schema.multipleOf}`, check: 'schema' });
    }
  }
  if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format](data)) {
    errors.push({ path: at, message: `must match format "${schema.format}"`, check: 'schema' });
  }
  if (Array.isArray(data)) {
    if (schema.maxItems !== undefined && data.length > schema.maxItems) errors.push({ path: at, message: `must NOT have more than ${schema.maxItems} items`, check: 'schema' });
    if (schema.minItems !== undefined && data.length < schema.minItems) errors.push({ path: at, message: `must NOT have fewer than ${schema.minItems} items`, check: 'schema' });
    if ((schema.uniqueItems || schema['x-kubernetes-list-type'] === 'set') && new Set(data.map((d) => JSON.stringify(d))).size !== data.length) {
      errors.push({ path: at, message: 'must NOT have duplicate items', check: 'schema' });
    }
  }
  if (isObject(data)) {
    const n = Object.keys(data).length;
    if (schema.maxProperties !== undefined && n > schema.maxProperties) errors.push({ path: at, message: `must NOT have more than ${schema.maxProperties} properties`, check: 'schema' });
    if (schema.minProperties !== undefined && n < schema.minProperties) errors.push({ path: at, message: `must NOT have fewer than ${schema.minProperties} properties`, check: 'schema' });
  }
  // Value-only junctors (structural schemas allow no types or fields in them).
  const passes = (s: any) => {
    const e: StructuralError[] = [];
    validateJunctor(s, data, at, e);
    return e.length === 0;
  };
  if (Array.isArray(schema.allOf)) for (const s of schema.allOf) validateJunctor(s, data, at, errors);
  if (Array.isArray(schema.anyOf) && !schema.anyOf.some(passes)) {
    errors.push({ path: at, message: 'does not match any allowed shape (anyOf)', check: 'schema' });
  }
  if (Array.isArray(schema.oneOf) && schema.oneOf.filter(passes).length !== 1) {
    errors.push({ path: at, message: 'must match exactly one allowed shape (oneOf)', check: 'schema' });
  }
  if (schema.not && passes(schema.not)) {
    errors.push({ path: at, message: 'must not match the excluded shape (not)', check: 'schema' });
  }
}

function validateJunctor(schema: any, data: unknown, at: string, errors: StructuralError[]): void {
  if (!schema || typeof schema !== 'object') return;
  if (schema.type && !matchesType(schema.type, data)) {
    errors.push({ path: at, message: `must be ${schema.type}`, check: 'schema' });
    return;
  }
  validateValue(schema, data, at, errors);
  if (isObject(data)) {
    for (const r of schema.required ?? []) if (data[r] === undefined) errors.push({ path: `${at === '/' ? '' : at}/${r}`, message: 'required field is missing', check: 'schema' });
    for (const [k, s] of Object.entries<any>(schema.properties ?? {})) if (data[k] !== undefined) validateJunctor(s, data[k], `${at === '/' ? '' : at}/${k}`, errors);
  }
  if (Array.isArray(data) && schema.items) data.forEach((d, i) => validateJunctor(schema.items, d, `${at === '/' ? '' : at}/${i}`, errors));
}

function validateObject(schema: any, data: Record<string, unknown>, path: string, errors: StructuralError[], root: boolean): void {
  for (const r of schema.required ?? []) {
    if (data[r] === undefined) errors.push({ path: `${path}/${r}`, message: 'required field is missing', check: 'schema' });
  }
  const properties: Record<string, any> = schema.properties ?? {};
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const embedded = schema['x-kubernetes-embedded-resource'] === true;
  for (const [key, value] of Object.entries(data)) {
    if (value === undefined) continue;
    const childPath = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key in properties) {
      if (root && key === 'metadata') {
        // A CRD schema may only restrict metadata.name and metadata.generateName, and the API server applies
        // those (Kubernetes docs, "Specifying a structural schema"); the rest is ObjectMeta, checked elsewhere.
        const meta: any = properties[key];
        for (const field of ['name', 'generateName']) {
          const v = value !== null && typeof value === 'object' ? (value as any)[field] : undefined;
          if (meta?.properties?.[field] && v !== undefined) validateStructural(meta.properties[field], v, `${childPath}/${field}`, errors);
        }
        continue;
      }
      validateStructural(properties[key], value, childPath, errors);
    } else if ((root || embedded) && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) {
      if (key !== 'metadata' && typeof value !== 'string') errors.push({ path: childPath, message: 'must be string', check: 'schema' });
    } else if (schema.additionalProperties !== undefined && schema.additionalProperties !== false) {
      if (typeof schema.additionalProperties === 'object') validateStructural(schema.additionalProperties, value, childPath, errors);
    } else if (!preserve) {
      errors.push({ path: childPath, message: 'unknown field (not in the schema)', check: 'schema' });
    }
  }
}

/**
 * The object as the API server validates it: schema `default`s filled in where a field is absent, at every level
 * (Kubernetes docs, "Defaulting": defaulting happens on the object read from the request, before validation, so
 * CEL rules see defaulted fields). A copy; `data` is not changed. Metadata is not defaulted (not part of a CRD
 * schema's reach).
 */
export function withDefaults(schema: any, data: unknown, root = false): unknown {
  if (!schema || typeof schema !== 'object') return data;
  if (Array.isArray(data)) return schema.items ? data.map((item) => withDefaults(schema.items, item)) : data;
  if (!isObject(data)) return data;
  const out: Record<string, unknown> = { ...data };
  const properties: Record<string, any> = schema.properties ?? {};
  for (const [key, prop] of Object.entries(properties)) {
    if (root && key === 'metadata') continue;
    if (out[key] === undefined && prop && prop.default !== undefined) out[key] = JSON.parse(JSON.stringify(prop.default));
    if (out[key] !== undefined) out[key] = withDefaults(prop, out[key]);
  }
  if (typeof schema.additionalProperties === 'object' && schema.additionalProperties !== null) {
    for (const key of Object.keys(out)) if (!(key in properties)) out[key] = withDefaults(schema.additionalProperties, out[key]);
  }
  return out;
}

/** CEL's reserved words, which a property name is escaped as `__<word>__` for (Kubernetes docs, CEL "Escaping"). */
const CEL_RESERVED = new Set(['true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import',
  'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while']);

/**
 * A property name as CEL rules name it (Kubernetes docs, "Validation rules" > escaping): `__` as `__underscores__`,
 * `.` as `__dot__`, `-` as `__dash__`, `/` as `__slash__`, a CEL reserved word as `__<word>__`.
 */
export function celPropertyName(name: string): string {
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  return name.replace(/__/g, '__underscores__').replace(/\./g, '__dot__').replace(/-/g, '__dash__').replace(/\//g, '__slash__');
}

const celViews = new WeakMap<object, WeakMap<object, unknown>>();

/**
 * `data` as CEL rules see it: the names of the schema's properties escaped (map keys, under `additionalProperties`,
 * are not). The same object when no name needs escaping.
 */
function celView(schema: any, data: unknown): unknown {
  if (!schema || typeof schema !== 'object' || data === null || typeof data !== 'object') return data;
  let views = celViews.get(schema);
  if (views === undefined) celViews.set(schema, views = new WeakMap());
  const cached = views.get(data as object);
  if (cached !== undefined) return cached;
  let out: unknown = data;
  if (Array.isArray(data)) {
    const items = schema.items ? data.map((item) => celView(schema.items, item)) : data;
    out = items.some((v, i) => v !== data[i]) ? items : data;
  } else {
    const properties: Record<string, any> = schema.properties ?? {};
    let changed = false;
    const entries = Object.entries(data as Record<string, unknown>).map(([k, v]) => {
      const sub = k in properties ? properties[k] : (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      const name = k in properties ? celPropertyName(k) : k;
      const value = celView(sub, v);
      if (name !== k || value !== v) changed = true;
      return [name, value] as const;
    });
    out = changed ? Object.fromEntries(entries) : data;
  }
  views.set(data as object, out);
  return out;
}

function evaluateRule(rule: { rule: string; message?: string; messageExpression?: string }, self: unknown): string | undefined {
  // Transition rules compare with the previous object; on create there is none and the API server
  // skips them. Everything the library emits is a create.
  if (/\boldSelf\b/.test(rule.rule)) return undefined;
  let program;
  try {
    program = compileCel(rule.rule, ['self']);
  } catch (e) {
    if (e instanceof CelCompileError) return `CRD rule does not compile offline (${e.reason}): ${rule.rule}`;
    throw e;
  }
  const outcome = program.evaluate({ self });
  if (outcome.error !== undefined) return `CRD rule '${rule.rule}' failed to evaluate: ${outcome.error}`;
  if (outcome.value === true) return undefined;
  if (rule.messageExpression) {
    try {
      const m = compileCel(rule.messageExpression, ['self']).evaluate({ self });
      if (typeof m.value === 'string' && m.value !== '') return m.value;
    } catch {
      // fall back to the static message
    }
  }
  return rule.message ?? `failed rule: ${rule.rule}`;
}
