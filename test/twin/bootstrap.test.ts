import {
  application, applicationSet, appProject, chartApp, configMap, crd, ctxOf, madeBy, namespaceObject, PLATFORM_PROJECT, REPO,
} from './references-bootstrap-fixtures';
import { argoModelOf, checkBootstrap, layoutDirectoryOf, recordLayoutDirectory } from '../../src/twin/private/bootstrap';

const SERVER = 'https://kubernetes.default.svc';
const root = application('root', { destination: { namespace: 'argocd', server: SERVER }, source: { repoURL: REPO, path: 'argocd', targetRevision: 'main' } });
const healthCheck = configMap('argocd', 'argocd-cm', {
  'resource.customizations.health.argoproj.io_Application': 'hs = {}\nhs.status = "Progressing"\nreturn hs\n',
});
const platformSet = (wave = 30) => applicationSet('platform-components', wave, [
  { path: 'prod/tenancy', namespace: 'llm-platform-system', project: 'platform', ownerKind: 'platform-component' },
  { path: 'prod/policies', namespace: 'llm-platform-system', project: 'platform', ownerKind: 'platform-component' },
]);
const istioBase = (wave: number) => chartApp('prod-istio-base', 'base', 'istio-system', wave);
const istioCrd = madeBy('Application argocd/prod-istio-base', crd('networking.istio.io', 'VirtualService', 'virtualservices'));
const vs = (dir?: string) => {
  const o = { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'v', namespace: 'default' }, spec: { hosts: ['x'] } };
  if (dir) recordLayoutDirectory(o, dir);
  return o;
};
const bootstrap = (objects: any[], derived: any[] = []) => checkBootstrap(ctxOf(objects, { derived, crds: [] }));

describe('order of Applications', () => {
  test('no root: the bootstrap directory is applied with kubectl, a CRD from another Application is not ordered', () => {
    const out = bootstrap([istioBase(10), platformSet(), PLATFORM_PROJECT, vs('prod/policies')], [istioCrd]);
    expect(out.summary[0]).toBe('order: no app-of-apps root: the bootstrap directory is applied with kubectl and every Application syncs at once (sync waves order nothing)');
    expect(out.findings).toEqual([{
      check: 'bootstrap',
      object: 'VirtualService default/v',
      field: 'apiVersion',
      problem: 'is applied before its CustomResourceDefinition exists (virtualservices.networking.istio.io comes from Application argocd/prod-istio-base, which nothing orders before Application prod-policies (ApplicationSet argocd/platform-components)): the sync fails until it does',
      value: 'networking.istio.io/v1',
      fix: 'emit an app-of-apps root Application for the bootstrap directory, add the argoproj.io/Application health check to argocd-cm and give prod-istio-base a lower sync wave than prod-policies',
    }]);
  });

  test('a root without the Application health check: waves do not wait for child Applications', () => {
    const out = bootstrap([root, istioBase(10), platformSet(), PLATFORM_PROJECT, vs('prod/policies')], [istioCrd]);
    expect(out.summary[0]).toBe('order: app-of-apps root Application argocd/root but no argoproj.io/Application health check in argocd-cm: waves do not wait for child Applications');
    expect(out.findings[0].fix).toBe('add the argoproj.io/Application health check (resource.customizations.health.argoproj.io_Application) to argocd-cm so the root waits for prod-istio-base');
  });

  test('a root with the health check orders a lower wave first; the same wave is not ordered', () => {
    const ok = bootstrap([root, healthCheck, istioBase(10), platformSet(30), PLATFORM_PROJECT, vs('prod/policies')], [istioCrd]);
    expect(ok.summary[0]).toBe('order: app-of-apps root Application argocd/root with the Application health check: Applications sync wave by wave');
    expect(ok.findings).toEqual([]);
    const same = bootstrap([root, healthCheck, istioBase(30), platformSet(30), PLATFORM_PROJECT, vs('prod/policies')], [istioCrd]);
    expect(same.findings[0].fix).toBe('give prod-istio-base a lower sync wave than prod-policies');
  });

  test('Argo CD\'s own configuration in the bootstrap directory is applied with the Applications, by no Application', () => {
    const cm = configMap('argocd', 'argocd-cm', { 'resource.customizations.health.argoproj.io_Application': 'x' });
    recordLayoutDirectory(cm, 'argocd');
    const model = argoModelOf(ctxOf([root, cm, platformSet(), PLATFORM_PROJECT]));
    expect(model.unitOf.get(cm)).toBeUndefined();
    expect(model.applicationHealthCheck).toBe(true);
    const unrecorded = configMap('argocd', 'argocd-rbac-cm');
    expect(argoModelOf(ctxOf([unrecorded, platformSet(), PLATFORM_PROJECT])).unitOf.get(unrecorded)).toBeUndefined();
  });

  test('the health check may come from the argo-cd chart values', () => {
    const argo = chartApp('argo-cd', 'argo-cd', 'argocd', 0, { helm: { valuesObject: { configs: { cm: { 'resource.customizations.health.argoproj.io_Application': 'x' } } } } });
    expect(argoModelOf(ctxOf([root, argo])).applicationHealthCheck).toBe(true);
    expect(argoModelOf(ctxOf([root])).applicationHealthCheck).toBe(false);
  });

  test('a CRD in the same Application needs no ordering; Argo CD kinds need none', () => {
    const localCrd = crd('networking.istio.io', 'VirtualService', 'virtualservices');
    recordLayoutDirectory(localCrd, 'prod/policies');
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, localCrd, vs('prod/policies')]);
    expect(out.findings).toEqual([]);
  });

  test('an ApplicationSet\'s Applications are never waited for, even with a root', () => {
    const crdInTenancy = crd('networking.istio.io', 'VirtualService', 'virtualservices');
    recordLayoutDirectory(crdInTenancy, 'prod/tenancy');
    const out = bootstrap([root, healthCheck, platformSet(), PLATFORM_PROJECT, crdInTenancy, vs('prod/policies')]);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0].fix).toBe('move the CRD virtualservices.networking.istio.io out of prod-tenancy into an Application ordered before prod-policies (nothing waits for an ApplicationSet\'s Applications), or into prod-policies itself');
  });
});

