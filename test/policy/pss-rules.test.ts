/* eslint-disable @stylistic/max-len */
import { App, Testing } from 'cdk8s';
import { KubernetesVersion } from '../../src/core/kubernetes-version';
import { KubernetesPlatform } from '../../src/platform';
import { PodSecurityAdmission, PodSecurityLevel, PolicyCatalogue, PolicyEngine, PolicyEvaluator, PolicyRule, PolicySet, ResourceKind } from '../../src/policy';
import { PSA_MINORS, psaData, selectChecks } from '../../src/policy/private/pss-data';
import { pssRuleSource } from '../../src/policy/private/pss-rules';
import { RenderedEngine, RenderedPolicies } from '../../src/policy/private/rendered-evaluator';
import { smallSpec } from '../platform/fixtures';

const VERSIONS = [KubernetesVersion.V1_28, KubernetesVersion.V1_29, KubernetesVersion.V1_30, KubernetesVersion.V1_31, KubernetesVersion.V1_32,
  KubernetesVersion.V1_33, KubernetesVersion.V1_34, KubernetesVersion.V1_35];
const LEVELS = [PodSecurityLevel.BASELINE, PodSecurityLevel.RESTRICTED];
const RULE_OF = PolicyCatalogue.podSecurityRuleIds();

// ------------------------------------------------------------------------------------------------ pods

const hardenedContainer = (name: string) => ({
  name,
  image: 'registry.example.com/app:1',
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
});

/** A pod every check of every version admits at restricted, with an init, a regular and an ephemeral container. */
function restrictedPod(): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'tenant' },
    spec: {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      initContainers: [hardenedContainer('init')],
      containers: [{ ...hardenedContainer('app'), ports: [{ containerPort: 8080 }] }],
      ephemeralContainers: [hardenedContainer('debug')],
      volumes: [{ name: 'cache', emptyDir: {} }],
    },
  };
}

const clone = (x: any) => JSON.parse(JSON.stringify(x));
const withPod = (edit: (spec: any, pod: any) => void) => {
  const p = restrictedPod();
  edit(p.spec, p);
  return p;
};
const sc = (c: any) => (c.securityContext ??= {});

/** Container edits: each applied to the init, the regular and the ephemeral container in turn. */
const CONTAINER_EDITS: Record<string, (c: any) => void> = {
  'privileged=true': (c) => sc(c).privileged = true,
  'privileged=false': (c) => sc(c).privileged = false,
  'no securityContext': (c) => delete c.securityContext,
  'add NET_ADMIN': (c) => sc(c).capabilities.add = ['NET_ADMIN'],
  'add CHOWN': (c) => sc(c).capabilities.add = ['CHOWN'],
  'add NET_BIND_SERVICE': (c) => sc(c).capabilities.add = ['NET_BIND_SERVICE'],
  'no capabilities': (c) => delete sc(c).capabilities,
  'empty capabilities': (c) => sc(c).capabilities = {},
  'drop all (lowercase)': (c) => sc(c).capabilities.drop = ['all'],
  'allowPrivilegeEscalation=true': (c) => sc(c).allowPrivilegeEscalation = true,
  'allowPrivilegeEscalation unset': (c) => delete sc(c).allowPrivilegeEscalation,
  'runAsNonRoot=false': (c) => sc(c).runAsNonRoot = false,
  'runAsNonRoot=true': (c) => sc(c).runAsNonRoot = true,
  'runAsUser=0': (c) => sc(c).runAsUser = 0,
  'runAsUser=1000': (c) => sc(c).runAsUser = 1000,
  'seccomp Unconfined': (c) => sc(c).seccompProfile = { type: 'Unconfined' },
  'seccomp Localhost': (c) => sc(c).seccompProfile = { type: 'Localhost', localhostProfile: 'p.json' },
  'seccomp without type': (c) => sc(c).seccompProfile = {},
  'appArmor Unconfined': (c) => sc(c).appArmorProfile = { type: 'Unconfined' },
  'appArmor RuntimeDefault': (c) => sc(c).appArmorProfile = { type: 'RuntimeDefault' },
  'seLinux container_engine_t': (c) => sc(c).seLinuxOptions = { type: 'container_engine_t' },
  'seLinux container_t + level': (c) => sc(c).seLinuxOptions = { type: 'container_t', level: 's0:c1,c2' },
  'seLinux spc_t': (c) => sc(c).seLinuxOptions = { type: 'spc_t' },
  'seLinux user': (c) => sc(c).seLinuxOptions = { user: 'system_u' },
  'seLinux role': (c) => sc(c).seLinuxOptions = { role: 'system_r' },
  'procMount Unmasked': (c) => sc(c).procMount = 'Unmasked',
  'procMount Default': (c) => sc(c).procMount = 'Default',
  'hostProcess=true': (c) => sc(c).windowsOptions = { hostProcess: true },
  'hostProcess=false': (c) => sc(c).windowsOptions = { hostProcess: false },
  'hostPort 8080': (c) => c.ports = [{ containerPort: 8080, hostPort: 8080 }],
  'hostPort 0': (c) => c.ports = [{ containerPort: 8080, hostPort: 0 }],
  'liveness httpGet host': (c) => c.livenessProbe = { httpGet: { host: '169.254.169.254', port: 80 } },
  'liveness httpGet empty host': (c) => c.livenessProbe = { httpGet: { host: '', port: 80 } },
  'readiness tcpSocket host': (c) => c.readinessProbe = { tcpSocket: { host: '10.0.0.1', port: 80 } },
  'startup httpGet host': (c) => c.startupProbe = { httpGet: { host: 'example.com', port: 80 } },
  'startup exec': (c) => c.startupProbe = { exec: { command: ['true'] } },
  'postStart httpGet host': (c) => c.lifecycle = { postStart: { httpGet: { host: 'example.com', port: 80 } } },
  'preStop tcpSocket host': (c) => c.lifecycle = { preStop: { tcpSocket: { host: 'example.com', port: 80 } } },
  'preStop sleep': (c) => c.lifecycle = { preStop: { sleep: { seconds: 1 } } },
};

const SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'kernel.msgmax'];

const POD_EDITS: Record<string, (s: any, p: any) => void> = {
  'hostNetwork': (s) => s.hostNetwork = true,
  'hostPID': (s) => s.hostPID = true,
  'hostIPC': (s) => s.hostIPC = true,
  'hostNetwork=false': (s) => s.hostNetwork = false,
  'hostNetwork, no ports': (s) => { s.hostNetwork = true; delete s.containers[0].ports; },
  'volume hostPath': (s) => s.volumes.push({ name: 'h', hostPath: { path: '/var/run' } }),
  'volume nfs': (s) => s.volumes.push({ name: 'n', nfs: { server: 'nfs', path: '/' } }),
  'volume gitRepo': (s) => s.volumes.push({ name: 'g', gitRepo: { repository: 'https://example.com/r.git' } }),
  'volume image': (s) => s.volumes.push({ name: 'model', image: { reference: 'registry.example.com/model:1' } }),
  'volume sourceless': (s) => s.volumes.push({ name: 'defaulted' }),
  'volume csi, ephemeral, configMap, secret, projected, downwardAPI, pvc': (s) => s.volumes.push(
    { name: 'c', csi: { driver: 'x' } }, { name: 'e', ephemeral: { volumeClaimTemplate: { spec: {} } } }, { name: 'cm', configMap: { name: 'c' } },
    { name: 's', secret: { secretName: 's' } }, { name: 'pr', projected: { sources: [] } }, { name: 'd', downwardAPI: {} }, { name: 'pvc', persistentVolumeClaim: { claimName: 'c' } }),
  ...Object.fromEntries(SYSCTLS.map((n) => [`sysctl ${n}`, (s: any) => s.securityContext.sysctls = [{ name: n, value: '1' }]])),
  'sysctls safe + unsafe': (s) => s.securityContext.sysctls = [{ name: 'kernel.shm_rmid_forced', value: '1' }, { name: 'kernel.msgmax', value: '1' }],
  'pod seccomp Unconfined': (s) => s.securityContext.seccompProfile = { type: 'Unconfined' },
  'pod seccomp unset, containers set': (s) => {
    delete s.securityContext.seccompProfile;
    for (const c of [...s.initContainers, ...s.containers, ...s.ephemeralContainers]) c.securityContext.seccompProfile = { type: 'RuntimeDefault' };
  },
  'pod seccomp unset, one container set': (s) => { delete s.securityContext.seccompProfile; s.containers[0].securityContext.seccompProfile = { type: 'RuntimeDefault' }; },
  'pod seccomp Unconfined, containers RuntimeDefault': (s) => {
    s.securityContext.seccompProfile = { type: 'Unconfined' };
    for (const c of [...s.initContainers, ...s.containers, ...s.ephemeralContainers]) c.securityContext.seccompProfile = { type: 'RuntimeDefault' };
  },
  'pod runAsNonRoot=false': (s) => s.securityContext.runAsNonRoot = false,
  'pod runAsNonRoot unset': (s) => delete s.securityContext.runAsNonRoot,
  'pod runAsNonRoot unset, containers true': (s) => {
    delete s.securityContext.runAsNonRoot;
    for (const c of [...s.initContainers, ...s.containers, ...s.ephemeralContainers]) c.securityContext.runAsNonRoot = true;
  },
  'pod runAsUser=0': (s) => s.securityContext.runAsUser = 0,
  'pod appArmor Unconfined': (s) => s.securityContext.appArmorProfile = { type: 'Unconfined' },
  'pod appArmor Localhost': (s) => s.securityContext.appArmorProfile = { type: 'Localhost', localhostProfile: 'p' },
  'pod seLinux spc_t': (s) => s.securityContext.seLinuxOptions = { type: 'spc_t' },
  'pod seLinux container_engine_t': (s) => s.securityContext.seLinuxOptions = { type: 'container_engine_t' },
  'pod hostProcess': (s) => s.securityContext.windowsOptions = { hostProcess: true },
  'annotation apparmor unconfined': (_s, p) => p.metadata.annotations = { 'container.apparmor.security.beta.kubernetes.io/app': 'unconfined' },
  'annotation apparmor runtime/default, localhost, empty': (_s, p) => p.metadata.annotations = {
    'container.apparmor.security.beta.kubernetes.io/app': 'runtime/default', 'container.apparmor.security.beta.kubernetes.io/init': 'localhost/p', 'container.apparmor.security.beta.kubernetes.io/debug': '',
  },
  'annotation seccomp unconfined': (_s, p) => p.metadata.annotations = { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' },
  'windows, no restricted fields': (s) => {
    s.os = { name: 'windows' };
    delete s.securityContext.seccompProfile;
    for (const c of [...s.initContainers, ...s.containers, ...s.ephemeralContainers]) c.securityContext = {};
  },
  'windows, privileged': (s) => { s.os = { name: 'windows' }; s.containers[0].securityContext.privileged = true; },
  'linux os, no restricted fields': (s) => {
    s.os = { name: 'linux' };
    for (const c of [...s.initContainers, ...s.containers, ...s.ephemeralContainers]) c.securityContext = {};
  },
  'hostUsers=false, root': (s) => { s.hostUsers = false; s.securityContext.runAsNonRoot = false; s.securityContext.runAsUser = 0; },
  'hostUsers=true, root': (s) => { s.hostUsers = true; s.securityContext.runAsNonRoot = false; s.securityContext.runAsUser = 0; },
  'hostUsers=false, procMount Unmasked': (s) => { s.hostUsers = false; s.containers[0].securityContext.procMount = 'Unmasked'; },
  'hostUsers=true, procMount Unmasked': (s) => { s.hostUsers = true; s.containers[0].securityContext.procMount = 'Unmasked'; },
  'no securityContext anywhere': (s) => {
    delete s.securityContext;
    for (const c of [...s.initContainers, ...s.containers, ...s.ephemeralContainers]) delete c.securityContext;
  },
};

/** Every pod of the corpus, by name. */
function corpus(): Array<[string, any]> {
  const out: Array<[string, any]> = [['restricted pod', restrictedPod()]];
  for (const [name, edit] of Object.entries(CONTAINER_EDITS)) {
    for (const list of ['initContainers', 'containers', 'ephemeralContainers']) out.push([`${list}: ${name}`, withPod((s) => edit(s[list][0]))]);
  }
  for (const [name, edit] of Object.entries(POD_EDITS)) out.push([name, withPod(edit)]);
  return out;
}

/** The same pod as a Deployment's template. */
const asDeployment = (pod: any) => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'd', namespace: 'tenant' },
  spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' }, ...clone(pod.metadata) }, spec: clone(pod.spec) } },
});

