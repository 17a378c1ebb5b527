import { IConstruct } from 'constructs';

/**
 * One problem found in user input: the prop (or spec path), what is wrong, the value and the fix.
 */
export interface ValidationProblem {
  /**
   * The prop or spec path at fault, e.g. `gpusPerReplica` or `models[2].tenant`.
   */
  readonly prop: string;

  /**
   * What is wrong, lowercase, e.g. `must be between 1 and 8`.
   */
  readonly problem: string;

  /**
   * The offending value, already rendered for humans (see `ValidationError.render`).
   */
  readonly value: string;

  /**
   * What to do about it, lowercase, no trailing period.
   */
  readonly fix: string;
}

/**
 * Helpers for callers that catch this library's errors (jsii-safe: `ValidationError` itself extends
 * `Error`, which jsii cannot export, so it lives in `cdk-llm-platform/lib/core/errors`).
 */
export class ValidationErrors {
  /**
   * Whether `error` is a ValidationError thrown by this library.
   */
  public static isValidationError(error: any): boolean {
    return ValidationError.isValidationError(error);
  }

  /**
   * The problems a ValidationError reports (empty for any other value).
   */
  public static problemsOf(error: any): ValidationProblem[] {
    return ValidationError.isValidationError(error) ? [...error.problems] : [];
  }

  private constructor() {}
}

/**
 * The one error type of this library: bad input, found at synth time.
 *
 * Message grammar (one line per problem):
 * `'<prop>' <what is wrong>, got <value>; <what to do>`, prefixed with the construct path when a
 * construct is known (`Platform/Models/llama3: 'gpusPerReplica' must be ...`).
 */
export class ValidationError extends Error {
  /**
   * Whether `x` is a ValidationError (works across copies of this library).
   */
  public static isValidationError(x: any): x is ValidationError {
    return x !== null && typeof x === 'object' && (x as any)[VALIDATION_ERROR_SYMBOL] === true;
  }

  /**
   * Render a value for an error message: strings quoted, undefined as `nothing`, objects as JSON.
   */
  public static render(value: any): string {
    if (value === undefined) return 'nothing';
    if (typeof value === 'string') return `'${value}'`;
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
    try {
      const json = JSON.stringify(value);
      return json.length > 200 ? `${json.slice(0, 197)}...` : json;
    } catch {
      return String(value);
    }
  }

  /**
   * Format one problem in the house grammar.
   */
  public static format(problem: ValidationProblem): string {
    return `'${problem.prop}' ${problem.problem}, got ${problem.value}; ${problem.fix}`;
  }

  /**
   * The construct path where the problem was found, if any.
   */
  public readonly constructPath?: string;

  /**
   * Every problem this error reports (at least one).
   */
  public readonly problems: ValidationProblem[];

  /**
   * @param prop the prop or spec path at fault
   * @param problem what is wrong (`must be between 1 and 8`)
   * @param value the offending value (rendered with `ValidationError.render`)
   * @param fix what to do (`set 'gpusPerReplica' to the GPUs one replica needs`)
   * @param scope the construct where the problem was found
   */
  constructor(prop: string, problem: string, value: any, fix: string, scope?: IConstruct) {
    const first: ValidationProblem = { prop, problem, value: ValidationError.render(value), fix };
    const path = scope ? scopePath(scope) : undefined;
    super(withPath(path, ValidationError.format(first)));
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = 'ValidationError';
    this.constructPath = path;
    this.problems = [first];
    Object.defineProperty(this, VALIDATION_ERROR_SYMBOL, { value: true, enumerable: false });
  }

  /**
   * Add more problems to this error (the message lists every one of them).
   *
   * @returns this error
   */
  public withProblems(more: ValidationProblem[]): ValidationError {
    if (more.length === 0) return this;
    this.problems.push(...more);
    const lines = this.problems.map((p) => `- ${ValidationError.format(p)}`);
    this.message = withPath(this.constructPath, `${this.problems.length} problems:\n${lines.join('\n')}`);
    return this;
  }
}

/**
 * Collects problems so a construct or a spec can report all of them at once, not only the first.
 *
 * ```ts
 * const problems = new ProblemCollector(this);
 * problems.check(props.gpusPerReplica >= 1, 'gpusPerReplica', 'must be at least 1', props.gpusPerReplica, 'request at least one GPU');
 * problems.throwIfAny();
 * ```
 */
export class ProblemCollector {
  private readonly found: ValidationProblem[] = [];

  /**
   * @param scope the construct the problems belong to
   */
  constructor(private readonly scope?: IConstruct) {}

  /**
   * Record a problem when `ok` is false.
   *
   * @returns `ok`, so callers can skip dependent checks
   */
  public check(ok: boolean, prop: string, problem: string, value: any, fix: string): boolean {
    if (!ok) this.add(prop, problem, value, fix);
    return ok;
  }

  /**
   * Record a problem.
   */
  public add(prop: string, problem: string, value: any, fix: string): void {
    this.found.push({ prop, problem, value: ValidationError.render(value), fix });
  }

  /**
   * Record a problem another check reported (its value already rendered), e.g. at a new prop path.
   *
   * @param problem the problem
   */
  public addProblem(problem: ValidationProblem): void {
    this.found.push({ prop: problem.prop, problem: problem.problem, value: problem.value, fix: problem.fix });
  }

  /**
   * Record every problem of a ValidationError (or rethrow anything else).
   *
   * @param error what a nested check threw
   * @param prefix a spec path to put in front of each problem's prop (`models[2]`)
   */
  public addError(error: any, prefix?: string): void {
    if (!ValidationError.isValidationError(error)) throw error;
    for (const p of error.problems) {
      this.found.push({ ...p, prop: prefix ? joinPath(prefix, p.prop) : p.prop });
    }
  }

  /**
   * Run `fn`; record its ValidationError (with `prefix` on each prop) instead of throwing.
   */
  public capture(fn: () => void, prefix?: string): void {
    try {
      fn();
    } catch (e) {
      this.addError(e, prefix);
    }
  }

  /**
   * The problems recorded so far.
   */
  public get problems(): ValidationProblem[] {
    return [...this.found];
  }

  /**
   * Whether nothing was recorded.
   */
  public get isEmpty(): boolean {
    return this.found.length === 0;
  }

  /**
   * Throw one ValidationError listing every recorded problem, if there is any.
   */
  public throwIfAny(): void {
    if (this.found.length === 0) return;
    const [first, ...rest] = this.found;
    const error = new ValidationError(first.prop, first.problem, undefined, first.fix, this.scope);
    (error.problems[0] as any).value = first.value;
    error.message = withPath(error.constructPath, ValidationError.format(first));
    error.withProblems(rest);
    throw error;
  }
}

const VALIDATION_ERROR_SYMBOL = Symbol.for('cdk-llm-platform.ValidationError');

function scopePath(scope: IConstruct): string {
  const path = scope.node.path;
  return path === '' ? scope.node.id || '<root>' : path;
}

function withPath(path: string | undefined, message: string): string {
  return path ? `${path}: ${message}` : message;
}

function joinPath(prefix: string, prop: string): string {
  return prop.startsWith('[') ? `${prefix}${prop}` : `${prefix}.${prop}`;
}
