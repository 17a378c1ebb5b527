import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { GitOpsLayout, LayoutDirectory, LayoutOwnerKind } from './gitops-layout';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { ARGOCD_API_VERSION, goDuration, RESOURCES_FINALIZER, SYNC_WAVE_ANNOTATION } from './private/argocd';
import { claimDirectory } from './private/claims';
import { SyncWave } from './sync-wave';
import { checkProps } from '../core/private/runtime-types';

/**
 * Which directories of the layout an ApplicationSet covers.
 */
export enum LayoutSelection {
  /** Platform components and tenants. */
  ALL = 'all',
  /** Platform components only. */
  PLATFORM_COMPONENTS = 'platform-components',
  /** Tenants only. */
  TENANTS = 'tenants',
}

/**
 * Properties of `PlatformApplicationSet`.
 */
export interface PlatformApplicationSetProps {
  /** The GitOps layout the generators are derived from. */
  readonly layout: GitOpsLayout;
  /**
   * Which directories to cover.
   *
   * @default LayoutSelection.ALL
   */
  readonly selection?: LayoutSelection;
  /**
   * The ApplicationSet name.
   *
   * @default - `llm-platform`, `platform-components` or `tenants` after `selection`
   */
  readonly name?: string;
  /**
   * The environments to cover, in promotion order.
   *
   * @default - every environment of the layout
   */
  readonly environments?: string[];
  /**
   * Roll changes out environment by environment (Argo CD progressive sync, `RollingSync` strategy
   * with one step per environment, matched by the `llm-platform.io/environment` label). Needs the
   * ApplicationSet controller started with `--enable-progressive-syncs`.
   *
   * @default false
   */
  readonly progressiveSync?: boolean;
  /**
   * Sync with server-side apply (`ServerSideApply=true`): needed when a directory holds objects too
   * large for the client-side `last-applied-configuration` annotation (big CRDs, large ConfigMaps).
   *
   * @default false
   */
  readonly serverSideApply?: boolean;
  /**
   * Keep the deployed resources when the ApplicationSet is deleted
   * (`syncPolicy.preserveResourcesOnDeletion`): deleting or renaming the ApplicationSet must not
   * take serving models, PVCs and their data with it.
   *
   * @default true
   */
  readonly preserveResourcesOnDeletion?: boolean;
  /**
   * How many times a failed sync is retried.
   *
   * @default 5
   */
  readonly retryLimit?: number;
  /**
   * The first retry back-off (doubled on every retry, capped at `maxRetryBackoff`).
   *
   * @default Duration.seconds(10)
   */
  readonly retryBackoff?: Duration;
  /**
   * The longest retry back-off.
   *
   * @default Duration.minutes(3)
   */
  readonly maxRetryBackoff?: Duration;
  /**
   * The sync wave of the ApplicationSet in the bootstrap directory.
   *
   * @default - SyncWave.TENANT_APPS for tenants, SyncWave.POLICIES otherwise
   */
  readonly wave?: number;
}

/**
 * An Argo CD `ApplicationSet` over the rendered tree: git directory generators derived from the
 * `GitOpsLayout`, one Application per `<environment>/<owner>` directory.
 *
 * Each generator lists literal directories and carries the project, namespace and cluster of its
 * directories as literal `values`, so a directory can only ever land in its own AppProject (the
 * Argo CD docs warn that a project templated from repository content lets whoever writes the
 * repository pick the project). Applications sync automatically with prune and self-heal,
 * `CreateNamespace=false` (the platform's tenancy component creates namespaces), and retry with
 * exponential back-off.
 */
export class PlatformApplicationSet extends Construct {
  /** The ApplicationSet name. */
  public readonly applicationSetName: string;
  /** The directories it covers, in generator order. */
  public readonly directories: LayoutDirectory[];
  /** Its sync wave. */
  public readonly wave: number;
  /** Whether progressive sync is on. */
  public readonly progressiveSync: boolean;
  /** Whether server-side apply is on. */
  public readonly serverSideApply: boolean;
  /** Whether resources survive deleting the ApplicationSet. */
  public readonly preserveResourcesOnDeletion: boolean;

