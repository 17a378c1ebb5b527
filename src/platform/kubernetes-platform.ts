import * as fs from 'fs';
import { ApiObject, App, Chart, resolve } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { PlatformDiagram } from './diagram';
import { PlatformNames } from './platform-names';
import { GpuCapacityType, GpuProvisioning, PlatformSpec } from './platform-spec';
import { validateEntry } from './private/entry-validation';
import { withFastToJson } from './private/fast-to-json';
import { servedThroughPool, usesGatewayApi } from './private/inference-routing';
import { addModelFilters } from './private/model-filters';
import { ProblemCollector, ValidationError, ValidationProblem } from '../core/errors';
import { GpuPool, IGpuPool } from '../core/gpu-pool';
import { KubernetesVersion } from '../core/kubernetes-version';
import { PlatformLabels } from '../core/labels';
import { IModelService } from '../core/model-service';
import { checkArgs } from '../core/private/runtime-types';
import { BootstrapApplication } from '../gitops/bootstrap-application';
import { GitOpsLayout } from '../gitops/gitops-layout';
import { IPlatformAddon, PlatformAddon } from '../gitops/platform-addon';
import { PlatformAddons } from '../gitops/platform-addons';
import { LayoutSelection, PlatformApplicationSet } from '../gitops/platform-application-set';
import { PlatformComponentApplication } from '../gitops/platform-component-application';
import { PlatformProject } from '../gitops/platform-project';
import { SyncWave } from '../gitops/sync-wave';
import { TenantProject } from '../gitops/tenant-project';
import { annotateBuiltInException, builtInExceptionsOf } from './private/built-in-exceptions';
import { recordsConstructMetadata, writeConstructMetadata } from './private/construct-metadata';
import { writeOwnedTree } from './private/owned-tree';
import { YamlWriter } from './private/yaml-writer';
import { DcgmExporter } from '../k8s/gpu/dcgm-exporter';
import { CapacityType as KarpenterCapacityType, KarpenterGpuClass } from '../k8s/gpu/karpenter-gpu-class';
import { NvidiaDevicePlugin } from '../k8s/gpu/nvidia-device-plugin';
import { servingOptionsOf } from '../k8s/private/model-serving';
import { KServeInferenceService } from '../k8s/serving/kserve-inference-service';
import { ModelServer } from '../k8s/serving/model-server';
import { ModelSource } from '../k8s/serving/model-source';
import { Tenant } from '../k8s/tenancy/tenant';
import { FineTuningJob } from '../k8s/training/fine-tuning-job';
import { GatewayApiIngress } from '../mesh/gateway-api-ingress';
import { EndpointPickerScorer, InferencePoolRoute } from '../mesh/inference-pool-route';
import { IngressGateway } from '../mesh/ingress-gateway';
import { MeshConfig, MeshExtensionProviderType } from '../mesh/mesh-config';
import { MeshEgress } from '../mesh/mesh-egress';
import { MeshPrincipal } from '../mesh/mesh-principal';
import { MeshSecurity } from '../mesh/mesh-security';
import { MeshTelemetry } from '../mesh/mesh-telemetry';
import { ModelTraffic } from '../mesh/model-traffic';
import { CollectorExporter } from '../observability/collector-exporter';
import { CollectorExtension } from '../observability/collector-extension';
import { CollectorProcessor } from '../observability/collector-processor';
import { CollectorReceiver } from '../observability/collector-receiver';
import { DcgmExporterMonitoring } from '../observability/dcgm-exporter-monitoring';
import { EndpointPickerMonitoring } from '../observability/endpoint-picker-monitoring';
import { GpuDashboard } from '../observability/gpu-dashboard';
import { GpuHealthAlerts } from '../observability/gpu-health-alerts';
import { InferenceGatewayDashboard } from '../observability/inference-gateway-dashboard';
import { LlmSloAlerts } from '../observability/llm-slo-alerts';
import { ModelServerMonitoring } from '../observability/model-server-monitoring';
import { ModelServingDashboard } from '../observability/model-serving-dashboard';
import { TelemetryNetworkPolicies } from '../observability/telemetry-network-policies';
import { TelemetryPipeline } from '../observability/telemetry-pipeline';
import { TelemetrySignal } from '../observability/telemetry-signal';
import { SignatureEngine } from '../policy/image-verification';
import { PolicyCatalogue } from '../policy/policy-catalogue';
import { PolicyReport } from '../policy/policy-evaluator';
import { PolicyAction } from '../policy/policy-rule';
import { PolicyEngine, PolicySet } from '../policy/policy-set';
import { CLUSTER_IMAGE_POLICY_CRD, SIGSTORE_INCLUDE_LABEL } from '../policy/private/sigstore';
import { NodePoolScaling, PlatformTwin, TwinNodePool } from '../twin/platform-twin';
import { PlatformTwinReport } from '../twin/platform-twin-report';

/**
 * Properties of `KubernetesPlatform`.
 */
export interface KubernetesPlatformProps {
  /** The platform spec (validated as a whole before anything is built). */
  readonly spec: PlatformSpec;

  /**
   * The cluster is one of a fleet whose hub Argo CD manages it (`KubernetesFleet` builds it so): its GitOps tree is
   * its share of the fleet repository (`<environment>/argocd` for its Argo CD objects, `<environment>/<owner>` for
   * the rest), its Applications target it by its Argo CD cluster name (the spec's `environment`), its AppProjects
   * are named after it (`<environment>-platform`, `<environment>-<tenant>`), and the hub makes its root Application
   * and its tenants' Applications (an ApplicationSet with progressive sync), so its own tree has neither. Write it
   * with `KubernetesFleet.synth()`.
   *
   * @default false (Argo CD runs in this cluster: bootstrap directory `argocd/` with its root Application `bootstrap`)
   */
  readonly hubManaged?: boolean;
}

/**
 * One synthesized Kubernetes object and where it is written.
 */
export interface PlatformManifest {
  /** The file, relative to the output directory (`prod/search/Deployment.llama3-8b-stable.k8s.yaml`). */
  readonly path: string;
  /** The GitOps layout directory (`prod/search`). */
  readonly directory: string;
  /** The Kubernetes object (JSON). */
  readonly resource: any;
}

const INGRESS_SERVICE_ACCOUNT = 'istio-ingressgateway';
/** The istio gateway chart's release (`PlatformAddon.istioGateway`): its Service is named after it. */
const INGRESS_RELEASE = 'istio-ingress';

/**
 * The Kubernetes side of a platform, from its spec: one cdk8s Chart per GitOps layout directory
 * (platform components `tenancy`, `gpu`, `policies`, `mesh`, `observability`, one per tenant, and the
 * Argo CD bootstrap directory), built only from the public L2s of the k8s, policy, mesh, gitops and
 * observability layers.
 *
 * Write it with `platform.synth()` (not `app.synth()`): each chart goes to its layout directory, so the
 * ApplicationSets' generator paths match the files. `synth()` also evaluates the enforce policy set
 * over every object and checks every workload identity has its ServiceAccount; any problem fails it.
 *
 * ```ts
 * const platform = new KubernetesPlatform(new App({ outdir: 'dist' }), 'acme-llm', { spec });
 * platform.synth(); // dist/prod/search/Deployment.llama3-8b-stable.k8s.yaml, dist/argocd/...
 * ```
 */
