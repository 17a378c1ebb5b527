import { PolicyException } from './policy-exception';
import { PolicyAction, PolicyRule, PolicySeverity } from './policy-rule';
import { ValidationError } from '../core/errors';
import { CelVariable } from './private/cel-templates';
import { ADMISSION_VARIABLES, CelCompileError, compileCel } from '../validation/private/cel-engine';

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

  constructor(props: PolicyEvaluatorProps) {
    this.rules = [...props.rules];
    this.exceptions = [...(props.exceptions ?? [])];
    this.excludedNamespaces = [...(props.excludedNamespaces ?? ['kube-system'])];
    PolicyEvaluator.validate(this.rules, this.exceptions, props.today ?? PolicyEvaluator.today());
  }

  /**
   * Evaluate every rule against every object it matches.
   *
   * @param objects synthesized Kubernetes objects (plain JSON, e.g. `Testing.synth(chart)`)
   */
  public evaluate(objects: any[], options: EvaluateOptions = {}): PolicyReport {
    const defaultNamespace = options.defaultNamespace ?? 'default';
    const namespaces = new Map<string, any>();
    for (const n of [...(options.namespaces ?? []), ...objects]) {
      if (n?.kind === 'Namespace' && n?.metadata?.name) namespaces.set(n.metadata.name, n);
    }
    const violations: PolicyViolation[] = [];
    let count = 0;
    for (const raw of objects) {
      if (!raw || typeof raw !== 'object' || typeof raw.kind !== 'string') continue;
      const rules = this.rules.filter((r) => r.matchesKind(raw.apiVersion, raw.kind));
      if (rules.length === 0) continue;
      count++;
      const object = normalize(raw, defaultNamespace);
      const ns: string = object.metadata.namespace;
      if (this.excludedNamespaces.includes(ns)) continue;
      const namespaceObject = namespaces.get(ns) ?? { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } };
      for (const rule of rules) {
        if (this.exceptions.some((e) => e.ruleIds.includes(rule.id) && e.covers(object))) continue;
        const problem = evaluateRule(rule, object, namespaceObject);
        if (problem === undefined) continue;
        violations.push({
          ruleId: rule.id,
          title: rule.title,
          severity: rule.severity,
          action: rule.action,
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

/** undefined when the object complies, else the violation message. */
function evaluateRule(rule: PolicyRule, object: any, namespaceObject: any): string | undefined {
  const variables: Record<string, unknown> = {};
  const defs: CelVariable[] = [...rule._workloadVariables()];
  if (rule.parameters.length > 0) variables.params = rule.parameterValues;
  for (const v of defs) {
    const out = run(v.expression, { object, namespaceObject, variables });
    if (out.error !== undefined) return `${rule.fullMessage} (evaluation error in variable ${v.name}: ${out.error})`;
    variables[v.name] = out.value;
  }
  const out = run(rule.expression, { object, namespaceObject, variables, oldObject: null, request: null });
  if (out.error !== undefined) return `${rule.fullMessage} (evaluation error: ${out.error})`;
  if (out.value === true) return undefined;
  if (out.value === false) return rule.fullMessage;
  return `${rule.fullMessage} (expression returned ${JSON.stringify(out.value)}, not a bool)`;
}

function run(expression: string, bindings: Record<string, unknown>): { value?: unknown; error?: string } {
  try {
    return compileCel(expression, ADMISSION_VARIABLES).evaluate(bindings);
  } catch (e) {
    if (e instanceof CelCompileError) return { error: `compile error: ${e.reason}` };
    throw e;
  }
}

/**
 * A deep copy as the API server would present it: namespace defaulted, resource quantities as strings
 * (the API server serializes every resource.Quantity as a string).
 */
function normalize(raw: any, defaultNamespace: string): any {
  const copy = JSON.parse(JSON.stringify(raw));
  copy.metadata ??= {};
  copy.metadata.namespace ??= defaultNamespace;
  quantitiesToStrings(copy, undefined);
  return copy;
}

function quantitiesToStrings(node: any, key: string | undefined): void {
  if (Array.isArray(node)) {
    for (const x of node) quantitiesToStrings(x, undefined);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const isResourceList = key === 'requests' || key === 'limits';
  for (const [k, v] of Object.entries(node)) {
    if (isResourceList && typeof v === 'number') node[k] = String(v);
    else quantitiesToStrings(v, k);
  }
}
