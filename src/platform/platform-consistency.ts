import { ProblemCollector, ValidationProblem } from '../core/errors';
import { ARGOCD_SERVICE_ACCOUNTS } from './private/argocd-install';
import { PlatformLabels } from '../core/labels';
import { checkArgs } from '../core/private/runtime-types';

const GPU = PlatformLabels.NVIDIA_GPU_RESOURCE;
const WORKLOAD_KINDS = ['Deployment', 'StatefulSet', 'DaemonSet', 'Job', 'PyTorchJob', 'InferenceService'];

/**
 * Cross-layer checks over the synthesized outputs of both sides, as written (Terraform JSON and the
 * Kubernetes objects), so CI can run them from disk:
 *
 * - every Pod Identity association names a ServiceAccount the Kubernetes side creates, and every
 *   workload that syncs weights from S3 runs as a ServiceAccount that has an association;
 * - every GPU workload's required node labels are carried by every provisioner of its pool (managed
 *   node group labels, Karpenter NodePool template labels), it tolerates their taints, and its GPUs
 *   per pod fit the pool's `llm-platform.io/gpu-count`;
 * - every image of the platform registry names an ECR repository Terraform creates, every `s3://`
 *   bucket a workload reads is a bucket Terraform creates, and every EC2NodeClass names the Karpenter
 *   node role Terraform creates.
 */
/**
 * The ServiceAccount a chart's workload runs as with default values, for the charts whose pods the AWS side
 * gives a Pod Identity (kyverno 3.8.1 admission controller; sigstore policy-controller 0.10.6 webhook).
 */
const CHART_SERVICE_ACCOUNTS: { [chart: string]: string } = {
  'kyverno': 'kyverno-admission-controller',
  'policy-controller': 'policy-controller-webhook',
};

