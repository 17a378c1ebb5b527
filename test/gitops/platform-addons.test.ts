import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AddonBindContext, ChartRepository, IPlatformAddon, MigStrategy, PlatformAddon, PlatformAddonConfig, PlatformAddons, PlatformComponentApplication,
  PlatformProject, SyncWave,
} from '../../src/gitops';
import { findObject, findObjects, synthChart } from '../util';
import { exampleLayout, expectValidationError, REPO } from './helpers';

const CATALOGUE = (): IPlatformAddon[] => [
  PlatformAddon.kyverno(),
  PlatformAddon.istioBase(),
  PlatformAddon.istioCni(),
  PlatformAddon.certManager(),
  PlatformAddon.prometheusOperatorCrds(),
  PlatformAddon.kserveCrds(),
  PlatformAddon.istiod(),
  PlatformAddon.openTelemetryOperator(),
  PlatformAddon.kubePrometheusStack(),
  PlatformAddon.karpenter({ clusterName: 'acme-llm-prod', interruptionQueue: 'acme-llm-prod-interruptions' }),
  PlatformAddon.nvidiaDevicePlugin(),
  PlatformAddon.dcgmExporter(),
  PlatformAddon.keda(),
  PlatformAddon.kserve(),
  PlatformAddon.trainingOperator(),
];

function wave(app: any): number {
  return Number(app.metadata.annotations['argocd.argoproj.io/sync-wave']);
}

