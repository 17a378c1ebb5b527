import { Duration } from 'cdk8s';
import type { ObjectLockMode } from '../aws/model-store';
import type { AccountServiceMode } from '../aws/security-baseline';
import { GpuInstanceType } from '../core/gpu-instance-type';
import { KubernetesVersion } from '../core/kubernetes-version';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { LoadBalancerScheme } from '../gitops/platform-addon';
import type { ModelServingOptions } from '../k8s/serving/model-server';
import { HuggingFaceModelSourceOptions, ModelSource, PvcModelSourceOptions, WeightVerification } from '../k8s/serving/model-source';
import { WasmPhase } from '../mesh/content-filter';
import { ProtoDescriptorSource, TranscoderPrintOptions } from '../mesh/grpc-json-transcoder';
import { EndpointPickerFailureMode, EndpointPickerScorerWeight } from '../mesh/inference-pool-route';
import { CertificateIssuerReference } from '../mesh/ingress-gateway';
import { ImageVerificationProps, SignatureEngine } from '../policy/image-verification';
import { PolicyExceptionProps } from '../policy/policy-exception';
import { PolicyAction } from '../policy/policy-rule';
import { PolicyEngine } from '../policy/policy-set';

/**
 * What every cluster of a platform shares: everything of a `PlatformSpec` but where it runs (environment,
 * region, account). A `FleetSpec` writes these definitions once for all its environments and clusters.
 */
export interface PlatformSharedSpec {
  /** The platform name (DNS-1123 label), e.g. `acme-llm`. Prefix of the cluster, bucket and repository names. */
  readonly name: string;
  /**
   * The EKS cluster and its network.
   *
   * @default - Kubernetes 1.34, private endpoint, 3 AZs, 10.0.0.0/16, no extra principals
   */
  readonly cluster?: ClusterSpec;
  /**
   * The system node pool (controllers, gateways, collectors).
   *
   * @default - m7i.xlarge, 3..6 nodes
   */
  readonly systemPool?: SystemPoolSpec;
  /** The GPU node pools (at least one). */
  readonly gpuPools: GpuPoolSpec[];
  /** The tenants (at least one). */
  readonly tenants: TenantSpec[];
  /**
   * The models served.
   *
   * @default - none
   */
  readonly models?: ModelSpec[];
  /**
   * LoRA fine-tuning jobs.
   *
   * @default - none
   */
  readonly fineTuningJobs?: FineTuningJobSpec[];
  /**
   * Images the platform itself runs (weight sync, GPU agents, collector), e.g. mirrors in the platform registry.
   *
   * @default - the upstream images pinned by the layers (`k8s.ServingImages`)
   */
  readonly images?: PlatformImagesSpec;
  /**
   * Admission policies.
   *
   * @default - the baseline catalogue on ValidatingAdmissionPolicy, images only from the platform registry
   */
  readonly policy?: PolicySpec;
  /**
   * The Istio mesh (STRICT mTLS always; an ingress gateway when hosts are set).
   *
   * @default - STRICT mTLS, no ingress gateway
   */
  readonly mesh?: MeshSpec;
  /** The GitOps repository Argo CD syncs the rendered manifests from. */
  readonly gitops: GitOpsSpec;
  /**
   * Telemetry backends.
   *
   * @default - in-cluster Prometheus only, dashboards on
   */
  readonly observability?: ObservabilitySpec;
  /**
   * Audit trail and security findings.
   *
   * @default - CloudTrail + Security Hub + GuardDuty, no Splunk forwarding
   */
  readonly audit?: AuditSpec;
}

/**
 * The whole platform in one typed value: read by `AwsPlatformStack` (Terraform) and
 * `KubernetesPlatform` (Kubernetes), so names line up across both without running Terraform.
 * Validate it with `PlatformSpecValidator.validate(spec)` (every problem, each naming its spec path).
 */
export interface PlatformSpec extends PlatformSharedSpec {
  /** The environment (DNS-1123 label), e.g. `prod`. Suffix of the cluster and bucket names; the GitOps environment directory. */
  readonly environment: string;
  /** The AWS region, e.g. `us-east-1`. */
  readonly region: string;
  /** The 12-digit AWS account id (the provider only accepts this account; the ECR registry is in it). */
  readonly accountId: string;
}

/**
 * The EKS cluster and its VPC.
 */
