import { TerraformStack, Testing } from 'cdktf';
import { FindingSeverity, SecurityBaseline, SecurityBaselineProps, SecurityHubStandard, SplunkForwardingOptions } from '../../src/aws/security-baseline';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { errorOf, provider } from './fixtures';

const SPLUNK: SplunkForwardingOptions = {
  hecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443',
  hecTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:splunk-hec-AbCdEf',
  backupBucketName: 'acme-prod-findings-backup',
};

function synthBaseline(props: Partial<SecurityBaselineProps> = {}): any {
  return synthStack((stack) => {
    provider(stack);
    new SecurityBaseline(stack, 'Baseline', { name: 'acme-prod', ...props });
  });
}

function build(props: Partial<SecurityBaselineProps> = {}): () => void {
  return () => {
    const stack = new TerraformStack(Testing.app(), 'test');
    provider(stack);
    new SecurityBaseline(stack, 'Baseline', { name: 'acme-prod', ...props });
  };
}

describe('SecurityBaseline defaults', () => {
  const config = synthBaseline();

  test('Security Hub with AWS Foundational and CIS standards, no implicit defaults', () => {
    expect(onlyResource(config, 'aws_securityhub_account')).toMatchObject({ enable_default_standards: false, auto_enable_controls: true });
    const arns = Object.values<any>(resourcesOf(config, 'aws_securityhub_standards_subscription')).map((s) => s.standards_arn).sort();
    expect(arns).toEqual([
      'arn:${data.aws_partition.current.partition}:securityhub:us-east-1::standards/aws-foundational-security-best-practices/v/1.0.0',
      'arn:${data.aws_partition.current.partition}:securityhub:us-east-1::standards/cis-aws-foundations-benchmark/v/3.0.0',
    ]);
    for (const s of Object.values<any>(resourcesOf(config, 'aws_securityhub_standards_subscription'))) expect(s.depends_on).toEqual(['aws_securityhub_account.acme_prod']);
  });

  test('GuardDuty with EKS audit logs and runtime monitoring (managed EKS agent)', () => {
    expect(onlyResource(config, 'aws_guardduty_detector').enable).toBe(true);
    const features = resourcesOf(config, 'aws_guardduty_detector_feature');
    expect(Object.values<any>(features).map((f) => `${f.name}=${f.status}`).sort()).toEqual([
      'EBS_MALWARE_PROTECTION=ENABLED', 'EKS_AUDIT_LOGS=ENABLED', 'RUNTIME_MONITORING=ENABLED', 'S3_DATA_EVENTS=ENABLED',
    ]);
    expect(features.acme_prod_runtime_monitoring.additional_configuration).toContainEqual({ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' });
  });

  test('no forwarding without splunk', () => {
    expect(resourcesOf(config, 'aws_kinesis_firehose_delivery_stream')).toEqual({});
  });
});

describe('SecurityBaseline Splunk forwarding', () => {
  const config = synthBaseline({ splunk: SPLUNK });
  const stream = onlyResource(config, 'aws_kinesis_firehose_delivery_stream');

  test('Firehose to the HEC endpoint with the token from Secrets Manager by ARN, never a literal', () => {
    expect(stream.destination).toBe('splunk');
    expect(stream.splunk_configuration).toMatchObject({
      hec_endpoint: SPLUNK.hecEndpoint,
      hec_endpoint_type: 'Event',
      s3_backup_mode: 'FailedEventsOnly',
      secrets_manager_configuration: { enabled: true, secret_arn: SPLUNK.hecTokenSecretArn, role_arn: '${aws_iam_role.acme_prod_firehose.arn}' },
    });
    expect(stream.splunk_configuration.hec_token).toBeUndefined();
    expect(stream.server_side_encryption).toEqual({ enabled: true, key_type: 'AWS_OWNED_CMK' });
  });

  test('failed deliveries to a KMS-encrypted, protected backup bucket', () => {
    expect(stream.splunk_configuration.s3_configuration).toMatchObject({
      bucket_arn: '${aws_s3_bucket.acme_prod_findings_backup.arn}', kms_key_arn: '${aws_kms_key.acme_prod_findings.arn}', compression_format: 'GZIP',
    });
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_findings_backup.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(config, 'aws_s3_bucket_server_side_encryption_configuration').acme_prod_findings_backup.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe('aws:kms');
  });

  test('EventBridge rule for active new findings of CRITICAL, HIGH and MEDIUM, targeting the stream', () => {
    const rule = onlyResource(config, 'aws_cloudwatch_event_rule');
    expect(JSON.parse(rule.event_pattern)).toEqual({
      'source': ['aws.securityhub'],
      'detail-type': ['Security Hub Findings - Imported'],
      'detail': { findings: { Severity: { Label: ['CRITICAL', 'HIGH', 'MEDIUM'] }, RecordState: ['ACTIVE'], Workflow: { Status: ['NEW', 'NOTIFIED'] } } },
    });
    expect(onlyResource(config, 'aws_cloudwatch_event_target')).toMatchObject({
      arn: '${aws_kinesis_firehose_delivery_stream.acme_prod.arn}', role_arn: '${aws_iam_role.acme_prod_events.arn}',
    });
  });

  test('least-privilege roles: Firehose reads only the secret, EventBridge only puts to the stream', () => {
    const firehose = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_firehose.policy).Statement;
    expect(firehose.find((s: any) => s.Sid === 'HecToken')).toEqual({ Sid: 'HecToken', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SPLUNK.hecTokenSecretArn });
    const events = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_events.policy).Statement;
    expect(events).toEqual([{
      Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: '${aws_kinesis_firehose_delivery_stream.acme_prod.arn}',
    }]);
  });

  test('other severities, raw endpoint, other standards', () => {
    const other = synthBaseline({
      standards: [SecurityHubStandard.NIST_800_53],
      splunk: { ...SPLUNK, severities: [FindingSeverity.CRITICAL], rawEndpoint: true },
    });
    expect(onlyResource(other, 'aws_kinesis_firehose_delivery_stream').splunk_configuration.hec_endpoint_type).toBe('Raw');
    expect(JSON.parse(onlyResource(other, 'aws_cloudwatch_event_rule').event_pattern).detail.findings.Severity.Label).toEqual(['CRITICAL']);
    expect(onlyResource(other, 'aws_securityhub_standards_subscription').standards_arn).toContain('nist-800-53/v/5.0.0');
  });
});

