import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkArgs } from '../core/private/runtime-types';

const SPIFFE_PATH = /^([^/]+)\/ns\/([^/]+)\/sa\/([^/]+)$/;

/**
 * A workload identity in the mesh: the SPIFFE principal Istio derives from a ServiceAccount,
 * `<trust-domain>/ns/<namespace>/sa/<service-account>` (e.g. `cluster.local/ns/search/sa/frontend`).
 *
 * Used for `AuthorizationPolicy` `from.source.principals`, which only match callers that present a
 * mesh mTLS certificate, so an allowed principal cannot be spoofed by a plain-text client.
 */
export class MeshPrincipal {
  /**
   * The default Istio trust domain.
   */
  public static readonly DEFAULT_TRUST_DOMAIN = 'cluster.local';

  /**
   * Parse a principal in SPIFFE form `cluster.local/ns/<namespace>/sa/<service-account>` (no `spiffe://`
   * prefix, no wildcards). Anything else is a ValidationError.
   *
   * @param principal e.g. `cluster.local/ns/search/sa/frontend`
   */
  public static fromSpiffe(principal: string): MeshPrincipal {
    const fix = "use '<trust-domain>/ns/<namespace>/sa/<service-account>', e.g. 'cluster.local/ns/search/sa/frontend'";
    if (typeof principal !== 'string') {
      throw new ValidationError('principal', 'must be a SPIFFE principal string', principal, fix);
    }
    if (principal.startsWith('spiffe://')) {
      throw new ValidationError('principal', "must not carry the 'spiffe://' scheme (Istio principals omit it)", principal,
        `use '${principal.slice('spiffe://'.length)}'`);
    }
    if (principal.includes('*')) {
      throw new ValidationError('principal', 'must name exactly one workload identity, without wildcards', principal, fix);
    }
    const m = SPIFFE_PATH.exec(principal);
    if (!m || !Names.isDns1123Subdomain(m[1]) || !Names.isDns1123Label(m[2]) || !Names.isDns1123Subdomain(m[3])) {
      throw new ValidationError('principal', 'must be in SPIFFE form <trust-domain>/ns/<namespace>/sa/<service-account>', principal, fix);
    }
    return new MeshPrincipal(m[1], m[2], m[3]);
  }

  /**
   * The principal of a ServiceAccount.
   *
   * @param namespace the ServiceAccount's namespace
   * @param serviceAccountName the ServiceAccount's name
   * @param trustDomain the mesh trust domain
   * @default trustDomain 'cluster.local'
   */
  public static serviceAccount(namespace: string, serviceAccountName: string, trustDomain?: string): MeshPrincipal {
    checkArgs('mesh.MeshPrincipal#serviceAccount', [namespace, serviceAccountName, trustDomain]);
    return MeshPrincipal.fromSpiffe(`${trustDomain ?? MeshPrincipal.DEFAULT_TRUST_DOMAIN}/ns/${namespace}/sa/${serviceAccountName}`);
  }

  /**
   * The principal a model's pods run as (its ServiceAccount), e.g. for model-to-model calls.
   */
  public static ofModel(model: IModelService, trustDomain?: string): MeshPrincipal {
    checkArgs('mesh.MeshPrincipal#ofModel', [model, trustDomain]);
    return MeshPrincipal.serviceAccount(model.namespace, model.serviceAccountName, trustDomain);
  }

  /** The trust domain, e.g. `cluster.local`. */
  public readonly trustDomain: string;
  /** The ServiceAccount's namespace. */
  public readonly namespace: string;
  /** The ServiceAccount's name. */
  public readonly serviceAccountName: string;
  /** The principal as Istio matches it: `<trust-domain>/ns/<namespace>/sa/<service-account>`. */
  public readonly principal: string;

  private constructor(trustDomain: string, namespace: string, serviceAccountName: string) {
    this.trustDomain = trustDomain;
    this.namespace = namespace;
    this.serviceAccountName = serviceAccountName;
    this.principal = `${trustDomain}/ns/${namespace}/sa/${serviceAccountName}`;
  }

  /**
   * The principal string.
   */
  public toString(): string {
    return this.principal;
  }
}
