/**
 * The reference platform's spec, as an app repo holds it: one typed value that both entry points
 * (`main.tf.ts` for Terraform, `main.k8s.ts` for Kubernetes) read, so names line up without running
 * Terraform.
 *
 * 1 cluster (private endpoint), a system pool and 2 GPU pools (A10G g5 and L40S g6e classes, each a managed
 * baseline plus Karpenter bursts: a managed node group alone never grows past its desired size), 3 tenants,
 * 5 models across vLLM, Triton and TGI (one with a canary, one with two LoRA adapters, one served through KServe), a LoRA
 * fine-tuning job, ValidatingAdmissionPolicy + Kyverno with no user exception (the library's own covers its GPU agents), STRICT
 * mTLS with an HTTPS Gateway API ingress (the vLLM models through InferencePools and their endpoint pickers), Argo CD
 * ApplicationSets, OpenTelemetry + Prometheus + dashboards, CloudTrail + Security Hub to Splunk.
 */
import { Duration } from 'cdk8s';
import { GpuInstanceType, KubernetesVersion, ModelRuntime } from '../../src';
import { ModelSource } from '../../src/k8s';
import { ClusterAccessPath, Fleet, FleetHubNetwork, FleetSpec, GpuProvisioning, IngressApi, PlatformSpec } from '../../src/platform';
import { PolicyEngine } from '../../src/policy';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** The platform's ECR registry: every image is mirrored here (same digests as upstream, e.g. `crane copy`). */
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

/**
 * The add-ons' images, mirrored to the platform registry (gitops.PlatformAddon.imagesOf(<add-on>) lists each
 * upstream image; the admission policies require digests and the allowed registry in the add-ons' namespaces).
 */
