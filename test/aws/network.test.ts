import { TerraformStack, Testing } from 'cdktf';
import { Network, NatGateways, VpcEndpointService } from '../../src/aws/network';
import { resourcesOf, onlyResource, synthStack } from '../util';
import { errorOf, provider } from './fixtures';

function synthNetwork(props: Partial<ConstructorParameters<typeof Network>[2]> = {}): any {
  return synthStack((stack) => {
    provider(stack);
    new Network(stack, 'Network', { clusterName: 'acme-prod', ...props });
  });
}

function build(props: Partial<ConstructorParameters<typeof Network>[2]> = {}): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    new Network(stack, 'Network', { clusterName: 'acme-prod', ...props });
  };
}

describe('Network defaults', () => {
  const config = synthNetwork();

  test('a VPC with DNS on and the default CIDR', () => {
    const vpc = onlyResource(config, 'aws_vpc');
    expect(vpc).toMatchObject({ cidr_block: '10.0.0.0/16', enable_dns_hostnames: true, enable_dns_support: true });
    expect(vpc.tags.Name).toBe('acme-prod');
  });

  test('three zones with /19 private and /24 public subnets, no public IPs on launch', () => {
    const subnets = resourcesOf(config, 'aws_subnet');
    expect(Object.keys(subnets).sort()).toEqual([
      'acme_prod_private_us_east_1a', 'acme_prod_private_us_east_1b', 'acme_prod_private_us_east_1c',
      'acme_prod_public_us_east_1a', 'acme_prod_public_us_east_1b', 'acme_prod_public_us_east_1c',
    ]);
    expect(subnets.acme_prod_private_us_east_1a.cidr_block).toBe('10.0.0.0/19');
    expect(subnets.acme_prod_private_us_east_1c.cidr_block).toBe('10.0.64.0/19');
    expect(subnets.acme_prod_public_us_east_1a.cidr_block).toBe('10.0.96.0/24');
    for (const s of Object.values<any>(subnets)) expect(s.map_public_ip_on_launch).toBe(false);
  });

  test('discovery tags: ELB roles, cluster ownership, Karpenter on private subnets only', () => {
    const subnets = resourcesOf(config, 'aws_subnet');
    expect(subnets.acme_prod_private_us_east_1b.tags).toMatchObject({
      'kubernetes.io/cluster/acme-prod': 'shared', 'kubernetes.io/role/internal-elb': '1', 'karpenter.sh/discovery': 'acme-prod',
    });
    expect(subnets.acme_prod_public_us_east_1b.tags).toMatchObject({ 'kubernetes.io/cluster/acme-prod': 'shared', 'kubernetes.io/role/elb': '1' });
    expect(subnets.acme_prod_public_us_east_1b.tags['karpenter.sh/discovery']).toBeUndefined();
  });

  test('one NAT gateway per zone, each private route table through its own zone', () => {
    expect(Object.keys(resourcesOf(config, 'aws_nat_gateway'))).toHaveLength(3);
    const routes = resourcesOf(config, 'aws_route');
    expect(routes.acme_prod_private_default_us_east_1b.nat_gateway_id).toBe('${aws_nat_gateway.acme_prod_us_east_1b.id}');
    expect(routes.acme_prod_public_default.gateway_id).toBe('${aws_internet_gateway.acme_prod.id}');
  });

  test('S3 gateway endpoint on every private route table and the default interface endpoints', () => {
    const endpoints = resourcesOf(config, 'aws_vpc_endpoint');
    expect(endpoints.acme_prod_s3).toMatchObject({ vpc_endpoint_type: 'Gateway', service_name: 'com.amazonaws.us-east-1.s3' });
    expect(endpoints.acme_prod_s3.route_table_ids).toHaveLength(3);
    const services = Object.values<any>(endpoints).filter((e) => e.vpc_endpoint_type === 'Interface').map((e) => e.service_name).sort();
    expect(services).toEqual(['ecr.api', 'ecr.dkr', 'eks', 'eks-auth', 'logs', 'sts'].map((s) => `com.amazonaws.us-east-1.${s}`));
    expect(endpoints.acme_prod_ecr_dkr.private_dns_enabled).toBe(true);
    const ingress = onlyResource(config, 'aws_vpc_security_group_ingress_rule');
    expect(ingress).toMatchObject({ from_port: 443, to_port: 443, ip_protocol: 'tcp', cidr_ipv4: '10.0.0.0/16' });
  });

  test('flow logs of all traffic to a KMS-encrypted, retained, protected log group', () => {
    expect(onlyResource(config, 'aws_flow_log')).toMatchObject({ traffic_type: 'ALL', log_destination_type: 'cloud-watch-logs' });
    // waits for the role's policy (issue 13 point 9), not only the role
    expect(onlyResource(config, 'aws_flow_log').depends_on).toEqual(['aws_iam_role_policy.acme_prod_vpc_flow_logs']);
    const group = onlyResource(config, 'aws_cloudwatch_log_group');
    expect(group).toMatchObject({ name: '/aws/vpc/acme-prod/flow-logs', retention_in_days: 365, lifecycle: { prevent_destroy: true } });
    expect(group.kms_key_id).toBe('${aws_kms_key.acme_prod_vpc_flow_logs.arn}');
    const key = onlyResource(config, 'aws_kms_key');
    expect(key).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    expect(key.policy).toContain('logs.us-east-1.amazonaws.com');
    const policy = JSON.parse(onlyResource(config, 'aws_iam_role_policy').policy);
    expect(policy.Statement[0].Resource).toEqual(['${aws_cloudwatch_log_group.acme_prod_vpc_flow_logs.arn}', '${aws_cloudwatch_log_group.acme_prod_vpc_flow_logs.arn}:*']);
  });

  test('the default security group has no rules', () => {
    const sg = onlyResource(config, 'aws_default_security_group');
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
  });
});

