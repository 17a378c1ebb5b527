import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { EksAccessEntry } from '@cdktf/provider-aws/lib/eks-access-entry';
import { EksAccessPolicyAssociation } from '@cdktf/provider-aws/lib/eks-access-policy-association';
import { EksCluster as CfnEksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';
import { INetwork } from './network';
import { ProblemCollector, ValidationError } from '../core/errors';
import { KubernetesVersion } from '../core/kubernetes-version';
import { Names } from '../core/names';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { Ipv4Cidr } from './private/cidr';
import { logsKeyStatement, ManagedKey } from './private/kms';
import { PolicyDocuments } from './private/policy';
import { LogRetention } from './private/retention';
import { escapeTags } from './private/terraform-escape';
import { IAM_PRINCIPAL_ARN } from '../core/private/iam-arns';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * An EKS cluster as node pools, add-ons, Pod Identity roles and Karpenter see it.
 */
export interface IEksCluster {
  /** The cluster name (plain, known at synth time). */
  readonly clusterName: string;
  /** The cluster ARN (a token). */
  readonly clusterArn: string;
  /** The region (plain). */
  readonly region: string;
  /** The Kubernetes version. */
  readonly version: KubernetesVersion;
  /** The network the cluster runs in. */
  readonly network: INetwork;
  /** The security group EKS creates for the control plane and managed nodes (a token). */
  readonly clusterSecurityGroupId: string;
  /** Whether the cluster requires FIPS 140-validated endpoints and AMIs. */
  readonly fips: boolean;
  /** The Terraform resource other resources depend on (the `aws_eks_cluster`). */
  readonly dependable: TerraformElement;

  /**
   * Give an IAM principal access to the cluster (an EKS access entry and, for a level, an access
   * policy association).
   */
  grantAccess(id: string, options: ClusterAccessOptions): void;
}

/**
 * Who may reach the Kubernetes API endpoint.
 */
export class EndpointAccess {
  /** Private endpoint only: the API is reachable from inside the VPC (and peered networks) only. */
  public static readonly PRIVATE = new EndpointAccess(false, []);

  /**
   * Private endpoint plus a public endpoint reachable only from `cidrs` (office, VPN, CI egress).
   * `0.0.0.0/0` is refused: use the private endpoint and a VPN instead.
   */
  public static publicAndPrivate(cidrs: string[]): EndpointAccess {
    checkArgs('aws.EndpointAccess#publicAndPrivate', [cidrs]);
    if (!Array.isArray(cidrs) || cidrs.length === 0) {
      throw new ValidationError('endpointAccess', 'must list the CIDRs allowed to reach the public endpoint', cidrs,
        "pass e.g. EndpointAccess.publicAndPrivate(['203.0.113.0/24']) or use EndpointAccess.PRIVATE");
    }
    for (const cidr of cidrs) {
      const parsed = Ipv4Cidr.parse(cidr);
      if (!parsed || !parsed.isAligned) {
        throw new ValidationError('endpointAccess', 'must list IPv4 network CIDRs', cidr, "use e.g. '203.0.113.0/24'");
      }
      if (parsed.prefix === 0) {
        throw new ValidationError('endpointAccess', 'must not open the public endpoint to the whole internet', cidr,
          'list the networks of your operators and CI, or use EndpointAccess.PRIVATE');
      }
    }
    return new EndpointAccess(true, [...cidrs].sort());
  }

  /** Whether the public endpoint is on. */
  public readonly publicAccess: boolean;
  /** The CIDRs allowed to reach the public endpoint. */
  public readonly publicCidrs: string[];

  private constructor(publicAccess: boolean, publicCidrs: string[]) {
    this.publicAccess = publicAccess;
    this.publicCidrs = publicCidrs;
  }
}

/**
 * The EKS access policy an access entry gets.
 */
export class AccessLevel {
  /** `AmazonEKSClusterAdminPolicy`: everything, cluster-wide (break-glass and platform admins). */
  public static readonly CLUSTER_ADMIN = new AccessLevel('AmazonEKSClusterAdminPolicy');
  /** `AmazonEKSAdminPolicy`: most resources incl. RBAC, no cluster-scoped writes beyond namespaces. */
  public static readonly ADMIN = new AccessLevel('AmazonEKSAdminPolicy');
  /** `AmazonEKSEditPolicy`: edit most namespaced resources, no RBAC. */
  public static readonly EDIT = new AccessLevel('AmazonEKSEditPolicy');
  /** `AmazonEKSViewPolicy`: read most resources, no Secrets. */
  public static readonly VIEWER = new AccessLevel('AmazonEKSViewPolicy');

  /** The access policy name. */
  public readonly policyName: string;

  private constructor(policyName: string) {
    this.policyName = policyName;
  }
}

/**
 * The kind of principal an access entry is for.
 */
export enum AccessEntryType {
  /** An IAM user or role used by people or CI. */
  STANDARD = 'STANDARD',
  /** The node role of self-managed or Karpenter-launched Linux nodes. */
  EC2_LINUX = 'EC2_LINUX',
}

/**
 * Options for `EksCluster.grantAccess`.
 */
export interface ClusterAccessOptions {
  /** The IAM role or user ARN. */
  readonly principalArn: string;
  /**
   * The access policy.
   *
   * @default - no access policy (node roles, or principals bound by Kubernetes RBAC through `kubernetesGroups`)
   */
  readonly level?: AccessLevel;
  /**
   * Limit the access policy to these namespaces.
   *
   * @default - cluster-wide
   */
  readonly namespaces?: string[];
  /**
   * Kubernetes groups for RBAC bindings.
   *
   * @default - none
   */
  readonly kubernetesGroups?: string[];
  /**
   * The entry type.
   *
   * @default AccessEntryType.STANDARD
   */
  readonly type?: AccessEntryType;
}

/**
 * An admin or viewer granted at construction (`EksClusterProps.access`).
 */
export interface ClusterAccess extends ClusterAccessOptions {
  /** A short DNS-1123 name for the grant, used in Terraform ids (`platform-admins`). */
  readonly name: string;
}

/**
 * Control-plane log types.
 */
export enum ClusterLogType {
  /** Kubernetes API server. */
  API = 'api',
  /** Kubernetes audit log. */
  AUDIT = 'audit',
  /** IAM authenticator. */
  AUTHENTICATOR = 'authenticator',
  /** Controller manager. */
  CONTROLLER_MANAGER = 'controllerManager',
  /** Scheduler. */
  SCHEDULER = 'scheduler',
}

/**
 * What happens when the cluster's version leaves standard support.
 */
export enum UpgradeSupportType {
  /** Auto-upgrade at the end of standard support (no extended-support charges). */
  STANDARD = 'STANDARD',
  /** Stay on the version in extended support (charged per cluster hour). */
  EXTENDED = 'EXTENDED',
}

/**
 * Props for `EksCluster`.
 */
export interface EksClusterProps {
  /** The cluster name (also the base of every resource name the cluster owns). */
  readonly clusterName: string;
  /** The network: control plane ENIs go into its private subnets. */
  readonly network: INetwork;
  /**
   * Kubernetes version.
   *
   * @default KubernetesVersion.DEFAULT (1.34)
   */
  readonly version?: KubernetesVersion;
  /**
   * The region.
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /**
   * API endpoint access.
   *
   * @default EndpointAccess.PRIVATE
   */
  readonly endpointAccess?: EndpointAccess;
  /**
   * Control-plane log types; `api`, `audit` and `authenticator` are required.
   *
   * @default - all five
   */
  readonly logTypes?: ClusterLogType[];
  /**
   * Days to keep control-plane logs (a CloudWatch Logs retention value).
   *
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * Admins and viewers (access entries with the `API` authentication mode).
   *
   * @default - none: add them with `grantAccess()`; the creator gets no implicit admin
   */
  readonly access?: ClusterAccess[];
  /**
   * End-of-standard-support behaviour.
   *
   * @default UpgradeSupportType.STANDARD
   */
  readonly upgradeSupportType?: UpgradeSupportType;
  /**
   * EKS deletion protection (the API refuses DeleteCluster while on).
   *
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * `prevent_destroy` on the cluster, its KMS key and log group.
   *
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Require FIPS 140-validated endpoints (the stack's AwsProvider must set `useFipsEndpoint: true`)
   * and FIPS AMI types on node pools.
   *
   * @default false
   */
  readonly fips?: boolean;
  /**
   * The Kubernetes service CIDR; must not overlap the VPC.
   *
   * @default '172.20.0.0/16'
   */
  readonly serviceIpv4Cidr?: string;
  /**
   * Tags for every resource.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * A production EKS cluster: private API endpoint, Secrets envelope-encrypted with a rotating KMS key,
 * control-plane logs to a KMS-encrypted log group with retention, `API` authentication mode with typed
 * access entries and no implicit creator admin, upgrade policy, deletion protection, an additional
 * control-plane security group that admits only HTTPS from the VPC.
 */
export class EksCluster extends Construct implements IEksCluster {
  public readonly clusterName: string;
  public readonly clusterArn: string;
  public readonly region: string;
  public readonly version: KubernetesVersion;
  public readonly network: INetwork;
  public readonly clusterSecurityGroupId: string;
  public readonly fips: boolean;
  public readonly dependable: TerraformElement;
  /** The API endpoint access. */
  public readonly endpointAccess: EndpointAccess;
  /** Control-plane log types. */
  public readonly logTypes: ClusterLogType[];
  /** Control-plane log group name (`/aws/eks/<cluster>/cluster`, fixed by EKS). */
  public readonly logGroupName: string;
  /** Control-plane log retention. */
  public readonly logRetentionDays: number;
  /** Upgrade support type. */
  public readonly upgradeSupportType: UpgradeSupportType;
  /** Whether deletion protection is on. */
  public readonly deletionProtection: boolean;
  /** Whether stateful resources carry `prevent_destroy`. */
  public readonly preventDestroy: boolean;
  /** The service CIDR. */
  public readonly serviceIpv4Cidr: string;
  /** The API endpoint URL (a token). */
  public readonly endpoint: string;
  /** The cluster IAM role name. */
  public readonly roleName: string;
  /** The ARN of the Secrets encryption key (a token). */
  public readonly secretsKeyArn: string;
  /** The additional control-plane security group (a token). */
  public readonly controlPlaneSecurityGroupId: string;

  private readonly resource: CfnEksCluster;
  private readonly tags?: { [key: string]: string };
  private readonly grants = new Set<string>();
  private readonly principals = new Map<string, string>();

  constructor(scope: Construct, id: string, props: EksClusterProps) {
    super(scope, id);
    checkProps('aws.EksClusterProps', props, 'props', this);
    this.clusterName = AwsNames.validate('eksCluster', 'clusterName', props.clusterName, this);
    this.region = AwsEnvironment.region(this, props.region);
    this.version = props.version ?? KubernetesVersion.DEFAULT;
    this.network = props.network;
    this.endpointAccess = props.endpointAccess ?? EndpointAccess.PRIVATE;
    this.logTypes = [...new Set(props.logTypes ?? [ClusterLogType.API, ClusterLogType.AUDIT, ClusterLogType.AUTHENTICATOR,
      ClusterLogType.CONTROLLER_MANAGER, ClusterLogType.SCHEDULER])];
    this.logRetentionDays = LogRetention.validate('logRetentionDays', props.logRetentionDays ?? 365, this);
    this.logGroupName = `/aws/eks/${this.clusterName}/cluster`;
    this.upgradeSupportType = props.upgradeSupportType ?? UpgradeSupportType.STANDARD;
    this.deletionProtection = props.deletionProtection ?? true;
    this.preventDestroy = props.preventDestroy ?? true;
    this.fips = props.fips ?? false;
    this.serviceIpv4Cidr = props.serviceIpv4Cidr ?? '172.20.0.0/16';
    this.tags = escapeTags(props.tags);
    this.validate(props);

    const env = AwsEnvironment.of(this);
    const name = this.clusterName;
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T =>
      AwsNames.stable(el, type, [name, ...suffix], 'clusterName');
    const lifecycle = this.preventDestroy ? { preventDestroy: true } : undefined;

    const logKey = new ManagedKey(this, 'LogKey', {
      name: `${name}-eks-logs`,
      description: `${name} EKS control-plane logs`,
      serviceStatements: [logsKeyStatement(env, this.region, this.logGroupName)],
      preventDestroy: this.preventDestroy,
      tags: escapeTags(props.tags),
    });
    // EKS writes to /aws/eks/<cluster>/cluster; creating it first sets encryption and retention.
    const logGroup = stable(new CloudwatchLogGroup(this, 'LogGroup', {
      name: this.logGroupName,
      retentionInDays: this.logRetentionDays,
      kmsKeyId: logKey.arn,
      tags: escapeTags(props.tags),
      lifecycle,
    }), 'aws_cloudwatch_log_group', 'control_plane');

    const role = stable(new IamRole(this, 'Role', {
      name: AwsNames.validate('iamRole', 'clusterName', AwsNames.join([name, 'cluster'], 64), this),
      assumeRolePolicy: PolicyDocuments.trust(['eks.amazonaws.com'], ['sts:AssumeRole', 'sts:TagSession']),
      tags: escapeTags(props.tags),
    }), 'aws_iam_role', 'cluster');
    this.roleName = role.name;
    // The cluster role uses the Secrets key directly (as terraform-aws-eks's cluster_encryption policy lets it);
    // EKS's own grant is created through the key administrators' kms:CreateGrant.
    const key = new ManagedKey(this, 'SecretsKey', {
      name: `${name}-eks-secrets`,
      description: `${name} EKS Secrets envelope encryption`,
      userPrincipalArns: [role.arn],
      preventDestroy: this.preventDestroy,
      tags: escapeTags(props.tags),
    });
    this.secretsKeyArn = key.arn;
    const attachment = stable(new IamRolePolicyAttachment(this, 'RolePolicy', {
      role: role.name,
      policyArn: env.managedPolicyArn('AmazonEKSClusterPolicy'),
    }), 'aws_iam_role_policy_attachment', 'cluster');

    // Least privilege for the control plane ENIs: HTTPS in from the VPC; out only to the VPC on
    // 443 and 1025-65535 (kubelet 10250, admission webhooks, metrics-server). EKS documents these as
    // the minimum for managed nodes in "Amazon EKS security group requirements".
    const sg = stable(new SecurityGroup(this, 'ControlPlaneSecurityGroup', {
      name: `${name}-control-plane`,
      description: `${name} EKS control plane: HTTPS from the VPC, kubelet and webhooks to the VPC`,
      vpcId: this.network.vpcId,
      revokeRulesOnDelete: true,
      tags: { ...(escapeTags(props.tags) ?? {}), Name: `${name}-control-plane` },
    }), 'aws_security_group', 'control_plane');
    this.controlPlaneSecurityGroupId = sg.id;
    stable(new VpcSecurityGroupIngressRule(this, 'ApiIngress', {
      securityGroupId: sg.id,
      description: 'Kubernetes API from inside the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: this.network.vpcCidr,
    }), 'aws_vpc_security_group_ingress_rule', 'control_plane_api');
    stable(new VpcSecurityGroupEgressRule(this, 'HttpsEgress', {
      securityGroupId: sg.id,
      description: 'Webhooks and node HTTPS inside the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: this.network.vpcCidr,
    }), 'aws_vpc_security_group_egress_rule', 'control_plane_https');
    stable(new VpcSecurityGroupEgressRule(this, 'NodeEgress', {
      securityGroupId: sg.id,
      description: 'Kubelet, webhooks and metrics on nodes inside the VPC',
      ipProtocol: 'tcp',
      fromPort: 1025,
      toPort: 65535,
      cidrIpv4: this.network.vpcCidr,
    }), 'aws_vpc_security_group_egress_rule', 'control_plane_nodes');

    this.resource = stable(new CfnEksCluster(this, 'Resource', {
      name,
      version: this.version.version,
      roleArn: role.arn,
      vpcConfig: {
        subnetIds: this.network.privateSubnetIds,
        securityGroupIds: [sg.id],
        endpointPrivateAccess: true,
        endpointPublicAccess: this.endpointAccess.publicAccess,
        publicAccessCidrs: this.endpointAccess.publicAccess ? this.endpointAccess.publicCidrs : undefined,
      },
      encryptionConfig: { resources: ['secrets'], provider: { keyArn: key.arn } },
      enabledClusterLogTypes: this.logTypes,
      accessConfig: { authenticationMode: 'API', bootstrapClusterCreatorAdminPermissions: false },
      upgradePolicy: { supportType: this.upgradeSupportType },
      kubernetesNetworkConfig: { ipFamily: 'ipv4', serviceIpv4Cidr: this.serviceIpv4Cidr },
      // Managed add-ons are created explicitly (ClusterAddons); EKS must not install unmanaged copies.
      bootstrapSelfManagedAddons: false,
      deletionProtection: this.deletionProtection,
      tags: escapeTags(props.tags),
      dependsOn: [logGroup, attachment],
      lifecycle,
    }), 'aws_eks_cluster');
    this.dependable = this.resource;
    this.clusterArn = this.resource.arn;
    this.endpoint = this.resource.endpoint;
    this.clusterSecurityGroupId = this.resource.vpcConfig.clusterSecurityGroupId;

    for (const access of props.access ?? []) {
      Names.validateDns1123Label('access[].name', access.name, this);
      this.grantAccess(access.name, access);
    }
  }

  public grantAccess(id: string, options: ClusterAccessOptions): void {
    checkArgs('aws.EksCluster#grantAccess', [id, options], this);
    checkProps('aws.ClusterAccessOptions', options, 'options', this);
    Names.validateDns1123Label('id', id, this);
    if (this.grants.has(id)) {
      throw new ValidationError('id', 'is already used by another access grant of this cluster', id, 'give each grant a distinct name', this);
    }
    this.grants.add(id);
    // EKS has one access entry per principal: a second one for the same ARN fails at apply (issue 17)
    if (!Token.isUnresolved(options.principalArn)) {
      const other = this.principals.get(options.principalArn);
      if (other !== undefined) {
        throw new ValidationError('principalArn', `already has an access entry (grant '${other}'); EKS allows one per principal`, options.principalArn,
          'grant each principal once, with the broadest level it needs (an admin can already view)', this);
      }
      this.principals.set(options.principalArn, id);
    }
    if (!Token.isUnresolved(options.principalArn) && !IAM_PRINCIPAL_ARN.test(options.principalArn)) {
      throw new ValidationError('principalArn', 'must be an IAM role or user ARN', options.principalArn,
        "use e.g. 'arn:aws:iam::123456789012:role/platform-admins' (assumed-role session ARNs are not accepted)", this);
    }
    const type = options.type ?? AccessEntryType.STANDARD;
    if (type === AccessEntryType.EC2_LINUX && (options.level || options.kubernetesGroups?.length)) {
      throw new ValidationError('level', 'cannot be set on an EC2_LINUX access entry', options.level?.policyName ?? options.kubernetesGroups,
        'leave level and kubernetesGroups unset: EKS grants node permissions to EC2_LINUX entries itself', this);
    }
    for (const ns of options.namespaces ?? []) Names.validateDns1123Label('namespaces', ns, this);
    const scope = new Construct(this, `Access-${id}`);
    const env = AwsEnvironment.of(this);
    const entry = AwsNames.stable(new EksAccessEntry(scope, 'Entry', {
      clusterName: this.resource.name,
      principalArn: options.principalArn,
      type,
      kubernetesGroups: options.kubernetesGroups && options.kubernetesGroups.length > 0 ? [...options.kubernetesGroups].sort() : undefined,
      tags: this.tags,
    }), 'aws_eks_access_entry', [this.clusterName, id], 'id');
    if (options.level) {
      const namespaces = options.namespaces && options.namespaces.length > 0 ? [...options.namespaces].sort() : undefined;
      AwsNames.stable(new EksAccessPolicyAssociation(scope, 'Policy', {
        clusterName: this.resource.name,
        principalArn: entry.principalArn,
        policyArn: `arn:${env.partition}:eks::aws:cluster-access-policy/${options.level.policyName}`,
        accessScope: namespaces ? { type: 'namespace', namespaces } : { type: 'cluster' },
      }), 'aws_eks_access_policy_association', [this.clusterName, id], 'id');
    }
  }

  /** Grant cluster-wide admin (`AmazonEKSClusterAdminPolicy`) to an IAM role. */
  public addAdmin(id: string, principalArn: string): void {
    checkArgs('aws.EksCluster#addAdmin', [id, principalArn], this);
    this.grantAccess(id, { principalArn, level: AccessLevel.CLUSTER_ADMIN });
  }

  /** Grant read-only access (`AmazonEKSViewPolicy`), cluster-wide or to some namespaces. */
  public addViewer(id: string, principalArn: string, namespaces?: string[]): void {
    checkArgs('aws.EksCluster#addViewer', [id, principalArn, namespaces], this);
    this.grantAccess(id, { principalArn, level: AccessLevel.VIEWER, namespaces });
  }

  private validate(props: EksClusterProps): void {
    const problems = new ProblemCollector(this);
    for (const required of [ClusterLogType.API, ClusterLogType.AUDIT, ClusterLogType.AUTHENTICATOR]) {
      problems.check(this.logTypes.includes(required), 'logTypes', `must include '${required}'`, this.logTypes,
        `add ClusterLogType.${required.toUpperCase()}: api, audit and authenticator logs are the audit trail of the control plane`);
    }
    const svc = Ipv4Cidr.parse(this.serviceIpv4Cidr);
    if (!svc || !svc.isAligned) {
      problems.add('serviceIpv4Cidr', 'must be an IPv4 network CIDR', this.serviceIpv4Cidr, "use e.g. '172.20.0.0/16'");
    } else {
      // EKS: the service CIDR must be a /12 to /24 block in RFC 1918 space and must not overlap the VPC.
      problems.check(svc.prefix >= 12 && svc.prefix <= 24, 'serviceIpv4Cidr', 'must be between /12 and /24', this.serviceIpv4Cidr, "use e.g. '172.20.0.0/16'");
      const vpc = Token.isUnresolved(props.network.vpcCidr) ? undefined : Ipv4Cidr.parse(props.network.vpcCidr);
      if (vpc && vpc.overlaps(svc)) {
        problems.add('serviceIpv4Cidr', `overlaps the VPC CIDR ${props.network.vpcCidr}`, this.serviceIpv4Cidr,
          'pick a service CIDR outside the VPC, e.g. 172.20.0.0/16 for a 10.x VPC');
      }
    }
    if (!Token.isUnresolved(props.network.privateSubnetIds) && props.network.privateSubnetIds.length < 2) {
      problems.add('network', 'must have private subnets in at least two availability zones', props.network.privateSubnetIds.length, 'use a network with two or more zones');
    }
    if (this.fips && !AwsEnvironment.providerUsesFips(this)) {
      problems.add('fips', "requires the stack's AwsProvider to use FIPS endpoints", this.fips,
        "set useFipsEndpoint: true on the stack's AwsProvider, or drop fips");
    }
    problems.throwIfAny();
  }
}
