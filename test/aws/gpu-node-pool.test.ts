import { TerraformStack, Testing } from 'cdktf';
import { GpuNodePool, GpuNodePoolProps } from '../../src/aws/gpu-node-pool';
import { CapacityType, NodeAmiType } from '../../src/aws/node-pool';
import { GpuInstanceType, GpuPool, IGpuPool, TaintEffect } from '../../src/core';
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

  test('AL2023 NVIDIA, 1..4 on demand, the GPU taint and the standard labels', () => {
    expect(group).toMatchObject({
      node_group_name: 'a10g',
      ami_type: 'AL2023_x86_64_NVIDIA',
      capacity_type: 'ON_DEMAND',
      instance_types: ['g5.2xlarge'],
      scaling_config: { min_size: 1, max_size: 4, desired_size: 1 },
      taint: [{ key: 'nvidia.com/gpu', value: 'true', effect: 'NO_SCHEDULE' }],
      labels: {
        'llm-platform.io/accelerator': 'a10g', 'llm-platform.io/gpu-count': '1', 'llm-platform.io/gpu-pool': 'a10g', 'llm-platform.io/node-pool': 'a10g',
      },
      node_repair_config: { enabled: true },
      update_config: { max_unavailable: 1 },
    });
    expect(group.subnet_ids).toHaveLength(3);
  });

  test('defect 7: Terraform keeps owning desired_size (no autoscaler resizes a GPU node group)', () => {
    expect(group.lifecycle).toBeUndefined();
    expect(pool.externallyScaled).toBe(false);
    const scaled = synthPool({ externallyScaled: true });
    expect(onlyResource(scaled.config, 'aws_eks_node_group').lifecycle).toEqual({ ignore_changes: ['scaling_config[0].desired_size'] });
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

  test('IMDSv2 hop limit 1 and an encrypted gp3 volume sized for images and weights', () => {
    expect(lt.metadata_options).toMatchObject({ http_tokens: 'required', http_put_response_hop_limit: 1 });
    expect(lt.block_device_mappings).toEqual([{
      device_name: '/dev/xvda',
      ebs: {
        volume_type: 'gp3', encrypted: 'true', delete_on_termination: 'true', volume_size: 200, iops: 3000, throughput: 500,
      },
    }]);
    expect(GpuNodePool.defaultVolumeSizeGiB([GpuInstanceType.P5_48XLARGE])).toBe(1350);
    expect(lt.network_interfaces).toBeUndefined();
    expect(lt.placement).toBeUndefined();
  });
});

describe('GpuNodePool options', () => {
  test('EFA: interfaces, a self-referencing security group, a cluster placement group in one zone', () => {
    const { config, pool } = synthPool({ poolName: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, efaInterfaces: 2 });
    const lt = onlyResource(config, 'aws_launch_template');
    expect(lt.network_interfaces).toEqual([0, 1].map((card) => ({
      device_index: card === 0 ? 0 : 1,
      network_card_index: card,
      interface_type: 'efa',
      delete_on_termination: 'true',
      security_groups: ['${aws_eks_cluster.acme_prod.vpc_config[0].cluster_security_group_id}', '${aws_security_group.acme_prod_h100_efa.id}'],
    })));
    expect(onlyResource(config, 'aws_placement_group')).toMatchObject({ name: 'acme-prod-h100', strategy: 'cluster' });
    expect(lt.placement).toEqual({ group_name: '${aws_placement_group.acme_prod_h100.name}' });
    expect(onlyResource(config, 'aws_eks_node_group').subnet_ids).toEqual(['${aws_subnet.acme_prod_private_us_east_1a.id}']);
    expect(resourcesOf(config, 'aws_vpc_security_group_ingress_rule').acme_prod_h100_efa).toMatchObject({
      ip_protocol: '-1', referenced_security_group_id: '${aws_security_group.acme_prod_h100_efa.id}',
    });
    expect(pool.placementGroupName).toBe('acme-prod-h100');
    expect(pool.nodeLabels['llm-platform.io/gpu-count']).toBe('8');
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
      capacityType: CapacityType.CAPACITY_BLOCK,
      capacityReservationId: 'cr-0123456789abcdef0',
      taints: [{ key: 'dedicated', value: 'search', effect: TaintEffect.NO_EXECUTE }],
      labels: { tenant: 'search' },
    });
    const lt = onlyResource(config, 'aws_launch_template');
    expect(lt.instance_market_options).toEqual({ market_type: 'capacity-block' });
    expect(lt.capacity_reservation_specification.capacity_reservation_target.capacity_reservation_id).toBe('cr-0123456789abcdef0');
    expect(onlyResource(config, 'aws_eks_node_group').taint).toEqual([{ key: 'dedicated', value: 'search', effect: 'NO_EXECUTE' }]);
    expect(pool.nodeLabels.tenant).toBe('search');
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
  test('EFA on an unsupported family', () => {
    expect(errorOf(build({ efa: true }))).toMatch(/'efa' is not supported by g5.2xlarge, got \["g5.2xlarge"\]; drop efa or use EFA-capable types \(g5.12xlarge, .*g5.8xlarge\)/);
    expect(errorOf(build({ efaInterfaces: 2 }))).toMatch(/'efaInterfaces' is set but efa is off/);
    expect(errorOf(build({ instanceTypes: [GpuInstanceType.P5_48XLARGE], efa: true, efaInterfaces: 33 }))).toMatch(/'efaInterfaces' must be a whole number from 1 to 32/);
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
    expect(errorOf(build({ desiredSize: 9 }))).toMatch(/'desiredSize' must be between minSize \(1\) and maxSize \(4\), got 9/);
  });
  test('a pool name violating naming rules', () => {
    expect(errorOf(build({ poolName: 'A10G Pool' }))).toMatch(/'poolName' must be a DNS-1123 label, got 'A10G Pool'/);
  });
});
