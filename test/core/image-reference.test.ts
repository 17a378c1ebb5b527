import { ImageReference } from '../../src/core/image-reference';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('ImageReference.isPinnedByDigest', () => {
  test.each([
    [`vllm/vllm-openai@${DIGEST}`, true],
    [`vllm/vllm-openai:v0.10.1@${DIGEST}`, true],
    [`123456789012.dkr.ecr.us-east-1.amazonaws.com/acme/vllm@${DIGEST}`, true],
    [`registry.example.com:5000/team/image@${DIGEST}`, true],
    ['vllm/vllm-openai:v0.10.1', false],
    ['vllm/vllm-openai:latest', false],
    ['vllm/vllm-openai', false],
    [`vllm/vllm-openai@sha256:${'a'.repeat(63)}`, false],
    [`vllm/vllm-openai@sha256:${'A'.repeat(64)}`, false],
    [`VLLM/image@${DIGEST}`, false],
    [`@${DIGEST}`, false],
    ['', false],
  ])('%p is %p', (image, pinned) => {
    expect(ImageReference.isPinnedByDigest(image)).toBe(pinned);
  });

  test('non-strings are not pinned', () => {
    expect(ImageReference.isPinnedByDigest(undefined as any)).toBe(false);
  });
});
