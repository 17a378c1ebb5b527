import { ITerraformDependable, Token } from 'cdktf';
import { Construct } from 'constructs';
import type { IAwsRole } from './pod-identity-role';
import { ProblemCollector, ValidationError } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { ManagedKey } from './private/kms';
import { Statement } from './private/policy';
import { accessLogBucket, SecureBucket } from './private/secure-bucket';
import { escapeTags } from './private/terraform-escape';
import { IAM_ROLE_ARN, partitionOf } from '../core/private/iam-arns';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * An S3 location of model weights that roles can be granted access to.
 */
export interface IModelStore {
  /** The bucket name (plain). */
  readonly bucketName: string;
  /** The bucket ARN (a token). */
  readonly bucketArn: string;
  /** The ARN of the bucket's KMS key (a token). */
  readonly kmsKeyArn: string;
  /** Allow `role` to list and read the objects under `prefix` (e.g. `models/llama3-8b/`). */
  grantRead(role: IAwsRole, prefix: string): void;
  /** Allow `role` to write objects under `prefix` (fine-tuning outputs). */
  grantWrite(role: IAwsRole, prefix: string): void;
  /** `s3://<bucket>/<prefix>`. */
  s3Uri(prefix: string): string;
}

/**
 * S3 Object Lock modes.
 */
export enum ObjectLockMode {
  /** Nobody, including the root user, can delete or shorten the retention of a locked version. */
  COMPLIANCE = 'COMPLIANCE',
  /** Principals with `s3:BypassGovernanceRetention` can delete locked versions. */
  GOVERNANCE = 'GOVERNANCE',
}

/**
 * Object Lock default retention.
 */
export interface ObjectLockOptions {
  /** Days every new object version is locked. */
  readonly retentionDays: number;
  /**
   * The mode.
   *
   * @default ObjectLockMode.GOVERNANCE
   */
  readonly mode?: ObjectLockMode;
}

/**
 * Props for `ModelStore`.
 */
export interface ModelStoreProps {
  /** The bucket name (globally unique; also the base of the key alias and the access-log bucket). */
  readonly bucketName: string;
  /**
   * The region (for `kms:ViaService` conditions).
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /**
   * Days noncurrent object versions are kept (rollback window for overwritten weights).
   *
   * @default 90
   */
  readonly noncurrentVersionExpirationDays?: number;
  /**
   * Object Lock (write-once model versions); can only be turned on when the bucket is created.
   *
   * @default - no Object Lock
   */
  readonly objectLock?: ObjectLockOptions;
  /**
   * An existing bucket for S3 server access logs.
   *
   * @default - a dedicated `<bucketName>-access-logs` bucket
   */
  readonly accessLogBucketName?: string;
  /**
   * Days access logs are kept in the dedicated access-log bucket.
   *
   * @default 365
   */
  readonly accessLogRetentionDays?: number;
  /**
   * IAM roles or users that administer the bucket's KMS key besides the account root (key
   * administration only: they cannot decrypt weights).
   *
   * @default - the account root only (through IAM policies)
   */
  readonly keyAdminPrincipalArns?: string[];
  /**
   * S3 replication roles of other accounts that may write replicas into this store (another account's
   * `ModelStoreReplication`): the bucket policy lets each replicate objects and tags and read the bucket's
   * versioning, the key policy lets it encrypt replicas with this store's key through S3 (S3 User Guide,
   * "Granting permissions when the source and destination buckets are owned by different AWS accounts" and
   * "Granting additional permissions for cross-account scenarios"). A role of this store's own account needs no
   * entry: its identity policy and the key's use through S3 by the account's principals suffice. Each is allowed
   * through its account's root with an `aws:PrincipalArn` condition, so the role may be created after this store
   * (the source's stack deploys after its destinations).
   *
   * @default - none
   */
  readonly replicationSourceRoleArns?: string[];
  /**
   * `prevent_destroy` on the buckets and the KMS key.
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
 * An S3 bucket for model weights: SSE-KMS with a dedicated rotating key and bucket keys, versioning,
 * all public access blocked, ACLs disabled, TLS-only bucket policy, server access logging,
 * noncurrent-version expiry, optional Object Lock, `prevent_destroy`; `grantRead(role, prefix)` gives
 * Pod Identity roles read access to one prefix only. The key is administered by the account root (and
 * `keyAdminPrincipalArns`) and usable only through S3 by principals of this account (`kms:ViaService`),
 * so a grant is always an S3 grant plus the matching `kms:Decrypt`/`kms:GenerateDataKey` via S3.
 */
export class ModelStore extends Construct implements IModelStore {
  public readonly bucketName: string;
  public readonly bucketArn: string;
  public readonly kmsKeyArn: string;
  /** The region. */
  public readonly region: string;
  /** The access-log bucket name. */
  public readonly accessLogBucketName: string;
  /**
   * Object Lock default retention, when on.
   *
   * @default - no Object Lock
   */
  public readonly objectLock?: ObjectLockOptions;
  /** The ARN of the key's alias, `arn:<partition>:kms:<region>:<account>:alias/<bucketName>` (what a replica names). */
  public readonly kmsKeyAliasArn: string;
  /** Other accounts' replication roles allowed to write replicas into this store (sorted). */
  public readonly replicationSourceRoleArns: string[];
  /** The bucket's versioning (internal: a replication configuration depends on it). */
  public readonly versioning: ITerraformDependable;
  /** Noncurrent-version retention in days. */
  public readonly noncurrentVersionExpirationDays: number;
  /** The prefixes granted so far, sorted (what the Kubernetes layer may mount or download). */
  public get grantedPrefixes(): string[] {
    return [...this.prefixes].sort();
  }

