import { TerraformStack, Testing, Token } from 'cdktf';
import { ClusterAddons } from '../../src/aws/cluster-addons';
import { GpuNodePool, GpuNodePoolProps } from '../../src/aws/gpu-node-pool';
import { CapacityType, NodeAmiType, NodePool } from '../../src/aws/node-pool';
import { GpuInstanceType, GpuModel, GpuPool, IGpuPool, TaintEffect } from '../../src/core';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf } from './fixtures';

type Props = Omit<GpuNodePoolProps, 'cluster'>;

function synthPool(props: Partial<Props> = {}, fips = false): { config: any; pool: GpuNodePool } {
  let pool!: GpuNodePool;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack, { fips });
    pool = new GpuNodePool(stack, 'Gpu', { cluster, poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], ...props });
  });
  return { config, pool };
}

function build(props: Partial<Props> = {}, fips = false): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const cluster = clusterFixture(stack, { fips });
    new GpuNodePool(stack, 'Gpu', { cluster, poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], ...props });
  };
}

describe('GpuNodePool defaults', () => {
  const { config, pool } = synthPool();
  const group = onlyResource(config, 'aws_eks_node_group');
  const lt = onlyResource(config, 'aws_launch_template');

  test('AL2023 NVIDIA, 0..4 on demand, the GPU taint and the standard labels', () => {
    expect(group).toMatchObject({
      node_group_name_prefix: 'a10g-',
      ami_type: 'AL2023_x86_64_NVIDIA',
      capacity_type: 'ON_DEMAND',
      instance_types: ['g5.2xlarge'],
      scaling_config: { min_size: 0, max_size: 4, desired_size: 0 },
      taint: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
      labels: {
        'llm-platform.io/accelerator': 'a10g', 'llm-platform.io/gpu-count': '1', 'llm-platform.io/gpu-pool': 'a10g', 'llm-platform.io/node-pool': 'a10g',
      },
      node_repair_config: { enabled: true },
      update_config: { max_unavailable: 1 },
    });
    expect(group.subnet_ids).toHaveLength(3);
    expect([pool.minSize, pool.desiredSize, pool.maxSize]).toEqual([0, 0, 4]);
  });

  test('issue 13 defect 2: a GPU group starts at 0 nodes (the first apply never waits for GPU stock); minSize keeps a warm baseline', () => {
    expect(group.scaling_config).toEqual({ min_size: 0, max_size: 4, desired_size: 0 });
    const warm = onlyResource(synthPool({ minSize: 2 }).config, 'aws_eks_node_group');
    expect(warm.scaling_config).toEqual({ min_size: 2, max_size: 4, desired_size: 2 });
  });

  test('issue 13 defect 3: prefix names and create_before_destroy for the group and its launch template, stable addresses', () => {
    expect(group.lifecycle).toEqual({ create_before_destroy: true });
    expect(group.node_group_name).toBeUndefined();
    expect(lt.lifecycle).toEqual({ create_before_destroy: true });
    expect(lt.name_prefix).toBe('acme-prod-a10g-');
    expect(Object.keys(resourcesOf(config, 'aws_eks_node_group'))).toEqual(['acme_prod_a10g']);
    expect(pool.nodeGroupNamePrefix).toBe('a10g-');
    expect(pool.launchTemplateNamePrefix).toBe('acme-prod-a10g-');
  });

  test('defect 7: Terraform keeps owning desired_size (no autoscaler resizes a GPU node group)', () => {
    expect(group.lifecycle.ignore_changes).toBeUndefined();
    expect(pool.externallyScaled).toBe(false);
    const scaled = synthPool({ externallyScaled: true });
    expect(onlyResource(scaled.config, 'aws_eks_node_group').lifecycle).toEqual({ create_before_destroy: true, ignore_changes: ['scaling_config[0].desired_size'] });
    expect(scaled.pool.externallyScaled).toBe(true);
  });

  test('implements IGpuPool with exactly the labels and taints of the node group', () => {
    const gpuPool: IGpuPool = pool;
    expect(gpuPool.poolName).toBe('a10g');
    expect(gpuPool.taints).toEqual([GpuPool.GPU_TAINT]);
    expect(gpuPool.nodeLabels).toEqual(group.labels);
    expect(gpuPool.gpusPerNode).toBe(1);
    expect(gpuPool.maxNodes).toBe(4);
    expect(gpuPool.nodeLabels).toMatchObject(GpuPool.standardLabels('a10g', [GpuInstanceType.G5_2XLARGE]));
  });

  test('IMDSv2 hop limit 1 and a gp3 volume sized for images and weights, encrypted with the node volume key', () => {
    expect(lt.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
    expect(lt.block_device_mappings).toEqual([{
      device_name: '/dev/xvda',
      ebs: {
        volume_type: 'gp3', encrypted: 'true', kms_key_id: '${aws_kms_key.acme_prod_node_volumes.arn}', delete_on_termination: 'true', volume_size: 200, iops: 3000, throughput: 500,
      },
    }]);
    expect(Token.isUnresolved(pool.volumeKmsKeyArn)).toBe(true);
    expect(GpuNodePool.defaultVolumeSizeGiB([GpuInstanceType.P5_48XLARGE])).toBe(1350);
    expect(lt.network_interfaces).toBeUndefined();
    expect(lt.placement).toBeUndefined();
  });
});

describe('GpuNodePool options', () => {
  test('issue 13 defect 4: EFA on p5.48xlarge uses all 32 network cards, EFA-only on the secondary ones', () => {
    const { config, pool } = synthPool({ poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true });
    const lt = onlyResource(config, 'aws_launch_template');
    const groups = ['${aws_eks_cluster.acme_prod.vpc_config[0].cluster_security_group_id}', '${aws_security_group.acme_prod_h100_efa.id}'];
    expect(lt.network_interfaces).toHaveLength(32);
    expect(lt.network_interfaces[0]).toEqual({ device_index: 0, network_card_index: 0, interface_type: 'efa', delete_on_termination: 'true', security_groups: groups });
    lt.network_interfaces.slice(1).forEach((ni: any, i: number) => {
      expect(ni).toEqual({ device_index: 1, network_card_index: i + 1, interface_type: 'efa-only', delete_on_termination: 'true', security_groups: groups });
    });
    // with interfaces in the launch template no instance-level security groups (EKS refuses both)
    expect(lt.vpc_security_group_ids).toBeUndefined();
    expect([pool.efaInterfaces, pool.efaOnly]).toEqual([32, true]);
    // the broken variant (issue 13): one interface of 32 cards, never EFA-only
    expect(lt.network_interfaces.filter((ni: any) => ni.interface_type === 'efa-only')).toHaveLength(31);
  });

  test('EFA: a self-referencing security group, a cluster placement group, one zone', () => {
    const { config, pool } = synthPool({ poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true });
    const lt = onlyResource(config, 'aws_launch_template');
    expect(onlyResource(config, 'aws_placement_group')).toMatchObject({ name: 'acme-prod-h100', strategy: 'cluster' });
    expect(lt.placement).toEqual({ group_name: '${aws_placement_group.acme_prod_h100.name}' });
    expect(onlyResource(config, 'aws_eks_node_group').subnet_ids).toEqual(['${aws_subnet.acme_prod_private_us_east_1a.id}']);
    expect(resourcesOf(config, 'aws_security_group').acme_prod_h100_efa).toMatchObject({
      name_prefix: 'acme-prod-h100-efa-', vpc_id: '${aws_vpc.acme_prod.id}', lifecycle: { create_before_destroy: true },
    });
    expect(resourcesOf(config, 'aws_vpc_security_group_ingress_rule').acme_prod_h100_efa).toMatchObject({
      ip_protocol: '-1', referenced_security_group_id: '${aws_security_group.acme_prod_h100_efa.id}', security_group_id: '${aws_security_group.acme_prod_h100_efa.id}',
    });
    expect(resourcesOf(config, 'aws_vpc_security_group_egress_rule').acme_prod_h100_efa).toMatchObject({
      ip_protocol: '-1', referenced_security_group_id: '${aws_security_group.acme_prod_h100_efa.id}', security_group_id: '${aws_security_group.acme_prod_h100_efa.id}',
    });
    expect(pool.placementGroupName).toBe('acme-prod-h100');
    expect(Token.isUnresolved(pool.efaSecurityGroupId)).toBe(true);
    expect(pool.nodeLabels['llm-platform.io/gpu-count']).toBe('8');
  });

  test('EFA: availabilityZone picks the zone, efaInterfaces fewer interfaces, g6e.48xlarge its 4 cards', () => {
    const zoned = synthPool({ poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, availabilityZone: 'us-east-1b', efaInterfaces: 4 });
    expect(onlyResource(zoned.config, 'aws_eks_node_group').subnet_ids).toEqual(['${aws_subnet.acme_prod_private_us_east_1b.id}']);
    expect(onlyResource(zoned.config, 'aws_launch_template').network_interfaces.map((ni: any) => ni.network_card_index)).toEqual([0, 1, 2, 3]);
    expect(zoned.pool.availabilityZone).toBe('us-east-1b');
    const g6e = onlyResource(synthPool({ poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_48XLARGE], efa: true }).config, 'aws_launch_template');
    expect(g6e.network_interfaces.map((ni: any) => [ni.network_card_index, ni.device_index, ni.interface_type]))
      .toEqual([[0, 0, 'efa'], [1, 1, 'efa-only'], [2, 1, 'efa-only'], [3, 1, 'efa-only']]);
    // one subnet passed explicitly
    const sub = onlyResource(synthPool({ poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, subnetIds: ['subnet-0123456789abcdef0'] }).config, 'aws_eks_node_group');
    expect(sub.subnet_ids).toEqual(['subnet-0123456789abcdef0']);
  });

  test('EFA: a type without EFA-only support gets EFA with ENA on every card; the fewest interfaces of mixed types', () => {
    const b200 = GpuModel.of({ name: 'B200', memoryGiB: 180, instanceGpuName: 'b200' });
    const t = GpuInstanceType.custom('p6.48xlarge', { gpuModel: b200, gpuCount: 8, vcpu: 192, memoryGiB: 2048, maxEfaInterfaces: 2, efaOnlySupported: false });
    const lt = onlyResource(synthPool({ poolName: 'b200', instanceTypes: [t], efa: true }).config, 'aws_launch_template');
    expect(lt.network_interfaces.map((ni: any) => [ni.network_card_index, ni.device_index, ni.interface_type])).toEqual([[0, 0, 'efa'], [1, 1, 'efa']]);
    const mixed = synthPool({ poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_24XLARGE, GpuInstanceType.G6E_48XLARGE], efa: true });
    expect(mixed.pool.efaInterfaces).toBe(2);
  });

  test('no EFA: no interfaces, no placement group, no EFA security group', () => {
    const { config, pool } = synthPool({ poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE] });
    expect(onlyResource(config, 'aws_launch_template').network_interfaces).toBeUndefined();
    expect(resourcesOf(config, 'aws_placement_group')).toEqual({});
    expect(resourcesOf(config, 'aws_security_group').acme_prod_h100_efa).toBeUndefined();
    expect([pool.efa, pool.efaInterfaces, pool.efaOnly, pool.placementGroupName]).toEqual([false, 0, false, undefined]);
  });

  test('Graviton GPUs get the ARM NVIDIA AMI; Bottlerocket NVIDIA splits OS and data volumes', () => {
    expect(onlyResource(synthPool({ poolName: 't4g', instanceTypes: [GpuInstanceType.G5G_2XLARGE] }).config, 'aws_eks_node_group').ami_type).toBe('AL2023_ARM_64_NVIDIA');
    const config = synthPool({ amiType: NodeAmiType.BOTTLEROCKET_X86_64_NVIDIA, volumeSizeGiB: 300 }).config;
    expect(onlyResource(config, 'aws_launch_template').block_device_mappings.map((b: any) => [b.device_name, b.ebs.volume_size])).toEqual([['/dev/xvda', 4], ['/dev/xvdb', 300]]);
  });

  test('FIPS clusters get Bottlerocket NVIDIA FIPS', () => {
    expect(onlyResource(synthPool({}, true).config, 'aws_eks_node_group').ami_type).toBe('BOTTLEROCKET_x86_64_NVIDIA_FIPS');
  });

  test('spot, capacity block, custom taints and labels', () => {
    expect(onlyResource(synthPool({ capacityType: CapacityType.SPOT, minSize: 0 }).config, 'aws_eks_node_group')).toMatchObject({
      capacity_type: 'SPOT', scaling_config: { min_size: 0, desired_size: 0 },
    });
    const { config, pool } = synthPool({
      taints: [{ key: 'dedicated', value: 'search', effect: TaintEffect.NO_EXECUTE }],
      labels: { tenant: 'search' },
    });
    expect(onlyResource(config, 'aws_eks_node_group').taint).toEqual([{ key: 'dedicated', value: 'search', effect: 'NO_EXECUTE' }]);
    expect(pool.nodeLabels.tenant).toBe('search');
  });

  test('issue 13 point 10: a Capacity Block pool: CAPACITY_BLOCK, the reservation and its instance type in the launch template, its zone, 0..max, EKS owns desired_size', () => {
    const { config, pool } = synthPool({
      poolName: 'h100',
      instanceTypes: [GpuInstanceType.P5_48XLARGE],
      capacityBlock: { reservationId: 'cr-0123456789abcdef0', availabilityZone: 'us-east-1c' },
      desiredSize: 2,
    });
    const lt = onlyResource(config, 'aws_launch_template');
    const group = onlyResource(config, 'aws_eks_node_group');
    expect(lt.instance_market_options).toEqual({ market_type: 'capacity-block' });
    expect(lt.capacity_reservation_specification).toEqual({ capacity_reservation_target: { capacity_reservation_id: 'cr-0123456789abcdef0' } });
    expect(lt.instance_type).toBe('p5.48xlarge');
    expect(group.instance_types).toBeUndefined();
    expect(group.capacity_type).toBe('CAPACITY_BLOCK');
    expect(group.subnet_ids).toEqual(['${aws_subnet.acme_prod_private_us_east_1c.id}']);
    expect(group.scaling_config).toEqual({ min_size: 0, max_size: 4, desired_size: 2 });
    expect(group.lifecycle).toEqual({ create_before_destroy: true, ignore_changes: ['scaling_config[0].desired_size'] });
    expect([pool.capacityType, pool.externallyScaled, pool.availabilityZone]).toEqual([CapacityType.CAPACITY_BLOCK, true, 'us-east-1c']);
    expect(pool.capacityBlock).toEqual({ reservationId: 'cr-0123456789abcdef0', availabilityZone: 'us-east-1c' });
  });

  test('a Capacity Block EFA pool: all interfaces, no placement group (Capacity Blocks place instances together in UltraClusters)', () => {
    const { config, pool } = synthPool({
      poolName: 'h100',
      instanceTypes: [GpuInstanceType.P5_48XLARGE],
      efa: true,
      capacityBlock: { reservationId: 'cr-0123456789abcdef0', availabilityZone: 'us-east-1b' },
    });
    expect(resourcesOf(config, 'aws_placement_group')).toEqual({});
    expect(onlyResource(config, 'aws_launch_template').placement).toBeUndefined();
    expect(onlyResource(config, 'aws_launch_template').network_interfaces).toHaveLength(32);
    expect(onlyResource(config, 'aws_eks_node_group').subnet_ids).toEqual(['${aws_subnet.acme_prod_private_us_east_1b.id}']);
    expect(pool.placementGroupName).toBeUndefined();
  });

  test('CapacityType.CAPACITY_BLOCK with capacityReservationId (without capacityBlock) keeps the subnets it is given', () => {
    const { config } = synthPool({ capacityType: CapacityType.CAPACITY_BLOCK, capacityReservationId: 'cr-0123456789abcdef0', subnetIds: ['subnet-0123456789abcdef0'] });
    const lt = onlyResource(config, 'aws_launch_template');
    expect(lt.instance_market_options).toEqual({ market_type: 'capacity-block' });
    expect(lt.instance_type).toBe('g5.2xlarge');
    expect(onlyResource(config, 'aws_eks_node_group').subnet_ids).toEqual(['subnet-0123456789abcdef0']);
  });
});

