import { ComplianceFramework, ComplianceReference, PolicyAction, PolicyParameterType, PolicyRule, PolicySeverity } from './policy-rule';
import { ResourceKind } from './resource-kind';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';

/**
 * Options for `PolicyCatalogue.baseline()`.
 */
export interface BaselineOptions {
  /**
   * Registries (or registry/repository prefixes) images may come from, e.g. the platform's ECR
   * `123456789012.dkr.ecr.us-east-1.amazonaws.com`. When set, rule LLM-IMG-003 is part of the baseline.
   *
   * @default - LLM-IMG-003 is not included
   */
  readonly allowedRegistries?: string[];

  /**
   * Namespaces where Services of type LoadBalancer are allowed (LLM-NET-001): the mesh ingress gateway's.
   * Pass `[]` to allow them nowhere.
   *
   * @default PolicyCatalogue.DEFAULT_LOAD_BALANCER_NAMESPACES (['istio-ingress'], the gateway namespace of
   * Istio's gateway chart installation docs and of the platform's mesh default)
   */
  readonly loadBalancerNamespaces?: string[];
}

const cis = (control: string): ComplianceReference => ({ framework: ComplianceFramework.CIS_EKS, control });
const pss = (control: string): ComplianceReference => ({ framework: ComplianceFramework.POD_SECURITY_STANDARDS, control });
const nsa = (control: string): ComplianceReference => ({ framework: ComplianceFramework.NSA_CISA, control });
const hipaa = (control: string): ComplianceReference => ({ framework: ComplianceFramework.HIPAA, control });

const NSA_POD = 'Kubernetes Pod security';
const GPU = PlatformLabels.NVIDIA_GPU_RESOURCE;

/** `has(a.b) && a.b == v`-style presence-safe test of `<obj>.<field> == <value>`. */
function isSet(obj: string, field: string, value: string): string {
  return `(has(${obj}.${field}) && ${obj}.${field} == ${value})`;
}

/** CEL: the containers of one pod template `p` (init + regular, + KServe model). */
function podContainers(p: string): string {
  return `((has(${p}.spec.initContainers) ? ${p}.spec.initContainers : []) + (has(${p}.spec.containers) ? ${p}.spec.containers : []) + (has(${p}.spec.model) ? [${p}.spec.model] : []))`;
}

/** CEL: container `c` requests or limits a non-zero number of GPUs. */
function requestsGpu(c: string): string {
  const on = (list: string) => `(has(${c}.resources.${list}) && '${GPU}' in ${c}.resources.${list} && quantity(string(${c}.resources.${list}['${GPU}'])).isGreaterThan(quantity('0')))`;
  return `(has(${c}.resources) && (${on('limits')} || ${on('requests')}))`;
}

function sc(c: string, field: string): string {
  return `has(${c}.securityContext) && has(${c}.securityContext.${field})`;
}

/** Safe sysctls of the Pod Security Standards baseline (Kubernetes 1.29+). */
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout', 'net.ipv4.tcp_keepalive_intvl', 'net.ipv4.tcp_keepalive_probes'];

/** Volume types of the Pod Security Standards restricted profile. */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];

const list = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/**
 * The rule catalogue: the platform's baseline rules as static members, plus lookups.
 *
 * Pod rules are written once against `variables.pods` / `variables.containers`; the per-kind paths
 * (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, PyTorchJob, InferenceService) are
 * generated. Every rule evaluates to true when the object complies.
 */
export class PolicyCatalogue {
  /**
   * The namespaces LLM-NET-001 allows LoadBalancer Services in by default: `istio-ingress`, where the
   * platform (and Istio's docs, setup/additional-setup/gateway) install the ingress gateway.
   */
  public static readonly DEFAULT_LOAD_BALANCER_NAMESPACES: string[] = ['istio-ingress'];

