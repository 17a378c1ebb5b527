import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Chart, Duration, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import {
  addonChartSources, findKustomization, helmBinary, kubectlBinary, kustomizeBuild, renderAll,
} from '../../projenrc/render-addons';
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

describe('PlatformAddon: Gateway API and Inference Extension CRDs, istiod inferenceExtension', () => {
  const GATEWAY_API_CRDS = ['backendtlspolicies', 'gatewayclasses', 'gateways', 'grpcroutes', 'httproutes', 'listenersets', 'referencegrants', 'tlsroutes']
    .map((p) => `${p}.gateway.networking.k8s.io`);
  const INFERENCE_CRDS = ['inferencepools.inference.networking.k8s.io', 'inferencemodelrewrites.inference.networking.x-k8s.io',
    'inferenceobjectives.inference.networking.x-k8s.io', 'inferencepoolimports.inference.networking.x-k8s.io', 'inferencepools.inference.networking.x-k8s.io'];
  const CHARTS = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'charts');
  const VAP = { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicy' };
  const VAP_BINDING = { group: 'admissionregistration.k8s.io', kind: 'ValidatingAdmissionPolicyBinding' };
  const CRD = { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' };
  const build = (addons: IPlatformAddon[], consumer?: { wave: number; requiresCrds: string[] }) => {
    const layout = exampleLayout();
    return synthChart((c) => {
      const project = new PlatformProject(c, 'platform', { layout });
      const platformAddons = new PlatformAddons(c, 'prod', { layout, project, environment: 'prod', addons });
      if (consumer) platformAddons.addCrdConsumer({ name: 'mesh', ...consumer });
      platformAddons.validateDependencies();
    });
  };
  const bound = (addon: IPlatformAddon) => addon.bind(undefined as any, { environment: 'prod', server: 'https://prod.eks.example.com' });
  const all = () => [PlatformAddon.istioBase(), PlatformAddon.istioCni(), PlatformAddon.istiod({ inferenceExtension: true }),
    PlatformAddon.gatewayApiCrds(), PlatformAddon.inferenceExtensionCrds()];
  const objects = build(all(), {
    wave: SyncWave.PLATFORM_COMPONENTS,
    requiresCrds: ['gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io', 'inferencepools.inference.networking.k8s.io'],
  });
  const app = (name: string) => findObject(objects, 'Application', `prod-${name}`);

  test('gatewayApiCrds: the v1.5.1 kustomization config/crd from Git, plain (no kustomize, no helm), server-side applied, CRD wave, kept on deletion', () => {
    const a = app('gateway-api-crds');
    expect(a.spec.source).toEqual({ repoURL: 'https://github.com/kubernetes-sigs/gateway-api.git', path: 'config/crd', targetRevision: 'v1.5.1' });
    expect(a.spec.destination).toEqual({ server: 'https://prod.eks.example.com', namespace: 'kube-system' });
    expect(a.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true']);
    expect(a.spec.syncPolicy.managedNamespaceMetadata).toBeUndefined();
    expect(a.metadata.finalizers).toBeUndefined();
    expect(wave(a)).toBe(SyncWave.CRD_OPERATORS);
    const config = bound(PlatformAddon.gatewayApiCrds());
    expect(config.name).toBe('gateway-api-crds');
    expect(config.repository.isGit).toBe(true);
    expect([...config.providesCrds!].sort()).toEqual(GATEWAY_API_CRDS);
    expect(config.clusterResources).toEqual([CRD, VAP, VAP_BINDING]);
    expect(config.serverSideApply).toBe(true);
    expect(config.preserveResourcesOnDeletion).toBe(true);
    expect(config.createNamespace).toBe(false);
    expect(config.requiresCrds ?? []).toEqual([]);
    expect(config.dependsOn ?? []).toEqual([]);
    expect(config.kustomize).toBeUndefined();
  });

  test('inferenceExtensionCrds: the v1.4.0 kustomization config/crd from Git, the same way', () => {
    const a = app('inference-extension-crds');
    expect(a.spec.source).toEqual({ repoURL: 'https://github.com/kubernetes-sigs/gateway-api-inference-extension.git', path: 'config/crd', targetRevision: 'v1.4.0' });
    expect(a.spec.destination.namespace).toBe('kube-system');
    expect(a.spec.syncPolicy.syncOptions).toEqual(['CreateNamespace=false', 'PruneLast=true', 'ServerSideApply=true']);
    expect(a.metadata.finalizers).toBeUndefined();
    expect(wave(a)).toBe(SyncWave.CRD_OPERATORS);
    const config = bound(PlatformAddon.inferenceExtensionCrds());
    expect(config.name).toBe('inference-extension-crds');
    expect([...config.providesCrds!].sort()).toEqual([...INFERENCE_CRDS].sort());
    expect(config.clusterResources).toEqual([CRD]);
    expect(config.serverSideApply).toBe(true);
    expect(config.preserveResourcesOnDeletion).toBe(true);
  });

  test('the platform project allows the Git repositories, kube-system and exactly the kinds the kustomizations create', () => {
    const project = findObject(objects, 'AppProject', 'platform');
    expect(project.spec.sourceRepos).toEqual(expect.arrayContaining([
      'https://github.com/kubernetes-sigs/gateway-api.git', 'https://github.com/kubernetes-sigs/gateway-api-inference-extension.git',
    ]));
    expect(project.spec.destinations).toContainEqual({ server: 'https://prod.eks.example.com', namespace: 'kube-system' });
    expect(project.spec.clusterResourceWhitelist).toEqual(expect.arrayContaining([CRD, VAP, VAP_BINDING]));
  });

  test('options: a pinned tag and a namespace of your own; no images to pin (not in the catalogue\'s image list)', () => {
    const objs = build([PlatformAddon.gatewayApiCrds({ version: 'v1.5.0', namespace: 'istio-system' }), PlatformAddon.inferenceExtensionCrds({ version: 'v1.3.1' })]);
    expect(findObject(objs, 'Application', 'prod-gateway-api-crds').spec.source.targetRevision).toBe('v1.5.0');
    expect(findObject(objs, 'Application', 'prod-gateway-api-crds').spec.destination.namespace).toBe('istio-system');
    expect(findObject(objs, 'Application', 'prod-inference-extension-crds').spec.source.targetRevision).toBe('v1.3.1');
    expect(PlatformAddon.catalogueNames()).toEqual(expect.arrayContaining(['gateway-api-crds', 'inference-extension-crds']));
    expect(PlatformAddon.imagesOf('gateway-api-crds')).toEqual([]);
    expect(PlatformAddon.imagesOf('inference-extension-crds')).toEqual([]);
    expect(bound(PlatformAddon.gatewayApiCrds()).images).toEqual([]);
    expectValidationError(() => PlatformAddon.gatewayApiCrds({ images: { x: 'r.example.com/x@sha256:' + 'a'.repeat(64) } }),
      "'images.x' is not an image of the 'gateway-api-crds' add-on", 'runs no image of its own');
    expectValidationError(() => PlatformAddon.inferenceExtensionCrds({ version: 'main' }), "'version' must pin one exact chart version");
  });

  test('istiod inferenceExtension: off by default (no pilot.env at all), on it sets ENABLE_GATEWAY_API_INFERENCE_EXTENSION as a string', () => {
    const off = bound(PlatformAddon.istiod()).values!;
    expect(off.pilot).toEqual({ autoscaleMin: 2, replicaCount: 2, cni: { enabled: true } });
    expect(off.pilot.env).toBeUndefined();
    expect(bound(PlatformAddon.istiod({ inferenceExtension: false })).values!.pilot.env).toBeUndefined();
    const on = app('istiod').spec.source.helm.valuesObject;
    expect(on.pilot).toEqual({ autoscaleMin: 2, replicaCount: 2, cni: { enabled: true }, env: { ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'true' } });
    // the user's raw values merge over it (more istiod env)
    const merged = bound(PlatformAddon.istiod({ inferenceExtension: true, values: { pilot: { env: { PILOT_ENABLE_ALPHA_GATEWAY_API: 'true' } } } })).values!;
    expect(merged.pilot.env).toEqual({ ENABLE_GATEWAY_API_INFERENCE_EXTENSION: 'true', PILOT_ENABLE_ALPHA_GATEWAY_API: 'true' });
    // istiod needs neither CRD add-on (delayed informers): same dependencies and required CRDs either way
    const config = bound(PlatformAddon.istiod({ inferenceExtension: true }));
    expect(config.dependsOn).toEqual(['istio-base', 'istio-cni']);
    expect(config.requiresCrds).toEqual(['peerauthentications.security.istio.io', 'destinationrules.networking.istio.io']);
    // the flag and its default as vendored from istio 1.30.3
    const istio = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'upstream', 'inference-extension', 'istio.json'), 'utf-8'));
    expect(istio.pilotEnv.ENABLE_GATEWAY_API_INFERENCE_EXTENSION.default).toBe(false);
    expect(Object.keys(on.pilot.env)).toEqual(['ENABLE_GATEWAY_API_INFERENCE_EXTENSION']);
    expect(istio.pilotEnv.vendoredModules).toMatchObject({ 'sigs.k8s.io/gateway-api': 'v1.5.1', 'sigs.k8s.io/gateway-api-inference-extension': 'v1.4.0' });
  });

  test('order: the CRDs come before their consumers; a consumer in the CRD wave, or without the add-on, is refused', () => {
    const layout = exampleLayout();
    const addons = (list: IPlatformAddon[]) => {
      const chart = new Chart(Testing.app(), 't');
      return new PlatformAddons(chart, 'prod', { layout, project: new PlatformProject(chart, 'p', { layout }), environment: 'prod', addons: list });
    };
    expectValidationError(() => addons([PlatformAddon.gatewayApiCrds()]).addCrdConsumer({ name: 'mesh', wave: SyncWave.CRD_OPERATORS, requiresCrds: ['httproutes.gateway.networking.k8s.io'] }),
      "'mesh.wave' must be later than the wave of 'gateway-api-crds' (wave 10), which provides the CRD 'httproutes.gateway.networking.k8s.io' it needs");
    const without = addons([PlatformAddon.gatewayApiCrds()]);
    without.addCrdConsumer({ name: 'mesh', wave: SyncWave.PLATFORM_COMPONENTS, requiresCrds: ['inferencepools.inference.networking.k8s.io'] });
    expectValidationError(() => without.validateDependencies(), "'mesh.requiresCrds' needs a CRD no add-on provides, got 'inferencepools.inference.networking.k8s.io'");
    // istiod with the flag installs without the CRD add-ons
    addons([PlatformAddon.istioBase(), PlatformAddon.istiod({ cni: false, inferenceExtension: true })]).validateDependencies();
  });

  test('both kustomizations are vendored byte for byte, as each SOURCES.md lists them (git blob and sha256)', () => {
    for (const [dir, repo, count] of [['gateway-api-v1.5.1', 'gateway-api', 10], ['gateway-api-inference-extension-v1.4.0', 'gateway-api-inference-extension', 7]] as const) {
      const root = path.join(CHARTS, dir);
      const rows = [...fs.readFileSync(path.join(root, 'SOURCES.md'), 'utf-8').matchAll(/^\| `(config\/[^`]+)` \| (\d+) \| `([0-9a-f]{40})` \| `([0-9a-f]{64})` \|$/gm)];
      expect(rows).toHaveLength(count);
      const files: string[] = [];
      const walk = (d: string): void => {
        for (const e of fs.readdirSync(d, { withFileTypes: true })) {
          if (e.isDirectory()) walk(path.join(d, e.name));
          else files.push(path.relative(root, path.join(d, e.name)));
        }
      };
      walk(path.join(root, 'config'));
      expect(files.sort()).toEqual(rows.map((r) => r[1]).sort());
      for (const [, file, bytes, blob, sha] of rows) {
        const data = fs.readFileSync(path.join(root, file));
        expect(data.length).toBe(Number(bytes));
        expect(crypto.createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex')).toBe(blob);
        expect(crypto.createHash('sha256').update(data).digest('hex')).toBe(sha);
      }
      // the render task finds the copy for the Application's repository and tag
      expect(findKustomization('config/crd', dir.slice(repo.length + 1), undefined, repo, true)).toBe(root);
    }
    // named after the repository: neither copy is taken for the other's repository
    expect(findKustomization('config/crd', 'v1.4.0', undefined, 'gateway-api', true)).toBeUndefined();
  });

  const kubectl = kubectlBinary();
  (kubectl ? test : test.skip)('kubectl kustomize of the vendored copies (offline): exactly the declared CRDs, and the Gateway API\'s admission policy and binding', () => {
    const gw = kustomizeBuild(kubectl!, path.join(CHARTS, 'gateway-api-v1.5.1'), 'config/crd', {});
    expect(findObjects(gw, 'CustomResourceDefinition').map((o) => o.metadata.name).sort()).toEqual(GATEWAY_API_CRDS);
    expect(gw.filter((o) => o.kind !== 'CustomResourceDefinition').map((o) => `${o.kind} ${o.metadata.name}`)).toEqual([
      'ValidatingAdmissionPolicy safe-upgrades.gateway.networking.k8s.io', 'ValidatingAdmissionPolicyBinding safe-upgrades.gateway.networking.k8s.io',
    ]);
    for (const crd of findObjects(gw, 'CustomResourceDefinition')) {
      expect(crd.metadata.annotations).toMatchObject({ 'gateway.networking.k8s.io/bundle-version': 'v1.5.1', 'gateway.networking.k8s.io/channel': 'standard' });
    }
    // every kind is one the add-on declares (the project whitelists exactly these)
    const kinds = bound(PlatformAddon.gatewayApiCrds()).clusterResources!.map((k) => k.kind);
    expect([...new Set(gw.map((o) => o.kind))].every((k) => kinds.includes(k))).toBe(true);
    const gaie = kustomizeBuild(kubectl!, path.join(CHARTS, 'gateway-api-inference-extension-v1.4.0'), 'config/crd', {});
    expect(gaie.map((o) => o.kind)).toEqual(Array(5).fill('CustomResourceDefinition'));
    expect(gaie.map((o) => o.metadata.name).sort()).toEqual([...INFERENCE_CRDS].sort());
    expect(findObject(gaie, 'CustomResourceDefinition', 'inferencepools.inference.networking.k8s.io').spec.versions.map((v: any) => v.name)).toEqual(['v1']);
    // the conversion webhooks are commented out at the tag
    expect(gaie.filter((o) => o.spec.conversion?.strategy === 'Webhook')).toEqual([]);
  }, 60_000);

  const helm = helmBinary();
  (helm && kubectl ? test : test.skip)('the twin\'s render task builds both Applications from the vendored copies (addonChartSources, renderAll)', () => {
    const apps = findObjects(objects, 'Application').filter((o) => /-crds$/.test(o.metadata.name) && o.spec.source.path);
    const sources = apps.flatMap((a) => addonChartSources(a));
    expect(sources.map((s) => `${s.type} ${s.chart}@${s.version} ${JSON.stringify(s.values)} ${s.namespace}`).sort()).toEqual([
      'kustomize gateway-api-inference-extension/config/crd@v1.4.0 {} kube-system',
      'kustomize gateway-api/config/crd@v1.5.1 {} kube-system',
    ]);
    const result = renderAll(helm!, sources);
    expect(result.missing).toEqual([]);
    expect([...result.files.keys()].sort()).toEqual(['gateway-api-inference-extension_config_crd-v1.4.0.json', 'gateway-api_config_crd-v1.5.1.json']);
    const gw = JSON.parse(result.files.get('gateway-api_config_crd-v1.5.1.json')!);
    expect(gw.source).toBe('schemas/upstream/charts/gateway-api-v1.5.1/config/crd');
    expect(gw.notes).toBeUndefined(); // nothing dropped: the copy is complete
    expect(gw.renders).toHaveLength(1);
    expect(gw.renders[0]).toMatchObject({ applications: ['prod-gateway-api-crds'], namespace: 'kube-system', values: {}, workloads: [], services: [], webhookConfigurations: [] });
    expect(gw.renders[0].crds.map((c: any) => c.metadata.name)).toEqual(GATEWAY_API_CRDS);
    expect(gw.renders[0].crds.find((c: any) => c.metadata.name === 'gatewayclasses.gateway.networking.k8s.io').spec.scope).toBe('Cluster');
    const gaie = JSON.parse(result.files.get('gateway-api-inference-extension_config_crd-v1.4.0.json')!);
    expect(gaie.renders[0].crds.map((c: any) => c.metadata.name)).toEqual([...INFERENCE_CRDS].sort());
    // the Application's own repository (the platform's manifest directories) is never taken for a kustomization
    expect(addonChartSources({ ...apps[0], spec: { ...apps[0].spec, source: { repoURL: REPO, path: 'prod/mesh', targetRevision: 'main' } } })).toEqual([]);
  }, 120_000);
});
