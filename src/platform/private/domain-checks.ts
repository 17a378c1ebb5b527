import { reservedTenantNames } from './reserved-namespaces';
import { ProblemCollector } from '../../core/errors';
import { gitUrlProblem, urlProblem } from '../../core/private/urls';
import { gitRevisionProblem, printable } from '../../gitops/private/argocd';
import { PlatformSpec } from '../platform-spec';

/** C0 control characters, DEL and the C1 range: never meaningful in a name, a YAML field or a Git ref. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;

/**
 * Domain checks of a whole spec (issue 17), shared by both entry points through `PlatformSpecValidator`:
 * duplicates that fail at apply or shadow each other, reserved
 * names, model-store prefixes without traversal, and control characters anywhere in the spec's strings.
 * Each problem names its spec path. Checks that need a well-typed value skip values of the wrong type
 * (the runtime type check reports those).
 */
export function checkDomains(c: ProblemCollector, spec: PlatformSpec): void {
  controlCharacters(c, spec);
  pools(c, spec);
  clusterAccess(c, spec);
  engines(c, spec);
  meshHosts(c, spec);
  prefixes(c, spec);
  const ingress = spec.mesh?.ingressNamespace;
  if (typeof ingress === 'string') {
    (Array.isArray(spec.tenants) ? spec.tenants : []).forEach((t, i) => {
      c.check(t?.name !== ingress, `tenants[${i}].name`, "is the mesh ingress namespace ('mesh.ingressNamespace')", t?.name,
        'give the tenant another name, or set mesh.ingressNamespace to a namespace of its own');
    });
    c.check(!reservedTenantNames().has(ingress) || ingress === 'istio-ingress', 'mesh.ingressNamespace',
      `is reserved: it is ${reservedTenantNames().get(ingress)}`, ingress, "leave it unset for 'istio-ingress', or use a namespace of its own");
  }
  // the same Git ref rule GitOpsLayout applies (both entry points refuse the same revisions)
  const revision = spec.gitops?.targetRevision;
  if (typeof revision === 'string' && revision.trim() !== '' && !CONTROL.test(revision)) {
    const problem = gitRevisionProblem(revision);
    c.check(problem === undefined, 'gitops.targetRevision', problem ?? '', printable(revision), "use a branch, tag or commit, e.g. 'main'");
  }
  urls(c, spec);
  // S3 lifecycle and Object Lock `Days` are 32-bit API Integers (the aws Audit construct refuses larger counts too)
  const days = spec.audit?.retentionDays;
  if (typeof days === 'number' && Number.isInteger(days) && days >= 365) {
    c.check(days <= 2147483647, 'audit.retentionDays', 'must be at most 2147483647 days (a 32-bit API Integer)', days, 'keep audit logs for e.g. 2557 days (7 years)');
  }
  (Array.isArray(spec.systemPool?.instanceTypes) ? spec.systemPool!.instanceTypes : []).forEach((t, i) => {
    c.check(typeof t === 'string' && INSTANCE_TYPE.test(t), `systemPool.instanceTypes[${i}]`, "must be an EC2 instance type '<family>.<size>'", t, "use e.g. 'm7i.xlarge'");
  });
  duplicates(c, 'systemPool.instanceTypes', spec.systemPool?.instanceTypes, (t) => t, 'list each instance type once');
  duplicates(c, 'cluster.availabilityZones', spec.cluster?.availabilityZones, (z) => z, 'list each zone once (one subnet per zone)');
  duplicates(c, 'cluster.publicAccessCidrs', spec.cluster?.publicAccessCidrs, (z) => z, 'list each CIDR once');
  duplicates(c, 'policy.allowedRegistries', spec.policy?.allowedRegistries, (r) => r, 'list each registry once');
}

/**
 * Every string of the spec's plain data (objects and arrays; class instances such as ModelSource validate
 * their own fields) must be free of control characters: they reach YAML fields, Git revisions, AWS names
 * and tags, where a newline or NUL splits or truncates the value.
 */
