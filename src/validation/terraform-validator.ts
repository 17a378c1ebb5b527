import * as fs from 'fs';
import { awsProviderSchema } from './private/schema-files';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * One problem found in a Terraform JSON configuration.
 */
export interface TerraformFinding {
  /**
   * What found it: `json`, `unknown-type`, `unknown-argument`, `computed-only`, `required`,
   * `block-count`, `type`, `reference`.
   */
  readonly check: string;

  /**
   * The resource or data source address (`aws_eks_cluster.main`, `data.aws_iam_policy_document.x`).
   */
  readonly address: string;

  /**
   * Path inside it (`vpc_config.0.endpoint_public_access`).
   */
  readonly path: string;

  /**
   * What is wrong.
   */
  readonly message: string;
}

/**
 * Options for `TerraformValidator`.
 */
export interface TerraformValidatorProps {
  /**
   * Resource and data source type prefixes of other providers that the configuration may use without
   * a schema to check them against (e.g. `['time_', 'random_']`).
   *
   * @default - none: every type must be in the AWS provider schema
   */
  readonly unvalidatedTypePrefixes?: string[];
}

/**
 * The result of validating a Terraform JSON configuration.
 */
export class TerraformReport {
  /** Every finding. */
  public readonly findings: TerraformFinding[];
  /** How many resources and data sources were validated. */
  public readonly blockCount: number;

  constructor(findings: TerraformFinding[], blockCount: number) {
    checkArgs('validation.TerraformReport#new', [findings, blockCount]);
    this.findings = findings;
    this.blockCount = blockCount;
  }

  /** Whether there are no findings. */
  public get ok(): boolean {
    return this.findings.length === 0;
  }

  /** One line per finding. */
  public toString(): string {
    if (this.ok) return `${this.blockCount} resources/data sources valid`;
    return `${this.findings.length} problem(s) in ${this.blockCount} resources/data sources:\n${this.findings
      .map((f) => `  - ${f.address}: ${f.path || '<root>'}: ${f.message} (${f.check})`).join('\n')}`;
  }
}

const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'lifecycle', 'provider', 'provisioner', 'connection', '//', 'dynamic']);
const REFERENCE_ROOTS = new Set(['var', 'local', 'module', 'each', 'count', 'self', 'path', 'terraform', 'data']);

interface Schemas {
  readonly resources: Record<string, any>;
  readonly dataSources: Record<string, any>;
}

/**
 * Checks a `cdk.tf.json` against the hashicorp/aws 6.25.0 provider schema (the version
 * `@cdktf/provider-aws` 21.22.1 is generated from), offline:
 *
 * - every resource and data source type exists,
 * - no unknown or computed-only arguments; required arguments present; nested block counts within
 *   `min_items`/`max_items`; attribute values of the declared type,
 * - every `${...}` reference and `depends_on` entry names a declared resource, data source, variable
 *   or local, and an attribute that type has.
 *
 * This covers what `terraform validate` checks for a single provider. A `terraform` binary cannot
 * download providers here; tests that run it detect it first.
 */
export class TerraformValidator {
  private readonly unvalidated: string[];

  constructor(props: TerraformValidatorProps = {}) {
    checkProps('validation.TerraformValidatorProps', props, 'props');
    this.unvalidated = props.unvalidatedTypePrefixes ?? [];
  }

