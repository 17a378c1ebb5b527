import * as fs from 'fs';
import * as path from 'path';
import { Chart, Testing } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { ManifestReport, ManifestValidator } from '../../src/validation';
import { tempDir } from '../util';

const DIGEST = `sha256:${'a'.repeat(64)}`;

function deployment(): any {
  const chart = new Chart(Testing.app(), 'c', { namespace: 'search', disableResourceNameHashes: true });
  new kplus.Deployment(chart, 'd', {
    metadata: { name: 'server' },
    containers: [{ image: `registry.example.com/server@${DIGEST}`, portNumber: 8080 }],
  });
  return Testing.synth(chart).find((o) => o.kind === 'Deployment');
}

const validator = new ManifestValidator();

describe('ManifestValidator: core kinds', () => {
  test('a cdk8s-plus-28 Deployment is valid against Kubernetes 1.28 and 1.34', () => {
    expect(validator.validateObject(deployment())).toEqual([]);
    expect(validator.kubernetesVersions).toEqual(['1.28', '1.34']);
  });

  test('an unknown field is an error (strict), with its JSON path', () => {
    const d = deployment();
    d.spec.template.spec.containers[0].imagePullPolicyy = 'Always';
    const findings = validator.validateObject(d);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({
      check: 'schema',
      object: 'apps/v1/Deployment search/server',
      path: '/spec/template/spec/containers/0/imagePullPolicyy',
      message: 'unknown field (not in the schema)',
    });
    expect(findings[0].schema).toMatch(/^Kubernetes 1\.28 OpenAPI \(io\.k8s\.api\.apps\.v1\.Deployment\)$/);
  });

  test('a wrong type is an error', () => {
    const d = deployment();
    d.spec.replicas = 'three';
    expect(validator.validateObject(d)).toEqual([expect.objectContaining({ path: '/spec/replicas', message: 'must be integer' })]);
  });

  test('a missing required field is an error', () => {
    const d = deployment();
    delete d.spec.template.spec.containers[0].name;
    expect(validator.validateObject(d)).toEqual([expect.objectContaining({ path: '/spec/template/spec/containers/0/name', message: 'required field is missing' })]);
  });

  test('int32 ranges are enforced', () => {
    const d = deployment();
    d.spec.replicas = 2 ** 40;
    expect(validator.validateObject(d)[0].message).toMatch(/must match format "int32"/);
  });

  test('duplicate keys in a map-type list are an error', () => {
    const d = deployment();
    const c = d.spec.template.spec.containers[0];
    d.spec.template.spec.containers.push({ ...c });
    expect(validator.validateObject(d).map((f) => f.message)).toContain('duplicate entry for key name="main" in a map-type list');
  });

  test('int-or-string fields accept both and reject others', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] } };
    expect(validator.validateObject(svc)).toEqual([]);
    svc.spec.ports[0].targetPort = { x: 1 } as any;
    expect(validator.validateObject(svc)).toEqual([expect.objectContaining({ path: '/spec/ports/0/targetPort' })]);
  });

  test('a kind that exists only in newer Kubernetes is validated against the version that has it', () => {
    const vap = {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: 'p' },
      spec: { matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['deployments'] }] }, validations: [{ expression: 'true' }] },
    };
    expect(validator.validateObject(vap)).toEqual([]);
    (vap.spec as any).bogus = 1;
    expect(validator.validateObject(vap)).toEqual([expect.objectContaining({ path: '/spec/bogus', schema: expect.stringMatching(/^Kubernetes 1\.34/) })]);
  });

  test('validating against 1.28 only makes a 1.30+ kind unknown', () => {
    const only128 = new ManifestValidator({ kubernetesVersions: ['1.28'] });
    const vap = { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'p' }, spec: {} };
    expect(only128.validateObject(vap)).toEqual([expect.objectContaining({ check: 'unknown-kind' })]);
  });

  test('an unshipped Kubernetes version is a ValidationError', () => {
    expect(() => new ManifestValidator({ kubernetesVersions: ['1.20'] })).toThrow(
      "'kubernetesVersions' must list Kubernetes versions whose schemas ship with this package, got '1.20'; use one of 1.28, 1.34");
  });

  test('shippedKubernetesVersions lists the copied schemas', () => {
    expect(ManifestValidator.shippedKubernetesVersions()).toEqual(['1.28', '1.34']);
  });
});

