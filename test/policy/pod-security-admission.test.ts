import * as fs from 'fs';
import * as path from 'path';
import { variant } from './fixtures';
import { PodSecurityAdmission, PodSecurityLevel } from '../../src/policy';

const { BASELINE, RESTRICTED, PRIVILEGED } = PodSecurityLevel;
const pod = (spec: any, metadata: any = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'search', ...metadata }, spec });
const ids = (p: any, level: PodSecurityLevel, version?: string) => PodSecurityAdmission.evaluate(p, level, version).map((v) => v.checkId);
const detail = (p: any, level: PodSecurityLevel, id: string, version?: string) =>
  PodSecurityAdmission.evaluate(p, level, version).find((v) => v.checkId === id)?.detail;

/** A pod that passes restricted. */
const hardened = () => pod({
  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
  containers: [{ name: 'app', image: 'x', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }],
  volumes: [{ name: 'tmp', emptyDir: {} }],
});

/** istio-init as the Istio 1.30.3 injection template renders it without Istio CNI (schemas/upstream/istio/injection-template.yaml). */
const istioInit = {
  name: 'istio-init',
  image: 'docker.io/istio/proxyv2:1.30.3',
  securityContext: {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: false,
    runAsGroup: 0,
    runAsNonRoot: false,
    runAsUser: 0,
    capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
  },
};

