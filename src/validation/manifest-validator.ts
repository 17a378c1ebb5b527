import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ValidationError } from '../core/errors';
import { constraintCrdOf, isConstraintTemplate } from './private/gatekeeper-constraints';
import { coreValidator, crdDocValidator, crdValidator, KindValidator, registerCrdDocument } from './private/k8s-validators';
import { resourceId } from './private/resource-id';
import { shippedKubernetesSchemas } from './private/schema-files';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * One problem the harness found in a Kubernetes manifest.
 */
export interface ManifestFinding {
  /**
   * What found it: `yaml` (unparseable document or unreadable file), `object` (not a Kubernetes object),
   * `crd` (a `crdFiles` entry or a ConstraintTemplate that gives no CRD), `unknown-kind` (no schema knows
   * the apiVersion/kind), `schema` (schema violation) or `cel-rule` (a CRD CEL rule).
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
   * Extra CRDs to validate custom resources against (in addition to the CRDs shipped in `schemas/crds/`):
   * YAML files, each with one or more CRD documents, or directories (every `.yaml`/`.yml` file below them).
   * A CRD listed here takes precedence over a shipped one of the same group/kind. A path that cannot be
   * read, malformed YAML or a document that is not a CustomResourceDefinition is reported as a finding
   * (check `crd`) in every report, never thrown.
   *
   * Gatekeeper constraints need no entry: their CRDs are derived from the ConstraintTemplates among the
   * validated objects, as Gatekeeper generates them.
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

  /**
   * The validated objects, in order (parsed from the files or YAML text when that is what was validated),
   * so a caller that also needs them does not parse the files a second time.
   */
  public readonly objects: any[];

  /**
   * @param findings every finding
   * @param objectCount how many objects were validated
   * @param objects the validated objects (default: none)
   */
  constructor(findings: ManifestFinding[], objectCount: number, objects: any[] = []) {
    checkArgs('validation.ManifestReport#new', [findings, objectCount, objects]);
    this.findings = findings;
    this.objectCount = objectCount;
    this.objects = objects;
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

  private readonly crdProblems: ManifestFinding[];

  constructor(props: ManifestValidatorProps = {}) {
    checkProps('validation.ManifestValidatorProps', props, 'props');
    const shipped = shippedKubernetesSchemas();
    this.kubernetesVersions = props.kubernetesVersions ?? ['1.28', '1.34'];
    for (const v of this.kubernetesVersions) {
      if (!shipped.includes(v)) {
        throw new ValidationError('kubernetesVersions', 'must list Kubernetes versions whose schemas ship with this package', v, `use one of ${shipped.join(', ')}`);
      }
    }
    this.crdProblems = registerCrdFiles(props.crdFiles ?? []);
  }

  /**
   * Validate one object.
   *
   * @param obj the object (plain data, as synthesized)
   * @param file the file it came from, for the report
   */
  public validateObject(obj: any, file?: string): ManifestFinding[] {
    return this.check(obj, file, new DerivedCrds([]));
  }

  /**
   * Validate many objects (Gatekeeper constraints against the CRDs of the ConstraintTemplates among them).
   */
  public validateObjects(objects: any[], file?: string): ManifestReport {
    return this.validateParsed(objects.map((value) => ({ value, file })), [], objects.length);
  }

  /**
   * Validate a (multi-document) YAML text. Malformed YAML is reported, never thrown.
   */
  public validateYaml(text: string, file?: string): ManifestReport {
    const parsed = parseYaml(text, file);
    return this.validateParsed(parsed.objects, parsed.findings, parsed.objects.length);
  }

  /**
   * Validate YAML files (and every `.yaml`/`.yml` file below a directory). Unreadable files and malformed
   * YAML are reported, never thrown.
   */
  public validateFiles(paths: string[]): ManifestReport {
    const findings: ManifestFinding[] = [];
    const objects: ParsedObject[] = [];
    for (const file of expandFiles(paths)) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf-8');
      } catch (e: any) {
        findings.push({ check: 'yaml', file, object: '<unread>', path: '/', message: `cannot read: ${e.message}` });
        continue;
      }
      const parsed = parseYaml(text, file);
      findings.push(...parsed.findings);
      objects.push(...parsed.objects);
    }
    return this.validateParsed(objects, findings, objects.length);
  }

  private validateParsed(objects: ParsedObject[], parseFindings: ManifestFinding[], count: number): ManifestReport {
    const derived = new DerivedCrds(objects);
    const findings: ManifestFinding[] = [...this.crdProblems, ...derived.findings, ...parseFindings];
    for (const o of objects) findings.push(...this.check(o.value, o.file, derived));
    return new ManifestReport(findings, count, objects.map((o) => o.value));
  }

  private check(obj: any, file: string | undefined, derived: DerivedCrds): ManifestFinding[] {
    if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
      return [{ check: 'object', file, object: '<not an object>', path: '/', message: `expected a Kubernetes object, got ${Array.isArray(obj) ? 'an array' : typeof obj}` }];
    }
    const id = describe(obj);
    const { apiVersion, kind } = obj;
    if (typeof apiVersion !== 'string' || typeof kind !== 'string' || apiVersion === '' || kind === '') {
      return [{ check: 'object', file, object: id, path: typeof apiVersion !== 'string' || apiVersion === '' ? '/apiVersion' : '/kind', message: 'every Kubernetes object needs a string apiVersion and kind' }];
    }
    const validators: KindValidator[] = [];
    const crd = derived.validator(apiVersion, kind) ?? crdValidator(apiVersion, kind);
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
}

