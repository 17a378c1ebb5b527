import { smallSpec } from './fixtures';
import { GpuInstanceType } from '../../src/core';
import { ValidationError, ValidationProblem } from '../../src/core/errors';
import { ModelSource } from '../../src/k8s';
import { GpuCapacityType, PlatformSpec, PlatformSpecValidator } from '../../src/platform';
import { catalogueAddons, reservedTenantNames } from '../../src/platform/private/reserved-namespaces';
import { PolicyEngine } from '../../src/policy';

/** The problems of `spec` at `prop` (fails when there is none). */
function problemsAt(spec: PlatformSpec, prop: string): ValidationProblem[] {
  const all = PlatformSpecValidator.problems(spec);
  const at = all.filter((p) => p.prop === prop);
  if (at.length === 0) throw new Error(`no problem at ${prop}; got ${JSON.stringify(all.map((p) => ValidationError.format(p)))}`);
  for (const p of at) expect(ValidationError.format(p)).toMatch(/^'[^']+' .+, got .+; .+$/s);
  return at;
}

function line(spec: PlatformSpec, prop: string): string {
  return ValidationError.format(problemsAt(spec, prop)[0]);
}

const ADMIN = 'arn:aws:iam::123456789012:role/platform-admins';

describe('spec domain checks (issue 17)', () => {
  test('the small spec has no problem (the checks below each break one thing)', () => {
    expect(PlatformSpecValidator.problems(smallSpec())).toEqual([]);
  });

  describe('reserved tenant names, derived from the code', () => {
    test.each(['kube-system', 'kube-public', 'kube-node-lease', 'default', 'monitoring', 'observability', 'nvidia-gpu', 'cert-manager',
      'kyverno', 'keda', 'istio-system', 'istio-ingress', 'argocd', 'gatekeeper-system', 'cosign-system', 'kserve', 'kubeflow',
      'opentelemetry-operator-system', 'llm-platform-system', 'policy-exceptions', 'platform', 'tenancy', 'policies'])('%s', (name) => {
      const spec = smallSpec({ tenants: [{ name: 'search', gpuQuota: 5 }, { name }] });
      expect(line(spec, 'tenants[1].name')).toMatch(new RegExp(`^'tenants\\[1\\]\\.name' is reserved: it is .+, got '${name}'; use another name \\(reserved: .*kube-system`));
    });

    test('the list holds every namespace of the add-on catalogue (read from the factories, so it cannot drift)', () => {
      const names = [...reservedTenantNames().keys()];
      // the add-on namespaces in gitops/platform-addon.ts
      for (const ns of ['kyverno', 'gatekeeper-system', 'cert-manager', 'monitoring', 'istio-system', 'opentelemetry-operator-system', 'kube-system',
        'nvidia-gpu', 'keda', 'kserve', 'kubeflow', 'istio-ingress', 'cosign-system']) expect(names).toContain(ns);
    });

    test('every factory of the add-on catalogue is read (found on PlatformAddon, so a new add-on cannot be missed)', () => {
      const addons = catalogueAddons();
      expect(addons.length).toBeGreaterThanOrEqual(20);
      expect(addons.filter(([, addon]) => addon === undefined).map(([name]) => name)).toEqual([]);
    });

    test('a tenant named like the mesh ingress namespace', () => {
      const spec = smallSpec({ tenants: [{ name: 'search', gpuQuota: 5 }, { name: 'edge' }], mesh: { ingressNamespace: 'edge' } });
      expect(line(spec, 'tenants[1].name')).toContain("is the mesh ingress namespace ('mesh.ingressNamespace')");
    });

    test('mesh.ingressNamespace on a system namespace', () => {
      expect(line(smallSpec({ mesh: { ingressNamespace: 'kube-system' } }), 'mesh.ingressNamespace')).toContain('is reserved: it is a Kubernetes system namespace');
    });
  });

  describe('string enums (the runtime type check refuses unknown members with the allowed list; never silently On-Demand)', () => {
    function thrown(spec: PlatformSpec): ValidationProblem[] {
      try {
        PlatformSpecValidator.validate(spec);
      } catch (e) {
        if (!ValidationError.isValidationError(e)) throw e;
        return e.problems;
      }
      throw new Error('expected a ValidationError');
    }

    test.each(['SPOT', 'reserved', 'ON_DEMAND', ''])("capacityType '%s'", (value) => {
      const spec = smallSpec();
      const problems = thrown({ ...spec, gpuPools: [{ ...spec.gpuPools[0], capacityType: value as GpuCapacityType }] });
      expect(problems.map((p) => p.prop)).toEqual(['gpuPools[0].capacityType']);
      expect(ValidationError.format(problems[0])).toMatch(/^'gpuPools\[0\]\.capacityType' must be a GpuCapacityType, got '.*'; use .*ON_DEMAND.*SPOT$/);
    });

    test('GpuCapacityType.SPOT passes', () => {
      const spec = smallSpec();
      expect(PlatformSpecValidator.problems({ ...spec, gpuPools: [{ ...spec.gpuPools[0], capacityType: GpuCapacityType.SPOT }] })).toEqual([]);
    });

    test("policy.engines: an unknown engine ('KYVERNO' is not 'kyverno')", () => {
      const problems = thrown(smallSpec({ policy: { ...smallSpec().policy, engines: ['KYVERNO' as PolicyEngine] } }));
      expect(problems.map((p) => p.prop)).toEqual(['policy.engines[0]']);
    });

    test('policy.engines: a repeated engine', () => {
      const vap = PolicyEngine.VALIDATING_ADMISSION_POLICY;
      const spec = smallSpec({ policy: { ...smallSpec().policy, engines: [vap, vap] } });
      expect(line(spec, 'policy.engines[1]')).toBe("'policy.engines[1]' repeats policy.engines[0], got 'vap'; list each engine once");
    });
  });

  describe('duplicates', () => {
    test('an instance type twice in a pool', () => {
      const spec = smallSpec();
      const bad = { ...spec, gpuPools: [{ ...spec.gpuPools[0], instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_2XLARGE] }] };
      expect(line(bad, 'gpuPools[0].instanceTypes[1]')).toBe("'gpuPools[0].instanceTypes[1]' repeats gpuPools[0].instanceTypes[0], got 'g5.2xlarge'; list each instance type once");
    });

    test('an ingress host twice', () => {
      const spec = smallSpec({ mesh: { ingressHosts: ['llm.example.com', 'llm.example.com'], tlsCredentialName: 'llm-tls', externalTlsCredential: true } });
      expect(line(spec, 'mesh.ingressHosts[1]')).toContain("repeats mesh.ingressHosts[0], got 'llm.example.com'; list each host once");
    });

    test('one principal as admin and viewer: two EKS access entries for one ARN fail at apply', () => {
      const spec = smallSpec({ cluster: { adminPrincipalArns: [ADMIN], viewerPrincipalArns: [ADMIN] } });
      expect(line(spec, 'cluster.viewerPrincipalArns[0]')).toBe('\'cluster.viewerPrincipalArns[0]\' repeats the principal of cluster.adminPrincipalArns[0] '
        + `(one principal has one EKS access entry), got '${ADMIN}'; drop it from viewerPrincipalArns (an admin can already view)`);
    });

    test('one admin twice', () => {
      const spec = smallSpec({ cluster: { adminPrincipalArns: [ADMIN, ADMIN] } });
      expect(line(spec, 'cluster.adminPrincipalArns[1]')).toContain('; list each principal once');
    });

    test('zones, CIDRs, registries and system instance types twice', () => {
      const spec = smallSpec({
        cluster: { availabilityZones: ['us-east-1a', 'us-east-1a'], publicAccessCidrs: ['203.0.113.0/24', '203.0.113.0/24'], accessPath: undefined },
        systemPool: { instanceTypes: ['m7i.xlarge', 'm7i.xlarge'] },
        policy: { ...smallSpec().policy, allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com', '123456789012.dkr.ecr.us-east-1.amazonaws.com'] },
      });
      expect(line(spec, 'cluster.availabilityZones[1]')).toContain('list each zone once');
      expect(line(spec, 'cluster.publicAccessCidrs[1]')).toContain('list each CIDR once');
      expect(line(spec, 'systemPool.instanceTypes[1]')).toContain('list each instance type once');
      expect(line(spec, 'policy.allowedRegistries[1]')).toContain('list each registry once');
    });

    test('tenant and model names twice (existing checks, still one problem each)', () => {
      const spec = smallSpec({ tenants: [{ name: 'search', gpuQuota: 5 }, { name: 'search' }] });
      expect(problemsAt(spec, 'tenants[1].name')).toHaveLength(1);
      const m = smallSpec().models![0];
      expect(line(smallSpec({ models: [m, m] }), 'models[1].name')).toContain('must be unique');
    });
  });

  describe('model-store prefixes without traversal', () => {
    test.each(['models/../secrets/', './models/', 'models/./x/'])("weights prefix '%s'", (prefix) => {
      const m = smallSpec().models![0];
      const spec = smallSpec({ models: [{ ...m, weights: ModelSource.modelStore(prefix, '2024-06-01') }] });
      expect(PlatformSpecValidator.problems(spec).map((p) => p.prop)).toContain('models[0].weights.prefix');
    });

    test.each(['datasets/../models/', '/datasets/x/', 'datasets//x/'])("dataset prefix '%s'", (datasetPrefix) => {
      const spec = smallSpec({
        fineTuningJobs: [{
          name: 'lora',
          tenant: 'search',
          image: smallSpec().models![0].image,
          command: ['python'],
          gpuPool: 'a10g',
          baseModel: ModelSource.modelStore('models/llama3-8b/', '2024-06-01'),
          datasetPrefix,
        }],
      });
      expect(PlatformSpecValidator.problems(spec).map((p) => p.prop)).toContain('fineTuningJobs[0].datasetPrefix');
    });
  });

  describe('control characters and injection', () => {
    test.each([['\n', '\\n'], ['\u0000', '\\u0000'], ['\t', '\\t']])('a %j in a tenant group, shown escaped', (ch, shown) => {
      const spec = smallSpec({ tenants: [{ name: 'search', gpuQuota: 5, adminGroups: [`admins${ch}evil: true`] }] });
      expect(line(spec, 'tenants[0].adminGroups[0]')).toBe(`'tenants[0].adminGroups[0]' must not contain control characters (newline, tab, NUL, ...), got 'admins${shown}evil: true'; `
        + 'remove them: the value lands in YAML fields, Git revisions and AWS names as is');
    });

    test('a newline in gitops.targetRevision (control characters reported once) and a Git-invalid revision', () => {
      const spec = smallSpec({ gitops: { repoUrl: 'https://git.example.com/acme/platform-gitops.git', targetRevision: 'main\nevil' } });
      expect(problemsAt(spec, 'gitops.targetRevision')).toHaveLength(1);
      const dots = smallSpec({ gitops: { repoUrl: 'https://git.example.com/acme/platform-gitops.git', targetRevision: 'release..1' } });
      expect(line(dots, 'gitops.targetRevision')).toContain("must be a Git branch, tag or commit (no '~ ^ : ? * [ \\', '..' or '@{'");
    });

    test('a system instance type that is no instance type', () => {
      expect(line(smallSpec({ systemPool: { instanceTypes: ['${var.x}'] } }), 'systemPool.instanceTypes[0]'))
        .toBe("'systemPool.instanceTypes[0]' must be an EC2 instance type '<family>.<size>', got '${var.x}'; use e.g. 'm7i.xlarge'");
    });
  });

  test('a retention beyond the S3 API Integer', () => {
    expect(line(smallSpec({ audit: { retentionDays: 2 ** 31 } }), 'audit.retentionDays'))
      .toBe("'audit.retentionDays' must be at most 2147483647 days (a 32-bit API Integer), got 2147483648; keep audit logs for e.g. 2557 days (7 years)");
  });

  describe('URLs the patterns let through (parsed as URLs, the same check as GitOpsLayout)', () => {
    test.each([
      ['gitops.repoUrl', { gitops: { repoUrl: 'https:///acme/gitops.git' } }, 'must be an https or ssh clone URL with a host'],
      ['gitops.repoUrl', { gitops: { repoUrl: 'https://git.example.com/${var.repo}.git' } }, 'must be an https or ssh clone URL without a Terraform interpolation (${ or %{)'],
      ['gitops.repoUrl', { gitops: { repoUrl: 'git@:acme/x.git' } }, "must be a clone URL ('git@<host>:<path>' has a host, ':' and a path)"],
      ['gitops.server', { gitops: { repoUrl: 'https://git.example.com/a.git', server: 'https:///' } }, 'must be an absolute https URL'],
      ['gitops.server', { gitops: { repoUrl: 'https://git.example.com/a.git', server: 'https:///api' } }, 'must be an absolute https URL with a host'],
      ['audit.splunk.hecEndpoint', {
        audit: { splunk: { hecEndpoint: 'https://hec.example.com/${aws_iam_role.x.arn}', hecTokenSecretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:hec-AbCdEf' } },
      }, 'must be an absolute https URL without a Terraform interpolation (${ or %{)'],
    ])('%s: %j', (prop, overrides, problem) => {
      const [first] = problemsAt(smallSpec(overrides as any), prop);
      expect(first.problem).toBe(problem);
    });

    test('ordinary clone URLs pass', () => {
      for (const repoUrl of ['https://git.example.com/acme/gitops.git', 'ssh://git@git.example.com/acme/gitops.git', 'git@github.com:acme/gitops.git']) {
        expect(PlatformSpecValidator.problems(smallSpec({ gitops: { repoUrl } }))).toEqual([]);
      }
    });
  });
});
