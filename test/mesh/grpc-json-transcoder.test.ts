import { GrpcJsonTranscoder, ProtoDescriptorConfigMap, ProtoDescriptorSource } from '../../src/mesh';
import { findObject, findObjects, protobufField, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

describe('GrpcJsonTranscoder', () => {
  test('EnvoyFilter inserting the transcoder before the router on the inbound gRPC port', () => {
    let t!: GrpcJsonTranscoder;
    const objects = synthChart((chart) => {
      t = new GrpcJsonTranscoder(chart, 'Transcoder', {
        model: tritonModel(),
        services: ['inference.GRPCInferenceService'],
        descriptorSet: { configMapName: 'triton-descriptors' },
      });
    });
    const ef = findObject(objects, 'EnvoyFilter', 'clip-vit-grpc-json');
    expect(ef.apiVersion).toBe('networking.istio.io/v1alpha3');
    expect(ef.metadata.namespace).toBe('vision');
    expect(ef.spec.workloadSelector).toEqual({ labels: { 'llm-platform.io/model': 'clip-vit' } });
    expect(ef.spec.configPatches).toEqual([{
      applyTo: 'HTTP_FILTER',
      match: {
        context: 'SIDECAR_INBOUND',
        listener: {
          portNumber: 8001,
          filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager', subFilter: { name: 'envoy.filters.http.router' } } },
        },
      },
      patch: {
        operation: 'INSERT_BEFORE',
        value: {
          name: 'envoy.filters.http.grpc_json_transcoder',
          typed_config: {
            '@type': 'type.googleapis.com/envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder',
            'proto_descriptor': '/etc/istio/proto/descriptor.pb',
            'services': ['inference.GRPCInferenceService'],
            'auto_mapping': false,
            'convert_grpc_status': true,
            'print_options': { add_whitespace: false, always_print_primitive_fields: true, preserve_proto_field_names: true },
          },
        },
      },
    }]);
    expect(t.port).toBe(8001);
    expect(t.descriptorPath).toBe('/etc/istio/proto/descriptor.pb');
    expect(JSON.parse(t.podAnnotations['sidecar.istio.io/userVolume'])).toEqual({ 'clip-vit-grpc-json-descriptor': { configMap: { name: 'triton-descriptors' } } });
    expect(JSON.parse(t.podAnnotations['sidecar.istio.io/userVolumeMount'])).toEqual({ 'clip-vit-grpc-json-descriptor': { mountPath: '/etc/istio/proto', readOnly: true } });
  });

  test('custom key, mount path, name and auto mapping', () => {
    let t!: GrpcJsonTranscoder;
    const objects = synthChart((chart) => {
      t = new GrpcJsonTranscoder(chart, 'T', {
        model: tritonModel(),
        services: ['a.b.C', 'a.b.D'],
        descriptorSet: { configMapName: 'desc', key: 'api.pb' },
        mountPath: '/var/proto',
        name: 'clip-json',
        autoMapping: true,
      });
    });
    const cfg = findObject(objects, 'EnvoyFilter', 'clip-json').spec.configPatches[0].patch.value.typed_config;
    expect(cfg.proto_descriptor).toBe('/var/proto/api.pb');
    expect(cfg.services).toEqual(['a.b.C', 'a.b.D']);
    expect(cfg.auto_mapping).toBe(true);
    expect(t.descriptorPath).toBe('/var/proto/api.pb');
  });

  const ok = { model: tritonModel(), services: ['inference.GRPCInferenceService'], descriptorSet: { configMapName: 'desc' } };
  test.each([
    [{ model: vllmModel() }, "'model' has no gRPC port (runtime vllm)", "got 'llama3-8b'"],
    [{ services: [] }, "'services' must list at least one gRPC service", 'got []'],
    [{ services: ['GRPCInferenceService'] }, "'services' must be fully-qualified gRPC service names", "got 'GRPCInferenceService'"],
    [{ descriptorSet: undefined }, "'descriptorSet' is required", 'got nothing'],
    [{ descriptorSet: { configMapName: 'Desc' } }, "'descriptorSet.configMapName' must be a DNS-1123 subdomain", "got 'Desc'"],
    [{ descriptorSet: { configMapName: 'desc', key: 'a/b' } }, "'descriptorSet.key' must be a ConfigMap key", "got 'a/b'"],
    [{ mountPath: 'etc/proto' }, "'mountPath' must be an absolute directory path", "got 'etc/proto'"],
  ])('bad props %#', (props, message, got) => {
    expectValidationError(() => new GrpcJsonTranscoder(newChart(), 'T', { ...ok, ...props } as any), [message, got]);
  });
});

const field = protobufField;

/** A FileDescriptorSet (descriptor.proto: set.file = 1; file.name = 1, package = 2, service = 6; service.name = 1). */
function descriptorSet(files: { pkg?: string; services: string[] }[]): Buffer {
  return Buffer.concat(files.map((f, i) => field(1, Buffer.concat([
    field(1, `f${i}.proto`),
    ...(f.pkg ? [field(2, f.pkg)] : []),
    ...f.services.map((s) => field(6, field(1, s))),
  ]))));
}

describe('ProtoDescriptorSource and ProtoDescriptorConfigMap', () => {
  const bytes = descriptorSet([{ pkg: 'inference', services: ['GRPCInferenceService'] }, { pkg: 'grpc.health.v1', services: ['Health'] }, { services: ['Bare'] }]);

  test('services of every file of the set, package-qualified', () => {
    expect(ProtoDescriptorSource.fromBase64(bytes.toString('base64')).services()).toEqual(['inference.GRPCInferenceService', 'grpc.health.v1.Health', 'Bare']);
    expect(ProtoDescriptorSource.fromConfigMap('desc').services()).toBeUndefined();
    expect(ProtoDescriptorSource.fromConfigMap('desc').base64()).toBeUndefined();
    expect(ProtoDescriptorSource.fromBase64(bytes.toString('base64')).base64()).toBe(bytes.toString('base64'));
  });

  test('a ConfigMap (binaryData) in the model namespace; its descriptorSet carries the services, and the transcoder checks them', () => {
    let set: any;
    const objects = synthChart((chart) => {
      const cm = new ProtoDescriptorConfigMap(chart, 'Desc', { model: tritonModel(), source: ProtoDescriptorSource.fromBase64(bytes.toString('base64')) });
      set = cm.descriptorSet;
      new GrpcJsonTranscoder(chart, 'T', { model: tritonModel(), services: ['grpc.health.v1.Health'], descriptorSet: cm.descriptorSet });
    });
    const cm = findObject(objects, 'ConfigMap', 'clip-vit-grpc-descriptor');
    expect(cm.metadata.namespace).toBe('vision');
    expect(cm.metadata.labels).toMatchObject({ 'llm-platform.io/model': 'clip-vit', 'app.kubernetes.io/component': 'grpc-json-transcoder' });
    expect(cm.binaryData).toEqual({ 'descriptor.pb': bytes.toString('base64') });
    expect(set).toEqual({ configMapName: 'clip-vit-grpc-descriptor', key: 'descriptor.pb', services: ['inference.GRPCInferenceService', 'grpc.health.v1.Health', 'Bare'] });
    expectValidationError(() => new GrpcJsonTranscoder(newChart(), 'T', { model: tritonModel(), services: ['inference.Other'], descriptorSet: set }),
      ["'services' names a service the descriptor set does not define (it defines inference.GRPCInferenceService, grpc.health.v1.Health, Bare)", "got 'inference.Other'"]);
  });

  test('a ConfigMap source creates nothing and references that ConfigMap; a custom name', () => {
    let set: any;
    const objects = synthChart((chart) => {
      set = new ProtoDescriptorConfigMap(chart, 'Desc', { model: tritonModel(), source: ProtoDescriptorSource.fromConfigMap('triton-api', 'api.pb') }).descriptorSet;
      new ProtoDescriptorConfigMap(chart, 'Named', { model: tritonModel(), source: ProtoDescriptorSource.fromBase64(bytes.toString('base64')), name: 'clip-api' });
    });
    expect(set).toEqual({ configMapName: 'triton-api', key: 'api.pb' });
    expect(findObjects(objects, 'ConfigMap').map((o) => o.metadata.name)).toEqual(['clip-api']);
  });

  test.each([
    [() => ProtoDescriptorSource.fromBase64('%%%'), "'source' must be base64 of a descriptor set", "got '%%%'"],
    [() => ProtoDescriptorSource.fromBase64(Buffer.from([0x0a, 0x05, 0x01]).toString('base64')), "'source' is not a protobuf FileDescriptorSet", "got '3 bytes'"],
    [() => ProtoDescriptorSource.fromBase64(Buffer.from([0x08, 0x01]).toString('base64')), "'source' is not a protobuf FileDescriptorSet", "got '2 bytes'"],
    [() => ProtoDescriptorSource.fromBase64(''), "'source' must be base64 of a descriptor set", "got ''"],
    [() => ProtoDescriptorSource.fromFile('/nonexistent.pb'), "'source' names no readable descriptor set file", "got '/nonexistent.pb'"],
    [() => ProtoDescriptorSource.fromConfigMap('Bad_Name'), "'source.configMapName' must be a DNS-1123 subdomain", "got 'Bad_Name'"],
    [() => ProtoDescriptorSource.fromConfigMap('ok', 'a/b'), "'source.key' must be a ConfigMap key", "got 'a/b'"],
  ])('bad source %#', (source, message, got) => {
    expectValidationError(() => new ProtoDescriptorConfigMap(newChart(), 'D', { model: tritonModel(), source: source() }), [message, got]);
  });

  test('a source that is not a ProtoDescriptorSource', () => {
    expectValidationError(() => new ProtoDescriptorConfigMap(newChart(), 'D', { model: tritonModel(), source: { kind: 'file' } as any }),
      ["'source' must be a ProtoDescriptorSource"]);
  });
});

describe('GrpcJsonTranscoder print options and sidecar annotations', () => {
  test('every print option, rendered with its Envoy field name', () => {
    const objects = synthChart((chart) => {
      new GrpcJsonTranscoder(chart, 'T', {
        model: tritonModel(),
        services: ['inference.GRPCInferenceService'],
        descriptorSet: { configMapName: 'desc' },
        printOptions: {
          addWhitespace: true,
          alwaysPrintPrimitiveFields: false,
          alwaysPrintEnumsAsInts: true,
          preserveProtoFieldNames: false,
          streamNewlineDelimited: true,
          streamSseStyleDelimited: true,
        },
      });
    });
    expect(findObject(objects, 'EnvoyFilter').spec.configPatches[0].patch.value.typed_config.print_options).toEqual({
      add_whitespace: true,
      always_print_primitive_fields: false,
      always_print_enums_as_ints: true,
      preserve_proto_field_names: false,
      stream_newline_delimited: true,
      stream_sse_style_delimited: true,
    });
  });

  test('sidecarAnnotations: known before the transcoder, equal to its podAnnotations', () => {
    let t!: GrpcJsonTranscoder;
    synthChart((chart) => {
      t = new GrpcJsonTranscoder(chart, 'T', { model: tritonModel(), services: ['inference.GRPCInferenceService'], descriptorSet: { configMapName: 'desc', key: 'api.pb' }, mountPath: '/var/proto' });
    });
    expect(GrpcJsonTranscoder.defaultName(tritonModel())).toBe('clip-vit-grpc-json');
    expect(GrpcJsonTranscoder.sidecarAnnotations({ transcoderName: 'clip-vit-grpc-json', descriptorSet: { configMapName: 'desc' }, mountPath: '/var/proto' })).toEqual(t.podAnnotations);
    expect(GrpcJsonTranscoder.sidecarAnnotations({ transcoderName: 'x', descriptorSet: { configMapName: 'desc' } })['sidecar.istio.io/userVolumeMount'])
      .toBe('{"x-descriptor":{"mountPath":"/etc/istio/proto","readOnly":true}}');
  });
});
