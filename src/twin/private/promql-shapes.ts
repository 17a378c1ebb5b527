import { installedVersion } from '../../validation/private/package-version';
import { ParseResultsFile, readParseResults } from '../../validation/private/parse-results-file';

/**
 * The metric names of the library's own PromQL, shipped pre-computed (issue 12: the twin's share of synth).
 *
 * The twin reads which metrics every alert, recording rule, dashboard query and KEDA trigger selects
 * (./references.ts `selectedMetrics`), parsing each expression shape with the Prometheus grammar
 * (`PromQL.parse`, @prometheus-io/lezer-promql): about 20 ms of every synth for the shapes the library itself
 * writes. `schemas/promql-shapes.json.gz` holds the parser's answer (metric names; only shapes that parse)
 * for those shapes, stamped with the parser's version. A shape that is not in the file (a user's rule) or a
 * file of another parser version is parsed as before: the file can make a run faster, never different.
 *
 * Written by `npx projen parse-caches` (projenrc/parse-caches.ts) from the example platforms;
 * test/twin/promql-shapes.test.ts fails when it is stale or its answers differ from the parser's.
 */

/** The file, under schemas/. */
export const PROMQL_SHAPES_FILE = 'promql-shapes.json.gz';

/** What the file holds: the metric names of each shape that parses. */
export type PromqlShapesFile = ParseResultsFile<string[]>;

let entries: Map<string, string[]> | undefined;
let recorder: Set<string> | undefined;

/** The installed grammar's version. */
export function promqlParserVersion(): string {
  return installedVersion('@prometheus-io/lezer-promql');
}

function load(): Map<string, string[]> {
  entries ??= readParseResults<string[]>(PROMQL_SHAPES_FILE, promqlParserVersion());
  return entries;
}

/** The metric names of a shape that parses, from the file; undefined when the file does not hold it. */
export function knownShape(shape: string): string[] | undefined {
  recorder?.add(shape);
  return load().get(shape);
}

/** From now on, record every shape the twin looks up (the generator's and the tests' way to collect them). */
export function recordPromqlShapes(): Set<string> {
  recorder ??= new Set();
  return recorder;
}
