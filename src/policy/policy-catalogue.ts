import { PodSecurityLevel } from './pod-security-admission';
import { ComplianceFramework, ComplianceReference, PolicyAction, PolicyParameterType, PolicyRule, PolicyRuleProps, PolicySeverity } from './policy-rule';
import { asBuiltIn } from './private/built-in';
import { PSA_MINORS, PSA_RELEASES } from './private/pss-data';
import { PSS_CHECK_RULES, pssRules } from './private/pss-rules';
import { ResourceKind } from './resource-kind';
import { ValidationError } from '../core/errors';
import { KubernetesVersion } from '../core/kubernetes-version';
import { PlatformLabels } from '../core/labels';
import { checkArgs, checkProps } from '../core/private/runtime-types';

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

  /**
   * The Kubernetes version of the cluster: the Pod Security Standards rules are that version's
   * (`PolicyCatalogue.podSecurity(kubernetesVersion, PodSecurityLevel.RESTRICTED)`).
   *
   * @default KubernetesVersion.DEFAULT
   */
  readonly kubernetesVersion?: KubernetesVersion;
}

const cis = (control: string): ComplianceReference => ({ framework: ComplianceFramework.CIS_EKS, control });
const nsa = (control: string): ComplianceReference => ({ framework: ComplianceFramework.NSA_CISA, control });
const hipaa = (control: string): ComplianceReference => ({ framework: ComplianceFramework.HIPAA, control });

const NSA_POD = 'Kubernetes Pod security';
const GPU = PlatformLabels.NVIDIA_GPU_RESOURCE;

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

/** The minor of a `KubernetesVersion` with vendored Pod Security Standards data (ValidationError naming `kubernetesVersion` otherwise). */
function pssMinor(kubernetesVersion: KubernetesVersion): number {
  const range = `1.${PSA_MINORS[0]} to 1.${PSA_MINORS[PSA_MINORS.length - 1]}`;
  const minor = (kubernetesVersion as any)?.minor;
  if (typeof minor !== 'number' || PSA_RELEASES[minor] === undefined) {
    throw new ValidationError('kubernetesVersion', `must be a Kubernetes version the Pod Security Standards rules know (${range})`,
      (kubernetesVersion as any)?.version ?? kubernetesVersion, `use KubernetesVersion.V1_${PSA_MINORS[0]} .. KubernetesVersion.V1_${PSA_MINORS[PSA_MINORS.length - 1]}`);
  }
  return minor;
}

/** The rule of an upstream check in KubernetesVersion.DEFAULT (its baseline-level version for baseline checks). */
/** A rule of the library's own catalogue: CEL compiled on first evaluation (see private/built-in.ts). */
function builtIn(props: PolicyRuleProps): PolicyRule {
  return asBuiltIn(() => PolicyRule.custom(props));
}

