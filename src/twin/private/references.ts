import * as YAML from 'yaml';
import { argoModelOf, ARGOCD_KINDS, BUILTIN_GROUPS, groupOf, isClusterScoped, knownCrds, permitsDestination, permitsKind } from './bootstrap';
import { namespaceLabelsOf } from './flows';
import { TEMPLATES_GROUP } from './gatekeeper';
import {
  attachParent, GATEWAY_API_GROUP, INFERENCE_GROUP, isGatewayApi, isGatewayParent, isInferencePoolBackend, isServiceBackend, referenceGranted,
} from './gateway-api';
import { applicationSources, istioMeshOf } from './istio-injection';
import {
  DCGM_DEFAULT_COUNTERS_PATH, DCGM_EXPORTER_VERSION, dcgmFieldsOf, dcgmShippedCounters, kubePrometheusStackDefaults,
  metricSource, metricSources, MetricSource,
} from './metric-catalogue';
import { CheckOutcome, ObjectIndex, selectorMatches, TwinContext, TwinFinding, TwinPod } from './model';
import { inferencePoolIstioFacts } from './operators';
import { knownShape } from './promql-shapes';
import { constraintGroup } from '../../validation/private/gatekeeper-constraints';
import { PromQL } from '../../validation/promql';

/** On a Gateway: its TLS Secrets are created outside the output (External Secrets, a manual Secret); the twin does not look for them. */
export const EXTERNAL_CREDENTIAL_ANNOTATION = 'llm-platform.io/external-tls-credential';
/** On a cert-manager Certificate: its Issuer/ClusterIssuer is created outside the output; the twin does not look for it. */
export const EXTERNAL_ISSUER_ANNOTATION = 'llm-platform.io/external-issuer';

/**
 * The references check: every name an object uses points at something that will exist.
 * - routes: VirtualService destinations -> Service ports; subsets -> DestinationRules and pods; Gateway selectors -> pods;
 * - monitors: PodMonitor/ServiceMonitor selectors and ports -> pods and Services;
 * - metrics: PrometheusRule expressions and KEDA prometheus triggers -> metric names a source in the output exposes
 *   (schemas/upstream/metrics/, recording rules count);
 * - telemetry: Istio Telemetry providers -> meshConfig.extensionProviders of the istiod Application;
 * - TLS: Gateway credentialName and Gateway API listener certificateRefs -> a Secret or a cert-manager Certificate with
 *   an existing issuer;
 * - Gateway API: HTTPRoute parentRefs -> a Gateway listener that admits the route; backendRefs -> Service ports and
 *   InferencePools; InferencePool selectors -> pods and endpointPickerRefs -> Service ports; InferencePool backends ->
 *   istiod with ENABLE_GATEWAY_API_INFERENCE_EXTENSION;
 * - CRDs and projects: custom kinds -> an installed CRD; every object -> an AppProject that lets its Application sync it;
 * - proxy extensions: WasmPlugin and EnvoyFilter selectors -> pods with an Istio sidecar; a grpc_json_transcoder's
 *   proto_descriptor file -> a ConfigMap key mounted into those sidecars.
 */
export function checkReferences(ctx: TwinContext): CheckOutcome {
  const r = new References(ctx);
  r.routes();
  r.monitors();
  r.metrics();
  r.telemetry();
  r.tls();
  r.gatewayApi();
  r.crdsAndProjects();
  r.proxyExtensions();
  return { check: 'references', checked: r.checked, passed: r.passed, findings: r.findings, notModelled: [...new Set(r.notModelled)], summary: [] };
}

/** `name`, namespace of a Kubernetes Service host (short, `name.ns.svc`, `name.ns.svc.cluster.local`), or undefined for other hosts. */
export function serviceOfHost(host: string, namespace: string): { name: string; namespace: string } | undefined {
  if (!host || host.includes('*')) return undefined;
  const parts = host.split('.');
  if (parts.length === 1) return { name: parts[0], namespace };
  if (parts.length >= 3 && parts[2] === 'svc' && (parts.length === 3 || parts.slice(3).join('.') === 'cluster.local')) {
    return { name: parts[0], namespace: parts[1] };
  }
  return undefined;
}

/** Parsed expression shapes (string literals blanked): rules of many models differ only in label values. */
const shapes = new Map<string, { names: string[]; errors: string[] }>();
const STRING_LITERAL = /"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`/g;
/** A `__name__` label matcher: operator and string literal. */
const NAME_MATCHER = /__name__\s*(=~|!=|!~|=)\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)/g;
/** Numbers (thresholds, quantiles, duration counts) not inside a name. */
const NUMBER_LITERAL = /(?<![\w:.])\d+(?:\.\d+)?/g;

/**
 * Metric names a PromQL expression selects: the library parser's metric names (PromQL.parse, the Prometheus
 * grammar) plus `{__name__="x"}` / `{__name__=~"re"}` matchers. Expressions are parsed once per shape: string
 * literals (label values) and numbers never hold a metric name outside `__name__` matchers, so they are blanked first.
 */
export function selectedMetrics(expr: string): { names: string[]; patterns: string[]; errors: string[] } {
  const shape = expr.replace(STRING_LITERAL, '""').replace(NUMBER_LITERAL, '0');
  let parsed = shapes.get(shape);
  if (!parsed) {
    const known = knownShape(shape);
    const r = known ? { metricNames: known, errors: [] } : PromQL.parse(shape);
    parsed = { names: r.metricNames, errors: r.errors };
    if (shapes.size > 10000) shapes.clear();
    shapes.set(shape, parsed);
  }
  const names = new Set(parsed.names);
  const patterns: string[] = [];
  if (parsed.errors.length === 0 && expr.includes('__name__')) {
    // the expression parsed, so `__name__` followed by a match operator and a string is a matcher
    for (const m of expr.matchAll(NAME_MATCHER)) {
      const raw = m[2];
      const v = raw.startsWith('`') ? raw.slice(1, -1) : JSON.parse(raw.startsWith("'") ? `"${raw.slice(1, -1).replace(/"/g, '\\"')}"` : raw);
      if (m[1] === '=') names.add(v);
      else if (m[1] === '=~') patterns.push(v);
    }
  }
  return { names: [...names].sort(), patterns, errors: parsed.errors };
}

/** Helm values of an Argo CD Application source: `values` (YAML) under `valuesObject` (which wins). */
export function helmValuesOf(source: any): any {
  let values: any = {};
  if (typeof source?.helm?.values === 'string') {
    try {
      values = YAML.parse(source.helm.values) ?? {};
    } catch {
      values = {};
    }
  }
  return deepMerge(values, source?.helm?.valuesObject ?? {});
}

/** Helm's coalescing: maps merge, everything else (lists included) is replaced. */
export function deepMerge(base: any, over: any): any {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = isMap(out[k]) && isMap(v) ? deepMerge(out[k], v) : v;
  return out;
}

/** A list field of an object, or none when it is missing or not a list (objects are read as data, never trusted). */
function arr(v: any): any[] {
  return Array.isArray(v) ? v.map((e) => (e && typeof e === 'object' ? e : {})) : [];
}

