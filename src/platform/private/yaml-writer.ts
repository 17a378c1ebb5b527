import { Yaml } from 'cdk8s';

/**
 * Writes synthesized Kubernetes objects as YAML, byte-identical to cdk8s `Yaml.stringify` (the `yaml`
 * package, YAML 1.1, `lineWidth: 0`), without building a `yaml` Document per object.
 *
 * The block structure of JSON-shaped data is fixed (two-space maps, `- ` sequence items indented under
 * their key, `{}`/`[]` for empty collections), so it is emitted directly. How a scalar is written (plain,
 * quoted, which quotes) is the `yaml` package's decision: every distinct scalar is rendered once by
 * cdk8s `Yaml.stringify` itself (in batches) and reused. Anything outside the shapes emitted here (a
 * scalar the library writes over several lines, a map whose values are all null, an object met twice,
 * a non-plain object, undefined) makes that object go through `Yaml.stringify` unchanged.
 */
export class YamlWriter {
  /** Batch size for rendering scalars through the library. */
  private static readonly BATCH = 2000;

  /** How the library writes a scalar as a value (`undefined`: not single-line, use the library). */
  private readonly values = new Map<unknown, string | undefined>();
  /** How the library writes a string as a map key. */
  private readonly keys = new Map<string, string | undefined>();

  /**
   * Render every scalar and key of these objects once (batched), before `stringify`.
   */
  public prepare(objects: any[]): void {
    const values = new Set<unknown>();
    const keys = new Set<string>();
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) {
        for (const x of node) visit(x);
      } else if (node !== null && typeof node === 'object') {
        for (const k of Object.keys(node)) {
          if (!this.keys.has(k)) keys.add(k);
          visit((node as any)[k]);
        }
      } else if (!this.values.has(node)) {
        values.add(node);
      }
    };
    for (const o of objects) visit(o);
    this.renderValues([...values]);
    this.renderKeys([...keys]);
  }

  /**
   * The YAML of one object, as `Yaml.stringify(object)` writes it.
   */
  public stringify(object: unknown): string {
    if (object !== null && typeof object === 'object' && !Array.isArray(object) && isPlain(object)) {
      const body = this.emit(object, '', new Set());
      if (body !== undefined) return `${body}\n`;
    }
    return Yaml.stringify(object);
  }

  /** The node with its first line unindented and the others indented by `indent`; undefined: use the library. */
  private emit(node: unknown, indent: string, seen: Set<object>): string | undefined {
    if (node === null || typeof node !== 'object') return this.value(node);
    if (!isPlain(node) || seen.has(node)) return undefined;
    seen.add(node);
    const inner = `${indent}  `;
    if (Array.isArray(node)) {
      if (node.length === 0) return '[]';
      let out = '';
      for (let i = 0; i < node.length; i++) {
        const item = this.emit(node[i], inner, seen);
        if (item === undefined) return undefined;
        out += i === 0 ? `- ${item}` : `\n${indent}- ${item}`;
      }
      return out;
    }
    const keys = Object.keys(node);
    if (keys.length === 0) return '{}';
    let out = '';
    let allNull = true;
    for (let i = 0; i < keys.length; i++) {
      const key = this.key(keys[i]);
      if (key === undefined) return undefined;
      const v = (node as any)[keys[i]];
      if (v !== null) allNull = false;
      const value = this.emit(v, inner, seen);
      if (value === undefined) return undefined;
      const collection = v !== null && typeof v === 'object' && (Array.isArray(v) ? v.length > 0 : Object.keys(v).length > 0);
      const pair = collection ? `${key}:\n${inner}${value}` : `${key}: ${value}`;
      out += i === 0 ? pair : `\n${indent}${pair}`;
    }
    // A map whose values are all null is written as a set of explicit keys (`? key`).
    return allNull ? undefined : out;
  }

  private value(scalar: unknown): string | undefined {
    if (Object.is(scalar, -0)) return undefined;
    if (!this.values.has(scalar)) this.renderValues([scalar]);
    return this.values.get(scalar);
  }

  private key(key: string): string | undefined {
    if (!this.keys.has(key)) this.renderKeys([key]);
    return this.keys.get(key);
  }

  /** Render values as the library does, as `k<i>: <value>` lines of one map per batch. */
  private renderValues(scalars: unknown[]): void {
    const todo = scalars.filter((s) => {
      if (isPlainWord(s)) {
        this.values.set(s, s as string);
        return false;
      }
      if (isRenderable(s)) return true;
      this.values.set(s, undefined);
      return false;
    });
    for (let start = 0; start < todo.length; start += YamlWriter.BATCH) {
      const batch = todo.slice(start, start + YamlWriter.BATCH);
      const map: Record<string, unknown> = {};
      batch.forEach((s, i) => { map[`k${i}`] = s; });
      map.end = 0; // never all-null values
      const lines = Yaml.stringify(map).split('\n');
      const ok = lines.length === batch.length + 2 && batch.every((_, i) => lines[i].startsWith(`k${i}: `));
      batch.forEach((s, i) => {
        if (ok) {
          this.values.set(s, lines[i].slice(`k${i}: `.length));
        } else {
          const single = Yaml.stringify({ k: s, end: 0 }).split('\n');
          this.values.set(s, single.length === 3 && single[0].startsWith('k: ') ? single[0].slice(3) : undefined);
        }
      });
    }
  }

  /** Render keys as the library does, as `<key>: 0` lines of one map per batch. */
  private renderKeys(keys: string[]): void {
    const todo = keys.filter((k) => {
      if (isPlainWord(k)) {
        this.keys.set(k, k);
        return false;
      }
      if (isRenderable(k) && k !== '__proto__') return true;
      this.keys.set(k, undefined);
      return false;
    });
    for (let start = 0; start < todo.length; start += YamlWriter.BATCH) {
      const map: Record<string, number> = {};
      for (const k of todo.slice(start, start + YamlWriter.BATCH)) map[k] = 0;
      // Object.keys order (integer-like keys first) is the order the library writes them in.
      const order = Object.keys(map);
      const lines = Yaml.stringify(map).split('\n');
      const ok = lines.length === order.length + 1 && lines.slice(0, -1).every((l) => l.endsWith(': 0'));
      order.forEach((k, i) => {
        if (ok) {
          this.keys.set(k, lines[i].slice(0, -': 0'.length));
        } else {
          const single = Yaml.stringify({ [k]: 0 }).split('\n');
          this.keys.set(k, single.length === 2 && single[0].endsWith(': 0') ? single[0].slice(0, -': 0'.length) : undefined);
        }
      });
    }
  }
}

