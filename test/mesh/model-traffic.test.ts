import { Duration } from 'cdk8s';
import { ModelTraffic, RetryOn } from '../../src/mesh';
import { findObject, synthChart } from '../util';
import { expectValidationError, newChart, tritonModel, vllmModel } from './fixtures';

const HOST = 'llama3-8b.search.svc.cluster.local';

describe('ModelTraffic defaults', () => {
  let traffic!: ModelTraffic;
  const objects = synthChart((chart) => {
    traffic = new ModelTraffic(chart, 'Traffic', { model: vllmModel() });
  });
  const dr = findObject(objects, 'DestinationRule', 'llama3-8b');
  const vs = findObject(objects, 'VirtualService', 'llama3-8b');

  test('DestinationRule: ISTIO_MUTUAL, pool limits, outlier detection, one subset per version', () => {
    expect(dr.apiVersion).toBe('networking.istio.io/v1');
    expect(dr.metadata.namespace).toBe('search');
    expect(dr.spec.host).toBe(HOST);
    expect(dr.spec.trafficPolicy).toEqual({
      tls: { mode: 'ISTIO_MUTUAL' },
      connectionPool: { http: { maxRequestsPerConnection: 100, http1MaxPendingRequests: 128, http2MaxRequests: 1024 } },
      outlierDetection: { consecutive5xxErrors: 5, consecutiveGatewayErrors: 3, interval: '10s', baseEjectionTime: '30s', maxEjectionPercent: 50 },
    });
    expect(dr.spec.subsets).toEqual([{ name: 'stable', labels: { 'llm-platform.io/model-version': 'stable' } }]);
  });

  test('VirtualService: all traffic to stable, 5 minute timeout, idempotent-safe retries, no fault', () => {
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    expect(vs.spec.hosts).toEqual([HOST]);
    expect(vs.spec.gateways).toBeUndefined();
    expect(vs.spec.http).toEqual([{
      name: 'stable',
      route: [{ destination: { host: HOST, subset: 'stable' } }],
      timeout: '300s',
      retries: { attempts: 2, retryOn: 'connect-failure,refused-stream,unavailable' },
    }]);
  });

  test('resolved fields', () => {
    expect(traffic.host).toBe(HOST);
    expect(traffic.stableVersion).toBe('stable');
    expect(traffic.candidateVersion).toBeUndefined();
    expect(traffic.isCanary).toBe(false);
    expect(traffic.stableWeight).toBe(100);
    expect(traffic.candidateWeight).toBe(0);
    expect(traffic.timeout.toMinutes()).toBe(5);
    expect(traffic.retryAttempts).toBe(2);
    expect(traffic.retryOn).toEqual(RetryOn.SAFE_FOR_GENERATION);
    expect(traffic.grpc).toBe(false);
    expect(traffic.production).toBe(false);
    expect(dr.metadata.labels['llm-platform.io/environment']).toBeUndefined();
  });
});

