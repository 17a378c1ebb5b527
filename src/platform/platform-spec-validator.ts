import { PlatformNames } from './platform-names';
import { ClusterAccessPath, GpuCapacityType, GpuPoolSpec, GpuProvisioning, IngressApi, ModelSpec, PlatformSpec, TenantSpec } from './platform-spec';
import { checkDomains } from './private/domain-checks';
import { servedThroughPool, usesGatewayApi } from './private/inference-routing';
import { checkModelFilters } from './private/model-filters';
import { reservedTenantNames } from './private/reserved-namespaces';
import { checkWorkloads } from './private/workload-checks';
import { ProblemCollector, ValidationProblem } from '../core/errors';
import { GpuPool } from '../core/gpu-pool';
import { ImageReference } from '../core/image-reference';
import { KubernetesVersion } from '../core/kubernetes-version';
import { ModelSize } from '../core/model-size';
import { Names } from '../core/names';
import { IAM_PRINCIPAL_ARN } from '../core/private/iam-arns';
import { checkProps, collectTypeProblems } from '../core/private/runtime-types';
import { LoadBalancerScheme, PlatformAddon } from '../gitops/platform-addon';
import { DEFAULT_FIPS_BOTTLEROCKET_VERSION, nvidiaFipsKubernetesVersions } from '../k8s/private/karpenter-fips-ami';
import { defaultRolloutSurge } from '../k8s/private/model-disruption';
import { fitFailure } from '../k8s/private/model-serving';
import { ModelSource, WeightVerification } from '../k8s/serving/model-source';
import { ServingImages } from '../k8s/serving/serving-images';
import { EndpointPickerFailureMode, EndpointPickerScorer } from '../mesh/inference-pool-route';
import { ImageVerification, SignatureEngine } from '../policy/image-verification';
import { PolicyCatalogue } from '../policy/policy-catalogue';
import { PolicyException } from '../policy/policy-exception';
import { PolicyAction } from '../policy/policy-rule';
import { PolicyEngine } from '../policy/policy-set';

/** Nodes per EKS managed node group (EKS service quota). */
const MANAGED_NODE_GROUP_MAX_NODES = 450;
/** Longest model name: `<model>-candidate` must stay a DNS-1123 label (k8s ModelServer). */
const MAX_MODEL_NAME = 53;
/** Longest job name: pod names add `-master-0` / `-worker-N` (k8s FineTuningJob). */
const MAX_JOB_NAME = 50;
const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * GPU demand and capacity per pool (what the spec asks of each pool at the fewest and the most replicas).
 */
export interface PoolCapacity {
  /** The pool name. */
  readonly pool: string;
  /** GPUs per node of the pool (smallest instance type). */
  readonly gpusPerNode: number;
  /**
   * The most nodes its provisioners really reach: a managed node group has no autoscaler, so it stays at
   * its desired size (`desiredNodes`, else `minNodes`); Karpenter adds up to `maxNodes`.
   */
  readonly maxNodes: number;
  /** GPUs the pool can provide at its most nodes. */
  readonly capacityGpus: number;
  /** GPUs the models (max replicas, one rollout surge replica each when they run a single one, candidates) and fine-tuning jobs on the pool request at most. */
  readonly requestedGpus: number;
  /** Nodes right after apply (the managed node group's desired size; 0 for a Karpenter-only pool). */
  readonly initialNodes: number;
  /** GPUs the models (min replicas and candidates) and fine-tuning jobs on the pool request at their fewest. */
  readonly requestedGpusAtMin: number;
  /** Whether an autoscaler (Karpenter) adds nodes to the pool. */
  readonly autoscaled: boolean;
}

/**
 * Validates a `PlatformSpec` as a whole: every field, every reference between its parts (tenants,
 * GPU pools, registries) and the GPU arithmetic (GPUs per node, tenant quotas, pool capacity). Every
 * problem is collected and reported at once, each naming its spec path (`models[2].tenant`), the value
 * and the fix.
 */
export class PlatformSpecValidator {
  /**
   * Throw one ValidationError listing every problem of the spec (nothing when it is valid).
   */
  public static validate(spec: PlatformSpec): void {
    const checks = new SpecChecks();
    checks.run(spec);
    checks.collector.throwIfAny();
  }

  /**
   * Every problem of the spec (empty when it is valid).
   */
  public static problems(spec: PlatformSpec): ValidationProblem[] {
    const v = new SpecChecks();
    v.run(spec);
    return v.collector.problems;
  }

  /**
   * GPU demand vs capacity per pool, in spec order (for summaries and diagrams; assumes a valid spec).
   */
  public static capacity(spec: PlatformSpec): PoolCapacity[] {
    checkProps('platform.PlatformSpec', spec, 'spec');
    const requested = new Map<string, number>();
    const atMin = new Map<string, number>();
    const add = (pool: string, max: number, min: number) => {
      requested.set(pool, (requested.get(pool) ?? 0) + max);
      atMin.set(pool, (atMin.get(pool) ?? 0) + min);
    };
    for (const m of spec.models ?? []) {
      const gpus = m.gpusPerReplica ?? 1;
      const w = modelGpus(m);
      add(m.gpuPool, w.max, gpus * (m.replicas?.min ?? 2) + w.candidateMin);
    }
    for (const j of spec.fineTuningJobs ?? []) add(j.gpuPool, (j.workers ?? 1) * (j.gpusPerWorker ?? 1), (j.workers ?? 1) * (j.gpusPerWorker ?? 1));
    return spec.gpuPools.map((p) => {
      const gpusPerNode = Math.min(...p.instanceTypes.map((t) => t.gpuCount));
      const maxNodes = poolMaxNodes(p);
      const provisioning = p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP;
      return {
        pool: p.name,
        gpusPerNode,
        maxNodes,
        capacityGpus: gpusPerNode * maxNodes,
        requestedGpus: requested.get(p.name) ?? 0,
        initialNodes: provisioning === GpuProvisioning.KARPENTER ? 0 : managedNodes(p),
        requestedGpusAtMin: atMin.get(p.name) ?? 0,
        autoscaled: provisioning !== GpuProvisioning.MANAGED_NODE_GROUP,
      };
    });
  }

  private constructor() {}
}

/** The nodes of a pool's managed node group: its desired size, which nothing but Terraform changes (no cluster autoscaler). */
function managedNodes(p: GpuPoolSpec): number {
  return p.desiredNodes ?? p.minNodes ?? 0;
}

/** The most nodes a pool really reaches: the managed node group's own (it never grows) plus Karpenter's `maxNodes`. */
function poolMaxNodes(p: GpuPoolSpec): number {
  switch (p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP) {
    case GpuProvisioning.KARPENTER: return p.maxNodes;
    case GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER: return managedNodes(p) + p.maxNodes;
    default: return managedNodes(p);
  }
}

/**
 * The GPUs a model of the spec holds at most (max replicas plus the rollout surge a single replica gets,
 * and its candidate likewise: what the serving layer reserves in the tenant quota) and its candidate's
 * GPUs at rest.
 */
function modelGpus(m: ModelSpec): { max: number; candidate: number; candidateMin: number } {
  const gpus = m.gpusPerReplica ?? 1;
  const max = m.replicas?.max ?? 4;
  const stable = gpus * (max + defaultRolloutSurge(m.replicas?.min ?? 2));
  const canaryReplicas = m.canary && !m.kserve ? m.canary.replicas ?? 1 : 0;
  const candidate = canaryReplicas > 0 ? gpus * (canaryReplicas + defaultRolloutSurge(canaryReplicas)) : 0;
  return { max: stable + candidate, candidate, candidateMin: gpus * canaryReplicas };
}

class SpecChecks {
  public readonly collector = new ProblemCollector();

