import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { builtInRuleState } from './private/built-in';
import { CelVariable, workloadVariables } from './private/cel-templates';
import { ResourceKind } from './resource-kind';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { CelCompileError, celResultKind, compileCel } from '../validation/private/cel-engine';

/**
 * What an engine does with a violation.
 */
export enum PolicyAction {
  /** Reject the object (VAP `Deny`, Kyverno `Enforce`, Gatekeeper `deny`); fails synth. */
  ENFORCE = 'enforce',
  /** Admit it with a warning to the client and an audit record (VAP `Warn`+`Audit`, Kyverno `Audit` + `emitWarning`, Gatekeeper `warn`); a synth warning. */
  WARN = 'warn',
  /** Admit it and only record it (VAP `Audit`, Kyverno `Audit`, Gatekeeper `dryrun`); a synth warning. */
  AUDIT = 'audit',
}

/**
 * How bad a violation is.
 */
export enum PolicySeverity {
  /** Hygiene. */
  LOW = 'low',
  /** Weakens defence in depth. */
  MEDIUM = 'medium',
  /** A direct path to privilege escalation, data exposure or cost abuse. */
  HIGH = 'high',
  /** Container escape or cluster takeover. */
  CRITICAL = 'critical',
}

/**
 * Compliance frameworks a rule can reference.
 */
export enum ComplianceFramework {
  /** CIS Amazon EKS Benchmark v1.5.0. */
  CIS_EKS = 'CIS EKS',
  /** Kubernetes Pod Security Standards (baseline/restricted). */
  POD_SECURITY_STANDARDS = 'PSS',
  /** NSA/CISA Kubernetes Hardening Guide v1.2. */
  NSA_CISA = 'NSA/CISA',
  /** HIPAA Security Rule, 45 CFR 164.308 / 164.312 (only where the mapping is honest). */
  HIPAA = 'HIPAA',
}

/**
 * One compliance reference of a rule.
 */
export interface ComplianceReference {
  /**
   * The framework.
   */
  readonly framework: ComplianceFramework;

  /**
   * The control, section or field (`4.2.1`, `restricted: spec.containers[*].securityContext.runAsNonRoot`,
   * `164.312(e)(1)`).
   */
  readonly control: string;
}

/**
 * The type of a rule parameter (how it is typed in the Gatekeeper constraint schema and encoded in the
 * VAP parameter ConfigMap).
 */
export enum PolicyParameterType {
  /** A string. */
  STRING = 'string',
  /** A list of strings (comma-joined in the VAP ConfigMap; elements must not contain commas). */
  STRING_LIST = 'string-list',
  /** A whole number. */
  INTEGER = 'integer',
  /** true/false. */
  BOOLEAN = 'boolean',
}

/**
 * A typed rule parameter, read in CEL as `variables.params.<name>`.
 */
export interface PolicyParameter {
  /**
   * The name (a CEL identifier in camelCase, e.g. `allowedRegistries`).
   */
  readonly name: string;

  /**
   * The type.
   */
  readonly type: PolicyParameterType;

  /**
   * What it means.
   */
  readonly description: string;

  /**
   * The value used when the rule is not given one.
   *
   * @default - none: the parameter must be set with `withParameters()`
   */
  readonly defaultValue?: any;

  /**
   * Whether an empty list is allowed (STRING_LIST only).
   *
   * @default true
   */
  readonly allowEmpty?: boolean;
}

/**
 * Properties of a policy rule.
 */
export interface PolicyRuleProps {
  /**
   * Stable id, uppercase, dash-separated: `LLM-PSS-001`. Ids are API: never reuse one.
   */
  readonly id: string;

  /**
   * A short DNS-1123 slug naming what the rule checks (`disallow-privileged`); object names are
   * `<id lowercased>-<name>`.
   */
  readonly name: string;

  /**
   * One-line title.
   */
  readonly title: string;

  /**
   * What the rule checks and why.
   */
  readonly description: string;

  /**
   * Severity.
   */
  readonly severity: PolicySeverity;

  /**
   * Compliance references.
   *
   * @default - none
   */
  readonly compliance?: ComplianceReference[];

  /**
   * The kinds the rule matches. For workload kinds (`ResourceKind.workloads()`), the expression can
   * use `variables.pods` (list of `{metadata, spec}` pod templates) and `variables.containers` (every
   * init, regular and ephemeral container, plus a KServe predictor's `model`), generated per kind.
   */
  readonly kinds: ResourceKind[];

