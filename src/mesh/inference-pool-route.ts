import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { CanaryOptions } from './model-traffic';
import { ValidationError } from '../core/errors';
import { PlatformLabels } from '../core/labels';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { resolveCanary } from './private/canary';
import { checkPositiveInt, gatewayApiTimeout, meshLabels, modelLabels, sortedLabels, validateHost, validateModel } from './private/util';
import { checkProps } from '../core/private/runtime-types';
import {
  HttpRoute, HttpRouteSpecRules, HttpRouteSpecRulesFiltersType, HttpRouteSpecRulesFiltersUrlRewritePathType, HttpRouteSpecRulesMatchesHeadersType,
  HttpRouteSpecRulesMatchesPathType,
} from '../imports/gateway-api-httproute-gateway.networking.k8s.io';
import { InferenceObjective } from '../imports/inference-extension-inferenceobjective-inference.networking.x-k8s.io';
import { InferencePool, InferencePoolSpecEndpointPickerRefFailureMode } from '../imports/inference-extension-inferencepool-inference.networking.k8s.io';
import { containerSecurityContext, podSecurityContext, validateImage } from '../k8s/private/pod';

/**
 * A scorer of the endpoint picker (Gateway API Inference Extension v1.4.0 plugin types): each weighs the
 * pool's endpoints on one signal it scrapes from the model servers.
 */
export enum EndpointPickerScorer {
  /** Fewer waiting requests scores higher (`vllm:num_requests_waiting`). */
  QUEUE = 'queue-scorer',
  /** Lower KV-cache use scores higher (`vllm:kv_cache_usage_perc`). */
  KV_CACHE_UTILIZATION = 'kv-cache-utilization-scorer',
  /** An endpoint likely to hold the request's prompt prefix in its KV cache scores higher. */
  PREFIX_CACHE = 'prefix-cache-scorer',
  /** An endpoint that has the requested LoRA adapter loaded scores higher (`vllm:lora_requests_info`). */
  LORA_AFFINITY = 'lora-affinity-scorer',
}

/**
 * A scorer and its weight in the picker's scheduling profile.
 */
export interface EndpointPickerScorerWeight {
  /** The scorer. */
  readonly scorer: EndpointPickerScorer;
  /** Its weight (a whole number from 1 to 100). */
  readonly weight: number;
}

/**
 * What the gateway does when the endpoint picker cannot be reached (InferencePool `endpointPickerRef.failureMode`).
 */
export enum EndpointPickerFailureMode {
  /** Fail the request (Istio's default): no request reaches a model without the picker's choice. */
  FAIL_CLOSE = 'FailClose',
  /** Route the request anyway, to an endpoint the gateway chooses itself. */
  FAIL_OPEN = 'FailOpen',
}

/**
 * A Gateway API `Gateway` (and listener) the model's HTTPRoute attaches to.
 */
export interface InferenceGatewayReference {
  /** The Gateway's name. */
  readonly name: string;
  /** Its namespace (the ingress gateway's, which reaches the model pods and the endpoint picker). */
  readonly namespace: string;
  /**
   * The listener.
   *
   * @default - every listener of the Gateway that admits the route
   */
  readonly sectionName?: string;
}

/**
 * A serving objective (InferenceObjective) of requests for the model: its priority when the pool is saturated.
 */
export interface InferenceObjectiveOptions {
  /** The objective's name (DNS-1123 label), e.g. `interactive`, `batch`. */
  readonly name: string;
  /** Its priority: higher is served first when the pool is saturated (e.g. 10 interactive, 0 batch). */
  readonly priority: number;
}

/**
 * Properties of `InferencePoolRoute`.
 */
