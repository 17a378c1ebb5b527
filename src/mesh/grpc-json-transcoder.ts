import * as fs from 'fs';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import {
  EnvoyFilter, EnvoyFilterSpecConfigPatchesApplyTo, EnvoyFilterSpecConfigPatchesMatchContext, EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../imports/istio-envoyfilter-networking.istio.io';
import { modelLabels, sortedLabels, validateModel } from './private/util';

const GRPC_SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
/** A ConfigMap holds at most 1 MiB (data and binaryData together; Kubernetes `MaxSecretSize`/ConfigMap validation). */
const MAX_CONFIGMAP_BYTES = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const CONFIGMAP_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * A compiled proto descriptor set (`protoc --include_imports --descriptor_set_out=...`) stored in a
 * ConfigMap (`binaryData`) in the model's namespace.
 */
export interface ProtoDescriptorSet {
  /** The ConfigMap name. */
  readonly configMapName: string;
  /**
   * The key holding the descriptor set.
   *
   * @default 'descriptor.pb'
   */
  readonly key?: string;
  /**
   * The fully-qualified services the descriptor set defines, when known (`ProtoDescriptorConfigMap` reads
   * them from the bytes): a transcoded service not among them fails synth, as Envoy would refuse the filter
   * ("If the service name doesn't exist in proto_descriptor, Envoy will fail at startup", envoy
   * `grpc_json_transcoder/v3/transcoder.proto`).
   *
   * @default - unknown (not checked)
   */
  readonly services?: string[];
}

/**
 * Envoy's JSON print options of the transcoder's responses (`GrpcJsonTranscoder.PrintOptions`, envoy
 * `api/envoy/extensions/filters/http/grpc_json_transcoder/v3/transcoder.proto` as vendored in
 * go-control-plane `98966259b99a`, the version Istio 1.30.3's go.mod pins).
 */
export interface TranscoderPrintOptions {
  /**
   * Spaces, line breaks and indentation in the JSON output.
   *
   * @default false
   */
  readonly addWhitespace?: boolean;
  /**
   * Print primitive fields with default values (an int32 0 is otherwise omitted).
   *
   * @default true
   */
  readonly alwaysPrintPrimitiveFields?: boolean;
  /**
   * Print enums as integers instead of their names.
   *
   * @default false
   */
  readonly alwaysPrintEnumsAsInts?: boolean;
  /**
   * Keep the proto field names (`max_tokens`) instead of lower camel case (`maxTokens`).
   *
   * @default true
   */
  readonly preserveProtoFieldNames?: boolean;
  /**
   * Return server streams as newline-delimited JSON messages instead of one JSON array.
   *
   * @default false
   */
  readonly streamNewlineDelimited?: boolean;
  /**
   * Frame server streams as Server-Sent Events (`data: <message>\n\n`); overrides `streamNewlineDelimited`.
   *
   * @default false
   */
  readonly streamSseStyleDelimited?: boolean;
}

/**
 * Where a compiled proto descriptor set (`protoc --include_imports --descriptor_set_out=api.pb ...`) comes from.
 * Bytes (a file or base64) are checked at synth: they must parse as a `google.protobuf.FileDescriptorSet` and
 * define every transcoded service.
 */
export class ProtoDescriptorSource {
  /**
   * A descriptor set file on the synth machine (read when the platform is built).
   */
  public static fromFile(path: string): ProtoDescriptorSource {
    checkArgs('mesh.ProtoDescriptorSource#fromFile', [path]);
    return new ProtoDescriptorSource('file', path);
  }

  /**
   * A descriptor set as base64 (`base64 -w0 api.pb`).
   */
  public static fromBase64(data: string): ProtoDescriptorSource {
    checkArgs('mesh.ProtoDescriptorSource#fromBase64', [data]);
    return new ProtoDescriptorSource('base64', data);
  }

  /**
   * A ConfigMap in the model's namespace, created outside this source, holding the descriptor set under `key`
   * (`binaryData`). Its services cannot be checked at synth.
   *
   * @param key @default 'descriptor.pb'
   */
  public static fromConfigMap(configMapName: string, key?: string): ProtoDescriptorSource {
    checkArgs('mesh.ProtoDescriptorSource#fromConfigMap', [configMapName, key]);
    return new ProtoDescriptorSource('config-map', configMapName, key);
  }

  /** `file`, `base64` or `config-map`. */
  public readonly kind: string;
  /** The file path, the base64 text or the ConfigMap name. */
  public readonly value: string;
  /** The ConfigMap key (config-map sources). */
  public readonly key?: string;

  private constructor(kind: string, value: string, key?: string) {
    this.kind = kind;
    this.value = value;
    this.key = key;
  }

  /**
   * The descriptor set bytes (file and base64 sources; undefined for a ConfigMap), checked: readable, at most
   * 1 MiB (a ConfigMap's limit), a `FileDescriptorSet`.
   *
   * @param prop the prop to name in errors
   * @returns the bytes, base64-encoded (as a ConfigMap's binaryData holds them)
   */
  public base64(prop: string = 'descriptor'): string | undefined {
    checkArgs('mesh.ProtoDescriptorSource#base64', [prop]);
    return this._bytesOf(prop)?.toString('base64');
  }

  /**
   * The fully-qualified services the descriptor set defines (file and base64 sources; undefined for a ConfigMap).
   */
  public services(prop: string = 'descriptor'): string[] | undefined {
    checkArgs('mesh.ProtoDescriptorSource#services', [prop]);
    const data = this._bytesOf(prop);
    return data ? descriptorServices(data) : undefined;
  }

  /** @internal the checked bytes (`base64()` documents the checks) */
  public _bytesOf(prop: string): Buffer | undefined {
    if (this.kind === 'config-map') return undefined;
    let data: Buffer;
    if (this.kind === 'file') {
      if (typeof this.value !== 'string' || this.value === '' || !fs.existsSync(this.value) || !fs.statSync(this.value).isFile()) {
        throw new ValidationError(prop, 'names no readable descriptor set file', this.value,
          "compile one with 'protoc --include_imports --descriptor_set_out=api.pb <protos>' and pass its path");
      }
      data = fs.readFileSync(this.value);
    } else {
      if (typeof this.value !== 'string' || this.value === '' || !BASE64.test(this.value)) {
        throw new ValidationError(prop, 'must be base64 of a descriptor set', typeof this.value === 'string' && this.value.length > 40 ? `${this.value.slice(0, 40)}...` : this.value,
          "pass 'base64 -w0 api.pb' (protoc --include_imports --descriptor_set_out=api.pb <protos>)");
      }
      data = Buffer.from(this.value, 'base64');
    }
    if (data.length > MAX_CONFIGMAP_BYTES) {
      throw new ValidationError(prop, `must fit in a ConfigMap (at most ${MAX_CONFIGMAP_BYTES} bytes)`, data.length,
        'compile only the services you transcode and their imports (protoc without --include_source_info)');
    }
    if (descriptorServices(data) === undefined) {
      throw new ValidationError(prop, 'is not a protobuf FileDescriptorSet', `${data.length} bytes`,
        "compile it with 'protoc --include_imports --descriptor_set_out=api.pb <protos>'");
    }
    return data;
  }

}

/**
 * Properties of `ProtoDescriptorConfigMap`.
 */
export interface ProtoDescriptorConfigMapProps {
  /** The model whose sidecars mount the descriptor set (its namespace holds the ConfigMap). */
  readonly model: IModelService;
  /** The descriptor set. */
  readonly source: ProtoDescriptorSource;
  /**
   * The ConfigMap name (file and base64 sources).
   *
   * @default '<service>-grpc-descriptor'
   */
  readonly name?: string;
}

/**
 * The ConfigMap (`binaryData`) holding a model's proto descriptor set, for `GrpcJsonTranscoder`: put it in the
 * chart of the model's pods (the ConfigMap must exist when they start, the sidecar mounts it). A
 * `ProtoDescriptorSource.fromConfigMap` source creates nothing and references that ConfigMap.
 */
export class ProtoDescriptorConfigMap extends Construct {
  /** Where the transcoder finds the descriptor set (with its services when the bytes are known). */
  public readonly descriptorSet: ProtoDescriptorSet;

  constructor(scope: Construct, id: string, props: ProtoDescriptorConfigMapProps) {
    super(scope, id);
    checkProps('mesh.ProtoDescriptorConfigMapProps', props, 'props', this);
    validateModel('model', props.model, this);
    const source = props.source;
    if (!(source instanceof ProtoDescriptorSource)) {
      throw new ValidationError('source', 'must be a ProtoDescriptorSource', source, 'use ProtoDescriptorSource.fromFile(...), fromBase64(...) or fromConfigMap(...)', this);
    }
    if (source.kind === 'config-map') {
      Names.validateDns1123Subdomain('source.configMapName', source.value, this);
      this.descriptorSet = { configMapName: source.value, key: validateKey('source.key', source.key ?? 'descriptor.pb', this) };
      return;
    }
    const data = source._bytesOf('source')!;
    const name = Names.validateDns1123Subdomain('name', props.name ?? Names.joinLabel([props.model.serviceName, 'grpc-descriptor']), this);
    const key = 'descriptor.pb';
    new ApiObject(this, 'Resource', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: props.model.namespace, labels: modelLabels(props.model, 'grpc-json-transcoder') },
      binaryData: { [key]: data.toString('base64') },
    });
    this.descriptorSet = { configMapName: name, key, services: descriptorServices(data) };
  }
}

