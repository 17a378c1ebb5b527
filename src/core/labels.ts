/**
 * Label and annotation keys the library puts on every object, shared by all layers so selectors,
 * policies, monitors and quotas agree on them ([DESIGN.md section 3](docs/DESIGN.md#3-construct-conventions-from-aws-cdk-cdk8s-plus-open-constructs)).
 */
export class PlatformLabels {
  /** `app.kubernetes.io/name`: the component or model name. */
  public static readonly NAME = 'app.kubernetes.io/name';
  /** `app.kubernetes.io/instance`: the unique instance (model + version). */
  public static readonly INSTANCE = 'app.kubernetes.io/instance';
  /** `app.kubernetes.io/version`: the model or component version. */
  public static readonly VERSION = 'app.kubernetes.io/version';
  /** `app.kubernetes.io/component`: e.g. `model-server`, `gateway`. */
  public static readonly COMPONENT = 'app.kubernetes.io/component';
  /** `app.kubernetes.io/part-of`: the platform name. */
  public static readonly PART_OF = 'app.kubernetes.io/part-of';
  /** `app.kubernetes.io/managed-by`: `cdk-llm-platform`. */
  public static readonly MANAGED_BY = 'app.kubernetes.io/managed-by';

  /** `llm-platform.io/tenant`: the owning tenant. */
  public static readonly TENANT = 'llm-platform.io/tenant';
  /** `llm-platform.io/model`: the model name. */
  public static readonly MODEL = 'llm-platform.io/model';
  /**
   * `llm-platform.io/inference-pool`: the InferencePool an endpoint picker serves. Pickers carry it instead of
   * `llm-platform.io/model`, which selects the model's own pods (its Service, PodMonitor, disruption budget).
   */
  public static readonly INFERENCE_POOL = 'llm-platform.io/inference-pool';
  /** `llm-platform.io/model-version`: the model version (`stable`, `candidate` or a version id). */
  public static readonly MODEL_VERSION = 'llm-platform.io/model-version';
  /** `llm-platform.io/environment`: `dev`, `staging`, `prod`, ... */
  public static readonly ENVIRONMENT = 'llm-platform.io/environment';
  /** `llm-platform.io/gpu-pool`: the GPU pool a node belongs to. */
  public static readonly GPU_POOL = 'llm-platform.io/gpu-pool';
  /** `llm-platform.io/gpu-entitled`: `true` on namespaces allowed to request GPUs. */
  public static readonly GPU_ENTITLED = 'llm-platform.io/gpu-entitled';
  /** `llm-platform.io/accelerator`: the GPU model on a node (`a10g`, `l40s`, `h100`). */
  public static readonly ACCELERATOR = 'llm-platform.io/accelerator';
  /** `llm-platform.io/gpu-count`: GPUs per node. */
  public static readonly GPU_COUNT = 'llm-platform.io/gpu-count';

  /** Annotation `llm-platform.io/model-revision`: the pinned model revision (commit sha or S3 version). */
  public static readonly MODEL_REVISION_ANNOTATION = 'llm-platform.io/model-revision';

  /** The value of `app.kubernetes.io/managed-by`. */
  public static readonly MANAGED_BY_VALUE = 'cdk-llm-platform';

  /** The NVIDIA GPU extended resource name. */
  public static readonly NVIDIA_GPU_RESOURCE = 'nvidia.com/gpu';

  private constructor() {}
}
