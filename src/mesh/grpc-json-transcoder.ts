import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import {
  EnvoyFilter, EnvoyFilterSpecConfigPatchesApplyTo, EnvoyFilterSpecConfigPatchesMatchContext, EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../imports/istio-envoyfilter-networking.istio.io';
import { modelLabels, sortedLabels, validateModel } from './private/util';

const GRPC_SERVICE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;

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
}

/**
 * Advanced: gRPC-JSON transcoding in the model's sidecar. An `EnvoyFilter` inserts Envoy's
 * `grpc_json_transcoder` before the router on the inbound gRPC port, so HTTP/JSON clients can call
 * the gRPC API. The descriptor set comes from a ConfigMap mounted into the sidecar: put
 * `podAnnotations` on the model's pods (the serving layer takes them as extra pod annotations).
 *
 * EnvoyFilter patches Envoy configuration directly and can break with Istio upgrades; prefer the
 * runtime's own HTTP API when it has one.
 */
export class GrpcJsonTranscoder extends Construct {
  /** The Envoy filter name. */
  public static readonly ENVOY_FILTER_NAME = 'envoy.filters.http.grpc_json_transcoder';

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
    const key = d.key ?? 'descriptor.pb';
    if (!/^[-._a-zA-Z0-9]+$/.test(key) || key === '.' || key === '..') {
      throw new ValidationError('descriptorSet.key', 'must be a ConfigMap key (letters, digits, -, _ and .)', key, "use e.g. 'descriptor.pb'", this);
    }
    const mountPath = props.mountPath ?? '/etc/istio/proto';
    if (!/^\/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$/.test(mountPath)) {
      throw new ValidationError('mountPath', 'must be an absolute directory path', mountPath, "use e.g. '/etc/istio/proto'", this);
    }
    this.name = Names.validateDns1123Label('name', props.name ?? Names.joinLabel([model.serviceName, 'grpc-json']), this);
    this.descriptorPath = `${mountPath}/${key}`;
    const volume = Names.joinLabel([this.name, 'descriptor']);
    this.podAnnotations = {
      'sidecar.istio.io/userVolume': JSON.stringify({ [volume]: { configMap: { name: d.configMapName } } }),
      'sidecar.istio.io/userVolumeMount': JSON.stringify({ [volume]: { mountPath, readOnly: true } }),
    };

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
                'print_options': { add_whitespace: false, always_print_primitive_fields: true, preserve_proto_field_names: true },
              },
            },
          },
        }],
      },
    });
  }
}