describe('Network options', () => {
  test('a single NAT gateway serves every zone', () => {
    const config = synthNetwork({ natGateways: NatGateways.SINGLE });
    expect(Object.keys(resourcesOf(config, 'aws_nat_gateway'))).toEqual(['acme_prod_us_east_1a']);
    const routes = resourcesOf(config, 'aws_route');
    expect(routes.acme_prod_private_default_us_east_1c.nat_gateway_id).toBe('${aws_nat_gateway.acme_prod_us_east_1a.id}');
  });

  test('no NAT: no default route from private subnets', () => {
    const config = synthNetwork({ natGateways: NatGateways.NONE });
    expect(resourcesOf(config, 'aws_nat_gateway')).toEqual({});
    expect(Object.keys(resourcesOf(config, 'aws_route'))).toEqual(['acme_prod_public_default']);
  });

  test('extra interface endpoints, explicit zones and CIDRs', () => {
    const config = synthNetwork({
      cidr: '10.20.0.0/16',
      availabilityZones: ['us-east-1a', 'us-east-1d'],
      privateSubnetCidrs: ['10.20.0.0/18', '10.20.64.0/18'],
      publicSubnetCidrs: ['10.20.128.0/26', '10.20.128.64/26'],
      interfaceEndpoints: [...VpcEndpointService.defaults(), VpcEndpointService.EC2, VpcEndpointService.of('kms')],
      flowLogRetentionDays: 90,
      preventDestroy: false,
    });
    const subnets = resourcesOf(config, 'aws_subnet');
    expect(subnets.acme_prod_private_us_east_1d.cidr_block).toBe('10.20.64.0/18');
    expect(subnets.acme_prod_public_us_east_1d.cidr_block).toBe('10.20.128.64/26');
    expect(resourcesOf(config, 'aws_vpc_endpoint').acme_prod_kms.service_name).toBe('com.amazonaws.us-east-1.kms');
    expect(resourcesOf(config, 'aws_vpc_endpoint').acme_prod_ec2).toBeDefined();
    const group = onlyResource(config, 'aws_cloudwatch_log_group');
    expect(group.retention_in_days).toBe(90);
    expect(group.lifecycle).toBeUndefined();
  });

  test('Session Manager endpoints (ssm, ssmmessages, ec2messages) for an admin host without NAT', () => {
    expect(VpcEndpointService.sessionManager().map((e) => e.service)).toEqual(['ssm', 'ssmmessages', 'ec2messages']);
    expect(VpcEndpointService.defaults().map((e) => e.service)).not.toContain('ssmmessages');
    const config = synthNetwork({
      natGateways: NatGateways.NONE,
      interfaceEndpoints: [...VpcEndpointService.defaults(), ...VpcEndpointService.sessionManager(), VpcEndpointService.SSM],
    });
    const endpoints = resourcesOf(config, 'aws_vpc_endpoint');
    for (const service of ['ssm', 'ssmmessages', 'ec2messages']) {
      expect(endpoints[`acme_prod_${service}`]).toMatchObject({
        service_name: `com.amazonaws.us-east-1.${service}`,
        vpc_endpoint_type: 'Interface',
        private_dns_enabled: true,
        security_group_ids: ['${aws_security_group.acme_prod_vpc_endpoints.id}'],
      });
    }
    expect(Object.keys(endpoints).filter((k) => k === 'acme_prod_ssm')).toHaveLength(1);
  });

  test('renaming the construct id keeps every Terraform address', () => {
    const addresses = (id: string) => {
      const app = Testing.app();
      const stack = new TerraformStack(app, 'test');
      provider(stack);
      new Network(stack, id, { clusterName: 'acme-prod' });
      const config = JSON.parse(Testing.synth(stack));
      return Object.entries<any>(config.resource).flatMap(([type, r]) => Object.keys(r).map((n) => `${type}.${n}`)).sort();
    };
    expect(addresses('Renamed')).toEqual(addresses('Network'));
  });

  test('fromAttributes imports an existing VPC', () => {
    const net = Network.fromAttributes({ vpcId: 'vpc-1', vpcCidr: '10.1.0.0/16', privateSubnetIds: ['subnet-a', 'subnet-b'] });
    expect(net).toEqual({ vpcId: 'vpc-1', vpcCidr: '10.1.0.0/16', privateSubnetIds: ['subnet-a', 'subnet-b'], publicSubnetIds: [], availabilityZones: [] });
  });
});

