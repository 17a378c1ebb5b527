import { ApiObject, Chart, JsonPatch } from 'cdk8s';
import { Construct } from 'constructs';
import { ProblemCollector } from '../../core/errors';
import { IModelService } from '../../core/model-service';
import { Names } from '../../core/names';
import { ContentFilter, ContentFilterTarget, WasmPhase } from '../../mesh/content-filter';
import { GrpcJsonTranscoder, ProtoDescriptorConfigMap, ProtoDescriptorSource } from '../../mesh/grpc-json-transcoder';
import type { ModelSpec } from '../platform-spec';

const GRPC_SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** A private ECR registry host (`<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`). */
const ECR_HOST = /^\d{12}\.dkr\.ecr(-fips)?\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

/**
 * The spec checks of a model's `contentFilter` and `grpcTranscoding` (PlatformSpecValidator calls it for
 * every model), each problem naming its spec path.
 *
 * @param at the model's spec path (`models[2]`)
 * @param allowed the registries images may come from (`policy.allowedRegistries`, else the platform's)
 */
export function checkModelFilters(c: ProblemCollector, at: string, m: ModelSpec, allowed: string[]): void {
  const f = m.contentFilter;
  if (f !== undefined) {
    const p = `${at}.contentFilter`;
    let pinned = false;
    c.capture(() => {
      ContentFilter.validateImage('image', f.image);
      pinned = true;
    }, p);
    if (pinned) {
      const ref = f.image.slice('oci://'.length);
      const host = ref.split('/')[0];
      if (allowed.length > 0) {
        c.check(allowed.some((r) => ref.startsWith(`${r}/`)), `${p}.image`, 'must come from an allowed registry (the registries policy LLM-IMG-003 admits images from)', f.image,
          `push the module to one of ${allowed.join(', ')} or add its registry to 'policy.allowedRegistries'`);
      }
      c.check(!ECR_HOST.test(host) || f.imagePullSecret !== undefined, `${p}.imagePullSecret`,
        `is required for an image in ECR (${host}): istio-agent pulls Wasm modules with the WasmPlugin's pull secret or anonymously (istio 1.30.3 pkg/wasm/imagefetcher.go), and ECR refuses anonymous pulls`,
        f.imagePullSecret, `name a kubernetes.io/dockerconfigjson Secret in namespace '${m.tenant}' refreshed from 'aws ecr get-login-password' (ECR tokens last 12 hours), e.g. by an External Secrets ECRAuthorizationToken generator`);
    }
    if (f.imagePullSecret !== undefined) c.capture(() => Names.validateDns1123Subdomain('imagePullSecret', f.imagePullSecret!), p);
    if (f.phase !== undefined) {
      c.check(Object.values(WasmPhase).includes(f.phase), `${p}.phase`, 'must be a WasmPhase', f.phase, 'use WasmPhase.STATS, WasmPhase.AUTHZ or WasmPhase.AUTHN');
    }
    if (f.priority !== undefined) c.check(Number.isInteger(f.priority), `${p}.priority`, 'must be a whole number', f.priority, 'use e.g. 10');
  }

  const t = m.grpcTranscoding;
  if (t !== undefined) {
    const p = `${at}.grpcTranscoding`;
    const runtime: any = m.runtime;
    if (runtime && typeof runtime.name === 'string') {
      c.check(runtime.grpcPort !== undefined, p, `needs a runtime with a gRPC port (the ${runtime.name} runtime serves HTTP only)`, runtime.name,
        'drop grpcTranscoding or serve the model with a gRPC runtime (ModelRuntime.TRITON)');
    }
    c.check(!m.kserve, p, 'is not supported with kserve (the transcoder needs annotations on the predictor pods the platform does not set)', true,
      'serve the model as a Deployment (kserve: false) or drop grpcTranscoding');
    const services: any = t.services;
    const listed = c.check(Array.isArray(services) && services.length > 0, `${p}.services`, 'must list at least one gRPC service (Envoy disables a transcoder without services)', services,
      "use fully-qualified names, e.g. 'inference.GRPCInferenceService'");
    if (listed) {
      (services as any[]).forEach((s, si) => c.check(typeof s === 'string' && GRPC_SERVICE.test(s), `${p}.services[${si}]`,
        'must be a fully-qualified gRPC service name (<package>.<Service>)', s, "use e.g. 'inference.GRPCInferenceService'"));
    }
    if (!c.check(t.descriptor instanceof ProtoDescriptorSource, `${p}.descriptor`, 'must be a ProtoDescriptorSource', t.descriptor,
      'use ProtoDescriptorSource.fromFile(...), fromBase64(...) or fromConfigMap(...)')) return;
    if (t.descriptor.kind === 'config-map') {
      c.capture(() => Names.validateDns1123Subdomain('descriptor.configMapName', t.descriptor.value), p);
      return;
    }
    let defined: string[] | undefined;
    c.capture(() => {
      defined = t.descriptor.services('descriptor');
    }, p);
    if (defined && listed) {
      (services as any[]).forEach((s, si) => {
        if (typeof s === 'string' && GRPC_SERVICE.test(s)) {
          c.check(defined!.includes(s), `${p}.services[${si}]`, `names a service the descriptor set does not define (it defines ${defined!.join(', ') || 'none'}): Envoy refuses the filter`, s,
            'transcode a service of the descriptor set, or compile the descriptor set from the protos that define it');
        }
      });
    }
  }
}

