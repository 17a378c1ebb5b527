import * as path from 'path';
import { App, AppProps, Chart, YamlOutputType } from 'cdk8s';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { gitRevisionProblem, IN_CLUSTER_SERVER, isPattern, printable } from './private/argocd';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { KUBERNETES_SYSTEM_NAMESPACES } from '../core/private/system-namespaces';
import { gitUrlProblem } from '../core/private/urls';

/**
 * An environment of the GitOps repository: one top-level directory, one target cluster.
 */
export interface GitOpsEnvironment {
  /**
   * The environment name (DNS-1123 label), e.g. `dev`, `staging`, `prod`. It is the top-level
   * directory and the value of the `llm-platform.io/environment` label on generated Applications.
   */
  readonly name: string;

  /**
   * The API server URL of the cluster this environment deploys to, as registered in Argo CD.
   *
   * @default 'https://kubernetes.default.svc' (the cluster Argo CD runs in)
   */
  readonly server?: string;

  /**
   * The name the cluster is registered under in Argo CD (its cluster Secret's `name`), when one Argo CD (a hub)
   * manages the clusters of several environments: the Applications then target the cluster by name
   * (`destination.name`) and the AppProjects allow it by name. The name is known before the cluster exists; its
   * API server URL is not. Exclusive with `server`.
   *
   * @default - the cluster is targeted by `server`
   */
  readonly clusterName?: string;
}

/**
 * A tenant of the GitOps repository: one directory per environment, synced into its namespaces
 * through its own AppProject.
 */
export interface GitOpsTenant {
  /**
   * The tenant name (DNS-1123 label). It names the tenant's directory and its AppProject.
   */
  readonly name: string;

  /**
   * The namespaces the tenant deploys to. The first one is the default destination namespace of
   * the tenant's Applications.
   *
   * @default - one namespace named after the tenant
   */
  readonly namespaces?: string[];
}

/**
 * A platform component of the GitOps repository (the platform's own charts: tenancy scaffolding,
 * policies, mesh, observability, GPU scheduling). Synced through the platform AppProject.
 */
export interface GitOpsPlatformComponent {
  /**
   * The component name (DNS-1123 label), e.g. `tenancy`, `policies`, `mesh`.
   */
  readonly name: string;

  /**
   * The default destination namespace of the component's Application (objects with their own
   * `metadata.namespace` keep it).
   *
   * @default 'llm-platform-system'
   */
  readonly namespace?: string;
}

/**
 * Properties of `GitOpsLayout`.
 */
export interface GitOpsLayoutProps {
  /**
   * The GitOps repository Argo CD reads (the only source repo tenant projects may use). Must be one
   * literal URL, no pattern.
   */
  readonly repoUrl: string;

  /**
   * The branch, tag or commit Argo CD tracks in the GitOps repository.
   *
   * @default 'main'
   */
  readonly targetRevision?: string;

  /**
   * A folder inside the repository under which the layout lives (e.g. `dist` or `clusters`).
   *
   * @default - the repository root
   */
  readonly rootPath?: string;

  /**
   * The environments, in promotion order (progressive sync rolls out in this order, e.g.
   * `dev`, `staging`, `prod`).
   */
  readonly environments: GitOpsEnvironment[];

  /**
   * The tenants.
   *
   * @default - none
   */
  readonly tenants?: GitOpsTenant[];

  /**
   * The platform components.
   *
   * @default - none
   */
  readonly platformComponents?: GitOpsPlatformComponent[];

  /**
   * The namespace Argo CD runs in (where Applications, ApplicationSets and AppProjects live).
   *
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;

  /**
   * The name of the directory (under `rootPath`) holding the Argo CD objects themselves
   * (AppProjects, ApplicationSets, add-on Applications), applied once to bootstrap Argo CD.
   *
   * @default 'argocd'
   */
  readonly bootstrapDirectoryName?: string;

  /**
   * The name of the AppProject platform components and add-ons sync through.
   *
   * @default 'platform'
   */
  readonly platformProjectName?: string;

