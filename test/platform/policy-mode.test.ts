/**
 * `policy.mode` (issue 19): the strongest action the platform's admission policies take, per environment of a
 * fleet (audit in staging, enforce in prod), rendered by every engine and honoured by the synth-time checks.
 */
import { ApiObject, App } from 'cdk8s';
import { fleetSpec, REGISTRY, smallSpec, validationErrorOf } from './fixtures';
import { Fleet, KubernetesFleet, KubernetesPlatform, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { PolicyAction, PolicyEngine } from '../../src/policy';
import { expectValidManifests, tempDir } from '../util';

function specWith(mode: PolicyAction | undefined, engines: PolicyEngine[], images = false): PlatformSpec {
  const base = smallSpec();
  return {
    ...base,
    policy: {
      ...base.policy,
      mode,
      engines,
      signatures: images ? { images: [{ name: 'models', imageReferences: [`${REGISTRY}/acme-llm/*`], kmsKey: 'awskms:///arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' }] } : undefined,
    },
  };
}

/** What each engine's objects do with a violation. */
function actions(spec: PlatformSpec) {
  const objects = new KubernetesPlatform(new App(), 'acme', { spec }).manifests().map((m) => m.resource);
  expectValidManifests(objects);
  const kyverno = objects.filter((o) => o.kind === 'ClusterPolicy');
  return {
    vap: [...new Set(objects.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding').map((o) => o.spec.validationActions.join('+')))].sort(),
    kyverno: [...new Set(kyverno.flatMap((o) => (o.spec.rules ?? []).map((r: any) => r.validate?.failureAction ?? r.verifyImages?.[0]?.failureAction))
      .filter((a) => a !== undefined))].sort(),
    gatekeeper: [...new Set(objects.filter((o) => o.apiVersion?.startsWith('constraints.gatekeeper.sh')).map((o) => o.spec.enforcementAction))].sort(),
  };
}

/** A tenant Pod that breaks the baseline (no digest, root, writable root filesystem). */
function withViolation(platform: KubernetesPlatform): KubernetesPlatform {
  new ApiObject(platform.chartFor('search'), 'Debug', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'debug', namespace: 'search' },
    spec: { containers: [{ name: 'sh', image: 'busybox:latest' }] },
  });
  return platform;
}

describe('policy.mode', () => {
  test('default ENFORCE: each rule as the catalogue sets it, the enforcing engine denies', () => {
    // the platform profile's audited rules have their own bindings
    expect(actions(specWith(undefined, [PolicyEngine.VALIDATING_ADMISSION_POLICY])).vap).toEqual(['Audit', 'Deny']);
    expect(actions(specWith(PolicyAction.ENFORCE, [PolicyEngine.KYVERNO])).kyverno).toEqual(['Audit', 'Enforce']);
    expect(actions(specWith(undefined, [PolicyEngine.GATEKEEPER])).gatekeeper).toEqual(['deny', 'dryrun']);
  });

  test('AUDIT: no engine denies anything, image signature verification included', () => {
    expect(actions(specWith(PolicyAction.AUDIT, [PolicyEngine.VALIDATING_ADMISSION_POLICY])).vap).toEqual(['Audit']);
    expect(actions(specWith(PolicyAction.AUDIT, [PolicyEngine.KYVERNO], true)).kyverno).toEqual(['Audit']);
    expect(actions(specWith(PolicyAction.AUDIT, [PolicyEngine.GATEKEEPER])).gatekeeper).toEqual(['dryrun']);
    const all = actions(specWith(PolicyAction.AUDIT, [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER]));
    expect(all).toEqual({ vap: ['Audit'], kyverno: ['Audit'], gatekeeper: ['dryrun'] });
  });

  test('WARN: warnings to the client and audit records, nothing denied', () => {
    expect(actions(specWith(PolicyAction.WARN, [PolicyEngine.VALIDATING_ADMISSION_POLICY])).vap).toEqual(['Audit', 'Warn+Audit']);
    expect(actions(specWith(PolicyAction.WARN, [PolicyEngine.GATEKEEPER])).gatekeeper).toEqual(['dryrun', 'warn']);
  });

  test('the platform profile is capped too', () => {
    const platform = new KubernetesPlatform(new App(), 'acme', { spec: specWith(PolicyAction.AUDIT, [PolicyEngine.VALIDATING_ADMISSION_POLICY]) });
    expect(new Set(Object.values(platform.policySet.platformActions))).toEqual(new Set([PolicyAction.AUDIT]));
    expect(platform.policySet.rules.every((r) => r.action === PolicyAction.AUDIT)).toBe(true);
  });

  test('a violation fails synth when enforced, and is only reported when audited', () => {
    const enforced = withViolation(new KubernetesPlatform(new App(), 'acme', { spec: specWith(undefined, [PolicyEngine.VALIDATING_ADMISSION_POLICY]) }));
    expect(validationErrorOf(() => enforced.synth(tempDir())).problems.map((p: any) => p.prop)).toContain('manifests[Pod search/debug]');
    const audited = withViolation(new KubernetesPlatform(new App(), 'acme', { spec: specWith(PolicyAction.AUDIT, [PolicyEngine.VALIDATING_ADMISSION_POLICY]) }));
    expect(audited.verify().map((p) => p.prop)).not.toContain('manifests[Pod search/debug]');
    const report = audited.policySet.evaluator().evaluate([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug', namespace: 'search' }, spec: { containers: [{ name: 'sh', image: 'busybox:latest' }] } }]);
    expect(report.ok).toBe(true);
    expect(report.warnings.length).toBeGreaterThan(0);
  });

  test("a mode that is not a PolicyAction is refused at 'policy.mode'", () => {
    expect(() => new KubernetesPlatform(new App(), 'acme', { spec: specWith('lenient' as any, [PolicyEngine.VALIDATING_ADMISSION_POLICY]) }))
      .toThrow("'policy.mode' must be a PolicyAction, got 'lenient'; use PolicyAction.ENFORCE, PolicyAction.WARN or PolicyAction.AUDIT");
  });
});

describe('policy.mode per environment of a fleet', () => {
  const audited = fleetSpec({ overrides: [{ environment: 'staging', policy: { mode: PolicyAction.AUDIT } }] });

  test('an override sets it in one environment; the others enforce', () => {
    const fleet = new Fleet(audited);
    expect(fleet.cluster('staging').spec.policy?.mode).toBe(PolicyAction.AUDIT);
    expect(fleet.cluster('prod-us-east-1').spec.policy?.mode).toBeUndefined();
    // the shared allowedRegistries stay: an override replaces only the fields it sets
    expect(fleet.cluster('staging').spec.policy?.allowedRegistries).toEqual(fleet.cluster('prod-us-east-1').spec.policy?.allowedRegistries);
    expect(fleet.cluster('staging').differences).toContain('policy.mode = "audit" (overrides[0].policy)');
  });

  test("it changes only that environment's policies in the GitOps tree", () => {
    const files = (spec: any) => {
      const out = new Map<string, string>();
      for (const m of new KubernetesFleet(new App(), 'fleet', { fleet: new Fleet(spec) }).manifests()) out.set(m.path, JSON.stringify(m.resource));
      return out;
    };
    const before = files(fleetSpec());
    const after = files(audited);
    const changed = [...after.keys()].filter((p) => before.get(p) !== after.get(p));
    expect(changed.length).toBeGreaterThan(0);
    expect(changed.every((p) => p.startsWith('staging/policies/'))).toBe(true);
  });

  test('a bad mode in an override is reported at the override', () => {
    expect(() => new Fleet(fleetSpec({ overrides: [{ environment: 'staging', policy: { mode: 'off' as any } }] })))
      .toThrow("'overrides[0].policy.mode' must be a PolicyAction, got 'off'; use PolicyAction.ENFORCE, PolicyAction.WARN or PolicyAction.AUDIT");
  });
});

describe('PlatformSpecValidator and policy.mode', () => {
  test('the validator itself names a mode that is not a PolicyAction', () => {
    const problems = PlatformSpecValidator.problems(specWith('lenient' as any, [PolicyEngine.VALIDATING_ADMISSION_POLICY]));
    expect(problems.filter((p) => p.prop === 'policy.mode').map((p) => p.fix)).toEqual([expect.stringMatching(/PolicyAction\.ENFORCE/)]);
  });
});
