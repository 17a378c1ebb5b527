import * as fs from 'fs';
import * as path from 'path';
import { TerraformStack, Testing } from 'cdktf';
import { Audit } from '../../src/aws/audit';
import { AccessLevel } from '../../src/aws/eks-cluster';
import { ImageRegistry } from '../../src/aws/image-registry';
import { ModelStore } from '../../src/aws/model-store';
import { CapacityType, NodePool } from '../../src/aws/node-pool';
import { PodIdentityRole } from '../../src/aws/pod-identity-role';
import { escapeTags, escapeTerraform } from '../../src/aws/private/terraform-escape';
import { expectValidTerraform, resourcesOf } from '../util';
import { clusterFixture, errorOf, provider } from './fixtures';

const INJECTED = '${aws_iam_role.x.arn}';

describe('escaping user strings for Terraform (issue 17)', () => {
  test('escapeTerraform escapes interpolations and directives, and keeps cdktf tokens', () => {
    expect(escapeTerraform(INJECTED)).toBe('$${aws_iam_role.x.arn}');
    expect(escapeTerraform('%{ if true }x%{ endif }')).toBe('%%{ if true }x%%{ endif }');
    expect(escapeTerraform('plain text, $ and { alone')).toBe('plain text, $ and { alone');
    expect(escapeTerraform('${TfToken[TOKEN.42]}')).toBe('${TfToken[TOKEN.42]}');
    expect(escapeTerraform(`a-\${TfToken[TOKEN.1]}-${INJECTED}`)).toBe('a-${TfToken[TOKEN.1]}-$${aws_iam_role.x.arn}');
  });

  test('escapeTags escapes keys and values and returns the same object for the same input', () => {
    const tags = { [`k${INJECTED}`]: INJECTED };
    expect(escapeTags(tags)).toEqual({ 'k$${aws_iam_role.x.arn}': '$${aws_iam_role.x.arn}' });
    expect(escapeTags(tags)).toBe(escapeTags(tags));
    expect(escapeTags(undefined)).toBeUndefined();
  });

  test('a tag and an IAM policy variable reach cdk.tf.json escaped; a real reference still resolves', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'test');
    const cluster = clusterFixture(stack);
    const store = new ModelStore(stack, 'Models', { bucketName: 'acme-prod-models', tags: { team: INJECTED } });
    const role = new PodIdentityRole(stack, 'Reader', { cluster, namespace: 'search', serviceAccount: 'reader', tags: { owner: '%{ evil }' } });
    store.grantRead(role, 'models/llama3-8b/');
    // an IAM policy variable in a user condition: Terraform must not try to evaluate it
    role.addToPolicy({ actions: ['s3:GetObject'], resources: [`${store.bucketArn}/home/\${aws:username}/*`] });
    const outdir = Testing.fullSynth(stack);
    const json = fs.readFileSync(path.join(outdir, 'stacks', 'test', 'cdk.tf.json'), 'utf8');
    const config = expectValidTerraform(json);
    expect(json).toContain('"team": "$${aws_iam_role.x.arn}"');
    expect(json).not.toMatch(/[^$]\$\{aws_iam_role\.x\.arn\}/);
    expect(json).toContain('"owner": "%%{ evil }"');
    expect(json).toContain('/home/$${aws:username}/*');
    // the bucket ARN token in the same policy string resolved to a reference
    const policies = Object.values(resourcesOf(config, 'aws_iam_role_policy')).map((p: any) => p.policy).join('\n');
    expect(policies).toContain('${aws_s3_bucket.');
    expect(policies).toContain('$${aws:username}');
  });
});

describe('AWS layer domain checks (issue 17)', () => {
  function stackWith(build: (stack: TerraformStack) => void): () => void {
    return () => {
      const stack = new TerraformStack(Testing.app(), 'test');
      build(stack);
    };
  }

  test('two ECR repositories with one name are refused, not merged', () => {
    expect(errorOf(stackWith((s) => {
      provider(s);
      new ImageRegistry(s, 'Registry', { repositories: ['llm/vllm', 'llm/vllm'] });
    }))).toBe("test/Registry: 'repositories' lists 'llm/vllm' twice, got [\"llm/vllm\",\"llm/vllm\"]; list each repository once");
  });

  test('one principal granted twice (admin and viewer): one EKS access entry per principal', () => {
    const arn = 'arn:aws:iam::123456789012:role/ops';
    expect(errorOf(stackWith((s) => {
      clusterFixture(s, { access: [{ name: 'admin', principalArn: arn, level: AccessLevel.CLUSTER_ADMIN }, { name: 'viewer', principalArn: arn, level: AccessLevel.VIEWER }] });
    }))).toBe(`test/Cluster: 'principalArn' already has an access entry (grant 'admin'); EKS allows one per principal, got '${arn}'; `
      + 'grant each principal once, with the broadest level it needs (an admin can already view)');
  });

  test.each(['SPOT_', 'reserved', 'on-demand'])("node pool capacityType '%s' is refused with the allowed list", (capacityType) => {
    expect(errorOf(stackWith((s) => {
      const cluster = clusterFixture(s);
      new NodePool(s, 'System', { cluster, capacityType: capacityType as CapacityType });
    }))).toMatch(new RegExp(`'capacityType' must be (one of .*ON_DEMAND.*SPOT.*|a CapacityType), got '${capacityType}'; use CapacityType.ON_DEMAND, CapacityType.SPOT or CapacityType.CAPACITY_BLOCK`));
  });

  test('an instance type twice in a node pool', () => {
    expect(errorOf(stackWith((s) => {
      const cluster = clusterFixture(s);
      new NodePool(s, 'System', { cluster, instanceTypes: ['m7i.xlarge', 'm7i.xlarge'] });
    }))).toContain("'instanceTypes' lists 'm7i.xlarge' twice, got [\"m7i.xlarge\",\"m7i.xlarge\"]; list each instance type once");
  });

  test.each(['models/../secrets/', 'models/./x/'])("model store grants refuse '.' and '..' segments (%s)", (prefix) => {
    expect(errorOf(stackWith((s) => {
      const cluster = clusterFixture(s);
      const store = new ModelStore(s, 'Models', { bucketName: 'acme-prod-models' });
      store.grantRead(new PodIdentityRole(s, 'R', { cluster, namespace: 'search', serviceAccount: 'reader' }), prefix);
    }))).toBe(`test/Models: 'prefix' must not have '.' or '..' segments, got '${prefix}'; name the prefix itself, e.g. 'models/llama3-8b/'`);
  });

  test('audit retention beyond the S3 API Integer is refused', () => {
    expect(errorOf(stackWith((s) => {
      provider(s);
      new Audit(s, 'Audit', { trailName: 'acme-prod', bucketName: 'acme-prod-audit', retentionDays: 2 ** 31 });
    }))).toBe("test/Audit: 'retentionDays' must be at most 2147483647 days (a 32-bit API Integer), got 2147483648; keep audit logs for e.g. 2557 days (7 years)");
  });
});
