/**
 * A platform that chooses the Gatekeeper engine (examples/gatekeeper): the twin knows the constraint CRDs
 * Gatekeeper's controller creates from the ConstraintTemplates (v3.23.0), admits Gatekeeper's own pods from its
 * pinned chart, and checks that Argo CD can sync the constraints (template first, no dry run of an unknown kind).
 */
import * as cdk8s from 'cdk8s';
import { application, appProject, chartApp, configMap, ctxOf, madeBy, crd, REPO } from './references-bootstrap-fixtures';
import { spec } from '../../examples/gatekeeper/platform';
import { KubernetesPlatform, PlatformManifest } from '../../src/platform';
import { CONSTRAINT_SYNC } from '../../src/policy/private/renderers';
import { checkBootstrap, MADE_BY, recordLayoutDirectory } from '../../src/twin/private/bootstrap';
import { constraintTemplateOf, gatekeeperConstraintCrds } from '../../src/twin/private/gatekeeper';
import { ObjectIndex } from '../../src/twin/private/model';
import { tempDir } from '../util';

const platform = new KubernetesPlatform(new cdk8s.App(), spec.name, { spec });
const manifests = platform.manifests();
const objects = manifests.map((m) => m.resource);
const GATEKEEPER_APP = 'Application argocd/prod-gatekeeper';

/** The manifests with each resource passed through `change` (a copy; return undefined to drop it). */
function variant(change: (o: any) => any | undefined): PlatformManifest[] {
  const out: PlatformManifest[] = [];
  for (const m of manifests) {
    const r = change(JSON.parse(JSON.stringify(m.resource)));
    if (r !== undefined) out.push({ ...m, resource: r });
  }
  return out;
}
const isConstraint = (o: any) => String(o.apiVersion).startsWith('constraints.gatekeeper.sh/');
const problemsOf = (ms: PlatformManifest[]) => platform.twin(ms).problems;

