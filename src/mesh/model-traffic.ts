import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { resolveCanary } from './private/canary';
import { RouteRenderOptions } from './private/routes';
import { checkPercentage, checkPositiveInt, durationText, istioDuration, modelLabels, serviceHost, validateModel } from './private/util';
import { RetryOn } from './retry-on';
import { checkProps } from '../core/private/runtime-types';

/**
 * HTTP connection-pool limits towards a model (DestinationRule `trafficPolicy.connectionPool.http`).
 * Requests beyond the limits fail fast with 503 (overflow) instead of queueing without bound in
 * front of GPUs that are already saturated.
 */
export interface ConnectionPoolOptions {
  /**
   * Requests per upstream connection before it is recycled (`maxRequestsPerConnection`). A finite
   * value lets connections rebalance onto replicas added by the autoscaler.
   *
   * @default 100
   */
  readonly maxRequestsPerConnection?: number;

  /**
   * Requests queued while waiting for a connection (`http1MaxPendingRequests`).
   *
   * @default 128
   */
  readonly maxPendingRequests?: number;

  /**
   * Concurrent requests to all replicas together (`http2MaxRequests`; Istio applies it to HTTP/1.1 too).
   *
   * @default 1024
   */
  readonly maxRequests?: number;
}

/**
 * Outlier detection (the circuit breaker): replicas that keep failing are ejected from load balancing.
 */
export interface OutlierDetectionOptions {
  /**
   * Consecutive 5xx responses before a replica is ejected (0 disables).
   *
   * @default 5
   */
  readonly consecutive5xxErrors?: number;

  /**
   * Consecutive 502/503/504 responses before a replica is ejected (0 disables).
   *
   * @default 3
   */
  readonly consecutiveGatewayErrors?: number;

  /**
   * How often replicas are analysed.
   *
   * @default Duration.seconds(10)
   */
  readonly interval?: Duration;

  /**
   * Minimum ejection time (multiplied by the number of ejections).
   *
   * @default Duration.seconds(30)
   */
  readonly baseEjectionTime?: Duration;

  /**
   * Maximum share of replicas ejected at once, 0..100. GPU replicas are few and expensive: the
   * default keeps at least half of them serving.
   *
   * @default 50
   */
  readonly maxEjectionPercent?: number;
}

/**
 * Retries of a model route.
 */
export interface RetryPolicy {
  /**
   * Retry attempts (0 disables retries).
   *
   * @default 2
   */
  readonly attempts?: number;

  /**
   * Timeout of each attempt.
   *
   * @default - the route timeout
   */
  readonly perTryTimeout?: Duration;

  /**
   * The conditions to retry on. Setting this explicitly matters: Istio's implicit default also retries
   * on `cancelled` and `retriable-status-codes` (503), which can duplicate a generation.
   *
   * @default RetryOn.SAFE_FOR_GENERATION (connect-failure, refused-stream, unavailable)
   */
  readonly retryOn?: RetryOn[];

  /**
   * Allow conditions that may retry a request the model already started generating (`5xx`,
   * `gateway-error`, `reset`, status codes, ...). Only for idempotent routes (e.g. embeddings).
   *
   * @default false
   */
  readonly allowNonIdempotentRetries?: boolean;
}

/**
 * Canary release between the stable and a candidate version.
 */
export interface CanaryOptions {
  /**
   * The candidate version (one of the model's served versions).
   *
   * @default 'candidate'
   */
  readonly candidateVersion?: string;

  /**
   * Weight (percent) of regular traffic to the stable version.
   *
   * @default - 100 - candidateWeight (95)
   */
  readonly stableWeight?: number;

  /**
   * Weight (percent) of regular traffic to the candidate version.
   *
   * @default - 100 - stableWeight (5)
   */
  readonly candidateWeight?: number;

  /**
   * Request header that sends testers to the candidate regardless of weights (lower case).
   *
   * @default 'x-llm-canary'
   */
  readonly testerHeader?: string;

  /**
   * The value of `testerHeader` that selects the candidate.
   *
   * @default 'true'
   */
  readonly testerHeaderValue?: string;
}

/**
 * Fault injection for resilience experiments (chaos). Refused in production unless
 * `allowInProduction` is set.
 */
export interface FaultInjection {
  /**
   * Fixed delay added before forwarding.
   *
   * @default - no delay
   */
  readonly delay?: Duration;

  /**
   * Percentage of requests delayed (required with `delay`).
   *
   * @default - no delay
   */
  readonly delayPercentage?: number;

  /**
   * HTTP status returned instead of forwarding (400..599).
   *
   * @default - no abort
   */
  readonly abortHttpStatus?: number;

  /**
   * Percentage of requests aborted (required with `abortHttpStatus`).
   *
   * @default - no abort
   */
  readonly abortPercentage?: number;

