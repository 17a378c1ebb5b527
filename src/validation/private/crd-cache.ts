/**
 * A compact, pre-parsed copy of the shipped CRDs (`schemas/crds.cache.json.gz`).
 *
 * The upstream CRD YAML files are kept byte-exact for provenance, but parsing them is slow (the KServe
 * InferenceService CRD alone takes seconds). `npx projen schemas` (run by pre-compile) writes this cache:
 * for each CRD its group, kind and versions with their `openAPIV3Schema`, descriptions removed. The
 * harness reads the cache and falls back to the YAML for files that are not in it.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as YAML from 'yaml';
import { schemasDir, shippedCrdFiles } from './schema-files';

export interface CachedCrd {
  /** Path relative to `schemas/`, e.g. `crds/istio/security.istio.io_peerauthentications.yaml`. */
  readonly file: string;
  readonly name: string;
  readonly group: string;
  readonly kind: string;
  readonly versions: { name: string; served: boolean; schema?: any }[];
}

export const CACHE_FILE = 'crds.cache.json.gz';

/** Drop schema `description` annotations (not fields named `description` inside `properties`). */
function strip(node: any): any {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  const out: any = {};
  for (const key of Object.keys(node)) {
    if (key === 'description' && typeof node[key] === 'string') continue;
    out[key] = key === 'properties' ? stripProperties(node[key]) : strip(node[key]);
  }
  return out;
}

function stripProperties(properties: Record<string, any>): Record<string, any> {
  const out: Record<string, any> = {};
  for (const name of Object.keys(properties)) out[name] = strip(properties[name]);
  return out;
}

/** Build the cache document from CRD YAML files. */
export function buildCrdCache(files: string[], root: string): CachedCrd[] {
  return files.map((file) => {
    const doc = YAML.parse(fs.readFileSync(file, 'utf-8'), { maxAliasCount: -1 });
    return {
      file: path.relative(root, file).split(path.sep).join('/'),
      name: doc.metadata.name,
      group: doc.spec.group,
      kind: doc.spec.names.kind,
      versions: (doc.spec.versions ?? []).map((v: any) => ({
        name: v.name,
        served: v.served !== false,
        schema: v.schema?.openAPIV3Schema ? strip(v.schema.openAPIV3Schema) : undefined,
      })),
    };
  });
}

/** Write the cache for the shipped CRDs (deterministic bytes). */
export function writeCrdCache(): string {
  const root = schemasDir();
  const cache = buildCrdCache(shippedCrdFiles(), root);
  const out = path.join(root, CACHE_FILE);
  fs.writeFileSync(out, zlib.gzipSync(Buffer.from(JSON.stringify(cache)), { level: 9 }));
  return out;
}

let loaded: Map<string, CachedCrd> | undefined;

/** The cache, keyed by absolute YAML path; empty when the cache file is missing. */
export function loadCrdCache(): Map<string, CachedCrd> {
  if (!loaded) {
    loaded = new Map();
    const root = schemasDir();
    const file = path.join(root, CACHE_FILE);
    if (fs.existsSync(file)) {
      const entries: CachedCrd[] = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf-8'));
      for (const e of entries) loaded.set(path.join(root, e.file), e);
    }
  }
  return loaded;
}

if (require.main === module) {
  process.stdout.write(`wrote ${path.relative(process.cwd(), writeCrdCache())}\n`);
}
