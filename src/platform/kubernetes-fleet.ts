import * as fs from 'fs';
import { ApiObject, App, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { Fleet, FleetCluster } from './fleet';
import { KubernetesPlatform, PlatformManifest } from './kubernetes-platform';
import { PlatformNames } from './platform-names';
import { PROGRESSIVE_SYNCS_PARAM } from './private/argocd-install';
import { recordsConstructMetadata, writeConstructMetadata } from './private/construct-metadata';
import { writeOwnedTree } from './private/owned-tree';
import { rolloutStages } from './private/rollout';
import { YamlWriter } from './private/yaml-writer';
import { ProblemCollector, ValidationError, ValidationProblem } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { partitionOf } from '../core/private/iam-arns';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { BootstrapApplication } from '../gitops/bootstrap-application';
import { GitOpsLayout } from '../gitops/gitops-layout';
import { LayoutSelection, PlatformApplicationSet } from '../gitops/platform-application-set';
import { PlatformProject } from '../gitops/platform-project';
import { ARGOCD_API_VERSION, argocdConfigMap, IN_CLUSTER_SERVER, SYNC_WAVE_ANNOTATION } from '../gitops/private/argocd';
import { SyncWave } from '../gitops/sync-wave';

/**
 * Properties of `KubernetesFleet`.
 */
export interface KubernetesFleetProps {
  /** The resolved fleet. */
  readonly fleet: Fleet;
}

/** Labels of the fleet's cluster Secrets, which the fleet ApplicationSet's generated Applications carry too. */
export class FleetLabels {
  /** The platform the cluster belongs to (the cluster generator's selector). */
  public static readonly FLEET = 'llm-platform.io/fleet';
  /** The cluster's environment (`staging`, `prod`). */
  public static readonly ENVIRONMENT = PlatformLabels.ENVIRONMENT;
  /** The cluster's AWS region. */
  public static readonly REGION = 'llm-platform.io/region';
  /** The cluster's fleet name. */
  public static readonly CLUSTER = 'llm-platform.io/cluster';
  /** What a generated Application syncs: `platform` (the cluster's root) or `tenant`. */
  public static readonly ROLE = 'llm-platform.io/fleet-role';

  private constructor() {}
}

/** The hub's directory, AppProject, root Application and ApplicationSet name. */
const HUB = 'fleet';

/**
 * The Kubernetes side of a fleet: one GitOps tree for all its clusters, reconciled by one Argo CD (the hub).
 *
 * ```
 * fleet/                       the hub: cluster Secrets, AppProject `fleet`, the fleet ApplicationSet, argocd-cm,
 *                              argocd-cmd-params-cm, the root Application `fleet` (kubectl apply -f fleet/ once)
 * <cluster>/argocd/            the cluster's AppProjects, add-on and platform-component Applications
 * <cluster>/<component>/       tenancy, gpu, policies, mesh, observability
 * <cluster>/<tenant>/          the tenant's workloads
 * ```
 *
 * - Every cluster is registered with the hub by an Argo CD cluster Secret (`awsAuthConfig`: the hub's Argo CD, with
 *   its Pod Identity, assumes the cluster's `<cluster>-argocd-spoke` role, which the cluster's EKS access entry
 *   maps to cluster admin; `AwsFleet` creates both roles, the associations and the access entries: no long-lived
 *   token). A cluster is registered once its `apiServer` is in the spec; the hub reaches its own cluster in-cluster.
 * - One ApplicationSet (cluster generators, matrixed with git directories for the tenants) makes, per registered
 *   cluster, its root Application (`<cluster>-platform`: the cluster's `argocd/` directory, app of apps in sync
 *   waves) and one Application per tenant (`<cluster>-<tenant>`). A new cluster is a spec change.
 * - Progressive sync (`RollingSync`): the first environment's clusters, then each later environment region by
 *   region; in each, the clusters' platform before their tenants. A step starts when every Application of the
 *   previous one is Healthy (the roots' health includes their children's, by the Application health check in
 *   argocd-cm).
 *
 * Write it with `fleet.synth(outdir)`: each cluster passes the same synth-time checks as a single platform
 * (policies, twin, with what the hub applies for it), and nothing is written over another platform's tree.
 */
export class KubernetesFleet extends Construct {
  /** The hub's directory in the repository. */
  public static readonly HUB_DIRECTORY = HUB;

  /** The clusters' platforms, in promotion order. */
  public readonly platforms: KubernetesPlatform[];
  /** The fleet. */
  public readonly fleet: Fleet;
  /** The hub's chart (written to `fleet/`). */
  public readonly hubChart: Chart;
  private readonly byCluster = new Map<string, KubernetesPlatform>();
  private readonly hubLayout: GitOpsLayout;
  private readonly hubConstructPaths = new WeakMap<object, string>();
  private writing = false;

  constructor(scope: Construct, id: string, props: KubernetesFleetProps) {
    super(scope, id);
    checkProps('platform.KubernetesFleetProps', props, 'props', this);
    const fleet = props.fleet;
    this.fleet = fleet;
    const clash = fleet.clusters.find((c) => c.name === HUB);
    if (clash) {
      throw new ValidationError('fleet', `has a cluster named '${HUB}', the hub's directory`, clash.name, "give the cluster another 'name'", this);
    }
    // the hub's AppProjects of a cluster are named `<cluster>-platform` and `<cluster>-<tenant>` (DNS-1123 labels)
    for (const c of fleet.clusters) {
      const long = ['platform', ...fleet.spec.platform.tenants.map((t) => t.name)].map((x) => `${c.name}-${x}`).find((n) => n.length > 63);
      if (long) {
        throw new ValidationError('fleet', `gives cluster '${c.name}' the AppProject name '${long}', longer than 63 characters`, c.name,
          "shorten the cluster's 'name' (or the tenant's)", this);
      }
    }
    this.node.addValidation({
      validate: () => (this.writing ? [] : ["write the fleet with 'fleet.synth()' (one GitOps tree for every cluster), not 'app.synth()'"]),
    });
    this.platforms = fleet.clusters.map((cluster) => {
      const platform = new KubernetesPlatform(this, cluster.name, { spec: cluster.spec, hubManaged: true });
      this.byCluster.set(cluster.name, platform);
      return platform;
    });

    const gitops = fleet.spec.platform.gitops;
    this.hubLayout = new GitOpsLayout({
      repoUrl: gitops.repoUrl,
      targetRevision: gitops.targetRevision,
      // the clusters' roots target the hub by its cluster Secret's name; the root of fleet/ by its in-cluster server
      environments: [{ name: fleet.hub.name, clusterName: fleet.hub.name }],
      bootstrapDirectoryName: HUB,
      platformProjectName: HUB,
    });
    this.hubChart = new Chart(this, 'hub', { disableResourceNameHashes: true });
    this.renderHub();
  }

  /**
   * The platform of one cluster.
   *
   * @param cluster the cluster's fleet name
   */
  public platformOf(cluster: string): KubernetesPlatform {
    checkArgs('platform.KubernetesFleet#platformOf', [cluster], this);
    const platform = this.byCluster.get(cluster);
    if (!platform) {
      throw new ValidationError('cluster', 'is not a cluster of the fleet', cluster, `use one of: ${[...this.byCluster.keys()].join(', ')}`, this);
    }
    return platform;
  }

  /**
   * Every object of the tree with the file it is written to, sorted by path: the hub's (`fleet/...`) and each
   * cluster's (`<cluster>/...`).
   */
  public manifests(): PlatformManifest[] {
    this.writing = true;
    let hub: PlatformManifest[];
    try {
      const errors = this.hubChart.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
      if (errors.length > 0) throw new ValidationError('fleet', 'failed construct validation', errors.join('; '), 'fix the problems listed', this);
      hub = this.hubObjects().map((o: any) => ({ path: `${HUB}/${fileName(o)}.k8s.yaml`, directory: HUB, resource: o }));
    } finally {
      this.writing = false;
    }
    const all = [...hub, ...this.platforms.flatMap((p) => p.manifests())];
    return all.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * What the hub applies for one cluster, as that cluster's twin sees it: its root Application, its components'
   * and its tenants' Applications as the fleet ApplicationSet generates them, ordered as RollingSync orders them
   * (each step starts when the previous one is Healthy, which is what sync waves under a root with the Application
   * health check do: the components at their waves, the tenants as an ApplicationSet after every other wave), and
   * the hub's argocd-cm. Not written.
   *
   * @param cluster the cluster's fleet name
   */
  public hubContextOf(cluster: string): PlatformManifest[] {
    checkArgs('platform.KubernetesFleet#hubContextOf', [cluster], this);
    const platform = this.platformOf(cluster);
    const c = this.fleet.cluster(cluster);
    const bootstrap = platform.layout.bootstrapDirectory();
    const app = new App();
    const chart = new Chart(app, 'context', { disableResourceNameHashes: true });
    new ApiObject(chart, 'Root', this.generatedApplication(c, ROOT_PARAMS(this.fleet.hub.name, this.hubLayout.argocdNamespace, bootstrap)) as any);
    // the components' Applications as generated, their RollingSync step order as the sync waves a root would give them
    for (const component of PlatformNames.COMPONENTS) {
      const values = Object.fromEntries(Object.entries(COMPONENT_VALUES(component)).map(([k, v]) => [k, v.split('{{.name}}').join(c.name)]));
      const generated = this.generatedApplication(c, values);
      generated.metadata.annotations = { [SYNC_WAVE_ANNOTATION]: String(KubernetesPlatform.componentWave(component)) };
      new ApiObject(chart, `Component-${component}`, generated);
    }
    new PlatformApplicationSet(chart, 'Tenants', {
      layout: platform.layout,
      selection: LayoutSelection.TENANTS,
      name: `${c.name}-tenants`,
      wave: SyncWave.TENANT_APPS,
    });
    const cm = this.hubObjects().find((o: any) => o.kind === 'ConfigMap' && o.metadata?.name === 'argocd-cm');
    return [
      ...chart.toJson().map((o: any) => ({ path: `${bootstrap}/${fileName(o)}.k8s.yaml`, directory: bootstrap, resource: o })),
      ...(cm ? [{ path: `${bootstrap}/ConfigMap.argocd-cm.k8s.yaml`, directory: bootstrap, resource: cm }] : []),
    ];
  }

  /**
   * The synth-time checks of every cluster (`KubernetesPlatform.verify`, with what the hub applies for it); each
   * problem names its cluster. Empty when the fleet is consistent.
   */
  public verify(manifests?: PlatformManifest[]): ValidationProblem[] {
    checkArgs('platform.KubernetesFleet#verify', [manifests], this);
    const all = manifests ?? this.manifests();
    const problems: ValidationProblem[] = [];
    for (const platform of this.platforms) {
      const cluster = platform.node.id;
      platform._useHubContext(this.hubContextOf(cluster));
      const own = all.filter((m) => m.path.startsWith(`${cluster}/`));
      for (const p of platform.verify(own)) problems.push({ ...p, problem: `${p.problem} (cluster '${cluster}')` });
    }
    // the hub's own objects are admitted by its cluster's policy set
    const hub = this.platformOf(this.fleet.hub.name);
    for (const v of hub.evaluatePolicies(all.filter((m) => m.directory === HUB)).errors) {
      problems.push({
        prop: `hub[${v.kind} ${v.namespace}/${v.name}]`,
        problem: `violates ${v.ruleId} (${v.title}): ${v.message} (cluster '${this.fleet.hub.name}')`,
        value: `${v.kind} ${v.namespace}/${v.name}`,
        fix: `fix the object, or add a policy exception for ${v.ruleId} to 'policy.exceptions'`,
      });
    }
    return problems;
  }

  /**
   * Write the fleet's GitOps tree under `outdir` after the synth-time checks (any problem throws one
   * ValidationError listing all of them). Refuses to write over another platform's or fleet's tree; removes the
   * files of its previous run that this one does not write.
   *
   * @param outdir the local checkout of the GitOps repository
   * @default - the App's outdir
   * @returns the files written, relative to `outdir`, sorted
   */
  public synth(outdir?: string): string[] {
    checkArgs('platform.KubernetesFleet#synth', [outdir], this);
    const dir = outdir ?? (App.of(this) as App).outdir;
    const all = this.manifests();
    const problems = this.verify(all);
    if (problems.length > 0) {
      const collector = new ProblemCollector(this);
      for (const p of problems) collector.addProblem(p);
      collector.throwIfAny();
    }
    const yaml = new YamlWriter();
    yaml.prepare(all.map((m) => m.resource));
    const byPath = new Map(all.map((m) => [m.path, m.resource]));
    writeOwnedTree(this, dir, `fleet '${this.fleet.spec.platform.name}'`, all.map((m) => m.path),
      (target, file) => fs.writeFileSync(target, yaml.stringify(byPath.get(file)), { encoding: 'utf8' }));
    // `cdk8s synth` with validations asks for construct metadata: its reports then name each object's construct.
    if (recordsConstructMetadata(App.of(this))) {
      const constructPath = (resource: any) => this.hubConstructPaths.get(resource)
        ?? this.platforms.map((p) => p._constructPathOf(resource)).find((x) => x !== undefined);
      writeConstructMetadata(dir, all.map((m) => ({ resource: m.resource, constructPath: constructPath(m.resource) })));
    }
    return all.map((m) => m.path);
  }

  /** The hub chart's objects as JSON (not `Chart.toJson()`: it validates the whole App, the clusters' charts too). */
  private hubObjects(): any[] {
    return this.hubChart.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject && Chart.of(c) === this.hubChart).map((o) => {
      const json = o.toJson();
      this.hubConstructPaths.set(json, o.node.path);
      return json;
    });
  }

  /** The hub's objects: AppProject, root Application with argocd-cm, cmd params, cluster Secrets, fleet ApplicationSet. */
  private renderHub(): void {
    const fleet = this.fleet;
    const hub = this.hubChart;
    const layout = this.hubLayout;
    const project = new PlatformProject(hub, 'Project', { layout });
    project.allowObjectsOf(hub);
    new BootstrapApplication(hub, 'Root', { layout, project, name: HUB });
    if (fleet.progressiveSync) {
      // Argo CD v3.5.1 docs/operator-manual/applicationset/Progressive-Syncs.md "Enabling Progressive Syncs"; the
      // controller reads argocd-cmd-params-cm at start: restart it once after the first sync of fleet/.
      new ApiObject(hub, 'CmdParams', argocdConfigMap('argocd-cmd-params-cm', layout.argocdNamespace, {
        [PROGRESSIVE_SYNCS_PARAM]: 'true',
      }));
    }
    for (const c of fleet.clusters) {
      if (!c.hub && !c.apiServer) continue;
      new ApiObject(hub, `Cluster-${c.name}`, this.clusterSecret(c));
    }
    new ApiObject(hub, 'ApplicationSet', this.applicationSet() as any);
  }

  /** The Argo CD cluster Secret that registers a cluster with the hub (declarative setup, "EKS"). */
  private clusterSecret(c: FleetCluster): any {
    const names = new PlatformNames(c.spec);
    const config = c.hub
      ? { tlsClientConfig: { insecure: false } }
      : {
        awsAuthConfig: { clusterName: names.clusterName, roleARN: `arn:${partitionOf(c.region)}:iam::${c.accountId}:role/${names.argocdSpokeRole}` },
        tlsClientConfig: { insecure: false, caData: c.apiServer!.certificateAuthorityData },
      };
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `cluster-${c.name}`,
        namespace: this.hubLayout.argocdNamespace,
        labels: {
          'argocd.argoproj.io/secret-type': 'cluster',
          [FleetLabels.FLEET]: this.fleet.spec.platform.name,
          [FleetLabels.ENVIRONMENT]: c.environment,
          [FleetLabels.REGION]: c.region,
          [FleetLabels.CLUSTER]: c.name,
          [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
        },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(SyncWave.PROJECTS) },
      },
      type: 'Opaque',
      // no credential: the hub's Pod Identity assumes the spoke role; the CA certificate is public
      stringData: {
        name: c.name,
        server: c.hub ? IN_CLUSTER_SERVER : c.apiServer!.url.replace(/\/$/, ''),
        config: JSON.stringify(config),
      },
    };
  }

  /** The fleet ApplicationSet: per registered cluster its root and its tenants, rolled out stage by stage. */
  private applicationSet(): any {
    const fleet = this.fleet;
    const layout = this.hubLayout;
    const selector = { matchLabels: { [FleetLabels.FLEET]: fleet.spec.platform.name } };
    const hubName = fleet.hub.name;
    const generators: any[] = [
      { clusters: { selector, values: ROOT_VALUES(hubName, layout.argocdNamespace) } },
    ];
    // the platform components and the tenants: literal directories under each cluster (a repository writer cannot
    // add one), literal projects
    const matrix = (values: { [key: string]: string }) => ({
      matrix: {
        generators: [
          { clusters: { selector, values } },
          { git: { repoURL: layout.repoUrl, revision: layout.targetRevision, directories: [{ path: values.path }] } },
        ],
      },
    });
    for (const c of PlatformNames.COMPONENTS) generators.push(matrix(COMPONENT_VALUES(c)));
    for (const t of fleet.spec.platform.tenants.map((x) => x.name)) generators.push(matrix(TENANT_VALUES(t)));
    const spec: any = {
      goTemplate: true,
      goTemplateOptions: ['missingkey=error'],
      generators,
      template: this.template({
        cluster: '{{.name}}',
        environment: `{{index .metadata.labels "${FleetLabels.ENVIRONMENT}"}}`,
        region: `{{index .metadata.labels "${FleetLabels.REGION}"}}`,
        app: '{{.values.app}}',
        role: '{{.values.role}}',
        path: '{{.values.path}}',
        project: '{{.values.project}}',
        destination: '{{.values.destination}}',
        namespace: '{{.values.namespace}}',
        serverSideApply: '{{.values.serverSideApply}}',
      }),
      // deleting the ApplicationSet (or a cluster Secret) leaves what runs on the clusters in place
      syncPolicy: { preserveResourcesOnDeletion: true },
    };
    if (fleet.progressiveSync) {
      spec.strategy = {
        type: 'RollingSync',
        rollingSync: {
          steps: rolloutStages(fleet.clusters).flatMap(({ environment, region }) => ROLLOUT_ORDER.map((role) => ({
            matchExpressions: [
              { key: FleetLabels.ENVIRONMENT, operator: 'In', values: [environment] },
              { key: FleetLabels.REGION, operator: 'In', values: [region] },
              { key: FleetLabels.ROLE, operator: 'In', values: [role] },
            ],
          }))),
        },
      };
    }
    return {
      apiVersion: ARGOCD_API_VERSION,
      kind: 'ApplicationSet',
      metadata: {
        name: HUB,
        namespace: layout.argocdNamespace,
        labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE },
        annotations: { [SYNC_WAVE_ANNOTATION]: String(SyncWave.TENANT_APPS) },
      },
      spec,
    };
  }

  /** The Application the fleet ApplicationSet generates for one cluster and parameter set (for the twin). */
  private generatedApplication(c: FleetCluster, values: { [key: string]: string }): any {
    const template = this.template({
      cluster: c.name,
      environment: c.environment,
      region: c.region,
      app: values.app,
      role: values.role,
      path: values.path,
      project: values.project,
      destination: values.destination,
      namespace: values.namespace,
    });
    return { apiVersion: ARGOCD_API_VERSION, kind: 'Application', metadata: { ...template.metadata, namespace: this.hubLayout.argocdNamespace }, spec: template.spec };
  }

  /** The template of the fleet's Applications (literal values for a generated one, Go templates for the ApplicationSet). */
  private template(p: { [key: string]: string }): any {
    const layout = this.hubLayout;
    return {
      metadata: {
        name: `${p.cluster}-${p.app}`,
        labels: {
          [FleetLabels.ENVIRONMENT]: p.environment,
          [FleetLabels.REGION]: p.region,
          [FleetLabels.CLUSTER]: p.cluster,
          [FleetLabels.ROLE]: p.role,
          [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
        },
      },
      spec: {
        project: p.project,
        source: { repoURL: layout.repoUrl, targetRevision: layout.targetRevision, path: p.path, directory: { recurse: false } },
        destination: { name: p.destination, namespace: p.namespace },
        syncPolicy: {
          // RollingSync syncs the generated Applications itself (and turns their automated sync off)
          automated: this.fleet.progressiveSync ? undefined : { prune: true, selfHeal: true, allowEmpty: false },
          syncOptions: ['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true', `ServerSideApply=${p.serverSideApply}`],
          retry: { limit: 10, backoff: { duration: '10s', factor: 2, maxDuration: '5m' } },
        },
      },
    };
  }
}

