import { PsaData, psaData, selectChecks, sysctlsAllowedUpTo } from './private/pss-data';
import { ValidationError } from '../core/errors';
import { KubernetesVersion } from '../core/kubernetes-version';

/**
 * A Pod Security Standards level (`pod-security.kubernetes.io/enforce` values).
 */
export enum PodSecurityLevel {
  /** No checks. */
  PRIVILEGED = 'privileged',
  /** The baseline checks: no known privilege escalations. */
  BASELINE = 'baseline',
  /** The baseline and restricted checks: hardened pods. */
  RESTRICTED = 'restricted',
}

/**
 * One failed Pod Security check, as kubernetes/pod-security-admission reports it.
 */
export interface PodSecurityViolation {
  /** The upstream check id (`allowPrivilegeEscalation`, `capabilities_restricted`, `hostPathVolumes`, ...). */
  readonly checkId: string;
  /** The level the check belongs to (BASELINE or RESTRICTED). */
  readonly level: PodSecurityLevel;
  /** The forbidden reason (`allowPrivilegeEscalation != false`, `host namespaces`). */
  readonly reason: string;
  /** The forbidden detail (`container "istio-init" must set securityContext.allowPrivilegeEscalation=false`). */
  readonly detail: string;
  /** The upstream source file of the check (`policy/check_allowPrivilegeEscalation.go`). */
  readonly source: string;
}

/**
 * The Pod Security policy a Namespace enforces, read from its labels.
 */
export interface NamespacePodSecurity {
  /** The enforced level. */
  readonly level: PodSecurityLevel;
  /** The policy version (`latest` or `v1.<minor>`), as labelled (invalid values read as `latest`). */
  readonly version: string;
  /** Label values the API server would reject (invalid level or version), empty when valid. */
  readonly problems: string[];
}

/** The release whose check data the namespace policy helpers read (the labels and version pattern are the same in every release). */
const labelsData = (): PsaData => psaData(KubernetesVersion.DEFAULT.minor);
/** The compiled `versionPattern` of the vendored data (no g or y flag: exec keeps no state). */
let versionPattern: RegExp | undefined;

type Version = { minor: number };
type Result = { reason: string; detail: string } | undefined;
type CheckFn = (meta: any, spec: any, d: PsaData) => Result;

/**
 * Pod Security admission as kubernetes/pod-security-admission implements it in the release of a
 * Kubernetes version (1.28 to 1.35: v0.28.15 .. v0.35.6, vendored; default 1.34, v0.34.9): the baseline and
 * restricted checks of `policy/check_*.go`, versioned as `policy/registry.go` selects them (each check's
 * version in force at the requested policy version; a restricted check replaces the baseline check it
 * overrides; versions newer than the release's newest check and `latest` evaluate as it), over every init,
 * regular and ephemeral container (`policy/visitor.go`), with the Windows exemptions of the 1.25 check
 * versions (`spec.os.name: windows` passes allowPrivilegeEscalation, capabilities_restricted and
 * seccompProfile_restricted). The user-namespace relaxation is applied where the release applies it without
 * a feature gate (v0.35: the 1.35 versions of procMount, runAsNonRoot and runAsUser pass `hostUsers: false`
 * pods); before v0.35 it sits behind `RelaxPolicyForUserNamespacePods` (the alpha
 * UserNamespacesPodSecurityStandards gate, off by default and on EKS) and is not applied. The lists the
 * checks use are vendored data.
 *
 * ```ts
 * const ns = PodSecurityAdmission.namespacePolicy(namespaceObject);
 * const violations = PodSecurityAdmission.evaluate(pod, ns.level, ns.version, KubernetesVersion.V1_35);
 * ```
 */
export class PodSecurityAdmission {
  /** The newest policy version the checks of the default release (1.34) know (`latest` evaluates as this there). */
  public static readonly MAX_VERSION = 'v1.34';
  /** `pod-security.kubernetes.io/enforce`. */
  public static readonly ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
  /** `pod-security.kubernetes.io/enforce-version`. */
  public static readonly ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';

