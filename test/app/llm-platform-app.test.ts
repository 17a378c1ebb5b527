import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing as K8sTesting } from 'cdk8s';
import { Testing as TfTesting } from 'cdktf';
import { Testing } from 'projen';
import * as inventory from 'projen/lib/inventory';
import * as YAML from 'yaml';
import { ADDON_MIRRORS, PLATFORM_IMAGES } from '../../examples/reference/platform';
import { LlmPlatformApp, LlmPlatformAppOptions } from '../../src/app';
import { MINIMAL_ADDON_MIRRORS, MINIMAL_PLATFORM_IMAGES } from '../../src/app/private/app-files';
import { ValidationError } from '../../src/core/errors';
import { AwsPlatformStack, KubernetesPlatform, PlatformSpec } from '../../src/platform';

const ROOT = path.join(__dirname, '..', '..');
const LIBRARY = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf-8'));

function synth(options: Partial<LlmPlatformAppOptions> = {}): { project: LlmPlatformApp; files: { [file: string]: any } } {
  const project = new LlmPlatformApp({ name: 'acme-platform', defaultReleaseBranch: 'main', ...options });
  return { project, files: Testing.synth(project) };
}

/** The generated spec, with its library import pointed at this checkout's sources, loaded as a module. */
function loadSpec(platformTs: string): PlatformSpec {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-platform-app-'));
  const file = path.join(dir, 'platform.ts');
  fs.writeFileSync(file, platformTs.replace(`from '${LIBRARY.name}'`, `from ${JSON.stringify(path.join(ROOT, 'src'))}`));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file).spec;
}

