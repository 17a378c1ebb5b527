/**
 * How a model's pods roll out and survive node drains: the Deployment strategy, the PodDisruptionBudget
 * and the rollout surge, shared by ModelServer and KServeInferenceService.
 */
import { IConstruct } from 'constructs';
import { validateInt } from './pod';
import { ValidationError } from '../../core/errors';

/** 1 surge replica for a single replica (it would otherwise go down on every rollout), none from 2. */
export function defaultRolloutSurge(replicasMin: number): number {
  return replicasMin < 2 ? 1 : 0;
}

/**
 * The rollout strategy and disruption budget of a model's pods (shared with KServeInferenceService).
 *
 * - Rollout: with a surge, `maxSurge: <surge>, maxUnavailable: 0` (the new replica loads its weights while
 *   the old one serves); without, `maxSurge: 0, maxUnavailable: 1`, which keeps serving only from 2 replicas
 *   (Kubernetes Deployment docs, "Rolling Update Deployment").
 * - Drains: from 2 replicas, `maxUnavailable: 1`; a single replica gets `minAvailable: 1`, so a drain waits
 *   for a second replica to run instead of taking the model down (Kubernetes "Specifying a Disruption Budget
 *   for your Application", single-instance applications). Both use `unhealthyPodEvictionPolicy: AlwaysAllow`,
 *   so a replica that is not ready never blocks a drain, and a Karpenter NodePool's `terminationGracePeriod`
 *   bounds the wait on its nodes (an EKS managed node group update fails after 15 minutes unless forced).
 */
export function modelDisruption(replicasMin: number, surge: number): { strategy: any; pdb: any } {
  return {
    strategy: { type: 'RollingUpdate', rollingUpdate: surge > 0 ? { maxSurge: surge, maxUnavailable: 0 } : { maxSurge: 0, maxUnavailable: 1 } },
    pdb: { ...(replicasMin >= 2 ? { maxUnavailable: 1 } : { minAvailable: 1 }), unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  };
}

/**
 * Resolve and validate a model's rollout surge (shared with KServeInferenceService).
 */
export function resolveRolloutSurge(surge: number | undefined, replicasMin: number, prop: string, scope: IConstruct): number {
  const value = validateInt(prop, surge ?? defaultRolloutSurge(replicasMin), 0, Number.MAX_SAFE_INTEGER, 'use 1 (one extra replica during a rollout) or 0 with at least 2 replicas', scope);
  if (value === 0 && replicasMin < 2) {
    throw new ValidationError(prop, 'must be at least 1 for a model with a single replica: an in-place rollout stops the only replica and the model serves nothing until the new one has loaded its weights', value,
      `set '${prop}' to 1 (the tenant quota and the pool need room for one more replica), or run at least 2 replicas`, scope);
  }
  return value;
}
