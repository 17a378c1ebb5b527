/* eslint-disable @typescript-eslint/no-require-imports -- the protobuf runtime is required on first use */
import type { parse } from '@bufbuild/cel';
import { installedVersion } from './package-version';
import { ParseResultsFile, readParseResults } from './parse-results-file';

/**
 * Parsed CEL expressions of the library's own rules, shipped pre-parsed (issue 18).
 *
 * `@bufbuild/cel`'s parser takes about 4 ms per 1,000 characters even when warm, and the built-in rules
 * and their variables are about 18,000 characters: 60-150 ms of every synth. `schemas/cel-parse-cache.json.gz`
 * holds the parser's own output for those expressions (the `cel.expr.ParsedExpr` protobuf message, binary,
 * base64) keyed by the exact expression text and stamped with the parser's version; decoding them takes a
 * few milliseconds. An expression that is not in the file (a user's rule, a changed built-in) or a file
 * from another parser version is parsed as before: the cache can make a run faster, never different.
 *
 * Written by `npx projen parse-caches` (projenrc/parse-caches.ts); test/validation/private/cel-parse-cache.test.ts
 * fails when the committed file misses an expression the example platforms compile, holds stale
 * entries, or decodes to anything but what the parser returns.
 */

/** What the parser returns. */
type ParsedExpr = ReturnType<typeof parse>;

/** The file, under schemas/. */
export const CEL_PARSE_CACHE_FILE = 'cel-parse-cache.json.gz';

/** What the file holds: base64 of each expression's binary `ParsedExpr`. */
export type CelParseCacheFile = ParseResultsFile<string>;

let entries: Map<string, string> | undefined;
let recorder: Set<string> | undefined;
let schema: any;
let fromBinary: ((schema: any, bytes: Uint8Array) => ParsedExpr) | undefined;

/** The installed parser's version (entries of another version are ignored). */
export function celParserVersion(): string {
  return installedVersion('@bufbuild/cel');
}

function load(): Map<string, string> {
  entries ??= readParseResults<string>(CEL_PARSE_CACHE_FILE, celParserVersion());
  return entries;
}

/** The pre-parsed `expression`, or undefined when the file does not hold it. */
export function cachedParse(expression: string): ParsedExpr | undefined {
  recorder?.add(expression);
  const bytes = load().get(expression);
  if (bytes === undefined) return undefined;
  if (!fromBinary) {
    schema = require('@bufbuild/cel-spec/cel/expr/syntax_pb.js').ParsedExprSchema;
    fromBinary = require('@bufbuild/protobuf').fromBinary;
  }
  return fromBinary!(schema, Buffer.from(bytes, 'base64'));
}

/**
 * From now on, record every expression the engine parses (hit or miss): the generator's and the tests'
 * way to learn which expressions a run compiles.
 */
export function recordParsedExpressions(): Set<string> {
  recorder ??= new Set();
  return recorder;
}

/** Encode parsed expressions as the file stores them (used by the generator and the tests). */
export function encodeParseCache(parsed: Array<[string, ParsedExpr]>): CelParseCacheFile {
  const { toBinary } = require('@bufbuild/protobuf');
  const syntax = require('@bufbuild/cel-spec/cel/expr/syntax_pb.js').ParsedExprSchema;
  const sorted = [...new Map(parsed).entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    parser: celParserVersion(),
    entries: sorted.map(([expression, p]) => [expression, Buffer.from(toBinary(syntax, p)).toString('base64')]),
  };
}