export class KubernetesPlatform extends Construct {
  /**
   * The sync wave of a platform component's Application: `tenancy` (namespaces, among them the policy parameters')
   * before `policies`, the policies before the components whose pods they admit.
   *
   * @param component a platform component (`PlatformNames.COMPONENTS`)
   */
  public static componentWave(component: string): number {
    checkArgs('platform.KubernetesPlatform#componentWave', [component]);
    return component === 'tenancy' ? SyncWave.TENANCY : component === 'policies' ? SyncWave.POLICIES : SyncWave.PLATFORM_COMPONENTS;
  }

  /** The names derived from the spec (shared with `AwsPlatformStack`). */
  public readonly names: PlatformNames;
  /** The GitOps layout the charts are written to. */
  public readonly layout: GitOpsLayout;
  /** The admission policies (their evaluator runs at synth). */
  public readonly policySet: PolicySet;
  /** The GPU pools as the workloads see them, in spec order. */
  public readonly gpuPools: IGpuPool[];
  /** The served models (Deployments and KServe services), in spec order. */
  public readonly models: IModelService[];
  /**
   * The istiod `meshConfig` the mesh objects rely on (outbound traffic policy, metrics merging, the
   * telemetry extension providers): the istiod add-on's `values.meshConfig` must carry `toValues()`.
   */
  public readonly meshConfig: MeshConfig;
  /** The models served through InferencePools (`mesh.ingressApi: IngressApi.GATEWAY_API`), in spec order. */
  public readonly inferenceRoutes: InferencePoolRoute[];

  private readonly spec: PlatformSpec;
  private readonly directories = new Map<Chart, string>();
  private readonly owners = new Map<string, Chart>();
  private readonly specPaths = new Map<string, string>();
  private writing = false;
  private lastTwin?: { objects: any[]; report: PlatformTwinReport };
  private readonly hubManaged: boolean;
  /** What the hub applies for this cluster (its root Application, tenant ApplicationSet, argocd-cm), for the twin. */
  private hubContext?: PlatformManifest[];
  /** The construct path of each synthesized object (for cdk8s-cli's construct-aware validation reports). */
  private readonly constructPaths = new WeakMap<object, string>();

  constructor(scope: Construct, id: string, props: KubernetesPlatformProps) {
    // the id, the props' types and the whole spec, exactly as AwsPlatformStack checks them (./private/entry-validation.ts)
    validateEntry('platform.KubernetesPlatformProps', scope, id, props);
    super(scope, id);
    const spec = props.spec;
    this.spec = spec;
    this.hubManaged = props.hubManaged ?? false;
    // `app.synth()` would write every chart into one directory: refuse it, `platform.synth()` writes the layout.
    this.node.addValidation({
      validate: () => (this.writing ? [] : ["write the platform with 'platform.synth()' (one directory per chart in the GitOps layout), not 'app.synth()'"]),
    });
    const names = new PlatformNames(spec);
    this.names = names;
    const env = spec.environment;
    const images = spec.images ?? {};
    const meshSpec = spec.mesh ?? {};
    const ingressNamespace = meshSpec.ingressNamespace ?? 'istio-ingress';
    const hasGateway = (meshSpec.ingressHosts ?? []).length > 0;
    const engines = spec.policy?.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY];
    const referenceDate = spec.policy?.referenceDate;
    // policy.signatures: weights verified before serving; images by Kyverno, or by the Sigstore policy-controller
    // (an add-on, tenant namespaces opted in) where Kyverno does not run
    const weightVerification = spec.policy?.signatures?.weights;
    const policyController = this.usesPolicyController();

    this.layout = new GitOpsLayout({
      repoUrl: spec.gitops.repoUrl,
      targetRevision: spec.gitops.targetRevision,
      // a hub-managed cluster is targeted by its Argo CD name (its API server URL is not known before it exists)
      environments: [this.hubManaged ? { name: env, clusterName: env } : { name: env, server: spec.gitops.server }],
      tenants: spec.tenants.map((t) => ({ name: t.name })),
      platformComponents: PlatformNames.COMPONENTS.map((name) => ({ name })),
      sharedRepository: this.hubManaged,
    });
    const chart = (owner: string) => this.chart(owner, this.layout.platformComponents.some((c) => c.name === owner)
      ? this.layout.platformComponentDirectory(env, owner) : this.layout.tenantDirectory(env, owner));

    // The telemetry gateway (when any telemetry goes out) receives OTLP from the tenants' sidecars, and
    // scrapes the models when metrics go to AMP: the tenants' NetworkPolicies open exactly that.
    const obsSpec = spec.observability ?? {};
    const hasCollector = Boolean(obsSpec.ampWorkspaceArn || obsSpec.tracesEndpoint || obsSpec.logsEndpoint);
    const collectorScrapes = Boolean(obsSpec.ampWorkspaceArn) && (spec.models ?? []).length > 0;