  /**
   * Allow the experiment in an environment marked production.
   *
   * @default false
   */
  readonly allowInProduction?: boolean;
}

/**
 * Properties of `ModelTraffic`.
 */
export interface ModelTrafficProps {
  /**
   * The model.
   */
  readonly model: IModelService;

  /**
   * The version regular traffic goes to.
   *
   * @default - 'stable' when the model serves it, otherwise its first version
   */
  readonly stableVersion?: string;

  /**
   * Canary release: weighted split plus header routing for testers.
   *
   * @default - no canary: all traffic to the stable version
   */
  readonly canary?: CanaryOptions;

  /**
   * Route timeout. Sized for generation: long completions stream for minutes.
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;

  /**
   * Retries.
   *
   * @default - 2 attempts on connect-failure, refused-stream, unavailable
   */
  readonly retries?: RetryPolicy;

  /**
   * Connection-pool limits.
   *
   * @default - see ConnectionPoolOptions
   */
  readonly connectionPool?: ConnectionPoolOptions;

  /**
   * Outlier detection (circuit breaker).
   *
   * @default - see OutlierDetectionOptions
   */
  readonly outlierDetection?: OutlierDetectionOptions;

  /**
   * Whether the model's gRPC port gets HTTP/2 settings (`h2UpgradePolicy: UPGRADE` at port level).
   *
   * @default - true when the runtime has a gRPC port
   */
  readonly grpc?: boolean;

  /**
   * Fault injection (chaos experiment) on the model's routes.
   *
   * @default - none
   */
  readonly faultInjection?: FaultInjection;

  /**
   * The environment (label `llm-platform.io/environment`).
   *
   * @default - no environment label
   */
  readonly environment?: string;

  /**
   * Whether the environment is production (fault injection is refused there).
   *
   * @default - true when `environment` is 'prod' or 'production', otherwise false
   */
  readonly production?: boolean;
}

/**
 * Traffic management for one model: a `DestinationRule` (ISTIO_MUTUAL TLS, connection-pool limits,
 * outlier detection, one subset per served version selected by `llm-platform.io/model-version`, HTTP/2
 * for gRPC) and a `VirtualService` (generation-sized timeout, idempotent-safe retries, weighted
 * stable/candidate split, header routing for testers, optional fault injection).
 *
 * Both are named after the model's Service and live in its namespace.
 */
export class ModelTraffic extends Construct {
  /** The model. */
  public readonly model: IModelService;
  /** The in-mesh host (`<service>.<namespace>.svc.cluster.local`). */
  public readonly host: string;
  /** The stable version. */
  public readonly stableVersion: string;
  /** The candidate version, when a canary is configured. */
  public readonly candidateVersion?: string;
  /** Weight of regular traffic to the stable version. */
  public readonly stableWeight: number;
  /** Weight of regular traffic to the candidate version. */
  public readonly candidateWeight: number;
  /** The tester header, when a canary is configured. */
  public readonly testerHeader?: string;
  /** The tester header value, when a canary is configured. */
  public readonly testerHeaderValue?: string;
  /** The route timeout. */
  public readonly timeout: Duration;
  /** Retry attempts. */
  public readonly retryAttempts: number;
  /** Retry conditions. */
  public readonly retryOn: RetryOn[];
  /** Whether the gRPC port gets HTTP/2 settings. */
  public readonly grpc: boolean;
  /** Whether the environment is production. */
  public readonly production: boolean;
  /** The environment, if any. */
  public readonly environment?: string;
  /** The DestinationRule. */
  public readonly destinationRule: ApiObject;
  /** The VirtualService. */
  public readonly virtualService: ApiObject;

  private readonly perTryTimeout?: Duration;
  private readonly fault?: any;

