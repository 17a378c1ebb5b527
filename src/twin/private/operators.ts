/**
 * The pods (and Services/Ingresses) that operators build from custom resources in the output, before any
 * mutating webhook: KServe's predictor in Standard (raw) deployment mode, the Kubeflow training operator's
 * PyTorchJob pods, and the OpenTelemetry operator's collector pods. The upstream facts (names, labels, ports,
 * the training operator's init container) are vendored as data under schemas/upstream/{kserve,
 * kubeflow-training,opentelemetry-operator}/ (see their SOURCES.md) and read from there, never restated here.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { applicationSources, clone, helmValuesOf, InjectWorkload, mergeOverwrite } from './istio-injection';
import { ObjectIndex, TwinPod } from './model';
import { schemasDir } from '../../validation/private/schema-files';

/** Annotation that says which output object made a derived object. */
export const MADE_BY = 'twin.llm-platform.io/made-by';

/** A pod as its controller or operator builds it, before admission webhooks and autoscalers are applied. */
export interface PodDraft extends TwinPod {
  /**
   * The workload an autoscaler (HPA, KEDA ScaledObject) would target to scale these pods (`apps/v1`
   * Deployment `llama3-70b-predictor`); undefined when the pods are not scaled through a scale subresource.
   */
  readonly scaleTarget?: { apiVersion: string; kind: string; name: string };
  /** When an autoscaler in the output targets `scaleTarget`, it decides the replicas (false: the operator does). */
  readonly externalAutoscaling: boolean;
  /** The workload as istiod sees it (canonical name, ISTIO_META_OWNER). */
  readonly workload: InjectWorkload;
  /**
   * The object whose controller makes the pods directly, when it is not `workload` (a PyTorchJob's pods:
   * the PyTorchJob); `podOwnership` of it gives the pods' ownerReferences. Default: `workload`.
   */
  readonly podOwner?: PodController;
}

/** The controller of a pod: the object named in its `metadata.ownerReferences` with `controller: true`. */
export interface PodController {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
}

/** k8s.io/apimachinery/pkg/util/rand `SafeEncodeString` alphabet (no vowels, no 0/1/3). */
const SAFE_ALPHANUMS = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * The `pod-template-hash` of a Deployment's ReplicaSet and pods, in the controller's form
 * (pkg/controller/controller_utils.go `ComputeHash`: `rand.SafeEncodeString(fmt.Sprint(fnv32a))`, up to 10
 * characters of the safe alphabet). The controller hashes the Go struct dump of the template
 * (hashutil.DeepHashObject), which JSON cannot reproduce: this hashes the template's canonical JSON
 * (sha256, first 32 bits) instead, so the name has the real form and changes with the template, but is not
 * the value the cluster will show.
 */
export function podTemplateHash(template: any): string {
  const digest = crypto.createHash('sha256').update(canonicalJson(template ?? {}) ?? '').digest();
  return [...String(digest.readUInt32BE(0))].map((c) => SAFE_ALPHANUMS[c.charCodeAt(0) % SAFE_ALPHANUMS.length]).join('');
}

/**
 * `JSON.stringify` of the value with every map's keys sorted (the canonical form the hash reads): a sorted
 * copy built with plain loops (as `Object.fromEntries` of the sorted entries would build it, `__proto__`
 * included as an own key), then stringified.
 */
function canonicalJson(v: any): string | undefined {
  return JSON.stringify(sortedCopy(v));
}

function sortedCopy(v: any): any {
  if (Array.isArray(v)) {
    let a: any[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const c = sortedCopy(v[i]);
      if (a) {
        a[i] = c;
      } else if (c !== v[i] || !(i in v)) {
        a = v.slice(0, i);
        a.length = v.length;
        a[i] = c;
      }
    }
    // a list whose items are all canonical stringifies as the copy would
    return a ?? v;
  }
  if (!isMap(v)) return v;
  const keys = Object.keys(v);
  const values = keys.map((k) => sortedCopy(v[k]));
  // already canonical (plain, keys in sorted order, every value canonical): JSON.stringify of it is that of
  // the copy, so it is used as is (synthesized objects mostly are)
  if (Object.getPrototypeOf(v) === Object.prototype && typeof v.toJSON !== 'function' && values.every((c, i) => c === v[keys[i]])) {
    let sorted = keys.length === 0 || !isArrayIndex(keys[0]);
    for (let i = 1; i < keys.length && sorted; i++) if (!(keys[i - 1] < keys[i]) || isArrayIndex(keys[i])) sorted = false;
    if (sorted && !keys.includes('__proto__')) return v;
  }
  const order = keys.map((_k, i) => i).sort((a, b) => (keys[a] < keys[b] ? -1 : keys[a] > keys[b] ? 1 : 0));
  const o: any = {};
  for (const i of order) {
    const k = keys[i];
    if (k === '__proto__') Object.defineProperty(o, k, { value: values[i], enumerable: true, writable: true, configurable: true });
    else o[k] = values[i];
  }
  return o;
}

function isArrayIndex(k: string): boolean {
  return /^(0|[1-9]\d*)$/.test(k) && Number(k) < 4294967295;
}

/**
 * What the controllers between `workload` and its pods set on each pod: `metadata.ownerReferences` (one
 * entry, `controller: true`, `blockOwnerDeletion: true`, as metav1.NewControllerRef; the uid is the
 * cluster's and is left out) and the labels they add. A Deployment's pods are owned by its ReplicaSet
 * `<deployment>-<pod-template-hash>` and labelled `pod-template-hash` (see `podTemplateHash`); a CronJob's by
 * the Job of one run, `<cronjob>-<scheduled minute>` (the minute is not known at synth: `00000000` stands for
 * it); a ReplicaSet's, StatefulSet's, DaemonSet's, Job's and any operator-owned pod's by the workload itself.
 * A bare Pod (kind Pod) has no controller.
 *
 * @param template the pod template as the workload holds it (hashed for the ReplicaSet name)
 */