  /**
   * The layout is one cluster's share of a repository that a fleet hub's Argo CD reads for several clusters
   * (`platform.KubernetesFleet`): the bootstrap directory moves into the environment's directory
   * (`<environment>/argocd`, so every cluster has its own) and the AppProjects are named after the environment
   * (`<environment>-platform`, `<environment>-<tenant>`), so the projects of all clusters live side by side in the
   * hub's Argo CD namespace. Needs exactly one environment.
   *
   * @default false
   */
  readonly sharedRepository?: boolean;
}

/**
 * Where an Application syncs to: the cluster by API server URL or by its Argo CD name (one of the two).
 */
export interface ArgoCdDestination {
  /**
   * The cluster's API server URL.
   *
   * @default - by name
   */
  readonly server?: string;
  /**
   * The cluster's Argo CD name.
   *
   * @default - by server
   */
  readonly name?: string;
}

/**
 * Who owns a directory of the layout.
 */
export enum LayoutOwnerKind {
  /** A tenant's directory (`<environment>/<tenant>`). */
  TENANT = 'tenant',
  /** A platform component's directory (`<environment>/<component>`). */
  PLATFORM_COMPONENT = 'platform-component',
  /** The bootstrap directory with the Argo CD objects themselves. */
  BOOTSTRAP = 'bootstrap',
}

/**
 * One directory of the layout and everything Argo CD needs to sync it.
 */
export interface LayoutDirectory {
  /** The directory, relative to the repository root, with `/` separators (`dev/search`). */
  readonly path: string;
  /** What owns it. */
  readonly ownerKind: LayoutOwnerKind;
  /** The tenant or platform component name (`argocd` for the bootstrap directory). */
  readonly owner: string;
  /**
   * The environment.
   *
   * @default - none for the bootstrap directory
   */
  readonly environment?: string;
  /** The AppProject that syncs it. */
  readonly project: string;
  /** The default destination namespace. */
  readonly namespace: string;
  /** The destination API server URL (`https://kubernetes.default.svc` for the cluster Argo CD runs in). */
  readonly server: string;
  /**
   * The destination cluster's Argo CD name, when the environment targets its cluster by name (then `server` is
   * not used).
   *
   * @default - targeted by `server`
   */
  readonly clusterName?: string;
}

/**
 * The GitOps repository layout the library writes and Argo CD reads: a typed contract.
 *
 * ```
 * <rootPath>/
 *   argocd/                     AppProjects, ApplicationSets, add-on Applications (bootstrap)
 *   <environment>/
 *     <tenant>/                 one file per resource, synced by the tenant's AppProject
 *     <platform-component>/     one file per resource, synced by the platform AppProject
 * ```
 *
 * Every Argo CD object of this module is generated from the same `GitOpsLayout`, so generator
 * paths, projects and destinations cannot drift from where the charts are written:
 * write each chart with `new App(layout.appProps(outdir, 'dev', 'search'))` and the tenant's
 * ApplicationSet generator points at exactly that directory.
 */
export class GitOpsLayout {
  /** The default destination namespace of platform components. */
  public static readonly DEFAULT_PLATFORM_NAMESPACE = 'llm-platform-system';

  /** The GitOps repository URL. */
  public readonly repoUrl: string;
  /** The tracked revision. */
  public readonly targetRevision: string;
  /** The folder inside the repository (empty string for the root). */
  public readonly rootPath: string;
  /** The environments in promotion order, with defaults resolved. */
  public readonly environments: GitOpsEnvironment[];
  /** The tenants, with defaults resolved. */
  public readonly tenants: GitOpsTenant[];
  /** The platform components, with defaults resolved. */
  public readonly platformComponents: GitOpsPlatformComponent[];
  /** The namespace Argo CD runs in. */
  public readonly argocdNamespace: string;
  /** The bootstrap directory name. */
  public readonly bootstrapDirectoryName: string;
  /** The platform AppProject name. */
  public readonly platformProjectName: string;
  /** Whether the layout is one cluster's share of a fleet repository (`sharedRepository`). */
  public readonly sharedRepository: boolean;

