import { Size } from 'cdk8s';
import { PlatformLabels } from '../../src/core';
import { Tenant } from '../../src/k8s/tenancy/tenant';
import { findObject, findObjects, synthChart } from '../util';
import { expectValidationError } from './fixtures';

describe('Tenant defaults', () => {
  let objects: any[];
  let tenant: Tenant;
  beforeAll(() => {
    objects = synthChart((chart) => { tenant = new Tenant(chart, 'Search', { tenantName: 'search', gpuQuota: 4, environment: 'prod' }); });
  });

  test('namespace with PSA restricted, istio injection, tenant and GPU-entitlement labels', () => {
    const ns = findObject(objects, 'Namespace', 'search');
    expect(ns.metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/warn': 'restricted',
      'istio-injection': 'enabled',
      [PlatformLabels.TENANT]: 'search',
      [PlatformLabels.GPU_ENTITLED]: 'true',
      [PlatformLabels.ENVIRONMENT]: 'prod',
    });
    expect(tenant.gpuEntitled).toBe(true);
    expect(tenant.namespace).toBe('search');
  });

  test('ResourceQuota with GPUs, CPU, memory, pods, services, PVCs', () => {
    const q = findObject(objects, 'ResourceQuota', 'search-quota');
    expect(q.metadata.namespace).toBe('search');
    expect(q.spec.hard).toEqual({
      'requests.nvidia.com/gpu': '4',
      'limits.nvidia.com/gpu': '4',
      'requests.cpu': '104',
      'limits.cpu': '104',
      'requests.memory': '1056Gi',
      'limits.memory': '1056Gi',
      'pods': '50',
      'services': '20',
      'services.loadbalancers': '0',
      'services.nodeports': '0',
      'persistentvolumeclaims': '10',
    });
  });

  test('LimitRange defaults', () => {
    const lr = findObject(objects, 'LimitRange', 'search-defaults');
    expect(lr.spec.limits).toEqual([{ type: 'Container', default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '100m', memory: '256Mi' } }]);
  });

  test('default-deny plus explicit allows', () => {
    const names = findObjects(objects, 'NetworkPolicy').map((n) => n.metadata.name).sort();
    expect(names).toEqual(['allow-dns', 'allow-https-egress', 'allow-mesh-control-plane', 'allow-mesh-ingress', 'allow-monitoring-scrape',
      'allow-pod-identity-agent', 'allow-same-tenant', 'default-deny']);
    expect(findObject(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const dns = findObject(objects, 'NetworkPolicy', 'allow-dns').spec.egress[0];
    expect(dns.to[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'kube-system' });
    expect(dns.ports).toEqual([{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }]);
    expect(findObject(objects, 'NetworkPolicy', 'allow-same-tenant').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ [PlatformLabels.TENANT]: 'search' });
    expect(findObject(objects, 'NetworkPolicy', 'allow-mesh-ingress').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'istio-ingress' });
    expect(findObject(objects, 'NetworkPolicy', 'allow-monitoring-scrape').spec.ingress[0].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'monitoring' });
    expect(findObject(objects, 'NetworkPolicy', 'allow-mesh-control-plane').spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: 15012 }]);
    expect(findObject(objects, 'NetworkPolicy', 'allow-https-egress').spec.egress[0].to[0].ipBlock).toEqual({ cidr: '0.0.0.0/0', except: ['169.254.169.254/32'] });
    expect(findObject(objects, 'NetworkPolicy', 'allow-pod-identity-agent').spec.egress[0]).toEqual({ to: [{ ipBlock: { cidr: '169.254.170.23/32' } }], ports: [{ protocol: 'TCP', port: 80 }] });
  });

  test('admin and viewer Roles bound to groups; no exec, viewer cannot read Secrets', () => {
    const admin = findObject(objects, 'Role', 'search-admin');
    const viewer = findObject(objects, 'Role', 'search-viewer');
    const resources = (r: any) => r.rules.flatMap((x: any) => x.resources);
    expect(resources(admin)).toContain('secrets');
    expect(resources(viewer)).not.toContain('secrets');
    expect(resources(admin)).not.toContain('pods/exec');
    expect(viewer.rules.every((r: any) => r.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v)))).toBe(true);
    expect(findObject(objects, 'RoleBinding', 'search-admin').subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'search-admins' }]);
    expect(findObject(objects, 'RoleBinding', 'search-viewer').roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'search-viewer' });
  });
});

