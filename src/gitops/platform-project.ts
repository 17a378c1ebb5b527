import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GitOpsContract } from './gitops-contract';
import { GitOpsLayout } from './gitops-layout';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { IN_CLUSTER_SERVER, isPattern, SYNC_WAVE_ANNOTATION } from './private/argocd';
import { SyncWave } from './sync-wave';
import { ResourceKind } from './tenant-project';

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
  /**
   * Namespaces the platform may deploy to, on top of the ones derived from the layout (the Argo CD
   * namespace, the platform components' namespaces), the add-ons (`PlatformAddons` registers each
   * add-on's namespaces) and `allowObjectsOf`.
   *
   * @default - none
   */
  readonly destinationNamespaces?: string[];
  /**
   * Cluster-scoped kinds the platform may create, on top of the ones the add-ons declare and
   * `allowObjectsOf` finds.
   *
   * @default - none
   */
  readonly clusterResources?: ResourceKind[];
  /**
   * Allow every namespace and every cluster-scoped kind (`namespace: '*'`, `group: '*', kind: '*'`),
   * as before the project was derived from what the platform installs. Only for platforms that sync
   * objects this library does not know about through the platform project.
   *
   * @default false
   */
  readonly unrestricted?: boolean;
}

const KIND_KEY = (k: ResourceKind) => `${k.group}/${k.kind}`;

/**
 * The Argo CD `AppProject` the platform components and add-ons sync through, least privilege:
 *
 * - sources: the GitOps repository plus the chart repository of each add-on (`PlatformAddons`
 *   registers them);
 * - destinations: the Argo CD namespace (the bootstrap directory), the platform components'
 *   namespaces, each add-on's namespaces (`PlatformAddons` registers them) and the namespaces of the
 *   objects found by `allowObjectsOf`, on each environment's cluster; no pattern;
 * - cluster-scoped kinds: exactly the ones the add-ons declare (`PlatformAddonConfig.clusterResources`)
 *   and `allowObjectsOf` finds (plus `Namespace` when an add-on lets Argo CD create its namespace).
 *
 * Everything is collected while the platform is built and rendered at synth.
 */
export class PlatformProject extends Construct {
  /** The AppProject name. */
  public readonly projectName: string;
  /** Whether every namespace and cluster-scoped kind is allowed. */
  public readonly unrestricted: boolean;
  private readonly repos: string[];
  private readonly namespaces = new Set<string>();
  private readonly kinds = new Map<string, ResourceKind>();
  private readonly scanned: IConstruct[] = [];
  private readonly layout: GitOpsLayout;

