import { PolicyExceptionProps } from './policy-exception';
import { checkArgs } from '../core/private/runtime-types';

/**
 * The policy exceptions the library carries for its own components, so a platform built from a minimal
 * spec passes its own baseline with no user exception.
 *
 * Today these are the GPU node agents `KubernetesPlatform` runs in its GPU namespace: the NVIDIA device
 * plugin (`k8s.NvidiaDevicePlugin`) and the DCGM exporter (`k8s.DcgmExporter`). Both reach the kubelet
 * through host sockets as root by upstream design, so they cannot meet the restricted Pod Security rules;
 * the device plugin has no health endpoint to probe, and the DCGM exporter writes to its root file system.
 * Each exception names one DaemonSet and exactly the rules it breaks (a library test keeps it so: it
 * fails when an agent breaks a rule its exception does not name, or stops breaking one it names).
 *
 * Owner and expiry: user exceptions (`policy.exceptions`) keep their owner, reason and expiry date, and
 * an expired one fails synth. These exceptions are owned by the library (`owner` is
 * `BuiltInExceptions.OWNER`) and are reviewed with each release of it: they change only when the agents
 * or the rules change, in the same release, so they never expire on their own (`expires` is
 * `BuiltInExceptions.NO_EXPIRY`): a date would fail the synth of every user of an older release for
 * something they cannot change. They are rendered like any exception (a Kyverno PolicyException with the
 * owner, reason and rule-id annotations; Gatekeeper constraint exemptions; ValidatingAdmissionPolicy match
 * conditions), and the agents' DaemonSets carry `policy.llm-platform.io/built-in-exception` annotations.
 * Opt out with `policy.builtInExceptions: false` in the platform spec (or `builtInExceptions: false` in
 * the `PolicyValidationPlugin` properties) to own these exceptions yourself.
 */
export class BuiltInExceptions {
  /** The owner of every built-in exception: the library. */
  public static readonly OWNER = 'cdk-llm-platform';

  /**
   * The expiry of every built-in exception: none (they are versioned with the library; see the class docs).
   */
  public static readonly NO_EXPIRY = '9999-12-31';

  /** The namespace `KubernetesPlatform` runs the GPU agents in (`PlatformNames.GPU_NAMESPACE`). */
  public static readonly GPU_NAMESPACE = 'nvidia-gpu';

  /** The DaemonSet name of `k8s.NvidiaDevicePlugin`. */
  public static readonly NVIDIA_DEVICE_PLUGIN = 'nvidia-device-plugin';

  /** The DaemonSet name of `k8s.DcgmExporter`. */
  public static readonly DCGM_EXPORTER = 'dcgm-exporter';

  /**
   * The exceptions of the library's GPU node agents in `namespace`.
   *
   * @param namespace the namespace of the agents' DaemonSets
   * @param ruleIds the rule ids of the policy set, when not the whole baseline: exceptions name only those
   * (an exception left with none is dropped)
   * @default namespace BuiltInExceptions.GPU_NAMESPACE
   */
  public static gpuAgents(namespace?: string, ruleIds?: string[]): PolicyExceptionProps[] {
    checkArgs('policy.BuiltInExceptions#gpuAgents', [namespace, ruleIds]);
    const ns = namespace ?? BuiltInExceptions.GPU_NAMESPACE;
    const all: PolicyExceptionProps[] = [
      {
        // LLM-PSS-006 runAsNonRoot, LLM-PSS-012 hostPath volume (/var/lib/kubelet/device-plugins),
        // LLM-RES-002 no liveness/readiness probe (the plugin serves no health endpoint)
        ruleIds: ['LLM-PSS-006', 'LLM-PSS-012', 'LLM-RES-002'],
        namespace: ns,
        kind: 'DaemonSet',
        name: BuiltInExceptions.NVIDIA_DEVICE_PLUGIN,
        owner: BuiltInExceptions.OWNER,
        reason: 'Built into cdk-llm-platform (no user action needed): the NVIDIA device plugin registers GPUs with the kubelet through its '
          + 'device-plugin socket directory (hostPath) as root, by upstream design, and serves no health endpoint to probe. '
          + 'Opt out with policy.builtInExceptions: false.',
        ticket: 'cdk-llm-platform built-in exception (reviewed with each release)',
        expires: BuiltInExceptions.NO_EXPIRY,
      },
      {
        // LLM-PSS-006 runAsNonRoot, LLM-PSS-012 hostPath volume (/var/lib/kubelet/pod-resources),
        // LLM-SEC-001 writable root file system (the exporter writes its state there)
        ruleIds: ['LLM-PSS-006', 'LLM-PSS-012', 'LLM-SEC-001'],
        namespace: ns,
        kind: 'DaemonSet',
        name: BuiltInExceptions.DCGM_EXPORTER,
        owner: BuiltInExceptions.OWNER,
        reason: 'Built into cdk-llm-platform (no user action needed): the DCGM exporter reads the kubelet pod-resources socket (hostPath) '
          + 'as root and writes to its root file system, by upstream design. Opt out with policy.builtInExceptions: false.',
        ticket: 'cdk-llm-platform built-in exception (reviewed with each release)',
        expires: BuiltInExceptions.NO_EXPIRY,
      },
    ];
    if (ruleIds === undefined) return all;
    const known = new Set(ruleIds);
    return all
      .map((e) => ({ ...e, ruleIds: e.ruleIds.filter((id) => known.has(id)) }))
      .filter((e) => e.ruleIds.length > 0);
  }

  /** Whether an exception is one of the library's own (its owner is `BuiltInExceptions.OWNER`). */
  public static isBuiltIn(exception: PolicyExceptionProps): boolean {
    return exception.owner === BuiltInExceptions.OWNER && exception.expires === BuiltInExceptions.NO_EXPIRY;
  }

  private constructor() {}
}
