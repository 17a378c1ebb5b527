import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { PlatformAddon } from '../../src/gitops';
import { AdmissionOperation, PolicyCatalogue, PolicyEngine, PolicyEvaluator, PolicySet, VapParameters } from '../../src/policy';
import { isSignificantPodUpdate, SIGNIFICANT_POD_UPDATE } from '../../src/policy/private/admission-request';
import { GATEKEEPER_WEBHOOK_SUBRESOURCES, KYVERNO_RESOURCE_FILTERS, RenderedEngine, RenderedPolicies, RenderedRequest } from '../../src/policy/private/rendered-evaluator';
import { Cel } from '../../src/validation';
import { findObject } from '../util';
import { DIGEST, ECR, entitledNamespace, hardenedModelServer, synthPolicies, variant } from './fixtures';

const ENGINES: RenderedEngine[] = ['vap', 'kyverno', 'gatekeeper'];
const ALL = [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER];

/** A hardened bare Pod: the model server's pod template. */
function hardenedPod(): any {
  const d = hardenedModelServer();
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'llama3-8b-0', namespace: 'search', ...d.spec.template.metadata }, spec: d.spec.template.spec };
}

/** What `kubectl debug` writes: the Pod with one more ephemeral container. */
function debugged(pod: any, container: any = {}): any {
  return variant(pod, (p) => {
    p.spec.ephemeralContainers = [...(p.spec.ephemeralContainers ?? []), {
      name: 'debugger',
      image: `${ECR}/tools/busybox@${DIGEST}`,
      targetContainerName: 'vllm',
      securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
      ...container,
    }];
  });
}

const privileged = (o: any) => variant(o, (x) => { (x.kind === 'Pod' ? x.spec : x.spec.template.spec).containers[0].securityContext.privileged = true; });

