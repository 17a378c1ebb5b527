import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import * as YAML from 'yaml';
import { EXAMPLE_CA, fleetSpec, registeredFleetSpec, smallSpec } from './fixtures';
import { ValidationError } from '../../src/core/errors';
import { GitOpsContract, SyncWave } from '../../src/gitops';
import { AwsFleet, Fleet, FleetLabels, KubernetesFleet, KubernetesPlatform } from '../../src/platform';
import { expectValidManifests, tempDir } from '../util';

const byPath = (fleet: KubernetesFleet) => new Map(fleet.manifests().map((m) => [m.path, m.resource]));

describe('KubernetesFleet: one GitOps tree for every cluster, reconciled by the hub', () => {
  const fleet = new Fleet(registeredFleetSpec());
  const k8s = new KubernetesFleet(new App(), 'fleet', { fleet });
  const all = k8s.manifests();
  const files = all.map((m) => m.path);
  const hub = (kind: string, name: string) => all.find((m) => m.directory === 'fleet' && m.resource.kind === kind && m.resource.metadata.name === name)?.resource;
  const appSet = hub('ApplicationSet', 'fleet');

  test('layout: fleet/ for the hub, <cluster>/argocd and <cluster>/<owner> per cluster, nothing at the root', () => {
    const dirs = [...new Set(all.map((m) => m.directory))];
    expect(dirs.filter((d) => !d.includes('/'))).toEqual(['fleet']);
    for (const c of ['staging', 'prod-us-east-1', 'prod-eu-west-1']) {
      expect(dirs.filter((d) => d.startsWith(`${c}/`)).sort()).toEqual(
        ['argocd', 'gpu', 'mesh', 'observability', 'policies', 'search', 'tenancy'].map((d) => `${c}/${d}`));
    }
    expect(files).toEqual([...files].sort());
    expect(k8s.platforms.map((p) => p.node.id)).toEqual(['staging', 'prod-us-east-1', 'prod-eu-west-1']);
  });

  test("each cluster's argocd/ holds its projects and add-ons, named after it; no root, component Application, argocd-cm or tenant ApplicationSet of its own", () => {
    const argocd = all.filter((m) => m.directory === 'staging/argocd').map((m) => `${m.resource.kind} ${m.resource.metadata.name}`);
    expect(argocd).toEqual(expect.arrayContaining(['AppProject staging-platform', 'AppProject staging-search', 'Application staging-istiod', 'Application staging-keda']));
    expect(argocd.filter((a) => !/^(AppProject|Application) staging-/.test(a))).toEqual([]);
    expect(argocd.filter((a) => /staging-(tenancy|policies|gpu|mesh|observability)$/.test(a))).toEqual([]);
    const istiod = all.find((m) => m.path === 'staging/argocd/Application.staging-istiod.k8s.yaml')!.resource;
    expect(istiod.spec.destination).toEqual({ name: 'staging', namespace: 'istio-system' });
    expect(istiod.spec.project).toBe('staging-platform');
    const project = all.find((m) => m.path === 'staging/argocd/AppProject.staging-search.k8s.yaml')!.resource;
    expect(project.spec.destinations).toEqual([{ name: 'staging', namespace: 'search' }]);
    const platform = all.find((m) => m.path === 'staging/argocd/AppProject.staging-platform.k8s.yaml')!.resource;
    // the components' namespace stays allowed (their Applications come from the hub); no Argo CD namespace of its own
    expect(platform.spec.destinations).toEqual(expect.arrayContaining([{ name: 'staging', namespace: 'llm-platform-system' }]));
    expect(platform.spec.destinations.filter((d: any) => d.namespace === 'argocd' || d.server)).toEqual([]);
  });

  test('every object passes its schema (ApplicationSet, AppProject, Application CRDs; Secret and ConfigMap OpenAPI)', () => {
    expectValidManifests(all.map((m) => m.resource));
  });

  test('cluster Secrets: the hub in-cluster, every registered cluster with awsAuthConfig (its spoke role) and its CA; no credential', () => {
    expect(all.filter((m) => m.resource.kind === 'Secret').map((m) => m.path)).toEqual([
      'fleet/Secret.cluster-prod-eu-west-1.k8s.yaml', 'fleet/Secret.cluster-prod-us-east-1.k8s.yaml', 'fleet/Secret.cluster-staging.k8s.yaml',
    ]);
    const staging = hub('Secret', 'cluster-staging');
    expect(staging.metadata.labels).toEqual(expect.objectContaining({
      'argocd.argoproj.io/secret-type': 'cluster',
      [FleetLabels.FLEET]: 'acme-llm',
      [FleetLabels.ENVIRONMENT]: 'staging',
      [FleetLabels.REGION]: 'us-east-1',
      [FleetLabels.CLUSTER]: 'staging',
    }));
    expect(staging.stringData.name).toBe('staging');
    expect(staging.stringData.server).toBe('https://EXAMPLE1.gr7.us-east-1.eks.amazonaws.com');
    expect(JSON.parse(staging.stringData.config)).toEqual({
      awsAuthConfig: { clusterName: 'acme-llm-staging', roleARN: 'arn:aws:iam::111111111111:role/acme-llm-staging-argocd-spoke' },
      tlsClientConfig: { insecure: false, caData: EXAMPLE_CA },
    });
    const self = hub('Secret', 'cluster-prod-us-east-1');
    expect(self.stringData.server).toBe('https://kubernetes.default.svc');
    expect(JSON.parse(self.stringData.config)).toEqual({ tlsClientConfig: { insecure: false } });
    for (const m of all.filter((x) => x.resource.kind === 'Secret')) {
      expect(Object.keys(JSON.parse(m.resource.stringData.config))).not.toEqual(expect.arrayContaining(['bearerToken']));
      expect(m.resource.data).toBeUndefined();
    }
  });

  test("the spoke role in each cluster Secret is the role AwsFleet creates in that cluster's stack", () => {
    const aws = new AwsFleet(Testing.app(), 'aws', { fleet });
    for (const c of fleet.clusters.filter((x) => !x.hub)) {
      const tf = JSON.parse(Testing.synth(aws.stackOf(c.name)));
      const role = Object.values<any>(tf.resource.aws_iam_role).find((r) => /argocd-spoke$/.test(r.name));
      const config = JSON.parse(hub('Secret', `cluster-${c.name}`).stringData.config);
      expect(config.awsAuthConfig.roleARN).toBe(`arn:aws:iam::${c.accountId}:role/${role.name}`);
      expect(config.awsAuthConfig.clusterName).toBe(Object.values<any>(tf.resource.aws_eks_cluster)[0].name);
    }
  });

  test('the fleet ApplicationSet: per cluster its root (on the hub) and, matrixed with literal git directories, its components and tenants', () => {
    expect(appSet.spec.goTemplateOptions).toEqual(['missingkey=error']);
    const [root, ...rest] = appSet.spec.generators;
    expect(root).toEqual({
      clusters: {
        selector: { matchLabels: { [FleetLabels.FLEET]: 'acme-llm' } },
        values: { app: 'platform', role: 'platform', path: '{{.name}}/argocd', project: 'fleet', destination: 'prod-us-east-1', namespace: 'argocd', serverSideApply: 'false' },
      },
    });
    expect(rest.map((g: any) => `${g.matrix.generators[0].clusters.values.app}:${g.matrix.generators[0].clusters.values.role}`))
      .toEqual(['tenancy:tenancy', 'gpu:components', 'policies:policies', 'mesh:components', 'observability:components', 'search:tenant']);
    expect(rest[2].matrix.generators[0].clusters.values).toEqual({
      app: 'policies', role: 'policies', path: '{{.name}}/policies', project: '{{.name}}-platform', destination: '{{.name}}', namespace: 'llm-platform-system', serverSideApply: 'true',
    });
    const tenant = rest[5];
    expect(tenant.matrix.generators[0].clusters.values).toEqual({
      app: 'search', role: 'tenant', path: '{{.name}}/search', project: '{{.name}}-search', destination: '{{.name}}', namespace: 'search', serverSideApply: 'false',
    });
    expect(tenant.matrix.generators[1].git.directories).toEqual([{ path: '{{.name}}/search' }]);
    expect(appSet.spec.template.metadata.labels).toEqual(expect.objectContaining({
      [FleetLabels.ENVIRONMENT]: `{{index .metadata.labels "${FleetLabels.ENVIRONMENT}"}}`,
      [FleetLabels.ROLE]: '{{.values.role}}',
    }));
    expect(appSet.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
  });

  test('RollingSync: staging first, then prod region by region; in each stage the sync-wave order of a single platform; RollingSync syncs (no automated sync)', () => {
    expect(appSet.spec.strategy.type).toBe('RollingSync');
    const steps = appSet.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions.map((e: any) => e.values[0]).join('/'));
    const stage = (s: string) => ['platform', 'tenancy', 'policies', 'components', 'tenant'].map((r) => `${s}/${r}`);
    expect(steps).toEqual([...stage('staging/us-east-1'), ...stage('prod/us-east-1'), ...stage('prod/eu-west-1')]);
    expect(appSet.spec.template.spec.syncPolicy.automated).toBeUndefined();
    // the feature flag of the pinned Argo CD (docs/operator-manual/applicationset/Progressive-Syncs.md at v3.5.1)
    expect(hub('ConfigMap', 'argocd-cmd-params-cm').data).toEqual({ 'applicationsetcontroller.enable.progressive.syncs': 'true' });
    expect(hub('ConfigMap', 'argocd-cm').data['resource.customizations.health.argoproj.io_Application']).toContain('obj.status.health.status');
  });

  test('the hub project permits the roots (Argo CD objects in argocd on the hub) and nothing cluster-scoped', () => {
    const project = hub('AppProject', 'fleet');
    expect(project.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      { name: 'prod-us-east-1', namespace: 'argocd' },
    ]);
    expect(project.spec.clusterResourceWhitelist).toEqual([]);
    expect(hub('Application', 'fleet').spec.source.path).toBe('fleet');
  });

  test('the written tree holds the GitOps contract: every directory synced by one Application its project permits', () => {
    const dir = tempDir();
    k8s.synth(dir);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
    const generated = report.applications.filter((a) => a.origin === 'ApplicationSet/fleet').map((a) => a.name).sort();
    expect(generated).toEqual(['prod-eu-west-1', 'prod-us-east-1', 'staging'].flatMap((c) => ['gpu', 'mesh', 'observability', 'platform', 'policies', 'search', 'tenancy'].map((a) => `${c}-${a}`)));
  });

  test("each cluster's twin sees the hub's root with the Application health check: twin-clean, waves ordered", () => {
    expect(k8s.verify(all)).toEqual([]);
    for (const p of k8s.platforms) {
      const report = p.twin();
      expect(report.validationProblems).toEqual([]);
      expect(report.bootstrap.summary.join('\n')).toContain(`app-of-apps root Application argocd/${p.node.id}-platform with the Application health check`);
      expect(report.bootstrap.passed).toBe(report.bootstrap.checked);
    }
  });

  test('synth writes the tree with its owner file, deterministically', () => {
    const dir = tempDir();
    const written = k8s.synth(dir);
    expect(written).toEqual(files);
    const owner = JSON.parse(fs.readFileSync(path.join(dir, '.llm-platform.json'), 'utf8'));
    expect(owner).toEqual({ owner: "fleet 'acme-llm'", files });
    const first = fs.readFileSync(path.join(dir, 'fleet/ApplicationSet.fleet.k8s.yaml'), 'utf8');
    k8s.synth(dir);
    expect(fs.readFileSync(path.join(dir, 'fleet/ApplicationSet.fleet.k8s.yaml'), 'utf8')).toBe(first);
    expect(YAML.parse(first).kind).toBe('ApplicationSet');
  });
});

