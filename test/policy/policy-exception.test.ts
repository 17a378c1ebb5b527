import { PolicyCatalogue, PolicyEngine, PolicyEvaluator, PolicyException, PolicySet } from '../../src/policy';
import { Cel } from '../../src/validation';
import { findObject, TestChart } from '../util';
import { hardenedModelServer, synthPolicies, variant } from './fixtures';

const DCGM = { ruleIds: ['LLM-PSS-003'], namespace: 'gpu-operator', kind: 'DaemonSet', name: 'nvidia-dcgm-exporter', owner: 'platform-team', reason: 'reads GPU metrics from the host', ticket: 'SEC-42', expires: '2026-06-30' };
const WIDE = { ruleIds: ['LLM-IMG-001', 'LLM-PSS-003'], namespace: 'legacy', owner: 'legacy-team', reason: 'migration to digests in progress', expires: '2026-03-31' };

const hostPathDs = (namespace: string, name: string) => variant(hardenedModelServer(), (d) => {
  d.kind = 'DaemonSet';
  d.metadata = { name, namespace };
  d.spec.template.spec.volumes.push({ name: 'host', hostPath: { path: '/var/lib/kubelet' } });
});
const childPod = (namespace: string, generateName: string) => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { generateName, namespace }, spec: variant(hostPathDs(namespace, 'x').spec.template.spec, () => undefined),
});

/**
 * The baseline with the baseline-level hostPath rule (LLM-PSS-003) the exceptions name: at the restricted
 * level of baseline() upstream's restrictedVolumes check (LLM-PSS-012) replaces it.
 */
const RULES = [...PolicyCatalogue.baseline(), PolicyCatalogue.HOST_PATH];

function render(engines: PolicyEngine[]) {
  return synthPolicies((chart) => new PolicySet(chart, 'Policies', { rules: RULES, engines, exceptions: [DCGM, WIDE], today: '2026-01-15' }));
}