export function podOwnership(
  workload: PodController, template: any,
): { ownerReferences: any[]; labels: Record<string, string>; controller?: PodController } {
  const ref = (c: PodController) => ({ apiVersion: c.apiVersion, kind: c.kind, name: c.name, controller: true, blockOwnerDeletion: true });
  if (!workload.kind || workload.kind === 'Pod' || !workload.name) return { ownerReferences: [], labels: {} };
  if (workload.kind === 'Deployment') {
    const hash = podTemplateHash(template);
    const rs: PodController = { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${workload.name}-${hash}` };
    return { ownerReferences: [ref(rs)], labels: { 'pod-template-hash': hash }, controller: rs };
  }
  if (workload.kind === 'CronJob') {
    const job: PodController = { apiVersion: 'batch/v1', kind: 'Job', name: `${workload.name}-00000000` };
    return { ownerReferences: [ref(job)], labels: {}, controller: job };
  }
  return { ownerReferences: [ref(workload)], labels: {}, controller: workload };
}

/** What an operator expansion returns. */
export interface Expansion {
  readonly pods: PodDraft[];
  readonly derived: any[];
  readonly notModelled: string[];
}

const cache = new Map<string, any>();
function facts(rel: string): any {
  let v = cache.get(rel);
  if (!v) {
    v = JSON.parse(fs.readFileSync(path.join(schemasDir(), 'upstream', rel), 'utf8'));
    cache.set(rel, v);
  }
  return v;
}

/** KServe v0.19.0 facts (schemas/upstream/kserve/raw-deployment-v0.19.0.json). */
export function kserveFacts(): any {
  return facts('kserve/raw-deployment-v0.19.0.json');
}

/** Training operator v1.9.4 facts (schemas/upstream/kubeflow-training/pytorchjob-v1.9.4.json). */
export function pytorchJobFacts(): any {
  return facts('kubeflow-training/pytorchjob-v1.9.4.json');
}

/** OpenTelemetry operator v0.126.0 facts (schemas/upstream/opentelemetry-operator/collector-v0.126.0.json). */
export function collectorFacts(): any {
  return facts('opentelemetry-operator/collector-v0.126.0.json');
}

/** Istio 1.30.3's handling of InferencePools (schemas/upstream/inference-extension/istio.json). */
export function inferencePoolIstioFacts(): any {
  return facts('inference-extension/istio.json');
}

/**
 * The shadow Service istiod creates for an InferencePool (inferencepool_collection.go at 1.30.3, its facts vendored):
 * `<pool>-ip-<first 8 hex of sha256(pool)>` (the pool name cut so the whole fits 63 characters), headless, the pool's
 * selector, one port per target port (`http-<i>`, 54321 + i). The gateway reaches the pool's pods through it.
 */
export function inferencePoolShadowService(pool: any): any {
  const f = inferencePoolIstioFacts().shadowService;
  const name = String(pool?.metadata?.name ?? '');
  const sep = '-ip-';
  const hash = crypto.createHash('sha256').update(name, 'utf8').digest('hex').slice(0, f.hash.length);
  const base = `${name}${sep}${hash}`.length > f.maxLength ? name.slice(0, f.maxLength - sep.length - f.hash.length) : name;
  const targetPorts: any[] = Array.isArray(pool?.spec?.targetPorts) ? pool.spec.targetPorts : [];
  return madeBy({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: `${base}${sep}${hash}`,
      namespace: nsOf(pool),
      labels: {
        'istio.io/inferencepool-name': name,
        'istio.io/inferencepool-extension-service': String(pool?.spec?.endpointPickerRef?.name ?? ''),
        'istio.io/inferencepool-extension-port': String(pool?.spec?.endpointPickerRef?.port?.number ?? ''),
        'istio.io/inferencepool-extension-failure-mode': String(pool?.spec?.endpointPickerRef?.failureMode ?? 'FailClose'),
      },
    },
    spec: {
      type: 'ClusterIP',
      clusterIP: 'None',
      selector: { ...(pool?.spec?.selector?.matchLabels ?? {}) },
      ports: targetPorts.map((tp, i) => ({ name: `http-${i}`, protocol: 'TCP', port: f.ports.basePort + i, targetPort: Number(tp?.number) })),
    },
  }, ObjectIndex.id(pool));
}

function isMap(v: any): boolean {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

function nsOf(o: any): string {
  return String(o?.metadata?.namespace || 'default');
}

function madeBy(obj: any, owner: string): any {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [MADE_BY]: owner };
  return obj;
}

/** The Helm values of the first Application in the output that installs one of `charts`, undefined if none. */
export function addonValues(index: ObjectIndex, charts: string[]): { app: any; values: any; targetRevision: string } | undefined {
  for (const app of index.ofKind('Application')) {
    const source = applicationSources(app).find((s) => charts.includes(s.chart));
    if (source) return { app, values: helmValuesOf(source), targetRevision: String(source.targetRevision ?? '') };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------------------------
// KServe InferenceService (serving.kserve.io/v1beta1), Standard (raw) deployment mode
// ---------------------------------------------------------------------------------------------------------------

const KSERVE_EXTENSION_FIELDS = ['minReplicas', 'maxReplicas', 'scaleTarget', 'scaleMetric', 'scaleMetricType', 'autoScaling', 'containerConcurrency',
  'timeout', 'canaryTrafficPercent', 'logger', 'batcher', 'labels', 'annotations', 'deploymentStrategy'];
const KSERVE_FRAMEWORKS = ['sklearn', 'xgboost', 'tensorflow', 'pytorch', 'triton', 'onnx', 'huggingface', 'pmml', 'lightgbm', 'paddle'];

/** KServe's settings from the output: the kserve-resources Application's values over the chart defaults. */
export function kserveSettingsOf(index: ObjectIndex): { installed: boolean; deploymentMode: string; gateway: any; application?: string } {
  const f = kserveFacts();
  const addon = addonValues(index, ['kserve-resources', 'kserve']);
  const controller = addon?.values?.kserve?.controller ?? {};
  return {
    installed: !!addon,
    deploymentMode: String(controller.deploymentMode ?? f.chartDefaults.deploymentMode),
    gateway: mergeOverwrite(f.chartDefaults.gateway, isMap(controller.gateway) ? controller.gateway : {}),
    application: addon ? ObjectIndex.id(addon.app) : undefined,
  };
}

/** The predictor pod, its Service and (unless disabled) its Ingress, as KServe v0.19.0 builds them in Standard mode. */
export function inferenceServiceExpansion(isvc: any, index: ObjectIndex): Expansion {
  const f = kserveFacts();
  const owner = ObjectIndex.id(isvc);
  const notModelled: string[] = [];
  const out: Expansion = { pods: [], derived: [], notModelled };
  const name = String(isvc?.metadata?.name ?? '');
  const namespace = nsOf(isvc);
  const spec = isMap(isvc?.spec) ? isvc.spec : {};
  const predictor = isMap(spec.predictor) ? spec.predictor : undefined;
  if (!name || !predictor) {
    notModelled.push(`${owner}: no metadata.name or spec.predictor, no pods modelled`);
    return out;
  }
  const settings = kserveSettingsOf(index);
  if (!settings.installed) notModelled.push(`${owner}: no Application installs the KServe controller (kserve-resources), the predictor is modelled as KServe v0.19.0 would build it`);
  const annotations: Record<string, string> = isvc.metadata?.annotations ?? {};
  const modeRaw = String(annotations[f.deploymentMode.annotation] ?? settings.deploymentMode);
  const mode = f.deploymentMode.aliases[modeRaw] ?? modeRaw;
  if (mode !== 'Standard') {
    notModelled.push(`${owner}: deployment mode ${modeRaw} not modelled (only Standard/RawDeployment), no pods modelled`);
    return out;
  }
  if (spec.transformer) notModelled.push(`${owner}: transformer not modelled`);
  if (spec.explainer) notModelled.push(`${owner}: explainer not modelled`);
  if (predictor.workerSpec) notModelled.push(`${owner}: predictor.workerSpec (multi-node) not modelled`);
  if (predictor.model || KSERVE_FRAMEWORKS.some((k) => predictor[k])) {
    notModelled.push(`${owner}: predictor with a model/framework spec (ServingRuntime merge) not modelled, only custom containers`);
    return out;
  }
  if (predictor.logger || predictor.batcher) notModelled.push(`${owner}: the logger/batcher agent container KServe's pod mutator adds is not modelled`);
  if (predictor.storageUri || predictor.storageUris || predictor.storage) notModelled.push(`${owner}: the storage-initializer init container KServe's pod mutator adds is not modelled`);
  const containerName = f.predictor.containerName;
  if (!Array.isArray(predictor.containers) || !predictor.containers.some((c: any) => c?.name === containerName)) {
    notModelled.push(`${owner}: predictor has no container named ${containerName}, KServe would not build a predictor from it`);
    return out;
  }

  // components/predictor.go: podSpec = predictor PodSpec, containers[0] = the kserve-container.
  const podSpec: any = {};
  for (const [k, v] of Object.entries(predictor)) {
    if (KSERVE_EXTENSION_FIELDS.includes(k) || KSERVE_FRAMEWORKS.includes(k) || ['model', 'workerSpec', 'storageUri', 'storageUris', 'storage'].includes(k)) continue;
    podSpec[k] = clone(v);
  }
  const kc = podSpec.containers.find((c: any) => c.name === containerName);
  podSpec.containers = [kc, ...podSpec.containers.filter((c: any) => c !== kc)];
  for (const c of podSpec.containers) {
    const env = Array.isArray(c.env) ? c.env.filter((e: any) => e?.name !== f.predictor.env.name) : [];
    c.env = [...env, { name: f.predictor.env.name, value: name }];
  }
  // deployment_reconciler.go setDefaultPodSpec
  const d = f.predictor.podSpecDefaults;
  podSpec.dnsPolicy = podSpec.dnsPolicy || d.dnsPolicy;
  podSpec.restartPolicy = podSpec.restartPolicy || d.restartPolicy;
  if (podSpec.terminationGracePeriodSeconds === undefined) podSpec.terminationGracePeriodSeconds = d.terminationGracePeriodSeconds;
  if (!podSpec.securityContext) podSpec.securityContext = {};
  podSpec.schedulerName = podSpec.schedulerName || d.schedulerName;
  const cd = f.predictor.containerDefaults;
  for (const c of podSpec.containers) {
    c.terminationMessagePath = c.terminationMessagePath || cd.terminationMessagePath;
    c.terminationMessagePolicy = c.terminationMessagePolicy || cd.terminationMessagePolicy;
    c.imagePullPolicy = c.imagePullPolicy || cd.imagePullPolicy;
    if ((c.name === containerName || c.name === f.predictor.transformerContainerName) && !c.readinessProbe) {
      const p = f.predictor.defaultReadinessProbe;
      const port = Array.isArray(c.ports) && c.ports.length > 0 ? c.ports[0].containerPort : f.service.defaultTargetPort;
      c.readinessProbe = {
        tcpSocket: { port },
        timeoutSeconds: p.timeoutSeconds,
        periodSeconds: p.periodSeconds,
        successThreshold: p.successThreshold,
        failureThreshold: p.failureThreshold,
      };
    }
  }

  const predictorName = `${name}${f.predictor.nameSuffix}`;
  const disallowed: string[] = f.predictor.annotationDisallowedList;
  const filtered = (a: any): Record<string, string> => Object.fromEntries(Object.entries(isMap(a) ? a : {})
    .filter(([k]) => !disallowed.includes(k)).map(([k, v]) => [k, String(v)]));
  const componentLabels: Record<string, string> = {
    ...(isvc.metadata?.labels ?? {}),
    ...(isMap(predictor.labels) ? predictor.labels : {}),
    [f.predictor.labels.inferenceService]: name,
    [f.predictor.labels.component]: f.predictor.labels.componentValue,
  };
  const componentAnnotations: Record<string, string> = { ...filtered(annotations), ...filtered(predictor.annotations) };
  const appLabel = `${f.predictor.appLabel.valuePrefix}${predictorName}`;
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      generateName: `${predictorName}-`,
      namespace,
      labels: { ...componentLabels, [f.predictor.appLabel.key]: appLabel },
      annotations: componentAnnotations,
    },
    spec: podSpec,
  };

  // Replicas: reconcilers/hpa createHPA for class hpa; none: minReplicas; external/keda: an autoscaler decides.
  const a = f.autoscaling;
  const cls = String(annotations[a.annotation] ?? a.defaultClass);
  const minSpec = typeof predictor.minReplicas === 'number' ? predictor.minReplicas : undefined;
  const maxSpec = typeof predictor.maxReplicas === 'number' ? predictor.maxReplicas : 0;
  let min: number;
  let max: number;
  if (cls === 'hpa') {
    min = minSpec === undefined || minSpec < a.defaultMinReplicas ? a.defaultMinReplicas : minSpec;
    max = Math.max(maxSpec, min);
  } else if (cls === 'keda') {
    min = minSpec ?? a.defaultMinReplicas;
    max = Math.max(maxSpec, min);
  } else if (cls === 'none') {
    min = minSpec ?? 1;
    max = min;
  } else {
    // external: the Deployment's replicas stay unset (1) until an HPA/ScaledObject in the output scales it.
    min = 1;
    max = 1;
  }
  out.pods.push({
    owner,
    ownerObject: isvc,
    origin: 'operator',
    namespace,
    namePrefix: `${predictorName}-`,
    pod,
    templatePath: 'spec.predictor',
    minReplicas: min,
    maxReplicas: max,
    scaleTarget: { apiVersion: 'apps/v1', kind: 'Deployment', name: predictorName },
    externalAutoscaling: cls === 'external',
    workload: { name: predictorName, kind: 'Deployment', apiVersion: 'apps/v1' },
    mutations: [`kserve ${f.version} predictor (Standard deployment mode): Deployment ${namespace}/${predictorName}, container ${containerName}, labels ${f.predictor.labels.inferenceService}/${f.predictor.labels.component}/app`],
  });

  // service_reconciler.go createDefaultSvc
  const first = podSpec.containers.find((c: any) => c.name === f.predictor.transformerContainerName) ?? podSpec.containers[0];
  const appProtocol = (n: any) => (f.service.appProtocolGrpcWhenNameContains.some((s: string) => String(n ?? '').includes(s)) ? 'kubernetes.io/h2c' : undefined);
  const ports: any[] = [];
  const cports = Array.isArray(first.ports) ? first.ports : [];
  if (cports.length > 0) {
    const p0 = cports[0];
    ports.push(withoutUndefined({ name: p0.name, port: f.service.port, targetPort: p0.containerPort, protocol: p0.protocol ?? 'TCP', appProtocol: appProtocol(p0.name) }));
    for (const p of cports.slice(1)) {
      ports.push(withoutUndefined({ name: p.name, port: p.containerPort, targetPort: p.containerPort, protocol: p.protocol ?? 'TCP', appProtocol: appProtocol(p.name) }));
    }
  } else {
    ports.push({ name: predictorName, port: f.service.port, targetPort: f.service.defaultTargetPort, protocol: 'TCP' });
  }
  if (predictor.batcher || predictor.logger) ports[0].targetPort = f.service.agentPort;
  out.derived.push(madeBy({
    apiVersion: 'v1',
    kind: 'Service',
    // raw_kube_reconciler.go builds the workload before the Service from the same componentMeta, whose Labels map
    // createRawDefaultDeployment has extended with `app`: the Service carries it too.
    metadata: {
      name: predictorName,
      namespace,
      labels: { ...componentLabels, [f.predictor.appLabel.key]: appLabel },
      annotations: { ...componentAnnotations },
    },
    spec: { selector: { [f.service.selector.key]: `${f.service.selector.valuePrefix}${predictorName}` }, ports },
  }, owner));

  // kube_ingress_reconciler.go: the raw Ingress unless disabled or cluster-local.
  const g = settings.gateway;
  const clusterLocal = isvc.metadata?.labels?.[f.ingress.clusterLocalLabel.key] === f.ingress.clusterLocalLabel.value
    || g.domain === f.ingress.clusterLocalDomain;
  if (g.disableIngressCreation !== true && !clusterLocal) {
    if (g.ingressGateway?.enableGatewayApi === true) {
      notModelled.push(`${owner}: the Gateway API HTTPRoute KServe creates (ingressGateway.enableGatewayApi) is not modelled`);
    } else {
      const host = (n: string) => String(g.domainTemplate).replace(/\{\{\s*\.Name\s*\}\}/g, n).replace(/\{\{\s*\.Namespace\s*\}\}/g, namespace)
        .replace(/\{\{\s*\.IngressDomain\s*\}\}/g, String(g.domain));
      if (/\{\{/.test(host(name))) notModelled.push(`${owner}: KServe domainTemplate ${g.domainTemplate} not fully modelled`);
      const rule = (h: string) => ({ host: h, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: predictorName, port: { number: f.service.port } } } }] } });
      out.derived.push(madeBy({
        apiVersion: 'networking.k8s.io/v1',
        kind: 'Ingress',
        metadata: { name, namespace, annotations: { ...annotations } },
        spec: { ingressClassName: g.ingressGateway?.className, rules: [rule(host(name)), rule(host(predictorName))] },
      }, owner));
    }
  }
  return out;
}

