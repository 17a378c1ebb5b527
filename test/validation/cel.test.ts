import { Cel } from '../../src/validation';

const pod = {
  metadata: { name: 'llama', labels: { 'llm-platform.io/tenant': 'search' } },
  spec: {
    containers: [
      { name: 'server', image: 'r.example.com/vllm@sha256:abc', resources: { requests: { 'cpu': '4', 'memory': '32Gi', 'nvidia.com/gpu': '1' }, limits: { 'cpu': '4000m', 'memory': '32768Mi', 'nvidia.com/gpu': 1 } } },
    ],
    replicas: 3,
  },
};

describe('Cel.compile', () => {
  test('valid expressions compile', () => {
    expect(Cel.compile("object.spec.containers.all(c, c.image.contains('@sha256:'))")).toEqual({ ok: true });
    expect(Cel.compile('has(object.spec.hostNetwork) ? !object.spec.hostNetwork : true')).toEqual({ ok: true });
    expect(Cel.compile('params.registries.exists(r, object.image.startsWith(r))')).toEqual({ ok: true });
  });

  test('syntax errors are reported', () => {
    const r = Cel.compile('object.spec.replicas >');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/^syntax error/);
  });

  test('unknown functions are reported', () => {
    expect(Cel.compile('object.spec.containers.everything(c, true) && nope(object)')).toEqual({
      ok: false,
      error: "undeclared reference to function 'everything'; undeclared reference to 'c'; undeclared reference to function 'nope'",
    });
  });

  test('undeclared variables are reported, comprehension variables are in scope', () => {
    expect(Cel.compile('containers.all(c, c.name != "")')).toEqual({ ok: false, error: "undeclared reference to 'containers'" });
    expect(Cel.compile('object.spec.containers.all(c, c.name != "")')).toEqual({ ok: true });
    expect(Cel.compile('self.x > 0', ['object'])).toEqual({ ok: false, error: "undeclared reference to 'self'" });
  });

  test('an empty expression does not compile', () => {
    expect(Cel.compile('  ')).toEqual({ ok: false, error: 'expression is empty' });
  });

  test('assertCompiles throws a ValidationError naming the prop', () => {
    expect(() => Cel.assertCompiles('rules[0].expression', 'object.x >')).toThrow(/^'rules\[0\].expression' is not a valid CEL expression \(syntax error.*\), got 'object.x >'; fix the expression/);
    expect(() => Cel.assertCompiles('e', 'object.x > 1')).not.toThrow();
  });
});

