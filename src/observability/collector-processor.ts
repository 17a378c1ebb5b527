import { Duration } from 'cdk8s';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { ComponentNeeds, RenderContext, componentId, signalsOf } from './private/component';
import { num, promDuration } from './private/promql';
import { CollectorMode, TelemetrySignal } from './telemetry-signal';
import { checkProps } from '../core/private/runtime-types';

const ALL_SIGNALS = [TelemetrySignal.TRACES, TelemetrySignal.METRICS, TelemetrySignal.LOGS];

/**
 * Options of the memory_limiter processor.
 */
export interface MemoryLimiterOptions {
  /**
   * How often memory usage is checked.
   *
   * @default Duration.seconds(1)
   */
  readonly checkInterval?: Duration;
  /**
   * Hard limit, percent of the container memory limit.
   *
   * @default 80
   */
  readonly limitPercentage?: number;
  /**
   * Spike allowance below the hard limit (the soft limit is `limit - spike`), percent.
   *
   * @default 25
   */
  readonly spikeLimitPercentage?: number;
}

/**
 * Options of the k8sattributes processor.
 */
export interface KubernetesAttributesOptions {
  /**
   * Pod labels copied to resource attributes (label key -> attribute name).
   *
   * @default - `llm-platform.io/tenant` -> `tenant`, `llm-platform.io/model` -> `model`,
   * `llm-platform.io/model-version` -> `model_version`
   */
  readonly podLabels?: { [labelKey: string]: string };
}

/**
 * Options of the resource processor.
 */
export interface ResourceAttributesOptions {
  /**
   * `cloud.provider`.
   *
   * @default 'aws'
   */
  readonly cloudProvider?: string;
  /**
   * `cloud.region`.
   *
   * @default - not set
   */
  readonly cloudRegion?: string;
  /**
   * `k8s.cluster.name`.
   *
   * @default - not set
   */
  readonly clusterName?: string;
  /**
   * `tenant` (for a collector dedicated to one tenant).
   *
   * @default - not set (k8sattributes sets it per pod)
   */
  readonly tenant?: string;
  /**
   * `model` (for a collector dedicated to one model).
   *
   * @default - not set (k8sattributes sets it per pod)
   */
  readonly model?: string;
  /**
   * More attributes to upsert.
   *
   * @default - none
   */
  readonly attributes?: { [key: string]: string };
}

/**
 * What the attributes processor does to one attribute.
 */
export enum AttributeActionType {
  /** Add when missing. */
  INSERT = 'insert',
  /** Change when present. */
  UPDATE = 'update',
  /** Add or change. */
  UPSERT = 'upsert',
  /** Remove. */
  DELETE = 'delete',
  /** Replace the value by its SHA-1 hash. */
  HASH = 'hash',
}

/**
 * One action of the attributes processor.
 */
export interface AttributeAction {
  /** The attribute key. */
  readonly key: string;
  /** What to do. */
  readonly action: AttributeActionType;
  /**
   * The value (insert, update, upsert).
   *
   * @default - none (required for insert, update and upsert)
   */
  readonly value?: string;
}

/**
 * Options of the attributes processor.
 */
export interface AttributesOptions {
  /**
   * Processor name (the id becomes `attributes/<name>`).
   *
   * @default - the id is `attributes`
   */
  readonly name?: string;
  /** The actions, applied in order. */
  readonly actions: AttributeAction[];
}

/**
 * Options of the batch processor.
 */
export interface BatchOptions {
  /**
   * Items that trigger a send.
   *
   * @default 8192 (the collector's default)
   */
  readonly sendBatchSize?: number;
  /**
   * Upper bound of a batch.
   *
   * @default - no bound (the collector's default)
   */
  readonly sendBatchMaxSize?: number;
  /**
   * Time after which a batch is sent regardless of size.
   *
   * @default Duration.millis(200) (the collector's default)
   */
  readonly timeout?: Duration;
}

