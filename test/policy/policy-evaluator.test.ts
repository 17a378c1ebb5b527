import { DIGEST, ECR, hardenedModelServer, variant } from './fixtures';
import { AdmissionOperation, PolicyCatalogue, PolicyEvaluator, PolicyParameterType, PolicyRule, PolicySeverity, ResourceKind } from '../../src/policy';

const BASE = {
  title: 'test rule',
  description: 'Evaluator behaviour.',
  severity: PolicySeverity.LOW,
  kinds: ResourceKind.workloads(),
  message: 'failed',
};

const rule = (id: string, expression: string, extra: any = {}) => PolicyRule.custom({ ...BASE, id, name: id.toLowerCase(), expression, ...extra });
const messages = (rules: PolicyRule[], objects: any[]) => new PolicyEvaluator({ rules }).evaluate(objects).violations.map((v) => v.message);

describe('PolicyEvaluator', () => {
  test('objects are presented as the API server would: namespace defaulted, resource quantities as strings, integers as int', () => {
    const object = variant(hardenedModelServer(), (d) => {
      delete d.metadata.namespace;
      d.spec.template.spec.containers[0].resources = { requests: { cpu: 2, memory: '1Gi' }, limits: { cpu: 2.5 } };
    });
    const before = JSON.stringify(object);
    expect(messages([
      rule('T-001', "object.metadata.namespace == 'default'"),
      rule('T-002', "variables.containers.all(c, c.resources.requests.cpu == '2' && c.resources.limits.cpu == '2.5')"),
      rule('T-003', 'object.spec.replicas + 1 == 3'),
    ], [object])).toEqual([]);
    expect(JSON.stringify(object)).toBe(before);
  });

  test('rules over the same kinds share the workload variables; each keeps its own parameters', () => {
    const params = {
      parameters: [{ name: 'image', type: PolicyParameterType.STRING, description: 'image prefix' }],
    };
    const rules = [
      rule('T-010', 'variables.containers.all(c, c.image.startsWith(variables.params.image))', { ...params, parameterValues: { image: 'nope/' } }),
      rule('T-011', "variables.pods.size() == 1 && variables.containers.map(c, c.name) == ['vllm']"),
      rule('T-012', 'variables.containers.all(c, c.image.startsWith(variables.params.image))', { ...params, parameterValues: { image: hardenedModelServer().spec.template.spec.containers[0].image.split('/')[0] } }),
      rule('T-013', 'variables.containers.exists(c, c.name == "sidecar")'),
    ];
    const report = new PolicyEvaluator({ rules }).evaluate([hardenedModelServer()]);
    expect(report.violations.map((v) => v.ruleId)).toEqual(['T-010', 'T-013']);
  });

  test('evaluation errors and non-bool results are reported in the message', () => {
    // a field read is dyn: only evaluation shows it is not a bool (a string literal is refused when the rule is made)
    expect(messages([rule('T-020', 'object.spec.nope == 1'), rule('T-021', 'object.metadata.name')], [hardenedModelServer()])).toEqual([
      expect.stringMatching(/^\[T-020\] failed \(evaluation error: .+\)$/),
      '[T-021] failed (expression returned "llama3-8b", not a bool)',
    ]);
    expect(() => rule('T-022', "has(object.spec) ? 'yes' : 'no'")).toThrow(/'T-022.expression' must return a boolean/);
  });

  test('namespace objects are bound as namespaceObject; unknown namespaces with no labels', () => {
    const r = rule('T-030', "has(namespaceObject.metadata.labels) && namespaceObject.metadata.labels['team'] == 'a'");
    const ns = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'search', labels: { team: 'a' } } };
    const other = variant(hardenedModelServer(), (d) => { d.metadata.namespace = 'other'; });
    const report = new PolicyEvaluator({ rules: [r] }).evaluate([hardenedModelServer(), other, hardenedModelServer()], { namespaces: [ns] });
    expect(report.violations.map((v) => v.object)).toEqual(['apps/v1/Deployment other/llama3-8b']);
    expect(report.objectCount).toBe(3);
  });
});

/** A hardened bare Pod: the model server's pod template. */
function hardenedPod(): any {
  const d = hardenedModelServer();
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'llama3-8b-0', namespace: 'search', ...d.spec.template.metadata }, spec: d.spec.template.spec };
}

/** What `kubectl debug` writes: the Pod with one more ephemeral container. */
function debugged(pod: any, container: any = {}): any {
  return variant(pod, (p) => {
    p.spec.ephemeralContainers = [...(p.spec.ephemeralContainers ?? []), { name: 'debugger', image: `${ECR}/tools/busybox@${DIGEST}`, ...container }];
  });
}

const privileged = (o: any) => variant(o, (x) => { x.spec.containers[0].securityContext.privileged = true; });

describe('PolicyEvaluator.evaluateRequest (admission requests)', () => {
  const evaluator = new PolicyEvaluator({ rules: [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.IMAGE_DIGEST], today: '2026-01-01' });
  const ids = (r: any) => evaluator.evaluateRequest(r).violations.map((v) => v.ruleId).sort();
  const bad = variant(privileged(hardenedPod()), (p) => { p.spec.containers[0].image = 'docker.io/vllm:latest'; });

  test('CREATE is the default; non-significant pod updates skip only the standard\'s rules', () => {
    expect(ids({ object: bad })).toEqual(['LLM-IMG-001', 'LLM-PSS-001']);
    expect(ids({ operation: AdmissionOperation.UPDATE, object: variant(bad, (p) => { p.metadata.labels.a = 'b'; }), oldObject: bad })).toEqual(['LLM-IMG-001']);
    expect(ids({ operation: AdmissionOperation.UPDATE, subResource: 'resize', object: bad, oldObject: bad })).toEqual([]);
    expect(ids({ operation: AdmissionOperation.UPDATE, subResource: 'ephemeralcontainers', object: debugged(hardenedPod(), { image: 'busybox' }), oldObject: hardenedPod() })).toEqual(['LLM-IMG-001']);
  });

  test('rules can read oldObject and request (operation; subResource only when set, as the API server omits it)', () => {
    const r = rule('T-100', "request.operation == 'CREATE' || (oldObject.metadata.name == object.metadata.name && has(request.subResource) && request.subResource == 'ephemeralcontainers')");
    const e = new PolicyEvaluator({ rules: [r] });
    const pod = hardenedPod();
    expect(e.evaluateRequest({ object: pod }).ok).toBe(true);
    expect(e.evaluateRequest({ operation: AdmissionOperation.UPDATE, subResource: 'ephemeralcontainers', object: debugged(pod), oldObject: pod }).ok).toBe(true);
    expect(e.evaluateRequest({ operation: AdmissionOperation.UPDATE, object: pod, oldObject: pod }).violations.map((v) => v.message)).toEqual(['[T-100] failed']);
    // synth-time evaluation has no request
    expect(e.evaluate([pod]).violations[0].message).toMatch(/^\[T-100\] failed \(evaluation error: /);
  });

  test.each([
    [{ object: hardenedPod(), operation: AdmissionOperation.UPDATE }, "'oldObject' is required on UPDATE and must be a Pod, got nothing; pass the stored object"],
    [{ object: hardenedPod(), oldObject: hardenedPod() }, /'oldObject' must not be set on CREATE/],
    [{ object: { metadata: {} } }, /'object' must be a Kubernetes object with a kind/],
    [{ object: hardenedPod(), operation: 'DELETE' }, /'operation' must be an AdmissionOperation, got 'DELETE'/],
  ])('bad request %#', (request, message) => {
    expect(() => evaluator.evaluateRequest(request as any)).toThrow(message);
  });
});
