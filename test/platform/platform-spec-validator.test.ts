import { Duration } from 'cdk8s';
import { DIGEST, expectBothEntryPointsRefuse, REGISTRY, smallSpec, validationErrorOf } from './fixtures';
import { GpuInstanceType, ModelRuntime } from '../../src/core';
import { GpuProvisioning, ModelWeights, PlatformSpec, PlatformSpecValidator } from '../../src/platform';

const model = smallSpec().models![0];

/** [what is broken, the spec, the spec path, a fragment of the value, a fragment of the fix] */
const BROKEN: [string, PlatformSpec, string, string, string][] = [
  ['unknown tenant', smallSpec({ models: [{ ...model, tenant: 'serch' }] }), 'models[0].tenant', "'serch'", 'use one of: search'],
  ['unknown pool', smallSpec({ models: [{ ...model, gpuPool: 'h100' }] }), 'models[0].gpuPool', "'h100'", 'use one of: a10g'],
  ['GPUs beyond one node', smallSpec({ models: [{ ...model, gpusPerReplica: 4 }] }), 'models[0].gpusPerReplica', '4', 'lower it to at most 1'],
  ['tenant without GPUs', smallSpec({ tenants: [{ name: 'search' }] }), 'models[0].tenant', "'search'", "set 'tenants[0].gpuQuota'"],
  ['quota below max replicas', smallSpec({ tenants: [{ name: 'search', gpuQuota: 2 }] }), 'tenants[0].gpuQuota', '2', 'raise gpuQuota to at least 5'],
  ['pool too small', smallSpec({ models: [{ ...model, replicas: { min: 1, max: 9 } }], tenants: [{ name: 'search', gpuQuota: 10 }] }),
    'gpuPools[0].maxNodes', '4', 'raise maxNodes to at least 9'],
  ['defect 7: a managed node group alone never grows past its desired size', smallSpec({
    gpuPools: [{ name: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], minNodes: 1, maxNodes: 4, provisioning: GpuProvisioning.MANAGED_NODE_GROUP }],
    models: [{ ...model, gpuPool: 'l40s', gpusPerReplica: 4, replicas: { min: 1, max: 2 } }, { ...model, name: 'llama3-70b', gpuPool: 'l40s', gpusPerReplica: 4, replicas: { min: 1, max: 1 }, kserve: true }],
    tenants: [{ name: 'search', gpuQuota: 20 }],
  }), 'gpuPools[0].minNodes', '1', 'or provision the pool with GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER'],
  ['unpinned image', smallSpec({ models: [{ ...model, image: `${REGISTRY}/acme-llm/vllm:latest` }] }), 'models[0].image', ':latest', 'crane digest'],
  ['image from another registry', smallSpec({ models: [{ ...model, image: `docker.io/vllm/vllm-openai${DIGEST}` }] }), 'models[0].image', 'docker.io', "'policy.allowedRegistries'"],
  ['helper image outside the registries', smallSpec({ images: {} }), 'images.awsCli', 'docker.io/amazon/aws-cli', "set 'images.awsCli'"],
  ['duplicate model', smallSpec({ models: [model, model] }), 'models[1].name', "'llama3-8b'", 'give every model its own name'],
  ['bad weights prefix', smallSpec({ models: [{ ...model, weights: ModelWeights.fromModelStore('/models/llama', 'v1') }] }), 'models[0].weights.prefix', "'/models/llama'",
    "use e.g. 'models/llama3-8b/'"],
  ['unpinned Hugging Face revision', smallSpec({ models: [{ ...model, weights: ModelWeights.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B', revision: 'main' }) }] }),
    'models[0].weights.revision', "'main'", 'pin the commit'],
  ['canary without a change', smallSpec({ models: [{ ...model, canary: { version: '2024-07-01' } }] }), 'models[0].canary', "'2024-07-01'", "set 'canary.image' or 'canary.weights'"],
  ['canary on KServe', smallSpec({ models: [{ ...model, kserve: true, canary: { version: 'v2', image: `${REGISTRY}/acme-llm/vllm@sha256:${'b'.repeat(64)}` } }] }),
    'models[0].canary', "'v2'", 'drop the canary'],
  ['SLO the runtime cannot measure', smallSpec({ models: [{ ...model, runtime: ModelRuntime.TRITON, slo: { interTokenLatencyP99: Duration.millis(100) } }] }),
    'models[0].slo.interTokenLatencyP99', '', 'remove it for this model'],
  ['public route without a gateway', smallSpec({ models: [{ ...model, publicRoute: true }] }), 'models[0].publicRoute', 'true', "set 'mesh.ingressHosts'"],
  ['gateway without TLS', smallSpec({ mesh: { ingressHosts: ['llm.example.com'] } }), 'mesh.tlsCredentialName', 'nothing', 'a Secret in the ingress namespace'],
  ['expired exception', smallSpec({ policy: { referenceDate: '2025-06-01', exceptions: [{ ...smallSpec().policy!.exceptions![0], expires: '2025-01-01' }] } }),
    'policy.exceptions[0].expires', "'2025-01-01'", 'renew it'],
  ['unknown rule in an exception', smallSpec({ policy: { referenceDate: '2025-06-01', exceptions: [{ ...smallSpec().policy!.exceptions![0], ruleIds: ['LLM-XYZ-001'] }] } }),
    'policy.exceptions[0].ruleIds[0]', "'LLM-XYZ-001'", 'use a rule id'],
  ['EFA on a non-EFA type', smallSpec({ gpuPools: [{ ...smallSpec().gpuPools[0], efa: true, provisioning: GpuProvisioning.MANAGED_NODE_GROUP }] }),
    'gpuPools[0].efa', 'true', 'drop efa'],
  ['mixed GPU models in a pool', smallSpec({ gpuPools: [{ ...smallSpec().gpuPools[0], instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G6E_2XLARGE] }] }),
    'gpuPools[0].instanceTypes', 'g6e.2xlarge', 'use one pool per GPU model'],
  ['reserved tenant name', smallSpec({ tenants: [{ name: 'search', gpuQuota: 4 }, { name: 'mesh' }] }), 'tenants[1].name', "'mesh'", 'use another name'],
  ['job and model share a ServiceAccount', smallSpec({
    fineTuningJobs: [{
      name: 'llama3-8b', tenant: 'search', image: model.image, command: ['train'], baseModel: model.weights, gpuPool: 'a10g', datasetPrefix: 'datasets/x/',
    }],
    tenants: [{ name: 'search', gpuQuota: 6 }],
  }), 'fineTuningJobs[0].name', "'llama3-8b'", 'give the job a name no model'],
  ['bad account and region', smallSpec({ accountId: '1234', region: 'mars-1' }), 'accountId', "'1234'", "'123456789012'"],
  ['Splunk token inline', smallSpec({ audit: { splunk: { hecEndpoint: 'https://hec.example.com', hecTokenSecretArn: 'abcd-token' } } }),
    'audit.splunk.hecTokenSecretArn', "'abcd-token'", 'arn:aws:secretsmanager:'],
  ['AMP workspace in another account', smallSpec({ observability: { ampWorkspaceArn: 'arn:aws:aps:us-east-1:999999999999:workspace/ws-1' } }),
    'observability.ampWorkspaceArn', '999999999999', 'arn:aws:aps:us-east-1:123456789012'],
  ['collector image unpinned by default', smallSpec({ observability: { tracesEndpoint: 'tempo.tracing.svc:4317' } }), 'images.otelCollector', 'nothing', 'pinned by digest'],
];

describe('PlatformSpecValidator', () => {
  test('the fixture spec is valid', () => {
    expect(PlatformSpecValidator.problems(smallSpec())).toEqual([]);
    expect(() => PlatformSpecValidator.validate(smallSpec())).not.toThrow();
  });

  test.each(BROKEN)('%s: both entry points fail naming the spec path, value and fix', (_what, spec, prop, value, fix) => {
    expectBothEntryPointsRefuse(spec, prop, value, fix);
  });

  test('every problem of a spec is listed at once, not only the first', () => {
    const spec = smallSpec({
      accountId: 'x',
      tenants: [{ name: 'search', gpuQuota: 1 }],
      models: [{ ...model, tenant: 'nobody' }, { ...model, name: 'm2', gpuPool: 'nope', image: 'vllm:latest' }],
      gitops: { repoUrl: '' },
    });
    const props = PlatformSpecValidator.problems(spec).map((p) => p.prop);
    expect(props).toEqual(expect.arrayContaining([
      'accountId', 'models[0].tenant', 'models[1].gpuPool', 'models[1].image', 'tenants[0].gpuQuota', 'gitops.repoUrl',
    ]));
    const error = validationErrorOf(() => PlatformSpecValidator.validate(spec));
    expect(error.message).toMatch(/^\d+ problems:\n- '/);
    expect(error.problems.length).toBe(props.length);
  });

  test('managed node groups are capped at 450 nodes (EKS quota); Karpenter-only pools are not', () => {
    const pool = smallSpec().gpuPools[0];
    const big = smallSpec({ gpuPools: [{ ...pool, maxNodes: 451 }], systemPool: { maxNodes: 500 } });
    expect(PlatformSpecValidator.problems(big).filter((p) => p.prop.endsWith('maxNodes'))).toEqual([
      { prop: 'systemPool.maxNodes', problem: 'must be at most 450 for an EKS managed node group', value: '500', fix: 'use larger instances for the system pool' },
      { prop: 'gpuPools[0].maxNodes', problem: 'must be at most 450 for an EKS managed node group', value: '451', fix: 'use larger instances, split the pool, or provision it with GpuProvisioning.KARPENTER' },
    ]);
    const karpenter = smallSpec({ gpuPools: [{ ...pool, maxNodes: 451, provisioning: GpuProvisioning.KARPENTER }] });
    expect(PlatformSpecValidator.problems(karpenter).filter((p) => p.prop.endsWith('maxNodes'))).toEqual([]);
  });

  test('capacity per pool: the nodes the provisioners really reach x GPUs per node vs the most GPUs requested (with rollout surges)', () => {
    // 1 managed node (minNodes default) + 4 Karpenter nodes; llama3-8b 4 replicas + 1 surge, 1 at its fewest
    expect(PlatformSpecValidator.capacity(smallSpec())).toEqual([{
      pool: 'a10g', gpusPerNode: 1, maxNodes: 5, capacityGpus: 5, requestedGpus: 5, initialNodes: 1, requestedGpusAtMin: 1, autoscaled: true,
    }]);
  });

  test('defect 7: the reference L40S pool as it was (a managed node group stuck at 1 node, models need 8 GPUs at their fewest) fails', () => {
    const l40s = { name: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], minNodes: 1, maxNodes: 4, provisioning: GpuProvisioning.MANAGED_NODE_GROUP };
    const models = [
      { ...model, name: 'mixtral-8x7b', gpuPool: 'l40s', gpusPerReplica: 4, replicas: { min: 1, max: 2 } },
      { ...model, name: 'llama3-70b', gpuPool: 'l40s', gpusPerReplica: 4, replicas: { min: 1, max: 1 }, kserve: true },
    ];
    const tenants = [{ name: 'search', gpuQuota: 20 }];
    const broken = PlatformSpecValidator.problems(smallSpec({ gpuPools: [l40s], models, tenants }));
    expect(broken).toEqual([{
      prop: 'gpuPools[0].minNodes',
      problem: "gives pool 'l40s' 4 GPUs (1 nodes x 4; a managed node group without an autoscaler never grows toward maxNodes) but its workloads need 8 at their fewest replicas (20 at their most, with rollout surges)",
      value: '1',
      fix: 'set minNodes (and maxNodes) to at least 5, or provision the pool with GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER so Karpenter adds nodes up to maxNodes',
    }]);
    // desiredNodes is the size it keeps, and is blamed when set
    expect(PlatformSpecValidator.problems(smallSpec({ gpuPools: [{ ...l40s, minNodes: 2, desiredNodes: 3 }], models, tenants })).map((p) => p.prop)).toEqual(['gpuPools[0].desiredNodes']);
    expect(PlatformSpecValidator.problems(smallSpec({ gpuPools: [{ ...l40s, minNodes: 5, maxNodes: 5 }], models, tenants }))).toEqual([]);
    // the reference's fix: a managed baseline plus Karpenter up to maxNodes (1 + 4 nodes = 20 GPUs for 20)
    const fixed = { ...l40s, provisioning: GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER };
    expect(PlatformSpecValidator.problems(smallSpec({ gpuPools: [fixed], models, tenants }))).toEqual([]);
    expect(PlatformSpecValidator.capacity(smallSpec({ gpuPools: [fixed], models, tenants }))[0])
      .toMatchObject({ maxNodes: 5, capacityGpus: 20, requestedGpus: 20, requestedGpusAtMin: 8 });
  });
});
