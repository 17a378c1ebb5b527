/**
 * The Pod Security Standards rules of the catalogue: one PolicyRule per kubernetes/pod-security-admission
 * check in force at a level and Kubernetes version, whose CEL decides as that release's check function
 * does (each generator below cites its upstream function; the lists come from the vendored data of that
 * release, pss-data.ts). `PodSecurityAdmission` implements the same functions in TypeScript; the tests
 * hold the two to the same decisions.
 *
 * The CEL is written once against `variables.pods` (`{metadata, spec}` pod templates of any workload
 * kind) and visits, per pod, the init, regular and ephemeral containers (`policy/visitor.go`) plus a KServe
 * predictor's `model` container. Before the checks, the API server's defaulting is applied as
 * `PodSecurityAdmission` applies it: a volume without a source is an emptyDir, and with hostNetwork the
 * container and init container ports without a hostPort get their containerPort as hostPort.
 */
import { ComplianceFramework, ComplianceReference, PolicyRule, PolicySeverity } from '../policy-rule';
import { ResourceKind } from '../resource-kind';
import { asBuiltIn } from './built-in';
import { celLiteral, containersOf, extraContainerFields } from './cel-templates';
import { PsaData, psaData, SelectedCheck, selectChecks, sysctlsAllowedUpTo } from './pss-data';

const cis = (control: string): ComplianceReference => ({ framework: ComplianceFramework.CIS_EKS, control });
const pss = (control: string): ComplianceReference => ({ framework: ComplianceFramework.POD_SECURITY_STANDARDS, control });
const nsa = (control: string): ComplianceReference => ({ framework: ComplianceFramework.NSA_CISA, control });
const NSA_POD = 'Kubernetes Pod security';

/** What a rule says about one upstream check (the CEL and message come from the check's version). */
interface CheckRule {
  readonly ruleId: string;
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly severity: PolicySeverity;
  /** The Pod Security Standards control (the heading of the standard, kubernetes.io pod-security-standards). */
  readonly control: string;
  readonly compliance: ComplianceReference[];
}

/**
 * Upstream check id -> rule. LLM-PSS-001..012 keep the checks they stood for before the catalogue followed
 * upstream check by check (LLM-PSS-006 was runAsNonRoot and runAsUser together: runAsUser is LLM-PSS-017
 * now; LLM-PSS-005 and LLM-PSS-008 are the restricted capabilities and seccomp checks, their baseline
 * checks LLM-PSS-013 and LLM-PSS-015).
 */
