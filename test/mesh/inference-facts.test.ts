/**
 * `InferencePoolRoute` against the upstream facts vendored in schemas/upstream/inference-extension/ (SOURCES.md):
 * the Gateway API Inference Extension v1.4.0 chart and endpoint picker, Istio 1.30.3's handling of InferencePools.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EndpointPickerFailureMode, EndpointPickerScorer, ENDPOINT_PICKER_PORTS, InferencePoolRoute } from '../../src/mesh';
import { findObject, synthChart } from '../util';
import { vllmModel } from './fixtures';

const DIR = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'inference-extension');
const epp = JSON.parse(fs.readFileSync(path.join(DIR, 'epp.json'), 'utf8'));
const istio = JSON.parse(fs.readFileSync(path.join(DIR, 'istio.json'), 'utf8'));
const EPP = `123456789012.dkr.ecr.us-east-1.amazonaws.com/mirror/gateway-api-inference-extension/epp@sha256:${'e'.repeat(64)}`;

describe('InferencePoolRoute and the vendored upstream facts', () => {
  const objects = synthChart((chart) => {
    new InferencePoolRoute(chart, 'Inference', { model: vllmModel(), gateway: { name: 'llm', namespace: 'istio-ingress' }, pickerImage: EPP });
  });
  const deployment = findObject(objects, 'Deployment', 'llama3-8b-stable-epp');
  const container = deployment.spec.template.spec.containers[0];

  test("the picker's container ports and Service ports are the chart's", () => {
    expect(container.ports.map((p: any) => [p.name, p.containerPort])).toEqual(epp.ports.container.map((p: any) => [p.name, p.containerPort]));
    expect(Object.values(ENDPOINT_PICKER_PORTS).sort()).toEqual(epp.ports.container.map((p: any) => p.containerPort).sort());
    const service = findObject(objects, 'Service', 'llama3-8b-stable-epp');
    expect(service.spec.ports.map((p: any) => [p.name, p.port])).toEqual(epp.ports.service.ports.map((p: any) => [p.name, p.port]));
  });

  test("probes, strategy and grace period are the chart's for one replica", () => {
    expect({ livenessProbe: container.livenessProbe, readinessProbe: container.readinessProbe }).toEqual(epp.probes.singleReplica);
    expect(deployment.spec.strategy.type).toBe(epp.deployment.strategyType);
    expect(deployment.spec.template.spec.terminationGracePeriodSeconds).toBe(epp.deployment.terminationGracePeriodSeconds);
  });

  test('every flag the picker gets is one v1.4.0 registers, and none is one it refuses', () => {
    const known = new Set(epp.options.flags.map((f: any) => f.flag));
    // --zap-* come from controller-runtime's zap options (bound into the same flag set); the chart passes --zap-encoder
    const flags = container.args.filter((a: string) => a.startsWith('--') && !a.startsWith('--zap-')).map((a: string) => a.split('=')[0]);
    expect(flags.filter((f: string) => !known.has(f))).toEqual([]);
    expect(epp.deployment.args.renderedWithChartDefaults).toContain('--zap-encoder');
    // the one deprecated flag used: still registered in v1.4.0, the way to read the merged metrics port
    expect(epp.options.flags.find((f: any) => f.flag === '--model-server-metrics-port').deprecated).toMatch(/deprecated/);
  });

  test('the scorers are registered plugin types; the default profile is upstream\'s', () => {
    const registered = epp.defaultPluginsConfig.registeredPluginTypes.map((p: any) => p.type);
    for (const s of Object.values(EndpointPickerScorer)) expect(registered).toContain(s);
    const config = findObject(objects, 'ConfigMap', 'llama3-8b-stable-epp').data['plugins.yaml'];
    for (const p of epp.defaultPluginsConfig.schedulingProfiles[0].plugins) expect(config).toContain(`  - pluginRef: ${p.pluginRef}\n    weight: ${p.weight}\n`);
  });

  test("the picker's Role holds the chart's always-granted rules, nothing cluster-wide", () => {
    const role = findObject(objects, 'Role', 'llama3-8b-stable-epp');
    const have = new Set(role.rules.flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}:${[...r.verbs].sort().join(',')}`)));
    const always = epp.rbac.roles.filter((r: any) => r.when === 'always' && r.namespaced).flatMap((r: any) => r.rules)
      .flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}:${[...r.verbs].sort().join(',')}`));
    expect(always.filter((x: string) => !have.has(x))).toEqual([]);
    expect(findObjectsOfKind('ClusterRole')).toEqual([]);
  });

  test("the picker's environment is the chart's", () => {
    const upstream = epp.deployment.env.map((e: any) => [e.name, e.fieldPath]);
    expect(container.env.map((e: any) => [e.name, e.valueFrom.fieldRef.fieldPath])).toEqual(upstream);
  });

  test('with more than one replica: leader election as the chart turns it on (flag, probes, Lease RBAC), a budget, one strategy', () => {
    const ha = synthChart((chart) => {
      const gateway = { name: 'llm', namespace: 'istio-ingress' };
      new InferencePoolRoute(chart, 'Inference', { model: vllmModel(), gateway, pickerImage: EPP, pickerReplicas: 2 });
    });
    const d = findObject(ha, 'Deployment', 'llama3-8b-stable-epp');
    const c = d.spec.template.spec.containers[0];
    expect(d.spec.replicas).toBe(2);
    expect(c.args).toContain('--ha-enable-leader-election');
    expect(epp.options.flags.find((f: any) => f.flag === '--ha-enable-leader-election').default).toBe(false);
    expect({ livenessProbe: c.livenessProbe, readinessProbe: c.readinessProbe }).toEqual(epp.probes.multiReplica);
    expect(d.spec.strategy.type).toBe(epp.deployment.strategyType);
    const lease = epp.rbac.roles.find((r: any) => /leader election/.test(r.when)).rules
      .flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}:${[...r.verbs].sort().join(',')}`));
    const role = findObject(ha, 'Role', 'llama3-8b-stable-epp');
    const have = new Set(role.rules.flatMap((r: any) => r.resources.map((res: string) => `${r.apiGroups[0]}/${res}:${[...r.verbs].sort().join(',')}`)));
    expect(lease.filter((x: string) => !have.has(x))).toEqual([]);
    expect(findObject(ha, 'PodDisruptionBudget', 'llama3-8b-stable-epp').spec).toEqual({
      maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels },
    });
    expect(d.spec.template.spec.topologySpreadConstraints[0].topologyKey).toBe('kubernetes.io/hostname');
    // one replica: no Lease rights, no budget
    expect(findObject(objects, 'Role', 'llama3-8b-stable-epp').rules.some((r: any) => r.apiGroups.includes('coordination.k8s.io'))).toBe(false);
    expect(objects.some((o: any) => o.kind === 'PodDisruptionBudget')).toBe(false);
  });

  test("Istio's side: the pool names a picker port (Istio requires one), FailClose is Istio's default, the picker's TLS is the chart's", () => {
    const pool = findObject(objects, 'InferencePool', 'llama3-8b-stable');
    expect(pool.spec.endpointPickerRef.port.number).toBe(ENDPOINT_PICKER_PORTS.extProc);
    expect(istio.endpointPickerRef.failureMode.default).toBe(EndpointPickerFailureMode.FAIL_CLOSE);
    expect(pool.spec.endpointPickerRef.failureMode).toBe(EndpointPickerFailureMode.FAIL_CLOSE);
    const dr = findObject(objects, 'DestinationRule', 'llama3-8b-stable-epp');
    expect(dr.spec.trafficPolicy.tls).toEqual(istio.destinationRule.trafficPolicy.tls);
    expect(istio.pilotEnv.ENABLE_GATEWAY_API_INFERENCE_EXTENSION.default).toBe(false);
  });

  function findObjectsOfKind(kind: string): any[] {
    return objects.filter((o) => o.kind === kind);
  }
});
