import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ValidationError } from '../core/errors';
import { coreValidator, crdValidator, KindValidator, registerCrdFile } from './private/k8s-validators';
import { shippedKubernetesSchemas } from './private/schema-files';

/**
 * One problem the harness found in a Kubernetes manifest.
 */
export interface ManifestFinding {
  /**
   * What found it: `yaml` (unparseable document), `object` (not a Kubernetes object), `unknown-kind`
   * (no schema knows the apiVersion/kind), `schema` (schema violation) or `cel-rule` (a CRD CEL rule).
   */
  readonly check: string;

  /**
   * The manifest file, when validating files.
   *
   * @default - none
   */
  readonly file?: string;

  /**
   * The object, as `apiVersion/kind namespace/name` (`apps/v1/Deployment search/llama3`).
   */
  readonly object: string;

  /**
   * JSON pointer to the offending field (`/spec/template/spec/containers/0/resources`).
   */
  readonly path: string;

  /**
   * What is wrong.
   */
  readonly message: string;

  /**
   * The schema that rejected it (`Kubernetes 1.34 OpenAPI (io.k8s.api.apps.v1.Deployment)`, `CRD ...`).
   *
   * @default - none
   */
  readonly schema?: string;
}

/**
 * Options for `ManifestValidator`.
 */
export interface ManifestValidatorProps {
  /**
   * Kubernetes versions whose OpenAPI definitions core kinds are validated against (every one of them
   * that has the kind). Shipped: 1.28 (what cdk8s-plus-28 emits) and 1.34 (the default cluster version).
   *
   * @default ['1.28', '1.34']
   */
  readonly kubernetesVersions?: string[];

  /**
   * Extra CRD YAML files to validate custom resources against (in addition to the CRDs shipped in
   * `schemas/crds/`). A CRD listed here takes precedence over a shipped one of the same group/kind.
   *
   * @default - only the shipped CRDs
   */
  readonly crdFiles?: string[];
}

/**
 * The result of validating manifests.
 */
export class ManifestReport {
  /**
   * Every finding.
   */
  public readonly findings: ManifestFinding[];

  /**
   * How many objects were validated.
   */
  public readonly objectCount: number;

  constructor(findings: ManifestFinding[], objectCount: number) {
    this.findings = findings;
    this.objectCount = objectCount;
  }

  /**
   * Whether there are no findings.
   */
  public get ok(): boolean {
    return this.findings.length === 0;
  }

