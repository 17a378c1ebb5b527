import { ApiObject, App, Chart, JsonPatch, Lazy, ResolutionContext } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { spec as gatekeeper } from '../../../examples/gatekeeper/platform';
import { spec as reference } from '../../../examples/reference/platform';
import { spec as signedModels } from '../../../examples/signed-models/platform';
import { spec as trainingEfa } from '../../../examples/training-efa/platform';
import { KubernetesPlatform } from '../../../src/platform/kubernetes-platform';
import { cdk8sVersion, FAST_PATH_VERSIONS, withFastToJson } from '../../../src/platform/private/fast-to-json';

/** cdk8s's own toJson() and the fast path's, as JSON text (key order included), or the error message. */
function both(o: ApiObject): [string, string] {
  const run = (): string => {
    try {
      return JSON.stringify(o.toJson());
    } catch (e: any) {
      return `threw: ${e.message}`;
    }
  };
  const slow = run();
  const fast = withFastToJson(run);
  return [slow, fast];
}

describe('the fast toJson gives what cdk8s gives', () => {
  test.each([
    ['reference', reference],
    ['gatekeeper', gatekeeper],
    ['signed-models', signedModels],
    ['training-efa', trainingEfa],
  ])('every object of the %s example, key order included', (_name, s) => {
    const app = new App();
    new KubernetesPlatform(app, s.name, { spec: s });
    const objects = app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject);
    expect(objects.length).toBeGreaterThan(100);
    const differing = objects.filter((o) => { const [slow, fast] = both(o); return slow !== fast; }).map((o) => o.node.path);
    expect(differing).toEqual([]);
  });

  test('Lazy values, objects with resolve(), IntOrString, nulls in arrays, empty metadata maps, patches', () => {
    const chart = new Chart(new App(), 'c');
    const o = new ApiObject(chart, 'o', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', labels: {}, annotations: { b: '2', a: Lazy.any({ produce: () => '1' }) as any }, finalizers: [] },
      data: { z: 'last', a: { resolve: () => 'resolved' } as any, m: Lazy.any({ produce: () => ({ y: 1, x: [null, 2, undefined] }) }) },
      port: k8s.IntOrString.fromNumber(8080),
      empty: {},
      nothing: null,
    } as any);
    o.addJsonPatch(JsonPatch.add('/data/patched', 'yes'));
    const [slow, fast] = both(o);
    expect(fast).toEqual(slow);
    expect(JSON.parse(fast)).toEqual({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x', annotations: { a: '1', b: '2' } },
      data: { a: 'resolved', m: { x: [null, 2, null], y: 1 }, patched: 'yes', z: 'last' },
      empty: {},
      // a union class becomes { value } at this level; the generated classes' own toJson() unwraps it
      port: { value: 8080 },
    });
  });

  test('Lazy producers run in the order cdk8s runs them (metadata first, then each object in its own key order)', () => {
    const calls: string[] = [];
    const lazy = (name: string) => Lazy.any({ produce: () => { calls.push(name); return name; } });
    const chart = new Chart(new App(), 'c');
    const o = new ApiObject(chart, 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', labels: { l: lazy('label') as any } }, data: { z: lazy('z'), a: { y: lazy('ay'), b: lazy('ab') } } } as any);
    o.toJson();
    const slow = [...calls];
    calls.length = 0;
    withFastToJson(() => o.toJson());
    expect(calls).toEqual(slow);
    expect(slow).toEqual(['label', 'z', 'ay', 'ab']);
  });

  test('an App with its own resolvers goes through cdk8s (the resolver sees every value)', () => {
    const seen: string[] = [];
    const app = new App({ resolvers: [{ resolve: (c: ResolutionContext) => { if (c.value === 'replace-me') { seen.push(c.key.join('.')); c.replaceValue('replaced'); } } }] });
    const o = new ApiObject(new Chart(app, 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'replace-me' } } as any);
    expect(withFastToJson(() => o.toJson()).data).toEqual({ k: 'replaced' });
    expect(seen).toEqual(['data.k']);
  });

  test('CDK8S_DISABLE_SORT keeps cdk8s unsorted output', () => {
    const o = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { z: '1', a: '2' } } as any);
    process.env.CDK8S_DISABLE_SORT = '1';
    try {
      expect(Object.keys(withFastToJson(() => o.toJson()).data)).toEqual(['z', 'a']);
    } finally {
      delete process.env.CDK8S_DISABLE_SORT;
    }
  });

  test.each<[string, () => any]>([
    ['a producer that throws', () => Lazy.any({ produce: () => { throw new Error('boom'); } })],
    ['a class instance cdk8s cannot render', () => new (class Opaque { public readonly x = 1; })()],
  ])('%s: the error cdk8s reports', (_name, make) => {
    const o = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: make() } } as any);
    const [slow, fast] = both(o);
    expect(slow).toMatch(/^threw: Failed serializing construct at path 'c\/o'/);
    expect(fast).toEqual(slow);
  });

  test('plain objects take the fast path; custom resolvers take cdk8s\'s own', () => {
    const original = ApiObject.prototype.toJson;
    const cdk8sPath = jest.fn(function (this: ApiObject) { return original.call(this); });
    ApiObject.prototype.toJson = cdk8sPath;
    try {
      const plain = new ApiObject(new Chart(new App(), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data: { k: 'v' } } as any);
      expect(withFastToJson(() => plain.toJson()).data).toEqual({ k: 'v' });
      expect(cdk8sPath).not.toHaveBeenCalled();
      const custom = new ApiObject(new Chart(new App({ resolvers: [{ resolve: () => undefined }] }), 'c'), 'o', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } as any);
      withFastToJson(() => custom.toJson());
      expect(cdk8sPath).toHaveBeenCalledTimes(1);
    } finally {
      ApiObject.prototype.toJson = original;
    }
  });

  test('the installed cdk8s is a release the fast path was checked against (re-read its toJson/resolve/metadata when this fails)', () => {
    expect(cdk8sVersion()).toMatch(FAST_PATH_VERSIONS);
    expect('2.68.12').toMatch(FAST_PATH_VERSIONS);
    expect('2.71.0').not.toMatch(FAST_PATH_VERSIONS);
    expect('3.0.0').not.toMatch(FAST_PATH_VERSIONS);
  });

  test('ApiObject.prototype.toJson is restored after the function, also when it throws', () => {
    const original = ApiObject.prototype.toJson;
    expect(() => withFastToJson(() => { expect(ApiObject.prototype.toJson).not.toBe(original); throw new Error('x'); })).toThrow('x');
    expect(ApiObject.prototype.toJson).toBe(original);
    expect(withFastToJson(() => 42)).toBe(42);
    expect(ApiObject.prototype.toJson).toBe(original);
  });
});