/** The rule ids `rules` deny `object` with (PolicyEvaluator, the synth-time CEL evaluator). */
function denied(rules: PolicyRule[], object: any): string[] {
  return [...new Set(new PolicyEvaluator({ rules, platformActions: {} }).evaluate([object]).violations.map((v) => v.ruleId))].sort();
}

/** The rule ids of the checks PodSecurityAdmission fails `pod` with. */
function expected(pod: any, level: PodSecurityLevel, version: KubernetesVersion): string[] {
  return PodSecurityAdmission.evaluate(pod, level, 'latest', version).map((v) => RULE_OF[v.checkId]).sort();
}

// ------------------------------------------------------------------------------------------------ tests

describe('PolicyCatalogue.podSecurity: the rules decide as PodSecurityAdmission, per version and level', () => {
  const pods = corpus();
  test.each(VERSIONS.flatMap((v) => LEVELS.map((l) => [v.version, l, v] as const)))('Kubernetes %s, %s', (_v, level, version) => {
    const rules = PolicyCatalogue.podSecurity(version, level);
    const mismatches: string[] = [];
    let denials = 0;
    for (const [name, pod] of pods) {
      const want = expected(pod, level, version);
      denials += want.length;
      const got = denied(rules, pod);
      if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${name}: rules deny ${got.join(',') || 'nothing'}, PodSecurityAdmission ${want.join(',') || 'nothing'}`);
      const gotDeployment = denied(rules, asDeployment(pod));
      if (JSON.stringify(gotDeployment) !== JSON.stringify(want)) mismatches.push(`${name} (Deployment): rules deny ${gotDeployment.join(',') || 'nothing'}, PodSecurityAdmission ${want.join(',') || 'nothing'}`);
    }
    expect(mismatches).toEqual([]);
    expect(denials).toBeGreaterThan(40); // the corpus exercises the checks
  });

  test('the corpus has a failing and a passing pod for every rule of every version and level', () => {
    for (const version of VERSIONS) {
      for (const level of LEVELS) {
        for (const rule of PolicyCatalogue.podSecurity(version, level)) {
          const verdicts = pods.map(([, p]) => expected(p, level, version).includes(rule.id));
          expect([version.version, level, rule.id, verdicts.includes(true), verdicts.includes(false)]).toEqual([version.version, level, rule.id, true, true]);
        }
      }
    }
  });
});

describe('PolicyCatalogue.podSecurity: the rendered engines decide the corpus as PodSecurityAdmission', () => {
  const pods = corpus();
  const engines: Array<[PolicyEngine, RenderedEngine]> = [
    [PolicyEngine.VALIDATING_ADMISSION_POLICY, 'vap'], [PolicyEngine.KYVERNO, 'kyverno'], [PolicyEngine.GATEKEEPER, 'gatekeeper'],
  ];
  test.each(VERSIONS.flatMap((v) => LEVELS.map((l) => [v.version, l, v] as const)))('Kubernetes %s, %s: VAP, Kyverno and Gatekeeper', (_v, level, version) => {
    const mismatches: string[] = [];
    for (const [policyEngine, engine] of engines) {
      const chart = Testing.chart();
      new PolicySet(chart, 'PodSecurity', { rules: PolicyCatalogue.podSecurity(version, level), engines: [policyEngine], today: '2026-01-01' });
      const rendered = new RenderedPolicies(Testing.synth(chart));
      expect(rendered.engines).toEqual([engine]);
      for (const [name, pod] of pods) {
        const want = expected(pod, level, version);
        const got = rendered.denied(engine, { operation: 'CREATE', object: pod, defaultNamespace: 'tenant' });
        if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`${engine} ${name}: rules deny ${got.join(',') || 'nothing'}, PodSecurityAdmission ${want.join(',') || 'nothing'}`);
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('PolicyCatalogue.podSecurity: the rule set per version and level', () => {
  const ids = (v: KubernetesVersion, l: PodSecurityLevel) => PolicyCatalogue.podSecurity(v, l).map((r) => r.id.replace('LLM-PSS-', ''));

  test('one rule per upstream check in force, with the upstream overrides at restricted', () => {
    expect(ids(KubernetesVersion.V1_28, PodSecurityLevel.BASELINE)).toEqual(['001', '002', '003', '004', '009', '010', '011', '013', '014', '015', '016']);
    expect(ids(KubernetesVersion.V1_28, PodSecurityLevel.RESTRICTED)).toEqual(['001', '002', '004', '005', '006', '007', '008', '009', '010', '011', '012', '014', '016', '017']);
    expect(ids(KubernetesVersion.V1_33, PodSecurityLevel.RESTRICTED)).toEqual(ids(KubernetesVersion.V1_28, PodSecurityLevel.RESTRICTED));
    // 1.34: hostProbesAndHostLifecycle (LLM-PSS-018)
    expect(ids(KubernetesVersion.V1_34, PodSecurityLevel.BASELINE)).toEqual(['001', '002', '003', '004', '009', '010', '011', '013', '014', '015', '016', '018']);
    expect(ids(KubernetesVersion.V1_34, PodSecurityLevel.RESTRICTED)).toEqual(['001', '002', '004', '005', '006', '007', '008', '009', '010', '011', '012', '014', '016', '017', '018']);
    // 1.35: procMount_restricted (LLM-PSS-019) overrides procMount (LLM-PSS-011) at restricted
    expect(ids(KubernetesVersion.V1_35, PodSecurityLevel.BASELINE)).toEqual(ids(KubernetesVersion.V1_34, PodSecurityLevel.BASELINE));
    expect(ids(KubernetesVersion.V1_35, PodSecurityLevel.RESTRICTED)).toEqual(['001', '002', '004', '005', '006', '007', '008', '009', '010', '012', '014', '016', '017', '018', '019']);
  });

  test.each(VERSIONS.flatMap((v) => LEVELS.map((l) => [v.version, l, v] as const)))('Kubernetes %s, %s: each rule is the check upstream selects, from that release', (_v, level, version) => {
    const d = psaData(version.minor);
    const checks = selectChecks(d, level === PodSecurityLevel.BASELINE ? 'baseline' : 'restricted', version.minor);
    const rules = PolicyCatalogue.podSecurity(version, level);
    expect(rules.map((r) => pssRuleSource(r)!.checkId).sort()).toEqual(checks.map((c) => c.id).sort());
    for (const r of rules) {
      const source = pssRuleSource(r)!;
      expect(r.id).toBe(RULE_OF[source.checkId]);
      expect(source.fn).toBe(checks.find((c) => c.id === source.checkId)!.version.fn);
      expect(d.source).toContain(source.release);
      expect(r.kinds).toEqual(ResourceKind.workloads());
      // the compliance references name the PSS control first
      expect(r.complianceLabels[0]).toMatch(new RegExp(`^PSS (baseline|restricted): .+ \\(pod-security-admission check ${source.checkId}\\)$`));
    }
  });

  test('the default level is RESTRICTED, PRIVILEGED has no rules', () => {
    expect(PolicyCatalogue.podSecurity(KubernetesVersion.V1_30)).toEqual(PolicyCatalogue.podSecurity(KubernetesVersion.V1_30, PodSecurityLevel.RESTRICTED));
    expect(PolicyCatalogue.podSecurity(KubernetesVersion.V1_30, PodSecurityLevel.PRIVILEGED)).toEqual([]);
  });

  test('the version-specific lists: sysctls, SELinux types, image volumes, AppArmor fields', () => {
    const msg = (v: KubernetesVersion, id: string) => PolicyCatalogue.podSecurity(v, PodSecurityLevel.RESTRICTED).find((r) => r.id === id)!;
    expect(msg(KubernetesVersion.V1_28, 'LLM-PSS-010').expression).not.toContain('tcp_keepalive_time');
    expect(msg(KubernetesVersion.V1_29, 'LLM-PSS-010').expression).toContain('tcp_keepalive_time');
    expect(msg(KubernetesVersion.V1_31, 'LLM-PSS-010').expression).not.toContain('tcp_rmem');
    expect(msg(KubernetesVersion.V1_32, 'LLM-PSS-010').expression).toContain('tcp_rmem');
    expect(msg(KubernetesVersion.V1_30, 'LLM-PSS-014').expression).not.toContain('container_engine_t');
    expect(msg(KubernetesVersion.V1_31, 'LLM-PSS-014').expression).toContain('container_engine_t');
    expect(msg(KubernetesVersion.V1_32, 'LLM-PSS-012').message).not.toContain('image');
    expect(msg(KubernetesVersion.V1_33, 'LLM-PSS-012').message).toContain('image');
    expect(msg(KubernetesVersion.V1_29, 'LLM-PSS-009').expression).not.toContain('appArmorProfile');
    expect(msg(KubernetesVersion.V1_30, 'LLM-PSS-009').expression).toContain('appArmorProfile');
  });

  test('the mapping check -> rule id covers every check of every vendored release', () => {
    const checkIds = new Set(PSA_MINORS.flatMap((m) => psaData(m).checks.map((c) => c.id)));
    expect(Object.keys(RULE_OF).sort()).toEqual([...checkIds].sort());
    expect(new Set(Object.values(RULE_OF)).size).toBe(checkIds.size);
    expect(RULE_OF).toMatchObject({ privileged: 'LLM-PSS-001', hostPathVolumes: 'LLM-PSS-003', runAsNonRoot: 'LLM-PSS-006', restrictedVolumes: 'LLM-PSS-012', runAsUser: 'LLM-PSS-017', procMount_restricted: 'LLM-PSS-019' });
  });
});

describe('PolicyCatalogue: the static PSS rules and baseline() follow the version', () => {
  test('the static members are the default version\'s rules', () => {
    const byId = new Map([...PolicyCatalogue.podSecurity(KubernetesVersion.DEFAULT, PodSecurityLevel.BASELINE), ...PolicyCatalogue.podSecurity(KubernetesVersion.DEFAULT)].map((r) => [r.id, r]));
    const statics: Array<[PolicyRule, string]> = [
      [PolicyCatalogue.PRIVILEGED, 'LLM-PSS-001'], [PolicyCatalogue.HOST_NAMESPACES, 'LLM-PSS-002'], [PolicyCatalogue.HOST_PATH, 'LLM-PSS-003'],
      [PolicyCatalogue.HOST_PORTS, 'LLM-PSS-004'], [PolicyCatalogue.CAPABILITIES, 'LLM-PSS-005'], [PolicyCatalogue.RUN_AS_NON_ROOT, 'LLM-PSS-006'],
      [PolicyCatalogue.PRIVILEGE_ESCALATION, 'LLM-PSS-007'], [PolicyCatalogue.SECCOMP, 'LLM-PSS-008'], [PolicyCatalogue.APPARMOR, 'LLM-PSS-009'],
      [PolicyCatalogue.SYSCTLS, 'LLM-PSS-010'], [PolicyCatalogue.PROC_MOUNT, 'LLM-PSS-011'], [PolicyCatalogue.VOLUME_TYPES, 'LLM-PSS-012'],
      [PolicyCatalogue.CAPABILITIES_BASELINE, 'LLM-PSS-013'], [PolicyCatalogue.SELINUX, 'LLM-PSS-014'], [PolicyCatalogue.SECCOMP_BASELINE, 'LLM-PSS-015'],
      [PolicyCatalogue.HOST_PROCESS, 'LLM-PSS-016'], [PolicyCatalogue.RUN_AS_USER, 'LLM-PSS-017'], [PolicyCatalogue.HOST_PROBES, 'LLM-PSS-018'],
    ];
    for (const [rule, id] of statics) {
      expect(rule.id).toBe(id);
      expect(rule).toBe(byId.get(id));
    }
    expect(byId.has('LLM-PSS-019')).toBe(false); // procMount_restricted is a 1.35 check
  });

  test('baseline() holds the version\'s restricted PSS rules and the non-PSS rules, unmixed', () => {
    for (const version of VERSIONS) {
      const rules = PolicyCatalogue.baseline({ kubernetesVersion: version });
      const pss = rules.filter((r) => r.id.startsWith('LLM-PSS-'));
      expect(pss).toEqual(PolicyCatalogue.podSecurity(version));
      for (const r of rules.filter((x) => !x.id.startsWith('LLM-PSS-'))) expect(r.complianceLabels.filter((l) => l.startsWith('PSS '))).toEqual([]);
    }
    expect(PolicyCatalogue.baseline().filter((r) => r.id.startsWith('LLM-PSS-'))).toEqual(PolicyCatalogue.podSecurity(KubernetesVersion.DEFAULT));
    expect(PolicyCatalogue.find('LLM-PSS-019')).toBeUndefined();
    expect(PolicyCatalogue.find('LLM-PSS-019', KubernetesVersion.V1_35)!.id).toBe('LLM-PSS-019');
    expect(PolicyCatalogue.find('LLM-PSS-018', KubernetesVersion.V1_33)).toBeUndefined();
    // hostPathVolumes is overridden by restrictedVolumes at restricted: a hostPath pod fails LLM-PSS-012 only
    expect(PolicyCatalogue.find('LLM-PSS-003')).toBeUndefined();
  });
});

describe('issue 14: the checks the catalogue missed or got wrong, per version', () => {
  const deny = (v: KubernetesVersion, pod: any, level = PodSecurityLevel.RESTRICTED) => denied(PolicyCatalogue.podSecurity(v, level), pod);
  const podWith = (name: string) => corpus().find(([n]) => n === name)![1];

  test('SELinux options: a custom type, user or role is denied (LLM-PSS-014); container_engine_t from 1.31', () => {
    // before: no SELinux rule at all, every one of these pods was admitted
    expect(deny(KubernetesVersion.V1_34, podWith('containers: seLinux spc_t'))).toEqual(['LLM-PSS-014']);
    expect(deny(KubernetesVersion.V1_34, podWith('initContainers: seLinux user'))).toEqual(['LLM-PSS-014']);
    expect(deny(KubernetesVersion.V1_34, podWith('pod seLinux spc_t'), PodSecurityLevel.BASELINE)).toEqual(['LLM-PSS-014']);
    expect(deny(KubernetesVersion.V1_30, podWith('containers: seLinux container_engine_t'))).toEqual(['LLM-PSS-014']);
    expect(deny(KubernetesVersion.V1_31, podWith('containers: seLinux container_engine_t'))).toEqual([]);
  });

  test('probe and lifecycle host: denied from 1.34 (LLM-PSS-018), ephemeral containers included', () => {
    expect(deny(KubernetesVersion.V1_34, podWith('containers: liveness httpGet host'))).toEqual(['LLM-PSS-018']);
    expect(deny(KubernetesVersion.V1_34, podWith('ephemeralContainers: preStop tcpSocket host'), PodSecurityLevel.BASELINE)).toEqual(['LLM-PSS-018']);
    expect(deny(KubernetesVersion.V1_33, podWith('containers: liveness httpGet host'))).toEqual([]);
  });

  test('sysctls: each version\'s safe set (tcp_keepalive_* from 1.29, tcp_rmem/tcp_wmem from 1.32)', () => {
    // before: one fixed list without tcp_rmem/tcp_wmem, whatever the version
    expect(deny(KubernetesVersion.V1_32, podWith('sysctl net.ipv4.tcp_rmem'))).toEqual([]);
    expect(deny(KubernetesVersion.V1_31, podWith('sysctl net.ipv4.tcp_rmem'))).toEqual(['LLM-PSS-010']);
    expect(deny(KubernetesVersion.V1_28, podWith('sysctl net.ipv4.tcp_keepalive_time'))).toEqual(['LLM-PSS-010']);
    expect(deny(KubernetesVersion.V1_29, podWith('sysctl net.ipv4.tcp_keepalive_time'))).toEqual([]);
  });

  test('image volumes (OCI model artifacts): allowed at restricted from 1.33, a sourceless volume is an emptyDir', () => {
    // before: the image volume was denied by LLM-PSS-012 in every version
    expect(deny(KubernetesVersion.V1_33, podWith('volume image'))).toEqual([]);
    expect(deny(KubernetesVersion.V1_32, podWith('volume image'))).toEqual(['LLM-PSS-012']);
    expect(deny(KubernetesVersion.V1_34, podWith('volume sourceless'))).toEqual([]);
  });

  test('Windows pods are exempt from the restricted capabilities, privilege escalation and seccomp checks, not from privileged', () => {
    // before: LLM-PSS-005, -007 and -008 denied Windows pods
    expect(deny(KubernetesVersion.V1_34, podWith('windows, no restricted fields'))).toEqual([]);
    expect(deny(KubernetesVersion.V1_34, podWith('linux os, no restricted fields'))).toEqual(['LLM-PSS-005', 'LLM-PSS-007']);
    expect(deny(KubernetesVersion.V1_34, podWith('windows, privileged'))).toEqual(['LLM-PSS-001']);
  });

  test('runAsUser is its own rule (LLM-PSS-017); from 1.35 pods in a user namespace may run as root', () => {
    expect(deny(KubernetesVersion.V1_34, podWith('hostUsers=false, root'))).toEqual(['LLM-PSS-006', 'LLM-PSS-017']);
    expect(deny(KubernetesVersion.V1_35, podWith('hostUsers=false, root'))).toEqual([]);
    expect(deny(KubernetesVersion.V1_35, podWith('hostUsers=false, procMount Unmasked'), PodSecurityLevel.BASELINE)).toEqual([]);
    expect(deny(KubernetesVersion.V1_35, podWith('hostUsers=false, procMount Unmasked'))).toEqual(['LLM-PSS-019']);
  });

  test('AppArmor: the appArmorProfile fields count from 1.30 (the fields came in 1.30), the annotations in every version', () => {
    expect(deny(KubernetesVersion.V1_30, podWith('pod appArmor Unconfined'), PodSecurityLevel.BASELINE)).toEqual(['LLM-PSS-009']);
    expect(deny(KubernetesVersion.V1_29, podWith('pod appArmor Unconfined'), PodSecurityLevel.BASELINE)).toEqual([]);
    expect(deny(KubernetesVersion.V1_28, podWith('annotation apparmor unconfined'), PodSecurityLevel.BASELINE)).toEqual(['LLM-PSS-009']);
  });

  test('hostNetwork makes container ports host ports (LLM-PSS-004 with LLM-PSS-002)', () => {
    expect(deny(KubernetesVersion.V1_34, podWith('hostNetwork'), PodSecurityLevel.BASELINE)).toEqual(['LLM-PSS-002', 'LLM-PSS-004']);
    expect(deny(KubernetesVersion.V1_34, podWith('hostNetwork, no ports'), PodSecurityLevel.BASELINE)).toEqual(['LLM-PSS-002']);
  });
});

describe('the platform: its policy set has the PSS rules of spec.cluster.version', () => {
  const pssIds = (built: KubernetesPlatform) => built.policySet.rules.map((r) => r.id).filter((id) => id.startsWith('LLM-PSS-'));

  test('1.35 gets procMount_restricted (LLM-PSS-019), 1.33 has no probe host rule, the default is 1.34', () => {
    const v135 = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec({ cluster: { ...smallSpec().cluster, version: KubernetesVersion.V1_35 } }) });
    expect(pssIds(v135)).toEqual(PolicyCatalogue.podSecurity(KubernetesVersion.V1_35).map((r) => r.id));
    expect(pssIds(v135)).toContain('LLM-PSS-019');
    const v133 = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec({ cluster: { ...smallSpec().cluster, version: KubernetesVersion.V1_33 } }) });
    expect(pssIds(v133)).not.toContain('LLM-PSS-018');
    const byDefault = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    expect(pssIds(byDefault)).toEqual(PolicyCatalogue.podSecurity(KubernetesVersion.DEFAULT).map((r) => r.id));
  });

  test('a cluster version without PSS data fails naming kubernetesVersion', () => {
    expect(() => new KubernetesPlatform(new App(), 'acme', { spec: smallSpec({ cluster: { ...smallSpec().cluster, version: KubernetesVersion.of('1.36') } }) }))
      .toThrow(/'kubernetesVersion' must be a Kubernetes version the Pod Security Standards rules know \(1\.28 to 1\.35\), got '1\.36'/);
  });

  test('podSecurityVersions() lists 1.28 to 1.35', () => {
    expect(PolicyCatalogue.podSecurityVersions().map((v) => v.version)).toEqual(VERSIONS.map((v) => v.version));
  });
});

describe('PolicyCatalogue.podSecurity: bad input', () => {
  test('a version without vendored data fails naming kubernetesVersion, the value and the range', () => {
    expect(() => PolicyCatalogue.podSecurity(KubernetesVersion.of('1.36')))
      .toThrow("'kubernetesVersion' must be a Kubernetes version the Pod Security Standards rules know (1.28 to 1.35), got '1.36'; use KubernetesVersion.V1_28 .. KubernetesVersion.V1_35");
    expect(() => PolicyCatalogue.baseline({ kubernetesVersion: KubernetesVersion.of('1.40') })).toThrow(/'kubernetesVersion' .* got '1\.40'/);
    expect(() => PolicyCatalogue.podSecurity('1.34' as any)).toThrow(/'kubernetesVersion' must be a Kubernetes version the Pod Security Standards rules know \(1\.28 to 1\.35\), got '1\.34'/);
    expect(() => PolicyCatalogue.podSecurity(undefined as any)).toThrow(/'kubernetesVersion' must be/);
    expect(() => PodSecurityAdmission.evaluate(restrictedPod(), PodSecurityLevel.RESTRICTED, 'latest', KubernetesVersion.of('1.36'))).toThrow(/'kubernetesVersion' .*got '1\.36'/);
  });

  test('an unknown level fails naming level', () => {
    expect(() => PolicyCatalogue.podSecurity(KubernetesVersion.V1_34, 'strict' as any)).toThrow("'level' must be a Pod Security level, got 'strict'; use PodSecurityLevel.BASELINE or PodSecurityLevel.RESTRICTED");
  });
});
