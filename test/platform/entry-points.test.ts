import { ApiObject, App as K8sApp, Lazy, Size } from 'cdk8s';
import { Testing as TfTesting } from 'cdktf';
import { smallSpec } from './fixtures';
import { ValidationError, ValidationErrors } from '../../src/core/errors';
import { GpuInstanceType } from '../../src/core/gpu-instance-type';
import { AwsPlatformStack } from '../../src/platform/aws-platform-stack';
import { KubernetesPlatform } from '../../src/platform/kubernetes-platform';
import { PlatformSpecValidator } from '../../src/platform/platform-spec-validator';

/**
 * Issue 17: both entry points run the same validation, first, with identical verdicts and problem paths.
 * Each case builds the broken variant of a valid spec; the expected paths are the ones the case is about
 * (others may be reported too, e.g. a quota that a broken model also exceeds, but never only by one side).
 */
const ADMIN = 'arn:aws:iam::123456789012:role/platform-admins';
const CASES: [family: string, name: string, patch: (s: any) => void, expected: string[]][] = [
  // wrong JS types, null entries, duck-typed enum values (before: TypeErrors deep inside the constructs)
  ['types', 'a string where a list is expected', (s) => { s.tenants = 'search'; }, ['tenants']],
  ['types', 'a null tenant', (s) => { s.tenants = [s.tenants[0], null]; }, ['tenants[1]']],
  ['types', 'a number as a string', (s) => { s.gpuPools[0].maxNodes = '4'; }, ['gpuPools[0].maxNodes']],
  ['types', 'a list where a struct is expected', (s) => { s.gitops = [s.gitops]; }, ['gitops']],
  ['types', 'a duck-typed GpuInstanceType', (s) => { s.gpuPools[0].instanceTypes = [{ name: 'g5.2xlarge', gpuCount: 1, gpuMemoryGiB: 24 }]; }, ['gpuPools[0].instanceTypes[0]']],
  ['types', 'a duck-typed ModelRuntime', (s) => { s.models[0].runtime = 'vllm'; }, ['models[0].runtime']],
  ['types', 'a missing required prop', (s) => { delete s.gitops; }, ['gitops']],
  ['types', 'a string where a Duration is expected', (s) => { s.models[0].startupTimeout = '10m'; }, ['models[0].startupTimeout']],
  // unknown enum strings (before: capacityType 'SPOT' silently On-Demand)
  ['enums', "capacityType 'SPOT' (the member's name, not its value)", (s) => { s.gpuPools[0].capacityType = 'SPOT'; }, ['gpuPools[0].capacityType']],
  ['enums', "capacityType 'reserved'", (s) => { s.gpuPools[0].capacityType = 'reserved'; }, ['gpuPools[0].capacityType']],
  ['enums', "policy engine 'KYVERNO'", (s) => { s.policy = { ...s.policy, engines: ['KYVERNO'] }; }, ['policy.engines[0]']],
  // reserved names
  ['reserved names', 'a tenant named kube-system', (s) => { s.tenants[0].name = 'kube-system'; s.models[0].tenant = 'kube-system'; }, ['tenants[0].name']],
  ['reserved names', 'a tenant named monitoring', (s) => { s.tenants.push({ name: 'monitoring' }); }, ['tenants[1].name']],
  ['reserved names', 'a tenant named cert-manager', (s) => { s.tenants.push({ name: 'cert-manager' }); }, ['tenants[1].name']],
  ['reserved names', 'the ingress in kube-system', (s) => { s.mesh = { ingressNamespace: 'kube-system' }; }, ['mesh.ingressNamespace']],
  // duplicates
  ['duplicates', 'one principal as admin and viewer', (s) => { s.cluster = { adminPrincipalArns: [ADMIN], viewerPrincipalArns: [ADMIN] }; }, ['cluster.viewerPrincipalArns[0]']],
  ['duplicates', 'an instance type twice', (s) => { s.gpuPools[0].instanceTypes = [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_2XLARGE]; }, ['gpuPools[0].instanceTypes[1]']],
  // ranges, URLs, control characters
  ['ranges', 'audit retention of 0 days', (s) => { s.audit = { retentionDays: 0 }; }, ['audit.retentionDays']],
  ['ranges', 'tracing at 150 percent', (s) => { s.mesh = { tracingSamplingPercentage: 150 }; }, ['mesh.tracingSamplingPercentage']],
  ['urls', 'a repo URL that is not a URL', (s) => { s.gitops = { repoUrl: 'not a url' }; }, ['gitops.repoUrl']],
  ['control characters', 'a newline in the Git revision', (s) => { s.gitops = { ...s.gitops, targetRevision: 'main\n' }; }, ['gitops.targetRevision']],
  // the construct-level rules of models[] (before: only KubernetesPlatform ran them; AwsPlatformStack synthesized)
  ['k8s-only before', 'gpuMemoryUtilization above 1', (s) => { s.models[0].gpuMemoryUtilization = 1.5; }, ['models[0].gpuMemoryUtilization']],
  ['k8s-only before', 'a negative maxModelLength', (s) => { s.models[0].maxModelLength = -1; }, ['models[0].maxModelLength']],
  ['k8s-only before', 'a negative rolloutSurge', (s) => { s.models[0].rolloutSurge = -1; }, ['models[0].rolloutSurge']],
  ['k8s-only before', 'no CPU', (s) => { s.models[0].cpu = 0; }, ['models[0].cpu']],
  ['k8s-only before', 'a weights volume under 1 GiB', (s) => { s.models[0].weightsVolumeSize = Size.mebibytes(10); }, ['models[0].weightsVolumeSize']],
  ['k8s-only before', 'an env name with a space', (s) => { s.models[0].env = { 'A B': 'x' }; }, ['models[0].env.A B']],
  ['k8s-only before', 'a version that is not a label', (s) => { s.models[0].version = 'V1!'; }, ['models[0].version']],
  ['k8s-only before', 'tensor parallelism over other GPUs than the replica has', (s) => { s.models[0].tensorParallelSize = 3; }, ['models[0].tensorParallelSize']],
  ['k8s-only before', 'root as the serving user', (s) => { s.models[0].runAsUser = 0; }, ['models[0].runAsUser']],
  ['k8s-only before', 'shared memory larger than the node', (s) => { s.models[0].sharedMemory = Size.gibibytes(1000); }, ['models[0].sharedMemory']],
  ['k8s-only before', 'memory of 1 MiB', (s) => { s.models[0].memory = Size.mebibytes(1); }, ['models[0].memory']],
  ['k8s-only before', 'no concurrency', (s) => { s.models[0].maxConcurrency = 0; }, ['models[0].maxConcurrency']],
  ['k8s-only before', 'an add-on mirror key of no add-on', (s) => { s.images = { ...s.images, addons: { ...s.images.addons, bad: s.images.awsCli } }; }, ['images.addons[bad]']],
];