describe('ModelTraffic options', () => {
  test('stable version defaults to the first version when none is called stable', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', { model: vllmModel({ versions: ['v1', 'v2'] }) });
    });
    expect(findObject(objects, 'VirtualService').spec.http[0].route[0].destination.subset).toBe('v1');
    expect(findObject(objects, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['v1', 'v2']);
  });

  test('canary: tester header route first, then a 95/5 split', () => {
    let traffic!: ModelTraffic;
    const objects = synthChart((chart) => {
      traffic = new ModelTraffic(chart, 'T', { model: vllmModel({ versions: ['stable', 'candidate'] }), canary: {} });
    });
    expect(traffic.isCanary).toBe(true);
    expect(traffic.testerHeader).toBe('x-llm-canary');
    expect(traffic.testerHeaderValue).toBe('true');
    const http = findObject(objects, 'VirtualService').spec.http;
    expect(http.map((r: any) => r.name)).toEqual(['canary-testers', 'canary-split']);
    expect(http[0].match).toEqual([{ headers: { 'x-llm-canary': { exact: 'true' } } }]);
    expect(http[0].route).toEqual([{ destination: { host: HOST, subset: 'candidate' } }]);
    expect(http[1].match).toBeUndefined();
    expect(http[1].route).toEqual([
      { destination: { host: HOST, subset: 'stable' }, weight: 95 },
      { destination: { host: HOST, subset: 'candidate' }, weight: 5 },
    ]);
    expect(findObject(objects, 'DestinationRule').spec.subsets.map((s: any) => s.name)).toEqual(['stable', 'candidate']);
  });

  test('canary with custom versions, weights and header', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', {
        model: vllmModel({ versions: ['v1', 'v2'] }),
        stableVersion: 'v1',
        canary: { candidateVersion: 'v2', candidateWeight: 20, testerHeader: 'x-tester', testerHeaderValue: 'yes' },
      });
    });
    const http = findObject(objects, 'VirtualService').spec.http;
    expect(http[0].match[0].headers).toEqual({ 'x-tester': { exact: 'yes' } });
    expect(http[1].route.map((r: any) => r.weight)).toEqual([80, 20]);
  });

  test('weights 100/0 keep tester routing only', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', { model: vllmModel({ versions: ['stable', 'candidate'] }), canary: { stableWeight: 100 } });
    });
    expect(findObject(objects, 'VirtualService').spec.http[1].route.map((r: any) => r.weight)).toEqual([100, 0]);
  });

  test('timeout, retries, pool, outlier detection and environment', () => {
    let traffic!: ModelTraffic;
    const objects = synthChart((chart) => {
      traffic = new ModelTraffic(chart, 'T', {
        model: vllmModel(),
        timeout: Duration.minutes(10),
        retries: { attempts: 3, perTryTimeout: Duration.millis(90500), retryOn: [RetryOn.CONNECT_FAILURE] },
        connectionPool: { maxRequestsPerConnection: 10, maxPendingRequests: 16, maxRequests: 64 },
        outlierDetection: {
          consecutive5xxErrors: 0,
          consecutiveGatewayErrors: 2,
          interval: Duration.seconds(5),
          baseEjectionTime: Duration.minutes(2),
          maxEjectionPercent: 34,
        },
        environment: 'staging',
      });
    });
    expect(traffic.production).toBe(false);
    const dr = findObject(objects, 'DestinationRule');
    expect(dr.metadata.labels['llm-platform.io/environment']).toBe('staging');
    expect(dr.spec.trafficPolicy.connectionPool.http).toEqual({ maxRequestsPerConnection: 10, http1MaxPendingRequests: 16, http2MaxRequests: 64 });
    expect(dr.spec.trafficPolicy.outlierDetection).toEqual({ consecutive5xxErrors: 0, consecutiveGatewayErrors: 2, interval: '5s', baseEjectionTime: '120s', maxEjectionPercent: 34 });
    const route = findObject(objects, 'VirtualService').spec.http[0];
    expect(route.timeout).toBe('600s');
    expect(route.retries).toEqual({ attempts: 3, retryOn: 'connect-failure', perTryTimeout: '90500ms' });
  });

  test('retries can be disabled', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', { model: vllmModel(), retries: { attempts: 0 } });
    });
    expect(findObject(objects, 'VirtualService').spec.http[0].retries).toEqual({ attempts: 0 });
  });

  test('5xx retries only with the explicit non-idempotent opt-in', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', {
        model: vllmModel(),
        retries: { retryOn: [RetryOn.GATEWAY_ERROR, RetryOn.statusCode(503), RetryOn.CONNECT_FAILURE], allowNonIdempotentRetries: true },
      });
    });
    expect(findObject(objects, 'VirtualService').spec.http[0].retries.retryOn).toBe('gateway-error,503,connect-failure');
  });

  test('gRPC runtimes get HTTP/2 (UPGRADE) on the gRPC port', () => {
    let traffic!: ModelTraffic;
    const objects = synthChart((chart) => {
      traffic = new ModelTraffic(chart, 'T', { model: tritonModel() });
    });
    expect(traffic.grpc).toBe(true);
    expect(findObject(objects, 'DestinationRule').spec.trafficPolicy.portLevelSettings).toEqual([{
      port: { number: 8001 },
      connectionPool: { http: { maxRequestsPerConnection: 100, http1MaxPendingRequests: 128, http2MaxRequests: 1024, h2UpgradePolicy: 'UPGRADE' } },
    }]);
  });

  test('gRPC settings can be turned off', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', { model: tritonModel(), grpc: false });
    });
    expect(findObject(objects, 'DestinationRule').spec.trafficPolicy.portLevelSettings).toBeUndefined();
  });
});

