/**
 * `construct-metadata.json`: what cdk8s-cli reads after `cdk8s synth` to name the construct of each
 * violating resource in its validation reports (otherwise "Construct Path: N/A").
 *
 * cdk8s-cli 2.x (`lib/cli/cmds/synth.js`, `lib/util.js`) runs the app with
 * `CDK8S_RECORD_CONSTRUCT_METADATA=true` when `cdk8s.yaml` has validations, then loads
 * `<outdir>/construct-metadata.json` (`{ version: '1.0.0', resources: { <resourceName>: { path } } }`,
 * `lib/plugins/validation.js` `loadConstructMetadata`) and looks each violating resource's
 * `resourceName` up in it. cdk8s's `App.synth()` writes it keyed by `metadata.name`
 * (`lib/app.js` `writeConstructMetadata`); `KubernetesPlatform.synth()` writes it itself (it does not use
 * `App.synth()`), keyed by the resource ids this library's plugins report (`resourceId`) and by
 * `metadata.name` where that name is unique, for other plugins.
 */
import * as fs from 'fs';
import * as path from 'path';
import { resourceId } from '../../validation/private/resource-id';

export const CONSTRUCT_METADATA_FILE = 'construct-metadata.json';

/** The file's document (cdk8s-cli accepts version 1.0.0). */
export interface ConstructMetadata {
  readonly version: string;
  readonly resources: Record<string, { path: string }>;
}

/** Whether the app was asked to record construct metadata (App prop `recordConstructMetadata`, or cdk8s-cli's environment variable). */
export function recordsConstructMetadata(app: unknown): boolean {
  const prop = (app as { recordConstructMetadata?: boolean } | undefined)?.recordConstructMetadata;
  return prop ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
}

/** The `construct-metadata.json` document for the objects and their construct paths. */
export function constructMetadata(entries: { resource: any; constructPath?: string }[]): ConstructMetadata {
  const resources: Record<string, { path: string }> = {};
  const names = new Map<string, number>();
  for (const e of entries) {
    const name = e.resource?.metadata?.name;
    if (typeof name === 'string') names.set(name, (names.get(name) ?? 0) + 1);
  }
  for (const e of entries) {
    if (e.constructPath === undefined) continue;
    resources[resourceId(e.resource)] = { path: e.constructPath };
    const name = e.resource?.metadata?.name;
    if (typeof name === 'string' && names.get(name) === 1) resources[name] = { path: e.constructPath };
  }
  return { version: '1.0.0', resources };
}

/** Write `<outdir>/construct-metadata.json`. */
export function writeConstructMetadata(outdir: string, entries: { resource: any; constructPath?: string }[]): void {
  fs.mkdirSync(outdir, { recursive: true });
  fs.writeFileSync(path.join(outdir, CONSTRUCT_METADATA_FILE), JSON.stringify(constructMetadata(entries)));
}
