import { ApiObject, Lazy, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { CollectorExporter } from './collector-exporter';
import { CollectorExtension } from './collector-extension';
import { CollectorProcessor } from './collector-processor';
import { CollectorReceiver } from './collector-receiver';
import { ClusterRule, ComponentNeeds } from './private/component';
import { observabilityLabels } from './private/metadata';
import { CollectorMode, TelemetrySignal } from './telemetry-signal';
import { ProblemCollector, ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * One collector pipeline: receivers -> processors -> exporters for one signal.
 */
export interface CollectorPipelineOptions {
  /** The signal. */
  readonly signal: TelemetrySignal;
  /**
   * Pipeline name (the id becomes `<signal>/<name>`), for several pipelines of one signal.
   *
   * @default - the id is the signal
   */
  readonly name?: string;
  /** Receiver ids (`otlp`, `prometheus/models`). */
  readonly receivers: string[];
  /**
   * Processor ids, in order; `memory_limiter` must be first and `batch` last.
   *
   * @default - every processor of the collector that handles the signal, `memory_limiter` first,
   * `batch` last, the others in the order they were added
   */
  readonly processors?: string[];
  /** Exporter ids (`prometheusremotewrite/amp`, `otlp/traces`). */
  readonly exporters: string[];
}

/**
 * Properties of `TelemetryPipeline`.
 */
export interface TelemetryPipelineProps {
  /**
   * The collector's name (the operator names its workload and Service `<name>-collector`).
   *
   * @default - 'otel-gateway' in deployment mode, 'otel-agent' in daemonset mode
   */
  readonly name?: string;
  /**
   * Namespace.
   *
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * Deployment (gateway) or DaemonSet (node agent).
   *
   * @default CollectorMode.DEPLOYMENT
   */
  readonly mode?: CollectorMode;
  /**
   * Replicas in deployment mode.
   *
   * @default - 2 (1 when a receiver must run once: Kubernetes events, or a Prometheus receiver, which
   * every replica would run against every target)
   */
  readonly replicas?: number;
  /**
   * The collector image; it must contain every component used (the contrib distribution does).
   *
   * @default 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.158.0'
   */
  readonly image?: string;
  /**
   * Receivers.
   *
   * @default - none; add with `addReceiver`
   */
  readonly receivers?: CollectorReceiver[];
  /**
   * Processors.
   *
   * @default - memory_limiter and batch
   */
  readonly processors?: CollectorProcessor[];
  /**
   * Exporters.
   *
   * @default - none; add with `addExporter`
   */
  readonly exporters?: CollectorExporter[];
  /**
   * Extensions besides `health_check` (which is always enabled).
   *
   * @default - none
   */
  readonly extensions?: CollectorExtension[];
  /**
   * Pipelines.
   *
   * @default - none; add with `addPipeline` (a collector needs at least one)
   */
  readonly pipelines?: CollectorPipelineOptions[];
  /**
   * Add the `debug` exporter to every pipeline (prints telemetry to the collector log).
   *
   * @default false
   */
  readonly debugExporter?: boolean;
  /**
   * Container memory limit (memory_limiter percentages are relative to it).
   *
   * @default - Size.gibibytes(2) in deployment mode, Size.mebibytes(512) in daemonset mode
   */
  readonly memoryLimit?: Size;
  /**
   * CPU request.
   *
   * @default - Cpu.millis(500) in deployment mode, Cpu.millis(100) in daemonset mode
   */
  readonly cpuRequest?: Cpu;
  /**
   * CPU limit (policy LLM-RES-001 requires one on every container), at least the request.
   *
   * @default - Cpu.units(1) in deployment mode, Cpu.millis(500) in daemonset mode
   */
  readonly cpuLimit?: Cpu;
}

/** A Cpu amount in millicores ('500m', '1', '1.5'). */
function cpuMillis(cpu: Cpu): number {
  const a = String(cpu.amount);
  return a.endsWith('m') ? Number(a.slice(0, -1)) : Number(a) * 1000;
}

const DEFAULT_IMAGE = 'ghcr.io/open-telemetry/opentelemetry-collector-releases/opentelemetry-collector-contrib:0.158.0';

/**
 * An OpenTelemetry Collector (operator CRD `opentelemetry.io/v1beta1`) assembled from typed receivers,
 * processors, exporters and extensions, validated the way the collector validates its own config:
 * every pipeline references defined components that handle its signal, every defined component is
 * used, `memory_limiter` comes first and `batch` last, authenticators exist. Exporters use TLS unless
 * explicitly insecure for an in-cluster target. Creates the ServiceAccount and, when a component needs
 * the Kubernetes API (k8sattributes, k8s_events, pod discovery), a ClusterRole and binding.
 *
 * ```ts
 * const gateway = new TelemetryPipeline(chart, 'gateway', {
 *   receivers: [CollectorReceiver.otlp()],
 *   processors: [CollectorProcessor.memoryLimiter(), CollectorProcessor.kubernetesAttributes(), CollectorProcessor.batch()],
 *   extensions: [CollectorExtension.sigv4Auth({ region: 'us-east-1', service: 'aps' })],
 *   exporters: [CollectorExporter.prometheusRemoteWrite({ endpoint: ampUrl, authenticator: 'sigv4auth' })],
 *   pipelines: [{ signal: TelemetrySignal.METRICS, receivers: ['otlp'], exporters: ['prometheusremotewrite/amp'] }],
 * });
 * ```
 */
export class TelemetryPipeline extends Construct {
  /** The collector's name. */
  public readonly collectorName: string;
  /** Namespace. */
  public readonly namespace: string;
  /** Deployment or DaemonSet. */
  public readonly mode: CollectorMode;
  /** The image. */
  public readonly image: string;
  /** The ServiceAccount the collector runs as (associate an IAM role with it for sigv4auth). */
  public readonly serviceAccountName: string;
  /** Container memory limit. */
  public readonly memoryLimit: Size;
  /** CPU request. */
  public readonly cpuRequest: Cpu;
  /** CPU limit. */
  public readonly cpuLimit: Cpu;
  /** Whether every pipeline also exports to `debug`. */
  public readonly debugExporter: boolean;
  /** The collector Service's host (`<name>-collector.<namespace>.svc.cluster.local`, named by the operator). */
  public readonly serviceHost: string;
  /**
   * The labels the OpenTelemetry operator puts on the collector pods (its selector labels,
   * internal/manifests/manifestutils/labels.go at v0.126.0), for NetworkPolicies.
   */
  public readonly podSelectorLabels: { [key: string]: string };

  private readonly receivers: CollectorReceiver[] = [];
  private readonly processors: CollectorProcessor[] = [];
  private readonly exporters: CollectorExporter[] = [];
  private readonly extensions: CollectorExtension[] = [CollectorExtension.healthCheck()];
  private readonly pipelines: CollectorPipelineOptions[] = [];
  private readonly explicitReplicas?: number;
  private rbac = false;

  constructor(scope: Construct, id: string, props: TelemetryPipelineProps = {}) {
    super(scope, id);
    checkProps('observability.TelemetryPipelineProps', props, 'props', this);
    this.mode = props.mode ?? CollectorMode.DEPLOYMENT;
    const gateway = this.mode === CollectorMode.DEPLOYMENT;
    this.collectorName = Names.validateDns1123Label('name', props.name ?? (gateway ? 'otel-gateway' : 'otel-agent'), this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'observability', this);
    this.image = props.image ?? DEFAULT_IMAGE;
    this.serviceAccountName = `${this.collectorName}-collector`;
    this.serviceHost = `${this.collectorName}-collector.${this.namespace}.svc.cluster.local`;
    this.podSelectorLabels = {
      'app.kubernetes.io/component': 'opentelemetry-collector',
      'app.kubernetes.io/instance': `${this.namespace}.${this.collectorName}`,
    };
    this.memoryLimit = props.memoryLimit ?? (gateway ? Size.gibibytes(2) : Size.mebibytes(512));
    this.cpuRequest = props.cpuRequest ?? Cpu.millis(gateway ? 500 : 100);
    this.cpuLimit = props.cpuLimit ?? (gateway ? Cpu.units(1) : Cpu.millis(500));
    if (cpuMillis(this.cpuLimit) < cpuMillis(this.cpuRequest)) {
      throw new ValidationError('cpuLimit', `must be at least the CPU request (${this.cpuRequest.amount})`, this.cpuLimit.amount,
        'raise cpuLimit or lower cpuRequest', this);
    }
    this.debugExporter = props.debugExporter ?? false;
    if (props.replicas !== undefined) {
      if (!gateway) {
        throw new ValidationError('replicas', 'only applies in deployment mode (a DaemonSet runs one pod per node)', props.replicas, 'remove replicas', this);
      }
      if (!Number.isInteger(props.replicas) || props.replicas < 1) {
        throw new ValidationError('replicas', 'must be a whole number of at least 1', props.replicas, 'use 2 or more for a highly available gateway', this);
      }
    }
    if (this.memoryLimit.toMebibytes() < 128) {
      throw new ValidationError('memoryLimit', 'must be at least 128 MiB', `${this.memoryLimit.toMebibytes()}Mi`, 'give the collector at least Size.mebibytes(256)', this);
    }
    this.explicitReplicas = props.replicas;

    const labels = observabilityLabels(this.collectorName, gateway ? 'telemetry-gateway' : 'telemetry-agent');
    new k8s.KubeServiceAccount(this, 'ServiceAccount', {
      metadata: { name: this.serviceAccountName, namespace: this.namespace, labels },
    });
    new ApiObject(this, 'Resource', {
      apiVersion: 'opentelemetry.io/v1beta1',
      kind: 'OpenTelemetryCollector',
      metadata: { name: this.collectorName, namespace: this.namespace, labels },
      spec: Lazy.any({ produce: () => this.renderSpec() }),
    });

    for (const r of props.receivers ?? []) this.addReceiver(r);
    for (const p of props.processors ?? [CollectorProcessor.memoryLimiter(), CollectorProcessor.batch()]) this.addProcessor(p);
    for (const e of props.exporters ?? []) this.addExporter(e);
    for (const x of props.extensions ?? []) this.addExtension(x);
    for (const p of props.pipelines ?? []) this.addPipeline(p);
  }

  /** Whether a receiver pulls from targets (a Prometheus receiver): the collector scrapes pods. */
  public get scrapesTargets(): boolean {
    return this.receivers.some((r) => r._needs.scrapes === true);
  }

  /** Whether a receiver accepts OTLP (gRPC 4317 or HTTP 4318). */
  public get receivesOtlp(): boolean {
    return this.receivers.some((r) => r.acceptsOtlpGrpc || r.acceptsOtlpHttp);
  }

  /**
   * Whether OTLP of this signal is accepted: a pipeline of the signal reads an OTLP receiver (the
   * collector refuses OTLP data of a signal no pipeline takes). Istio's `otel` access-log provider sends
   * logs, its `otel-tracing` provider traces.
   */
  public acceptsOtlp(signal: TelemetrySignal): boolean {
    checkArgs('observability.TelemetryPipeline#acceptsOtlp', [signal], this);
    const otlp = new Set(this.receivers.filter((r) => r.acceptsOtlpGrpc || r.acceptsOtlpHttp).map((r) => r.componentId));
    return this.pipelines.some((p) => p.signal === signal && p.receivers.some((id) => otlp.has(id)));
  }

  /** Add a receiver. */
  public addReceiver(receiver: CollectorReceiver): void {
    checkArgs('observability.TelemetryPipeline#addReceiver', [receiver], this);
    this.addComponent('receiver', this.receivers, receiver);
    this.needs(receiver._needs);
  }

  /** Add a processor (pipelines list processors in the order given there, or in the order added). */
  public addProcessor(processor: CollectorProcessor): void {
    checkArgs('observability.TelemetryPipeline#addProcessor', [processor], this);
    this.addComponent('processor', this.processors, processor);
    this.needs(processor._needs);
  }

  /** Add an exporter. */
  public addExporter(exporter: CollectorExporter): void {
    checkArgs('observability.TelemetryPipeline#addExporter', [exporter], this);
    this.addComponent('exporter', this.exporters, exporter);
  }

  /** Add an extension (enabled in `service.extensions`). */
  public addExtension(extension: CollectorExtension): void {
    checkArgs('observability.TelemetryPipeline#addExtension', [extension], this);
    this.addComponent('extension', this.extensions, extension);
  }

  /** Add a pipeline. */
  public addPipeline(pipeline: CollectorPipelineOptions): void {
    checkProps('observability.CollectorPipelineOptions', pipeline, 'pipeline', this);
    this.pipelines.push({ ...pipeline });
  }

  /**
   * The OTLP/HTTP endpoint of this collector's Service, for SDKs and auto-instrumentation
   * (`http://<name>-collector.<namespace>.svc.cluster.local:4318`).
   */
  public otlpHttpEndpoint(): string {
    if (!this.receivers.some((r) => r.acceptsOtlpHttp)) {
      throw new ValidationError('receivers', 'have no OTLP/HTTP receiver to send to', this.receivers.map((r) => r.componentId),
        'add CollectorReceiver.otlp() to the pipeline', this);
    }
    return `http://${this.collectorName}-collector.${this.namespace}.svc.cluster.local:4318`;
  }

  /**
   * The collector configuration (`spec.config`), validated. Throws a ValidationError listing every
   * problem.
   */
  public renderConfig(): { [key: string]: any } {
    const problems = new ProblemCollector(this);
    const ctx = { mode: this.mode };
    const exporters = [...this.exporters];
    if (this.debugExporter && !exporters.some((e) => e.componentId === 'debug')) exporters.push(CollectorExporter.debug());
    const receivers = new Map(this.receivers.map((r) => [r.componentId, r]));
    const processors = new Map(this.processors.map((p) => [p.componentId, p]));
    const exporterMap = new Map(exporters.map((e) => [e.componentId, e]));
    const extensionIds = new Set(this.extensions.map((x) => x.componentId));
    const used = { receiver: new Set<string>(), processor: new Set<string>(), exporter: new Set<string>() };

    problems.check(this.pipelines.length > 0, 'pipelines', 'must define at least one pipeline', [], 'add one with addPipeline()');
    const pipelines: { [id: string]: any } = {};
    this.pipelines.forEach((p, i) => {
      const at = `pipelines[${i}]`;
      const id = p.name ? `${p.signal}/${p.name}` : p.signal;
      if (p.name !== undefined && !/^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$/.test(p.name)) {
        problems.add(`${at}.name`, "must be lowercase letters, digits, '-', '_' or '.'", p.name, "use e.g. 'amp'");
      }
      if (pipelines[id] !== undefined) problems.add(`${at}.name`, `duplicates the pipeline '${id}'`, p.name, 'give each pipeline of a signal its own name');
      const refs = (kind: 'receiver' | 'processor' | 'exporter', ids: string[], defined: Map<string, { signals: TelemetrySignal[] }>, add: string) => {
        ids.forEach((ref, j) => {
          const component = defined.get(ref);
          if (!component) {
            problems.add(`${at}.${kind}s[${j}]`, `references an undefined ${kind}`, ref,
              `define it with ${add}() or use one of: ${[...defined.keys()].join(', ') || 'none defined'}`);
          } else if (!component.signals.includes(p.signal)) {
            problems.add(`${at}.${kind}s[${j}]`, `does not handle ${p.signal} (only ${component.signals.join(', ')})`, ref, `use it in a ${component.signals.join(' or ')} pipeline`);
          }
          used[kind].add(ref);
        });
      };
      problems.check(p.receivers.length > 0, `${at}.receivers`, 'must list at least one receiver', p.receivers, 'add a receiver id');
      problems.check(p.exporters.length > 0, `${at}.exporters`, 'must list at least one exporter', p.exporters, 'add an exporter id');
      const processorIds = p.processors ? [...p.processors] : this.defaultProcessors(p.signal);
      const exporterIds = [...p.exporters];
      if (this.debugExporter && !exporterIds.includes('debug')) exporterIds.push('debug');
      refs('receiver', p.receivers, receivers, 'addReceiver');
      refs('processor', processorIds, processors, 'addProcessor');
      refs('exporter', exporterIds, exporterMap, 'addExporter');
      const first = processorIds[0];
      const last = processorIds[processorIds.length - 1];
      problems.check(first === CollectorProcessor.MEMORY_LIMITER_ID, `${at}.processors`, "must start with 'memory_limiter'", processorIds,
        'put CollectorProcessor.memoryLimiter() first so the collector refuses data before it runs out of memory');
      problems.check(last === CollectorProcessor.BATCH_ID, `${at}.processors`, "must end with 'batch'", processorIds,
        'put CollectorProcessor.batch() last so exporters send batches');
      pipelines[id] = { receivers: [...p.receivers], processors: processorIds, exporters: exporterIds };
    });

    for (const [kind, defined] of [['receiver', receivers], ['processor', processors], ['exporter', exporterMap]] as const) {
      for (const id of defined.keys()) {
        if (!used[kind].has(id)) problems.add(`${kind}s`, `define '${id}' but no pipeline uses it`, id, 'use it in a pipeline or remove it (the collector would ignore it)');
      }
    }
    for (const e of exporters) {
      if (e.authenticator !== undefined && !extensionIds.has(e.authenticator)) {
        problems.add(`exporters.${e.componentId}.authenticator`, 'references an undefined extension', e.authenticator,
          'add the extension (e.g. CollectorExtension.sigv4Auth()) with addExtension()');
      }
    }
    for (const r of this.receivers) {
      if (r._needs.mode !== undefined && r._needs.mode !== this.mode) {
        problems.add(`receivers.${r.componentId}`, `only works in ${r._needs.mode} mode`, this.mode,
          `run it in a separate ${r._needs.mode} TelemetryPipeline`);
      }
      if (r._needs.singleReplica && this.explicitReplicas !== undefined && this.explicitReplicas > 1) {
        const why = r._needs.scrapes ? 'each replica would scrape every target: duplicate samples and out-of-order writes' : 'each replica would report every event';
        problems.add('replicas', `must be 1 with the ${r.componentId} receiver (${why})`, this.explicitReplicas,
          'set replicas to 1 or move the receiver to its own single-replica collector (and keep OTLP ingestion on a scaled one)');
      }
      if (r._needs.scrapes && r._needs.singleReplica && this.mode === CollectorMode.DAEMONSET) {
        problems.add(`receivers.${r.componentId}`, 'scrapes every target from every node agent (duplicate samples)', this.mode,
          'set nodeLocal: true so each agent scrapes its own node, or run the receiver in a single-replica deployment');
      }
    }
    problems.throwIfAny();

    const section = <T extends { componentId: string }>(items: T[], render: (x: T) => any) => {
      const out: { [id: string]: any } = {};
      for (const x of items) out[x.componentId] = render(x);
      return out;
    };
    return {
      receivers: section(this.receivers, (r) => r._render(ctx)),
      processors: section(this.processors, (p) => p._render(ctx)),
      exporters: section(exporters, (e) => e.config),
      extensions: section(this.extensions, (x) => x.config),
      service: {
        extensions: this.extensions.map((x) => x.componentId),
        pipelines,
      },
    };
  }

  private defaultProcessors(signal: TelemetrySignal): string[] {
    const ids = this.processors.filter((p) => p.signals.includes(signal)).map((p) => p.componentId);
    const middle = ids.filter((id) => id !== CollectorProcessor.MEMORY_LIMITER_ID && id !== CollectorProcessor.BATCH_ID);
    return [
      ...(ids.includes(CollectorProcessor.MEMORY_LIMITER_ID) ? [CollectorProcessor.MEMORY_LIMITER_ID] : []),
      ...middle,
      ...(ids.includes(CollectorProcessor.BATCH_ID) ? [CollectorProcessor.BATCH_ID] : []),
    ];
  }

  private addComponent<T extends { componentId: string }>(kind: string, list: T[], component: T): void {
    if (list.some((c) => c.componentId === component.componentId)) {
      throw new ValidationError(`${kind}s`, `already define a ${kind} '${component.componentId}'`, component.componentId,
        `give the second one its own name (e.g. '${component.componentId.split('/')[0]}/other')`, this);
    }
    list.push(component);
  }

  private needs(needs: ComponentNeeds): void {
    if (this.rbac || !needs.clusterRules || needs.clusterRules.length === 0) return;
    this.rbac = true;
    const name = `${this.namespace}-${this.collectorName}-collector`;
    const labels = observabilityLabels(this.collectorName, 'telemetry-rbac');
    new k8s.KubeClusterRole(this, 'ClusterRole', {
      metadata: { name, labels },
      rules: Lazy.any({ produce: () => this.clusterRules() }) as any,
    });
    new k8s.KubeClusterRoleBinding(this, 'ClusterRoleBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects: [{ kind: 'ServiceAccount', name: this.serviceAccountName, namespace: this.namespace }],
    });
  }

  private clusterRules(): ClusterRule[] {
    // Merge per API group and verb set; sort for stable output.
    const merged = new Map<string, Set<string>>();
    for (const c of [...this.receivers, ...this.processors]) {
      for (const rule of c._needs.clusterRules ?? []) {
        for (const group of rule.apiGroups) {
          const key = `${group}|${[...rule.verbs].sort().join(',')}`;
          const set = merged.get(key) ?? new Set<string>();
          rule.resources.forEach((r) => set.add(r));
          merged.set(key, set);
        }
      }
    }
    const order = (key: string) => key.split('|');
    return [...merged.keys()].sort((a, b) => {
      const [ga, va] = order(a);
      const [gb, vb] = order(b);
      return ga === gb ? va.localeCompare(vb) : ga.localeCompare(gb);
    }).map((key) => {
      const [group, verbs] = key.split('|');
      return { apiGroups: [group], resources: [...merged.get(key)!].sort(), verbs: verbs.split(',') };
    });
  }

  private renderSpec(): any {
    const config = this.renderConfig();
    const gateway = this.mode === CollectorMode.DEPLOYMENT;
    const all: ComponentNeeds[] = [...this.receivers, ...this.processors].map((c) => c._needs);
    const single = all.some((n) => n.singleReplica);
    const rootFiles = all.some((n) => n.readsRootFiles);
    const hostPaths: { [path: string]: string } = {};
    for (const n of all) Object.assign(hostPaths, n.hostPaths ?? {});
    const paths = Object.keys(hostPaths).sort();
    const limitMi = Math.floor(this.memoryLimit.toMebibytes());
    const env: any[] = [
      // Go's soft memory limit below the container limit, as the collector docs recommend.
      { name: 'GOMEMLIMIT', value: `${Math.floor(limitMi * 0.8)}MiB` },
    ];
    if (!gateway) env.push({ name: 'K8S_NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } });
    return {
      mode: this.mode,
      image: this.image,
      serviceAccount: this.serviceAccountName,
      ...(gateway ? { replicas: this.explicitReplicas ?? (single ? 1 : 2) } : {}),
      config,
      env,
      resources: {
        requests: { cpu: this.cpuRequest.amount, memory: `${Math.floor(limitMi / 2)}Mi` },
        // LLM-RES-001: CPU and memory requests and limits on every container.
        limits: { cpu: this.cpuLimit.amount, memory: `${limitMi}Mi` },
      },
      podSecurityContext: { seccompProfile: { type: 'RuntimeDefault' } },
      securityContext: {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ['ALL'] },
        // Container logs under /var/log/pods are readable by root only.
        ...(rootFiles ? { runAsUser: 0, runAsGroup: 0, runAsNonRoot: false } : { runAsNonRoot: true }),
      },
      ...(gateway ? {} : {
        tolerations: [{ key: PlatformLabels.NVIDIA_GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' }],
      }),
      ...(paths.length > 0 ? {
        volumes: paths.map((p) => ({ name: hostPaths[p], hostPath: { path: p, type: 'Directory' } })),
        volumeMounts: paths.map((p) => ({ name: hostPaths[p], mountPath: p, readOnly: true })),
      } : {}),
    };
  }
}