function controlCharacters(c: ProblemCollector, spec: PlatformSpec): void {
  const seen = new Set<any>();
  const walk = (value: any, path: string) => {
    if (typeof value === 'string') {
      c.check(!CONTROL.test(value), path || 'spec', 'must not contain control characters (newline, tab, NUL, ...)', printable(value),
        'remove them: the value lands in YAML fields, Git revisions and AWS names as is');
      return;
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((v, i) => walk(v, `${path}[${i}]`));
      return;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return;
    for (const [k, v] of Object.entries(value)) {
      const at = path ? `${path}.${k}` : k;
      if (CONTROL.test(k)) c.add(at, 'must not have a key with control characters', printable(k), 'remove them from the key');
      walk(v, at);
    }
  };
  walk(spec, '');
}

function pools(c: ProblemCollector, spec: PlatformSpec): void {
  // (unknown capacityType values such as 'SPOT' or 'reserved' are refused by the runtime type check, core/private/runtime-types)
  (Array.isArray(spec.gpuPools) ? spec.gpuPools : []).forEach((p, i) => {
    if (p !== null && typeof p === 'object') duplicates(c, `gpuPools[${i}].instanceTypes`, p.instanceTypes, (t: any) => t?.name, 'list each instance type once');
  });
}

/** One principal is one EKS access entry: listing it twice (or as admin and viewer) fails at apply. */
function clusterAccess(c: ProblemCollector, spec: PlatformSpec): void {
  const first = new Map<string, string>();
  for (const key of ['adminPrincipalArns', 'viewerPrincipalArns'] as const) {
    const arns = spec.cluster?.[key];
    (Array.isArray(arns) ? arns : []).forEach((arn, i) => {
      if (typeof arn !== 'string') return;
      const at = `cluster.${key}[${i}]`;
      const prev = first.get(arn);
      if (prev) {
        c.add(at, `repeats the principal of ${prev} (one principal has one EKS access entry)`, arn,
          prev.includes('admin') && key === 'viewerPrincipalArns' ? 'drop it from viewerPrincipalArns (an admin can already view)' : 'list each principal once');
      } else {first.set(arn, at);}
    });
  }
}

function engines(c: ProblemCollector, spec: PlatformSpec): void {
  // (unknown engines are refused by the runtime type check; a repeated one would render its policies twice)
  duplicates(c, 'policy.engines', spec.policy?.engines, (e) => e, 'list each engine once');
}

function meshHosts(c: ProblemCollector, spec: PlatformSpec): void {
  // Istio rejects two Gateway servers with one host on one port; a certificate lists each name once.
  duplicates(c, 'mesh.ingressHosts', spec.mesh?.ingressHosts, (h) => (typeof h === 'string' ? h.toLowerCase() : h), 'list each host once');
}

/** Model-store prefixes become S3 keys and IAM resource ARNs: no `..` or `.` segment, no empty segment. */
function prefixes(c: ProblemCollector, spec: PlatformSpec): void {
  // (the weights' own check already refuses a leading '/' and '//'; the dataset prefix's does not)
  const check = (prop: string, prefix: any, emptySegments: boolean) => {
    if (typeof prefix !== 'string') return;
    const segments = prefix.replace(/\/$/, '').split('/');
    const empty = emptySegments && (prefix.startsWith('/') || segments.includes(''));
    c.check(!empty && segments.every((s) => s !== '.' && s !== '..'), prop,
      "must be a relative key prefix without '.', '..' or empty segments", prefix, "use e.g. 'models/llama3-8b/' (no '../', no leading '/', no '//')");
  };
  (Array.isArray(spec.models) ? spec.models : []).forEach((m, i) => {
    if (m?.weights?.inModelStore) check(`models[${i}].weights.prefix`, m.weights.prefix, false);
    if (m?.canary?.weights?.inModelStore) check(`models[${i}].canary.weights.prefix`, m.canary.weights.prefix, false);
  });
  (Array.isArray(spec.fineTuningJobs) ? spec.fineTuningJobs : []).forEach((j, i) => {
    check(`fineTuningJobs[${i}].datasetPrefix`, j?.datasetPrefix, true);
    if (j?.baseModel?.inModelStore) check(`fineTuningJobs[${i}].baseModel.prefix`, j.baseModel.prefix, false);
  });
}

function duplicates<T>(c: ProblemCollector, prop: string, list: T[] | undefined, key: (t: T) => any, fix: string): void {
  if (!Array.isArray(list)) return;
  const first = new Map<any, number>();
  list.forEach((item, i) => {
    const k = key(item);
    if (k === undefined || k === null) return;
    const prev = first.get(k);
    if (prev !== undefined) c.add(`${prop}[${i}]`, `repeats ${prop}[${prev}]`, k, fix);
    else first.set(k, i);
  });
}

/**
 * URLs the validator's own patterns let through but that are no URL (`https:///x`, `https://x/${var.y}`): parsed
 * as URLs (core/private/urls.ts, which GitOpsLayout uses too). Only values that pass the pattern checks are looked
 * at, so one value gets one problem.
 */
function urls(c: ProblemCollector, spec: PlatformSpec): void {
  const check = (prop: string, value: unknown, pattern: RegExp, problem: (v: unknown) => string | undefined, fix: string) => {
    if (typeof value !== 'string' || !pattern.test(value) || CONTROL.test(value)) return;
    const p = problem(value);
    c.check(p === undefined, prop, p ?? '', value, fix);
  };
  check('gitops.repoUrl', spec.gitops?.repoUrl, /^(https:\/\/|ssh:\/\/|git@)[^\s*]+$/, gitUrlProblem, "use e.g. 'https://git.example.com/acme/platform-gitops.git'");
  check('gitops.server', spec.gitops?.server, /^https:\/\/[^\s*]+$/, (v) => urlProblem(v, ['https:']), "use e.g. 'https://kubernetes.default.svc'");
  check('observability.logsEndpoint', spec.observability?.logsEndpoint, /^https:\/\/\S+$/, (v) => urlProblem(v, ['https:']), "use e.g. 'https://otlp.example.com'");
  check('audit.splunk.hecEndpoint', spec.audit?.splunk?.hecEndpoint, /^https:\/\/\S+$/, (v) => urlProblem(v, ['https:']),
    "use e.g. 'https://http-inputs-acme.splunkcloud.com:443'");
}
