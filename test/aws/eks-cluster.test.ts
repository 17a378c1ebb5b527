import { TerraformStack, Testing } from 'cdktf';
import { AccessEntryType, AccessLevel, ClusterLogType, EksCluster, EksClusterProps, EndpointAccess, UpgradeSupportType } from '../../src/aws/eks-cluster';
import { Network } from '../../src/aws/network';
import { KubernetesVersion } from '../../src/core';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf, provider } from './fixtures';

const ADMIN = 'arn:aws:iam::123456789012:role/platform-admins';

function synthCluster(props: Partial<EksClusterProps> = {}, after?: (c: EksCluster) => void): any {
  return synthStack((stack) => {
    const cluster = clusterFixture(stack, props);
    after?.(cluster);
  });
}

function build(props: Partial<EksClusterProps> = {}, after?: (c: EksCluster) => void): () => void {
  return () => {
    const cluster = clusterFixture(new TerraformStack(Testing.app(), 'test'), props);
    after?.(cluster);
  };
}

describe('EksCluster defaults', () => {
  let cluster!: EksCluster;
  const config = synthStack((stack) => {
    cluster = clusterFixture(stack);
  });
  const eks = onlyResource(config, 'aws_eks_cluster');

  test('version 1.34, stable name and Terraform address', () => {
    expect(resourcesOf(config, 'aws_eks_cluster').acme_prod).toBeDefined();
    expect(eks).toMatchObject({ name: 'acme-prod', version: '1.34' });
    expect(cluster.version).toBe(KubernetesVersion.DEFAULT);
    expect(cluster.clusterName).toBe('acme-prod');
    expect(cluster.region).toBe('us-east-1');
  });

  test('private endpoint only', () => {
    expect(eks.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(eks.vpc_config.public_access_cidrs).toBeUndefined();
    expect(eks.vpc_config.subnet_ids).toHaveLength(3);
  });

  test('Secrets envelope encryption with a rotating, protected key', () => {
    expect(eks.encryption_config).toEqual({ resources: ['secrets'], provider: { key_arn: '${aws_kms_key.acme_prod_eks_secrets.arn}' } });
    expect(resourcesOf(config, 'aws_kms_key').acme_prod_eks_secrets).toMatchObject({
      enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true },
    });
    // administration (account root) is separate from use: the cluster role is the key's only direct user
    const statements = JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_eks_secrets.policy).Statement;
    const users = statements.filter((st: any) => (Array.isArray(st.Action) ? st.Action : [st.Action]).includes('kms:Decrypt'));
    expect(users).toHaveLength(1);
    expect(users[0].Principal).toEqual({ AWS: '${aws_iam_role.acme_prod_cluster.arn}' });
    expect(statements.filter((st: any) => JSON.stringify(st.Principal).includes(':root')).flatMap((st: any) => st.Action)).not.toContain('kms:Decrypt');
  });

  test('all control-plane logs to a KMS-encrypted log group kept 365 days, created before the cluster', () => {
    expect(eks.enabled_cluster_log_types).toEqual(['api', 'audit', 'authenticator', 'controllerManager', 'scheduler']);
    const group = resourcesOf(config, 'aws_cloudwatch_log_group').acme_prod_control_plane;
    expect(group).toMatchObject({ name: '/aws/eks/acme-prod/cluster', retention_in_days: 365, kms_key_id: '${aws_kms_key.acme_prod_eks_logs.arn}', lifecycle: { prevent_destroy: true } });
    expect(eks.depends_on).toContain('aws_cloudwatch_log_group.acme_prod_control_plane');
    expect(resourcesOf(config, 'aws_kms_key').acme_prod_eks_logs.policy).toContain('log-group:/aws/eks/acme-prod/cluster');
  });

  test('API authentication mode, no creator admin, standard upgrade policy, deletion protection, prevent_destroy', () => {
    expect(eks.access_config).toEqual({ authentication_mode: 'API', bootstrap_cluster_creator_admin_permissions: false });
    expect(eks.upgrade_policy).toEqual({ support_type: 'STANDARD' });
    expect(eks.deletion_protection).toBe(true);
    expect(eks.lifecycle).toEqual({ prevent_destroy: true });
    expect(eks.bootstrap_self_managed_addons).toBe(false);
    expect(eks.kubernetes_network_config).toEqual({ ip_family: 'ipv4', service_ipv4_cidr: '172.20.0.0/16' });
    expect(resourcesOf(config, 'aws_eks_access_entry')).toEqual({});
  });

  test('cluster role trusted by EKS with the cluster policy only', () => {
    const role = resourcesOf(config, 'aws_iam_role').acme_prod_cluster;
    expect(role.name).toBe('acme-prod-cluster');
    expect(JSON.parse(role.assume_role_policy).Statement[0]).toMatchObject({ Principal: { Service: 'eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] });
    expect(resourcesOf(config, 'aws_iam_role_policy_attachment').acme_prod_cluster.policy_arn).toBe('arn:${data.aws_partition.current.partition}:iam::aws:policy/AmazonEKSClusterPolicy');
  });

  test('control-plane security group: HTTPS in from the VPC, only the VPC out', () => {
    const ingress = resourcesOf(config, 'aws_vpc_security_group_ingress_rule').acme_prod_control_plane_api;
    expect(ingress).toMatchObject({ ip_protocol: 'tcp', from_port: 443, to_port: 443, cidr_ipv4: '10.0.0.0/16' });
    const egress = resourcesOf(config, 'aws_vpc_security_group_egress_rule');
    expect(Object.values<any>(egress).map((r) => [r.from_port, r.to_port, r.cidr_ipv4])).toEqual([[443, 443, '10.0.0.0/16'], [1025, 65535, '10.0.0.0/16']]);
    expect(eks.vpc_config.security_group_ids).toEqual(['${aws_security_group.acme_prod_control_plane.id}']);
  });
});

describe('EksCluster options', () => {
  test('public endpoint with an allow-list', () => {
    const eks = onlyResource(synthCluster({ endpointAccess: EndpointAccess.publicAndPrivate(['203.0.113.0/24', '198.51.100.0/24']) }), 'aws_eks_cluster');
    expect(eks.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: true, public_access_cidrs: ['198.51.100.0/24', '203.0.113.0/24'] });
  });

  test('typed admin and viewer access entries', () => {
    const config = synthCluster({ access: [{ name: 'admins', principalArn: ADMIN, level: AccessLevel.CLUSTER_ADMIN }] }, (c) => {
      c.addViewer('auditors', 'arn:aws:iam::123456789012:role/auditors', ['search', 'chat']);
      c.grantAccess('ci', { principalArn: 'arn:aws:iam::123456789012:role/ci', kubernetesGroups: ['deployers'] });
    });
    const entries = resourcesOf(config, 'aws_eks_access_entry');
    expect(Object.keys(entries).sort()).toEqual(['acme_prod_admins', 'acme_prod_auditors', 'acme_prod_ci']);
    expect(entries.acme_prod_admins).toMatchObject({ cluster_name: '${aws_eks_cluster.acme_prod.name}', principal_arn: ADMIN, type: 'STANDARD' });
    expect(entries.acme_prod_ci.kubernetes_groups).toEqual(['deployers']);
    const policies = resourcesOf(config, 'aws_eks_access_policy_association');
    expect(policies.acme_prod_admins).toMatchObject({
      policy_arn: 'arn:${data.aws_partition.current.partition}:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy',
      access_scope: { type: 'cluster' },
    });
    expect(policies.acme_prod_auditors.access_scope).toEqual({ type: 'namespace', namespaces: ['chat', 'search'] });
    expect(policies.acme_prod_ci).toBeUndefined();
  });

  test('other version, log types, retention, upgrade policy, opt-outs', () => {
    const config = synthCluster({
      version: KubernetesVersion.V1_33,
      logTypes: [ClusterLogType.API, ClusterLogType.AUDIT, ClusterLogType.AUTHENTICATOR],
      logRetentionDays: 731,
      upgradeSupportType: UpgradeSupportType.EXTENDED,
      deletionProtection: false,
      preventDestroy: false,
      serviceIpv4Cidr: '172.16.0.0/16',
    });
    const eks = onlyResource(config, 'aws_eks_cluster');
    expect(eks).toMatchObject({ version: '1.33', enabled_cluster_log_types: ['api', 'audit', 'authenticator'], deletion_protection: false, upgrade_policy: { support_type: 'EXTENDED' } });
    expect(eks.lifecycle).toBeUndefined();
    expect(resourcesOf(config, 'aws_cloudwatch_log_group').acme_prod_control_plane.retention_in_days).toBe(731);
    expect(resourcesOf(config, 'aws_kms_key').acme_prod_eks_secrets.lifecycle).toBeUndefined();
  });

  test('FIPS with a FIPS provider', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    expect(clusterFixture(stack, { fips: true }).fips).toBe(true);
  });

  test('an imported network', () => {
    const config = synthStack((stack) => {
      provider(stack);
      const network = Network.fromAttributes({ vpcId: 'vpc-0abc', vpcCidr: '10.8.0.0/16', privateSubnetIds: ['subnet-a', 'subnet-b'] });
      new EksCluster(stack, 'Cluster', { clusterName: 'imported', network });
    });
    const eks = onlyResource(config, 'aws_eks_cluster');
    expect(eks.vpc_config.subnet_ids).toEqual(['subnet-a', 'subnet-b']);
    expect(onlyResource(config, 'aws_security_group').vpc_id).toBe('vpc-0abc');
  });
});

