import { Construct } from 'constructs';
import { MeshPrincipal } from './mesh-principal';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import { AuthorizationPolicy, AuthorizationPolicySpecAction, AuthorizationPolicySpecRules, AuthorizationPolicySpecRulesToOperation } from '../imports/istio-authorizationpolicy-security.istio.io';
import { modelLabels, sortedLabels, validateModel } from './private/util';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'CONNECT', 'TRACE'];

/**
 * Who may call one model, and on which ports, paths and methods (`MeshSecurity.addModelAccess`).
 */
export interface ModelAccessOptions {
  /**
   * Allow the ingress gateway (its service account principal) to call the model.
   *
   * @default true
   */
  readonly allowIngressGateway?: boolean;

  /**
   * Allow workloads of the same tenant (by namespace, mTLS-authenticated) to call the model.
   *
   * @default true
   */
  readonly allowSameTenant?: boolean;

  /**
   * The namespaces that count as the same tenant.
   *
   * @default - the model's namespace
   */
  readonly sameTenantNamespaces?: string[];

  /**
   * Named callers (typed SPIFFE principals, e.g. another tenant's frontend) allowed to call the model.
   *
   * @default - none
   */
  readonly callers?: MeshPrincipal[];

  /**
   * The ports callers may reach.
   *
   * @default - the runtime's HTTP port and, if it has one, its gRPC port
   */
  readonly ports?: number[];

  /**
   * The HTTP paths callers may request (Istio path syntax: exact, `prefix*` or `*suffix`).
   *
   * @default - any path
   */
  readonly paths?: string[];

  /**
   * The HTTP methods callers may use (upper case, e.g. `POST`).
   *
   * @default - any method
   */
  readonly methods?: string[];

  /**
   * Allow metrics scraping (`GET` on the runtime's metrics port and path) through the sidecar from the
   * monitoring namespace. Only useful for a scraper that is itself in the mesh (a `namespaces` source
   * needs its mTLS identity). The platform's scrapers are outside the mesh and use Istio metrics
   * merging instead (port 15020, which the sidecar does not capture, so no AuthorizationPolicy applies;
   * see observability `MetricsMerging`).
   *
   * @default false
   */
  readonly allowMetricsScrape?: boolean;
}

/**
 * Properties of a `ModelAccessPolicy`.
 */
export interface ModelAccessPolicyProps extends ModelAccessOptions {
  /**
   * The model to protect.
   */
  readonly model: IModelService;

  /**
   * The ingress gateway's identity (used when `allowIngressGateway` is true).
   *
   * @default - `cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account` (istioctl default profile)
   */
  readonly ingressGatewayPrincipal?: MeshPrincipal;

  /**
   * The namespace the metrics scraper (Prometheus / OTel collector) runs in.
   *
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
}

/**
 * An Istio `AuthorizationPolicy` (action ALLOW) for one model's pods: one rule per kind of caller
 * (ingress gateway, same tenant, named callers, metrics scraper). Everything else is denied, both
 * because an ALLOW policy denies what it does not match and because `MeshSecurity` adds a
 * default-deny policy per tenant namespace.
 *
 * The policy is named `<service>-allow` and lives in the model's namespace.
 */
export class ModelAccessPolicy extends Construct {
  /**
   * The istioctl default-profile ingress gateway identity.
   */
  public static readonly DEFAULT_INGRESS_GATEWAY_PRINCIPAL = 'cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account';

  /** The protected model. */
  public readonly model: IModelService;
  /** The policy name. */
  public readonly name: string;
  /** Whether the ingress gateway may call the model. */
  public readonly allowIngressGateway: boolean;
  /** The ingress gateway identity. */
  public readonly ingressGatewayPrincipal: MeshPrincipal;
  /** Whether the same tenant may call the model. */
  public readonly allowSameTenant: boolean;
  /** Namespaces counted as the same tenant. */
  public readonly sameTenantNamespaces: string[];
  /** Named callers. */
  public readonly callers: MeshPrincipal[];
  /** Allowed ports. */
  public readonly ports: number[];
  /** Allowed paths (empty: any). */
  public readonly paths: string[];
  /** Allowed methods (empty: any). */
  public readonly methods: string[];
  /** Whether metrics scraping is allowed. */
  public readonly allowMetricsScrape: boolean;
  /** The monitoring namespace. */
  public readonly monitoringNamespace: string;