export interface InferencePoolRouteProps {
  /** The model. */
  readonly model: IModelService;
  /** The Gateway the route attaches to. */
  readonly gateway: InferenceGatewayReference;
  /**
   * The endpoint picker's image, mirrored and pinned by digest (upstream
   * `registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0`).
   */
  readonly pickerImage: string;
  /**
   * Allow a picker image that is not pinned by digest (development only).
   *
   * @default false
   */
  readonly allowUnpinnedImage?: boolean;
  /**
   * Host names the route answers (empty: the listener's).
   *
   * @default - the listener's host names
   */
  readonly hostnames?: string[];
  /**
   * The path prefix of the model's API on the gateway.
   *
   * @default `/<tenant>/<model>/`
   */
  readonly pathPrefix?: string;
  /**
   * What the path prefix is replaced with before the request reaches the model server (HTTPRoute `URLRewrite`
   * filter, `ReplacePrefixMatch`), as `IngressGateway` routes do: `/search/llama3-8b/v1/completions` reaches the
   * server as `/v1/completions`.
   *
   * @default '/'
   */
  readonly rewritePrefix?: string;
  /**
   * The version regular traffic goes to.
   *
   * @default - 'stable' when the model serves it, otherwise its first version
   */
  readonly stableVersion?: string;
  /**
   * Canary release through the inference path: one InferencePool (and picker) per version, HTTPRoute weights between
   * them and the tester header to the candidate.
   *
   * @default - no canary
   */
  readonly canary?: CanaryOptions;
  /**
   * The picker's scorers and weights.
   *
   * @default - queue 2, KV-cache utilization 2, prefix cache 3 (the upstream default plugins)
   */
  readonly scorers?: EndpointPickerScorerWeight[];
  /**
   * What the gateway does when the picker is unreachable.
   *
   * @default EndpointPickerFailureMode.FAIL_CLOSE
   */
  readonly failureMode?: EndpointPickerFailureMode;
  /**
   * The HTTPRoute request timeout: the whole request, streamed tokens included. Unset, no timeout cuts a long
   * generation; the model server's own limits and client cancellation end a stream.
   *
   * @default - none (Gateway API `0s`)
   */
  readonly requestTimeout?: Duration;
  /**
   * Serving objectives of the model's requests: one InferenceObjective `<model>-<objective>` each, for the stable
   * version's pool; a client picks one with the header `x-gateway-inference-objective: <model>-<objective>`. With a
   * canary, requests the candidate takes get the default priority (0): a picker knows only its own pool's objectives.
   *
   * @default - none
   */
  readonly objectives?: InferenceObjectiveOptions[];
  /**
   * The picker's CPU request (cores); its limit is twice that (upstream sets no CPU limit, for scheduling bursts; the
   * platform's policies require one).
   *
   * @default 1
   */
  readonly pickerCpu?: number;
  /**
   * The picker's memory request and limit, in MiB.
   *
   * @default 2048
   */
  readonly pickerMemoryMiB?: number;
  /**
   * Endpoint picker replicas per pool. One picker is active at a time (its prefix-cache state is in memory); with more
   * than one they elect a leader (`--ha-enable-leader-election`, a Lease in the pool's namespace; only the leader is
   * ready, so the Service sends ext_proc to it) and a standby takes over when the leader's node is drained or fails,
   * instead of the pool failing every request (FailClose) until a new pod starts. Then a PodDisruptionBudget keeps one
   * picker through voluntary disruptions and the replicas spread over nodes. (GAIE v1.4.0 epplib chart: replicas > 1.)
   *
   * @default 1 (upstream's default)
   */
  readonly pickerReplicas?: number;
  /**
   * The namespace of the Prometheus that scrapes the picker's metrics (port 9090).
   *
   * @default 'monitoring'
   */
  readonly metricsScraperNamespace?: string;
  /**
   * The environment (label `llm-platform.io/environment`).
   *
   * @default - no environment label
   */
  readonly environment?: string;
}

/** The endpoint picker's ports (Gateway API Inference Extension v1.4.0, the epplib chart and server options). */
export const ENDPOINT_PICKER_PORTS = { extProc: 9002, health: 9003, metrics: 9090 } as const;

/**
 * Istio's merged metrics port and path (the sidecar serves the model server's own metrics there, outside mTLS):
 * what the picker scrapes, because it runs outside the mesh.
 */
