import { ValidationError } from './errors';
import { checkArgs } from './private/runtime-types';

/**
 * A Kubernetes (EKS) minor version.
 *
 * ```ts
 * KubernetesVersion.V1_34           // the default
 * KubernetesVersion.of('1.35')      // a version this release does not list yet
 * ```
 */
export class KubernetesVersion {
  /** Kubernetes 1.28 (the API level cdk8s-plus-28 emits). */
  public static readonly V1_28 = new KubernetesVersion(28);
  /** Kubernetes 1.29. */
  public static readonly V1_29 = new KubernetesVersion(29);
  /** Kubernetes 1.30. */
  public static readonly V1_30 = new KubernetesVersion(30);
  /** Kubernetes 1.31. */
  public static readonly V1_31 = new KubernetesVersion(31);
  /** Kubernetes 1.32. */
  public static readonly V1_32 = new KubernetesVersion(32);
  /** Kubernetes 1.33. */
  public static readonly V1_33 = new KubernetesVersion(33);
  /** Kubernetes 1.34. */
  public static readonly V1_34 = new KubernetesVersion(34);
  /** Kubernetes 1.35. */
  public static readonly V1_35 = new KubernetesVersion(35);

  /**
   * The version clusters get when none is given: 1.34, in EKS standard support.
   */
  public static readonly DEFAULT = KubernetesVersion.V1_34;

  /**
   * The oldest minor version this library accepts: ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1)
   * went GA in 1.30, and EKS extended support for older versions has ended.
   */
  public static readonly MIN_MINOR = 28;

  /**
   * A version by its `1.NN` string.
   *
   * @param version e.g. `1.34`
   */
  public static of(version: string): KubernetesVersion {
    checkArgs('KubernetesVersion#of', [version]);
    const match = /^1\.(\d{1,2})$/.exec(String(version));
    if (!match) {
      throw new ValidationError('version', "must be a Kubernetes minor version of the form '1.NN'", version,
        `use e.g. '${KubernetesVersion.DEFAULT.version}' (patch versions are chosen by EKS)`);
    }
    const minor = Number(match[1]);
    if (minor < KubernetesVersion.MIN_MINOR) {
      throw new ValidationError('version', `must be 1.${KubernetesVersion.MIN_MINOR} or newer`, version,
        `use a supported version such as '${KubernetesVersion.DEFAULT.version}'`);
    }
    return new KubernetesVersion(minor);
  }

  /**
   * The version string, e.g. `1.34`.
   */
  public readonly version: string;

  /**
   * The minor version number, e.g. 34.
   */
  public readonly minor: number;

  private constructor(minor: number) {
    this.minor = minor;
    this.version = `1.${minor}`;
  }

  /**
   * Whether this version is the same as or newer than `other`.
   */
  public isAtLeast(other: KubernetesVersion): boolean {
    return this.minor >= other.minor;
  }

  /**
   * The version string.
   */
  public toString(): string {
    return this.version;
  }
}