/**
 * The order of a stage's Applications (RollingSync steps, label `FleetLabels.ROLE`): each cluster's root (its AppProjects
 * and add-ons, in sync waves), `tenancy`, `policies`, the other components, the tenants: the order of the sync waves
 * of a single platform (every add-on's wave is below `SyncWave.TENANCY`).
 */
const ROLLOUT_ORDER = ['platform', 'tenancy', 'policies', 'components', 'tenant'];

/** The cluster generator values of a cluster's root Application (the cluster's `argocd/`, on the hub). */
function ROOT_VALUES(hub: string, argocdNamespace: string): { [key: string]: string } {
  return { app: 'platform', role: 'platform', path: '{{.name}}/argocd', project: HUB, destination: hub, namespace: argocdNamespace, serverSideApply: 'false' };
}

/** The cluster generator values of a platform component's Application on a cluster (server-side applied: big objects). */
function COMPONENT_VALUES(component: string): { [key: string]: string } {
  const role = component === 'tenancy' || component === 'policies' ? component : 'components';
  return {
    app: component,
    role,
    path: `{{.name}}/${component}`,
    project: '{{.name}}-platform',
    destination: '{{.name}}',
    namespace: GitOpsLayout.DEFAULT_PLATFORM_NAMESPACE,
    serverSideApply: 'true',
  };
}

/** The root's values as the cluster generator renders them for one cluster. */
function ROOT_PARAMS(hub: string, argocdNamespace: string, bootstrap: string): { [key: string]: string } {
  return { ...ROOT_VALUES(hub, argocdNamespace), path: bootstrap };
}

/** The cluster generator values of a tenant's Application on a cluster. */
function TENANT_VALUES(tenant: string): { [key: string]: string } {
  return { app: tenant, role: 'tenant', path: `{{.name}}/${tenant}`, project: `{{.name}}-${tenant}`, destination: '{{.name}}', namespace: tenant, serverSideApply: 'false' };
}

/** cdk8s's file name of an object (`<Kind>.<name>`). */
function fileName(o: any): string {
  return `${o.kind}.${o.metadata?.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
}
