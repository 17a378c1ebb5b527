import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchLogStream } from '@cdktf/provider-aws/lib/cloudwatch-log-stream';
import { ConfigConfigurationRecorder } from '@cdktf/provider-aws/lib/config-configuration-recorder';
import { ConfigConfigurationRecorderStatus } from '@cdktf/provider-aws/lib/config-configuration-recorder-status';
import { ConfigDeliveryChannel } from '@cdktf/provider-aws/lib/config-delivery-channel';
import { DataAwsGuarddutyDetector } from '@cdktf/provider-aws/lib/data-aws-guardduty-detector';
import { GuarddutyDetector } from '@cdktf/provider-aws/lib/guardduty-detector';
import { GuarddutyDetectorFeature } from '@cdktf/provider-aws/lib/guardduty-detector-feature';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { KinesisFirehoseDeliveryStream } from '@cdktf/provider-aws/lib/kinesis-firehose-delivery-stream';
import { SecurityhubAccount } from '@cdktf/provider-aws/lib/securityhub-account';
import { SecurityhubStandardsSubscription } from '@cdktf/provider-aws/lib/securityhub-standards-subscription';
import { ITerraformDependable, TerraformElement, Token } from 'cdktf';
import { Construct } from 'constructs';
import { ProblemCollector } from '../core/errors';
import { AwsEnvironment } from './private/aws-env';
import { AwsNames } from './private/aws-names';
import { logsKeyStatement, ManagedKey } from './private/kms';
import { PolicyDocuments } from './private/policy';
import { LogRetention } from './private/retention';
import { SecureBucket } from './private/secure-bucket';
import { escapeTags } from './private/terraform-escape';
import { IAM_ROLE_ARN } from '../core/private/iam-arns';
import { checkProps } from '../core/private/runtime-types';

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
 * Who owns an account-level security service (GuardDuty, Security Hub, AWS Config) in the account and
 * region the stack deploys to.
 */
