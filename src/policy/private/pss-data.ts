/**
 * The vendored kubernetes/pod-security-admission check data, one file per release
 * (schemas/upstream/pod-security-admission/checks-<tag>.json, see its SOURCES.md), and the selection of
 * the checks in force at a level and policy version (`policy/registry.go` `populate`, `EvaluatePod`).
 * Shared by `PodSecurityAdmission` (TypeScript checks) and the catalogue's CEL rules (pss-rules.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../../core/errors';
import { schemasDir } from '../../validation/private/schema-files';

/** One version of a check: in force from `min` (`v1.<minor>`), implemented by `fn`, replacing `overrides` at restricted. */
export interface VersionedCheck { readonly min: string; readonly fn: string; readonly overrides?: string[] }
/** One upstream check (`policy/check_<id>.go`). */
export interface CheckDef { readonly id: string; readonly level: 'baseline' | 'restricted'; readonly file: string; readonly versions: VersionedCheck[] }
/** The check data of one release of kubernetes/pod-security-admission. */
export interface PsaData {
  readonly source: string;
  readonly maxVersion: string;
  readonly checks: CheckDef[];
  readonly capabilitiesBaselineAllowed: string[];
  readonly capabilitiesRestrictedAdd: string[];
  readonly sysctlsAllowed: Record<string, string[]>;
  readonly seLinuxAllowedTypes: Record<string, string[]>;
  readonly restrictedVolumeTypesAllowed: string[];
  readonly restrictedVolumeTypesNamed: string[];
  readonly seccompAnnotations: { pod: string; containerPrefix: string; allowedValues: string[]; allowedPrefix: string };
  readonly appArmorAnnotations: { containerPrefix: string; allowedValues: string[]; allowedPrefix: string };
  /** Absent before v0.30 (the `appArmorProfile` fields came in Kubernetes 1.30). */
  readonly appArmorAllowedTypes?: string[];
  readonly seccompAllowedTypes: string[];
  readonly labels: { enforce: string; enforceVersion: string };
  readonly versionPattern: string;
}

/**
 * The vendored release of kubernetes/pod-security-admission per Kubernetes minor (the newest patch tag of
 * each `v0.<minor>.x` line when vendored; tag and commit in SOURCES.md).
 */
export const PSA_RELEASES: Readonly<Record<number, string>> = {
  28: 'v0.28.15',
  29: 'v0.29.15',
  30: 'v0.30.14',
  31: 'v0.31.14',
  32: 'v0.32.13',
  33: 'v0.33.13',
  34: 'v0.34.9',
  35: 'v0.35.6',
};

/** The Kubernetes minors with vendored check data, ascending. */
export const PSA_MINORS: readonly number[] = Object.keys(PSA_RELEASES).map(Number).sort((a, b) => a - b);

const cache = new Map<number, PsaData>();

/**
 * The check data of the pod-security-admission release of Kubernetes 1.<minor>.
 *
 * @param prop the property named in the error when the minor has no vendored data
 */
export function psaData(minor: number, prop: string = 'kubernetesVersion'): PsaData {
  const tag = PSA_RELEASES[minor];
  if (tag === undefined) {
    throw new ValidationError(prop, `must be a Kubernetes version with vendored Pod Security Standards data (1.${PSA_MINORS[0]} to 1.${PSA_MINORS[PSA_MINORS.length - 1]})`,
      typeof minor === 'number' ? `1.${minor}` : minor, `use KubernetesVersion.V1_${PSA_MINORS[0]} to V1_${PSA_MINORS[PSA_MINORS.length - 1]}, or vendor the checks of that release under schemas/upstream/pod-security-admission/`);
  }
  let d = cache.get(minor);
  if (!d) {
    d = JSON.parse(fs.readFileSync(path.join(schemasDir(), 'upstream', 'pod-security-admission', `checks-${tag}.json`), 'utf-8')) as PsaData;
    cache.set(minor, d);
  }
  return d;
}

/** `v1.<minor>` -> minor. */
export function minorOf(v: string): number {
  return Number(/^v1\.(\d+)$/.exec(v)![1]);
}

/** The newest policy version a release's checks know (`populate`: the largest `MinimumVersion`; `latest` evaluates as it). */
export function maxPolicyMinor(d: PsaData): number {
  return Math.max(...d.checks.map((c) => minorOf(c.versions[c.versions.length - 1].min)));
}

/** One check in force: its id, level, upstream file and the version selected. */
export interface SelectedCheck {
  readonly id: string;
  readonly level: 'baseline' | 'restricted';
  readonly file: string;
  readonly version: VersionedCheck;
}

/** Go's sort.Slice over strings: byte order. */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The checks of a release in force at a level (`baseline` or `restricted`) and policy minor, in upstream
 * order (baseline ids, then restricted ids, byte order): each check's newest version whose minimum is at
 * most the policy minor (capped at the release's newest); at restricted, the baseline checks a restricted
 * check's version overrides (`OverrideCheckIDs`) are left out.
 */
export function selectChecks(d: PsaData, level: 'baseline' | 'restricted', policyMinor: number): SelectedCheck[] {
  const minor = Math.min(policyMinor, maxPolicyMinor(d));
  const inForce = (c: CheckDef) => [...c.versions].reverse().find((v) => minorOf(v.min) <= minor);
  const baseline = d.checks.filter((c) => c.level === 'baseline').sort((a, b) => byteOrder(a.id, b.id));
  const restricted = d.checks.filter((c) => c.level === 'restricted').sort((a, b) => byteOrder(a.id, b.id));
  const overridden = new Set<string>();
  if (level === 'restricted') {
    for (const c of restricted) for (const o of inForce(c)?.overrides ?? []) overridden.add(o);
  }
  const out: SelectedCheck[] = [];
  for (const c of baseline) {
    const v = inForce(c);
    if (v && !overridden.has(c.id)) out.push({ id: c.id, level: c.level, file: c.file, version: v });
  }
  if (level === 'restricted') {
    for (const c of restricted) {
      const v = inForce(c);
      if (v) out.push({ id: c.id, level: c.level, file: c.file, version: v });
    }
  }
  return out;
}

/** The sysctls a `sysctlsV1Dot<N>` check allows: its version's list and every earlier one. */
export function sysctlsAllowedUpTo(d: PsaData, upTo: string): string[] {
  return Object.keys(d.sysctlsAllowed).filter((v) => minorOf(v) <= minorOf(upTo)).flatMap((v) => d.sysctlsAllowed[v]);
}
