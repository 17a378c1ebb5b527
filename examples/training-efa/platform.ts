/**
 * A second platform, unlike the reference: distributed training on an EFA fabric in a FIPS account that an
 * AWS Organization manages. Synthesize it with the same two entry points as the reference
 * (`new AwsPlatformStack(app, spec.name, { spec })`, `new KubernetesPlatform(app, spec.name, { spec })`).
 *
 * - FIPS everywhere: FIPS endpoints, Bottlerocket FIPS AMIs on the system and managed GPU groups, and the
 *   Bottlerocket NVIDIA FIPS AMI (by SSM parameter) on the Karpenter pool.
 * - `h100-efa`: p5.48xlarge nodes on an EC2 Capacity Block (min 0, the reservation's zone), all 32 EFA
 *   interfaces (EFA-only on the secondary cards), a cluster placement group, the EFA device plugin; the
 *   2-worker fine-tuning job requests `vpc.amazonaws.com/efa: 32` per pod with AWS's libfabric settings.
 * - `l40s`: Karpenter from zero for a serving model.
 * - GuardDuty, Security Hub and AWS Config are run by the organization (adopted, not created); the audit
 *   bucket has S3 Object Lock in compliance mode; admins reach a public endpoint from one CIDR.
 */
import { GpuInstanceType, KubernetesVersion, ModelRuntime } from '../../src';
import { AccountServiceMode, ObjectLockMode } from '../../src/aws';
import { ModelSource } from '../../src/k8s';
import { ClusterAccessPath, GpuProvisioning, PlatformSpec } from '../../src/platform';
import { ADDON_MIRRORS, MODEL_IMAGES, PLATFORM_IMAGES } from '../reference/platform';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const REGISTRY = `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`;

export const spec: PlatformSpec = {
  name: 'acme-train',
  environment: 'prod',
  region: REGION,
  accountId: ACCOUNT,
  cluster: {
    version: KubernetesVersion.V1_34,
    fips: true,
    adminPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/platform-admins`],
    accessPath: ClusterAccessPath.PUBLIC_ENDPOINT,
    publicAccessCidrs: ['203.0.113.0/24'],
  },
  gpuPools: [
    {
      name: 'h100-efa',
      instanceTypes: [GpuInstanceType.P5_48XLARGE],
      efa: true,
      // A 2-node Capacity Block: EKS scales the group up when the reservation starts and to 0 before it ends.
      capacityBlock: { reservationId: 'cr-0a1b2c3d4e5f60718', availabilityZone: 'us-east-1a' },
      desiredNodes: 2,
      maxNodes: 2,
    },
    {
      name: 'l40s',
      instanceTypes: [GpuInstanceType.G6E_12XLARGE],
      maxNodes: 2,
      provisioning: GpuProvisioning.KARPENTER,
    },
  ],
  tenants: [
    { name: 'research', gpuQuota: 24 },
  ],
  models: [
    {
      name: 'llama3-70b',
      tenant: 'research',
      runtime: ModelRuntime.VLLM,
      image: MODEL_IMAGES.vllm,
      weights: ModelSource.modelStore('models/llama3-70b-awq/', '2024-06-15'),
      gpuPool: 'l40s',
      gpusPerReplica: 4,
      replicas: { min: 1, max: 1 },
    },
  ],
  fineTuningJobs: [
    {
      name: 'llama3-70b-sft',
      tenant: 'research',
      image: MODEL_IMAGES.loraTrainer,
      command: ['torchrun', '-m', 'train_sft'],
      baseModel: ModelSource.modelStore('models/llama3-70b/', '2024-06-15'),
      gpuPool: 'h100-efa',
      datasetPrefix: 'datasets/research/2024-06/',
      workers: 2,
      gpusPerWorker: 8,
    },
  ],
  images: {
    ...PLATFORM_IMAGES,
    addons: {
      ...ADDON_MIRRORS,
      'aws-efa-k8s-device-plugin/aws-efa-k8s-device-plugin': `${REGISTRY}/mirror/eks/aws-efa-k8s-device-plugin@sha256:31ceb0c900323d52990cfed16c15c5155ba7193d75fccc3bfb784dee5972ec36`,
    },
  },
  gitops: { repoUrl: 'https://git.example.com/acme/training-gitops.git' },
  audit: {
    guardDuty: AccountServiceMode.EXISTING,
    securityHub: AccountServiceMode.EXISTING,
    config: AccountServiceMode.EXISTING,
    objectLockMode: ObjectLockMode.COMPLIANCE,
    objectLockRetentionDays: 365,
  },
};
