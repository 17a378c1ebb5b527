import { ApiObject, Size } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { PlatformLabels } from '../../core/labels';
import { Names } from '../../core/names';
import { checkArgs, checkProps } from '../../core/private/runtime-types';
import { KUBERNETES_SYSTEM_NAMESPACES } from '../../core/private/system-namespaces';
import { cpuQuantity, sizeQuantity, standardLabels, validateInt } from '../private/pod';
import { ModelServer, ModelServerOptions } from '../serving/model-server';

/**
 * A tenant as workloads see it: its namespace, whether it may use GPUs and how many.
 */
export interface ITenant {
  /** The tenant name (DNS-1123 label), the value of `llm-platform.io/tenant`. */
  readonly tenantName: string;
  /** The namespace its workloads run in. */
  readonly namespace: string;
  /** Whether the tenant may request GPUs (`llm-platform.io/gpu-entitled`). */
  readonly gpuEntitled: boolean;
  /** The most GPUs the tenant's workloads may request together (ResourceQuota `requests.nvidia.com/gpu`). */
  readonly gpuQuota: number;
  /**
   * The environment label value, e.g. `prod`.
   *
   * @default - none
   */
  readonly environment?: string;
}

/**
 * Attributes of a tenant managed elsewhere (`Tenant.fromTenantAttributes`).
 */
export interface TenantAttributes {
  /** The tenant name. */
  readonly tenantName: string;
  /**
   * The namespace.
   *
   * @default - the tenant name
   */
  readonly namespace?: string;
  /**
   * The GPU quota (0: not GPU-entitled).
   *
   * @default 0
   */
  readonly gpuQuota?: number;
  /**
   * The environment label value.
   *
   * @default - none
   */
  readonly environment?: string;
}

/**
 * Properties of a `Tenant`.
 */
export interface TenantProps {
  /** The tenant name (DNS-1123 label), e.g. `search`. */
  readonly tenantName: string;
  /**
   * The namespace.
   *
   * @default - the tenant name
   */
  readonly namespace?: string;
  /**
   * GPUs the tenant's workloads may request together. A tenant with a quota above 0 is GPU-entitled.
   *
   * @default 0
   */
  readonly gpuQuota?: number;
  /**
   * The environment label value (`llm-platform.io/environment`).
   *
   * @default - no environment label
   */
  readonly environment?: string;
  /**
   * CPU cores the tenant may request (and limit) together.
   *
   * @default - 8 + 24 per GPU of quota (24 vCPU is the largest per-GPU share this release knows: p5.48xlarge)
   */
  readonly cpuQuota?: number;
  /**
   * Memory the tenant may request (and limit) together.
   *
   * @default - 32 GiB + 256 GiB per GPU of quota (the largest per-GPU share this release knows: p5.48xlarge)
   */
  readonly memoryQuota?: Size;
  /**
   * Pods the tenant may run.
   *
   * @default 50
   */
  readonly podQuota?: number;
  /**
   * Services the tenant may create (LoadBalancer and NodePort Services are always 0: traffic enters
   * through the mesh ingress gateway).
   *
   * @default 20
   */
  readonly serviceQuota?: number;
  /**
   * PersistentVolumeClaims the tenant may create.
   *
   * @default 10
   */
  readonly pvcQuota?: number;
  /**
   * Groups bound to the tenant admin Role (manage workloads, read quotas and policies, no exec).
   *
   * @default - [`<tenant>-admins`]
   */
  readonly adminGroups?: string[];
  /**
   * Groups bound to the tenant viewer Role (read everything but Secrets).
   *
   * @default - [`<tenant>-viewers`]
   */
  readonly viewerGroups?: string[];
  /**
   * Istio revision for sidecar injection (`istio.io/rev=<revision>`).
   *
   * @default - the default revision (`istio-injection=enabled`)
   */
  readonly istioRevision?: string;
  /**
   * The namespace of the mesh ingress gateway (allowed in).
   *
   * @default 'istio-ingress'
   */
  readonly meshIngressNamespace?: string;
  /**
   * The namespace of the mesh control plane (sidecars may reach istiod on 15012).
   *
   * @default 'istio-system'
   */
  readonly meshControlPlaneNamespace?: string;
  /**
   * The namespace of Prometheus (allowed in on the metrics port, see `metricsScraperNamespaces`).
   *
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * Every namespace whose pods scrape the tenant's metrics (Prometheus, an OTel collector with a
   * Prometheus receiver). They are admitted on TCP 15020 only: Istio metrics merging serves the
   * runtime's and the sidecar's metrics there, outside mTLS (observability `MetricsMerging`); the
   * application ports stay closed to them (STRICT mTLS would refuse a plain-text scrape anyway).
   *
   * @default - [monitoringNamespace]
   */
  readonly metricsScraperNamespaces?: string[];
  /**
   * The namespace of the OpenTelemetry collector the sidecars and SDKs send OTLP to (Istio's `otel`
   * and `otel-tracing` providers): egress to its collector pods on TCP 4317 and 4318 is allowed.
   *
   * @default - no OTLP egress
   */
  readonly otlpCollectorNamespace?: string;
  /**
   * Allow egress on TCP 443 to any address except the instance metadata service (weights from S3 and
   * the Hugging Face Hub, STS, cosign's Sigstore lookups). Turn it off when weights come from a PVC
   * and nothing else leaves the cluster.
   *
   * @default true
   */
  readonly allowHttpsEgress?: boolean;
  /**
   * Allow egress to the EKS Pod Identity agent (169.254.170.23:80), so pods get AWS credentials.
   *
   * @default true
   */
  readonly allowPodIdentityAgent?: boolean;
}

