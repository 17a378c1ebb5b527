import { TerraformStack, Testing } from 'cdktf';
import { ClusterAddons, ClusterAddonsProps, ManagedAddon } from '../../src/aws/cluster-addons';
import { ModelStore } from '../../src/aws/model-store';
import { NodePool } from '../../src/aws/node-pool';
import { KubernetesVersion } from '../../src/core';
import { resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf } from './fixtures';

function build(props: Partial<ClusterAddonsProps> = {}, version?: KubernetesVersion): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    const cluster = clusterFixture(stack, { version });
    new ClusterAddons(stack, 'Addons', { cluster, ...props });
  };
}

describe('ClusterAddons defaults', () => {
  let addons!: ClusterAddons;
  const config = synthStack((stack) => {
    const cluster = clusterFixture(stack);
    addons = new ClusterAddons(stack, 'Addons', { cluster }); // before the node pool: ordering still holds
    new NodePool(stack, 'System', { cluster });
  });
  const all = resourcesOf(config, 'aws_eks_addon');

  test('vpc-cni, kube-proxy, pod identity agent, coredns, EBS CSI and the node monitoring agent with pinned versions', () => {
    expect(Object.keys(all).sort()).toEqual(['acme_prod_aws_ebs_csi_driver', 'acme_prod_coredns', 'acme_prod_eks_node_monitoring_agent',
      'acme_prod_eks_pod_identity_agent', 'acme_prod_kube_proxy', 'acme_prod_vpc_cni']);
    expect(addons.versions).toEqual({
      'aws-ebs-csi-driver': ManagedAddon.EBS_CSI.defaultVersion,
      'coredns': ManagedAddon.COREDNS.defaultVersion,
      'eks-node-monitoring-agent': ManagedAddon.NODE_MONITORING_AGENT.defaultVersion,
      'eks-pod-identity-agent': ManagedAddon.POD_IDENTITY_AGENT.defaultVersion,
      'kube-proxy': ManagedAddon.KUBE_PROXY.defaultVersion,
      'vpc-cni': ManagedAddon.VPC_CNI.defaultVersion,
    });
    for (const addon of Object.values<any>(all)) {
      expect(addon.addon_version).toMatch(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/);
      expect(addon).toMatchObject({ cluster_name: 'acme-prod', resolve_conflicts_on_create: 'OVERWRITE', resolve_conflicts_on_update: 'OVERWRITE' });
    }
    expect(all.acme_prod_kube_proxy.addon_version).toMatch(/^v1\.34\./);
  });

  test('NetworkPolicy enforcement on in the VPC CNI', () => {
    expect(JSON.parse(all.acme_prod_vpc_cni.configuration_values)).toEqual({ enableNetworkPolicy: 'true' });
  });

  test('before compute: node groups wait for vpc-cni, kube-proxy and the pod identity agent', () => {
    const group = resourcesOf(config, 'aws_eks_node_group').acme_prod_system;
    expect(group.depends_on).toEqual(expect.arrayContaining(['aws_eks_addon.acme_prod_vpc_cni', 'aws_eks_addon.acme_prod_kube_proxy', 'aws_eks_addon.acme_prod_eks_pod_identity_agent']));
    expect(group.depends_on).not.toContain('aws_eks_addon.acme_prod_coredns');
  });

  test('after compute: CoreDNS and EBS CSI wait for node groups', () => {
    expect(all.acme_prod_coredns.depends_on).toEqual(['aws_eks_cluster.acme_prod', 'aws_eks_node_group.acme_prod_system']);
    expect(all.acme_prod_aws_ebs_csi_driver.depends_on).toEqual(expect.arrayContaining(['aws_eks_node_group.acme_prod_system', 'aws_eks_addon.acme_prod_eks_pod_identity_agent']));
  });

  test('issue 13 point 6: the node monitoring agent, which sets the conditions node auto repair acts on, is installed after compute with no role', () => {
    const agent = all.acme_prod_eks_node_monitoring_agent;
    expect(agent).toMatchObject({ addon_name: 'eks-node-monitoring-agent', addon_version: 'v1.4.0-eksbuild.2' });
    expect(agent.depends_on).toEqual(['aws_eks_cluster.acme_prod', 'aws_eks_node_group.acme_prod_system']);
    expect(agent.pod_identity_association).toBeUndefined();
    expect(agent.service_account_role_arn).toBeUndefined();
    expect(ManagedAddon.NODE_MONITORING_AGENT.beforeCompute).toBe(false);
    // node repair is on for the node group, and now has the agent's conditions to act on
    expect(resourcesOf(config, 'aws_eks_node_group').acme_prod_system.node_repair_config).toEqual({ enabled: true });
    expect(resourcesOf(config, 'aws_eks_node_group').acme_prod_system.depends_on).not.toContain('aws_eks_addon.acme_prod_eks_node_monitoring_agent');
  });

  test('EBS CSI runs with a Pod Identity role holding the AWS managed driver policy', () => {
    expect(all.acme_prod_aws_ebs_csi_driver.pod_identity_association).toEqual([{ role_arn: '${aws_iam_role.acme_prod_ebs_csi.arn}', service_account: 'ebs-csi-controller-sa' }]);
    expect(resourcesOf(config, 'aws_iam_role_policy_attachment').acme_prod_ebs_csi_amazonebscsidriverpolicy.policy_arn).toContain('service-role/AmazonEBSCSIDriverPolicy');
    expect(addons.ebsCsiRoleName).toBe('acme-prod-ebs-csi');
    // the driver starts with the role: it waits for the role's permissions, not only the role
    expect(all.acme_prod_aws_ebs_csi_driver.depends_on).toEqual(expect.arrayContaining(['aws_iam_role.acme_prod_ebs_csi', 'aws_iam_role_policy_attachment.acme_prod_ebs_csi_amazonebscsidriverpolicy']));
    expect(resourcesOf(config, 'aws_eks_pod_identity_association')).toEqual({});
  });
});

