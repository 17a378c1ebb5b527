import { PolicyAction, PolicyCatalogue, PolicyEngine, PolicySet, VapParameters } from '../../src/policy';
import { Cel } from '../../src/validation';
import { findObject, findObjects, TestChart } from '../util';
import { ECR, expectValidConstraints, hardenedModelServer, synthPolicies, variant } from './fixtures';

describe('PolicySet', () => {
  test('renders the baseline for all three engines, schema-valid', () => {
    const rules = PolicyCatalogue.baseline({ allowedRegistries: [ECR] });
    const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', {
      rules,
      engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER],
      today: '2026-01-01',
    }));
    expect(rules.length).toBeGreaterThan(20);
    expect(findObjects(objects, 'ValidatingAdmissionPolicy')).toHaveLength(rules.length);
    expect(findObjects(objects, 'ValidatingAdmissionPolicyBinding')).toHaveLength(rules.length);
    expect(findObjects(objects, 'ClusterPolicy')).toHaveLength(rules.length);
    expect(findObjects(objects, 'ConstraintTemplate')).toHaveLength(rules.length);
    // VAP enforces; Kyverno and Gatekeeper audit the same rules (one rule is never enforced twice)
    expect(findObject(objects, 'ValidatingAdmissionPolicyBinding', 'llm-pss-001-disallow-privileged').spec.validationActions).toEqual(['Deny']);
    expect(findObject(objects, 'LlmPss001').spec.enforcementAction).toBe('dryrun');
    expect(findObject(objects, 'ClusterPolicy', 'llm-pss-001-disallow-privileged').spec.admission).toBe(false);
    for (const o of objects) {
      for (const e of celOf(o)) expect([o.metadata.name, Cel.compile(e).error]).toEqual([o.metadata.name, undefined]);
    }
  });
});

function celOf(o: any): string[] {
  const out: string[] = [];
  const walk = (n: any, key?: string) => {
    if (Array.isArray(n)) n.forEach((x) => walk(x));
    else if (n && typeof n === 'object') Object.entries(n).forEach(([k, v]) => walk(v, k));
    else if (typeof n === 'string' && key === 'expression') out.push(n);
  };
  walk(o.spec);
  return out;
}

