import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import {
  GitOpsContract, GitOpsLayout, LayoutSelection, PlatformAddon, PlatformAddons, PlatformApplicationSet, PlatformProject, SyncWave, TenantProject,
} from '../../src/gitops';
import { expectValidManifests, tempDir } from '../util';
import { exampleLayout } from './helpers';

const LABELS = { app: 'demo' };

function deployment(scope: Chart, name: string, namespace: string): void {
  new ApiObject(scope, `${name}-deploy`, {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      selector: { matchLabels: LABELS },
      template: { metadata: { labels: LABELS }, spec: { containers: [{ name: 'server', image: 'registry.example.com/vllm@sha256:' + 'a'.repeat(64) }] } },
    },
  });
}

/** Write one layout directory with cdk8s (one file per resource) and check where it landed. */
function writeChart(layout: GitOpsLayout, outdir: string, environment: string, owner: string, build: (chart: Chart) => void): Chart {
  const app = new App(layout.appProps(outdir, environment, owner));
  const chart = new Chart(app, owner);
  build(chart);
  expectValidManifests(Testing.synth(chart));
  expect(layout.directoryOf(chart, outdir).path).toBe(`${environment}/${owner}`);
  app.synth();
  return chart;
}

/** Synthesize the example platform: tenancy + policies components, two tenants, the Argo CD objects. */
function synthExamplePlatform(layout: GitOpsLayout): string {
  const outdir = tempDir('gitops-contract-');
  const platformCharts: Chart[] = [];
  for (const env of layout.environmentNames()) {
    platformCharts.push(writeChart(layout, outdir, env, 'tenancy', (c) => {
      for (const ns of ['search', 'chat', 'chat-batch']) new ApiObject(c, `ns-${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
      new ApiObject(c, 'quota', {
        apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'search-gpu-quota', namespace: 'search' }, spec: { hard: { 'requests.nvidia.com/gpu': '4' } },
      });
    }));
    platformCharts.push(writeChart(layout, outdir, env, 'policies', (c) => {
      new ApiObject(c, 'pc', { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'llm-serving' }, value: 1000000 });
      new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'policy-catalogue' }, data: { version: '1' } });
    }));
    writeChart(layout, outdir, env, 'search', (c) => {
      deployment(c, 'llama3-8b', 'search');
      new ApiObject(c, 'svc', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'llama3-8b', namespace: 'search' }, spec: { selector: LABELS, ports: [{ port: 8000 }] } });
    });
    writeChart(layout, outdir, env, 'chat', (c) => {
      deployment(c, 'mistral-7b', 'chat');
      new ApiObject(c, 'job', {
        apiVersion: 'batch/v1',
        kind: 'Job',
        metadata: { name: 'warmup', namespace: 'chat-batch' },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'warmup', image: 'registry.example.com/warmup:1.0.0' }] } } },
      });
    });
  }
  const app = new App(layout.bootstrapAppProps(outdir));
  const argocd = new Chart(app, 'argocd');
  for (const t of layout.tenants) new TenantProject(argocd, `tenant-${t.name}`, { layout, tenant: t.name });
  const project = new PlatformProject(argocd, 'platform', { layout });
  // least privilege: the project allows the namespaces and cluster-scoped kinds these charts use
  for (const c of platformCharts) project.allowObjectsOf(c);
  for (const env of layout.environmentNames()) {
    const addons = new PlatformAddons(argocd, `addons-${env}`, {
      layout, project, environment: env, addons: [PlatformAddon.kyverno(), PlatformAddon.prometheusOperatorCrds(), PlatformAddon.keda()],
    });
    addons.addCrdConsumer({ name: 'platform-components', wave: SyncWave.POLICIES, requiresCrds: ['clusterpolicies.kyverno.io'] });
    addons.addCrdConsumer({ name: 'tenants', wave: SyncWave.TENANT_APPS, requiresCrds: ['servicemonitors.monitoring.coreos.com', 'scaledobjects.keda.sh'] });
    addons.validateDependencies();
  }
  new PlatformApplicationSet(argocd, 'platform-components', { layout, selection: LayoutSelection.PLATFORM_COMPONENTS });
  new PlatformApplicationSet(argocd, 'tenants', { layout, selection: LayoutSelection.TENANTS, progressiveSync: true });
  expectValidManifests(Testing.synth(argocd));
  expect(layout.directoryOf(argocd, outdir).path).toBe('argocd');
  app.synth();
  return outdir;
}

function copyTree(from: string): string {
  const to = tempDir('gitops-contract-mutated-');
  fs.cpSync(from, to, { recursive: true });
  return to;
}

function writeYaml(file: string, object: any): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, YAML.stringify(object));
}

function checks(dir: string): string[] {
  return GitOpsContract.verify(dir).findings.map((f) => f.check);
}

describe('GitOpsContract', () => {
  const layout = exampleLayout();
  let tree: string;

  beforeAll(() => {
    tree = synthExamplePlatform(layout);
  });

  test('the synthesized example platform honours the contract', () => {
    const report = GitOpsContract.verify(tree);
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.toString()).toContain('GitOps contract holds');
    // the tree is laid out as the layout says, one file per resource
    expect(report.directories).toEqual(['argocd', 'dev/chat', 'dev/policies', 'dev/search', 'dev/tenancy', 'prod/chat', 'prod/policies', 'prod/search', 'prod/tenancy']);
    expect(fs.readdirSync(path.join(tree, 'dev', 'search')).sort()).toEqual(['Deployment.llama3-8b.k8s.yaml', 'Service.llama3-8b.k8s.yaml']);
    // every layout directory except the bootstrap one is synced by exactly one Application of the ApplicationSets
    const fromSets = report.applications.filter((a) => a.origin.startsWith('ApplicationSet/'));
    expect(fromSets.map((a) => a.path).sort()).toEqual(layout.directories().filter((d) => d.environment).map((d) => d.path).sort());
    expect(fromSets.find((a) => a.path === 'prod/chat')).toEqual({
      name: 'prod-chat', project: 'chat', origin: 'ApplicationSet/tenants', path: 'prod/chat', chart: undefined, namespace: 'chat', objectCount: 2,
    });
    // the add-ons are Helm Applications without a directory
    const addons = report.applications.filter((a) => a.origin === 'Application');
    expect(addons.map((a) => a.name)).toEqual(['dev-keda', 'dev-kyverno', 'dev-prometheus-operator-crds', 'prod-keda', 'prod-kyverno', 'prod-prometheus-operator-crds']);
    expect(addons.every((a) => a.path === undefined && a.project === 'platform')).toBe(true);
  });

  test('a tenant object of a kind its project does not allow (RBAC) is found', () => {
    const dir = copyTree(tree);
    writeYaml(path.join(dir, 'dev/search/RoleBinding.admin.k8s.yaml'), {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'admin', namespace: 'search' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'admin' },
      subjects: [{ kind: 'Group', name: 'everyone' }],
    });
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([expect.objectContaining({
      check: 'namespaced-resource',
      application: 'dev-search',
      directory: 'dev/search',
      message: expect.stringContaining('kind rbac.authorization.k8s.io/RoleBinding is not in the namespaceResourceWhitelist'),
    })]);
  });

  test('a tenant object in another tenant\'s namespace is found', () => {
    const dir = copyTree(tree);
    writeYaml(path.join(dir, 'prod/search/ConfigMap.sneaky.k8s.yaml'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'sneaky', namespace: 'chat' } });
    expect(checks(dir)).toEqual(['object-namespace']);
  });

  test('a cluster-scoped object in a tenant directory is found', () => {
    const dir = copyTree(tree);
    writeYaml(path.join(dir, 'dev/chat/Namespace.chat-extra.k8s.yaml'), { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'chat-extra' } });
    expect(checks(dir)).toEqual(['cluster-resource']);
  });

  test('a directory no Application syncs is found', () => {
    const dir = copyTree(tree);
    writeYaml(path.join(dir, 'dev/billing/ConfigMap.x.k8s.yaml'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'billing' } });
    expect(GitOpsContract.verify(dir).findings).toEqual([{ check: 'uncovered-directory', directory: 'dev/billing', message: '1 object(s) no Application syncs' }]);
  });

  test('a generator path matching no directory is found', () => {
    const dir = copyTree(tree);
    fs.rmSync(path.join(dir, 'prod/search'), { recursive: true });
    expect(GitOpsContract.verify(dir).findings).toEqual([expect.objectContaining({ check: 'generator-path', application: 'ApplicationSet/tenants', directory: 'prod/search' })]);
  });

  test('a directory synced by two Applications is found', () => {
    const dir = copyTree(tree);
    writeYaml(path.join(dir, 'argocd/Application.search-copy.k8s.yaml'), {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'search-copy', namespace: 'argocd' },
      spec: { project: 'search', source: { repoURL: layout.repoUrl, path: 'dev/search', targetRevision: 'main' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'search' } },
    });
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([expect.objectContaining({ check: 'directory-claimed-twice', directory: 'dev/search', message: expect.stringContaining('dev-search, search-copy') })]);
  });

  test('unknown projects, foreign sources, forbidden destinations and templates it cannot evaluate are found', () => {
    const dir = copyTree(tree);
    const app = (name: string, spec: any) => writeYaml(path.join(dir, `argocd/Application.${name}.k8s.yaml`), {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name, namespace: 'argocd' }, spec,
    });
    app('ghost', { project: 'ghost', source: { repoURL: 'https://charts.example.com', chart: 'x', targetRevision: '1.0.0' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'x' } });
    app('foreign', { project: 'search', source: { repoURL: 'https://evil.example.com/repo.git', chart: 'x', targetRevision: '1.0.0' }, destination: { server: 'https://kubernetes.default.svc', namespace: 'kube-system' } });
    const setFile = path.join(dir, 'argocd/ApplicationSet.tenants.k8s.yaml');
    const set = YAML.parse(fs.readFileSync(setFile, 'utf-8'));
    set.spec.template.metadata.name = '{{.path.basename | upper}}';
    writeYaml(setFile, set);
    expect(checks(dir).sort()).toEqual(['destination', 'source-repo', 'template', 'template', 'template', 'template', 'unknown-project', 'uncovered-directory', 'uncovered-directory', 'uncovered-directory', 'uncovered-directory'].sort());
  });
});

describe('GitOpsContract: cluster generators and cluster x git matrices', () => {
  const REPO_URL = 'https://git.example.com/acme/platform-gitops.git';
  const IN_CLUSTER = 'https://kubernetes.default.svc';
  const FLEET = { 'fleet.example.com/name': 'acme' };
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');

  interface SecretOptions {
    readonly labels?: { [key: string]: string };
    readonly annotations?: { [key: string]: string };
    readonly encoded?: boolean;
    readonly project?: string;
  }

  /** An Argo CD cluster Secret (stringData, or base64 data when encoded). */
  function clusterSecret(name: string, server: string, opts: SecretOptions = {}): any {
    const fields: { [key: string]: string } = { name, server, config: '{"tlsClientConfig":{"insecure":false}}', ...(opts.project ? { project: opts.project } : {}) };
    return {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: `cluster-${name.toLowerCase().replace(/[^a-z0-9.-]/g, '-')}`,
        namespace: 'argocd',
        labels: { 'argocd.argoproj.io/secret-type': 'cluster', ...FLEET, ...(opts.labels ?? {}) },
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      },
      type: 'Opaque',
      ...(opts.encoded ? { data: Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, b64(v)])) } : { stringData: fields }),
    };
  }

  const DEV = () => clusterSecret('dev-eu', 'https://dev.eks.example.com', { labels: { env: 'dev', region: 'eu-west-1' } });
  const PROD = () => clusterSecret('prod-eu', 'https://prod.eks.example.com', { labels: { env: 'prod', region: 'eu-west-1' }, encoded: true });

  /** The AppProject every generated Application syncs through. */
  function project(destinations: any[]): any {
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'AppProject',
      metadata: { name: 'fleet', namespace: 'argocd' },
      spec: { sourceRepos: [REPO_URL], destinations, clusterResourceWhitelist: [], namespaceResourceWhitelist: [{ group: '', kind: 'ConfigMap' }] },
    };
  }

  /** An ApplicationSet of `generators`, one Application per parameter set, by default `<cluster>-search` syncing `<cluster>/search` by name. */
  function applicationSet(generators: any[], template: any = {}): any {
    return {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'ApplicationSet',
      metadata: { name: 'fleet', namespace: 'argocd' },
      spec: {
        goTemplate: true,
        goTemplateOptions: ['missingkey=error'],
        generators,
        template: {
          metadata: { name: template.name ?? '{{.name}}-search' },
          spec: {
            project: template.project ?? 'fleet',
            source: { repoURL: REPO_URL, targetRevision: 'main', path: template.path ?? '{{.name}}/search' },
            destination: template.destination ?? { name: '{{.name}}', namespace: 'search' },
          },
        },
      },
    };
  }

  const BY_NAME = ['dev-eu', 'prod-eu'].map((name) => ({ name, namespace: 'search' }));

  /** A tree: the Argo CD objects in argocd/ and one ConfigMap in namespace 'search' in each of `dirs`. */
  function fleetTree(argocd: any[], dirs: string[]): string {
    const dir = tempDir('gitops-contract-clusters-');
    argocd.forEach((o, i) => writeYaml(path.join(dir, 'argocd', `${String(i).padStart(2, '0')}.${o.kind}.${o.metadata.name}.k8s.yaml`), o));
    for (const d of dirs) writeYaml(path.join(dir, d, 'ConfigMap.settings.k8s.yaml'), { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'search' }, data: { a: '1' } });
    return dir;
  }

  const fromSet = (report: any) => report.applications.filter((a: any) => a.origin === 'ApplicationSet/fleet');

  test('a cluster generator makes one Application per selected cluster Secret (stringData and base64 data)', () => {
    const dir = fleetTree([project(BY_NAME), DEV(), PROD(), applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }])], ['dev-eu/search', 'prod-eu/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report)).toEqual([
      { name: 'dev-eu-search', project: 'fleet', origin: 'ApplicationSet/fleet', path: 'dev-eu/search', chart: undefined, namespace: 'search', objectCount: 1 },
      { name: 'prod-eu-search', project: 'fleet', origin: 'ApplicationSet/fleet', path: 'prod-eu/search', chart: undefined, namespace: 'search', objectCount: 1 },
    ]);
  });

  test('the cluster parameters: {{.server}} from base64 data, {{.nameNormalized}}, {{.project}}, labels and annotations', () => {
    const edge = clusterSecret('Edge_Cluster.1', 'https://edge.eks.example.com', {
      labels: { env: 'edge' }, annotations: { 'fleet.example.com/tier': 'gold' }, encoded: true, project: 'fleet',
    });
    const set = applicationSet([{ clusters: { selector: { matchLabels: { env: 'edge' } } } }], {
      name: '{{.nameNormalized}}-{{index .metadata.labels "env"}}-{{index .metadata.annotations "fleet.example.com/tier"}}',
      project: '{{.project}}',
      path: '{{.nameNormalized}}/search',
      destination: { server: '{{.server}}', namespace: 'search' },
    });
    const dir = fleetTree([project([{ server: 'https://edge.eks.example.com', namespace: 'search' }]), edge, set], ['edge-cluster.1/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report)).toEqual([expect.objectContaining({ name: 'edge-cluster.1-edge-gold', project: 'fleet', path: 'edge-cluster.1/search', objectCount: 1 })]);
  });

  test('stringData wins over data for the same field', () => {
    const secret = clusterSecret('dev-eu', 'https://dev.eks.example.com');
    secret.data = { name: b64('other'), server: b64('https://other.example.com') };
    const dir = fleetTree([project(BY_NAME), secret, applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }])], ['dev-eu/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-search']);
  });

  test('only v1 Secrets labelled as Argo CD cluster Secrets are clusters', () => {
    const repository = { ...DEV(), metadata: { ...DEV().metadata, name: 'repo-x', labels: { ...FLEET, 'argocd.argoproj.io/secret-type': 'repository' } } };
    const unlabelled = { ...PROD(), metadata: { name: 'plain', namespace: 'argocd', labels: { ...FLEET } } };
    const notCore = { ...clusterSecret('ghost', 'https://ghost.example.com'), apiVersion: 'example.com/v1' };
    const dir = fleetTree([project(BY_NAME), DEV(), repository, unlabelled, notCore, applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }])], ['dev-eu/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-search']);
  });

  test('cluster generator values are rendered with the cluster parameters', () => {
    const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET }, values: { path: '{{.name}}/search', env: '{{index .metadata.labels "env"}}' } } }], {
      name: '{{.values.env}}-search', path: '{{.values.path}}',
    });
    const dir = fleetTree([project(BY_NAME), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => [a.name, a.path])).toEqual([['dev-search', 'dev-eu/search'], ['prod-search', 'prod-eu/search']]);
  });

  test('selector.matchLabels filters the cluster Secrets (every label must match)', () => {
    const set = applicationSet([{ clusters: { selector: { matchLabels: { ...FLEET, env: 'prod' } } } }]);
    const dir = fleetTree([project(BY_NAME), DEV(), PROD(), set], ['prod-eu/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => a.name)).toEqual(['prod-eu-search']);
  });

  test('a Secret the selector leaves out leaves its directory uncovered', () => {
    const set = applicationSet([{ clusters: { selector: { matchLabels: { env: 'prod', region: 'eu-west-1' } } } }]);
    const dir = fleetTree([project(BY_NAME), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search']);
    expect(GitOpsContract.verify(dir).findings).toEqual([{ check: 'uncovered-directory', directory: 'dev-eu/search', message: '1 object(s) no Application syncs' }]);
  });

  test('without a selector: every cluster Secret plus the implicit in-cluster cluster', () => {
    const set = applicationSet([{ clusters: {} }]);
    const dir = fleetTree([project([...BY_NAME, { name: 'in-cluster', namespace: 'search' }]), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search', 'in-cluster/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-search', 'in-cluster-search', 'prod-eu-search']);
    // an empty selector is no selector
    const empty = fleetTree([project([...BY_NAME, { name: 'in-cluster', namespace: 'search' }]), DEV(), applicationSet([{ clusters: { selector: {} } }])], ['dev-eu/search', 'in-cluster/search']);
    expect(fromSet(GitOpsContract.verify(empty)).map((a: any) => a.name)).toEqual(['dev-eu-search', 'in-cluster-search']);
  });

  test('without a selector and with no cluster Secret at all: only the in-cluster cluster', () => {
    const dir = fleetTree([project([{ server: IN_CLUSTER, namespace: 'search' }]), applicationSet([{ clusters: {} }], { destination: { server: '{{.server}}', namespace: 'search' } })], ['in-cluster/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => [a.name, a.path])).toEqual([['in-cluster-search', 'in-cluster/search']]);
  });

  test('no implicit in-cluster cluster when a Secret registers the in-cluster server', () => {
    const hub = clusterSecret('hub', IN_CLUSTER, { encoded: true });
    const dir = fleetTree([project([...BY_NAME, { name: 'hub', namespace: 'search' }]), DEV(), hub, applicationSet([{ clusters: {} }])], ['dev-eu/search', 'hub/search']);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-search', 'hub-search']);
  });

  test('no implicit in-cluster cluster with a matchLabels selector', () => {
    const dir = fleetTree([project(BY_NAME), DEV(), applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }])], ['dev-eu/search']);
    expect(fromSet(GitOpsContract.verify(dir)).map((a: any) => a.name)).toEqual(['dev-eu-search']);
  });

  test('selector.matchExpressions is reported as a generator finding and expands nothing', () => {
    const set = applicationSet([{ clusters: { selector: { matchExpressions: [{ key: 'env', operator: 'In', values: ['prod'] }] } } }]);
    const dir = fleetTree([project(BY_NAME), DEV(), PROD(), set], []);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([{
      check: 'generator', application: 'ApplicationSet/fleet', message: 'generator 0: selector.matchExpressions is not expanded (use matchLabels)',
    }]);
    expect(fromSet(report)).toEqual([]);
  });

  test('matchExpressions in a matrix\'s cluster generator is reported too', () => {
    const set = applicationSet([{
      matrix: {
        generators: [
          { clusters: { selector: { matchLabels: FLEET, matchExpressions: [{ key: 'env', operator: 'Exists' }] } } },
          { git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: '{{.name}}/search' }] } },
        ],
      },
    }]);
    const report = GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), set], []));
    expect(report.findings).toEqual([expect.objectContaining({ check: 'generator', application: 'ApplicationSet/fleet', message: expect.stringContaining('selector.matchExpressions is not expanded') })]);
  });

  test('a selector matching no cluster Secret is a generator-clusters finding', () => {
    const set = applicationSet([{ clusters: { selector: { matchLabels: { env: 'qa' } } } }]);
    const report = GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), PROD(), set], []));
    expect(report.findings).toEqual([{
      check: 'generator-clusters', application: 'ApplicationSet/fleet', message: 'generator 0 selects no cluster Secret of the tree ({"env":"qa"})',
    }]);
    expect(fromSet(report)).toEqual([]);
  });

  test('a generator index in the finding counts every generator of the ApplicationSet', () => {
    const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }, { clusters: { selector: { matchLabels: { env: 'qa' } } } }]);
    const report = GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), set], ['dev-eu/search']));
    expect(report.findings).toEqual([expect.objectContaining({ check: 'generator-clusters', message: expect.stringContaining('generator 1 selects no cluster Secret') })]);
  });

  test('a template using a label a cluster lacks is a template finding for that cluster; the others still expand', () => {
    const noRegion = clusterSecret('edge', 'https://edge.eks.example.com', { labels: { env: 'edge' } });
    const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }], { name: '{{.name}}-{{index .metadata.labels "region"}}' });
    const report = GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), noRegion, set], ['dev-eu/search']));
    expect(report.findings).toEqual([{
      check: 'template',
      application: 'ApplicationSet/fleet',
      directory: undefined,
      message: '\'index .metadata.labels "region"\': cluster \'edge\' has no label \'region\' (missingkey=error)',
    }]);
    expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-eu-west-1']);
  });

  test('a missing annotation, and a cluster value using a missing label, are template findings', () => {
    const annotation = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }], { name: '{{.name}}-{{index .metadata.annotations "tier"}}' });
    expect(GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), annotation], [])).findings).toEqual([
      expect.objectContaining({ check: 'template', message: '\'index .metadata.annotations "tier"\': cluster \'dev-eu\' has no annotation \'tier\' (missingkey=error)' }),
    ]);
    const values = applicationSet([{ clusters: { selector: { matchLabels: FLEET }, values: { tier: '{{index .metadata.labels "tier"}}' } } }], { name: '{{.name}}-{{.values.tier}}' });
    expect(GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), values], [])).findings).toEqual([{
      check: 'template', application: 'ApplicationSet/fleet', message: 'cluster \'dev-eu\': \'index .metadata.labels "tier"\': cluster \'dev-eu\' has no label \'tier\' (missingkey=error)',
    }]);
  });

  test('path parameters in a cluster generator\'s template, or cluster parameters in a git generator\'s, are template findings', () => {
    const pathInCluster = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }], { path: '{{.path.path}}' });
    expect(GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), pathInCluster], [])).findings).toEqual([
      expect.objectContaining({ check: 'template', message: '\'.path.path\': the generator makes no path parameters (missingkey=error)' }),
    ]);
    const clusterInGit = applicationSet([{ git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: 'dev-eu/search' }] } }], { name: '{{.name}}-x' });
    expect(GitOpsContract.verify(fleetTree([project(BY_NAME), clusterInGit], ['dev-eu/search'])).findings).toEqual(expect.arrayContaining([
      expect.objectContaining({ check: 'template', directory: 'dev-eu/search', message: '\'.name\': the generator makes no cluster parameters (missingkey=error)' }),
    ]));
  });

  describe('a matrix of a cluster generator and a git directory generator', () => {
    const matrix = (directories: any[], clusterGen: any = { selector: { matchLabels: FLEET } }) => applicationSet([{
      matrix: { generators: [{ clusters: clusterGen }, { git: { repoURL: REPO_URL, revision: 'main', directories } }] },
    }], { name: '{{.name}}-{{.path.basename}}', path: '{{.path.path}}', destination: { name: '{{.name}}', namespace: 'search' } });

    test('one Application per cluster and existing directory (the git generator rendered with the cluster parameters)', () => {
      const dir = fleetTree([project(BY_NAME), DEV(), PROD(), matrix([{ path: '{{.name}}/*' }])], ['dev-eu/chat', 'dev-eu/search', 'prod-eu/search']);
      const report = GitOpsContract.verify(dir);
      expect(report.findings).toEqual([]);
      expect(fromSet(report).map((a: any) => [a.name, a.path])).toEqual([['dev-eu-chat', 'dev-eu/chat'], ['dev-eu-search', 'dev-eu/search'], ['prod-eu-search', 'prod-eu/search']]);
    });

    test('excludes apply per cluster', () => {
      const dir = fleetTree([project(BY_NAME), DEV(), PROD(), matrix([{ path: '{{.name}}/*' }, { path: '{{.name}}/chat', exclude: true }])], ['dev-eu/chat', 'dev-eu/search', 'prod-eu/search']);
      const report = GitOpsContract.verify(dir);
      expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-search', 'prod-eu-search']);
      expect(report.findings).toEqual([{ check: 'uncovered-directory', directory: 'dev-eu/chat', message: '1 object(s) no Application syncs' }]);
    });

    test('a directory missing for one cluster is a generator-path finding; the other clusters still expand', () => {
      const dir = fleetTree([project(BY_NAME), DEV(), PROD(), matrix([{ path: '{{.name}}/search' }])], ['dev-eu/search']);
      const report = GitOpsContract.verify(dir);
      expect(report.findings).toEqual([{
        check: 'generator-path', application: 'ApplicationSet/fleet', directory: 'prod-eu/search', message: 'generator 0 path \'prod-eu/search\' matches no directory of the tree',
      }]);
      expect(fromSet(report).map((a: any) => a.name)).toEqual(['dev-eu-search']);
    });

    test('the cluster generator\'s values reach the git generator and the template', () => {
      const set = applicationSet([{
        matrix: {
          generators: [
            { clusters: { selector: { matchLabels: FLEET }, values: { tenant: 'search', dir: '{{.name}}' } } },
            { git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: '{{.values.dir}}/{{.values.tenant}}' }] } },
          ],
        },
      }], { name: '{{.values.dir}}-{{.values.tenant}}', path: '{{.path.path}}' });
      const report = GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search']));
      expect(report.findings).toEqual([]);
      expect(fromSet(report).map((a: any) => [a.name, a.path])).toEqual([['dev-eu-search', 'dev-eu/search'], ['prod-eu-search', 'prod-eu/search']]);
    });

    test('a git generator the cluster parameters cannot render is a template finding for that cluster', () => {
      const dir = fleetTree([project(BY_NAME), DEV(), clusterSecret('edge', 'https://edge.eks.example.com'), matrix([{ path: '{{index .metadata.labels "region"}}/search' }])], ['eu-west-1/search']);
      const report = GitOpsContract.verify(dir);
      expect(report.findings).toEqual([{
        check: 'template', application: 'ApplicationSet/fleet', message: 'generator 0: \'index .metadata.labels "region"\': cluster \'edge\' has no label \'region\' (missingkey=error)',
      }]);
      expect(fromSet(report).map((a: any) => [a.name, a.path])).toEqual([['dev-eu-search', 'eu-west-1/search']]);
    });

    test('a matrix selecting no cluster is a generator-clusters finding', () => {
      const report = GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), matrix([{ path: '{{.name}}/search' }], { selector: { matchLabels: { env: 'qa' } } })], []));
      expect(report.findings).toEqual([expect.objectContaining({ check: 'generator-clusters', application: 'ApplicationSet/fleet' })]);
    });

    test('the matrix\'s git repository is the tree: an Application of another repository with a path is external', () => {
      const upstream = {
        apiVersion: 'argoproj.io/v1alpha1',
        kind: 'Application',
        metadata: { name: 'upstream', namespace: 'argocd' },
        spec: { project: 'fleet', source: { repoURL: REPO_URL.replace('platform-gitops', 'upstream'), targetRevision: 'v1.0.0', path: 'deploy/kustomize' }, destination: { name: 'dev-eu', namespace: 'search' } },
      };
      const fleet = project(BY_NAME);
      fleet.spec.sourceRepos.push(upstream.spec.source.repoURL);
      // no cluster selected: no generated Application makes the repository known, only the matrix's git generator
      const report = GitOpsContract.verify(fleetTree([fleet, DEV(), upstream, matrix([{ path: '{{.name}}/search' }], { selector: { matchLabels: { env: 'qa' } } })], []));
      expect(report.findings.map((f) => f.check)).toEqual(['generator-clusters']);
      expect(report.applications.find((a) => a.name === 'upstream')).toMatchObject({ path: undefined, objectCount: 0 });
    });

    test('other matrices are still unsupported generators', () => {
      const gitGit = applicationSet([{
        matrix: {
          generators: [
            { git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: '*' }] } },
            { git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: '*/*' }] } },
          ],
        },
      }]);
      expect(GitOpsContract.verify(fleetTree([project(BY_NAME), gitGit], [])).findings).toEqual([{
        check: 'generator', application: 'ApplicationSet/fleet', message: 'generator 0 is not a git directory or cluster generator (or a matrix of the two); only those are expanded',
      }]);
      const gitFirst = applicationSet([{
        matrix: { generators: [{ git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: '*' }] } }, { clusters: {} }] },
      }]);
      expect(checks(fleetTree([project(BY_NAME), gitFirst], []))).toEqual(['generator']);
    });
  });

  describe('destinations by cluster name against AppProject destinations with name', () => {
    test('a by-name destination the project allows by name (literal or pattern) passes', () => {
      const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }]);
      expect(GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search'])).findings).toEqual([]);
      expect(GitOpsContract.verify(fleetTree([project([{ name: '*-eu', namespace: 'search' }]), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search'])).findings).toEqual([]);
    });

    test('a cluster name the project does not list is a destination finding (and its objects an object-namespace finding)', () => {
      const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }]);
      const report = GitOpsContract.verify(fleetTree([project([{ name: 'dev-eu', namespace: 'search' }]), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search']));
      expect(report.findings).toEqual([
        { check: 'destination', application: 'prod-eu-search', message: 'destination prod-eu namespace \'search\' is not permitted by AppProject \'fleet\'' },
        expect.objectContaining({ check: 'object-namespace', application: 'prod-eu-search', directory: 'prod-eu/search' }),
      ]);
    });

    test('as Argo CD checks it, by server or by name: a by-name destination passes a project that lists its cluster by server (from its Secret), and the reverse', () => {
      const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }]);
      const byServer = [{ server: 'https://dev.eks.example.com', namespace: 'search' }, { server: 'https://prod.eks.example.com', namespace: 'search' }];
      expect(GitOpsContract.verify(fleetTree([project(byServer), DEV(), PROD(), set], ['dev-eu/search', 'prod-eu/search'])).findings).toEqual([]);
      const serverSet = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }], { destination: { server: '{{.server}}', namespace: 'search' } });
      expect(GitOpsContract.verify(fleetTree([project(BY_NAME), DEV(), PROD(), serverSet], ['dev-eu/search', 'prod-eu/search'])).findings).toEqual([]);
    });

    test('a namespace the project does not allow on that cluster name is a destination finding', () => {
      const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }]);
      const report = GitOpsContract.verify(fleetTree([project([{ name: 'dev-eu', namespace: 'chat' }]), DEV(), set], ['dev-eu/search']));
      expect(report.findings.map((f) => f.check)).toEqual(['destination', 'object-namespace']);
    });

    test('a by-name tree the library writes (TenantProject, PlatformApplicationSet) honours the contract', () => {
      const l = exampleLayout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }, { name: 'prod', clusterName: 'prod-eu' }], platformComponents: [] });
      const outdir = tempDir('gitops-contract-by-name-');
      for (const env of l.environmentNames()) {
        writeChart(l, outdir, env, 'search', (c) => deployment(c, 'llama3-8b', 'search'));
        writeChart(l, outdir, env, 'chat', (c) => deployment(c, 'mistral-7b', 'chat'));
      }
      const app = new App(l.bootstrapAppProps(outdir));
      const argocd = new Chart(app, 'argocd');
      for (const t of l.tenants) new TenantProject(argocd, `tenant-${t.name}`, { layout: l, tenant: t.name });
      new PlatformApplicationSet(argocd, 'tenants', { layout: l, selection: LayoutSelection.TENANTS });
      app.synth();
      const report = GitOpsContract.verify(outdir);
      expect(report.findings).toEqual([]);
      expect(report.applications.map((a) => a.name)).toEqual(['dev-chat', 'dev-search', 'prod-chat', 'prod-search']);
    });
  });
  describe('what Argo CD v3.5.1 does that the expansion follows', () => {
    const anyWhere = project([{ name: '*', namespace: '*' }]);

    test("a matrix merges the git generator's values with the cluster generator's (the cluster's win, matrix.go mergo WithOverride)", () => {
      const set = applicationSet([{
        matrix: {
          generators: [
            { clusters: { selector: { matchLabels: FLEET }, values: { ns: 'search', team: 'cluster' } } },
            { git: { repoURL: REPO_URL, revision: 'main', directories: [{ path: '{{.name}}/search' }], values: { ns: 'ignored', extra: 'from-git' } } },
          ],
        },
      }], { name: '{{.name}}-{{.values.extra}}-{{.values.ns}}', path: '{{.path.path}}', destination: { name: '{{.name}}', namespace: '{{.values.ns}}' } });
      const report = GitOpsContract.verify(fleetTree([anyWhere, DEV(), set], ['dev-eu/search']));
      expect(report.findings).toEqual([]);
      expect(report.applications.map((a) => `${a.name} ${a.namespace}`)).toEqual(['dev-eu-from-git-search search']);
    });

    test("{{.nameNormalized}} is Argo CD's SanitizeName: lower case, other characters to -, trimmed of - and .", () => {
      const set = applicationSet([{ clusters: { selector: { matchLabels: FLEET } } }], { name: '{{.nameNormalized}}', path: 'edge-cluster/search' });
      const report = GitOpsContract.verify(fleetTree([anyWhere, clusterSecret('_Edge_Cluster.', 'https://edge.eks.example.com'), set], ['edge-cluster/search']));
      expect(report.applications.map((a) => a.name)).toEqual(['edge-cluster']);
    });
  });
});