export const ADDON_MIRRORS: { [image: string]: string } = {
  'kyverno/kyverno': `${REGISTRY}/mirror/kyverno/kyverno@sha256:37f4522da7dead4f8fafc2e81ddce3db4d4c718ab9752682175600147b7d14d5`,
  'kyverno/kyvernopre': `${REGISTRY}/mirror/kyverno/kyvernopre@sha256:662280e305261701502d6e2dbfa0dc3f79a9733a50bf03a807ccf8e35f86a309`,
  'kyverno/background-controller': `${REGISTRY}/mirror/kyverno/background-controller@sha256:3da155855d93fd7c01c47dc96209fa9896a5cdafad73043aa798652a520220a8`,
  'kyverno/cleanup-controller': `${REGISTRY}/mirror/kyverno/cleanup-controller@sha256:1e7279e31acc935fad9d20357189ca0680e1ba472b1e66ba64ce834f6536a46e`,
  'kyverno/reports-controller': `${REGISTRY}/mirror/kyverno/reports-controller@sha256:276137d7f31ea73bd0a99fdd6d611db381426471c4620badec2d560d6c392347`,
  'kyverno/kyverno-cli': `${REGISTRY}/mirror/kyverno/kyverno-cli@sha256:43df31da490f63b83c32c942684e5aa72e744edeb3535976725ff7423e6785df`,
  'kyverno/readiness-checker': `${REGISTRY}/mirror/kyverno/readiness-checker@sha256:2679cfa5cde05d27e77f4beae4e17b62e48310d05c0138c4aa32406333f4f7a4`,
  'istio-cni/install-cni': `${REGISTRY}/mirror/istio/install-cni@sha256:8a71b7b4ab0772cf1c5eac1e9e97690eb8fae27b3b84a0cbd5c330eac4ed79c9`,
  'istiod/pilot': `${REGISTRY}/mirror/istio/pilot@sha256:00b0dd1b2bb7a5dff068c527e3b4992bd7cc3e33962f92b155ca3272c121ca41`,
  'istiod/proxyv2': `${REGISTRY}/mirror/istio/proxyv2@sha256:a896a17c36cde7e2b4dd7819d69cf074cdeca7ddff8c3db8d0945909c08dc5e6`,
  'cert-manager/controller': `${REGISTRY}/mirror/jetstack/cert-manager-controller@sha256:a0498a882bc28e870738fdc800aaf00db6098ea37c92615f56415bee5c3e5fdd`,
  'cert-manager/webhook': `${REGISTRY}/mirror/jetstack/cert-manager-webhook@sha256:05a82a68d53812695c66df69baea24704897379f925f917b849ca6d0cecc066b`,
  'cert-manager/cainjector': `${REGISTRY}/mirror/jetstack/cert-manager-cainjector@sha256:fe0d0f714ece00620d146e2a41113f8f794b963121ac50cc192008547949a8ff`,
  'cert-manager/acmesolver': `${REGISTRY}/mirror/jetstack/cert-manager-acmesolver@sha256:81d65dd9cb99dcec5be60a6c97953f4460e05b5a0eaa4a1ee530a5abc899fc82`,
  'cert-manager/startupapicheck': `${REGISTRY}/mirror/jetstack/cert-manager-startupapicheck@sha256:6e7b7e07d3035cc0af1b6afdea6f7272046ba4e939ebbc53e0670d4fb762640f`,
  'kube-prometheus-stack/prometheus-operator': `${REGISTRY}/mirror/prometheus-operator/prometheus-operator@sha256:a908b814ef5d461468f1d857881f5f71222bff7d5b95e49236796bf53bf86850`,
  'kube-prometheus-stack/prometheus-config-reloader': `${REGISTRY}/mirror/prometheus-operator/prometheus-config-reloader@sha256:e16c290ab77c1e7d715b1a6dd1641a367293b5810a7b7a8c9da3410028ec77ff`,
  'kube-prometheus-stack/kube-webhook-certgen': `${REGISTRY}/mirror/ingress-nginx/kube-webhook-certgen@sha256:bbf11fcd7b4429935a3acddcf9dcb243f51287d12e39c5ec36bdb99409fd70f0`,
  'kube-prometheus-stack/prometheus': `${REGISTRY}/mirror/prometheus/prometheus@sha256:8824c31b474cac5368dd95bb3016bde5f47e0459dfb1819afb3547c2ce7e8f88`,
  'kube-prometheus-stack/alertmanager': `${REGISTRY}/mirror/prometheus/alertmanager@sha256:efb356bd1b257939be4940e660690b07441172b8aad79520e5ba35bc97a1da09`,
  'kube-prometheus-stack/grafana': `${REGISTRY}/mirror/grafana/grafana@sha256:679982fd9927637e8e3acc8c780d4aab258498aff1d3e460d32cdaa2f10ff994`,
  'kube-prometheus-stack/grafana-sidecar': `${REGISTRY}/mirror/kiwigrid/k8s-sidecar@sha256:81ef636bcc6b5c83153b7f889017133335171d86c596efc8d42641a244915db4`,
  'kube-prometheus-stack/kube-state-metrics': `${REGISTRY}/mirror/kube-state-metrics/kube-state-metrics@sha256:114bc4a83138e73e6c1f837c942ba0e361512f3e4794e025a5c8f34fae7e7177`,
  'kube-prometheus-stack/node-exporter': `${REGISTRY}/mirror/prometheus/node-exporter@sha256:570670dd8aa9d897be82f503a51f53b075243936e1d876675fc76e154788bbce`,
  'keda/keda': `${REGISTRY}/mirror/kedacore/keda@sha256:9d65f769aae177bae590153ee6fea8a78744adaebddf08a6dea62f966b2fd3b5`,
  'keda/metrics-apiserver': `${REGISTRY}/mirror/kedacore/keda-metrics-apiserver@sha256:27b0d694f0817f0489a0620e7ab7ebfc37ae163431df738eda43abfb09dbae48`,
  'keda/admission-webhooks': `${REGISTRY}/mirror/kedacore/keda-admission-webhooks@sha256:19c0a82ada9521342371050c0b8b31707468d216b5ff767ced5db3cba706497d`,
  'opentelemetry-operator/manager': `${REGISTRY}/mirror/open-telemetry/opentelemetry-operator/opentelemetry-operator@sha256:924ed9325fb6e06692f8dc39abb4f315c46703380f42a5f8a139014a692edca2`,
  'opentelemetry-operator/kube-rbac-proxy': `${REGISTRY}/mirror/brancz/kube-rbac-proxy@sha256:bf05299df67fe8515c7c60454c4a8eda2f21c855289e5d34f14e44231853b02d`,
  'karpenter/controller': `${REGISTRY}/mirror/karpenter/controller@sha256:360456f0af20c338265e7752dde5dfc91a1b639106be7f67fc174ca10e2a3bfa`,
  'kserve/controller': `${REGISTRY}/mirror/kserve/kserve-controller@sha256:552b89c29a42f27216659ac9be6baf97b07381bdc3744df35ec6db4fe1b4e3f7`,
  'kserve/kube-rbac-proxy': `${REGISTRY}/mirror/brancz/kube-rbac-proxy@sha256:fdd4182373d16bdd3a2773304e8b38756045c87d9d1e567ce3e6bc09fd71e6c9`,
  'kserve/storage-initializer': `${REGISTRY}/mirror/kserve/storage-initializer@sha256:39abbbd04468922fea2650b0ee8f046bf52bac97a040d7fc1f5484cb50af06ab`,
  'kserve/agent': `${REGISTRY}/mirror/kserve/agent@sha256:729d45f58c5362eb2435a450261adfb436658220819538c765d3f14e0511e062`,
  'kserve/router': `${REGISTRY}/mirror/kserve/router@sha256:5f3ba4cd6ae1f4282cdccc28c851e7e106b0c245c6ee5cbfe33ced850fa4b129`,
  'training-operator/training-operator': `${REGISTRY}/mirror/kubeflow/training-v1/training-operator@sha256:4b19892336a76dd9408f8e2af6ed39459168f328ead1431e567e6f5a3a64d178`,
  'training-operator/pytorch-init': `${REGISTRY}/mirror/library/alpine@sha256:d1f5479c320999d5f039f02bde2d8f9444f9847e523b37eb7c794af49d780077`,
  'aws-load-balancer-controller/controller': `${REGISTRY}/mirror/eks/aws-load-balancer-controller@sha256:4b9d406cceeffaf018e7c830b6b64ce110a3bba900f97787088f02930d9f6a10`,
};

