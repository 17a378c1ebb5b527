import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App } from 'cdk8s';
import { GpuInstanceType, KubernetesVersion } from '../../src/core';
import { GitOpsContract } from '../../src/gitops';
import { GpuProvisioning, KubernetesPlatform, ModelWeights, PlatformDiagram, PlatformSpecValidator } from '../../src/platform';
import { expectValidManifests, findObject, findObjects, tempDir } from '../util';
import { DIGEST, REGISTRY, smallSpec, validationErrorOf } from './fixtures';

describe('KubernetesPlatform (small spec)', () => {
  const platform = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
  const manifests = platform.manifests();
  const objects = manifests.map((m) => m.resource);

  test('diagram() renders the spec as a Mermaid flowchart', () => {
    const diagram = platform.diagram();
    expect(diagram).toBe(PlatformDiagram.mermaid(smallSpec()));
    expect(diagram).toMatch(/^---\ntitle: .*\n---\nflowchart LR\n/);
    expect(diagram).toContain('llama3-8b');
  });

  test('every object is schema-valid', () => {
    expectValidManifests(objects);
  });

  test('one directory per platform component and tenant, plus the Argo CD bootstrap directory', () => {
    expect([...new Set(manifests.map((m) => m.directory))].sort()).toEqual(
      ['argocd', 'dev/gpu', 'dev/mesh', 'dev/observability', 'dev/policies', 'dev/search', 'dev/tenancy']);
    expect(manifests.find((m) => m.resource.kind === 'Deployment')!.path).toBe('dev/search/Deployment.llama3-8b-stable.k8s.yaml');
  });

  test('passes the enforce policy set and every identity has its ServiceAccount', () => {
    expect(platform.verify(manifests)).toEqual([]);
    expect(platform.evaluatePolicies(manifests).errors).toEqual([]);
  });

  test('the model reads its weights from the platform model store and schedules on the Karpenter class of its pool', () => {
    const deployment = findObject(objects, 'Deployment', 'llama3-8b-stable');
    const sync = deployment.spec.template.spec.initContainers[0];
    expect(sync.command).toContain('s3://acme-llm-dev-models/models/llama3-8b/2024-06-01/');
    expect(findObject(objects, 'EC2NodeClass', 'a10g').spec.role).toBe('acme-llm-dev-karpenter-node');
  });

  test('writes the layout; the GitOps contract holds on the written tree', () => {
    const dir = tempDir();
    const files = platform.synth(dir);
    expect(files.length).toBe(manifests.length);
    expect(fs.existsSync(path.join(dir, 'dev', 'search', 'Deployment.llama3-8b-stable.k8s.yaml'))).toBe(true);
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([]);
  });

  test('app.synth() is refused: it would flatten the layout into one directory', () => {
    const app = new App({ outdir: tempDir() });
    new KubernetesPlatform(app, 'acme', { spec: smallSpec() });
    expect(() => app.synth()).toThrow(/platform\.synth\(\)/);
  });

  test('a policy violation fails synth naming the workload; platform namespaces get the platform profile', () => {
    // nvidia-gpu is a platform namespace: host access is Pod Security's (privileged there), but the
    // platform profile still enforces the supply-chain rules (PolicyCatalogue.platformActions)
    const built = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    new ApiObject(built.chartFor('gpu'), 'Agent', {
      apiVersion: 'apps/v1',
      kind: 'DaemonSet',
      metadata: { name: 'extra-agent', namespace: 'nvidia-gpu' },
      spec: {
        selector: { matchLabels: { app: 'a' } },
        template: {
          metadata: { labels: { app: 'a' } },
          spec: { containers: [{ name: 'a', image: 'nvcr.io/nvidia/agent:v1' }], volumes: [{ name: 'h', hostPath: { path: '/var/lib/kubelet' } }] },
        },
      },
    });
    const error = validationErrorOf(() => built.synth(tempDir()));
    expect(error.problems.map((p: any) => p.prop)).toEqual(expect.arrayContaining(['manifests[DaemonSet nvidia-gpu/extra-agent]']));
    expect(error.message).toMatch(/LLM-IMG-001/);
    expect(error.message).not.toMatch(/LLM-PSS-003/);
  });

  test('policies: the platform profile in the platform\'s own namespaces (add-ons included), LoadBalancers in the ingress namespace, no parameter objects to wait for (issue 12 defects 1, 4, 15)', () => {
    const built = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    const set = built.policySet;
    expect(set.platformNamespaces).toEqual(expect.arrayContaining(['argocd', 'istio-ingress', 'istio-system', 'monitoring', 'nvidia-gpu', 'observability']));
    expect(set.platformNamespaces).not.toContain('search');
    expect(set.platformNamespaces).not.toContain('kube-system');
    const lb = (namespace: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'gw', namespace }, spec: { type: 'LoadBalancer' } });
    expect(set.evaluator().evaluate([lb('istio-ingress')]).ok).toBe(true);
    expect(set.evaluator().evaluate([lb('search')]).ok).toBe(false);
    const synthesized = built.manifests().map((m) => m.resource);
    expect(synthesized.filter((o) => o.kind === 'ConfigMap' && o.metadata.namespace === 'llm-platform-policy')).toEqual([]);
    expect(synthesized.some((o) => o.kind === 'Namespace' && o.metadata.name === 'llm-platform-policy')).toBe(false);
    expect(synthesized.filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding' && o.spec.paramRef)).toEqual([]);
  });

  test('objects added to a tenant chart land in its directory and are policy-checked', () => {
    const own = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    const chart = own.chartFor('search');
    expect(own.directoryOf(chart)).toBe('dev/search');
    new ApiObject(chart, 'Extra', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'prompts', namespace: 'search' }, data: { a: 'b' } });
    expect(own.manifests().find((m) => m.resource.kind === 'ConfigMap' && m.resource.metadata.name === 'prompts')!.path).toBe('dev/search/ConfigMap.prompts.k8s.yaml');
    new ApiObject(chart, 'Bad', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'debug', namespace: 'search' },
      spec: { containers: [{ name: 'sh', image: 'busybox:latest' }] },
    });
    expect(own.verify().map((p) => p.prop)).toContain('manifests[Pod search/debug]');
    expect(validationErrorOf(() => own.chartFor('nope')).message).toContain('use one of: argocd, gpu, mesh, observability, policies, search, tenancy');
  });

  test('STRICT mTLS mesh-wide and per tenant', () => {
    for (const pa of findObjects(objects, 'PeerAuthentication')) expect(pa.spec.mtls.mode).toBe('STRICT');
    expect(findObjects(objects, 'PeerAuthentication').map((p) => p.metadata.namespace).sort()).toEqual(['istio-system', 'search']);
  });
});

