import { Duration } from 'cdk8s';
import { PlatformProject, ProjectAccess, SyncWindowKind, TenantProject } from '../../src/gitops';
import { findObject, synthChart } from '../util';
import { exampleLayout, expectValidationError, REPO } from './helpers';

describe('TenantProject', () => {
  test('defaults: GitOps repo only, tenant namespaces per cluster, no cluster resources, workload allow-list, orphan warnings', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => new TenantProject(c, 'chat', { layout, tenant: 'chat' }));
    const p = findObject(objects, 'AppProject', 'chat');
    expect(p.metadata.namespace).toBe('argocd');
    expect(p.metadata.labels['llm-platform.io/tenant']).toBe('chat');
    expect(p.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('0');
    expect(p.spec.sourceRepos).toEqual([REPO]);
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'chat' },
      { server: 'https://kubernetes.default.svc', namespace: 'chat-batch' },
      { server: 'https://prod.eks.example.com', namespace: 'chat' },
      { server: 'https://prod.eks.example.com', namespace: 'chat-batch' },
    ]);
    expect(p.spec.clusterResourceWhitelist).toEqual([]);
    const kinds = p.spec.namespaceResourceWhitelist.map((r: any) => `${r.group}/${r.kind}`);
    expect(kinds).toContain('apps/Deployment');
    expect(kinds).toContain('serving.kserve.io/InferenceService');
    for (const forbidden of ['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding', '/ResourceQuota', '/LimitRange', 'networking.k8s.io/NetworkPolicy']) {
      expect(kinds).not.toContain(forbidden);
    }
    expect(p.spec.orphanedResources).toEqual({ warn: true });
    expect(p.spec.roles).toBeUndefined();
    expect(p.spec.syncWindows).toBeUndefined();
    expect(JSON.stringify(p.spec)).not.toContain('"*"');
  });

  test('opt-ins: RBAC, extra kinds and repos, roles mapped to groups, sync windows, no orphan warnings', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => new TenantProject(c, 'search', {
      layout,
      tenant: 'search',
      allowRbac: true,
      additionalResources: [{ group: 'apps', kind: 'DaemonSet' }],
      additionalSourceRepos: ['https://git.example.com/acme/search-config.git'],
      roles: [{ name: 'developers', groups: ['search-devs'], access: ProjectAccess.DEPLOYER }, { name: 'viewers', groups: ['everyone'] }],
      syncWindows: [{ kind: SyncWindowKind.DENY, schedule: '0 22 * * 5', duration: Duration.hours(58), timeZone: 'Europe/Berlin', manualSync: true }],
      warnOnOrphanedResources: false,
    }));
    const p = findObject(objects, 'AppProject', 'search');
    const kinds = p.spec.namespaceResourceWhitelist.map((r: any) => `${r.group}/${r.kind}`);
    expect(kinds).toEqual(expect.arrayContaining(['rbac.authorization.k8s.io/Role', 'rbac.authorization.k8s.io/RoleBinding', 'apps/DaemonSet']));
    expect(p.spec.sourceRepos).toEqual([REPO, 'https://git.example.com/acme/search-config.git']);
    expect(p.spec.roles).toEqual([
      {
        name: 'developers',
        groups: ['search-devs'],
        policies: [
          'p, proj:search:developers, applications, get, search/*, allow',
          'p, proj:search:developers, applications, sync, search/*, allow',
          'p, proj:search:developers, logs, get, search/*, allow',
        ],
      },
      {
        name: 'viewers',
        groups: ['everyone'],
        policies: ['p, proj:search:viewers, applications, get, search/*, allow', 'p, proj:search:viewers, logs, get, search/*, allow'],
      },
    ]);
    expect(p.spec.syncWindows).toEqual([{
      kind: 'deny', schedule: '0 22 * * 5', duration: '58h', applications: ['*'], manualSync: true, timeZone: 'Europe/Berlin',
    }]);
    expect(p.spec.orphanedResources).toEqual({ warn: false });
  });

  test('wildcard source repos are refused', () => {
    const layout = exampleLayout();
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', additionalSourceRepos: ['*'] })),
      "'additionalSourceRepos[0]' must be one literal repository URL, not a pattern", "got '*'", "tenants never get '*'");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', additionalSourceRepos: ['https://github.com/acme/*'] })),
      "'additionalSourceRepos[0]'", "'https://github.com/acme/*'");
  });

  test('wildcard destinations are refused (tenant namespaces and cluster servers)', () => {
    expectValidationError(() => exampleLayout({ tenants: [{ name: 'search', namespaces: ['*'] }] }),
      "'tenants[0].namespaces[0]' must be a literal namespace, not a pattern", "got '*'", 'list each namespace');
    expectValidationError(() => exampleLayout({ tenants: [{ name: 'search', namespaces: ['!kube-system'] }] }), "'tenants[0].namespaces[0]'", "'!kube-system'");
    expectValidationError(() => exampleLayout({ environments: [{ name: 'dev', server: 'https://*.example.com' }] }),
      "'environments[0].server' must be one https API server URL", "'https://*.example.com'");
  });

  test('RBAC kinds need the opt-in; cluster RBAC and patterns are never allowed', () => {
    const layout = exampleLayout();
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', additionalResources: [{ group: 'rbac.authorization.k8s.io', kind: 'RoleBinding' }] })),
      "'additionalResources[0]' grants RBAC kinds without opting in", 'RoleBinding', "set 'allowRbac: true'");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', allowRbac: true, additionalResources: [{ group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' }] })),
      "'additionalResources[0]' is cluster-scoped RBAC");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', additionalResources: [{ group: '*', kind: '*' }] })),
      "'additionalResources[0]' must name one group and kind, not a pattern");
  });

  test('a tenant outside the layout, bad roles and bad sync windows', () => {
    const layout = exampleLayout();
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'billing' })), "'tenant' is not a tenant of the layout", "'billing'");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'search', roles: [{ name: 'devs', groups: [] }] })), "'roles[0].groups' must list at least one literal SSO group");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'search', syncWindows: [{ kind: SyncWindowKind.ALLOW, schedule: 'daily', duration: Duration.hours(1) }] })),
      "'syncWindows[0].schedule' must be a 5-field cron expression", "'daily'");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'search', syncWindows: [{ kind: SyncWindowKind.ALLOW, schedule: '0 1 * * *', duration: Duration.seconds(30) }] })),
      "'syncWindows[0].duration' must be at least one minute", "'30s'");
    expectValidationError(() => ProjectAccess.custom('shell', ['exec, create']), "'permissions'", "'exec, create'");
    expect(ProjectAccess.custom('operator', ['applications, sync']).permissions).toEqual(['applications, sync']);
  });
});

