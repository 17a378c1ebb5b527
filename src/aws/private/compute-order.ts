import { dependable, TerraformResource } from 'cdktf';

interface NodeGroupEntry {
  readonly resource: TerraformResource;
  /** Whether the platform add-ons (CoreDNS, CSI controllers) schedule onto this group. */
  readonly hostsSystemAddons: boolean;
}

interface State {
  readonly nodeGroups: NodeGroupEntry[];
  readonly beforeCompute: TerraformResource[];
  readonly afterCompute: TerraformResource[];
}

const STATES = new WeakMap<object, State>();

function addDependency(resource: TerraformResource, on: TerraformResource): void {
  const fqn = dependable(on);
  const deps = resource.dependsOn ?? [];
  if (!deps.includes(fqn)) resource.dependsOn = [...deps, fqn];
}

/**
 * Ordering between a cluster's managed add-ons and its node groups, whatever order the constructs
 * are created in (internal): every node group waits for the networking/identity add-ons (`vpc-cni`,
 * `kube-proxy`, `eks-pod-identity-agent`) so nodes become Ready; workload add-ons (`coredns`, CSI
 * drivers) wait only for the node groups that host them (the system pool), never for GPU groups: a GPU
 * stock-out or quota limit that fails a GPU group must not keep the cluster from getting DNS.
 */
export class ComputeOrder {
  /**
   * Register a node group. `hostsSystemAddons`: whether platform add-ons schedule onto it (untainted
   * system pools yes, GPU pools no: their taint keeps add-ons off).
   */
  public static registerNodeGroup(cluster: object, nodeGroup: TerraformResource, hostsSystemAddons: boolean): void {
    const state = ComputeOrder.state(cluster);
    state.nodeGroups.push({ resource: nodeGroup, hostsSystemAddons });
    for (const addon of state.beforeCompute) addDependency(nodeGroup, addon);
    if (hostsSystemAddons) {
      for (const addon of state.afterCompute) addDependency(addon, nodeGroup);
    }
  }

  public static registerAddons(cluster: object, beforeCompute: TerraformResource[], afterCompute: TerraformResource[]): void {
    const state = ComputeOrder.state(cluster);
    state.beforeCompute.push(...beforeCompute);
    state.afterCompute.push(...afterCompute);
    for (const group of state.nodeGroups) {
      for (const addon of beforeCompute) addDependency(group.resource, addon);
      if (group.hostsSystemAddons) {
        for (const addon of afterCompute) addDependency(addon, group.resource);
      }
    }
  }

  private static state(cluster: object): State {
    let state = STATES.get(cluster);
    if (!state) {
      state = { nodeGroups: [], beforeCompute: [], afterCompute: [] };
      STATES.set(cluster, state);
    }
    return state;
  }

  private constructor() {}
}
