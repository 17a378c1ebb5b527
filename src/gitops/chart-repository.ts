import { ValidationError } from '../core/errors';
import { isPattern } from './private/argocd';
import { checkArgs } from '../core/private/runtime-types';

/**
 * Where an add-on is installed from: a classic HTTPS Helm repository, an OCI registry of Helm
 * charts, or a Git repository holding a kustomization (for projects that publish no chart).
 */
export class ChartRepository {
  /**
   * A classic Helm repository served over HTTPS (an `index.yaml` at `url`).
   *
   * @param url e.g. `https://kyverno.github.io/kyverno`
   */
  public static helm(url: string): ChartRepository {
    checkArgs('gitops.ChartRepository#helm', [url]);
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
    checkArgs('gitops.ChartRepository#oci', [registry]);
    const stripped = typeof registry === 'string' ? registry.replace(/^oci:\/\//, '').replace(/\/+$/, '') : registry;
    if (typeof stripped !== 'string' || stripped === '' || /\s|:\/\//.test(stripped) || isPattern(stripped)) {
      throw new ValidationError('registry', 'must be an OCI registry path', registry, "use '<registry>/<path>', e.g. 'public.ecr.aws/karpenter'");
    }
    return new ChartRepository(stripped, true);
  }

  /**
   * A Git repository served over HTTPS; the add-on's `chart` is the path of a kustomization in it and
   * its `version` the release tag.
   *
   * @param url e.g. `https://github.com/kubeflow/trainer.git`
   */
  public static git(url: string): ChartRepository {
    checkArgs('gitops.ChartRepository#git', [url]);
    if (typeof url !== 'string' || !/^https:\/\/[^\s]+$/.test(url) || isPattern(url)) {
      throw new ValidationError('url', 'must be one https Git repository URL', url, "use the repository's https clone URL, e.g. 'https://github.com/kubeflow/trainer.git'");
    }
    return new ChartRepository(url, false, true);
  }

  /** The value of `spec.source.repoURL` (and of the AppProject's `sourceRepos`). */
  public readonly url: string;

  /** Whether this is an OCI registry. */
  public readonly isOci: boolean;

  /** Whether this is a Git repository (a kustomization source, not a Helm chart). */
  public readonly isGit: boolean;

  private constructor(url: string, isOci: boolean, isGit: boolean = false) {
    this.url = url;
    this.isOci = isOci;
    this.isGit = isGit;
  }
}
