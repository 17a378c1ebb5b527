import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Annotations, S3Backend, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { PlatformNames } from './platform-names';
import { ClusterAccessPath, GpuCapacityType, GpuProvisioning, PlatformSpec } from './platform-spec';
import { validateEntry } from './private/entry-validation';
import { AdminHost } from '../aws/admin-host';
import { Audit } from '../aws/audit';
import { ClusterAddons } from '../aws/cluster-addons';
import { AccessLevel, ClusterAccess, EksCluster, EndpointAccess } from '../aws/eks-cluster';
import { GpuNodePool } from '../aws/gpu-node-pool';
import { IImageRegistry, ImageRegistry } from '../aws/image-registry';
import { Karpenter } from '../aws/karpenter';
import { LoadBalancerControllerRole } from '../aws/load-balancer-controller';
import { ModelStore } from '../aws/model-store';
import { Network, VpcEndpointService } from '../aws/network';
import { CapacityType, NodePool } from '../aws/node-pool';
import { NodeVolumeKey } from '../aws/node-volume-key';
import { PodIdentityRole } from '../aws/pod-identity-role';
import { AwsNames } from '../aws/private/aws-names';
import { AccountServiceMode, SecurityBaseline } from '../aws/security-baseline';
import { ProblemCollector } from '../core/errors';
import { IAM_ROLE_ARN, roleAccount } from '../core/private/iam-arns';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * Properties of `AwsPlatformStack`.
 */
export interface AwsPlatformStackProps {
  /** The platform spec (validated as a whole before anything is built). */
  readonly spec: PlatformSpec;
  /**
   * An IAM role the AWS provider assumes (`assume_role`) to deploy the platform: a pipeline in one account
   * deploying clusters into others (a fleet's `deployRoleArn`). It must be in the spec's account.
   *
   * @default - the credentials Terraform runs with
   */
  readonly deployRoleArn?: string;
  /**
   * Whether this stack creates the platform registry's repositories (and their key). ECR has one registry per
   * account and region: when another stack of the same account and region creates them (in a fleet, the first
   * cluster there, with `additionalRepositories`), set `false` and this stack only grants its roles pulls on them.
   *
   * @default true
   */
  readonly createRegistry?: boolean;
  /**
   * Repositories the stack's registry creates besides the ones its spec's images name: the repositories of other
   * platforms in the same account and region (`createRegistry: false` there), and the ones replication copies into.
   *
   * @default - none
   */
  readonly additionalRepositories?: string[];
  /**
   * S3 replication roles of other accounts that may write replicas into this platform's model store
   * (`ModelStoreProps.replicationSourceRoleArns`; a fleet's replication source in another account).
   *
   * @default - none
   */
  readonly modelStoreReplicationSourceRoleArns?: string[];
  /**
   * Accounts whose registries replicate into this platform's registry (`ImageRegistryProps.replicationSourceAccountIds`).
   *
   * @default - none
   */
  readonly registryReplicationSourceAccountIds?: string[];
}

/**
 * Where `AwsPlatformStack.useS3State()` keeps the stack's Terraform state.
 */
export interface S3StateOptions {
  /**
   * The state bucket (create it once, before the first deploy, encrypted and versioned).
   *
   * @default - `<cluster name>-tfstate-<account>`, in the spec's region
   */
  readonly bucket?: string;
  /**
   * The state object's key.
   *
   * @default - `<name>/<environment>/terraform.tfstate`
   */
  readonly key?: string;
  /**
   * A role the backend assumes to reach the bucket (the backend's `assume_role` object).
   *
   * @default - the stack's `deployRoleArn`, else the credentials Terraform runs with
   */
  readonly roleArn?: string;
}

/**
 * The AWS side of a platform, from its spec: VPC, EKS cluster with system and GPU managed node
 * groups, add-ons, Karpenter (when a pool uses it), the model store, the ECR repositories the spec's
 * images name, one Pod Identity role per workload identity of the Kubernetes side, CloudTrail, and
 * Security Hub + GuardDuty (optionally forwarded to Splunk). Built only from the `aws` layer's L2s.
 *
 * ```ts
 * new AwsPlatformStack(new App(), 'acme-llm', { spec }).node.root.synth(); // cdktf synth
 * ```
 */
