import { PlatformLabels } from '../../core/labels';

/**
 * Standard labels for objects of the observability layer.
 */
export function observabilityLabels(name: string, component: string, extra: { [key: string]: string | undefined } = {}): { [key: string]: string } {
  const labels: { [key: string]: string } = {
    [PlatformLabels.NAME]: name,
    [PlatformLabels.COMPONENT]: component,
    [PlatformLabels.PART_OF]: 'llm-observability',
    [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
  };
  for (const key of Object.keys(extra).sort()) {
    const value = extra[key];
    if (value !== undefined) labels[key] = value;
  }
  return labels;
}

/**
 * The Prometheus service-discovery meta label of a pod label (`llm-platform.io/tenant` ->
 * `__meta_kubernetes_pod_label_llm_platform_io_tenant`): every character outside `[a-zA-Z0-9_]`
 * becomes `_`, as Prometheus does.
 */
export function podLabelMeta(labelKey: string): string {
  return `__meta_kubernetes_pod_label_${labelKey.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}