  constructor(scope: Construct, id: string, props: PlatformProjectProps) {
    super(scope, id);
    checkProps('gitops.PlatformProjectProps', props, 'props', this);
    const layout = props.layout;
    this.layout = layout;
    this.projectName = layout.platformProjectName;
    this.repos = [layout.repoUrl];
    this.unrestricted = props.unrestricted ?? false;
    const adminGroups = props.adminGroups ?? [];
    adminGroups.forEach((g, i) => {
      if (typeof g !== 'string' || g.trim() === '' || g.includes('*')) {
        throw new ValidationError(`adminGroups[${i}]`, 'must be a literal SSO group', g, "name the OIDC group claim, e.g. 'platform-admins'", this);
      }
    });
    for (const c of layout.platformComponents) this.namespaces.add(c.namespace!);
    (props.destinationNamespaces ?? []).forEach((ns, i) => this.allowNamespace(ns, `destinationNamespaces[${i}]`));
    (props.clusterResources ?? []).forEach((k, i) => this.allowKind(k, `clusterResources[${i}]`));

    new AppProject(this, 'Resource', {
      metadata: {
        name: this.projectName,
        namespace: layout.argocdNamespace,
        labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(SyncWave.PROJECTS) },
      },
      spec: {
        sourceRepos: Lazy.any({ produce: () => this.sourceRepos }) as any,
        destinations: Lazy.any({ produce: () => this.destinations() }) as any,
        clusterResourceWhitelist: Lazy.any({ produce: () => this.clusterResources.map((k) => ({ group: k.group, kind: k.kind })) }) as any,
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

  /** The namespaces the platform may deploy to on each environment's cluster, sorted (as resolved so far). */
  public get destinationNamespaces(): string[] {
    this.scan();
    return [...this.namespaces].sort();
  }

  /** The cluster-scoped kinds the platform may create, sorted by group and kind (as resolved so far). */
  public get clusterResources(): ResourceKind[] {
    if (this.unrestricted) return [{ group: '*', kind: '*' }];
    this.scan();
    return [...this.kinds.values()].sort((a, b) => KIND_KEY(a).localeCompare(KIND_KEY(b)));
  }

  /**
   * Allow one more source repository (a chart repository). Literal URLs only.
   */
  public addSourceRepo(url: string): void {
    checkArgs('gitops.PlatformProject#addSourceRepo', [url], this);
    if (typeof url !== 'string' || url.trim() === '' || isPattern(url)) {
      throw new ValidationError('url', 'must be one literal repository URL, not a pattern', url, 'add each repository by its full URL', this);
    }
    if (!this.repos.includes(url)) this.repos.push(url);
  }

  /** Allow one more destination namespace (a literal name) on each environment's cluster. */
  public addDestinationNamespace(namespace: string): void {
    checkArgs('gitops.PlatformProject#addDestinationNamespace', [namespace], this);
    this.allowNamespace(namespace, 'namespace');
  }

  /** Allow one more cluster-scoped kind (literal group and kind). */
  public addClusterResource(kind: ResourceKind): void {
    checkProps('gitops.ResourceKind', kind, 'kind', this);
    this.allowKind(kind, 'kind');
  }

  private allowNamespace(namespace: string, prop: string): void {
    if (typeof namespace !== 'string' || isPattern(namespace)) {
      throw new ValidationError(prop, 'must be one literal namespace, not a pattern', namespace, 'add each namespace the platform deploys to by name', this);
    }
    Names.validateDns1123Label(prop, namespace, this);
    this.namespaces.add(namespace);
  }

  private allowKind(kind: ResourceKind, prop: string): void {
    if (!kind || typeof kind.group !== 'string' || typeof kind.kind !== 'string' || kind.kind === '' || isPattern(kind.group) || isPattern(kind.kind)) {
      throw new ValidationError(prop, 'must name one group and kind, not a pattern', kind, "list each kind, e.g. { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }", this);
    }
    this.kinds.set(KIND_KEY(kind), { group: kind.group, kind: kind.kind });
  }

  /**
   * Allow what the Kubernetes objects under `scope` need (a platform component's chart): the namespace
   * of every namespaced object and the kind of every cluster-scoped one
   * (`GitOpsContract.CLUSTER_SCOPED_KINDS`, Gatekeeper constraints). Read when the project renders, so
   * objects added to `scope` later count.
   */
  public allowObjectsOf(scope: IConstruct): void {
    checkArgs('gitops.PlatformProject#allowObjectsOf', [scope], this);
    if (!this.scanned.includes(scope)) this.scanned.push(scope);
  }

  private scan(): void {
    for (const scope of this.scanned) {
      for (const c of scope.node.findAll()) {
        if (!(c instanceof ApiObject)) continue;
        const group = c.apiGroup === 'core' ? '' : c.apiGroup;
        const key = `${group}/${c.kind}`;
        const namespace = c.metadata.namespace;
        if (namespace) {
          this.namespaces.add(namespace);
        } else if (GitOpsContract.CLUSTER_SCOPED_KINDS.includes(key) || group === 'constraints.gatekeeper.sh') {
          this.kinds.set(key, { group, kind: c.kind });
        }
      }
    }
  }

  private destinations(): { server?: string; name?: string; namespace: string }[] {
    const targets = this.layout.environments.map((e) => this.layout.destinationOf(e.name));
    // a shared repository's bootstrap directory is synced by the fleet hub's own project: this one needs no Argo CD namespace
    const argocd = this.layout.sharedRepository ? [] : [{ server: IN_CLUSTER_SERVER }];
    const out: { server?: string; name?: string; namespace: string }[] = [];
    const seen = new Set<string>();
    const add = (target: { server?: string; name?: string }, namespace: string) => {
      const key = `${target.server ?? ''}\u0000${target.name ?? ''}\u0000${namespace}`;
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ ...target, namespace });
    };
    if (this.unrestricted) {
      for (const t of [...targets, ...argocd]) add(t, '*');
      return out;
    }
    // the bootstrap directory (Argo CD's own objects) on the cluster Argo CD runs in
    for (const t of argocd) add(t, this.layout.argocdNamespace);
    for (const t of targets) {
      for (const ns of this.destinationNamespaces) add(t, ns);
    }
    return out;
  }

}
