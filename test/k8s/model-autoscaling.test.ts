import { Duration } from 'cdk8s';
import { ModelRuntime } from '../../src/core';
import { HpaMetricSource, ModelAutoscaling } from '../../src/k8s/serving/model-autoscaling';
import { ModelSource } from '../../src/k8s/serving/model-source';
import { PromQL } from '../../src/validation';
import { findObject, findObjects, synthChart } from '../util';
import { DIGEST, expectValidationError, model, tenant } from './fixtures';

describe('ModelAutoscaling', () => {
  test('KEDA on waiting requests, KV-cache usage and tokens/s by default (vLLM)', () => {
    const objects = synthChart((chart) => { model(chart); });
    const so = findObject(objects, 'ScaledObject', 'llama3-8b-stable');
    expect(so.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'llama3-8b-stable' });
    expect(so.spec.pollingInterval).toBe(30);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
    const sel = '{namespace="search",pod=~"llama3-8b-stable-.*"}';
    expect(so.spec.triggers).toEqual([
      { type: 'prometheus', name: 'waiting-requests', metricType: 'AverageValue', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: `sum(vllm:num_requests_waiting${sel})`, threshold: '4' } },
      { type: 'prometheus', name: 'kv-cache-usage', metricType: 'Value', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: `avg(vllm:kv_cache_usage_perc${sel})`, threshold: '0.8' } },
      { type: 'prometheus', name: 'generation-tokens-per-second', metricType: 'AverageValue', metadata: { serverAddress: 'http://prometheus-operated.monitoring.svc:9090', query: `sum(rate(vllm:generation_tokens_total${sel}[2m]))`, threshold: '1000' } },
    ]);
    for (const t of so.spec.triggers) expect(() => PromQL.parse(t.metadata.query)).not.toThrow();
  });

  test('KEDA options; Triton scales on the queue only', () => {
    const objects = synthChart((chart) => {
      const t = tenant(chart);
      model(chart, {
        replicas: { min: 1, max: 3 },
        autoscaling: ModelAutoscaling.keda({
          prometheusServerAddress: 'http://prom.obs.svc:9090',
          waitingRequestsPerReplica: 2,
          kvCacheUsageTarget: 0.7,
          generationTokensPerSecondPerReplica: 500,
          pollingInterval: Duration.seconds(15),
          scaleDownStabilization: Duration.minutes(20),
        }),
      }, t);
      model(chart, { modelName: 'triton', runtime: ModelRuntime.TRITON, image: `nvcr.io/nvidia/tritonserver@${DIGEST}`, source: ModelSource.pvc({ claimName: 'r', revision: 'r1' }), replicas: { min: 1, max: 2 } }, t);
    });
    const so = findObject(objects, 'ScaledObject', 'llama3-8b-stable');
    expect(so.spec.triggers.map((t: any) => t.metadata.threshold)).toEqual(['2', '0.7', '500']);
    expect(so.spec.triggers[0].metadata.serverAddress).toBe('http://prom.obs.svc:9090');
    expect(so.spec.pollingInterval).toBe(15);
    expect(so.spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds).toBe(1200);
    const triton = findObject(objects, 'ScaledObject', 'triton-stable');
    expect(triton.spec.triggers.map((t: any) => t.metadata.query)).toEqual(['sum(nv_inference_pending_request_count{namespace="search",pod=~"triton-stable-.*"})']);
  });

  test('HPA on a custom per-pod metric (never CPU)', () => {
    const objects = synthChart((chart) => { model(chart, { autoscaling: ModelAutoscaling.hpa({ targetAverageValue: 3 }) }); });
    expect(findObjects(objects, 'ScaledObject')).toHaveLength(0);
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'llama3-8b-stable');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBe(4);
    expect(hpa.spec.metrics).toEqual([{ type: 'Pods', pods: { metric: { name: 'vllm_num_requests_waiting' }, target: { type: 'AverageValue', averageValue: '3' } } }]);
    expect(JSON.stringify(hpa.spec.metrics)).not.toContain('cpu');
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(600);
  });

  test('HPA on an external metric', () => {
    const objects = synthChart((chart) => {
      model(chart, { autoscaling: ModelAutoscaling.hpa({ targetAverageValue: 10, metricName: 'llm_queue_depth', metricSource: HpaMetricSource.EXTERNAL, scaleDownStabilization: Duration.minutes(5) }) });
    });
    const hpa = findObject(objects, 'HorizontalPodAutoscaler', 'llama3-8b-stable');
    expect(hpa.spec.metrics[0].type).toBe('External');
    expect(hpa.spec.metrics[0].external.metric.name).toBe('llm_queue_depth');
    expect(hpa.spec.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  test('fixed replicas', () => {
    const a = ModelAutoscaling.fixed();
    expect(a.isAutoscaled).toBe(false);
    expect(ModelAutoscaling.keda().isAutoscaled).toBe(true);
  });

  test('bad input', () => {
    expectValidationError(() => ModelAutoscaling.keda({ kvCacheUsageTarget: 1.5 }), 'kvCacheUsageTarget', '1.5');
    expectValidationError(() => ModelAutoscaling.keda({ waitingRequestsPerReplica: 0 }), 'waitingRequestsPerReplica', '0');
    expectValidationError(() => ModelAutoscaling.keda({ generationTokensPerSecondPerReplica: -1 }), 'generationTokensPerSecondPerReplica', '-1');
    expectValidationError(() => ModelAutoscaling.keda({ prometheusServerAddress: 'prometheus:9090' }), 'prometheusServerAddress', "'prometheus:9090'");
    expectValidationError(() => ModelAutoscaling.hpa({ targetAverageValue: 0 }), 'targetAverageValue', '0');
    expectValidationError(() => ModelAutoscaling.hpa({ targetAverageValue: 1, metricName: 'bad name' }), 'metricName', "'bad name'");
    const custom = ModelRuntime.custom({ name: 'sglang', httpPort: 30000, livenessPath: '/health', readinessPath: '/health', modelFlag: '--model-path' });
    synthChart((chart) => {
      expectValidationError(() => model(chart, { runtime: custom }), 'autoscaling', "'ModelAutoscaling.keda()'");
    });
    synthChart((chart) => {
      expectValidationError(() => model(chart, { runtime: custom, autoscaling: ModelAutoscaling.hpa({ targetAverageValue: 1 }) }), 'metricName', 'nothing');
    });
  });
});
