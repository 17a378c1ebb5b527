/**
 * Issue 16: a minimal spec (one pool, one tenant, one model, images mirrored) synthesizes with ZERO user
 * exceptions. The library's own GPU agents carry the library's own exception (policy.BuiltInExceptions):
 * visible in the output, owned by the library and versioned with it (no expiry date), opt-out with
 * `policy.builtInExceptions: false`; user exceptions keep owner and expiry.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { ValidationContext } from 'cdk8s-cli/plugins';
import * as YAML from 'yaml';
import { ADDON_MIRRORS, DIGEST, GPU_AGENT_EXCEPTION, REGISTRY } from './fixtures';
import { PolicyValidationPlugin, SchemaValidationPlugin } from '../../src';
import { GpuInstanceType, ModelRuntime } from '../../src/core';
import { ModelSource } from '../../src/k8s';
import { KubernetesPlatform, PlatformNames, PlatformSpec } from '../../src/platform';
import { BuiltInExceptions, PolicyCatalogue, PolicyEngine, PolicyEvaluator, PolicyException, PolicyExceptionProps } from '../../src/policy';
import { PlatformTwin } from '../../src/twin';
import { tempDir } from '../util';

/** One pool, one tenant, one model, every image mirrored: no `policy` at all. */
function minimalSpec(policy?: PlatformSpec['policy']): PlatformSpec {
  return {
    name: 'acme-llm',
    environment: 'dev',
    region: 'us-east-1',
    accountId: '123456789012',
    gpuPools: [{ name: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], minNodes: 3, maxNodes: 3 }],
    tenants: [{ name: 'search', gpuQuota: 3 }],
    models: [{
      name: 'llama3-8b',
      tenant: 'search',
      runtime: ModelRuntime.VLLM,
      image: `${REGISTRY}/acme-llm/vllm${DIGEST}`,
      weights: ModelSource.modelStore('models/llama3-8b/', '2024-06-01'),
      gpuPool: 'a10g',
      replicas: { min: 1, max: 2 },
    }],
    images: {
      awsCli: `${REGISTRY}/mirror/aws-cli${DIGEST}`,
      nvidiaDevicePlugin: `${REGISTRY}/mirror/k8s-device-plugin${DIGEST}`,
      dcgmExporter: `${REGISTRY}/mirror/dcgm-exporter${DIGEST}`,
      addons: ADDON_MIRRORS,
    },
    gitops: { repoUrl: 'https://git.example.com/acme/platform-gitops.git' },
    ...(policy ? { policy } : {}),
  };
}

const AGENTS = [BuiltInExceptions.NVIDIA_DEVICE_PLUGIN, BuiltInExceptions.DCGM_EXPORTER];

function build(policy?: PlatformSpec['policy']) {
  const outdir = tempDir('minimal-spec-');
  const platform = new KubernetesPlatform(new App({ outdir }), 'acme-llm', { spec: minimalSpec(policy) });
  return { platform, outdir };
}

const objectsIn = (outdir: string, files: string[]) => files.map((f) => YAML.parse(fs.readFileSync(path.join(outdir, f), 'utf-8')));

async function runPlugin(plugin: { validate(context: any): Promise<void> }, files: string[]) {
  const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
  await plugin.validate(context);
  return context.report;
}

