import { IConstruct } from 'constructs';
import { ProblemCollector } from '../../core/errors';
import { collectTypeProblems } from '../../core/private/runtime-types';
import { PlatformSpecValidator } from '../platform-spec-validator';

/**
 * Characters a cdktf stack id may not hold (cdktf 0.21.0 lib/terraform-stack.js `throwIfIdIsGlobCharacter`:
 * the stack id is a glob in `cdktf deploy <stack>`), plus whitespace (same file: "contains a whitespace character").
 */
const ID_GLOB_CHARACTERS = ['*', '?', '[', ']', '{', '}', '!'];

/**
 * What both entry points (`AwsPlatformStack`, `KubernetesPlatform`) run first, identically, before they build
 * anything (AwsPlatformStack before its `super()`, so a bad id or name never fails inside cdktf first): the
 * construct id, the props' types and the whole spec (`PlatformSpecValidator`: its types, then every
 * spec-level rule). Every problem is reported at once, each naming its spec path (`tenants[2].name`), and
 * the error carries the path the construct is created at (`<scope path>/<id>`).
 *
 * @param propsType the entry point's props type (`platform.AwsPlatformStackProps`)
 * @param more the entry point's own checks of its other props (run when the props are an object)
 */
export function validateEntry(propsType: string, scope: IConstruct, id: string, props: any, more?: (problems: ProblemCollector) => void): void {
  const parentPath: any = (scope as any)?.node?.path;
  const path = typeof parentPath === 'string' && parentPath !== '' ? `${parentPath}/${id}` : String(id);
  // the construct does not exist yet: the problems name the path it would have
  const problems = new ProblemCollector({ node: { path, id } } as any);
  if (typeof id !== 'string' || id === '' || /\s/.test(id) || ID_GLOB_CHARACTERS.some((ch) => id.includes(ch))) {
    problems.add('id', 'must be a non-empty construct id without whitespace or the characters * ? [ ] { } ! (the Terraform stack id is a glob)', id,
      "use the platform name, e.g. 'acme-llm'");
  }
  if (props === null || typeof props !== 'object' || Array.isArray(props)) {
    collectTypeProblems(problems, propsType, props, 'props');
  } else {
    // the other props by type; the spec (types and rules) with paths relative to it, as PlatformSpecValidator reports them
    collectTypeProblems(problems, propsType, props, 'props', ['spec']);
    validateSpecOnce(problems, props.spec);
    more?.(problems);
  }
  problems.throwIfAny();
}

/**
 * The specs that passed `PlatformSpecValidator`, each with its fingerprint then: an app builds both entry
 * points from one spec object, and the second skips the whole-spec validation (which builds every model
 * once more in a throwaway tree) when that object is unchanged. A changed or new spec is validated.
 */
const VALID_SPECS = new WeakMap<object, string>();

/**
 * Record a spec another caller validated in full with no problem (`Fleet`'s cluster specs), so the entry
 * points built from it skip the whole-spec validation while it is unchanged.
 */
export function rememberValidSpec(spec: object): void {
  const print = fingerprint(spec);
  if (print !== undefined) VALID_SPECS.set(spec, print);
}

function validateSpecOnce(problems: ProblemCollector, spec: unknown): void {
  const key = spec !== null && typeof spec === 'object' ? spec : undefined;
  const before = key && fingerprint(key);
  if (key && before !== undefined && VALID_SPECS.get(key) === before) return;
  const found = problems.problems.length;
  problems.capture(() => PlatformSpecValidator.validate(spec as any));
  if (key && before !== undefined && problems.problems.length === found) VALID_SPECS.set(key, before);
}

/**
 * The spec's content as one string: plain data as JSON, each class instance (`KubernetesVersion`,
 * `ModelSource`, `PolicyRule`...) with its class name and own fields; undefined when it cannot be
 * serialized (a cycle), and then the spec is validated every time.
 */
function fingerprint(spec: object): string | undefined {
  try {
    return JSON.stringify(spec, (_key, value) => {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
      const proto = Object.getPrototypeOf(value);
      return proto === Object.prototype || proto === null ? value : { '@class': value.constructor?.name ?? '?', ...value };
    });
  } catch {
    return undefined;
  }
}
