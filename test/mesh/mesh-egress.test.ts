import { ModelSource } from '../../src/k8s/serving/model-source';
import { MeshConfig, MeshEgress } from '../../src/mesh';
import { model, tenant } from '../k8s/fixtures';
import { findObject, findObjects, synthChart } from '../util';
import { expectValidationError, newChart } from './fixtures';

const BUCKET = 'acme-llm-model-store';
const REGION = 'us-east-1';

/**
 * What a sidecar in `namespace` may reach under `outboundTrafficPolicy: REGISTRY_ONLY`: a host (TLS,
 * routed by SNI) or an address (TCP) of a ServiceEntry visible to the namespace. Kubernetes Services
 * are not involved here (S3 and the Pod Identity agent are outside the cluster).
 */
function registryAdmits(objects: any[], namespace: string, target: { host?: string; address?: string; port: number }): boolean {
  return findObjects(objects, 'ServiceEntry').some((se) => {
    const exportTo: string[] = se.spec.exportTo ?? ['*'];
    const visible = exportTo.includes('*') || (exportTo.includes('.') && se.metadata.namespace === namespace) || exportTo.includes(namespace);
    const port = (se.spec.ports ?? []).some((p: any) => p.number === target.port);
    const host = target.host !== undefined && se.spec.hosts.includes(target.host);
    const address = target.address !== undefined && (se.spec.addresses ?? []).includes(`${target.address}/32`);
    return visible && port && (host || address);
  });
}

const s3Virtual = { host: `${BUCKET}.s3.${REGION}.amazonaws.com`, port: 443 };
const s3Regional = { host: `s3.${REGION}.amazonaws.com`, port: 443 };
const agent = { address: '169.254.170.23', port: 80 };

