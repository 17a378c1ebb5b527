import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { DefaultSecurityGroup } from '@cdktf/provider-aws/lib/default-security-group';
import { Eip } from '@cdktf/provider-aws/lib/eip';
import { FlowLog } from '@cdktf/provider-aws/lib/flow-log';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { NatGateway } from '@cdktf/provider-aws/lib/nat-gateway';
import { Route } from '@cdktf/provider-aws/lib/route';
import { RouteTable } from '@cdktf/provider-aws/lib/route-table';
import { RouteTableAssociation } from '@cdktf/provider-aws/lib/route-table-association';
import { SecurityGroup } from '@cdktf/provider-aws/lib/security-group';
import { Subnet } from '@cdktf/provider-aws/lib/subnet';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { VpcEndpoint } from '@cdktf/provider-aws/lib/vpc-endpoint';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { ProblemCollector, ValidationError } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { Ipv4Cidr } from './private/cidr';
import { logsKeyStatement, ManagedKey } from './private/kms';
import { PolicyDocuments } from './private/policy';
import { LogRetention } from './private/retention';
import { escapeTags } from './private/terraform-escape';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * A VPC the cluster runs in: private subnets for nodes, public subnets for load balancers.
 */
export interface INetwork {
  /** The VPC id. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR (used for least-privilege security group rules and overlap checks). */
  readonly vpcCidr: string;
  /** Private subnets (nodes, control plane ENIs, interface endpoints), one per availability zone. */
  readonly privateSubnetIds: string[];
  /** Public subnets (internet-facing load balancers only); empty for private-only networks. */
  readonly publicSubnetIds: string[];
  /** The availability zones of `privateSubnetIds`, in the same order. */
  readonly availabilityZones: string[];
}

/**
 * An existing VPC and its subnets (`Network.fromAttributes`).
 */
export interface NetworkAttributes {
  /** The VPC id. */
  readonly vpcId: string;
  /** The VPC's IPv4 CIDR. */
  readonly vpcCidr: string;
  /** Private subnet ids, at least two in different availability zones (an EKS requirement). */
  readonly privateSubnetIds: string[];
  /**
   * Public subnet ids.
   *
   * @default - none
   */
  readonly publicSubnetIds?: string[];
  /**
   * The availability zones of `privateSubnetIds`, in the same order.
   *
   * @default - unknown (empty)
   */
  readonly availabilityZones?: string[];
}

/**
 * How many NAT gateways the network gets.
 */
export enum NatGateways {
  /** One NAT gateway per availability zone: an AZ outage does not cut egress of the other AZs. */
  PER_AZ = 'PER_AZ',
  /** One NAT gateway for all zones: cheaper, a single point of failure for egress. */
  SINGLE = 'SINGLE',
  /** No NAT: nodes reach AWS only through VPC endpoints and nothing on the internet. */
  NONE = 'NONE',
}

/**
 * An AWS service reached through an interface VPC endpoint.
 */
export class VpcEndpointService {
  /** ECR API (`ecr.api`): image manifests and auth. */
  public static readonly ECR_API = new VpcEndpointService('ecr.api');
  /** ECR Docker registry (`ecr.dkr`): image pulls (layers come from S3 through the gateway endpoint). */
  public static readonly ECR_DKR = new VpcEndpointService('ecr.dkr');
  /** STS: credentials for IRSA and Pod Identity role sessions. */
  public static readonly STS = new VpcEndpointService('sts');
  /** CloudWatch Logs. */
  public static readonly LOGS = new VpcEndpointService('logs');
  /** EKS API (nodes join, Karpenter DescribeCluster). */
  public static readonly EKS = new VpcEndpointService('eks');
  /** EKS Auth: the Pod Identity agent's AssumeRoleForPodIdentity. */
  public static readonly EKS_AUTH = new VpcEndpointService('eks-auth');
  /** EC2 API (Karpenter launches instances). */
  public static readonly EC2 = new VpcEndpointService('ec2');
  /** SQS (Karpenter interruption queue). */
  public static readonly SQS = new VpcEndpointService('sqs');
  /** SSM (Karpenter AMI parameter lookups, Session Manager). */
  public static readonly SSM = new VpcEndpointService('ssm');
  /** SSM messages: the Session Manager data channel of the SSM Agent. */
  public static readonly SSM_MESSAGES = new VpcEndpointService('ssmmessages');
  /** EC2 messages: SSM Agent calls to Systems Manager (agents before 3.3.40.0 need it; newer ones fall back to it). */
  public static readonly EC2_MESSAGES = new VpcEndpointService('ec2messages');
  /** Amazon Managed Service for Prometheus workspaces (remote write). */
  public static readonly APS_WORKSPACES = new VpcEndpointService('aps-workspaces');

