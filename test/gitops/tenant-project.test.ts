import { Duration } from 'cdk8s';
import { PlatformProject, ProjectAccess, SyncWindowKind, TenantProject } from '../../src/gitops';
import { findObject, findObjects, synthChart } from '../util';
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

describe('TenantProject and PlatformProject: clusters by Argo CD name, shared repositories', () => {
  const byName = (extra: any = {}) => exampleLayout({ environments: [{ name: 'dev' }, { name: 'prod', clusterName: 'prod-eu-west-1' }], ...extra });
  const shared = (extra: any = {}) => exampleLayout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }], sharedRepository: true, ...extra });

  test('TenantProject: a by-name environment gives { name, namespace } destinations, by-server ones keep { server, namespace }', () => {
    const layout = byName();
    const p = findObject(synthChart((c) => new TenantProject(c, 'chat', { layout, tenant: 'chat' })), 'AppProject', 'chat');
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'chat' },
      { server: 'https://kubernetes.default.svc', namespace: 'chat-batch' },
      { name: 'prod-eu-west-1', namespace: 'chat' },
      { name: 'prod-eu-west-1', namespace: 'chat-batch' },
    ]);
    for (const d of p.spec.destinations.filter((x: any) => x.name)) expect(d.server).toBeUndefined();
  });

  test('TenantProject: environments sharing one cluster name give each destination once', () => {
    const layout = exampleLayout({ environments: [{ name: 'dev', clusterName: 'shared-eu' }, { name: 'staging', clusterName: 'shared-eu' }, { name: 'prod', clusterName: 'prod-eu' }] });
    const p = findObject(synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search' })), 'AppProject', 'search');
    expect(p.spec.destinations).toEqual([{ name: 'shared-eu', namespace: 'search' }, { name: 'prod-eu', namespace: 'search' }]);
  });

  test('TenantProject: one cluster by server in one environment and by name in another gives both destinations', () => {
    const layout = exampleLayout({ environments: [{ name: 'dev', server: 'https://prod.eks.example.com' }, { name: 'prod', clusterName: 'prod.eks.example.com' }] });
    const p = findObject(synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search' })), 'AppProject', 'search');
    expect(p.spec.destinations).toEqual([{ server: 'https://prod.eks.example.com', namespace: 'search' }, { name: 'prod.eks.example.com', namespace: 'search' }]);
  });

  test('TenantProject in a shared repository: project <environment>-<tenant>, roles scoped to it, tenant label unchanged', () => {
    const layout = shared();
    let project: TenantProject | undefined;
    const objects = synthChart((c) => {
      project = new TenantProject(c, 'chat', { layout, tenant: 'chat', roles: [{ name: 'viewers', groups: ['everyone'] }] });
    });
    expect(project!.projectName).toBe('dev-chat');
    expect(project!.tenant).toBe('chat');
    expect(findObjects(objects, 'AppProject', 'chat')).toHaveLength(0);
    const p = findObject(objects, 'AppProject', 'dev-chat');
    expect(p.metadata.namespace).toBe('argocd');
    expect(p.metadata.labels['llm-platform.io/tenant']).toBe('chat');
    expect(p.spec.destinations).toEqual([{ name: 'dev-eu', namespace: 'chat' }, { name: 'dev-eu', namespace: 'chat-batch' }]);
    expect(p.spec.roles).toEqual([{
      name: 'viewers',
      groups: ['everyone'],
      policies: ['p, proj:dev-chat:viewers, applications, get, dev-chat/*, allow', 'p, proj:dev-chat:viewers, logs, get, dev-chat/*, allow'],
    }]);
  });

  test('TenantProject: a tenant outside a shared layout is a ValidationError', () => {
    const layout = shared();
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'billing' })), "'tenant' is not a tenant of the layout", "got 'billing'");
  });

  test('PlatformProject: by-name environments are allowed by name; the bootstrap directory stays on the in-cluster server', () => {
    const layout = byName();
    const p = findObject(synthChart((c) => new PlatformProject(c, 'platform', { layout })), 'AppProject', 'platform');
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: 'argocd' },
      { server: 'https://kubernetes.default.svc', namespace: 'llm-platform-system' },
      { name: 'prod-eu-west-1', namespace: 'llm-platform-system' },
    ]);
  });

  test('PlatformProject in a shared repository: named <environment>-platform, no Argo CD namespace destination', () => {
    const layout = shared();
    let project: PlatformProject | undefined;
    const objects = synthChart((c) => {
      project = new PlatformProject(c, 'platform', { layout, adminGroups: ['platform-admins'], destinationNamespaces: ['monitoring'] });
    });
    expect(project!.projectName).toBe('dev-platform');
    const p = findObject(objects, 'AppProject', 'dev-platform');
    expect(p.spec.destinations).toEqual([
      { name: 'dev-eu', namespace: 'llm-platform-system' },
      { name: 'dev-eu', namespace: 'monitoring' },
    ]);
    expect(p.spec.destinations.some((d: any) => d.namespace === 'argocd')).toBe(false);
    expect(p.spec.roles[0].policies).toEqual(['p, proj:dev-platform:admins, applications, *, dev-platform/*, allow']);
  });

  test('PlatformProject in a shared repository by server: no in-cluster Argo CD namespace destination either', () => {
    const layout = exampleLayout({ environments: [{ name: 'prod', server: 'https://prod.eks.example.com' }], sharedRepository: true });
    const p = findObject(synthChart((c) => new PlatformProject(c, 'platform', { layout })), 'AppProject', 'prod-platform');
    expect(p.spec.destinations).toEqual([{ server: 'https://prod.eks.example.com', namespace: 'llm-platform-system' }]);
  });

  test('PlatformProject unrestricted: every namespace of each target, plus the in-cluster server unless the repository is shared', () => {
    const unrestricted = (layout: any) => findObject(synthChart((c) => new PlatformProject(c, 'p', { layout, unrestricted: true })), 'AppProject').spec.destinations;
    expect(unrestricted(byName())).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: '*' },
      { name: 'prod-eu-west-1', namespace: '*' },
    ]);
    expect(unrestricted(exampleLayout({ environments: [{ name: 'prod', clusterName: 'prod-eu' }] }))).toEqual([
      { name: 'prod-eu', namespace: '*' },
      { server: 'https://kubernetes.default.svc', namespace: '*' },
    ]);
    expect(unrestricted(shared())).toEqual([{ name: 'dev-eu', namespace: '*' }]);
  });
});