/**
 * Properties of `GrpcJsonTranscoder`.
 */
export interface GrpcJsonTranscoderProps {
  /** The model (its runtime must have a gRPC port). */
  readonly model: IModelService;
  /** Fully-qualified gRPC services to expose as JSON, e.g. `inference.GRPCInferenceService`. */
  readonly services: string[];
  /** Where the descriptor set is. */
  readonly descriptorSet: ProtoDescriptorSet;
  /**
   * The EnvoyFilter name.
   *
   * @default - '<service>-grpc-json'
   */
  readonly name?: string;
  /**
   * Where the descriptor ConfigMap is mounted in the sidecar.
   *
   * @default '/etc/istio/proto'
   */
  readonly mountPath?: string;
  /**
   * Map `POST /<package>.<Service>/<Method>` with a JSON body to methods without `google.api.http`
   * annotations.
   *
   * @default false
   */
  readonly autoMapping?: boolean;
  /**
   * JSON print options of the responses.
   *
   * @default - no whitespace, primitive fields always printed, proto field names preserved, enums as names, streams as one JSON array
   */
  readonly printOptions?: TranscoderPrintOptions;
}

/**
 * What `GrpcJsonTranscoder.sidecarAnnotations` needs.
 */
export interface TranscoderSidecarOptions {
  /** The transcoder's (EnvoyFilter's) name; the sidecar volume is `<name>-descriptor`. */
  readonly transcoderName: string;
  /** The descriptor ConfigMap. */
  readonly descriptorSet: ProtoDescriptorSet;
  /**
   * The mount path in the sidecar.
   *
   * @default '/etc/istio/proto'
   */
  readonly mountPath?: string;
}

