import { Construct } from 'constructs';
import { AwsPlatformStack } from './aws-platform-stack';
import { Fleet } from './fleet';
import { PlatformNames } from './platform-names';
import { ValidationError } from '../core/errors';
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
