import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as cdktf from 'cdktf';
import { ReferenceWorkloadChart } from '../../examples/reference/main.k8s';
import { ReferenceAwsStack } from '../../examples/reference/main.tf';
import { spec } from '../../examples/reference/platform';
import { manifests, tempDir, terraform } from '../util';

function synthTo(dir: string): void {
  const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out') });
  new ReferenceAwsStack(tfApp, spec.name);
  tfApp.synth();
  const k8sApp = new cdk8s.App({ outdir: path.join(dir, 'dist'), yamlOutputType: cdk8s.YamlOutputType.FILE_PER_RESOURCE });
  new ReferenceWorkloadChart(k8sApp, spec.name);
  k8sApp.synth();
}

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(ya?ml|json)$/.test(e.name) && !e.name.endsWith('manifest.json')) out[path.relative(dir, p)] = fs.readFileSync(p, 'utf-8');
    }
  };
  walk(dir);
  return out;
}

describe('reference example', () => {
  const dir = tempDir();
  synthTo(dir);

  test('Terraform JSON is valid against the AWS provider schema, with secure defaults', () => {
    const file = path.join(dir, 'cdktf.out', 'stacks', spec.name, 'cdk.tf.json');
    expect(terraform().validateFile(file).findings).toEqual([]);
    const cluster = JSON.parse(fs.readFileSync(file, 'utf-8')).resource.aws_eks_cluster.cluster;
    expect(cluster.vpc_config).toMatchObject({ endpoint_private_access: true, endpoint_public_access: false });
    expect(cluster.encryption_config.resources).toEqual(['secrets']);
    expect(cluster.enabled_cluster_log_types).toEqual(expect.arrayContaining(['api', 'audit', 'authenticator']));
    expect(cluster.version).toBe('1.34');
  });

  test('Kubernetes YAML is valid against the schemas, one file per resource', () => {
    const report = manifests().validateFiles([path.join(dir, 'dist')]);
    expect(report.findings).toEqual([]);
    expect(report.objectCount).toBe(5);
  });

  test('output is byte-identical across runs', () => {
    const again = tempDir();
    synthTo(again);
    expect(readTree(again)).toEqual(readTree(dir));
  });
});
