import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { ModelStore } from '../../src/aws/model-store';
import { ModelStoreReplicaDestination, ModelStoreReplication, ModelStoreReplicationProps } from '../../src/aws/model-store-replication';
import { ValidationErrors } from '../../src/core/errors';
import { expectValidTerraform, onlyResource, resourcesOf } from '../util';
import { ACCOUNT, errorOf, provider } from './fixtures';

const SOURCE = 'acme-prod-models';
const OTHER_ACCOUNT = '210987654321';
/** Same account, another region (alias defaults to the bucket's). */
const EU: ModelStoreReplicaDestination = { bucketName: 'acme-prod-eu-models', region: 'eu-west-1', accountId: ACCOUNT };
/** Another account, another region, own alias and rule id. */
const DR: ModelStoreReplicaDestination = { bucketName: 'acme-dr-models', region: 'us-west-2', accountId: OTHER_ACCOUNT, kmsKeyAlias: 'alias/dr/models', ruleId: 'dr' };

interface Built {
  readonly stack: TerraformStack;
  readonly store: ModelStore;
  readonly replication: ModelStoreReplication;
}

/** A stack with the default provider (us-east-1, one allowed account), the source store and its replication. */
function buildReplication(props: Partial<ModelStoreReplicationProps> = {}, providerOf: (stack: TerraformStack) => void = provider): Built {
  const stack = new TerraformStack(Testing.app(), 'test');
  providerOf(stack);
  const store = new ModelStore(stack, 'Models', { bucketName: SOURCE });
  const replication = new ModelStoreReplication(stack, 'Replication', { source: store, destinations: [EU, DR], ...props });
  return { stack, store, replication };
}

/** Full synth (as `cdktf synth`), validated against the AWS provider schema. */
function synthReplication(props: Partial<ModelStoreReplicationProps> = {}, providerOf?: (stack: TerraformStack) => void): { config: any } & Built {
  const built = buildReplication(props, providerOf);
  new TerraformOutput(built.stack, 'role_arn', { value: built.replication.roleArn });
  const config = expectValidTerraform(Testing.synth(built.stack, true));
  return { config, ...built };
}

function policyOf(config: any): any[] {
  const policy = onlyResource(config, 'aws_iam_role_policy');
  return JSON.parse(policy.policy).Statement;
}

/** The problems (prop, problem, value) of the ValidationError `fn` throws. */
function problemsOf(fn: () => void): Array<{ prop: string; problem: string; value: string }> {
  try {
    fn();
  } catch (e: any) {
    if (!ValidationErrors.isValidationError(e)) throw e;
    return ValidationErrors.problemsOf(e).map((p) => ({ prop: p.prop, problem: p.problem, value: p.value }));
  }
  throw new Error('expected a ValidationError');
}

function withDestinations(...destinations: ModelStoreReplicaDestination[]): () => void {
  return () => buildReplication({ destinations });
}

