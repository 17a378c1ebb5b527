import { ModelRuntime } from './model-runtime';
import { checkProps } from './private/runtime-types';

/**
 * A served model as the mesh, observability and GitOps layers see it: where it runs, how it is
 * reached and which labels select its pods.
 *
 * The serving layer's `ModelServer` implements this; `ModelService.fromAttributes` describes one
 * served elsewhere.
 */
export interface IModelService {
  /** The model name (DNS-1123 label), e.g. `llama3-8b`. */
  readonly modelName: string;
  /** The tenant that owns it. */
  readonly tenant: string;
  /** The namespace its objects live in. */
  readonly namespace: string;
  /** The Kubernetes Service that fronts every version of the model. */
  readonly serviceName: string;
  /**
   * The port of `serviceName` that serves the model's HTTP API (routes target it). KServe's predictor
   * Service exposes 80 in front of the container port.
   *
   * @default - the runtime's `httpPort`
   */
  readonly servicePort?: number;
  /** The runtime (ports, health endpoints, metric names). */
  readonly runtime: ModelRuntime;
  /** The ServiceAccount its pods run as (for mesh principals and Pod Identity). */
  readonly serviceAccountName: string;
  /** Labels that select every pod of the model (all versions). */
  readonly selectorLabels: { [key: string]: string };
  /** The versions served side by side (e.g. `['stable']` or `['stable', 'candidate']`). */
  readonly versions: string[];
}

/**
 * Attributes of a model served outside this library.
 */
export interface ModelServiceAttributes {
  /** The model name. */
  readonly modelName: string;
  /** The owning tenant. */
  readonly tenant: string;
  /**
   * The namespace.
   *
   * @default - the tenant name
   */
  readonly namespace?: string;
  /**
   * The Service name.
   *
   * @default - the model name
   */
  readonly serviceName?: string;
  /**
   * The Service port that serves HTTP.
   *
   * @default - the runtime's `httpPort`
   */
  readonly servicePort?: number;
  /** The runtime. */
  readonly runtime: ModelRuntime;
  /**
   * The ServiceAccount.
   *
   * @default - the model name
   */
  readonly serviceAccountName?: string;
  /**
   * Pod selector labels.
   *
   * @default - { 'llm-platform.io/model': modelName }
   */
  readonly selectorLabels?: { [key: string]: string };
  /**
   * Versions served.
   *
   * @default ['stable']
   */
  readonly versions?: string[];
}

/**
 * Factories for `IModelService`.
 */
export class ModelService {
  /**
   * Describe a model served outside this library.
   */
  public static fromAttributes(attrs: ModelServiceAttributes): IModelService {
    checkProps('ModelServiceAttributes', attrs, 'attrs');
    return {
      modelName: attrs.modelName,
      tenant: attrs.tenant,
      namespace: attrs.namespace ?? attrs.tenant,
      serviceName: attrs.serviceName ?? attrs.modelName,
      servicePort: attrs.servicePort ?? attrs.runtime.httpPort,
      runtime: attrs.runtime,
      serviceAccountName: attrs.serviceAccountName ?? attrs.modelName,
      selectorLabels: attrs.selectorLabels ?? { 'llm-platform.io/model': attrs.modelName },
      versions: attrs.versions ?? ['stable'],
    };
  }

  private constructor() {}
}
