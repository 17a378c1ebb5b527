/**
 * The reference platform (examples/reference): golden output (reviewed snapshots, the only snapshots of
 * the repository), byte-identical output across runs, and zero findings from every check the synth
 * script runs: schemas, Terraform provider schema, policies, GitOps contract, cross-layer consistency.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { spec } from '../../examples/reference/platform';
import { synthesize } from '../../examples/reference/synth';
import { GitOpsContract } from '../../src/gitops';
import { PlatformConsistency, PlatformSpecValidator } from '../../src/platform';
import { manifests, tempDir, terraform } from '../util';

function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[path.relative(dir, p).split(path.sep).join('/')] = fs.readFileSync(p, 'utf-8');
    }
  };
  walk(dir);
  return out;
}

describe('reference platform', () => {
  const dir = tempDir();
  const { platform, files, stackFile } = synthesize(dir);
  const distDir = path.join(dir, 'dist');
  // Not cdk8s Yaml.load: it spawns a process per file (it also loads URLs).
  const objects = files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(distDir, ...f.split('/')), 'utf-8')).map((d) => d.toJSON()));
  const tf = JSON.parse(fs.readFileSync(stackFile, 'utf-8'));

  test('the spec is what the issue asks for', () => {
    expect(spec.gpuPools.map((p) => p.name)).toEqual(['a10g', 'l40s']);
    expect(spec.tenants).toHaveLength(3);
    expect(spec.models).toHaveLength(5);
    expect(new Set(spec.models!.map((m) => m.runtime.name))).toEqual(new Set(['vllm', 'triton', 'tgi']));
    expect(spec.models!.filter((m) => m.canary)).toHaveLength(1);
    expect(spec.models!.filter((m) => m.kserve)).toHaveLength(1);
    expect(spec.fineTuningJobs).toHaveLength(1);
    expect(PlatformSpecValidator.problems(spec)).toEqual([]);
  });

  test('Terraform JSON is valid against the AWS provider schema', () => {
    expect(terraform().validateFile(stackFile).findings).toEqual([]);
  });

  test('every Kubernetes object is valid against the Kubernetes and CRD schemas', () => {
    const report = manifests().validateFiles(files.map((f) => path.join(distDir, ...f.split('/'))));
    expect(report.findings).toEqual([]);
    expect(report.objectCount).toBe(files.length);
  });

  test('zero policy violations (enforce, warn and audit) with no user exception (the library\'s own cover its GPU agents)', () => {
    const report = platform.policySet.evaluator().evaluate(objects);
    expect(report.violations).toEqual([]);
    expect(platform.policySet.exceptions.map((e) => `${e.namespace}/${e.name} ${e.owner}`)).toEqual(['nvidia-gpu/nvidia-device-plugin cdk-llm-platform', 'nvidia-gpu/dcgm-exporter cdk-llm-platform']);
    expect(objects.filter((o: any) => o.kind === 'PolicyException')).toHaveLength(2);
  });

  test('the GitOps contract holds on the written tree', () => {
    const report = GitOpsContract.verify(distDir);
    expect(report.findings).toEqual([]);
    expect(report.directories.sort()).toEqual(['argocd', 'prod/gpu', 'prod/mesh', 'prod/observability', 'prod/policies', 'prod/search', 'prod/support', 'prod/tenancy', 'prod/vision']);
  });

  test('both sides agree: Pod Identity, pools, registry, bucket', () => {
    expect(PlatformConsistency.verify(tf, objects)).toEqual([]);
    const associations = Object.values<any>(tf.resource.aws_eks_pod_identity_association).map((a) => `${a.namespace}/${a.service_account}`).sort();
    expect(associations).toEqual([
      'kube-system/aws-load-balancer-controller', 'kube-system/karpenter', 'observability/otel-gateway-collector', 'search/llama3-8b', 'search/reranker',
      'support/llama3-70b', 'support/mixtral-8x7b', 'support/support-lora', 'vision/clip-vit',
    ]);
  });

  test('output is byte-identical across runs', () => {
    const again = tempDir();
    synthesize(again);
    const strip = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([k]) => !k.endsWith('manifest.json')));
    expect(strip(readTree(again))).toEqual(strip(readTree(dir)));
  });

  test('golden Terraform JSON', () => {
    expect(fs.readFileSync(stackFile, 'utf-8')).toMatchSnapshot('cdktf.out/stacks/acme-llm/cdk.tf.json');
  });

  test('golden Kubernetes YAML', () => {
    for (const f of files) expect(fs.readFileSync(path.join(distDir, ...f.split('/')), 'utf-8')).toMatchSnapshot(f);
  });
});
