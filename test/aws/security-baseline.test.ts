import { TerraformOutput, TerraformStack, Testing } from 'cdktf';
import { AccountServiceMode, FindingSeverity, SecurityBaseline, SecurityBaselineProps, SecurityHubStandard, SplunkForwardingOptions } from '../../src/aws/security-baseline';
import { onlyResource, resourcesOf, synthStack } from '../util';
import { errorOf, provider } from './fixtures';

const SPLUNK: SplunkForwardingOptions = {
  hecEndpoint: 'https://http-inputs-acme.splunkcloud.com:443',
  hecTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:splunk-hec-AbCdEf',
  backupBucketName: 'acme-prod-findings-backup',
};

function synthBaseline(props: Partial<SecurityBaselineProps> = {}): any {
  return synthWith(props).config;
}

function synthWith(props: Partial<SecurityBaselineProps> = {}): { config: any; baseline: SecurityBaseline } {
  let baseline!: SecurityBaseline;
  const config = synthStack((stack) => {
    provider(stack);
    baseline = new SecurityBaseline(stack, 'Baseline', { name: 'acme-prod', ...props });
    // What dependents see: the detector id and hub ARN, resolved.
    if (baseline.detectorId) new TerraformOutput(stack, 'detector_id', { value: baseline.detectorId });
    if (baseline.hubArn) new TerraformOutput(stack, 'hub_arn', { value: baseline.hubArn });
  });
  return { config, baseline };
}

const CONFIG_TYPES = ['aws_config_configuration_recorder', 'aws_config_delivery_channel', 'aws_config_configuration_recorder_status'];

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
    // Standards wait for the hub and for AWS Config to record (their controls evaluate Config rules).
    for (const s of Object.values<any>(resourcesOf(config, 'aws_securityhub_standards_subscription'))) {
      expect(s.depends_on).toEqual(['aws_securityhub_account.acme_prod', 'aws_config_configuration_recorder_status.acme_prod']);
    }
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

  test('the detector and the hub are protected from destroy; ids and ARNs exposed', () => {
    expect(onlyResource(config, 'aws_guardduty_detector').lifecycle).toEqual({ prevent_destroy: true });
    expect(onlyResource(config, 'aws_securityhub_account').lifecycle).toEqual({ prevent_destroy: true });
    const { baseline } = synthWith();
    expect([baseline.guardDuty, baseline.securityHub, baseline.config]).toEqual(['CREATE', 'CREATE', 'CREATE']);
    expect(config.output).toEqual({ detector_id: { value: '${aws_guardduty_detector.acme_prod.id}' }, hub_arn: { value: '${aws_securityhub_account.acme_prod.arn}' } });
    expect(baseline.configRecorderName).toBe('acme-prod');
    expect(baseline.configBucketName).toBe('acme-prod-config');
  });
});

