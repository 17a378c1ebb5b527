import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  AttributeActionType, AutoInstrumentation, CollectorExporter, CollectorExtension, CollectorMode, CollectorProcessor, CollectorReceiver,
  Propagator, TelemetryPipeline, TelemetryPipelineProps, TelemetrySignal,
} from '../../src/observability';
import { findObject, findObjects, synthChart } from '../util';
import { models, runtimeWithoutMetrics } from './fixtures';
import { ModelService } from '../../src/core';

const AMP = 'https://aps-workspaces.us-east-1.amazonaws.com/workspaces/ws-1234/api/v1/remote_write';

function gatewayProps(): TelemetryPipelineProps {
  return {
    receivers: [CollectorReceiver.otlp(), CollectorReceiver.prometheusModels({ models: Object.values(models()) })],
    processors: [
      CollectorProcessor.memoryLimiter(),
      CollectorProcessor.kubernetesAttributes(),
      CollectorProcessor.resourceAttributes({ cloudRegion: 'us-east-1', clusterName: 'acme-llm-prod' }),
      CollectorProcessor.batch(),
    ],
    extensions: [CollectorExtension.sigv4Auth({ region: 'us-east-1', service: 'aps' })],
    exporters: [
      CollectorExporter.prometheusRemoteWrite({ endpoint: AMP, authenticator: 'sigv4auth' }),
      CollectorExporter.otlp({ endpoint: 'tempo-distributor.tracing.svc:4317', insecure: true }),
    ],
    pipelines: [
      { signal: TelemetrySignal.METRICS, receivers: ['otlp', 'prometheus/models'], exporters: ['prometheusremotewrite/amp'] },
      { signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlp/traces'] },
    ],
  };
}

function synthPipeline(props: TelemetryPipelineProps, extra?: (p: TelemetryPipeline) => void) {
  let pipeline!: TelemetryPipeline;
  const objects = synthChart((chart) => {
    pipeline = new TelemetryPipeline(chart, 'gateway', props);
    extra?.(pipeline);
  });
  return { pipeline, objects, collector: findObject(objects, 'OpenTelemetryCollector') };
}

describe('TelemetryPipeline', () => {
  test('gateway: a v1beta1 collector in deployment mode with the configured components', () => {
    const { pipeline, collector } = synthPipeline(gatewayProps());
    expect(collector.apiVersion).toBe('opentelemetry.io/v1beta1');
    expect(collector.metadata).toMatchObject({ name: 'otel-gateway', namespace: 'observability' });
    expect(collector.spec).toMatchObject({
      mode: 'deployment',
      // One replica: the Prometheus receiver would scrape every target from every replica (defect 11).
      replicas: 1,
      serviceAccount: 'otel-gateway-collector',
      image: 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.158.0',
      resources: { requests: { cpu: '500m', memory: '1024Mi' }, limits: { cpu: '1', memory: '2048Mi' } },
      env: [{ name: 'GOMEMLIMIT', value: '1638MiB' }],
      securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
    });
    expect(collector.spec.tolerations).toBeUndefined();
    const config = collector.spec.config;
    expect(Object.keys(config.receivers)).toEqual(['otlp', 'prometheus/models']);
    expect(config.receivers.otlp).toEqual({ protocols: { grpc: { endpoint: '0.0.0.0:4317' }, http: { endpoint: '0.0.0.0:4318' } } });
    expect(Object.keys(config.processors).sort()).toEqual(['batch', 'k8sattributes', 'memory_limiter', 'resource']);
    expect(config.processors.memory_limiter).toEqual({ check_interval: '1s', limit_percentage: 80, spike_limit_percentage: 25 });
    expect(config.processors.batch).toEqual({ send_batch_size: 8192, timeout: '200ms' });
    expect(config.processors.resource.attributes).toEqual([
      { key: 'cloud.provider', value: 'aws', action: 'upsert' },
      { key: 'cloud.region', value: 'us-east-1', action: 'upsert' },
      { key: 'k8s.cluster.name', value: 'acme-llm-prod', action: 'upsert' },
    ]);
    expect(config.processors.k8sattributes.extract.labels).toEqual([
      { tag_name: 'model', key: 'llm-platform.io/model', from: 'pod' },
      { tag_name: 'model_version', key: 'llm-platform.io/model-version', from: 'pod' },
      { tag_name: 'tenant', key: 'llm-platform.io/tenant', from: 'pod' },
    ]);
    expect(config.processors.k8sattributes.filter).toBeUndefined();
    expect(config.exporters).toEqual({
      'prometheusremotewrite/amp': { endpoint: AMP, resource_to_telemetry_conversion: { enabled: true }, auth: { authenticator: 'sigv4auth' } },
      'otlp/traces': { endpoint: 'tempo-distributor.tracing.svc:4317', tls: { insecure: true } },
    });
    expect(config.extensions).toEqual({ health_check: { endpoint: '0.0.0.0:13133' }, sigv4auth: { region: 'us-east-1', service: 'aps' } });
    expect(config.service).toEqual({
      extensions: ['health_check', 'sigv4auth'],
      pipelines: {
        metrics: { receivers: ['otlp', 'prometheus/models'], processors: ['memory_limiter', 'k8sattributes', 'resource', 'batch'], exporters: ['prometheusremotewrite/amp'] },
        traces: { receivers: ['otlp'], processors: ['memory_limiter', 'k8sattributes', 'resource', 'batch'], exporters: ['otlp/traces'] },
      },
    });
    expect(pipeline.otlpHttpEndpoint()).toBe('http://otel-gateway-collector.observability.svc.cluster.local:4318');
    expect(pipeline.debugExporter).toBe(false);
  });

  test('RBAC for k8sattributes and pod discovery: ServiceAccount, ClusterRole, ClusterRoleBinding', () => {
    const { objects } = synthPipeline(gatewayProps());
    expect(findObject(objects, 'ServiceAccount', 'otel-gateway-collector').metadata.namespace).toBe('observability');
    const role = findObject(objects, 'ClusterRole', 'observability-otel-gateway-collector');
    expect(role.rules).toEqual([
      { apiGroups: [''], resources: ['namespaces', 'nodes', 'pods'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = findObject(objects, 'ClusterRoleBinding', 'observability-otel-gateway-collector');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'observability-otel-gateway-collector' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'otel-gateway-collector', namespace: 'observability' }]);
  });

  test('no ClusterRole when no component needs the Kubernetes API', () => {
    const { objects } = synthPipeline({
      receivers: [CollectorReceiver.otlp()],
      exporters: [CollectorExporter.otlpHttp({ endpoint: 'https://otlp.example.com' })],
      pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlphttp/traces'] }],
    });
    expect(findObjects(objects, 'ClusterRole')).toHaveLength(0);
    expect(findObjects(objects, 'ClusterRoleBinding')).toHaveLength(0);
  });

  test('prometheus receiver scrapes each model with the monitors\' labels, escaping $ for the collector', () => {
    const { collector } = synthPipeline(gatewayProps());
    const jobs = collector.spec.config.receivers['prometheus/models'].config.scrape_configs;
    expect(jobs.map((j: any) => j.job_name)).toEqual(['search/llama3-8b', 'support/mistral-7b', 'search/falcon-7b']);
    const triton = jobs[1];
    expect(triton.kubernetes_sd_configs).toEqual([{ role: 'pod', namespaces: { names: ['support'] } }]);
    expect(triton.relabel_configs[0]).toEqual({ action: 'keep', source_labels: ['__meta_kubernetes_pod_label_llm_platform_io_model'], regex: 'mistral-7b' });
    // Istio metrics merging: the sidecar's target moved to the agent's port 15020 ($ escaped as $$).
    expect(triton.metrics_path).toBe('/stats/prometheus');
    expect(triton.relabel_configs.slice(1, 4)).toEqual([
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_name'], regex: 'istio-proxy' },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_container_port_name'], regex: 'http-envoy-prom' },
      { action: 'keep', source_labels: ['__meta_kubernetes_pod_annotationpresent_prometheus_io_scrape'], regex: 'true' },
    ]);
    expect(triton.relabel_configs[5]).toEqual({
      action: 'replace',
      source_labels: ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'],
      regex: '(\\d+);((([0-9]+?)(\\.|$$)){4})',
      replacement: '$$2:$$1',
      target_label: '__address__',
    });
    expect(triton.relabel_configs.map((r: any) => r.target_label).filter(Boolean)).toEqual(
      ['__address__', '__address__', 'tenant', 'tenant', 'model', 'model', 'model_version', 'node', 'namespace', 'pod']);
    expect(triton.metric_relabel_configs).toEqual([{ action: 'drop', source_labels: ['__name__'], regex: 'envoy_.*' }]);
  });

  test('prometheus receiver without metrics merging scrapes the runtime port', () => {
    const receiver = CollectorReceiver.prometheusModels({ models: [models().mistral], metricsMerging: false });
    const job = receiver._render({ mode: CollectorMode.DEPLOYMENT }).config.scrape_configs[0];
    expect(job.metrics_path).toBe('/metrics');
    expect(job.relabel_configs[1]).toEqual({ action: 'replace', source_labels: ['__meta_kubernetes_pod_ip'], regex: '(.+)', target_label: '__address__', replacement: '$$1:8002' });
    expect(job.metric_relabel_configs).toBeUndefined();
  });

  describe('defect 11: a scraping collector with several replicas scrapes every target several times', () => {
    test('broken variant: replicas 2 with a Prometheus receiver is refused', () => {
      expect(() => synthPipeline({ ...gatewayProps(), replicas: 2 })).toThrow(
        /'replicas' must be 1 with the prometheus\/models receiver \(each replica would scrape every target: duplicate samples and out-of-order writes\), got 2/);
    });

    test('broken variant: a daemonset agent scraping every pod from every node is refused', () => {
      expect(() => synthPipeline({
        mode: CollectorMode.DAEMONSET,
        receivers: [CollectorReceiver.prometheusModels({ models: [models().llama] })],
        exporters: [CollectorExporter.otlp({ name: 'gateway', endpoint: 'otel-gateway-collector.observability.svc:4317', insecure: true })],
        pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['prometheus/models'], exporters: ['otlp/gateway'] }],
      })).toThrow(/'receivers.prometheus\/models' scrapes every target from every node agent \(duplicate samples\), got 'daemonset'; set nodeLocal: true/);
    });

    test('fixed: one scraping replica by default; an OTLP-only gateway keeps 2; a node-local agent shards by node', () => {
      const { pipeline, collector } = synthPipeline(gatewayProps());
      expect(collector.spec.replicas).toBe(1);
      expect(pipeline.scrapesTargets).toBe(true);
      expect(pipeline.receivesOtlp).toBe(true);
      expect(pipeline.acceptsOtlp(TelemetrySignal.METRICS)).toBe(true);
      expect(pipeline.acceptsOtlp(TelemetrySignal.TRACES)).toBe(true);
      expect(pipeline.acceptsOtlp(TelemetrySignal.LOGS)).toBe(false);
      const otlpOnly = synthPipeline({
        receivers: [CollectorReceiver.otlp()],
        exporters: [CollectorExporter.otlpHttp({ endpoint: 'https://otlp.example.com' })],
        pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlphttp/traces'] }],
      });
      expect(otlpOnly.collector.spec.replicas).toBe(2);
      expect(otlpOnly.pipeline.scrapesTargets).toBe(false);
      const agent = synthPipeline({
        mode: CollectorMode.DAEMONSET,
        receivers: [CollectorReceiver.prometheusModels({ models: [models().llama], nodeLocal: true })],
        exporters: [CollectorExporter.otlp({ name: 'gateway', endpoint: 'otel-gateway-collector.observability.svc:4317', insecure: true })],
        pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['prometheus/models'], exporters: ['otlp/gateway'] }],
      });
      expect(agent.collector.spec.replicas).toBeUndefined();
      expect(agent.pipeline.receivesOtlp).toBe(false);
    });

    test('the collector Service host and the operator\'s pod labels are exposed for the mesh and NetworkPolicies', () => {
      const { pipeline } = synthPipeline(gatewayProps());
      expect(pipeline.serviceHost).toBe('otel-gateway-collector.observability.svc.cluster.local');
      expect(pipeline.podSelectorLabels).toEqual({ 'app.kubernetes.io/component': 'opentelemetry-collector', 'app.kubernetes.io/instance': 'observability.otel-gateway' });
    });
  });

  describe('defect 9: LLM-RES-001 wants CPU and memory limits on the collector', () => {
    test('fixed: a CPU limit by mode (1 core gateway, 500m agent) next to the memory limit', () => {
      const { collector } = synthPipeline(gatewayProps());
      expect(Object.keys(collector.spec.resources.limits).sort()).toEqual(['cpu', 'memory']);
      expect(Object.keys(collector.spec.resources.requests).sort()).toEqual(['cpu', 'memory']);
      const custom = synthPipeline({ ...gatewayProps(), cpuRequest: Cpu.millis(250), cpuLimit: Cpu.millis(750) });
      expect(custom.collector.spec.resources.limits.cpu).toBe('750m');
      expect(custom.pipeline.cpuLimit.amount).toBe('750m');
    });

    test('broken variant: a CPU limit below the request is refused', () => {
      expect(() => synthPipeline({ ...gatewayProps(), cpuRequest: Cpu.units(2), cpuLimit: Cpu.millis(500) }))
        .toThrow(/'cpuLimit' must be at least the CPU request \(2\), got '500m'; raise cpuLimit or lower cpuRequest/);
    });
  });

  test('extra components: attributes, debug exporter, addX after construction', () => {
    const { collector } = synthPipeline({ debugExporter: true }, (p) => {
      p.addReceiver(CollectorReceiver.otlp({ grpc: false }));
      p.addProcessor(CollectorProcessor.attributes({ name: 'redact', actions: [{ key: 'llm.prompt', action: AttributeActionType.DELETE }, { key: 'user.id', action: AttributeActionType.HASH }] }));
      p.addExporter(CollectorExporter.loki({ endpoint: 'http://loki-gateway.logging.svc.cluster.local/', insecure: true }));
      p.addPipeline({ signal: TelemetrySignal.LOGS, receivers: ['otlp'], exporters: ['otlphttp/loki'] });
    });
    const config = collector.spec.config;
    expect(config.receivers.otlp).toEqual({ protocols: { http: { endpoint: '0.0.0.0:4318' } } });
    expect(config.processors['attributes/redact']).toEqual({ actions: [{ key: 'llm.prompt', action: 'delete' }, { key: 'user.id', action: 'hash' }] });
    expect(config.exporters['otlphttp/loki']).toEqual({ endpoint: 'http://loki-gateway.logging.svc.cluster.local/otlp' });
    expect(config.exporters.debug).toEqual({ verbosity: 'basic' });
    expect(config.service.pipelines.logs).toEqual({ receivers: ['otlp'], processors: ['memory_limiter', 'attributes/redact', 'batch'], exporters: ['otlphttp/loki', 'debug'] });
  });

  test('X-Ray traces signed by a second sigv4auth extension', () => {
    const { collector } = synthPipeline({
      receivers: [CollectorReceiver.otlp()],
      extensions: [CollectorExtension.sigv4Auth({ name: 'xray', region: 'eu-west-1', service: 'xray', assumeRoleArn: 'arn:aws:iam::123456789012:role/xray-writer' })],
      exporters: [CollectorExporter.xray({ region: 'eu-west-1', authenticator: 'sigv4auth/xray' })],
      pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlphttp/xray'] }],
    });
    expect(collector.spec.config.exporters['otlphttp/xray']).toEqual({
      traces_endpoint: 'https://xray.eu-west-1.amazonaws.com/v1/traces', auth: { authenticator: 'sigv4auth/xray' },
    });
    expect(collector.spec.config.extensions['sigv4auth/xray']).toEqual({ region: 'eu-west-1', service: 'xray', assume_role: { arn: 'arn:aws:iam::123456789012:role/xray-writer' } });
  });

  test('node agent: daemonset with container logs, node-local k8sattributes, GPU toleration, root for /var/log/pods', () => {
    const { objects, collector } = synthPipeline({
      mode: CollectorMode.DAEMONSET,
      receivers: [CollectorReceiver.containerLogs({ excludeNamespaces: ['kube-system'] })],
      processors: [
        CollectorProcessor.memoryLimiter(),
        CollectorProcessor.kubernetesAttributes(),
        CollectorProcessor.batch({ sendBatchSize: 1000, sendBatchMaxSize: 2000 }),
      ],
      exporters: [CollectorExporter.otlp({ endpoint: 'otel-gateway-collector.observability.svc:4317', insecure: true, name: 'gateway' })],
      pipelines: [{ signal: TelemetrySignal.LOGS, receivers: ['filelog'], exporters: ['otlp/gateway'] }],
    });
    expect(collector.metadata.name).toBe('otel-agent');
    expect(collector.spec.mode).toBe('daemonset');
    expect(collector.spec.replicas).toBeUndefined();
    expect(collector.spec.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(collector.spec.env).toContainEqual({ name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    expect(collector.spec.volumes).toEqual([{ name: 'varlogpods', hostPath: { path: '/var/log/pods', type: 'Directory' } }]);
    expect(collector.spec.volumeMounts).toEqual([{ name: 'varlogpods', mountPath: '/var/log/pods', readOnly: true }]);
    expect(collector.spec.securityContext).toMatchObject({ runAsUser: 0, runAsNonRoot: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(collector.spec.resources.limits.memory).toBe('512Mi');
    const config = collector.spec.config;
    expect(config.receivers.filelog).toMatchObject({
      include: ['/var/log/pods/*/*/*.log'],
      exclude: ['/var/log/pods/*/otc-container/*.log', '/var/log/pods/kube-system_*/*/*.log'],
      operators: [{ type: 'container', id: 'container-parser' }],
    });
    expect(config.processors.k8sattributes.filter).toEqual({ node_from_env_var: 'K8S_NODE_NAME' });
    expect(config.processors.batch).toEqual({ send_batch_size: 1000, send_batch_max_size: 2000, timeout: '200ms' });
    expect(findObject(objects, 'ClusterRole').metadata.name).toBe('observability-otel-agent-collector');
  });

  test('Kubernetes events: one replica, events RBAC', () => {
    const { objects, collector } = synthPipeline({
      name: 'otel-events',
      receivers: [CollectorReceiver.kubernetesEvents({ namespaces: ['search', 'support'] })],
      exporters: [CollectorExporter.loki({ endpoint: 'https://loki.example.com' })],
      pipelines: [{ signal: TelemetrySignal.LOGS, receivers: ['k8s_events'], exporters: ['otlphttp/loki'] }],
      memoryLimit: Size.mebibytes(256),
      cpuRequest: Cpu.millis(50),
    });
    expect(collector.spec.replicas).toBe(1);
    expect(collector.spec.config.receivers.k8s_events).toEqual({ namespaces: ['search', 'support'] });
    expect(collector.spec.resources).toEqual({ requests: { cpu: '50m', memory: '128Mi' }, limits: { cpu: '1', memory: '256Mi' } });
    expect(findObject(objects, 'ClusterRole').rules).toEqual([
      { apiGroups: [''], resources: ['events', 'namespaces'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('custom components pass through', () => {
    const { collector } = synthPipeline({
      receivers: [CollectorReceiver.custom({ type: 'hostmetrics', signals: [TelemetrySignal.METRICS], config: { collection_interval: '30s', scrapers: { cpu: {} } } })],
      processors: [CollectorProcessor.memoryLimiter(), CollectorProcessor.custom({ type: 'filter', name: 'drop', config: { error_mode: 'ignore' } }), CollectorProcessor.batch()],
      extensions: [CollectorExtension.custom({ type: 'bearertokenauth', config: { filename: '/var/run/secrets/token' } })],
      exporters: [CollectorExporter.custom({ type: 'awsemf', signals: [TelemetrySignal.METRICS], config: { region: 'us-east-1' }, authenticator: 'bearertokenauth' })],
      pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['hostmetrics'], exporters: ['awsemf'] }],
    });
    expect(collector.spec.config.service.pipelines.metrics.processors).toEqual(['memory_limiter', 'filter/drop', 'batch']);
    expect(collector.spec.config.exporters.awsemf).toEqual({ region: 'us-east-1' });
  });

  describe('validation mirrors the collector', () => {
    const base = () => ({
      receivers: [CollectorReceiver.otlp()],
      exporters: [CollectorExporter.otlp({ endpoint: 'tempo.tracing.svc:4317', insecure: true })],
    });

    test('a pipeline referencing undefined components', () => {
      expect(() => synthPipeline({ ...base(), pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp', 'zipkin'], processors: ['memory_limiter', 'tail_sampling', 'batch'], exporters: ['otlp/traces', 'jaeger'] }] }))
        .toThrow(/'pipelines\[0\].receivers\[1\]' references an undefined receiver, got 'zipkin'; define it with addReceiver\(\) or use one of: otlp[\s\S]*'pipelines\[0\].processors\[1\]' references an undefined processor, got 'tail_sampling'[\s\S]*'pipelines\[0\].exporters\[1\]' references an undefined exporter, got 'jaeger'/);
    });

    test('a defined component no pipeline uses', () => {
      expect(() => synthPipeline({
        ...base(),
        exporters: [...base().exporters, CollectorExporter.debug()],
        pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlp/traces'] }],
      })).toThrow(/'exporters' define 'debug' but no pipeline uses it, got 'debug'; use it in a pipeline or remove it/);
    });

    test('memory_limiter not first, batch not last', () => {
      expect(() => synthPipeline({ ...base(), pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], processors: ['batch', 'memory_limiter'], exporters: ['otlp/traces'] }] }))
        .toThrow(/'pipelines\[0\].processors' must start with 'memory_limiter', got \["batch","memory_limiter"\][\s\S]*'pipelines\[0\].processors' must end with 'batch'/);
      expect(() => synthPipeline({ ...base(), processors: [CollectorProcessor.batch()], pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlp/traces'] }] }))
        .toThrow(/must start with 'memory_limiter', got \["batch"\]/);
    });

    test('a component in a pipeline of a signal it does not handle', () => {
      expect(() => synthPipeline({
        receivers: [CollectorReceiver.otlp()],
        exporters: [CollectorExporter.prometheusRemoteWrite({ endpoint: AMP })],
        pipelines: [{ signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['prometheusremotewrite/amp'] }],
      })).toThrow(/'pipelines\[0\].exporters\[0\]' does not handle traces \(only metrics\), got 'prometheusremotewrite\/amp'; use it in a metrics pipeline/);
    });

    test('no pipeline, empty receivers/exporters, duplicate pipeline', () => {
      expect(() => synthPipeline({})).toThrow(/'pipelines' must define at least one pipeline, got \[\]; add one with addPipeline\(\)/);
      expect(() => synthPipeline({
        ...base(),
        pipelines: [
          { signal: TelemetrySignal.TRACES, receivers: ['otlp'], exporters: ['otlp/traces'] },
          { signal: TelemetrySignal.TRACES, receivers: [], exporters: [] },
        ],
      })).toThrow(/'pipelines\[1\].name' duplicates the pipeline 'traces'[\s\S]*'pipelines\[1\].receivers' must list at least one receiver[\s\S]*'pipelines\[1\].exporters' must list at least one exporter/);
    });

    test('an exporter authenticator that is not defined', () => {
      expect(() => synthPipeline({
        receivers: [CollectorReceiver.otlp()],
        exporters: [CollectorExporter.prometheusRemoteWrite({ endpoint: AMP, authenticator: 'sigv4auth' })],
        pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['otlp'], exporters: ['prometheusremotewrite/amp'] }],
      })).toThrow(/'exporters.prometheusremotewrite\/amp.authenticator' references an undefined extension, got 'sigv4auth'; add the extension/);
    });

    test('mode-bound receivers', () => {
      expect(() => synthPipeline({
        receivers: [CollectorReceiver.containerLogs()],
        exporters: [CollectorExporter.loki({ endpoint: 'https://loki.example.com' })],
        pipelines: [{ signal: TelemetrySignal.LOGS, receivers: ['filelog'], exporters: ['otlphttp/loki'] }],
      })).toThrow(/'receivers.filelog' only works in daemonset mode, got 'deployment'; run it in a separate daemonset TelemetryPipeline/);
      expect(() => synthPipeline({
        replicas: 3,
        receivers: [CollectorReceiver.kubernetesEvents()],
        exporters: [CollectorExporter.loki({ endpoint: 'https://loki.example.com' })],
        pipelines: [{ signal: TelemetrySignal.LOGS, receivers: ['k8s_events'], exporters: ['otlphttp/loki'] }],
      })).toThrow(/'replicas' must be 1 with the k8s_events receiver \(each replica would report every event\), got 3/);
    });

    test('duplicate component ids fail when added', () => {
      expect(() => synthPipeline({ receivers: [CollectorReceiver.otlp(), CollectorReceiver.otlp()] }))
        .toThrow(/'receivers' already define a receiver 'otlp', got 'otlp'; give the second one its own name \(e.g. 'otlp\/other'\)/);
    });

    test('replicas and memory', () => {
      expect(() => synthPipeline({ mode: CollectorMode.DAEMONSET, replicas: 2 })).toThrow(/'replicas' only applies in deployment mode/);
      expect(() => synthPipeline({ replicas: 0 })).toThrow(/'replicas' must be a whole number of at least 1, got 0/);
      expect(() => synthPipeline({ memoryLimit: Size.mebibytes(64) })).toThrow(/'memoryLimit' must be at least 128 MiB, got '64Mi'/);
    });
  });

  describe('exporter TLS', () => {
    test('plaintext http without insecure is refused', () => {
      expect(() => CollectorExporter.otlpHttp({ endpoint: 'http://otlp.example.com:4318' }))
        .toThrow(/'otlpHttp.endpoint' sends telemetry in plaintext, got 'http:\/\/otlp.example.com:4318'; use an https:\/\/ endpoint, or set insecure: true/);
    });
    test('insecure only for in-cluster targets', () => {
      expect(() => CollectorExporter.otlp({ endpoint: 'tempo.example.com:4317', insecure: true }))
        .toThrow(/'otlp.insecure' is only allowed for in-cluster targets \(\*.svc, \*.svc.cluster.local or a bare Service name\), not 'tempo.example.com', got true; use TLS/);
      expect(() => CollectorExporter.prometheusRemoteWrite({ endpoint: 'http://thanos.example.com/api/v1/receive', insecure: true })).toThrow(/only allowed for in-cluster targets/);
      expect(CollectorExporter.prometheusRemoteWrite({ endpoint: 'http://thanos-receive.monitoring.svc.cluster.local:19291/api/v1/receive', insecure: true }).insecure).toBe(true);
      expect(CollectorExporter.otlp({ endpoint: 'jaeger-collector:4317', insecure: true }).config.tls).toEqual({ insecure: true });
    });
    test('https with insecure is contradictory; gRPC without scheme is TLS by default', () => {
      expect(() => CollectorExporter.otlpHttp({ endpoint: 'https://x.svc', insecure: true })).toThrow(/'otlpHttp.insecure' contradicts the https:\/\/ endpoint/);
      const tls = CollectorExporter.otlp({ endpoint: 'otlp.example.com:4317' });
      expect(tls.insecure).toBe(false);
      expect(tls.config.tls).toBeUndefined();
    });
    test('malformed endpoints', () => {
      expect(() => CollectorExporter.prometheusRemoteWrite({ endpoint: 'aps-workspaces:443' })).toThrow(/'prometheusRemoteWrite.endpoint' must be an http\(s\) URL, got 'aps-workspaces:443'/);
      expect(() => CollectorExporter.otlp({ endpoint: 'ftp://x:21' })).toThrow(/'otlp.endpoint' must use http or https/);
      expect(() => CollectorExporter.otlp({ endpoint: 'no port' })).toThrow(/'otlp.endpoint' must be 'host:port' or an http\(s\) URL/);
    });
  });

  describe('component options', () => {
    test.each([
      [() => CollectorProcessor.memoryLimiter({ limitPercentage: 120 }), /'limitPercentage' must be a percentage in \(0, 100\], got 120/],
      [() => CollectorProcessor.memoryLimiter({ spikeLimitPercentage: 90 }), /'spikeLimitPercentage' must be positive and below limitPercentage \(80\), got 90/],
      [() => CollectorProcessor.batch({ sendBatchSize: 0 }), /'sendBatchSize' must be a positive whole number, got 0/],
      [() => CollectorProcessor.batch({ sendBatchSize: 100, sendBatchMaxSize: 50 }), /'sendBatchMaxSize' must be a whole number of at least sendBatchSize \(100\), got 50/],
      [() => CollectorProcessor.attributes({ actions: [] }), /'actions' must list at least one action/],
      [() => CollectorProcessor.attributes({ actions: [{ key: 'a', action: AttributeActionType.UPSERT }] }), /'actions\[0\].value' is required for upsert/],
      [() => CollectorReceiver.otlp({ grpc: false, http: false }), /'otlp.grpc' and http cannot both be disabled/],
      [() => CollectorReceiver.otlp({ name: 'Bad/Name' }), /'receiver.name' must be lowercase letters/],
      [() => CollectorReceiver.custom({ type: 'Host-Metrics', signals: [TelemetrySignal.METRICS] }), /'receiver.type' must be a collector component type/],
      [() => CollectorReceiver.custom({ type: 'x', signals: [] }), /'receiver.signals' must list at least one signal/],
      [() => CollectorReceiver.prometheusModels({ models: [] }), /'models' must list at least one model/],
      [() => CollectorExtension.sigv4Auth({ region: 'mars' }), /'region' must be an AWS region, got 'mars'/],
      [() => CollectorExtension.sigv4Auth({ region: 'us-east-1', assumeRoleArn: 'role' }), /'assumeRoleArn' must be an IAM role ARN/],
      [() => CollectorExporter.xray({ region: 'x', authenticator: 'sigv4auth' }), /'xray.region' must be an AWS region/],
      [() => CollectorExporter.debug({ verbosity: 'loud' }), /'verbosity' must be 'basic', 'normal' or 'detailed', got 'loud'/],
    ])('bad option %#', (make, message) => {
      expect(make).toThrow(message);
    });

    test('scraping a runtime without a metrics endpoint is a ValidationError', () => {
      const bare = ModelService.fromAttributes({ modelName: 'bare', tenant: 'lab', runtime: runtimeWithoutMetrics() });
      expect(() => CollectorReceiver.prometheusModels({ models: [models().llama, bare] }))
        .toThrow(/'models\[1\].runtime' has no metrics endpoint to scrape, got 'bare'; give the runtime a metricsPort/);
    });

    test('node-local scraping selects pods on the collector node', () => {
      const r = CollectorReceiver.prometheusModels({ models: [models().llama], nodeLocal: true });
      const { collector } = synthPipeline({
        mode: CollectorMode.DAEMONSET,
        receivers: [r],
        exporters: [CollectorExporter.otlp({ endpoint: 'otel-gateway-collector.observability.svc:4317', insecure: true })],
        pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['prometheus/models'], exporters: ['otlp/traces'] }],
      });
      expect(collector.spec.config.receivers['prometheus/models'].config.scrape_configs[0].kubernetes_sd_configs[0].selectors)
        .toEqual([{ role: 'pod', field: 'spec.nodeName=${env:K8S_NODE_NAME}' }]);
    });
  });
});

describe('AutoInstrumentation', () => {
  test('points the SDKs at the collector over OTLP/HTTP with parent-based ratio sampling', () => {
    let inst!: AutoInstrumentation;
    const objects = synthChart((chart) => {
      const gw = new TelemetryPipeline(chart, 'gw', gatewayProps());
      inst = new AutoInstrumentation(chart, 'inst', { collector: gw, namespace: 'gateway' });
    });
    const i = findObject(objects, 'Instrumentation', 'default');
    expect(i.apiVersion).toBe('opentelemetry.io/v1alpha1');
    expect(i.metadata.namespace).toBe('gateway');
    expect(i.spec).toEqual({
      exporter: { endpoint: 'http://otel-gateway-collector.observability.svc.cluster.local:4318' },
      propagators: ['tracecontext', 'baggage'],
      sampler: { type: 'parentbased_traceidratio', argument: '0.1' },
    });
    expect(inst.samplingRatio).toBe(0.1);
  });

  test('custom propagators and ratio', () => {
    const objects = synthChart((chart) => {
      const gw = new TelemetryPipeline(chart, 'gw', gatewayProps());
      new AutoInstrumentation(chart, 'inst', { collector: gw, namespace: 'gateway', name: 'xray', propagators: [Propagator.XRAY, Propagator.TRACE_CONTEXT], samplingRatio: 1 });
    });
    expect(findObject(objects, 'Instrumentation', 'xray').spec).toMatchObject({ propagators: ['xray', 'tracecontext'], sampler: { argument: '1' } });
  });

  test('bad ratio and a collector without OTLP/HTTP', () => {
    expect(() => synthChart((chart) => {
      const gw = new TelemetryPipeline(chart, 'gw', gatewayProps());
      new AutoInstrumentation(chart, 'inst', { collector: gw, namespace: 'gateway', samplingRatio: 1.5 });
    })).toThrow(/'samplingRatio' must be a fraction in \[0, 1\], got 1.5/);
    expect(() => synthChart((chart) => {
      const gw = new TelemetryPipeline(chart, 'gw', { receivers: [CollectorReceiver.otlp({ http: false })] });
      new AutoInstrumentation(chart, 'inst', { collector: gw, namespace: 'gateway' });
    })).toThrow(/'receivers' have no OTLP\/HTTP receiver to send to, got \["otlp"\]; add CollectorReceiver.otlp\(\)/);
  });
});
