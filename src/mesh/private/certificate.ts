import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { Names } from '../../core/names';
import type { CertificateIssuerReference } from '../ingress-gateway';

/** What a gateway's TLS Secret comes from (`IngressGateway`, `GatewayApiIngress`). */
export interface GatewayCertificateOptions {
  readonly credentialName: string;
  readonly namespace: string;
  readonly hosts: string[];
  readonly tlsIssuer?: CertificateIssuerReference;
  readonly externalCredential?: boolean;
  readonly labels: { [key: string]: string };
  /** What serves the Secret, for the error message (`the Gateway`). */
  readonly servedBy: string;
}

/**
 * The cert-manager Certificate that creates a gateway's TLS Secret (when an issuer is named), after checking that
 * exactly one of `tlsIssuer` and `externalCredential` says where the Secret comes from. Returns the issuer with its
 * defaults filled in.
 */
export function gatewayCertificate(scope: Construct, o: GatewayCertificateOptions): CertificateIssuerReference | undefined {
  if (o.tlsIssuer !== undefined && o.externalCredential) {
    throw new ValidationError('externalCredential', "contradicts 'tlsIssuer' (the Certificate creates the Secret)", true,
      "drop 'externalCredential', or drop 'tlsIssuer' if the Secret comes from elsewhere", scope);
  }
  if (o.tlsIssuer === undefined && !o.externalCredential) {
    throw new ValidationError('tlsIssuer', `is required: nothing creates the TLS Secret '${o.credentialName}' ${o.servedBy} serves`, undefined,
      "name the cert-manager issuer (tlsIssuer: { kind: 'ClusterIssuer', name: 'letsencrypt' }), or set externalCredential: true and create the Secret elsewhere", scope);
  }
  if (o.tlsIssuer === undefined) return undefined;
  const issuer = o.tlsIssuer;
  const kind = issuer.kind ?? 'ClusterIssuer';
  const group = issuer.group ?? 'cert-manager.io';
  Names.validateDns1123Subdomain('tlsIssuer.name', issuer.name, scope);
  if (group === 'cert-manager.io' && kind !== 'ClusterIssuer' && kind !== 'Issuer') {
    throw new ValidationError('tlsIssuer.kind', "must be 'ClusterIssuer' or 'Issuer' for cert-manager.io issuers", kind, "use 'ClusterIssuer'", scope);
  }
  if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    throw new ValidationError('tlsIssuer.kind', 'must be a Kubernetes kind', kind, "use 'ClusterIssuer'", scope);
  }
  if (!Names.isDns1123Subdomain(group)) {
    throw new ValidationError('tlsIssuer.group', 'must be an API group', group, "use 'cert-manager.io'", scope);
  }
  // cert-manager.io/v1 Certificate (schemas/crds/cert-manager): cert-manager writes the signed certificate and key
  // to `secretName` as a kubernetes.io/tls Secret, the form both an Istio Gateway's `credentialName` and a Gateway
  // API listener's `certificateRefs` read.
  new ApiObject(scope, 'Certificate', {
    apiVersion: 'cert-manager.io/v1',
    kind: 'Certificate',
    metadata: {
      name: o.credentialName,
      namespace: o.namespace,
      labels: o.labels,
      // Read by the platform twin (src/twin/private/references.ts EXTERNAL_ISSUER_ANNOTATION).
      annotations: issuer.external === true ? { 'llm-platform.io/external-issuer': 'true' } : undefined,
    },
    spec: {
      secretName: o.credentialName,
      dnsNames: o.hosts,
      issuerRef: { name: issuer.name, kind, group },
      privateKey: { algorithm: 'ECDSA', size: 256, rotationPolicy: 'Always' },
    },
  });
  return { name: issuer.name, kind, group, external: issuer.external === true };
}