describe('Cel.evaluate', () => {
  test('JSON integers are CEL ints and compare with ints', () => {
    expect(Cel.evaluate('object.spec.replicas == 3', { object: pod })).toEqual({ value: true });
    expect(Cel.evaluate('object.spec.replicas + 1', { object: pod })).toEqual({ value: 4 });
  });

  test('standard macros and functions work', () => {
    expect(Cel.evaluate("object.spec.containers.all(c, c.image.contains('@sha256:'))", { object: pod })).toEqual({ value: true });
    expect(Cel.evaluate('has(object.spec.hostNetwork)', { object: pod })).toEqual({ value: false });
    expect(Cel.evaluate("object.metadata.labels['llm-platform.io/tenant']", { object: pod })).toEqual({ value: 'search' });
    expect(Cel.evaluate("'a,b,c'.split(',').size()", {})).toEqual({ value: 3 });
    expect(Cel.evaluate("duration('1h30m') > duration('90m')", {})).toEqual({ value: false });
    expect(Cel.evaluate("object.metadata.name.matches('^lla')", { object: pod })).toEqual({ value: true });
  });

  test('missing fields are evaluation errors, as in Kubernetes', () => {
    const r = Cel.evaluate('object.spec.nodeName == "x"', { object: pod });
    expect(r.error).toMatch(/nodeName/);
    expect(r.value).toBeUndefined();
  });

  test('compile errors are returned, not thrown', () => {
    expect(Cel.evaluate('object.x >', { object: pod }).error).toMatch(/^compile error: syntax error/);
  });

  describe('Kubernetes CEL libraries', () => {
    test('regex: find and findAll', () => {
      expect(Cel.evaluate("'registry.example.com/vllm:0.6'.find('[0-9.]+$')", {})).toEqual({ value: '0.6' });
      expect(Cel.evaluate("'abc'.find('x')", {})).toEqual({ value: '' });
      expect(Cel.evaluate("'a1b22c333'.findAll('[0-9]+')", {})).toEqual({ value: ['1', '22', '333'] });
      expect(Cel.evaluate("'a1b22c333'.findAll('[0-9]+', 2)", {})).toEqual({ value: ['1', '22'] });
      expect(Cel.evaluate("'a'.find('(')", {}).error).toMatch(/invalid regex/);
    });

    test('quantity: parse, compare and arithmetic are exact', () => {
      expect(Cel.evaluate("quantity('1Gi') == quantity('1024Mi')", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('500m').isLessThan(quantity('1'))", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('2').isGreaterThan(quantity('1500m'))", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('1.5Gi').compareTo(quantity('1536Mi'))", {})).toEqual({ value: 0 });
      expect(Cel.evaluate("quantity('1Gi').add(quantity('512Mi')) == quantity('1.5Gi')", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('1').sub(quantity('250m')) == quantity('750m')", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('2k').asInteger()", {})).toEqual({ value: 2000 });
      expect(Cel.evaluate("quantity('100m').asApproximateFloat()", {})).toEqual({ value: 0.1 });
      expect(Cel.evaluate("quantity('1e3').isInteger()", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('-5').sign()", {})).toEqual({ value: -1 });
      expect(Cel.evaluate("isQuantity('10Gi') && !isQuantity('ten')", {})).toEqual({ value: true });
      expect(Cel.evaluate("quantity('ten')", {}).error).toMatch(/invalid quantity/);
      expect(Cel.evaluate("quantity('1.5').asInteger()", {}).error).toMatch(/non-integer/);
    });

    test('quantity: requests == limits across units (a policy use)', () => {
      const expr = "object.spec.containers.all(c, quantity(string(c.resources.requests['memory'])) == quantity(string(c.resources.limits['memory'])) && quantity(string(c.resources.requests['cpu'])) == quantity(string(c.resources.limits['cpu'])))";
      expect(Cel.evaluate(expr, { object: pod })).toEqual({ value: true });
    });

    test('lists: isSorted, sum, min, max, indexOf, lastIndexOf', () => {
      expect(Cel.evaluate('[1, 2, 2, 5].isSorted()', {})).toEqual({ value: true });
      expect(Cel.evaluate('[3, 1].isSorted()', {})).toEqual({ value: false });
      expect(Cel.evaluate('[1, 2, 3].sum()', {})).toEqual({ value: 6 });
      expect(Cel.evaluate('[1.5, 2.5].sum()', {})).toEqual({ value: 4 });
      expect(Cel.evaluate('[4, 2, 9].min()', {})).toEqual({ value: 2 });
      expect(Cel.evaluate("['b', 'c', 'a'].max()", {})).toEqual({ value: 'c' });
      expect(Cel.evaluate("['a', 'b', 'a'].indexOf('a')", {})).toEqual({ value: 0 });
      expect(Cel.evaluate("['a', 'b', 'a'].lastIndexOf('a')", {})).toEqual({ value: 2 });
      expect(Cel.evaluate('[].min()', {}).error).toMatch(/empty list/);
    });

    test('strings extension', () => {
      expect(Cel.evaluate("'LLaMA'.lowerAscii()", {})).toEqual({ value: 'llama' });
      expect(Cel.evaluate("['a', 'b'].join('-')", {})).toEqual({ value: 'a-b' });
      expect(Cel.evaluate("'  x '.trim()", {})).toEqual({ value: 'x' });
    });

    test('url: isURL, url() and accessors', () => {
      expect(Cel.evaluate("isURL('https://rekor.sigstore.dev:443/api')", {})).toEqual({ value: true });
      expect(Cel.evaluate("isURL('not a url')", {})).toEqual({ value: false });
      expect(Cel.evaluate("url('https://rekor.sigstore.dev:443/api').getScheme()", {})).toEqual({ value: 'https' });
      expect(Cel.evaluate("url('https://rekor.sigstore.dev:443/api').getHost()", {})).toEqual({ value: 'rekor.sigstore.dev:443' });
      expect(Cel.evaluate("url('https://rekor.sigstore.dev:443/api').getHostname()", {})).toEqual({ value: 'rekor.sigstore.dev' });
      expect(Cel.evaluate("url('https://rekor.sigstore.dev:443/api').getPort()", {})).toEqual({ value: '443' });
      expect(Cel.evaluate("url('https://x.example/a%20b').getEscapedPath()", {})).toEqual({ value: '/a%20b' });
      expect(Cel.evaluate("url('/just/a/path').getScheme()", {})).toEqual({ value: '' });
      expect(Cel.evaluate("url('/just/a/path').getHost()", {})).toEqual({ value: '' });
      expect(Cel.evaluate("url('https://[::1]:8443/x').getHostname()", {})).toEqual({ value: '::1' });
      expect(Cel.evaluate("url('https://user@example.com/x').getPort()", {})).toEqual({ value: '' });
      expect(Cel.evaluate("url('::bad')", {}).error).toMatch(/URL parse error/);
    });
  });
});