describe('Network errors', () => {
  test('empty AZ list', () => {
    expect(errorOf(build({ availabilityZones: [] }))).toMatch(/'availabilityZones' must list at least one availability zone, got \[\]; list two or more zones/);
  });
  test('one zone', () => {
    expect(errorOf(build({ availabilityZones: ['us-east-1a'] }))).toMatch(/'availabilityZones' must list at least two availability zones.*got \["us-east-1a"\]; add a second zone/);
  });
  test('malformed VPC CIDR', () => {
    expect(errorOf(build({ cidr: '10.0.0.1/16' }))).toMatch(/'cidr' must be an IPv4 network CIDR with no host bits set, got '10.0.0.1\/16'; use e.g./);
  });
  test('VPC CIDR too large or too small', () => {
    expect(errorOf(build({ cidr: '10.0.0.0/8' }))).toMatch(/'cidr' must be between \/16 and \/24, got '10.0.0.0\/8'/);
  });
  test('subnets that do not fit', () => {
    expect(errorOf(build({ cidr: '10.0.0.0/20' }))).toMatch(/'privateSubnetPrefixLength' leaves no room for 3 private \/19 subnets in 10.0.0.0\/20, got 19; use a larger VPC CIDR/);
  });
  test('too-small private subnets', () => {
    expect(errorOf(build({ privateSubnetPrefixLength: 26 }))).toMatch(/'privateSubnetPrefixLength' must be between 16 and 24.*got 26/);
    expect(errorOf(build({ privateSubnetCidrs: ['10.0.0.0/25', '10.0.1.0/24', '10.0.2.0/24'] }))).toMatch(/'privateSubnetCidrs\[0\]' is too small: must be \/24 or larger, got '10.0.0.0\/25'/);
  });
  test('overlapping subnets', () => {
    expect(errorOf(build({ privateSubnetCidrs: ['10.0.0.0/19', '10.0.16.0/20', '10.0.64.0/19'] })))
      .toMatch(/'privateSubnetCidrs\[1\]' overlaps privateSubnetCidrs\[0\] \(10.0.0.0\/19\), got '10.0.16.0\/20'; give every subnet its own block/);
  });
  test('subnet outside the VPC', () => {
    expect(errorOf(build({ publicSubnetCidrs: ['10.1.0.0/24', '10.0.200.0/24', '10.0.201.0/24'] }))).toMatch(/'publicSubnetCidrs\[0\]' must lie inside the VPC CIDR 10.0.0.0\/16/);
  });
  test('wrong number of subnet CIDRs', () => {
    expect(errorOf(build({ publicSubnetCidrs: ['10.0.200.0/24'] }))).toMatch(/'publicSubnetCidrs' must list one CIDR per availability zone \(3\)/);
  });
  test('cluster name violating EKS naming rules', () => {
    expect(errorOf(build({ clusterName: '-bad name' }))).toMatch(/'clusterName' must be an EKS cluster name, got '-bad name'; use letters, digits/);
  });
  test('invalid flow-log retention', () => {
    expect(errorOf(build({ flowLogRetentionDays: 100 }))).toMatch(/'flowLogRetentionDays' must be a CloudWatch Logs retention value, got 100; use one of .* \(nearest: 90\)/);
  });
  test('no region anywhere', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      new Network(stack, 'Network', { clusterName: 'acme-prod' });
    })).toMatch(/'region' cannot be determined/);
  });
  test('malformed region', () => {
    expect(errorOf(build({ region: 'useast1' }))).toMatch(/'region' must be an AWS region code, got 'useast1'/);
  });
  test('fromAttributes with one subnet or a bad CIDR', () => {
    expect(errorOf(() => Network.fromAttributes({ vpcId: 'vpc-1', vpcCidr: '10.1.0.0/16', privateSubnetIds: ['subnet-a'] })))
      .toMatch(/'privateSubnetIds' must list at least two subnets/);
    expect(errorOf(() => Network.fromAttributes({ vpcId: 'vpc-1', vpcCidr: 'ten', privateSubnetIds: ['a', 'b'] }))).toMatch(/'vpcCidr' must be an IPv4 CIDR/);
  });
  test('malformed endpoint service', () => {
    expect(errorOf(() => VpcEndpointService.of('Bad Service'))).toMatch(/'service' must be a VPC endpoint service suffix/);
  });
});
