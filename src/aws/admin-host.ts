import { DataAwsPrefixList } from '@cdktf/provider-aws/lib/data-aws-prefix-list';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { VpcSecurityGroupEgressRule } from '@cdktf/provider-aws/lib/vpc-security-group-egress-rule';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';
import { AccessLevel, IEksCluster } from './eks-cluster';
import { NatGateways, Network, VpcEndpointService } from './network';
import { ProblemCollector } from '../core/errors';
import { CpuArchitecture } from '../core/gpu-instance-type';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { ManagedNodeGroup } from './private/node-group';
import { PolicyDocuments } from './private/policy';
import { escapeTags } from './private/terraform-escape';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * Props for `AdminHost`.
 */
export interface AdminHostProps {
  /** The cluster the host administers (its network's private subnets hold the host). */
  readonly cluster: IEksCluster;
  /**
   * Name of the host, its role, instance profile and security group.
   *
   * @default - `<cluster>-admin`
   */
  readonly name?: string;
  /**
   * The EC2 instance type.
   *
   * @default 't3.small'
   */
  readonly instanceType?: string;
  /**
   * The private subnet the host runs in.
   *
   * @default - the network's first private subnet
   */
  readonly subnetId?: string;
  /**
   * Root volume size in GiB (gp3, encrypted).
   *
   * @default 20
   */
  readonly rootVolumeSizeGiB?: number;
  /**
   * KMS key for the root volume.
   *
   * @default - the account's default EBS key (`aws/ebs`)
   */
  readonly rootVolumeKmsKeyArn?: string;
  /**
   * Give the host's role an EKS access entry with this access policy (so `kubectl` on the host works
   * without assuming another role). Leave unset to have operators assume their own admin role on the host.
   *
   * @default - no access entry
   */
  readonly clusterAccess?: AccessLevel;
  /**
   * Allow HTTPS from the host to the internet (through the network's NAT gateways), e.g. to download
   * tools. Without it the host reaches only the VPC (interface endpoints, the cluster API) and S3
   * (gateway endpoint: Amazon Linux package repositories, SSM Agent updates).
   *
   * @default false
   */
  readonly internetEgress?: boolean;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * A Session Manager admin host: the way into a cluster whose API endpoint is private. A small Amazon
 * Linux 2023 instance in a private subnet with no inbound rules and no SSH key (operators connect with
 * `aws ssm start-session`), IMDSv2 required with a hop limit of 1, an encrypted root volume, a role with
 * `AmazonSSMManagedInstanceCore` and `eks:DescribeCluster` on this cluster, and HTTPS to the cluster
 * API (an ingress rule on the cluster security group from the host's group).
 *
 * The network must let the SSM Agent reach Systems Manager: interface endpoints for `ssm`,
 * `ssmmessages` and `ec2messages` (`VpcEndpointService.sessionManager()`, what AWS documents for
 * managed nodes without internet access), or `internetEgress` through NAT. A `Network` is checked at
 * synth time; for an imported network that is your responsibility.
 */
export class AdminHost extends Construct {
  /** The SSM parameter of the AMI (Amazon Linux 2023, latest at first apply; later AMIs do not replace the host). */
  public static amiParameter(architecture: CpuArchitecture): string {
    checkArgs('aws.AdminHost#amiParameter', [architecture]);
    return `/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
  }

  /** The host name (and base of its resource names). */
  public readonly name: string;
  /** The instance type. */
  public readonly instanceType: string;
  /** The instance id (a token): `aws ssm start-session --target <instanceId>`. */
  public readonly instanceId: string;
  /** The host's IAM role name (plain: the host name). */
  public readonly roleName: string;
  /** The host's IAM role ARN (a token). */
  public readonly roleArn: string;
  /** The host's security group (a token). */
  public readonly securityGroupId: string;

  private readonly instance: Instance;

  constructor(scope: Construct, id: string, props: AdminHostProps) {
    super(scope, id);
    checkProps('aws.AdminHostProps', props, 'props', this);
    const cluster = props.cluster;
    const network = cluster.network;
    this.name = props.name ?? `${cluster.clusterName}-admin`;
    this.instanceType = props.instanceType ?? 't3.small';
    const volumeSize = props.rootVolumeSizeGiB ?? 20;
    const internetEgress = props.internetEgress ?? false;

    const problems = new ProblemCollector(this);
    problems.check(/^[A-Za-z0-9][A-Za-z0-9_-]{0,51}$/.test(this.name), 'name', 'must be 1 to 52 letters, digits, \'-\' or \'_\' (it prefixes IAM and security group names)',
      this.name, "use e.g. 'acme-prod-admin'");
    const architecture = ManagedNodeGroup.architectureOf('instanceType', this.instanceType, this);
    problems.check(Number.isInteger(volumeSize) && volumeSize >= 8 && volumeSize <= 16384, 'rootVolumeSizeGiB', 'must be an integer from 8 (the AMI snapshot) to 16384', volumeSize,
      'use 20 or another size in GiB');
    if (!Token.isUnresolved(network.privateSubnetIds)) {
      problems.check(network.privateSubnetIds.length > 0, 'cluster', 'must have a network with private subnets', network.privateSubnetIds, 'use a network with private subnets');
      if (props.subnetId !== undefined && !Token.isUnresolved(props.subnetId)) {
        problems.check(network.privateSubnetIds.includes(props.subnetId), 'subnetId', "must be one of the network's private subnets", props.subnetId,
          'pick a private subnet of the cluster network (the host never gets a public address)');
      }
    }
    if (network instanceof Network && !internetEgress) {
      const present = new Set(network.interfaceEndpoints.map((e) => e.service));
      const missing = VpcEndpointService.sessionManager().map((e) => e.service).filter((s) => !present.has(s));
      problems.check(missing.length === 0, 'cluster', `has a network without the interface endpoints Session Manager needs (${missing.join(', ')})`, missing,
        network.natGateways === NatGateways.NONE
          ? "add VpcEndpointService.sessionManager() to the network's interfaceEndpoints (it has no NAT)"
          : "add VpcEndpointService.sessionManager() to the network's interfaceEndpoints, or set internetEgress to reach Systems Manager through NAT");
    }
    if (network instanceof Network && internetEgress) {
      problems.check(network.natGateways !== NatGateways.NONE, 'internetEgress', 'needs NAT gateways, but the network has none', internetEgress,
        'drop internetEgress and rely on the VPC endpoints, or give the network NAT gateways');
    }
    problems.throwIfAny();

    const env = AwsEnvironment.of(this);
    const region = cluster.region;
    const tags = escapeTags(props.tags);
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T =>
      AwsNames.stable(el, type, [this.name, ...suffix], 'name');

    const role = stable(new IamRole(this, 'Role', {
      name: AwsNames.validate('iamRole', 'name', this.name, this),
      description: `Session Manager admin host of ${cluster.clusterName}`,
      assumeRolePolicy: PolicyDocuments.trust(['ec2.amazonaws.com'], ['sts:AssumeRole'], { StringEquals: { 'aws:SourceAccount': env.accountId } }),
      tags,
    }), 'aws_iam_role');
    this.roleName = this.name;
    this.roleArn = role.arn;
    const core = stable(new IamRolePolicyAttachment(this, 'SsmCore', {
      role: role.name,
      policyArn: env.managedPolicyArn('AmazonSSMManagedInstanceCore'),
    }), 'aws_iam_role_policy_attachment', 'ssm_core');
    // `aws eks update-kubeconfig` reads the endpoint and CA with DescribeCluster; nothing else.
    stable(new IamRolePolicy(this, 'DescribeCluster', {
      name: 'describe-cluster',
      role: role.id,
      policy: PolicyDocuments.json([{ Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: [cluster.clusterArn] }]),
    }), 'aws_iam_role_policy');
    const profile = stable(new IamInstanceProfile(this, 'Profile', { name: this.name, role: role.name, tags }), 'aws_iam_instance_profile');

    const sg = stable(new SecurityGroup(this, 'SecurityGroup', {
      name: this.name,
      description: `${this.name}: Session Manager admin host, no inbound`,
      vpcId: network.vpcId,
      revokeRulesOnDelete: true,
      tags: { ...(tags ?? {}), Name: this.name },
    }), 'aws_security_group');
    this.securityGroupId = sg.id;
    stable(new VpcSecurityGroupEgressRule(this, 'VpcHttps', {
      securityGroupId: sg.id,
      description: 'HTTPS to the VPC: interface endpoints (SSM, STS, EKS) and the cluster API',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: network.vpcCidr,
    }), 'aws_vpc_security_group_egress_rule', 'vpc_https');
    const s3 = new DataAwsPrefixList(this, 'S3PrefixList', { name: `com.amazonaws.${region}.s3` });
    stable(s3, 'data_aws_prefix_list', 's3');
    stable(new VpcSecurityGroupEgressRule(this, 'S3Https', {
      securityGroupId: sg.id,
      description: 'HTTPS to S3 (gateway endpoint): package repositories and SSM Agent updates',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      prefixListId: s3.id,
    }), 'aws_vpc_security_group_egress_rule', 's3_https');
    if (internetEgress) {
      stable(new VpcSecurityGroupEgressRule(this, 'InternetHttps', {
        securityGroupId: sg.id,
        description: 'HTTPS to the internet through NAT (internetEgress)',
        ipProtocol: 'tcp',
        fromPort: 443,
        toPort: 443,
        cidrIpv4: '0.0.0.0/0',
      }), 'aws_vpc_security_group_egress_rule', 'internet_https');
    }
    // The cluster security group (EKS-created, on the control plane ENIs) admits the host on 443.
    stable(new VpcSecurityGroupIngressRule(this, 'ClusterApi', {
      securityGroupId: cluster.clusterSecurityGroupId,
      description: `Kubernetes API from the admin host ${this.name}`,
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      referencedSecurityGroupId: sg.id,
    }), 'aws_vpc_security_group_ingress_rule', 'cluster_api');

    const ami = stable(new DataAwsSsmParameter(this, 'Ami', { name: AdminHost.amiParameter(architecture) }), 'data_aws_ssm_parameter', 'ami');
    this.instance = stable(new Instance(this, 'Resource', {
      ami: ami.insecureValue,
      instanceType: this.instanceType,
      subnetId: props.subnetId ?? network.privateSubnetIds[0],
      vpcSecurityGroupIds: [sg.id],
      iamInstanceProfile: profile.name,
      associatePublicIpAddress: false,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1, instanceMetadataTags: 'disabled' },
      rootBlockDevice: {
        volumeType: 'gp3',
        volumeSize,
        encrypted: true,
        kmsKeyId: props.rootVolumeKmsKeyArn,
        deleteOnTermination: true,
      },
      tags: { ...(tags ?? {}), Name: this.name },
      volumeTags: { ...(tags ?? {}), Name: this.name },
      dependsOn: [core],
      // A newer AMI in the parameter must not replace the host under an operator's session: patch it
      // with Session Manager / Patch Manager, or taint it to rebuild.
      lifecycle: { ignoreChanges: ['ami'] },
    }), 'aws_instance');
    this.instanceId = this.instance.id;

    if (props.clusterAccess) {
      cluster.grantAccess('admin-host', { principalArn: role.arn, level: props.clusterAccess });
    }
  }

  /** The Terraform instance (for `dependsOn`). */
  public get dependable(): TerraformElement {
    return this.instance;
  }
}
