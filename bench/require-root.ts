/**
 * One cold `require` of the package root (spawned by `bench/run.ts`): node start, then
 * `require('../src/index')` (the transpiled package root, `bench/out/js/src/index.js`) and nothing
 * else. Prints one JSON line: node boot (`bootMs`), the require itself (`requireMs`), node start to the
 * require done (`doneMs`, the figure the target is about), the modules node loaded (`modules`, from
 * `require.cache`) and their count per package (`byPackage`, most first).
 *
 * Usage: node bench/out/js/bench/require-root.js
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the package root is required after the first timestamp, on purpose */

const bootMs = performance.now();

function main(): void {
  const started = process.hrtime.bigint();
  require('../src/index');
  const requireMs = Number(process.hrtime.bigint() - started) / 1e6;
  const doneMs = performance.now();

  const path = require('path') as typeof import('path');
  const js = path.resolve(__dirname, '..');
  const root = path.resolve(js, '..', '..', '..');
  const byPackage = new Map<string, number>();
  const modules = Object.keys(require.cache);
  for (const file of modules) {
    const name = packageOf(file, js, root, path.sep);
    byPackage.set(name, (byPackage.get(name) ?? 0) + 1);
  }
  const result = {
    mode: 'require',
    bootMs: round(bootMs),
    requireMs: round(requireMs),
    loadMs: round(requireMs),
    doneMs: round(doneMs),
    totalMs: round(doneMs),
    modules: modules.length,
    byPackage: [...byPackage.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    maxRssMiB: round(process.resourceUsage().maxRSS / 1024),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** The npm package a loaded file belongs to; the library itself (code and schema data), or `(bench)`. */
function packageOf(file: string, js: string, root: string, sep: string): string {
  const nm = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(nm);
  if (at >= 0) {
    const parts = file.slice(at + nm.length).split(sep);
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  if (file.startsWith(`${js}${sep}src${sep}`) || file.startsWith(`${root}${sep}schemas${sep}`)) return 'cdk-llm-platform (the library)';
  if (file.startsWith(`${js}${sep}bench${sep}`)) return '(bench)';
  return '(other)';
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

main();
