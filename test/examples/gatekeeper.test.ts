/**
 * The Gatekeeper example platform (examples/gatekeeper): admission by OPA Gatekeeper alone. The same whole-platform
 * checks as the reference (provider schema, Kubernetes and CRD schemas with the constraint CRDs Gatekeeper derives
 * from the templates, policies, both sides agree, twin), and the Gatekeeper-specific output.
 */
import { expectValidPlatform, synthesizeExample } from './example-platform';
import { spec } from '../../examples/gatekeeper/platform';
import { PolicyEngine } from '../../src/policy';

describe('gatekeeper example platform', () => {
  const out = synthesizeExample(spec);
  const { objects } = out;

  test('is valid as a whole: provider schema, Kubernetes and CRD schemas, policies, both sides agree, twin', () => {
    expect(spec.policy?.engines).toEqual([PolicyEngine.GATEKEEPER]);
    expectValidPlatform(spec, out);
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
