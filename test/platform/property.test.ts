/**
 * Property-based tests of the whole spec through both entry points (issue 17): any generated spec, mostly
 * valid with mutations (wrong types, nulls, out-of-range numbers, reserved names, duplicates, injection
 * strings, control characters, unknown enum strings), either
 * - is accepted, and then both entry points synthesize schema-valid output (sampled: full synths are
 *   expensive), or
 * - is rejected with a ValidationError (`isValidationError`) whose every problem names a path and follows
 *   the house grammar, by both entry points alike (same problem paths);
 * never anything else. Fixed seeds; the run counts keep the suite well under a minute.
 */
import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import fc from 'fast-check';
import { AccountServiceMode } from '../../src/aws/security-baseline';
import { GpuInstanceType } from '../../src/core';
import { AwsPlatformStack, ClusterAccessPath, GpuCapacityType, GpuProvisioning, KubernetesPlatform, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { reservedTenantNames } from '../../src/platform/private/reserved-namespaces';
import { PolicyEngine } from '../../src/policy';
import { manifests, terraform } from '../util';
import { smallSpec } from './fixtures';
import { BAD_DURATIONS, BAD_NUMBERS, badArrays, badStrings, expectNoCrash, get, INJECTIONS, outcome, paths, pathsOf, pick, show, withValue, wrongTypes } from './property-helpers';

/**
 * Mutation families. `WRONG_TYPE` (wrong JS types and null entries) needs the runtime type check at the public
 * boundaries (core/private/runtime-types, issue 17 part "types"); it has landed, so every family is on.
 */
const FAMILIES = ['WRONG_TYPE', 'NUMBER', 'STRING', 'ARRAY', 'SEMANTIC'] as const;
type Family = typeof FAMILIES[number];
const ENABLED_FAMILIES: readonly Family[] = FAMILIES;

const SEED = 17;
/** Cheap cases: the validator only (and, when it rejects, both entry points' constructors, which validate first). */
const CHEAP_RUNS = 2000;
/** Full cases: both entry points built, synthesized and schema-checked. */
const FULL_RUNS = 40;

const ADMINS = ['arn:aws:iam::123456789012:role/platform-admins', 'arn:aws:iam::123456789012:user/alice'];
const VIEWER = 'arn:aws:iam::123456789012:role/auditors';

/** A mostly valid spec: the small spec with variations that keep it valid. */
const baseSpec: fc.Arbitrary<PlatformSpec> = fc.record({
  name: fc.constantFrom('acme-llm', 'beta', 'x1'),
  environment: fc.constantFrom('dev', 'prod', 'stg-2'),
  extraTenants: fc.subarray(['chat', 'batch']),
  admins: fc.subarray(ADMINS),
  viewer: fc.boolean(),
  accessPath: fc.constantFrom(undefined, ClusterAccessPath.ADMIN_HOST, ClusterAccessPath.PRIVATE_NETWORK),
  gateway: fc.boolean(),
  retentionDays: fc.option(fc.integer({ min: 365, max: 3000 }), { nil: undefined }),
  capacityType: fc.constantFrom(undefined, GpuCapacityType.ON_DEMAND, GpuCapacityType.SPOT),
  provisioning: fc.constantFrom(GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER, GpuProvisioning.KARPENTER),
  targetRevision: fc.constantFrom(undefined, 'main', 'v1.2.3', 'release/2024-06'),
  engines: fc.constantFrom(undefined, [PolicyEngine.VALIDATING_ADMISSION_POLICY]),
  securityHub: fc.constantFrom(undefined, AccountServiceMode.EXISTING),
}).map((v) => {
  const base = smallSpec();
  return {
    ...base,
    name: v.name,
    environment: v.environment,
    tenants: [...base.tenants, ...v.extraTenants.map((name) => ({ name }))],
    gpuPools: [{
      ...base.gpuPools[0],
      capacityType: v.capacityType,
      provisioning: v.provisioning,
      minNodes: v.provisioning === GpuProvisioning.KARPENTER ? undefined : 1,
    }],
    cluster: {
      adminPrincipalArns: v.admins.length > 0 ? v.admins : undefined,
      viewerPrincipalArns: v.viewer ? [VIEWER] : undefined,
      accessPath: v.accessPath,
    },
    mesh: v.gateway ? { ingressHosts: ['llm.example.com'], tlsCredentialName: 'llm-example-com-tls', externalTlsCredential: true } : undefined,
    audit: { retentionDays: v.retentionDays, securityHub: v.securityHub, config: v.securityHub },
    gitops: { ...base.gitops, targetRevision: v.targetRevision },
    policy: { ...base.policy, engines: v.engines },
  } as PlatformSpec;
});

/** A mutation: a family, where (an index into the spec's paths) and what (an index into the family's values). */
interface Mutation {
  readonly family: Family;
  readonly where: number;
  readonly what: number;
}

const mutation: fc.Arbitrary<Mutation> = fc.record({
  family: fc.constantFrom(...ENABLED_FAMILIES),
  where: fc.nat(),
  what: fc.nat(),
});

/** Apply a mutation (a spec an earlier mutation broke may not take the next one: then it stays as it is). */
function mutate(spec: PlatformSpec, m: Mutation): PlatformSpec {
  try {
    return mutateUnsafe(spec, m);
  } catch {
    return spec;
  }
}

function mutateUnsafe(spec: PlatformSpec, m: Mutation): PlatformSpec {
  const all = pathsOf(spec);
  const path = pick(all, m.where);
  switch (m.family) {
    case 'WRONG_TYPE':
      return withValue(spec, path, (v) => pick<any>(wrongTypes(v), m.what));
    case 'NUMBER': {
      const numbers = all.filter((p) => typeof get(spec, p) === 'number');
      if (numbers.length === 0) return spec;
      return withValue(spec, pick(numbers, m.where), () => pick(BAD_NUMBERS, m.what));
    }
    case 'STRING': {
      const strings = all.filter((p) => typeof get(spec, p) === 'string');
      return withValue(spec, pick(strings, m.where), (v: string) => pick(badStrings(v, m.what), m.what));
    }
    case 'ARRAY': {
      const arrays = all.filter((p) => Array.isArray(get(spec, p)) && get(spec, p).length > 0);
      if (arrays.length === 0) return spec;
      return withValue(spec, pick(arrays, m.where), (a: any[]) => pick(badArrays(a), m.what));
    }
    case 'SEMANTIC':
      return pick<(s: PlatformSpec) => PlatformSpec>([
        (s) => ({ ...s, tenants: [...s.tenants, { name: pick([...reservedTenantNames().keys()], m.what) }] }),
        (s) => ({ ...s, cluster: { ...s.cluster, adminPrincipalArns: [ADMINS[0]], viewerPrincipalArns: [ADMINS[0]] } }),
        (s) => ({ ...s, gpuPools: [{ ...s.gpuPools[0], instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_2XLARGE] }] }),
        (s) => ({ ...s, mesh: { ingressHosts: ['llm.example.com', 'llm.example.com'], tlsCredentialName: 'llm-tls', externalTlsCredential: true } }),
        (s) => ({ ...s, gpuPools: [{ ...s.gpuPools[0], capacityType: pick(['SPOT', 'reserved', 'ON_DEMAND'], m.what) as GpuCapacityType }] }),
        (s) => ({ ...s, policy: { ...s.policy, engines: [pick(['kyverno ', 'KYVERNO', 'opa'], m.what) as PolicyEngine] } }),
        (s) => ({ ...s, gitops: { ...s.gitops, targetRevision: pick(['main\nspec: x', 'a..b', 'HEAD~1', 'x\u0000'], m.what) } }),
        (s) => ({ ...s, models: s.models!.map((x) => ({ ...x, weights: { ...x.weights } as any })) }),
        (s) => ({ ...s, name: pick(['${aws_iam_role.x.arn}', 'kube-system', 'x'.repeat(40)], m.what) }),
        (s) => ({ ...s, tenants: [{ ...s.tenants[0], adminGroups: [pick(INJECTIONS, m.what)] }, ...s.tenants.slice(1)] }),
        (s) => ({ ...s, audit: { ...s.audit, retentionDays: pick([1, 364, 1.5, -365, 1e12], m.what) } }),
        // durations (class instances, which the generic families leave alone): fractions, zero, beyond the API's range
        (s) => ({ ...s, models: s.models!.map((x) => ({ ...x, [pick(['startupTimeout', 'preStopDelay', 'maxRequestDuration'], m.what)]: pick(BAD_DURATIONS, Math.floor(m.what / 4)) })) }),
      ], m.where)(spec);
    default:
      return spec;
  }
}

