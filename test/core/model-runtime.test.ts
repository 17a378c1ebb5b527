import { ModelRuntime } from '../../src/core/model-runtime';
import { ModelService } from '../../src/core/model-service';

describe('ModelRuntime presets', () => {
  test('vLLM: OpenAI server on 8000 with /health and /metrics', () => {
    const r = ModelRuntime.VLLM;
    expect([r.name, r.httpPort, r.grpcPort, r.metricsPort, r.metricsPath, r.livenessPath, r.readinessPath]).toEqual(['vllm', 8000, undefined, 8000, '/metrics', '/health', '/health']);
    expect(r.command).toEqual(['vllm', 'serve']);
    expect(r.hasMetrics).toBe(true);
    expect(r.supportsTensorParallelFlag).toBe(true);
    expect(r.metricNames.timeToFirstTokenSeconds).toBe('vllm:time_to_first_token_seconds');
    expect(r.metricNames.kvCacheUsage).toBe('vllm:kv_cache_usage_perc');
    expect(r.sharedMemoryGiB).toBe(16);
  });

  test('Triton: HTTP 8000, gRPC 8001, metrics 8002, v2 health', () => {
    const r = ModelRuntime.TRITON;
    expect([r.httpPort, r.grpcPort, r.metricsPort, r.livenessPath, r.readinessPath]).toEqual([8000, 8001, 8002, '/v2/health/live', '/v2/health/ready']);
    expect(r.supportsTensorParallelFlag).toBe(false);
    expect(r.metricNames.requestsWaiting).toBe('nv_inference_pending_request_count');
  });

  test('TGI: HTTP 8080 with /health and /metrics', () => {
    const r = ModelRuntime.TGI;
    expect([r.httpPort, r.metricsPort, r.livenessPath]).toEqual([8080, 8080, '/health']);
    expect(r.metricNames.requestsWaiting).toBe('tgi_queue_size');
  });

  test('serverArgs renders the runtime flags', () => {
    // vLLM: the model is the positional argument of `vllm serve` (no deprecated `--model`), no `--disable-log-requests`.
    expect(ModelRuntime.VLLM.serverArgs({ modelPath: '/models/llama', servedModelName: 'llama3-8b', tensorParallelSize: 2, maxModelLength: 8192, gpuMemoryUtilization: 0.9, maxConcurrency: 64 })).toEqual([
      '/models/llama', '--port', '8000', '--served-model-name', 'llama3-8b', '--tensor-parallel-size', '2', '--max-model-len', '8192', '--gpu-memory-utilization', '0.9', '--max-num-seqs', '64',
    ]);
    expect(ModelRuntime.TGI.serverArgs({ modelPath: '/models/m', tensorParallelSize: 4, maxModelLength: 4096, gpuMemoryUtilization: 0.9, maxConcurrency: 32 })).toEqual([
      '--model-id', '/models/m', '--port', '8080', '--num-shard', '4', '--max-total-tokens', '4096', '--cuda-memory-fraction', '0.9', '--max-concurrent-requests', '32', '--hostname', '0.0.0.0',
    ]);
    // Triton: context, batching and memory live in the model repository, no flags for them.
    expect(ModelRuntime.TRITON.serverArgs({ modelPath: '/models', maxModelLength: 4096, gpuMemoryUtilization: 0.9, maxConcurrency: 32 })).toEqual(['--model-repository', '/models', '--strict-readiness=true', '--exit-on-error=true']);
    expect(ModelRuntime.TRITON.supportsGpuMemoryUtilizationFlag).toBe(false);
    expect(ModelRuntime.VLLM.supportsGpuMemoryUtilizationFlag).toBe(true);
  });

  test('serverArgs defaults: tensor parallel 1 is explicit, the other flags are left to the runtime', () => {
    const args = ModelRuntime.VLLM.serverArgs({ modelPath: '/m' });
    expect(args).toEqual(['/m', '--port', '8000', '--tensor-parallel-size', '1']);
    expect(args).not.toContain('--model');
    expect(args).not.toContain('--disable-log-requests');
  });

  test('serverArgs rejects bad options with ValidationErrors', () => {
    expect(() => ModelRuntime.TRITON.serverArgs({ modelPath: '/m', tensorParallelSize: 2 })).toThrow(
      "'tensorParallelSize' cannot be set on the triton command line, got 2; configure tensor parallelism in the triton model configuration and leave tensorParallelSize at 1");
    expect(() => ModelRuntime.VLLM.serverArgs({ modelPath: '/m', tensorParallelSize: 0 })).toThrow(/'tensorParallelSize' must be a positive whole number, got 0/);
    expect(() => ModelRuntime.VLLM.serverArgs({ modelPath: '/m', gpuMemoryUtilization: 1.2 })).toThrow(/'gpuMemoryUtilization' must be a fraction in \(0, 1\], got 1.2/);
    expect(() => ModelRuntime.VLLM.serverArgs({ modelPath: '/m', maxModelLength: -1 })).toThrow(/'maxModelLength' must be a positive whole number of tokens, got -1/);
    expect(() => ModelRuntime.VLLM.serverArgs({ modelPath: '' })).toThrow(/'modelPath' must be the path or id of the model, got ''/);
    expect(() => ModelRuntime.VLLM.serverArgs({ modelPath: '/m', maxConcurrency: 0 })).toThrow(/'maxConcurrency' must be a positive whole number of requests, got 0; use e.g. 64/);
  });
});