export const PSS_CHECK_RULES: Readonly<Record<string, CheckRule>> = {
  privileged: {
    ruleId: 'LLM-PSS-001',
    name: 'disallow-privileged',
    title: 'Containers must not run privileged',
    description: 'A privileged container has all host devices and capabilities: a container escape is one step away.',
    severity: PolicySeverity.CRITICAL,
    control: 'baseline: Privileged Containers',
    compliance: [cis('4.2.1'), nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  hostNamespaces: {
    ruleId: 'LLM-PSS-002',
    name: 'disallow-host-namespaces',
    title: 'Pods must not share host namespaces',
    description: 'hostNetwork, hostPID and hostIPC expose the node network stack, processes and IPC to the pod.',
    severity: PolicySeverity.CRITICAL,
    control: 'baseline: Host Namespaces',
    compliance: [cis('4.2.2'), cis('4.2.3'), cis('4.2.4'), nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  hostPathVolumes: {
    ruleId: 'LLM-PSS-003',
    name: 'disallow-host-path',
    title: 'Pods must not mount hostPath volumes',
    description: 'hostPath volumes give the pod the node file system (kubelet credentials, container runtime socket).'
      + ' At the restricted level the volume types check (LLM-PSS-012) replaces this one (upstream OverrideCheckIDs).',
    severity: PolicySeverity.HIGH,
    control: 'baseline: HostPath Volumes',
    compliance: [nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  hostPorts: {
    ruleId: 'LLM-PSS-004',
    name: 'disallow-host-ports',
    title: 'Containers must not bind host ports',
    description: 'A host port bypasses network policies and the mesh and pins the pod to one per node'
      + ' (with hostNetwork, every container port is a host port).',
    severity: PolicySeverity.HIGH,
    control: 'baseline: Host Ports',
    compliance: [nsa('Network separation and hardening: Network policies')],
  },
  capabilities_restricted: {
    ruleId: 'LLM-PSS-005',
    name: 'restrict-capabilities',
    title: 'Containers drop ALL capabilities and add at most NET_BIND_SERVICE',
    description: 'Linux capabilities such as NET_RAW or SYS_ADMIN widen the kernel attack surface; the restricted profile drops them all'
      + ' (Windows pods, spec.os.name=windows, are exempt). Replaces LLM-PSS-013 at the restricted level.',
    severity: PolicySeverity.HIGH,
    control: 'restricted: Capabilities',
    compliance: [cis('4.2.7'), cis('4.2.8'), cis('4.2.9'), nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  runAsNonRoot: {
    ruleId: 'LLM-PSS-006',
    name: 'require-run-as-non-root',
    title: 'Containers must run as non-root',
    description: 'runAsNonRoot=true (on the pod or every container) makes the kubelet refuse images that run as UID 0'
      + ' (from Kubernetes 1.35, pods in a user namespace, hostUsers=false, are exempt).',
    severity: PolicySeverity.HIGH,
    control: 'restricted: Running as Non-root',
    compliance: [cis('4.2.6'), nsa(`${NSA_POD}: Non-root containers and rootless container engines`)],
  },
  allowPrivilegeEscalation: {
    ruleId: 'LLM-PSS-007',
    name: 'disallow-privilege-escalation',
    title: 'Containers must set allowPrivilegeEscalation=false',
    description: 'Without no_new_privs a setuid binary in the image can gain more privileges than the container started with'
      + ' (Windows pods, spec.os.name=windows, are exempt).',
    severity: PolicySeverity.HIGH,
    control: 'restricted: Privilege Escalation',
    compliance: [cis('4.2.5'), nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  seccompProfile_restricted: {
    ruleId: 'LLM-PSS-008',
    name: 'require-seccomp',
    title: 'Pods use the RuntimeDefault or a Localhost seccomp profile',
    description: 'seccomp filters system calls; the restricted profile requires RuntimeDefault or Localhost on the pod or every container,'
      + ' never Unconfined (Windows pods, spec.os.name=windows, are exempt). Replaces LLM-PSS-015 at the restricted level.',
    severity: PolicySeverity.HIGH,
    control: 'restricted: Seccomp',
    compliance: [cis('4.6.2'), nsa(`${NSA_POD}: Hardening container environments`)],
  },
  appArmorProfile: {
    ruleId: 'LLM-PSS-009',
    name: 'restrict-apparmor',
    title: 'AppArmor must not be disabled',
    description: 'Pods and containers must not set an Unconfined (or other non-default) AppArmor profile; RuntimeDefault and Localhost'
      + ' are allowed (the appArmorProfile fields from Kubernetes 1.30, the legacy annotations in every version).',
    severity: PolicySeverity.MEDIUM,
    control: 'baseline: AppArmor',
    compliance: [nsa(`${NSA_POD}: Hardening container environments`)],
  },
  sysctls: {
    ruleId: 'LLM-PSS-010',
    name: 'restrict-sysctls',
    title: 'Pods set only safe sysctls',
    description: "Unsafe sysctls change kernel settings shared with other pods on the node; each Kubernetes version's safe set is allowed.",
    severity: PolicySeverity.MEDIUM,
    control: 'baseline: Sysctls',
    compliance: [nsa(`${NSA_POD}: Hardening container environments`)],
  },
  procMount: {
    ruleId: 'LLM-PSS-011',
    name: 'restrict-proc-mount',
    title: 'Containers use the default /proc mount',
    description: 'An Unmasked /proc mount exposes host kernel information that the default mask hides'
      + ' (from Kubernetes 1.35, pods in a user namespace, hostUsers=false, are exempt; LLM-PSS-019 replaces this rule at the restricted level).',
    severity: PolicySeverity.MEDIUM,
    control: 'baseline: /proc Mount Type',
    compliance: [nsa(`${NSA_POD}: Hardening container environments`)],
  },
  restrictedVolumes: {
    ruleId: 'LLM-PSS-012',
    name: 'restrict-volume-types',
    title: 'Pods use only restricted volume types',
    description: 'Only configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected and secret volumes'
      + ' (and image volumes from Kubernetes 1.33): no node or network storage mounted directly by the pod. Replaces LLM-PSS-003 at the restricted level.',
    severity: PolicySeverity.MEDIUM,
    control: 'restricted: Volume Types',
    compliance: [nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  capabilities_baseline: {
    ruleId: 'LLM-PSS-013',
    name: 'restrict-added-capabilities',
    title: 'Containers add only the default capabilities',
    description: 'Adding capabilities beyond the container runtime defaults (NET_ADMIN, SYS_ADMIN, ...) widens the kernel attack surface.',
    severity: PolicySeverity.HIGH,
    control: 'baseline: Capabilities',
    compliance: [cis('4.2.8'), nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  seLinuxOptions: {
    ruleId: 'LLM-PSS-014',
    name: 'restrict-selinux',
    title: 'SELinux options stay within the container types',
    description: 'Pods and containers must not set a custom SELinux user or role, nor a type other than the container types.',
    severity: PolicySeverity.MEDIUM,
    control: 'baseline: SELinux',
    compliance: [nsa(`${NSA_POD}: Hardening container environments`)],
  },
  seccompProfile_baseline: {
    ruleId: 'LLM-PSS-015',
    name: 'disallow-unconfined-seccomp',
    title: 'seccomp must not be disabled',
    description: 'Pods and containers must not set the Unconfined seccomp profile; RuntimeDefault and Localhost are allowed.',
    severity: PolicySeverity.MEDIUM,
    control: 'baseline: Seccomp',
    compliance: [cis('4.6.2'), nsa(`${NSA_POD}: Hardening container environments`)],
  },
  windowsHostProcess: {
    ruleId: 'LLM-PSS-016',
    name: 'disallow-host-process',
    title: 'Windows pods must not run as HostProcess',
    description: 'A Windows HostProcess container has privileged access to the Windows node.',
    severity: PolicySeverity.CRITICAL,
    control: 'baseline: HostProcess',
    compliance: [nsa(`${NSA_POD}: Pod security enforcement`)],
  },
  runAsUser: {
    ruleId: 'LLM-PSS-017',
    name: 'disallow-run-as-root-user',
    title: 'Pods and containers must not set runAsUser=0',
    description: 'runAsUser=0 runs the container as root whatever the image says'
      + ' (from Kubernetes 1.35, pods in a user namespace, hostUsers=false, are exempt).',
    severity: PolicySeverity.HIGH,
    control: 'restricted: Running as Non-root user',
    compliance: [cis('4.2.6'), nsa(`${NSA_POD}: Non-root containers and rootless container engines`)],
  },
  hostProbesAndHostLifecycle: {
    ruleId: 'LLM-PSS-018',
    name: 'disallow-probe-host',
    title: 'Probes and lifecycle handlers do not name a host',
    description: 'An httpGet or tcpSocket probe or lifecycle handler with a host makes the kubelet connect to any address (Kubernetes 1.34+).',
    severity: PolicySeverity.MEDIUM,
    control: 'baseline: Host Probes / Lifecycle Hooks',
    compliance: [nsa('Network separation and hardening')],
  },
  procMount_restricted: {
    ruleId: 'LLM-PSS-019',
    name: 'require-default-proc-mount',
    title: 'Containers use the default /proc mount, in user namespaces too',
    description: 'The restricted profile keeps the default /proc mask for every pod, user namespace or not (Kubernetes 1.35+; replaces LLM-PSS-011 at the restricted level).',
    severity: PolicySeverity.MEDIUM,
    control: 'restricted: /proc Mount Type',
    compliance: [nsa(`${NSA_POD}: Hardening container environments`)],
  },
};

// ------------------------------------------------------------------------------------------------ CEL helpers

/** Every container of pod template `p`: init, regular, ephemeral (`policy/visitor.go`) and a KServe predictor `model`. */
function cs(p: string): string {
  return `(${containersOf(`${p}.spec`, extraContainerFields(ResourceKind.workloads()))})`;
}

/** `has(<x>.securityContext) && has(<x>.securityContext.<path...>)`, each step guarded. */
function hasSc(x: string, ...fields: string[]): string {
  const parts = [`has(${x}.securityContext)`];
  let at = `${x}.securityContext`;
  for (const f of fields) {
    parts.push(`has(${at}.${f})`);
    at = `${at}.${f}`;
  }
  return `(${parts.join(' && ')})`;
}

const podSc = (p: string) => `${p}.spec`;
const isWindows = (p: string) => `(has(${p}.spec.os) && has(${p}.spec.os.name) && ${p}.spec.os.name == 'windows')`;
/** `policy/helpers.go` `relaxPolicyForUserNamespacePod` (unconditional in v0.35 checks): `hostUsers: false`. */
const inUserNamespace = (p: string) => `(has(${p}.spec.hostUsers) && ${p}.spec.hostUsers == false)`;
const lit = celLiteral;

type CelGen = (d: PsaData) => { expression: string; message: string };

/** Per pod: `ok(p)`, with `exempt(p)` passing the whole pod. */
function perPod(ok: (p: string) => string, exempt?: (p: string) => string): string {
  return exempt ? `variables.pods.all(p, ${exempt('p')} || (${ok('p')}))` : `variables.pods.all(p, ${ok('p')})`;
}

/** Every container of every pod template (`variables.containers`: no pod context needed). */
function allContainers(ok: string): string {
  return `variables.containers.all(c, ${ok})`;
}

/** A profile-type field (`seccompProfile`, `appArmorProfile`) of `x`'s securityContext is unset or of an allowed type. */
function profileOk(x: string, field: string, allowed: string[]): string {
  return `(!${hasSc(x, field)} || (has(${x}.securityContext.${field}.type) && ${x}.securityContext.${field}.type in ${lit(allowed)}))`;
}

// policy/check_allowPrivilegeEscalation.go allowPrivilegeEscalation_1_8 / _1_25
const apeOk = (p: string) => `${cs(p)}.all(c, ${hasSc('c', 'allowPrivilegeEscalation')} && c.securityContext.allowPrivilegeEscalation == false)`;
// policy/check_capabilities_restricted.go capabilitiesRestricted_1_22 / _1_25
const capsRestrictedOk = (d: PsaData) => (p: string) => `${cs(p)}.all(c, ${hasSc('c', 'capabilities')} && has(c.securityContext.capabilities.drop)`
  + ` && 'ALL' in c.securityContext.capabilities.drop && (!has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(a, a in ${lit(d.capabilitiesRestrictedAdd)})))`;
// policy/check_seccompProfile_restricted.go seccompProfileRestricted_1_19 / _1_25
const seccompRestrictedOk = (d: PsaData) => (p: string) => {
  const podHas = hasSc(podSc(p), 'seccompProfile');
  const podValid = `(has(${p}.spec.securityContext.seccompProfile.type) && ${p}.spec.securityContext.seccompProfile.type in ${lit(d.seccompAllowedTypes)})`;
  const cValid = `(has(c.securityContext.seccompProfile.type) && c.securityContext.seccompProfile.type in ${lit(d.seccompAllowedTypes)})`;
  return `(!${podHas} || ${podValid}) && ${cs(p)}.all(c, ${hasSc('c', 'seccompProfile')} ? ${cValid} : (${podHas} && ${podValid}))`;
};
// policy/check_runAsNonRoot.go runAsNonRoot_1_0
const runAsNonRootOk = (p: string) => {
  const podHas = hasSc(podSc(p), 'runAsNonRoot');
  return `!(${podHas} && ${p}.spec.securityContext.runAsNonRoot == false) && ${cs(p)}.all(c, ${hasSc('c', 'runAsNonRoot')}`
    + ` ? c.securityContext.runAsNonRoot == true : (${podHas} && ${p}.spec.securityContext.runAsNonRoot == true))`;
};
// policy/check_runAsUser.go runAsUser_1_23
const runAsUserOk = (p: string) => `!(${hasSc(podSc(p), 'runAsUser')} && ${p}.spec.securityContext.runAsUser == 0)`
  + ` && ${cs(p)}.all(c, !(${hasSc('c', 'runAsUser')} && c.securityContext.runAsUser == 0))`;
// policy/check_procMount.go procMount_1_0
const procMountOk = (p: string) => `${cs(p)}.all(c, !${hasSc('c', 'procMount')} || c.securityContext.procMount == 'Default')`;
// policy/check_appArmorProfile.go: the annotations (every version)
const appArmorAnnotationsOk = (d: PsaData) => (p: string) => {
  const a = d.appArmorAnnotations;
  return `(!has(${p}.metadata.annotations) || ${p}.metadata.annotations.all(k, !k.startsWith(${lit(a.containerPrefix)})`
    + ` || ${p}.metadata.annotations[k] in ${lit(a.allowedValues)} || ${p}.metadata.annotations[k].startsWith(${lit(a.allowedPrefix)})))`;
};
// policy/check_seLinuxOptions.go seLinuxOptions(allowedTypes)
const seLinuxValid = (allowed: string[], o: string) => `((has(${o}.type) ? ${o}.type : '') in ${lit(allowed)} && (!has(${o}.user) || ${o}.user == '') && (!has(${o}.role) || ${o}.role == ''))`;
// policy/check_sysctls.go sysctls(allowed)
const sysctlsOk = (allowed: string[]) => (p: string) => `(!${hasSc(podSc(p), 'sysctls')}`
  + ` || ${p}.spec.securityContext.sysctls.all(s, has(s.name) && s.name in ${lit(allowed)}))`;

/** The JSON names of core/v1 VolumeSource's members (the allowed and the named forbidden types, and `image`, Kubernetes 1.31+). */
function volumeSourceFields(d: PsaData): string[] {
  return [...new Set([...d.restrictedVolumeTypesAllowed, ...d.restrictedVolumeTypesNamed, 'image'])].sort();
}

/** A volume with no source member: the API server defaults it to an emptyDir (`SetDefaults_Volume`). */
const sourceless = (d: PsaData, v: string) => `!(${volumeSourceFields(d).map((f) => `has(${v}.${f})`).join(' || ')})`;

/** The generator of each upstream check function (the `fn` of the vendored data). */
const GENERATORS: Record<string, CelGen> = {
  // policy/check_privileged.go
  privileged_1_0: () => ({
    expression: allContainers(`!(${hasSc('c', 'privileged')} && c.securityContext.privileged == true)`),
    message: 'containers must not set securityContext.privileged=true',
  }),
  // policy/check_hostNamespaces.go
  hostNamespaces_1_0: () => ({
    expression: perPod((p) => ['hostNetwork', 'hostPID', 'hostIPC'].map((f) => `!(has(${p}.spec.${f}) && ${p}.spec.${f} == true)`).join(' && ')),
    message: 'pods must not set hostNetwork, hostPID or hostIPC to true',
  }),
  // policy/check_hostPathVolumes.go
  hostPathVolumes_1_0: () => ({
    expression: perPod((p) => `!has(${p}.spec.volumes) || ${p}.spec.volumes.all(v, !has(v.hostPath))`),
    message: 'pods must not use hostPath volumes',
  }),
  // policy/check_hostPorts.go (with hostNetwork, the API server gives container and init container ports their containerPort as hostPort)
  hostPorts_1_0: () => ({
    expression: perPod((p) => `${cs(p)}.all(c, !has(c.ports) || c.ports.all(q, !has(q.hostPort) || q.hostPort == 0))`
      + ` && !(has(${p}.spec.hostNetwork) && ${p}.spec.hostNetwork == true`
      + ` && ((has(${p}.spec.initContainers) ? ${p}.spec.initContainers : []) + (has(${p}.spec.containers) ? ${p}.spec.containers : []))`
      + '.exists(c, has(c.ports) && c.ports.exists(q, (!has(q.hostPort) || q.hostPort == 0) && has(q.containerPort) && q.containerPort != 0)))'),
    message: 'containers must not set ports[*].hostPort (with hostNetwork, container ports are host ports)',
  }),
  // policy/check_capabilities_baseline.go
  capabilitiesBaseline_1_0: (d) => ({
    expression: allContainers(`!${hasSc('c', 'capabilities', 'add')} || c.securityContext.capabilities.add.all(a, a in ${lit(d.capabilitiesBaselineAllowed)})`),
    message: `containers must not add capabilities other than ${d.capabilitiesBaselineAllowed.join(', ')}`,
  }),
  capabilitiesRestricted_1_22: (d) => ({
    expression: perPod(capsRestrictedOk(d)),
    message: `containers must set securityContext.capabilities.drop=["ALL"] and add none but ${d.capabilitiesRestrictedAdd.join(', ')}`,
  }),
  capabilitiesRestricted_1_25: (d) => ({
    expression: perPod(capsRestrictedOk(d), isWindows),
    message: `containers must set securityContext.capabilities.drop=["ALL"] and add none but ${d.capabilitiesRestrictedAdd.join(', ')} (Windows pods are exempt)`,
  }),
  allowPrivilegeEscalation_1_8: () => ({
    expression: perPod(apeOk),
    message: 'containers must set securityContext.allowPrivilegeEscalation=false',
  }),
  allowPrivilegeEscalation_1_25: () => ({
    expression: perPod(apeOk, isWindows),
    message: 'containers must set securityContext.allowPrivilegeEscalation=false (Windows pods are exempt)',
  }),
  // policy/check_appArmorProfile.go appArmorProfile_1_0 as of v0.28/v0.29: the annotations only
  appArmorProfileAnnotations_1_0: (d) => ({
    expression: perPod(appArmorAnnotationsOk(d)),
    message: `${d.appArmorAnnotations.containerPrefix}* annotations must be unset, empty, ${d.appArmorAnnotations.allowedValues.filter((v) => v).join(', ')} or ${d.appArmorAnnotations.allowedPrefix}*`,
  }),
  // policy/check_appArmorProfile.go appArmorProfile_1_0 (v0.30+): the fields and the annotations
  appArmorProfile_1_0: (d) => {
    const types = d.appArmorAllowedTypes ?? [];
    return {
      expression: `${perPod((p) => `${profileOk(podSc(p), 'appArmorProfile', types)} && ${appArmorAnnotationsOk(d)(p)}`)}`
        + ` && ${allContainers(profileOk('c', 'appArmorProfile', types))}`,
      message: `appArmorProfile.type must be unset, ${types.join(' or ')}, and ${d.appArmorAnnotations.containerPrefix}* annotations`
        + ` unset, empty, ${d.appArmorAnnotations.allowedValues.filter((v) => v).join(', ')} or ${d.appArmorAnnotations.allowedPrefix}*`,
    };
  },
  // policy/check_seLinuxOptions.go
  seLinuxOptions1_0: (d) => seLinuxGen(d.seLinuxAllowedTypes['v1.0']),
  seLinuxOptions1_31: (d) => seLinuxGen(d.seLinuxAllowedTypes['v1.31']),
  // policy/check_seccompProfile_baseline.go seccompProfileBaseline_1_19 (fields)
  seccompProfileBaseline_1_19: (d) => ({
    expression: `${perPod((p) => profileOk(podSc(p), 'seccompProfile', d.seccompAllowedTypes))} && ${allContainers(profileOk('c', 'seccompProfile', d.seccompAllowedTypes))}`,
    message: `seccompProfile.type must be unset, ${d.seccompAllowedTypes.join(' or ')} (not Unconfined)`,
  }),
  seccompProfileRestricted_1_19: (d) => ({
    expression: perPod(seccompRestrictedOk(d)),
    message: `the pod or every container must set securityContext.seccompProfile.type to ${d.seccompAllowedTypes.join(' or ')}`,
  }),
  seccompProfileRestricted_1_25: (d) => ({
    expression: perPod(seccompRestrictedOk(d), isWindows),
    message: `the pod or every container must set securityContext.seccompProfile.type to ${d.seccompAllowedTypes.join(' or ')} (Windows pods are exempt)`,
  }),
  // policy/check_procMount.go / check_procMount_baseline.go / check_procMount_restricted.go
  procMount_1_0: () => ({
    expression: allContainers(`!${hasSc('c', 'procMount')} || c.securityContext.procMount == 'Default'`),
    message: 'containers must not set securityContext.procMount other than Default',
  }),
  procMount1_35baseline: () => ({
    expression: perPod(procMountOk, inUserNamespace),
    message: 'containers must not set securityContext.procMount other than Default (pods with hostUsers=false are exempt)',
  }),
  // policy/check_restrictedVolumes.go
  restrictedVolumes_1_0: (d) => ({
    expression: perPod((p) => `!has(${p}.spec.volumes) || ${p}.spec.volumes.all(v, ${d.restrictedVolumeTypesAllowed.map((t) => `has(v.${t})`).join(' || ')} || ${sourceless(d, 'v')})`),
    message: `volumes must be one of ${d.restrictedVolumeTypesAllowed.join(', ')}`,
  }),
  // policy/check_runAsNonRoot.go
  runAsNonRoot_1_0: () => ({
    expression: perPod(runAsNonRootOk),
    message: 'the pod or every container must set securityContext.runAsNonRoot=true, and none false',
  }),
  runAsNonRoot1_35: () => ({
    expression: perPod(runAsNonRootOk, inUserNamespace),
    message: 'the pod or every container must set securityContext.runAsNonRoot=true, and none false (pods with hostUsers=false are exempt)',
  }),
  // policy/check_runAsUser.go
  runAsUser_1_23: () => ({
    expression: `${perPod((p) => `!(${hasSc(podSc(p), 'runAsUser')} && ${p}.spec.securityContext.runAsUser == 0)`)}`
      + ` && ${allContainers(`!(${hasSc('c', 'runAsUser')} && c.securityContext.runAsUser == 0)`)}`,
    message: 'the pod and containers must not set securityContext.runAsUser=0',
  }),
  runAsUser1_35: () => ({
    expression: perPod(runAsUserOk, inUserNamespace),
    message: 'the pod and containers must not set securityContext.runAsUser=0 (pods with hostUsers=false are exempt)',
  }),
  // policy/check_sysctls.go
  sysctlsV1Dot0: (d) => sysctlsGen(sysctlsAllowedUpTo(d, 'v1.0')),
  sysctlsV1Dot27: (d) => sysctlsGen(sysctlsAllowedUpTo(d, 'v1.27')),
  sysctlsV1Dot29: (d) => sysctlsGen(sysctlsAllowedUpTo(d, 'v1.29')),
  sysctlsV1Dot32: (d) => sysctlsGen(sysctlsAllowedUpTo(d, 'v1.32')),
  // policy/check_windowsHostProcess.go
  windowsHostProcess_1_0: () => ({
    expression: `${perPod((p) => `!(${hasSc(podSc(p), 'windowsOptions', 'hostProcess')} && ${p}.spec.securityContext.windowsOptions.hostProcess == true)`)}`
      + ` && ${allContainers(`!(${hasSc('c', 'windowsOptions', 'hostProcess')} && c.securityContext.windowsOptions.hostProcess == true)`)}`,
    message: 'the pod and containers must not set securityContext.windowsOptions.hostProcess=true',
  }),
  // policy/check_hostProbesAndhostLifecycle.go
  hostProbesAndHostLifecycleV1Dot34: () => {
    const handlerOk = (h: string) => ['httpGet', 'tcpSocket'].map((k) => `!(has(${h}.${k}) && has(${h}.${k}.host) && ${h}.${k}.host != '')`).join(' && ');
    const probes = ['livenessProbe', 'readinessProbe', 'startupProbe'].map((pr) => `(!has(c.${pr}) || (${handlerOk(`c.${pr}`)}))`);
    const hooks = ['postStart', 'preStop'].map((h) => `(!has(c.lifecycle) || !has(c.lifecycle.${h}) || (${handlerOk(`c.lifecycle.${h}`)}))`);
    return {
      expression: allContainers([...probes, ...hooks].join(' && ')),
      message: 'probes and lifecycle handlers must not set httpGet.host or tcpSocket.host',
    };
  },
};

function seLinuxGen(allowed: string[]): { expression: string; message: string } {
  return {
    expression: `${perPod((p) => `(!${hasSc(podSc(p), 'seLinuxOptions')} || ${seLinuxValid(allowed, `${p}.spec.securityContext.seLinuxOptions`)})`)}`
      + ` && ${allContainers(`!${hasSc('c', 'seLinuxOptions')} || ${seLinuxValid(allowed, 'c.securityContext.seLinuxOptions')}`)}`,
    message: `seLinuxOptions must not set user or role, and type only to ${allowed.map((t) => (t === '' ? '""' : t)).join(', ')}`,
  };
}

function sysctlsGen(allowed: string[]): { expression: string; message: string } {
  return {
    expression: perPod(sysctlsOk(allowed)),
    message: `pods may only set the safe sysctls (${allowed.join(', ')})`,
  };
}

/** The upstream check id and the version of it a rule implements. */
export interface PssRuleSource {
  readonly checkId: string;
  readonly level: 'baseline' | 'restricted';
  readonly fn: string;
  readonly file: string;
  readonly release: string;
}

const memo = new Map<string, PolicyRule[]>();
const byCheck = new Map<string, PolicyRule>();
const sources = new Map<PolicyRule, PssRuleSource>();

/**
 * The rules of the checks in force in Kubernetes 1.<minor> (its pod-security-admission release, policy
 * version `latest`) at a level, in rule id order.
 */
export function pssRules(minor: number, level: 'baseline' | 'restricted'): PolicyRule[] {
  const key = `${minor}/${level}`;
  let rules = memo.get(key);
  if (!rules) {
    const d = psaData(minor);
    const tag = /^kubernetes\/pod-security-admission (\S+)/.exec(d.source)![1];
    rules = selectChecks(d, level, minor).map((c) => {
      // one rule object per release and check version, shared by both levels
      const ruleKey = `${minor}/${c.id}/${c.version.fn}`;
      let rule = byCheck.get(ruleKey);
      if (!rule) {
        rule = ruleOf(c, d);
        byCheck.set(ruleKey, rule);
        sources.set(rule, { checkId: c.id, level: c.level, fn: c.version.fn, file: c.file, release: tag });
      }
      return rule;
    }).sort((a, b) => a.id.localeCompare(b.id));
    memo.set(key, rules);
  }
  return [...rules];
}

/** The upstream check a rule of `pssRules` implements (undefined for other rules). */
export function pssRuleSource(rule: PolicyRule): PssRuleSource | undefined {
  return sources.get(rule);
}

function ruleOf(c: SelectedCheck, d: PsaData): PolicyRule {
  const meta = PSS_CHECK_RULES[c.id];
  if (!meta) throw new Error(`pod security check ${c.id} of the vendored data has no rule in PSS_CHECK_RULES`);
  const gen = GENERATORS[c.version.fn];
  if (!gen) throw new Error(`pod security check function ${c.version.fn} of the vendored data has no CEL generator`);
  const { expression, message } = gen(d);
  return asBuiltIn(() => PolicyRule.custom({
    id: meta.ruleId,
    name: meta.name,
    title: meta.title,
    description: meta.description,
    severity: meta.severity,
    compliance: [pss(`${meta.control} (pod-security-admission check ${c.id})`), ...meta.compliance],
    kinds: ResourceKind.workloads(),
    expression,
    message,
  }));
}