export interface ClusterSpec {
  /**
   * Kubernetes version.
   *
   * @default KubernetesVersion.DEFAULT
   */
  readonly version?: KubernetesVersion;
  /**
   * CIDRs allowed to reach a public API endpoint; empty keeps the endpoint private.
   *
   * @default - private endpoint only
   */
  readonly publicAccessCidrs?: string[];
  /**
   * IAM principal ARNs with cluster-admin access (EKS access entries).
   *
   * @default - none
   */
  readonly adminPrincipalArns?: string[];
  /**
   * IAM principal ARNs with read-only access.
   *
   * @default - none
   */
  readonly viewerPrincipalArns?: string[];
  /**
   * FIPS 140-validated endpoints and FIPS AMIs.
   *
   * @default false
   */
  readonly fips?: boolean;
  /**
   * Availability zones.
   *
   * @default - the first three of the region (`<region>a`, `b`, `c`)
   */
  readonly availabilityZones?: string[];
  /**
   * VPC CIDR.
   *
   * @default '10.0.0.0/16'
   */
  readonly vpcCidr?: string;
  /**
   * How operators (and the Argo CD bootstrap) reach the Kubernetes API. The endpoint is private unless
   * `publicAccessCidrs` is set, so a private cluster needs a way into the VPC: say which.
   *
   * @default - `PUBLIC_ENDPOINT` when `publicAccessCidrs` is set; otherwise none is declared and synthesis
   * warns that the private endpoint is reachable only from inside the VPC
   */
  readonly accessPath?: ClusterAccessPath;
  /**
   * The Session Manager admin host (with `accessPath: ClusterAccessPath.ADMIN_HOST`).
   *
   * @default - t3.small, no EKS access entry for the host's role
   */
  readonly adminHost?: AdminHostSpec;
  /**
   * Create the AWS Load Balancer Controller's Pod Identity role (`kube-system/aws-load-balancer-controller`).
   *
   * @default - true when the mesh has an ingress gateway (`mesh.ingressHosts`), whose NLB the controller makes
   */
  readonly loadBalancerController?: boolean;
}

/**
 * How operators reach a cluster's Kubernetes API (EKS User Guide, "Cluster API server endpoint": a
 * private endpoint is reachable from the VPC and networks connected to it).
 */
export enum ClusterAccessPath {
  /**
   * A Session Manager admin host in a private subnet (no inbound rules, no SSH keys), with the VPC
   * endpoints Session Manager needs; operators run `aws ssm start-session` and `kubectl` from it.
   */
  ADMIN_HOST = 'admin-host',
  /** The public endpoint, reachable only from `publicAccessCidrs` (plus the private endpoint). */
  PUBLIC_ENDPOINT = 'public-endpoint',
  /** A network you connect to the VPC yourself (VPN, Direct Connect, Transit Gateway, peering); nothing is created. */
  PRIVATE_NETWORK = 'private-network',
}

/**
 * The Session Manager admin host (`ClusterAccessPath.ADMIN_HOST`).
 */
export interface AdminHostSpec {
  /**
   * EC2 instance type.
   *
   * @default 't3.small'
   */
  readonly instanceType?: string;
  /**
   * Give the host's IAM role cluster-admin access (an EKS access entry). Without it, operators use
   * their own admin role (`adminPrincipalArns`) from the host.
   *
   * @default false
   */
  readonly clusterAdmin?: boolean;
}

/**
 * The system (non-GPU) managed node group.
 */
export interface SystemPoolSpec {
  /**
   * Instance types.
   *
   * @default ['m7i.xlarge']
   */
  readonly instanceTypes?: string[];
  /**
   * Minimum nodes.
   *
   * @default 3
   */
  readonly minNodes?: number;
  /**
   * Maximum nodes.
   *
   * @default 6
   */
  readonly maxNodes?: number;
}

/**
 * How a GPU pool's nodes are provisioned.
 */
export enum GpuProvisioning {
  /** An EKS managed node group (fixed min/max, always-on baseline). */
  MANAGED_NODE_GROUP = 'managed-node-group',
  /** A Karpenter NodePool + EC2NodeClass (scale from zero, consolidation). */
  KARPENTER = 'karpenter',
  /** Both: a managed node group for the baseline (`minNodes`) and Karpenter for bursts, same labels and taints. */
  MANAGED_NODE_GROUP_AND_KARPENTER = 'managed-node-group-and-karpenter',
}

/**
 * Purchase option of GPU nodes.
 */
export enum GpuCapacityType {
  /** On-Demand (serving default). */
  ON_DEMAND = 'on-demand',
  /** Spot (interruptible; fine-tuning with checkpoints, not latency-critical serving). */
  SPOT = 'spot',
}

/**
 * A GPU node pool.
 */
