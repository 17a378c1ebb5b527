import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { PlatformLabels } from '../../core/labels';
import { IModelService } from '../../core/model-service';
import { Names } from '../../core/names';

/**
 * Render a cdk8s Duration in the protobuf Duration form Istio expects (`300s`, `250ms`), checking
 * the CRD's own rule (`duration(self) >= duration('1ms')`) and an upper bound.
 */
export function istioDuration(prop: string, d: Duration, scope?: IConstruct, max?: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms < 1) {
    throw new ValidationError(prop, 'must be a whole number of milliseconds of at least 1ms', durationText(d), 'use e.g. Duration.seconds(30)', scope);
  }
  if (max && ms > max.toMilliseconds({ integral: false })) {
    throw new ValidationError(prop, `must be at most ${durationText(max)}`, durationText(d), `use a value up to ${durationText(max)}`, scope);
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * A Duration for messages, in Istio's notation (`300s`, `500ms`, `0.5ms`).
 */
export function durationText(d: Duration): string {
  const ms = d.toMilliseconds({ integral: false });
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/**
 * The in-mesh host of a model's Service (`<service>.<namespace>.svc.cluster.local`).
 */
export function serviceHost(model: IModelService): string {
  return `${model.serviceName}.${model.namespace}.svc.cluster.local`;
}

/** Inputs of `meshLabels`. */
export interface MeshLabelOptions {
  readonly component: string;
  readonly name?: string;
  readonly tenant?: string;
  readonly model?: string;
  readonly environment?: string;
}

/**
 * Labels of a mesh object: `app.kubernetes.io/*` plus the platform's tenant/model/environment keys.
 */
export function meshLabels(options: MeshLabelOptions): { [key: string]: string } {
  const labels: { [key: string]: string } = {
    [PlatformLabels.COMPONENT]: options.component,
    [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE,
  };
  if (options.name) labels[PlatformLabels.NAME] = options.name;
  if (options.tenant) labels[PlatformLabels.TENANT] = options.tenant;
  if (options.model) labels[PlatformLabels.MODEL] = options.model;
  if (options.environment) labels[PlatformLabels.ENVIRONMENT] = options.environment;
  return labels;
}

/**
 * Labels of objects that belong to one model.
 */
export function modelLabels(model: IModelService, component: string, environment?: string): { [key: string]: string } {
  return meshLabels({ component, name: model.modelName, tenant: model.tenant, model: model.modelName, environment });
}

/**
 * Check the parts of an IModelService the mesh relies on.
 */
export function validateModel(prop: string, model: IModelService, scope?: IConstruct): void {
  if (!model || typeof model !== 'object') {
    throw new ValidationError(prop, 'must be a model service', model, 'pass a ModelServer or ModelService.fromAttributes(...)', scope);
  }
  Names.validateDns1123Label(`${prop}.namespace`, model.namespace, scope);
  Names.validateDns1123Label(`${prop}.serviceName`, model.serviceName, scope);
  Names.validateDns1123Label(`${prop}.modelName`, model.modelName, scope);
  if (!model.selectorLabels || Object.keys(model.selectorLabels).length === 0) {
    throw new ValidationError(`${prop}.selectorLabels`, 'must select the model pods with at least one label', model.selectorLabels ?? {},
      `select the pods with e.g. { '${PlatformLabels.MODEL}': '${model.modelName}' }`, scope);
  }
  Names.validateLabels(`${prop}.selectorLabels`, model.selectorLabels, scope);
  if (!model.versions || model.versions.length === 0) {
    throw new ValidationError(`${prop}.versions`, 'must list at least one served version', model.versions, "serve at least one version, e.g. ['stable']", scope);
  }
  for (const v of model.versions) Names.validateDns1123Label(`${prop}.versions`, v, scope);
  if (new Set(model.versions).size !== model.versions.length) {
    throw new ValidationError(`${prop}.versions`, 'must not repeat a version', model.versions, 'list each served version once', scope);
  }
}

/**
 * Sorted copy of a label map (deterministic output).
 */
export function sortedLabels(labels: { [key: string]: string }): { [key: string]: string } {
  const out: { [key: string]: string } = {};
  for (const k of Object.keys(labels).sort()) out[k] = labels[k];
  return out;
}

/**
 * Check a whole-number percentage in [0, 100].
 */
export function checkPercentage(prop: string, value: number, scope: IConstruct | undefined, fix: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new ValidationError(prop, 'must be a percentage between 0 and 100', value, fix, scope);
  }
  return value;
}

/**
 * Check a positive whole number (connection-pool limits, error counts).
 */
export function checkPositiveInt(prop: string, value: number, scope: IConstruct | undefined, fix: string, max: number = 2147483647): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    throw new ValidationError(prop, `must be a whole number between 1 and ${max}`, value, fix, scope);
  }
  return value;
}

/**
 * Check a fully-qualified DNS host name (a leading `*.` allowed): the hosts of a Gateway or a route.
 */
export function validateHost(prop: string, host: string, scope: IConstruct): void {
  const bare = typeof host === 'string' && host.startsWith('*.') ? host.slice(2) : host;
  if (typeof host !== 'string' || !Names.isDns1123Subdomain(bare) || !bare.includes('.')) {
    throw new ValidationError(prop, "must be fully-qualified DNS names (a leading '*.' is allowed)", host, "use e.g. 'llm.example.com' or '*.llm.example.com'", scope);
  }
}

/**
 * A route's hosts: each a fully-qualified DNS name, none twice (Istio refuses two servers with one host on a port;
 * a Gateway API listener set repeats a host to no effect). Returns them sorted.
 */
export function validateHosts(prop: string, hosts: string[], scope: IConstruct): string[] {
  if (!hosts || hosts.length === 0) {
    throw new ValidationError(prop, 'must list at least one host name', hosts, "list the public names, e.g. ['llm.example.com']", scope);
  }
  hosts.forEach((h, i) => validateHost(`${prop}[${i}]`, h, scope));
  const dup = hosts.find((h, i) => hosts.indexOf(h) !== i);
  if (dup !== undefined) throw new ValidationError(prop, `lists '${dup}' twice`, hosts, 'list each host once', scope);
  return [...hosts].sort();
}

/** Check the URI prefix of a model's route: it starts and ends with '/' (`/search/llama3-8b/`). */
export function validatePathPrefix(prop: string, prefix: string, model: IModelService, scope: IConstruct): string {
  if (typeof prefix !== 'string' || !/^\/([A-Za-z0-9._~-]+\/)*$/.test(prefix)) {
    throw new ValidationError(prop, "must be a URI path starting and ending with '/'", prefix, `use e.g. '/${model.tenant}/${model.modelName}/'`, scope);
  }
  return prefix;
}

/**
 * A Gateway API route timeout (HTTPRoute `timeouts.request`, `^([0-9]{1,5}(h|m|s|ms)){1,4}$`): whole milliseconds
 * from 1s to 99999s; unset is `0s`, no timeout (a stream of any length is never cut).
 */
export function gatewayApiTimeout(prop: string, d: Duration | undefined, scope: IConstruct): string {
  if (d === undefined) return '0s';
  const ms = d.toMilliseconds({ integral: false });
  if (!Number.isInteger(ms) || ms < 1000 || ms > 99999 * 1000) {
    throw new ValidationError(prop, 'must be a whole number of milliseconds from 1s to 99999s', durationText(d),
      'leave it unset for no timeout (streams of any length), or use e.g. Duration.minutes(30)', scope);
  }
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
