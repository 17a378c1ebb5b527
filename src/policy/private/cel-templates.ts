/**
 * The per-kind half of a rule: a rule's CEL is written once against `variables.pods` (pod templates as
 * `{metadata, spec}`) and `variables.containers` (every container of every pod template); these helpers
 * generate the variable definitions that find the pod templates in each matched kind.
 */
import { ResourceKind } from '../resource-kind';
import { PodTemplateLocation } from './pod-template';

/** A named CEL variable (VAP `spec.variables`, Kyverno `validate.cel.variables`, Gatekeeper `source.variables`). */
export interface CelVariable {
  readonly name: string;
  readonly expression: string;
}

/** The container lists of a pod spec at `spec`, concatenated. */
export function containersOf(spec: string, extraFields: readonly string[] = []): string {
  const parts = ['initContainers', 'containers', 'ephemeralContainers'].map((f) => `(has(${spec}.${f}) ? ${spec}.${f} : [])`);
  for (const f of extraFields) parts.push(`(has(${spec}.${f}) ? [${spec}.${f}] : [])`);
  return parts.join(' + ');
}

function podEntry(loc: PodTemplateLocation): string {
  const meta = loc.metadata
    ? (loc.metadata === 'object.metadata' ? 'object.metadata' : `(has(${loc.metadata}) ? ${loc.metadata} : {})`)
    : '{}';
  const entry = `[{'metadata': ${meta}, 'spec': ${loc.spec}}]`;
  return loc.guard ? `(${loc.guard} ? ${entry} : [])` : entry;
}

function kindTest(kinds: ResourceKind[]): string {
  const names = [...new Set(kinds.map((k) => k.kind))];
  return names.length === 1 ? `object.kind == '${names[0]}'` : `object.kind in [${names.map((n) => `'${n}'`).join(', ')}]`;
}

/**
 * The `pods` variable for the matched kinds: a ternary chain on `object.kind`, grouping kinds whose
 * pod templates sit at the same paths; `[]` for kinds without pod templates.
 */
export function podsExpression(kinds: ResourceKind[]): string {
  const groups = new Map<string, { kinds: ResourceKind[]; expr: string }>();
  for (const k of kinds) {
    if (!k.hasPodTemplates) continue;
    const expr = k._podTemplates.map(podEntry).join(' + ');
    const g = groups.get(expr);
    if (g) g.kinds.push(k);
    else groups.set(expr, { kinds: [k], expr });
  }
  let out = '[]';
  for (const g of [...groups.values()].reverse()) out = `${kindTest(g.kinds)} ? ${g.expr} : ${out}`;
  return out;
}

/** The largest number of pod templates one object of these kinds can have. */
export function maxPods(kinds: ResourceKind[]): number {
  return Math.max(0, ...kinds.map((k) => k._podTemplates.length));
}

/** Extra container fields any of the kinds declare (KServe `model`). */
export function extraContainerFields(kinds: ResourceKind[]): string[] {
  return [...new Set(kinds.flatMap((k) => k._podTemplates.flatMap((t) => t.containerFields ?? [])))].sort();
}

/**
 * The `containers` variable: every container of every pod template in `variables.pods` (CEL has no
 * `flatten` in every engine, so the list is unrolled up to the largest pod count of the kinds).
 */
export function containersExpression(kinds: ResourceKind[]): string {
  const n = maxPods(kinds);
  if (n === 0) return '[]';
  const extra = extraContainerFields(kinds);
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const c = containersOf(`variables.pods[${i}].spec`, extra);
    parts.push(i === 0 ? `(variables.pods.size() > 0 ? ${c} : [])` : `(variables.pods.size() > ${i} ? ${c} : [])`);
  }
  return parts.join(' + ');
}

/** The workload variables (`pods`, `containers`) a rule over these kinds needs. */
export function workloadVariables(kinds: ResourceKind[]): CelVariable[] {
  if (maxPods(kinds) === 0) return [];
  return [
    { name: 'pods', expression: podsExpression(kinds) },
    { name: 'containers', expression: containersExpression(kinds) },
  ];
}

/** A CEL literal for plain JSON data (JSON string escapes are CEL string escapes). */
export function celLiteral(value: any): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(celLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}: ${celLiteral(value[k])}`).join(', ')}}`;
  }
  if (typeof value === 'number' && !Number.isInteger(value)) return String(value);
  return JSON.stringify(value);
}

/** The kinds whose objects a controller of `kind` creates (their names start with `<name>-`). */
export const CHILD_KINDS: Record<string, string[]> = {
  Deployment: ['ReplicaSet', 'Pod'],
  ReplicaSet: ['Pod'],
  StatefulSet: ['Pod'],
  DaemonSet: ['Pod'],
  Job: ['Pod'],
  CronJob: ['Job', 'Pod'],
  PyTorchJob: ['Pod'],
  InferenceService: ['Deployment', 'ReplicaSet', 'Pod'],
};

/** One exempted target, as data (namespace required, kind/name optional). */
export interface ExemptTarget {
  readonly namespace: string;
  readonly kind?: string;
  readonly name?: string;
}

/**
 * CEL that is true when `object` is one of the targets: same namespace, and when a name is given the
 * object itself or what its controller creates (name or generateName starting with `<name>-`).
 *
 * @param targets CEL expression of a list of `{namespace, kind?, name?}` maps
 */
export function exemptionExpression(targets: string): string {
  const nameOf = "(has(object.metadata.name) ? object.metadata.name : '')";
  const genOf = "(has(object.metadata.generateName) ? object.metadata.generateName : '')";
  const child = `(has(e.kind) && e.kind in ${celLiteral(Object.keys(CHILD_KINDS).sort())} && object.kind in ${childKindMap()}[e.kind])`;
  return `${targets}.exists(e, has(object.metadata.namespace) && e.namespace == object.metadata.namespace`
    + ` && (!has(e.kind) || e.kind == object.kind || (has(e.name) && ${child}))`
    + ` && (!has(e.name) || ${nameOf} == e.name || ((!has(e.kind) || e.kind != object.kind) && (${nameOf}.startsWith(e.name + '-') || ${genOf}.startsWith(e.name + '-')))))`;
}

function childKindMap(): string {
  const sorted: Record<string, string[]> = {};
  for (const k of Object.keys(CHILD_KINDS).sort()) sorted[k] = CHILD_KINDS[k];
  return celLiteral(sorted);
}

/** The same match as `exemptionExpression`, in TypeScript (synth-time evaluation). */
export function exemptionMatches(target: ExemptTarget, object: any): boolean {
  const ns = object?.metadata?.namespace;
  if (ns !== target.namespace) return false;
  const kind = object?.kind;
  const name: string = object?.metadata?.name ?? '';
  const gen: string = object?.metadata?.generateName ?? '';
  const isChild = target.kind !== undefined && (CHILD_KINDS[target.kind] ?? []).includes(kind);
  if (target.kind !== undefined && target.kind !== kind && !(target.name !== undefined && isChild)) return false;
  if (target.name === undefined) return true;
  if (name === target.name) return true;
  if (target.kind !== undefined && target.kind === kind) return false;
  return name.startsWith(`${target.name}-`) || gen.startsWith(`${target.name}-`);
}
