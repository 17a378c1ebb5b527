import { IamServiceLinkedRole } from '@cdktf/provider-aws/lib/iam-service-linked-role';
import { dependable, TerraformStack } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { IEksCluster } from './eks-cluster';
import { ValidationError } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { autoScalingServiceLinkedRoleArn, ManagedKey } from './private/kms';
import { escapeTags } from './private/terraform-escape';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * Props for `NodeVolumeKey`.
 */
export interface NodeVolumeKeyProps {
  /** The cluster whose node volumes the key encrypts (one key per cluster). */
  readonly cluster: IEksCluster;
  /**
   * IAM roles or users that administer the key (never use it), besides the account root.
   *
   * @default - the account root only (administration delegated to IAM policies)
   */
  readonly adminPrincipalArns?: string[];
  /**
   * Create the EC2 Auto Scaling service-linked role (`AWSServiceRoleForAutoScaling`). KMS refuses a key
   * policy naming a role that does not exist, and a new account has this role only after its first Auto
   * Scaling group: set this in such an account. An account that already has the role must leave it off
   * (IAM refuses a second one: "Service role name AWSServiceRoleForAutoScaling has been taken").
   *
   * @default false
   */
  readonly createAutoScalingServiceLinkedRole?: boolean;
  /**
   * Protect the key with `prevent_destroy` (a destroyed key leaves every node volume unreadable).
   *
   * @default true
   */
  readonly preventDestroy?: boolean;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

const KEYS = new WeakMap<object, NodeVolumeKey>();

/**
 * The customer managed KMS key that encrypts a cluster's node EBS volumes (root and data volumes of every
 * managed node group), instead of the AWS managed key `aws/ebs`: yearly rotation, a 30-day deletion
 * window, `prevent_destroy`, and a key policy that separates administration from use:
 *
 * - `KeyAdministration`: the account root (IAM-delegated) and `adminPrincipalArns`, management actions only.
 * - `KeyUseThroughServices` / `KeyGrantsThroughServices`: principals of this account through EC2
 *   (`kms:ViaService` `ec2.<region>.amazonaws.com`), grants only for AWS resources: what Karpenter's
 *   CreateFleet and the EBS CSI driver need, with their IAM policies deciding who.
 * - `KeyUsers` / `KeyUserGrants`: the EC2 Auto Scaling service-linked role, which launches managed node
 *   groups' instances (Amazon EC2 Auto Scaling User Guide, "Required AWS KMS key policy for use with
 *   encrypted volumes": use of the key, and CreateGrant with `kms:GrantIsForAWSResource`).
 *
 * Node pools use the cluster's key by default (`NodeVolumeKey.of(cluster)` creates it at the first pool);
 * create it explicitly, before the pools, to set its options.
 */
export class NodeVolumeKey extends Construct {
  /**
   * The cluster's node volume key: the one created for `cluster`, else a new one with default options at
   * the root of the stack of `scope`.
   */
  public static of(scope: IConstruct, cluster: IEksCluster): NodeVolumeKey {
    checkArgs('aws.NodeVolumeKey#of', [scope, cluster]);
    const existing = KEYS.get(cluster);
    if (existing) return existing;
    const stack = TerraformStack.of(scope);
    return new NodeVolumeKey(stack, `NodeVolumeKey-${cluster.clusterName}`, { cluster });
  }

  /** The key ARN (a token). */
  public readonly keyArn: string;
  /** The alias name, `alias/<cluster>-node-volumes`. */
  public readonly aliasName: string;
  /** The Auto Scaling service-linked role ARN the key policy names. */
  public readonly autoScalingRoleArn: string;

  constructor(scope: Construct, id: string, props: NodeVolumeKeyProps) {
    super(scope, id);
    checkProps('aws.NodeVolumeKeyProps', props, 'props', this);
    const cluster = props.cluster;
    if (KEYS.has(cluster)) {
      throw new ValidationError('cluster', `already has a node volume key (${KEYS.get(cluster)!.node.path})`, cluster.clusterName,
        'create one NodeVolumeKey per cluster, before its node pools, or none (the pools create it)', this);
    }
    const env = AwsEnvironment.of(this);
    const name = AwsNames.join([cluster.clusterName, 'node-volumes'], 250);
    this.autoScalingRoleArn = autoScalingServiceLinkedRoleArn(env);
    const key = new ManagedKey(this, 'Key', {
      name,
      description: `${cluster.clusterName} node EBS volumes (managed node groups, Karpenter nodes)`,
      preventDestroy: props.preventDestroy ?? true,
      region: cluster.region,
      adminPrincipalArns: props.adminPrincipalArns,
      viaServices: ['ec2'],
      userPrincipalArns: [this.autoScalingRoleArn],
      grantsForAwsResources: true,
      tags: escapeTags(props.tags),
    });
    if (props.createAutoScalingServiceLinkedRole) {
      const slr = AwsNames.stable(new IamServiceLinkedRole(this, 'AutoScalingServiceLinkedRole', {
        awsServiceName: 'autoscaling.amazonaws.com',
        tags: escapeTags(props.tags),
      }), 'aws_iam_service_linked_role', ['autoscaling'], 'createAutoScalingServiceLinkedRole');
      key.key.dependsOn = [...(key.key.dependsOn ?? []), dependable(slr)];
    }
    this.keyArn = key.arn;
    this.aliasName = `alias/${name}`;
    KEYS.set(cluster, this);
  }
}