  constructor(scope: Construct, id: string, props: ModelTrafficProps) {
    super(scope, id);
    checkProps('mesh.ModelTrafficProps', props, 'props', this);
    validateModel('model', props.model, this);
    const model = props.model;
    this.model = model;
    this.host = serviceHost(model);
    this.environment = props.environment;
    if (props.environment !== undefined) Names.validateDns1123Label('environment', props.environment, this);
    this.production = props.production ?? (props.environment === 'prod' || props.environment === 'production');

    // versions
    const resolved = resolveCanary(model, props.stableVersion, props.canary, this);
    this.stableVersion = resolved.stableVersion;
    this.candidateVersion = resolved.candidateVersion;
    this.stableWeight = resolved.stableWeight;
    this.candidateWeight = resolved.candidateWeight;
    this.testerHeader = resolved.testerHeader;
    this.testerHeaderValue = resolved.testerHeaderValue;

    // timeout and retries
    this.timeout = props.timeout ?? Duration.minutes(5);
    istioDuration('timeout', this.timeout, this, Duration.hours(1));
    if (this.timeout.toMilliseconds({ integral: false }) < 1000) {
      throw new ValidationError('timeout', 'must be at least 1 second (generation takes seconds to minutes)', durationText(this.timeout), 'use e.g. Duration.minutes(5)', this);
    }
    const r = props.retries ?? {};
    this.retryAttempts = r.attempts ?? 2;
    if (!Number.isInteger(this.retryAttempts) || this.retryAttempts < 0 || this.retryAttempts > 10) {
      throw new ValidationError('retries.attempts', 'must be a whole number between 0 and 10', r.attempts, 'use 0 to disable retries or e.g. 2', this);
    }
    this.retryOn = [...(r.retryOn ?? RetryOn.SAFE_FOR_GENERATION)];
    if (this.retryAttempts > 0 && this.retryOn.length === 0) {
      throw new ValidationError('retries.retryOn', 'must list at least one condition when attempts > 0', [], 'use RetryOn.SAFE_FOR_GENERATION or set attempts to 0', this);
    }
    const unsafe = this.retryOn.filter((x) => !x.safeForGeneration).map((x) => x.condition);
    if (unsafe.length > 0 && !r.allowNonIdempotentRetries) {
      throw new ValidationError('retries.retryOn', 'includes conditions that can retry a generation already in progress (not idempotent)', unsafe.join(','),
        "retry only on RetryOn.SAFE_FOR_GENERATION (connect-failure, refused-stream, unavailable), or set 'allowNonIdempotentRetries: true' for idempotent routes", this);
    }
    this.perTryTimeout = r.perTryTimeout;
    if (r.perTryTimeout) {
      istioDuration('retries.perTryTimeout', r.perTryTimeout, this);
      if (r.perTryTimeout.toMilliseconds() > this.timeout.toMilliseconds()) {
        throw new ValidationError('retries.perTryTimeout', `must not exceed the route timeout (${durationText(this.timeout)})`, durationText(r.perTryTimeout),
          'shorten perTryTimeout or raise timeout', this);
      }
    }

    // gRPC
    this.grpc = props.grpc ?? model.runtime.grpcPort !== undefined;
    if (this.grpc && model.runtime.grpcPort === undefined) {
      throw new ValidationError('grpc', `cannot be true: the ${model.runtime.name} runtime has no gRPC port`, true, 'leave grpc unset or use a runtime with a grpcPort', this);
    }

    // chaos
    if (props.faultInjection) this.fault = this.renderFault(props.faultInjection);

    const labels = modelLabels(model, 'mesh-traffic', this.environment);
    this.destinationRule = new ApiObject(this, 'DestinationRule', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: model.serviceName, namespace: model.namespace, labels },
      spec: {
        host: this.host,
        trafficPolicy: this.renderTrafficPolicy(props.connectionPool ?? {}, props.outlierDetection ?? {}),
        subsets: model.versions.map((v) => ({ name: v, labels: { [PlatformLabels.MODEL_VERSION]: v } })),
      },
    });
    this.virtualService = new ApiObject(this, 'Resource', {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: model.serviceName, namespace: model.namespace, labels },
      spec: {
        hosts: [this.host],
        http: this._renderHttpRoutes({}),
      },
    });
  }

  /**
   * Whether a canary is configured.
   */
  public get isCanary(): boolean {
    return this.candidateVersion !== undefined;
  }

  /**
   * The HTTP routes (tester route, then the weighted route), optionally behind a URI prefix.
   * @internal
   */
  public _renderHttpRoutes(options: RouteRenderOptions): any[] {
    const dest = (subset: string) => ({ host: this.host, subset, port: options.port !== undefined ? { number: options.port } : undefined });
    const uri = options.uriPrefix ? { uri: { prefix: options.uriPrefix } } : {};
    const rewrite = options.rewriteUri !== undefined ? { uri: options.rewriteUri } : undefined;
    const name = (n: string) => (options.namePrefix ? `${options.namePrefix}-${n}` : n);
    const common = {
      rewrite,
      timeout: istioDuration('timeout', this.timeout),
      retries: this.renderRetries(),
      fault: this.fault,
    };
    const routes: any[] = [];
    if (this.candidateVersion !== undefined) {
      routes.push({
        name: name('canary-testers'),
        match: [{ ...uri, headers: { [this.testerHeader!]: { exact: this.testerHeaderValue } } }],
        route: [{ destination: dest(this.candidateVersion) }],
        ...common,
      });
      routes.push({
        name: name('canary-split'),
        ...(options.uriPrefix ? { match: [uri] } : {}),
        route: [
          { destination: dest(this.stableVersion), weight: this.stableWeight },
          { destination: dest(this.candidateVersion), weight: this.candidateWeight },
        ],
        ...common,
      });
    } else {
      routes.push({
        name: name('stable'),
        ...(options.uriPrefix ? { match: [uri] } : {}),
        route: [{ destination: dest(this.stableVersion) }],
        ...common,
      });
    }
    return routes;
  }

  private renderRetries(): any {
    if (this.retryAttempts === 0) return { attempts: 0 };
    return {
      attempts: this.retryAttempts,
      retryOn: [...new Set(this.retryOn.map((x) => x.condition))].join(','),
      perTryTimeout: this.perTryTimeout ? istioDuration('retries.perTryTimeout', this.perTryTimeout) : undefined,
    };
  }

  private renderTrafficPolicy(pool: ConnectionPoolOptions, od: OutlierDetectionOptions): any {
    const http = {
      maxRequestsPerConnection: checkPositiveInt('connectionPool.maxRequestsPerConnection', pool.maxRequestsPerConnection ?? 100, this, 'use e.g. 100'),
      http1MaxPendingRequests: checkPositiveInt('connectionPool.maxPendingRequests', pool.maxPendingRequests ?? 128, this, 'use e.g. 128'),
      http2MaxRequests: checkPositiveInt('connectionPool.maxRequests', pool.maxRequests ?? 1024, this, 'use e.g. 1024'),
    };
    const nonNegative = (prop: string, v: number) => {
      if (!Number.isInteger(v) || v < 0) throw new ValidationError(prop, 'must be a whole number of at least 0 (0 disables it)', v, 'use e.g. 5', this);
      return v;
    };
    const outlierDetection = {
      consecutive5xxErrors: nonNegative('outlierDetection.consecutive5xxErrors', od.consecutive5xxErrors ?? 5),
      consecutiveGatewayErrors: nonNegative('outlierDetection.consecutiveGatewayErrors', od.consecutiveGatewayErrors ?? 3),
      interval: istioDuration('outlierDetection.interval', od.interval ?? Duration.seconds(10), this),
      baseEjectionTime: istioDuration('outlierDetection.baseEjectionTime', od.baseEjectionTime ?? Duration.seconds(30), this),
      maxEjectionPercent: checkPercentage('outlierDetection.maxEjectionPercent', od.maxEjectionPercent ?? 50, this, 'use e.g. 50 to keep half of the replicas serving'),
    };
    return {
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { http },
      outlierDetection,
      portLevelSettings: this.grpc
        ? [{ port: { number: this.model.runtime.grpcPort }, connectionPool: { http: { ...http, h2UpgradePolicy: 'UPGRADE' } } }]
        : undefined,
    };
  }

  private renderFault(f: FaultInjection): any {
    if (this.production && !f.allowInProduction) {
      throw new ValidationError('faultInjection', `is refused in the production environment${this.environment ? ` '${this.environment}'` : ''}`, f,
        "run the experiment in a non-production environment, or set 'faultInjection.allowInProduction: true' deliberately", this);
    }
    if (f.delay === undefined && f.abortHttpStatus === undefined) {
      throw new ValidationError('faultInjection', 'must inject a delay or an abort', f, "set 'delay' and 'delayPercentage', or 'abortHttpStatus' and 'abortPercentage'", this);
    }
    const fault: any = {};
    if (f.delay !== undefined || f.delayPercentage !== undefined) {
      if (f.delay === undefined || f.delayPercentage === undefined) {
        throw new ValidationError(f.delay === undefined ? 'faultInjection.delay' : 'faultInjection.delayPercentage', "must be set together with its pair ('delay' and 'delayPercentage')",
          f.delay ? durationText(f.delay) : f.delayPercentage, "set both 'delay' and 'delayPercentage'", this);
      }
      fault.delay = {
        fixedDelay: istioDuration('faultInjection.delay', f.delay, this, this.timeout),
        percentage: { value: checkPercentage('faultInjection.delayPercentage', f.delayPercentage, this, 'use e.g. 10') },
      };
    }
    if (f.abortHttpStatus !== undefined || f.abortPercentage !== undefined) {
      if (f.abortHttpStatus === undefined || f.abortPercentage === undefined) {
        throw new ValidationError(f.abortHttpStatus === undefined ? 'faultInjection.abortHttpStatus' : 'faultInjection.abortPercentage',
          "must be set together with its pair ('abortHttpStatus' and 'abortPercentage')", f.abortHttpStatus ?? f.abortPercentage,
          "set both 'abortHttpStatus' and 'abortPercentage'", this);
      }
      if (!Number.isInteger(f.abortHttpStatus) || f.abortHttpStatus < 400 || f.abortHttpStatus > 599) {
        throw new ValidationError('faultInjection.abortHttpStatus', 'must be an HTTP error status between 400 and 599', f.abortHttpStatus, 'use e.g. 503', this);
      }
      fault.abort = {
        httpStatus: f.abortHttpStatus,
        percentage: { value: checkPercentage('faultInjection.abortPercentage', f.abortPercentage, this, 'use e.g. 5') },
      };
    }
    return fault;
  }
}