describe('KubernetesPlatform runs the platform twin', () => {
  test('synth runs it once; twin() returns its report: every pod admitted, every flow allowed, every reference resolved', () => {
    const built = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    built.synth(tempDir());
    const report = built.twin();
    expect(built.twin()).toBe(report);
    expect(report.ok).toBe(true);
    expect(report.podCount).toBeGreaterThan(10);
    for (const c of report.checks) expect([c.name, c.passed]).toEqual([c.name, c.checked]);
    expect(report.admission.checked).toBeGreaterThan(10);
    expect(report.flows.checked).toBeGreaterThan(10);
    // the spec's managed node groups are the twin's pools (Karpenter NodePools come from the output)
    expect(report.capacity.summary.some((l) => /managed node group of pool/.test(l))).toBe(true);
    expect(report.summaryLines('')[0]).toMatch(/^pods admitted (\d+)\/\1, flows allowed (\d+)\/\2, references resolved (\d+)\/\3$/);
  });

  test('a platform that would not serve fails synth naming the object, the field, why and the fix (an alert on a metric nothing exposes)', () => {
    const built = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    new ApiObject(built.chartFor('observability'), 'Rule', {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'extra', namespace: 'observability', labels: { release: 'kube-prometheus-stack' } },
      spec: { groups: [{ name: 'extra', rules: [{ alert: 'Nothing', expr: 'rate(vllm:no_such_metric_total[5m]) > 0' }] }] },
    });
    const error = validationErrorOf(() => built.synth(tempDir()));
    const problem = error.problems.find((p: any) => p.prop.startsWith('PrometheusRule observability/extra'));
    expect(problem).toBeDefined();
    expect(problem.problem).toMatch(/vllm:no_such_metric_total/);
    expect(problem.fix.length).toBeGreaterThan(10);
  });

  test('the platform\'s own namespaces get a quota: no GPUs, no LoadBalancers, no NodePorts', () => {
    const objects = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() }).manifests().map((m) => m.resource);
    const quotas = objects.filter((o) => o.kind === 'ResourceQuota' && o.metadata.name === 'platform-quota');
    expect(quotas.map((q) => q.metadata.namespace).sort()).toEqual(['nvidia-gpu', 'observability']);
    for (const q of quotas) expect(q.spec.hard).toEqual({ 'requests.nvidia.com/gpu': '0', 'services.loadbalancers': '0', 'services.nodeports': '0' });
  });
});

