import { KubernetesVersion } from '../../core/kubernetes-version';
import { PodSecurityAdmission } from '../../policy/pod-security-admission';

/** One Pod Security check a pod fails in its namespace, worded for a twin finding. */
export interface PodSecurityFinding {
  /** The enforced level (`baseline`, `restricted`) and version. */
  readonly level: string;
  /** Upstream's reason and detail (`allowPrivilegeEscalation != false (container "istio-init" must set ...)`). */
  readonly reason: string;
  /** The upstream check id. */
  readonly value: string;
  /** What to change. */
  readonly fix: string;
}

/**
 * The Pod Security checks `pod` fails under the policy `namespace` enforces (its
 * `pod-security.kubernetes.io/enforce` labels; no labels: EKS's default, privileged), as the PodSecurity
 * admission plugin of the cluster's release evaluates it (PodSecurityAdmission, from kubernetes/pod-security-admission).
 */
export function podSecurityViolations(pod: any, namespace: any, kubernetesVersion?: KubernetesVersion): PodSecurityFinding[] {
  const policy = PodSecurityAdmission.namespacePolicy(namespace);
  return PodSecurityAdmission.evaluate(pod, policy.level, policy.version, kubernetesVersion).map((v) => ({
    level: `${policy.level}:${policy.version}`,
    reason: `${v.reason} (${v.detail}; ${v.source})`,
    value: v.checkId,
    fix: `satisfy the ${v.checkId} check (${v.detail})`,
  }));
}
