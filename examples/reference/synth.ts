/**
 * `npm run synth`: synthesize the reference platform into Terraform JSON (cdktf) and Kubernetes YAML
 * (cdk8s), validate everything with the harness and print a summary of what was written where.
 *
 * Output (deterministic, git-ignored): examples/reference/cdktf.out/ and examples/reference/dist/.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as cdktf from 'cdktf';
import { ReferenceWorkloadChart } from './main.k8s';
import { ReferenceAwsStack } from './main.tf';
import { spec } from './platform';
import { ManifestValidator, TerraformValidator } from '../../src/validation';

const here = __dirname;
const k8sOut = path.join(here, 'dist');
const tfOut = path.join(here, 'cdktf.out');

function main(): number {
  const started = process.hrtime.bigint();
  fs.rmSync(k8sOut, { recursive: true, force: true });
  fs.rmSync(tfOut, { recursive: true, force: true });

  const tfApp = new cdktf.App({ outdir: tfOut, skipValidation: false });
  new ReferenceAwsStack(tfApp, spec.name);
  tfApp.synth();

  const k8sApp = new cdk8s.App({ outdir: k8sOut, yamlOutputType: cdk8s.YamlOutputType.FILE_PER_RESOURCE });
  new ReferenceWorkloadChart(k8sApp, spec.name);
  k8sApp.synth();
  const synthMs = Number(process.hrtime.bigint() - started) / 1e6;

  // Validate what was written, from disk, as CI and Argo CD would see it.
  const stackFile = path.join(tfOut, 'stacks', spec.name, 'cdk.tf.json');
  const tfReport = new TerraformValidator().validateFile(stackFile);
  const yamlFiles = listFiles(k8sOut).filter((f) => f.endsWith('.yaml'));
  const k8sReport = new ManifestValidator().validateFiles(yamlFiles);

  const tf = JSON.parse(fs.readFileSync(stackFile, 'utf-8'));
  const byType = countBy(Object.entries<any>(tf.resource ?? {}).flatMap(([type, r]) => Object.keys(r).map(() => type)));
  const kinds = countBy(yamlFiles.flatMap((f) => cdk8s.Yaml.load(f).map((o: any) => `${o.kind} (${o.apiVersion})`)));

  const rel = (p: string) => path.relative(process.cwd(), p) || '.';
  const out: string[] = [];
  out.push(`cdk-llm-platform reference platform '${spec.name}' (${spec.environment}, ${spec.region}, Kubernetes ${spec.kubernetesVersion.version})`);
  out.push('');
  out.push(`Terraform (cdktf): ${rel(stackFile)}`);
  for (const [type, n] of byType) out.push(`  ${String(n).padStart(3)}  ${type}`);
  out.push(`Kubernetes (cdk8s): ${yamlFiles.length} files in ${rel(k8sOut)}/`);
  for (const [kind, n] of kinds) out.push(`  ${String(n).padStart(3)}  ${kind}`);
  out.push('');
  out.push(`Validation: Terraform against hashicorp/aws 6.25.0: ${tfReport.ok ? 'ok' : 'FAILED'} (${tfReport.blockCount} resources)`);
  out.push(`            Kubernetes against 1.28 + 1.34 OpenAPI and CRD schemas: ${k8sReport.ok ? 'ok' : 'FAILED'} (${k8sReport.objectCount} objects)`);
  out.push(`Synth time: ${synthMs.toFixed(0)} ms`);
  console.log(out.join('\n'));
  if (!tfReport.ok) console.error(tfReport.toString());
  if (!k8sReport.ok) console.error(k8sReport.toString());
  return tfReport.ok && k8sReport.ok ? 0 : 1;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]).sort();
}

function countBy(items: string[]): [string, number][] {
  const m = new Map<string, number>();
  for (const i of items) m.set(i, (m.get(i) ?? 0) + 1);
  return [...m.entries()].sort((a, b) => a[0].localeCompare(b[0]));
}

process.exitCode = main();