function isMap(v: any): boolean {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Go's strconv.ParseBool of a Helm-rendered env value (`"{{ $val }}"`): true, false, or undefined when it does not parse. */
export function goParseBool(v: unknown): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  const text = String(v);
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/**
 * The extension provider names the mesh knows, from the istiod Application (chart `istiod`) in the output, as
 * istioMeshOf (./istio-injection.ts) reads its mesh config: Istio's built-in providers merged by name with
 * meshConfig.extensionProviders of the chart's values; undefined when the output has no istiod Application.
 */
export function istioExtensionProviders(index: ObjectIndex): { names: Set<string>; application: any } | undefined {
  const mesh = istioMeshOf(index);
  if (!mesh) return undefined;
  const application = index.ofKind('Application').find((a) => applicationSources(a).some((s) => s.chart === 'istiod'));
  return { names: new Set(mesh.extensionProviders.map((p: any) => String(p?.name))), application };
}

function containersOf(spec: any): any[] {
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Whether a container of the pod (native sidecars included) declares the port, by name or number. */
function declaresPort(p: TwinPod, port: any): boolean {
  return containersOf(p.pod?.spec).some((c) => arr(c.ports).some((cp: any) => cp.name === port || cp.containerPort === port));
}

function commandLine(c: any): string[] {
  return [...(c.command ?? []), ...(c.args ?? [])].map(String);
}

interface PrometheusSelectors {
  readonly id: string;
  /** The Prometheus' own namespace (a nil namespace selector selects only it). */
  readonly namespace: string;
  /** kube-prometheus-stack value prefix per kind, for fixes. */
  readonly how: Record<string, string>;
  /** Per kind: [selector, namespaceSelector]. */
  readonly selectors: Record<string, [any, any]>;
}

class References {
  public checked = 0;
  public passed = 0;
  public readonly findings: TwinFinding[] = [];
  public readonly notModelled: string[] = [];
  private readonly index: ObjectIndex;
  private readonly all: any[];

  private readonly podsByNamespace = new Map<string, TwinPod[]>();
  private readonly servicesByNamespace = new Map<string, any[]>();
  private readonly byKind = new Map<string, any[]>();
  private servicesByName?: Map<string, any>;

  constructor(private readonly ctx: TwinContext) {
    this.index = ctx.index;
    this.all = [...ctx.index.objects, ...ctx.derived];
    for (const p of ctx.pods) push(this.podsByNamespace, p.namespace, p);
    for (const o of this.all) {
      push(this.byKind, o.kind, o);
      if (o.kind === 'Service') push(this.servicesByNamespace, o.metadata?.namespace ?? 'default', o);
    }
  }

  /** Output and derived objects of a kind. */
  private ofKind(kind: string): any[] {
    return this.byKind.get(kind) ?? [];
  }

  /** Pods in the namespaces a monitor's namespaceSelector picks. */
  private podsIn(monitor: any): TwinPod[] {
    return this.inNamespaces(monitor, this.podsByNamespace);
  }

  private inNamespaces<T>(monitor: any, byNs: Map<string, T[]>): T[] {
    const nsSel = monitor.spec?.namespaceSelector;
    if (nsSel?.any) return [...byNs.values()].flat();
    const names: string[] = Array.isArray(nsSel?.matchNames) && nsSel.matchNames.length > 0 ? nsSel.matchNames : [monitor.metadata?.namespace ?? 'default'];
    return names.flatMap((n) => byNs.get(n) ?? []);
  }

  /** Count one check; the finding (or a function making it, so passing checks build no text) is kept when it fails. */
  private result(ok: boolean, finding?: Omit<TwinFinding, 'check'> | (() => Omit<TwinFinding, 'check'>)): void {
    this.checked++;
    if (ok) this.passed++;
    else if (finding) this.findings.push({ check: 'references', ...(typeof finding === 'function' ? finding() : finding) });
  }

  private service(namespace: string, name: string): any | undefined {
    if (!this.servicesByName) {
      // the first Service of each namespace and name, as a find over the namespace's Services returns
      this.servicesByName = new Map();
      for (const [ns, list] of this.servicesByNamespace) {
        for (const d of list) {
          const key = `${ns}\u0000${d.metadata?.name}`;
          if (typeof d.metadata?.name === 'string' && !this.servicesByName.has(key)) this.servicesByName.set(key, d);
        }
      }
    }
    if (typeof name !== 'string') return (this.servicesByNamespace.get(namespace) ?? []).find((d) => d.metadata?.name === name);
    return this.servicesByName.get(`${namespace}\u0000${name}`);
  }

  private podsOfService(svc: any): TwinPod[] {
    const sel = svc.spec?.selector;
    if (!sel || Object.keys(sel).length === 0) return [];
    return (this.podsByNamespace.get(svc.metadata?.namespace ?? 'default') ?? []).filter((p) => selectorMatches({ matchLabels: sel }, p.pod?.metadata?.labels));
  }

  // ---------------------------------------------------------------------------------------------- routes
  public routes(): void {
    const serviceEntryHosts = new Set(this.index.ofKind('ServiceEntry').flatMap((s) => s.spec?.hosts ?? []));
    const destinationRules = this.index.ofKind('DestinationRule');
    // DestinationRules by the Service their host names, built on first use (in output order per Service)
    let rulesByService: Map<string, any[]> | undefined;
    const ruleFor = (svc: { name: string; namespace: string }) => {
      if (!rulesByService) {
        rulesByService = new Map();
        for (const d of destinationRules) {
          const h = serviceOfHost(d.spec?.host, d.metadata?.namespace);
          if (h && typeof h.namespace === 'string') push(rulesByService, `${h.namespace}\u0000${h.name}`, d);
        }
      }
      return rulesByService.get(`${svc.namespace}\u0000${svc.name}`) ?? [];
    };

    for (const vs of this.index.ofKind('VirtualService')) {
      const id = ObjectIndex.id(vs);
      const ns = vs.metadata?.namespace ?? 'default';
      for (const proto of ['http', 'tcp', 'tls']) {
        arr(vs.spec?.[proto]).forEach((route: any, ri: number) => {
          arr(route?.route).forEach((dst: any, di: number) => {
            const field = `spec.${proto}[${ri}].route[${di}].destination`;
            const d = dst?.destination ?? {};
            const host = String(d.host ?? '');
            if (serviceEntryHosts.has(host)) {
              this.result(true);
              return;
            }
            const ref = serviceOfHost(host, ns);
            if (!ref) {
              this.notModelled.push(`${id} ${field}.host '${host}': not a Kubernetes Service host nor a ServiceEntry host of the output`);
              return;
            }
            const svc = this.service(ref.namespace, ref.name);
            if (!svc) {
              this.result(false, { object: id, field: `${field}.host`, problem: `routes to Service ${ref.namespace}/${ref.name}, which neither the output nor its operators create: Istio answers 503 (no healthy upstream)`, value: host, fix: `route to an existing Service or add Service ${ref.namespace}/${ref.name}` });
              return;
            }
            const ports: any[] = arr(svc.spec?.ports);
            const number = d.port?.number;
            if (number !== undefined) {
              this.result(ports.some((p) => p.port === number), () => ({ object: id, field: `${field}.port.number`, problem: `routes to port ${number} of Service ${ref.namespace}/${ref.name}, which exposes ${ports.map((p) => p.port).join(', ') || 'no port'}: the route never reaches a pod`, value: number, fix: `route to a port the Service exposes (${ports.map((p) => p.port).join(', ')})` }));
            } else if ((Array.isArray(vs.spec?.gateways) ? vs.spec.gateways : []).some((g: any) => g !== 'mesh')) {
              // sidecars route a mesh VirtualService on the port the client used; gateways need the port when there are several
              this.result(ports.length <= 1, () => ({ object: id, field: `${field}.port`, problem: `names no port while Service ${ref.namespace}/${ref.name} exposes ${ports.length}: the gateway cannot pick one`, value: ports.map((p) => p.port), fix: 'set destination.port.number' }));
            }
            if (d.subset !== undefined) {
              const rules = ruleFor(ref);
              const has = rules.some((r) => arr(r.spec?.subsets).some((s: any) => s.name === d.subset));
              this.result(has, () => ({ object: id, field: `${field}.subset`, problem: `routes to subset '${d.subset}', which no DestinationRule for ${ref.name}.${ref.namespace} defines: Istio rejects the route with 503 (no cluster)`, value: d.subset, fix: `define subset '${d.subset}' in the DestinationRule of ${ref.name}.${ref.namespace}` }));
            }
          });
        });
      }
    }

    for (const dr of destinationRules) {
      const id = ObjectIndex.id(dr);
      const ref = serviceOfHost(dr.spec?.host, dr.metadata?.namespace ?? 'default');
      if (!ref) continue;
      const svc = this.service(ref.namespace, ref.name);
      if (!svc) {
        this.result(false, { object: id, field: 'spec.host', problem: `configures Service ${ref.namespace}/${ref.name}, which neither the output nor its operators create`, value: dr.spec?.host, fix: 'point the DestinationRule at an existing Service' });
        continue;
      }
      const backing = this.podsOfService(svc);
      if (!svc.spec?.selector) {
        this.notModelled.push(`${id}: Service ${ref.namespace}/${ref.name} has no selector, its subsets' pods are not checked`);
        continue;
      }
      arr(dr.spec?.subsets).forEach((s: any, si: number) => {
        const ok = backing.some((p) => selectorMatches({ matchLabels: s.labels ?? {} }, p.pod?.metadata?.labels));
        this.result(ok, () => ({ object: id, field: `spec.subsets[${si}].labels`, problem: `subset '${s.name}' selects no pod behind Service ${ref.namespace}/${ref.name}: routes to it get 503`, value: s.labels, fix: 'use labels the pods of that Service carry' }));
      });
    }

    for (const gw of this.index.ofKind('Gateway').filter((g) => groupOf(g.apiVersion) === 'networking.istio.io')) {
      const sel = gw.spec?.selector ?? {};
      const ok = this.ctx.pods.some((p) => selectorMatches({ matchLabels: sel }, p.pod?.metadata?.labels));
      this.result(ok, () => ({ object: ObjectIndex.id(gw), field: 'spec.selector', problem: 'selects no gateway pod the output or its add-ons run: no proxy serves its servers', value: sel, fix: 'use the labels of the ingress gateway pods (the gateway chart labels them istio: <name>) or install the gateway add-on' }));
    }
  }

  // ---------------------------------------------------------------------------------------------- monitors
  /** The Prometheus instances of the output and what they select (Prometheus resources, kube-prometheus-stack Applications). */
  private prometheuses(): PrometheusSelectors[] {
    const out: PrometheusSelectors[] = [];
    for (const p of this.ofKind('Prometheus').filter((o) => groupOf(o.apiVersion) === 'monitoring.coreos.com')) {
      const spec = p.spec ?? {};
      out.push({
        id: ObjectIndex.id(p),
        namespace: p.metadata?.namespace ?? 'default',
        how: {},
        selectors: {
          PodMonitor: [spec.podMonitorSelector, spec.podMonitorNamespaceSelector],
          ServiceMonitor: [spec.serviceMonitorSelector, spec.serviceMonitorNamespaceSelector],
          PrometheusRule: [spec.ruleSelector, spec.ruleNamespaceSelector],
        },
      });
    }
    for (const app of this.index.ofKind('Application')) {
      const sources: any[] = app.spec?.sources ?? (app.spec?.source ? [app.spec.source] : []);
      const src = sources.find((x) => x.chart === 'kube-prometheus-stack');
      if (!src) continue;
      const d = kubePrometheusStackDefaults();
      const values = deepMerge({ prometheus: { enabled: d.prometheusEnabled, prometheusSpec: d.prometheusSpec } }, helmValuesOf(src));
      if (values?.prometheus?.enabled === false) continue;
      const spec = values.prometheus?.prometheusSpec ?? {};
      const release = src.helm?.releaseName ?? app.metadata?.name;
      const nonEmpty = (v: any) => isMap(v) && Object.keys(v).length > 0;
      // templates/prometheus/prometheus.yaml: a set selector as is; an empty one is {release} while *NilUsesHelmValues, else all
      const sel = (key: string) => (nonEmpty(spec[`${key}Selector`]) ? spec[`${key}Selector`]
        : spec[`${key}SelectorNilUsesHelmValues`] ? { matchLabels: { release } } : {});
      const nsSel = (key: string) => (nonEmpty(spec[`${key}NamespaceSelector`]) ? spec[`${key}NamespaceSelector`] : {});
      out.push({
        id: `the Prometheus of ${ObjectIndex.id(app)}`,
        namespace: app.spec?.destination?.namespace ?? 'default',
        how: { PodMonitor: 'podMonitor', ServiceMonitor: 'serviceMonitor', PrometheusRule: 'rule' },
        selectors: {
          PodMonitor: [sel('podMonitor'), nsSel('podMonitor')],
          ServiceMonitor: [sel('serviceMonitor'), nsSel('serviceMonitor')],
          PrometheusRule: [sel('rule'), nsSel('rule')],
        },
      });
    }
    return out;
  }

  /** Every PodMonitor, ServiceMonitor and PrometheusRule must be selected by a Prometheus, or nothing scrapes or evaluates it. */
  private selectedByPrometheus(): void {
    const monitors = ['PodMonitor', 'ServiceMonitor', 'PrometheusRule'].flatMap((k) => this.index.ofKind(k));
    if (monitors.length === 0) return;
    const proms = this.prometheuses();
    if (proms.length === 0) {
      this.notModelled.push('no Prometheus resource or kube-prometheus-stack Application in the output: which Prometheus selects the monitors and rules is not checked');
      return;
    }
    for (const m of monitors) {
      const ns = m.metadata?.namespace ?? 'default';
      const nsLabels = { ...(this.index.namespace(ns)?.metadata?.labels ?? {}), 'kubernetes.io/metadata.name': ns };
      const ok = proms.some((p) => {
        const [sel, nsSel] = p.selectors[m.kind];
        if (!sel) return false; // a nil selector selects nothing (prometheus-operator API)
        const inNs = nsSel === undefined || nsSel === null ? ns === p.namespace : selectorMatches(nsSel, nsLabels);
        return inNs && selectorMatches(sel, m.metadata?.labels);
      });
      const first = proms[0];
      const key = first.how[m.kind];
      const sel = first.selectors[m.kind][0];
      this.result(ok, () => ({
        object: ObjectIndex.id(m),
        field: 'metadata.labels',
        problem: `is selected by no Prometheus (${proms.map((p) => `${p.id}: ${JSON.stringify(p.selectors[m.kind][0] ?? null)}`).join('; ')}): ${m.kind === 'PrometheusRule' ? 'its rules are never evaluated' : 'its targets are never scraped'}`,
        value: m.metadata?.labels ?? {},
        fix: key
          ? `label it ${JSON.stringify(sel?.matchLabels ?? {})} or set prometheus.prometheusSpec.${key}SelectorNilUsesHelmValues false (or a ${key}Selector that matches it) in ${first.id.replace('the Prometheus of ', '')}`
          : `label it to match the ${m.kind === 'PrometheusRule' ? 'rule' : m.kind.charAt(0).toLowerCase() + m.kind.slice(1)}Selector of ${first.id}`,
      }));
    }
  }

  public monitors(): void {
    this.selectedByPrometheus();
    for (const pm of this.index.ofKind('PodMonitor')) {
      const id = ObjectIndex.id(pm);
      const pods = this.podsIn(pm).filter((p) => selectorMatches(pm.spec?.selector ?? {}, p.pod?.metadata?.labels));
      this.result(pods.length > 0, () => ({ object: id, field: 'spec.selector', problem: 'selects no pod that will exist: Prometheus scrapes nothing for it', value: pm.spec?.selector, fix: 'use labels the target pods carry (and a namespaceSelector that includes their namespace)' }));
      if (pods.length === 0) continue;
      arr(pm.spec?.podMetricsEndpoints).forEach((ep: any, i: number) => {
        const want = ep.port ?? ep.portNumber ?? ep.targetPort;
        if (want === undefined) return;
        const has = (p: TwinPod) => declaresPort(p, want);
        const missing = pods.filter((p) => !has(p));
        this.result(missing.length === 0, () => ({ object: id, field: `spec.podMetricsEndpoints[${i}].${ep.port !== undefined ? 'port' : ep.portNumber !== undefined ? 'portNumber' : 'targetPort'}`, problem: `names a port that ${missing.map((p) => p.owner).slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''} pods do not declare: Prometheus drops those targets`, value: want, fix: 'use a container port name the selected pods declare (after sidecar injection istio-proxy declares http-envoy-prom 15090)' }));
      });
    }
    for (const sm of this.index.ofKind('ServiceMonitor')) {
      const id = ObjectIndex.id(sm);
      const services = this.inNamespaces(sm, this.servicesByNamespace).filter((s) => selectorMatches(sm.spec?.selector ?? {}, s.metadata?.labels));
      this.result(services.length > 0, () => ({ object: id, field: 'spec.selector', problem: 'selects no Service that will exist: Prometheus scrapes nothing for it', value: sm.spec?.selector, fix: 'use labels of the target Service (and a namespaceSelector that includes its namespace)' }));
      if (services.length === 0) continue;
      arr(sm.spec?.endpoints).forEach((ep: any, i: number) => {
        if (ep.port !== undefined) {
          const bad = services.filter((s) => !arr(s.spec?.ports).some((p: any) => p.name === ep.port));
          this.result(bad.length === 0, () => ({ object: id, field: `spec.endpoints[${i}].port`, problem: `names Service port '${ep.port}', which ${bad.map((s) => ObjectIndex.id(s)).join(', ')} do not expose by name`, value: ep.port, fix: 'use the name of a port of the selected Services' }));
          for (const s of services.filter((x) => !bad.includes(x))) {
            const sp = arr(s.spec?.ports).find((p: any) => p.name === ep.port);
            const target = sp.targetPort ?? sp.port;
            const pods = this.podsOfService(s);
            if (!s.spec?.selector) continue;
            const ok = pods.some((p) => declaresPort(p, target));
            this.result(ok, () => ({ object: id, field: `spec.endpoints[${i}].port`, problem: `scrapes ${ObjectIndex.id(s)} port '${ep.port}' (target ${target}), which no pod behind it serves: the target is down`, value: target, fix: 'point the Service port at a container port of its pods' }));
          }
        } else if (ep.targetPort !== undefined) {
          const ok = services.some((s) => this.podsOfService(s).some((p) => declaresPort(p, ep.targetPort)));
          this.result(ok, () => ({ object: id, field: `spec.endpoints[${i}].targetPort`, problem: 'names a container port no pod behind the selected Services declares', value: ep.targetPort, fix: 'use a container port of the pods' }));
        }
      });
    }
  }

  // ---------------------------------------------------------------------------------------------- metrics
  private runtimePresent(source: string): boolean {
    const match = (c: any): boolean => {
      const image = String(c.image ?? '');
      const cmd = commandLine(c);
      switch (source) {
        case 'vllm': return cmd[0] === 'vllm' || cmd.some((a) => a.includes('vllm.entrypoints')) || /\/vllm[^/@:]*(@|:|$)/.test(image);
        case 'tgi': return cmd[0] === 'text-generation-launcher' || /text-generation-inference/.test(image);
        case 'triton': return cmd[0] === 'tritonserver' || /tritonserver/.test(image);
        case 'istio': return c.name === 'istio-proxy';
        case 'dcgm': return /dcgm-exporter/.test(image);
        // the Gateway API Inference Extension's endpoint picker (its pool flag, or its image)
        case 'epp': return cmd.includes('--pool-name') || /\/epp[^/@:]*(@|:|$)/.test(image);
        default: return false;
      }
    };
    return this.ctx.pods.some((p) => containersOf(p.pod?.spec).some(match));
  }

  /** The DCGM fields every dcgm-exporter pod exports, from the counters file it reads. */
  private dcgmFields(): { fields: Set<string>; files: string[] } {
    const fields = new Set<string>();
    const files: string[] = [];
    for (const p of this.ctx.pods) {
      for (const c of containersOf(p.pod?.spec)) {
        if (!/dcgm-exporter/.test(String(c.image ?? ''))) continue;
        const cmd = commandLine(c);
        let file = DCGM_DEFAULT_COUNTERS_PATH;
        const env = arr(c.env).find((e: any) => e.name === 'DCGM_EXPORTER_COLLECTORS');
        if (env?.value) file = env.value;
        cmd.forEach((a, i) => {
          const m = /^(?:-f|--collectors)(?:=(.+))?$/.exec(a);
          if (m) file = m[1] ?? cmd[i + 1] ?? file;
        });
        const shipped = dcgmShippedCounters(file);
        if (shipped) {
          shipped.forEach((f) => fields.add(f));
          files.push(`${file} of the dcgm-exporter ${DCGM_EXPORTER_VERSION} image`);
          continue;
        }
        const csv = this.mountedFile(p, c, file);
        if (csv === undefined) {
          this.notModelled.push(`${p.owner}: dcgm-exporter reads its counters from ${file}, which is not a file of the image nor of a ConfigMap in the output`);
          continue;
        }
        dcgmFieldsOf(csv).forEach((f) => fields.add(f));
        files.push(`${file} from a ConfigMap`);
      }
    }
    return { fields, files };
  }

  /** The content of `file` inside container `c` when it comes from a ConfigMap volume of the output. */
  private mountedFile(p: TwinPod, c: any, file: string): string | undefined {
    for (const { configMap, key } of this.configMapMounts(p, c, file)) {
      const data = configMap?.data?.[key];
      if (typeof data === 'string') return data;
    }
    return undefined;
  }

  /**
   * The ConfigMap volume mounts of container `c` that hold `file` (a subPath mount of the file, or a directory
   * mount above it): the output's ConfigMap (undefined when the output has none of that name) and the key.
   */
  private *configMapMounts(p: TwinPod, c: any, file: string): Generator<{ configMap: any; key: string }> {
    for (const m of arr(c?.volumeMounts)) {
      const mount = String(m.mountPath ?? '').replace(/\/+$/, '');
      let path: string | undefined;
      if (m.subPath && mount === file) path = m.subPath;
      else if (!m.subPath && file.startsWith(`${mount}/`)) path = file.slice(mount.length + 1);
      if (path === undefined) continue;
      const vol = arr(p.pod?.spec?.volumes).find((v: any) => v.name === m.name);
      const cmName = vol?.configMap?.name;
      if (!cmName) continue;
      const item = arr(vol.configMap.items).find((it: any) => it.path === path);
      yield { configMap: this.index.get('ConfigMap', p.namespace, cmName), key: item ? item.key : path };
    }
  }

  public metrics(): void {
    const recorded = new Set<string>();
    for (const pr of this.index.ofKind('PrometheusRule')) {
      for (const g of arr(pr.spec?.groups)) for (const rule of arr(g?.rules)) if (rule.record) recorded.add(rule.record);
    }
    const sources = metricSources();
    const present = new Map<string, boolean>();
    const isPresent = (s: string) => {
      if (!present.has(s)) present.set(s, s === 'prometheus' ? this.index.ofKind('PodMonitor').length + this.index.ofKind('ServiceMonitor').length > 0 : this.runtimePresent(s));
      return present.get(s)!;
    };
    let dcgm: { fields: Set<string>; files: string[] } | undefined;
    let known: string[] | undefined;
    const sourceOf = (name: string): MetricSource | 'dcgm' | undefined => {
      if (name.startsWith('DCGM_')) return 'dcgm';
      return sources.find((s) => s.prefixes.some((p) => name.startsWith(p))) ?? sources.find((s) => s.prefixes.length === 0 && s.exposed.has(name));
    };

    const checkExpr = (id: string, field: string, expr: string, what: string) => {
      if (typeof expr !== 'string') return;
      const sel = selectedMetrics(expr);
      if (sel.errors.length > 0) {
        this.result(false, { object: id, field, problem: `is not valid PromQL (${sel.errors.join('; ')}): Prometheus rejects it`, value: expr, fix: 'fix the expression' });
        return;
      }
      for (const pattern of sel.patterns) {
        let re: RegExp;
        try {
          re = new RegExp(`^(?:${pattern})$`);
        } catch {
          this.notModelled.push(`${id} ${field}: __name__ pattern '${pattern}' is not a JavaScript regular expression`);
          continue;
        }
        known ??= [...recorded, ...sources.flatMap((s) => (isPresent(s.source) ? [...s.exposed] : []))];
        if (known.some((n) => re!.test(n))) {
          this.result(true);
        } else if (sources.some((s) => [...s.exposed].some((n) => re.test(n)))) {
          this.result(false, { object: id, field, problem: `${what} selects metrics matching '${pattern}', exposed only by a source the output does not run: it never sees data`, value: pattern, fix: 'select metrics of a source the output runs' });
        } else {
          this.notModelled.push(`${id} ${field}: metrics matching '${pattern}' (no vendored catalogue for their family)`);
        }
      }
      for (const name of sel.names) {
        if (recorded.has(name)) {
          this.result(true);
          continue;
        }
        const src = sourceOf(name);
        if (src === undefined) {
          this.notModelled.push(`${id} ${field}: metric ${name} (no vendored catalogue for its family)`);
          continue;
        }
        if (src === 'dcgm') {
          if (!isPresent('dcgm')) {
            this.result(false, { object: id, field, problem: `${what} selects ${name}, but the output runs no dcgm-exporter: it never sees data`, value: name, fix: 'deploy the DCGM exporter (DcgmExporter or the dcgm-exporter add-on) or drop the rule' });
            continue;
          }
          dcgm = dcgm ?? this.dcgmFields();
          if (dcgm.files.length === 0) continue;
          const ok = dcgm.fields.has(name);
          const files = dcgm.files;
          const defaultOnly = files.every((f) => f.startsWith(DCGM_DEFAULT_COUNTERS_PATH));
          this.result(ok, () => ({
            object: id,
            field,
            problem: `${what} selects ${name}, which dcgm-exporter does not export with the counters file it reads (${files.join('; ')}${defaultOnly ? ', which leaves that field out' : ''}): it never fires`,
            value: name,
            fix: `pass a counters file that lists ${name} (a ConfigMap mounted into the exporter and named with -f or DCGM_EXPORTER_COLLECTORS), or use a field the file exports`,
          }));
          continue;
        }
        if (!isPresent(src.source)) {
          this.result(false, { object: id, field, problem: `${what} selects ${name} (${src.title}), but the output runs no ${src.source} pod: it never sees data`, value: name, fix: `select a metric of a runtime the output runs, or drop the ${what}` });
          continue;
        }
        this.result(src.exposed.has(name), () => ({ object: id, field, problem: `${what} selects ${name}, which ${src.title} does not expose: it never sees data`, value: name, fix: `use a metric ${src.source} exposes (schemas/upstream/metrics lists them)` }));
      }
    };

    for (const pr of this.index.ofKind('PrometheusRule')) {
      const id = ObjectIndex.id(pr);
      arr(pr.spec?.groups).forEach((g: any, gi: number) => arr(g?.rules).forEach((rule: any, ri: number) => {
        checkExpr(id, `spec.groups[${gi}].rules[${ri}].expr`, rule.expr, rule.alert ? `alert ${rule.alert}` : `recording rule ${rule.record}`);
      }));
    }
    for (const so of this.index.ofKind('ScaledObject')) {
      const id = ObjectIndex.id(so);
      arr(so.spec?.triggers).forEach((t: any, ti: number) => {
        if (t.type === 'prometheus') checkExpr(id, `spec.triggers[${ti}].metadata.query`, t.metadata?.query, `trigger ${t.name ?? ti}`);
      });
    }
    if (metricSource('istio') === undefined) this.notModelled.push('Istio standard metrics catalogue missing from schemas/upstream/metrics');
  }

  // ---------------------------------------------------------------------------------------------- telemetry
  public telemetry(): void {
    const telemetries = this.index.ofKind('Telemetry');
    if (telemetries.length === 0) return;
    const mesh = istioExtensionProviders(this.index);
    for (const t of telemetries) {
      const id = ObjectIndex.id(t);
      for (const section of ['accessLogging', 'metrics', 'tracing']) {
        arr(t.spec?.[section]).forEach((entry: any, ei: number) => arr(entry?.providers).forEach((p: any, pi: number) => {
          const field = `spec.${section}[${ei}].providers[${pi}].name`;
          if (!mesh) {
            this.notModelled.push(`${id} ${field}: no istiod Application in the output, its extension providers are unknown`);
            return;
          }
          this.result(mesh.names.has(p.name), () => ({
            object: id,
            field,
            problem: `names provider '${p.name}', which meshConfig.extensionProviders of ${ObjectIndex.id(mesh.application)} does not define (known: ${[...mesh.names].sort().join(', ')}): istiod ignores it and nothing is ${section === 'metrics' ? 'exported' : section === 'tracing' ? 'traced' : 'logged'}`,
            value: p.name,
            fix: `add an extension provider named '${p.name}' to meshConfig.extensionProviders of the istiod Application, or use a provider it defines`,
          }));
        }));
      }
    }
  }

  // ---------------------------------------------------------------------------------------------- TLS
  /**
   * TLS credentials: an Istio Gateway server's credentialName (the Secret in the gateway pods' namespace) and a Gateway
   * API Gateway listener's `tls.certificateRefs` (core Secrets, in the Gateway's namespace unless the reference names
   * another with a ReferenceGrant there: istio 1.30.3 conversion.go buildTLS/buildSecretReference, which istiod reads
   * itself) -> a Secret or ExternalSecret of the output, or a cert-manager Certificate of that secretName whose issuer exists.
   */
  public tls(): void {
    const certificates = this.ofKind('Certificate').filter((o) => groupOf(o.apiVersion) === 'cert-manager.io');
    for (const gw of this.index.ofKind('Gateway').filter((g) => groupOf(g.apiVersion) === 'networking.istio.io')) {
      const id = ObjectIndex.id(gw);
      const sel = gw.spec?.selector ?? {};
      const gatewayPods = this.ctx.pods.filter((p) => selectorMatches({ matchLabels: sel }, p.pod?.metadata?.labels));
      let namespaces = [...new Set(gatewayPods.map((p) => p.namespace))];
      if (namespaces.length === 0) namespaces = [gw.metadata?.namespace ?? 'default'];
      arr(gw.spec?.servers).forEach((s: any, si: number) => {
        const name = s.tls?.credentialName;
        if (!name || ['ISTIO_MUTUAL', 'PASSTHROUGH', 'AUTO_PASSTHROUGH'].includes(s.tls?.mode)) return;
        const field = `spec.servers[${si}].tls.credentialName`;
        if (gw.metadata?.annotations?.[EXTERNAL_CREDENTIAL_ANNOTATION] === 'true') {
          this.notModelled.push(`${id} ${field}: Secret '${name}' is created outside the output (${EXTERNAL_CREDENTIAL_ANNOTATION})`);
          return;
        }
        for (const ns of namespaces) {
          this.tlsSecret(certificates, ns, name, id, () => ({ object: id, field, problem: `names Secret ${ns}/${name}, which nothing creates (no Secret, ExternalSecret or cert-manager Certificate with that secretName in the gateway pods' namespace ${ns}): the gateway serves no certificate and TLS handshakes fail`, value: name, fix: `add a cert-manager Certificate in ${ns} with secretName '${name}' and an Issuer/ClusterIssuer, or document and create the Secret` }));
        }
      });
    }
    const grants = this.ofKind('ReferenceGrant').filter((g) => isGatewayApi(g, 'ReferenceGrant'));
    for (const gw of this.index.ofKind('Gateway').filter((g) => isGatewayApi(g, 'Gateway'))) {
      const id = ObjectIndex.id(gw);
      const gwNs = String(gw.metadata?.namespace ?? 'default');
      arr(gw.spec?.listeners).forEach((l: any, li: number) => {
        if (!['HTTPS', 'TLS'].includes(l.protocol) || !isMap(l.tls) || (l.tls.mode ?? 'Terminate') !== 'Terminate') return;
        // gateway.istio.io/tls-terminate-mode ISTIO_SIMPLE / ISTIO_MUTUAL: the workload certificate, no Secret (buildTLS)
        if (['ISTIO_SIMPLE', 'ISTIO_MUTUAL'].includes(l.tls.options?.['gateway.istio.io/tls-terminate-mode'])) return;
        const refs = arr(l.tls.certificateRefs);
        if (refs.length === 0) {
          this.result(false, { object: id, field: `spec.listeners[${li}].tls.certificateRefs`, problem: `listener '${l.name}' terminates TLS with no certificateRefs: it serves no certificate and TLS handshakes on port ${l.port} fail`, value: l.tls, fix: 'name the Secret of the listener\'s certificate (a cert-manager Certificate\'s secretName) in tls.certificateRefs' });
          return;
        }
        refs.forEach((c: any, ci: number) => {
          const field = `spec.listeners[${li}].tls.certificateRefs[${ci}]`;
          if ((c.group ?? '') !== '' || (c.kind ?? 'Secret') !== 'Secret') {
            this.result(false, { object: id, field, problem: `names a ${c.group || 'core'}/${c.kind} as the certificate of listener '${l.name}': istiod takes only core Secrets (InvalidCertificateRef, "only secret is allowed") and the listener serves no certificate`, value: { group: c.group, kind: c.kind }, fix: 'reference the certificate\'s Secret (group \'\', kind Secret)' });
            return;
          }
          const name = String(c.name ?? '');
          const ns = String(c.namespace ?? gwNs);
          if (gw.metadata?.annotations?.[EXTERNAL_CREDENTIAL_ANNOTATION] === 'true') {
            this.notModelled.push(`${id} ${field}: Secret '${name}' is created outside the output (${EXTERNAL_CREDENTIAL_ANNOTATION})`);
            return;
          }
          if (ns !== gwNs) {
            const granted = referenceGranted(grants, { group: GATEWAY_API_GROUP, kind: 'Gateway', namespace: gwNs }, { group: '', kind: 'Secret', namespace: ns, name });
            this.result(granted, () => ({ object: id, field: `${field}.namespace`, problem: `names Secret ${ns}/${name} of another namespace, and no ReferenceGrant in ${ns} lets Gateways of ${gwNs} use it: istiod refuses it (RefNotPermitted) and listener '${l.name}' serves no certificate`, value: ns, fix: `add a ReferenceGrant in ${ns} from { group: '${GATEWAY_API_GROUP}', kind: Gateway, namespace: ${gwNs} } to { group: '', kind: Secret, name: ${name} }, or keep the Secret in ${gwNs}` }));
            if (!granted) return;
          }
          this.tlsSecret(certificates, ns, name, id, () => ({ object: id, field, problem: `names Secret ${ns}/${name}, which nothing creates (no Secret, ExternalSecret or cert-manager Certificate with that secretName in namespace ${ns}): istiod marks the certificateRef of listener '${l.name}' invalid (InvalidCertificateRef), the listener serves no certificate and TLS handshakes on port ${l.port} fail`, value: name, fix: `add a cert-manager Certificate in ${ns} with secretName '${name}' and an Issuer/ClusterIssuer, or document and create the Secret` }));
        });
      });
    }
  }

  /**
   * Whether TLS Secret `ns/name` will exist: a Secret or ExternalSecret of the output, else a cert-manager Certificate
   * with that secretName whose issuer the output creates (declared external: not modelled). `user` is who needs it.
   */
  private tlsSecret(certificates: any[], ns: string, name: string, user: string, missing: () => Omit<TwinFinding, 'check'>): void {
    const secret = this.ofKind('Secret').find((o) => o.metadata?.namespace === ns && o.metadata?.name === name)
      ?? this.ofKind('ExternalSecret').find((o) => o.metadata?.namespace === ns && (o.spec?.target?.name ?? o.metadata?.name) === name);
    if (secret) {
      this.result(true);
      return;
    }
    const cert = certificates.find((c) => c.metadata?.namespace === ns && c.spec?.secretName === name);
    if (!cert) {
      this.result(false, missing);
      return;
    }
    const ref = cert.spec?.issuerRef ?? {};
    const kind = ref.kind ?? 'Issuer';
    if (cert.metadata?.annotations?.[EXTERNAL_ISSUER_ANNOTATION] === 'true') {
      this.notModelled.push(`${ObjectIndex.id(cert)} spec.issuerRef: ${kind} '${ref.name}' is created outside the output (${EXTERNAL_ISSUER_ANNOTATION})`);
      this.result(true);
      return;
    }
    if ((ref.group ?? 'cert-manager.io') !== 'cert-manager.io') {
      this.notModelled.push(`${ObjectIndex.id(cert)} spec.issuerRef: external issuer ${ref.group}/${kind} not modelled`);
      this.result(true);
      return;
    }
    const issuer = kind === 'ClusterIssuer'
      ? this.ofKind('ClusterIssuer').find((o) => o.metadata?.name === ref.name)
      : this.ofKind('Issuer').find((o) => o.metadata?.namespace === ns && o.metadata?.name === ref.name);
    this.result(issuer !== undefined, () => ({ object: ObjectIndex.id(cert), field: 'spec.issuerRef', problem: `names ${kind} '${ref.name}', which the output does not create: cert-manager never issues ${ns}/${name} for ${user}`, value: ref, fix: `add the ${kind} '${ref.name}'${kind === 'Issuer' ? ` in ${ns}` : ''} or point issuerRef at an existing issuer` }));
  }

  // ---------------------------------------------------------------------------------------------- Gateway API
  /**
   * Gateway API routes and the Inference Extension, as istiod 1.30.3 reads them (./gateway-api.ts):
   * - an HTTPRoute's parentRefs -> a Gateway of the output whose listeners (port, sectionName, hostname, allowedRoutes
   *   namespaces and kinds) admit it; its backendRefs -> a Service with that port (the port is required), or an
   *   InferencePool of the output; another namespace needs a ReferenceGrant there;
   * - an InferencePool's selector -> pods that will exist in its namespace; its endpointPickerRef -> a Service with that port;
   * - an HTTPRoute to an InferencePool -> istiod with ENABLE_GATEWAY_API_INFERENCE_EXTENSION on
   *   (schemas/upstream/inference-extension/istio.json pilotEnv; default false at 1.30.3).
   */
  public gatewayApi(): void {
    const gateways = this.ofKind('Gateway').filter((g) => isGatewayApi(g, 'Gateway'));
    const routes = this.index.ofKind('HTTPRoute').filter((r) => isGatewayApi(r, 'HTTPRoute'));
    const pools = this.ofKind('InferencePool').filter((p) => groupOf(p.apiVersion) === INFERENCE_GROUP);
    const grants = this.ofKind('ReferenceGrant').filter((g) => isGatewayApi(g, 'ReferenceGrant'));
    // A Hostname address binds the Gateway to an existing gateway deployment through its Service (Istio's manual
    // deployment, istio 1.30.3 pilot/pkg/config/kube/gatewaycommon IsManaged): that Service must exist, or no pod
    // serves the Gateway's listeners (istiod reports the Gateway not programmed).
    const services = this.ofKind('Service');
    for (const gw of gateways) {
      const gwNs = String(gw.metadata?.namespace ?? 'default');
      arr(gw.spec?.addresses).forEach((a: any, ai: number) => {
        if ((a?.type ?? 'IPAddress') !== 'Hostname' || typeof a.value !== 'string') return;
        const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/.exec(a.value);
        const svc = m ? services.find((x) => x.metadata?.name === m[1] && (x.metadata?.namespace ?? 'default') === m[3]) : undefined;
        this.result(svc !== undefined, () => ({
          object: ObjectIndex.id(gw),
          field: `spec.addresses[${ai}].value`,
          problem: m
            ? `binds the Gateway to Service ${m[3]}/${m[1]}, which neither the output nor an add-on it installs creates: no gateway pod serves its listeners`
            : 'is not a Service host (<service>.<namespace>.svc.cluster.local): istiod cannot find the deployment to bind the Gateway to',
          value: a.value,
          fix: `name the Service of the gateway deployment (e.g. the istio gateway chart's, istio-ingress.${gwNs}.svc.cluster.local), or drop spec.addresses to let istiod deploy the gateway`,
        }));
      });
    }
    if (routes.length === 0 && pools.length === 0) return;
    const namespaceLabels = namespaceLabelsOf(this.ctx);
    const gatewayIds = gateways.map((g) => ObjectIndex.id(g)).join(', ');
    /** The routes with an InferencePool backend: `HTTPRoute ns/name spec.rules[i].backendRefs[j]` -> the pool. */
    const inferenceBackends: { at: string; pool: string }[] = [];
    for (const route of routes) {
      const id = ObjectIndex.id(route);
      const routeNs = String(route.metadata?.namespace ?? 'default');
      arr(route.spec?.parentRefs).forEach((ref: any, i: number) => {
        const field = `spec.parentRefs[${i}]`;
        if (!isGatewayParent(ref)) {
          this.notModelled.push(`${id} ${field}: a ${ref.kind} parent (mesh routing) is not checked`);
          return;
        }
        const gns = String(ref.namespace ?? routeNs);
        if (gateways.length === 0) {
          this.notModelled.push(`${id} ${field}: the output has no Gateway API Gateway, Gateway ${gns}/${ref.name} is not checked`);
          return;
        }
        const at = attachParent(gateways, route, ref, namespaceLabels);
        if (!at.gateway) {
          this.result(false, { object: id, field: `${field}.name`, problem: `names Gateway ${gns}/${ref.name}, which the output does not create: no gateway serves the route and it gets no traffic`, value: ref.name, fix: `attach the route to a Gateway of the output (${gatewayIds}) or add Gateway ${gns}/${ref.name}` });
          return;
        }
        const refusal = at.refusal;
        this.result(at.listeners.length > 0, () => ({ object: id, field, problem: refusal!.problem, value: refusal!.value, fix: refusal!.fix }));
      });
      arr(route.spec?.rules).forEach((rule: any, ri: number) => arr(rule.backendRefs).forEach((b: any, bi: number) => {
        const field = `spec.rules[${ri}].backendRefs[${bi}]`;
        const ns = String(b.namespace ?? routeNs);
        const service = isServiceBackend(b);
        const pool = isInferencePoolBackend(b);
        if (!service && !pool) {
          this.notModelled.push(`${id} ${field}: a ${b.group ?? ''}/${b.kind} backend is not checked`);
          return;
        }
        const group = service ? '' : INFERENCE_GROUP;
        const kind = service ? 'Service' : 'InferencePool';
        if (ns !== routeNs) {
          const granted = referenceGranted(grants, { group: GATEWAY_API_GROUP, kind: 'HTTPRoute', namespace: routeNs }, { group, kind, namespace: ns, name: String(b.name) });
          this.result(granted, () => ({ object: id, field: `${field}.namespace`, problem: `routes to ${kind} ${ns}/${b.name} of another namespace, and no ReferenceGrant in ${ns} lets HTTPRoutes of ${routeNs} use it: istiod refuses the backend (RefNotPermitted) and its requests get 500`, value: ns, fix: `add a ReferenceGrant in ${ns} from { group: '${GATEWAY_API_GROUP}', kind: HTTPRoute, namespace: ${routeNs} } to { group: '${group}', kind: ${kind}, name: ${b.name} }, or route in the same namespace` }));
          if (!granted) return;
        }
        if (pool) {
          const found = pools.some((p) => p.metadata?.name === b.name && String(p.metadata?.namespace ?? 'default') === ns);
          this.result(found, () => ({ object: id, field: `${field}.name`, problem: `routes to InferencePool ${ns}/${b.name}, which the output does not create: istiod answers its requests with 500 (backend not found)`, value: b.name, fix: `route to an InferencePool of the output or add InferencePool ${ns}/${b.name}` }));
          if (found) inferenceBackends.push({ at: `${id} ${field}`, pool: `${ns}/${b.name}` });
          return;
        }
        const svc = this.service(ns, b.name);
        if (!svc) {
          this.result(false, { object: id, field: `${field}.name`, problem: `routes to Service ${ns}/${b.name}, which neither the output nor its operators create: istiod answers its requests with 500 (backend not found)`, value: b.name, fix: `route to an existing Service or add Service ${ns}/${b.name}` });
          return;
        }
        const ports = arr(svc.spec?.ports).map((p: any) => p.port);
        if (b.port === undefined) {
          this.result(false, { object: id, field: `${field}.port`, problem: `names no port of Service ${ns}/${b.name}: istiod rejects the rule ("port is required in backendRef") and the route gets no traffic`, value: b.port, fix: `set the backendRef's port to one the Service exposes (${ports.join(', ') || 'none'})` });
          return;
        }
        this.result(ports.includes(b.port), () => ({ object: id, field: `${field}.port`, problem: `routes to port ${b.port} of Service ${ns}/${b.name}, which exposes ${ports.join(', ') || 'no port'}: the route never reaches a pod`, value: b.port, fix: `route to a port the Service exposes (${ports.join(', ')})` }));
      }));
    }
    this.inferencePools(pools);
    if (inferenceBackends.length > 0) this.inferenceExtensionEnabled(inferenceBackends);
  }

  /** An InferencePool's selector -> pods of its namespace; its endpointPickerRef -> a Service of the output with that port. */
  private inferencePools(pools: any[]): void {
    for (const pool of pools) {
      const id = ObjectIndex.id(pool);
      const ns = String(pool.metadata?.namespace ?? 'default');
      const matchLabels = isMap(pool.spec?.selector?.matchLabels) ? pool.spec.selector.matchLabels : {};
      const inNamespace = this.podsByNamespace.get(ns) ?? [];
      const members = Object.keys(matchLabels).length === 0 ? []
        : inNamespace.filter((p) => selectorMatches(pool.spec.selector, p.pod?.metadata?.labels));
      this.result(members.length > 0, () => {
        const keys = new Set(Object.keys(matchLabels));
        const seen = [...new Map(inNamespace.map((p) => [p.owner, p])).values()].slice(0, 3)
          .map((p) => `${p.owner} ${JSON.stringify(Object.fromEntries(Object.entries<string>(p.pod?.metadata?.labels ?? {}).filter(([k]) => keys.has(k) || k.startsWith('llm-platform.io/'))))}`);
        return {
          object: id,
          field: 'spec.selector.matchLabels',
          problem: `selects no pod that will exist in namespace ${ns} (${seen.length ? `its pods: ${seen.join(', ')}` : 'it has no pods'}): istiod's shadow Service has no endpoints, the endpoint picker has no pod to pick and requests through the pool fail`,
          value: matchLabels,
          fix: 'the pool\'s selector must match the labels of the model\'s pod template (llm-platform.io/model-version and the model\'s labels, as the Deployment\'s spec.template.metadata.labels set them)',
        };
      });
      const ref = isMap(pool.spec?.endpointPickerRef) ? pool.spec.endpointPickerRef : {};
      const field = 'spec.endpointPickerRef';
      if ((ref.kind ?? 'Service') !== 'Service' || (ref.group ?? '') !== '') {
        // istio 1.30.3 inferencepool_collection.go calculateResolvedRefsStatus: only a Service (InvalidExtensionRef)
        this.result(false, { object: id, field, problem: `names a ${ref.group || 'core'}/${ref.kind} as the endpoint picker: istiod takes only a Service (InvalidExtensionRef) and the pool has no picker`, value: { group: ref.group, kind: ref.kind }, fix: 'point endpointPickerRef at the picker\'s Service (kind Service) with its ext_proc port' });
        continue;
      }
      const svc = this.service(ns, ref.name);
      if (!svc) {
        this.result(false, { object: id, field: `${field}.name`, problem: `names picker Service ${ns}/${ref.name}, which neither the output nor its operators create: the gateway's ext_proc calls fail (failureMode ${ref.failureMode ?? 'FailClose'}) and requests through the pool are not picked`, value: ref.name, fix: `add the endpoint picker's Service ${ns}/${ref.name} (and its Deployment), or point endpointPickerRef at it` });
        continue;
      }
      const ports = arr(svc.spec?.ports).map((p: any) => p.port);
      const number = ref.port?.number;
      if (number === undefined) {
        // inferencepool_collection.go createInferencePoolObject: "endpointPickerRef port is required", no shadow Service
        this.result(false, { object: id, field: `${field}.port`, problem: 'names no port: istiod drops the pool ("endpointPickerRef port is required"), creates no shadow Service and routes to it get no endpoints', value: ref.port, fix: `set endpointPickerRef.port.number to the picker Service's ext_proc port (${ports.join(', ') || 'none'})` });
        continue;
      }
      this.result(ports.includes(number), () => ({ object: id, field: `${field}.port.number`, problem: `names port ${number} of picker Service ${ns}/${ref.name}, which exposes ${ports.join(', ') || 'no port'}: the gateway's ext_proc calls reach no picker`, value: number, fix: `use the picker Service's ext_proc port (${ports.join(', ')})` }));
    }
  }

  /**
   * istiod routes to InferencePools only with ENABLE_GATEWAY_API_INFERENCE_EXTENSION on (pilot/pkg/features/experimental.go,
   * default false at 1.30.3; conversion.go buildDestination answers InvalidDestinationKind otherwise). The chart renders
   * `env` (`pilot.env` copied to the top, zzy_descope_legacy.yaml) as strings; istiod reads them with strconv.ParseBool.
   */
  private inferenceExtensionEnabled(backends: { at: string; pool: string }[]): void {
    const facts = inferencePoolIstioFacts().pilotEnv;
    const flag = 'ENABLE_GATEWAY_API_INFERENCE_EXTENSION';
    const mesh = istioMeshOf(this.index);
    const app = this.index.ofKind('Application').find((a) => applicationSources(a).some((s) => s.chart === 'istiod'));
    if (!mesh || !app) {
      this.notModelled.push(`${backends[0].at}: no istiod Application in the output, whether istiod enables InferencePool backends (pilot.env.${flag}) is not checked`);
      return;
    }
    const value = mesh.values?.env?.[flag];
    const parsed = goParseBool(value);
    const on = parsed ?? facts[flag].default === true;
    const spec = app.spec ?? {};
    const at = Array.isArray(spec.sources) ? `spec.sources[${spec.sources.findIndex((s: any) => s?.chart === 'istiod')}]` : 'spec.source';
    const uses = backends.slice(0, 3).map((b) => `${b.at} (InferencePool ${b.pool})`).join(', ') + (backends.length > 3 ? `, and ${backends.length - 3} more` : '');
    this.result(on, () => ({
      object: mesh.application,
      field: `${at}.helm.valuesObject.pilot.env.${flag}`,
      problem: `${value === undefined ? `does not set pilot.env.${flag}` : `sets pilot.env.${flag} to ${JSON.stringify(value)}, which istiod reads as ${parsed === undefined ? 'invalid (the default)' : 'false'}`} `
        + `(Istio ${facts.source.tag} defaults it to ${facts[flag].default}, ${facts[flag].file}) while ${uses} route${backends.length > 1 ? '' : 's'} to an InferencePool: `
        + 'istiod ignores InferencePool backends ("InferencePool is not enabled", InvalidDestinationKind) and the route gets no endpoints',
      value,
      fix: 'set IstiodAddonOptions.inferenceExtension (PlatformAddon.istiod({ inferenceExtension: true }))',
    }));
  }

  // ---------------------------------------------------------------------------------------------- proxy extensions
  /**
   * WasmPlugin `spec.selector` and EnvoyFilter `spec.workloadSelector` -> pods of their namespace (every namespace
   * from the mesh root namespace, istio-system) that run an Istio sidecar: istiod configures only those proxies
   * (istio/api 1.30.3 extensions/v1alpha1/wasm.proto, networking/v1alpha3/envoy_filter.proto), so a selector
   * that matches none, or matches pods without a sidecar, filters nothing. A `grpc_json_transcoder` reading
   * `proto_descriptor` from a file needs that file in every selected sidecar: a mounted ConfigMap key of the output.
   */
  public proxyExtensions(): void {
    const ROOT = 'istio-system';
    const selected = (o: any, labels: any): TwinPod[] => {
      const ns = o.metadata?.namespace ?? 'default';
      const pods = ns === ROOT ? this.ctx.pods : (this.podsByNamespace.get(ns) ?? []);
      return pods.filter((p) => selectorMatches({ matchLabels: labels ?? {} }, p.pod?.metadata?.labels));
    };
    const proxyOf = (p: TwinPod) => containersOf(p.pod?.spec).find((c: any) => c.name === 'istio-proxy');
    const check = (o: any, field: string, labels: any) => {
      const id = ObjectIndex.id(o);
      const pods = selected(o, labels);
      if (pods.length === 0) {
        this.result(false, { object: id, field, problem: 'selects no pod that will exist in its namespace: no proxy loads it', value: labels, fix: 'use labels the target pods carry (in the same namespace)' });
        return [];
      }
      const bare = pods.filter((p) => !proxyOf(p));
      this.result(bare.length === 0, () => ({ object: id, field, problem: `selects pods without an Istio sidecar (${[...new Set(bare.map((p) => p.owner))].join(', ')}): nothing applies it to their traffic`, value: labels, fix: 'enable sidecar injection for those pods or narrow the selector' }));
      return pods.filter((p) => proxyOf(p));
    };
    for (const wp of this.index.ofKind('WasmPlugin').filter((o) => groupOf(o.apiVersion) === 'extensions.istio.io')) {
      if (wp.spec?.targetRef || wp.spec?.targetRefs) {
        this.notModelled.push(`${ObjectIndex.id(wp)} spec.targetRefs: policy attachment to Gateways/Services not modelled`);
        continue;
      }
      if (wp.spec?.selector?.matchLabels) check(wp, 'spec.selector.matchLabels', wp.spec.selector.matchLabels);
      // istiod hands the agent the pull secret only when it is a kubernetes.io/dockerconfigjson Secret of the
      // plugin's namespace (istio 1.30.3 pilot/pkg/xds/ecds.go referencedSecrets, pilot/pkg/model/extensions.go)
      const secret = wp.spec?.imagePullSecret;
      if (typeof secret === 'string' && secret !== '') {
        const ns = wp.metadata?.namespace ?? 'default';
        const s = this.ofKind('Secret').find((o) => o.metadata?.namespace === ns && o.metadata?.name === secret);
        const external = this.ofKind('ExternalSecret').find((o) => o.metadata?.namespace === ns && (o.spec?.target?.name ?? o.metadata?.name) === secret);
        if (s) {
          this.result(s.type === 'kubernetes.io/dockerconfigjson', () => ({ object: ObjectIndex.id(wp), field: 'spec.imagePullSecret', problem: `names Secret ${ns}/${secret} of type ${s.type ?? 'Opaque'}: istiod passes only kubernetes.io/dockerconfigjson pull secrets, so the agent pulls anonymously`, value: secret, fix: 'make it a kubernetes.io/dockerconfigjson Secret (a .dockerconfigjson key)' }));
        } else if (external) {
          this.result(true);
        } else {
          this.notModelled.push(`${ObjectIndex.id(wp)} spec.imagePullSecret: Secret ${ns}/${secret} is created outside the output`);
        }
      }
    }
    for (const ef of this.index.ofKind('EnvoyFilter').filter((o) => groupOf(o.apiVersion) === 'networking.istio.io')) {
      const labels = ef.spec?.workloadSelector?.labels;
      if (!labels) continue;
      const pods = check(ef, 'spec.workloadSelector.labels', labels);
      arr(ef.spec?.configPatches).forEach((cp: any, ci: number) => {
        const cfg = cp?.patch?.value?.typed_config ?? cp?.patch?.value?.typedConfig;
        const file = cfg?.proto_descriptor ?? cfg?.protoDescriptor;
        if (!String(cfg?.['@type'] ?? '').endsWith('.GrpcJsonTranscoder') || typeof file !== 'string') return;
        const field = `spec.configPatches[${ci}].patch.value.typed_config.proto_descriptor`;
        for (const p of pods) {
          const found = this.mountedConfigMapKey(p, proxyOf(p), file);
          this.result(found === true, () => ({
            object: ObjectIndex.id(ef),
            field,
            problem: `reads ${file} in the sidecar of ${p.owner}, ${found === false ? 'whose mounted ConfigMap (or its key) the output does not create' : 'where no ConfigMap volume is mounted at that path'}: Envoy rejects the filter and the listener`,
            value: file,
            fix: 'mount the descriptor ConfigMap into the sidecar with the pod annotations sidecar.istio.io/userVolume and userVolumeMount (GrpcJsonTranscoder.podAnnotations), and add the ConfigMap',
          }));
        }
      });
    }
  }

  /** Whether `file` in container `c` is a key of a ConfigMap of the output (true), a ConfigMap volume without it (false), or not a ConfigMap mount (undefined). */
  private mountedConfigMapKey(p: TwinPod, c: any, file: string): boolean | undefined {
    for (const { configMap, key } of this.configMapMounts(p, c, file)) {
      return configMap !== undefined && (typeof configMap.data?.[key] === 'string' || typeof configMap.binaryData?.[key] === 'string');
    }
    return undefined;
  }

  // ---------------------------------------------------------------------------------------------- CRDs and projects
  public crdsAndProjects(): void {
    const crds = knownCrds(this.ctx);
    const model = argoModelOf(this.ctx);
    // An add-on is rendered when its chart made derived objects or pods (istio-cni makes only a DaemonSet).
    const withPods = new Set(this.ctx.pods.filter((p) => p.origin === 'addon').map((p) => p.owner));
    const unrenderedCharts = model.units.filter((u) => (u.chart || u.external) && u.derived.length === 0 && !withPods.has(u.id)).map((u) => u.name);
    for (const o of this.index.objects) {
      const id = ObjectIndex.id(o);
      const group = groupOf(o.apiVersion);
      if (!BUILTIN_GROUPS.has(group) && !ARGOCD_KINDS.has(o.kind)) {
        const crd = crds.of(group, o.kind);
        const version = (o.apiVersion ?? '').split('/')[1];
        if (!crd && unrenderedCharts.length > 0) {
          this.notModelled.push(`CRD of ${o.kind}.${group}: not found, and what ${unrenderedCharts.join(', ')} install was not rendered`);
        } else if (!crd && crds.of(TEMPLATES_GROUP, 'ConstraintTemplate') && group === constraintGroup()) {
          // Gatekeeper is installed, but no ConstraintTemplate of the output makes this kind's CRD (gatekeeper.ts)
          this.result(false, { object: id, field: 'apiVersion', problem: `is a Gatekeeper constraint of kind ${o.kind}, and no ConstraintTemplate of the output has spec.crd.spec.names.kind ${o.kind}: Gatekeeper creates no CRD for it, so the API server rejects it and Argo CD fails the sync`, value: o.apiVersion, fix: `add the ConstraintTemplate of kind ${o.kind} (synced before the constraint), or remove the constraint` });
        } else if (!crd) {
          this.result(false, { object: id, field: 'apiVersion', problem: `is a ${o.kind} (${group}), whose CustomResourceDefinition no add-on Application of the output installs: the API server rejects it and Argo CD fails the sync`, value: o.apiVersion, fix: `add the add-on (operator) that owns ${o.kind}.${group}, or remove the object` });
        } else {
          const served = arr(crd.spec?.versions).some((v: any) => v.name === version && v.served !== false);
          if (served) {
            this.result(true);
          } else {
            this.result(false, { object: id, field: 'apiVersion', problem: `uses version ${version}, which the installed CRD ${crd.metadata?.name} does not serve`, value: o.apiVersion, fix: `use one of ${arr(crd.spec?.versions).filter((v: any) => v.served !== false).map((v: any) => `${group}/${v.name}`).join(', ')}` });
          }
        }
      }
      // the AppProject of the Application that syncs it
      const unit = model.unitOf.get(o);
      if (!unit) continue;
      const project = this.index.get('AppProject', model.argocdNamespace, unit.project);
      if (!project) {
        if (unit.project !== 'default') this.notModelled.push(`${id}: AppProject ${unit.project} of ${unit.id} not in the output`);
        continue;
      }
      const pid = ObjectIndex.id(project);
      const cluster = isClusterScoped(o.kind, group, crds);
      const ok = permitsKind(project, group, o.kind, !cluster);
      const list = cluster ? 'clusterResourceWhitelist' : 'namespaceResourceWhitelist';
      // the finding's text is built only when it is one (this runs for every object of the output)
      if (ok) {
        this.result(true);
      } else {
        this.result(false, {
          object: pid,
          field: `spec.${list}`,
          problem: `does not permit ${group || 'core'}/${o.kind}, which ${unit.id} syncs (${id}): Argo CD fails the whole sync of ${unit.name}`,
          value: { group, kind: o.kind },
          fix: `add { group: '${group}', kind: '${o.kind}' } to ${list} of AppProject ${unit.project}${cluster ? '' : ' (or remove it from the blacklist)'}`,
        });
      }
      if (!cluster) {
        const ns = o.metadata?.namespace ?? unit.namespace;
        const server = (unit.kind === 'application' ? unit.source.spec?.destination?.server : undefined);
        if (permitsDestination(project, ns, server)) {
          this.result(true);
        } else {
          this.result(false, { object: pid, field: 'spec.destinations', problem: `does not permit namespace ${ns}, where ${unit.id} syncs ${id}: Argo CD fails the sync`, value: ns, fix: `add { namespace: '${ns}', server } to destinations of AppProject ${unit.project}, or move the object` });
        }
      }
    }
  }
}
