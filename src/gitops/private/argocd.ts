import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { SyncWave } from '../sync-wave';

/** apiVersion of every Argo CD object (Application, ApplicationSet, AppProject). */
export const ARGOCD_API_VERSION = 'argoproj.io/v1alpha1';

/** The in-cluster API server URL Argo CD uses for the cluster it runs in. */
export const IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';

/** Argo CD's sync wave annotation. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The finalizer that makes deleting an Application delete its resources (cascade). */
export const RESOURCES_FINALIZER = 'resources-finalizer.argocd.argoproj.io';

/** Characters that make an Argo CD source repo or destination a pattern (glob or negation). */
const PATTERN_CHARS = /[*?[\]!{}]/;

/** Whether `value` is an Argo CD glob/negation pattern rather than one literal value. */
export function isPattern(value: string): boolean {
  return PATTERN_CHARS.test(value);
}

/** Exact SemVer 2.0 (optionally with a leading `v`, as Helm and OCI registries allow). */
const EXACT_VERSION = /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$/;

/**
 * Throw unless `version` pins one exact chart version: no `*`, `HEAD`, `latest`, `stable`, ranges
 * (`^1.2.0`, `~1.2`, `>=1.0.0`, `1.x`, `1.2`) or empty strings. Argo CD resolves `targetRevision` of
 * a Helm source as a SemVer constraint, so anything but an exact version floats.
 */
export function validatePinnedVersion(prop: string, version: string, scope?: IConstruct): string {
  if (typeof version !== 'string' || !EXACT_VERSION.test(version)) {
    throw new ValidationError(prop, 'must pin one exact chart version', version,
      "use an exact released version such as '1.16.2' (never '*', 'HEAD', 'latest' or a range)", scope);
  }
  return version;
}

/**
 * Render a cdk8s Duration as a Go duration string (`90s` -> `1m30s`), as Argo CD parses it.
 */
export function goDuration(duration: Duration): string {
  let seconds = Math.round(duration.toSeconds());
  if (seconds <= 0) return '0s';
  const h = Math.floor(seconds / 3600);
  seconds -= h * 3600;
  const m = Math.floor(seconds / 60);
  seconds -= m * 60;
  return `${h > 0 ? `${h}h` : ''}${m > 0 ? `${m}m` : ''}${seconds > 0 ? `${seconds}s` : ''}`;
}

/** Deep merge of plain values (arrays and scalars from `override` replace those of `base`). */
export function deepMerge(base: any, override: any): any {
  if (override === undefined) return base;
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: any = { ...base };
  for (const [k, v] of Object.entries(override)) out[k] = deepMerge(base[k], v);
  return out;
}

/** A copy of `value` with object keys sorted recursively (deterministic output). */
export function sortKeys(value: any): any {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (!isPlainObject(value)) return value;
  const out: any = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys(value[k]);
  return out;
}

function isPlainObject(x: any): boolean {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}

/**
 * Why `revision` cannot be a Git branch, tag or commit Argo CD resolves, or undefined. git check-ref-format:
 * no ASCII control characters or space, none of `~ ^ : ? * [ \`, no `..`, no `@{`, not ending with `.` or `/`
 * (issue 17: a newline or NUL in a revision splits the YAML field it lands in).
 */
export function gitRevisionProblem(revision: string): string | undefined {
  if (typeof revision !== 'string' || revision.trim() === '') return 'must not be empty';
  if (/[\u0000-\u0020\u007f]/.test(revision)) return 'must not contain spaces or control characters (newline, NUL, ...)';
  if (/[~^:?*[\\]|\.\.|@\{/.test(revision) || /[./]$/.test(revision) || revision.startsWith('-')) {
    return "must be a Git branch, tag or commit (no '~ ^ : ? * [ \\', '..' or '@{', not ending in '.' or '/')";
  }
  return undefined;
}

/** `value` with control characters shown as JSON escapes (for error messages). */
export function printable(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

/**
 * A partial Argo CD ConfigMap (`argocd-cm`, `argocd-cmd-params-cm`) holding only `data`: server-side applied, so
 * Argo CD owns exactly these keys and leaves the install's others alone; never pruned or deleted; synced before
 * everything else (`SyncWave.ARGOCD_CONFIG`).
 */
export function argocdConfigMap(name: string, namespace: string, data: { [key: string]: string }): any {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
      namespace,
      labels: { 'app.kubernetes.io/name': name, 'app.kubernetes.io/part-of': 'argocd' },
      annotations: {
        [SYNC_WAVE_ANNOTATION]: String(SyncWave.ARGOCD_CONFIG),
        'argocd.argoproj.io/sync-options': 'ServerSideApply=true,Prune=false,Delete=false',
      },
    },
    data,
  };
}
