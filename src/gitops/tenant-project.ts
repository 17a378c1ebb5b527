import { ApiObject, Duration, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { GitOpsContract } from './gitops-contract';
import { GitOpsLayout } from './gitops-layout';
import { SyncWave } from './sync-wave';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { wholeSeconds } from '../core/private/durations';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { AppProject } from '../imports/argocd-appproject-argoproj.io';
import { goDuration, isPattern, SYNC_WAVE_ANNOTATION } from './private/argocd';
import { cronProblem, isTimeZone } from './private/cron';

/**
 * A Kubernetes resource kind (API group and kind), as AppProject allow-lists name them.
 */
export interface ResourceKind {
  /** The API group (`''` for the core group), e.g. `apps`. */
  readonly group: string;
  /** The kind, e.g. `Deployment`. */
  readonly kind: string;
}

/**
 * What a project role may do with the project's Applications.
 */
export class ProjectAccess {
  /** See Applications and their logs. */
  public static readonly READ_ONLY = new ProjectAccess('read-only', ['applications, get', 'logs, get']);
  /** See Applications and their logs, and sync them. */
  public static readonly DEPLOYER = new ProjectAccess('deployer', ['applications, get', 'applications, sync', 'logs, get']);

  /**
   * Custom access: Argo CD RBAC `resource, action` pairs, e.g. `applications, sync`.
   * (`exec` and wildcards are refused: they let a tenant escape its namespaces' guard rails.)
   */
  public static custom(name: string, permissions: string[]): ProjectAccess {
    checkArgs('gitops.ProjectAccess#custom', [name, permissions]);
    for (const p of permissions) {
      if (!/^[a-z]+, [a-z/.-]+$/.test(p) || p.startsWith('exec') || p.includes('*')) {
        throw new ValidationError('permissions', "must be '<resource>, <action>' pairs without wildcards or exec", p, "use e.g. 'applications, sync'");
      }
    }
    return new ProjectAccess(name, [...permissions]);
  }

  private constructor(public readonly name: string, public readonly permissions: string[]) {}
}

/**
 * A project role mapped to SSO groups.
 */
export interface ProjectRoleOptions {
  /** The role name (DNS-1123 label), e.g. `developers`. */
  readonly name: string;
  /** The OIDC group claims bound to the role. */
  readonly groups: string[];
  /**
   * What the role may do.
   *
   * @default ProjectAccess.READ_ONLY
   */
  readonly access?: ProjectAccess;
}

/**
 * Whether a sync window allows or blocks syncs.
 */
export enum SyncWindowKind {
  /** Syncs may only run inside the window. */
  ALLOW = 'allow',
  /** Syncs may not run inside the window. */
  DENY = 'deny',
}

/**
 * A sync window of a project.
 */
export interface SyncWindowOptions {
  /** Allow or deny. */
  readonly kind: SyncWindowKind;
  /** When the window opens, a 5-field cron expression, e.g. `0 22 * * *`. */
  readonly schedule: string;
  /** How long it stays open. */
  readonly duration: Duration;
  /**
   * The time zone of `schedule`.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * Whether manual syncs are allowed while the window blocks automated ones.
   *
   * @default false
   */
  readonly manualSync?: boolean;
}

/**
 * Properties of `TenantProject`.
 */
export interface TenantProjectProps {
  /** The GitOps layout (source repo, environments and the tenant's namespaces). */
  readonly layout: GitOpsLayout;
  /** The tenant (a tenant of the layout). */
  readonly tenant: string;
  /**
   * Extra source repositories besides the GitOps repository. Literal URLs only.
   *
   * @default - only the GitOps repository
   */
  readonly additionalSourceRepos?: string[];
  /**
   * The namespaced kinds the tenant may deploy, replacing `TenantProject.DEFAULT_NAMESPACED_RESOURCES`.
   * Pass `[]` together with `allowKindsOf(<the tenant's chart>)` to allow exactly the kinds the
   * tenant's objects use (least privilege).
   *
   * @default TenantProject.DEFAULT_NAMESPACED_RESOURCES
   */
  readonly resources?: ResourceKind[];
  /**
   * Extra namespaced kinds the tenant may deploy, on top of `resources`.
   *
   * @default - none
   */
  readonly additionalResources?: ResourceKind[];
  /**
   * Allow the tenant to deploy Roles and RoleBindings (RBAC in its own namespaces). Off by default:
   * a tenant that writes RBAC can grant itself what the platform withholds.
   *
   * @default false
   */
  readonly allowRbac?: boolean;
  /**
   * Roles mapped to SSO groups.
   *
   * @default - none
   */
  readonly roles?: ProjectRoleOptions[];
  /**
   * Sync windows.
   *
   * @default - none (syncs may run any time)
   */
  readonly syncWindows?: SyncWindowOptions[];
  /**
   * Warn about orphaned resources (objects in the tenant's namespaces no Application tracks).
   *
   * @default true
   */
  readonly warnOnOrphanedResources?: boolean;
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

/**
 * The Argo CD `AppProject` of one tenant: the guard rails every tenant Application syncs through.
 *
 * - sources: only the GitOps repository (no `*`),
 * - destinations: only the tenant's namespaces on each environment's cluster (no patterns),
 * - cluster-scoped resources: none (`clusterResourceWhitelist: []`),
 * - namespaced resources: an allow-list of workload kinds; no RBAC, ResourceQuota, LimitRange or
 *   NetworkPolicy (those belong to the platform's tenancy component) unless opted in,
 * - orphaned resources are reported, sync windows and SSO roles are optional.
 */
export class TenantProject extends Construct {
  /**
   * The namespaced kinds a tenant may deploy by default: workloads, their config and autoscaling,
   * monitoring and mesh routing objects.
   */
  public static readonly DEFAULT_NAMESPACED_RESOURCES: ResourceKind[] = [
    { group: '', kind: 'ConfigMap' },
    { group: '', kind: 'PersistentVolumeClaim' },
    { group: '', kind: 'Secret' },
    { group: '', kind: 'Service' },
    { group: '', kind: 'ServiceAccount' },
    { group: 'apps', kind: 'Deployment' },
    { group: 'apps', kind: 'StatefulSet' },
    { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' },
    { group: 'batch', kind: 'CronJob' },
    { group: 'batch', kind: 'Job' },
    { group: 'keda.sh', kind: 'ScaledObject' },
    { group: 'keda.sh', kind: 'TriggerAuthentication' },
    { group: 'kubeflow.org', kind: 'PyTorchJob' },
    { group: 'monitoring.coreos.com', kind: 'PodMonitor' },
    { group: 'monitoring.coreos.com', kind: 'PrometheusRule' },
    { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
    { group: 'networking.istio.io', kind: 'DestinationRule' },
    { group: 'networking.istio.io', kind: 'VirtualService' },
    { group: 'policy', kind: 'PodDisruptionBudget' },
    { group: 'serving.kserve.io', kind: 'InferenceService' },
  ];

  /** The RBAC kinds `allowRbac` adds. */
  public static readonly RBAC_RESOURCES: ResourceKind[] = [
    { group: RBAC_GROUP, kind: 'Role' },
    { group: RBAC_GROUP, kind: 'RoleBinding' },
  ];

  /** The AppProject name (the tenant name; `<environment>-<tenant>` in a shared repository). */
  public readonly projectName: string;
  /** The tenant. */
  public readonly tenant: string;
  /** The allowed source repositories. */
  public readonly sourceRepos: string[];

  /** Whether RBAC kinds are allowed. */
  public readonly allowRbac: boolean;
  /** Whether orphaned resources are reported. */
  public readonly warnOnOrphanedResources: boolean;
  private readonly kinds = new Map<string, ResourceKind>();
  private readonly scanned: IConstruct[] = [];

  constructor(scope: Construct, id: string, props: TenantProjectProps) {
    super(scope, id);
    checkProps('gitops.TenantProjectProps', props, 'props', this);
    const layout = props.layout;
    const tenant = layout.tenant(props.tenant);
    this.tenant = tenant.name;
    this.projectName = layout.tenantProjectName(tenant.name);
    this.allowRbac = props.allowRbac ?? false;
    this.warnOnOrphanedResources = props.warnOnOrphanedResources ?? true;

    const repos = [layout.repoUrl];
    (props.additionalSourceRepos ?? []).forEach((repo, i) => {
      if (typeof repo !== 'string' || repo.trim() === '' || isPattern(repo)) {
        throw new ValidationError(`additionalSourceRepos[${i}]`, 'must be one literal repository URL, not a pattern', repo,
          "list each repository the tenant may use by its full URL; tenants never get '*'", this);
      }
      if (!repos.includes(repo)) repos.push(repo);
    });
    this.sourceRepos = repos;

    const kinds = this.kinds;
    const add = (r: ResourceKind) => kinds.set(`${r.group}/${r.kind}`, { group: r.group, kind: r.kind });
    (props.resources ?? TenantProject.DEFAULT_NAMESPACED_RESOURCES).forEach((r, i) => {
      if (!r || typeof r.group !== 'string' || typeof r.kind !== 'string' || isPattern(r.group) || isPattern(r.kind) || r.kind === '') {
        throw new ValidationError(`resources[${i}]`, 'must name one group and kind, not a pattern', r,
          'list each kind the tenant needs, e.g. { group: "apps", kind: "Deployment" }', this);
      }
      if (r.group === RBAC_GROUP && !this.allowRbac) {
        throw new ValidationError(`resources[${i}]`, 'grants RBAC kinds without opting in', r,
          "set 'allowRbac: true' if the tenant must manage Roles and RoleBindings in its namespaces", this);
      }
      add(r);
    });
    (props.additionalResources ?? []).forEach((r, i) => {
      if (isPattern(r.group) || isPattern(r.kind) || r.kind === '') {
        throw new ValidationError(`additionalResources[${i}]`, 'must name one group and kind, not a pattern', r,
          'list each kind the tenant needs, e.g. { group: "apps", kind: "DaemonSet" }', this);
      }
      if (r.group === RBAC_GROUP && !this.allowRbac) {
        throw new ValidationError(`additionalResources[${i}]`, 'grants RBAC kinds without opting in', r,
          "set 'allowRbac: true' if the tenant must manage Roles and RoleBindings in its namespaces", this);
      }
      if (r.group === RBAC_GROUP && r.kind.startsWith('Cluster')) {
        throw new ValidationError(`additionalResources[${i}]`, 'is cluster-scoped RBAC, which tenant projects never allow', r, 'remove it', this);
      }
      add(r);
    });
    if (this.allowRbac) TenantProject.RBAC_RESOURCES.forEach(add);
    this.node.addValidation({ validate: () => this.scanProblems() });

    const destinations: { server?: string; name?: string; namespace: string }[] = [];
    const seen = new Set<string>();
    for (const env of layout.environments) {
      const target = layout.destinationOf(env.name);
      for (const ns of tenant.namespaces!) {
        const key = `${target.server ?? ''}\u0000${target.name ?? ''}\u0000${ns}`;
        if (seen.has(key)) continue;
        seen.add(key);
        destinations.push({ ...target, namespace: ns });
      }
    }

    const roles = (props.roles ?? []).map((r, i) => {
      Names.validateDns1123Label(`roles[${i}].name`, r.name, this);
      if (!r.groups || r.groups.length === 0 || r.groups.some((g) => typeof g !== 'string' || g.trim() === '' || g.includes('*') || /[\u0000-\u001f\u007f]/.test(g))) {
        throw new ValidationError(`roles[${i}].groups`, 'must list at least one literal SSO group', r.groups, "name the OIDC group claims, e.g. ['search-developers']", this);
      }
      const access = r.access ?? ProjectAccess.READ_ONLY;
      return {
        name: r.name,
        groups: [...r.groups],
        policies: access.permissions.map((p) => `p, proj:${this.projectName}:${r.name}, ${p}, ${this.projectName}/*, allow`),
      };
    });

    const syncWindows = (props.syncWindows ?? []).map((w, i) => {
      // Argo CD parses the schedule with robfig/cron (5 fields) and falls back to UTC for a zone it cannot load (./private/cron.ts)
      const cron = cronProblem(w.schedule);
      if (cron) throw new ValidationError(`syncWindows[${i}].schedule`, cron, w.schedule, "use e.g. '0 22 * * *' (22:00 every day) or '0 8 * * mon-fri'", this);
      if (w.timeZone !== undefined && !isTimeZone(w.timeZone)) {
        throw new ValidationError(`syncWindows[${i}].timeZone`, 'must be an IANA time zone', w.timeZone, "use e.g. 'Europe/Berlin' or 'UTC' (Argo CD would silently use UTC)", this);
      }
      // whole seconds (Argo CD's Go duration here is h/m/s), at most Go's longest duration, at least a minute
      const seconds = wholeSeconds(`syncWindows[${i}].duration`, w.duration, 0, 9223372036, 'use e.g. Duration.hours(2) (whole seconds)', this);
      if (seconds < 60) {
        throw new ValidationError(`syncWindows[${i}].duration`, 'must be at least one minute', goDuration(w.duration), 'use e.g. Duration.hours(2)', this);
      }
      return {
        kind: w.kind,
        schedule: w.schedule.trim(),
        duration: goDuration(Duration.seconds(seconds)),
        applications: ['*'],
        manualSync: w.manualSync ?? false,
        timeZone: w.timeZone ?? 'UTC',
      };
    });

    new AppProject(this, 'Resource', {
      metadata: {
        name: this.projectName,
        namespace: layout.argocdNamespace,
        labels: {
          [PlatformLabels.TENANT]: this.tenant,
          [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
        },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(SyncWave.PROJECTS) },
      },
      spec: {
        sourceRepos: [...this.sourceRepos],
        destinations,
        clusterResourceWhitelist: [],
        namespaceResourceWhitelist: Lazy.any({ produce: () => this.namespacedResources.map((r) => ({ group: r.group, kind: r.kind })) }) as any,
        orphanedResources: { warn: this.warnOnOrphanedResources },
        roles: roles.length > 0 ? roles : undefined,
        syncWindows: syncWindows.length > 0 ? syncWindows : undefined,
      },
    });
  }

  /** The allowed namespaced kinds, sorted (including those `allowKindsOf` found so far). */
  public get namespacedResources(): ResourceKind[] {
    this.scan();
    return [...this.kinds.values()].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`));
  }

  /**
   * Allow the kind of every Kubernetes object under `scope` (the tenant's chart): the project then
   * whitelists exactly what the tenant deploys, e.g. `kubeflow.org/PyTorchJob` once the tenant runs a
   * fine-tuning job. Read when the project renders, so objects added later count. Cluster-scoped
   * objects and RBAC kinds (without `allowRbac`) are reported at synth.
   */
  public allowKindsOf(scope: IConstruct): void {
    checkArgs('gitops.TenantProject#allowKindsOf', [scope], this);
    if (!this.scanned.includes(scope)) this.scanned.push(scope);
  }

  private scan(): void {
    for (const scope of this.scanned) {
      for (const o of scope.node.findAll()) {
        if (!(o instanceof ApiObject)) continue;
        const group = o.apiGroup === 'core' ? '' : o.apiGroup;
        if (GitOpsContract.CLUSTER_SCOPED_KINDS.includes(`${group}/${o.kind}`)) continue;
        if (group === RBAC_GROUP && !this.allowRbac) continue;
        this.kinds.set(`${group}/${o.kind}`, { group, kind: o.kind });
      }
    }
  }

  private scanProblems(): string[] {
    const out: string[] = [];
    for (const scope of this.scanned) {
      for (const o of scope.node.findAll()) {
        if (!(o instanceof ApiObject)) continue;
        const group = o.apiGroup === 'core' ? '' : o.apiGroup;
        const id = `${o.kind} ${o.name}`;
        if (GitOpsContract.CLUSTER_SCOPED_KINDS.includes(`${group}/${o.kind}`)) {
          out.push(ValidationError.format({
            prop: 'allowKindsOf',
            problem: 'finds a cluster-scoped object, which tenant projects never allow',
            value: ValidationError.render(id),
            fix: 'move it to a platform component',
          }));
        } else if (group === RBAC_GROUP && !this.allowRbac) {
          out.push(ValidationError.format({
            prop: 'allowKindsOf',
            problem: 'finds an RBAC object without opting in',
            value: ValidationError.render(id),
            fix: "set 'allowRbac: true' or move it to the platform's tenancy component",
          }));
        }
      }
    }
    return out;
  }
}
