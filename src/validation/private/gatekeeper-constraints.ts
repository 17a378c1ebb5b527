/**
 * The CustomResourceDefinition OPA Gatekeeper generates for a ConstraintTemplate, so constraints are
 * validated against the schema the API server will have once Gatekeeper has created their CRD.
 *
 * Facts from Gatekeeper v3.23.0 and the frameworks version it pins (vendored in
 * schemas/upstream/gatekeeper/constraint-crd-v3.23.0.json, provenance in SOURCES.md there):
 * frameworks `constraint/pkg/client/crds/crds.go` `CreateCRD` and `schema.go` `CreateSchema`, Gatekeeper
 * `pkg/target/match_schema.go` (the `match` schema), frameworks `constraint/pkg/schema/transform.go`
 * `AddPreserveUnknownFields` (templates with `legacySchema: true`).
 */
import * as fs from 'fs';
import * as path from 'path';
import { schemasDir } from './schema-files';

/** The group of the ConstraintTemplate kind. */
const TEMPLATES_GROUP = 'templates.gatekeeper.sh';

interface ConstraintCrdFacts {
  readonly group: string;
  readonly scope: string;
  readonly versions: { name: string; served: boolean; storage: boolean }[];
  readonly labels: Record<string, string>;
  readonly categories: string[];
  readonly legacySchemaDefault: Record<string, boolean>;
  readonly schema: any;
}

let facts: ConstraintCrdFacts | undefined;

function constraintCrdFacts(): ConstraintCrdFacts {
  if (!facts) {
    facts = JSON.parse(fs.readFileSync(path.join(schemasDir(), 'upstream', 'gatekeeper', 'constraint-crd-v3.23.0.json'), 'utf-8'));
  }
  return facts!;
}

/** Whether `obj` is a Gatekeeper ConstraintTemplate. */
export function isConstraintTemplate(obj: any): boolean {
  return obj !== null && typeof obj === 'object' && obj.kind === 'ConstraintTemplate'
    && typeof obj.apiVersion === 'string' && obj.apiVersion.startsWith(`${TEMPLATES_GROUP}/`);
}

/** The group of every constraint kind. */
export function constraintGroup(): string {
  return constraintCrdFacts().group;
}

/** The scope of every constraint kind (`Cluster`). */
export function constraintScope(): string {
  return constraintCrdFacts().scope;
}

/**
 * The CRD Gatekeeper creates for `template`, or a problem (a template without `spec.crd.spec.names.kind`
 * makes no CRD).
 */
export function constraintCrdOf(template: any): { crd?: any; problem?: string } {
  const f = constraintCrdFacts();
  const kind = template?.spec?.crd?.spec?.names?.kind;
  if (typeof kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(kind)) {
    return { problem: `ConstraintTemplate ${template?.metadata?.name ?? '<unnamed>'} has no valid spec.crd.spec.names.kind (got ${JSON.stringify(kind)}): Gatekeeper creates no constraint CRD from it` };
  }
  const validation = template.spec.crd.spec.validation;
  const legacy = validation?.legacySchema ?? f.legacySchemaDefault[template.apiVersion] ?? false;
  const schema = JSON.parse(JSON.stringify(f.schema));
  const parameters = validation?.openAPIV3Schema;
  if (parameters !== undefined && parameters !== null) {
    const copy = JSON.parse(JSON.stringify(parameters));
    schema.properties.spec.properties.parameters = legacy ? addPreserveUnknownFields(copy) : copy;
  } else if (legacy) {
    schema.properties.spec.properties.parameters = addPreserveUnknownFields({});
  }
  const plural = kind.toLowerCase();
  return {
    crd: {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${plural}.${f.group}`, labels: { ...(template.metadata?.labels ?? {}), ...f.labels } },
      spec: {
        group: f.group,
        names: { kind, listKind: `${kind}List`, plural, singular: plural, categories: f.categories },
        scope: f.scope,
        versions: f.versions.map((v) => ({ ...v, schema: { openAPIV3Schema: schema } })),
      },
    },
  };
}

/** frameworks `AddPreserveUnknownFields`: unknown fields kept at every object (or untyped) level. */
function addPreserveUnknownFields(schema: any): any {
  if (schema.type === undefined || schema.type === '' || schema.type === 'object') {
    schema['x-kubernetes-preserve-unknown-fields'] = true;
  } else if (schema.type === 'array' && (schema.items === undefined || schema.items === null)) {
    schema.items = { 'x-kubernetes-preserve-unknown-fields': true };
  }
  for (const v of Object.values<any>(schema.properties ?? {})) addPreserveUnknownFields(v);
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) addPreserveUnknownFields(schema.items);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') addPreserveUnknownFields(schema.additionalProperties);
  return schema;
}