describe('rendered policies decide exactly as the synth-time evaluator', () => {
  const rules = PolicyCatalogue.baseline({ allowedRegistries: [ECR] });
  const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', { rules, engines: ALL, today: '2026-01-01' }));
  const rendered = new RenderedPolicies(objects);
  const evaluator = new PolicyEvaluator({ rules, today: '2026-01-01' });
  const ns = entitledNamespace();

  const requests: [string, RenderedRequest][] = [
    ['create: hardened pod', { operation: 'CREATE', object: hardenedPod() }],
    ['create: privileged pod', { operation: 'CREATE', object: privileged(hardenedPod()) }],
    ['create: hardened Deployment', { operation: 'CREATE', object: hardenedModelServer() }],
    ['update: Deployment made privileged', { operation: 'UPDATE', object: privileged(hardenedModelServer()), oldObject: hardenedModelServer() }],
    ['update: privileged Deployment relabelled (controllers have no significance test)', {
      operation: 'UPDATE', object: variant(privileged(hardenedModelServer()), (d) => { d.metadata.labels.x = 'y'; }), oldObject: privileged(hardenedModelServer()),
    }],
    ['ephemeralcontainers: hardened debug container', { operation: 'UPDATE', subResource: 'ephemeralcontainers', object: debugged(hardenedPod()), oldObject: hardenedPod() }],
    ['ephemeralcontainers: privileged debug container', {
      operation: 'UPDATE', subResource: 'ephemeralcontainers', object: debugged(hardenedPod(), { securityContext: { privileged: true } }), oldObject: hardenedPod(),
    }],
    ['ephemeralcontainers: root debug container from another registry', {
      operation: 'UPDATE', subResource: 'ephemeralcontainers', object: debugged(hardenedPod(), { image: 'docker.io/library/busybox:latest', securityContext: undefined }), oldObject: hardenedPod(),
    }],
    ['update: privileged pod relabelled (not significant)', {
      operation: 'UPDATE', object: variant(privileged(hardenedPod()), (p) => { p.metadata.labels.x = 'y'; }), oldObject: privileged(hardenedPod()),
    }],
    ['update: privileged pod image changed (significant)', {
      operation: 'UPDATE', object: variant(privileged(hardenedPod()), (p) => { p.spec.containers[0].image = `${ECR}/vllm/vllm-openai@sha256:${'f'.repeat(64)}`; }), oldObject: privileged(hardenedPod()),
    }],
    ['update: pod made privileged without an image change (not significant; the API server refuses it anyway)', {
      operation: 'UPDATE', object: privileged(hardenedPod()), oldObject: hardenedPod(),
    }],
    ['resize: privileged pod (a subresource no rule decides)', {
      operation: 'UPDATE', subResource: 'resize', object: privileged(hardenedPod()), oldObject: privileged(hardenedPod()),
    }],
    ['status: privileged pod', { operation: 'UPDATE', subResource: 'status', object: privileged(hardenedPod()), oldObject: privileged(hardenedPod()) }],
  ];

  test.each(requests)('%s', (_name, request) => {
    const expected = evaluator.evaluateRequest({
      operation: request.operation === 'UPDATE' ? AdmissionOperation.UPDATE : AdmissionOperation.CREATE,
      object: request.object,
      oldObject: request.oldObject,
      subResource: request.subResource,
    }, { namespaces: [ns] }).violations.map((v) => v.ruleId);
    const all = rendered.evaluateAll({ ...request, namespaceObject: ns });
    expect(Object.keys(all)).toEqual(ENGINES);
    for (const engine of ENGINES) {
      const got = [...new Set(rendered.evaluate(engine, { ...request, namespaceObject: ns }).map((v) => v.ruleId))].sort();
      expect([engine, got]).toEqual([engine, [...new Set(expected)].sort()]);
      // evaluateAll shares conditions and variables between engines, never their results
      expect(all[engine]).toEqual(rendered.evaluate(engine, { ...request, namespaceObject: ns }));
    }
  });

  test('the cases are not vacuous: the privileged debug container and the significant update are denied, the relabel is not', () => {
    const decide = (r: RenderedRequest) => rendered.denied('vap', { ...r, namespaceObject: ns });
    expect(decide(requests[6][1])).toContain('LLM-PSS-001');
    expect(decide(requests[9][1])).toContain('LLM-PSS-001');
    expect(decide(requests[8][1])).not.toContain('LLM-PSS-001');
    expect(decide(requests[1][1])).toContain('LLM-PSS-001');
    expect(decide(requests[4][1])).toContain('LLM-PSS-001');
    // the root debug container from docker.io breaks the standard and the registry rule
    expect(decide(requests[7][1])).toEqual(expect.arrayContaining(['LLM-IMG-003', 'LLM-PSS-007']));
    // Kyverno and Gatekeeper audit (VAP enforces): the same rules, audit action
    expect(rendered.evaluate('gatekeeper', { ...requests[6][1], namespaceObject: ns }).find((v) => v.ruleId === 'LLM-PSS-001')?.action).toBe('audit');
    expect(rendered.evaluate('kyverno', { ...requests[6][1], namespaceObject: ns }).find((v) => v.ruleId === 'LLM-PSS-001')?.admission).toBe(false);
  });

  test('the broken variant (issue 14): a policy matching only pods lets kubectl debug through in VAP', () => {
    const broken = objects.map((o) => (o.kind === 'ValidatingAdmissionPolicy' ? variant(o, (p) => {
      for (const r of p.spec.matchConstraints.resourceRules) r.resources = r.resources.filter((x: string) => !x.includes('/'));
    }) : o));
    const r = { ...requests[6][1], namespaceObject: ns };
    expect(new RenderedPolicies(broken).denied('vap', r)).toEqual([]);
    expect(rendered.denied('vap', r)).toContain('LLM-PSS-001');
  });

  test('the broken variant: without the update exemption, a label change on a running privileged pod is denied (Pod Security admission allows it)', () => {
    const broken = objects.map((o) => (o.kind === 'ValidatingAdmissionPolicy' ? variant(o, (p) => { delete p.spec.matchConditions; }) : o));
    const r = { ...requests[8][1], namespaceObject: ns };
    expect(new RenderedPolicies(broken).denied('vap', r)).toContain('LLM-PSS-001');
    expect(rendered.denied('vap', r)).not.toContain('LLM-PSS-001');
  });
});