export interface GpuPoolSpec {
  /** Pool name (DNS-1123 label), the value of the `llm-platform.io/gpu-pool` node label, e.g. `a10g`. */
  readonly name: string;
  /** Instance types of one GPU model. */
  readonly instanceTypes: GpuInstanceType[];
  /** The most nodes the pool scales to (per provisioner). */
  readonly maxNodes: number;
  /**
   * The fewest nodes (managed node group): a warm baseline that is always up. 0 means the first apply
   * never waits for GPU stock or quota, and without `desiredNodes` or Karpenter the pool has no nodes.
   *
   * @default 0
   */
  readonly minNodes?: number;
  /**
   * The initial node count (managed node group).
   *
   * @default - minNodes
   */
  readonly desiredNodes?: number;
  /**
   * Purchase option.
   *
   * @default GpuCapacityType.ON_DEMAND
   */
  readonly capacityType?: GpuCapacityType;
  /**
   * Elastic Fabric Adapter (multi-node training), managed node group only: every EFA interface of the
   * instance type (`GpuInstanceType.maxEfaInterfaces`, 32 on p5.48xlarge), one zone, a cluster placement
   * group. Only for instance types with EFA.
   *
   * @default false
   */
  readonly efa?: boolean;
  /**
   * An EC2 Capacity Block for ML the pool's managed node group launches into: one instance type (the
   * reservation's), `minNodes` 0 (EKS scales the group to 0 before the reservation ends), the
   * reservation's zone. `desiredNodes` starts nodes once the reservation is active.
   *
   * @default - no Capacity Block
   */
  readonly capacityBlock?: GpuCapacityBlockSpec;
  /**
   * The one Availability Zone the pool's managed node group launches in (its private subnet), one of the
   * cluster's zones. EFA pools are always in one zone: this picks which.
   *
   * @default - every zone; EFA pools the first; Capacity Block pools the reservation's
   */
  readonly availabilityZone?: string;
  /**
   * How nodes are provisioned.
   *
   * @default GpuProvisioning.MANAGED_NODE_GROUP
   */
  readonly provisioning?: GpuProvisioning;
}

/**
 * An EC2 Capacity Block for ML reservation (`aws ec2 describe-capacity-reservations`).
 */
export interface GpuCapacityBlockSpec {
  /** The capacity reservation id of the Capacity Block (`cr-` and 17 hex digits). */
  readonly reservationId: string;
  /** Its Availability Zone, one of the cluster's zones, e.g. `us-east-1a`. */
  readonly availabilityZone: string;
}

/**
 * A tenant: namespace, GPU quota, groups.
 */
export interface TenantSpec {
  /** Tenant name (DNS-1123 label), also its namespace, GitOps directory and Argo CD project. */
  readonly name: string;
  /**
   * GPUs the tenant may use together (0: no GPU workloads).
   *
   * @default 0
   */
  readonly gpuQuota?: number;
  /**
   * Identity-provider groups with admin rights in the namespace and the Argo CD project.
   *
   * @default ['<tenant>-admins']
   */
  readonly adminGroups?: string[];
  /**
   * Groups with read-only rights.
   *
   * @default ['<tenant>-viewers']
   */
  readonly viewerGroups?: string[];
}

/**
 * Where a model's weights come from, in the spec's own words (kept for specs written before issue 15):
 * each factory returns the one weights type, `k8s.ModelSource`. Prefer `ModelSource.modelStore(prefix,
 * versionId)`, `ModelSource.huggingFace({...})` and `ModelSource.pvc({...})`.
 *
 * @deprecated use `k8s.ModelSource` (`ModelSource.modelStore` for the platform's model store)
 */
export class ModelWeights {
  /**
   * Weights in the platform's model store.
   *
   * @param prefix key prefix ending with `/`, e.g. `models/llama3-8b/`
   * @param versionId the version folder (pinned), e.g. `2024-06-01`
   * @deprecated use `ModelSource.modelStore(prefix, versionId)`
   */
  public static fromModelStore(prefix: string, versionId: string): ModelSource {
    checkArgs('platform.ModelWeights#fromModelStore', [prefix, versionId]);
    return ModelSource.modelStore(prefix, versionId);
  }

  /**
   * Weights from the Hugging Face Hub at a pinned commit (checked by the spec validator).
   *
   * @deprecated use `ModelSource.huggingFace(options)`
   */
  public static huggingFace(options: HuggingFaceModelSourceOptions): ModelSource {
    checkProps('k8s.HuggingFaceModelSourceOptions', options, 'options');
    return ModelSource._unchecked(options, undefined);
  }

