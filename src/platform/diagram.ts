import * as fs from 'fs';
import * as path from 'path';
import type { Fleet } from './fleet';
import { PlatformNames } from './platform-names';
import { GpuCapacityType, GpuPoolSpec, GpuProvisioning, ModelSpec, PlatformSpec } from './platform-spec';
import { PlatformSpecValidator } from './platform-spec-validator';
import { Network } from '../aws/network';
import { builtInExceptionsOf } from './private/built-in-exceptions';
import { DiagramGraph, DiagramGroup, EdgeStyle, NodeClass, NodeShape } from './private/diagram-graph';
import { renderDot, renderMermaid } from './private/diagram-render';
import { servedThroughPool, usesGatewayApi } from './private/inference-routing';
import { rolloutStageOf } from './private/rollout';
import { KubernetesVersion } from '../core/kubernetes-version';
import { ModelRuntime } from '../core/model-runtime';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import type { ModelSource } from '../k8s/serving/model-source';
import { LlmSloAlerts } from '../observability/llm-slo-alerts';
import { BuiltInExceptions } from '../policy/built-in-exceptions';
import { PolicyEngine } from '../policy/policy-set';

/**
 * The platform's architecture, drawn from its spec alone (nothing is synthesized): the AWS account and
 * region, the VPC and EKS cluster, the system and GPU pools (instance types, GPU model, node range,
 * capacity vs requested GPUs), Karpenter, the tenants (namespace, GPU quota) with their models (runtime,
 * GPUs per replica, replicas, weights, canary split) and fine-tuning jobs, the ingress gateway and its
 * routes, the policy engines and exceptions, the GitOps flow (repository, Argo CD ApplicationSets,
 * environment and tenant directories), observability (OpenTelemetry gateway, Prometheus, AMP,
 * dashboards) and the audit trail (CloudTrail, GuardDuty, Security Hub, Splunk).
 *
 * Output is deterministic: pools, tenants, models and jobs are drawn sorted by name, node ids are derived
 * from names (`model_llama3_8b`, `pool_a10g`), every label is escaped for its format.
 *
 * ```ts
 * const mermaid = PlatformDiagram.mermaid(spec); // paste into Markdown as a ```mermaid block
 * const dot = PlatformDiagram.dot(spec);         // `dot -Tsvg architecture.dot > architecture.svg`
 * PlatformDiagram.write(spec, 'dist');           // dist/architecture.mmd, dist/architecture.dot
 * ```
 */
export class PlatformDiagram {
  /** File name `write()` gives the Mermaid diagram. */
  public static readonly MERMAID_FILE = 'architecture.mmd';
  /** File name `write()` gives the Graphviz diagram. */
  public static readonly DOT_FILE = 'architecture.dot';

  /**
   * The architecture as a Mermaid `flowchart` (validates the spec first: any problem throws one
   * ValidationError listing all of them).
   */
  public static mermaid(spec: PlatformSpec): string {
    checkProps('platform.PlatformSpec', spec, 'spec');
    return renderMermaid(build(spec), title(spec));
  }

  /**
   * The architecture as a Graphviz `digraph` (DOT; validates the spec first).
   */
  public static dot(spec: PlatformSpec): string {
    checkProps('platform.PlatformSpec', spec, 'spec');
    return renderDot(build(spec), title(spec));
  }

  /**
   * The Mermaid diagram as a fenced Markdown block (for READMEs; GitHub renders it).
   */
  public static markdown(spec: PlatformSpec): string {
    checkProps('platform.PlatformSpec', spec, 'spec');
    return '```mermaid\n' + PlatformDiagram.mermaid(spec) + '```\n';
  }

  /**
   * Write `architecture.mmd` and `architecture.dot` into `directory` (created when missing).
   *
   * @returns the files written, in that order
   */
  public static write(spec: PlatformSpec, directory: string): string[] {
    checkArgs('platform.PlatformDiagram#write', [spec, directory]);
    checkProps('platform.PlatformSpec', spec, 'spec');
    fs.mkdirSync(directory, { recursive: true });
    const files = [path.join(directory, PlatformDiagram.MERMAID_FILE), path.join(directory, PlatformDiagram.DOT_FILE)];
    fs.writeFileSync(files[0], PlatformDiagram.mermaid(spec));
    fs.writeFileSync(files[1], PlatformDiagram.dot(spec));
    return files;
  }

