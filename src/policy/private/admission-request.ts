/**
 * Which admission requests a rule decides, as Kubernetes' Pod Security admission decides them, shared by
 * the renderers (as CEL) and the synth-time evaluator (in TypeScript).
 *
 * Upstream: kubernetes/pod-security-admission `admission/admission.go` (identical at v0.28.0 through
 * v0.35.6; cited at v0.34.9, commit a176237ea91676d6b5329fae80d69b88863867c3):
 * - `ValidatePod` evaluates `pods` CREATE and UPDATE requests and every pod subresource except those in
 *   `ignoredPodSubresources` (exec, attach, binding, eviction, log, portforward, proxy, status), so
 *   `pods/ephemeralcontainers` (what `kubectl debug` writes: an UPDATE whose object is the whole Pod) is
 *   evaluated, and `pods/resize` is too (but a resize never changes an image, see below);
 * - on UPDATE it allows the request without evaluating it unless `isSignificantPodUpdate(pod, oldPod)`:
 *   the number of containers or init containers changed, a container's or init container's image
 *   changed (by index), or an ephemeral container was added or changed image (matched by name);
 * - `ValidatePodController` evaluates CREATE and UPDATE of pod controllers (no significance test) and
 *   skips every subresource.
 * The webhook form (`webhook/manifests/70-validatingwebhookconfiguration.yaml`) registers `pods` and
 * `pods/ephemeralcontainers` for CREATE and UPDATE.
 */
import { ComplianceFramework, PolicyRule } from '../policy-rule';
import { ResourceKind } from '../resource-kind';

/** The pod subresource rules evaluate besides the pod itself (`kubectl debug`). */
export const EPHEMERAL_CONTAINERS = 'ephemeralcontainers';

/** Whether a rule matches bare Pods (and so `pods/ephemeralcontainers`). */
export function matchesPods(rule: PolicyRule): boolean {
  return rule.kinds.some((k) => k === ResourceKind.POD);
}

/**
 * Whether a rule decides pod UPDATEs as Pod Security admission does (only significant ones): the rules
 * of the Pod Security Standards (a `PSS` compliance reference) that match Pods. Other rules evaluate
 * every pod UPDATE: a label change can break a rule that reads pod metadata, which the standard does not.
 */
export function exemptsInsignificantPodUpdates(rule: PolicyRule): boolean {
  return matchesPods(rule) && rule.compliance.some((c) => c.framework === ComplianceFramework.POD_SECURITY_STANDARDS);
}

const list = (o: string, field: string) => `(has(${o}.spec) && has(${o}.spec.${field}) ? ${o}.spec.${field} : [])`;
const image = (c: string) => `(has(${c}.image) ? ${c}.image : '')`;
const images = (o: string, field: string) => `${list(o, field)}.map(c, ${image('c')})`;

/**
 * CEL over `object` and `oldObject` only (so it holds in VAP matchConditions, Kyverno celPreconditions,
 * Gatekeeper matchCondition, and in background scans and audits, where `oldObject` is null): true
 * unless the request is an UPDATE of a Pod that `isSignificantPodUpdate` would let through unevaluated.
 * Lists compare element by element, as upstream compares containers by index.
 */
export const SIGNIFICANT_POD_UPDATE = "object == null || oldObject == null || object.kind != 'Pod'"
  + ` || ${images('object', 'containers')} != ${images('oldObject', 'containers')}`
  + ` || ${images('object', 'initContainers')} != ${images('oldObject', 'initContainers')}`
  + ` || ${list('object', 'ephemeralContainers')}.exists(e, !${list('oldObject', 'ephemeralContainers')}.exists(x, x.name == e.name && ${image('x')} == ${image('e')}))`;

/** The matchCondition name of SIGNIFICANT_POD_UPDATE in every engine. */
export const SIGNIFICANT_POD_UPDATE_CONDITION = 'pod-security-significant-update';

/**
 * `isSignificantPodUpdate` of admission.go, in TypeScript: whether a pod UPDATE is evaluated.
 *
 * @param pod the new Pod (plain JSON)
 * @param oldPod the existing Pod (plain JSON)
 */
export function isSignificantPodUpdate(pod: any, oldPod: any): boolean {
  const arr = (o: any, f: string): any[] => (Array.isArray(o?.spec?.[f]) ? o.spec[f] : []);
  const img = (c: any): string => (typeof c?.image === 'string' ? c.image : '');
  for (const f of ['containers', 'initContainers']) {
    const now = arr(pod, f);
    const before = arr(oldPod, f);
    if (now.length !== before.length) return true;
    if (now.some((c, i) => img(c) !== img(before[i]))) return true;
  }
  const oldEphemeral = arr(oldPod, 'ephemeralContainers');
  for (const c of arr(pod, 'ephemeralContainers')) {
    const old = oldEphemeral.find((o) => o?.name === c?.name);
    if (old === undefined) return true; // EphemeralContainer added
    if (img(c) !== img(old)) return true;
  }
  return false;
}

/**
 * Whether Pod Security admission's request scope lets `rule` decide the request at all: the pod itself,
 * `pods/ephemeralcontainers`, or a controller itself; a significant update when the rule follows the
 * standard's update exemption.
 */
export function ruleDecides(rule: PolicyRule, request: { operation: string; object: any; oldObject?: any; subResource?: string }): boolean {
  const sub = request.subResource ?? '';
  const kind = request.object?.kind;
  if (sub !== '' && !(kind === 'Pod' && sub === EPHEMERAL_CONTAINERS && matchesPods(rule))) return false;
  if (request.operation === 'UPDATE' && kind === 'Pod' && request.oldObject && exemptsInsignificantPodUpdates(rule)) {
    return isSignificantPodUpdate(request.object, request.oldObject);
  }
  return true;
}
