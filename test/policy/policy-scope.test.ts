import { PolicyAction, PolicyCatalogue, PolicyEngine, PolicyEvaluator, PolicySet } from '../../src/policy';
import { Cel } from '../../src/validation';
import { findObject, findObjects, TestChart } from '../util';
import { DIGEST, ECR, synthPolicies, variant } from './fixtures';

const NAME = 'kubernetes.io/metadata.name';
const PLATFORM = ['istio-ingress', 'istio-system', 'kyverno', 'monitoring', 'nvidia-gpu'];

/** An add-on pod as its upstream chart renders it (istiod): mirrored and pinned, but no runAsNonRoot, seccomp, limits, probes on every container. */
function addonPod(namespace: string, image = `${ECR}/istio/pilot@${DIGEST}`): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: 'istiod-', namespace },
    spec: {
      serviceAccountName: 'istiod',
      containers: [{ name: 'discovery', image, securityContext: { capabilities: { drop: ['ALL'] } }, resources: { requests: { cpu: '500m', memory: '2Gi' } } }],
    },
  };
}

const loadBalancer = (namespace: string) => ({
  apiVersion: 'v1', kind: 'Service', metadata: { name: 'istio-ingressgateway', namespace }, spec: { type: 'LoadBalancer', ports: [{ port: 443 }] },
});