  /**
   * Validate a synthesized `cdk.tf.json` file.
   */
  public validateFile(file: string): TerraformReport {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf-8');
    } catch (e: any) {
      return new TerraformReport([{ check: 'json', address: file, path: '', message: `cannot read: ${e.message}` }], 0);
    }
    return this.validateJson(text);
  }

  /**
   * Validate Terraform JSON text.
   */
  public validateJson(text: string): TerraformReport {
    let config: any;
    try {
      config = JSON.parse(text);
    } catch (e: any) {
      return new TerraformReport([{ check: 'json', address: '<config>', path: '', message: `invalid JSON: ${e.message}` }], 0);
    }
    return this.validateConfig(config);
  }

  /**
   * Validate a parsed Terraform JSON configuration.
   */
  public validateConfig(config: any): TerraformReport {
    const findings: TerraformFinding[] = [];
    if (config === null || typeof config !== 'object') {
      return new TerraformReport([{ check: 'json', address: '<config>', path: '', message: 'expected a JSON object' }], 0);
    }
    const providerSchema = awsProviderSchema().provider_schemas['registry.terraform.io/hashicorp/aws'];
    const schemas: Schemas = { resources: providerSchema.resource_schemas, dataSources: providerSchema.data_source_schemas };
    let count = 0;
    const declared = collectDeclarations(config);

    for (const [kindKey, table, prefix] of [['resource', schemas.resources, ''], ['data', schemas.dataSources, 'data.']] as const) {
      for (const [type, instances] of Object.entries<any>(config[kindKey] ?? {})) {
        for (const [name, body] of Object.entries<any>(instances ?? {})) {
          count++;
          const address = `${prefix}${type}.${name}`;
          const schema = table[type];
          if (!schema) {
            if (!this.unvalidated.some((p) => type.startsWith(p))) {
              findings.push({ check: 'unknown-type', address, path: '', message: `${kindKey === 'data' ? 'data source' : 'resource'} type '${type}' does not exist in hashicorp/aws 6.25.0` });
            }
            continue;
          }
          validateBlock(schema.block, body, address, '', findings, true);
        }
      }
    }
    // References are checked everywhere: resources, data sources, outputs, locals, providers.
    walkStrings(config, '', (value, where) => {
      for (const ref of extractReferences(value)) {
        const problem = checkReference(ref, declared, schemas, this.unvalidated);
        if (problem) findings.push({ check: 'reference', address: where.split('/')[0] || '<config>', path: where, message: problem });
      }
    });
    for (const [kindKey, prefix] of [['resource', ''], ['data', 'data.']] as const) {
      for (const [type, instances] of Object.entries<any>(config[kindKey] ?? {})) {
        for (const [name, body] of Object.entries<any>(instances ?? {})) {
          for (const dep of body?.depends_on ?? []) {
            const ref = String(dep).replace(/^\$\{|\}$/g, '');
            const problem = checkReference(ref, declared, schemas, this.unvalidated);
            if (problem) findings.push({ check: 'reference', address: `${prefix}${type}.${name}`, path: 'depends_on', message: problem });
          }
        }
      }
    }
    return new TerraformReport(findings, count);
  }
}

interface Declarations {
  readonly resources: Set<string>;
  readonly dataSources: Set<string>;
  readonly variables: Set<string>;
  readonly locals: Set<string>;
  readonly modules: Set<string>;
}

function collectDeclarations(config: any): Declarations {
  const resources = new Set<string>();
  const dataSources = new Set<string>();
  for (const [type, instances] of Object.entries<any>(config.resource ?? {})) for (const n of Object.keys(instances ?? {})) resources.add(`${type}.${n}`);
  for (const [type, instances] of Object.entries<any>(config.data ?? {})) for (const n of Object.keys(instances ?? {})) dataSources.add(`${type}.${n}`);
  const locals = new Set<string>();
  for (const l of ([] as any[]).concat(config.locals ?? [])) for (const k of Object.keys(l ?? {})) locals.add(k);
  return {
    resources,
    dataSources,
    variables: new Set(Object.keys(config.variable ?? {})),
    locals,
    modules: new Set(Object.keys(config.module ?? {})),
  };
}

function isComputedOnly(attr: any): boolean {
  return attr.computed === true && !attr.optional && !attr.required;
}

function isExpression(value: unknown): boolean {
  return typeof value === 'string' && value.includes('${');
}

