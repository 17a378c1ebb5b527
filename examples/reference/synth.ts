/**
 * `npm run synth`: synthesize the reference platform into Terraform JSON (cdktf) and Kubernetes YAML
 * (cdk8s, in the GitOps layout), validate everything from disk with the harness and print a summary.
 *
 * Checks (any problem exits non-zero): Terraform against the hashicorp/aws 6.25.0 schema, every object
 * against the Kubernetes 1.28 + 1.34 OpenAPI and CRD schemas, the enforce policy set, the GitOps
 * contract (ApplicationSet paths vs directories, AppProject permissions) and the cross-layer
 * consistency of both outputs (Pod Identity vs ServiceAccounts, pool labels/taints, registry, bucket).
 *
 * Output (deterministic, git-ignored): examples/reference/cdktf.out/ and examples/reference/dist/.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as cdktf from 'cdktf';
import { buildKubernetes } from './main.k8s';
import { buildTerraform } from './main.tf';
import { spec } from './platform';
import { GitOpsContract } from '../../src/gitops';
import { PlatformConsistency, PlatformDiagram, PlatformSpecValidator } from '../../src/platform';
import { ManifestValidator, TerraformValidator } from '../../src/validation';

const here = __dirname;
const k8sOut = path.join(here, 'dist');
const tfOut = path.join(here, 'cdktf.out');
// The architecture diagram goes next to the output, not into the GitOps tree Argo CD syncs.
const diagramOut = path.join(here, 'diagram');

/** Synthesize both sides into `dir` (`cdktf.out/`, `dist/`); returns the platform and the files written. */
export function synthesize(dir: string = here) {
  // No construct stack traces: they cost time at synth and never reach cdk.tf.json.
  const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out'), skipValidation: false, stackTraces: false });
  buildTerraform(tfApp);
  tfApp.synth();
  const platform = buildKubernetes(new cdk8s.App({ outdir: path.join(dir, 'dist') }));
  const files = platform.synth();
  return { platform, files, stackFile: path.join(dir, 'cdktf.out', 'stacks', spec.name, 'cdk.tf.json') };
}

function main(): number {
  fs.rmSync(k8sOut, { recursive: true, force: true });
  fs.rmSync(tfOut, { recursive: true, force: true });
  fs.rmSync(diagramOut, { recursive: true, force: true });
  const started = process.hrtime.bigint();
  const { platform, files, stackFile } = synthesize();
  const synthMs = Number(process.hrtime.bigint() - started) / 1e6;

  // Validate what was written, from disk, as CI and Argo CD would see it.
  const tfReport = new TerraformValidator().validateFile(stackFile);
  const yamlFiles = files.map((f) => path.join(k8sOut, ...f.split('/')));
  const k8sReport = new ManifestValidator().validateFiles(yamlFiles);
  // The objects as read back from the files (parsed once, by the validator).
  const objects = k8sReport.objects;
  const policy = platform.policySet.evaluator().evaluate(objects);
  const gitops = GitOpsContract.verify(k8sOut);
  const tf = JSON.parse(fs.readFileSync(stackFile, 'utf-8'));
  const consistency = PlatformConsistency.verify(tf, objects);

  const byType = countBy(Object.entries<any>(tf.resource ?? {}).flatMap(([type, r]) => Object.keys(r).map(() => type)));
  const kinds = countBy(objects.map((o: any) => `${o.kind} (${o.apiVersion})`));
  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const out: string[] = [];
  const version = spec.cluster?.version?.version ?? '1.34';
  out.push(`cdk-llm-platform reference platform '${spec.name}' (${spec.environment}, ${spec.region}, Kubernetes ${version})`);
  out.push('');
  out.push(`Terraform (cdktf): ${rel(stackFile)}: ${Object.values<any>(tf.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0)} resources`);
  for (const [type, n] of byType) out.push(`  ${String(n).padStart(3)}  ${type}`);
  const dirs = countBy(files.map((f) => path.posix.dirname(f)));
  out.push(`Kubernetes (cdk8s): ${files.length} files in ${rel(k8sOut)}/ (${dirs.length} GitOps directories)`);
  for (const [dir, n] of dirs) out.push(`  ${String(n).padStart(3)}  ${dir}/`);
  out.push('Objects by kind:');
  for (const [kind, n] of kinds) out.push(`  ${String(n).padStart(3)}  ${kind}`);
  out.push('');
  out.push('GPU capacity per pool (most nodes x GPUs per node) vs requested at the most replicas:');
  for (const p of PlatformSpecValidator.capacity(spec)) {
    out.push(`  ${p.pool.padEnd(8)} ${String(p.capacityGpus).padStart(3)} GPUs (${p.maxNodes} x ${p.gpusPerNode})  requested ${String(p.requestedGpus).padStart(3)}`);
  }
  out.push('');
  out.push(`Validation: Terraform against hashicorp/aws 6.25.0: ${tfReport.ok ? 'ok' : 'FAILED'} (${tfReport.blockCount} blocks)`);
  out.push(`            Kubernetes against 1.28 + 1.34 OpenAPI and CRD schemas: ${k8sReport.ok ? 'ok' : 'FAILED'} (${k8sReport.objectCount} objects)`);
  out.push(`            Policies (${platform.policySet.rules.length} rules, ${platform.policySet.exceptions.length} exception${platform.policySet.exceptions.length === 1 ? '' : 's'}): `
    + `${policy.errors.length} error(s), ${policy.warnings.length} warning(s) over ${policy.objectCount} workload objects`);
  out.push(`            GitOps contract (${gitops.applications.length} Applications): ${gitops.ok ? 'ok' : 'FAILED'}`);
  out.push(`            Cross-layer consistency (Pod Identity, pools, registry, bucket): ${consistency.length === 0 ? 'ok' : 'FAILED'}`);
  // The twin ran inside platform.synth() (which fails on any problem); this prints what it checked.
  const twin = platform.twin();
  out.push('Platform twin (what the cluster does with the output, DESIGN.md section 7):');
  out.push(...twin.summaryLines('  '));
  const diagramFiles = PlatformDiagram.write(spec, diagramOut);
  out.push(`Diagram: ${diagramFiles.map(rel).join(', ')} (Mermaid and Graphviz DOT)`);
  out.push(`Synth time: ${synthMs.toFixed(0)} ms (both sides, validation excluded)`);
  console.log(out.join('\n'));
  if (!tfReport.ok) console.error(tfReport.toString());
  if (!k8sReport.ok) console.error(k8sReport.toString());
  if (!policy.ok) console.error(policy.toString());
  if (!gitops.ok) console.error(gitops.toString());
  for (const p of consistency) console.error(`'${p.prop}' ${p.problem}, got ${p.value}; ${p.fix}`);
  return tfReport.ok && k8sReport.ok && policy.ok && gitops.ok && consistency.length === 0 ? 0 : 1;
}

function countBy(items: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

if (require.main === module) process.exitCode = main();
