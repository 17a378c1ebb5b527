import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { EksCluster } from '../../src/aws/eks-cluster';
import { Network } from '../../src/aws/network';
import { CapacityType, NodeAmiType, NodePool, NodePoolProps } from '../../src/aws/node-pool';
import { NodeVolumeKey } from '../../src/aws/node-volume-key';
import { CpuArchitecture, TaintEffect } from '../../src/core';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { ACCOUNT, clusterFixture, errorOf, REGION } from './fixtures';

function synthPool(props: Partial<NodePoolProps> = {}, fips = false): { config: any; pool: NodePool } {
  let pool!: NodePool;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack, { fips });
    pool = new NodePool(stack, 'System', { cluster, ...props });
  });
  return { config, pool };
}

function build(props: Partial<NodePoolProps> = {}, fips = false): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const cluster: EksCluster = clusterFixture(stack, { fips });
    new NodePool(stack, 'System', { cluster, ...props });
  };
}

describe('NodePool defaults', () => {
  const { config, pool } = synthPool();
  const group = onlyResource(config, 'aws_eks_node_group');
  const lt = onlyResource(config, 'aws_launch_template');

  test('a system node group: AL2023 x86_64, m7i.xlarge, 3..6 on demand across every private subnet', () => {
    expect(resourcesOf(config, 'aws_eks_node_group').acme_prod_system).toBeDefined();
    expect(group).toMatchObject({
      cluster_name: 'acme-prod',
      node_group_name_prefix: 'system-',
      version: '1.34',
      ami_type: 'AL2023_x86_64_STANDARD',
      capacity_type: 'ON_DEMAND',
      instance_types: ['m7i.xlarge'],
      scaling_config: { min_size: 3, max_size: 6, desired_size: 3 },
      labels: { 'llm-platform.io/node-pool': 'system' },
    });
    expect(group.subnet_ids).toHaveLength(3);
    expect(group.taint).toBeUndefined();
    expect(group.node_group_name).toBeUndefined();
    expect(pool.nodeLabels).toEqual({ 'llm-platform.io/node-pool': 'system' });
    expect(pool.nodeGroupNamePrefix).toBe('system-');
    expect(pool.nodeGroupName).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
  });

  test('issue 13 defect 3: node group and launch template are replaced create-before-destroy under name prefixes, at stable addresses', () => {
    expect(group.lifecycle).toEqual({ create_before_destroy: true });
    expect(lt.lifecycle).toEqual({ create_before_destroy: true });
    expect(lt.name_prefix).toBe('acme-prod-system-');
    expect(lt.name).toBeUndefined();
    // the Terraform addresses do not change with the names
    expect(Object.keys(resourcesOf(config, 'aws_eks_node_group'))).toEqual(['acme_prod_system']);
    expect(Object.keys(resourcesOf(config, 'aws_launch_template'))).toEqual(['acme_prod_system']);
    expect(pool.launchTemplateNamePrefix).toBe('acme-prod-system-');
  });

  test('update config, node repair, Terraform-owned desired size (no autoscaler), waits for the cluster', () => {
    expect(group.update_config).toEqual({ max_unavailable: 1 });
    expect(group.node_repair_config).toEqual({ enabled: true });
    // defect 7: without an autoscaler nothing else sizes the group, so a changed desiredSize must be applied
    expect(group.lifecycle.ignore_changes).toBeUndefined();
    expect(pool.externallyScaled).toBe(false);
    expect(group.depends_on).toContain('aws_eks_cluster.acme_prod');
    expect(group.launch_template).toEqual({ id: '${aws_launch_template.acme_prod_system.id}', version: '${aws_launch_template.acme_prod_system.latest_version}' });
  });

  test('IMDSv2 required with hop limit 1', () => {
    expect(lt.metadata_options).toEqual({ http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1, instance_metadata_tags: 'disabled' });
  });

  test('a 100 GiB gp3 root volume encrypted with the cluster\'s customer managed node volume key', () => {
    expect(lt.block_device_mappings).toEqual([{
      device_name: '/dev/xvda',
      ebs: {
        volume_type: 'gp3', encrypted: 'true', kms_key_id: '${aws_kms_key.acme_prod_node_volumes.arn}', delete_on_termination: 'true', volume_size: 100, iops: 3000, throughput: 125,
      },
    }]);
  });

  test('instances, volumes and network interfaces get the pool tags and the provider default tags (cost allocation)', () => {
    const tagged = synthStack((stack) => {
      new AwsProvider(stack, 'aws', { region: REGION, allowedAccountIds: [ACCOUNT], defaultTags: [{ tags: { 'cost-center': 'ml', 'env': 'prod' } }] });
      const network = new Network(stack, 'Network', { clusterName: 'acme-prod' });
      const cluster = new EksCluster(stack, 'Cluster', { clusterName: 'acme-prod', network });
      new NodePool(stack, 'System', { cluster, tags: { team: 'platform', env: 'staging-override' } });
    });
    const specs = onlyResource(tagged, 'aws_launch_template').tag_specifications;
    expect(specs.map((t: any) => t.resource_type)).toEqual(['instance', 'volume', 'network-interface']);
    for (const spec of specs) {
      expect(spec.tags).toEqual({ 'cost-center': 'ml', 'env': 'staging-override', 'team': 'platform', 'Name': 'acme-prod-system' });
    }
    // without default tags and pool tags only the Name (the broken variant carried nothing else)
    expect(lt.tag_specifications[0].tags).toEqual({ Name: 'acme-prod-system' });
  });

  test('a node role with the worker, CNI and pull-only policies', () => {
    const roles = resourcesOf(config, 'aws_iam_role');
    expect(roles.acme_prod_system_node.name).toBe('acme-prod-system-node');
    const attachments = Object.values<any>(resourcesOf(config, 'aws_iam_role_policy_attachment'))
      .filter((a) => a.role === '${aws_iam_role.acme_prod_system_node.name}').map((a) => a.policy_arn.split('/').pop()).sort();
    expect(attachments).toEqual(['AmazonEC2ContainerRegistryPullOnly', 'AmazonEKSWorkerNodePolicy', 'AmazonEKS_CNI_Policy']);
  });
});

