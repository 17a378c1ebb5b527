import { ValidationError } from '../../core/errors';
import { ImageReference } from '../../core/image-reference';

/**
 * Where one image of an add-on's chart is set in its values, as the chart's templates spell it.
 * Every slot below was read from the chart's values.yaml and templates at the pinned version and
 * checked by rendering the chart with `helm template` (see the gitops README, "Add-on images"):
 * setting the slot from a digest-pinned reference makes every pod of the chart that uses the image
 * run exactly that digest.
 */
export interface ImageSlot {
  /** The image's name in the add-on's `images` option (`pilot`, `proxyv2`, `controller`). */
  readonly name: string;
  /** The image the chart runs by default (from its values.yaml / Chart.yaml appVersion). */
  readonly upstream: string;
  /** Values paths that take the whole reference (`image`, `global.proxy.image`). */
  readonly ref?: string[];
  /** Values path of the registry host, when the chart keeps it apart from the repository. */
  readonly registry?: string;
  /** Values path of the repository (with the registry host when there is no `registry` path). */
  readonly repository?: string;
  /** Values path of the tag. */
  readonly tag?: string;
  /** Values path of the digest. */
  readonly digest?: string;
  /** Whether the digest value carries the `sha256:` algorithm prefix. */
  readonly digestWithAlgorithm?: boolean;
  /** The chart has no digest value and always prints `<repository>:<tag>`: the tag becomes `<tag>@sha256:<hex>`. */
  readonly digestInTag?: boolean;
  /** For a kustomization: the image name kustomize `images` replaces (`<name>=<reference>`). */
  readonly kustomizeImage?: string;
  /** For a kustomization: the operator flag that takes the reference (set by the add-on's patch). */
  readonly flag?: string;
}

/** A digest-pinned reference split into the parts charts ask for. */
export interface ParsedReference {
  readonly host: string;
  readonly path: string;
  readonly tag?: string;
  /** `sha256:<hex>` */
  readonly digest: string;
}

/** Split `host/path[:tag]@sha256:<hex>` (the caller checked it is pinned). */
export function parseReference(ref: string): ParsedReference {
  const [name, digest] = ref.split('@');
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const hasHost = first.includes('.') || first.includes(':') || first === 'localhost';
  const host = hasHost ? first : 'docker.io';
  let rest = hasHost ? name.slice(slash + 1) : name;
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > 0) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { host, path: rest, tag, digest };
}

/** The tag of an upstream reference (`docker.io/istio/pilot:1.30.3` -> `1.30.3`). */
function upstreamTag(upstream: string): string {
  const name = upstream.split('@')[0];
  const slash = name.lastIndexOf('/');
  const colon = name.lastIndexOf(':');
  return colon > slash ? name.slice(colon + 1) : 'latest';
}

function setPath(target: any, dotted: string, value: any): void {
  const keys = dotted.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    if (o[k] === undefined) o[k] = {};
    o = o[k];
  }
  o[keys[keys.length - 1]] = value;
}

/** The Helm values that make `slot` run `ref` (a digest-pinned reference). */
export function slotValues(slot: ImageSlot, ref: string): { [key: string]: any } {
  const values: any = {};
  const p = parseReference(ref);
  for (const path of slot.ref ?? []) setPath(values, path, ref);
  if (slot.repository) {
    if (slot.registry) {
      setPath(values, slot.registry, p.host);
      setPath(values, slot.repository, p.path);
    } else {
      setPath(values, slot.repository, `${p.host}/${p.path}`);
    }
    const tag = p.tag ?? upstreamTag(slot.upstream);
    if (slot.digestInTag) {
      setPath(values, slot.tag!, `${tag}@${p.digest}`);
    } else {
      if (slot.tag) setPath(values, slot.tag, tag);
      if (slot.digest) setPath(values, slot.digest, slot.digestWithAlgorithm === false ? p.digest.replace(/^sha256:/, '') : p.digest);
    }
  }
  return values;
}

/** The values paths a slot writes, for documentation (`image.repository`, `image.digest`). */
export function slotPaths(slot: ImageSlot): string[] {
  return [...(slot.ref ?? []), slot.registry, slot.repository, slot.tag, slot.digest,
    slot.kustomizeImage ? `kustomize.images[${slot.kustomizeImage}]` : undefined, slot.flag].filter((x): x is string => x !== undefined);
}

