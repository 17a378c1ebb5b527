import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { Names } from '../core/names';
import { meshLabels } from './private/util';
import { checkArgs, checkProps } from '../core/private/runtime-types';

/**
 * An S3 bucket the pods of a namespace read or write (`MeshEgressProps.s3Buckets`).
 */
export interface S3BucketEgress {
  /** The bucket name. */
  readonly bucket: string;
  /** The bucket's region (`us-east-1`). */
  readonly region: string;
}

/**
 * Properties of `MeshEgress`.
 */
export interface MeshEgressProps {
  /**
   * The namespace whose pods need the egress. Every ServiceEntry is created there with
   * `exportTo: ['.']`, so it opens the egress for this namespace only.
   */
  readonly namespace: string;
  /**
   * S3 buckets the namespace's pods use (model weights, datasets, adapters): one ServiceEntry per
   * bucket for its virtual-hosted (`<bucket>.s3.<region>.amazonaws.com`) and regional
   * (`s3.<region>.amazonaws.com`, path-style) endpoints, TLS on 443.
   *
   * @default - none
   */
  readonly s3Buckets?: S3BucketEgress[];
  /**
   * Other external hosts reached over TLS on 443 (e.g. `huggingface.co`), one ServiceEntry for all.
   *
   * @default - none
   */
  readonly tlsHosts?: string[];
  /**
   * A ServiceEntry for the EKS Pod Identity agent (`169.254.170.23:80`, plain TCP), so every pod of the
   * namespace gets its AWS credentials through the sidecar under `REGISTRY_ONLY`.
   *
   * @default true
   */
  readonly podIdentityAgent?: boolean;
  /**
   * Labels added to every ServiceEntry (e.g. the tenant).
   *
   * @default - none
   */
  readonly labels?: { [key: string]: string };
}

/**
 * The egress a namespace's sidecars need when istiod runs with `outboundTrafficPolicy: REGISTRY_ONLY`
 * (the platform's secure default, `MeshConfig`): under it a sidecar sends traffic to any host that is
 * not in the service registry to its `BlackHoleCluster`. With Kubernetes native sidecars (the default
 * of Istio 1.27 and later, `ENABLE_NATIVE_SIDECARS=auto`, istio/istio pilot/pkg/features/pilot.go) the
 * proxy starts before the other init containers, so the weight download init container is captured
 * too, and without these entries it can reach neither S3 nor the Pod Identity agent.
 *
 * - one `ServiceEntry` per S3 bucket: `MESH_EXTERNAL`, `resolution: DNS`, port 443 protocol `TLS`
 *   (the sidecar routes by SNI and never terminates the client's TLS);
 * - one `ServiceEntry` for the other TLS hosts;
 * - one `ServiceEntry` for the EKS Pod Identity agent: a link-local address reached over plain HTTP,
 *   so it is declared as a `TCP` service with `addresses`/`STATIC` endpoints (an `HTTP` entry would
 *   be matched by Host header, which is the bare IP). The alternative, per pod, is to leave the
 *   address out of the capture with `MeshEgress.podIdentityCaptureExclusion()`
 *   (`traffic.sidecar.istio.io/excludeOutboundIPRanges`, read by Istio's injection template); model
 *   pods built by this library carry that annotation as well.
 *
 * Every entry is `exportTo: ['.']`: it opens egress for this namespace only. Kubernetes
 * NetworkPolicies still apply underneath (the `Tenant` allows TCP 443 to the internet and TCP 80 to
 * the Pod Identity agent).
 */
export class MeshEgress extends Construct {
  /** The EKS Pod Identity agent's IPv4 link-local address (EKS user guide, Pod Identity). */
  public static readonly POD_IDENTITY_AGENT_ADDRESS = '169.254.170.23';
  /** The EKS Pod Identity agent's port. */
  public static readonly POD_IDENTITY_AGENT_PORT = 80;
  /** The pod annotation that leaves outbound IP ranges out of the sidecar's capture (Istio injection template). */
  public static readonly EXCLUDE_OUTBOUND_IP_RANGES_ANNOTATION = 'traffic.sidecar.istio.io/excludeOutboundIPRanges';

  /**
   * The pod annotation that keeps the Pod Identity agent out of the sidecar's capture (the per-pod
   * alternative to the agent's ServiceEntry).
   */
  public static podIdentityCaptureExclusion(): { [key: string]: string } {
    return { [MeshEgress.EXCLUDE_OUTBOUND_IP_RANGES_ANNOTATION]: `${MeshEgress.POD_IDENTITY_AGENT_ADDRESS}/32` };
  }