/** The transcoder (EnvoyFilter) name of a model: `<model>-grpc-json`. */
function transcoderName(m: ModelSpec): string {
  return Names.joinLabel([m.name, 'grpc-json']);
}

/** The descriptor ConfigMap of a model: the source's ConfigMap, else `<model>-grpc-descriptor` (made by the platform). */
function descriptorConfigMapName(m: ModelSpec): string {
  const d = m.grpcTranscoding!.descriptor;
  return d.kind === 'config-map' ? d.value : Names.joinLabel([m.name, 'grpc-descriptor']);
}

/**
 * The pod annotations a model's pods need for its spec options, from the spec alone (so the serving layer can
 * take them when it builds the pods): the sidecar volume of the transcoder's descriptor set
 * (`sidecar.istio.io/userVolume` / `userVolumeMount`); none without `grpcTranscoding` (the content filter
 * needs no pod change: its WasmPlugin selects the pods by their model label).
 */
export function modelPodAnnotations(m: ModelSpec): { [key: string]: string } {
  if (!m.grpcTranscoding) return {};
  return GrpcJsonTranscoder.sidecarAnnotations({ transcoderName: transcoderName(m), descriptorSet: { configMapName: descriptorConfigMapName(m) } });
}

/** What `addModelFilters` wires for one model. */
export interface ModelFilterWiring {
  /** The model's spec entry. */
  readonly spec: ModelSpec;
  /** The served model. */
  readonly model: IModelService;
  /** The chart of the mesh component (WasmPlugin, EnvoyFilter). */
  readonly meshChart: Chart;
  /** The chart of the model's tenant (the descriptor ConfigMap, with the pods that mount it). */
  readonly tenantChart: Chart;
}

/**
 * A model's content filter and transcoder with everything they need: the WasmPlugin selecting the model's pods;
 * the descriptor ConfigMap next to the pods, the EnvoyFilter, and the sidecar volume annotations on every
 * Deployment of the model (stable and candidate).
 *
 * @returns the pod annotations the model's pods were given (empty without transcoding)
 */
export function addModelFilters(w: ModelFilterWiring): { [key: string]: string } {
  const m = w.spec;
  if (m.contentFilter) {
    const f = m.contentFilter;
    new ContentFilter(w.meshChart, `ContentFilter-${m.name}`, {
      target: ContentFilterTarget.model(w.model),
      image: f.image,
      phase: f.phase,
      pluginConfig: f.pluginConfig,
      failOpen: f.failOpen,
      priority: f.priority,
      imagePullSecret: f.imagePullSecret,
    });
  }
  if (!m.grpcTranscoding) return {};
  const t = m.grpcTranscoding;
  const descriptor = new ProtoDescriptorConfigMap(w.tenantChart, `GrpcDescriptor-${m.name}`, {
    model: w.model, source: t.descriptor, name: descriptorConfigMapName(m),
  });
  const transcoder = new GrpcJsonTranscoder(w.meshChart, `GrpcJson-${m.name}`, {
    model: w.model,
    name: transcoderName(m),
    services: t.services,
    descriptorSet: descriptor.descriptorSet,
    autoMapping: t.autoMapping,
    printOptions: t.printOptions,
  });
  // The pod template annotations of every Deployment of the model (ModelServer makes one per version track):
  // modelPodAnnotations(m), which equal transcoder.podAnnotations.
  for (const d of Construct.isConstruct(w.model) ? w.model.node.findAll() : []) {
    if (!(d instanceof ApiObject) || d.kind !== 'Deployment') continue;
    for (const [key, value] of Object.entries(transcoder.podAnnotations)) {
      d.addJsonPatch(JsonPatch.add(`/spec/template/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, value));
    }
  }
  return transcoder.podAnnotations;
}