function validateBlock(block: any, body: any, address: string, path: string, findings: TerraformFinding[], topLevel: boolean): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    if (!isExpression(body)) findings.push({ check: 'type', address, path, message: 'expected a block (object)' });
    return;
  }
  const attributes = block.attributes ?? {};
  const blockTypes = block.block_types ?? {};
  for (const [key, value] of Object.entries<any>(body)) {
    const at = path ? `${path}.${key}` : key;
    if (topLevel && META_ARGUMENTS.has(key)) continue;
    if (key === '//') continue;
    if (key === 'dynamic') continue;
    const attr = attributes[key];
    if (attr) {
      if (isComputedOnly(attr)) {
        findings.push({ check: 'computed-only', address, path: at, message: `'${key}' is computed by the provider and cannot be set` });
      } else if (attr.deprecated) {
        // deprecated arguments still work; not an error.
      }
      const problem = checkType(attr.type, value);
      if (problem) findings.push({ check: 'type', address, path: at, message: `'${key}' ${problem}` });
      continue;
    }
    const nested = blockTypes[key];
    if (nested) {
      const items = Array.isArray(value) ? value : [value];
      if (!isExpression(value)) {
        if (nested.min_items !== undefined && items.length < nested.min_items) {
          findings.push({ check: 'block-count', address, path: at, message: `'${key}' needs at least ${nested.min_items} block(s), got ${items.length}` });
        }
        if (nested.max_items !== undefined && items.length > nested.max_items) {
          findings.push({ check: 'block-count', address, path: at, message: `'${key}' allows at most ${nested.max_items} block(s), got ${items.length}` });
        }
        if (nested.nesting_mode === 'map') {
          for (const [k, v] of Object.entries<any>(value ?? {})) validateBlock(nested.block, v, address, `${at}.${k}`, findings, false);
        } else {
          items.forEach((item, i) => validateBlock(nested.block, item, address, Array.isArray(value) ? `${at}.${i}` : at, findings, false));
        }
      }
      continue;
    }
    findings.push({ check: 'unknown-argument', address, path: at, message: `unknown argument '${key}'; the schema has ${suggest(key, [...Object.keys(attributes).filter((a) => !isComputedOnly(attributes[a])), ...Object.keys(blockTypes)])}` });
  }
  for (const [key, attr] of Object.entries<any>(attributes)) {
    if (attr.required && body[key] === undefined) {
      findings.push({ check: 'required', address, path: path ? `${path}.${key}` : key, message: `required argument '${key}' is missing` });
    }
  }
  for (const [key, nested] of Object.entries<any>(blockTypes)) {
    if (nested.min_items > 0 && body[key] === undefined && !(topLevel && body.dynamic?.[key])) {
      findings.push({ check: 'block-count', address, path: path ? `${path}.${key}` : key, message: `required block '${key}' is missing` });
    }
  }
}

function suggest(key: string, options: string[]): string {
  const close = options.filter((o) => o.includes(key) || key.includes(o) || editDistance(o, key) <= 2);
  return close.length > 0 ? `e.g. ${close.slice(0, 3).map((c) => `'${c}'`).join(', ')}` : `${options.length} arguments, none close`;
}

function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length][b.length];
}

/**
 * Check a JSON value against a Terraform type (`string`, `number`, `bool`, `["list", T]`, `["set", T]`,
 * `["map", T]`, `["object", {...}]`, `["tuple", [...]]`, `dynamic`). Interpolations match anything.
 */
function checkType(type: any, value: unknown): string | undefined {
  if (value === null || value === undefined || isExpression(value)) return undefined;
  if (type === 'dynamic') return undefined;
  if (type === 'string') {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? undefined : `must be a string, got ${describeJson(value)}`;
  }
  if (type === 'number') {
    return typeof value === 'number' || (typeof value === 'string' && /^-?\d+(\.\d+)?$/.test(value)) ? undefined : `must be a number, got ${describeJson(value)}`;
  }
  if (type === 'bool') {
    return typeof value === 'boolean' || value === 'true' || value === 'false' ? undefined : `must be a bool, got ${describeJson(value)}`;
  }
  if (Array.isArray(type)) {
    const [kind, inner] = type;
    if (kind === 'list' || kind === 'set') {
      if (!Array.isArray(value)) return `must be a ${kind}, got ${describeJson(value)}`;
      for (const v of value) {
        const p = checkType(inner, v);
        if (p) return `has an element that ${p}`;
      }
      return undefined;
    }
    if (kind === 'map') {
      if (typeof value !== 'object' || Array.isArray(value)) return `must be a map, got ${describeJson(value)}`;
      for (const v of Object.values(value as object)) {
        const p = checkType(inner, v);
        if (p) return `has a value that ${p}`;
      }
      return undefined;
    }
    if (kind === 'object') {
      if (typeof value !== 'object' || Array.isArray(value)) return `must be an object, got ${describeJson(value)}`;
      for (const k of Object.keys(value as object)) {
        if (!(k in inner)) return `has unknown key '${k}' (allowed: ${Object.keys(inner).join(', ')})`;
        const p = checkType(inner[k], (value as any)[k]);
        if (p) return `.${k} ${p}`;
      }
      return undefined;
    }
    if (kind === 'tuple') return Array.isArray(value) ? undefined : `must be a tuple, got ${describeJson(value)}`;
  }
  return undefined;
}

