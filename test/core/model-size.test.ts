import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../../src/core/errors';
import { GpuInstanceType } from '../../src/core/gpu-instance-type';
import { ModelArchitecture, ModelArchitectureProps, ModelDataType, ModelSize } from '../../src/core/model-size';

const GIB = 1024 ** 3;

/** Architectures extracted from upstream (schemas/upstream/model-sizing/SOURCES.md). */
const UPSTREAM: { [name: string]: { layers: number; kvHeads: number; headDim: number; maxContextLength: number } } =
  JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/upstream/model-sizing/architectures.json'), 'utf-8'));

function thrown(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (e) {
    expect(ValidationError.isValidationError(e)).toBe(true);
    return e as ValidationError;
  }
  throw new Error('expected a ValidationError');
}

describe('ModelDataType', () => {
  test.each([
    [ModelDataType.FP32, 4],
    [ModelDataType.BF16, 2],
    [ModelDataType.FP16, 2],
    [ModelDataType.FP8, 1],
    [ModelDataType.INT8, 1],
    [ModelDataType.INT4, 0.5],
  ])('%s stores %d bytes per value', (dt, bytes) => {
    expect(ModelSize.bytesPerValue(dt)).toBe(bytes);
    expect(ModelSize.of({ parameters: 1, dataType: dt }).weightBytes).toBe(bytes * 1e9);
  });

  test('an inherited property name is not a data type', () => {
    expect(thrown(() => ModelSize.bytesPerValue('constructor' as ModelDataType)).problems[0].value).toBe("'constructor'");
  });

  test('an unknown data type is rejected', () => {
    const e = thrown(() => ModelSize.bytesPerValue('fp6' as ModelDataType));
    expect(e.message).toBe("'dataType' must be one of 'fp32', 'bf16', 'fp16', 'fp8', 'int8', 'int4', got 'fp6'; use a ModelDataType member, e.g. ModelDataType.BF16");
  });
});

describe('ModelArchitecture', () => {
  const presets: Array<[string, ModelArchitectureProps]> = [
    ['LLAMA_3_8B', ModelArchitecture.LLAMA_3_8B],
    ['LLAMA_3_70B', ModelArchitecture.LLAMA_3_70B],
    ['LLAMA_3_1_8B', ModelArchitecture.LLAMA_3_1_8B],
    ['LLAMA_3_1_70B', ModelArchitecture.LLAMA_3_1_70B],
    ['LLAMA_3_1_405B', ModelArchitecture.LLAMA_3_1_405B],
    ['MIXTRAL_8X7B', ModelArchitecture.MIXTRAL_8X7B],
    ['MIXTRAL_8X22B', ModelArchitecture.MIXTRAL_8X22B],
  ];

  test.each(presets)('%s matches the vendored upstream facts', (name, arch) => {
    const up = UPSTREAM[name];
    expect(up).toBeDefined();
    expect(arch).toEqual({ layers: up.layers, kvHeads: up.kvHeads, headDim: up.headDim, maxContextLength: up.maxContextLength });
  });

  test('every vendored architecture has a preset', () => {
    expect(Object.keys(UPSTREAM).sort()).toEqual(presets.map(([n]) => n).sort());
  });

  test.each([
    ['LLAMA_3_8B', 32, 8, 128, 8192],
    ['LLAMA_3_70B', 80, 8, 128, 8192],
    ['LLAMA_3_1_405B', 126, 8, 128, 131072],
    ['MIXTRAL_8X7B', 32, 8, 128, 32768],
    ['MIXTRAL_8X22B', 56, 8, 128, 65536],
  ])('%s: %d layers, %d KV heads, head dim %d, %d tokens', (name, layers, kvHeads, headDim, max) => {
    expect((ModelArchitecture as any)[name]).toEqual({ layers, kvHeads, headDim, maxContextLength: max });
  });
});