describe('SecurityBaseline errors', () => {
  test('a literal HEC token instead of a secret ARN', () => {
    const message = errorOf(build({ splunk: { ...SPLUNK, hecTokenSecretArn: '12345678-1234-1234-1234-123456789012' } }));
    expect(message).toMatch(/'splunk.hecTokenSecretArn' looks like a literal HEC token, which must never be in code, got '<redacted>'; store the token in Secrets Manager/);
    expect(message).not.toContain('12345678-1234');
  });
  test('not a secret ARN, not https', () => {
    expect(errorOf(build({ splunk: { ...SPLUNK, hecTokenSecretArn: 'splunk-hec' } }))).toMatch(/'splunk.hecTokenSecretArn' must be a Secrets Manager secret ARN, got 'splunk-hec'/);
    expect(errorOf(build({ splunk: { ...SPLUNK, hecEndpoint: 'http://splunk:8088' } }))).toMatch(/'splunk.hecEndpoint' must be an https:\/\/ URL, got 'http:\/\/splunk:8088'/);
  });
  test('empty standards or severities, bad names', () => {
    expect(errorOf(build({ standards: [] }))).toMatch(/'standards' must list at least one standard/);
    expect(errorOf(build({ splunk: { ...SPLUNK, severities: [] } }))).toMatch(/'splunk.severities' must list at least one severity/);
    expect(errorOf(build({ name: 'acme prod' }))).toMatch(/'name' must be a Firehose stream name, got 'acme prod'/);
    expect(errorOf(build({ splunk: { ...SPLUNK, backupBucketName: 'Backup' } }))).toMatch(/'splunk.backupBucketName' must be an S3 bucket name, got 'Backup'/);
    expect(errorOf(build({ retentionDays: 10 }))).toMatch(/'retentionDays' must be a CloudWatch Logs retention value, got 10/);
  });
});
