import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import { ValidationContext } from 'cdk8s-cli/plugins';
import * as YAML from 'yaml';
import { KubernetesPlatform } from '../../src/platform';
import { constructMetadata, recordsConstructMetadata } from '../../src/platform/private/construct-metadata';
import { PolicyCatalogue, PolicyEngine, PolicySet, PolicyValidationPlugin } from '../../src/policy';
import { ManifestValidator, SchemaValidationPlugin, SchemaValidationPluginProps } from '../../src/validation';
import { constraintCrdOf } from '../../src/validation/private/gatekeeper-constraints';
import { smallSpec } from '../platform/fixtures';
import { tempDir } from '../util';

function manifests(files: Record<string, string>): string[] {
  const dir = tempDir();
  return Object.entries(files).map(([name, text]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  });
}

describe('SchemaValidationPlugin (the cdk8s-cli plugin contract)', () => {
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  test('valid manifests make a successful report', async () => {
    const files = manifests({ 'a.k8s.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "1"\n' });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin().validate(context);
    expect(context.report.success).toBe(true);
    expect(context.report.toJson().summary.metadata).toEqual({ objects: '1', problems: '0' });
  });

  test('problems become violations naming file, object and path, and fail the report', async () => {
    const files = manifests({
      'a.k8s.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndatta: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndatta: {}\n',
      'b.k8s.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
    });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin({ kubernetesVersions: ['1.34'] }).validate(context);
    expect(context.report.success).toBe(false);
    const json = context.report.toJson();
    expect(json.violations.map((v) => v.ruleName).sort()).toEqual([
      'schema: unknown field (not in the schema)',
      expect.stringMatching(/^unknown-kind: no schema knows example.com\/v1 Widget/),
    ]);
    const unknownField = json.violations.find((v) => v.ruleName.startsWith('schema'))!;
    expect(unknownField.violatingConstructs.map((c) => [c.resourceName, c.locations, path.basename(c.manifestPath)])).toEqual([
      ['v1/ConfigMap a', ['/datta'], 'a.k8s.yaml'],
      ['v1/ConfigMap b', ['/datta'], 'a.k8s.yaml'],
    ]);
    expect(context.report.toString()).toMatch(/unknown field/);
  });

  test('malformed YAML fails the report instead of crashing the synth', async () => {
    const files = manifests({ 'bad.k8s.yaml': 'kind: [\n' });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin().validate(context);
    expect(context.report.success).toBe(false);
    expect(context.report.toJson().violations[0].ruleName).toMatch(/^yaml: YAML error/);
  });
});

