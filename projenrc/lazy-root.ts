/**
 * Post-compile step: the package root (lib/index.js) loads each submodule on first access instead of at
 * `require('cdk-llm-platform')` (projenrc/lazy-submodules.js rewrites tsc's eager namespace re-exports into
 * getters, as aws-cdk-lib's root does). Requiring the root then loads no layer, none of the heavy libraries
 * (cdktf, the AWS provider, ajv, yaml, CEL, the Grafana SDK) and never projen, the optional peer of the `app`
 * template (issue 18's require budget). The step then requires the root in a fresh process and fails if any
 * of those was loaded, or if a submodule is missing from the root's exports.
 *
 * `projen new --from cdk-llm-platform` still finds the `app` project type: it reads the .jsii assembly, then
 * spreads the root's exports into its VM context, which calls the getter.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { lazySubmodules } = require('./lazy-submodules') as { lazySubmodules(js: string): { js: string; count: number } };

const root = path.join(__dirname, '..');
const file = path.join(root, 'lib', 'index.js');
const SUBMODULES = ['validation', 'k8s', 'policy', 'mesh', 'gitops', 'observability', 'aws', 'platform', 'twin', 'app'];
/** Packages the root must not load when required. */
const HEAVY = ['projen', 'cdktf', '@cdktf/provider-aws', 'ajv', 'yaml', '@bufbuild/cel', '@bufbuild/protobuf', '@grafana/grafana-foundation-sdk', '@prometheus-io/lezer-promql'];

const rewritten = lazySubmodules(fs.readFileSync(file, 'utf-8'));
if (rewritten.count > 0) fs.writeFileSync(file, rewritten.js);

const probe = `
const root = require(${JSON.stringify(file)});
const loaded = {};
for (const f of Object.keys(require.cache)) {
  const m = /node_modules[\\\\/]((@[^\\\\/]+[\\\\/])?[^\\\\/]+)/.exec(f);
  if (m) loaded[m[1].replace(/\\\\/g, '/')] = (loaded[m[1].replace(/\\\\/g, '/')] || 0) + 1;
}
console.log(JSON.stringify({ loaded, exports: Object.keys(root) }));`;
const result = JSON.parse(execFileSync(process.execPath, ['-e', probe], { encoding: 'utf-8' }));
const heavy = HEAVY.filter((p) => result.loaded[p]);
if (heavy.length > 0) {
  throw new Error(`requiring ${file} loaded ${heavy.map((p) => `${p} (${result.loaded[p]} modules)`).join(', ')}; the root must load its submodules on first access (projenrc/lazy-submodules.js)`);
}
const missing = SUBMODULES.filter((s) => !result.exports.includes(s));
if (missing.length > 0) throw new Error(`${file} does not export ${missing.join(', ')}`);
