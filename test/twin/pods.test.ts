import { App } from 'cdk8s';
import { spec } from '../../examples/reference/platform';
import { KubernetesPlatform } from '../../src/platform';
import { ObjectIndex, ResolvedTwinOptions } from '../../src/twin/private/model';
import { podOwnership, podTemplateHash } from '../../src/twin/private/operators';
import { autoscalerFor, workloadPodsOf } from '../../src/twin/private/pods';

const OPTIONS: ResolvedTwinOptions = { pools: [], systemNamespaces: [], registries: [], podIdentityServiceAccounts: [] };

const TEMPLATE = {
  metadata: { labels: { 'app.kubernetes.io/name': 'web', 'app': 'web' }, annotations: { note: 'x' } },
  spec: { containers: [{ name: 'web', image: 'nginx@sha256:1', ports: [{ name: 'http', containerPort: 8080 }] }] },
};

function workload(kind: string, extra: any = {}, name = 'web', namespace = 'apps'): any {
  const apiVersion = ['Job', 'CronJob'].includes(kind) ? 'batch/v1' : 'apps/v1';
  const base: any = { apiVersion, kind, metadata: { name, namespace, labels: { owner: 'label-not-copied' } } };
  if (kind === 'CronJob') base.spec = { schedule: '* * * * *', jobTemplate: { spec: { template: { ...TEMPLATE, spec: { ...TEMPLATE.spec, restartPolicy: 'Never' } } } } };
  else if (kind === 'Job') base.spec = { template: { ...TEMPLATE, spec: { ...TEMPLATE.spec, restartPolicy: 'Never' } } };
  else base.spec = { selector: { matchLabels: { app: 'web' } }, template: TEMPLATE };
  base.spec = { ...base.spec, ...extra };
  return base;
}

function run(objects: any[]) {
  return workloadPodsOf(new ObjectIndex(objects), OPTIONS);
}

function istiod(values: any = {}): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-istiod', namespace: 'argocd' },
    spec: { destination: { namespace: 'istio-system' }, source: { chart: 'istiod', targetRevision: '1.30.3', helm: { valuesObject: values } } },
  };
}

const meshed = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels: { 'istio-injection': 'enabled' } } };

