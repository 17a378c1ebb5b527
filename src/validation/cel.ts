import { ValidationError } from '../core/errors';
import { ADMISSION_VARIABLES, CelCompileError, compileCel } from './private/cel-engine';
import { checkArgs } from '../core/private/runtime-types';

/**
 * The outcome of compiling a CEL expression.
 */
export interface CelCheckResult {
  /**
   * Whether the expression parsed and every function and variable it uses exists.
   */
  readonly ok: boolean;

  /**
   * Why it did not compile.
   *
   * @default - none (ok)
   */
  readonly error?: string;
}

/**
 * The outcome of evaluating a CEL expression.
 */
export interface CelEvaluation {
  /**
   * The result, converted to plain data (ints within the safe range become numbers).
   *
   * @default - none (error)
   */
  readonly value?: any;

  /**
   * The evaluation or compile error.
   *
   * @default - none (ok)
   */
  readonly error?: string;
}

/**
 * Compile and evaluate CEL expressions offline, with the Kubernetes CEL libraries (regex `find`/
 * `findAll`, lists, strings, `url()`/`isURL()`, `quantity()`/`isQuantity()`) that the API server adds.
 *
 * This is the engine behind CRD `x-kubernetes-validations` checks in the harness and the policy
 * layer's synth-time evaluation, so a rule that passes here passes in the cluster.
 *
 * ```ts
 * Cel.evaluate("object.spec.replicas >= 2", { object: deployment }).value // true
 * Cel.compile('object.spec.containers.all(c, c.image.contains("@sha256:"))').ok // true
 * ```
 */
export class Cel {
  /**
   * Variables an admission or CRD rule may reference: `object`, `oldObject`, `request`, `params`,
   * `namespaceObject`, `authorizer`, `variables`, `self`, `oldSelf`.
   */
  public static readonly ADMISSION_VARIABLES: string[] = [...ADMISSION_VARIABLES];

  /**
   * Compile `expression`: parse it and check that every function and variable it uses exists.
   *
   * @param expression the CEL source
   * @param variables the variables it may reference
   * @default variables Cel.ADMISSION_VARIABLES
   */
  public static compile(expression: string, variables?: string[]): CelCheckResult {
    checkArgs('validation.Cel#compile', [expression, variables]);
    try {
      compileCel(expression, variables ?? ADMISSION_VARIABLES);
      return { ok: true };
    } catch (e) {
      if (e instanceof CelCompileError) return { ok: false, error: e.reason };
      throw e;
    }
  }

  /**
   * Throw a ValidationError naming `prop` unless `expression` compiles.
   *
   * @param prop the prop that holds the expression (for the error message)
   * @param expression the CEL source
   * @param variables the variables it may reference
   */
  public static assertCompiles(prop: string, expression: string, variables?: string[]): void {
    const result = Cel.compile(expression, variables);
    if (!result.ok) {
      throw new ValidationError(prop, `is not a valid CEL expression (${result.error})`, expression,
        'fix the expression; functions available are the CEL standard library plus the Kubernetes CEL libraries');
    }
  }

  /**
   * Evaluate `expression` with `bindings` (plain JSON-like data; objects become CEL maps and
   * whole numbers CEL ints, as the API server decodes them).
   */
  public static evaluate(expression: string, bindings: { [name: string]: any }, variables?: string[]): CelEvaluation {
    checkArgs('validation.Cel#evaluate', [expression, bindings, variables]);
    let program;
    try {
      program = compileCel(expression, variables ?? ADMISSION_VARIABLES);
    } catch (e) {
      if (e instanceof CelCompileError) return { error: `compile error: ${e.reason}` };
      throw e;
    }
    const outcome = program.evaluate(bindings ?? {});
    return outcome.error !== undefined ? { error: outcome.error } : { value: outcome.value };
  }

  private constructor() {}
}
