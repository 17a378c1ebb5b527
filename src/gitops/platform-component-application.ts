import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GitOpsLayout } from './gitops-layout';
import { PlatformProject } from './platform-project';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { ARGOCD_API_VERSION, SYNC_WAVE_ANNOTATION } from './private/argocd';
import { claimDirectory } from './private/claims';
import { SyncWave } from './sync-wave';
import { checkProps } from '../core/private/runtime-types';

/**
 * Properties of `PlatformComponentApplication`.
 */
export interface PlatformComponentApplicationProps {
  /** The GitOps layout. */
  readonly layout: GitOpsLayout;
  /** The platform AppProject. */
  readonly project: PlatformProject;
  /** The environment. */
  readonly environment: string;
  /** The platform component (a platform component of the layout). */
  readonly component: string;
  /**
   * Its sync wave in the bootstrap directory.
   *
   * @default SyncWave.PLATFORM_COMPONENTS
   */
  readonly wave?: number;
  /**
   * Sync with server-side apply (large objects such as policies and CRD-sized ConfigMaps).
   *
   * @default true
   */
  readonly serverSideApply?: boolean;
}

/**
 * One platform component of one environment (`<environment>/<component>`) as its own Argo CD
 * Application in the bootstrap directory, with a sync wave: unlike the Applications an ApplicationSet
 * generates, the root Application (`BootstrapApplication`) orders these and waits for each to be
 * healthy. The platform uses it so that tenancy (namespaces, among them the policy parameters')
 * syncs before the policies, and the policies before the components whose pods they admit.
 *
 * Same sync settings as `PlatformApplicationSet`'s Applications: automated with prune and
 * self-heal, `CreateNamespace=false`, foreground prune propagation, retries with back-off. No cascade
 * finalizer: deleting the Application (or dropping it from the bootstrap directory) leaves the
 * component's namespaces, quotas and policies in place, as the ApplicationSet's
 * `preserveResourcesOnDeletion` did.
 */
export class PlatformComponentApplication extends Construct {
  /** The Application name (`<environment>-<component>`). */
  public readonly applicationName: string;
  /** Its sync wave. */
  public readonly wave: number;
  /** The directory it syncs. */
  public readonly directory: string;

  constructor(scope: Construct, id: string, props: PlatformComponentApplicationProps) {
    super(scope, id);
    checkProps('gitops.PlatformComponentApplicationProps', props, 'props', this);
    const layout = props.layout;
    const env = layout.environment(props.environment);
    const component = layout.platformComponent(props.component);
    this.wave = props.wave ?? SyncWave.PLATFORM_COMPONENTS;
    if (!Number.isInteger(this.wave)) {
      throw new ValidationError('wave', 'must be an integer', this.wave, 'use a SyncWave constant or an integer', this);
    }
    this.directory = layout.platformComponentDirectory(env.name, component.name);
    this.applicationName = Names.joinLabel([env.name, component.name]);
    claimDirectory(this, this.directory, `Application '${this.applicationName}'`);
    props.project.addDestinationNamespace(component.namespace!);
    const syncOptions = ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true'];
    if (props.serverSideApply ?? true) syncOptions.push('ServerSideApply=true');

    new ApiObject(this, 'Resource', {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'Application',
      metadata: {
        name: this.applicationName,
        namespace: layout.argocdNamespace,
        labels: {
          [PlatformLabels.ENVIRONMENT]: env.name,
          [PlatformLabels.COMPONENT]: 'platform-component',
          [PlatformLabels.NAME]: component.name,
          [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
        },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(this.wave) },
      },
      spec: {
        project: props.project.projectName,
        source: {
          repoURL: layout.repoUrl,
          targetRevision: layout.targetRevision,
          path: this.directory,
          directory: { recurse: false },
        },
        destination: { ...layout.destinationOf(env.name), namespace: component.namespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true, allowEmpty: false },
          syncOptions,
          retry: { limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
        },
      },
    } as any);
  }
}