/**
 * Options of a processor this library does not preset.
 */
export interface CustomProcessorOptions {
  /** The component type, e.g. `filter`. */
  readonly type: string;
  /**
   * Component name.
   *
   * @default - the id is the type
   */
  readonly name?: string;
  /**
   * The signals it handles.
   *
   * @default - all signals
   */
  readonly signals?: TelemetrySignal[];
  /**
   * Its configuration.
   *
   * @default {}
   */
  readonly config?: { [key: string]: any };
}

/**
 * A collector processor. Pipelines must start with `memory_limiter` and end with `batch`.
 */
export class CollectorProcessor {
  /** The id of the memory limiter. */
  public static readonly MEMORY_LIMITER_ID = 'memory_limiter';
  /** The id of the batch processor. */
  public static readonly BATCH_ID = 'batch';

  /**
   * memory_limiter: refuses data before the collector runs out of memory. Must come first.
   */
  public static memoryLimiter(options: MemoryLimiterOptions = {}): CollectorProcessor {
    checkProps('observability.MemoryLimiterOptions', options, 'options');
    const limit = options.limitPercentage ?? 80;
    const spike = options.spikeLimitPercentage ?? 25;
    if (!(limit > 0 && limit <= 100)) {
      throw new ValidationError('limitPercentage', 'must be a percentage in (0, 100]', limit, 'use e.g. 80');
    }
    if (!(spike > 0 && spike < limit)) {
      throw new ValidationError('spikeLimitPercentage', `must be positive and below limitPercentage (${num(limit)})`, spike, 'use about 20-25% of the limit');
    }
    const check = promDuration('checkInterval', options.checkInterval ?? Duration.seconds(1));
    return new CollectorProcessor(CollectorProcessor.MEMORY_LIMITER_ID, ALL_SIGNALS,
      () => ({ check_interval: check, limit_percentage: limit, spike_limit_percentage: spike }));
  }

  /**
   * k8sattributes: adds the pod's namespace, name, node, workload and platform labels to resource
   * attributes. In daemonset mode it watches only the collector's own node.
   */
  public static kubernetesAttributes(options: KubernetesAttributesOptions = {}): CollectorProcessor {
    checkProps('observability.KubernetesAttributesOptions', options, 'options');
    const podLabels = options.podLabels ?? {
      [PlatformLabels.TENANT]: 'tenant',
      [PlatformLabels.MODEL]: 'model',
      [PlatformLabels.MODEL_VERSION]: 'model_version',
    };
    const labels = Object.keys(podLabels).sort().map((key) => ({ tag_name: podLabels[key], key, from: 'pod' }));
    return new CollectorProcessor('k8sattributes', ALL_SIGNALS, (ctx) => ({
      auth_type: 'serviceAccount',
      passthrough: false,
      ...(ctx.mode === CollectorMode.DAEMONSET ? { filter: { node_from_env_var: 'K8S_NODE_NAME' } } : {}),
      extract: {
        metadata: ['k8s.namespace.name', 'k8s.pod.name', 'k8s.pod.uid', 'k8s.node.name', 'k8s.deployment.name', 'k8s.container.name'],
        labels,
      },
      pod_association: [
        { sources: [{ from: 'resource_attribute', name: 'k8s.pod.ip' }] },
        { sources: [{ from: 'resource_attribute', name: 'k8s.pod.uid' }] },
        { sources: [{ from: 'connection' }] },
      ],
    }), {
      clusterRules: [
        { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['apps'], resources: ['replicasets'], verbs: ['get', 'list', 'watch'] },
      ],
    });
  }