  /**
   * The interface endpoints a Network gets by default: what private nodes need to join the cluster,
   * pull images, get Pod Identity credentials and ship logs without NAT.
   */
  public static defaults(): VpcEndpointService[] {
    return [VpcEndpointService.ECR_API, VpcEndpointService.ECR_DKR, VpcEndpointService.STS, VpcEndpointService.LOGS,
      VpcEndpointService.EKS, VpcEndpointService.EKS_AUTH];
  }

  /**
   * The interface endpoints Session Manager needs to reach a managed node in a private subnet without
   * internet access: `ssm`, `ssmmessages`, `ec2messages` (AWS Systems Manager User Guide, "Improve the
   * security of EC2 instances by using VPC endpoints for Systems Manager"). Session logs to CloudWatch
   * Logs also need `logs` (in `defaults()`), to S3 the S3 gateway endpoint (always created), and
   * KMS-encrypted sessions `kms`.
   */
  public static sessionManager(): VpcEndpointService[] {
    return [VpcEndpointService.SSM, VpcEndpointService.SSM_MESSAGES, VpcEndpointService.EC2_MESSAGES];
  }

  /** A service by the part of its endpoint name after `com.amazonaws.<region>.`, e.g. `kms`. */
  public static of(service: string): VpcEndpointService {
    checkArgs('aws.VpcEndpointService#of', [service]);
    if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(String(service))) {
      throw new ValidationError('service', 'must be a VPC endpoint service suffix', service, "use e.g. 'kms' for com.amazonaws.<region>.kms");
    }
    return new VpcEndpointService(service);
  }

  /** The part of the endpoint service name after `com.amazonaws.<region>.`, e.g. `ecr.api`. */
  public readonly service: string;

  private constructor(service: string) {
    this.service = service;
  }
}

/**
 * Props for `Network`.
 */
export interface NetworkProps {
  /**
   * The EKS cluster the subnets are tagged for (`kubernetes.io/cluster/<name>`, `karpenter.sh/discovery`).
   */
  readonly clusterName: string;
  /**
   * Name used for the VPC's Name tag, resource names and Terraform ids.
   *
   * @default - clusterName
   */
  readonly name?: string;
  /**
   * The region (availability zone names and endpoint service names are derived from it).
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /**
   * The VPC's IPv4 CIDR, /16 to /24.
   *
   * @default '10.0.0.0/16'
   */
  readonly cidr?: string;
  /**
   * Availability zones, one private and one public subnet each.
   *
   * @default - `<region>a`, `<region>b`, `<region>c`
   */
  readonly availabilityZones?: string[];
  /**
   * Prefix length of each private (node) subnet; at most /24 so the VPC CNI has pod IPs to hand out.
   *
   * @default 19 (8,190 usable addresses per zone: pods get VPC IPs)
   */
  readonly privateSubnetPrefixLength?: number;
  /**
   * Prefix length of each public (load balancer) subnet; at most /27 (ELB needs 8 free addresses).
   *
   * @default 24
   */
  readonly publicSubnetPrefixLength?: number;
  /**
   * Explicit private subnet CIDRs, one per zone (instead of carving them from `cidr`).
   *
   * @default - carved from the start of `cidr`
   */
  readonly privateSubnetCidrs?: string[];
  /**
   * Explicit public subnet CIDRs, one per zone.
   *
   * @default - carved from `cidr` after the private subnets
   */
  readonly publicSubnetCidrs?: string[];
  /**
   * NAT gateways.
   *
   * @default NatGateways.PER_AZ
   */
  readonly natGateways?: NatGateways;
  /**
   * Interface VPC endpoints (the S3 gateway endpoint is always created).
   *
   * @default VpcEndpointService.defaults()
   */
  readonly interfaceEndpoints?: VpcEndpointService[];
  /**
   * Days to keep VPC flow logs (a CloudWatch Logs retention value).
   *
   * @default 365
   */
  readonly flowLogRetentionDays?: number;
  /**
   * Protect the flow-log group and its KMS key from `terraform destroy` (`prevent_destroy`).
   *
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Tags for every resource.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * A VPC for an EKS cluster: private node subnets across three zones, public subnets for load
 * balancers only, NAT per zone, discovery tags for EKS, the AWS Load Balancer Controller and
 * Karpenter, KMS-encrypted flow logs, an S3 gateway endpoint and interface endpoints so private nodes
 * pull images and weights without NAT, and a default security group with no rules.
 */
export class Network extends Construct implements INetwork {
  /** The VPC CIDR when none is given (`NetworkProps.cidr`). */
  public static readonly DEFAULT_CIDR = '10.0.0.0/16';

