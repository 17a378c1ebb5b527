import { dependable, TerraformResource } from 'cdktf';

interface State {
  readonly nodeGroups: TerraformResource[];
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
 * are created in (internal): node groups wait for the networking/identity add-ons (`vpc-cni`,
 * `kube-proxy`, `eks-pod-identity-agent`) so nodes become Ready, and workload add-ons (`coredns`,
 * CSI drivers) wait for node groups so they do not report DEGRADED with nowhere to schedule.
 */
export class ComputeOrder {
  public static registerNodeGroup(cluster: object, nodeGroup: TerraformResource): void {
    const state = ComputeOrder.state(cluster);
    state.nodeGroups.push(nodeGroup);
    for (const addon of state.beforeCompute) addDependency(nodeGroup, addon);
    for (const addon of state.afterCompute) addDependency(addon, nodeGroup);
  }

  public static registerAddons(cluster: object, beforeCompute: TerraformResource[], afterCompute: TerraformResource[]): void {
    const state = ComputeOrder.state(cluster);
    state.beforeCompute.push(...beforeCompute);
    state.afterCompute.push(...afterCompute);
    for (const nodeGroup of state.nodeGroups) {
      for (const addon of beforeCompute) addDependency(nodeGroup, addon);
      for (const addon of afterCompute) addDependency(addon, nodeGroup);
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
