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
export { PodIdentityRole } from './pod-identity-role';
export type { IAwsRole, PodIdentityRoleProps, PolicyStatementProps } from './pod-identity-role';
export { ModelStore, ObjectLockMode } from './model-store';
export type { IModelStore, ModelStoreProps, ObjectLockOptions } from './model-store';
export { ImageRegistry } from './image-registry';
export type { IImageRegistry, ImageRegistryProps } from './image-registry';
export { ClusterAddons, ManagedAddon } from './cluster-addons';
export type { ClusterAddonsProps, MountpointS3Options } from './cluster-addons';
export { Audit } from './audit';
export type { AuditProps } from './audit';
export { SecurityBaseline, SecurityHubStandard, FindingSeverity } from './security-baseline';
export type { SecurityBaselineProps, SplunkForwardingOptions } from './security-baseline';
export { Karpenter } from './karpenter';
export type { KarpenterProps } from './karpenter';
