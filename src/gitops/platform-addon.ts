import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as YAML from 'yaml';
import { ChartRepository } from './chart-repository';
import { ValidationError } from '../core/errors';
import { GpuPool } from '../core/gpu-pool';
import { PlatformLabels } from '../core/labels';
import { Names } from '../core/names';
import { distinctImages, IMAGE_SLOTS, ImageSlot, imageValues, slotPaths } from './private/addon-images';
import { deepMerge, validatePinnedVersion } from './private/argocd';
import { INIT_IMAGE_UPSTREAM, NAMESPACE_DELETE_PATCH, OPERATOR_DEPLOYMENT, operatorPatch } from './private/training-operator';
import { SyncWave } from './sync-wave';
import { ResourceKind } from './tenant-project';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * What an add-on is bound for: the environment and cluster its Application deploys to.
 */
export interface AddonBindContext {
  /** The environment name. */
  readonly environment: string;
  /** The destination API server URL. */
  readonly server: string;
}

/**
 * A difference Argo CD must ignore on one kind of object (a field a controller mutates).
 */
export interface IgnoredDifference {
  /** The API group (`''` for core). */
  readonly group: string;
  /** The kind. */
  readonly kind: string;
  /**
   * The object name.
   *
   * @default - every object of the kind
   */
  readonly name?: string;
  /** JSON pointers of the fields to ignore. */
  readonly jsonPointers: string[];
}

/**
 * One container image an add-on runs, and whether it is mirrored and pinned by digest.
 */
export interface AddonImage {
  /** The image's name in the add-on's `images` option (e.g. `pilot`, `proxyv2`). */
  readonly name: string;
  /** The image the pinned chart runs by default (mirror this one). */
  readonly upstream: string;
  /**
   * The digest-pinned reference the add-on runs instead (from the `images` option).
   *
   * @default - none: the add-on runs `upstream`
   */
  readonly reference?: string;
  /** The chart values (or kustomize fields) that set it, e.g. `['image.repository', 'image.digest']`. */
  readonly valuesPaths: string[];
}

/**
 * A kustomize patch (Argo CD `spec.source.kustomize.patches`), for add-ons delivered as a kustomization.
 */
export interface KustomizePatch {
  /** The kind of the patched object. */
  readonly kind: string;
  /** The name of the patched object. */
  readonly name: string;
  /** The patch: a strategic merge patch or a JSON 6902 patch, as YAML text. */
  readonly patch: string;
}

/**
 * A kustomization source (Argo CD `spec.source.kustomize`), for add-ons delivered from a Git
 * repository directory (`ChartRepository.git`) instead of a Helm chart.
 */
export interface KustomizeAddonSource {
  /**
   * Image overrides (`<image>=<new reference>`, kustomize `images`).
   *
   * @default - none
   */
  readonly images?: string[];
  /**
   * Patches.
   *
   * @default - none
   */
  readonly patches?: KustomizePatch[];
}

/**
 * Everything the platform needs to install one add-on: a pinned Helm chart, its values, its sync
 * wave and its place in the dependency graph.
 */
export interface PlatformAddonConfig {
  /** The add-on name (DNS-1123 label), unique in one `PlatformAddons`. */
  readonly name: string;
  /** The chart repository. */
  readonly repository: ChartRepository;
  /**
   * The chart name; for a Git repository (`ChartRepository.git`), the path of the kustomization
   * directory in the repository.
   */
  readonly chart: string;
  /** The exact chart version, or for a Git repository the exact release tag (never `*`, `HEAD`, `latest` or a range). */
  readonly version: string;
  /** The namespace the chart is installed into. */
  readonly namespace: string;
  /**
   * The kustomize options of a Git repository source.
   *
   * @default - none (a Helm chart, or a plain kustomization)
   */
  readonly kustomize?: KustomizeAddonSource;
  /**
   * The container images the add-on runs (what to mirror, and the pinned references it uses).
   *
   * @default - none declared
   */
  readonly images?: AddonImage[];
  /**
   * Every namespace the add-on's objects land in, besides `namespace` (e.g. leader-election Roles
   * in `kube-system`). The platform AppProject allows exactly these destinations.
   *
   * @default - only `namespace`
   */
  readonly extraNamespaces?: string[];
  /**
   * The cluster-scoped kinds the add-on creates (CRDs, ClusterRoles, webhook configurations, ...).
   * The platform AppProject's `clusterResourceWhitelist` allows exactly the kinds its add-ons and
   * components declare.
   *
   * @default - none
   */
  readonly clusterResources?: ResourceKind[];
  /**
   * The Helm release name.
   *
   * @default - the add-on name
   */
  readonly releaseName?: string;
  /**
   * Helm values.
   *
   * @default - the chart's defaults
   */
  readonly values?: { [key: string]: any };
  /** The sync wave (see `SyncWave`). */
  readonly wave: number;
  /**
   * The CRDs the add-on installs, by CRD name (`<plural>.<group>`, e.g. `nodepools.karpenter.sh`).
   *
   * @default - none
   */
  readonly providesCrds?: string[];
  /**
   * The CRDs the add-on needs before it can sync (by CRD name).
   *
   * @default - none
   */
  readonly requiresCrds?: string[];
  /**
   * The add-ons (by name) that must be installed first.
   *
   * @default - none
   */
  readonly dependsOn?: string[];
  /**
   * Sync with server-side apply (large CRDs exceed the client-side apply annotation limit).
   *
   * @default false
   */
  readonly serverSideApply?: boolean;
  /**
   * Keep the add-on's resources when its Application is deleted (no cascade finalizer). Set it for
   * add-ons whose deletion destroys data, e.g. CRDs (deleting a CRD deletes every object of it).
   *
   * @default false
   */
  readonly preserveResourcesOnDeletion?: boolean;
  /**
   * Let Argo CD create the add-on's namespace (`CreateNamespace=true`): add-ons are installed before
   * the platform's tenancy component, so they own their namespace.
   *
   * @default true
   */
  readonly createNamespace?: boolean;
  /**
   * Labels of the namespace Argo CD creates (`managedNamespaceMetadata`), e.g. its Pod Security level.
   *
   * @default - only `app.kubernetes.io/managed-by`
   */
  readonly namespaceLabels?: { [key: string]: string };
  /**
   * Differences to ignore (fields controllers mutate after apply).
   *
   * @default - none
   */
  readonly ignoreDifferences?: IgnoredDifference[];
}

/**
 * A platform add-on: binds to a config the `PlatformAddons` construct turns into an Argo CD
 * Application. Implement it to add your own add-ons next to the catalogue in `PlatformAddon`.
 */
export interface IPlatformAddon {
  /**
   * Produce the add-on's config for one environment.
   *
   * @param scope the `PlatformAddons` construct binding it
   * @param context the environment and cluster
   */
  bind(scope: Construct, context: AddonBindContext): PlatformAddonConfig;
}

/**
 * Options every catalogue add-on takes.
 */
export interface AddonOptions {
  /**
   * The chart version.
   *
   * @default - the tested pin of this library (see the gitops README)
   */
  readonly version?: string;
  /**
   * Extra Helm values, deep-merged over the typed ones (arrays replace).
   *
   * @default - none
   */
  readonly values?: { [key: string]: any };
  /**
   * The namespace.
   *
   * @default - the add-on's conventional namespace
   */
  readonly namespace?: string;
  /**
   * Mirrored images, pinned by digest, by image name (`PlatformAddon.imagesOf(<add-on name>)` lists the
   * names, the upstream images to mirror and the chart values each one sets), e.g.
   * `{ pilot: '<account>.dkr.ecr.<region>.amazonaws.com/mirror/istio/pilot@sha256:<digest>' }`.
   *
   * @default - the chart's upstream images (not pinned: `PlatformAddons` with `requirePinnedImages`
   * refuses them and names what to mirror)
   */
  readonly images?: { [name: string]: string };
}

/**
 * Options of the Kyverno add-on.
 */
export interface KyvernoAddonOptions extends AddonOptions {
  /**
   * Replicas of the admission controller (3 keeps the webhook available through node drains).
   *
   * @default 3
   */
  readonly admissionControllerReplicas?: number;
}

/**
 * Istio mesh-wide settings the platform depends on.
 */
