import { KubernetesVersion } from '../../src/core/kubernetes-version';

describe('KubernetesVersion', () => {
  test('the default is 1.34', () => {
    expect(KubernetesVersion.DEFAULT.version).toBe('1.34');
    expect(KubernetesVersion.DEFAULT).toBe(KubernetesVersion.V1_34);
    expect(KubernetesVersion.DEFAULT.minor).toBe(34);
  });

  test('of() parses 1.NN', () => {
    const v = KubernetesVersion.of('1.36');
    expect(v.version).toBe('1.36');
    expect(v.minor).toBe(36);
    expect(v.toString()).toBe('1.36');
  });

  test('isAtLeast compares minors', () => {
    expect(KubernetesVersion.V1_34.isAtLeast(KubernetesVersion.V1_30)).toBe(true);
    expect(KubernetesVersion.V1_30.isAtLeast(KubernetesVersion.V1_34)).toBe(false);
    expect(KubernetesVersion.V1_34.isAtLeast(KubernetesVersion.of('1.34'))).toBe(true);
  });

  test.each(['1.34.2', 'v1.34', '2.0', '1', 'latest', ''])('of(%p) is a ValidationError', (bad) => {
    expect(() => KubernetesVersion.of(bad)).toThrow(new RegExp(`'version' must be a Kubernetes minor version of the form '1.NN', got '${bad.replace('.', '\\.')}'; use e.g. '1.34'`));
  });

  test('of() rejects versions older than the minimum', () => {
    expect(() => KubernetesVersion.of('1.27')).toThrow("'version' must be 1.28 or newer, got '1.27'; use a supported version such as '1.34'");
  });
});
