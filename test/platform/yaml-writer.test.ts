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
  { words: ['llama3-8b', 'Falsey', 'nullable', 'yes-no', 'off.on', '0b1010', '0x1Fab', '2026-01-15', '1_000.5e+3', 'infinity', '.infinity', 'NaN-ish', 'ON-OFF', 'true.x', 'v1alpha1', 'a'.repeat(999), 'g'.repeat(1030)] },
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

  test('strings written without asking the library are written as the library writes them (generated cases)', () => {
    // Deterministic pseudo-random strings over the characters the shortcut accepts plus some it must not.
    const chars = 'aAbBeEfFgGnNoOsStTxXyYzZ0123456789._/-:@+=~,() #\\\'"{}[]*|<>!&%?^$;`\t\u00e9';
    let seed = 42;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const words = ['yes', 'No', 'ON', 'off', 'null', 'y', 'N', 'true', 'FALSE', 'nan', 'inf', 'Inf', 'NaN', 'y es', 'on:', 'on: x', 'x #y', 'a b', 'a,b', 'k=v', '(x)', 'user@host', 'sum(rate(x{a="b"}[5m])) > 0.5', 'a\\b', 'x|y', 'k: {v}', 'a:b:', 'it\'s', '1:20', '1:2g', 'g:1'];
    for (let i = 0; i < 3000; i++) {
      let w = '';
      for (let j = 1 + rnd(12); j > 0; j--) w += chars[rnd(chars.length)];
      words.push(w);
    }
    const objects = [{ values: words }, Object.fromEntries(words.map((w, i) => [w, i]))];
    const writer = new YamlWriter();
    writer.prepare(objects);
    for (const o of objects) expect(writer.stringify(o)).toBe(Yaml.stringify(o));
    for (const w of words) expect(new YamlWriter().stringify({ [w]: w })).toBe(Yaml.stringify({ [w]: w }));
  });
});
