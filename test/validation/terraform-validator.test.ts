import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EksCluster } from '@cdktf/provider-aws/lib/eks-cluster';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack, TerraformVariable, Testing } from 'cdktf';
import { TerraformReport, TerraformValidator } from '../../src/validation';
import { synthStack, tempDir } from '../util';

function validConfig(): any {
  return {
    provider: { aws: [{ region: 'us-east-1' }] },
    variable: { subnets: { type: 'list(string)' } },
    locals: { name: 'acme' },
    resource: {
      aws_kms_key: { key: { description: 'k', enable_key_rotation: true } },
      aws_iam_role: { role: { name: 'r', assume_role_policy: '{}' } },
      aws_eks_cluster: {
        cluster: {
          name: '${local.name}',
          role_arn: '${aws_iam_role.role.arn}',
          vpc_config: { subnet_ids: '${var.subnets}', endpoint_private_access: true },
          encryption_config: { resources: ['secrets'], provider: { key_arn: '${aws_kms_key.key.arn}' } },
          depends_on: ['aws_iam_role.role'],
        },
      },
    },
    data: { aws_caller_identity: { me: {} } },
    output: { account: { value: '${data.aws_caller_identity.me.account_id}' } },
  };
}

const validator = new TerraformValidator();

function findings(config: any): { check: string; address: string; path: string; message: string }[] {
  return validator.validateConfig(config).findings;
}