export class AwsPlatformStack extends TerraformStack {
  /** The names derived from the spec (shared with `KubernetesPlatform`). */
  public readonly names: PlatformNames;
  /** The EKS cluster. */
  public readonly cluster: EksCluster;
  /** The model store. */
  public readonly modelStore: ModelStore;
  /**
   * The ECR repositories this stack creates (undefined when no image of the spec is in the platform registry, or
   * another stack of the account and region creates them: `createRegistry: false`).
   */
  public readonly registry?: ImageRegistry;
  /**
   * The repositories the platform's roles pull from: `registry`, or another stack's (`createRegistry: false`).
   *
   * @default - none (no image of the spec is in the platform registry)
   */
  public readonly pullRegistry?: IImageRegistry;
  /** The GPU managed node groups, in spec order (pools provisioned only by Karpenter have none). */
  public readonly gpuNodePools: GpuNodePool[];
  /** The customer managed KMS key of the node volumes (managed node groups; pass its ARN to Karpenter's EC2NodeClasses). */
  public readonly nodeVolumeKey: NodeVolumeKey;
  /** Karpenter (undefined when no pool uses it). */
  public readonly karpenter?: Karpenter;
  /** The Pod Identity roles, in the order of `names.identities`. */
  public readonly identityRoles: PodIdentityRole[];
  /** The Session Manager admin host (`cluster.accessPath: ClusterAccessPath.ADMIN_HOST`). */
  public readonly adminHost?: AdminHost;
  /** The AWS Load Balancer Controller's Pod Identity role (`names.loadBalancerController`). */
  public readonly loadBalancerController?: LoadBalancerControllerRole;
  /** The image-signature verifier's Pod Identity role (`names.signatureVerifier`): reads the platform registry. */
  public readonly signatureVerifier?: PodIdentityRole;

  private readonly spec: PlatformSpec;
  private readonly deployRoleArn?: string;
  private s3State?: { bucket: string };

