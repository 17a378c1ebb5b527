import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';

/**
 * What an extension provider does.
 */
export enum MeshExtensionProviderType {
  /** Prometheus metrics (`prometheus`). */
  PROMETHEUS = 'prometheus',
  /** Envoy access logs to a file (`envoyFileAccessLog`). */
  ENVOY_FILE_ACCESS_LOG = 'envoyFileAccessLog',
  /** Envoy access logs over OTLP/gRPC (`envoyOtelAls`). */
  OPENTELEMETRY_ACCESS_LOG = 'envoyOtelAls',
  /** Traces over OTLP/gRPC (`opentelemetry`). */
  OPENTELEMETRY_TRACING = 'opentelemetry',
}

/**
 * Options of an OpenTelemetry extension provider.
 */
export interface OpenTelemetryProviderOptions {
  /** The provider name Telemetry resources refer to. */
  readonly name: string;
  /** The collector Service host (`otel-gateway-collector.observability.svc.cluster.local`). */
  readonly service: string;
  /**
   * The collector's OTLP/gRPC port.
   *
   * @default 4317
   */
  readonly port?: number;
}

/**
 * One `meshConfig.extensionProviders` entry of the Istio installation (what `Telemetry` resources
 * name in `providers`).
 */
export class MeshExtensionProvider {
  /**
   * The providers every Istio installation defines: istio/istio 1.30.3 pkg/config/mesh/mesh.go
   * `DefaultMeshConfig()` declares `prometheus`, `stackdriver` and `envoy`, and `ApplyMeshConfig` merges
   * user-defined providers into them by name, so they stay available whatever the istiod values say.
   */
  public static readonly BUILT_IN: string[] = ['envoy', 'prometheus', 'stackdriver'];

  /** Spans to an OpenTelemetry collector over OTLP/gRPC (`opentelemetry: { service, port }`). */
  public static openTelemetryTracing(options: OpenTelemetryProviderOptions): MeshExtensionProvider {
    checkProps('mesh.OpenTelemetryProviderOptions', options, 'options');
    return new MeshExtensionProvider(MeshExtensionProviderType.OPENTELEMETRY_TRACING, options);
  }

  /** Envoy access logs to an OpenTelemetry collector over OTLP/gRPC (`envoyOtelAls: { service, port }`). */
  public static openTelemetryAccessLog(options: OpenTelemetryProviderOptions): MeshExtensionProvider {
    checkProps('mesh.OpenTelemetryProviderOptions', options, 'options');
    return new MeshExtensionProvider(MeshExtensionProviderType.OPENTELEMETRY_ACCESS_LOG, options);
  }

  /** The provider name. */
  public readonly name: string;
  /** What it does. */
  public readonly type: MeshExtensionProviderType;
  /** The Service host it sends to. */
  public readonly service: string;
  /** The port it sends to. */
  public readonly port: number;

  private constructor(type: MeshExtensionProviderType, options: OpenTelemetryProviderOptions) {
    if (typeof options.name !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(options.name)) {
      throw new ValidationError('name', 'must be a provider name (letters, digits, -, _ and .)', options.name, "use e.g. 'otel-tracing'");
    }
    if (MeshExtensionProvider.BUILT_IN.includes(options.name)) {
      throw new ValidationError('name', `must not redefine Istio's built-in provider '${options.name}'`, options.name, "use e.g. 'otel-tracing'");
    }
    if (typeof options.service !== 'string' || !Names.isDns1123Subdomain(options.service)) {
      throw new ValidationError('service', 'must be a Service host name', options.service, "use e.g. 'otel-gateway-collector.observability.svc.cluster.local'");
    }
    const port = options.port ?? 4317;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ValidationError('port', 'must be a port number between 1 and 65535', port, 'use the OTLP/gRPC port, 4317');
    }
    this.type = type;
    this.name = options.name;
    this.service = options.service;
    this.port = port;
  }

  /** The `meshConfig.extensionProviders` entry. */
  public toMeshConfig(): { [key: string]: any } {
    return { name: this.name, [this.type]: { service: this.service, port: this.port } };
  }
}

/**
 * Properties of `MeshConfig`.
 */
export interface MeshConfigProps {
  /**
   * Extension providers (besides Istio's built-in `prometheus`, `stackdriver` and `envoy`).
   *
   * @default - none
   */
  readonly extensionProviders?: MeshExtensionProvider[];
  /**
   * Only let sidecars reach hosts in the service registry (`outboundTrafficPolicy.mode: REGISTRY_ONLY`);
   * external hosts then need a ServiceEntry (`MeshEgress`). `false` is `ALLOW_ANY`.
   *
   * @default true
   */
  readonly registryOnlyEgress?: boolean;
  /**
   * Istio metrics merging (`enablePrometheusMerge`): the injector moves the pod's `prometheus.io/*`
   * annotations to the sidecar and points them at the agent (port 15020, `/stats/prometheus`), which
   * serves the application's and Envoy's metrics together. The platform's monitors rely on it.
   *
   * @default true
   */
  readonly prometheusMerge?: boolean;
}

/**
 * The `meshConfig` values the mesh layer relies on, as data for the istiod add-on's Helm values
 * (`meshConfig` of the `istiod` chart): the extension providers `MeshTelemetry` names, the outbound
 * traffic policy `MeshEgress` is written for, and metrics merging (`ModelServerMonitoring`).
 *
 * ```ts
 * const meshConfig = new MeshConfig({ extensionProviders: telemetry.extensionProviders });
 * PlatformAddon.istiod({ ... }) // values.meshConfig: meshConfig.toValues()
 * ```
 */
export class MeshConfig {
  /** The extension providers (besides the built-in ones). */
  public readonly extensionProviders: MeshExtensionProvider[];
  /** Whether egress is limited to the registry. */
  public readonly registryOnlyEgress: boolean;
  /** Whether metrics merging is on. */
  public readonly prometheusMerge: boolean;

  constructor(props: MeshConfigProps = {}) {
    checkProps('mesh.MeshConfigProps', props, 'props');
    this.extensionProviders = [...(props.extensionProviders ?? [])];
    const names = new Set<string>();
    for (const p of this.extensionProviders) {
      if (names.has(p.name)) {
        throw new ValidationError('extensionProviders', 'must not repeat a provider name', p.name, 'give each provider its own name');
      }
      names.add(p.name);
    }
    this.registryOnlyEgress = props.registryOnlyEgress ?? true;
    this.prometheusMerge = props.prometheusMerge ?? true;
  }

  /** Every provider name Telemetry resources may use: the built-in ones and the extension providers. */
  public get providerNames(): string[] {
    return [...new Set([...MeshExtensionProvider.BUILT_IN, ...this.extensionProviders.map((p) => p.name)])].sort();
  }

  /**
   * The istiod chart's `meshConfig` values:
   * `{ outboundTrafficPolicy: { mode }, enablePrometheusMerge, extensionProviders? }`.
   */
  public toValues(): { [key: string]: any } {
    return {
      outboundTrafficPolicy: { mode: this.registryOnlyEgress ? 'REGISTRY_ONLY' : 'ALLOW_ANY' },
      enablePrometheusMerge: this.prometheusMerge,
      ...(this.extensionProviders.length > 0 ? { extensionProviders: this.extensionProviders.map((p) => p.toMeshConfig()) } : {}),
    };
  }
}
