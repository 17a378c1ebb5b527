import { Construct } from 'constructs';
import { MeshPrincipal } from './mesh-principal';
import { ModelAccessOptions, ModelAccessPolicy } from './model-access-policy';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import { AuthorizationPolicy } from '../imports/istio-authorizationpolicy-security.istio.io';
import { PeerAuthentication, PeerAuthenticationSpecMtlsMode } from '../imports/istio-peerauthentication-security.istio.io';
import { meshLabels } from './private/util';

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/**
 * Mutual TLS mode of a namespace.
 */
export enum MtlsMode {
  /** Only mTLS traffic is accepted (the default). */
  STRICT = 'STRICT',
  /**
   * Plain text and mTLS are both accepted. Only as a time-boxed migration step for a namespace whose
   * clients are not in the mesh yet: requires `permissiveExpires`.
   */
  PERMISSIVE = 'PERMISSIVE',
}

/**
 * Annotation keys MeshSecurity puts on time-boxed PERMISSIVE PeerAuthentications.
 */
export class MeshAnnotations {
  /** `llm-platform.io/permissive-expires`: the date (YYYY-MM-DD) a PERMISSIVE migration ends. */
  public static readonly PERMISSIVE_EXPIRES = 'llm-platform.io/permissive-expires';
  /** `llm-platform.io/permissive-reason`: why the namespace is PERMISSIVE. */
  public static readonly PERMISSIVE_REASON = 'llm-platform.io/permissive-reason';

  private constructor() {}
}

/**
 * Options of one tenant namespace (`MeshSecurity.addTenantNamespace`).
 */
export interface TenantNamespaceOptions {
  /**
   * The tenant that owns the namespace (for labels).
   *
   * @default - the namespace name
   */
  readonly tenant?: string;

  /**
   * Mutual TLS mode of the namespace. `PERMISSIVE` is a migration option only: it needs
   * `permissiveExpires`, and synthesis fails once that date has passed.
   *
   * @default MtlsMode.STRICT
   */
  readonly mtlsMode?: MtlsMode;

  /**
   * The date (`YYYY-MM-DD`, UTC) the PERMISSIVE migration ends. Required with `MtlsMode.PERMISSIVE`;
   * an expired date fails synthesis so the exception cannot silently outlive the migration.
   *
   * @default - none (only valid with STRICT)
   */
  readonly permissiveExpires?: string;

  /**
   * Why the namespace is PERMISSIVE (recorded as an annotation).
   *
   * @default - none
   */
  readonly permissiveReason?: string;
}

/**
 * Properties of `MeshSecurity`.
 */
export interface MeshSecurityProps {
  /**
   * The Istio root namespace, where the mesh-wide PeerAuthentication lives.
   *
   * @default 'istio-system'
   */
  readonly rootNamespace?: string;

  /**
   * Tenant namespaces to lock down right away (STRICT mTLS + default-deny). More with `addTenantNamespace`.
   *
   * @default - none
   */
  readonly tenantNamespaces?: string[];

  /**
   * The ingress gateway's identity, allowed to call models by `addModelAccess`.
   *
   * @default - `cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account`
   */
  readonly ingressGatewayPrincipal?: MeshPrincipal;

  /**
   * The namespace metrics scrapers run in.
   *
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;

  /**
   * The date (`YYYY-MM-DD`) PERMISSIVE expiries are checked against. Set it in CI to make the check
   * reproducible; it never reaches the manifests.
   *
   * @default - today (UTC) at synthesis
   */
  readonly referenceDate?: string;
}

/**
 * Mesh-wide zero-trust baseline for Istio:
 *
 * - a mesh-wide `PeerAuthentication` `default` in the root namespace with mTLS STRICT;
 * - per tenant namespace, a `PeerAuthentication` `default` (STRICT, or a time-boxed PERMISSIVE
 *   migration) and a default-deny `AuthorizationPolicy` `default-deny` (`spec: {}`: an ALLOW policy
 *   that matches nothing, so every request is denied unless another policy allows it);
 * - per model, an ALLOW policy (`addModelAccess`, see `ModelAccessPolicy`).
 */
export class MeshSecurity extends Construct {
  /** The root namespace. */
  public readonly rootNamespace: string;
  /** The ingress gateway identity used by `addModelAccess`. */
  public readonly ingressGatewayPrincipal: MeshPrincipal;
  /** The monitoring namespace used by `addModelAccess`. */
  public readonly monitoringNamespace: string;
  /** The date PERMISSIVE expiries are checked against (YYYY-MM-DD). */
  public readonly referenceDate: string;

  private readonly namespaces = new Map<string, Construct>();

  constructor(scope: Construct, id: string, props: MeshSecurityProps = {}) {
    super(scope, id);
    checkProps('mesh.MeshSecurityProps', props, 'props', this);
    this.rootNamespace = Names.validateDns1123Label('rootNamespace', props.rootNamespace ?? 'istio-system', this);
    this.ingressGatewayPrincipal = props.ingressGatewayPrincipal ?? MeshPrincipal.fromSpiffe(ModelAccessPolicy.DEFAULT_INGRESS_GATEWAY_PRINCIPAL);
    this.monitoringNamespace = Names.validateDns1123Label('monitoringNamespace', props.monitoringNamespace ?? 'monitoring', this);
    if (props.referenceDate !== undefined) parseDate('referenceDate', props.referenceDate, this);
    this.referenceDate = props.referenceDate ?? new Date().toISOString().slice(0, 10);

    new PeerAuthentication(this, 'Resource', {
      metadata: { name: 'default', namespace: this.rootNamespace, labels: meshLabels({ component: 'mesh-security' }) },
      spec: { mtls: { mode: PeerAuthenticationSpecMtlsMode.STRICT } },
    });

    for (const ns of props.tenantNamespaces ?? []) this.addTenantNamespace(ns);
  }