describe('built-in controllers', () => {
  test('Deployment: one pod shape, template labels/annotations, generateName prefix, spec.replicas', () => {
    const r = run([workload('Deployment', { replicas: 3 })]);
    expect(r.notModelled).toEqual([]);
    expect(r.derived).toEqual([]);
    expect(r.pods).toHaveLength(1);
    const p = r.pods[0];
    expect(p).toMatchObject({ owner: 'Deployment apps/web', origin: 'controller', namespace: 'apps', namePrefix: 'web-', templatePath: 'spec.template', minReplicas: 3, maxReplicas: 3, mutations: [] });
    const hash = podTemplateHash(TEMPLATE);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
    expect(p.pod).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        namespace: 'apps',
        // the ReplicaSet's pods: generateName <replicaset>-, the pod-template-hash label, owned by the ReplicaSet
        generateName: `web-${hash}-`,
        labels: { 'app.kubernetes.io/name': 'web', 'app': 'web', 'pod-template-hash': hash },
        annotations: { note: 'x' },
        ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${hash}`, controller: true, blockOwnerDeletion: true }],
      },
      spec: TEMPLATE.spec,
    });
    expect(p.ownerObject.kind).toBe('Deployment');
  });

  test('Deployment and ReplicaSet without replicas: 1', () => {
    expect(run([workload('Deployment')]).pods[0].minReplicas).toBe(1);
    expect(run([workload('ReplicaSet', { replicas: 2 })]).pods[0].maxReplicas).toBe(2);
  });

  test('StatefulSet: ordinal pod name and the pod-name/pod-index labels', () => {
    const p = run([workload('StatefulSet', { replicas: 2, serviceName: 'web' })]).pods[0];
    expect(p.namePrefix).toBe('web-');
    expect(p.pod.metadata.name).toBe('web-0');
    expect(p.pod.metadata.labels).toMatchObject({ 'statefulset.kubernetes.io/pod-name': 'web-0', 'apps.kubernetes.io/pod-index': '0' });
    expect([p.minReplicas, p.maxReplicas]).toEqual([2, 2]);
  });

  test('DaemonSet: -1 (one per matching node)', () => {
    const p = run([workload('DaemonSet')]).pods[0];
    expect([p.minReplicas, p.maxReplicas]).toEqual([-1, -1]);
  });

  test('Job: parallelism bounded by completions, job-name labels', () => {
    const p = run([workload('Job', { parallelism: 4, completions: 2 })]).pods[0];
    expect([p.minReplicas, p.maxReplicas]).toEqual([2, 2]);
    expect(p.pod.metadata.labels).toMatchObject({ 'batch.kubernetes.io/job-name': 'web', 'job-name': 'web' });
    expect(p.pod.spec.restartPolicy).toBe('Never');
  });

  test('CronJob: the jobTemplate\'s pod, none between runs', () => {
    const p = run([workload('CronJob')]).pods[0];
    expect(p.templatePath).toBe('spec.jobTemplate.spec.template');
    expect([p.minReplicas, p.maxReplicas]).toEqual([0, 1]);
    expect(p.pod.spec.containers[0].name).toBe('web');
  });

  test('bare Pod: itself, in the default namespace when unset', () => {
    const r = run([{ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'debug' }, spec: { containers: [{ name: 'c', image: 'i' }] } }]);
    expect(r.pods[0]).toMatchObject({ owner: 'Pod debug', origin: 'object', namespace: 'default', namePrefix: 'debug', minReplicas: 1, maxReplicas: 1, templatePath: '' });
    expect(r.pods[0].pod.metadata.namespace).toBe('default');
  });

  test('a workload without a template is not modelled, never thrown', () => {
    const r = run([{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'broken', namespace: 'apps' } }, { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: 'x' }]);
    expect(r.pods).toEqual([]);
    expect(r.notModelled).toEqual(['Deployment apps/broken: no spec.template.spec, no pods modelled', 'CronJob c: no spec.jobTemplate.spec.template.spec, no pods modelled']);
  });
});

describe('ownerReferences: what each controller sets on the pods it creates', () => {
  const ref = (apiVersion: string, kind: string, name: string) => [{ apiVersion, kind, name, controller: true, blockOwnerDeletion: true }];

  test('DaemonSet, StatefulSet, Job and ReplicaSet pods are owned by the workload itself, without pod-template-hash', () => {
    for (const [kind, apiVersion] of [['DaemonSet', 'apps/v1'], ['StatefulSet', 'apps/v1'], ['Job', 'batch/v1'], ['ReplicaSet', 'apps/v1']]) {
      const p = run([workload(kind)]).pods[0];
      expect(p.pod.metadata.ownerReferences).toEqual(ref(apiVersion, kind, 'web'));
      expect(p.pod.metadata.labels['pod-template-hash']).toBeUndefined();
    }
    // the DaemonSet/Job keep generateName <workload>-, the StatefulSet its ordinal name
    expect(run([workload('DaemonSet')]).pods[0].pod.metadata.generateName).toBe('web-');
    expect(run([workload('StatefulSet')]).pods[0].pod.metadata.name).toBe('web-0');
  });

  test('a CronJob\'s pods are owned by the Job of a run, <cronjob>-<scheduled minute>', () => {
    const p = run([workload('CronJob')]).pods[0];
    expect(p.pod.metadata.ownerReferences).toEqual(ref('batch/v1', 'Job', 'web-00000000'));
    expect(p.pod.metadata.generateName).toBe('web-00000000-');
  });

  test('a Deployment\'s ReplicaSet name changes with the template (pod-template-hash), not with the Deployment\'s replicas', () => {
    const a = run([workload('Deployment')]).pods[0].pod.metadata.ownerReferences[0].name;
    expect(run([workload('Deployment', { replicas: 7 })]).pods[0].pod.metadata.ownerReferences[0].name).toBe(a);
    const changed = workload('Deployment');
    changed.spec.template = { ...TEMPLATE, metadata: { ...TEMPLATE.metadata, annotations: { note: 'y' } } };
    expect(run([changed]).pods[0].pod.metadata.ownerReferences[0].name).not.toBe(a);
    expect(run([changed]).pods[0].pod.metadata.ownerReferences[0].name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
  });

  test('a bare Pod keeps its own ownerReferences (none here); podOwnership of a Pod or a nameless workload gives none', () => {
    const bare = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'apps' }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(run([bare]).pods[0].pod.metadata.ownerReferences).toBeUndefined();
    const owned = { ...bare, metadata: { ...bare.metadata, ownerReferences: ref('v1', 'Node', 'n1') } };
    expect(run([owned]).pods[0].pod.metadata.ownerReferences).toEqual(ref('v1', 'Node', 'n1'));
    expect(podOwnership({ apiVersion: 'v1', kind: 'Pod', name: 'p' }, {})).toEqual({ ownerReferences: [], labels: {} });
    expect(podOwnership({ apiVersion: 'apps/v1', kind: 'Deployment', name: '' }, {})).toEqual({ ownerReferences: [], labels: {} });
  });

  test('operators: KServe predictor pods by the ReplicaSet of <isvc>-predictor, PyTorchJob pods by the PyTorchJob, collector pods by the ReplicaSet of <name>-collector (StatefulSet/DaemonSet directly)', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'm', namespace: 'apps', annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment' } },
      spec: { predictor: { containers: [{ name: 'kserve-container', image: 'x' }] } },
    };
    const job = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'j', namespace: 'apps' }, spec: { pytorchReplicaSpecs: { Master: { template: { spec: { containers: [{ name: 'pytorch', image: 't' }] } } }, Worker: { replicas: 2, template: { spec: { containers: [{ name: 'pytorch', image: 't' }] } } } } } };
    const col = (name: string, mode?: string) => ({ apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name, namespace: 'obs' }, spec: { ...(mode ? { mode } : {}), config: { service: {} } } });
    const r = run([isvc, job, col('c'), col('s', 'statefulset'), col('d', 'daemonset')]);
    const refs = Object.fromEntries(r.pods.map((p) => [p.namePrefix, p.pod.metadata.ownerReferences]));
    expect(refs['m-predictor-']).toEqual(ref('apps/v1', 'ReplicaSet', refs['m-predictor-'][0].name));
    expect(refs['m-predictor-'][0].name).toMatch(/^m-predictor-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(refs['j-master-']).toEqual(ref('kubeflow.org/v1', 'PyTorchJob', 'j'));
    expect(refs['j-worker-']).toEqual(ref('kubeflow.org/v1', 'PyTorchJob', 'j'));
    expect(refs['c-collector-'][0]).toMatchObject({ apiVersion: 'apps/v1', kind: 'ReplicaSet', controller: true, blockOwnerDeletion: true });
    expect(refs['c-collector-'][0].name).toMatch(/^c-collector-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(refs['s-collector-']).toEqual(ref('apps/v1', 'StatefulSet', 's-collector'));
    expect(refs['d-collector-']).toEqual(ref('apps/v1', 'DaemonSet', 'd-collector'));
    // the PyTorchJob's pods keep their fixed names
    expect(r.pods.find((p) => p.namePrefix === 'j-master-')?.pod.metadata.name).toBe('j-master-0');
  });
});

describe('autoscalers', () => {
  test('autoscaling/v2 HPA targeting the Deployment sets min/max', () => {
    const hpa = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'apps' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 2, maxReplicas: 7 } };
    const p = run([workload('Deployment', { replicas: 1 }), hpa]).pods[0];
    expect([p.minReplicas, p.maxReplicas]).toEqual([2, 7]);
    expect(p.mutations).toEqual(['replicas 2..7 from HorizontalPodAutoscaler apps/web']);
  });

  test('an HPA in another namespace or for another kind does not count; HPA minReplicas defaults to 1', () => {
    const other = { kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'other' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 9 } };
    const sts = { kind: 'HorizontalPodAutoscaler', metadata: { name: 'web', namespace: 'apps' }, spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'web' }, maxReplicas: 9 } };
    expect(run([workload('Deployment', { replicas: 3 }), other, sts]).pods[0].maxReplicas).toBe(3);
    const index = new ObjectIndex([{ kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: 'apps' }, spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 4 } }]);
    expect(autoscalerFor(index, 'apps', { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' })).toEqual({ source: 'HorizontalPodAutoscaler apps/h', min: 1, max: 4 });
  });

  test('KEDA ScaledObject: min/maxReplicaCount, KEDA defaults 0/100, idleReplicaCount', () => {
    const so = (s: any) => ({ apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'web', namespace: 'apps' }, spec: { scaleTargetRef: { name: 'web' }, ...s } });
    const b = (s: any) => {
      const p = run([workload('Deployment'), so(s)]).pods[0];
      return [p.minReplicas, p.maxReplicas];
    };
    expect(b({ minReplicaCount: 2, maxReplicaCount: 6 })).toEqual([2, 6]);
    expect(b({})).toEqual([0, 100]);
    expect(b({ minReplicaCount: 1, maxReplicaCount: 3, idleReplicaCount: 0 })).toEqual([0, 3]);
  });

  test('a ScaledObject targeting the KServe predictor Deployment scales the InferenceService pods', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'm', namespace: 'apps', annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment', 'serving.kserve.io/autoscalerClass': 'external' } },
      spec: { predictor: { minReplicas: 1, maxReplicas: 1, containers: [{ name: 'kserve-container', image: 'x' }] } },
    };
    const so = { apiVersion: 'keda.sh/v1alpha1', kind: 'ScaledObject', metadata: { name: 'm-predictor', namespace: 'apps' }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'm-predictor' }, minReplicaCount: 2, maxReplicaCount: 5 } };
    const p = run([isvc, so]).pods[0];
    expect([p.minReplicas, p.maxReplicas]).toEqual([2, 5]);
    expect(p.mutations).toContain('replicas 2..5 from ScaledObject apps/m-predictor');
  });
});

describe('operators and unknown kinds', () => {
  test('InferenceService, PyTorchJob and OpenTelemetryCollector are expanded; derived objects are returned', () => {
    const isvc = {
      apiVersion: 'serving.kserve.io/v1beta1',
      kind: 'InferenceService',
      metadata: { name: 'm', namespace: 'apps', annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment' } },
      spec: { predictor: { containers: [{ name: 'kserve-container', image: 'x', ports: [{ name: 'http', containerPort: 8000 }] }] } },
    };
    const job = { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'j', namespace: 'apps' }, spec: { pytorchReplicaSpecs: { Master: { template: { spec: { containers: [{ name: 'pytorch', image: 't' }] } } } } } };
    const col = { apiVersion: 'opentelemetry.io/v1beta1', kind: 'OpenTelemetryCollector', metadata: { name: 'c', namespace: 'obs' }, spec: { config: { service: {} } } };
    const r = run([isvc, job, col]);
    expect(r.pods.map((p) => [p.owner, p.origin, p.namePrefix])).toEqual([
      ['InferenceService apps/m', 'operator', 'm-predictor-'], ['PyTorchJob apps/j', 'operator', 'j-master-'], ['OpenTelemetryCollector obs/c', 'operator', 'c-collector-'],
    ]);
    expect(r.derived.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual(['Service m-predictor', 'Ingress m', 'Service j-master-0']);
  });

  test('an unknown custom kind with a pod template is reported as not modelled; one without is ignored', () => {
    const r = run([
      { apiVersion: 'ray.io/v1', kind: 'RayCluster', metadata: { name: 'r', namespace: 'apps' }, spec: { headGroupSpec: { template: { spec: { containers: [{ name: 'ray', image: 'ray' }] } } } } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'ro', namespace: 'apps' }, spec: { template: { spec: { containers: [{ name: 'a', image: 'b' }] } } } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'apps' }, spec: { hosts: ['x'] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { containers: 'x' } },
    ]);
    expect(r.pods).toEqual([]);
    expect(r.notModelled).toEqual([
      'RayCluster apps/r: ray.io/v1 RayCluster carries a pod template, the pods its operator makes are not modelled',
      'Rollout apps/ro: argoproj.io/v1alpha1 Rollout carries a pod template, the pods its operator makes are not modelled',
    ]);
  });

  test('odd input never throws', () => {
    const odd = [null, 'x', 3, { kind: 'Deployment' }, { kind: 'Deployment', apiVersion: 'apps/v1', spec: { template: { spec: null } } },
      { kind: 'Pod', apiVersion: 'v1' }, { kind: 'InferenceService', apiVersion: 'serving.kserve.io/v1beta1', spec: [] },
      { kind: 'PyTorchJob', apiVersion: 'kubeflow.org/v1', spec: { pytorchReplicaSpecs: { Master: 'x' } } },
      { kind: 'OpenTelemetryCollector', apiVersion: 'opentelemetry.io/v1beta1', metadata: { name: 'c' }, spec: { config: 'x', ports: 'y' } },
      { kind: 'Application', apiVersion: 'argoproj.io/v1alpha1', spec: { source: { chart: 'istiod', helm: { values: ': : :' } } } }];
    expect(() => run(odd as any[])).not.toThrow();
  });
});

describe('Istio injection in the inventory', () => {
  test('pods in an istio-injection=enabled namespace get the sidecar; others do not', () => {
    const r = run([istiod(), meshed, workload('Deployment'), workload('Deployment', {}, 'plain', 'other')]);
    const [inMesh, outside] = r.pods;
    expect(inMesh.mutations[0]).toBe('istio 1.30.3 sidecar injection (native sidecar, istio-init)');
    expect(inMesh.pod.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(inMesh.pod.spec.initContainers[1].env.find((e: any) => e.name === 'ISTIO_META_OWNER').value).toBe('kubernetes://apis/apps/v1/namespaces/apps/deployments/web');
    expect(outside.mutations).toEqual([]);
    expect(outside.pod.spec.initContainers).toBeUndefined();
    expect(r.notModelled).toEqual(['Application argocd/prod-istiod: native sidecars assumed on (ENABLE_NATIVE_SIDECARS=auto and kubelets 1.33 or newer)']);
  });

  test('the kubelet version passed for the mesh decides native sidecars', () => {
    const r = workloadPodsOf(new ObjectIndex([istiod(), meshed, workload('Deployment')]), OPTIONS, { kubeletMinorVersion: 32 });
    expect(r.pods[0].pod.spec.containers.map((c: any) => c.name)).toEqual(['web', 'istio-proxy']);
    expect(r.notModelled).toEqual([]);
  });

  test('with Istio CNI the pods get istio-validation instead of istio-init', () => {
    const cni = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'prod-istio-cni', namespace: 'argocd' }, spec: { source: { chart: 'cni', targetRevision: '1.30.3' } } };
    const p = run([istiod({ pilot: { cni: { enabled: true } } }), cni, meshed, workload('Deployment')]).pods[0];
    expect(p.pod.spec.initContainers.map((c: any) => c.name)).toEqual(['istio-validation', 'istio-proxy']);
    expect(p.pod.spec.initContainers[0].securityContext.runAsNonRoot).toBe(true);
  });

  test('no istiod Application: nothing is injected even in labelled namespaces', () => {
    const p = run([meshed, workload('Deployment')]).pods[0];
    expect(p.mutations).toEqual([]);
    expect(p.pod.spec.initContainers).toBeUndefined();
  });
});

describe('the reference platform', () => {
  let objects: any[] = [];
  let result: ReturnType<typeof workloadPodsOf>;
  beforeAll(() => {
    objects = new KubernetesPlatform(new App(), 'acme-llm', { spec }).manifests().map((m) => m.resource);
    result = workloadPodsOf(new ObjectIndex(objects), OPTIONS);
  });
  const WORKLOAD_KINDS = ['Pod', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'Job', 'CronJob', 'InferenceService', 'PyTorchJob', 'OpenTelemetryCollector'];

  test('yields a pod for every workload', () => {
    const workloads = objects.filter((o) => WORKLOAD_KINDS.includes(o.kind));
    expect(workloads.length).toBeGreaterThan(5);
    const owners = new Set(result.pods.map((p) => p.owner));
    const missing = workloads.map((o) => ObjectIndex.id(o)).filter((id) => !owners.has(id));
    expect(missing).toEqual([]);
    expect(result.notModelled.filter((l) => workloads.some((o) => l.startsWith(`${ObjectIndex.id(o)}:`)))).toEqual([]);
  });

  test('every controller- and operator-made pod carries one controller ownerReference, as the policy exceptions match them', () => {
    const made = result.pods.filter((p) => p.origin !== 'object');
    expect(made.length).toBeGreaterThan(5);
    for (const p of made) {
      const refs = p.pod.metadata.ownerReferences ?? [];
      expect(refs.filter((r: any) => r.controller === true && r.blockOwnerDeletion === true)).toHaveLength(1);
    }
    // the GPU DaemonSets' pods (excepted by kind DaemonSet) are owned by their DaemonSet
    const dcgm = result.pods.find((p) => p.owner.startsWith('DaemonSet ') && p.owner.endsWith('/dcgm-exporter'));
    expect(dcgm?.pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'dcgm-exporter', controller: true, blockOwnerDeletion: true }]);
  });

  test('the KServe predictor is modelled with its Service on port 80, and pods in tenant namespaces carry the sidecar', () => {
    // the reference platform's model served through KServe (whichever it is)
    const isvc = objects.find((o) => o.kind === 'InferenceService');
    const name = isvc?.metadata?.name;
    const predictor = result.pods.find((p) => p.owner === `InferenceService ${isvc?.metadata?.namespace}/${name}`);
    expect(predictor?.pod.metadata.labels).toMatchObject({ 'serving.kserve.io/inferenceservice': name, 'component': 'predictor', 'app': `isvc.${name}-predictor` });
    const svc = result.derived.find((d) => d.kind === 'Service' && d.metadata.name === `${name}-predictor`);
    expect(svc.spec.ports[0].port).toBe(80);
    // every tenant pod but those whose template opts out of injection (the endpoint pickers: sidecar.istio.io/inject false)
    const tenantPods = result.pods.filter((p) => ['search', 'support', 'vision'].includes(p.namespace) && p.pod.metadata.labels?.['sidecar.istio.io/inject'] !== 'false');
    expect(tenantPods.length).toBeGreaterThan(0);
    for (const p of tenantPods) expect([...(p.pod.spec.initContainers ?? []), ...p.pod.spec.containers].map((c: any) => c.name)).toContain('istio-proxy');
  });
});

describe('kinds that quote pod fields without making pods', () => {
  test('policies and Argo CD Applications are not reported', () => {
    const r = run([
      { apiVersion: 'kyverno.io/v1', kind: 'ClusterPolicy', metadata: { name: 'p' }, spec: { rules: [{ validate: { pattern: { spec: { containers: [{ image: '*@sha256:*' }] } } } }] } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'argocd' }, spec: { source: { helm: { valuesObject: { extraContainers: { containers: [{ name: 'x', image: 'y' }] } } } } } },
    ]);
    expect(r.notModelled).toEqual([]);
  });
});
