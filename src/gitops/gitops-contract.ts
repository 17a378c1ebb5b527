import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { IN_CLUSTER_SERVER } from './private/argocd';
import { ClusterParams, globToRegExp, renderTemplate, TemplateError, TemplateParams } from './private/template';
import { checkArgs } from '../core/private/runtime-types';

/**
 * One way the rendered GitOps tree breaks the contract between the layout, the ApplicationSets and
 * the AppProjects.
 */
export interface GitOpsFinding {
  /**
   * What found it: `yaml`, `generator` (unsupported generator), `generator-path` (a generator path
   * matching no directory), `template` (a template the checker cannot evaluate), `missing-path` (an
   * Application path that does not exist), `uncovered-directory`, `directory-claimed-twice`,
   * `unknown-project`, `source-repo`, `destination`, `cluster-resource`, `namespaced-resource` or
   * `object-namespace`.
   */
  readonly check: string;
  /** What is wrong. */
  readonly message: string;
  /**
   * The directory concerned (relative to the checked root).
   *
   * @default - none
   */
  readonly directory?: string;
  /**
   * The Application concerned.
   *
   * @default - none
   */
  readonly application?: string;
}

/**
 * An Application the checker found or expanded from an ApplicationSet.
 */
export interface VerifiedApplication {
  /** The Application name. */
  readonly name: string;
  /** Its AppProject. */
  readonly project: string;
  /** Where it came from: `ApplicationSet/<name>` or `Application`. */
  readonly origin: string;
  /**
   * The directory of the tree it syncs.
   *
   * @default - none (a Helm chart, or a directory of another repository such as an add-on's upstream kustomization)
   */
  readonly path?: string;
  /**
   * The Helm chart it installs.
   *
   * @default - none (a directory source)
   */
  readonly chart?: string;
  /** The destination namespace. */
  readonly namespace: string;
  /** How many objects of the tree it syncs. */
  readonly objectCount: number;
}

/**
 * The result of `GitOpsContract.verify`.
 */
export class GitOpsContractReport {
  /** Every finding. */
  public readonly findings: GitOpsFinding[];
  /** Every Application, found or expanded, sorted by name. */
  public readonly applications: VerifiedApplication[];
  /** Every directory holding manifests, sorted. */
  public readonly directories: string[];

  constructor(findings: GitOpsFinding[], applications: VerifiedApplication[], directories: string[]) {
    checkArgs('gitops.GitOpsContractReport#new', [findings, applications, directories]);
    this.findings = findings;
    this.applications = applications;
    this.directories = directories;
  }

  /** Whether the tree honours the contract. */
  public get ok(): boolean {
    return this.findings.length === 0;
  }

  /** A readable report, one line per finding. */
  public toString(): string {
    if (this.ok) return `GitOps contract holds: ${this.applications.length} applications over ${this.directories.length} directories`;
    return `${this.findings.length} GitOps contract problem(s):\n${this.findings.map((f) =>
      `  - [${f.check}]${f.application ? ` ${f.application}` : ''}${f.directory ? ` (${f.directory})` : ''}: ${f.message}`).join('\n')}`;
  }
}

interface Manifest { readonly file: string; readonly directory: string; readonly object: any }

interface App {
  readonly name: string;
  readonly origin: string;
  readonly spec: any;
}

/**
 * Checks a rendered GitOps tree (the checkout Argo CD reads) against its own Argo CD objects:
 *
 * 1. every ApplicationSet git directory generator path matches directories that exist,
 * 2. every directory holding manifests is synced by exactly one Application (expanded from the
 *    ApplicationSets, plus plain Applications with a path source); directories holding the Argo CD
 *    objects themselves (the bootstrap directory) may be synced by at most one,
 * 3. each Application's AppProject exists and permits its source repository and destination, and
 *    every object in its directory: cluster-scoped kinds against `clusterResourceWhitelist` /
 *    `clusterResourceBlacklist`, namespaced kinds against `namespaceResourceWhitelist` /
 *    `namespaceResourceBlacklist`, and each object's namespace against `destinations`.
 *
 * Object scope: an object with `metadata.namespace` is namespaced; one without is cluster-scoped
 * when its kind is a known cluster-scoped kind (`GitOpsContract.CLUSTER_SCOPED_KINDS`), otherwise it
 * lands in the Application's destination namespace (as Argo CD does).
 */
