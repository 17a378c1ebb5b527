import * as fs from 'fs';
import * as path from 'path';
import { IConstruct } from 'constructs';
import { ValidationError } from '../../core/errors';
import { KubernetesVersion } from '../../core/kubernetes-version';

/*
 * The Bottlerocket NVIDIA FIPS AMI for Karpenter nodes (internal; `KarpenterGpuClass` `fips`). Karpenter 1.14.1
 * aliases resolve only the standard, NVIDIA and Neuron Bottlerocket variants (pkg/providers/amifamily/bottlerocket.go),
 * so FIPS nodes name the variant's public SSM parameter. Facts: schemas/upstream/karpenter/ (SOURCES.md).
 */
/** The Bottlerocket release FIPS nodes get unless `fipsAmiVersion` says otherwise (bottlerocket.dev data/versions/current.toml). */
export const DEFAULT_FIPS_BOTTLEROCKET_VERSION = '1.57.0';

/** `aws-k8s-*-nvidia-fips` variant names and their architectures, per Bottlerocket release line (`1.57.x`). */
export type NvidiaFipsVariants = { [releaseLine: string]: { [variant: string]: string[] } };

/** The vendored `aws-k8s-*-nvidia-fips` variants per Bottlerocket release line (schemas/upstream/karpenter/SOURCES.md). */
let fipsVariants: NvidiaFipsVariants | undefined;
export function nvidiaFipsVariants(): NvidiaFipsVariants {
  // src/k8s/private (ts-node, jest) and lib/k8s/private are both three levels below the package root
  fipsVariants ??= JSON.parse(fs.readFileSync(path.resolve(__dirname, '..', '..', '..', 'schemas', 'upstream', 'karpenter', 'bottlerocket-nvidia-fips-variants.json'), 'utf8')).nvidiaFipsVariants;
  return fipsVariants!;
}

/**
 * The public SSM parameter of the Bottlerocket NVIDIA FIPS AMI for one architecture
 * (`/aws/service/bottlerocket/<variant>/<x86_64|arm64>/<version>/image_id`, Bottlerocket QUICKSTART-EKS.md),
 * after checking that the pinned release line has the `aws-k8s-<k8s>-nvidia-fips` variant for it.
 */
export function bottlerocketNvidiaFipsAmi(o: { kubernetesVersion: KubernetesVersion; architecture: string; version: string; instanceTypes: string[] },
  scope: IConstruct, variants: NvidiaFipsVariants = nvidiaFipsVariants()): string {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(o.version);
  if (!match) {
    throw new ValidationError('fipsAmiVersion', "must be a pinned Bottlerocket release '<major>.<minor>.<patch>'", o.version,
      `use e.g. '${DEFAULT_FIPS_BOTTLEROCKET_VERSION}' (never 'latest': nodes would change under running models)`, scope);
  }
  const line = `${match[1]}.${match[2]}.x`;
  const known = Object.keys(variants);
  if (!variants[line]) {
    throw new ValidationError('fipsAmiVersion', 'is a Bottlerocket release line without a vendored list of NVIDIA FIPS variants', o.version,
      `use a release of ${known.join(', ')} (default '${DEFAULT_FIPS_BOTTLEROCKET_VERSION}')`, scope);
  }
  const variant = `aws-k8s-${o.kubernetesVersion.version}-nvidia-fips`;
  const arches = variants[line][variant];
  if (!arches) {
    const versions = Object.keys(variants[line]).map((v) => v.replace(/^aws-k8s-|-nvidia-fips$/g, ''));
    throw new ValidationError('kubernetesVersion', `has no Bottlerocket NVIDIA FIPS variant in release ${line} (fips)`, o.kubernetesVersion.version,
      `use Kubernetes ${versions.join(', ')}, another 'fipsAmiVersion', or turn 'fips' off for this pool`, scope);
  }
  // Bottlerocket names the 64-bit ARM build aarch64; its SSM parameters say arm64.
  const builtFor = arches.map((a) => (a === 'aarch64' ? 'arm64' : a));
  if (!builtFor.includes(o.architecture)) {
    throw new ValidationError('instanceTypes', `have no Bottlerocket NVIDIA FIPS AMI for ${o.architecture} (${variant} ${line} is built for ${builtFor.join(', ')}; fips)`,
      o.instanceTypes, `use ${builtFor.join(' or ')} instance types, or turn 'fips' off for this pool`, scope);
  }
  return `/aws/service/bottlerocket/${variant}/${o.architecture}/${o.version}/image_id`;
}

/**
 * The Kubernetes versions (`1.34`) that have a Bottlerocket NVIDIA FIPS build for `architecture` (`x86_64`,
 * `arm64`) in the release line of `version` (none when the line has no vendored list).
 */
export function nvidiaFipsKubernetesVersions(architecture: string, version: string = DEFAULT_FIPS_BOTTLEROCKET_VERSION,
  variants: NvidiaFipsVariants = nvidiaFipsVariants()): string[] {
  const line = variants[version.replace(/^(\d+\.\d+)\..*$/, '$1.x')] ?? {};
  return Object.entries(line)
    .filter(([, arches]) => arches.map((a) => (a === 'aarch64' ? 'arm64' : a)).includes(architecture))
    .map(([variant]) => variant.replace(/^aws-k8s-|-nvidia-fips$/g, ''))
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]));
}