  /**
   * resource: upserts `cloud.provider`, `cloud.region`, `k8s.cluster.name`, `tenant`, `model` and
   * more resource attributes.
   */
  public static resourceAttributes(options: ResourceAttributesOptions = {}): CollectorProcessor {
    checkProps('observability.ResourceAttributesOptions', options, 'options');
    const attrs: { [key: string]: string | undefined } = {
      'cloud.provider': options.cloudProvider ?? 'aws',
      'cloud.region': options.cloudRegion,
      'k8s.cluster.name': options.clusterName,
      'tenant': options.tenant,
      'model': options.model,
      ...(options.attributes ?? {}),
    };
    const attributes = Object.keys(attrs).filter((k) => attrs[k] !== undefined).sort()
      .map((key) => ({ key, value: attrs[key], action: 'upsert' }));
    return new CollectorProcessor('resource', ALL_SIGNALS, () => ({ attributes }));
  }

  /**
   * attributes: inserts, updates, deletes or hashes span, log and data point attributes (e.g. hash
   * user ids, drop prompt text).
   */
  public static attributes(options: AttributesOptions): CollectorProcessor {
    checkProps('observability.AttributesOptions', options, 'options');
    if (options.actions.length === 0) {
      throw new ValidationError('actions', 'must list at least one action', [], 'add an action or leave the processor out');
    }
    options.actions.forEach((a, i) => {
      const needsValue = [AttributeActionType.INSERT, AttributeActionType.UPDATE, AttributeActionType.UPSERT].includes(a.action);
      if (needsValue && a.value === undefined) {
        throw new ValidationError(`actions[${i}].value`, `is required for ${a.action}`, undefined, `set the value to ${a.action}, or use delete`);
      }
    });
    const actions = options.actions.map((a) => ({ key: a.key, action: a.action, ...(a.value !== undefined ? { value: a.value } : {}) }));
    return new CollectorProcessor(componentId('processor', 'attributes', options.name), ALL_SIGNALS, () => ({ actions }));
  }

  /**
   * batch: batches before export (fewer, larger requests). Must come last.
   */
  public static batch(options: BatchOptions = {}): CollectorProcessor {
    checkProps('observability.BatchOptions', options, 'options');
    const size = options.sendBatchSize ?? 8192;
    if (!Number.isInteger(size) || size < 1) {
      throw new ValidationError('sendBatchSize', 'must be a positive whole number', size, 'use e.g. 8192');
    }
    if (options.sendBatchMaxSize !== undefined && !(Number.isInteger(options.sendBatchMaxSize) && options.sendBatchMaxSize >= size)) {
      throw new ValidationError('sendBatchMaxSize', `must be a whole number of at least sendBatchSize (${size})`, options.sendBatchMaxSize, 'raise it or leave it unset');
    }
    const timeout = promDuration('timeout', options.timeout ?? Duration.millis(200));
    return new CollectorProcessor(CollectorProcessor.BATCH_ID, ALL_SIGNALS, () => ({
      send_batch_size: size,
      ...(options.sendBatchMaxSize !== undefined ? { send_batch_max_size: options.sendBatchMaxSize } : {}),
      timeout,
    }));
  }

  /**
   * A processor this library does not preset.
   */
  public static custom(options: CustomProcessorOptions): CollectorProcessor {
    checkProps('observability.CustomProcessorOptions', options, 'options');
    const config = { ...(options.config ?? {}) };
    return new CollectorProcessor(componentId('processor', options.type, options.name), signalsOf('processor', options.signals ?? ALL_SIGNALS), () => config);
  }

  /** The component id (`memory_limiter`, `attributes/redact`). */
  public readonly componentId: string;
  /** The signals it handles. */
  public readonly signals: TelemetrySignal[];
  /** @internal */
  public readonly _needs: ComponentNeeds;
  private readonly render: (ctx: RenderContext) => { [key: string]: any };

  private constructor(id: string, signals: TelemetrySignal[], render: (ctx: RenderContext) => { [key: string]: any }, needs: ComponentNeeds = {}) {
    this.componentId = id;
    this.signals = signals;
    this.render = render;
    this._needs = needs;
  }

  /** @internal */
  public _render(ctx: RenderContext): { [key: string]: any } {
    return this.render(ctx);
  }
}
