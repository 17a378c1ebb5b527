/**
 * EFA in the twin: which node pools advertise `vpc.amazonaws.com/efa`.
 *
 * A node advertises its EFA interfaces as the extended resource `vpc.amazonaws.com/efa` only where the AWS EFA
 * Kubernetes device plugin's DaemonSet pod runs (EKS user guide, node-efa and device-management-efa). So a pool
 * gives EFA to pods when (1) its nodes have interfaces attached (a managed node group: the platform's
 * `TwinNodePool.efaInterfacesPerNode`; a Karpenter NodePool: the instance types' `maxEfaInterfaces`, as
 * Karpenter attaches every interface as EFA to instances it launches for pods that request
 * `vpc.amazonaws.com/efa`, device-management-efa) and (2) a device plugin pod in the output selects its nodes
 * (tolerates their taints, its node affinity selects their instance types).
 *
 * The device plugin is found as pods of the output whose container image is the plugin's
 * (`.../eks/aws-efa-k8s-device-plugin`, e.g. a DaemonSet), and, for an Argo CD Application of the eks-charts chart
 * `aws-efa-k8s-device-plugin`, as the pod the chart's `templates/daemonset.yaml` makes from the Application's own
 * values (a vendored render is made with one set of values, so it does not say where this Application's pods run):
 * tolerations `CriticalAddonsOnly` plus `values.tolerations`, `values.nodeSelector`, and required node
 * affinity `supportedInstanceLabels.keys` In `supportedInstanceLabels.values` (defaults vendored from
 * aws/eks-charts at bfe91c4, chart v0.5.30: schemas/upstream/efa/aws-efa-k8s-device-plugin-v0.5.30.json).
 */
import * as fs from 'fs';
import * as path from 'path';
import { applicationChartSources } from './addon-pods';
import { ObjectIndex, TwinContext, TwinPool } from './model';
import { schemasDir } from '../../validation/private/schema-files';

/** The extended resource the EFA device plugin advertises. */
export const EFA_RESOURCE = 'vpc.amazonaws.com/efa';
/** The well-known label of a node's instance type (kubelet sets it). */
export const INSTANCE_TYPE_LABEL = 'node.kubernetes.io/instance-type';
/** The eks-charts chart name of the device plugin. */
export const EFA_DEVICE_PLUGIN_CHART = 'aws-efa-k8s-device-plugin';

/** What the platform knows of a managed pool's nodes besides `TwinPool` (PlatformTwinOptions.nodePools). */
export interface EfaPoolFacts {
  /** EFA interfaces attached to every node (0: none). */
  readonly efaInterfacesPerNode?: number;
  /** The instance types the pool launches (values of the nodes' `node.kubernetes.io/instance-type`). */
  readonly instanceTypes?: string[];
}

/** A resolved pool with its EFA facts. */
export type TwinPoolWithEfa = TwinPool & EfaPoolFacts;

/** One EFA device plugin of the output: where it comes from and the pod spec that decides where it runs. */
export interface EfaDevicePlugin {
  /** `DaemonSet kube-system/aws-efa-k8s-device-plugin`, `Application argocd/aws-efa-k8s-device-plugin`. */
  readonly source: string;
  /** The pod spec (tolerations, nodeSelector, affinity). */
  readonly spec: any;
}

interface ChartDefaults {
  readonly version: string;
  readonly templateTolerations: any[];
  readonly templateNodeAffinityExtra: any;
  readonly values: { tolerations: any[]; nodeSelector: any; supportedInstanceLabels: { keys: string[]; values: string[] } };
}

let defaults: ChartDefaults | undefined;

function chartDefaults(): ChartDefaults {
  defaults ??= JSON.parse(fs.readFileSync(path.join(schemasDir(), 'upstream', 'efa', 'aws-efa-k8s-device-plugin-v0.5.30.json'), 'utf-8'));
  return defaults!;
}

function isPluginImage(image: unknown): boolean {
  return typeof image === 'string' && /(^|\/)aws-efa-k8s-device-plugin(:|@|$)/.test(image);
}

/** The EFA device plugins of the output (see the file comment). */
export function efaDevicePluginsOf(ctx: TwinContext, notModelled: string[]): EfaDevicePlugin[] {
  const out: EfaDevicePlugin[] = [];
  // The chart's Applications are read from their own values (below): a vendored render made with other values
  // would carry another node affinity and other tolerations.
  for (const p of ctx.pods) {
    if (p.ownerObject?.kind === 'Application') continue;
    const spec = p.pod?.spec;
    if (!(spec?.containers ?? []).some((c: any) => isPluginImage(c.image))) continue;
    out.push({ source: p.owner, spec });
  }
  for (const app of ctx.index.ofKind('Application')) {
    if (!String(app.apiVersion ?? '').startsWith('argoproj.io/')) continue;
    const id = ObjectIndex.id(app);
    for (const src of applicationChartSources(app).sources) {
      if (src.type !== 'helm' || src.chart !== EFA_DEVICE_PLUGIN_CHART) continue;
      const d = chartDefaults();
      if (src.version !== d.version) {
        notModelled.push(`${id}: ${EFA_DEVICE_PLUGIN_CHART} ${src.version || '(no version)'} read with the defaults of chart ${d.version} (tolerations, nodeSelector, supported instance types)`);
      }
      const values = src.values ?? {};
      const labels = values.supportedInstanceLabels ?? d.values.supportedInstanceLabels;
      const nodeSelector = values.nodeSelector ?? d.values.nodeSelector;
      out.push({
        source: id,
        spec: {
          tolerations: [...d.templateTolerations, ...(Array.isArray(values.tolerations) ? values.tolerations : d.values.tolerations)],
          ...(nodeSelector && Object.keys(nodeSelector).length > 0 ? { nodeSelector } : {}),
          affinity: {
            nodeAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: {
                // templates/daemonset.yaml: one term per key; the compute-type expression follows the range, so it joins the last term.
                nodeSelectorTerms: (labels.keys ?? []).map((key: string, i: number, keys: string[]) => ({
                  matchExpressions: [{ key, operator: 'In', values: labels.values ?? [] }, ...(i === keys.length - 1 ? [d.templateNodeAffinityExtra] : [])],
                })),
              },
            },
          },
        },
      });
    }
  }
  return out;
}
