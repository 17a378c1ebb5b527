/**
 * Issue 12, the gitops part: each defect built broken, then fixed.
 */
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart, Testing } from 'cdk8s';
import * as YAML from 'yaml';
import {
  ArgoCdHealthCheck, BootstrapApplication, ChartRepository, GitOpsContract, GitOpsLayout, IPlatformAddon, LayoutSelection,
  PlatformAddon, PlatformAddons, PlatformApplicationSet, PlatformComponentApplication, PlatformProject, SyncWave, TenantProject,
} from '../../src/gitops';
import { KubernetesPlatform } from '../../src/platform';
import { ADDON_MIRRORS, smallSpec, validationErrorOf } from '../platform/fixtures';
import { expectValidManifests, findObject, findObjects, synthChart, tempDir } from '../util';
import { exampleLayout, expectValidationError, REPO } from './helpers';

const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';
const pin = (name: string, hex = 'a') => `${ECR}/mirror/${name}@sha256:${hex.repeat(64)}`;

function addonsChart(addons: IPlatformAddon[], extra: any = {}): { objects: any[]; addons: PlatformAddons } {
  const layout = exampleLayout();
  let built: PlatformAddons | undefined;
  const objects = synthChart((c) => {
    const project = new PlatformProject(c, 'platform', { layout });
    built = new PlatformAddons(c, 'prod', { layout, project, environment: 'prod', addons, ...extra });
  });
  return { objects, addons: built! };
}

const app = (objects: any[], name: string) => findObject(objects, 'Application', `prod-${name}`);
const values = (objects: any[], name: string) => app(objects, name).spec.source.helm.valuesObject;
const waveOf = (o: any) => Number(o.metadata.annotations['argocd.argoproj.io/sync-wave']);

