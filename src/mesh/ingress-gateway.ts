import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { MeshPrincipal } from './mesh-principal';
import { ModelTraffic } from './model-traffic';
import { RetryOn } from './retry-on';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkProps } from '../core/private/runtime-types';
import { Gateway, GatewaySpecServers, GatewaySpecServersTlsMinProtocolVersion, GatewaySpecServersTlsMode } from '../imports/istio-gateway-networking.istio.io';
import { gatewayCertificate } from './private/certificate';
import { istioDuration, meshLabels, modelLabels, serviceHost, sortedLabels, validateModel, validateHosts, validatePathPrefix } from './private/util';

/**
 * Minimum TLS version the gateway accepts.
 */
export enum TlsVersion {
  /** TLS 1.2 */
  TLS1_2 = 'TLSV1_2',
  /** TLS 1.3 */
  TLS1_3 = 'TLSV1_3',
}

/**
 * The cert-manager issuer that signs the gateway's certificate (`IngressGatewayProps.tlsIssuer`).
 */
export interface CertificateIssuerReference {
  /** The issuer's name. */
  readonly name: string;
  /**
   * `ClusterIssuer` (cluster-wide) or `Issuer` (in the gateway's namespace).
   *
   * @default 'ClusterIssuer'
   */
  readonly kind?: string;
  /**
   * The issuer's API group (an external issuer's own group, e.g. `awspca.cert-manager.io`).
   *
   * @default 'cert-manager.io'
   */
  readonly group?: string;
  /**
   * Whether the issuer is created outside this output (by the cluster's cert-manager set-up, e.g. an ACME
   * ClusterIssuer with the account's DNS01 solver). The Certificate then carries the annotation
   * `llm-platform.io/external-issuer: "true"` and the platform twin lists the issuer as not modelled
   * instead of requiring it in the output.
   *
   * @default false - the issuer must be among the synthesized objects
   */
  readonly external?: boolean;
}

/**
 * Properties of `IngressGateway`.
 */
export interface IngressGatewayProps {
  /** Public host names served (DNS names, `*.example.com` allowed). */
  readonly hosts: string[];
  /** The TLS Secret (in the gateway's namespace) holding the certificate and key (`credentialName`). */
  readonly credentialName: string;
  /**
   * The cert-manager issuer of the gateway's certificate: a `Certificate` (cert-manager.io/v1) named
   * after the credential is created in the gateway's namespace with `secretName: credentialName` and
   * the gateway hosts as `dnsNames`, so cert-manager creates and renews the Secret the Gateway serves.
   * Without it the Secret must come from elsewhere (set `externalCredential: true` to say so).
   *
   * @default - no Certificate; requires `externalCredential: true`
   */
  readonly tlsIssuer?: CertificateIssuerReference;
  /**
   * The TLS Secret `credentialName` is created outside this library (e.g. synced by External Secrets
   * from AWS Secrets Manager); no Certificate is emitted. Exclusive with `tlsIssuer`.
   *
   * @default false
   */
  readonly externalCredential?: boolean;
  /**
   * The Gateway name.
   *
   * @default 'llm-gateway'
   */
  readonly name?: string;
  /**
   * The namespace of the gateway deployment (the Gateway and its routes live there).
   *
   * @default 'istio-system'
   */
  readonly namespace?: string;
  /**
   * Labels of the gateway pods.
   *
   * @default { istio: 'ingressgateway' }
   */
  readonly selector?: { [key: string]: string };
  /**
   * The gateway pods' ServiceAccount (its principal is what model ALLOW policies admit).
   *
   * @default 'istio-ingressgateway-service-account'
   */
  readonly serviceAccountName?: string;
  /**
   * Also listen on HTTP port 80, only to redirect to HTTPS. Plain-text requests are never routed.
   *
   * @default false
   */
  readonly httpsRedirect?: boolean;
  /**
   * Minimum TLS version.
   *
   * @default TlsVersion.TLS1_2
   */
  readonly minTlsVersion?: TlsVersion;
}

/**
 * A route from the gateway to one model (`IngressGateway.addModelRoute`).
 */
