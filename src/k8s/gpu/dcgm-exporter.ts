import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
import { checkProps } from '../../core/private/runtime-types';
import { schemasDir } from '../../validation/private/schema-files';
import { gpuDaemonSet } from '../private/gpu-daemonset';
import { standardLabels, validateImage } from '../private/pod';
import { ServingImages } from '../serving/serving-images';

/**
 * Properties of `DcgmExporter`.
 */
export interface DcgmExporterProps {
  /**
   * The namespace.
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * The exporter image, pinned by digest.
   *
   * @default ServingImages.DCGM_EXPORTER
   */
  readonly image?: string;
  /**
   * Accept an image referenced by tag only.
   *
   * @default false
   */
  readonly allowUnpinnedImage?: boolean;
  /**
   * Collect DCGM profiling metrics (tensor-core activity, NVLink bandwidth); needs `SYS_ADMIN`.
   *
   * @default false
   */
  readonly profilingMetrics?: boolean;
  /**
   * DCGM fields collected besides dcgm-exporter's default counters file. Each must be a field the
   * upstream default file lists commented out (its type and help text are taken from there).
   *
   * @default DcgmExporter.PLATFORM_EXTRA_COUNTERS (the fields the platform's GPU alerts read)
   */
  readonly extraCounters?: string[];
}

/**
 * Options of `DcgmExporter.addNetworkPolicies`.
 */
export interface DcgmExporterNetworkPolicyOptions {
  /** The namespaces whose pods scrape the exporter (Prometheus: `monitoring`). */
  readonly scraperNamespaces: string[];
}

/** dcgm-exporter's default listen port. */
const DCGM_PORT = 9400;
/**
 * dcgm-exporter's default counters file at the pinned version (4.5.2-4.8.1), vendored byte-exact as
 * data (NVIDIA/dcgm-exporter etc/default-counters.csv, Apache-2.0; see schemas/upstream/metrics/).
 */
const DEFAULT_COUNTERS_FILE = ['upstream', 'metrics', 'dcgm-exporter-4.5.2-4.8.1-default-counters.csv'];
/** Where the platform's counters file is mounted. */
const COUNTERS_DIR = '/etc/dcgm-exporter/platform';
const COUNTERS_FILE = 'counters.csv';

interface CounterLine { readonly field: string; readonly line: string }

let upstream: { active: CounterLine[]; commented: Map<string, CounterLine> } | undefined;

/** The upstream default counters file: its active lines, and its commented-out field lines. */
function upstreamCounters(): { active: CounterLine[]; commented: Map<string, CounterLine> } {
  if (!upstream) {
    const text = fs.readFileSync(path.join(schemasDir(), ...DEFAULT_COUNTERS_FILE), 'utf-8');
    const active: CounterLine[] = [];
    const commented = new Map<string, CounterLine>();
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      const on = /^(DCGM_[A-Z0-9_]+)\s*,/.exec(line);
      if (on) {
        active.push({ field: on[1], line });
        continue;
      }
      const off = /^#\s*(DCGM_[A-Z0-9_]+\s*,.*)$/.exec(line);
      if (off) {
        const field = /^(DCGM_[A-Z0-9_]+)/.exec(off[1])![1];
        if (!commented.has(field)) commented.set(field, { field, line: off[1] });
      }
    }
    upstream = { active, commented };
  }
  return upstream;
}

/**
 * NVIDIA DCGM exporter as a DaemonSet on GPU nodes only, plus a headless Service `dcgm-exporter`
 * (port `metrics` 9400) for the observability layer's monitors. Per-pod GPU attribution reads the
 * kubelet pod-resources socket (read-only).
 *
 * The exporter collects only the fields of its counters file. The image's default file
 * (`/etc/dcgm-exporter/default-counters.csv`) leaves out fields the platform's GPU alerts read
 * (`DCGM_FI_DEV_ECC_DBE_VOL_TOTAL`, `DCGM_FI_DEV_THERMAL_VIOLATION`), so the exporter gets its own
 * file: the upstream default counters of the pinned version plus `extraCounters`, in a ConfigMap
 * `dcgm-exporter-counters` mounted read-only and passed the way dcgm-exporter 4.5.2-4.8.1 reads it
 * (`-f`/`--collectors`, environment `DCGM_EXPORTER_COLLECTORS`, pkg/cmd/app.go).
 */