  /**
   * An existing VPC and subnets.
   */
  public static fromAttributes(attrs: NetworkAttributes): INetwork {
    checkProps('aws.NetworkAttributes', attrs, 'attrs');
    if (!Token.isUnresolved(attrs.vpcCidr) && !Ipv4Cidr.parse(attrs.vpcCidr)) {
      throw new ValidationError('vpcCidr', 'must be an IPv4 CIDR', attrs.vpcCidr, "pass the VPC's primary CIDR, e.g. '10.0.0.0/16'");
    }
    if (!Token.isUnresolved(attrs.privateSubnetIds) && (!Array.isArray(attrs.privateSubnetIds) || attrs.privateSubnetIds.length < 2)) {
      throw new ValidationError('privateSubnetIds', 'must list at least two subnets in different availability zones', attrs.privateSubnetIds,
        'pass the private subnets of at least two zones (an EKS requirement)');
    }
    return {
      vpcId: attrs.vpcId,
      vpcCidr: attrs.vpcCidr,
      privateSubnetIds: attrs.privateSubnetIds,
      publicSubnetIds: attrs.publicSubnetIds ?? [],
      availabilityZones: attrs.availabilityZones ?? [],
    };
  }

  public readonly vpcId: string;
  public readonly vpcCidr: string;
  public readonly privateSubnetIds: string[];
  public readonly publicSubnetIds: string[];
  public readonly availabilityZones: string[];
  /** The region. */
  public readonly region: string;
  /** The resource name base. */
  public readonly name: string;
  /** The private subnet CIDRs, per zone. */
  public readonly privateSubnetCidrs: string[];
  /** The public subnet CIDRs, per zone. */
  public readonly publicSubnetCidrs: string[];
  /** The NAT gateway mode. */
  public readonly natGateways: NatGateways;
  /** The interface endpoint services. */
  public readonly interfaceEndpoints: VpcEndpointService[];
  /** The flow-log group name. */
  public readonly flowLogGroupName: string;
  /** Flow-log retention in days. */
  public readonly flowLogRetentionDays: number;
  /** The security group of the interface endpoints (443 from the VPC). */
  public readonly endpointSecurityGroupId: string;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    checkProps('aws.NetworkProps', props, 'props', this);
    AwsNames.validate('eksCluster', 'clusterName', props.clusterName, this);
    this.name = props.name ?? props.clusterName;
    AwsNames.validate('eksCluster', 'name', this.name, this);
    this.region = AwsEnvironment.region(this, props.region);
    const env = AwsEnvironment.of(this);
    const preventDestroy = props.preventDestroy ?? true;
    this.natGateways = props.natGateways ?? NatGateways.PER_AZ;
    this.interfaceEndpoints = props.interfaceEndpoints ?? VpcEndpointService.defaults();
    this.flowLogRetentionDays = LogRetention.validate('flowLogRetentionDays', props.flowLogRetentionDays ?? 365, this);
    this.flowLogGroupName = `/aws/vpc/${this.name}/flow-logs`;

    const zones = props.availabilityZones ?? ['a', 'b', 'c'].map((z) => `${this.region}${z}`);
    const plan = planSubnets(this, props, zones);
    this.availabilityZones = zones;
    this.privateSubnetCidrs = plan.private.map((c) => c.toString());
    this.publicSubnetCidrs = plan.public.map((c) => c.toString());
    this.vpcCidr = plan.vpc.toString();

    const tags = (name: string, extra: { [key: string]: string } = {}) => ({ ...(escapeTags(props.tags) ?? {}), Name: name, ...extra });
    const stable = <T extends import('cdktf').TerraformElement>(el: T, type: string, ...suffix: string[]): T =>
      AwsNames.stable(el, type, [this.name, ...suffix], 'name');

    const vpc = stable(new Vpc(this, 'Resource', {
      cidrBlock: this.vpcCidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: tags(this.name),
    }), 'aws_vpc');
    this.vpcId = vpc.id;