describe('MeshEgress', () => {
  test('defect 5, broken variant: under REGISTRY_ONLY a tenant without ServiceEntries reaches neither S3 nor the Pod Identity agent', () => {
    expect(new MeshConfig().toValues().outboundTrafficPolicy).toEqual({ mode: 'REGISTRY_ONLY' });
    const objects = synthChart((chart) => {
      model(chart, { source: ModelSource.s3({ bucket: BUCKET, prefix: 'models/llama3-8b/', versionId: 'v1', region: REGION }) });
    });
    for (const target of [s3Virtual, s3Regional, agent]) expect(registryAdmits(objects, 'search', target)).toBe(false);
  });

  test('defect 5, fixed: ServiceEntries for the bucket (virtual-host and regional) and the agent, this namespace only', () => {
    let egress!: MeshEgress;
    const objects = synthChart((chart) => {
      egress = new MeshEgress(chart, 'Egress', { namespace: 'search', s3Buckets: [{ bucket: BUCKET, region: REGION }] });
    });
    for (const target of [s3Virtual, s3Regional, agent]) {
      expect(registryAdmits(objects, 'search', target)).toBe(true);
      expect(registryAdmits(objects, 'vision', target)).toBe(false);
    }
    const s3 = findObject(objects, 'ServiceEntry', `s3-${BUCKET}`);
    expect(s3.apiVersion).toBe('networking.istio.io/v1');
    expect(s3.metadata.namespace).toBe('search');
    expect(s3.spec).toEqual({
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      hosts: [`${BUCKET}.s3.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`],
      resolution: 'DNS',
      ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
    });
    expect(findObject(objects, 'ServiceEntry', 'eks-pod-identity-agent').spec).toEqual({
      exportTo: ['.'],
      location: 'MESH_EXTERNAL',
      hosts: ['eks-pod-identity-agent.amazonaws.internal'],
      addresses: ['169.254.170.23/32'],
      resolution: 'STATIC',
      endpoints: [{ address: '169.254.170.23' }],
      ports: [{ number: 80, name: 'tcp-pod-identity', protocol: 'TCP' }],
    });
    expect(egress.hosts).toEqual([`${BUCKET}.s3.${REGION}.amazonaws.com`, `s3.${REGION}.amazonaws.com`]);
    expect(egress.podIdentityAgent).toBe(true);
  });

  test('defect 5, fixed in the pod: S3 model pods leave the agent out of the capture and ask for metrics merging', () => {
    const objects = synthChart((chart) => {
      const t = tenant(chart);
      model(chart, { modelName: 's3-model', source: ModelSource.s3({ bucket: BUCKET, prefix: 'm/', versionId: 'v1', region: REGION }) }, t);
      model(chart, { modelName: 'hf-model' }, t);
    });
    const annotations = (name: string) => findObjects(objects, 'Deployment').find((d) => d.metadata.name.startsWith(name))!.spec.template.metadata.annotations;
    expect(annotations('s3-model')).toMatchObject({
      ...MeshEgress.podIdentityCaptureExclusion(),
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': '8000',
      'prometheus.io/path': '/metrics',
    });
    expect(annotations('hf-model')[MeshEgress.EXCLUDE_OUTBOUND_IP_RANGES_ANNOTATION]).toBeUndefined();
    expect(MeshEgress.podIdentityCaptureExclusion()).toEqual({ 'traffic.sidecar.istio.io/excludeOutboundIPRanges': '169.254.170.23/32' });
  });

  test('the tenant NetworkPolicies under the mesh allow the same egress (TCP 443 out, TCP 80 to the agent)', () => {
    const objects = synthChart((chart) => {
      tenant(chart);
    });
    expect(findObject(objects, 'NetworkPolicy', 'allow-https-egress').spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    expect(findObject(objects, 'NetworkPolicy', 'allow-pod-identity-agent').spec.egress).toEqual([
      { to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] },
    ]);
  });

  test('other TLS hosts; the agent entry can be left out', () => {
    const objects = synthChart((chart) => {
      new MeshEgress(chart, 'E', { namespace: 'search', tlsHosts: ['huggingface.co', 'cdn-lfs.hf.co', 'huggingface.co'], podIdentityAgent: false, labels: { team: 'search' } });
    });
    expect(findObjects(objects, 'ServiceEntry')).toHaveLength(1);
    const se = findObject(objects, 'ServiceEntry', 'external-tls');
    expect(se.spec.hosts).toEqual(['cdn-lfs.hf.co', 'huggingface.co']);
    expect(se.metadata.labels.team).toBe('search');
    expect(registryAdmits(objects, 'search', agent)).toBe(false);
  });

  test.each([
    [{ namespace: 'Search' }, "'namespace' must be a DNS-1123 label", "got 'Search'"],
    [{ namespace: 's', s3Buckets: [{ bucket: 'Bad_Bucket', region: REGION }] }, "'s3Buckets.bucket' must be an S3 bucket name", "got 'Bad_Bucket'"],
    [{ namespace: 's', s3Buckets: [{ bucket: 'a..b', region: REGION }] }, "'s3Buckets.bucket' must be an S3 bucket name", "got 'a..b'"],
    [{ namespace: 's', s3Buckets: [{ bucket: BUCKET, region: 'useast' }] }, "'s3Buckets.region' must be an AWS region", "got 'useast'"],
    [{ namespace: 's', s3Buckets: [{ bucket: BUCKET, region: REGION }, { bucket: BUCKET, region: REGION }] }, "'s3Buckets' must not repeat a bucket", `got '${BUCKET}'`],
    [{ namespace: 's', tlsHosts: ['localhost'] }, "'tlsHosts' must be fully-qualified DNS names", "got 'localhost'"],
    [{ namespace: 's', podIdentityAgent: false }, "'s3Buckets' leaves the MeshEgress empty", 'got []'],
  ])('bad props %#', (props, message, got) => {
    expectValidationError(() => new MeshEgress(newChart(), 'E', props as any), [message, got]);
  });
});
