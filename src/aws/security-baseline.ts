import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import { GuarddutyDetector } from '@cdktf/provider-aws/lib/guardduty-detector';
import { GuarddutyDetectorFeature } from '@cdktf/provider-aws/lib/guardduty-detector-feature';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { SecurityhubAccount } from '@cdktf/provider-aws/lib/securityhub-account';
import { SecurityhubStandardsSubscription } from '@cdktf/provider-aws/lib/securityhub-standards-subscription';
import { TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';
import { ProblemCollector } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { logsKeyStatement, ManagedKey } from './private/kms';
import { PolicyDocuments } from './private/policy';
import { LogRetention } from './private/retention';
import { SecureBucket } from './private/secure-bucket';

/**
 * A Security Hub standard.
 */
export class SecurityHubStandard {
  /** AWS Foundational Security Best Practices v1.0.0. */
  public static readonly AWS_FOUNDATIONAL = new SecurityHubStandard('aws-foundational-security-best-practices/v/1.0.0');
  /** CIS AWS Foundations Benchmark v3.0.0. */
  public static readonly CIS_3_0 = new SecurityHubStandard('cis-aws-foundations-benchmark/v/3.0.0');
  /** NIST SP 800-53 Rev. 5. */
  public static readonly NIST_800_53 = new SecurityHubStandard('nist-800-53/v/5.0.0');
  /** PCI DSS v4.0.1. */
  public static readonly PCI_DSS_4 = new SecurityHubStandard('pci-dss/v/4.0.1');

  /** The path after `arn:<partition>:securityhub:<region>::standards/`. */
  public readonly path: string;

  private constructor(path: string) {
    this.path = path;
  }
}

/**
 * Security Hub finding severities.
 */
export enum FindingSeverity {
  /** Critical. */
  CRITICAL = 'CRITICAL',
  /** High. */
  HIGH = 'HIGH',
  /** Medium. */
  MEDIUM = 'MEDIUM',
  /** Low. */
  LOW = 'LOW',
  /** Informational. */
  INFORMATIONAL = 'INFORMATIONAL',
}

/**
 * Forwarding of Security Hub findings to a Splunk HTTP Event Collector.
 */
export interface SplunkForwardingOptions {
  /** The HEC endpoint, `https://...`. */
  readonly hecEndpoint: string;
  /**
   * The ARN of the Secrets Manager secret holding the HEC token (Firehose reads it; the token
   * never appears in Terraform state or code).
   */
  readonly hecTokenSecretArn: string;
  /** Bucket for events Splunk did not accept (backup of failed deliveries). */
  readonly backupBucketName: string;
  /**
   * Severities forwarded.
   *
   * @default [CRITICAL, HIGH, MEDIUM]
   */
  readonly severities?: FindingSeverity[];
  /**
   * Use the raw endpoint instead of the event endpoint.
   *
   * @default false (event endpoint)
   */
  readonly rawEndpoint?: boolean;
}

/**
 * Props for `SecurityBaseline`.
 */
export interface SecurityBaselineProps {
  /** Name base for the Firehose stream, rule, roles, key and log group. */
  readonly name: string;
  /**
   * The region (standards ARNs).
   *
   * @default - the region of the stack's AwsProvider
   */
  readonly region?: string;
  /**
   * Security Hub standards.
   *
   * @default [AWS_FOUNDATIONAL, CIS_3_0]
   */
  readonly standards?: SecurityHubStandard[];
  /**
   * Forward findings to Splunk.
   *
   * @default - no forwarding
   */
  readonly splunk?: SplunkForwardingOptions;
  /**
   * Days the Firehose error log and failed-delivery backups are kept.
   *
   * @default 365
   */
  readonly retentionDays?: number;
  /**
   * `prevent_destroy` on the backup bucket, key and log group.
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
 * The account's detective controls: Security Hub with the AWS Foundational and CIS standards,
 * GuardDuty with EKS audit-log monitoring, runtime monitoring (managed EKS agent), S3 data events and
 * EBS malware protection, and optionally an EventBridge rule that forwards Security Hub findings
 * through Kinesis Data Firehose to a Splunk HEC endpoint (token from Secrets Manager by ARN, failed
 * events to a KMS-encrypted backup bucket).
 */
export class SecurityBaseline extends Construct {
  /** The enabled standards' paths. */
  public readonly standards: string[];
  /** The GuardDuty detector id (a token). */
  public readonly detectorId: string;
  /** The Firehose stream name, when forwarding to Splunk. */
  public readonly deliveryStreamName?: string;
  /** The backup bucket name, when forwarding to Splunk. */
  public readonly backupBucketName?: string;

  constructor(scope: Construct, id: string, props: SecurityBaselineProps) {
    super(scope, id);
    const name = AwsNames.validate('firehose', 'name', props.name, this);
    const region = AwsEnvironment.region(this, props.region);
    const env = AwsEnvironment.of(this);
    const preventDestroy = props.preventDestroy ?? true;
    const retentionDays = LogRetention.validate('retentionDays', props.retentionDays ?? 365, this);
    const standards = props.standards ?? [SecurityHubStandard.AWS_FOUNDATIONAL, SecurityHubStandard.CIS_3_0];
    const problems = new ProblemCollector(this);
    problems.check(standards.length > 0, 'standards', 'must list at least one standard', standards, 'enable e.g. SecurityHubStandard.AWS_FOUNDATIONAL');
    const splunk = props.splunk;
    if (splunk) validateSplunk(problems, splunk);
    problems.throwIfAny();
    this.standards = [...new Set(standards.map((s) => s.path))].sort();
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T => AwsNames.stable(el, type, [name, ...suffix], 'name');

    const hub = stable(new SecurityhubAccount(this, 'SecurityHub', {
      enableDefaultStandards: false,
      autoEnableControls: true,
      controlFindingGenerator: 'SECURITY_CONTROL',
    }), 'aws_securityhub_account');
    for (const path of this.standards) {
      stable(new SecurityhubStandardsSubscription(this, `Standard-${path}`, {
        standardsArn: `arn:${env.partition}:securityhub:${region}::standards/${path}`,
        dependsOn: [hub],
      }), 'aws_securityhub_standards_subscription', path.split('/')[0]);
    }

    const detector = stable(new GuarddutyDetector(this, 'GuardDuty', {
      enable: true,
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
      tags: props.tags,
    }), 'aws_guardduty_detector');
    this.detectorId = detector.id;
    const features: [string, { name: string; status: string }[]][] = [
      ['EKS_AUDIT_LOGS', []],
      // Runtime monitoring with the GuardDuty-managed EKS agent add-on (EKS_RUNTIME_MONITORING is its predecessor).
      ['RUNTIME_MONITORING', [{ name: 'EKS_ADDON_MANAGEMENT', status: 'ENABLED' }, { name: 'ECS_FARGATE_AGENT_MANAGEMENT', status: 'DISABLED' }, { name: 'EC2_AGENT_MANAGEMENT', status: 'DISABLED' }]],
      ['S3_DATA_EVENTS', []],
      ['EBS_MALWARE_PROTECTION', []],
    ];
    for (const [feature, additional] of features) {
      stable(new GuarddutyDetectorFeature(this, `Feature-${feature}`, {
        detectorId: detector.id,
        name: feature,
        status: 'ENABLED',
        additionalConfiguration: additional.length > 0 ? additional : undefined,
      }), 'aws_guardduty_detector_feature', feature);
    }

    if (!splunk) return;
    const streamName = name;
    this.deliveryStreamName = streamName;
    this.backupBucketName = splunk.backupBucketName;
    const logGroupName = `/aws/kinesisfirehose/${streamName}`;
    const key = new ManagedKey(this, 'Key', {
      name: `${name}-findings`,
      description: `${name} Security Hub findings forwarding (backup bucket, error logs)`,
      serviceStatements: [logsKeyStatement(env, region, logGroupName)],
      preventDestroy,
      tags: props.tags,
    });
    const backup = new SecureBucket(this, 'Backup', {
      bucketName: splunk.backupBucketName,
      prop: 'splunk.backupBucketName',
      kmsKeyArn: key.arn,
      preventDestroy,
      noncurrentVersionExpirationDays: 30,
      expirationDays: retentionDays,
      tags: props.tags,
    });
    const logGroup = stable(new CloudwatchLogGroup(this, 'FirehoseLogGroup', {
      name: logGroupName,
      retentionInDays: retentionDays,
      kmsKeyId: key.arn,
      tags: props.tags,
      lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
    }), 'aws_cloudwatch_log_group', 'firehose');
    stable(new CloudwatchLogStream(this, 'FirehoseLogStream', { name: 'DestinationDelivery', logGroupName: logGroup.name }), 'aws_cloudwatch_log_stream', 'firehose');

    const firehoseRole = stable(new IamRole(this, 'FirehoseRole', {
      name: AwsNames.validate('iamRole', 'name', AwsNames.join([name, 'firehose'], 64), this),
      assumeRolePolicy: PolicyDocuments.trust(['firehose.amazonaws.com'], ['sts:AssumeRole'], { StringEquals: { 'aws:SourceAccount': env.accountId } }),
      tags: props.tags,
    }), 'aws_iam_role', 'firehose');
    stable(new IamRolePolicy(this, 'FirehosePolicy', {
      name: 'deliver-to-splunk',
      role: firehoseRole.id,
      policy: PolicyDocuments.json([
        { Sid: 'BackupBucket', Effect: 'Allow', Action: ['s3:AbortMultipartUpload', 's3:GetBucketLocation', 's3:ListBucket', 's3:ListBucketMultipartUploads', 's3:PutObject'], Resource: [backup.bucket.arn, `${backup.bucket.arn}/*`] },
        { Sid: 'BackupKey', Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: key.arn, Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } } },
        { Sid: 'HecToken', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: splunk.hecTokenSecretArn },
        { Sid: 'HecTokenKey', Effect: 'Allow', Action: 'kms:Decrypt', Resource: '*', Condition: { StringEquals: { 'kms:ViaService': `secretsmanager.${region}.amazonaws.com` } } },
        { Sid: 'ErrorLogs', Effect: 'Allow', Action: 'logs:PutLogEvents', Resource: `${logGroup.arn}:log-stream:*` },
      ]),
    }), 'aws_iam_role_policy', 'firehose');

    const stream = stable(new KinesisFirehoseDeliveryStream(this, 'Firehose', {
      name: streamName,
      destination: 'splunk',
      serverSideEncryption: { enabled: true, keyType: 'AWS_OWNED_CMK' },
      splunkConfiguration: {
        hecEndpoint: splunk.hecEndpoint,
        hecEndpointType: splunk.rawEndpoint ? 'Raw' : 'Event',
        hecAcknowledgmentTimeout: 300,
        retryDuration: 3600,
        s3BackupMode: 'FailedEventsOnly',
        secretsManagerConfiguration: { enabled: true, secretArn: splunk.hecTokenSecretArn, roleArn: firehoseRole.arn },
        s3Configuration: {
          roleArn: firehoseRole.arn,
          bucketArn: backup.bucket.arn,
          prefix: 'failed/',
          errorOutputPrefix: 'errors/',
          compressionFormat: 'GZIP',
          kmsKeyArn: key.arn,
        },
        cloudwatchLoggingOptions: { enabled: true, logGroupName: logGroup.name, logStreamName: 'DestinationDelivery' },
      },
      tags: props.tags,
    }), 'aws_kinesis_firehose_delivery_stream');

    const severities = [...new Set(splunk.severities ?? [FindingSeverity.CRITICAL, FindingSeverity.HIGH, FindingSeverity.MEDIUM])];
    const rule = stable(new CloudwatchEventRule(this, 'FindingsRule', {
      name: AwsNames.validate('eventRule', 'name', AwsNames.join([name, 'securityhub-findings'], 64), this),
      description: `Security Hub findings (${severities.join(', ')}) to Splunk through ${streamName}`,
      eventPattern: JSON.stringify({
        'source': ['aws.securityhub'],
        'detail-type': ['Security Hub Findings - Imported'],
        'detail': { findings: { Severity: { Label: severities }, RecordState: ['ACTIVE'], Workflow: { Status: ['NEW', 'NOTIFIED'] } } },
      }),
      state: 'ENABLED',
      tags: props.tags,
    }), 'aws_cloudwatch_event_rule', 'findings');
    const eventsRole = stable(new IamRole(this, 'EventsRole', {
      name: AwsNames.validate('iamRole', 'name', AwsNames.join([name, 'events-to-firehose'], 64), this),
      assumeRolePolicy: PolicyDocuments.trust(['events.amazonaws.com'], ['sts:AssumeRole'], { StringEquals: { 'aws:SourceAccount': env.accountId } }),
      tags: props.tags,
    }), 'aws_iam_role', 'events');
    stable(new IamRolePolicy(this, 'EventsPolicy', {
      name: 'put-to-firehose',
      role: eventsRole.id,
      policy: PolicyDocuments.json([{ Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: stream.arn }]),
    }), 'aws_iam_role_policy', 'events');
    stable(new CloudwatchEventTarget(this, 'FindingsTarget', {
      rule: rule.name,
      targetId: 'splunk-firehose',
      arn: stream.arn,
      roleArn: eventsRole.arn,
    }), 'aws_cloudwatch_event_target', 'findings');
  }
}

