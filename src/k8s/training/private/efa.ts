/**
 * What a training pod needs to use Elastic Fabric Adapter interfaces on EKS, from AWS's documents at pinned
 * versions (vendored as data under schemas/upstream/efa/, see its SOURCES.md):
 *
 * - EKS user guide, "Run machine learning training on Amazon EKS with Elastic Fabric Adapter"
 *   (awsdocs/amazon-eks-user-guide, latest/ug/ml/node-efa.adoc at 4d52b4d05e3478582e7d10a73cbd9ba9194dd5f7):
 *   the EFA device plugin advertises the interfaces as the extended resource `vpc.amazonaws.com/efa`, which a
 *   pod requests like CPU and memory ("does not require a Pod to run in privileged mode"); instances with the
 *   EFA driver pre-allocate 5128 2MiB huge pages that pods request as `hugepages-2Mi` (its p5.48xlarge worker
 *   requests `vpc.amazonaws.com/efa: 32` and `hugepages-2Mi: 5120Mi`, requests = limits, and mounts `/dev/shm`).
 *   The example pod sets no capability (no IPC_LOCK), so the pod keeps Pod Security `restricted`.
 * - aws/aws-ofi-nccl v1.21.1 (the NCCL plugin AWS ships for EFA), doc/efa-env-var.md: `FI_PROVIDER=efa` is
 *   what aws-ofi-nccl <= 1.5.0 needs on EFA GPU instances (newer versions select the efa provider themselves
 *   when FI_PROVIDER is unset, src/platform-aws.cpp), `FI_EFA_USE_DEVICE_RDMA=1` is needed by aws-ofi-nccl
 *   1.6.x on GPUDirect-RDMA instances and "not harmful" there with newer software; NCCL_PROTO=simple is for
 *   <= 1.5.0 only and NCCL_BUFFSIZE/NCCL_MIN_CHANNELS are best left to the defaults (the plugin sets its
 *   per-platform NCCL tuning itself: platform-aws.cpp `env`), so neither is set here.
 * - Which instance types use GPUDirect RDMA: aws-ofi-nccl v1.21.1 src/platform-aws.cpp `platform_data_map`
 *   (`gdr_required`), first matching entry wins (exact name when it has no regex).
 */
import * as fs from 'fs';
import * as path from 'path';
import { GpuInstanceType } from '../../../core/gpu-instance-type';
import { schemasDir } from '../../../validation/private/schema-files';

/** The extended resource the AWS EFA Kubernetes device plugin advertises (EKS user guide, node-efa). */
export const EFA_RESOURCE = 'vpc.amazonaws.com/efa';
/** Huge pages a pod using EFA requests (EKS user guide, node-efa: the p5.48xlarge worker's `hugepages-2Mi: 5120Mi`). */
export const EFA_HUGEPAGES_RESOURCE = 'hugepages-2Mi';
export const EFA_HUGEPAGES_QUANTITY = '5120Mi';

interface OfiPlatform {
  readonly name: string;
  readonly regex: string | null;
  readonly gdrRequired: boolean;
}

let platforms: OfiPlatform[] | undefined;

function ofiPlatforms(): OfiPlatform[] {
  platforms ??= JSON.parse(fs.readFileSync(path.join(schemasDir(), 'upstream', 'efa', 'aws-ofi-nccl-v1.21.1-platforms.json'), 'utf-8')).platforms;
  return platforms!;
}

/**
 * Whether aws-ofi-nccl v1.21.1 runs the instance type with NVIDIA GPUDirect RDMA over EFA (`gdr_required`
 * of the first `platform_data_map` entry that matches; no entry: no).
 */
export function usesGpuDirectRdma(instanceType: string): boolean {
  for (const p of ofiPlatforms()) {
    const matches = p.regex === null ? p.name === instanceType : new RegExp(p.regex).test(instanceType);
    if (matches) return p.gdrRequired;
  }
  return false;
}

/** The libfabric environment of an EFA training pod on these instance types (see the file comment). */
export function efaEnvironment(instanceTypes: GpuInstanceType[]): { name: string; value: string }[] {
  const env = [{ name: 'FI_PROVIDER', value: 'efa' }];
  // Only when every type of the pool uses GPUDirect RDMA: on types without it the efa provider refuses device RDMA.
  if (instanceTypes.length > 0 && instanceTypes.every((t) => usesGpuDirectRdma(t.name))) {
    env.push({ name: 'FI_EFA_USE_DEVICE_RDMA', value: '1' });
  }
  return env;
}