  constructor(scope: Construct, id: string, props: AwsPlatformStackProps) {
    // before super(): a bad id or spec is reported here, never first inside cdktf; the same checks as
    // KubernetesPlatform runs (./private/entry-validation.ts)
    validateEntry('platform.AwsPlatformStackProps', scope, id, props, (problems) => {
      if (props.createRegistry === false) {
        for (const prop of ['additionalRepositories', 'registryReplicationSourceAccountIds'] as const) {
          problems.check((props[prop] ?? []).length === 0, prop, "has no effect with 'createRegistry: false' (another stack creates the registry's repositories)",
            props[prop], 'set it on the stack that creates them, or remove it');
        }
      }
      if (typeof props.deployRoleArn !== 'string' || typeof props.spec?.accountId !== 'string') return;
      const account = roleAccount(props.deployRoleArn);
      problems.check(account === props.spec.accountId, 'deployRoleArn',
        account === undefined ? 'must be an IAM role ARN' : `must be a role in the platform's account ${props.spec.accountId} (the provider allows only it)`,
        props.deployRoleArn, `use e.g. 'arn:aws:iam::${props.spec.accountId}:role/platform-deploy'`);
    });
    super(scope, id);
    const spec = props.spec;
    this.spec = spec;
    this.deployRoleArn = props.deployRoleArn;
    const names = new PlatformNames(spec);
    this.names = names;
    const clusterSpec = spec.cluster ?? {};
    const fips = clusterSpec.fips ?? false;
    // S3-native state locking (backend `use_lockfile`, as examples/reference configures it) exists from
    // Terraform v1.10 ("Upgrading to Terraform v1.10" > S3 Native State Locking: opt-in; generally
    // available in v1.11); an older Terraform rejects the backend argument instead of locking.
    this.addOverride('terraform.required_version', '>= 1.10');

    new AwsProvider(this, 'aws', {
      region: spec.region,
      allowedAccountIds: [spec.accountId],
      // the session name shows in CloudTrail as the deploying principal
      assumeRole: props.deployRoleArn !== undefined ? [{ roleArn: props.deployRoleArn, sessionName: `${names.clusterName}-terraform`.slice(0, 64) }] : undefined,
      useFipsEndpoint: fips || undefined,
      defaultTags: [{ tags: names.costTags }],
    });

    const publicCidrs = clusterSpec.publicAccessCidrs ?? [];
    const accessPath = clusterSpec.accessPath ?? (publicCidrs.length > 0 ? ClusterAccessPath.PUBLIC_ENDPOINT : undefined);
    const network = new Network(this, 'Network', {
      clusterName: names.clusterName,
      cidr: clusterSpec.vpcCidr,
      availabilityZones: clusterSpec.availabilityZones,
      // the admin host's SSM Agent reaches Systems Manager through these, not through NAT
      interfaceEndpoints: accessPath === ClusterAccessPath.ADMIN_HOST
        ? [...VpcEndpointService.defaults(), ...VpcEndpointService.sessionManager()] : undefined,
    });
    const access: ClusterAccess[] = [
      ...(clusterSpec.adminPrincipalArns ?? []).map((arn, i) => ({ name: `admin-${i + 1}`, principalArn: arn, level: AccessLevel.CLUSTER_ADMIN })),
      ...(clusterSpec.viewerPrincipalArns ?? []).map((arn, i) => ({ name: `viewer-${i + 1}`, principalArn: arn, level: AccessLevel.VIEWER })),
    ];
    this.cluster = new EksCluster(this, 'Cluster', {
      clusterName: names.clusterName,
      network,
      version: clusterSpec.version,
      endpointAccess: publicCidrs.length > 0 ? EndpointAccess.publicAndPrivate(publicCidrs) : EndpointAccess.PRIVATE,
      access,
      fips,
    });
    const cluster = this.cluster;
    if (accessPath === ClusterAccessPath.ADMIN_HOST) {
      this.adminHost = new AdminHost(this, 'AdminHost', {
        cluster,
        instanceType: clusterSpec.adminHost?.instanceType,
        clusterAccess: clusterSpec.adminHost?.clusterAdmin ? AccessLevel.CLUSTER_ADMIN : undefined,
      });
    } else if (accessPath === undefined) {
      Annotations.of(this).addWarning(`cluster.accessPath: the API endpoint of ${names.clusterName} is private and no access path is declared, so it is reachable only `
        + "from inside the VPC or a network connected to it; set 'cluster.accessPath' to ClusterAccessPath.ADMIN_HOST (a Session Manager host), "
        + "PUBLIC_ENDPOINT (with 'cluster.publicAccessCidrs') or PRIVATE_NETWORK (your VPN, Direct Connect or peering)");
    }
    if (names.loadBalancerController) {
      this.loadBalancerController = new LoadBalancerControllerRole(this, 'LoadBalancerController', {
        cluster,
        namespace: names.loadBalancerController.namespace,
        serviceAccount: names.loadBalancerController.serviceAccount,
        roleName: names.loadBalancerController.roleName,
      });
    }

    if (names.signatureVerifier) {
      // The verifier reads signatures from the platform registry with its own credentials (the AWS SDK's
      // container credentials from Pod Identity), never the nodes'.
      this.signatureVerifier = new PodIdentityRole(this, 'SignatureVerifier', {
        cluster,
        namespace: names.signatureVerifier.namespace,
        serviceAccount: names.signatureVerifier.serviceAccount,
        roleName: names.signatureVerifier.roleName,
      });
      if (names.signatureVerifierKmsKeyArns.length > 0) {
        this.signatureVerifier.addToPolicy({ actions: ['kms:DescribeKey', 'kms:GetPublicKey'], resources: names.signatureVerifierKmsKeyArns });
      }
    }

    const sys = spec.systemPool ?? {};
    new NodePool(this, 'SystemPool', { cluster, instanceTypes: sys.instanceTypes, minSize: sys.minNodes, maxSize: sys.maxNodes });
    this.gpuNodePools = [];
    for (const pool of spec.gpuPools) {
      const provisioning = pool.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP;
      if (provisioning === GpuProvisioning.KARPENTER) continue;
      this.gpuNodePools.push(new GpuNodePool(this, `GpuPool-${pool.name}`, {
        cluster,
        poolName: pool.name,
        instanceTypes: pool.instanceTypes,
        minSize: pool.minNodes,
        maxSize: pool.maxNodes,
        desiredSize: pool.desiredNodes,
        capacityType: pool.capacityBlock ? undefined : pool.capacityType === GpuCapacityType.SPOT ? CapacityType.SPOT : CapacityType.ON_DEMAND,
        efa: pool.efa,
        capacityBlock: pool.capacityBlock,
        availabilityZone: pool.capacityBlock ? undefined : pool.availabilityZone,
      }));
    }
    this.nodeVolumeKey = NodeVolumeKey.of(this, cluster);
    new ClusterAddons(this, 'Addons', { cluster });
    const karpenter = [GpuProvisioning.KARPENTER, GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER];
    if (spec.gpuPools.some((p) => p.provisioning !== undefined && karpenter.includes(p.provisioning))) {
      // the controller may launch nodes whose volumes use the node volume key (issue 13 point 10)
      this.karpenter = new Karpenter(this, 'Karpenter', { cluster, nodeVolumeKmsKeyArn: this.nodeVolumeKey.keyArn });
    }

    this.modelStore = new ModelStore(this, 'ModelStore', {
      bucketName: names.modelStoreBucket,
      replicationSourceRoleArns: props.modelStoreReplicationSourceRoleArns,
    });
    const repositories = [...new Set([...names.repositories, ...(props.additionalRepositories ?? [])])].sort();
    if (props.createRegistry ?? true) {
      if (repositories.length > 0) {
        this.registry = new ImageRegistry(this, 'Registry', {
          repositories,
          name: spec.name,
          accountId: spec.accountId,
          replicationSourceAccountIds: props.registryReplicationSourceAccountIds,
        });
      }
      this.pullRegistry = this.registry;
    } else if (names.repositories.length > 0) {
      this.pullRegistry = ImageRegistry.fromRepositories(this, { accountId: spec.accountId, region: spec.region, repositories: names.repositories });
    }
    // Signatures and attestations sit next to the images they sign (cosign's `sha256-<digest>.sig` tags).
    if (this.signatureVerifier && this.pullRegistry) this.signatureVerifier.grantPull(this.pullRegistry);

    this.identityRoles = names.identities.map((identity) => {
      const role = new PodIdentityRole(this, `Identity-${identity.namespace}-${identity.serviceAccount}`, {
        cluster,
        namespace: identity.namespace,
        serviceAccount: identity.serviceAccount,
        roleName: identity.roleName,
      });
      for (const prefix of identity.readPrefixes) role.grantReadModels(this.modelStore, prefix);
      for (const prefix of identity.writePrefixes) this.modelStore.grantWrite(role, prefix);
      // Only the repositories this workload's own images name (issue 13: not every repository).
      const pullFrom = identity.pullRepositories ?? [];
      if (this.pullRegistry && pullFrom.length > 0) role.grantPull(this.pullRegistry, pullFrom);
      if (identity.remoteWrites && spec.observability?.ampWorkspaceArn) role.grantRemoteWrite(spec.observability.ampWorkspaceArn);
      return role;
    });

    new Audit(this, 'Audit', {
      trailName: names.clusterName,
      bucketName: names.auditBucket,
      retentionDays: spec.audit?.retentionDays,
      objectLockRetentionDays: spec.audit?.objectLockRetentionDays,
      objectLockMode: spec.audit?.objectLockMode,
      dataEventStores: [this.modelStore],
    });
    const splunk = spec.audit?.splunk;
    new SecurityBaseline(this, 'SecurityBaseline', {
      name: names.clusterName,
      guardDuty: spec.audit?.guardDuty,
      securityHub: spec.audit?.securityHub,
      config: spec.audit?.config,
      configBucketName: (spec.audit?.config ?? spec.audit?.securityHub ?? AccountServiceMode.CREATE) === AccountServiceMode.CREATE
        ? names.configBucket : undefined,
      splunk: splunk
        ? { hecEndpoint: splunk.hecEndpoint, hecTokenSecretArn: splunk.hecTokenSecretArn, backupBucketName: names.findingsBackupBucket }
        : undefined,
    });

    this.checkNames(names);
  }

