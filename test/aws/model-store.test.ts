import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { ModelStore, ModelStoreProps, ObjectLockMode } from '../../src/aws/model-store';
import { PodIdentityRole } from '../../src/aws/pod-identity-role';
import { AwsEnvironment } from '../../src/aws/private/aws-env';
import { autoScalingServiceLinkedRoleArn, KEY_ADMIN_ACTIONS, KEY_GRANT_ACTIONS, KEY_USE_ACTIONS, keyPolicyStatements } from '../../src/aws/private/kms';
import { resourcesOf, synthStack } from '../util';
import { clusterFixture, errorOf, provider } from './fixtures';

function synthStore(props: Partial<ModelStoreProps> = {}): { config: any; store: ModelStore } {
  let store!: ModelStore;
  const config = synthStack((stack) => {
    provider(stack);
    store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models', ...props });
  });
  return { config, store };
}

function build(props: Partial<ModelStoreProps> = {}, after?: (s: ModelStore) => void): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models', ...props });
    after?.(store);
  };
}

describe('ModelStore defaults', () => {
  const { config, store } = synthStore();
  const name = 'acme_prod_models';

  test('bucket with a dedicated rotating key, bucket keys, protected from destroy', () => {
    expect(resourcesOf(config, 'aws_s3_bucket')[name]).toMatchObject({ bucket: 'acme-prod-models', lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(config, 'aws_s3_bucket')[name].force_destroy).toBeUndefined();
    expect(resourcesOf(config, 'aws_s3_bucket_server_side_encryption_configuration')[name].rule).toEqual([{
      apply_server_side_encryption_by_default: { sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.acme_prod_models.arn}' }, bucket_key_enabled: true,
    }]);
    expect(resourcesOf(config, 'aws_kms_key')[name]).toMatchObject({ enable_key_rotation: true, deletion_window_in_days: 30, lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(config, 'aws_kms_alias')[name].name).toBe('alias/acme-prod-models');
  });

  test('versioning, public access blocked, ACLs disabled', () => {
    expect(resourcesOf(config, 'aws_s3_bucket_versioning')[name].versioning_configuration).toEqual({ status: 'Enabled' });
    expect(resourcesOf(config, 'aws_s3_bucket_public_access_block')[name]).toMatchObject({
      block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true,
    });
    expect(resourcesOf(config, 'aws_s3_bucket_ownership_controls')[name].rule).toEqual({ object_ownership: 'BucketOwnerEnforced' });
  });

  test('TLS-only policy that also refuses uploads with a foreign key', () => {
    const statements = JSON.parse(resourcesOf(config, 'aws_s3_bucket_policy')[name].policy).Statement;
    expect(statements[0]).toMatchObject({ Effect: 'Deny', Principal: '*', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(statements[1]).toMatchObject({ Sid: 'DenyUnencryptedOrForeignKeyUploads', Effect: 'Deny', Action: 's3:PutObject' });
  });

  test('access logging to a dedicated SSE-S3 bucket writable by the logging service only', () => {
    // The target is referenced (created first) and its logging.s3 grant applied first: the broken variant
    // (a string literal) let PutBucketLogging run before the target existed (InvalidTargetBucketForLogging).
    expect(resourcesOf(config, 'aws_s3_bucket_logging')[name]).toEqual({
      bucket: '${aws_s3_bucket.acme_prod_models.id}',
      target_bucket: '${aws_s3_bucket.acme_prod_models_access_logs.id}',
      target_prefix: 'acme-prod-models/',
      depends_on: ['aws_s3_bucket_policy.acme_prod_models_access_logs'],
    });
    const logs = 'acme_prod_models_access_logs';
    expect(resourcesOf(config, 'aws_s3_bucket_server_side_encryption_configuration')[logs].rule[0].apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'AES256' });
    const statements = JSON.parse(resourcesOf(config, 'aws_s3_bucket_policy')[logs].policy).Statement;
    expect(statements[1]).toMatchObject({ Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject' });
    expect(resourcesOf(config, 'aws_s3_bucket_lifecycle_configuration')[logs].rule[1]).toMatchObject({ id: 'expire-current', expiration: [{ days: 365 }] });
    expect(store.accessLogBucketName).toBe('acme-prod-models-access-logs');
  });

  test('noncurrent versions expire after 90 days; no Object Lock', () => {
    const rules = resourcesOf(config, 'aws_s3_bucket_lifecycle_configuration')[name].rule;
    expect(rules).toEqual([{
      id: 'noncurrent-versions',
      status: 'Enabled',
      filter: [{ prefix: '' }],
      noncurrent_version_expiration: [{ noncurrent_days: 90 }],
      abort_incomplete_multipart_upload: [{ days_after_initiation: 7 }],
    }]);
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration')).toEqual({});
    expect(store.s3Uri('models/llama3-8b/')).toBe('s3://acme-prod-models/models/llama3-8b/');
  });
});

describe('ModelStore key policy', () => {
  const { config } = synthStore({ keyAdminPrincipalArns: ['arn:aws:iam::123456789012:role/key-admins'] });
  const statements = JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_models.policy).Statement;
  const root = 'arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root';

  test('administrators (root + key-admins) manage the key and cannot use it', () => {
    expect(statements[0]).toMatchObject({ Sid: 'KeyAdministration', Principal: { AWS: [root, 'arn:aws:iam::123456789012:role/key-admins'] }, Action: [...KEY_ADMIN_ACTIONS] });
    expect(statements.some((s: any) => [s.Action].flat().includes('kms:*'))).toBe(false);
  });

  test('principals of this account use it only through S3 (their IAM grants decide who)', () => {
    expect(statements).toHaveLength(2);
    expect(statements[1]).toEqual({
      Sid: 'KeyUseThroughServices',
      Effect: 'Allow',
      Principal: { AWS: root },
      Action: [...KEY_USE_ACTIONS],
      Resource: '*',
      Condition: { StringEquals: { 'kms:CallerAccount': '${data.aws_caller_identity.current.account_id}', 'kms:ViaService': ['s3.us-east-1.amazonaws.com'] } },
    });
  });
});

describe('key policy statements (private/kms, shared with the node volume and EKS keys)', () => {
  function statementsFor(access: Parameters<typeof keyPolicyStatements>[3], region: string | null = 'us-east-1'): any[] {
    const stack = new TerraformStack(Testing.app(), 'kms');
    provider(stack);
    return keyPolicyStatements(stack, AwsEnvironment.of(stack), region ?? undefined, access);
  }

  test('direct users with grants for AWS resources (the Auto Scaling service-linked role for EBS volumes)', () => {
    const stack = new TerraformStack(Testing.app(), 'kms');
    provider(stack);
    const env = AwsEnvironment.of(stack);
    const slr = autoScalingServiceLinkedRoleArn(env);
    const statements = keyPolicyStatements(stack, env, 'us-east-1', { viaServices: ['ec2'], userPrincipalArns: [slr], grantsForAwsResources: true });
    expect(statements.map((s) => s.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughServices', 'KeyGrantsThroughServices', 'KeyUsers', 'KeyUserGrants']);
    expect(statements[2]).toMatchObject({ Action: [...KEY_GRANT_ACTIONS], Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    expect(statements[2].Condition!.StringEquals).toMatchObject({ 'kms:ViaService': ['ec2.us-east-1.amazonaws.com'] });
    expect(statements[3]).toMatchObject({ Principal: { AWS: slr }, Action: [...KEY_USE_ACTIONS] });
    expect(statements[4]).toMatchObject({ Principal: { AWS: slr }, Action: [...KEY_GRANT_ACTIONS], Condition: { Bool: { 'kms:GrantIsForAWSResource': 'true' } } });
    expect(slr).toContain(':role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling');
  });

  test('no users and no services: administration only (nobody can encrypt or decrypt)', () => {
    expect(statementsFor({}).map((s) => s.Sid)).toEqual(['KeyAdministration']);
  });

  test('malformed principals and services, services without a region', () => {
    expect(errorOf(() => statementsFor({ userPrincipalArns: ['AWSServiceRoleForAutoScaling'] }))).toMatch(/'userPrincipalArns' must list IAM role or user ARNs, got 'AWSServiceRoleForAutoScaling'/);
    expect(errorOf(() => statementsFor({ viaServices: ['s3.amazonaws.com'] }))).toMatch(/'viaServices' must list AWS service endpoint prefixes, got 's3.amazonaws.com'; use e.g. 's3' or 'ecr'/);
    expect(errorOf(() => statementsFor({ viaServices: ['s3'] }, null))).toMatch(/'region' must be known when the key is used through services/);
  });
});

describe('ModelStore options', () => {
  test('Object Lock, an existing access-log bucket, retention, opt-out of prevent_destroy', () => {
    const { config } = synthStore({ objectLock: { retentionDays: 30 }, accessLogBucketName: 'central-access-logs', noncurrentVersionExpirationDays: 30, preventDestroy: false });
    // Object Lock on through the configuration resource after versioning (new and existing buckets alike).
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_models.object_lock_enabled).toBeUndefined();
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_models.lifecycle).toBeUndefined();
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration').acme_prod_models).toMatchObject({
      object_lock_enabled: 'Enabled', rule: { default_retention: { mode: 'GOVERNANCE', days: 30 } }, depends_on: ['aws_s3_bucket_versioning.acme_prod_models'],
    });
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_models_access_logs).toBeUndefined();
    // An existing bucket outside the stack: by name, nothing to wait for.
    expect(resourcesOf(config, 'aws_s3_bucket_logging').acme_prod_models.target_bucket).toBe('central-access-logs');
    expect(resourcesOf(config, 'aws_s3_bucket_logging').acme_prod_models.depends_on).toBeUndefined();
    const compliance = synthStore({ objectLock: { retentionDays: 7, mode: ObjectLockMode.COMPLIANCE } }).config;
    expect(resourcesOf(compliance, 'aws_s3_bucket_object_lock_configuration').acme_prod_models.rule.default_retention.mode).toBe('COMPLIANCE');
  });

  test('grantRead and grantWrite record prefixes and add scoped statements', () => {
    let store!: ModelStore;
    const config = synthStack((stack) => {
      const cluster = clusterFixture(stack);
      store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models' });
      const role = new PodIdentityRole(stack, 'Tuner', { cluster, namespace: 'training', serviceAccount: 'tuner' });
      store.grantRead(role, 'models/base/');
      store.grantWrite(role, 'adapters/');
    });
    expect(store.grantedPrefixes).toEqual(['models/base/']);
    const statements = JSON.parse(Object.values<any>(resourcesOf(config, 'aws_iam_role_policy'))[0].policy).Statement;
    expect(statements.find((s: any) => s.Action.includes('s3:PutObject')).Resource).toEqual(['${aws_s3_bucket.acme_prod_models.arn}/adapters/*']);
  });
});

describe('ModelStore errors', () => {
  test('bucket names violating S3 naming rules', () => {
    expect(errorOf(build({ bucketName: 'Acme_Models' }))).toMatch(/'bucketName' must be an S3 bucket name, got 'Acme_Models'; use lowercase letters/);
    expect(errorOf(build({ bucketName: 'ab' }))).toMatch(/'bucketName' must be an S3 bucket name of 3 to 63 characters \(is 2\)/);
    expect(errorOf(build({ bucketName: '192.168.1.1' }))).toMatch(/'bucketName' must be an S3 bucket name/);
    expect(errorOf(build({ bucketName: 'a..b' }))).toMatch(/'bucketName' must be an S3 bucket name/);
  });
  test('prefixes that would widen a grant', () => {
    for (const prefix of ['', '/models/', 'models', 'models/*', 'models//x/']) {
      expect(errorOf(build({}, (s) => s.s3Uri(prefix)))).toMatch(/'prefix' must be a non-empty key prefix ending in '\/' without wildcards or a leading '\/'/);
    }
  });
  test('bad retention values', () => {
    expect(errorOf(build({ noncurrentVersionExpirationDays: 0 }))).toMatch(/'noncurrentVersionExpirationDays' must be a positive whole number of days, got 0/);
    expect(errorOf(build({ objectLock: { retentionDays: 0 } }))).toMatch(/'objectLock.retentionDays' must be a whole number of days from 1 to 36500, got 0/);
  });
});

describe('ModelStore replicas from other accounts (replicationSourceRoleArns)', () => {
  const roleA = 'arn:aws:iam::111122223333:role/acme-prod-models-replication';
  const bucketArn = '${aws_s3_bucket.acme_prod_models.arn}';
  const bucketPolicy = (config: any): any[] => JSON.parse(resourcesOf(config, 'aws_s3_bucket_policy').acme_prod_models.policy).Statement;
  const keyPolicy = (config: any): any[] => JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_models.policy).Statement;

  test('one role: the bucket policy lets it replicate objects and tags and check the bucket, through its account root', () => {
    const { config, store } = synthStore({ replicationSourceRoleArns: [roleA] });
    const statements = bucketPolicy(config);
    expect(statements.map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyUnencryptedOrForeignKeyUploads', 'ReplicasFromOtherAccounts', 'ReplicationChecksFromOtherAccounts']);
    expect(statements[2]).toEqual({
      Sid: 'ReplicasFromOtherAccounts',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['s3:ReplicateObject', 's3:ReplicateTags'],
      Resource: `${bucketArn}/*`,
      Condition: { ArnEquals: { 'aws:PrincipalArn': roleA } },
    });
    expect(statements[3]).toEqual({
      Sid: 'ReplicationChecksFromOtherAccounts',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['s3:GetBucketVersioning', 's3:List*'],
      Resource: bucketArn,
      Condition: { ArnEquals: { 'aws:PrincipalArn': roleA } },
    });
    expect(store.replicationSourceRoleArns).toEqual([roleA]);
  });

  test('one role: the key policy lets it encrypt (and, for bucket keys, decrypt) replicas through S3, for this bucket only', () => {
    const statements = keyPolicy(synthStore({ replicationSourceRoleArns: [roleA] }).config);
    expect(statements.map((s) => s.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughServices', 'ReplicasFromOtherAccounts']);
    expect(statements[2]).toEqual({
      Sid: 'ReplicasFromOtherAccounts',
      Effect: 'Allow',
      Principal: { AWS: 'arn:aws:iam::111122223333:root' },
      Action: ['kms:Encrypt', 'kms:Decrypt'],
      Resource: '*',
      Condition: {
        StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' },
        StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::acme-prod-models', 'arn:aws:s3:::acme-prod-models/*'] },
        ArnEquals: { 'aws:PrincipalArn': roleA },
      },
    });
  });

  test('several roles: sorted and deduplicated, each account root once', () => {
    const roleB = 'arn:aws:iam::444455556666:role/eu-models-replication';
    const roleC = 'arn:aws:iam::111122223333:role/replication/other-models-replication';
    const { config, store } = synthStore({ replicationSourceRoleArns: [roleB, roleC, roleA, roleB], region: 'eu-west-1' });
    const roots = ['arn:aws:iam::111122223333:root', 'arn:aws:iam::444455556666:root'];
    const roles = [roleA, roleC, roleB];
    expect(store.replicationSourceRoleArns).toEqual(roles);
    const statements = bucketPolicy(config);
    for (const s of statements.slice(2)) {
      expect(s.Principal).toEqual({ AWS: roots });
      expect(s.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': roles } });
    }
    const key = keyPolicy(config)[2];
    expect(key.Principal).toEqual({ AWS: roots });
    expect(key.Condition).toEqual({
      StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
      StringLike: { 'kms:EncryptionContext:aws:s3:arn': ['arn:aws:s3:::acme-prod-models', 'arn:aws:s3:::acme-prod-models/*'] },
      ArnEquals: { 'aws:PrincipalArn': roles },
    });
  });

  test('two roles of one account: one root principal, both role ARNs', () => {
    const roleC = 'arn:aws:iam::111122223333:role/other-models-replication';
    const { config } = synthStore({ replicationSourceRoleArns: [roleC, roleA] });
    const statement = bucketPolicy(config)[2];
    expect(statement.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:root' });
    expect(statement.Condition).toEqual({ ArnEquals: { 'aws:PrincipalArn': [roleA, roleC] } });
  });

  test('none by default, nor with an empty list', () => {
    for (const props of [{}, { replicationSourceRoleArns: [] }]) {
      const { config, store } = synthStore(props);
      expect(bucketPolicy(config).map((s) => s.Sid)).toEqual(['DenyInsecureTransport', 'DenyUnencryptedOrForeignKeyUploads']);
      expect(keyPolicy(config).map((s) => s.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughServices']);
      expect(JSON.stringify(config)).not.toContain('FromOtherAccounts');
      expect(store.replicationSourceRoleArns).toEqual([]);
    }
  });

  test('a value that is not an IAM role ARN', () => {
    expect(errorOf(build({ replicationSourceRoleArns: ['acme-prod-models-replication'] }))).toBe(
      "test/Models: 'replicationSourceRoleArns[0]' must be an IAM role ARN, got 'acme-prod-models-replication'; "
      + "use the source store's replication role, e.g. 'arn:aws:iam::111122223333:role/acme-llm-prod-models-replication'");
    expect(errorOf(build({ replicationSourceRoleArns: ['arn:aws:iam::111122223333:user/replicator'] }))).toMatch(
      /^test\/Models: 'replicationSourceRoleArns\[0\]' must be an IAM role ARN, got 'arn:aws:iam::111122223333:user\/replicator'/);
    expect(errorOf(build({ replicationSourceRoleArns: [roleA, 'arn:aws:sts::111122223333:assumed-role/x/y'] }))).toMatch(
      /^test\/Models: 'replicationSourceRoleArns\[1\]' must be an IAM role ARN, got 'arn:aws:sts::111122223333:assumed-role\/x\/y'/);
  });

  test('kmsKeyAliasArn: the alias in the store\'s region and account', () => {
    const config = synthStack((stack) => {
      provider(stack);
      const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models' });
      new TerraformOutput(stack, 'alias', { value: store.kmsKeyAliasArn });
      const cn = new ModelStore(stack, 'ChinaModels', { bucketName: 'acme-cn-models', region: 'cn-north-1' });
      new TerraformOutput(stack, 'cn_alias', { value: cn.kmsKeyAliasArn });
    });
    // the provider's one allowed account, literally
    expect(config.output.alias.value).toBe('arn:aws:kms:us-east-1:123456789012:${aws_kms_alias.acme_prod_models.name}');
    expect(resourcesOf(config, 'aws_kms_alias').acme_prod_models.name).toBe('alias/acme-prod-models');
    expect(config.output.cn_alias.value).toBe('arn:aws-cn:kms:cn-north-1:123456789012:${aws_kms_alias.acme_cn_models.name}');
  });

  test('versioning: the bucket\'s versioning resource', () => {
    const { store } = synthStore();
    expect((store.versioning as any).terraformResourceType).toBe('aws_s3_bucket_versioning');
    expect((store.versioning as any).friendlyUniqueId).toBe('acme_prod_models');
    expect((store.versioning as any).node.path).toBe('test/Models/Resource/Versioning');
  });
});

describe('ModelStore replicationSourceRoleArns: errors at the index given', () => {
  test('a bad entry is reported at its own index, before sorting; another partition is refused', () => {
    expect(() => synthStack((stack) => {
      provider(stack);
      new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models', replicationSourceRoleArns: ['zzz-not-an-arn', 'arn:aws:iam::111122223333:role/r'] });
    })).toThrow(/'replicationSourceRoleArns\[0\]' must be an IAM role ARN, got 'zzz-not-an-arn'/);
    expect(() => synthStack((stack) => {
      provider(stack);
      new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models', replicationSourceRoleArns: ['arn:aws-cn:iam::111122223333:role/r'] });
    })).toThrow(/'replicationSourceRoleArns\[0\]' is in another AWS partition than the store \(aws\)/);
  });
});