export interface IstiodAddonOptions extends AddonOptions {
  /**
   * Only let sidecars reach hosts in the service registry (`outboundTrafficPolicy: REGISTRY_ONLY`).
   *
   * @default true
   */
  readonly registryOnlyEgress?: boolean;
  /**
   * Envoy access log file.
   *
   * @default '/dev/stdout'
   */
  readonly accessLogFile?: string;
  /**
   * istiod replicas (minimum of its autoscaler).
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Redirect sidecar traffic with the Istio CNI node agent (`pilot.cni.enabled`) instead of the
   * `istio-init` container, which needs NET_ADMIN and NET_RAW and is refused by Pod Security
   * `baseline` and `restricted` (istio.io, "Install Istio with Pod Security Admission"). Install
   * `PlatformAddon.istioCni()` with it.
   *
   * @default true
   */
  readonly cni?: boolean;
  /**
   * Mesh extension providers (`meshConfig.extensionProviders`): the tracing, metrics and access-log
   * backends `Telemetry` resources name.
   *
   * @default - none
   */
  readonly extensionProviders?: IstioExtensionProvider[];
  /**
   * Merge the application's Prometheus metrics into the sidecar's metrics endpoint
   * (`meshConfig.enablePrometheusMerge`), so Prometheus scrapes applications under STRICT mTLS
   * through the sidecar's plain-text port 15020.
   *
   * @default true
   */
  readonly enablePrometheusMerge?: boolean;
  /**
   * Proxy defaults for every workload (`meshConfig.defaultConfig`).
   *
   * @default - Istio's defaults
   */
  readonly defaultConfig?: IstioProxyDefaults;
  /**
   * Turn on istiod's support of the Gateway API Inference Extension: HTTPRoutes whose backend is an
   * `InferencePool` (`pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'true'`). The flag is off by default in
   * Istio 1.30.3 (`pilot/pkg/features/experimental.go`; with it off such a backend gets `InvalidDestinationKind`),
   * see schemas/upstream/inference-extension/istio.json `pilotEnv` and its SOURCES.md. Install
   * `PlatformAddon.gatewayApiCrds()` and `PlatformAddon.inferenceExtensionCrds()` with it; istiod does not need them
   * first (it watches the Gateway API and InferencePool kinds through delayed informers that start once the CRDs
   * exist, `pilot/pkg/config/kube/gateway/controller.go`), and its ClusterRole already reads InferencePools.
   *
   * @default false
   */
  readonly inferenceExtension?: boolean;
}

/**
 * An OpenTelemetry (OTLP/gRPC) endpoint of an Istio extension provider.
 */
export interface IstioOtlpEndpoint {
  /** The service, `<name>.<namespace>.svc.cluster.local` (or `<namespace>/<host>`). */
  readonly service: string;
  /** The port. */
  readonly port: number;
}

/**
 * An Istio `meshConfig.extensionProviders` entry (istio/api 1.30.3 `mesh/v1alpha1/config.proto`
 * `ExtensionProvider`). Set exactly one of the provider fields.
 */
export interface IstioExtensionProvider {
  /** The provider name `Telemetry` resources refer to. */
  readonly name: string;
  /**
   * OpenTelemetry tracing (`opentelemetry`).
   *
   * @default - not this kind
   */
  readonly openTelemetryTracing?: IstioOtlpEndpoint;
  /**
   * OpenTelemetry access logs (`envoyOtelAls`).
   *
   * @default - not this kind
   */
  readonly openTelemetryAccessLog?: IstioOtlpEndpoint;
  /**
   * Prometheus metrics (`prometheus: {}`).
   *
   * @default false
   */
  readonly prometheus?: boolean;
}

/**
 * Proxy defaults (`meshConfig.defaultConfig`, istio/api `mesh/v1alpha1/proxy.proto` `ProxyConfig`).
 */
export interface IstioProxyDefaults {
  /**
   * Start application containers only after the sidecar is ready (`holdApplicationUntilProxyStarts`).
   *
   * @default - Istio's default (false)
   */
  readonly holdApplicationUntilProxyStarts?: boolean;
  /**
   * Environment variables of the proxy (`proxyMetadata`).
   *
   * @default - none
   */
  readonly proxyMetadata?: { [key: string]: string };
}

/**
 * Options of the Istio CNI node agent.
 */
export interface IstioCniAddonOptions extends AddonOptions {
  /**
   * Namespaces whose pods the CNI plugin leaves alone (`excludeNamespaces`).
   *
   * @default ['kube-system'] (the chart's default)
   */
  readonly excludeNamespaces?: string[];
}

/**
 * Options of the Kubeflow training operator.
 */
export interface TrainingOperatorAddonOptions extends AddonOptions {
  /**
   * How many times the workers' `init-pytorch` container looks the master up before it fails
   * (`--pytorch-init-container-max-tries`, 2 seconds apart).
   *
   * @default 100 (the operator's default)
   */
  readonly initContainerMaxTries?: number;
}

/**
 * Options of kube-prometheus-stack.
 */
export interface KubePrometheusStackAddonOptions extends AddonOptions {
  /**
   * How long Prometheus keeps samples.
   *
   * @default Duration.days(15)
   */
  readonly retention?: Duration;
  /**
   * Install Grafana.
   *
   * @default true
   */
  readonly grafana?: boolean;
}

/**
 * Options of Karpenter.
 */
export interface KarpenterAddonOptions extends AddonOptions {
  /** The EKS cluster name (`settings.clusterName`). */
  readonly clusterName: string;
  /** The SQS interruption queue name (`settings.interruptionQueue`), from the AWS layer. */
  readonly interruptionQueue: string;
  /**
   * Controller replicas.
   *
   * @default 2
   */
  readonly replicas?: number;
}

/**
 * MIG strategies of the NVIDIA device plugin.
 */
export enum MigStrategy {
  /** No MIG: whole GPUs. */
  NONE = 'none',
  /** One MIG profile per node, exposed as `nvidia.com/gpu`. */
  SINGLE = 'single',
  /** Several MIG profiles per node, exposed as `nvidia.com/mig-<profile>`. */
  MIXED = 'mixed',
}

/**
 * Options of the NVIDIA device plugin.
 */
export interface NvidiaDevicePluginAddonOptions extends AddonOptions {
  /**
   * The MIG strategy.
   *
   * @default MigStrategy.NONE
   */
  readonly migStrategy?: MigStrategy;
  /**
   * Deploy GPU feature discovery (and node feature discovery) to label nodes with GPU details.
   * Off by default: the platform labels GPU nodes itself (`GpuPool.standardLabels`).
   *
   * @default false
   */
  readonly gpuFeatureDiscovery?: boolean;
}

/**
 * Options of KServe.
 */
export interface KServeAddonOptions extends AddonOptions {
  /**
   * The KServe deployment mode: `Standard` (plain Deployments, called `RawDeployment` before
   * v0.19) or `Knative`.
   *
   * @default 'Standard'
   */
  readonly deploymentMode?: string;
  /**
   * Let KServe create a Kubernetes `Ingress` per InferenceService
   * (`kserve.controller.gateway.disableIngressCreation: false`). Off by default: that Ingress has no
   * TLS (refused by the platform's ingress TLS rule); the mesh layer's Istio Gateway and
   * VirtualService route to the model instead.
   *
   * @default false
   */
  readonly createIngress?: boolean;
}

/**
 * The scheme of a load balancer the AWS Load Balancer Controller provisions
 * (`service.beta.kubernetes.io/aws-load-balancer-scheme`).
 */
export enum LoadBalancerScheme {
  /** Reachable only from inside the VPC (and networks routed to it): the controller's default. */
  INTERNAL = 'internal',
  /** Reachable from the internet (public subnets, public IPs). */
  INTERNET_FACING = 'internet-facing',
}

/**
 * Options of the AWS Load Balancer Controller (`PlatformAddon.awsLoadBalancerController`).
 */
export interface AwsLoadBalancerControllerAddonOptions extends AddonOptions {
  /** The EKS cluster name (`clusterName`, the controller's `--cluster-name`). */
  readonly clusterName: string;
  /**
   * The AWS region (`region`, `--aws-region`). Passed explicitly: with the IMDSv2 hop limit of 1 the
   * platform's nodes use, pods cannot read the instance metadata the controller otherwise discovers it from.
   */
  readonly region: string;
  /**
   * The VPC ID (`vpcId`, `--aws-vpc-id`). Give `vpcId` or `vpcTags`.
   *
   * @default - the VPC is looked up by `vpcTags`
   */
  readonly vpcId?: string;
  /**
   * Tags the VPC is looked up by (`vpcTags`, `--aws-vpc-tags`; all must match), e.g. `{ Name: '<cluster>' }`
   * (the platform's `aws.Network` tags its VPC `Name=<cluster name>`). Give `vpcId` or `vpcTags`.
   *
   * @default - none: `vpcId` is required
   */
  readonly vpcTags?: { [key: string]: string };
  /**
   * The controller's ServiceAccount in `kube-system` (the one its Pod Identity association names).
   *
   * @default PlatformAddon.AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT ('aws-load-balancer-controller')
   */
  readonly serviceAccountName?: string;
  /**
   * Controller replicas (one leader, the rest serve the webhooks and take over); a PodDisruptionBudget
   * with `maxUnavailable: 1` keeps all but one through node drains when there are two or more.
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Create the `alb` IngressClass (and its IngressClassParams) for ALB Ingresses. The platform exposes
   * models through the Istio gateway's NLB and needs none.
   *
   * @default false
   */
  readonly ingressClass?: boolean;
}

