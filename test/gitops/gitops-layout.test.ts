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