describe('KubernetesPlatform: EFA for multi-node fine-tuning (issue 13, point 4)', () => {
  function efaSpec(efa: boolean | undefined, workers = 2) {
    return smallSpec({
      gpuPools: [{
        name: 'h100', instanceTypes: [GpuInstanceType.P5_48XLARGE], minNodes: 2, maxNodes: 2, efa, provisioning: GpuProvisioning.MANAGED_NODE_GROUP,
      }],
      tenants: [{ name: 'search', gpuQuota: 16 }],
      models: [],
      fineTuningJobs: [{
        name: 'pretrain',
        tenant: 'search',
        image: `${REGISTRY}/acme-llm/trainer${DIGEST}`,
        command: ['torchrun', 'train.py'],
        baseModel: ModelWeights.fromModelStore('models/llama3-70b/', '2024-06-01'),
        gpuPool: 'h100',
        datasetPrefix: 'datasets/support/2024-06/',
        workers,
        gpusPerWorker: 8,
      }],
    });
  }
  const limitsOf = (objects: any[]) => Object.values<any>(findObject(objects, 'PyTorchJob', 'pretrain').spec.pytorchReplicaSpecs)
    .map((r) => r.template.spec.containers[0].resources.limits);

  test('broken variant: without efa on the pool the job requests no EFA (NCCL over TCP between the p5 nodes)', () => {
    const objects = new KubernetesPlatform(new App(), 'acme', { spec: efaSpec(undefined) }).manifests().map((m) => m.resource);
    for (const l of limitsOf(objects)) expect(l).not.toHaveProperty(['vpc.amazonaws.com/efa']);
  });

  test('an EFA pool: both pods request all 32 interfaces; the twin sees them advertised by the device plugin add-on', () => {
    const platform = new KubernetesPlatform(new App(), 'acme', { spec: efaSpec(true) });
    const objects = platform.manifests().map((m) => m.resource);
    for (const l of limitsOf(objects)) expect(l).toMatchObject({ 'vpc.amazonaws.com/efa': '32', 'hugepages-2Mi': '5120Mi', 'nvidia.com/gpu': '8' });
    const capacity = platform.twin().checks.find((c) => c.name === 'capacity')!;
    expect(capacity.summary).toContain('h100: 64 vpc.amazonaws.com/efa needed at min, 64 at max, 64 available at start, 64 reachable (32 per node)');
    expect(platform.twin().problems.filter((p) => p.check === 'capacity')).toEqual([]);
  });

  test('a single-worker job on an EFA pool requests no EFA', () => {
    const objects = new KubernetesPlatform(new App(), 'acme', { spec: efaSpec(true, 1) }).manifests().map((m) => m.resource);
    for (const l of limitsOf(objects)) expect(l).not.toHaveProperty(['vpc.amazonaws.com/efa']);
  });
});

describe('KubernetesPlatform on a FIPS cluster (issue 13 point 5)', () => {
  test('Karpenter classes get the Bottlerocket NVIDIA FIPS AMI of the cluster\'s Kubernetes version; without fips the AL2023 alias', () => {
    const fips = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec({ cluster: { fips: true, version: KubernetesVersion.V1_33 } }) });
    const spec = findObject(fips.manifests().map((m) => m.resource), 'EC2NodeClass', 'a10g').spec;
    expect(spec.amiFamily).toBe('Bottlerocket');
    expect(spec.amiSelectorTerms).toEqual([{ ssmParameter: '/aws/service/bottlerocket/aws-k8s-1.33-nvidia-fips/x86_64/1.57.0/image_id' }]);
    const plain = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    expect(findObject(plain.manifests().map((m) => m.resource), 'EC2NodeClass', 'a10g').spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20251110' }]);
  });

  test('a FIPS cluster on a Kubernetes version without a Bottlerocket NVIDIA FIPS AMI fails at synth naming the pool', () => {
    const spec = smallSpec({ cluster: { fips: true, version: KubernetesVersion.V1_28 } });
    expect(PlatformSpecValidator.problems(spec).filter((p) => p.prop.startsWith('gpuPools'))).toEqual([{
      prop: 'gpuPools[0].provisioning',
      problem: 'uses Karpenter on a FIPS cluster, but Bottlerocket 1.57.0 has no NVIDIA FIPS AMI (aws-k8s-1.28-nvidia-fips) for x86_64',
      value: "'managed-node-group-and-karpenter'",
      fix: 'set cluster.version to one of 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35, or use GpuProvisioning.MANAGED_NODE_GROUP for this pool',
    }]);
    expect(validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', { spec })).message).toContain("'gpuPools[0].provisioning' uses Karpenter on a FIPS cluster");
    // managed node groups alone are not affected (EKS picks their FIPS AMI type)
    const managed = smallSpec({
      cluster: { fips: true, version: KubernetesVersion.V1_28 },
      gpuPools: [{ ...spec.gpuPools[0], provisioning: GpuProvisioning.MANAGED_NODE_GROUP }],
    });
    expect(PlatformSpecValidator.problems(managed).filter((p) => p.prop === 'gpuPools[0].provisioning')).toEqual([]);
  });
});
