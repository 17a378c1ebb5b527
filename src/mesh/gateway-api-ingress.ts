import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import type { InferenceGatewayReference } from './inference-pool-route';
import type { CertificateIssuerReference } from './ingress-gateway';
import { MeshPrincipal } from './mesh-principal';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { gatewayCertificate } from './private/certificate';
import { gatewayApiTimeout, meshLabels, modelLabels, validateHosts, validateModel, validatePathPrefix } from './private/util';
import { checkProps } from '../core/private/runtime-types';
import { Gateway, GatewaySpecListeners, GatewaySpecListenersAllowedRoutesNamespacesFrom, GatewaySpecListenersTlsMode } from '../imports/gateway-api-gateway-gateway.networking.k8s.io';
import {
  HttpRoute, HttpRouteSpecRulesFiltersRequestRedirectScheme, HttpRouteSpecRulesFiltersRequestRedirectStatusCode, HttpRouteSpecRulesFiltersType,
  HttpRouteSpecRulesFiltersUrlRewritePathType, HttpRouteSpecRulesMatchesPathType,
} from '../imports/gateway-api-httproute-gateway.networking.k8s.io';

/**
 * Properties of `GatewayApiIngress`.
 */
export interface GatewayApiIngressProps {
  /** Public host names served (DNS names, `*.example.com` allowed). */
  readonly hosts: string[];
  /** The TLS Secret (in the gateway's namespace) holding the certificate and key (the HTTPS listener's `certificateRefs`). */
  readonly credentialName: string;
  /**
   * The cert-manager issuer of the certificate: a `Certificate` named after the credential, `secretName:
   * credentialName`, the hosts as `dnsNames`. Without it the Secret must come from elsewhere (`externalCredential`).
   *
   * @default - no Certificate; requires `externalCredential: true`
   */
  readonly tlsIssuer?: CertificateIssuerReference;
  /**
   * The TLS Secret is created outside this library; no Certificate is emitted. Exclusive with `tlsIssuer`.
   *
   * @default false
   */
  readonly externalCredential?: boolean;
  /**
   * The Gateway's name.
   *
   * @default 'llm-gateway'
   */
  readonly name?: string;
  /**
   * The Gateway's namespace (the gateway deployment's; the redirect route lives there too).
   *
   * @default 'istio-ingress'
   */
  readonly namespace?: string;
  /**
   * The GatewayClass (Istio creates `istio` when the Gateway API CRDs are installed).
   *
   * @default 'istio'
   */
  readonly gatewayClassName?: string;
  /**
   * The Service of an existing gateway deployment to bind the Gateway to (`spec.addresses`, type `Hostname`: Istio's
   * "manual deployment", pilot/pkg/config/kube/gatewaycommon `IsManaged` at 1.30.3): its pods (e.g. those of the
   * istio `gateway` chart, with their admission, LoadBalancer and scaling) serve the Gateway's listeners. Give the
   * host as `<service>.<namespace>.svc.cluster.local`.
   *
   * @default - istiod deploys the gateway itself (a Deployment and LoadBalancer Service `<name>-<class>`)
   */
  readonly deploymentService?: string;
  /**
   * The gateway pods' ServiceAccount (its principal is what model ALLOW policies admit).
   *
   * @default - `<name>-<gatewayClassName>` (istiod's automated deployment names its Deployment and ServiceAccount so:
   * istio 1.30.3 pilot/pkg/config/kube/gatewaycommon/gateway_utils.go `GetDefaultName`); required with `deploymentService`
   */
  readonly serviceAccountName?: string;
  /**
   * The namespaces whose HTTPRoutes may attach to the HTTPS listener (`allowedRoutes`, selected by
   * `kubernetes.io/metadata.name`): the tenants' namespaces. No other namespace can publish a route.
   */
  readonly routeNamespaces: string[];
  /**
   * Also listen on HTTP port 80, only to redirect to HTTPS (an HTTPRoute with a `RequestRedirect`, 301). Only that
   * route can attach there (`allowedRoutes.namespaces.from: Same`): plain-text requests are never routed.
   *
   * @default false
   */
  readonly httpsRedirect?: boolean;
}

/**
 * A route from the Gateway to a model's Service (`GatewayApiIngress.addModelRoute`).
 */
