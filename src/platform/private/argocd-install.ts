/**
 * Argo CD facts of the pinned release (argoproj/argo-cd v3.5.1, vendored in schemas/upstream/argocd with
 * SOURCES.md; test/platform/argocd-facts.test.ts checks them against the files).
 */

/** The namespace of an Argo CD install (manifests/install.yaml is applied to it). */
export const ARGOCD_NAMESPACE = 'argocd';

/** The ServiceAccounts of an Argo CD install (manifests/install.yaml). */
export const ARGOCD_SERVICE_ACCOUNTS = [
  'argocd-application-controller', 'argocd-applicationset-controller', 'argocd-dex-server', 'argocd-notifications-controller',
  'argocd-redis', 'argocd-repo-server', 'argocd-server',
];

/** The ServiceAccounts that reach other clusters and need the management role (declarative-setup.md, "EKS"). */
export const ARGOCD_CLUSTER_CLIENTS = ['argocd-application-controller', 'argocd-applicationset-controller', 'argocd-server'];

/** The `argocd-cmd-params-cm` key that turns progressive syncs on (Progressive-Syncs.md). */
export const PROGRESSIVE_SYNCS_PARAM = 'applicationsetcontroller.enable.progressive.syncs';