export class GitOpsContract {
  /** Cluster-scoped kinds (`group/kind`, core group as `''`) the checker recognises. */
  public static readonly CLUSTER_SCOPED_KINDS: string[] = [
    '/Namespace', '/Node', '/PersistentVolume',
    'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
    'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
    'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
    'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
    'admissionregistration.k8s.io/MutatingAdmissionPolicy', 'admissionregistration.k8s.io/MutatingAdmissionPolicyBinding',
    'scheduling.k8s.io/PriorityClass', 'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/VolumeAttachment',
    'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass', 'flowcontrol.apiserver.k8s.io/FlowSchema',
    'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration', 'certificates.k8s.io/CertificateSigningRequest',
    'kyverno.io/ClusterPolicy', 'kyverno.io/ClusterCleanupPolicy', 'policies.kyverno.io/ValidatingPolicy',
    'templates.gatekeeper.sh/ConstraintTemplate', 'karpenter.sh/NodePool', 'karpenter.sh/NodeClaim',
    'karpenter.k8s.aws/EC2NodeClass', 'keda.sh/ClusterTriggerAuthentication', 'cert-manager.io/ClusterIssuer',
    'serving.kserve.io/ClusterServingRuntime', 'nvidia.com/ClusterPolicy', 'policy.sigstore.dev/ClusterImagePolicy',
  ];

  /**
   * Verify the tree under `dir` (a checkout of the GitOps repository, or the folder the layout's
   * `rootPath` is relative to).
   */
  public static verify(dir: string): GitOpsContractReport {
    checkArgs('gitops.GitOpsContract#verify', [dir]);
    return new GitOpsContract(dir).run();
  }

  private readonly findings: GitOpsFinding[] = [];
  private readonly manifests: Manifest[] = [];
  private readonly allDirectories = new Set<string>();

  private constructor(private readonly root: string) {}

  private run(): GitOpsContractReport {
    this.load(this.root, '');
    const byDir = new Map<string, Manifest[]>();
    for (const m of this.manifests) {
      if (!byDir.has(m.directory)) byDir.set(m.directory, []);
      byDir.get(m.directory)!.push(m);
    }
    const argo = this.manifests.filter((m) => typeof m.object?.apiVersion === 'string' && m.object.apiVersion.startsWith('argoproj.io/'));
    const projects = new Map<string, any>();
    for (const m of argo.filter((x) => x.object.kind === 'AppProject')) projects.set(m.object.metadata?.name, m.object);
    const bootstrapDirs = new Set(argo.map((m) => m.directory));

    const apps: App[] = [];
    for (const m of argo.filter((x) => x.object.kind === 'Application')) {
      apps.push({ name: m.object.metadata?.name, origin: 'Application', spec: m.object.spec ?? {} });
    }
    for (const m of argo.filter((x) => x.object.kind === 'ApplicationSet')) apps.push(...this.expand(m.object));

    // The repositories the tree is: the ApplicationSets' git generators' and those of Applications whose path is in
    // the tree. An Application with a path in another repository (an add-on's upstream kustomization) is external,
    // like a chart: its objects are not in the tree.
    const treeRepos = new Set<string>();
    for (const m of argo.filter((x) => x.object.kind === 'ApplicationSet')) {
      for (const g of m.object.spec?.generators ?? []) {
        for (const child of [g, ...(Array.isArray(g?.matrix?.generators) ? g.matrix.generators : [])]) {
          if (typeof child?.git?.repoURL === 'string') treeRepos.add(child.git.repoURL);
        }
      }
    }
    for (const app of apps) {
      const p = app.spec.source?.path;
      if (typeof p === 'string' && !app.spec.source?.chart && this.allDirectories.has(normalize(p))) treeRepos.add(app.spec.source.repoURL);
    }
    const external = (app: App) => typeof app.spec.source?.repoURL === 'string' && treeRepos.size > 0 && !treeRepos.has(app.spec.source.repoURL);

    // Coverage: every directory with manifests is synced by exactly one Application.
    const coverage = new Map<string, string[]>();
    for (const app of apps) {
      const p = app.spec.source?.path;
      if (typeof p !== 'string' || app.spec.source?.chart || external(app)) continue;
      const dirPath = normalize(p);
      if (!this.allDirectories.has(dirPath)) {
        this.add({ check: 'missing-path', application: app.name, directory: dirPath, message: `syncs '${dirPath}', which does not exist in the tree` });
        continue;
      }
      if (!coverage.has(dirPath)) coverage.set(dirPath, []);
      coverage.get(dirPath)!.push(app.name);
    }
    const manifestDirs = [...byDir.keys()].sort();
    for (const d of manifestDirs) {
      const owners = coverage.get(d) ?? [];
      if (owners.length === 0 && !bootstrapDirs.has(d)) {
        this.add({ check: 'uncovered-directory', directory: d, message: `${byDir.get(d)!.length} object(s) no Application syncs` });
      }
      if (owners.length > 1) {
        this.add({ check: 'directory-claimed-twice', directory: d, message: `synced by ${owners.length} Applications (${owners.sort().join(', ')}); exactly one must own it` });
      }
    }

    // Permissions: each Application's project permits its source, destination and every object.
    const summaries: VerifiedApplication[] = [];
    for (const app of apps) {
      const source = app.spec.source ?? {};
      // Argo CD checks the destination cluster by its server and its name: the one the Application leaves out comes
      // from the cluster's Secret in the tree (or the in-cluster cluster)
      const dest = this.resolveDestination(app.spec.destination ?? {});
      const dirPath = typeof source.path === 'string' && !source.chart && !external(app) ? normalize(source.path) : undefined;
      const objects = dirPath ? (byDir.get(dirPath) ?? []) : [];
      summaries.push({
        name: app.name,
        project: app.spec.project,
        origin: app.origin,
        path: dirPath,
        chart: source.chart,
        namespace: dest.namespace ?? '',
        objectCount: objects.length,
      });
      const project = projects.get(app.spec.project);
      if (!project) {
        this.add({ check: 'unknown-project', application: app.name, message: `uses AppProject '${app.spec.project}', which is not in the tree` });
        continue;
      }
      const spec = project.spec ?? {};
      if (!(spec.sourceRepos ?? []).some((r: string) => matches(r, source.repoURL))) {
        this.add({ check: 'source-repo', application: app.name, message: `source '${source.repoURL}' is not in the sourceRepos of AppProject '${app.spec.project}'` });
      }
      if (!destinationPermitted(spec, dest.server, dest.name, dest.namespace)) {
        const asWritten = app.spec.destination ?? {};
        this.add({ check: 'destination', application: app.name, message: `destination ${asWritten.server ?? asWritten.name} namespace '${dest.namespace}' is not permitted by AppProject '${app.spec.project}'` });
      }
      for (const m of objects) this.checkObject(app, spec, dest, m);
    }

    summaries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return new GitOpsContractReport(this.findings, summaries, manifestDirs);
  }

