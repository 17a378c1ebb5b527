import { ValidationError } from '../core/errors';
import { ComponentNeeds, componentId, signalsOf } from './private/component';
import { TelemetrySignal } from './telemetry-signal';
import { checkProps } from '../core/private/runtime-types';

/**
 * Connection options shared by the exporters.
 */
export interface ExporterConnectionOptions {
  /**
   * Exporter name (the id becomes `<type>/<name>`).
   *
   * @default - a name that says what it exports to (`amp`, `traces`, `loki`)
   */
  readonly name?: string;
  /**
   * Where to send: a URL (`https://...`) or, for OTLP over gRPC, `host:port`.
   */
  readonly endpoint: string;
  /**
   * Send without TLS. Only for in-cluster targets (`*.svc`, `*.svc.cluster.local` or a bare Service
   * name); anything leaving the cluster must use TLS.
   *
   * @default false
   */
  readonly insecure?: boolean;
  /**
   * The id of an authenticator extension the exporter signs requests with (e.g. `sigv4auth`); it must
   * be added to the pipeline.
   *
   * @default - no authenticator
   */
  readonly authenticator?: string;
}

/**
 * Options of the X-Ray OTLP exporter.
 */
export interface XrayExporterOptions {
  /** The AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** The id of the sigv4auth extension (service `xray`) that signs the requests. */
  readonly authenticator: string;
  /**
   * Exporter name.
   *
   * @default 'xray'
   */
  readonly name?: string;
}

/**
 * Options of the debug exporter.
 */
export interface DebugExporterOptions {
  /**
   * `basic`, `normal` or `detailed`.
   *
   * @default 'basic'
   */
  readonly verbosity?: string;
}

/**
 * Options of an exporter this library does not preset. Its endpoint is not checked for TLS.
 */
export interface CustomExporterOptions {
  /** The component type, e.g. `awsemf`. */
  readonly type: string;
  /**
   * Component name.
   *
   * @default - the id is the type
   */
  readonly name?: string;
  /** The signals it accepts. */
  readonly signals: TelemetrySignal[];
  /**
   * Its configuration.
   *
   * @default {}
   */
  readonly config?: { [key: string]: any };
  /**
   * The id of an authenticator extension it references.
   *
   * @default - none
   */
  readonly authenticator?: string;
}

/**
 * A collector exporter. Endpoints use TLS unless `insecure` is set for an in-cluster target.
 */
export class CollectorExporter {
  /**
   * prometheusremotewrite: metrics to a Prometheus remote-write endpoint such as Amazon Managed
   * Service for Prometheus (`https://aps-workspaces.<region>.amazonaws.com/workspaces/<id>/api/v1/remote_write`,
   * with a `sigv4auth` authenticator) or Thanos/Mimir. Resource attributes become labels, so
   * `tenant`/`model` survive.
   */
  public static prometheusRemoteWrite(options: ExporterConnectionOptions): CollectorExporter {
    checkProps('observability.ExporterConnectionOptions', options, 'options');
    const endpoint = CollectorExporter.checkEndpoint('prometheusRemoteWrite', options, true);
    return new CollectorExporter(componentId('exporter', 'prometheusremotewrite', options.name ?? 'amp'), [TelemetrySignal.METRICS], options, {
      endpoint,
      resource_to_telemetry_conversion: { enabled: true },
      ...CollectorExporter.auth(options),
    });
  }

  /**
   * otlp: OTLP over gRPC, e.g. to Tempo, Jaeger or an ADOT gateway (`host:4317`).
   */
  public static otlp(options: ExporterConnectionOptions): CollectorExporter {
    checkProps('observability.ExporterConnectionOptions', options, 'options');
    const endpoint = CollectorExporter.checkEndpoint('otlp', options, false);
    return new CollectorExporter(componentId('exporter', 'otlp', options.name ?? 'traces'),
      [TelemetrySignal.TRACES, TelemetrySignal.METRICS, TelemetrySignal.LOGS], options, {
        endpoint,
        ...(options.insecure ? { tls: { insecure: true } } : {}),
        ...CollectorExporter.auth(options),
      });
  }

  /**
   * otlphttp: OTLP over HTTP (`https://host:4318`).
   */
  public static otlpHttp(options: ExporterConnectionOptions): CollectorExporter {
    checkProps('observability.ExporterConnectionOptions', options, 'options');
    const endpoint = CollectorExporter.checkEndpoint('otlpHttp', options, true);
    return new CollectorExporter(componentId('exporter', 'otlphttp', options.name ?? 'traces'),
      [TelemetrySignal.TRACES, TelemetrySignal.METRICS, TelemetrySignal.LOGS], options, {
        endpoint,
        ...CollectorExporter.auth(options),
      });
  }