describe('ModelSize defaults', () => {
  test('parameters only: BF16 weights, no KV cache, concurrency 1', () => {
    const s = ModelSize.of({ parameters: 8 });
    expect(s.parameters).toBe(8);
    expect(s.dataType).toBe(ModelDataType.BF16);
    expect(s.kvCacheDataType).toBe(ModelDataType.BF16);
    expect(s.weightBytes).toBe(16e9);
    expect(s.architecture).toBeUndefined();
    expect(s.contextLength).toBeUndefined();
    expect(s.concurrency).toBe(1);
    expect(s.kvCacheBytesPerToken).toBe(0);
    expect(s.kvCacheBytes).toBe(0);
    // weights x (1 + 0.2)
    expect(s.requiredGpuBytes()).toBe(19.2e9);
  });

  test('the documented defaults', () => {
    expect(ModelSize.DEFAULT_GPU_MEMORY_UTILIZATION).toBe(0.9);
    expect(ModelSize.DEFAULT_OVERHEAD_FRACTION).toBe(0.2);
    expect(ModelSize.WEIGHTS_VOLUME_HEADROOM).toBe(1.2);
    expect(ModelSize.MIN_WEIGHTS_VOLUME_GIB).toBe(10);
  });

  test('weightBytes wins over parameters x dataType', () => {
    const s = ModelSize.of({ parameters: 70, dataType: ModelDataType.FP32, weightBytes: 141_000_000_000 });
    expect(s.weightBytes).toBe(141_000_000_000);
    expect(ModelSize.of({ weightBytes: 5_000_000_000 }).parameters).toBeUndefined();
  });

  test('fractional parameter counts are rounded up to whole bytes', () => {
    expect(ModelSize.of({ parameters: 8.03, dataType: ModelDataType.INT4 }).weightBytes).toBe(4_015_000_000);
    expect(ModelSize.of({ parameters: 0.0000000011, dataType: ModelDataType.INT4 }).weightBytes).toBe(1);
  });

  test('contextLength defaults to the architecture maximum (vLLM --max-model-len defaults to it)', () => {
    const s = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B });
    expect(s.contextLength).toBe(8192);
    expect(s.kvCacheBytes).toBe(2 * 32 * 8 * 128 * 2 * 8192);
  });

  test('a context without an architecture counts no KV cache', () => {
    const s = ModelSize.of({ parameters: 8, contextLength: 4096, concurrency: 4 });
    expect(s.contextLength).toBe(4096);
    expect(s.kvCacheBytes).toBe(0);
  });

  test('an architecture without maxContextLength and no context counts no KV cache', () => {
    const s = ModelSize.of({ parameters: 8, architecture: { layers: 32, kvHeads: 8, headDim: 128 } });
    expect(s.contextLength).toBeUndefined();
    expect(s.kvCacheBytesPerToken).toBe(131072);
    expect(s.kvCacheBytes).toBe(0);
  });
});

describe('KV cache', () => {
  test('2 x layers x kvHeads x headDim x 2 bytes per token for a 16-bit cache', () => {
    const s = ModelSize.of({ parameters: 70, architecture: ModelArchitecture.LLAMA_3_70B, contextLength: 8192, concurrency: 4 });
    expect(s.kvCacheBytesPerToken).toBe(2 * 80 * 8 * 128 * 2); // 320 KiB
    expect(s.kvCacheBytes).toBe(327_680 * 8192 * 4); // 10 GiB
    expect(s.kvCacheBytes / GIB).toBe(10);
  });

  test.each([
    [ModelDataType.FP8, 65_536],
    [ModelDataType.FP32, 262_144],
    [ModelDataType.INT4, 32_768],
  ])('kvCacheDataType %s scales the bytes per token', (dt, perToken) => {
    const s = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B, kvCacheDataType: dt });
    expect(s.kvCacheDataType).toBe(dt);
    expect(s.kvCacheBytesPerToken).toBe(perToken);
  });

  test('the weights data type does not change the cache (vLLM auto: 16-bit)', () => {
    const fp8 = ModelSize.of({ parameters: 405, dataType: ModelDataType.FP8, architecture: ModelArchitecture.LLAMA_3_1_405B });
    expect(fp8.kvCacheBytesPerToken).toBe(2 * 126 * 8 * 128 * 2);
  });

  test('requiredGpuBytes adds weights, overhead and KV cache', () => {
    const s = ModelSize.of({ weightBytes: 10 * GIB, architecture: { layers: 1, kvHeads: 1, headDim: 1 }, contextLength: GIB / 4, concurrency: 1 });
    expect(s.kvCacheBytes).toBe(GIB); // 4 bytes per token
    expect(s.requiredGpuBytes()).toBe(12 * GIB + GIB);
    expect(s.requiredGpuBytes(0)).toBe(11 * GIB);
    expect(s.requiredGpuBytes(0.5)).toBe(16 * GIB);
  });
});

