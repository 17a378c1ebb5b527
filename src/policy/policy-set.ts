import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ImageVerification, ImageVerificationProps, SignatureEngine } from './image-verification';
import { PolicyCatalogue } from './policy-catalogue';
import { PolicyEvaluator } from './policy-evaluator';
import { PolicyException, PolicyExceptionProps } from './policy-exception';
import { PolicyAction, PolicyRule } from './policy-rule';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { DEFAULT_EXCEPTIONS_NAMESPACE, DEFAULT_PARAMETERS_NAMESPACE } from './private/namespaces';
import { PARAMETERS_NAMESPACE_WAVE, RenderContext, renderGatekeeper, renderKyverno, renderKyvernoException, renderVap, SYNC_WAVE } from './private/renderers';
import { renderClusterImagePolicy } from './private/sigstore';
import { checkProps } from '../core/private/runtime-types';

/**
 * An admission engine the rules are rendered for.
 *
 * Every engine decides the requests Pod Security admission decides (kubernetes/pod-security-admission
 * `admission/admission.go`): CREATE and UPDATE of the matched kinds; for rules over Pods also
 * `pods/ephemeralcontainers` (`kubectl debug`), and no other subresource; and the Pod Security Standards
 * rules skip a pod UPDATE that adds no container and changes no image (`isSignificantPodUpdate`).
 */
export enum PolicyEngine {
  /**
   * Kubernetes-native ValidatingAdmissionPolicy + binding (admissionregistration.k8s.io/v1, Kubernetes 1.30+):
   * `pods/ephemeralcontainers` in the resource rules, the update exemption as a matchCondition.
   */
  VALIDATING_ADMISSION_POLICY = 'vap',
  /**
   * Kyverno ClusterPolicy (kyverno.io/v1) with CEL validation, PolicyExceptions (kyverno.io/v2) and verifyImages:
   * its `Pod` kind also matches `pods/ephemeralcontainers` (Kyverno 1.18), the update exemption is a CEL
   * precondition. With the chart's default resource filters Kyverno's admission controller skips bare
   * ReplicaSets (their Pods are still decided; background scans report the ReplicaSets).
   */
  KYVERNO = 'kyverno',
  /**
   * OPA Gatekeeper ConstraintTemplate (K8sNativeValidation engine) + constraint: the chart's webhook receives
   * `pods/ephemeralcontainers` by default (values `validatingWebhookSubResources`; keep it if you override
   * them), the template's match conditions leave out the other subresources and carry the update exemption.
   */
  GATEKEEPER = 'gatekeeper',
}

/**
 * Where ValidatingAdmissionPolicy rules read their parameters.
 */
export enum VapParameters {
  /**
   * A literal `params` variable in the policy (as Kyverno's rendering): no parameter object, so nothing
   * can be missing at bootstrap or deleted later.
   */
  INLINE = 'inline',
  /**
   * One ConfigMap per parameterized rule (`paramKind` + binding `paramRef`, `parameterNotFoundAction: Deny`).
   * The PolicySet ships the parameters' Namespace (sync wave -2) and the ConfigMaps (wave -1) in its own
   * chart, so the Argo CD Application that applies the bindings (wave 0) creates them first.
   */
  CONFIG_MAP = 'config-map',
}

/**
 * Properties of a `PolicySet`.
 */
export interface PolicySetProps {
  /**
   * The rules.
   *
   * @default PolicyCatalogue.baseline()
   */
  readonly rules?: PolicyRule[];

  /**
   * The engines to render for.
   *
   * @default [PolicyEngine.VALIDATING_ADMISSION_POLICY]
   */
  readonly engines?: PolicyEngine[];

  /**
   * Exceptions.
   *
   * @default - none
   */
  readonly exceptions?: PolicyExceptionProps[];

  /**
   * Image signature verifications, rendered for `signatureEngine`: Kyverno `verifyImages` ClusterPolicies,
   * or Sigstore policy-controller ClusterImagePolicies (with any engine set: VAP and Gatekeeper cannot
   * verify signatures, so no engine set drops them).
   *
   * @default - none
   */
  readonly imageVerifications?: ImageVerificationProps[];