/**
 * Options of the EFA device plugin (`PlatformAddon.efaDevicePlugin`).
 */
export interface EfaDevicePluginAddonOptions extends AddonOptions {
  /**
   * The GPU pools whose nodes have EFA interfaces (their `llm-platform.io/gpu-pool` label values): the
   * plugin runs only there.
   */
  readonly gpuPools: string[];
}

/**
 * Options of the Istio ingress gateway (`PlatformAddon.istioGateway`, Istio's `gateway` chart), exposed
 * through a Network Load Balancer of the AWS Load Balancer Controller.
 */
export interface IstioGatewayAddonOptions extends AddonOptions {
  /**
   * The add-on (and Helm release) name.
   *
   * @default 'istio-ingress'
   */
  readonly name?: string;
  /**
   * Labels of the gateway pods (what `IngressGateway.selector` selects).
   *
   * @default { istio: 'ingressgateway' }
   */
  readonly labels?: { [key: string]: string };
  /**
   * The gateway pods' ServiceAccount.
   *
   * @default 'istio-ingressgateway'
   */
  readonly serviceAccountName?: string;
  /**
   * Internal (VPC only) or internet-facing NLB.
   *
   * @default LoadBalancerScheme.INTERNAL
   */
  readonly loadBalancerScheme?: LoadBalancerScheme;
  /**
   * Client CIDRs the NLB's security group admits (`spec.loadBalancerSourceRanges`).
   *
   * @default - the controller's default: the VPC CIDR for an internal NLB, 0.0.0.0/0 for an internet-facing one
   */
  readonly loadBalancerSourceRanges?: string[];
}

/**
 * Options of the Sigstore policy-controller (`PlatformAddon.sigstorePolicyController`).
 */
export interface SigstorePolicyControllerAddonOptions extends AddonOptions {
  /**
   * Webhook replicas (the chart's PodDisruptionBudget keeps one available: with a single replica it would block
   * every node drain).
   *
   * @default 2
   */
  readonly replicas?: number;
  /**
   * What the webhook does with an image no ClusterImagePolicy matches, in the namespaces it verifies
   * (`config-policy-controller` `no-match-policy`: `allow`, `warn` or `deny`; upstream's default is `deny`).
   * `allow` verifies exactly the images the policies name, as Kyverno's `verifyImages` does; the
   * platform's registry and digest rules still apply to every image.
   *
   * @default 'allow'
   */
  readonly noMatchPolicy?: string;
}

/**
 * Properties of a custom Helm add-on (`PlatformAddon.helmChart`).
 */
export interface HelmChartAddonProps {
  /** The add-on name (DNS-1123 label). */
  readonly name: string;
  /** The chart repository. */
  readonly repository: ChartRepository;
  /** The chart name. */
  readonly chart: string;
  /** The exact chart version. */
  readonly version: string;
  /** The namespace. */
  readonly namespace: string;
  /** The sync wave (see `SyncWave`). */
  readonly wave: number;
  /**
   * Helm values.
   *
   * @default - none
   */
  readonly values?: { [key: string]: any };
  /**
   * CRDs it installs.
   *
   * @default - none
   */
  readonly providesCrds?: string[];
  /**
   * CRDs it needs.
   *
   * @default - none
   */
  readonly requiresCrds?: string[];
  /**
   * Add-ons it needs first.
   *
   * @default - none
   */
  readonly dependsOn?: string[];
  /**
   * Server-side apply.
   *
   * @default false
   */
  readonly serverSideApply?: boolean;
  /**
   * Keep resources when the Application is deleted.
   *
   * @default false
   */
  readonly preserveResourcesOnDeletion?: boolean;
  /**
   * Differences to ignore.
   *
   * @default - none
   */
  readonly ignoreDifferences?: IgnoredDifference[];
  /**
   * Namespaces its objects land in besides `namespace`.
   *
   * @default - only `namespace`
   */
  readonly extraNamespaces?: string[];
  /**
   * The cluster-scoped kinds it creates (the platform AppProject allows exactly these).
   *
   * @default - none
   */
  readonly clusterResources?: ResourceKind[];
  /**
   * The images it runs (listed by `PlatformAddons.images`; checked by `requirePinnedImages`).
   *
   * @default - none declared
   */
  readonly images?: AddonImage[];
}

const PROMETHEUS_CRDS = ['alertmanagerconfigs', 'alertmanagers', 'podmonitors', 'probes', 'prometheusagents', 'prometheuses', 'prometheusrules', 'scrapeconfigs', 'servicemonitors', 'thanosrulers']
  .map((p) => `${p}.monitoring.coreos.com`);
const ISTIO_CRDS = [
  'authorizationpolicies.security.istio.io', 'destinationrules.networking.istio.io', 'envoyfilters.networking.istio.io',
  'gateways.networking.istio.io', 'peerauthentications.security.istio.io', 'proxyconfigs.networking.istio.io',
  'requestauthentications.security.istio.io', 'serviceentries.networking.istio.io', 'sidecars.networking.istio.io',
  'telemetries.telemetry.istio.io', 'virtualservices.networking.istio.io', 'wasmplugins.extensions.istio.io',
  'workloadentries.networking.istio.io', 'workloadgroups.networking.istio.io',
];
const CERT_MANAGER_CRDS = ['certificaterequests', 'certificates', 'challenges', 'clusterissuers', 'issuers', 'orders']
  .map((p) => `${p}.${p === 'challenges' || p === 'orders' ? 'acme.' : ''}cert-manager.io`);
/**
 * The CRDs of the Gateway API v1.5.1 standard channel: the resources of kubernetes-sigs/gateway-api
 * `config/crd/kustomization.yaml` at `v1.5.1` (`config/crd/standard/`, each file's `metadata.name`).
 */
