import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { GitOpsLayout } from './gitops-layout';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { isPattern, SYNC_WAVE_ANNOTATION } from './private/argocd';
import { SyncWave } from './sync-wave';

/**
 * Properties of `PlatformProject`.
 */
export interface PlatformProjectProps {
  /** The GitOps layout. */
  readonly layout: GitOpsLayout;
  /**
   * SSO groups with admin access to the platform's Applications.
   *
   * @default - none (only Argo CD admins)
   */
  readonly adminGroups?: string[];
}

/**
 * The Argo CD `AppProject` the platform components and add-ons sync through. The platform is
 * trusted with cluster-scoped resources and every namespace of the environments' clusters, but its
 * sources stay restricted: the GitOps repository plus the chart repository of each add-on
 * (`PlatformAddons` registers them).
 */
export class PlatformProject extends Construct {
  /** The AppProject name. */
  public readonly projectName: string;
  private readonly repos: string[];

  constructor(scope: Construct, id: string, props: PlatformProjectProps) {
    super(scope, id);
    const layout = props.layout;
    this.projectName = layout.platformProjectName;
    this.repos = [layout.repoUrl];
    const adminGroups = props.adminGroups ?? [];
    adminGroups.forEach((g, i) => {
      if (typeof g !== 'string' || g.trim() === '' || g.includes('*')) {
        throw new ValidationError(`adminGroups[${i}]`, 'must be a literal SSO group', g, "name the OIDC group claim, e.g. 'platform-admins'", this);
      }
    });
    const servers = [...new Set(layout.environments.map((e) => e.server!))];

    new AppProject(this, 'Resource', {
      metadata: {
        name: this.projectName,
        namespace: layout.argocdNamespace,
        labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(SyncWave.PROJECTS) },
      },
      spec: {
        sourceRepos: Lazy.any({ produce: () => this.sourceRepos }) as any,
        destinations: servers.map((server) => ({ server, namespace: '*' })),
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        orphanedResources: { warn: true },
        roles: adminGroups.length > 0 ? [{
          name: 'admins',
          groups: [...adminGroups],
          policies: [`p, proj:${this.projectName}:admins, applications, *, ${this.projectName}/*, allow`],
        }] : undefined,
      },
    });
  }

  /** The allowed source repositories, sorted after the GitOps repository. */
  public get sourceRepos(): string[] {
    const [gitops, ...rest] = this.repos;
    return [gitops, ...[...rest].sort()];
  }

  /**
   * Allow one more source repository (a chart repository). Literal URLs only.
   */
  public addSourceRepo(url: string): void {
    if (typeof url !== 'string' || url.trim() === '' || isPattern(url)) {
      throw new ValidationError('url', 'must be one literal repository URL, not a pattern', url, 'add each repository by its full URL', this);
    }
    if (!this.repos.includes(url)) this.repos.push(url);
  }
}