  /**
   * A readable report: one line per finding (`file: object: path: message [schema]`).
   */
  public toString(): string {
    if (this.ok) return `${this.objectCount} objects valid`;
    const lines = this.findings.map((f) =>
      `${f.file ? `${f.file}: ` : ''}${f.object}: ${f.path}: ${f.message}${f.schema ? ` [${f.schema}]` : ''}`);
    return `${this.findings.length} problem(s) in ${this.objectCount} objects:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  }
}

/**
 * Strict schema validation of Kubernetes objects, offline.
 *
 * - core kinds against the Kubernetes OpenAPI definitions of each configured version,
 * - custom resources against their CRD `openAPIV3Schema` (including `x-kubernetes-*` keywords and
 *   the CRD's own `x-kubernetes-validations` CEL rules),
 * - unknown fields are errors unless the schema preserves them; an object no schema knows is an error.
 *
 * ```ts
 * const report = new ManifestValidator().validateObjects(Testing.synth(chart));
 * if (!report.ok) throw new Error(report.toString());
 * ```
 */
export class ManifestValidator {
  /**
   * Kubernetes versions whose schemas ship with this package.
   */
  public static shippedKubernetesVersions(): string[] {
    return shippedKubernetesSchemas();
  }

  /**
   * The Kubernetes versions core kinds are validated against.
   */
  public readonly kubernetesVersions: string[];

  constructor(props: ManifestValidatorProps = {}) {
    const shipped = shippedKubernetesSchemas();
    this.kubernetesVersions = props.kubernetesVersions ?? ['1.28', '1.34'];
    for (const v of this.kubernetesVersions) {
      if (!shipped.includes(v)) {
        throw new ValidationError('kubernetesVersions', 'must list Kubernetes versions whose schemas ship with this package', v, `use one of ${shipped.join(', ')}`);
      }
    }
    for (const f of props.crdFiles ?? []) registerCrdFile(path.resolve(f));
  }

  /**
   * Validate one object.
   *
   * @param obj the object (plain data, as synthesized)
   * @param file the file it came from, for the report
   */
  public validateObject(obj: any, file?: string): ManifestFinding[] {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      return [{ check: 'object', file, object: '<not an object>', path: '/', message: `expected a Kubernetes object, got ${Array.isArray(obj) ? 'an array' : typeof obj}` }];
    }
    const id = describe(obj);
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
      return [{ check: 'object', file, object: id, path: typeof apiVersion !== 'string' || apiVersion === '' ? '/apiVersion' : '/kind', message: 'every Kubernetes object needs a string apiVersion and kind' }];
    }
    const validators: KindValidator[] = [];
    const crd = crdValidator(apiVersion, kind);
    if (crd) {
      validators.push(crd);
    } else {
      for (const v of this.kubernetesVersions) {
        const core = coreValidator(v, apiVersion, kind);
        if (core) validators.push(core);
      }
    }
    if (validators.length === 0) {
      return [{
        check: 'unknown-kind',
        file,
        object: id,
        path: '/kind',
        message: `no schema knows ${apiVersion} ${kind} (Kubernetes ${this.kubernetesVersions.join(', ')} or the registered CRDs); add its CRD with 'crdFiles' or fix apiVersion/kind`,
      }];
    }
    const findings: ManifestFinding[] = [];
    const seen = new Set<string>();
    for (const validator of validators) {
      for (const e of validator.validate(obj)) {
        const key = `${e.path}\u0000${e.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push({ check: e.check, file, object: id, path: e.path, message: e.message, schema: validator.source });
      }
    }
    return findings;
  }

  /**
   * Validate many objects.
   */
  public validateObjects(objects: any[], file?: string): ManifestReport {
    const findings: ManifestFinding[] = [];
    for (const o of objects) findings.push(...this.validateObject(o, file));
    return new ManifestReport(findings, objects.length);
  }

  /**
   * Validate a (multi-document) YAML text. Malformed YAML is reported, never thrown.
   */
  public validateYaml(text: string, file?: string): ManifestReport {
    const findings: ManifestFinding[] = [];
    let count = 0;
    let docs: YAML.Document.Parsed[];
    try {
      docs = YAML.parseAllDocuments(text);
    } catch (e: any) {
      return new ManifestReport([{ check: 'yaml', file, object: '<unparsed>', path: '/', message: `YAML error: ${e.message}` }], 0);
    }
    docs.forEach((doc, i) => {
      if (doc.errors.length > 0) {
        findings.push({ check: 'yaml', file, object: `<document ${i + 1}>`, path: '/', message: `YAML error: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}` });
        return;
      }
      const value = doc.toJS({ maxAliasCount: 100 });
      if (value === null || value === undefined) return;
      count++;
      findings.push(...this.validateObject(value, file));
    });
    return new ManifestReport(findings, count);
  }

  /**
   * Validate YAML files (and every `.yaml`/`.yml` file below a directory).
   */
  public validateFiles(paths: string[]): ManifestReport {
    const findings: ManifestFinding[] = [];
    let count = 0;
    for (const file of expandFiles(paths)) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf-8');
      } catch (e: any) {
        findings.push({ check: 'yaml', file, object: '<unread>', path: '/', message: `cannot read: ${e.message}` });
        continue;
      }
      const r = this.validateYaml(text, file);
      findings.push(...r.findings);
      count += r.objectCount;
    }
    return new ManifestReport(findings, count);
  }
}

function describe(obj: any): string {
  const gvk = `${obj.apiVersion ?? '?'}/${obj.kind ?? '?'}`;
  const name = obj.metadata?.name ?? '<unnamed>';
  return obj.metadata?.namespace ? `${gvk} ${obj.metadata.namespace}/${name}` : `${gvk} ${name}`;
}

function expandFiles(paths: string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    let stat: fs.Stats | undefined;
    try {
      stat = fs.statSync(p);
    } catch {
      out.push(p);
      continue;
    }
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(p).sort()) {
        const child = path.join(p, entry);
        if (fs.statSync(child).isDirectory() || /\.ya?ml$/.test(entry)) out.push(...expandFiles([child]));
      }
    } else {
      out.push(p);
    }
  }
  return out;
}