    // CIS AWS Foundations 5.4: the default security group restricts all traffic.
    stable(new DefaultSecurityGroup(this, 'DefaultSecurityGroup', { vpcId: vpc.id, tags: tags(`${this.name}-default-deny`) }), 'aws_default_security_group');

    const clusterTag = `kubernetes.io/cluster/${props.clusterName}`;
    const igw = this.natGateways === NatGateways.NONE && this.publicSubnetCidrs.length === 0 ? undefined
      : stable(new InternetGateway(this, 'InternetGateway', { vpcId: vpc.id, tags: tags(this.name) }), 'aws_internet_gateway');

    const publicSubnets = zones.map((zone, i) => stable(new Subnet(this, `Public${i}`, {
      vpcId: vpc.id,
      availabilityZone: zone,
      cidrBlock: this.publicSubnetCidrs[i],
      mapPublicIpOnLaunch: false,
      tags: tags(`${this.name}-public-${zone}`, { [clusterTag]: 'shared', 'kubernetes.io/role/elb': '1' }),
    }), 'aws_subnet', 'public', zone));
    this.publicSubnetIds = publicSubnets.map((s) => s.id);

    const privateSubnets = zones.map((zone, i) => stable(new Subnet(this, `Private${i}`, {
      vpcId: vpc.id,
      availabilityZone: zone,
      cidrBlock: this.privateSubnetCidrs[i],
      mapPublicIpOnLaunch: false,
      tags: tags(`${this.name}-private-${zone}`, {
        [clusterTag]: 'shared',
        'kubernetes.io/role/internal-elb': '1',
        'karpenter.sh/discovery': props.clusterName,
      }),
    }), 'aws_subnet', 'private', zone));
    this.privateSubnetIds = privateSubnets.map((s) => s.id);

    if (igw) {
      const publicRt = stable(new RouteTable(this, 'PublicRouteTable', { vpcId: vpc.id, tags: tags(`${this.name}-public`) }), 'aws_route_table', 'public');
      stable(new Route(this, 'PublicDefaultRoute', { routeTableId: publicRt.id, destinationCidrBlock: '0.0.0.0/0', gatewayId: igw.id }), 'aws_route', 'public_default');
      publicSubnets.forEach((s, i) => stable(new RouteTableAssociation(this, `PublicRta${i}`, { subnetId: s.id, routeTableId: publicRt.id }), 'aws_route_table_association', 'public', zones[i]));
    }

    const natCount = this.natGateways === NatGateways.PER_AZ ? zones.length : this.natGateways === NatGateways.SINGLE ? 1 : 0;
    const nats = Array.from({ length: natCount }, (_, i) => {
      const eip = stable(new Eip(this, `NatEip${i}`, { domain: 'vpc', tags: tags(`${this.name}-nat-${zones[i]}`) }), 'aws_eip', 'nat', zones[i]);
      return stable(new NatGateway(this, `Nat${i}`, {
        allocationId: eip.allocationId,
        subnetId: publicSubnets[i].id,
        tags: tags(`${this.name}-${zones[i]}`),
        dependsOn: igw ? [igw] : undefined,
      }), 'aws_nat_gateway', zones[i]);
    });

    const privateRts = zones.map((zone, i) => {
      const rt = stable(new RouteTable(this, `PrivateRouteTable${i}`, { vpcId: vpc.id, tags: tags(`${this.name}-private-${zone}`) }), 'aws_route_table', 'private', zone);
      if (nats.length > 0) {
        stable(new Route(this, `PrivateDefaultRoute${i}`, {
          routeTableId: rt.id,
          destinationCidrBlock: '0.0.0.0/0',
          natGatewayId: nats[Math.min(i, nats.length - 1)].id,
        }), 'aws_route', 'private_default', zone);
      }
      stable(new RouteTableAssociation(this, `PrivateRta${i}`, { subnetId: privateSubnets[i].id, routeTableId: rt.id }), 'aws_route_table_association', 'private', zone);
      return rt;
    });

    // Endpoints: S3 gateway (image layers and model weights), interface endpoints for the AWS APIs.
    stable(new VpcEndpoint(this, 'S3Endpoint', {
      vpcId: vpc.id,
      serviceName: `com.amazonaws.${this.region}.s3`,
      vpcEndpointType: 'Gateway',
      routeTableIds: privateRts.map((rt) => rt.id),
      tags: tags(`${this.name}-s3`),
    }), 'aws_vpc_endpoint', 's3');

