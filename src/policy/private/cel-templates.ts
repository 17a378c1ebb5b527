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

/**
 * For the objects a controller of a kind makes, directly or through an intermediate controller, the
 * kind of their own controller: a Deployment's ReplicaSets are owned by the Deployment and its Pods by
 * those ReplicaSets, a CronJob's Pods by its Jobs, a KServe InferenceService's predictor Pods by the
 * ReplicaSets of its Deployment. The API server admits those objects with a `metadata.ownerReferences`
 * entry (`controller: true`) naming that owner.
 */
export const OWNER_KINDS: Record<string, Record<string, string>> = {
  Deployment: { ReplicaSet: 'Deployment', Pod: 'ReplicaSet' },
  ReplicaSet: { Pod: 'ReplicaSet' },
  StatefulSet: { Pod: 'StatefulSet' },
  DaemonSet: { Pod: 'DaemonSet' },
  Job: { Pod: 'Job' },
  CronJob: { Job: 'CronJob', Pod: 'Job' },
  PyTorchJob: { Pod: 'PyTorchJob' },
  InferenceService: { Deployment: 'InferenceService', ReplicaSet: 'Deployment', Pod: 'ReplicaSet' },
};

/** One exempted target, as data (namespace required, kind/name optional). */
export interface ExemptTarget {
  readonly namespace: string;
  readonly kind?: string;
  readonly name?: string;
}

/**
 * CEL that is true when `object` is one of the targets, in the target's namespace:
 * - no kind: every object (named `name`, or made by a controller named `name`, when a name is given);
 * - the target's kind: the object itself (named `name` when given);
 * - an object a controller of the target's kind makes (CHILD_KINDS), e.g. a DaemonSet's Pods:
 *   its controller ownerReference is of the kind that owns such objects (OWNER_KINDS) and, with a name, is named
 *   `name` or `name-...`; with a name, an object named or generateName'd `name-...` also matches
 *   (the names controllers give the objects they create).
 *
 * @param targets CEL expression of a list of `{namespace, kind?, name?}` maps
 */
export function exemptionExpression(targets: string): string {
  const nameOf = "(has(object.metadata.name) ? object.metadata.name : '')";
  const genOf = "(has(object.metadata.generateName) ? object.metadata.generateName : '')";
  const prefixed = (x: string) => `(${x}.startsWith(e.name + '-'))`;
  const named = `(${nameOf} == e.name || ${prefixed(nameOf)} || ${prefixed(genOf)})`;
  const owned = '(has(object.metadata.ownerReferences) && object.metadata.ownerReferences.exists(r, has(r.controller) && r.controller == true'
    + ` && r.kind == ${celLiteral(OWNER_KINDS_SORTED)}[e.kind][object.kind] && (!has(e.name) || r.name == e.name || r.name.startsWith(e.name + '-'))))`;
  const child = `(e.kind in ${celLiteral(Object.keys(CHILD_KINDS).sort())} && object.kind in ${celLiteral(sortedMap(CHILD_KINDS))}[e.kind]`
    + ` && (${owned} || (has(e.name) && (${prefixed(nameOf)} || ${prefixed(genOf)}))))`;
  return `${targets}.exists(e, has(object.metadata.namespace) && e.namespace == object.metadata.namespace && (`
    + `(!has(e.kind) && (!has(e.name) || ${named}))`
    + ` || (has(e.kind) && e.kind == object.kind && (!has(e.name) || ${nameOf} == e.name))`
    + ` || (has(e.kind) && ${child})))`;
}

function sortedMap<T>(m: Record<string, T>): Record<string, T> {
  const sorted: Record<string, T> = {};
  for (const k of Object.keys(m).sort()) sorted[k] = m[k];
  return sorted;
}

const OWNER_KINDS_SORTED = sortedMap(OWNER_KINDS);

/** The same match as `exemptionExpression`, in TypeScript (synth-time evaluation). */
export function exemptionMatches(target: ExemptTarget, object: any): boolean {
  const ns = object?.metadata?.namespace;
  if (ns !== target.namespace) return false;
  const kind = object?.kind;
  const name: string = object?.metadata?.name ?? '';
  const gen: string = object?.metadata?.generateName ?? '';
  const prefixed = (n: string) => target.name !== undefined && (name.startsWith(`${n}-`) || gen.startsWith(`${n}-`));
  if (target.kind === undefined) return target.name === undefined || name === target.name || prefixed(target.name);
  if (target.kind === kind) return target.name === undefined || name === target.name;
  if (!(CHILD_KINDS[target.kind] ?? []).includes(kind)) return false;
  const owner = (OWNER_KINDS[target.kind] ?? {})[kind];
  const refs: any[] = Array.isArray(object?.metadata?.ownerReferences) ? object.metadata.ownerReferences : [];
  const owned = refs.some((r) => r?.controller === true && r?.kind === owner
    && (target.name === undefined || r?.name === target.name || (typeof r?.name === 'string' && r.name.startsWith(`${target.name}-`))));
  return owned || (target.name !== undefined && prefixed(target.name));
}
