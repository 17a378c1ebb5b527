/**
 * A node agent DaemonSet on GPU nodes only (required affinity on the `llm-platform.io/gpu-pool`
 * label), tolerating the GPU taint, pinned by digest, system-node-critical.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformLabels } from '../../core/labels';

export interface GpuDaemonSetInput {
  readonly name: string;
  readonly namespace: string;
  readonly labels: { [key: string]: string };
  readonly container: any;
  readonly volumes: any[];
  readonly extraTolerations?: any[];
}

export function gpuDaemonSet(scope: Construct, id: string, input: GpuDaemonSetInput): ApiObject {
  const selector = { [PlatformLabels.NAME]: input.name };
  return new ApiObject(scope, id, {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: input.name, namespace: input.namespace, labels: input.labels },
    spec: {
      selector: { matchLabels: selector },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
      template: {
        metadata: { labels: input.labels },
        spec: {
          priorityClassName: 'system-node-critical',
          automountServiceAccountToken: false,
          enableServiceLinks: false,
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                nodeSelectorTerms: [{ matchExpressions: [{ key: PlatformLabels.GPU_POOL, operator: 'Exists' }] }],
              },
            },
          },
          tolerations: [
            { key: PlatformLabels.NVIDIA_GPU_RESOURCE, operator: 'Exists', effect: 'NoSchedule' },
            { key: 'CriticalAddonsOnly', operator: 'Exists' },
            ...(input.extraTolerations ?? []),
          ],
          securityContext: { seccompProfile: { type: 'RuntimeDefault' } },
          containers: [input.container],
          volumes: input.volumes,
        },
      },
    },
  });
}
