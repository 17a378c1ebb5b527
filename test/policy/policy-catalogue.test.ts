/* eslint-disable @stylistic/max-len */
import { customRuleProps, DIGEST, ECR, entitledNamespace, hardenedModelServer, variant } from './fixtures';
import { builtInRules } from '../../projenrc/parse-caches';
import { PolicyAction, PolicyCatalogue, PolicyEvaluator, PolicyRule } from '../../src/policy';
import { compileCel } from '../../src/validation/private/cel-engine';
import { expectValidManifests } from '../util';

const BASE = hardenedModelServer();
const NS = entitledNamespace();

/** Violated rule ids of `rule` over `objects`. */
function violations(rule: PolicyRule, objects: any[]): string[] {
  return new PolicyEvaluator({ rules: [rule] }).evaluate(objects).violations.map((v) => v.message);
}

const pod = (edit: (spec: any, tpl: any) => void) => variant(BASE, (d) => edit(d.spec.template.spec, d.spec.template));
const c0 = (edit: (c: any) => void) => pod((s) => edit(s.containers[0]));

const service = (type: string, namespace = 'search') => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'llm', namespace }, spec: { type, ports: [{ port: 443 }] } });
const ingress = (tls: boolean) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name: 'chat', namespace: 'search' },
  spec: { ...(tls ? { tls: [{ hosts: ['chat.example.com'], secretName: 'chat-tls' }] } : {}), rules: [{ host: 'chat.example.com' }] },
});
const gateway = (server: any) => ({ apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: 'istio-ingress' }, spec: { servers: [server] } });
const role = (verbs: string[], resources: string[]) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'tenant', namespace: 'search' }, rules: [{ apiGroups: [''], resources, verbs }],
});

