/**
 * The Gatekeeper example platform (examples/gatekeeper): admission by OPA Gatekeeper alone. The same whole-platform
 * checks as the reference (provider schema, Kubernetes and CRD schemas with the constraint CRDs Gatekeeper derives
 * from the templates, policies, both sides agree, twin), and the Gatekeeper-specific output.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as cdk8s from 'cdk8s';
import * as cdktf from 'cdktf';
import * as YAML from 'yaml';
import { spec } from '../../examples/gatekeeper/platform';
import { AwsPlatformStack, KubernetesPlatform, PlatformConsistency, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { PolicyEngine } from '../../src/policy';
import { manifests, tempDir, terraform } from '../util';

function synthesize(s: PlatformSpec) {
  const dir = tempDir();
  const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out'), skipValidation: false, stackTraces: false });
  new AwsPlatformStack(tfApp, s.name, { spec: s });
  tfApp.synth();
  const platform = new KubernetesPlatform(new cdk8s.App({ outdir: path.join(dir, 'dist') }), s.name, { spec: s });
  const files = platform.synth();
  const stackFile = path.join(dir, 'cdktf.out', 'stacks', s.name, 'cdk.tf.json');
  return { platform, files, dir, stackFile, tf: JSON.parse(fs.readFileSync(stackFile, 'utf-8')) };
}

describe('gatekeeper example platform', () => {
  const { platform, files, dir, stackFile, tf } = synthesize(spec);
  const objects: any[] = files.flatMap((f) => YAML.parseAllDocuments(fs.readFileSync(path.join(dir, 'dist', ...f.split('/')), 'utf-8')).map((d) => d.toJSON()));

  test('is valid as a whole: provider schema, Kubernetes and CRD schemas, policies, both sides agree, twin', () => {
    expect(spec.policy?.engines).toEqual([PolicyEngine.GATEKEEPER]);
    expect(PlatformSpecValidator.problems(spec)).toEqual([]);
    expect(terraform().validateFile(stackFile).findings).toEqual([]);
    const report = manifests().validateFiles(files.map((f) => path.join(dir, 'dist', ...f.split('/'))));
    expect(report.findings).toEqual([]);
    expect(platform.policySet.evaluator().evaluate(objects).violations).toEqual([]);
    expect(PlatformConsistency.verify(tf, objects)).toEqual([]);
    expect(platform.twin().problems).toEqual([]);
  });

  test('Gatekeeper is installed with the mirrored images; the policies are ConstraintTemplates and constraints, no Kyverno', () => {
    const app = objects.find((o) => o.kind === 'Application' && o.metadata.name === 'prod-gatekeeper');
    expect(app.spec.source).toMatchObject({ chart: 'gatekeeper', targetRevision: '3.23.0' });
    expect(app.spec.source.helm.valuesObject.image).toEqual({
      repository: '123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/openpolicyagent/gatekeeper',
      release: `v3.23.0@${spec.images!.addons!['gatekeeper/gatekeeper'].split('@')[1]}`,
    });
    expect(objects.filter((o) => o.kind === 'Application' && o.metadata.name === 'prod-kyverno')).toEqual([]);
    expect(objects.filter((o) => o.kind === 'ConstraintTemplate').length).toBeGreaterThan(10);
    const constraints = objects.filter((o) => String(o.apiVersion).startsWith('constraints.gatekeeper.sh/'));
    expect(constraints.length).toBeGreaterThan(10);
    for (const c of constraints) expect(c.metadata.annotations['argocd.argoproj.io/sync-options']).toBe('SkipDryRunOnMissingResource=true');
  });
});
