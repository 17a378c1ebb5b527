import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { AwsPlatformStack } from './aws-platform-stack';
import { Fleet, FleetCluster, FleetHubNetwork } from './fleet';
import { PlatformNames } from './platform-names';
import { ARGOCD_CLUSTER_CLIENTS, ARGOCD_NAMESPACE } from './private/argocd-install';
import { ModelStoreReplication } from '../aws/model-store-replication';
import { Network } from '../aws/network';
import { PodIdentityRole } from '../aws/pod-identity-role';
import { AwsNames } from '../aws/private/aws-names';
import { PolicyDocuments } from '../aws/private/policy';
import { RegistryReplication } from '../aws/registry-replication';
import { ValidationError } from '../core/errors';
import { partitionOf } from '../core/private/iam-arns';
import { checkArgs, checkProps } from '../core/private/runtime-types';


/**
 * Properties of `AwsFleet`.
 */
export interface AwsFleetProps {
  /** The resolved fleet. */
  readonly fleet: Fleet;
  /**
   * Keep each cluster's Terraform state in S3 (`AwsPlatformStack.useS3State()` with its defaults), in the
   * cluster's account and region: bucket `<cluster name>-tfstate-<account>` (created once per cluster, before the
   * first deploy), key `<platform>/<fleet cluster name>/terraform.tfstate`, encrypted, with S3-native locking;
   * reached through the cluster's `deployRoleArn` when it has one. Off: call `stackOf(name).useS3State(...)` or
   * configure each stack's backend yourself.
   *
   * @default true
   */
  readonly s3State?: boolean;
}

/**
 * The AWS side of a fleet: one `AwsPlatformStack` per cluster, each its own Terraform stack with its own
 * state, provider region and account (and the cluster's deploy role, when it has one). Stacks are named
 * after the clusters' EKS names (`acme-llm-prod-eu-west-1`), so `cdktf deploy acme-llm-staging` deploys one
 * cluster and `cdktf.out/stacks/<name>/cdk.tf.json` holds each.
 *
 * The hub's Argo CD reaches every cluster without a long-lived token (Argo CD v3.5.1 declarative setup, "EKS"):
 * - the hub's stack: the management role `<hub cluster>-argocd-hub`, the Pod Identity of Argo CD's application
 *   controller, ApplicationSet controller and server (namespace `argocd`), allowed to assume every spoke role;
 * - every other cluster's stack: the spoke role `<cluster>-argocd-spoke` (no permission policy, trusted by the
 *   management role only) with an EKS access entry granting it `AmazonEKSClusterAdminPolicy` on its cluster.
 *   Its trust policy admits the management role by `aws:PrincipalArn` (through the hub account's root), which IAM
 *   accepts before that role exists: the stacks deploy in any order.
 * - with `FleetSpec.replication`: the source's stack replicates its model store into every other cluster's
 *   (`ModelStoreReplication`; it deploys after their stacks, since S3 needs the destinations to exist) and the
 *   registry of its account and region into every other account's and region's (`RegistryReplication`); stores and
 *   registries of other accounts admit the source (`ModelStoreProps.replicationSourceRoleArns`,
 *   `ImageRegistryProps.replicationSourceAccountIds`). Each account and region has one registry, created by its first
 *   cluster's stack with the repositories of all its clusters (with image replication, of the whole fleet).
 * - with `FleetHubNetwork.PRIVATE_NETWORK`, every other cluster's security group admits the hub's VPC CIDR on 443
 *   (your peering or Transit Gateway carries the traffic); with `PUBLIC_ENDPOINT`, their public endpoints admit
 *   `hubEgressCidrs` (`Fleet` adds them to each cluster's `publicAccessCidrs`).
 *
 * ```ts
 * const app = new App();
 * new AwsFleet(app, 'fleet', { fleet: new Fleet(fleetSpec) });
 * app.synth();
 * ```
 */
export class AwsFleet extends Construct {
  /** The clusters' stacks, in promotion order. */
  public readonly stacks: AwsPlatformStack[];
  private readonly byCluster = new Map<string, AwsPlatformStack>();

