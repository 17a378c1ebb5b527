import { TerraformStack, Testing } from 'cdktf';
import { Audit, AuditProps } from '../../src/aws/audit';
import { ModelStore } from '../../src/aws/model-store';
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
    });
    expect(trail.advanced_event_selector).toBeUndefined();
    const keyPolicy = JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_cloudtrail.policy);
    expect(keyPolicy.Statement[1]).toMatchObject({ Principal: { Service: 'cloudtrail.amazonaws.com' }, Action: 'kms:GenerateDataKey*' });
    expect(keyPolicy.Statement[1].Condition.StringEquals['aws:SourceArn'])
      .toBe('arn:${data.aws_partition.current.partition}:cloudtrail:us-east-1:${data.aws_caller_identity.current.account_id}:trail/acme-prod');
  });

  test('locked-down bucket: writes only by this trail, no deletes, TLS only, access-logged, kept 7 years', () => {
    const statements = JSON.parse(resourcesOf(config, 'aws_s3_bucket_policy').acme_prod_audit.policy).Statement;
    expect(statements.map((s: any) => s.Sid)).toEqual(['DenyInsecureTransport', 'AllowCloudTrailAclCheck', 'AllowCloudTrailWrite', 'DenyLogDeletion']);
    expect(statements[2].Resource).toBe('${aws_s3_bucket.acme_prod_audit.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/*');
    expect(statements[3]).toMatchObject({ Effect: 'Deny', Principal: '*', Action: ['s3:DeleteObject', 's3:DeleteObjectVersion'] });
    expect(resourcesOf(config, 'aws_s3_bucket_logging').acme_prod_audit.target_bucket).toBe('acme-prod-audit-access-logs');
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
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration').acme_prod_audit.rule).toEqual({ default_retention: { mode: 'COMPLIANCE', days: 365 } });
    const selectors = onlyResource(config, 'aws_cloudtrail').advanced_event_selector;
    expect(selectors[0]).toEqual({ name: 'Management events', field_selector: [{ field: 'eventCategory', equals: ['Management'] }] });
    expect(selectors[1].field_selector[2]).toEqual({ field: 'resources.ARN', starts_with: ['${aws_s3_bucket.acme_prod_models.arn}/'] });
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
});