/**
 * Advanced: gRPC-JSON transcoding in the model's sidecar. An `EnvoyFilter` inserts Envoy's
 * `grpc_json_transcoder` before the router on the inbound gRPC port, so HTTP/JSON clients can call
 * the gRPC API. The descriptor set comes from a ConfigMap mounted into the sidecar
 * (`ProtoDescriptorConfigMap` makes it from a file or bytes): put `podAnnotations` (or
 * `GrpcJsonTranscoder.sidecarAnnotations(...)`, known before the model is built) on the model's pods.
 *
 * EnvoyFilter patches Envoy configuration directly and can break with Istio upgrades; prefer the
 * runtime's own HTTP API when it has one.
 */
export class GrpcJsonTranscoder extends Construct {
  /** The Envoy filter name. */
  public static readonly ENVOY_FILTER_NAME = 'envoy.filters.http.grpc_json_transcoder';
  /** Where the descriptor ConfigMap is mounted in the sidecar by default. */
  public static readonly DEFAULT_MOUNT_PATH = '/etc/istio/proto';

  /** The EnvoyFilter name a transcoder of the model gets by default (`<service>-grpc-json`). */
  public static defaultName(model: IModelService): string {
    checkArgs('mesh.GrpcJsonTranscoder#defaultName', [model]);
    return Names.joinLabel([model.serviceName, 'grpc-json']);
  }