describe('weightsVolumeSize', () => {
  test.each([
    ['8B BF16', { parameters: 8 }, 18], // 14.9 GiB x 1.2 = 17.9 -> 18
    ['70B BF16', { parameters: 70 }, 157], // 130.4 x 1.2 = 156.5 -> 157
    ['405B FP8', { parameters: 405, dataType: ModelDataType.FP8 }, 453], // 377.2 x 1.2 = 452.6 -> 453
    ['8x22B BF16', { parameters: 141 }, 316], // 262.6 x 1.2 = 315.2 -> 316
    ['1B INT4', { parameters: 1, dataType: ModelDataType.INT4 }, 10], // minimum
    ['exactly 10 GiB of weights', { weightBytes: 10 * GIB }, 12],
  ])('%s gets %d GiB', (_name, props, gib) => {
    const size = ModelSize.of(props).weightsVolumeSize;
    expect(size.toGibibytes()).toBe(gib);
    expect(size.asString()).toBe(`${gib}Gi`);
  });

  test('the volume always holds the weights', () => {
    for (const parameters of [0.5, 3, 7, 13, 34, 70, 180, 405]) {
      const s = ModelSize.of({ parameters });
      expect(s.weightsVolumeSize.toGibibytes() * GIB).toBeGreaterThanOrEqual(s.weightBytes * 1.2);
    }
  });
});