/**
 * Check a user's `images` option against the add-on's slots: known names, digest-pinned
 * references. Returns the Helm values that set them.
 */
export function imageValues(addon: string, slots: ImageSlot[], images: { [name: string]: string } | undefined): { [key: string]: any } {
  let values: any = {};
  for (const [name, ref] of Object.entries(images ?? {})) {
    const matching = slots.filter((s) => s.name === name);
    const slot = matching[0];
    if (!slot) {
      throw new ValidationError(`images.${name}`, `is not an image of the '${addon}' add-on`, name,
        slots.length > 0 ? `use one of ${slots.map((s) => s.name).join(', ')}` : `the '${addon}' add-on runs no image of its own; remove it`);
    }
    if (!ImageReference.isPinnedByDigest(ref)) {
      throw new ValidationError(`images.${name}`, 'must be a reference pinned by digest', ref,
        `mirror ${slot.upstream} to your registry and pass '<registry>/<path>@sha256:<digest>'`);
    }
    for (const m of matching) values = merge(values, slotValues(m, ref));
  }
  return values;
}

/** The distinct images of a slot list (one per name, first slot wins), in order. */
export function distinctImages(slots: ImageSlot[]): ImageSlot[] {
  const seen = new Set<string>();
  return slots.filter((s) => (seen.has(s.name) ? false : (seen.add(s.name), true)));
}