describe('LlmPlatformApp (defaults)', () => {
  const { project, files } = synth();
  const pkg = files['package.json'];

  test('the construct frameworks are dependencies at the library\'s peer ranges (one source of truth)', () => {
    for (const name of ['constructs', 'cdk8s', 'cdk8s-plus-28', 'cdktf', '@cdktf/provider-aws']) {
      expect(pkg.dependencies[name]).toEqual(LIBRARY.peerDependencies[name]);
    }
    expect(pkg.dependencies.projen).toBeUndefined();
    // not also a dev dependency at projen's wider ^10.0.0 (npm lets devDependencies win)
    expect(pkg.devDependencies.constructs).toBeUndefined();
  });

  test('the library is a dependency (the app imports it): at its own version range, or as `projen new --from` names it', () => {
    expect(pkg.dependencies['cdk-llm-platform']).toEqual(`^${LIBRARY.version}`);
    const fromTarball = synth({ devDeps: ['cdk-llm-platform@file:/tmp/cdk-llm-platform-0.0.0.tgz', 'left-pad@1.3.0'] }).files['package.json'];
    expect(fromTarball.dependencies['cdk-llm-platform']).toEqual('file:/tmp/cdk-llm-platform-0.0.0.tgz');
    expect(fromTarball.devDependencies['cdk-llm-platform']).toBeUndefined();
    expect(fromTarball.devDependencies['left-pad']).toEqual('1.3.0');
  });

  test('the real CLIs and ts-node are dev dependencies at the versions the library is tested with', () => {
    expect(pkg.devDependencies['cdk8s-cli']).toEqual(LIBRARY.devDependencies['cdk8s-cli']);
    expect(pkg.devDependencies['cdktf-cli']).toEqual(LIBRARY.devDependencies['cdktf-cli']);
    expect(pkg.devDependencies['ts-node']).toEqual(LIBRARY.devDependencies['ts-node']);
    expect(LIBRARY.devDependencies['cdktf-cli']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  test('cdk8s.yaml runs src/main.k8s.ts and both validation plugins from the app\'s own copy of the library', () => {
    const config = YAML.parse(files['cdk8s.yaml']);
    expect(config.app).toEqual('npx ts-node --transpile-only src/main.k8s.ts');
    expect(config.output).toEqual('dist');
    expect(config.validations.map((v: any) => [v.package, v.class])).toEqual([
      ['./node_modules/cdk-llm-platform/lib/validation', 'SchemaValidationPlugin'],
      ['./node_modules/cdk-llm-platform/lib/policy', 'PolicyValidationPlugin'],
    ]);
    for (const v of config.validations) {
      // cdk8s-cli loads `require(<package>)[<class>]` and refuses version ranges.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const module = require(path.join(ROOT, 'src', v.package.replace('./node_modules/cdk-llm-platform/lib/', '')));
      expect(typeof module[v.class]).toBe('function');
      expect(v.version).toEqual(LIBRARY.version);
    }
    expect(config.validations[1].properties).toEqual({ allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com'] });
    expect(config.validations[0].properties).toEqual({ kubernetesVersions: ['1.34'] });
  });

  test('cdktf.json runs src/main.tf.ts with the prebuilt AWS provider (nothing to generate)', () => {
    expect(files['cdktf.json']).toMatchObject({
      language: 'typescript',
      app: 'npx ts-node --transpile-only src/main.tf.ts',
      projectId: 'llm-platform',
      terraformProviders: [],
      terraformModules: [],
    });
  });

  test('the spec, entry points, test and README are written, importing the library by its package name', () => {
    for (const file of ['src/platform.ts', 'src/main.k8s.ts', 'src/main.tf.ts', 'test/platform.test.ts', 'README.md']) {
      expect(typeof files[file]).toBe('string');
    }
    expect(files['src/main.k8s.ts']).toContain("import { platform } from 'cdk-llm-platform';");
    expect(files['src/main.tf.ts']).toContain("import { platform } from 'cdk-llm-platform';");
    expect(files['src/index.ts']).toBeUndefined();
  });

  test('defaults: placeholder account, us-east-1, llm-platform, dev, a placeholder GitOps repository', () => {
    expect(project.registry).toEqual('123456789012.dkr.ecr.us-east-1.amazonaws.com');
    expect(project.platformName).toEqual('llm-platform');
    const spec = loadSpec(files['src/platform.ts']);
    expect(spec).toMatchObject({ name: 'llm-platform', environment: 'dev', accountId: '123456789012', region: 'us-east-1' });
    expect(spec.gitops.repoUrl).toEqual('https://git.example.com/platform/gitops.git');
  });

  test('tasks synth:k8s and synth:tf run the real CLIs; their outputs are ignored by git', () => {
    const tasks = files['.projen/tasks.json'].tasks;
    expect(tasks['synth:k8s'].steps).toEqual([{ exec: 'cdk8s synth' }]);
    expect(tasks['synth:tf'].steps).toEqual([{ exec: 'cdktf synth' }]);
    expect(files['.gitignore']).toContain('/dist/');
    expect(files['.gitignore']).toContain('/cdktf.out/');
  });
});

describe('LlmPlatformApp spec', () => {
  test('the minimal spec (one pool, one tenant, one model, images mirrored) synthesizes with zero exceptions and passes every check', () => {
    const { files } = synth({ accountId: '210987654321', region: 'eu-west-1', platformName: 'acme-llm', environment: 'prod' });
    const spec = loadSpec(files['src/platform.ts']);
    expect(spec.gpuPools).toHaveLength(1);
    expect(spec.tenants).toHaveLength(1);
    expect(spec.models).toHaveLength(1);
    expect(spec.policy?.exceptions ?? []).toEqual([]);
    const registry = '210987654321.dkr.ecr.eu-west-1.amazonaws.com';
    const images = [spec.models![0].image, ...Object.values(spec.images!.addons!),
      ...Object.entries(spec.images!).filter(([k]) => k !== 'addons').map(([, v]) => v as string)];
    for (const image of images) expect(image).toMatch(new RegExp(`^${registry.replace(/\./g, '\\.')}/mirror/[^@]+@sha256:[0-9a-f]{64}$`));
    expect(YAML.parse(files['cdk8s.yaml']).validations[1].properties.allowedRegistries).toEqual([registry]);

    const k8s = new KubernetesPlatform(K8sTesting.app(), spec.name, { spec });
    const manifests = k8s.manifests();
    expect(k8s.verify(manifests)).toEqual([]);
    expect(manifests.some((m) => m.path.startsWith('prod/team-a/') && m.resource.kind === 'Deployment')).toBe(true);

    const tf = JSON.parse(TfTesting.synth(new AwsPlatformStack(TfTesting.app(), spec.name, { spec })));
    expect(Object.keys(tf.resource.aws_eks_cluster)).toHaveLength(1);
    expect(Object.keys(tf.resource.aws_eks_node_group).length).toBeGreaterThanOrEqual(1);
  });

  test('the add-on and platform images are the reference platform\'s mirrors (same digests)', () => {
    const mirror = '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/';
    for (const [key, image] of Object.entries(MINIMAL_ADDON_MIRRORS)) expect(`${mirror}${image}`).toEqual(ADDON_MIRRORS[key]);
    for (const [key, image] of Object.entries(MINIMAL_PLATFORM_IMAGES)) expect(`${mirror}${image}`).toEqual((PLATFORM_IMAGES as any)[key]);
  });
});

describe('LlmPlatformApp options refused', () => {
  test.each([
    [{ accountId: '1234' }, "'accountId' must be 12 digits, got '1234'; pass the AWS account id, e.g. 123456789012"],
    [{ region: 'useast1' }, "'region' is not an AWS region name, got 'useast1'; pass a region such as 'us-east-1'"],
    [{ platformName: 'Acme_LLM' }, "'platformName' must be a DNS-1123 label (lowercase letters, digits and '-'), got 'Acme_LLM'; use e.g. 'acme-llm' and 'prod'"],
    [{ environment: 'Prod' }, "'environment' must be a DNS-1123 label (lowercase letters, digits and '-'), got 'Prod'; use e.g. 'acme-llm' and 'prod'"],
    [{ platformName: 'a-very-long-platform-name-for-llms', environment: 'production' },
      "'platformName' and environment make the cluster name 'a-very-long-platform-name-for-llms-production' longer than 38 characters, got 'a-very-long-platform-name-for-llms'; shorten the name or the environment"],
  ])('%j', (options, message) => {
    let error: unknown;
    try {
      new LlmPlatformApp({ name: 'x', defaultReleaseBranch: 'main', ...options });
    } catch (e) {
      error = e;
    }
    expect(ValidationError.isValidationError(error)).toBe(true);
    expect((error as Error).message).toEqual(message);
  });
});

describe('projen new --from cdk-llm-platform', () => {
  // What `projen new` reads: the package's .jsii assembly (written by the compile step before the tests).
  test('finds exactly one project type, in the app submodule, with the options as command-line switches', () => {
    const types = inventory.discover(ROOT).filter((t) => t.moduleName === LIBRARY.name);
    expect(types.map((t) => [t.pjid, t.fqn, t.typename])).toEqual([['llm-platform-app', 'cdk-llm-platform.app.LlmPlatformApp', 'app.LlmPlatformApp']]);
    const switches = types[0].options.map((o) => o.switch);
    expect(switches).toEqual(expect.arrayContaining(['account-id', 'region', 'platform-name', 'environment', 'gitops-repo-url']));
  });
});
