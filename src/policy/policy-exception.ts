import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { ExemptTarget, exemptionMatches } from './private/cel-templates';
import { checkProps } from '../core/private/runtime-types';

/**
 * Properties of a policy exception.
 */
export interface PolicyExceptionProps {
  /**
   * The rule ids the exception waives (`['LLM-PSS-003']`).
   */
  readonly ruleIds: string[];

  /**
   * The namespace of the excepted objects.
   */
  readonly namespace: string;

  /**
   * The kind of the excepted object (`DaemonSet`). With `name`, the objects its controller creates
   * (ReplicaSets, Jobs, Pods named `<name>-...`) are excepted too.
   *
   * @default - every kind in the namespace
   */
  readonly kind?: string;

  /**
   * The name of the excepted object.
   *
   * @default - every object (of `kind`) in the namespace
   */
  readonly name?: string;

  /**
   * Who owns the exception (team or person, e.g. `team-gpu-infra@example.com`).
   */
  readonly owner: string;

  /**
   * Why the rule cannot be met.
   */
  readonly reason: string;

  /**
   * The tracking ticket (`SEC-1234`).
   *
   * @default - none
   */
  readonly ticket?: string;

  /**
   * The last day the exception is valid, `YYYY-MM-DD` (UTC). An expired exception fails synth.
   */
  readonly expires: string;
}

/**
 * A typed, expiring waiver of one or more rules for one target. Rendered to Kyverno PolicyExceptions,
 * Gatekeeper constraint exclusions and ValidatingAdmissionPolicy binding/match conditions, and honoured
 * by the synth-time evaluation.
 */
export class PolicyException {
  /** Rule ids. */
  public readonly ruleIds: string[];
  /** Namespace. */
  public readonly namespace: string;
  /** Kind, if limited to one. */
  public readonly kind?: string;
  /** Name, if limited to one object. */
  public readonly name?: string;
  /** Owner. */
  public readonly owner: string;
  /** Reason. */
  public readonly reason: string;
  /** Ticket. */
  public readonly ticket?: string;
  /** Expiry date (YYYY-MM-DD). */
  public readonly expires: string;

  constructor(props: PolicyExceptionProps) {
    checkProps('policy.PolicyExceptionProps', props, 'props');
    const where = `exception for ${props?.namespace ?? '?'}${props?.kind ? `/${props.kind}` : ''}${props?.name ? `/${props.name}` : ''}`;
    if (!Array.isArray(props.ruleIds) || props.ruleIds.length === 0) {
      throw new ValidationError('ruleIds', `must list at least one rule id (${where})`, props.ruleIds, "name the rules waived, e.g. ['LLM-PSS-003']");
    }
    Names.validateDns1123Label('namespace', props.namespace);
    if (props.kind !== undefined && !/^[A-Z][A-Za-z0-9]*$/.test(props.kind)) {
      throw new ValidationError('kind', `must be a Kubernetes kind in PascalCase (${where})`, props.kind, "use e.g. 'DaemonSet'");
    }
    if (props.name !== undefined && !Names.isDns1123Subdomain(props.name)) {
      throw new ValidationError('name', `must be a DNS-1123 object name (${where})`, props.name, 'use the metadata.name of the excepted object');
    }
    if (typeof props.owner !== 'string' || props.owner.trim() === '') {
      throw new ValidationError('owner', `is required (${where})`, props.owner, 'name the team or person accountable for the exception');
    }
    if (typeof props.reason !== 'string' || props.reason.trim() === '') {
      throw new ValidationError('reason', `is required (${where})`, props.reason, 'say why the rule cannot be met');
    }
    if (typeof props.expires !== 'string' || !isDate(props.expires)) {
      throw new ValidationError('expires', `must be a date YYYY-MM-DD (${where})`, props.expires, "set the last day the exception is valid, e.g. '2026-06-30'");
    }
    this.ruleIds = [...props.ruleIds].sort();
    this.namespace = props.namespace;
    this.kind = props.kind;
    this.name = props.name;
    this.owner = props.owner;
    this.reason = props.reason;
    this.ticket = props.ticket;
    this.expires = props.expires;
  }

  /** A stable DNS-1123 name for the exception's objects: `<namespace>[-<kind>][-<name>]`. */
  public get objectName(): string {
    const parts = [this.namespace, this.kind?.toLowerCase(), this.name].filter((x) => x !== undefined);
    return Names.toDns1123Label(parts.join('-'));
  }

  /**
   * Whether the exception has expired on `today` (YYYY-MM-DD): it is valid through its expiry day.
   */
  public isExpired(today: string): boolean {
    return today > this.expires;
  }

  /**
   * Whether the exception covers `object` (same namespace; kind and name when set, including the
   * objects the named controller creates).
   */
  public covers(object: any): boolean {
    return exemptionMatches(this.target, object);
  }

  /** @internal */
  public get _target(): ExemptTarget {
    return this.target;
  }

  private get target(): ExemptTarget {
    return { namespace: this.namespace, kind: this.kind, name: this.name };
  }
}

function isDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
