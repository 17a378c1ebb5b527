/**
 * The reference platform's spec, as an app repo would hold it.
 *
 * Until the platform L3 (`PlatformSpec`, `AwsPlatformStack`, `KubernetesPlatform`) lands, the
 * reference is a minimal, real slice: one private, KMS-encrypted EKS cluster with audit logs
 * (Terraform) and one hardened workload in a default-deny namespace (Kubernetes).
 */
import { KubernetesVersion, Names } from '../../src';

export const spec = {
  name: 'acme-llm',
  environment: 'prod',
  region: 'us-east-1',
  accountId: '123456789012',
  kubernetesVersion: KubernetesVersion.DEFAULT,
  namespace: Names.validateDns1123Label('namespace', 'search'),
  /** The gateway image, pinned by digest. */
  gatewayImage: 'public.ecr.aws/nginx/nginx-unprivileged@sha256:0a3e2e7ca7a9bd1b9f6e8ef1c5b4e16b4c2e3d5a67f0a1b2c3d4e5f60718293a',
  clusterName(): string {
    return Names.joinLabel([this.name, this.environment]);
  },
};