  constructor(props: GitOpsLayoutProps) {
    checkProps('gitops.GitOpsLayoutProps', props, 'props');
    if (typeof props.repoUrl !== 'string' || props.repoUrl.trim() === '' || isPattern(props.repoUrl)) {
      throw new ValidationError('repoUrl', 'must be one literal repository URL', props.repoUrl,
        "set the GitOps repository's clone URL, e.g. 'https://git.example.com/acme/platform-gitops.git'");
    }
    this.repoUrl = props.repoUrl;
    this.targetRevision = props.targetRevision ?? 'main';
    const revision = gitRevisionProblem(this.targetRevision);
    if (revision) throw new ValidationError('targetRevision', revision, printable(this.targetRevision), "set a branch, tag or commit, e.g. 'main'");
    // a clone URL Argo CD can use (the spec validator applies the same check to gitops.repoUrl, issue 17)
    const url = gitUrlProblem(this.repoUrl);
    if (url) throw new ValidationError('repoUrl', url, printable(this.repoUrl), "use e.g. 'https://git.example.com/acme/platform-gitops.git'");
    this.rootPath = normalizeRoot(props.rootPath);
    this.argocdNamespace = Names.validateDns1123Label('argocdNamespace', props.argocdNamespace ?? 'argocd');
    this.bootstrapDirectoryName = Names.validateDns1123Label('bootstrapDirectoryName', props.bootstrapDirectoryName ?? 'argocd');
    this.sharedRepository = props.sharedRepository ?? false;
    if (this.sharedRepository && props.environments?.length !== 1) {
      throw new ValidationError('environments', 'must list exactly one environment in a shared repository (one cluster per layout)', props.environments?.map((e) => e.name),
        "give each cluster its own layout, or turn 'sharedRepository' off");
    }
    // a shared repository's project names start with its environment's: the environment name is checked first
    const sharedPrefix = this.sharedRepository ? `${Names.validateDns1123Label('environments[0].name', props.environments[0].name)}-` : '';
    const projectName = (prop: string, name: string, what: string) => {
      if (sharedPrefix !== '' && `${sharedPrefix}${name}`.length > 63) {
        throw new ValidationError(prop, `makes the AppProject name '${sharedPrefix}${name}' (environment-${what}) longer than 63 characters`, name,
          'shorten the environment (cluster) name or this name');
      }
      return `${sharedPrefix}${name}`;
    };
    this.platformProjectName = Names.validateDns1123Label('platformProjectName', props.platformProjectName ?? projectName('environments[0].name', 'platform', 'platform'));

    if (!props.environments || props.environments.length === 0) {
      throw new ValidationError('environments', 'must list at least one environment', props.environments, "add an environment, e.g. { name: 'dev' }");
    }
    const envNames = new Set<string>();
    this.environments = props.environments.map((e, i) => {
      Names.validateDns1123Label(`environments[${i}].name`, e.name);
      if (envNames.has(e.name)) {
        throw new ValidationError(`environments[${i}].name`, 'must be unique', e.name, 'give each environment its own name');
      }
      if (e.name === this.bootstrapDirectoryName) {
        throw new ValidationError(`environments[${i}].name`, 'must differ from the bootstrap directory name', e.name, "rename the environment or set 'bootstrapDirectoryName'");
      }
      envNames.add(e.name);
      const server = e.server ?? IN_CLUSTER_SERVER;
      if (isPattern(server) || !/^https:\/\/[^\s]+$/.test(server)) {
        throw new ValidationError(`environments[${i}].server`, 'must be one https API server URL', server,
          "use the cluster's API server URL as registered in Argo CD, e.g. 'https://kubernetes.default.svc'");
      }
      if (e.clusterName !== undefined) {
        if (e.server !== undefined) {
          throw new ValidationError(`environments[${i}].clusterName`, "must not be set together with 'server'", e.clusterName, 'target the cluster by name or by server, not both');
        }
        if (typeof e.clusterName !== 'string' || isPattern(e.clusterName) || !/^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/.test(e.clusterName)) {
          throw new ValidationError(`environments[${i}].clusterName`, 'must be one literal cluster name (lower case letters, digits, . and -)', e.clusterName,
            "use the name of the cluster's Argo CD cluster Secret, e.g. 'prod-eu-west-1'");
        }
        return { name: e.name, server, clusterName: e.clusterName };
      }
      return { name: e.name, server };
    });

    const owners = new Map<string, string>();
    // in a shared repository the bootstrap directory sits beside the tenants and components
    if (this.sharedRepository) owners.set(this.bootstrapDirectoryName, `the bootstrap directory '${this.bootstrapDirectoryName}'`);
    const claimOwner = (prop: string, name: string, what: string) => {
      Names.validateDns1123Label(prop, name);
      const previous = owners.get(name);
      if (previous) {
        throw new ValidationError(prop, `names a directory already used by ${previous}`, name, 'give every tenant and platform component a distinct name');
      }
      owners.set(name, `${what} '${name}'`);
    };
    this.tenants = (props.tenants ?? []).map((t, i) => {
      claimOwner(`tenants[${i}].name`, t.name, 'tenant');
      if (projectName(`tenants[${i}].name`, t.name, 'tenant') === this.platformProjectName || t.name === 'default') {
        throw new ValidationError(`tenants[${i}].name`, `must not be '${t.name}' (it names the tenant's AppProject)`, t.name, 'rename the tenant');
      }
      const namespaces = t.namespaces ?? [t.name];
      if (namespaces.length === 0) {
        throw new ValidationError(`tenants[${i}].namespaces`, 'must list at least one namespace', namespaces, 'omit it to use the tenant name, or list the namespaces');
      }
      namespaces.forEach((ns, j) => {
        if (isPattern(ns)) {
          throw new ValidationError(`tenants[${i}].namespaces[${j}]`, 'must be a literal namespace, not a pattern', ns, 'list each namespace of the tenant by name');
        }
        Names.validateDns1123Label(`tenants[${i}].namespaces[${j}]`, ns);
        // the tenant's AppProject may deploy there: never Argo CD's own namespace or a system namespace
        const reserved = ns === this.argocdNamespace ? "the Argo CD namespace ('argocdNamespace')"
          : KUBERNETES_SYSTEM_NAMESPACES.includes(ns) ? 'a Kubernetes system namespace' : undefined;
        if (reserved) {
          throw new ValidationError(`tenants[${i}].namespaces[${j}]`, `must not be ${reserved}`, ns, 'give the tenant namespaces of its own');
        }
      });
      return { name: t.name, namespaces: [...namespaces] };
    });
    this.platformComponents = (props.platformComponents ?? []).map((c, i) => {
      claimOwner(`platformComponents[${i}].name`, c.name, 'platform component');
      const namespace = Names.validateDns1123Label(`platformComponents[${i}].namespace`, c.namespace ?? GitOpsLayout.DEFAULT_PLATFORM_NAMESPACE);
      return { name: c.name, namespace };
    });
  }

