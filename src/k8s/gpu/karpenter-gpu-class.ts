import { Duration, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { GpuInstanceType } from '../../core/gpu-instance-type';
import { GpuPool, IGpuPool, NodeTaint } from '../../core/gpu-pool';
import { KubernetesVersion } from '../../core/kubernetes-version';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
import { checkProps } from '../../core/private/runtime-types';
import {
  Ec2NodeClass, Ec2NodeClassSpecAmiFamily, Ec2NodeClassSpecAmiSelectorTerms, Ec2NodeClassSpecBlockDeviceMappings,
  Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType, Ec2NodeClassSpecMetadataOptionsHttpEndpoint,
  Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6, Ec2NodeClassSpecMetadataOptionsHttpTokens,
} from '../../imports/karpenter-ec2nodeclass-karpenter.k8s.aws';
import {
  NodePool, NodePoolSpecDisruptionBudgetsReasons, NodePoolSpecDisruptionConsolidationPolicy, NodePoolSpecLimits,
  NodePoolSpecTemplateSpecRequirementsOperator, NodePoolSpecTemplateSpecTaintsEffect,
} from '../../imports/karpenter-nodepool-karpenter.sh';
import { bottlerocketNvidiaFipsAmi, DEFAULT_FIPS_BOTTLEROCKET_VERSION } from '../private/karpenter-fips-ami';
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
   * The longest a draining node waits for its pods (NodePool `spec.template.spec.terminationGracePeriod`);
   * after it, pods a PodDisruptionBudget or `karpenter.sh/do-not-disrupt` still hold are deleted. Karpenter
   * deletes each pod early enough to grant its own `terminationGracePeriodSeconds`, and with it set drift
   * may replace nodes whose pods block eviction (Karpenter 1.14 docs, concepts/disruption
   * "TerminationGracePeriod"). Without it an expired node whose pods cannot be evicted (the only replica of
   * a model kept by its PDB) drains forever.
   *
   * @default Duration.hours(1) - time for in-flight generations and for a second replica of a
   * single-replica model to start elsewhere, short enough that expired and drifted nodes go within a
   * maintenance window
   */
  readonly terminationGracePeriod?: Duration;
  /**
   * Disruption budgets (`spec.disruption.budgets`): how many nodes Karpenter may disrupt at once, per
   * reason, optionally within a cron schedule. Budgets bound graceful disruption only (drift, emptiness,
   * consolidation); expiry is bounded by `terminationGracePeriod`.
   *
   * @default - drift replaces one node at a time (a new `amiAlias` or node class change rolls out),
   * empty nodes go one at a time, and no node is replaced for being underutilized:
   * `[{ nodes: '1', reasons: [DRIFTED] }, { nodes: '1', reasons: [EMPTY] }, { nodes: '0', reasons: [UNDERUTILIZED] }]`
   */
  readonly disruptionBudgets?: KarpenterDisruptionBudget[];
  /**
   * The AMI alias, pinned (`al2023@<version>` or `bottlerocket@<version>`; Karpenter picks the NVIDIA
   * variant for GPU instance types). Karpenter recommends pinning in production; to roll out a patched
   * AMI, bump the version: the nodes drift and are replaced within `disruptionBudgets`. Not with `fips`
   * (Karpenter's aliases have no FIPS variants).
   *
   * @default 'al2023@v20251110' (without `fips`)
   */
  readonly amiAlias?: string;
  /**
   * FIPS 140-3 nodes: the Bottlerocket `aws-k8s-<version>-nvidia-fips` AMI, the variant EKS managed node
   * groups of a FIPS cluster get (`NodeAmiType.BOTTLEROCKET_*_NVIDIA_FIPS`). Karpenter 1.14 aliases cannot
   * select it, so the EC2NodeClass names its public SSM parameter
   * (`/aws/service/bottlerocket/aws-k8s-<kubernetesVersion>-nvidia-fips/<x86_64|arm64>/<fipsAmiVersion>/image_id`,
   * one term per architecture) with `amiFamily: Bottlerocket` (Karpenter writes the Bottlerocket TOML
   * user data) and Bottlerocket's two volumes. A Kubernetes version or architecture without such a variant
   * is a ValidationError.
   *
   * @default false
   */
  readonly fips?: boolean;
  /**
   * The cluster's Kubernetes version (part of the Bottlerocket FIPS variant name; used with `fips` only).
   *
   * @default KubernetesVersion.DEFAULT
   */
  readonly kubernetesVersion?: KubernetesVersion;
  /**
   * The Bottlerocket release of the FIPS AMI, pinned (`<major>.<minor>.<patch>`; used with `fips` only). To
   * roll out a patched AMI, bump it: the nodes drift and are replaced within `disruptionBudgets`. Release
   * lines with a vendored variant list only (1.51.x to 1.57.x, schemas/upstream/karpenter/).
   *
   * @default '1.57.0' - the current Bottlerocket release this library was checked against
   */
  readonly fipsAmiVersion?: string;
  /**
   * Size of the encrypted gp3 volume the kubelet, images and weights use (images of LLM servers are large
   * and weights land on it): the root volume on AL2023, the data volume (`/dev/xvdb`) on Bottlerocket.
   *
   * @default Size.gibibytes(300)
   */
  readonly volumeSize?: Size;
  /**
   * The customer managed KMS key for the node volumes (`blockDeviceMappings[].ebs.kmsKeyID`): key id, key
   * ARN, alias name (`alias/...`) or alias ARN. The Karpenter controller must be allowed to use it (the AWS
   * layer's `Karpenter` `nodeVolumeKmsKeyArn`), else nodes terminate right after launch.
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

/**
 * Why Karpenter disrupts a node (a disruption budget's `reasons`).
 */
export enum DisruptionReason {
  /** The node no longer matches its NodePool or EC2NodeClass (new AMI alias, changed requirements). */
  DRIFTED = 'Drifted',
  /** The node runs no pods but daemons. */
  EMPTY = 'Empty',
  /** The node's pods fit elsewhere (consolidation). */
  UNDERUTILIZED = 'Underutilized',
}

/**
 * A Karpenter NodePool disruption budget.
 */
export interface KarpenterDisruptionBudget {
  /** Nodes that may be disrupted at once: a whole number (`'1'`) or a percentage (`'10%'`). `'0'` blocks. */
  readonly nodes: string;
  /**
   * The disruption reasons the budget applies to.
   *
   * @default - every reason
   */
  readonly reasons?: DisruptionReason[];
  /**
   * When the budget starts to apply (cron syntax, UTC; `@daily`, `0 9 * * mon-fri`).
   *
   * @default - always (then `duration` must be unset)
   */
  readonly schedule?: string;
  /**
   * How long the budget applies after each `schedule` hit (whole minutes or hours).
   *
   * @default - always (then `schedule` must be unset)
   */
  readonly duration?: Duration;
}

/** The latest pinned AL2023 AMI alias this release was checked against. */
const DEFAULT_AMI_ALIAS = 'al2023@v20251110';
const DEFAULT_TERMINATION_GRACE_PERIOD = Duration.hours(1);
const DEFAULT_BUDGETS: KarpenterDisruptionBudget[] = [
  { nodes: '1', reasons: [DisruptionReason.DRIFTED] },
  { nodes: '1', reasons: [DisruptionReason.EMPTY] },
  { nodes: '0', reasons: [DisruptionReason.UNDERUTILIZED] },
];
/** The NodePool CRD's patterns (karpenter.sh_nodepools.yaml, Karpenter 1.14.1). */
const BUDGET_NODES = /^((100|[0-9]{1,2})%|[0-9]+)$/;
const BUDGET_SCHEDULE = /^(@(annually|yearly|monthly|weekly|daily|midnight|hourly))|((.+)\s(.+)\s(.+)\s(.+)\s(.+))$/;
const AMI_ALIAS = /^(al2023|al2|bottlerocket|windows2019|windows2022|windows2025)@(v[0-9.]+|[0-9.]+)$/;
/** What EC2NodeClass `kmsKeyID` accepts (CRD: key ID, key alias, key ARN or alias ARN). */
const KMS_KEY = /^((mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}|mrk-[0-9a-f]{32}|alias\/[A-Za-z0-9/_-]+|arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key\/(mrk-)?[0-9a-f-]+|alias\/[A-Za-z0-9/_-]+))$/;

