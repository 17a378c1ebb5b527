import { PolicyCatalogue } from './policy-catalogue';
import { PolicyException } from './policy-exception';
import { PolicyAction, PolicyRule, PolicySeverity } from './policy-rule';
import { ValidationError } from '../core/errors';
import { ruleDecides } from './private/admission-request';
import { CelVariable } from './private/cel-templates';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { ADMISSION_VARIABLES, CelCompileError, compileCel, fromCel, toCel } from '../validation/private/cel-engine';

/**
 * Properties of a `PolicyEvaluator`.
 */
export interface PolicyEvaluatorProps {
  /**
   * The rules to evaluate.
   */
  readonly rules: PolicyRule[];

  /**
   * Exceptions (validated: known rule ids, not expired on `today`).
   *
   * @default - none
   */
  readonly exceptions?: PolicyException[];

  /**
   * Namespaces no rule applies to (system namespaces).
   *
   * @default ['kube-system']
   */
  readonly excludedNamespaces?: string[];

  /**
   * Namespaces of the platform's own components: there a rule applies only with its `platformActions`
   * entry (as the engines' `kubernetes.io/metadata.name` namespace selectors render it, see `PolicySet`).
   *
   * @default - none: every rule applies in every namespace not excluded
   */
  readonly platformNamespaces?: string[];

  /**
   * The platform profile: what each rule does in `platformNamespaces` (rule id to action).
   *
   * @default - PolicyCatalogue.platformActions()
   */
  readonly platformActions?: { [ruleId: string]: PolicyAction };

  /**
   * The date exceptions are checked against (YYYY-MM-DD, UTC).
   *
   * @default - the current date at synth time
   */
  readonly today?: string;
}

/**
 * Options for one evaluation.
 */
export interface EvaluateOptions {
  /**
   * Namespace objects to bind as `namespaceObject` (in addition to the Namespaces among the evaluated
   * objects), e.g. tenant namespaces synthesized in another chart.
   *
   * @default - only the Namespaces among the objects; other namespaces are bound with no labels
   */
  readonly namespaces?: any[];

  /**
   * The namespace of objects that do not set one (as `kubectl apply` would use).
   *
   * @default 'default'
   */
  readonly defaultNamespace?: string;
}

/**
 * The operation of an admission request.
 */
export enum AdmissionOperation {
  /** A new object. */
  CREATE = 'CREATE',
  /** A change to an existing object (`oldObject` is the stored one). */
  UPDATE = 'UPDATE',
}

/**
 * One admission request, for `PolicyEvaluator.evaluateRequest()`.
 */
export interface AdmissionRequestProps {
  /**
   * The object of the request (for the `ephemeralcontainers` subresource: the whole Pod with its
   * `spec.ephemeralContainers`, as the API server presents it).
   */
  readonly object: any;

  /**
   * The operation.
   *
   * @default AdmissionOperation.CREATE
   */
  readonly operation?: AdmissionOperation;

  /**
   * The stored object, for an UPDATE (required then, not allowed on CREATE).
   *
   * @default - none (CREATE)
   */
  readonly oldObject?: any;

  /**
   * The subresource (`ephemeralcontainers` for `kubectl debug`, `resize`, `status`...).
   *
   * @default '' (the object itself)
   */
  readonly subResource?: string;
}

/**
 * One violation found at synth time.
 */
export interface PolicyViolation {
  /** The rule id (`LLM-PSS-001`). */
  readonly ruleId: string;
  /** The rule title. */
  readonly title: string;
  /** Severity. */
  readonly severity: PolicySeverity;
  /** The rule's action: `enforce` violations fail synth, the others warn. */
  readonly action: PolicyAction;
  /** The object, as `apiVersion/kind namespace/name`. */
  readonly object: string;
  /** The object's kind. */
  readonly kind: string;
  /** The object's name. */
  readonly name: string;
  /**
   * The object's namespace.
   *
   * @default - cluster-scoped
   */
  readonly namespace?: string;
  /** The message (`[LLM-PSS-001] ...`), with the evaluation error when the expression failed. */
  readonly message: string;
  /** Compliance references (`CIS EKS 4.2.1`). */
  readonly compliance: string[];
}

