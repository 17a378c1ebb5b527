/**
 * Shared by the example platforms' tests (test/examples/<name>.test.ts): synthesize both sides of a spec into a
 * temp dir as `npm run synth` does, read the written YAML back, and the whole-platform checks every example
 * passes (provider schema, Kubernetes and CRD schemas, the enforce policy set, both sides agree, the twin).
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as cdktf from 'cdktf';
import * as YAML from 'yaml';
import { AwsPlatformStack, KubernetesPlatform, PlatformConsistency, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { manifests, tempDir, terraform } from '../util';

/** Both sides of `s`, written to a temp dir: the platform, its files, the Terraform JSON and the objects read back. */
export function synthesizeExample(s: PlatformSpec) {
  const dir = tempDir();
  const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out'), skipValidation: false, stackTraces: false });
  new AwsPlatformStack(tfApp, s.name, { spec: s });
  tfApp.synth();
  const platform = new KubernetesPlatform(new cdk8s.App({ outdir: path.join(dir, 'dist') }), s.name, { spec: s });
  const files = platform.synth();
  const stackFile = path.join(dir, 'cdktf.out', 'stacks', s.name, 'cdk.tf.json');
  const objects: any[] = files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', ...f.split('/')), 'utf-8')).map((d) => d.toJSON()));
  return { platform, files, dir, stackFile, objects, tf: JSON.parse(fs.readFileSync(stackFile, 'utf-8')) };
}

/** The whole-platform checks: no finding from any validator, no policy violation, both sides agree, no twin problem. */
export function expectValidPlatform(s: PlatformSpec, out: ReturnType<typeof synthesizeExample>): void {
  expect(PlatformSpecValidator.problems(s)).toEqual([]);
  expect(terraform().validateFile(out.stackFile).findings).toEqual([]);
  expect(manifests().validateFiles(out.files.map((f) => path.join(out.dir, 'dist', ...f.split('/')))).findings).toEqual([]);
  expect(out.platform.policySet.evaluator().evaluate(out.objects).violations).toEqual([]);
  expect(PlatformConsistency.verify(out.tf, out.objects)).toEqual([]);
  expect(out.platform.twin().problems).toEqual([]);
}