describe('ModelRuntime.custom', () => {
  const base = { name: 'sglang', httpPort: 30000, livenessPath: '/health', readinessPath: '/health_generate', modelFlag: '--model-path' };

  test('defaults: no gRPC, no metrics, /metrics path, 2 GiB shm, no tensor-parallel flag', () => {
    const r = ModelRuntime.custom(base);
    expect(r.grpcPort).toBeUndefined();
    expect(r.hasMetrics).toBe(false);
    expect(r.metricsPath).toBe('/metrics');
    expect(r.sharedMemoryGiB).toBe(2);
    expect(r.metricNames).toEqual({});
    expect(r.command).toBeUndefined();
    expect(r.serverArgs({ modelPath: '/m' })).toEqual(['--model-path', '/m']);
  });

  test('without modelFlag the model path is the first positional argument', () => {
    const { modelFlag, ...positional } = base;
    expect(modelFlag).toBe('--model-path');
    expect(ModelRuntime.custom({ ...positional, maxConcurrencyFlag: '--max-running-requests' }).serverArgs({ modelPath: '/m', maxConcurrency: 8 }))
      .toEqual(['/m', '--max-running-requests', '8']);
  });

  test.each([
    [{ name: 'Bad Name' }, /^'name' must be a DNS-1123 label/],
    [{ httpPort: 0 }, /^'httpPort' must be a port number between 1 and 65535, got 0/],
    [{ grpcPort: 70000 }, /^'grpcPort' must be a port number between 1 and 65535, got 70000/],
    [{ grpcPort: 30000 }, /^'grpcPort' must differ from httpPort, got 30000/],
    [{ livenessPath: 'health' }, /^'livenessPath' must be an absolute HTTP path starting with '\/', got 'health'/],
    [{ modelFlag: 'model' }, /^'modelFlag' must be a command-line flag starting with '-', got 'model'/],
    [{ sharedMemoryGiB: 0 }, /^'sharedMemoryGiB' must be between 0 and 1024 GiB, got 0/],
  ])('%p is a ValidationError', (override, message) => {
    expect(() => ModelRuntime.custom({ ...base, ...override } as any)).toThrow(message);
  });
});

describe('ModelService.fromAttributes', () => {
  test('defaults: namespace = tenant, service and service account = model, stable version only', () => {
    const m = ModelService.fromAttributes({ modelName: 'llama3-8b', tenant: 'search', runtime: ModelRuntime.VLLM });
    expect(m).toEqual({
      modelName: 'llama3-8b',
      tenant: 'search',
      namespace: 'search',
      serviceName: 'llama3-8b',
      servicePort: 8000,
      runtime: ModelRuntime.VLLM,
      serviceAccountName: 'llama3-8b',
      selectorLabels: { 'llm-platform.io/model': 'llama3-8b' },
      versions: ['stable'],
    });
  });

  test('explicit attributes win', () => {
    const m = ModelService.fromAttributes({
      modelName: 'm',
      tenant: 't',
      namespace: 'ns',
      serviceName: 'svc',
      servicePort: 80,
      serviceAccountName: 'sa',
      runtime: ModelRuntime.TGI,
      selectorLabels: { app: 'm' },
      versions: ['stable', 'candidate'],
    });
    expect([m.namespace, m.serviceName, m.servicePort, m.serviceAccountName, m.versions]).toEqual(['ns', 'svc', 80, 'sa', ['stable', 'candidate']]);
    expect(m.selectorLabels).toEqual({ app: 'm' });
  });
});