  /**
   * The engine that verifies image signatures. `SignatureEngine.KYVERNO` needs `PolicyEngine.KYVERNO` in
   * `engines`; `SignatureEngine.SIGSTORE_POLICY_CONTROLLER` needs the policy-controller add-on
   * (`gitops.PlatformAddon.sigstorePolicyController()`) and the namespaces to verify labelled
   * `policy.sigstore.dev/include: "true"`.
   *
   * @default - SignatureEngine.KYVERNO when `engines` includes PolicyEngine.KYVERNO, else SignatureEngine.SIGSTORE_POLICY_CONTROLLER
   */
  readonly signatureEngine?: SignatureEngine;

  /**
   * Namespaces no rule applies to in any engine.
   *
   * @default ['kube-system']
   */
  readonly excludedNamespaces?: string[];

  /**
   * Namespaces of the platform's own components (add-ons, node agents, gateways, telemetry). The rule set
   * applies in full to every other namespace (the tenant profile: tenant namespaces and any namespace the
   * platform does not know, fail-closed); in these, each rule applies only with its `platformActions` entry.
   * Rendered as a `kubernetes.io/metadata.name` namespace selector (a label the API server sets and
   * nobody can change) in every engine, and honoured by `evaluator()`.
   *
   * @default - none: every rule applies in every namespace not excluded
   */
  readonly platformNamespaces?: string[];

  /**
   * The platform profile: what each rule does in `platformNamespaces` (rule id to action). A rule not
   * listed does not apply there. Ids must be rules of the set.
   *
   * @default PolicyCatalogue.platformActions() restricted to the rules of the set
   */
  readonly platformActions?: { [ruleId: string]: PolicyAction };

  /**
   * The engine that enforces when several are chosen. The others render the same rules in audit mode
   * (Kyverno: `admission: false`, background PolicyReports; Gatekeeper: `dryrun`; VAP: `Audit`), so one
   * rule is never enforced twice. Kyverno's own features (verifyImages, PolicyExceptions) stay active.
   *
   * @default - the first of VALIDATING_ADMISSION_POLICY, KYVERNO, GATEKEEPER among `engines`
   */
  readonly enforcingEngine?: PolicyEngine;

  /**
   * Where VAP rules read their parameters.
   *
   * @default VapParameters.INLINE
   */
  readonly vapParameters?: VapParameters;

  /**
   * Namespace of the ConfigMaps that hold VAP rule parameters (`VapParameters.CONFIG_MAP`; the PolicySet
   * creates it).
   *
   * @default 'llm-platform-policy'
   */
  readonly parametersNamespace?: string;

  /**
   * Namespace of the Kyverno PolicyExceptions (Kyverno must run with `--exceptionNamespace=<this>`).
   *
   * @default 'policy-exceptions'
   */
  readonly exceptionsNamespace?: string;

  /**
   * The date exceptions are checked against (YYYY-MM-DD, UTC); an expired exception fails synth.
   *
   * @default - the current date at synth time
   */
  readonly today?: string;
}

/**
 * Renders a rule set for the selected admission engines and checks exceptions.
 *
 * ```ts
 * new PolicySet(chart, 'Policies', {
 *   rules: PolicyCatalogue.baseline({ allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com'] }),
 *   engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO],
 *   exceptions: [{ ruleIds: ['LLM-PSS-003'], namespace: 'gpu-operator', kind: 'DaemonSet', name: 'nvidia-dcgm-exporter',
 *                  owner: 'platform-team', reason: 'reads GPU metrics from the host', expires: '2026-12-31' }],
 * });
 * ```
 */
