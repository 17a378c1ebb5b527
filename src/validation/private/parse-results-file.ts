import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { schemasDir } from './schema-files';

/**
 * A shipped file of parse results the library would otherwise compute on every synth (the pre-parsed CEL of
 * the built-in rules, the metric names of its PromQL shapes): gzipped JSON `{ parser, entries: [[key, value]] }`
 * under schemas/, stamped with the version of the parser that wrote it.
 */
export interface ParseResultsFile<T> {
  /** Version of the parser that computed the entries. */
  readonly parser: string;
  /** [input text, result], sorted by input. */
  readonly entries: Array<[string, T]>;
}

/**
 * The entries of schemas/`file` by input text, or none when the file is missing, unreadable or written by
 * another parser version than `parserVersion` (then every input is parsed: the file can make a run faster,
 * never different).
 */
export function readParseResults<T>(file: string, parserVersion: string): Map<string, T> {
  const entries = new Map<string, T>();
  let content: ParseResultsFile<T> | undefined;
  try {
    content = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(schemasDir(), file))).toString('utf-8'));
  } catch {
    return entries;
  }
  if (!content || content.parser !== parserVersion || !Array.isArray(content.entries)) return entries;
  for (const [key, value] of content.entries) entries.set(key, value);
  return entries;
}