  /**
   * Weights on a PersistentVolumeClaim in the tenant namespace (checked by the spec validator).
   *
   * @deprecated use `ModelSource.pvc(options)`
   */
  public static pvc(options: PvcModelSourceOptions): ModelSource {
    checkProps('k8s.PvcModelSourceOptions', options, 'options');
    return ModelSource._unchecked(undefined, options);
  }

  private constructor() {}
}

/**
 * A model's service-level objectives (alerts and recording rules).
 */
export interface ModelSloSpec {
  /**
   * Availability target in (0, 1); the error ratio comes from the runtime's request counters, or from the
   * Istio sidecars for runtimes without them (vLLM).
   *
   * @default - the observability layer's default (0.995)
   */
  readonly availabilityTarget?: number;
  /**
   * p99 time to first token.
   *
   * @default - the observability layer's default
   */
  readonly timeToFirstTokenP99?: Duration;
  /**
   * p99 inter-token latency.
   *
   * @default - the observability layer's default
   */
  readonly interTokenLatencyP99?: Duration;
}

/**
 * A candidate version served next to the stable one, with a traffic split.
 */
export interface CanarySpec {
  /** The candidate version id (DNS-1123 label value), e.g. `2024-07-01`. */
  readonly version: string;
  /**
   * The candidate image.
   *
   * @default - the model's image
   */
  readonly image?: string;
  /**
   * The candidate weights.
   *
   * @default - the model's weights
   */
  readonly weights?: ModelSource;
  /**
   * Percentage of traffic sent to the candidate.
   *
   * @default 5
   */
  readonly trafficPercentage?: number;
  /**
   * Candidate replicas (counted against the tenant quota).
   *
   * @default 1
   */
  readonly replicas?: number;
}

/**
 * A served model: where it runs and where its weights come from, plus every serving option the building
 * blocks offer (`k8s.ModelServingOptions`: runtime, image, size, GPUs, memory, replicas, autoscaling,
 * context and batching flags, extra args, env, timings, weight verification, ...) with their defaults.
 *
 * The options are inherited rather than nested under a `serving` field, so the spec stays flat
 * (`models[i].maxModelLength`, as on `ModelServer`) and the fields it always had (`runtime`, `image`,
 * `gpusPerReplica`, `replicas`) keep their paths.
 */
export interface ModelSpec extends ModelServingOptions {
  /** Model name (DNS-1123 label, at most 53 characters): Deployment, Service and ServiceAccount name. */
  readonly name: string;
  /** The tenant it runs in (a `tenants[].name`). */
  readonly tenant: string;
  /** The weights. */
  readonly weights: ModelSource;
  /** The GPU pool it runs on (a `gpuPools[].name`). */
  readonly gpuPool: string;
  /**
   * SLOs.
   *
   * @default - the observability layer's defaults (availability 0.995, latency where the runtime measures it)
   */
  readonly slo?: ModelSloSpec;
  /**
   * A canary (candidate version with a traffic split). Not with `kserve`.
   *
   * @default - no canary
   */
  readonly canary?: CanarySpec;
  /**
   * Serve through a KServe InferenceService (`Standard` deployment mode, formerly `RawDeployment`) instead of a Deployment.
   *
   * @default false
   */
  readonly kserve?: boolean;
  /**
   * Route `/<tenant>/<model>/` from the ingress gateway (needs `mesh.ingressHosts`).
   *
   * @default true when the mesh has an ingress gateway
   */
  readonly publicRoute?: boolean;
  /**
   * Serve the model through an InferencePool and its endpoint picker (`mesh.ingressApi: IngressApi.GATEWAY_API`,
   * vLLM, not KServe, with a public route). Set `false` to route it to its Service like other runtimes.
   *
   * @default true for a vLLM model with a public route when `mesh.ingressApi` is `IngressApi.GATEWAY_API`
   */
  readonly inferencePool?: boolean;
  /**
   * A prompt/response content filter (an Istio WasmPlugin) on the model's pods.
   *
   * @default - no content filter
   */
  readonly contentFilter?: ModelContentFilterSpec;
  /**
   * gRPC-JSON transcoding in the model's sidecars (runtimes with a gRPC port; not with `kserve`).
   *
   * @default - no transcoding
   */
  readonly grpcTranscoding?: ModelGrpcTranscodingSpec;
}

/**
 * A model's content filter: a Wasm module (Istio `WasmPlugin`, HTTP) on the inbound serving ports of the
 * model's pods, failing closed. The pods' istio-agent pulls the module over HTTPS (`pkg/wasm/imagefetcher.go`,
 * istio 1.30.3) as the proxy user, outside the sidecar's outbound capture: the tenant's HTTPS egress
 * NetworkPolicy carries it, no ServiceEntry is needed.
 */