  /**
   * Keep the stack's Terraform state in S3: encrypted, with S3-native locking (`use_lockfile`, Terraform >= 1.10,
   * which the stack requires), in the spec's region; through `roleArn` (default: the stack's deploy role) when set.
   * Also keeps `cdk.tf.json` byte-identical across machines (cdktf's implicit local backend records an absolute path).
   *
   * @param options bucket, key and role
   */
  public useS3State(options: S3StateOptions = {}): S3Backend {
    checkArgs('platform.AwsPlatformStack#useS3State', [options], this);
    checkProps('platform.S3StateOptions', options, 'options', this);
    const spec = this.spec;
    const problems = new ProblemCollector(this);
    problems.check(this.s3State === undefined, 'useS3State', 'was called already: the stack has its state backend', this.s3State?.bucket, 'call it once');
    const bucket = options.bucket ?? `${this.names.clusterName}-tfstate-${spec.accountId}`;
    problems.capture(() => AwsNames.validate('s3Bucket', 'bucket', bucket));
    const key = options.key ?? `${spec.name}/${spec.environment}/terraform.tfstate`;
    problems.check(key !== '' && !key.startsWith('/') && !key.includes('..'), 'key', 'must be a relative object key without ..', key, "use e.g. 'acme-llm/prod/terraform.tfstate'");
    const roleArn = options.roleArn ?? this.deployRoleArn;
    if (roleArn !== undefined) {
      problems.check(IAM_ROLE_ARN.test(roleArn), 'roleArn', 'must be an IAM role ARN', roleArn, "use e.g. 'arn:aws:iam::123456789012:role/terraform-state'");
    }
    problems.throwIfAny();
    const backend = new S3Backend(this, { bucket, key, region: spec.region, encrypt: true });
    // S3-native state locking; cdktf 0.21's S3BackendConfig predates the option
    backend.addOverride('use_lockfile', true);
    // The backend's `assume_role` object (Terraform S3 backend docs, "Assume Role Configuration", Terraform >= 1.6);
    // cdktf 0.21 offers only the deprecated top-level `role_arn`.
    if (roleArn !== undefined) backend.addOverride('assume_role', { role_arn: roleArn });
    this.s3State = { bucket };
    return backend;
  }

