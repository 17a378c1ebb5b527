import { AuditSpec, ObservabilitySpec, PlatformImagesSpec, PlatformSharedSpec, PlatformSpec, PolicySpec } from './platform-spec';
import { PlatformSpecValidator } from './platform-spec-validator';
import { Network } from '../aws/network';
import { Ipv4Cidr } from '../aws/private/cidr';
import { AccountServiceMode } from '../aws/security-baseline';
import { rememberValidSpec } from './private/entry-validation';
import { rolloutStageOf } from './private/rollout';
import { forEachSpecString, mapSpecStrings } from './private/spec-strings';
import { ProblemCollector, ValidationError, ValidationProblem } from '../core/errors';
import { Names } from '../core/names';
import { partitionOf, roleAccount } from '../core/private/iam-arns';
import { checkArgs, collectTypeProblems } from '../core/private/runtime-types';
import type { ReplicaRange } from '../k8s/serving/model-server';
import type { ModelSource } from '../k8s/serving/model-source';

/**
 * Several environments and clusters of one platform in one spec: the shared definitions (tenants, models,
 * pools, policies, GitOps) written once, the environments in promotion order with their clusters (region,
 * account), and what differs per environment or cluster. `Fleet` resolves it into one `PlatformSpec` per
 * cluster.
 *
 * ```ts
 * const fleet = new Fleet({
 *   platform: shared,
 *   environments: [
 *     { name: 'staging', accountId: '111111111111', clusters: [{ region: 'us-east-1' }] },
 *     { name: 'prod', accountId: '222222222222', clusters: [{ region: 'us-east-1' }, { region: 'eu-west-1' }] },
 *   ],
 *   overrides: [{ environment: 'staging', gpuPools: [{ name: 'a10g', maxNodes: 2 }] }],
 * });
 * fleet.clusters.map((c) => c.name); // ['staging', 'prod-us-east-1', 'prod-eu-west-1']
 * ```
 */
export interface FleetSpec {
  /** What every cluster shares: tenants, models, GPU pools, policies, mesh, GitOps, observability. */
  readonly platform: PlatformSharedSpec;
  /** The environments in promotion order (the first is promoted to first, e.g. staging before prod), each with its clusters. */
  readonly environments: FleetEnvironmentSpec[];
  /**
   * What differs from the shared definitions in an environment, or in one cluster of it. Applied in order:
   * every environment-wide override, then every cluster override; a later value replaces an earlier one.
   *
   * @default - none: every cluster runs the shared definitions
   */
  readonly overrides?: FleetOverrideSpec[];
  /**
   * The cluster (by its fleet name) whose Argo CD is the fleet's hub: it holds the cluster Secrets of every
   * cluster and the fleet ApplicationSet, and syncs every cluster through EKS access entries and Pod Identity
   * (`AwsFleet`, `KubernetesFleet`).
   *
   * @default - the first cluster of the last environment (production runs the hub: no earlier environment holds
   * what deploys production)
   */
  readonly hub?: string;
  /**
   * Roll every change out stage by stage with Argo CD progressive sync (ApplicationSet `RollingSync`): the first
   * environment's clusters, then each later environment region by region, each cluster's platform before its
   * tenants. Needs the hub's ApplicationSet controller with progressive syncs enabled (`KubernetesFleet` writes
   * `applicationsetcontroller.enable.progressive.syncs: "true"` into `argocd-cmd-params-cm`). Off: every
   * cluster's Applications sync automatically as soon as a change is merged.
   *
   * @default true
   */
  readonly progressiveSync?: boolean;
  /**
   * How the hub's Argo CD (in its cluster's VPC) reaches the other clusters' API endpoints, which are private
   * by default. Required once a cluster other than the hub is registered (`apiServer`).
   *
   * @default - none declared: refused while a registered cluster needs it
   */
  readonly hubNetwork?: FleetHubNetwork;
  /**
   * With `FleetHubNetwork.PUBLIC_ENDPOINT`: the hub's egress addresses (its NAT gateways' Elastic IPs, as /32
   * CIDRs), which every other cluster's public endpoint admits (added to its `cluster.publicAccessCidrs`).
   *
   * @default - none
   */
  readonly hubEgressCidrs?: string[];
  /**
   * Fill one cluster's model store and registry, and let AWS copy them into every other cluster's region and
   * account (`AwsFleet`: S3 replication of the model store, ECR replication of the registry), so that each cluster
   * reads weights from its own store and pulls images from its own region's registry. Every other cluster's images
   * that name the source's registry are pointed at its own registry (same repository and digest). Without it, each
   * cluster's store is yours to fill, and an image in one cluster's registry cannot be named by a cluster of another
   * region or account (refused: "a region without a copy").
   *
   * @default - no replication
   */
  readonly replication?: FleetReplicationSpec;
}

/**
 * Where a fleet's weights and images are filled, and what AWS replicates from there.
 */