export interface ModelContentFilterSpec {
  /**
   * The module as an OCI image pinned by digest, from an allowed registry (`policy.allowedRegistries`):
   * `oci://<registry>/<repository>@sha256:<64 hex>`.
   */
  readonly image: string;
  /**
   * Where in the filter chain it runs.
   *
   * @default WasmPhase.STATS
   */
  readonly phase?: WasmPhase;
  /**
   * Configuration passed to the module.
   *
   * @default - none
   */
  readonly pluginConfig?: { [key: string]: any };
  /**
   * Let traffic through when the module cannot be pulled or fails (FAIL_OPEN).
   *
   * @default false
   */
  readonly failOpen?: boolean;
  /**
   * Ordering among plugins of the same phase (higher first).
   *
   * @default - Istio's default ordering
   */
  readonly priority?: number;
  /**
   * A `kubernetes.io/dockerconfigjson` Secret in the tenant namespace the agent pulls with. Required for a
   * private ECR registry (the platform's): istio-agent uses this Secret or anonymous pulls, never the node's or
   * Pod Identity credentials, and ECR tokens last 12 hours, so keep it refreshed (e.g. an External Secrets
   * `ECRAuthorizationToken` generator).
   *
   * @default - anonymous pull (public registries only)
   */
  readonly imagePullSecret?: string;
}

/**
 * gRPC-JSON transcoding of a model's gRPC API (Envoy `grpc_json_transcoder` through an EnvoyFilter on the
 * inbound gRPC port). The descriptor set is put in a ConfigMap in the tenant namespace and mounted into the
 * model's sidecars through the pods' `sidecar.istio.io/userVolume` / `userVolumeMount` annotations.
 */
export interface ModelGrpcTranscodingSpec {
  /** The compiled proto descriptor set (`protoc --include_imports --descriptor_set_out=...`). */
  readonly descriptor: ProtoDescriptorSource;
  /** Fully-qualified gRPC services to transcode, each defined by the descriptor set, e.g. `inference.GRPCInferenceService`. */
  readonly services: string[];
  /**
   * Map `POST /<package>.<Service>/<Method>` with a JSON body to methods without `google.api.http` options.
   *
   * @default false
   */
  readonly autoMapping?: boolean;
  /**
   * JSON print options of the responses.
   *
   * @default - no whitespace, primitive fields always printed, proto field names preserved
   */
  readonly printOptions?: TranscoderPrintOptions;
}

/**
 * A LoRA fine-tuning job (Kubeflow PyTorchJob).
 */
export interface FineTuningJobSpec {
  /** Job name (DNS-1123 label, at most 50 characters). */
  readonly name: string;
  /** The tenant it runs in. */
  readonly tenant: string;
  /** The trainer image, pinned by digest. */
  readonly image: string;
  /** The training command. */
  readonly command: string[];
  /** The base model weights. */
  readonly baseModel: ModelSource;
  /** The GPU pool. */
  readonly gpuPool: string;
  /** The dataset prefix in the model store, ending with `/`, e.g. `datasets/support/2024-06/`. */
  readonly datasetPrefix: string;
  /**
   * Workers (one pod each).
   *
   * @default 1
   */
  readonly workers?: number;
  /**
   * GPUs per worker.
   *
   * @default 1
   */
  readonly gpusPerWorker?: number;
}

/**
 * Images the platform runs besides the model servers (e.g. mirrors in the platform's ECR registry).
 */
export interface PlatformImagesSpec {
  /**
   * AWS CLI image for S3 weight sync.
   *
   * @default k8s.ServingImages.AWS_CLI
   */
  readonly awsCli?: string;
  /**
   * NVIDIA device plugin image.
   *
   * @default k8s.ServingImages.NVIDIA_DEVICE_PLUGIN
   */
  readonly nvidiaDevicePlugin?: string;
  /**
   * DCGM exporter image.
   *
   * @default k8s.ServingImages.DCGM_EXPORTER
   */
  readonly dcgmExporter?: string;
  /**
   * OpenTelemetry Collector image.
   *
   * @default - the observability layer's pinned collector-contrib image
   */
  readonly otelCollector?: string;
  /**
   * The endpoint picker's image (Gateway API Inference Extension v1.4.0,
   * `registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0`), mirrored to an allowed registry and pinned by
   * digest. Required when a model is served through an InferencePool (`mesh.ingressApi: IngressApi.GATEWAY_API`).
   *
   * @default - none
   */
  readonly endpointPicker?: string;
  /**
   * The platform add-ons' images, mirrored to an allowed registry and pinned by digest, keyed
   * `<add-on>/<image>` (e.g. `istiod/pilot`, `istiod/proxyv2`, `kube-prometheus-stack/prometheus`;
   * `gitops.PlatformAddon.imagesOf(<add-on>)` lists each add-on's images and the upstream image to
   * mirror). The platform's admission policies require digests and allowed registries in the add-ons'
   * namespaces, so synth fails naming every add-on image still missing here.
   *
   * @default - none (synth fails listing the images to mirror)
   */
  readonly addons?: { [addonImage: string]: string };
}

