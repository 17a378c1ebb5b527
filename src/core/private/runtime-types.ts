import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { ProblemCollector, ValidationError, ValidationProblem } from '../errors';

/**
 * The runtime type check at the public boundaries: a props object (or a spec) against its jsii type,
 * recursively, so that a plain-JS or jsii-language caller who passes a wrong type, a `null` list entry, an
 * unknown enum value or a look-alike object of an enum-like class gets a ValidationError naming the path
 * (`tenants[2].models[0].gpuCount`), never a TypeError from deep inside a construct.
 *
 * The types come from schemas/runtime-types.json, a compact table generated from the jsii assembly
 * (`npx projen runtime-types`, projenrc/runtime-types.ts; its format is described there). It is read once,
 * on the first check (about 70 KB of JSON, a millisecond or two), never when the package is loaded.
 *
 * What is checked: required props present; primitives (`string`, `number` (finite), `boolean`, `Date`);
 * lists (each entry, `null`/`undefined` entries included) and maps (each value); structs (recursively;
 * props the type does not declare are left alone: spreading a wider object is normal); enums (the value
 * is one of the enum's members); classes (a real instance: `instanceof`, or a class of the same name in the
 * prototype chain when two copies of the library are loaded); behavioural interfaces (any object).
 * `any`/`json` props are not checked. Domain rules (ranges, names, references) are the constructs' and
 * the spec validator's.
 *
 * Two one-line boundary calls: `checkProps` for a struct argument (props, options), `checkArgs` for methods
 * that take more than structs (every argument against its parameter).
 */

/** Table entry: a struct, an enum, a class or a behavioural interface (see projenrc/runtime-types.ts). */
interface TypeEntry {
  readonly k: 's' | 'e' | 'c' | 'i' | 'f';
  /** struct props: name -> [type reference, required (1) or not (0)] */
  readonly p?: Record<string, [string, number]>;
  /** module of an enum or class, relative to src/ (lib/ once compiled), without extension */
  readonly f?: string;
  /** enum members */
  readonly m?: string[];
  /** spellings of a class's values (static members of its own type) */
  readonly x?: string[];
  /** a method's parameters: [name, type reference, required (1) or not (0), variadic (1) or not (0)] */
  readonly a?: [string, string, number, number][];
}

let table: Record<string, TypeEntry> | undefined;
const enumValues = new Map<string, any[]>();
const classes = new Map<string, Function | undefined>();

function types(): Record<string, TypeEntry> {
  if (!table) {
    // src/core/private (ts) and lib/core/private (js) are both three levels below the package root.
    table = JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'schemas', 'runtime-types.json'), 'utf8')) as Record<string, TypeEntry>;
  }
  return table;
}

function entry(type: string): TypeEntry {
  const t = types()[type];
  if (!t) throw new Error(`cdk-llm-platform: no runtime type '${type}' in schemas/runtime-types.json (regenerate it: npx projen compile)`);
  return t;
}

/** The module of an enum or class (already loaded by whoever passed its values, so this is a cache hit). */
function moduleOf(t: TypeEntry): any {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(path.resolve(__dirname, '..', '..', t.f!));
}

function valuesOf(type: string, t: TypeEntry): any[] {
  let values = enumValues.get(type);
  if (!values) {
    const e = moduleOf(t)[shortName(type)];
    values = (t.m ?? []).map((m) => e?.[m]);
    enumValues.set(type, values);
  }
  return values;
}

function classOf(type: string, t: TypeEntry): Function | undefined {
  if (!classes.has(type)) classes.set(type, moduleOf(t)[shortName(type)]);
  return classes.get(type);
}

function shortName(type: string): string {
  const name = type.startsWith('ext:') ? type.slice(4) : type;
  return name.slice(name.lastIndexOf('.') + 1);
}

/** Whether a class called `name` is in the prototype chain of `value` (another copy of the same library). */
function hasClassNamed(value: any, name: string): boolean {
  for (let proto = Object.getPrototypeOf(value); proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    if (proto.constructor?.name === name) return true;
  }
  return false;
}

function article(noun: string): string {
  return /^[aeiouAEIOU]/.test(noun) ? `an ${noun}` : `a ${noun}`;
}

/** `a list of GpuPoolSpec objects`, `a string`, `one of GpuCapacityType.ON_DEMAND, ...` */
export function describeType(type: string): string {
  if (type === 'string' || type === 'number' || type === 'boolean') return `a ${type}`;
  if (type === 'date') return 'a Date';
  if (type === 'any') return 'any value';
  if (type.startsWith('[]')) return `a list of ${plural(type.slice(2))}`;
  if (type.startsWith('{}')) return `a map of string keys to ${plural(type.slice(2))}`;
  const name = shortName(type);
  if (type.startsWith('ext:')) return article(name);
  const t = entry(type);
  if (t.k === 's') return `${article(name)} object`;
  return article(name);
}

