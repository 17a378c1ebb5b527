import * as fs from 'fs';
import * as path from 'path';
import { CpuArchitecture, GpuInstanceType, GpuModel } from '../../src/core/gpu-instance-type';

/** EC2 facts extracted from aws/karpenter-provider-aws v1.14.1 (schemas/upstream/ec2/SOURCES.md). */
interface UpstreamFacts {
  readonly gpuCount: number;
  readonly gpuName: string;
  readonly gpuMemoryMiB: number;
  readonly vcpu: number;
  readonly memoryMiB: number;
  readonly arch: string;
  readonly maximumEfaInterfaces: number;
  readonly networkCards: number;
  readonly defaultNetworkCardIndex: number;
  readonly maximumNetworkInterfacesPerCard: number[];
}
const UPSTREAM: { [name: string]: UpstreamFacts } = JSON.parse(fs.readFileSync(path.join(__dirname, '../../schemas/upstream/ec2/gpu-instance-types-karpenter-1.14.1.json'), 'utf-8'));

describe('GpuInstanceType', () => {
  test.each([
    // name, model, gpus, gpu GiB, vcpu, memory GiB, efa
    ['g5.xlarge', 'A10G', 1, 24, 4, 16, false],
    ['g5.12xlarge', 'A10G', 4, 24, 48, 192, true],
    ['g5.48xlarge', 'A10G', 8, 24, 192, 768, true],
    ['g6.2xlarge', 'L4', 1, 24, 8, 32, false],
    ['g6.48xlarge', 'L4', 8, 24, 192, 768, true],
    ['g6e.xlarge', 'L40S', 1, 48, 4, 32, false],
    ['g6e.12xlarge', 'L40S', 4, 48, 48, 384, true],
    ['p4d.24xlarge', 'A100', 8, 40, 96, 1152, true],
    ['p4de.24xlarge', 'A100', 8, 80, 96, 1152, true],
    ['p5.48xlarge', 'H100', 8, 80, 192, 2048, true],
    ['p5e.48xlarge', 'H200', 8, 141, 192, 2048, true],
    ['p5en.48xlarge', 'H200', 8, 141, 192, 2048, true],
  ])('%s has the EC2 accelerator facts', (name, model, gpus, gpuMem, vcpu, mem, efa) => {
    const t = GpuInstanceType.of(name as string);
    expect(t.name).toBe(name);
    expect(t.gpuModel.name).toBe(model);
    expect(t.gpuCount).toBe(gpus);
    expect(t.gpuMemoryGiB).toBe(gpuMem);
    expect(t.totalGpuMemoryGiB).toBe((gpus as number) * (gpuMem as number));
    expect(t.vcpu).toBe(vcpu);
    expect(t.memoryGiB).toBe(mem);
    expect(t.efaSupported).toBe(efa);
    expect(t.architecture).toBe(CpuArchitecture.X86_64);
  });

  test.each(GpuInstanceType.all().map((t) => [t.name, t] as const))('%s matches the EC2 facts upstream generates', (name, t) => {
    const up = UPSTREAM[name];
    expect(up).toBeDefined();
    expect(t.gpuCount).toBe(up.gpuCount);
    expect(t.gpuModel.instanceGpuName).toBe(up.gpuName);
    expect(t.vcpu).toBe(up.vcpu);
    expect(t.memoryGiB * 1024).toBe(up.memoryMiB);
    expect(t.architecture).toBe(up.arch === 'arm64' ? CpuArchitecture.ARM64 : CpuArchitecture.X86_64);
    expect(t.maxEfaInterfaces).toBe(up.maximumEfaInterfaces);
    expect(t.networkCards).toBe(up.networkCards);
    expect(t.efaSupported).toBe(up.maximumEfaInterfaces > 0);
    expect(t.efaOnlySupported).toBe(up.maximumEfaInterfaces > 0);
  });

  test('the vendored table is the one the facts come from: every listed family is in it, one EFA per card at most', () => {
    expect(Object.keys(UPSTREAM).length).toBeGreaterThanOrEqual(GpuInstanceType.all().length);
    for (const [name, up] of Object.entries(UPSTREAM)) {
      expect(up.maximumEfaInterfaces).toBeLessThanOrEqual(up.networkCards);
      expect(up.maximumNetworkInterfacesPerCard).toHaveLength(up.networkCards);
      expect(up.defaultNetworkCardIndex).toBe(0);
      expect(name).toMatch(/^(g5|g5g|g6|g6e|p4d|p4de|p5|p5e|p5en)\./);
    }
  });

  test.each([
    // name, max EFA interfaces, network cards
    ['g5.xlarge', 0, 1],
    ['g5.8xlarge', 1, 1],
    ['g6e.24xlarge', 2, 2],
    ['g6e.48xlarge', 4, 4],
    ['p4d.24xlarge', 4, 4],
    ['p5.48xlarge', 32, 32],
    ['p5e.48xlarge', 32, 32],
    ['p5en.48xlarge', 16, 16],
  ])('%s has %d EFA interfaces on %d network cards', (name, efa, cards) => {
    const t = GpuInstanceType.of(name as string);
    expect(t.maxEfaInterfaces).toBe(efa);
    expect(t.networkCards).toBe(cards);
  });

  test('constants and of() return the same instance', () => {
    expect(GpuInstanceType.of('g6e.12xlarge')).toBe(GpuInstanceType.G6E_12XLARGE);
    expect(GpuInstanceType.P5_48XLARGE.family).toBe('p5');
    expect(GpuInstanceType.P5_48XLARGE.size).toBe('48xlarge');
    expect(GpuInstanceType.P5_48XLARGE.toString()).toBe('p5.48xlarge');
  });

  test('Graviton GPU types are arm64', () => {
    expect(GpuInstanceType.G5G_2XLARGE.architecture).toBe(CpuArchitecture.ARM64);
    expect(GpuInstanceType.G5G_2XLARGE.gpuModel).toBe(GpuModel.T4G);
  });

  test('the Karpenter GPU name comes with the model', () => {
    expect(GpuInstanceType.G5_2XLARGE.gpuModel.instanceGpuName).toBe('a10g');
    expect(GpuInstanceType.G6E_2XLARGE.gpuModel.instanceGpuName).toBe('l40s');
    expect(GpuInstanceType.P5_48XLARGE.gpuModel.instanceGpuName).toBe('h100');
  });

  test('all() lists every known type, sorted', () => {
    const names = GpuInstanceType.all().map((t) => t.name);
    expect(names).toContain('g6e.48xlarge');
    expect(names).toEqual([...names].sort());
    for (const family of ['g5', 'g6', 'g6e', 'p4d', 'p5', 'p5e']) expect(names.some((n) => n.startsWith(`${family}.`))).toBe(true);
  });

  test('a non-GPU instance type is a ValidationError', () => {
    expect(() => GpuInstanceType.of('m5.large')).toThrow(/^'instanceType' is not an NVIDIA GPU instance type this release knows, got 'm5.large'; use a GPU type \(g5, g6, g6e/);
  });

  test('an unknown size of a GPU family names the known sizes', () => {
    expect(() => GpuInstanceType.of('g6e.3xlarge')).toThrow(/'instanceType' is not a known size of the g6e family, got 'g6e.3xlarge'; use one of g6e.xlarge, g6e.2xlarge/);
  });

  test('a malformed name is a ValidationError', () => {
    expect(() => GpuInstanceType.of('g6e')).toThrow(/'instanceType' must be an EC2 instance type of the form '<family>.<size>', got 'g6e'/);
  });

  test('custom() takes facts for types this release does not list', () => {
    const t = GpuInstanceType.custom('g7.12xlarge', { gpuModel: GpuModel.of({ name: 'B200', memoryGiB: 180, instanceGpuName: 'b200' }), gpuCount: 4, vcpu: 48, memoryGiB: 512 });
    expect(t.gpuCount).toBe(4);
    expect(t.totalGpuMemoryGiB).toBe(720);
    expect(t.efaSupported).toBe(false);
    expect(t.maxEfaInterfaces).toBe(0);
    expect(t.networkCards).toBe(1);
    expect(t.efaOnlySupported).toBe(false);
    expect(t.architecture).toBe(CpuArchitecture.X86_64);
  });

  test('custom() EFA facts: defaults from efaSupported, explicit counts, EFA-only', () => {
    const base = { gpuModel: GpuModel.H100, gpuCount: 8, vcpu: 192, memoryGiB: 2048 };
    const legacy = GpuInstanceType.custom('p6.48xlarge', { ...base, efaSupported: true });
    expect([legacy.efaSupported, legacy.maxEfaInterfaces, legacy.networkCards, legacy.efaOnlySupported]).toEqual([true, 1, 1, true]);
    const full = GpuInstanceType.custom('p6.48xlarge', { ...base, maxEfaInterfaces: 16, networkCards: 16 });
    expect([full.efaSupported, full.maxEfaInterfaces, full.networkCards, full.efaOnlySupported]).toEqual([true, 16, 16, true]);
    const noEfaOnly = GpuInstanceType.custom('p6.48xlarge', { ...base, maxEfaInterfaces: 4, efaOnlySupported: false });
    expect([noEfaOnly.networkCards, noEfaOnly.efaOnlySupported]).toEqual([4, false]);
    const moreCards = GpuInstanceType.custom('p6.48xlarge', { ...base, maxEfaInterfaces: 2, networkCards: 4 });
    expect(moreCards.networkCards).toBe(4);
  });

  test('custom() validates its EFA facts', () => {
    const base = { gpuModel: GpuModel.H100, gpuCount: 8, vcpu: 192, memoryGiB: 2048 };
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, maxEfaInterfaces: -1 })).toThrow(
      "'maxEfaInterfaces' must be a whole number of at least 0, got -1; pass the type's EfaInfo.MaximumEfaInterfaces from 'aws ec2 describe-instance-types' (0 when it has no EFA)");
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, maxEfaInterfaces: 1.5 })).toThrow(/'maxEfaInterfaces' must be a whole number of at least 0, got 1.5/);
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, efaSupported: false, maxEfaInterfaces: 4 })).toThrow(
      "'efaSupported' contradicts maxEfaInterfaces 4, got false; drop efaSupported and pass only maxEfaInterfaces (0 means no EFA)");
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, efaSupported: true, maxEfaInterfaces: 0 })).toThrow(/'efaSupported' contradicts maxEfaInterfaces 0, got true/);
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, networkCards: 0 })).toThrow(/'networkCards' must be a positive whole number, got 0/);
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, maxEfaInterfaces: 8, networkCards: 4 })).toThrow(
      "'maxEfaInterfaces' exceeds the 4 network card(s); EC2 allows one EFA per network card, got 8; pass the type's facts from 'aws ec2 describe-instance-types' (MaximumEfaInterfaces, NetworkCards)");
    expect(() => GpuInstanceType.custom('p6.48xlarge', { ...base, efaOnlySupported: true })).toThrow(
      "'efaOnlySupported' needs EFA, but maxEfaInterfaces is 0, got true; drop efaOnlySupported or pass the maxEfaInterfaces of the type");
  });

  test('custom() validates its facts', () => {
    expect(() => GpuInstanceType.custom('g7', { gpuModel: GpuModel.L4, gpuCount: 1, vcpu: 4, memoryGiB: 16 })).toThrow(/'instanceType' must be an EC2 instance type/);
    expect(() => GpuInstanceType.custom('g7.xlarge', { gpuModel: GpuModel.L4, gpuCount: 0, vcpu: 4, memoryGiB: 16 })).toThrow("'gpuCount' must be a positive whole number, got 0; pass the instance type's gpuCount from the EC2 documentation");
    expect(() => GpuInstanceType.custom('g7.xlarge', { gpuModel: GpuModel.L4, gpuCount: 1, vcpu: 1.5, memoryGiB: 16 })).toThrow(/'vcpu' must be a positive whole number, got 1.5/);
  });

  test('GpuModel.of() validates its props', () => {
    expect(() => GpuModel.of({ name: '', memoryGiB: 10, instanceGpuName: 'x' })).toThrow(/'name' must be a non-empty GPU model name/);
    expect(() => GpuModel.of({ name: 'X', memoryGiB: 0, instanceGpuName: 'x' })).toThrow(/'memoryGiB' must be a positive number of GiB, got 0/);
    expect(() => GpuModel.of({ name: 'X', memoryGiB: 10, instanceGpuName: 'X Y' })).toThrow(/'instanceGpuName' must be the lowercase EC2 GPU name, got 'X Y'/);
  });
});