function describe(obj: any): string {
  return resourceId(obj);
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
        let isDirectory = false;
        try {
          isDirectory = fs.statSync(child).isDirectory();
        } catch {
          // a dangling link: listed, so reading it reports the problem
        }
        if (isDirectory || /\.ya?ml$/.test(entry)) out.push(...expandFiles([child]));
      }
    } else {
      out.push(p);
    }
  }
  return out;
}

interface ParsedObject {
  readonly value: any;
  readonly file?: string;
}

/** The documents of a YAML text (empty documents skipped) and its YAML errors as findings. */
function parseYaml(text: string, file?: string): { objects: ParsedObject[]; findings: ManifestFinding[] } {
  const findings: ManifestFinding[] = [];
  const objects: ParsedObject[] = [];
  let docs: YAML.Document.Parsed[];
  try {
    docs = YAML.parseAllDocuments(text);
  } catch (e: any) {
    return { objects, findings: [{ check: 'yaml', file, object: '<unparsed>', path: '/', message: `YAML error: ${e.message}` }] };
  }
  docs.forEach((doc, i) => {
    if (doc.errors.length > 0) {
      findings.push({ check: 'yaml', file, object: `<document ${i + 1}>`, path: '/', message: `YAML error: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}` });
      return;
    }
    const value = doc.toJS({ maxAliasCount: 100 });
    if (value === null || value === undefined) return;
    objects.push({ value, file });
  });
  return { objects, findings };
}

/**
 * The CRDs Gatekeeper will generate for the ConstraintTemplates among the validated objects (one
 * validation run): constraints are checked against them, not reported as unknown kinds.
 */
class DerivedCrds {
  public readonly findings: ManifestFinding[] = [];
  private readonly crds = new Map<string, { doc: any; source: string }>();
  private readonly validators = new Map<string, KindValidator>();

  constructor(objects: ParsedObject[]) {
    for (const o of objects) {
      if (!isConstraintTemplate(o.value)) continue;
      const { crd, problem } = constraintCrdOf(o.value);
      if (!crd) {
        this.findings.push({ check: 'crd', file: o.file, object: describe(o.value), path: '/spec/crd/spec/names/kind', message: problem! });
        continue;
      }
      this.crds.set(`${crd.spec.group}/${crd.spec.names.kind}`, {
        doc: crd,
        source: `CRD ${crd.metadata.name} (generated by Gatekeeper from ConstraintTemplate ${o.value.metadata?.name ?? '<unnamed>'})`,
      });
    }
  }

  public validator(apiVersion: string, kind: string): KindValidator | undefined {
    const slash = apiVersion.indexOf('/');
    const entry = slash < 0 ? undefined : this.crds.get(`${apiVersion.slice(0, slash)}/${kind}`);
    if (!entry) return undefined;
    let v = this.validators.get(`${apiVersion}/${kind}`);
    if (!v) {
      v = crdDocValidator(entry.doc, apiVersion.slice(slash + 1), entry.source);
      this.validators.set(`${apiVersion}/${kind}`, v);
    }
    return v;
  }
}

/**
 * Register `crdFiles` (files with one or more CRD documents, or directories of them); what cannot be used
 * is returned as findings (check `crd`).
 */
function registerCrdFiles(paths: string[]): ManifestFinding[] {
  const findings: ManifestFinding[] = [];
  const problem = (file: string, object: string, message: string) => findings.push({ check: 'crd', file, object, path: '/', message: `crdFiles: ${message}` });
  for (const p of paths) {
    const resolved = path.resolve(p);
    let files: string[];
    try {
      files = fs.statSync(resolved).isDirectory() ? expandFiles([resolved]).filter((f) => /\.ya?ml$/.test(f)) : [resolved];
    } catch (e: any) {
      problem(p, '<unread>', `cannot read ${p}: ${e.message}; list CRD YAML files or directories of them`);
      continue;
    }
    if (files.length === 0) problem(p, '<empty>', `directory ${p} holds no .yaml/.yml file`);
    for (const file of files) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf-8');
      } catch (e: any) {
        problem(file, '<unread>', `cannot read ${file}: ${e.message}`);
        continue;
      }
      let docs: YAML.Document.Parsed[];
      try {
        docs = YAML.parseAllDocuments(text);
      } catch (e: any) {
        problem(file, '<unparsed>', `YAML error in ${file}: ${e.message}`);
        continue;
      }
      docs.forEach((doc, i) => {
        const where = docs.length > 1 ? `${file}#${i + 1}` : file;
        if (doc.errors.length > 0) {
          problem(file, `<document ${i + 1}>`, `YAML error in ${where}: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}`);
          return;
        }
        const value = doc.toJS({ maxAliasCount: -1 });
        if (value === null || value === undefined) return;
        if (value?.kind !== 'CustomResourceDefinition' || typeof value.spec?.group !== 'string' || typeof value.spec?.names?.kind !== 'string') {
          problem(file, typeof value === 'object' && value ? describe(value) : `<document ${i + 1}>`,
            `${where} is not a CustomResourceDefinition with spec.group and spec.names.kind (got kind ${JSON.stringify(value?.kind)}); list only CRDs`);
          return;
        }
        registerCrdDocument(value, where);
      });
    }
  }
  return findings;
}