  /** The environment names in promotion order. */
  public environmentNames(): string[] {
    return this.environments.map((e) => e.name);
  }

  /** The environment named `name` (ValidationError when it is not in the layout). */
  public environment(name: string): GitOpsEnvironment {
    checkArgs('gitops.GitOpsLayout#environment', [name]);
    const env = this.environments.find((e) => e.name === name);
    if (!env) {
      throw new ValidationError('environment', 'is not an environment of the layout', name, `use one of ${this.environmentNames().join(', ')} or add it to 'environments'`);
    }
    return env;
  }

  /** The tenant named `name` (ValidationError when it is not in the layout). */
  public tenant(name: string): GitOpsTenant {
    checkArgs('gitops.GitOpsLayout#tenant', [name]);
    const t = this.tenants.find((x) => x.name === name);
    if (!t) {
      throw new ValidationError('tenant', 'is not a tenant of the layout', name,
        `use one of ${this.tenants.map((x) => x.name).join(', ') || '(none)'} or add it to 'tenants'`);
    }
    return t;
  }

  /** The platform component named `name` (ValidationError when it is not in the layout). */
  public platformComponent(name: string): GitOpsPlatformComponent {
    checkArgs('gitops.GitOpsLayout#platformComponent', [name]);
    const c = this.platformComponents.find((x) => x.name === name);
    if (!c) {
      throw new ValidationError('platformComponent', 'is not a platform component of the layout', name,
        `use one of ${this.platformComponents.map((x) => x.name).join(', ') || '(none)'} or add it to 'platformComponents'`);
    }
    return c;
  }

