import * as fs from 'fs';
import * as path from 'path';
import { Size } from 'cdk8s';
import { GpuInstanceType, KubernetesVersion } from '../../../src/core';
import { KarpenterGpuClass } from '../../../src/k8s/gpu/karpenter-gpu-class';
import { bottlerocketNvidiaFipsAmi, nvidiaFipsVariants } from '../../../src/k8s/private/karpenter-fips-ami';
import { findObject, synthChart, TestChart } from '../../util';
import { expectValidationError } from '../fixtures';

const VARIANTS_FILE = path.join(__dirname, '..', '..', '..', 'schemas', 'upstream', 'karpenter', 'bottlerocket-nvidia-fips-variants.json');
const VENDORED = JSON.parse(fs.readFileSync(VARIANTS_FILE, 'utf8'));
const base = { poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE], nodeRole: 'acme-prod-karpenter-node', discoveryTag: 'acme-prod' };

function nodeClass(props: Partial<ConstructorParameters<typeof KarpenterGpuClass>[2]> = {}): any {
  const objects = synthChart((chart) => new KarpenterGpuClass(chart, 'Pool', { ...base, ...props }));
  return findObject(objects, 'EC2NodeClass', props.poolName ?? base.poolName).spec;
}

describe('KarpenterGpuClass AMI and volumes', () => {
  test('default: the pinned AL2023 alias (Karpenter picks its NVIDIA variant) and one encrypted root volume', () => {
    const spec = nodeClass();
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20251110' }]);
    expect(spec.amiFamily).toBeUndefined();
    expect(spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '300Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
    ]);
  });

  test('issue 13 point 5: fips selects the pinned Bottlerocket NVIDIA FIPS AMI by its public SSM parameter, not the non-FIPS alias', () => {
    const spec = nodeClass({ fips: true });
    expect(spec.amiFamily).toBe('Bottlerocket');
    expect(spec.amiSelectorTerms).toEqual([{ ssmParameter: '/aws/service/bottlerocket/aws-k8s-1.34-nvidia-fips/x86_64/1.57.0/image_id' }]);
    expect(JSON.stringify(spec.amiSelectorTerms)).not.toContain('alias');
    // the default release is the vendored current release, and it has this variant for x86_64
    expect(VENDORED.currentRelease).toBe('1.57.0');
    expect(VENDORED.nvidiaFipsVariants['1.57.x']['aws-k8s-1.34-nvidia-fips']).toContain('x86_64');
    // Bottlerocket's two volumes: a small OS volume and the data volume the kubelet and images use
    expect(spec.blockDeviceMappings).toEqual([
      { deviceName: '/dev/xvda', ebs: { volumeSize: '4Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
      { deviceName: '/dev/xvdb', rootVolume: true, ebs: { volumeSize: '300Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } },
    ]);
  });

  test('fips on Graviton with another Kubernetes version and a pinned Bottlerocket release', () => {
    const spec = nodeClass({
      poolName: 't4g', instanceTypes: [GpuInstanceType.G5G_2XLARGE], fips: true, kubernetesVersion: KubernetesVersion.V1_35, fipsAmiVersion: '1.53.2',
    });
    expect(spec.amiSelectorTerms).toEqual([{ ssmParameter: '/aws/service/bottlerocket/aws-k8s-1.35-nvidia-fips/arm64/1.53.2/image_id' }]);
    expect(VENDORED.nvidiaFipsVariants['1.53.x']['aws-k8s-1.35-nvidia-fips']).toContain('aarch64');
  });

  test('a bottlerocket alias gets Bottlerocket\'s two volumes too (the size goes to the data volume, not the OS volume)', () => {
    const spec = nodeClass({ amiAlias: 'bottlerocket@v1.57.0', volumeSize: Size.gibibytes(200) });
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'bottlerocket@v1.57.0' }]);
    expect(spec.amiFamily).toBeUndefined();
    expect(spec.blockDeviceMappings.map((b: any) => [b.deviceName, b.ebs.volumeSize, b.rootVolume ?? false])).toEqual([
      ['/dev/xvda', '4Gi', false], ['/dev/xvdb', '200Gi', true],
    ]);
  });

  test('a customer managed key encrypts every node volume (kmsKeyID)', () => {
    const arn = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    expect(nodeClass({ kmsKeyId: arn }).blockDeviceMappings.map((b: any) => b.ebs.kmsKeyID)).toEqual([arn]);
    expect(nodeClass({ kmsKeyId: 'alias/acme-prod-nodes', fips: true }).blockDeviceMappings.map((b: any) => b.ebs)).toEqual([
      { volumeSize: '4Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true, kmsKeyID: 'alias/acme-prod-nodes' },
      { volumeSize: '300Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true, kmsKeyID: 'alias/acme-prod-nodes' },
    ]);
    for (const id of ['1234abcd-12ab-34cd-56ef-1234567890ab', 'mrk-1234abcd12ab34cd56ef1234567890ab', 'arn:aws:kms:us-east-1:123456789012:alias/nodes']) {
      expect(nodeClass({ kmsKeyId: id }).blockDeviceMappings[0].ebs.kmsKeyID).toBe(id);
    }
  });

  test('errors name the prop, the value and the fix', () => {
    const chart = new TestChart();
    expectValidationError(() => new KarpenterGpuClass(chart, 'A', { ...base, poolName: 'a', fips: true, amiAlias: 'al2023@v20251110' }), 'amiAlias', "'al2023@v20251110'");
    expectValidationError(() => new KarpenterGpuClass(chart, 'B', { ...base, poolName: 'b', fipsAmiVersion: '1.57.0' }), 'fipsAmiVersion', "'1.57.0'");
    expectValidationError(() => new KarpenterGpuClass(chart, 'C', { ...base, poolName: 'c', fips: true, fipsAmiVersion: 'latest' }), 'fipsAmiVersion', "'latest'");
    expectValidationError(() => new KarpenterGpuClass(chart, 'D', { ...base, poolName: 'd', fips: true, fipsAmiVersion: '1.40.0' }), 'fipsAmiVersion',
      /got '1\.40\.0'; use a release of 1\.51\.x, .*1\.57\.x/);
    // Bottlerocket 1.57.x has no 1.28 variant, 1.51.x none for 1.35
    expectValidationError(() => new KarpenterGpuClass(chart, 'E', { ...base, poolName: 'e', fips: true, kubernetesVersion: KubernetesVersion.V1_28 }), 'kubernetesVersion',
      /has no Bottlerocket NVIDIA FIPS variant in release 1\.57\.x \(fips\), got '1\.28'; use Kubernetes 1\.29, .*1\.35/);
    expectValidationError(() => new KarpenterGpuClass(chart, 'F', { ...base, poolName: 'f', fips: true, kubernetesVersion: KubernetesVersion.V1_35, fipsAmiVersion: '1.51.0' }),
      'kubernetesVersion', "'1.35'");
    expectValidationError(() => new KarpenterGpuClass(chart, 'G', { ...base, poolName: 'g', fips: true, kubernetesVersion: KubernetesVersion.of('1.36') }), 'kubernetesVersion', "'1.36'");
    expectValidationError(() => new KarpenterGpuClass(chart, 'H', { ...base, poolName: 'h', kmsKeyId: 'my-key' }), 'kmsKeyId', "'my-key'");
    expectValidationError(() => new KarpenterGpuClass(chart, 'I', { ...base, poolName: 'i', kmsKeyId: '${TfToken[TOKEN.12]}' }), 'kmsKeyId', "'${TfToken[TOKEN.12]}'");
  });

  test('fips fails for an architecture the pinned release has no NVIDIA FIPS build for', () => {
    // every vendored variant has both architectures; a release line without an arm64 build is simulated
    const data = JSON.parse(JSON.stringify(nvidiaFipsVariants()));
    data['1.57.x']['aws-k8s-1.34-nvidia-fips'] = ['x86_64'];
    const chart = new TestChart();
    const request = { kubernetesVersion: KubernetesVersion.V1_34, version: '1.57.0', instanceTypes: ['g5g.2xlarge'] };
    expectValidationError(() => bottlerocketNvidiaFipsAmi({ ...request, architecture: 'arm64' }, chart, data),
      'instanceTypes', /have no Bottlerocket NVIDIA FIPS AMI for arm64 \(aws-k8s-1\.34-nvidia-fips 1\.57\.x is built for x86_64; fips\), got \["g5g\.2xlarge"\]; use x86_64 instance types, or turn 'fips' off/);
    expect(bottlerocketNvidiaFipsAmi({ ...request, architecture: 'x86_64' }, chart, data)).toBe('/aws/service/bottlerocket/aws-k8s-1.34-nvidia-fips/x86_64/1.57.0/image_id');
    // with the vendored data, arm64 has a build
    expect(bottlerocketNvidiaFipsAmi({ ...request, architecture: 'arm64' }, chart)).toBe('/aws/service/bottlerocket/aws-k8s-1.34-nvidia-fips/arm64/1.57.0/image_id');
  });
});