function withoutUndefined(o: any): any {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

// ---------------------------------------------------------------------------------------------------------------
// Kubeflow PyTorchJob (kubeflow.org/v1), training operator v1.9.4
// ---------------------------------------------------------------------------------------------------------------

/**
 * The Application in the output that installs the Kubeflow training operator (chart `training-operator`, or the
 * kubeflow/trainer / kubeflow/training-operator repository), with the version it pins.
 */
export function trainingOperatorOf(index: ObjectIndex): { application: string; version: string } | undefined {
  for (const app of index.ofKind('Application')) {
    const s = applicationSources(app).find((x) => x.chart === 'training-operator' || /github\.com\/kubeflow\/(trainer|training-operator)/.test(String(x.repoURL ?? '')));
    if (s) return { application: ObjectIndex.id(app), version: String(s.targetRevision ?? '') };
  }
  return undefined;
}

/** How the training operator in the output renders the workers' init container (flags and template file). */
export interface PyTorchInitConfig {
  readonly image: string;
  readonly maxTries: number;
  /** The Go template text the operator renders (upstream's built-in one unless a template file is mounted). */
  readonly template: string;
  /** Where the template comes from (`built-in template (initcontainer.go)`, `annotation ... mounted at ...`). */
  readonly source: string;
  readonly notes: string[];
}

/** The YAML/JSON objects of an Application source's kustomize patches that target `kind`/`name`. */
function kustomizePatches(source: any, kind: string, name: string): any[] {
  const out: any[] = [];
  for (const p of Array.isArray(source?.kustomize?.patches) ? source.kustomize.patches : []) {
    if (p?.target && ((p.target.kind && p.target.kind !== kind) || (p.target.name && p.target.name !== name))) continue;
    try {
      const doc = typeof p?.patch === 'string' ? YAML.parse(p.patch) : p?.patch;
      if (isMap(doc) && (!doc.kind || doc.kind === kind)) out.push(doc);
    } catch {
      // a patch that is not YAML is not read
    }
  }
  return out;
}

/**
 * The init container settings of the training operator the output installs: the `--pytorch-init-container-*`
 * flags and template file its kustomize patches give the operator Deployment (pkg/config/config.go,
 * pytorch/initcontainer.go: the file is used when it exists, else the built-in template), else upstream's defaults.
 */
export function pytorchInitConfigOf(index: ObjectIndex | undefined): PyTorchInitConfig {
  if (!index) return readPytorchInitConfig(undefined);
  // once per output: every PyTorchJob reads the same operator settings (its kustomize patches are YAML)
  let config = initConfigs.get(index);
  if (!config) {
    config = readPytorchInitConfig(index);
    initConfigs.set(index, config);
  }
  return config;
}

const initConfigs = new WeakMap<ObjectIndex, PyTorchInitConfig>();

function readPytorchInitConfig(index: ObjectIndex | undefined): PyTorchInitConfig {
  const f = pytorchJobFacts().initContainer;
  const builtIn = `- name: ${f.name}\n  image: {{.InitContainerImage}}\n  imagePullPolicy: ${f.imagePullPolicy}\n  resources: ${JSON.stringify(f.resources)}\n  command: ${JSON.stringify(f.command)}\n`;
  const result = { image: f.image as string, maxTries: f.maxTries as number, template: builtIn, source: 'built-in template (initcontainer.go)', notes: [] as string[] };
  if (!index) return result;
  for (const app of index.ofKind('Application')) {
    const source = applicationSources(app).find((x) => x.chart === 'training-operator' || /github\.com\/kubeflow\/(trainer|training-operator)/.test(String(x.repoURL ?? '')));
    if (!source) continue;
    const owner = ObjectIndex.id(app);
    for (const patch of kustomizePatches(source, 'Deployment', 'training-operator')) {
      const podSpec = patch.spec?.template?.spec ?? {};
      const c = (Array.isArray(podSpec.containers) ? podSpec.containers : []).find((x: any) => x?.name === 'training-operator');
      const args: string[] = [...(Array.isArray(c?.args) ? c.args : []), ...(Array.isArray(c?.command) ? c.command : [])].map(String);
      const flag = (n: string) => args.find((a) => a.startsWith(`--${n}=`))?.slice(n.length + 3);
      const image = flag('pytorch-init-container-image');
      if (image) result.image = image;
      const tries = flag('pytorch-init-container-max-tries');
      if (tries && /^\d+$/.test(tries)) result.maxTries = Number(tries);
      const file = flag('pytorch-init-container-template-file') ?? '/etc/config/initContainer.yaml';
      const dir = path.posix.dirname(file);
      const base = path.posix.basename(file);
      const mount = (Array.isArray(c?.volumeMounts) ? c.volumeMounts : []).find((m: any) => String(m?.mountPath ?? '').replace(/\/$/, '') === dir);
      if (!mount) continue;
      const volume = (Array.isArray(podSpec.volumes) ? podSpec.volumes : []).find((v: any) => v?.name === mount.name);
      const item = (volume?.downwardAPI?.items ?? []).find((i: any) => i?.path === base);
      const m = /^metadata\.annotations\['([^']+)'\]$/.exec(String(item?.fieldRef?.fieldPath ?? ''));
      const annotation = m ? patch.spec?.template?.metadata?.annotations?.[m[1]] : undefined;
      const cm = volume?.configMap?.name ? index.get('ConfigMap', String(app.spec?.destination?.namespace ?? ''), volume.configMap.name) : undefined;
      const cmKey = (volume?.configMap?.items ?? []).find((i: any) => i?.path === base)?.key ?? base;
      if (typeof annotation === 'string') {
        result.template = annotation;
        result.source = `${owner}: pod annotation ${m![1]} mounted at ${file}`;
      } else if (typeof cm?.data?.[cmKey] === 'string') {
        result.template = cm.data[cmKey];
        result.source = `${owner}: ConfigMap ${cm.metadata.name} mounted at ${file}`;
      } else {
        result.notes.push(`${owner}: the init container template file ${file} of the training operator could not be read from the output (the built-in template is assumed)`);
      }
    }
    break;
  }
  return result;
}

