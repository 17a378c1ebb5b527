import { EksAddon as TfEksAddon } from '@cdktf/provider-aws/lib/eks-addon';
import { TerraformResource } from 'cdktf';
import { Construct } from 'constructs';
import { IEksCluster } from './eks-cluster';
import type { IModelStore } from './model-store';
import { PodIdentityRole } from './pod-identity-role';
import { ProblemCollector } from '../core/errors';
import { AwsNames } from './private/aws-names';
import { ComputeOrder } from './private/compute-order';
import { escapeTags } from './private/terraform-escape';
import { checkProps } from '../core/private/runtime-types';

/**
 * An EKS managed add-on with the version this release pins for Kubernetes 1.34.
 *
 * The pins are the add-on versions EKS listed as default for Kubernetes 1.34 when this release was
 * cut (`aws eks describe-addon-versions --kubernetes-version 1.34`); they are checked by nothing at
 * synth time (no network), so override them in `ClusterAddonsProps.versions` for other versions or
 * newer builds.
 */
export class ManagedAddon {
  /** Amazon VPC CNI (pod networking and NetworkPolicy enforcement). Before compute. */
  public static readonly VPC_CNI = new ManagedAddon('vpc-cni', 'v1.20.4-eksbuild.1', true);
  /** kube-proxy; its minor version must match the cluster's. Before compute. */
  public static readonly KUBE_PROXY = new ManagedAddon('kube-proxy', 'v1.34.0-eksbuild.2', true);
  /** EKS Pod Identity agent (credentials for Pod Identity roles). Before compute. */
  public static readonly POD_IDENTITY_AGENT = new ManagedAddon('eks-pod-identity-agent', 'v1.3.8-eksbuild.2', true);
  /** CoreDNS. After compute: it needs nodes to schedule on. */
  public static readonly COREDNS = new ManagedAddon('coredns', 'v1.12.3-eksbuild.1', false);
  /** Amazon EBS CSI driver. After compute. */
  public static readonly EBS_CSI = new ManagedAddon('aws-ebs-csi-driver', 'v1.48.0-eksbuild.2', false);
  /** Mountpoint for Amazon S3 CSI driver (mount model weights read-only). After compute. */
  public static readonly MOUNTPOINT_S3_CSI = new ManagedAddon('aws-mountpoint-s3-csi-driver', 'v2.0.0-eksbuild.1', false);
  /** Amazon EFS CSI driver. After compute. */
  public static readonly EFS_CSI = new ManagedAddon('aws-efs-csi-driver', 'v2.1.10-eksbuild.1', false);
  /**
   * EKS node monitoring agent: a DaemonSet (tolerates every taint, so it runs on GPU nodes) that reads
   * node logs and sets the `AcceleratedHardwareReady` (NVIDIA Xid, DCGM), `KernelReady`,
   * `NetworkingReady` and `StorageReady` node conditions. Managed node group auto repair
   * (`node_repair_config`) acts on those conditions only when this agent runs; without it, repair sees
   * only the kubelet's `Ready` (EKS User Guide, "Detect node health issues and enable automatic node
   * repair"). No IAM permissions. After compute.
   *
   * The pin `v1.4.0-eksbuild.2` is the build public Terraform pinned in the same release window as
   * this class's other pins (`aws-ebs-csi-driver` v1.48.0, `eks-pod-identity-agent` v1.3.8-eksbuild.2);
   * the agent's versions are not tied to a Kubernetes minor.
   */
  public static readonly NODE_MONITORING_AGENT = new ManagedAddon('eks-node-monitoring-agent', 'v1.4.0-eksbuild.2', false);

  /** The EKS add-on name. */
  public readonly addonName: string;
  /** The pinned version for Kubernetes 1.34. */
  public readonly defaultVersion: string;
  /** Whether nodes need it to become Ready (created before node groups). */
  public readonly beforeCompute: boolean;

  private constructor(addonName: string, defaultVersion: string, beforeCompute: boolean) {
    this.addonName = addonName;
    this.defaultVersion = defaultVersion;
    this.beforeCompute = beforeCompute;
  }
}