describe('defect 2: PSA restricted tenant namespaces need the Istio CNI node agent', () => {
  test('broken: istiod without CNI injects istio-init (NET_ADMIN/NET_RAW), which Pod Security baseline and restricted refuse', () => {
    const { objects } = addonsChart([PlatformAddon.istioBase(), PlatformAddon.istiod({ cni: false })]);
    expect(values(objects, 'istiod').pilot.cni).toEqual({ enabled: false });
    expect(findObjects(objects, 'Application').map((a) => a.metadata.name)).not.toContain('prod-istio-cni');
    // the pinned injection template: without pilot.cni.enabled the init container is istio-init
    const template = fs.readFileSync(path.join(__dirname, '../../schemas/upstream/istio/injection-template.yaml'), 'utf8');
    expect(template).toMatch(/\{\{ if \.Values\.pilot\.cni\.enabled -\}\}\s*- name: istio-validation\s*\{\{ else -\}\}\s*- name: istio-init/);
  });

  test('fixed: the cni chart 1.30.3 in istio-system (chained, ambient off), istiod with pilot.cni.enabled, waves base -> cni -> istiod', () => {
    const { objects } = addonsChart([PlatformAddon.istioBase(), PlatformAddon.istioCni(), PlatformAddon.istiod()]);
    const cni = app(objects, 'istio-cni');
    expect(cni.spec.source).toMatchObject({ repoURL: 'https://istio-release.storage.googleapis.com/charts', chart: 'cni', targetRevision: '1.30.3' });
    expect(cni.spec.destination.namespace).toBe('istio-system');
    expect(values(objects, 'istio-cni')).toEqual({ chained: true, ambient: { enabled: false }, repair: { enabled: true }, excludeNamespaces: ['kube-system'] });
    expect(values(objects, 'istiod').pilot.cni).toEqual({ enabled: true });
    expect(waveOf(app(objects, 'istio-base'))).toBe(SyncWave.CRD_OPERATORS);
    expect(waveOf(cni)).toBe(SyncWave.NETWORK);
    expect(waveOf(app(objects, 'istiod'))).toBe(SyncWave.CONTROLLERS);
    // the node agent uses hostPath volumes: istio-system enforces the privileged level (Istio's PSA page)
    for (const name of ['istio-base', 'istio-cni', 'istiod']) {
      expect(app(objects, name).spec.syncPolicy.managedNamespaceMetadata.labels).toEqual({
        'pod-security.kubernetes.io/enforce': 'privileged', 'pod-security.kubernetes.io/enforce-version': 'latest', 'app.kubernetes.io/managed-by': 'cdk-llm-platform',
      });
    }
    // the vendored chart at the pin: the defaults the add-on sets explicitly
    const chartValues = YAML.parse(fs.readFileSync(path.join(__dirname, '../../schemas/upstream/charts/cni-1.30.3/values.yaml'), 'utf8'))._internal_defaults_do_not_set;
    expect(chartValues.chained).toBe(true);
    expect(chartValues.ambient.enabled).toBe(false);
    expect(chartValues.global.tag).toBe('1.30.3');
  });

  test('istiod with CNI but no istio-cni add-on, or the CNI synced before Istio base, is refused', () => {
    const layout = exampleLayout();
    const chart = new Chart(Testing.app(), 't');
    const addons = new PlatformAddons(chart, 'prod', { layout, project: new PlatformProject(chart, 'p', { layout }), environment: 'prod', addons: [PlatformAddon.istioBase(), PlatformAddon.istiod()] });
    expectValidationError(() => addons.validateDependencies(), "'istiod.dependsOn' names an add-on that is not installed, got 'istio-cni'; add the 'istio-cni' add-on");
    const early: IPlatformAddon = { bind: (s, c) => ({ ...PlatformAddon.istioCni().bind(s, c), wave: SyncWave.CRD_OPERATORS }) };
    expectValidationError(() => addonsChart([PlatformAddon.istioBase(), early]), "'istio-cni.wave' must be later than the wave of 'istio-base' (wave 10)");
    expectValidationError(() => PlatformAddon.istioCni({ excludeNamespaces: ['Kube_System'] }), "'excludeNamespaces[0]'");
  });

  test('istiod takes the meshConfig the mesh needs: extension providers, registry-only egress, metrics merging, proxy defaults', () => {
    const { objects } = addonsChart([PlatformAddon.istioBase(), PlatformAddon.istioCni(), PlatformAddon.istiod({
      extensionProviders: [
        { name: 'otel-tracing', openTelemetryTracing: { service: 'otel-gateway-collector.observability.svc.cluster.local', port: 4317 } },
        { name: 'otel', openTelemetryAccessLog: { service: 'otel-gateway-collector.observability.svc.cluster.local', port: 4317 } },
        { name: 'prom', prometheus: true },
      ],
      enablePrometheusMerge: false,
      defaultConfig: { holdApplicationUntilProxyStarts: true, proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true' } },
    })]);
    expect(values(objects, 'istiod').meshConfig).toEqual({
      enableAutoMtls: true,
      accessLogFile: '/dev/stdout',
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      enablePrometheusMerge: false,
      extensionProviders: [
        { name: 'otel-tracing', opentelemetry: { service: 'otel-gateway-collector.observability.svc.cluster.local', port: 4317 } },
        { name: 'otel', envoyOtelAls: { service: 'otel-gateway-collector.observability.svc.cluster.local', port: 4317 } },
        { name: 'prom', prometheus: {} },
      ],
      defaultConfig: { holdApplicationUntilProxyStarts: true, proxyMetadata: { ISTIO_META_DNS_CAPTURE: 'true' } },
    });
    const svc = 'otel.observability.svc.cluster.local';
    expectValidationError(() => PlatformAddon.istiod({ extensionProviders: [{ name: 'x' }] }), "'extensionProviders[0]' must set exactly one of");
    expectValidationError(() => PlatformAddon.istiod({ extensionProviders: [{ name: 'x', prometheus: true, openTelemetryTracing: { service: svc, port: 4317 } }] }), 'exactly one');
    expectValidationError(() => PlatformAddon.istiod({ extensionProviders: [{ name: 'x', openTelemetryTracing: { service: svc, port: 0 } }] }), "'extensionProviders[0].openTelemetryTracing.port' must be a port number");
    expectValidationError(() => PlatformAddon.istiod({ extensionProviders: [{ name: 'x', openTelemetryAccessLog: { service: 'a b', port: 1 } }] }), "'extensionProviders[0].openTelemetryAccessLog.service'");
    expectValidationError(() => PlatformAddon.istiod({ extensionProviders: [{ name: '-x', prometheus: true }] }), "'extensionProviders[0].name' must be a provider name");
    expectValidationError(() => PlatformAddon.istiod({ extensionProviders: [{ name: 'p', prometheus: true }, { name: 'p', prometheus: true }] }), "'extensionProviders' must name each provider once");
  });
});

describe('defect 6: KServe creates a raw Ingress without TLS', () => {
  test('broken: createIngress lets KServe create an Ingress per InferenceService', () => {
    const { objects } = addonsChart([PlatformAddon.kserveCrds(), PlatformAddon.certManager(), PlatformAddon.kserve({ createIngress: true })]);
    expect(values(objects, 'kserve').kserve.controller.gateway).toEqual({ disableIngressCreation: false });
  });

  test('fixed by default: kserve.controller.gateway.disableIngressCreation (kserve-resources v0.19.0 values.yaml)', () => {
    const { objects } = addonsChart([PlatformAddon.kserveCrds(), PlatformAddon.certManager(), PlatformAddon.kserve()]);
    expect(values(objects, 'kserve').kserve.controller).toEqual({ deploymentMode: 'Standard', gateway: { disableIngressCreation: true } });
  });
});

describe('defect 8: PyTorchJobs need the training operator, its whitelist entry and a compliant init container', () => {
  test('broken: tenants with PyTorchJobs and no operator providing the CRD are refused', () => {
    const layout = exampleLayout();
    const chart = new Chart(Testing.app(), 't');
    const addons = new PlatformAddons(chart, 'prod', { layout, project: new PlatformProject(chart, 'p', { layout }), environment: 'prod', addons: [] });
    addons.addCrdConsumer({ name: 'tenants', wave: SyncWave.TENANT_APPS, requiresCrds: ['pytorchjobs.kubeflow.org'] });
    expectValidationError(() => addons.validateDependencies(), "'tenants.requiresCrds' needs a CRD no add-on provides, got 'pytorchjobs.kubeflow.org'");
  });

  test('fixed: the v1.9.4 kustomization from kubeflow/trainer, patched so the workers\' init container is compliant and mirrored', () => {
    const init = pin('library/alpine', 'b');
    const operator = pin('kubeflow/training-operator', 'c');
    const { objects } = addonsChart([PlatformAddon.trainingOperator({ images: { 'pytorch-init': init, 'training-operator': operator } })]);
    const to = app(objects, 'training-operator');
    expect(to.spec.source.repoURL).toBe('https://github.com/kubeflow/trainer.git');
    expect(to.spec.source.path).toBe('manifests/overlays/standalone');
    expect(to.spec.source.targetRevision).toBe('v1.9.4');
    expect(to.spec.source.helm).toBeUndefined();
    expect(to.spec.destination.namespace).toBe('kubeflow');
    expect(to.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true', 'ServerSideApply=true']);
    expect(to.metadata.finalizers).toBeUndefined(); // deleting the Application keeps the CRDs and every job
    expect(to.spec.source.kustomize.images).toEqual([`ghcr.io/kubeflow/training-v1/training-operator=${operator}`]);
    const [deployment, namespace] = to.spec.source.kustomize.patches;
    expect(namespace).toEqual({ target: { kind: 'Namespace', name: 'kubeflow' }, patch: expect.stringContaining('$patch: delete') });
    expect(deployment.target).toEqual({ kind: 'Deployment', name: 'training-operator' });
    const patch = YAML.parse(deployment.patch);
    const container = patch.spec.template.spec.containers[0];
    expect(container.name).toBe('training-operator');
    expect(container.args).toEqual([`--pytorch-init-container-image=${init}`, '--pytorch-init-container-template-file=/etc/config/initContainer.yaml', '--pytorch-init-container-max-tries=100']);
    expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } });
    expect(container.resources.limits).toEqual({ cpu: '500m', memory: '512Mi' });
    expect(patch.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    // the template file is projected from a pod annotation (downward API), so no other object has to exist first
    const volume = patch.spec.template.spec.volumes[0];
    expect(volume.downwardAPI.items[0]).toEqual({ path: 'initContainer.yaml', fieldRef: { fieldPath: "metadata.annotations['llm-platform.io/pytorch-init-container-template']" } });
    expect(container.volumeMounts).toEqual([{ name: volume.name, mountPath: '/etc/config', readOnly: true }]);
    // a literal block: the template text reaches the file byte for byte (kustomize re-parses the patch with Go's YAML)
    expect(deployment.patch).toContain('llm-platform.io/pytorch-init-container-template: |\n');
    expect(patch.spec.template.metadata.annotations['llm-platform.io/pytorch-init-container-template']).toMatch(/^- name: init-pytorch\n {2}image: \{\{\.InitContainerImage\}\}\n/);
    // the init container the operator renders from it (the operator's Go template fields filled in)
    const rendered = YAML.parse(patch.spec.template.metadata.annotations['llm-platform.io/pytorch-init-container-template']
      .replace('{{.InitContainerImage}}', init).replace('{{.MaxTries}}', '100').replace('{{.MasterAddr}}', 'support-lora-master-0'));
    expect(rendered).toHaveLength(1);
    expect(rendered[0]).toMatchObject({
      name: 'init-pytorch',
      image: init,
      resources: { limits: { cpu: '100m', memory: '20Mi' }, requests: { cpu: '50m', memory: '10Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' },
      },
    });
    expect(rendered[0].command[2]).toContain('nslookup support-lora-master-0');
  });

  test('the operator provides the PyTorchJob CRD in the controllers wave, before tenants', () => {
    const { objects, addons } = addonsChart([PlatformAddon.trainingOperator()]);
    addons.addCrdConsumer({ name: 'tenants', wave: SyncWave.TENANT_APPS, requiresCrds: ['pytorchjobs.kubeflow.org'] });
    addons.validateDependencies();
    expect(waveOf(app(objects, 'training-operator'))).toBe(SyncWave.CONTROLLERS);
    // unpinned, the patch passes the operator's own default init image (pkg/config/config.go)
    const patch = YAML.parse(app(objects, 'training-operator').spec.source.kustomize.patches[0].patch);
    expect(patch.spec.template.spec.containers[0].args[0]).toBe('--pytorch-init-container-image=alpine:3.10');
    expect(app(objects, 'training-operator').spec.source.kustomize.images).toBeUndefined();
    expectValidationError(() => PlatformAddon.trainingOperator({ initContainerMaxTries: 0 }), "'initContainerMaxTries' must be a positive integer");
    expectValidationError(() => ChartRepository.git('git@github.com:kubeflow/trainer.git'), "'url' must be one https Git repository URL");
  });

  test('the tenant project whitelists exactly the kinds the tenant\'s objects use (PyTorchJob once it fine-tunes)', () => {
    const layout = exampleLayout();
    const tenantChart = (withJob: boolean) => {
      const c = new Chart(Testing.app(), 'search');
      new ApiObject(c, 'd', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'm', namespace: 'search' } });
      if (withJob) new ApiObject(c, 'j', { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'lora', namespace: 'search' } });
      return c;
    };
    const whitelist = (withJob: boolean) => findObject(synthChart((c) => {
      new TenantProject(c, 'search', { layout, tenant: 'search', resources: [] }).allowKindsOf(tenantChart(withJob));
    }), 'AppProject').spec.namespaceResourceWhitelist;
    expect(whitelist(false)).toEqual([{ group: 'apps', kind: 'Deployment' }]);
    // a tenant with no objects gets an empty list, which Argo CD reads as "nothing" (an absent list would allow
    // every namespaced kind: argoproj/argo-cd v3.5.1 pkg/apis/application/v1alpha1/app_project_types.go IsGroupKindNamePermitted)
    const empty = findObject(synthChart((c) => {
      new TenantProject(c, 'search', { layout, tenant: 'search', resources: [] }).allowKindsOf(new Chart(Testing.app(), 'nothing'));
    }), 'AppProject').spec;
    expect(empty.namespaceResourceWhitelist).toEqual([]);
    expect(whitelist(true)).toEqual([{ group: 'apps', kind: 'Deployment' }, { group: 'kubeflow.org', kind: 'PyTorchJob' }]);
    // objects added after the project still count (read at synth)
    const late = tenantChart(false);
    const objects = synthChart((c) => {
      new TenantProject(c, 'search', { layout, tenant: 'search', resources: [] }).allowKindsOf(late);
      new ApiObject(late, 'j', { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', metadata: { name: 'lora', namespace: 'search' } });
    });
    expect(findObject(objects, 'AppProject').spec.namespaceResourceWhitelist).toContainEqual({ group: 'kubeflow.org', kind: 'PyTorchJob' });
    // cluster-scoped objects and RBAC (without allowRbac) in a tenant chart are reported at synth
    const bad = new Chart(Testing.app(), 'bad');
    new ApiObject(bad, 'cr', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'x' } });
    new ApiObject(bad, 'r', { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'y', namespace: 'search' } });
    const chart = new Chart(Testing.app(), 'argocd');
    const project = new TenantProject(chart, 'search', { layout, tenant: 'search', resources: [] });
    project.allowKindsOf(bad);
    const problems = project.node.validate().join('\n');
    expect(problems).toContain("'allowKindsOf' finds a cluster-scoped object, which tenant projects never allow, got 'ClusterRole x'; move it to a platform component");
    expect(problems).toContain("'allowKindsOf' finds an RBAC object without opting in, got 'Role y'");
    expect(project.namespacedResources).toEqual([]);
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'search', resources: [{ group: '*', kind: 'Deployment' }] })), "'resources[0]' must name one group and kind");
    expectValidationError(() => synthChart((c) => new TenantProject(c, 'x', { layout, tenant: 'search', resources: [{ group: 'rbac.authorization.k8s.io', kind: 'Role' }] })),
      "'resources[0]' grants RBAC kinds without opting in");
  });
});

