import { Duration } from 'cdk8s';
import { EndpointPickerFailureMode, EndpointPickerScorer, InferencePoolRoute } from '../../src/mesh';
import { PolicyCatalogue, PolicyEvaluator } from '../../src/policy';
import { findObject, findObjects, synthChart } from '../util';
import { expectValidationError, vllmModel } from './fixtures';

const EPP = `123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/gateway-api-inference-extension/epp@sha256:${'e'.repeat(64)}`;
const GATEWAY = { name: 'llm', namespace: 'istio-ingress', sectionName: 'https' };

describe('InferencePoolRoute defaults: one pool, its endpoint picker, the route', () => {
  let route!: InferencePoolRoute;
  const objects = synthChart((chart) => {
    route = new InferencePoolRoute(chart, 'Inference', { model: vllmModel(), gateway: GATEWAY, pickerImage: EPP });
  });
  const pool = findObject(objects, 'InferencePool', 'llama3-8b-stable');
  const picker = findObject(objects, 'Deployment', 'llama3-8b-stable-epp');
  const container = picker.spec.template.spec.containers[0];

  test("the InferencePool selects the version's pods on the runtime port and names its picker, failing closed", () => {
    expect(pool.apiVersion).toBe('inference.networking.k8s.io/v1');
    expect(pool.metadata.namespace).toBe('search');
    expect(pool.spec).toEqual({
      selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b', 'llm-platform.io/model-version': 'stable' } },
      targetPorts: [{ number: 8000 }],
      endpointPickerRef: { group: '', kind: 'Service', name: 'llama3-8b-stable-epp', port: { number: 9002 }, failureMode: 'FailClose' },
    });
  });

  test('the picker: one replica replaced at once, outside the mesh, hardened, reading merged metrics, with the default scorers', () => {
    expect(picker.spec.replicas).toBe(1);
    expect(route.pickerReplicas).toBe(1);
    expect(picker.spec.strategy).toEqual({ type: 'Recreate' });
    expect(picker.spec.template.metadata.labels['sidecar.istio.io/inject']).toBe('false');
    expect(container.image).toBe(EPP);
    expect(container.args).toEqual([
      '--pool-name', 'llama3-8b-stable', '--pool-namespace', 'search', '--config-file', '/config/plugins.yaml', '--zap-encoder', 'json',
      '--tracing=false', '--model-server-metrics-port', '15020', '--model-server-metrics-path', '/stats/prometheus', '--metrics-endpoint-auth=false',
    ]);
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual([['grpc', 9002], ['grpc-health', 9003], ['metrics', 9090]]);
    expect(container.readinessProbe.grpc).toEqual({ port: 9003, service: 'inference-extension' });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true, allowPrivilegeEscalation: false });
    expect(container.resources).toEqual({ requests: { cpu: '1', memory: '2048Mi' }, limits: { cpu: '2', memory: '2048Mi' } });
    const config = findObject(objects, 'ConfigMap', 'llama3-8b-stable-epp').data['plugins.yaml'];
    expect(config).toBe([
      'apiVersion: inference.networking.x-k8s.io/v1alpha1', 'kind: EndpointPickerConfig', 'plugins:',
      '- type: queue-scorer', '- type: kv-cache-utilization-scorer', '- type: prefix-cache-scorer',
      'schedulingProfiles:', '- name: default', '  plugins:',
      '  - pluginRef: queue-scorer', '    weight: 2', '  - pluginRef: kv-cache-utilization-scorer', '    weight: 2', '  - pluginRef: prefix-cache-scorer', '    weight: 3', '',
    ].join('\n'));
  });

  test('the picker reads only its namespace: pods, pools, objectives, model rewrites', () => {
    const role = findObject(objects, 'Role', 'llama3-8b-stable-epp');
    expect(role.rules.every((r: any) => r.verbs.join() === 'get,list,watch')).toBe(true);
    expect(role.rules.flatMap((r: any) => r.resources).sort()).toEqual(['inferencemodelrewrites', 'inferenceobjectives', 'inferencepools', 'pods']);
    expect(findObject(objects, 'RoleBinding', 'llama3-8b-stable-epp').subjects).toEqual([{ kind: 'ServiceAccount', name: 'llama3-8b-stable-epp', namespace: 'search' }]);
  });

  test('the gateway reaches the picker over TLS (the upstream DestinationRule) and the NetworkPolicy admits it and the scraper only', () => {
    expect(findObject(objects, 'DestinationRule', 'llama3-8b-stable-epp').spec).toEqual({
      host: 'llama3-8b-stable-epp.search.svc.cluster.local', trafficPolicy: { tls: { mode: 'SIMPLE', insecureSkipVerify: true } },
    });
    const np = findObject(objects, 'NetworkPolicy', 'llama3-8b-stable-epp');
    expect(np.spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'istio-ingress' } } }], ports: [{ protocol: 'TCP', port: 9002 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(findObject(objects, 'Service', 'llama3-8b-stable-epp').spec.ports.map((p: any) => [p.name, p.port, p.appProtocol])).toEqual([
      ['grpc-ext-proc', 9002, 'http2'], ['http-metrics', 9090, undefined],
    ]);
  });

  test('the route: the pool behind the path prefix, no timeout cutting a stream', () => {
    const httpRoute = findObject(objects, 'HTTPRoute', 'llama3-8b');
    expect(httpRoute.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm', namespace: 'istio-ingress', sectionName: 'https' }]);
    expect(httpRoute.spec.rules).toEqual([{
      matches: [{ path: { type: 'PathPrefix', value: '/search/llama3-8b/' } }],
      // the server sees /v1/..., as through IngressGateway's routes
      filters: [{ type: 'URLRewrite', urlRewrite: { path: { type: 'ReplacePrefixMatch', replacePrefixMatch: '/' } } }],
      backendRefs: [{ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama3-8b-stable' }],
      timeouts: { request: '0s' },
    }]);
    expect(route.requestTimeout).toBe('0s');
    expect(findObjects(objects, 'InferenceObjective')).toEqual([]);
  });

  test("the baseline policies admit every object, the picker's pods included", () => {
    const report = new PolicyEvaluator({ rules: PolicyCatalogue.baseline({ allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com'] }) }).evaluate(objects);
    expect(report.violations.map((v) => `${v.ruleId} ${v.object}: ${v.message}`)).toEqual([]);
    // and an unpinned, foreign image would not be admitted
    const foreign = JSON.parse(JSON.stringify(picker));
    foreign.spec.template.spec.containers[0].image = 'registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0';
    const refused = new PolicyEvaluator({ rules: PolicyCatalogue.baseline({ allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com'] }) }).evaluate([foreign]);
    expect(refused.violations.map((v) => v.ruleId).sort()).toEqual(['LLM-IMG-001', 'LLM-IMG-003']);
  });
});

describe('InferencePoolRoute canary and objectives', () => {
  const objects = synthChart((chart) => {
    new InferencePoolRoute(chart, 'Inference', {
      model: vllmModel({ versions: ['stable', 'candidate'] }),
      gateway: GATEWAY,
      pickerImage: EPP,
      canary: { candidateWeight: 10 },
      scorers: [{ scorer: EndpointPickerScorer.QUEUE, weight: 1 }, { scorer: EndpointPickerScorer.LORA_AFFINITY, weight: 5 }],
      failureMode: EndpointPickerFailureMode.FAIL_OPEN,
      requestTimeout: Duration.minutes(30),
      objectives: [{ name: 'interactive', priority: 10 }, { name: 'batch', priority: 0 }],
      hostnames: ['llm.example.com'],
    });
  });

  test('a pool and picker per version; testers to the candidate, everyone else 90/10', () => {
    expect(findObjects(objects, 'InferencePool').map((p) => p.metadata.name)).toEqual(['llama3-8b-stable', 'llama3-8b-candidate']);
    expect(findObjects(objects, 'Deployment').map((p) => p.metadata.name)).toEqual(['llama3-8b-stable-epp', 'llama3-8b-candidate-epp']);
    const httpRoute = findObject(objects, 'HTTPRoute', 'llama3-8b');
    expect(httpRoute.spec.hostnames).toEqual(['llm.example.com']);
    expect(httpRoute.spec.rules.map((r: any) => [r.matches[0].headers, r.backendRefs.map((b: any) => [b.name, b.weight]), r.timeouts])).toEqual([
      [[{ type: 'Exact', name: 'x-llm-canary', value: 'true' }], [['llama3-8b-candidate', undefined]], { request: '1800s' }],
      [undefined, [['llama3-8b-stable', 90], ['llama3-8b-candidate', 10]], { request: '1800s' }],
    ]);
    expect(findObject(objects, 'InferencePool', 'llama3-8b-candidate').spec.endpointPickerRef.failureMode).toBe('FailOpen');
  });

  test('both rules rewrite the prefix', () => {
    for (const r of findObject(objects, 'HTTPRoute', 'llama3-8b').spec.rules) expect(r.filters[0].urlRewrite.path.replacePrefixMatch).toBe('/');
  });

  test('one objective per name, for the stable pool (a picker knows only its own pool\'s objectives), named as clients send it', () => {
    expect(findObjects(objects, 'InferenceObjective').map((o) => [o.metadata.name, o.spec.priority, o.spec.poolRef.name])).toEqual([
      ['llama3-8b-batch', 0, 'llama3-8b-stable'], ['llama3-8b-interactive', 10, 'llama3-8b-stable'],
    ]);
  });
});

describe('InferencePoolRoute options', () => {
  const objects = synthChart((chart) => {
    new InferencePoolRoute(chart, 'Inference', {
      model: vllmModel(),
      gateway: GATEWAY,
      pickerImage: EPP,
      metricsScraperNamespace: 'observability',
      environment: 'prod',
      pickerCpu: 0.5,
      pickerMemoryMiB: 1024,
      pathPrefix: '/llama/',
      rewritePrefix: '/v1/',
    });
  });
  test('the scraper namespace, the environment label, the picker size, the prefix and its rewrite', () => {
    const np = findObject(objects, 'NetworkPolicy', 'llama3-8b-stable-epp');
    expect(np.spec.ingress[1].from[0].namespaceSelector.matchLabels).toEqual({ 'kubernetes.io/metadata.name': 'observability' });
    const picker = findObject(objects, 'Deployment', 'llama3-8b-stable-epp');
    expect(picker.metadata.labels['llm-platform.io/environment']).toBe('prod');
    expect(picker.spec.template.spec.containers[0].resources).toEqual({ requests: { cpu: '0.5', memory: '1024Mi' }, limits: { cpu: '1', memory: '1024Mi' } });
    expect(picker.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } });
    const rule = findObject(objects, 'HTTPRoute', 'llama3-8b').spec.rules[0];
    expect(rule.matches[0].path.value).toBe('/llama/');
    expect(rule.filters[0].urlRewrite.path.replacePrefixMatch).toBe('/v1/');
  });
});

describe('InferencePoolRoute refuses bad input', () => {
  const build = (extra: any) => () => synthChart((chart) => {
    new InferencePoolRoute(chart, 'Inference', { model: vllmModel(), gateway: GATEWAY, pickerImage: EPP, ...extra });
  });
  test.each([
    ['an unpinned picker image', { pickerImage: 'registry.k8s.io/gateway-api-inference-extension/epp:v1.4.0' }, "'pickerImage' must be pinned by digest"],
    ['a canary without a candidate version', { canary: {} }, "'canary.candidateVersion' must be a served version other than the stable 'stable'"],
    ['no scorer', { scorers: [] }, "'scorers' must list at least one scorer"],
    ['a scorer twice', { scorers: [{ scorer: EndpointPickerScorer.QUEUE, weight: 1 }, { scorer: EndpointPickerScorer.QUEUE, weight: 2 }] }, "'scorers[1].scorer' lists a scorer twice"],
    ['a zero weight', { scorers: [{ scorer: EndpointPickerScorer.QUEUE, weight: 0 }] }, "'scorers[0].weight' must be a whole number between 1 and 100"],
    ['a sub-second timeout', { requestTimeout: Duration.millis(500) }, "'requestTimeout' must be a whole number of milliseconds from 1s to 99999s"],
    ['an objective twice', { objectives: [{ name: 'a', priority: 1 }, { name: 'a', priority: 2 }] }, "'objectives[1].name' names an objective twice"],
    ['a bad host name', { hostnames: ['LLM example'] }, "'hostnames[0]' must be fully-qualified DNS names"],
    ['a bad picker CPU', { pickerCpu: 0 }, "'pickerCpu' must be a number of cores from 0.001 to 64"],
    ['a fractional priority', { objectives: [{ name: 'a', priority: 1.5 }] }, "'objectives[0].priority' must be a whole number"],
    ['a bad gateway name', { gateway: { name: 'LLM', namespace: 'istio-ingress' } }, "'gateway.name'"],
    ['a bad scraper namespace', { metricsScraperNamespace: 'Mon' }, "'metricsScraperNamespace'"],
    ['a relative path', { pathPrefix: 'v1/' }, "'pathPrefix' must be an absolute URL path"],
    ['a relative rewrite', { rewritePrefix: 'v1' }, "'rewritePrefix' must start with '/'"],
    ['a tiny picker memory', { pickerMemoryMiB: 64 }, "'pickerMemoryMiB' must be a whole number of MiB from 256 to 65536"],
    ['too many picker replicas', { pickerReplicas: 6 }, "'pickerReplicas' must be a whole number between 1 and 5, got 6; use 1, or 2 for a standby picker"],
  ])('%s', (_what, extra, message) => {
    expectValidationError(build(extra), [message]);
  });
});