/** LimitRange defaults for containers that set nothing (every workload of this library sets its own). */
const LIMIT_DEFAULT = { cpu: '1', memory: '1Gi' };
const LIMIT_DEFAULT_REQUEST = { cpu: '100m', memory: '256Mi' };
/** The EKS Pod Identity agent's link-local address and port (EKS documentation). */
const POD_IDENTITY_AGENT = '169.254.170.23/32';
/** The EC2 instance metadata service, never reachable from tenant pods. */
const IMDS = '169.254.169.254/32';
/** istiod's xDS port (Istio ports-used-by-istio). */
const ISTIOD_XDS_PORT = 15012;
/** The Istio agent's port serving merged metrics (Istio metrics merging, istio.io ops/integrations/prometheus). */
const MERGED_METRICS_PORT = 15020;
/** The OpenTelemetry operator's label on collector pods (manifestutils SelectorLabels). */
const OTEL_COLLECTOR_COMPONENT = { 'app.kubernetes.io/component': 'opentelemetry-collector' };

/**
 * A tenant: its namespace (Pod Security `restricted`, mesh injection, tenant and GPU-entitlement
 * labels), ResourceQuota (including `nvidia.com/gpu`), LimitRange, default-deny NetworkPolicies with
 * explicit allows, and admin/viewer RBAC bound to groups. Models placed on it (`addModel` or
 * `ModelServer` with `tenant`) are checked against its GPU entitlement and quota.
 *
 * ```ts
 * const search = new Tenant(chart, 'Search', { tenantName: 'search', gpuQuota: 8 });
 * search.addModel('Llama', { modelName: 'llama3-8b', ... });
 * ```
 */
export class Tenant extends Construct implements ITenant {
  /**
   * A tenant created elsewhere.
   */
  public static fromTenantAttributes(attrs: TenantAttributes): ITenant {
    checkProps('k8s.TenantAttributes', attrs, 'attrs');
    Names.validateDns1123Label('tenantName', attrs.tenantName);
    const namespace = Names.validateDns1123Label('namespace', attrs.namespace ?? attrs.tenantName);
    const gpuQuota = validateInt('gpuQuota', attrs.gpuQuota ?? 0, 0, Number.MAX_SAFE_INTEGER, 'set the GPUs the tenant may use, or 0');
    return { tenantName: attrs.tenantName, namespace, gpuQuota, gpuEntitled: gpuQuota > 0, environment: attrs.environment };
  }

