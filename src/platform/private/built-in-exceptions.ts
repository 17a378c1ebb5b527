import { ApiObject } from 'cdk8s';
import { IConstruct } from 'constructs';
import { BuiltInExceptions } from '../../policy/built-in-exceptions';
import { PolicyExceptionProps } from '../../policy/policy-exception';
import { PlatformNames } from '../platform-names';
import type { PlatformSpec } from '../platform-spec';

/**
 * The library's own exceptions a platform gets (none with `policy.builtInExceptions: false`), naming only
 * rules of `ruleIds` when given: what `KubernetesPlatform` renders and the diagram shows. A target the
 * spec's own exceptions already name (same namespace, kind and name) keeps the user's exception only (an
 * app that wrote the exception itself before the library carried it keeps working, with its owner and expiry).
 */
export function builtInExceptionsOf(spec: PlatformSpec, ruleIds?: string[]): PolicyExceptionProps[] {
  if (spec.policy?.builtInExceptions === false) return [];
  const target = (e: PolicyExceptionProps) => `${e.namespace}/${e.kind ?? ''}/${e.name ?? ''}`;
  const userTargets = new Set((spec.policy?.exceptions ?? []).map(target));
  return BuiltInExceptions.gpuAgents(PlatformNames.GPU_NAMESPACE, ruleIds).filter((e) => !userTargets.has(target(e)));
}

/** Annotation on a component's object: the rule ids the library's own exception waives for it. */
export const BUILT_IN_EXCEPTION_ANNOTATION = 'policy.llm-platform.io/built-in-exception';
/** Annotation on a component's object: why (the exception's reason). */
export const BUILT_IN_EXCEPTION_REASON_ANNOTATION = 'policy.llm-platform.io/built-in-exception-reason';

/**
 * Mark the objects of `component` that a built-in exception names (kind, name, namespace) with the rules it
 * waives and why, so the exception is visible on the object it covers whatever the policy engines.
 */
export function annotateBuiltInException(component: IConstruct, exceptions: PolicyExceptionProps[]): void {
  for (const c of component.node.findAll()) {
    if (!(c instanceof ApiObject)) continue;
    const e = exceptions.find((x) => x.kind === c.kind && x.name === c.name && x.namespace === c.metadata.namespace);
    if (!e) continue;
    c.metadata.addAnnotation(BUILT_IN_EXCEPTION_ANNOTATION, `${[...e.ruleIds].sort().join(',')} (owner ${e.owner})`);
    c.metadata.addAnnotation(BUILT_IN_EXCEPTION_REASON_ANNOTATION, e.reason);
  }
}