    const endpointSg = stable(new SecurityGroup(this, 'EndpointSecurityGroup', {
      name: `${this.name}-vpc-endpoints`,
      description: `HTTPS from ${this.name} to interface VPC endpoints`,
      vpcId: vpc.id,
      revokeRulesOnDelete: true,
      tags: tags(`${this.name}-vpc-endpoints`),
    }), 'aws_security_group', 'vpc_endpoints');
    this.endpointSecurityGroupId = endpointSg.id;
    stable(new VpcSecurityGroupIngressRule(this, 'EndpointIngress', {
      securityGroupId: endpointSg.id,
      description: 'HTTPS from inside the VPC',
      ipProtocol: 'tcp',
      fromPort: 443,
      toPort: 443,
      cidrIpv4: this.vpcCidr,
    }), 'aws_vpc_security_group_ingress_rule', 'vpc_endpoints_https');

    const seen = new Set<string>();
    for (const endpoint of this.interfaceEndpoints) {
      if (seen.has(endpoint.service)) continue;
      seen.add(endpoint.service);
      stable(new VpcEndpoint(this, `Endpoint-${endpoint.service}`, {
        vpcId: vpc.id,
        serviceName: `com.amazonaws.${this.region}.${endpoint.service}`,
        vpcEndpointType: 'Interface',
        privateDnsEnabled: true,
        subnetIds: this.privateSubnetIds,
        securityGroupIds: [endpointSg.id],
        tags: tags(`${this.name}-${endpoint.service}`),
      }), 'aws_vpc_endpoint', endpoint.service);
    }

    // Flow logs: every accepted and rejected flow, to a KMS-encrypted log group.
    const key = new ManagedKey(this, 'FlowLogKey', {
      name: `${this.name}-vpc-flow-logs`,
      description: `${this.name} VPC flow logs`,
      serviceStatements: [logsKeyStatement(env, this.region, this.flowLogGroupName)],
      preventDestroy,
      tags: escapeTags(props.tags),
    });
    const logGroup = stable(new CloudwatchLogGroup(this, 'FlowLogGroup', {
      name: this.flowLogGroupName,
      retentionInDays: this.flowLogRetentionDays,
      kmsKeyId: key.arn,
      tags: escapeTags(props.tags),
      lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
    }), 'aws_cloudwatch_log_group', 'vpc_flow_logs');
    const role = stable(new IamRole(this, 'FlowLogRole', {
      name: AwsNames.validate('iamRole', 'name', AwsNames.join([this.name, 'vpc-flow-logs'], 64), this),
      assumeRolePolicy: PolicyDocuments.trust(['vpc-flow-logs.amazonaws.com'], ['sts:AssumeRole'], {
        StringEquals: { 'aws:SourceAccount': env.accountId },
      }),
      tags: escapeTags(props.tags),
    }), 'aws_iam_role', 'vpc_flow_logs');
    const flowLogPolicy = stable(new IamRolePolicy(this, 'FlowLogPolicy', {
      name: 'write-flow-logs',
      role: role.id,
      policy: PolicyDocuments.json([{
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents', 'logs:DescribeLogStreams'],
        Resource: [logGroup.arn, `${logGroup.arn}:*`],
      }]),
    }), 'aws_iam_role_policy', 'vpc_flow_logs');
    stable(new FlowLog(this, 'FlowLog', {
      vpcId: vpc.id,
      trafficType: 'ALL',
      logDestinationType: 'cloud-watch-logs',
      logDestination: logGroup.arn,
      iamRoleArn: role.arn,
      maxAggregationInterval: 60,
      tags: escapeTags(props.tags),
      // The flow log service assumes the role at creation: wait for its policy, not only the role (issue 13 point 9).
      dependsOn: [flowLogPolicy],
    }), 'aws_flow_log');
  }
}

interface SubnetPlan {
  readonly vpc: Ipv4Cidr;
  readonly private: Ipv4Cidr[];
  readonly public: Ipv4Cidr[];
}

