/**
 * The reference fleet (examples/reference: staging and prod in two regions): golden output (reviewed snapshots, the only snapshots of
 * the repository), byte-identical output across runs, and zero findings from every check the synth
 * script runs: schemas, Terraform provider schema, policies, GitOps contract, cross-layer consistency.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { fleet, spec } from '../../examples/reference/platform';
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

describe('reference fleet', () => {
  const dir = tempDir();
  const { fleet: k8s, platform, files, stackFiles } = synthesize(dir);
  const distDir = path.join(dir, 'dist');
  // Not cdk8s Yaml.load: it spawns a process per file (it also loads URLs).
  const byFile = new Map(files.map((f) => [f, YAML.parseAllDocuments(fs.readFileSync(path.join(distDir, ...f.split('/')), 'utf-8')).map((d) => d.toJSON())]));
  const objectsUnder = (top: string) => files.filter((f) => f.startsWith(`${top}/`)).flatMap((f) => byFile.get(f)!);
  const tfOf = (cluster: string) => JSON.parse(fs.readFileSync(stackFiles.get(cluster)!, 'utf-8'));

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

  test('the fleet: staging, then prod in two regions; the prod cluster in us-east-1 is `spec` and runs the hub', () => {
    expect(fleet.clusters.map((c) => `${c.environment}/${c.name}/${c.region}`)).toEqual(['staging/staging/us-west-2', 'prod/prod/us-east-1', 'prod/prod-eu-west-1/eu-west-1']);
    expect(fleet.hub.name).toBe('prod');
    expect(JSON.stringify(fleet.cluster('prod').spec, Object.keys(spec).sort())).toBe(JSON.stringify(spec, Object.keys(spec).sort()));
    expect(k8s.platforms.map((p) => p.node.id)).toEqual(['staging', 'prod', 'prod-eu-west-1']);
  });

  test('Terraform JSON of every stack is valid against the AWS provider schema', () => {
    for (const file of stackFiles.values()) expect(terraform().validateFile(file).findings).toEqual([]);
  });

  test('every Kubernetes object is valid against the Kubernetes and CRD schemas', () => {
    const report = manifests().validateFiles(files.map((f) => path.join(distDir, ...f.split('/'))));
    expect(report.findings).toEqual([]);
    expect(report.objectCount).toBe(files.length);
  });

  test("zero policy violations (enforce, warn and audit) in every cluster, with no user exception (the library's own cover its GPU agents)", () => {
    for (const c of fleet.clusters) {
      const p = k8s.platformOf(c.name);
      const report = p.policySet.evaluator().evaluate([...objectsUnder(c.name), ...(c.hub ? objectsUnder('fleet') : [])]);
      expect(report.violations).toEqual([]);
    }
    expect(platform.policySet.exceptions.map((e) => `${e.namespace}/${e.name} ${e.owner}`)).toEqual(['nvidia-gpu/nvidia-device-plugin cdk-llm-platform', 'nvidia-gpu/dcgm-exporter cdk-llm-platform']);
    expect(objectsUnder('prod').filter((o: any) => o.kind === 'PolicyException')).toHaveLength(2);
  });

  test('the GitOps contract holds on the written tree (the fleet ApplicationSet expanded over the cluster Secrets)', () => {
    const report = GitOpsContract.verify(distDir);
    expect(report.findings).toEqual([]);
    const perCluster = (c: string) => ['argocd', 'gpu', 'mesh', 'observability', 'policies', 'search', 'support', 'tenancy', 'vision'].map((d) => `${c}/${d}`);
    expect(report.directories.sort()).toEqual(['fleet', ...perCluster('prod'), ...perCluster('prod-eu-west-1'), ...perCluster('staging')].sort());
  });

  test('both sides of every cluster agree: Pod Identity, pools, registry, bucket', () => {
    for (const c of fleet.clusters) {
      expect(PlatformConsistency.verify(tfOf(c.name), [...objectsUnder(c.name), ...(c.hub ? objectsUnder('fleet') : [])])).toEqual([]);
    }
    const associations = Object.values<any>(tfOf('prod').resource.aws_eks_pod_identity_association).map((a) => `${a.namespace}/${a.service_account}`).sort();
    expect(associations).toEqual([
      'argocd/argocd-application-controller', 'argocd/argocd-applicationset-controller', 'argocd/argocd-server',
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
    for (const [cluster, file] of stackFiles) expect(fs.readFileSync(file, 'utf-8')).toMatchSnapshot(`cdktf.out/stacks/${path.basename(path.dirname(file))}/cdk.tf.json (${cluster})`);
  });

  test('golden Kubernetes YAML', () => {
    for (const f of files) expect(fs.readFileSync(path.join(distDir, ...f.split('/')), 'utf-8')).toMatchSnapshot(f);
  });
});
