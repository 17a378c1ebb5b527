import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import { DcgmExporter, NvidiaDevicePlugin } from '../../src/k8s';
import { BuiltInExceptions, PolicyValidationPlugin } from '../../src/policy';
import { tempDir } from '../util';
import { ECR, entitledNamespace, hardenedModelServer, variant } from './fixtures';

function context(objects: any[]) {
  const dir = tempDir('policy-plugin-');
  const file = path.join(dir, 'app.k8s.yaml');
  fs.writeFileSync(file, objects.map((o) => YAML.stringify(o)).join('---\n'));
  const violations: any[] = [];
  const logs: string[] = [];
  const submitted: any[] = [];
  return {
    file,
    violations,
    logs,
    submitted,
    ctx: {
      manifests: [file],
      report: { addViolation: (v: any) => violations.push(v), submit: (status: string, meta: any) => submitted.push({ status, meta }) },
      logger: { log: (m: string) => logs.push(m) },
    },
  };
}

describe('PolicyValidationPlugin', () => {
  test('compliant manifests succeed', async () => {
    const c = context([entitledNamespace(), hardenedModelServer()]);
    await new PolicyValidationPlugin({ allowedRegistries: [ECR] }).validate(c.ctx);
    expect(c.violations).toEqual([]);
    expect(c.submitted).toEqual([{ status: 'success', meta: { objects: '1', errors: '0', warnings: '0' } }]);
  });

  test('enforce violations fail with rule id, object, file and compliance refs; audit ones are logged', async () => {
    const bad = variant(hardenedModelServer(), (d) => {
      d.spec.template.spec.containers[0].securityContext.privileged = true;
      d.spec.template.spec.containers[0].image = 'docker.io/vllm/vllm-openai:latest';
    });
    const c = context([entitledNamespace(), bad]);
    await new PolicyValidationPlugin({ allowedRegistries: [ECR], actions: { 'LLM-IMG-002': 'audit' }, disabledRules: ['LLM-IMG-001'] }).validate(c.ctx);
    expect(c.violations.map((v) => v.ruleName)).toEqual(['LLM-IMG-003: Images come from allowed registries', 'LLM-PSS-001: Containers must not run privileged']);
    expect(c.violations[1]).toEqual({
      ruleName: 'LLM-PSS-001: Containers must not run privileged',
      recommendation: expect.stringContaining('CIS EKS 4.2.1'),
      fix: 'containers must not set securityContext.privileged=true, or add a PolicyException (owner, reason, expiry) for LLM-PSS-001',
      violatingResources: [{ resourceName: 'apps/v1/Deployment search/llama3-8b', locations: ['[LLM-PSS-001] containers must not set securityContext.privileged=true'], manifestPath: c.file }],
    });
    expect(c.logs).toContain("warning: apps/v1/Deployment search/llama3-8b: [LLM-IMG-002] images must name a tag other than 'latest' or a digest");
    expect(c.submitted[0].status).toBe('failure');
  });

  test('exceptions from properties; a bad action is an error', async () => {
    const bad = variant(hardenedModelServer(), (d) => d.spec.template.spec.containers[0].securityContext.privileged = true);
    const c = context([entitledNamespace(), bad]);
    await new PolicyValidationPlugin({
      exceptions: [{ ruleIds: ['LLM-PSS-001'], namespace: 'search', kind: 'Deployment', name: 'llama3-8b', owner: 'search-team', reason: 'debug', expires: '2999-01-01' }],
    }).validate(c.ctx);
    expect(c.submitted[0].status).toBe('success');
    expect(() => new PolicyValidationPlugin({ actions: { 'LLM-PSS-001': 'block' } })).toThrow(/'actions.LLM-PSS-001' is not an action, got 'block'; use one of: enforce, warn, audit/);
  });

  test('platform namespaces get the platform profile (defect 1), from properties', async () => {
    const bad = variant(hardenedModelServer(), (d) => {
      d.metadata.namespace = 'monitoring';
      const c = d.spec.template.spec.containers[0];
      delete c.resources.requests['nvidia.com/gpu']; // no GPUs outside GPU-entitled namespaces, platform ones included
      delete c.resources.limits['nvidia.com/gpu'];
      c.securityContext.privileged = true;
      c.securityContext.readOnlyRootFilesystem = false;
    });
    const c = context([bad]);
    await new PolicyValidationPlugin({ platformNamespaces: ['monitoring'] }).validate(c.ctx);
    expect(c.submitted[0].status).toBe('success'); // LLM-PSS-001 is left to Pod Security admission there
    expect(c.logs.filter((l) => l.startsWith('warning:'))).toEqual([expect.stringContaining('[LLM-SEC-001]')]);
    const strict = context([bad]);
    await new PolicyValidationPlugin({ platformNamespaces: ['monitoring'], platformActions: { 'LLM-PSS-001': 'enforce' } }).validate(strict.ctx);
    expect(strict.violations.map((v) => v.ruleName)).toEqual([expect.stringMatching(/^LLM-PSS-001/)]);
    expect(() => new PolicyValidationPlugin({ platformActions: { 'LLM-PSS-001': 'block' } })).toThrow(/'platformActions.LLM-PSS-001' is not an action, got 'block'/);
  });

  test('unreadable and malformed manifests are a violation, not a crash (issue 16)', async () => {
    const c = context([entitledNamespace(), hardenedModelServer()]);
    const dir = path.dirname(c.file);
    const bad = path.join(dir, 'bad.k8s.yaml');
    fs.writeFileSync(bad, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\nkind: [\n');
    const missing = path.join(dir, 'missing.k8s.yaml');
    c.ctx.manifests.push(bad, missing, dir);
    await new PolicyValidationPlugin({ allowedRegistries: [ECR] }).validate(c.ctx);
    expect(c.submitted[0].status).toBe('failure');
    expect(c.violations).toEqual([{
      ruleName: 'manifests: unreadable or malformed YAML',
      recommendation: expect.any(String),
      fix: expect.any(String),
      violatingResources: [
        { resourceName: bad, locations: [expect.stringMatching(/^YAML error in document 2: /)], manifestPath: bad },
        { resourceName: missing, locations: [expect.stringMatching(/^cannot read: ENOENT/)], manifestPath: missing },
        { resourceName: dir, locations: [expect.stringMatching(/^cannot read: EISDIR/)], manifestPath: dir },
      ],
    }]);
    // the readable objects were still evaluated
    expect(c.submitted[0].meta.objects).toBe('1');
  });

  test('the library\'s GPU agents pass with the built-in exceptions; builtInExceptions: false evaluates them like any workload (issue 16)', async () => {
    const chart = new Chart(Testing.app(), 'gpu');
    new NvidiaDevicePlugin(chart, 'DevicePlugin', { namespace: BuiltInExceptions.GPU_NAMESPACE, image: `${ECR}/mirror/k8s-device-plugin@sha256:${'a'.repeat(64)}` });
    new DcgmExporter(chart, 'Dcgm', { namespace: BuiltInExceptions.GPU_NAMESPACE, image: `${ECR}/mirror/dcgm-exporter@sha256:${'b'.repeat(64)}` });
    const objects = Testing.synth(chart);
    const withBuiltIns = context(objects);
    await new PolicyValidationPlugin({ allowedRegistries: [ECR] }).validate(withBuiltIns.ctx);
    expect(withBuiltIns.violations).toEqual([]);
    expect(withBuiltIns.submitted[0].status).toBe('success');
    const without = context(objects);
    await new PolicyValidationPlugin({ allowedRegistries: [ECR], builtInExceptions: false }).validate(without.ctx);
    expect(without.violations.map((v) => `${v.ruleName.split(':')[0]} ${v.violatingResources.map((r: any) => r.resourceName).join(',')}`)).toEqual([
      'LLM-PSS-006 apps/v1/DaemonSet nvidia-gpu/nvidia-device-plugin,apps/v1/DaemonSet nvidia-gpu/dcgm-exporter',
      'LLM-PSS-012 apps/v1/DaemonSet nvidia-gpu/nvidia-device-plugin,apps/v1/DaemonSet nvidia-gpu/dcgm-exporter',
      'LLM-RES-002 apps/v1/DaemonSet nvidia-gpu/nvidia-device-plugin',
      'LLM-SEC-001 apps/v1/DaemonSet nvidia-gpu/dcgm-exporter',
    ]);
    // the agents' names are the constructs' own
    expect([BuiltInExceptions.NVIDIA_DEVICE_PLUGIN, BuiltInExceptions.DCGM_EXPORTER]).toEqual([
      new NvidiaDevicePlugin(new Chart(Testing.app(), 'a'), 'x').name, new DcgmExporter(new Chart(Testing.app(), 'b'), 'y').name,
    ]);
  });
});