  private checkObject(app: App, project: any, dest: any, m: Manifest): void {
    const o = m.object;
    const group = typeof o.apiVersion === 'string' && o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
    const kind = o.kind;
    const id = `${kind}/${o.metadata?.name} (${path.posix.basename(m.file)})`;
    const explicitNs = o.metadata?.namespace;
    const clusterScoped = !explicitNs && GitOpsContract.CLUSTER_SCOPED_KINDS.includes(`${group}/${kind}`);
    const rule = (r: any) => matches(r.group, group) && matches(r.kind, kind) && (r.name === undefined || matches(r.name, o.metadata?.name));
    if (clusterScoped) {
      const allowed = (project.clusterResourceWhitelist ?? []).some(rule) && !(project.clusterResourceBlacklist ?? []).some(rule);
      if (!allowed) {
        this.add({ check: 'cluster-resource', application: app.name, directory: m.directory, message: `cluster-scoped ${id} is not permitted by AppProject '${app.spec.project}'` });
      }
      return;
    }
    const whitelist = project.namespaceResourceWhitelist ?? [];
    const allowed = (whitelist.length === 0 || whitelist.some(rule)) && !(project.namespaceResourceBlacklist ?? []).some(rule);
    if (!allowed) {
      this.add({ check: 'namespaced-resource', application: app.name, directory: m.directory, message: `${id}: kind ${group || 'core'}/${kind} is not in the namespaceResourceWhitelist of AppProject '${app.spec.project}'` });
    }
    const ns = explicitNs ?? dest.namespace;
    if (!destinationPermitted(project, dest.server, dest.name, ns)) {
      this.add({ check: 'object-namespace', application: app.name, directory: m.directory, message: `${id} lands in namespace '${ns}', which AppProject '${app.spec.project}' does not permit` });
    }
  }

