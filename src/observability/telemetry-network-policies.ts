import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { MetricsMerging } from './istio-metrics-merging';
import { observabilityLabels } from './private/metadata';
import { TelemetryPipeline } from './telemetry-pipeline';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';

/**
 * An in-cluster destination (a namespace and a TCP port), e.g. a traces backend.
 */
export interface InClusterDestination {
  /** The namespace. */
  readonly namespace: string;
  /** The TCP port. */
  readonly port: number;
}

/**
 * Properties of `TelemetryNetworkPolicies`.
 */
export interface TelemetryNetworkPoliciesProps {
  /** The collectors of the namespace (all must live in `namespace`). */
  readonly collectors: TelemetryPipeline[];
  /**
   * The namespace.
   *
   * @default 'observability'
   */
  readonly namespace?: string;
  /**
   * Namespaces whose pods send OTLP to the collectors (tenant namespaces, whose sidecars use the mesh's
   * `otel`/`otel-tracing` providers, and the ingress gateway's namespace).
   *
   * @default - none
   */
  readonly otlpClientNamespaces?: string[];
  /**
   * Namespaces the scraping collectors scrape (on Istio's merged metrics port 15020).
   *
   * @default - none
   */
  readonly scrapeNamespaces?: string[];
  /**
   * In-cluster destinations the collectors export to (e.g. `{ namespace: 'tracing', port: 4317 }`).
   *
   * @default - none
   */
  readonly inClusterExports?: InClusterDestination[];
  /**
   * Allow egress on TCP 443 to any address but the instance metadata service (AWS endpoints such as
   * Amazon Managed Prometheus and X-Ray, the Kubernetes API for discovery and k8sattributes).
   *
   * @default true
   */
  readonly allowHttpsEgress?: boolean;
  /**
   * Allow egress to the EKS Pod Identity agent (169.254.170.23:80), for the collectors' AWS credentials.
   *
   * @default true
   */
  readonly allowPodIdentityAgent?: boolean;
}

/** The EKS Pod Identity agent (EKS user guide). */
const POD_IDENTITY_AGENT = '169.254.170.23/32';
/** The EC2 instance metadata service, never reachable. */
const IMDS = '169.254.169.254/32';

/**
 * Default-deny NetworkPolicies for the telemetry namespace (`observability`) with the exact allows its
 * collectors need, so OTLP and the collectors are not open to every pod of the cluster:
 *
 * - `default-deny`: every pod, ingress and egress;
 * - `allow-dns`: egress to kube-dns on 53 (UDP, TCP);
 * - `allow-otlp-ingress`: the OTLP-receiving collectors' pods admit `otlpClientNamespaces` on TCP 4317 and 4318;
 * - `allow-metrics-scrape-egress`: the scraping collectors' pods reach `scrapeNamespaces` on TCP 15020
 *   (Istio metrics merging, `MetricsMerging`);
 * - `allow-in-cluster-exports`: egress to `inClusterExports`;
 * - `allow-https-egress` and `allow-pod-identity-agent`: AWS endpoints and the Kubernetes API, and credentials.
 *
 * Collector pods are selected by the OpenTelemetry operator's labels (`TelemetryPipeline.podSelectorLabels`).
 */
export class TelemetryNetworkPolicies extends Construct {
  /** The namespace. */
  public readonly namespace: string;
  /** The namespaces admitted to send OTLP (sorted). */
  public readonly otlpClientNamespaces: string[];
  /** The namespaces scraped (sorted). */
  public readonly scrapeNamespaces: string[];