/** The model servers' and the trainer's images, mirrored to the platform registry (digests stand for your mirror's). */
export const MODEL_IMAGES = {
  vllm: `${REGISTRY}/acme-llm/vllm-openai@sha256:1b5a7c1e0c3d5f7a9b2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b`,
  tgi: `${REGISTRY}/acme-llm/text-generation-inference@sha256:3d7c9e3a2e5f7b9c1d4e6a8b0c2d3f5a7b9c1e3f5a7b9d1f2c4e6a8b0d2f3c5d`,
  triton: `${REGISTRY}/acme-llm/tritonserver@sha256:2c6b8d2f1d4e6a8b0c3d5f7a9b1c2e4f6a8b0d2e4f6a8c0e1b3d5f7a9c1e2b4c`,
  loraTrainer: `${REGISTRY}/acme-llm/lora-trainer@sha256:4e8d0f4b3f6a8c0d2e5f7b9c1d3e4a6b8c0d2f4a6b8c0e2a3d5f7b9c1e3a4d6e`,
};

/** The platform's own images (weight sync, GPU agents, collector), mirrored to the platform registry. */
export const PLATFORM_IMAGES = {
  awsCli: `${REGISTRY}/mirror/aws-cli@sha256:cd11f6e909d42f066a03e15f072853fcc19f033e343cb83b2d553e2082cbb5a7`,
  nvidiaDevicePlugin: `${REGISTRY}/mirror/k8s-device-plugin@sha256:af31e2b7c7f89834c4e5219860def7ac2e49a207b3d4e8610d5a26772b7738e5`,
  dcgmExporter: `${REGISTRY}/mirror/dcgm-exporter@sha256:a7ad6547d4546eaf4dd5d6b4c0b4db4101e63ef7dc3cdff7f42b767d2c60b706`,
  otelCollector: `${REGISTRY}/mirror/opentelemetry-collector-contrib@sha256:5f9e1a5c4a7b9d1e3f6a8c0d2e4f5b7c9d1e3a5b7c9d1f3b4e6a8c0e2f4b5d7e`,
  // registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0, mirrored (`crane digest` gives the digest to pin)
  endpointPicker: `${REGISTRY}/mirror/gateway-api-inference-extension/epp@sha256:6a4f0c2e8b1d3f5a7c9e0b2d4f6a8c1e3b5d7f9a0c2e4b6d8f1a3c5e7b9d0f2a`,
};

/**
 * One A10G pool, one tenant and one vLLM model served from the platform's model store, in the reference's
 * account and region: what the smaller example platforms (signed-models, gatekeeper) share; each adds its
 * images, policy and GitOps repository.
 */
export function singleModelPlatform(name: string): Pick<PlatformSpec, 'name' | 'environment' | 'region' | 'accountId' | 'cluster' | 'gpuPools' | 'tenants' | 'models'> {
  return {
    name,
    environment: 'prod',
    region: REGION,
    accountId: ACCOUNT,
    cluster: { version: KubernetesVersion.V1_34 },
    gpuPools: [{ name: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], minNodes: 2, maxNodes: 2 }],
    tenants: [{ name: 'assistants', gpuQuota: 2 }],
    models: [{
      name: 'llama3-8b',
      tenant: 'assistants',
      runtime: ModelRuntime.VLLM,
      image: MODEL_IMAGES.vllm,
      weights: ModelSource.modelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 1 },
    }],
  };
}

