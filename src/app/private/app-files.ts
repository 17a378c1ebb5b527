/**
 * The files `LlmPlatformApp` writes into a new app repository (pure: strings and objects from the options).
 */

/** What the files depend on. */
export interface AppFileInput {
  /** The library's package name (the import path). */
  readonly library: string;
  /** The library's version (the validation plugins' `version` in cdk8s.yaml). */
  readonly libraryVersion: string;
  readonly accountId: string;
  readonly region: string;
  /** `<account>.dkr.ecr.<region>.amazonaws.com`. */
  readonly registry: string;
  readonly platformName: string;
  readonly environment: string;
  readonly gitopsRepoUrl: string;
  /** The project's source directory (`src`). */
  readonly srcdir: string;
  /** The project's test directory (`test`). */
  readonly testdir: string;
}

/** The files of a new app repository. */
export interface AppFiles {
  /** Written once, then the user's: path -> contents. */
  readonly samples: { [file: string]: string };
  /** `cdk8s.yaml`. */
  readonly cdk8sConfig: any;
  /** `cdktf.json`. */
  readonly cdktfConfig: any;
}

/**
 * The images of the add-ons a minimal spec installs (istio-cni, istiod, cert-manager, kube-prometheus-stack,
 * keda, karpenter), as `<add-on>/<image>` -> `<repository under the mirror>@<digest>`. The digests are the
 * upstream images' (a mirror copy such as `crane copy` keeps them); the repository paths are the reference
 * platform's (examples/reference/platform.ts ADDON_MIRRORS, test/app/llm-platform-app.test.ts keeps them
 * equal). `gitops.PlatformAddon.imagesOf(<add-on>)` lists the upstream image of each key.
 */
export const MINIMAL_ADDON_MIRRORS: { [image: string]: string } = {
  'istio-cni/install-cni': 'istio/install-cni@sha256:8a71b7b4ab0772cf1c5eac1e9e97690eb8fae27b3b84a0cbd5c330eac4ed79c9',
  'istiod/pilot': 'istio/pilot@sha256:00b0dd1b2bb7a5dff068c527e3b4992bd7cc3e33962f92b155ca3272c121ca41',
  'istiod/proxyv2': 'istio/proxyv2@sha256:a896a17c36cde7e2b4dd7819d69cf074cdeca7ddff8c3db8d0945909c08dc5e6',
  'cert-manager/controller': 'jetstack/cert-manager-controller@sha256:a0498a882bc28e870738fdc800aaf00db6098ea37c92615f56415bee5c3e5fdd',
  'cert-manager/webhook': 'jetstack/cert-manager-webhook@sha256:05a82a68d53812695c66df69baea24704897379f925f917b849ca6d0cecc066b',
  'cert-manager/cainjector': 'jetstack/cert-manager-cainjector@sha256:fe0d0f714ece00620d146e2a41113f8f794b963121ac50cc192008547949a8ff',
  'cert-manager/acmesolver': 'jetstack/cert-manager-acmesolver@sha256:81d65dd9cb99dcec5be60a6c97953f4460e05b5a0eaa4a1ee530a5abc899fc82',
  'cert-manager/startupapicheck': 'jetstack/cert-manager-startupapicheck@sha256:6e7b7e07d3035cc0af1b6afdea6f7272046ba4e939ebbc53e0670d4fb762640f',
  'kube-prometheus-stack/prometheus-operator': 'prometheus-operator/prometheus-operator@sha256:a908b814ef5d461468f1d857881f5f71222bff7d5b95e49236796bf53bf86850',
  'kube-prometheus-stack/prometheus-config-reloader': 'prometheus-operator/prometheus-config-reloader@sha256:e16c290ab77c1e7d715b1a6dd1641a367293b5810a7b7a8c9da3410028ec77ff',
  'kube-prometheus-stack/kube-webhook-certgen': 'ingress-nginx/kube-webhook-certgen@sha256:bbf11fcd7b4429935a3acddcf9dcb243f51287d12e39c5ec36bdb99409fd70f0',
  'kube-prometheus-stack/prometheus': 'prometheus/prometheus@sha256:8824c31b474cac5368dd95bb3016bde5f47e0459dfb1819afb3547c2ce7e8f88',
  'kube-prometheus-stack/alertmanager': 'prometheus/alertmanager@sha256:efb356bd1b257939be4940e660690b07441172b8aad79520e5ba35bc97a1da09',
  'kube-prometheus-stack/grafana': 'grafana/grafana@sha256:679982fd9927637e8e3acc8c780d4aab258498aff1d3e460d32cdaa2f10ff994',
  'kube-prometheus-stack/grafana-sidecar': 'kiwigrid/k8s-sidecar@sha256:81ef636bcc6b5c83153b7f889017133335171d86c596efc8d42641a244915db4',
  'kube-prometheus-stack/kube-state-metrics': 'kube-state-metrics/kube-state-metrics@sha256:114bc4a83138e73e6c1f837c942ba0e361512f3e4794e025a5c8f34fae7e7177',
  'kube-prometheus-stack/node-exporter': 'prometheus/node-exporter@sha256:570670dd8aa9d897be82f503a51f53b075243936e1d876675fc76e154788bbce',
  'keda/keda': 'kedacore/keda@sha256:9d65f769aae177bae590153ee6fea8a78744adaebddf08a6dea62f966b2fd3b5',
  'keda/metrics-apiserver': 'kedacore/keda-metrics-apiserver@sha256:27b0d694f0817f0489a0620e7ab7ebfc37ae163431df738eda43abfb09dbae48',
  'keda/admission-webhooks': 'kedacore/keda-admission-webhooks@sha256:19c0a82ada9521342371050c0b8b31707468d216b5ff767ced5db3cba706497d',
  'karpenter/controller': 'karpenter/controller@sha256:360456f0af20c338265e7752dde5dfc91a1b639106be7f67fc174ca10e2a3bfa',
};