describe('ClusterAddons options', () => {
  test('Mountpoint for S3 with read-only prefixes, EFS, version overrides', () => {
    let addons!: ClusterAddons;
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new NodePool(stack, 'System', { cluster }); // node pool first: ordering still holds
      const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models' });
      addons = new ClusterAddons(stack, 'Addons', { cluster, mountpointS3: { store, prefixes: ['models/'] }, efs: true, versions: { coredns: 'v1.12.4-eksbuild.1' } });
    });
    const all = resourcesOf(config, 'aws_eks_addon');
    expect(all.acme_prod_coredns.addon_version).toBe('v1.12.4-eksbuild.1');
    expect(all.acme_prod_aws_mountpoint_s3_csi_driver.pod_identity_association).toEqual([{ role_arn: '${aws_iam_role.acme_prod_mountpoint_s3_csi.arn}', service_account: 's3-csi-driver-sa' }]);
    expect(all.acme_prod_aws_efs_csi_driver.pod_identity_association[0].service_account).toBe('efs-csi-controller-sa');
    expect(all.acme_prod_coredns.depends_on).toContain('aws_eks_node_group.acme_prod_system');
    expect(resourcesOf(config, 'aws_eks_node_group').acme_prod_system.depends_on).toContain('aws_eks_addon.acme_prod_vpc_cni');
    const statements = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_mountpoint_s3_csi.policy).Statement;
    expect(statements[0].Resource).toEqual(['${aws_s3_bucket.acme_prod_models.arn}/models/*']);
    expect(addons.mountpointS3RoleName).toBe('acme-prod-mountpoint-s3-csi');
    expect(addons.efsCsiRoleName).toBe('acme-prod-efs-csi');
  });

  test('the node monitoring agent can be left out, and its version overridden', () => {
    const without = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new ClusterAddons(stack, 'Addons', { cluster, nodeMonitoringAgent: false });
    });
    expect(resourcesOf(without, 'aws_eks_addon').acme_prod_eks_node_monitoring_agent).toBeUndefined();
    expect(Object.keys(resourcesOf(without, 'aws_eks_addon'))).toHaveLength(5);
    const pinned = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      new ClusterAddons(stack, 'Addons', { cluster, versions: { 'eks-node-monitoring-agent': 'v1.7.0-eksbuild.1' } });
    });
    expect(resourcesOf(pinned, 'aws_eks_addon').acme_prod_eks_node_monitoring_agent.addon_version).toBe('v1.7.0-eksbuild.1');
  });
});

describe('ClusterAddons errors', () => {
  test('kube-proxy minor version not matching the cluster', () => {
    expect(errorOf(build({}, KubernetesVersion.V1_33)))
      .toMatch(/'versions.kube-proxy' must match the cluster's Kubernetes minor version 1.33, got 'v1.34.0-eksbuild.2'; pass a v1.33.x build of kube-proxy/);
  });
  test('malformed version and unknown add-on', () => {
    expect(errorOf(build({ versions: { 'vpc-cni': 'latest' } }))).toMatch(/'versions.vpc-cni' must be an EKS add-on version 'vX.Y.Z-eksbuild.N', got 'latest'; run 'aws eks describe-addon-versions/);
    expect(errorOf(build({ versions: { 'aws-efs-csi-driver': 'v2.1.10-eksbuild.1' } }))).toMatch(/'versions.aws-efs-csi-driver' is not an add-on this construct installs/);
    expect(errorOf(build({ nodeMonitoringAgent: false, versions: { 'eks-node-monitoring-agent': 'v1.4.0-eksbuild.2' } })))
      .toMatch(/'versions.eks-node-monitoring-agent' is not an add-on this construct installs/);
    expect(errorOf(build({ versions: { 'eks-node-monitoring-agent': '1.4.0' } }))).toMatch(/'versions.eks-node-monitoring-agent' must be an EKS add-on version/);
  });
  test('Mountpoint without prefixes', () => {
    expect(errorOf(() => {
      const stack = new TerraformStack(Testing.app(), 'test');
      const cluster = clusterFixture(stack);
      const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models' });
      new ClusterAddons(stack, 'Addons', { cluster, mountpointS3: { store, prefixes: [] } });
    })).toMatch(/'mountpointS3.prefixes' must list at least one prefix, got \[\]/);
  });
});