function defaultPssRule(checkId: string): PolicyRule {
  const minor = pssMinor(KubernetesVersion.DEFAULT);
  const ruleId = PSS_CHECK_RULES[checkId].ruleId;
  const rule = [...pssRules(minor, 'baseline'), ...pssRules(minor, 'restricted')].find((r) => r.id === ruleId);
  if (!rule) throw new Error(`pod security check ${checkId} is not in force in Kubernetes ${KubernetesVersion.DEFAULT.version}`);
  return rule;
}


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
  // The PSS rules below are those of KubernetesVersion.DEFAULT (1.34): `podSecurity(version, level)` gives
  // each version's own rules (same ids; the CEL follows that version's pod-security-admission release).

  /** PSS baseline `privileged` (Kubernetes 1.34 rule): no privileged containers. */
  public static readonly PRIVILEGED = defaultPssRule('privileged');
  /** PSS baseline `hostNamespaces` (Kubernetes 1.34 rule): no hostNetwork, hostPID, hostIPC. */
  public static readonly HOST_NAMESPACES = defaultPssRule('hostNamespaces');
  /** PSS baseline `hostPathVolumes` (Kubernetes 1.34 rule; at restricted, VOLUME_TYPES replaces it). */
  public static readonly HOST_PATH = defaultPssRule('hostPathVolumes');
  /** PSS baseline `hostPorts` (Kubernetes 1.34 rule): no host ports. */
  public static readonly HOST_PORTS = defaultPssRule('hostPorts');
  /** PSS restricted `capabilities_restricted` (Kubernetes 1.34 rule): drop ALL, add at most NET_BIND_SERVICE. */
  public static readonly CAPABILITIES = defaultPssRule('capabilities_restricted');
  /** PSS restricted `runAsNonRoot` (Kubernetes 1.34 rule; runAsUser is RUN_AS_USER, LLM-PSS-017). */
  public static readonly RUN_AS_NON_ROOT = defaultPssRule('runAsNonRoot');
  /** PSS restricted `allowPrivilegeEscalation` (Kubernetes 1.34 rule). */
  public static readonly PRIVILEGE_ESCALATION = defaultPssRule('allowPrivilegeEscalation');
  /** PSS restricted `seccompProfile_restricted` (Kubernetes 1.34 rule): RuntimeDefault or Localhost on the pod or every container. */
  public static readonly SECCOMP = defaultPssRule('seccompProfile_restricted');
  /** PSS baseline `appArmorProfile` (Kubernetes 1.34 rule): no Unconfined AppArmor profile (fields, annotations). */
  public static readonly APPARMOR = defaultPssRule('appArmorProfile');
  /** PSS baseline `sysctls` (Kubernetes 1.34 rule): only the safe sysctls. */
  public static readonly SYSCTLS = defaultPssRule('sysctls');
  /** PSS baseline `procMount` (Kubernetes 1.34 rule): the default /proc mount. */
  public static readonly PROC_MOUNT = defaultPssRule('procMount');
  /** PSS restricted `restrictedVolumes` (Kubernetes 1.34 rule): the restricted volume types. */
  public static readonly VOLUME_TYPES = defaultPssRule('restrictedVolumes');
  /** PSS baseline `capabilities_baseline` (Kubernetes 1.34 rule; at restricted, CAPABILITIES replaces it). */
  public static readonly CAPABILITIES_BASELINE = defaultPssRule('capabilities_baseline');
  /** PSS baseline `seLinuxOptions` (Kubernetes 1.34 rule). */
  public static readonly SELINUX = defaultPssRule('seLinuxOptions');
  /** PSS baseline `seccompProfile_baseline` (Kubernetes 1.34 rule; at restricted, SECCOMP replaces it). */
  public static readonly SECCOMP_BASELINE = defaultPssRule('seccompProfile_baseline');
  /** PSS baseline `windowsHostProcess` (Kubernetes 1.34 rule). */
  public static readonly HOST_PROCESS = defaultPssRule('windowsHostProcess');
  /** PSS restricted `runAsUser` (Kubernetes 1.34 rule): no runAsUser 0. */
  public static readonly RUN_AS_USER = defaultPssRule('runAsUser');
  /** PSS baseline `hostProbesAndHostLifecycle` (Kubernetes 1.34 rule): no host in probes and lifecycle handlers. */
  public static readonly HOST_PROBES = defaultPssRule('hostProbesAndHostLifecycle');

  /** Read-only root file system (NSA/CISA immutable containers). */
  public static readonly READ_ONLY_ROOT_FS = builtIn({
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
  public static readonly IMAGE_DIGEST = builtIn({
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
  public static readonly NO_LATEST = builtIn({
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
  public static readonly RESOURCES = builtIn({
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
  public static readonly PROBES = builtIn({
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
  public static readonly SERVICE_ACCOUNT_TOKEN = builtIn({
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
  public static readonly GPU_ENTITLED_NAMESPACE = builtIn({
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
  public static readonly GPU_TOLERATION = builtIn({
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
  public static readonly GPU_REQUESTS_EQUAL_LIMITS = builtIn({
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
  public static readonly MODEL_REVISION = builtIn({
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
  public static readonly INGRESS_TLS = builtIn({
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
  public static readonly GATEWAY_TLS = builtIn({
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
  public static readonly RBAC_WILDCARDS = builtIn({
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
   * - not applied: the Pod Security Standards rules (LLM-PSS-001..019). Host access and the Pod Security Standards controls in platform
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
    checkArgs('policy.PolicyCatalogue#allowedRegistries', [registries, action]);
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
    return builtIn({
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
    return builtIn({
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
   * The Pod Security Standards rules of a Kubernetes version at a level: one rule per check of
   * kubernetes/pod-security-admission in force in that version's release (policy version `latest`),
   * deciding as that check does, over Pods and every workload kind's pod templates (init, regular and
   * ephemeral containers). At RESTRICTED, the baseline checks a restricted check overrides are left out
   * (upstream `OverrideCheckIDs`: LLM-PSS-012 replaces LLM-PSS-003, LLM-PSS-005 LLM-PSS-013, LLM-PSS-008
   * LLM-PSS-015, and from 1.35 LLM-PSS-019 LLM-PSS-011). PRIVILEGED has no checks: no rules.
   * `podSecurityRuleIds()` maps the upstream check ids to the rule ids.
   *
   * @param kubernetesVersion the cluster's version (1.28 to 1.35)
   * @param level the Pod Security level
   * @default level PodSecurityLevel.RESTRICTED
   */
  public static podSecurity(kubernetesVersion: KubernetesVersion, level: PodSecurityLevel = PodSecurityLevel.RESTRICTED): PolicyRule[] {
    if (!Object.values(PodSecurityLevel).includes(level)) {
      throw new ValidationError('level', 'must be a Pod Security level', level, 'use PodSecurityLevel.BASELINE or PodSecurityLevel.RESTRICTED');
    }
    const minor = pssMinor(kubernetesVersion);
    if (level === PodSecurityLevel.PRIVILEGED) return [];
    return pssRules(minor, level === PodSecurityLevel.BASELINE ? 'baseline' : 'restricted');
  }

  /**
   * The Kubernetes versions `podSecurity()` knows (those with vendored pod-security-admission check data), ascending.
   */
  public static podSecurityVersions(): KubernetesVersion[] {
    return PSA_MINORS.map((m) => KubernetesVersion.of(`1.${m}`));
  }

  /**
   * The upstream check id (`policy/check_*.go` `ID`, e.g. `runAsUser`) -> the id of the rule that
   * implements it (`LLM-PSS-017`), for every check of every supported version.
   */
  public static podSecurityRuleIds(): { [checkId: string]: string } {
    const out: { [checkId: string]: string } = {};
    for (const checkId of Object.keys(PSS_CHECK_RULES).sort()) out[checkId] = PSS_CHECK_RULES[checkId].ruleId;
    return out;
  }

  /**
   * The baseline: the Pod Security Standards rules of the version at the restricted level
   * (`podSecurity(kubernetesVersion)`), the platform's other rules (read-only root, images, resources,
   * probes, tokens, GPUs, network, RBAC: none of them mixes in a Pod Security check), LLM-NET-001 and
   * (when registries are given) LLM-IMG-003.
   */
  public static baseline(options: BaselineOptions = {}): PolicyRule[] {
    checkProps('policy.BaselineOptions', options, 'options');
    const rules = [
      ...PolicyCatalogue.podSecurity(options.kubernetesVersion ?? KubernetesVersion.DEFAULT, PodSecurityLevel.RESTRICTED),
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
   *
   * @param id the rule id
   * @param kubernetesVersion the version whose baseline is searched
   * @default kubernetesVersion KubernetesVersion.DEFAULT
   */
  public static find(id: string, kubernetesVersion?: KubernetesVersion): PolicyRule | undefined {
    checkArgs('policy.PolicyCatalogue#find', [id, kubernetesVersion]);
    return PolicyCatalogue.baseline({ kubernetesVersion }).find((r) => r.id === id);
  }

  private constructor() {}
}