describe('PlatformAddons', () => {
  test('the whole catalogue renders schema-valid Applications with pinned charts, waves in install order', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformAddons(c, 'prod', { layout, project, environment: 'prod', addons: CATALOGUE() }).validateDependencies();
    });
    const apps = findObjects(objects, 'Application');
    expect(apps).toHaveLength(15);
    for (const app of apps) {
      expect(app.spec.source.targetRevision).toMatch(/^v?\d+\.\d+\.\d+$/);
      // Helm test hooks (never run by Argo CD) stay out of the install, and with them their images
      if (app.spec.source.chart) expect(app.spec.source.helm.skipTests).toBe(true);
      expect(app.spec.project).toBe('platform');
      expect(app.spec.destination.server).toBe('https://prod.eks.example.com');
      expect(app.metadata.name.startsWith('prod-')).toBe(true);
    }
    const waveOf = (name: string) => wave(findObject(objects, 'Application', `prod-${name}`));
    for (const crdOwner of ['kyverno', 'istio-base', 'cert-manager', 'prometheus-operator-crds', 'kserve-crd']) expect(waveOf(crdOwner)).toBe(SyncWave.CRD_OPERATORS);
    for (const controller of ['istiod', 'opentelemetry-operator', 'kube-prometheus-stack', 'karpenter', 'nvidia-device-plugin', 'dcgm-exporter', 'keda', 'kserve', 'training-operator']) {
      expect(waveOf(controller)).toBe(SyncWave.CONTROLLERS);
    }
    // Istio base -> CNI node agent -> istiod
    expect(waveOf('istio-base')).toBeLessThan(waveOf('istio-cni'));
    expect(waveOf('istio-cni')).toBeLessThan(waveOf('istiod'));
    expect(SyncWave.CRD_OPERATORS).toBeLessThan(SyncWave.NETWORK);
    expect(SyncWave.NETWORK).toBeLessThan(SyncWave.CONTROLLERS);
    expect(SyncWave.CONTROLLERS).toBeLessThan(SyncWave.INGRESS);
    expect(SyncWave.INGRESS).toBeLessThan(SyncWave.TENANCY);
    expect(SyncWave.TENANCY).toBeLessThan(SyncWave.POLICIES);
    expect(SyncWave.POLICIES).toBeLessThan(SyncWave.PLATFORM_COMPONENTS);
    expect(SyncWave.PLATFORM_COMPONENTS).toBeLessThan(SyncWave.TENANT_APPS);
    expect(SyncWave.ARGOCD_CONFIG).toBeLessThan(SyncWave.PROJECTS);
    expect(SyncWave.CRD_OPERATORS).toBeLessThan(SyncWave.CONTROLLERS);
    expect(SyncWave.CONTROLLERS).toBeLessThan(SyncWave.POLICIES);
    expect(SyncWave.POLICIES).toBeLessThan(SyncWave.TENANT_APPS);
    // every chart repository is allowed by the platform project, nothing else
    const project = findObject(objects, 'AppProject', 'platform');
    expect(project.spec.sourceRepos[0]).toBe(REPO);
    expect(new Set(project.spec.sourceRepos)).toEqual(new Set([REPO, ...apps.map((a) => a.spec.source.repoURL)]));
    // every add-on's namespaces are destinations, nothing else but the layout's own namespaces
    expect(project.spec.destinations.filter((d: any) => d.server === 'https://prod.eks.example.com').map((d: any) => d.namespace).sort()).toEqual(['cert-manager', 'istio-system', 'keda', 'kserve', 'kube-system', 'kubeflow', 'kyverno',
      'llm-platform-system', 'monitoring', 'nvidia-gpu', 'opentelemetry-operator-system']);
    expect(project.spec.clusterResourceWhitelist).not.toContainEqual({ group: '*', kind: '*' });
  });

  test('typed values the platform depends on', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformAddons(c, 'dev', { layout, project, environment: 'dev', addons: CATALOGUE() });
    });
    const values = (name: string) => findObject(objects, 'Application', `dev-${name}`).spec.source.helm.valuesObject;
    const karpenter = findObject(objects, 'Application', 'dev-karpenter');
    expect(karpenter.spec.source).toMatchObject({ repoURL: 'public.ecr.aws/karpenter', chart: 'karpenter', targetRevision: '1.14.1' });
    expect(values('karpenter').settings).toEqual({ clusterName: 'acme-llm-prod', interruptionQueue: 'acme-llm-prod-interruptions' });
    expect(karpenter.spec.destination.namespace).toBe('kube-system');
    expect(karpenter.spec.syncPolicy.syncOptions).toContain('CreateNamespace=false');
    expect(karpenter.metadata.finalizers).toBeUndefined(); // deleting the app must not delete NodePools
    const plugin = values('nvidia-device-plugin');
    expect(plugin.migStrategy).toBe('none');
    expect(plugin.gfd).toEqual({ enabled: false });
    expect(plugin.tolerations).toEqual([{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }]);
    expect(plugin.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key).toBe('llm-platform.io/gpu-pool');
    expect(JSON.stringify(plugin)).not.toMatch(/driver/i);
    expect(values('istiod').meshConfig).toEqual({ enableAutoMtls: true, accessLogFile: '/dev/stdout', outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' }, enablePrometheusMerge: true });
    expect(values('istiod').pilot).toEqual({ autoscaleMin: 2, replicaCount: 2, cni: { enabled: true } });
    expect(values('istio-cni')).toEqual({ chained: true, ambient: { enabled: false }, repair: { enabled: true }, excludeNamespaces: ['kube-system'] });
    expect(values('kserve').kserve.controller.gateway).toEqual({ disableIngressCreation: true });
    expect(values('kube-prometheus-stack').crds).toEqual({ enabled: false });
    expect(values('kube-prometheus-stack').prometheus.prometheusSpec).toMatchObject({ retention: '15d', serviceMonitorSelectorNilUsesHelmValues: false });
    expect(values('kserve').kserve.controller.deploymentMode).toBe('Standard');
    expect(values('kyverno').admissionController.replicas).toBe(3);
    const kyverno = findObject(objects, 'Application', 'dev-kyverno');
    expect(kyverno.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=true', 'PruneLast=true', 'ServerSideApply=true']);
    expect(kyverno.spec.syncPolicy.managedNamespaceMetadata).toEqual({ labels: { 'app.kubernetes.io/managed-by': 'cdk-llm-platform' } });
    const istioBase = findObject(objects, 'Application', 'dev-istio-base');
    expect(istioBase.spec.ignoreDifferences[0]).toMatchObject({ kind: 'ValidatingWebhookConfiguration', jsonPointers: ['/webhooks/0/failurePolicy'] });
    expect(istioBase.spec.syncPolicy.syncOptions).toContain('RespectIgnoreDifferences=true');
    const dcgm = findObject(objects, 'Application', 'dev-dcgm-exporter');
    expect(dcgm.metadata.finalizers).toEqual(['resources-finalizer.argocd.argoproj.io']);
    expect(dcgm.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(dcgm.spec.syncPolicy.retry).toEqual({ limit: 5, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } });
  });

  test('options override pins, values and typed settings', () => {
    const layout = exampleLayout();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformAddons(c, 'dev', {
        layout,
        project,
        environment: 'dev',
        addons: [
          PlatformAddon.prometheusOperatorCrds(),
          PlatformAddon.kubePrometheusStack({ version: '77.12.0', retention: Duration.days(30), grafana: false, values: { alertmanager: { enabled: false } } }),
          PlatformAddon.istioBase(),
          PlatformAddon.istiod({ registryOnlyEgress: false, replicas: 3, namespace: 'istio-system', cni: false }),
          PlatformAddon.nvidiaDevicePlugin({ migStrategy: MigStrategy.SINGLE, gpuFeatureDiscovery: true }),
        ],
      });
    });
    const kps = findObject(objects, 'Application', 'dev-kube-prometheus-stack');
    expect(kps.spec.source.targetRevision).toBe('77.12.0');
    expect(kps.spec.source.helm.valuesObject).toMatchObject({ alertmanager: { enabled: false }, grafana: { enabled: false }, prometheus: { prometheusSpec: { retention: '30d' } } });
    const istiod = findObject(objects, 'Application', 'dev-istiod').spec.source.helm.valuesObject;
    expect(istiod.meshConfig.outboundTrafficPolicy.mode).toBe('ALLOW_ANY');
    expect(istiod.pilot).toEqual({ autoscaleMin: 3, replicaCount: 3, cni: { enabled: false } });
    const plugin = findObject(objects, 'Application', 'dev-nvidia-device-plugin').spec.source.helm.valuesObject;
    expect(plugin.migStrategy).toBe('single');
    expect(plugin.gfd).toEqual({ enabled: true });
  });

  test('users add their own add-ons through IPlatformAddon and helmChart', () => {
    class VectorAddon implements IPlatformAddon {
      public bind(_scope: Construct, context: AddonBindContext): PlatformAddonConfig {
        return {
          name: 'vector',
          repository: ChartRepository.helm('https://helm.vector.dev'),
          chart: 'vector',
          version: '0.40.0',
          namespace: 'vector',
          wave: SyncWave.CONTROLLERS + 5,
          values: { role: 'Agent', customConfig: { env: context.environment } },
        };
      }
    }
    const layout = exampleLayout();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      const addons = new PlatformAddons(c, 'dev', { layout, project, environment: 'dev' });
      addons.addAddon(new VectorAddon());
      addons.addAddon(PlatformAddon.helmChart({
        name: 'external-secrets',
        repository: ChartRepository.helm('https://charts.external-secrets.io/'),
        chart: 'external-secrets',
        version: '0.10.4',
        namespace: 'external-secrets',
        wave: SyncWave.CRD_OPERATORS,
        providesCrds: ['externalsecrets.external-secrets.io'],
      }));
      addons.addCrdConsumer({ name: 'tenants', wave: SyncWave.TENANT_APPS, requiresCrds: ['externalsecrets.external-secrets.io'] });
      expect(addons.addons.map((a) => a.name)).toEqual(['vector', 'external-secrets']);
    });
    const vector = findObject(objects, 'Application', 'dev-vector');
    expect(vector.spec.source).toMatchObject({ repoURL: 'https://helm.vector.dev', chart: 'vector', targetRevision: '0.40.0' });
    expect(vector.spec.source.helm.valuesObject.customConfig).toEqual({ env: 'dev' });
    expect(wave(vector)).toBe(25);
    expect(findObject(objects, 'Application', 'dev-external-secrets').spec.source.repoURL).toBe('https://charts.external-secrets.io');
  });

  test('unpinned chart versions are a ValidationError', () => {
    for (const version of ['*', 'HEAD', 'latest', '^1.2.0', '~1.2', '>=1.0.0', '1.x', '1.2', '']) {
      expectValidationError(() => PlatformAddon.keda({ version }), "'version' must pin one exact chart version", `got '${version}'`, "never '*', 'HEAD', 'latest' or a range");
    }
    // a custom add-on returning an unpinned version is caught when bound
    const floating: IPlatformAddon = {
      bind: () => ({ name: 'floaty', repository: ChartRepository.helm('https://example.com/charts'), chart: 'floaty', version: 'latest', namespace: 'floaty', wave: 20 }),
    };
    const layout = exampleLayout();
    expectValidationError(() => synthChart((c) => {
      new PlatformAddons(c, 'dev', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'dev', addons: [floating] });
    }), "'addons[floaty].version' must pin one exact chart version", "got 'latest'");
  });

  test('sync waves that put a consumer before the CRD it needs are a ValidationError (either add order)', () => {
    const layout = exampleLayout();
    const earlyDcgm: IPlatformAddon = {
      bind: (s, c) => ({ ...PlatformAddon.dcgmExporter().bind(s, c), wave: SyncWave.CRD_OPERATORS }),
    };
    const build = (addons: IPlatformAddon[]) => () => synthChart((c) => {
      new PlatformAddons(c, 'dev', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'dev', addons });
    });
    expectValidationError(build([PlatformAddon.prometheusOperatorCrds(), earlyDcgm]),
      "'dcgm-exporter.wave' must be later than the wave of 'prometheus-operator-crds' (wave 10), which provides the CRD 'servicemonitors.monitoring.coreos.com' it needs",
      'got 10', 'a wave above 10');
    expectValidationError(build([earlyDcgm, PlatformAddon.prometheusOperatorCrds()]), "'dcgm-exporter.wave' must be later than the wave of 'prometheus-operator-crds'");
    // dependsOn is checked the same way
    const earlyIstiod: IPlatformAddon = { bind: (s, c) => ({ ...PlatformAddon.istiod().bind(s, c), wave: 5, requiresCrds: [] }) };
    expectValidationError(build([PlatformAddon.istioBase(), earlyIstiod]), "'istiod.wave' must be later than the wave of 'istio-base' (wave 10), which it depends on");
    // consumers declared later than the add-ons (the policies ApplicationSet)
    expectValidationError(() => synthChart((c) => {
      const addons = new PlatformAddons(c, 'dev', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'dev', addons: [PlatformAddon.kyverno()] });
      addons.addCrdConsumer({ name: 'policies', wave: SyncWave.PROJECTS, requiresCrds: ['clusterpolicies.kyverno.io'] });
    }), "'policies.wave' must be later than the wave of 'kyverno'");
  });

  test('missing providers and dependencies are reported at synth and by validateDependencies', () => {
    const layout = exampleLayout();
    const chart = new Chart(Testing.app(), 'test');
    const addons = new PlatformAddons(chart, 'dev', { layout, project: new PlatformProject(chart, 'p', { layout }), environment: 'dev', addons: [PlatformAddon.istiod()] });
    expectValidationError(() => addons.validateDependencies(), "'istiod.dependsOn' names an add-on that is not installed, got 'istio-base'",
      "'istiod.dependsOn' names an add-on that is not installed, got 'istio-cni'",
      "'istiod.requiresCrds' needs a CRD no add-on provides", "'peerauthentications.security.istio.io'");
    expect(addons.node.validate().join('\n')).toContain("'istiod.dependsOn' names an add-on that is not installed, got 'istio-base'");
  });

  test('other bad input', () => {
    const layout = exampleLayout();
    expectValidationError(() => PlatformAddon.karpenter({ clusterName: '', interruptionQueue: 'q' }), "'clusterName' is required");
    expectValidationError(() => PlatformAddon.karpenter({ clusterName: 'c', interruptionQueue: '' }), "'interruptionQueue' is required");
    expectValidationError(() => PlatformAddon.kserve({ deploymentMode: 'Serverless' }), "'deploymentMode' must be 'Standard' or 'Knative'", "'Serverless'");
    expectValidationError(() => PlatformAddon.kubePrometheusStack({ retention: Duration.hours(12) }), "'retention' must be a whole number of days");
    expectValidationError(() => PlatformAddon.kyverno({ admissionControllerReplicas: 0 }), "'admissionControllerReplicas' must be a positive integer");
    expectValidationError(() => ChartRepository.helm('http://insecure.example.com'), "'url' must be one https Helm repository URL");
    expectValidationError(() => ChartRepository.oci('oci://'), "'registry' must be an OCI registry path");
    expect(ChartRepository.oci('oci://ghcr.io/kserve/charts/').url).toBe('ghcr.io/kserve/charts');
    expectValidationError(() => synthChart((c) => {
      new PlatformAddons(c, 'dev', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'dev', addons: [PlatformAddon.keda(), PlatformAddon.keda()] });
    }), "'addons[keda].name' is already an add-on of this environment");
    expectValidationError(() => synthChart((c) => {
      new PlatformAddons(c, 'qa', { layout, project: new PlatformProject(c, 'p', { layout }), environment: 'qa' });
    }), "'environment' is not an environment of the layout");
  });
});

