/**
 * Strict JSON-schema validators for Kubernetes objects: core kinds from the Kubernetes OpenAPI
 * definitions, custom resources from their CRD `openAPIV3Schema` (with the `x-kubernetes-*`
 * extensions and the CRD's own CEL rules).
 *
 * Strict means what the API server (and `kubeconform -strict`) means: a field the schema does not
 * declare is an error, except below `x-kubernetes-preserve-unknown-fields: true`.
 */
import * as fs from 'fs';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import * as YAML from 'yaml';
import { loadCrdCache } from './crd-cache';
import { kubernetesDefinitionsFile, shippedCrdFiles } from './schema-files';
import { validateStructural, withDefaults } from './structural';

export interface SchemaError {
  readonly path: string;
  readonly message: string;
  readonly check: 'schema' | 'cel-rule';
}

export interface KindValidator {
  /** `core:1.28`, `crd:<file>` */
  readonly source: string;
  validate(obj: unknown): SchemaError[];
}

// ------------------------------------------------------------------------------------------------
// ajv setup shared by all validators
// ------------------------------------------------------------------------------------------------

const INT32 = { type: 'number', validate: (n: number) => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647 } as const;
const INT64 = { type: 'number', validate: (n: number) => Number.isInteger(n) } as const;
const ANY_NUMBER = { type: 'number', validate: (_: number) => true } as const;

function newAjv(): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateFormats: true,
    unicodeRegExp: false,
    validateSchema: false,
    addUsedSchema: false,
    inlineRefs: true,
    code: { optimize: false },
  });
  ajv.addFormat('int32', INT32);
  ajv.addFormat('int64', INT64);
  ajv.addFormat('float', ANY_NUMBER);
  ajv.addFormat('double', ANY_NUMBER);
  ajv.addFormat('byte', /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/);
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/);
  ajv.addKeyword({
    keyword: 'k8sListMapKeys',
    type: 'array',
    errors: true,
    validate: function listMapKeys(keys: string[], data: any[]): boolean {
      const seen = new Set<string>();
      const errors: Partial<ErrorObject>[] = [];
      data.forEach((item, i) => {
        if (item === null || typeof item !== 'object') return;
        const key = JSON.stringify(keys.map((k) => item[k]));
        if (seen.has(key)) {
          errors.push({ keyword: 'k8sListMapKeys', message: `duplicate entry for key ${keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(',')} in a map-type list`, params: { index: i } });
        }
        seen.add(key);
      });
      (listMapKeys as any).errors = errors;
      return errors.length === 0;
    },
  });
  return ajv;
}

// ------------------------------------------------------------------------------------------------
// Core kinds: Kubernetes OpenAPI definitions
// ------------------------------------------------------------------------------------------------

interface CoreSchemas {
  readonly ajv: Ajv;
  readonly byGvk: Map<string, string>;
  readonly validators: Map<string, ValidateFunction>;
  readonly minor: string;
}

const coreCache = new Map<string, CoreSchemas>();

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}/${kind}`;
}

/**
 * Make a Kubernetes definition strict: objects with declared properties reject undeclared ones.
 */
function strictify(node: any): any {
  if (Array.isArray(node)) return node.map(strictify);
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'description' && typeof v === 'string') continue;
    out[k] = k === 'properties' || k === 'definitions' ? mapValues(v as any, strictify) : strictify(v);
  }
  if (out.properties && out.additionalProperties === undefined && !node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (node['x-kubernetes-list-type'] === 'map' && Array.isArray(node['x-kubernetes-list-map-keys'])) {
    out.k8sListMapKeys = node['x-kubernetes-list-map-keys'];
  }
  return out;
}

function mapValues(o: Record<string, any>, f: (v: any) => any): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [k, v] of Object.entries(o)) out[k] = f(v);
  return out;
}

function loadCore(minor: string): CoreSchemas {
  let core = coreCache.get(minor);
  if (core) return core;
  const raw = JSON.parse(fs.readFileSync(kubernetesDefinitionsFile(minor), 'utf-8'));
  const definitions = mapValues(raw.definitions, strictify);
  const ajv = newAjv();
  ajv.addSchema({ $id: 'k8s', definitions });
  const byGvk = new Map<string, string>();
  for (const [name, def] of Object.entries<any>(raw.definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      // Only top-level kinds with metadata are objects one can apply (skips *List, Status, ...).
      if (def.properties?.metadata && !byGvk.has(gvkKey(apiVersion, gvk.kind))) byGvk.set(gvkKey(apiVersion, gvk.kind), name);
    }
  }
  core = { ajv, byGvk, validators: new Map(), minor };
  coreCache.set(minor, core);
  return core;
}

/**
 * The validator for a core kind in Kubernetes `minor` (e.g. `1.34`), or undefined when that
 * version has no such kind.
 */
export function coreValidator(minor: string, apiVersion: string, kind: string): KindValidator | undefined {
  const core = loadCore(minor);
  const name = core.byGvk.get(gvkKey(apiVersion, kind));
  if (!name) return undefined;
  let validate = core.validators.get(name);
  if (!validate) {
    validate = core.ajv.compile({ $ref: `k8s#/definitions/${name}` });
    core.validators.set(name, validate);
  }
  const fn = validate;
  return {
    source: `Kubernetes ${minor} OpenAPI (${name})`,
    validate: (obj: unknown) => (fn(obj) ? [] : toSchemaErrors(fn.errors ?? [])),
  };
}