test('with recordConstructMetadata (cdk8s synth with validations), the tree gets construct-metadata.json naming each object\'s construct', () => {
  const dir = tempDir();
  const k8s = new KubernetesFleet(new App({ recordConstructMetadata: true }), 'fleet', { fleet: new Fleet(registeredFleetSpec()) });
  const files = k8s.synth(dir);
  const metadata = JSON.parse(fs.readFileSync(path.join(dir, 'construct-metadata.json'), 'utf8'));
  // cdk8s-cli keys the file by object identity (kind, namespace, name), which the clusters share: one entry per identity
  expect(Object.keys(metadata.resources)).toEqual(expect.arrayContaining(['argoproj.io/v1alpha1/ApplicationSet argocd/fleet', 'v1/Secret argocd/cluster-staging']));
  expect(files.length).toBeGreaterThan(Object.keys(metadata.resources).length / 2);
  const paths = Object.values<any>(metadata.resources).map((r) => r.path);
  expect(paths).toEqual(expect.arrayContaining(['fleet/hub/ApplicationSet', 'fleet/hub/Cluster-staging']));
  expect(paths.filter((p) => p === undefined)).toEqual([]);
});

describe('KubernetesFleet: registration, hub and progressive sync options', () => {
  test('an unregistered cluster: its tree is written, but no cluster Secret (the hub generates nothing for it)', () => {
    const k8s = new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(fleetSpec()) });
    const secrets = k8s.manifests().filter((m) => m.resource.kind === 'Secret').map((m) => m.resource.metadata.name);
    expect(secrets).toEqual(['cluster-prod-us-east-1']);
    expect(k8s.manifests().some((m) => m.directory === 'staging/search')).toBe(true);
  });

  test('progressiveSync false: no strategy, no cmd-params ConfigMap, generated Applications sync automatically', () => {
    const k8s = new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(registeredFleetSpec({ progressiveSync: false })) });
    const all = k8s.manifests();
    const set = all.find((m) => m.resource.kind === 'ApplicationSet')!.resource;
    expect(set.spec.strategy).toBeUndefined();
    expect(set.spec.template.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(all.some((m) => m.resource.metadata.name === 'argocd-cmd-params-cm')).toBe(false);
  });

  test('hub: another cluster runs it when named; its Secret is in-cluster and the roots target it', () => {
    const spec = registeredFleetSpec();
    const k8s = new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet({ ...spec, hub: 'staging', environments: spec.environments.map((e) => (e.name === 'staging' ? { ...e, clusters: [{ region: 'us-east-1' }] } : { ...e, clusters: e.clusters.map((c, i) => ({ ...c, vpcCidr: `10.${i + 1}.0.0/16`, apiServer: { url: `https://X.gr7.${c.region}.eks.amazonaws.com`, certificateAuthorityData: EXAMPLE_CA } })) })) }) });
    const all = k8s.manifests();
    const secret = all.find((m) => m.path === 'fleet/Secret.cluster-staging.k8s.yaml')!.resource;
    expect(secret.stringData.server).toBe('https://kubernetes.default.svc');
    expect(all.find((m) => m.resource.kind === 'ApplicationSet')!.resource.spec.generators[0].clusters.values.destination).toBe('staging');
  });

  test("refused: a cluster named 'fleet' (the hub's directory)", () => {
    const spec = registeredFleetSpec();
    const fleet = new Fleet({ ...spec, environments: [spec.environments[0], { ...spec.environments[1], clusters: [{ region: 'us-east-1', name: 'fleet' }] }] });
    expect(() => new KubernetesFleet(new App(), 'fleet', { fleet })).toThrow(/'fleet' has a cluster named 'fleet', the hub's directory, got 'fleet'; give the cluster another 'name'/);
  });

  test('refused: a cluster whose AppProject names (<cluster>-<tenant>) exceed 63 characters', () => {
    const spec = registeredFleetSpec();
    const tenant = 's'.repeat(50);
    const platform = {
      ...spec.platform,
      tenants: spec.platform.tenants.map((t) => (t.name === 'search' ? { ...t, name: tenant } : t)),
      models: spec.platform.models!.map((m) => (m.tenant === 'search' ? { ...m, tenant } : m)),
    };
    const fleet = new Fleet({ ...spec, platform });
    expect(() => new KubernetesFleet(new App(), 'fleet', { fleet }))
      .toThrow(new RegExp(`'fleet' gives cluster 'prod-us-east-1' the AppProject name 'prod-us-east-1-${tenant}', longer than 63 characters`));
  });

  test('refused: app.synth() (the tree is written by fleet.synth())', () => {
    const app = new App({ outdir: tempDir() });
    new KubernetesFleet(app, 'fleet', { fleet: new Fleet(registeredFleetSpec()) });
    expect(() => app.synth()).toThrow(/write the fleet with 'fleet.synth\(\)'/);
  });

  test("refused: a hub-managed platform's own synth()", () => {
    const k8s = new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(registeredFleetSpec()) });
    const err = captureError(() => k8s.platformOf('staging').synth(tempDir()));
    expect(err.problems[0]).toEqual(expect.objectContaining({ prop: 'hubManaged', fix: expect.stringContaining("'KubernetesFleet.synth()'") }));
  });

  test('platformOf an unknown cluster names the known ones', () => {
    const k8s = new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(registeredFleetSpec()) });
    expect(() => k8s.platformOf('dev')).toThrow(/'cluster' is not a cluster of the fleet, got 'dev'; use one of: staging, prod-us-east-1, prod-eu-west-1/);
  });
});

