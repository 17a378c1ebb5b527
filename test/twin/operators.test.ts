import { ObjectIndex } from '../../src/twin/private/model';
import {
  collectorExpansion, collectorFacts, collectorPorts, inferenceServiceExpansion, kserveFacts, kserveSettingsOf,
  MADE_BY, pytorchJobExpansion, pytorchJobFacts,
} from '../../src/twin/private/operators';

function kserveApp(controller: any = { deploymentMode: 'Standard' }): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-kserve', namespace: 'argocd' },
    spec: { destination: { namespace: 'kserve' }, source: { chart: 'kserve-resources', repoURL: 'ghcr.io/kserve/charts', targetRevision: 'v0.19.0', helm: { valuesObject: { kserve: { controller } } } } },
  };
}

function isvc(opts: { annotations?: Record<string, string>; labels?: Record<string, string>; predictor?: any; spec?: any } = {}): any {
  return {
    apiVersion: 'serving.kserve.io/v1beta1',
    kind: 'InferenceService',
    metadata: {
      name: 'llama3-70b',
      namespace: 'support',
      labels: { 'llm-platform.io/model': 'llama3-70b', ...(opts.labels ?? {}) },
      annotations: { 'serving.kserve.io/deploymentMode': 'RawDeployment', 'serving.kserve.io/autoscalerClass': 'external', ...(opts.annotations ?? {}) },
    },
    spec: opts.spec ?? {
      predictor: {
        minReplicas: 1,
        maxReplicas: 3,
        serviceAccountName: 'llama3-70b',
        labels: { extra: 'yes' },
        annotations: { 'karpenter.sh/do-not-disrupt': 'true', 'modelFormat': 'x' },
        containers: [{ name: 'kserve-container', image: 'vllm@sha256:1', ports: [{ name: 'http', containerPort: 8000, protocol: 'TCP' }, { name: 'grpc-x', containerPort: 9000 }] }],
        ...(opts.predictor ?? {}),
      },
    },
  };
}

