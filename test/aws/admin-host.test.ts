import { TerraformStack, Testing } from 'cdktf';
import { AdminHost, AdminHostProps } from '../../src/aws/admin-host';
import { AccessLevel, EksCluster } from '../../src/aws/eks-cluster';
import { NatGateways, Network, NetworkProps, VpcEndpointService } from '../../src/aws/network';
import { CpuArchitecture } from '../../src/core/gpu-instance-type';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf, provider } from './fixtures';

const SSM_NETWORK: Partial<NetworkProps> = { interfaceEndpoints: [...VpcEndpointService.defaults(), ...VpcEndpointService.sessionManager()] };

function synthHost(props: Partial<AdminHostProps> = {}, networkProps: Partial<NetworkProps> = SSM_NETWORK,
  more: (cluster: EksCluster) => Partial<AdminHostProps> = () => ({})): { config: any; host: AdminHost } {
  let host!: AdminHost;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack, {}, networkProps);
    host = new AdminHost(stack, 'Admin', { cluster, ...props, ...more(cluster) });
  });
  return { config, host };
}

function build(props: Partial<AdminHostProps> = {}, networkProps: Partial<NetworkProps> = SSM_NETWORK): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const cluster = clusterFixture(stack, {}, networkProps);
    new AdminHost(stack, 'Admin', { cluster, ...props });
  };
}

describe('AdminHost defaults', () => {
  const { config, host } = synthHost();
  const instance = onlyResource(config, 'aws_instance');

  test('a t3.small in the first private subnet, no public address, no SSH key', () => {
    expect(host.name).toBe('acme-prod-admin');
    expect(host.instanceType).toBe('t3.small');
    expect(instance).toMatchObject({
      instance_type: 't3.small',
      subnet_id: '${aws_subnet.acme_prod_private_us_east_1a.id}',
      associate_public_ip_address: false,
      vpc_security_group_ids: ['${aws_security_group.acme_prod_admin.id}'],
      iam_instance_profile: '${aws_iam_instance_profile.acme_prod_admin.name}',
      tags: { Name: 'acme-prod-admin' },
    });
    expect(instance.key_name).toBeUndefined();
    expect(instance.user_data).toBeUndefined();
  });

  test('IMDSv2 required with hop limit 1', () => {
    expect(instance.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled' });
  });

  test('encrypted gp3 root volume, deleted with the host', () => {
    expect(instance.root_block_device).toEqual({ volume_type: 'gp3', volume_size: 20, encrypted: true, delete_on_termination: true });
  });

  test('Amazon Linux 2023 from its public SSM parameter; a newer AMI does not replace the host', () => {
    const ami = resourcesOf(config.data ? { resource: config.data } : {}, 'aws_ssm_parameter').acme_prod_admin_ami;
    expect(ami.name).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64');
    expect(instance.ami).toBe('${data.aws_ssm_parameter.acme_prod_admin_ami.insecure_value}');
    expect(instance.lifecycle).toEqual({ ignore_changes: ['ami'] });
    expect(AdminHost.amiParameter(CpuArchitecture.ARM64)).toBe('/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
  });

  test('role: trusted by EC2 in this account, SSM managed instance core, DescribeCluster on this cluster only', () => {
    const role = resourcesOf(config, 'aws_iam_role').acme_prod_admin;
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'ec2.amazonaws.com' },
      Action: ['sts:AssumeRole'],
      Condition: { StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.current.account_id}' } },
    }]);
    expect(resourcesOf(config, 'aws_iam_role_policy_attachment').acme_prod_admin_ssm_core).toEqual({
      role: '${aws_iam_role.acme_prod_admin.name}',
      policy_arn: 'arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonSSMManagedInstanceCore',
    });
    expect(JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_admin.policy).Statement)
      .toEqual([{ Effect: 'Allow', Action: ['eks:DescribeCluster'], Resource: ['${aws_eks_cluster.acme_prod.arn}'] }]);
    expect(instance.depends_on).toEqual(['aws_iam_role_policy_attachment.acme_prod_admin_ssm_core']);
    expect(onlyResource(config, 'aws_iam_instance_profile')).toMatchObject({ name: 'acme-prod-admin', role: '${aws_iam_role.acme_prod_admin.name}' });
  });

  test('security group: no inbound rule; HTTPS out to the VPC and to S3 only', () => {
    const sg = resourcesOf(config, 'aws_security_group').acme_prod_admin;
    expect(sg.ingress).toBeUndefined();
    expect(sg.egress).toBeUndefined();
    const ingress = Object.values<any>(resourcesOf(config, 'aws_vpc_security_group_ingress_rule'));
    expect(ingress.filter((r) => r.security_group_id === '${aws_security_group.acme_prod_admin.id}')).toEqual([]);
    const egress = Object.values<any>(resourcesOf(config, 'aws_vpc_security_group_egress_rule')).filter((r) => r.security_group_id === '${aws_security_group.acme_prod_admin.id}');
    expect(egress.map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4 ?? r.prefix_list_id]).sort()).toEqual([
      ['tcp', 443, 443, '${data.aws_prefix_list.acme_prod_admin_s3.id}'],
      ['tcp', 443, 443, '10.0.0.0/16'],
    ]);
    expect(config.data.aws_prefix_list.acme_prod_admin_s3.name).toBe('com.amazonaws.us-east-1.s3');
  });

  test('the cluster security group admits the host on 443', () => {
    expect(resourcesOf(config, 'aws_vpc_security_group_ingress_rule').acme_prod_admin_cluster_api).toMatchObject({
      security_group_id: '${aws_eks_cluster.acme_prod.vpc_config[0].cluster_security_group_id}',
      referenced_security_group_id: '${aws_security_group.acme_prod_admin.id}',
      ip_protocol: 'tcp',
      from_port: 443,
      to_port: 443,
    });
  });

  test('no EKS access entry unless asked', () => {
    expect(resourcesOf(config, 'aws_eks_access_entry')).toEqual({});
  });
});

