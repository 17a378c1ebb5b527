/**
 * The namespaces every Kubernetes cluster has, which no tenant may take (Kubernetes documentation,
 * "Namespaces" > "Initial namespaces": `default`, `kube-node-lease`, `kube-public`, `kube-system`).
 * A tenant there would get the tenant's Pod Security level, default-deny NetworkPolicies and quotas,
 * breaking aws-node, kube-proxy and CoreDNS.
 */
export const KUBERNETES_SYSTEM_NAMESPACES: readonly string[] = ['default', 'kube-node-lease', 'kube-public', 'kube-system'];