  /**
   * The checks a pod fails at `level` and `version`, in upstream order (baseline checks by id, then
   * restricted ones by id). Empty when the pod is admitted.
   *
   * @param pod a Pod (or `{metadata, spec}`), as the API server would see it
   * @param level the policy level
   * @param version `latest` or `v1.<minor>`
   * @param kubernetesVersion the cluster's Kubernetes version: its pod-security-admission release's
   * checks evaluate (1.28 to 1.35, vendored per release)
   * @default version 'latest'
   * @default kubernetesVersion KubernetesVersion.DEFAULT (1.34: kubernetes/pod-security-admission v0.34.9)
   */
  public static evaluate(pod: any, level: PodSecurityLevel, version?: string, kubernetesVersion?: KubernetesVersion): PodSecurityViolation[] {
    if (!Object.values(PodSecurityLevel).includes(level)) {
      throw new ValidationError('level', 'must be a Pod Security level', level, 'use PodSecurityLevel.PRIVILEGED, BASELINE or RESTRICTED');
    }
    const v = PodSecurityAdmission.parseVersion(version ?? 'latest');
    if (v === undefined) throw new ValidationError('version', 'must be "latest" or "v1.<minor>"', version, "use e.g. 'v1.34' or 'latest'");
    const k = kubernetesVersion ?? KubernetesVersion.DEFAULT;
    const d = psaData((k as any)?.minor, 'kubernetesVersion');
    if (level === PodSecurityLevel.PRIVILEGED) return [];
    const meta = pod?.metadata && typeof pod.metadata === 'object' ? pod.metadata : {};
    const spec = apiDefaults(pod?.spec && typeof pod.spec === 'object' ? pod.spec : {});
    const out: PodSecurityViolation[] = [];
    for (const c of checksAt(k.minor, d, level, v)) {
      const r = c.fn(meta, spec, d);
      if (r) out.push({ checkId: c.id, level: c.level === 'baseline' ? PodSecurityLevel.BASELINE : PodSecurityLevel.RESTRICTED, reason: r.reason, detail: r.detail, source: c.file });
    }
    return out;
  }

  /**
   * The policy a Namespace enforces, from its `pod-security.kubernetes.io/enforce` and `-version` labels
   * (`api/helpers.go` `PolicyToEvaluate`): an invalid level enforces `restricted` (fail closed), an invalid
   * or missing version is `latest`; without the label, the cluster default (EKS: `privileged`, the
   * PodSecurity admission plugin's default configuration).
   *
   * @param namespace the Namespace object (or undefined: no labels)
   * @param defaultLevel the cluster's default level
   * @default defaultLevel PodSecurityLevel.PRIVILEGED
   */
  public static namespacePolicy(namespace: any, defaultLevel?: PodSecurityLevel): NamespacePodSecurity {
    const labels = namespace?.metadata?.labels ?? {};
    const problems: string[] = [];
    let level = defaultLevel ?? PodSecurityLevel.PRIVILEGED;
    const rawLevel = labels[PodSecurityAdmission.ENFORCE_LABEL];
    if (rawLevel !== undefined) {
      if (Object.values(PodSecurityLevel).includes(rawLevel)) {
        level = rawLevel as PodSecurityLevel;
      } else {
        level = PodSecurityLevel.RESTRICTED;
        problems.push(`${PodSecurityAdmission.ENFORCE_LABEL}=${JSON.stringify(rawLevel)} must be one of privileged, baseline, restricted (enforces restricted)`);
      }
    }
    let version = 'latest';
    const rawVersion = labels[PodSecurityAdmission.ENFORCE_VERSION_LABEL];
    if (rawVersion !== undefined) {
      if (PodSecurityAdmission.parseVersion(rawVersion) !== undefined) version = rawVersion;
      else problems.push(`${PodSecurityAdmission.ENFORCE_VERSION_LABEL}=${JSON.stringify(rawVersion)} must be "latest" or "v1.x" (evaluates as latest)`);
    }
    return { level, version, problems };
  }

  /**
   * The checks a pod fails under the policy its namespace enforces (`namespacePolicy` then `evaluate`).
   *
   * @param pod the Pod
   * @param namespace its Namespace object (undefined: the cluster default)
   * @param defaultLevel the cluster's default level
   * @param kubernetesVersion the cluster's Kubernetes version (its release's checks evaluate)
   * @default defaultLevel PodSecurityLevel.PRIVILEGED
   * @default kubernetesVersion KubernetesVersion.DEFAULT
   */
  public static evaluateInNamespace(pod: any, namespace: any, defaultLevel?: PodSecurityLevel,
    kubernetesVersion?: KubernetesVersion): PodSecurityViolation[] {
    const p = PodSecurityAdmission.namespacePolicy(namespace, defaultLevel);
    return PodSecurityAdmission.evaluate(pod, p.level, p.version, kubernetesVersion);
  }