describe('profiles, exceptions and parameters decide the same in the evaluator and the three renderings', () => {
  const rules = PolicyCatalogue.baseline({ allowedRegistries: [ECR] });
  const exceptions = [
    { ruleIds: ['LLM-PSS-001'], namespace: 'debug-lab', owner: 'sre', reason: 'privileged debugging lab', expires: '2030-01-01' },
    { ruleIds: ['LLM-PSS-001', 'LLM-IMG-001'], namespace: 'search', kind: 'Deployment', name: 'legacy', owner: 'search', reason: 'migration', expires: '2030-01-01' },
    { ruleIds: ['LLM-IMG-003'], namespace: 'search', kind: 'DaemonSet', owner: 'search', reason: 'node agents from a vendor registry', expires: '2030-01-01' },
  ];
  const props = {
    rules, engines: ALL, today: '2026-01-01', exceptions, platformNamespaces: ['gpu-operator'], excludedNamespaces: ['kube-system'],
  };
  let set!: PolicySet;
  const objects = synthPolicies((chart) => { set = new PolicySet(chart, 'Policies', props); });
  let cmSet!: PolicySet;
  const configMapObjects = synthPolicies((chart) => { cmSet = new PolicySet(chart, 'Policies', { ...props, vapParameters: VapParameters.CONFIG_MAP }); });
  const pod = (namespace: string, edit: (p: any) => void = () => undefined, owner?: any) => variant(hardenedPod(), (p) => {
    p.metadata.namespace = namespace;
    if (owner) {
      // named as controllers name what they create (the API server generates the name before validating admission)
      p.metadata.name = `${owner.name}-x2k9q`;
      p.metadata.generateName = `${owner.name}-`;
      p.metadata.ownerReferences = [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: 'u', controller: true }];
    }
    edit(p);
  });
  const priv = (p: any) => { p.spec.containers[0].securityContext.privileged = true; };
  const vendor = (p: any) => { p.spec.containers[0].image = 'nvcr.io/nvidia/dcgm-exporter:4.1'; };
  const cases: [string, any][] = [
    ['tenant namespace, privileged', pod('search', priv)],
    ['platform namespace: only the platform profile (images enforced, the standard not)', pod('gpu-operator', (p) => { priv(p); vendor(p); })],
    ['excluded namespace', pod('kube-system', (p) => { priv(p); vendor(p); })],
    ['namespace-wide exception', pod('debug-lab', (p) => { priv(p); vendor(p); })],
    ['exception by kind and name: the Deployment\'s pods (by the ReplicaSet owner name)', pod('search', (p) => { priv(p); vendor(p); }, { kind: 'ReplicaSet', name: 'legacy-5d8f' })],
    ['another Deployment\'s pods are not exempt', pod('search', (p) => { priv(p); vendor(p); }, { kind: 'ReplicaSet', name: 'other-5d8f' })],
    ['exception by kind: a DaemonSet\'s pods', pod('search', vendor, { kind: 'DaemonSet', name: 'dcgm' })],
    ['a bare ReplicaSet (Kyverno decides it in background scans only)', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs', namespace: 'search' },
      spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: pod('search', priv).spec } },
    }],
  ];

  test.each(cases)('%s', (_name, object) => {
    const namespace = object.metadata.namespace === 'search' ? entitledNamespace() : { apiVersion: 'v1', kind: 'Namespace', metadata: { name: object.metadata.namespace } };
    for (const [s, objs] of [[set, objects], [cmSet, configMapObjects]] as const) {
      const expected = [...new Set(s.evaluator().evaluateRequest({ object }, { namespaces: [namespace] }).violations.map((v) => `${v.ruleId}:${v.action}`))].sort();
      const rendered = new RenderedPolicies(objs);
      for (const engine of ENGINES) {
        const got = [...new Set(rendered.evaluate(engine, { operation: 'CREATE', object, namespaceObject: namespace }).map((v) => v.ruleId))].sort();
        expect([engine, got]).toEqual([engine, [...new Set(expected.map((e) => e.split(':')[0]))].sort()]);
      }
      // the enforcing engine (VAP) denies exactly what the evaluator calls an error
      expect(rendered.denied('vap', { operation: 'CREATE', object, namespaceObject: namespace }))
        .toEqual([...new Set(expected.filter((e) => e.endsWith(':enforce')).map((e) => e.split(':')[0]))].sort());
    }
  });

  test('the cases are not vacuous', () => {
    const ids = (o: any) => new RenderedPolicies(objects).denied('vap', { operation: 'CREATE', object: o, namespaceObject: entitledNamespace() });
    expect(ids(cases[0][1])).toContain('LLM-PSS-001');
    expect(ids(cases[4][1])).not.toContain('LLM-PSS-001');
    expect(ids(cases[5][1])).toEqual(expect.arrayContaining(['LLM-PSS-001', 'LLM-IMG-001']));
    expect(ids(cases[6][1])).not.toContain('LLM-IMG-003');
    const rs = new RenderedPolicies(objects).evaluate('kyverno', { operation: 'CREATE', object: cases[7][1], namespaceObject: entitledNamespace() });
    expect(rs.find((v) => v.ruleId === 'LLM-PSS-001')?.admission).toBe(false);
  });

  test('a missing parameter ConfigMap denies (parameterNotFoundAction: Deny)', () => {
    const without = configMapObjects.filter((o) => o.kind !== 'ConfigMap');
    const denied = new RenderedPolicies(without).evaluate('vap', { operation: 'CREATE', object: hardenedPod(), namespaceObject: entitledNamespace() });
    expect(denied.map((v) => v.ruleId)).toContain('LLM-IMG-003');
    expect(denied.find((v) => v.ruleId === 'LLM-IMG-003')?.message).toMatch(/no params found/);
  });
});