function problemsOf(fn: () => void): { error: any; props: string[] } {
  try {
    fn();
  } catch (error: any) {
    return { error, props: ValidationErrors.problemsOf(error).map((p) => p.prop) };
  }
  return { error: undefined, props: [] };
}

function broken(patch: (s: any) => void): any {
  const s: any = smallSpec();
  patch(s);
  return s;
}

describe('both entry points agree on every invalid spec', () => {
  test('the table covers at least 25 specs over every family of the issue', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
    expect(new Set(CASES.map(([family]) => family))).toEqual(new Set([
      'types', 'enums', 'reserved names', 'duplicates', 'ranges', 'urls', 'control characters', 'k8s-only before',
    ]));
  });

  test.each(CASES)('%s: %s', (_family, _name, patch, expected) => {
    const k8s = problemsOf(() => new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec: broken(patch) }));
    const aws = problemsOf(() => new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec: broken(patch) }));
    // a ValidationError on both sides (never a TypeError, never nothing), naming the same paths
    expect(ValidationErrors.isValidationError(k8s.error)).toBe(true);
    expect(ValidationErrors.isValidationError(aws.error)).toBe(true);
    expect(aws.props).toEqual(k8s.props);
    expect(k8s.props).toEqual(expect.arrayContaining(expected));
    // the verdict is the spec validator's own
    expect(PlatformSpecValidator.problems(broken(patch)).map((p) => p.prop)).toEqual(k8s.props);
    // every message in the house grammar
    for (const p of ValidationErrors.problemsOf(k8s.error)) {
      expect(`'${p.prop}' ${p.problem}, got ${p.value}; ${p.fix}`).toMatch(/^'[^']+' [^,].*, got .+; \S/s);
    }
  });

  test('the valid spec passes both', () => {
    expect(problemsOf(() => new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec: smallSpec() })).error).toBeUndefined();
    expect(problemsOf(() => new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec: smallSpec() })).error).toBeUndefined();
  });
});