function plural(type: string): string {
  if (type === 'string' || type === 'number' || type === 'boolean') return `${type}s`;
  if (type === 'date') return 'Dates';
  if (type === 'any') return 'values';
  if (type.startsWith('[]')) return 'lists';
  if (type.startsWith('{}')) return 'maps';
  const name = shortName(type);
  return !type.startsWith('ext:') && entry(type).k === 's' ? `${name} objects` : `${name} values`;
}

/** How to make a value of a class: its named members and factories (`GpuInstanceType.G5_XLARGE, ... or GpuInstanceType.of()`). */
function classSpellings(type: string, t: TypeEntry): string {
  const name = shortName(type);
  const examples = t.x ?? [];
  if (examples.length === 0) return `an instance made by ${name}'s constructor`;
  const members = examples.filter((e) => !e.endsWith('()'));
  const factories = examples.filter((e) => e.endsWith('()'));
  return orList([...members.slice(0, 3), ...(members.length > 3 ? ['...'] : []), ...factories]);
}

/** `a`, `a or b`, `a, b or c` */
function orList(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function join(prefix: string, prop: string): string {
  if (prefix === '') return prop;
  return prop.startsWith('[') ? `${prefix}${prop}` : `${prefix}.${prop}`;
}

class Checker {
  /** problems with the raw value (rendered by ProblemCollector) */
  public readonly problems: { prop: string; problem: string; value: any; fix: string }[] = [];
  private readonly ancestors = new Set<any>();

  /**
   * @param root the name of the value itself in messages
   * @param skip props of the value itself that the caller checks another way
   */
  constructor(private readonly root: string, private readonly skip: string[] = []) {}

  public check(type: string, value: any, at: string): void {
    if (type === 'any') return;
    if (value === undefined || value === null) {
      // callers decide whether nothing is fine (optional props); here a value is needed
      this.add(at, type, value, `set '${this.name(at)}' to ${describeType(type)}`);
      return;
    }
    switch (type) {
      case 'string':
      case 'boolean':
        if (typeof value !== type) this.wrongType(at, type, value);
        return;
      case 'number':
        if (typeof value !== 'number' || !Number.isFinite(value)) this.wrongType(at, type, value);
        return;
      case 'date':
        if (!(value instanceof Date)) this.wrongType(at, type, value);
        return;
    }
    if (type.startsWith('[]')) {
      if (!Array.isArray(value)) {
        this.wrongType(at, type, value, typeof value === 'string' || typeof value === 'number' ? `; a single value goes in a list: [${ValidationError.render(value)}]` : '');
        return;
      }
      this.nested(value, () => value.forEach((v, i) => {
        const p = `${at}[${i}]`;
        if (v === undefined || v === null) {
          this.add(p, type.slice(2), v, `remove the ${v === null ? 'null' : 'empty'} entry or set it to ${describeType(type.slice(2))}`);
        } else {
          this.check(type.slice(2), v, p);
        }
      }));
      return;
    }
    if (type.startsWith('{}')) {
      if (typeof value !== 'object' || Array.isArray(value)) {
        this.wrongType(at, type, value);
        return;
      }
      this.nested(value, () => {
        for (const [k, v] of Object.entries(value)) {
          const p = `${at}[${k}]`;
          if (v === undefined) continue;
          this.check(type.slice(2), v, p);
        }
      });
      return;
    }
    const name = shortName(type);
    if (type.startsWith('ext:')) {
      // a dependency's type: interfaces (IConstruct, ...) take any object, classes (Duration, Size, Cpu) their instances
      const isObject = typeof value === 'object' || typeof value === 'function';
      const ok = /^I[A-Z]/.test(name) ? isObject : isObject && hasClassNamed(value, name);
      if (!ok) this.wrongType(at, type, value, `; use ${type.slice(4).split('.')[0]}'s ${name} (e.g. its static factories)`);
      return;
    }
    const t = entry(type);
    switch (t.k) {
      case 'e':
        if (!valuesOf(type, t).includes(value)) {
          this.problems.push({
            prop: this.name(at),
            problem: `must be ${article(name)}`,
            value,
            fix: `use ${orList((t.m ?? []).map((m) => `${name}.${m}`))}`,
          });
        }
        return;
      case 'c': {
        const cls = classOf(type, t);
        const ok = typeof value === 'object' && ((cls !== undefined && value instanceof cls) || hasClassNamed(value, name));
        if (!ok) {
          const lookalike = typeof value === 'object' && !Array.isArray(value);
          this.problems.push({
            prop: this.name(at),
            problem: `must be ${article(name)}`,
            value,
            fix: `use ${classSpellings(type, t)}${lookalike ? ` (an object that only looks like ${article(name)} is not one)` : ''}`,
          });
        }
        return;
      }
      case 'i':
        if (typeof value !== 'object' && typeof value !== 'function') this.wrongType(at, type, value);
        return;
      case 's':
        if (typeof value !== 'object' || Array.isArray(value)) {
          this.wrongType(at, type, value);
          return;
        }
        this.nested(value, () => {
          for (const [prop, [propType, required]] of Object.entries(t.p ?? {})) {
            if ((at === '' && this.skip.includes(prop)) || propType === 'any') continue;
            const v = value[prop];
            const p = join(at, prop);
            if (v === undefined && !required) continue;
            if (v === undefined || (v === null && required)) {
              this.problems.push({ prop: this.name(p), problem: `is required (${describeType(propType)})`, value: v, fix: `set '${this.name(p)}'` });
            } else if (v === null) {
              this.add(p, propType, v, `leave '${this.name(p)}' out or set it to ${describeType(propType)}`);
            } else {
              this.check(propType, v, p);
            }
          }
        });
        return;
    }
  }

  private nested(value: any, fn: () => void): void {
    if (this.ancestors.has(value)) return; // a cycle: its values were checked on the way in
    this.ancestors.add(value);
    try {
      fn();
    } finally {
      this.ancestors.delete(value);
    }
  }

  private wrongType(at: string, type: string, value: any, hint = ''): void {
    this.add(at, type, value, `set '${this.name(at)}' to ${describeType(type)}${hint}`);
  }

  private add(at: string, type: string, value: any, fix: string): void {
    this.problems.push({ prop: this.name(at), problem: `must be ${describeType(type)}`, value, fix });
  }

  private name(at: string): string {
    // a list or map at the root: its entries are `<root>[i]`; a struct's props are named relative to it
    return at === '' || at.startsWith('[') ? `${this.root}${at}` : at;
  }
}

/**
 * Every type problem of `value` as a `type` (empty when it fits). Paths are relative to `value`
 * (`tenants[2].gpuQuota`); a problem with `value` itself is reported as `root`.
 *
 * @param type a type of the jsii assembly: `<submodule>.<Name>` (`platform.PlatformSpec`), or `Name` for the root module
 * @param value what the caller passed
 * @param root the name of `value` itself in messages
 */
export function typeProblems(type: string, value: any, root = 'props'): ValidationProblem[] {
  const collector = new ProblemCollector();
  collectTypeProblems(collector, type, value, root);
  return collector.problems;
}

/**
 * Record every type problem of `value` as a `type` in `collector` (as `typeProblems`).
 *
 * @param skip props of `value` itself not to check (the caller checks them another way)
 * @returns whether there was none (so the caller can skip checks that need well-typed input)
 */
export function collectTypeProblems(collector: ProblemCollector, type: string, value: any, root = 'props', skip: string[] = []): boolean {
  const checker = new Checker(root, skip);
  checker.check(type, value, '');
  for (const p of checker.problems) collector.add(p.prop, p.problem, p.value, p.fix);
  return checker.problems.length === 0;
}

/**
 * The one-line boundary check at the top of a public constructor or method that takes a struct: throw one
 * ValidationError listing every type problem of the argument (nothing when it fits).
 *
 * ```ts
 * constructor(scope: Construct, id: string, props: NetworkProps) {
 *   super(scope, id);
 *   checkProps('aws.NetworkProps', props, 'props', this);
 * ```
 *
 * @param type the argument's type, as in `typeProblems`
 * @param value what the caller passed (`undefined` is fine where every prop of the type is optional)
 * @param root the parameter's name, for problems with the value itself (`'props' must be a NetworkProps object`)
 * @param scope the construct the problems belong to (its path prefixes the message)
 */
export function checkProps(type: string, value: any, root = 'props', scope?: IConstruct): void {
  if (value === undefined && Object.values(entry(type).p ?? {}).every(([, required]) => !required)) return;
  const collector = new ProblemCollector(scope);
  collectTypeProblems(collector, type, value, root);
  collector.throwIfAny();
}

/**
 * The one-line boundary check at the top of a public method (or constructor) that takes more than structs:
 * every argument against its parameter's type, one ValidationError listing every problem, each named after
 * the parameter (`'trustDomain' must be a string, got 3`; inside a struct argument, the struct's own paths).
 *
 * ```ts
 * public static ofModel(model: IModelService, trustDomain?: string): MeshPrincipal {
 *   checkArgs('mesh.MeshPrincipal#ofModel', [model, trustDomain]);
 * ```
 *
 * @param signature `<class>#<method>` (`<class>#new` for a constructor), as in schemas/runtime-types.json
 * @param args the arguments in parameter order (a variadic parameter's values last, spread)
 * @param scope the construct the problems belong to (its path prefixes the message)
 */
export function checkArgs(signature: string, args: any[], scope?: IConstruct): void {
  const params = entry(signature).a ?? [];
  const collector = new ProblemCollector(scope);
  params.forEach(([name, type, required, variadic], i) => {
    if (type === 'any') return;
    if (variadic) {
      args.slice(i).forEach((v, j) => collectTypeProblems(collector, type, v, `${name}[${j}]`));
      return;
    }
    const v = args[i];
    if (v === undefined && !required) return;
    if (v === undefined || (v === null && required)) {
      collector.add(name, `is required (${describeType(type)})`, v, `pass '${name}'`);
    } else if (v === null) {
      collector.add(name, `must be ${describeType(type)}`, v, `leave '${name}' out or pass ${describeType(type)}`);
    } else {
      collectTypeProblems(collector, type, v, name);
    }
  });
  collector.throwIfAny();
}