describe('defect 15: bootstrap order only exists through an app-of-apps root with the Application health check', () => {
  function bootstrapTree(layout: GitOpsLayout, withRoot: boolean): { dir: string; objects: any[] } {
    const dir = tempDir('gitops-bootstrap-');
    const charts: Chart[] = [];
    for (const env of layout.environmentNames()) {
      for (const owner of ['tenancy', 'policies']) {
        const a = new App(layout.appProps(dir, env, owner));
        const c = new Chart(a, owner);
        if (owner === 'tenancy') new ApiObject(c, 'ns', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'llm-platform-policy' } });
        else new ApiObject(c, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'params', namespace: 'llm-platform-policy' }, data: { a: 'b' } });
        a.synth();
        charts.push(c);
      }
    }
    const a = new App(layout.bootstrapAppProps(dir));
    const argocd = new Chart(a, 'argocd');
    const project = new PlatformProject(argocd, 'platform', { layout });
    for (const c of charts) project.allowObjectsOf(c);
    if (withRoot) {
      for (const env of layout.environmentNames()) {
        new PlatformComponentApplication(argocd, `${env}-tenancy`, { layout, project, environment: env, component: 'tenancy', wave: SyncWave.TENANCY });
        new PlatformComponentApplication(argocd, `${env}-policies`, { layout, project, environment: env, component: 'policies', wave: SyncWave.POLICIES });
      }
      new BootstrapApplication(argocd, 'root', { layout, project });
    } else {
      new PlatformApplicationSet(argocd, 'components', { layout, selection: LayoutSelection.PLATFORM_COMPONENTS });
    }
    const objects = Testing.synth(argocd);
    expectValidManifests(objects);
    a.synth();
    return { dir, objects };
  }

  test('broken: one ApplicationSet generates tenancy and policies with no order between them, and nothing syncs the bootstrap directory', () => {
    const layout = exampleLayout({ tenants: [] });
    const { dir, objects } = bootstrapTree(layout, false);
    expect(findObjects(objects, 'Application')).toHaveLength(0);
    expect(findObjects(objects, 'ConfigMap')).toHaveLength(0);
    const report = GitOpsContract.verify(dir);
    expect(report.ok).toBe(true);
    expect(report.applications.every((x) => x.origin === 'ApplicationSet/platform-components')).toBe(true);
  });

  test('fixed: the root Application syncs the bootstrap directory, restores the health check first, tenancy before policies', () => {
    const layout = exampleLayout({ tenants: [] });
    const { dir, objects } = bootstrapTree(layout, true);
    const root = findObject(objects, 'Application', 'bootstrap');
    expect(root.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: 'argocd', directory: { recurse: false } });
    expect(root.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(root.spec.project).toBe('platform');
    expect(root.metadata.finalizers).toBeUndefined(); // deleting the root leaves the platform running
    expect(root.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true, allowEmpty: false });
    const cm = findObject(objects, 'ConfigMap', 'argocd-cm');
    expect(cm.metadata.namespace).toBe('argocd');
    expect(cm.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': String(SyncWave.ARGOCD_CONFIG), 'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false' });
    expect(Object.keys(cm.data)).toEqual(['resource.customizations.health.argoproj.io_Application']);
    // verbatim from argoproj/argo-cd v3.5.1 docs/operator-manual/health.md ("Argocd App")
    expect(cm.data[ArgoCdHealthCheck.CONFIG_KEY]).toBe('hs = {}\nhs.status = "Progressing"\nhs.message = ""\nif obj.status ~= nil then\n  if obj.status.health ~= nil then\n'
      + '    hs.status = obj.status.health.status\n    if obj.status.health.message ~= nil then\n      hs.message = obj.status.health.message\n    end\n  end\nend\nreturn hs\n');
    const tenancy = findObject(objects, 'Application', 'prod-tenancy');
    const policies = findObject(objects, 'Application', 'prod-policies');
    expect(waveOf(cm)).toBeLessThan(waveOf(findObject(objects, 'AppProject', 'platform')));
    expect(waveOf(tenancy)).toBeLessThan(waveOf(policies));
    expect(tenancy.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: 'prod/tenancy', directory: { recurse: false } });
    expect(tenancy.spec.destination).toEqual({ server: 'https://prod.eks.example.com', namespace: 'llm-platform-system' });
    expect(tenancy.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=false', 'PrunePropagationPolicy=foreground', 'PruneLast=true', 'ServerSideApply=true']);
    expect(tenancy.metadata.finalizers).toBeUndefined();
    const report = GitOpsContract.verify(dir);
    expect(report.toString()).toBe('GitOps contract holds: 5 applications over 5 directories');
    expect(report.applications.find((x) => x.name === 'bootstrap')!.path).toBe('argocd');
  });

  test('the health check can be left to the Argo CD installation; a directory synced by a component Application and an ApplicationSet is refused', () => {
    const layout = exampleLayout({ tenants: [] });
    const objects = synthChart((c) => new BootstrapApplication(c, 'root', { layout, project: new PlatformProject(c, 'p', { layout }), applicationHealthCheck: false, name: 'platform-root' }));
    expect(findObjects(objects, 'ConfigMap')).toHaveLength(0);
    expect(findObject(objects, 'Application', 'platform-root')).toBeDefined();
    expectValidationError(() => synthChart((c) => {
      const project = new PlatformProject(c, 'p', { layout });
      new PlatformComponentApplication(c, 'tenancy', { layout, project, environment: 'prod', component: 'tenancy' });
      new PlatformApplicationSet(c, 'components', { layout, selection: LayoutSelection.PLATFORM_COMPONENTS });
    }), "'directories' claims a directory already synced by Application 'prod-tenancy'");
    expectValidationError(() => synthChart((c) => new PlatformComponentApplication(c, 'x', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'prod', component: 'mesh' })),
      "'platformComponent' is not a platform component of the layout");
    expectValidationError(() => synthChart((c) => new PlatformComponentApplication(c, 'x', {
      layout, project: new PlatformProject(c, 'p', { layout }), environment: 'prod', component: 'tenancy', wave: 1.5,
    })), "'wave' must be an integer");
    const defaults = synthChart((c) => new PlatformComponentApplication(c, 'x', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'dev', component: 'policies', serverSideApply: false }));
    const policies = findObject(defaults, 'Application', 'dev-policies');
    expect(waveOf(policies)).toBe(SyncWave.PLATFORM_COMPONENTS);
    expect(policies.spec.syncPolicy.syncOptions).not.toContain('ServerSideApply=true');
  });
});

