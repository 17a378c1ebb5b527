import { TerraformStack, Testing } from 'cdktf';
import { Audit, AuditProps } from '../../src/aws/audit';
import { ModelStore, ObjectLockMode } from '../../src/aws/model-store';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { errorOf, provider } from './fixtures';

function synthAudit(props: Partial<AuditProps> = {}): any {
  return synthStack((stack) => {
    provider(stack);
    new Audit(stack, 'Audit', { trailName: 'acme-prod', bucketName: 'acme-prod-audit', ...props });
  });
}

function build(props: Partial<AuditProps> = {}): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    new Audit(stack, 'Audit', { trailName: 'acme-prod', bucketName: 'acme-prod-audit', ...props });
  };
}

describe('Audit defaults', () => {
  const config = synthAudit();
  const trail = onlyResource(config, 'aws_cloudtrail');

  test('multi-region trail with global events and log file validation, KMS-encrypted', () => {
    expect(trail).toMatchObject({
      name: 'acme-prod',
      is_multi_region_trail: true,
      include_global_service_events: true,
      enable_log_file_validation: true,
      enable_logging: true,
      kms_key_id: '${aws_kms_key.acme_prod_cloudtrail.arn}',
      s3_bucket_name: '${aws_s3_bucket.acme_prod_audit.id}',
      depends_on: ['aws_s3_bucket_policy.acme_prod_audit'],
      lifecycle: { prevent_destroy: true },
    });
    expect(trail.advanced_event_selector).toBeUndefined();
    const keyPolicy = JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_cloudtrail.policy);
    expect(keyPolicy.Statement.map((s: any) => s.Sid)).toEqual(['KeyAdministration', 'AllowCloudTrailEncrypt', 'AllowCloudTrailDescribeKey', 'AllowCloudTrailLogDecryption']);
    expect(keyPolicy.Statement[1]).toMatchObject({ Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:GenerateDataKey*' });
    expect(keyPolicy.Statement[1].Condition.StringEquals['aws:SourceArn'])
      .toBe('arn:${data.aws_partition.current.partition}:cloudtrail:us-east-1:${data.aws_caller_identity.current.account_id}:trail/acme-prod');
  });

  test('key administration is separate from use: the root administers, only CloudTrail encrypts, account principals decrypt log files only', () => {
    const statements = JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_cloudtrail.policy).Statement;
    expect(statements[0]).toEqual({
      Sid: 'KeyAdministration',
      Effect: 'Allow',
      Principal: { AWS: 'arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root' },
      Action: ['kms:Create*', 'kms:Describe*', 'kms:Enable*', 'kms:List*', 'kms:Put*', 'kms:Update*', 'kms:Revoke*', 'kms:Disable*', 'kms:Get*', 'kms:Delete*',
        'kms:TagResource', 'kms:UntagResource', 'kms:ScheduleKeyDeletion', 'kms:CancelKeyDeletion', 'kms:RotateKeyOnDemand'],
      Resource: '*',
    });
    // The broken variant (a root statement with kms:*, i.e. no separation) is gone.
    expect(statements.some((s: any) => [s.Action].flat().includes('kms:*'))).toBe(false);
    expect(statements[0].Action.filter((a: string) => /Encrypt|Decrypt|GenerateDataKey/.test(a))).toEqual([]);
    expect(statements[3]).toMatchObject({
      Action: ['kms:Decrypt', 'kms:ReEncryptFrom'],
      Condition: {
        StringEquals: { 'kms:CallerAccount': '${data.aws_caller_identity.current.account_id}' },
        StringLike: { 'kms:EncryptionContext:aws:cloudtrail:arn': 'arn:${data.aws_partition.current.partition}:cloudtrail:*:${data.aws_caller_identity.current.account_id}:trail/*' },
      },
    });
  });

  test('access logging references the log bucket and waits for its policy (no InvalidTargetBucketForLogging)', () => {
    expect(resourcesOf(config, 'aws_s3_bucket_logging').acme_prod_audit).toMatchObject({
      target_bucket: '${aws_s3_bucket.acme_prod_audit_access_logs.id}',
      target_prefix: 'acme-prod-audit/',
      depends_on: ['aws_s3_bucket_policy.acme_prod_audit_access_logs'],
    });
  });

  test('locked-down bucket: writes only by this trail, no deletes, TLS only, access-logged, kept 7 years', () => {
    const statements = JSON.parse(resourcesOf(config, 'aws_s3_bucket_policy').acme_prod_audit.policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['DenyInsecureTransport', 'AllowCloudTrailAclCheck', 'AllowCloudTrailWrite', 'DenyLogDeletion']);
    expect(statements[2].Resource).toBe('${aws_s3_bucket.acme_prod_audit.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*');
    expect(statements[3]).toMatchObject({ Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'] });
    expect(resourcesOf(config, 'aws_s3_bucket_lifecycle_configuration').acme_prod_audit.rule[1].expiration).toEqual([{ days: 2557 }]);
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_audit.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(config, 'aws_s3_bucket_public_access_block').acme_prod_audit.restrict_public_buckets).toBe(true);
  });
});

describe('Audit options', () => {
  test('Object Lock and S3 data events for model stores', () => {
    const config = synthStack((stack) => {
      provider(stack);
      const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models' });
      new Audit(stack, 'Audit', { trailName: 'acme-prod', bucketName: 'acme-prod-audit', objectLockRetentionDays: 365, retentionDays: 3650, dataEventStores: [store] });
    });
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration').acme_prod_audit).toMatchObject({
      object_lock_enabled: 'Enabled',
      rule: { default_retention: { mode: 'COMPLIANCE', days: 365 } },
      depends_on: ['aws_s3_bucket_versioning.acme_prod_audit'],
    });
    // Object Lock through the configuration resource: turning it on later never replaces the bucket.
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_audit.object_lock_enabled).toBeUndefined();
    const selectors = onlyResource(config, 'aws_cloudtrail').advanced_event_selector;
    expect(selectors[0]).toEqual({ name: 'Management events', field_selector: [{ field: 'eventCategory', equals: ['Management'] }] });
    expect(selectors[1].field_selector[2]).toEqual({ field: 'resources.ARN', starts_with: ['${aws_s3_bucket.acme_prod_models.arn}/'] });
  });
});

