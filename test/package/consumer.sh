#!/usr/bin/env bash
# The package as users get it (`npx projen test:package`, run by .ci/run after `npm test`, which compiled lib/):
#  1. `npm pack` the compiled package;
#  2. `npx projen new --from <tarball>` in a fresh temp dir: projen installs the tarball, the app template
#     declares the construct frameworks at the library's peer ranges and the real CLIs (cdk8s-cli,
#     cdktf-cli), npm installs them (from the npm cache CI's `npm ci` filled: --prefer-offline);
#  3. `require('cdk-llm-platform')` in the app (bundled dependencies complete, no projen loaded);
#  4. the template app: `npx cdk8s synth` (with its validation plugins) and `npx cdktf synth`;
#  5. the reference fleet (examples/reference: three clusters, its cdk8s.yaml plugins on) as an app holds it: copied
#     into the app with the repo-relative imports (../../src/<x>) turned into package imports
#     (cdk-llm-platform/lib/<x>), then both CLIs;
#  6. the output checked: files written, every plugin reported success with 0 violations, cdk.tf.json
#     parses and has the cluster, node groups and model store;
#  7. the peer ranges' lower bounds: the template app's entry points with the lowest published version of
#     each peer range (constructs, cdk8s, cdk8s-plus-28, cdktf, @cdktf/provider-aws).
# Python: built with jsii-pacmak only when its toolchain (pip, twine, build) is installed; otherwise it says so.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
started=$(date +%s)
step() { echo "== test:package [$(( $(date +%s) - started ))s] $*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cdk-llm-platform-package.XXXXXX")
if [ -z "${KEEP_PACKAGE_CHECK:-}" ]; then trap 'rm -rf "$work"' EXIT; else echo "(keeping $work)"; fi

export npm_config_prefer_offline=true npm_config_audit=false npm_config_fund=false npm_config_update_notifier=false
export CHECKPOINT_DISABLE=1 DISABLE_VERSION_CHECK=1   # cdktf-cli: no telemetry, no version check
version_of() { node -p "require('$ROOT/node_modules/$1/package.json').version"; }

step "npm pack"
[ -f lib/index.js ] && [ -f .jsii ] || { echo "lib/ is not compiled: run 'npx projen compile' first"; exit 1; }
npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/cdk-llm-platform-*.tgz)
# Every dependency and peer dependency of the bundled packages must be in the tarball.
node - "$tarball" <<'EOF'
const { execFileSync } = require('child_process');
const files = new Set(execFileSync('tar', ['tzf', process.argv[2]], { encoding: 'utf-8', maxBuffer: 1 << 28 }).split('\n'));
const pkg = require('./package.json');
const missing = [];
const seen = new Set();
const visit = (name) => {
  if (seen.has(name)) return;
  seen.add(name);
  const manifest = `package/node_modules/${name}/package.json`;
  if (!files.has(manifest)) { missing.push(name); return; }
  const dep = require(`./node_modules/${name}/package.json`);
  for (const d of Object.keys({ ...dep.dependencies, ...dep.peerDependencies })) visit(d);
};
for (const name of pkg.bundledDependencies) visit(name);
if (missing.length) { console.error(`not in the tarball: ${missing.join(', ')}`); process.exit(1); }
console.log(`${seen.size} bundled packages, their dependencies and peer dependencies included`);
EOF

step "projen new --from cdk-llm-platform@file:<tarball>"
app="$work/app"
mkdir "$app"
cd "$app"
npm install --silent --no-package-lock --save-dev "projen@$(version_of projen)" >/dev/null
# As a user creates an app on their machine: with CI set, projen installs with `npm ci`, which needs the
# lockfile a new app does not have yet (the app's own CI later has it committed).
env -u CI npx projen new --from "cdk-llm-platform@file:$tarball" --no-git --platform-name acme-llm >"$work/projen-new.log" 2>&1 \
  || { tail -40 "$work/projen-new.log"; exit 1; }
for f in .projenrc.ts src/platform.ts src/main.k8s.ts src/main.tf.ts test/platform.test.ts cdk8s.yaml cdktf.json README.md; do
  [ -f "$f" ] || { echo "projen new did not write $f"; exit 1; }
done
grep -q "new app.LlmPlatformApp(" .projenrc.ts || { echo ".projenrc.ts does not create app.LlmPlatformApp"; exit 1; }

step "require('cdk-llm-platform') in the app"
node -e "
const t = Date.now();
const lib = require('cdk-llm-platform');
const ms = Date.now() - t;
const projen = Object.keys(require.cache).filter((m) => m.includes('/node_modules/projen/'));
if (projen.length) { console.error('the package root loaded projen'); process.exit(1); }
for (const ns of ['platform', 'k8s', 'policy', 'validation', 'aws']) if (typeof lib[ns] !== 'object') { console.error('missing submodule ' + ns); process.exit(1); }
console.log('required in ' + ms + ' ms; installed peers: ' + ['constructs', 'cdk8s', 'cdk8s-plus-28', 'cdktf', '@cdktf/provider-aws']
  .map((p) => p + '@' + require(p + '/package.json').version).join(', '));
"