export interface ModelRouteOptions {
  /** The model. */
  readonly model: IModelService;
  /**
   * The model's traffic settings: when given, the ingress route reproduces its canary split, tester
   * header routing, timeout, retries and fault injection (VirtualServices bound to a gateway do
   * not inherit the mesh VirtualService).
   *
   * @default - all traffic to the model's Service, 5 minute timeout, idempotent-safe retries
   */
  readonly traffic?: ModelTraffic;
  /**
   * URI prefix that selects the model (must start and end with '/').
   *
   * @default - '/<tenant>/<model>/'
   */
  readonly pathPrefix?: string;
  /**
   * What the prefix is rewritten to before reaching the model.
   *
   * @default '/'
   */
  readonly rewriteUri?: string;
  /**
   * Hosts the route applies to (a subset of the gateway's hosts).
   *
   * @default - every gateway host
   */
  readonly hosts?: string[];
  /**
   * Route timeout (without `traffic`).
   *
   * @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
}

/**
 * An Istio ingress `Gateway` (networking.istio.io/v1) terminating TLS for the public host names
 * (HTTPS only; an HTTP listener only when asked, and then only to redirect), plus one
 * `VirtualService` per model route in the gateway's namespace, and the cert-manager `Certificate` that
 * creates the gateway's TLS Secret (`tlsIssuer`), unless the Secret is declared external.
 */
export class IngressGateway extends Construct {
  /** The Gateway name. */
  public readonly name: string;
  /** The namespace. */
  public readonly namespace: string;
  /** The public hosts. */
  public readonly hosts: string[];
  /** The TLS credential. */
  public readonly credentialName: string;
  /** Labels of the gateway pods. */
  public readonly selector: { [key: string]: string };
  /** The gateway identity (for `MeshSecurityProps.ingressGatewayPrincipal`). */
  public readonly principal: MeshPrincipal;
  /** Whether HTTP is redirected to HTTPS. */
  public readonly httpsRedirect: boolean;
  /** The reference VirtualServices use (`<namespace>/<name>`). */
  public readonly gatewayReference: string;
  /** The issuer of the gateway's certificate, when the library creates it. */
  public readonly tlsIssuer?: CertificateIssuerReference;

  private readonly routes = new Set<string>();

