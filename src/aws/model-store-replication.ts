import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { S3BucketReplicationConfigurationA } from '@cdktf/provider-aws/lib/s3-bucket-replication-configuration';
import { Construct } from 'constructs';
import type { ModelStore } from './model-store';
import { ProblemCollector } from '../core/errors';
import { AwsEnvironment, isAwsRegion } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { PolicyDocuments, Statement } from './private/policy';
import { escapeTags } from './private/terraform-escape';
import { partitionOf } from '../core/private/iam-arns';
import { checkProps } from '../core/private/runtime-types';

/**
 * A model store that receives replicas (another region's or account's `ModelStore`).
 */
export interface ModelStoreReplicaDestination {
  /** The destination bucket's name. */
  readonly bucketName: string;
  /** Its region. */
  readonly region: string;
  /** Its 12-digit account id. */
  readonly accountId: string;
  /**
   * The alias of the KMS key that encrypts its replicas (in its region and account).
   *
   * @default `alias/<bucketName>` (a `ModelStore`'s key alias)
   */
  readonly kmsKeyAlias?: string;
  /**
   * The replication rule's id (up to 255 characters).
   *
   * @default the bucket name
   */
  readonly ruleId?: string;
}

/**
 * Props for `ModelStoreReplication`.
 */
export interface ModelStoreReplicationProps {
  /** The store whose objects are replicated (its bucket is the replication source). */
  readonly source: ModelStore;
  /** The stores that receive every new object version, one rule each (in order: the rules' priorities). */
  readonly destinations: ModelStoreReplicaDestination[];
  /**
   * The name of the IAM role S3 assumes to replicate.
   *
   * @default `<source bucket>-replication`
   */
  readonly roleName?: string;
  /**
   * S3 Replication Time Control: 99.99% of new objects replicated within 15 minutes, with replication metrics and
   * events for objects that take longer (billed per GB replicated).
   *
   * @default true
   */
  readonly replicationTimeControl?: boolean;
  /**
   * Tags of the role.
   *
   * @default - none
   */
  readonly tags?: { [key: string]: string };
}

/** The S3 limit on rules in one replication configuration (S3 User Guide, "Replication configuration"). */
const MAX_RULES = 1000;

/**
 * S3 replication of a model store into other stores (other regions or accounts): every new object version of the
 * source (weights, datasets, adapters; all SSE-KMS) is copied into each destination, encrypted there with the
 * destination's own key; deletions are not replicated (a replica outlives a mistaken delete in the source).
 *
 * What it creates follows the S3 User Guide ("Setting up permissions", "Replicating encrypted objects", the S3
 * Bucket Keys example; vendored in `schemas/upstream/aws-replication/`): a role S3 assumes, allowed to read the source's
 * versions for replication, decrypt them with the source's key (through S3, for this bucket only), replicate into
 * each destination and encrypt (and, for bucket keys, decrypt) with each destination's key (through S3 in its
 * region, for that bucket only); and the source bucket's replication configuration, one rule per destination, with
 * SSE-KMS objects selected and Replication Time Control. A destination in another account must allow this role
 * (`ModelStoreProps.replicationSourceRoleArns`), and every destination must exist, versioned, before this is
 * deployed: deploy the destinations' stacks first.
 *
 * Objects that existed before replication was configured are not replicated (S3 Batch Replication copies them).
 *
 * ```ts
 * new ModelStoreReplication(stack, 'Replication', {
 *   source: store,
 *   destinations: [{ bucketName: 'acme-llm-prod-eu-west-1-models', region: 'eu-west-1', accountId: '123456789012' }],
 * });
 * ```
 */
