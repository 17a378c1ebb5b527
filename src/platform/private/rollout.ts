/**
 * The rollout stages of a fleet (the fleet ApplicationSet's RollingSync steps, KubernetesFleet): each environment in
 * promotion order, region by region in spec order; clusters of one environment in one region are one stage.
 */
export function rolloutStages(clusters: { environment: string; region: string }[]): { environment: string; region: string }[] {
  const out: { environment: string; region: string }[] = [];
  for (const c of clusters) {
    if (!out.some((s) => s.environment === c.environment && s.region === c.region)) out.push({ environment: c.environment, region: c.region });
  }
  return out;
}

/** The 1-based rollout stage of a cluster. */
export function rolloutStageOf(clusters: { environment: string; region: string }[], cluster: { environment: string; region: string }): number {
  return rolloutStages(clusters).findIndex((s) => s.environment === cluster.environment && s.region === cluster.region) + 1;
}
