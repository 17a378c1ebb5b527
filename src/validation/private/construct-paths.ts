import { resourceId } from './resource-id';

/**
 * Let cdk8s-cli name the construct of a violating resource whatever wrote the construct metadata.
 *
 * cdk8s-cli looks each violating resource's `resourceName` up in the construct metadata it loaded
 * (`context.metadata`, from `construct-metadata.json`; lib/plugins/validation.js `addViolation`). The
 * library's plugins name resources `<apiVersion>/<kind> [<namespace>/]<name>` (`resourceId`), which
 * `KubernetesPlatform.synth()` records; cdk8s's own `App.synth()` records `metadata.name` only. For an id
 * without an entry, this adds one from the entry of its `metadata.name` when that name is unique among the
 * validated objects (cdk8s keeps the last object of a repeated name, so a repeated name could point at
 * another object's construct).
 */
export function aliasConstructPaths(context: any, objects: any[]): void {
  const metadata = context?.metadata;
  if (!metadata || typeof metadata !== 'object') return;
  const names = new Map<string, number>();
  for (const o of objects) {
    const name = o?.metadata?.name;
    if (typeof name === 'string') names.set(name, (names.get(name) ?? 0) + 1);
  }
  for (const o of objects) {
    const name = o?.metadata?.name;
    if (typeof name !== 'string' || names.get(name) !== 1) continue;
    const id = resourceId(o);
    if (metadata[id] === undefined && metadata[name] !== undefined) metadata[id] = metadata[name];
  }
}
