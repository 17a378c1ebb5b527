import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Testing } from 'cdktf';
import { prodRegistryFleetSpec } from './fixtures';
import { AwsFleet, Fleet } from '../../src/platform';
import { resourcesOf } from '../util';

/** The vendored AWS guides (schemas/upstream/aws-replication/SOURCES.md). */
const DIR = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'aws-replication');
const doc = (file: string) => fs.readFileSync(path.join(DIR, file), 'utf8');
/** Every JSON policy document in a guide's code blocks. */
function policies(file: string): any[] {
  return [...doc(file).matchAll(/```\s*\n\s*(\{[\s\S]*?\})\s*\n\s*```/g)].flatMap((m) => {
    try {
      return [JSON.parse(m[1])];
    } catch {
      return [];
    }
  });
}
const actionsOf = (statements: any[]) => new Set(statements.flatMap((s) => [s.Action].flat()));

describe('replication: the vendored AWS guides and what AwsFleet renders', () => {
  const aws = new AwsFleet(Testing.app(), 'fleet', { fleet: new Fleet(prodRegistryFleetSpec({ replication: { source: 'prod-us-east-1' } })) });
  const source = JSON.parse(Testing.synth(aws.stackOf('prod-us-east-1')));
  const staging = JSON.parse(Testing.synth(aws.stackOf('staging')));

  test('the files are the ones SOURCES.md records', () => {
    const sources = doc('SOURCES.md');
    for (const file of fs.readdirSync(DIR).filter((f) => f.endsWith('.md') && f !== 'SOURCES.md')) {
      const sha = crypto.createHash('sha256').update(fs.readFileSync(path.join(DIR, file))).digest('hex');
      expect(sources).toContain(`| \`${file}\` |`);
      expect(sources).toContain(sha);
    }
  });

  test("the replication role: S3 assumes it; its S3 actions are the guide's minimum, less s3:ReplicateDelete (delete markers are not replicated)", () => {
    const all = policies('s3-setting-repl-config-perm-overview.md');
    const trust = all.find((p) => p.Statement[0].Principal?.Service === 's3.amazonaws.com');
    const access = all.find((p) => actionsOf(p.Statement).has('s3:GetReplicationConfiguration'));
    expect(trust.Statement[0].Principal).toEqual({ Service: 's3.amazonaws.com' });
    const role = Object.values<any>(resourcesOf(source, 'aws_iam_role')).find((r) => /models-replication$/.test(r.name));
    expect(JSON.parse(role.assume_role_policy).Statement[0].Principal).toEqual(trust.Statement[0].Principal);
    const policy = JSON.parse(Object.values<any>(resourcesOf(source, 'aws_iam_role_policy')).find((p) => p.name === 'replicate-model-store').policy).Statement;
    const ours = [...actionsOf(policy.filter((s: any) => [s.Action].flat()[0].startsWith('s3:')))].sort();
    const guide = [...actionsOf(access.Statement)].filter((a) => a !== 's3:ReplicateDelete').sort();
    expect(ours).toEqual(guide);
    expect(doc('s3-setting-repl-config-perm-overview.md')).toContain('`s3:ReplicateObject` and `s3:ReplicateDelete` – Permissions for these actions on all objects in the `DOC-EXAMPLE-BUCKET2` bucket \\(the destination bucket\\) allow Amazon S3 to replicate objects or delete markers');
  });

  test('the keys: kms:Decrypt on the source key, kms:Encrypt (and kms:Decrypt, for S3 Bucket Keys) on the replica keys, through S3, by bucket ARN', () => {
    const kms = doc('s3-replication-config-for-kms-objects.md');
    expect(kms).toContain('You must grant the `kms:Decrypt` permission for the AWS KMS key that\'s used to decrypt the source object');
    expect(kms).toContain('You must grant the `kms:Encrypt` permission for the AWS KMS key that\'s used to encrypt the object replica');
    expect(kms).toContain('must include the `kms:Decrypt` permission for the calling principal');
    expect(kms).toContain('the encryption context will be the bucket\'s Amazon Resource Name \\(ARN\\), not the object\'s ARN');
    const policy = JSON.parse(Object.values<any>(resourcesOf(source, 'aws_iam_role_policy')).find((p) => p.name === 'replicate-model-store').policy).Statement;
    const decrypt = policy.find((s: any) => s.Sid === 'DecryptSource');
    expect(decrypt.Action).toBe('kms:Decrypt');
    expect(decrypt.Condition.StringLike['kms:EncryptionContext:aws:s3:arn']).toContain('arn:aws:s3:::acme-llm-prod-us-east-1-models');
    for (const s of policy.filter((x: any) => /^EncryptReplicas/.test(x.Sid))) {
      expect(s.Action).toEqual(['kms:Encrypt', 'kms:Decrypt']);
      expect(s.Condition.StringEquals['kms:ViaService']).toMatch(/^s3\.[a-z0-9-]+\.amazonaws\.com$/);
    }
    const [configuration] = Object.values<any>(resourcesOf(source, 'aws_s3_bucket_replication_configuration'));
    expect(kms).toContain('<SseKmsEncryptedObjects>');
    for (const r of configuration.rule) expect(r.source_selection_criteria).toEqual({ sse_kms_encrypted_objects: { status: 'Enabled' } });
  });

  test("another account's store: the guide's destination bucket policy less s3:PutBucketVersioning; no owner override (bucket owner enforced)", () => {
    const guide = policies('s3-setting-repl-config-perm-overview.md').find((p) => p.Id === 'PolicyForDestinationBucket');
    const statements = JSON.parse(Object.values<any>(resourcesOf(staging, 'aws_s3_bucket_policy')).find((p) => p.bucket.includes('_models.id')).policy).Statement
      .filter((s: any) => /OtherAccounts$/.test(s.Sid));
    expect([...actionsOf(statements)].sort()).toEqual([...actionsOf(guide.Statement)].filter((a) => a !== 's3:PutBucketVersioning').concat('s3:ReplicateTags').filter((a) => a !== 's3:ReplicateDelete').sort());
    expect(doc('s3-replication-change-owner.md')).toContain('without the need of `s3:ObjectOwnerOverrideToBucketOwner` permission');
    const [configuration] = Object.values<any>(resourcesOf(source, 'aws_s3_bucket_replication_configuration'));
    for (const r of configuration.rule) expect(r.destination.access_control_translation).toBeUndefined();
  });

  test('ECR: the limits, the repositories replication would create unencrypted, ecr:ReplicateImage for the source account', () => {
    const ecr = doc('ecr-replication.md');
    expect(ecr).toContain('up to 25 unique destinations across all rules, with a maximum of 10 rules total\\. Each rule may contain up to 100 filters');
    expect(ecr).toContain('The tag immutability, image scanning, and KMS encryption settings are disabled by default on all repositories created because of a replication action');
    expect(ecr).toContain('Only images pushed to a repository after replication is configured are copied');
    const [example] = policies('ecr-registry-permissions-examples.md');
    expect(example.Statement[0].Action).toEqual(['ecr:CreateRepository', 'ecr:ReplicateImage']);
    expect(doc('ecr-registry-permissions-examples.md')).toContain('if the `ecr:CreateRepository` action is removed from your registry permission statement, replication can still occur');
    const [policy] = Object.values<any>(resourcesOf(staging, 'aws_ecr_registry_policy'));
    expect(JSON.parse(policy.policy).Statement[0].Action).toEqual(['ecr:ReplicateImage']);
    expect(JSON.parse(policy.policy).Statement[0].Principal.AWS).toEqual([example.Statement[0].Principal.AWS.replace('source_account_id', '222222222222')]);
  });

  test('an Object Lock source: the role reads retention and legal holds', () => {
    expect(doc('s3-object-lock-managing.md')).toContain('The two new permissions are `s3:GetObjectRetention` and `s3:GetObjectLegalHold`');
  });

  test("ECR pulls need no key permission of the puller (ECR's grant decrypts)", () => {
    expect(doc('ecr-encryption-at-rest.md')).toContain('Amazon ECR adds an AWS KMS grant to the KMS key with the Amazon ECR repository as the grantee principal');
  });
});