  /**
   * The pod annotations that make Istio's injector mount the descriptor ConfigMap into the sidecar
   * (`sidecar.istio.io/userVolume` and `sidecar.istio.io/userVolumeMount`, JSON maps of volume name to
   * Volume / VolumeMount; istio 1.30.3 `injection-template.yaml` renders them into the istio-proxy container).
   * The model's pods must carry them before the transcoder can load the descriptor set: pass them to the
   * serving layer's pod annotations. Known before the transcoder exists, so the model can be built first.
   */
  public static sidecarAnnotations(options: TranscoderSidecarOptions): { [key: string]: string } {
    checkProps('mesh.TranscoderSidecarOptions', options, 'options');
    const volume = Names.joinLabel([options.transcoderName, 'descriptor']);
    const mountPath = options.mountPath ?? GrpcJsonTranscoder.DEFAULT_MOUNT_PATH;
    return {
      'sidecar.istio.io/userVolume': JSON.stringify({ [volume]: { configMap: { name: options.descriptorSet.configMapName } } }),
      'sidecar.istio.io/userVolumeMount': JSON.stringify({ [volume]: { mountPath, readOnly: true } }),
    };
  }

  /** The EnvoyFilter name. */
  public readonly name: string;
  /** The gRPC port transcoded. */
  public readonly port: number;
  /** Path of the descriptor set inside the sidecar. */
  public readonly descriptorPath: string;
  /** Annotations the model pods need so the sidecar mounts the descriptor ConfigMap. */
  public readonly podAnnotations: { [key: string]: string };

  constructor(scope: Construct, id: string, props: GrpcJsonTranscoderProps) {
    super(scope, id);
    checkProps('mesh.GrpcJsonTranscoderProps', props, 'props', this);
    validateModel('model', props.model, this);
    const model = props.model;
    if (model.runtime.grpcPort === undefined) {
      throw new ValidationError('model', `has no gRPC port (runtime ${model.runtime.name})`, model.modelName, 'use a runtime with a grpcPort (e.g. ModelRuntime.TRITON)', this);
    }
    this.port = model.runtime.grpcPort;
    if (!props.services || props.services.length === 0) {
      throw new ValidationError('services', 'must list at least one gRPC service', props.services, "use fully-qualified names, e.g. 'inference.GRPCInferenceService'", this);
    }
    for (const s of props.services) {
      if (typeof s !== 'string' || !GRPC_SERVICE.test(s)) {
        throw new ValidationError('services', 'must be fully-qualified gRPC service names (<package>.<Service>)', s, "use e.g. 'inference.GRPCInferenceService'", this);
      }
    }
    const d = props.descriptorSet;
    if (!d) throw new ValidationError('descriptorSet', 'is required', d, 'reference the ConfigMap holding the proto descriptor set', this);
    Names.validateDns1123Subdomain('descriptorSet.configMapName', d.configMapName, this);
    const key = validateKey('descriptorSet.key', d.key ?? 'descriptor.pb', this);
    if (d.services !== undefined) {
      for (const s of props.services) {
        if (!d.services.includes(s)) {
          throw new ValidationError('services', `names a service the descriptor set does not define (it defines ${d.services.join(', ') || 'none'}): Envoy refuses the filter`, s,
            'transcode a service of the descriptor set, or compile the descriptor set from the protos that define it', this);
        }
      }
    }
    const mountPath = props.mountPath ?? GrpcJsonTranscoder.DEFAULT_MOUNT_PATH;
    if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(mountPath)) {
      throw new ValidationError('mountPath', 'must be an absolute directory path', mountPath, "use e.g. '/etc/istio/proto'", this);
    }
    this.name = Names.validateDns1123Label('name', props.name ?? GrpcJsonTranscoder.defaultName(model), this);
    this.descriptorPath = `${mountPath}/${key}`;
    this.podAnnotations = GrpcJsonTranscoder.sidecarAnnotations({ transcoderName: this.name, descriptorSet: d, mountPath });
    const po = props.printOptions ?? {};
    const printOptions: { [key: string]: boolean } = {
      add_whitespace: po.addWhitespace ?? false,
      always_print_primitive_fields: po.alwaysPrintPrimitiveFields ?? true,
      preserve_proto_field_names: po.preserveProtoFieldNames ?? true,
    };
    if (po.alwaysPrintEnumsAsInts) printOptions.always_print_enums_as_ints = true;
    if (po.streamNewlineDelimited) printOptions.stream_newline_delimited = true;
    if (po.streamSseStyleDelimited) printOptions.stream_sse_style_delimited = true;