  constructor(scope: Construct, id: string, props: ModelAccessPolicyProps) {
    super(scope, id);
    checkProps('mesh.ModelAccessPolicyProps', props, 'props', this);
    validateModel('model', props.model, this);
    const model = props.model;
    this.model = model;
    this.name = Names.joinLabel([model.serviceName, 'allow'], 63);
    this.allowIngressGateway = props.allowIngressGateway ?? true;
    this.ingressGatewayPrincipal = props.ingressGatewayPrincipal ?? MeshPrincipal.fromSpiffe(ModelAccessPolicy.DEFAULT_INGRESS_GATEWAY_PRINCIPAL);
    this.allowSameTenant = props.allowSameTenant ?? true;
    this.sameTenantNamespaces = [...new Set(props.sameTenantNamespaces ?? [model.namespace])].sort();
    this.sameTenantNamespaces.forEach((ns) => Names.validateDns1123Label('sameTenantNamespaces', ns, this));
    this.callers = (props.callers ?? []).map((c) => {
      if (!(c instanceof MeshPrincipal)) {
        // JS callers may pass raw strings: hold them to the same SPIFFE form
        return MeshPrincipal.fromSpiffe(c as any);
      }
      return c;
    });
    this.monitoringNamespace = Names.validateDns1123Label('monitoringNamespace', props.monitoringNamespace ?? 'monitoring', this);

    const defaultPorts = [model.runtime.httpPort, ...(model.runtime.grpcPort !== undefined ? [model.runtime.grpcPort] : [])];
    this.ports = [...new Set(props.ports ?? defaultPorts)].sort((a, b) => a - b);
    if (this.ports.length === 0) {
      throw new ValidationError('ports', 'must list at least one port', props.ports, `allow e.g. the HTTP port ${model.runtime.httpPort}`, this);
    }
    for (const p of this.ports) {
      if (!Number.isInteger(p) || p < 1 || p > 65535) {
        throw new ValidationError('ports', 'must be port numbers between 1 and 65535', props.ports, `use the ports the model listens on, e.g. ${model.runtime.httpPort}`, this);
      }
    }
    this.paths = [...(props.paths ?? [])];
    for (const path of this.paths) {
      const stars = (path.match(/\*/g) ?? []).length;
      const wildcardOk = stars === 0 || (stars === 1 && (path.startsWith('*') || path.endsWith('*')));
      if (typeof path !== 'string' || !(path.startsWith('/') || path.startsWith('*')) || /\s/.test(path) || !wildcardOk || path === '*') {
        throw new ValidationError('paths', "must be HTTP paths starting with '/' with at most one '*' at the start or end", path,
          "use an exact path ('/v1/completions'), a prefix ('/v1/*') or a suffix ('*/health')", this);
      }
    }
    this.methods = [...(props.methods ?? [])];
    for (const m of this.methods) {
      if (!HTTP_METHODS.includes(m)) {
        throw new ValidationError('methods', 'must be upper-case HTTP methods', m, `use one of ${HTTP_METHODS.join(', ')}`, this);
      }
    }
    this.allowMetricsScrape = props.allowMetricsScrape ?? false;
    if (this.allowMetricsScrape && !model.runtime.hasMetrics) {
      throw new ValidationError('allowMetricsScrape', `cannot be true: the ${model.runtime.name} runtime serves no metrics port`, true,
        'leave allowMetricsScrape unset or use a runtime with a metricsPort', this);
    }

    const rules = this.renderRules();
    if (rules.length === 0) {
      throw new ValidationError('allowIngressGateway', 'leaves the model with no allowed caller (an ALLOW policy without rules denies everything)', false,
        "allow the ingress gateway, the same tenant, named 'callers' or metrics scraping, or do not add model access at all", this);
    }

    new AuthorizationPolicy(this, 'Resource', {
      metadata: { name: this.name, namespace: model.namespace, labels: modelLabels(model, 'mesh-authorization') },
      spec: {
        action: AuthorizationPolicySpecAction.ALLOW,
        selector: { matchLabels: sortedLabels(model.selectorLabels) },
        rules,
      },
    });
  }

  private renderRules(): AuthorizationPolicySpecRules[] {
    const operation: AuthorizationPolicySpecRulesToOperation = {
      ports: this.ports.map(String),
      paths: this.paths.length > 0 ? this.paths : undefined,
      methods: this.methods.length > 0 ? this.methods : undefined,
    };
    const to = [{ operation }];
    const rules: AuthorizationPolicySpecRules[] = [];
    if (this.allowIngressGateway) {
      rules.push({ from: [{ source: { principals: [this.ingressGatewayPrincipal.principal] } }], to });
    }
    if (this.allowSameTenant) {
      rules.push({ from: [{ source: { namespaces: this.sameTenantNamespaces } }], to });
    }
    if (this.callers.length > 0) {
      rules.push({ from: [{ source: { principals: [...new Set(this.callers.map((c) => c.principal))].sort() } }], to });
    }
    if (this.allowMetricsScrape) {
      const runtime = this.model.runtime;
      rules.push({
        from: [{ source: { namespaces: [this.monitoringNamespace] } }],
        to: [{ operation: { ports: [String(runtime.metricsPort)], methods: ['GET'], paths: [runtime.metricsPath] } }],
      });
    }
    return rules;
  }
}
