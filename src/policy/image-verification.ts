import { PolicyAction } from './policy-rule';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';

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
 * The admission engine that verifies image signatures. ValidatingAdmissionPolicy and Gatekeeper cannot
 * (they see the Pod, not the registry): where Kyverno runs its `verifyImages` rules do, elsewhere the
 * Sigstore policy-controller (a platform add-on) with `ClusterImagePolicy` objects rendered from the
 * same entries.
 */
export enum SignatureEngine {
  /**
   * Kyverno `ClusterPolicy` with `verifyImages` (Kyverno 1.18, chart 3.8.1): every Pod outside the
   * set's excluded namespaces.
   */
  KYVERNO = 'kyverno',
  /**
   * Sigstore policy-controller `ClusterImagePolicy` (policy.sigstore.dev/v1beta1, policy-controller
   * v0.13.1, chart 0.10.6): Pods in namespaces labelled `policy.sigstore.dev/include: "true"` (the
   * chart's webhook namespaceSelector). Needs `gitops.PlatformAddon.sigstorePolicyController()`.
   */
  SIGSTORE_POLICY_CONTROLLER = 'sigstore-policy-controller',
}

/**
 * Properties of an image signature verification, rendered by `PolicySet` for its `SignatureEngine`
 * (Kyverno `verifyImages`, or a Sigstore policy-controller `ClusterImagePolicy`).
 */
export interface ImageVerificationProps {
  /**
   * DNS-1123 name; the ClusterPolicy / ClusterImagePolicy is `llm-verify-images-<name>`.
   */
  readonly name: string;

  /**
   * Image reference patterns to verify (`123456789012.dkr.ecr.us-east-1.amazonaws.com/models/*`): letters,
   * digits and `-_:/.@`, with `*` matching any characters, `/` included (Kyverno's wildcard; rendered as
   * `**` for the policy-controller, whose `*` stops at `/`). `?`, character classes and `**` are refused:
   * one engine would read them differently from the other.
   */
  readonly imageReferences: string[];

  /**
   * Accept cosign keyless signatures from this identity (Fulcio certificate, logged in Rekor).
   *
   * @default - publicKey or kmsKey must be set
   */
  readonly keyless?: KeylessIdentity;

  /**
   * Accept cosign signatures made with this PEM public key.
   *
   * @default - keyless or kmsKey must be set
   */
  readonly publicKey?: string;

  /**
   * Accept cosign signatures made with this KMS key (a cosign KMS URI such as
   * `awskms:///arn:aws:kms:us-east-1:123456789012:key/<id>`; Kyverno `keys.kms`, policy-controller `key.kms`).
   * The verifying engine needs read access to the public key (`kms:GetPublicKey`).
   *
   * @default - keyless or publicKey must be set
   */
  readonly kmsKey?: string;

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
   * What the engine does with an unverified image: ENFORCE denies it (Kyverno `Enforce`, policy-controller
   * `mode: enforce`); WARN and AUDIT admit it and report (Kyverno `Audit`, policy-controller `mode: warn`).
   *
   * @default PolicyAction.ENFORCE
   */
  readonly action?: PolicyAction;
}