  public run(spec: PlatformSpec): void {
    const c = this.collector;
    // Types first (wrong JS types, null entries, unknown enum values, look-alike objects): the checks below
    // assume a well-typed spec, so a spec with type problems reports those (every one of them) and stops.
    if (!collectTypeProblems(c, 'platform.PlatformSpec', spec, 'spec')) return;
    this.label('name', spec.name, "use a short lowercase name, e.g. 'acme-llm'");
    this.label('environment', spec.environment, "use e.g. 'prod'");
    if (Names.isDns1123Label(spec.name ?? '') && Names.isDns1123Label(spec.environment ?? '')) {
      const cluster = `${spec.name}-${spec.environment}`;
      // The longest derived name: '<cluster>-findings-backup' is an S3 bucket (max 63 characters).
      c.check(cluster.length <= 38, 'name', `and environment make the cluster name '${cluster}' longer than 38 characters (bucket names append up to 25)`, spec.name,
        'shorten the name or the environment');
    }
    c.check(typeof spec.region === 'string' && REGION.test(spec.region), 'region', 'must be an AWS region', spec.region, "use e.g. 'us-east-1'");
    c.check(typeof spec.accountId === 'string' && ACCOUNT.test(spec.accountId), 'accountId', 'must be a 12-digit AWS account id', spec.accountId, "use e.g. '123456789012'");
    const names = new PlatformNames(spec);

    this.cluster(spec);
    this.systemPool(spec);
    const pools = this.pools(spec);
    const tenants = this.tenants(spec);
    const allowed = this.policy(spec, names);
    this.models(spec, pools, tenants, allowed, names);
    this.jobs(spec, pools, tenants, allowed, names);
    this.quotas(spec);
    this.capacity(spec);
    this.images(spec, allowed);
    this.mesh(spec);
    this.inference(spec);
    this.gitops(spec);
    this.observability(spec);
    this.audit(spec);
    // issue 17: enums, duplicates, reserved names, paths, URLs, control characters (./private/domain-checks.ts)
    checkDomains(c, spec);
    // the k8s constructs' own rules for models[] and fineTuningJobs[], so both entry points run them (./private/workload-checks.ts)
    checkWorkloads(c, spec, names);
  }

  private label(prop: string, value: any, fix: string): boolean {
    return this.collector.check(typeof value === 'string' && Names.isDns1123Label(value), prop,
      'must be a DNS-1123 label (lowercase letters, digits and -, at most 63 characters)', value, fix);
  }

  private wholeNumber(prop: string, value: any, min: number, fix: string): boolean {
    return this.collector.check(Number.isInteger(value) && value >= min, prop, `must be a whole number of at least ${min}`, value, fix);
  }

  private cluster(spec: PlatformSpec): void {
    const cl = spec.cluster ?? {};
    const c = this.collector;
    (cl.publicAccessCidrs ?? []).forEach((cidr, i) => {
      c.check(isCidr(cidr) && cidr !== '0.0.0.0/0', `cluster.publicAccessCidrs[${i}]`, 'must be an IPv4 CIDR narrower than the whole internet', cidr,
        "list your egress ranges, e.g. '203.0.113.0/24'");
    });
    for (const key of ['adminPrincipalArns', 'viewerPrincipalArns'] as const) {
      (cl[key] ?? []).forEach((arn, i) => {
        c.check(typeof arn === 'string' && IAM_PRINCIPAL_ARN.test(arn), `cluster.${key}[${i}]`, 'must be an IAM role or user ARN', arn,
          "use e.g. 'arn:aws:iam::123456789012:role/platform-admins'");
      });
    }
    if (cl.vpcCidr !== undefined) {
      c.check(isCidr(cl.vpcCidr) && Number(cl.vpcCidr.split('/')[1]) <= 20, 'cluster.vpcCidr', 'must be an IPv4 CIDR of /20 or larger', cl.vpcCidr,
        "use e.g. '10.0.0.0/16' (3 private /19 node subnets need room)");
    }
    (cl.availabilityZones ?? []).forEach((az, i) => {
      c.check(typeof az === 'string' && typeof spec.region === 'string' && az.startsWith(spec.region) && az.length === spec.region.length + 1,
        `cluster.availabilityZones[${i}]`, `must be a zone of region '${spec.region}'`, az, `use e.g. '${spec.region}a'`);
    });
    if (cl.availabilityZones !== undefined) {
      c.check(cl.availabilityZones.length >= 2, 'cluster.availabilityZones', 'must list at least two zones (EKS needs subnets in two)', cl.availabilityZones,
        `list e.g. ['${spec.region}a', '${spec.region}b', '${spec.region}c']`);
    }
    // access path (issue 13 point 8): a declared way to the API, consistent with the endpoint
    const cidrs = cl.publicAccessCidrs ?? [];
    if (cl.accessPath !== undefined) {
      if (c.check(Object.values(ClusterAccessPath).includes(cl.accessPath), 'cluster.accessPath', 'must be a ClusterAccessPath', cl.accessPath,
        'use ClusterAccessPath.ADMIN_HOST, PUBLIC_ENDPOINT or PRIVATE_NETWORK')) {
        c.check(cl.accessPath !== ClusterAccessPath.PUBLIC_ENDPOINT || cidrs.length > 0, 'cluster.accessPath', 'is public-endpoint but no publicAccessCidrs are listed',
          cl.accessPath, "list the operator and CI CIDRs in 'cluster.publicAccessCidrs', or choose ClusterAccessPath.ADMIN_HOST");
        c.check(cl.accessPath !== ClusterAccessPath.PRIVATE_NETWORK || cidrs.length === 0, 'cluster.accessPath', 'is private-network but publicAccessCidrs open a public endpoint',
          cl.accessPath, "drop 'cluster.publicAccessCidrs', or choose ClusterAccessPath.PUBLIC_ENDPOINT");
      }
    }
    if (cl.adminHost !== undefined) {
      c.check(cl.accessPath === ClusterAccessPath.ADMIN_HOST, 'cluster.adminHost', 'is set but cluster.accessPath is not admin-host', cl.accessPath,
        "set 'cluster.accessPath' to ClusterAccessPath.ADMIN_HOST, or drop 'cluster.adminHost'");
      if (cl.adminHost.instanceType !== undefined) {
        c.check(typeof cl.adminHost.instanceType === 'string' && /^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(cl.adminHost.instanceType), 'cluster.adminHost.instanceType',
          "must be an EC2 instance type '<family>.<size>'", cl.adminHost.instanceType, "use e.g. 't3.small'");
      }
    }
    if (cl.loadBalancerController === false) {
      c.check((spec.mesh?.ingressHosts ?? []).length === 0, 'cluster.loadBalancerController', "is false but the mesh's ingress gateway needs the controller for its NLB",
        cl.loadBalancerController, "drop 'cluster.loadBalancerController' (the controller comes with the gateway), or drop 'mesh.ingressHosts'");
    }
  }

  private systemPool(spec: PlatformSpec): void {
    const s = spec.systemPool;
    if (!s) return;
    const min = s.minNodes ?? 3;
    const max = s.maxNodes ?? 6;
    const okMin = this.wholeNumber('systemPool.minNodes', min, 1, 'run at least one system node (controllers need somewhere to run)');
    const okMax = this.wholeNumber('systemPool.maxNodes', max, 1, 'allow at least one node')
      && this.collector.check(max <= MANAGED_NODE_GROUP_MAX_NODES, 'systemPool.maxNodes', `must be at most ${MANAGED_NODE_GROUP_MAX_NODES} for an EKS managed node group`,
        max, 'use larger instances for the system pool');
    if (okMin && okMax) this.collector.check(max >= min, 'systemPool.maxNodes', `must be at least minNodes (${min})`, max, `raise maxNodes to ${min} or more`);
    if (s.instanceTypes !== undefined) {
      this.collector.check(Array.isArray(s.instanceTypes) && s.instanceTypes.length > 0, 'systemPool.instanceTypes', 'must list at least one instance type', s.instanceTypes,
        "use e.g. ['m7i.xlarge']");
    }
  }