describe('EksCluster errors', () => {
  test('public endpoint with no CIDR list', () => {
    expect(errorOf(() => EndpointAccess.publicAndPrivate([])))
      .toMatch(/'endpointAccess' must list the CIDRs allowed to reach the public endpoint, got \[\]; pass e.g. EndpointAccess.publicAndPrivate/);
  });
  test('public endpoint open to the internet or malformed', () => {
    expect(errorOf(() => EndpointAccess.publicAndPrivate(['0.0.0.0/0']))).toMatch(/'endpointAccess' must not open the public endpoint to the whole internet, got '0.0.0.0\/0'/);
    expect(errorOf(() => EndpointAccess.publicAndPrivate(['office']))).toMatch(/'endpointAccess' must list IPv4 network CIDRs, got 'office'/);
  });
  test('missing required log types', () => {
    expect(errorOf(build({ logTypes: [ClusterLogType.API] }))).toMatch(/'logTypes' must include 'audit', got \["api"\]; add ClusterLogType.AUDIT/);
  });
  test('service CIDR overlapping the VPC', () => {
    expect(errorOf(build({ serviceIpv4Cidr: '10.0.128.0/20' }))).toMatch(/'serviceIpv4Cidr' overlaps the VPC CIDR 10.0.0.0\/16, got '10.0.128.0\/20'; pick a service CIDR outside the VPC/);
  });
  test('service CIDR malformed or badly sized', () => {
    expect(errorOf(build({ serviceIpv4Cidr: 'x' }))).toMatch(/'serviceIpv4Cidr' must be an IPv4 network CIDR, got 'x'/);
    expect(errorOf(build({ serviceIpv4Cidr: '172.20.0.0/26' }))).toMatch(/'serviceIpv4Cidr' must be between \/12 and \/24/);
  });
  test('FIPS without FIPS endpoints on the provider', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      provider(stack);
      new EksCluster(stack, 'Cluster', { clusterName: 'x', network: Network.fromAttributes({ vpcId: 'v', vpcCidr: '10.0.0.0/16', privateSubnetIds: ['a', 'b'] }), fips: true });
    })).toMatch(/'fips' requires the stack's AwsProvider to use FIPS endpoints, got true; set useFipsEndpoint: true/);
  });
  test('cluster name violating EKS naming rules', () => {
    expect(errorOf(build({ clusterName: 'acme prod' }))).toMatch(/'clusterName' must be an EKS cluster name, got 'acme prod'/);
  });
  test('bad log retention', () => {
    expect(errorOf(build({ logRetentionDays: 400.5 }))).toMatch(/'logRetentionDays' must be a CloudWatch Logs retention value/);
  });
  test('bad access grants', () => {
    expect(errorOf(build({}, (c) => c.addAdmin('admins', 'arn:aws:sts::123456789012:assumed-role/admins/me'))))
      .toMatch(/'principalArn' must be an IAM role or user ARN, got 'arn:aws:sts::123456789012:assumed-role\/admins\/me'/);
    expect(errorOf(build({}, (c) => { c.addAdmin('admins', ADMIN); c.addAdmin('admins', ADMIN); }))).toMatch(/'id' is already used by another access grant/);
    expect(errorOf(build({}, (c) => c.grantAccess('nodes', { principalArn: ADMIN, type: AccessEntryType.EC2_LINUX, level: AccessLevel.ADMIN }))))
      .toMatch(/'level' cannot be set on an EC2_LINUX access entry/);
    expect(errorOf(build({}, (c) => c.addViewer('Bad_Name', ADMIN)))).toMatch(/'id' must be a DNS-1123 label/);
  });
  test('network with one private subnet', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      provider(stack);
      new EksCluster(stack, 'Cluster', { clusterName: 'x', network: { vpcId: 'v', vpcCidr: '10.0.0.0/16', privateSubnetIds: ['a'], publicSubnetIds: [], availabilityZones: [] } });
    })).toMatch(/'network' must have private subnets in at least two availability zones, got 1/);
  });
  test('two clusters with the same name in one stack', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      const c = clusterFixture(stack);
      new EksCluster(stack, 'Again', { clusterName: 'acme-prod', network: c.network });
    })).toMatch(/'name' gives a name already used by test\/Cluster/);
  });
});
