/**
 * Options of HTTP routes a ModelTraffic renders for another VirtualService (the ingress routes).
 */
export interface RouteRenderOptions {
  /** Match only this URI prefix. */
  readonly uriPrefix?: string;
  /** Rewrite the matched prefix to this URI. */
  readonly rewriteUri?: string;
  /** Prefix of route names. */
  readonly namePrefix?: string;
  /** Destination port (needed from a gateway when the Service has several ports). */
  readonly port?: number;
}
