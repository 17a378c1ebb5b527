import { ValidationError } from '../../src/core/errors';
import { KubernetesVersion } from '../../src/core/kubernetes-version';
import { PolicyCatalogue } from '../../src/policy/policy-catalogue';
import { PolicyEvaluator } from '../../src/policy/policy-evaluator';
import { NodePoolScaling, PlatformTwin } from '../../src/twin';

/** A namespace with a Pod Security level and, optionally, Istio injection. */
function namespace(name: string, level: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': level, ...labels } } };
}

const RESTRICTED_CONTAINER = {
  name: 'app',
  image: 'registry.example.com/app@sha256:' + 'a'.repeat(64),
  securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsNonRoot: true, readOnlyRootFilesystem: true, seccompProfile: { type: 'RuntimeDefault' } },
  resources: { requests: { cpu: '1', memory: '1Gi' }, limits: { cpu: '1', memory: '1Gi' } },
};

function deployment(name: string, ns: string, container: any = RESTRICTED_CONTAINER, replicas = 2): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { automountServiceAccountToken: false, containers: [container] } },
    },
  };
}

function daemonSet(name: string, ns: string, container: any): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: ns },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [container] } } },
  };
}

describe('PlatformTwin.check', () => {
  test('a compliant Deployment in a restricted namespace is admitted', () => {
    const report = PlatformTwin.check([namespace('apps', 'restricted'), deployment('web', 'apps')]);
    expect(report.admission.checked).toBe(1);
    expect(report.admission.passed).toBe(1);
    expect(report.problems.filter((p) => p.check === 'admission')).toEqual([]);
    expect(report.podCount).toBe(1);
  });

  test('the pods a DaemonSet controller makes are checked against their namespace Pod Security level', () => {
    const hostPath = { ...RESTRICTED_CONTAINER, name: 'agent', volumeMounts: [{ name: 'sock', mountPath: '/var/lib/kubelet' }] };
    const ds = daemonSet('agent', 'gpu', hostPath);
    ds.spec.template.spec.volumes = [{ name: 'sock', hostPath: { path: '/var/lib/kubelet' } }];
    const report = PlatformTwin.check([namespace('gpu', 'baseline'), ds]);
    const problems = report.problems.filter((p) => p.check === 'admission');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ object: 'DaemonSet gpu/agent', field: 'spec.template', value: "'hostPathVolumes'" });
    expect(problems[0].problem).toMatch(/^makes pods that Pod Security admission denies in namespace gpu \(enforce baseline:latest\): hostPath volumes/);
    // the same pods are admitted where the namespace is privileged
    expect(PlatformTwin.check([namespace('gpu', 'privileged'), ds]).admission.passed).toBe(1);
  });

  test('Pod Security admission follows the cluster release (kubernetesVersion): the image volume is restricted-safe from 1.33', () => {
    const d = deployment('model', 'apps');
    d.spec.template.spec.volumes = [{ name: 'weights', image: { reference: 'registry.example.com/weights@sha256:' + 'b'.repeat(64) } }];
    const ns = namespace('apps', 'restricted');
    const on = (v?: KubernetesVersion) => PlatformTwin.check([ns, d], { kubernetesVersion: v }).problems.filter((p) => p.check === 'admission');
    expect(on(KubernetesVersion.V1_33)).toEqual([]);
    expect(on()).toEqual([]); // default: KubernetesVersion.DEFAULT (1.34)
    const old = on(KubernetesVersion.V1_32);
    expect(old).toHaveLength(1);
    expect(old[0]).toMatchObject({ object: 'Deployment apps/model', value: "'restrictedVolumes'" });
  });

  test('the enforce policy set is evaluated on the pods (not only on their templates)', () => {
    const latest = { ...RESTRICTED_CONTAINER, image: 'registry.example.com/app:latest' };
    const policy = new PolicyEvaluator({ rules: [PolicyCatalogue.IMAGE_DIGEST], today: '2026-12-04' });
    const report = PlatformTwin.check([namespace('apps', 'restricted'), deployment('web', 'apps', latest)], { policy });
    const problems = report.problems.filter((p) => p.check === 'admission');
    expect(problems).toHaveLength(1);
    expect(problems[0].object).toBe('Deployment apps/web');
    expect(problems[0].problem).toMatch(/^makes pods that LLM-IMG-001 \(.*\) denies: /);
    expect(problems[0].fix).toMatch(/add a policy exception \(owner, reason, expiry\) for LLM-IMG-001/);
    expect(report.ok).toBe(false);
    expect(report.validationProblems[0].prop).toBe('Deployment apps/web spec.template');
  });

  test('the summary names every check family, capacity and bootstrap lines, what is not modelled and each problem', () => {
    const report = PlatformTwin.check([namespace('apps', 'restricted'), deployment('web', 'apps')]);
    const lines = report.summaryLines('> ');
    expect(lines[0]).toMatch(/^> pods admitted 1\/1, flows allowed \d+\/\d+, references resolved \d+\/\d+$/);
    expect(lines[1]).toMatch(/^> capacity: pools ok \d+\/\d+; bootstrap: steps ok \d+\/\d+$/);
    expect(lines.some((l) => /^> not modelled: /.test(l))).toBe(true);
    expect(lines[lines.length - 1 - report.problems.length]).toBe(`> problems: ${report.problems.length}`);
    expect(report.toString().split('\n')[0]).toMatch(/^pods admitted/);
  });

  test('odd objects are never a crash: they are skipped or reported as not modelled', () => {
    const odd = [null, 5, 'x', { kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', metadata: { name: 'a', namespace: 'argocd' }, spec: 5 },
      { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w', namespace: 'apps' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } }];
    const report = PlatformTwin.check(odd);
    expect(report.checks.map((c) => c.name)).toEqual(['admission', 'flows', 'references', 'capacity', 'bootstrap']);
    expect(report.notModelled.some((n) => n.includes('Widget apps/w'))).toBe(true);
  });

  test('is deterministic', () => {
    const objects = [namespace('apps', 'restricted'), deployment('web', 'apps'), deployment('api', 'apps', { ...RESTRICTED_CONTAINER, image: 'x:latest' })];
    const a = PlatformTwin.check(JSON.parse(JSON.stringify(objects))).toString();
    const b = PlatformTwin.check(JSON.parse(JSON.stringify(objects))).toString();
    expect(a).toBe(b);
  });

  describe('options', () => {
    test('defaults', () => {
      const report = PlatformTwin.check([]);
      expect(report.ok).toBe(true);
      expect(report.podCount).toBe(0);
      expect(report.capacity.checked).toBe(0);
    });

    test.each([
      [{ nodePools: [{ name: '', minNodes: 0, maxNodes: 1 }] }, "'nodePools[0].name' must be a non-empty string, got ''; name the pool"],
      [{ nodePools: [{ name: 'a', minNodes: -1, maxNodes: 1 }] }, "'nodePools[0].minNodes' must be a whole number of at least 0, got -1; set minNodes of pool a"],
      [{ nodePools: [{ name: 'a', minNodes: 2, maxNodes: 1 }] }, "'nodePools[0].maxNodes' must be at least minNodes (2), got 1; raise maxNodes or lower minNodes"],
      [{ nodePools: [{ name: 'a', minNodes: 1, maxNodes: 1, gpusPerNode: 1.5 }] }, "'nodePools[0].gpusPerNode' must be a whole number of at least 0, got 1.5; set gpusPerNode of pool a"],
      [{ nodePools: [{ name: 'a', minNodes: 1, maxNodes: 1, scaling: 'sometimes' as any }] }, "'nodePools[0].scaling' must be a NodePoolScaling, got 'sometimes'; use NodePoolScaling.NONE, NodePoolScaling.CLUSTER_AUTOSCALER or NodePoolScaling.KARPENTER"],
      [{ nodePools: [{ name: 'a', minNodes: 1, maxNodes: 1, taints: ['gpu'] }] }, "'nodePools[0].taints[0]' must be `key=value:Effect` or `key:Effect` (NoSchedule, PreferNoSchedule or NoExecute), got 'gpu'; write the taint as kubectl taint does"],
      [{ layoutDirectories: ['a', 'b'] }, "'layoutDirectories' must list one directory per object (0), got 2; pass the directory of every object in the same order, or leave layoutDirectories unset"],
    ])('bad option %j fails with a ValidationError', (options, message) => {
      expect(() => PlatformTwin.check([], options as any)).toThrow(ValidationError);
      expect(() => PlatformTwin.check([], options as any)).toThrow(message);
    });

    test('objects must be a list', () => {
      expect(() => PlatformTwin.check('x' as any)).toThrow("'objects' must be a list of Kubernetes objects, got 'string'; pass the synthesized objects, e.g. Testing.synth(chart)");
    });

    test('a node pool without an autoscaler keeps its initial nodes; taints are parsed', () => {
      const gpuPod = deployment('m', 'apps', { ...RESTRICTED_CONTAINER, resources: { requests: { 'nvidia.com/gpu': '1' }, limits: { 'nvidia.com/gpu': '1' } } }, 3);
      gpuPod.spec.template.spec.nodeSelector = { pool: 'g' };
      gpuPod.spec.template.spec.tolerations = [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }];
      const pool = { name: 'g', labels: { pool: 'g' }, taints: ['nvidia.com/gpu=true:NoSchedule'], gpusPerNode: 1, minNodes: 1, maxNodes: 4 };
      const stuck = PlatformTwin.check([namespace('apps', 'restricted'), gpuPod], { nodePools: [pool] });
      expect(stuck.problems.some((p) => p.check === 'capacity' && p.object === 'Deployment apps/m')).toBe(true);
      const scaled = PlatformTwin.check([namespace('apps', 'restricted'), gpuPod], { nodePools: [{ ...pool, scaling: NodePoolScaling.CLUSTER_AUTOSCALER }] });
      expect(scaled.problems.filter((p) => p.check === 'capacity' && /needs|fit|GPUs/.test(p.problem))).toEqual([]);
    });
  });
});
