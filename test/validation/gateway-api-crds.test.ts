/**
 * The Gateway API (v1.5.1, standard channel) and Gateway API Inference Extension (v1.4.0) CRDs that
 * Istio 1.30.3 pins, vendored in schemas/crds/gateway-api/ and schemas/crds/inference-extension/ (see
 * schemas/crds/SOURCES.md): objects built with their typed bindings (src/imports/) synthesize to
 * manifests the harness validates against the vendored schemas, CEL rules included, and the
 * validation fails on what the API server would refuse.
 *
 * The harness does not apply the schemas' `default`s before evaluating CEL rules (the API server does),
 * so a rule that reads a defaulted field fails to evaluate when the object leaves it out. The objects
 * below spell out the defaults those rules read (listener `tls.mode`, `parentRefs[].group`/`kind`,
 * `rules[].matches`); the last block records what the harness reports when they are left out.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import {
  Gateway,
  GatewaySpecListenersAllowedRoutesNamespacesFrom,
  GatewaySpecListenersTlsMode,
} from '../../src/imports/gateway-api-gateway-gateway.networking.k8s.io';
import { HttpRoute, HttpRouteSpecRulesMatchesPathType } from '../../src/imports/gateway-api-httproute-gateway.networking.k8s.io';
import { InferenceObjective } from '../../src/imports/inference-extension-inferenceobjective-inference.networking.x-k8s.io';
import { InferencePool } from '../../src/imports/inference-extension-inferencepool-inference.networking.k8s.io';
import { Cel, ManifestFinding, ManifestValidator } from '../../src/validation';
import { findObject, TestChart } from '../util';

const CRDS = path.join(__dirname, '..', '..', 'schemas', 'crds');
const GATEWAY_API = 'schemas/crds/gateway-api/gateway.networking.k8s.io';
const INFERENCE = 'schemas/crds/inference-extension/inference.networking';

const validator = new ManifestValidator();

/** Gateway, HTTPRoute, InferencePool and InferenceObjective as the library would emit them, synthesized and validated. */
function synthInferenceStack(): any[] {
  const chart = new TestChart({ namespace: 'llm' });
  new Gateway(chart, 'Gateway', {
    metadata: { name: 'llm-gateway' },
    spec: {
      gatewayClassName: 'istio',
      listeners: [{
        name: 'https',
        port: 443,
        protocol: 'HTTPS',
        hostname: 'llm.example.com',
        tls: { mode: GatewaySpecListenersTlsMode.TERMINATE, certificateRefs: [{ group: '', kind: 'Secret', name: 'llm-gateway-cert' }] },
        allowedRoutes: {
          namespaces: {
            from: GatewaySpecListenersAllowedRoutesNamespacesFrom.SELECTOR,
            selector: { matchLabels: { 'llm-platform.io/gateway-access': 'true' } },
          },
          kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }],
        },
      }],
    },
  });
  new HttpRoute(chart, 'Route', {
    metadata: { name: 'llama3-8b' },
    spec: {
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway', sectionName: 'https' }],
      hostnames: ['llm.example.com'],
      rules: [{
        matches: [{ path: { type: HttpRouteSpecRulesMatchesPathType.PATH_PREFIX, value: '/v1' } }],
        backendRefs: [
          { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama3-8b', weight: 90 },
          { group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama3-8b-canary', weight: 10 },
        ],
        // request 0s disables the request timeout; the CEL rule then lets backendRequest be any length.
        timeouts: { request: '0s', backendRequest: '300s' },
      }],
    },
  });
  new InferencePool(chart, 'Pool', {
    metadata: { name: 'llama3-8b' },
    spec: {
      selector: { matchLabels: { 'llm-platform.io/model': 'llama3-8b' } },
      targetPorts: [{ number: 8000 }],
      endpointPickerRef: { name: 'llama3-8b-epp', port: { number: 9002 } },
    },
  });
  new InferenceObjective(chart, 'Objective', {
    metadata: { name: 'llama3-8b-chat' },
    spec: { priority: 10, poolRef: { name: 'llama3-8b' } },
  });
  return chart.synthValidated();
}

/** A deep copy of the synthesized object of that kind, to break. */
function copyOf(kind: string): any {
  return JSON.parse(JSON.stringify(findObject(synthInferenceStack(), kind)));
}

function messages(findings: ManifestFinding[]): string[] {
  return findings.map((f) => `${f.check} ${f.path}: ${f.message}`);
}

describe('Gateway API v1.5.1 and Inference Extension v1.4.0 CRDs', () => {
  test('the typed bindings synthesize schema-valid objects (Gateway, HTTPRoute, InferencePool v1, InferenceObjective)', () => {
    const objects = synthInferenceStack();
    expect(objects.map((o) => `${o.apiVersion}/${o.kind}`)).toEqual([
      'gateway.networking.k8s.io/v1/Gateway',
      'gateway.networking.k8s.io/v1/HTTPRoute',
      'inference.networking.k8s.io/v1/InferencePool',
      'inference.networking.x-k8s.io/v1alpha2/InferenceObjective',
    ]);
    const route = findObject(objects, 'HTTPRoute');
    expect(route.metadata.namespace).toBe('llm');
    expect(route.spec.rules[0].backendRefs[0]).toEqual({ group: 'inference.networking.k8s.io', kind: 'InferencePool', name: 'llama3-8b', weight: 90 });
    expect(route.spec.rules[0].timeouts).toEqual({ request: '0s', backendRequest: '300s' });
    expect(findObject(objects, 'Gateway').spec.listeners[0].allowedRoutes.namespaces.from).toBe('Selector');
    expect(findObject(objects, 'InferencePool').spec.endpointPickerRef).toEqual({ name: 'llama3-8b-epp', port: { number: 9002 } });
  });

  test('as YAML (what the GitOps layer writes) they validate too', () => {
    const yaml = synthInferenceStack().map((o) => YAML.stringify(o)).join('---\n');
    const report = validator.validateYaml(yaml);
    expect(report.findings).toEqual([]);
    expect(report.objects).toHaveLength(4);
  });

  test('the other vendored kinds (GatewayClass, GRPCRoute, ReferenceGrant) are known and validated', () => {
    const objects = [
      { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: { name: 'istio' }, spec: { controllerName: 'istio.io/gateway-controller' } },
      {
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'GRPCRoute',
        metadata: { name: 'triton', namespace: 'llm' },
        spec: {
          parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway' }],
          rules: [{ matches: [{ method: { type: 'Exact', service: 'inference.GRPCInferenceService' } }], backendRefs: [{ group: '', kind: 'Service', name: 'triton', port: 8001 }] }],
        },
      },
      {
        apiVersion: 'gateway.networking.k8s.io/v1beta1',
        kind: 'ReferenceGrant',
        metadata: { name: 'gateway-certs', namespace: 'certs' },
        spec: { from: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: 'llm' }], to: [{ group: '', kind: 'Secret' }] },
      },
    ];
    expect(validator.validateObjects(objects).findings).toEqual([]);
    // The GRPCRoute's Service backendRef needs a port (a CEL rule of the CRD).
    delete (objects[1] as any).spec.rules[0].backendRefs[0].port;
    const findings = validator.validateObject(objects[1]);
    expect(messages(findings)).toEqual(['cel-rule /spec/rules/0/backendRefs/0: Must have port for Service reference']);
    expect(findings[0].schema).toBe(`CRD grpcroutes.gateway.networking.k8s.io (${GATEWAY_API}_grpcroutes.yaml)`);
  });

  test('every CEL rule and messageExpression of the vendored CRDs compiles offline (only the transition rules, which the harness skips, use oldSelf)', () => {
    const notCompiling: string[] = [];
    let count = 0;
    const files = ['gateway-api', 'inference-extension'].flatMap((dir) => fs.readdirSync(path.join(CRDS, dir)).sort().map((f) => path.join(CRDS, dir, f)));
    expect(files.map((f) => path.basename(f))).toEqual([
      'gateway.networking.k8s.io_gatewayclasses.yaml',
      'gateway.networking.k8s.io_gateways.yaml',
      'gateway.networking.k8s.io_grpcroutes.yaml',
      'gateway.networking.k8s.io_httproutes.yaml',
      'gateway.networking.k8s.io_referencegrants.yaml',
      'inference.networking.k8s.io_inferencepools.yaml',
      'inference.networking.x-k8s.io_inferenceobjectives.yaml',
    ]);
    const walk = (node: any, file: string) => {
      if (node === null || typeof node !== 'object') return;
      for (const rule of Array.isArray(node['x-kubernetes-validations']) ? node['x-kubernetes-validations'] : []) {
        for (const expression of [rule.rule, rule.messageExpression].filter((e) => typeof e === 'string')) {
          count++;
          const r = Cel.compile(expression, ['self']);
          if (!r.ok) notCompiling.push(`${file}: ${expression} (${r.error})`);
        }
      }
      for (const child of Object.values(node)) walk(child, file);
    };
    for (const file of files) walk(YAML.parse(fs.readFileSync(file, 'utf-8')).spec.versions, path.basename(file));
    expect(count).toBeGreaterThan(200);
    expect(notCompiling).toEqual([
      "gateway.networking.k8s.io_gatewayclasses.yaml: self == oldSelf (undeclared reference to 'oldSelf')",
      "gateway.networking.k8s.io_gatewayclasses.yaml: self == oldSelf (undeclared reference to 'oldSelf')",
    ]);
  });
});