describe('namespaces', () => {
  const cm = (ns: string, dir: string) => {
    const o = configMap(ns, 'c');
    recordLayoutDirectory(o, dir);
    return o;
  };
  test('system namespaces, the Argo CD namespace and a Namespace of the same Application exist in time', () => {
    const ns = namespaceObject('team');
    recordLayoutDirectory(ns, 'prod/policies');
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, cm('kube-system', 'prod/policies'), cm('argocd', 'prod/policies'), ns, cm('team', 'prod/policies')]);
    expect(out.findings).toEqual([]);
  });

  test('a namespace made by another unordered Application is reported on the object', () => {
    const ns = namespaceObject('team');
    recordLayoutDirectory(ns, 'prod/tenancy');
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, ns, cm('team', 'prod/policies')]);
    expect(out.findings).toEqual([expect.objectContaining({
      object: 'ConfigMap team/c',
      field: 'metadata.namespace',
      value: 'team',
      problem: 'is applied into a namespace that does not exist yet: it is created by Application prod-tenancy (ApplicationSet argocd/platform-components), which nothing orders before Application prod-policies (ApplicationSet argocd/platform-components)',
    })]);
  });

  test('a namespace nothing creates is reported; CreateNamespace=true of a chart Application creates its destination', () => {
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, cm('ghost', 'prod/policies')]);
    expect(out.findings[0].problem).toBe('is applied into a namespace that does not exist yet: no Namespace object, CreateNamespace=true destination or system namespace provides it');
    expect(out.findings[0].fix).toBe('create Namespace ghost in this Application or one ordered before it');
    const chart = bootstrap([chartApp('prod-kserve', 'kserve', 'kserve', 20), PLATFORM_PROJECT]);
    expect(chart.findings).toEqual([]);
    const noCreate = bootstrap([chartApp('prod-kserve', 'kserve', 'kserve', 20, { syncOptions: [] }), PLATFORM_PROJECT]);
    expect(noCreate.findings[0]).toMatchObject({ object: 'Application argocd/prod-kserve', field: 'spec.destination.namespace', value: 'kserve' });
  });

  test('a later wave of the same Application is not in time', () => {
    const ns = namespaceObject('team');
    ns.metadata.annotations = { 'argocd.argoproj.io/sync-wave': '5' };
    recordLayoutDirectory(ns, 'prod/policies');
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, ns, cm('team', 'prod/policies')]);
    expect(out.findings[0].problem).toBe('is applied into a namespace that does not exist yet: it is created by a later wave of the same Application');
    expect(out.findings[0].fix).toBe('give Namespace team a lower sync wave (argocd.argoproj.io/sync-wave) than the objects that need it');
  });
});