describe('issue 13 defect 2: post-compute add-ons wait for the system pool only', () => {
  test.each([['add-ons before the pools', true], ['add-ons after the pools', false]])('%s: a GPU stock-out cannot block CoreDNS or the CSI drivers', (_, addonsFirst) => {
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      if (addonsFirst) new ClusterAddons(stack, 'Addons', { cluster });
      new NodePool(stack, 'System', { cluster });
      new GpuNodePool(stack, 'Gpu', { cluster, poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], minSize: 1 });
      new GpuNodePool(stack, 'Efa', { cluster, poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true });
      new NodePool(stack, 'Batch', { cluster, poolName: 'batch', hostsPlatformAddons: false, taints: [{ key: 'batch', effect: TaintEffect.NO_SCHEDULE }] });
      if (!addonsFirst) new ClusterAddons(stack, 'Addons', { cluster });
    });
    const addons = resourcesOf(config, 'aws_eks_addon');
    const groups = resourcesOf(config, 'aws_eks_node_group');
    for (const name of ['acme_prod_coredns', 'acme_prod_aws_ebs_csi_driver']) {
      expect(addons[name].depends_on).toContain('aws_eks_node_group.acme_prod_system');
      expect(addons[name].depends_on).not.toContain('aws_eks_node_group.acme_prod_a10g');
      expect(addons[name].depends_on).not.toContain('aws_eks_node_group.acme_prod_h100');
    }
    // no add-on waits for a GPU group at all
    for (const addon of Object.values<any>(addons)) {
      expect((addon.depends_on ?? []).filter((d: string) => /acme_prod_(a10g|h100)/.test(d))).toEqual([]);
    }
    // a CPU pool that opts out is not waited for either
    expect(addons.acme_prod_coredns.depends_on).not.toContain('aws_eks_node_group.acme_prod_batch');
    // every group still waits for networking and identity
    for (const group of Object.values<any>(groups)) {
      expect(group.depends_on).toEqual(expect.arrayContaining(['aws_eks_addon.acme_prod_vpc_cni', 'aws_eks_addon.acme_prod_kube_proxy', 'aws_eks_addon.acme_prod_eks_pod_identity_agent']));
    }
  });
});