const GATEWAY_API_CRDS = ['gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'referencegrants', 'backendtlspolicies', 'listenersets', 'tlsroutes']
  .map((p) => `${p}.gateway.networking.k8s.io`);
/**
 * The CRDs of the Gateway API Inference Extension v1.4.0: the resources of
 * kubernetes-sigs/gateway-api-inference-extension `config/crd/kustomization.yaml` at `v1.4.0` (`config/crd/bases/`).
 */
const INFERENCE_EXTENSION_CRDS = [
  'inferencepools.inference.networking.k8s.io',
  'inferencepools.inference.networking.x-k8s.io', 'inferencemodelrewrites.inference.networking.x-k8s.io',
  'inferenceobjectives.inference.networking.x-k8s.io', 'inferencepoolimports.inference.networking.x-k8s.io',
];
const CRD: ResourceKind = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
const VALIDATING_ADMISSION_POLICY: ResourceKind = { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' };
const VALIDATING_ADMISSION_POLICY_BINDING: ResourceKind = { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' };
const CLUSTER_ROLE: ResourceKind = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' };
const CLUSTER_ROLE_BINDING: ResourceKind = { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' };
const VALIDATING_WEBHOOK: ResourceKind = { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' };
const MUTATING_WEBHOOK: ResourceKind = { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' };
const RBAC = [CLUSTER_ROLE, CLUSTER_ROLE_BINDING];
/**
 * istio-system runs the CNI node agent, whose pods need hostPath volumes: Istio's "Install Istio with Pod
 * Security Admission" page labels it `pod-security.kubernetes.io/enforce: privileged`. The three Istio
 * add-ons sharing the namespace carry the same labels, so whichever creates it sets them.
 */
const ISTIO_SYSTEM_LABELS = { 'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/enforce-version': 'latest' };
const WEBHOOKS = [MUTATING_WEBHOOK, VALIDATING_WEBHOOK];
/** The CRDs of the AWS Load Balancer Controller chart 3.5.0 (`crds/crds.yaml`, `crds/gateway-crds.yaml`). */
const LBC_CRDS = ['albtargetcontrolconfigs.elbv2.k8s.aws', 'globalaccelerators.aga.k8s.aws', 'ingressclassparams.elbv2.k8s.aws',
  'targetgroupbindings.elbv2.k8s.aws', 'listenerruleconfigurations.gateway.k8s.aws', 'loadbalancerconfigurations.gateway.k8s.aws',
  'targetgroupconfigurations.gateway.k8s.aws'];
/**
 * The load balancer class the AWS Load Balancer Controller serves by default (docs/guide/service/nlb.md at
 * v3.5.0, "With LoadBalancerClass"); Services with a class are ignored by the in-tree cloud controller.
 */
const NLB_LOAD_BALANCER_CLASS = 'service.k8s.aws/nlb';
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const GPU_TOLERATION = { key: GpuPool.GPU_TAINT.key, operator: 'Exists', effect: GpuPool.GPU_TAINT.effect };
const ON_GPU_NODES = {
  nodeAffinity: {
    requiredDuringSchedulingIgnoredDuringExecution: {
      nodeSelectorTerms: [{ matchExpressions: [{ key: PlatformLabels.GPU_POOL, operator: 'Exists' }] }],
    },
  },
};

/**
 * The catalogue of platform add-ons: real charts with tested, pinned versions and typed values for
 * the settings the platform depends on. Each factory returns an `IPlatformAddon`;
 * `PlatformAddon.helmChart` wraps any other chart.
 *
 * Order (sync waves): CRD-owning operators (`SyncWave.CRD_OPERATORS`), then controllers
 * (`SyncWave.CONTROLLERS`), then the platform's policies and tenants' apps (ApplicationSets).
 */
export class PlatformAddon implements IPlatformAddon {
  /** The ServiceAccount of the AWS Load Balancer Controller (namespace `kube-system`), for its Pod Identity association. */
  public static readonly AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT = 'aws-load-balancer-controller';

  /** Kyverno (policy engine; owns the `kyverno.io` and `policies.kyverno.io` CRDs). */
  public static kyverno(options: KyvernoAddonOptions = {}): PlatformAddon {
    checkProps('gitops.KyvernoAddonOptions', options, 'options');
    const replicas = positiveInt('admissionControllerReplicas', options.admissionControllerReplicas ?? 3);
    return PlatformAddon.catalogue(options, {
      name: 'kyverno',
      repository: ChartRepository.helm('https://kyverno.github.io/kyverno'),
      chart: 'kyverno',
      version: '3.8.1',
      namespace: 'kyverno',
      clusterResources: [CRD, ...RBAC],
      wave: SyncWave.CRD_OPERATORS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: ['clusterpolicies.kyverno.io', 'policies.kyverno.io', 'policyexceptions.kyverno.io', 'validatingpolicies.policies.kyverno.io', 'policyexceptions.policies.kyverno.io'],
      values: { admissionController: { replicas } },
    });
  }

  /** OPA Gatekeeper (policy engine; owns the `*.gatekeeper.sh` CRDs). */
  public static gatekeeper(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'gatekeeper',
      repository: ChartRepository.helm('https://open-policy-agent.github.io/gatekeeper/charts'),
      chart: 'gatekeeper',
      version: '3.23.0',
      namespace: 'gatekeeper-system',
      clusterResources: [CRD, ...RBAC, ...WEBHOOKS],
      wave: SyncWave.CRD_OPERATORS,
      preserveResourcesOnDeletion: true,
      providesCrds: ['constrainttemplates.templates.gatekeeper.sh', 'configs.config.gatekeeper.sh', 'assign.mutations.gatekeeper.sh', 'assignmetadata.mutations.gatekeeper.sh'],
      values: { replicas: 3, auditInterval: 60 },
    });
  }

  /** cert-manager (webhook certificates for the OpenTelemetry operator and KServe). */
  public static certManager(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'cert-manager',
      repository: ChartRepository.helm('https://charts.jetstack.io'),
      chart: 'cert-manager',
      version: 'v1.18.2',
      namespace: 'cert-manager',
      extraNamespaces: ['kube-system'],
      clusterResources: [CRD, ...RBAC, ...WEBHOOKS],
      wave: SyncWave.CRD_OPERATORS,
      preserveResourcesOnDeletion: true,
      providesCrds: CERT_MANAGER_CRDS,
      values: { crds: { enabled: true, keep: true } },
    });
  }

  /** The Prometheus operator CRDs alone (ServiceMonitor, PodMonitor, PrometheusRule, ...). */
  public static prometheusOperatorCrds(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'prometheus-operator-crds',
      repository: ChartRepository.helm('https://prometheus-community.github.io/helm-charts'),
      chart: 'prometheus-operator-crds',
      version: '25.0.0',
      namespace: 'monitoring',
      clusterResources: [CRD],
      wave: SyncWave.CRD_OPERATORS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: PROMETHEUS_CRDS,
    });
  }

  /** Istio base (the Istio CRDs and the cluster-wide validation webhook). */
  public static istioBase(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'istio-base',
      namespaceLabels: ISTIO_SYSTEM_LABELS,
      repository: ChartRepository.helm('https://istio-release.storage.googleapis.com/charts'),
      chart: 'base',
      version: '1.30.3',
      namespace: 'istio-system',
      clusterResources: [CRD, VALIDATING_WEBHOOK],
      wave: SyncWave.CRD_OPERATORS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: ISTIO_CRDS,
      values: { defaultRevision: 'default' },
      // istiod patches the webhook's failurePolicy once it serves: without this Argo CD fights it.
      ignoreDifferences: [{ group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration', name: 'istiod-default-validator', jsonPointers: ['/webhooks/0/failurePolicy'] }],
    });
  }

  /**
   * istiod (the Istio control plane). Mesh-wide mutual TLS is on (`enableAutoMtls`), and the
   * platform's mesh component adds the STRICT `PeerAuthentication` in `istio-system` that refuses
   * plain text; egress is registry-only by default.
   */
  public static istiod(options: IstiodAddonOptions = {}): PlatformAddon {
    checkProps('gitops.IstiodAddonOptions', options, 'options');
    const replicas = positiveInt('replicas', options.replicas ?? 2);
    const cni = options.cni ?? true;
    const inferenceExtension = options.inferenceExtension ?? false;
    const meshConfig: any = {
      enableAutoMtls: true,
      accessLogFile: options.accessLogFile ?? '/dev/stdout',
      outboundTrafficPolicy: { mode: (options.registryOnlyEgress ?? true) ? 'REGISTRY_ONLY' : 'ALLOW_ANY' },
      enablePrometheusMerge: options.enablePrometheusMerge ?? true,
    };
    const providers = (options.extensionProviders ?? []).map((p, i) => extensionProvider(p, i));
    const names = providers.map((p) => p.name);
    const duplicate = names.find((n, i) => names.indexOf(n) !== i);
    if (duplicate !== undefined) {
      throw new ValidationError('extensionProviders', 'must name each provider once', duplicate, 'give every extension provider its own name');
    }
    if (providers.length > 0) meshConfig.extensionProviders = providers;
    const defaults = options.defaultConfig;
    if (defaults && (defaults.holdApplicationUntilProxyStarts !== undefined || defaults.proxyMetadata !== undefined)) {
      meshConfig.defaultConfig = {
        holdApplicationUntilProxyStarts: defaults.holdApplicationUntilProxyStarts,
        proxyMetadata: defaults.proxyMetadata ? { ...defaults.proxyMetadata } : undefined,
      };
    }
    return PlatformAddon.catalogue(options, {
      name: 'istiod',
      namespaceLabels: ISTIO_SYSTEM_LABELS,
      repository: ChartRepository.helm('https://istio-release.storage.googleapis.com/charts'),
      chart: 'istiod',
      version: '1.30.3',
      namespace: 'istio-system',
      clusterResources: [...RBAC, ...WEBHOOKS],
      wave: SyncWave.CONTROLLERS,
      dependsOn: cni ? ['istio-base', 'istio-cni'] : ['istio-base'],
      requiresCrds: ['peerauthentications.security.istio.io', 'destinationrules.networking.istio.io'],
      values: {
        // `pilot.*` is copied to the top level by the chart (templates/zzy_descope_legacy.yaml); `cni.enabled`
        // switches the injection template from istio-init to the istio-validation container (files/injection-template.yaml).
        // `pilot.env` becomes the istiod container's environment (templates/deployment.yaml, values quoted as strings)
        pilot: {
          autoscaleMin: replicas,
          replicaCount: replicas,
          cni: { enabled: cni },
          ...(inferenceExtension ? { env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'true' } } : {}),
        },
        meshConfig,
      },
    });
  }

  /**
   * The Istio CNI node agent (chart `cni`, a DaemonSet on every node): sets up the sidecar traffic
   * redirection when a pod's network is created, so meshed pods need no `istio-init` container with
   * NET_ADMIN/NET_RAW (refused by Pod Security `baseline` and `restricted`). Installed as Istio's
   * documentation installs it (`helm install istio-cni istio/cni -n istio-system`): chained to the
   * cluster's primary CNI (the AWS VPC CNI on EKS), ambient off, repair of pods started before the
   * agent on (the chart's defaults, set explicitly). Synced after Istio base and before istiod
   * (`SyncWave.NETWORK`). Its pods are privileged and use hostPath volumes: `istio-system` needs the
   * `privileged` Pod Security level.
   */
  public static istioCni(options: IstioCniAddonOptions = {}): PlatformAddon {
    checkProps('gitops.IstioCniAddonOptions', options, 'options');
    const exclude = options.excludeNamespaces ?? ['kube-system'];
    exclude.forEach((ns, i) => Names.validateDns1123Label(`excludeNamespaces[${i}]`, ns));
    return PlatformAddon.catalogue(options, {
      name: 'istio-cni',
      namespaceLabels: ISTIO_SYSTEM_LABELS,
      repository: ChartRepository.helm('https://istio-release.storage.googleapis.com/charts'),
      chart: 'cni',
      version: '1.30.3',
      namespace: 'istio-system',
      clusterResources: [...RBAC],
      wave: SyncWave.NETWORK,
      dependsOn: ['istio-base'],
      values: {
        chained: true,
        ambient: { enabled: false },
        repair: { enabled: true },
        excludeNamespaces: [...exclude],
      },
    });
  }

  /** The OpenTelemetry operator (OpenTelemetryCollector, Instrumentation). */
  public static openTelemetryOperator(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'opentelemetry-operator',
      repository: ChartRepository.helm('https://open-telemetry.github.io/opentelemetry-helm-charts'),
      chart: 'opentelemetry-operator',
      version: '0.90.4',
      namespace: 'opentelemetry-operator-system',
      clusterResources: [CRD, ...RBAC, ...WEBHOOKS],
      wave: SyncWave.CONTROLLERS,
      dependsOn: ['cert-manager'],
      requiresCrds: ['certificates.cert-manager.io', 'issuers.cert-manager.io'],
      providesCrds: ['opentelemetrycollectors.opentelemetry.io', 'instrumentations.opentelemetry.io'],
      serverSideApply: true,
      values: {
        manager: { collectorImage: { repository: 'otel/opentelemetry-collector-k8s' } },
        admissionWebhooks: { certManager: { enabled: true } },
      },
    });
  }

  /**
   * kube-prometheus-stack (Prometheus, Alertmanager, Grafana). CRDs come from
   * `prometheusOperatorCrds`; Prometheus selects every ServiceMonitor, PodMonitor and
   * PrometheusRule (not only the chart's own), so tenants' monitors are scraped.
   */
  public static kubePrometheusStack(options: KubePrometheusStackAddonOptions = {}): PlatformAddon {
    checkProps('gitops.KubePrometheusStackAddonOptions', options, 'options');
    const retention = options.retention ?? Duration.days(15);
    const days = retention.toDays({ integral: false });
    if (!(days >= 1) || !Number.isInteger(days)) {
      throw new ValidationError('retention', 'must be a whole number of days, at least one', `${days} days`, 'use e.g. Duration.days(15)');
    }
    return PlatformAddon.catalogue(options, {
      name: 'kube-prometheus-stack',
      repository: ChartRepository.helm('https://prometheus-community.github.io/helm-charts'),
      chart: 'kube-prometheus-stack',
      version: '77.11.1',
      namespace: 'monitoring',
      extraNamespaces: ['kube-system'],
      clusterResources: [...RBAC, ...WEBHOOKS],
      wave: SyncWave.CONTROLLERS,
      serverSideApply: true,
      dependsOn: ['prometheus-operator-crds'],
      requiresCrds: ['prometheuses.monitoring.coreos.com', 'alertmanagers.monitoring.coreos.com', 'servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com'],
      values: {
        crds: { enabled: false },
        grafana: { enabled: options.grafana ?? true },
        prometheus: {
          prometheusSpec: {
            retention: `${days}d`,
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
          },
        },
      },
    });
  }

  /** Karpenter (node autoscaling; owns NodePool, NodeClaim, EC2NodeClass). */
  public static karpenter(options: KarpenterAddonOptions): PlatformAddon {
    checkProps('gitops.KarpenterAddonOptions', options, 'options');
    if (!options || typeof options.clusterName !== 'string' || options.clusterName.trim() === '') {
      throw new ValidationError('clusterName', 'is required', options?.clusterName, 'pass the EKS cluster name the AWS layer creates');
    }
    if (typeof options.interruptionQueue !== 'string' || options.interruptionQueue.trim() === '') {
      throw new ValidationError('interruptionQueue', 'is required', options.interruptionQueue, 'pass the SQS interruption queue name the AWS layer creates');
    }
    const replicas = positiveInt('replicas', options.replicas ?? 2);
    return PlatformAddon.catalogue(options, {
      name: 'karpenter',
      repository: ChartRepository.oci('public.ecr.aws/karpenter'),
      chart: 'karpenter',
      version: '1.14.1',
      namespace: 'kube-system',
      clusterResources: [CRD, ...RBAC],
      wave: SyncWave.CONTROLLERS,
      preserveResourcesOnDeletion: true,
      createNamespace: false,
      providesCrds: ['nodepools.karpenter.sh', 'nodeclaims.karpenter.sh', 'ec2nodeclasses.karpenter.k8s.aws'],
      values: {
        replicas,
        settings: { clusterName: options.clusterName, interruptionQueue: options.interruptionQueue },
        serviceAccount: { name: 'karpenter' },
      },
    });
  }

  /**
   * The NVIDIA device plugin, standalone: EKS NVIDIA AMIs (AL2023 NVIDIA) already carry the driver
   * and the container toolkit, so nothing installs drivers (no GPU operator driver DaemonSet). It
   * runs on GPU nodes only and tolerates the platform's GPU taint.
   */
  public static nvidiaDevicePlugin(options: NvidiaDevicePluginAddonOptions = {}): PlatformAddon {
    checkProps('gitops.NvidiaDevicePluginAddonOptions', options, 'options');
    const gfd = options.gpuFeatureDiscovery ?? false;
    return PlatformAddon.catalogue(options, {
      name: 'nvidia-device-plugin',
      repository: ChartRepository.helm('https://nvidia.github.io/k8s-device-plugin'),
      chart: 'nvidia-device-plugin',
      version: '0.17.1',
      namespace: 'nvidia-gpu',
      // GPU feature discovery brings node-feature-discovery's CRDs and cluster RBAC
      clusterResources: gfd ? [CRD, ...RBAC] : [],
      wave: SyncWave.CONTROLLERS,
      values: {
        migStrategy: options.migStrategy ?? MigStrategy.NONE,
        failOnInitError: true,
        gfd: { enabled: gfd },
        nfd: { enabled: gfd },
        tolerations: [GPU_TOLERATION],
        affinity: ON_GPU_NODES,
      },
    });
  }

  /** The NVIDIA DCGM exporter (GPU metrics), scraped through a ServiceMonitor. */
  public static dcgmExporter(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'dcgm-exporter',
      repository: ChartRepository.helm('https://nvidia.github.io/dcgm-exporter/helm-charts'),
      chart: 'dcgm-exporter',
      version: '4.8.2',
      namespace: 'nvidia-gpu',
      clusterResources: [],
      wave: SyncWave.CONTROLLERS,
      requiresCrds: ['servicemonitors.monitoring.coreos.com'],
      values: {
        serviceMonitor: { enabled: true, interval: '15s' },
        tolerations: [GPU_TOLERATION],
        affinity: ON_GPU_NODES,
      },
    });
  }

  /** KEDA (event-driven autoscaling; owns ScaledObject and friends). */
  public static keda(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'keda',
      repository: ChartRepository.helm('https://kedacore.github.io/charts'),
      chart: 'keda',
      version: '2.20.2',
      namespace: 'keda',
      extraNamespaces: ['kube-system'],
      clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK, { group: 'apiregistration.k8s.io', kind: 'APIService' }],
      wave: SyncWave.CONTROLLERS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: ['scaledobjects.keda.sh', 'scaledjobs.keda.sh', 'triggerauthentications.keda.sh', 'clustertriggerauthentications.keda.sh'],
    });
  }

  /** The KServe CRDs (InferenceService, ServingRuntime, ...). */
  public static kserveCrds(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'kserve-crd',
      repository: ChartRepository.oci('ghcr.io/kserve/charts'),
      chart: 'kserve-crd',
      version: 'v0.19.0',
      namespace: 'kserve',
      clusterResources: [CRD],
      wave: SyncWave.CRD_OPERATORS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: ['inferenceservices.serving.kserve.io', 'servingruntimes.serving.kserve.io', 'clusterservingruntimes.serving.kserve.io', 'inferencegraphs.serving.kserve.io', 'trainedmodels.serving.kserve.io'],
    });
  }

  /** The KServe controller (needs `kserveCrds` and `certManager`). */
  public static kserve(options: KServeAddonOptions = {}): PlatformAddon {
    checkProps('gitops.KServeAddonOptions', options, 'options');
    const mode = options.deploymentMode ?? 'Standard';
    if (!['Standard', 'Knative'].includes(mode)) {
      throw new ValidationError('deploymentMode', "must be 'Standard' or 'Knative'", mode, "use 'Standard' (plain Deployments, formerly RawDeployment)");
    }
    return PlatformAddon.catalogue(options, {
      name: 'kserve',
      repository: ChartRepository.oci('ghcr.io/kserve/charts'),
      chart: 'kserve-resources',
      version: 'v0.19.0',
      namespace: 'kserve',
      clusterResources: [...RBAC, ...WEBHOOKS, { group: 'serving.kserve.io', kind: 'ClusterStorageContainer' }],
      wave: SyncWave.CONTROLLERS,
      dependsOn: ['kserve-crd', 'cert-manager'],
      requiresCrds: ['inferenceservices.serving.kserve.io', 'certificates.cert-manager.io'],
      // kserve-resources v0.19.0 values.yaml `kserve.controller.gateway.disableIngressCreation` (files/common/configmap-patch.yaml
      // writes it into the inferenceservice-config ConfigMap's `ingress` key)
      values: { kserve: { controller: { deploymentMode: mode, gateway: { disableIngressCreation: !(options.createIngress ?? false) } } } },
    });
  }

  /**
   * The Kubernetes Gateway API CRDs, standard channel v1.5.1 (the Gateway API release Istio 1.30.3 is built
   * against: `sigs.k8s.io/gateway-api v1.5.1` in its go.mod), installed from the upstream kustomization
   * `config/crd` of github.com/kubernetes-sigs/gateway-api at tag `v1.5.1`, unpatched: the GatewayClass,
   * Gateway, HTTPRoute, GRPCRoute, ReferenceGrant, BackendTLSPolicy, ListenerSet and TLSRoute CRDs, and the
   * `safe-upgrades.gateway.networking.k8s.io` ValidatingAdmissionPolicy with its binding (refuses
   * experimental-channel Gateway API CRDs over standard ones, and Gateway API CRDs older than v1.5.0).
   * Server-side applied, as upstream installs them (`kubectl apply --server-side`; HTTPRoute's CRD alone is
   * about 244 kB of JSON, near the 256 KiB annotation limit of client-side apply), kept when the Application
   * is deleted (deleting a CRD deletes every object of it). Everything is cluster-scoped: the Application
   * targets `kube-system` and creates no namespace. Synced in `SyncWave.CRD_OPERATORS`, before istiod and
   * every HTTPRoute or Gateway.
   */
  public static gatewayApiCrds(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'gateway-api-crds',
      repository: ChartRepository.git('https://github.com/kubernetes-sigs/gateway-api.git'),
      chart: 'config/crd',
      version: 'v1.5.1',
      namespace: 'kube-system',
      createNamespace: false,
      clusterResources: [CRD, VALIDATING_ADMISSION_POLICY, VALIDATING_ADMISSION_POLICY_BINDING],
      wave: SyncWave.CRD_OPERATORS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: GATEWAY_API_CRDS,
    });
  }

  /**
   * The Gateway API Inference Extension CRDs v1.4.0 (the release Istio 1.30.3 is built against:
   * `sigs.k8s.io/gateway-api-inference-extension v1.4.0` in its go.mod), installed from the upstream
   * kustomization `config/crd` of github.com/kubernetes-sigs/gateway-api-inference-extension at tag `v1.4.0`,
   * unpatched (its conversion-webhook and cert-manager sections are commented out): `InferencePool`
   * (`inference.networking.k8s.io/v1`) and the experimental `inference.networking.x-k8s.io` kinds
   * (InferencePool v1alpha2, InferenceObjective, InferenceModelRewrite, InferencePoolImport). Server-side
   * applied, kept when the Application is deleted, synced to `kube-system` (no namespace created) in
   * `SyncWave.CRD_OPERATORS`. Routing to InferencePools through Istio also needs
   * `PlatformAddon.istiod({ inferenceExtension: true })` and `PlatformAddon.gatewayApiCrds()`.
   */
  public static inferenceExtensionCrds(options: AddonOptions = {}): PlatformAddon {
    checkProps('gitops.AddonOptions', options, 'options');
    return PlatformAddon.catalogue(options, {
      name: 'inference-extension-crds',
      repository: ChartRepository.git('https://github.com/kubernetes-sigs/gateway-api-inference-extension.git'),
      chart: 'config/crd',
      version: 'v1.4.0',
      namespace: 'kube-system',
      createNamespace: false,
      clusterResources: [CRD],
      wave: SyncWave.CRD_OPERATORS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: INFERENCE_EXTENSION_CRDS,
    });
  }

  /**
   * The Kubeflow training operator v1 (PyTorchJob and the other `kubeflow.org/v1` jobs), installed from
   * its upstream kustomization (`manifests/overlays/standalone` of github.com/kubeflow/trainer at
   * `v1.9.4`, the release matching the platform's PyTorchJob CRD), server-side applied (its CRDs exceed
   * the client-side apply annotation limit, as upstream's `kubectl apply --server-side -k` says).
   * Patched through `spec.source.kustomize`: workers' `init-pytorch` container gets a restricted
   * securityContext and the mirrored image (`images: { 'pytorch-init': ... }`), the operator itself
   * runs non-root with a read-only root filesystem and resource limits.
   */
  public static trainingOperator(options: TrainingOperatorAddonOptions = {}): PlatformAddon {
    checkProps('gitops.TrainingOperatorAddonOptions', options, 'options');
    const maxTries = positiveInt('initContainerMaxTries', options.initContainerMaxTries ?? 100);
    return PlatformAddon.catalogue(options, {
      name: 'training-operator',
      repository: ChartRepository.git('https://github.com/kubeflow/trainer.git'),
      chart: 'manifests/overlays/standalone',
      version: 'v1.9.4',
      namespace: 'kubeflow',
      clusterResources: [CRD, ...RBAC, VALIDATING_WEBHOOK],
      wave: SyncWave.CONTROLLERS,
      serverSideApply: true,
      preserveResourcesOnDeletion: true,
      providesCrds: ['jaxjobs', 'mpijobs', 'paddlejobs', 'pytorchjobs', 'tfjobs', 'xgboostjobs'].map((p) => `${p}.kubeflow.org`),
      kustomize: { patches: trainingOperatorPatches(options.images?.['pytorch-init'] ?? INIT_IMAGE_UPSTREAM, maxTries) },
    });
  }

  /**
   * The AWS Load Balancer Controller (aws/eks-charts `stable/aws-load-balancer-controller` 3.5.0, controller
   * v3.5.0): provisions the Network Load Balancer of every `LoadBalancer` Service whose
   * `spec.loadBalancerClass` is `service.k8s.aws/nlb` (the Istio gateway's, `PlatformAddon.istioGateway`), so
   * the in-tree cloud controller never creates a Classic Load Balancer for it.
   *
   * - Identity: EKS Pod Identity for the ServiceAccount `kube-system/aws-load-balancer-controller` (no IRSA
   *   annotation); the AWS side associates the role with the upstream IAM policy.
   * - Region and VPC are passed (`--aws-region`, `--aws-vpc-id` or `--aws-vpc-tags`): the platform's nodes keep
   *   the IMDSv2 hop limit at 1, so the controller cannot discover them from instance metadata
   *   (docs/deploy/installation.md at v3.5.0, "Using the Amazon EC2 instance metadata server version 2").
   * - `enableServiceMutatorWebhook: false`: the chart's default webhook makes the controller the default for
   *   every new `LoadBalancer` Service, also those that did not ask for it (values.yaml / README at 3.5.0);
   *   off, it reconciles only Services that name its class.
   * - Webhook certificates from cert-manager (`enableCertManager`): without it the chart generates a new CA
   *   on every render (`genCA` in templates/_helpers.tpl), which Argo CD would apply at every sync.
   * - Two replicas spread over nodes (the chart's anti-affinity) with a PodDisruptionBudget, non-root,
   *   read-only root file system, all capabilities dropped, RuntimeDefault seccomp, no ALB IngressClass.
   */
  public static awsLoadBalancerController(options: AwsLoadBalancerControllerAddonOptions): PlatformAddon {
    checkProps('gitops.AwsLoadBalancerControllerAddonOptions', options, 'options');
    if (!options || typeof options.clusterName !== 'string' || !Names.isDns1123Label(options.clusterName.toLowerCase()) || /[^A-Za-z0-9-]/.test(options.clusterName)) {
      throw new ValidationError('clusterName', 'must be the EKS cluster name', options?.clusterName, 'pass the EKS cluster name the AWS layer creates');
    }
    if (typeof options.region !== 'string' || !AWS_REGION.test(options.region)) {
      throw new ValidationError('region', 'must be an AWS region', options.region, "use e.g. 'us-east-1'");
    }
    if (options.vpcId !== undefined && (typeof options.vpcId !== 'string' || !/^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/.test(options.vpcId))) {
      throw new ValidationError('vpcId', 'must be a VPC ID', options.vpcId, "use 'vpc-' and 8 or 17 hex digits, or pass vpcTags");
    }
    const vpcTags = options.vpcTags ?? {};
    for (const [k, v] of Object.entries(vpcTags)) {
      // the chart joins the tags as `k=v,k=v` (convertMapToCsv in templates/_helpers.tpl): no separators inside
      if (k === '' || typeof v !== 'string' || v === '' || /[,=]/.test(k) || /[,=]/.test(v)) {
        throw new ValidationError(`vpcTags.${k}`, "must be a non-empty tag key and value without ',' or '='", v, "use e.g. { Name: 'acme-llm-prod' }");
      }
    }
    if (options.vpcId === undefined && Object.keys(vpcTags).length === 0) {
      throw new ValidationError('vpcId', 'or vpcTags is required (the nodes\' IMDSv2 hop limit of 1 keeps the controller from discovering the VPC)', options.vpcId,
        "pass vpcTags: { Name: '<cluster name>' } (the tag aws.Network puts on its VPC) or the VPC ID");
    }
    const replicas = positiveInt('replicas', options.replicas ?? 2);
    const serviceAccount = Names.validateDns1123Subdomain('serviceAccountName', options.serviceAccountName ?? PlatformAddon.AWS_LOAD_BALANCER_CONTROLLER_SERVICE_ACCOUNT);
    const ingressClass = options.ingressClass ?? false;
    const values: any = {
      clusterName: options.clusterName,
      region: options.region,
      replicaCount: replicas,
      serviceAccount: { create: true, name: serviceAccount, annotations: {} },
      enableServiceMutatorWebhook: false,
      enableCertManager: true,
      createIngressClassResource: ingressClass,
      ingressClassParams: { create: ingressClass },
      securityContext: {
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      },
      resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
    };
    if (options.vpcId !== undefined) values.vpcId = options.vpcId;
    else values.vpcTags = { ...vpcTags };
    // templates/pdb.yaml renders the budget only with more than one replica
    if (replicas > 1) values.podDisruptionBudget = { maxUnavailable: 1 };
    return PlatformAddon.catalogue(options, {
      name: 'aws-load-balancer-controller',
      repository: ChartRepository.helm('https://aws.github.io/eks-charts'),
      chart: 'aws-load-balancer-controller',
      version: '3.5.0',
      namespace: 'kube-system',
      createNamespace: false,
      clusterResources: [CRD, ...RBAC, ...WEBHOOKS, ...(ingressClass ? [{ group: 'networking.k8s.io', kind: 'IngressClass' }, { group: 'elbv2.k8s.aws', kind: 'IngressClassParams' }] : [])],
      wave: SyncWave.CONTROLLERS,
      serverSideApply: true,
      // deleting the CRDs would delete every TargetGroupBinding, and with them the NLBs' targets
      preserveResourcesOnDeletion: true,
      dependsOn: ['cert-manager'],
      requiresCrds: ['certificates.cert-manager.io', 'issuers.cert-manager.io'],
      providesCrds: LBC_CRDS,
      values,
    });
  }

  /**
   * The EFA device plugin (aws/eks-charts `stable/aws-efa-k8s-device-plugin` v0.5.30, plugin v0.5.20): advertises
   * each node's EFA interfaces as `vpc.amazonaws.com/efa`, which multi-node training pods request. Installed
   * into `kube-system` as the EKS user guide installs it, and scheduled only on the given GPU pools
   * (`llm-platform.io/gpu-pool` In the pools, in place of the chart's instance-type list; the chart keeps its
   * `eks.amazonaws.com/compute-type NotIn auto` term) with the platform's GPU taint tolerated. Its pod is
   * privileged with hostNetwork and hostPath volumes (`/var/lib/kubelet/device-plugins`, `/dev/infiniband`),
   * as upstream ships it: `kube-system` is outside the platform's policy set and Pod Security levels.
   */
  public static efaDevicePlugin(options: EfaDevicePluginAddonOptions): PlatformAddon {
    checkProps('gitops.EfaDevicePluginAddonOptions', options, 'options');
    const pools = options?.gpuPools;
    if (!Array.isArray(pools) || pools.length === 0) {
      throw new ValidationError('gpuPools', 'must name at least one GPU pool with EFA', pools, 'pass the names of the GPU pools whose instances have EFA interfaces');
    }
    pools.forEach((p, i) => Names.validateDns1123Label(`gpuPools[${i}]`, p));
    const duplicate = pools.find((p, i) => pools.indexOf(p) !== i);
    if (duplicate !== undefined) {
      throw new ValidationError('gpuPools', 'must name each pool once', duplicate, 'remove the duplicate');
    }
    return PlatformAddon.catalogue(options, {
      name: 'aws-efa-k8s-device-plugin',
      repository: ChartRepository.helm('https://aws.github.io/eks-charts'),
      chart: 'aws-efa-k8s-device-plugin',
      version: 'v0.5.30',
      namespace: 'kube-system',
      createNamespace: false,
      clusterResources: [],
      wave: SyncWave.CONTROLLERS,
      values: {
        // templates/daemonset.yaml: one required node-affinity term per key (`<key> In <values>`)
        supportedInstanceLabels: { keys: [PlatformLabels.GPU_POOL], values: [...pools].sort() },
        tolerations: [GPU_TOLERATION],
      },
    });
  }

  /**
   * The Istio ingress gateway (Istio's `gateway` chart 1.30.3), its Service a Network Load Balancer of the AWS
   * Load Balancer Controller: `type: LoadBalancer` with `loadBalancerClass: service.k8s.aws/nlb` (the in-tree
   * cloud controller ignores Services with a class, so no Classic Load Balancer is ever made) and the
   * controller's annotations (docs/guide/service/annotations.md at v3.5.0): the scheme (internal unless asked),
   * `ip` targets (the pods, through the VPC CNI), and the health check on the gateway's readiness endpoint
   * (HTTP `/healthz/ready` on the status port 15021, the probe istiod's gateway injection template gives the
   * proxy). Its namespace carries `elbv2.k8s.aws/pod-readiness-gate-inject: enabled`, so rollouts wait for healthy NLB
   * targets. Needs `awsLoadBalancerController` (and `istiod`, whose injector configures the pods).
   */
  public static istioGateway(options: IstioGatewayAddonOptions = {}): PlatformAddon {
    checkProps('gitops.IstioGatewayAddonOptions', options, 'options');
    const scheme = options.loadBalancerScheme ?? LoadBalancerScheme.INTERNAL;
    if (!Object.values(LoadBalancerScheme).includes(scheme)) {
      throw new ValidationError('loadBalancerScheme', 'must be a LoadBalancerScheme', scheme, 'use LoadBalancerScheme.INTERNAL or LoadBalancerScheme.INTERNET_FACING');
    }
    const labels = Names.validateLabels('labels', options.labels ?? { istio: 'ingressgateway' });
    if (Object.keys(labels).length === 0) {
      throw new ValidationError('labels', 'must hold at least one label (the Gateway selects the pods by them)', labels, "use e.g. { istio: 'ingressgateway' }");
    }
    const serviceAccount = Names.validateDns1123Subdomain('serviceAccountName', options.serviceAccountName ?? 'istio-ingressgateway');
    const ranges = options.loadBalancerSourceRanges;
    ranges?.forEach((r, i) => {
      if (typeof r !== 'string' || !isIpv4Cidr(r)) {
        throw new ValidationError(`loadBalancerSourceRanges[${i}]`, 'must be an IPv4 CIDR', r, "use e.g. '203.0.113.0/24'");
      }
    });
    if (ranges !== undefined && ranges.length === 0) {
      throw new ValidationError('loadBalancerSourceRanges', 'must list at least one CIDR when given', ranges, 'omit it for the controller\'s default, or list the client CIDRs');
    }
    const service: any = {
      type: 'LoadBalancer',
      loadBalancerClass: NLB_LOAD_BALANCER_CLASS,
      annotations: {
        'service.beta.kubernetes.io/aws-load-balancer-scheme': scheme,
        'service.beta.kubernetes.io/aws-load-balancer-nlb-target-type': 'ip',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-protocol': 'http',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-port': '15021',
        'service.beta.kubernetes.io/aws-load-balancer-healthcheck-path': '/healthz/ready',
      },
    };
    if (ranges) service.loadBalancerSourceRanges = [...ranges];
    return PlatformAddon.catalogue(options, {
      name: options.name ?? 'istio-ingress',
      repository: ChartRepository.helm('https://istio-release.storage.googleapis.com/charts'),
      chart: 'gateway',
      version: '1.30.3',
      namespace: 'istio-ingress',
      clusterResources: [],
      // after istiod (whose injector configures the gateway pods, `image: auto`, with istiod's proxyv2) and the
      // controller that provisions its NLB, before the platform components
      wave: SyncWave.INGRESS,
      dependsOn: ['istiod', 'aws-load-balancer-controller'],
      // docs/deploy/pod_readiness_gate.md at v3.5.0: with `ip` targets, the controller's pod webhook gives the gateway
      // pods a readiness gate that turns true only once the NLB target is healthy, so a rollout never leaves the
      // target group without a healthy target
      namespaceLabels: { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' },
      values: { labels, serviceAccount: { name: serviceAccount }, service },
    });
  }

  /**
   * The Sigstore policy-controller (sigstore/helm-charts `policy-controller` 0.10.6, policy-controller v0.13.1):
   * verifies image signatures against `ClusterImagePolicy` objects (its CRD `clusterimagepolicies.policy.sigstore.dev`
   * and `trustroots.policy.sigstore.dev` come with the chart), for platforms whose admission engines cannot
   * (ValidatingAdmissionPolicy, Gatekeeper). Its webhooks only see Pods in namespaces labelled
   * `policy.sigstore.dev/include: "true"` (chart `webhook.namespaceSelector`). Installed as the docs install it
   * (`helm install policy-controller -n cosign-system sigstore/policy-controller`), with the webhook and the
   * post-delete lease cleanup Job non-root, read-only, without privilege escalation or capabilities, RuntimeDefault
   * seccomp (the chart's defaults leave the pod-level context and the cleanup Job's unset).
   */
  public static sigstorePolicyController(options: SigstorePolicyControllerAddonOptions = {}): PlatformAddon {
    checkProps('gitops.SigstorePolicyControllerAddonOptions', options, 'options');
    const replicas = positiveInt('replicas', options.replicas ?? 2);
    const noMatch = options.noMatchPolicy ?? 'allow';
    // pkg/config/store.go at v0.13.1: DenyAll, AllowAll, WarnAll (anything else is read as deny)
    if (!['allow', 'warn', 'deny'].includes(noMatch)) {
      throw new ValidationError('noMatchPolicy', "must be 'allow', 'warn' or 'deny'", noMatch, "use 'allow' (verify what the policies name) or 'deny'");
    }
    const containerSecurity = {
      enabled: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      runAsUser: 65532,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    };
    return PlatformAddon.catalogue(options, {
      name: 'sigstore-policy-controller',
      releaseName: 'policy-controller',
      repository: ChartRepository.helm('https://sigstore.github.io/helm-charts'),
      chart: 'policy-controller',
      version: '0.10.6',
      namespace: 'cosign-system',
      clusterResources: [CRD, ...RBAC, ...WEBHOOKS],
      wave: SyncWave.CRD_OPERATORS,
      preserveResourcesOnDeletion: true,
      providesCrds: ['clusterimagepolicies.policy.sigstore.dev', 'trustroots.policy.sigstore.dev'],
      namespaceLabels: { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' },
      values: {
        installCRDs: true,
        webhook: {
          replicaCount: replicas,
          configData: { 'no-match-policy': noMatch },
          // templates/webhook/deployment_webhook.yaml: `webhook.securityContext` is the pod's, `webhook.podSecurityContext` the container's
          securityContext: { enabled: true, runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, fsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          podSecurityContext: containerSecurity,
        },
        leasescleanup: {
          podSecurityContext: containerSecurity,
          resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '100m', memory: '128Mi' } },
        },
      },
    });
  }

  /**
   * The images an add-on of the catalogue runs (what to mirror) and the chart values each one sets,
   * by add-on name (`istiod`, `kube-prometheus-stack`, ...).
   */
  public static imagesOf(addon: string): AddonImage[] {
    checkArgs('gitops.PlatformAddon#imagesOf', [addon]);
    const slots = IMAGE_SLOTS[addon];
    if (!slots) {
      throw new ValidationError('addon', 'is not an add-on of the catalogue', addon, `use one of ${Object.keys(IMAGE_SLOTS).sort().join(', ')}`);
    }
    return images(slots, undefined);
  }

  /** The names of the catalogue's add-ons (the factories of this class), sorted. */
  public static catalogueNames(): string[] {
    return Object.keys(IMAGE_SLOTS).sort();
  }

  /** Any other Helm chart as an add-on. */
  public static helmChart(props: HelmChartAddonProps): PlatformAddon {
    checkProps('gitops.HelmChartAddonProps', props, 'props');
    return new PlatformAddon({ ...props });
  }

  private static catalogue(options: AddonOptions, config: PlatformAddonConfig): PlatformAddon {
    const slots = IMAGE_SLOTS[config.name] ?? [];
    const pinned = imageValues(config.name, slots, options.images);
    if (config.kustomize) {
      return new PlatformAddon({
        ...config,
        version: options.version ?? config.version,
        namespace: options.namespace ?? config.namespace,
        images: images(slots, options.images),
        kustomize: {
          ...config.kustomize,
          images: slots.filter((s) => s.kustomizeImage && options.images?.[s.name]).map((s) => `${s.kustomizeImage}=${options.images![s.name]}`),
        },
      });
    }
    return new PlatformAddon({
      ...config,
      version: options.version ?? config.version,
      namespace: options.namespace ?? config.namespace,
      // typed values, then the pinned images, then the user's raw values (the escape hatch wins)
      values: deepMerge(deepMerge(config.values ?? {}, pinned), options.values),
      images: images(slots, options.images),
    });
  }

  /** The add-on name. */
  public readonly name: string;
  private readonly config: PlatformAddonConfig;

  private constructor(config: PlatformAddonConfig) {
    Names.validateDns1123Label('name', config.name);
    validatePinnedVersion('version', config.version);
    Names.validateDns1123Label('namespace', config.namespace);
    if (!Number.isInteger(config.wave)) {
      throw new ValidationError('wave', 'must be an integer', config.wave, 'use a SyncWave constant or an integer');
    }
    this.name = config.name;
    this.config = config;
  }

  /** @inheritdoc */
  public bind(_scope: Construct, _context: AddonBindContext): PlatformAddonConfig {
    return { ...this.config };
  }
}