function describeJson(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function walkStrings(node: any, where: string, visit: (value: string, where: string) => void): void {
  if (typeof node === 'string') {
    if (node.includes('${')) visit(node, where);
    return;
  }
  if (Array.isArray(node)) {
    node.forEach((n, i) => walkStrings(n, `${where}/${i}`, visit));
    return;
  }
  if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '//') continue;
      const next = where === '' && (k === 'resource' || k === 'data') ? '' : where;
      if (where === '' && (k === 'resource' || k === 'data')) {
        for (const [type, instances] of Object.entries<any>(v ?? {})) {
          for (const [name, body] of Object.entries<any>(instances ?? {})) {
            walkStrings(body, `${k === 'data' ? 'data.' : ''}${type}.${name}`, visit);
          }
        }
        continue;
      }
      walkStrings(v, next ? `${next}/${k}` : k, visit);
    }
  }
}

/**
 * Extract traversals from the `${...}` parts of a string: `aws_iam_role.x.arn`, `data.aws_region.r.name`,
 * `var.x`, `local.y` (string literals inside expressions are skipped).
 */
function extractReferences(value: string): string[] {
  const refs: string[] = [];
  const re = /\$\{/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(value)) !== null) {
    // `$${` is Terraform's escape for a literal `${` (Strings and Templates > Escape Sequences): no reference
    if (m.index > 0 && value[m.index - 1] === '$') continue;
    // find the matching close brace
    let depth = 1;
    let i = m.index + 2;
    let inString = false;
    for (; i < value.length && depth > 0; i++) {
      const c = value[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
      } else if (c === '"') {inString = true;} else if (c === '{') {depth++;} else if (c === '}') {depth--;}
    }
    const expr = value.slice(m.index + 2, i - 1).replace(/"(?:[^"\\]|\\.)*"/g, '""');
    const traversal = /(?<![\w.])([a-zA-Z_][\w-]*(?:\.[a-zA-Z_][\w-]*|\[[^\]]*\])+)/g;
    let t: RegExpExecArray | null;
    while ((t = traversal.exec(expr)) !== null) {
      const after = expr.slice(t.index + t[0].length).trimStart();
      if (after.startsWith('(')) continue; // a function call like provider::x::y(...)
      refs.push(t[1].replace(/\[[^\]]*\]/g, ''));
    }
    re.lastIndex = i;
  }
  return refs;
}

function checkReference(ref: string, declared: Declarations, schemas: Schemas, unvalidated: string[]): string | undefined {
  const parts = ref.split('.');
  const root = parts[0];
  if (root === 'var') return declared.variables.has(parts[1]) ? undefined : `reference to undeclared variable '${parts[1]}'`;
  if (root === 'local') return declared.locals.has(parts[1]) ? undefined : `reference to undeclared local '${parts[1]}'`;
  if (root === 'module') return declared.modules.has(parts[1]) ? undefined : `reference to undeclared module '${parts[1]}'`;
  if (root === 'data') {
    const [, type, name, attr] = parts;
    if (!type || !name) return `incomplete data source reference '${ref}'`;
    if (!declared.dataSources.has(`${type}.${name}`)) return `reference to undeclared data source 'data.${type}.${name}'`;
    return checkAttribute(schemas.dataSources[type], type, attr, unvalidated, `data.${type}.${name}`);
  }
  if (REFERENCE_ROOTS.has(root)) return undefined;
  if (!/^[a-z][a-z0-9]*_[a-z0-9_]+$/.test(root)) return undefined; // a function or local iterator name
  const [type, name, attr] = parts;
  if (!name) return undefined;
  if (!declared.resources.has(`${type}.${name}`)) return `reference to undeclared resource '${type}.${name}'`;
  return checkAttribute(schemas.resources[type], type, attr, unvalidated, `${type}.${name}`);
}

function checkAttribute(schema: any, type: string, attr: string | undefined, unvalidated: string[], address: string): string | undefined {
  if (!attr) return undefined;
  if (!schema) return unvalidated.some((p) => type.startsWith(p)) ? undefined : `no schema for '${type}'`;
  const block = schema.block;
  if (attr in (block.attributes ?? {}) || attr in (block.block_types ?? {})) return undefined;
  return `'${address}' has no attribute '${attr}'`;
}
