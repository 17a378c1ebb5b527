import { EksPodIdentityAssociation } from '@cdktf/provider-aws/lib/eks-pod-identity-association';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';
import { IEksCluster } from './eks-cluster';
import type { IImageRegistry } from './image-registry';
import type { IModelStore } from './model-store';
import { ValidationError } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { dependsOnEntry } from './private/depends-on';
import { PolicyDocuments, Statement } from './private/policy';
import { escapeTags } from './private/terraform-escape';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * One IAM policy statement (Allow).
 */
export interface PolicyStatementProps {
  /** Actions, e.g. `['s3:GetObject']`. */
  readonly actions: string[];
  /** Resource ARNs (no `*` unless the action has no resource-level permissions). */
  readonly resources: string[];
  /**
   * Conditions, `{ operator: { key: value } }`.
   *
   * @default - none
   */
  readonly conditions?: { [operator: string]: any };
}

/**
 * An IAM role other constructs can grant permissions to.
 */
export interface IAwsRole {
  /** The role name (plain). */
  readonly roleName: string;
  /** The role ARN (a token). */
  readonly roleArn: string;
  /** Add an Allow statement to the role's inline policy. */
  addToPolicy(statement: PolicyStatementProps): void;
}

/**
 * Props for `PodIdentityRole`.
 */
export interface PodIdentityRoleProps {
  /** The cluster. */
  readonly cluster: IEksCluster;
  /** The namespace of the service account. */
  readonly namespace: string;
  /** The Kubernetes service account the pods run as. */
  readonly serviceAccount: string;
  /**
   * The IAM role name.
   *
   * @default - `<cluster>-<namespace>-<serviceAccount>`, cut to 64 characters
   */
  readonly roleName?: string;
  /**
   * Create the `aws_eks_pod_identity_association` (turn off when an EKS add-on owns the association).
   *
   * @default true
   */
  readonly associate?: boolean;
  /**
   * AWS managed policies to attach, by name under `arn:<partition>:iam::aws:policy/` (e.g.
   * `service-role/AmazonEBSCSIDriverPolicy`).
   *
   * @default - none
   */
  readonly managedPolicies?: string[];
  /**
   * Tags.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/**
 * An IAM role for pods through EKS Pod Identity: trusted by `pods.eks.amazonaws.com` for
 * `sts:AssumeRole` and `sts:TagSession` (limited to this account), associated with one namespace and
 * service account, with typed least-privilege grants.
 */
export class PodIdentityRole extends Construct implements IAwsRole {
  public readonly roleName: string;
  public readonly roleArn: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The service account. */
  public readonly serviceAccount: string;
  /** The cluster name. */
  public readonly clusterName: string;

  private readonly role: IamRole;
  private readonly statements: Statement[] = [];
  private readonly attachments: IamRolePolicyAttachment[] = [];
  private readonly association?: EksPodIdentityAssociation;
  private policy?: IamRolePolicy;

  constructor(scope: Construct, id: string, props: PodIdentityRoleProps) {
    super(scope, id);
    checkProps('aws.PodIdentityRoleProps', props, 'props', this);
    this.namespace = AwsNames.validate('kubernetesName', 'namespace', props.namespace, this);
    this.serviceAccount = AwsNames.validate('kubernetesName', 'serviceAccount', props.serviceAccount, this);
    this.clusterName = props.cluster.clusterName;
    this.roleName = AwsNames.validate('iamRole', 'roleName',
      props.roleName ?? AwsNames.join([props.cluster.clusterName, this.namespace, this.serviceAccount], 64), this);
    const env = AwsEnvironment.of(this);

    this.role = AwsNames.stable(new IamRole(this, 'Resource', {
      name: this.roleName,
      description: `EKS Pod Identity for ${this.namespace}/${this.serviceAccount} in ${this.clusterName}`,
      assumeRolePolicy: PolicyDocuments.json([{
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { StringEquals: { 'aws:SourceAccount': env.accountId } },
      }]),
      tags: escapeTags(props.tags),
    }), 'aws_iam_role', [this.roleName], 'roleName');
    this.roleArn = this.role.arn;

    for (const policy of [...new Set(props.managedPolicies ?? [])].sort()) {
      this.attachments.push(AwsNames.stable(new IamRolePolicyAttachment(this, `Managed-${policy}`, {
        role: this.role.name,
        policyArn: env.managedPolicyArn(policy),
      }), 'aws_iam_role_policy_attachment', [this.roleName, policy.split('/').pop()!], 'roleName'));
    }

    if (props.associate ?? true) {
      // Pods get the role's credentials as soon as the association exists: it waits for the role's
      // policies (managed ones here, the inline grants policy when the first grant creates it).
      this.association = AwsNames.stable(new EksPodIdentityAssociation(this, 'Association', {
        clusterName: props.cluster.clusterName,
        namespace: this.namespace,
        serviceAccount: this.serviceAccount,
        roleArn: this.roleArn,
        tags: escapeTags(props.tags),
        dependsOn: [props.cluster.dependable, ...this.attachments],
      }), 'aws_eks_pod_identity_association', [this.roleName], 'roleName');
    }
  }