describe('PlatformAddons and PlatformComponentApplication: environments by Argo CD cluster name', () => {
  const byName = (extra: any = {}) => exampleLayout({ environments: [{ name: 'dev' }, { name: 'prod', clusterName: 'prod-eu-west-1' }], ...extra });

  test('add-on Applications of a by-name environment target { name, namespace }; the platform project allows them by name', () => {
    const layout = byName();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformAddons(c, 'prod', { layout, project, environment: 'prod', addons: [PlatformAddon.kyverno(), PlatformAddon.keda()] });
    });
    expect(findObject(objects, 'Application', 'prod-kyverno').spec.destination).toEqual({ name: 'prod-eu-west-1', namespace: 'kyverno' });
    expect(findObject(objects, 'Application', 'prod-keda').spec.destination).toEqual({ name: 'prod-eu-west-1', namespace: 'keda' });
    const project = findObject(objects, 'AppProject', 'platform');
    expect(project.spec.destinations).toEqual(expect.arrayContaining([{ name: 'prod-eu-west-1', namespace: 'kyverno' }, { name: 'prod-eu-west-1', namespace: 'keda' }]));
    expect(project.spec.destinations.filter((d: any) => d.name !== undefined).every((d: any) => d.server === undefined)).toBe(true);
  });

  test('add-on Applications of a by-server environment keep { server, namespace }', () => {
    const layout = byName();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformAddons(c, 'dev', { layout, project, environment: 'dev', addons: [PlatformAddon.keda()] });
    });
    expect(findObject(objects, 'Application', 'dev-keda').spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'keda' });
  });

  test('in a shared repository the add-ons sync through <environment>-platform to the cluster by name', () => {
    const layout = exampleLayout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }], sharedRepository: true });
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformAddons(c, 'dev', { layout, project, environment: 'dev', addons: [PlatformAddon.keda()] });
    });
    const keda = findObject(objects, 'Application', 'dev-keda');
    expect(keda.metadata.namespace).toBe('argocd');
    expect(keda.spec.project).toBe('dev-platform');
    expect(keda.spec.destination).toEqual({ name: 'dev-eu', namespace: 'keda' });
  });

  test('PlatformComponentApplication of a by-name environment targets { name, namespace }; by server keeps { server, namespace }', () => {
    const layout = byName();
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformComponentApplication(c, 'prod-tenancy', { layout, project, environment: 'prod', component: 'tenancy' });
      new PlatformComponentApplication(c, 'dev-tenancy', { layout, project, environment: 'dev', component: 'tenancy' });
    });
    expect(findObject(objects, 'Application', 'prod-tenancy').spec.destination).toEqual({ name: 'prod-eu-west-1', namespace: 'llm-platform-system' });
    expect(findObject(objects, 'Application', 'dev-tenancy').spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'llm-platform-system' });
  });

  test('PlatformComponentApplication in a shared repository syncs through <environment>-platform', () => {
    const layout = exampleLayout({ environments: [{ name: 'dev', clusterName: 'dev-eu' }], sharedRepository: true });
    const objects = synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      new PlatformComponentApplication(c, 'dev-policies', { layout, project, environment: 'dev', component: 'policies' });
    });
    const app = findObject(objects, 'Application', 'dev-policies');
    expect(app.spec.project).toBe('dev-platform');
    expect(app.spec.source.path).toBe('dev/policies');
    expect(app.spec.destination).toEqual({ name: 'dev-eu', namespace: 'llm-platform-system' });
  });
});