describe('PolicyException', () => {
  test('the synth-time evaluation honours targeted and namespace-wide exceptions, incl. controller children', () => {
    const ev = new PolicyEvaluator({ rules: [PolicyCatalogue.HOST_PATH, PolicyCatalogue.IMAGE_DIGEST], exceptions: [new PolicyException(DCGM), new PolicyException(WIDE)], today: '2026-01-15' });
    const report = ev.evaluate([
      hostPathDs('gpu-operator', 'nvidia-dcgm-exporter'), // excepted
      childPod('gpu-operator', 'nvidia-dcgm-exporter-'), // its pods: excepted
      hostPathDs('gpu-operator', 'nvidia-dcgm-exporter-evil'), // a DaemonSet with a longer name: not excepted
      hostPathDs('gpu-operator', 'other'), // not excepted
      hostPathDs('legacy', 'anything'), // namespace-wide
      hostPathDs('search', 'nvidia-dcgm-exporter'), // other namespace
    ]);
    expect(report.violations.map((v) => v.object)).toEqual([
      'apps/v1/DaemonSet gpu-operator/nvidia-dcgm-exporter-evil',
      'apps/v1/DaemonSet gpu-operator/other',
      'apps/v1/DaemonSet search/nvidia-dcgm-exporter',
    ]);
  });

  test('renders a Kyverno PolicyException in the exceptions namespace, covering the children', () => {
    const objects = render([PolicyEngine.KYVERNO]);
    const ex = findObject(objects, 'PolicyException', 'gpu-operator-daemonset-nvidia-dcgm-exporter');
    expect(ex.apiVersion).toBe('kyverno.io/v2');
    expect(ex.metadata.namespace).toBe('policy-exceptions');
    expect(ex.metadata.annotations).toMatchObject({ 'policy.llm-platform.io/owner': 'platform-team', 'policy.llm-platform.io/expires': '2026-06-30', 'policy.llm-platform.io/ticket': 'SEC-42' });
    expect(ex.spec.exceptions).toEqual([{ policyName: 'llm-pss-003-disallow-host-path', ruleNames: ['llm-pss-003-disallow-host-path'] }]);
    // the DaemonSet by its name, its Pods by the names the DaemonSet controller gives them
    expect(ex.spec.match.any).toEqual([
      { resources: { namespaces: ['gpu-operator'], kinds: ['DaemonSet'], names: ['nvidia-dcgm-exporter'] } },
      { resources: { namespaces: ['gpu-operator'], kinds: ['Pod'], names: ['nvidia-dcgm-exporter-*'] } },
    ]);
    expect(ex.spec.conditions).toBeUndefined();
    const wide = findObject(objects, 'PolicyException', 'legacy');
    expect(wide.spec.exceptions.map((e: any) => e.policyName)).toEqual(['llm-img-001-require-image-digest', 'llm-pss-003-disallow-host-path']);
    expect(wide.spec.match.any).toEqual([{ resources: { namespaces: ['legacy'] } }]);
  });

  test('renders VAP binding namespace exclusions and a policy match condition for targeted exceptions', () => {
    const objects = render([PolicyEngine.VALIDATING_ADMISSION_POLICY]);
    const binding = findObject(objects, 'ValidatingAdmissionPolicyBinding', 'llm-pss-003-disallow-host-path');
    expect(binding.spec.matchResources.namespaceSelector.matchExpressions).toEqual([{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system', 'legacy'] }]);
    const policy = findObject(objects, 'ValidatingAdmissionPolicy', 'llm-pss-003-disallow-host-path');
    const [condition] = policy.spec.matchConditions;
    expect(condition.name).toBe('policy-exceptions');
    // the match condition is false (policy skipped) exactly for the excepted objects
    const holds = (o: any) => Cel.evaluate(condition.expression, { object: o }).value;
    expect(holds(hostPathDs('gpu-operator', 'nvidia-dcgm-exporter'))).toBe(false);
    expect(holds(childPod('gpu-operator', 'nvidia-dcgm-exporter-'))).toBe(false);
    expect(holds(hostPathDs('gpu-operator', 'nvidia-dcgm-exporter-evil'))).toBe(true);
    expect(holds(hostPathDs('search', 'nvidia-dcgm-exporter'))).toBe(true);
    // rules without exceptions get neither (only the standard's significant-update condition)
    const other = findObject(objects, 'ValidatingAdmissionPolicy', 'llm-pss-001-disallow-privileged');
    expect(other.spec.matchConditions.map((c: any) => c.name)).toEqual(['pod-security-significant-update']);
  });

  test('renders Gatekeeper excludedNamespaces and typed exemptions honoured by the template CEL', () => {
    const objects = render([PolicyEngine.GATEKEEPER]);
    const constraint = findObject(objects, 'LlmPss003');
    expect(constraint.spec.match.excludedNamespaces).toEqual(['kube-system', 'legacy']);
    expect(constraint.spec.parameters).toEqual({ exemptions: [{ namespace: 'gpu-operator', kind: 'DaemonSet', name: 'nvidia-dcgm-exporter' }] });
    const template = findObject(objects, 'ConstraintTemplate', 'llmpss003');
    const source = template.spec.targets[0].code[0].source;
    const run = (o: any) => {
      const variables: any = { params: constraint.spec.parameters };
      for (const v of source.variables) variables[v.name] = Cel.evaluate(v.expression, { object: o, variables }).value;
      return Cel.evaluate(source.validations[0].expression, { object: o, variables }).value;
    };
    expect(run(hostPathDs('gpu-operator', 'nvidia-dcgm-exporter'))).toBe(true);
    expect(run(childPod('gpu-operator', 'nvidia-dcgm-exporter-'))).toBe(true);
    expect(run(hostPathDs('gpu-operator', 'other'))).toBe(false);
  });

  test('an expired exception fails synth (with an injected date)', () => {
    expect(() => new PolicySet(new TestChart(), 'Policies', { rules: RULES, exceptions: [DCGM], today: '2026-07-01' }))
      .toThrow(/Policies: 'exceptions.expires' is in the past: exception gpu-operator-daemonset-nvidia-dcgm-exporter \(owner platform-team, SEC-42\) expired \(today is 2026-07-01\), got '2026-06-30'; fix the workload and remove the exception, or have its owner renew it/);
    // valid through its expiry day
    expect(() => new PolicySet(new TestChart(), 'Policies', { rules: RULES, exceptions: [DCGM], today: '2026-06-30' })).not.toThrow();
  });

  test('the default date is the synth date', () => {
    const set = new PolicySet(new TestChart(), 'Policies', { rules: RULES, exceptions: [{ ...DCGM, expires: '2999-01-01' }] });
    expect(set.today).toBe(new Date().toISOString().slice(0, 10));
    expect(() => new PolicySet(new TestChart(), 'Policies2', { rules: RULES, exceptions: [{ ...DCGM, expires: '2000-01-01' }] })).toThrow(/is in the past/);
  });

  test('an unknown rule id is an error', () => {
    expect(() => new PolicySet(new TestChart(), 'Policies', { rules: RULES, exceptions: [{ ...DCGM, ruleIds: ['LLM-PSS-999'] }], today: '2026-01-01' }))
      .toThrow(/'exceptions.ruleIds' names a rule that is not in the policy set \(exception gpu-operator-daemonset-nvidia-dcgm-exporter\), got 'LLM-PSS-999'; use one of: LLM-GPU-001/);
  });

  test.each([
    ['owner', { owner: '' }, /'owner' is required \(exception for gpu-operator\/DaemonSet\/nvidia-dcgm-exporter\), got ''; name the team or person accountable/],
    ['owner', { owner: undefined }, /'owner' is required .*got nothing/],
    ['expires', { expires: undefined }, /'expires' is required \(a string\), got nothing; set 'expires'/],
    ['expires', { expires: '2026-02-30' }, /'expires' must be a date YYYY-MM-DD .*got '2026-02-30'/],
    ['reason', { reason: ' ' }, /'reason' is required/],
    ['ruleIds', { ruleIds: [] }, /'ruleIds' must list at least one rule id/],
    ['kind', { kind: 'daemonset' }, /'kind' must be a Kubernetes kind in PascalCase/],
    ['namespace', { namespace: 'Bad_NS' }, /'namespace'/],
  ])('bad %s', (_p, edit, message) => {
    expect(() => new PolicyException({ ...DCGM, ...(edit as any) })).toThrow(message);
  });

  test('two exceptions for the same target are an error', () => {
    expect(() => new PolicySet(new TestChart(), 'Policies', { rules: RULES, exceptions: [DCGM, { ...DCGM, ruleIds: ['LLM-PSS-001'] }], today: '2026-01-01' }))
      .toThrow(/'exceptions' has two exceptions for the same target, got 'gpu-operator-daemonset-nvidia-dcgm-exporter'; merge their ruleIds/);
  });

  describe('defect 3: an exception of a controller kind covers the Pods the API server admits for it', () => {
    // the reference platform's exception: every DaemonSet of nvidia-gpu, no name
    const GPU = { ruleIds: ['LLM-PSS-003'], namespace: 'nvidia-gpu', kind: 'DaemonSet', owner: 'platform-team', reason: 'device plugin and DCGM reach host sockets', expires: '2027-06-30' };
    // a Pod as the DaemonSet controller creates it: generateName <ds>-, a controller ownerReference
    const dsPod = (owner: any) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: 'nvidia-device-plugin-', namespace: 'nvidia-gpu', ...(owner ? { ownerReferences: [owner] } : {}) },
      spec: hostPathDs('nvidia-gpu', 'x').spec.template.spec,
    });
    const byDs = { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'nvidia-device-plugin', uid: 'u', controller: true, blockOwnerDeletion: true };
    const cases: [string, any, boolean][] = [
      ['the DaemonSet', hostPathDs('nvidia-gpu', 'nvidia-device-plugin'), true],
      ['a Pod the DaemonSet controller made', dsPod(byDs), true],
      ['a bare Pod (no owner)', dsPod(undefined), false],
      ['a Pod owned by a Job', dsPod({ ...byDs, kind: 'Job', apiVersion: 'batch/v1' }), false],
      ['a Pod naming the DaemonSet as a non-controller owner', dsPod({ ...byDs, controller: false }), false],
      ['a DaemonSet Pod of another namespace', variant(dsPod(byDs), (p) => p.metadata.namespace = 'search'), false],
    ];

    test('the broken variant: before, only the DaemonSet was excepted; now covers() and every engine cover its Pods too', () => {
      const e = new PolicyException(GPU);
      for (const [what, o, covered] of cases) expect([what, e.covers(o)]).toEqual([what, covered]);
      // the evaluator (as the twin calls it for every pod) agrees
      const ev = new PolicyEvaluator({ rules: [PolicyCatalogue.HOST_PATH], exceptions: [e], today: '2026-01-15' });
      expect(ev.evaluate([dsPod(byDs)]).ok).toBe(true);
      expect(ev.evaluate([dsPod(undefined)]).errors.map((v) => v.ruleId)).toEqual(['LLM-PSS-003']);
    });

    test('VAP matchCondition and Gatekeeper exemption CEL decide exactly as covers()', () => {
      const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', {
        rules: [PolicyCatalogue.HOST_PATH], engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.GATEKEEPER], exceptions: [GPU], today: '2026-01-15',
      }));
      const [condition] = findObject(objects, 'ValidatingAdmissionPolicy').spec.matchConditions;
      const constraint = findObject(objects, 'LlmPss003');
      const source = findObject(objects, 'ConstraintTemplate').spec.targets[0].code[0].source;
      const exempt = (o: any) => {
        const variables: any = { params: constraint.spec.parameters };
        for (const v of source.variables) variables[v.name] = Cel.evaluate(v.expression, { object: o, variables }).value;
        return variables.exempt;
      };
      for (const [what, o, covered] of cases) {
        expect([what, Cel.evaluate(condition.expression, { object: o }).value]).toEqual([what, !covered]);
        expect([what, exempt(o)]).toEqual([what, covered]);
      }
    });

    test('Kyverno: the kind and its child kinds, with a condition on the controller ownerReference', () => {
      const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', { rules: [PolicyCatalogue.HOST_PATH], engines: [PolicyEngine.KYVERNO], exceptions: [GPU], today: '2026-01-15' }));
      const ex = findObject(objects, 'PolicyException', 'nvidia-gpu-daemonset');
      expect(ex.spec.match.any).toEqual([{ resources: { namespaces: ['nvidia-gpu'], kinds: ['DaemonSet', 'Pod'] } }]);
      expect(ex.spec.conditions).toEqual({
        any: [
          { key: '{{ request.object.kind }}', operator: 'Equals', value: 'DaemonSet' },
          { key: '{{ request.object.metadata.ownerReferences[?controller].kind || `[]` }}', operator: 'AnyIn', value: ['DaemonSet'] },
        ],
      });
    });

    test.each([
      ['Deployment', 'ReplicaSet', true],
      ['Deployment', 'Deployment', false], // a Deployment's Pods are owned by its ReplicaSets
      ['CronJob', 'Job', true],
      ['InferenceService', 'ReplicaSet', true],
      ['PyTorchJob', 'PyTorchJob', true],
      ['StatefulSet', 'StatefulSet', true],
    ])('a %s exception covers Pods whose controller is a %s: %s', (kind, ownerKind, covered) => {
      const e = new PolicyException({ ...GPU, kind });
      expect(e.covers(dsPod({ ...byDs, kind: ownerKind }))).toBe(covered);
      // and with a name: the owner must be named <name> or <name>-...
      const named = new PolicyException({ ...GPU, kind, name: 'web' });
      expect(named.covers(variant(dsPod({ ...byDs, kind: ownerKind, name: 'web-5d9f' }), (p) => p.metadata.generateName = 'x-'))).toBe(covered);
      expect(named.covers(variant(dsPod({ ...byDs, kind: ownerKind, name: 'other-5d9f' }), (p) => p.metadata.generateName = 'x-'))).toBe(false);
    });
  });

  test('objectName and covers()', () => {
    const e = new PolicyException(WIDE);
    expect(e.objectName).toBe('legacy');
    expect(e.covers({ kind: 'Pod', metadata: { namespace: 'legacy', name: 'x' } })).toBe(true);
    expect(e.covers({ kind: 'Pod', metadata: { namespace: 'other', name: 'x' } })).toBe(false);
  });
});