export interface FleetReplicationSpec {
  /**
   * The cluster (fleet name) whose model store you upload weights to and whose registry you push (mirror, sign)
   * images to. Everything written there from the first deploy of its replication on is copied; what was there
   * before is not (S3 Batch Replication and a new push copy it).
   */
  readonly source: string;
  /**
   * Replicate the source's model store into every other cluster's store (S3 replication, each replica encrypted
   * with its store's own key, deletions not replicated).
   *
   * @default true
   */
  readonly models?: boolean;
  /**
   * Replicate the source's registry into every other region's and account's registry (ECR replication; same
   * digests, signatures included) and point the other clusters' images at their own registry.
   *
   * @default true
   */
  readonly images?: boolean;
  /**
   * S3 Replication Time Control for the model store: 99.99% of new objects within 15 minutes, with replication
   * metrics (billed per GB). A model version promoted to a region before its weights arrived fails its download and
   * retries; with it, the delay is bounded.
   *
   * @default true
   */
  readonly replicationTimeControl?: boolean;
}

/**
 * How a fleet hub reaches the other clusters' Kubernetes API endpoints.
 */
export enum FleetHubNetwork {
  /**
   * Your network connects the hub's VPC to the others (VPC peering, Transit Gateway, Cloud WAN) with routes both
   * ways; `AwsFleet` admits the hub's VPC CIDR on port 443 of every other cluster's security group, and the
   * endpoints stay private (EKS resolves a private endpoint's name to its addresses in the VPC). The VPC CIDRs
   * must not overlap (`FleetClusterSpec.vpcCidr`).
   */
  PRIVATE_NETWORK = 'private-network',
  /**
   * Every other cluster's public endpoint admits `hubEgressCidrs` (besides its own `cluster.publicAccessCidrs`);
   * its private endpoint stays on.
   */
  PUBLIC_ENDPOINT = 'public-endpoint',
}

/**
 * A cluster's Kubernetes API server as the fleet hub's Argo CD reaches it: both values are known once the
 * cluster exists (`aws eks describe-cluster --query 'cluster.[endpoint,certificateAuthority.data]'`, or the
 * cluster stack's Terraform outputs).
 */
export interface FleetApiServerSpec {
  /** The API server endpoint, e.g. `https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com`. */
  readonly url: string;
  /** The cluster's certificate authority, base64 of its PEM certificate (as EKS returns it). */
  readonly certificateAuthorityData: string;
}

/**
 * One environment of a fleet.
 */
export interface FleetEnvironmentSpec {
  /** The environment name (DNS-1123 label), e.g. `staging`, `prod`. */
  readonly name: string;
  /** The 12-digit AWS account its clusters run in (unless a cluster names its own). */
  readonly accountId: string;
  /** Its clusters (at least one). */
  readonly clusters: FleetClusterSpec[];
}

/**
 * One cluster of an environment.
 */
export interface FleetClusterSpec {
  /** The AWS region, e.g. `eu-west-1`. */
  readonly region: string;
  /**
   * The cluster's name in the fleet (DNS-1123 label, unique in the fleet): its platform's environment (the
   * suffix of its cluster, bucket and role names, and its GitOps directory).
   *
   * @default - the environment's name when it has one cluster, else `<environment>-<region>`
   */
  readonly name?: string;
  /**
   * The 12-digit AWS account.
   *
   * @default - the environment's account
   */
  readonly accountId?: string;
  /**
   * The IAM role Terraform assumes to deploy this cluster (a pipeline in one account deploying into others).
   *
   * @default - the credentials Terraform runs with
   */
  readonly deployRoleArn?: string;
  /**
   * The cluster's API server, which registers it with the fleet hub (its Argo CD cluster Secret). Set it once the
   * cluster exists (its endpoint and certificate authority are AWS's to choose); until then its GitOps tree is
   * written but the hub generates no Application for it. The hub's own cluster needs none (Argo CD reaches it
   * in-cluster).
   *
   * @default - not registered yet
   */
  readonly apiServer?: FleetApiServerSpec;
  /**
   * The cluster's VPC CIDR (its `cluster.vpcCidr`): clusters a network connects (`FleetHubNetwork.PRIVATE_NETWORK`)
   * need CIDRs that do not overlap.
   *
   * @default - the shared `cluster.vpcCidr` ('10.0.0.0/16')
   */
  readonly vpcCidr?: string;
}

/**
 * What differs in one environment (or one cluster of it) from the fleet's shared definitions. Entries name
 * the shared pool, tenant or model they change; only the fields they set change.
 */
export interface FleetOverrideSpec {
  /** The environment it applies to. */
  readonly environment: string;
  /**
   * One cluster of that environment (by its fleet name).
   *
   * @default - every cluster of the environment
   */
  readonly cluster?: string;
  /**
   * GPU pool sizes.
   *
   * @default - none
   */
  readonly gpuPools?: GpuPoolOverrideSpec[];
  /**
   * Tenant GPU quotas.
   *
   * @default - none
   */
  readonly tenants?: TenantOverrideSpec[];
  /**
   * Model images, versions, weights and replicas.
   *
   * @default - none
   */
  readonly models?: ModelOverrideSpec[];
  /**
   * Platform images (each field set replaces the shared one; add-on mirrors merge by key).
   *
   * @default - none
   */
  readonly images?: PlatformImagesSpec;
  /**
   * Observability settings (each field set replaces the shared one): what lives in one region and account, such as
   * the Amazon Managed Prometheus workspace (`ampWorkspaceArn`), differs per cluster.
   *
   * @default - none
   */
  readonly observability?: ObservabilitySpec;
  /**
   * Audit settings (each field set replaces the shared one), e.g. `guardDuty`/`securityHub`/`config`:
   * `AccountServiceMode.EXISTING` in the second cluster of one account and region (those services exist once per
   * account and region).
   *
   * @default - none
   */
  readonly audit?: AuditSpec;
  /**
   * Admission policy settings (each field set replaces the shared one), e.g. `mode: PolicyAction.AUDIT` in staging
   * while prod enforces, or another environment's `exceptions`.
   *
   * @default - none
   */
  readonly policy?: PolicySpec;
}