export interface GatewayModelRouteOptions {
  /** The model. */
  readonly model: IModelService;
  /**
   * The path prefix of the model's API.
   *
   * @default `/<tenant>/<model>/`
   */
  readonly pathPrefix?: string;
  /**
   * What the prefix is replaced with before the request reaches the model (`URLRewrite`, `ReplacePrefixMatch`).
   *
   * @default '/'
   */
  readonly rewritePrefix?: string;
  /**
   * The whole request's timeout, streamed responses included.
   *
   * @default - none (Gateway API `0s`): no fixed cut of a long generation
   */
  readonly timeout?: Duration;
}

/**
 * The platform's north-south entry as a Kubernetes Gateway API `Gateway` on Istio (Gateway API v1.5.1, Istio 1.30.3):
 * an HTTPS listener (TLS terminated with `credentialName`, routes admitted from the tenants' namespaces only), an
 * optional HTTP listener that only redirects to HTTPS, the cert-manager Certificate of the Secret, and HTTPRoutes
 * to models' Services (`addModelRoute`). Models served through the Gateway API Inference Extension attach an
 * `InferencePoolRoute` to `reference`.
 *
 * One gateway deployment cannot serve one host through both this and an `IngressGateway` (Istio skips the second
 * HTTPS server of a host on a port: pilot/pkg/model/gateway.go `CheckDuplicates`): choose one per host.
 */
export class GatewayApiIngress extends Construct {
  /** The Gateway's name. */
  public readonly name: string;
  /** Its namespace. */
  public readonly namespace: string;
  /** The hosts, sorted. */
  public readonly hosts: string[];
  /** The TLS Secret. */
  public readonly credentialName: string;
  /** The gateway pods' identity (what model ALLOW policies admit). */
  public readonly principal: MeshPrincipal;
  /** The Gateway and HTTPS listener routes attach to. */
  public readonly reference: InferenceGatewayReference;
  /** The cert-manager issuer, when a Certificate is emitted. */
  public readonly tlsIssuer?: CertificateIssuerReference;

  private readonly routes = new Set<string>();