describe('fit: the issue cases', () => {
  const l40s = GpuInstanceType.G6E_12XLARGE;
  const a10g = GpuInstanceType.G5_2XLARGE;
  const h100 = GpuInstanceType.P5_48XLARGE;

  test('70B BF16 on 4 x L40S (48 GiB) fits at 8192 tokens x 4 sequences', () => {
    const s = ModelSize.of({ parameters: 70, architecture: ModelArchitecture.LLAMA_3_70B, contextLength: 8192, concurrency: 4 });
    expect(l40s.gpuMemoryGiB).toBe(48);
    expect(s.fitsOn(l40s.gpuMemoryGiB, 4)).toBe(true);
    expect(s.fitProblem(l40s.gpuMemoryGiB, 4)).toBeUndefined();
    expect(s.fitReport(48, 4)).toEqual({ fits: true, requiredGiB: 166.5, availableGiB: 172.8, shortfallGiB: 0 });
  });

  test('70B BF16 on 2 x L40S does not fit, and says why', () => {
    const s = ModelSize.of({ parameters: 70, architecture: ModelArchitecture.LLAMA_3_70B, contextLength: 8192, concurrency: 4 });
    expect(s.fitsOn(48, 2)).toBe(false);
    const r = s.fitReport(48, 2);
    expect(r).toMatchObject({
      fits: false, requiredGiB: 166.5, availableGiB: 86.4, shortfallGiB: 80.1, minimumGpus: 4, quantizeTo: ModelDataType.INT4,
    });
    expect(r.maxFittingContextLength).toBeUndefined(); // the weights alone (130.4 GiB + 26.1 GiB overhead) exceed 86.4 GiB
    expect(s.fitProblem(48, 2)).toBe(
      'needs 166.5 GiB of GPU memory per replica (weights 130.4 GiB + KV cache 10 GiB for 4 sequences x 8192 tokens + 20% overhead 26.1 GiB) '
      + 'but 2 x 48 GiB GPUs at gpu-memory-utilization 0.9 give 86.4 GiB: short by 80.1 GiB; '
      + 'set 4 GPUs per replica (tensor parallelism); or use a GPU with at least 92.5 GiB at 2 per replica (e.g. H200, 141 GiB); '
      + 'or quantize the weights to INT4 (dataType ModelDataType.INT4)');
  });

  test('8B on 1 x A10G (24 GiB) fits at its full 8192-token context', () => {
    const s = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B });
    expect(a10g.gpuMemoryGiB).toBe(24);
    expect(s.fitsOn(a10g.gpuMemoryGiB, 1)).toBe(true);
    expect(s.fitReport(24, 1)).toEqual({ fits: true, requiredGiB: 18.9, availableGiB: 21.6, shortfallGiB: 0 });
  });

  test('405B FP8 on 8 x H100 (80 GiB) fits, even at the full 131072-token context', () => {
    const s = ModelSize.of({ parameters: 405, dataType: ModelDataType.FP8, architecture: ModelArchitecture.LLAMA_3_1_405B });
    expect(h100.gpuMemoryGiB).toBe(80);
    expect(s.contextLength).toBe(131072);
    expect(s.fitsOn(h100.gpuMemoryGiB, h100.gpuCount)).toBe(true);
    expect(s.fitReport(80, 8)).toEqual({ fits: true, requiredGiB: 515.7, availableGiB: 576, shortfallGiB: 0 });
  });

  test('Mixtral 8x22B BF16 on 8 x H100 fits at its full 65536-token context', () => {
    const s = ModelSize.of({ parameters: 141, architecture: ModelArchitecture.MIXTRAL_8X22B });
    expect(s.kvCacheBytes).toBe(2 * 56 * 8 * 128 * 2 * 65536); // 14 GiB
    expect(s.fitReport(80, 8)).toEqual({ fits: true, requiredGiB: 329.2, availableGiB: 576, shortfallGiB: 0 });
    expect(s.fitsOn(80, 4)).toBe(false);
  });

  test('405B FP8 on 1 x A10G fails with the shortfall and the fixes', () => {
    const s = ModelSize.of({
      parameters: 405, dataType: ModelDataType.FP8, architecture: ModelArchitecture.LLAMA_3_1_405B, contextLength: 16384, concurrency: 8,
    });
    expect(s.fitsOn(24, 1)).toBe(false);
    // weights 405e9 B = 377.2 GiB; KV 516096 B/token x 16384 x 8 = 63 GiB; overhead 20% of weights = 75.5 GiB
    expect(s.kvCacheBytes).toBe(516_096 * 16384 * 8);
    const r = s.fitReport(24, 1);
    expect(r).toEqual({
      fits: false,
      requiredGiB: 515.7,
      availableGiB: 21.6,
      shortfallGiB: 494.1,
      problem: 'needs 515.7 GiB of GPU memory per replica (weights 377.2 GiB + KV cache 63 GiB for 8 sequences x 16384 tokens + 20% overhead 75.5 GiB) '
        + 'but 1 x 24 GiB GPU at gpu-memory-utilization 0.9 gives 21.6 GiB: short by 494.1 GiB',
      fix: 'set 32 GPUs per replica (tensor parallelism); or use a larger GPU: H200 (141 GiB) at 8 per replica',
      minimumGpus: 32,
      quantizeTo: undefined,
      maxFittingContextLength: undefined,
    });
    expect(s.fitProblem(24, 1)).toBe(`${r.problem}; ${r.fix}`);
    // 32 x 24 GiB x 0.9 = 691.2 GiB holds 515.7 GiB; 16 x 24 x 0.9 = 345.6 does not
    expect(s.fitsOn(24, 32)).toBe(true);
    expect(s.fitsOn(24, 16)).toBe(false);
    expect(s.fitsOn(141, 8)).toBe(true);
    expect(s.fitsOn(141, 4)).toBe(false);
  });
});