export const spec: PlatformSpec = {
  name: 'acme-llm',
  environment: 'prod',
  region: REGION,
  accountId: ACCOUNT,
  cluster: {
    version: KubernetesVersion.V1_34,
    adminPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/platform-admins`],
    viewerPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/auditors`],
    // The API endpoint stays private: admins reach it through a Session Manager host in the VPC.
    accessPath: ClusterAccessPath.ADMIN_HOST,
  },
  gpuPools: [
    {
      name: 'a10g',
      instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_4XLARGE],
      minNodes: 2,
      // Karpenter's share: with the baseline, 18 GPUs for up to 17 (max replicas, rollout surges, the job)
      maxNodes: 16,
      provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER,
    },
    {
      name: 'l40s',
      instanceTypes: [GpuInstanceType.G6E_12XLARGE],
      minNodes: 1,
      maxNodes: 4,
      // The models need 8 GPUs at their fewest replicas, 20 at their most with rollout surges: one managed
      // node (4 GPUs) and Karpenter for the rest.
      provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER,
    },
  ],
  tenants: [
    { name: 'search', gpuQuota: 12, adminGroups: ['search-admins'], viewerGroups: ['search-viewers'] },
    // mixtral (2 + 1 rollout surge) x 4, llama3-70b (1 + 1 rollout surge) x 4, support-lora 2 x 1
    { name: 'support', gpuQuota: 22 },
    { name: 'vision', gpuQuota: 4 },
  ],
  models: [
    {
      name: 'llama3-8b',
      tenant: 'search',
      runtime: ModelRuntime.VLLM,
      image: MODEL_IMAGES.vllm,
      weights: ModelSource.modelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      replicas: { min: 2, max: 6 },
      slo: { timeToFirstTokenP99: Duration.seconds(2) },
      canary: { version: '2024-07-01', weights: ModelSource.modelStore('models/llama3-8b/', '2024-07-01'), trafficPercentage: 10 },
    },
    {
      name: 'reranker',
      tenant: 'search',
      runtime: ModelRuntime.TRITON,
      image: MODEL_IMAGES.triton,
      weights: ModelSource.modelStore('models/reranker/', 'r12'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 3 },
      kserve: true,
    },
    {
      name: 'mixtral-8x7b',
      tenant: 'support',
      runtime: ModelRuntime.TGI,
      image: MODEL_IMAGES.tgi,
      weights: ModelSource.modelStore('models/mixtral-8x7b/', '2024-05-20'),
      gpuPool: 'l40s',
      gpusPerReplica: 4,
      replicas: { min: 1, max: 2 },
    },
    {
      name: 'llama3-70b',
      tenant: 'support',
      runtime: ModelRuntime.VLLM,
      image: MODEL_IMAGES.vllm,
      weights: ModelSource.modelStore('models/llama3-70b-awq/', '2024-06-15'),
      gpuPool: 'l40s',
      gpusPerReplica: 4,
      replicas: { min: 1, max: 1 },
      // two LoRA adapters of the support team, loaded at start (vLLM --lora-modules); requests name one as "model"
      adapters: [
        { name: 'support-tickets', weights: ModelSource.modelStore('adapters/support-tickets/', '2024-06-20') },
        { name: 'support-kb', weights: ModelSource.modelStore('adapters/support-kb/', '2024-06-25') },
      ],
    },
    {
      name: 'clip-vit',
      tenant: 'vision',
      runtime: ModelRuntime.TRITON,
      image: MODEL_IMAGES.triton,
      weights: ModelSource.modelStore('models/clip-vit-l14/', '2024-03-01'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 2 },
      publicRoute: false,
    },
  ],
  fineTuningJobs: [
    {
      name: 'support-lora',
      tenant: 'support',
      image: MODEL_IMAGES.loraTrainer,
      command: ['python', '-m', 'train_lora'],
      baseModel: ModelSource.modelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      datasetPrefix: 'datasets/support/2024-06/',
      workers: 2,
    },
  ],
  images: {
    ...PLATFORM_IMAGES,
    addons: ADDON_MIRRORS,
  },
  policy: {
    // No exception: the GPU agents' one is built into the library (policy.BuiltInExceptions).
    engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO],
    // The one registry every cluster of the fleet pulls from (the default for this cluster; the others need it said).
    allowedRegistries: [REGISTRY],
  },
  mesh: {
    ingressHosts: ['llm.acme.example.com'],
    tlsCredentialName: 'llm-acme-example-com-tls',
    // cert-manager issues and renews the gateway's certificate into that Secret.
    // The account's ACME ClusterIssuer (Route 53 DNS01) is set up with cert-manager, outside this platform.
    tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt-prod', external: true },
    tracingSamplingPercentage: 5,
    // A Gateway API Gateway on the ingress gateway deployment: the vLLM models (llama3-8b with its canary,
    // llama3-70b with its adapters) through InferencePools and their endpoint pickers, the others to their Services.
    ingressApi: IngressApi.GATEWAY_API,
    inference: {
      // a standby picker per pool: a drained or failed leader's pool keeps routing (FailClose would refuse it)
      pickerReplicas: 2,
      // clients send `x-gateway-inference-objective: llama3-8b-interactive` (or llama3-70b-batch)
      objectives: [
        { name: 'interactive', model: 'llama3-8b', priority: 10 },
        { name: 'interactive', model: 'llama3-70b', priority: 10 },
        { name: 'batch', model: 'llama3-70b', priority: 0 },
      ],
    },
  },
  gitops: { repoUrl: 'https://git.example.com/acme/platform-gitops.git' },
  observability: {
    ampWorkspaceArn: `arn:aws:aps:${REGION}:${ACCOUNT}:workspace/ws-1234abcd-5678-90ef-1234-567890abcdef`,
    tracesEndpoint: 'tempo-distributor.tracing.svc:4317',
  },
  audit: {
    splunk: {
      hecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443',
      hecTokenSecretArn: `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:splunk-hec-AbCdEf`,
    },
  },
};

