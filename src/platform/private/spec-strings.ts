/**
 * Every string of a spec value with its spec path (`models[0].image`, `images.addons['kyverno/kyverno']`), through
 * plain objects, arrays and the spec's value classes (ModelSource, WeightVerification: their own enumerable fields).
 */
export function forEachSpecString(value: unknown, visit: (text: string, path: string) => void, path = ''): void {
  mapSpecStrings(value, (text, at) => {
    visit(text, at);
    return text;
  }, path);
}

/**
 * The spec value with `map` applied to each of its strings. Unchanged values (and every object none of whose strings
 * changed) are returned as they are; a changed object is copied with its prototype, so a value class keeps its
 * methods. Functions and class instances without enumerable fields are kept.
 */
export function mapSpecStrings<T>(value: T, map: (text: string, path: string) => string, path = ''): T {
  return walk(value, map, path, new Map()) as T;
}

function walk(value: unknown, map: (text: string, path: string) => string, path: string, seen: Map<object, unknown>): unknown {
  if (typeof value === 'string') return map(value, path);
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return seen.get(value);
  if (Array.isArray(value)) {
    seen.set(value, value);
    const out = value.map((v, i) => walk(v, map, `${path}[${i}]`, seen));
    const changed = out.some((v, i) => v !== value[i]);
    seen.set(value, changed ? out : value);
    return changed ? out : value;
  }
  seen.set(value, value);
  const entries = Object.entries(value as object);
  let changed = false;
  const next = entries.map(([k, v]) => {
    const key = /^[A-Za-z_$][\w$]*$/.test(k) ? `${path === '' ? '' : `${path}.`}${k}` : `${path}['${k}']`;
    const w = walk(v, map, key, seen);
    if (w !== v) changed = true;
    return [k, w] as const;
  });
  if (!changed) return value;
  const copy = Object.assign(Object.create(Object.getPrototypeOf(value)), Object.fromEntries(next));
  seen.set(value, copy);
  return copy;
}
