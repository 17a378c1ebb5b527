import { ValidationError } from '../core/errors';
import { isPattern } from './private/argocd';

/**
 * A Helm chart repository an add-on is installed from: a classic HTTPS Helm repository or an OCI
 * registry.
 */
export class ChartRepository {
  /**
   * A classic Helm repository served over HTTPS (an `index.yaml` at `url`).
   *
   * @param url e.g. `https://kyverno.github.io/kyverno`
   */
  public static helm(url: string): ChartRepository {
    if (typeof url !== 'string' || !/^https:\/\/[^\s]+$/.test(url) || isPattern(url)) {
      throw new ValidationError('url', 'must be one https Helm repository URL', url, "use the repository's https URL, e.g. 'https://charts.jetstack.io'");
    }
    return new ChartRepository(url.replace(/\/+$/, ''), false);
  }

  /**
   * An OCI registry path holding Helm charts. Argo CD takes it without the `oci://` scheme and needs
   * the repository registered with `enableOCI: "true"` (a repository Secret).
   *
   * @param registry e.g. `public.ecr.aws/karpenter` (a leading `oci://` is accepted and dropped)
   */
  public static oci(registry: string): ChartRepository {
    const stripped = typeof registry === 'string' ? registry.replace(/^oci:\/\//, '').replace(/\/+$/, '') : registry;
    if (typeof stripped !== 'string' || stripped === '' || /\s|:\/\//.test(stripped) || isPattern(stripped)) {
      throw new ValidationError('registry', 'must be an OCI registry path', registry, "use '<registry>/<path>', e.g. 'public.ecr.aws/karpenter'");
    }
    return new ChartRepository(stripped, true);
  }

  /** The value of `spec.source.repoURL` (and of the AppProject's `sourceRepos`). */
  public readonly url: string;

  /** Whether this is an OCI registry. */
  public readonly isOci: boolean;

  private constructor(url: string, isOci: boolean) {
    this.url = url;
    this.isOci = isOci;
  }
}