  /**
   * A fleet as a Mermaid `flowchart`: the GitOps repository, the hub's Argo CD, and one group per environment
   * (promotion order) with its clusters (region, account, registration, what differs from the shared
   * definitions); the hub's edges to each cluster carry the RollingSync stage that reaches it.
   */
  public static fleetMermaid(fleet: Fleet): string {
    checkArgs('platform.PlatformDiagram#fleetMermaid', [fleet]);
    return renderMermaid(buildFleet(fleet), `${fleet.spec.platform.name} fleet: cdk-llm-platform environments and clusters`);
  }

  /**
   * A fleet as a Graphviz `digraph` (DOT), the same graph as `fleetMermaid`.
   */
  public static fleetDot(fleet: Fleet): string {
    checkArgs('platform.PlatformDiagram#fleetDot', [fleet]);
    return renderDot(buildFleet(fleet), `${fleet.spec.platform.name} fleet: cdk-llm-platform environments and clusters`);
  }

  private constructor() {}
}

/** The fleet graph: repository, hub, environments with their clusters, the hub's syncs in rollout order. */
function buildFleet(fleet: Fleet): DiagramGraph {
  const g = new DiagramGraph();
  const repo = g.node(g.root, g.id('repo'), ['GitOps repository', fleet.spec.platform.gitops.repoUrl, 'fleet/ (hub) and one directory per cluster'], NodeClass.GITOPS, NodeShape.CYLINDER);
  const hub = g.node(g.root, g.id('hub'), [`Argo CD hub on ${fleet.hub.name}`, `ApplicationSet fleet: ${fleet.progressiveSync ? 'RollingSync' : 'automated sync'}`,
    'cluster Secrets: awsAuthConfig (Pod Identity, spoke roles)'], NodeClass.GITOPS, NodeShape.HEXAGON);
  g.edge(repo, hub, 'reads');
  for (const env of fleet.environments) {
    const clusters = fleet.clusters.filter((c) => c.environment === env);
    const group = g.group(g.root, g.id('env', env), `${env} (promoted ${fleet.environments.indexOf(env) + 1} of ${fleet.environments.length})`);
    for (const c of clusters) {
      const state = c.hub ? 'runs the hub' : c.apiServer ? 'registered' : 'not registered yet';
      const lines = [`EKS ${new PlatformNames(c.spec).clusterName}`, `${c.region}, account ${c.accountId}`, state,
        ...(c.differences.length > 0 ? [`${plural(c.differences.length, 'override')}: ${c.differences.map((d) => d.split(' = ')[0]).join(', ')}`] : [])];
      const id = g.node(group, g.id('cluster', c.name), lines, NodeClass.CLUSTER);
      if (c.hub || c.apiServer) {
        g.edge(hub, id, fleet.progressiveSync ? `stage ${rolloutStageOf(fleet.clusters, c)}` : 'syncs', c.hub ? EdgeStyle.THICK : EdgeStyle.SOLID);
      }
    }
  }
  return g;
}

function title(spec: PlatformSpec): string {
  return `${spec.name} (${spec.environment}): cdk-llm-platform architecture`;
}