/** The master and worker pods (and their headless Services) the training operator creates for a PyTorchJob. */
export function pytorchJobExpansion(job: any, index?: ObjectIndex): Expansion {
  const f = pytorchJobFacts();
  const owner = ObjectIndex.id(job);
  const notModelled: string[] = [];
  const out: Expansion = { pods: [], derived: [], notModelled };
  const operator = index ? trainingOperatorOf(index) : undefined;
  if (operator && operator.version !== f.version) {
    notModelled.push(`${owner}: ${operator.application} installs training operator ${operator.version || '(no version)'}, its pods are modelled with the vendored ${f.version} facts`);
  }
  const name = String(job?.metadata?.name ?? '');
  const namespace = nsOf(job);
  const specs = job?.spec?.pytorchReplicaSpecs;
  if (!name || !isMap(specs)) {
    notModelled.push(`${owner}: no metadata.name or spec.pytorchReplicaSpecs, no pods modelled`);
    return out;
  }
  if (job.spec.elasticPolicy) notModelled.push(`${owner}: elasticPolicy (elastic training, its HPA and PET_* rendezvous env) not modelled`);
  // pytorch_defaults.go: replica type names to camel case, replicas 1, restartPolicy OnFailure, port 23456.
  const camel = (k: string) => (k.toLowerCase() === 'master' ? 'Master' : k.toLowerCase() === 'worker' ? 'Worker' : k);
  const replicaSpecs = new Map<string, any>();
  for (const [k, v] of Object.entries(specs)) if (isMap(v)) replicaSpecs.set(camel(k), v);
  const hasMaster = replicaSpecs.has('Master');
  const replicasOf = (s: any) => (typeof s?.replicas === 'number' ? s.replicas : f.defaults.replicas);
  const total = [...replicaSpecs.values()].reduce((n, s) => n + replicasOf(s), 0);
  const nproc = job.spec.nprocPerNode === undefined ? 'auto' : String(job.spec.nprocPerNode);
  const nprocInt = /^\d+$/.test(nproc) ? Number(nproc) : 1;
  const masterSpec = replicaSpecs.get('Master');
  const portOf = (s: any) => {
    const c = (s?.template?.spec?.containers ?? []).find((x: any) => x?.name === f.defaults.containerName);
    const p = (c?.ports ?? []).find((x: any) => x?.name === f.defaults.portName);
    return p?.containerPort ?? f.defaults.port;
  };
  const l = f.labels;
  const init = pytorchInitConfigOf(index);
  notModelled.push(...init.notes);
  for (const [rtype, rspec] of replicaSpecs) {
    if (rtype !== 'Master' && rtype !== 'Worker') {
      notModelled.push(`${owner}: replica type ${rtype} not modelled`);
      continue;
    }
    const template = isMap(rspec.template) ? clone(rspec.template) : {};
    const rt = rtype.toLowerCase();
    const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}), [l.operatorName]: l.operatorNameValue, [l.jobName]: name.replace(/\//g, '-'), [l.replicaType]: rt, [l.replicaIndex]: '0' };
    if (rtype === 'Master' || (!hasMaster && rtype === 'Worker')) labels[l.jobRole] = l.jobRoleMasterValue;
    const podSpec = isMap(template.spec) ? template.spec : {};
    podSpec.containers = Array.isArray(podSpec.containers) ? podSpec.containers : [];
    const main = podSpec.containers.find((c: any) => c?.name === f.defaults.containerName);
    if (main && !(main.ports ?? []).some((p: any) => p?.name === f.defaults.portName)) {
      main.ports = [...(main.ports ?? []), { name: f.defaults.portName, containerPort: f.defaults.port }];
    }
    if (!main) notModelled.push(`${owner}: ${rtype} has no container named ${f.defaults.containerName}, the operator's default port is not added`);
    // envvar.go setPodEnv (values for replica index 0)
    const rank = rtype === 'Worker' ? 1 : 0;
    for (const c of podSpec.containers) {
      const env = [...(c.env ?? []), ...f.env.all];
      if (hasMaster) {
        env.push({ name: 'MASTER_PORT', value: String(portOf(masterSpec)) }, { name: 'MASTER_ADDR', value: `${name}-master-0` },
          { name: 'WORLD_SIZE', value: String(total * nprocInt) }, { name: 'RANK', value: String(rank) }, { name: 'PET_NODE_RANK', value: String(rank) });
      }
      env.push({ name: 'PET_NPROC_PER_NODE', value: nproc });
      if (!job.spec.elasticPolicy) env.push({ name: 'PET_NNODES', value: String(total) });
      c.env = env;
    }
    const mutations = [`training operator ${f.version}: ${rt} pods ${name}-${rt}-<index>, labels ${l.replicaType}/${l.replicaIndex}/${l.jobName}, env MASTER_*/RANK/WORLD_SIZE`];
    if (rtype === 'Worker' && hasMaster) {
      // initcontainer.go GetInitContainer: the template rendered with the image, tries and master address.
      const rendered = init.template.split('{{.InitContainerImage}}').join(init.image).split('{{.MaxTries}}').join(String(init.maxTries))
        .split('{{.MasterAddr}}').join(`${name}-master-0`);
      let added: any[] = [];
      try {
        const parsed = YAML.parse(rendered);
        added = Array.isArray(parsed) ? parsed.filter(isMap) : [];
      } catch {
        notModelled.push(`${owner}: the training operator's init container template is not YAML after rendering, not modelled`);
      }
      podSpec.initContainers = [...(podSpec.initContainers ?? []), ...added];
      for (const ic of added) {
        mutations.push(`training operator ${f.version}: init container ${ic.name} (${ic.image}, ${ic.securityContext ? 'with' : 'no'} securityContext) waits for ${name}-master-0, from the ${init.source}`);
      }
    }
    // core/pod.go SetRestartPolicy
    const policy = String(rspec.restartPolicy ?? f.defaults.restartPolicy);
    podSpec.restartPolicy = policy === 'ExitCode' ? 'Never' : policy;
    const podName = `${name}-${rt}-0`;
    const n = replicasOf(rspec);
    out.pods.push({
      owner,
      ownerObject: job,
      origin: 'operator',
      namespace,
      namePrefix: `${name}-${rt}-`,
      pod: { apiVersion: 'v1', kind: 'Pod', metadata: { name: podName, namespace, labels, annotations: { ...(template.metadata?.annotations ?? {}) } }, spec: podSpec },
      templatePath: `spec.pytorchReplicaSpecs.${rtype}.template`,
      minReplicas: n,
      maxReplicas: n,
      externalAutoscaling: false,
      workload: { name: podName, kind: 'Pod', apiVersion: 'v1' },
      // The training operator's JobController.GenOwnerReference: the controller's group version (kubeflow.org/v1) and kind, controller + blockOwnerDeletion.
      podOwner: { apiVersion: 'kubeflow.org/v1', kind: 'PyTorchJob', name },
      mutations,
    });
    const ports = podSpec.containers.filter((c: any) => c?.name === f.defaults.containerName).flatMap((c: any) => c.ports ?? [])
      .map((p: any) => ({ name: p.name, port: p.containerPort, targetPort: p.containerPort }));
    out.derived.push(madeBy({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: podName, namespace, labels: { [l.operatorName]: l.operatorNameValue, [l.jobName]: name, [l.replicaType]: rt, [l.replicaIndex]: '0' } },
      spec: { clusterIP: 'None', selector: { [l.operatorName]: l.operatorNameValue, [l.jobName]: name, [l.replicaType]: rt, [l.replicaIndex]: '0' }, ports },
    }, owner));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// OpenTelemetryCollector (opentelemetry.io/v1beta1), operator v0.126.0