const MERGED_METRICS = { port: 15020, path: '/stats/prometheus' } as const;

/** The picker's user (the image's distroless nonroot user). */
const PICKER_UID = 65532;

const DEFAULT_SCORERS: EndpointPickerScorerWeight[] = [
  { scorer: EndpointPickerScorer.QUEUE, weight: 2 },
  { scorer: EndpointPickerScorer.KV_CACHE_UTILIZATION, weight: 2 },
  { scorer: EndpointPickerScorer.PREFIX_CACHE, weight: 3 },
];

/** One version's pool and picker. */
export interface InferencePoolVersion {
  /** The served version. */
  readonly version: string;
  /** The InferencePool's name. */
  readonly poolName: string;
  /** The picker's name (Deployment, Service, ServiceAccount). */
  readonly pickerName: string;
  /** The HTTPRoute weight of the version. */
  readonly weight: number;
}

/**
 * A model served through the Gateway API Inference Extension on Istio: per served version, an `InferencePool` that
 * selects the version's pods on the runtime's port, and its endpoint picker (EPP) that chooses the endpoint of each
 * request from the model servers' queue, KV-cache and prefix-cache state; an `HTTPRoute` from the Gateway to the
 * pools (weighted for a canary, a tester header to the candidate), with no fixed timeout cutting a stream; and the
 * model's `InferenceObjective`s.
 *
 * How it runs (Istio 1.30.3, GAIE v1.4.0): the gateway calls the picker over ext_proc (gRPC, TLS) for every request,
 * then sends it to the chosen pod through the pool's shadow Service Istio creates (`<pool>-ip-<hash>`, headless),
 * with mTLS to the pod's sidecar. The picker runs outside the mesh, as upstream deploys it with Istio (a
 * DestinationRule with TLS `SIMPLE` towards its self-signed gRPC server): it reads the model servers' metrics from
 * Istio's merged metrics port (15020, outside mTLS) and watches pods and the pool through the Kubernetes API.
 * NetworkPolicies admit the gateway namespace on the ext_proc port and the scraper on the metrics port.
 */
export class InferencePoolRoute extends Construct {
  /**
   * The scorers and weights a picker uses when `scorers` is not given: queue 2, KV-cache utilization 2, prefix
   * cache 3 (the upstream default plugins).
   */
  public static defaultScorers(): EndpointPickerScorerWeight[] {
    return DEFAULT_SCORERS.map((s) => ({ ...s }));
  }

  /** The model. */
  public readonly model: IModelService;
  /** The pools, stable first. */
  public readonly pools: InferencePoolVersion[];
  /** The HTTPRoute's name. */
  public readonly routeName: string;
  /** The path prefix. */
  public readonly pathPrefix: string;
  /** The scorers and weights. */
  public readonly scorers: EndpointPickerScorerWeight[];
  /** The failure mode. */
  public readonly failureMode: EndpointPickerFailureMode;
  /** The request timeout (Gateway API duration; `0s` is none). */
  public readonly requestTimeout: string;
  /** Endpoint picker replicas per pool (more than one: leader election). */
  public readonly pickerReplicas: number;
  /**
   * The InferenceObjective name of each objective (`<model>-<objective>`): the value clients send in the
   * `x-gateway-inference-objective` header.
   */
  public readonly objectiveNames: { [objective: string]: string };