  public readonly tenantName: string;
  public readonly namespace: string;
  public readonly gpuEntitled: boolean;
  public readonly gpuQuota: number;
  public readonly environment?: string;
  /** CPU cores of the quota. */
  public readonly cpuQuota: number;
  /** Memory of the quota. */
  public readonly memoryQuota: Size;
  /** Groups bound to the admin Role. */
  public readonly adminGroups: string[];
  /** Groups bound to the viewer Role. */
  public readonly viewerGroups: string[];
  /** The mesh ingress gateway namespace. */
  public readonly meshIngressNamespace: string;
  /** The monitoring namespace. */
  public readonly monitoringNamespace: string;
  /** Labels on every object of the tenant. */
  public readonly labels: { [key: string]: string };

  constructor(scope: Construct, id: string, props: TenantProps) {
    super(scope, id);
    checkProps('k8s.TenantProps', props, 'props', this);
    this.tenantName = Names.validateDns1123Label('tenantName', props.tenantName, this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? props.tenantName, this);
    this.gpuQuota = validateInt('gpuQuota', props.gpuQuota ?? 0, 0, Number.MAX_SAFE_INTEGER, 'set the GPUs the tenant may use together, or 0 for a tenant without GPUs', this);
    this.gpuEntitled = this.gpuQuota > 0;
    if (props.environment !== undefined) Names.validateLabels('environment', { [PlatformLabels.ENVIRONMENT]: props.environment }, this);
    this.environment = props.environment;
    this.cpuQuota = props.cpuQuota ?? 8 + 24 * this.gpuQuota;
    if (!(this.cpuQuota > 0)) throw new ValidationError('cpuQuota', 'must be a positive number of cores', props.cpuQuota, 'set the cores the tenant may use together', this);
    this.memoryQuota = props.memoryQuota ?? Size.gibibytes(32 + 256 * this.gpuQuota);
    const podQuota = validateInt('podQuota', props.podQuota ?? 50, 1, Number.MAX_SAFE_INTEGER, 'allow at least one pod', this);
    const serviceQuota = validateInt('serviceQuota', props.serviceQuota ?? 20, 0, Number.MAX_SAFE_INTEGER, 'set the Services the tenant may create', this);
    const pvcQuota = validateInt('pvcQuota', props.pvcQuota ?? 10, 0, Number.MAX_SAFE_INTEGER, 'set the claims the tenant may create', this);
    this.adminGroups = validateGroups('adminGroups', props.adminGroups ?? [`${this.tenantName}-admins`], this);
    this.viewerGroups = validateGroups('viewerGroups', props.viewerGroups ?? [`${this.tenantName}-viewers`], this);
    this.meshIngressNamespace = Names.validateDns1123Label('meshIngressNamespace', props.meshIngressNamespace ?? 'istio-ingress', this);
    const controlPlane = Names.validateDns1123Label('meshControlPlaneNamespace', props.meshControlPlaneNamespace ?? 'istio-system', this);
    this.monitoringNamespace = Names.validateDns1123Label('monitoringNamespace', props.monitoringNamespace ?? 'monitoring', this);
    // A tenant namespace gets restricted Pod Security, default-deny NetworkPolicies and quotas: never on a system or
    // platform namespace (in kube-system that breaks aws-node, kube-proxy and CoreDNS).
    const reserved: [string, string][] = [...KUBERNETES_SYSTEM_NAMESPACES.map((n): [string, string] => [n, 'a Kubernetes system namespace']),
      [this.meshIngressNamespace, "the mesh ingress namespace ('meshIngressNamespace')"], [controlPlane, "the mesh control plane namespace ('meshControlPlaneNamespace')"],
      [this.monitoringNamespace, "the monitoring namespace ('monitoringNamespace')"]];
    const clash = reserved.find(([n]) => n === this.namespace);
    if (clash) {
      throw new ValidationError(props.namespace !== undefined ? 'namespace' : 'tenantName', `must not be ${clash[1]}`, this.namespace,
        "give the tenant a namespace of its own, e.g. 'search'", this);
    }
    if (props.istioRevision !== undefined) Names.validateDns1123Label('istioRevision', props.istioRevision, this);

    this.labels = standardLabels({
      [PlatformLabels.TENANT]: this.tenantName,
      [PlatformLabels.ENVIRONMENT]: this.environment,
      [PlatformLabels.PART_OF]: this.tenantName,
    });
    const ns = this.namespace;
    const meta = (name: string, extra: { [k: string]: string } = {}) => ({ name, namespace: ns, labels: { ...this.labels, ...extra } });

    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: ns,
        labels: {
          ...this.labels,
          [PlatformLabels.GPU_ENTITLED]: String(this.gpuEntitled),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': 'latest',
          ...(props.istioRevision ? { 'istio.io/rev': props.istioRevision } : { 'istio-injection': 'enabled' }),
        },
      },
    });

    const gpus = String(this.gpuQuota);
    new ApiObject(this, 'Quota', {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: meta(`${this.tenantName}-quota`),
      spec: {
        hard: {
          [`requests.${PlatformLabels.NVIDIA_GPU_RESOURCE}`]: gpus,
          [`limits.${PlatformLabels.NVIDIA_GPU_RESOURCE}`]: gpus,
          'requests.cpu': cpuQuantity(this.cpuQuota),
          'limits.cpu': cpuQuantity(this.cpuQuota),
          'requests.memory': sizeQuantity(this.memoryQuota),
          'limits.memory': sizeQuantity(this.memoryQuota),
          'pods': String(podQuota),
          'services': String(serviceQuota),
          'services.loadbalancers': '0',
          'services.nodeports': '0',
          'persistentvolumeclaims': String(pvcQuota),
        },
      },
    });

    new ApiObject(this, 'LimitRange', {
      apiVersion: 'v1',
      kind: 'LimitRange',
      metadata: meta(`${this.tenantName}-defaults`),
      spec: { limits: [{ type: 'Container', default: LIMIT_DEFAULT, defaultRequest: LIMIT_DEFAULT_REQUEST }] },
    });

    const netpol = (childId: string, name: string, spec: any) => new ApiObject(this, childId, {
      apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(name), spec: { podSelector: {}, ...spec },
    });
    const nsSelector = (name: string) => ({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } } });
    netpol('DefaultDeny', 'default-deny', { policyTypes: ['Ingress', 'Egress'] });
    netpol('AllowDns', 'allow-dns', {
      policyTypes: ['Egress'],
      egress: [{
        to: [{ ...nsSelector('kube-system'), podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
    const sameTenant = [{ namespaceSelector: { matchLabels: { [PlatformLabels.TENANT]: this.tenantName } } }];
    netpol('AllowSameTenant', 'allow-same-tenant', {
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: sameTenant }],
      egress: [{ to: sameTenant }],
    });
    netpol('AllowMeshIngress', 'allow-mesh-ingress', { policyTypes: ['Ingress'], ingress: [{ from: [nsSelector(this.meshIngressNamespace)] }] });
    netpol('AllowMeshControlPlane', 'allow-mesh-control-plane', {
      policyTypes: ['Egress'],
      egress: [{ to: [nsSelector(controlPlane)], ports: [{ protocol: 'TCP', port: ISTIOD_XDS_PORT }] }],
    });
    const scrapers = [...new Set(props.metricsScraperNamespaces ?? [this.monitoringNamespace])].sort();
    for (const n of scrapers) Names.validateDns1123Label('metricsScraperNamespaces', n, this);
    if (scrapers.length > 0) {
      netpol('AllowMonitoring', 'allow-monitoring-scrape', {
        policyTypes: ['Ingress'],
        ingress: [{ from: scrapers.map(nsSelector), ports: [{ protocol: 'TCP', port: MERGED_METRICS_PORT }] }],
      });
    }
    if (props.otlpCollectorNamespace !== undefined) {
      Names.validateDns1123Label('otlpCollectorNamespace', props.otlpCollectorNamespace, this);
      netpol('AllowOtlpEgress', 'allow-otlp-egress', {
        policyTypes: ['Egress'],
        egress: [{
          to: [{ ...nsSelector(props.otlpCollectorNamespace), podSelector: { matchLabels: OTEL_COLLECTOR_COMPONENT } }],
          ports: [{ protocol: 'TCP', port: 4317 }, { protocol: 'TCP', port: 4318 }],
        }],
      });
    }
    if (props.allowHttpsEgress ?? true) {
      netpol('AllowHttpsEgress', 'allow-https-egress', {
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: [IMDS] } }], ports: [{ protocol: 'TCP', port: 443 }] }],
      });
    }
    if (props.allowPodIdentityAgent ?? true) {
      netpol('AllowPodIdentity', 'allow-pod-identity-agent', {
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT } }], ports: [{ protocol: 'TCP', port: 80 }] }],
      });
    }

    const write = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
    const read = ['get', 'list', 'watch'];
    const workloads = [
      { apiGroups: [''], resources: ['pods', 'services', 'endpoints', 'configmaps', 'persistentvolumeclaims'] },
      { apiGroups: ['apps'], resources: ['deployments', 'replicasets', 'statefulsets'] },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'] },
      { apiGroups: ['keda.sh'], resources: ['scaledobjects'] },
      { apiGroups: ['serving.kserve.io'], resources: ['inferenceservices'] },
      { apiGroups: ['kubeflow.org'], resources: ['pytorchjobs'] },
    ];
    const guardrails = [
      { apiGroups: [''], resources: ['events', 'pods/log', 'resourcequotas', 'limitranges', 'serviceaccounts'], verbs: read },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: read },
    ];
    const roles: Array<[string, string, any[], string[]]> = [
      ['Admin', 'admin', [...workloads.map((r) => ({ ...r, verbs: write })), { apiGroups: [''], resources: ['secrets'], verbs: write }, ...guardrails], this.adminGroups],
      ['Viewer', 'viewer', [...workloads.map((r) => ({ ...r, verbs: read })), ...guardrails], this.viewerGroups],
    ];
    for (const [childId, suffix, rules, groups] of roles) {
      const roleName = `${this.tenantName}-${suffix}`;
      new ApiObject(this, `${childId}Role`, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: meta(roleName), rules });
      new ApiObject(this, `${childId}Binding`, {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: meta(roleName),
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName },
        subjects: groups.map((name) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name })),
      });
    }
  }

  /**
   * Place a model on this tenant (a `ModelServer` in the tenant's namespace).
   */
  public addModel(id: string, options: ModelServerOptions): ModelServer {
    checkArgs('k8s.Tenant#addModel', [id, options], this);
    checkProps('k8s.ModelServerOptions', options, 'options', this);
    return new ModelServer(this, id, { ...options, tenant: this });
  }
}

function validateGroups(prop: string, groups: string[], scope: Construct): string[] {
  // (a control character would reach the RoleBinding's subject name as is: issue 17)
  if (!Array.isArray(groups) || groups.length === 0 || groups.some((g) => typeof g !== 'string' || g.trim() === '' || g !== g.trim() || /[\u0000-\u001f\u007f]/.test(g))) {
    throw new ValidationError(prop, 'must list at least one non-empty group name', groups, 'name the identity-provider groups (as mapped by EKS access entries)', scope);
  }
  return [...new Set(groups)].sort();
}