describe('defect 17: the platform project allows exactly what the add-ons and components need', () => {
  test('broken: the opt-out allows every namespace and every cluster kind', () => {
    const layout = exampleLayout();
    const p = findObject(synthChart((c) => new PlatformProject(c, 'p', { layout, unrestricted: true })), 'AppProject');
    expect(p.spec.destinations).toEqual([
      { server: 'https://kubernetes.default.svc', namespace: '*' },
      { server: 'https://prod.eks.example.com', namespace: '*' },
    ]);
    expect(p.spec.clusterResourceWhitelist).toEqual([{ group: '*', kind: '*' }]);
  });

  test('fixed: destinations and cluster kinds derived from the add-ons (from their charts) and the components\' objects', () => {
    const layout = exampleLayout();
    const component = new Chart(Testing.app(), 'policies');
    new ApiObject(component, 'vap', { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' } });
    new ApiObject(component, 'cm', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'params', namespace: 'llm-platform-policy' } });
    new ApiObject(component, 'cons', { apiVersion: 'constraints.gatekeeper.sh/v1beta1', kind: 'LlmImg001', metadata: { name: 'c' } });
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout, destinationNamespaces: ['extra'], clusterResources: [{ group: 'scheduling.k8s.io', kind: 'PriorityClass' }] });
      project.allowObjectsOf(component);
      new PlatformAddons(c, 'prod', { layout, project, environment: 'prod', addons: [PlatformAddon.certManager(), PlatformAddon.karpenter({ clusterName: 'c', interruptionQueue: 'q' })] });
    });
    const p = findObject(objects, 'AppProject');
    expect(p.spec.destinations.filter((d: any) => d.server === 'https://prod.eks.example.com').map((d: any) => d.namespace))
      .toEqual(['cert-manager', 'extra', 'kube-system', 'llm-platform-policy', 'llm-platform-system']);
    expect(p.spec.destinations[0]).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'argocd' });
    expect(p.spec.clusterResourceWhitelist).toEqual([
      { group: '', kind: 'Namespace' }, // cert-manager lets Argo CD create its namespace
      { group: 'admissionregistration.k8s.io', kind: 'MutatingWebhookConfiguration' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' },
      { group: 'admissionregistration.k8s.io', kind: 'ValidatingWebhookConfiguration' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' },
      { group: 'constraints.gatekeeper.sh', kind: 'LlmImg001' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding' },
      { group: 'scheduling.k8s.io', kind: 'PriorityClass' },
    ]);
    expectValidationError(() => synthChart((c) => new PlatformProject(c, 'p', { layout }).addDestinationNamespace('*')), "'namespace' must be one literal namespace, not a pattern");
    expectValidationError(() => synthChart((c) => new PlatformProject(c, 'p', { layout, destinationNamespaces: ['Bad_NS'] })), "'destinationNamespaces[0]'");
    expectValidationError(() => synthChart((c) => new PlatformProject(c, 'p', { layout }).addClusterResource({ group: '*', kind: '*' })), "'kind' must name one group and kind, not a pattern");
  });

  test('a component object in a namespace nobody registered is a GitOps contract finding', () => {
    const layout = exampleLayout({ tenants: [] });
    const dir = tempDir('gitops-project-');
    const a = new App(layout.appProps(dir, 'prod', 'tenancy'));
    const c = new Chart(a, 'tenancy');
    new ApiObject(c, 'q', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: 'search' } });
    a.synth();
    const b = new App(layout.bootstrapAppProps(dir));
    const argocd = new Chart(b, 'argocd');
    const project = new PlatformProject(argocd, 'platform', { layout });
    new PlatformComponentApplication(argocd, 'tenancy', { layout, project, environment: 'prod', component: 'tenancy' });
    b.synth();
    const report = GitOpsContract.verify(dir);
    expect(report.findings).toEqual([expect.objectContaining({ check: 'object-namespace', application: 'prod-tenancy' })]);
  });
});