export class ModelStoreReplication extends Construct {
  /** The replication role's name. */
  public readonly roleName: string;
  /** The replication role's ARN (a token). */
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: ModelStoreReplicationProps) {
    super(scope, id);
    checkProps('aws.ModelStoreReplicationProps', props, 'props', this);
    const source = props.source;
    const problems = new ProblemCollector(this);
    problems.check(props.destinations.length > 0, 'destinations', 'must list at least one store', props.destinations,
      "add e.g. { bucketName: 'acme-llm-prod-eu-west-1-models', region: 'eu-west-1', accountId: '123456789012' }");
    problems.check(props.destinations.length <= MAX_RULES, 'destinations', `lists ${props.destinations.length} stores; one replication configuration holds at most ${MAX_RULES} rules`,
      props.destinations.length, 'replicate into fewer stores, or chain replication through a regional store');
    const seen = new Set<string>();
    const ruleIds = new Set<string>();
    props.destinations.forEach((d, i) => {
      const at = `destinations[${i}]`;
      AwsNames.validate('s3Bucket', `${at}.bucketName`, d.bucketName, this);
      problems.check(d.bucketName !== source.bucketName, `${at}.bucketName`, 'is the source store itself', d.bucketName, 'name another store');
      problems.check(!seen.has(d.bucketName), `${at}.bucketName`, 'names a store twice', d.bucketName, 'list each destination once');
      seen.add(d.bucketName);
      problems.check(/^\d{12}$/.test(d.accountId), `${at}.accountId`, 'must be a 12-digit AWS account id', d.accountId, "use e.g. '123456789012'");
      problems.check(isAwsRegion(d.region), `${at}.region`, 'must be an AWS region', d.region, "use e.g. 'eu-west-1'");
      problems.check(partitionOf(d.region) === partitionOf(source.region), `${at}.region`, `is in another AWS partition than the source (${source.region}); S3 does not replicate across partitions`,
        d.region, 'replicate within one partition');
      const alias = d.kmsKeyAlias ?? `alias/${d.bucketName}`;
      problems.check(/^alias\/[A-Za-z0-9/_-]+$/.test(alias) && !alias.startsWith('alias/aws/'), `${at}.kmsKeyAlias`, "must be a customer managed key's alias", alias,
        `use the destination store's key alias, e.g. 'alias/${d.bucketName}'`);
      const ruleId = d.ruleId ?? d.bucketName;
      problems.check(ruleId.length >= 1 && ruleId.length <= 255, `${at}.ruleId`, 'must be 1 to 255 characters', ruleId, 'use a short name, e.g. the destination cluster');
      problems.check(!ruleIds.has(ruleId), `${at}.ruleId`, 'is the id of another rule', ruleId, 'give each rule its own id');
      ruleIds.add(ruleId);
    });
    problems.throwIfAny();

    // the destination's account is named unless it is provably this stack's
    const ownAccount = AwsEnvironment.literalAccountId(this);
    const partition = partitionOf(source.region);
    this.roleName = AwsNames.validate('iamRole', 'roleName', props.roleName ?? AwsNames.join([source.bucketName, 'replication'], 64), this);
    const stable = <T extends import('cdktf').TerraformElement>(el: T, type: string): T => AwsNames.stable(el, type, [source.bucketName], 'source');
    // S3 User Guide, "Creating an IAM role": S3 is the principal that assumes the role
    const role = stable(new IamRole(this, 'Role', {
      name: this.roleName,
      description: `S3 replication of s3://${source.bucketName} into ${props.destinations.map((d) => d.bucketName).join(', ')}`.slice(0, 1000),
      assumeRolePolicy: PolicyDocuments.trust(['s3.amazonaws.com']),
      tags: escapeTags(props.tags),
    }), 'aws_iam_role');
    this.roleArn = role.arn;

    const sourceArn = `arn:${partition}:s3:::${source.bucketName}`;
    const destinationArn = (d: ModelStoreReplicaDestination) => `arn:${partition}:s3:::${d.bucketName}`;
    // the S3 Bucket Keys example of "Replicating encrypted objects": the encryption context is the bucket's ARN (the
    // object's for an object written without the bucket key);
    // s3:ReplicateDelete is left out (delete markers are not replicated)
    const statements: Statement[] = [
      { Sid: 'SourceBucket', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: sourceArn },
      {
        Sid: 'SourceVersions',
        Effect: 'Allow',
        Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging',
          // an Object Lock source: its retention and legal holds replicate too (the destination needs Object Lock on)
          ...(source.objectLock ? ['s3:GetObjectRetention', 's3:GetObjectLegalHold'] : [])],
        Resource: `${sourceArn}/*`,
      },
      { Sid: 'Replicas', Effect: 'Allow', Action: ['s3:ReplicateObject', 's3:ReplicateTags'], Resource: props.destinations.map((d) => `${destinationArn(d)}/*`) },
      {
        Sid: 'DecryptSource',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: source.kmsKeyArn,
        Condition: { StringEquals: { 'kms:ViaService': `s3.${source.region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': [sourceArn, `${sourceArn}/*`] } },
      },
    ];
    // one statement per destination: its key (by account and region; the key ARN is the other stack's), through S3
    // in its region, for its bucket only
    props.destinations.forEach((d, i) => {
      statements.push({
        Sid: `EncryptReplicas${i}`,
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt'],
        Resource: `arn:${partition}:kms:${d.region}:${d.accountId}:key/*`,
        Condition: { StringEquals: { 'kms:ViaService': `s3.${d.region}.amazonaws.com` }, StringLike: { 'kms:EncryptionContext:aws:s3:arn': [destinationArn(d), `${destinationArn(d)}/*`] } },
      });
    });
    const policy = stable(new IamRolePolicy(this, 'Policy', {
      name: 'replicate-model-store',
      role: role.id,
      policy: PolicyDocuments.json(statements),
    }), 'aws_iam_role_policy');

    const rtc = props.replicationTimeControl ?? true;
    stable(new S3BucketReplicationConfigurationA(this, 'Resource', {
      bucket: source.bucketName,
      role: role.arn,
      rule: props.destinations.map((d, i) => ({
        id: d.ruleId ?? d.bucketName,
        priority: i + 1,
        status: 'Enabled',
        filter: { prefix: '' },
        deleteMarkerReplication: { status: 'Disabled' },
        sourceSelectionCriteria: { sseKmsEncryptedObjects: { status: 'Enabled' } },
        destination: {
          bucket: destinationArn(d),
          storageClass: 'STANDARD',
          // cross-account replicas belong to the destination's owner: its bucket enforces ownership (ACLs off)
          ...(d.accountId !== ownAccount ? { account: d.accountId } : {}),
          encryptionConfiguration: { replicaKmsKeyId: `arn:${partition}:kms:${d.region}:${d.accountId}:${d.kmsKeyAlias ?? `alias/${d.bucketName}`}` },
          ...(rtc ? {
            replicationTime: { status: 'Enabled', time: { minutes: 15 } },
            metrics: { status: 'Enabled', eventThreshold: { minutes: 15 } },
          } : {}),
        },
      })),
      dependsOn: [source.versioning, policy],
    }), 'aws_s3_bucket_replication_configuration');
  }
}