describe('engine request scope', () => {
  const set = (props: any = {}) => synthPolicies((chart) => new PolicySet(chart, 'Policies', { today: '2026-01-01', engines: ALL, ...props }));

  test('VAP: pod rules match pods/ephemeralcontainers; other kinds no subresource', () => {
    const objects = set({ rules: [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.INGRESS_TLS] });
    expect(findObject(objects, 'ValidatingAdmissionPolicy', 'llm-pss-001-disallow-privileged').spec.matchConstraints.resourceRules[0])
      .toEqual({ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'pods/ephemeralcontainers'] });
    const ingress = findObject(objects, 'ValidatingAdmissionPolicy', PolicyCatalogue.INGRESS_TLS.objectName);
    expect(ingress.spec.matchConstraints.resourceRules).toEqual([{ apiGroups: ['networking.k8s.io'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['ingresses'] }]);
    expect(ingress.spec.matchConditions).toBeUndefined();
  });

  test('Pod Security Standards rules carry the significant-update condition in all three engines; other pod rules do not', () => {
    const objects = set({ rules: [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.IMAGE_DIGEST] });
    const condition = { name: 'pod-security-significant-update', expression: SIGNIFICANT_POD_UPDATE };
    expect(findObject(objects, 'ValidatingAdmissionPolicy', 'llm-pss-001-disallow-privileged').spec.matchConditions).toEqual([condition]);
    expect(findObject(objects, 'ClusterPolicy', 'llm-pss-001-disallow-privileged').spec.rules[0].celPreconditions).toEqual([condition]);
    const source = findObject(objects, 'ConstraintTemplate', 'llmpss001').spec.targets[0].code[0].source;
    expect(source.matchCondition).toEqual([
      { name: 'request-scope', expression: "!has(request.subResource) || request.subResource == '' || (object.kind == 'Pod' && request.subResource == 'ephemeralcontainers')" },
      condition,
    ]);
    const digest = PolicyCatalogue.IMAGE_DIGEST.objectName;
    expect(findObject(objects, 'ValidatingAdmissionPolicy', digest).spec.matchConditions).toBeUndefined();
    expect(findObject(objects, 'ClusterPolicy', digest).spec.rules[0].celPreconditions).toBeUndefined();
    expect(findObject(objects, 'ConstraintTemplate', 'llmimg001').spec.targets[0].code[0].source.matchCondition).toHaveLength(1);
  });

  test('Kyverno: the Pod kind (which matches pods/ephemeralcontainers), no subresource kind (refused with background scans)', () => {
    const cp = findObject(set({ rules: [PolicyCatalogue.PRIVILEGED] }), 'ClusterPolicy');
    expect(cp.spec.background).toBe(true);
    expect(cp.spec.rules[0].match.any[0].resources.kinds).toContain('Pod');
    expect(cp.spec.rules[0].match.any[0].resources.kinds.filter((k: string) => k.includes('/') && !k.includes('.'))).toEqual([]);
  });

  test('Gatekeeper: subresources its chart sends (pods/resize, services/status) are not decided', () => {
    const objects = set({ rules: [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.loadBalancerNamespaces([])], excludedNamespaces: [] });
    const rendered = new RenderedPolicies(objects);
    const lb = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'x', namespace: 'search' }, spec: { type: 'LoadBalancer' } };
    expect(rendered.denied('gatekeeper', { operation: 'CREATE', object: lb })).toEqual([]); // VAP enforces; Gatekeeper audits
    expect(rendered.evaluate('gatekeeper', { operation: 'CREATE', object: lb }).map((v) => v.ruleId)).toEqual(['LLM-NET-001']);
    expect(rendered.evaluate('gatekeeper', { operation: 'UPDATE', subResource: 'status', object: lb, oldObject: lb })).toEqual([]);
    const broken = objects.map((o) => (o.kind === 'ConstraintTemplate' ? variant(o, (t) => { delete t.spec.targets[0].code[0].source.matchCondition; }) : o));
    expect(new RenderedPolicies(broken).evaluate('gatekeeper', { operation: 'UPDATE', subResource: 'status', object: lb, oldObject: lb }).map((v) => v.ruleId)).toEqual(['LLM-NET-001']);
  });
});