/**
 * A GPU pool's size in one environment or cluster.
 */
export interface GpuPoolOverrideSpec {
  /** The shared pool's name. */
  readonly name: string;
  /**
   * @default - the shared pool's
   */
  readonly minNodes?: number;
  /**
   * @default - the shared pool's
   */
  readonly desiredNodes?: number;
  /**
   * @default - the shared pool's
   */
  readonly maxNodes?: number;
}

/**
 * A tenant's GPU quota in one environment or cluster.
 */
export interface TenantOverrideSpec {
  /** The shared tenant's name. */
  readonly name: string;
  /**
   * @default - the shared tenant's
   */
  readonly gpuQuota?: number;
}

/**
 * A model's image, version, weights or replicas in one environment or cluster (e.g. a new version in
 * staging before prod).
 */
export interface ModelOverrideSpec {
  /** The shared model's name. */
  readonly name: string;
  /**
   * @default - the shared model's
   */
  readonly image?: string;
  /**
   * @default - the shared model's
   */
  readonly version?: string;
  /**
   * @default - the shared model's
   */
  readonly weights?: ModelSource;
  /**
   * @default - the shared model's
   */
  readonly replicas?: ReplicaRange;
}

/**
 * One cluster of a resolved fleet.
 */
export interface FleetCluster {
  /** Its fleet name (its platform's `environment`). */
  readonly name: string;
  /** The environment it belongs to. */
  readonly environment: string;
  /** Its position in the promotion order (0 for the first environment's clusters). */
  readonly stage: number;
  /** The AWS region. */
  readonly region: string;
  /** The AWS account. */
  readonly accountId: string;
  /**
   * The IAM role Terraform assumes to deploy it.
   *
   * @default - none
   */
  readonly deployRoleArn?: string;
  /** Whether its Argo CD is the fleet's hub. */
  readonly hub: boolean;
  /**
   * Its API server as the hub reaches it.
   *
   * @default - not registered yet (the hub itself is reached in-cluster)
   */
  readonly apiServer?: FleetApiServerSpec;
  /**
   * What differs in it from the shared definitions, one line per field an override set, in spec order
   * (`gpuPools[a10g].maxNodes = 2 (overrides[0])`).
   */
  readonly differences: string[];
  /** Its whole platform spec: the shared definitions with its environment's and its own overrides. */
  readonly spec: PlatformSpec;
}

/** The override fields that change a named entry, per list. */
const OVERRIDE_FIELDS = {
  gpuPools: ['minNodes', 'desiredNodes', 'maxNodes'],
  tenants: ['gpuQuota'],
  models: ['image', 'version', 'weights', 'replicas'],
} as const;
type OverrideList = keyof typeof OVERRIDE_FIELDS;

/**
 * A fleet resolved into its clusters, each with its whole `PlatformSpec`, in promotion order. Every problem
 * of the fleet spec and of each cluster's spec is reported at once, each at its fleet spec path
 * (`overrides[1].gpuPools[0].maxNodes`, `environments[1].clusters[0].name`, `platform.tenants[0].gpuQuota`).
 */
export class Fleet {
  /** The clusters in promotion order (environment order, then cluster order). */
  public readonly clusters: FleetCluster[];
  /** The environment names in promotion order. */
  public readonly environments: string[];
  /** The spec. */
  public readonly spec: FleetSpec;
  /** The cluster whose Argo CD is the hub. */
  public readonly hub: FleetCluster;
  /** Whether changes roll out stage by stage (progressive sync). */
  public readonly progressiveSync: boolean;
  /**
   * How the hub reaches the other clusters.
   *
   * @default - not declared
   */
  public readonly hubNetwork?: FleetHubNetwork;
  /**
   * The cluster whose model store and registry the others' are replicated from (`FleetSpec.replication`).
   *
   * @default - no replication
   */
  public readonly replicationSource?: FleetCluster;

