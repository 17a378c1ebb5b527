import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ProblemCollector } from '../core/errors';
import { Names } from '../core/names';
import { observabilityLabels } from './private/metadata';
import { num } from './private/promql';
import { TelemetryPipeline } from './telemetry-pipeline';
import { checkProps } from '../core/private/runtime-types';

/**
 * A context propagation format of the OpenTelemetry SDKs.
 */
export enum Propagator {
  /** W3C Trace Context. */
  TRACE_CONTEXT = 'tracecontext',
  /** W3C Baggage. */
  BAGGAGE = 'baggage',
  /** Zipkin B3 single header. */
  B3 = 'b3',
  /** Zipkin B3 multi header. */
  B3_MULTI = 'b3multi',
  /** AWS X-Ray. */
  XRAY = 'xray',
}

/**
 * Properties of `AutoInstrumentation`.
 */
export interface AutoInstrumentationProps {
  /** The collector the SDKs send to (it needs an OTLP receiver with HTTP). */
  readonly collector: TelemetryPipeline;
  /** The namespace whose pods are instrumented (pods opt in with `instrumentation.opentelemetry.io/inject-<language>: "true"`). */
  readonly namespace: string;
  /**
   * Name of the Instrumentation.
   *
   * @default 'default'
   */
  readonly name?: string;
  /**
   * Propagators.
   *
   * @default [Propagator.TRACE_CONTEXT, Propagator.BAGGAGE]
   */
  readonly propagators?: Propagator[];
  /**
   * Fraction of new traces sampled (parent-based, so a sampled caller is always followed), in [0, 1].
   *
   * @default 0.1
   */
  readonly samplingRatio?: number;
}

/**
 * An `Instrumentation` (operator CRD `opentelemetry.io/v1alpha1`) that auto-instruments the pods of a
 * namespace (e.g. a Python or Java API gateway in front of the models) and sends their telemetry to a
 * `TelemetryPipeline` over OTLP/HTTP.
 */
export class AutoInstrumentation extends Construct {
  /** The Instrumentation's name. */
  public readonly instrumentationName: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** The OTLP endpoint the SDKs send to. */
  public readonly endpoint: string;
  /** Sampling ratio. */
  public readonly samplingRatio: number;
  /** Propagators. */
  public readonly propagators: Propagator[];

  constructor(scope: Construct, id: string, props: AutoInstrumentationProps) {
    super(scope, id);
    checkProps('observability.AutoInstrumentationProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace, this);
    this.instrumentationName = Names.validateDns1123Label('name', props.name ?? 'default', this);
    this.samplingRatio = props.samplingRatio ?? 0.1;
    this.propagators = [...(props.propagators ?? [Propagator.TRACE_CONTEXT, Propagator.BAGGAGE])];
    const problems = new ProblemCollector(this);
    problems.check(this.samplingRatio >= 0 && this.samplingRatio <= 1, 'samplingRatio', 'must be a fraction in [0, 1]', this.samplingRatio, 'use e.g. 0.1 to sample 10% of new traces');
    problems.check(this.propagators.length > 0, 'propagators', 'must list at least one propagator', this.propagators, 'use the default (tracecontext, baggage)');
    problems.throwIfAny();
    this.endpoint = props.collector.otlpHttpEndpoint();
    new ApiObject(this, 'Resource', {
      apiVersion: 'opentelemetry.io/v1alpha1',
      kind: 'Instrumentation',
      metadata: { name: this.instrumentationName, namespace: this.namespace, labels: observabilityLabels(this.instrumentationName, 'auto-instrumentation') },
      spec: {
        exporter: { endpoint: this.endpoint },
        propagators: this.propagators,
        sampler: { type: 'parentbased_traceidratio', argument: num(this.samplingRatio) },
      },
    });
  }
}