describe('defect 1 (add-ons): add-on images mirrored and pinned by digest', () => {
  test('imagesOf names every image, its upstream reference and the chart values that set it', () => {
    expect(PlatformAddon.imagesOf('istiod')).toEqual([
      { name: 'pilot', upstream: 'docker.io/istio/pilot:1.30.3', reference: undefined, valuesPaths: ['image'] },
      { name: 'proxyv2', upstream: 'docker.io/istio/proxyv2:1.30.3', reference: undefined, valuesPaths: ['global.proxy.image', 'global.proxy_init.image'] },
    ]);
    expect(PlatformAddon.imagesOf('istio-base')).toEqual([]);
    expect(PlatformAddon.imagesOf('gatekeeper').map((i) => i.name)).toEqual(['gatekeeper', 'gatekeeper-crds', 'curl']);
    expect(PlatformAddon.catalogueNames()).toEqual(['aws-efa-k8s-device-plugin', 'aws-load-balancer-controller', 'cert-manager', 'dcgm-exporter', 'gatekeeper', 'gateway-api-crds',
      'inference-extension-crds', 'istio-base',
      'istio-cni', 'istio-ingress', 'istiod', 'karpenter', 'kserve', 'kserve-crd', 'keda',
      'kube-prometheus-stack', 'kyverno', 'nvidia-device-plugin', 'opentelemetry-operator', 'prometheus-operator-crds', 'sigstore-policy-controller', 'training-operator'].sort());
    expectValidationError(() => PlatformAddon.imagesOf('argo-cd'), "'addon' is not an add-on of the catalogue", "'argo-cd'");
  });

  test('pinned images go to the values paths each chart reads (checked with helm template at the pins)', () => {
    const { objects } = addonsChart([
      PlatformAddon.istioBase(), PlatformAddon.istioCni({ images: { 'install-cni': pin('istio/install-cni') } }),
      PlatformAddon.istiod({ images: { pilot: pin('istio/pilot'), proxyv2: pin('istio/proxyv2', 'b') } }),
      PlatformAddon.kyverno({ images: { kyverno: pin('kyverno/kyverno') } }),
      PlatformAddon.certManager({ images: { webhook: pin('jetstack/cert-manager-webhook') } }),
      PlatformAddon.prometheusOperatorCrds(),
      PlatformAddon.kubePrometheusStack({ images: { 'prometheus': pin('prometheus/prometheus:v3.6.0'), 'node-exporter': pin('prometheus/node-exporter') } }),
      PlatformAddon.karpenter({ clusterName: 'c', interruptionQueue: 'q', images: { controller: pin('karpenter/controller') } }),
      PlatformAddon.kserveCrds(), PlatformAddon.kserve({ images: { 'kube-rbac-proxy': pin('brancz/kube-rbac-proxy'), 'storage-initializer': pin('kserve/storage-initializer') } }),
    ]);
    expect(values(objects, 'istio-cni').image).toBe(pin('istio/install-cni'));
    expect(values(objects, 'istiod').image).toBe(pin('istio/pilot'));
    expect(values(objects, 'istiod').global).toEqual({ proxy: { image: pin('istio/proxyv2', 'b') }, proxy_init: { image: pin('istio/proxyv2', 'b') } });
    // kyverno's image helper prints <registry>/<repository>:<tag>: the digest rides on the tag
    expect(values(objects, 'kyverno').admissionController.container.image).toEqual({ registry: ECR, repository: 'mirror/kyverno/kyverno', tag: `v1.18.1@sha256:${'a'.repeat(64)}` });
    // cert-manager: repository (with host) + digest with its algorithm
    expect(values(objects, 'cert-manager').webhook.image).toEqual({ repository: `${ECR}/mirror/jetstack/cert-manager-webhook`, digest: `sha256:${'a'.repeat(64)}` });
    // kube-prometheus-stack: `sha` without the algorithm, the mirror's own tag when it has one; node-exporter: `digest` with it
    expect(values(objects, 'kube-prometheus-stack').prometheus.prometheusSpec.image).toEqual({ registry: ECR, repository: 'mirror/prometheus/prometheus', tag: 'v3.6.0', sha: 'a'.repeat(64) });
    expect(values(objects, 'kube-prometheus-stack')['prometheus-node-exporter'].image).toEqual({
      registry: ECR, repository: 'mirror/prometheus/node-exporter', tag: 'v1.9.1', digest: `sha256:${'a'.repeat(64)}`,
    });
    // the typed values stay next to the pinned images
    expect(values(objects, 'kube-prometheus-stack').prometheus.prometheusSpec.retention).toBe('15d');
    expect(values(objects, 'karpenter').controller.image).toEqual({ repository: `${ECR}/mirror/karpenter/controller`, tag: '1.14.1', digest: `sha256:${'a'.repeat(64)}` });
    expect(values(objects, 'kserve').kserve.controller).toMatchObject({ rbacProxyImage: pin('brancz/kube-rbac-proxy'), deploymentMode: 'Standard' });
    expect(values(objects, 'kserve').kserve.storage).toEqual({ image: `${ECR}/mirror/kserve/storage-initializer`, tag: `v0.19.0@sha256:${'a'.repeat(64)}` });
  });

  test('broken: with requirePinnedImages, every unpinned add-on image fails synth naming what to mirror', () => {
    const build = (addons: IPlatformAddon[]) => () => {
      const layout = exampleLayout();
      const chart = new Chart(Testing.app(), 't');
      const built = new PlatformAddons(chart, 'prod', {
        layout, project: new PlatformProject(chart, 'p', { layout }), environment: 'prod', addons, requirePinnedImages: true, allowedRegistries: [ECR],
      });
      // the construct reports the same problems when the app synthesizes
      expect(built.node.validate().length).toBeGreaterThan(0);
      built.validateImages();
    };
    expectValidationError(build([PlatformAddon.istioBase(), PlatformAddon.istioCni(), PlatformAddon.istiod({ images: { pilot: pin('istio/pilot') } })]),
      "'addons[istio-cni].images.install-cni' is not mirrored and pinned by digest (the admission policies refuse the add-on's pods), got 'docker.io/istio/install-cni:1.30.3'; "
      + `mirror docker.io/istio/install-cni:1.30.3 to ${ECR} and pass images: { 'install-cni': '<registry>/<path>@sha256:<digest>' } to the 'istio-cni' add-on `
      + "(in a PlatformSpec: images.addons['istio-cni/install-cni'])",
      "'addons[istiod].images.proxyv2' is not mirrored and pinned by digest");
    // a pinned image outside the allowed registries
    expectValidationError(build([PlatformAddon.keda({ images: { 'keda': `ghcr.io/kedacore/keda@sha256:${'a'.repeat(64)}`, 'metrics-apiserver': pin('m'), 'admission-webhooks': pin('w') } })]),
      "'addons[keda].images.keda' is not in an allowed registry", `mirror ghcr.io/kedacore/keda:2.20.2 to one of ${ECR}`);
  });

  test('fixed: everything pinned and mirrored passes; the lists say what is pinned and what is left', () => {
    const all = (addon: string) => Object.fromEntries(PlatformAddon.imagesOf(addon).map((i) => [i.name, pin(`${addon}/${i.name}`)]));
    const { addons } = addonsChart([PlatformAddon.istioBase(), PlatformAddon.istioCni({ images: all('istio-cni') }), PlatformAddon.istiod({ images: all('istiod') }),
      PlatformAddon.keda({ images: all('keda') })], { requirePinnedImages: true, allowedRegistries: [`${ECR}/`] });
    addons.validateImages();
    expect(addons.unpinnedImages).toEqual([]);
    expect(addons.images.map((i) => `${i.addon}/${i.name}`)).toEqual(['istio-cni/install-cni', 'istiod/pilot', 'istiod/proxyv2', 'keda/keda', 'keda/metrics-apiserver', 'keda/admission-webhooks']);
    // without requirePinnedImages (the layer's default) nothing is refused, but the list still says what to mirror
    const loose = addonsChart([PlatformAddon.keda()]).addons;
    loose.validateImages();
    expect(loose.unpinnedImages.map((i) => i.upstream)).toEqual(['ghcr.io/kedacore/keda:2.20.2', 'ghcr.io/kedacore/keda-metrics-apiserver:2.20.2', 'ghcr.io/kedacore/keda-admission-webhooks:2.20.2']);
  });

  test('bad image options are refused where they are given', () => {
    expectValidationError(() => PlatformAddon.istiod({ images: { proxy: pin('x') } }), "'images.proxy' is not an image of the 'istiod' add-on", 'use one of pilot, proxyv2');
    expectValidationError(() => PlatformAddon.istioBase({ images: { base: pin('x') } }), "the 'istio-base' add-on runs no image of its own");
    expectValidationError(() => PlatformAddon.istiod({ images: { pilot: 'docker.io/istio/pilot:1.30.3' } }), "'images.pilot' must be a reference pinned by digest", 'mirror docker.io/istio/pilot:1.30.3');
    expectValidationError(() => addonsChart([], { allowedRegistries: ['https://ecr'] }), "'allowedRegistries[0]' must be '<host>[/<path>]'");
  });
});