describe('ManifestValidator: custom resources', () => {
  const peerAuth = (mode: string, extra: any = {}) => ({
    apiVersion: 'security.istio.io/v1', kind: 'PeerAuthentication', metadata: { name: 'default', namespace: 'istio-system' }, spec: { mtls: { mode }, ...extra },
  });

  test('a valid custom resource passes', () => {
    expect(validator.validateObject(peerAuth('STRICT'))).toEqual([]);
  });

  test('CRD enums are enforced', () => {
    expect(validator.validateObject(peerAuth('NOPE'))).toEqual([expect.objectContaining({ path: '/spec/mtls/mode', message: 'must be one of ["UNSET","DISABLE","PERMISSIVE","STRICT"]' })]);
  });

  test("the CRD's own CEL rules (x-kubernetes-validations) are evaluated", () => {
    const findings = validator.validateObject(peerAuth('STRICT', { portLevelMtls: { 8080: { mode: 'PERMISSIVE' } } }));
    expect(findings).toEqual([expect.objectContaining({ check: 'cel-rule', path: '/spec', message: 'portLevelMtls requires selector' })]);
  });

  test('CEL rules with duration() and has() pass on valid input (Karpenter NodePool)', () => {
    const nodePool = {
      apiVersion: 'karpenter.sh/v1',
      kind: 'NodePool',
      metadata: { name: 'gpu' },
      spec: {
        template: { spec: { nodeClassRef: { group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'gpu' }, requirements: [{ key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] }], expireAfter: '720h' } },
        disruption: { consolidationPolicy: 'WhenEmpty', consolidateAfter: '5m' },
      },
    };
    expect(validator.validateObject(nodePool)).toEqual([]);
    // A restricted label in requirements violates a NodePool CEL rule.
    nodePool.spec.template.spec.requirements.push({ key: 'kubernetes.io/hostname', operator: 'In', values: ['x'] });
    expect(validator.validateObject(nodePool).some((f) => f.check === 'cel-rule')).toBe(true);
  });

  test('unknown fields in a custom resource are errors unless the schema preserves them', () => {
    const pa = peerAuth('STRICT');
    (pa.spec as any).mtlz = {};
    expect(validator.validateObject(pa)).toEqual([expect.objectContaining({ path: '/spec/mtlz', message: 'unknown field (not in the schema)' })]);
    // Kyverno ClusterPolicy keeps arbitrary content under x-kubernetes-preserve-unknown-fields (e.g. rule patterns).
    const cp = {
      apiVersion: 'kyverno.io/v1',
      kind: 'ClusterPolicy',
      metadata: { name: 'p' },
      spec: { rules: [{ name: 'r', match: { any: [{ resources: { kinds: ['Pod'] } }] }, validate: { message: 'm', pattern: { spec: { anything: { goes: true } } } } }] },
    };
    expect(validator.validateObject(cp)).toEqual([]);
  });

  test('fields named like schema annotations (description) are real fields', () => {
    const project = { apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject', metadata: { name: 'search', namespace: 'argocd' }, spec: { description: 'Search tenant', roles: [{ name: 'admin', description: 'admins' }] } };
    expect(validator.validateObject(project)).toEqual([]);
  });

  test('custom resource metadata is validated as a strict ObjectMeta', () => {
    const pa: any = peerAuth('STRICT');
    pa.metadata.labelz = { a: 'b' };
    expect(validator.validateObject(pa)).toEqual([expect.objectContaining({ path: '/metadata/labelz' })]);
  });

  test('a version the CRD does not serve is reported', () => {
    const pa = { ...peerAuth('STRICT'), apiVersion: 'security.istio.io/v9' };
    expect(validator.validateObject(pa)[0].message).toMatch(/^security\.istio\.io\/v9 is not a served version of PeerAuthentication; served: v1, v1beta1$/);
  });

  test('an object no schema knows is an error', () => {
    expect(validator.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } })).toEqual([
      expect.objectContaining({ check: 'unknown-kind', object: 'example.com/v1/Widget w', path: '/kind' }),
    ]);
  });

  test('extra CRD files make their kinds known', () => {
    const dir = tempDir();
    const crd = path.join(dir, 'widgets.yaml');
    fs.writeFileSync(crd, [
      'apiVersion: apiextensions.k8s.io/v1',
      'kind: CustomResourceDefinition',
      'metadata:',
      '  name: widgets.example.com',
      'spec:',
      '  group: example.com',
      '  names:',
      '    kind: Widget',
      '    plural: widgets',
      '  scope: Namespaced',
      '  versions:',
      '  - name: v1',
      '    served: true',
      '    storage: true',
      '    schema:',
      '      openAPIV3Schema:',
      '        type: object',
      '        properties:',
      '          spec:',
      '            type: object',
      '            properties:',
      '              size:',
      '                type: integer',
      '                minimum: 1',
      '            x-kubernetes-validations:',
      '            - rule: self.size <= 10',
      '              message: size must be at most 10',
      '',
    ].join('\n'));
    const v = new ManifestValidator({ crdFiles: [crd] });
    expect(v.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 3 } })).toEqual([]);
    expect(v.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 30 } })).toEqual([
      expect.objectContaining({ check: 'cel-rule', message: 'size must be at most 10' }),
    ]);
    expect(v.validateObject({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' }, spec: { size: 0 } })[0].message).toBe('must be >= 1');
  });
});

