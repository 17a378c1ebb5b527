import * as fs from 'fs';
import * as path from 'path';
import { GpuInstanceType, GpuPool, IGpuPool } from '../../../src/core';
import { FineTuningJob, FineTuningJobProps } from '../../../src/k8s/training/fine-tuning-job';
import { usesGpuDirectRdma } from '../../../src/k8s/training/private/efa';
import { PlatformTwin } from '../../../src/twin/platform-twin';
import { findObject, synthChart } from '../../util';
import { DIGEST, expectValidationError, hfSource, l40sPool, tenant } from '../fixtures';

const IMAGE = `ghcr.io/acme/lora-trainer:1.2.0@${DIGEST}`;

function pool(name: string, ...types: GpuInstanceType[]): IGpuPool {
  return GpuPool.fromAttributes({ poolName: name, instanceTypes: types });
}

function props(t: any, more: Partial<FineTuningJobProps> = {}): FineTuningJobProps {
  return {
    tenant: t,
    jobName: 'support-lora',
    image: IMAGE,
    command: ['python', '-m', 'train_lora'],
    baseModel: hfSource(),
    pool: pool('h100', GpuInstanceType.P5_48XLARGE),
    datasetUri: 's3://acme-data/support/2024-06/',
    adapterOutputUri: 's3://acme-models/adapters/support-lora/',
    workers: 2,
    gpusPerWorker: 8,
    ...more,
  };
}

/** Every container of every replica of the job's PyTorchJob (validated against the shipped PyTorchJob CRD by synthChart). */
function containers(objects: any[]): any[] {
  const job = findObject(objects, 'PyTorchJob', 'support-lora');
  return Object.values<any>(job.spec.pytorchReplicaSpecs).map((r) => r.template.spec.containers[0]);
}

const env = (c: any) => Object.fromEntries(c.env.map((e: any) => [e.name, e.value]));

