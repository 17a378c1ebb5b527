/**
 * Post-compile step: the package root (lib/index.js) loads the `app` submodule, projen's project type
 * `LlmPlatformApp`, on first access instead of at require time, so `require('cdk-llm-platform')` never loads
 * projen (an optional peer dependency that apps without the template do not install; issue 18's
 * require budget). tsc compiles `export * as app from './app'` to an eager
 * `exports.app = __importStar(require("./app"));`; this rewrites that one statement into a getter, then
 * requires the root in a fresh process and fails if any projen module was loaded.
 *
 * `projen new --from cdk-llm-platform` still finds the type: it reads the .jsii assembly, then spreads the
 * root's exports into its VM context, which calls the getter.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';

const root = path.join(__dirname, '..');
const file = path.join(root, 'lib', 'index.js');
const EAGER = 'exports.app = __importStar(require("./app"));';
const LAZY = 'Object.defineProperty(exports, "app", { enumerable: true, configurable: true, get: () => __importStar(require("./app")) });';

// The same getter projenrc/lazy-submodules.js writes for every submodule: whichever step runs first, the
// other finds nothing to do. What matters is checked below, however the root is written.
const js = fs.readFileSync(file, 'utf-8');
if (js.includes(EAGER)) fs.writeFileSync(file, js.replace(EAGER, LAZY));

const projenDir = JSON.stringify(`${path.sep}node_modules${path.sep}projen${path.sep}`);
const probe = `require(${JSON.stringify(file)}); console.log(Object.keys(require.cache).filter((m) => m.includes(${projenDir})).length)`;
const loaded = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf-8' }).trim();
if (loaded !== '0') {
  throw new Error(`requiring ${file} loaded ${loaded} projen modules; the root must not load projen (keep the 'app' submodule lazy)`);
}
