import { PlatformLabels } from '../../src/core/labels';
import { Names } from '../../src/core/names';

describe('PlatformLabels', () => {
  const keys = Object.entries(PlatformLabels).filter(([k]) => !k.endsWith('_VALUE') && k !== 'NVIDIA_GPU_RESOURCE');

  test.each(keys)('%s is a valid label/annotation key', (_, key) => {
    expect(Names.isLabelKey(key as string)).toBe(true);
  });

  test('platform keys live under llm-platform.io, recommended keys under app.kubernetes.io', () => {
    expect(PlatformLabels.TENANT).toBe('llm-platform.io/tenant');
    expect(PlatformLabels.MODEL).toBe('llm-platform.io/model');
    expect(PlatformLabels.MODEL_VERSION).toBe('llm-platform.io/model-version');
    expect(PlatformLabels.GPU_ENTITLED).toBe('llm-platform.io/gpu-entitled');
    expect(PlatformLabels.MODEL_REVISION_ANNOTATION).toBe('llm-platform.io/model-revision');
    expect(PlatformLabels.NAME).toBe('app.kubernetes.io/name');
    expect(PlatformLabels.MANAGED_BY_VALUE).toBe('cdk-llm-platform');
    expect(PlatformLabels.NVIDIA_GPU_RESOURCE).toBe('nvidia.com/gpu');
  });
});
