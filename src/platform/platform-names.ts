import { PlatformSpec } from './platform-spec';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { SignatureEngine } from '../policy/image-verification';
import { PolicyEngine } from '../policy/policy-set';

/**
 * A workload identity: a Kubernetes ServiceAccount the Kubernetes side creates and the IAM role the AWS
 * side associates with it through EKS Pod Identity.
 */
export interface WorkloadIdentity {
  /** The namespace. */
  readonly namespace: string;
  /** The ServiceAccount name. */
  readonly serviceAccount: string;
  /** The IAM role name (`<cluster>-<namespace>-<serviceAccount>`, at most 64 characters). */
  readonly roleName: string;
  /** What runs as it (`model llama3-8b`, `fine-tuning job support-lora`, `telemetry gateway`). */
  readonly purpose: string;
  /** Model-store prefixes it may read. */
  readonly readPrefixes: string[];
  /** Model-store prefixes it may write. */
  readonly writePrefixes: string[];
  /** Whether it pulls from the platform registry. */
  readonly pullsImages: boolean;
  /**
   * The platform-registry repositories its own images name (sorted): the only ones its role may pull from.
   *
   * @default - none
   */
  readonly pullRepositories?: string[];
  /** Whether it remote-writes to the AMP workspace. */
  readonly remoteWrites: boolean;
}

/**
 * Every name both sides of the platform derive from the spec, deterministically, so the Terraform and
 * Kubernetes outputs agree without reading Terraform state.
 *
 * ```ts
 * const names = new PlatformNames(spec);
 * names.clusterName;      // 'acme-llm-prod'
 * names.modelStoreBucket; // 'acme-llm-prod-models'
 * names.registryUrl;      // '123456789012.dkr.ecr.us-east-1.amazonaws.com'
 * ```
 */
export class PlatformNames {
  /** The platform component directories (and chart names) of the GitOps layout, in build order. */
  public static readonly COMPONENTS: string[] = ['tenancy', 'gpu', 'policies', 'mesh', 'observability'];

  /** Namespace of the telemetry gateway. */
  public static readonly OBSERVABILITY_NAMESPACE = 'observability';

  /** Namespace of Prometheus (scrapers, dashboards). */
  public static readonly MONITORING_NAMESPACE = 'monitoring';

  /** Namespace of the GPU node agents (device plugin, DCGM exporter). */
  public static readonly GPU_NAMESPACE = 'nvidia-gpu';

  /** Namespace of the AWS Load Balancer Controller. */
  public static readonly LOAD_BALANCER_CONTROLLER_NAMESPACE = 'kube-system';

  /** ServiceAccount of the AWS Load Balancer Controller (its Helm chart's default name). */
  public static readonly LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = 'aws-load-balancer-controller';

  /** EKS cluster name: `<name>-<environment>`. */
  public readonly clusterName: string;
  /** S3 bucket holding model weights, datasets and adapters: `<cluster>-models`. */
  public readonly modelStoreBucket: string;
  /** CloudTrail bucket: `<cluster>-audit`. */
  public readonly auditBucket: string;
  /** Security findings backup bucket (Splunk forwarding): `<cluster>-findings-backup`. */
  public readonly findingsBackupBucket: string;
  /** AWS Config delivery bucket (when the platform records configuration): `<cluster>-config`. */
  public readonly configBucket: string;
  /** The platform's ECR registry host: `<account>.dkr.ecr.<region>.amazonaws.com`. */
  public readonly registryUrl: string;
  /** ECR repositories: every repository of the platform registry any image of the spec names (sorted). */
  public readonly repositories: string[];
  /** Karpenter node role name (EC2NodeClass `role`): `<cluster>-karpenter-node`. */
  public readonly karpenterNodeRole: string;
  /** Karpenter interruption queue: `<cluster>-karpenter`. */
  /**
   * The alias of the cluster's node-volume KMS key (`aws.NodeVolumeKey`, `alias/<cluster>-node-volumes`), which
   * Karpenter's EC2NodeClasses name for their EBS volumes (a literal: the Kubernetes side cannot read Terraform's
   * key ARN; EC2 launch templates accept an alias as the volume's KmsKeyId).
   */
  public readonly nodeVolumeKeyAlias: string;
  /**
   * The cost-allocation tags every AWS resource of the platform carries (`llm-platform.io/platform`,
   * `llm-platform.io/environment`): the Terraform provider's default tags and the Karpenter node classes' tags.
   */
  public readonly costTags: { [key: string]: string };
  public readonly karpenterInterruptionQueue: string;
  /** Karpenter discovery tag value on subnets and security groups: the cluster name. */
  public readonly discoveryTag: string;
  /** Telemetry gateway ServiceAccount. */
  public readonly telemetryServiceAccount: string;
  /** Every Pod Identity the platform needs, sorted by namespace and ServiceAccount. */
  public readonly identities: WorkloadIdentity[];
  /**
   * The AWS Load Balancer Controller's Pod Identity (`kube-system/aws-load-balancer-controller`, role
   * `<cluster>-aws-load-balancer-controller`) when the platform runs the controller: with an ingress
   * gateway (`mesh.ingressHosts`) unless `cluster.loadBalancerController` says otherwise. Not part of
   * `identities`: the controller's Helm chart creates its ServiceAccount.
   */
  public readonly loadBalancerController?: WorkloadIdentity;
  /**
   * The Pod Identity of the image-signature verifier (`policy.signatures.images`): Kyverno's admission controller
   * (`kyverno/kyverno-admission-controller`) or the Sigstore policy-controller webhook
   * (`cosign-system/policy-controller-webhook`), the ServiceAccounts their pinned charts create (vendored renders in
   * schemas/upstream/addons). It reads signatures and attestations from the platform registry (cosign stores them
   * next to the image) and, for `kmsKey` entries, the keys' public halves. Undefined without image signatures.
   * Not part of `identities`: the chart creates the ServiceAccount.
   */
  public readonly signatureVerifier?: WorkloadIdentity;
  /** The KMS keys (ARNs from `awskms:///<arn>` URIs) whose public keys the signature verifier reads. */
  public readonly signatureVerifierKmsKeyArns: string[];
  /**
   * In a fleet: the IAM role (`<cluster>-argocd-spoke`) the hub's Argo CD assumes to reach this cluster; it has no
   * permission policy, only the cluster's EKS access entry (Argo CD declarative setup, "EKS").
   */
  public readonly argocdSpokeRole: string;
  /**
   * In a fleet, on the hub's cluster: the Argo CD management role (`<cluster>-argocd-hub`), the Pod Identity of
   * Argo CD's application controller, ApplicationSet controller and server; it may assume the clusters' spoke roles.
   */
  public readonly argocdHubRole: string;

