import { Duration, Size } from 'cdk8s';
import { GpuInstanceType, GpuPool, ModelArchitecture, ModelDataType, ModelRuntime, PlatformLabels } from '../../src/core';
import { ModelAutoscaling } from '../../src/k8s/serving/model-autoscaling';
import { ModelServer } from '../../src/k8s/serving/model-server';
import { ModelSource } from '../../src/k8s/serving/model-source';
import { Tenant } from '../../src/k8s/tenancy/tenant';
import { findObject, findObjects, synthChart } from '../util';
import { a10gPool, DIGEST, expectValidationError, hfSource, l40sPool, model, podOf, SHA, tenant, VLLM_IMAGE } from './fixtures';

describe('ModelServer defaults', () => {
  let objects: any[];
  let server: ModelServer;
  beforeAll(() => {
    objects = synthChart((chart) => { server = model(chart); });
  });
  const deployment = () => findObject(objects, 'Deployment', 'llama3-8b-stable');
  const container = () => podOf(deployment()).containers[0];

  test('implements IModelService with deterministic names', () => {
    expect(server.modelName).toBe('llama3-8b');
    expect(server.tenant).toBe('search');
    expect(server.namespace).toBe('search');
    expect(server.serviceName).toBe('llama3-8b');
    expect(server.serviceAccountName).toBe('llama3-8b');
    expect(server.selectorLabels).toEqual({ [PlatformLabels.MODEL]: 'llama3-8b' });
    expect(server.versions).toEqual(['stable']);
    expect(server.runtime).toBe(ModelRuntime.VLLM);
  });

  test('pod template carries tenant/model/version labels and the pinned revision annotation', () => {
    const meta = deployment().spec.template.metadata;
    expect(meta.labels).toMatchObject({
      [PlatformLabels.TENANT]: 'search',
      [PlatformLabels.MODEL]: 'llama3-8b',
      [PlatformLabels.MODEL_VERSION]: 'stable',
      [PlatformLabels.NAME]: 'llama3-8b',
      [PlatformLabels.INSTANCE]: 'llama3-8b-stable',
      [PlatformLabels.VERSION]: SHA,
      [PlatformLabels.COMPONENT]: 'model-server',
      [PlatformLabels.MANAGED_BY]: 'cdk-llm-platform',
    });
    expect(meta.annotations[PlatformLabels.MODEL_REVISION_ANNOTATION]).toBe(SHA);
    // No karpenter.sh/do-not-disrupt: the PodDisruptionBudget governs drains (defect 16).
    expect(meta.annotations['karpenter.sh/do-not-disrupt']).toBeUndefined();
  });

  test('GPU, CPU and memory requests equal limits (Guaranteed QoS), defaults from the pool', () => {
    // g5.2xlarge: 8 vCPU, 32 GiB, 1 GPU -> 70% = 5 cores, 22 GiB
    expect(container().resources).toEqual({
      requests: { 'cpu': '5', 'memory': '22Gi', 'nvidia.com/gpu': '1' },
      limits: { 'cpu': '5', 'memory': '22Gi', 'nvidia.com/gpu': '1' },
    });
    for (const init of podOf(deployment()).initContainers) expect(init.resources.requests).toEqual(init.resources.limits);
    expect(server.gpusPerReplica).toBe(1);
    expect(server.tensorParallelSize).toBe(1);
  });

  test('tolerates the pool taints and requires the pool labels', () => {
    const pod = podOf(deployment());
    expect(pod.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    const terms = pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms;
    expect(terms).toEqual([{
      matchExpressions: [
        { key: PlatformLabels.ACCELERATOR, operator: 'In', values: ['a10g'] },
        { key: PlatformLabels.GPU_COUNT, operator: 'In', values: ['1'] },
        { key: PlatformLabels.GPU_POOL, operator: 'In', values: ['a10g'] },
      ],
    }]);
  });

  test('hardened: non-root, read-only root fs, no escalation, seccomp, drop ALL, no SA token', () => {
    const pod = podOf(deployment());
    expect(pod.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    for (const c of [...pod.containers, ...pod.initContainers]) {
      expect(c.securityContext).toMatchObject({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        privileged: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
    }
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('llama3-8b');
    expect(findObject(objects, 'ServiceAccount', 'llama3-8b').automountServiceAccountToken).toBe(false);
  });

  test('writable emptyDirs for caches and a memory-backed /dev/shm capped at half the memory', () => {
    const pod = podOf(deployment());
    const vol = (n: string) => pod.volumes.find((v: any) => v.name === n);
    // vLLM wants 16 GiB, memory is 22 GiB -> 11 GiB
    expect(vol('dshm')).toEqual({ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '11Gi' } });
    expect(vol('cache').emptyDir).toEqual({ sizeLimit: '20Gi' });
    expect(vol('tmp').emptyDir).toEqual({ sizeLimit: '4Gi' });
    expect(vol('model-weights').emptyDir).toEqual({ sizeLimit: '100Gi' });
    expect(container().volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    expect(container().volumeMounts).toContainEqual({ name: 'model-weights', mountPath: '/models', readOnly: true });
  });

  test('runtime args, ports and env', () => {
    expect(container().command).toEqual(['vllm', 'serve']);
    // `vllm serve <model>`: the model is positional (no deprecated `--model`), no removed `--disable-log-requests`.
    expect(container().args).toEqual(['/models/weights', '--port', '8000', '--served-model-name', 'llama3-8b', '--tensor-parallel-size', '1']);
    expect(container().ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
    expect(container().env).toContainEqual({ name: 'HF_HUB_OFFLINE', value: '1' });
  });

  test('startup probe sized for weight loading, readiness and liveness on the runtime health paths', () => {
    expect(container().startupProbe).toEqual({ httpGet: { path: '/health', port: 'http', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 180 });
    expect(container().readinessProbe.httpGet.path).toBe('/health');
    expect(container().livenessProbe.httpGet.path).toBe('/health');
  });

  test('graceful termination: preStop drain and grace period for in-flight generations', () => {
    expect(container().lifecycle.preStop.exec.command).toEqual(['sh', '-c', 'sleep 15']);
    expect(podOf(deployment()).terminationGracePeriodSeconds).toBe(15 + 300);
  });

  test('spreads across zones and nodes', () => {
    const tsc = podOf(deployment()).topologySpreadConstraints;
    expect(tsc.map((t: any) => t.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    expect(tsc[0].labelSelector.matchLabels).toEqual({ [PlatformLabels.MODEL]: 'llama3-8b', [PlatformLabels.MODEL_VERSION]: 'stable' });
  });

  test('from 2 replicas a rollout replaces one at a time (no surge); replicas left to the autoscaler', () => {
    const spec = deployment().spec;
    expect(server.rolloutSurge).toBe(0);
    expect(server.servicePort).toBe(8000);
    expect(spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } });
    expect(spec.replicas).toBeUndefined();
    expect(spec.progressDeadlineSeconds).toBe(30 * 60 + 15 * 60);
  });

  test('PodDisruptionBudget per version', () => {
    const pdb = findObject(objects, 'PodDisruptionBudget', 'llama3-8b-stable');
    expect(pdb.spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { [PlatformLabels.MODEL]: 'llama3-8b', [PlatformLabels.MODEL_VERSION]: 'stable' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
  });

  test('Service with named http port and appProtocol, selecting every version', () => {
    const svc = findObject(objects, 'Service', 'llama3-8b');
    expect(svc.metadata.namespace).toBe('search');
    expect(svc.spec.selector).toEqual({ [PlatformLabels.MODEL]: 'llama3-8b' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' }]);
  });

  test('KEDA ScaledObject by default with min 2 / max 4', () => {
    const so = findObject(objects, 'ScaledObject', 'llama3-8b-stable');
    expect(so.spec.minReplicaCount).toBe(2);
    expect(so.spec.maxReplicaCount).toBe(4);
    expect(server.replicas).toEqual({ min: 2, max: 4 });
    expect(findObjects(objects, 'HorizontalPodAutoscaler')).toHaveLength(0);
  });
});

describe('ModelServer options', () => {
  test('Triton: gRPC port with appProtocol grpc, separate metrics port, PVC weights', () => {
    const objects = synthChart((chart) => {
      model(chart, {
        modelName: 'triton-ensemble',
        runtime: ModelRuntime.TRITON,
        image: `nvcr.io/nvidia/tritonserver:25.01-py3@${DIGEST}`,
        source: ModelSource.pvc({ claimName: 'triton-repo', revision: 'r7', subPath: 'repo' }),
        autoscaling: ModelAutoscaling.fixed(),
        replicas: { min: 1, max: 1 },
      });
    });
    const svc = findObject(objects, 'Service', 'triton-ensemble');
    expect(svc.spec.ports).toEqual([
      { name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP', appProtocol: 'http' },
      { name: 'grpc', port: 8001, targetPort: 'grpc', protocol: 'TCP', appProtocol: 'grpc' },
      { name: 'http-metrics', port: 8002, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' },
    ]);
    const dep = findObject(objects, 'Deployment', 'triton-ensemble-stable');
    expect(dep.spec.replicas).toBe(1);
    const pod = podOf(dep);
    expect(pod.initContainers).toEqual([]);
    expect(pod.volumes[0]).toEqual({ name: 'model-weights', persistentVolumeClaim: { claimName: 'triton-repo', readOnly: true } });
    expect(pod.containers[0].args.slice(0, 2)).toEqual(['--model-repository', '/models/repo']);
    expect(pod.containers[0].startupProbe.httpGet.path).toBe('/v2/health/ready');
    expect(pod.containers[0].livenessProbe.httpGet.path).toBe('/v2/health/live');
    expect(findObjects(objects, 'ScaledObject')).toHaveLength(0);
  });

  test('multi-GPU replica: tensor parallel == GPUs, explicit resources and timings', () => {
    const objects = synthChart((chart) => {
      model(chart, {
        pool: l40sPool(),
        gpusPerReplica: 4,
        cpu: 40,
        memory: Size.gibibytes(300),
        sharedMemory: Size.gibibytes(32),
        replicas: { min: 1, max: 2 },
        startupTimeout: Duration.minutes(10),
        preStopDelay: Duration.seconds(5),
        maxRequestDuration: Duration.minutes(10),
        runAsUser: 2000,
        automountServiceAccountToken: true,
        env: { VLLM_LOGGING_LEVEL: 'INFO' },
        extraArgs: ['--enable-prefix-caching'],
        maxModelLength: 8192,
        gpuMemoryUtilization: 0.9,
        maxConcurrency: 48,
        servedModelName: 'llama',
        version: 'v3',
      }, tenant(chart, { gpuQuota: 12 }));
    });
    const dep = findObject(objects, 'Deployment', 'llama3-8b-stable');
    const pod = podOf(dep);
    const c = pod.containers[0];
    expect(c.args).toEqual(['/models/weights', '--port', '8000', '--served-model-name', 'llama', '--tensor-parallel-size', '4',
      '--max-model-len', '8192', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '48', '--enable-prefix-caching']);
    expect(c.resources.limits).toEqual({ 'cpu': '40', 'memory': '300Gi', 'nvidia.com/gpu': '4' });
    expect(pod.volumes.find((v: any) => v.name === 'dshm').emptyDir.sizeLimit).toBe('32Gi');
    expect(c.startupProbe.failureThreshold).toBe(60);
    expect(pod.terminationGracePeriodSeconds).toBe(605);
    expect(pod.securityContext.runAsUser).toBe(2000);
    expect(pod.automountServiceAccountToken).toBe(true);
    expect(c.env).toContainEqual({ name: 'VLLM_LOGGING_LEVEL', value: 'INFO' });
    expect(dep.spec.template.metadata.labels[PlatformLabels.VERSION]).toBe('v3');
  });

  test('candidate version side by side: stable names, one Service, per-version labels', () => {
    let server!: ModelServer;
    const objects = synthChart((chart) => {
      server = model(chart, {
        candidate: { version: 'v2', source: ModelSource.s3({ bucket: 'acme-models', prefix: 'models/llama3-8b/', versionId: 'v2' }), replicas: 2 },
      });
    });
    expect(server.versions).toEqual(['stable', 'candidate']);
    expect(server.deploymentNames).toEqual({ stable: 'llama3-8b-stable', candidate: 'llama3-8b-candidate' });
    const cand = findObject(objects, 'Deployment', 'llama3-8b-candidate');
    expect(cand.spec.replicas).toBe(2);
    expect(cand.spec.selector.matchLabels[PlatformLabels.MODEL_VERSION]).toBe('candidate');
    expect(cand.spec.template.metadata.labels[PlatformLabels.VERSION]).toBe('v2');
    expect(cand.spec.template.metadata.annotations[PlatformLabels.MODEL_REVISION_ANNOTATION]).toBe('v2');
    expect(cand.spec.template.spec.initContainers[0].command).toEqual(['aws', 's3', 'sync', 's3://acme-models/models/llama3-8b/v2/', '/models/weights', '--only-show-errors', '--no-progress']);
    expect(findObjects(objects, 'Service')).toHaveLength(1);
    expect(findObject(objects, 'PodDisruptionBudget', 'llama3-8b-candidate')).toBeDefined();
    // only the stable version is autoscaled
    expect(findObjects(objects, 'ScaledObject')).toHaveLength(1);
  });

  test('ModelServer constructed directly against a tenant from attributes', () => {
    const objects = synthChart((chart) => {
      new ModelServer(chart, 'Direct', {
        tenant: Tenant.fromTenantAttributes({ tenantName: 'chat', namespace: 'chat-prod', gpuQuota: 4, environment: 'prod' }),
        modelName: 'mistral',
        runtime: ModelRuntime.TGI,
        image: `ghcr.io/huggingface/text-generation-inference:3.3.4@${DIGEST}`,
        source: hfSource(),
        pool: a10gPool(),
        autoscaling: ModelAutoscaling.fixed(),
      });
    });
    const dep = findObject(objects, 'Deployment', 'mistral-stable');
    expect(dep.metadata.namespace).toBe('chat-prod');
    expect(dep.spec.replicas).toBe(2);
    expect(dep.metadata.labels[PlatformLabels.ENVIRONMENT]).toBe('prod');
    expect(podOf(dep).containers[0].command).toEqual(['text-generation-launcher']);
  });

  test('allowUnpinnedImages accepts a tag for development', () => {
    const objects = synthChart((chart) => { model(chart, { image: 'vllm/vllm-openai:v0.10.1', allowUnpinnedImages: true }); });
    expect(podOf(findObject(objects, 'Deployment', 'llama3-8b-stable')).containers[0].image).toBe('vllm/vllm-openai:v0.10.1');
  });
});

describe('ModelServer bad input', () => {
  test('GPUs per replica above the pool GPUs per node', () => {
    synthChart((chart) => {
      expectValidationError(() => model(chart, { gpusPerReplica: 2 }), 'gpusPerReplica', '2');
    });
  });

  test('tensor parallel size different from GPUs per replica', () => {
    synthChart((chart) => {
      expectValidationError(() => model(chart, { pool: l40sPool(), gpusPerReplica: 2, tensorParallelSize: 4 }), 'tensorParallelSize', '4');
    });
  });

  test('model on a tenant that is not GPU-entitled', () => {
    synthChart((chart) => {
      const t = new Tenant(chart, 'NoGpu', { tenantName: 'web' });
      expectValidationError(() => model(chart, {}, t), 'tenant', "'web'");
    });
  });

  test('replicas over the tenant GPU quota', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 3 });
      expectValidationError(() => model(chart, { replicas: { min: 2, max: 4 } }, t), 'replicas.max', '4');
    });
  });

  test('replicas over the quota counted across models and candidates', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 5 });
      const first = model(chart, {}, t);
      expectValidationError(() => model(chart, { modelName: 'second' }, t), 'replicas.max', '4');
      expectValidationError(() => first.addCandidate({ version: 'v2', source: ModelSource.pvc({ claimName: 'w', revision: 'v2' }), replicas: 2 }), 'candidate.replicas', '2');
    });
  });

  test('tenant quota smaller than one replica', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 2 });
      expectValidationError(() => model(chart, { pool: l40sPool(), gpusPerReplica: 4 }, t), 'gpusPerReplica', '4');
    });
  });

  test('image not pinned by digest', () => {
    synthChart((chart) => {
      expectValidationError(() => model(chart, { image: 'vllm/vllm-openai:latest' }), 'image', "'vllm/vllm-openai:latest'");
    });
  });

  test('names not DNS-1123', () => {
    synthChart((chart) => {
      const t = tenant(chart);
      expectValidationError(() => model(chart, { modelName: 'Llama_3' }, t), 'modelName', "'Llama_3'");
      expectValidationError(() => model(chart, { modelName: 'a'.repeat(54) }, t), 'modelName', /got 'a{54}'/);
    });
  });

  test('duplicate model names in a tenant', () => {
    synthChart((chart) => {
      const t = tenant(chart);
      model(chart, { replicas: { min: 1, max: 1 } }, t);
      expectValidationError(() => t.addModel('Again', {
        modelName: 'llama3-8b', runtime: ModelRuntime.VLLM, image: VLLM_IMAGE, source: hfSource(), pool: a10gPool(), replicas: { min: 1, max: 1 },
      }), 'modelName', "'llama3-8b'");
    });
  });

  test('replica range, resources and versions', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 100 });
      expectValidationError(() => model(chart, { modelName: 'a', replicas: { min: 0, max: 1 } }, t), 'replicas.min', '0');
      expectValidationError(() => model(chart, { modelName: 'b', replicas: { min: 3, max: 2 } }, t), 'replicas.max', '2');
      expectValidationError(() => model(chart, { modelName: 'c', sharedMemory: Size.gibibytes(30) }, t), 'sharedMemory', "'30720Mi'");
      expectValidationError(() => model(chart, { modelName: 'd', version: 'not a label' }, t), 'version', "'not a label'");
      expectValidationError(() => model(chart, { modelName: 'e', cpu: 0 }, t), 'cpu', '0');
      expectValidationError(() => model(chart, { modelName: 'f', runAsUser: 0 }, t), 'runAsUser', '0');
      expectValidationError(() => model(chart, { modelName: 'g', env: { 'BAD NAME': 'x' } }, t), 'env.BAD NAME', "'BAD NAME'");
    });
  });

  test('one candidate at a time, different from stable, pinned image', () => {
    synthChart((chart) => {
      const m = model(chart);
      expectValidationError(() => m.addCandidate({ version: SHA, source: hfSource() }), 'candidate.version', `'${SHA}'`);
      expectValidationError(() => m.addCandidate({ version: 'v2', source: hfSource(), image: 'vllm/vllm-openai:v2' }), 'candidate.image', "'vllm/vllm-openai:v2'");
      m.addCandidate({ version: 'v2', source: hfSource(), image: `vllm/vllm-openai:v0.11.0@${DIGEST}` });
      expectValidationError(() => m.addCandidate({ version: 'v3', source: hfSource() }), 'candidate', "'v3'");
    });
  });

  test('the pool is the source of truth: a 4-GPU model cannot target a mixed pool smaller than 4', () => {
    const pool = GpuPool.fromAttributes({ poolName: 'mixed', instanceTypes: [GpuInstanceType.G6E_12XLARGE, GpuInstanceType.G6E_2XLARGE] });
    synthChart((chart) => {
      expectValidationError(() => model(chart, { pool, gpusPerReplica: 4 }), 'gpusPerReplica', '4');
    });
  });
});