  private readonly prefixes = new Set<string>();

  constructor(scope: Construct, id: string, props: ModelStoreProps) {
    super(scope, id);
    checkProps('aws.ModelStoreProps', props, 'props', this);
    this.bucketName = AwsNames.validate('s3Bucket', 'bucketName', props.bucketName, this);
    this.region = AwsEnvironment.region(this, props.region);
    const env = AwsEnvironment.of(this);
    const preventDestroy = props.preventDestroy ?? true;
    this.noncurrentVersionExpirationDays = props.noncurrentVersionExpirationDays ?? 90;
    const problems = new ProblemCollector(this);
    problems.check(Number.isInteger(this.noncurrentVersionExpirationDays) && this.noncurrentVersionExpirationDays >= 1,
      'noncurrentVersionExpirationDays', 'must be a positive whole number of days', this.noncurrentVersionExpirationDays, 'keep old versions e.g. 90 days');
    if (props.objectLock) {
      const days = props.objectLock.retentionDays;
      problems.check(Number.isInteger(days) && days >= 1 && days <= 36500,
        'objectLock.retentionDays', 'must be a whole number of days from 1 to 36500', props.objectLock.retentionDays, 'lock versions e.g. 30 days');
    }
    (props.replicationSourceRoleArns ?? []).forEach((arn, i) => {
      if (Token.isUnresolved(arn)) return;
      const at = `replicationSourceRoleArns[${i}]`;
      if (!problems.check(IAM_ROLE_ARN.test(arn), at, 'must be an IAM role ARN', arn,
        "use the source store's replication role, e.g. 'arn:aws:iam::111122223333:role/acme-llm-prod-models-replication'")) return;
      const partition = partitionOf(this.region);
      problems.check(arn.startsWith(`arn:${partition}:`), at, `is in another AWS partition than the store (${partition}); S3 does not replicate across partitions`, arn,
        `use a role of the ${partition} partition`);
    });
    problems.throwIfAny();
    const sources = [...new Set(props.replicationSourceRoleArns ?? [])].sort();
    const bucketArnLiteral = `arn:${partitionOf(this.region)}:s3:::${this.bucketName}`;
    const sourceAccountRoots = [...new Set(sources.map((arn) => arn.replace(/:role\/.*$/, ':root')))];
    const fromSources = sources.length === 0 ? undefined
      : { Principal: { AWS: sourceAccountRoots.length === 1 ? sourceAccountRoots[0] : sourceAccountRoots }, principalArns: { 'aws:PrincipalArn': sources.length === 1 ? sources[0] : sources } };

    const key = new ManagedKey(this, 'Key', {
      name: this.bucketName,
      description: `Model weights in s3://${this.bucketName}`,
      preventDestroy,
      tags: escapeTags(props.tags),
      region: this.region,
      adminPrincipalArns: props.keyAdminPrincipalArns,
      adminPrincipalArnsProp: 'keyAdminPrincipalArns',
      viaServices: ['s3'],
      // S3 User Guide, "S3 Bucket Keys and replication": with bucket keys the replicating principal also needs
      // kms:Decrypt, and the encryption context is the bucket's ARN
      serviceStatements: fromSources ? [{
        Sid: 'ReplicasFromOtherAccounts',
        Effect: 'Allow',
        Principal: fromSources.Principal,
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: '*',
        Condition: {
          StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` },
          StringLike: { 'kms:EncryptionContext:aws:s3:arn': [bucketArnLiteral, `${bucketArnLiteral}/*`] },
          ArnEquals: fromSources.principalArns,
        },
      }] : undefined,
    });
    this.kmsKeyArn = key.arn;
    this.kmsKeyAliasArn = `arn:${partitionOf(this.region)}:kms:${this.region}:${AwsEnvironment.literalAccountId(this) ?? env.accountId}:${key.alias.name}`;

    this.accessLogBucketName = props.accessLogBucketName ?? AwsNames.join([this.bucketName, 'access-logs'], 63);
    const accessLogs = props.accessLogBucketName ? undefined
      : accessLogBucket(this, 'AccessLogs', this.accessLogBucketName, 'bucketName', env.accountId, preventDestroy, props.accessLogRetentionDays ?? 365, escapeTags(props.tags));

    const bucket = new SecureBucket(this, 'Resource', {
      bucketName: this.bucketName,
      prop: 'bucketName',
      kmsKeyArn: key.arn,
      preventDestroy,
      accessLogBucket: accessLogs,
      accessLogBucketName: this.accessLogBucketName,
      noncurrentVersionExpirationDays: this.noncurrentVersionExpirationDays,
      objectLockRetentionDays: props.objectLock?.retentionDays,
      objectLockMode: props.objectLock ? props.objectLock.mode ?? ObjectLockMode.GOVERNANCE : undefined,
      tags: escapeTags(props.tags),
      policyStatements: (arn): Statement[] => [{
        Sid: 'DenyUnencryptedOrForeignKeyUploads',
        Effect: 'Deny',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: `${arn}/*`,
        Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': key.arn } },
      },
      // S3 User Guide, cross-account replication: the destination's bucket policy; s3:PutBucketVersioning of the
      // docs' example is left out (this store keeps versioning on; another account never changes it)
      ...(fromSources ? [<Statement>{
        Sid: 'ReplicasFromOtherAccounts',
        Effect: 'Allow',
        Principal: fromSources.Principal,
        Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
        Resource: `${arn}/*`,
        Condition: { ArnEquals: fromSources.principalArns },
      }, <Statement>{
        Sid: 'ReplicationChecksFromOtherAccounts',
        Effect: 'Allow',
        Principal: fromSources.Principal,
        Action: ['s3:GetBucketVersioning', 's3:List*'],
        Resource: arn,
        Condition: { ArnEquals: fromSources.principalArns },
      }] : [])],
    });
    this.bucketArn = bucket.bucket.arn;
    this.versioning = bucket.versioning;
    this.objectLock = props.objectLock;
    this.replicationSourceRoleArns = sources;
  }

  public grantRead(role: IAwsRole, prefix: string): void {
    checkArgs('aws.ModelStore#grantRead', [role, prefix], this);
    const p = this.validatePrefix(prefix);
    this.prefixes.add(p);
    role.addToPolicy({ actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${this.bucketArn}/${p}*`] });
    role.addToPolicy({ actions: ['s3:ListBucket'], resources: [this.bucketArn], conditions: { StringLike: { 's3:prefix': [`${p}*`] } } });
    role.addToPolicy({ actions: ['kms:Decrypt'], resources: [this.kmsKeyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } } });
  }

  public grantWrite(role: IAwsRole, prefix: string): void {
    checkArgs('aws.ModelStore#grantWrite', [role, prefix], this);
    const p = this.validatePrefix(prefix);
    role.addToPolicy({ actions: ['s3:AbortMultipartUpload', 's3:PutObject'], resources: [`${this.bucketArn}/${p}*`] });
    role.addToPolicy({ actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: [this.kmsKeyArn], conditions: { StringEquals: { 'kms:ViaService': `s3.${this.region}.amazonaws.com` } } });
  }

  public s3Uri(prefix: string): string {
    checkArgs('aws.ModelStore#s3Uri', [prefix], this);
    return `s3://${this.bucketName}/${this.validatePrefix(prefix)}`;
  }

  private validatePrefix(prefix: string): string {
    if (Token.isUnresolved(prefix)) return prefix;
    if (typeof prefix !== 'string' || !/^[A-Za-z0-9!_.'()-]+(\/[A-Za-z0-9!_.'()-]+)*\/$/.test(prefix)) {
      throw new ValidationError('prefix', "must be a non-empty key prefix ending in '/' without wildcards or a leading '/'", prefix,
        "use e.g. 'models/llama3-8b/' (grants cover one model's prefix, never the whole bucket)", this);
    }
    // '.' and '..' segments: S3 keys are literal, but a grant on 'models/../' reads like another prefix (issue 17)
    if (prefix.split('/').some((s) => s === '.' || s === '..')) {
      throw new ValidationError('prefix', "must not have '.' or '..' segments", prefix, "name the prefix itself, e.g. 'models/llama3-8b/'", this);
    }
    return prefix;
  }
}