  /**
   * What engines do with a violation.
   *
   * @default PolicyAction.ENFORCE
   */
  readonly action?: PolicyAction;

  /**
   * The CEL validation: true when the object complies. May use `object`, `oldObject`, `request`,
   * `namespaceObject`, `variables.pods`, `variables.containers` and `variables.params.<parameter>`.
   */
  readonly expression: string;

  /**
   * The message engines show on a violation (the rule id is prepended).
   */
  readonly message: string;

  /**
   * Typed parameters.
   *
   * @default - none
   */
  readonly parameters?: PolicyParameter[];

  /**
   * Values of the parameters (by name).
   *
   * @default - the parameters' defaults
   */
  readonly parameterValues?: { [name: string]: any };
}

/** Variables a rule expression may reference (`params` is read through `variables.params`). */
const RULE_VARIABLES = ['object', 'oldObject', 'request', 'namespaceObject', 'variables', 'authorizer'];

/**
 * A policy rule: data from which every engine's objects and the synth-time check are generated.
 *
 * ```ts
 * const rule = PolicyRule.custom({
 *   id: 'ACME-001', name: 'require-team-label', title: 'Workloads carry a team label',
 *   description: '...', severity: PolicySeverity.LOW, kinds: ResourceKind.workloads(),
 *   expression: "variables.pods.all(p, has(p.metadata.labels) && 'team' in p.metadata.labels)",
 *   message: 'pod templates must carry a team label',
 * });
 * ```
 */
export class PolicyRule {
  /**
   * A rule of your own (validated: id, name, kinds, parameters and that the CEL compiles).
   */
  public static custom(props: PolicyRuleProps): PolicyRule {
    // the library's own rules are typed by construction; users' rules are checked where they are written
    if (builtInRuleState.depth === 0) checkProps('policy.PolicyRuleProps', props, 'props');
    return new PolicyRule(props);
  }

  /** Stable id (`LLM-PSS-001`). */
  public readonly id: string;
  /** DNS-1123 slug. */
  public readonly name: string;
  /** Title. */
  public readonly title: string;
  /** Description. */
  public readonly description: string;
  /** Severity. */
  public readonly severity: PolicySeverity;
  /** Compliance references. */
  public readonly compliance: ComplianceReference[];
  /** Matched kinds. */
  public readonly kinds: ResourceKind[];
  /** Action. */
  public readonly action: PolicyAction;
  /** The CEL validation expression. */
  public readonly expression: string;
  /** The violation message (without the id). */
  public readonly message: string;
  /** Parameter definitions. */
  public readonly parameters: PolicyParameter[];
  /** Resolved parameter values (defaults applied), by name. */
  public readonly parameterValues: { [name: string]: any };

  private constructor(private readonly props: PolicyRuleProps) {
    const id = props.id;
    if (typeof id !== 'string' || !/^[A-Z][A-Z0-9]*(-[A-Z0-9]+)+$/.test(id)) {
      throw new ValidationError('id', 'must be uppercase words and digits joined by dashes', id, "use a stable id such as 'ACME-IMG-001'");
    }
    Names.validateDns1123Label(`${id}.name`, props.name);
    const objectName = `${id.toLowerCase()}-${props.name}`;
    if (objectName.length > 63) {
      throw new ValidationError(`${id}.name`, `makes the object name '${objectName}' longer than 63 characters`, props.name, 'use a shorter name');
    }
    for (const [prop, v] of [['title', props.title], ['description', props.description], ['message', props.message]] as const) {
      if (typeof v !== 'string' || v.trim() === '') throw new ValidationError(`${id}.${prop}`, 'must not be empty', v, `describe the rule in '${prop}'`);
    }
    if (!Array.isArray(props.kinds) || props.kinds.length === 0) {
      throw new ValidationError(`${id}.kinds`, 'must list at least one kind', props.kinds, 'match e.g. ResourceKind.workloads()');
    }
    try {
      if (builtInRuleState.depth === 0) compileCel(props.expression, RULE_VARIABLES);
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      throw new ValidationError(`${id}.expression`, `is not a valid CEL expression in rule ${id} (${e.reason})`, props.expression,
        'fix the expression; it may use object, namespaceObject, request, variables.pods, variables.containers and variables.params.<name>');
    }
    // every engine admits an object when the expression is true: a string or number result fails every request (issue 17)
    if (builtInRuleState.depth === 0 && celResultKind(props.expression) === 'non-bool') {
      throw new ValidationError(`${id}.expression`, `must return a boolean (true when the object is allowed) in rule ${id}`, props.expression,
        "compare or test the value, e.g. \"object.metadata.name.startsWith('team-')\" instead of \"object.metadata.name\"");
    }
    this.id = id;
    this.name = props.name;
    this.title = props.title;
    this.description = props.description;
    this.severity = props.severity;
    this.compliance = [...(props.compliance ?? [])];
    this.kinds = [...props.kinds];
    this.action = props.action ?? PolicyAction.ENFORCE;
    this.expression = props.expression;
    this.message = props.message;
    this.parameters = [...(props.parameters ?? [])];
    this.parameterValues = resolveParameters(id, this.parameters, props.parameterValues ?? {});
  }