describe('ModelTraffic chaos (fault injection)', () => {
  test('delay and abort percentages on every route', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', {
        model: vllmModel({ versions: ['stable', 'candidate'] }),
        canary: {},
        environment: 'dev',
        faultInjection: { delay: Duration.seconds(3), delayPercentage: 10, abortHttpStatus: 503, abortPercentage: 2.5 },
      });
    });
    for (const route of findObject(objects, 'VirtualService').spec.http) {
      expect(route.fault).toEqual({
        delay: { fixedDelay: '3s', percentage: { value: 10 } },
        abort: { httpStatus: 503, percentage: { value: 2.5 } },
      });
    }
  });

  test.each(['prod', 'production'])('refused in environment %p without the override', (env) => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', {
      model: vllmModel(), environment: env, faultInjection: { abortHttpStatus: 503, abortPercentage: 1 },
    }), [`'faultInjection' is refused in the production environment '${env}'`, 'got {', "set 'faultInjection.allowInProduction: true'"]);
  });

  test('refused when production is marked explicitly', () => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', {
      model: vllmModel(), production: true, faultInjection: { abortHttpStatus: 503, abortPercentage: 1 },
    }), ["'faultInjection' is refused in the production environment"]);
  });

  test('allowed in production with the explicit override', () => {
    const objects = synthChart((chart) => {
      new ModelTraffic(chart, 'T', { model: vllmModel(), environment: 'prod', faultInjection: { delay: Duration.millis(500), delayPercentage: 1, allowInProduction: true } });
    });
    expect(findObject(objects, 'VirtualService').spec.http[0].fault).toEqual({ delay: { fixedDelay: '500ms', percentage: { value: 1 } } });
  });

  test.each([
    [{}, "'faultInjection' must inject a delay or an abort"],
    [{ delay: Duration.seconds(1) }, "'faultInjection.delayPercentage' must be set together with its pair"],
    [{ delayPercentage: 5, abortHttpStatus: 503, abortPercentage: 1 }, "'faultInjection.delay' must be set together with its pair"],
    [{ abortHttpStatus: 503 }, "'faultInjection.abortPercentage' must be set together with its pair"],
    [{ abortPercentage: 3, delay: Duration.seconds(1), delayPercentage: 1 }, "'faultInjection.abortHttpStatus' must be set together with its pair"],
    [{ abortHttpStatus: 200, abortPercentage: 1 }, "'faultInjection.abortHttpStatus' must be an HTTP error status between 400 and 599"],
    [{ abortHttpStatus: 503, abortPercentage: 101 }, "'faultInjection.abortPercentage' must be a percentage between 0 and 100"],
    [{ delay: Duration.seconds(1), delayPercentage: -1 }, "'faultInjection.delayPercentage' must be a percentage between 0 and 100"],
    [{ delay: Duration.minutes(10), delayPercentage: 1 }, "'faultInjection.delay' must be at most 300s"],
  ])('bad fault %#', (fault, message) => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: vllmModel(), faultInjection: fault as any }), [message, 'got ']);
  });
});

