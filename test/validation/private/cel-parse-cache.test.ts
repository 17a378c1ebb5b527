import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import * as cel from '@bufbuild/cel';
import { buildParseCache, collectExpressions } from '../../../projenrc/parse-caches';
import { compileCel } from '../../../src/validation/private/cel-engine';
import { CEL_PARSE_CACHE_FILE, CelParseCacheFile, cachedParse, celParserVersion, encodeParseCache } from '../../../src/validation/private/cel-parse-cache';

const FILE = path.join(__dirname, '..', '..', '..', 'schemas', CEL_PARSE_CACHE_FILE);
const committed: CelParseCacheFile = JSON.parse(zlib.gunzipSync(fs.readFileSync(FILE)).toString('utf-8'));
const REGENERATE = 'run `npx projen parse-caches` and commit schemas/cel-parse-cache.json.gz';

describe('pre-parsed CEL of the built-in rules (schemas/cel-parse-cache.json.gz)', () => {
  test('was written by the installed parser, sorted, one entry per expression', () => {
    expect(committed.parser).toBe(celParserVersion());
    const keys = committed.entries.map(([e]) => e);
    expect(keys).toEqual([...new Set(keys)].sort());
    expect(keys.length).toBeGreaterThan(40);
  });

  test('every entry decodes to exactly what the parser returns for its expression', () => {
    const fresh = encodeParseCache(committed.entries.map(([e]) => [e, cel.parse(e)]));
    expect(fresh.entries).toEqual(committed.entries);
  });

  test('holds exactly the expressions the built-in rules and the example platforms compile (else: ' + REGENERATE + ')', () => {
    const expected = buildParseCache(collectExpressions().cel);
    expect(committed.entries.map(([e]) => e)).toEqual(expected.entries.map(([e]) => e));
  });

  test('a cached expression is served from the file and evaluates as a freshly parsed one', () => {
    const [expression] = committed.entries.find(([e]) => e.includes('privileged')) ?? committed.entries[0];
    const parsed = cachedParse(expression);
    expect(parsed).toBeDefined();
    expect(parsed!.$typeName).toBe('cel.expr.ParsedExpr');
    // compileCel plans the cached AST: the program runs
    expect(() => compileCel(expression, ['object', 'oldObject', 'request', 'namespaceObject', 'variables', 'authorizer'])).not.toThrow();
  });

  test('an expression not in the file (a user rule) is not served: the engine parses it', () => {
    expect(cachedParse("object.metadata.name == 'not-a-built-in-" + 'x'.repeat(5) + "'")).toBeUndefined();
    const program = compileCel("object.metadata.name == 'acme'", ['object']);
    expect(program.evaluate({ object: { metadata: { name: 'acme' } } })).toEqual({ value: true });
  });
});