/**
 * The platform's own images (weight sync, GPU agents, collector) and the model server, under the mirror
 * (the reference platform's PLATFORM_IMAGES and its vLLM image; replace the digests with your mirrored copies').
 */
export const MINIMAL_PLATFORM_IMAGES: { [key: string]: string } = {
  awsCli: 'aws-cli@sha256:cd11f6e909d42f066a03e15f072853fcc19f033e343cb83b2d553e2082cbb5a7',
  nvidiaDevicePlugin: 'k8s-device-plugin@sha256:af31e2b7c7f89834c4e5219860def7ac2e49a207b3d4e8610d5a26772b7738e5',
  dcgmExporter: 'dcgm-exporter@sha256:a7ad6547d4546eaf4dd5d6b4c0b4db4101e63ef7dc3cdff7f42b767d2c60b706',
  otelCollector: 'opentelemetry-collector-contrib@sha256:5f9e1a5c4a7b9d1e3f6a8c0d2e4f5b7c9d1e3a5b7c9d1f3b4e6a8c0e2f4b5d7e',
};
const MODEL_IMAGE = 'vllm-openai@sha256:1b5a7c1e0c3d5f7a9b2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b';

/** The Kubernetes versions the schema plugin validates against (the spec's cluster version). */
const KUBERNETES_VERSION = '1.34';

/** Every file of a new app repository. */
export function appFiles(input: AppFileInput): AppFiles {
  const src = input.srcdir;
  const test = input.testdir;
  const runK8s = `npx ts-node --transpile-only ${src}/main.k8s.ts`;
  const runTf = `npx ts-node --transpile-only ${src}/main.tf.ts`;
  return {
    samples: {
      [`${src}/platform.ts`]: platformSpec(input),
      [`${src}/main.k8s.ts`]: mainK8s(input),
      [`${src}/main.tf.ts`]: mainTf(input),
      [`${test}/platform.test.ts`]: platformTest(input),
      'README.md': readme(input),
    },
    cdk8sConfig: {
      language: 'typescript',
      app: runK8s,
      output: 'dist',
      outputType: 'file-per-resource',
      // cdk8s-cli loads a plugin from a local path (starting with './') as is; the app's own copy of the
      // library, so the plugins are the version the app synthesizes with.
      validations: [
        {
          package: `./node_modules/${input.library}/lib/validation`,
          class: 'SchemaValidationPlugin',
          version: input.libraryVersion,
          properties: { kubernetesVersions: [KUBERNETES_VERSION] },
        },
        {
          package: `./node_modules/${input.library}/lib/policy`,
          class: 'PolicyValidationPlugin',
          version: input.libraryVersion,
          properties: { allowedRegistries: [input.registry] },
        },
      ],
    },
    cdktfConfig: {
      language: 'typescript',
      app: runTf,
      projectId: input.platformName,
      sendCrashReports: 'false',
      // The AWS provider comes prebuilt (@cdktf/provider-aws): nothing to generate.
      terraformProviders: [],
      terraformModules: [],
      context: {},
    },
  };
}