  private pools(spec: PlatformSpec): Map<string, { index: number; pool: GpuPoolSpec; gpusPerNode: number }> {
    const c = this.collector;
    const out = new Map<string, { index: number; pool: GpuPoolSpec; gpusPerNode: number }>();
    if (!c.check(Array.isArray(spec.gpuPools) && spec.gpuPools.length > 0, 'gpuPools', 'must list at least one GPU pool', spec.gpuPools,
      "add e.g. { name: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE], maxNodes: 4 }")) return out;
    spec.gpuPools.forEach((p, i) => {
      const at = `gpuPools[${i}]`;
      if (this.label(`${at}.name`, p.name, "use the GPU model, e.g. 'a10g' or 'l40s'")) {
        if (out.has(p.name)) c.add(`${at}.name`, `must be unique (gpuPools[${out.get(p.name)!.index}] has it too)`, p.name, 'give every pool its own name');
      }
      let typesOk = true;
      try {
        GpuPool.validateInstanceTypes(`${at}.instanceTypes`, p.instanceTypes);
      } catch (e) {
        typesOk = false;
        c.addError(e);
      }
      let maxOk = this.wholeNumber(`${at}.maxNodes`, p.maxNodes, 1, 'set the most nodes the pool scales to');
      if (maxOk && (p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP) !== GpuProvisioning.KARPENTER) {
        // EKS managed node groups scale to at most 450 nodes (EKS service quota "nodes per managed node group").
        maxOk = c.check(p.maxNodes <= MANAGED_NODE_GROUP_MAX_NODES, `${at}.maxNodes`,
          `must be at most ${MANAGED_NODE_GROUP_MAX_NODES} for an EKS managed node group`, p.maxNodes,
          'use larger instances, split the pool, or provision it with GpuProvisioning.KARPENTER');
      }
      // 0 by default: a GPU stock-out or quota limit must not fail the first apply (issue 13 defect 2)
      const min = p.minNodes ?? 0;
      if (this.wholeNumber(`${at}.minNodes`, min, 0, 'use 0 to scale to zero or the always-on baseline') && maxOk) {
        c.check(min <= p.maxNodes, `${at}.minNodes`, `must not exceed maxNodes (${p.maxNodes})`, min, `lower minNodes or raise maxNodes to ${min}`);
        if (p.desiredNodes !== undefined) {
          c.check(Number.isInteger(p.desiredNodes) && p.desiredNodes >= min && p.desiredNodes <= p.maxNodes, `${at}.desiredNodes`,
            `must be a whole number between minNodes (${min}) and maxNodes (${p.maxNodes})`, p.desiredNodes, 'leave it unset to start at minNodes');
        }
      }
      if (p.provisioning !== undefined) {
        c.check(Object.values(GpuProvisioning).includes(p.provisioning), `${at}.provisioning`, 'must be a GpuProvisioning', p.provisioning,
          'use GpuProvisioning.MANAGED_NODE_GROUP, KARPENTER or MANAGED_NODE_GROUP_AND_KARPENTER');
      }
      if (p.efa && typesOk) {
        const unsupported = p.instanceTypes.filter((t) => t.maxEfaInterfaces === 0).map((t) => t.name);
        c.check(unsupported.length === 0, `${at}.efa`, `is not supported by ${unsupported.join(', ')} (no EFA interfaces)`, p.efa,
          'drop efa or use instance types with EFA (GpuInstanceType.maxEfaInterfaces > 0, e.g. p5.48xlarge)');
        c.check(p.provisioning !== GpuProvisioning.KARPENTER, `${at}.efa`, 'needs a managed node group (Karpenter pools do not attach EFA here)', p.efa,
          'use GpuProvisioning.MANAGED_NODE_GROUP or drop efa');
      }
      const karpenter = p.provisioning === GpuProvisioning.KARPENTER || p.provisioning === GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER;
      if (spec.cluster?.fips && typesOk && karpenter) {
        // Karpenter nodes of a FIPS cluster run the pinned Bottlerocket NVIDIA FIPS AMI (KarpenterGpuClass fips).
        const version = (spec.cluster.version ?? KubernetesVersion.DEFAULT).version;
        for (const arch of [...new Set(p.instanceTypes.map((t) => t.architecture as string))].sort()) {
          const versions = nvidiaFipsKubernetesVersions(arch);
          c.check(versions.includes(version), `${at}.provisioning`,
            `uses Karpenter on a FIPS cluster, but Bottlerocket ${DEFAULT_FIPS_BOTTLEROCKET_VERSION} has no NVIDIA FIPS AMI (aws-k8s-${version}-nvidia-fips) for ${arch}`,
            p.provisioning, `set cluster.version to one of ${versions.join(', ')}, or use GpuProvisioning.MANAGED_NODE_GROUP for this pool`);
        }
      }
      if (p.capacityBlock !== undefined) this.capacityBlock(spec, p, at, typesOk);
      if (p.availabilityZone !== undefined) {
        const zones = spec.cluster?.availabilityZones ?? ['a', 'b', 'c'].map((z) => `${spec.region}${z}`);
        c.check(zones.includes(p.availabilityZone), `${at}.availabilityZone`, `must be one of the cluster's zones (${zones.join(', ')})`, p.availabilityZone,
          'use one of them, or list the zone in cluster.availabilityZones');
        c.check(p.capacityBlock === undefined || p.capacityBlock.availabilityZone === p.availabilityZone, `${at}.availabilityZone`,
          `must be the Capacity Block's zone (${p.capacityBlock?.availabilityZone})`, p.availabilityZone, 'drop availabilityZone (capacityBlock sets it)');
      }
      if (typesOk && typeof p.name === 'string' && !out.has(p.name)) {
        out.set(p.name, { index: i, pool: p, gpusPerNode: Math.min(...p.instanceTypes.map((t) => t.gpuCount)) });
      }
    });
    return out;
  }

  /**
   * A Capacity Block pool (EKS user guide, "Create a managed node group with Capacity Blocks for ML"): a
   * managed node group of the reservation's one instance type in its zone, minimum 0.
   */
  private capacityBlock(spec: PlatformSpec, p: GpuPoolSpec, at: string, typesOk: boolean): void {
    const c = this.collector;
    const block = p.capacityBlock!;
    c.check(/^cr-[0-9a-f]{17}$/.test(block.reservationId ?? ''), `${at}.capacityBlock.reservationId`, "must be a capacity reservation id ('cr-' and 17 hex digits)",
      block.reservationId, 'pass the capacity reservation id of the Capacity Block');
    const zones = spec.cluster?.availabilityZones ?? ['a', 'b', 'c'].map((z) => `${spec.region}${z}`);
    c.check(zones.includes(block.availabilityZone), `${at}.capacityBlock.availabilityZone`, `must be one of the cluster's zones (${zones.join(', ')})`,
      block.availabilityZone, "use the Capacity Block's zone, and list it in cluster.availabilityZones");
    c.check((p.minNodes ?? 0) === 0, `${at}.minNodes`, 'must be 0 for a Capacity Block pool (EKS scales the group to 0 before the reservation ends)', p.minNodes,
      'drop minNodes; desiredNodes starts nodes once the reservation is active');
    c.check((p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP) !== GpuProvisioning.KARPENTER, `${at}.capacityBlock`, 'needs a managed node group',
      p.provisioning, 'use GpuProvisioning.MANAGED_NODE_GROUP (or MANAGED_NODE_GROUP_AND_KARPENTER) or drop capacityBlock');
    c.check(p.capacityType === undefined || p.capacityType === GpuCapacityType.ON_DEMAND, `${at}.capacityType`, 'cannot be set with capacityBlock (a Capacity Block is its own purchase option)',
      p.capacityType, 'drop capacityType');
    if (typesOk) {
      c.check(p.instanceTypes.length === 1, `${at}.instanceTypes`, "must list exactly one instance type with capacityBlock (the reservation's)",
        p.instanceTypes.map((t) => t.name), 'use the instance type the Capacity Block reserves');
    }
  }

  private tenants(spec: PlatformSpec): Map<string, { index: number; tenant: TenantSpec }> {
    const c = this.collector;
    const out = new Map<string, { index: number; tenant: TenantSpec }>();
    if (!c.check(Array.isArray(spec.tenants) && spec.tenants.length > 0, 'tenants', 'must list at least one tenant', spec.tenants,
      "add e.g. { name: 'search', gpuQuota: 4 }")) return out;
    spec.tenants.forEach((t, i) => {
      const at = `tenants[${i}]`;
      if (this.label(`${at}.name`, t.name, "use the team or product name, e.g. 'search'")) {
        const reserved = reservedTenantNames().get(t.name);
        if (out.has(t.name)) {
          c.add(`${at}.name`, `must be unique (tenants[${out.get(t.name)!.index}] has it too)`, t.name, 'give every tenant its own name');
        } else if (reserved) {
          c.add(`${at}.name`, `is reserved: it is ${reserved} (a tenant gets its own namespace, quotas and default-deny policies)`, t.name,
            `use another name (reserved: ${[...reservedTenantNames().keys()].sort().join(', ')})`);
        } else {
          out.set(t.name, { index: i, tenant: t });
        }
      }
      this.wholeNumber(`${at}.gpuQuota`, t.gpuQuota ?? 0, 0, 'set the GPUs the tenant may use together, or 0');
      for (const key of ['adminGroups', 'viewerGroups'] as const) {
        const groups = t[key];
        if (groups !== undefined) {
          c.check(Array.isArray(groups) && groups.length > 0 && groups.every((g) => typeof g === 'string' && g.trim() !== '' && g === g.trim()), `${at}.${key}`,
            'must list at least one non-empty group name', groups, 'name the identity-provider groups, or leave it unset');
        }
      }
    });
    return out;
  }