    new EnvoyFilter(this, 'Resource', {
      metadata: { name: this.name, namespace: model.namespace, labels: modelLabels(model, 'grpc-json-transcoder') },
      spec: {
        workloadSelector: { labels: sortedLabels(model.selectorLabels) },
        configPatches: [{
          applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
          match: {
            context: EnvoyFilterSpecConfigPatchesMatchContext.SIDECAR_UNDERSCORE_INBOUND,
            listener: {
              portNumber: this.port,
              filterChain: {
                filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } },
              },
            },
          },
          patch: {
            operation: EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE,
            value: {
              name: GrpcJsonTranscoder.ENVOY_FILTER_NAME,
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder',
                'proto_descriptor': this.descriptorPath,
                'services': [...props.services],
                'auto_mapping': props.autoMapping ?? false,
                'convert_grpc_status': true,
                'print_options': printOptions,
              },
            },
          },
        }],
      },
    });
  }
}

function validateKey(prop: string, key: string, scope: Construct): string {
  if (typeof key !== 'string' || !CONFIGMAP_KEY.test(key) || key === '.' || key === '..') {
    throw new ValidationError(prop, 'must be a ConfigMap key (letters, digits, -, _ and .)', key, "use e.g. 'descriptor.pb'", scope);
  }
  return key;
}

/** One protobuf wire-format field: number, wire type and (length-delimited) payload. */
interface WireField { readonly field: number; readonly wireType: number; readonly bytes?: Buffer }

/** The fields of a protobuf message (wire format), or undefined when the bytes are not one. */
function wireFields(data: Buffer): WireField[] | undefined {
  const out: WireField[] = [];
  let i = 0;
  const varint = (): number | undefined => {
    let result = 0;
    let mul = 1;
    for (let n = 0; n < 10; n++) {
      if (i >= data.length) return undefined;
      const b = data[i++];
      result += (b % 0x80) * mul;
      if (b < 0x80) return result;
      mul *= 128;
    }
    return undefined;
  };
  while (i < data.length) {
    const tag = varint();
    if (tag === undefined) return undefined;
    const field = Math.floor(tag / 8);
    const wireType = tag % 8;
    if (field === 0) return undefined;
    if (wireType === 0) {
      if (varint() === undefined) return undefined;
      out.push({ field, wireType });
    } else if (wireType === 1 || wireType === 5) {
      i += wireType === 1 ? 8 : 4;
      if (i > data.length) return undefined;
      out.push({ field, wireType });
    } else if (wireType === 2) {
      const len = varint();
      if (len === undefined || i + len > data.length) return undefined;
      out.push({ field, wireType, bytes: data.subarray(i, i + len) });
      i += len;
    } else {
      return undefined;
    }
  }
  return out;
}

/**
 * The fully-qualified services of a `google.protobuf.FileDescriptorSet` (`file` = 1; in each
 * FileDescriptorProto `package` = 2 and `service` = 6; in ServiceDescriptorProto `name` = 1, per
 * protobuf `src/google/protobuf/descriptor.proto`), or undefined when the bytes are not a descriptor set
 * with at least one file.
 */
function descriptorServices(data: Buffer): string[] | undefined {
  const files = wireFields(data);
  if (!files || files.length === 0 || files.some((f) => f.field !== 1 || f.wireType !== 2)) return undefined;
  const services: string[] = [];
  for (const f of files) {
    const fields = wireFields(f.bytes!);
    if (!fields) return undefined;
    const pkg = fields.find((x) => x.field === 2 && x.wireType === 2)?.bytes?.toString('utf8');
    for (const svc of fields.filter((x) => x.field === 6 && x.wireType === 2)) {
      const name = wireFields(svc.bytes!)?.find((x) => x.field === 1 && x.wireType === 2)?.bytes?.toString('utf8');
      if (name) services.push(pkg ? `${pkg}.${name}` : name);
    }
  }
  return services;
}