describe('ModelTraffic errors', () => {
  const canaryModel = vllmModel({ versions: ['stable', 'candidate'] });

  test('canary without a candidate version', () => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: vllmModel(), canary: {} }),
      ["'canary.candidateVersion' must be a served version other than the stable 'stable' (served: stable)", "got 'candidate'", 'deploy the candidate version']);
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: canaryModel, canary: { candidateVersion: 'stable' } }),
      ["'canary.candidateVersion' must be a served version other than the stable"]);
  });

  test('weights not summing to 100', () => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: canaryModel, canary: { stableWeight: 90, candidateWeight: 5 } }),
      ["'canary' weights must sum to 100", 'got {"stableWeight":90,"candidateWeight":5}', 'e.g. stableWeight 95 and candidateWeight 5']);
  });

  test.each([
    [{ stableWeight: -5, candidateWeight: 105 }, "'canary.stableWeight' must be a whole number between 0 and 100", 'got -5'],
    [{ candidateWeight: -1 }, "'canary.candidateWeight' must be a whole number between 0 and 100", 'got -1'],
    [{ candidateWeight: 2.5 }, "'canary.candidateWeight' must be a whole number between 0 and 100", 'got 2.5'],
  ])('negative or fractional weights %p', (canary, message, got) => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: canaryModel, canary }), [message, got, 'sum to 100']);
  });

  test('non-retriable conditions on generation routes without the opt-in', () => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: vllmModel(), retries: { retryOn: [RetryOn.SERVER_ERROR] } }),
      ["'retries.retryOn' includes conditions that can retry a generation already in progress", "got '5xx'", "set 'allowNonIdempotentRetries: true'"]);
    expectValidationError(() => new ModelTraffic(newChart(), 'T', {
      model: vllmModel(), retries: { retryOn: [RetryOn.CONNECT_FAILURE, RetryOn.RETRIABLE_STATUS_CODES, RetryOn.of('503')] },
    }), ["got 'retriable-status-codes,503'"]);
  });

  test.each([
    [{ stableVersion: 'v9' }, "'stableVersion' must be a version the model serves (stable)", "got 'v9'"],
    [{ timeout: Duration.millis(500) }, "'timeout' must be at least 1 second", "got '500ms'"],
    [{ timeout: Duration.hours(2) }, "'timeout' must be at most 3600s", "got '7200s'"],
    [{ retries: { attempts: 11 } }, "'retries.attempts' must be a whole number between 0 and 10", 'got 11'],
    [{ retries: { retryOn: [] } }, "'retries.retryOn' must list at least one condition when attempts > 0", 'got []'],
    [{ retries: { perTryTimeout: Duration.minutes(6) } }, "'retries.perTryTimeout' must not exceed the route timeout (300s)", "got '360s'"],
    [{ connectionPool: { maxPendingRequests: 0 } }, "'connectionPool.maxPendingRequests' must be a whole number between 1 and", 'got 0'],
    [{ connectionPool: { maxRequests: 1.5 } }, "'connectionPool.maxRequests' must be a whole number", 'got 1.5'],
    [{ outlierDetection: { consecutive5xxErrors: -1 } }, "'outlierDetection.consecutive5xxErrors' must be a whole number of at least 0", 'got -1'],
    [{ outlierDetection: { maxEjectionPercent: 120 } }, "'outlierDetection.maxEjectionPercent' must be a percentage between 0 and 100", 'got 120'],
    [{ outlierDetection: { interval: Duration.millis(0.5) } }, "'outlierDetection.interval' must be a whole number of milliseconds of at least 1ms", "got '0.5ms'"],
    [{ grpc: true }, "'grpc' cannot be true: the vllm runtime has no gRPC port", 'got true'],
    [{ environment: 'Prod' }, "'environment' must be a DNS-1123 label", "got 'Prod'"],
    [{ canary: { testerHeader: 'X-Canary' }, model: canaryModel }, "'canary.testerHeader' must be a lower-case HTTP header name", "got 'X-Canary'"],
    [{ canary: { testerHeaderValue: '' }, model: canaryModel }, "'canary.testerHeaderValue' must not be empty", "got ''"],
  ])('bad props %#', (props, message, got) => {
    expectValidationError(() => new ModelTraffic(newChart(), 'T', { model: vllmModel(), ...props } as any), [message, got]);
  });
});
