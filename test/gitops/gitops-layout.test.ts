import * as path from 'path';
import { App, Chart, YamlOutputType } from 'cdk8s';
import { ValidationError } from '../../src/core/errors';
import { GitOpsLayout, LayoutOwnerKind } from '../../src/gitops';

const REPO = 'https://git.example.com/acme/platform-gitops.git';

function layout(extra: any = {}): GitOpsLayout {
  return new GitOpsLayout({
    repoUrl: REPO,
    environments: [{ name: 'dev' }, { name: 'prod', server: 'https://prod.eks.example.com' }],
    tenants: [{ name: 'search' }, { name: 'chat', namespaces: ['chat', 'chat-batch'] }],
    platformComponents: [{ name: 'tenancy' }, { name: 'policies', namespace: 'kyverno' }],
    ...extra,
  });
}

function expectValidationError(fn: () => void, ...fragments: string[]): void {
  let caught: any;
  try { fn(); } catch (e) { caught = e; }
  expect(caught).toBeDefined();
  expect(ValidationError.isValidationError(caught)).toBe(true);
  for (const f of fragments) expect(caught.message).toContain(f);
}

describe('GitOpsLayout', () => {
  test('defaults: main branch, repo root, argocd namespace and bootstrap dir, platform project', () => {
    const l = layout();
    expect(l.targetRevision).toBe('main');
    expect(l.rootPath).toBe('');
    expect(l.argocdNamespace).toBe('argocd');
    expect(l.bootstrapDirectory()).toBe('argocd');
    expect(l.platformProjectName).toBe('platform');
    expect(l.environment('dev').server).toBe('https://kubernetes.default.svc');
    expect(l.tenant('search').namespaces).toEqual(['search']);
    expect(l.platformComponent('tenancy').namespace).toBe('llm-platform-system');
  });

  test('directories: <environment>/<owner> per environment in promotion order, then bootstrap', () => {
    const dirs = layout({ rootPath: 'dist' }).directories();
    expect(dirs.map((d) => d.path)).toEqual([
      'dist/dev/policies', 'dist/dev/tenancy', 'dist/dev/chat', 'dist/dev/search',
      'dist/prod/policies', 'dist/prod/tenancy', 'dist/prod/chat', 'dist/prod/search',
      'dist/argocd',
    ]);
    const chat = dirs.find((d) => d.path === 'dist/prod/chat')!;
    expect(chat).toEqual({
      path: 'dist/prod/chat',
      ownerKind: LayoutOwnerKind.TENANT,
      owner: 'chat',
      environment: 'prod',
      project: 'chat',
      namespace: 'chat',
      server: 'https://prod.eks.example.com',
    });
    expect(dirs.find((d) => d.path === 'dist/dev/policies')).toMatchObject({ ownerKind: LayoutOwnerKind.PLATFORM_COMPONENT, project: 'platform', namespace: 'kyverno' });
  });

  test('directory helpers and locate', () => {
    const l = layout();
    expect(l.environmentDirectory('dev')).toBe('dev');
    expect(l.tenantDirectory('prod', 'search')).toBe('prod/search');
    expect(l.platformComponentDirectory('dev', 'tenancy')).toBe('dev/tenancy');
    expect(l.locate('./dev/search/')?.owner).toBe('search');
    expect(l.locate('dev/unknown')).toBeUndefined();
  });

  test('appProps write one file per resource into the owner directory; directoryOf finds it back', () => {
    const l = layout();
    const props = l.appProps('/tmp/out', 'dev', 'search');
    expect(props).toEqual({ outdir: path.join('/tmp/out', 'dev', 'search'), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
    const chart = new Chart(new App(props), 'search');
    expect(l.directoryOf(chart, '/tmp/out').path).toBe('dev/search');
    expect(l.bootstrapAppProps('/tmp/out').outdir).toBe(path.join('/tmp/out', 'argocd'));
  });

  test('a tenant path outside the layout is a ValidationError', () => {
    const l = layout();
    expectValidationError(() => l.tenantDirectory('dev', 'billing'), "'tenant' is not a tenant of the layout", "'billing'", "add it to 'tenants'");
    expectValidationError(() => l.appProps('/tmp/out', 'qa', 'search'), "'environment'", "'qa'");
    expectValidationError(() => l.appProps('/tmp/out', 'dev', 'billing'), "'owner'", "'billing'");
    const stray = new Chart(new App({ outdir: '/tmp/out/dev/billing', yamlOutputType: YamlOutputType.FILE_PER_RESOURCE }), 'billing');
    expectValidationError(() => l.directoryOf(stray, '/tmp/out'), "'outdir' is outside the GitOps layout", '/tmp/out/dev/billing');
    const perChart = new Chart(new App({ outdir: '/tmp/out/dev/search' }), 'search');
    expectValidationError(() => l.directoryOf(perChart, '/tmp/out'), "'yamlOutputType' must be FILE_PER_RESOURCE");
  });

  test('bad layouts', () => {
    expectValidationError(() => layout({ repoUrl: '*' }), "'repoUrl' must be one literal repository URL", "'*'");
    expectValidationError(() => layout({ environments: [] }), "'environments' must list at least one environment");
    expectValidationError(() => layout({ environments: [{ name: 'dev' }, { name: 'dev' }] }), "'environments[1].name' must be unique");
    expectValidationError(() => layout({ environments: [{ name: 'argocd' }] }), 'bootstrap directory');
    expectValidationError(() => layout({ environments: [{ name: 'dev', server: '*' }] }), "'environments[0].server'", "'*'");
    expectValidationError(() => layout({ tenants: [{ name: 'search', namespaces: ['search-*'] }] }),
      "'tenants[0].namespaces[0]' must be a literal namespace, not a pattern", "'search-*'");
    expectValidationError(() => layout({ tenants: [{ name: 'policies' }] }), "'platformComponents[1].name' names a directory already used by tenant 'policies'");
    expectValidationError(() => layout({ tenants: [{ name: 'platform' }] }), "'tenants[0].name' must not be 'platform'");
    expectValidationError(() => layout({ rootPath: '../x' }), "'rootPath' must be a relative folder");
    expectValidationError(() => layout({ tenants: [{ name: 'Search' }] }), "'tenants[0].name' must be a DNS-1123 label");
  });
});

describe('GitOpsLayout: clusters by Argo CD name (clusterName)', () => {
  const byName = () => layout({ environments: [{ name: 'dev' }, { name: 'prod', clusterName: 'prod-eu-west-1' }] });

  test('default: an environment targets its cluster by server (no clusterName)', () => {
    const l = layout();
    expect(l.environment('dev').clusterName).toBeUndefined();
    expect(l.environment('prod').clusterName).toBeUndefined();
    expect(l.directories().every((d) => d.clusterName === undefined)).toBe(true);
    expect(l.directories().every((d) => !('clusterName' in d))).toBe(true);
  });

  test('clusterName is kept on the environment', () => {
    expect(byName().environment('prod')).toEqual({ name: 'prod', server: 'https://kubernetes.default.svc', clusterName: 'prod-eu-west-1' });
  });

  test('destinationOf: { server } by default, the in-cluster server when unset, { name } for a cluster by name', () => {
    const l = byName();
    expect(l.destinationOf('dev')).toEqual({ server: 'https://kubernetes.default.svc' });
    expect(l.destinationOf('prod')).toEqual({ name: 'prod-eu-west-1' });
    expect(layout().destinationOf('prod')).toEqual({ server: 'https://prod.eks.example.com' });
  });

  test('destinationOf an environment outside the layout is a ValidationError', () => {
    expectValidationError(() => byName().destinationOf('qa'), "'environment' is not an environment of the layout", "got 'qa'", "use one of dev, prod or add it to 'environments'");
  });

  test('directories of a by-name environment carry its clusterName; by-server ones and the bootstrap directory do not', () => {
    const dirs = byName().directories();
    expect(dirs.find((d) => d.path === 'prod/chat')).toEqual({
      path: 'prod/chat',
      ownerKind: LayoutOwnerKind.TENANT,
      owner: 'chat',
      environment: 'prod',
      project: 'chat',
      namespace: 'chat',
      server: 'https://kubernetes.default.svc',
      clusterName: 'prod-eu-west-1',
    });
    expect(dirs.find((d) => d.path === 'prod/policies')).toMatchObject({ ownerKind: LayoutOwnerKind.PLATFORM_COMPONENT, clusterName: 'prod-eu-west-1' });
    expect(dirs.filter((d) => d.environment === 'prod').every((d) => d.clusterName === 'prod-eu-west-1')).toBe(true);
    expect(dirs.filter((d) => d.environment === 'dev').every((d) => !('clusterName' in d))).toBe(true);
    const bootstrap = dirs.find((d) => d.ownerKind === LayoutOwnerKind.BOOTSTRAP)!;
    expect(bootstrap).toEqual({ path: 'argocd', ownerKind: LayoutOwnerKind.BOOTSTRAP, owner: 'argocd', project: 'platform', namespace: 'argocd', server: 'https://kubernetes.default.svc' });
    expect(byName().locate('prod/search')?.clusterName).toBe('prod-eu-west-1');
  });

  test('cluster names with digits, dots and dashes are accepted', () => {
    for (const clusterName of ['a', 'prod-eu-west-1', 'eks.prod.example.com', '0cluster9']) {
      expect(layout({ environments: [{ name: 'dev', clusterName }] }).destinationOf('dev')).toEqual({ name: clusterName });
    }
  });

  test('clusterName together with server is a ValidationError', () => {
    expectValidationError(() => layout({ environments: [{ name: 'dev' }, { name: 'prod', server: 'https://prod.eks.example.com', clusterName: 'prod' }] }),
      "'environments[1].clusterName' must not be set together with 'server'", "got 'prod'", 'target the cluster by name or by server, not both');
  });

  test('a cluster name that is not one literal name is a ValidationError', () => {
    for (const clusterName of ['', 'Prod', 'prod_eu', 'prod eu', '-prod', 'prod-', 'prod.', 'prod-*', '*', 'prod-?', '[ab]', 'a'.repeat(254)]) {
      expectValidationError(() => layout({ environments: [{ name: 'dev', clusterName }] }),
        "'environments[0].clusterName' must be one literal cluster name (lower case letters, digits, . and -)", `got '${clusterName}'`,
        "use the name of the cluster's Argo CD cluster Secret, e.g. 'prod-eu-west-1'");
    }
    expect(layout({ environments: [{ name: 'dev', clusterName: 'a'.repeat(253) }] }).destinationOf('dev')).toEqual({ name: 'a'.repeat(253) });
  });

  test('a cluster name that is not a string is refused', () => {
    expectValidationError(() => layout({ environments: [{ name: 'dev', clusterName: 5 }] }), "'environments[0].clusterName'", 'got 5');
  });
});

describe('GitOpsLayout: sharedRepository', () => {
  const shared = (extra: any = {}) => layout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }], sharedRepository: true, ...extra });

  test('project names: the environment name is checked first; a project name over 63 characters names what made it', () => {
    expectValidationError(() => layout({ environments: [{ name: 'Dev' }], sharedRepository: true }), "'environments[0].name'", 'Dev');
    expectValidationError(() => layout({ environments: [{ name: 'a'.repeat(60) }], sharedRepository: true }),
      "'environments[0].name' makes the AppProject name", '(environment-platform) longer than 63 characters', 'shorten the environment (cluster) name');
    expectValidationError(() => layout({ environments: [{ name: 'a'.repeat(50) }], sharedRepository: true, tenants: [{ name: 't'.repeat(20) }] }),
      "'tenants[0].name' makes the AppProject name", '(environment-tenant) longer than 63 characters');
    // at the limit: no hash, the literal name the fleet ApplicationSet templates
    const l = layout({ environments: [{ name: 'a'.repeat(50) }], sharedRepository: true, tenants: [{ name: 't'.repeat(12) }] });
    expect(l.tenantProjectName('t'.repeat(12))).toBe(`${'a'.repeat(50)}-${'t'.repeat(12)}`);
  });

  test('default: not shared (bootstrap directory at the root, projects named after the tenants)', () => {
    const l = layout();
    expect(l.sharedRepository).toBe(false);
    expect(l.bootstrapDirectory()).toBe('argocd');
    expect(l.tenantProjectName('search')).toBe('search');
    expect(l.tenantProjectName('chat')).toBe('chat');
    expect(l.platformProjectName).toBe('platform');
    expect(layout({ sharedRepository: false }).sharedRepository).toBe(false);
  });

  test('the bootstrap directory moves into the environment directory (under rootPath too)', () => {
    const l = shared();
    expect(l.sharedRepository).toBe(true);
    expect(l.bootstrapDirectory()).toBe('dev/argocd');
    expect(shared({ rootPath: 'fleet' }).bootstrapDirectory()).toBe('fleet/dev/argocd');
    expect(shared({ bootstrapDirectoryName: 'bootstrap' }).bootstrapDirectory()).toBe('dev/bootstrap');
    expect(l.bootstrapAppProps('/tmp/out')).toEqual({ outdir: path.join('/tmp/out', 'dev', 'argocd'), yamlOutputType: YamlOutputType.FILE_PER_RESOURCE });
  });

  test('the AppProjects are named after the environment', () => {
    const l = shared();
    expect(l.platformProjectName).toBe('dev-platform');
    expect(l.tenantProjectName('search')).toBe('dev-search');
    expect(l.tenantProjectName('chat')).toBe('dev-chat');
    // an explicit platform project name is kept as given
    expect(shared({ platformProjectName: 'ops' }).platformProjectName).toBe('ops');
  });

  test('tenantProjectName of a tenant outside the layout is a ValidationError (shared or not)', () => {
    expectValidationError(() => shared().tenantProjectName('billing'), "'tenant' is not a tenant of the layout", "got 'billing'", "use one of search, chat or add it to 'tenants'");
    expectValidationError(() => layout().tenantProjectName('billing'), "'tenant' is not a tenant of the layout", "got 'billing'");
  });

  test('directories: tenants and components under the environment, then <environment>/argocd; projects per environment', () => {
    const dirs = shared({ rootPath: 'fleet' }).directories();
    expect(dirs.map((d) => d.path)).toEqual(['fleet/dev/policies', 'fleet/dev/tenancy', 'fleet/dev/chat', 'fleet/dev/search', 'fleet/dev/argocd']);
    expect(dirs.find((d) => d.path === 'fleet/dev/chat')).toEqual({
      path: 'fleet/dev/chat',
      ownerKind: LayoutOwnerKind.TENANT,
      owner: 'chat',
      environment: 'dev',
      project: 'dev-chat',
      namespace: 'chat',
      server: 'https://kubernetes.default.svc',
      clusterName: 'dev-eu',
    });
    expect(dirs.find((d) => d.path === 'fleet/dev/tenancy')).toMatchObject({ project: 'dev-platform', clusterName: 'dev-eu' });
    expect(dirs.find((d) => d.path === 'fleet/dev/argocd')).toEqual({
      path: 'fleet/dev/argocd', ownerKind: LayoutOwnerKind.BOOTSTRAP, owner: 'argocd', project: 'dev-platform', namespace: 'argocd', server: 'https://kubernetes.default.svc',
    });
  });

  test('locate and directoryOf find the bootstrap directory inside the environment', () => {
    const l = shared();
    expect(l.locate('dev/argocd')?.ownerKind).toBe(LayoutOwnerKind.BOOTSTRAP);
    expect(l.locate('argocd')).toBeUndefined();
    const chart = new Chart(new App(l.bootstrapAppProps('/tmp/out')), 'argocd');
    expect(l.directoryOf(chart, '/tmp/out').ownerKind).toBe(LayoutOwnerKind.BOOTSTRAP);
    expect(l.directoryOf(chart, '/tmp/out').path).toBe('dev/argocd');
  });

  test('a shared layout works with an environment by server too', () => {
    const l = layout({ environments: [{ name: 'prod', server: 'https://prod.eks.example.com' }], sharedRepository: true });
    expect(l.bootstrapDirectory()).toBe('prod/argocd');
    expect(l.destinationOf('prod')).toEqual({ server: 'https://prod.eks.example.com' });
    expect(l.tenantProjectName('search')).toBe('prod-search');
  });

  test('a shared repository needs exactly one environment', () => {
    expectValidationError(() => layout({ sharedRepository: true }),
      "'environments' must list exactly one environment in a shared repository (one cluster per layout)", 'got ["dev","prod"]',
      "give each cluster its own layout, or turn 'sharedRepository' off");
    expectValidationError(() => layout({ sharedRepository: true, environments: [] }),
      "'environments' must list exactly one environment in a shared repository", 'got []');
    // without sharing, several environments are fine
    expect(layout({ sharedRepository: false }).environmentNames()).toEqual(['dev', 'prod']);
  });

  test('a tenant or platform component named like the bootstrap directory is refused in a shared repository', () => {
    expectValidationError(() => shared({ tenants: [{ name: 'argocd' }] }),
      "'tenants[0].name' names a directory already used by the bootstrap directory 'argocd'", "got 'argocd'", 'give every tenant and platform component a distinct name');
    expectValidationError(() => shared({ platformComponents: [{ name: 'argocd' }] }),
      "'platformComponents[0].name' names a directory already used by the bootstrap directory 'argocd'", "got 'argocd'");
    expectValidationError(() => shared({ bootstrapDirectoryName: 'bootstrap', tenants: [{ name: 'search' }, { name: 'bootstrap' }] }),
      "'tenants[1].name' names a directory already used by the bootstrap directory 'bootstrap'", "got 'bootstrap'");
    // with the bootstrap directory at the root there is no clash
    expect(layout({ tenants: [{ name: 'argocd', namespaces: ['gitops-tools'] }] }).tenantDirectory('dev', 'argocd')).toBe('dev/argocd');
    expect(shared({ bootstrapDirectoryName: 'bootstrap', tenants: [{ name: 'argocd', namespaces: ['gitops-tools'] }] }).tenantProjectName('argocd')).toBe('dev-argocd');
  });

  test('a tenant whose project would be the platform project is refused in a shared repository', () => {
    expectValidationError(() => shared({ tenants: [{ name: 'platform' }] }), "'tenants[0].name' must not be 'platform' (it names the tenant's AppProject)", "got 'platform'", 'rename the tenant');
    expectValidationError(() => shared({ platformProjectName: 'dev-search', tenants: [{ name: 'search' }] }), "'tenants[0].name' must not be 'search'");
    expectValidationError(() => shared({ tenants: [{ name: 'default' }] }), "'tenants[0].name' must not be 'default'");
    // a tenant named like a custom platform project gets its own '<environment>-' project
    expect(shared({ platformProjectName: 'ops', tenants: [{ name: 'ops' }] }).tenantProjectName('ops')).toBe('dev-ops');
    expect(shared({ platformProjectName: 'ops', tenants: [{ name: 'platform' }] }).tenantProjectName('platform')).toBe('dev-platform');
  });
});