describe('a minimal spec synthesizes with zero user exceptions (issue 16)', () => {
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  test.each([
    ['default engine (ValidatingAdmissionPolicy)', undefined],
    ['ValidatingAdmissionPolicy + Kyverno', { engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO] }],
    ['Kyverno', { engines: [PolicyEngine.KYVERNO] }],
  ])('%s: synth passes, the only exceptions are the library\'s, the GPU agents are admitted without a warning', (_name, policy) => {
    const { platform, outdir } = build(policy);
    const files = platform.synth();
    expect(files.length).toBeGreaterThan(20);
    expect(platform.policySet.exceptions.map((e) => [e.namespace, e.kind, e.name, e.owner, e.expires])).toEqual([
      [PlatformNames.GPU_NAMESPACE, 'DaemonSet', 'nvidia-device-plugin', 'cdk-llm-platform', '9999-12-31'],
      [PlatformNames.GPU_NAMESPACE, 'DaemonSet', 'dcgm-exporter', 'cdk-llm-platform', '9999-12-31'],
    ]);
    const report = platform.evaluatePolicies();
    expect(report.errors).toEqual([]);
    expect(report.warnings.filter((w) => w.namespace === PlatformNames.GPU_NAMESPACE)).toEqual([]);
    // the twin admits the agents' pods (it evaluates with the platform's policy set and its exceptions)
    const twin = platform.twin();
    expect(twin.problems).toEqual([]);
    expect(twin.admission.passed).toBe(twin.admission.checked);
    expect(fs.existsSync(path.join(outdir, 'dev', 'gpu', 'DaemonSet.nvidia-device-plugin.k8s.yaml'))).toBe(true);
  });

  test('the documented cdk8s.yaml plugins (package root, registries only, no exception) pass the output; defect: without the built-ins they fail on the agents', async () => {
    const { platform, outdir } = build();
    const files = platform.synth().map((f) => path.join(outdir, f));
    const policy = await runPlugin(new PolicyValidationPlugin({ allowedRegistries: [REGISTRY] }), files);
    expect(policy.toJson().violations).toEqual([]);
    expect(policy.success).toBe(true);
    const schema = await runPlugin(new SchemaValidationPlugin({ kubernetesVersions: ['1.28', '1.34'] }), files);
    expect(schema.toJson().violations).toEqual([]);

    const without = await runPlugin(new PolicyValidationPlugin({ allowedRegistries: [REGISTRY], builtInExceptions: false }), files);
    expect(without.success).toBe(false);
    const broken = without.toJson().violations.flatMap((v) => v.violatingConstructs.map((c) => `${v.ruleName.split(':')[0]} ${c.resourceName}`)).sort();
    expect(broken).toEqual([
      'LLM-PSS-006 apps/v1/DaemonSet nvidia-gpu/dcgm-exporter',
      'LLM-PSS-006 apps/v1/DaemonSet nvidia-gpu/nvidia-device-plugin',
      'LLM-PSS-012 apps/v1/DaemonSet nvidia-gpu/dcgm-exporter',
      'LLM-PSS-012 apps/v1/DaemonSet nvidia-gpu/nvidia-device-plugin',
      'LLM-RES-002 apps/v1/DaemonSet nvidia-gpu/nvidia-device-plugin',
      'LLM-SEC-001 apps/v1/DaemonSet nvidia-gpu/dcgm-exporter',
    ]);
  });

  test('visible in the output: the agents\' DaemonSets say so, and Kyverno gets a PolicyException with owner, reason and no expiry', () => {
    const { platform, outdir } = build({ engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO] });
    const objects = objectsIn(outdir, platform.synth());
    for (const name of AGENTS) {
      const ds = objects.find((o) => o.kind === 'DaemonSet' && o.metadata.name === name);
      const exception = BuiltInExceptions.gpuAgents().find((e) => e.name === name)!;
      expect(ds.metadata.annotations).toEqual(expect.objectContaining({
        'policy.llm-platform.io/built-in-exception': `${exception.ruleIds.join(',')} (owner cdk-llm-platform)`,
        'policy.llm-platform.io/built-in-exception-reason': expect.stringMatching(/^Built into cdk-llm-platform \(no user action needed\).*policy.builtInExceptions: false\.$/),
      }));
      const kyverno = objects.find((o) => o.kind === 'PolicyException' && o.metadata.name === `nvidia-gpu-daemonset-${name}`);
      expect(kyverno.metadata.namespace).toBe('policy-exceptions');
      expect(kyverno.metadata.annotations).toEqual(expect.objectContaining({
        'policy.llm-platform.io/owner': 'cdk-llm-platform',
        'policy.llm-platform.io/expires': '9999-12-31',
        'policy.llm-platform.io/rule-ids': exception.ruleIds.join(','),
        'policy.llm-platform.io/reason': exception.reason,
      }));
    }
    // the namespace the Kyverno exceptions live in is part of the output
    expect(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'policy-exceptions')).toBe(true);
  });

  test('opt-out (policy.builtInExceptions: false): no built-in exception, annotation or PolicyException; the agents are audited again; the user can own the exception', () => {
    const { platform, outdir } = build({ builtInExceptions: false, engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO] });
    const objects = objectsIn(outdir, platform.synth());
    expect(platform.policySet.exceptions).toEqual([]);
    expect(objects.filter((o) => o.kind === 'PolicyException')).toEqual([]);
    expect(objects.some((o) => o.kind === 'Namespace' && o.metadata.name === 'policy-exceptions')).toBe(false);
    expect(objects.filter((o) => o.kind === 'DaemonSet').map((o) => o.metadata.annotations?.['policy.llm-platform.io/built-in-exception'])).toEqual([undefined, undefined]);
    expect(platform.evaluatePolicies().warnings.filter((w) => w.namespace === PlatformNames.GPU_NAMESPACE).map((w) => `${w.ruleId} ${w.name}`).sort())
      .toEqual(['LLM-RES-002 nvidia-device-plugin', 'LLM-SEC-001 dcgm-exporter']);
    const owned = build({ builtInExceptions: false, exceptions: [GPU_AGENT_EXCEPTION], referenceDate: '2025-06-01' }).platform;
    expect(owned.policySet.exceptions.map((e) => e.owner)).toEqual(['platform-team']);
    expect(owned.evaluatePolicies().warnings.filter((w) => w.namespace === PlatformNames.GPU_NAMESPACE)).toEqual([]);
  });

  test('user exceptions keep owner and expiry next to the built-ins; the built-ins never expire on their own', () => {
    const expired = { ...GPU_AGENT_EXCEPTION, namespace: 'search', kind: 'Deployment', name: 'llama3-8b', expires: '2025-01-01' };
    expect(() => build({ exceptions: [expired], referenceDate: '2025-06-01' })).toThrow(/expire/);
    // a build far in the future still passes: the library's own exceptions are versioned with it, not dated
    const { platform } = build({ referenceDate: '2999-12-31' });
    expect(platform.verify()).toEqual([]);
    expect(platform.policySet.exceptions.every((e) => BuiltInExceptions.isBuiltIn(e))).toBe(true);
    expect(BuiltInExceptions.isBuiltIn(GPU_AGENT_EXCEPTION)).toBe(false);
  });

  test('the library keeps its exceptions exact: each names one agent and exactly the rules that agent breaks in the full baseline', () => {
    const { platform, outdir } = build({ builtInExceptions: false });
    const objects = objectsIn(outdir, platform.synth());
    const agents = objects.filter((o) => o.kind === 'DaemonSet' && o.metadata.namespace === PlatformNames.GPU_NAMESPACE);
    expect(agents.map((o) => o.metadata.name).sort()).toEqual([...AGENTS].sort());
    // every rule everywhere (no platform profile, no exception): what the agents break by design
    const evaluator = new PolicyEvaluator({ rules: PolicyCatalogue.baseline({ allowedRegistries: [REGISTRY] }) });
    const broken = new Map<string, string[]>();
    for (const v of evaluator.evaluate(agents).violations) broken.set(v.name, [...(broken.get(v.name) ?? []), v.ruleId]);
    const builtIns = BuiltInExceptions.gpuAgents(PlatformNames.GPU_NAMESPACE);
    expect(builtIns.map((e) => [e.name, e.ruleIds])).toEqual(AGENTS.map((name) => [name, [...new Set(broken.get(name))].sort()]));
    for (const e of builtIns) {
      expect(e).toEqual(expect.objectContaining({ namespace: PlatformNames.GPU_NAMESPACE, kind: 'DaemonSet', owner: BuiltInExceptions.OWNER, expires: BuiltInExceptions.NO_EXPIRY }));
    }
  });

  test('the twin admits the agents\' pods through the built-in exceptions (every rule everywhere: without them it reports the agents)', () => {
    const { platform, outdir } = build();
    const objects = objectsIn(outdir, platform.synth());
    const rules = PolicyCatalogue.baseline({ allowedRegistries: [REGISTRY] });
    const admissionOf = (exceptions: PolicyExceptionProps[]) => PlatformTwin.check(objects, {
      policy: new PolicyEvaluator({ rules, exceptions: exceptions.map((e) => new PolicyException(e)) }),
      region: 'us-east-1',
    }).problems.filter((p) => p.check === 'admission' && p.object.includes(PlatformNames.GPU_NAMESPACE));
    expect(admissionOf(BuiltInExceptions.gpuAgents())).toEqual([]);
    const without = admissionOf([]);
    expect([...new Set(without.map((p) => p.object))].sort()).toEqual(['DaemonSet nvidia-gpu/dcgm-exporter', 'DaemonSet nvidia-gpu/nvidia-device-plugin']);
  });

  test('a user exception for the same agent replaces the built-in one (no duplicate-target error for apps that wrote it themselves)', () => {
    const mine = { ...BuiltInExceptions.gpuAgents()[1], owner: 'platform-team', reason: 'ours', ticket: 'SEC-1', expires: '2099-12-31' };
    const { platform } = build({ exceptions: [mine], referenceDate: '2025-06-01' });
    expect(platform.policySet.exceptions.map((e) => `${e.name} ${e.owner}`)).toEqual(['nvidia-device-plugin cdk-llm-platform', 'dcgm-exporter platform-team']);
    expect(platform.verify()).toEqual([]);
  });

  test('built-ins name only rules of the policy set (rule ids filtered, an exception left without rules dropped)', () => {
    expect(BuiltInExceptions.gpuAgents('gpu', ['LLM-RES-002']).map((e) => [e.namespace, e.name, e.ruleIds])).toEqual([['gpu', 'nvidia-device-plugin', ['LLM-RES-002']]]);
    expect(BuiltInExceptions.gpuAgents(undefined, [])).toEqual([]);
    // the plugin with rules disabled still loads (no exception for a rule it does not evaluate)
    expect(() => new PolicyValidationPlugin({ disabledRules: ['LLM-RES-002', 'LLM-SEC-001'] })).not.toThrow();
  });
});