  /**
   * The object name engines use: `<id lowercased>-<name>` (`llm-pss-001-disallow-privileged`).
   */
  public get objectName(): string {
    return `${this.id.toLowerCase()}-${this.name}`;
  }

  /**
   * The same rule with another action.
   */
  public withAction(action: PolicyAction): PolicyRule {
    checkArgs('policy.PolicyRule#withAction', [action]);
    return new PolicyRule({ ...this.props, action });
  }

  /**
   * The same rule with parameter values (merged over the current ones).
   */
  public withParameters(values: { [name: string]: any }): PolicyRule {
    checkArgs('policy.PolicyRule#withParameters', [values]);
    return new PolicyRule({ ...this.props, parameterValues: { ...(this.props.parameterValues ?? {}), ...values } });
  }

  /**
   * Whether the rule matches objects of this apiVersion/kind.
   */
  public matchesKind(apiVersion: string, kind: string): boolean {
    return this.kinds.some((k) => k.matches(apiVersion, kind));
  }

  /**
   * The message engines report: `[<id>] <message>`.
   */
  public get fullMessage(): string {
    return `[${this.id}] ${this.message}`;
  }

  /**
   * Compliance references as strings (`CIS EKS 4.2.1`).
   */
  public get complianceLabels(): string[] {
    return this.compliance.map((c) => `${c.framework} ${c.control}`);
  }

  /** @internal the generated per-kind variables (pods, containers) */
  public _workloadVariables(): CelVariable[] {
    return workloadVariables(this.kinds);
  }
}

function resolveParameters(id: string, defs: PolicyParameter[], values: { [name: string]: any }): { [name: string]: any } {
  const out: { [name: string]: any } = {};
  const names = new Set<string>();
  for (const p of defs) {
    if (!/^[a-z][A-Za-z0-9]*$/.test(p.name ?? '') || p.name === 'exemptions') {
      throw new ValidationError(`${id}.parameters`, 'must have camelCase names other than exemptions', p.name, "name parameters like 'allowedRegistries'");
    }
    names.add(p.name);
    const v = values[p.name] !== undefined ? values[p.name] : p.defaultValue;
    const prop = `${id}.parameters.${p.name}`;
    if (v === undefined) throw new ValidationError(prop, 'is required', v, `set it with rule.withParameters({ ${p.name}: ... })`);
    switch (p.type) {
      case PolicyParameterType.STRING:
        if (typeof v !== 'string') throw new ValidationError(prop, 'must be a string', v, 'pass a string');
        break;
      case PolicyParameterType.INTEGER:
        if (typeof v !== 'number' || !Number.isInteger(v)) throw new ValidationError(prop, 'must be a whole number', v, 'pass an integer');
        break;
      case PolicyParameterType.BOOLEAN:
        if (typeof v !== 'boolean') throw new ValidationError(prop, 'must be true or false', v, 'pass a boolean');
        break;
      case PolicyParameterType.STRING_LIST:
        if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '' || x.includes(','))) {
          throw new ValidationError(prop, 'must be a list of non-empty strings without commas', v, 'pass e.g. [\'123456789012.dkr.ecr.us-east-1.amazonaws.com\']');
        }
        if (v.length === 0 && p.allowEmpty === false) {
          throw new ValidationError(prop, 'must not be empty', v, `list at least one value (${p.description})`);
        }
        break;
      default:
        throw new ValidationError(prop, 'has an unknown type', p.type, 'use a PolicyParameterType');
    }
    out[p.name] = Array.isArray(v) ? [...v] : v;
  }
  for (const k of Object.keys(values)) {
    if (!names.has(k)) {
      throw new ValidationError(`${id}.parameters`, `has no parameter named '${k}'`, Object.keys(values), `use one of: ${[...names].join(', ') || 'none (the rule takes no parameters)'}`);
    }
  }
  return out;
}
