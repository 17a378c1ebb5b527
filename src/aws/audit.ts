import { Cloudtrail, CloudtrailAdvancedEventSelector } from '@cdktf/provider-aws/lib/cloudtrail';
import { Construct } from 'constructs';
import { IModelStore, ObjectLockMode } from './model-store';
import { ProblemCollector } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { ManagedKey } from './private/kms';
import { Statement } from './private/policy';
import { accessLogBucket, SecureBucket } from './private/secure-bucket';
import { escapeTags } from './private/terraform-escape';
import { checkProps } from '../core/private/runtime-types';

/** The largest day count S3's lifecycle and Object Lock rules take (their `Days` are 32-bit API Integers). */
const MAX_DAYS = 2147483647;

/**
 * Props for `Audit`.
 */
export interface AuditProps {
  /** The trail name. */
  readonly trailName: string;
  /** The audit bucket name (globally unique). */
  readonly bucketName: string;
  /**
   * The region (trail ARN in key and bucket policies).
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /**
   * Days audit logs are kept.
   *
   * @default 2557 (7 years)
   */
  readonly retentionDays?: number;
  /**
   * S3 Object Lock default retention in days for log files and digests (write once, read many on top of
   * the deny-delete bucket policy). Can be turned on for an existing audit bucket (the bucket is not
   * replaced); once on, Object Lock cannot be turned off again.
   *
   * @default - no Object Lock (the digest chain still proves integrity)
   */
  readonly objectLockRetentionDays?: number;
  /**
   * The Object Lock mode, when `objectLockRetentionDays` is set: `COMPLIANCE` (nobody, not even the root
   * user, can delete or shorten the lock) or `GOVERNANCE` (principals with
   * `s3:BypassGovernanceRetention` can).
   *
   * @default ObjectLockMode.COMPLIANCE
   */
  readonly objectLockMode?: ObjectLockMode;
  /**
   * IAM roles or users that administer the trail's KMS key besides the account root (key
   * administration only: they cannot decrypt log files).
   *
   * @default - the account root only (through IAM policies)
   */
  readonly keyAdminPrincipalArns?: string[];
  /**
   * Also log S3 data events (who read or wrote which object) for these model stores.
   *
   * @default - management events only
   */
  readonly dataEventStores?: IModelStore[];
  /**
   * `prevent_destroy` on the trail, the buckets and the key.
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

/**
 * The account's audit trail: a multi-region CloudTrail trail with global service events and log
 * file validation (the digest chain is the tamper-evident audit log), SSE-KMS with a dedicated key,
 * delivered to a locked-down bucket (TLS-only, public access blocked, writable only by this trail,
 * object deletion denied to everyone, access-logged, versioned, optional Object Lock in compliance or
 * governance mode). The key is administered by the account root (and `keyAdminPrincipalArns`) and used
 * only by CloudTrail (encrypt, for this trail) and by principals of the account to decrypt CloudTrail log
 * files. The trail, the buckets and the key carry `prevent_destroy`.
 */
export class Audit extends Construct {
  /** The trail name. */
  public readonly trailName: string;
  /** The trail ARN (a token). */
  public readonly trailArn: string;
  /** The audit bucket name. */
  public readonly bucketName: string;
  /** The access-log bucket name. */
  public readonly accessLogBucketName: string;
  /** Retention in days. */
  public readonly retentionDays: number;
  /** The KMS key ARN (a token). */
  public readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: AuditProps) {
    super(scope, id);
    checkProps('aws.AuditProps', props, 'props', this);
    this.trailName = AwsNames.validate('cloudTrail', 'trailName', props.trailName, this);
    this.bucketName = AwsNames.validate('s3Bucket', 'bucketName', props.bucketName, this);
    this.retentionDays = props.retentionDays ?? 2557;
    const problems = new ProblemCollector(this);
    // S3 lifecycle and Object Lock `Days` are API Integers (32-bit): a larger count fails at apply (issue 17)
    if (problems.check(Number.isInteger(this.retentionDays) && this.retentionDays >= 365, 'retentionDays', 'must be a whole number of days, at least 365', this.retentionDays,
      'keep audit logs at least a year (CIS, PCI DSS 10.5.1); the default is 7 years')) {
      problems.check(this.retentionDays <= MAX_DAYS, 'retentionDays', `must be at most ${MAX_DAYS} days (a 32-bit API Integer)`, this.retentionDays,
        'keep audit logs for e.g. 2557 days (7 years)');
    }
    if (props.objectLockRetentionDays !== undefined) {
      const lock = props.objectLockRetentionDays;
      problems.check(Number.isInteger(lock) && lock >= 1 && lock <= this.retentionDays,
        'objectLockRetentionDays', `must be a whole number from 1 to retentionDays (${this.retentionDays})`, props.objectLockRetentionDays, 'lock log files for at most as long as they are kept');
    }
    if (props.objectLockMode !== undefined) {
      problems.check(Object.values(ObjectLockMode).includes(props.objectLockMode), 'objectLockMode', 'must be COMPLIANCE or GOVERNANCE', props.objectLockMode,
        'use ObjectLockMode.COMPLIANCE or ObjectLockMode.GOVERNANCE');
      problems.check(props.objectLockRetentionDays !== undefined, 'objectLockMode', 'has no effect without objectLockRetentionDays', props.objectLockMode,
        'set objectLockRetentionDays (e.g. 365) to turn Object Lock on, or drop objectLockMode');
    }
    problems.throwIfAny();
    const region = AwsEnvironment.region(this, props.region);
    const env = AwsEnvironment.of(this);
    const preventDestroy = props.preventDestroy ?? true;
    const trailArn = `arn:${env.partition}:cloudtrail:${region}:${env.accountId}:trail/${this.trailName}`;

    const key = new ManagedKey(this, 'Key', {
      name: `${this.trailName}-cloudtrail`,
      description: `CloudTrail ${this.trailName} log files`,
      preventDestroy,
      tags: escapeTags(props.tags),
      adminPrincipalArns: props.keyAdminPrincipalArns,
      adminPrincipalArnsProp: 'keyAdminPrincipalArns',
      serviceStatements: [
        {
          Sid: 'AllowCloudTrailEncrypt',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:GenerateDataKey*',
          Resource: '*',
          Condition: {
            StringEquals: { 'aws:SourceArn': trailArn },
            StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${env.partition}:cloudtrail:*:${env.accountId}:trail/*` },
          },
        },
        {
          Sid: 'AllowCloudTrailDescribeKey',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 'kms:DescribeKey',
          Resource: '*',
          Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
        {
          // Reading log files: principals of this account that IAM allows to decrypt, only for CloudTrail
          // log files of this account (CloudTrail User Guide, "Configure AWS KMS key policies for
          // CloudTrail" > "Enable CloudTrail log file decrypt permissions"; the account root instead of '*').
          Sid: 'AllowCloudTrailLogDecryption',
          Effect: 'Allow',
          Principal: { AWS: env.accountRootArn },
          Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
          Resource: '*',
          Condition: {
            StringEquals: { 'kms:CallerAccount': env.accountId },
            StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': `arn:${env.partition}:cloudtrail:*:${env.accountId}:trail/*` },
          },
        },
      ],
    });
    this.kmsKeyArn = key.arn;

    this.accessLogBucketName = AwsNames.join([this.bucketName, 'access-logs'], 63);
    const accessLogs = accessLogBucket(this, 'AccessLogs', this.accessLogBucketName, 'bucketName', env.accountId, preventDestroy, this.retentionDays, escapeTags(props.tags));

    const bucket = new SecureBucket(this, 'Bucket', {
      bucketName: this.bucketName,
      prop: 'bucketName',
      kmsKeyArn: key.arn,
      preventDestroy,
      accessLogBucket: accessLogs,
      noncurrentVersionExpirationDays: 30,
      expirationDays: this.retentionDays,
      objectLockRetentionDays: props.objectLockRetentionDays,
      objectLockMode: props.objectLockMode ?? ObjectLockMode.COMPLIANCE,
      tags: escapeTags(props.tags),
      policyStatements: (arn): Statement[] => [
        {
          Sid: 'AllowCloudTrailAclCheck',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:GetBucketAcl',
          Resource: arn,
          Condition: { StringEquals: { 'aws:SourceArn': trailArn } },
        },
        {
          Sid: 'AllowCloudTrailWrite',
          Effect: 'Allow',
          Principal: { Service: 'cloudtrail.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: `${arn}/AWSLogs/${env.accountId}/*`,
          Condition: { StringEquals: { 'aws:SourceArn': trailArn, 's3:x-amz-acl': 'bucket-owner-full-control' } },
        },
        {
          Sid: 'DenyLogDeletion',
          Effect: 'Deny',
          Principal: '*',
          // Nobody deletes log files; expiry is the lifecycle rule's job (bucket policies do not apply to it).
          Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'],
          Resource: `${arn}/*`,
        },
      ],
    });

    const selectors: CloudtrailAdvancedEventSelector[] | undefined = props.dataEventStores && props.dataEventStores.length > 0
      ? [
        { name: 'Management events', fieldSelector: [{ field: 'eventCategory', equalTo: ['Management'] }] },
        {
          name: 'Model store data events',
          fieldSelector: [
            { field: 'eventCategory', equalTo: ['Data'] },
            { field: 'resources.type', equalTo: ['AWS::S3::Object'] },
            { field: 'resources.ARN', startsWith: props.dataEventStores.map((s) => `${s.bucketArn}/`) },
          ],
        },
      ]
      : undefined;

    const trail = AwsNames.stable(new Cloudtrail(this, 'Resource', {
      name: this.trailName,
      s3BucketName: bucket.bucket.id,
      kmsKeyId: key.arn,
      isMultiRegionTrail: true,
      includeGlobalServiceEvents: true,
      enableLogFileValidation: true,
      enableLogging: true,
      advancedEventSelector: selectors,
      tags: escapeTags(props.tags),
      dependsOn: [bucket.policy],
      lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
    }), 'aws_cloudtrail', [this.trailName], 'trailName');
    this.trailArn = trail.arn;
  }
}