export class PlatformConsistency {
  /**
   * Every cross-layer problem (empty when both sides agree).
   *
   * @param terraform the parsed `cdk.tf.json` of the AwsPlatformStack
   * @param objects every Kubernetes object of the KubernetesPlatform
   */
  public static verify(terraform: any, objects: any[]): ValidationProblem[] {
    checkArgs('platform.PlatformConsistency#verify', [terraform, objects]);
    const p = new ProblemCollector();
    const res = terraform?.resource ?? {};
    const tf = (type: string): any[] => Object.values(res[type] ?? {});

    // Pod Identity <-> ServiceAccounts.
    const accounts = new Set(objects.filter((o) => o?.kind === 'ServiceAccount').map((o) => `${o.metadata?.namespace}/${o.metadata?.name}`));
    const addonAccounts = new Set(['kube-system/karpenter']);
    // ServiceAccounts a Helm add-on Application creates by its values (`serviceAccount.name`), e.g.
    // kube-system/aws-load-balancer-controller, whose Pod Identity the AWS side associates.
    for (const o of objects) {
      const sa = o?.kind === 'Application' ? o.spec?.source?.helm?.valuesObject?.serviceAccount : undefined;
      if (typeof sa?.name === 'string' && sa.create !== false && typeof o.spec?.destination?.namespace === 'string') addonAccounts.add(`${o.spec.destination.namespace}/${sa.name}`);
    }
    // ServiceAccounts the pinned charts create by default (vendored renders in schemas/upstream/addons), whose
    // Pod Identity the AWS side associates: the image-signature verifiers.
    for (const o of objects) {
      const source = o?.kind === 'Application' ? o.spec?.source : undefined;
      const ns = o?.spec?.destination?.namespace;
      const sa = CHART_SERVICE_ACCOUNTS[String(source?.chart ?? '')];
      if (sa && typeof ns === 'string') addonAccounts.add(`${ns}/${sa}`);
    }
    // A fleet hub's tree holds Argo CD cluster Secrets: Argo CD runs in their namespace, installed from its upstream
    // manifests (argoproj/argo-cd v3.5.1 manifests/install.yaml creates these ServiceAccounts), and the AWS side
    // gives its controllers and server their Pod Identity (AwsFleet).
    for (const o of objects) {
      if (o?.kind !== 'Secret' || o.metadata?.labels?.['argocd.argoproj.io/secret-type'] !== 'cluster' || typeof o.metadata?.namespace !== 'string') continue;
      for (const sa of ARGOCD_SERVICE_ACCOUNTS) addonAccounts.add(`${o.metadata.namespace}/${sa}`);
    }
    const associations = new Set<string>();
    for (const a of tf('aws_eks_pod_identity_association')) {
      const key = `${a.namespace}/${a.service_account}`;
      associations.add(key);
      p.check(accounts.has(key) || addonAccounts.has(key), `terraform.aws_eks_pod_identity_association[${key}]`, 'names a ServiceAccount the Kubernetes side does not create', key,
        'create the ServiceAccount (a model, job or collector of the spec) or remove the association');
    }
    const buckets = new Set(tf('aws_s3_bucket').map((b) => b.bucket));
    const repositories = new Set(tf('aws_ecr_repository').map((r) => r.name));
    const registries = new Set<string>();
    const providers = terraform?.provider?.aws ?? [];
    for (const prov of Array.isArray(providers) ? providers : [providers]) {
      for (const account of prov?.allowed_account_ids ?? []) registries.add(`${account}.dkr.ecr.${prov.region}.amazonaws.com`);
    }

    // Pools as the AWS side and Karpenter provision them: labels and taints per provisioner.
    type Taint = { key: string; value?: string; effect: string };
    const provisioners = new Map<string, { what: string; labels: { [k: string]: string }; taints: Taint[] }[]>();
    const addProvisioner = (pool: string, entry: { what: string; labels: any; taints: any[] }) => {
      const list = provisioners.get(pool) ?? [];
      list.push(entry);
      provisioners.set(pool, list);
    };
    const effect = (e: string) => ({ NO_SCHEDULE: 'NoSchedule', NO_EXECUTE: 'NoExecute', PREFER_NO_SCHEDULE: 'PreferNoSchedule' } as any)[e] ?? e;
    for (const g of tf('aws_eks_node_group')) {
      const pool = g.labels?.[PlatformLabels.GPU_POOL];
      if (pool) addProvisioner(pool, { what: `managed node group ${g.node_group_name ?? String(g.node_group_name_prefix ?? '').replace(/-$/, '')}`, labels: g.labels, taints: (g.taint ?? []).map((t: any) => ({ ...t, effect: effect(t.effect) })) });
    }
    const nodeRoles = new Set(tf('aws_iam_role').map((r) => r.name));
    for (const o of objects) {
      if (o?.kind === 'NodePool' && String(o.apiVersion).startsWith('karpenter.sh/')) {
        const labels = o.spec?.template?.metadata?.labels ?? {};
        const pool = labels[PlatformLabels.GPU_POOL];
        if (pool) addProvisioner(pool, { what: `Karpenter NodePool ${o.metadata.name}`, labels, taints: o.spec?.template?.spec?.taints ?? [] });
      }
      if (o?.kind === 'EC2NodeClass') {
        p.check(nodeRoles.has(o.spec?.role), `EC2NodeClass ${o.metadata?.name}.spec.role`, 'names an IAM role Terraform does not create', o.spec?.role,
          'use the Karpenter node role of the AwsPlatformStack (PlatformNames.karpenterNodeRole)');
      }
    }

    for (const o of objects) {
      if (!o || !WORKLOAD_KINDS.includes(o.kind)) continue;
      const id = `${o.kind} ${o.metadata?.namespace}/${o.metadata?.name}`;
      for (const pod of podSpecs(o)) {
        const containers = [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.model ? [pod.model] : [])];
        for (const c of containers) {
          const image: string = c.image ?? '';
          const registry = [...registries].find((r) => image.startsWith(`${r}/`));
          if (registry) {
            const repo = image.slice(registry.length + 1).split('@')[0].replace(/:[^/]*$/, '');
            p.check(repositories.has(repo), `${id}.image`, 'names an ECR repository Terraform does not create', image, `add '${repo}' to the platform registry (it is derived from the spec's images)`);
          }
          for (const arg of [...(c.command ?? []), ...(c.args ?? [])]) {
            const m = /^s3:\/\/([^/]+)\//.exec(String(arg));
            if (m) {
              p.check(buckets.has(m[1]), `${id}.${c.name}`, 'reads a bucket Terraform does not create', m[1], 'read weights from the platform model store');
              const sa = `${o.metadata?.namespace}/${pod.serviceAccountName ?? 'default'}`;
              p.check(associations.has(sa), `${id}.serviceAccountName`, 'reads S3 but its ServiceAccount has no Pod Identity association', sa,
                'associate an IAM role with the ServiceAccount (AwsPlatformStack does it for every model and job of the spec)');
            }
          }
        }
        const gpuContainers = [...(pod.containers ?? []), ...(pod.model ? [pod.model] : [])];
        const gpus = Math.max(0, ...gpuContainers.map((c: any) => Number(c.resources?.limits?.[GPU] ?? 0)));
        if (gpus === 0) continue;
        const required = requiredLabels(pod);
        const pool = required[PlatformLabels.GPU_POOL];
        const provs = pool ? provisioners.get(pool) ?? [] : [];
        if (!p.check(provs.length > 0, `${id}.affinity`, 'targets a GPU pool no provisioner creates nodes for', pool ?? 'no llm-platform.io/gpu-pool',
          'target a pool of the spec (its managed node group or Karpenter NodePool carries the pool label)')) continue;
        for (const prov of provs) {
          const missing = Object.entries(required).filter(([k, v]) => prov.labels[k] !== v).map(([k, v]) => `${k}=${v}`);
          p.check(missing.length === 0, `${id}.affinity`, `requires node labels the ${prov.what} does not carry`, missing, 'derive affinity and node labels from the same pool');
          const untolerated = prov.taints.filter((t) => !(pod.tolerations ?? []).some((tol: any) => tolerates(tol, t))).map((t) => `${t.key}=${t.value ?? ''}:${t.effect}`);
          p.check(untolerated.length === 0, `${id}.tolerations`, `do not tolerate the taints of the ${prov.what}`, untolerated, 'tolerate every taint of the pool');
          const perNode = Number(prov.labels[PlatformLabels.GPU_COUNT] ?? 0);
          p.check(perNode === 0 || gpus <= perNode, `${id}.resources`, `request more GPUs per pod than a node of the ${prov.what} has (${perNode})`, gpus,
            'lower the GPUs per replica or use larger instances');
        }
      }
    }
    return p.problems;
  }

  private constructor() {}
}

function podSpecs(o: any): any[] {
  switch (o.kind) {
    case 'PyTorchJob':
      return Object.values<any>(o.spec?.pytorchReplicaSpecs ?? {}).map((r) => r.template?.spec ?? {});
    case 'InferenceService':
      return o.spec?.predictor ? [o.spec.predictor] : [];
    default:
      return o.spec?.template?.spec ? [o.spec.template.spec] : [];
  }
}

function requiredLabels(pod: any): { [key: string]: string } {
  const out: { [key: string]: string } = { ...(pod.nodeSelector ?? {}) };
  const terms = pod.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [];
  // One term: its In expressions with one value are hard requirements.
  if (terms.length === 1) {
    for (const e of terms[0].matchExpressions ?? []) {
      if (e.operator === 'In' && (e.values ?? []).length === 1) out[e.key] = e.values[0];
    }
  }
  return out;
}

function tolerates(tol: any, taint: { key: string; value?: string; effect: string }): boolean {
  if (tol.effect && tol.effect !== taint.effect) return false;
  if (tol.operator === 'Exists') return tol.key === undefined || tol.key === taint.key;
  return tol.key === taint.key && (tol.value ?? '') === (taint.value ?? '');
}
