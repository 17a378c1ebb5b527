import * as fs from 'fs';
import * as path from 'path';
import { DependencyType, JsonFile, SampleFile, YamlFile, typescript } from 'projen';
import { appFiles } from './private/app-files';
import { ValidationError } from '../core/errors';

/**
 * Options of `LlmPlatformApp`: projen's TypeScript app options plus where the platform runs.
 */
export interface LlmPlatformAppOptions extends typescript.TypeScriptProjectOptions {
  /**
   * The AWS account the platform runs in (12 digits). The generated spec, the ECR registry the images are
   * mirrored to and the policy plugin's allowed registry use it.
   *
   * @default '123456789012' (a placeholder: set your account)
   */
  readonly accountId?: string;

  /**
   * The AWS region of the platform.
   *
   * @default 'us-east-1'
   */
  readonly region?: string;

  /**
   * The platform's name (the spec's `name`: a DNS-1123 label; with the environment, at most 38 characters).
   *
   * @default 'llm-platform'
   */
  readonly platformName?: string;

  /**
   * The platform's environment (the spec's `environment`, the first directory of the GitOps layout).
   *
   * @default 'dev'
   */
  readonly environment?: string;

  /**
   * The Git repository Argo CD syncs the Kubernetes manifests (`dist/`) from.
   *
   * @default 'https://git.example.com/platform/gitops.git' (a placeholder: set your repository)
   */
  readonly gitopsRepoUrl?: string;
}

/** The library's own package.json (its version, peer ranges and the CLI versions it is tested with). */
interface LibraryPackage {
  readonly name: string;
  readonly version: string;
  readonly peerDependencies: { [name: string]: string };
  readonly devDependencies: { [name: string]: string };
}

/** The construct frameworks an app needs at run time (the library's peer dependencies, minus projen). */
const FRAMEWORKS = ['constructs', 'cdk8s', 'cdk8s-plus-28', 'cdktf', '@cdktf/provider-aws'];
/** The CLIs and runners an app needs to synthesize, at the versions the library is tested with. */
const TOOLS = ['cdk8s-cli', 'cdktf-cli', 'ts-node'];

/**
 * An app repository for one platform: `npx projen new --from cdk-llm-platform` creates it.
 *
 * It holds the platform spec (`src/platform.ts`), the two entry points (`src/main.tf.ts` for `cdktf synth`,
 * `src/main.k8s.ts` for `cdk8s synth`), `cdk8s.yaml` with the library's validation plugins (schemas and
 * the policy set, the mirror registry allowed), `cdktf.json`, a test that synthesizes both sides, and a
 * README. The spec, entry points, test and README are written once (yours to edit); `cdk8s.yaml`,
 * `cdktf.json` and `package.json` are kept by projen from these options.
 *
 * The construct frameworks are dependencies at the library's peer ranges; `cdk8s-cli`, `cdktf-cli` and
 * `ts-node` are dev dependencies at the versions the library is tested with. Tasks: `synth:k8s`
 * (`cdk8s synth`), `synth:tf` (`cdktf synth`).
 *
 * @pjid llm-platform-app
 */
export class LlmPlatformApp extends typescript.TypeScriptAppProject {
  /** The ECR registry the platform's images are mirrored to (`<account>.dkr.ecr.<region>.amazonaws.com`). */
  public readonly registry: string;

  /** The platform's name (the spec's `name`). */
  public readonly platformName: string;

  constructor(options: LlmPlatformAppOptions) {
    const accountId = options.accountId ?? '123456789012';
    const region = options.region ?? 'us-east-1';
    const platformName = options.platformName ?? 'llm-platform';
    if (!/^\d{12}$/.test(accountId)) {
      throw new ValidationError('accountId', 'must be 12 digits', accountId, 'pass the AWS account id, e.g. 123456789012');
    }
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
      throw new ValidationError('region', 'is not an AWS region name', region, "pass a region such as 'us-east-1'");
    }
    const environment = options.environment ?? 'dev';
    for (const [prop, value] of [['platformName', platformName], ['environment', environment]]) {
      if (!/^[a-z]([a-z0-9-]*[a-z0-9])?$/.test(value)) {
        throw new ValidationError(prop, "must be a DNS-1123 label (lowercase letters, digits and '-')", value, "use e.g. 'acme-llm' and 'prod'");
      }
    }
    if (`${platformName}-${environment}`.length > 38) {
      throw new ValidationError('platformName', `and environment make the cluster name '${platformName}-${environment}' longer than 38 characters`,
        platformName, 'shorten the name or the environment');
    }
    const library = readLibraryPackage();
    // The app's code imports the library, so it is a dependency: `projen new --from <spec>` passes <spec>
    // as a dev dependency, which is moved here (and the library's own version range is used without one).
    const isLibrary = (dep: string) => dep === library.name || dep.startsWith(`${library.name}@`);
    const librarySpec = (options.devDeps ?? []).find(isLibrary) ?? (options.deps ?? []).find(isLibrary) ?? `${library.name}@^${library.version}`;
    super({
      sampleCode: false,
      projenrcTs: true,
      ...options,
      deps: [librarySpec, ...FRAMEWORKS.map((name) => `${name}@${library.peerDependencies[name]}`), ...(options.deps ?? []).filter((d) => !isLibrary(d))],
      devDeps: [...TOOLS.map((name) => `${name}@${library.devDependencies[name]}`), ...(options.devDeps ?? []).filter((d) => !isLibrary(d))],
    });
    // projen asks for constructs ^10.0.0 as a dev dependency (its own peer); the app has it as a dependency
    // at the library's range, and npm would let the dev dependency's wider range win.
    this.deps.removeDependency('constructs', DependencyType.BUILD);
    this.platformName = platformName;
    this.registry = `${accountId}.dkr.ecr.${region}.amazonaws.com`;

    const files = appFiles({
      library: library.name,
      libraryVersion: library.version,
      accountId,
      region,
      registry: this.registry,
      platformName,
      environment,
      gitopsRepoUrl: options.gitopsRepoUrl ?? 'https://git.example.com/platform/gitops.git',
      srcdir: this.srcdir,
      testdir: this.testdir,
    });

    // Yours once written: the spec, the entry points, the test and the README.
    for (const [file, contents] of Object.entries(files.samples)) {
      new SampleFile(this, file, { contents });
    }
    // Kept by projen: the CLIs' configuration follows the options.
    new YamlFile(this, 'cdk8s.yaml', { obj: files.cdk8sConfig });
    new JsonFile(this, 'cdktf.json', { obj: files.cdktfConfig });

    this.gitignore.exclude('/dist/', '/cdktf.out/', '/.gen/');
    this.addTask('synth:k8s', {
      description: 'Synthesize the Kubernetes manifests (GitOps layout in dist/) and run the validation plugins (cdk8s synth)',
      exec: 'cdk8s synth',
    });
    this.addTask('synth:tf', {
      description: 'Synthesize the Terraform JSON (cdktf.out/stacks/<name>/cdk.tf.json) (cdktf synth)',
      exec: 'cdktf synth',
    });
  }
}

/** Read once per project: the package.json two directories up (lib/app/ or src/app/ to the package root). */
function readLibraryPackage(): LibraryPackage {
  const file = path.join(__dirname, '..', '..', 'package.json');
  return JSON.parse(fs.readFileSync(file, 'utf-8')) as LibraryPackage;
}
