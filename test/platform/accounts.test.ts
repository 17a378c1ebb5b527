import { Testing } from 'cdktf';
import { AccountServiceMode, ObjectLockMode } from '../../src/aws';
import { AwsPlatformStack, ModelWeights, PlatformNames, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { expectValidTerraform, resourcesOf } from '../util';
import { DIGEST, REGISTRY, SHA, smallSpec, validationErrorOf } from './fixtures';

function synth(spec: PlatformSpec): any {
  return expectValidTerraform(Testing.synth(new AwsPlatformStack(Testing.app(), 'acme', { spec })));
}

function problemsOf(spec: PlatformSpec): string {
  return validationErrorOf(() => PlatformSpecValidator.validate(spec)).message;
}

const CONFIG_TYPES = ['aws_config_configuration_recorder', 'aws_config_delivery_channel', 'aws_config_configuration_recorder_status'];

describe('accounts: organization-managed services (issue 13 point 7)', () => {
  const single = synth(smallSpec());

  test('single-account default unchanged: GuardDuty and Security Hub created here, now with an AWS Config recorder', () => {
    expect(Object.keys(resourcesOf(single, 'aws_guardduty_detector'))).toEqual(['acme_llm_dev']);
    expect(Object.keys(resourcesOf(single, 'aws_securityhub_account'))).toEqual(['acme_llm_dev']);
    for (const type of CONFIG_TYPES) expect(Object.keys(resourcesOf(single, type))).toEqual(['acme_llm_dev']);
    expect(resourcesOf(single, 'aws_s3_bucket').acme_llm_dev_config.bucket).toBe('acme-llm-dev-config');
    expect(new PlatformNames(smallSpec()).configBucket).toBe('acme-llm-dev-config');
  });

  test('an organization member account: EXISTING GuardDuty and Security Hub adopt what the delegated administrator enabled', () => {
    const config = synth(smallSpec({ audit: { guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING } }));
    for (const type of ['aws_guardduty_detector', 'aws_guardduty_detector_feature', 'aws_securityhub_account', 'aws_securityhub_standards_subscription', ...CONFIG_TYPES]) {
      expect({ type, resources: resourcesOf(config, type) }).toEqual({ type, resources: {} });
    }
    expect(Object.keys(config.data.aws_guardduty_detector)).toEqual(['acme_llm_dev']);
    expect(resourcesOf(config, 'aws_s3_bucket').acme_llm_dev_config).toBeUndefined();
  });

  test('Security Hub created here, Config recorded by the organization', () => {
    const config = synth(smallSpec({ audit: { config: AccountServiceMode.EXISTING } }));
    expect(Object.keys(resourcesOf(config, 'aws_securityhub_account'))).toEqual(['acme_llm_dev']);
    for (const type of CONFIG_TYPES) expect(resourcesOf(config, type)).toEqual({});
  });

  test('spec errors name the spec path', () => {
    expect(problemsOf(smallSpec({ audit: { config: AccountServiceMode.DISABLED } }))).toMatch(
      /'audit.config' must not be DISABLED while audit.securityHub is CREATE: Security Hub controls are evaluated by AWS Config rules and find nothing without recording, got 'DISABLED'; use CREATE, or EXISTING/);
    expect(problemsOf(smallSpec({ audit: { securityHub: AccountServiceMode.DISABLED, splunk: { hecEndpoint: 'https://splunk.example.com', hecTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf' } } })))
      .toMatch(/'audit.splunk' forwards Security Hub findings, but audit.securityHub is DISABLED/);
    expect(problemsOf(smallSpec({ audit: { guardDuty: 'DELEGATED' as AccountServiceMode } }))).toMatch(/'audit.guardDuty' must be an AccountServiceMode, got 'DELEGATED'; use AccountServiceMode.CREATE, AccountServiceMode.EXISTING or AccountServiceMode.DISABLED/);
  });

  test('DISABLED Security Hub and GuardDuty: no account-level service, no Config', () => {
    const config = synth(smallSpec({ audit: { guardDuty: AccountServiceMode.DISABLED, securityHub: AccountServiceMode.DISABLED } }));
    for (const type of ['aws_guardduty_detector', 'aws_securityhub_account', ...CONFIG_TYPES]) expect(resourcesOf(config, type)).toEqual({});
    expect(config.data.aws_guardduty_detector).toBeUndefined();
  });
});

describe('audit bucket Object Lock and protection (issue 13 point 10)', () => {
  test('the trail and detector are protected from destroy; no Object Lock by default', () => {
    const config = synth(smallSpec());
    expect(resourcesOf(config, 'aws_cloudtrail').acme_llm_dev.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(config, 'aws_guardduty_detector').acme_llm_dev.lifecycle).toEqual({ prevent_destroy: true });
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration')).toEqual({});
  });

  test('audit.objectLockRetentionDays / objectLockMode reach the audit bucket', () => {
    const config = synth(smallSpec({ audit: { objectLockRetentionDays: 365, objectLockMode: ObjectLockMode.GOVERNANCE } }));
    expect(resourcesOf(config, 'aws_s3_bucket_object_lock_configuration').acme_llm_dev_audit.rule).toEqual({ default_retention: { mode: 'GOVERNANCE', days: 365 } });
    const compliance = synth(smallSpec({ audit: { objectLockRetentionDays: 30 } }));
    expect(resourcesOf(compliance, 'aws_s3_bucket_object_lock_configuration').acme_llm_dev_audit.rule.default_retention.mode).toBe('COMPLIANCE');
  });

  test('Object Lock spec errors', () => {
    expect(problemsOf(smallSpec({ audit: { objectLockRetentionDays: 3000 } }))).toMatch(
      /'audit.objectLockRetentionDays' must be a whole number from 1 to audit.retentionDays \(2557\), got 3000; lock log files for at most as long as they are kept/);
    expect(problemsOf(smallSpec({ audit: { objectLockMode: ObjectLockMode.COMPLIANCE } }))).toMatch(/'audit.objectLockMode' has no effect without audit.objectLockRetentionDays/);
    expect(problemsOf(smallSpec({ audit: { objectLockRetentionDays: 30, objectLockMode: 'WORM' as ObjectLockMode } }))).toMatch(/'audit.objectLockMode' must be an ObjectLockMode, got 'WORM'; use ObjectLockMode.COMPLIANCE or ObjectLockMode.GOVERNANCE/);
  });
});

describe('Terraform version (issue 13 point 10)', () => {
  test('required_version >= 1.10, what the S3 backend\'s use_lockfile needs', () => {
    const config = synth(smallSpec());
    expect(config.terraform.required_version).toBe('>= 1.10');
    expect(config.terraform.required_providers.aws).toBeDefined();
  });
});

describe('workload roles pull only from their own images\' repositories (issue 13 point 10)', () => {
  const base = smallSpec();
  const spec = smallSpec({
    gpuPools: [{ ...base.gpuPools[0], maxNodes: 8 }],
    models: [
      base.models![0],
      {
        ...base.models![0],
        name: 'embedder',
        image: `${REGISTRY}/acme-llm/tei${DIGEST}`,
        // Downloaded by the serving image itself: no AWS CLI image.
        weights: ModelWeights.huggingFace({ modelId: 'BAAI/bge-large-en-v1.5', revision: SHA }),
        replicas: { min: 1, max: 1 },
      },
    ],
    tenants: [{ name: 'search', gpuQuota: 8 }],
  });

  test('each identity names its repositories: the serving image, plus the AWS CLI when weights come from the model store', () => {
    const ids = new PlatformNames(spec).identities;
    expect(ids.map((i) => [i.serviceAccount, i.pullRepositories])).toEqual([
      ['embedder', ['acme-llm/tei']],
      ['llama3-8b', ['acme-llm/vllm', 'mirror/aws-cli']],
    ]);
  });

  test('the broken variant (every repository of the registry) is gone: the role policy names only those repositories', () => {
    const config = synth(spec);
    const resources = (role: string) => JSON.parse(resourcesOf(config, 'aws_iam_role_policy')[role].policy).Statement
      .filter((s: any) => s.Action.includes('ecr:BatchGetImage')).flatMap((s: any) => s.Resource);
    expect(resources('acme_llm_dev_search_llama3_8b')).toEqual(['${aws_ecr_repository.acme_llm_vllm.arn}', '${aws_ecr_repository.mirror_aws_cli.arn}']);
    expect(resources('acme_llm_dev_search_embedder')).toEqual(['${aws_ecr_repository.acme_llm_tei.arn}']);
    expect(Object.keys(resourcesOf(config, 'aws_ecr_repository'))).toContain('mirror_dcgm_exporter');
  });
});
