import { Yaml } from 'cdk8s';
import { YamlWriter } from '../../src/platform/private/yaml-writer';

const shared = { a: 1 };
const TRICKY: any[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { 'a.b/c': 'true', 'd': 'yes', 'e': '1', 'f': '', 'g': 'on', 'h': '0x1F', 'i': '1e3', 'j': '~', 'k': 'null' } } },
  { spec: { s: ['a: b', '# c', 'd #e', '-', '- x', '? y', '[z]', '{w}', '*a', '&b', '!c', '|', '>', "'q'", '"dq"', 'it\'s "x"', 'trailing ', ' leading', 'x:'] } },
  { n: [0, -0, 1, -1, 1.5, -2.25, 1e21, 9007199254740993, 0.1, 100000000000000000000], b: [true, false, null], e: [[], {}, [[]], [{}]] },
  { nested: [[1, [2, 3]], [{ a: [{ b: [] }] }], { c: { d: { e: 'f' } } }] },
  { '8080': 'port', '1': 'one', 'true': true, 'null': null, '': 'empty key', 'a b': 'space', 'k: v': 1, '-k': 2, 'ünï': 'cödé ✓' },
  { multi: 'line one\nline two\n', tab: 'a\tb', doc: '--- x', dots: '...', pct: '%YAML', cr: 'a\rb' },
  { allNull: { a: null, b: null }, some: { a: null, b: 1 } },
  { first: shared, second: shared },
  { date: new Date(0), map: new Map([['a', 1]]) },
  { long: 'x'.repeat(2000), [`k${'y'.repeat(1100)}`]: 'long key' },
  { image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/vllm@sha256:0123abcd', quantity: '500m', time: '2026-01-15', sexa: '1:20', ver: '1.10', q: 'a"b\'c' },
];

describe('YamlWriter', () => {
  test.each(TRICKY.map((o, i) => [i, o]))('object %i is written as cdk8s Yaml.stringify writes it, prepared or not', (_, object) => {
    const prepared = new YamlWriter();
    prepared.prepare([object]);
    expect(prepared.stringify(object)).toBe(Yaml.stringify(object));
    expect(new YamlWriter().stringify(object)).toBe(Yaml.stringify(object));
  });

  test('one writer reuses its renderings across objects', () => {
    const writer = new YamlWriter();
    writer.prepare(TRICKY);
    for (const o of TRICKY) expect(writer.stringify(o)).toBe(Yaml.stringify(o));
  });

  test('after prepare, plain objects are written without the yaml library; the odd ones with it', () => {
    const writer = new YamlWriter();
    writer.prepare(TRICKY);
    const spy = jest.spyOn(Yaml, 'stringify');
    try {
      writer.stringify(TRICKY[0]);
      writer.stringify(TRICKY[10]);
      expect(spy).not.toHaveBeenCalled();
      writer.stringify(TRICKY[7]); // an object met twice: the library writes an alias
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });
});
