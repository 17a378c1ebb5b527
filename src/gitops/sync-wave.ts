/**
 * The Argo CD sync waves (`argocd.argoproj.io/sync-wave`) that encode the platform's install order.
 *
 * The Argo CD objects of the bootstrap directory are synced by one parent ("app of apps"), so the
 * parent applies them wave by wave and waits for each wave to be healthy: AppProjects, then
 * CRD-owning operators, then controllers, then the platform's own policies and components, then
 * tenants' apps. Gaps of 10 leave room for add-ons of your own between the stages.
 */
export class SyncWave {
  /** AppProjects: before any Application that uses them. */
  public static readonly PROJECTS = 0;
  /** CRD-owning operators: Kyverno or Gatekeeper, Istio base, cert-manager, Prometheus operator CRDs, KServe CRDs. */
  public static readonly CRD_OPERATORS = 10;
  /** Controllers: istiod, OpenTelemetry operator, kube-prometheus-stack, Karpenter, NVIDIA device plugin, DCGM exporter, KEDA, KServe. */
  public static readonly CONTROLLERS = 20;
  /** The platform's own components and policies (the platform ApplicationSet). */
  public static readonly POLICIES = 30;
  /** Tenants' apps (the tenants ApplicationSet). */
  public static readonly TENANT_APPS = 40;

  private constructor() {}
}
