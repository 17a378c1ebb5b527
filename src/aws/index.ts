// AWS layer (cdktf): production EKS, GPU node pools, Pod Identity, model store, registry, audit and
// security baseline (docs/DESIGN.md section 2).
export * from './admin-host';
export * from './audit';
export * from './cluster-addons';
export * from './eks-cluster';
export * from './gpu-node-pool';
export * from './image-registry';
export * from './karpenter';
export * from './load-balancer-controller';
export * from './model-store';
export * from './model-store-replication';
export * from './network';
export * from './node-pool';
export * from './node-volume-key';
export * from './pod-identity-role';
export * from './registry-replication';
export * from './security-baseline';
