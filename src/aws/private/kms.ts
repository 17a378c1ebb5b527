import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Token } from 'cdktf';
import { Construct, IConstruct } from 'constructs';
import { AwsEnvironment } from './aws-env';
import { AwsNames } from './aws-names';
import { PolicyDocuments, Statement } from './policy';
import { ProblemCollector } from '../../core/errors';
import { IAM_PRINCIPAL_ARN } from '../../core/private/iam-arns';

/**
 * KMS deletion window for every key of the layer: the AWS maximum, 30 days (KMS ScheduleKeyDeletion
 * PendingWindowInDays 7-30), so a mistaken destroy leaves a month to cancel.
 */
export const KMS_DELETION_WINDOW_DAYS = 30;

/**
 * What key administrators may do: manage the key, never use it for cryptography. The action list of
 * the key administrators statement of the AWS KMS default key policy (AWS KMS Developer Guide, "Default
 * key policy" > "Allows key administrators to administer the KMS key"; the same list as
 * terraform-aws-modules/terraform-aws-kms v4.2.0 main.tf `KeyAdministration`, minus ReplicateKey and
 * ImportKeyMaterial, which apply only to multi-Region and imported-material keys), plus
 * kms:RotateKeyOnDemand, which the console's default administrators statement grants since on-demand
 * rotation exists.
 */
export const KEY_ADMIN_ACTIONS: readonly string[] = [
  'kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*',
  'kms:Get*', 'kms:Delete*', 'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion',
  'kms:RotateKeyOnDemand',
];

/**
 * What key users may do with a symmetric key (AWS KMS default key policy, "Allows key users to use the
 * KMS key" > cryptographic operations).
 */
export const KEY_USE_ACTIONS: readonly string[] = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:DescribeKey'];

/**
 * Grant actions for AWS services that attach the key to persistent resources (EBS volumes, EKS, ECR),
 * allowed only with `kms:GrantIsForAWSResource` (AWS KMS default key policy, "Allows key users to use
 * the KMS key with AWS services").
 */
export const KEY_GRANT_ACTIONS: readonly string[] = ['kms:CreateGrant', 'kms:ListGrants', 'kms:RevokeGrant'];

/**
 * Who administers and who uses a key. Administration (the account root, i.e. IAM-delegated, plus
 * `adminPrincipalArns`) never includes encrypt/decrypt; use is granted only to the services and roles
 * listed here.
 */
export interface KeyAccess {
  /**
   * IAM roles or users that administer the key, besides the account root (through IAM policies).
   */
  readonly adminPrincipalArns?: string[];
  /** The caller's prop that gave `adminPrincipalArns`, for errors (default `adminPrincipalArns`). */
  readonly adminPrincipalArnsProp?: string;
  /**
   * AWS services (endpoint prefixes: `s3`, `ecr`, `ec2`, `eks`, `secretsmanager`) through which
   * principals of this account may use the key: the account root with `kms:CallerAccount` and
   * `kms:ViaService` `<service>.<region>.amazonaws.com`, as the AWS managed keys' policies do (e.g.
   * aws/s3: "Allow access through S3 for all principals in the account that are authorized to use
   * S3"). Identity policies still decide which principal; the key policy limits the path.
   */
  readonly viaServices?: string[];
  /**
   * IAM roles that use the key directly (e.g. the Auto Scaling service-linked role for encrypted EBS
   * volumes of managed node groups).
   */
  readonly userPrincipalArns?: string[];
  /**
   * Let the users (direct and through `viaServices`) create, list and revoke grants for AWS resources
   * (`kms:GrantIsForAWSResource`): EBS volumes, EKS envelope encryption, ECR repositories.
   */
  readonly grantsForAwsResources?: boolean;
  /**
   * Statements for AWS service principals (CloudWatch Logs, CloudTrail, Config), each scoped by
   * `aws:SourceArn`/`aws:SourceAccount` or an encryption-context condition as the service's docs give.
   */
  readonly serviceStatements?: Statement[];
}

export interface KeyOptions extends KeyAccess {
  /** Readable base for the logical id and the alias (`acme-llm-prod-secrets`). */
  readonly name: string;
  readonly description: string;
  readonly preventDestroy: boolean;
  /** The region (`kms:ViaService` endpoints); defaults to the stack's provider region when `viaServices` is set. */
  readonly region?: string;
  readonly tags?: { [key: string]: string };
}

const SERVICE = /^[a-z][a-z0-9-]*$/;

/**
 * The key policy statements for `access` (internal; also what `ManagedKey` renders):
 * `KeyAdministration` (account root + admins, `KEY_ADMIN_ACTIONS`), `KeyUseThroughServices`,
 * `KeyGrantsThroughServices`, `KeyUsers`, `KeyUserGrants`, then the service statements.
 * Throws a ValidationError naming `prop`-relative props for malformed principals or services.
 */