/** For every rule: objects that pass and objects that fail. */
const CASES: Array<[PolicyRule, any[][], any[][]]> = [
  [PolicyCatalogue.PRIVILEGED, [[BASE]], [[c0((c) => c.securityContext.privileged = true)]]],
  [PolicyCatalogue.HOST_NAMESPACES, [[BASE], [pod((s) => s.hostPID = false)]], [[pod((s) => s.hostNetwork = true)], [pod((s) => s.hostPID = true)], [pod((s) => s.hostIPC = true)]]],
  [PolicyCatalogue.HOST_PATH, [[BASE]], [[pod((s) => s.volumes.push({ name: 'h', hostPath: { path: '/var/run' } }))]]],
  [PolicyCatalogue.HOST_PORTS, [[BASE], [c0((c) => c.ports[0].hostPort = 0)]], [[c0((c) => c.ports[0].hostPort = 8000)]]],
  [PolicyCatalogue.CAPABILITIES, [[BASE], [c0((c) => c.securityContext.capabilities.add = ['NET_BIND_SERVICE'])]],
    [[c0((c) => delete c.securityContext.capabilities)], [c0((c) => c.securityContext.capabilities.add = ['NET_RAW'])], [c0((c) => c.securityContext.capabilities.drop = ['NET_RAW'])]]],
  [PolicyCatalogue.RUN_AS_NON_ROOT, [[BASE], [c0((c) => delete c.securityContext.runAsNonRoot)], [pod((s) => { delete s.securityContext.runAsNonRoot; })]],
    [[pod((s) => { delete s.securityContext.runAsNonRoot; delete s.containers[0].securityContext.runAsNonRoot; })], [c0((c) => c.securityContext.runAsNonRoot = false)]]],
  // runAsUser was part of LLM-PSS-006 until the catalogue followed upstream check by check: its own rule now
  [PolicyCatalogue.RUN_AS_USER, [[BASE], [c0((c) => c.securityContext.runAsUser = 1000)]], [[c0((c) => c.securityContext.runAsUser = 0)], [pod((s) => s.securityContext.runAsUser = 0)]]],
  [PolicyCatalogue.SELINUX, [[BASE], [c0((c) => c.securityContext.seLinuxOptions = { type: 'container_t', level: 's0:c1' })]],
    [[c0((c) => c.securityContext.seLinuxOptions = { type: 'spc_t' })], [pod((s) => s.securityContext.seLinuxOptions = { user: 'system_u' })]]],
  [PolicyCatalogue.HOST_PROCESS, [[BASE]], [[c0((c) => c.securityContext.windowsOptions = { hostProcess: true })], [pod((s) => s.securityContext.windowsOptions = { hostProcess: true })]]],
  [PolicyCatalogue.HOST_PROBES, [[BASE], [c0((c) => c.livenessProbe.httpGet = { ...c.livenessProbe.httpGet, host: '' })]],
    [[c0((c) => c.livenessProbe = { httpGet: { path: '/health', port: 8000, host: '169.254.169.254' } })], [c0((c) => c.lifecycle = { preStop: { tcpSocket: { port: 80, host: 'example.com' } } })]]],
  [PolicyCatalogue.CAPABILITIES_BASELINE, [[BASE], [c0((c) => c.securityContext.capabilities.add = ['CHOWN'])]], [[c0((c) => c.securityContext.capabilities.add = ['NET_ADMIN'])]]],
  [PolicyCatalogue.SECCOMP_BASELINE, [[BASE], [pod((s) => delete s.securityContext.seccompProfile)]], [[c0((c) => c.securityContext.seccompProfile = { type: 'Unconfined' })]]],
  [PolicyCatalogue.PRIVILEGE_ESCALATION, [[BASE]], [[c0((c) => delete c.securityContext.allowPrivilegeEscalation)], [c0((c) => c.securityContext.allowPrivilegeEscalation = true)]]],
  [PolicyCatalogue.SECCOMP, [[BASE], [pod((s) => { delete s.securityContext.seccompProfile; s.containers[0].securityContext.seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' }; })]],
    [[pod((s) => delete s.securityContext.seccompProfile)], [c0((c) => c.securityContext.seccompProfile = { type: 'Unconfined' })], [pod((s) => s.securityContext.seccompProfile.type = 'Unconfined')]]],
  [PolicyCatalogue.APPARMOR, [[BASE], [pod((_s, t) => t.metadata.annotations['container.apparmor.security.beta.kubernetes.io/vllm'] = 'runtime/default')]],
    [[pod((s) => s.securityContext.appArmorProfile = { type: 'Unconfined' })], [c0((c) => c.securityContext.appArmorProfile = { type: 'Unconfined' })],
      [pod((_s, t) => t.metadata.annotations['container.apparmor.security.beta.kubernetes.io/vllm'] = 'unconfined')]]],
  [PolicyCatalogue.SYSCTLS, [[BASE], [pod((s) => s.securityContext.sysctls = [{ name: 'net.ipv4.tcp_keepalive_time', value: '60' }])]],
    [[pod((s) => s.securityContext.sysctls = [{ name: 'kernel.msgmax', value: '65536' }])]]],
  [PolicyCatalogue.PROC_MOUNT, [[BASE], [c0((c) => c.securityContext.procMount = 'Default')]], [[c0((c) => c.securityContext.procMount = 'Unmasked')]]],
  [PolicyCatalogue.VOLUME_TYPES, [[BASE], [pod((s) => s.volumes.push({ name: 'p', persistentVolumeClaim: { claimName: 'weights' } }))]],
    [[pod((s) => s.volumes.push({ name: 'n', nfs: { server: 'fs', path: '/' } }))]]],
  [PolicyCatalogue.READ_ONLY_ROOT_FS, [[BASE]], [[c0((c) => c.securityContext.readOnlyRootFilesystem = false)], [c0((c) => delete c.securityContext.readOnlyRootFilesystem)]]],
  [PolicyCatalogue.IMAGE_DIGEST, [[BASE]], [[c0((c) => c.image = `${ECR}/vllm:v0.6.3`)], [c0((c) => c.image = `${ECR}/vllm@sha256:abc`)]]],
  [PolicyCatalogue.NO_LATEST, [[BASE], [c0((c) => c.image = `${ECR}:5000/vllm:v0.6.3`)], [c0((c) => c.image = 'registry:5000/latest-things/vllm:v1')]],
    [[c0((c) => c.image = `${ECR}/vllm:latest`)], [c0((c) => c.image = 'vllm')], [c0((c) => c.image = 'registry:5000/vllm')], [c0((c) => c.image = `vllm:latest@${DIGEST}`)]]],
  [PolicyCatalogue.allowedRegistries([ECR, 'ghcr.io/acme']), [[BASE], [c0((c) => c.image = `ghcr.io/acme/tool@${DIGEST}`)]],
    [[c0((c) => c.image = `docker.io/vllm/vllm-openai@${DIGEST}`)], [c0((c) => c.image = `${ECR}.evil.com/vllm@${DIGEST}`)], [c0((c) => c.image = `ghcr.io/acme-evil/x@${DIGEST}`)]]],
  [PolicyCatalogue.RESOURCES, [[BASE]], [[c0((c) => delete c.resources.limits.cpu)], [c0((c) => delete c.resources.requests)], [pod((s) => s.initContainers = [{ name: 'init', image: 'x' }])]]],
  [PolicyCatalogue.PROBES, [[BASE]], [[c0((c) => delete c.livenessProbe)], [c0((c) => delete c.readinessProbe)]]],
  [PolicyCatalogue.SERVICE_ACCOUNT_TOKEN, [[BASE], [pod((s) => delete s.automountServiceAccountToken)], [pod((s) => delete s.serviceAccountName)]],
    [[pod((s) => { delete s.automountServiceAccountToken; delete s.serviceAccountName; })], [pod((s) => { s.automountServiceAccountToken = true; s.serviceAccountName = 'default'; })]]],
  [PolicyCatalogue.GPU_ENTITLED_NAMESPACE, [[BASE, NS], [c0((c) => { delete c.resources.limits['nvidia.com/gpu']; delete c.resources.requests['nvidia.com/gpu']; })],
    [c0((c) => { c.resources.limits['nvidia.com/gpu'] = '0'; c.resources.requests['nvidia.com/gpu'] = '0'; })]],
  [[BASE], [BASE, variant(NS, (n) => n.metadata.labels['llm-platform.io/gpu-entitled'] = 'false')]]],
  [PolicyCatalogue.GPU_TOLERATION, [[BASE], [pod((s) => s.tolerations = [{ operator: 'Exists' }])], [c0((c) => { c.resources = { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } }; })]],
    [[pod((s) => delete s.tolerations)], [pod((s) => s.tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoExecute' }])]]],
  [PolicyCatalogue.GPU_REQUESTS_EQUAL_LIMITS, [[BASE], [c0((c) => { c.resources.requests['nvidia.com/gpu'] = 2; c.resources.limits['nvidia.com/gpu'] = '2'; })]],
    [[c0((c) => c.resources.requests['nvidia.com/gpu'] = '2')], [c0((c) => delete c.resources.limits['nvidia.com/gpu'])]]],
  [PolicyCatalogue.MODEL_REVISION, [[BASE], [pod((_s, t) => { delete t.metadata.annotations; t.metadata.labels['app.kubernetes.io/component'] = 'gateway'; })]],
    [[pod((_s, t) => delete t.metadata.annotations)], [pod((_s, t) => t.metadata.annotations['llm-platform.io/model-revision'] = 'main')]]],
  [PolicyCatalogue.loadBalancerNamespaces(['istio-ingress']), [[service('ClusterIP')], [service('LoadBalancer', 'istio-ingress')], [{ ...service('ClusterIP'), spec: { ports: [{ port: 80 }] } }]],
    [[service('LoadBalancer')]]],
  [PolicyCatalogue.INGRESS_TLS, [[ingress(true)]], [[ingress(false)], [variant(ingress(true), (i) => i.spec.rules.push({ host: 'other.example.com' }))]]],
  [PolicyCatalogue.GATEWAY_TLS,
    [[gateway({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'], tls: { mode: 'SIMPLE', credentialName: 'gw-cert' } })],
      [gateway({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], tls: { httpsRedirect: true } })]],
    [[gateway({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] })], [gateway({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, hosts: ['*'] })]]],
  [PolicyCatalogue.RBAC_WILDCARDS, [[role(['get', 'list'], ['pods'])]], [[role(['*'], ['pods'])], [role(['get'], ['*'])]]],
];

describe('PolicyCatalogue: every rule has passing and failing objects, evaluated with CEL', () => {
  test('the cases cover every baseline rule', () => {
    const covered = new Set(CASES.map(([r]) => r.id));
    expect(PolicyCatalogue.baseline({ allowedRegistries: [ECR] }).map((r) => r.id).filter((id) => !covered.has(id))).toEqual([]);
  });

  test.each(CASES.map(([rule, pass, fail]) => [rule.id, rule, pass, fail] as const))('%s', (_id, rule, pass, fail) => {
    for (const objects of pass) expect(violations(rule, objects)).toEqual([]);
    for (const objects of fail) expect(violations(rule, objects)).toEqual([rule.fullMessage]);
  });
});

describe('PolicyCatalogue: one rule, every workload kind', () => {
  const spec = BASE.spec.template.spec;
  const meta = BASE.spec.template.metadata;
  const privileged = variant(spec, (s) => s.containers[0].securityContext.privileged = true);
  const kinds = (s: any) => [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'search', ...meta }, spec: s },
    { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'search' }, spec: { template: { metadata: meta, spec: s } } },
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'd', namespace: 'search' }, spec: { template: { spec: s } } },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'r', namespace: 'search' }, spec: { template: { spec: s } } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j', namespace: 'search' }, spec: { template: { spec: s } } },
    { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c', namespace: 'search' }, spec: { schedule: '@daily', jobTemplate: { spec: { template: { spec: s } } } } },
    { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'ft', namespace: 'search' }, spec: { pytorchReplicaSpecs: { Master: { replicas: 1, template: { spec } }, Worker: { replicas: 2, template: { spec: s } } } } },
    { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'isvc', namespace: 'search', ...meta }, spec: { predictor: { ...s, containers: undefined, model: { ...s.containers[0], modelFormat: { name: 'huggingface' } } } } },
  ];

  test('the hardened pod spec passes in every kind', () => {
    expect(violations(PolicyCatalogue.PRIVILEGED, kinds(spec))).toEqual([]);
  });

  test('a privileged container fails in every kind (incl. PyTorchJob Worker and the KServe model container)', () => {
    const report = new PolicyEvaluator({ rules: [PolicyCatalogue.PRIVILEGED] }).evaluate(kinds(privileged));
    expect(report.violations.map((v) => v.kind)).toEqual(['Pod', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'PyTorchJob', 'InferenceService']);
  });

  test('probes apply to long-running kinds only', () => {
    const noProbes = variant(spec, (s) => delete s.containers[0].livenessProbe);
    expect(new PolicyEvaluator({ rules: [PolicyCatalogue.PROBES] }).evaluate(kinds(noProbes)).violations.map((v) => v.kind)).toEqual(['StatefulSet', 'DaemonSet', 'ReplicaSet']);
  });
});

describe('PolicyCatalogue: the hardened model server', () => {
  test('passes the whole enforce set with no exceptions', () => {
    const rules = PolicyCatalogue.baseline({ allowedRegistries: [ECR] });
    expect(rules.every((r) => r.action === PolicyAction.ENFORCE)).toBe(true);
    const report = new PolicyEvaluator({ rules }).evaluate([NS, BASE]);
    expect(report.toString()).toBe('1 objects comply with every rule');
    expect(report.ok).toBe(true);
  });

  test('is schema-valid Kubernetes', () => {
    expect(() => expectValidManifests([BASE, NS])).not.toThrow();
  });
});

describe('built-in rules compile their CEL lazily', () => {
  // The library's own rules skip CEL compilation at construction (loading the package must not parse
  // them, issue 18); this test is what proves every one of them compiles, for every release and level.

  test('every built-in rule of every Kubernetes release compiles with the rule variables', () => {
    const rules = builtInRules();
    expect(rules.length).toBeGreaterThan(60);
    const failures = rules.flatMap((r) => {
      try {
        compileCel(r.expression, ['object', 'oldObject', 'request', 'namespaceObject', 'variables', 'authorizer']);
        return [];
      } catch (e: any) {
        return [`${r.id}: ${e.message}`];
      }
    });
    expect(failures).toEqual([]);
  });

  test('a rule users write is still compiled where it is written', () => {
    expect(() => PolicyRule.custom({ ...customRuleProps(), id: 'ACME-X-001', expression: 'object.spec.(' }))
      .toThrow(/ACME-X-001.expression' is not a valid CEL expression/);
  });
});
