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