describe('admission policy parameters (defect 15)', () => {
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: 'allowed-registries' },
    spec: { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, matchConstraints: { resourceRules: [] }, validations: [] },
  };
  const binding = (action?: string) => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: 'allowed-registries' },
    spec: { policyName: 'allowed-registries', validationActions: ['Deny'], paramRef: { name: 'allowed-registries', namespace: 'llm-platform-policy', ...(action ? { parameterNotFoundAction: action } : {}) } },
  });
  const place = (dir: string, ...objects: any[]) => objects.map((o) => {
    recordLayoutDirectory(o, dir);
    return o;
  });

  test('defect 15: the param ConfigMap lives in a namespace another unordered Application creates', () => {
    const objects = [platformSet(), PLATFORM_PROJECT, ...place('prod/tenancy', namespaceObject('llm-platform-policy')),
      ...place('prod/policies', policy, binding('Deny'), configMap('llm-platform-policy', 'allowed-registries'))];
    const out = bootstrap(objects);
    const f = out.findings.find((x) => x.object === 'ValidatingAdmissionPolicyBinding allowed-registries')!;
    expect(f).toEqual({
      check: 'bootstrap',
      object: 'ValidatingAdmissionPolicyBinding allowed-registries',
      field: 'spec.paramRef',
      problem: 'denies every request it matches (namespaces other than those it excludes) from when prod-policies applies it until its parameter ConfigMap llm-platform-policy/allowed-registries exists, and nothing guarantees it first: its namespace llm-platform-policy does not exist when prod-policies syncs (it is created by Application prod-tenancy (ApplicationSet argocd/platform-components), which nothing orders before Application prod-policies (ApplicationSet argocd/platform-components))',
      value: { name: 'allowed-registries', namespace: 'llm-platform-policy', parameterNotFoundAction: 'Deny' },
      fix: 'move Namespace llm-platform-policy out of prod-tenancy into an Application ordered before prod-policies (nothing waits for an ApplicationSet\'s Applications), or into prod-policies itself; or keep the parameter, its namespace and the binding in one Application, or set parameterNotFoundAction Allow',
    });
  });

  test('the param ConfigMap created by a later or unordered Application is reported', () => {
    const objects = [platformSet(), PLATFORM_PROJECT, ...place('prod/tenancy', configMap('kube-system', 'allowed-registries')),
      ...place('prod/policies', policy, { ...binding(), spec: { ...binding().spec, paramRef: { name: 'allowed-registries', namespace: 'kube-system' } } })];
    const f = bootstrap(objects).findings;
    expect(f).toHaveLength(1);
    expect(f[0].problem).toContain('nothing guarantees it first: ConfigMap kube-system/allowed-registries comes from Application prod-tenancy');
  });

  test('parameter, namespace and binding in one Application are in time; Allow never denies', () => {
    const together = [platformSet(), PLATFORM_PROJECT, ...place('prod/policies', namespaceObject('llm-platform-policy'), policy, binding('Deny'), configMap('llm-platform-policy', 'allowed-registries'))];
    expect(bootstrap(together).findings).toEqual([]);
    const allow = [platformSet(), PLATFORM_PROJECT, ...place('prod/tenancy', namespaceObject('llm-platform-policy')), ...place('prod/policies', policy, binding('Allow'))];
    expect(bootstrap(allow).findings).toEqual([]);
  });

  test('a parameter the output never creates denies forever', () => {
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, ...place('prod/policies', policy, binding())]);
    expect(out.findings[0].problem).toBe('denies every request it matches: its parameter ConfigMap llm-platform-policy/allowed-registries is not in the output (parameterNotFoundAction Deny)');
  });

  test('parameters chosen by selector are not modelled', () => {
    const sel = { ...binding(), spec: { ...binding().spec, paramRef: { selector: { matchLabels: { a: 'b' } }, parameterNotFoundAction: 'Deny' } } };
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, ...place('prod/policies', policy, sel)]);
    expect(out.findings).toEqual([]);
    expect(out.notModelled).toContain('ValidatingAdmissionPolicyBinding allowed-registries spec.paramRef: parameters chosen by selector are not modelled');
  });
});