  /** The directory of an environment (`dev`). */
  public environmentDirectory(environment: string): string {
    checkArgs('gitops.GitOpsLayout#environmentDirectory', [environment]);
    this.environment(environment);
    return this.join(environment);
  }

  /** The directory of a tenant in an environment (`dev/search`). */
  public tenantDirectory(environment: string, tenant: string): string {
    checkArgs('gitops.GitOpsLayout#tenantDirectory', [environment, tenant]);
    this.environment(environment);
    this.tenant(tenant);
    return this.join(environment, tenant);
  }

  /** The directory of a platform component in an environment (`dev/policies`). */
  public platformComponentDirectory(environment: string, component: string): string {
    checkArgs('gitops.GitOpsLayout#platformComponentDirectory', [environment, component]);
    this.environment(environment);
    this.platformComponent(component);
    return this.join(environment, component);
  }

  /** The directory of the Argo CD objects themselves (`argocd`; `<environment>/argocd` in a shared repository). */
  public bootstrapDirectory(): string {
    return this.sharedRepository ? this.join(this.environments[0].name, this.bootstrapDirectoryName) : this.join(this.bootstrapDirectoryName);
  }

  /**
   * The AppProject of a tenant: the tenant's name (`<environment>-<tenant>` in a shared repository).
   */
  public tenantProjectName(tenant: string): string {
    checkArgs('gitops.GitOpsLayout#tenantProjectName', [tenant]);
    this.tenant(tenant);
    return this.sharedRepository ? `${this.environments[0].name}-${tenant}` : tenant;
  }

  /**
   * An Application's destination cluster in an environment: `{ server }`, or `{ name }` when the environment
   * targets its cluster by name.
   */
  public destinationOf(environment: string): ArgoCdDestination {
    checkArgs('gitops.GitOpsLayout#destinationOf', [environment]);
    const env = this.environment(environment);
    return env.clusterName ? { name: env.clusterName } : { server: env.server };
  }

  /**
   * Every directory of the layout: per environment (in promotion order) its platform components,
   * then its tenants (each sorted by name), then the bootstrap directory.
   */
  public directories(): LayoutDirectory[] {
    const out: LayoutDirectory[] = [];
    for (const env of this.environments) {
      for (const c of [...this.platformComponents].sort(byName)) {
        out.push({
          path: this.join(env.name, c.name),
          ownerKind: LayoutOwnerKind.PLATFORM_COMPONENT,
          owner: c.name,
          environment: env.name,
          project: this.platformProjectName,
          namespace: c.namespace!,
          server: env.server!,
          ...(env.clusterName ? { clusterName: env.clusterName } : {}),
        });
      }
      for (const t of [...this.tenants].sort(byName)) {
        out.push({
          path: this.join(env.name, t.name),
          ownerKind: LayoutOwnerKind.TENANT,
          owner: t.name,
          environment: env.name,
          project: this.tenantProjectName(t.name),
          namespace: t.namespaces![0],
          server: env.server!,
          ...(env.clusterName ? { clusterName: env.clusterName } : {}),
        });
      }
    }
    out.push({
      path: this.bootstrapDirectory(),
      ownerKind: LayoutOwnerKind.BOOTSTRAP,
      owner: this.bootstrapDirectoryName,
      project: this.platformProjectName,
      namespace: this.argocdNamespace,
      server: IN_CLUSTER_SERVER,
    });
    return out;
  }

