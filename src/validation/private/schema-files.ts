import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';

/**
 * The `schemas/` folder that ships with the package (works from `src/` under ts-node/jest and from
 * the compiled `lib/`).
 */
export function schemasDir(): string {
  const candidates = [path.resolve(__dirname, '..', '..', '..', 'schemas'), path.resolve(__dirname, '..', '..', 'schemas')];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'k8s'))) return c;
  throw new Error(`cdk-llm-platform: schemas/ not found next to ${__dirname}; the package is incomplete`);
}

/** Kubernetes OpenAPI versions shipped in `schemas/k8s/` (e.g. `1.28`, `1.34`). */
export function shippedKubernetesSchemas(): string[] {
  return fs.readdirSync(path.join(schemasDir(), 'k8s'))
    .filter((d) => /^v\d+\.\d+\.\d+$/.test(d))
    .map((d) => d.replace(/^v(\d+\.\d+)\.\d+$/, '$1'))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}

export function kubernetesDefinitionsFile(minor: string): string {
  return path.join(schemasDir(), 'k8s', `v${minor}.0`, '_definitions.json');
}

/** Every CRD YAML file shipped in `schemas/crds/`, sorted. */
export function shippedCrdFiles(): string[] {
  const root = path.join(schemasDir(), 'crds');
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(p);
      else if (/\.ya?ml$/.test(entry.name)) out.push(p);
    }
  };
  walk(root);
  return out.sort();
}

let awsSchema: any;

/** The hashicorp/aws 6.25.0 provider schema (`terraform providers schema -json` shape). */
export function awsProviderSchema(): any {
  if (!awsSchema) {
    const file = path.join(schemasDir(), 'terraform', 'aws-provider-6.25.0-schema.json.gz');
    awsSchema = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString('utf-8'));
  }
  return awsSchema;
}