  /**
   * @param spec the fleet
   */
  constructor(spec: FleetSpec) {
    checkArgs('platform.Fleet#new', [spec]);
    this.spec = spec;
    const problems = new ProblemCollector();
    if (!collectTypeProblems(problems, 'platform.FleetSpec', spec, 'spec')) problems.throwIfAny();
    const placed = placeClusters(spec, problems);
    checkOverrides(spec, placed, problems);
    const hubName = checkHub(spec, placed, problems);
    const source = checkReplication(spec, placed, problems);
    // every cluster is resolved and checked too, so one round reports the fleet's and the clusters' problems
    this.environments = spec.environments.map((e) => e.name);
    const registries = fleetRegistries(placed);
    const resolved = placed.map((p) => resolveCluster(spec, p, p.name === hubName, registries, source));
    // a problem of the shared definitions shows in every cluster: report it once, naming the clusters
    const merged = new Map<string, { problem: ClusterProblem; clusters: string[] }>();
    for (const r of resolved) {
      for (const problem of r.problems) {
        const key = JSON.stringify([problem.prop, problem.problem, problem.value, problem.fix]);
        const seen = merged.get(key);
        if (seen) seen.clusters.push(r.cluster.name);
        else merged.set(key, { problem, clusters: [r.cluster.name] });
      }
    }
    for (const { problem, clusters } of merged.values()) {
      const where = clusters.length === resolved.length && resolved.length > 1 ? 'every cluster' : `cluster${clusters.length > 1 ? 's' : ''} ${clusters.map((n) => `'${n}'`).join(', ')}`;
      problems.addProblem({ ...problem, problem: `${problem.problem} (${where})` });
    }
    checkAccountServices(placed, resolved.map((r) => r.cluster), problems);
    checkHubNetwork(spec, placed, resolved.map((r) => r.cluster), hubName, problems);
    problems.throwIfAny();
    this.clusters = resolved.map((r) => ({ ...r.cluster, hub: r.cluster.name === hubName }));
    this.hub = this.clusters.find((c) => c.hub)!;
    this.progressiveSync = spec.progressiveSync ?? true;
    this.hubNetwork = spec.hubNetwork;
    this.replicationSource = source ? this.clusters.find((c) => c.name === source.name) : undefined;
    // each cluster spec passed PlatformSpecValidator: the entry points built from it do not validate it again
    for (const cluster of this.clusters) rememberValidSpec(cluster.spec);
  }

  /**
   * The fleet in a few lines: its clusters by environment (promotion order) and region, which cluster runs the hub
   * and which are registered with it, and what differs in each from the shared definitions.
   */
  public summary(): string[] {
    const out = [`fleet '${this.spec.platform.name}': ${this.clusters.length} cluster${this.clusters.length === 1 ? '' : 's'} in `
      + `${this.environments.length} environment${this.environments.length === 1 ? '' : 's'}, hub '${this.hub.name}', `
      + `progressive sync ${this.progressiveSync ? 'on (RollingSync, environment by environment, region by region)' : 'off'}`];
    const r = this.spec.replication;
    if (this.replicationSource && r) {
      const what = [(r.models ?? true) ? `model store (S3${(r.replicationTimeControl ?? true) ? ', Replication Time Control' : ''})` : undefined,
        (r.images ?? true) ? 'registry (ECR)' : undefined].filter((x) => x !== undefined).join(' and ');
      out.push(`  replication: ${what} of '${this.replicationSource.name}' into every other cluster's`);
    }
    for (const c of this.clusters) {
      const state = c.hub ? 'hub (in-cluster)' : c.apiServer ? 'registered with the hub' : 'not registered yet (no apiServer)';
      out.push(`  ${`stage ${rolloutStageOf(this.clusters, c)}`.padEnd(8)} ${c.environment.padEnd(12)} ${c.name.padEnd(20)} ${c.region.padEnd(15)} ${c.accountId}  ${state}`);
      for (const d of c.differences) out.push(`           ${d}`);
    }
    return out;
  }

  /**
   * The cluster with this fleet name.
   *
   * @param name the cluster's fleet name
   */
  public cluster(name: string): FleetCluster {
    checkArgs('platform.Fleet#cluster', [name]);
    const found = this.clusters.find((c) => c.name === name);
    if (!found) {
      throw new ValidationError('name', 'is not a cluster of the fleet', name, `use one of: ${this.clusters.map((c) => c.name).join(', ')}`);
    }
    return found;
  }

  /**
   * The cluster whose stack creates the ECR repositories this cluster pulls from: the first cluster (in promotion
   * order) of its account and region, since ECR has one registry per account and region.
   *
   * @param name the cluster's fleet name
   */
  public registryOwnerOf(name: string): FleetCluster {
    checkArgs('platform.Fleet#registryOwnerOf', [name]);
    const cluster = this.cluster(name);
    return this.clusters.find((c) => c.accountId === cluster.accountId && c.region === cluster.region)!;
  }

  /**
   * The clusters of one environment, in spec order.
   *
   * @param environment the environment name
   */
  public clustersOf(environment: string): FleetCluster[] {
    checkArgs('platform.Fleet#clustersOf', [environment]);
    if (!this.environments.includes(environment)) {
      throw new ValidationError('environment', 'is not an environment of the fleet', environment, `use one of: ${this.environments.join(', ')}`);
    }
    return this.clusters.filter((c) => c.environment === environment);
  }
}

/** A cluster's place in the fleet spec, before its spec is resolved. */
interface PlacedCluster {
  readonly name: string;
  readonly environment: string;
  readonly stage: number;
  /** `environments[i].clusters[j]` */
  readonly at: string;
  readonly envAt: string;
  readonly cluster: FleetClusterSpec;
  readonly accountId: string;
}

