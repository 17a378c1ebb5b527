import { Construct } from 'constructs';
import { MeshExtensionProvider } from './mesh-config';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import { Telemetry } from '../imports/istio-telemetry-telemetry.istio.io';
import { checkPercentage, meshLabels } from './private/util';

/**
 * Properties of `MeshTelemetry`. Provider names refer to `meshConfig.extensionProviders` of the
 * Istio installation: Istio's built-in `prometheus`, `envoy` and `stackdriver`, or the providers
 * given here (`extensionProviders`, or the two `otelCollectorService` defines), which the istiod
 * add-on must carry in its `meshConfig` (`MeshConfig`).
 */
export interface MeshTelemetryProps {
  /**
   * The namespace: the Istio root namespace makes the settings mesh-wide, a tenant namespace scopes
   * them to it.
   *
   * @default 'istio-system'
   */
  readonly namespace?: string;

  /**
   * The Telemetry name.
   *
   * @default 'mesh-default'
   */
  readonly name?: string;

  /**
   * The OpenTelemetry collector Service (host name) the sidecars send access logs and spans to. Defines
   * the extension providers `otel` (`envoyOtelAls`) and `otel-tracing` (`opentelemetry`), both OTLP/gRPC
   * on `otelCollectorPort`.
   *
   * @default - no collector: no `otel`/`otel-tracing` providers
   */
  readonly otelCollectorService?: string;

  /**
   * The collector's OTLP/gRPC port.
   *
   * @default 4317
   */
  readonly otelCollectorPort?: number;

  /**
   * The extension providers this Telemetry may name besides Istio's built-in ones. Every provider named
   * in `metricsProviders`, `accessLogProviders` or `tracingProviders` must be built in or listed here.
   *
   * @default - the `otel` and `otel-tracing` providers of `otelCollectorService`, or none
   */
  readonly extensionProviders?: MeshExtensionProvider[];

  /**
   * Metrics providers (empty: leave Istio's metrics configuration alone).
   *
   * @default ['prometheus']
   */
  readonly metricsProviders?: string[];

  /**
   * Access-log providers (empty: no access-log configuration).
   *
   * @default - ['otel'] when an `otel` extension provider is defined, else []
   */
  readonly accessLogProviders?: string[];

  /**
   * Tracing providers (empty: no tracing configuration).
   *
   * @default - ['otel-tracing'] when an `otel-tracing` extension provider is defined, else []
   */
  readonly tracingProviders?: string[];

  /**
   * Percentage of requests traced, 0..100.
   *
   * @default 1
   */
  readonly tracingSamplingPercentage?: number;
}

/**
 * An Istio `Telemetry` resource enabling metrics, access logs and tracing towards named providers
 * (by default the OpenTelemetry collector for logs and traces when `otelCollectorService` is given,
 * Prometheus for metrics). A provider that is neither built in nor among `extensionProviders` fails
 * synthesis: istiod would ignore it and the mesh would silently send nothing. Pass
 * `extensionProviders` to the istiod add-on (`new MeshConfig({ extensionProviders })`).
 */
export class MeshTelemetry extends Construct {
  /** The namespace. */
  public readonly namespace: string;
  /** The Telemetry name. */
  public readonly name: string;
  /** Metrics providers. */
  public readonly metricsProviders: string[];
  /** Access-log providers. */
  public readonly accessLogProviders: string[];
  /** Tracing providers. */
  public readonly tracingProviders: string[];
  /** Tracing sampling percentage. */
  public readonly tracingSamplingPercentage: number;
  /**
   * The extension providers the Telemetry relies on besides the built-in ones: the istiod add-on's
   * `meshConfig.extensionProviders` must define them (see `MeshConfig`).
   */
  public readonly extensionProviders: MeshExtensionProvider[];