describe('ManifestValidator: input that is not a Kubernetes object', () => {
  test.each([
    [null, 'expected a Kubernetes object, got object'],
    [[1], 'expected a Kubernetes object, got an array'],
    ['x', 'expected a Kubernetes object, got string'],
  ])('%p is reported', (value, message) => {
    expect(validator.validateObject(value)).toEqual([expect.objectContaining({ check: 'object', message })]);
  });

  test('missing apiVersion or kind is reported', () => {
    expect(validator.validateObject({ kind: 'Pod' })).toEqual([expect.objectContaining({ check: 'object', path: '/apiVersion' })]);
    expect(validator.validateObject({ apiVersion: 'v1' })).toEqual([expect.objectContaining({ check: 'object', path: '/kind' })]);
  });
});

describe('ManifestValidator: YAML and files', () => {
  test('multi-document YAML is validated document by document', () => {
    const report = validator.validateYaml('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndatta: {}\n', 'x.yaml');
    expect(report.objectCount).toBe(2);
    expect(report.findings).toEqual([expect.objectContaining({ file: 'x.yaml', object: 'v1/ConfigMap b', path: '/datta' })]);
    // the parsed objects come with the report, in order: callers need not parse the text again
    expect(report.objects.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(report.ok).toBe(false);
  });

  test('malformed YAML is reported, never thrown', () => {
    const report = validator.validateYaml('apiVersion: v1\nkind: [ConfigMap\n', 'bad.yaml');
    expect(report.ok).toBe(false);
    expect(report.findings[0]).toMatchObject({ check: 'yaml', file: 'bad.yaml' });
  });

  test('files and directories are read, and unreadable paths reported', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'tenant'));
    fs.writeFileSync(path.join(dir, 'tenant', 'cm.yaml'), 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml');
    const report = validator.validateFiles([dir, path.join(dir, 'missing.yaml')]);
    expect(report.objectCount).toBe(1);
    expect(report.findings).toEqual([expect.objectContaining({ check: 'yaml', file: path.join(dir, 'missing.yaml'), message: expect.stringMatching(/^cannot read/) })]);
  });

  test('the report reads as one line per finding', () => {
    const report = new ManifestReport([{ check: 'schema', file: 'a.yaml', object: 'v1/ConfigMap a', path: '/x', message: 'unknown field (not in the schema)', schema: 'S' }], 1);
    expect(report.toString()).toBe('1 problem(s) in 1 objects:\n  - a.yaml: v1/ConfigMap a: /x: unknown field (not in the schema) [S]');
    expect(new ManifestReport([], 3).toString()).toBe('3 objects valid');
    expect(new ManifestReport([], 3).objects).toEqual([]);
  });
});
