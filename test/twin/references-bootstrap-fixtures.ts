import { ObjectIndex, TwinContext, TwinPod } from '../../src/twin/private/model';

/** Small hand-built twin contexts for the references and bootstrap tests. */

/** CRDs of the kinds the tests use, as if their add-ons were installed (no made-by: outside any Application). */
export const BASE_CRDS = [
  crd('networking.istio.io', 'VirtualService', 'virtualservices'), crd('networking.istio.io', 'DestinationRule', 'destinationrules'),
  crd('networking.istio.io', 'Gateway', 'gateways'), crd('networking.istio.io', 'ServiceEntry', 'serviceentries'),
  crd('telemetry.istio.io', 'Telemetry', 'telemetries'), crd('monitoring.coreos.com', 'PodMonitor', 'podmonitors'),
  crd('monitoring.coreos.com', 'ServiceMonitor', 'servicemonitors'), crd('monitoring.coreos.com', 'PrometheusRule', 'prometheusrules'),
  crd('monitoring.coreos.com', 'Prometheus', 'prometheuses'),
  crd('keda.sh', 'ScaledObject', 'scaledobjects', 'Namespaced', ['v1alpha1']), crd('cert-manager.io', 'Certificate', 'certificates'),
  crd('cert-manager.io', 'Issuer', 'issuers'), crd('cert-manager.io', 'ClusterIssuer', 'clusterissuers', 'Cluster'),
];

export function ctxOf(objects: any[], extra: { pods?: TwinPod[]; derived?: any[]; crds?: any[] } = {}): TwinContext {
  return {
    index: new ObjectIndex(objects),
    pods: extra.pods ?? [],
    derived: [...(extra.crds ?? BASE_CRDS), ...(extra.derived ?? [])],
    options: { pools: [], systemNamespaces: ['default', 'kube-node-lease', 'kube-public', 'kube-system'], registries: [], podIdentityServiceAccounts: [] },
  };
}

export function pod(namespace: string, labels: Record<string, string>, spec: any, owner = `Deployment ${namespace}/app`): TwinPod {
  return {
    owner,
    ownerObject: {},
    origin: 'controller',
    namespace,
    namePrefix: 'app-',
    templatePath: 'spec.template',
    minReplicas: 1,
    maxReplicas: 1,
    mutations: [],
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, labels }, spec },
  };
}

export function service(namespace: string, name: string, ports: any[], selector?: Record<string, string>, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace, labels }, spec: { ...(selector ? { selector } : {}), ports } };
}

export function madeBy(owner: string, o: any): any {
  return { ...o, metadata: { ...o.metadata, annotations: { ...(o.metadata?.annotations ?? {}), 'twin.llm-platform.io/made-by': owner } } };
}

export function crd(group: string, kind: string, plural: string, scope = 'Namespaced', versions = ['v1']): any {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: { group, scope, names: { kind, plural }, versions: versions.map((name) => ({ name, served: true, storage: name === versions[0] })) },
  };
}

export function application(name: string, spec: any, wave?: number): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd', ...(wave !== undefined ? { annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } } : {}) },
    spec: { project: 'platform', ...spec },
  };
}

export function chartApp(name: string, chart: string, namespace: string, wave: number, extra: any = {}): any {
  return application(name, {
    destination: { namespace, server: 'https://kubernetes.default.svc' },
    source: { repoURL: 'https://charts.example.com', chart, targetRevision: '1.0.0', helm: { releaseName: name, ...(extra.helm ?? {}) } },
    syncPolicy: { syncOptions: extra.syncOptions ?? ['CreateNamespace=true'] },
  }, wave);
}

export const REPO = 'https://git.example.com/acme/gitops.git';

/** An ApplicationSet with one git directories generator per entry (as the library's PlatformApplicationSet writes it). */
export interface GeneratorDir {
  readonly path: string;
  readonly namespace: string;
  readonly project: string;
  readonly ownerKind: string;
}

export function applicationSet(name: string, wave: number, generators: GeneratorDir[]): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'ApplicationSet',
    metadata: { name, namespace: 'argocd', annotations: { 'argocd.argoproj.io/sync-wave': String(wave) } },
    spec: {
      goTemplate: true,
      generators: generators.map((g) => ({ git: { repoURL: REPO, revision: 'main', directories: [{ path: g.path }], values: { environment: 'prod', namespace: g.namespace, project: g.project, ownerKind: g.ownerKind } } })),
      template: {
        metadata: { name: '{{.values.environment}}-{{.path.basename}}' },
        spec: {
          project: '{{.values.project}}',
          destination: { namespace: '{{.values.namespace}}', server: 'https://kubernetes.default.svc' },
          source: { repoURL: REPO, targetRevision: 'main', path: '{{.path.path}}' },
          syncPolicy: { syncOptions: ['CreateNamespace=false'] },
        },
      },
    },
  };
}

export function appProject(name: string, spec: any): any {
  return { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name, namespace: 'argocd' }, spec: { sourceRepos: [REPO], ...spec } };
}

export const PLATFORM_PROJECT = appProject('platform', {
  destinations: [{ namespace: '*', server: 'https://kubernetes.default.svc' }],
  clusterResourceWhitelist: [{ group: '*', kind: '*' }],
});

export function namespaceObject(name: string, labels: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

export function configMap(ns: string, name: string, data: Record<string, string> = {}): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data };
}