  private expand(appSet: any): App[] {
    const name = appSet.metadata?.name;
    const origin = `ApplicationSet/${name}`;
    const out: App[] = [];
    const template = appSet.spec?.template ?? {};
    const emit = (params: TemplateParams, where: string | undefined) => {
      try {
        const rendered = renderTemplate(template, params);
        out.push({ name: rendered.metadata?.name, origin, spec: rendered.spec ?? {} });
      } catch (e) {
        if (!(e instanceof TemplateError)) throw e;
        this.add({ check: 'template', application: origin, directory: where, message: e.message });
      }
    };
    for (const [i, gen] of (appSet.spec?.generators ?? []).entries()) {
      // a cluster generator: one parameter set per cluster Secret of the tree it selects
      if (gen.clusters) {
        for (const cluster of this.clustersOf(gen.clusters, origin, i)) {
          const values = this.clusterValues(gen.clusters, cluster, origin);
          if (values) emit({ cluster, values }, undefined);
        }
        continue;
      }
      // a matrix of a cluster generator and a git directory generator (the second interpolated with the first's parameters)
      const m = gen.matrix?.generators;
      if (Array.isArray(m) && m.length === 2 && m[0]?.clusters && Array.isArray(m[1]?.git?.directories)) {
        for (const cluster of this.clustersOf(m[0].clusters, origin, i)) {
          const values = this.clusterValues(m[0].clusters, cluster, origin);
          if (!values) continue;
          let git: any;
          try {
            git = renderTemplate(m[1].git, { cluster, values });
          } catch (e) {
            if (!(e instanceof TemplateError)) throw e;
            this.add({ check: 'template', application: origin, message: `generator ${i}: ${e.message}` });
            continue;
          }
          for (const pathParams of this.directoriesOf(git, origin, i)) {
            // matrix.go merges both children's parameters, the first's winning (mergo WithOverride)
            let gitValues: { [key: string]: string };
            try {
              gitValues = renderTemplate(git.values ?? {}, { cluster, path: pathParams, values: {} });
            } catch (e) {
              if (!(e instanceof TemplateError)) throw e;
              this.add({ check: 'template', application: origin, directory: pathParams.path, message: e.message });
              continue;
            }
            emit({ cluster, path: pathParams, values: { ...gitValues, ...values } }, pathParams.path);
          }
        }
        continue;
      }
      if (!gen.git || !Array.isArray(gen.git.directories)) {
        this.add({ check: 'generator', application: origin, message: `generator ${i} is not a git directory or cluster generator (or a matrix of the two); only those are expanded` });
        continue;
      }
      for (const pathParams of this.directoriesOf(gen.git, origin, i)) {
        try {
          const values = renderTemplate(gen.git.values ?? {}, { path: pathParams, values: {} });
          emit({ path: pathParams, values }, pathParams.path);
        } catch (e) {
          if (!(e instanceof TemplateError)) throw e;
          this.add({ check: 'template', application: origin, directory: pathParams.path, message: e.message });
        }
      }
    }
    return out;
  }

  /** An Application destination with both its cluster's server and name where the tree's cluster Secrets say them. */
  private resolveDestination(dest: any): any {
    if ((dest.server !== undefined) === (dest.name !== undefined)) return dest;
    const known = this.clustersOf({}, '', -1, false);
    const cluster = known.find((c) => (dest.server !== undefined ? c.server === dest.server : c.name === dest.name));
    return cluster ? { ...dest, server: cluster.server, name: cluster.name } : dest;
  }

  /** The directories of the tree a git directory generator yields, as path parameters. */
  private directoriesOf(git: any, origin: string, i: number): { path: string; basename: string; basenameNormalized: string; segments: string[] }[] {
    const dirs = [...this.allDirectories].sort();
    const included = new Set<string>();
    for (const entry of git.directories.filter((d: any) => !d.exclude)) {
      const re = globToRegExp(normalize(entry.path));
      const hits = dirs.filter((d) => re.test(d));
      if (hits.length === 0) {
        this.add({ check: 'generator-path', application: origin, directory: entry.path, message: `generator ${i} path '${entry.path}' matches no directory of the tree` });
      }
      hits.forEach((h) => included.add(h));
    }
    for (const entry of git.directories.filter((d: any) => d.exclude)) {
      const re = globToRegExp(normalize(entry.path));
      for (const d of [...included]) if (re.test(d)) included.delete(d);
    }
    return [...included].sort().map((d) => {
      const segments = d.split('/');
      const basename = segments[segments.length - 1];
      return { path: d, basename, basenameNormalized: basename.replace(/[^a-zA-Z0-9-]/g, '-').toLowerCase(), segments };
    });
  }