function byName<T extends { name: string }>(items: T[] | undefined): T[] {
  return [...(items ?? [])].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function runtimeName(runtime: ModelRuntime): string {
  if (runtime === ModelRuntime.VLLM) return 'vLLM';
  if (runtime === ModelRuntime.TRITON) return 'Triton';
  if (runtime === ModelRuntime.TGI) return 'TGI';
  return runtime.name;
}

function weightsText(w: ModelSource): string {
  if (w.inModelStore) return `weights ${w.prefix ?? ''} @ ${w.revision}`;
  if (w._huggingFace) return `weights hf:${w._huggingFace.modelId} @ ${w.revision}`;
  if (w._pvc) return `weights pvc:${w._pvc.claimName}${w._pvc.subPath ? `/${w._pvc.subPath}` : ''} @ ${w.revision}`;
  return `weights ${w.kind} @ ${w.revision}`;
}

function provisioningText(p: GpuPoolSpec): string {
  const min = p.minNodes ?? 0; // GpuPoolSpec.minNodes default
  switch (p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP) {
    case GpuProvisioning.KARPENTER:
      return `0..${p.maxNodes} nodes, Karpenter`;
    // A managed node group keeps its desired size: the platform installs no cluster autoscaler.
    case GpuProvisioning.MANAGED_NODE_GROUP_AND_KARPENTER:
      return `${plural(p.desiredNodes ?? min, 'node')} managed + up to ${p.maxNodes} Karpenter`;
    default:
      return `${plural(p.desiredNodes ?? min, 'node')}, managed node group`;
  }
}

function usesKarpenter(p: GpuPoolSpec): boolean {
  return (p.provisioning ?? GpuProvisioning.MANAGED_NODE_GROUP) !== GpuProvisioning.MANAGED_NODE_GROUP;
}

function engineName(engine: PolicyEngine): string {
  switch (engine) {
    case PolicyEngine.VALIDATING_ADMISSION_POLICY: return 'ValidatingAdmissionPolicy';
    case PolicyEngine.KYVERNO: return 'Kyverno ClusterPolicy';
    case PolicyEngine.GATEKEEPER: return 'OPA Gatekeeper';
    default: return String(engine);
  }
}

function hostOf(url: string): string {
  const m = /^[a-z]+:\/\/([^/?#]+)/i.exec(url);
  return m ? m[1] : url;
}

/** Build the graph for a (validated) spec; every collection is visited sorted by name. */
function build(spec: PlatformSpec): DiagramGraph {
  PlatformSpecValidator.validate(spec);
  const names = new PlatformNames(spec);
  const g = new DiagramGraph();
  const root = g.root;
  const env = spec.environment;
  const cluster = spec.cluster ?? {};
  const version = (cluster.version ?? KubernetesVersion.DEFAULT).version;
  const mesh = spec.mesh ?? {};
  const hosts = mesh.ingressHosts ?? [];
  const hasGateway = hosts.length > 0;
  const ingressNamespace = mesh.ingressNamespace ?? 'istio-ingress';
  const obs = spec.observability ?? {};
  const engines = [...(spec.policy?.engines ?? [PolicyEngine.VALIDATING_ADMISSION_POLICY])];
  // the library's own exceptions (policy.BuiltInExceptions) first, as KubernetesPlatform renders them
  const exceptions = [...builtInExceptionsOf(spec), ...(spec.policy?.exceptions ?? [])];
  const splunk = spec.audit?.splunk;
  const pools = byName(spec.gpuPools);
  const tenants = byName(spec.tenants);
  const models = byName(spec.models);
  const jobs = byName(spec.fineTuningJobs);
  const capacity = new Map(PlatformSpecValidator.capacity(spec).map((c) => [c.pool, c]));

  // Outside AWS: clients, the GitOps repository, telemetry and findings sinks.
  const clients = hasGateway ? g.node(root, g.id('ext', 'clients'), ['Clients', hosts.map((h) => `https://${h}`).join(', ')], NodeClass.EXTERNAL, NodeShape.STADIUM) : undefined;
  const repo = g.node(root, g.id('ext', 'gitops', 'repo'),
    ['GitOps repository', spec.gitops.repoUrl, `revision ${spec.gitops.targetRevision ?? 'main'}`], NodeClass.GITOPS, NodeShape.CYLINDER);
  const traces = obs.tracesEndpoint ? g.node(root, g.id('ext', 'traces'), ['Traces backend (OTLP/gRPC)', obs.tracesEndpoint], NodeClass.EXTERNAL, NodeShape.CYLINDER) : undefined;
  const logs = obs.logsEndpoint ? g.node(root, g.id('ext', 'logs'), ['Logs backend (OTLP/HTTP)', obs.logsEndpoint], NodeClass.EXTERNAL, NodeShape.CYLINDER) : undefined;
  const splunkNode = splunk ? g.node(root, g.id('ext', 'splunk'), ['Splunk HEC', hostOf(splunk.hecEndpoint)], NodeClass.EXTERNAL, NodeShape.CYLINDER) : undefined;

  // The AWS account: regional services, audit, then the VPC with the cluster.
  const aws = g.group(root, g.id('grp', 'aws'), `AWS account ${spec.accountId}, ${spec.region}`);
  const store = g.node(aws, g.id('aws', 'model', 'store'), ['S3 model store', names.modelStoreBucket, 'KMS, versioned, prevent_destroy'], NodeClass.AWS, NodeShape.CYLINDER);
  const ecr = names.repositories.length > 0
    ? g.node(aws, g.id('aws', 'ecr'), ['ECR registry', names.registryUrl, plural(names.repositories.length, 'repository', 'repositories')], NodeClass.AWS, NodeShape.CYLINDER)
    : undefined;
  const amp = obs.ampWorkspaceArn
    ? g.node(aws, g.id('aws', 'amp'), ['Amazon Managed Prometheus', obs.ampWorkspaceArn.split('/').pop() ?? obs.ampWorkspaceArn], NodeClass.AWS, NodeShape.CYLINDER)
    : undefined;
  const audit = g.group(aws, g.id('grp', 'audit'), 'Audit and security findings');
  const trail = g.node(audit, g.id('aws', 'cloudtrail'),
    ['CloudTrail', `logs to s3://${names.auditBucket}`, `retention ${spec.audit?.retentionDays ?? 2557} days`], NodeClass.AUDIT);
  const guardDuty = g.node(audit, g.id('aws', 'guardduty'), ['GuardDuty'], NodeClass.AUDIT);
  const hub = g.node(audit, g.id('aws', 'securityhub'), ['Security Hub'], NodeClass.AUDIT);
  const firehose = splunk
    ? g.node(audit, g.id('aws', 'firehose'), ['Firehose to Splunk', `backup s3://${names.findingsBackupBucket}`], NodeClass.AUDIT)
    : undefined;

  const azs = cluster.availabilityZones ?? ['a', 'b', 'c'].map((z) => `${spec.region}${z}`);
  const vpc = g.group(aws, g.id('grp', 'vpc'), `VPC ${cluster.vpcCidr ?? Network.DEFAULT_CIDR}, ${azs.join(', ')}`);
  const publicCidrs = cluster.publicAccessCidrs ?? [];
  const endpoint = publicCidrs.length > 0 ? `public endpoint (${plural(publicCidrs.length, 'CIDR')})` : 'private endpoint';
  const eks = g.group(vpc, g.id('grp', 'eks'),
    `EKS ${names.clusterName}, Kubernetes ${version}, ${endpoint}${cluster.fips ? ', FIPS' : ''}`);

  // Nodes: the system pool, the GPU pools, Karpenter.
  const nodes = g.group(eks, g.id('grp', 'nodes'), 'Node pools');
  const sys = spec.systemPool ?? {};
  g.node(nodes, g.id('pool', 'system'),
    ['system pool', (sys.instanceTypes ?? ['m7i.xlarge']).join(', '), `${sys.minNodes ?? 3}..${sys.maxNodes ?? 6} nodes, managed node group`], NodeClass.CLUSTER);
  const poolIds = new Map<string, string>();
  for (const p of pools) {
    const c = capacity.get(p.name);
    const lines = [`GPU pool ${p.name}`];
    for (const t of p.instanceTypes) lines.push(`${t.name}: ${t.gpuCount} x ${t.gpuModel.name} ${t.gpuMemoryGiB} GiB`);
    const extras = [p.capacityType === GpuCapacityType.SPOT ? 'spot' : 'on-demand', ...(p.efa ? ['EFA'] : [])];
    lines.push(`${provisioningText(p)}, ${extras.join(', ')}`);
    if (c) lines.push(`capacity ${c.capacityGpus} GPUs, requested ${c.requestedGpus}`);
    poolIds.set(p.name, g.node(nodes, g.id('pool', p.name), lines, NodeClass.GPU));
  }
  const karpenterPools = pools.filter(usesKarpenter);
  if (karpenterPools.length > 0) {
    const karpenter = g.node(nodes, g.id('karpenter'), ['Karpenter', `interruption queue ${names.karpenterInterruptionQueue}`], NodeClass.GPU, NodeShape.HEXAGON);
    for (const p of karpenterPools) g.edge(karpenter, poolIds.get(p.name)!, 'NodePool + EC2NodeClass', EdgeStyle.DASHED);
  }
  if (ecr) for (const p of pools) g.edge(ecr, poolIds.get(p.name)!, 'image pull', EdgeStyle.DASHED);

  // Argo CD: the app-of-apps root over argocd/, one Application per platform component (ordered by sync
  // wave), the tenants' ApplicationSet, the add-ons.
  const argo = g.group(eks, g.id('grp', 'argocd'), 'Argo CD (argocd/, root Application bootstrap)');
  const platformSet = g.node(argo, g.id('argocd', 'appset', 'platform'),
    ['Applications per component', `${env}/{${PlatformNames.COMPONENTS.join(',')}}, by sync wave`], NodeClass.GITOPS, NodeShape.SUBROUTINE);
  const tenantSet = g.node(argo, g.id('argocd', 'appset', 'tenants'),
    ['ApplicationSet tenants', `${env}/<tenant>, ${plural(tenants.length, 'AppProject')}`], NodeClass.GITOPS, NodeShape.SUBROUTINE);
  const addons = g.node(argo, g.id('argocd', 'addons'), ['Add-ons', ...addonNames(spec, engines, hasGateway)], NodeClass.GITOPS, NodeShape.SUBROUTINE);
  g.edge(repo, platformSet, `${env}/<component>`, EdgeStyle.THICK);
  g.edge(repo, tenantSet, `${env}/<tenant>`, EdgeStyle.THICK);
  g.edge(repo, addons, 'argocd/', EdgeStyle.THICK);

  // Platform components (one GitOps directory each).
  const components = g.group(eks, g.id('grp', 'components'), `Platform components (${env}/...)`);
  const tenancy = g.node(components, g.id('component', 'tenancy'),
    ['tenancy', 'namespaces, GPU quotas, network policies, RBAC'], NodeClass.TENANT);
  const gpuAgents = g.node(components, g.id('component', 'gpu'),
    ['gpu', `NVIDIA device plugin + DCGM exporter (${PlatformNames.GPU_NAMESPACE})`], NodeClass.GPU);
  g.edge(platformSet, tenancy, `${env}/tenancy`);
  g.edge(platformSet, gpuAgents, `${env}/gpu`);
  for (const p of pools) g.edge(gpuAgents, poolIds.get(p.name)!, 'DaemonSets', EdgeStyle.DASHED);

  const policies = g.group(components, g.id('grp', 'policies'), `policies (${env}/policies)`);
  const engineIds = engines.map((e) => g.node(policies, g.id('policy', e), [engineName(e), 'baseline rule catalogue, enforce'], NodeClass.POLICY, NodeShape.HEXAGON));
  for (const id of engineIds) g.edge(platformSet, id, `${env}/policies`);
  if (exceptions.length > 0) {
    const lines = [plural(exceptions.length, 'policy exception')];
    for (const x of [...exceptions].sort((a, b) => `${a.namespace}/${a.kind ?? ''}/${a.name ?? ''}`.localeCompare(`${b.namespace}/${b.kind ?? ''}/${b.name ?? ''}`))) {
      lines.push(`${x.namespace} ${x.kind ?? '*'}${x.name ? ` ${x.name}` : ''} (${BuiltInExceptions.isBuiltIn(x) ? `built into ${x.owner}` : `${x.owner}${x.ticket ? `, ${x.ticket}` : ''}, until ${x.expires}`})`);
      lines.push(`rules ${x.ruleIds.join(', ')}`);
    }
    const exceptionNode = g.node(policies, g.id('policy', 'exceptions'), lines, NodeClass.POLICY);
    for (const id of engineIds) g.edge(exceptionNode, id, 'exempts', EdgeStyle.DASHED);
  }

  const meshGroup = g.group(components, g.id('grp', 'mesh'), `mesh (${env}/mesh)`);
  const mtls = g.node(meshGroup, g.id('mesh', 'mtls'),
    ['Istio STRICT mTLS', 'default deny, per-model AuthorizationPolicy', `tracing ${mesh.tracingSamplingPercentage ?? 1}% sampled`], NodeClass.MESH, NodeShape.HEXAGON);
  g.edge(platformSet, mtls, `${env}/mesh`);
  const gateway = hasGateway
    ? g.node(meshGroup, g.id('mesh', 'gateway'), [usesGatewayApi(spec) ? 'Ingress gateway (Gateway API)' : 'Ingress gateway', `namespace ${ingressNamespace}`,
      `HTTPS ${hosts.join(', ')}`, `TLS secret ${mesh.tlsCredentialName ?? ''}`], NodeClass.MESH)
    : undefined;
  if (clients && gateway) g.edge(clients, gateway, 'HTTPS', EdgeStyle.THICK);

  const obsGroup = g.group(components, g.id('grp', 'observability'), `observability (${env}/observability)`);
  const prometheus = g.node(obsGroup, g.id('obs', 'prometheus'),
    ['Prometheus (kube-prometheus-stack)', `ServiceMonitors + SLO rules for ${plural(models.length, 'model')}`, 'GPU health alerts'], NodeClass.OBSERVABILITY);
  g.edge(platformSet, prometheus, `${env}/observability`);
  if (obs.dashboards ?? true) {
    const dashboards = g.node(obsGroup, g.id('obs', 'dashboards'), ['Grafana dashboards', 'model serving, GPUs'], NodeClass.OBSERVABILITY);
    g.edge(prometheus, dashboards, 'queries', EdgeStyle.DASHED);
  }
  g.edge(gpuAgents, prometheus, 'DCGM metrics', EdgeStyle.DASHED);
  if (amp || traces || logs) {
    const signals = [amp ? 'metrics' : '', traces ? 'traces' : '', logs ? 'logs' : ''].filter((s) => s);
    const otel = g.node(obsGroup, g.id('obs', 'otel'),
      ['OpenTelemetry collector gateway', `namespace ${PlatformNames.OBSERVABILITY_NAMESPACE}`, `pipelines: ${signals.join(', ')}`], NodeClass.OBSERVABILITY);
    g.edge(mtls, otel, 'mesh spans', EdgeStyle.DASHED);
    if (amp) g.edge(otel, amp, 'remote write (SigV4, Pod Identity)');
    if (traces) g.edge(otel, traces, 'OTLP traces');
    if (logs) g.edge(otel, logs, 'OTLP logs');
  }

  // Tenants: namespace, models, jobs.
  const tenantIds = new Map<string, string>();
  const tenantGroups = new Map<string, DiagramGroup>();
  for (const t of tenants) {
    const group = g.group(eks, g.id('grp', 'tenant', t.name), `tenant ${t.name} (${env}/${t.name})`);
    tenantGroups.set(t.name, group);
    const id = g.node(group, g.id('tenant', t.name),
      [`namespace ${t.name}`, `GPU quota ${t.gpuQuota ?? 0}`, `admins ${(t.adminGroups ?? [`${t.name}-admins`]).join(', ')}`], NodeClass.TENANT, NodeShape.ROUNDED);
    tenantIds.set(t.name, id);
    g.edge(tenantSet, id, `${env}/${t.name}`);
    g.edge(tenancy, id, 'namespace + quota', EdgeStyle.DASHED);
    for (const e of engineIds) g.edge(e, id, 'admission', EdgeStyle.DASHED);
  }
  for (const m of models) {
    const id = g.node(tenantGroups.get(m.tenant)!, g.id('model', m.name), modelLines(m), NodeClass.MODEL);
    const gpus = m.gpusPerReplica ?? 1;
    g.edge(id, poolIds.get(m.gpuPool)!, `${plural(gpus, 'GPU')} per replica`);
    if (m.weights.inModelStore || m.canary?.weights?.inModelStore) g.edge(store, id, 'weights (Pod Identity read)', EdgeStyle.DASHED);
    g.edge(id, prometheus, 'metrics', EdgeStyle.DASHED);
    if (gateway && (m.publicRoute ?? true)) {
      const split = m.canary ? `, ${100 - (m.canary.trafficPercentage ?? 5)}% stable / ${m.canary.trafficPercentage ?? 5}% canary` : '';
      g.edge(gateway, id, `/${m.tenant}/${m.name}/${split}${servedThroughPool(spec, m) ? ' (InferencePool, endpoint picker)' : ''}`);
    }
  }
  for (const j of jobs) {
    const id = g.node(tenantGroups.get(j.tenant)!, g.id('job', j.name), [
      `fine-tuning ${j.name}`,
      `PyTorchJob, ${plural(j.workers ?? 1, 'worker')} x ${plural(j.gpusPerWorker ?? 1, 'GPU')}`,
      `base ${weightsText(j.baseModel).replace(/^weights /, '')}`,
      `dataset ${j.datasetPrefix}`,
    ], NodeClass.MODEL, NodeShape.ROUNDED);
    g.edge(id, poolIds.get(j.gpuPool)!, `${plural((j.workers ?? 1) * (j.gpusPerWorker ?? 1), 'GPU')}`);
    g.edge(id, store, `write ${names.adapterPrefix(j.name)}`, EdgeStyle.DASHED);
  }

  // Audit flow.
  g.edge(store, trail, 'S3 data events', EdgeStyle.DASHED);
  g.edge(guardDuty, hub, 'findings');
  if (firehose && splunkNode) {
    g.edge(hub, firehose, 'EventBridge');
    g.edge(firehose, splunkNode, 'HEC');
  }
  return g;
}

function modelLines(m: ModelSpec): string[] {
  const gpus = m.gpusPerReplica ?? 1;
  const replicas = m.replicas ?? { min: 2, max: 4 };
  const lines = [
    m.name,
    `${runtimeName(m.runtime)}, ${m.kserve ? 'KServe InferenceService' : 'Deployment'}`,
    `${plural(gpus, 'GPU')} x ${replicas.min === replicas.max ? plural(replicas.min, 'replica') : `${replicas.min}..${replicas.max} replicas`}`,
    weightsText(m.weights),
  ];
  if (m.canary) {
    const pct = m.canary.trafficPercentage ?? 5;
    lines.push(`canary ${m.canary.version}: ${pct}% traffic, ${plural(m.canary.replicas ?? 1, 'replica')}`);
  }
  // the objectives the model's LlmSloAlerts alert on: the spec's, else the observability layer's defaults
  const slo = LlmSloAlerts.objectivesOf(m.runtime, m.slo ?? {});
  const sloParts = [`${+(slo.availabilityTarget! * 100).toFixed(3)}% available`];
  if (slo.timeToFirstTokenP99) sloParts.push(`TTFT p99 ${slo.timeToFirstTokenP99.toHumanString()}`);
  if (slo.interTokenLatencyP99) sloParts.push(`ITL p99 ${slo.interTokenLatencyP99.toHumanString()}`);
  lines.push(`SLO ${sloParts.join(', ')}`);
  return lines;
}

/** The Argo CD add-ons `KubernetesPlatform` installs for this spec (same conditions as its bootstrap). */
function addonNames(spec: PlatformSpec, engines: PolicyEngine[], hasGateway: boolean): string[] {
  const out: string[] = [];
  if (engines.includes(PolicyEngine.KYVERNO)) out.push('kyverno');
  if (engines.includes(PolicyEngine.GATEKEEPER)) out.push('gatekeeper');
  out.push('istio-base', 'istio-cni', 'istiod', 'cert-manager', 'prometheus-operator-crds', 'kube-prometheus-stack', 'keda');
  if (hasGateway) out.push('istio-ingress');
  if (usesGatewayApi(spec)) out.push('gateway-api-crds', 'inference-extension-crds');
  const o = spec.observability ?? {};
  if (o.ampWorkspaceArn || o.tracesEndpoint || o.logsEndpoint) out.push('opentelemetry-operator');
  if (spec.gpuPools.some(usesKarpenter)) out.push('karpenter');
  if ((spec.models ?? []).some((m) => m.kserve)) out.push('kserve-crd', 'kserve');
  if ((spec.fineTuningJobs ?? []).length > 0) out.push('training-operator');
  // Three per line keeps the node narrow.
  const lines: string[] = [];
  for (let i = 0; i < out.length; i += 3) lines.push(out.slice(i, i + 3).join(', '));
  return lines;
}