  // ---------------------------------------------------------------- Pod Security Standards
  /** PSS baseline: no privileged containers. */
  public static readonly PRIVILEGED = PolicyRule.custom({
    id: 'LLM-PSS-001',
    name: 'disallow-privileged',
    title: 'Containers must not run privileged',
    description: 'A privileged container has all host devices and capabilities: a container escape is one step away.',
    severity: PolicySeverity.CRITICAL,
    compliance: [cis('4.2.1'), pss('baseline: spec.containers[*].securityContext.privileged'), nsa(`${NSA_POD}: Pod security enforcement`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, !(${sc('c', 'privileged')} && c.securityContext.privileged == true))`,
    message: 'containers must not set securityContext.privileged=true',
  });

  /** PSS baseline: no host namespaces. */
  public static readonly HOST_NAMESPACES = PolicyRule.custom({
    id: 'LLM-PSS-002',
    name: 'disallow-host-namespaces',
    title: 'Pods must not share host namespaces',
    description: 'hostNetwork, hostPID and hostIPC expose the node network stack, processes and IPC to the pod.',
    severity: PolicySeverity.CRITICAL,
    compliance: [cis('4.2.2'), cis('4.2.3'), cis('4.2.4'), pss('baseline: spec.hostNetwork, spec.hostPID, spec.hostIPC'), nsa(`${NSA_POD}: Pod security enforcement`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.pods.all(p, !${isSet('p', 'spec.hostNetwork', 'true')} && !${isSet('p', 'spec.hostPID', 'true')} && !${isSet('p', 'spec.hostIPC', 'true')})`,
    message: 'pods must not set hostNetwork, hostPID or hostIPC',
  });

  /** PSS baseline: no hostPath volumes. */
  public static readonly HOST_PATH = PolicyRule.custom({
    id: 'LLM-PSS-003',
    name: 'disallow-host-path',
    title: 'Pods must not mount hostPath volumes',
    description: 'hostPath volumes give the pod the node file system (kubelet credentials, container runtime socket).',
    severity: PolicySeverity.HIGH,
    compliance: [pss('baseline: spec.volumes[*].hostPath'), nsa(`${NSA_POD}: Pod security enforcement`)],
    kinds: ResourceKind.workloads(),
    expression: 'variables.pods.all(p, !has(p.spec.volumes) || p.spec.volumes.all(v, !has(v.hostPath)))',
    message: 'pods must not use hostPath volumes',
  });

  /** PSS baseline: no host ports. */
  public static readonly HOST_PORTS = PolicyRule.custom({
    id: 'LLM-PSS-004',
    name: 'disallow-host-ports',
    title: 'Containers must not bind host ports',
    description: 'A host port bypasses network policies and the mesh and pins the pod to one per node.',
    severity: PolicySeverity.HIGH,
    compliance: [pss('baseline: spec.containers[*].ports[*].hostPort'), nsa('Network separation and hardening: Network policies')],
    kinds: ResourceKind.workloads(),
    expression: 'variables.containers.all(c, !has(c.ports) || c.ports.all(port, !has(port.hostPort) || port.hostPort == 0))',
    message: 'containers must not set ports[*].hostPort',
  });

  /** PSS restricted: drop ALL capabilities, add only NET_BIND_SERVICE. */
  public static readonly CAPABILITIES = PolicyRule.custom({
    id: 'LLM-PSS-005',
    name: 'restrict-capabilities',
    title: 'Containers drop ALL capabilities and add at most NET_BIND_SERVICE',
    description: 'Linux capabilities such as NET_RAW or SYS_ADMIN widen the kernel attack surface; the restricted profile drops them all.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('4.2.7'), cis('4.2.8'), cis('4.2.9'), pss('restricted: spec.containers[*].securityContext.capabilities'), nsa(`${NSA_POD}: Pod security enforcement`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, ${sc('c', 'capabilities')} && has(c.securityContext.capabilities.drop) && c.securityContext.capabilities.drop.exists(d, d == 'ALL')`
      + " && (!has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(a, a == 'NET_BIND_SERVICE')))",
    message: 'containers must drop ALL capabilities and add none except NET_BIND_SERVICE',
  });

  /** PSS restricted: run as non-root. */
  public static readonly RUN_AS_NON_ROOT = PolicyRule.custom({
    id: 'LLM-PSS-006',
    name: 'require-run-as-non-root',
    title: 'Containers must run as non-root',
    description: 'runAsNonRoot=true (on the pod or every container) makes the kubelet refuse images that run as UID 0; runAsUser must not be 0.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('4.2.6'), pss('restricted: spec.securityContext.runAsNonRoot, spec.containers[*].securityContext.runAsNonRoot, runAsUser'), nsa(`${NSA_POD}: Non-root containers and rootless container engines`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, (${sc('c', 'runAsNonRoot')}) ? c.securityContext.runAsNonRoot == true`
      + ' : variables.pods.all(p, has(p.spec.securityContext) && has(p.spec.securityContext.runAsNonRoot) && p.spec.securityContext.runAsNonRoot == true))'
      + ` && variables.containers.all(c, !(${sc('c', 'runAsUser')}) || c.securityContext.runAsUser != 0)`
      + ' && variables.pods.all(p, !has(p.spec.securityContext) || !has(p.spec.securityContext.runAsUser) || p.spec.securityContext.runAsUser != 0)',
    message: 'pods or every container must set securityContext.runAsNonRoot=true and no runAsUser 0',
  });

  /** PSS restricted: no privilege escalation. */
  public static readonly PRIVILEGE_ESCALATION = PolicyRule.custom({
    id: 'LLM-PSS-007',
    name: 'disallow-privilege-escalation',
    title: 'Containers must set allowPrivilegeEscalation=false',
    description: 'Without no_new_privs a setuid binary in the image can gain more privileges than the container started with.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('4.2.5'), pss('restricted: spec.containers[*].securityContext.allowPrivilegeEscalation'), nsa(`${NSA_POD}: Pod security enforcement`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, ${sc('c', 'allowPrivilegeEscalation')} && c.securityContext.allowPrivilegeEscalation == false)`,
    message: 'containers must set securityContext.allowPrivilegeEscalation=false',
  });

  /** PSS restricted: seccomp RuntimeDefault or Localhost. */
  public static readonly SECCOMP = PolicyRule.custom({
    id: 'LLM-PSS-008',
    name: 'require-seccomp',
    title: 'Pods use the RuntimeDefault or a Localhost seccomp profile',
    description: 'seccomp filters system calls; the restricted profile requires RuntimeDefault or Localhost on the pod or every container, never Unconfined.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('4.6.2'), pss('restricted: spec.securityContext.seccompProfile.type, spec.containers[*].securityContext.seccompProfile.type'), nsa(`${NSA_POD}: Hardening container environments`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, (${sc('c', 'seccompProfile')}) ? c.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']`
      + " : variables.pods.all(p, has(p.spec.securityContext) && has(p.spec.securityContext.seccompProfile) && p.spec.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']))"
      + " && variables.pods.all(p, !has(p.spec.securityContext) || !has(p.spec.securityContext.seccompProfile) || p.spec.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost'])",
    message: 'the pod or every container must set seccompProfile.type RuntimeDefault or Localhost',
  });

  /** PSS baseline: AppArmor not Unconfined. */
  public static readonly APPARMOR = PolicyRule.custom({
    id: 'LLM-PSS-009',
    name: 'restrict-apparmor',
    title: 'AppArmor must not be disabled',
    description: 'Pods and containers must not set an Unconfined AppArmor profile (field or legacy annotation); RuntimeDefault and Localhost are allowed.',
    severity: PolicySeverity.MEDIUM,
    compliance: [pss('baseline: spec.securityContext.appArmorProfile.type, metadata.annotations[container.apparmor.security.beta.kubernetes.io/*]'), nsa(`${NSA_POD}: Hardening container environments`)],
    kinds: ResourceKind.workloads(),
    expression: "variables.pods.all(p, (!has(p.spec.securityContext) || !has(p.spec.securityContext.appArmorProfile) || p.spec.securityContext.appArmorProfile.type != 'Unconfined')"
      + " && (!has(p.metadata.annotations) || p.metadata.annotations.all(k, !k.startsWith('container.apparmor.security.beta.kubernetes.io/') || p.metadata.annotations[k] == 'runtime/default' || p.metadata.annotations[k].startsWith('localhost/'))))"
      + ` && variables.containers.all(c, !(${sc('c', 'appArmorProfile')}) || c.securityContext.appArmorProfile.type != 'Unconfined')`,
    message: 'pods and containers must not use an Unconfined AppArmor profile',
  });

  /** PSS baseline: only safe sysctls. */
  public static readonly SYSCTLS = PolicyRule.custom({
    id: 'LLM-PSS-010',
    name: 'restrict-sysctls',
    title: 'Pods set only safe sysctls',
    description: 'Unsafe sysctls change kernel settings shared with other pods on the node.',
    severity: PolicySeverity.MEDIUM,
    compliance: [pss('baseline: spec.securityContext.sysctls[*].name'), nsa(`${NSA_POD}: Hardening container environments`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.pods.all(p, !has(p.spec.securityContext) || !has(p.spec.securityContext.sysctls) || p.spec.securityContext.sysctls.all(s, s.name in ${list(SAFE_SYSCTLS)}))`,
    message: `pods may only set the safe sysctls (${SAFE_SYSCTLS.join(', ')})`,
  });