export function keyPolicyStatements(scope: IConstruct, env: AwsEnvironment, region: string | undefined, access: KeyAccess): Statement[] {
  const problems = new ProblemCollector(scope);
  const admins = unique(access.adminPrincipalArns ?? []);
  const users = unique(access.userPrincipalArns ?? []);
  const services = unique(access.viaServices ?? []);
  for (const arn of admins) {
    problems.check(Token.isUnresolved(arn) || IAM_PRINCIPAL_ARN.test(arn), access.adminPrincipalArnsProp ?? 'adminPrincipalArns', 'must list IAM role or user ARNs', arn,
      "use e.g. 'arn:aws:iam::123456789012:role/platform-admins'");
  }
  for (const arn of users) {
    problems.check(Token.isUnresolved(arn) || IAM_PRINCIPAL_ARN.test(arn), 'userPrincipalArns', 'must list IAM role or user ARNs', arn,
      "use e.g. 'arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling'");
  }
  for (const s of services) {
    problems.check(SERVICE.test(s), 'viaServices', 'must list AWS service endpoint prefixes', s, "use e.g. 's3' or 'ecr'");
  }
  problems.check(services.length === 0 || region !== undefined, 'region', 'must be known when the key is used through services', region,
    'pass the region of the key');
  problems.throwIfAny();

  const statements: Statement[] = [{
    Sid: 'KeyAdministration',
    Effect: 'Allow',
    Principal: { AWS: admins.length === 0 ? env.accountRootArn : [env.accountRootArn, ...admins] },
    Action: [...KEY_ADMIN_ACTIONS],
    Resource: '*',
  }];
  if (services.length > 0) {
    const through = { 'kms:CallerAccount': env.accountId, 'kms:ViaService': services.map((s) => `${s}.${region}.amazonaws.com`) };
    statements.push({ Sid: 'KeyUseThroughServices', Effect: 'Allow', Principal: { AWS: env.accountRootArn }, Action: [...KEY_USE_ACTIONS], Resource: '*', Condition: { StringEquals: through } });
    if (access.grantsForAwsResources) {
      statements.push({
        Sid: 'KeyGrantsThroughServices',
        Effect: 'Allow',
        Principal: { AWS: env.accountRootArn },
        Action: [...KEY_GRANT_ACTIONS],
        Resource: '*',
        Condition: { StringEquals: through, Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
    }
  }
  if (users.length > 0) {
    const principal = { AWS: users.length === 1 ? users[0] : users };
    statements.push({ Sid: 'KeyUsers', Effect: 'Allow', Principal: principal, Action: [...KEY_USE_ACTIONS], Resource: '*' });
    if (access.grantsForAwsResources) {
      statements.push({
        Sid: 'KeyUserGrants',
        Effect: 'Allow',
        Principal: principal,
        Action: [...KEY_GRANT_ACTIONS],
        Resource: '*',
        Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } },
      });
    }
  }
  statements.push(...(access.serviceStatements ?? []));
  return statements;
}

/**
 * A customer-managed KMS key with yearly rotation, a 30-day deletion window, a key policy that separates
 * administration from use (`keyPolicyStatements`), and an alias (internal).
 *
 * For other constructs of the layer (node volumes, EKS Secrets):
 * ```ts
 * new ManagedKey(this, 'VolumeKey', { name, description, preventDestroy, region,
 *   viaServices: ['ec2'], grantsForAwsResources: true, userPrincipalArns: [autoScalingServiceLinkedRoleArn(env)] });
 * ```
 */
export class ManagedKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, options: KeyOptions) {
    super(scope, id);
    const env = AwsEnvironment.of(this);
    const region = (options.viaServices ?? []).length > 0 ? AwsEnvironment.region(scope, options.region) : options.region;
    const statements = keyPolicyStatements(scope, env, region, options);
    this.key = AwsNames.stable(new KmsKey(this, 'Resource', {
      description: options.description,
      enableKeyRotation: true,
      deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
      policy: PolicyDocuments.json(statements),
      tags: options.tags,
      lifecycle: options.preventDestroy ? { preventDestroy: true } : undefined,
    }), 'aws_kms_key', [options.name], 'name');
    this.alias = AwsNames.stable(new KmsAlias(this, 'Alias', {
      name: `alias/${options.name}`,
      targetKeyId: this.key.keyId,
    }), 'aws_kms_alias', [options.name], 'name');
  }

  /** The key ARN (a token). */
  public get arn(): string {
    return this.key.arn;
  }
}

/**
 * The key-policy statement that lets CloudWatch Logs in `region` use a key for the log groups
 * matching `logGroupNamePattern` (AWS docs: "Encrypt log data in CloudWatch Logs using AWS KMS").
 */
export function logsKeyStatement(env: AwsEnvironment, region: string, logGroupNamePattern: string): Statement {
  return {
    Sid: 'AllowCloudWatchLogs',
    Effect: 'Allow',
    Principal: { Service: `logs.${region}.amazonaws.com` },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    Resource: '*',
    Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${env.partition}:logs:${region}:${env.accountId}:log-group:${logGroupNamePattern}` } },
  };
}

/**
 * The ARN of the EC2 Auto Scaling service-linked role, which launches managed node groups' instances and
 * therefore needs use of a customer managed key for their encrypted EBS volumes (Amazon EC2 Auto Scaling
 * User Guide, "Required AWS KMS key policy for use with encrypted volumes").
 */
export function autoScalingServiceLinkedRoleArn(env: AwsEnvironment): string {
  return `arn:${env.partition}:iam::${env.accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
