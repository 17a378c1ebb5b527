import { Construct } from 'constructs';
import { ValidationError } from '../core/errors';
import { IModelService } from '../core/model-service';
import { Names } from '../core/names';
import { checkArgs, checkProps } from '../core/private/runtime-types';
import {
  WasmPlugin, WasmPluginSpecFailStrategy, WasmPluginSpecImagePullPolicy, WasmPluginSpecMatchMode, WasmPluginSpecPhase, WasmPluginSpecType,
} from '../imports/istio-wasmplugin-extensions.istio.io';
import { meshLabels, sortedLabels, validateModel } from './private/util';

const OCI_BY_DIGEST = /^oci:\/\/[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?\/[a-z0-9]+([._/-][a-z0-9]+)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?@sha256:[a-f0-9]{64}$/;

/**
 * Where in the proxy's HTTP filter chain a Wasm plugin runs.
 */
export enum WasmPhase {
  /** Before Istio's authentication filters (sees unauthenticated requests). */
  AUTHN = 'AUTHN',
  /** Before Istio's authorization filters (sees requests that may be denied later). */
  AUTHZ = 'AUTHZ',
  /** Before Istio's stats filters, after authorization (only sees allowed requests). */
  STATS = 'STATS',
}

/**
 * The workloads a content filter attaches to.
 */
export class ContentFilterTarget {
  /**
   * The pods of one model (inbound traffic on its serving ports): filters prompts before the model
   * sees them and responses before they leave the pod.
   */
  public static model(model: IModelService): ContentFilterTarget {
    checkArgs('mesh.ContentFilterTarget#model', [model]);
    validateModel('target.model', model);
    const ports = [model.runtime.httpPort, ...(model.runtime.grpcPort !== undefined ? [model.runtime.grpcPort] : [])];
    return new ContentFilterTarget(model.namespace, model.selectorLabels, model.modelName, ports, model.tenant, model.modelName);
  }

  /**
   * An ingress gateway deployment: filters every request entering the mesh.
   *
   * @param namespace the gateway's namespace
   * @param selector labels of the gateway pods
   * @default namespace 'istio-system'
   * @default selector { istio: 'ingressgateway' }
   */
  public static ingressGateway(namespace?: string, selector?: { [key: string]: string }): ContentFilterTarget {
    checkArgs('mesh.ContentFilterTarget#ingressGateway', [namespace, selector]);
    return new ContentFilterTarget(namespace ?? 'istio-system', selector ?? { istio: 'ingressgateway' }, 'ingress');
  }

  /**
   * Any workloads selected by labels in a namespace.
   */
  public static workloads(namespace: string, selector: { [key: string]: string }): ContentFilterTarget {
    checkArgs('mesh.ContentFilterTarget#workloads', [namespace, selector]);
    return new ContentFilterTarget(namespace, selector, 'workloads');
  }

  /** The namespace the WasmPlugin lives in. */
  public readonly namespace: string;
  /** Labels of the selected pods. */
  public readonly selector: { [key: string]: string };
  /** A short name for the target (used in the default plugin name). */
  public readonly targetName: string;
  /** Inbound ports to match (model targets only). */
  public readonly ports?: number[];
  /** The tenant, for model targets. */
  public readonly tenant?: string;
  /** The model, for model targets. */
  public readonly modelName?: string;

  private constructor(
    namespace: string, selector: { [key: string]: string }, targetName: string, ports?: number[], tenant?: string, modelName?: string,
  ) {
    Names.validateDns1123Label('target.namespace', namespace);
    if (!selector || Object.keys(selector).length === 0) {
      throw new ValidationError('target.selector', 'must select the workloads with at least one label', selector ?? {}, "select pods, e.g. { istio: 'ingressgateway' }");
    }
    Names.validateLabels('target.selector', selector);
    for (const [k, v] of Object.entries(selector)) {
      if (k.includes('*') || v.includes('*')) {
        throw new ValidationError('target.selector', 'must not contain wildcards', { [k]: v }, 'select pods by exact labels');
      }
    }
    this.namespace = namespace;
    this.selector = sortedLabels(selector);
    this.targetName = targetName;
    this.ports = ports;
    this.tenant = tenant;
    this.modelName = modelName;
  }
}

/**
 * Properties of `ContentFilter`.
 */
export interface ContentFilterProps {
  /**
   * The workloads to attach to.
   */
  readonly target: ContentFilterTarget;

  /**
   * The Wasm module as an OCI image pinned by digest: `oci://<registry>/<repository>@sha256:<64 hex>`.
   * Tags alone are mutable and are rejected.
   */
  readonly image: string;

  /**
   * The WasmPlugin name.
   *
   * @default - '<target>-content-filter'
   */
  readonly name?: string;

  /**
   * Where in the filter chain the plugin runs.
   *
   * @default WasmPhase.STATS (after authorization: denied requests never reach the plugin)
   */
  readonly phase?: WasmPhase;

  /**
   * Plugin configuration passed to the module (e.g. categories to block, redaction rules).
   *
   * @default - none
   */
  readonly pluginConfig?: { [key: string]: any };

  /**
   * Let traffic through when the plugin cannot be fetched or crashes (FAIL_OPEN). A content filter
   * that silently stops filtering is a compliance incident, so this is an explicit opt-out.
   *
   * @default false (FAIL_CLOSE)
   */
  readonly failOpen?: boolean;

  /**
   * Ordering among plugins in the same phase (higher runs first).
   *
   * @default - Istio's default ordering
   */
  readonly priority?: number;

  /**
   * Pull secret (in the plugin's namespace) for a private registry.
   *
   * @default - anonymous pull
   */
  readonly imagePullSecret?: string;
}

/**
 * A sensitive-content filter for prompts and responses: an Istio `WasmPlugin` (HTTP) attached to
 * model pods or to the ingress gateway, loaded from an OCI image pinned by digest, failing closed by
 * default.
 */
export class ContentFilter extends Construct {
  /**
   * Check a Wasm module reference: an OCI image pinned by digest (`oci://<registry>/<repository>@sha256:<64 hex>`,
   * a tag next to the digest allowed). Istio's agent pulls it (`pkg/wasm/imagefetcher.go`); a tag alone can move.
   *
   * @returns the image
   */
  public static validateImage(prop: string, image: string, scope?: Construct): string {
    if (typeof image !== 'string' || !OCI_BY_DIGEST.test(image)) {
      throw new ValidationError(prop, 'must be an OCI image pinned by digest (oci://<registry>/<repository>@sha256:<64 hex>)', image,
        "push the module to a registry and reference it by digest, e.g. 'oci://123456789012.dkr.ecr.us-east-1.amazonaws.com/filters/pii@sha256:<digest>'", scope);
    }
    return image;
  }

  /** The WasmPlugin name. */
  public readonly name: string;
  /** The image (pinned by digest). */
  public readonly image: string;
  /** The phase. */
  public readonly phase: WasmPhase;
  /** Whether traffic passes when the plugin fails. */
  public readonly failOpen: boolean;
  /** The target. */
  public readonly target: ContentFilterTarget;

  constructor(scope: Construct, id: string, props: ContentFilterProps) {
    super(scope, id);
    checkProps('mesh.ContentFilterProps', props, 'props', this);
    if (!(props.target instanceof ContentFilterTarget)) {
      throw new ValidationError('target', 'must be a ContentFilterTarget', props.target, 'use ContentFilterTarget.model(...) or ContentFilterTarget.ingressGateway()', this);
    }
    this.target = props.target;
    this.image = ContentFilter.validateImage('image', props.image, this);
    this.name = Names.validateDns1123Label('name', props.name ?? Names.joinLabel([props.target.targetName, 'content-filter']), this);
    this.phase = props.phase ?? WasmPhase.STATS;
    if (!Object.values(WasmPhase).includes(this.phase)) {
      throw new ValidationError('phase', 'must be a WasmPhase', this.phase, 'use WasmPhase.STATS, AUTHZ or AUTHN', this);
    }
    this.failOpen = props.failOpen ?? false;
    if (props.priority !== undefined && !Number.isInteger(props.priority)) {
      throw new ValidationError('priority', 'must be a whole number', props.priority, 'use e.g. 10', this);
    }
    if (props.imagePullSecret !== undefined) Names.validateDns1123Subdomain('imagePullSecret', props.imagePullSecret, this);

    const t = props.target;
    new WasmPlugin(this, 'Resource', {
      metadata: {
        name: this.name,
        namespace: t.namespace,
        labels: meshLabels({ component: 'content-filter', name: this.name, tenant: t.tenant, model: t.modelName }),
      },
      spec: {
        url: this.image,
        imagePullPolicy: WasmPluginSpecImagePullPolicy.IF_NOT_PRESENT,
        imagePullSecret: props.imagePullSecret,
        type: WasmPluginSpecType.HTTP,
        phase: WasmPluginSpecPhase[this.phase],
        priority: props.priority,
        failStrategy: this.failOpen ? WasmPluginSpecFailStrategy.FAIL_UNDERSCORE_OPEN : WasmPluginSpecFailStrategy.FAIL_UNDERSCORE_CLOSE,
        selector: { matchLabels: t.selector },
        match: t.ports ? [{ mode: WasmPluginSpecMatchMode.SERVER, ports: t.ports.map((number) => ({ number })) }] : undefined,
        pluginConfig: props.pluginConfig && Object.keys(props.pluginConfig).length > 0 ? props.pluginConfig : undefined,
      },
    });
  }
}