describe('Audit Object Lock mode, key administrators, prevent_destroy opt-out', () => {
  test('governance mode', () => {
    const config = synthAudit({ objectLockRetentionDays: 30, objectLockMode: ObjectLockMode.GOVERNANCE });
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration').acme_prod_audit.rule).toEqual({ default_retention: { mode: 'GOVERNANCE', days: 30 } });
  });
  test('extra key administrators join the root in the administration statement only', () => {
    const admin = 'arn:aws:iam::123456789012:role/security-admins';
    const statements = JSON.parse(resourcesOf(synthAudit({ keyAdminPrincipalArns: [admin] }), 'aws_kms_key').acme_prod_cloudtrail.policy).Statement;
    expect(statements[0].Principal.AWS).toEqual(['arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root', admin]);
    expect(JSON.stringify(statements.slice(1))).not.toContain(admin);
  });
  test('preventDestroy: false leaves the trail unprotected too', () => {
    const config = synthAudit({ preventDestroy: false });
    expect(onlyResource(config, 'aws_cloudtrail').lifecycle).toBeUndefined();
    expect(resourcesOf(config, 'aws_kms_key').acme_prod_cloudtrail.lifecycle).toBeUndefined();
  });
});

describe('Audit errors', () => {
  test('names violating CloudTrail and S3 naming rules', () => {
    expect(errorOf(build({ trailName: 'my trail' }))).toMatch(/'trailName' must be a CloudTrail trail name, got 'my trail'/);
    expect(errorOf(build({ bucketName: 'Audit' }))).toMatch(/'bucketName' must be an S3 bucket name, got 'Audit'/);
  });
  test('retention too short, lock longer than retention', () => {
    expect(errorOf(build({ retentionDays: 90 }))).toMatch(/'retentionDays' must be a whole number of days, at least 365, got 90; keep audit logs at least a year/);
    expect(errorOf(build({ objectLockRetentionDays: 4000 }))).toMatch(/'objectLockRetentionDays' must be a whole number from 1 to retentionDays \(2557\), got 4000/);
  });
  test('Object Lock mode without days, unknown mode, malformed key administrators', () => {
    expect(errorOf(build({ objectLockMode: ObjectLockMode.GOVERNANCE }))).toMatch(
      /'objectLockMode' has no effect without objectLockRetentionDays, got 'GOVERNANCE'; set objectLockRetentionDays \(e.g. 365\) to turn Object Lock on, or drop objectLockMode/);
    expect(errorOf(build({ objectLockRetentionDays: 30, objectLockMode: 'LEGAL_HOLD' as ObjectLockMode }))).toMatch(/'objectLockMode' must be an ObjectLockMode, got 'LEGAL_HOLD'; use ObjectLockMode.COMPLIANCE or ObjectLockMode.GOVERNANCE/);
    expect(errorOf(build({ keyAdminPrincipalArns: ['arn:aws:iam::123456789012:group/admins'] }))).toMatch(
      /'keyAdminPrincipalArns' must list IAM role or user ARNs, got 'arn:aws:iam::123456789012:group\/admins'; use e.g. 'arn:aws:iam::123456789012:role\/platform-admins'/);
  });
});
