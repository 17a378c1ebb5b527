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
 */
export function validateEntry(propsType: string, scope: IConstruct, id: string, props: any): void {
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
    problems.capture(() => PlatformSpecValidator.validate(props.spec));
  }
  problems.throwIfAny();
}
