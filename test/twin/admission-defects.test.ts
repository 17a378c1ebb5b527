/**
 * Issue 12, defects 1-4 through the twin: the reference platform's output is admitted as the cluster
 * admits it, and each broken variant (rebuilt from that output) is reported with object, field, reason and fix.
 */
import { App } from 'cdk8s';
import { spec } from '../../examples/reference/platform';
import { KubernetesPlatform } from '../../src/platform';
import { PolicyCatalogue } from '../../src/policy/policy-catalogue';
import { PolicyEvaluator } from '../../src/policy/policy-evaluator';
import { PolicyException } from '../../src/policy/policy-exception';
import { PlatformTwin, PlatformTwinReport } from '../../src/twin';

let platform: KubernetesPlatform;
let objects: any[];

beforeAll(() => {
  platform = new KubernetesPlatform(new App(), 'acme-llm', { spec });
  objects = platform.manifests().map((m) => m.resource);
});

function clone(): any[] {
  return JSON.parse(JSON.stringify(objects));
}

function check(output: any[], policy: PolicyEvaluator = platform.policySet.evaluator()): PlatformTwinReport {
  return PlatformTwin.check(output, { policy, region: spec.region });
}

function app(output: any[], name: string): any {
  const found = output.find((o) => o.kind === 'Application' && o.metadata.name === name);
  if (!found) throw new Error(`no Application ${name}`);
  return found;
}

const admission = (r: PlatformTwinReport) => r.problems.filter((p) => p.check === 'admission');

test('fixed: every pod of the reference platform and every object its add-ons create is admitted', () => {
  const report = check(objects);
  expect(admission(report)).toEqual([]);
  expect(report.admission.checked).toBeGreaterThan(30);
  expect(report.admission.passed).toBe(report.admission.checked);
  expect(report.admission.summary.some((l) => /^objects made by add-ons and operators admitted (\d+)\/\1$/.test(l))).toBe(true);
});

test('defect 1, broken: sidecars with the upstream proxy image (not mirrored, not digest-pinned) make the model pods denied', () => {
  const broken = clone();
  delete app(broken, 'prod-istiod').spec.source.helm.valuesObject.global;
  const problems = admission(check(broken));
  const model = problems.filter((p) => p.object === 'Deployment search/llama3-8b-stable');
  expect(model.map((p) => p.problem.split(' denies')[0])).toEqual(expect.arrayContaining([
    'makes pods that LLM-IMG-001 (Images are pinned by sha256 digest)',
    'makes pods that LLM-IMG-003 (Images come from allowed registries)',
  ]));
  expect(model[0].problem).toContain('istio 1.30.3 sidecar injection');
  expect(model[0].field).toBe('spec.template');
  expect(model[0].fix).toMatch(/add a policy exception \(owner, reason, expiry\)/);
});

test('defect 1, broken: the strict tenant rule set applied to platform namespaces denies the add-ons\' own pods', () => {
  const strictEverywhere = new PolicyEvaluator({ rules: platform.policySet.rules, exceptions: platform.policySet.exceptions, today: '2026-12-04' });
  const problems = admission(check(objects, strictEverywhere));
  const addonOwners = [...new Set(problems.filter((p) => p.object.startsWith('Application argocd/')).map((p) => p.object.split(' ')[1]))];
  expect(addonOwners).toEqual(expect.arrayContaining(['argocd/prod-istiod', 'argocd/prod-kube-prometheus-stack']));
  expect(problems.find((p) => p.object.startsWith('Application argocd/prod-istiod'))!.fix).toMatch(/^set the add-on's chart values so its pods comply/);
});

test('defect 2, broken: without Istio CNI, istio-init (NET_ADMIN, root) is forbidden by Pod Security restricted in tenant namespaces', () => {
  const broken = clone().filter((o) => !(o.kind === 'Application' && o.metadata.name === 'prod-istio-cni'));
  app(broken, 'prod-istiod').spec.source.helm.valuesObject.pilot.cni.enabled = false;
  const problems = admission(check(broken)).filter((p) => p.object === 'Deployment search/llama3-8b-stable' && p.problem.includes('Pod Security'));
  expect(problems.length).toBeGreaterThan(0);
  // upstream's restricted capabilities check (which overrides the baseline one at this level) and the non-root checks
  expect(problems.map((p) => p.value)).toEqual(expect.arrayContaining(["'capabilities_restricted'", "'runAsNonRoot'"]));
  expect(problems[0].problem).toMatch(/^makes pods that Pod Security admission denies in namespace search \(enforce restricted:latest/);
});

test('defect 3: an exception for a DaemonSet covers the pods its controller creates (they carry its ownerReference)', () => {
  const rules = [PolicyCatalogue.HOST_PATH];
  const noException = new PolicyEvaluator({ rules, today: '2026-12-04' });
  const denied = admission(check(objects, noException)).filter((p) => p.object.startsWith('DaemonSet nvidia-gpu/'));
  expect(denied.map((p) => p.object).sort()).toEqual(['DaemonSet nvidia-gpu/dcgm-exporter', 'DaemonSet nvidia-gpu/nvidia-device-plugin']);
  const withException = new PolicyEvaluator({
    rules,
    today: '2026-12-04',
    exceptions: [new PolicyException({ ruleIds: ['LLM-PSS-003'], namespace: 'nvidia-gpu', kind: 'DaemonSet', owner: 'platform-team', reason: 'kubelet sockets', expires: '2027-06-30' })],
  });
  expect(withException.exceptions).toHaveLength(1);
  expect(admission(check(objects, withException)).filter((p) => p.object.startsWith('DaemonSet nvidia-gpu/'))).toEqual([]);
});

test('defect 4, broken: with no namespace allowed LoadBalancers, the ingress gateway chart\'s Service is denied', () => {
  const rules = [PolicyCatalogue.loadBalancerNamespaces(['other'])];
  const problems = admission(check(objects, new PolicyEvaluator({ rules, today: '2026-12-04' })));
  expect(problems).toHaveLength(1);
  expect(problems[0]).toMatchObject({ object: 'Application argocd/prod-istio-ingress', field: 'Service istio-ingress/istio-ingress' });
  expect(problems[0].problem).toMatch(/^creates an object that LLM-NET-001 \(.*\) denies: /);
  // fixed: the platform's own rule allows the ingress namespace
  expect(admission(check(objects, new PolicyEvaluator({ rules: [PolicyCatalogue.loadBalancerNamespaces(['istio-ingress'])], today: '2026-12-04' })))).toEqual([]);
});

test('defect 9, broken: a collector with a memory limit only makes collector pods that LLM-RES-001 denies where the strict set applies', () => {
  const strictEverywhere = new PolicyEvaluator({ rules: [PolicyCatalogue.RESOURCES], today: '2026-12-04' });
  expect(admission(check(objects, strictEverywhere)).filter((p) => p.object === 'OpenTelemetryCollector observability/otel-gateway')).toEqual([]);
  const broken = clone();
  const collector = broken.find((o) => o.kind === 'OpenTelemetryCollector');
  delete collector.spec.resources.limits.cpu;
  const problems = admission(check(broken, strictEverywhere)).filter((p) => p.object === 'OpenTelemetryCollector observability/otel-gateway');
  expect(problems).toHaveLength(1);
  expect(problems[0].problem).toMatch(/^makes pods that LLM-RES-001 \(.*\) denies \(pods the operator builds/);
});