describe('fail-closed webhooks', () => {
  const webhook = (failurePolicy: string, namespaceSelector?: any) => madeBy('Application argocd/prod-kserve', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: 'inferenceservice.serving.kserve.io' },
    webhooks: [{
      name: 'inferenceservice.kserve-webhook-server.validator',
      failurePolicy,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      clientConfig: { service: { namespace: 'kserve', name: 'kserve-webhook-server-service' } },
      rules: [{ apiGroups: ['serving.kserve.io'], apiVersions: ['v1beta1'], operations: ['CREATE', 'UPDATE'], resources: ['inferenceservices'] }],
      ...(namespaceSelector ? { namespaceSelector } : {}),
    }],
  });
  const isvc = () => {
    const o = { apiVersion: 'serving.kserve.io/v1beta1', kind: 'InferenceService', metadata: { name: 'llama', namespace: 'support' }, spec: {} };
    recordLayoutDirectory(o, 'prod/support');
    return o;
  };
  const tenants = applicationSet('tenants', 40, [{ path: 'prod/support', namespace: 'support', project: 'support', ownerKind: 'tenant' }]);
  const support = appProject('support', { destinations: [{ namespace: 'support', server: SERVER }] });
  const kserve = chartApp('prod-kserve', 'kserve-resources', 'kserve', 20);
  const ns = namespaceObject('support', { tenant: 'support' });
  recordLayoutDirectory(ns, 'prod/support');

  test('an object a Fail webhook of an unordered add-on matches is reported', () => {
    const f = bootstrap([kserve, tenants, support, PLATFORM_PROJECT, ns, isvc()], [webhook('Fail')]).findings;
    expect(f).toEqual([{
      check: 'bootstrap',
      object: 'InferenceService support/llama',
      field: '',
      problem: "is rejected when applied before prod-kserve's webhook server runs: ValidatingWebhookConfiguration inferenceservice.serving.kserve.io webhook 'inferenceservice.kserve-webhook-server.validator' fails closed (failurePolicy Fail) and Application argocd/prod-kserve is not ordered before Application prod-support (ApplicationSet argocd/tenants)",
      value: 'kserve/kserve-webhook-server-service',
      fix: 'emit an app-of-apps root Application for the bootstrap directory, add the argoproj.io/Application health check to argocd-cm and give prod-kserve a lower sync wave than prod-support',
    }]);
  });

  test('Ignore, a namespaceSelector that excludes it, or ordering clear it', () => {
    expect(bootstrap([kserve, tenants, support, PLATFORM_PROJECT, ns, isvc()], [webhook('Ignore')]).findings).toEqual([]);
    expect(bootstrap([kserve, tenants, support, PLATFORM_PROJECT, ns, isvc()], [webhook('Fail', { matchLabels: { tenant: 'other' } })]).findings).toEqual([]);
    expect(bootstrap([kserve, tenants, support, PLATFORM_PROJECT, ns, isvc()], [webhook('Fail', { matchLabels: { tenant: 'support' } })]).findings).toHaveLength(1);
    expect(bootstrap([root, healthCheck, kserve, tenants, support, PLATFORM_PROJECT, ns, isvc()], [webhook('Fail')]).findings).toEqual([]);
  });
});

describe('malformed objects', () => {
  test('are read as data: missing or mistyped lists never crash the check', () => {
    const broken = [
      { ...platformSet(), spec: { generators: [null, { git: { directories: [null, { path: 'prod/x' }] } }], template: null } },
      { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name: 'b' }, spec: { paramRef: {} } },
      application('odd', { sources: 'x', syncPolicy: { syncOptions: 'CreateNamespace=true' } }),
      { kind: 'Namespace' },
    ];
    const derived = [madeBy('Application argocd/odd', { kind: 'ValidatingWebhookConfiguration', metadata: { name: 'w' }, webhooks: [null, { clientConfig: { service: {} }, rules: 'x' }] })];
    expect(() => bootstrap(broken, derived)).not.toThrow();
  });
});