/**
 * Props for `ClusterAddons`.
 */
export interface ClusterAddonsProps {
  /** The cluster. */
  readonly cluster: IEksCluster;
  /**
   * Version overrides by add-on name, e.g. `{ 'kube-proxy': 'v1.33.3-eksbuild.6' }`.
   *
   * @default - the `ManagedAddon` pins
   */
  readonly versions?: { [addonName: string]: string };
  /**
   * Install the Mountpoint for S3 CSI driver with read access to these model stores' prefixes.
   *
   * @default - not installed
   */
  readonly mountpointS3?: MountpointS3Options;
  /**
   * Install the EFS CSI driver.
   *
   * @default false
   */
  readonly efs?: boolean;
  /**
   * Install the EKS node monitoring agent, which sets the node conditions (GPU Xid errors among them)
   * that managed node group auto repair acts on.
   *
   * @default true
   */
  readonly nodeMonitoringAgent?: boolean;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * What the Mountpoint for S3 CSI driver may mount.
 */
export interface MountpointS3Options {
  /** The model store. */
  readonly store: IModelStore;
  /** Prefixes it may read, e.g. `['models/']`. */
  readonly prefixes: string[];
}

const VERSION = /^v\d+\.\d+\.\d+-eksbuild\.\d+$/;

/**
 * The cluster's managed add-ons with explicit versions and ordering: `vpc-cni` (NetworkPolicy
 * enforcement on), `kube-proxy` and `eks-pod-identity-agent` before node groups so nodes become
 * Ready; `coredns`, the CSI drivers and the node monitoring agent after node groups so they never sit
 * DEGRADED with nowhere to schedule. CSI drivers get Pod Identity roles with the AWS managed driver
 * policies.
 */
export class ClusterAddons extends Construct {
  /** Installed add-on versions by name (sorted by name). */
  public readonly versions: { [addonName: string]: string };
  /** The EBS CSI driver role name. */
  public readonly ebsCsiRoleName: string;
  /** The Mountpoint S3 CSI driver role name, when installed. */
  public readonly mountpointS3RoleName?: string;
  /** The EFS CSI driver role name, when installed. */
  public readonly efsCsiRoleName?: string;