function placeClusters(spec: FleetSpec, c: ProblemCollector): PlacedCluster[] {
  c.check(spec.environments.length > 0, 'environments', 'must list at least one environment', spec.environments, "add e.g. { name: 'prod', accountId: '123456789012', clusters: [{ region: 'us-east-1' }] }");
  const envNames = new Map<string, number>();
  const clusterNames = new Map<string, string>();
  const placed: PlacedCluster[] = [];
  spec.environments.forEach((env, i) => {
    const envAt = `environments[${i}]`;
    if (c.check(Names.isDns1123Label(env.name), `${envAt}.name`, 'must be a DNS-1123 label', env.name, "use e.g. 'staging' or 'prod'")) {
      const seen = envNames.get(env.name);
      c.check(seen === undefined, `${envAt}.name`, `names environment '${env.name}' again (environments[${seen}])`, env.name, 'give each environment its own name');
      envNames.set(env.name, i);
    }
    c.check(env.clusters.length > 0, `${envAt}.clusters`, `must list at least one cluster of environment '${env.name}'`, env.clusters, "add e.g. { region: 'us-east-1' }");
    env.clusters.forEach((cluster, j) => {
      const at = `${envAt}.clusters[${j}]`;
      const name = cluster.name ?? (env.clusters.length === 1 ? env.name : `${env.name}-${cluster.region}`);
      const nameProp = cluster.name !== undefined ? `${at}.name` : at;
      if (c.check(Names.isDns1123Label(name), nameProp, 'must give the cluster a DNS-1123 label as its name', name, "set 'name', e.g. 'prod-use1'")) {
        const other = clusterNames.get(name);
        c.check(other === undefined, nameProp, `names cluster '${name}' again (${other})`, name,
          `give each cluster its own name${cluster.name === undefined ? ` (two clusters of '${env.name}' in ${cluster.region} need explicit names)` : ''}`);
        clusterNames.set(name, at);
      }
      const accountId = cluster.accountId ?? env.accountId;
      if (cluster.deployRoleArn !== undefined) {
        // the provider allows only the cluster's account (AwsPlatformStack checks the same, at its own props)
        const account = roleAccount(cluster.deployRoleArn);
        c.check(account === accountId, `${at}.deployRoleArn`,
          account === undefined ? 'must be an IAM role ARN' : `must be a role in the cluster's account ${accountId} (the provider allows only it)`,
          cluster.deployRoleArn, `use e.g. 'arn:aws:iam::${accountId}:role/platform-deploy'`);
      }
      placed.push({ name, environment: env.name, stage: i, at, envAt, cluster, accountId });
    });
  });
  return placed;
}

/**
 * The hub's Argo CD must reach every registered cluster's API endpoint (private by default): a declared
 * `hubNetwork`, with its egress CIDRs for public endpoints, or non-overlapping VPC CIDRs for a private network.
 */
function checkHubNetwork(spec: FleetSpec, placed: PlacedCluster[], clusters: FleetCluster[], hubName: string | undefined, c: ProblemCollector): void {
  const hubIndex = clusters.findIndex((x) => x.name === hubName);
  if (hubIndex < 0) return;
  const registered = clusters.filter((x) => x.name !== hubName && x.apiServer !== undefined).map((x) => x.name);
  const egress = spec.hubEgressCidrs ?? [];
  // each CIDR is checked where it lands, as a spoke's cluster.publicAccessCidrs (reported at hubEgressCidrs[i])
  if (spec.hubNetwork === undefined) {
    c.check(registered.length === 0, 'hubNetwork', `is not declared, and the hub's Argo CD (cluster '${hubName}') cannot reach the private API endpoint of `
      + `${registered.map((n) => `'${n}'`).join(', ')} from its own VPC`, undefined,
    "declare it: FleetHubNetwork.PRIVATE_NETWORK (your peering or Transit Gateway; the VPC CIDRs must not overlap) or FleetHubNetwork.PUBLIC_ENDPOINT with 'hubEgressCidrs'");
    return;
  }
  if (spec.hubNetwork === FleetHubNetwork.PUBLIC_ENDPOINT) {
    c.check(egress.length > 0, 'hubEgressCidrs', "must list the hub's egress addresses with FleetHubNetwork.PUBLIC_ENDPOINT", egress,
      "add the hub's NAT gateway Elastic IPs as /32 CIDRs (known after the hub's first deploy)");
    return;
  }
  // a private network routes between the VPCs only when their CIDRs do not overlap
  const hubCidr = Ipv4Cidr.parse(clusters[hubIndex].spec.cluster?.vpcCidr ?? Network.DEFAULT_CIDR);
  clusters.forEach((x, i) => {
    if (i === hubIndex || !hubCidr) return;
    const cidr = x.spec.cluster?.vpcCidr ?? Network.DEFAULT_CIDR;
    const parsed = Ipv4Cidr.parse(cidr);
    if (!parsed) return; // reported by the cluster's spec validation
    c.check(!parsed.overlaps(hubCidr), placed[i].cluster.vpcCidr !== undefined ? `${placed[i].at}.vpcCidr` : placed[i].at,
      `gives cluster '${x.name}' the VPC CIDR ${cidr}, which overlaps the hub's (${hubCidr.toString()}, cluster '${hubName}'): a private network cannot route between them`, cidr,
      `give each cluster its own 'vpcCidr', e.g. '10.${i + 1}.0.0/16'`);
  });
}

/**
 * GuardDuty, Security Hub and the AWS Config recorder exist once per account and region: two clusters there may not
 * both create them (the second apply fails, e.g. GuardDuty "a detector already exists").
 */