  private policy(spec: PlatformSpec, names: PlatformNames): string[] {
    const c = this.collector;
    const p = spec.policy ?? {};
    const allowed = p.allowedRegistries ?? [names.registryUrl];
    c.check(Array.isArray(allowed) && allowed.length > 0, 'policy.allowedRegistries', 'must list at least one registry', allowed,
      `leave it unset to allow only the platform registry (${names.registryUrl})`);
    (allowed ?? []).forEach((r, i) => {
      c.check(typeof r === 'string' && /^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._/-]+)?$/.test(r) && !r.endsWith('/'), `policy.allowedRegistries[${i}]`,
        'must be a registry host with an optional path, no scheme, no trailing /', r, "use e.g. 'nvcr.io/nvidia'");
    });
    if (p.mode !== undefined) {
      c.check(Object.values(PolicyAction).includes(p.mode), 'policy.mode', 'must be a PolicyAction', p.mode, 'use PolicyAction.ENFORCE, WARN or AUDIT');
    }
    if (p.engines !== undefined) c.check(Array.isArray(p.engines) && p.engines.length > 0, 'policy.engines', 'must list at least one engine', p.engines, 'leave it unset for ValidatingAdmissionPolicy');
    const today = p.referenceDate ?? new Date().toISOString().slice(0, 10);
    if (p.referenceDate !== undefined) c.check(DATE.test(p.referenceDate), 'policy.referenceDate', 'must be a date YYYY-MM-DD', p.referenceDate, "use e.g. '2025-01-31'");
    (p.exceptions ?? []).forEach((e, i) => {
      const at = `policy.exceptions[${i}]`;
      let ex: PolicyException | undefined;
      try {
        ex = new PolicyException(e);
      } catch (err) {
        c.addError(err, at);
      }
      // the rules of the cluster's version (an unsupported version fails in PolicyCatalogue.baseline, naming kubernetesVersion)
      const version = PolicyCatalogue.podSecurityVersions().find((v) => v.minor === spec.cluster?.version?.minor);
      for (const [j, id] of (e.ruleIds ?? []).entries()) {
        c.check(PolicyCatalogue.find(id, version) !== undefined, `${at}.ruleIds[${j}]`, 'names no rule of the catalogue', id, 'use a rule id of PolicyCatalogue.baseline(), e.g. LLM-PSS-012');
      }
      if (ex && DATE.test(today)) {
        c.check(!ex.isExpired(today), `${at}.expires`, `is in the past (today is ${today})`, e.expires,
          'fix the workload and remove the exception, or have its owner renew it with a new expiry date');
      }
    });
    this.signatures(spec, Array.isArray(allowed) ? allowed.filter((r) => typeof r === 'string') : []);
    return Array.isArray(allowed) ? allowed.filter((r) => typeof r === 'string') : [];
  }

  /**
   * `policy.signatures`: each image verification, unique names, an engine that can verify, weights verification
   * whose cosign and checksum images (they run in every model pod) are pinned and from an allowed registry.
   */
  private signatures(spec: PlatformSpec, allowed: string[]): void {
    const c = this.collector;
    const sig = spec.policy?.signatures;
    if (sig === undefined) return;
    const names = new Map<string, number>();
    (sig.images ?? []).forEach((v, i) => {
      const at = `policy.signatures.images[${i}]`;
      try {
        new ImageVerification(v);
      } catch (err) {
        c.addError(err, at);
      }
      const first = names.get(v?.name);
      if (first !== undefined) c.add(`${at}.name`, `repeats the name of policy.signatures.images[${first}]`, v.name, 'give each verification its own name');
      else names.set(v?.name, i);
    });
    const engines = spec.policy?.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY];
    if (sig.imageEngine !== undefined) {
      if (c.check(Object.values(SignatureEngine).includes(sig.imageEngine), 'policy.signatures.imageEngine', 'must be a SignatureEngine', sig.imageEngine,
        'use SignatureEngine.KYVERNO or SignatureEngine.SIGSTORE_POLICY_CONTROLLER')) {
        c.check(sig.imageEngine !== SignatureEngine.KYVERNO || engines.includes(PolicyEngine.KYVERNO), 'policy.signatures.imageEngine',
          "is Kyverno but 'policy.engines' does not include Kyverno", sig.imageEngine,
          'add PolicyEngine.KYVERNO to policy.engines, or leave imageEngine unset (the Sigstore policy-controller verifies without Kyverno)');
      }
    }
    if (sig.weights !== undefined) {
      if (c.check(sig.weights instanceof WeightVerification, 'policy.signatures.weights', 'must be a WeightVerification', sig.weights,
        'use k8s.WeightVerification.keyless({ certificateIdentity, certificateOidcIssuer }) or WeightVerification.publicKey({ publicKey: { secretName, key } })')) {
        this.image('policy.signatures.weights.cosignImage', sig.weights.cosignImage, allowed);
        this.image('policy.signatures.weights.checksumImage', sig.weights.checksumImage, allowed);
      }
    }
  }

  private image(prop: string, image: any, allowed: string[]): void {
    const c = this.collector;
    if (!c.check(typeof image === 'string' && image.trim() !== '' && !/\s/.test(image), prop, 'must be a container image reference', image,
      "pass '<registry>/<repository>@sha256:<digest>'")) return;
    c.check(ImageReference.isPinnedByDigest(image), prop, 'must be pinned by digest (a tag can be moved to other content)', image,
      `use '<registry>/<repository>@sha256:<digest>' (resolve it with 'crane digest ${image}')`);
    if (allowed.length > 0) {
      c.check(allowed.some((r) => image.startsWith(`${r}/`)), prop, 'must come from an allowed registry (policy LLM-IMG-003)', image,
        `mirror it to one of ${allowed.join(', ')} or add its registry to 'policy.allowedRegistries'`);
    }
  }

  private weights(prop: string, w: ModelSource | undefined, names: PlatformNames): void {
    const c = this.collector;
    if (!c.check(w instanceof ModelSource, prop, 'must be a ModelSource', w,
      "use ModelSource.modelStore('models/<model>/', '<version>'), ModelSource.huggingFace({...}) or ModelSource.pvc({...})")) return;
    // The platform's Pod Identity roles read only its model store: S3 weights are said as ModelSource.modelStore().
    if (!c.check(w!.kind !== 's3', prop, "must be in the platform's model store to be read with the model's Pod Identity", w!.uri,
      `copy the weights to s3://${names.modelStoreBucket}/<prefix><version>/ and use ModelSource.modelStore('<prefix>', '<version>')`)) return;
    if (w!.inModelStore) {
      c.check(typeof w!.prefix === 'string' && /^[a-z0-9][a-z0-9._/-]*\/$/.test(w!.prefix) && !w!.prefix.includes('//'), `${prop}.prefix`,
        "must be a key prefix in the model store ending with '/' (no leading '/')", w!.prefix, `use e.g. 'models/llama3-8b/' (in s3://${names.modelStoreBucket}/)`);
      c.check(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(w!.revision), `${prop}.versionId`, 'must be a version folder name (a label value)', w!.revision,
        "use the folder the weights were published to, e.g. '2024-06-01'");
    } else if (w!.kind === 'huggingface') {
      c.check(/^[0-9a-f]{40}$/.test(w!.revision), `${prop}.revision`, 'must be a 40-hex commit (a branch can move)', w!.revision, 'pin the commit from the model page, e.g. huggingface-cli repo info');
    } else {
      c.check(w!.revision.trim() !== '' && !['main', 'latest', 'HEAD'].includes(w!.revision), `${prop}.revision`, 'must name a pinned revision', w!.revision,
        "record the weights' revision, e.g. 'r12'");
    }
  }

  /**
   * A sized model (`models[i].size`) must be a valid size and fit its replica's GPUs: weights plus KV cache
   * for the declared context and concurrency within `gpusPerReplica` x the pool's smallest GPU memory at
   * the GPU memory utilization the runtime gets (ModelServer and KServeInferenceService check the same at synth).
   */
  private modelSize(at: string, m: ModelSpec, pools: Map<string, { index: number; pool: GpuPoolSpec; gpusPerNode: number }>): void {
    if (m.size === undefined) return;
    const c = this.collector;
    let size: ModelSize;
    try {
      size = ModelSize.of(m.size);
    } catch (e) {
      c.addError(e, `${at}.size`);
      return;
    }
    const pool = pools.get(m.gpuPool);
    const gpus = m.gpusPerReplica ?? 1;
    const util = m.gpuMemoryUtilization ?? ModelSize.DEFAULT_GPU_MEMORY_UTILIZATION;
    if (!pool || !Array.isArray(pool.pool.instanceTypes) || !Number.isInteger(gpus) || gpus < 1 || !(util > 0 && util <= 1)) return;
    const failure = fitFailure(size, m.gpuPool, pool.pool.instanceTypes, pool.gpusPerNode, gpus, util);
    if (failure) c.add(`${at}.size`, failure.problem, failure.value, failure.fix);
  }

  private workloadPlacement(at: string, tenantName: any, poolName: any, gpus: number, gpusProp: string,
    pools: Map<string, { index: number; pool: GpuPoolSpec; gpusPerNode: number }>,
    tenants: Map<string, { index: number; tenant: TenantSpec }>): void {
    const c = this.collector;
    const tenant = tenants.get(tenantName);
    if (c.check(tenant !== undefined, `${at}.tenant`, 'names no tenant of the spec', tenantName, `use one of: ${[...tenants.keys()].join(', ') || '(none)'}`)) {
      c.check((tenant!.tenant.gpuQuota ?? 0) > 0, `${at}.tenant`, 'must be GPU-entitled (gpuQuota > 0) to run GPU workloads', tenantName,
        `set 'tenants[${tenant!.index}].gpuQuota' or move the workload to a GPU-entitled tenant`);
    }
    const pool = pools.get(poolName);
    if (c.check(pool !== undefined, `${at}.gpuPool`, 'names no GPU pool of the spec', poolName, `use one of: ${[...pools.keys()].join(', ') || '(none)'}`)) {
      if (this.wholeNumber(`${at}.${gpusProp}`, gpus, 1, 'request at least one GPU')) {
        c.check(gpus <= pool!.gpusPerNode, `${at}.${gpusProp}`, `must fit on one node of pool '${poolName}' (${pool!.gpusPerNode} GPUs per node)`, gpus,
          `lower it to at most ${pool!.gpusPerNode}, or target a pool of larger instances (e.g. g6e.12xlarge has 4 GPUs, p5.48xlarge 8)`);
      }
    }
  }

  private models(spec: PlatformSpec, pools: Map<string, any>, tenants: Map<string, any>, allowed: string[], names: PlatformNames): void {
    const c = this.collector;
    const models = spec.models ?? [];
    const seen = new Map<string, number>();
    const hasGateway = (spec.mesh?.ingressHosts ?? []).length > 0;
    models.forEach((m: ModelSpec, i) => {
      const at = `models[${i}]`;
      if (this.label(`${at}.name`, m.name, "use e.g. 'llama3-8b'")) {
        c.check(m.name.length <= MAX_MODEL_NAME, `${at}.name`, `must be at most ${MAX_MODEL_NAME} characters ('<model>-candidate' must be a DNS-1123 label)`, m.name,
          `shorten it, e.g. '${Names.toDns1123Label(m.name, MAX_MODEL_NAME)}'`);
        if (seen.has(m.name)) c.add(`${at}.name`, `must be unique (models[${seen.get(m.name)}] has it too)`, m.name, 'give every model its own name');
        else seen.set(m.name, i);
      }
      c.check(m.runtime instanceof Object && typeof (m.runtime as any).name === 'string', `${at}.runtime`, 'must be a ModelRuntime', m.runtime,
        'use ModelRuntime.VLLM, ModelRuntime.TRITON, ModelRuntime.TGI or ModelRuntime.custom(...)');
      this.image(`${at}.image`, m.image, allowed);
      this.weights(`${at}.weights`, m.weights, names);
      (m.adapters ?? []).forEach((a, j) => {
        // an adapter without weights would start the server without it: refused here, at its spec path
        if (c.check(a?.weights !== undefined, `${at}.adapters[${j}].weights`, 'is missing: an adapter needs its weights', a?.weights,
          "add e.g. weights: ModelSource.modelStore('adapters/<adapter>/', '<version>') (a fine-tuning job's output is under adapters/<job>/)")) {
          this.weights(`${at}.adapters[${j}].weights`, a.weights, names);
        }
      });
      c.check(!(m.adapters ?? []).length || !m.kserve, `${at}.adapters`, 'are not served through KServe (the model has kserve set)', (m.adapters ?? []).map((a) => a?.name),
        "leave 'kserve' off for a model with adapters (ModelServer loads them), or remove 'adapters'");
      this.workloadPlacement(at, m.tenant, m.gpuPool, m.gpusPerReplica ?? 1, 'gpusPerReplica', pools, tenants);
      this.modelSize(at, m, pools);
      const r = m.replicas ?? { min: 2, max: 4 };
      if (this.wholeNumber(`${at}.replicas.min`, r.min, 1, 'run at least one replica') && this.wholeNumber(`${at}.replicas.max`, r.max, 1, 'allow at least one replica')) {
        c.check(r.max >= r.min, `${at}.replicas.max`, `must be at least replicas.min (${r.min})`, r.max, `raise max to ${r.min} or more`);
      }
      const slo = m.slo ?? {};
      const metrics = (m.runtime as any)?.metricNames ?? {};
      const runtimeName = (m.runtime as any)?.name;
      if (slo.availabilityTarget !== undefined) {
        c.check(slo.availabilityTarget > 0 && slo.availabilityTarget < 1, `${at}.slo.availabilityTarget`, 'must be between 0 and 1 (exclusive)', slo.availabilityTarget, 'use e.g. 0.999');
      }
      for (const [key, metric, what] of [['timeToFirstTokenP99', 'timeToFirstTokenSeconds', 'time-to-first-token'], ['interTokenLatencyP99', 'interTokenLatencySeconds', 'inter-token latency']] as const) {
        if ((slo as any)[key] !== undefined) {
          c.check(metrics[metric] !== undefined, `${at}.slo.${key}`, `cannot be alerted on: the ${runtimeName} runtime exports no ${what} histogram`, (slo as any)[key].toHumanString?.() ?? 'set',
            `remove it for this model (the ${runtimeName} runtime's other SLOs still apply)`);
        }
      }
      if (m.canary) {
        const cn = m.canary;
        c.check(!m.kserve, `${at}.canary`, 'is not supported with kserve (KServe runs its own rollout)', m.canary.version, 'drop the canary or serve the model as a Deployment (kserve: false)');
        c.check(typeof cn.version === 'string' && Names.isLabelValue(cn.version) && cn.version !== '', `${at}.canary.version`, 'must be a label value naming the candidate version', cn.version,
          "use e.g. '2024-07-01'");
        const sameWeights = cn.weights === undefined
          || (cn.weights.kind === m.weights?.kind && cn.weights.revision === m.weights?.revision && cn.weights.prefix === m.weights?.prefix);
        const sameImage = cn.image === undefined || cn.image === m.image;
        c.check(!(sameWeights && sameImage), `${at}.canary`, 'must change the image or the weights', cn.version, "set 'canary.image' or 'canary.weights'");
        if (cn.image !== undefined) this.image(`${at}.canary.image`, cn.image, allowed);
        if (cn.weights !== undefined) this.weights(`${at}.canary.weights`, cn.weights, names);
        if (cn.trafficPercentage !== undefined) {
          c.check(Number.isInteger(cn.trafficPercentage) && cn.trafficPercentage >= 0 && cn.trafficPercentage <= 100, `${at}.canary.trafficPercentage`,
            'must be a whole percentage between 0 and 100', cn.trafficPercentage, 'use e.g. 5');
        }
        if (cn.replicas !== undefined) this.wholeNumber(`${at}.canary.replicas`, cn.replicas, 1, 'run at least one candidate replica');
      }
      if (m.publicRoute === true) {
        c.check(hasGateway, `${at}.publicRoute`, 'needs an ingress gateway', m.publicRoute, "set 'mesh.ingressHosts' and 'mesh.tlsCredentialName', or drop publicRoute");
      }
      this.modelRouting(spec, at, m);
      // contentFilter and grpcTranscoding (./private/model-filters.ts)
      checkModelFilters(c, at, m, allowed);
    });
  }

  /** A model on the Gateway API path: served through an InferencePool where it can be, its canary routable. */
  private modelRouting(spec: PlatformSpec, at: string, m: ModelSpec): void {
    const c = this.collector;
    const gatewayApi = usesGatewayApi(spec);
    if (m.inferencePool === true) {
      const runtime = (m.runtime as any)?.name;
      const why = !gatewayApi ? "needs the Gateway API path (mesh.ingressApi: IngressApi.GATEWAY_API with 'mesh.ingressHosts')"
        : m.kserve ? 'is not available with kserve (KServe routes to its predictor Service)'
          : m.publicRoute === false ? 'needs a public route (the model has publicRoute: false)'
            : runtime !== 'vllm' ? `needs the vLLM runtime (the endpoint picker v1.4.0 scores vLLM's metrics; the model runs ${runtime})` : undefined;
      c.check(why === undefined, `${at}.inferencePool`, why ?? '', m.inferencePool,
        !gatewayApi ? "set 'mesh.ingressApi: IngressApi.GATEWAY_API', or drop 'inferencePool'" : "drop 'inferencePool' (the model is routed to its Service)");
    }
    // An HTTPRoute splits traffic between backends, not between the subsets of one Service: a canary on the Gateway
    // API path goes through the versions' InferencePools.
    if (gatewayApi && m.canary && !m.kserve && m.publicRoute !== false && !servedThroughPool(spec, m)) {
      c.add(`${at}.canary`, 'cannot be routed on the Gateway API path: an HTTPRoute weighs backends, not the version subsets of one Service, and only an InferencePool per version can split this model',
        m.canary.version, "serve the model through an InferencePool (vLLM, 'inferencePool' not false), use mesh.ingressApi: IngressApi.ISTIO, or set publicRoute: false");
    }
  }

  /** `mesh.inference`: the pickers' settings and the objectives, each naming a model served through a pool. */
  private inference(spec: PlatformSpec): void {
    const c = this.collector;
    const inf = spec.mesh?.inference;
    const models = spec.models ?? [];
    const pooled = models.filter((m) => servedThroughPool(spec, m));
    if (pooled.length > 0) {
      const image = spec.images?.endpointPicker;
      c.check(image !== undefined, 'images.endpointPicker', `is required: ${pooled.map((m) => m.name).join(', ')} ${pooled.length === 1 ? 'is' : 'are'} served through an InferencePool, whose endpoint picker runs this image`, undefined,
        "mirror registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0 to an allowed registry and set its digest reference (e.g. '<account>.dkr.ecr.<region>.amazonaws.com/mirror/gateway-api-inference-extension/epp@sha256:...')");
    }
    if (inf === undefined) return;
    c.check(usesGatewayApi(spec), 'mesh.inference', "configures the inference path, which needs the Gateway API path (mesh.ingressApi: IngressApi.GATEWAY_API with 'mesh.ingressHosts')",
      Object.keys(inf), "set 'mesh.ingressApi: IngressApi.GATEWAY_API' and 'mesh.ingressHosts', or drop 'mesh.inference'");
    (inf.scorers ?? []).forEach((sc, i) => {
      c.check(Object.values(EndpointPickerScorer).includes(sc?.scorer), `mesh.inference.scorers[${i}].scorer`, 'must be an EndpointPickerScorer', sc?.scorer, 'use e.g. EndpointPickerScorer.QUEUE');
      c.check(Number.isInteger(sc?.weight) && sc.weight >= 1 && sc.weight <= 100, `mesh.inference.scorers[${i}].weight`, 'must be a whole number between 1 and 100', sc?.weight, 'use e.g. 2');
      c.check((inf.scorers ?? []).findIndex((x) => x?.scorer === sc?.scorer) === i, `mesh.inference.scorers[${i}].scorer`, 'lists a scorer twice', sc?.scorer, 'list each scorer once, with its weight');
    });
    if (inf.scorers !== undefined) c.check(inf.scorers.length > 0, 'mesh.inference.scorers', 'must list at least one scorer when given', [], 'use e.g. [{ scorer: EndpointPickerScorer.QUEUE, weight: 1 }], or drop it for the defaults');
    if (inf.failureMode !== undefined) {
      c.check(Object.values(EndpointPickerFailureMode).includes(inf.failureMode), 'mesh.inference.failureMode', 'must be an EndpointPickerFailureMode', inf.failureMode, 'use EndpointPickerFailureMode.FAIL_CLOSE');
    }
    if (inf.pickerCpu !== undefined) {
      c.check(typeof inf.pickerCpu === 'number' && inf.pickerCpu > 0 && inf.pickerCpu <= 64 && Math.round(inf.pickerCpu * 1000) === inf.pickerCpu * 1000,
        'mesh.inference.pickerCpu', 'must be a number of cores from 0.001 to 64', inf.pickerCpu, 'use e.g. 1');
    }
    if (inf.pickerReplicas !== undefined) {
      c.check(Number.isInteger(inf.pickerReplicas) && inf.pickerReplicas >= 1 && inf.pickerReplicas <= 5, 'mesh.inference.pickerReplicas',
        'must be a whole number between 1 and 5', inf.pickerReplicas, 'use 1, or 2 for a standby picker that takes over when the leader goes');
    }
    if (inf.pickerMemoryMiB !== undefined) {
      c.check(Number.isInteger(inf.pickerMemoryMiB) && inf.pickerMemoryMiB >= 256 && inf.pickerMemoryMiB <= 65536, 'mesh.inference.pickerMemoryMiB',
        'must be a whole number of MiB from 256 to 65536', inf.pickerMemoryMiB, 'use e.g. 2048');
    }
    const seen = new Map<string, number>();
    (inf.objectives ?? []).forEach((o, i) => {
      const at = `mesh.inference.objectives[${i}]`;
      this.label(`${at}.name`, o?.name, "use e.g. 'interactive'");
      c.check(Number.isInteger(o?.priority) && Math.abs(o.priority) <= 1000000, `${at}.priority`, 'must be a whole number', o?.priority, 'use e.g. 10 for interactive and 0 for batch');
      const model = models.find((m) => m.name === o?.model);
      if (!model) {
        c.add(`${at}.model`, 'names no model of the spec', o?.model,
          pooled.length > 0 ? `use a model served through an InferencePool: ${pooled.map((m) => m.name).join(', ')}` : 'add the model to models, served through an InferencePool');
      } else if (!servedThroughPool(spec, model)) {
        c.add(`${at}.model`, 'names a model not served through an InferencePool (an objective is a priority within a pool)', o.model,
          pooled.length > 0 ? `use one of ${pooled.map((m) => m.name).join(', ')}, or serve '${o.model}' through a pool (vLLM, public route, mesh.ingressApi: IngressApi.GATEWAY_API)`
            : `serve '${o.model}' through a pool (vLLM, public route, mesh.ingressApi: IngressApi.GATEWAY_API)`);
      }
      const key = `${o?.model}/${o?.name}`;
      if (seen.has(key)) c.add(`${at}.name`, `names an objective of model '${o.model}' twice (objectives[${seen.get(key)}] has it too)`, o.name, 'give each objective of a model its own name');
      else seen.set(key, i);
    });
  }

  private jobs(spec: PlatformSpec, pools: Map<string, any>, tenants: Map<string, any>, allowed: string[], names: PlatformNames): void {
    const c = this.collector;
    // ServiceAccount names are shared by models and jobs within a namespace.
    const accounts = new Map<string, string>();
    (spec.models ?? []).forEach((m, i) => accounts.set(`${m.tenant}/${m.name}`, `models[${i}]`));
    const seen = new Map<string, number>();
    (spec.fineTuningJobs ?? []).forEach((j, i) => {
      const at = `fineTuningJobs[${i}]`;
      if (this.label(`${at}.name`, j.name, "use e.g. 'support-lora'")) {
        c.check(j.name.length <= MAX_JOB_NAME, `${at}.name`, `must be at most ${MAX_JOB_NAME} characters (pod names add -master-0 / -worker-N)`, j.name,
          `shorten it, e.g. '${Names.toDns1123Label(j.name, MAX_JOB_NAME)}'`);
        if (seen.has(j.name)) c.add(`${at}.name`, `must be unique (fineTuningJobs[${seen.get(j.name)}] has it too)`, j.name, 'give every job its own name');
        else seen.set(j.name, i);
        const clash = accounts.get(`${j.tenant}/${j.name}`);
        if (clash) c.add(`${at}.name`, `names the same ServiceAccount as ${clash} in namespace '${j.tenant}'`, j.name, 'give the job a name no model of the tenant uses');
      }
      this.image(`${at}.image`, j.image, allowed);
      c.check(Array.isArray(j.command) && j.command.length > 0, `${at}.command`, 'must name the training command', j.command, "pass e.g. ['python', '-m', 'train_lora']");
      this.weights(`${at}.baseModel`, j.baseModel, names);
      c.check(typeof j.datasetPrefix === 'string' && /^[a-z0-9][a-z0-9._/-]*\/$/.test(j.datasetPrefix), `${at}.datasetPrefix`,
        "must be a key prefix in the model store ending with '/'", j.datasetPrefix, `use e.g. 'datasets/${j.tenant}/2024-06/' (in s3://${names.modelStoreBucket}/)`);
      this.workloadPlacement(at, j.tenant, j.gpuPool, j.gpusPerWorker ?? 1, 'gpusPerWorker', pools, tenants);
      this.wholeNumber(`${at}.workers`, j.workers ?? 1, 1, 'run at least one worker');
    });
  }

  /** Tenant quotas cover every workload's most GPUs: models at max replicas plus candidates plus jobs. */
  private quotas(spec: PlatformSpec): void {
    const needs = new Map<string, string[]>();
    const sums = new Map<string, number>();
    const add = (tenant: string, owner: string, gpus: number) => {
      if (!Number.isFinite(gpus)) return;
      sums.set(tenant, (sums.get(tenant) ?? 0) + gpus);
      const list = needs.get(tenant) ?? [];
      list.push(`${owner}: ${gpus}`);
      needs.set(tenant, list);
    };
    for (const m of spec.models ?? []) {
      const g = m.gpusPerReplica ?? 1;
      const surge = defaultRolloutSurge(m.replicas?.min ?? 2);
      const w = modelGpus(m);
      add(m.tenant, `model ${m.name} (${m.replicas?.max ?? 4}${surge ? ` + ${surge} rollout surge` : ''} x ${g})`, w.max - w.candidate);
      if (w.candidate > 0) add(m.tenant, `candidate ${m.name} (${m.canary!.replicas ?? 1}${w.candidate > g * (m.canary!.replicas ?? 1) ? ' + 1 rollout surge' : ''} x ${g})`, w.candidate);
    }
    for (const j of spec.fineTuningJobs ?? []) {
      add(j.tenant, `job ${j.name} (${j.workers ?? 1} x ${j.gpusPerWorker ?? 1})`, (j.workers ?? 1) * (j.gpusPerWorker ?? 1));
    }
    (spec.tenants ?? []).forEach((t, i) => {
      const need = sums.get(t.name) ?? 0;
      const quota = t.gpuQuota ?? 0;
      if (quota > 0 && need > quota) {
        this.collector.add(`tenants[${i}].gpuQuota`, `does not cover the GPUs its workloads need at their most replicas (${needs.get(t.name)!.join(', ')}; total ${need})`, quota,
          `raise gpuQuota to at least ${need}, or lower replicas.max / GPUs of the tenant's models`);
      }
    });
  }

  /**
   * Pools can hold what is placed on them at the fewest replicas with the nodes they start with when nothing
   * grows them, and at the most replicas (plus rollout surges) with the nodes their provisioners reach.
   */
  private capacity(spec: PlatformSpec): void {
    if (!Array.isArray(spec.gpuPools) || spec.gpuPools.some((p) => !Array.isArray(p.instanceTypes) || p.instanceTypes.length === 0)) return;
    PlatformSpecValidator.capacity(spec).forEach((p, i) => {
      const poolSpec = spec.gpuPools[i];
      if (!p.autoscaled && Number.isFinite(p.requestedGpus) && Number.isInteger(p.initialNodes)) {
        // A managed node group alone: nothing adds nodes (no cluster autoscaler), so maxNodes is never reached.
        const prop = poolSpec.desiredNodes !== undefined ? `gpuPools[${i}].desiredNodes` : `gpuPools[${i}].minNodes`;
        const need = Math.max(p.requestedGpusAtMin, p.requestedGpus);
        const what = p.requestedGpusAtMin > p.capacityGpus
          ? `${p.requestedGpusAtMin} at their fewest replicas (${p.requestedGpus} at their most, with rollout surges)`
          : `up to ${p.requestedGpus} at their most replicas, with rollout surges`;
        this.collector.check(need <= p.capacityGpus, prop,
          `gives pool '${p.pool}' ${p.capacityGpus} GPUs (${p.initialNodes} nodes x ${p.gpusPerNode}; a managed node group without an autoscaler never grows toward maxNodes) but its workloads need ${what}`,
          p.initialNodes,
          `set ${prop.split('.').pop()} (and maxNodes) to at least ${Math.ceil(need / p.gpusPerNode)}, or provision the pool with GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER so Karpenter adds nodes up to maxNodes`);
        return;
      }
      if (Number.isFinite(p.requestedGpus) && Number.isInteger(spec.gpuPools[i].maxNodes)) {
        this.collector.check(p.requestedGpus <= p.capacityGpus, `gpuPools[${i}].maxNodes`,
          `gives pool '${p.pool}' ${p.capacityGpus} GPUs (${p.maxNodes} nodes x ${p.gpusPerNode}) but its workloads request up to ${p.requestedGpus}`, spec.gpuPools[i].maxNodes,
          `raise maxNodes to at least ${Math.ceil(p.requestedGpus / p.gpusPerNode) - (p.maxNodes - poolSpec.maxNodes)}, or move workloads to another pool`);
      }
    });
  }

  /** The images the platform itself runs, as set or defaulted, against the same rules as the models'. */
  private images(spec: PlatformSpec, allowed: string[]): void {
    const c = this.collector;
    const images = spec.images ?? {};
    for (const key of ['awsCli', 'nvidiaDevicePlugin', 'dcgmExporter', 'otelCollector', 'endpointPicker'] as const) {
      if (images[key] !== undefined) this.image(`images.${key}`, images[key], allowed);
    }
    // add-on mirrors: `<add-on>/<image>` keys of the catalogue (KubernetesPlatform pins them into the add-ons' values)
    for (const key of Object.keys(images.addons ?? {})) {
      const [addon, image, ...rest] = key.split('/');
      if (!addon || !image || rest.length > 0) {
        c.add(`images.addons[${key}]`, "must be keyed '<add-on>/<image>'", key, "use e.g. 'istiod/pilot' (gitops.PlatformAddon.imagesOf('istiod') lists the names)");
        continue;
      }
      const known = PlatformAddon.catalogueNames().includes(addon) ? PlatformAddon.imagesOf(addon).map((i) => i.name) : undefined;
      if (!known || !known.includes(image)) {
        c.add(`images.addons[${key}]`, known ? `is not an image of the '${addon}' add-on` : 'names no add-on of the catalogue', key,
          known ? `use one of ${known.map((n) => `${addon}/${n}`).join(', ')}` : `use one of ${PlatformAddon.catalogueNames().join(', ')}`);
      }
    }
    const exempt = (namespace: string) => (spec.policy?.exceptions ?? []).some((e) => e.namespace === namespace && (e.ruleIds ?? []).includes('LLM-IMG-003'));
    const defaults: [string, string, boolean][] = [
      ['awsCli', ServingImages.AWS_CLI, weightsInStore(spec)],
      ['nvidiaDevicePlugin', ServingImages.NVIDIA_DEVICE_PLUGIN, !exempt(PlatformNames.GPU_NAMESPACE)],
      ['dcgmExporter', ServingImages.DCGM_EXPORTER, !exempt(PlatformNames.GPU_NAMESPACE)],
    ];
    for (const [key, image, used] of defaults) {
      if ((images as any)[key] !== undefined || !used || allowed.length === 0) continue;
      c.check(allowed.some((r) => image.startsWith(`${r}/`)), `images.${key}`, 'defaults to an image outside the allowed registries (policy LLM-IMG-003)', image,
        `mirror it (same digest, e.g. 'crane copy') into the platform registry and set 'images.${key}', or allow its registry in 'policy.allowedRegistries'`);
    }
    const o = spec.observability ?? {};
    if ((o.ampWorkspaceArn || o.tracesEndpoint || o.logsEndpoint) && images.otelCollector === undefined) {
      c.add('images.otelCollector', 'must be set when a telemetry backend is configured: the default collector image is not pinned by digest (policy LLM-IMG-001)', images.otelCollector,
        "set it to the collector-contrib image pinned by digest, e.g. '<registry>/otel/opentelemetry-collector-contrib@sha256:<digest>'");
    }
  }

  private mesh(spec: PlatformSpec): void {
    const c = this.collector;
    const m = spec.mesh ?? {};
    const hosts = m.ingressHosts ?? [];
    hosts.forEach((h, i) => {
      c.check(typeof h === 'string' && /^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$/.test(h), `mesh.ingressHosts[${i}]`, 'must be a DNS name', h, "use e.g. 'llm.example.com'");
    });
    if (hosts.length > 0) {
      c.check(typeof m.tlsCredentialName === 'string' && Names.isDns1123Subdomain(m.tlsCredentialName), 'mesh.tlsCredentialName',
        'must name the TLS Secret of the gateway (HTTPS only)', m.tlsCredentialName, "set e.g. 'llm-example-com-tls' (a Secret in the ingress namespace)");
      // Something must create that Secret: a cert-manager Certificate (mesh IngressGateway.tlsIssuer) or the user, said explicitly.
      c.check(m.tlsIssuer !== undefined || m.externalTlsCredential === true, 'mesh.tlsIssuer',
        'is required with mesh.ingressHosts: nothing would create the TLS Secret the gateway serves', m.tlsIssuer,
        "name the cert-manager issuer (mesh.tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt-prod' }), or set mesh.externalTlsCredential: true and create the Secret elsewhere");
      c.check(m.tlsIssuer === undefined || m.externalTlsCredential !== true, 'mesh.externalTlsCredential', "contradicts 'mesh.tlsIssuer' (the Certificate creates the Secret)",
        m.externalTlsCredential, "drop 'mesh.externalTlsCredential', or drop 'mesh.tlsIssuer' if the Secret comes from elsewhere");
    }
    if (m.ingressNamespace !== undefined) this.label('mesh.ingressNamespace', m.ingressNamespace, "use e.g. 'istio-ingress'");
    if (m.ingressApi !== undefined && c.check(Object.values(IngressApi).includes(m.ingressApi), 'mesh.ingressApi', 'must be an IngressApi', m.ingressApi,
      'use IngressApi.ISTIO or IngressApi.GATEWAY_API')) {
      c.check(m.ingressApi !== IngressApi.GATEWAY_API || hosts.length > 0, 'mesh.ingressApi', 'is GATEWAY_API but the mesh has no ingress gateway (mesh.ingressHosts)', m.ingressApi,
        "set 'mesh.ingressHosts' (and the TLS credential) for the Gateway, or drop 'mesh.ingressApi'");
    }
    // the gateway's NLB (gitops PlatformAddon.istioGateway): scheme and client CIDRs
    if (m.ingressLoadBalancerScheme !== undefined) {
      c.check(Object.values(LoadBalancerScheme).includes(m.ingressLoadBalancerScheme), 'mesh.ingressLoadBalancerScheme', 'must be a LoadBalancerScheme',
        m.ingressLoadBalancerScheme, 'use LoadBalancerScheme.INTERNAL (the default) or LoadBalancerScheme.INTERNET_FACING');
      c.check(hosts.length > 0, 'mesh.ingressLoadBalancerScheme', 'needs an ingress gateway (mesh.ingressHosts)', m.ingressLoadBalancerScheme, "set 'mesh.ingressHosts' or drop it");
    }
    if (m.ingressSourceRanges !== undefined) {
      c.check(m.ingressSourceRanges.length > 0, 'mesh.ingressSourceRanges', 'must list at least one CIDR when given', m.ingressSourceRanges,
        "omit it for the controller's default, or list the client CIDRs");
      m.ingressSourceRanges.forEach((cidr, i) => c.check(isCidr(cidr), `mesh.ingressSourceRanges[${i}]`, 'must be an IPv4 CIDR', cidr, "use e.g. '203.0.113.0/24'"));
      c.check(hosts.length > 0, 'mesh.ingressSourceRanges', 'needs an ingress gateway (mesh.ingressHosts)', m.ingressSourceRanges, "set 'mesh.ingressHosts' or drop it");
    }
    if (m.tracingSamplingPercentage !== undefined) {
      c.check(m.tracingSamplingPercentage >= 0 && m.tracingSamplingPercentage <= 100, 'mesh.tracingSamplingPercentage', 'must be between 0 and 100',
        m.tracingSamplingPercentage, 'use e.g. 1');
      // The sidecars' spans go to the telemetry gateway, which takes traces only with a traces exporter.
      c.check(spec.observability?.tracesEndpoint !== undefined, 'mesh.tracingSamplingPercentage', 'samples traces that nothing receives (no observability.tracesEndpoint)',
        m.tracingSamplingPercentage, "set 'observability.tracesEndpoint' or drop 'mesh.tracingSamplingPercentage'");
    }
  }

  private gitops(spec: PlatformSpec): void {
    const c = this.collector;
    const g = spec.gitops;
    if (!c.check(g !== undefined && g !== null && typeof g === 'object', 'gitops', 'must name the GitOps repository', g,
      "set { repoUrl: 'https://git.example.com/acme/platform-gitops.git' }")) return;
    c.check(typeof g.repoUrl === 'string' && /^(https:\/\/|ssh:\/\/|git@)[^\s*]+$/.test(g.repoUrl), 'gitops.repoUrl', 'must be one literal https or ssh clone URL', g.repoUrl,
      "use e.g. 'https://git.example.com/acme/platform-gitops.git'");
    if (g.server !== undefined) {
      c.check(/^https:\/\/[^\s*]+$/.test(g.server), 'gitops.server', 'must be the https API server URL registered in Argo CD', g.server, "use e.g. 'https://kubernetes.default.svc'");
    }
    if (g.targetRevision !== undefined) c.check(g.targetRevision.trim() !== '', 'gitops.targetRevision', 'must not be empty', g.targetRevision, "use e.g. 'main'");
  }

  private observability(spec: PlatformSpec): void {
    const c = this.collector;
    const o = spec.observability ?? {};
    if (o.ampWorkspaceArn !== undefined) {
      c.check(new RegExp(`^arn:aws[a-z-]*:aps:${spec.region}:${spec.accountId}:workspace/ws-[A-Za-z0-9-]+$`).test(o.ampWorkspaceArn), 'observability.ampWorkspaceArn',
        `must be an Amazon Managed Prometheus workspace ARN in ${spec.region} and account ${spec.accountId}`, o.ampWorkspaceArn,
        `use e.g. 'arn:aws:aps:${spec.region}:${spec.accountId}:workspace/ws-1234abcd'`);
    }
    if (o.tracesEndpoint !== undefined) {
      c.check(/^[a-z0-9.-]+:\d+$/.test(o.tracesEndpoint), 'observability.tracesEndpoint', "must be an OTLP/gRPC 'host:port'", o.tracesEndpoint,
        "use e.g. 'tempo-distributor.tracing.svc:4317'");
    }
    if (o.logsEndpoint !== undefined) {
      c.check(/^https:\/\/\S+$/.test(o.logsEndpoint), 'observability.logsEndpoint', 'must be an https OTLP/HTTP URL', o.logsEndpoint, "use e.g. 'https://otlp.example.com'");
    }
  }

  private audit(spec: PlatformSpec): void {
    const c = this.collector;
    const a = spec.audit ?? {};
    if (a.retentionDays !== undefined) this.wholeNumber('audit.retentionDays', a.retentionDays, 365, 'keep audit logs at least a year');
    // Account-level services (aws SecurityBaseline): AccountServiceMode values.
    const modes = ['CREATE', 'EXISTING', 'DISABLED'];
    for (const key of ['guardDuty', 'securityHub', 'config'] as const) {
      c.check(a[key] === undefined || modes.includes(a[key]!), `audit.${key}`, `must be one of ${modes.join(', ')}`, a[key],
        'use CREATE (this stack creates it), EXISTING (the organization already enabled it in the account) or DISABLED');
    }
    const hub = a.securityHub ?? 'CREATE';
    if (hub !== 'DISABLED' && a.config === 'DISABLED') {
      c.add('audit.config', `must not be DISABLED while audit.securityHub is ${hub}: Security Hub controls are evaluated by AWS Config rules and find nothing without recording`,
        a.config, 'use CREATE, or EXISTING when the account already records (an organization or Control Tower recorder)');
    }
    if (hub === 'DISABLED' && a.splunk) {
      c.add('audit.splunk', 'forwards Security Hub findings, but audit.securityHub is DISABLED', '<splunk options>', 'set audit.securityHub to CREATE or EXISTING, or drop audit.splunk');
    }
    if (a.objectLockRetentionDays !== undefined) {
      const keep = a.retentionDays ?? 2557;
      c.check(Number.isInteger(a.objectLockRetentionDays) && a.objectLockRetentionDays >= 1 && a.objectLockRetentionDays <= keep, 'audit.objectLockRetentionDays',
        `must be a whole number from 1 to audit.retentionDays (${keep})`, a.objectLockRetentionDays, 'lock log files for at most as long as they are kept');
    }
    if (a.objectLockMode !== undefined) {
      c.check(['COMPLIANCE', 'GOVERNANCE'].includes(a.objectLockMode), 'audit.objectLockMode', 'must be COMPLIANCE or GOVERNANCE', a.objectLockMode,
        'use ObjectLockMode.COMPLIANCE or ObjectLockMode.GOVERNANCE');
      c.check(a.objectLockRetentionDays !== undefined, 'audit.objectLockMode', 'has no effect without audit.objectLockRetentionDays', a.objectLockMode,
        'set audit.objectLockRetentionDays (e.g. 365), or drop audit.objectLockMode');
    }
    if (a.splunk) {
      c.check(/^https:\/\/\S+$/.test(a.splunk.hecEndpoint ?? ''), 'audit.splunk.hecEndpoint', 'must be an https URL', a.splunk.hecEndpoint,
        "use e.g. 'https://http-inputs-acme.splunkcloud.com:443'");
      c.check(/^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/.test(a.splunk.hecTokenSecretArn ?? ''), 'audit.splunk.hecTokenSecretArn',
        'must be a Secrets Manager secret ARN (the token never appears in the spec)', a.splunk.hecTokenSecretArn,
        `use e.g. 'arn:aws:secretsmanager:${spec.region}:${spec.accountId}:secret:splunk-hec-AbCdEf'`);
    }
  }
}

function weightsInStore(spec: PlatformSpec): boolean {
  return (spec.models ?? []).some((m) => m.weights?.inModelStore || m.canary?.weights?.inModelStore
    || (m.adapters ?? []).some((a) => a?.weights?.inModelStore))
    || (spec.fineTuningJobs ?? []).some((j) => j.baseModel?.inModelStore);
}

function isCidr(value: any): boolean {
  const m = typeof value === 'string' ? CIDR.exec(value) : null;
  if (!m) return false;
  return m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
}
