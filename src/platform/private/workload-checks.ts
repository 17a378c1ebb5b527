import type { Chart } from 'cdk8s';
import { ProblemCollector, ValidationError } from '../../core/errors';
import { GpuPool, IGpuPool } from '../../core/gpu-pool';
import { Names } from '../../core/names';
import type { ITenant } from '../../k8s/tenancy/tenant';
import type { PlatformNames } from '../platform-names';
import type { PlatformSpec } from '../platform-spec';

/** Rebuilds of one model at most (each without the serving options found wrong so far). */
const MAX_ROUNDS = 10;

/** Construct prop names that the spec spells differently. */
const SPEC_PROP: { [constructProp: string]: string } = { modelName: 'name', source: 'weights', jobName: 'name' };

/**
 * The construct-level rules of the spec's workloads, in the spec validator, so both entry points run them.
 *
 * `models[i]` carries every serving option of `k8s.ModelServingOptions` and `fineTuningJobs[i]` a
 * FineTuningJob's: their rules (ranges, whole-unit durations, sizes, env names, versions, tensor parallelism,
 * ...) live in the k8s constructs. Rather than a copy of them here (which would drift), each model and job is
 * built once, exactly as KubernetesPlatform builds it, in a throwaway cdk8s tree (never synthesized): any
 * ValidationError it throws is recorded under the entry's spec path (`models[0].gpuMemoryUtilization`).
 * Spec-level rules (quotas, references, capacity) are the validator's own: the throwaway tenant has room
 * for any GPUs, and entries whose tenant or pool the validator refuses are skipped. A problem whose path the
 * validator already reported is not repeated.
 *
 * Cost: construction only (no synth, no serialization), a few milliseconds per model.
 */
