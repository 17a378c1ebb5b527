import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketLifecycleConfiguration, S3BucketLifecycleConfigurationRule } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketLoggingA } from '@cdktf/provider-aws/lib/s3-bucket-logging';
import { S3BucketObjectLockConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-object-lock-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { AwsNames } from './aws-names';
import { PolicyDocuments, Statement } from './policy';

export interface SecureBucketOptions {
  readonly bucketName: string;
  /** The prop that named the bucket, for errors. */
  readonly prop: string;
  /** SSE-KMS with this key; undefined means SSE-S3 (required for S3 server access log targets). */
  readonly kmsKeyArn?: string;
  readonly preventDestroy: boolean;
  /**
   * Log access to this bucket, created in this stack: the logging configuration references the target
   * bucket resource (so Terraform creates it first: PutBucketLogging fails with
   * InvalidTargetBucketForLogging while the target does not exist) and waits for its bucket policy (the
   * grant to logging.s3.amazonaws.com that S3 User Guide "Enabling Amazon S3 server access logging" requires).
   */
  readonly accessLogBucket?: SecureBucket;
  /** Log access to this existing bucket (by name, not managed here); ignored when `accessLogBucket` is set. */
  readonly accessLogBucketName?: string;
  /** Days after which noncurrent object versions expire. */
  readonly noncurrentVersionExpirationDays: number;
  /** Days after which current objects expire (audit and log buckets). */
  readonly expirationDays?: number;
  /**
   * Object Lock default retention in days; no Object Lock when undefined. Set through
   * aws_s3_bucket_object_lock_configuration with `object_lock_enabled = "Enabled"` after versioning,
   * which enables Object Lock on new and existing buckets alike (S3 User Guide, "Enable Object Lock on an
   * existing S3 bucket"; hashicorp/aws docs for the resource), so turning it on later never replaces the
   * bucket (`object_lock_enabled` on aws_s3_bucket forces a new bucket).
   */
  readonly objectLockRetentionDays?: number;
  /** Object Lock mode: `COMPLIANCE` (nobody can shorten it) or `GOVERNANCE`. */
  readonly objectLockMode?: string;
  /** Extra bucket-policy statements (service writers, deny deletes). */
  readonly policyStatements?: (bucketArn: string) => Statement[];
  readonly tags?: { [key: string]: string };
}

/**
 * An S3 bucket with every guardrail on (internal): versioning, default encryption (SSE-KMS with a
 * bucket key, or SSE-S3), all four public-access blocks, bucket-owner-enforced ownership (ACLs off),
 * a TLS-only bucket policy, optional access logging, lifecycle for noncurrent versions and aborted
 * uploads, optional Object Lock, and `prevent_destroy`.
 */
export class SecureBucket extends Construct {
  public readonly bucket: S3Bucket;
  public readonly bucketName: string;
  public readonly policy: S3BucketPolicy;
  /** The versioning configuration (S3 replication needs it on before it is configured). */
  public readonly versioning: S3BucketVersioningA;

  constructor(scope: Construct, id: string, options: SecureBucketOptions) {
    super(scope, id);
    const name = AwsNames.validate('s3Bucket', options.prop, options.bucketName, scope);
    this.bucketName = name;
    const stable = <T extends import('cdktf').TerraformElement>(el: T, type: string): T => AwsNames.stable(el, type, [name], options.prop);

    this.bucket = stable(new S3Bucket(this, 'Resource', {
      bucket: name,
      tags: options.tags,
      lifecycle: options.preventDestroy ? { preventDestroy: true } : undefined,
    }), 'aws_s3_bucket');
    const bucket = this.bucket.id;

    const versioning = this.versioning = stable(new S3BucketVersioningA(this, 'Versioning', {
      bucket,
      versioningConfiguration: { status: 'Enabled' },
    }), 'aws_s3_bucket_versioning');

    stable(new S3BucketServerSideEncryptionConfigurationA(this, 'Encryption', {
      bucket,
      rule: [options.kmsKeyArn
        ? { applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: options.kmsKeyArn }, bucketKeyEnabled: true }
        : { applyServerSideEncryptionByDefault: { sseAlgorithm: 'AES256' } }],
    }), 'aws_s3_bucket_server_side_encryption_configuration');

    stable(new S3BucketPublicAccessBlock(this, 'PublicAccessBlock', {
      bucket,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    }), 'aws_s3_bucket_public_access_block');

    stable(new S3BucketOwnershipControls(this, 'Ownership', {
      bucket,
      rule: { objectOwnership: 'BucketOwnerEnforced' },
    }), 'aws_s3_bucket_ownership_controls');

    const arn = this.bucket.arn;
    this.policy = stable(new S3BucketPolicy(this, 'Policy', {
      bucket,
      policy: PolicyDocuments.json([
        PolicyDocuments.denyInsecureTransport('s3:*', [arn, `${arn}/*`]),
        ...(options.policyStatements ? options.policyStatements(arn) : []),
      ]),
    }), 'aws_s3_bucket_policy');

    const target = options.accessLogBucket;
    if (target || options.accessLogBucketName) {
      stable(new S3BucketLoggingA(this, 'Logging', {
        bucket,
        targetBucket: target ? target.bucket.id : options.accessLogBucketName!,
        targetPrefix: `${name}/`,
        dependsOn: target ? [target.policy] : undefined,
      }), 'aws_s3_bucket_logging');
    }

    const rules: S3BucketLifecycleConfigurationRule[] = [
      {
        id: 'noncurrent-versions',
        status: 'Enabled',
        filter: [{ prefix: '' }],
        noncurrentVersionExpiration: [{ noncurrentDays: options.noncurrentVersionExpirationDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: 7 }],
      },
    ];
    if (options.expirationDays !== undefined) {
      rules.push({ id: 'expire-current', status: 'Enabled', filter: [{ prefix: '' }], expiration: [{ days: options.expirationDays }] });
    }
    stable(new S3BucketLifecycleConfiguration(this, 'Lifecycle', { bucket, rule: rules }), 'aws_s3_bucket_lifecycle_configuration');

    if (options.objectLockRetentionDays !== undefined) {
      stable(new S3BucketObjectLockConfigurationA(this, 'ObjectLock', {
        bucket,
        objectLockEnabled: 'Enabled',
        rule: { defaultRetention: { mode: options.objectLockMode ?? 'COMPLIANCE', days: options.objectLockRetentionDays } },
        dependsOn: [versioning],
      }), 'aws_s3_bucket_object_lock_configuration');
    }
  }
}

/**
 * A bucket that receives S3 server access logs (internal): SSE-S3 (log delivery does not support
 * SSE-KMS targets), TLS-only, writable only by the S3 logging service for this account, current logs
 * expire after `retentionDays`.
 */
export function accessLogBucket(scope: Construct, id: string, bucketName: string, prop: string, accountId: string,
  preventDestroy: boolean, retentionDays: number, tags?: { [key: string]: string }): SecureBucket {
  return new SecureBucket(scope, id, {
    bucketName,
    prop,
    preventDestroy,
    noncurrentVersionExpirationDays: 30,
    expirationDays: retentionDays,
    tags,
    policyStatements: (arn) => [{
      Sid: 'AllowS3ServerAccessLogs',
      Effect: 'Allow',
      Principal: { Service: 'logging.s3.amazonaws.com' },
      Action: 's3:PutObject',
      Resource: `${arn}/*`,
      Condition: { StringEquals: { 'aws:SourceAccount': accountId } },
    }],
  });
}
