import { Duration } from 'cdk8s';
import { ValidationError } from '../../src/core/errors';
import { GitOpsLayout, SyncWindowKind, TenantProject } from '../../src/gitops';
import { cronProblem, isTimeZone } from '../../src/gitops/private/cron';
import { findObject, synthChart } from '../util';
import { exampleLayout, REPO } from './helpers';

/** The message of the ValidationError `fn` throws. */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e: any) {
    if (!ValidationError.isValidationError(e)) throw e;
    return e.message;
  }
  throw new Error('expected a ValidationError');
}

function project(window: any): () => any[] {
  const layout = exampleLayout();
  return () => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', syncWindows: [{ kind: SyncWindowKind.DENY, duration: Duration.hours(2), schedule: '0 22 * * *', ...window }] }));
}

describe('Argo CD sync windows (issue 17)', () => {
  test.each([
    '0 22 * * *', '*/15 8-18 * * 1-5', '0 22 * * mon-fri', '0 0 1 jan,jul *', '30 6 ? * SUN', '0 0 1-31/2 * *', '5/10 * * * *',
  ])("cron '%s' is one robfig/cron (5-field) parses", (schedule) => {
    expect(cronProblem(schedule)).toBeUndefined();
  });

  test.each([
    ['0 22 * *', 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), has 4'],
    ['0 0 22 * * *', 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), has 6'],
    ['@daily', 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), has 1'],
    ['60 * * * *', "has an invalid minute field '60': 60 is above 59"],
    ['0 24 * * *', "has an invalid hour field '24': 24 is above 23"],
    ['0 0 0 * *', "has an invalid day of month field '0': 0 is below 1"],
    ['0 0 * 13 *', "has an invalid month field '13': 13 is above 12"],
    ['0 0 * * 7', "has an invalid day of week field '7': 7 is above 6"],
    ['*/0 * * * *', "has an invalid minute field '*/0': the step must be a positive whole number"],
    ['10-5 * * * *', "has an invalid minute field '10-5': the range starts after it ends (10-5)"],
    ['0 0 * * funday', "has an invalid day of week field 'funday': 'funday' is not a number or a name"],
    ['1-2-3 * * * *', "has an invalid minute field '1-2-3': too many hyphens"],
    ['', 'must be a 5-field cron expression (minute hour day-of-month month day-of-week), has 0'],
  ])("cron '%s' is refused: %s", (schedule, problem) => {
    expect(cronProblem(schedule)).toBe(problem);
  });

  test('a malformed schedule fails the TenantProject naming the window', () => {
    expect(messageOf(project({ schedule: '0 25 * * *' }))).toBe("test/search: 'syncWindows[0].schedule' has an invalid hour field '25': 25 is above 23, got '0 25 * * *'; "
      + "use e.g. '0 22 * * *' (22:00 every day) or '0 8 * * mon-fri'");
  });

  test.each(['UTC', 'Europe/Berlin', 'America/New_York', 'Etc/GMT+5', 'Asia/Kolkata'])('time zone %s is an IANA zone', (zone) => {
    expect(isTimeZone(zone)).toBe(true);
  });

  test.each(['Mars/Olympus', 'europe/berlin', '+01:00', 'Local', '', 'Europe/Berlin\n'])('time zone %j is refused', (zone) => {
    expect(isTimeZone(zone)).toBe(false);
  });

  test('an unknown time zone fails (Argo CD would silently use UTC)', () => {
    expect(messageOf(project({ timeZone: 'Europe/Berln' }))).toBe("test/search: 'syncWindows[0].timeZone' must be an IANA time zone, got 'Europe/Berln'; "
      + "use e.g. 'Europe/Berlin' or 'UTC' (Argo CD would silently use UTC)");
  });

  test('a valid zone reaches the AppProject', () => {
    const objects = project({ timeZone: 'Europe/Berlin' })();
    expect(findObject(objects, 'AppProject', 'search').spec.syncWindows[0]).toMatchObject({ timeZone: 'Europe/Berlin', duration: '2h', schedule: '0 22 * * *' });
  });

  test('a duration that is not whole seconds fails instead of being rounded', () => {
    expect(messageOf(project({ duration: Duration.millis(90_500) }))).toBe("test/search: 'syncWindows[0].duration' must be a whole number of seconds, got '90.5s'; "
      + 'use e.g. Duration.hours(2) (whole seconds)');
  });

  test('a duration under a minute fails', () => {
    expect(messageOf(project({ duration: Duration.seconds(30) }))).toBe("test/search: 'syncWindows[0].duration' must be at least one minute, got '30s'; use e.g. Duration.hours(2)");
  });
});