  /**
   * The S3 endpoints a bucket is reached on: virtual-hosted (`<bucket>.s3.<region>.amazonaws.com`, what
   * the AWS CLI and SDKs use) and regional (`s3.<region>.amazonaws.com`, path-style, used for bucket
   * names with dots).
   */
  public static s3Hosts(bucket: string, region: string): string[] {
    checkArgs('mesh.MeshEgress#s3Hosts', [bucket, region]);
    return [`${bucket}.s3.${region}.amazonaws.com`, `s3.${region}.amazonaws.com`];
  }

  /** The namespace. */
  public readonly namespace: string;
  /** Every external host name opened (sorted). */
  public readonly hosts: string[];
  /** Whether the Pod Identity agent has a ServiceEntry. */
  public readonly podIdentityAgent: boolean;

  constructor(scope: Construct, id: string, props: MeshEgressProps) {
    super(scope, id);
    checkProps('mesh.MeshEgressProps', props, 'props', this);
    this.namespace = Names.validateDns1123Label('namespace', props.namespace, this);
    this.podIdentityAgent = props.podIdentityAgent ?? true;
    const labels = { ...meshLabels({ component: 'mesh-egress' }), ...(props.labels ?? {}) };
    if (props.labels) Names.validateLabels('labels', props.labels, this);
    const hosts = new Set<string>();
    const entry = (childId: string, name: string, spec: any) => new ApiObject(this, childId, {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { name, namespace: this.namespace, labels },
      spec: { exportTo: ['.'], location: 'MESH_EXTERNAL', ...spec },
    });
    const tls443 = [{ number: 443, name: 'tls', protocol: 'TLS' }];

    const buckets = new Set<string>();
    for (const b of props.s3Buckets ?? []) {
      if (typeof b?.bucket !== 'string' || !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(b.bucket) || b.bucket.includes('..')) {
        throw new ValidationError('s3Buckets.bucket', 'must be an S3 bucket name (3-63 lowercase letters, digits, dots and hyphens)', b?.bucket,
          "use e.g. 'acme-llm-model-store'", this);
      }
      if (typeof b.region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(b.region)) {
        throw new ValidationError('s3Buckets.region', 'must be an AWS region', b.region, "use e.g. 'us-east-1'", this);
      }
      if (buckets.has(b.bucket)) {
        throw new ValidationError('s3Buckets', 'must not repeat a bucket', b.bucket, 'list each bucket once', this);
      }
      buckets.add(b.bucket);
      const bucketHosts = MeshEgress.s3Hosts(b.bucket, b.region);
      bucketHosts.forEach((h) => hosts.add(h));
      entry(`S3-${b.bucket}`, `s3-${b.bucket}`, { hosts: bucketHosts, resolution: 'DNS', ports: tls443 });
    }

    const tlsHosts = [...new Set(props.tlsHosts ?? [])].sort();
    for (const h of tlsHosts) {
      if (typeof h !== 'string' || !Names.isDns1123Subdomain(h) || !h.includes('.')) {
        throw new ValidationError('tlsHosts', 'must be fully-qualified DNS names', h, "use e.g. 'huggingface.co'", this);
      }
      hosts.add(h);
    }
    if (tlsHosts.length > 0) entry('TlsHosts', 'external-tls', { hosts: tlsHosts, resolution: 'DNS', ports: tls443 });

    if (this.podIdentityAgent) {
      entry('PodIdentityAgent', 'eks-pod-identity-agent', {
        // A name for the registry only: clients connect to the address (AWS_CONTAINER_CREDENTIALS_FULL_URI).
        hosts: ['eks-pod-identity-agent.amazonaws.internal'],
        addresses: [`${MeshEgress.POD_IDENTITY_AGENT_ADDRESS}/32`],
        resolution: 'STATIC',
        endpoints: [{ address: MeshEgress.POD_IDENTITY_AGENT_ADDRESS }],
        ports: [{ number: MeshEgress.POD_IDENTITY_AGENT_PORT, name: 'tcp-pod-identity', protocol: 'TCP' }],
      });
    }
    if (hosts.size === 0 && !this.podIdentityAgent) {
      throw new ValidationError('s3Buckets', 'leaves the MeshEgress empty: no bucket, TLS host or Pod Identity agent', [],
        "list a bucket in 's3Buckets', a host in 'tlsHosts', or keep 'podIdentityAgent' on", this);
    }
    this.hosts = [...hosts].sort();
  }
}