describe('significant pod updates (admission.go isSignificantPodUpdate), in TypeScript and CEL', () => {
  const pod = hardenedPod();
  const celSignificant = (object: any, oldObject: any) => Cel.evaluate(SIGNIFICANT_POD_UPDATE, { object, oldObject }).value;
  test.each([
    ['labels only', variant(pod, (p) => { p.metadata.labels.a = 'b'; }), false],
    ['activeDeadlineSeconds', variant(pod, (p) => { p.spec.activeDeadlineSeconds = 5; }), false],
    ['image of a container', variant(pod, (p) => { p.spec.containers[0].image = 'x'; }), true],
    ['a container added', variant(pod, (p) => { p.spec.containers.push({ name: 'b', image: 'x' }); }), true],
    ['an init container added', variant(pod, (p) => { p.spec.initContainers = [{ name: 'i', image: 'x' }]; }), true],
    ['an ephemeral container added', debugged(pod), true],
    ['image removed', variant(pod, (p) => { delete p.spec.containers[0].image; }), true],
  ])('%s', (_n, next, significant) => {
    expect(isSignificantPodUpdate(next, pod)).toBe(significant);
    expect(celSignificant(next, pod)).toBe(significant);
  });

  test('an existing ephemeral container: unchanged is not significant, a new image is', () => {
    const before = debugged(pod);
    expect(isSignificantPodUpdate(variant(before, (p) => { p.metadata.labels.a = 'b'; }), before)).toBe(false);
    expect(celSignificant(variant(before, (p) => { p.metadata.labels.a = 'b'; }), before)).toBe(false);
    const changed = variant(before, (p) => { p.spec.ephemeralContainers[0].image = 'other'; });
    expect(isSignificantPodUpdate(changed, before)).toBe(true);
    expect(celSignificant(changed, before)).toBe(true);
  });

  test('CREATE (no oldObject), a background scan, and other kinds are always decided', () => {
    expect(celSignificant(pod, null)).toBe(true);
    expect(celSignificant(hardenedModelServer(), hardenedModelServer())).toBe(true);
  });
});

