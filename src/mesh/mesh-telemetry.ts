import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { Telemetry } from '../imports/istio-telemetry-telemetry.istio.io';
import { checkPercentage, meshLabels } from './private/util';

/**
 * Properties of `MeshTelemetry`. Provider names refer to `meshConfig.extensionProviders` of the
 * Istio installation (e.g. an `opentelemetry` provider pointing at the OTel collector).
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
   * Metrics providers (empty: leave Istio's metrics configuration alone).
   *
   * @default ['prometheus']
   */
  readonly metricsProviders?: string[];

  /**
   * Access-log providers (empty: no access-log configuration).
   *
   * @default ['otel']
   */
  readonly accessLogProviders?: string[];

  /**
   * Tracing providers (empty: no tracing configuration).
   *
   * @default ['otel-tracing']
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
 * (by default the OpenTelemetry collector for logs and traces, Prometheus for metrics).
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

  constructor(scope: Construct, id: string, props: MeshTelemetryProps = {}) {
    super(scope, id);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'istio-system', this);
    this.name = Names.validateDns1123Label('name', props.name ?? 'mesh-default', this);
    this.metricsProviders = this.providers('metricsProviders', props.metricsProviders ?? ['prometheus']);
    this.accessLogProviders = this.providers('accessLogProviders', props.accessLogProviders ?? ['otel']);
    this.tracingProviders = this.providers('tracingProviders', props.tracingProviders ?? ['otel-tracing']);
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

  private providers(prop: string, names: string[]): string[] {
    for (const n of names) {
      if (typeof n !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(n)) {
        throw new ValidationError(prop, 'must be provider names from meshConfig.extensionProviders', n, "use e.g. 'otel'", this);
      }
    }
    if (new Set(names).size !== names.length) {
      throw new ValidationError(prop, 'must not repeat a provider', names, 'list each provider once', this);
    }
    return [...names];
  }
}
