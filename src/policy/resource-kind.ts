import { ValidationError } from '../core/errors';
import { PodTemplateLocation } from './private/pod-template';
import { checkArgs } from '../core/private/runtime-types';

/**
 * A Kubernetes kind a policy rule matches, with where its pod templates live (if any).
 *
 * The workload kinds know their pod template paths, so a rule written once against the pod spec
 * (`variables.pods`, `variables.containers`) is generated per kind: `spec` for Pods,
 * `spec.template.spec` for Deployments and friends, `spec.jobTemplate.spec.template.spec` for CronJobs,
 * `spec.pytorchReplicaSpecs.{Master,Worker}.template.spec` for Kubeflow PyTorchJobs and
 * `spec.predictor` (plus its `model` container) for KServe InferenceServices.
 */
export class ResourceKind {
  /** core/v1 Pod. */
  public static readonly POD = new ResourceKind('', ['v1'], 'Pod', 'pods', [{ spec: 'object.spec', metadata: 'object.metadata' }]);
  /** apps/v1 Deployment. */
  public static readonly DEPLOYMENT = ResourceKind.templated('apps', 'Deployment', 'deployments');
  /** apps/v1 StatefulSet. */
  public static readonly STATEFUL_SET = ResourceKind.templated('apps', 'StatefulSet', 'statefulsets');
  /** apps/v1 DaemonSet. */
  public static readonly DAEMON_SET = ResourceKind.templated('apps', 'DaemonSet', 'daemonsets');
  /** apps/v1 ReplicaSet. */
  public static readonly REPLICA_SET = ResourceKind.templated('apps', 'ReplicaSet', 'replicasets');
  /** batch/v1 Job. */
  public static readonly JOB = ResourceKind.templated('batch', 'Job', 'jobs');
  /** batch/v1 CronJob. */
  public static readonly CRON_JOB = new ResourceKind('batch', ['v1'], 'CronJob', 'cronjobs', [{
    spec: 'object.spec.jobTemplate.spec.template.spec',
    metadata: 'object.spec.jobTemplate.spec.template.metadata',
  }]);
  /** Kubeflow training operator PyTorchJob (kubeflow.org/v1): the Master and Worker pod templates. */
  public static readonly PYTORCH_JOB = new ResourceKind('kubeflow.org', ['v1'], 'PyTorchJob', 'pytorchjobs',
    ['Master', 'Worker'].map((r) => ({
      guard: `has(object.spec.pytorchReplicaSpecs) && has(object.spec.pytorchReplicaSpecs.${r})`,
      spec: `object.spec.pytorchReplicaSpecs.${r}.template.spec`,
      metadata: `object.spec.pytorchReplicaSpecs.${r}.template.metadata`,
    })));
  /**
   * KServe InferenceService (serving.kserve.io/v1beta1): the predictor is an inline pod spec, its
   * `model` field one more container (whose image may come from a ServingRuntime); pod metadata is
   * the InferenceService's own.
   */
  public static readonly INFERENCE_SERVICE = new ResourceKind('serving.kserve.io', ['v1beta1'], 'InferenceService', 'inferenceservices', [{
    guard: 'has(object.spec.predictor)',
    spec: 'object.spec.predictor',
    metadata: 'object.metadata',
    containerFields: ['model'],
  }]);
  /** core/v1 Service. */
  public static readonly SERVICE = new ResourceKind('', ['v1'], 'Service', 'services');
  /** networking.k8s.io/v1 Ingress. */
  public static readonly INGRESS = new ResourceKind('networking.k8s.io', ['v1'], 'Ingress', 'ingresses');
  /** Istio Gateway (networking.istio.io, every served version). */
  public static readonly ISTIO_GATEWAY = new ResourceKind('networking.istio.io', ['v1', 'v1beta1', 'v1alpha3'], 'Gateway', 'gateways');
  /** rbac.authorization.k8s.io/v1 Role (namespaced: the roles tenants get). */
  public static readonly ROLE = new ResourceKind('rbac.authorization.k8s.io', ['v1'], 'Role', 'roles');

  /**
   * Every kind that carries pod templates: Pod, the built-in controllers, PyTorchJob and InferenceService.
   */
  public static workloads(): ResourceKind[] {
    return [ResourceKind.POD, ResourceKind.DEPLOYMENT, ResourceKind.STATEFUL_SET, ResourceKind.DAEMON_SET,
      ResourceKind.REPLICA_SET, ResourceKind.JOB, ResourceKind.CRON_JOB, ResourceKind.PYTORCH_JOB, ResourceKind.INFERENCE_SERVICE];
  }

  /**
   * The long-running workload kinds (no Jobs, no bare Pods): Deployment, StatefulSet, DaemonSet, ReplicaSet.
   */
  public static longRunning(): ResourceKind[] {
    return [ResourceKind.DEPLOYMENT, ResourceKind.STATEFUL_SET, ResourceKind.DAEMON_SET, ResourceKind.REPLICA_SET];
  }

  /**
   * Any other kind (no pod templates): rules over it use `object` directly.
   *
   * @param apiVersion `group/version` or `v1` for the core group
   * @param kind the kind (`HTTPRoute`)
   * @param resource the plural resource name (`httproutes`)
   */
  public static of(apiVersion: string, kind: string, resource: string): ResourceKind {
    checkArgs('policy.ResourceKind#of', [apiVersion, kind, resource]);
    const m = /^(?:([a-z0-9.-]+)\/)?(v[0-9]+(?:(?:alpha|beta)[0-9]+)?)$/.exec(apiVersion ?? '');
    if (!m) throw new ValidationError('apiVersion', 'must be <group>/<version> or a core version', apiVersion, "use e.g. 'gateway.networking.k8s.io/v1' or 'v1'");
    if (!/^[A-Z][A-Za-z0-9]*$/.test(kind ?? '')) throw new ValidationError('kind', 'must be a Kubernetes kind in PascalCase', kind, "use e.g. 'HTTPRoute'");
    if (!/^[a-z][a-z0-9-]*$/.test(resource ?? '')) throw new ValidationError('resource', 'must be the lowercase plural resource name', resource, "use e.g. 'httproutes'");
    return new ResourceKind(m[1] ?? '', [m[2]], kind, resource);
  }

  private static templated(group: string, kind: string, resource: string): ResourceKind {
    return new ResourceKind(group, ['v1'], kind, resource, [{ spec: 'object.spec.template.spec', metadata: 'object.spec.template.metadata' }]);
  }

  /** The API group (`''` for core). */
  public readonly group: string;
  /** The API versions matched. */
  public readonly versions: string[];
  /** The kind. */
  public readonly kind: string;
  /** The plural resource name. */
  public readonly resource: string;
  /** @internal */
  public readonly _podTemplates: PodTemplateLocation[];

  private constructor(group: string, versions: string[], kind: string, resource: string, podTemplates: PodTemplateLocation[] = []) {
    this.group = group;
    this.versions = versions;
    this.kind = kind;
    this.resource = resource;
    this._podTemplates = podTemplates;
  }

  /** Whether the kind carries pod templates. */
  public get hasPodTemplates(): boolean {
    return this._podTemplates.length > 0;
  }

  /** `group/version` of the first version (`v1` for core). */
  public get apiVersion(): string {
    return this.group === '' ? this.versions[0] : `${this.group}/${this.versions[0]}`;
  }

  /** Whether an object with this apiVersion/kind is of this kind. */
  public matches(apiVersion: string, kind: string): boolean {
    if (kind !== this.kind || typeof apiVersion !== 'string') return false;
    const slash = apiVersion.lastIndexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    return group === this.group;
  }
}
