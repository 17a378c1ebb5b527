import { GrpcJsonTranscoder } from '../../src/mesh';
import { findObject, synthChart } from '../util';
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