describe('FineTuningJob on EFA (issue 13, point 4)', () => {
  test('default: no EFA request, no huge pages, no libfabric environment', () => {
    const objects = synthChart((chart) => { new FineTuningJob(chart, 'Lora', props(tenant(chart, { gpuQuota: 16 }))); });
    for (const c of containers(objects)) {
      expect(Object.keys(c.resources.limits).sort()).toEqual(['cpu', 'memory', 'nvidia.com/gpu']);
      expect(c.env.map((e: any) => e.name)).not.toContain('FI_PROVIDER');
    }
  });

  test('efaDevices: every pod (master and worker) of a multi-node p5.48xlarge job requests all 32 interfaces, huge pages and the libfabric environment', () => {
    let job!: FineTuningJob;
    const objects = synthChart((chart) => { job = new FineTuningJob(chart, 'Lora', props(tenant(chart, { gpuQuota: 16 }), { efaDevices: 32 })); });
    expect(job.efaDevices).toBe(32);
    const all = containers(objects);
    expect(all).toHaveLength(2); // Master and Worker
    for (const c of all) {
      // EKS user guide node-efa: requests = limits, vpc.amazonaws.com/efa and 5120Mi of hugepages-2Mi per worker.
      expect(c.resources.requests).toEqual(c.resources.limits);
      expect(c.resources.limits).toMatchObject({ 'vpc.amazonaws.com/efa': '32', 'hugepages-2Mi': '5120Mi', 'nvidia.com/gpu': '8' });
      // aws-ofi-nccl v1.21.1: p5 uses GPUDirect RDMA.
      expect(env(c)).toMatchObject({ FI_PROVIDER: 'efa', FI_EFA_USE_DEVICE_RDMA: '1' });
      expect(c.env.map((e: any) => e.name)).not.toContain('NCCL_PROTO');
      // Pod Security restricted kept: no capability added, privilege escalation off.
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL'] });
      expect(c.securityContext.allowPrivilegeEscalation).toBe(false);
      expect(c.volumeMounts).toContainEqual({ name: 'dshm', mountPath: '/dev/shm' });
    }
  });

  test('EFA pods pass the tenant namespace\'s Pod Security restricted level in the twin', () => {
    const objects = synthChart((chart) => { new FineTuningJob(chart, 'Lora', props(tenant(chart, { gpuQuota: 16 }), { efaDevices: 32 })); });
    const admission = PlatformTwin.check(objects).problems.filter((p) => p.check === 'admission' && p.object === 'PyTorchJob search/support-lora');
    // Only the training operator's own init container (built-in template, no securityContext; the platform's add-on patches it) is denied.
    expect(admission.length).toBeGreaterThan(0);
    for (const p of admission) expect(p.problem).toContain('container "init-pytorch"');
    expect(admission.filter((p) => p.problem.includes('"pytorch"') || (p.field ?? '').includes('Master'))).toEqual([]);
  });

  test('EFA instance types without GPUDirect RDMA get FI_PROVIDER only; fewer interfaces than the node has are allowed', () => {
    const objects = synthChart((chart) => {
      new FineTuningJob(chart, 'Lora', props(tenant(chart, { gpuQuota: 16 }), { pool: pool('l40s', GpuInstanceType.G6E_48XLARGE), efaDevices: 2 }));
    });
    for (const c of containers(objects)) {
      expect(c.resources.limits['vpc.amazonaws.com/efa']).toBe('2');
      expect(env(c).FI_PROVIDER).toBe('efa');
      expect(env(c)).not.toHaveProperty('FI_EFA_USE_DEVICE_RDMA');
    }
  });

  test('GPUDirect RDMA follows aws-ofi-nccl v1.21.1 platform_data_map (first match wins, exact names without regex)', () => {
    const rdma = GpuInstanceType.all().filter((t) => usesGpuDirectRdma(t.name)).map((t) => t.name);
    expect(rdma).toEqual(['p4d.24xlarge', 'p4de.24xlarge', 'p5.48xlarge', 'p5e.48xlarge', 'p5en.48xlarge']);
    expect(usesGpuDirectRdma('p5.4xlarge')).toBe(false); // exact entry before the p5 regex
    expect(usesGpuDirectRdma('g5.48xlarge')).toBe(false);
    const vendored = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../schemas/upstream/efa/aws-ofi-nccl-v1.21.1-platforms.json'), 'utf-8'));
    expect(vendored.source).toMatchObject({ tag: 'v1.21.1', commit: '2475c4c736907e68ebeadb3848f31231ee4a44d0' });
  });

  test('p4d (4 interfaces, GPUDirect RDMA) and a pool mixing RDMA and non-RDMA types', () => {
    const objects = synthChart((chart) => { new FineTuningJob(chart, 'Lora', props(tenant(chart, { gpuQuota: 16 }), { pool: pool('a100', GpuInstanceType.P4D_24XLARGE), efaDevices: 4 })); });
    expect(env(containers(objects)[0]).FI_EFA_USE_DEVICE_RDMA).toBe('1');
    // One GPU model per pool: p5.48xlarge and a p5.4xlarge-like custom type (no RDMA in aws-ofi-nccl) cannot share H100 by name only; use a custom type.
    const custom = GpuInstanceType.custom('p5.4xlarge', { gpuModel: GpuInstanceType.P5_48XLARGE.gpuModel, gpuCount: 1, vcpu: 16, memoryGiB: 256, maxEfaInterfaces: 1 });
    const mixed = synthChart((chart) => {
      new FineTuningJob(chart, 'Lora', props(tenant(chart, { gpuQuota: 16 }), { pool: pool('h100', GpuInstanceType.P5_48XLARGE, custom), gpusPerWorker: 1, efaDevices: 1 }));
    });
    expect(env(containers(mixed)[0])).toMatchObject({ FI_PROVIDER: 'efa' });
    expect(env(containers(mixed)[0])).not.toHaveProperty('FI_EFA_USE_DEVICE_RDMA');
  });

  test('bad input names the prop, the value and the fix', () => {
    synthChart((chart) => {
      const t = tenant(chart, { gpuQuota: 16 });
      // EFA on an instance type without EFA (issue 13 "Done when").
      expectValidationError(() => new FineTuningJob(chart, 'A', props(t, { jobName: 'a', pool: pool('l40s', GpuInstanceType.G6E_2XLARGE, GpuInstanceType.G6E_8XLARGE), gpusPerWorker: 1, efaDevices: 1 })),
        'efaDevices', /needs instance types with EFA, but pool 'l40s' has g6e\.2xlarge \(no EFA interfaces\), got 1; run the job on a pool of EFA instance types/);
      // g6e.12xlarge has one EFA interface (one network card).
      expectValidationError(() => new FineTuningJob(chart, 'A2', props(t, { jobName: 'a2', pool: l40sPool(), gpusPerWorker: 4, efaDevices: 2 })),
        'efaDevices', /pool 'l40s' \(1 on its smallest instance type\), got 2; request at most 1/);
      expectValidationError(() => new FineTuningJob(chart, 'B', props(t, { jobName: 'b', efaDevices: 33 })),
        'efaDevices', /must fit the EFA interfaces of one node of pool 'h100' \(32 on its smallest instance type\), got 33; request at most 32/);
      expectValidationError(() => new FineTuningJob(chart, 'C', props(t, { jobName: 'c', workers: 1, efaDevices: 32 })),
        'efaDevices', /one worker, got 32; set 'workers' to 2 or more/);
      expectValidationError(() => new FineTuningJob(chart, 'D', props(t, { jobName: 'd', efaDevices: -1 })), 'efaDevices', '-1');
      expectValidationError(() => new FineTuningJob(chart, 'E', props(t, { jobName: 'e', efaDevices: 1.5 })), 'efaDevices', '1.5');
    });
  });
});