describe('NodePool options', () => {
  test('Graviton, Bottlerocket, taints, labels, sizes, spot', () => {
    const { config, pool } = synthPool({
      poolName: 'platform-arm',
      instanceTypes: ['m7g.xlarge', 'm8g.xlarge'],
      amiType: NodeAmiType.BOTTLEROCKET_ARM_64,
      taints: [{ key: 'CriticalAddonsOnly', value: 'true', effect: TaintEffect.NO_SCHEDULE }],
      labels: { team: 'platform' },
      minSize: 2,
      maxSize: 10,
      desiredSize: 4,
      capacityType: CapacityType.SPOT,
      volumeSizeGiB: 60,
      maxUnavailable: 2,
      nodeRepair: false,
      externallyScaled: true,
    });
    const group = onlyResource(config, 'aws_eks_node_group');
    // a cluster autoscaler owns desired_size after creation (as terraform-aws-modules/eks)
    expect(group.lifecycle).toEqual({ create_before_destroy: true, ignore_changes: ['scaling_config[0].desired_size'] });
    expect(pool.externallyScaled).toBe(true);
    expect(group).toMatchObject({
      ami_type: 'BOTTLEROCKET_ARM_64',
      capacity_type: 'SPOT',
      node_group_name_prefix: 'platform-arm-',
      scaling_config: { min_size: 2, max_size: 10, desired_size: 4 },
      update_config: { max_unavailable: 2 },
      node_repair_config: { enabled: false },
      labels: { 'llm-platform.io/node-pool': 'platform-arm', 'team': 'platform' },
      taint: [{ key: 'CriticalAddonsOnly', value: 'true', effect: 'NO_SCHEDULE' }],
    });
    const lt = onlyResource(config, 'aws_launch_template');
    expect(lt.block_device_mappings.map((b: any) => [b.device_name, b.ebs.volume_size])).toEqual([['/dev/xvda', 4], ['/dev/xvdb', 60]]);
    expect(pool.amiType.architecture).toBe(CpuArchitecture.ARM64);
  });

  test('FIPS clusters get Bottlerocket FIPS', () => {
    expect(onlyResource(synthPool({}, true).config, 'aws_eks_node_group').ami_type).toBe('BOTTLEROCKET_x86_64_FIPS');
  });

  test('On-Demand Capacity Reservation', () => {
    const lt = onlyResource(synthPool({ capacityReservationId: 'cr-0123456789abcdef0' }).config, 'aws_launch_template');
    expect(lt.capacity_reservation_specification).toEqual({ capacity_reservation_target: { capacity_reservation_id: 'cr-0123456789abcdef0' } });
    expect(lt.instance_market_options).toBeUndefined();
  });
});