describe('AdminHost options', () => {
  test('cluster access for the host role, internet egress, a Graviton type, another subnet, KMS key, tags', () => {
    const { config, host } = synthHost({
      name: 'ops',
      instanceType: 't4g.medium',
      rootVolumeSizeGiB: 40,
      rootVolumeKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      clusterAccess: AccessLevel.CLUSTER_ADMIN,
      internetEgress: true,
      tags: { team: 'platform' },
    }, SSM_NETWORK, (cluster) => ({ subnetId: cluster.network.privateSubnetIds[1] }));
    expect(host.roleName).toBe('ops');
    const instance = onlyResource(config, 'aws_instance');
    expect(instance.subnet_id).toBe('${aws_subnet.acme_prod_private_us_east_1b.id}');
    expect(instance.root_block_device).toMatchObject({ volume_size: 40, kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
    expect(instance.tags).toEqual({ team: 'platform', Name: 'ops' });
    expect(config.data.aws_ssm_parameter.ops_ami.name).toMatch(/-arm64$/);
    expect(resourcesOf(config, 'aws_eks_access_entry').acme_prod_admin_host).toMatchObject({ principal_arn: '${aws_iam_role.ops.arn}', type: 'STANDARD' });
    expect(resourcesOf(config, 'aws_eks_access_policy_association').acme_prod_admin_host).toMatchObject({
      policy_arn: 'arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      access_scope: { type: 'cluster' },
    });
    expect(resourcesOf(config, 'aws_vpc_security_group_egress_rule').ops_internet_https).toMatchObject({ cidr_ipv4: '0.0.0.0/0', from_port: 443, to_port: 443 });
  });

  test('internetEgress with NAT needs no Session Manager endpoints', () => {
    const { config } = synthHost({ internetEgress: true }, {});
    expect(resourcesOf(config, 'aws_vpc_endpoint').acme_prod_ssmmessages).toBeUndefined();
    expect(onlyResource(config, 'aws_instance')).toBeDefined();
  });

  test('an imported network is not checked for endpoints', () => {
    const config = synthStack((stack) => {
      provider(stack);
      const network = Network.fromAttributes({ vpcId: 'vpc-1', vpcCidr: '10.1.0.0/16', privateSubnetIds: ['subnet-a', 'subnet-b'] });
      const cluster = new EksCluster(stack, 'Cluster', { clusterName: 'acme-prod', network });
      new AdminHost(stack, 'Admin', { cluster });
    });
    expect(onlyResource(config, 'aws_instance').subnet_id).toBe('subnet-a');
  });
});

describe('AdminHost errors', () => {
  test('a Network without the Session Manager endpoints', () => {
    expect(errorOf(build({}, {}))).toMatch(
      /'cluster' has a network without the interface endpoints Session Manager needs \(ssm, ssmmessages, ec2messages\), got \["ssm","ssmmessages","ec2messages"\]; add VpcEndpointService.sessionManager\(\) to the network's interfaceEndpoints, or set internetEgress/);
    expect(errorOf(build({}, { natGateways: NatGateways.NONE, interfaceEndpoints: [...VpcEndpointService.defaults(), VpcEndpointService.SSM] })))
      .toMatch(/needs \(ssmmessages, ec2messages\).*\(it has no NAT\)/);
  });
  test('internet egress on a network without NAT', () => {
    expect(errorOf(build({ internetEgress: true }, { natGateways: NatGateways.NONE }))).toMatch(/'internetEgress' needs NAT gateways, but the network has none, got true/);
  });
  test('a subnet that is not a private subnet of the network', () => {
    expect(errorOf(build({ subnetId: 'subnet-public' }))).toMatch(/'subnetId' must be one of the network's private subnets, got 'subnet-public'/);
  });
  test('bad name, instance type and volume size', () => {
    expect(errorOf(build({ name: 'admin host' }))).toMatch(/'name' must be 1 to 52 letters/);
    expect(errorOf(build({ instanceType: 'small' }))).toMatch(/'instanceType' must be EC2 instance types of the form '<family>.<size>', got 'small'/);
    expect(errorOf(build({ rootVolumeSizeGiB: 4 }))).toMatch(/'rootVolumeSizeGiB' must be an integer from 8 \(the AMI snapshot\) to 16384, got 4/);
  });
});