export enum AccountServiceMode {
  /** This stack creates and configures it (a single account, or an account nobody else manages). */
  CREATE = 'CREATE',
  /**
   * The account already has it, typically enabled by an AWS Organizations delegated administrator: the
   * stack creates nothing for it (creating it again fails, e.g. GuardDuty "a detector already exists"),
   * but still wires what depends on it (the existing detector is looked up; findings forwarding works).
   */
  EXISTING = 'EXISTING',
  /** Not used by this platform. */
  DISABLED = 'DISABLED',
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
   * GuardDuty. `CREATE`: a detector with EKS audit logs, runtime monitoring (managed EKS agent), S3 data
   * events and EBS malware protection. `EXISTING`: the account's detector (an organization's delegated
   * administrator manages it and its protection plans) is read with the `aws_guardduty_detector` data
   * source, so `detectorId` is still known. `DISABLED`: nothing.
   *
   * @default AccountServiceMode.CREATE
   */
  readonly guardDuty?: AccountServiceMode;
  /**
   * Security Hub CSPM. `CREATE`: the hub and `standards`. `EXISTING`: the account is already enabled
   * (with central configuration its standards and controls are the delegated administrator's): nothing
   * is created, `hubArn` is the account's hub ARN and Splunk forwarding still works (Security Hub
   * publishes the account's findings to EventBridge in the account). `DISABLED`: no hub and no
   * forwarding.
   *
   * @default AccountServiceMode.CREATE
   */
  readonly securityHub?: AccountServiceMode;
  /**
   * AWS Config resource recording. `CREATE`: a configuration recorder (all supported resource types,
   * global types included, continuous), a delivery channel to a KMS-encrypted bucket, the recorder
   * started, and an IAM role with the AWS managed policy `AWS_ConfigRole` (unless
   * `configRecorderRoleArn`). `EXISTING`: the account already records (an organization, Control Tower);
   * nothing is created (an account-region has one customer managed recorder, a second one fails).
   *
   * The default follows Security Hub, because Security Hub CSPM evaluates most controls with AWS
   * Config rules and "to receive control findings ... you must enable AWS Config for your account"
   * and record the resources the enabled controls evaluate (Security Hub User Guide, "Enabling and
   * configuring AWS Config for Security Hub CSPM"): a hub this stack creates gets a recorder this stack
   * creates; an existing (organization-managed) hub assumes the organization records too; no hub, no
   * recorder. A hub without recording is rejected: its controls would find nothing.
   *
   * @default - CREATE when securityHub is CREATE, EXISTING when securityHub is EXISTING, else DISABLED
   */
  readonly config?: AccountServiceMode;
  /**
   * The bucket AWS Config delivers configuration history and snapshots to (config `CREATE`).
   *
   * @default - `<name>-config`
   */
  readonly configBucketName?: string;
  /**
   * The role the configuration recorder uses (config `CREATE`). Pass the AWS Config service-linked role,
   * `arn:aws:iam::<account>:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`, when
   * it exists and Security Hub control Config.1 must see it; the bucket and key grant
   * `config.amazonaws.com` for that case.
   *
   * @default - a role this construct creates (trusted by config.amazonaws.com for this account,
   *   `AWS_ConfigRole` plus delivery to the bucket and key)
   */
  readonly configRecorderRoleArn?: string;
  /**
   * IAM roles or users that administer the KMS keys of this construct besides the account root.
   *
   * @default - the account root only (through IAM policies)
   */
  readonly keyAdminPrincipalArns?: string[];
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
   * `prevent_destroy` on the GuardDuty detector, the Security Hub account, the buckets, keys and log
   * group this construct creates.
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
 * EBS malware protection, AWS Config recording (what Security Hub controls evaluate), and optionally an
 * EventBridge rule that forwards Security Hub findings through Kinesis Data Firehose to a Splunk HEC
 * endpoint (token from Secrets Manager by ARN, failed events to a KMS-encrypted backup bucket).
 *
 * Each account-level service is `CREATE` (default; a single account), `EXISTING` (an AWS Organizations
 * delegated administrator already enabled it: nothing is created, dependents still wired) or
 * `DISABLED`, so the stack applies in organization-managed accounts too.
 */
export class SecurityBaseline extends Construct {
  /** The paths of the standards this construct subscribes to (none unless securityHub is CREATE). */
  public readonly standards: string[];
  /** How GuardDuty is handled. */
  public readonly guardDuty: AccountServiceMode;
  /** How Security Hub is handled. */
  public readonly securityHub: AccountServiceMode;
  /** How AWS Config recording is handled. */
  public readonly config: AccountServiceMode;
  /** The GuardDuty detector id (a token: the created detector's, or the existing one's); undefined when DISABLED. */
  public readonly detectorId?: string;
  /** The Security Hub hub ARN (`arn:<partition>:securityhub:<region>:<account>:hub/default`); undefined when DISABLED. */
  public readonly hubArn?: string;
  /** The configuration recorder name, when config is CREATE. */
  public readonly configRecorderName?: string;
  /** The AWS Config delivery bucket name, when config is CREATE. */
  public readonly configBucketName?: string;
  /** The Firehose stream name, when forwarding to Splunk. */
  public readonly deliveryStreamName?: string;
  /** The backup bucket name, when forwarding to Splunk. */
  public readonly backupBucketName?: string;