describe('NodePool volume key', () => {
  test('issue 13 point 10: one customer managed key per cluster; its policy separates administration from use and lets the Auto Scaling role use it', () => {
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new NodePool(stack, 'System', { cluster });
      new NodePool(stack, 'Other', { cluster, poolName: 'other' });
    });
    const keys = resourcesOf(config, 'aws_kms_key');
    expect(keys.acme_prod_node_volumes).toMatchObject({
      enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true },
    });
    expect(resourcesOf(config, 'aws_kms_alias').acme_prod_node_volumes.name).toBe('alias/acme-prod-node-volumes');
    const lts = Object.values<any>(resourcesOf(config, 'aws_launch_template'));
    expect(lts.map((lt) => lt.block_device_mappings[0].ebs.kms_key_id)).toEqual(['${aws_kms_key.acme_prod_node_volumes.arn}', '${aws_kms_key.acme_prod_node_volumes.arn}']);
    const policy = JSON.parse(keys.acme_prod_node_volumes.policy);
    const bySid = Object.fromEntries(policy.Statement.map((st: any) => [st.Sid, st]));
    const slr = 'arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling';
    // Amazon EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with encrypted volumes": use + CreateGrant for AWS resources
    expect(bySid.KeyUsers).toMatchObject({ Principal: { AWS: slr }, Action: expect.arrayContaining(['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey']) });
    expect(bySid.KeyUserGrants).toMatchObject({ Principal: { AWS: slr }, Action: expect.arrayContaining(['kms:CreateGrant']), Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    // administration never includes cryptographic use
    expect(bySid.KeyAdministration.Action).not.toContain('kms:Decrypt');
    expect(bySid.KeyUseThroughServices.Condition.StringEquals['kms:ViaService']).toEqual(['ec2.us-east-1.amazonaws.com']);
  });

  test('an explicit NodeVolumeKey (admins, no prevent_destroy, the Auto Scaling service-linked role) is the one the pools use', () => {
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new NodeVolumeKey(stack, 'Key', { cluster, adminPrincipalArns: [`arn:aws:iam::${ACCOUNT}:role/admins`], preventDestroy: false, createAutoScalingServiceLinkedRole: true });
      new NodePool(stack, 'System', { cluster });
    });
    const key = resourcesOf(config, 'aws_kms_key').acme_prod_node_volumes;
    expect(key.lifecycle).toBeUndefined();
    expect(key.depends_on).toEqual(['aws_iam_service_linked_role.autoscaling']);
    expect(onlyResource(config, 'aws_iam_service_linked_role').aws_service_name).toBe('autoscaling.amazonaws.com');
    expect(JSON.parse(key.policy).Statement[0].Principal.AWS).toContain(`arn:aws:iam::${ACCOUNT}:role/admins`);
    expect(onlyResource(config, 'aws_launch_template').block_device_mappings[0].ebs.kms_key_id).toBe('${aws_kms_key.acme_prod_node_volumes.arn}');
  });

  test('volumeKmsKeyArn overrides the key; a second key for one cluster is refused', () => {
    const { config, pool } = synthPool({ volumeKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' });
    expect(onlyResource(config, 'aws_launch_template').block_device_mappings[0].ebs.kms_key_id).toBe('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(resourcesOf(config, 'aws_kms_key').acme_prod_node_volumes).toBeUndefined();
    expect(pool.volumeKmsKeyArn).toBe('arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab');
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      const cluster = clusterFixture(stack);
      new NodePool(stack, 'System', { cluster });
      new NodeVolumeKey(stack, 'Key', { cluster });
    })).toMatch(/'cluster' already has a node volume key \(test\/NodeVolumeKey-acme-prod\), got 'acme-prod'; create one NodeVolumeKey per cluster, before its node pools/);
  });
});

