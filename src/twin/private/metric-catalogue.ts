import * as fs from 'fs';
import * as path from 'path';
import { schemasDir } from '../../validation/private/schema-files';

/**
 * The metric names the platform's metric sources really expose, vendored from upstream at the versions the
 * library targets (schemas/upstream/metrics/, see its SOURCES.md). Used by the references check to tell an
 * alert or an autoscaler query that can never see data from one that can.
 */

/** A Prometheus metric family as its source registers it. */
export interface MetricFamily {
  readonly name: string;
  /** counter | gauge | histogram | summary (histograms expose `_bucket`, `_sum`, `_count`; summaries the name, `_sum`, `_count`). */
  readonly type: string;
}

/** One source of metrics: a runtime, the mesh proxy, an exporter or Prometheus itself. */
export interface MetricSource {
  /** `vllm`, `tgi`, `triton`, `istio`, `dcgm`, `prometheus`. */
  readonly source: string;
  /** Human title with the version (`Hugging Face Text Generation Inference v3.3.7`). */
  readonly title: string;
  /** Name prefixes that identify the source's metrics (`vllm:`); empty for Prometheus' synthetic series. */
  readonly prefixes: string[];
  readonly families: MetricFamily[];
  /** Every series name a scrape of the source returns. */
  readonly exposed: Set<string>;
}

/** dcgm-exporter's version whose counters files are vendored (the image of `ServingImages.DCGM_EXPORTER`). */
export const DCGM_EXPORTER_VERSION = '4.5.2-4.8.1';
/** Where dcgm-exporter reads its counters file unless `-f`/`DCGM_EXPORTER_COLLECTORS` say otherwise (pkg/cmd/app.go). */
export const DCGM_DEFAULT_COUNTERS_PATH = '/etc/dcgm-exporter/default-counters.csv';
/** The counters files the dcgm-exporter image ships in /etc/dcgm-exporter (docker/Dockerfile `COPY etc /etc/dcgm-exporter`). */
const DCGM_SHIPPED_FILES: Record<string, string> = {
  '/etc/dcgm-exporter/default-counters.csv': `dcgm-exporter-${DCGM_EXPORTER_VERSION}-default-counters.csv`,
  '/etc/dcgm-exporter/dcp-metrics-included.csv': `dcgm-exporter-${DCGM_EXPORTER_VERSION}-dcp-metrics-included.csv`,
};

/** The series names a family exposes. */
export function exposedNames(f: MetricFamily): string[] {
  switch (f.type) {
    case 'histogram': return [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`];
    case 'summary': return [f.name, `${f.name}_sum`, `${f.name}_count`];
    default: return [f.name];
  }
}

function metricsDir(): string {
  return path.join(schemasDir(), 'upstream', 'metrics');
}

let catalogue: MetricSource[] | undefined;

/** Every vendored metric source except dcgm-exporter (whose names depend on the counters file). */
export function metricSources(): MetricSource[] {
  if (!catalogue) {
    const dir = metricsDir();
    catalogue = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf-8')))
      .filter((raw) => Array.isArray(raw.families))
      .map((raw) => {
        const families: MetricFamily[] = raw.families;
        return { source: raw.source, title: raw.title, prefixes: raw.prefixes ?? [], families, exposed: new Set(families.flatMap(exposedNames)) };
      });
  }
  return catalogue;
}

/** The vendored source named `source`. */
export function metricSource(source: string): MetricSource | undefined {
  return metricSources().find((s) => s.source === source);
}

/**
 * kube-prometheus-stack's default values that decide which monitors and rules its Prometheus selects
 * (`prometheus.enabled`, `prometheus.prometheusSpec.*Selector*`), at the chart version the add-on pins.
 */
export function kubePrometheusStackDefaults(): { version: string; prometheusEnabled: boolean; prometheusSpec: any } {
  kpsDefaults ??= JSON.parse(fs.readFileSync(path.join(metricsDir(), 'kube-prometheus-stack-77.11.1-selectors.json'), 'utf-8'));
  return kpsDefaults!;
}

let kpsDefaults: { version: string; prometheusEnabled: boolean; prometheusSpec: any } | undefined;

/**
 * The DCGM fields a dcgm-exporter counters file (CSV: `field, type, help`) makes the exporter export: every
 * uncommented line whose type is not `label` (labels become labels of the other metrics, not series).
 */
export function dcgmFieldsOf(csv: string): Set<string> {
  const out = new Set<string>();
  for (const line of csv.split(/\r?\n/)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#')) continue;
    const [field, type] = t.split(',').map((s) => s.trim());
    if (field && type && type.toLowerCase() !== 'label') out.add(field);
  }
  return out;
}

const shippedCache = new Map<string, Set<string>>();

/** The fields of a counters file shipped in the image at `filePath`, or undefined when the image ships no such file. */
export function dcgmShippedCounters(filePath: string): Set<string> | undefined {
  const file = DCGM_SHIPPED_FILES[filePath];
  if (!file) return undefined;
  let fields = shippedCache.get(file);
  if (!fields) {
    fields = dcgmFieldsOf(fs.readFileSync(path.join(metricsDir(), file), 'utf-8'));
    shippedCache.set(file, fields);
  }
  return fields;
}
