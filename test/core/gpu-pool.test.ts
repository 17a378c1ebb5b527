import { GpuInstanceType } from '../../src/core/gpu-instance-type';
import { GpuPool, TaintEffect } from '../../src/core/gpu-pool';
import { PlatformLabels } from '../../src/core/labels';

describe('GpuPool', () => {
  test('the GPU taint is nvidia.com/gpu=true:NoSchedule', () => {
    expect(GpuPool.GPU_TAINT).toEqual({ key: 'nvidia.com/gpu', value: 'true', effect: TaintEffect.NO_SCHEDULE });
  });

  test('standard labels name the pool, the accelerator and the GPUs per node', () => {
    expect(GpuPool.standardLabels('l40s', [GpuInstanceType.G6E_12XLARGE, GpuInstanceType.G6E_48XLARGE])).toEqual({
      [PlatformLabels.GPU_POOL]: 'l40s',
      [PlatformLabels.ACCELERATOR]: 'l40s',
      [PlatformLabels.GPU_COUNT]: '4',
    });
  });

  test('fromAttributes applies defaults: standard labels, the GPU taint, smallest GPU count', () => {
    const pool = GpuPool.fromAttributes({ poolName: 'a10g', instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G5_12XLARGE] });
    expect(pool.poolName).toBe('a10g');
    expect(pool.gpusPerNode).toBe(1);
    expect(pool.taints).toEqual([GpuPool.GPU_TAINT]);
    expect(pool.nodeLabels).toEqual({ 'llm-platform.io/gpu-pool': 'a10g', 'llm-platform.io/accelerator': 'a10g', 'llm-platform.io/gpu-count': '1' });
    expect(pool.maxNodes).toBeUndefined();
  });

  test('fromAttributes takes extra labels, taints and maxNodes', () => {
    const pool = GpuPool.fromAttributes({
      poolName: 'h100',
      instanceTypes: [GpuInstanceType.P5_48XLARGE],
      extraLabels: { team: 'research' },
      taints: [{ key: 'dedicated', value: 'research', effect: TaintEffect.NO_EXECUTE }],
      maxNodes: 4,
    });
    expect(pool.nodeLabels.team).toBe('research');
    expect(pool.taints).toEqual([{ key: 'dedicated', value: 'research', effect: 'NoExecute' }]);
    expect(pool.maxNodes).toBe(4);
    expect(pool.gpusPerNode).toBe(8);
  });

  test('an empty instance type list is a ValidationError', () => {
    expect(() => GpuPool.fromAttributes({ poolName: 'x', instanceTypes: [] })).toThrow("'instanceTypes' must list at least one GPU instance type, got []; add e.g. GpuInstanceType.G6E_2XLARGE");
  });

  test('mixed GPU models are a ValidationError', () => {
    expect(() => GpuPool.fromAttributes({ poolName: 'x', instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G6E_2XLARGE] }))
      .toThrow('\'instanceTypes\' must not mix GPU models in one pool, got ["g5.2xlarge","g6e.2xlarge"]; use one pool per GPU model (found A10G 24GiB, L40S 48GiB)');
    // Same marketing name, different memory: still two models.
    expect(() => GpuPool.validateInstanceTypes('instanceTypes', [GpuInstanceType.P4D_24XLARGE, GpuInstanceType.P4DE_24XLARGE])).toThrow(/must not mix GPU models/);
  });

  test('bad pool names and maxNodes are ValidationErrors', () => {
    expect(() => GpuPool.fromAttributes({ poolName: 'GPU_Pool', instanceTypes: [GpuInstanceType.G5_XLARGE] })).toThrow(/^'poolName' must be a DNS-1123 label, got 'GPU_Pool'/);
    expect(() => GpuPool.fromAttributes({ poolName: 'x', instanceTypes: [GpuInstanceType.G5_XLARGE], maxNodes: 0 })).toThrow("'maxNodes' must be a positive whole number, got 0; set the most nodes the pool scales to");
  });
});