describe('NodePool errors', () => {
  test('min > max', () => {
    expect(errorOf(build({ minSize: 5, maxSize: 2 }))).toMatch(/'minSize' must not exceed maxSize \(2\), got 5; lower minSize or raise maxSize/);
  });
  test('desired outside the range', () => {
    expect(errorOf(build({ minSize: 1, maxSize: 3, desiredSize: 4 }))).toMatch(/'desiredSize' must be between minSize \(1\) and maxSize \(3\), got 4/);
  });
  test('negative or fractional sizes, too many nodes', () => {
    expect(errorOf(build({ minSize: -1 }))).toMatch(/'minSize' must be a whole number from 0 to 450, got -1/);
    expect(errorOf(build({ maxSize: 500 }))).toMatch(/'maxSize' must be a whole number from 1 to 450, got 500/);
  });
  test('AMI type vs architecture', () => {
    expect(errorOf(build({ instanceTypes: ['m7g.xlarge'], amiType: NodeAmiType.AL2023_X86_64_STANDARD })))
      .toMatch(/'amiType' is for x86_64 but the instance types are arm64, got 'AL2023_x86_64_STANDARD'; use an arm64 AMI type, e.g. NodeAmiType.AL2023_ARM_64_STANDARD/);
  });
  test('mixed architectures and malformed instance types', () => {
    expect(errorOf(build({ instanceTypes: ['m7g.xlarge', 'm7i.xlarge'] }))).toMatch(/'instanceTypes' must not mix x86_64 and arm64 instance types/);
    expect(errorOf(build({ instanceTypes: ['m7i'] }))).toMatch(/'instanceTypes' must be EC2 instance types of the form '<family>.<size>', got 'm7i'/);
    expect(errorOf(build({ instanceTypes: [] }))).toMatch(/'instanceTypes' must list at least one instance type/);
  });
  test('NVIDIA AMI on a CPU pool, non-FIPS AMI on a FIPS cluster', () => {
    expect(errorOf(build({ amiType: NodeAmiType.AL2023_X86_64_NVIDIA }))).toMatch(/'amiType' is an NVIDIA AMI type on a pool without GPUs/);
    expect(errorOf(build({ amiType: NodeAmiType.AL2023_X86_64_STANDARD }, true)))
      .toMatch(/'amiType' is not FIPS-validated but the cluster requires FIPS, got 'AL2023_x86_64_STANDARD'; use NodeAmiType.BOTTLEROCKET_X86_64_FIPS/);
  });
  test('volume, update and capacity options', () => {
    expect(errorOf(build({ volumeSizeGiB: 10 }))).toMatch(/'volumeSizeGiB' must be a whole number from 20 to 16384, got 10/);
    expect(errorOf(build({ maxUnavailable: 0 }))).toMatch(/'maxUnavailable' must be a whole number from 1 to 100, got 0/);
    expect(errorOf(build({ capacityReservationId: 'reservation-1' }))).toMatch(/'capacityReservationId' must be a capacity reservation id/);
    expect(errorOf(build({ capacityType: CapacityType.CAPACITY_BLOCK }))).toMatch(/'capacityReservationId' is required for CapacityType.CAPACITY_BLOCK, got nothing/);
    expect(errorOf(build({ capacityType: CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0' }))).toMatch(
      /'minSize' must be 0 for a Capacity Block node group \(EKS scales it to 0 before the reservation ends\), got 3; set minSize to 0/);
    expect(errorOf(build({ capacityType: CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0', minSize: 0, instanceTypes: ['m7i.xlarge', 'm7i.2xlarge'] })))
      .toMatch(/'instanceTypes' must list exactly one instance type for a Capacity Block \(the reservation's\), got \["m7i.xlarge","m7i.2xlarge"\]/);
    expect(errorOf(build({ capacityType: CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0', minSize: 0, externallyScaled: false })))
      .toMatch(/'externallyScaled' must not be false for a Capacity Block node group/);
    expect(errorOf(build({ capacityType: CapacityType.SPOT, capacityReservationId: 'cr-0123456789abcdef0' }))).toMatch(/'capacityReservationId' cannot be used with Spot capacity/);
    expect(errorOf(build({ subnetIds: [] }))).toMatch(/'subnetIds' must list at least one subnet/);
  });
  test('names violating naming rules', () => {
    expect(errorOf(build({ poolName: 'System_Pool' }))).toMatch(/'poolName' must be a DNS-1123 label, got 'System_Pool'/);
    // 36 + '-' + Terraform's 26-character suffix = 63, the EKS limit
    expect(() => build({ poolName: 'p'.repeat(36) })()).not.toThrow();
    expect(errorOf(build({ poolName: 'p'.repeat(37) }))).toMatch(
      /'poolName' must have at most 36 characters \(the node group name is the pool name, '-' and the 26-character suffix Terraform appends .*\), got 'p{37}'; use a shorter pool name/);
    expect(errorOf(build({ labels: { 'bad key!': 'x' } }))).toMatch(/'labels.bad key!' is not a valid label key/);
  });
});