describe('the entry points validate before they build anything', () => {
  test('AwsPlatformStack validates before super(): a bad spec leaves the app empty', () => {
    const app = TfTesting.app();
    const { error } = problemsOf(() => new AwsPlatformStack(app, 'acme-llm', { spec: broken((s) => { s.name = 'Acme LLM'; }) }));
    expect(ValidationErrors.isValidationError(error)).toBe(true);
    expect(error.message).toMatch(/^acme-llm: 'name' must be a DNS-1123 label/);
    expect(app.node.children).toHaveLength(0);
  });

  test.each(['acme-${llm}', 'acme llm', 'acme*', 'acme[1]', ''])('a construct id %p is a ValidationError on both sides, not a cdktf error', (id) => {
    const aws = problemsOf(() => new AwsPlatformStack(TfTesting.app(), id, { spec: smallSpec() }));
    const k8s = problemsOf(() => new KubernetesPlatform(new K8sApp(), id, { spec: smallSpec() }));
    expect(aws.props).toEqual(['id']);
    expect(k8s.props).toEqual(['id']);
    expect(aws.error.message).toContain("'id' must be a non-empty construct id without whitespace or the characters * ? [ ] { } !");
  });

  test.each([
    ['nothing', undefined],
    ['a string', 'acme'],
    ['a spec instead of props', smallSpec()],
  ])('props that are %s: one ValidationError naming the prop', (_name, props) => {
    const aws = problemsOf(() => new AwsPlatformStack(TfTesting.app(), 'acme-llm', props as any));
    const k8s = problemsOf(() => new KubernetesPlatform(new K8sApp(), 'acme-llm', props as any));
    expect(ValidationErrors.isValidationError(aws.error)).toBe(true);
    expect(aws.props).toEqual(k8s.props);
    expect(aws.props).toEqual([props === undefined || typeof props === 'string' ? 'props' : 'spec']);
  });

  test('every wrong serving option of a model in one round (the constructs stop at their first)', () => {
    const spec = broken((s) => {
      s.models[0] = { ...s.models[0], gpuMemoryUtilization: 1.5, cpu: 0, memory: Size.mebibytes(1), version: 'V1!', maxConcurrency: 0 };
    });
    const k8s = problemsOf(() => new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec }));
    const aws = problemsOf(() => new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec }));
    expect(aws.props).toEqual(k8s.props);
    expect([...k8s.props].sort()).toEqual([
      'models[0].cpu', 'models[0].gpuMemoryUtilization', 'models[0].maxConcurrency', 'models[0].memory', 'models[0].version',
    ]);
  });

  test('a spec mistake and a construct-level one are reported in one round', () => {
    const spec = broken((s) => { s.gitops = { repoUrl: 'not a url' }; s.models[0].gpuMemoryUtilization = 1.5; });
    const { props } = problemsOf(() => new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec }));
    expect(props).toEqual(expect.arrayContaining(['gitops.repoUrl', 'models[0].gpuMemoryUtilization']));
  });
});

describe('one spec object validated once for both entry points', () => {
  test('the second entry point skips the whole-spec validation of an unchanged spec', () => {
    const spec = smallSpec();
    const validate = jest.spyOn(PlatformSpecValidator, 'validate');
    try {
      new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec });
      new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec });
      expect(validate).toHaveBeenCalledTimes(1);
      // another object with the same content is validated
      new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec: smallSpec() });
      expect(validate).toHaveBeenCalledTimes(2);
    } finally {
      validate.mockRestore();
    }
  });

  test.each<[string, (s: any) => void, string]>([
    ['a plain field', (s) => { s.tenants[0].name = 'Search'; }, 'tenants[0].name'],
    ['a model option', (s) => { s.models[0].gpuMemoryUtilization = 1.5; }, 'models[0].gpuMemoryUtilization'],
    ['a field of a class instance', (s) => { s.models[0].weights.prefix = 'models/../secrets/'; }, 'models[0].weights'],
  ])('a spec changed after the first entry point (%s) is validated again', (_name, change, prop) => {
    const spec = smallSpec();
    new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec });
    change(spec);
    const { props } = problemsOf(() => new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec }));
    expect(props.some((p: string) => p.startsWith(prop))).toBe(true);
  });

  test('an invalid spec is reported by every entry point', () => {
    const spec = broken((s) => { s.name = 'Acme LLM'; });
    expect(problemsOf(() => new AwsPlatformStack(TfTesting.app(), 'acme-llm', { spec })).props).toEqual(['name']);
    expect(problemsOf(() => new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec })).props).toEqual(['name']);
  });
});

describe('errors thrown while cdk8s serializes arrive as ValidationErrors', () => {
  test('a lazy value that throws: cdk8s wraps it ("Failed serializing construct"), the platform hands over the original', () => {
    const platform = new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec: smallSpec() });
    const object = new ApiObject(platform.chartFor('search'), 'Late', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late' },
      data: Lazy.any({ produce: () => { throw new ValidationError('data', 'must be known at synth', 'later', 'set it before synth'); } }),
    });
    // the broken variant: what cdk8s itself throws
    expect(() => object.toJson()).toThrow(/^Failed serializing construct at path 'acme-llm\/search\/Late'/);
    const { error, props } = problemsOf(() => platform.manifests());
    expect(ValidationErrors.isValidationError(error)).toBe(true);
    expect(props).toEqual(['data']);
    expect(error.message).toBe("'data' must be known at synth, got 'later'; set it before synth");
  });

  test('other serialization errors are left as cdk8s reports them', () => {
    const platform = new KubernetesPlatform(new K8sApp(), 'acme-llm', { spec: smallSpec() });
    new ApiObject(platform.chartFor('search'), 'Broken', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'broken' },
      data: Lazy.any({ produce: () => { throw new RangeError('boom'); } }),
    });
    expect(() => platform.manifests()).toThrow(/^Failed serializing construct at path 'acme-llm\/search\/Broken' with name '.*': RangeError: boom/);
  });
});