/**
 * Strings the library writes as they are, key or value, known without asking it: one line of
 * printable ASCII starting with a letter or digit (so no indicator up front and no document marker),
 * without `: `, ` #`, a trailing `:` or space (the plain-scalar exclusions), shorter than the 1024-character implicit key
 * limit), with a letter outside `a-f`, `t`, `x`, `z` (case-insensitive) and not one of YAML 1.1's bool,
 * null, inf or nan words, so that no YAML 1.1 scalar type reads it as anything but a string: numbers
 * (incl. hex, binary, sexagesimal) use only digits, `_`, `.`, `:`, `+`, `-`, `e`, `x`, `b` and `a-f`;
 * timestamps digits, `-`, `:`, `.`, `t`, `z` and spaces. The tests check this against the library.
 */
function isPlainWord(s: unknown): boolean {
  return typeof s === 'string' && s.length > 0 && s.length < 1000
    && /^[A-Za-z0-9][\x20-\x7e]*$/.test(s)
    && !/: | #| $|:$/.test(s)
    && /[g-su-wyG-SU-WY]/.test(s)
    && !/^[-+]?\.?(y|yes|n|no|true|false|on|off|null|inf|nan)$/i.test(s);
}

/** Plain arrays and objects only (class instances, Dates, Maps go through the library). */
function isPlain(node: object): boolean {
  if (Array.isArray(node)) return true;
  const proto = Object.getPrototypeOf(node);
  return proto === Object.prototype || proto === null;
}

/**
 * Scalars whose rendering does not depend on where they stand: single-line JSON scalars without
 * control characters and not starting like a document marker (the library writes those differently at
 * the top level).
 */
function isRenderable(s: unknown): boolean {
  switch (typeof s) {
    case 'boolean':
      return true;
    case 'number':
      // -0 is written '-0' but shares its Map key with 0.
      return Number.isFinite(s) && !Object.is(s, -0);
    case 'string':
      return !/[\n\r\x00-\x1f\x7f-\x9f\u{D800}-\u{DFFF}]/u.test(s) && !/^(%|---|\.\.\.)/.test(s);
    case 'object':
      return s === null;
    default:
      return false;
  }
}