/**
 * The outcome of a synth-time evaluation.
 */
export class PolicyReport {
  /** Every violation, ordered by object then rule id. */
  public readonly violations: PolicyViolation[];
  /** How many objects were evaluated. */
  public readonly objectCount: number;

  constructor(violations: PolicyViolation[], objectCount: number) {
    checkArgs('policy.PolicyReport#new', [violations, objectCount]);
    this.violations = violations;
    this.objectCount = objectCount;
  }

  /** Violations of enforce rules (they fail synth). */
  public get errors(): PolicyViolation[] {
    return this.violations.filter((v) => v.action === PolicyAction.ENFORCE);
  }

  /** Violations of warn/audit rules (reported, not failing). */
  public get warnings(): PolicyViolation[] {
    return this.violations.filter((v) => v.action !== PolicyAction.ENFORCE);
  }

  /** Whether no enforce rule is violated. */
  public get ok(): boolean {
    return this.errors.length === 0;
  }

  /** A readable report, one line per violation. */
  public toString(): string {
    if (this.violations.length === 0) return `${this.objectCount} objects comply with every rule`;
    const lines = this.violations.map((v) => `  - ${v.action === PolicyAction.ENFORCE ? 'ERROR' : 'WARN '} ${v.object}: ${v.message} (${v.severity}${v.compliance.length ? `; ${v.compliance.join(', ')}` : ''})`);
    return `${this.errors.length} error(s), ${this.warnings.length} warning(s) in ${this.objectCount} objects:\n${lines.join('\n')}`;
  }
}

/**
 * Synth-time policy evaluation: the same CEL the admission engines run, over synthesized objects.
 *
 * ```ts
 * const report = new PolicyEvaluator({ rules: PolicyCatalogue.baseline() }).evaluate(Testing.synth(chart));
 * if (!report.ok) throw new Error(report.toString());
 * ```
 */
export class PolicyEvaluator {
  /**
   * Throw unless every exception names known rules, has not expired on `today` and the rules have
   * no conflicting duplicates.
   *
   * @param rules the rules
   * @param exceptions the exceptions
   * @param today YYYY-MM-DD
   */
  public static validate(rules: PolicyRule[], exceptions: PolicyException[], today: string): void {
    checkArgs('policy.PolicyEvaluator#validate', [rules, exceptions, today]);
    const byId = new Map<string, PolicyRule>();
    for (const r of rules) {
      const seen = byId.get(r.id);
      if (seen) {
        if (seen.action !== r.action) {
          throw new ValidationError('rules', `list ${r.id} twice with conflicting actions`, [seen.action, r.action], `keep one ${r.id} and pick its action with rule.withAction()`);
        }
        throw new ValidationError('rules', `list ${r.id} twice`, r.id, 'list each rule once');
      }
      byId.set(r.id, r);
    }
    for (const e of exceptions) {
      for (const id of e.ruleIds) {
        if (!byId.has(id)) {
          throw new ValidationError('exceptions.ruleIds', `names a rule that is not in the policy set (exception ${e.objectName})`, id,
            `use one of: ${[...byId.keys()].sort().join(', ')}`);
        }
      }
      if (e.isExpired(today)) {
        throw new ValidationError('exceptions.expires', `is in the past: exception ${e.objectName} (owner ${e.owner}${e.ticket ? `, ${e.ticket}` : ''}) expired (today is ${today})`, e.expires,
          'fix the workload and remove the exception, or have its owner renew it with a new expiry date');
      }
    }
  }

  /** The current date, YYYY-MM-DD (UTC). */
  public static today(): string {
    return new Date().toISOString().slice(0, 10);
  }