/**
 * A Karpenter GPU class: NodePool + EC2NodeClass for one GPU model. Implements `IGpuPool`, so the
 * labels and taints its nodes get are exactly what a `ModelServer` on it selects and tolerates.
 *
 * Secure defaults: IMDSv2 only with hop limit 1 (pods cannot reach instance credentials), encrypted
 * gp3 volumes (a customer managed key with `kmsKeyId`), FIPS AMIs with `fips`, on-demand capacity, WhenEmpty consolidation, drift one node at a time (a bumped
 * `amiAlias` rolls out; model pods move as their PodDisruptionBudgets allow), nodes expire after 30 days
 * and a drain ends after `terminationGracePeriod` (1 hour), whatever blocks it.
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
    checkProps('k8s.KarpenterGpuClassProps', props, 'props', this);
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
    const fips = props.fips ?? false;
    if (fips && props.amiAlias !== undefined) {
      throw new ValidationError('amiAlias', 'cannot be set with fips (Karpenter aliases select no FIPS AMI)', props.amiAlias,
        "remove 'amiAlias' (fips selects the Bottlerocket NVIDIA FIPS AMI; pin its release with 'fipsAmiVersion')", this);
    }
    if (!fips && props.fipsAmiVersion !== undefined) {
      throw new ValidationError('fipsAmiVersion', 'is only used with fips', props.fipsAmiVersion, "set 'fips: true' or remove 'fipsAmiVersion'", this);
    }
    const amiAlias = props.amiAlias ?? DEFAULT_AMI_ALIAS;
    if (!fips && (!AMI_ALIAS.test(amiAlias) || amiAlias.endsWith('@latest'))) {
      throw new ValidationError('amiAlias', "must be a pinned AMI alias '<family>@<version>'", amiAlias, `use e.g. '${DEFAULT_AMI_ALIAS}' (never '@latest': nodes would change under running models)`, this);
    }
    if (props.kmsKeyId !== undefined && !KMS_KEY.test(props.kmsKeyId)) {
      throw new ValidationError('kmsKeyId', 'must be a KMS key id, key ARN, alias name or alias ARN', props.kmsKeyId,
        "use e.g. 'alias/acme-prod-nodes' or 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'", this);
    }
    const capacityTypes = [...new Set(props.capacityTypes ?? [CapacityType.ON_DEMAND])].sort();
    if (capacityTypes.length === 0) throw new ValidationError('capacityTypes', 'must list at least one capacity type', [], 'use [CapacityType.ON_DEMAND]', this);
    const volumeSize = props.volumeSize ?? Size.gibibytes(300);
    if (volumeSize.toGibibytes() < 50) throw new ValidationError('volumeSize', 'must be at least 50 GiB (GPU AMIs and LLM server images are large)', `${volumeSize.toGibibytes()}Gi`, 'use e.g. Size.gibibytes(300)', this);
    const architectures = [...new Set(this.instanceTypes.map((t) => t.architecture as string))].sort();
    const families = [...new Set(this.instanceTypes.map((t) => t.family))].sort();
    const labels = standardLabels({ [PlatformLabels.GPU_POOL]: this.poolName, [PlatformLabels.COMPONENT]: 'gpu-nodes' });
    const In = NodePoolSpecTemplateSpecRequirementsOperator.IN;

    // FIPS: the Bottlerocket NVIDIA FIPS AMI by its public SSM parameter (one term per architecture; the terms are ORed).
    const amiSelectorTerms: Ec2NodeClassSpecAmiSelectorTerms[] = fips
      ? architectures.map((arch) => ({
        ssmParameter: bottlerocketNvidiaFipsAmi({
          kubernetesVersion: props.kubernetesVersion ?? KubernetesVersion.DEFAULT,
          architecture: arch,
          version: props.fipsAmiVersion ?? DEFAULT_FIPS_BOTTLEROCKET_VERSION,
          instanceTypes: this.instanceTypes.filter((t) => (t.architecture as string) === arch).map((t) => t.name),
        }, this),
      }))
      : [{ alias: amiAlias }];
    const bottlerocket = fips || amiAlias.startsWith('bottlerocket@');
    const ebs = (size: Size) => ({
      volumeSize: sizeQuantity(size),
      volumeType: Ec2NodeClassSpecBlockDeviceMappingsEbsVolumeType.GP3,
      encrypted: true,
      deleteOnTermination: true,
      ...(props.kmsKeyId ? { kmsKeyId: props.kmsKeyId } : {}),
    });
    // Bottlerocket: a small OS volume and a data volume the kubelet, images and weights use (Karpenter's own
    // Bottlerocket defaults, concepts/nodeclasses "Bottlerocket" block device mappings, with the data volume
    // sized for LLM images); AL2023: one root volume.
    const blockDeviceMappings: Ec2NodeClassSpecBlockDeviceMappings[] = bottlerocket
      ? [
        { deviceName: '/dev/xvda', ebs: ebs(Size.gibibytes(4)) },
        { deviceName: '/dev/xvdb', rootVolume: true, ebs: ebs(volumeSize) },
      ]
      : [{ deviceName: '/dev/xvda', rootVolume: true, ebs: ebs(volumeSize) }];

    new Ec2NodeClass(this, 'NodeClass', {
      metadata: { name: this.poolName, labels },
      spec: {
        role: props.nodeRole,
        ...(fips ? { amiFamily: Ec2NodeClassSpecAmiFamily.BOTTLEROCKET } : {}),
        amiSelectorTerms,
        subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': props.discoveryTag } }],
        securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': props.discoveryTag } }],
        metadataOptions: {
          httpEndpoint: Ec2NodeClassSpecMetadataOptionsHttpEndpoint.ENABLED,
          httpProtocolIPv6: Ec2NodeClassSpecMetadataOptionsHttpProtocolIPv6.DISABLED,
          httpPutResponseHopLimit: 1,
          httpTokens: Ec2NodeClassSpecMetadataOptionsHttpTokens.REQUIRED,
        },
        blockDeviceMappings,
        tags: { ...(props.tags ?? {}), [PlatformLabels.GPU_POOL]: this.poolName },
      },
    });

    const terminationGracePeriod = props.terminationGracePeriod ?? DEFAULT_TERMINATION_GRACE_PERIOD;
    if (!(terminationGracePeriod.toSeconds() >= 60)) {
      throw new ValidationError('terminationGracePeriod', 'must be at least a minute (pods need time to stop serving)', `${terminationGracePeriod.toSeconds()}s`,
        'use e.g. Duration.hours(1)', this);
    }
    const budgets = validateBudgets(props.disruptionBudgets ?? DEFAULT_BUDGETS, this);
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
            terminationGracePeriod: goDuration(terminationGracePeriod),
          },
        },
        disruption: {
          consolidationPolicy: NodePoolSpecDisruptionConsolidationPolicy.WHEN_EMPTY,
          consolidateAfter: goDuration(props.consolidateAfter ?? Duration.minutes(10)),
          budgets,
        },
        ...(gpuLimit !== undefined ? { limits: { [PlatformLabels.NVIDIA_GPU_RESOURCE]: NodePoolSpecLimits.fromString(String(gpuLimit)) } } : {}),
      },
    });
  }
}

function validateBudgets(budgets: KarpenterDisruptionBudget[], scope: Construct): any[] {
  if (!Array.isArray(budgets)) {
    throw new ValidationError('disruptionBudgets', 'must be a list of budgets', budgets, "use e.g. [{ nodes: '1', reasons: [DisruptionReason.DRIFTED] }]", scope);
  }
  const reasons = Object.values(DisruptionReason) as string[];
  return budgets.map((b, i) => {
    const at = `disruptionBudgets[${i}]`;
    if (typeof b.nodes !== 'string' || !BUDGET_NODES.test(b.nodes)) {
      throw new ValidationError(`${at}.nodes`, 'must be a whole number or a percentage of nodes (a string)', b.nodes, "use e.g. '1' or '10%'", scope);
    }
    for (const r of b.reasons ?? []) {
      if (!reasons.includes(r)) throw new ValidationError(`${at}.reasons`, 'must be DisruptionReason values', r, `use ${reasons.join(', ')}`, scope);
    }
    if ((b.schedule === undefined) !== (b.duration === undefined)) {
      throw new ValidationError(b.schedule === undefined ? `${at}.schedule` : `${at}.duration`, 'must be set together with ' + (b.schedule === undefined ? 'duration' : 'schedule'),
        b.schedule ?? b.duration?.toMinutes(), 'set both (the budget applies for duration after each schedule hit) or neither (it always applies)', scope);
    }
    if (b.schedule !== undefined && !BUDGET_SCHEDULE.test(b.schedule)) {
      throw new ValidationError(`${at}.schedule`, 'must be a cron schedule', b.schedule, "use e.g. '0 9 * * mon-fri' or '@daily'", scope);
    }
    if (b.duration !== undefined && (b.duration.toSeconds() < 60 || b.duration.toSeconds() % 60 !== 0)) {
      throw new ValidationError(`${at}.duration`, 'must be whole minutes or hours (cron has no seconds)', `${b.duration.toSeconds()}s`, 'use e.g. Duration.hours(8)', scope);
    }
    return {
      nodes: b.nodes,
      ...(b.reasons ? { reasons: [...b.reasons] as unknown as NodePoolSpecDisruptionBudgetsReasons[] } : {}),
      ...(b.schedule !== undefined ? { schedule: b.schedule, duration: goDuration(b.duration!) } : {}),
    };
  });
}

/** A Go duration (`720h`, `10m`, `45s`) as Karpenter expects. */
function goDuration(d: Duration): string {
  const s = d.toSeconds();
  if (s % 3600 === 0) return `${s / 3600}h`;
  if (s % 60 === 0) return `${s / 60}m`;
  return `${s}s`;
}