  /** The names the layers resolved agree with the names the Kubernetes side derives from the spec. */
  private checkNames(names: PlatformNames): void {
    const problems = new ProblemCollector(this);
    problems.check(this.cluster.clusterName === names.clusterName, 'cluster.clusterName', `differs from the name the Kubernetes side uses (${names.clusterName})`,
      this.cluster.clusterName, 'report this as a bug: both sides must derive the cluster name from name/environment');
    problems.check(this.modelStore.bucketName === names.modelStoreBucket, 'modelStore.bucketName', `differs from the bucket the Kubernetes side reads (${names.modelStoreBucket})`,
      this.modelStore.bucketName, 'report this as a bug: both sides must derive the bucket from name/environment');
    if (this.registry) {
      problems.check(this.registry.registryUrl === names.registryUrl, 'registry.registryUrl', `differs from the registry the images name (${names.registryUrl})`,
        this.registry.registryUrl, 'report this as a bug');
    }
    problems.check(this.nodeVolumeKey.aliasName === names.nodeVolumeKeyAlias, 'nodeVolumeKey.aliasName',
      `differs from the key the EC2NodeClasses name (${names.nodeVolumeKeyAlias})`, this.nodeVolumeKey.aliasName, 'report this as a bug');
    if (this.karpenter) {
      problems.check(this.karpenter.interruptionQueueName === names.karpenterInterruptionQueue, 'karpenter.interruptionQueueName',
        `differs from the queue the Karpenter add-on is configured with (${names.karpenterInterruptionQueue})`, this.karpenter.interruptionQueueName, 'report this as a bug');
      problems.check(this.karpenter.nodeRoleName === names.karpenterNodeRole, 'karpenter.nodeRoleName',
        `differs from the role the EC2NodeClasses name (${names.karpenterNodeRole})`, this.karpenter.nodeRoleName, 'report this as a bug');
    }
    if (this.loadBalancerController && names.loadBalancerController) {
      problems.check(this.loadBalancerController.roleName === names.loadBalancerController.roleName, 'loadBalancerController.roleName',
        `differs from the role the Kubernetes side expects (${names.loadBalancerController.roleName})`, this.loadBalancerController.roleName, 'report this as a bug');
    }
    problems.throwIfAny();
  }
}
