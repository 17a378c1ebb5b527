/**
 * The Sigstore policy-controller facts the policy layer renders `ClusterImagePolicy` objects for
 * (sigstore/policy-controller v0.13.1, commit 817f712f3f400e738f9ac30195d3b92c5c434a4f; its Helm chart
 * sigstore/helm-charts `charts/policy-controller` 0.10.6, commit 3d19e1db5ccf40d096ca0cc1b761f261116d674a;
 * vendored under schemas/upstream/charts/policy-controller-0.10.6 and schemas/crds/sigstore-policy-controller/).
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformLabels } from '../../core/labels';
import { ImageVerification } from '../image-verification';
import { PolicyAction } from '../policy-rule';

/**
 * The namespace label the policy-controller's webhooks select (chart values.yaml `webhook.namespaceSelector`:
 * `policy.sigstore.dev/include In ["true"]`): Pods in other namespaces are not verified.
 */
export const SIGSTORE_INCLUDE_LABEL = 'policy.sigstore.dev/include';

/** The ClusterImagePolicy API (CRD `clusterimagepolicies.policy.sigstore.dev`, served v1alpha1 and v1beta1). */
export const CLUSTER_IMAGE_POLICY_API_VERSION = 'policy.sigstore.dev/v1beta1';

/** The CRD the rendered objects need (the add-on installs it: chart value `installCRDs: true`). */
export const CLUSTER_IMAGE_POLICY_CRD = 'clusterimagepolicies.policy.sigstore.dev';

/** Fulcio, the keyless certificate authority the public-good instance runs (policy-controller's default `keyless.url`). */
export const PUBLIC_FULCIO_URL = 'https://fulcio.sigstore.dev';

/**
 * A pattern in the spec's semantics (`*` matches any characters, as Kyverno's wildcard) as a
 * policy-controller glob (`pkg/apis/glob/glob.go`: `*` is `[^/]*`, `**` is `.*`).
 */
export function sigstoreGlob(pattern: string): string {
  return pattern.replace(/\*/g, '**');
}

/** The policy-controller mode of an action (`ClusterImagePolicySpec.Mode`: `enforce` or `warn`). */
export function sigstoreMode(action: PolicyAction): string {
  return action === PolicyAction.ENFORCE ? 'enforce' : 'warn';
}

/** The ClusterImagePolicy `spec` of one verification. */
export function clusterImagePolicySpec(v: ImageVerification): any {
  const ctlog = { url: v.rekorUrl };
  let authority: any;
  if (v.keyless) {
    const k = v.keyless;
    authority = {
      name: v.name,
      keyless: {
        url: PUBLIC_FULCIO_URL,
        identities: [{
          ...(k.issuer ? { issuer: k.issuer } : {}),
          ...(k.issuerRegExp ? { issuerRegExp: k.issuerRegExp } : {}),
          ...(k.subject ? { subject: k.subject } : {}),
          ...(k.subjectRegExp ? { subjectRegExp: k.subjectRegExp } : {}),
        }],
      },
      ctlog,
    };
  } else if (v.publicKey !== undefined) {
    authority = { name: v.name, key: { data: v.publicKey.trim() }, ctlog };
  } else {
    authority = { name: v.name, key: { kms: v.kmsKey }, ctlog };
  }
  return {
    images: v.imageReferences.map((r) => ({ glob: sigstoreGlob(r) })),
    mode: sigstoreMode(v.action),
    authorities: [authority],
  };
}

/** Render one verification as a `ClusterImagePolicy`. */
export function renderClusterImagePolicy(scope: Construct, v: ImageVerification): ApiObject {
  return new ApiObject(scope, 'Resource', {
    apiVersion: CLUSTER_IMAGE_POLICY_API_VERSION,
    kind: 'ClusterImagePolicy',
    metadata: {
      name: v.objectName,
      labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE, [PlatformLabels.COMPONENT]: 'policy' },
    },
    spec: clusterImagePolicySpec(v),
  });
}