/**
 * Admission policies.
 */
export interface PolicySpec {
  /**
   * The policy mode: the strongest action any admission policy of the platform takes. `PolicyAction.ENFORCE` keeps
   * each rule as the catalogue sets it (violations are denied and fail synth); `WARN` or `AUDIT` lower every rule,
   * in tenant and platform namespaces, and every image signature verification to at most that action: nothing is
   * denied, violations are warned about or recorded (engines' audit modes, PolicyReports, synth warnings). For an
   * environment that admits what it reports, such as staging while tenants onboard (a fleet override
   * `policy: { mode: PolicyAction.AUDIT }`). The weights' signature check before serving is not an admission
   * policy and is unaffected.
   *
   * @default PolicyAction.ENFORCE
   */
  readonly mode?: PolicyAction;
  /**
   * Engines rendered.
   *
   * @default [PolicyEngine.VALIDATING_ADMISSION_POLICY]
   */
  readonly engines?: PolicyEngine[];
  /**
   * Registries images may come from (`<host>[/<path>]`).
   *
   * @default - the platform's ECR registry only (`<account>.dkr.ecr.<region>.amazonaws.com`)
   */
  readonly allowedRegistries?: string[];
  /**
   * Policy exceptions (owner, reason, expiry) for your workloads: an expired one fails synth.
   *
   * @default - none
   */
  readonly exceptions?: PolicyExceptionProps[];
  /**
   * Apply the library's own exceptions for the components it runs (`policy.BuiltInExceptions`: the GPU
   * node agents' DaemonSets reach the kubelet through host sockets as root by upstream design). They are
   * owned by the library, versioned with it (no expiry date), rendered like your exceptions and listed on
   * the agents' DaemonSets. Set `false` to own them yourself in `exceptions`.
   *
   * @default true
   */
  readonly builtInExceptions?: boolean;
  /**
   * The date exception expiries are checked against (YYYY-MM-DD); set it for reproducible builds.
   *
   * @default - today (UTC)
   */
  readonly referenceDate?: string;
  /**
   * Signature verification of container images and model weights, whatever the engines: images by
   * Kyverno `verifyImages` where Kyverno runs, else by the Sigstore policy-controller (installed as an
   * add-on, tenant namespaces opted in), weights by `cosign verify-blob` before each model server starts.
   *
   * @default - no signature verification
   */
  readonly signatures?: SignaturesSpec;
}

/**
 * Signature verification (cosign, Sigstore): images at admission, weights before serving.
 */
export interface SignaturesSpec {
  /**
   * Image signature verifications: image patterns and a keyless identity (OIDC issuer + subject, Rekor)
   * or a key (PEM public key or KMS key URI). Rendered as Kyverno `verifyImages` ClusterPolicies or Sigstore
   * `ClusterImagePolicy` objects (see `imageEngine`); the policy-controller verifies the Pods of the tenant
   * namespaces (labelled `policy.sigstore.dev/include: "true"`).
   *
   * @default - no image is verified
   */
  readonly images?: ImageVerificationProps[];
  /**
   * The engine that verifies images.
   *
   * @default - SignatureEngine.KYVERNO when `policy.engines` includes PolicyEngine.KYVERNO, else SignatureEngine.SIGSTORE_POLICY_CONTROLLER
   */
  readonly imageEngine?: SignatureEngine;
  /**
   * Verify every served model's weights (ModelServer and KServe, stable and canary): `cosign verify-blob`
   * of the weights' checksum manifest and its Sigstore bundle (keyless identity, or a public key Secret in
   * each tenant namespace), then every file against the manifest, before the server starts
   * (`k8s.WeightVerification.keyless()` / `.publicKey()`; mirror its cosign and checksum images into an
   * allowed registry and pass them as `cosignImage` / `checksumImage`).
   *
   * @default - weights are not verified
   */
  readonly weights?: WeightVerification;
}