/** Characters both engines accept in a pattern (policy-controller `pkg/apis/glob` validGlob, v0.13.1). */
const PATTERN = /^[a-z0-9\-_:/*.@]+$/;
/** cosign KMS URI schemes (sigstore/sigstore `pkg/signature/kms`: awskms, gcpkms, azurekms, hashivault). */
const KMS_URI = /^(awskms|gcpkms|azurekms|hashivault):\/\/\S+$/;

/**
 * A validated image verification, rendered by `PolicySet` for its signature engine.
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
  /** KMS key URI, if any. */
  public readonly kmsKey?: string;
  /** Rekor URL. */
  public readonly rekorUrl: string;
  /** Whether digests are required. */
  public readonly requireDigest: boolean;
  /** Whether Kyverno mutates tags to digests. */
  public readonly mutateDigest: boolean;
  /** Action. */
  public readonly action: PolicyAction;

  constructor(props: ImageVerificationProps) {
    checkProps('policy.ImageVerificationProps', props, 'props');
    Names.validateDns1123Label('name', props.name);
    if (!Array.isArray(props.imageReferences) || props.imageReferences.length === 0) {
      throw new ValidationError('imageReferences', 'must list at least one image reference pattern', props.imageReferences, "list patterns such as '123456789012.dkr.ecr.us-east-1.amazonaws.com/*'");
    }
    props.imageReferences.forEach((r, i) => {
      if (typeof r !== 'string' || !PATTERN.test(r) || r.includes('**') || r.startsWith('/') || r.endsWith('/')) {
        throw new ValidationError(`imageReferences[${i}]`, "must be an image pattern of lowercase letters, digits, '-_:/.@' and '*' (any characters), without '**', '?' or brackets", r,
          "use e.g. '123456789012.dkr.ecr.us-east-1.amazonaws.com/models/*'");
      }
    });
    const kinds = [props.keyless, props.publicKey, props.kmsKey].filter((k) => k !== undefined).length;
    if (kinds !== 1) {
      throw new ValidationError('keyless', kinds === 0 ? 'or publicKey or kmsKey is required (no identity nor key)' : 'is exclusive with publicKey and kmsKey (several were set)',
        { keyless: props.keyless, publicKey: props.publicKey !== undefined, kmsKey: props.kmsKey },
        'set exactly one: keyless (issuer + subject), publicKey (PEM) or kmsKey (KMS URI)');
    }
    if (props.keyless) {
      const k = props.keyless;
      if (!k.issuer && !k.issuerRegExp) throw new ValidationError('keyless.issuer', 'or issuerRegExp is required', k, "set the OIDC issuer, e.g. 'https://token.actions.githubusercontent.com'");
      if (k.issuer !== undefined && !/^https:\/\/[^\s/]+\S*$/.test(k.issuer)) {
        throw new ValidationError('keyless.issuer', 'must be an https URL (the OIDC issuer in the Fulcio certificate)', k.issuer, "use e.g. 'https://token.actions.githubusercontent.com'");
      }
      if (!k.subject && !k.subjectRegExp) throw new ValidationError('keyless.subject', 'or subjectRegExp is required', k, 'set the signing identity (workflow URL or e-mail)');
      for (const [prop, re] of [['keyless.issuerRegExp', k.issuerRegExp], ['keyless.subjectRegExp', k.subjectRegExp]] as const) {
        if (re === undefined) continue;
        try {
          new RegExp(re);
        } catch (e: any) {
          throw new ValidationError(prop, `is not a valid regular expression (${e.message})`, re, 'fix the pattern');
        }
        // An issuer pattern must pin the https scheme: both engines match it against the certificate's issuer URL.
        if (prop === 'keyless.issuerRegExp' && !/^\^https:/.test(re)) {
          throw new ValidationError(prop, "must start with '^https:' (an issuer pattern that matches plain http or any scheme trusts more than it names)", re,
            "anchor it, e.g. '^https://token\\.actions\\.githubusercontent\\.com$'");
        }
      }
    }
    if (props.publicKey !== undefined && !/^\s*-----BEGIN PUBLIC KEY-----[\s\S]+-----END PUBLIC KEY-----\s*$/.test(props.publicKey)) {
      throw new ValidationError('publicKey', 'must be a PEM public key', props.publicKey, 'paste the output of `cosign public-key`');
    }
    if (props.kmsKey !== undefined && (typeof props.kmsKey !== 'string' || !KMS_URI.test(props.kmsKey))) {
      throw new ValidationError('kmsKey', 'must be a cosign KMS URI', props.kmsKey, "use e.g. 'awskms:///arn:aws:kms:us-east-1:123456789012:key/<key id>'");
    }
    const rekorUrl = props.rekorUrl ?? 'https://rekor.sigstore.dev';
    if (!/^https:\/\/[^\s/]+\S*$/.test(rekorUrl)) throw new ValidationError('rekorUrl', 'must be an https URL', rekorUrl, "use e.g. 'https://rekor.sigstore.dev'");
    const action = props.action ?? PolicyAction.ENFORCE;
    if (!Object.values(PolicyAction).includes(action)) throw new ValidationError('action', 'must be a PolicyAction', action, 'use PolicyAction.ENFORCE, WARN or AUDIT');
    this.name = props.name;
    this.imageReferences = [...props.imageReferences];
    this.keyless = props.keyless;
    this.publicKey = props.publicKey;
    this.kmsKey = props.kmsKey;
    this.rekorUrl = rekorUrl;
    this.requireDigest = props.requireDigest ?? true;
    this.mutateDigest = props.mutateDigest ?? false;
    this.action = action;
  }

  /** The ClusterPolicy / ClusterImagePolicy name: `llm-verify-images-<name>`. */
  public get objectName(): string {
    return `llm-verify-images-${this.name}`;
  }
}
