/**
 * Default helper images of the serving layer, each pinned by digest. Every one of them is a prop
 * users override (mirror them into your own registry and pass the mirrored digest).
 *
 * Digests are the published references of the named releases; re-resolve with
 * `crane digest <image>:<tag>` when you bump a release.
 */
export class ServingImages {
  /**
   * AWS CLI v2 (Amazon Linux 2 based, has `sh`, `sha256sum` and `find`): syncs S3 weights and checks
   * weight checksums.
   */
  public static readonly AWS_CLI = 'docker.io/amazon/aws-cli@sha256:cd11f6e909d42f066a03e15f072853fcc19f033e343cb83b2d553e2082cbb5a7';

  /**
   * Sigstore cosign v2.4.3 (`ghcr.io/sigstore/cosign/cosign:v2.4.3`): verifies the weights' signed
   * checksum manifest (`cosign verify-blob`).
   */
  public static readonly COSIGN = 'ghcr.io/sigstore/cosign/cosign:v2.4.3@sha256:c77247c92f4dfea851c70555738226498393e34e2f9ca83cb959e51c230e4ad7';

  /**
   * NVIDIA Kubernetes device plugin v0.17.1.
   */
  public static readonly NVIDIA_DEVICE_PLUGIN = 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1@sha256:af31e2b7c7f89834c4e5219860def7ac2e49a207b3d4e8610d5a26772b7738e5';

  /**
   * NVIDIA DCGM exporter 4.5.2-4.8.1-ubuntu22.04 (linux/amd64 manifest; pass the arm64 digest for
   * Graviton GPU pools).
   */
  public static readonly DCGM_EXPORTER = 'nvcr.io/nvidia/k8s/dcgm-exporter@sha256:a7ad6547d4546eaf4dd5d6b4c0b4db4101e63ef7dc3cdff7f42b767d2c60b706';

  private constructor() {}
}
