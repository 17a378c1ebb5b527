/**
 * `npm run synth`: synthesize the reference fleet (staging, prod in us-east-1 with the Argo CD hub, prod in
 * eu-west-1) into Terraform JSON (cdktf, one stack per cluster) and Kubernetes YAML (cdk8s, one GitOps tree),
 * validate everything from disk with the harness and print a summary.
 *
 * Checks (any problem exits non-zero): each stack against the hashicorp/aws 6.25.0 schema, every object
 * against the Kubernetes 1.28 + 1.34 OpenAPI and CRD schemas, each cluster's enforce policy set over its
 * objects, the GitOps contract of the whole tree (the fleet ApplicationSet expanded over the cluster Secrets,
 * AppProject permissions) and the cross-layer consistency of each cluster's stack and objects (Pod Identity vs
 * ServiceAccounts, pool labels/taints, registry, bucket).
 *
 * Output (deterministic, git-ignored): examples/reference/cdktf.out/ and examples/reference/dist/.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as cdktf from 'cdktf';
import { buildKubernetes } from './main.k8s';
import { buildTerraform } from './main.tf';
import { fleet, spec } from './platform';
import { GitOpsContract } from '../../src/gitops';
import { PlatformConsistency, PlatformDiagram, PlatformSpecValidator } from '../../src/platform';
import { ManifestValidator, TerraformValidator } from '../../src/validation';

const here = __dirname;
const k8sOut = path.join(here, 'dist');
const tfOut = path.join(here, 'cdktf.out');
// The architecture diagrams go next to the output, not into the GitOps tree Argo CD syncs.
const diagramOut = path.join(here, 'diagram');

/**
 * Synthesize both sides into `dir` (`cdktf.out/`, `dist/`); returns the fleet, the files written, each cluster's
 * stack file, and (for the checks of one platform) the prod cluster's platform and stack file.
 */
export function synthesize(dir: string = here) {
  // No construct stack traces: they cost time at synth and never reach cdk.tf.json.
  const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out'), skipValidation: false, stackTraces: false });
  const aws = buildTerraform(tfApp);
  tfApp.synth();
  const k8s = buildKubernetes(new cdk8s.App({ outdir: path.join(dir, 'dist') }));
  const files = k8s.synth();
  const stackFiles = new Map(fleet.clusters.map((c) => [c.name, path.join(dir, 'cdktf.out', 'stacks', aws.stackOf(c.name).node.id, 'cdk.tf.json')]));
  return { fleet: k8s, aws, files, stackFiles, platform: k8s.platformOf('prod'), stackFile: stackFiles.get('prod')! };
}

