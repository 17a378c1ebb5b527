// AWS layer (cdktf): production EKS, GPU node pools, Pod Identity, model store, registry, audit and
// security baseline. Explicit exports only (DESIGN.md section 2).
export { Network, NatGateways, VpcEndpointService } from './network';
export type { INetwork, NetworkAttributes, NetworkProps } from './network';
export { EksCluster, EndpointAccess, AccessLevel, AccessEntryType, ClusterLogType, UpgradeSupportType } from './eks-cluster';
export type { IEksCluster, ClusterAccessOptions, ClusterAccess, EksClusterProps } from './eks-cluster';
export { NodePool, NodeAmiType, CapacityType } from './node-pool';
export type { NodePoolOptions, NodePoolProps } from './node-pool';
export { GpuNodePool } from './gpu-node-pool';
export type { GpuNodePoolProps } from './gpu-node-pool';
