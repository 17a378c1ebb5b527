import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ImageVerification, ImageVerificationProps } from './image-verification';
import { PolicyCatalogue } from './policy-catalogue';
import { PolicyEvaluator } from './policy-evaluator';
import { PolicyException, PolicyExceptionProps } from './policy-exception';
import { PolicyAction, PolicyRule } from './policy-rule';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { RenderContext, renderGatekeeper, renderKyverno, renderKyvernoException, renderVap } from './private/renderers';

/**
 * An admission engine the rules are rendered for.
 */
export enum PolicyEngine {
  /** Kubernetes-native ValidatingAdmissionPolicy + binding (admissionregistration.k8s.io/v1, Kubernetes 1.30+). */
  VALIDATING_ADMISSION_POLICY = 'vap',
  /** Kyverno ClusterPolicy (kyverno.io/v1) with CEL validation, PolicyExceptions (kyverno.io/v2) and verifyImages. */
  KYVERNO = 'kyverno',
  /** OPA Gatekeeper ConstraintTemplate (K8sNativeValidation engine) + constraint. */
  GATEKEEPER = 'gatekeeper',
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
   * Kyverno image signature verifications (rendered only with PolicyEngine.KYVERNO).
   *
   * @default - none
   */
  readonly imageVerifications?: ImageVerificationProps[];

  /**
   * Namespaces no rule applies to in any engine.
   *
   * @default ['kube-system']
   */
  readonly excludedNamespaces?: string[];

  /**
   * Namespace of the ConfigMaps that hold VAP rule parameters.
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
  /** Namespaces no rule applies to. */
  public readonly excludedNamespaces: string[];
  /** Namespace of the VAP parameter ConfigMaps. */
  public readonly parametersNamespace: string;
  /** Namespace of the Kyverno PolicyExceptions. */
  public readonly exceptionsNamespace: string;
  /** The date exceptions were checked against. */
  public readonly today: string;

  constructor(scope: Construct, id: string, props: PolicySetProps = {}) {
    super(scope, id);
    this.rules = [...(props.rules ?? PolicyCatalogue.baseline())].sort((a, b) => a.id.localeCompare(b.id));
    this.engines = [...new Set(props.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY])];
    if (this.engines.length === 0) {
      throw new ValidationError('engines', 'must list at least one engine', props.engines, 'pick PolicyEngine.VALIDATING_ADMISSION_POLICY, KYVERNO and/or GATEKEEPER', this);
    }
    this.excludedNamespaces = [...new Set(props.excludedNamespaces ?? ['kube-system'])].sort();
    this.excludedNamespaces.forEach((n) => Names.validateDns1123Label('excludedNamespaces', n, this));
    this.parametersNamespace = Names.validateDns1123Label('parametersNamespace', props.parametersNamespace ?? 'llm-platform-policy', this);
    this.exceptionsNamespace = Names.validateDns1123Label('exceptionsNamespace', props.exceptionsNamespace ?? 'policy-exceptions', this);
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
    if (this.imageVerifications.length > 0 && !this.engines.includes(PolicyEngine.KYVERNO)) {
      throw new ValidationError('imageVerifications', 'need the Kyverno engine (only Kyverno verifies signatures)', this.engines, 'add PolicyEngine.KYVERNO to engines or drop imageVerifications', this);
    }

    const ctx: RenderContext = {
      excludedNamespaces: this.excludedNamespaces,
      parametersNamespace: this.parametersNamespace,
      exceptionsNamespace: this.exceptionsNamespace,
    };
    const engineScopes: Partial<Record<PolicyEngine, Construct>> = {};
    for (const engine of this.engines) engineScopes[engine] = new Construct(this, engineId(engine));
    for (const rule of this.rules) {
      const ruleExceptions = this.exceptions.filter((e) => e.ruleIds.includes(rule.id));
      const vap = engineScopes[PolicyEngine.VALIDATING_ADMISSION_POLICY];
      if (vap) renderVap(new Construct(vap, rule.id), rule, ruleExceptions, ctx);
      const kyverno = engineScopes[PolicyEngine.KYVERNO];
      if (kyverno) renderKyverno(new Construct(kyverno, rule.id), rule, ctx);
      const gatekeeper = engineScopes[PolicyEngine.GATEKEEPER];
      if (gatekeeper) renderGatekeeper(new Construct(gatekeeper, rule.id), rule, ruleExceptions, ctx);
    }
    const kyverno = engineScopes[PolicyEngine.KYVERNO];
    if (kyverno) {
      const exceptionsScope = new Construct(kyverno, 'Exceptions');
      for (const e of this.exceptions) {
        renderKyvernoException(exceptionsScope, e, this.rules.filter((r) => e.ruleIds.includes(r.id)), ctx);
      }
      for (const v of this.imageVerifications) renderImageVerification(new Construct(kyverno, `VerifyImages-${v.name}`), v);
    }
  }

  /**
   * A synth-time evaluator with this set's rules, exceptions and excluded namespaces.
   */
  public evaluator(): PolicyEvaluator {
    return new PolicyEvaluator({ rules: this.rules, exceptions: this.exceptions, excludedNamespaces: this.excludedNamespaces, today: this.today });
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

function renderImageVerification(scope: Construct, v: ImageVerification): void {
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
    : { keys: { publicKeys: v.publicKey, rekor: { url: v.rekorUrl } } };
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