test("KubernetesPlatform.componentWave: tenancy, then policies, then the other components (a single platform's waves, the fleet's step order)", () => {
  expect(['tenancy', 'policies', 'gpu', 'mesh', 'observability'].map((c) => KubernetesPlatform.componentWave(c)))
    .toEqual([SyncWave.TENANCY, SyncWave.POLICIES, SyncWave.PLATFORM_COMPONENTS, SyncWave.PLATFORM_COMPONENTS, SyncWave.PLATFORM_COMPONENTS]);
});

describe('promotion: changing one environment changes only its files', () => {
  test("a staging override (model replicas) changes files under staging/ only; prod's and the hub's are byte-identical", () => {
    const base = byPath(new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(registeredFleetSpec()) }));
    const model = registeredFleetSpec().platform.models![0];
    const changed = byPath(new KubernetesFleet(new App(), 'fleet', {
      fleet: new Fleet(registeredFleetSpec({ overrides: [{ environment: 'staging', models: [{ name: model.name, replicas: { min: 1, max: 2 } }] }] })),
    }));
    const differing = [...new Set([...base.keys(), ...changed.keys()])].filter((p) => JSON.stringify(base.get(p)) !== JSON.stringify(changed.get(p)));
    expect(differing.length).toBeGreaterThan(0);
    expect(differing.filter((p) => !p.startsWith('staging/'))).toEqual([]);
  });
});

