/**
 * `npx projen runtime-types` (run by `post-compile`, right after `jsii`): write the compact type table
 * the runtime type check reads (src/core/private/runtime-types.ts) from the jsii assembly `.jsii`.
 *
 * Why from the assembly: it is the public API exactly as jsii users (TypeScript, Python, Java, .NET, Go,
 * plain JS) see it, with struct inheritance, optionality, collections, enums and classes already resolved.
 * The table is data, not code, so generating it after the compile is not circular: the compile never
 * reads it. It is committed (CI runs no compile, like API.md) and test/core/runtime-types.test.ts checks it
 * against the TypeScript source of every struct, so a stale table fails the tests.
 *
 * Output: schemas/runtime-types.json, keys sorted, one line per type:
 * - type references are strings: `string`, `number`, `boolean`, `any`, `date`, `[]<ref>` (list), `{}<ref>`
 *   (map with string keys), `<submodule>.<Name>` (this library; `Name` alone for the root module) and
 *   `ext:<assembly>.<Name>` (a dependency's type, e.g. `ext:cdk8s.Duration`);
 * - `{ k: 's', p: { prop: [ref, required] } }` a struct (inherited properties included),
 * - `{ k: 'e', f: file, m: [members] }` an enum, `f` its module (`core/model-runtime`) below src/ or lib/,
 * - `{ k: 'c', f: file, x: [examples] }` a class (examples: its static members of its own type, the
 *   spellings an error message suggests, e.g. `GpuInstanceType.G5_XLARGE`, `GpuInstanceType.of()`),
 * - `{ k: 'i' }` a behavioural interface (any object),
 * - `{ k: 'f', a: [[param, ref, required, variadic]] }` the parameters of a public method or constructor, keyed
 *   `<class>#<method>` (`<class>#new` for the constructor), for `checkArgs` at methods that take more than structs.
 */
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'schemas', 'runtime-types.json');

type Ref = any;

export function buildTable(assembly: any): Record<string, any> {
  const name = assembly.name as string;
  const types: Record<string, any> = assembly.types;
  const key = (fqn: string) => (fqn.startsWith(`${name}.`) ? fqn.slice(name.length + 1) : `ext:${fqn}`);
  const ref = (t: Ref): string => {
    if (t.primitive) return t.primitive === 'json' ? 'any' : t.primitive;
    if (t.fqn) return key(t.fqn);
    if (t.collection) return `${t.collection.kind === 'array' ? '[]' : '{}'}${ref(t.collection.elementtype)}`;
    // jsii unions are not part of this library's public API (house style): accept anything rather than guess.
    return 'any';
  };
  const file = (t: any) => t.locationInModule.filename.replace(/^src\//, '').replace(/\.ts$/, '');
  const structProps = (fqn: string, seen = new Set<string>()): Record<string, [string, number]> => {
    const t = types[fqn];
    if (!t || seen.has(fqn)) return {};
    seen.add(fqn);
    const out: Record<string, [string, number]> = {};
    for (const base of t.interfaces ?? []) Object.assign(out, structProps(base, seen));
    for (const p of t.properties ?? []) out[p.name] = [ref(p.type), p.optional ? 0 : 1];
    return out;
  };
  const table: Record<string, any> = {};
  for (const fqn of Object.keys(types).sort()) {
    const t = types[fqn];
    if (t.kind === 'interface' && t.datatype) {
      const props = structProps(fqn);
      table[key(fqn)] = { k: 's', p: Object.fromEntries(Object.keys(props).sort().map((p) => [p, props[p]])) };
    } else if (t.kind === 'interface') {
      table[key(fqn)] = { k: 'i' };
    } else if (t.kind === 'enum') {
      table[key(fqn)] = { k: 'e', f: file(t), m: t.members.map((m: any) => m.name) };
    } else if (t.kind === 'class') {
      const own = (r: Ref) => r && r.fqn === fqn;
      const examples = [
        ...(t.properties ?? []).filter((p: any) => p.static && own(p.type)).map((p: any) => `${t.name}.${p.name}`),
        ...(t.methods ?? []).filter((m: any) => m.static && own(m.returns?.type)).map((m: any) => `${t.name}.${m.name}()`),
      ];
      table[key(fqn)] = { k: 'c', f: file(t), ...(examples.length > 0 ? { x: examples } : {}) };
      const signature = (params: any[]) => ({ k: 'f', a: params.map((p: any) => [p.name, ref(p.type), p.optional ? 0 : 1, p.variadic ? 1 : 0]) });
      if (t.initializer?.parameters?.length) table[`${key(fqn)}#new`] = signature(t.initializer.parameters);
      for (const m of t.methods ?? []) {
        if (m.parameters?.length) table[`${key(fqn)}#${m.name}`] = signature(m.parameters);
      }
    }
  }
  return table;
}

export function render(table: Record<string, any>): string {
  const lines = Object.keys(table).map((k) => `${JSON.stringify(k)}:${JSON.stringify(table[k])}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

if (require.main === module) {
  const assembly = JSON.parse(fs.readFileSync(path.join(ROOT, '.jsii'), 'utf8'));
  const text = render(buildTable(assembly));
  fs.writeFileSync(OUT, text);
  console.log(`${path.relative(ROOT, OUT)}: ${Object.keys(JSON.parse(text)).length} types, ${text.length} bytes`);
}
