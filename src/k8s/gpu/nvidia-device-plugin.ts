import { Construct } from 'constructs';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
import { checkProps } from '../../core/private/runtime-types';
import { gpuDaemonSet } from '../private/gpu-daemonset';
import { standardLabels, validateImage } from '../private/pod';
import { ServingImages } from '../serving/serving-images';

/**
 * Properties of `NvidiaDevicePlugin`.
 */
export interface NvidiaDevicePluginProps {
  /**
   * The namespace.
   *
   * @default 'kube-system'
   */
  readonly namespace?: string;
  /**
   * The plugin image, pinned by digest.
   *
   * @default ServingImages.NVIDIA_DEVICE_PLUGIN
   */
  readonly image?: string;
  /**
   * Accept an image referenced by tag only.
   *
   * @default false
   */
  readonly allowUnpinnedImage?: boolean;
}

/**
 * The NVIDIA Kubernetes device plugin as a DaemonSet on GPU nodes only (nodes with the
 * `llm-platform.io/gpu-pool` label), tolerating the GPU taint: advertises `nvidia.com/gpu`.
 * Self-contained objects (the GitOps layer may deliver the upstream Helm chart instead).
 */
export class NvidiaDevicePlugin extends Construct {
  /** The DaemonSet name. */
  public readonly name = 'nvidia-device-plugin';
  /** The namespace. */
  public readonly namespace: string;

  constructor(scope: Construct, id: string, props: NvidiaDevicePluginProps = {}) {
    super(scope, id);
    checkProps('k8s.NvidiaDevicePluginProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'kube-system', this);
    const image = validateImage('image', props.image ?? ServingImages.NVIDIA_DEVICE_PLUGIN, props.allowUnpinnedImage ?? false, this, 'allowUnpinnedImage');
    const labels = standardLabels({ [PlatformLabels.NAME]: this.name, [PlatformLabels.COMPONENT]: 'gpu-device-plugin' });
    gpuDaemonSet(this, 'Resource', {
      name: this.name,
      namespace: this.namespace,
      labels,
      container: {
        name: 'nvidia-device-plugin',
        image,
        env: [{ name: 'FAIL_ON_INIT_ERROR', value: 'false' }],
        // Upstream static manifest: no privilege, only the kubelet device-plugin socket directory.
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
        resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '50m', memory: '64Mi' } },
        volumeMounts: [{ name: 'device-plugin', mountPath: '/var/lib/kubelet/device-plugins' }],
      },
      volumes: [{ name: 'device-plugin', hostPath: { path: '/var/lib/kubelet/device-plugins', type: 'Directory' } }],
    });
  }
}