// ---------------------------------------------------------------------------------------------------------------

/** PortName (internal/naming/port.go). */
function portName(receiver: string, port: number): string {
  if (receiver.length > 15) return `port-${port}`;
  const c = receiver.replace(/\//g, '-').replace(/_/g, '-');
  return /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(c) ? c : `port-${port}`;
}

function portFromEndpoint(endpoint: any): number | undefined {
  const m = /:(\d+)/.exec(String(endpoint ?? ''));
  return m ? Number(m[1]) : undefined;
}

/** The collector's container ports, as collector/container.go getContainerPorts derives them from spec.config. */
export function collectorPorts(spec: any): any[] {
  const f = collectorFacts();
  const config = isMap(spec?.config) ? spec.config : {};
  const service = isMap(config.service) ? config.service : {};
  const pipelines = isMap(service.pipelines) ? Object.values(service.pipelines) : [];
  const enabled = (kind: string) => [...new Set(pipelines.flatMap((p: any) => (Array.isArray(p?.[kind]) ? p[kind] : [])))] as string[];
  const type = (n: string) => (n.includes('/') ? n.slice(0, n.indexOf('/')) : n);
  const ports: any[] = [];
  const push = (name: string, port: number | undefined) => {
    if (port === undefined || port < 1 || port > 65535) return;
    ports.push({ name: name.slice(0, 15).replace(/[^A-Za-z0-9]+$/, ''), containerPort: port, protocol: 'TCP' });
  };
  for (const r of enabled('receivers')) {
    const cfg = config.receivers?.[r] ?? {};
    if (type(r) === 'otlp') {
      for (const p of f.ports.otlp) {
        if (!isMap(cfg.protocols) || !Object.prototype.hasOwnProperty.call(cfg.protocols, p.protocol)) continue;
        push(portName(`${r}-${p.protocol}`, portFromEndpoint(cfg.protocols[p.protocol]?.endpoint) ?? p.port), portFromEndpoint(cfg.protocols[p.protocol]?.endpoint) ?? p.port);
      }
    } else if (type(r) !== 'prometheus' && isMap(cfg) && cfg.endpoint !== undefined) {
      const port = portFromEndpoint(cfg.endpoint);
      if (port !== undefined) push(portName(r, port), port);
    }
  }
  for (const e of enabled('exporters')) {
    if (type(e) !== 'prometheus') continue;
    const port = portFromEndpoint(config.exporters?.[e]?.endpoint) ?? f.ports.prometheusExporter;
    push(portName(e, port), port);
  }
  for (const x of Array.isArray(service.extensions) ? service.extensions : []) {
    if (type(x) !== 'health_check') continue;
    const port = portFromEndpoint(config.extensions?.[x]?.endpoint) ?? f.ports.healthCheckExtension;
    push(portName(x, port), port);
  }
  const metricsPort = portFromEndpoint(service.telemetry?.metrics?.address) ?? f.ports.metrics;
  ports.push({ name: 'metrics', containerPort: metricsPort, protocol: 'TCP' });
  const specPorts = (Array.isArray(spec?.ports) ? spec.ports : [])
    .map((p: any) => withoutUndefined({ name: p.name, containerPort: p.port, protocol: p.protocol, hostPort: p.hostPort }));
  let all = ports;
  if (specPorts.length > 0) {
    const numbers = new Set(specPorts.map((p: any) => `${p.containerPort}/${p.protocol ?? 'TCP'}`));
    const names = new Set(specPorts.map((p: any) => p.name));
    const inferred = ports.filter((p) => !numbers.has(`${p.containerPort}/${p.protocol}`)).map((p) => (names.has(p.name) ? { ...p, name: `port-${p.containerPort}` } : p));
    all = [...specPorts, ...inferred];
  }
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The collector pods the OpenTelemetry operator builds for an OpenTelemetryCollector (deployment, statefulset, daemonset modes). */
export function collectorExpansion(col: any, index: ObjectIndex): Expansion {
  const f = collectorFacts();
  const owner = ObjectIndex.id(col);
  const notModelled: string[] = [];
  const out: Expansion = { pods: [], derived: [], notModelled };
  const name = String(col?.metadata?.name ?? '');
  const namespace = nsOf(col);
  const spec = isMap(col?.spec) ? col.spec : {};
  if (!name) {
    notModelled.push(`${owner}: no metadata.name, no pods modelled`);
    return out;
  }
  const mode = String(spec.mode ?? 'deployment');
  if (mode === 'sidecar') {
    notModelled.push(`${owner}: sidecar mode (the collector injected into annotated pods) not modelled`);
    return out;
  }
  if (!['deployment', 'statefulset', 'daemonset'].includes(mode)) {
    notModelled.push(`${owner}: mode ${mode} not modelled`);
    return out;
  }
  if (spec.targetAllocator?.enabled === true) notModelled.push(`${owner}: the target allocator pods and the SHARD env are not modelled`);
  const addon = addonValues(index, ['opentelemetry-operator']);
  const collectorImage = mergeOverwrite(f.chart.collectorImage, addon?.values?.manager?.collectorImage ?? {});
  const image = spec.image || `${collectorImage.repository}:${collectorImage.tag}`;
  const workloadName = `${name}-collector`.slice(0, 63).replace(/[^A-Za-z0-9]+$/, '');

  // manifestutils Labels
  const labels: Record<string, string> = { ...(col.metadata?.labels ?? {}) };
  Object.assign(labels, f.selectorLabels, { 'app.kubernetes.io/instance': `${namespace}.${name}`.slice(0, 63) });
  const parts = String(spec.image ?? '').split(':');
  if (parts.length === 3) labels['app.kubernetes.io/version'] = (parts.find((p) => p.endsWith('@sha256')) ?? '').replace(/@sha256$/, '');
  else if (parts.length === 2) labels['app.kubernetes.io/version'] = parts[1].slice(0, 63).replace(/[^A-Za-z0-9]+$/, '').replace(/^[^A-Za-z0-9]+/, '');
  else labels['app.kubernetes.io/version'] = 'latest';
  if (!labels['app.kubernetes.io/name']) labels['app.kubernetes.io/name'] = workloadName;

  // manifestutils PodAnnotations
  const hash = crypto.createHash('sha256').update(JSON.stringify(spec.config ?? {})).digest('hex');
  const podAnnotations: Record<string, string> = { ...(spec.podAnnotations ?? {}) };
  for (const [k, v] of Object.entries(col.metadata?.annotations ?? {})) if (podAnnotations[k] === undefined) podAnnotations[k] = String(v);
  if (spec.observability?.metrics?.disablePrometheusAnnotations !== true) {
    for (const [k, v] of Object.entries(f.podAnnotations)) if (podAnnotations[k] === undefined) podAnnotations[k] = String(v);
  }
  podAnnotations['opentelemetry-operator-config/sha256'] = hash;

  // collector/container.go Container
  const args = [`--config=${f.volume.mountPath}/collector.yaml`, ...Object.entries(isMap(spec.args) ? spec.args : {}).filter(([k]) => k !== 'config').map(([k, v]) => `--${k}=${v}`).sort()];
  const env = [...(Array.isArray(spec.env) ? spec.env : [])];
  if (!env.some((e: any) => e?.name === 'POD_NAME')) env.push({ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } });
  const container: any = withoutUndefined({
    name: f.containerName,
    image,
    imagePullPolicy: spec.imagePullPolicy,
    ports: collectorPorts(spec),
    volumeMounts: [{ name: f.volume.name, mountPath: f.volume.mountPath }, ...(Array.isArray(spec.volumeMounts) ? spec.volumeMounts : [])],
    args,
    env,
    envFrom: spec.envFrom,
    resources: spec.resources ?? {},
    securityContext: spec.securityContext,
    lifecycle: spec.lifecycle,
  });
  const extensions: string[] = Array.isArray(spec.config?.service?.extensions) ? spec.config.service.extensions : [];
  const hc = extensions.find((x) => x === 'health_check' || x.startsWith('health_check/'));
  if (hc) {
    const cfg = spec.config?.extensions?.[hc] ?? {};
    const probe = (override: any) => withoutUndefined({
      httpGet: { path: cfg.path || f.probes.healthCheckPath, port: portFromEndpoint(cfg.endpoint) ?? f.probes.healthCheckPort },
      initialDelaySeconds: override?.initialDelaySeconds,
      periodSeconds: override?.periodSeconds,
      failureThreshold: override?.failureThreshold,
      successThreshold: override?.successThreshold,
      timeoutSeconds: override?.timeoutSeconds,
      terminationGracePeriodSeconds: override?.terminationGracePeriodSeconds,
    });
    container.livenessProbe = probe(spec.livenessProbe);
    container.readinessProbe = probe(spec.readinessProbe);
  }
  const podSpec: any = withoutUndefined({
    serviceAccountName: spec.serviceAccount || workloadName,
    initContainers: spec.initContainers,
    containers: [...(Array.isArray(spec.additionalContainers) ? clone(spec.additionalContainers) : []), container],
    volumes: [{ name: f.volume.name, configMap: { name: `${workloadName}-${hash.slice(0, 8)}`, items: [{ key: 'collector.yaml', path: 'collector.yaml' }] } },
      ...(Array.isArray(spec.volumes) ? clone(spec.volumes) : [])],
    dnsPolicy: spec.hostNetwork === true ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
    hostNetwork: spec.hostNetwork === true ? true : undefined,
    shareProcessNamespace: spec.shareProcessNamespace === true,
    tolerations: spec.tolerations,
    nodeSelector: spec.nodeSelector,
    securityContext: spec.podSecurityContext,
    priorityClassName: spec.priorityClassName,
    affinity: spec.affinity,
    terminationGracePeriodSeconds: spec.terminationGracePeriodSeconds,
    topologySpreadConstraints: spec.topologySpreadConstraints,
  });
  const replicas = typeof spec.replicas === 'number' ? spec.replicas : f.replicas.default;
  const maxAuto = typeof spec.autoscaler?.maxReplicas === 'number' ? spec.autoscaler.maxReplicas : undefined;
  const minAuto = typeof spec.autoscaler?.minReplicas === 'number' ? spec.autoscaler.minReplicas : replicas;
  const daemon = mode === 'daemonset';
  const kind = mode === 'deployment' ? 'Deployment' : mode === 'statefulset' ? 'StatefulSet' : 'DaemonSet';
  out.pods.push({
    owner,
    ownerObject: col,
    origin: 'operator',
    namespace,
    namePrefix: `${workloadName}-`,
    pod: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: `${workloadName}-`, namespace, labels, annotations: podAnnotations }, spec: podSpec },
    templatePath: 'spec',
    minReplicas: daemon ? -1 : maxAuto !== undefined ? minAuto : replicas,
    maxReplicas: daemon ? -1 : maxAuto !== undefined ? maxAuto : replicas,
    scaleTarget: daemon ? undefined : { apiVersion: 'apps/v1', kind, name: workloadName },
    externalAutoscaling: false,
    workload: { name: workloadName, kind, apiVersion: 'apps/v1' },
    mutations: [`opentelemetry operator ${f.version}: ${kind} ${namespace}/${workloadName}, container ${f.containerName}, image ${image}`],
  });
  return out;
}
