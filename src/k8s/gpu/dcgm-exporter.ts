import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
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
}

/** dcgm-exporter's default listen port. */
const DCGM_PORT = 9400;

/**
 * NVIDIA DCGM exporter as a DaemonSet on GPU nodes only, plus a headless Service `dcgm-exporter`
 * (port `metrics` 9400) for the observability layer's monitors. Per-pod GPU attribution reads the
 * kubelet pod-resources socket (read-only).
 */
export class DcgmExporter extends Construct {
  /** The DaemonSet and Service name. */
  public readonly name = 'dcgm-exporter';
  /** The namespace. */
  public readonly namespace: string;
  /** The metrics port. */
  public readonly metricsPort = DCGM_PORT;

  constructor(scope: Construct, id: string, props: DcgmExporterProps = {}) {
    super(scope, id);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'kube-system', this);
    const image = validateImage('image', props.image ?? ServingImages.DCGM_EXPORTER, props.allowUnpinnedImage ?? false, this, 'allowUnpinnedImage');
    const labels = standardLabels({ [PlatformLabels.NAME]: this.name, [PlatformLabels.COMPONENT]: 'gpu-metrics' });
    const probe = (path: string) => ({ httpGet: { path, port: 'metrics', scheme: 'HTTP' }, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 });
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
        volumeMounts: [{ name: 'pod-resources', mountPath: '/var/lib/kubelet/pod-resources', readOnly: true }],
      },
      volumes: [{ name: 'pod-resources', hostPath: { path: '/var/lib/kubelet/pod-resources', type: 'Directory' } }],
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
}