describe('TerraformValidator', () => {
  test('a valid configuration has no findings', () => {
    const report = validator.validateConfig(validConfig());
    expect(report.findings).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.blockCount).toBe(4);
  });

  test('an unknown resource type is reported', () => {
    const c = validConfig();
    c.resource.aws_eks_clustr = { x: { name: 'x' } };
    expect(findings(c)).toEqual([{ check: 'unknown-type', address: 'aws_eks_clustr.x', path: '', message: "resource type 'aws_eks_clustr' does not exist in hashicorp/aws 6.25.0" }]);
  });

  test('an unknown data source type is reported', () => {
    const c = validConfig();
    c.data.aws_nope = { x: {} };
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'unknown-type', address: 'data.aws_nope.x' })]);
  });

  test('types of other providers are errors unless their prefix is allowed', () => {
    const c = validConfig();
    c.resource.time_sleep = { wait: { create_duration: '30s' } };
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'unknown-type', address: 'time_sleep.wait' })]);
    expect(new TerraformValidator({ unvalidatedTypePrefixes: ['time_'] }).validateConfig(c).findings).toEqual([]);
  });

  test('an unknown argument is reported with a suggestion', () => {
    const c = validConfig();
    c.resource.aws_kms_key.key.enable_key_rotaton = true;
    expect(findings(c)).toEqual([expect.objectContaining({
      check: 'unknown-argument', address: 'aws_kms_key.key', path: 'enable_key_rotaton', message: expect.stringMatching(/unknown argument 'enable_key_rotaton'; the schema has e\.g\. 'enable_key_rotation'/),
    })]);
  });

  test('an unknown argument inside a nested block is reported', () => {
    const c = validConfig();
    c.resource.aws_eks_cluster.cluster.vpc_config.endpoint_privat_access = true;
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'unknown-argument', path: 'vpc_config.endpoint_privat_access' })]);
  });

  test('a computed-only argument is reported', () => {
    const c = validConfig();
    c.resource.aws_kms_key.key.arn = 'arn:aws:kms:x';
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'computed-only', path: 'arn', message: "'arn' is computed by the provider and cannot be set" })]);
  });

  test('a missing required argument is reported', () => {
    const c = validConfig();
    delete c.resource.aws_eks_cluster.cluster.role_arn;
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'required', address: 'aws_eks_cluster.cluster', path: 'role_arn', message: "required argument 'role_arn' is missing" })]);
  });

  test('a missing required block and too many blocks are reported', () => {
    const c = validConfig();
    delete c.resource.aws_eks_cluster.cluster.vpc_config;
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'block-count', path: 'vpc_config', message: "required block 'vpc_config' is missing" })]);
    const d = validConfig();
    d.resource.aws_eks_cluster.cluster.vpc_config = [d.resource.aws_eks_cluster.cluster.vpc_config, { subnet_ids: [] }];
    expect(findings(d)).toEqual([expect.objectContaining({ check: 'block-count', path: 'vpc_config', message: "'vpc_config' allows at most 1 block(s), got 2" })]);
  });

  test('attribute types are checked (interpolations match anything)', () => {
    const c = validConfig();
    c.resource.aws_kms_key.key.enable_key_rotation = 'yes';
    c.resource.aws_eks_cluster.cluster.vpc_config.subnet_ids = 'subnet-1';
    const f = findings(c);
    expect(f).toContainEqual(expect.objectContaining({ check: 'type', path: 'enable_key_rotation', message: "'enable_key_rotation' must be a bool, got string \"yes\"" }));
    expect(f).toContainEqual(expect.objectContaining({ check: 'type', path: 'vpc_config.subnet_ids', message: "'subnet_ids' must be a set, got string \"subnet-1\"" }));
  });

  test('a reference to an undeclared resource is reported (dangling reference)', () => {
    const c = validConfig();
    c.resource.aws_eks_cluster.cluster.role_arn = '${aws_iam_role.missing.arn}';
    expect(findings(c)).toEqual([{ check: 'reference', address: 'aws_eks_cluster.cluster', path: 'aws_eks_cluster.cluster/role_arn', message: "reference to undeclared resource 'aws_iam_role.missing'" }]);
  });

  test('a reference to an attribute the type does not have is reported', () => {
    const c = validConfig();
    c.resource.aws_eks_cluster.cluster.role_arn = '${aws_iam_role.role.arnn}';
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'reference', message: "'aws_iam_role.role' has no attribute 'arnn'" })]);
  });

  test('references to variables, locals, data sources and in outputs are checked', () => {
    const c = validConfig();
    c.resource.aws_eks_cluster.cluster.name = '${local.nope}';
    c.resource.aws_eks_cluster.cluster.vpc_config.subnet_ids = '${var.nope}';
    c.output.account.value = '${data.aws_caller_identity.other.account_id}';
    expect(findings(c).map((f) => f.message).sort()).toEqual([
      "reference to undeclared data source 'data.aws_caller_identity.other'",
      "reference to undeclared local 'nope'",
      "reference to undeclared variable 'nope'",
    ]);
  });

  test('depends_on entries must name declared resources', () => {
    const c = validConfig();
    c.resource.aws_eks_cluster.cluster.depends_on = ['aws_iam_role.ghost'];
    expect(findings(c)).toEqual([expect.objectContaining({ check: 'reference', path: 'depends_on', message: "reference to undeclared resource 'aws_iam_role.ghost'" })]);
  });

  test('function calls and string literals inside expressions are not mistaken for references', () => {
    const c = validConfig();
    c.resource.aws_iam_role.role.assume_role_policy = '${jsonencode({"Statement" = [{"Resource" = "aws_iam_role.not_a_ref.arn"}]})}';
    c.resource.aws_iam_role.role.name = '${lower(element(var.subnets, 0))}';
    expect(findings(c)).toEqual([]);
  });

  test('invalid JSON and non-objects are reported, never thrown', () => {
    expect(validator.validateJson('{ nope').findings).toEqual([expect.objectContaining({ check: 'json', message: expect.stringMatching(/^invalid JSON/) })]);
    expect(validator.validateConfig(null).findings).toEqual([expect.objectContaining({ check: 'json', message: 'expected a JSON object' })]);
    expect(validator.validateFile('/nonexistent/cdk.tf.json').findings).toEqual([expect.objectContaining({ check: 'json', message: expect.stringMatching(/^cannot read/) })]);
  });

  test('the report reads as one line per finding', () => {
    const r = new TerraformReport([{ check: 'required', address: 'aws_x.y', path: 'name', message: "required argument 'name' is missing" }], 1);
    expect(r.toString()).toBe("1 problem(s) in 1 resources/data sources:\n  - aws_x.y: name: required argument 'name' is missing (required)");
    expect(new TerraformReport([], 2).toString()).toBe('2 resources/data sources valid');
  });

  test('what cdktf synthesizes from provider constructs validates, and errors in it are found', () => {
    const config = synthStack((stack) => {
      new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
      const subnets = new TerraformVariable(stack, 'subnets', { type: 'list(string)' });
      const key = new KmsKey(stack, 'key', { enableKeyRotation: true });
      const role = new IamRole(stack, 'role', { name: 'cluster', assumeRolePolicy: '{}' });
      const cluster = new EksCluster(stack, 'cluster', {
        name: 'c',
        roleArn: role.arn,
        vpcConfig: { subnetIds: subnets.listValue },
        encryptionConfig: { resources: ['secrets'], provider: { keyArn: key.arn } },
      });
      new TerraformOutput(stack, 'endpoint', { value: cluster.endpoint });
    });
    expect(config.resource.aws_eks_cluster.cluster.role_arn).toBe('${aws_iam_role.role.arn}');
    // The same stack with an escape-hatch typo fails.
    const app = Testing.app();
    const stack = new TerraformStack(app, 's');
    new AwsProvider(stack, 'aws', { region: 'eu-west-1' });
    const key = new KmsKey(stack, 'key', {});
    key.addOverride('enable_rotation', true);
    expect(validator.validateJson(Testing.synth(stack)).findings).toEqual([expect.objectContaining({ check: 'unknown-argument', path: 'enable_rotation' })]);
  });

  test('the reference example stack validates from disk', () => {
    const dir = tempDir();
    const app = new App({ outdir: dir });
    const stack = new TerraformStack(app, 'ref');
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    new KmsKey(stack, 'key', { enableKeyRotation: true });
    app.synth();
    const report = validator.validateFile(path.join(dir, 'stacks', 'ref', 'cdk.tf.json'));
    expect(report.ok).toBe(true);
    expect(report.blockCount).toBe(1);
  });
});

// A real `terraform validate` needs the hashicorp/aws 6.25.0 provider plugin, which cannot be downloaded
// here. When a terraform binary AND a local mirror holding that provider (TF_PLUGIN_DIR) are present, run
// it too. (A mirror of another major version, e.g. 5.x, cannot satisfy the 6.25.0 constraint.)
const tfEnv = { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1' };
const terraformBinary = spawnSync('terraform', ['version'], { encoding: 'utf-8', env: tfEnv }).status === 0;
const pluginDir = process.env.TF_PLUGIN_DIR;
const canRunTerraform = terraformBinary && pluginDir !== undefined && fs.existsSync(pluginDir);
(canRunTerraform ? test : test.skip)('terraform validate agrees (only with terraform and a local provider mirror)', () => {
  const dir = tempDir();
  fs.writeFileSync(path.join(dir, 'main.tf.json'), JSON.stringify(validConfig()));
  execFileSync('terraform', ['init', '-backend=false', `-plugin-dir=${pluginDir}`], { cwd: dir, stdio: 'pipe', env: tfEnv });
  execFileSync('terraform', ['validate'], { cwd: dir, stdio: 'pipe', env: tfEnv });
});