function checkAccountServices(placed: PlacedCluster[], clusters: FleetCluster[], c: ProblemCollector): void {
  const creators = new Map<string, string>();
  clusters.forEach((cluster, i) => {
    const audit = cluster.spec.audit ?? {};
    const securityHub = audit.securityHub ?? AccountServiceMode.CREATE;
    const services = [
      ['GuardDuty', audit.guardDuty ?? AccountServiceMode.CREATE],
      ['Security Hub', securityHub],
      ['AWS Config', audit.config ?? securityHub],
    ].filter(([, mode]) => mode === AccountServiceMode.CREATE).map(([name]) => name);
    if (services.length === 0) return;
    const key = `${cluster.accountId}/${cluster.region}`;
    const other = creators.get(key);
    if (other === undefined) {
      creators.set(key, cluster.name);
      return;
    }
    c.add(placed[i].at, `shares account ${cluster.accountId} and region ${cluster.region} with cluster '${other}', and both would create ${services.join(', ')} (one per account and region)`,
      cluster.name, `adopt them in this cluster: an override { environment: '${cluster.environment}', cluster: '${cluster.name}', audit: { guardDuty: AccountServiceMode.EXISTING, securityHub: AccountServiceMode.EXISTING } }, or use another account or region`);
  });
}

/** The platform registry of each account and region of the fleet, by host, with the cluster whose stack creates it. */
interface FleetRegistry {
  readonly host: string;
  readonly owner: string;
  readonly accountId: string;
  readonly region: string;
}

function fleetRegistries(placed: PlacedCluster[]): Map<string, FleetRegistry> {
  const out = new Map<string, FleetRegistry>();
  for (const p of placed) {
    const host = registryHostOf(p.accountId, p.cluster.region);
    if (!out.has(host)) out.set(host, { host, owner: p.name, accountId: p.accountId, region: p.cluster.region });
  }
  return out;
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` (PlatformNames.registryUrl). */
function registryHostOf(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com`;
}

