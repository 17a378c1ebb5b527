import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { AwsEnvironment } from './aws-env';
import { AwsNames } from './aws-names';
import { PolicyDocuments, Statement } from './policy';

/**
 * KMS deletion window for every key of the layer: the AWS maximum, 30 days (KMS ScheduleKeyDeletion
 * PendingWindowInDays 7-30), so a mistaken destroy leaves a month to cancel.
 */
export const KMS_DELETION_WINDOW_DAYS = 30;

export interface KeyOptions {
  /** Readable base for the logical id and the alias (`acme-llm-prod-secrets`). */
  readonly name: string;
  readonly description: string;
  /** Statements granting AWS services use of the key, on top of the account-root statement. */
  readonly serviceStatements?: Statement[];
  readonly preventDestroy: boolean;
  readonly tags?: { [key: string]: string };
}

/**
 * A customer-managed KMS key with yearly rotation, a 30-day deletion window, a key policy that
 * delegates to IAM (account root) plus the given service statements, and an alias (internal).
 */
export class ManagedKey extends Construct {
  public readonly key: KmsKey;
  public readonly alias: KmsAlias;

  constructor(scope: Construct, id: string, options: KeyOptions) {
    super(scope, id);
    const env = AwsEnvironment.of(this);
    this.key = AwsNames.stable(new KmsKey(this, 'Resource', {
      description: options.description,
      enableKeyRotation: true,
      deletionWindowInDays: KMS_DELETION_WINDOW_DAYS,
      policy: PolicyDocuments.json([
        { Sid: 'EnableIamPolicies', Effect: 'Allow', Principal: { AWS: env.accountRootArn }, Action: 'kms:*', Resource: '*' },
        ...(options.serviceStatements ?? []),
      ]),
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