  /**
   * The clusters a cluster generator selects: the tree's Argo CD cluster Secrets (label
   * `argocd.argoproj.io/secret-type: cluster`) matching its `selector.matchLabels`, as Argo CD v3.5.1
   * applicationset/generators/cluster.go makes their parameters. Without a selector, also the in-cluster
   * cluster when no Secret registers it.
   */
  private clustersOf(gen: any, origin: string, i: number, report = true): ClusterParams[] {
    const selector = gen.selector ?? {};
    if ((selector.matchExpressions ?? []).length > 0) {
      this.add({ check: 'generator', application: origin, message: `generator ${i}: selector.matchExpressions is not expanded (use matchLabels)` });
      return [];
    }
    const wanted: { [key: string]: string } = selector.matchLabels ?? {};
    const out: ClusterParams[] = [];
    for (const m of this.manifests) {
      const o = m.object;
      if (o?.apiVersion !== 'v1' || o.kind !== 'Secret' || o.metadata?.labels?.['argocd.argoproj.io/secret-type'] !== 'cluster') continue;
      const labels: { [key: string]: string } = o.metadata.labels;
      if (!Object.entries(wanted).every(([k, v]) => labels[k] === v)) continue;
      const field = (k: string) => (typeof o.stringData?.[k] === 'string' ? o.stringData[k]
        : typeof o.data?.[k] === 'string' ? Buffer.from(o.data[k], 'base64').toString('utf8') : '');
      const clusterName = field('name');
      out.push({
        name: clusterName,
        // Argo CD v3.5.1 applicationset/utils/template_functions.go SanitizeName
        nameNormalized: clusterName.toLowerCase().replace(/[^-a-z0-9.]/g, '-').slice(0, 253).replace(/^[-.]+|[-.]+$/g, ''),
        server: field('server'),
        project: field('project'),
        labels: { ...labels },
        annotations: { ...(o.metadata.annotations ?? {}) },
      });
    }
    if (Object.keys(wanted).length === 0 && !out.some((c) => c.server === IN_CLUSTER_SERVER)) {
      out.push({ name: 'in-cluster', nameNormalized: 'in-cluster', server: IN_CLUSTER_SERVER, project: '', labels: {}, annotations: {} });
    }
    if (out.length === 0 && report) {
      this.add({ check: 'generator-clusters', application: origin, message: `generator ${i} selects no cluster Secret of the tree (${JSON.stringify(wanted)})` });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** A cluster generator's `values`, rendered with the cluster's parameters. */
  private clusterValues(gen: any, cluster: ClusterParams, origin: string): { [key: string]: string } | undefined {
    try {
      return renderTemplate(gen.values ?? {}, { cluster, values: {} });
    } catch (e) {
      if (!(e instanceof TemplateError)) throw e;
      this.add({ check: 'template', application: origin, message: `cluster '${cluster.name}': ${e.message}` });
      return undefined;
    }
  }

  private load(abs: string, rel: string): void {
    for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name.startsWith('.')) continue;
      const childAbs = path.join(abs, entry.name);
      const childRel = rel === '' ? entry.name : `${rel}/${entry.name}`;
      if (entry.isDirectory()) {
        this.allDirectories.add(childRel);
        this.load(childAbs, childRel);
      } else if (/\.ya?ml$/.test(entry.name)) {
        let docs: YAML.Document.Parsed[];
        try {
          docs = YAML.parseAllDocuments(fs.readFileSync(childAbs, 'utf-8'));
        } catch (e: any) {
          this.add({ check: 'yaml', directory: rel, message: `${childRel}: ${e.message}` });
          continue;
        }
        for (const doc of docs) {
          if (doc.errors.length > 0) {
            this.add({ check: 'yaml', directory: rel, message: `${childRel}: ${doc.errors[0].message.split('\n')[0]}` });
            continue;
          }
          const object = doc.toJS();
          if (object && typeof object === 'object') this.manifests.push({ file: childRel, directory: rel, object });
        }
      }
    }
  }

  private add(f: GitOpsFinding): void {
    this.findings.push(f);
  }
}

function normalize(p: string): string {
  return String(p).replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
}

/** Argo CD project patterns: globs (crossing `/` for repos), `!` negates. */
function matches(pattern: string | undefined, value: string | undefined): boolean {
  if (pattern === undefined || value === undefined) return false;
  if (pattern === value) return true;
  return globToRegExp(pattern, true).test(value);
}

function destinationPermitted(project: any, server: string | undefined, name: string | undefined, namespace: string | undefined): boolean {
  const dests: any[] = project.destinations ?? [];
  const denied = dests.some((d) => d.namespace?.startsWith('!') && matchesTarget(d, server, name) && matches(d.namespace.slice(1), namespace ?? ''));
  if (denied) return false;
  return dests.some((d) => !d.namespace?.startsWith('!') && matchesTarget(d, server, name) && matches(d.namespace ?? '', namespace ?? ''));
}

/** Argo CD v3.5.1 AppProject.isDestinationMatched: the cluster matches by server or by name (both resolved). */
function matchesTarget(d: any, server: string | undefined, name: string | undefined): boolean {
  return (d.server !== undefined && server !== undefined && matches(d.server, server))
    || (d.name !== undefined && name !== undefined && matches(d.name, name));
}