describe('Gateway API and Inference Extension CRDs: validation fails', () => {
  test('an InferencePool without selector', () => {
    const pool = copyOf('InferencePool');
    delete pool.spec.selector;
    const findings = validator.validateObject(pool);
    expect(messages(findings)).toEqual(['schema /spec/selector: required field is missing']);
    expect(findings[0].schema).toBe(`CRD inferencepools.inference.networking.k8s.io (${INFERENCE}.k8s.io_inferencepools.yaml)`);
  });

  test('an InferencePool with duplicate target ports, or a Service endpoint picker without port (CEL rules)', () => {
    const pool = copyOf('InferencePool');
    pool.spec.targetPorts = [{ number: 8000 }, { number: 8000 }];
    expect(messages(validator.validateObject(pool))).toEqual(['cel-rule /spec/targetPorts: port number must be unique']);
    const noPort = copyOf('InferencePool');
    noPort.spec.endpointPickerRef = { kind: 'Service', name: 'llama3-8b-epp' };
    expect(messages(validator.validateObject(noPort))).toEqual([
      "cel-rule /spec/endpointPickerRef: port is required when kind is 'Service' or unspecified (defaults to 'Service')",
    ]);
  });

  test('an InferencePool v1 with a v1alpha2 field name (targetPortNumber), or under the x-k8s.io v1alpha2 group, which is not vendored', () => {
    const pool = copyOf('InferencePool');
    pool.spec.targetPortNumber = 8000;
    expect(messages(validator.validateObject(pool))).toEqual(['schema /spec/targetPortNumber: unknown field (not in the schema)']);
    const alpha = copyOf('InferencePool');
    alpha.apiVersion = 'inference.networking.x-k8s.io/v1alpha2';
    // The x-k8s.io InferencePool (v1alpha2) is not vendored: only the v1 pool the Inference Extension v1.4.0 serves.
    expect(validator.validateObject(alpha).map((f) => f.check)).toEqual(['unknown-kind']);
  });

  test('an HTTPRoute with an invalid timeout string (pattern) or a backendRequest longer than request (CEL)', () => {
    const route = copyOf('HTTPRoute');
    route.spec.rules[0].timeouts = { request: '1.5s' };
    expect(messages(validator.validateObject(route))).toEqual(['schema /spec/rules/0/timeouts/request: must match pattern "^([0-9]{1,5}(h|m|s|ms)){1,4}$"']);
    route.spec.rules[0].timeouts = { request: '10s', backendRequest: '20s' };
    expect(messages(validator.validateObject(route))).toEqual(['cel-rule /spec/rules/0/timeouts: backendRequest timeout cannot be longer than request timeout']);
    route.spec.rules[0].timeouts = { request: '60s', backendRequest: '1m' };
    expect(validator.validateObject(route)).toEqual([]);
  });

  test('an HTTPRoute backendRef weight out of range', () => {
    const route = copyOf('HTTPRoute');
    route.spec.rules[0].backendRefs[0].weight = 2000000;
    expect(messages(validator.validateObject(route))).toEqual(['schema /spec/rules/0/backendRefs/0/weight: must be <= 1000000']);
  });

  test('a Gateway HTTPS listener with neither certificateRefs nor options, or with tls on an HTTP listener (CEL)', () => {
    const gw = copyOf('Gateway');
    gw.spec.listeners[0].tls = { mode: 'Terminate', certificateRefs: [], options: {} };
    expect(messages(validator.validateObject(gw))).toEqual(['cel-rule /spec/listeners/0/tls: certificateRefs or options must be specified when mode is Terminate']);
    // Leaving both out makes the rule fail to evaluate (size() of a missing field); the API server rejects that too.
    gw.spec.listeners[0].tls = { mode: 'Terminate' };
    expect(messages(validator.validateObject(gw))).toEqual([
      "cel-rule /spec/listeners/0/tls: CRD rule 'self.mode == 'Terminate' ? size(self.certificateRefs) > 0 || size(self.options) > 0 : true' failed to evaluate: field not found: certificateRefs",
    ]);
    const http = copyOf('Gateway');
    http.spec.listeners[0].protocol = 'HTTP';
    http.spec.listeners[0].port = 80;
    expect(messages(validator.validateObject(http))).toEqual(["cel-rule /spec/listeners: tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']"]);
  });

  test('an InferenceObjective without poolRef or with a non-integer priority', () => {
    const objective = copyOf('InferenceObjective');
    delete objective.spec.poolRef;
    objective.spec.priority = 'high';
    expect(messages(validator.validateObject(objective)).sort()).toEqual([
      'schema /spec/poolRef: required field is missing',
      'schema /spec/priority: must be integer',
    ]);
  });
});