describe('PodSecurityAdmission (kubernetes/pod-security-admission v0.34.9)', () => {
  test('a hardened pod passes restricted; privileged checks nothing', () => {
    expect(PodSecurityAdmission.evaluate(hardened(), RESTRICTED)).toEqual([]);
    expect(PodSecurityAdmission.evaluate(pod({ hostNetwork: true, containers: [{ name: 'a', securityContext: { privileged: true } }] }), PRIVILEGED)).toEqual([]);
  });

  test('istio-init (NET_ADMIN, NET_RAW, root) is forbidden even at baseline (defect 2), and more at restricted', () => {
    const injected = hardened();
    injected.spec.initContainers = [istioInit];
    expect(PodSecurityAdmission.evaluate(injected, BASELINE)).toEqual([{
      checkId: 'capabilities_baseline',
      level: BASELINE,
      reason: 'non-default capabilities',
      detail: 'container "istio-init" must not include "NET_ADMIN", "NET_RAW" in securityContext.capabilities.add',
      source: 'policy/check_capabilities_baseline.go',
    }]);
    // restricted: capabilities_restricted replaces capabilities_baseline; runAsNonRoot and runAsUser also fail
    expect(ids(injected, RESTRICTED)).toEqual(['capabilities_restricted', 'runAsNonRoot', 'runAsUser']);
    expect(detail(injected, RESTRICTED, 'runAsNonRoot')).toBe('container "istio-init" must not set securityContext.runAsNonRoot=false');
    expect(detail(injected, RESTRICTED, 'runAsUser')).toBe('container "istio-init" must not set runAsUser=0');
  });

  test('every container list is checked: init, regular and ephemeral (policy/visitor.go)', () => {
    const p = hardened();
    p.spec.ephemeralContainers = [{ name: 'debug', image: 'busybox', securityContext: { privileged: true } }];
    expect(ids(p, BASELINE)).toEqual(['privileged']);
    expect(detail(p, BASELINE, 'privileged')).toBe('container "debug" must not set securityContext.privileged=true');
  });

  // Expected strings from the upstream tests (policy/check_*_test.go at v0.34.9).
  test.each([
    ['runAsNonRoot', pod({ containers: [{ name: 'a' }] }), 'pod or container "a" must set securityContext.runAsNonRoot=true'],
    ['runAsNonRoot', pod({ securityContext: { runAsNonRoot: true }, containers: [{ name: 'a' }, { name: 'c', securityContext: { runAsNonRoot: false } }, { name: 'd', securityContext: { runAsNonRoot: false } }] }),
      'containers "c", "d" must not set securityContext.runAsNonRoot=false'],
    ['capabilities_restricted', pod({
      containers: [
        { name: 'a', securityContext: { capabilities: { add: ['FOO', 'BAR'] } } },
        { name: 'b', securityContext: { capabilities: { add: ['BAR', 'BAZ'] } } },
        { name: 'c', securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN'], drop: ['ALL', 'FOO'] } } },
      ],
    }), 'containers "a", "b" must set securityContext.capabilities.drop=["ALL"]; containers "a", "b", "c" must not include "BAR", "BAZ", "CHOWN", "FOO" in securityContext.capabilities.add'],
    ['hostPorts', pod({ containers: [{ name: 'a', ports: [{ hostPort: 0 }] }, { name: 'b', ports: [{ hostPort: 0 }, { hostPort: 10 }, { hostPort: 20 }] }, { name: 'c', ports: [{ hostPort: 10 }, { hostPort: 30 }] }] }),
      'containers "b", "c" use hostPorts 10, 20, 30'],
    ['seccompProfile_restricted', pod({ containers: [{ name: 'a' }] }), 'pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"'],
    ['seccompProfile_restricted', pod({ securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'a' }] }), 'pod must not set securityContext.seccompProfile.type to "Unconfined"'],
    ['seLinuxOptions', pod({
      securityContext: { seLinuxOptions: { type: 'foo', user: 'u', role: 'r' } },
      containers: [{ name: 'a', securityContext: { seLinuxOptions: { type: 'container_t' } } }, { name: 'e', securityContext: { seLinuxOptions: { type: 'bar' } } }],
    }), 'pod and container "e" set forbidden securityContext.seLinuxOptions: types "bar", "foo"; user may not be set; role may not be set'],
    ['appArmorProfile', pod({ securityContext: { appArmorProfile: { type: 'Unconfined' } }, containers: [{ name: 'a' }] }), 'pod must not set AppArmor profile type to "Unconfined"'],
    ['appArmorProfile', pod({ containers: [{ name: 'a' }] }, {
      annotations: {
        'container.apparmor.security.beta.kubernetes.io/': 'bogus',
        'container.apparmor.security.beta.kubernetes.io/a': '',
        'container.apparmor.security.beta.kubernetes.io/b': 'runtime/default',
        'container.apparmor.security.beta.kubernetes.io/c': 'localhost/',
        'container.apparmor.security.beta.kubernetes.io/d': 'localhost/foo',
        'container.apparmor.security.beta.kubernetes.io/e': 'unconfined',
        'container.apparmor.security.beta.kubernetes.io/f': 'unknown',
      },
    }), 'annotations must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/="bogus"", '
      + '"container.apparmor.security.beta.kubernetes.io/e="unconfined"", "container.apparmor.security.beta.kubernetes.io/f="unknown""'],
    ['restrictedVolumes', pod({ containers: [{ name: 'a' }], volumes: [{ name: 'ok', image: { reference: 'x' } }, { name: 'b1', hostPath: { path: '/' } }, { name: 'b2', nfs: { server: 's', path: '/' } }, { name: 'b3', fancy: {} }] }),
      'volumes "b1", "b2", "b3" use restricted volume types "hostPath", "nfs", "unknown"'],
    ['hostNamespaces', pod({ hostNetwork: true, hostIPC: true, containers: [{ name: 'a' }] }), 'hostNetwork=true, hostIPC=true'],
    ['hostProbesAndHostLifecycle', pod({ containers: [{ name: 'a', livenessProbe: { httpGet: { host: '10.0.0.1', port: 80 } }, lifecycle: { preStop: { tcpSocket: { host: 'evil', port: 1 } } } }] }),
      'container "a" uses probe or lifecycle hosts "10.0.0.1", "evil"'],
    ['windowsHostProcess', pod({ securityContext: { windowsOptions: { hostProcess: true } }, containers: [{ name: 'a' }] }), 'pod must not set securityContext.windowsOptions.hostProcess=true'],
    ['procMount', pod({ containers: [{ name: 'a', securityContext: { procMount: 'Unmasked' } }] }), 'container "a" must not set securityContext.procMount to "Unmasked"'],
    ['seccompProfile_baseline', pod({ containers: [{ name: 'a' }] }, { annotations: { 'seccomp.security.alpha.kubernetes.io/pod': 'unconfined' } }),
      'forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined"'],
  ])('%s: %s', (id, p, expected) => {
    const level = ['runAsNonRoot', 'capabilities_restricted', 'seccompProfile_restricted', 'restrictedVolumes'].includes(id) ? RESTRICTED : BASELINE;
    // seccompProfile_baseline with annotations is the pre-1.19 version of the check
    const version = id === 'seccompProfile_baseline' ? 'v1.18' : undefined;
    expect(detail(p, level, id, version)).toBe(expected);
  });

  test('the pod is judged after the API server\'s defaulting (pkg/apis/core/v1/defaults.go)', () => {
    // a volume without a source is an emptyDir (upstream testdata restricted/*/pass/restrictedvolumes0.yaml)
    const p = hardened();
    p.spec.volumes = [{ name: 'scratch' }];
    expect(ids(p, RESTRICTED)).toEqual([]);
    // with hostNetwork, container ports become host ports
    const host = pod({ hostNetwork: true, containers: [{ name: 'a', ports: [{ containerPort: 9100 }] }], initContainers: [{ name: 'i', ports: [{ containerPort: 53, hostPort: 0 }] }] });
    expect(ids(host, BASELINE)).toEqual(['hostNamespaces', 'hostPorts']);
    expect(detail(host, BASELINE, 'hostPorts')).toBe('containers "i", "a" use hostPorts 53, 9100');
    expect(host.spec.containers[0].ports[0].hostPort).toBeUndefined(); // the input is not changed
    expect(ids(variant(host, (h) => h.spec.hostNetwork = false), BASELINE)).toEqual([]);
  });

  test('Windows pods are exempt from the restricted Linux-only checks since v1.25, not before', () => {
    const win = pod({ os: { name: 'windows' }, securityContext: { runAsNonRoot: true }, containers: [{ name: 'a' }] });
    expect(ids(win, RESTRICTED)).toEqual([]);
    expect(ids(win, RESTRICTED, 'v1.24')).toEqual(['allowPrivilegeEscalation', 'capabilities_restricted', 'seccompProfile_restricted']);
    // runAsNonRoot has no Windows exemption
    expect(ids(pod({ os: { name: 'windows' }, containers: [{ name: 'a' }] }), RESTRICTED)).toEqual(['runAsNonRoot']);
  });

  test('versions: each check as in force at the policy version (policy/registry.go)', () => {
    const p = pod({ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_rmem' }] }, containers: [{ name: 'a', livenessProbe: { tcpSocket: { host: 'h', port: 1 } }, securityContext: { seLinuxOptions: { type: 'container_engine_t' } } }] });
    expect(ids(p, BASELINE)).toEqual(['hostProbesAndHostLifecycle']);
    expect(ids(p, BASELINE, 'v1.33')).toEqual([]); // no probe host check before 1.34
    expect(ids(p, BASELINE, 'v1.31')).toEqual(['sysctls']); // tcp_rmem allowed from 1.32
    expect(ids(p, BASELINE, 'v1.30')).toEqual(['seLinuxOptions', 'sysctls']); // container_engine_t allowed from 1.31
    expect(ids(p, BASELINE, 'v1.99')).toEqual(ids(p, BASELINE, 'latest'));
    // below 1.22 the restricted level checks capabilities with the baseline check; runAsUser from 1.23
    const root = pod({ securityContext: { runAsNonRoot: true, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } }, containers: [{ name: 'a', securityContext: { allowPrivilegeEscalation: false } }] });
    expect(ids(root, RESTRICTED)).toEqual(['capabilities_restricted', 'runAsUser']);
    expect(ids(root, RESTRICTED, 'v1.21')).toEqual([]);
    expect(() => PodSecurityAdmission.evaluate(root, RESTRICTED, '1.34')).toThrow(/'version' must be "latest" or "v1.<minor>", got '1.34'/);
    expect(() => PodSecurityAdmission.evaluate(root, 'strict' as any)).toThrow(/'level' must be a Pod Security level, got 'strict'/);
  });

  test('namespacePolicy reads the enforce labels as the API server does (api/helpers.go)', () => {
    const ns = (labels: any) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels } });
    expect(PodSecurityAdmission.namespacePolicy(ns({ 'pod-security.kubernetes.io/enforce': 'baseline', 'pod-security.kubernetes.io/enforce-version': 'v1.30' })))
      .toEqual({ level: BASELINE, version: 'v1.30', problems: [] });
    expect(PodSecurityAdmission.namespacePolicy(ns({}))).toEqual({ level: PRIVILEGED, version: 'latest', problems: [] });
    expect(PodSecurityAdmission.namespacePolicy(undefined, BASELINE).level).toBe(BASELINE);
    const bad = PodSecurityAdmission.namespacePolicy(ns({ 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/enforce-version': '1.30' }));
    expect(bad.level).toBe(RESTRICTED); // fail closed
    expect(bad.version).toBe('latest');
    expect(bad.problems).toHaveLength(2);
    const injected = hardened();
    injected.spec.initContainers = [istioInit];
    expect(PodSecurityAdmission.evaluateInNamespace(injected, ns({ 'pod-security.kubernetes.io/enforce': 'restricted' })).map((v) => v.checkId))
      .toEqual(['capabilities_restricted', 'runAsNonRoot', 'runAsUser']);
  });

  test('the vendored check table names every upstream check file of the tag and each check is implemented', () => {
    const data = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/upstream/pod-security-admission/checks-v0.34.9.json'), 'utf-8'));
    expect(data.checks.map((c: any) => c.file).sort()).toEqual([
      'policy/check_allowPrivilegeEscalation.go', 'policy/check_appArmorProfile.go', 'policy/check_capabilities_baseline.go', 'policy/check_capabilities_restricted.go',
      'policy/check_hostNamespaces.go', 'policy/check_hostPathVolumes.go', 'policy/check_hostPorts.go', 'policy/check_hostProbesAndhostLifecycle.go',
      'policy/check_privileged.go', 'policy/check_procMount.go', 'policy/check_restrictedVolumes.go', 'policy/check_runAsNonRoot.go', 'policy/check_runAsUser.go',
      'policy/check_seLinuxOptions.go', 'policy/check_seccompProfile_baseline.go', 'policy/check_seccompProfile_restricted.go', 'policy/check_sysctls.go',
      'policy/check_windowsHostProcess.go',
    ]);
    // a maximal-violation pod runs every check at every version without an unknown implementation
    for (const v of ['v1.0', 'v1.8', 'v1.19', 'v1.22', 'v1.25', 'v1.29', 'v1.34']) {
      expect(() => PodSecurityAdmission.evaluate(pod({ containers: [{ name: 'a' }] }), RESTRICTED, v)).not.toThrow();
    }
  });
});