describe('PlatformProject', () => {
  test('restricted sources (GitOps repo + registered chart repos), least-privilege destinations and kinds, admin groups', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => {
      const p = new PlatformProject(c, 'platform', { layout, adminGroups: ['platform-admins'] });
      p.addSourceRepo('https://kyverno.github.io/kyverno');
      p.addSourceRepo('https://charts.jetstack.io');
      p.addSourceRepo('https://kyverno.github.io/kyverno');
    });
    const p = findObject(objects, 'AppProject', 'platform');
    expect(p.spec.sourceRepos).toEqual([REPO, 'https://charts.jetstack.io', 'https://kyverno.github.io/kyverno']);
    // the bootstrap directory (argocd, in-cluster) and the platform components' namespace on each environment's cluster
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      { server: 'https://kubernetes.default.svc', namespace: 'llm-platform-system' },
      { server: 'https://prod.eks.example.com', namespace: 'llm-platform-system' },
    ]);
    expect(p.spec.clusterResourceWhitelist).toEqual([]);
    expect(p.spec.roles[0].groups).toEqual(['platform-admins']);
    expectValidationError(() => synthChart((c) => new PlatformProject(c, 'p', { layout }).addSourceRepo('*')), "'url' must be one literal repository URL", "'*'");
    expectValidationError(() => synthChart((c) => new PlatformProject(c, 'p', { layout, adminGroups: ['*'] })), "'adminGroups[0]'");
    const noRoles = findObject(synthChart((c) => new PlatformProject(c, 'p', { layout })), 'AppProject');
    expect(noRoles.spec.roles).toBeUndefined();
    expect(noRoles.spec.sourceRepos).toEqual([REPO]);
  });
});