describe('defect 1: the strict rule set applies to tenant namespaces, the platform profile to the platform\'s own', () => {
  const rules = PolicyCatalogue.baseline({ allowedRegistries: [ECR] });

  test('the broken variant: without platform namespaces the enforce set denies an add-on\'s own pod', () => {
    const report = new PolicyEvaluator({ rules, today: '2026-01-01' }).evaluate([addonPod('istio-system')]);
    expect(report.errors.map((v) => v.ruleId)).toEqual(expect.arrayContaining(['LLM-PSS-006', 'LLM-PSS-007', 'LLM-PSS-008', 'LLM-RES-001', 'LLM-SEC-001']));
  });

  test('with platform namespaces: the add-on pod is admitted, its hygiene gaps audited; supply-chain rules still enforced', () => {
    const ev = new PolicySet(new TestChart(), 'P', { rules, platformNamespaces: PLATFORM, today: '2026-01-01' }).evaluator();
    const ok = ev.evaluate([addonPod('istio-system')]);
    expect(ok.errors).toEqual([]);
    expect(ok.warnings.map((v) => [v.ruleId, v.action])).toEqual([
      ['LLM-RES-001', PolicyAction.AUDIT], ['LLM-SEC-001', PolicyAction.AUDIT],
    ]);
    // an unmirrored, unpinned image in a platform namespace is still denied
    const foreign = ev.evaluate([addonPod('istio-system', 'docker.io/istio/pilot:1.30.3')]);
    expect(foreign.errors.map((v) => v.ruleId)).toEqual(['LLM-IMG-001', 'LLM-IMG-003']);
    // the same pod in a tenant namespace, or in a namespace the platform does not know: the full set (fail closed)
    for (const ns of ['search', 'scratch']) {
      expect(ev.evaluate([addonPod(ns)]).errors.map((v) => v.ruleId)).toEqual(expect.arrayContaining(['LLM-PSS-006', 'LLM-PSS-008', 'LLM-RES-001', 'LLM-SEC-001']));
    }
    // excluded namespaces stay excluded
    expect(ev.evaluate([addonPod('kube-system', 'docker.io/x:latest')]).violations).toEqual([]);
  });

  test('the platform profile is explicit: the supply chain, GPU and network rules enforce, hygiene audits, PSS rules are left to Pod Security admission', () => {
    const actions = PolicyCatalogue.platformActions();
    expect(Object.keys(actions).filter((id) => actions[id] === PolicyAction.ENFORCE).sort()).toEqual([
      'LLM-GPU-001', 'LLM-GPU-002', 'LLM-GPU-003', 'LLM-GPU-004', 'LLM-IMG-001', 'LLM-IMG-002', 'LLM-IMG-003', 'LLM-NET-001', 'LLM-NET-002', 'LLM-NET-003',
    ]);
    expect(Object.keys(actions).filter((id) => actions[id] === PolicyAction.AUDIT).sort()).toEqual(['LLM-RBAC-001', 'LLM-RES-001', 'LLM-RES-002', 'LLM-SA-001', 'LLM-SEC-001']);
    expect(Object.keys(actions).some((id) => id.startsWith('LLM-PSS-'))).toBe(false);
    // a set keeps only the entries of its rules; own actions are checked
    const set = new PolicySet(new TestChart(), 'P', { rules: [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.IMAGE_DIGEST], platformNamespaces: PLATFORM, today: '2026-01-01' });
    expect(set.platformActions).toEqual({ 'LLM-IMG-001': PolicyAction.ENFORCE });
    const own = new PolicySet(new TestChart(), 'P', { rules: [PolicyCatalogue.PRIVILEGED], platformNamespaces: PLATFORM, platformActions: { 'LLM-PSS-001': PolicyAction.WARN }, today: '2026-01-01' });
    expect(own.evaluator().evaluate([variant(addonPod('kyverno'), (p) => p.spec.containers[0].securityContext.privileged = true)]).warnings.map((v) => v.action)).toEqual([PolicyAction.WARN]);
    expect(() => new PolicySet(new TestChart(), 'P', { rules: [PolicyCatalogue.PRIVILEGED], platformActions: { 'LLM-IMG-001': PolicyAction.ENFORCE } }))
      .toThrow(/'platformActions' names a rule that is not in the policy set, got 'LLM-IMG-001'; use one of: LLM-PSS-001/);
    expect(() => new PolicySet(new TestChart(), 'P', { rules: [PolicyCatalogue.PRIVILEGED], platformActions: { 'LLM-PSS-001': 'deny' as any } }))
      .toThrow(/'platformActions\[LLM-PSS-001\]' must be a PolicyAction, got 'deny'/);
    expect(() => new PolicySet(new TestChart(), 'P', { platformNamespaces: ['Istio_System'] })).toThrow(/'platformNamespaces'/);
  });

  test('every engine renders the same scoping by kubernetes.io/metadata.name (VAP bindings, Kyverno rules, Gatekeeper constraints)', () => {
    const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', {
      rules: [PolicyCatalogue.RUN_AS_NON_ROOT, PolicyCatalogue.IMAGE_DIGEST, PolicyCatalogue.RESOURCES],
      engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER],
      platformNamespaces: PLATFORM,
      today: '2026-01-01',
    }));
    const tenantSelector = { matchExpressions: [{ key: NAME, operator: 'NotIn', values: [...PLATFORM, 'kube-system'].sort() }] };
    const platformSelector = { matchExpressions: [{ key: NAME, operator: 'In', values: PLATFORM }, { key: NAME, operator: 'NotIn', values: ['kube-system'] }] };
    // VAP: a tenant binding per rule, a platform binding only where the profile has the rule
    const bindings = findObjects(objects, 'ValidatingAdmissionPolicyBinding');
    expect(bindings.map((b) => `${b.metadata.name}:${b.spec.validationActions}`).sort()).toEqual([
      'llm-img-001-require-image-digest-platform:Deny', 'llm-img-001-require-image-digest:Deny',
      'llm-pss-006-require-run-as-non-root:Deny',
      'llm-res-001-require-requests-limits-platform:Audit', 'llm-res-001-require-requests-limits:Deny',
    ]);
    for (const b of bindings) {
      const platform = b.metadata.name.endsWith('-platform');
      expect(b.metadata.labels['policy.llm-platform.io/profile']).toBe(platform ? 'platform' : 'tenant');
      expect(b.spec.matchResources.namespaceSelector).toEqual(platform ? platformSelector : tenantSelector);
    }
    // Kyverno (auditing: VAP enforces): one rule per scope
    const cp = findObject(objects, 'ClusterPolicy', 'llm-img-001-require-image-digest');
    expect(cp.spec.rules.map((r: any) => [r.name, r.match.any[0].resources.namespaceSelector])).toEqual([
      ['llm-img-001-require-image-digest', tenantSelector], ['platform-namespaces', platformSelector],
    ]);
    expect(findObject(objects, 'ClusterPolicy', 'llm-pss-006-require-run-as-non-root').spec.rules).toHaveLength(1);
    // Gatekeeper: one constraint per scope
    const constraints = findObjects(objects, 'LlmImg001');
    expect(constraints.map((c) => [c.metadata.name, c.spec.match.namespaces, c.spec.match.excludedNamespaces])).toEqual([
      ['llm-img-001-require-image-digest', undefined, [...PLATFORM, 'kube-system'].sort()],
      ['llm-img-001-require-image-digest-platform', PLATFORM, ['kube-system']],
    ]);
  });

  test('Kyverno exceptions waive the rule in both scopes', () => {
    const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', {
      rules: [PolicyCatalogue.IMAGE_DIGEST, PolicyCatalogue.HOST_PATH],
      engines: [PolicyEngine.KYVERNO],
      platformNamespaces: PLATFORM,
      today: '2026-01-01',
      exceptions: [{ ruleIds: ['LLM-IMG-001', 'LLM-PSS-003'], namespace: 'nvidia-gpu', owner: 'platform', reason: 'vendor image', expires: '2026-12-31' }],
    }));
    expect(findObject(objects, 'PolicyException').spec.exceptions).toEqual([
      { policyName: 'llm-img-001-require-image-digest', ruleNames: ['llm-img-001-require-image-digest', 'platform-namespaces'] },
      { policyName: 'llm-pss-003-disallow-host-path', ruleNames: ['llm-pss-003-disallow-host-path'] },
    ]);
  });

  test('the VAP bindings select exactly the namespaces the evaluator applies each scope to', () => {
    const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', { rules: [PolicyCatalogue.IMAGE_DIGEST], platformNamespaces: PLATFORM, today: '2026-01-01' }));
    const selects = (b: any, ns: string) => b.spec.matchResources.namespaceSelector.matchExpressions.every((e: any) => (e.operator === 'In') === e.values.includes(ns));
    const [tenant, platform] = ['llm-img-001-require-image-digest', 'llm-img-001-require-image-digest-platform'].map((n) => findObject(objects, 'ValidatingAdmissionPolicyBinding', n));
    for (const ns of ['search', 'istio-system', 'kube-system', 'default']) {
      expect([ns, selects(tenant, ns), selects(platform, ns)]).toEqual([ns, !PLATFORM.includes(ns) && ns !== 'kube-system', PLATFORM.includes(ns)]);
    }
    // the policy itself is the same CEL whatever the scope
    const policy = findObject(objects, 'ValidatingAdmissionPolicy');
    expect(Cel.compile(policy.spec.validations[0].expression).error).toBeUndefined();
  });
});

