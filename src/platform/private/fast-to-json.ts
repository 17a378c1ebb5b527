import { ApiObject, App, ImplicitTokenResolver, JsonPatch, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * `ApiObject.toJson()` without cdk8s's per-value overhead, for `KubernetesPlatform.manifests()` (internal).
 *
 * cdk8s (2.68 to 2.70: `lib/api-object.js`, `lib/resolve.js`, `lib/_util.js`, `lib/metadata.js`) resolves an object
 * by walking every value with `App.of(apiObject).resolvers` looked up again per value (a walk up the
 * construct tree) and a new key path array per value, then walks the result again to sort keys and drop
 * empty values (`sanitizeValue`). With the App's default resolvers only (`LazyResolver`,
 * `ImplicitTokenResolver`, `NumberStringUnionResolver`, in that order; none reads the key path) the same
 * result comes from one walk: each value is resolved as those resolvers would (a `Lazy` produces, an object
 * with a `resolve()` method resolves, a class instance with a string or number `value` becomes
 * `{ value }`, each again until no resolver replaces it), then arrays map element by element and plain
 * objects take their keys sorted, values sanitized, null and undefined dropped (`filterEmptyArrays` and
 * `filterEmptyObjects` for the metadata, as cdk8s's `ApiObjectMetadataDefinition.toJson()`).
 *
 * The generated classes' own `toJson()` (`super.toJson()` then their field renames) stay as they are: only
 * `ApiObject.prototype.toJson` is replaced, and only while `fn` runs. Whenever the fast path cannot promise
 * the same result (another cdk8s release, custom resolvers on the App, `CDK8S_DISABLE_SORT` set, a value it would reject), the
 * object goes through cdk8s's own `toJson()`, so errors read as cdk8s reports them. A test compares both
 * paths over every object of every example platform.
 */
export function withFastToJson<T>(fn: () => T): T {
  const original = ApiObject.prototype.toJson;
  if (process.env.CDK8S_DISABLE_SORT || !FAST_PATH_VERSIONS.test(cdk8sVersion())) return fn();
  ApiObject.prototype.toJson = function fastToJson(this: ApiObject): any {
    let json: any;
    try {
      json = fastJson(this);
    } catch {
      // a producer or resolver threw: cdk8s's own toJson() throws it as cdk8s reports it ("Failed serializing construct ...")
      json = undefined;
    }
    return json === undefined ? original.call(this) : json;
  };
  try {
    return fn();
  } finally {
    ApiObject.prototype.toJson = original;
  }
}

/**
 * The cdk8s releases whose `toJson()`, `resolve()`, `sanitizeValue()`, metadata and default resolvers were read
 * for this and found the same: 2.68.12 (the lowest release of the peer range `^2.68.11`) and 2.70.106 (the dev
 * dependency). Any other release takes cdk8s's own path; a test fails when the dev dependency leaves this range.
 */
export const FAST_PATH_VERSIONS = /^2\.(68|69|70)\.\d+$/;

let installedVersion: string | undefined;

/** The version of the cdk8s this process loaded. */
export function cdk8sVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  installedVersion ??= String(require('cdk8s/package.json').version);
  return installedVersion;
}

/** Thrown inside the fast path where cdk8s would reject a value: the object goes through cdk8s's toJson(). */
const FALL_BACK = Symbol('fall back to cdk8s');

/** Whether the App resolves with exactly cdk8s's default resolvers (checked per object: `resolvers` is a mutable array). */
function hasDefaultResolvers(app: any): boolean {
  const r: unknown[] = app.resolvers ?? [];
  return r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
}

function fastJson(o: ApiObject): any {
  const m: any = o.metadata;
  // the fields the releases above keep (any other shape: cdk8s's own path)
  if (!hasDefaultResolvers(App.of(o)) || !('_additionalAttributes' in m) || !Array.isArray((o as any).patches) || typeof (o as any).props !== 'object') return undefined;
  const metadata = sanitized({
    ...m._additionalAttributes,
    name: m.name,
    namespace: m.namespace,
    annotations: m.annotations,
    finalizers: m.finalizers,
    ownerReferences: m.ownerReferences,
    labels: m.labels,
  }, true);
  const json = sanitized({ ...(o as any).props, metadata }, false);
  const patched = JsonPatch.apply(json, ...((o as any).patches as JsonPatch[]));
  const result: any = {};
  for (const k of ['apiVersion', 'kind', 'metadata', ...Object.keys(patched)]) {
    if (k in patched) result[k] = patched[k];
  }
  return result;
}

/** The value as the default resolvers leave it (cdk8s `resolve()` before it descends into arrays and objects). */
function resolved(value: any): any {
  for (;;) {
    if (value == null) return value;
    if (value instanceof Lazy) {
      value = value.produce();
      continue;
    }
    if (typeof value.resolve === 'function') {
      value = value.resolve();
      continue;
    }
    if (value.constructor !== Object && (typeof value.value === 'number' || typeof value.value === 'string')) {
      value = { value: value.value };
      continue;
    }
    return value;
  }
}

/** cdk8s `sanitizeValue(resolve([], value))`, in one walk (`filterEmpty`: the metadata's empty array and object filters). */
function sanitized(raw: any, filterEmpty: boolean): any {
  const value = resolved(raw);
  if (value == null) return undefined;
  if (typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    if (filterEmpty && value.length === 0) return undefined;
    return value.map((x) => sanitized(x, filterEmpty));
  }
  // cdk8s resolves only plain objects' values and then rejects any other object: let cdk8s say so
  if (value.constructor !== Object) throw FALL_BACK;
  // values resolved in the object's own key order (as cdk8s resolves, so Lazy producers run in the same
  // order), written in sorted key order without null and undefined (as cdk8s sanitizes)
  const keys = Object.keys(value);
  const values = keys.map((key) => sanitized(value[key], filterEmpty));
  let order: number[] | undefined;
  for (let i = 1; i < keys.length; i++) {
    if (keys[i - 1] > keys[i]) {
      order = keys.map((_, j) => j).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
      break;
    }
  }
  const out: any = {};
  let empty = true;
  for (let i = 0; i < keys.length; i++) {
    const at = order ? order[i] : i;
    const v = values[at];
    if (v != null) {
      out[keys[at]] = v;
      empty = false;
    }
  }
  return filterEmpty && empty ? undefined : out;
}
