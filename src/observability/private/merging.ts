/** Helpers of `MetricsMerging` (istio-metrics-merging.ts). */

/** The `__address__` rewrites of Istio's sample (IPv6, then IPv4), with `$` written as `d`. */
export function addressRelabelings(d: string): { [key: string]: any }[] {
  const sources = ['__meta_kubernetes_pod_annotation_prometheus_io_port', '__meta_kubernetes_pod_ip'];
  return [
    { action: 'replace', source_labels: sources, regex: '(\\d+);(([A-Fa-f0-9]{1,4}::?){1,7}[A-Fa-f0-9]{1,4})', replacement: `[${d}2]:${d}1`, target_label: '__address__' },
    { action: 'replace', source_labels: sources, regex: `(\\d+);((([0-9]+?)(\\.|${d})){4})`, replacement: `${d}2:${d}1`, target_label: '__address__' },
  ];
}