  constructor(scope: Construct, id: string, props: SecurityBaselineProps) {
    super(scope, id);
    checkProps('aws.SecurityBaselineProps', props, 'props', this);
    const name = AwsNames.validate('firehose', 'name', props.name, this);
    const region = AwsEnvironment.region(this, props.region);
    const env = AwsEnvironment.of(this);
    const preventDestroy = props.preventDestroy ?? true;
    const retentionDays = LogRetention.validate('retentionDays', props.retentionDays ?? 365, this);
    const standards = props.standards ?? [SecurityHubStandard.AWS_FOUNDATIONAL, SecurityHubStandard.CIS_3_0];
    const problems = new ProblemCollector(this);
    const modes = Object.values(AccountServiceMode) as string[];
    const mode = (prop: string, value: AccountServiceMode | undefined, fallback: AccountServiceMode): AccountServiceMode => {
      problems.check(value === undefined || modes.includes(value), prop, `must be one of ${modes.join(', ')}`, value,
        'use AccountServiceMode.CREATE (this stack creates it), EXISTING (the account already has it) or DISABLED');
      return value ?? fallback;
    };
    this.guardDuty = mode('guardDuty', props.guardDuty, AccountServiceMode.CREATE);
    this.securityHub = mode('securityHub', props.securityHub, AccountServiceMode.CREATE);
    this.config = mode('config', props.config, this.securityHub);
    problems.check(standards.length > 0, 'standards', 'must list at least one standard', standards, 'enable e.g. SecurityHubStandard.AWS_FOUNDATIONAL');
    problems.check(props.standards === undefined || this.securityHub === AccountServiceMode.CREATE, 'standards',
      `applies only when securityHub is CREATE (it is ${this.securityHub}; an existing hub's standards are managed where it was enabled)`,
      props.standards?.map((s) => s.path), 'drop standards, or set securityHub to CREATE');
    problems.check(this.securityHub === AccountServiceMode.DISABLED || this.config !== AccountServiceMode.DISABLED, 'config',
      `must not be DISABLED while securityHub is ${this.securityHub}: Security Hub controls are evaluated by AWS Config rules and find nothing without resource recording`,
      this.config, 'use CREATE (this stack records), or EXISTING when the account already records (e.g. an organization or Control Tower recorder)');
    const configOnly = (prop: string, value: string | undefined) => problems.check(value === undefined || this.config === AccountServiceMode.CREATE,
      prop, `applies only when config is CREATE (it is ${this.config})`, value, `drop ${prop}, or set config to CREATE`);
    configOnly('configBucketName', props.configBucketName);
    configOnly('configRecorderRoleArn', props.configRecorderRoleArn);
    if (props.configRecorderRoleArn !== undefined && !Token.isUnresolved(props.configRecorderRoleArn)) {
      problems.check(IAM_ROLE_ARN.test(props.configRecorderRoleArn), 'configRecorderRoleArn', 'must be an IAM role ARN',
        props.configRecorderRoleArn, "use e.g. 'arn:aws:iam::123456789012:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig'");
    }
    const splunk = props.splunk;
    if (splunk) {
      validateSplunk(problems, splunk);
      problems.check(this.securityHub !== AccountServiceMode.DISABLED, 'splunk', 'forwards Security Hub findings, but securityHub is DISABLED', '<splunk options>',
        'set securityHub to CREATE or EXISTING, or drop splunk');
    }
    problems.throwIfAny();
    this.standards = this.securityHub === AccountServiceMode.CREATE ? [...new Set(standards.map((s) => s.path))].sort() : [];
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T => AwsNames.stable(el, type, [name, ...suffix], 'name');
    const lifecycle = preventDestroy ? { preventDestroy: true } : undefined;

    let recording: ITerraformDependable | undefined;
    if (this.config === AccountServiceMode.CREATE) {
      this.configRecorderName = name;
      this.configBucketName = AwsNames.validate('s3Bucket', 'configBucketName', props.configBucketName ?? AwsNames.join([name.toLowerCase(), 'config'], 63), this);
      recording = this.createConfigRecorder(name, this.configBucketName, region, env, preventDestroy, props);
    }

    if (this.securityHub === AccountServiceMode.CREATE) {
      const hub = stable(new SecurityhubAccount(this, 'SecurityHub', {
        enableDefaultStandards: false,
        autoEnableControls: true,
        controlFindingGenerator: 'SECURITY_CONTROL',
        lifecycle,
      }), 'aws_securityhub_account');
      this.hubArn = hub.arn;
      for (const path of this.standards) {
        // Controls are evaluated from the first recorded configuration: standards wait for the recorder.
        stable(new SecurityhubStandardsSubscription(this, `Standard-${path}`, {
          standardsArn: `arn:${env.partition}:securityhub:${region}::standards/${path}`,
          dependsOn: recording ? [hub, recording] : [hub],
        }), 'aws_securityhub_standards_subscription', path.split('/')[0]);
      }
    } else if (this.securityHub === AccountServiceMode.EXISTING) {
      // The hub of an enabled account has this fixed ARN (Security Hub API Reference, DescribeHub HubArn).
      this.hubArn = `arn:${env.partition}:securityhub:${region}:${env.accountId}:hub/default`;
    }

    if (this.guardDuty === AccountServiceMode.EXISTING) {
      // One detector per account and region: the data source without an id returns it.
      this.detectorId = stable(new DataAwsGuarddutyDetector(this, 'GuardDutyExisting', {}), 'data.aws_guardduty_detector').id;
    } else if (this.guardDuty === AccountServiceMode.CREATE) {
      this.detectorId = this.createDetector(name, escapeTags(props.tags), lifecycle);
    }

    if (splunk) {
      this.deliveryStreamName = name;
      this.backupBucketName = splunk.backupBucketName;
      this.forwardToSplunk(name, splunk, region, env, preventDestroy, retentionDays, props);
    }
  }