  /** The Terraform role resource (for `dependsOn`). */
  public get dependable(): TerraformElement {
    return this.role;
  }

  /**
   * The role and every policy granted to it so far (managed policy attachments, the inline grants
   * policy): what a resource that uses the role at creation must `dependsOn`, so it never runs with
   * the role before its permissions exist.
   */
  public get grantDependables(): TerraformElement[] {
    return [this.role, ...this.attachments, ...(this.policy ? [this.policy] : [])];
  }

  public addToPolicy(statement: PolicyStatementProps): void {
    checkProps('aws.PolicyStatementProps', statement, 'statement', this);
    if (!Array.isArray(statement.actions) || statement.actions.length === 0) {
      throw new ValidationError('actions', 'must list at least one action', statement.actions, "add e.g. 's3:GetObject'", this);
    }
    if (!Array.isArray(statement.resources) || statement.resources.length === 0) {
      throw new ValidationError('resources', 'must list at least one resource ARN', statement.resources, 'name the resources the actions apply to', this);
    }
    for (const action of statement.actions) {
      if (!Token.isUnresolved(action) && !/^[a-z0-9-]+:[A-Za-z0-9*]+$/.test(action)) {
        throw new ValidationError('actions', "must be IAM actions of the form 'service:Action'", action, "use e.g. 's3:GetObject'", this);
      }
      if (action === '*' || /^[a-z0-9-]+:\*$/.test(action)) {
        throw new ValidationError('actions', 'must not grant every action of a service', action, 'list the actions the workload needs', this);
      }
    }
    this.statements.push({
      Sid: `Grant${this.statements.length}`,
      Effect: 'Allow',
      Action: [...statement.actions],
      Resource: [...statement.resources],
      ...(statement.conditions ? { Condition: statement.conditions } : {}),
    });
    if (!this.policy) {
      this.policy = AwsNames.stable(new IamRolePolicy(this, 'Policy', {
        name: 'grants',
        role: this.role.id,
        policy: PolicyDocuments.lazy(() => this.statements),
      }), 'aws_iam_role_policy', [this.roleName], 'roleName');
      if (this.association) this.association.dependsOn = [...(this.association.dependsOn ?? []), dependsOnEntry(this.policy)];
    }
  }

  /** Read the models under `prefix` in a model store. */
  public grantReadModels(store: IModelStore, prefix: string): void {
    checkArgs('aws.PodIdentityRole#grantReadModels', [store, prefix], this);
    store.grantRead(this, prefix);
  }

  /**
   * Pull images from `repositories` of a registry (their ARNs only), or from every repository of it
   * when `repositories` is omitted.
   */
  public grantPull(registry: IImageRegistry, repositories?: string[]): void {
    checkArgs('aws.PodIdentityRole#grantPull', [registry, repositories], this);
    registry.grantPull(this, repositories);
  }

  /** Create streams in and write events to one CloudWatch Logs group. */
  public grantLogWrite(logGroupArn: string): void {
    checkArgs('aws.PodIdentityRole#grantLogWrite', [logGroupArn], this);
    this.addToPolicy({
      actions: ['logs:CreateLogStream', 'logs:DescribeLogStreams', 'logs:PutLogEvents'],
      resources: [logGroupArn, `${logGroupArn}:log-stream:*`],
    });
  }

  /** Remote-write metrics to an Amazon Managed Service for Prometheus workspace. */
  public grantRemoteWrite(workspaceArn: string): void {
    checkArgs('aws.PodIdentityRole#grantRemoteWrite', [workspaceArn], this);
    if (!Token.isUnresolved(workspaceArn) && !/^arn:aws[a-z-]*:aps:[a-z0-9-]+:\d{12}:workspace\/ws-[A-Za-z0-9-]+$/.test(workspaceArn)) {
      throw new ValidationError('workspaceArn', 'must be an Amazon Managed Service for Prometheus workspace ARN', workspaceArn,
        "use e.g. 'arn:aws:aps:us-east-1:123456789012:workspace/ws-1234abcd'", this);
    }
    this.addToPolicy({ actions: ['aps:RemoteWrite'], resources: [workspaceArn] });
  }
}