  /**
   * The layout directory at `directory` (relative to the repository root, `/` or OS separators).
   *
   * @returns the directory, or undefined when the path is not a directory of the layout
   */
  public locate(directory: string): LayoutDirectory | undefined {
    checkArgs('gitops.GitOpsLayout#locate', [directory]);
    const wanted = toPosix(directory).replace(/^\.\//, '').replace(/\/+$/, '');
    return this.directories().find((d) => d.path === wanted);
  }

  /**
   * cdk8s `AppProps` that write one file per resource into the directory of `owner` (a tenant or a
   * platform component) in `environment`, under `outdir` (the local checkout of the repository).
   *
   * ```ts
   * const app = new App(layout.appProps('dist', 'dev', 'search'));
   * new SearchWorkloads(app, 'search');
   * app.synth(); // dist/dev/search/Deployment.llama3-8b.k8s.yaml, ...
   * ```
   */
  public appProps(outdir: string, environment: string, owner: string): AppProps {
    checkArgs('gitops.GitOpsLayout#appProps', [outdir, environment, owner]);
    const isTenant = this.tenants.some((t) => t.name === owner);
    const isComponent = this.platformComponents.some((c) => c.name === owner);
    if (!isTenant && !isComponent) {
      throw new ValidationError('owner', 'is neither a tenant nor a platform component of the layout', owner,
        "add it to 'tenants' or 'platformComponents' of the layout");
    }
    const dir = isTenant ? this.tenantDirectory(environment, owner) : this.platformComponentDirectory(environment, owner);
    return { outdir: path.join(outdir, ...dir.split('/')), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE };
  }

  /**
   * cdk8s `AppProps` that write the Argo CD objects into the bootstrap directory under `outdir`.
   */
  public bootstrapAppProps(outdir: string): AppProps {
    checkArgs('gitops.GitOpsLayout#bootstrapAppProps', [outdir]);
    return { outdir: path.join(outdir, ...this.bootstrapDirectory().split('/')), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE };
  }

  /**
   * The layout directory a chart writes to, given the local checkout `outdir` its App writes under.
   * Throws a ValidationError when the chart's App writes outside the layout or not one file per
   * resource.
   */
  public directoryOf(chart: Chart, outdir: string): LayoutDirectory {
    checkArgs('gitops.GitOpsLayout#directoryOf', [chart, outdir]);
    const app = App.of(chart) as App;
    const relative = toPosix(path.relative(path.resolve(outdir), path.resolve(app.outdir)));
    const found = relative.startsWith('..') ? undefined : this.locate(relative);
    if (!found) {
      throw new ValidationError('outdir', 'is outside the GitOps layout', app.outdir,
        `write the chart with 'new App(layout.appProps(outdir, environment, owner))' (a directory of ${this.directories().map((d) => d.path).join(', ')})`);
    }
    if (app.yamlOutputType !== YamlOutputType.FILE_PER_RESOURCE) {
      throw new ValidationError('yamlOutputType', 'must be FILE_PER_RESOURCE in the GitOps layout', YamlOutputType[app.yamlOutputType], "create the App with 'layout.appProps(...)'");
    }
    return found;
  }

  private join(...parts: string[]): string {
    return [this.rootPath, ...parts].filter((p) => p !== '').join('/');
  }
}

function normalizeRoot(root: string | undefined): string {
  if (root === undefined) return '';
  const r = toPosix(root).replace(/^\.?\/+/, '').replace(/\/+$/, '');
  if (r === '.') return '';
  if (r.split('/').some((seg) => seg === '..' || seg === '' || isPattern(seg)) || path.isAbsolute(root)) {
    throw new ValidationError('rootPath', 'must be a relative folder inside the repository', root, "use a relative path without '..' or patterns, e.g. 'dist'");
  }
  return r;
}

function toPosix(p: string): string {
  return p.split(path.sep).join('/');
}

function byName(a: { name: string }, b: { name: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
