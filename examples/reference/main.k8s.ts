/**
 * `cdk8s synth` entry point: the Kubernetes side of the reference platform.
 */
import { ApiObject, App, Chart, Size } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { spec } from './platform';

export class ReferenceWorkloadChart extends Chart {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      namespace: spec.namespace,
      labels: { 'app.kubernetes.io/part-of': spec.name, 'llm-platform.io/environment': spec.environment },
      disableResourceNameHashes: true,
    });
    new kplus.Namespace(this, 'namespace', {
      metadata: {
        name: spec.namespace,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'llm-platform.io/tenant': spec.namespace,
        },
      },
    });
    // Default-deny: no ingress, no egress unless another policy allows it.
    new ApiObject(this, 'default-deny', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'default-deny' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    const deployment = new kplus.Deployment(this, 'gateway', {
      metadata: { name: 'gateway' },
      replicas: 2,
      automountServiceAccountToken: false,
      serviceAccount: new kplus.ServiceAccount(this, 'gateway-sa', { metadata: { name: 'gateway' }, automountToken: false }),
      securityContext: { ensureNonRoot: true, user: 101, group: 101 },
      containers: [{
        name: 'gateway',
        image: spec.gatewayImage,
        portNumber: 8080,
        securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, ensureNonRoot: true, user: 101, group: 101 },
        resources: {
          cpu: { request: kplus.Cpu.millis(250), limit: kplus.Cpu.millis(250) },
          memory: { request: Size.mebibytes(256), limit: Size.mebibytes(256) },
        },
      }],
    });
    deployment.exposeViaService({ name: 'gateway', ports: [{ port: 80, targetPort: 8080 }] });
  }
}

if (require.main === module) {
  const app = new App();
  new ReferenceWorkloadChart(app, spec.name);
  app.synth();
}
