import { PolicyAction } from './policy-rule';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';

/**
 * Cosign keyless (Fulcio certificate) identity to accept.
 */
export interface KeylessIdentity {
  /**
   * The OIDC issuer, exact (`https://token.actions.githubusercontent.com`).
   *
   * @default - issuerRegExp must be set
   */
  readonly issuer?: string;

  /**
   * The OIDC issuer as a regular expression.
   *
   * @default - issuer must be set
   */
  readonly issuerRegExp?: string;

  /**
   * The certificate subject, exact (a workflow identity URL or e-mail).
   *
   * @default - subjectRegExp must be set
   */
  readonly subject?: string;

  /**
   * The certificate subject as a regular expression
   * (`^https://github.com/acme/.+/.github/workflows/release.yaml@refs/tags/v.*$`).
   *
   * @default - subject must be set
   */
  readonly subjectRegExp?: string;
}

/**
 * Properties of a Kyverno image signature verification (Kyverno only: VAP and Gatekeeper cannot
 * verify signatures).
 */
export interface ImageVerificationProps {
  /**
   * DNS-1123 name; the ClusterPolicy is `llm-verify-images-<name>`.
   */
  readonly name: string;

  /**
   * Image reference patterns to verify (`123456789012.dkr.ecr.us-east-1.amazonaws.com/models/*`).
   */
  readonly imageReferences: string[];

  /**
   * Accept cosign keyless signatures from this identity.
   *
   * @default - publicKey must be set
   */
  readonly keyless?: KeylessIdentity;

  /**
   * Accept cosign signatures made with this PEM public key.
   *
   * @default - keyless must be set
   */
  readonly publicKey?: string;

  /**
   * The Rekor transparency log the signature must be recorded in.
   *
   * @default 'https://rekor.sigstore.dev'
   */
  readonly rekorUrl?: string;

  /**
   * Require images to be referenced by digest.
   *
   * @default true
   */
  readonly requireDigest?: boolean;

  /**
   * Let Kyverno rewrite tags to digests (mutates workloads; off so GitOps diffs stay clean).
   *
   * @default false
   */
  readonly mutateDigest?: boolean;

  /**
   * What Kyverno does with an unverified image.
   *
   * @default PolicyAction.ENFORCE
   */
  readonly action?: PolicyAction;
}

/**
 * A validated image verification, rendered by `PolicySet` when the Kyverno engine is selected.
 */
export class ImageVerification {
  /** Name. */
  public readonly name: string;
  /** Image reference patterns. */
  public readonly imageReferences: string[];
  /** Keyless identity, if any. */
  public readonly keyless?: KeylessIdentity;
  /** Public key, if any. */
  public readonly publicKey?: string;
  /** Rekor URL. */
  public readonly rekorUrl: string;
  /** Whether digests are required. */
  public readonly requireDigest: boolean;
  /** Whether Kyverno mutates tags to digests. */
  public readonly mutateDigest: boolean;
  /** Action. */
  public readonly action: PolicyAction;

  constructor(props: ImageVerificationProps) {
    Names.validateDns1123Label('imageVerifications.name', props.name);
    if (!Array.isArray(props.imageReferences) || props.imageReferences.length === 0 || props.imageReferences.some((r) => typeof r !== 'string' || r === '')) {
      throw new ValidationError('imageReferences', 'must list at least one image reference pattern', props.imageReferences, "list patterns such as '123456789012.dkr.ecr.us-east-1.amazonaws.com/*'");
    }
    if ((props.keyless === undefined) === (props.publicKey === undefined)) {
      throw new ValidationError('keyless', 'and publicKey are exclusive and one is required', { keyless: props.keyless, publicKey: props.publicKey !== undefined },
        'set either keyless (issuer + subject) or publicKey');
    }
    if (props.keyless) {
      const k = props.keyless;
      if (!k.issuer && !k.issuerRegExp) throw new ValidationError('keyless.issuer', 'or issuerRegExp is required', k, "set the OIDC issuer, e.g. 'https://token.actions.githubusercontent.com'");
      if (!k.subject && !k.subjectRegExp) throw new ValidationError('keyless.subject', 'or subjectRegExp is required', k, 'set the signing identity (workflow URL or e-mail)');
      for (const [prop, re] of [['keyless.issuerRegExp', k.issuerRegExp], ['keyless.subjectRegExp', k.subjectRegExp]] as const) {
        if (re === undefined) continue;
        try {
          new RegExp(re);
        } catch (e: any) {
          throw new ValidationError(prop, `is not a valid regular expression (${e.message})`, re, 'fix the pattern');
        }
      }
    }
    if (props.publicKey !== undefined && !/-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----/.test(props.publicKey)) {
      throw new ValidationError('publicKey', 'must be a PEM public key', props.publicKey, 'paste the output of `cosign public-key`');
    }
    const rekorUrl = props.rekorUrl ?? 'https://rekor.sigstore.dev';
    if (!/^https:\/\/[^\s/]+/.test(rekorUrl)) throw new ValidationError('rekorUrl', 'must be an https URL', rekorUrl, "use e.g. 'https://rekor.sigstore.dev'");
    this.name = props.name;
    this.imageReferences = [...props.imageReferences];
    this.keyless = props.keyless;
    this.publicKey = props.publicKey;
    this.rekorUrl = rekorUrl;
    this.requireDigest = props.requireDigest ?? true;
    this.mutateDigest = props.mutateDigest ?? false;
    this.action = props.action ?? PolicyAction.ENFORCE;
  }

  /** The ClusterPolicy name: `llm-verify-images-<name>`. */
  public get objectName(): string {
    return `llm-verify-images-${this.name}`;
  }
}
