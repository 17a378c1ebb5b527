import { ValidationError, ValidationProblem } from '../core/errors';
import { checkArgs } from '../core/private/runtime-types';

/**
 * One problem the twin found: what the cluster will do with the output that keeps the platform from
 * coming up or serving.
 */
export interface TwinProblem {
  /** The check that found it: `admission`, `flows`, `references`, `capacity` or `bootstrap`. */
  readonly check: string;
  /** The object at fault, `Kind namespace/name` (`Deployment search/llama3-8b-stable`) or `Kind name`. */
  readonly object: string;
  /**
   * The field of that object (`spec.template.spec.containers[istio-proxy].image`).
   *
   * @default - the whole object
   */
  readonly field?: string;
  /** What the cluster will do, lowercase (`makes pods that LLM-IMG-001 denies: ...`). */
  readonly problem: string;
  /** The offending value, rendered for humans (`nothing` when there is none). */
  readonly value: string;
  /** What to do, lowercase. */
  readonly fix: string;
}

/**
 * The outcome of one family of twin checks.
 */
export interface TwinCheckResult {
  /** `admission`, `flows`, `references`, `capacity` or `bootstrap`. */
  readonly name: string;
  /** How many items were checked (pods, flows, references, pools, bootstrap steps). */
  readonly checked: number;
  /** How many of them passed. */
  readonly passed: number;
  /** Summary lines (capacity per pool, bootstrap steps). */
  readonly summary: string[];
  /** What this check saw but does not model, one line each. */
  readonly notModelled: string[];
}

/**
 * What the platform twin found: per check family the counts, summary lines and what it did not model, and
 * every problem in the library's ValidationError grammar.
 */
export class PlatformTwinReport {
  /** Admission of the pods that will exist. */
  public readonly admission: TwinCheckResult;
  /** The network flows the platform needs. */
  public readonly flows: TwinCheckResult;
  /** References between objects, metrics, credentials, CRDs and projects. */
  public readonly references: TwinCheckResult;
  /** GPU capacity at minimum and maximum scale. */
  public readonly capacity: TwinCheckResult;
  /** Bootstrap from an empty cluster through Argo CD. */
  public readonly bootstrap: TwinCheckResult;
  /** Every problem, in check order, then by object. */
  public readonly problems: TwinProblem[];
  /** How many pods the admission check modelled. */
  public readonly podCount: number;

  constructor(checks: TwinCheckResult[], problems: TwinProblem[], podCount: number) {
    checkArgs('twin.PlatformTwinReport#new', [checks, problems, podCount]);
    const byName = new Map(checks.map((c) => [c.name, c]));
    const empty = (name: string): TwinCheckResult => ({ name, checked: 0, passed: 0, summary: [], notModelled: [] });
    this.admission = byName.get('admission') ?? empty('admission');
    this.flows = byName.get('flows') ?? empty('flows');
    this.references = byName.get('references') ?? empty('references');
    this.capacity = byName.get('capacity') ?? empty('capacity');
    this.bootstrap = byName.get('bootstrap') ?? empty('bootstrap');
    this.problems = [...problems];
    this.podCount = podCount;
  }

  /** The five check families, in report order. */
  public get checks(): TwinCheckResult[] {
    return [this.admission, this.flows, this.references, this.capacity, this.bootstrap];
  }

  /** Whether the twin found no problem. */
  public get ok(): boolean {
    return this.problems.length === 0;
  }

  /** Everything any check did not model, prefixed with the check's name. */
  public get notModelled(): string[] {
    return this.checks.flatMap((c) => c.notModelled.map((n) => `${c.name}: ${n}`));
  }

  /** The problems as ValidationProblems (`prop` = `<object> <field>`). */
  public get validationProblems(): ValidationProblem[] {
    return this.problems.map((p) => ({ prop: p.field ? `${p.object} ${p.field}` : p.object, problem: p.problem, value: p.value, fix: p.fix }));
  }

  /**
   * The summary the synth prints: the counts of every check (`pods admitted 41/41`), each check's summary
   * lines (flow families, capacity per pool, bootstrap steps), what is not modelled, and every problem.
   *
   * @param indent prefix of every line
   * @default '  '
   */
  public summaryLines(indent: string = '  '): string[] {
    checkArgs('twin.PlatformTwinReport#summaryLines', [indent]);
    const lines = [
      `${indent}pods admitted ${this.admission.passed}/${this.admission.checked}, flows allowed ${this.flows.passed}/${this.flows.checked}, references resolved ${this.references.passed}/${this.references.checked}`,
      `${indent}capacity: pools ok ${this.capacity.passed}/${this.capacity.checked}; bootstrap: steps ok ${this.bootstrap.passed}/${this.bootstrap.checked}`,
    ];
    for (const c of this.checks) for (const l of c.summary) lines.push(`${indent}  ${c.name}: ${l}`);
    const notModelled = this.notModelled;
    lines.push(`${indent}not modelled: ${notModelled.length === 0 ? 'nothing in this output' : `${notModelled.length} item(s)`}`);
    for (const n of notModelled) lines.push(`${indent}  - ${n}`);
    lines.push(`${indent}problems: ${this.problems.length}`);
    for (const p of this.validationProblems) lines.push(`${indent}  - ${ValidationError.format(p)}`);
    return lines;
  }

  /** The summary as text. */
  public toString(): string {
    return this.summaryLines('').join('\n');
  }
}
