import { Duration } from 'cdk8s';
import { LayoutSelection, PlatformApplicationSet, SyncWave } from '../../src/gitops';
import { findObject, findObjects, synthChart } from '../util';
import { exampleLayout, expectValidationError, REPO } from './helpers';

describe('PlatformApplicationSet', () => {
  test('defaults: every directory, git directory generators with literal values, automated sync, no progressive sync', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => new PlatformApplicationSet(c, 'set', { layout }));
    const set = findObject(objects, 'ApplicationSet', 'llm-platform');
    expect(set.metadata.namespace).toBe('argocd');
    expect(set.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe(String(SyncWave.POLICIES));
    expect(set.spec.goTemplate).toBe(true);
    expect(set.spec.goTemplateOptions).toEqual(['missingkey=error']);
    const gens = set.spec.generators.map((g: any) => g.git);
    // per environment: platform components (one namespace), then each tenant
    expect(gens.map((g: any) => g.directories.map((d: any) => d.path))).toEqual([
      ['dev/policies', 'dev/tenancy'], ['dev/chat'], ['dev/search'],
      ['prod/policies', 'prod/tenancy'], ['prod/chat'], ['prod/search'],
    ]);
    for (const g of gens) {
      expect(g.repoURL).toBe(REPO);
      expect(g.revision).toBe('main');
    }
    expect(gens[1].values).toEqual({ environment: 'dev', project: 'chat', namespace: 'chat', server: 'https://kubernetes.default.svc', ownerKind: 'tenant' });
    expect(gens[3].values).toEqual({ environment: 'prod', project: 'platform', namespace: 'llm-platform-system', server: 'https://prod.eks.example.com', ownerKind: 'platform-component' });
    const t = set.spec.template;
    expect(t.metadata.name).toBe('{{.values.environment}}-{{.path.basename}}');
    expect(t.metadata.labels['llm-platform.io/environment']).toBe('{{.values.environment}}');
    expect(t.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(t.spec.project).toBe('{{.values.project}}');
    expect(t.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: '{{.path.path}}', directory: { recurse: false } });
    expect(t.spec.destination).toEqual({ server: '{{.values.server}}', namespace: '{{.values.namespace}}' });
    expect(t.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    expect(t.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true']);
    expect(t.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } });
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: true });
    expect(set.spec.strategy).toBeUndefined();
  });

  test('progressive sync: RollingSync steps dev -> staging -> prod by environment label', () => {
    const layout = exampleLayout({ environments: [{ name: 'dev' }, { name: 'staging' }, { name: 'prod' }] });
    const objects = synthChart((c) => new PlatformApplicationSet(c, 'set', { layout, selection: LayoutSelection.TENANTS, progressiveSync: true }));
    const set = findObject(objects, 'ApplicationSet', 'tenants');
    expect(set.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe(String(SyncWave.TENANT_APPS));
    expect(set.spec.strategy).toEqual({
      type: 'RollingSync',
      rollingSync: {
        steps: ['dev', 'staging', 'prod'].map((e) => ({ matchExpressions: [{ key: 'llm-platform.io/environment', operator: 'In', values: [e] }] })),
      },
    });
    expect(set.spec.generators.every((g: any) => g.git.values.ownerKind === 'tenant')).toBe(true);
  });

  test('options: selection, environments, server-side apply, retry, no preservation, custom name and wave', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => new PlatformApplicationSet(c, 'set', {
      layout,
      selection: LayoutSelection.PLATFORM_COMPONENTS,
      environments: ['prod'],
      serverSideApply: true,
      preserveResourcesOnDeletion: false,
      retryLimit: 3,
      retryBackoff: Duration.seconds(30),
      maxRetryBackoff: Duration.minutes(10),
      name: 'prod-platform',
      wave: 35,
    }));
    const set = findObject(objects, 'ApplicationSet', 'prod-platform');
    expect(set.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('35');
    expect(set.spec.generators).toHaveLength(1);
    expect(set.spec.generators[0].git.directories).toEqual([{ path: 'prod/policies' }, { path: 'prod/tenancy' }]);
    expect(set.spec.template.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
    expect(set.spec.template.spec.syncPolicy.retry).toEqual({ limit: 3, backoff: { duration: '30s', factor: 2, maxDuration: '10m' } });
    expect(set.spec.syncPolicy).toEqual({ preserveResourcesOnDeletion: false });
  });

  test('two ApplicationSets claiming one directory are a ValidationError; disjoint ones are fine', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => {
      new PlatformApplicationSet(c, 'platform', { layout, selection: LayoutSelection.PLATFORM_COMPONENTS });
      new PlatformApplicationSet(c, 'tenants', { layout, selection: LayoutSelection.TENANTS });
    });
    expect(findObjects(objects, 'ApplicationSet')).toHaveLength(2);
    expectValidationError(() => synthChart((c) => {
      new PlatformApplicationSet(c, 'all', { layout });
      new PlatformApplicationSet(c, 'tenants', { layout, selection: LayoutSelection.TENANTS });
    }), "'directories' claims a directory already synced by ApplicationSet 'llm-platform'", "got 'dev/chat'", 'exactly one Application');
  });

  test('bad input', () => {
    const layout = exampleLayout();
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout, environments: ['qa'] })), "'environment' is not an environment of the layout", "'qa'");
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout, environments: ['dev'], progressiveSync: true })),
      "'progressiveSync' needs at least two environments", '["dev"]');
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout, retryLimit: 0 })), "'retryLimit' must be an integer between 1 and 20", 'got 0');
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout, retryBackoff: Duration.minutes(5), maxRetryBackoff: Duration.minutes(1) })), "'maxRetryBackoff'", "'1m'");
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout, environments: ['dev', 'dev'] })), "'environments' must not repeat an environment");
    const empty = exampleLayout({ tenants: [] });
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout: empty, selection: LayoutSelection.TENANTS })), "'selection' covers no directory of the layout", "'tenants'");
  });
});

