/**
 * Rules the library builds itself (the catalogue's baseline and the Pod Security rules of every release)
 * defer their CEL compilation to first evaluation: loading the package must not parse ~30 expressions
 * (about 150 ms cold, issue 18). Their expressions are compiled by the tests
 * (test/policy/policy-catalogue.test.ts: every built-in rule of every release compiles), and the evaluator
 * compiles the ones a run uses. Rules users write (`PolicyRule.custom`) are still compiled at construction,
 * so a bad expression fails where it is written.
 */
export const builtInRuleState = { depth: 0 };

/** Run `build` with CEL compilation deferred for the rules it constructs. */
export function asBuiltIn<T>(build: () => T): T {
  builtInRuleState.depth++;
  try {
    return build();
  } finally {
    builtInRuleState.depth--;
  }
}