/** The example certificate authority of the registered clusters (base64 of a PEM certificate, as EKS returns it). */
const EXAMPLE_CA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBreference\n-----END CERTIFICATE-----\n').toString('base64');

/** The parts of `spec` every cluster shares (where it runs comes from the fleet). */
const { environment: _environment, region: _region, accountId: _accountId, ...shared } = spec;

/**
 * The reference fleet: `spec` as staging (us-west-2) and prod in two regions (us-east-1, which runs the Argo CD
 * hub, and eu-west-1), one AWS account. `fleet.cluster('prod').spec` is `spec`. Staging and eu-west-1 are
 * registered with the hub (their API server endpoints are known after their first deploy; these are examples),
 * which reaches them over a private network.
 */
export const fleetSpec: FleetSpec = {
  platform: shared,
  environments: [
    {
      name: 'staging',
      accountId: ACCOUNT,
      clusters: [{ region: 'us-west-2', vpcCidr: '10.1.0.0/16', apiServer: { url: 'https://EXAMPLE0STAGING.gr7.us-west-2.eks.amazonaws.com', certificateAuthorityData: EXAMPLE_CA } }],
    },
    {
      name: 'prod',
      accountId: ACCOUNT,
      clusters: [
        { region: REGION, name: 'prod' },
        { region: 'eu-west-1', name: 'prod-eu-west-1', vpcCidr: '10.2.0.0/16', apiServer: { url: 'https://EXAMPLE0PRODEU.gr7.eu-west-1.eks.amazonaws.com', certificateAuthorityData: EXAMPLE_CA } },
      ],
    },
  ],
  // The hub's VPC (10.0.0.0/16) reaches the others (10.1/16, 10.2/16) through the account's Transit Gateway: their
  // endpoints stay private and their cluster security groups admit the hub's VPC (AwsFleet).
  hubNetwork: FleetHubNetwork.PRIVATE_NETWORK,
  // Weights are uploaded and images mirrored to prod (us-east-1) only; S3 and ECR replication copy them into the
  // staging and eu-west-1 stores and registries, and those clusters' images name their own registry (AwsFleet).
  replication: { source: 'prod' },
  overrides: [
    // staging: fewer replicas and nodes, its own regional workspace and Splunk token
    {
      environment: 'staging',
      gpuPools: [{ name: 'a10g', maxNodes: 10 }],
      models: [{ name: 'llama3-8b', replicas: { min: 1, max: 2 } }, { name: 'reranker', replicas: { min: 1, max: 1 } }],
      observability: { ampWorkspaceArn: `arn:aws:aps:us-west-2:${ACCOUNT}:workspace/ws-5678abcd-1234-90ef-1234-567890abcdef` },
      audit: { splunk: { hecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443', hecTokenSecretArn: `arn:aws:secretsmanager:us-west-2:${ACCOUNT}:secret:splunk-hec-GhIjKl` } },
    },
    {
      environment: 'prod',
      cluster: 'prod-eu-west-1',
      observability: { ampWorkspaceArn: `arn:aws:aps:eu-west-1:${ACCOUNT}:workspace/ws-9abcdef0-1234-90ef-1234-567890abcdef` },
      audit: { splunk: { hecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443', hecTokenSecretArn: `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:splunk-hec-MnOpQr` } },
    },
  ],
};

/** The reference fleet, resolved (every cluster's spec validated). */
export const fleet = new Fleet(fleetSpec);