    // tenancy: tenant namespaces, quotas, network policies, RBAC; platform namespaces nobody else creates.
    const tenancy = chart('tenancy');
    const tenants = new Map<string, Tenant>();
    for (const t of spec.tenants) {
      tenants.set(t.name, new Tenant(tenancy, `Tenant-${t.name}`, {
        tenantName: t.name,
        gpuQuota: t.gpuQuota ?? 0,
        environment: env,
        adminGroups: t.adminGroups,
        viewerGroups: t.viewerGroups,
        meshIngressNamespace: ingressNamespace,
        monitoringNamespace: PlatformNames.MONITORING_NAMESPACE,
        metricsScraperNamespaces: [PlatformNames.MONITORING_NAMESPACE, ...(collectorScrapes ? [PlatformNames.OBSERVABILITY_NAMESPACE] : [])],
        otlpCollectorNamespace: hasCollector ? PlatformNames.OBSERVABILITY_NAMESPACE : undefined,
      }));
      // the policy-controller's webhooks select the namespaces that opt in (chart `webhook.namespaceSelector`)
      if (policyController) (tenants.get(t.name)!.node.defaultChild as ApiObject).metadata.addLabel(SIGSTORE_INCLUDE_LABEL, 'true');
    }
    const platformNamespaces: [string, string][] = [
      [PlatformNames.GPU_NAMESPACE, 'privileged'],
      [PlatformNames.OBSERVABILITY_NAMESPACE, 'restricted'],
    ];
    // The policy rules (the Pod Security Standards rules of the cluster's version) and the exceptions: the
    // library's own for the components it runs (policy.BuiltInExceptions, unless opted out), then the user's.
    // the policy mode caps every action (policy.mode: audit or warn in an environment that admits what it reports)
    const mode = spec.policy?.mode ?? PolicyAction.ENFORCE;
    const policyRules = PolicyCatalogue.baseline({
      allowedRegistries: spec.policy?.allowedRegistries ?? [names.registryUrl],
      loadBalancerNamespaces: [ingressNamespace],
      kubernetesVersion: spec.cluster?.version,
    }).map((r) => (weakerAction(r.action, mode) === r.action ? r : r.withAction(mode)));
    const builtInExceptions = builtInExceptionsOf(spec, policyRules.map((r) => r.id));
    const policyExceptions = [...builtInExceptions, ...(spec.policy?.exceptions ?? [])];
    if (engines.includes(PolicyEngine.KYVERNO) && policyExceptions.length > 0) platformNamespaces.push(['policy-exceptions', 'restricted']);
    for (const [ns, level] of platformNamespaces.sort((a, b) => a[0].localeCompare(b[0]))) {
      new ApiObject(tenancy, `Namespace-${ns}`, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: {
          name: ns,
          labels: {
            [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
            [PlatformLabels.ENVIRONMENT]: env,
            'pod-security.kubernetes.io/enforce': level,
            'pod-security.kubernetes.io/enforce-version': 'latest',
          },
        },
      });
      // The platform's own namespaces run no GPU workloads and expose nothing outside the cluster: a quota
      // keeps them so (GPUs are for tenants, within their quotas; the only LoadBalancer is the ingress gateway's).
      new ApiObject(tenancy, `Quota-${ns}`, {
        apiVersion: 'v1',
        kind: 'ResourceQuota',
        metadata: { name: 'platform-quota', namespace: ns, labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE, [PlatformLabels.ENVIRONMENT]: env } },
        spec: { hard: { 'requests.nvidia.com/gpu': '0', 'services.loadbalancers': '0', 'services.nodeports': '0' } },
      });
    }

    // gpu: Karpenter classes and the GPU node agents.
    const gpu = chart('gpu');
    const pools = new Map<string, IGpuPool>();
    for (const p of spec.gpuPools) {
      const provisioning = p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP;
      const pool: IGpuPool = provisioning === GpuProvisioning.MANAGED_NODE_GROUP
        ? GpuPool.fromAttributes({ poolName: p.name, instanceTypes: p.instanceTypes, maxNodes: p.maxNodes })
        : new KarpenterGpuClass(gpu, `GpuClass-${p.name}`, {
          poolName: p.name,
          instanceTypes: p.instanceTypes,
          nodeRole: names.karpenterNodeRole,
          discoveryTag: names.discoveryTag,
          maxNodes: p.maxNodes,
          capacityTypes: [p.capacityType === GpuCapacityType.SPOT ? KarpenterCapacityType.SPOT : KarpenterCapacityType.ON_DEMAND],
          // FIPS clusters get the Bottlerocket NVIDIA FIPS AMI on Karpenter nodes too, as on their managed node groups.
          fips: spec.cluster?.fips ?? false,
          kubernetesVersion: spec.cluster?.version,
          // EBS volumes encrypted with the cluster's node-volume key, as the managed node groups' are.
          kmsKeyId: names.nodeVolumeKeyAlias,
          // The AWS side's default tags (cost allocation): Karpenter's instances get only the tags their class names.
          tags: names.costTags,
        });
      pools.set(p.name, pool);
    }
    this.gpuPools = spec.gpuPools.map((p) => pools.get(p.name)!);
    const devicePlugin = new NvidiaDevicePlugin(gpu, 'DevicePlugin', { namespace: PlatformNames.GPU_NAMESPACE, image: images.nvidiaDevicePlugin });
    const dcgm = new DcgmExporter(gpu, 'DcgmExporter', { namespace: PlatformNames.GPU_NAMESPACE, image: images.dcgmExporter });
    // The agents' DaemonSets say which library exception covers them (it is rendered with the policies).
    for (const agent of [devicePlugin, dcgm]) annotateBuiltInException(agent, builtInExceptions);
    // Default-deny for the GPU namespace; only Prometheus reaches the exporter.
    dcgm.addNetworkPolicies({ scraperNamespaces: [PlatformNames.MONITORING_NAMESPACE] });

    // tenants: the workloads.
    const tenantCharts = new Map<string, Chart>();
    for (const t of spec.tenants) tenantCharts.set(t.name, chart(t.name));
    const served: { service: IModelService; index: number }[] = [];
    (spec.models ?? []).forEach((m, i) => {
      const tenant = tenants.get(m.tenant)!;
      const tenantChart = tenantCharts.get(m.tenant)!;
      const source = this.source(m.weights, images.awsCli);
      const at = `models[${i}]`;
      // Every serving option of the model entry (k8s.ModelServingOptions) reaches the building block as given;
      // the model's own weight verification wins over the spec-wide one.
      const serving = {
        ...servingOptionsOf(m),
        verification: m.verification ?? weightVerification,
        // adapters in the model store are read from the platform's bucket, as the base weights are
        ...(m.adapters ? { adapters: m.adapters.map((a) => ({ name: a.name, weights: this.source(a.weights, images.awsCli) })) } : {}),
      };
      if (m.kserve) {
        const isvc = new KServeInferenceService(tenantChart, `Model-${m.name}`, {
          ...serving,
          tenant,
          modelName: m.name,
          source,
          pool: pools.get(m.gpuPool)!,
        });
        this.specPaths.set(`${tenant.namespace}/${isvc.modelName}`, at);
        served.push({ index: i, service: isvc });
        return;
      }
      const server = new ModelServer(tenantChart, `Model-${m.name}`, {
        ...serving,
        tenant,
        modelName: m.name,
        source,
        pool: pools.get(m.gpuPool)!,
      });
      if (m.canary) {
        server.addCandidate({
          version: m.canary.version,
          image: m.canary.image,
          source: m.canary.weights ? this.source(m.canary.weights, images.awsCli) : source,
          replicas: m.canary.replicas,
        });
      }
      for (const name of [m.name, ...Object.values(server.deploymentNames)]) this.specPaths.set(`${tenant.namespace}/${name}`, at);
      served.push({ service: server, index: i });
    });
    this.models = served.map((s) => s.service);
    (spec.fineTuningJobs ?? []).forEach((j, i) => {
      const job = new FineTuningJob(tenantCharts.get(j.tenant)!, `Job-${j.name}`, {
        tenant: tenants.get(j.tenant)!,
        jobName: j.name,
        image: j.image,
        command: j.command,
        baseModel: this.source(j.baseModel, images.awsCli),
        pool: pools.get(j.gpuPool)!,
        datasetUri: names.s3Uri(j.datasetPrefix),
        adapterOutputUri: names.s3Uri(names.adapterPrefix(j.name)),
        workers: j.workers,
        gpusPerWorker: j.gpusPerWorker,
        // Multi-node jobs on an EFA pool use every interface of the node (the AWS side attaches maxEfaInterfaces).
        efaDevices: (j.workers ?? 1) > 1 && spec.gpuPools.find((p) => p.name === j.gpuPool)?.efa ? efaInterfacesOf(pools.get(j.gpuPool)!) : undefined,
      });
      this.specPaths.set(`${job.namespace}/${job.jobName}`, `fineTuningJobs[${i}]`);
    });

    // policies: one rule set, rendered for each engine, evaluated at synth.
    // (the PolicySet is built after the add-ons are known: their namespaces get the platform profile)
    const policies = chart('policies');

    // mesh: STRICT mTLS, default deny, per-model access, traffic and routes.
    const mesh = chart('mesh');
    // The north-south path: an Istio Gateway with VirtualServices, or (mesh.ingressApi GATEWAY_API) a Gateway API
    // Gateway bound to the same gateway deployment (its Service, `addresses`), with HTTPRoutes and InferencePools.
    const gatewayApi = usesGatewayApi(spec);
    const gateway = hasGateway && !gatewayApi ? new IngressGateway(mesh, 'IngressGateway', {
      hosts: meshSpec.ingressHosts!,
      credentialName: meshSpec.tlsCredentialName!,
      namespace: ingressNamespace,
      selector: { istio: 'ingressgateway' },
      serviceAccountName: INGRESS_SERVICE_ACCOUNT,
      httpsRedirect: true,
      tlsIssuer: meshSpec.tlsIssuer,
      externalCredential: meshSpec.externalTlsCredential,
    }) : undefined;
    const apiGateway = gatewayApi ? new GatewayApiIngress(mesh, 'GatewayApiIngress', {
      hosts: meshSpec.ingressHosts!,
      credentialName: meshSpec.tlsCredentialName!,
      namespace: ingressNamespace,
      deploymentService: `${INGRESS_RELEASE}.${ingressNamespace}.svc.cluster.local`,
      serviceAccountName: INGRESS_SERVICE_ACCOUNT,
      routeNamespaces: spec.tenants.map((t) => tenants.get(t.name)!.namespace),
      httpsRedirect: true,
      tlsIssuer: meshSpec.tlsIssuer,
      externalCredential: meshSpec.externalTlsCredential,
    }) : undefined;
    const security = new MeshSecurity(mesh, 'MeshSecurity', {
      ingressGatewayPrincipal: gateway?.principal ?? apiGateway?.principal ?? MeshPrincipal.serviceAccount(ingressNamespace, INGRESS_SERVICE_ACCOUNT),
      tenantNamespaces: spec.tenants.map((t) => t.name),
      monitoringNamespace: PlatformNames.MONITORING_NAMESPACE,
      referenceDate,
    });
    const inference = meshSpec.inference ?? {};
    const inferenceRoutes: InferencePoolRoute[] = [];
    for (const { service, index } of served) {
      const m = spec.models![index];
      const publicRoute = hasGateway && (m.publicRoute ?? true);
      const percent = m.canary?.trafficPercentage ?? 5;
      const canary = m.canary ? { candidateWeight: percent, stableWeight: 100 - percent } : undefined;
      const traffic = new ModelTraffic(mesh, `Traffic-${m.name}`, { model: service, environment: env, canary });
      security.addModelAccess(service, { allowIngressGateway: publicRoute });
      if (publicRoute && gateway) gateway.addModelRoute({ model: service, traffic });
      if (publicRoute && apiGateway) {
        if (servedThroughPool(spec, m)) {
          // the version's pods behind an InferencePool, its endpoint picker choosing the pod of each request
          const route = new InferencePoolRoute(mesh, `Inference-${m.name}`, {
            model: service,
            gateway: apiGateway.reference,
            hostnames: apiGateway.hosts,
            pickerImage: spec.images!.endpointPicker!,
            canary,
            scorers: inference.scorers ?? ((m.adapters ?? []).length > 0
              ? [...InferencePoolRoute.defaultScorers(), { scorer: EndpointPickerScorer.LORA_AFFINITY, weight: 2 }] : undefined),
            failureMode: inference.failureMode,
            pickerCpu: inference.pickerCpu,
            pickerMemoryMiB: inference.pickerMemoryMiB,
            pickerReplicas: inference.pickerReplicas,
            objectives: (inference.objectives ?? []).filter((o) => o.model === m.name).map((o) => ({ name: o.name, priority: o.priority })),
            metricsScraperNamespace: PlatformNames.MONITORING_NAMESPACE,
            environment: env,
          });
          inferenceRoutes.push(route);
          for (const p of route.pools) this.specPaths.set(`${service.namespace}/${p.pickerName}`, `models[${index}]`);
        } else {
          apiGateway.addModelRoute({ model: service });
        }
      }
      // the content filter and gRPC transcoding, with the ConfigMap and pod annotations they need (./private/model-filters.ts)
      addModelFilters({ spec: m, model: service, meshChart: mesh, tenantChart: tenantCharts.get(m.tenant)! });
    }
    this.inferenceRoutes = inferenceRoutes;
    // REGISTRY_ONLY egress: the model store and the Pod Identity agent, per tenant namespace.
    for (const t of spec.tenants) {
      const usesStore = (spec.models ?? []).some((m) => m.tenant === t.name && (m.weights.inModelStore || m.canary?.weights?.inModelStore))
        || (spec.fineTuningJobs ?? []).some((j) => j.tenant === t.name);
      new MeshEgress(mesh, `Egress-${t.name}`, {
        namespace: tenants.get(t.name)!.namespace,
        s3Buckets: usesStore ? [{ bucket: names.modelStoreBucket, region: spec.region }] : [],
      });
    }

    // observability: scraping, SLOs, GPU health, dashboards, the telemetry gateway.
    const obs = chart('observability');
    for (const { service, index } of served) {
      const m = spec.models![index];
      new ModelServerMonitoring(obs, `Monitoring-${m.name}`, { model: service });
      new LlmSloAlerts(obs, `Slo-${m.name}`, {
        model: service,
        availability: m.slo?.availabilityTarget !== undefined ? { target: m.slo.availabilityTarget } : undefined,
        timeToFirstTokenP99: m.slo?.timeToFirstTokenP99,
        interTokenLatencyP99: m.slo?.interTokenLatencyP99,
        maxReplicas: (m.replicas ?? { max: 4 }).max,
      });
      // Runtimes without request counters (vLLM) measure their error ratio from the Istio sidecars: their
      // `istio_*` metrics come with the runtime's through metrics merging (ModelServerMonitoring), so no
      // IstioProxyMonitoring (it would scrape istio_requests_total a second time).
    }
    new DcgmExporterMonitoring(obs, 'DcgmMonitoring', {
      namespace: dcgm.namespace, selectorLabels: { [PlatformLabels.NAME]: dcgm.name }, portName: 'metrics',
    });
    new GpuHealthAlerts(obs, 'GpuHealthAlerts');
    // the endpoint pickers: their metrics scraped, their pools alerted on (no ready pod, queue, KV cache, picker down)
    for (const route of inferenceRoutes) new EndpointPickerMonitoring(obs, `PickerMonitoring-${route.model.modelName}`, { route });
    if (spec.observability?.dashboards ?? true) {
      new ModelServingDashboard(obs, 'ServingDashboard');
      new GpuDashboard(obs, 'GpuDashboard');
      if (inferenceRoutes.length > 0) new InferenceGatewayDashboard(obs, 'InferenceGatewayDashboard');
    }
    const collector = this.telemetryGateway(obs, this.models);
    if (collector) {
      const inCluster = /^([a-z0-9-]+)\.([a-z0-9-]+)\.svc(\.cluster\.local)?:(\d+)$/.exec(obsSpec.tracesEndpoint ?? '');
      new TelemetryNetworkPolicies(obs, 'TelemetryNetwork', {
        namespace: PlatformNames.OBSERVABILITY_NAMESPACE,
        collectors: [collector],
        otlpClientNamespaces: [...[...tenants.values()].map((t) => t.namespace), ...(hasGateway ? [ingressNamespace] : [])],
        scrapeNamespaces: collector.scrapesTargets ? [...new Set(this.models.map((m) => m.namespace))] : [],
        inClusterExports: inCluster ? [{ namespace: inCluster[2], port: Number(inCluster[4]) }] : [],
      });
    }
    // Access logs and spans from every sidecar to the collector (providers `otel`, `otel-tracing`).
    // Only the signals the collector takes over OTLP: it refuses data of a signal no pipeline reads.
    const telemetry = new MeshTelemetry(mesh, 'MeshTelemetry', {
      tracingSamplingPercentage: meshSpec.tracingSamplingPercentage,
      otelCollectorService: collector?.receivesOtlp ? collector.serviceHost : undefined,
      accessLogProviders: collector?.acceptsOtlp(TelemetrySignal.LOGS) ? ['otel'] : [],
      tracingProviders: collector?.acceptsOtlp(TelemetrySignal.TRACES) ? ['otel-tracing'] : [],
    });
    this.meshConfig = new MeshConfig({ extensionProviders: telemetry.extensionProviders });

    // argocd: projects, add-ons and the two ApplicationSets over the layout.
    const addonNamespaces = this.bootstrap(engines, hasGateway, ingressNamespace);

    // policies: the full rule set in tenant (and unknown) namespaces, the platform profile in the
    // platform's own namespaces (PolicyCatalogue.platformActions), LoadBalancers in the ingress namespace.
    this.policySet = new PolicySet(policies, 'Policies', {
      rules: policyRules,
      engines,
      exceptions: policyExceptions,
      platformNamespaces: [...new Set([
        PlatformNames.GPU_NAMESPACE, PlatformNames.OBSERVABILITY_NAMESPACE, PlatformNames.MONITORING_NAMESPACE,
        ingressNamespace, this.layout.argocdNamespace, ...platformNamespaces.map(([ns]) => ns), ...addonNamespaces,
      ])].filter((ns) => ns !== 'kube-system'),
      today: referenceDate,
      platformActions: Object.fromEntries(Object.entries(PolicyCatalogue.platformActions())
        .filter(([ruleId]) => policyRules.some((r) => r.id === ruleId))
        .map(([ruleId, action]) => [ruleId, weakerAction(action, mode)])),
      imageVerifications: spec.policy?.signatures?.images?.map((v) => ({ ...v, action: weakerAction(v.action ?? PolicyAction.ENFORCE, mode) })),
      signatureEngine: spec.policy?.signatures?.imageEngine,
    });
  }

  /**
   * The chart of a tenant or platform component (`search`, `tenancy`, `gpu`, `policies`, `mesh`,
   * `observability`, `argocd`): objects you add to it are written to its layout directory and go through
   * the same synth-time checks.
   */
  public chartFor(owner: string): Chart {
    checkArgs('platform.KubernetesPlatform#chartFor', [owner], this);
    const chart = this.owners.get(owner);
    if (!chart) {
      throw new ValidationError('owner', 'is neither a tenant nor a platform component of the platform', owner,
        `use one of: ${[...this.owners.keys()].sort().join(', ')}`);
    }
    return chart;
  }

  /**
   * The layout directory a chart of this platform is written to (`prod/search`).
   */
  public directoryOf(chart: Chart): string {
    checkArgs('platform.KubernetesPlatform#directoryOf', [chart], this);
    const dir = this.directories.get(chart);
    if (dir === undefined) {
      throw new ValidationError('chart', 'is not a chart of this platform', chart.node.path, 'pass one of the charts KubernetesPlatform created');
    }
    return dir;
  }

  /**
   * Every object with the file it is written to, sorted by path (resolves every chart; no files written).
   */
  public manifests(): PlatformManifest[] {
    const constructs = this.validateTree();
    // One walk over the tree (preorder, as chart.node.findAll()), each ApiObject bucketed by its
    // nearest chart (as Chart.of()); not chart.toJson(): it re-validates the whole app per chart.
    const nearestChart = new Map<IConstruct, Chart | undefined>();
    const byChart = new Map<Chart, ApiObject[]>();
    for (const c of constructs) {
      const chart = c instanceof Chart ? c : (c.node.scope ? nearestChart.get(c.node.scope) : undefined);
      nearestChart.set(c, chart);
      if (chart && c instanceof ApiObject) {
        const bucket = byChart.get(chart);
        if (bucket) bucket.push(c);
        else byChart.set(chart, [c]);
      }
    }
    const out: PlatformManifest[] = [];
    const problems = new ProblemCollector(this);
    for (const [chart, directory] of this.directories) {
      const objects: any[] = withFastToJson(() => (byChart.get(chart) ?? []).map((o) => {
        const json = toJsonUnwrapped(o);
        this.constructPaths.set(json, o.node.path);
        return json;
      }));
      // cdk8s file names (`<Kind>.<name>.k8s.yaml`); the namespace joins the name only where one
      // directory holds the same kind and name in several namespaces (e.g. PeerAuthentication 'default').
      const fileName = (o: any, withNamespace: boolean) =>
        `${o.kind}.${withNamespace && o.metadata?.namespace ? `${o.metadata.namespace}.` : ''}${o.metadata?.name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
      const counts = new Map<string, number>();
      for (const o of objects) counts.set(fileName(o, false), (counts.get(fileName(o, false)) ?? 0) + 1);
      const seen = new Map<string, string>();
      for (const object of objects) {
        const plain = fileName(object, false);
        const rel = `${directory}/${fileName(object, counts.get(plain)! > 1)}.k8s.yaml`;
        const id = `${object.kind} ${object.metadata?.namespace ?? '-'}/${object.metadata?.name}`;
        if (seen.has(rel)) {
          problems.add('manifests', `holds two objects for ${rel} (${seen.get(rel)} and ${id})`, rel, 'give the objects of one directory distinct kinds, names or namespaces');
          continue;
        }
        seen.set(rel, id);
        out.push({ path: rel, directory, resource: object });
      }
    }
    problems.throwIfAny();
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /**
   * Evaluate the platform's policy set (enforce, warn and audit rules with its exceptions) over every
   * synthesized object, as admission would.
   */
  public evaluatePolicies(manifests?: PlatformManifest[]): PolicyReport {
    checkArgs('platform.KubernetesPlatform#evaluatePolicies', [manifests], this);
    const objects = (manifests ?? this.manifests()).map((m) => m.resource);
    return this.policySet.evaluator().evaluate(objects);
  }

  /**
   * The platform's architecture as a Mermaid flowchart, from its spec (`PlatformDiagram.dot` gives
   * Graphviz DOT).
   */
  public diagram(): string {
    return PlatformDiagram.mermaid(this.spec);
  }

  /**
   * The platform twin's report over the synthesized objects
   * ([DESIGN.md section 7](docs/DESIGN.md#7-system-truth-the-platform-twin)): admission of the pods that will
   * exist, the flows the platform needs, references, GPU capacity and bootstrap from an empty cluster, with the
   * platform's enforce policy set, node pools, region and Pod Identities.
   *
   * @param manifests the synthesized objects
   * @default - the objects of the last synth()/verify(), else this.manifests()
   */
  public twin(manifests?: PlatformManifest[]): PlatformTwinReport {
    checkArgs('platform.KubernetesPlatform#twin', [manifests], this);
    // After synth() (or verify()), the report of the objects it wrote.
    if (!manifests && this.lastTwin) return this.lastTwin.report;
    const all = manifests ?? [...this.manifests(), ...(this.hubContext ?? [])];
    const objects = all.map((m) => m.resource);
    const cached = this.lastTwin;
    if (cached && cached.objects.length === objects.length && cached.objects.every((o, i) => o === objects[i])) return cached.report;
    const report = PlatformTwin.check(objects, {
      layoutDirectories: all.map((m) => m.directory),
      kubeletMinorVersion: Number((this.spec.cluster?.version ?? KubernetesVersion.DEFAULT).version.split('.')[1]),
      kubernetesVersion: this.spec.cluster?.version ?? KubernetesVersion.DEFAULT,
      policy: this.policySet.evaluator(),
      nodePools: this.twinNodePools(),
      region: this.spec.region,
      registries: [...new Set([this.names.registryUrl, ...(this.spec.policy?.allowedRegistries ?? [])])],
      podIdentityServiceAccounts: this.names.identities.map((id) => `${id.namespace}/${id.serviceAccount}`),
    });
    this.lastTwin = { objects, report };
    return report;
  }

  /**
   * The synth-time checks over the synthesized objects: every enforce policy passes, every workload
   * identity of `names.identities` has its ServiceAccount, and every ServiceAccount of a workload that
   * reads the model store has a Pod Identity. Returns every problem (empty when consistent).
   */
  public verify(manifests?: PlatformManifest[]): ValidationProblem[] {
    checkArgs('platform.KubernetesPlatform#verify', [manifests], this);
    const all = manifests ?? this.manifests();
    const problems = new ProblemCollector();
    for (const v of this.evaluatePolicies(all).errors) {
      const key = `${v.namespace}/${v.name}`;
      problems.add(this.specPaths.get(key) ?? `manifests[${v.kind} ${key}]`, `violates ${v.ruleId} (${v.title}): ${v.message}`, `${v.kind} ${key}`,
        `fix the workload, or add a policy exception (owner, reason, expiry) for ${v.ruleId} to 'policy.exceptions'`);
    }
    const accounts = new Set(all.filter((m) => m.resource.kind === 'ServiceAccount').map((m) => `${m.resource.metadata.namespace}/${m.resource.metadata.name}`));
    for (const id of this.names.identities) {
      const key = `${id.namespace}/${id.serviceAccount}`;
      problems.check(accounts.has(key), `identities[${key}]`, `has a Pod Identity association (role ${id.roleName}) but no ServiceAccount on the Kubernetes side`, key,
        `create ServiceAccount ${key} (the ${id.purpose}) or drop its association`);
    }
    // a hub-managed cluster as the hub runs it: with its root Application, tenant Applications and argocd-cm
    const twin = this.twin(this.hubContext ? [...all, ...this.hubContext] : all);
    return [...problems.problems, ...twin.validationProblems];
  }

  /**
   * Write every chart to its GitOps layout directory under `outdir` (one file per object), after the
   * synth-time checks (`verify`): any problem throws one ValidationError listing all of them. When the App
   * records construct metadata (`recordConstructMetadata`, set by `cdk8s synth` when `cdk8s.yaml` has
   * validations), `construct-metadata.json` is written too, so the validation plugins' reports name the
   * construct of each violating object.
   *
   * @param outdir the local checkout of the GitOps repository
   * @default - the App's outdir
   * @returns the files written, relative to `outdir`, sorted
   */
  public synth(outdir?: string): string[] {
    checkArgs('platform.KubernetesPlatform#synth', [outdir], this);
    if (this.hubManaged && !this.hubContext) {
      throw new ValidationError('hubManaged', "is set: the cluster's root and tenant Applications come from its fleet hub, written with the fleet", true,
        "write it with 'KubernetesFleet.synth()', or build the platform without 'hubManaged'", this);
    }
    const dir = outdir ?? (App.of(this) as App).outdir;
    const all = this.manifests();
    const problems = this.verify(all);
    if (problems.length > 0) {
      const [first, ...rest] = problems;
      const error = new ValidationError(first.prop, first.problem, undefined, first.fix, this);
      (error.problems[0] as any).value = first.value;
      error.withProblems(rest);
      if (rest.length === 0) error.message = `${this.node.path}: ${ValidationError.format(error.problems[0])}`;
      throw error;
    }
    // Same bytes as cdk8s Yaml.save, without a yaml Document per object (see YamlWriter). Never over another
    // platform's tree; the files of the previous run this one does not write are removed (./private/owned-tree.ts).
    const yaml = new YamlWriter();
    yaml.prepare(all.map((m) => m.resource));
    const byPath = new Map(all.map((m) => [m.path, m.resource]));
    writeOwnedTree(this, dir, `platform '${this.spec.name}' (environment '${this.spec.environment}')`, all.map((m) => m.path),
      (target, file) => fs.writeFileSync(target, yaml.stringify(byPath.get(file)), { encoding: 'utf8' }));
    // `cdk8s synth` with validations asks for construct metadata: its reports then name each object's construct.
    if (recordsConstructMetadata(App.of(this))) {
      writeConstructMetadata(dir, all.map((m) => ({ resource: m.resource, constructPath: this.constructPaths.get(m.resource) })));
    }
    return all.map((m) => m.path);
  }

  /**
   * The construct path of an object of `manifests()` (KubernetesFleet writes the construct metadata of its tree).
   *
   * @internal
   */
  public _constructPathOf(resource: any): string | undefined {
    return this.constructPaths.get(resource);
  }

  /**
   * What the fleet hub applies for this cluster, as the cluster's twin sees it (KubernetesFleet).
   *
   * @internal
   */
  public _useHubContext(manifests: PlatformManifest[]): void {
    this.hubContext = manifests;
    this.lastTwin = undefined;
  }

  /** The managed node groups of the spec's GPU pools, as the twin's capacity check sees them (Karpenter NodePools are in the output). */
  private twinNodePools(): TwinNodePool[] {
    const out: TwinNodePool[] = [];
    this.spec.gpuPools.forEach((p, i) => {
      const provisioning = p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP;
      if (provisioning === GpuProvisioning.KARPENTER) return;
      const pool = this.gpuPools[i];
      const minNodes = p.minNodes ?? 0; // GpuPoolSpec.minNodes default (issue 13 defect 2)
      out.push({
        name: p.name,
        labels: { ...pool.nodeLabels },
        taints: pool.taints.map((t) => `${t.key}${t.value !== undefined ? `=${t.value}` : ''}:${t.effect}`),
        gpusPerNode: pool.gpusPerNode,
        // EFA pools have every interface attached (the device plugin add-on advertises them); the twin checks it runs there.
        efaInterfacesPerNode: p.efa ? efaInterfacesOf(pool) : 0,
        instanceTypes: pool.instanceTypes.map((t) => t.name),
        minNodes,
        maxNodes: Math.max(minNodes, p.maxNodes),
        initialNodes: p.desiredNodes ?? minNodes,
        // The platform installs no cluster autoscaler: a managed node group keeps the nodes it starts with.
        scaling: NodePoolScaling.NONE,
        source: `managed node group of pool ${p.name}`,
      });
    });
    return out;
  }

  private chart(owner: string, directory: string): Chart {
    const chart = new Chart(this, owner, { disableResourceNameHashes: true });
    this.directories.set(chart, directory);
    this.owners.set(owner, chart);
    return chart;
  }

  /** The spec's weights as the building blocks take them: a model-store source gets the platform's bucket. */
  private source(w: ModelSource, syncImage?: string): ModelSource {
    if (w.inModelStore) return w._inBucket(this.names.modelStoreBucket, this.spec.region, syncImage);
    // Checked eagerly here (ModelWeights' factories leave that to the spec validator, which has run).
    if (w._huggingFace) return ModelSource.huggingFace(w._huggingFace);
    if (w._pvc) return ModelSource.pvc(w._pvc);
    return w;
  }

  private telemetryGateway(scope: Chart, models: IModelService[]): TelemetryPipeline | undefined {
    const o = this.spec.observability ?? {};
    const exporters: CollectorExporter[] = [];
    const extensions: CollectorExtension[] = [];
    const pipelines: { signal: TelemetrySignal; receivers: string[]; exporters: string[] }[] = [];
    const otlp = CollectorReceiver.otlp();
    const receivers: CollectorReceiver[] = [otlp];
    if (o.ampWorkspaceArn) {
      const workspace = o.ampWorkspaceArn.split('/').pop()!;
      const sigv4 = CollectorExtension.sigv4Auth({ region: this.spec.region, service: 'aps' });
      extensions.push(sigv4);
      const amp = CollectorExporter.prometheusRemoteWrite({
        endpoint: `https://aps-workspaces.${this.spec.region}.amazonaws.com/workspaces/${workspace}/api/v1/remote_write`,
        authenticator: sigv4.componentId,
      });
      exporters.push(amp);
      const scrape = models.length > 0 ? CollectorReceiver.prometheusModels({ models }) : undefined;
      if (scrape) receivers.push(scrape);
      const metricReceivers = [otlp.componentId, ...(scrape ? [scrape.componentId] : [])];
      pipelines.push({ signal: TelemetrySignal.METRICS, receivers: metricReceivers, exporters: [amp.componentId] });
    }
    if (o.tracesEndpoint) {
      // Always TLS (the collector sits outside the mesh, so nothing else would encrypt the spans).
      const traces = CollectorExporter.otlp({ endpoint: o.tracesEndpoint });
      exporters.push(traces);
      pipelines.push({ signal: TelemetrySignal.TRACES, receivers: [otlp.componentId], exporters: [traces.componentId] });
    }
    if (o.logsEndpoint) {
      const logs = CollectorExporter.otlpHttp({ endpoint: o.logsEndpoint, name: 'logs' });
      exporters.push(logs);
      pipelines.push({ signal: TelemetrySignal.LOGS, receivers: [otlp.componentId], exporters: [logs.componentId] });
    }
    if (pipelines.length === 0) return undefined;
    // One replica when it scrapes (a Prometheus receiver in every replica would scrape every target).
    return new TelemetryPipeline(scope, 'TelemetryGateway', {
      namespace: PlatformNames.OBSERVABILITY_NAMESPACE,
      image: this.spec.images?.otelCollector,
      receivers: receivers.filter((r) => pipelines.some((p) => p.receivers.includes(r.componentId))),
      processors: [
        CollectorProcessor.memoryLimiter(),
        CollectorProcessor.kubernetesAttributes(),
        CollectorProcessor.resourceAttributes({ cloudRegion: this.spec.region, clusterName: this.names.clusterName }),
        CollectorProcessor.batch(),
      ],
      extensions,
      exporters,
      pipelines,
    });
  }

  /** The Argo CD projects, add-ons and ApplicationSets; returns the namespaces its Applications install into. */
  private bootstrap(engines: PolicyEngine[], hasGateway: boolean, ingressNamespace: string): string[] {
    const spec = this.spec;
    const env = spec.environment;
    const argocd = this.chart('argocd', this.layout.bootstrapDirectory());
    for (const t of spec.tenants) {
      // least privilege: the tenant's project whitelists exactly the kinds its objects use (PyTorchJob once it fine-tunes)
      new TenantProject(argocd, `Project-${t.name}`, {
        layout: this.layout,
        tenant: t.name,
        resources: [],
        roles: [
          { name: 'admin', groups: t.adminGroups ?? [`${t.name}-admins`] },
        ],
      }).allowKindsOf(this.chartFor(t.name));
    }
    // least privilege: the platform project allows the namespaces and cluster-scoped kinds of its components and add-ons
    const project = new PlatformProject(argocd, 'PlatformProject', { layout: this.layout });
    for (const c of PlatformNames.COMPONENTS) project.allowObjectsOf(this.chartFor(c));
    // add-on images, mirrored and pinned (spec.images.addons, `<add-on>/<image>`)
    const pinned = new Map<string, { [image: string]: string }>();
    for (const [key, ref] of Object.entries(spec.images?.addons ?? {})) {
      const [addon, image, ...rest] = key.split('/');
      if (!addon || !image || rest.length > 0) {
        throw new ValidationError(`images.addons[${key}]`, "must be keyed '<add-on>/<image>'", key, "use e.g. 'istiod/pilot' (gitops.PlatformAddon.imagesOf('istiod') lists the names)");
      }
      const known = PlatformAddon.catalogueNames().includes(addon) ? PlatformAddon.imagesOf(addon).map((i) => i.name) : undefined;
      if (!known || !known.includes(image)) {
        throw new ValidationError(`images.addons[${key}]`, known ? `is not an image of the '${addon}' add-on` : 'names no add-on of the catalogue', key,
          known ? `use one of ${known.map((n) => `${addon}/${n}`).join(', ')}` : `use one of ${PlatformAddon.catalogueNames().join(', ')}`);
      }
      pinned.set(addon, { ...(pinned.get(addon) ?? {}), [image]: ref });
    }
    const images = (addon: string) => pinned.get(addon);
    const addons: IPlatformAddon[] = [];
    const crds: string[] = [];
    if (engines.includes(PolicyEngine.KYVERNO)) {
      addons.push(PlatformAddon.kyverno({ images: images('kyverno') }));
      crds.push('clusterpolicies.kyverno.io');
    }
    if (engines.includes(PolicyEngine.GATEKEEPER)) {
      addons.push(PlatformAddon.gatekeeper({ images: images('gatekeeper') }));
      crds.push('constrainttemplates.templates.gatekeeper.sh');
    }
    const mesh = this.meshConfig;
    const pooled = this.inferenceRoutes.length > 0;
    addons.push(
      PlatformAddon.istioBase(),
      // sidecars redirect traffic through the Istio CNI node agent: no istio-init (NET_ADMIN/NET_RAW) in tenant pods
      PlatformAddon.istioCni({ images: images('istio-cni') }),
      PlatformAddon.istiod({
        images: images('istiod'),
        // istiod ignores InferencePool backends unless told (Istio 1.30.3 default false)
        inferenceExtension: pooled || undefined,
        registryOnlyEgress: mesh.registryOnlyEgress,
        enablePrometheusMerge: mesh.prometheusMerge,
        extensionProviders: mesh.extensionProviders.map((p) => ({
          name: p.name,
          openTelemetryTracing: p.type === MeshExtensionProviderType.OPENTELEMETRY_TRACING ? { service: p.service, port: p.port } : undefined,
          openTelemetryAccessLog: p.type === MeshExtensionProviderType.OPENTELEMETRY_ACCESS_LOG ? { service: p.service, port: p.port } : undefined,
          prometheus: p.type === MeshExtensionProviderType.PROMETHEUS ? true : undefined,
        })),
      }),
      PlatformAddon.certManager({ images: images('cert-manager') }),
      PlatformAddon.prometheusOperatorCrds(),
      PlatformAddon.kubePrometheusStack({ images: images('kube-prometheus-stack') }),
      PlatformAddon.keda({ images: images('keda') }),
    );
    crds.push('peerauthentications.security.istio.io', 'servicemonitors.monitoring.coreos.com', 'prometheusrules.monitoring.coreos.com');
    // The Gateway API path: its CRDs (istiod turns them into gateway configuration once they exist) before the mesh's
    // Gateway and HTTPRoutes; the Inference Extension's before the pools and objectives
    if (usesGatewayApi(spec)) {
      addons.push(PlatformAddon.gatewayApiCrds());
      crds.push('gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io');
      if (pooled) {
        addons.push(PlatformAddon.inferenceExtensionCrds());
        crds.push('inferencepools.inference.networking.k8s.io', 'inferenceobjectives.inference.networking.x-k8s.io');
      }
    }
    // The AWS Load Balancer Controller wherever the AWS side gives it its Pod Identity (names.loadBalancerController:
    // with an ingress gateway, or cluster.loadBalancerController); it finds the VPC by the Name tag aws.Network gives it.
    const lbc = this.names.loadBalancerController;
    if (lbc) {
      addons.push(PlatformAddon.awsLoadBalancerController({
        clusterName: this.names.clusterName,
        region: spec.region,
        vpcTags: { Name: this.names.clusterName },
        serviceAccountName: lbc.serviceAccount,
        namespace: lbc.namespace,
        images: images('aws-load-balancer-controller'),
      }));
    }
    if (hasGateway) {
      // The gateway's Service is an NLB of that controller (loadBalancerClass service.k8s.aws/nlb: the in-tree
      // controller makes no Classic LB), internal unless mesh.ingressLoadBalancerScheme says internet-facing.
      addons.push(
        PlatformAddon.istioGateway({
          namespace: ingressNamespace,
          labels: { istio: 'ingressgateway' },
          serviceAccountName: INGRESS_SERVICE_ACCOUNT,
          loadBalancerScheme: spec.mesh?.ingressLoadBalancerScheme,
          loadBalancerSourceRanges: spec.mesh?.ingressSourceRanges,
        }),
      );
    }
    // EFA pools: the device plugin advertises their vpc.amazonaws.com/efa interfaces (only on those pools)
    const efaPools = spec.gpuPools.filter((p) => p.efa).map((p) => p.name);
    if (efaPools.length > 0) addons.push(PlatformAddon.efaDevicePlugin({ gpuPools: efaPools, images: images('aws-efa-k8s-device-plugin') }));
    if ((spec.observability?.ampWorkspaceArn || spec.observability?.tracesEndpoint || spec.observability?.logsEndpoint)) {
      addons.push(PlatformAddon.openTelemetryOperator({ images: images('opentelemetry-operator') }));
      crds.push('opentelemetrycollectors.opentelemetry.io');
    }
    if (spec.gpuPools.some((p) => (p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP) !== GpuProvisioning.MANAGED_NODE_GROUP)) {
      addons.push(PlatformAddon.karpenter({
        clusterName: this.names.clusterName, interruptionQueue: this.names.karpenterInterruptionQueue, images: images('karpenter'),
      }));
      crds.push('nodepools.karpenter.sh');
    }
    const kserve = (spec.models ?? []).some((m) => m.kserve);
    // KServe creates no Ingress (it would have no TLS): the mesh's Gateway and VirtualService route to the model
    if (kserve) addons.push(PlatformAddon.kserveCrds(), PlatformAddon.kserve({ images: images('kserve') }));
    const training = (spec.fineTuningJobs ?? []).length > 0;
    if (training) addons.push(PlatformAddon.trainingOperator({ images: images('training-operator') }));
    if (this.usesPolicyController()) {
      addons.push(PlatformAddon.sigstorePolicyController({ images: images('sigstore-policy-controller') }));
      crds.push(CLUSTER_IMAGE_POLICY_CRD);
    }
    const installed = new PlatformAddons(argocd, 'Addons', {
      layout: this.layout,
      project,
      environment: env,
      addons,
      // the platform profile of the policy set enforces digests and allowed registries in the add-ons' namespaces
      requirePinnedImages: true,
      allowedRegistries: spec.policy?.allowedRegistries ?? [this.names.registryUrl],
    });
    installed.addCrdConsumer({ name: 'platform-components', wave: SyncWave.POLICIES, requiresCrds: crds.sort() });
    const tenantCrds = ['scaledobjects.keda.sh'];
    if (kserve) tenantCrds.push('inferenceservices.serving.kserve.io');
    if (training) tenantCrds.push('pytorchjobs.kubeflow.org');
    installed.addCrdConsumer({ name: 'tenants', wave: SyncWave.TENANT_APPS, requiresCrds: tenantCrds });
    // Each platform component is its own Application, ordered by the root: tenancy (namespaces, among them the
    // policy parameters') before the policies, the policies before the components whose pods they admit.
    // A hub-managed cluster's component Applications come from the fleet ApplicationSet, in the same order (RollingSync
    // steps tenancy, policies, the other components: KubernetesFleet); its platform project still allows them.
    for (const component of PlatformNames.COMPONENTS) {
      if (this.hubManaged) {
        project.addDestinationNamespace(this.layout.platformComponent(component).namespace!);
        continue;
      }
      new PlatformComponentApplication(argocd, `Component-${component}`, {
        layout: this.layout,
        project,
        environment: env,
        component,
        wave: KubernetesPlatform.componentWave(component),
      });
    }
    // a hub-managed cluster's root and tenant Applications come from the hub's fleet ApplicationSet (KubernetesFleet)
    if (!this.hubManaged) {
      new PlatformApplicationSet(argocd, 'Tenants', { layout: this.layout, selection: LayoutSelection.TENANTS });
      // the app-of-apps root of the bootstrap directory, with the Application health check the waves depend on
      new BootstrapApplication(argocd, 'Bootstrap', { layout: this.layout, project });
    }
    // the destination namespaces of the add-ons' Applications (what Argo CD installs the charts into)
    return [...new Set(installed.addons.map((a) => a.namespace))].sort();
  }

  /**
   * Whether the spec's image signatures are verified by the Sigstore policy-controller (`policy.signatures.imageEngine`,
   * by default wherever Kyverno does not run).
   */
  private usesPolicyController(): boolean {
    const sig = this.spec.policy?.signatures;
    if ((sig?.images ?? []).length === 0) return false;
    const engines = this.spec.policy?.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY];
    return (sig!.imageEngine ?? (engines.includes(PolicyEngine.KYVERNO) ? SignatureEngine.KYVERNO : SignatureEngine.SIGSTORE_POLICY_CONTROLLER))
      === SignatureEngine.SIGSTORE_POLICY_CONTROLLER;
  }

  /** Run every construct's validation (what `app.synth()` would), without writing. */
  /** Validate every construct of the platform; returns them (preorder). */
  private validateTree(): IConstruct[] {
    this.writing = true;
    try {
      const errors: string[] = [];
      const all = this.node.findAll();
      for (const c of all) {
        for (const e of c.node.validate()) errors.push(`[${c.node.path}] ${e}`);
      }
      if (errors.length > 0) {
        throw new ValidationError('platform', 'failed construct validation', errors.join('; '), 'fix the problems listed');
      }
      return all;
    } finally {
      this.writing = false;
    }
  }
}