/**
 * What the API server does before validating, and the harness does too: schema defaults are filled in before
 * CEL rules run, and property names CEL reserves are escaped (`namespace` is read as `__namespace__` in the Gateway
 * API rules). Every object below is accepted by the API server.
 */
describe('Gateway API CRDs: defaults and escaped names, as the API server evaluates rules', () => {
  test('defaults apply before CEL: a listener tls without mode, parentRefs without group/kind, a rule without matches, a Service backendRef without group', () => {
    const gw = copyOf('Gateway');
    delete gw.spec.listeners[0].tls.mode;
    expect(validator.validateObject(gw)).toEqual([]);
    const route = copyOf('HTTPRoute');
    route.spec.parentRefs = [{ name: 'llm-gateway' }];
    delete route.spec.rules[0].matches;
    expect(validator.validateObject(route)).toEqual([]);
    // The usual Service backendRef ({ name, port }): group defaults to '' and kind to Service.
    const svc = copyOf('HTTPRoute');
    svc.spec.rules[0].backendRefs = [{ name: 'llama3-8b', port: 8000 }];
    expect(validator.validateObject(svc)).toEqual([]);
  });

  test('a default does not hide a real violation: a Service backendRef without port is refused', () => {
    const svc = copyOf('HTTPRoute');
    svc.spec.rules[0].backendRefs = [{ name: 'llama3-8b' }];
    expect(messages(validator.validateObject(svc))).toEqual(['cel-rule /spec/rules/0/backendRefs/0: Must have port for Service reference']);
  });

  test('__namespace__ reads namespace: two parentRefs to same-named Gateways in different namespaces are distinct', () => {
    const route = copyOf('HTTPRoute');
    route.spec.parentRefs = ['team-a', 'team-b'].map((namespace) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway', namespace }));
    expect(validator.validateObject(route)).toEqual([]);
    // the same namespace twice is the rule's violation
    route.spec.parentRefs = ['team-a', 'team-a'].map((namespace) => ({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'llm-gateway', namespace }));
    expect(messages(validator.validateObject(route))).toEqual(['cel-rule /spec/parentRefs: sectionName must be unique when parentRefs includes 2 or more references to the same parent']);
  });
});