export class PolicySet extends Construct {
  /** The rules, sorted by id. */
  public readonly rules: PolicyRule[];
  /** The engines rendered. */
  public readonly engines: PolicyEngine[];
  /** The exceptions. */
  public readonly exceptions: PolicyException[];
  /** The image verifications. */
  public readonly imageVerifications: ImageVerification[];
  /** The engine that verifies image signatures. */
  public readonly signatureEngine: SignatureEngine;
  /** Namespaces no rule applies to. */
  public readonly excludedNamespaces: string[];
  /** Namespace of the VAP parameter ConfigMaps (created by the set with `VapParameters.CONFIG_MAP`). */
  public readonly parametersNamespace: string;
  /** Platform namespaces (sorted). */
  public readonly platformNamespaces: string[];
  /** The platform profile: rule id to action in platform namespaces. */
  public readonly platformActions: { [ruleId: string]: PolicyAction };
  /** The engine that enforces (the others audit). */
  public readonly enforcingEngine: PolicyEngine;
  /** Where VAP rules read their parameters. */
  public readonly vapParameters: VapParameters;
  /** Namespace of the Kyverno PolicyExceptions. */
  public readonly exceptionsNamespace: string;
  /** The date exceptions were checked against. */
  public readonly today: string;

  constructor(scope: Construct, id: string, props: PolicySetProps = {}) {
    super(scope, id);
    checkProps('policy.PolicySetProps', props, 'props', this);
    this.rules = [...(props.rules ?? PolicyCatalogue.baseline())].sort((a, b) => a.id.localeCompare(b.id));
    this.engines = [...new Set(props.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY])];
    if (this.engines.length === 0) {
      throw new ValidationError('engines', 'must list at least one engine', props.engines, 'pick PolicyEngine.VALIDATING_ADMISSION_POLICY, KYVERNO and/or GATEKEEPER', this);
    }
    this.excludedNamespaces = [...new Set(props.excludedNamespaces ?? ['kube-system'])].sort();
    this.excludedNamespaces.forEach((n) => Names.validateDns1123Label('excludedNamespaces', n, this));
    this.platformNamespaces = [...new Set(props.platformNamespaces ?? [])].sort();
    this.platformNamespaces.forEach((n) => Names.validateDns1123Label('platformNamespaces', n, this));
    const ids = new Set(this.rules.map((r) => r.id));
    if (props.platformActions !== undefined) {
      for (const [ruleId, action] of Object.entries(props.platformActions)) {
        if (!ids.has(ruleId)) throw new ValidationError('platformActions', 'names a rule that is not in the policy set', ruleId, `use one of: ${[...ids].sort().join(', ')}`, this);
        if (!Object.values(PolicyAction).includes(action)) throw new ValidationError(`platformActions.${ruleId}`, 'must be a PolicyAction', action, 'use PolicyAction.ENFORCE, WARN or AUDIT', this);
      }
    }
    const platformActions = props.platformActions ?? PolicyCatalogue.platformActions();
    this.platformActions = {};
    for (const ruleId of Object.keys(platformActions).sort()) if (ids.has(ruleId)) this.platformActions[ruleId] = platformActions[ruleId];
    this.enforcingEngine = props.enforcingEngine
      ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER].find((e) => this.engines.includes(e))!;
    if (!this.engines.includes(this.enforcingEngine)) {
      throw new ValidationError('enforcingEngine', 'must be one of the engines', this.enforcingEngine, `pick one of ${this.engines.join(', ')} or add it to engines`, this);
    }
    this.vapParameters = props.vapParameters ?? VapParameters.INLINE;
    this.parametersNamespace = Names.validateDns1123Label('parametersNamespace', props.parametersNamespace ?? DEFAULT_PARAMETERS_NAMESPACE, this);
    this.exceptionsNamespace = Names.validateDns1123Label('exceptionsNamespace', props.exceptionsNamespace ?? DEFAULT_EXCEPTIONS_NAMESPACE, this);
    this.today = props.today ?? PolicyEvaluator.today();
    try {
      this.exceptions = (props.exceptions ?? []).map((e) => new PolicyException(e));
      this.imageVerifications = (props.imageVerifications ?? []).map((v) => new ImageVerification(v));
      PolicyEvaluator.validate(this.rules, this.exceptions, this.today);
    } catch (e) {
      if (ValidationError.isValidationError(e) && !e.constructPath) {
        const p = e.problems[0];
        const scoped = new ValidationError(p.prop, p.problem, undefined, p.fix, this);
        (scoped.problems[0] as any).value = p.value;
        scoped.message = `${this.node.path}: ${ValidationError.format(scoped.problems[0])}`;
        throw scoped;
      }
      throw e;
    }
    const names = new Set<string>();
    for (const e of this.exceptions) {
      if (names.has(e.objectName)) {
        throw new ValidationError('exceptions', 'has two exceptions for the same target', e.objectName, 'merge their ruleIds into one exception', this);
      }
      names.add(e.objectName);
    }
    const vNames = new Set<string>();
    for (const v of this.imageVerifications) {
      if (vNames.has(v.name)) throw new ValidationError('imageVerifications', 'has two verifications with the same name', v.name, 'give each a unique name', this);
      vNames.add(v.name);
    }
    this.signatureEngine = props.signatureEngine
      ?? (this.engines.includes(PolicyEngine.KYVERNO) ? SignatureEngine.KYVERNO : SignatureEngine.SIGSTORE_POLICY_CONTROLLER);
    if (!Object.values(SignatureEngine).includes(this.signatureEngine)) {
      throw new ValidationError('signatureEngine', 'must be a SignatureEngine', this.signatureEngine, 'use SignatureEngine.KYVERNO or SignatureEngine.SIGSTORE_POLICY_CONTROLLER', this);
    }
    if (this.signatureEngine === SignatureEngine.KYVERNO && !this.engines.includes(PolicyEngine.KYVERNO)) {
      throw new ValidationError('signatureEngine', 'is Kyverno but Kyverno is not among the engines', this.engines,
        'add PolicyEngine.KYVERNO to engines, or use SignatureEngine.SIGSTORE_POLICY_CONTROLLER (the default without Kyverno)', this);
    }

    const ctxOf = (engine: PolicyEngine): RenderContext => ({
      excludedNamespaces: this.excludedNamespaces,
      parametersNamespace: this.parametersNamespace,
      exceptionsNamespace: this.exceptionsNamespace,
      platformNamespaces: this.platformNamespaces,
      platformActions: this.platformActions,
      enforcing: engine === this.enforcingEngine,
      inlineParameters: this.vapParameters === VapParameters.INLINE,
    });
    const engineScopes: Partial<Record<PolicyEngine, Construct>> = {};
    for (const engine of this.engines) engineScopes[engine] = new Construct(this, engineId(engine));
    const vap = engineScopes[PolicyEngine.VALIDATING_ADMISSION_POLICY];
    if (vap && this.vapParameters === VapParameters.CONFIG_MAP && this.rules.some((r) => r.parameters.length > 0)) {
      // The parameters' namespace ships with the ConfigMaps and the bindings (one Application), first.
      new ApiObject(vap, 'ParametersNamespace', {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: this.parametersNamespace,
          labels: {
            [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
            [PlatformLabels.COMPONENT]: 'policy',
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
          annotations: { [SYNC_WAVE]: PARAMETERS_NAMESPACE_WAVE },
        },
      });
    }
    for (const rule of this.rules) {
      const ruleExceptions = this.exceptions.filter((e) => e.ruleIds.includes(rule.id));
      if (vap) renderVap(new Construct(vap, rule.id), rule, ruleExceptions, ctxOf(PolicyEngine.VALIDATING_ADMISSION_POLICY));
      const kyverno = engineScopes[PolicyEngine.KYVERNO];
      if (kyverno) renderKyverno(new Construct(kyverno, rule.id), rule, ctxOf(PolicyEngine.KYVERNO));
      const gatekeeper = engineScopes[PolicyEngine.GATEKEEPER];
      if (gatekeeper) renderGatekeeper(new Construct(gatekeeper, rule.id), rule, ruleExceptions, ctxOf(PolicyEngine.GATEKEEPER));
    }
    const kyverno = engineScopes[PolicyEngine.KYVERNO];
    if (kyverno) {
      const exceptionsScope = new Construct(kyverno, 'Exceptions');
      for (const e of this.exceptions) {
        renderKyvernoException(exceptionsScope, e, this.rules.filter((r) => e.ruleIds.includes(r.id)), ctxOf(PolicyEngine.KYVERNO));
      }
      if (this.signatureEngine === SignatureEngine.KYVERNO) {
        for (const v of this.imageVerifications) renderImageVerification(new Construct(kyverno, `VerifyImages-${v.name}`), v, this.excludedNamespaces);
      }
    }
    if (this.signatureEngine === SignatureEngine.SIGSTORE_POLICY_CONTROLLER && this.imageVerifications.length > 0) {
      const sigstore = new Construct(this, 'SigstorePolicyController');
      for (const v of this.imageVerifications) renderClusterImagePolicy(new Construct(sigstore, `VerifyImages-${v.name}`), v);
    }
  }

  /**
   * A synth-time evaluator with this set's rules, exceptions, excluded and platform namespaces and
   * platform profile: it decides as the enforcing engine admits.
   */
  public evaluator(): PolicyEvaluator {
    return new PolicyEvaluator({
      rules: this.rules,
      exceptions: this.exceptions,
      excludedNamespaces: this.excludedNamespaces,
      platformNamespaces: this.platformNamespaces,
      platformActions: this.platformActions,
      today: this.today,
    });
  }
}