# `cdk8s synth` then the checks on its output: N files under dist/, every plugin report a success.
check_k8s() {
  local log=$1 min_files=$2
  local files
  files=$(find dist -name '*.k8s.yaml' | wc -l)
  [ "$files" -ge "$min_files" ] || { echo "cdk8s synth wrote $files files (expected at least $min_files)"; exit 1; }
  local reports successes
  reports=$(grep -c '^Validation Report' "$log" || true)
  successes=$(grep -cE '^║ Status +│ success' "$log" || true)
  [ "$reports" -eq 2 ] && [ "$successes" -eq 2 ] || { grep -v '^  - dist' "$log" | tail -60; echo "expected 2 validation reports, both success (got $reports, $successes)"; exit 1; }
  grep -q 'Validations ended succesfully' "$log" || { echo "cdk8s reported failed validations"; exit 1; }
  echo "cdk8s synth: $files files, 2 validation plugins, 0 violations"
}
# `cdktf synth` then the checks on cdk.tf.json.
check_tf() {
  local stack=$1
  node -e "
const tf = JSON.parse(require('fs').readFileSync('cdktf.out/stacks/$stack/cdk.tf.json', 'utf-8'));
const r = tf.resource || {};
const count = (t) => Object.keys(r[t] || {}).length;
const missing = ['aws_eks_cluster', 'aws_eks_node_group', 'aws_s3_bucket', 'aws_kms_key'].filter((t) => count(t) === 0);
if (missing.length) { console.error('cdk.tf.json has no ' + missing.join(', ')); process.exit(1); }
console.log('cdktf synth: ' + Object.values(r).reduce((n, x) => n + Object.keys(x).length, 0) + ' resources of ' + Object.keys(r).length + ' types');
"
}

step "template app: cdk8s synth"
npx cdk8s synth >"$work/k8s-app.log" 2>&1 || { grep -v '^  - dist' "$work/k8s-app.log" | tail -60; exit 1; }
check_k8s "$work/k8s-app.log" 50
step "template app: cdktf synth"
npx cdktf synth >"$work/tf-app.log" 2>&1 || { tail -40 "$work/tf-app.log"; exit 1; }
check_tf acme-llm

step "reference fleet: cdk8s synth (one GitOps tree for three clusters)"
ref="$app/reference"
mkdir "$ref"
cp "$ROOT"/examples/reference/{platform.ts,main.k8s.ts,main.tf.ts,cdk8s.yaml,cdktf.json,tsconfig.json} "$ref/"
sed -i -E "s#'\.\./\.\./src'#'cdk-llm-platform'#; s#'\.\./\.\./src/([a-z0-9-]+)'#'cdk-llm-platform/lib/\1'#" "$ref"/*.ts
if grep -n "\.\./\.\./" "$ref"/*.ts; then echo "examples/reference imports outside the package API"; exit 1; fi
ln -s ../node_modules "$ref/node_modules"   # the reference's cdk8s.yaml loads ./node_modules/cdk-llm-platform
cd "$ref"
npx cdk8s synth >"$work/k8s-ref.log" 2>&1 || { grep -v '^  - dist' "$work/k8s-ref.log" | tail -60; exit 1; }
check_k8s "$work/k8s-ref.log" 800
step "reference fleet: cdktf synth (one stack per cluster)"
npx cdktf synth >"$work/tf-ref.log" 2>&1 || { tail -40 "$work/tf-ref.log"; exit 1; }
for stack in acme-llm-staging acme-llm-prod acme-llm-prod-eu-west-1; do check_tf "$stack"; done
[ -f dist/.llm-platform.json ] && [ -d dist/fleet ] || { echo "cdk8s synth wrote no fleet tree (dist/fleet, dist/.llm-platform.json)"; exit 1; }

step "lowest peer versions: the template app's both sides with the lowest version of each peer range"
# The lowest published version of each (non-optional) peer range, installed with the tarball in a separate
# dir (no CLIs: their own dependencies need newer cdk8s); the app's entry points run through ts-node.
low="$work/lowest"
mkdir "$low"
cd "$low"
echo '{"name":"lowest","private":true}' >package.json
lowest=$(node -e "
const { execFileSync } = require('child_process');
const pkg = require('$ROOT/package.json');
const optional = pkg.peerDependenciesMeta || {};
const specs = Object.entries(pkg.peerDependencies).filter(([n]) => !(optional[n] && optional[n].optional)).map(([name, range]) => {
  const out = JSON.parse(execFileSync('npm', ['view', name + '@' + range, 'version', '--json'], { encoding: 'utf-8' }));
  const versions = require('$ROOT/node_modules/semver').sort([].concat(out));
  return name + '@' + versions[0];
});
console.log(specs.join(' '));
")
echo "installing $lowest"
# shellcheck disable=SC2086
npm install --silent --no-package-lock "$tarball" $lowest >/dev/null
cp -r "$app/src" "$app/tsconfig.json" .
CDK8S_OUTDIR="$low/dist" node -r "$app/node_modules/ts-node/register/transpile-only" src/main.k8s.ts
files=$(find dist -name '*.k8s.yaml' | wc -l)
[ "$files" -ge 50 ] || { echo "main.k8s.ts wrote $files files with the lowest peers"; exit 1; }
node -r "$app/node_modules/ts-node/register/transpile-only" src/main.tf.ts
check_tf acme-llm
echo "lowest peers: $lowest: $files manifests (platform checks passed), cdk.tf.json checked"

cd "$ROOT"
if python3 -m pip --version >/dev/null 2>&1 && command -v twine >/dev/null 2>&1 && python3 -c 'import build' 2>/dev/null; then
  step "python: jsii-pacmak --target python"
  npx jsii-pacmak --target python --outdir "$work/dist"
  ls "$work"/dist/python/*.whl
else
  echo "== test:package: python not built (jsii-pacmak needs pip, twine and build; not all installed here): only the JavaScript package is verified"
fi
step "done"