  /** `latest` -> any minor past the newest check (capped at selection); `v1.<minor>` -> that; else undefined (`api/helpers.go` `ParseVersion`). */
  private static parseVersion(version: string): Version | undefined {
    if (version === 'latest') return { minor: Number.MAX_SAFE_INTEGER };
    versionPattern ??= new RegExp(labelsData().versionPattern);
    const m = versionPattern.exec(version);
    if (!m) return undefined;
    return { minor: Number(m[1]) };
  }

  private constructor() {}
}

/**
 * The pod spec as admission sees it, after the API server's defaulting of the fields the checks read
 * (kubernetes/kubernetes pkg/apis/core/v1/defaults.go): a volume without a source becomes an emptyDir
 * (`SetDefaults_Volume`), and with hostNetwork every container and init container port without a hostPort
 * gets its containerPort as hostPort (`SetDefaults_PodSpec`, `defaultHostNetworkPorts`). No copy when
 * nothing changes.
 */
function apiDefaults(spec: any): any {
  const sourceless = (v: any) => v && typeof v === 'object' && Object.keys(v).every((k) => k === 'name' || v[k] === null || v[k] === undefined);
  const volumes = list(spec.volumes);
  const needsVolumes = volumes.some(sourceless);
  const portsOf = (cs: any) => list(cs).some((c) => list(c?.ports).some((p) => !p?.hostPort && typeof p?.containerPort === 'number'));
  const needsPorts = spec.hostNetwork === true && (portsOf(spec.containers) || portsOf(spec.initContainers));
  if (!needsVolumes && !needsPorts) return spec;
  const out = { ...spec };
  if (needsVolumes) out.volumes = volumes.map((v) => (sourceless(v) ? { ...v, emptyDir: {} } : v));
  if (needsPorts) {
    const withHostPorts = (cs: any) => (Array.isArray(cs) ? cs.map((c) => (c && Array.isArray(c.ports)
      ? { ...c, ports: c.ports.map((p: any) => (!p?.hostPort && typeof p?.containerPort === 'number' ? { ...p, hostPort: p.containerPort } : p)) }
      : c)) : cs);
    out.containers = withHostPorts(spec.containers);
    out.initContainers = withHostPorts(spec.initContainers);
  }
  return out;
}

type Selected = { id: string; level: string; file: string; fn: CheckFn };
/** The checks per release, level and policy minor, selected once (the vendored data does not change in a process). */
const checksMemo = new Map<string, Selected[]>();

/** The checks of a release in force at a level and policy version, in upstream order (`policy/registry.go` `populate`; pss-data.ts). */
function checksAt(release: number, d: PsaData, level: PodSecurityLevel, version: Version): Selected[] {
  const key = `${release}\u0000${level}\u0000${version.minor}`;
  let checks = checksMemo.get(key);
  if (!checks) {
    checks = selectChecks(d, level === PodSecurityLevel.BASELINE ? 'baseline' : 'restricted', version.minor)
      .map((c) => ({ id: c.id, level: c.level, file: c.file, fn: fnOf(c.version.fn) }));
    checksMemo.set(key, checks);
  }
  return checks;
}

/** Go's sort.Slice over strings: byte order. */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function fnOf(name: string): CheckFn {
  const fn = CHECKS[name];
  if (!fn) throw new Error(`pod security check ${name} of the vendored data has no implementation`);
  return fn;
}

// ------------------------------------------------------------------------------------------------ helpers (policy/helpers.go, policy/visitor.go)

const joinQuote = (items: string[]) => (items.length === 0 ? '' : `"${items.join('", "')}"`);
const pluralize = (singular: string, plural: string, n: number) => (n === 1 ? singular : plural);
const sortedSet = (s: Set<string>) => [...s].sort(cmp);
const list = (x: any): any[] => (Array.isArray(x) ? x : []);

/** Every init, regular and ephemeral container, in that order. */
function containers(spec: any): any[] {
  return [...list(spec.initContainers), ...list(spec.containers), ...list(spec.ephemeralContainers)].filter((c) => c && typeof c === 'object');
}