  /**
   * Traces to AWS X-Ray's OTLP endpoint (`https://xray.<region>.amazonaws.com/v1/traces`), signed by a
   * sigv4auth extension.
   */
  public static xray(options: XrayExporterOptions): CollectorExporter {
    checkProps('observability.XrayExporterOptions', options, 'options');
    if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(options.region)) {
      throw new ValidationError('xray.region', 'must be an AWS region', options.region, "use e.g. 'us-east-1'");
    }
    const endpoint = `https://xray.${options.region}.amazonaws.com`;
    return new CollectorExporter(componentId('exporter', 'otlphttp', options.name ?? 'xray'), [TelemetrySignal.TRACES],
      { endpoint, authenticator: options.authenticator }, {
        traces_endpoint: `${endpoint}/v1/traces`,
        auth: { authenticator: options.authenticator },
      });
  }

  /**
   * Logs to Grafana Loki through its native OTLP endpoint (`<endpoint>/otlp`, Loki 3+). The
   * collector's dedicated `loki` exporter is deprecated upstream in favour of this.
   */
  public static loki(options: ExporterConnectionOptions): CollectorExporter {
    checkProps('observability.ExporterConnectionOptions', options, 'options');
    const base = CollectorExporter.checkEndpoint('loki', options, true).replace(/\/+$/, '');
    return new CollectorExporter(componentId('exporter', 'otlphttp', options.name ?? 'loki'), [TelemetrySignal.LOGS], options, {
      endpoint: `${base}/otlp`,
      ...CollectorExporter.auth(options),
    });
  }

  /**
   * debug: prints telemetry to the collector's own log. Off unless added (or `debugExporter: true`).
   */
  public static debug(options: DebugExporterOptions = {}): CollectorExporter {
    checkProps('observability.DebugExporterOptions', options, 'options');
    const verbosity = options.verbosity ?? 'basic';
    if (!['basic', 'normal', 'detailed'].includes(verbosity)) {
      throw new ValidationError('verbosity', "must be 'basic', 'normal' or 'detailed'", verbosity, "use 'basic'");
    }
    return new CollectorExporter('debug', [TelemetrySignal.TRACES, TelemetrySignal.METRICS, TelemetrySignal.LOGS], undefined, { verbosity });
  }

  /**
   * An exporter this library does not preset.
   */
  public static custom(options: CustomExporterOptions): CollectorExporter {
    checkProps('observability.CustomExporterOptions', options, 'options');
    return new CollectorExporter(componentId('exporter', options.type, options.name), signalsOf('exporter', options.signals),
      { endpoint: '', authenticator: options.authenticator }, { ...(options.config ?? {}) });
  }

  private static checkEndpoint(prop: string, options: ExporterConnectionOptions, urlRequired: boolean): string {
    const endpoint = options.endpoint;
    const match = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/:?#]+)(:\d+)?([/?#].*)?$/.exec(endpoint ?? '');
    const bare = /^([a-z0-9.-]+)(:\d+)$/.exec(endpoint ?? '');
    if (!match && (urlRequired || !bare)) {
      throw new ValidationError(`${prop}.endpoint`, urlRequired ? 'must be an http(s) URL' : "must be 'host:port' or an http(s) URL", endpoint,
        urlRequired ? "use e.g. 'https://collector.example.com:4318'" : "use e.g. 'tempo-distributor.tracing.svc:4317'");
    }
    const scheme = match ? match[1].toLowerCase() : undefined;
    if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') {
      throw new ValidationError(`${prop}.endpoint`, 'must use http or https', endpoint, 'use an https:// URL');
    }
    const host = (match ? match[2] : bare![1]).toLowerCase();
    const insecure = options.insecure ?? false;
    if (scheme === 'https' && insecure) {
      throw new ValidationError(`${prop}.insecure`, 'contradicts the https:// endpoint', endpoint, 'remove insecure, or use http:// for an in-cluster target');
    }
    if (scheme === 'http' && !insecure) {
      throw new ValidationError(`${prop}.endpoint`, 'sends telemetry in plaintext', endpoint,
        'use an https:// endpoint, or set insecure: true if the target is inside the cluster');
    }
    if (insecure && !CollectorExporter.isInCluster(host)) {
      throw new ValidationError(`${prop}.insecure`, `is only allowed for in-cluster targets (*.svc, *.svc.cluster.local or a bare Service name), not '${host}'`, insecure,
        'use TLS (https:// or drop insecure) for targets outside the cluster');
    }
    return endpoint;
  }

  private static isInCluster(host: string): boolean {
    return !host.includes('.') || host.endsWith('.svc') || host.endsWith('.svc.cluster.local');
  }

  private static auth(options: ExporterConnectionOptions): { [key: string]: any } {
    return options.authenticator ? { auth: { authenticator: options.authenticator } } : {};
  }

  /** The component id (`prometheusremotewrite/amp`, `otlp/traces`). */
  public readonly componentId: string;
  /** The signals it accepts. */
  public readonly signals: TelemetrySignal[];
  /** Where it sends, if it sends anywhere. */
  public readonly endpoint?: string;
  /** Whether it sends without TLS (in-cluster targets only). */
  public readonly insecure: boolean;
  /** The authenticator extension id it references, if any. */
  public readonly authenticator?: string;
  /** Its configuration. */
  public readonly config: { [key: string]: any };
  /** @internal */
  public readonly _needs: ComponentNeeds = {};

  private constructor(id: string, signals: TelemetrySignal[], connection: ExporterConnectionOptions | undefined, config: { [key: string]: any }) {
    this.componentId = id;
    this.signals = signals;
    this.endpoint = connection?.endpoint || undefined;
    this.insecure = connection?.insecure ?? false;
    this.authenticator = connection?.authenticator;
    this.config = config;
  }
}