function validateSplunk(problems: ProblemCollector, splunk: SplunkForwardingOptions): void {
  if (!Token.isUnresolved(splunk.hecEndpoint)) {
    problems.check(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?(\/.*)?$/.test(splunk.hecEndpoint), 'splunk.hecEndpoint', 'must be an https:// URL', splunk.hecEndpoint,
      "use the HEC URL, e.g. 'https://http-inputs-acme.splunkcloud.com:443'");
  }
  if (!Token.isUnresolved(splunk.hecTokenSecretArn) && !/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/.test(splunk.hecTokenSecretArn)) {
    const looksLikeToken = /^[0-9a-fA-F-]{32,36}$/.test(splunk.hecTokenSecretArn);
    problems.add('splunk.hecTokenSecretArn', looksLikeToken ? 'looks like a literal HEC token, which must never be in code' : 'must be a Secrets Manager secret ARN',
      looksLikeToken ? '<redacted>' : splunk.hecTokenSecretArn,
      "store the token in Secrets Manager and pass the secret's ARN, e.g. 'arn:aws:secretsmanager:us-east-1:123456789012:secret:splunk-hec-AbCdEf'");
  }
  const severities = splunk.severities ?? [FindingSeverity.CRITICAL];
  problems.check(severities.length > 0, 'splunk.severities', 'must list at least one severity', severities, 'forward e.g. CRITICAL and HIGH');
}