  constructor(scope: Construct, id: string, props: ClusterAddonsProps) {
    super(scope, id);
    checkProps('aws.ClusterAddonsProps', props, 'props', this);
    const cluster = props.cluster;
    const overrides = props.versions ?? {};
    const selected = [ManagedAddon.VPC_CNI, ManagedAddon.KUBE_PROXY, ManagedAddon.POD_IDENTITY_AGENT, ManagedAddon.COREDNS, ManagedAddon.EBS_CSI];
    if (props.mountpointS3) selected.push(ManagedAddon.MOUNTPOINT_S3_CSI);
    if (props.efs) selected.push(ManagedAddon.EFS_CSI);
    if (props.nodeMonitoringAgent ?? true) selected.push(ManagedAddon.NODE_MONITORING_AGENT);

    const problems = new ProblemCollector(this);
    const known = new Set(selected.map((a) => a.addonName));
    for (const name of Object.keys(overrides)) {
      problems.check(known.has(name), `versions.${name}`, 'is not an add-on this construct installs', name,
        `use one of ${[...known].sort().join(', ')}`);
    }
    const versions: { [name: string]: string } = {};
    for (const addon of selected) {
      const version = overrides[addon.addonName] ?? addon.defaultVersion;
      versions[addon.addonName] = version;
      problems.check(VERSION.test(version), `versions.${addon.addonName}`, "must be an EKS add-on version 'vX.Y.Z-eksbuild.N'", version,
        `run 'aws eks describe-addon-versions --addon-name ${addon.addonName} --kubernetes-version ${cluster.version.version}'`);
    }
    if (props.mountpointS3) {
      problems.check(Array.isArray(props.mountpointS3.prefixes) && props.mountpointS3.prefixes.length > 0, 'mountpointS3.prefixes',
        'must list at least one prefix', props.mountpointS3.prefixes, "list the prefixes pods may mount, e.g. ['models/']");
    }
    const kubeProxyMinor = /^v1\.(\d+)\./.exec(versions['kube-proxy'])?.[1];
    if (kubeProxyMinor !== undefined && Number(kubeProxyMinor) !== cluster.version.minor) {
      problems.add('versions.kube-proxy', `must match the cluster's Kubernetes minor version ${cluster.version.version}`, versions['kube-proxy'],
        `pass a v${cluster.version.version}.x build of kube-proxy in versions['kube-proxy']`);
    }
    problems.throwIfAny();
    this.versions = Object.fromEntries(Object.entries(versions).sort(([a], [b]) => a.localeCompare(b)));

    const before: TerraformResource[] = [];
    const after: TerraformResource[] = [];
    type Extra = { configurationValues?: string; role?: PodIdentityRole; serviceAccount?: string; dependsOn?: TerraformResource[] };
    const add = (addon: ManagedAddon, extra: Extra = {}) => {
      const resource = AwsNames.stable(new TfEksAddon(this, addon.addonName, {
        clusterName: cluster.clusterName,
        addonName: addon.addonName,
        addonVersion: versions[addon.addonName],
        // Terraform is the source of truth: manual edits to managed fields are overwritten.
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        configurationValues: extra.configurationValues,
        podIdentityAssociation: extra.role ? [{ roleArn: extra.role.roleArn, serviceAccount: extra.serviceAccount! }] : undefined,
        tags: escapeTags(props.tags),
        dependsOn: [cluster.dependable, ...(extra.dependsOn ?? [])],
      }), 'aws_eks_addon', [cluster.clusterName, addon.addonName], 'cluster');
      (addon.beforeCompute ? before : after).push(resource);
      return resource;
    };
    const csiRole = (name: string, serviceAccount: string, managedPolicies: string[]) => new PodIdentityRole(this, `${name}-role`, {
      cluster,
      namespace: 'kube-system',
      serviceAccount,
      roleName: AwsNames.join([cluster.clusterName, name], 64),
      associate: false,
      managedPolicies,
      tags: escapeTags(props.tags),
    });

    add(ManagedAddon.VPC_CNI, { configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }) });
    add(ManagedAddon.KUBE_PROXY);
    const agent = add(ManagedAddon.POD_IDENTITY_AGENT);
    add(ManagedAddon.COREDNS);

    const ebsRole = csiRole('ebs-csi', 'ebs-csi-controller-sa', ['service-role/AmazonEBSCSIDriverPolicy']);
    this.ebsCsiRoleName = ebsRole.roleName;
    add(ManagedAddon.EBS_CSI, { role: ebsRole, serviceAccount: 'ebs-csi-controller-sa', dependsOn: [agent, ...grantsOf(ebsRole)] });

    if (props.mountpointS3) {
      const role = csiRole('mountpoint-s3-csi', 's3-csi-driver-sa', []);
      for (const prefix of props.mountpointS3.prefixes) props.mountpointS3.store.grantRead(role, prefix);
      this.mountpointS3RoleName = role.roleName;
      add(ManagedAddon.MOUNTPOINT_S3_CSI, { role, serviceAccount: 's3-csi-driver-sa', dependsOn: [agent, ...grantsOf(role)] });
    }
    if (props.efs) {
      const role = csiRole('efs-csi', 'efs-csi-controller-sa', ['service-role/AmazonEFSCSIDriverPolicy']);
      this.efsCsiRoleName = role.roleName;
      add(ManagedAddon.EFS_CSI, { role, serviceAccount: 'efs-csi-controller-sa', dependsOn: [agent, ...grantsOf(role)] });
    }
    if (props.nodeMonitoringAgent ?? true) add(ManagedAddon.NODE_MONITORING_AGENT);
    ComputeOrder.registerAddons(cluster, before, after);
  }
}

/** The role and its policies: an add-on's controller starts with its Pod Identity role, so it waits for the role's permissions. */
function grantsOf(role: PodIdentityRole): TerraformResource[] {
  return role.grantDependables.filter((e): e is TerraformResource => e instanceof TerraformResource);
}