describe('defect 1 (add-ons), the platform: the reference default is sound', () => {
  test('a platform whose add-on images are not mirrored fails synth naming each image and its spec key; with them it synthesizes', () => {
    const error = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', { spec: smallSpec({ images: { ...smallSpec().images, addons: undefined } }) }).synth(tempDir()));
    expect(error.message).toContain("'addons[istiod].images.pilot' is not mirrored and pinned by digest");
    expect(error.message).toContain("images.addons['istiod/proxyv2']");
    expect(error.message).toContain("images.addons['istio-cni/install-cni']");
    const bad = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', {
      spec: smallSpec({ images: { ...smallSpec().images, addons: { 'argo-cd/server': `${ECR}/x@sha256:${'a'.repeat(64)}` } } }),
    }));
    expect(bad.message).toContain("'images.addons[argo-cd/server]' names no add-on of the catalogue");
    const withAddonImages = (addons: { [key: string]: string }) => smallSpec({ images: { ...smallSpec().images, addons } });
    const unknownImage = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', { spec: withAddonImages({ 'istiod/proxy': `${ECR}/x@sha256:${'a'.repeat(64)}` }) }));
    expect(unknownImage.message).toContain("'images.addons[istiod/proxy]' is not an image of the 'istiod' add-on, got 'istiod/proxy'; use one of istiod/pilot, istiod/proxyv2");
    const platform = new KubernetesPlatform(new App(), 'acme', { spec: smallSpec() });
    const argocd = platform.manifests().filter((m) => m.directory === 'argocd').map((m) => m.resource);
    const istiod = findObject(argocd, 'Application', 'dev-istiod').spec.source.helm.valuesObject;
    expect(istiod.image).toBe(ADDON_MIRRORS['istiod/pilot']);
    expect(istiod.pilot.cni).toEqual({ enabled: true });
    expect(findObject(argocd, 'Application', 'dev-istio-cni')).toBeDefined();
    expect(findObject(argocd, 'Application', 'bootstrap').spec.source.path).toBe('argocd');
    expect(findObject(argocd, 'ConfigMap', 'argocd-cm').data[ArgoCdHealthCheck.CONFIG_KEY]).toBe(ArgoCdHealthCheck.APPLICATION_HEALTH_LUA);
    const waves = Object.fromEntries(['tenancy', 'policies', 'gpu', 'mesh', 'observability'].map((c) => [c, waveOf(findObject(argocd, 'Application', `dev-${c}`))]));
    expect(waves).toEqual({
      tenancy: SyncWave.TENANCY,
      policies: SyncWave.POLICIES,
      gpu: SyncWave.PLATFORM_COMPONENTS,
      mesh: SyncWave.PLATFORM_COMPONENTS,
      observability: SyncWave.PLATFORM_COMPONENTS,
    });
    expect(findObjects(argocd, 'ApplicationSet').map((a) => a.metadata.name)).toEqual(['tenants']);
    const project = findObject(argocd, 'AppProject', 'platform');
    expect(project.spec.destinations.map((d: any) => d.namespace)).not.toContain('*');
    expect(project.spec.clusterResourceWhitelist).not.toContainEqual({ group: '*', kind: '*' });
    expect(findObject(argocd, 'AppProject', 'search').spec.namespaceResourceWhitelist).not.toContainEqual({ group: 'kubeflow.org', kind: 'PyTorchJob' });
  });
});
