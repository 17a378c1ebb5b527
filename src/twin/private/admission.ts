import { CheckOutcome, TwinContext, TwinFinding, TwinPod } from './model';
import { podSecurityViolations } from './pod-security';
import { PolicyViolation } from '../../policy/policy-evaluator';

/**
 * Admission of the pods that will exist: each pod of the inventory (controller-, operator- and add-on-made,
 * after Istio sidecar injection) is evaluated, as the API server would admit it, by the Pod Security level
 * of its namespace (`pod-security.kubernetes.io/enforce`) and by the enforce policy set with its
 * exceptions.
 */
export function checkAdmission(ctx: TwinContext): CheckOutcome {
  const findings: TwinFinding[] = [];
  const notModelled: string[] = [];
  const namespaces = namespaceObjects(ctx);
  // One evaluation of every pod (rules are planned and compiled once per run, not per pod); each pod gets
  // a name unique in its namespace, as the API server gives it (`generateName` plus a suffix).
  const violations = new Map<TwinPod, PolicyViolation[]>();
  if (ctx.options.policy) {
    const keys = new Set<string>();
    const named = ctx.pods.map((p, i) => {
      const meta = p.pod?.metadata ?? {};
      let name: string = meta.name ?? `${meta.generateName ?? p.namePrefix}twin${i}`;
      if (keys.has(`${p.namespace}/${name}`)) name = `${name}-twin${i}`;
      keys.add(`${p.namespace}/${name}`);
      return { pod: p, object: { ...p.pod, metadata: { ...meta, name, namespace: p.namespace } } };
    });
    const byKey = new Map(named.map((n) => [`${n.pod.namespace}/${n.object.metadata.name}`, n.pod]));
    const report = ctx.options.policy.evaluate(named.map((n) => n.object), { namespaces: [...namespaces.values()] });
    for (const v of report.errors) {
      const pod = byKey.get(`${v.namespace}/${v.name}`);
      if (!pod) continue;
      const list = violations.get(pod) ?? [];
      list.push(v);
      violations.set(pod, list);
    }
  }
  let passed = 0;
  for (const pod of ctx.pods) {
    const before = findings.length;
    const ns = namespaces.get(pod.namespace);
    for (const v of podSecurityViolations(pod.pod, ns, ctx.options.kubernetesVersion)) {
      findings.push({
        check: 'admission',
        object: pod.owner,
        field: pod.templatePath,
        problem: `makes pods that Pod Security admission denies in namespace ${pod.namespace} (enforce ${v.level})${madeHow(pod)}: ${v.reason}`,
        value: v.value,
        fix: fixFor(pod, `lower the namespace's pod-security.kubernetes.io/enforce level only if the workload truly needs it, else ${v.fix}`),
      });
    }
    for (const v of violations.get(pod) ?? []) {
      findings.push({
        check: 'admission',
        object: pod.owner,
        field: pod.templatePath,
        problem: `makes pods that ${v.ruleId} (${v.title}) denies${madeHow(pod)}: ${v.message}`,
        value: undefined,
        fix: fixFor(pod, `make the pod comply, or add a policy exception (owner, reason, expiry) for ${v.ruleId} that covers the pods`),
      });
    }
    if (findings.length === before) passed++;
  }
  // The other objects add-ons and operators create (an add-on's LoadBalancer Service, a KServe Ingress)
  // pass the same admission: the API server sees them as it sees the output's own objects.
  const summary: string[] = [];
  const others = ctx.derived.filter((o) => o?.kind !== 'Namespace' && o?.kind !== 'CustomResourceDefinition');
  if (ctx.options.policy && others.length > 0) {
    const report = ctx.options.policy.evaluate(others, { namespaces: [...namespaces.values()] });
    const denied = new Set<string>();
    for (const v of report.errors) {
      const object = others.find((o) => o.kind === v.kind && (o.metadata?.namespace ?? 'default') === v.namespace && o.metadata?.name === v.name);
      const madeBy = object?.metadata?.annotations?.[MADE_BY] ?? `${v.kind} ${v.namespace}/${v.name}`;
      denied.add(`${v.kind} ${v.namespace}/${v.name}`);
      findings.push({
        check: 'admission',
        object: madeBy,
        field: `${v.kind} ${v.namespace}/${v.name}`,
        problem: `creates an object that ${v.ruleId} (${v.title}) denies: ${v.message}`,
        value: undefined,
        fix: `configure what creates it so the object complies, or add a policy exception (owner, reason, expiry) for ${v.ruleId}`,
      });
    }
    summary.push(`objects made by add-ons and operators admitted ${others.length - denied.size}/${others.length}`);
  }
  return { check: 'admission', checked: ctx.pods.length, passed, findings, notModelled, summary };
}

/** The annotation the pod inventory puts on objects that operators and add-ons create (`Application argocd/x`). */
const MADE_BY = 'twin.llm-platform.io/made-by';

/** Every Namespace of the output and the ones add-ons and operators create. */
function namespaceObjects(ctx: TwinContext): Map<string, any> {
  const out = new Map<string, any>();
  for (const n of ctx.derived) if (n?.kind === 'Namespace' && n.metadata?.name) out.set(n.metadata.name, n);
  for (const n of ctx.index.ofKind('Namespace')) if (n.metadata?.name) out.set(n.metadata.name, n);
  return out;
}

function madeHow(pod: TwinPod): string {
  const how = pod.origin === 'addon' ? ' (the add-on\'s own pods from its pinned chart' : pod.origin === 'operator' ? ' (pods the operator builds' : '';
  // What changed the pod (injection, rewrites); the replica range is not a change of the pod.
  const changes = pod.mutations.filter((m) => !m.startsWith('replicas '));
  const mutations = changes.length > 0 ? `after ${changes.join(', ')}` : '';
  if (how && mutations) return `${how}, ${mutations})`;
  if (how) return `${how})`;
  return mutations ? ` (${mutations})` : '';
}

function fixFor(pod: TwinPod, fix: string): string {
  if (pod.origin === 'addon') return `set the add-on's chart values so its pods comply, or scope the rule away from the add-on's namespace ${pod.namespace}; else ${fix}`;
  return fix;
}