describe('TenantProject: role groups (issue 17)', () => {
  test('a group with a newline is refused (it would reach the AppProject as is)', () => {
    const layout = exampleLayout();
    expect(messageOf(() => synthChart((c) => new TenantProject(c, 'search', { layout, tenant: 'search', roles: [{ name: 'dev', groups: ['devs\nevil'] }] }))))
      .toContain("'roles[0].groups' must list at least one literal SSO group");
  });
});

describe('GitOpsLayout domain checks (issue 17)', () => {
  test.each(['kube-system', 'kube-public', 'kube-node-lease', 'default', 'argocd'])('a tenant namespace %s is refused', (ns) => {
    expect(messageOf(() => exampleLayout({ tenants: [{ name: 'search', namespaces: ['search', ns] }] })))
      .toMatch(new RegExp(`^'tenants\\[0\\]\\.namespaces\\[1\\]' must not be (a Kubernetes system namespace|the Argo CD namespace \\('argocdNamespace'\\)), got '${ns}'; give the tenant namespaces of its own$`));
  });

  test('a custom Argo CD namespace is what is reserved', () => {
    expect(messageOf(() => exampleLayout({ argocdNamespace: 'gitops', tenants: [{ name: 'search', namespaces: ['gitops'] }] }))).toContain("must not be the Argo CD namespace ('argocdNamespace')");
    expect(exampleLayout({ argocdNamespace: 'gitops', tenants: [{ name: 'search', namespaces: ['argocd'] }] }).tenants[0].namespaces).toEqual(['argocd']);
  });

  test.each([
    ['main\nspec: evil', 'must not contain spaces or control characters (newline, NUL, ...)', 'main\\nspec: evil'],
    ['main\u0000', 'must not contain spaces or control characters (newline, NUL, ...)', 'main\\u0000'],
    ['release..1', "must be a Git branch, tag or commit (no '~ ^ : ? * [ \\', '..' or '@{', not ending in '.' or '/')", 'release..1'],
    ['HEAD~1', "must be a Git branch, tag or commit (no '~ ^ : ? * [ \\', '..' or '@{', not ending in '.' or '/')", 'HEAD~1'],
    ['feature/', "must be a Git branch, tag or commit (no '~ ^ : ? * [ \\', '..' or '@{', not ending in '.' or '/')", 'feature/'],
  ])('targetRevision %j is refused', (targetRevision, problem, shown) => {
    expect(messageOf(() => new GitOpsLayout({ repoUrl: REPO, targetRevision, environments: [{ name: 'dev' }] })))
      .toBe(`'targetRevision' ${problem}, got '${shown}'; set a branch, tag or commit, e.g. 'main'`);
  });

  test.each(['v1.2.3', 'main', 'release/2024-06', '0e9e39f249a16976918f6564b8830bc894c89659'])('targetRevision %s is accepted', (targetRevision) => {
    expect(new GitOpsLayout({ repoUrl: REPO, targetRevision, environments: [{ name: 'dev' }] }).targetRevision).toBe(targetRevision);
  });

  test('a newline in the repo URL is refused', () => {
    expect(messageOf(() => new GitOpsLayout({ repoUrl: `${REPO}\nx`, environments: [{ name: 'dev' }] })))
      .toBe("'repoUrl' must be an https or ssh clone URL without spaces or control characters, got 'https://git.example.com/acme/platform-gitops.git\\nx'; "
        + "use e.g. 'https://git.example.com/acme/platform-gitops.git'");
  });

  test.each([
    ['https:///acme/gitops.git', 'must be an https or ssh clone URL with a host'],
    ['http://git.example.com/acme/gitops.git', 'must be an https or ssh clone URL'],
  ])('repoUrl %s is refused', (repoUrl, problem) => {
    expect(messageOf(() => new GitOpsLayout({ repoUrl, environments: [{ name: 'dev' }] })))
      .toBe(`'repoUrl' ${problem}, got '${repoUrl}'; use e.g. 'https://git.example.com/acme/platform-gitops.git'`);
  });

  test.each(['https://git.example.com/acme/gitops.git', 'ssh://git@git.example.com/acme/gitops.git', 'git@github.com:acme/gitops.git'])('repoUrl %s is accepted', (repoUrl) => {
    expect(new GitOpsLayout({ repoUrl, environments: [{ name: 'dev' }] }).repoUrl).toBe(repoUrl);
  });
});
