import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { GitOpsLayout } from './gitops-layout';
import { PlatformProject } from './platform-project';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { ARGOCD_API_VERSION, argocdConfigMap, IN_CLUSTER_SERVER } from './private/argocd';
import { claimDirectory } from './private/claims';
import { checkProps } from '../core/private/runtime-types';

/**
 * The Argo CD health check of `argoproj.io/Application` that sync waves of an app of apps depend on.
 *
 * Argo CD removed the health assessment of Applications in 1.8; without it, a parent Application
 * considers each child healthy as soon as it exists, so every wave of the bootstrap directory is
 * applied at once and nothing waits for CRDs, webhooks or namespaces. The Argo CD documentation
 * (argoproj/argo-cd v3.5.1 `docs/operator-manual/health.md`, "Argocd App") restores it with this
 * resource customization in the `argocd-cm` ConfigMap.
 */
export class ArgoCdHealthCheck {
  /** The `argocd-cm` key. */
  public static readonly CONFIG_KEY = 'resource.customizations.health.argoproj.io_Application';

  /** The Lua health check, verbatim from the Argo CD documentation. */
  public static readonly APPLICATION_HEALTH_LUA = [
    'hs = {}',
    'hs.status = "Progressing"',
    'hs.message = ""',
    'if obj.status ~= nil then',
    '  if obj.status.health ~= nil then',
    '    hs.status = obj.status.health.status',
    '    if obj.status.health.message ~= nil then',
    '      hs.message = obj.status.health.message',
    '    end',
    '  end',
    'end',
    'return hs',
    '',
  ].join('\n');

  private constructor() {}
}

/**
 * Properties of `BootstrapApplication`.
 */
export interface BootstrapApplicationProps {
  /** The GitOps layout (repository, revision, bootstrap directory, Argo CD namespace). */
  readonly layout: GitOpsLayout;
  /** The platform AppProject (the root syncs the bootstrap directory through it). */
  readonly project: PlatformProject;
  /**
   * The root Application's name.
   *
   * @default 'bootstrap'
   */
  readonly name?: string;
  /**
   * Also write the Application health check into Argo CD's `argocd-cm`: a partial ConfigMap with
   * the one key `ArgoCdHealthCheck.CONFIG_KEY`, server-side applied (so Argo CD owns that key only
   * and leaves every other key of `argocd-cm` alone), never pruned, in the first wave
   * (`SyncWave.ARGOCD_CONFIG`). Turn it off when Argo CD's configuration is managed elsewhere, and set
   * the key there (e.g. the argo-cd Helm chart's `configs.cm`): the waves order nothing without it.
   *
   * @default true
   */
  readonly applicationHealthCheck?: boolean;
}

/**
 * The root ("app of apps") Application of the bootstrap directory: it syncs the AppProjects,
 * add-on Applications, platform component Applications and ApplicationSets the library writes there,
 * wave by wave (`SyncWave`), from an empty cluster. Argo CD orders Applications only as the children of
 * a parent Application, and waits for a wave only with the Application health check
 * (`ArgoCdHealthCheck`); this construct emits both.
 *
 * It lives in the bootstrap directory it syncs: apply it once (`kubectl apply -n argocd -f
 * <bootstrap>/Application.bootstrap.k8s.yaml`), then it manages itself and everything else. It has no
 * cascade finalizer: deleting it leaves the platform running.
 */
export class BootstrapApplication extends Construct {
  /** The root Application's name. */
  public readonly applicationName: string;
  /** Whether the health check is written into `argocd-cm`. */
  public readonly applicationHealthCheck: boolean;

  constructor(scope: Construct, id: string, props: BootstrapApplicationProps) {
    super(scope, id);
    checkProps('gitops.BootstrapApplicationProps', props, 'props', this);
    const layout = props.layout;
    this.applicationName = Names.validateDns1123Label('name', props.name ?? 'bootstrap', this);
    this.applicationHealthCheck = props.applicationHealthCheck ?? true;
    const directory = layout.bootstrapDirectory();
    // the platform project always allows the Argo CD namespace of the cluster Argo CD runs in
    claimDirectory(this, directory, `Application '${this.applicationName}'`);

    new ApiObject(this, 'Resource', {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'Application',
      metadata: {
        name: this.applicationName,
        namespace: layout.argocdNamespace,
        labels: {
          [PlatformLabels.COMPONENT]: 'bootstrap',
          [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
        },
      },
      spec: {
        project: props.project.projectName,
        source: {
          repoURL: layout.repoUrl,
          targetRevision: layout.targetRevision,
          path: directory,
          directory: { recurse: false },
        },
        destination: { server: IN_CLUSTER_SERVER, namespace: layout.argocdNamespace },
        syncPolicy: {
          automated: { prune: true, selfHeal: true, allowEmpty: false },
          syncOptions: ['CreateNamespace=false', 'PruneLast=true'],
          retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      },
    } as any);

    if (this.applicationHealthCheck) {
      new ApiObject(this, 'HealthCheck', argocdConfigMap('argocd-cm', layout.argocdNamespace, {
        [ArgoCdHealthCheck.CONFIG_KEY]: ArgoCdHealthCheck.APPLICATION_HEALTH_LUA,
      }));
    }
  }
}
