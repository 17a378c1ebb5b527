import * as fs from 'fs';
import * as path from 'path';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { TerraformElement } from 'cdktf';
import { Construct } from 'constructs';
import { IEksCluster } from './eks-cluster';
import { PodIdentityRole } from './pod-identity-role';
import { ValidationError } from '../core/errors';
import { AwsNames } from './private/aws-names';
import { escapeTags } from './private/terraform-escape';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * Props for `LoadBalancerControllerRole`.
 */
export interface LoadBalancerControllerRoleProps {
  /** The cluster the controller runs in. */
  readonly cluster: IEksCluster;
  /**
   * The controller's namespace.
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * The controller's ServiceAccount (the Helm chart's `serviceAccount.name`).
   *
   * @default 'aws-load-balancer-controller'
   */
  readonly serviceAccount?: string;
  /**
   * The IAM role name.
   *
   * @default - `<cluster>-aws-load-balancer-controller`, cut to 64 characters
   */
  readonly roleName?: string;
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * The AWS side of the AWS Load Balancer Controller: an EKS Pod Identity role for its ServiceAccount
 * with the controller's upstream IAM policy for `CONTROLLER_VERSION`, byte for byte
 * (kubernetes-sigs/aws-load-balancer-controller `docs/install/iam_policy.json` at that tag, vendored in
 * `schemas/upstream/aws-load-balancer-controller/`, with the China and GovCloud variants picked by the
 * cluster's region). The controller itself is installed by the Kubernetes side (Helm chart
 * aws/eks-charts `aws-load-balancer-controller`); it finds subnets by the `kubernetes.io/role/elb` and
 * `kubernetes.io/role/internal-elb` tags `Network` sets.
 */
export class LoadBalancerControllerRole extends Construct {
  /** The controller version whose IAM policy the role carries (the chart's appVersion). */
  public static readonly CONTROLLER_VERSION = 'v3.5.0';

  /**
   * The upstream IAM policy for a region's partition, as vendored (parsed JSON, no whitespace).
   */
  public static upstreamPolicy(region: string): string {
    checkArgs('aws.LoadBalancerControllerRole#upstreamPolicy', [region]);
    return JSON.stringify(JSON.parse(fs.readFileSync(policyFile(region), 'utf8')));
  }

  /** The role name. */
  public readonly roleName: string;
  /** The role ARN (a token). */
  public readonly roleArn: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The ServiceAccount. */
  public readonly serviceAccount: string;
  /** The IAM policy document of the role (JSON). */
  public readonly policyDocument: string;

  private readonly role: PodIdentityRole;

  constructor(scope: Construct, id: string, props: LoadBalancerControllerRoleProps) {
    super(scope, id);
    checkProps('aws.LoadBalancerControllerRoleProps', props, 'props', this);
    const cluster = props.cluster;
    this.namespace = props.namespace ?? 'kube-system';
    this.serviceAccount = props.serviceAccount ?? 'aws-load-balancer-controller';
    if (isolatedPartition(cluster.region)) {
      throw new ValidationError('cluster', `is in region '${cluster.region}' of an isolated partition, for which no controller policy is vendored`, cluster.region,
        "attach the controller's iam_policy_iso*.json for your partition to a PodIdentityRole yourself, or use a commercial, China or GovCloud region", this);
    }
    this.policyDocument = LoadBalancerControllerRole.upstreamPolicy(cluster.region);
    this.role = new PodIdentityRole(this, 'Role', {
      cluster,
      namespace: this.namespace,
      serviceAccount: this.serviceAccount,
      roleName: props.roleName ?? AwsNames.join([cluster.clusterName, 'aws-load-balancer-controller'], 64),
      tags: escapeTags(props.tags),
    });
    this.roleName = this.role.roleName;
    this.roleArn = this.role.roleArn;
    AwsNames.stable(new IamRolePolicy(this, 'Policy', {
      name: `aws-load-balancer-controller-${LoadBalancerControllerRole.CONTROLLER_VERSION}`,
      role: this.roleName,
      policy: this.policyDocument,
      dependsOn: [this.role.dependable],
    }), 'aws_iam_role_policy', [this.roleName], 'roleName');
  }

  /** The Terraform role resource (for `dependsOn`). */
  public get dependable(): TerraformElement {
    return this.role.dependable;
  }
}

/** Whether a region is in an isolated (ISO) partition (`us-iso-east-1`, `us-isob-east-1`, `eu-isoe-west-1`). */
function isolatedPartition(region: string): boolean {
  return /^[a-z]{2}-iso[a-z]?-/.test(region);
}

/** The vendored policy file of a region's partition (src/ and lib/ both sit two levels below the package root). */
function policyFile(region: string): string {
  if (isolatedPartition(region)) {
    throw new ValidationError('region', 'is in an isolated partition, for which no controller policy is vendored', region,
      'use a commercial, China or GovCloud region');
  }
  const file = region.startsWith('cn-') ? 'iam_policy_cn.json' : region.startsWith('us-gov-') ? 'iam_policy_us-gov.json' : 'iam_policy.json';
  return path.resolve(__dirname, '..', '..', 'schemas', 'upstream', 'aws-load-balancer-controller', file);
}
