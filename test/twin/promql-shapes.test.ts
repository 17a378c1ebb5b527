import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { buildPromqlShapes, collectExpressions } from '../../projenrc/parse-caches';
import { knownShape, PROMQL_SHAPES_FILE, PromqlShapesFile, promqlParserVersion } from '../../src/twin/private/promql-shapes';
import { selectedMetrics } from '../../src/twin/private/references';
import { PromQL } from '../../src/validation/promql';

const committed: PromqlShapesFile = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', PROMQL_SHAPES_FILE))).toString('utf-8'));

describe('pre-computed metric names of the library\'s PromQL shapes (schemas/promql-shapes.json.gz)', () => {
  test('was written by the installed grammar, sorted, shapes that parse only', () => {
    expect(committed.parser).toBe(promqlParserVersion());
    const shapes = committed.entries.map(([s]) => s);
    expect(shapes).toEqual([...new Set(shapes)].sort());
    expect(shapes.length).toBeGreaterThan(20);
  });

  test('every entry is what the grammar answers for its shape', () => {
    for (const [shape, names] of committed.entries) {
      const r = PromQL.parse(shape);
      expect([shape, r.ok, r.metricNames]).toEqual([shape, true, names]);
    }
  });

  test('holds the shapes the example platforms\' alerts, rules and triggers have (else: run `npx projen parse-caches` and commit the file)', () => {
    const expected = buildPromqlShapes(collectExpressions().promqlShapes);
    expect(committed.entries.map(([s]) => s)).toEqual(expected.entries.map(([s]) => s));
  });

  test('a shape not in the file (a user\'s rule) is parsed: its names and its errors are the grammar\'s', () => {
    expect(knownShape('sum(rate(acme_requests_total[5m]))')).toBeUndefined();
    expect(selectedMetrics('sum(rate(acme_requests_total{job="x"}[5m]))')).toEqual({ names: ['acme_requests_total'], patterns: [], errors: [] });
    expect(selectedMetrics('sum(rate(acme_requests_total[5m])').errors.length).toBeGreaterThan(0);
  });
});