  constructor(scope: Construct, id: string, props: InferencePoolRouteProps) {
    super(scope, id);
    checkProps('mesh.InferencePoolRouteProps', props, 'props', this);
    validateModel('model', props.model, this);
    const model = props.model;
    this.model = model;
    const image = validateImage('pickerImage', props.pickerImage, props.allowUnpinnedImage ?? false, this);
    Names.validateDns1123Label('gateway.name', props.gateway.name, this);
    Names.validateDns1123Label('gateway.namespace', props.gateway.namespace, this);
    if (props.gateway.sectionName !== undefined) Names.validateDns1123Label('gateway.sectionName', props.gateway.sectionName, this);
    if (props.environment !== undefined) Names.validateDns1123Label('environment', props.environment, this);
    const scraper = props.metricsScraperNamespace ?? 'monitoring';
    Names.validateDns1123Label('metricsScraperNamespace', scraper, this);

    // versions and weights (the canary semantics of ModelTraffic)
    const resolved = resolveCanary(model, props.stableVersion, props.canary, this);
    const stable = resolved.stableVersion;
    const candidate = resolved.candidateVersion;
    const stableWeight = resolved.stableWeight;
    const candidateWeight = resolved.candidateWeight;
    const testerHeader = resolved.testerHeader ?? '';
    const testerValue = resolved.testerHeaderValue ?? '';

    // the picker's scheduling profile
    this.scorers = [...(props.scorers ?? DEFAULT_SCORERS)];
    if (this.scorers.length === 0) {
      throw new ValidationError('scorers', 'must list at least one scorer', [], 'use e.g. [{ scorer: EndpointPickerScorer.QUEUE, weight: 1 }]', this);
    }
    this.scorers.forEach((s, i) => {
      if (!Object.values(EndpointPickerScorer).includes(s.scorer)) {
        throw new ValidationError(`scorers[${i}].scorer`, 'must be an EndpointPickerScorer', s.scorer, 'use e.g. EndpointPickerScorer.QUEUE', this);
      }
      if (!Number.isInteger(s.weight) || s.weight < 1 || s.weight > 100) {
        throw new ValidationError(`scorers[${i}].weight`, 'must be a whole number between 1 and 100', s.weight, 'use e.g. 2', this);
      }
      if (this.scorers.findIndex((x) => x.scorer === s.scorer) !== i) {
        throw new ValidationError(`scorers[${i}].scorer`, 'lists a scorer twice', s.scorer, 'list each scorer once, with its weight', this);
      }
    });
    this.failureMode = props.failureMode ?? EndpointPickerFailureMode.FAIL_CLOSE;

    this.requestTimeout = gatewayApiTimeout('requestTimeout', props.requestTimeout, this);

    const versions: [string, number][] = [[stable, stableWeight]];
    if (candidate) versions.push([candidate, candidateWeight]);
    this.pools = versions.map(([version, weight]) => {
      const poolName = `${model.serviceName}-${version}`;
      Names.validateDns1123Label('model.serviceName', poolName, this);
      const pickerName = `${poolName}-epp`;
      Names.validateDns1123Label('model.serviceName', pickerName, this);
      return { version, poolName, pickerName, weight };
    });

    this.pathPrefix = props.pathPrefix ?? `/${model.tenant}/${model.modelName}/`;
    if (!/^\/([A-Za-z0-9._~!$&'()*+,;=:@%-]+\/?)*$/.test(this.pathPrefix) || this.pathPrefix.length > 1024) {
      throw new ValidationError('pathPrefix', "must be an absolute URL path starting with '/'", this.pathPrefix, `use e.g. '/${model.tenant}/${model.modelName}/'`, this);
    }
    (props.hostnames ?? []).forEach((h, i) => validateHost(`hostnames[${i}]`, h, this));

    const objectives = props.objectives ?? [];
    objectives.forEach((o, i) => {
      Names.validateDns1123Label(`objectives[${i}].name`, o.name, this);
      if (!Number.isInteger(o.priority) || o.priority < -1000000 || o.priority > 1000000) {
        throw new ValidationError(`objectives[${i}].priority`, 'must be a whole number', o.priority, 'use e.g. 10 for interactive and 0 for batch', this);
      }
      if (objectives.findIndex((x) => x.name === o.name) !== i) {
        throw new ValidationError(`objectives[${i}].name`, 'names an objective twice', o.name, 'give each objective its own name', this);
      }
    });

    const cpu = props.pickerCpu ?? 1;
    if (typeof cpu !== 'number' || !(cpu > 0) || cpu > 64 || Math.round(cpu * 1000) !== cpu * 1000) {
      throw new ValidationError('pickerCpu', 'must be a number of cores from 0.001 to 64', cpu, 'use e.g. 1 (upstream sizes 4 cores for high request rates)', this);
    }
    const memory = props.pickerMemoryMiB ?? 2048;
    if (!Number.isInteger(memory) || memory < 256 || memory > 65536) {
      throw new ValidationError('pickerMemoryMiB', 'must be a whole number of MiB from 256 to 65536', memory, 'use e.g. 2048 (upstream requests 8Gi for high request rates)', this);
    }

    this.pickerReplicas = checkPositiveInt('pickerReplicas', props.pickerReplicas ?? 1, this,
      'use 1, or 2 for a standby picker that takes over when the leader goes', 5);

    const ns = model.namespace;
    const httpPort = model.runtime.httpPort;
    const env = props.environment;
    for (const pool of this.pools) {
      this.renderPool(pool, { ns, httpPort, image, cpu, memory, env, gateway: props.gateway, scraper });
    }

    // the route: testers to the candidate, everyone else by weight; no timeout unless one is set
    this.routeName = model.serviceName;
    const backend = (p: InferencePoolVersion, weight?: number) => ({
      group: 'inference.networking.k8s.io', kind: 'InferencePool', name: p.poolName, ...(weight !== undefined ? { weight } : {}),
    });
    const pathMatch = { path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: this.pathPrefix } };
    const timeouts = { request: this.requestTimeout };
    const rewrite = props.rewritePrefix ?? '/';
    if (!rewrite.startsWith('/')) throw new ValidationError('rewritePrefix', "must start with '/'", rewrite, "use e.g. '/'", this);
    const filters = [{
      type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
      urlRewrite: { path: { type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: rewrite } },
    }];
    const rules: HttpRouteSpecRules[] = [];
    if (candidate) {
      rules.push({
        matches: [{ ...pathMatch, headers: [{ type: HttpRouteSpecRulesMatchesHeadersType.EXACT, name: testerHeader, value: testerValue }] }],
        filters,
        backendRefs: [backend(this.pools[1])],
        timeouts,
      });
    }
    rules.push({
      matches: [pathMatch],
      filters,
      backendRefs: this.pools.length === 1 ? [backend(this.pools[0])] : this.pools.map((p) => backend(p, p.weight)),
      timeouts,
    });
    new HttpRoute(this, 'Route', {
      metadata: { name: this.routeName, namespace: ns, labels: modelLabels(model, 'inference-route', env) },
      spec: {
        parentRefs: [{
          group: 'gateway.networking.k8s.io',
          kind: 'Gateway',
          name: props.gateway.name,
          namespace: props.gateway.namespace,
          ...(props.gateway.sectionName !== undefined ? { sectionName: props.gateway.sectionName } : {}),
        }],
        ...((props.hostnames ?? []).length > 0 ? { hostnames: [...props.hostnames!] } : {}),
        rules,
      },
    });

    // One InferenceObjective per objective, for the stable pool: clients name it in the `x-gateway-inference-objective`
    // header (GAIE v1.4.0 pkg/epp/metadata/consts.go), and a picker knows only the objectives of its own pool
    // (pkg/epp/controller/inferenceobjective_reconciler.go), by name; one name cannot serve two pools, so requests
    // the canary takes get the picker's default priority (0).
    const stablePool = this.pools[0];
    this.objectiveNames = {};
    for (const o of [...objectives].sort((a, b) => a.name.localeCompare(b.name))) {
      const name = `${model.serviceName}-${o.name}`;
      Names.validateDns1123Subdomain(`objectives[${objectives.indexOf(o)}].name`, name, this);
      this.objectiveNames[o.name] = name;
      new InferenceObjective(this, `Objective-${o.name}`, {
        metadata: { name, namespace: ns, labels: modelLabels(model, 'inference-objective', env) },
        spec: { priority: o.priority, poolRef: { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: stablePool.poolName } },
      });
    }
  }

  private renderPool(pool: InferencePoolVersion, o: {
    ns: string; httpPort: number; image: string; cpu: number; memory: number; env?: string; gateway: InferenceGatewayReference; scraper: string;
  }): void {
    const model = this.model;
    const ns = o.ns;
    const labels = modelLabels(model, 'inference-pool', o.env);
    // not the model's label: the model's Service, PodMonitor and disruption budget select its pods by it
    const pickerLabels = sortedLabels({
      ...meshLabels({ component: 'endpoint-picker', name: pool.pickerName, tenant: model.tenant, environment: o.env }),
      [PlatformLabels.INFERENCE_POOL]: pool.poolName,
    });
    const pickerSelector = { [PlatformLabels.NAME]: pool.pickerName, [PlatformLabels.COMPONENT]: 'endpoint-picker' };
    const meta = (name: string, extra: { [k: string]: string } = labels) => ({ name, namespace: ns, labels: extra });
    const id = pool.version;
    const ha = this.pickerReplicas > 1;

    new InferencePool(this, `Pool-${id}`, {
      metadata: meta(pool.poolName),
      spec: {
        selector: { matchLabels: sortedLabels({ ...model.selectorLabels, [PlatformLabels.MODEL_VERSION]: pool.version }) },
        targetPorts: [{ number: o.httpPort }],
        endpointPickerRef: {
          group: '',
          kind: 'Service',
          name: pool.pickerName,
          port: { number: ENDPOINT_PICKER_PORTS.extProc },
          failureMode: this.failureMode as string as InferencePoolSpecEndpointPickerRefFailureMode,
        },
      },
    });

    // the picker: its scheduling profile, identity and read access to its pool and pods
    const config = [
      'apiVersion: inference.networking.x-k8s.io/v1alpha1',
      'kind: EndpointPickerConfig',
      'plugins:',
      ...this.scorers.map((s) => `- type: ${s.scorer}`),
      'schedulingProfiles:',
      '- name: default',
      '  plugins:',
      ...this.scorers.flatMap((s) => [`  - pluginRef: ${s.scorer}`, `    weight: ${s.weight}`]),
      '',
    ].join('\n');
    new ApiObject(this, `PickerConfig-${id}`, {
      apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(pool.pickerName, pickerLabels), data: { 'plugins.yaml': config },
    });
    new ApiObject(this, `PickerAccount-${id}`, {
      apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(pool.pickerName, pickerLabels), automountServiceAccountToken: true,
    });
    new ApiObject(this, `PickerRole-${id}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(pool.pickerName, pickerLabels),
      rules: [
        { apiGroups: ['inference.networking.x-k8s.io'], resources: ['inferenceobjectives', 'inferencemodelrewrites'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] },
        // leader election (epplib _leader-election-rbac.yaml): the Lease epp-<namespace>-<pool> and its events
        ...(ha ? [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'] },
          { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch'] },
        ] : []),
      ],
    });
    new ApiObject(this, `PickerRoleBinding-${id}`, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: meta(pool.pickerName, pickerLabels),
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: pool.pickerName },
      subjects: [{ kind: 'ServiceAccount', name: pool.pickerName, namespace: ns }],
    });
    const memory = `${o.memory}Mi`;
    // the epplib chart's probes: with leader election `liveness` answers on every replica, `readiness` on the leader only
    const health = (service: string) => ({ port: ENDPOINT_PICKER_PORTS.health, service: ha ? service : 'inference-extension' });
    new ApiObject(this, `Picker-${id}`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: meta(pool.pickerName, pickerLabels),
      spec: {
        replicas: this.pickerReplicas,
        // one active picker (its prefix-cache state is in memory); Recreate replaces them at once (upstream's choice,
        // also with leader election: a rolling update could not stop the old leader)
        strategy: { type: 'Recreate' },
        selector: { matchLabels: pickerSelector },
        template: {
          metadata: {
            // outside the mesh, as upstream runs it with Istio: the gateway reaches its TLS gRPC server directly
            labels: { ...pickerLabels, 'sidecar.istio.io/inject': 'false' },
          },
          spec: {
            serviceAccountName: pool.pickerName,
            terminationGracePeriodSeconds: 130,
            // a standby on another node than the leader (a node's loss or drain then leaves one)
            ...(ha ? {
              topologySpreadConstraints: [{
                maxSkew: 1, topologyKey: 'kubernetes.io/hostname', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: pickerSelector },
              }],
            } : {}),
            securityContext: podSecurityContext(PICKER_UID),
            containers: [{
              name: 'epp',
              image: o.image,
              imagePullPolicy: 'IfNotPresent',
              args: [
                '--pool-name', pool.poolName,
                '--pool-namespace', ns,
                '--config-file', '/config/plugins.yaml',
                '--zap-encoder', 'json',
                ...(ha ? ['--ha-enable-leader-election'] : []),
                '--tracing=false',
                // the model servers' metrics through the sidecar's merged-metrics port (plaintext, outside mTLS)
                '--model-server-metrics-port', String(MERGED_METRICS.port),
                '--model-server-metrics-path', MERGED_METRICS.path,
                // Prometheus scrapes 9090 from its namespace only (NetworkPolicy): no token review
                '--metrics-endpoint-auth=false',
              ],
              ports: [
                { name: 'grpc', containerPort: ENDPOINT_PICKER_PORTS.extProc, protocol: 'TCP' },
                { name: 'grpc-health', containerPort: ENDPOINT_PICKER_PORTS.health, protocol: 'TCP' },
                { name: 'metrics', containerPort: ENDPOINT_PICKER_PORTS.metrics, protocol: 'TCP' },
              ],
              // the epplib chart's environment
              env: [
                { name: 'NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              livenessProbe: { grpc: health('liveness'), initialDelaySeconds: 5, periodSeconds: 10 },
              readinessProbe: { grpc: health('readiness'), periodSeconds: 2 },
              // upstream leaves the CPU unlimited for scheduling bursts; the platform's policies require a limit: twice the request
              resources: { requests: { cpu: String(o.cpu), memory }, limits: { cpu: String(Math.round(o.cpu * 2000) / 1000), memory } },
              securityContext: containerSecurityContext(),
              volumeMounts: [{ name: 'config', mountPath: '/config', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
            }],
            volumes: [{ name: 'config', configMap: { name: pool.pickerName } }, { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }],
          },
        },
      },
    });
    if (ha) {
      new ApiObject(this, `PickerBudget-${id}`, {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: meta(pool.pickerName, pickerLabels),
        spec: { maxUnavailable: 1, selector: { matchLabels: pickerSelector } },
      });
    }
    new ApiObject(this, `PickerService-${id}`, {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: meta(pool.pickerName, pickerLabels),
      spec: {
        selector: pickerSelector,
        ports: [
          { name: 'grpc-ext-proc', port: ENDPOINT_PICKER_PORTS.extProc, targetPort: ENDPOINT_PICKER_PORTS.extProc, protocol: 'TCP', appProtocol: 'http2' },
          { name: 'http-metrics', port: ENDPOINT_PICKER_PORTS.metrics, targetPort: ENDPOINT_PICKER_PORTS.metrics, protocol: 'TCP' },
        ],
      },
    });
    // the gateway speaks TLS to the picker's self-signed gRPC server (the upstream chart's DestinationRule for Istio)
    new ApiObject(this, `PickerTls-${id}`, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: meta(pool.pickerName, pickerLabels),
      spec: { host: `${pool.pickerName}.${ns}.svc.cluster.local`, trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } } },
    });
    const nsSelector = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    new ApiObject(this, `PickerIngress-${id}`, {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: meta(pool.pickerName, pickerLabels),
      spec: {
        podSelector: { matchLabels: pickerSelector },
        policyTypes: ['Ingress'],
        ingress: [
          { from: [nsSelector(o.gateway.namespace)], ports: [{ protocol: 'TCP', port: ENDPOINT_PICKER_PORTS.extProc }] },
          { from: [nsSelector(o.scraper)], ports: [{ protocol: 'TCP', port: ENDPOINT_PICKER_PORTS.metrics }] },
        ],
      },
    });
  }
}