  private createDetector(name: string, tags: { [key: string]: string } | undefined, lifecycle: { preventDestroy: boolean } | undefined): string {
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T => AwsNames.stable(el, type, [name, ...suffix], 'name');
    const detector = stable(new GuarddutyDetector(this, 'GuardDuty', {
      enable: true,
      findingPublishingFrequency: 'FIFTEEN_MINUTES',
      tags,
      lifecycle,
    }), 'aws_guardduty_detector');
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
    return detector.id;
  }

  /**
   * AWS Config: recorder, delivery channel, started recorder; returns the recorder status (what is
   * recording). AWS Config Developer Guide: "Permissions for the IAM Role Assigned to AWS Config" (trust
   * with aws:SourceAccount, S3 and KMS role policies), "Permissions for the Amazon S3 Bucket for the AWS
   * Config Delivery Channel" (bucket policy statements), "Permissions for the KMS Key" (service-linked
   * role case).
   */
  private createConfigRecorder(name: string, bucketName: string, region: string, env: AwsEnvironment, preventDestroy: boolean,
    props: SecurityBaselineProps): ITerraformDependable {
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T => AwsNames.stable(el, type, [name, ...suffix], 'name');
    const sourceAccount = { 'aws:SourceAccount': env.accountId };
    const key = new ManagedKey(this, 'ConfigKey', {
      name: `${name}-config`,
      description: `${name} AWS Config configuration history and snapshots`,
      preventDestroy,
      tags: escapeTags(props.tags),
      region,
      adminPrincipalArns: props.keyAdminPrincipalArns,
      adminPrincipalArnsProp: 'keyAdminPrincipalArns',
      viaServices: ['s3'],
      serviceStatements: [{
        Sid: 'AllowConfigServicePrincipal',
        Effect: 'Allow',
        Principal: { Service: 'config.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: { StringEquals: sourceAccount },
      }],
    });
    const delivery = (arn: string) => `${arn}/AWSLogs/${env.accountId}/Config/*`;
    const bucket = new SecureBucket(this, 'ConfigBucket', {
      bucketName,
      prop: 'configBucketName',
      kmsKeyArn: key.arn,
      preventDestroy,
      noncurrentVersionExpirationDays: 30,
      // AWS Config's own default retention of configuration items: 7 years (2557 days).
      expirationDays: 2557,
      tags: escapeTags(props.tags),
      policyStatements: (arn) => [
        { Sid: 'AWSConfigBucketPermissionsCheck', Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 's3:GetBucketAcl', Resource: arn, Condition: { StringEquals: sourceAccount } },
        { Sid: 'AWSConfigBucketExistenceCheck', Effect: 'Allow', Principal: { Service: 'config.amazonaws.com' }, Action: 's3:ListBucket', Resource: arn, Condition: { StringEquals: sourceAccount } },
        {
          Sid: 'AWSConfigBucketDelivery',
          Effect: 'Allow',
          Principal: { Service: 'config.amazonaws.com' },
          Action: 's3:PutObject',
          Resource: delivery(arn),
          Condition: { StringEquals: { ...sourceAccount, 's3:x-amz-acl': 'bucket-owner-full-control' } },
        },
      ],
    });

    let roleArn = props.configRecorderRoleArn;
    const rolePolicies: ITerraformDependable[] = [];
    if (roleArn === undefined) {
      const role = stable(new IamRole(this, 'ConfigRole', {
        name: AwsNames.validate('iamRole', 'name', AwsNames.join([name, 'config'], 64), this),
        assumeRolePolicy: PolicyDocuments.trust(['config.amazonaws.com'], ['sts:AssumeRole'], { StringEquals: sourceAccount }),
        tags: escapeTags(props.tags),
      }), 'aws_iam_role', 'config');
      roleArn = role.arn;
      rolePolicies.push(stable(new IamRolePolicyAttachment(this, 'ConfigRolePolicy', {
        role: role.name,
        policyArn: env.managedPolicyArn('service-role/AWS_ConfigRole'),
      }), 'aws_iam_role_policy_attachment', 'config'));
      rolePolicies.push(stable(new IamRolePolicy(this, 'ConfigDeliveryPolicy', {
        name: 'deliver-to-bucket',
        role: role.id,
        policy: PolicyDocuments.json([
          {
            Sid: 'DeliverToBucket',
            Effect: 'Allow',
            Action: ['s3:PutObject', 's3:PutObjectAcl'],
            Resource: delivery(bucket.bucket.arn),
            Condition: { StringLike: { 's3:x-amz-acl': 'bucket-owner-full-control' } },
          },
          { Sid: 'CheckBucketAcl', Effect: 'Allow', Action: 's3:GetBucketAcl', Resource: bucket.bucket.arn },
          {
            Sid: 'EncryptDeliveries',
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Resource: key.arn,
            Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
          },
        ]),
      }), 'aws_iam_role_policy', 'config'));
    }

    const recorder = stable(new ConfigConfigurationRecorder(this, 'ConfigRecorder', {
      name,
      roleArn,
      recordingGroup: { allSupported: true, includeGlobalResourceTypes: true },
      recordingMode: { recordingFrequency: 'CONTINUOUS' },
      // The recorder assumes the role at once: wait for its policies (IAM is eventually consistent).
      dependsOn: rolePolicies.length > 0 ? rolePolicies : undefined,
    }), 'aws_config_configuration_recorder');
    const channel = stable(new ConfigDeliveryChannel(this, 'ConfigDeliveryChannel', {
      name,
      s3BucketName: bucket.bucket.id,
      s3KmsKeyArn: key.arn,
      snapshotDeliveryProperties: { deliveryFrequency: 'TwentyFour_Hours' },
      // PutDeliveryChannel needs a recorder and checks the bucket is writable.
      dependsOn: [recorder, bucket.policy],
    }), 'aws_config_delivery_channel');
    return stable(new ConfigConfigurationRecorderStatus(this, 'ConfigRecorderStatus', {
      name: recorder.name,
      isEnabled: true,
      // StartConfigurationRecorder needs a delivery channel.
      dependsOn: [channel],
    }), 'aws_config_configuration_recorder_status');
  }

  private forwardToSplunk(name: string, splunk: SplunkForwardingOptions, region: string, env: AwsEnvironment, preventDestroy: boolean,
    retentionDays: number, props: SecurityBaselineProps): void {
    const stable = <T extends TerraformElement>(el: T, type: string, ...suffix: string[]): T => AwsNames.stable(el, type, [name, ...suffix], 'name');
    const streamName = name;
    const logGroupName = `/aws/kinesisfirehose/${streamName}`;
    const key = new ManagedKey(this, 'Key', {
      name: `${name}-findings`,
      description: `${name} Security Hub findings forwarding (backup bucket, error logs)`,
      serviceStatements: [logsKeyStatement(env, region, logGroupName)],
      preventDestroy,
      tags: escapeTags(props.tags),
      region,
      adminPrincipalArns: props.keyAdminPrincipalArns,
      adminPrincipalArnsProp: 'keyAdminPrincipalArns',
      // Firehose writes failed events to the backup bucket with its role, through S3.
      viaServices: ['s3'],
    });
    const backup = new SecureBucket(this, 'Backup', {
      bucketName: splunk.backupBucketName,
      prop: 'splunk.backupBucketName',
      kmsKeyArn: key.arn,
      preventDestroy,
      noncurrentVersionExpirationDays: 30,
      expirationDays: retentionDays,
      tags: escapeTags(props.tags),
    });
    const logGroup = stable(new CloudwatchLogGroup(this, 'FirehoseLogGroup', {
      name: logGroupName,
      retentionInDays: retentionDays,
      kmsKeyId: key.arn,
      tags: escapeTags(props.tags),
      lifecycle: preventDestroy ? { preventDestroy: true } : undefined,
    }), 'aws_cloudwatch_log_group', 'firehose');
    stable(new CloudwatchLogStream(this, 'FirehoseLogStream', { name: 'DestinationDelivery', logGroupName: logGroup.name }), 'aws_cloudwatch_log_stream', 'firehose');

    const firehoseRole = stable(new IamRole(this, 'FirehoseRole', {
      name: AwsNames.validate('iamRole', 'name', AwsNames.join([name, 'firehose'], 64), this),
      assumeRolePolicy: PolicyDocuments.trust(['firehose.amazonaws.com'], ['sts:AssumeRole'], { StringEquals: { 'aws:SourceAccount': env.accountId } }),
      tags: escapeTags(props.tags),
    }), 'aws_iam_role', 'firehose');
    const firehosePolicy = stable(new IamRolePolicy(this, 'FirehosePolicy', {
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
      tags: escapeTags(props.tags),
      // Firehose assumes the role when the stream is created (and checks the bucket and secret): wait for
      // the role's policy, not only the role.
      dependsOn: [firehosePolicy],
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
      tags: escapeTags(props.tags),
    }), 'aws_cloudwatch_event_rule', 'findings');
    const eventsRole = stable(new IamRole(this, 'EventsRole', {
      name: AwsNames.validate('iamRole', 'name', AwsNames.join([name, 'events-to-firehose'], 64), this),
      assumeRolePolicy: PolicyDocuments.trust(['events.amazonaws.com'], ['sts:AssumeRole'], { StringEquals: { 'aws:SourceAccount': env.accountId } }),
      tags: escapeTags(props.tags),
    }), 'aws_iam_role', 'events');
    const eventsPolicy = stable(new IamRolePolicy(this, 'EventsPolicy', {
      name: 'put-to-firehose',
      role: eventsRole.id,
      policy: PolicyDocuments.json([{ Effect: 'Allow', Action: ['firehose:PutRecord', 'firehose:PutRecordBatch'], Resource: stream.arn }]),
    }), 'aws_iam_role_policy', 'events');
    stable(new CloudwatchEventTarget(this, 'FindingsTarget', {
      rule: rule.name,
      targetId: 'splunk-firehose',
      arn: stream.arn,
      roleArn: eventsRole.arn,
      dependsOn: [eventsPolicy],
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