function images(slots: ImageSlot[], given: { [name: string]: string } | undefined): AddonImage[] {
  return distinctImages(slots).map((slot) => ({
    name: slot.name,
    upstream: slot.upstream,
    reference: given?.[slot.name],
    valuesPaths: slots.filter((x) => x.name === slot.name).flatMap(slotPaths),
  }));
}

function extensionProvider(p: IstioExtensionProvider, i: number): any {
  if (typeof p.name !== 'string' || !/^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(p.name)) {
    throw new ValidationError(`extensionProviders[${i}].name`, 'must be a provider name (letters, digits, -, _ and .)', p.name, "use e.g. 'otel-tracing'");
  }
  const kinds = [p.openTelemetryTracing, p.openTelemetryAccessLog, p.prometheus ? true : undefined].filter((x) => x !== undefined);
  if (kinds.length !== 1) {
    throw new ValidationError(`extensionProviders[${i}]`, 'must set exactly one of openTelemetryTracing, openTelemetryAccessLog or prometheus', p.name,
      'split it into one provider per backend');
  }
  const endpoint = (e: IstioOtlpEndpoint, field: string) => {
    if (typeof e.service !== 'string' || e.service.trim() === '' || /\s/.test(e.service)) {
      throw new ValidationError(`extensionProviders[${i}].${field}.service`, 'must be a service host name', e.service, "use '<service>.<namespace>.svc.cluster.local'");
    }
    if (!Number.isInteger(e.port) || e.port < 1 || e.port > 65535) {
      throw new ValidationError(`extensionProviders[${i}].${field}.port`, 'must be a port number', e.port, 'use e.g. 4317 (OTLP/gRPC)');
    }
    return { service: e.service, port: e.port };
  };
  if (p.openTelemetryTracing) return { name: p.name, opentelemetry: endpoint(p.openTelemetryTracing, 'openTelemetryTracing') };
  if (p.openTelemetryAccessLog) return { name: p.name, envoyOtelAls: endpoint(p.openTelemetryAccessLog, 'openTelemetryAccessLog') };
  return { name: p.name, prometheus: {} };
}

function trainingOperatorPatches(initImage: string, maxTries: number): KustomizePatch[] {
  return [
    { kind: 'Deployment', name: OPERATOR_DEPLOYMENT, patch: YAML.stringify(operatorPatch(initImage, maxTries), { blockQuote: 'literal' }) },
    { kind: 'Namespace', name: 'kubeflow', patch: YAML.stringify(NAMESPACE_DELETE_PATCH) },
  ];
}

function positiveInt(prop: string, n: number): number {
  if (!Number.isInteger(n) || n < 1) {
    throw new ValidationError(prop, 'must be a positive integer', n, 'use e.g. 2');
  }
  return n;
}

function isIpv4Cidr(value: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(value);
  return m !== null && m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}