  constructor(scope: Construct, id: string, props: PlatformApplicationSetProps) {
    super(scope, id);
    checkProps('gitops.PlatformApplicationSetProps', props, 'props', this);
    const layout = props.layout;
    const selection = props.selection ?? LayoutSelection.ALL;
    this.applicationSetName = Names.validateDns1123Label('name', props.name ?? defaultName(selection), this);
    this.wave = props.wave ?? (selection === LayoutSelection.TENANTS ? SyncWave.TENANT_APPS : SyncWave.POLICIES);
    if (!Number.isInteger(this.wave)) {
      throw new ValidationError('wave', 'must be an integer', this.wave, 'use a SyncWave constant or an integer', this);
    }
    this.progressiveSync = props.progressiveSync ?? false;
    this.serverSideApply = props.serverSideApply ?? false;
    this.preserveResourcesOnDeletion = props.preserveResourcesOnDeletion ?? true;
    const retryLimit = props.retryLimit ?? 5;
    if (!Number.isInteger(retryLimit) || retryLimit < 1 || retryLimit > 20) {
      throw new ValidationError('retryLimit', 'must be an integer between 1 and 20', retryLimit, 'retry a failed sync a few times, e.g. 5', this);
    }
    const backoff = props.retryBackoff ?? Duration.seconds(10);
    const maxBackoff = props.maxRetryBackoff ?? Duration.minutes(3);
    if (backoff.toSeconds() < 1 || maxBackoff.toSeconds() < backoff.toSeconds()) {
      throw new ValidationError('maxRetryBackoff', "must be at least 'retryBackoff' (and 'retryBackoff' at least 1s)", goDuration(maxBackoff), 'raise maxRetryBackoff or lower retryBackoff', this);
    }

    const environments = props.environments ?? layout.environmentNames();
    if (environments.length === 0) {
      throw new ValidationError('environments', 'must list at least one environment', environments, `use some of ${layout.environmentNames().join(', ')}`, this);
    }
    environments.forEach((e) => layout.environment(e));
    if (new Set(environments).size !== environments.length) {
      throw new ValidationError('environments', 'must not repeat an environment', environments, 'list each environment once', this);
    }
    if (this.progressiveSync && environments.length < 2) {
      throw new ValidationError('progressiveSync', 'needs at least two environments to roll out across', environments, "cover more environments or turn 'progressiveSync' off", this);
    }

    const wanted = (d: LayoutDirectory) => d.environment !== undefined && environments.includes(d.environment) && (
      selection === LayoutSelection.ALL ? d.ownerKind !== LayoutOwnerKind.BOOTSTRAP
        : selection === LayoutSelection.TENANTS ? d.ownerKind === LayoutOwnerKind.TENANT
          : d.ownerKind === LayoutOwnerKind.PLATFORM_COMPONENT);
    const byEnvironment = new Map(environments.map((e) => [e, [] as LayoutDirectory[]]));
    for (const d of layout.directories().filter(wanted)) byEnvironment.get(d.environment!)!.push(d);
    this.directories = environments.flatMap((e) => byEnvironment.get(e)!);
    if (this.directories.length === 0) {
      throw new ValidationError('selection', 'covers no directory of the layout', selection,
        "add tenants or platform components to the layout, or pick another 'selection'", this);
    }
    for (const d of this.directories) claimDirectory(this, d.path, `ApplicationSet '${this.applicationSetName}'`);
    // one template: every covered environment targets its cluster the same way (by server or by Argo CD name)
    const byName = environments.map((e) => layout.environment(e).clusterName !== undefined);
    if (byName.some((b) => b !== byName[0])) {
      throw new ValidationError('environments', "must all target their clusters the same way (all by 'server' or all by 'clusterName')", environments,
        'cover the environments of each kind with their own ApplicationSet', this);
    }

    // One generator per environment, project and namespace: literal values, literal directories.
    const generators: any[] = [];
    for (const env of environments) {
      const groups = new Map<string, LayoutDirectory[]>();
      for (const d of byEnvironment.get(env)!) {
        const key = `${d.project}\u0000${d.namespace}`;
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key)!.push(d);
      }
      for (const dirs of groups.values()) {
        const first = dirs[0];
        generators.push({
          git: {
            repoURL: layout.repoUrl,
            revision: layout.targetRevision,
            directories: dirs.map((d) => ({ path: d.path })),
            values: {
              environment: env,
              project: first.project,
              namespace: first.namespace,
              ...(first.clusterName ? { cluster: first.clusterName } : { server: first.server }),
              ownerKind: first.ownerKind,
            },
          },
        });
      }
    }

    const syncOptions = ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true'];
    if (this.serverSideApply) syncOptions.push('ServerSideApply=true');

    const spec: any = {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators,
      template: {
        metadata: {
          name: '{{.values.environment}}-{{.path.basename}}',
          labels: {
            [PlatformLabels.ENVIRONMENT]: '{{.values.environment}}',
            [PlatformLabels.COMPONENT]: '{{.values.ownerKind}}',
            [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
          },
          finalizers: [RESOURCES_FINALIZER],
        },
        spec: {
          project: '{{.values.project}}',
          source: {
            repoURL: layout.repoUrl,
            targetRevision: layout.targetRevision,
            path: '{{.path.path}}',
            directory: { recurse: false },
          },
          destination: byName[0]
            ? { name: '{{.values.cluster}}', namespace: '{{.values.namespace}}' }
            : { server: '{{.values.server}}', namespace: '{{.values.namespace}}' },
          syncPolicy: {
            automated: { prune: true, selfHeal: true, allowEmpty: false },
            syncOptions,
            retry: {
              limit: retryLimit,
              backoff: { duration: goDuration(backoff), factor: 2, maxDuration: goDuration(maxBackoff) },
            },
          },
        },
      },
      syncPolicy: { preserveResourcesOnDeletion: this.preserveResourcesOnDeletion },
    };
    if (this.progressiveSync) {
      spec.strategy = {
        type: 'RollingSync',
        rollingSync: {
          steps: environments.map((e) => ({
            matchExpressions: [{ key: PlatformLabels.ENVIRONMENT, operator: 'In', values: [e] }],
          })),
        },
      };
    }

    new ApiObject(this, 'Resource', {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'ApplicationSet',
      metadata: {
        name: this.applicationSetName,
        namespace: layout.argocdNamespace,
        labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(this.wave) },
      },
      spec,
    } as any);
  }
}

function defaultName(selection: LayoutSelection): string {
  switch (selection) {
    case LayoutSelection.TENANTS: return 'tenants';
    case LayoutSelection.PLATFORM_COMPONENTS: return 'platform-components';
    default: return 'llm-platform';
  }
}
