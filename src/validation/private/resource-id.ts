/**
 * How the validation reports name a Kubernetes object: `<apiVersion>/<kind> [<namespace>/]<name>`
 * (`apps/v1/Deployment search/llama3-8b`, `v1/Namespace search`). The cdk8s validation plugins use it as
 * the violating resource's name, and `construct-metadata.json` (written by `KubernetesPlatform.synth()`
 * when cdk8s-cli asks for construct metadata) maps it to the construct path.
 */
export function resourceId(obj: any): string {
  const gvk = `${obj?.apiVersion ?? '?'}/${obj?.kind ?? '?'}`;
  const name = obj?.metadata?.name ?? '<unnamed>';
  return obj?.metadata?.namespace ? `${gvk} ${obj.metadata.namespace}/${name}` : `${gvk} ${name}`;
}