  constructor(scope: Construct, id: string, props: MeshTelemetryProps = {}) {
    super(scope, id);
    checkProps('mesh.MeshTelemetryProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'istio-system', this);
    this.name = Names.validateDns1123Label('name', props.name ?? 'mesh-default', this);
    if (props.otelCollectorService !== undefined && props.extensionProviders !== undefined) {
      throw new ValidationError('otelCollectorService', "and 'extensionProviders' are alternatives", props.otelCollectorService,
        "define the collector's providers in 'extensionProviders' or drop it", this);
    }
    if (props.otelCollectorPort !== undefined && props.otelCollectorService === undefined) {
      throw new ValidationError('otelCollectorPort', "only applies with 'otelCollectorService'", props.otelCollectorPort,
        "set 'otelCollectorService' or drop 'otelCollectorPort'", this);
    }
    this.extensionProviders = props.otelCollectorService !== undefined ? [
      MeshExtensionProvider.openTelemetryAccessLog({ name: 'otel', service: props.otelCollectorService, port: props.otelCollectorPort }),
      MeshExtensionProvider.openTelemetryTracing({ name: 'otel-tracing', service: props.otelCollectorService, port: props.otelCollectorPort }),
    ] : [...(props.extensionProviders ?? [])];
    const defined = new Set([...MeshExtensionProvider.BUILT_IN, ...this.extensionProviders.map((p) => p.name)]);
    const ifDefined = (name: string) => (defined.has(name) && !MeshExtensionProvider.BUILT_IN.includes(name) ? [name] : []);
    this.metricsProviders = this.providers('metricsProviders', props.metricsProviders ?? ['prometheus'], defined);
    this.accessLogProviders = this.providers('accessLogProviders', props.accessLogProviders ?? ifDefined('otel'), defined);
    this.tracingProviders = this.providers('tracingProviders', props.tracingProviders ?? ifDefined('otel-tracing'), defined);
    this.tracingSamplingPercentage = checkPercentage('tracingSamplingPercentage', props.tracingSamplingPercentage ?? 1, this, 'use e.g. 1 (percent of requests)');
    if (props.tracingSamplingPercentage !== undefined && this.tracingProviders.length === 0) {
      throw new ValidationError('tracingSamplingPercentage', 'needs at least one tracing provider', props.tracingSamplingPercentage,
        "set 'tracingProviders' or drop 'tracingSamplingPercentage'", this);
    }
    if (this.metricsProviders.length + this.accessLogProviders.length + this.tracingProviders.length === 0) {
      throw new ValidationError('metricsProviders', 'leaves the Telemetry empty: no metrics, access-log or tracing provider', [],
        'name at least one provider from meshConfig.extensionProviders', this);
    }
    const named = (names: string[]) => names.map((name) => ({ name }));
    new Telemetry(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace, labels: meshLabels({ component: 'mesh-telemetry' }) },
      spec: {
        metrics: this.metricsProviders.length > 0 ? [{ providers: named(this.metricsProviders) }] : undefined,
        accessLogging: this.accessLogProviders.length > 0 ? [{ providers: named(this.accessLogProviders) }] : undefined,
        tracing: this.tracingProviders.length > 0
          ? [{ providers: named(this.tracingProviders), randomSamplingPercentage: this.tracingSamplingPercentage }]
          : undefined,
      },
    });
  }

  private providers(prop: string, names: string[], defined: Set<string>): string[] {
    for (const n of names) {
      if (typeof n !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(n)) {
        throw new ValidationError(prop, 'must be provider names from meshConfig.extensionProviders', n, "use e.g. 'otel'", this);
      }
      if (!defined.has(n)) {
        throw new ValidationError(prop, `names a provider absent from meshConfig.extensionProviders (defined: ${[...defined].sort().join(', ')})`, n,
          "define it in 'extensionProviders' (or set 'otelCollectorService' for 'otel'/'otel-tracing') and pass them to the istiod add-on (MeshConfig)", this);
      }
    }
    if (new Set(names).size !== names.length) {
      throw new ValidationError(prop, 'must not repeat a provider', names, 'list each provider once', this);
    }
    return [...names];
  }
}