describe('PolicySet defaults and renderings', () => {
  const set = (props: any = {}) => synthPolicies((chart) => new PolicySet(chart, 'Policies', { today: '2026-01-01', ...props }));

  test('defaults: VAP only, kube-system excluded, Deny, failurePolicy Fail, CREATE/UPDATE on every workload kind and pods/ephemeralcontainers', () => {
    const objects = set({ rules: [PolicyCatalogue.PRIVILEGED] });
    expect(objects.map((o) => o.kind).sort()).toEqual(['ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding']);
    const policy = findObject(objects, 'ValidatingAdmissionPolicy', 'llm-pss-001-disallow-privileged');
    expect(policy.spec.failurePolicy).toBe('Fail');
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] },
      { apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['daemonsets', 'deployments', 'replicasets', 'statefulsets'] },
      { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['cronjobs', 'jobs'] },
      { apiGroups: ['kubeflow.org'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pytorchjobs'] },
      { apiGroups: ['serving.kserve.io'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['inferenceservices'] },
    ]);
    expect(policy.spec.variables.map((v: any) => v.name)).toEqual(['pods', 'containers']);
    expect(policy.spec.validations).toEqual([{ expression: PolicyCatalogue.PRIVILEGED.expression, message: '[LLM-PSS-001] containers must not set securityContext.privileged=true', reason: 'Forbidden' }]);
    expect(policy.metadata.labels['policy.llm-platform.io/rule-id']).toBe('LLM-PSS-001');
    expect(policy.metadata.annotations['policy.llm-platform.io/compliance']).toContain('CIS EKS 4.2.1');
    const binding = findObject(objects, 'ValidatingAdmissionPolicyBinding');
    expect(binding.spec).toEqual({
      policyName: 'llm-pss-001-disallow-privileged',
      validationActions: ['Deny'],
      matchResources: { namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] } },
    });
  });

  test('the rendered VAP (variables + validation) decides like the synth-time evaluation', () => {
    const [policy] = findObjects(set({ rules: [PolicyCatalogue.PRIVILEGED] }), 'ValidatingAdmissionPolicy');
    const admit = (object: any) => {
      const variables: any = {};
      for (const v of policy.spec.variables) variables[v.name] = Cel.evaluate(v.expression, { object, variables }).value;
      return Cel.evaluate(policy.spec.validations[0].expression, { object, variables }).value;
    };
    const bad = variant(hardenedModelServer(), (d) => d.spec.template.spec.containers[0].securityContext.privileged = true);
    expect(admit(hardenedModelServer())).toBe(true);
    expect(admit(bad)).toBe(false);
  });

  test('parameterized rules: VAP inline params by default (no parameter object to miss); Kyverno literal; Gatekeeper typed parameters', () => {
    const rule = PolicyCatalogue.allowedRegistries([ECR, 'ghcr.io/acme']);
    const objects = set({ rules: [rule], engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER] });
    expect(findObjects(objects, 'ConfigMap')).toHaveLength(0);
    expect(findObjects(objects, 'Namespace')).toHaveLength(0);
    const policy = findObject(objects, 'ValidatingAdmissionPolicy');
    expect(policy.spec.paramKind).toBeUndefined();
    expect(findObject(objects, 'ValidatingAdmissionPolicyBinding').spec.paramRef).toBeUndefined();
    expect(policy.spec.variables[0].name).toBe('params');
    expect(Cel.evaluate(policy.spec.variables[0].expression, {}).value).toEqual(rule.parameterValues);
    const kyverno = findObject(objects, 'ClusterPolicy');
    expect(Cel.evaluate(kyverno.spec.rules[0].validate.cel.variables[0].expression, {}).value).toEqual(rule.parameterValues);
    const template = findObject(objects, 'ConstraintTemplate', 'llmimg003');
    expect(template.spec.crd.spec.validation.openAPIV3Schema.properties.allowedRegistries).toEqual({ type: 'array', items: { type: 'string' }, description: 'registry hosts or host/repository prefixes' });
    expect(findObject(objects, 'LlmImg003').spec.parameters).toEqual({ allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com', 'ghcr.io/acme'], exemptions: [] });
  });

  test('VapParameters.CONFIG_MAP: ConfigMap + paramKind/paramRef, with the namespace and ConfigMaps one and two sync waves before the bindings (defect 15)', () => {
    const rule = PolicyCatalogue.allowedRegistries([ECR, 'ghcr.io/acme']);
    const objects = set({ rules: [rule, PolicyCatalogue.PRIVILEGED], vapParameters: VapParameters.CONFIG_MAP });
    const cm = findObject(objects, 'ConfigMap', 'llm-img-003-allowed-registries');
    expect(cm.metadata.namespace).toBe('llm-platform-policy');
    expect(cm.data).toEqual({ allowedRegistries: `${ECR},ghcr.io/acme` });
    expect(cm.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-1');
    const ns = findObject(objects, 'Namespace', 'llm-platform-policy');
    expect(ns.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('-2');
    expect(ns.metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const binding = findObject(objects, 'ValidatingAdmissionPolicyBinding', 'llm-img-003-allowed-registries');
    expect(binding.metadata.annotations['argocd.argoproj.io/sync-wave']).toBeUndefined(); // wave 0
    const policy = findObject(objects, 'ValidatingAdmissionPolicy', 'llm-img-003-allowed-registries');
    expect(policy.spec.paramKind).toEqual({ apiVersion: 'v1', kind: 'ConfigMap' });
    expect(binding.spec.paramRef).toEqual({ name: 'llm-img-003-allowed-registries', namespace: 'llm-platform-policy', parameterNotFoundAction: 'Deny' });
    expect(Cel.evaluate(policy.spec.variables[0].expression, { params: cm }).value).toEqual(rule.parameterValues);
    // rules without parameters read nothing
    expect(findObject(objects, 'ValidatingAdmissionPolicyBinding', 'llm-pss-001-disallow-privileged').spec.paramRef).toBeUndefined();
    // no parameterized rule: no namespace
    expect(findObjects(set({ rules: [PolicyCatalogue.PRIVILEGED], vapParameters: VapParameters.CONFIG_MAP }), 'Namespace')).toHaveLength(0);
  });

  test.each([
    [PolicyAction.ENFORCE, ['Deny'], 'Enforce', 'deny', undefined],
    [PolicyAction.WARN, ['Warn', 'Audit'], 'Audit', 'warn', true],
    [PolicyAction.AUDIT, ['Audit'], 'Audit', 'dryrun', undefined],
  ])('action %s -> VAP %j, Kyverno %s, Gatekeeper %s (each as the enforcing engine)', (action, vap, kyverno, gatekeeper, emitWarning) => {
    const rules = [PolicyCatalogue.HOST_PATH.withAction(action)];
    expect(findObject(set({ rules, engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY] }), 'ValidatingAdmissionPolicyBinding').spec.validationActions).toEqual(vap);
    const cp = findObject(set({ rules, engines: [PolicyEngine.KYVERNO] }), 'ClusterPolicy');
    expect(cp.spec.rules[0].validate.failureAction).toBe(kyverno);
    expect(cp.spec.emitWarning).toBe(emitWarning);
    expect(cp.spec.admission).toBeUndefined();
    expect(findObject(set({ rules, engines: [PolicyEngine.GATEKEEPER] }), 'LlmPss003').spec.enforcementAction).toBe(gatekeeper);
  });

  test('several engines: one enforces (default VAP, else Kyverno, else Gatekeeper; or enforcingEngine), the others only audit', () => {
    const rules = [PolicyCatalogue.HOST_PATH];
    const all = [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER];
    // the broken variant of defect 1 (VAP and Kyverno both denying the same pod) is gone by default
    const both = set({ rules, engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO] });
    expect(findObject(both, 'ValidatingAdmissionPolicyBinding').spec.validationActions).toEqual(['Deny']);
    const audit = findObject(both, 'ClusterPolicy');
    expect(audit.spec.admission).toBe(false); // no admission webhook call: background PolicyReports only
    expect(audit.spec.background).toBe(true);
    expect(audit.spec.rules[0].validate.failureAction).toBe('Audit');
    const kyvernoFirst = set({ rules, engines: [PolicyEngine.GATEKEEPER, PolicyEngine.KYVERNO] });
    expect(findObject(kyvernoFirst, 'ClusterPolicy').spec.rules[0].validate.failureAction).toBe('Enforce');
    expect(findObject(kyvernoFirst, 'LlmPss003').spec.enforcementAction).toBe('dryrun');
    const chosen = set({ rules, engines: all, enforcingEngine: PolicyEngine.GATEKEEPER });
    expect(findObject(chosen, 'LlmPss003').spec.enforcementAction).toBe('deny');
    expect(findObject(chosen, 'ValidatingAdmissionPolicyBinding').spec.validationActions).toEqual(['Audit']);
    expect(findObject(chosen, 'ClusterPolicy').spec.admission).toBe(false);
    // image verification is Kyverno's own feature: it stays enforced when Kyverno only audits the rules
    const verify = set({
      rules,
      engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO],
      imageVerifications: [{ name: 'platform', imageReferences: [`${ECR}/*`], publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----' }],
    });
    expect(findObject(verify, 'ClusterPolicy', 'llm-verify-images-platform').spec.rules[0].verifyImages[0].failureAction).toBe('Enforce');
    expect(() => set({ rules, engines: [PolicyEngine.KYVERNO], enforcingEngine: PolicyEngine.GATEKEEPER }))
      .toThrow("'enforcingEngine' must be one of the engines, got 'gatekeeper'; pick one of kyverno or add it to engines");
  });

  test('Kyverno ClusterPolicy: background scan, CEL validation, our own autogen', () => {
    const cp = findObject(set({ rules: [PolicyCatalogue.GPU_TOLERATION], engines: [PolicyEngine.KYVERNO] }), 'ClusterPolicy');
    expect(cp.spec.background).toBe(true);
    expect(cp.metadata.annotations['pod-policies.kyverno.io/autogen-controllers']).toBe('none');
    expect(cp.metadata.annotations['policies.kyverno.io/severity']).toBe('low');
    expect(cp.spec.rules[0].match.any[0].resources.kinds).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'ReplicaSet', 'StatefulSet', 'kubeflow.org/v1/PyTorchJob', 'serving.kserve.io/v1beta1/InferenceService']);
    expect(cp.spec.rules[0].match.any[0].resources.namespaceSelector).toEqual({ matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] }] });
    expect(cp.spec.rules[0].exclude).toBeUndefined();
    expect(cp.spec.rules[0].validate.cel.expressions[0].expression).toBe(PolicyCatalogue.GPU_TOLERATION.expression);
  });

  test('Gatekeeper: K8sNativeValidation template named after the constraint kind, constraint matching kinds by group', () => {
    const objects = set({ rules: [PolicyCatalogue.INGRESS_TLS], engines: [PolicyEngine.GATEKEEPER], excludedNamespaces: [] });
    const t = findObject(objects, 'ConstraintTemplate', 'llmnet002');
    expect(t.spec.crd.spec.names.kind).toBe('LlmNet002');
    expect(t.spec.targets[0].target).toBe('admission.k8s.gatekeeper.sh');
    expect(t.spec.targets[0].code[0].engine).toBe('K8sNativeValidation');
    const c = findObject(objects, 'LlmNet002');
    expect(c.spec.match).toEqual({ kinds: [{ apiGroups: ['networking.k8s.io'], kinds: ['Ingress'] }] });
    // Argo CD syncs the template (wave 0) before the constraint, whose CRD Gatekeeper creates from it, and skips the
    // dry run of the constraint's kind while that CRD is missing (it is never part of the sync)
    expect(t.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    expect(c.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' });
  });

  test('constraint parameters are checked against the template schema', () => {
    const objects = set({ rules: [PolicyCatalogue.INGRESS_TLS], engines: [PolicyEngine.GATEKEEPER] });
    const bad = objects.map((o) => (o.kind === 'LlmNet002' ? variant(o, (c) => c.spec.parameters.unknown = 1) : o));
    expect(() => expectValidConstraints(bad)).toThrow(/\/spec\/parameters\/unknown: unknown field/);
    const wrongType = objects.map((o) => (o.kind === 'LlmNet002' ? variant(o, (c) => c.spec.parameters.exemptions = [{ kind: 'Pod' }]) : o));
    expect(() => expectValidConstraints(wrongType)).toThrow(/namespace/);
  });

  test('Kyverno verifyImages: keyless with Rekor, or a public key; digest required, no mutation by default', () => {
    const objects = set({
      rules: [PolicyCatalogue.PRIVILEGED],
      engines: [PolicyEngine.KYVERNO],
      imageVerifications: [
        { name: 'platform', imageReferences: [`${ECR}/*`], keyless: { issuer: 'https://token.actions.githubusercontent.com', subjectRegExp: '^https://github.com/acme/.+$' } },
        { name: 'vendor', imageReferences: ['nvcr.io/*'], publicKey: '-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----', rekorUrl: 'https://rekor.internal.example.com', mutateDigest: true },
      ],
    });
    const keyless = findObject(objects, 'ClusterPolicy', 'llm-verify-images-platform');
    expect(keyless.spec.background).toBe(false);
    expect(keyless.spec.rules[0].verifyImages).toEqual([{
      imageReferences: [`${ECR}/*`],
      failureAction: 'Enforce',
      type: 'Cosign',
      required: true,
      verifyDigest: true,
      mutateDigest: false,
      attestors: [{ entries: [{ keyless: { issuer: 'https://token.actions.githubusercontent.com', subjectRegExp: '^https://github.com/acme/.+$', rekor: { url: 'https://rekor.sigstore.dev' } } }] }],
    }]);
    const key = findObject(objects, 'ClusterPolicy', 'llm-verify-images-vendor');
    expect(key.spec.rules[0].verifyImages[0].attestors[0].entries[0].keys.rekor.url).toBe('https://rekor.internal.example.com');
    expect(key.spec.rules[0].verifyImages[0].mutateDigest).toBe(true);
  });

  test.each([
    [{ name: 'x', imageReferences: ['a/*'] }, /'keyless' or publicKey or kmsKey is required/],
    [{ name: 'x', imageReferences: [], publicKey: 'k' }, /'imageReferences' must list at least one image reference pattern/],
    [{ name: 'x', imageReferences: ['a/*'], keyless: { subject: 's' } }, /'keyless.issuer' or issuerRegExp is required/],
    [{ name: 'x', imageReferences: ['a/*'], keyless: { issuer: 'https://i.example.com', subjectRegExp: '(' } }, /'keyless.subjectRegExp' is not a valid regular expression/],
    [{ name: 'x', imageReferences: ['a/*'], publicKey: 'not pem' }, /'publicKey' must be a PEM public key/],
    [{ name: 'x', imageReferences: ['a/*'], publicKey: '-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----', rekorUrl: 'http://r' }, /'rekorUrl' must be an https URL/],
  ])('bad image verification %#', (v, message) => {
    expect(() => new PolicySet(new TestChart(), 'P', { engines: [PolicyEngine.KYVERNO], imageVerifications: [v as any] })).toThrow(message);
  });

  test('image verification without Kyverno goes to the Sigstore policy-controller (test/policy/signatures.test.ts); engines must not be empty', () => {
    const withoutKyverno = new PolicySet(new TestChart(), 'P', { imageVerifications: [{ name: 'x', imageReferences: ['a/*'], keyless: { issuer: 'https://i.example.com', subject: 's' } }] });
    expect(withoutKyverno.signatureEngine).toBe('sigstore-policy-controller');
    expect(() => new PolicySet(new TestChart(), 'P2', { engines: [] })).toThrow(/'engines' must list at least one engine/);
  });

  test('evaluator() shares rules, exceptions and exclusions', () => {
    const ps = new PolicySet(new TestChart(), 'P', { rules: [PolicyCatalogue.HOST_PATH], excludedNamespaces: ['kube-system', 'gpu-operator'] });
    const ds = variant(hardenedModelServer(), (d) => { d.metadata.namespace = 'gpu-operator'; d.spec.template.spec.volumes.push({ name: 'h', hostPath: { path: '/' } }); });
    expect(ps.evaluator().evaluate([ds]).violations).toEqual([]);
    expect(ps.excludedNamespaces).toEqual(['gpu-operator', 'kube-system']);
  });
});
