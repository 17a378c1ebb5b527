/**
 * The Kubeflow training operator v1 (kubeflow/trainer v1.9.4, 4445c12aa62e4345b0c2c6ac9b215a70eca46ed7;
 * vendored in schemas/upstream/charts/training-operator-v1.9.4/, see its SOURCES.md), as the platform
 * installs it: the upstream `manifests/overlays/standalone` kustomization, patched.
 *
 * The operator adds an `init-pytorch` init container to every PyTorchJob worker (it waits for the master's
 * DNS name). Upstream (pkg/controller.v1/pytorch/initcontainer.go) renders it from the file named by
 * `--pytorch-init-container-template-file` (default /etc/config/initContainer.yaml) when that file
 * exists, otherwise from a built-in template with image `alpine:3.10` (pkg/config/config.go) and no
 * securityContext: refused by Pod Security `restricted` and by the platform's image rules. The
 * patch mounts the template below at that path and passes the (mirrored) image.
 */

/** The upstream Deployment (manifests/base/deployment.yaml) and its container. */
export const OPERATOR_DEPLOYMENT = 'training-operator';
/** The image the overlay runs (manifests/overlays/standalone/kustomization.yaml `images`). */
export const OPERATOR_IMAGE = 'ghcr.io/kubeflow/training-v1/training-operator';
export const OPERATOR_IMAGE_UPSTREAM = `${OPERATOR_IMAGE}:v1-93c5489`;
/** pkg/config/config.go PyTorchInitContainerImageDefault. */
export const INIT_IMAGE_UPSTREAM = 'alpine:3.10';
/** pkg/config/config.go PyTorchInitContainerTemplateFileDefault. */
export const INIT_TEMPLATE_FILE = '/etc/config/initContainer.yaml';
/** The pod annotation the template is projected from (a downward API volume: no extra ConfigMap to order). */
export const INIT_TEMPLATE_ANNOTATION = 'llm-platform.io/pytorch-init-container-template';

/**
 * The init container template: upstream's built-in template (same name, command, resources; Go
 * template fields `.InitContainerImage`, `.MaxTries`, `.MasterAddr`) plus a restricted securityContext.
 * `nobody` (65534) exists in the alpine image `sh` and `nslookup` come from.
 */
export const INIT_CONTAINER_TEMPLATE = `- name: init-pytorch
  image: {{.InitContainerImage}}
  imagePullPolicy: IfNotPresent
  resources:
    limits:
      cpu: 100m
      memory: 20Mi
    requests:
      cpu: 50m
      memory: 10Mi
  securityContext:
    allowPrivilegeEscalation: false
    capabilities:
      drop:
      - ALL
    readOnlyRootFilesystem: true
    runAsNonRoot: true
    runAsUser: 65534
    runAsGroup: 65534
    seccompProfile:
      type: RuntimeDefault
  command: ['sh', '-c', 'err=1;for i in $(seq {{.MaxTries}}); do if nslookup {{.MasterAddr}}; then err=0 && break; fi;echo waiting for master; sleep 2; done; exit $err']
`;

/** The strategic merge patch of the operator Deployment. */
export function operatorPatch(initImage: string, maxTries: number): any {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: OPERATOR_DEPLOYMENT },
    spec: {
      template: {
        metadata: { annotations: { [INIT_TEMPLATE_ANNOTATION]: INIT_CONTAINER_TEMPLATE } },
        spec: {
          // distroless/static runs as root unless told otherwise (build/images/training-operator/Dockerfile)
          securityContext: { runAsNonRoot: true, runAsUser: 65532, runAsGroup: 65532, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: OPERATOR_DEPLOYMENT,
            args: [
              `--pytorch-init-container-image=${initImage}`,
              `--pytorch-init-container-template-file=${INIT_TEMPLATE_FILE}`,
              `--pytorch-init-container-max-tries=${maxTries}`,
            ],
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
            resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } },
            volumeMounts: [{ name: 'pytorch-init-container-template', mountPath: '/etc/config', readOnly: true }],
          }],
          volumes: [{
            name: 'pytorch-init-container-template',
            downwardAPI: { items: [{ path: 'initContainer.yaml', fieldRef: { fieldPath: `metadata.annotations['${INIT_TEMPLATE_ANNOTATION}']` } }] },
          }],
        },
      },
    },
  };
}

/** Drop the overlay's Namespace: Argo CD creates the add-on namespace (`CreateNamespace=true`) like every add-on's. */
export const NAMESPACE_DELETE_PATCH = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'kubeflow' }, $patch: 'delete' };
