import { Cloudtrail, CloudtrailAdvancedEventSelector } from '@cdktf/provider-aws/lib/cloudtrail';
import { Construct } from 'constructs';
import type { IModelStore } from './model-store';
import { ProblemCollector } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { ManagedKey } from './private/kms';
import { Statement } from './private/policy';
import { accessLogBucket, SecureBucket } from './private/secure-bucket';

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
   * Object Lock (COMPLIANCE) retention in days for log files and digests.
   *
   * @default - no Object Lock (the digest chain still proves integrity)
   */
  readonly objectLockRetentionDays?: number;
  /**
   * Also log S3 data events (who read or wrote which object) for these model stores.
   *
   * @default - management events only
   */
  readonly dataEventStores?: IModelStore[];
  /**
   * `prevent_destroy` on the buckets and key.
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
 * object deletion denied to everyone, access-logged, versioned, optional Object Lock).
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
    this.trailName = AwsNames.validate('cloudTrail', 'trailName', props.trailName, this);
    this.bucketName = AwsNames.validate('s3Bucket', 'bucketName', props.bucketName, this);
    this.retentionDays = props.retentionDays ?? 2557;
    const problems = new ProblemCollector(this);
    problems.check(Number.isInteger(this.retentionDays) && this.retentionDays >= 365, 'retentionDays', 'must be a whole number of days, at least 365', this.retentionDays,
      'keep audit logs at least a year (CIS, PCI DSS 10.5.1); the default is 7 years');
    if (props.objectLockRetentionDays !== undefined) {
      const lock = props.objectLockRetentionDays;
      problems.check(Number.isInteger(lock) && lock >= 1 && lock <= this.retentionDays,
        'objectLockRetentionDays', `must be a whole number from 1 to retentionDays (${this.retentionDays})`, props.objectLockRetentionDays, 'lock log files for at most as long as they are kept');
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
      tags: props.tags,
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
      ],
    });
    this.kmsKeyArn = key.arn;

    this.accessLogBucketName = AwsNames.join([this.bucketName, 'access-logs'], 63);
    accessLogBucket(this, 'AccessLogs', this.accessLogBucketName, 'bucketName', env.accountId, preventDestroy, this.retentionDays, props.tags);

    const bucket = new SecureBucket(this, 'Bucket', {
      bucketName: this.bucketName,
      prop: 'bucketName',
      kmsKeyArn: key.arn,
      preventDestroy,
      accessLogBucketName: this.accessLogBucketName,
      noncurrentVersionExpirationDays: 30,
      expirationDays: this.retentionDays,
      objectLockRetentionDays: props.objectLockRetentionDays,
      objectLockMode: 'COMPLIANCE',
      tags: props.tags,
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
      tags: props.tags,
      dependsOn: [bucket.policy],
    }), 'aws_cloudtrail', [this.trailName], 'trailName');
    this.trailArn = trail.arn;
  }
}