function merge(a: any, b: any): any {
  if (a === null || typeof a !== 'object' || Array.isArray(a) || b === null || typeof b !== 'object' || Array.isArray(b)) return b;
  const out: any = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? merge(out[k], v) : v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// The catalogue's slots, per chart at its pin (../shared/addon-charts/<chart>-<version>/values.yaml and
// templates; schemas/upstream/charts/ for istio-cni and the training operator). Images of Helm test
// hooks are left out: every add-on Application sets `helm.skipTests` (Argo CD runs no test hooks).
// ---------------------------------------------------------------------------------------------

/** kyverno 3.8.1: `templates/_helpers/_image.tpl` prints `<registry>/<repository>:<tag>` (no digest value). */
const kyverno = (name: string, base: string, repo: string, registry = 'reg.kyverno.io', tag = 'v1.18.1'): ImageSlot => ({
  name, upstream: `${registry}/${repo}:${tag}`, registry: `${base}.registry`, repository: `${base}.repository`, tag: `${base}.tag`, digestInTag: true,
});

export const IMAGE_SLOTS: { [addon: string]: ImageSlot[] } = {
  'kyverno': [
    kyverno('kyverno', 'admissionController.container.image', 'kyverno/kyverno'),
    kyverno('kyvernopre', 'admissionController.initContainer.image', 'kyverno/kyvernopre'),
    kyverno('background-controller', 'backgroundController.image', 'kyverno/background-controller'),
    kyverno('cleanup-controller', 'cleanupController.image', 'kyverno/cleanup-controller'),
    kyverno('reports-controller', 'reportsController.image', 'kyverno/reports-controller'),
    // post-upgrade CRD migration hook and pre-delete webhook cleanup hooks
    kyverno('kyverno-cli', 'crds.migration.image', 'kyverno/kyverno-cli'),
    kyverno('readiness-checker', 'webhooksCleanup.image', 'kyverno/readiness-checker', 'ghcr.io'),
  ],
  // cert-manager v1.18.2: `_helpers.tpl` "image" prints `[<registry>/]<repository>@<digest>` when a digest is set.
  'cert-manager': [
    { name: 'controller', upstream: 'quay.io/jetstack/cert-manager-controller:v1.18.2', repository: 'image.repository', digest: 'image.digest' },
    { name: 'webhook', upstream: 'quay.io/jetstack/cert-manager-webhook:v1.18.2', repository: 'webhook.image.repository', digest: 'webhook.image.digest' },
    { name: 'cainjector', upstream: 'quay.io/jetstack/cert-manager-cainjector:v1.18.2', repository: 'cainjector.image.repository', digest: 'cainjector.image.digest' },
    { name: 'acmesolver', upstream: 'quay.io/jetstack/cert-manager-acmesolver:v1.18.2', repository: 'acmesolver.image.repository', digest: 'acmesolver.image.digest' },
    { name: 'startupapicheck', upstream: 'quay.io/jetstack/cert-manager-startupapicheck:v1.18.2', repository: 'startupapicheck.image.repository', digest: 'startupapicheck.image.digest' },
  ],
  // gatekeeper 3.23.0 (open-policy-agent/gatekeeper charts/gatekeeper): `<repository>:<release|tag>`; the CRDs
  // image runs the pre-install CRD upgrade and the namespace-labelling hooks.
  'gatekeeper': [
    { name: 'gatekeeper', upstream: 'openpolicyagent/gatekeeper:v3.23.0', repository: 'image.repository', tag: 'image.release', digestInTag: true },
    { name: 'gatekeeper-crds', upstream: 'openpolicyagent/gatekeeper-crds:v3.23.0', repository: 'preInstall.crdRepository.image.repository', tag: 'preInstall.crdRepository.image.tag', digestInTag: true },
    { name: 'gatekeeper-crds', upstream: 'openpolicyagent/gatekeeper-crds:v3.23.0', repository: 'postInstall.labelNamespace.image.repository', tag: 'postInstall.labelNamespace.image.tag', digestInTag: true },
    { name: 'gatekeeper-crds', upstream: 'openpolicyagent/gatekeeper-crds:v3.23.0', repository: 'postUpgrade.labelNamespace.image.repository', tag: 'postUpgrade.labelNamespace.image.tag', digestInTag: true },
    { name: 'curl', upstream: 'curlimages/curl:8.20.0', repository: 'postInstall.probeWebhook.image.repository', tag: 'postInstall.probeWebhook.image.tag', digestInTag: true },
  ],
  // policy-controller 0.10.6 (sigstore/helm-charts charts/policy-controller): `_helpers.tpl` "policy-controller.image" prints
  // `<repository>@<version>` when the version starts with `sha256:` (the chart's default is the digest), and
  // "leases-cleanup.image" always `<repository>:<version>` (the post-delete lease cleanup Job).
  'sigstore-policy-controller': [
    { name: 'policy-controller', upstream: 'ghcr.io/sigstore/policy-controller/policy-controller:v0.13.1@sha256:0bcd60beb93f4427c29cf3a669743caf58490e98ded4380c33c09f092734a6ab', repository: 'webhook.image.repository', digest: 'webhook.image.version' },
    { name: 'kubectl', upstream: 'cgr.dev/chainguard/kubectl:latest-dev', repository: 'leasescleanup.image.repository', tag: 'leasescleanup.image.version', digestInTag: true },
  ],
  // nvidia-device-plugin 0.17.1 (NVIDIA/k8s-device-plugin deployments/helm): `<repository>:<tag>`.
  'nvidia-device-plugin': [
    { name: 'k8s-device-plugin', upstream: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1', repository: 'image.repository', tag: 'image.tag', digestInTag: true },
  ],
  // dcgm-exporter 4.8.2 (NVIDIA/dcgm-exporter deployment/ at tag 4.5.3-4.8.2): `<repository>:<tag>`.
  'dcgm-exporter': [
    { name: 'dcgm-exporter', upstream: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.3-4.8.2-distroless', repository: 'image.repository', tag: 'image.tag', digestInTag: true },
  ],
  // training operator v1.9.4 (a kustomization, not a chart): the operator image through kustomize `images`,
  // the workers' init container image through the operator flag the add-on's patch sets.
  'training-operator': [
    { name: 'training-operator', upstream: 'ghcr.io/kubeflow/training-v1/training-operator:v1-93c5489', kustomizeImage: 'ghcr.io/kubeflow/training-v1/training-operator' },
    { name: 'pytorch-init', upstream: 'alpine:3.10', flag: '--pytorch-init-container-image' },
  ],
  // aws-load-balancer-controller 3.5.0 (aws/eks-charts stable/aws-load-balancer-controller): templates/deployment.yaml
  // prints `<image.repository>:<image.tag>` (no digest value).
  'aws-load-balancer-controller': [
    { name: 'controller', upstream: 'public.ecr.aws/eks/aws-load-balancer-controller:v3.5.0', repository: 'image.repository', tag: 'image.tag', digestInTag: true },
  ],
  // aws-efa-k8s-device-plugin v0.5.30 (aws/eks-charts): templates/daemonset.yaml prints
  // `<image.repository>:<image.tag | default appVersion>` (no digest value).
  'aws-efa-k8s-device-plugin': [
    { name: 'aws-efa-k8s-device-plugin', upstream: '602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-efa-k8s-device-plugin:v0.5.20', repository: 'image.repository', tag: 'image.tag', digestInTag: true },
  ],
  // gateway 1.30.3: `image: auto`, the proxy image istiod's injector sets (the istiod add-on's `proxyv2`).
  'istio-ingress': [],
  'prometheus-operator-crds': [],
  'istio-base': [],
  'kserve-crd': [],
  // the Gateway API v1.5.1 and Inference Extension v1.4.0 kustomizations (`config/crd`): CRDs (and the Gateway API's
  // ValidatingAdmissionPolicy) only, no workload.
  'gateway-api-crds': [],
  'inference-extension-crds': [],
  // istiod 1.30.3: `templates/deployment.yaml` and `files/injection-template.yaml` take a value containing '/' verbatim.
  'istiod': [
    { name: 'pilot', upstream: 'docker.io/istio/pilot:1.30.3', ref: ['image'] },
    // the sidecar (istio-proxy) and its init/validation container, injected into every meshed pod and gateway
    { name: 'proxyv2', upstream: 'docker.io/istio/proxyv2:1.30.3', ref: ['global.proxy.image', 'global.proxy_init.image'] },
  ],
  // cni 1.30.3: `templates/daemonset.yaml` takes an `image` containing '/' verbatim.
  'istio-cni': [
    { name: 'install-cni', upstream: 'docker.io/istio/install-cni:1.30.3', ref: ['image'] },
  ],
  // opentelemetry-operator 0.90.4: `<repository>:<tag>` only. The collector image (`--collector-image`) is not
  // listed: the platform's OpenTelemetryCollector sets its own image.
  'opentelemetry-operator': [
    { name: 'manager', upstream: 'ghcr.io/open-telemetry/opentelemetry-operator/opentelemetry-operator:0.126.0', repository: 'manager.image.repository', tag: 'manager.image.tag', digestInTag: true },
    { name: 'kube-rbac-proxy', upstream: 'quay.io/brancz/kube-rbac-proxy:v0.19.1', repository: 'kubeRBACProxy.image.repository', tag: 'kubeRBACProxy.image.tag', digestInTag: true },
  ],
  // kube-prometheus-stack 77.11.1 (and its grafana 10.0.0, kube-state-metrics 6.3.0, prometheus-node-exporter 4.48.0 subcharts).
  'kube-prometheus-stack': [
    { name: 'prometheus-operator', upstream: 'quay.io/prometheus-operator/prometheus-operator:v0.85.0', registry: 'prometheusOperator.image.registry', repository: 'prometheusOperator.image.repository', tag: 'prometheusOperator.image.tag', digest: 'prometheusOperator.image.sha', digestWithAlgorithm: false },
    { name: 'prometheus-config-reloader', upstream: 'quay.io/prometheus-operator/prometheus-config-reloader:v0.85.0', registry: 'prometheusOperator.prometheusConfigReloader.image.registry', repository: 'prometheusOperator.prometheusConfigReloader.image.repository', tag: 'prometheusOperator.prometheusConfigReloader.image.tag', digest: 'prometheusOperator.prometheusConfigReloader.image.sha', digestWithAlgorithm: false },
    { name: 'kube-webhook-certgen', upstream: 'registry.k8s.io/ingress-nginx/kube-webhook-certgen:v1.6.2', registry: 'prometheusOperator.admissionWebhooks.patch.image.registry', repository: 'prometheusOperator.admissionWebhooks.patch.image.repository', tag: 'prometheusOperator.admissionWebhooks.patch.image.tag', digest: 'prometheusOperator.admissionWebhooks.patch.image.sha', digestWithAlgorithm: false },
    { name: 'prometheus', upstream: 'quay.io/prometheus/prometheus:v3.6.0', registry: 'prometheus.prometheusSpec.image.registry', repository: 'prometheus.prometheusSpec.image.repository', tag: 'prometheus.prometheusSpec.image.tag', digest: 'prometheus.prometheusSpec.image.sha', digestWithAlgorithm: false },
    { name: 'alertmanager', upstream: 'quay.io/prometheus/alertmanager:v0.28.1', registry: 'alertmanager.alertmanagerSpec.image.registry', repository: 'alertmanager.alertmanagerSpec.image.repository', tag: 'alertmanager.alertmanagerSpec.image.tag', digest: 'alertmanager.alertmanagerSpec.image.sha', digestWithAlgorithm: false },
    { name: 'grafana', upstream: 'docker.io/grafana/grafana:12.1.1', registry: 'grafana.image.registry', repository: 'grafana.image.repository', tag: 'grafana.image.tag', digest: 'grafana.image.sha', digestWithAlgorithm: false },
    { name: 'grafana-sidecar', upstream: 'quay.io/kiwigrid/k8s-sidecar:1.30.10', registry: 'grafana.sidecar.image.registry', repository: 'grafana.sidecar.image.repository', tag: 'grafana.sidecar.image.tag', digest: 'grafana.sidecar.image.sha', digestWithAlgorithm: false },
    { name: 'kube-state-metrics', upstream: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.17.0', registry: 'kube-state-metrics.image.registry', repository: 'kube-state-metrics.image.repository', tag: 'kube-state-metrics.image.tag', digest: 'kube-state-metrics.image.sha' },
    { name: 'node-exporter', upstream: 'quay.io/prometheus/node-exporter:v1.9.1', registry: 'prometheus-node-exporter.image.registry', repository: 'prometheus-node-exporter.image.repository', tag: 'prometheus-node-exporter.image.tag', digest: 'prometheus-node-exporter.image.digest' },
  ],
  // karpenter 1.14.1: `_helpers.tpl` prints `<repository>:<tag>@<digest>`.
  'karpenter': [
    { name: 'controller', upstream: 'public.ecr.aws/karpenter/controller:1.14.1@sha256:445baefaaa689029cc12ac1f659b916b0b82fb14308ce536f8521fcf079116fa', repository: 'controller.image.repository', tag: 'controller.image.tag', digest: 'controller.image.digest' },
  ],
  // keda 2.20.2: `<registry>/<repository>:<tag>` (no digest value).
  'keda': [
    { name: 'keda', upstream: 'ghcr.io/kedacore/keda:2.20.2', registry: 'image.keda.registry', repository: 'image.keda.repository', tag: 'image.keda.tag', digestInTag: true },
    { name: 'metrics-apiserver', upstream: 'ghcr.io/kedacore/keda-metrics-apiserver:2.20.2', registry: 'image.metricsApiServer.registry', repository: 'image.metricsApiServer.repository', tag: 'image.metricsApiServer.tag', digestInTag: true },
    { name: 'admission-webhooks', upstream: 'ghcr.io/kedacore/keda-admission-webhooks:2.20.2', registry: 'image.webhooks.registry', repository: 'image.webhooks.repository', tag: 'image.webhooks.tag', digestInTag: true },
  ],
  // kserve-resources v0.19.0: `<image>:<tag>` (no digest value); the agent, router and storage initializer images
  // go into the inferenceservice-config ConfigMap and run in the predictor pods KServe creates.
  'kserve': [
    { name: 'controller', upstream: 'kserve/kserve-controller:v0.19.0', repository: 'kserve.controller.image', tag: 'kserve.controller.tag', digestInTag: true },
    { name: 'kube-rbac-proxy', upstream: 'quay.io/brancz/kube-rbac-proxy:v0.18.0', ref: ['kserve.controller.rbacProxyImage'] },
    { name: 'storage-initializer', upstream: 'kserve/storage-initializer:v0.19.0', repository: 'kserve.storage.image', tag: 'kserve.storage.tag', digestInTag: true },
    { name: 'agent', upstream: 'kserve/agent:v0.19.0', repository: 'kserve.agent.image', tag: 'kserve.agent.tag', digestInTag: true },
    { name: 'router', upstream: 'kserve/router:v0.19.0', repository: 'kserve.router.image', tag: 'kserve.router.tag', digestInTag: true },
  ],
};
