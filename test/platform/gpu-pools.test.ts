import { Testing } from 'cdktf';
import { expectBothEntryPointsRefuse, smallSpec, validationErrorOf } from './fixtures';
import { GpuInstanceType } from '../../src/core';
import { AwsPlatformStack, GpuCapacityType, GpuPoolSpec, GpuProvisioning, PlatformSpec } from '../../src/platform';
import { expectValidTerraform, onlyResource, resourcesOf } from '../util';

/** A training platform: a p5.48xlarge EFA pool on a Capacity Block (no models placed on it). */
function p5Spec(pool: Partial<GpuPoolSpec> = {}): PlatformSpec {
  const base = smallSpec();
  return {
    ...base,
    gpuPools: [
      base.gpuPools[0],
      {
        name: 'h100',
        instanceTypes: [GpuInstanceType.P5_48XLARGE],
        maxNodes: 4,
        efa: true,
        capacityBlock: { reservationId: 'cr-0123456789abcdef0', availabilityZone: 'us-east-1b' },
        provisioning: GpuProvisioning.MANAGED_NODE_GROUP,
        ...pool,
      },
    ],
  };
}

function synth(spec: PlatformSpec): { stack: AwsPlatformStack; config: any } {
  const stack = new AwsPlatformStack(Testing.app(), 'acme', { spec });
  // every block checked against the hashicorp/aws 6.25.0 schema
  return { stack, config: expectValidTerraform(Testing.synth(stack)) };
}

describe('GPU pools of the platform spec (issue 13)', () => {
  test('defect 2: a pool without minNodes starts at 0 nodes; CoreDNS and EBS CSI wait for the system pool only', () => {
    const { config } = synth(p5Spec({ capacityBlock: undefined }));
    const groups = resourcesOf(config, 'aws_eks_node_group');
    expect(groups.acme_llm_dev_h100.scaling_config).toEqual({ min_size: 0, max_size: 4, desired_size: 0 });
    const addons = resourcesOf(config, 'aws_eks_addon');
    for (const name of ['acme_llm_dev_coredns', 'acme_llm_dev_aws_ebs_csi_driver']) {
      expect(addons[name].depends_on).toContain('aws_eks_node_group.acme_llm_dev_system');
      expect(addons[name].depends_on).not.toContain('aws_eks_node_group.acme_llm_dev_a10g');
      expect(addons[name].depends_on).not.toContain('aws_eks_node_group.acme_llm_dev_h100');
    }
    // a warm baseline stays one setting away
    const warm = synth(p5Spec({ capacityBlock: undefined, minNodes: 2 })).config;
    expect(resourcesOf(warm, 'aws_eks_node_group').acme_llm_dev_h100.scaling_config).toEqual({ min_size: 2, max_size: 4, desired_size: 2 });
  });

  test('a p5.48xlarge EFA pool on a Capacity Block: 32 EFA interfaces, the reservation, its zone, min 0, EKS owns desired size', () => {
    const { stack, config } = synth(p5Spec({ desiredNodes: 2 }));
    const group = resourcesOf(config, 'aws_eks_node_group').acme_llm_dev_h100;
    expect(group).toMatchObject({
      node_group_name_prefix: 'h100-',
      capacity_type: 'CAPACITY_BLOCK',
      scaling_config: { min_size: 0, max_size: 4, desired_size: 2 },
      subnet_ids: ['${aws_subnet.acme_llm_dev_private_us_east_1b.id}'],
      lifecycle: { create_before_destroy: true, ignore_changes: ['scaling_config[0].desired_size'] },
    });
    expect(group.instance_types).toBeUndefined();
    const lt = resourcesOf(config, 'aws_launch_template').acme_llm_dev_h100;
    expect(lt.instance_type).toBe('p5.48xlarge');
    expect(lt.instance_market_options).toEqual({ market_type: 'capacity-block' });
    expect(lt.capacity_reservation_specification).toEqual({ capacity_reservation_target: { capacity_reservation_id: 'cr-0123456789abcdef0' } });
    expect(lt.network_interfaces).toHaveLength(32);
    expect(lt.network_interfaces.map((ni: any) => ni.interface_type)).toEqual(['efa', ...Array(31).fill('efa-only')]);
    expect(lt.placement).toBeUndefined();
    expect(stack.gpuNodePools.map((p) => [p.poolName, p.efaInterfaces])).toEqual([['a10g', 0], ['h100', 32]]);
  });

  test('an EFA pool without a Capacity Block gets a cluster placement group in the first zone', () => {
    const { config } = synth(p5Spec({ capacityBlock: undefined }));
    expect(onlyResource(config, 'aws_placement_group')).toMatchObject({ name: 'acme-llm-dev-h100', strategy: 'cluster' });
    expect(resourcesOf(config, 'aws_eks_node_group').acme_llm_dev_h100).toMatchObject({
      capacity_type: 'ON_DEMAND', subnet_ids: ['${aws_subnet.acme_llm_dev_private_us_east_1a.id}'],
    });
  });

  test('availabilityZone puts an EFA pool in another zone', () => {
    const { config } = synth(p5Spec({ capacityBlock: undefined, availabilityZone: 'us-east-1c' }));
    expect(resourcesOf(config, 'aws_eks_node_group').acme_llm_dev_h100.subnet_ids).toEqual(['${aws_subnet.acme_llm_dev_private_us_east_1c.id}']);
  });

  test('point 10: node volumes use the platform\'s customer managed key; cost tags reach instances, volumes and ENIs', () => {
    const { stack, config } = synth(smallSpec());
    expect(stack.nodeVolumeKey.aliasName).toBe('alias/acme-llm-dev-node-volumes');
    for (const lt of Object.values<any>(resourcesOf(config, 'aws_launch_template'))) {
      expect(lt.block_device_mappings[0].ebs.kms_key_id).toBe('${aws_kms_key.acme_llm_dev_node_volumes.arn}');
      for (const spec of lt.tag_specifications) {
        expect(spec.tags).toMatchObject({ 'llm-platform.io/platform': 'acme-llm', 'llm-platform.io/environment': 'dev' });
      }
    }
    // Karpenter launches nodes too: its controller may use the key through EC2
    const policies = Object.values<any>(resourcesOf(config, 'aws_iam_policy')).map((p) => JSON.parse(p.policy));
    const keyStatements = policies.flatMap((p) => p.Statement).filter((st: any) => JSON.stringify(st.Resource ?? '').includes('aws_kms_key.acme_llm_dev_node_volumes.arn'));
    expect(keyStatements.map((st: any) => st.Sid).sort()).toEqual(['AllowNodeVolumeKeyGrants', 'AllowNodeVolumeKeyUse']);
  });
});