describe('synth never writes over another platform', () => {
  test("a fleet into a single platform's tree: refused, naming the owner; nothing written", () => {
    const dir = tempDir();
    new KubernetesPlatform(new App(), 'acme-llm', { spec: smallSpec() }).synth(dir);
    const before = fs.readdirSync(dir).sort();
    const k8s = new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(registeredFleetSpec()) });
    const err = captureError(() => k8s.synth(dir));
    expect(err.problems[0]).toEqual(expect.objectContaining({ prop: 'outdir', problem: expect.stringContaining("holds the GitOps tree of platform 'acme-llm' (environment 'dev')") }));
    expect(err.problems[0].fix).toContain('describe both clusters in one Fleet');
    expect(fs.readdirSync(dir).sort()).toEqual(before);
  });

  test('a second single platform (staging) over the first (dev): refused', () => {
    const dir = tempDir();
    new KubernetesPlatform(new App(), 'acme-llm', { spec: smallSpec() }).synth(dir);
    const staging = new KubernetesPlatform(new App(), 'acme-llm', { spec: { ...smallSpec(), environment: 'staging' } });
    expect(() => staging.synth(dir)).toThrow(/'outdir' holds the GitOps tree of platform 'acme-llm' \(environment 'dev'\) \(\d+ files, .llm-platform.json\); writing platform 'acme-llm' \(environment 'staging'\) there would overwrite it/);
  });

  test('files of something else (no owner file) where the platform would write: refused', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'argocd'));
    fs.writeFileSync(path.join(dir, 'argocd', 'AppProject.platform.k8s.yaml'), 'kind: AppProject\n');
    const platform = new KubernetesPlatform(new App(), 'acme-llm', { spec: smallSpec() });
    expect(() => platform.synth(dir)).toThrow(/'outdir' already holds 1 of the files platform 'acme-llm' \(environment 'dev'\) writes, and no .llm-platform.json says who wrote them \(another tool, or cdk-llm-platform before it recorded owners\), e.g. argocd\/AppProject.platform.k8s.yaml.*delete the old tree/);
    // other files beside the tree stay and do not stop it
    fs.rmSync(path.join(dir, 'argocd'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'README.md'), '# gitops\n');
    platform.synth(dir);
    expect(fs.existsSync(path.join(dir, 'README.md'))).toBe(true);
  });

  test('an unreadable owner file: refused', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, '.llm-platform.json'), '{ not json');
    expect(() => new KubernetesPlatform(new App(), 'acme-llm', { spec: smallSpec() }).synth(dir)).toThrow(/'outdir' holds an unreadable .llm-platform.json/);
  });

  test("the same platform again: its previous run's files that it no longer writes are removed (Argo CD prunes their objects)", () => {
    const dir = tempDir();
    const spec = smallSpec();
    const first = new KubernetesPlatform(new App(), 'acme-llm', { spec }).synth(dir);
    const fewer = { ...spec, models: spec.models!.slice(1) };
    const second = new KubernetesPlatform(new App(), 'acme-llm', { spec: fewer }).synth(dir);
    const removed = first.filter((f) => !second.includes(f));
    expect(removed.length).toBeGreaterThan(0);
    for (const f of removed) expect(fs.existsSync(path.join(dir, f))).toBe(false);
    for (const f of second) expect(fs.existsSync(path.join(dir, f))).toBe(true);
    expect(JSON.parse(fs.readFileSync(path.join(dir, '.llm-platform.json'), 'utf8')).files).toEqual(second);
  });
});

function captureError(fn: () => void): ValidationError {
  try {
    fn();
  } catch (e) {
    if (ValidationError.isValidationError(e)) return e as ValidationError;
    throw e;
  }
  throw new Error('expected a ValidationError');
}