function planSubnets(scope: Construct, props: NetworkProps, zones: string[]): SubnetPlan {
  if (!Array.isArray(zones) || zones.length === 0) {
    throw new ValidationError('availabilityZones', 'must list at least one availability zone', zones,
      "list two or more zones, e.g. ['us-east-1a', 'us-east-1b', 'us-east-1c']", scope);
  }
  const problems = new ProblemCollector(scope);
  if (zones.length < 2) {
    problems.add('availabilityZones', 'must list at least two availability zones (EKS needs subnets in two)', zones, 'add a second zone');
  }
  if (new Set(zones).size !== zones.length) {
    problems.add('availabilityZones', 'must not repeat a zone', zones, 'list each zone once');
  }
  const cidrText = props.cidr ?? Network.DEFAULT_CIDR;
  const vpc = Ipv4Cidr.parse(cidrText);
  if (!vpc || !vpc.isAligned) {
    throw new ValidationError('cidr', 'must be an IPv4 network CIDR with no host bits set', cidrText, "use e.g. '10.0.0.0/16'", scope);
  }
  // AWS VPC sizes: /16 (largest) to /28; below /24 there is no room for node subnets.
  if (vpc.prefix < 16 || vpc.prefix > 24) {
    problems.add('cidr', 'must be between /16 and /24', cidrText, "use e.g. '10.0.0.0/16'");
  }
  const privatePrefix = props.privateSubnetPrefixLength ?? 19;
  const publicPrefix = props.publicSubnetPrefixLength ?? 24;
  if (!Number.isInteger(privatePrefix) || privatePrefix < 16 || privatePrefix > 24) {
    problems.add('privateSubnetPrefixLength', 'must be between 16 and 24 (node subnets need room for pod IPs)', privatePrefix, 'use 19 or another value from 16 to 24');
  }
  if (!Number.isInteger(publicPrefix) || publicPrefix < 16 || publicPrefix > 27) {
    problems.add('publicSubnetPrefixLength', 'must be between 16 and 27 (load balancers need 8 free addresses)', publicPrefix, 'use 24 or another value from 16 to 27');
  }
  problems.throwIfAny();

  const explicit = (prop: string, list: string[] | undefined, maxPrefix: number): Ipv4Cidr[] | undefined => {
    if (list === undefined) return undefined;
    if (list.length !== zones.length) {
      problems.add(prop, `must list one CIDR per availability zone (${zones.length})`, list, 'give exactly one CIDR per zone, in zone order');
      return undefined;
    }
    return list.map((text, i) => {
      const c = Ipv4Cidr.parse(text);
      if (!c || !c.isAligned) {
        problems.add(`${prop}[${i}]`, 'must be an IPv4 network CIDR with no host bits set', text, "use e.g. '10.0.0.0/19'");
      } else if (!vpc.contains(c)) {
        problems.add(`${prop}[${i}]`, `must lie inside the VPC CIDR ${vpc}`, text, 'pick a block inside the VPC CIDR');
      } else if (c.prefix > maxPrefix) {
        problems.add(`${prop}[${i}]`, `is too small: must be /${maxPrefix} or larger`, text, `use a prefix length of ${maxPrefix} or less`);
      }
      return c ?? vpc;
    });
  };
  let privates = explicit('privateSubnetCidrs', props.privateSubnetCidrs, 24);
  let publics = explicit('publicSubnetCidrs', props.publicSubnetCidrs, 27);
  problems.throwIfAny();
  if (!privates) {
    privates = vpc.allocate(privatePrefix, zones.length);
    if (!privates) {
      throw new ValidationError('privateSubnetPrefixLength', `leaves no room for ${zones.length} private /${privatePrefix} subnets in ${vpc}`, privatePrefix,
        'use a larger VPC CIDR, fewer zones or a longer prefix length', scope);
    }
  }
  if (!publics) {
    const after = Math.max(...privates.map((c) => c.end));
    publics = vpc.allocate(publicPrefix, zones.length, after) ?? undefined;
    if (!publics || publics.some((p) => privates!.some((q) => p.overlaps(q)))) {
      throw new ValidationError('publicSubnetPrefixLength', `leaves no room for ${zones.length} public /${publicPrefix} subnets in ${vpc} after the private subnets`, publicPrefix,
        'use a larger VPC CIDR, smaller private subnets or pass publicSubnetCidrs', scope);
    }
  }
  const all = [...privates.map((c, i) => ({ c, name: `privateSubnetCidrs[${i}]` })), ...publics.map((c, i) => ({ c, name: `publicSubnetCidrs[${i}]` }))];
  for (let i = 0; i < all.length; i++) {
    for (let j = i + 1; j < all.length; j++) {
      if (all[i].c.overlaps(all[j].c)) {
        problems.add(all[j].name, `overlaps ${all[i].name} (${all[i].c})`, all[j].c.toString(), 'give every subnet its own block');
      }
    }
  }
  problems.throwIfAny();
  return { vpc, private: privates, public: publics };
}
