/**
 * Evaluates the objects a PolicySet renders (ValidatingAdmissionPolicy + bindings, Kyverno ClusterPolicies
 * + PolicyExceptions, Gatekeeper ConstraintTemplates + constraints) for one admission request, with the
 * library's CEL engine, honouring what each engine does before and around the CEL:
 *
 * - VAP (Kubernetes docs, "Validating Admission Policy": matching requests, matchConditions, variables,
 *   parameter resources, validation actions): `matchConstraints.resourceRules` (group, version,
 *   operation, `resource` or `resource/subresource`), each binding's `matchResources.namespaceSelector`,
 *   `paramKind`/`paramRef` (a missing parameter object with `parameterNotFoundAction: Deny` denies),
 *   `matchConditions` (any false: not evaluated; an error: failurePolicy), `variables`, `validations`
 *   (false: violation; an error: failurePolicy), the binding's `validationActions`.
 * - Kyverno 1.18.1 (chart 3.8.1): `match.any[].resources` kinds (`Kind`, `group/version/Kind`,
 *   `Kind/subresource`; a `Pod` kind also matches pods/ephemeralcontainers, pkg/utils/match/kind.go),
 *   operations, namespaces, names, namespaceSelector; kyverno.io/v2 PolicyExceptions (namespaces, kinds,
 *   names with wildcards, and the two JMESPath conditions renderKyvernoException writes);
 *   `celPreconditions` as matchConditions; `validate.cel` variables and expressions, as
 *   pkg/engine/handlers/validation/validate_cel.go builds them (the request's subresource is not passed to
 *   CEL: `request.subResource` is absent); `failureAction`; `spec.admission: false` (reported).
 * - Gatekeeper 3.23.0: the webhook receives `resource` and the chart's default subresource list
 *   (values.yaml `validatingWebhookSubResources`); a constraint matches `match.kinds` (apiGroups, kinds) by
 *   the request kind (the object's kind for pods/ephemeralcontainers, pods/resize, services/status),
 *   `namespaces`/`excludedNamespaces` (a trailing `*` is a prefix glob); the K8sNativeValidation source:
 *   Gatekeeper's own variables first (`anyObject`, `params` = the constraint's `spec.parameters`,
 *   pkg/drivers/k8scel/transform/cel_snippets.go), then `matchCondition`, `variables`, `validations`;
 *   the constraint's `enforcementAction`.
 *
 * The request object is presented as the API server would (JSON semantics, integers as int, resource
 * quantities as strings); `request` as the admission request (`subResource` omitted when empty, as the
 * API server's unstructured conversion omits it).
 */
import * as fs from 'fs';
import * as path from 'path';
import { RULE_ID_LABEL } from './renderers';
import { CelCompileError, compileCel, toCel } from '../../validation/private/cel-engine';
import { schemasDir } from '../../validation/private/schema-files';
import { ResourceKind } from '../resource-kind';

/** An engine of the rendered objects. */
export type RenderedEngine = 'vap' | 'kyverno' | 'gatekeeper';

/** One admission request. */
export interface RenderedRequest {
  /** CREATE or UPDATE. */
  readonly operation: 'CREATE' | 'UPDATE';
  /** The object (for pods/ephemeralcontainers: the whole Pod). */
  readonly object: any;
  /** The stored object on UPDATE. */
  readonly oldObject?: any;
  /** The subresource ('' or undefined: the object itself). */
  readonly subResource?: string;
  /** The namespace object (default: a Namespace with only the kubernetes.io/metadata.name label). */
  readonly namespaceObject?: any;
  /** The plural resource (default: from the kind, for the kinds ResourceKind knows). */
  readonly resource?: string;
  /** The namespace of an object that names none (default 'default'). */
  readonly defaultNamespace?: string;
}

/** One rule that does not admit the request in one engine. */
export interface RenderedViolation {
  /** The rule id (from the rendered objects' rule-id label). */
  readonly ruleId: string;
  /** The engine. */
  readonly engine: RenderedEngine;
  /** What the engine does: deny, warn or audit. */
  readonly action: 'deny' | 'warn' | 'audit';
  /** The rendered object that decided (policy/binding, ClusterPolicy/rule, constraint). */
  readonly source: string;
  /** The message, or the evaluation error. */
  readonly message: string;
  /**
   * False when only Kyverno's background scan decides (a rule with `admission: false`, or a request the
   * chart's resourceFilters keep from the admission controller, e.g. a bare ReplicaSet).
   */
  readonly admission: boolean;
}