function main(): number {
  fs.rmSync(k8sOut, { recursive: true, force: true });
  fs.rmSync(tfOut, { recursive: true, force: true });
  fs.rmSync(diagramOut, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const { fleet: k8s, files, stackFiles } = synthesize();
  const synthMs = Number(process.hrtime.bigint() - started) / 1e6;

  // Validate what was written, from disk, as CI and Argo CD would see it.
  const yamlFiles = files.map((f) => path.join(k8sOut, ...f.split('/')));
  const k8sReport = new ManifestValidator().validateFiles(yamlFiles);
  // The objects as read back from the files (parsed once, by the validator), per cluster directory.
  const objects = k8sReport.objects;
  const objectsOf = (cluster: string) => objects.filter((_o: any, i: number) => files[i].startsWith(`${cluster}/`));
  // the hub's cluster also runs what fleet/ holds (Argo CD's cluster Secrets and configuration)
  const hubObjects = objects.filter((_o: any, i: number) => files[i].startsWith('fleet/'));
  const gitops = GitOpsContract.verify(k8sOut);
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const out: string[] = [];
  let ok = k8sReport.ok && gitops.ok;
  const version = spec.cluster?.version?.version ?? '1.34';
  out.push(`cdk-llm-platform reference fleet '${spec.name}' (Kubernetes ${version})`);
  out.push(...fleet.summary());
  out.push('');
  out.push('Terraform (cdktf), one stack per cluster, each against hashicorp/aws 6.25.0:');
  const types = new Map<string, number>();
  for (const c of fleet.clusters) {
    const file = stackFiles.get(c.name)!;
    const report = new TerraformValidator().validateFile(file);
    const tf = JSON.parse(fs.readFileSync(file, 'utf-8'));
    const resources = Object.entries<any>(tf.resource ?? {});
    for (const [type, r] of resources) types.set(type, (types.get(type) ?? 0) + Object.keys(r).length);
    const consistency = PlatformConsistency.verify(tf, [...objectsOf(c.name), ...(c.hub ? hubObjects : [])]);
    const platform = k8s.platformOf(c.name);
    const policy = platform.policySet.evaluator().evaluate(objectsOf(c.name));
    ok = ok && report.ok && consistency.length === 0 && policy.ok;
    out.push(`  ${rel(file)}: ${resources.reduce((n, [, r]) => n + Object.keys(r).length, 0)} resources, schema ${report.ok ? 'ok' : 'FAILED'}, `
      + `consistency with ${c.name}/ ${consistency.length === 0 ? 'ok' : 'FAILED'}, policies ${policy.errors.length} error(s) / ${policy.warnings.length} warning(s)`);
    if (!report.ok) console.error(report.toString());
    if (!policy.ok) console.error(policy.toString());
    for (const p of consistency) console.error(`${c.name}: '${p.prop}' ${p.problem}, got ${p.value}; ${p.fix}`);
  }
  out.push('  resources by type (all stacks):');
  for (const [type, n] of [...types.entries()].sort((a, b) => a[0].localeCompare(b[0]))) out.push(`  ${String(n).padStart(4)}  ${type}`);
  const dirs = countBy(files.map((f) => path.posix.dirname(f)));
  out.push(`Kubernetes (cdk8s): ${files.length} files in ${rel(k8sOut)}/ (${dirs.length} GitOps directories)`);
  for (const top of ['fleet', ...fleet.clusters.map((c) => c.name)]) {
    const inTop = dirs.filter(([d]) => d === top || d.startsWith(`${top}/`));
    out.push(`  ${String(inTop.reduce((n, [, k]) => n + k, 0)).padStart(4)}  ${top}/ (${inTop.map(([d, k]) => `${d.slice(top.length + 1) || '.'} ${k}`).join(', ')})`);
  }
  out.push('Objects by kind:');
  for (const [kind, n] of countBy(objects.map((o: any) => `${o.kind} (${o.apiVersion})`))) out.push(`  ${String(n).padStart(4)}  ${kind}`);
  out.push('');
  out.push('GPU capacity per pool (most nodes x GPUs per node) vs requested at the most replicas:');
  for (const c of fleet.clusters) {
    for (const p of PlatformSpecValidator.capacity(c.spec)) {
      out.push(`  ${c.name.padEnd(15)} ${p.pool.padEnd(8)} ${String(p.capacityGpus).padStart(3)} GPUs (${p.maxNodes} x ${p.gpusPerNode})  requested ${String(p.requestedGpus).padStart(3)}`);
    }
  }
  out.push('');
  out.push(`Validation: Terraform and cross-layer consistency per stack: ${ok ? 'ok' : 'see above'}`);
  out.push(`            Kubernetes against 1.28 + 1.34 OpenAPI and CRD schemas: ${k8sReport.ok ? 'ok' : 'FAILED'} (${k8sReport.objectCount} objects)`);
  out.push(`            GitOps contract (${gitops.applications.length} Applications, the fleet ApplicationSet expanded): ${gitops.ok ? 'ok' : 'FAILED'}`);
  // The twin ran inside fleet.synth() (which fails on any problem) for every cluster; this prints what it checked.
  out.push("Platform twin of each cluster, with what the hub applies for it (DESIGN.md section 7): the prod cluster's:");
  out.push(...k8s.platformOf('prod').twin().summaryLines('  '));
  for (const c of fleet.clusters.filter((x) => x.name !== 'prod')) {
    const twin = k8s.platformOf(c.name).twin();
    out.push(`  ${c.name}: ${twin.ok ? 'ok' : 'FAILED'} (${twin.podCount} pods; ${twin.checks.map((x) => `${x.name} ${x.passed}/${x.checked}`).join(', ')})`);
  }
  const diagramFiles = PlatformDiagram.write(spec, diagramOut);
  const fleetDiagram = path.join(diagramOut, 'fleet.mmd');
  fs.writeFileSync(fleetDiagram, PlatformDiagram.fleetMermaid(fleet));
  out.push(`Diagrams: ${[...diagramFiles, fleetDiagram].map(rel).join(', ')} (the prod cluster in Mermaid and Graphviz DOT, the fleet in Mermaid)`);
  out.push(`Synth time: ${synthMs.toFixed(0)} ms (both sides, 3 clusters, validation excluded)`);
  console.log(out.join('\n'));
  if (!k8sReport.ok) console.error(k8sReport.toString());
  if (!gitops.ok) console.error(gitops.toString());
  return ok ? 0 : 1;
}

function countBy(items: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

if (require.main === module) process.exitCode = main();
