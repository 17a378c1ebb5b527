/**
 * `npx projen parse-caches`: write the parse results of the library's own expressions, which synth would
 * otherwise compute on every run (issues 12 and 18):
 * - schemas/cel-parse-cache.json.gz, the pre-parsed CEL of the library's own rules
 *   (src/validation/private/cel-parse-cache.ts says why and how it is read);
 * - schemas/promql-shapes.json.gz, the metric names of the PromQL shapes the twin reads in the example
 *   platforms' output (src/twin/private/promql-shapes.ts).
 *
 * Which CEL expressions: every built-in rule of the catalogue (baseline, the factories, the Pod Security rules
 * of every release and level) plus every expression the engine parses while the example platforms
 * (examples/<name>/platform.ts exporting `spec`) synthesize: the workload variables of each kind set, the
 * rules' expressions, the twin's admission. Each is parsed by the installed `@bufbuild/cel` and stored as
 * its binary `ParsedExpr`. Offline and deterministic (sorted entries, gzip without a timestamp).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import * as cel from '@bufbuild/cel';
import * as cdk8s from 'cdk8s';
import { KubernetesPlatform, PlatformSpec } from '../src/platform';
import { PodSecurityLevel, PolicyCatalogue, PolicyRule } from '../src/policy';
import { PROMQL_SHAPES_FILE, PromqlShapesFile, promqlParserVersion, recordPromqlShapes } from '../src/twin/private/promql-shapes';
import { compileCel } from '../src/validation/private/cel-engine';
import { CEL_PARSE_CACHE_FILE, CelParseCacheFile, encodeParseCache, recordParsedExpressions } from '../src/validation/private/cel-parse-cache';
import { schemasDir } from '../src/validation/private/schema-files';
import { PromQL } from '../src/validation/promql';

const ROOT = path.resolve(__dirname, '..');

/** The library's own rules, every release and level. */
export function builtInRules(): PolicyRule[] {
  return [
    ...PolicyCatalogue.baseline(),
    PolicyCatalogue.allowedRegistries(['123456789012.dkr.ecr.us-east-1.amazonaws.com']),
    PolicyCatalogue.loadBalancerNamespaces(),
    ...PolicyCatalogue.podSecurityVersions().flatMap((v) => [
      ...PolicyCatalogue.podSecurity(v, PodSecurityLevel.BASELINE),
      ...PolicyCatalogue.podSecurity(v, PodSecurityLevel.RESTRICTED),
    ]),
  ];
}

/** The example platforms' specs, by directory name. */
export function exampleSpecs(): Array<[string, PlatformSpec]> {
  const dir = path.join(ROOT, 'examples');
  return fs.readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && fs.existsSync(path.join(dir, e.name, 'platform.ts')))
    .map((e) => e.name)
    .sort()
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    .map((name): [string, any] => [name, require(path.join(dir, name, 'platform')).spec])
    .filter(([, spec]) => spec !== undefined);
}

/** Every CEL expression and PromQL shape the built-in rules and the example platforms' synth parse. */
export function collectExpressions(): { cel: string[]; promqlShapes: string[] } {
  const seen = recordParsedExpressions();
  const shapes = recordPromqlShapes();
  for (const rule of builtInRules()) {
    compileCel(rule.expression, ['object', 'oldObject', 'request', 'namespaceObject', 'variables', 'authorizer']);
  }
  for (const [name, spec] of exampleSpecs()) {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `cel-cache-${name}-`));
    try {
      new KubernetesPlatform(new cdk8s.App({ outdir }), spec.name, { spec }).synth();
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }
  return { cel: [...seen].sort(), promqlShapes: [...shapes].sort() };
}

/** The file's content for `expressions`, parsed now by the installed parser. */
export function buildParseCache(expressions: string[]): CelParseCacheFile {
  return encodeParseCache(expressions.map((e) => [e, cel.parse(e)]));
}

/** The PromQL file's content for `shapes`: the metric names of those that parse, by the installed grammar. */
export function buildPromqlShapes(shapes: string[]): PromqlShapesFile {
  const entries: Array<[string, string[]]> = [];
  for (const shape of [...new Set(shapes)].sort()) {
    const r = PromQL.parse(shape);
    if (r.ok) entries.push([shape, r.metricNames]);
  }
  return { parser: promqlParserVersion(), entries };
}

function write(file: string, content: unknown): string {
  const out = path.join(schemasDir(), file);
  fs.writeFileSync(out, zlib.gzipSync(Buffer.from(`${JSON.stringify(content)}\n`), { level: 9 }));
  return path.relative(ROOT, out);
}

if (require.main === module) {
  const collected = collectExpressions();
  const parsed = buildParseCache(collected.cel);
  process.stdout.write(`${write(CEL_PARSE_CACHE_FILE, parsed)}: ${parsed.entries.length} expressions (parser ${parsed.parser})\n`);
  const promql = buildPromqlShapes(collected.promqlShapes);
  process.stdout.write(`${write(PROMQL_SHAPES_FILE, promql)}: ${promql.entries.length} shapes (parser ${promql.parser})\n`);
}
