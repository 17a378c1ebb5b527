import * as fs from 'fs';
import * as path from 'path';
/**
 * LoRA adapters (issue 20): a vLLM model server downloads its adapters next to the base weights and loads them at
 * start with vLLM's documented flags (docs/features/lora.md: `--enable-lora`, `--lora-modules <name>=<path>`,
 * `--max-loras`, `--max-lora-rank`); a request names an adapter as its `model`.
 */
import { Size } from 'cdk8s';
import { a10gPool, expectValidationError, hfSource, model, podOf, tenant, VLLM_IMAGE } from './fixtures';
import { ModelRuntime } from '../../src/core';
import { KServeInferenceService, ModelSource } from '../../src/k8s';
import { findObject, synthChart } from '../util';

const ADAPTER = ModelSource.s3({ bucket: 'acme-models', prefix: 'adapters/support-lora/', versionId: '2024-06-02' });
const HF_ADAPTER = ModelSource.huggingFace({ modelId: 'acme/sql-lora', revision: 'a'.repeat(40) });

describe('ModelServer with LoRA adapters', () => {
  const objects = synthChart((chart) => {
    model(chart, { adapters: [{ name: 'support-lora', weights: ADAPTER }, { name: 'sql-lora', weights: HF_ADAPTER }], maxLoraRank: 64 });
  });
  const pod = podOf(findObject(objects, 'Deployment', 'llama3-8b-stable'));
  const server = pod.containers.find((c: any) => c.name !== 'istio-proxy');

  test('every adapter is downloaded into /adapters/<name> before the server starts', () => {
    expect(pod.initContainers.map((c: any) => c.name)).toEqual(['fetch-weights', 'fetch-adapter-support-lora', 'fetch-adapter-sql-lora']);
    expect(pod.initContainers[1].command).toEqual(['aws', 's3', 'sync', 's3://acme-models/adapters/support-lora/2024-06-02/', '/adapters/support-lora', '--only-show-errors', '--no-progress']);
    expect(pod.initContainers[2].command).toEqual(['huggingface-cli', 'download', 'acme/sql-lora', '--revision', 'a'.repeat(40), '--local-dir', '/adapters/sql-lora']);
    expect(pod.initContainers[1].volumeMounts[0]).toEqual({ name: 'adapters', mountPath: '/adapters' });
    expect(pod.initContainers[1].securityContext).toMatchObject({ readOnlyRootFilesystem: true, runAsNonRoot: true });
    expect(pod.volumes.find((v: any) => v.name === 'adapters')).toEqual({ name: 'adapters', emptyDir: { sizeLimit: '10Gi' } });
    expect(server.volumeMounts).toContainEqual({ name: 'adapters', mountPath: '/adapters', readOnly: true });
  });

  test("vLLM's LoRA flags: every adapter loaded, all usable in one batch, the rank limit", () => {
    const args: string[] = server.args;
    const at = args.indexOf('--enable-lora');
    expect(args.slice(at)).toEqual(['--enable-lora', '--max-loras', '2', '--max-lora-rank', '64', '--lora-modules', 'support-lora=/adapters/support-lora', 'sql-lora=/adapters/sql-lora']);
  });

  test('without adapters: no flag, no volume, no download', () => {
    const plain = synthChart((chart) => { model(chart); });
    const p = podOf(findObject(plain, 'Deployment', 'llama3-8b-stable'));
    expect(JSON.stringify(p)).not.toMatch(/lora|adapters/);
  });

  test('adaptersVolumeSize sizes the volume', () => {
    const sized = synthChart((chart) => { model(chart, { adapters: [{ name: 'support-lora', weights: ADAPTER }], adaptersVolumeSize: Size.gibibytes(3) }); });
    expect(podOf(findObject(sized, 'Deployment', 'llama3-8b-stable')).volumes.find((v: any) => v.name === 'adapters').emptyDir.sizeLimit).toBe('3Gi');
  });
});

describe('ModelServer refuses bad adapters', () => {
  const build = (options: any) => () => synthChart((chart) => { model(chart, options); });
  test('another runtime than vLLM', () => {
    expectValidationError(build({ runtime: ModelRuntime.TGI, adapters: [{ name: 'a', weights: ADAPTER }] }), 'adapters', /need the vLLM runtime .*the tgi runtime has no LoRA flags/);
  });
  test('the served model name, twice, not a label', () => {
    expectValidationError(build({ adapters: [{ name: 'llama3-8b', weights: ADAPTER }] }), 'adapters[0].name', "'llama3-8b'");
    expectValidationError(build({ adapters: [{ name: 'a', weights: ADAPTER }, { name: 'a', weights: ADAPTER }] }), 'adapters[1].name', "'a'");
    expectValidationError(build({ adapters: [{ name: 'Not_A_Label', weights: ADAPTER }] }), 'adapters[0].name', /Not_A_Label/);
  });
  test('a PVC adapter, a rank without adapters, a tiny volume', () => {
    expectValidationError(build({ adapters: [{ name: 'a', weights: ModelSource.pvc({ claimName: 'c', revision: 'r1' }) }] }), 'adapters[0].weights', /pvc:\/\/c/);
    expectValidationError(build({ maxLoraRank: 16 }), 'maxLoraRank', '16');
    expectValidationError(build({ adapters: [{ name: 'a', weights: ADAPTER }], adaptersVolumeSize: Size.mebibytes(10) }), 'adaptersVolumeSize', "'10Mi'");
  });
  test('KServeInferenceService serves no adapters', () => {
    expectValidationError(() => synthChart((chart) => {
      new KServeInferenceService(chart, 'Llama', {
        tenant: tenant(chart),
        modelName: 'llama',
        runtime: ModelRuntime.VLLM,
        image: VLLM_IMAGE,
        source: hfSource(),
        pool: a10gPool(),
        adapters: [{ name: 'a', weights: ADAPTER }],
      });
    }), 'adapters', /are not served by KServeInferenceService/);
  });
  test('an adapter in the model store outside the platform', () => {
    expectValidationError(build({ adapters: [{ name: 'a', weights: ModelSource.modelStore('adapters/a/', 'v1') }] }), 'adapters[0].weights', /model-store:/);
  });
});

describe("the flags are vLLM's documented ones (schemas/upstream/vllm/lora-serving.md)", () => {
  test('--enable-lora, --lora-modules {name}={path}, the max_loras and max_lora_rank parameters', () => {
    const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'schemas', 'upstream', 'vllm', 'lora-serving.md'), 'utf8');
    expect(doc).toContain('--enable-lora');
    expect(doc).toContain('`--lora-modules {name}={path} {name}={path}`');
    // the engine parameters max_loras and max_lora_rank are the flags --max-loras and --max-lora-rank (`vllm serve --help`)
    expect(doc).toContain('(`max_loras`, `max_lora_rank`, `max_cpu_loras`');
  });
});