describe('RenderedPolicies: engine failure semantics', () => {
  const objects = synthPolicies((chart) => new PolicySet(chart, 'P', { rules: [PolicyCatalogue.PRIVILEGED], engines: ALL, today: '2026-01-01' }));
  const edit = (kind: string, change: (o: any) => void) => objects.map((o) => (o.kind === kind ? variant(o, change) : o));
  const request: RenderedRequest = { operation: 'CREATE', object: hardenedPod() };

  test('VAP: a matchCondition error denies under failurePolicy Fail, is ignored under Ignore; a false one skips', () => {
    const broken = (failurePolicy: string, expression: string) => new RenderedPolicies(edit('ValidatingAdmissionPolicy', (p) => {
      p.spec.failurePolicy = failurePolicy;
      p.spec.matchConditions = [{ name: 'broken', expression }];
      p.spec.validations = [{ expression: 'false', message: 'always' }];
    })).evaluate('vap', request);
    expect(broken('Fail', 'object.spec.nope == 1').map((v) => v.message)).toEqual([expect.stringMatching(/^matchCondition broken: /)]);
    expect(broken('Ignore', 'object.spec.nope == 1')).toEqual([]);
    expect(broken('Fail', 'false')).toEqual([]);
    expect(broken('Fail', 'true').map((v) => v.message)).toEqual(['always']);
  });

  test('a validation that errors or returns a non-bool is an error, not a pass', () => {
    const vap = (expression: string) => new RenderedPolicies(edit('ValidatingAdmissionPolicy', (p) => { p.spec.validations = [{ expression, message: 'm' }]; })).evaluate('vap', request);
    expect(vap("'yes'").map((v) => v.message)).toEqual(['m: the expression returned a non-bool']);
    expect(vap('object.spec.nope').map((v) => v.message)).toEqual([expect.stringMatching(/^m: evaluation error: /)]);
    const gk = new RenderedPolicies(edit('ConstraintTemplate', (t) => { t.spec.targets[0].code[0].source.validations = [{ expression: 'object.spec.nope', message: 'm' }]; }));
    expect(gk.evaluate('gatekeeper', request).map((v) => v.message)).toEqual([expect.stringMatching(/^m: evaluation error: /)]);
  });

  test('Kyverno: a policy exception for the rule skips it; admission: false is reported', () => {
    const withException = synthPolicies((chart) => new PolicySet(chart, 'P', {
      rules: [PolicyCatalogue.PRIVILEGED],
      engines: ALL,
      today: '2026-01-01',
      exceptions: [{ ruleIds: ['LLM-PSS-001'], namespace: 'search', kind: 'Pod', name: 'llama3-8b-0', owner: 'a', reason: 'b', expires: '2030-01-01' }],
    }));
    const pod = privileged(hardenedPod());
    expect(new RenderedPolicies(objects).evaluate('kyverno', { operation: 'CREATE', object: pod }).map((v) => [v.ruleId, v.admission])).toEqual([['LLM-PSS-001', false]]);
    expect(new RenderedPolicies(withException).evaluate('kyverno', { operation: 'CREATE', object: pod })).toEqual([]);
    expect(new RenderedPolicies(withException).evaluate('kyverno', { operation: 'CREATE', object: variant(pod, (p) => { p.metadata.name = 'other'; }) })).toHaveLength(1);
  });

  test.each([
    [['*'], true, false],
    [['pods'], true, false],
    [['pods/*'], false, true],
    [['*/ephemeralcontainers'], false, true],
    [['*/*'], true, true],
  ])('VAP resourceRules resources %j: the pod %s, pods/ephemeralcontainers %s (RuleWithOperations.resources)', (resources, pod, debug) => {
    const r = new RenderedPolicies(edit('ValidatingAdmissionPolicy', (p) => {
      p.spec.matchConstraints.resourceRules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources }];
    }));
    const bad = privileged(hardenedPod());
    expect(r.denied('vap', { operation: 'UPDATE', object: variant(bad, (p) => { p.spec.containers[0].image = 'x'; }), oldObject: bad })).toEqual(pod ? ['LLM-PSS-001'] : []);
    expect(r.denied('vap', { operation: 'UPDATE', subResource: 'ephemeralcontainers', object: debugged(bad), oldObject: bad })).toEqual(debug ? ['LLM-PSS-001'] : []);
  });

  test('bad requests', () => {
    const r = new RenderedPolicies(objects);
    expect(() => r.evaluate('vap', { operation: 'DELETE' as any, object: hardenedPod() })).toThrow(/operation must be CREATE or UPDATE, got DELETE/);
    expect(() => r.evaluate('vap', { operation: 'UPDATE', object: hardenedPod() })).toThrow(/an UPDATE needs oldObject/);
  });
});

describe('the engine facts RenderedPolicies models are the platform\'s', () => {
  test('Kyverno: the vendored resourceFilters are chart 3.8.1\'s defaults (less the templated entries naming its own objects)', () => {
    const values = YAML.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'shared', 'addon-charts', 'kyverno-3.8.1', 'values.yaml'), 'utf8'));
    expect(KYVERNO_RESOURCE_FILTERS).toEqual(values.config.resourceFilters.filter((f: string) => !f.includes('{{')));
    expect(values.features.backgroundScan.skipResourceFilters).toBe(true);
    expect(KYVERNO_RESOURCE_FILTERS).toContain('[ReplicaSet,*,*]');
  });

  test('the platform\'s Kyverno and Gatekeeper add-ons keep the chart defaults the renderings rely on', () => {
    const values = (a: PlatformAddon) => a.bind(undefined as any, undefined as any).values ?? {};
    const kyverno = values(PlatformAddon.kyverno());
    expect(kyverno.config?.resourceFilters).toBeUndefined();
    expect(kyverno.features?.backgroundScan).toBeUndefined();
    const gatekeeper = values(PlatformAddon.gatekeeper());
    // the chart's webhook receives pods/ephemeralcontainers (and only CREATE/UPDATE) unless these are set
    for (const key of ['validatingWebhookCustomRules', 'validatingWebhookSubResources', 'enableDeleteOperations', 'enableConnectOperations']) {
      expect([key, gatekeeper[key]]).toEqual([key, undefined]);
    }
    expect(GATEKEEPER_WEBHOOK_SUBRESOURCES).toEqual(expect.arrayContaining(['pods/ephemeralcontainers', 'pods/resize', 'services/status']));
  });
});