describe('every policy engine: Gatekeeper constraints against the CRDs of their ConstraintTemplates (issue 16)', () => {
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  function gatekeeperObjects(): any[] {
    const chart = new Chart(Testing.app(), 'policies');
    new PolicySet(chart, 'Policies', {
      rules: PolicyCatalogue.baseline({ allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com'] }),
      engines: [PolicyEngine.GATEKEEPER],
      platformNamespaces: ['nvidia-gpu'],
      exceptions: [{ ruleIds: ['LLM-SEC-001'], namespace: 'search', kind: 'Deployment', name: 'llama3-8b', owner: 'search-team', reason: 'writes a cache', expires: '2999-01-01' }],
    });
    return Testing.synth(chart);
  }

  const toYaml = (objects: any[]) => objects.map((o) => YAML.stringify(o)).join('---\n');

  async function run(files: string[], props: SchemaValidationPluginProps = {}) {
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin(props).validate(context);
    return context;
  }

  test('the documented cdk8s.yaml passes a Gatekeeper policy set: constraints validate against the generated CRDs', async () => {
    const objects = gatekeeperObjects();
    const constraints = objects.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
    expect(constraints.length).toBeGreaterThan(10);
    // templates and constraints in different files of one synth, as cdk8s writes them
    const files = manifests({
      'templates.k8s.yaml': toYaml(objects.filter((o) => o.kind === 'ConstraintTemplate')),
      'constraints.k8s.yaml': toYaml(constraints),
    });
    const context = await run(files);
    expect(context.report.toJson().violations).toEqual([]);
    expect(context.report.success).toBe(true);
  });

  test('defect: without the templates the constraint kinds are unknown (what the plugin derives is what made them known)', async () => {
    const constraints = gatekeeperObjects().filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
    const context = await run(manifests({ 'constraints.k8s.yaml': toYaml(constraints) }));
    expect(context.report.success).toBe(false);
    expect(context.report.toJson().violations.map((v) => v.ruleName)).toEqual(expect.arrayContaining([
      expect.stringMatching(/^unknown-kind: no schema knows constraints.gatekeeper.sh\/v1beta1 LlmPss001/),
    ]));
  });

  test('a broken constraint is caught by the generated schema (parameters, match, metadata.name, served versions)', async () => {
    const objects = gatekeeperObjects();
    const template = objects.find((o) => o.kind === 'ConstraintTemplate' && o.spec.crd.spec.names.kind === 'LlmImg003');
    const constraint = objects.find((o) => o.kind === 'LlmImg003' && !o.metadata.name.endsWith('-platform'));
    const broken = JSON.parse(JSON.stringify(constraint));
    broken.spec.parameters.allowedRegistrys = ['x'];
    broken.spec.match.kindz = [];
    broken.spec.match.namespaces = ['Not_A_Namespace'];
    broken.metadata.name = 'x'.repeat(64);
    const v1 = { ...JSON.parse(JSON.stringify(constraint)), apiVersion: 'constraints.gatekeeper.sh/v1' };
    v1.metadata.name = 'served-version';
    const context = await run(manifests({ 'a.k8s.yaml': toYaml([template, broken, v1]) }));
    const violations = context.report.toJson().violations;
    const at = (ruleName: RegExp) => violations.filter((v) => ruleName.test(v.ruleName))
      .flatMap((v) => v.violatingConstructs.flatMap((c) => c.locations));
    expect(at(/^schema: unknown field/)).toEqual(expect.arrayContaining(['/spec/parameters/allowedRegistrys', '/spec/match/kindz']));
    expect(at(/pattern|must match/)).toEqual(['/spec/match/namespaces/0']);
    expect(at(/63|longer|maxLength|must NOT have more/)).toEqual(['/metadata/name']);
    expect(at(/is not a served version of LlmImg003; served: v1beta1, v1alpha1/)).toEqual(['/apiVersion']);
  });

  test('legacySchema (the default of templates.gatekeeper.sh/v1beta1) keeps unknown parameters, as Gatekeeper does', async () => {
    const objects = gatekeeperObjects();
    const template = JSON.parse(JSON.stringify(objects.find((o) => o.kind === 'ConstraintTemplate' && o.spec.crd.spec.names.kind === 'LlmImg003')));
    const constraint = JSON.parse(JSON.stringify(objects.find((o) => o.kind === 'LlmImg003' && !o.metadata.name.endsWith('-platform'))));
    constraint.spec.parameters.extra = { any: 'thing' };
    const v1 = await run(manifests({ 'a.k8s.yaml': toYaml([template, constraint]) }));
    expect(v1.report.success).toBe(false);
    const v1beta1 = await run(manifests({ 'a.k8s.yaml': toYaml([{ ...template, apiVersion: 'templates.gatekeeper.sh/v1beta1' }, constraint]) }));
    expect(v1beta1.report.toJson().violations).toEqual([]);
    const explicit = JSON.parse(JSON.stringify(template));
    explicit.apiVersion = 'templates.gatekeeper.sh/v1beta1';
    explicit.spec.crd.spec.validation.legacySchema = false;
    expect((await run(manifests({ 'a.k8s.yaml': toYaml([explicit, constraint]) }))).report.success).toBe(false);
  });

  test('a template without a constraint kind is reported, not a crash', async () => {
    const template = { apiVersion: 'templates.gatekeeper.sh/v1', kind: 'ConstraintTemplate', metadata: { name: 'nokind' }, spec: { crd: { spec: {} }, targets: [] } };
    const context = await run(manifests({ 'a.k8s.yaml': toYaml([template]) }));
    expect(context.report.success).toBe(false);
    expect(context.report.toJson().violations.map((v) => v.ruleName)).toEqual([
      expect.stringMatching(/^crd: ConstraintTemplate nokind has no valid spec.crd.spec.names.kind/),
    ]);
  });

  test('the generated CRD has the shape Gatekeeper v3.23.0 gives it', () => {
    const template = gatekeeperObjects().find((o) => o.kind === 'ConstraintTemplate' && o.spec.crd.spec.names.kind === 'LlmImg003');
    const { crd } = constraintCrdOf(template);
    expect(crd.metadata).toEqual({ name: 'llmimg003.constraints.gatekeeper.sh', labels: expect.objectContaining({ 'gatekeeper.sh/constraint': 'yes' }) });
    expect(crd.spec).toEqual(expect.objectContaining({
      group: 'constraints.gatekeeper.sh',
      scope: 'Cluster',
      names: { kind: 'LlmImg003', listKind: 'LlmImg003List', plural: 'llmimg003', singular: 'llmimg003', categories: ['constraint', 'constraints'] },
    }));
    expect(crd.spec.versions.map((v: any) => [v.name, v.served, v.storage])).toEqual([['v1beta1', true, true], ['v1alpha1', true, false]]);
    const spec = crd.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    expect(Object.keys(spec.properties).sort()).toEqual(['enforcementAction', 'match', 'parameters', 'scopedEnforcementActions']);
    expect(spec.properties.parameters).toEqual(template.spec.crd.spec.validation.openAPIV3Schema);
    expect(Object.keys(spec.properties.match.properties).sort()).toEqual(['excludedNamespaces', 'kinds', 'labelSelector', 'name', 'namespaceSelector', 'namespaces', 'scope', 'source']);
  });
});

describe('crdFiles: files with several CRDs, directories, and bad input reported (issue 16)', () => {
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  const crd = (group: string, kind: string) => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${kind.toLowerCase()}s.${group}` },
    spec: {
      group,
      names: { kind, plural: `${kind.toLowerCase()}s`, singular: kind.toLowerCase(), listKind: `${kind}List` },
      scope: 'Namespaced',
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
    },
  });
  const widget = (kind: string, group: string, spec: any) => ({ apiVersion: `${group}/v1`, kind, metadata: { name: 'w', namespace: 'search' }, spec });

  async function run(crdFiles: string[], objects: any[]) {
    const files = manifests({ 'app.k8s.yaml': objects.map((o) => YAML.stringify(o)).join('---\n') });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin({ crdFiles }).validate(context);
    return context;
  }

  test('a multi-document file registers every CRD in it (defect: YAMLParseError)', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'crds.yaml');
    fs.writeFileSync(file, `# two CRDs\n---\n${YAML.stringify(crd('a.example.com', 'Alpha'))}---\n${YAML.stringify(crd('b.example.com', 'Beta'))}`);
    const ok = await run([file], [widget('Alpha', 'a.example.com', { size: 1 }), widget('Beta', 'b.example.com', { size: 2 })]);
    expect(ok.report.toJson().violations).toEqual([]);
    const bad = await run([file], [widget('Beta', 'b.example.com', { size: 'big' })]);
    expect(bad.report.toJson().violations.flatMap((v) => v.violatingConstructs.flatMap((c) => c.locations))).toEqual(['/spec/size']);
  });

  test('a directory registers every CRD file below it (defect: EISDIR)', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'nested'));
    fs.writeFileSync(path.join(dir, 'gamma.yaml'), YAML.stringify(crd('g.example.com', 'Gamma')));
    fs.writeFileSync(path.join(dir, 'nested', 'delta.yml'), YAML.stringify(crd('d.example.com', 'Delta')));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml');
    const context = await run([dir], [widget('Gamma', 'g.example.com', { size: 1 }), widget('Delta', 'd.example.com', {})]);
    expect(context.report.toJson().violations).toEqual([]);
  });

  test.each([
    ['a missing file', (dir: string) => path.join(dir, 'missing.yaml'), /^crd: crdFiles: cannot read .*missing.yaml: ENOENT/],
    ['malformed YAML', (dir: string) => {
      fs.writeFileSync(path.join(dir, 'bad.yaml'), 'kind: [\n');
      return path.join(dir, 'bad.yaml');
    }, /^crd: crdFiles: YAML error in .*bad.yaml/],
    ['a document that is not a CRD', (dir: string) => {
      fs.writeFileSync(path.join(dir, 'cm.yaml'), `${YAML.stringify(crd('e.example.com', 'Epsilon'))}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n`);
      return path.join(dir, 'cm.yaml');
    }, /^crd: crdFiles: .*cm.yaml#2 is not a CustomResourceDefinition with spec.group and spec.names.kind \(got kind "ConfigMap"\); list only CRDs/],
    ['an empty directory', (dir: string) => {
      fs.mkdirSync(path.join(dir, 'empty'));
      return path.join(dir, 'empty');
    }, /^crd: crdFiles: directory .*empty holds no .yaml\/.yml file/],
  ])('%s is a violation, not a crash', async (_what, make, expected) => {
    const dir = tempDir();
    const context = await run([make(dir)], [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } }]);
    expect(context.report.success).toBe(false);
    const violations = context.report.toJson().violations;
    expect(violations.map((v) => v.ruleName)).toEqual([expect.stringMatching(expected)]);
    expect(violations[0].fix).toMatch(/crdFiles/);
  });

  test('a dangling link in a crdFiles directory or among the manifests is reported, not a crash', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'eta.yaml'), YAML.stringify(crd('h.example.com', 'Eta')));
    fs.symlinkSync(path.join(dir, 'gone.yaml'), path.join(dir, 'dangling.yaml'));
    const context = await run([dir], [widget('Eta', 'h.example.com', { size: 1 })]);
    expect(context.report.toJson().violations.map((v) => v.ruleName)).toEqual([expect.stringMatching(/^crd: crdFiles: cannot read .*dangling.yaml: ENOENT/)]);
    const report = new ManifestValidator().validateFiles([dir]);
    expect(report.findings.filter((f) => f.check === 'yaml').map((f) => [path.basename(f.file!), f.message])).toEqual([['dangling.yaml', expect.stringMatching(/^cannot read: ENOENT/)]]);
  });

  test('the good CRDs of a file are used even when another document of it is not a CRD', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'mixed.yaml');
    fs.writeFileSync(file, `${YAML.stringify(crd('z.example.com', 'Zeta'))}---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n`);
    const context = await run([file], [widget('Zeta', 'z.example.com', { size: 3 })]);
    expect(context.report.toJson().violations.map((v) => v.ruleName)).toEqual([expect.stringMatching(/^crd: /)]);
  });
});