describe('defect 13: single-replica models survive rollouts and drains', () => {
  const single = (options: any = {}, quota = 12) => {
    let server!: ModelServer;
    const objects = synthChart((chart) => {
      server = model(chart, { pool: l40sPool(), gpusPerReplica: 4, replicas: { min: 1, max: 2 }, ...options }, tenant(chart, { gpuQuota: quota }));
    });
    return { server, objects };
  };

  test('the broken variant (maxSurge 0 / maxUnavailable 1 at 1 replica) is refused', () => {
    synthChart((chart) => {
      const broken = { pool: l40sPool(), gpusPerReplica: 4, replicas: { min: 1, max: 2 }, rolloutSurge: 0 };
      expectValidationError(() => model(chart, broken, tenant(chart, { gpuQuota: 12 })),
        'rolloutSurge', '0');
    });
  });

  test('a single replica surges one new replica before the old one stops', () => {
    const { server, objects } = single();
    expect(server.rolloutSurge).toBe(1);
    expect(findObject(objects, 'Deployment', 'llama3-8b-stable').spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('its PodDisruptionBudget keeps the only replica and never lets an unready one block a drain', () => {
    const { objects } = single();
    expect(findObject(objects, 'PodDisruptionBudget', 'llama3-8b-stable').spec).toEqual({
      minAvailable: 1, unhealthyPodEvictionPolicy: 'AlwaysAllow', selector: { matchLabels: { [PlatformLabels.MODEL]: 'llama3-8b', [PlatformLabels.MODEL_VERSION]: 'stable' } },
    });
  });

  test('the surge replica counts against the tenant quota: (max 2 + surge 1) x 4 GPUs = 12', () => {
    synthChart((chart) => {
      expectValidationError(() => model(chart, { pool: l40sPool(), gpusPerReplica: 4, replicas: { min: 1, max: 2 } }, tenant(chart, { gpuQuota: 8 })),
        'replicas.max', /needed 12: model llama3-8b \(stable, 2 \+ 1 rollout surge x 4 GPUs\): 12/);
    });
    expect(() => single({}, 12)).not.toThrow();
  });

  test('an explicit surge from 2 replicas; a fixed model reserves min + surge', () => {
    const { server, objects } = single({ replicas: { min: 2, max: 2 }, autoscaling: ModelAutoscaling.fixed(), rolloutSurge: 1 });
    expect(server.rolloutSurge).toBe(1);
    const dep = findObject(objects, 'Deployment', 'llama3-8b-stable');
    expect(dep.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(findObject(objects, 'PodDisruptionBudget', 'llama3-8b-stable').spec.maxUnavailable).toBe(1);
    synthChart((chart) => {
      const fixed = { pool: l40sPool(), gpusPerReplica: 4, replicas: { min: 2, max: 2 }, autoscaling: ModelAutoscaling.fixed(), rolloutSurge: 1 };
      expectValidationError(() => model(chart, fixed,
        tenant(chart, { gpuQuota: 8 })), 'replicas.min', '2');
    });
    synthChart((chart) => {
      expectValidationError(() => model(chart, { rolloutSurge: -1 }), 'rolloutSurge', '-1');
    });
  });

  test('a single-replica candidate surges too, within the quota', () => {
    const { objects } = single({
      replicas: { min: 2, max: 2 },
      autoscaling: ModelAutoscaling.fixed(),
      candidate: { version: 'v2', source: ModelSource.s3({ bucket: 'acme-models', prefix: 'm/', versionId: 'v2' }) },
    }, 16);
    expect(findObject(objects, 'Deployment', 'llama3-8b-candidate').spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    expect(findObject(objects, 'PodDisruptionBudget', 'llama3-8b-candidate').spec.minAvailable).toBe(1);
    synthChart((chart) => {
      expectValidationError(() => model(chart, {
        pool: l40sPool(),
        gpusPerReplica: 4,
        replicas: { min: 2, max: 2 },
        autoscaling: ModelAutoscaling.fixed(),
        candidate: { version: 'v2', source: ModelSource.s3({ bucket: 'acme-models', prefix: 'm/', versionId: 'v2' }) },
      }, tenant(chart, { gpuQuota: 12 })), 'candidate.replicas', '1');
    });
  });

  test('ModelServer.defaultRolloutSurge', () => {
    expect([1, 2, 5].map((n) => ModelServer.defaultRolloutSurge(n))).toEqual([1, 0, 0]);
  });
});

describe('issue 15: model sizing on the building block', () => {
  const size405 = {
    parameters: 405, dataType: ModelDataType.FP8, architecture: ModelArchitecture.LLAMA_3_1_405B, contextLength: 8192, concurrency: 8,
  };

  test('a model that does not fit its GPUs is refused at synth, saying by how much and what fixes it', () => {
    expectValidationError(() => synthChart((chart) => model(chart, { size: size405 })), 'size',
      /'size' does not fit 1 A10G GPU of pool 'a10g' \(g5\.2xlarge\): needs [\d.]+ GiB of GPU memory per replica .* short by [\d.]+ GiB, got '405B fp8, 8192 tokens x 8'; .*GPUs per replica/);
  });

  test('the check uses the pool\'s smallest GPU and the utilization given (a tighter utilization can break the fit)', () => {
    const size = { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 8192, concurrency: 2 };
    expect(() => synthChart((chart) => model(chart, { size }))).not.toThrow();
    expectValidationError(() => synthChart((chart) => model(chart, { size, gpuMemoryUtilization: 0.5 })), 'size', /at gpu-memory-utilization 0\.5/);
  });

  test('size errors are named under size.', () => {
    expectValidationError(() => synthChart((chart) => model(chart, { size: { parameters: -8 } })), 'size.parameters', '-8');
    expectValidationError(() => synthChart((chart) => model(chart, { size: { parameters: 8, dataType: 'fp3' as ModelDataType } })), 'size.dataType', "'fp3'");
    const tooLong = { parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B, contextLength: 16384 };
    expectValidationError(() => synthChart((chart) => model(chart, { size: tooLong })),
      'size.contextLength', '16384');
  });

  test('explicit context and batching above the sized ones are refused (the fit check would not hold)', () => {
    const size = { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 4096, concurrency: 2 };
    expectValidationError(() => synthChart((chart) => model(chart, { size, maxModelLength: 8192 })), 'maxModelLength', '8192');
    expectValidationError(() => synthChart((chart) => model(chart, { size, maxConcurrency: 4 })), 'maxConcurrency', '4');
    expectValidationError(() => synthChart((chart) => model(chart, { weightsVolumeSize: Size.mebibytes(512) })), 'weightsVolumeSize', "'512Mi'");
  });

  test('sized: weights volume and ephemeral-storage from the weights, flags from the context and concurrency; a PVC source gets no storage request', () => {
    const size = { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 4096, concurrency: 4 };
    const objects = synthChart((chart) => {
      const t = tenant(chart);
      model(chart, { size, replicas: { min: 1, max: 1 } }, t);
      model(chart, { modelName: 'on-pvc', size, replicas: { min: 1, max: 1 }, source: ModelSource.pvc({ claimName: 'weights', revision: 'v1' }) }, t);
    });
    const pod = podOf(findObject(objects, 'Deployment', 'llama3-8b-stable'));
    expect(pod.volumes.find((v: any) => v.name === 'model-weights').emptyDir.sizeLimit).toBe('18Gi');
    expect(pod.containers[0].resources.requests['ephemeral-storage']).toBe('42Gi');
    expect(pod.containers[0].args).toEqual(['/models/weights', '--port', '8000', '--served-model-name', 'llama3-8b', '--tensor-parallel-size', '1',
      '--max-model-len', '4096', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '4']);
    const pvc = podOf(findObject(objects, 'Deployment', 'on-pvc-stable'));
    expect(pvc.containers[0].resources.requests['ephemeral-storage']).toBeUndefined();
  });

  test('Triton has no memory flag: no --gpu-memory-utilization is invented, the check assumes 0.9', () => {
    const size = { parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 4096, concurrency: 4 };
    const objects = synthChart((chart) => model(chart, { runtime: ModelRuntime.TRITON, size, replicas: { min: 1, max: 1 } }));
    const c = podOf(findObject(objects, 'Deployment', 'llama3-8b-stable')).containers[0];
    expect(c.args).toEqual(['--model-repository', '/models/weights', '--strict-readiness=true', '--exit-on-error=true']);
  });
});
