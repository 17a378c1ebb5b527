/**
 * The second example platform (examples/training-efa): EFA training on a Capacity Block in a FIPS account whose
 * organization runs GuardDuty, Security Hub and Config. Fine-grained checks of issue 13's points on both outputs,
 * the same whole-platform checks as the reference (schemas, provider schema, policies, consistency, twin), and
 * the bad inputs of this platform failing at synth.
 */
import * as cdktf from 'cdktf';
import { expectValidPlatform, synthesizeExample } from './example-platform';
import { spec } from '../../examples/training-efa/platform';
import { GpuInstanceType, KubernetesVersion } from '../../src';
import { AwsPlatformStack, GpuPoolSpec, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { tempDir } from '../util';

/** The spec validator's problems, one line each: `'<prop>' <problem>, got <value>; <fix>`. */
function problemsOf(s: PlatformSpec): string {
  return PlatformSpecValidator.problems(s).map((p) => `'${p.prop}' ${p.problem}, got ${p.value}; ${p.fix}`).join('\n');
}

function withPool(name: string, change: Partial<GpuPoolSpec>): PlatformSpec {
  return { ...spec, gpuPools: spec.gpuPools.map((p) => (p.name === name ? { ...p, ...change } : p)) };
}

describe('training-efa example platform', () => {
  const out = synthesizeExample(spec);
  const { platform, tf, objects } = out;
  const resources = (type: string): any[] => Object.values(tf.resource[type] ?? {});
  const efaTemplate = tf.resource.aws_launch_template.acme_train_prod_h100_efa;
  const efaGroup = tf.resource.aws_eks_node_group.acme_train_prod_h100_efa;

  test('is valid as a whole: provider schema, Kubernetes and CRD schemas, policies, both sides agree, twin', () => {
    expectValidPlatform(spec, out);
  });

  test('the p5.48xlarge pool attaches all 32 EFA interfaces: EFA on card 0, EFA-only on the other cards', () => {
    const interfaces = efaTemplate.network_interfaces;
    expect(interfaces).toHaveLength(32);
    expect(interfaces[0]).toMatchObject({ network_card_index: 0, device_index: 0, interface_type: 'efa' });
    for (let card = 1; card < 32; card++) {
      expect(interfaces[card]).toMatchObject({ network_card_index: card, device_index: 1, interface_type: 'efa-only' });
    }
    // every interface in the EFA security group (all traffic to and from itself)
    expect(new Set(interfaces.map((i: any) => i.security_groups.length))).toEqual(new Set([2]));
    const efaSg = tf.resource.aws_security_group.acme_train_prod_h100_efa_efa;
    expect(efaSg).toBeDefined();
  });

  test('the Capacity Block pool: CAPACITY_BLOCK, reservation in the launch template, its zone only, min 0', () => {
    expect(efaGroup.capacity_type).toBe('CAPACITY_BLOCK');
    expect(efaGroup.scaling_config).toEqual({ min_size: 0, desired_size: 2, max_size: 2 });
    expect(efaGroup.instance_types).toBeUndefined();
    expect(efaTemplate.instance_type).toBe('p5.48xlarge');
    expect(efaTemplate.instance_market_options).toEqual({ market_type: 'capacity-block' });
    expect(efaTemplate.capacity_reservation_specification).toEqual({ capacity_reservation_target: { capacity_reservation_id: 'cr-0a1b2c3d4e5f60718' } });
    expect(efaGroup.subnet_ids).toHaveLength(1);
  });

  test('node groups are replaced create-before-destroy under name prefixes; no add-on waits for a GPU group', () => {
    for (const group of resources('aws_eks_node_group')) {
      expect(group.node_group_name).toBeUndefined();
      expect(group.node_group_name_prefix).toMatch(/-$/);
      expect(group.lifecycle.create_before_destroy).toBe(true);
    }
    for (const addon of resources('aws_eks_addon')) {
      expect((addon.depends_on ?? []).filter((d: string) => d.includes('h100_efa'))).toEqual([]);
    }
  });

  test('FIPS everywhere: endpoints, managed groups and the Karpenter class', () => {
    expect(tf.provider.aws[0].use_fips_endpoint).toBe(true);
    expect(resources('aws_eks_node_group').map((g) => g.ami_type).sort()).toEqual(['BOTTLEROCKET_x86_64_FIPS', 'BOTTLEROCKET_x86_64_NVIDIA_FIPS']);
    const nodeClass = objects.find((o) => o.kind === 'EC2NodeClass');
    expect(nodeClass.spec.amiFamily).toBe('Bottlerocket');
    expect(nodeClass.spec.amiSelectorTerms).toEqual([{ ssmParameter: '/aws/service/bottlerocket/aws-k8s-1.34-nvidia-fips/x86_64/1.57.0/image_id' }]);
  });

  test('node volumes use the cluster node-volume key (managed groups and Karpenter); instances carry the cost tags', () => {
    const key = tf.resource.aws_kms_alias.acme_train_prod_node_volumes;
    expect(key.name).toBe('alias/acme-train-prod-node-volumes');
    for (const t of resources('aws_launch_template')) {
      for (const m of t.block_device_mappings) expect(m.ebs.kms_key_id).toMatch(/^\$\{aws_kms_key\./);
      const instanceTags = t.tag_specifications.find((s: any) => s.resource_type === 'instance').tags;
      expect(instanceTags).toMatchObject({ 'llm-platform.io/platform': 'acme-train', 'llm-platform.io/environment': 'prod' });
    }
    const nodeClass = objects.find((o) => o.kind === 'EC2NodeClass');
    for (const m of nodeClass.spec.blockDeviceMappings) expect(m.ebs.kmsKeyID).toBe('alias/acme-train-prod-node-volumes');
    expect(nodeClass.spec.tags).toMatchObject({ 'llm-platform.io/platform': 'acme-train', 'llm-platform.io/environment': 'prod' });
  });

  test('organization-managed GuardDuty, Security Hub and Config are adopted, not created', () => {
    expect(tf.resource.aws_guardduty_detector).toBeUndefined();
    expect(tf.data.aws_guardduty_detector).toBeDefined();
    expect(tf.resource.aws_securityhub_account).toBeUndefined();
    expect(tf.resource.aws_config_configuration_recorder).toBeUndefined();
    expect(resources('aws_s3_bucket_object_lock_configuration')[0].rule.default_retention).toEqual({ mode: 'COMPLIANCE', days: 365 });
    expect(tf.terraform.required_version).toBe('>= 1.10');
  });

  test('the Karpenter controller may launch from launch templates by their resource tag (upstream 1.14.1)', () => {
    const policies = resources('aws_iam_policy').filter((p) => p.name.includes('-karpenter-'));
    const statements = policies.flatMap((p) => JSON.parse(p.policy).Statement);
    const launchTemplates = statements.find((s: any) => s.Sid === 'AllowScopedEC2LaunchTemplateAccessActions');
    expect(launchTemplates.Condition.StringEquals['aws:ResourceTag/kubernetes.io/cluster/acme-train-prod']).toBe('owned');
  });

  test('EFA on the Kubernetes side: the device plugin on the EFA pool, 32 devices per training pod', () => {
    const plugin = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'prod-aws-efa-k8s-device-plugin');
    expect(plugin.spec.destination.namespace).toBe('kube-system');
    expect(JSON.stringify(plugin.spec.source.helm.valuesObject)).toContain('h100-efa');
    const job = objects.find((o) => o.kind === 'PyTorchJob');
    for (const role of ['Master', 'Worker']) {
      const container = job.spec.pytorchReplicaSpecs[role].template.spec.containers[0];
      expect(container.resources.limits['vpc.amazonaws.com/efa']).toBe('32');
      expect(container.resources.requests['vpc.amazonaws.com/efa']).toBe('32');
      expect(container.env).toEqual(expect.arrayContaining([{ name: 'FI_PROVIDER', value: 'efa' }, { name: 'FI_EFA_USE_DEVICE_RDMA', value: '1' }]));
    }
    expect(platform.twin().summaryLines().join('\n')).toContain('h100-efa: 64 vpc.amazonaws.com/efa needed at min');
  });

  test('bad input fails at synth naming the spec path, the value and the fix', () => {
    const efaOnL4 = withPool('h100-efa', { instanceTypes: [GpuInstanceType.G6_XLARGE], capacityBlock: undefined, desiredNodes: undefined });
    expect(problemsOf(efaOnL4)).toMatch(/gpuPools\[0\]\.efa.*g6\.xlarge/);
    const blockWithMin = withPool('h100-efa', { minNodes: 1 });
    expect(problemsOf(blockWithMin)).toMatch(/gpuPools\[0\]\.minNodes.*Capacity Block/i);
    const fipsOld: PlatformSpec = { ...spec, cluster: { ...spec.cluster, version: undefined } };
    expect(PlatformSpecValidator.problems(fipsOld)).toEqual([]);
    const noFipsAmi = { ...spec, cluster: { ...spec.cluster, version: KubernetesVersion.V1_28 } };
    expect(problemsOf(noFipsAmi)).toMatch(/gpuPools\[1\]\.provisioning.*FIPS/);
    expect(() => new AwsPlatformStack(new cdktf.App({ outdir: tempDir() }), 'x', { spec: blockWithMin })).toThrow(/minNodes/);
  });
});