describe('the npm-package form of cdk8s.yaml (issue 16)', () => {
  test('both plugins are classes of the package root, as cdk8s-cli loads them: require(package)[class]', async () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const root = require('../../src');
    for (const name of ['SchemaValidationPlugin', 'PolicyValidationPlugin']) expect(typeof root[name]).toBe('function');
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const files = manifests({ 'a.k8s.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndatta: {}\n' });
    const schema = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new root.SchemaValidationPlugin({ kubernetesVersions: ['1.34'] }).validate(schema);
    expect(schema.report.success).toBe(false);
    const policy = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new root.PolicyValidationPlugin({}).validate(policy);
    expect(policy.report.success).toBe(true);
    expect(() => new root.SchemaValidationPlugin({ kubernetesVersions: ['1.0'] })).toThrow(/'kubernetesVersions' must list Kubernetes versions/);
  });
});

describe('construct paths in the reports (issue 16: "N/A")', () => {
  test('KubernetesPlatform.synth() writes construct-metadata.json when cdk8s-cli asks; reports name the construct', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const outdir = tempDir('platform-metadata-');
    const app = new App({ outdir, recordConstructMetadata: true });
    const platform = new KubernetesPlatform(app, 'acme', { spec: smallSpec() });
    new ApiObject(platform.chartFor('search'), 'Broken', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: 'search' }, datta: {} } as any);
    const written = platform.synth();
    const metadataFile = path.join(outdir, 'construct-metadata.json');
    const metadata = JSON.parse(fs.readFileSync(metadataFile, 'utf-8'));
    expect(metadata.version).toBe('1.0.0');
    expect(metadata.resources['v1/ConfigMap search/broken']).toEqual({ path: 'acme/search/Broken' });
    expect(metadata.resources.broken).toEqual({ path: 'acme/search/Broken' });
    expect(Object.keys(metadata.resources).length).toBeGreaterThanOrEqual(written.length);
    // as cdk8s-cli builds the context (lib/plugins/validation.js loadConstructMetadata: version 1.0.0, name -> { path })
    const loaded = Object.fromEntries(Object.entries<any>(metadata.resources).map(([name, m]) => [name, { path: m.path }]));
    const files = written.map((f) => path.join(outdir, f));
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', loaded, false);
    await new SchemaValidationPlugin({ kubernetesVersions: ['1.34'] }).validate(context);
    const violations = context.report.toJson().violations;
    expect(violations.map((v) => v.ruleName)).toEqual(['schema: unknown field (not in the schema)']);
    expect(violations[0].violatingConstructs).toEqual([expect.objectContaining({ constructPath: 'acme/search/Broken', resourceName: 'v1/ConfigMap search/broken' })]);
    expect(context.report.toString()).toContain('Construct Path: acme/search/Broken');
  });

  test('a plain cdk8s app (App.synth() records metadata.name only): the plugins still name the construct of a unique name', async () => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const outdir = tempDir('plain-app-');
    const app = new App({ outdir, recordConstructMetadata: true });
    const chart = new Chart(app, 'web');
    new ApiObject(chart, 'Broken', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'broken', namespace: 'web' }, datta: {} } as any);
    // the same name twice: cdk8s records one of them, so neither is named
    new ApiObject(chart, 'TwinA', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'twin', namespace: 'a' }, datta: {} } as any);
    new ApiObject(chart, 'TwinB', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'twin', namespace: 'b' }, datta: {} } as any);
    app.synth();
    const metadata = JSON.parse(fs.readFileSync(path.join(outdir, 'construct-metadata.json'), 'utf-8'));
    expect(Object.keys(metadata.resources).sort()).toEqual(['broken', 'twin']);
    const loaded = Object.fromEntries(Object.entries<any>(metadata.resources).map(([name, m]) => [name, { path: m.path }]));
    const files = fs.readdirSync(outdir).filter((f) => f.endsWith('.yaml')).map((f) => path.join(outdir, f));
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', loaded, false);
    await new SchemaValidationPlugin({ kubernetesVersions: ['1.34'] }).validate(context);
    const constructs = context.report.toJson().violations.flatMap((v) => v.violatingConstructs.map((c) => [c.resourceName, c.constructPath]));
    expect(constructs).toEqual(expect.arrayContaining([['v1/ConfigMap web/broken', 'web/Broken'], ['v1/ConfigMap a/twin', undefined], ['v1/Secret b/twin', undefined]]));
    // the policy plugin too
    const policy = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', { ...loaded }, false);
    await new PolicyValidationPlugin({}).validate(policy);
    expect(policy.metadata['v1/ConfigMap web/broken']).toEqual({ path: 'web/Broken' });
    expect(policy.metadata['v1/ConfigMap a/twin']).toBeUndefined();
  });

  test('without the request (npm run synth, plain platform.synth()) no metadata file is written', () => {
    const outdir = tempDir('platform-no-metadata-');
    const previous = process.env.CDK8S_RECORD_CONSTRUCT_METADATA;
    delete process.env.CDK8S_RECORD_CONSTRUCT_METADATA;
    try {
      new KubernetesPlatform(new App({ outdir }), 'acme', { spec: smallSpec() }).synth();
    } finally {
      if (previous !== undefined) process.env.CDK8S_RECORD_CONSTRUCT_METADATA = previous;
    }
    expect(fs.existsSync(path.join(outdir, 'construct-metadata.json'))).toBe(false);
  });

  test('cdk8s-cli\'s environment variable asks for it too; names shared by several objects are left out', () => {
    expect(recordsConstructMetadata(undefined)).toBe(process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true');
    expect(recordsConstructMetadata({ recordConstructMetadata: false })).toBe(false);
    const doc = constructMetadata([
      { resource: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'same', namespace: 'a' } }, constructPath: 'p/A' },
      { resource: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'same', namespace: 'b' } }, constructPath: 'p/B' },
      { resource: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'a' } }, constructPath: 'p/Ns' },
    ]);
    expect(doc).toEqual({ version: '1.0.0', resources: { 'v1/ServiceAccount a/same': { path: 'p/A' }, 'v1/ServiceAccount b/same': { path: 'p/B' }, 'v1/Namespace a': { path: 'p/Ns' }, 'a': { path: 'p/Ns' } } });
  });
});
