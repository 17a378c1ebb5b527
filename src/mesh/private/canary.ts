import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { IModelService } from '../../core/model-service';
import type { CanaryOptions } from '../model-traffic';

/** The versions and weights of a model's traffic (`ModelTraffic`, `InferencePoolRoute`). */
export interface ResolvedCanary {
  readonly stableVersion: string;
  readonly candidateVersion?: string;
  readonly stableWeight: number;
  readonly candidateWeight: number;
  readonly testerHeader?: string;
  readonly testerHeaderValue?: string;
}

/**
 * The stable version (`stableVersion`, else 'stable' when served, else the first version) and, with `canary`, the
 * candidate, weights summing to 100 (95/5 by default) and the tester header; every problem a ValidationError.
 */
export function resolveCanary(
  model: IModelService, stableVersion: string | undefined, canary: CanaryOptions | undefined, scope: IConstruct,
): ResolvedCanary {
  const stable = stableVersion ?? (model.versions.includes('stable') ? 'stable' : model.versions[0]);
  if (!model.versions.includes(stable)) {
    throw new ValidationError('stableVersion', `must be a version the model serves (${model.versions.join(', ')})`, stableVersion,
      'pick one of the model versions or serve this version first', scope);
  }
  if (!canary) return { stableVersion: stable, stableWeight: 100, candidateWeight: 0 };
  const candidate = canary.candidateVersion ?? 'candidate';
  if (!model.versions.includes(candidate) || candidate === stable) {
    throw new ValidationError('canary.candidateVersion', `must be a served version other than the stable '${stable}' (served: ${model.versions.join(', ')})`,
      candidate, `deploy the candidate version of ${model.modelName} alongside the stable one, or remove 'canary'`, scope);
  }
  const fix = 'use non-negative whole-number weights that sum to 100, e.g. stableWeight 95 and candidateWeight 5';
  for (const [prop, w] of [['canary.stableWeight', canary.stableWeight], ['canary.candidateWeight', canary.candidateWeight]] as const) {
    if (w !== undefined && (!Number.isInteger(w) || w < 0 || w > 100)) throw new ValidationError(prop, 'must be a whole number between 0 and 100', w, fix, scope);
  }
  const stableWeight = canary.stableWeight ?? (canary.candidateWeight !== undefined ? 100 - canary.candidateWeight : 95);
  const candidateWeight = canary.candidateWeight ?? 100 - stableWeight;
  if (stableWeight + candidateWeight !== 100) {
    throw new ValidationError('canary', 'weights must sum to 100', { stableWeight, candidateWeight }, fix, scope);
  }
  const testerHeader = canary.testerHeader ?? 'x-llm-canary';
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(testerHeader)) {
    throw new ValidationError('canary.testerHeader', 'must be a lower-case HTTP header name', testerHeader, "use e.g. 'x-llm-canary'", scope);
  }
  const testerHeaderValue = canary.testerHeaderValue ?? 'true';
  if (testerHeaderValue.length === 0) throw new ValidationError('canary.testerHeaderValue', 'must not be empty', testerHeaderValue, "use e.g. 'true'", scope);
  return { stableVersion: stable, candidateVersion: candidate, stableWeight, candidateWeight, testerHeader, testerHeaderValue };
}