  constructor(scope: Construct, id: string, props: IngressGatewayProps) {
    super(scope, id);
    checkProps('mesh.IngressGatewayProps', props, 'props', this);
    this.name = Names.validateDns1123Label('name', props.name ?? 'llm-gateway', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace ?? 'istio-system', this);
    // one Gateway server per host and port: Istio refuses two servers with one host (issue 17)
    this.hosts = validateHosts('hosts', props.hosts, this);
    this.credentialName = Names.validateDns1123Subdomain('credentialName', props.credentialName, this);
    this.selector = sortedLabels(props.selector ?? { istio: 'ingressgateway' });
    if (Object.keys(this.selector).length === 0) {
      throw new ValidationError('selector', 'must select the gateway pods with at least one label', {}, "use e.g. { istio: 'ingressgateway' }", this);
    }
    Names.validateLabels('selector', this.selector, this);
    this.principal = MeshPrincipal.serviceAccount(this.namespace, props.serviceAccountName ?? 'istio-ingressgateway-service-account');
    this.httpsRedirect = props.httpsRedirect ?? false;
    this.gatewayReference = `${this.namespace}/${this.name}`;
    const minTls = props.minTlsVersion ?? TlsVersion.TLS1_2;
    if (!Object.values(TlsVersion).includes(minTls)) {
      throw new ValidationError('minTlsVersion', 'must be a TlsVersion', minTls, 'use TlsVersion.TLS1_2 or TlsVersion.TLS1_3', this);
    }

    const servers: GatewaySpecServers[] = [{
      name: 'https',
      port: { number: 443, name: 'https', protocol: 'HTTPS' },
      hosts: this.hosts,
      tls: {
        mode: GatewaySpecServersTlsMode.SIMPLE,
        credentialName: this.credentialName,
        minProtocolVersion: minTls === TlsVersion.TLS1_3
          ? GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_3
          : GatewaySpecServersTlsMinProtocolVersion.TLSV1_UNDERSCORE_2,
      },
    }];
    if (this.httpsRedirect) {
      servers.push({ name: 'http-redirect', port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: this.hosts, tls: { httpsRedirect: true } });
    }
    this.tlsIssuer = gatewayCertificate(this, {
      credentialName: this.credentialName,
      namespace: this.namespace,
      hosts: this.hosts,
      tlsIssuer: props.tlsIssuer,
      externalCredential: props.externalCredential,
      labels: meshLabels({ component: 'ingress-gateway', name: this.name }),
      servedBy: 'the Gateway',
    });
    new Gateway(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: meshLabels({ component: 'ingress-gateway', name: this.name }),
        // Read by the platform twin (src/twin/private/references.ts EXTERNAL_CREDENTIAL_ANNOTATION).
        annotations: props.externalCredential ? { 'llm-platform.io/external-tls-credential': 'true' } : undefined,
      },
      spec: { selector: this.selector, servers },
    });
  }

  /**
   * Route a URI prefix on the gateway hosts to a model (a VirtualService named
   * `<gateway>-<namespace>-<service>` in the gateway's namespace). The model must still allow the
   * gateway's principal (`MeshSecurity.addModelAccess`).
   */
  public addModelRoute(options: ModelRouteOptions): ApiObject {
    checkProps('mesh.ModelRouteOptions', options, 'options', this);
    validateModel('model', options.model, this);
    const model = options.model;
    const key = `${model.namespace}/${model.serviceName}`;
    if (this.routes.has(key)) {
      throw new ValidationError('model', 'already has a route on this gateway', key, 'add one route per model', this);
    }
    if (options.traffic && (options.traffic.model.namespace !== model.namespace || options.traffic.model.serviceName !== model.serviceName)) {
      throw new ValidationError('traffic', 'must belong to the routed model', `${options.traffic.model.namespace}/${options.traffic.model.serviceName}`,
        `pass the ModelTraffic of ${key}`, this);
    }
    const prefix = validatePathPrefix('pathPrefix', options.pathPrefix ?? `/${model.tenant}/${model.modelName}/`, model, this);
    const rewriteUri = options.rewriteUri ?? '/';
    if (!rewriteUri.startsWith('/')) {
      throw new ValidationError('rewriteUri', "must start with '/'", rewriteUri, "use e.g. '/'", this);
    }
    const hosts = options.hosts ? [...new Set(options.hosts)].sort() : this.hosts;
    for (const h of hosts) {
      if (!this.hosts.includes(h)) {
        throw new ValidationError('hosts', `must be hosts of the gateway (${this.hosts.join(', ')})`, h, 'add the host to the gateway first', this);
      }
    }
    const name = Names.joinLabel([this.name, model.namespace, model.serviceName]);
    // The Service port (KServe's predictor Service exposes 80 in front of the container port).
    const port = { number: model.servicePort ?? model.runtime.httpPort };
    let http: any[];
    if (options.traffic) {
      if (options.timeout) {
        throw new ValidationError('timeout', 'is taken from traffic when traffic is given', options.timeout.toSeconds(), "set the timeout on the ModelTraffic or drop 'traffic'", this);
      }
      http = options.traffic._renderHttpRoutes({ uriPrefix: prefix, rewriteUri, namePrefix: model.modelName, port: port.number });
    } else {
      http = [{
        name: model.modelName,
        match: [{ uri: { prefix } }],
        rewrite: { uri: rewriteUri },
        route: [{ destination: { host: serviceHost(model), port } }],
        timeout: istioDuration('timeout', options.timeout ?? Duration.minutes(5), this, Duration.hours(1)),
        retries: { attempts: 2, retryOn: RetryOn.SAFE_FOR_GENERATION.map((r) => r.condition).join(',') },
      }];
    }
    this.routes.add(key);
    return new ApiObject(this, `Route-${model.namespace}-${model.serviceName}`, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name, namespace: this.namespace, labels: modelLabels(model, 'ingress-route') },
      spec: { hosts, gateways: [this.name], http },
    });
  }
}
