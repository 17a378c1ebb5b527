/**
 * LoRA adapters in the spec (issue 20): `models[i].adapters` reach the model server, their model-store weights are
 * read from the platform's bucket with the model's Pod Identity, and bad adapters are refused at their spec path.
 */
import { App } from 'cdk8s';
import { Testing } from 'cdktf';
import { smallSpec, validationErrorOf } from './fixtures';
import { ModelSource } from '../../src/k8s';
import { AwsPlatformStack, KubernetesPlatform, ModelWeights, PlatformNames, PlatformSpec } from '../../src/platform';
import { findObject, resourcesOf } from '../util';

function withAdapters(adapters: any[], extra: any = {}): PlatformSpec {
  const base = smallSpec();
  return { ...base, models: [{ ...base.models![0], adapters, ...extra }] };
}
const SUPPORT = { name: 'support-lora', weights: ModelWeights.fromModelStore('adapters/support-lora/', '2024-06-02') };

describe('models[i].adapters', () => {
  const spec = withAdapters([SUPPORT]);
  const model = spec.models![0];

  test('the server downloads the adapter from the platform bucket and loads it', () => {
    const objects = new KubernetesPlatform(new App(), 'acme', { spec }).manifests().map((m) => m.resource);
    const pod = findObject(objects, 'Deployment', `${model.name}-stable`).spec.template.spec;
    const fetch = pod.initContainers.find((c: any) => c.name === 'fetch-adapter-support-lora');
    expect(fetch.command).toContain('s3://acme-llm-dev-models/adapters/support-lora/2024-06-02/');
    expect(pod.containers.find((c: any) => c.name !== 'istio-proxy').args).toEqual(expect.arrayContaining(['--enable-lora', '--lora-modules', 'support-lora=/adapters/support-lora']));
  });

  test("the model's Pod Identity role may read the adapter's prefix", () => {
    const identity = new PlatformNames(spec).identities.find((i) => i.serviceAccount === model.name)!;
    expect(identity.readPrefixes).toContain('adapters/support-lora/');
    const tf = JSON.parse(Testing.synth(new AwsPlatformStack(Testing.app(), 'aws', { spec })));
    const policies = Object.values<any>(resourcesOf(tf, 'aws_iam_role_policy')).map((p) => p.policy).join('\n');
    expect(policies).toContain('adapters/support-lora/*');
  });

  test('bad adapters are refused at their spec path: no weights, weights outside the model store, with KServe', () => {
    const missing = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', { spec: withAdapters([{ name: 'x' }]) }));
    expect(missing.problems.map((p: any) => p.prop)).toContain('models[0].adapters[0].weights');
    const s3 = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', {
      spec: withAdapters([{ name: 'x', weights: ModelSource.s3({ bucket: 'other', prefix: 'a/', versionId: 'v1' }) }]),
    }));
    expect(s3.problems.find((p: any) => p.prop === 'models[0].adapters[0].weights').problem).toMatch(/must be in the platform's model store/);
    const kserve = validationErrorOf(() => new KubernetesPlatform(new App(), 'acme', { spec: withAdapters([SUPPORT], { kserve: true }) }));
    expect(kserve.problems.map((p: any) => p.prop)).toContain('models[0].adapters');
  });
});
