#!/usr/bin/env node
/**
 * Run a TypeScript entry point (`node projenrc/ts-run.js examples/reference/synth.ts [args]`) without
 * paying for TypeScript on every run: each `.ts` file is transpiled once (TypeScript `transpileModule`,
 * CommonJS, as ts-node --transpile-only with test/tsconfig.json would) and kept in a content-addressed
 * cache under node_modules/.cache/cdk-llm-platform-ts/ (key: TypeScript version, options, path, source).
 * A run that finds every file in the cache never loads the TypeScript compiler (issue 18: README
 * command 1 must not pay for compiling the library on each run). No type checking: `npm test` (jsii,
 * tsc over test/) does that.
 *
 * Plain JavaScript on purpose: it is what runs before anything is compiled.
 */
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { lazySubmodules } = require('./lazy-submodules');

const ROOT = path.resolve(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'cdk-llm-platform-ts');
const COMPILER_OPTIONS = {
  module: 'commonjs',
  target: 'es2022',
  esModuleInterop: true,
  experimentalDecorators: true,
  inlineSourceMap: true,
  inlineSources: false,
};
const TS_VERSION = JSON.parse(fs.readFileSync(require.resolve('typescript/package.json', { paths: [ROOT] }), 'utf-8')).version;
// The package root's submodules load on first access, as in the published lib/index.js (lazy-submodules.js).
const PACKAGE_ROOT = path.join(ROOT, 'src', 'index.ts');
const TRANSFORMS = 'lazy-submodules/1';
const KEY_PREFIX = `${TS_VERSION}\u0000${JSON.stringify(COMPILER_OPTIONS)}\u0000${TRANSFORMS}\u0000`;

let ts;
let options;
let misses = 0;

function transpile(source, filename) {
  if (!ts) {
    ts = require(require.resolve('typescript', { paths: [ROOT] }));
    options = ts.convertCompilerOptionsFromJson(COMPILER_OPTIONS, ROOT).options;
  }
  misses++;
  const js = ts.transpileModule(source, { fileName: filename, compilerOptions: options }).outputText;
  return filename === PACKAGE_ROOT ? lazySubmodules(js).js : js;
}

require.extensions['.ts'] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, 'utf-8');
  const key = crypto.createHash('sha1').update(KEY_PREFIX).update(filename).update('\u0000').update(source).digest('hex');
  const cached = path.join(CACHE, key.slice(0, 2), `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, 'utf-8');
  } catch {
    js = transpile(source, filename);
    fs.mkdirSync(path.dirname(cached), { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, js);
    fs.renameSync(tmp, cached);
  }
  module._compile(js, filename);
};

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node projenrc/ts-run.js <file.ts> [args...]\n');
  process.exit(2);
}
process.argv = [process.argv[0], path.resolve(entry), ...args];
if (process.env.TS_RUN_DEBUG) {
  process.on('exit', () => process.stderr.write(`ts-run: ${misses} file(s) transpiled, the rest from ${path.relative(process.cwd(), CACHE)}\n`));
}
// As `node <entry>` would: the entry is the main module (`require.main === module` holds in it).
require('module')._load(path.resolve(entry), null, true);