  constructor(spec: PlatformSpec) {
    checkProps('platform.PlatformSpec', spec, 'spec');
    this.clusterName = Names.joinLabel([spec.name, spec.environment]);
    this.modelStoreBucket = `${this.clusterName}-models`;
    this.auditBucket = `${this.clusterName}-audit`;
    this.findingsBackupBucket = `${this.clusterName}-findings-backup`;
    this.configBucket = `${this.clusterName}-config`;
    this.registryUrl = `${spec.accountId}.dkr.ecr.${spec.region}.amazonaws.com`;
    this.karpenterNodeRole = join([this.clusterName, 'karpenter-node'], 64);
    this.karpenterInterruptionQueue = join([this.clusterName, 'karpenter'], 80);
    this.costTags = { 'llm-platform.io/platform': spec.name, 'llm-platform.io/environment': spec.environment };
    this.nodeVolumeKeyAlias = `alias/${join([this.clusterName, 'node-volumes'], 250)}`;
    this.discoveryTag = this.clusterName;
    this.telemetryServiceAccount = 'otel-gateway-collector';
    this.argocdSpokeRole = join([this.clusterName, 'argocd-spoke'], 64);
    this.argocdHubRole = join([this.clusterName, 'argocd-hub'], 64);

    const repos = new Set<string>();
    const addImage = (image: string | undefined) => {
      const repo = image === undefined ? undefined : this.repositoryOf(image);
      if (repo) repos.add(repo);
    };
    // Weight verification runs cosign and checksum init containers in every model pod (spec-wide or per model).
    const weightChecks = [spec.policy?.signatures?.weights, ...(spec.models ?? []).map((m) => m.verification)];
    for (const v of weightChecks) {
      addImage(v?.cosignImage);
      addImage(v?.checksumImage);
    }
    for (const m of spec.models ?? []) {
      addImage(m.image);
      addImage(m.canary?.image);
    }
    for (const j of spec.fineTuningJobs ?? []) addImage(j.image);
    const images = spec.images ?? {};
    for (const image of [images.awsCli, images.nvidiaDevicePlugin, images.dcgmExporter, images.otelCollector, images.endpointPicker]) addImage(image);
    this.repositories = [...repos].sort();

    const ids: WorkloadIdentity[] = [];
    const role = (ns: string, sa: string) => join([this.clusterName, ns, sa], 64);
    const pulls = this.repositories.length > 0;
    const reposOf = (...named: (string | undefined)[]): string[] =>
      [...new Set(named.map((i) => (i === undefined ? undefined : this.repositoryOf(i))).filter((r): r is string => r !== undefined))].sort();
    for (const m of spec.models ?? []) {
      const prefixes = new Set<string>();
      if (m.weights.inModelStore && m.weights.prefix) prefixes.add(m.weights.prefix);
      if (m.canary?.weights?.inModelStore && m.canary.weights.prefix) prefixes.add(m.canary.weights.prefix);
      for (const a of m.adapters ?? []) if (a.weights?.inModelStore && a.weights.prefix) prefixes.add(a.weights.prefix);
      ids.push({
        namespace: m.tenant,
        serviceAccount: m.name,
        roleName: role(m.tenant, m.name),
        purpose: `model ${m.name}`,
        readPrefixes: [...prefixes].sort(),
        writePrefixes: [],
        pullsImages: pulls,
        // The serving images and, for weights in the model store, the AWS CLI that downloads them.
        pullRepositories: reposOf(m.image, m.canary?.image,
          m.weights.inModelStore || m.canary?.weights?.inModelStore || (m.adapters ?? []).some((a) => a.weights?.inModelStore)
            ? images.awsCli : undefined),
        remoteWrites: false,
      });
    }
    for (const j of spec.fineTuningJobs ?? []) {
      const read = new Set<string>([j.datasetPrefix]);
      if (j.baseModel.inModelStore && j.baseModel.prefix) read.add(j.baseModel.prefix);
      ids.push({
        namespace: j.tenant,
        serviceAccount: j.name,
        roleName: role(j.tenant, j.name),
        purpose: `fine-tuning job ${j.name}`,
        readPrefixes: [...read].sort(),
        writePrefixes: [this.adapterPrefix(j.name)],
        pullsImages: pulls,
        pullRepositories: reposOf(j.image, j.baseModel.inModelStore ? images.awsCli : undefined),
        remoteWrites: false,
      });
    }
    if (spec.observability?.ampWorkspaceArn) {
      const ns = PlatformNames.OBSERVABILITY_NAMESPACE;
      ids.push({
        namespace: ns,
        serviceAccount: this.telemetryServiceAccount,
        roleName: role(ns, this.telemetryServiceAccount),
        purpose: 'telemetry gateway',
        readPrefixes: [],
        writePrefixes: [],
        pullsImages: pulls,
        pullRepositories: reposOf(images.otelCollector),
        remoteWrites: true,
      });
    }
    const gateway = (spec.mesh?.ingressHosts ?? []).length > 0;
    if (spec.cluster?.loadBalancerController ?? gateway) {
      this.loadBalancerController = {
        namespace: PlatformNames.LOAD_BALANCER_CONTROLLER_NAMESPACE,
        serviceAccount: PlatformNames.LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT,
        roleName: join([this.clusterName, 'aws-load-balancer-controller'], 64),
        purpose: 'AWS Load Balancer Controller',
        readPrefixes: [],
        writePrefixes: [],
        pullsImages: false,
        remoteWrites: false,
      };
    }
    const signatures = spec.policy?.signatures;
    const verified = signatures?.images ?? [];
    this.signatureVerifierKmsKeyArns = [...new Set(verified.map((v) => /^awskms:\/\/[^/]*\/(arn:aws[a-z-]*:kms:.+)$/.exec(v.kmsKey ?? '')?.[1])
      .filter((a): a is string => a !== undefined))].sort();
    if (verified.length > 0) {
      const engines = spec.policy?.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY];
      const byDefault = engines.includes(PolicyEngine.KYVERNO) ? SignatureEngine.KYVERNO : SignatureEngine.SIGSTORE_POLICY_CONTROLLER;
      const kyverno = (signatures!.imageEngine ?? byDefault) === SignatureEngine.KYVERNO;
      const [namespace, serviceAccount] = kyverno ? ['kyverno', 'kyverno-admission-controller'] : ['cosign-system', 'policy-controller-webhook'];
      this.signatureVerifier = {
        namespace,
        serviceAccount,
        roleName: join([this.clusterName, namespace, serviceAccount], 64),
        purpose: kyverno ? 'image signature verification (Kyverno)' : 'image signature verification (Sigstore policy-controller)',
        readPrefixes: [],
        writePrefixes: [],
        pullsImages: this.repositories.length > 0,
        remoteWrites: false,
      };
    }
    this.identities = ids.sort((a, b) => (a.namespace === b.namespace ? cmp(a.serviceAccount, b.serviceAccount) : cmp(a.namespace, b.namespace)));
  }

  /** The model-store prefix a fine-tuning job writes its adapter to: `adapters/<job>/`. */
  public adapterPrefix(jobName: string): string {
    checkArgs('platform.PlatformNames#adapterPrefix', [jobName]);
    return `adapters/${jobName}/`;
  }

  /** `s3://<bucket>/<prefix>`. */
  public s3Uri(prefix: string): string {
    checkArgs('platform.PlatformNames#s3Uri', [prefix]);
    return `s3://${this.modelStoreBucket}/${prefix}`;
  }

  /**
   * The ECR repository an image names when it is in the platform registry, e.g. `acme-llm/vllm` for
   * `<registry>/acme-llm/vllm@sha256:...`; undefined for other registries.
   */
  public repositoryOf(image: string): string | undefined {
    checkArgs('platform.PlatformNames#repositoryOf', [image]);
    const prefix = `${this.registryUrl}/`;
    if (typeof image !== 'string' || !image.startsWith(prefix)) return undefined;
    const rest = image.slice(prefix.length).split('@')[0];
    const colon = rest.lastIndexOf(':');
    return colon > rest.lastIndexOf('/') ? rest.slice(0, colon) : rest;
  }
}

/** AWS name joining (as the aws layer does): '-'-joined, cut to `max`, no trailing separators. */
function join(parts: string[], max: number): string {
  return parts.filter((p) => p).join('-').slice(0, max).replace(/[-_.]+$/, '');
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