export class DcgmExporter extends Construct {
  /**
   * The fields the platform's GPU health alerts read that the upstream default counters file leaves
   * out (commented out there): double-bit volatile ECC errors and thermal violation time.
   */
  public static readonly PLATFORM_EXTRA_COUNTERS: string[] = ['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'DCGM_FI_DEV_THERMAL_VIOLATION'];

  /** The fields of dcgm-exporter's own default counters file at the pinned version. */
  public static defaultCounters(): string[] {
    return upstreamCounters().active.map((c) => c.field);
  }

  /** The DaemonSet and Service name. */
  public readonly name = 'dcgm-exporter';
  /** The namespace. */
  public readonly namespace: string;
  /** The metrics port. */
  public readonly metricsPort = DCGM_PORT;
  /** Every DCGM field the exporter collects (the metric names it can expose). */
  public readonly counters: string[];
  /** The ConfigMap holding the counters file. */
  public readonly countersConfigMapName = 'dcgm-exporter-counters';
  /** The counters file's path in the container. */
  public readonly countersPath = `${COUNTERS_DIR}/${COUNTERS_FILE}`;

  private readonly labels: { [key: string]: string };
  private networkPolicies = false;

  constructor(scope: Construct, id: string, props: DcgmExporterProps = {}) {
    super(scope, id);
    checkProps('k8s.DcgmExporterProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'kube-system', this);
    const image = validateImage('image', props.image ?? ServingImages.DCGM_EXPORTER, props.allowUnpinnedImage ?? false, this, 'allowUnpinnedImage');
    const labels = standardLabels({ [PlatformLabels.NAME]: this.name, [PlatformLabels.COMPONENT]: 'gpu-metrics' });
    this.labels = labels;
    const { active, commented } = upstreamCounters();
    const extra = props.extraCounters ?? DcgmExporter.PLATFORM_EXTRA_COUNTERS;
    const lines = active.map((c) => c.line);
    const fields = active.map((c) => c.field);
    for (const field of extra) {
      if (fields.includes(field)) continue;
      const known = commented.get(field);
      if (!known) {
        throw new ValidationError('extraCounters', 'must be DCGM fields that dcgm-exporter 4.5.2-4.8.1 lists in its default counters file (commented out)', field,
          `use one of: ${[...commented.keys()].sort().join(', ')}`, this);
      }
      lines.push(known.line);
      fields.push(field);
    }
    this.counters = fields;
    new ApiObject(this, 'Counters', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: this.countersConfigMapName, namespace: this.namespace, labels },
      data: {
        [COUNTERS_FILE]: [
          '# DCGM FIELD, Prometheus metric type, help message',
          '# dcgm-exporter 4.5.2-4.8.1 etc/default-counters.csv (active lines), then the platform\'s extra counters.',
          ...lines,
        ].join('\n') + '\n',
      },
    });
    const probe = (probePath: string) => ({ httpGet: { path: probePath, port: 'metrics', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
    gpuDaemonSet(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      labels,
      container: {
        name: 'dcgm-exporter',
        image,
        env: [
          { name: 'DCGM_EXPORTER_KUBERNETES', value: 'true' },
          { name: 'DCGM_EXPORTER_LISTEN', value: `:${DCGM_PORT}` },
          // The counters file (`-f`/`--collectors`; pkg/cmd/app.go at 4.5.2-4.8.1).
          { name: 'DCGM_EXPORTER_COLLECTORS', value: this.countersPath },
          { name: 'NVIDIA_VISIBLE_DEVICES', value: 'all' },
        ],
        ports: [{ name: 'metrics', containerPort: DCGM_PORT, protocol: 'TCP' }],
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: false,
          capabilities: props.profilingMetrics ? { drop: ['ALL'], add: ['SYS_ADMIN'] } : { drop: ['ALL'] },
        },
        resources: { requests: { cpu: '100m', memory: '512Mi' }, limits: { cpu: '100m', memory: '512Mi' } },
        startupProbe: { ...probe('/health'), failureThreshold: 30 },
        livenessProbe: probe('/health'),
        readinessProbe: probe('/health'),
        volumeMounts: [
          { name: 'pod-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true },
          { name: 'counters', mountPath: COUNTERS_DIR, readOnly: true },
        ],
      },
      volumes: [
        { name: 'pod-resources', hostPath: { path: '/var/lib/kubelet/pod-resources', type: 'Directory' } },
        { name: 'counters', configMap: { name: this.countersConfigMapName } },
      ],
    });
    new ApiObject(this, 'Service', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: {
        clusterIP: 'None',
        selector: { [PlatformLabels.NAME]: this.name },
        ports: [{ name: 'metrics', port: DCGM_PORT, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' }],
      },
    });
  }

  /**
   * Isolate the exporter's namespace: a default-deny NetworkPolicy (ingress and egress) for every pod
   * of the namespace (the exporter and the device plugin need no network besides the scrape), and one
   * that admits the scrapers' namespaces to the exporter pods on TCP 9400 only. Call once.
   */
  public addNetworkPolicies(options: DcgmExporterNetworkPolicyOptions): void {
    checkProps('k8s.DcgmExporterNetworkPolicyOptions', options, 'options', this);
    if (this.networkPolicies) {
      throw new ValidationError('addNetworkPolicies', 'was already called for this exporter', this.namespace, 'call it once', this);
    }
    const scrapers = [...new Set(options.scraperNamespaces ?? [])].sort();
    if (scrapers.length === 0) {
      throw new ValidationError('scraperNamespaces', 'must list at least one namespace (nothing could scrape the exporter)', options.scraperNamespaces,
        "list Prometheus' namespace, e.g. ['monitoring']", this);
    }
    for (const ns of scrapers) Names.validateDns1123Label('scraperNamespaces', ns, this);
    this.networkPolicies = true;
    const meta = (name: string) => ({ name, namespace: this.namespace, labels: this.labels });
    new ApiObject(this, 'DefaultDeny', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('default-deny'),
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    new ApiObject(this, 'AllowScrape', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta('allow-dcgm-exporter-scrape'),
      spec: {
        podSelector: { matchLabels: { [PlatformLabels.NAME]: this.name } },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: scrapers }] } }],
          ports: [{ protocol: 'TCP', port: DCGM_PORT }],
        }],
      },
    });
  }
}