/** The entry points' construct id: mostly fine, sometimes one cdktf cannot take (a glob, whitespace, an interpolation). */
const constructId: fc.Arbitrary<string> = fc.oneof({ weight: 9, arbitrary: fc.constant('p') }, { weight: 1, arbitrary: fc.constantFrom('a${x}', '%{x}', 'acme prod', '', 'x\n', 'a*') });

const mutatedSpec: fc.Arbitrary<PlatformSpec> = fc.tuple(baseSpec, fc.array(mutation, { minLength: 0, maxLength: 2 }))
  .map(([spec, ms]) => ms.reduce(mutate, spec));

const timings: string[] = [];

afterAll(() => {
  // eslint-disable-next-line no-console
  if (process.env.PROPERTY_TIMINGS) console.log(timings.join('\n'));
});

describe('property: the whole spec through both entry points (issue 17)', () => {
  test(`${CHEAP_RUNS} mutated specs: accepted, or a ValidationError naming paths; a rejection is the same at both entry points`, () => {
    const start = Date.now();
    let rejected = 0;
    fc.assert(fc.property(mutatedSpec, constructId, (spec, id) => {
      const validated = outcome(() => PlatformSpecValidator.validate(spec));
      expectNoCrash(validated, spec, 'PlatformSpecValidator.validate');
      if (validated.kind !== 'invalid' && id === 'p') return;
      rejected++;
      // both entry points validate (the id, then the spec) before building anything: a rejected spec is cheap to give them
      const k8s = outcome(() => new KubernetesPlatform(new App(), id, { spec }));
      const aws = outcome(() => new AwsPlatformStack(Testing.app(), id, { spec }));
      expectNoCrash(k8s, spec, 'KubernetesPlatform');
      expectNoCrash(aws, spec, 'AwsPlatformStack');
      expect([aws.kind, paths(aws)]).toEqual([k8s.kind, paths(k8s)]);
      if (id === 'p') expect([k8s.kind, paths(k8s)]).toEqual(['invalid', paths(validated)]);
      else expect(k8s.kind).toBe('invalid');
    }), { seed: SEED, numRuns: CHEAP_RUNS, endOnFailure: true });
    timings.push(`cheap: ${CHEAP_RUNS} specs (${rejected} rejected) in ${Date.now() - start} ms`);
    // the generator must exercise both sides of the property
    expect(rejected).toBeGreaterThan(CHEAP_RUNS / 4);
    expect(rejected).toBeLessThan(CHEAP_RUNS);
  });

  test(`${FULL_RUNS} mutated specs synthesized by both entry points: both agree; accepted output is schema-valid`, () => {
    const start = Date.now();
    let accepted = 0;
    fc.assert(fc.property(baseSpec, fc.array(mutation, { maxLength: 1 }), (base, ms) => {
      const spec = ms.reduce(mutate, base);
      let objects: any[] = [];
      const k8s = outcome(() => {
        objects = new KubernetesPlatform(new App(), 'p', { spec }).manifests().map((m) => m.resource);
      });
      let json = '';
      const aws = outcome(() => {
        json = Testing.synth(new AwsPlatformStack(Testing.app(), 'p', { spec }));
      });
      expectNoCrash(k8s, spec, 'KubernetesPlatform');
      expectNoCrash(aws, spec, 'AwsPlatformStack');
      expect({ kubernetes: paths(k8s), aws: paths(aws) }).toEqual({ kubernetes: paths(aws), aws: paths(k8s) });
      expect(k8s.kind).toBe(aws.kind);
      if (k8s.kind !== 'ok') return;
      accepted++;
      const m = manifests().validateObjects(objects);
      if (!m.ok) throw new Error(`manifests of an accepted spec are not schema-valid:\n${m.toString()}\nspec: ${show(spec)}`);
      const t = terraform().validateJson(json);
      if (!t.ok) throw new Error(`Terraform of an accepted spec is not valid:\n${t.toString()}\nspec: ${show(spec)}`);
    }), { seed: SEED, numRuns: FULL_RUNS, endOnFailure: true });
    timings.push(`full: ${FULL_RUNS} specs (${accepted} accepted, synthesized and schema-checked) in ${Date.now() - start} ms`);
    expect(accepted).toBeGreaterThan(FULL_RUNS / 4);
  });
});