  constructor(scope: Construct, id: string, props: AwsFleetProps) {
    super(scope, id);
    checkProps('platform.AwsFleetProps', props, 'props', this);
    const fleet = props.fleet;
    const replication = fleet.spec.replication;
    const source = fleet.replicationSource;
    const models = source !== undefined && (replication?.models ?? true);
    const images = source !== undefined && (replication?.images ?? true);
    // ECR: one registry per account and region, created by its first cluster's stack with every repository its
    // clusters name (with image replication: every repository of the fleet, the replicated ones included)
    const reposOf = (clusters: FleetCluster[]) => [...new Set(clusters.flatMap((c) => new PlatformNames(c.spec).repositories))].sort();
    const fleetRepositories = reposOf(fleet.clusters);
    const sourceRegistry = source ? fleet.registryOwnerOf(source.name) : undefined;
    const replicationRole = source ? AwsNames.join([new PlatformNames(source.spec).modelStoreBucket, 'replication'], 64) : undefined;
    const replicationRoleArn = source ? `arn:${partitionOf(source.region)}:iam::${source.accountId}:role/${replicationRole}` : undefined;
    this.stacks = fleet.clusters.map((cluster) => {
      const names = new PlatformNames(cluster.spec);
      const owner = fleet.registryOwnerOf(cluster.name);
      const owns = owner.name === cluster.name;
      const repositories = images ? fleetRepositories : reposOf(fleet.clusters.filter((c) => fleet.registryOwnerOf(c.name).name === owner.name));
      const otherAccount = source !== undefined && cluster.accountId !== source.accountId;
      const stack = new AwsPlatformStack(this, names.clusterName, {
        spec: cluster.spec,
        deployRoleArn: cluster.deployRoleArn,
        createRegistry: owns,
        additionalRepositories: owns ? repositories.filter((r) => !names.repositories.includes(r)) : undefined,
        modelStoreReplicationSourceRoleArns: models && otherAccount && cluster.name !== source.name ? [replicationRoleArn!] : undefined,
        registryReplicationSourceAccountIds: images && owns && otherAccount && fleetRepositories.length > 0 ? [source.accountId] : undefined,
      });
      if (props.s3State ?? true) stack.useS3State();
      this.byCluster.set(cluster.name, stack);
      return stack;
    });
    this.connectHub(fleet);
    if (source !== undefined) this.replicate(fleet, source, sourceRegistry!, models, images, fleetRepositories, replicationRole!);
  }

  /**
   * S3 replication of the source's model store into every other cluster's (the source's stack deploys after theirs:
   * a replication configuration needs its destinations, versioned), ECR replication of the source's registry into
   * every other account's and region's registry.
   */
  private replicate(fleet: Fleet, source: FleetCluster, sourceRegistry: FleetCluster, models: boolean, images: boolean,
    repositories: string[], roleName: string): void {
    const sourceStack = this.byCluster.get(source.name)!;
    const others = fleet.clusters.filter((c) => c.name !== source.name);
    if (models) {
      new ModelStoreReplication(sourceStack, 'ModelStoreReplication', {
        source: sourceStack.modelStore,
        roleName,
        replicationTimeControl: fleet.spec.replication?.replicationTimeControl,
        destinations: others.map((c) => ({
          bucketName: this.byCluster.get(c.name)!.modelStore.bucketName, region: c.region, accountId: c.accountId, ruleId: c.name,
        })),
      });
      for (const c of others) sourceStack.addDependency(this.byCluster.get(c.name)!);
    }
    const destinations = fleet.clusters.filter((c) => fleet.registryOwnerOf(c.name).name === c.name && c.name !== sourceRegistry.name);
    if (images && repositories.length > 0 && destinations.length > 0) {
      new RegistryReplication(this.byCluster.get(sourceRegistry.name)!, 'RegistryReplication', {
        region: sourceRegistry.region,
        accountId: sourceRegistry.accountId,
        repositories,
        destinations: destinations.map((c) => ({ region: c.region, accountId: c.accountId })),
        name: new PlatformNames(source.spec).clusterName,
      });
    }
  }