describe('steps and summary', () => {
  test('one line per step in wave order, with charts, CRDs and objects', () => {
    const derived = [madeBy('Application argocd/prod-istio-base', crd('networking.istio.io', 'Gateway', 'gateways')), istioCrd];
    const tenancyNs = namespaceObject('team');
    recordLayoutDirectory(tenancyNs, 'prod/tenancy');
    const out = bootstrap([istioBase(-1), platformSet(), PLATFORM_PROJECT, tenancyNs], derived);
    expect(out.summary.slice(1)).toEqual([
      'wave -1: prod-istio-base (chart base, CRDs: 2)',
      'wave 30: prod-policies (from ApplicationSet argocd/platform-components)',
      'wave 30: prod-tenancy (objects: 1, from ApplicationSet argocd/platform-components)',
    ]);
    expect(out.checked).toBe(3);
    expect(out.passed).toBe(3);
  });

  test('a step with problems says how many, and is not counted as passed', () => {
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, vs('prod/policies')]);
    expect(out.summary).toContain('wave 30: prod-policies (objects: 1, from ApplicationSet argocd/platform-components)');
    const bad = bootstrap([istioBase(10), platformSet(), PLATFORM_PROJECT, vs('prod/policies')], [istioCrd]);
    expect(bad.summary).toContain('wave 30: prod-policies (objects: 1, from ApplicationSet argocd/platform-components) - 1 problem(s)');
    expect(bad.passed).toBe(bad.checked - 1);
  });

  test('an AppProject the output never creates is reported', () => {
    const out = bootstrap([chartApp('prod-x', 'x', 'x', 10)]);
    expect(out.findings).toEqual([expect.objectContaining({ object: 'Application argocd/prod-x', field: 'spec.project', value: 'platform' })]);
  });

  test('objects without a recorded directory: one step for the ApplicationSet\'s Applications, said in notModelled', () => {
    const cm = configMap('kube-system', 'c');
    const out = bootstrap([platformSet(), PLATFORM_PROJECT, cm]);
    expect(layoutDirectoryOf(cm)).toBeUndefined();
    expect(out.summary).toContain('wave 30: prod-tenancy|prod-policies (directories not known) (objects: 1, from ApplicationSet argocd/platform-components)');
    expect(out.notModelled).toContain('1 object(s) are not mapped to a layout directory: each is assumed synced by the first Application of the layout whose AppProject permits it, or together with the other objects of its ApplicationSet (record their directories to check their order)');
  });

  test('generators other than git directories are not modelled', () => {
    const list = { ...platformSet(), spec: { ...platformSet().spec, generators: [{ list: { elements: [] } }] } };
    expect(bootstrap([list]).notModelled).toEqual(['ApplicationSet argocd/platform-components spec.generators[0]: only git directory generators are modelled']);
  });

  test('an Application of another repository\'s manifests is an add-on, not a directory of the layout', () => {
    const trainer = application('prod-training-operator', {
      destination: { namespace: 'kubeflow', server: SERVER },
      source: { repoURL: 'https://github.com/kubeflow/trainer.git', path: 'manifests/overlays/standalone', targetRevision: 'v1.9.4' },
      syncPolicy: { syncOptions: ['CreateNamespace=true'] },
    }, 20);
    const cm = configMap('kubeflow', 'c');
    const ctx = ctxOf([root, trainer, platformSet(), PLATFORM_PROJECT, cm]);
    const model = argoModelOf(ctx);
    const unit = model.units.find((u) => u.name === 'prod-training-operator')!;
    expect(unit.path).toBeUndefined();
    expect(unit.external).toBe('https://github.com/kubeflow/trainer.git manifests/overlays/standalone');
    expect(model.unitOf.get(cm)?.name).not.toBe('prod-training-operator');
    expect(checkBootstrap(ctx).summary).toContain('wave 20: prod-training-operator (source https://github.com/kubeflow/trainer.git manifests/overlays/standalone)');
  });

  test('without directories, an object goes to the first Application of the layout whose AppProject permits it', () => {
    const dirApp = (name: string, project: string, wave: number) => application(name, { project, destination: { namespace: 'llm-platform-system', server: SERVER }, source: { repoURL: REPO, path: `prod/${name}`, targetRevision: 'main' } }, wave);
    const mesh = appProject('mesh', { destinations: [{ namespace: '*', server: SERVER }], namespaceResourceWhitelist: [{ group: 'networking.istio.io', kind: '*' }] });
    const tenancy = appProject('tenancy', { destinations: [{ namespace: '*', server: SERVER }], clusterResourceWhitelist: [{ group: '', kind: 'Namespace' }], namespaceResourceWhitelist: [{ group: '', kind: 'ConfigMap' }] });
    const vsObj = vs();
    const ns = namespaceObject('team');
    const model = argoModelOf(ctxOf([root, dirApp('tenancy', 'tenancy', 28), dirApp('mesh', 'mesh', 35), mesh, tenancy, vsObj, ns]));
    expect(model.unitOf.get(vsObj)?.name).toBe('mesh');
    expect(model.unitOf.get(ns)?.name).toBe('tenancy');
  });

  test('tenant objects go to the tenant Application by namespace', () => {
    const tenants = applicationSet('tenants', 40, [{ path: 'prod/search', namespace: 'search', project: 'search', ownerKind: 'tenant' }]);
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'search' }, spec: {} };
    const model = argoModelOf(ctxOf([tenants, appProject('search', { destinations: [{ namespace: 'search', server: SERVER }] }), deploy]));
    expect(model.unitOf.get(deploy)?.name).toBe('prod-search');
  });
});