describe('defect 4: LLM-NET-001 lets the ingress gateway\'s LoadBalancer Service in', () => {
  test('the broken variant: an empty allow-list denies the gateway\'s Service', () => {
    const report = new PolicyEvaluator({ rules: [PolicyCatalogue.loadBalancerNamespaces([])], today: '2026-01-01' }).evaluate([loadBalancer('istio-ingress')]);
    expect(report.errors.map((v) => v.ruleId)).toEqual(['LLM-NET-001']);
  });

  test('the default allows the istio-ingress namespace only; the platform passes its ingress namespace', () => {
    expect(PolicyCatalogue.DEFAULT_LOAD_BALANCER_NAMESPACES).toEqual(['istio-ingress']);
    const ev = new PolicyEvaluator({ rules: PolicyCatalogue.baseline().filter((r) => r.id === 'LLM-NET-001'), today: '2026-01-01' });
    expect(ev.evaluate([loadBalancer('istio-ingress')]).ok).toBe(true);
    expect(ev.evaluate([loadBalancer('search')]).errors.map((v) => v.ruleId)).toEqual(['LLM-NET-001']);
    const custom = new PolicyEvaluator({ rules: PolicyCatalogue.baseline({ loadBalancerNamespaces: ['edge'] }).filter((r) => r.id === 'LLM-NET-001'), today: '2026-01-01' });
    expect(custom.evaluate([loadBalancer('edge')]).ok).toBe(true);
    expect(custom.evaluate([loadBalancer('istio-ingress')]).ok).toBe(false);
    // and it applies in platform namespaces too (the platform profile enforces it there)
    const set = new PolicySet(new TestChart(), 'P', { rules: PolicyCatalogue.baseline().filter((r) => r.id === 'LLM-NET-001'), platformNamespaces: ['istio-ingress', 'monitoring'], today: '2026-01-01' });
    expect(set.evaluator().evaluate([loadBalancer('istio-ingress')]).ok).toBe(true);
    expect(set.evaluator().evaluate([loadBalancer('monitoring')]).errors.map((v) => v.ruleId)).toEqual(['LLM-NET-001']);
  });

  test('bad namespaces are errors', () => {
    expect(() => PolicyCatalogue.loadBalancerNamespaces(['Istio Ingress'])).toThrow(/'loadBalancerNamespaces' must hold namespace names \(DNS-1123 labels\), got 'Istio Ingress'/);
    expect(() => PolicyCatalogue.loadBalancerNamespaces('istio-ingress' as any)).toThrow(/'loadBalancerNamespaces' must be a list of namespaces/);
  });
});
