import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { GpuInstanceType } from '../../core/gpu-instance-type';
import { GpuPool, IGpuPool, NodeTaint } from '../../core/gpu-pool';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
import {
  Ec2NodeClass, Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType, Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6, Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../../imports/karpenter-ec2nodeclass-karpenter.k8s.aws';
import {
  NodePool, NodePoolSpecDisruptionBudgetsReasons, NodePoolSpecDisruptionConsolidationPolicy, NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator, NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/karpenter-nodepool-karpenter.sh';
import { sizeQuantity, standardLabels, validateInt } from '../private/pod';

/**
 * EC2 purchase options Karpenter may use.
 */
export enum CapacityType {
  /** On-demand instances (serving default: no interruptions). */
  ON_DEMAND = 'on-demand',
  /** Spot instances (interruptible: fine for fine-tuning with checkpoints, not for serving). */
  SPOT = 'spot',
  /** Capacity reservations / capacity blocks. */
  RESERVED = 'reserved',
}

/**
 * Properties of a `KarpenterGpuClass`.
 */
export interface KarpenterGpuClassProps {
  /** The pool name (DNS-1123 label), also the NodePool and EC2NodeClass name and the `llm-platform.io/gpu-pool` label. */
  readonly poolName: string;
  /** The instance types (one GPU model). */
  readonly instanceTypes: GpuInstanceType[];
  /** The IAM role name of the nodes (the AWS layer's Karpenter node role). */
  readonly nodeRole: string;
  /** The value of the `karpenter.sh/discovery` tag on the cluster's subnets and node security group (usually the cluster name). */
  readonly discoveryTag: string;
  /**
   * The most nodes the pool scales to (a `nvidia.com/gpu` limit on the NodePool).
   *
   * @default - no limit
   */
  readonly maxNodes?: number;
  /**
   * Purchase options.
   *
   * @default [CapacityType.ON_DEMAND]
   */
  readonly capacityTypes?: CapacityType[];
  /**
   * Node lifetime before Karpenter replaces the node (picks up new AMIs).
   *
   * @default Duration.days(30)
   */
  readonly expireAfter?: Duration;
  /**
   * How long a node must be empty before it is removed.
   *
   * @default Duration.minutes(10)
   */
  readonly consolidateAfter?: Duration;
  /**
   * The longest a draining node waits for its pods; after it, pods are deleted even if they carry
   * `karpenter.sh/do-not-disrupt` or a PDB blocks them.
   *
   * @default - wait indefinitely (a serving GPU node is never evicted mid-generation)
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * The AMI alias, pinned (`al2023@<version>` or `bottlerocket@<version>`; Karpenter picks the NVIDIA
   * variant for GPU instance types).
   *
   * @default 'al2023@v20251110'
   */
  readonly amiAlias?: string;
  /**
   * Size of the encrypted gp3 root volume (images of LLM servers are large and weights land on it).
   *
   * @default Size.gibibytes(300)
   */
  readonly volumeSize?: Size;
  /**
   * KMS key (ARN or id) for the root volume.
   *
   * @default - the account's default EBS key
   */
  readonly kmsKeyId?: string;
  /**
   * Extra node labels.
   *
   * @default - the standard labels only (`GpuPool.standardLabels`)
   */
  readonly extraLabels?: { [key: string]: string };
  /**
   * Node taints.
   *
   * @default [GpuPool.GPU_TAINT]
   */
  readonly taints?: NodeTaint[];
  /**
   * Extra EC2 tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** The latest pinned AL2023 AMI alias this release was checked against. */
const DEFAULT_AMI_ALIAS = 'al2023@v20251110';
const AMI_ALIAS = /^(al2023|al2|bottlerocket|windows2019|windows2022|windows2025)@(v[0-9.]+|[0-9.]+)$/;

/**
 * A Karpenter GPU class: NodePool + EC2NodeClass for one GPU model. Implements `IGpuPool`, so the
 * labels and taints its nodes get are exactly what a `ModelServer` on it selects and tolerates.
 *
 * Secure defaults: IMDSv2 only with hop limit 1 (pods cannot reach instance credentials), encrypted
 * gp3 root volume, on-demand capacity, WhenEmpty consolidation and budgets that never drift-replace
 * a node that serves a model.
 */
export class KarpenterGpuClass extends Construct implements IGpuPool {
  public readonly poolName: string;
  public readonly instanceTypes: GpuInstanceType[];
  public readonly nodeLabels: { [key: string]: string };
  public readonly taints: NodeTaint[];
  public readonly gpusPerNode: number;
  public readonly maxNodes?: number;

  constructor(scope: Construct, id: string, props: KarpenterGpuClassProps) {
    super(scope, id);
    this.poolName = Names.validateDns1123Label('poolName', props.poolName, this);
    GpuPool.validateInstanceTypes('instanceTypes', props.instanceTypes);
    this.instanceTypes = [...props.instanceTypes];
    if (props.maxNodes !== undefined) validateInt('maxNodes', props.maxNodes, 1, Number.MAX_SAFE_INTEGER, 'set the most nodes the pool scales to', this);
    this.maxNodes = props.maxNodes;
    if (props.extraLabels) Names.validateLabels('extraLabels', props.extraLabels, this);
    for (const key of Object.keys(props.extraLabels ?? {})) {
      if (/(^|\.)(karpenter\.sh|karpenter\.k8s\.aws|kubernetes\.io|k8s\.io)\//.test(key)) {
        throw new ValidationError(`extraLabels.${key}`, 'uses a domain Karpenter or Kubernetes reserves', key, "use your own domain, e.g. 'example.com/team'", this);
      }
    }
    this.nodeLabels = { ...GpuPool.standardLabels(this.poolName, this.instanceTypes), ...(props.extraLabels ?? {}) };
    this.taints = [...(props.taints ?? [GpuPool.GPU_TAINT])];
    this.gpusPerNode = Math.min(...this.instanceTypes.map((t) => t.gpuCount));
    if (!props.nodeRole || /^arn:/.test(props.nodeRole)) {
      throw new ValidationError('nodeRole', 'must be an IAM role name (not an ARN)', props.nodeRole, "pass the node role's name, e.g. 'acme-llm-prod-karpenter-node'", this);
    }
    if (!props.discoveryTag) {
      throw new ValidationError('discoveryTag', 'must be the karpenter.sh/discovery tag value', props.discoveryTag, 'pass the cluster name the subnets and security group are tagged with', this);
    }
    const amiAlias = props.amiAlias ?? DEFAULT_AMI_ALIAS;
    if (!AMI_ALIAS.test(amiAlias) || amiAlias.endsWith('@latest')) {
      throw new ValidationError('amiAlias', "must be a pinned AMI alias '<family>@<version>'", amiAlias, `use e.g. '${DEFAULT_AMI_ALIAS}' (never '@latest': nodes would change under running models)`, this);
    }
    const capacityTypes = [...new Set(props.capacityTypes ?? [CapacityType.ON_DEMAND])].sort();
    if (capacityTypes.length === 0) throw new ValidationError('capacityTypes', 'must list at least one capacity type', [], 'use [CapacityType.ON_DEMAND]', this);
    const volumeSize = props.volumeSize ?? Size.gibibytes(300);
    if (volumeSize.toGibibytes() < 50) throw new ValidationError('volumeSize', 'must be at least 50 GiB (GPU AMIs and LLM server images are large)', `${volumeSize.toGibibytes()}Gi`, 'use e.g. Size.gibibytes(300)', this);
    const architectures = [...new Set(this.instanceTypes.map((t) => t.architecture as string))].sort();
    const families = [...new Set(this.instanceTypes.map((t) => t.family))].sort();
    const labels = standardLabels({ [PlatformLabels.GPU_POOL]: this.poolName, [PlatformLabels.COMPONENT]: 'gpu-nodes' });
    const In = NodePoolSpecTemplateSpecRequirementsOperator.IN;

    new Ec2NodeClass(this, 'NodeClass', {
      metadata: { name: this.poolName, labels },
      spec: {
        role: props.nodeRole,
        amiSelectorTerms: [{ alias: amiAlias }],
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': props.discoveryTag } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': props.discoveryTag } }],
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpProtocolIPv6: Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
          httpPutResponseHopLimit: 1,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
        },
        blockDeviceMappings: [{
          deviceName: '/dev/xvda',
          rootVolume: true,
          ebs: {
            volumeSize: sizeQuantity(volumeSize),
            volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
            encrypted: true,
            deleteOnTermination: true,
            ...(props.kmsKeyId ? { kmsKeyId: props.kmsKeyId } : {}),
          },
        }],
        tags: { ...(props.tags ?? {}), [PlatformLabels.GPU_POOL]: this.poolName },
      },
    });

    const gpuLimit = props.maxNodes !== undefined ? props.maxNodes * Math.max(...this.instanceTypes.map((t) => t.gpuCount)) : undefined;
    new NodePool(this, 'Resource', {
      metadata: { name: this.poolName, labels },
      spec: {
        template: {
          metadata: { labels: { ...this.nodeLabels } },
          spec: {
            nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: this.poolName },
            requirements: [
              { key: 'node.kubernetes.io/instance-type', operator: In, values: this.instanceTypes.map((t) => t.name).sort() },
              { key: 'karpenter.k8s.aws/instance-family', operator: In, values: families },
              { key: 'karpenter.k8s.aws/instance-gpu-name', operator: In, values: [this.instanceTypes[0].gpuModel.instanceGpuName] },
              { key: 'karpenter.sh/capacity-type', operator: In, values: capacityTypes },
              { key: 'kubernetes.io/arch', operator: In, values: architectures.map((a) => (a === 'x86_64' ? 'amd64' : a)) },
              { key: 'kubernetes.io/os', operator: In, values: ['linux'] },
            ],
            taints: this.taints.map((t) => ({ key: t.key, value: t.value, effect: t.effect as unknown as NodePoolSpecTemplateSpecTaintsEffect })),
            expireAfter: goDuration(props.expireAfter ?? Duration.days(30)),
            ...(props.terminationGracePeriod ? { terminationGracePeriod: goDuration(props.terminationGracePeriod) } : {}),
          },
        },
        disruption: {
          consolidationPolicy: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY,
          consolidateAfter: goDuration(props.consolidateAfter ?? Duration.minutes(10)),
          budgets: [
            // Never replace a node for drift or utilization: only empty nodes go.
            { nodes: '0', reasons: [NodePoolSpecDisruptionBudgetsReasons.DRIFTED, NodePoolSpecDisruptionBudgetsReasons.UNDERUTILIZED] },
            { nodes: '1', reasons: [NodePoolSpecDisruptionBudgetsReasons.EMPTY] },
          ],
        },
        ...(gpuLimit !== undefined ? { limits: { [PlatformLabels.NVIDIA_GPU_RESOURCE]: NodePoolSpecLimits.fromString(String(gpuLimit)) } } : {}),
      },
    });
  }
}

/** A Go duration (`720h`, `10m`, `45s`) as Karpenter expects. */
function goDuration(d: Duration): string {
  const s = d.toSeconds();
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}