/**
 * The Istio mesh.
 */
export interface MeshSpec {
  /**
   * Public host names of the ingress gateway; none: no gateway.
   *
   * @default - no ingress gateway
   */
  readonly ingressHosts?: string[];
  /**
   * The TLS Secret of the gateway (in `ingressNamespace`). Required with `ingressHosts`.
   *
   * @default - none
   */
  readonly tlsCredentialName?: string;
  /**
   * The cert-manager issuer of the gateway's certificate: a `Certificate` named `tlsCredentialName`
   * is created in `ingressNamespace` and cert-manager writes the TLS Secret the gateway serves. One of
   * `tlsIssuer` and `externalTlsCredential` is required with `ingressHosts`.
   *
   * @default - none
   */
  readonly tlsIssuer?: CertificateIssuerReference;
  /**
   * The TLS Secret `tlsCredentialName` is created outside the platform (e.g. External Secrets from AWS
   * Secrets Manager): no Certificate is emitted.
   *
   * @default false
   */
  readonly externalTlsCredential?: boolean;
  /**
   * The namespace the ingress gateway runs in.
   *
   * @default 'istio-ingress'
   */
  readonly ingressNamespace?: string;
  /**
   * The scheme of the ingress gateway's Network Load Balancer (provisioned by the AWS Load Balancer
   * Controller): reachable only inside the VPC, or from the internet when set to
   * `LoadBalancerScheme.INTERNET_FACING` explicitly.
   *
   * @default LoadBalancerScheme.INTERNAL
   */
  readonly ingressLoadBalancerScheme?: LoadBalancerScheme;
  /**
   * Client CIDRs the ingress gateway's NLB admits (its security group's inbound rules).
   *
   * @default - the controller's default: the VPC CIDR for an internal NLB, 0.0.0.0/0 for an internet-facing one
   */
  readonly ingressSourceRanges?: string[];
  /**
   * Trace sampling percentage.
   *
   * @default 1
   */
  readonly tracingSamplingPercentage?: number;
  /**
   * The API of the north-south path: an Istio `Gateway` with `VirtualService` routes, or a Kubernetes Gateway API
   * `Gateway` with `HTTPRoute`s, where vLLM models are served through the Gateway API Inference Extension
   * (InferencePools with an endpoint picker: queue, KV-cache and prefix-cache aware; `mesh.inference`).
   *
   * @default IngressApi.ISTIO
   */
  readonly ingressApi?: IngressApi;
  /**
   * The inference path's settings (with `ingressApi: IngressApi.GATEWAY_API`): the endpoint pickers' scoring and
   * size, what the gateway does without a picker, and the serving objectives.
   *
   * @default - the `InferenceRoutingSpec` defaults
   */
  readonly inference?: InferenceRoutingSpec;
}

/**
 * The API of the platform's north-south path (`mesh.ingressApi`).
 */
export enum IngressApi {
  /**
   * An Istio `Gateway` (networking.istio.io) with a `VirtualService` per model: canary by DestinationRule subsets,
   * retries, a fixed route timeout.
   */
  ISTIO = 'Istio',
  /**
   * A Kubernetes Gateway API `Gateway` (v1.5.1, class `istio`) bound to the ingress gateway deployment, with an
   * `HTTPRoute` per model and no fixed timeout; vLLM models (not KServe) are served through InferencePools and
   * their endpoint pickers (Gateway API Inference Extension v1.4.0), a canary by HTTPRoute weights between the
   * versions' pools. Installs the Gateway API and Inference Extension CRDs and turns on istiod's
   * `ENABLE_GATEWAY_API_INFERENCE_EXTENSION`. Needs `images.endpointPicker` when a model uses a pool.
   */
  GATEWAY_API = 'GatewayAPI',
}

/**
 * The inference path (`mesh.inference`): how the endpoint pickers of the models served through InferencePools
 * choose a pod for each request.
 */