describe('Tenant options', () => {
  test('not GPU-entitled by default; explicit quotas, groups, istio revision, namespaces, egress opt-outs', () => {
    const objects = synthChart((chart) => {
      new Tenant(chart, 'Web', {
        tenantName: 'web',
        namespace: 'web-apps',
        cpuQuota: 4.5,
        memoryQuota: Size.gibibytes(16),
        podQuota: 10,
        serviceQuota: 2,
        pvcQuota: 0,
        adminGroups: ['web-owners', 'platform'],
        viewerGroups: ['everyone'],
        istioRevision: 'canary',
        meshIngressNamespace: 'gateways',
        meshControlPlaneNamespace: 'istio-cp',
        monitoringNamespace: 'observability',
        allowHttpsEgress: false,
        allowPodIdentityAgent: false,
      });
    });
    const ns = findObject(objects, 'Namespace', 'web-apps');
    expect(ns.metadata.labels[PlatformLabels.GPU_ENTITLED]).toBe('false');
    expect(ns.metadata.labels['istio.io/rev']).toBe('canary');
    expect(ns.metadata.labels['istio-injection']).toBeUndefined();
    const hard = findObject(objects, 'ResourceQuota', 'web-quota').spec.hard;
    expect(hard).toMatchObject({ 'requests.nvidia.com/gpu': '0', 'requests.cpu': '4500m', 'limits.memory': '16Gi', 'pods': '10', 'services': '2', 'persistentvolumeclaims': '0' });
    expect(findObjects(objects, 'NetworkPolicy').map((n) => n.metadata.name)).not.toContain('allow-https-egress');
    expect(findObjects(objects, 'NetworkPolicy').map((n) => n.metadata.name)).not.toContain('allow-pod-identity-agent');
    expect(findObject(objects, 'NetworkPolicy', 'allow-mesh-ingress').spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('gateways');
    expect(findObject(objects, 'NetworkPolicy', 'allow-monitoring-scrape').spec.ingress[0].from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('observability');
    expect(findObject(objects, 'NetworkPolicy', 'allow-mesh-control-plane').spec.egress[0].to[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']).toBe('istio-cp');
    expect(findObject(objects, 'RoleBinding', 'web-admin').subjects.map((s: any) => s.name)).toEqual(['platform', 'web-owners']);
  });

  test('fromTenantAttributes', () => {
    const t = Tenant.fromTenantAttributes({ tenantName: 'chat' });
    expect(t).toEqual({ tenantName: 'chat', namespace: 'chat', gpuQuota: 0, gpuEntitled: false, environment: undefined });
  });
});

describe('Tenant bad input', () => {
  test('names and quotas', () => {
    synthChart((chart) => {
      expectValidationError(() => new Tenant(chart, 'A', { tenantName: 'Search' }), 'tenantName', "'Search'");
      expectValidationError(() => new Tenant(chart, 'B', { tenantName: 'b', namespace: 'b_ns' }), 'namespace', "'b_ns'");
      expectValidationError(() => new Tenant(chart, 'C', { tenantName: 'c', gpuQuota: -1 }), 'gpuQuota', '-1');
      expectValidationError(() => new Tenant(chart, 'D', { tenantName: 'd', gpuQuota: 1.5 }), 'gpuQuota', '1.5');
      expectValidationError(() => new Tenant(chart, 'E', { tenantName: 'e', cpuQuota: 0 }), 'cpuQuota', '0');
      expectValidationError(() => new Tenant(chart, 'F', { tenantName: 'f', podQuota: 0 }), 'podQuota', '0');
      expectValidationError(() => new Tenant(chart, 'G', { tenantName: 'g', adminGroups: [] }), 'adminGroups', '[]');
      expectValidationError(() => new Tenant(chart, 'H', { tenantName: 'h', viewerGroups: [' x'] }), 'viewerGroups', '[" x"]');
      expectValidationError(() => new Tenant(chart, 'I', { tenantName: 'i', istioRevision: 'Canary' }), 'istioRevision', "'Canary'");
      expectValidationError(() => new Tenant(chart, 'J', { tenantName: 'j', environment: 'prod env' }), 'environment.llm-platform.io/environment', "'prod env'");
      expectValidationError(() => Tenant.fromTenantAttributes({ tenantName: 'k', gpuQuota: -2 }), 'gpuQuota', '-2');
    });
  });
});