describe('the Gatekeeper example platform', () => {
  test('synthesizes with zero twin problems', () => {
    const built = new KubernetesPlatform(new cdk8s.App({ outdir: tempDir() }), spec.name, { spec });
    expect(built.synth().length).toBeGreaterThan(0);
    expect(built.twin().problems).toEqual([]);
    const report = platform.twin();
    expect(report.problems).toEqual([]);
    expect(report.bootstrap.summary).toContain('wave 10: prod-gatekeeper (chart gatekeeper, CRDs: 47)');
  });

  test('the output: one ConstraintTemplate per rule in wave 0, its constraints one wave later without a dry run', () => {
    const templates = objects.filter((o) => o.kind === 'ConstraintTemplate');
    const constraints = objects.filter(isConstraint);
    expect(templates.length).toBeGreaterThan(10);
    expect(constraints.length).toBeGreaterThanOrEqual(templates.length);
    for (const t of templates) expect(t.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toBeUndefined();
    for (const c of constraints) {
      expect(c.metadata.annotations).toMatchObject({ 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' });
      expect(templates.some((t) => t.spec.crd.spec.names.kind === c.kind)).toBe(true);
    }
    expect(CONSTRAINT_SYNC).toEqual({ 'argocd.argoproj.io/sync-wave': '1', 'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true' });
    // both in the policies Application, whose AppProject whitelists every constraint kind (cluster-scoped)
    const dirs = new Set(manifests.filter((m) => m.resource.kind === 'ConstraintTemplate' || isConstraint(m.resource)).map((m) => m.directory));
    expect([...dirs]).toEqual(['prod/policies']);
    const project = objects.find((o) => o.kind === 'AppProject' && o.metadata.name === 'platform');
    for (const c of constraints) expect(project.spec.clusterResourceWhitelist).toContainEqual({ group: 'constraints.gatekeeper.sh', kind: c.kind });
  });

  test('the constraint CRDs Gatekeeper creates: <lowercased kind>.constraints.gatekeeper.sh, cluster-scoped, made by the Gatekeeper Application', () => {
    const template = objects.find((o) => o.kind === 'ConstraintTemplate' && o.metadata.name === 'llmpss001');
    const addonCrd = madeBy(GATEKEEPER_APP, crd('templates.gatekeeper.sh', 'ConstraintTemplate', 'constrainttemplates', 'Cluster'));
    const { derived, notModelled } = gatekeeperConstraintCrds(new ObjectIndex(objects), [addonCrd], MADE_BY);
    expect(notModelled).toEqual([]);
    expect(derived).toHaveLength(objects.filter((o) => o.kind === 'ConstraintTemplate').length);
    const c = derived.find((d) => d.spec.names.kind === 'LlmPss001');
    expect(c.metadata.name).toBe('llmpss001.constraints.gatekeeper.sh');
    expect(c.metadata.annotations).toEqual({ [MADE_BY]: GATEKEEPER_APP });
    expect(c.spec).toMatchObject({ group: 'constraints.gatekeeper.sh', scope: 'Cluster', names: { plural: 'llmpss001', listKind: 'LlmPss001List' } });
    expect(c.spec.versions.map((v: any) => v.name)).toEqual(['v1beta1', 'v1alpha1']);
    expect(constraintTemplateOf(c)).toBe(template);
    // without Gatekeeper installed nothing creates them
    expect(gatekeeperConstraintCrds(new ObjectIndex(objects), [], MADE_BY).derived).toEqual([]);
    // a template without a kind makes no CRD: said, not derived
    const bad = { apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: { name: 'bad' }, spec: { crd: { spec: { names: {} } } } };
    expect(gatekeeperConstraintCrds(new ObjectIndex([bad]), [addonCrd], MADE_BY)).toEqual({
      derived: [],
      notModelled: ['ConstraintTemplate bad: ConstraintTemplate bad has no valid spec.crd.spec.names.kind (got undefined): Gatekeeper creates no constraint CRD from it'],
    });
  });

  test('Gatekeeper\'s own pods (controller, audit, CRD and namespace hooks) are admitted under the enforce policy set without exceptions', () => {
    const report = platform.twin();
    expect(report.problems.filter((p) => p.check === 'admission')).toEqual([]);
    // the chart's four pod templates (gatekeeper-controller-manager, gatekeeper-audit, the CRD upgrade and
    // namespace label hooks) are in the inventory: without the add-on there are four pods fewer
    const without = platform.twin(variant((o) => (o.kind === 'Application' && o.metadata.name === 'prod-gatekeeper' ? undefined : o)));
    expect(report.podCount - without.podCount).toBe(4);
    expect(report.notModelled.filter((n) => n.includes('gatekeeper'))).toEqual([]);
    expect(objects.filter((o) => o.kind === 'PolicyException' && JSON.stringify(o).includes('gatekeeper-system'))).toEqual([]);
  });
});

describe('broken variants are reported', () => {
  test('constraints in the same wave as their templates, without SkipDryRunOnMissingResource', () => {
    const problems = problemsOf(variant((o) => {
      if (isConstraint(o)) {
        delete o.metadata.annotations['argocd.argoproj.io/sync-wave'];
        delete o.metadata.annotations['argocd.argoproj.io/sync-options'];
      }
      return o;
    }));
    const constraints = objects.filter(isConstraint).length;
    expect(problems).toHaveLength(2 * constraints);
    expect(problems.filter((p) => p.object === 'LlmPss001 llm-pss-001-disallow-privileged')).toEqual([
      {
        check: 'bootstrap',
        object: 'LlmPss001 llm-pss-001-disallow-privileged',
        field: 'metadata.annotations',
        problem: 'is in the same Application as ConstraintTemplate llmpss001 and not in a later sync wave (template 0, constraint 0): within a wave Argo CD applies these kinds by name, so the constraint can come before the CRD llmpss001.constraints.gatekeeper.sh Gatekeeper makes from the template, and the sync fails',
        value: 'nothing',
        fix: 'give the constraint a higher argocd.argoproj.io/sync-wave than its ConstraintTemplate (0)',
      },
      {
        check: 'bootstrap',
        object: 'LlmPss001 llm-pss-001-disallow-privileged',
        field: 'metadata.annotations',
        problem: 'fails Argo CD\'s dry run of the whole sync of prod-policies: its CRD llmpss001.constraints.gatekeeper.sh is not in the sync (Gatekeeper creates it from ConstraintTemplate llmpss001 in the same sync), so the API server does not know the kind yet and nothing of prod-policies is applied',
        value: 'nothing',
        fix: 'annotate the constraint argocd.argoproj.io/sync-options: SkipDryRunOnMissingResource=true (or add it to prod-policies\'s spec.syncPolicy.syncOptions)',
      },
    ]);
  });

  test('a later wave alone is not enough; SkipDryRunOnMissingResource on the Application is', () => {
    const noSkip = variant((o) => {
      if (isConstraint(o)) delete o.metadata.annotations['argocd.argoproj.io/sync-options'];
      return o;
    });
    const problems = problemsOf(noSkip);
    expect(problems).toHaveLength(objects.filter(isConstraint).length);
    for (const p of problems) expect(p.problem).toMatch(/^fails Argo CD's dry run of the whole sync of prod-policies: /);
    const appOption = noSkip.map((m) => (m.resource.kind === 'Application' && m.resource.metadata.name === 'prod-policies'
      ? { ...m, resource: { ...m.resource, spec: { ...m.resource.spec, syncPolicy: { ...m.resource.spec.syncPolicy, syncOptions: [...m.resource.spec.syncPolicy.syncOptions, 'SkipDryRunOnMissingResource=true'] } } } }
      : m));
    expect(problemsOf(appOption)).toEqual([]);
  });

  test('a constraint whose template is missing: no CRD for its kind', () => {
    const problems = problemsOf(variant((o) => (o.kind === 'ConstraintTemplate' && o.metadata.name === 'llmpss001' ? undefined : o)));
    expect(problems).toEqual([{
      check: 'references',
      object: 'LlmPss001 llm-pss-001-disallow-privileged',
      field: 'apiVersion',
      problem: 'is a Gatekeeper constraint of kind LlmPss001, and no ConstraintTemplate of the output has spec.crd.spec.names.kind LlmPss001: Gatekeeper creates no CRD for it, so the API server rejects it and Argo CD fails the sync',
      value: "'constraints.gatekeeper.sh/v1beta1'",
      fix: 'add the ConstraintTemplate of kind LlmPss001 (synced before the constraint), or remove the constraint',
    }]);
  });

  test('without the Gatekeeper Application, templates and constraints have no CRD', () => {
    const problems = problemsOf(variant((o) => (o.kind === 'Application' && o.metadata.name === 'prod-gatekeeper' ? undefined : o)));
    const kinds = new Set(problems.map((p) => `${p.check} ${p.field} ${p.object.split(' ')[0]}`));
    expect(problems.length).toBeGreaterThanOrEqual(objects.filter((o) => o.kind === 'ConstraintTemplate' || isConstraint(o)).length);
    expect(kinds.has('references apiVersion ConstraintTemplate')).toBe(true);
    expect(problems.find((p) => p.object === 'LlmPss001 llm-pss-001-disallow-privileged' && p.check === 'references')?.problem)
      .toBe('is a LlmPss001 (constraints.gatekeeper.sh), whose CustomResourceDefinition no add-on Application of the output installs: the API server rejects it and Argo CD fails the sync');
  });
});

describe('templates and constraints in different Applications (bootstrap check)', () => {
  const SERVER = 'https://kubernetes.default.svc';
  const root = application('root', { destination: { namespace: 'argocd', server: SERVER }, source: { repoURL: REPO, path: 'argocd', targetRevision: 'main' } });
  const healthCheck = configMap('argocd', 'argocd-cm', { 'resource.customizations.health.argoproj.io_Application': 'hs = {}\nreturn hs\n' });
  const project = appProject('platform', {
    destinations: [{ namespace: '*', server: SERVER }],
    clusterResourceWhitelist: [{ group: '*', kind: '*' }],
    sourceRepos: ['*'],
  });
  const dirApp = (name: string, wave: number) => application(name, { project: 'platform', destination: { namespace: 'gatekeeper-system', server: SERVER }, source: { repoURL: REPO, path: `prod/${name}`, targetRevision: 'main' } }, wave);
  const template = () => {
    const o = { apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: { name: 'k8sdemo' }, spec: { crd: { spec: { names: { kind: 'K8sDemo' } } }, targets: [] } };
    recordLayoutDirectory(o, 'prod/templates');
    return o;
  };
  const constraint = () => {
    const o = { apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: 'K8sDemo', metadata: { name: 'demo' }, spec: {} };
    recordLayoutDirectory(o, 'prod/constraints');
    return o;
  };
  const run = (templatesWave: number, constraintsWave: number) => {
    const gatekeeper = chartApp('prod-gatekeeper', 'gatekeeper', 'gatekeeper-system', 10);
    const objs = [root, healthCheck, project, gatekeeper, dirApp('templates', templatesWave), dirApp('constraints', constraintsWave), template(), constraint()];
    const addonCrd = madeBy('Application argocd/prod-gatekeeper', crd('templates.gatekeeper.sh', 'ConstraintTemplate', 'constrainttemplates', 'Cluster'));
    const index = new ObjectIndex(objs);
    const derived = [addonCrd, ...gatekeeperConstraintCrds(index, [addonCrd], MADE_BY).derived];
    return checkBootstrap(ctxOf(objs, { derived, crds: [] })).findings;
  };

  test('templates in an Application ordered before the constraints\' Application: no dry-run option needed', () => {
    expect(run(30, 31)).toEqual([]);
  });

  test('templates in an Application not ordered before: reported with the order fix', () => {
    expect(run(31, 31)).toEqual([{
      check: 'bootstrap',
      object: 'K8sDemo demo',
      field: 'apiVersion',
      problem: 'is applied before its CustomResourceDefinition exists: Gatekeeper creates k8sdemo.constraints.gatekeeper.sh from ConstraintTemplate k8sdemo, which comes from Application argocd/templates, which nothing orders before Application argocd/constraints; the sync fails until it does',
      value: 'constraints.gatekeeper.sh/v1beta1',
      fix: 'give templates a lower sync wave than constraints',
    }]);
  });
});
