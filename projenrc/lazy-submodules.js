/**
 * The package root loads each jsii submodule (`export * as platform from './platform'`) on first access,
 * as aws-cdk-lib does, instead of all of them at `require('cdk-llm-platform')` (issue 18: the root must
 * not pull every layer, the validation harness and their libraries in).
 *
 * TypeScript compiles a namespace re-export to an eager `exports.platform = __importStar(require("./platform"));`.
 * `lazySubmodules(js)` rewrites each such statement of a compiled module into a getter that requires the
 * submodule when it is first read (then from node's module cache). Used on lib/index.js after every compile
 * (projenrc/lazy-root.ts), by projenrc/ts-run.js on src/index.ts, and by the benchmark's transpile, so
 * every way of running the library loads it the same way. Plain JavaScript: ts-run needs it before
 * anything is compiled.
 */
'use strict';

const EAGER = /^exports\.([A-Za-z_$][\w$]*) = __importStar\(require\("(\.\/[\w./-]+)"\)\);$/gm;

/** `js` with every eager namespace re-export turned into a lazy getter; `count` says how many. */
function lazySubmodules(js) {
  let count = 0;
  const out = js.replace(EAGER, (_m, name, spec) => {
    count++;
    return `Object.defineProperty(exports, ${JSON.stringify(name)}, { enumerable: true, configurable: true, get: () => __importStar(require(${JSON.stringify(spec)})) });`;
  });
  return { js: out, count };
}

module.exports = { lazySubmodules };