describe('ModelStoreReplication role', () => {
  const { config, replication } = synthReplication();

  test('S3 assumes the role, named after the source bucket by default', () => {
    const role = onlyResource(config, 'aws_iam_role');
    expect(Object.keys(resourcesOf(config, 'aws_iam_role'))).toEqual(['acme_prod_models']);
    expect(role.name).toBe('acme-prod-models-replication');
    expect(role.description).toBe('S3 replication of s3://acme-prod-models into acme-prod-eu-models, acme-dr-models');
    expect(role.tags).toBeUndefined();
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 's3.amazonaws.com' }, Action: ['sts:AssumeRole'] }],
    });
    expect(replication.roleName).toBe('acme-prod-models-replication');
    expect(config.output.role_arn.value).toBe('${aws_iam_role.acme_prod_models.arn}');
  });

  test('the inline policy is attached to the role', () => {
    expect(Object.keys(resourcesOf(config, 'aws_iam_role_policy'))).toEqual(['acme_prod_models']);
    const policy = onlyResource(config, 'aws_iam_role_policy');
    expect(policy.name).toBe('replicate-model-store');
    expect(policy.role).toBe('${aws_iam_role.acme_prod_models.id}');
    expect(JSON.parse(policy.policy).Version).toBe('2012-10-17');
  });

  test('reads the source bucket and its versions for replication', () => {
    const statements = policyOf(config);
    expect(statements.map((s) => s.Sid)).toEqual(['SourceBucket', 'SourceVersions', 'Replicas', 'DecryptSource', 'EncryptReplicas0', 'EncryptReplicas1']);
    expect(statements[0]).toEqual({
      Sid: 'SourceBucket', Effect: 'Allow', Action: ['s3:GetReplicationConfiguration', 's3:ListBucket'], Resource: 'arn:aws:s3:::acme-prod-models',
    });
    expect(statements[1]).toEqual({
      Sid: 'SourceVersions',
      Effect: 'Allow',
      Action: ['s3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging'],
      Resource: 'arn:aws:s3:::acme-prod-models/*',
    });
  });

  test('replicates objects and tags into every destination, never deletes', () => {
    const statements = policyOf(config);
    expect(statements[2]).toEqual({
      Sid: 'Replicas',
      Effect: 'Allow',
      Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
      Resource: ['arn:aws:s3:::acme-prod-eu-models/*', 'arn:aws:s3:::acme-dr-models/*'],
    });
    expect(JSON.stringify(statements)).not.toContain('s3:ReplicateDelete');
  });

  test('decrypts with the source key through S3 in the source region, for the source bucket only', () => {
    expect(policyOf(config)[3]).toEqual({
      Sid: 'DecryptSource',
      Effect: 'Allow',
      Action: 'kms:Decrypt',
      Resource: '${aws_kms_key.acme_prod_models.arn}',
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::acme-prod-models', 'arn:aws:s3:::acme-prod-models/*'] },
      },
    });
  });

  test('encrypts replicas with each destination\'s keys through S3 in its region, for its bucket only', () => {
    const statements = policyOf(config);
    expect(statements[4]).toEqual({
      Sid: 'EncryptReplicas0',
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: 'arn:aws:kms:eu-west-1:123456789012:key/*',
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::acme-prod-eu-models', 'arn:aws:s3:::acme-prod-eu-models/*'] },
      },
    });
    expect(statements[5]).toEqual({
      Sid: 'EncryptReplicas1',
      Effect: 'Allow',
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: 'arn:aws:kms:us-west-2:210987654321:key/*',
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.us-west-2.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::acme-dr-models', 'arn:aws:s3:::acme-dr-models/*'] },
      },
    });
    expect(statements).toHaveLength(6);
  });
});

describe('ModelStoreReplication configuration', () => {
  const { config } = synthReplication();
  const configuration = onlyResource(config, 'aws_s3_bucket_replication_configuration');

  test('on the source bucket, with the role, after the source versioning and the role policy', () => {
    expect(Object.keys(resourcesOf(config, 'aws_s3_bucket_replication_configuration'))).toEqual(['acme_prod_models']);
    expect(configuration.bucket).toBe('acme-prod-models');
    expect(configuration.role).toBe('${aws_iam_role.acme_prod_models.arn}');
    expect(configuration.depends_on).toEqual(['aws_s3_bucket_versioning.acme_prod_models', 'aws_iam_role_policy.acme_prod_models']);
    expect(resourcesOf(config, 'aws_s3_bucket_versioning').acme_prod_models).toBeDefined();
  });

  test('one rule per destination, in order: SSE-KMS objects, the destination\'s key alias, RTC, no delete markers', () => {
    expect(configuration.rule).toEqual([
      {
        id: 'acme-prod-eu-models',
        priority: 1,
        status: 'Enabled',
        filter: { prefix: '' },
        delete_marker_replication: { status: 'Disabled' },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
        destination: {
          bucket: 'arn:aws:s3:::acme-prod-eu-models',
          storage_class: 'STANDARD',
          encryption_configuration: { replica_kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:alias/acme-prod-eu-models' },
          replication_time: { status: 'Enabled', time: { minutes: 15 } },
          metrics: { status: 'Enabled', event_threshold: { minutes: 15 } },
        },
      },
      {
        id: 'dr',
        priority: 2,
        status: 'Enabled',
        filter: { prefix: '' },
        delete_marker_replication: { status: 'Disabled' },
        source_selection_criteria: { sse_kms_encrypted_objects: { status: 'Enabled' } },
        destination: {
          bucket: 'arn:aws:s3:::acme-dr-models',
          storage_class: 'STANDARD',
          account: '210987654321',
          encryption_configuration: { replica_kms_key_id: 'arn:aws:kms:us-west-2:210987654321:alias/dr/models' },
          replication_time: { status: 'Enabled', time: { minutes: 15 } },
          metrics: { status: 'Enabled', event_threshold: { minutes: 15 } },
        },
      },
    ]);
  });

  test('the destination account is named only for a destination in another account', () => {
    expect('account' in configuration.rule[0].destination).toBe(false);
    expect(configuration.rule[1].destination.account).toBe(OTHER_ACCOUNT);
  });
});

describe('ModelStoreReplication options', () => {
  test('without Replication Time Control: no replication_time and no metrics', () => {
    const { config } = synthReplication({ replicationTimeControl: false });
    const rules = onlyResource(config, 'aws_s3_bucket_replication_configuration').rule;
    expect(rules).toHaveLength(2);
    for (const rule of rules) {
      expect(rule.destination.replication_time).toBeUndefined();
      expect(rule.destination.metrics).toBeUndefined();
    }
    expect(rules[0].destination).toEqual({
      bucket: 'arn:aws:s3:::acme-prod-eu-models',
      storage_class: 'STANDARD',
      encryption_configuration: { replica_kms_key_id: 'arn:aws:kms:eu-west-1:123456789012:alias/acme-prod-eu-models' },
    });
  });

  test('replicationTimeControl: true is the default', () => {
    const { config } = synthReplication({ replicationTimeControl: true });
    const rules = onlyResource(config, 'aws_s3_bucket_replication_configuration').rule;
    expect(rules.map((r: any) => r.destination.replication_time)).toEqual([{ status: 'Enabled', time: { minutes: 15 } }, { status: 'Enabled', time: { minutes: 15 } }]);
  });

  test('a role name and tags', () => {
    const { config, replication } = synthReplication({ roleName: 'models-replication', tags: { team: 'ml-platform' } });
    const role = onlyResource(config, 'aws_iam_role');
    expect(role.name).toBe('models-replication');
    expect(role.tags).toEqual({ team: 'ml-platform' });
    expect(replication.roleName).toBe('models-replication');
    // the logical ids stay those of the source bucket
    expect(Object.keys(resourcesOf(config, 'aws_iam_role'))).toEqual(['acme_prod_models']);
  });

  test('the default role name is cut to 64 characters', () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    const bucketName = `${'a'.repeat(50)}-models`;
    const store = new ModelStore(stack, 'Models', { bucketName });
    const replication = new ModelStoreReplication(stack, 'Replication', { source: store, destinations: [EU] });
    expect(replication.roleName).toBe(`${'a'.repeat(50)}-models-replic`);
    expect(replication.roleName).toHaveLength(64);
  });

  test('a stack whose account is not known at synth time names every destination\'s account', () => {
    const { config } = synthReplication({}, (stack) => new AwsProvider(stack, 'aws', { region: 'us-east-1' }));
    const rules = onlyResource(config, 'aws_s3_bucket_replication_configuration').rule;
    expect(rules.map((r: any) => r.destination.account)).toEqual([ACCOUNT, OTHER_ACCOUNT]);
  });

  test('the rules follow the order of the destinations', () => {
    const { config } = synthReplication({ destinations: [DR, EU] });
    const rules = onlyResource(config, 'aws_s3_bucket_replication_configuration').rule;
    expect(rules.map((r: any) => [r.id, r.priority, r.destination.account])).toEqual([['dr', 1, OTHER_ACCOUNT], ['acme-prod-eu-models', 2, undefined]]);
    expect(policyOf(config).map((s) => s.Resource).slice(4)).toEqual([
      'arn:aws:kms:us-west-2:210987654321:key/*', 'arn:aws:kms:eu-west-1:123456789012:key/*',
    ]);
  });

  test('China partition: every ARN is aws-cn', () => {
    const { config } = synthReplication(
      { destinations: [{ bucketName: 'acme-cn-models', region: 'cn-northwest-1', accountId: ACCOUNT }] },
      (stack) => new AwsProvider(stack, 'aws', { region: 'cn-north-1', allowedAccountIds: [ACCOUNT] }),
    );
    const statements = policyOf(config);
    expect(statements[0].Resource).toBe('arn:aws-cn:s3:::acme-prod-models');
    expect(statements[2].Resource).toEqual(['arn:aws-cn:s3:::acme-cn-models/*']);
    expect(statements[3].Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.cn-north-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws-cn:s3:::acme-prod-models', 'arn:aws-cn:s3:::acme-prod-models/*'] },
    });
    expect(statements[4].Resource).toBe('arn:aws-cn:kms:cn-northwest-1:123456789012:key/*');
    const destination = onlyResource(config, 'aws_s3_bucket_replication_configuration').rule[0].destination;
    expect(destination.bucket).toBe('arn:aws-cn:s3:::acme-cn-models');
    expect(destination.encryption_configuration.replica_kms_key_id).toBe('arn:aws-cn:kms:cn-northwest-1:123456789012:alias/acme-cn-models');
  });
});

describe('ModelStoreReplication errors', () => {
  test('no destinations', () => {
    expect(problemsOf(withDestinations())).toEqual([{ prop: 'destinations', problem: 'must list at least one store', value: '[]' }]);
    expect(errorOf(withDestinations())).toBe(
      "test/Replication: 'destinations' must list at least one store, got []; add e.g. { bucketName: 'acme-llm-prod-eu-west-1-models', region: 'eu-west-1', accountId: '123456789012' }");
  });

  test('more than 1000 destinations', () => {
    const many = Array.from({ length: 1001 }, (_, i) => ({ bucketName: `acme-replica-${i}`, region: 'eu-west-1', accountId: ACCOUNT }));
    expect(problemsOf(withDestinations(...many))).toEqual([
      { prop: 'destinations', problem: 'lists 1001 stores; one replication configuration holds at most 1000 rules', value: '1001' },
    ]);
  });

  test('the source store itself', () => {
    expect(problemsOf(withDestinations(EU, { bucketName: SOURCE, region: 'us-west-2', accountId: ACCOUNT }))).toEqual([
      { prop: 'destinations[1].bucketName', problem: 'is the source store itself', value: "'acme-prod-models'" },
    ]);
  });

  test('a store listed twice (its default rule id is then taken too)', () => {
    expect(problemsOf(withDestinations(EU, { ...EU, region: 'eu-central-1' }))).toEqual([
      { prop: 'destinations[1].bucketName', problem: 'names a store twice', value: "'acme-prod-eu-models'" },
      { prop: 'destinations[1].ruleId', problem: 'is the id of another rule', value: "'acme-prod-eu-models'" },
    ]);
  });

  test('a bucket name violating S3 naming rules', () => {
    expect(errorOf(withDestinations({ ...EU, bucketName: 'Acme_Models' }))).toMatch(/'destinations\[0\]\.bucketName' must be an S3 bucket name, got 'Acme_Models'/);
  });

  test('a bad account id', () => {
    expect(problemsOf(withDestinations(EU, { ...DR, accountId: '21098765432' }))).toEqual([
      { prop: 'destinations[1].accountId', problem: 'must be a 12-digit AWS account id', value: "'21098765432'" },
    ]);
    expect(errorOf(withDestinations({ ...EU, accountId: 'prod' }))).toMatch(/'destinations\[0\]\.accountId' must be a 12-digit AWS account id, got 'prod'; use e\.g\. '123456789012'/);
  });

  test('a bad region', () => {
    expect(problemsOf(withDestinations({ ...EU, region: 'Europe' }))).toEqual([
      { prop: 'destinations[0].region', problem: 'must be an AWS region', value: "'Europe'" },
    ]);
    expect(problemsOf(withDestinations({ ...EU, region: 'eu-west' }))).toEqual([
      { prop: 'destinations[0].region', problem: 'must be an AWS region', value: "'eu-west'" },
    ]);
  });

  test('a region of another partition', () => {
    expect(problemsOf(withDestinations(EU, { ...DR, region: 'cn-north-1' }))).toEqual([{
      prop: 'destinations[1].region',
      problem: 'is in another AWS partition than the source (us-east-1); S3 does not replicate across partitions',
      value: "'cn-north-1'",
    }]);
    expect(problemsOf(withDestinations({ ...EU, region: 'us-gov-west-1' })).map((p) => p.prop)).toEqual(['destinations[0].region']);
  });

  test('an AWS managed key alias, or not an alias', () => {
    expect(problemsOf(withDestinations({ ...EU, kmsKeyAlias: 'alias/aws/s3' }))).toEqual([
      { prop: 'destinations[0].kmsKeyAlias', problem: "must be a customer managed key's alias", value: "'alias/aws/s3'" },
    ]);
    expect(errorOf(withDestinations({ ...EU, kmsKeyAlias: 'alias/aws/s3' }))).toMatch(/use the destination store's key alias, e\.g\. 'alias\/acme-prod-eu-models'$/);
    expect(problemsOf(withDestinations({ ...EU, kmsKeyAlias: 'acme-prod-eu-models' })).map((p) => p.prop)).toEqual(['destinations[0].kmsKeyAlias']);
    expect(problemsOf(withDestinations({ ...EU, kmsKeyAlias: 'arn:aws:kms:eu-west-1:123456789012:alias/acme-prod-eu-models' })).map((p) => p.prop))
      .toEqual(['destinations[0].kmsKeyAlias']);
  });

  test('a rule id used twice', () => {
    expect(problemsOf(withDestinations({ ...EU, ruleId: 'replica' }, { ...DR, ruleId: 'replica' }))).toEqual([
      { prop: 'destinations[1].ruleId', problem: 'is the id of another rule', value: "'replica'" },
    ]);
    // an explicit id equal to another destination's default (its bucket name)
    expect(problemsOf(withDestinations(EU, { ...DR, ruleId: 'acme-prod-eu-models' })).map((p) => p.prop)).toEqual(['destinations[1].ruleId']);
  });

  test('a rule id of more than 255 characters, or empty', () => {
    expect(problemsOf(withDestinations({ ...EU, ruleId: 'r'.repeat(256) })).map((p) => [p.prop, p.problem])).toEqual([
      ['destinations[0].ruleId', 'must be 1 to 255 characters'],
    ]);
    expect(problemsOf(withDestinations({ ...EU, ruleId: '' }))).toEqual([
      { prop: 'destinations[0].ruleId', problem: 'must be 1 to 255 characters', value: "''" },
    ]);
    // 255 is allowed
    expect(() => withDestinations({ ...EU, ruleId: 'r'.repeat(255) })()).not.toThrow();
  });

  test('every problem of every destination at once', () => {
    expect(problemsOf(withDestinations({ ...EU, accountId: '1', region: 'mars' }, { ...DR, kmsKeyAlias: 'alias/aws/s3', ruleId: '' })).map((p) => p.prop)).toEqual([
      'destinations[0].accountId', 'destinations[0].region', 'destinations[1].kmsKeyAlias', 'destinations[1].ruleId',
    ]);
  });

  test('a bad role name', () => {
    expect(errorOf(() => buildReplication({ roleName: 'models replication' }))).toMatch(/'roleName' must be an IAM role name, got 'models replication'/);
  });
});

describe('ModelStoreReplication of an Object Lock store', () => {
  test("the role also reads the source versions' retention and legal holds", () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    const store = new ModelStore(stack, 'Models', { bucketName: SOURCE, objectLock: { retentionDays: 30 } });
    new ModelStoreReplication(stack, 'Replication', { source: store, destinations: [EU] });
    const statements = policyOf(expectValidTerraform(Testing.synth(stack, true)));
    expect(statements.find((s) => s.Sid === 'SourceVersions').Action).toEqual([
      's3:GetObjectVersionForReplication', 's3:GetObjectVersionAcl', 's3:GetObjectVersionTagging', 's3:GetObjectRetention', 's3:GetObjectLegalHold',
    ]);
  });

  test('without Object Lock the role reads no retention', () => {
    const statements = policyOf(synthReplication().config);
    expect(statements.find((s) => s.Sid === 'SourceVersions').Action).not.toContain('s3:GetObjectRetention');
  });
});
