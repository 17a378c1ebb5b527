/**
 * Shared fixtures for the policy tests: a hand-built, hardened model-server Deployment (what the
 * serving layer emits by default) and helpers to validate Gatekeeper constraints, which have no CRD
 * until Gatekeeper generates one from the ConstraintTemplate.
 */
import { Testing } from 'cdk8s';
import { PolicyRuleProps, PolicySeverity, ResourceKind } from '../../src/policy';
import { expectValidManifests, manifests, TestChart } from '../util';

export const DIGEST = `sha256:${'0123456789abcdef'.repeat(4)}`;
export const ECR = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

/** Props of a user's own rule (a team label on every pod template), shared by the rule tests. */
export function customRuleProps(): PolicyRuleProps {
  return {
    id: 'ACME-001',
    name: 'require-team-label',
    title: 'Workloads carry a team label',
    description: 'Cost attribution.',
    severity: PolicySeverity.LOW,
    kinds: ResourceKind.workloads(),
    expression: "variables.pods.all(p, has(p.metadata.labels) && 'team' in p.metadata.labels)",
    message: 'pod templates must carry a team label',
  };
}

/** A hardened vLLM model server Deployment, built by hand. */
export function hardenedModelServer(): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'llama3-8b', namespace: 'search', labels: { 'app.kubernetes.io/name': 'llama3-8b', 'app.kubernetes.io/component': 'model-server' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'llama3-8b' } },
      template: {
        metadata: {
          labels: { 'app.kubernetes.io/name': 'llama3-8b', 'app.kubernetes.io/component': 'model-server', 'llm-platform.io/tenant': 'search' },
          annotations: { 'llm-platform.io/model-revision': '5f0b02c75b57c5855da9ae460ce51323ea669d8a' },
        },
        spec: {
          serviceAccountName: 'llama3-8b',
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
          tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' }],
          containers: [{
            name: 'vllm',
            image: `${ECR}/vllm/vllm-openai@${DIGEST}`,
            args: ['--model', '/models/llama3-8b', '--port', '8000'],
            ports: [{ name: 'http', containerPort: 8000 }],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
            resources: {
              requests: { 'cpu': '8', 'memory': '30Gi', 'nvidia.com/gpu': '1' },
              limits: { 'cpu': '8', 'memory': '30Gi', 'nvidia.com/gpu': '1' },
            },
            livenessProbe: { httpGet: { path: '/health', port: 8000 }, periodSeconds: 10 },
            readinessProbe: { httpGet: { path: '/health', port: 8000 }, periodSeconds: 5 },
            startupProbe: { httpGet: { path: '/health', port: 8000 }, failureThreshold: 60, periodSeconds: 10 },
            volumeMounts: [{ name: 'cache', mountPath: '/tmp' }, { name: 'shm', mountPath: '/dev/shm' }],
          }],
          volumes: [{ name: 'cache', emptyDir: {} }, { name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '8Gi' } }],
        },
      },
    },
  };
}

/** The GPU-entitled tenant namespace the model server runs in. */
export function entitledNamespace(name = 'search'): any {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { 'llm-platform.io/gpu-entitled': 'true' } } };
}

/** Deep copy with `edit` applied. */
export function variant(base: any, edit: (o: any) => void): any {
  const copy = JSON.parse(JSON.stringify(base));
  edit(copy);
  return copy;
}

/**
 * Validate constraints the way the API server will once Gatekeeper has created their CRDs: the harness
 * derives each constraint CRD from its ConstraintTemplate among the objects, as Gatekeeper v3.23.0 generates
 * it (src/validation/private/gatekeeper-constraints.ts, facts in schemas/upstream/gatekeeper/).
 */
export function expectValidConstraints(objects: any[]): void {
  const constraints = objects.filter((o) => o.apiVersion === 'constraints.gatekeeper.sh/v1beta1');
  if (constraints.length === 0) return;
  const report = manifests().validateObjects([...objects.filter((o) => o.kind === 'ConstraintTemplate'), ...constraints]);
  if (!report.ok) throw new Error(`constraints are not valid against their templates:\n${report.toString()}`);
}

/** Synthesize a chart, validate every object (constraints against their templates) and return them. */
export function synthPolicies(build: (chart: TestChart) => void): any[] {
  const chart = new TestChart();
  build(chart);
  const objects = Testing.synth(chart);
  expectValidManifests(objects); // Gatekeeper constraints against the CRDs of their templates, as Gatekeeper makes them
  return objects;
}