  /** PSS baseline: default /proc mount. */
  public static readonly PROC_MOUNT = PolicyRule.custom({
    id: 'LLM-PSS-011',
    name: 'restrict-proc-mount',
    title: 'Containers use the default /proc mount',
    description: 'An Unmasked /proc mount exposes host kernel information that the default mask hides.',
    severity: PolicySeverity.MEDIUM,
    compliance: [pss('baseline: spec.containers[*].securityContext.procMount'), nsa(`${NSA_POD}: Hardening container environments`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, !(${sc('c', 'procMount')}) || c.securityContext.procMount == 'Default')`,
    message: 'containers must not set securityContext.procMount other than Default',
  });

  /** PSS restricted: allowed volume types. */
  public static readonly VOLUME_TYPES = PolicyRule.custom({
    id: 'LLM-PSS-012',
    name: 'restrict-volume-types',
    title: 'Pods use only restricted volume types',
    description: `Only ${RESTRICTED_VOLUMES.join(', ')} volumes: no node or network storage mounted directly by the pod.`,
    severity: PolicySeverity.MEDIUM,
    compliance: [pss('restricted: spec.volumes[*]'), nsa(`${NSA_POD}: Pod security enforcement`)],
    kinds: ResourceKind.workloads(),
    expression: `variables.pods.all(p, !has(p.spec.volumes) || p.spec.volumes.all(v, ${RESTRICTED_VOLUMES.map((t) => `has(v.${t})`).join(' || ')}))`,
    message: `volumes must be one of ${RESTRICTED_VOLUMES.join(', ')}`,
  });

  /** Read-only root file system (NSA/CISA immutable containers). */
  public static readonly READ_ONLY_ROOT_FS = PolicyRule.custom({
    id: 'LLM-SEC-001',
    name: 'require-read-only-root-fs',
    title: 'Containers run with a read-only root file system',
    description: 'An immutable root file system stops an attacker from dropping tools or changing binaries; write to emptyDir volumes instead.',
    severity: PolicySeverity.MEDIUM,
    compliance: [nsa(`${NSA_POD}: Immutable container file systems`), cis('4.6.3')],
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, ${sc('c', 'readOnlyRootFilesystem')} && c.securityContext.readOnlyRootFilesystem == true)`,
    message: 'containers must set securityContext.readOnlyRootFilesystem=true',
  });

  // ---------------------------------------------------------------- images
  /** Images pinned by digest. */
  public static readonly IMAGE_DIGEST = PolicyRule.custom({
    id: 'LLM-IMG-001',
    name: 'require-image-digest',
    title: 'Images are pinned by sha256 digest',
    description: 'A tag can be moved to other content; a digest cannot, so what was scanned and signed is what runs.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('5.1.1'), nsa('Building secure container images'), hipaa('164.312(c)(1) integrity')],
    kinds: ResourceKind.workloads(),
    expression: "variables.containers.all(c, !has(c.image) || c.image.matches('@sha256:[a-f0-9]{64}$'))",
    message: 'images must be pinned by digest (<image>@sha256:<64 hex>)',
  });

  /** No `:latest` (and no implicit latest). */
  public static readonly NO_LATEST = PolicyRule.custom({
    id: 'LLM-IMG-002',
    name: 'disallow-latest-tag',
    title: 'Images do not use the latest tag',
    description: "':latest' (or no tag at all) is a moving target: rollbacks and audits cannot tell what ran.",
    severity: PolicySeverity.MEDIUM,
    compliance: [nsa('Building secure container images')],
    kinds: ResourceKind.workloads(),
    expression: "variables.containers.all(c, !has(c.image) || !(c.image.find('[^/]+$').matches('^[^:@]+$') || c.image.find('[^/]+$').matches(':latest(@.*)?$')))",
    message: "images must name a tag other than 'latest' or a digest",
  });

  // ---------------------------------------------------------------- resources and health
  /** CPU/memory requests and limits. */
  public static readonly RESOURCES = PolicyRule.custom({
    id: 'LLM-RES-001',
    name: 'require-requests-limits',
    title: 'Containers set CPU and memory requests and limits',
    description: 'Without requests the scheduler overcommits GPU nodes; without limits one model server can starve its neighbours.',
    severity: PolicySeverity.MEDIUM,
    compliance: [nsa('Network separation and hardening: Resource policies'), hipaa('164.308(a)(7)(ii)(B) availability (contingency)')],
    kinds: ResourceKind.workloads(),
    expression: `variables.pods.all(p, ${podContainers('p')}.all(c, has(c.resources) && has(c.resources.requests) && has(c.resources.limits)`
      + " && 'cpu' in c.resources.requests && 'memory' in c.resources.requests && 'cpu' in c.resources.limits && 'memory' in c.resources.limits))",
    message: 'containers must set resources.requests and resources.limits for cpu and memory',
  });

  /** Liveness and readiness probes on long-running workloads. */
  public static readonly PROBES = PolicyRule.custom({
    id: 'LLM-RES-002',
    name: 'require-probes',
    title: 'Long-running containers define liveness and readiness probes',
    description: 'Without a readiness probe a model server receives traffic before its weights are loaded; without liveness a hung server is never restarted.',
    severity: PolicySeverity.MEDIUM,
    compliance: [hipaa('164.308(a)(7)(ii)(B) availability (contingency)')],
    kinds: ResourceKind.longRunning(),
    expression: 'variables.pods.all(p, !has(p.spec.containers) || p.spec.containers.all(c, has(c.livenessProbe) && has(c.readinessProbe)))',
    message: 'containers of long-running workloads must define livenessProbe and readinessProbe',
  });

  /** No default service account token automount. */
  public static readonly SERVICE_ACCOUNT_TOKEN = PolicyRule.custom({
    id: 'LLM-SA-001',
    name: 'restrict-sa-token-automount',
    title: 'Pods do not automount the default service account token',
    description: 'Pods either set automountServiceAccountToken=false or run as a dedicated (non-default) service account.',
    severity: PolicySeverity.MEDIUM,
    compliance: [cis('4.1.5'), cis('4.1.6'), nsa(`${NSA_POD}: Protecting Pod service account tokens`), hipaa('164.312(a)(1) access control')],
    kinds: ResourceKind.workloads(),
    expression: "variables.pods.all(p, (has(p.spec.automountServiceAccountToken) && p.spec.automountServiceAccountToken == false) || (has(p.spec.serviceAccountName) && p.spec.serviceAccountName != '' && p.spec.serviceAccountName != 'default'))",
    message: "pods must set automountServiceAccountToken=false or use a service account other than 'default'",
  });

  // ---------------------------------------------------------------- GPUs
  /** GPU requests only in GPU-entitled namespaces. */
  public static readonly GPU_ENTITLED_NAMESPACE = PolicyRule.custom({
    id: 'LLM-GPU-001',
    name: 'gpu-entitled-namespace',
    title: 'GPUs are requested only in GPU-entitled namespaces',
    description: `Pods that request ${GPU} must run in a namespace labelled ${PlatformLabels.GPU_ENTITLED}=true (the tenant's GPU quota lives there).`,
    severity: PolicySeverity.HIGH,
    compliance: [nsa('Network separation and hardening: Resource policies')],
    kinds: ResourceKind.workloads(),
    expression: `!variables.containers.exists(c, ${requestsGpu('c')}) || (namespaceObject != null && has(namespaceObject.metadata.labels)`
      + ` && '${PlatformLabels.GPU_ENTITLED}' in namespaceObject.metadata.labels && namespaceObject.metadata.labels['${PlatformLabels.GPU_ENTITLED}'] == 'true')`,
    message: `GPU workloads must run in a namespace labelled ${PlatformLabels.GPU_ENTITLED}=true`,
  });

  /** GPU pods tolerate the GPU taint. */
  public static readonly GPU_TOLERATION = PolicyRule.custom({
    id: 'LLM-GPU-002',
    name: 'gpu-toleration',
    title: 'GPU pods tolerate the nvidia.com/gpu taint',
    description: 'GPU nodes are tainted nvidia.com/gpu=true:NoSchedule; a GPU pod without the toleration stays Pending and keeps a node scaled up.',
    severity: PolicySeverity.LOW,
    kinds: ResourceKind.workloads(),
    expression: `variables.pods.all(p, !${podContainers('p')}.exists(c, ${requestsGpu('c')}) || (has(p.spec.tolerations) && p.spec.tolerations.exists(t,`
      + ` ((has(t.key) && t.key == '${GPU}') || (!has(t.key) && has(t.operator) && t.operator == 'Exists')) && (!has(t.effect) || t.effect == 'NoSchedule'))))`,
    message: `pods that request GPUs must tolerate the ${GPU} NoSchedule taint`,
  });

  /** GPU requests equal limits. */
  public static readonly GPU_REQUESTS_EQUAL_LIMITS = PolicyRule.custom({
    id: 'LLM-GPU-003',
    name: 'gpu-requests-equal-limits',
    title: 'GPU requests equal GPU limits',
    description: `${GPU} is not overcommittable: a container that requests GPUs sets the same quantity as its limit.`,
    severity: PolicySeverity.MEDIUM,
    kinds: ResourceKind.workloads(),
    expression: `variables.containers.all(c, !has(c.resources) || !has(c.resources.requests) || !('${GPU}' in c.resources.requests)`
      + ` || (has(c.resources.limits) && '${GPU}' in c.resources.limits && quantity(string(c.resources.requests['${GPU}'])).compareTo(quantity(string(c.resources.limits['${GPU}']))) == 0))`,
    message: `containers must set resources.requests['${GPU}'] equal to resources.limits['${GPU}']`,
  });

  /** Model servers carry a pinned model revision. */
  public static readonly MODEL_REVISION = PolicyRule.custom({
    id: 'LLM-GPU-004',
    name: 'require-model-revision',
    title: 'Model server pods carry a pinned model revision',
    description: `Pods labelled ${PlatformLabels.COMPONENT}=model-server carry the ${PlatformLabels.MODEL_REVISION_ANNOTATION} annotation with a pinned revision (not a branch such as main or latest), so what serves traffic is reproducible.`,
    severity: PolicySeverity.MEDIUM,
    compliance: [hipaa('164.312(c)(1) integrity')],
    kinds: [ResourceKind.POD, ResourceKind.DEPLOYMENT, ResourceKind.STATEFUL_SET, ResourceKind.REPLICA_SET, ResourceKind.INFERENCE_SERVICE],
    expression: `variables.pods.all(p, !(has(p.metadata.labels) && '${PlatformLabels.COMPONENT}' in p.metadata.labels && p.metadata.labels['${PlatformLabels.COMPONENT}'] == 'model-server')`
      + ` || (has(p.metadata.annotations) && '${PlatformLabels.MODEL_REVISION_ANNOTATION}' in p.metadata.annotations`
      + ` && !(p.metadata.annotations['${PlatformLabels.MODEL_REVISION_ANNOTATION}'] in ['', 'main', 'master', 'latest', 'HEAD'])))`,
    message: `model server pods must carry the ${PlatformLabels.MODEL_REVISION_ANNOTATION} annotation with a pinned revision`,
  });

  // ---------------------------------------------------------------- network and RBAC
  /** Ingress TLS. */
  public static readonly INGRESS_TLS = PolicyRule.custom({
    id: 'LLM-NET-002',
    name: 'require-ingress-tls',
    title: 'Ingresses terminate TLS for every host',
    description: 'Every Ingress has a tls section and every rule host is covered by one of its hosts.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('5.4.5'), nsa('Network separation and hardening'), hipaa('164.312(e)(1) transmission security')],
    kinds: [ResourceKind.INGRESS],
    expression: 'has(object.spec.tls) && object.spec.tls.size() > 0 && (!has(object.spec.rules) || object.spec.rules.all(r, !has(r.host) || object.spec.tls.exists(t, has(t.hosts) && r.host in t.hosts)))',
    message: 'ingresses must configure spec.tls covering every rule host',
  });

  /** Istio Gateway TLS. */
  public static readonly GATEWAY_TLS = PolicyRule.custom({
    id: 'LLM-NET-003',
    name: 'require-gateway-tls',
    title: 'Istio Gateway servers use HTTPS/TLS',
    description: 'Every Istio Gateway server is HTTPS or TLS with a tls block, or a plain HTTP server that only redirects to HTTPS.',
    severity: PolicySeverity.HIGH,
    compliance: [cis('5.4.5'), nsa('Network separation and hardening'), hipaa('164.312(e)(1) transmission security')],
    kinds: [ResourceKind.ISTIO_GATEWAY],
    expression: "!has(object.spec.servers) || object.spec.servers.all(s, (has(s.port.protocol) && s.port.protocol in ['HTTPS', 'TLS'] && has(s.tls)) || (has(s.tls) && has(s.tls.httpsRedirect) && s.tls.httpsRedirect == true))",
    message: 'gateway servers must be HTTPS/TLS with tls settings (or HTTP with tls.httpsRedirect=true)',
  });

  /** No wildcard RBAC in namespaced Roles. */
  public static readonly RBAC_WILDCARDS = PolicyRule.custom({
    id: 'LLM-RBAC-001',
    name: 'disallow-rbac-wildcards',
    title: 'Tenant Roles do not use wildcards',
    description: "Roles (the namespaced roles tenants get) must not grant '*' verbs, resources or API groups.",
    severity: PolicySeverity.HIGH,
    compliance: [cis('4.1.3'), nsa('Authentication and authorization'), hipaa('164.308(a)(4) information access management')],
    kinds: [ResourceKind.ROLE],
    expression: "!has(object.rules) || object.rules.all(r, (!has(r.verbs) || !('*' in r.verbs)) && (!has(r.resources) || !('*' in r.resources)) && (!has(r.apiGroups) || !('*' in r.apiGroups)))",
    message: "roles must not use '*' in verbs, resources or apiGroups",
  });

  /**
   * The platform profile: what each baseline rule does in the platform's own namespaces (add-ons,
   * node agents, gateways, telemetry; `PolicySet.platformNamespaces`). Rules not listed do not apply there.
   *
   * - ENFORCE, supply chain: LLM-IMG-001 (digests), LLM-IMG-002 (no latest), LLM-IMG-003 (allowed
   *   registries, i.e. the mirror): the add-on catalogue mirrors and digest-pins every add-on image, so
   *   the platform's pods can meet them, and an unpinned or foreign image is exactly what must not run
   *   with the platform's privileges.
   * - ENFORCE, GPUs and exposure: LLM-GPU-001..004 (no GPU requests outside GPU-entitled namespaces:
   *   the node agents read GPUs through the device plugin API, never request them), LLM-NET-001..003
   *   (LoadBalancers only in the ingress namespaces, TLS on Ingresses and Gateways).
   * - AUDIT (reported by the engines' audit/PolicyReports and as synth warnings, never denied):
   *   LLM-SEC-001 (read-only root), LLM-RES-001 (requests/limits), LLM-RES-002 (probes), LLM-SA-001
   *   (token automount), LLM-RBAC-001 (wildcard Roles): upstream charts of the add-ons set these as
   *   their projects chose (operators that need their API token, charts without CPU limits or probes on
   *   every container, controllers whose namespaced Role grants '*'), and the platform cannot change
   *   them without forking the charts.
   * - not applied: LLM-PSS-001..012. Host access and the Pod Security Standards controls in platform
   *   namespaces are decided by Pod Security admission at each namespace's declared level
   *   (`pod-security.kubernetes.io/enforce`: privileged only where node agents need the host, e.g. the
   *   GPU device plugin, DCGM exporter and Istio CNI; restricted elsewhere), evaluated by the twin with
   *   `PodSecurityAdmission`. Enforcing them again here would deny the node agents (hostPath, root,
   *   NET_ADMIN) that the namespace level admits on purpose.
   */
  public static platformActions(): { [ruleId: string]: PolicyAction } {
    const out: { [ruleId: string]: PolicyAction } = {};
    for (const id of ['LLM-IMG-001', 'LLM-IMG-002', 'LLM-IMG-003', 'LLM-GPU-001', 'LLM-GPU-002', 'LLM-GPU-003', 'LLM-GPU-004',
      'LLM-NET-001', 'LLM-NET-002', 'LLM-NET-003']) out[id] = PolicyAction.ENFORCE;
    for (const id of ['LLM-SEC-001', 'LLM-RES-001', 'LLM-RES-002', 'LLM-SA-001', 'LLM-RBAC-001']) out[id] = PolicyAction.AUDIT;
    return out;
  }

  /**
   * LLM-IMG-003: images come only from allowed registries.
   *
   * @param registries registry hosts or registry/repository prefixes (an image matches when it starts with `<entry>/`)
   * @param action what engines do with a violation
   */
  public static allowedRegistries(registries: string[], action?: PolicyAction): PolicyRule {
    if (!Array.isArray(registries) || registries.length === 0) {
      throw new ValidationError('allowedRegistries', 'must list at least one registry', registries,
        "list the registries images may come from, e.g. the platform's ECR '123456789012.dkr.ecr.us-east-1.amazonaws.com'");
    }
    for (const r of registries) {
      if (typeof r !== 'string' || !/^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(\/[a-z0-9._/-]*[a-z0-9])?$/.test(r)) {
        throw new ValidationError('allowedRegistries', 'must hold registry hosts or host/repository prefixes without scheme or trailing slash', r,
          "use e.g. '123456789012.dkr.ecr.us-east-1.amazonaws.com' or 'ghcr.io/acme'");
      }
    }
    return PolicyRule.custom({
      id: 'LLM-IMG-003',
      name: 'allowed-registries',
      title: 'Images come from allowed registries',
      description: 'Only images from the platform registries (scanned, signed, replicated) may run.',
      severity: PolicySeverity.HIGH,
      compliance: [cis('5.1.4'), nsa('Building secure container images')],
      kinds: ResourceKind.workloads(),
      action,
      parameters: [{ name: 'allowedRegistries', type: PolicyParameterType.STRING_LIST, description: 'registry hosts or host/repository prefixes', allowEmpty: false }],
      parameterValues: { allowedRegistries: [...registries].sort() },
      expression: "variables.containers.all(c, !has(c.image) || variables.params.allowedRegistries.exists(r, c.image.startsWith(r + '/')))",
      message: 'images must come from an allowed registry',
    });
  }

  /**
   * LLM-NET-001: Services of type LoadBalancer only in allowed namespaces.
   *
   * @param namespaces namespaces where LoadBalancer Services are allowed (empty: nowhere)
   * @default PolicyCatalogue.DEFAULT_LOAD_BALANCER_NAMESPACES
   */
  public static loadBalancerNamespaces(namespaces: string[] = PolicyCatalogue.DEFAULT_LOAD_BALANCER_NAMESPACES): PolicyRule {
    if (!Array.isArray(namespaces)) {
      throw new ValidationError('loadBalancerNamespaces', 'must be a list of namespaces', namespaces, "pass the ingress gateway's namespace, e.g. ['istio-ingress']");
    }
    for (const n of namespaces) {
      if (typeof n !== 'string' || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(n) || n.length > 63) {
        throw new ValidationError('loadBalancerNamespaces', 'must hold namespace names (DNS-1123 labels)', n, "pass the ingress gateway's namespace, e.g. 'istio-ingress'");
      }
    }
    return PolicyRule.custom({
      id: 'LLM-NET-001',
      name: 'restrict-load-balancers',
      title: 'LoadBalancer Services only in allowed namespaces',
      description: 'Each LoadBalancer Service provisions an internet-reachable AWS load balancer; only the ingress namespaces may create them.',
      severity: PolicySeverity.HIGH,
      compliance: [nsa('Network separation and hardening'), hipaa('164.312(e)(1) transmission security')],
      kinds: [ResourceKind.SERVICE],
      parameters: [{ name: 'allowedNamespaces', type: PolicyParameterType.STRING_LIST, description: 'namespaces where LoadBalancer Services are allowed', defaultValue: [] }],
      parameterValues: { allowedNamespaces: [...namespaces].sort() },
      expression: "!has(object.spec.type) || object.spec.type != 'LoadBalancer' || (has(object.metadata.namespace) && object.metadata.namespace in variables.params.allowedNamespaces)",
      message: 'Services of type LoadBalancer are only allowed in the ingress namespaces',
    });
  }

  /**
   * The baseline: every static rule above, LLM-NET-001 and (when registries are given) LLM-IMG-003.
   */
  public static baseline(options: BaselineOptions = {}): PolicyRule[] {
    const rules = [
      PolicyCatalogue.PRIVILEGED, PolicyCatalogue.HOST_NAMESPACES, PolicyCatalogue.HOST_PATH, PolicyCatalogue.HOST_PORTS,
      PolicyCatalogue.CAPABILITIES, PolicyCatalogue.RUN_AS_NON_ROOT, PolicyCatalogue.PRIVILEGE_ESCALATION, PolicyCatalogue.SECCOMP,
      PolicyCatalogue.APPARMOR, PolicyCatalogue.SYSCTLS, PolicyCatalogue.PROC_MOUNT, PolicyCatalogue.VOLUME_TYPES,
      PolicyCatalogue.READ_ONLY_ROOT_FS, PolicyCatalogue.IMAGE_DIGEST, PolicyCatalogue.NO_LATEST, PolicyCatalogue.RESOURCES,
      PolicyCatalogue.PROBES, PolicyCatalogue.SERVICE_ACCOUNT_TOKEN, PolicyCatalogue.GPU_ENTITLED_NAMESPACE,
      PolicyCatalogue.GPU_TOLERATION, PolicyCatalogue.GPU_REQUESTS_EQUAL_LIMITS, PolicyCatalogue.MODEL_REVISION,
      PolicyCatalogue.loadBalancerNamespaces(options.loadBalancerNamespaces ?? PolicyCatalogue.DEFAULT_LOAD_BALANCER_NAMESPACES),
      PolicyCatalogue.INGRESS_TLS, PolicyCatalogue.GATEWAY_TLS, PolicyCatalogue.RBAC_WILDCARDS,
    ];
    if (options.allowedRegistries !== undefined) rules.push(PolicyCatalogue.allowedRegistries(options.allowedRegistries));
    return rules.sort((a, b) => a.id.localeCompare(b.id));
  }

  /**
   * A baseline rule by id (LLM-IMG-003 needs registries: use `allowedRegistries()`).
   */
  public static find(id: string): PolicyRule | undefined {
    return PolicyCatalogue.baseline().find((r) => r.id === id);
  }

  private constructor() {}
}