  constructor(scope: Construct, id: string, props: TelemetryNetworkPoliciesProps) {
    super(scope, id);
    checkProps('observability.TelemetryNetworkPoliciesProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'observability', this);
    const sortedNamespaces = (prop: string, list: string[] | undefined) => {
      const out = [...new Set(list ?? [])].sort();
      for (const n of out) Names.validateDns1123Label(prop, n, this);
      return out;
    };
    this.otlpClientNamespaces = sortedNamespaces('otlpClientNamespaces', props.otlpClientNamespaces);
    this.scrapeNamespaces = sortedNamespaces('scrapeNamespaces', props.scrapeNamespaces);
    if (!props.collectors || props.collectors.length === 0) {
      throw new ValidationError('collectors', 'must list at least one collector', [], 'pass the TelemetryPipelines of the namespace', this);
    }
    for (const c of props.collectors) {
      if (c.namespace !== this.namespace) {
        throw new ValidationError('collectors', `must run in '${this.namespace}'`, `${c.namespace}/${c.collectorName}`, 'pass only the collectors of this namespace', this);
      }
    }
    const otlp = props.collectors.filter((c) => c.receivesOtlp);
    const scrapers = props.collectors.filter((c) => c.scrapesTargets);
    if (this.otlpClientNamespaces.length > 0 && otlp.length === 0) {
      throw new ValidationError('otlpClientNamespaces', 'admit OTLP clients but no collector receives OTLP', this.otlpClientNamespaces,
        'add CollectorReceiver.otlp() to a collector or drop otlpClientNamespaces', this);
    }
    if (this.scrapeNamespaces.length > 0 && scrapers.length === 0) {
      throw new ValidationError('scrapeNamespaces', 'open scrapes but no collector scrapes', this.scrapeNamespaces,
        'add a Prometheus receiver to a collector or drop scrapeNamespaces', this);
    }

    const labels = observabilityLabels('telemetry-network', 'network-policy');
    const netpol = (childId: string, name: string, spec: any) => new ApiObject(this, childId, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name, namespace: this.namespace, labels },
      spec,
    });
    const byName = (names: string[]) => ({ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: names }] } });
    // One peer list entry per collector (NetworkPolicy podSelectors are ANDed labels, so each collector
    // gets its own policy).
    const perCollector = (kind: string, list: TelemetryPipeline[], spec: (c: TelemetryPipeline) => any) => {
      for (const c of list) netpol(`${kind}-${c.collectorName}`, `${c.collectorName}-${kind}`, { podSelector: { matchLabels: c.podSelectorLabels }, ...spec(c) });
    };

    netpol('DefaultDeny', 'default-deny', { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    netpol('AllowDns', 'allow-dns', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
    if (this.otlpClientNamespaces.length > 0) {
      perCollector('otlp-ingress', otlp, () => ({
        policyTypes: ['Ingress'],
        ingress: [{ from: [byName(this.otlpClientNamespaces)], ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }] }],
      }));
    }
    if (this.scrapeNamespaces.length > 0) {
      perCollector('scrape-egress', scrapers, () => ({
        policyTypes: ['Egress'],
        egress: [{ to: [byName(this.scrapeNamespaces)], ports: [{ protocol: 'TCP', port: MetricsMerging.PORT }] }],
      }));
    }
    const exports = props.inClusterExports ?? [];
    exports.forEach((d, i) => {
      Names.validateDns1123Label(`inClusterExports[${i}].namespace`, d.namespace, this);
      if (!Number.isInteger(d.port) || d.port < 1 || d.port > 65535) {
        throw new ValidationError(`inClusterExports[${i}].port`, 'must be a port number between 1 and 65535', d.port, 'use e.g. 4317', this);
      }
    });
    if (exports.length > 0) {
      netpol('AllowInClusterExports', 'allow-in-cluster-exports', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: exports.map((d) => ({
          to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': d.namespace } } }],
          ports: [{ protocol: 'TCP', port: d.port }],
        })),
      });
    }
    if (props.allowHttpsEgress ?? true) {
      netpol('AllowHttpsEgress', 'allow-https-egress', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [IMDS] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
      });
    }
    if (props.allowPodIdentityAgent ?? true) {
      netpol('AllowPodIdentity', 'allow-pod-identity-agent', {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT } }], ports: [{ protocol: 'TCP', port: 80 }] }],
      });
    }
  }
}