/** [what is broken, the spec, the spec path, a fragment of the value, a fragment of the fix] */
const BROKEN: [string, PlatformSpec, string, string, string][] = [
  ['Capacity Block with a minimum above 0', p5Spec({ minNodes: 1 }), 'gpuPools[1].minNodes', '1', 'drop minNodes'],
  ['Capacity Block with two instance types', p5Spec({ efa: false, instanceTypes: [GpuInstanceType.G6E_12XLARGE, GpuInstanceType.G6E_24XLARGE] }),
    'gpuPools[1].instanceTypes', 'g6e.24xlarge', 'the instance type the Capacity Block reserves'],
  ['Capacity Block on Spot', p5Spec({ capacityType: GpuCapacityType.SPOT }), 'gpuPools[1].capacityType', "'spot'", 'drop capacityType'],
  ['Capacity Block with Karpenter only', p5Spec({ efa: false, provisioning: GpuProvisioning.KARPENTER }), 'gpuPools[1].capacityBlock', "'karpenter'", 'use GpuProvisioning.MANAGED_NODE_GROUP'],
  ['Capacity Block with a malformed id', p5Spec({ capacityBlock: { reservationId: 'cr-1', availabilityZone: 'us-east-1b' } }),
    'gpuPools[1].capacityBlock.reservationId', "'cr-1'", 'capacity reservation id'],
  ['Capacity Block outside the cluster zones', p5Spec({ capacityBlock: { reservationId: 'cr-0123456789abcdef0', availabilityZone: 'us-east-1f' } }),
    'gpuPools[1].capacityBlock.availabilityZone', "'us-east-1f'", 'cluster.availabilityZones'],
  ['a zone outside the cluster', p5Spec({ capacityBlock: undefined, availabilityZone: 'us-west-2a' }), 'gpuPools[1].availabilityZone', "'us-west-2a'", 'cluster.availabilityZones'],
  ['a zone other than the Capacity Block\'s', p5Spec({ availabilityZone: 'us-east-1a' }), 'gpuPools[1].availabilityZone', "'us-east-1a'", 'drop availabilityZone'],
  ['EFA on an instance type without EFA', p5Spec({ instanceTypes: [GpuInstanceType.G6E_4XLARGE], capacityBlock: undefined }),
    'gpuPools[1].efa', 'true', 'GpuInstanceType.maxEfaInterfaces > 0'],
];

describe('GPU pool spec errors (issue 13)', () => {
  test.each(BROKEN)('%s: both entry points fail naming the spec path, value and fix', (_what, spec, prop, value, fix) => {
    expectBothEntryPointsRefuse(spec, prop, value, fix);
  });

  test('the EFA error says why: the type has no EFA interfaces', () => {
    const error = validationErrorOf(() => new AwsPlatformStack(Testing.app(), 'aws', { spec: p5Spec({ instanceTypes: [GpuInstanceType.G6E_4XLARGE], capacityBlock: undefined }) }));
    expect(error.message).toContain("'gpuPools[1].efa' is not supported by g6e.4xlarge (no EFA interfaces), got true");
  });
});