/** EFA interfaces every node of the pool has when all are attached: the smallest `maxEfaInterfaces` of its instance types. */
function efaInterfacesOf(pool: IGpuPool): number {
  return Math.min(...pool.instanceTypes.map((t) => t.maxEfaInterfaces));
}

/**
 * `o.toJson()`, except that a ValidationError thrown while cdk8s resolves the object (a lazy value, e.g. a
 * spec rendered by an `addXxx()` made after construction) arrives as itself: cdk8s (2.70 ApiObject.toJson)
 * catches it and throws a plain Error "Failed serializing construct at path ...", so `isValidationError`
 * would be false and its problems lost. The resolution is repeated outside that catch to get the original.
 */
function toJsonUnwrapped(o: ApiObject): any {
  try {
    return o.toJson();
  } catch (e) {
    if (ValidationError.isValidationError(e)) throw e;
    try {
      resolve([], { ...(o as any).props, metadata: o.metadata.toJson() }, o);
    } catch (original) {
      if (ValidationError.isValidationError(original)) throw original;
    }
    throw e;
  }
}

/** The weaker of two policy actions (ENFORCE > WARN > AUDIT). */
function weakerAction(a: PolicyAction, b: PolicyAction): PolicyAction {
  const rank = [PolicyAction.AUDIT, PolicyAction.WARN, PolicyAction.ENFORCE];
  return rank.indexOf(a) <= rank.indexOf(b) ? a : b;
}