  /**
   * Lock down a tenant namespace: namespace-wide mTLS (STRICT by default) and a default-deny
   * AuthorizationPolicy. Adding the same namespace twice is an error.
   *
   * @param namespace the namespace
   */
  public addTenantNamespace(namespace: string, options: TenantNamespaceOptions = {}): void {
    checkArgs('mesh.MeshSecurity#addTenantNamespace', [namespace, options], this);
    checkProps('mesh.TenantNamespaceOptions', options, 'options', this);
    Names.validateDns1123Label('namespace', namespace, this);
    if (this.namespaces.has(namespace)) {
      throw new ValidationError('namespace', 'is already locked down by this MeshSecurity', namespace, 'add each tenant namespace once', this);
    }
    if (namespace === this.rootNamespace) {
      throw new ValidationError('namespace', 'must not be the root namespace (its policies apply mesh-wide)', namespace, 'add tenant namespaces only', this);
    }
    const tenant = options.tenant ?? namespace;
    const mode = options.mtlsMode ?? MtlsMode.STRICT;
    const annotations: { [key: string]: string } = {};
    if (mode === MtlsMode.PERMISSIVE) {
      const fix = "set 'permissiveExpires' to the date (YYYY-MM-DD) the migration to STRICT ends, or use MtlsMode.STRICT";
      if (options.permissiveExpires === undefined) {
        throw new ValidationError('permissiveExpires', 'is required with MtlsMode.PERMISSIVE (PERMISSIVE is a time-boxed migration option)', undefined, fix, this);
      }
      const expires = parseDate('permissiveExpires', options.permissiveExpires, this);
      if (expires < parseDate('referenceDate', this.referenceDate, this)) {
        throw new ValidationError('permissiveExpires', `has passed (today is ${this.referenceDate}): the PERMISSIVE migration window is over`,
          options.permissiveExpires, 'finish the migration and switch the namespace to MtlsMode.STRICT, or extend the date with a reason', this);
      }
      annotations[MeshAnnotations.PERMISSIVE_EXPIRES] = options.permissiveExpires;
      if (options.permissiveReason) annotations[MeshAnnotations.PERMISSIVE_REASON] = options.permissiveReason;
    } else if (mode === MtlsMode.STRICT) {
      if (options.permissiveExpires !== undefined || options.permissiveReason !== undefined) {
        throw new ValidationError('permissiveExpires', 'only applies to MtlsMode.PERMISSIVE', options.permissiveExpires ?? options.permissiveReason,
          "remove 'permissiveExpires'/'permissiveReason' or set mtlsMode to MtlsMode.PERMISSIVE", this);
      }
    } else {
      throw new ValidationError('mtlsMode', 'must be MtlsMode.STRICT or MtlsMode.PERMISSIVE', mode, 'use MtlsMode.STRICT', this);
    }

    const scope = new Construct(this, namespace);
    const labels = meshLabels({ component: 'mesh-security', tenant });
    new PeerAuthentication(scope, 'PeerAuthentication', {
      metadata: {
        name: 'default',
        namespace,
        labels,
        annotations: Object.keys(annotations).length > 0 ? annotations : undefined,
      },
      spec: { mtls: { mode: mode === MtlsMode.STRICT ? PeerAuthenticationSpecMtlsMode.STRICT : PeerAuthenticationSpecMtlsMode.PERMISSIVE } },
    });
    new AuthorizationPolicy(scope, 'DefaultDeny', {
      metadata: { name: 'default-deny', namespace, labels },
      spec: {},
    });
    this.namespaces.set(namespace, scope);
  }

  /**
   * Namespaces locked down so far (sorted).
   */
  public get tenantNamespaces(): string[] {
    return [...this.namespaces.keys()].sort();
  }

  /**
   * Allow callers to reach one model (see `ModelAccessPolicy`). Locks the model's namespace down
   * (STRICT + default-deny) if it was not added yet.
   */
  public addModelAccess(model: IModelService, options: ModelAccessOptions = {}): ModelAccessPolicy {
    checkArgs('mesh.MeshSecurity#addModelAccess', [model, options], this);
    checkProps('mesh.ModelAccessOptions', options, 'options', this);
    if (model && typeof model.namespace === 'string' && !this.namespaces.has(model.namespace)) {
      this.addTenantNamespace(model.namespace, { tenant: model.tenant });
    }
    const id = `${model?.namespace}.${model?.serviceName}`; // '.' never occurs in a namespace id
    return new ModelAccessPolicy(this, id, {
      ...options,
      model,
      ingressGatewayPrincipal: this.ingressGatewayPrincipal,
      monitoringNamespace: this.monitoringNamespace,
    });
  }
}

function parseDate(prop: string, value: string, scope: Construct): number {
  const m = typeof value === 'string' ? ISO_DATE.exec(value) : null;
  const fix = "use a calendar date 'YYYY-MM-DD', e.g. '2026-03-31'";
  if (!m) throw new ValidationError(prop, 'must be a date in the form YYYY-MM-DD', value, fix, scope);
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  if (new Date(t).toISOString().slice(0, 10) !== value) {
    throw new ValidationError(prop, 'must be a real calendar date', value, fix, scope);
  }
  return t;
}
