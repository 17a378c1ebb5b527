/**
 * A third platform, unlike the reference: admission by ValidatingAdmissionPolicy alone (no Kyverno, no
 * Gatekeeper), and still every model image and every model's weights verified by signature. Synthesize it with
 * the same entry points as the reference (`new KubernetesPlatform(app, spec.name, { spec })`).
 *
 * - `policy.signatures.images`: the model images must carry a cosign keyless signature from the release
 *   workflow of the `acme/models` GitHub repository (Fulcio certificate, Rekor entry). VAP cannot call a registry,
 *   so the Sigstore policy-controller add-on verifies them (ClusterImagePolicy `llm-verify-images-models`, the
 *   tenant namespaces labelled `policy.sigstore.dev/include: "true"`).
 * - `policy.signatures.weights`: before the server starts, `cosign verify-blob` checks the weights' checksum
 *   manifest against the same workflow identity, then every file against the manifest.
 */
import { WeightVerification } from '../../src/k8s';
import { PlatformSpec } from '../../src/platform';
import { ADDON_MIRRORS, singleModelPlatform } from '../reference/platform';

const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const GITHUB_ACTIONS = 'https://token.actions.githubusercontent.com';

export const spec: PlatformSpec = {
  ...singleModelPlatform('acme-signed'),
  images: {
    awsCli: `${REGISTRY}/mirror/aws-cli@sha256:cd11f6e909d42f066a03e15f072853fcc19f033e343cb83b2d553e2082cbb5a7`,
    nvidiaDevicePlugin: `${REGISTRY}/mirror/k8s-device-plugin@sha256:af31e2b7c7f89834c4e5219860def7ac2e49a207b3d4e8610d5a26772b7738e5`,
    dcgmExporter: `${REGISTRY}/mirror/dcgm-exporter@sha256:a7ad6547d4546eaf4dd5d6b4c0b4db4101e63ef7dc3cdff7f42b767d2c60b706`,
    addons: {
      ...ADDON_MIRRORS,
      'sigstore-policy-controller/policy-controller': `${REGISTRY}/mirror/sigstore/policy-controller@sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab`,
      'sigstore-policy-controller/kubectl': `${REGISTRY}/mirror/chainguard/kubectl@sha256:3c5b7d9e1f2a4c6e8a0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c`,
    },
  },
  policy: {
    // the default engine set: ValidatingAdmissionPolicy only; no exception (the GPU agents' one is built in)
    signatures: {
      images: [{
        name: 'models',
        imageReferences: [`${REGISTRY}/acme-llm/*`],
        keyless: { issuer: GITHUB_ACTIONS, subjectRegExp: '^https://github\\.com/acme/models/\\.github/workflows/release\\.yaml@refs/tags/v.+$' },
      }],
      weights: WeightVerification.keyless({
        certificateIdentity: 'https://github.com/acme/models/.github/workflows/sign-weights.yaml@refs/heads/main',
        certificateOidcIssuer: GITHUB_ACTIONS,
        cosignImage: `${REGISTRY}/mirror/cosign@sha256:c77247c92f4dfea851c70555738226498393e34e2f9ca83cb959e51c230e4ad7`,
        checksumImage: `${REGISTRY}/mirror/aws-cli@sha256:cd11f6e909d42f066a03e15f072853fcc19f033e343cb83b2d553e2082cbb5a7`,
      }),
    },
  },
  gitops: { repoUrl: 'https://git.example.com/acme/signed-gitops.git' },
};
