import { ValidationError } from '../../core/errors';
import { CollectorMode, TelemetrySignal } from '../telemetry-signal';

/** What the collector's ServiceAccount needs for a component (one ClusterRole rule). */
export interface ClusterRule {
  readonly apiGroups: string[];
  readonly resources: string[];
  readonly verbs: string[];
}

/** What a component needs from the pod it runs in. */
export interface ComponentNeeds {
  /** ClusterRole rules. */
  readonly clusterRules?: ClusterRule[];
  /** Only works in this mode. */
  readonly mode?: CollectorMode;
  /** Must run as a single replica (e.g. k8s_events, which would duplicate events otherwise). */
  readonly singleReplica?: boolean;
  /** Pulls from targets it discovers (a Prometheus receiver): every replica would scrape every target. */
  readonly scrapes?: boolean;
  /** Host paths to mount read-only (path -> volume name). */
  readonly hostPaths?: { [path: string]: string };
  /** Needs to read files owned by root (container logs). */
  readonly readsRootFiles?: boolean;
}

/** Context a component renders its config in. */
export interface RenderContext {
  readonly mode: CollectorMode;
}

const TYPE = /^[a-z][a-z0-9_]{0,62}$/;
const NAME = /^[a-z0-9]([a-z0-9_.-]*[a-z0-9])?$/;

/** `type` or `type/name`, validated as the collector does. */
export function componentId(kind: string, type: string, name?: string): string {
  if (!TYPE.test(type)) {
    throw new ValidationError(`${kind}.type`, 'must be a collector component type (lowercase letters, digits and _)', type, "use e.g. 'otlp'");
  }
  if (name === undefined) return type;
  if (!NAME.test(name)) {
    throw new ValidationError(`${kind}.name`, "must be lowercase letters, digits, '-', '_' or '.'", name, "use e.g. 'amp'");
  }
  return `${type}/${name}`;
}

/** Signals a component handles, checked non-empty. */
export function signalsOf(kind: string, signals: TelemetrySignal[]): TelemetrySignal[] {
  if (signals.length === 0) {
    throw new ValidationError(`${kind}.signals`, 'must list at least one signal', signals, 'list the signals the component handles');
  }
  return [...new Set(signals)];
}