describe('SecurityBaseline AWS Config recorder (default with Security Hub CREATE)', () => {
  const config = synthBaseline();
  const recorder = onlyResource(config, 'aws_config_configuration_recorder');

  test('records every supported resource type, global types included, continuously, with the created role', () => {
    expect(recorder).toMatchObject({
      name: 'acme-prod',
      role_arn: '${aws_iam_role.acme_prod_config.arn}',
      recording_group: { all_supported: true, include_global_resource_types: true },
      recording_mode: { recording_frequency: 'CONTINUOUS' },
    });
    // The recorder assumes the role at once: it waits for the role's policies.
    expect(recorder.depends_on).toEqual(['aws_iam_role_policy_attachment.acme_prod_config', 'aws_iam_role_policy.acme_prod_config']);
  });

  test('role: trusted by config.amazonaws.com for this account, AWS_ConfigRole, delivery to the bucket and key only', () => {
    const role = resourcesOf(config, 'aws_iam_role').acme_prod_config;
    expect(role.name).toBe('acme-prod-config');
    expect(JSON.parse(role.assume_role_policy).Statement).toEqual([{
      Effect: 'Allow',
      Principal: { Service: 'config.amazonaws.com' },
      Action: ['sts:AssumeRole'],
      Condition: { StringEquals: { 'aws:SourceAccount': '${data.aws_caller_identity.current.account_id}' } },
    }]);
    expect(resourcesOf(config, 'aws_iam_role_policy_attachment').acme_prod_config.policy_arn)
      .toBe('arn:${data.aws_partition.current.partition}:iam::aws:policy/service-role/AWS_ConfigRole');
    const statements = JSON.parse(resourcesOf(config, 'aws_iam_role_policy').acme_prod_config.policy).Statement;
    expect(statements.map((st: any) => st.Sid)).toEqual(['DeliverToBucket', 'CheckBucketAcl', 'EncryptDeliveries']);
    expect(statements[0]).toMatchObject({ Action: ['s3:PutObject', 's3:PutObjectAcl'], Resource: '${aws_s3_bucket.acme_prod_config.arn}/AWSLogs/${data.aws_caller_identity.current.account_id}/Config/*' });
    expect(statements[2]).toMatchObject({ Resource: '${aws_kms_key.acme_prod_config.arn}', Condition: { StringEquals: { 'kms:ViaService': 's3.us-east-1.amazonaws.com' } } });
  });

  test('delivery channel to the KMS-encrypted bucket after the recorder and the bucket policy; recording started after the channel', () => {
    expect(onlyResource(config, 'aws_config_delivery_channel')).toMatchObject({
      name: 'acme-prod',
      s3_bucket_name: '${aws_s3_bucket.acme_prod_config.id}',
      s3_kms_key_arn: '${aws_kms_key.acme_prod_config.arn}',
      snapshot_delivery_properties: { delivery_frequency: 'TwentyFour_Hours' },
      depends_on: ['aws_config_configuration_recorder.acme_prod', 'aws_s3_bucket_policy.acme_prod_config'],
    });
    expect(onlyResource(config, 'aws_config_configuration_recorder_status')).toEqual({
      name: '${aws_config_configuration_recorder.acme_prod.name}', is_enabled: true, depends_on: ['aws_config_delivery_channel.acme_prod'],
    });
  });

  test('bucket: SSE-KMS, protected, writable by AWS Config for this account only', () => {
    expect(resourcesOf(config, 'aws_s3_bucket').acme_prod_config).toMatchObject({ bucket: 'acme-prod-config', lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(config, 'aws_s3_bucket_server_side_encryption_configuration').acme_prod_config.rule[0].apply_server_side_encryption_by_default)
      .toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: '${aws_kms_key.acme_prod_config.arn}' });
    const statements = JSON.parse(resourcesOf(config, 'aws_s3_bucket_policy').acme_prod_config.policy).Statement;
    expect(statements.map((st: any) => st.Sid)).toEqual(['DenyInsecureTransport', 'AWSConfigBucketPermissionsCheck', 'AWSConfigBucketExistenceCheck', 'AWSConfigBucketDelivery']);
    for (const st of statements.slice(1)) {
      expect(st.Principal).toEqual({ Service: 'config.amazonaws.com' });
      expect(st.Condition.StringEquals['aws:SourceAccount']).toBe('${data.aws_caller_identity.current.account_id}');
    }
    expect(statements[3].Condition.StringEquals['s3:x-amz-acl']).toBe('bucket-owner-full-control');
    expect(resourcesOf(config, 'aws_s3_bucket_lifecycle_configuration').acme_prod_config.rule[1].expiration).toEqual([{ days: 2557 }]);
  });

  test('key: administered by the account root, used through S3 and by the Config service principal for this account', () => {
    const key = resourcesOf(config, 'aws_kms_key').acme_prod_config;
    expect(key.lifecycle).toEqual({ prevent_destroy: true });
    const statements = JSON.parse(key.policy).Statement;
    expect(statements.map((st: any) => st.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughServices', 'AllowConfigServicePrincipal']);
    expect(statements[1].Condition.StringEquals['kms:ViaService']).toEqual(['s3.us-east-1.amazonaws.com']);
    expect(statements[2]).toMatchObject({ Principal: { Service: 'config.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'] });
  });

  test('an existing recorder role (e.g. the AWS Config service-linked role): no role created, nothing to wait for', () => {
    const slr = 'arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig';
    const other = synthBaseline({ configRecorderRoleArn: slr, configBucketName: 'acme-prod-config-history' });
    expect(onlyResource(other, 'aws_config_configuration_recorder').role_arn).toBe(slr);
    expect(onlyResource(other, 'aws_config_configuration_recorder').depends_on).toBeUndefined();
    expect(resourcesOf(other, 'aws_iam_role').acme_prod_config).toBeUndefined();
    expect(resourcesOf(other, 'aws_iam_role_policy_attachment')).toEqual({});
    expect(resourcesOf(other, 'aws_s3_bucket').acme_prod_config_history.bucket).toBe('acme-prod-config-history');
  });
});

describe('SecurityBaseline in an organization-managed account', () => {
  test('the broken variant: CREATE (the single-account default) creates a detector and a hub, which fail in a delegated-admin member account', () => {
    const config = synthBaseline();
    expect(Object.keys(resourcesOf(config, 'aws_guardduty_detector'))).toEqual(['acme_prod']);
    expect(Object.keys(resourcesOf(config, 'aws_securityhub_account'))).toEqual(['acme_prod']);
    expect(config.data?.aws_guardduty_detector).toBeUndefined();
  });

  test('EXISTING GuardDuty and Security Hub: nothing created, the detector looked up, Config follows the hub, forwarding still wired', () => {
    const { config, baseline } = synthWith({ guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING, splunk: SPLUNK });
    for (const type of ['aws_guardduty_detector', 'aws_guardduty_detector_feature', 'aws_securityhub_account', 'aws_securityhub_standards_subscription', ...CONFIG_TYPES]) {
      expect({ type, resources: resourcesOf(config, type) }).toEqual({ type, resources: {} });
    }
    expect(config.data.aws_guardduty_detector).toEqual({ acme_prod: {} });
    expect(baseline.config).toBe(AccountServiceMode.EXISTING);
    expect(baseline.standards).toEqual([]);
    expect(config.output).toEqual({
      detector_id: { value: '${data.aws_guardduty_detector.acme_prod.id}' },
      hub_arn: { value: 'arn:${data.aws_partition.current.partition}:securityhub:us-east-1:${data.aws_caller_identity.current.account_id}:hub/default' },
    });
    expect(baseline.configRecorderName).toBeUndefined();
    // Findings still flow: rule -> Firehose -> Splunk, with no dependency on a hub resource.
    expect(onlyResource(config, 'aws_kinesis_firehose_delivery_stream').destination).toBe('splunk');
    expect(onlyResource(config, 'aws_cloudwatch_event_rule').depends_on).toBeUndefined();
    expect(onlyResource(config, 'aws_cloudwatch_event_target').arn).toBe('${aws_kinesis_firehose_delivery_stream.acme_prod.arn}');
  });

  test('an existing hub with a recorder this stack creates', () => {
    const config = synthBaseline({ securityHub: AccountServiceMode.EXISTING, config: AccountServiceMode.CREATE });
    expect(resourcesOf(config, 'aws_securityhub_account')).toEqual({});
    expect(Object.keys(resourcesOf(config, 'aws_config_configuration_recorder'))).toEqual(['acme_prod']);
  });

  test('DISABLED everywhere: no account-level service, no Config by default', () => {
    const { config, baseline } = synthWith({ guardDuty: AccountServiceMode.DISABLED, securityHub: AccountServiceMode.DISABLED });
    for (const type of ['aws_guardduty_detector', 'aws_securityhub_account', ...CONFIG_TYPES, 'aws_kms_key', 'aws_s3_bucket']) {
      expect({ type, resources: resourcesOf(config, type) }).toEqual({ type, resources: {} });
    }
    expect(config.data?.aws_guardduty_detector).toBeUndefined();
    expect([baseline.detectorId, baseline.hubArn, baseline.config]).toEqual([undefined, undefined, 'DISABLED']);
  });

  test('opt-out of prevent_destroy reaches the detector and the hub', () => {
    const config = synthBaseline({ preventDestroy: false });
    expect(onlyResource(config, 'aws_guardduty_detector').lifecycle).toBeUndefined();
    expect(onlyResource(config, 'aws_securityhub_account').lifecycle).toBeUndefined();
    expect(resourcesOf(config, 'aws_kms_key').acme_prod_config.lifecycle).toBeUndefined();
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

  test('the stream and the rule target wait for their roles\' policies, not only the roles', () => {
    expect(stream.depends_on).toEqual(['aws_iam_role_policy.acme_prod_firehose']);
    expect(onlyResource(config, 'aws_cloudwatch_event_target').depends_on).toEqual(['aws_iam_role_policy.acme_prod_events']);
  });

  test('the findings key is used only through S3 and by CloudWatch Logs for the Firehose log group', () => {
    const statements = JSON.parse(resourcesOf(config, 'aws_kms_key').acme_prod_findings.policy).Statement;
    expect(statements.map((st: any) => st.Sid)).toEqual(['KeyAdministration', 'KeyUseThroughServices', 'AllowCloudWatchLogs']);
    expect(statements.some((st: any) => [st.Action].flat().includes('kms:*'))).toBe(false);
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
  test('Security Hub without AWS Config recording (its controls would find nothing)', () => {
    expect(errorOf(build({ config: AccountServiceMode.DISABLED }))).toMatch(
      /'config' must not be DISABLED while securityHub is CREATE: Security Hub controls are evaluated by AWS Config rules and find nothing without resource recording, got 'DISABLED'; use CREATE .*, or EXISTING when the account already records/);
    expect(errorOf(build({ securityHub: AccountServiceMode.EXISTING, config: AccountServiceMode.DISABLED }))).toMatch(/'config' must not be DISABLED while securityHub is EXISTING/);
  });
  test('options that do not apply to the chosen modes', () => {
    expect(errorOf(build({ securityHub: AccountServiceMode.EXISTING, standards: [SecurityHubStandard.CIS_3_0] })))
      .toMatch(/'standards' applies only when securityHub is CREATE \(it is EXISTING; .*\), got \["cis-aws-foundations-benchmark\/v\/3.0.0"\]; drop standards, or set securityHub to CREATE/);
    expect(errorOf(build({ securityHub: AccountServiceMode.DISABLED, splunk: SPLUNK })))
      .toMatch(/'splunk' forwards Security Hub findings, but securityHub is DISABLED, got '<splunk options>'; set securityHub to CREATE or EXISTING, or drop splunk/);
    expect(errorOf(build({ config: AccountServiceMode.EXISTING, configBucketName: 'acme-config' }))).toMatch(/'configBucketName' applies only when config is CREATE \(it is EXISTING\), got 'acme-config'/);
    expect(errorOf(build({ securityHub: AccountServiceMode.EXISTING, configRecorderRoleArn: 'arn:aws:iam::123456789012:role/config' })))
      .toMatch(/'configRecorderRoleArn' applies only when config is CREATE \(it is EXISTING\)/);
  });
  test('bad modes, recorder role and config bucket names', () => {
    expect(errorOf(build({ guardDuty: 'ORGANIZATION' as AccountServiceMode }))).toMatch(/'guardDuty' must be an AccountServiceMode, got 'ORGANIZATION'; use AccountServiceMode.CREATE, AccountServiceMode.EXISTING or AccountServiceMode.DISABLED/);
    expect(errorOf(build({ configRecorderRoleArn: 'AWSServiceRoleForConfig' }))).toMatch(/'configRecorderRoleArn' must be an IAM role ARN, got 'AWSServiceRoleForConfig'/);
    expect(errorOf(build({ configBucketName: 'Config' }))).toMatch(/'configBucketName' must be an S3 bucket name, got 'Config'/);
    expect(errorOf(build({ name: 'acme_prod' }))).toMatch(/'configBucketName' must be an S3 bucket name, got 'acme_prod-config'/);
  });
  test('key administrators join the root on both keys', () => {
    const admin = 'arn:aws:iam::123456789012:role/security-admins';
    const config = synthBaseline({ keyAdminPrincipalArns: [admin], splunk: SPLUNK });
    for (const key of ['acme_prod_config', 'acme_prod_findings']) {
      expect(JSON.parse(resourcesOf(config, 'aws_kms_key')[key].policy).Statement[0].Principal.AWS).toContain(admin);
    }
  });
  test('malformed key administrators', () => {
    expect(errorOf(build({ keyAdminPrincipalArns: ['admins'] }))).toMatch(/'keyAdminPrincipalArns' must list IAM role or user ARNs, got 'admins'/);
  });
});