function engineId(engine: PolicyEngine): string {
  switch (engine) {
    case PolicyEngine.VALIDATING_ADMISSION_POLICY: return 'ValidatingAdmissionPolicy';
    case PolicyEngine.KYVERNO: return 'Kyverno';
    case PolicyEngine.GATEKEEPER: return 'Gatekeeper';
    default: throw new ValidationError('engines', 'names an unknown engine', engine, 'use a PolicyEngine value');
  }
}

function renderImageVerification(scope: Construct, v: ImageVerification, excludedNamespaces: string[]): void {
  const entry = v.keyless
    ? {
      keyless: {
        ...(v.keyless.issuer ? { issuer: v.keyless.issuer } : {}),
        ...(v.keyless.issuerRegExp ? { issuerRegExp: v.keyless.issuerRegExp } : {}),
        ...(v.keyless.subject ? { subject: v.keyless.subject } : {}),
        ...(v.keyless.subjectRegExp ? { subjectRegExp: v.keyless.subjectRegExp } : {}),
        rekor: { url: v.rekorUrl },
      },
    }
    : v.publicKey !== undefined
      ? { keys: { publicKeys: v.publicKey, rekor: { url: v.rekorUrl } } }
      : { keys: { kms: v.kmsKey, rekor: { url: v.rekorUrl } } };
  new ApiObject(scope, 'Resource', {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: {
      name: v.objectName,
      labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE, [PlatformLabels.COMPONENT]: 'policy' },
      annotations: { 'policies.kyverno.io/title': `Verify image signatures (${v.name})`, 'policies.kyverno.io/severity': 'high' },
    },
    spec: {
      // Signature checks call registries and Rekor: admission only, not background scans.
      background: false,
      webhookTimeoutSeconds: 30,
      rules: [{
        name: `verify-${v.name}`,
        match: { any: [{ resources: { kinds: ['Pod'], operations: ['CREATE', 'UPDATE'] } }] },
        ...(excludedNamespaces.length > 0 ? { exclude: { any: [{ resources: { namespaces: excludedNamespaces } }] } } : {}),
        verifyImages: [{
          imageReferences: v.imageReferences,
          failureAction: v.action === PolicyAction.ENFORCE ? 'Enforce' : 'Audit',
          type: 'Cosign',
          required: true,
          verifyDigest: v.requireDigest,
          mutateDigest: v.mutateDigest,
          attestors: [{ entries: [entry] }],
        }],
      }],
    },
  });
}