export interface InferenceRoutingSpec {
  /**
   * The pickers' scorers and weights.
   *
   * @default - queue 2, KV-cache utilization 2, prefix cache 3; a model with LoRA adapters adds LoRA affinity 2
   */
  readonly scorers?: EndpointPickerScorerWeight[];
  /**
   * What the gateway does when a picker is unreachable.
   *
   * @default EndpointPickerFailureMode.FAIL_CLOSE
   */
  readonly failureMode?: EndpointPickerFailureMode;
  /**
   * Each picker's CPU request in cores (its limit is twice that).
   *
   * @default 1
   */
  readonly pickerCpu?: number;
  /**
   * Each picker's memory, in MiB.
   *
   * @default 2048
   */
  readonly pickerMemoryMiB?: number;
  /**
   * Pickers per pool: with 2 or more they elect a leader and a standby takes over when the leader's node is drained
   * or fails (otherwise a FailClose pool fails its requests until a new picker starts); a PodDisruptionBudget keeps one.
   *
   * @default 1 (the upstream chart's default)
   */
  readonly pickerReplicas?: number;
  /**
   * Serving objectives: the priority of a model's requests that name the objective when its pool is saturated.
   *
   * @default - none (every request has priority 0)
   */
  readonly objectives?: InferenceObjectiveSpec[];
}

/**
 * A serving objective of a model served through an InferencePool: an InferenceObjective `<model>-<name>`, which
 * clients name in the header `x-gateway-inference-objective`.
 */
export interface InferenceObjectiveSpec {
  /** The objective (DNS-1123 label), e.g. `interactive`, `batch`. */
  readonly name: string;
  /** The model (a `models[].name` served through an InferencePool). */
  readonly model: string;
  /** Its priority: higher is served first when the pool is saturated (e.g. 10 interactive, 0 batch). */
  readonly priority: number;
}

/**
 * The GitOps repository.
 */
export interface GitOpsSpec {
  /** Clone URL of the GitOps repository. */
  readonly repoUrl: string;
  /**
   * Branch, tag or commit.
   *
   * @default 'main'
   */
  readonly targetRevision?: string;
  /**
   * The cluster's API server URL as registered in Argo CD.
   *
   * @default 'https://kubernetes.default.svc'
   */
  readonly server?: string;
}

/**
 * Telemetry backends.
 */
export interface ObservabilitySpec {
  /**
   * Amazon Managed Service for Prometheus workspace ARN; metrics are remote-written there (SigV4, Pod Identity).
   *
   * @default - no remote write
   */
  readonly ampWorkspaceArn?: string;
  /**
   * OTLP/gRPC endpoint for traces (`host:port`; in-cluster hosts may be plaintext).
   *
   * @default - no trace export
   */
  readonly tracesEndpoint?: string;
  /**
   * OTLP/HTTP endpoint for logs (`https://...`).
   *
   * @default - no log export
   */
  readonly logsEndpoint?: string;
  /**
   * Grafana dashboards (serving, GPUs).
   *
   * @default true
   */
  readonly dashboards?: boolean;
}

/**
 * Audit and security findings.
 */
export interface AuditSpec {
  /**
   * Forward Security Hub findings to Splunk.
   *
   * @default - no forwarding
   */
  readonly splunk?: SplunkSpec;
  /**
   * Audit log retention in days.
   *
   * @default 2557 (7 years)
   */
  readonly retentionDays?: number;
  /**
   * S3 Object Lock on the audit bucket: days each log file and digest is locked (at most
   * `retentionDays`). Once on, Object Lock cannot be turned off.
   *
   * @default - no Object Lock (log file validation's digest chain still proves integrity)
   */
  readonly objectLockRetentionDays?: number;
  /**
   * The audit bucket's Object Lock mode (with `objectLockRetentionDays`).
   *
   * @default ObjectLockMode.COMPLIANCE
   */
  readonly objectLockMode?: ObjectLockMode;
  /**
   * GuardDuty: `CREATE` a detector here, use the `EXISTING` one an AWS Organizations delegated
   * administrator enabled (no "detector already exists" at apply), or `DISABLED`.
   *
   * @default AccountServiceMode.CREATE
   */
  readonly guardDuty?: AccountServiceMode;
  /**
   * Security Hub: `CREATE` the hub and its standards here, use the `EXISTING` (organization-managed)
   * hub, or `DISABLED` (then no Splunk forwarding).
   *
   * @default AccountServiceMode.CREATE
   */
  readonly securityHub?: AccountServiceMode;
  /**
   * AWS Config resource recording, which Security Hub controls evaluate: `CREATE` a recorder, delivery
   * channel and encrypted bucket here, use the account's `EXISTING` recorder, or `DISABLED` (only
   * without Security Hub).
   *
   * @default - follows securityHub: CREATE, EXISTING or DISABLED
   */
  readonly config?: AccountServiceMode;
}

/**
 * Splunk HTTP Event Collector.
 */
export interface SplunkSpec {
  /** HEC endpoint URL (`https://...`). */
  readonly hecEndpoint: string;
  /** ARN of the Secrets Manager secret holding the HEC token. */
  readonly hecTokenSecretArn: string;
}