describe('fit: each fix', () => {
  test('a shorter context when the weights fit but the KV cache does not', () => {
    // 8B BF16: weights 14.9 GiB + 3 GiB overhead = 17.9 GiB; 21.6 GiB usable leaves 3.7 GiB = 30,something tokens at 128 KiB
    const s = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: 131072, concurrency: 1 });
    const r = s.fitReport(24, 1);
    expect(r.fits).toBe(false);
    const room = 24 * 0.9 * GIB - Math.ceil(16e9 * 1.2);
    const tokens = Math.floor(room / 131072);
    expect(r.maxFittingContextLength).toBe(tokens);
    expect(r.fix).toContain(`shorten 'contextLength' to ${tokens} tokens or less at concurrency 1`);
    expect(r.fix).toContain('set 2 GPUs per replica (tensor parallelism)');
    // FP8: 7.5 GiB x 1.2 + 16 GiB KV = 24.9 GiB > 21.6; INT4: 3.7 x 1.2 + 16 = 20.5 GiB fits
    expect(r.fix).toContain('quantize the weights to INT4 (dataType ModelDataType.INT4)');
    // (17.9 GiB + 16 GiB) / 0.9 = 37.7 GiB per GPU
    expect(r.fix).toContain('use a GPU with at least 37.7 GiB at 1 per replica (e.g. A100, 40 GiB)');
    expect(ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: tokens }).fitsOn(24, 1)).toBe(true);
    expect(ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B, contextLength: tokens + 1 }).fitsOn(24, 1)).toBe(false);
  });

  test('the shorter context keeps the concurrency', () => {
    const r = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B, contextLength: 8192, concurrency: 32 }).fitReport(24, 1);
    const room = 24 * 0.9 * GIB - Math.ceil(16e9 * 1.2);
    expect(r.maxFittingContextLength).toBe(Math.floor(room / (131072 * 32)));
    expect(r.fix).toContain('at concurrency 32');
  });

  test('quantization picks the widest data type that fits', () => {
    // FP32 70B (280 GB) on 2 x 48 GiB (86.4 GiB usable): BF16 (156.5 GiB with overhead) does not fit, FP8 (78.2 GiB) does
    const s = ModelSize.of({ parameters: 70, dataType: ModelDataType.FP32 });
    const r = s.fitReport(48, 2);
    expect(r.quantizeTo).toBe(ModelDataType.FP8);
    expect(r.fix).toContain('quantize the weights to FP8 (dataType ModelDataType.FP8)');
    expect(ModelSize.of({ parameters: 70, dataType: ModelDataType.FP8 }).fitsOn(48, 2)).toBe(true);
    expect(ModelSize.of({ parameters: 70, dataType: ModelDataType.BF16 }).fitsOn(48, 2)).toBe(false);
  });

  test('quantization scales declared weight bytes by the data type ratio', () => {
    const r = ModelSize.of({ weightBytes: 40 * GIB }).fitReport(24, 1);
    // BF16 40 GiB -> FP8 20 GiB x 1.2 = 24 GiB > 21.6; INT4 10 GiB x 1.2 = 12 GiB fits
    expect(r.quantizeTo).toBe(ModelDataType.INT4);
  });

  test('no quantization fix when nothing narrower fits, none at all for INT4 weights', () => {
    expect(ModelSize.of({ parameters: 405, dataType: ModelDataType.FP8 }).fitReport(24, 1).quantizeTo).toBeUndefined();
    const int4 = ModelSize.of({ parameters: 70, dataType: ModelDataType.INT4 }).fitReport(24, 1);
    expect(int4.fits).toBe(false);
    expect(int4.quantizeTo).toBeUndefined();
    expect(int4.fix).not.toContain('quantize');
  });

  test('no GPU-count fix beyond 64 GPUs, no larger-GPU fix on the largest GPU', () => {
    const huge = ModelSize.of({ parameters: 10_000 });
    const r = huge.fitReport(141, 8);
    expect(r.fits).toBe(false);
    expect(r.minimumGpus).toBeUndefined();
    expect(r.fix).not.toContain('GPUs per replica');
    expect(r.quantizeTo).toBeUndefined();
    expect(r.fix).toBe('use a smaller model: no GPU this release lists holds it at up to 64 per replica');
  });

  test('one sequence is named in the singular', () => {
    const s = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_1_8B });
    expect(s.fitProblem(24, 1)).toContain('+ KV cache 16 GiB for 1 sequence x 131072 tokens +');
  });

  test('no KV cache part without an architecture', () => {
    expect(ModelSize.of({ parameters: 70 }).fitProblem(24, 1)).toMatch(/^needs 156\.5 GiB of GPU memory per replica \(weights 130\.4 GiB \+ 20% overhead 26\.1 GiB\) but/);
  });

  test('gpuMemoryUtilization changes the usable memory', () => {
    const s = ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B });
    expect(s.fitsOn(24, 1, 0.95)).toBe(true);
    expect(s.fitsOn(24, 1, 0.75)).toBe(false);
    expect(s.fitReport(24, 1, 0.75)).toMatchObject({ availableGiB: 18, requiredGiB: 18.9, shortfallGiB: 0.9 });
    expect(s.fitProblem(24, 1, 0.75)).toContain('at gpu-memory-utilization 0.75 gives 18 GiB');
    expect(s.fitsOn(24, 1, 1)).toBe(true);
  });
});