  constructor(scope: Construct, id: string, props: GatewayApiIngressProps) {
    super(scope, id);
    checkProps('mesh.GatewayApiIngressProps', props, 'props', this);
    this.name = Names.validateDns1123Label('name', props.name ?? 'llm-gateway', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'istio-ingress', this);
    const gatewayClass = Names.validateDns1123Subdomain('gatewayClassName', props.gatewayClassName ?? 'istio', this);
    this.hosts = validateHosts('hosts', props.hosts, this);
    this.credentialName = Names.validateDns1123Subdomain('credentialName', props.credentialName, this);
    if (!props.routeNamespaces || props.routeNamespaces.length === 0) {
      throw new ValidationError('routeNamespaces', 'must list at least one namespace', props.routeNamespaces ?? [],
        "list the namespaces whose routes the gateway serves, e.g. the tenants' ['search']", this);
    }
    props.routeNamespaces.forEach((ns, i) => Names.validateDns1123Label(`routeNamespaces[${i}]`, ns, this));
    const routeNamespaces = [...new Set(props.routeNamespaces)].sort();
    if (props.deploymentService !== undefined && !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?\.[a-z0-9]([-a-z0-9]*[a-z0-9])?\.svc(\.cluster\.local)?$/.test(props.deploymentService)) {
      throw new ValidationError('deploymentService', "must be a Service host '<service>.<namespace>.svc.cluster.local'", props.deploymentService,
        "use e.g. 'istio-ingressgateway.istio-ingress.svc.cluster.local'", this);
    }
    if (props.deploymentService !== undefined && props.serviceAccountName === undefined) {
      throw new ValidationError('serviceAccountName', "is required with 'deploymentService' (the bound deployment's pods run as their own ServiceAccount)", undefined,
        "name the gateway pods' ServiceAccount, e.g. 'istio-ingressgateway'", this);
    }
    const account = Names.validateDns1123Subdomain('serviceAccountName', props.serviceAccountName ?? `${this.name}-${gatewayClass}`, this);
    this.principal = MeshPrincipal.serviceAccount(this.namespace, account);
    this.reference = { name: this.name, namespace: this.namespace, sectionName: 'https' };
    const labels = meshLabels({ component: 'ingress-gateway', name: this.name });

    this.tlsIssuer = gatewayCertificate(this, {
      credentialName: this.credentialName,
      namespace: this.namespace,
      hosts: this.hosts,
      tlsIssuer: props.tlsIssuer,
      externalCredential: props.externalCredential,
      labels,
      servedBy: 'the HTTPS listener',
    });

    // One HTTPS listener: with one host it is the listener's hostname; with several, the routes name them
    // (a listener has one hostname; the Certificate covers them all).
    const listeners: GatewaySpecListeners[] = [{
      name: 'https',
      port: 443,
      protocol: 'HTTPS',
      ...(this.hosts.length === 1 ? { hostname: this.hosts[0] } : {}),
      tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: this.credentialName }] },
      allowedRoutes: {
        kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        namespaces: {
          from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
          selector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: routeNamespaces }] },
        },
      },
    }];
    const redirect = props.httpsRedirect ?? false;
    if (redirect) {
      listeners.push({
        name: 'http',
        port: 80,
        protocol: 'HTTP',
        allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], namespaces: { from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SAME } },
      });
    }
    new Gateway(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels,
        // Read by the platform twin (src/twin/private/references.ts EXTERNAL_CREDENTIAL_ANNOTATION).
        annotations: props.externalCredential ? { 'llm-platform.io/external-tls-credential': 'true' } : undefined,
      },
      spec: {
        gatewayClassName: gatewayClass,
        ...(props.deploymentService !== undefined ? { addresses: [{ type: 'Hostname', value: props.deploymentService }] } : {}),
        listeners,
      },
    });
    if (redirect) {
      new HttpRoute(this, 'HttpsRedirect', {
        metadata: { name: `${this.name}-https-redirect`, namespace: this.namespace, labels },
        spec: {
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: this.name, sectionName: 'http' }],
          hostnames: this.hosts,
          rules: [{
            filters: [{
              type: HttpRouteSpecRulesFiltersType.REQUEST_REDIRECT,
              requestRedirect: {
                scheme: HttpRouteSpecRulesFiltersRequestRedirectScheme.HTTPS,
                statusCode: HttpRouteSpecRulesFiltersRequestRedirectStatusCode.VALUE_301,
              },
            }],
          }],
        },
      });
    }
  }

  /**
   * Route `https://<host><pathPrefix>...` to the model's Service (an HTTPRoute in the model's namespace, attached to
   * the HTTPS listener), the prefix rewritten. For a model served through InferencePools use `InferencePoolRoute`
   * with `reference` instead.
   */
  public addModelRoute(options: GatewayModelRouteOptions): ApiObject {
    checkProps('mesh.GatewayModelRouteOptions', options, 'options', this);
    validateModel('model', options.model, this);
    const model = options.model;
    const key = `${model.namespace}/${model.serviceName}`;
    if (this.routes.has(key)) throw new ValidationError('model', 'already has a route on this gateway', key, 'add one route per model', this);
    const prefix = validatePathPrefix('pathPrefix', options.pathPrefix ?? `/${model.tenant}/${model.modelName}/`, model, this);
    const rewrite = options.rewritePrefix ?? '/';
    if (!rewrite.startsWith('/')) throw new ValidationError('rewritePrefix', "must start with '/'", rewrite, "use e.g. '/'", this);
    const timeout = gatewayApiTimeout('timeout', options.timeout, this);
    this.routes.add(key);
    return new HttpRoute(this, `Route-${model.namespace}-${model.serviceName}`, {
      metadata: { name: model.serviceName, namespace: model.namespace, labels: modelLabels(model, 'ingress-route') },
      spec: {
        parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: this.name, namespace: this.namespace, sectionName: this.reference.sectionName }],
        hostnames: this.hosts,
        rules: [{
          matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: prefix } }],
          filters: [{
            type: HttpRouteSpecRulesFiltersType.URL_REWRITE,
            urlRewrite: { path: { type: HttpRouteSpecRulesFiltersUrlRewritePathType.REPLACE_PREFIX_MATCH, replacePrefixMatch: rewrite } },
          }],
          // The Service port (KServe's predictor Service exposes 80 in front of the container port).
          backendRefs: [{ group: '', kind: 'Service', name: model.serviceName, port: model.servicePort ?? model.runtime.httpPort }],
          timeouts: { request: timeout },
        }],
      },
    });
  }
}