  /** The hub's management role and every other cluster's spoke role with its access entry. */
  private connectHub(fleet: Fleet): void {
    const hub = fleet.hub;
    const hubStack = this.byCluster.get(hub.name)!;
    const hubNames = hubStack.names;
    const hubRoleArn = `arn:${partitionOf(hub.region)}:iam::${hub.accountId}:role/${hubNames.argocdHubRole}`;
    const spokes = fleet.clusters.filter((c) => !c.hub);
    const spokeArn = (c: FleetCluster) => `arn:${partitionOf(c.region)}:iam::${c.accountId}:role/${new PlatformNames(c.spec).argocdSpokeRole}`;
    const role = new PodIdentityRole(hubStack, 'ArgoCdHub', {
      cluster: hubStack.cluster,
      namespace: ARGOCD_NAMESPACE,
      serviceAccount: ARGOCD_CLUSTER_CLIENTS[0],
      roleName: hubNames.argocdHubRole,
    });
    for (const sa of ARGOCD_CLUSTER_CLIENTS.slice(1)) {
      AwsNames.stable(new EksPodIdentityAssociation(role, `Association-${sa}`, {
        clusterName: hubStack.cluster.clusterName,
        namespace: ARGOCD_NAMESPACE,
        serviceAccount: sa,
        roleArn: role.roleArn,
        dependsOn: [hubStack.cluster.dependable, ...role.grantDependables],
      }), 'aws_eks_pod_identity_association', [hubNames.argocdHubRole, sa], 'roleName');
    }
    if (spokes.length > 0) role.addToPolicy({ actions: ['sts:AssumeRole', 'sts:TagSession'], resources: spokes.map(spokeArn) });
    for (const c of spokes) {
      const stack = this.byCluster.get(c.name)!;
      const roleName = stack.names.argocdSpokeRole;
      const spoke = AwsNames.stable(new IamRole(stack, 'ArgoCdSpoke', {
        name: roleName,
        description: `Argo CD of the fleet hub ${hubNames.clusterName} reaching ${stack.names.clusterName} (EKS access entry, no permissions)`,
        // the management role through its account's root and an aws:PrincipalArn condition: the same principal as
        // naming the role, but IAM accepts the trust policy before the role exists, so no stack must deploy first
        assumeRolePolicy: PolicyDocuments.json([{
          Effect: 'Allow',
          Principal: { AWS: `arn:${partitionOf(hub.region)}:iam::${hub.accountId}:root` },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
          Condition: { ArnEquals: { 'aws:PrincipalArn': hubRoleArn } },
        }]),
      }), 'aws_iam_role', [roleName], 'roleName');
      stack.cluster.addAdmin('argocd-hub', spoke.arn);
      // FleetHubNetwork.PRIVATE_NETWORK: the cluster security group (on the control plane's ENIs) admits the hub's VPC
      if (fleet.hubNetwork === FleetHubNetwork.PRIVATE_NETWORK) {
        const hubCidr = hub.spec.cluster?.vpcCidr ?? Network.DEFAULT_CIDR;
        AwsNames.stable(new VpcSecurityGroupIngressRule(stack, 'ArgoCdHubApi', {
          securityGroupId: stack.cluster.clusterSecurityGroupId,
          description: `Kubernetes API from the fleet hub's Argo CD (${hubNames.clusterName}, VPC ${hubCidr})`,
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          cidrIpv4: hubCidr,
        }), 'aws_vpc_security_group_ingress_rule', [stack.names.clusterName, 'argocd-hub'], 'clusterName');
      }
    }
  }

  /**
   * The stack of one cluster.
   *
   * @param cluster the cluster's fleet name
   */
  public stackOf(cluster: string): AwsPlatformStack {
    checkArgs('platform.AwsFleet#stackOf', [cluster], this);
    const stack = this.byCluster.get(cluster);
    if (!stack) {
      throw new ValidationError('cluster', 'is not a cluster of the fleet', cluster, `use one of: ${[...this.byCluster.keys()].join(', ')}`, this);
    }
    return stack;
  }
}