describe('ModelSize validation', () => {
  test.each([
    [{}, "'parameters' or 'weightBytes' is required to size the model, got nothing; set 'parameters' (billions, e.g. 70) with 'dataType', or 'weightBytes' (the size of the weight files)"],
    [{ parameters: -70 }, "'parameters' must be a positive number, got -70; set the parameter count in billions, e.g. 70 for a 70B model"],
    [{ parameters: 0 }, "'parameters' must be a positive number, got 0; set the parameter count in billions, e.g. 70 for a 70B model"],
    // wrong JS types: the runtime type check at the boundary (core/private/runtime-types)
    [{ parameters: Number.NaN }, "'parameters' must be a number, got NaN; set 'parameters' to a number"],
    [{ parameters: '70' }, "'parameters' must be a number, got '70'; set 'parameters' to a number"],
    [{ weightBytes: 1.5 }, "'weightBytes' must be a positive whole number, got 1.5; set the total size of the weight files in bytes"],
    [{ weightBytes: -1 }, "'weightBytes' must be a positive whole number, got -1; set the total size of the weight files in bytes"],
    [{ parameters: 8, dataType: 'fp6' }, "'dataType' must be a ModelDataType, got 'fp6'; use ModelDataType.FP32, ModelDataType.BF16, ModelDataType.FP16, ModelDataType.FP8, ModelDataType.INT8 or ModelDataType.INT4"],
    [{ parameters: 8, kvCacheDataType: 'toString' }, "'kvCacheDataType' must be a ModelDataType, got 'toString'; use ModelDataType.FP32, ModelDataType.BF16, ModelDataType.FP16, ModelDataType.FP8, ModelDataType.INT8 or ModelDataType.INT4"],
    [{ parameters: 8, architecture: 'llama' }, "'architecture' must be a ModelArchitectureProps object, got 'llama'; set 'architecture' to a ModelArchitectureProps object"],
    [{ parameters: 8, architecture: { layers: 0, kvHeads: 8, headDim: 128 } }, "'architecture.layers' must be a positive whole number, got 0; set num_hidden_layers from the model's config.json"],
    [{ parameters: 8, architecture: { layers: 32, kvHeads: 2.5, headDim: 128 } }, "'architecture.kvHeads' must be a positive whole number, got 2.5; set num_key_value_heads from the model's config.json"],
    [{ parameters: 8, architecture: { layers: 32, kvHeads: 8 } }, "'architecture.headDim' is required (a number), got nothing; set 'architecture.headDim'"],
    [{ parameters: 8, architecture: { layers: 32, kvHeads: 8, headDim: 128, maxContextLength: -1 } }, "'architecture.maxContextLength' must be a positive whole number, got -1; set max_position_embeddings from the model's config.json"],
    [{ parameters: 8, contextLength: 0 }, "'contextLength' must be a positive whole number, got 0; set the tokens per sequence (prompt plus output) the server must hold, e.g. 8192"],
    [{ parameters: 8, contextLength: 4096.5 }, "'contextLength' must be a positive whole number, got 4096.5; set the tokens per sequence (prompt plus output) the server must hold, e.g. 8192"],
    [{ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B, contextLength: 16384 }, "'contextLength' must be at most the model's maximum context of 8192 tokens, got 16384; set 'contextLength' to 8192 or less"],
    [{ parameters: 8, concurrency: 0 }, "'concurrency' must be a positive whole number, got 0; set the number of sequences the server holds at once, e.g. 8"],
    [{ parameters: 8, concurrency: 1.5 }, "'concurrency' must be a positive whole number, got 1.5; set the number of sequences the server holds at once, e.g. 8"],
  ])('%j is rejected', (props, message) => {
    const e = thrown(() => ModelSize.of(props as any));
    expect(e.message).toBe(message);
    expect(e.problems).toHaveLength(1);
  });

  test('no props at all asks for parameters or weightBytes', () => {
    expect(thrown(() => ModelSize.of(undefined as any)).problems[0].prop).toBe('parameters');
  });

  test('contextLength equal to the maximum is accepted', () => {
    expect(ModelSize.of({ parameters: 8, architecture: ModelArchitecture.LLAMA_3_8B, contextLength: 8192 }).contextLength).toBe(8192);
  });

  test.each([
    [() => ModelSize.of({ parameters: 8 }).requiredGpuBytes(-0.1), "'overheadFraction' must be a number of at least 0, got -0.1; pass the overhead as a fraction of the weights, e.g. 0.2"],
    [() => ModelSize.of({ parameters: 8 }).fitsOn(0, 1), "'gpuMemoryGiB' must be a positive number of GiB, got 0; pass the memory of one GPU, e.g. GpuInstanceType.G6E_12XLARGE.gpuMemoryGiB"],
    [() => ModelSize.of({ parameters: 8 }).fitsOn(24, 0), "'gpus' must be a positive whole number, got 0; pass the GPUs per replica, e.g. 4"],
    [() => ModelSize.of({ parameters: 8 }).fitProblem(24, 1.5), "'gpus' must be a positive whole number, got 1.5; pass the GPUs per replica, e.g. 4"],
    [() => ModelSize.of({ parameters: 8 }).fitReport(24, 1, 0), "'gpuMemoryUtilization' must be greater than 0 and at most 1, got 0; pass the fraction of GPU memory the runtime may use, e.g. 0.9"],
    [() => ModelSize.of({ parameters: 8 }).fitReport(24, 1, 1.1), "'gpuMemoryUtilization' must be greater than 0 and at most 1, got 1.1; pass the fraction of GPU memory the runtime may use, e.g. 0.9"],
  ])('bad fit arguments are rejected (%#)', (fn, message) => {
    expect(thrown(fn).message).toBe(message);
  });
});
