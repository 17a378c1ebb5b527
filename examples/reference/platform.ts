/**
 * The reference platform's spec, as an app repo holds it: one typed value that both entry points
 * (`main.tf.ts` for Terraform, `main.k8s.ts` for Kubernetes) read, so names line up without running
 * Terraform.
 *
 * 1 cluster (private endpoint), a system pool and 2 GPU pools (A10G g5 and L40S g6e classes, each a managed
 * baseline plus Karpenter bursts: a managed node group alone never grows past its desired size), 3 tenants,
 * 5 models across vLLM, Triton and TGI (one with a canary, one served through KServe), a LoRA fine-tuning job, ValidatingAdmissionPolicy +
 * Kyverno with one documented exception, STRICT mTLS with an HTTPS ingress gateway, Argo CD
 * ApplicationSets, OpenTelemetry + Prometheus + dashboards, CloudTrail + Security Hub to Splunk.
 */
import { Duration } from 'cdk8s';
import { GpuInstanceType, KubernetesVersion, ModelRuntime } from '../../src';
import { GpuProvisioning, ModelWeights, PlatformSpec } from '../../src/platform';
import { PolicyEngine } from '../../src/policy';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
/** The platform's ECR registry: every image is mirrored here (same digests as upstream, e.g. `crane copy`). */
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export const spec: PlatformSpec = {
  name: 'acme-llm',
  environment: 'prod',
  region: REGION,
  accountId: ACCOUNT,
  cluster: {
    version: KubernetesVersion.V1_34,
    adminPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/platform-admins`],
    viewerPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/auditors`],
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
      image: `${REGISTRY}/acme-llm/vllm-openai@sha256:1b5a7c1e0c3d5f7a9b2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b`,
      weights: ModelWeights.fromModelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      replicas: { min: 2, max: 6 },
      slo: { timeToFirstTokenP99: Duration.seconds(2) },
      canary: { version: '2024-07-01', weights: ModelWeights.fromModelStore('models/llama3-8b/', '2024-07-01'), trafficPercentage: 10 },
    },
    {
      name: 'reranker',
      tenant: 'search',
      runtime: ModelRuntime.TRITON,
      image: `${REGISTRY}/acme-llm/tritonserver@sha256:2c6b8d2f1d4e6a8b0c3d5f7a9b1c2e4f6a8b0d2e4f6a8c0e1b3d5f7a9c1e2b4c`,
      weights: ModelWeights.fromModelStore('models/reranker/', 'r12'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 3 },
    },
    {
      name: 'mixtral-8x7b',
      tenant: 'support',
      runtime: ModelRuntime.TGI,
      image: `${REGISTRY}/acme-llm/text-generation-inference@sha256:3d7c9e3a2e5f7b9c1d4e6a8b0c2d3f5a7b9c1e3f5a7b9d1f2c4e6a8b0d2f3c5d`,
      weights: ModelWeights.fromModelStore('models/mixtral-8x7b/', '2024-05-20'),
      gpuPool: 'l40s',
      gpusPerReplica: 4,
      replicas: { min: 1, max: 2 },
    },
    {
      name: 'llama3-70b',
      tenant: 'support',
      runtime: ModelRuntime.VLLM,
      image: `${REGISTRY}/acme-llm/vllm-openai@sha256:1b5a7c1e0c3d5f7a9b2c4e6f8a0b1c3d5e7f9a1b3c5d7e9f0a2b4c6d8e0f1a3b`,
      weights: ModelWeights.fromModelStore('models/llama3-70b-awq/', '2024-06-15'),
      gpuPool: 'l40s',
      gpusPerReplica: 4,
      replicas: { min: 1, max: 1 },
      kserve: true,
    },
    {
      name: 'clip-vit',
      tenant: 'vision',
      runtime: ModelRuntime.TRITON,
      image: `${REGISTRY}/acme-llm/tritonserver@sha256:2c6b8d2f1d4e6a8b0c3d5f7a9b1c2e4f6a8b0d2e4f6a8c0e1b3d5f7a9c1e2b4c`,
      weights: ModelWeights.fromModelStore('models/clip-vit-l14/', '2024-03-01'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 2 },
      publicRoute: false,
    },
  ],
  fineTuningJobs: [
    {
      name: 'support-lora',
      tenant: 'support',
      image: `${REGISTRY}/acme-llm/lora-trainer@sha256:4e8d0f4b3f6a8c0d2e5f7b9c1d3e4a6b8c0d2f4a6b8c0e2a3d5f7b9c1e3a4d6e`,
      command: ['python', '-m', 'train_lora'],
      baseModel: ModelWeights.fromModelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      datasetPrefix: 'datasets/support/2024-06/',
      workers: 2,
    },
  ],
  images: {
    awsCli: `${REGISTRY}/mirror/aws-cli@sha256:cd11f6e909d42f066a03e15f072853fcc19f033e343cb83b2d553e2082cbb5a7`,
    nvidiaDevicePlugin: `${REGISTRY}/mirror/k8s-device-plugin@sha256:af31e2b7c7f89834c4e5219860def7ac2e49a207b3d4e8610d5a26772b7738e5`,
    dcgmExporter: `${REGISTRY}/mirror/dcgm-exporter@sha256:a7ad6547d4546eaf4dd5d6b4c0b4db4101e63ef7dc3cdff7f42b767d2c60b706`,
    otelCollector: `${REGISTRY}/mirror/opentelemetry-collector-contrib@sha256:5f9e1a5c4a7b9d1e3f6a8c0d2e4f5b7c9d1e3a5b7c9d1f3b4e6a8c0e2f4b5d7e`,
  },
  policy: {
    engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO],
    exceptions: [{
      ruleIds: ['LLM-PSS-003', 'LLM-PSS-006', 'LLM-PSS-012', 'LLM-SEC-001', 'LLM-RES-002'],
      namespace: 'nvidia-gpu',
      kind: 'DaemonSet',
      owner: 'platform-team',
      reason: 'NVIDIA device plugin and DCGM exporter reach the kubelet through host sockets as root (upstream design); the plugin has no health endpoint',
      ticket: 'SEC-118',
      expires: '2027-06-30',
    }],
  },
  mesh: {
    ingressHosts: ['llm.acme.example.com'],
    tlsCredentialName: 'llm-acme-example-com-tls',
    // cert-manager issues and renews the gateway's certificate into that Secret.
    tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' },
    tracingSamplingPercentage: 5,
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