export function checkWorkloads(collector: ProblemCollector, spec: PlatformSpec, names: PlatformNames): void {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { App, Chart: ChartClass } = require('cdk8s') as typeof import('cdk8s');
  const { ModelServer } = require('../../k8s/serving/model-server') as typeof import('../../k8s/serving/model-server');
  const { KServeInferenceService } = require('../../k8s/serving/kserve-inference-service') as typeof import('../../k8s/serving/kserve-inference-service');
  const { FineTuningJob } = require('../../k8s/training/fine-tuning-job') as typeof import('../../k8s/training/fine-tuning-job');
  const { Tenant } = require('../../k8s/tenancy/tenant') as typeof import('../../k8s/tenancy/tenant');
  const { servingOptionsOf } = require('../../k8s/private/model-serving') as typeof import('../../k8s/private/model-serving');
  const { ModelSource } = require('../../k8s/serving/model-source') as typeof import('../../k8s/serving/model-source');
  /* eslint-enable @typescript-eslint/no-require-imports */

  const reported = new Set(collector.problems.map((p) => p.prop));
  /** Run `fn`; record its problems under `at`; returns the construct props they name (their first segment). */
  const record = (at: string, fn: () => void): string[] => {
    try {
      fn();
      return [];
    } catch (e) {
      if (!ValidationError.isValidationError(e)) throw e;
      const heads = e.problems.map((p) => p.prop.split(/[.[]/)[0]);
      const kept = e.problems.map((p) => {
        const [head, ...rest] = p.prop.split('.');
        return { ...p, prop: `${at}.${[SPEC_PROP[head] ?? head, ...rest].join('.')}` };
      }).filter((p) => !reported.has(p.prop));
      kept.forEach((p) => reported.add(p.prop));
      e.problems.splice(0, e.problems.length, ...kept);
      collector.addError(e);
      return heads;
    }
  };
  const chart: Chart = new ChartClass(new App(), 'spec-check');
  const pools = new Map<string, IGpuPool>();
  for (const p of spec.gpuPools) {
    if (pools.has(p.name)) continue;
    try {
      pools.set(p.name, GpuPool.fromAttributes({ poolName: p.name, instanceTypes: p.instanceTypes, maxNodes: p.maxNodes }));
    } catch {
      // the validator reports the pool
    }
  }
  const tenantNames = new Set(spec.tenants.map((t) => t.name));
  const tenantFor = (name: string): ITenant | undefined => (tenantNames.has(name) && Names.isDns1123Label(name)
    ? Tenant.fromTenantAttributes({ tenantName: name, gpuQuota: Number.MAX_SAFE_INTEGER, environment: spec.environment }) : undefined);
  const images = spec.images ?? {};
  const source = (w: any) => {
    if (w?.inModelStore) return w._inBucket(names.modelStoreBucket, spec.region, images.awsCli);
    if (w?._huggingFace) return ModelSource.huggingFace(w._huggingFace);
    if (w?._pvc) return ModelSource.pvc(w._pvc);
    return w;
  };
  const weightVerification = spec.policy?.signatures?.weights;

  (spec.models ?? []).forEach((m, i) => {
    const tenant = tenantFor(m.tenant);
    const pool = pools.get(m.gpuPool);
    if (!tenant || !pool) return;
    const at = `models[${i}]`;
    // weights the validator refused would only fail again here (under another path)
    if ([...reported].some((p) => p.startsWith(`${at}.weights`) || p.startsWith(`${at}.canary.weights`))) return;
    // a verification the validator already refused (the model's own or the spec-wide one) is not checked twice
    const verificationAt = m.verification ? `${at}.verification` : 'policy.signatures.weights';
    const verification = [...reported].some((p) => p.startsWith(verificationAt)) ? undefined : m.verification ?? weightVerification;
    const options: { [option: string]: any } = { ...servingOptionsOf(m), verification };
    // adapters in the model store read from the platform's bucket, as the weights (KubernetesPlatform does the same)
    if (m.adapters) {
      if ([...reported].some((p) => p.startsWith(`${at}.adapters`))) delete options.adapters;
      else options.adapters = m.adapters.map((a) => ({ name: a.name, weights: source(a.weights) }));
    }
    // The constructs stop at their first problem: build again without each option found wrong (its default
    // instead), so every wrong serving option of the model is reported in this one round.
    for (let round = 0; round < MAX_ROUNDS; round++) {
      let server: InstanceType<typeof ModelServer> | undefined;
      const wrong = record(at, () => {
        const serving = options as ReturnType<typeof servingOptionsOf>;
        const props = { ...serving, tenant: tenantFor(m.tenant)!, modelName: m.name, source: source(m.weights), pool };
        if (m.kserve) new KServeInferenceService(chart, `Model${i}-${round}`, props);
        else server = new ModelServer(chart, `Model${i}-${round}`, props);
      });
      if (wrong.length === 0) {
        if (server && m.canary) {
          const built = server;
          const canary = m.canary;
          record(`${at}.canary`, () => built.addCandidate({
            version: canary.version,
            image: canary.image,
            source: canary.weights ? source(canary.weights) : source(m.weights),
            replicas: canary.replicas,
          }));
        }
        break;
      }
      const retry = wrong.filter((option) => options[option] !== undefined);
      if (retry.length === 0) break;
      for (const option of retry) delete options[option];
      // without the adapters, their rank and volume would be reported as having no effect: a consequence, not a problem
      if (retry.includes('adapters')) for (const option of ['maxLoraRank', 'adaptersVolumeSize']) delete options[option];
    }
  });
  (spec.fineTuningJobs ?? []).forEach((j, i) => {
    const tenant = tenantFor(j.tenant);
    const pool = pools.get(j.gpuPool);
    if (!tenant || !pool || [...reported].some((p) => p.startsWith(`fineTuningJobs[${i}].baseModel`))) return;
    record(`fineTuningJobs[${i}]`, () => new FineTuningJob(chart, `Job${i}`, {
      tenant,
      jobName: j.name,
      image: j.image,
      command: j.command,
      baseModel: source(j.baseModel),
      pool,
      datasetUri: names.s3Uri(j.datasetPrefix),
      adapterOutputUri: names.s3Uri(names.adapterPrefix(j.name)),
      workers: j.workers,
      gpusPerWorker: j.gpusPerWorker,
    }));
  });
}
