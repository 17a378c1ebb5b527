import { Duration } from 'cdk8s';
import { ModelAutoscaling } from '../../src/k8s/serving/model-autoscaling';
import { ModelSource, WeightVerification } from '../../src/k8s/serving/model-source';
import { FineTuningJob } from '../../src/k8s/training/fine-tuning-job';
import { findObject, synthChart } from '../util';
import { DIGEST, expectValidationError, hfSource, l40sPool, model, tenant } from './fixtures';

describe('Tenant: reserved namespaces (issue 17)', () => {
  test.each(['kube-system', 'kube-public', 'kube-node-lease', 'default'])('tenant %s is refused (PSA restricted, default-deny and quotas there break the cluster)', (name) => {
    expectValidationError(() => synthChart((c) => tenant(c, { tenantName: name })), 'tenantName', `'${name}'`);
    expectValidationError(() => synthChart((c) => tenant(c, { tenantName: name })), 'tenantName', /must not be a Kubernetes system namespace/);
  });

  test('a namespace prop on kube-system names the namespace prop', () => {
    expectValidationError(() => synthChart((c) => tenant(c, { namespace: 'kube-system' })), 'namespace', "'kube-system'");
  });

  test.each([
    [{ tenantName: 'istio-ingress' }, "the mesh ingress namespace ('meshIngressNamespace')"],
    [{ tenantName: 'istio-system' }, "the mesh control plane namespace ('meshControlPlaneNamespace')"],
    [{ tenantName: 'monitoring' }, "the monitoring namespace ('monitoringNamespace')"],
    [{ tenantName: 'edge', meshIngressNamespace: 'edge' }, "the mesh ingress namespace ('meshIngressNamespace')"],
  ])('tenant %j on a namespace the platform uses', (props, what) => {
    expectValidationError(() => synthChart((c) => tenant(c, props)), 'tenantName', new RegExp(`must not be ${what.replace(/[()]/g, '\\$&')}`));
  });

  test.each(['admins\nevil', 'admins\u0000', 'a\tb'])('a group name with a control character (%j) is refused', (group) => {
    expectValidationError(() => synthChart((c) => tenant(c, { adminGroups: [group] })), 'adminGroups', /must list at least one non-empty group name/);
  });

  test('an ordinary tenant still works', () => {
    expect(synthChart((c) => tenant(c, { tenantName: 'monitoring-team' })).length).toBeGreaterThan(0);
  });
});

describe('ModelSource: prefixes without traversal (issue 17)', () => {
  test.each(['models/../secrets/', '../models/', 'models/./x/'])('s3 prefix %s is refused', (prefix) => {
    expectValidationError(() => ModelSource.s3({ bucket: 'acme-models', prefix, versionId: 'v1' }), 'prefix', `'${prefix}'`);
  });

  test('an ordinary prefix with dots in names is fine', () => {
    expect(ModelSource.s3({ bucket: 'acme-models', prefix: 'models/llama-3.1/', versionId: 'v1' }).uri).toBe('s3://acme-models/models/llama-3.1/v1/');
  });
});

describe('durations that are not whole seconds (issue 17: cdk8s threw a plain Error)', () => {
  const IMAGE = `ghcr.io/acme/lora-trainer:1.2.0@${DIGEST}`;
  const job = (more: any) => () => synthChart((c) => new FineTuningJob(c, 'Lora', {
    tenant: tenant(c),
    jobName: 'lora',
    image: IMAGE,
    command: ['python'],
    baseModel: hfSource(),
    pool: l40sPool(),
    datasetUri: 's3://acme-data/x/',
    adapterOutputUri: 's3://acme-models/adapters/lora/',
    ...more,
  }));

  test('FineTuningJob ttlAfterFinished and activeDeadline', () => {
    expectValidationError(job({ ttlAfterFinished: Duration.millis(1500) }), 'ttlAfterFinished', "'1.5s'");
    expectValidationError(job({ activeDeadline: Duration.millis(999) }), 'activeDeadline', "'0.999s'");
    expectValidationError(job({ activeDeadline: Duration.seconds(0) }), 'activeDeadline', /must be between 1 and \d+ seconds, got '0s'/);
    const objects = job({ ttlAfterFinished: Duration.minutes(90) })();
    expect(findObject(objects, 'PyTorchJob', 'lora').spec.runPolicy.ttlSecondsAfterFinished).toBe(5400);
  });

  test('ModelServer startupTimeout, preStopDelay and maxRequestDuration', () => {
    expectValidationError(() => synthChart((c) => model(c, { startupTimeout: Duration.millis(1500) })), 'startupTimeout', "'1.5s'");
    expectValidationError(() => synthChart((c) => model(c, { preStopDelay: Duration.millis(100) })), 'preStopDelay', "'0.1s'");
    expectValidationError(() => synthChart((c) => model(c, { maxRequestDuration: Duration.seconds(0) })), 'maxRequestDuration', /must be between 1 and/);
  });

  test('ModelAutoscaling: fractional polling, stabilization longer than the API server allows (3600 s)', () => {
    expectValidationError(() => ModelAutoscaling.keda({ pollingInterval: Duration.millis(2500) }), 'pollingInterval', "'2.5s'");
    expectValidationError(() => ModelAutoscaling.keda({ scaleDownStabilization: Duration.hours(2) }), 'scaleDownStabilization',
      /must be between 0 and 3600 seconds, got '7200s'; use e.g. Duration.minutes\(10\) \(at most an hour\)/);
    expectValidationError(() => ModelAutoscaling.hpa({ targetAverageValue: 4, scaleDownStabilization: Duration.millis(10) }), 'scaleDownStabilization', "'0.01s'");
    expect(ModelAutoscaling.keda({ pollingInterval: Duration.seconds(15), scaleDownStabilization: Duration.hours(1) }).kind).toBe('keda');
  });
});

describe('WeightVerification: the OIDC issuer is an https URL (issue 17)', () => {
  test.each([
    ['https://', 'must be an absolute https issuer URL'],
    ['https://token.actions.githubusercontent.com\n', 'must be an absolute https issuer URL without spaces or control characters'],
    ['http://issuer.example.com', 'must be an absolute https issuer URL'],
  ])('%j is refused', (certificateOidcIssuer, problem) => {
    expectValidationError(() => WeightVerification.keyless({ certificateIdentity: 'me', certificateOidcIssuer }), 'certificateOidcIssuer', new RegExp(`'certificateOidcIssuer' ${problem}, got`));
  });

  test('an issuer URL passes', () => {
    expect(WeightVerification.keyless({ certificateIdentity: 'me', certificateOidcIssuer: 'https://token.actions.githubusercontent.com' })).toBeInstanceOf(WeightVerification);
  });
});
