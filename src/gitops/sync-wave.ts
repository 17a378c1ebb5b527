/**
 * The Argo CD sync waves (`argocd.argoproj.io/sync-wave`) that encode the platform's install order.
 *
 * The Argo CD objects of the bootstrap directory are synced by one parent ("app of apps",
 * `BootstrapApplication`), so the parent applies them wave by wave and, with the Application health
 * check restored in `argocd-cm` (Argo CD removed it in 1.8; see `ArgoCdHealthCheck`), waits for each
 * wave to be healthy: Argo CD configuration, AppProjects, CRD-owning operators, the mesh's node agent,
 * controllers, the ingress gateway, the platform's tenancy (namespaces, policy parameters' namespace),
 * its policies, its other components, then tenants' apps. Gaps leave room for add-ons of your own.
 */
export class SyncWave {
  /** Argo CD's own configuration the later waves rely on (the Application health check). */
  public static readonly ARGOCD_CONFIG = -10;
  /** AppProjects: before any Application that uses them. */
  public static readonly PROJECTS = 0;
  /** CRD-owning operators: Kyverno or Gatekeeper, Istio base, cert-manager, Prometheus operator CRDs, KServe CRDs, Gateway API and Inference Extension CRDs. */
  public static readonly CRD_OPERATORS = 10;
  /** Node agents the control plane relies on: the Istio CNI node agent (after Istio base, before istiod). */
  public static readonly NETWORK = 15;
  /** Controllers: istiod, OpenTelemetry operator, kube-prometheus-stack, Karpenter, NVIDIA device plugin, DCGM exporter, KEDA, KServe, training operator. */
  public static readonly CONTROLLERS = 20;
  /** The ingress gateway (its pods are injected by istiod). */
  public static readonly INGRESS = 25;
  /** The platform's tenancy component: namespaces (including the policy parameters' namespace), quotas, network policies. */
  public static readonly TENANCY = 28;
  /** The platform's policies (their parameter ConfigMaps live in a namespace tenancy creates). */
  public static readonly POLICIES = 30;
  /** The platform's other components (GPU agents, mesh, observability), admitted under its policies. */
  public static readonly PLATFORM_COMPONENTS = 35;
  /** Tenants' apps (the tenants ApplicationSet). */
  public static readonly TENANT_APPS = 40;

  private constructor() {}
}