const sc = (c: any) => (c.securityContext && typeof c.securityContext === 'object' ? c.securityContext : undefined);
const podSc = (spec: any) => (spec.securityContext && typeof spec.securityContext === 'object' ? spec.securityContext : undefined);
const isWindows = (spec: any) => spec.os?.name === 'windows';
/** `policy/helpers.go` `relaxPolicyForUserNamespacePod` as of v0.35 (no feature gate): `hostUsers: false`. */
const inUserNamespace = (spec: any) => spec.hostUsers === false;
const containerNames = (names: string[]) => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;

// ------------------------------------------------------------------------------------------------ the checks

const CHECKS: Record<string, CheckFn> = {
  // policy/check_allowPrivilegeEscalation.go
  allowPrivilegeEscalation_1_8: (_m, spec) => {
    // unset (nil) or true
    const bad = containers(spec).filter((c) => sc(c)?.allowPrivilegeEscalation !== false).map((c) => c.name);
    return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containerNames(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
  },
  allowPrivilegeEscalation_1_25: (m, spec, d) => (isWindows(spec) ? undefined : CHECKS.allowPrivilegeEscalation_1_8(m, spec, d)),

  // policy/check_appArmorProfile.go
  appArmorProfile_1_0: (meta, spec, d) => {
    const allowedTypes = d.appArmorAllowedTypes ?? [];
    const badSetters: string[] = [];
    const badValues = new Set<string>();
    const pod = podSc(spec)?.appArmorProfile;
    if (pod && !allowedTypes.includes(pod.type)) {
      badSetters.push('pod');
      badValues.add(String(pod.type ?? ''));
    }
    const bad: string[] = [];
    for (const c of containers(spec)) {
      const p = sc(c)?.appArmorProfile;
      if (p && !allowedTypes.includes(p.type)) {
        bad.push(c.name);
        badValues.add(String(p.type ?? ''));
      }
    }
    if (bad.length) badSetters.push(containerNames(bad));
    const forbidden: string[] = [];
    for (const [k, v] of Object.entries<any>(meta.annotations ?? {})) {
      const value = String(v);
      const ok = d.appArmorAnnotations.allowedValues.includes(value) || value.startsWith(d.appArmorAnnotations.allowedPrefix);
      if (k.startsWith(d.appArmorAnnotations.containerPrefix) && !ok) forbidden.push(`${k}=${JSON.stringify(value)}`);
    }
    const values = sortedSet(badValues);
    if (forbidden.length) {
      forbidden.sort(cmp);
      values.push(...forbidden);
      badSetters.push(pluralize('annotation', 'annotations', forbidden.length));
    }
    if (!badSetters.length) return undefined;
    return {
      reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', values.length),
      detail: `${badSetters.join(' and ')} must not set AppArmor profile type to ${joinQuote(values)}`,
    };
  },

  // policy/check_appArmorProfile.go appArmorProfile_1_0 at v0.28/v0.29 (before the appArmorProfile fields): the annotations only
  appArmorProfileAnnotations_1_0: (meta, _spec, d) => {
    const forbidden: string[] = [];
    for (const [k, v] of Object.entries<any>(meta.annotations ?? {})) {
      const value = String(v);
      const ok = d.appArmorAnnotations.allowedValues.includes(value) || value.startsWith(d.appArmorAnnotations.allowedPrefix);
      if (k.startsWith(d.appArmorAnnotations.containerPrefix) && !ok) forbidden.push(`${k}=${JSON.stringify(value)}`);
    }
    if (!forbidden.length) return undefined;
    forbidden.sort(cmp);
    return { reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', forbidden.length), detail: forbidden.join(', ') };
  },

  // policy/check_capabilities_baseline.go
  capabilitiesBaseline_1_0: (_m, spec, d) => {
    const allowed = d.capabilitiesBaselineAllowed;
    const bad: string[] = [];
    const caps = new Set<string>();
    for (const c of containers(spec)) {
      const add = list(sc(c)?.capabilities?.add).map(String);
      const forbidden = add.filter((a) => !allowed.includes(a));
      forbidden.forEach((a) => caps.add(a));
      if (forbidden.length) bad.push(c.name);
    }
    return bad.length ? { reason: 'non-default capabilities', detail: `${containerNames(bad)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add` } : undefined;
  },

  // policy/check_capabilities_restricted.go
  capabilitiesRestricted_1_22: (_m, spec, d) => {
    const addAllowed = d.capabilitiesRestrictedAdd;
    const missingDrop: string[] = [];
    const adding: string[] = [];
    const caps = new Set<string>();
    for (const c of containers(spec)) {
      const capabilities = sc(c)?.capabilities;
      if (!capabilities) {
        missingDrop.push(c.name);
        continue;
      }
      if (!list(capabilities.drop).includes('ALL')) missingDrop.push(c.name);
      const forbidden = list(capabilities.add).map(String).filter((a) => !addAllowed.includes(a));
      forbidden.forEach((a) => caps.add(a));
      if (forbidden.length) adding.push(c.name);
    }
    const details: string[] = [];
    if (missingDrop.length) details.push(`${containerNames(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
    if (adding.length) details.push(`${containerNames(adding)} must not include ${joinQuote(sortedSet(caps))} in securityContext.capabilities.add`);
    return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
  },
  capabilitiesRestricted_1_25: (m, spec, d) => (isWindows(spec) ? undefined : CHECKS.capabilitiesRestricted_1_22(m, spec, d)),

  // policy/check_hostNamespaces.go
  hostNamespaces_1_0: (_m, spec) => {
    const used = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
    return used.length ? { reason: 'host namespaces', detail: used.join(', ') } : undefined;
  },

  // policy/check_hostPathVolumes.go
  hostPathVolumes_1_0: (_m, spec) => {
    const bad = list(spec.volumes).filter((v) => v?.hostPath !== undefined && v?.hostPath !== null).map((v) => v.name);
    return bad.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
  },

  // policy/check_hostPorts.go
  hostPorts_1_0: (_m, spec) => {
    const bad: string[] = [];
    const ports = new Set<string>();
    for (const c of containers(spec)) {
      const hp = list(c.ports).filter((p) => typeof p?.hostPort === 'number' && p.hostPort !== 0).map((p) => String(p.hostPort));
      hp.forEach((p) => ports.add(p));
      if (hp.length) bad.push(c.name);
    }
    if (!bad.length) return undefined;
    const sorted = sortedSet(ports);
    return { reason: 'hostPort', detail: `${containerNames(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', sorted.length)} ${sorted.join(', ')}` };
  },

  // policy/check_hostProbesAndhostLifecycle.go (in force from v1.34)
  hostProbesAndHostLifecycleV1Dot34: (_m, spec) => {
    const bad = new Set<string>();
    const hosts = new Set<string>();
    const handlerHosts = (h: any) => [h?.httpGet?.host, h?.tcpSocket?.host].filter((x) => typeof x === 'string' && x !== '');
    for (const c of containers(spec)) {
      for (const h of [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop]) {
        const found = handlerHosts(h);
        if (found.length) {
          bad.add(c.name);
          found.forEach((x) => hosts.add(x));
        }
      }
    }
    if (!bad.size) return undefined;
    return {
      reason: 'probe or lifecycle host',
      detail: `${containerNames(sortedSet(bad))} ${pluralize('uses', 'use', bad.size)} ${pluralize('probe or lifecycle host', 'probe or lifecycle hosts', hosts.size)} ${joinQuote(sortedSet(hosts))}`,
    };
  },

  // policy/check_privileged.go
  privileged_1_0: (_m, spec) => {
    const bad = containers(spec).filter((c) => sc(c)?.privileged === true).map((c) => c.name);
    return bad.length ? { reason: 'privileged', detail: `${containerNames(bad)} must not set securityContext.privileged=true` } : undefined;
  },

  // policy/check_procMount.go
  procMount_1_0: (_m, spec) => {
    const bad: string[] = [];
    const types = new Set<string>();
    for (const c of containers(spec)) {
      const pm = sc(c)?.procMount;
      if (pm === undefined || pm === null) continue;
      if (pm !== 'Default') {
        bad.push(c.name);
        types.add(String(pm));
      }
    }
    return bad.length ? { reason: 'procMount', detail: `${containerNames(bad)} must not set securityContext.procMount to ${joinQuote(sortedSet(types))}` } : undefined;
  },

  // policy/check_procMount_baseline.go procMount1_35baseline (v0.35): pods in a user namespace pass
  procMount1_35baseline: (m, spec, d) => (inUserNamespace(spec) ? undefined : CHECKS.procMount_1_0(m, spec, d)),

  // policy/check_restrictedVolumes.go
  restrictedVolumes_1_0: (_m, spec, d) => {
    const bad: string[] = [];
    const types = new Set<string>();
    for (const v of list(spec.volumes)) {
      const has = (t: string) => v?.[t] !== undefined && v?.[t] !== null;
      if (d.restrictedVolumeTypesAllowed.some(has)) continue;
      bad.push(v?.name);
      types.add(d.restrictedVolumeTypesNamed.find(has) ?? 'unknown');
    }
    if (!bad.length) return undefined;
    const sorted = sortedSet(types);
    return {
      reason: 'restricted volume types',
      detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', sorted.length)} ${joinQuote(sorted)}`,
    };
  },

  // policy/check_runAsNonRoot.go
  runAsNonRoot_1_0: (_m, spec) => {
    const badSetters: string[] = [];
    let podNonRoot = false;
    const pod = podSc(spec)?.runAsNonRoot;
    if (pod === false) badSetters.push('pod');
    else if (pod === true) podNonRoot = true;
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
      const v = sc(c)?.runAsNonRoot;
      if (v === true || v === false) {
        if (v === false) explicit.push(c.name);
      } else if (!podNonRoot) {
        implicit.push(c.name);
      }
    }
    if (explicit.length) badSetters.push(containerNames(explicit));
    if (badSetters.length) return { reason: 'runAsNonRoot != true', detail: `${badSetters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
    if (implicit.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containerNames(implicit)} must set securityContext.runAsNonRoot=true` };
    return undefined;
  },

  // policy/check_runAsNonRoot.go runAsNonRoot1_35 (v0.35): pods in a user namespace pass
  runAsNonRoot1_35: (m, spec, d) => (inUserNamespace(spec) ? undefined : CHECKS.runAsNonRoot_1_0(m, spec, d)),

  // policy/check_runAsUser.go
  runAsUser_1_23: (_m, spec) => {
    const badSetters: string[] = [];
    if (podSc(spec)?.runAsUser === 0) badSetters.push('pod');
    const bad = containers(spec).filter((c) => sc(c)?.runAsUser === 0).map((c) => c.name);
    if (bad.length) badSetters.push(containerNames(bad));
    return badSetters.length ? { reason: 'runAsUser=0', detail: `${badSetters.join(' and ')} must not set runAsUser=0` } : undefined;
  },

  // policy/check_runAsUser.go runAsUser1_35 (v0.35): pods in a user namespace pass
  runAsUser1_35: (m, spec, d) => (inUserNamespace(spec) ? undefined : CHECKS.runAsUser_1_23(m, spec, d)),

  // policy/check_seLinuxOptions.go
  seLinuxOptions1_0: (_m, spec, d) => seLinux(spec, d.seLinuxAllowedTypes['v1.0']),
  seLinuxOptions1_31: (_m, spec, d) => seLinux(spec, d.seLinuxAllowedTypes['v1.31']),

  // policy/check_seccompProfile_baseline.go
  seccompProfileBaseline_1_0: (meta, spec, d) => {
    const a = d.seccompAnnotations;
    const annotations = meta.annotations ?? {};
    const valid = (v: string) => a.allowedValues.includes(v) || v.startsWith(a.allowedPrefix);
    const forbidden = new Set<string>();
    if (a.pod in annotations && !valid(String(annotations[a.pod]))) forbidden.add(`${a.pod}=${JSON.stringify(String(annotations[a.pod]))}`);
    for (const c of containers(spec)) {
      const key = a.containerPrefix + c.name;
      if (key in annotations && !valid(String(annotations[key]))) forbidden.add(`${key}=${JSON.stringify(String(annotations[key]))}`);
    }
    return forbidden.size ? { reason: 'seccompProfile', detail: `forbidden ${pluralize('annotation', 'annotations', forbidden.size)} ${sortedSet(forbidden).join(', ')}` } : undefined;
  },
  seccompProfileBaseline_1_19: (_m, spec, d) => {
    const allowed = d.seccompAllowedTypes;
    const badSetters: string[] = [];
    const values = new Set<string>();
    const pod = podSc(spec)?.seccompProfile;
    if (pod && !allowed.includes(pod.type)) {
      badSetters.push('pod');
      values.add(String(pod.type ?? ''));
    }
    const bad: string[] = [];
    for (const c of containers(spec)) {
      const p = sc(c)?.seccompProfile;
      if (p && !allowed.includes(p.type)) {
        bad.push(c.name);
        values.add(String(p.type ?? ''));
      }
    }
    if (bad.length) badSetters.push(containerNames(bad));
    return badSetters.length ? { reason: 'seccompProfile', detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}` } : undefined;
  },

  // policy/check_seccompProfile_restricted.go
  seccompProfileRestricted_1_19: (_m, spec, d) => {
    const allowed = d.seccompAllowedTypes;
    const badSetters: string[] = [];
    const values = new Set<string>();
    let podSet = false;
    const pod = podSc(spec)?.seccompProfile;
    if (pod) {
      if (!allowed.includes(pod.type)) {
        badSetters.push('pod');
        values.add(String(pod.type ?? ''));
      } else {
        podSet = true;
      }
    }
    const explicit: string[] = [];
    const implicit: string[] = [];
    for (const c of containers(spec)) {
      const p = sc(c)?.seccompProfile;
      if (p) {
        if (!allowed.includes(p.type)) {
          explicit.push(c.name);
          values.add(String(p.type ?? ''));
        }
      } else if (!podSet) {
        implicit.push(c.name);
      }
    }
    if (explicit.length) badSetters.push(containerNames(explicit));
    if (badSetters.length) return { reason: 'seccompProfile', detail: `${badSetters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sortedSet(values))}` };
    if (implicit.length) return { reason: 'seccompProfile', detail: `pod or ${containerNames(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
    return undefined;
  },
  seccompProfileRestricted_1_25: (m, spec, d) => (isWindows(spec) ? undefined : CHECKS.seccompProfileRestricted_1_19(m, spec, d)),

  // policy/check_sysctls.go: each version allows its own list and every earlier one
  sysctlsV1Dot0: (_m, spec, d) => sysctls(spec, sysctlsAllowedUpTo(d, 'v1.0')),
  sysctlsV1Dot27: (_m, spec, d) => sysctls(spec, sysctlsAllowedUpTo(d, 'v1.27')),
  sysctlsV1Dot29: (_m, spec, d) => sysctls(spec, sysctlsAllowedUpTo(d, 'v1.29')),
  sysctlsV1Dot32: (_m, spec, d) => sysctls(spec, sysctlsAllowedUpTo(d, 'v1.32')),

  // policy/check_windowsHostProcess.go
  windowsHostProcess_1_0: (_m, spec) => {
    const bad = containers(spec).filter((c) => sc(c)?.windowsOptions?.hostProcess === true).map((c) => c.name);
    const setters: string[] = [];
    if (podSc(spec)?.windowsOptions?.hostProcess === true) setters.push('pod');
    if (bad.length) setters.push(containerNames(bad));
    return setters.length ? { reason: 'hostProcess', detail: `${setters.join(' and ')} must not set securityContext.windowsOptions.hostProcess=true` } : undefined;
  },
};

function sysctls(spec: any, allowed: string[]): Result {
  const bad = list(podSc(spec)?.sysctls).map((s) => String(s?.name)).filter((n) => !allowed.includes(n));
  return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
}

function seLinux(spec: any, allowedTypes: string[]): Result {
  const badSetters: string[] = [];
  const badTypes = new Set<string>();
  let setUser = false;
  let setRole = false;
  const valid = (o: any) => {
    let ok = true;
    const type = typeof o.type === 'string' ? o.type : '';
    if (!allowedTypes.includes(type)) {
      ok = false;
      badTypes.add(type);
    }
    if (typeof o.user === 'string' && o.user.length > 0) {
      ok = false;
      setUser = true;
    }
    if (typeof o.role === 'string' && o.role.length > 0) {
      ok = false;
      setRole = true;
    }
    return ok;
  };
  const pod = podSc(spec)?.seLinuxOptions;
  if (pod && typeof pod === 'object' && !valid(pod)) badSetters.push('pod');
  const bad = containers(spec).filter((c) => {
    const o = sc(c)?.seLinuxOptions;
    return o && typeof o === 'object' && !valid(o);
  }).map((c) => c.name);
  if (bad.length) badSetters.push(containerNames(bad));
  if (!badSetters.length) return undefined;
  const badData: string[] = [];
  if (badTypes.size) badData.push(`${pluralize('type', 'types', badTypes.size)} ${joinQuote(sortedSet(badTypes))}`);
  if (setUser) badData.push('user may not be set');
  if (setRole) badData.push('role may not be set');
  return { reason: 'seLinuxOptions', detail: `${badSetters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${badData.join('; ')}` };
}