describe('GpuNodePool errors', () => {
  test('a non-GPU instance type', () => {
    expect(errorOf(() => GpuInstanceType.of('m7i.xlarge'))).toMatch(/'instanceType' is not an NVIDIA GPU instance type this release knows, got 'm7i.xlarge'/);
  });
  test('mixed GPU models', () => {
    expect(errorOf(build({ instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G6E_2XLARGE] })))
      .toMatch(/Gpu: 'instanceTypes' must not mix GPU models in one pool, got \["g5.2xlarge","g6e.2xlarge"\]; use one pool per GPU model/);
  });
  test('empty instance types', () => {
    expect(errorOf(build({ instanceTypes: [] }))).toMatch(/'instanceTypes' must list at least one GPU instance type/);
  });
  test('issue 13: EFA on an instance type without EFA (maxEfaInterfaces 0) names the prop, the types and the fix', () => {
    expect(errorOf(build({ efa: true }))).toMatch(
      /'efa' is not supported by g5.2xlarge \(no EFA interfaces\), got \["g5.2xlarge"\]; drop efa or use EFA-capable types \(g5.12xlarge, .*g5.8xlarge\)/);
    expect(errorOf(build({ instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_12XLARGE], efa: true }))).toMatch(/'efa' is not supported by g5.2xlarge \(no EFA interfaces\)/);
    expect(errorOf(build({ efaInterfaces: 2 }))).toMatch(/'efaInterfaces' is set but efa is off/);
    expect(errorOf(build({ instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, efaInterfaces: 33 })))
      .toMatch(/'efaInterfaces' must be a whole number from 1 to 32 \(the EFA interfaces of p5.48xlarge\), got 33; leave it unset to use every EFA interface/);
    expect(errorOf(build({ instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, efaInterfaces: 0 }))).toMatch(/'efaInterfaces' must be a whole number from 1 to 32/);
  });
  test('EFA pools stay in one zone', () => {
    expect(errorOf(build({ instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, subnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'] })))
      .toMatch(/'subnetIds' must list one subnet for an EFA pool \(EFA and its cluster placement group work within one zone\)/);
    expect(errorOf(build({ availabilityZone: 'us-east-1a', subnetIds: ['subnet-0123456789abcdef0'] }))).toMatch(/'subnetIds' cannot be combined with availabilityZone/);
    expect(errorOf(build({ availabilityZone: 'us-west-2a' })))
      .toMatch(/'availabilityZone' must be a zone of the cluster's private subnets \(us-east-1a, us-east-1b, us-east-1c\), got 'us-west-2a'/);
  });
  test('issue 13: Capacity Block rules (min 0, one instance type, its zone, no other capacity options)', () => {
    const block = { reservationId: 'cr-0123456789abcdef0', availabilityZone: 'us-east-1a' };
    expect(errorOf(build({ capacityBlock: block, minSize: 1 })))
      .toMatch(/'minSize' must be 0 for a Capacity Block node group \(EKS scales it to 0 before the reservation ends\), got 1; set minSize to 0/);
    expect(errorOf(build({ capacityBlock: block, instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_4XLARGE] })))
      .toMatch(/'instanceTypes' must list exactly one instance type for a Capacity Block/);
    expect(errorOf(build({ capacityBlock: block, capacityType: CapacityType.SPOT }))).toMatch(/'capacityType' must be CapacityType.CAPACITY_BLOCK or unset with capacityBlock, got 'SPOT'/);
    expect(errorOf(build({ capacityBlock: block, capacityReservationId: 'cr-0123456789abcdef1' }))).toMatch(/'capacityReservationId' cannot be combined with capacityBlock/);
    expect(errorOf(build({ capacityBlock: block, availabilityZone: 'us-east-1b' }))).toMatch(/'availabilityZone' must be the Capacity Block's zone \(us-east-1a\), got 'us-east-1b'/);
    expect(errorOf(build({ capacityBlock: { ...block, reservationId: 'cr-123' } }))).toMatch(/'capacityBlock.reservationId' must be a capacity reservation id \('cr-' and 17 hex digits\), got 'cr-123'/);
    expect(errorOf(build({ capacityBlock: { ...block, availabilityZone: 'us-east-1f' } })))
      .toMatch(/'capacityBlock.availabilityZone' must be a zone of the cluster's private subnets \(us-east-1a, us-east-1b, us-east-1c\), got 'us-east-1f'/);
    expect(errorOf(build({ capacityBlock: block, externallyScaled: false }))).toMatch(/'externallyScaled' must not be false for a Capacity Block node group/);
  });
  test('AMI type vs architecture (arm64 g5g with an x86_64 AMI type)', () => {
    expect(errorOf(build({ poolName: 't4g', instanceTypes: [GpuInstanceType.G5G_2XLARGE], amiType: NodeAmiType.AL2023_X86_64_NVIDIA })))
      .toMatch(/'amiType' is for x86_64 but the instance types are arm64, got 'AL2023_x86_64_NVIDIA'; use an arm64 AMI type, e.g. NodeAmiType.AL2023_ARM_64_NVIDIA/);
  });
  test('a standard AMI on GPU nodes', () => {
    expect(errorOf(build({ amiType: NodeAmiType.AL2023_X86_64_STANDARD }))).toMatch(/'amiType' has no NVIDIA driver, which GPU nodes need/);
  });
  test('min > max, desired outside', () => {
    expect(errorOf(build({ minSize: 3, maxSize: 1 }))).toMatch(/'minSize' must not exceed maxSize \(1\), got 3/);
    expect(errorOf(build({ desiredSize: 9 }))).toMatch(/'desiredSize' must be between minSize \(0\) and maxSize \(4\), got 9/);
  });
  test('a pool name violating naming rules', () => {
    expect(errorOf(build({ poolName: 'A10G Pool' }))).toMatch(/'poolName' must be a DNS-1123 label, got 'A10G Pool'/);
  });
});