describe('KServe InferenceService (v0.19.0, Standard mode)', () => {
  const index = (...o: any[]) => new ObjectIndex([kserveApp(), ...o]);

  test('predictor pod: name prefix, labels, annotations, kserve-container first, INFERENCE_SERVICE_NAME, defaults', () => {
    const o = isvc();
    const r = inferenceServiceExpansion(o, index(o));
    expect(r.notModelled).toEqual([]);
    expect(r.pods).toHaveLength(1);
    const p = r.pods[0];
    expect(p).toMatchObject({ owner: 'InferenceService support/llama3-70b', origin: 'operator', namespace: 'support', namePrefix: 'llama3-70b-predictor-', templatePath: 'spec.predictor' });
    expect(p.scaleTarget).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama3-70b-predictor' });
    expect(p.pod.metadata.generateName).toBe('llama3-70b-predictor-');
    expect(p.pod.metadata.labels).toEqual({
      'llm-platform.io/model': 'llama3-70b', 'extra': 'yes', 'serving.kserve.io/inferenceservice': 'llama3-70b', 'component': 'predictor', 'app': 'isvc.llama3-70b-predictor',
    });
    expect(p.pod.metadata.annotations).toEqual({ 'serving.kserve.io/deploymentMode': 'RawDeployment', 'serving.kserve.io/autoscalerClass': 'external', 'karpenter.sh/do-not-disrupt': 'true' });
    const c = p.pod.spec.containers[0];
    expect(c.name).toBe('kserve-container');
    expect(c.env).toEqual([{ name: 'INFERENCE_SERVICE_NAME', value: 'llama3-70b' }]);
    expect(c).toMatchObject({ terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' });
    expect(c.readinessProbe).toEqual({ tcpSocket: { port: 8000 }, timeoutSeconds: 1, periodSeconds: 10, successThreshold: 1, failureThreshold: 3 });
    expect(p.pod.spec).toMatchObject({ dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler', serviceAccountName: 'llama3-70b' });
    expect(p.pod.spec.minReplicas).toBeUndefined();
    expect(p.pod.spec.labels).toBeUndefined();
  });

  test('the predictor Service exposes port 80 to the first container port (not 8000), with KServe\'s selector', () => {
    const o = isvc();
    const svc = inferenceServiceExpansion(o, index(o)).derived.find((d) => d.kind === 'Service');
    expect(kserveFacts().service.port).toBe(80);
    expect(svc.metadata).toMatchObject({ name: 'llama3-70b-predictor', namespace: 'support' });
    expect(svc.metadata.annotations[MADE_BY]).toBe('InferenceService support/llama3-70b');
    expect(svc.metadata.labels).toEqual({
      'llm-platform.io/model': 'llama3-70b', 'extra': 'yes', 'serving.kserve.io/inferenceservice': 'llama3-70b', 'component': 'predictor', 'app': 'isvc.llama3-70b-predictor',
    });
    expect(svc.spec).toEqual({
      selector: { app: 'isvc.llama3-70b-predictor' },
      ports: [{ name: 'http', port: 80, targetPort: 8000, protocol: 'TCP' }, { name: 'grpc-x', port: 9000, targetPort: 9000, protocol: 'TCP', appProtocol: 'kubernetes.io/h2c' }],
    });
  });

  test('no container port: port 80 to 8080 named after the predictor', () => {
    const o = isvc({ predictor: { containers: [{ name: 'kserve-container', image: 'x' }] } });
    const svc = inferenceServiceExpansion(o, index(o)).derived.find((d) => d.kind === 'Service');
    expect(svc.spec.ports).toEqual([{ name: 'llama3-70b-predictor', port: 80, targetPort: 8080, protocol: 'TCP' }]);
  });

  test('KServe creates a raw Ingress without TLS unless ingress creation is disabled', () => {
    const o = isvc();
    const ing = inferenceServiceExpansion(o, index(o)).derived.find((d) => d.kind === 'Ingress');
    expect(ing.metadata.name).toBe('llama3-70b');
    expect(ing.spec.tls).toBeUndefined();
    expect(ing.spec.ingressClassName).toBe('istio');
    expect(ing.spec.rules.map((r: any) => r.host)).toEqual(['llama3-70b-support.example.com', 'llama3-70b-predictor-support.example.com']);
    expect(ing.spec.rules[0].http.paths[0].backend).toEqual({ service: { name: 'llama3-70b-predictor', port: { number: 80 } } });
    const disabled = new ObjectIndex([kserveApp({ deploymentMode: 'Standard', gateway: { disableIngressCreation: true } }), o]);
    expect(inferenceServiceExpansion(o, disabled).derived.map((d) => d.kind)).toEqual(['Service']);
    const local = isvc({ labels: { 'networking.kserve.io/visibility': 'cluster-local' } });
    expect(inferenceServiceExpansion(local, index(local)).derived.map((d) => d.kind)).toEqual(['Service']);
    const gw = new ObjectIndex([kserveApp({ deploymentMode: 'Standard', gateway: { ingressGateway: { enableGatewayApi: true } } }), o]);
    expect(inferenceServiceExpansion(o, gw).notModelled).toEqual(['InferenceService support/llama3-70b: the Gateway API HTTPRoute KServe creates (ingressGateway.enableGatewayApi) is not modelled']);
  });

  test('settings: chart defaults (Knative, ingress on) and the Application values', () => {
    expect(kserveSettingsOf(new ObjectIndex([]))).toMatchObject({ installed: false, deploymentMode: 'Knative', gateway: { disableIngressCreation: false, domain: 'example.com' } });
    expect(kserveSettingsOf(index())).toMatchObject({ installed: true, deploymentMode: 'Standard', application: 'Application argocd/prod-kserve' });
  });

  test('replicas by autoscaler class: hpa (KServe HPA), none, keda, external', () => {
    const bounds = (cls: string, predictor: any = {}) => {
      const o = isvc({ annotations: { 'serving.kserve.io/autoscalerClass': cls }, predictor });
      const p = inferenceServiceExpansion(o, index(o)).pods[0];
      return [p.minReplicas, p.maxReplicas, p.externalAutoscaling];
    };
    expect(bounds('hpa')).toEqual([1, 3, false]);
    expect(bounds('hpa', { minReplicas: 0, maxReplicas: 0 })).toEqual([1, 1, false]);
    expect(bounds('none', { minReplicas: 2 })).toEqual([2, 2, false]);
    expect(bounds('keda', { minReplicas: 0, maxReplicas: 4 })).toEqual([0, 4, false]);
    expect(bounds('external')).toEqual([1, 1, true]);
  });

  test('not modelled: Knative mode, model specs, transformer, storage initializer, no KServe add-on', () => {
    const knative = isvc({ annotations: { 'serving.kserve.io/deploymentMode': 'Serverless' } });
    expect(inferenceServiceExpansion(knative, index(knative))).toEqual({ pods: [], derived: [], notModelled: ['InferenceService support/llama3-70b: deployment mode Serverless not modelled (only Standard/RawDeployment), no pods modelled'] });
    const byChart = isvc({ annotations: { 'serving.kserve.io/deploymentMode': undefined as any } });
    delete byChart.metadata.annotations['serving.kserve.io/deploymentMode'];
    expect(inferenceServiceExpansion(byChart, new ObjectIndex([kserveApp({})])).notModelled[0]).toContain('deployment mode Knative not modelled');
    const model = isvc({ spec: { predictor: { model: { modelFormat: { name: 'sklearn' }, storageUri: 's3://b/m' } } } });
    expect(inferenceServiceExpansion(model, index(model)).pods).toEqual([]);
    const extra = isvc({ predictor: { storageUri: 's3://b/m', logger: { mode: 'all' } } });
    extra.spec.transformer = { containers: [{ name: 'transformer-container', image: 't' }] };
    const r = inferenceServiceExpansion(extra, index(extra));
    expect(r.pods).toHaveLength(1);
    expect(r.notModelled).toEqual([
      'InferenceService support/llama3-70b: transformer not modelled',
      'InferenceService support/llama3-70b: the logger/batcher agent container KServe\'s pod mutator adds is not modelled',
      'InferenceService support/llama3-70b: the storage-initializer init container KServe\'s pod mutator adds is not modelled',
    ]);
    expect(r.derived.find((d) => d.kind === 'Service').spec.ports[0].targetPort).toBe(9081);
    const o = isvc();
    expect(inferenceServiceExpansion(o, new ObjectIndex([o])).notModelled).toEqual(['InferenceService support/llama3-70b: no Application installs the KServe controller (kserve-resources), the predictor is modelled as KServe v0.19.0 would build it']);
  });

  test('odd input never throws', () => {
    for (const o of [{ kind: 'InferenceService', metadata: { name: 'x' } }, { kind: 'InferenceService', metadata: { name: 'x' }, spec: { predictor: { containers: 'no' } } }, {}]) {
      expect(() => inferenceServiceExpansion(o, index())).not.toThrow();
      expect(inferenceServiceExpansion(o, index()).pods).toEqual([]);
    }
  });
});

function pytorchJob(specs?: any, extra: any = {}): any {
  const template = (role: string) => ({
    metadata: { labels: { 'app.kubernetes.io/name': 'support-lora', role } },
    spec: { containers: [{ name: 'pytorch', image: 'trainer@sha256:1', env: [{ name: 'A', value: '1' }] }] },
  });
  return {
    apiVersion: 'kubeflow.org/v1',
    kind: 'PyTorchJob',
    metadata: { name: 'support-lora', namespace: 'support' },
    spec: { nprocPerNode: '1', pytorchReplicaSpecs: specs ?? { Master: { replicas: 1, restartPolicy: 'OnFailure', template: template('m') }, Worker: { replicas: 3, restartPolicy: 'ExitCode', template: template('w') } }, ...extra },
  };
}

describe('Kubeflow PyTorchJob (training operator v1.9.4)', () => {
  test('master and worker pods with the operator labels, default port, env and restart policy', () => {
    const r = pytorchJobExpansion(pytorchJob());
    expect(r.notModelled).toEqual([]);
    expect(r.pods.map((p) => [p.namePrefix, p.minReplicas, p.maxReplicas, p.templatePath])).toEqual([
      ['support-lora-master-', 1, 1, 'spec.pytorchReplicaSpecs.Master.template'], ['support-lora-worker-', 3, 3, 'spec.pytorchReplicaSpecs.Worker.template'],
    ]);
    const [master, worker] = r.pods.map((p) => p.pod);
    expect(master.metadata.name).toBe('support-lora-master-0');
    expect(master.metadata.labels).toEqual({
      'app.kubernetes.io/name': 'support-lora',
      'role': 'm',
      'training.kubeflow.org/operator-name': 'pytorchjob-controller',
      'training.kubeflow.org/job-name': 'support-lora',
      'training.kubeflow.org/replica-type': 'master',
      'training.kubeflow.org/replica-index': '0',
      'training.kubeflow.org/job-role': 'master',
    });
    expect(worker.metadata.labels['training.kubeflow.org/job-role']).toBeUndefined();
    expect(master.spec.restartPolicy).toBe('OnFailure');
    expect(worker.spec.restartPolicy).toBe('Never');
    expect(master.spec.containers[0].ports).toEqual([{ name: 'pytorchjob-port', containerPort: 23456 }]);
    expect(worker.spec.containers[0].env).toEqual([
      { name: 'A', value: '1' }, { name: 'PYTHONUNBUFFERED', value: '1' }, { name: 'MASTER_PORT', value: '23456' }, { name: 'MASTER_ADDR', value: 'support-lora-master-0' },
      { name: 'WORLD_SIZE', value: '4' }, { name: 'RANK', value: '1' }, { name: 'PET_NODE_RANK', value: '1' }, { name: 'PET_NPROC_PER_NODE', value: '1' }, { name: 'PET_NNODES', value: '4' },
    ]);
  });

  test('workers get the init-pytorch init container exactly as upstream: alpine:3.10, no securityContext', () => {
    const [master, worker] = pytorchJobExpansion(pytorchJob()).pods.map((p) => p.pod);
    expect(master.spec.initContainers).toBeUndefined();
    expect(worker.spec.initContainers).toEqual([{
      name: 'init-pytorch',
      image: 'alpine:3.10',
      imagePullPolicy: 'IfNotPresent',
      resources: { limits: { cpu: '100m', memory: '20Mi' }, requests: { cpu: '50m', memory: '10Mi' } },
      command: ['sh', '-c', 'err=1;for i in $(seq 100); do if nslookup support-lora-master-0; then err=0 && break; fi;echo waiting for master; sleep 2; done; exit $err'],
    }]);
    expect(worker.spec.initContainers[0].securityContext).toBeUndefined();
    expect(pytorchJobFacts().initContainer.securityContext).toBeNull();
  });

  test('no master: no init container, worker 0 is the master role; lowercase replica keys are accepted', () => {
    const r = pytorchJobExpansion(pytorchJob({ worker: { replicas: 2, template: { spec: { containers: [{ name: 'pytorch', image: 'x' }] } } } }));
    expect(r.pods).toHaveLength(1);
    expect(r.pods[0].pod.spec.initContainers).toBeUndefined();
    expect(r.pods[0].pod.metadata.labels['training.kubeflow.org/job-role']).toBe('master');
    expect(r.pods[0].pod.spec.restartPolicy).toBe('OnFailure');
  });

  test('one headless Service per replica type (index 0 shown)', () => {
    const svc = pytorchJobExpansion(pytorchJob()).derived;
    expect(svc.map((s) => [s.metadata.name, s.spec.clusterIP])).toEqual([['support-lora-master-0', 'None'], ['support-lora-worker-0', 'None']]);
    expect(svc[0].spec.ports).toEqual([{ name: 'pytorchjob-port', port: 23456, targetPort: 23456 }]);
  });

  test('not modelled: elastic policy, unknown replica types, missing specs', () => {
    expect(pytorchJobExpansion(pytorchJob(undefined, { elasticPolicy: { maxReplicas: 4 } })).notModelled).toEqual(['PyTorchJob support/support-lora: elasticPolicy (elastic training, its HPA and PET_* rendezvous env) not modelled']);
    expect(pytorchJobExpansion(pytorchJob({ Launcher: { template: { spec: { containers: [] } } } })).notModelled).toEqual(['PyTorchJob support/support-lora: replica type Launcher not modelled']);
    expect(pytorchJobExpansion({ kind: 'PyTorchJob', metadata: { name: 'x', namespace: 'n' } }).notModelled).toEqual(['PyTorchJob n/x: no metadata.name or spec.pytorchReplicaSpecs, no pods modelled']);
  });
});

function collector(spec: any = {}): any {
  return {
    apiVersion: 'opentelemetry.io/v1beta1',
    kind: 'OpenTelemetryCollector',
    metadata: { name: 'otel-gateway', namespace: 'observability', labels: { 'app.kubernetes.io/component': 'telemetry-gateway', 'team': 'obs' } },
    spec: {
      mode: 'deployment',
      replicas: 2,
      config: {
        receivers: { 'otlp': { protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } }, 'prometheus/models': { config: {} } },
        exporters: { 'otlp/traces': { endpoint: 'tempo:4317' } },
        extensions: { health_check: { endpoint: '0.0.0.0:13133' } },
        service: { extensions: ['health_check'], pipelines: { metrics: { receivers: ['otlp', 'prometheus/models'], exporters: ['otlp/traces'] } } },
      },
      securityContext: { runAsNonRoot: true },
      podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      resources: { limits: { memory: '2Gi' } },
      ...spec,
    },
  };
}

function otelApp(collectorImage?: any): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-opentelemetry-operator', namespace: 'argocd' },
    spec: { source: { chart: 'opentelemetry-operator', targetRevision: '0.90.4', helm: { valuesObject: collectorImage ? { manager: { collectorImage } } : {} } } },
  };
}

describe('OpenTelemetryCollector (operator v0.126.0)', () => {
  test('collector pod: otc-container, ports from the config sorted by name, labels, annotations, security contexts as given', () => {
    const o = collector();
    const r = collectorExpansion(o, new ObjectIndex([o]));
    expect(r.notModelled).toEqual([]);
    const p = r.pods[0];
    expect(p).toMatchObject({ namespace: 'observability', namePrefix: 'otel-gateway-collector-', minReplicas: 2, maxReplicas: 2, templatePath: 'spec' });
    expect(p.scaleTarget).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'otel-gateway-collector' });
    const c = p.pod.spec.containers[0];
    expect(c.name).toBe('otc-container');
    expect(c.ports).toEqual([
      { name: 'health-check', containerPort: 13133, protocol: 'TCP' }, { name: 'metrics', containerPort: 8888, protocol: 'TCP' },
      { name: 'otlp-grpc', containerPort: 4317, protocol: 'TCP' }, { name: 'otlp-http', containerPort: 4318, protocol: 'TCP' },
    ]);
    expect(c.args).toEqual(['--config=/conf/collector.yaml']);
    expect(c.securityContext).toEqual({ runAsNonRoot: true });
    expect(c.livenessProbe).toEqual({ httpGet: { path: '/', port: 13133 } });
    expect(p.pod.spec.securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(p.pod.spec.serviceAccountName).toBe('otel-gateway-collector');
    expect(p.pod.metadata.labels).toEqual({
      'app.kubernetes.io/component': 'opentelemetry-collector',
      'team': 'obs',
      'app.kubernetes.io/managed-by': 'opentelemetry-operator',
      'app.kubernetes.io/instance': 'observability.otel-gateway',
      'app.kubernetes.io/part-of': 'opentelemetry',
      'app.kubernetes.io/version': 'latest',
      'app.kubernetes.io/name': 'otel-gateway-collector',
    });
    expect(p.pod.metadata.annotations).toMatchObject(collectorFacts().podAnnotations);
    expect(p.pod.metadata.annotations['opentelemetry-operator-config/sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('image: spec.image, else the add-on\'s collectorImage, else the chart default', () => {
    const image = (objects: any[], spec: any = {}) =>
      collectorExpansion(collector(spec), new ObjectIndex(objects)).pods[0].pod.spec.containers[0].image;
    expect(image([])).toBe('ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-k8s:0.126.0');
    expect(image([otelApp({ repository: 'otel/opentelemetry-collector-k8s' })])).toBe('otel/opentelemetry-collector-k8s:0.126.0');
    expect(image([otelApp()], { image: 'reg.example/otel@sha256:abc' })).toBe('reg.example/otel@sha256:abc');
    const labels = collectorExpansion(collector({ image: 'reg.example/otel:0.126.0' }), new ObjectIndex([])).pods[0].pod.metadata.labels;
    expect(labels['app.kubernetes.io/version']).toBe('0.126.0');
  });

  test('modes and autoscaler: daemonset -1, statefulset, autoscaler min/max; sidecar not modelled', () => {
    const r = (spec: any) => collectorExpansion(collector(spec), new ObjectIndex([]));
    expect([r({ mode: 'daemonset' }).pods[0].minReplicas, r({ mode: 'daemonset' }).pods[0].scaleTarget]).toEqual([-1, undefined]);
    expect(r({ mode: 'statefulset' }).pods[0].scaleTarget!.kind).toBe('StatefulSet');
    expect([r({ autoscaler: { maxReplicas: 5 } }).pods[0].minReplicas, r({ autoscaler: { maxReplicas: 5 } }).pods[0].maxReplicas]).toEqual([2, 5]);
    expect([r({ replicas: undefined }).pods[0].minReplicas]).toEqual([1]);
    expect(r({ mode: 'sidecar' })).toEqual({ pods: [], derived: [], notModelled: ['OpenTelemetryCollector observability/otel-gateway: sidecar mode (the collector injected into annotated pods) not modelled'] });
    expect(r({ targetAllocator: { enabled: true } }).notModelled).toEqual(['OpenTelemetryCollector observability/otel-gateway: the target allocator pods and the SHARD env are not modelled']);
  });

  test('ports: spec.ports win over inferred ones, prometheus exporter and metrics address', () => {
    const ports = collectorPorts({
      ports: [{ name: 'otlp-grpc', port: 14317 }],
      config: {
        receivers: { otlp: { protocols: { grpc: {} } } },
        exporters: { prometheus: { endpoint: '0.0.0.0:9464' } },
        service: { telemetry: { metrics: { address: '0.0.0.0:8889' } }, pipelines: { m: { receivers: ['otlp'], exporters: ['prometheus'] } } },
      },
    });
    expect(ports).toEqual([
      { name: 'metrics', containerPort: 8889, protocol: 'TCP' }, { name: 'otlp-grpc', containerPort: 14317 },
      { name: 'port-4317', containerPort: 4317, protocol: 'TCP' }, { name: 'prometheus', containerPort: 9464, protocol: 'TCP' },
    ]);
  });
});

describe('training operator version', () => {
  const app = (targetRevision: string) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-training-operator', namespace: 'argocd' },
    spec: { source: { repoURL: 'https://github.com/kubeflow/trainer.git', path: 'manifests/overlays/standalone', targetRevision } },
  });

  test('the pinned v1.9.4 matches the vendored facts; another version is said', () => {
    expect(pytorchJobExpansion(pytorchJob(), new ObjectIndex([app('v1.9.4')])).notModelled).toEqual([]);
    expect(pytorchJobExpansion(pytorchJob(), new ObjectIndex([app('v1.8.1')])).notModelled).toEqual([
      'PyTorchJob support/support-lora: Application argocd/prod-training-operator installs training operator v1.8.1, its pods are modelled with the vendored v1.9.4 facts',
    ]);
  });
});

describe('training operator init container settings from the output', () => {
  const TEMPLATE = [
    '- name: init-pytorch',
    '  image: {{.InitContainerImage}}',
    '  imagePullPolicy: IfNotPresent',
    '  securityContext:',
    '    runAsNonRoot: true',
    '    runAsUser: 65534',
    '  command: [\'sh\', \'-c\', \'for i in $(seq {{.MaxTries}}); do nslookup {{.MasterAddr}} && exit 0; done; exit 1\']',
    '',
  ].join('\n');
  const operatorApp = (podSpec: any, annotations: any = {}) => ({
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name: 'prod-training-operator', namespace: 'argocd' },
    spec: {
      destination: { namespace: 'kubeflow' },
      source: {
        repoURL: 'https://github.com/kubeflow/trainer.git',
        path: 'manifests/overlays/standalone',
        targetRevision: 'v1.9.4',
        kustomize: { patches: [{ target: { kind: 'Deployment', name: 'training-operator' }, patch: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'training-operator' }, spec: { template: { metadata: { annotations }, spec: podSpec } } }) }] },
      },
    },
  });
  const container = (args: string[]) => ({ name: 'training-operator', args, volumeMounts: [{ name: 'tpl', mountPath: '/etc/config', readOnly: true }] });

  test('a template mounted from a pod annotation, the mirrored image and max tries from the flags', () => {
    const app = operatorApp({
      containers: [container(['--pytorch-init-container-image=reg.example/mirror/alpine@sha256:1', '--pytorch-init-container-template-file=/etc/config/initContainer.yaml', '--pytorch-init-container-max-tries=7'])],
      volumes: [{ name: 'tpl', downwardAPI: { items: [{ path: 'initContainer.yaml', fieldRef: { fieldPath: 'metadata.annotations[\'llm-platform.io/tpl\']' } }] } }],
    }, { 'llm-platform.io/tpl': TEMPLATE });
    const r = pytorchJobExpansion(pytorchJob(), new ObjectIndex([app]));
    expect(r.notModelled).toEqual([]);
    expect(r.pods[1].pod.spec.initContainers).toEqual([{
      name: 'init-pytorch',
      image: 'reg.example/mirror/alpine@sha256:1',
      imagePullPolicy: 'IfNotPresent',
      securityContext: { runAsNonRoot: true, runAsUser: 65534 },
      command: ['sh', '-c', 'for i in $(seq 7); do nslookup support-lora-master-0 && exit 0; done; exit 1'],
    }]);
    expect(r.pods[1].mutations[1]).toBe('training operator v1.9.4: init container init-pytorch (reg.example/mirror/alpine@sha256:1, with securityContext) waits for support-lora-master-0, '
      + 'from the Application argocd/prod-training-operator: pod annotation llm-platform.io/tpl mounted at /etc/config/initContainer.yaml');
  });

  test('a template from a ConfigMap in the output', () => {
    const app = operatorApp({ containers: [container([])], volumes: [{ name: 'tpl', configMap: { name: 'init-tpl' } }] });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'init-tpl', namespace: 'kubeflow' }, data: { 'initContainer.yaml': TEMPLATE } };
    const init = pytorchJobExpansion(pytorchJob(), new ObjectIndex([app, cm])).pods[1].pod.spec.initContainers[0];
    expect(init.image).toBe('alpine:3.10');
    expect(init.securityContext).toEqual({ runAsNonRoot: true, runAsUser: 65534 });
    expect(init.command[2]).toContain('seq 100');
  });

  test('a mounted template the output does not hold is said; no mount keeps the built-in template', () => {
    const unreadable = operatorApp({ containers: [container([])], volumes: [{ name: 'tpl', secret: { secretName: 'x' } }] });
    expect(pytorchJobExpansion(pytorchJob(), new ObjectIndex([unreadable])).notModelled).toEqual([
      'Application argocd/prod-training-operator: the init container template file /etc/config/initContainer.yaml of the training operator could not be read from the output (the built-in template is assumed)',
    ]);
    const plain = operatorApp({ containers: [{ name: 'training-operator', args: ['--pytorch-init-container-image=reg.example/alpine:3.10'] }] });
    const init = pytorchJobExpansion(pytorchJob(), new ObjectIndex([plain])).pods[1].pod.spec.initContainers[0];
    expect(init.image).toBe('reg.example/alpine:3.10');
    expect(init.securityContext).toBeUndefined();
  });
});