  /** The rules. */
  public readonly rules: PolicyRule[];
  /** The exceptions. */
  public readonly exceptions: PolicyException[];
  /** Namespaces no rule applies to. */
  public readonly excludedNamespaces: string[];
  /** Platform namespaces (the platform profile applies there). */
  public readonly platformNamespaces: string[];
  /** The platform profile: rule id to action in platform namespaces. */
  public readonly platformActions: { [ruleId: string]: PolicyAction };

  constructor(props: PolicyEvaluatorProps) {
    checkProps('policy.PolicyEvaluatorProps', props, 'props');
    this.rules = [...props.rules];
    this.exceptions = [...(props.exceptions ?? [])];
    this.excludedNamespaces = [...(props.excludedNamespaces ?? ['kube-system'])];
    this.platformNamespaces = [...(props.platformNamespaces ?? [])];
    this.platformActions = { ...(props.platformActions ?? PolicyCatalogue.platformActions()) };
    PolicyEvaluator.validate(this.rules, this.exceptions, props.today ?? PolicyEvaluator.today());
  }

  /**
   * Evaluate every rule against every object it matches, each as the object of a CREATE request
   * (`oldObject` and `request` are null; see `evaluateRequest()` for updates and subresources).
   *
   * @param objects synthesized Kubernetes objects (plain JSON, e.g. `Testing.synth(chart)`)
   */
  public evaluate(objects: any[], options: EvaluateOptions = {}): PolicyReport {
    checkArgs('policy.PolicyEvaluator#evaluate', [objects, options]);
    checkProps('policy.EvaluateOptions', options, 'options');
    return this.evaluateObjects(objects, options);
  }

  /**
   * Decide one admission request as the rendered engines do: Pod Security Standards rules skip pod
   * UPDATEs that are not significant (Pod Security admission's `isSignificantPodUpdate`: no container
   * added, no image changed), rules over Pods decide `pods/ephemeralcontainers` (`kubectl debug`), and no
   * rule decides another subresource. Rules may read `oldObject` and `request` (operation, subResource).
   *
   * @param request the request
   * @param options namespaces and the default namespace, as for `evaluate()`
   */
  public evaluateRequest(request: AdmissionRequestProps, options: EvaluateOptions = {}): PolicyReport {
    checkProps('policy.EvaluateOptions', options, 'options');
    checkProps('policy.AdmissionRequestProps', request, 'request');
    const operation = request.operation ?? AdmissionOperation.CREATE;
    if (!Object.values(AdmissionOperation).includes(operation)) {
      throw new ValidationError('operation', 'must be an AdmissionOperation', operation, 'use AdmissionOperation.CREATE or UPDATE');
    }
    if (!request.object || typeof request.object !== 'object' || typeof request.object.kind !== 'string') {
      throw new ValidationError('object', 'must be a Kubernetes object with a kind', request.object, 'pass the object of the request');
    }
    if (operation === AdmissionOperation.UPDATE && (!request.oldObject || request.oldObject.kind !== request.object.kind)) {
      throw new ValidationError('oldObject', `is required on UPDATE and must be a ${request.object.kind}`, request.oldObject, 'pass the stored object');
    }
    if (operation === AdmissionOperation.CREATE && request.oldObject !== undefined) {
      throw new ValidationError('oldObject', 'must not be set on CREATE', request.oldObject, 'drop it or use AdmissionOperation.UPDATE');
    }
    return this.evaluateObjects([request.object], options, { operation, object: request.object, oldObject: request.oldObject, subResource: request.subResource ?? '' });
  }