/** The registry host an image reference, `oci://` module or registry entry names (`<host>[/<path>]`). */
function hostOf(text: string): string {
  return text.replace(/^oci:\/\//, '').split('/')[0];
}

/** ECR User Guide, "Considerations for private image replication": 25 unique destinations per registry. */
const MAX_REGISTRY_DESTINATIONS = 25;

/** The replication source; checks `replication`. */
function checkReplication(spec: FleetSpec, placed: PlacedCluster[], c: ProblemCollector): PlacedCluster | undefined {
  const r = spec.replication;
  if (r === undefined) return undefined;
  const source = placed.find((p) => p.name === r.source);
  if (!c.check(source !== undefined, 'replication.source', 'is not a cluster of the fleet', r.source, `use one of: ${placed.map((p) => p.name).join(', ')}`)) return undefined;
  c.check(placed.length > 1, 'replication', 'has no other cluster to replicate into', r.source, "add a cluster, or remove 'replication'");
  c.check((r.models ?? true) || (r.images ?? true), 'replication', 'replicates neither models nor images', JSON.stringify({ models: r.models, images: r.images }),
    "remove 'replication', or turn one on");
  for (const p of placed) {
    c.check(partitionOf(p.cluster.region) === partitionOf(source!.cluster.region), `${p.at}.region`,
      `is in another AWS partition than the replication source '${source!.name}' (${source!.cluster.region}); S3 and ECR do not replicate across partitions`,
      p.cluster.region, 'keep a fleet that replicates within one partition');
  }
  if (r.images ?? true) {
    const destinations = fleetRegistries(placed).size - 1;
    c.check(destinations <= MAX_REGISTRY_DESTINATIONS, 'replication.images', `would replicate the registry into ${destinations} registries; ECR replicates to at most ${MAX_REGISTRY_DESTINATIONS}`,
      destinations, 'split the fleet, or turn image replication off and fill the registries yourself');
  }
  return source;
}

/** The hub's fleet name; checks `hub` and every cluster's `apiServer`. */
function checkHub(spec: FleetSpec, placed: PlacedCluster[], c: ProblemCollector): string | undefined {
  const names = placed.map((p) => p.name);
  const last = placed.filter((p) => p.stage === spec.environments.length - 1)[0];
  const hub = spec.hub ?? last?.name;
  if (spec.hub !== undefined) c.check(names.includes(spec.hub), 'hub', 'is not a cluster of the fleet', spec.hub, `use one of: ${names.join(', ')}`);
  for (const p of placed) {
    const api = p.cluster.apiServer;
    if (api === undefined) continue;
    if (p.name === hub) {
      c.add(`${p.at}.apiServer`, `is set on the hub's cluster '${p.name}': its Argo CD reaches it in-cluster (https://kubernetes.default.svc)`, api.url, "remove 'apiServer' from the hub's cluster");
      continue;
    }
    c.check(/^https:\/\/[A-Za-z0-9.-]+(:\d+)?\/?$/.test(api.url), `${p.at}.apiServer.url`, 'must be the https URL of the API server endpoint (no path)', api.url,
      "use the cluster's endpoint, e.g. 'https://0123456789ABCDEF.gr7.eu-west-1.eks.amazonaws.com'");
    const pem = /^[A-Za-z0-9+/]+={0,2}$/.test(api.certificateAuthorityData) ? Buffer.from(api.certificateAuthorityData, 'base64').toString('utf8') : '';
    c.check(pem.startsWith('-----BEGIN CERTIFICATE-----'), `${p.at}.apiServer.certificateAuthorityData`, 'must be the base64 of a PEM certificate (as EKS returns it)',
      api.certificateAuthorityData.length > 24 ? `${api.certificateAuthorityData.slice(0, 24)}...` : api.certificateAuthorityData,
      "use the cluster's 'certificateAuthority.data' (aws eks describe-cluster)");
  }
  return hub;
}

function checkOverrides(spec: FleetSpec, placed: PlacedCluster[], c: ProblemCollector): void {
  const envs = spec.environments.map((e) => e.name);
  (spec.overrides ?? []).forEach((o, k) => {
    const at = `overrides[${k}]`;
    if (!c.check(envs.includes(o.environment), `${at}.environment`, 'is not an environment of the fleet', o.environment, `use one of: ${envs.join(', ')}`)) return;
    if (o.cluster !== undefined) {
      const names = placed.filter((p) => p.environment === o.environment).map((p) => p.name);
      c.check(names.includes(o.cluster), `${at}.cluster`, `is not a cluster of environment '${o.environment}'`, o.cluster, `use one of: ${names.join(', ')}`);
    }
    for (const list of Object.keys(OVERRIDE_FIELDS) as OverrideList[]) {
      const known = ((spec.platform[list] ?? []) as { name: string }[]).map((e) => e.name);
      const seen = new Set<string>();
      ((o[list] ?? []) as { name: string }[]).forEach((entry, j) => {
        const entryAt = `${at}.${list}[${j}].name`;
        if (!c.check(known.includes(entry.name), entryAt, `is not one of the shared ${list}`, entry.name, `use one of: ${known.join(', ') || '(none)'}`)) return;
        c.check(!seen.has(entry.name), entryAt, `changes ${entry.name} twice in one override`, entry.name, 'merge the two entries');
        seen.add(entry.name);
      });
    }
  });
}

/** A problem of one cluster's spec, at its fleet spec path (`value` as the spec validator rendered it). */
type ClusterProblem = ValidationProblem;

/** One cluster's spec: the shared definitions, its environment's overrides, then its own; problems at fleet paths. */
function resolveCluster(spec: FleetSpec, p: PlacedCluster, isHub: boolean, registries: Map<string, FleetRegistry>, source: PlacedCluster | undefined)
  : { cluster: FleetCluster; problems: ClusterProblem[] } {
  // where each value of the cluster's spec was set, when not in the shared definitions
  const origin = new Map<string, string>([
    ['environment', p.cluster.name !== undefined ? `${p.at}.name` : p.at],
    ['region', `${p.at}.region`],
    ['accountId', p.cluster.accountId !== undefined ? `${p.at}.accountId` : `${p.envAt}.accountId`],
  ]);
  const shared = spec.platform;
  const lists: { [L in OverrideList]: any[] } = {
    gpuPools: [...(shared.gpuPools ?? [])],
    tenants: [...(shared.tenants ?? [])],
    models: [...(shared.models ?? [])],
  };
  let images = shared.images;
  let observability = shared.observability;
  let audit = shared.audit;
  let policy = shared.policy;
  const overrides = (spec.overrides ?? []).map((o, k) => ({ o, k }));
  const applying = [
    ...overrides.filter(({ o }) => o.environment === p.environment && o.cluster === undefined),
    ...overrides.filter(({ o }) => o.environment === p.environment && o.cluster === p.name),
  ];
  for (const { o, k } of applying) {
    for (const list of Object.keys(OVERRIDE_FIELDS) as OverrideList[]) {
      ((o[list] ?? []) as any[]).forEach((entry, j) => {
        const i = lists[list].findIndex((e) => e.name === entry.name);
        if (i < 0) return; // not a shared entry: reported by checkOverrides
        const changed: any = { ...lists[list][i] };
        for (const field of OVERRIDE_FIELDS[list]) {
          if (entry[field] === undefined) continue;
          changed[field] = entry[field];
          origin.set(`${list}[${i}].${field}`, `overrides[${k}].${list}[${j}].${field}`);
        }
        lists[list][i] = changed;
      });
    }
    if (o.images) {
      const set = Object.entries(o.images).filter(([, v]) => v !== undefined);
      images = {
        ...images,
        ...Object.fromEntries(set),
        ...(o.images.addons ? { addons: { ...(images?.addons ?? {}), ...o.images.addons } } : {}),
      };
      for (const [field] of set) origin.set(`images.${field}`, `overrides[${k}].images.${field}`);
    }
    if (o.observability) {
      const set = Object.entries(o.observability).filter(([, v]) => v !== undefined);
      observability = { ...observability, ...Object.fromEntries(set) };
      for (const [field] of set) origin.set(`observability.${field}`, `overrides[${k}].observability.${field}`);
    }
    if (o.audit) {
      const set = Object.entries(o.audit).filter(([, v]) => v !== undefined);
      audit = { ...audit, ...Object.fromEntries(set) };
      for (const [field] of set) origin.set(`audit.${field}`, `overrides[${k}].audit.${field}`);
    }
    if (o.policy) {
      const set = Object.entries(o.policy).filter(([, v]) => v !== undefined);
      policy = { ...policy, ...Object.fromEntries(set) };
      for (const [field] of set) origin.set(`policy.${field}`, `overrides[${k}].policy.${field}`);
    }
  }
  // where it runs on the network: its own VPC CIDR; a spoke's public endpoint admits the hub (FleetHubNetwork)
  let cluster = shared.cluster;
  if (p.cluster.vpcCidr !== undefined) {
    cluster = { ...cluster, vpcCidr: p.cluster.vpcCidr };
    origin.set('cluster.vpcCidr', `${p.at}.vpcCidr`);
  }
  if (!isHub && spec.hubNetwork === FleetHubNetwork.PUBLIC_ENDPOINT && (spec.hubEgressCidrs ?? []).length > 0) {
    cluster = { ...cluster, publicAccessCidrs: [...new Set([...(cluster?.publicAccessCidrs ?? []), ...spec.hubEgressCidrs!])] };
    origin.set('cluster.publicAccessCidrs', 'hubEgressCidrs');
  }
  let clusterSpec: PlatformSpec = {
    ...shared,
    ...(cluster !== undefined ? { cluster } : {}),
    environment: p.name,
    region: p.cluster.region,
    accountId: p.accountId,
    gpuPools: lists.gpuPools,
    tenants: lists.tenants,
    ...(shared.models !== undefined ? { models: lists.models } : {}),
    ...(images !== undefined ? { images } : {}),
    ...(observability !== undefined ? { observability } : {}),
    ...(audit !== undefined ? { audit } : {}),
    ...(policy !== undefined ? { policy } : {}),
  };
  // replicated images: what names the source's registry names this cluster's own (same repository, same digest)
  const own = registryHostOf(p.accountId, p.cluster.region);
  const sourceHost = source ? registryHostOf(source.accountId, source.cluster.region) : undefined;
  const replicated = spec.replication !== undefined && (spec.replication.images ?? true) && sourceHost !== undefined && sourceHost !== own;
  if (replicated) {
    clusterSpec = mapSpecStrings(clusterSpec, (text) => (hostOf(text) === sourceHost ? text.replace(sourceHost!, own) : text));
  }
  const problems = PlatformSpecValidator.problems(clusterSpec).map((problem) => ({ ...problem, prop: fleetPath(problem.prop, origin) }));
  // a region (or account) without a copy: an image in another cluster's registry of the fleet (one problem per
  // registry, at the first value that names it)
  const foreign = new Map<FleetRegistry, { path: string; text: string }[]>();
  forEachSpecString(clusterSpec, (text, path) => {
    const named = registries.get(hostOf(text));
    if (named === undefined || named.host === own) return;
    foreign.set(named, [...(foreign.get(named) ?? []), { path: fleetPath(path, origin), text }]);
  });
  for (const [named, uses] of foreign) {
    const more = uses.length > 1 ? `, as ${uses.length - 1} other value${uses.length > 2 ? 's do' : ' does'} (${uses.slice(1, 4).map((u) => u.path).join(', ')}${uses.length > 4 ? ', ...' : ''})` : '';
    problems.push({
      prop: uses[0].path,
      problem: `names the registry of cluster '${named.owner}' (account ${named.accountId}, ${named.region})${more}, which a cluster of another region or account has no copy of: `
        + 'it would pull across regions, or be refused across accounts (the repositories admit their own account only)',
      value: ValidationError.render(uses[0].text),
      fix: spec.replication === undefined
        ? `replicate from it: FleetSpec.replication { source: '${named.owner}' } copies images and weights into every cluster's region and account and points each cluster at its own registry; or name an image of each cluster's own registry in an override`
        : (spec.replication.images ?? true)
          ? `push it to the replication source's registry (${sourceHost}) and name it there: replication copies it into every cluster's registry`
          : "turn image replication on ('replication.images'), or name an image of each cluster's own registry in an override",
    });
  }
  return {
    cluster: {
      name: p.name,
      environment: p.environment,
      stage: p.stage,
      region: p.cluster.region,
      accountId: p.accountId,
      deployRoleArn: p.cluster.deployRoleArn,
      hub: false,
      apiServer: p.cluster.apiServer,
      differences: differencesOf(clusterSpec, origin),
      spec: clusterSpec,
    },
    problems,
  };
}

/** The fields overrides set in a cluster spec, as `<list>[<name>].<field> = <value> (<override path>)` lines. */
function differencesOf(spec: PlatformSpec, origin: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [path, from] of origin) {
    if (!from.startsWith('overrides[')) continue;
    const entry = /^(gpuPools|tenants|models)\[(\d+)\]\.(\w+)$/.exec(path);
    let shown = path;
    let value: any;
    if (entry) {
      const item = (spec as any)[entry[1]][Number(entry[2])];
      shown = `${entry[1]}[${item.name}].${entry[3]}`;
      value = item[entry[3]];
    } else {
      const [group, field] = path.split('.');
      value = (spec as any)[group]?.[field];
    }
    // model weights (a ModelSource) by kind, place and revision; everything else as JSON
    const text = value !== null && typeof value === 'object' && typeof value.kind === 'string' && 'revision' in value
      ? `${value.kind}${value.prefix ? ` ${value.prefix}` : ''}${value.revision ? ` @ ${value.revision}` : ''}`
      : JSON.stringify(value);
    out.push(`${shown} = ${text} (${from.replace(/\.\w+$/, '')})`);
  }
  return out;
}

/** A cluster spec path as a fleet spec path: where the value was set (an override, the cluster), else the shared definitions. */
function fleetPath(prop: string, origin: Map<string, string>): string {
  for (let path = prop; path !== ''; path = parentPath(path)) {
    const set = origin.get(path);
    if (set !== undefined) return `${set}${prop.slice(path.length)}`;
  }
  return `platform.${prop}`;
}

function parentPath(path: string): string {
  const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
  return cut <= 0 ? '' : path.slice(0, cut);
}