/** Vendored facts about an engine (schemas/upstream/<project>/admission-*.json, see their SOURCES.md). */
function vendored(project: string, file: string): any {
  return JSON.parse(fs.readFileSync(path.join(schemasDir(), 'upstream', project, file), 'utf8'));
}

const GATEKEEPER = vendored('gatekeeper', 'admission-v3.23.0.json');
const KYVERNO = vendored('kyverno', 'admission-v1.18.1.json');

/** The Gatekeeper chart's default webhook subresources (charts/gatekeeper/values.yaml at v3.23.0). */
export const GATEKEEPER_WEBHOOK_SUBRESOURCES: string[] = GATEKEEPER.validatingWebhookSubResources;

/** Gatekeeper's own K8sNativeValidation variables, bound before a template's (`anyObject`, `params`). */
const GATEKEEPER_VARIABLES: { name: string; expression: string }[] = GATEKEEPER.k8sNativeValidationVariables;

/**
 * The Kyverno chart's default `config.resourceFilters` (kyverno 3.8.1 values.yaml; the entries naming the
 * chart's own ClusterRoles and ServiceAccounts left out), `[kind,namespace,name]`: the admission controller
 * does not decide requests they match (pkg/config/config.go ToFilter); background scans skip the filters
 * (`features.backgroundScan.skipResourceFilters: true`). So a bare ReplicaSet is decided only by the
 * background scan, whose report the violation lands in.
 */
export const KYVERNO_RESOURCE_FILTERS: string[] = KYVERNO.resourceFilters;

const NAME_LABEL = 'kubernetes.io/metadata.name';

const KNOWN_KINDS: ResourceKind[] = [...ResourceKind.workloads(),
  ResourceKind.SERVICE, ResourceKind.INGRESS, ResourceKind.ISTIO_GATEWAY, ResourceKind.ROLE];

/** The prepared request: CEL values and the facts matching needs. */
interface Prepared {
  readonly operation: string;
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly resource: string;
  readonly subResource: string;
  readonly namespace: string;
  readonly name: string;
  readonly namespaceLabels: Record<string, string>;
  readonly raw: any;
  readonly object: unknown;
  readonly oldObject: unknown;
  readonly namespaceObject: unknown;
  readonly request: unknown;
  readonly requestNoSubresource: unknown;
}

/**
 * The rendered objects of a PolicySet, evaluated per engine.
 *
 * ```ts
 * const rendered = new RenderedPolicies(Testing.synth(chart));
 * rendered.evaluate('vap', { operation: 'UPDATE', subResource: 'ephemeralcontainers', object: pod, oldObject: before });
 * ```
 */
export class RenderedPolicies {
  private readonly objects: any[];
  private readonly celObjects = new Map<any, unknown>();
  private present?: RenderedEngine[];

  constructor(objects: any[]) {
    this.objects = objects.filter((o) => o && typeof o === 'object');
  }

  /** A rendered object as a CEL value (parameters), converted once. */
  private celOf(o: any): unknown {
    let v = this.celObjects.get(o);
    if (v === undefined) this.celObjects.set(o, v = toCel(jsonOf(o)));
    return v;
  }

  /** The engines present among the objects. */
  public get engines(): RenderedEngine[] {
    if (!this.present) {
      this.present = [];
      if (this.objects.some((o) => o.kind === 'ValidatingAdmissionPolicy')) this.present.push('vap');
      if (this.objects.some((o) => o.kind === 'ClusterPolicy' && o.spec?.rules?.some((r: any) => r.validate?.cel))) this.present.push('kyverno');
      if (this.objects.some((o) => o.kind === 'ConstraintTemplate')) this.present.push('gatekeeper');
    }
    return [...this.present];
  }

  /** Every violation of one engine for the request, ordered by rule id then source. */
  public evaluate(engine: RenderedEngine, request: RenderedRequest): RenderedViolation[] {
    return this.run(engine, prepare(request), new Map());
  }

  /**
   * Every engine present, for one request (the request is prepared once and the engines share the
   * values of identical conditions and variables: faster than three evaluate() calls).
   */
  public evaluateAll(request: RenderedRequest): { [engine: string]: RenderedViolation[] } {
    const p = prepare(request);
    const memo: Memo = new Map();
    const out: { [engine: string]: RenderedViolation[] } = {};
    for (const engine of this.engines) out[engine] = this.run(engine, p, memo);
    return out;
  }