  private evaluateObjects(objects: any[], options: EvaluateOptions, request?: RequestView): PolicyReport {
    const defaultNamespace = options.defaultNamespace ?? 'default';
    const namespaces = new Map<string, any>();
    for (const n of [...(options.namespaces ?? []), ...objects]) {
      if (n?.kind === 'Namespace' && n?.metadata?.name) namespaces.set(n.metadata.name, n);
    }
    const violations: PolicyViolation[] = [];
    // Conversions to CEL values are done once per object / namespace / rule, not per evaluation.
    const celNamespaces = new Map<string, unknown>();
    const plans = new Map<PolicyRule, RulePlan>();
    let count = 0;
    for (const raw of objects) {
      if (!raw || typeof raw !== 'object' || typeof raw.kind !== 'string') continue;
      const rules = this.rules.filter((r) => r.matchesKind(raw.apiVersion, raw.kind));
      if (rules.length === 0) continue;
      count++;
      const object = normalizedView(raw, defaultNamespace);
      const ns: string = object.metadata.namespace;
      if (this.excludedNamespaces.includes(ns)) continue;
      const platform = this.platformNamespaces.includes(ns);
      let celNamespace = celNamespaces.get(ns);
      if (celNamespace === undefined) {
        celNamespace = toCel(namespaces.get(ns) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
        celNamespaces.set(ns, celNamespace);
      }
      const target: CelTarget = {
        object: undefined,
        namespaceObject: celNamespace,
        raw,
        defaultNamespace,
        variables: new Map(),
        oldObject: request?.oldObject ? normalizedCel(request.oldObject, defaultNamespace) : null,
        // as the API server converts the request: subResource omitted when empty
        request: request
          ? toCel({ operation: request.operation, namespace: ns, ...(request.subResource ? { subResource: request.subResource } : {}) })
          : null,
      };
      for (const rule of rules) {
        if (request && !ruleDecides(rule, request)) continue;
        // the profile of the namespace: the full rule set, or the platform profile's action
        const action = platform ? this.platformActions[rule.id] : rule.action;
        if (action === undefined) continue;
        if (this.exceptions.some((e) => e.ruleIds.includes(rule.id) && e.covers(object))) continue;
        let plan = plans.get(rule);
        if (!plan) {
          plan = planRule(rule);
          plans.set(rule, plan);
        }
        const problem = evaluateRule(rule, plan, target);
        if (problem === undefined) continue;
        violations.push({
          ruleId: rule.id,
          title: rule.title,
          severity: rule.severity,
          action,
          object: `${object.apiVersion}/${object.kind} ${ns}/${object.metadata.name ?? object.metadata.generateName ?? ''}`,
          kind: object.kind,
          name: object.metadata.name ?? '',
          namespace: ns,
          message: problem,
          compliance: rule.complianceLabels,
        });
      }
    }
    return new PolicyReport(violations, count);
  }
}

/** What a rule needs at evaluation time, computed once per rule. */
interface RulePlan {
  /** The workload variables (pods, containers) in definition order. */
  readonly defs: CelVariable[];
  /** The cache key of the variables' values for one object (their expressions). */
  readonly key: string;
  /** `params` as a CEL value, when the rule has parameters. */
  readonly params?: unknown;
}

/** One object under evaluation: its CEL form (made on first use) and its workload variables' values. */
interface CelTarget {
  object: unknown;
  readonly namespaceObject: unknown;
  readonly raw: any;
  readonly defaultNamespace: string;
  /** Workload variable values by the expressions that define them (rules over the same kinds share them). */
  readonly variables: Map<string, { values: [string, unknown][]; problem?: string }>;
  /** `oldObject` (null but on UPDATE requests). */
  readonly oldObject: unknown;
  /** `request` (null but for evaluateRequest). */
  readonly request: unknown;
}

/** The request evaluateRequest() decides. */
interface RequestView {
  readonly operation: string;
  readonly object: any;
  readonly oldObject?: any;
  readonly subResource: string;
}

function planRule(rule: PolicyRule): RulePlan {
  const defs = [...rule._workloadVariables()];
  return {
    defs,
    key: defs.map((d) => `${d.name}=${d.expression}`).join('\u0000'),
    params: rule.parameters.length > 0 ? toCel(rule.parameterValues) : undefined,
  };
}

/** undefined when the object complies, else the violation message. */
function evaluateRule(rule: PolicyRule, plan: RulePlan, target: CelTarget): string | undefined {
  target.object ??= normalizedCel(target.raw, target.defaultNamespace);
  // The workload variables do not depend on the rule beyond their expressions: evaluate them once
  // per object and expression set, and keep their values as CEL values.
  let computed = target.variables.get(plan.key);
  if (!computed) {
    computed = { values: [] };
    const variables = new Map<string, unknown>();
    for (const v of plan.defs) {
      const out = run(v.expression, { ...admissionBindings(target), variables: new Map(variables) });
      if (out.error !== undefined) {
        computed.problem = `evaluation error in variable ${v.name}: ${out.error}`;
        break;
      }
      variables.set(v.name, out.value);
      computed.values.push([v.name, out.value]);
    }
    target.variables.set(plan.key, computed);
  }
  if (computed.problem !== undefined) return `${rule.fullMessage} (${computed.problem})`;
  const variables = new Map<string, unknown>();
  if (plan.params !== undefined) variables.set('params', plan.params);
  for (const [name, value] of computed.values) variables.set(name, value);
  const out = run(rule.expression, { ...admissionBindings(target), variables });
  if (out.error !== undefined) return `${rule.fullMessage} (evaluation error: ${out.error})`;
  if (out.value === true) return undefined;
  if (out.value === false) return rule.fullMessage;
  return `${rule.fullMessage} (expression returned ${JSON.stringify(fromCel(out.value))}, not a bool)`;
}

/** object, oldObject, request and namespaceObject of a target. */
function admissionBindings(target: CelTarget): Record<string, unknown> {
  return { object: target.object, oldObject: target.oldObject, request: target.request, namespaceObject: target.namespaceObject };
}

/** Evaluate with bindings that are CEL values already; the value comes back as a CEL value. */
function run(expression: string, bindings: Record<string, unknown>): { value?: unknown; error?: string } {
  try {
    return compileCel(expression, ADMISSION_VARIABLES).evaluateCel(bindings);
  } catch (e) {
    if (e instanceof CelCompileError) return { error: `compile error: ${e.reason}` };
    throw e;
  }
}

/**
 * The fields of the object as the API server would present it that the evaluator reads itself
 * (apiVersion, kind, metadata with the namespace defaulted); no deep copy.
 */
function normalizedView(raw: any, defaultNamespace: string): any {
  const metadata = raw.metadata && typeof raw.metadata === 'object' ? raw.metadata : {};
  return { apiVersion: raw.apiVersion, kind: raw.kind, metadata: { ...metadata, namespace: metadata.namespace ?? defaultNamespace } };
}

/**
 * The object as the API server would present it, as a CEL value, in one pass: JSON semantics (as a
 * JSON round trip: undefined and functions dropped, non-finite numbers null), namespace defaulted,
 * resource quantities as strings (the API server serializes every resource.Quantity as a string),
 * integral numbers as int, objects as maps, arrays as lists.
 */
function normalizedCel(raw: any, defaultNamespace: string): unknown {
  const out = celOf(raw, undefined) as Map<string, unknown>;
  const metadata = out.get('metadata');
  if (!(metadata instanceof Map)) {
    out.set('metadata', new Map([['namespace', defaultNamespace]]));
  } else if (metadata.get('namespace') === undefined || metadata.get('namespace') === null) {
    metadata.set('namespace', defaultNamespace);
  }
  return out;
}

/** JSON value -> CEL value; `key` is the value's key in its parent map (`requests`/`limits` hold quantities). */
function celOf(value: unknown, key: string | undefined): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      if (!Number.isFinite(value)) return null;
      return Number.isInteger(value) ? BigInt(value) : value;
    case 'object':
      break;
    default:
      return undefined;
  }
  if (value === null) return null;
  if (typeof (value as any).toJSON === 'function') return celOf(JSON.parse(JSON.stringify(value)), key);
  if (Array.isArray(value)) {
    const list: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) list[i] = celOf(value[i], undefined) ?? null;
    return list;
  }
  const resourceList = key === 'requests' || key === 'limits';
  const map = new Map<string, unknown>();
  for (const k of Object.keys(value)) {
    const v = (value as any)[k];
    const c = resourceList && typeof v === 'number' && Number.isFinite(v) ? String(v) : celOf(v, k);
    if (c !== undefined) map.set(k, c);
  }
  return map;
}
