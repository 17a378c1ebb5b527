/**
 * Where one pod template lives inside a kind (internal).
 */
export interface PodTemplateLocation {
  /** CEL path of the pod spec, relative to `object` (`object.spec.template.spec`). */
  readonly spec: string;
  /** CEL path of the pod metadata, or undefined when the kind has none of its own. */
  readonly metadata?: string;
  /** CEL guard that must hold before the paths are read (`has(object.spec.pytorchReplicaSpecs.Worker)`). */
  readonly guard?: string;
  /** Fields of the spec that hold one extra container (KServe `predictor.model`). */
  readonly containerFields?: string[];
}