describe('PlatformApplicationSet: environments by Argo CD cluster name', () => {
  const byName = (extra: any = {}) => exampleLayout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }, { name: 'prod', clusterName: 'prod-eu' }], ...extra });
  const mixed = () => exampleLayout({ environments: [{ name: 'dev' }, { name: 'prod', clusterName: 'prod-eu' }] });

  test('generator values carry the cluster name (no server) and the template targets destination.name', () => {
    const layout = byName();
    const set = findObject(synthChart((c) => new PlatformApplicationSet(c, 'set', { layout })), 'ApplicationSet', 'llm-platform');
    const gens = set.spec.generators.map((g: any) => g.git);
    expect(gens.map((g: any) => g.directories.map((d: any) => d.path))).toEqual([
      ['dev/policies', 'dev/tenancy'], ['dev/chat'], ['dev/search'],
      ['prod/policies', 'prod/tenancy'], ['prod/chat'], ['prod/search'],
    ]);
    expect(gens[1].values).toEqual({ environment: 'dev', project: 'chat', namespace: 'chat', cluster: 'dev-eu', ownerKind: 'tenant' });
    expect(gens[3].values).toEqual({ environment: 'prod', project: 'platform', namespace: 'llm-platform-system', cluster: 'prod-eu', ownerKind: 'platform-component' });
    for (const g of gens) expect(g.values.server).toBeUndefined();
    expect(set.spec.template.spec.destination).toEqual({ name: '{{.values.cluster}}', namespace: '{{.values.namespace}}' });
  });

  test('a shared repository: generator projects are <environment>-<tenant> and <environment>-platform', () => {
    const layout = exampleLayout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }], sharedRepository: true });
    const set = findObject(synthChart((c) => new PlatformApplicationSet(c, 'set', { layout })), 'ApplicationSet', 'llm-platform');
    expect(set.spec.generators.map((g: any) => g.git.values)).toEqual([
      { environment: 'dev', project: 'dev-platform', namespace: 'llm-platform-system', cluster: 'dev-eu', ownerKind: 'platform-component' },
      { environment: 'dev', project: 'dev-chat', namespace: 'chat', cluster: 'dev-eu', ownerKind: 'tenant' },
      { environment: 'dev', project: 'dev-search', namespace: 'search', cluster: 'dev-eu', ownerKind: 'tenant' },
    ]);
    // the bootstrap directory (dev/argocd) is not generated
    expect(set.spec.generators.flatMap((g: any) => g.git.directories.map((d: any) => d.path))).not.toContain('dev/argocd');
  });

  test('progressive sync works the same with environments by name', () => {
    const layout = byName();
    const set = findObject(synthChart((c) => new PlatformApplicationSet(c, 'set', { layout, selection: LayoutSelection.TENANTS, progressiveSync: true })), 'ApplicationSet', 'tenants');
    expect(set.spec.strategy.rollingSync.steps.map((s: any) => s.matchExpressions[0].values)).toEqual([['dev'], ['prod']]);
    expect(set.spec.template.spec.destination.name).toBe('{{.values.cluster}}');
  });

  test('mixing environments by name and by server in one ApplicationSet is a ValidationError', () => {
    const layout = mixed();
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout })),
      "'environments' must all target their clusters the same way (all by 'server' or all by 'clusterName')", 'got ["dev","prod"]',
      'cover the environments of each kind with their own ApplicationSet');
    expectValidationError(() => synthChart((c) => new PlatformApplicationSet(c, 's', { layout, environments: ['prod', 'dev'], selection: LayoutSelection.TENANTS })),
      "'environments' must all target their clusters the same way", 'got ["prod","dev"]');
  });

  test('the ValidationError for mixed environments names the ApplicationSet construct', () => {
    const layout = mixed();
    let caught: any;
    try {
      synthChart((c) => new PlatformApplicationSet(c, 'mixed', { layout }));
    } catch (e) {
      caught = e;
    }
    expect(caught.problems).toEqual([expect.objectContaining({ prop: 'environments', value: '["dev","prod"]' })]);
    expect(caught.constructPath).toContain('mixed');
  });

  test('one ApplicationSet per kind of environment in a mixed layout is fine', () => {
    const layout = mixed();
    const objects = synthChart((c) => {
      new PlatformApplicationSet(c, 'dev', { layout, environments: ['dev'], name: 'dev' });
      new PlatformApplicationSet(c, 'prod', { layout, environments: ['prod'], name: 'prod' });
    });
    const dev = findObject(objects, 'ApplicationSet', 'dev');
    const prod = findObject(objects, 'ApplicationSet', 'prod');
    expect(dev.spec.template.spec.destination).toEqual({ server: '{{.values.server}}', namespace: '{{.values.namespace}}' });
    expect(dev.spec.generators.every((g: any) => g.git.values.server === 'https://kubernetes.default.svc' && g.git.values.cluster === undefined)).toBe(true);
    expect(prod.spec.template.spec.destination).toEqual({ name: '{{.values.cluster}}', namespace: '{{.values.namespace}}' });
    expect(prod.spec.generators.every((g: any) => g.git.values.cluster === 'prod-eu' && g.git.values.server === undefined)).toBe(true);
  });
});