function platformSpec(input: AppFileInput): string {
  const addons = Object.entries(MINIMAL_ADDON_MIRRORS)
    .map(([key, image]) => `    '${key}': \`\${MIRROR}/${image}\`,`)
    .join('\n');
  const platformImages = Object.entries(MINIMAL_PLATFORM_IMAGES)
    .map(([key, image]) => `    ${key}: \`\${MIRROR}/${image}\`,`)
    .join('\n');
  return `/**
 * The platform spec: one typed value that both entry points read (${input.srcdir}/main.tf.ts for Terraform,
 * ${input.srcdir}/main.k8s.ts for Kubernetes), so names line up without running Terraform.
 *
 * One GPU pool (A10G: one managed node, Karpenter adds up to two more), one tenant, one vLLM model.
 * Every image is mirrored to the platform's ECR registry and pinned by digest: the admission policies
 * (and the policy plugin in cdk8s.yaml) refuse anything else. Mirror each image with its digest unchanged
 * (e.g. \`crane copy <upstream>@<digest> \${MIRROR}/<path>@<digest>\`); \`gitops.PlatformAddon.imagesOf(<add-on>)\`
 * lists the upstream image behind each add-on key, and the synth error names any image that is missing.
 */
import { GpuInstanceType, KubernetesVersion, ModelRuntime, k8s, platform } from '${input.library}';

const ACCOUNT = '${input.accountId}';
const REGION = '${input.region}';
/** The platform's ECR registry (cdk8s.yaml allows it in the policy plugin). */
export const REGISTRY = \`\${ACCOUNT}.dkr.ecr.\${REGION}.amazonaws.com\`;
/** Where the upstream images are mirrored. */
const MIRROR = \`\${REGISTRY}/mirror\`;

export const spec: platform.PlatformSpec = {
  name: '${input.platformName}',
  environment: '${input.environment}',
  region: REGION,
  accountId: ACCOUNT,
  cluster: {
    version: KubernetesVersion.V1_34,
    adminPrincipalArns: [\`arn:aws:iam::\${ACCOUNT}:role/platform-admins\`],
  },
  gpuPools: [
    {
      name: 'a10g',
      instanceTypes: [GpuInstanceType.G5_2XLARGE],
      minNodes: 1,
      maxNodes: 3,
      provisioning: platform.GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER,
    },
  ],
  // The quota covers the model at its most replicas plus one rollout surge.
  tenants: [{ name: 'team-a', gpuQuota: 3 }],
  models: [
    {
      name: 'llama3-8b',
      tenant: 'team-a',
      runtime: ModelRuntime.VLLM,
      image: \`\${MIRROR}/${MODEL_IMAGE}\`,
      // Weights under s3://<model store>/models/llama3-8b/ at S3 version '2024-06-01' (the store is created by cdktf).
      weights: k8s.ModelSource.modelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 2 },
    },
  ],
  images: {
${platformImages}
    addons: {
${addons}
    },
  },
  gitops: { repoUrl: '${input.gitopsRepoUrl}' },
};
`;
}