  private run(engine: RenderedEngine, p: Prepared, memo: Memo): RenderedViolation[] {
    const out = engine === 'vap' ? this.vap(p, memo) : engine === 'kyverno' ? this.kyverno(p, memo) : this.gatekeeper(p, memo);
    return out.sort((a, b) => a.ruleId.localeCompare(b.ruleId) || a.source.localeCompare(b.source));
  }

  /** The ids of the rules whose engine denies the request (action deny; Kyverno: admission on or not). */
  public denied(engine: RenderedEngine, request: RenderedRequest): string[] {
    return [...new Set(this.evaluate(engine, request).filter((v) => v.action === 'deny').map((v) => v.ruleId))].sort();
  }

  // ---------------------------------------------------------------------------------------------- VAP

  private vap(p: Prepared, memo: Memo): RenderedViolation[] {
    const out: RenderedViolation[] = [];
    for (const policy of this.objects.filter((o) => o.kind === 'ValidatingAdmissionPolicy')) {
      const spec = policy.spec ?? {};
      if (!(spec.matchConstraints?.resourceRules ?? []).some((r: any) => vapRuleMatches(r, p))) continue;
      const failurePolicy = spec.failurePolicy ?? 'Fail';
      for (const binding of this.objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding' && o.spec?.policyName === policy.metadata.name)) {
        const selector = binding.spec.matchResources?.namespaceSelector;
        if (selector && !selectorMatches(selector, p.namespaceLabels)) continue;
        const actions: string[] = binding.spec.validationActions ?? [];
        const action = actions.includes('Deny') ? 'deny' : actions.includes('Warn') ? 'warn' : 'audit';
        const violation = (message: string): RenderedViolation => ({
          ruleId: ruleIdOf(policy), engine: 'vap', action, source: `ValidatingAdmissionPolicy/${policy.metadata.name} ValidatingAdmissionPolicyBinding/${binding.metadata.name}`, message, admission: true,
        });
        let params: unknown = null;
        if (spec.paramKind) {
          const ref = binding.spec.paramRef ?? {};
          const found = this.objects.find((o) => o.kind === spec.paramKind.kind && o.apiVersion === spec.paramKind.apiVersion
            && o.metadata?.name === ref.name && (o.metadata?.namespace ?? undefined) === (ref.namespace ?? p.namespace));
          if (!found) {
            if (ref.parameterNotFoundAction === 'Deny') out.push(violation('no params found for policy binding with Deny parameterNotFoundAction'));
            continue;
          }
          params = this.celOf(found);
        }
        const bindings = { ...celBindings(p, p.request), params };
        const decision = decide(spec.matchConditions ?? [], spec.variables ?? [], spec.validations ?? [], bindings, memo, `vap:${binding.metadata.name}`, 'request');
        if (decision === undefined) continue;
        if ('error' in decision) {
          if (failurePolicy === 'Fail') out.push(violation(decision.error));
          continue;
        }
        for (const m of decision.failed) out.push(violation(m));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- Kyverno

  private kyverno(p: Prepared, memo: Memo): RenderedViolation[] {
    const out: RenderedViolation[] = [];
    const exceptions = this.objects.filter((o) => o.kind === 'PolicyException' && o.apiVersion === 'kyverno.io/v2');
    const filtered = KYVERNO_RESOURCE_FILTERS.some((f) => kyvernoFilterMatches(f, p));
    for (const policy of this.objects.filter((o) => o.kind === 'ClusterPolicy')) {
      for (const rule of policy.spec?.rules ?? []) {
        if (!rule.validate?.cel) continue;
        if (rule.exclude) throw new Error(`rendered-evaluator: Kyverno rule ${rule.name} has an exclude block, which is not supported`);
        if (!kyvernoMatches(rule.match, p)) continue;
        if (exceptions.some((e) => kyvernoExceptionApplies(e, policy.metadata.name, rule.name, p))) continue;
        const bindings = { ...celBindings(p, p.requestNoSubresource), params: null };
        const decision = decide(rule.celPreconditions ?? [], rule.validate.cel.variables ?? [], rule.validate.cel.expressions ?? [], bindings, memo, 'none', 'kyverno-request');
        if (decision === undefined) continue;
        const action = rule.validate.failureAction === 'Enforce' ? 'deny' : (policy.spec.emitWarning ? 'warn' : 'audit');
        const violation = (message: string): RenderedViolation => ({
          ruleId: ruleIdOf(policy),
          engine: 'kyverno',
          action,
          source: `ClusterPolicy/${policy.metadata.name} rule ${rule.name}`,
          message,
          admission: policy.spec.admission !== false && !filtered,
        });
        // Kyverno reports a CEL evaluation error as a rule error, which blocks like a failure under Enforce
        if ('error' in decision) out.push(violation(decision.error));
        else for (const m of decision.failed) out.push(violation(m));
      }
    }
    return out;
  }

  // ---------------------------------------------------------------------------------------------- Gatekeeper

  private gatekeeper(p: Prepared, memo: Memo): RenderedViolation[] {
    if (!GATEKEEPER.validatingWebhookOperations.includes(p.operation)) return [];
    if (p.subResource !== '' && !GATEKEEPER_WEBHOOK_SUBRESOURCES.includes(`${p.resource}/${p.subResource}`)) return [];
    const out: RenderedViolation[] = [];
    for (const template of this.objects.filter((o) => o.kind === 'ConstraintTemplate')) {
      const kind = template.spec?.crd?.spec?.names?.kind;
      const code = (template.spec?.targets?.[0]?.code ?? []).find((c: any) => c.engine === 'K8sNativeValidation');
      if (!kind || !code) continue;
      const source = code.source ?? {};
      for (const constraint of this.objects.filter((o) => o.kind === kind && typeof o.apiVersion === 'string' && o.apiVersion.startsWith('constraints.gatekeeper.sh/'))) {
        if (!gatekeeperMatches(constraint.spec?.match ?? {}, p)) continue;
        const variables = [...GATEKEEPER_VARIABLES, ...(source.variables ?? [])];
        const bindings = { ...celBindings(p, p.request), params: this.celOf(constraint) };
        const decision = decide(source[GATEKEEPER.k8sNativeValidationMatchConditionsKey] ?? [], variables, source.validations ?? [], bindings, memo, `gatekeeper:${kind}/${constraint.metadata.name}`, 'request');
        if (decision === undefined) continue;
        const enforcement = constraint.spec?.enforcementAction ?? 'deny';
        const action = enforcement === 'deny' ? 'deny' : enforcement === 'warn' ? 'warn' : 'audit';
        const violation = (message: string): RenderedViolation => ({
          ruleId: ruleIdOf(template), engine: 'gatekeeper', action, source: `${kind}/${constraint.metadata.name}`, message, admission: true,
        });
        if ('error' in decision) {
          if ((source.failurePolicy ?? 'Fail') === 'Fail') out.push(violation(decision.error));
        } else {
          for (const m of decision.failed) out.push(violation(m));
        }
      }
    }
    return out;
  }
}

// ------------------------------------------------------------------------------------------------ CEL

/** The admission variables of one request (no authorizer: the rules do not use it). */
function celBindings(p: Prepared, request: unknown): Record<string, unknown> {
  return { object: p.object, oldObject: p.oldObject, request, namespaceObject: p.namespaceObject, authorizer: null };
}

type Decision = undefined | { error: string } | { failed: string[] };

/** Values of conditions and variables within one request, by what they depend on. */
type Memo = Map<string, { value?: unknown; error?: string }>;

/**
 * matchConditions, then variables and validations, as the VAP validator runs them
 * (k8s.io/apiserver plugin/policy/validating): a false condition skips the policy; an error in a
 * condition (with none false) or in a validation is an error; a variable that fails to evaluate is
 * an error only where a validation reads it.
 */
/** Per expression: a short id, whether it reads the `params` binding, the variables it reads. */
const EXPRESSIONS = new Map<string, { id: number; params: boolean; request: boolean; refs: string[] }>();
function expressionInfo(expression: string) {
  let info = EXPRESSIONS.get(expression);
  if (!info) {
    info = {
      id: EXPRESSIONS.size,
      params: /(^|[^.\w])params\b/.test(expression),
      request: /(^|[^.\w])request\b/.test(expression),
      refs: [...new Set([...expression.matchAll(/variables\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]))].sort(),
    };
    EXPRESSIONS.set(expression, info);
  }
  return info;
}

function decide(conditions: any[], variables: any[], validations: any[], bindings: Record<string, unknown>,
  memo: Memo, paramsKey: string, requestKey: string): Decision {
  const tag = (info: { params: boolean; request: boolean }) => `${info.params ? paramsKey : ''}/${info.request ? requestKey : ''}`;
  const cached = (key: string, compute: () => { value?: unknown; error?: string }) => {
    let out = memo.get(key);
    if (!out) memo.set(key, out = compute());
    return out;
  };
  let conditionError: string | undefined;
  for (const c of conditions) {
    const info = expressionInfo(c.expression);
    const out = cached(`c${info.id}:${tag(info)}`, () => run(c.expression, { ...bindings, variables: new Map() }));
    if (out.error !== undefined) conditionError ??= `matchCondition ${c.name}: ${out.error}`;
    else if (out.value === false) return undefined;
    else if (out.value !== true) conditionError ??= `matchCondition ${c.name} returned a non-bool`;
  }
  if (conditionError !== undefined) return { error: conditionError };
  // a variable's value depends on its expression, the params binding and the variables it reads:
  // rules over the same kinds share the generated workload variables within one request
  const vars = new Map<string, unknown>();
  const keys = new Map<string, string>();
  for (const v of variables) {
    const info = expressionInfo(v.expression);
    const key = `v${info.id}:${tag(info)}(${info.refs.map((r) => keys.get(r) ?? '-').join(',')})`;
    keys.set(v.name, key);
    const out = cached(key, () => run(v.expression, { ...bindings, variables: new Map(vars) }));
    if (out.error === undefined) vars.set(v.name, out.value);
  }
  const failed: string[] = [];
  for (const v of validations) {
    const out = run(v.expression, { ...bindings, variables: vars });
    if (out.error !== undefined) return { error: `${v.message ?? v.expression}: evaluation error: ${out.error}` };
    if (typeof out.value !== 'boolean') return { error: `${v.message ?? v.expression}: the expression returned a non-bool` };
    if (!out.value) failed.push(v.message ?? `failed expression: ${v.expression}`);
  }
  return { failed };
}

function run(expression: string, bindings: Record<string, unknown>): { value?: unknown; error?: string } {
  try {
    return compileCel(expression).evaluateCel(bindings);
  } catch (e) {
    if (e instanceof CelCompileError) return { error: `compile error: ${e.reason}` };
    throw e;
  }
}

// ------------------------------------------------------------------------------------------------ matching

function prepare(r: RenderedRequest): Prepared {
  if (r.operation !== 'CREATE' && r.operation !== 'UPDATE') throw new Error(`rendered-evaluator: operation must be CREATE or UPDATE, got ${r.operation}`);
  if (r.operation === 'UPDATE' && !r.oldObject) throw new Error('rendered-evaluator: an UPDATE needs oldObject');
  const raw = jsonOf(r.object);
  raw.metadata ??= {};
  raw.metadata.namespace ??= r.defaultNamespace ?? 'default';
  const old = r.oldObject ? jsonOf(r.oldObject) : undefined;
  if (old) {
    old.metadata ??= {};
    old.metadata.namespace ??= raw.metadata.namespace;
  }
  const apiVersion: string = raw.apiVersion ?? '';
  const slash = apiVersion.lastIndexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  const version = slash < 0 ? apiVersion : apiVersion.slice(slash + 1);
  const kind: string = raw.kind;
  const resource = r.resource ?? KNOWN_KINDS.find((k) => k.kind === kind && k.group === group)?.resource ?? `${kind.toLowerCase()}s`;
  const namespace: string = raw.metadata.namespace;
  const nsObject = jsonOf(r.namespaceObject ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
  nsObject.metadata ??= {};
  // the API server sets kubernetes.io/metadata.name on every Namespace (NamespaceDefaultLabelName)
  nsObject.metadata.labels = { ...(nsObject.metadata.labels ?? {}), [NAME_LABEL]: nsObject.metadata.name ?? namespace };
  const subResource = r.subResource ?? '';
  const base = {
    uid: '00000000-0000-0000-0000-000000000000',
    kind: { group, version, kind },
    resource: { group, version, resource },
    requestKind: { group, version, kind },
    requestResource: { group, version, resource },
    name: raw.metadata.name ?? '',
    namespace,
    operation: r.operation,
    userInfo: { username: 'system:admin' },
    dryRun: false,
  };
  return {
    operation: r.operation,
    group,
    version,
    kind,
    resource,
    subResource,
    namespace,
    name: raw.metadata.name ?? raw.metadata.generateName ?? '',
    namespaceLabels: nsObject.metadata.labels,
    raw,
    object: toCel(quantitiesAsStrings(raw)),
    oldObject: old ? toCel(quantitiesAsStrings(old)) : null,
    namespaceObject: toCel(nsObject),
    request: toCel(subResource ? { ...base, subResource } : base),
    requestNoSubresource: toCel(base),
  };
}

/** A JSON copy (JSON semantics: undefined dropped). */
function jsonOf(o: any): any {
  return JSON.parse(JSON.stringify(o));
}

/** Resource quantities as strings (the API server serializes every resource.Quantity as a string). */
function quantitiesAsStrings(o: any, key?: string): any {
  if (Array.isArray(o)) return o.map((x) => quantitiesAsStrings(x));
  if (o && typeof o === 'object') {
    const out: any = {};
    for (const [k, v] of Object.entries(o)) {
      out[k] = (key === 'requests' || key === 'limits') && typeof v === 'number' ? String(v) : quantitiesAsStrings(v, k);
    }
    return out;
  }
  return o;
}

function ruleIdOf(o: any): string {
  return o.metadata?.labels?.[RULE_ID_LABEL] ?? o.metadata?.name;
}

const has = (list: string[] | undefined, value: string) => (list ?? []).some((x) => x === '*' || x === value);

function vapRuleMatches(rule: any, p: Prepared): boolean {
  if (!has(rule.apiGroups, p.group) || !has(rule.apiVersions, p.version) || !has(rule.operations, p.operation)) return false;
  const wanted = p.subResource ? `${p.resource}/${p.subResource}` : p.resource;
  // RuleWithOperations.resources: '*' all resources but not subresources, 'pods/*' every subresource of
  // pods, '*/scale' every scale subresource, '*/*' all resources and their subresources
  return (rule.resources ?? []).some((r: string) => r === wanted || r === '*/*'
    || (p.subResource ? r === `${p.resource}/*` || r === `*/${p.subResource}` : r === '*'));
}

/** A LabelSelector (matchLabels, matchExpressions In/NotIn/Exists/DoesNotExist). */
export function selectorMatches(selector: any, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const present = Object.prototype.hasOwnProperty.call(labels, e.key);
    switch (e.operator) {
      case 'In': if (!present || !(e.values ?? []).includes(labels[e.key])) return false; break;
      case 'NotIn': if (present && (e.values ?? []).includes(labels[e.key])) return false; break;
      case 'Exists': if (!present) return false; break;
      case 'DoesNotExist': if (present) return false; break;
      default: throw new Error(`rendered-evaluator: unknown selector operator ${e.operator}`);
    }
  }
  return true;
}

const PATTERNS = new Map<string, RegExp>();

/** Kyverno's wildcard.Match: `*` any run, `?` one character. */
function wildcard(pattern: string, value: string): boolean {
  if (pattern === '*') return true;
  if (!pattern.includes('*') && !pattern.includes('?')) return pattern === value;
  let re = PATTERNS.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
    PATTERNS.set(pattern, re);
  }
  return re.test(value);
}

/** kubeutils.ParseKindSelector: `Kind`, `Kind/sub`, `group/version/Kind`, `group/version/Kind/sub` ('' group for `v1/Kind`). */
function parseKind(selector: string): { group: string; version: string; kind: string; sub: string } {
  const parts = selector.split('/');
  const kindIndex = parts.findIndex((x) => /^[A-Z*]/.test(x));
  const kind = parts[kindIndex];
  const sub = parts.slice(kindIndex + 1).join('/');
  const before = parts.slice(0, kindIndex);
  if (before.length === 0) return { group: '*', version: '*', kind, sub };
  if (before.length === 1) return { group: '', version: before[0], kind, sub };
  return { group: before.slice(0, -1).join('/'), version: before[before.length - 1], kind, sub };
}

/** pkg/utils/match/kind.go CheckKind with allowEphemeralContainers. */
function kyvernoKindMatches(kinds: string[], p: Prepared): boolean {
  return kinds.some((k) => {
    const s = parseKind(k);
    if (!(wildcard(s.group, p.group) && wildcard(s.version, p.version) && wildcard(s.kind, p.kind))) return false;
    return wildcard(s.sub, p.subResource) || (p.group === '' && p.version === 'v1' && p.kind === 'Pod' && p.subResource === 'ephemeralcontainers');
  });
}

function kyvernoResourcesMatch(resources: any, p: Prepared): boolean {
  if (resources.operations && !resources.operations.includes(p.operation)) return false;
  if (resources.kinds && !kyvernoKindMatches(resources.kinds, p)) return false;
  if (resources.namespaces && !resources.namespaces.some((n: string) => wildcard(n, p.namespace))) return false;
  if (resources.names && !resources.names.some((n: string) => wildcard(n, p.name))) return false;
  if (resources.name && !wildcard(resources.name, p.name)) return false;
  if (resources.namespaceSelector && !selectorMatches(resources.namespaceSelector, p.namespaceLabels)) return false;
  if (resources.selector && !selectorMatches(resources.selector, p.raw.metadata?.labels ?? {})) return false;
  return true;
}

function kyvernoMatches(match: any, p: Prepared): boolean {
  if (!match) return false;
  if (match.any) return match.any.some((f: any) => kyvernoResourcesMatch(f.resources ?? {}, p));
  if (match.all) return match.all.every((f: any) => kyvernoResourcesMatch(f.resources ?? {}, p));
  return kyvernoResourcesMatch(match.resources ?? {}, p);
}

/** One `[kind,namespace,name]` resource filter (pkg/config/types.go parseKinds, config.go ToFilter). */
function kyvernoFilterMatches(filter: string, p: Prepared): boolean {
  const [kind, namespace, name] = filter.slice(1, -1).split(',');
  const s = parseKind(kind);
  if (!(wildcard(s.group, p.group) && wildcard(s.version, p.version) && wildcard(s.kind, p.kind) && wildcard(s.sub, p.subResource))) return false;
  return wildcard(namespace, p.namespace) && wildcard(name, p.name);
}

/** A kyverno.io/v2 PolicyException for policy/rule that matches the request (the conditions renderKyvernoException writes). */
function kyvernoExceptionApplies(e: any, policy: string, rule: string, p: Prepared): boolean {
  const spec = e.spec ?? {};
  const names = (x: any) => wildcard(x.policyName, policy) && (x.ruleNames ?? []).some((r: string) => wildcard(r, rule));
  if (!(spec.exceptions ?? []).some(names)) return false;
  if (!kyvernoMatches(spec.match, p)) return false;
  if (!spec.conditions) return true;
  const check = (c: any): boolean => {
    if (c.key === '{{ request.object.kind }}' && c.operator === 'Equals') return p.kind === c.value;
    if (c.key === '{{ request.object.metadata.ownerReferences[?controller].kind || `[]` }}' && c.operator === 'AnyIn') {
      const kinds = (p.raw.metadata?.ownerReferences ?? []).filter((r: any) => r.controller).map((r: any) => r.kind);
      return kinds.some((k: string) => c.value.includes(k));
    }
    throw new Error(`rendered-evaluator: unsupported PolicyException condition ${JSON.stringify(c)}`);
  };
  if (spec.conditions.any) return spec.conditions.any.some(check);
  if (spec.conditions.all) return spec.conditions.all.every(check);
  throw new Error('rendered-evaluator: PolicyException conditions need any or all');
}

/** Gatekeeper's namespace globs: a trailing `*` is a prefix. */
function globMatches(patterns: string[], value: string): boolean {
  return patterns.some((n) => (n.endsWith('*') ? value.startsWith(n.slice(0, -1)) : n === value));
}

function gatekeeperMatches(match: any, p: Prepared): boolean {
  if (match.kinds && !match.kinds.some((k: any) => has(k.apiGroups, p.group) && has(k.kinds, p.kind))) return false;
  if (match.namespaces && !globMatches(match.namespaces, p.namespace)) return false;
  if (match.excludedNamespaces && globMatches(match.excludedNamespaces, p.namespace)) return false;
  if (match.namespaceSelector && !selectorMatches(match.namespaceSelector, p.namespaceLabels)) return false;
  if (match.labelSelector && !selectorMatches(match.labelSelector, p.raw.metadata?.labels ?? {})) return false;
  return true;
}
