/**
 * A fourth platform, unlike the reference: admission by OPA Gatekeeper alone (`policy.engines:
 * [PolicyEngine.GATEKEEPER]`). Synthesize it with the same entry points as the reference
 * (`new KubernetesPlatform(app, spec.name, { spec })`).
 *
 * - The catalogue's Gatekeeper add-on (`PlatformAddon.gatekeeper()`, chart 3.23.0) installs the
 *   ConstraintTemplate CRD and the controller; every policy rule becomes a ConstraintTemplate and, one sync
 *   wave later, its constraints (whose CRDs Gatekeeper creates from the templates), which Argo CD applies
 *   without a dry run (`SkipDryRunOnMissingResource=true`).
 * - Gatekeeper's three images are mirrored by digest (`gitops.PlatformAddon.imagesOf('gatekeeper')` lists the
 *   upstream ones): the controller/audit image, the CRDs image of its install hooks and curl (the webhook
 *   probe). The digests below stand for your mirror's.
 */
import { PlatformSpec } from '../../src/platform';
import { PolicyEngine } from '../../src/policy';
import { ADDON_MIRRORS, PLATFORM_IMAGES, singleModelPlatform } from '../reference/platform';

const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

export const spec: PlatformSpec = {
  ...singleModelPlatform('acme-gk'),
  images: {
    ...PLATFORM_IMAGES,
    addons: {
      ...ADDON_MIRRORS,
      'gatekeeper/gatekeeper': `${REGISTRY}/mirror/openpolicyagent/gatekeeper@sha256:6a1d3c5e7f9b2d4f6a8c0e2b4d6f8a1c3e5b7d9f0a2c4e6b8d0f2a4c6e8b0d2f`,
      'gatekeeper/gatekeeper-crds': `${REGISTRY}/mirror/openpolicyagent/gatekeeper-crds@sha256:7b2e4d6f8a0c2e4b6d8f0a2c4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b`,
      'gatekeeper/curl': `${REGISTRY}/mirror/curlimages/curl@sha256:8c3f5a7b9d1e3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b9d1f3a`,
    },
  },
  policy: {
    // Gatekeeper alone enforces the policy set; no exception (the GPU agents' one is built in)
    engines: [PolicyEngine.GATEKEEPER],
  },
  gitops: { repoUrl: 'https://git.example.com/acme/gatekeeper-gitops.git' },
};