function mainK8s(input: AppFileInput): string {
  return `/**
 * \`cdk8s synth\` entry point: the Kubernetes side, written to the GitOps layout
 * (\`<environment>/<component-or-tenant>/\` and \`argocd/\`) under \`dist/\`; then cdk8s runs the validation
 * plugins of cdk8s.yaml over every file.
 */
import { App } from 'cdk8s';
import { platform } from '${input.library}';
import { spec } from './platform';

/** Build the Kubernetes side into \`app\` (the test calls this too). */
export function buildKubernetes(app: App): platform.KubernetesPlatform {
  return new platform.KubernetesPlatform(app, spec.name, { spec });
}

if (require.main === module) {
  // Not app.synth(): the platform writes one directory per chart of the GitOps layout, after its checks.
  buildKubernetes(new App()).synth();
}
`;
}

function mainTf(input: AppFileInput): string {
  return `/**
 * \`cdktf synth\` entry point: the AWS side (\`cdktf.out/stacks/${input.platformName}/cdk.tf.json\`).
 */
import { App } from 'cdktf';
import { platform } from '${input.library}';
import { spec } from './platform';

/** Build the AWS side into \`app\` (the test calls this too). */
export function buildTerraform(app: App): platform.AwsPlatformStack {
  // State: cdktf's local backend until you add one: .useS3State() on the stack keeps it in an encrypted
  // S3 bucket with locking (create the bucket <cluster name>-tfstate-<account> first).
  return new platform.AwsPlatformStack(app, spec.name, { spec });
}

if (require.main === module) {
  const app = new App();
  buildTerraform(app);
  app.synth();
}
`;
}

function platformTest(input: AppFileInput): string {
  return `import { Testing as K8sTesting } from 'cdk8s';
import { Testing } from 'cdktf';
import { buildKubernetes } from '../${input.srcdir}/main.k8s';
import { buildTerraform } from '../${input.srcdir}/main.tf';

test('the Kubernetes side passes the platform checks (policies, identities, the twin)', () => {
  const k8s = buildKubernetes(K8sTesting.app());
  const manifests = k8s.manifests();
  expect(manifests.some((m) => m.resource.kind === 'Deployment' && m.resource.metadata.name.startsWith('llama3-8b'))).toBe(true);
  expect(k8s.verify(manifests)).toEqual([]);
});

test('the AWS side has the cluster, the GPU node group and the model store', () => {
  const tf = JSON.parse(Testing.synth(buildTerraform(Testing.app())));
  expect(Object.keys(tf.resource.aws_eks_cluster)).toHaveLength(1);
  expect(Object.keys(tf.resource.aws_eks_node_group).length).toBeGreaterThanOrEqual(1);
  expect(tf.resource.aws_s3_bucket).toBeDefined();
});
`;
}

function readme(input: AppFileInput): string {
  return `# ${input.platformName}

The LLM serving platform of account ${input.accountId} (${input.region}), built with
[${input.library}](https://github.com/cdk-llm-platform/cdk-llm-platform): Terraform JSON (cdktf) for the AWS
side, Kubernetes YAML (cdk8s) for the cluster side, validated at synth time.

| file | what |
| --- | --- |
| \`${input.srcdir}/platform.ts\` | the platform spec (pools, tenants, models, mirrored images) |
| \`${input.srcdir}/main.tf.ts\` | \`cdktf synth\`: VPC, EKS, GPU node pools, model store, ECR |
| \`${input.srcdir}/main.k8s.ts\` | \`cdk8s synth\`: the GitOps layout under \`dist/\` |
| \`cdk8s.yaml\` | the cdk8s app and the library's validation plugins (schemas, policies) |
| \`cdktf.json\` | the cdktf app |
| \`${input.testdir}/platform.test.ts\` | both sides synthesize and pass the platform checks |

\`\`\`sh
npx projen synth:tf    # cdktf synth -> cdktf.out/stacks/${input.platformName}/cdk.tf.json
npx projen synth:k8s   # cdk8s synth -> dist/${input.environment}/..., dist/argocd/ (plugins must report no violations)
npx projen test        # jest
\`\`\`

\`cdk8s.yaml\`, \`cdktf.json\` and \`package.json\` are kept by projen: change them in \`.projenrc.ts\` and run
\`npx projen\`. Before the first deploy, mirror every image of \`${input.srcdir}/platform.ts\` to
\`${input.registry}\` with its digest unchanged, and set the model's weights and image.
`;
}