/** The ObjectMeta validator of Kubernetes `minor`, used for custom resources' metadata. */
export function objectMetaValidator(minor: string): ValidateFunction {
  const core = loadCore(minor);
  const key = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';
  let validate = core.validators.get(key);
  if (!validate) {
    validate = core.ajv.compile({ $ref: `k8s#/definitions/${key}` });
    core.validators.set(key, validate);
  }
  return validate;
}

// ------------------------------------------------------------------------------------------------
// Custom resources: CRD openAPIV3Schema
// ------------------------------------------------------------------------------------------------

export interface CrdInfo {
  readonly file: string;
  readonly group: string;
  readonly kind: string;
}

const crdIndexCache = new Map<string, CrdInfo>();
let crdIndexBuilt = false;
const crdDocCache = new Map<string, any>();
const crdValidatorCache = new Map<string, KindValidator>();

/**
 * Index a CRD file by group and kind without parsing the whole (often multi-megabyte) YAML.
 */
function indexCrdFile(file: string): CrdInfo | undefined {
  const text = fs.readFileSync(file, 'utf-8');
  const group = /^ {2}group: *['"]?([^'"\s]+)/m.exec(text)?.[1];
  const names = /^ {2}names:\n((?: {4}.*\n)+)/m.exec(text)?.[1] ?? '';
  const kind = /^ {4}kind: *['"]?([^'"\s]+)/m.exec(names)?.[1];
  return group && kind ? { file, group, kind } : undefined;
}

export function registerCrdFile(file: string): CrdInfo {
  const info = indexCrdFile(file) ?? parseCrdInfo(file);
  crdIndexCache.set(`${info.group}/${info.kind}`, info);
  return info;
}

function parseCrdInfo(file: string): CrdInfo {
  const doc = loadCrdDoc(file);
  if (doc?.kind !== 'CustomResourceDefinition' || !doc.spec?.group || !doc.spec?.names?.kind) {
    throw new Error(`${file} is not a CustomResourceDefinition`);
  }
  return { file, group: doc.spec.group, kind: doc.spec.names.kind };
}

function ensureShippedCrds(): void {
  if (crdIndexBuilt) return;
  crdIndexBuilt = true;
  const cache = loadCrdCache();
  for (const f of shippedCrdFiles()) {
    const cached = cache.get(f);
    const info = cached ? { file: f, group: cached.group, kind: cached.kind } : indexCrdFile(f) ?? parseCrdInfo(f);
    const key = `${info.group}/${info.kind}`;
    if (!crdIndexCache.has(key)) crdIndexCache.set(key, info);
  }
}

function loadCrdDoc(file: string): any {
  let doc = crdDocCache.get(file);
  const cached = doc ? undefined : loadCrdCache().get(file);
  if (cached) {
    doc = {
      kind: 'CustomResourceDefinition',
      metadata: { name: cached.name },
      spec: {
        group: cached.group,
        names: { kind: cached.kind },
        versions: cached.versions.map((v) => ({ name: v.name, served: v.served, schema: v.schema ? { openAPIV3Schema: v.schema } : undefined })),
      },
    };
    crdDocCache.set(file, doc);
  }
  if (!doc) {
    doc = YAML.parse(fs.readFileSync(file, 'utf-8'), { maxAliasCount: -1 });
    crdDocCache.set(file, doc);
  }
  return doc;
}

/** Every CRD kind known to the harness: `group/kind`. */
export function knownCrdKinds(): string[] {
  ensureShippedCrds();
  return [...crdIndexCache.keys()].sort();
}

/**
 * The validator for a custom resource, or undefined when no CRD declares the group/kind.
 * When the CRD exists but not the version, the validator reports that.
 */
export function crdValidator(apiVersion: string, kind: string): KindValidator | undefined {
  ensureShippedCrds();
  const slash = apiVersion.indexOf('/');
  if (slash < 0) return undefined;
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  const info = crdIndexCache.get(`${group}/${kind}`);
  if (!info) return undefined;
  const cacheKey = `${info.file}#${version}`;
  let v = crdValidatorCache.get(cacheKey);
  if (v) return v;
  const doc = loadCrdDoc(info.file);
  v = crdDocValidator(doc, version, `CRD ${doc.metadata?.name ?? `${info.group}/${info.kind}`} (${info.file.replace(/^.*\/schemas\//, 'schemas/')})`);
  crdValidatorCache.set(cacheKey, v);
  return v;
}

/**
 * The validator of version `version` of the custom resource a CRD document declares (`source` names the
 * CRD in findings). When the CRD does not serve the version, the validator reports that.
 */
export function crdDocValidator(doc: any, version: string, source: string): KindValidator {
  const group = doc.spec.group;
  const kind = doc.spec.names.kind;
  const versionDef = (doc.spec.versions ?? []).find((x: any) => x.name === version);
  if (!versionDef || versionDef.served === false) {
    const served = (doc.spec.versions ?? []).filter((x: any) => x.served !== false).map((x: any) => x.name);
    return { source, validate: () => [{ path: '/apiVersion', check: 'schema', message: `${group}/${version} is not a served version of ${kind}; served: ${served.join(', ')}` }] };
  }
  const schema = versionDef.schema?.openAPIV3Schema ?? { 'type': 'object', 'x-kubernetes-preserve-unknown-fields': true };
  const meta = objectMetaValidator('1.34');
  return {
    source,
    validate: (obj: any) => {
      const errors: SchemaError[] = [];
      validateStructural(schema, withDefaults(schema, obj, true), '', errors, true);
      if (obj && obj.metadata !== undefined && !meta(obj.metadata)) {
        errors.push(...toSchemaErrors(meta.errors ?? []).map((e) => ({ ...e, path: `/metadata${e.path === '/' ? '' : e.path}` })));
      }
      return dedupe(errors);
    },
  };
}

/**
 * Register a CRD document that is not a file of its own (one document of a multi-document file):
 * `source` stands for its file in findings (`crds.yaml#2`). Takes precedence over a shipped CRD of
 * the same group/kind, as `registerCrdFile`.
 */
export function registerCrdDocument(doc: any, source: string): CrdInfo {
  const info = { file: source, group: doc.spec.group, kind: doc.spec.names.kind };
  crdDocCache.set(source, doc);
  for (const key of [...crdValidatorCache.keys()]) if (key.startsWith(`${source}#`)) crdValidatorCache.delete(key);
  crdIndexCache.set(`${info.group}/${info.kind}`, info);
  return info;
}

// ------------------------------------------------------------------------------------------------

function toSchemaErrors(errors: ErrorObject[]): SchemaError[] {
  const out: SchemaError[] = [];
  const seen = new Set<string>();
  const unions = errors.filter((o) => o.keyword === 'anyOf' || o.keyword === 'oneOf');
  for (const e of errors) {
    // anyOf/oneOf branches are reported by their parent; keep the summary line only.
    if (unions.some((u) => u !== e && e.schemaPath.startsWith(`${u.schemaPath}/`))) continue;
    let path = e.instancePath || '/';
    let message = e.message ?? 'is invalid';
    const check: SchemaError['check'] = 'schema';
    switch (e.keyword) {
      case 'additionalProperties':
        path = `${e.instancePath}/${(e.params as any).additionalProperty}`;
        message = 'unknown field (not in the schema)';
        break;
      case 'required':
        path = `${e.instancePath}/${(e.params as any).missingProperty}`;
        message = 'required field is missing';
        break;
      case 'anyOf':
      case 'oneOf':
        message = 'does not match any allowed shape (e.g. integer or string)';
        break;
      case 'enum':
        message = `must be one of ${JSON.stringify((e.params as any).allowedValues)}`;
        break;
      default:
        break;
    }
    const key = `${path}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ path: path || '/', message, check });
  }
  return out;
}

function dedupe(errors: SchemaError[]): SchemaError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.path}\u0000${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
