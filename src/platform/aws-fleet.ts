import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { VpcSecurityGroupIngressRule } from '@cdktf/provider-aws/lib/vpc-security-group-ingress-rule';
import { Construct } from 'constructs';
import { AwsPlatformStack } from './aws-platform-stack';
import { Fleet, FleetCluster, FleetHubNetwork } from './fleet';
import { PlatformNames } from './platform-names';
import { ARGOCD_CLUSTER_CLIENTS, ARGOCD_NAMESPACE } from './private/argocd-install';
import { Network } from '../aws/network';
import { PodIdentityRole } from '../aws/pod-identity-role';
import { AwsNames } from '../aws/private/aws-names';
import { PolicyDocuments } from '../aws/private/policy';
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
 *   Its trust policy names the management role, which IAM requires to exist: the spoke stacks depend on the hub's
 *   (`cdktf deploy '*'` deploys the hub first).
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
    this.stacks = props.fleet.clusters.map((cluster) => {
      const names = new PlatformNames(cluster.spec);
      const stack = new AwsPlatformStack(this, names.clusterName, { spec: cluster.spec, deployRoleArn: cluster.deployRoleArn });
      if (props.s3State ?? true) stack.useS3State();
      this.byCluster.set(cluster.name, stack);
      return stack;
    });
    this.connectHub(props.fleet);
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
        assumeRolePolicy: PolicyDocuments.json([{
          Effect: 'Allow',
          Principal: { AWS: hubRoleArn },
          Action: ['sts:AssumeRole', 'sts:TagSession'],
        }]),
      }), 'aws_iam_role', [roleName], 'roleName');
      stack.cluster.addAdmin('argocd-hub', spoke.arn);
      stack.addDependency(hubStack);
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
