import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size } from 'cdk8s';
import { GpuInstanceType, PlatformLabels, TaintEffect } from '../../src/core';
import { DcgmExporter } from '../../src/k8s/gpu/dcgm-exporter';
import { CapacityType, DisruptionReason, KarpenterGpuClass } from '../../src/k8s/gpu/karpenter-gpu-class';
import { NvidiaDevicePlugin } from '../../src/k8s/gpu/nvidia-device-plugin';
import { ServingImages } from '../../src/k8s/serving/serving-images';
import { GpuDashboard, GpuHealthAlerts } from '../../src/observability';
import { findObject, findObjects, synthChart } from '../util';
import { DIGEST, expectValidationError, model, podOf, tenant } from './fixtures';

const base = { poolName: 'l40s', instanceTypes: [GpuInstanceType.G6E_12XLARGE, GpuInstanceType.G6E_24XLARGE], nodeRole: 'acme-karpenter-node', discoveryTag: 'acme-prod' };

describe('KarpenterGpuClass', () => {
  let objects: any[];
  let pool: KarpenterGpuClass;
  beforeAll(() => {
    objects = synthChart((chart) => {
      pool = new KarpenterGpuClass(chart, 'L40s', { ...base, maxNodes: 3 });
      // 2 replicas + 1 rollout surge of 4 GPUs
      model(chart, { pool, gpusPerReplica: 4, replicas: { min: 1, max: 2 } }, tenant(chart, { gpuQuota: 12 }));
    });
  });

  test('implements IGpuPool with the labels and taints its nodes get', () => {
    expect(pool.poolName).toBe('l40s');
    expect(pool.gpusPerNode).toBe(4);
    expect(pool.maxNodes).toBe(3);
    expect(pool.nodeLabels).toEqual({ [PlatformLabels.GPU_POOL]: 'l40s', [PlatformLabels.ACCELERATOR]: 'l40s', [PlatformLabels.GPU_COUNT]: '4' });
    const np = findObject(objects, 'NodePool', 'l40s');
    expect(np.spec.template.metadata.labels).toEqual(pool.nodeLabels);
    expect(np.spec.template.spec.taints).toEqual([{ key: 'nvidia.com/gpu', value: 'true', effect: 'NoSchedule' }]);
  });

  test('a model on the class selects exactly the NodePool labels and tolerates its taints', () => {
    const np = findObject(objects, 'NodePool', 'l40s');
    const p = podOf(findObject(objects, 'Deployment', 'llama3-8b-stable'));
    const exprs = p.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions;
    for (const e of exprs) expect(np.spec.template.metadata.labels[e.key]).toBe(e.values[0]);
    for (const t of np.spec.template.spec.taints) expect(p.tolerations).toContainEqual({ key: t.key, operator: 'Equal', value: t.value, effect: t.effect });
  });

  test('requirements on instance type, family, GPU name, capacity type, arch', () => {
    const req = findObject(objects, 'NodePool', 'l40s').spec.template.spec.requirements;
    expect(req).toEqual([
      { key: 'node.kubernetes.io/instance-type', operator: 'In', values: ['g6e.12xlarge', 'g6e.24xlarge'] },
      { key: 'karpenter.k8s.aws/instance-family', operator: 'In', values: ['g6e'] },
      { key: 'karpenter.k8s.aws/instance-gpu-name', operator: 'In', values: ['l40s'] },
      { key: 'karpenter.sh/capacity-type', operator: 'In', values: ['on-demand'] },
      { key: 'kubernetes.io/arch', operator: 'In', values: ['amd64'] },
      { key: 'kubernetes.io/os', operator: 'In', values: ['linux'] },
    ]);
  });

  test('defect 16: drift rolls out one node at a time, expireAfter 30 days, drains bounded by terminationGracePeriod 1h, GPU limit', () => {
    const spec = findObject(objects, 'NodePool', 'l40s').spec;
    expect(spec.disruption).toEqual({
      consolidationPolicy: 'WhenEmpty',
      consolidateAfter: '10m',
      budgets: [{ nodes: '1', reasons: ['Drifted'] }, { nodes: '1', reasons: ['Empty'] }, { nodes: '0', reasons: ['Underutilized'] }],
    });
    expect(spec.template.spec.expireAfter).toBe('720h');
    expect(spec.template.spec.terminationGracePeriod).toBe('1h');
    // Model pods no longer pin their node: their PodDisruptionBudget governs drains.
    const tpl = findObject(objects, 'Deployment', 'llama3-8b-stable').spec.template;
    expect(tpl.metadata.annotations['karpenter.sh/do-not-disrupt']).toBeUndefined();
    expect(spec.limits).toEqual({ 'nvidia.com/gpu': '12' });
    expect(spec.template.spec.nodeClassRef).toEqual({ group: 'karpenter.k8s.aws', kind: 'EC2NodeClass', name: 'l40s' });
  });

  test('EC2NodeClass: IMDSv2 hop limit 1, encrypted gp3, pinned AMI, discovery selectors', () => {
    const spec = findObject(objects, 'EC2NodeClass', 'l40s').spec;
    expect(spec.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpProtocolIPv6: 'disabled', httpPutResponseHopLimit: 1, httpTokens: 'required' });
    expect(spec.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', rootVolume: true, ebs: { volumeSize: '300Gi', volumeType: 'gp3', encrypted: true, deleteOnTermination: true } }]);
    expect(spec.amiSelectorTerms).toEqual([{ alias: 'al2023@v20251110' }]);
    expect(spec.role).toBe('acme-karpenter-node');
    expect(spec.subnetSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'acme-prod' } }]);
    expect(spec.securityGroupSelectorTerms).toEqual([{ tags: { 'karpenter.sh/discovery': 'acme-prod' } }]);
  });

  test('options: spot, Graviton, custom taints/labels, KMS, durations', () => {
    let g!: KarpenterGpuClass;
    const o = synthChart((chart) => {
      g = new KarpenterGpuClass(chart, 'T4g', {
        poolName: 't4g',
        instanceTypes: [GpuInstanceType.G5G_2XLARGE],
        nodeRole: 'r',
        discoveryTag: 'c',
        capacityTypes: [CapacityType.SPOT, CapacityType.ON_DEMAND],
        expireAfter: Duration.hours(48),
        consolidateAfter: Duration.seconds(90),
        terminationGracePeriod: Duration.hours(2),
        disruptionBudgets: [
          { nodes: '0', reasons: [DisruptionReason.DRIFTED], schedule: '0 9 * * mon-fri', duration: Duration.hours(8) },
          { nodes: '20%' },
        ],
        amiAlias: 'bottlerocket@1.30.0',
        volumeSize: Size.gibibytes(200),
        kmsKeyId: 'alias/ebs',
        extraLabels: { 'example.com/team': 'ml' },
        taints: [{ key: 'example.com/gpu', effect: TaintEffect.NO_EXECUTE }],
        tags: { team: 'ml' },
      });
    });
    const np = findObject(o, 'NodePool', 't4g').spec;
    expect(np.template.spec.requirements[3].values).toEqual(['on-demand', 'spot']);
    expect(np.template.spec.requirements[4].values).toEqual(['arm64']);
    expect(np.template.spec.expireAfter).toBe('48h');
    expect(np.template.spec.terminationGracePeriod).toBe('2h');
    expect(np.disruption.consolidateAfter).toBe('90s');
    expect(np.disruption.budgets).toEqual([{ nodes: '0', reasons: ['Drifted'], schedule: '0 9 * * mon-fri', duration: '8h' }, { nodes: '20%' }]);
    expect(np.limits).toBeUndefined();
    expect(np.template.metadata.labels['example.com/team']).toBe('ml');
    expect(g.taints).toEqual([{ key: 'example.com/gpu', effect: 'NoExecute' }]);
    const nc = findObject(o, 'EC2NodeClass', 't4g').spec;
    // Bottlerocket: the size goes to the data volume (/dev/xvdb), the OS volume stays 4Gi; both use the key
    expect(nc.blockDeviceMappings.map((b: any) => [b.deviceName, b.ebs.volumeSize, b.ebs.kmsKeyID])).toEqual([['/dev/xvda', '4Gi', 'alias/ebs'], ['/dev/xvdb', '200Gi', 'alias/ebs']]);
    expect(nc.tags).toEqual({ 'team': 'ml', 'llm-platform.io/gpu-pool': 't4g' });
  });

  test('bad input', () => {
    synthChart((chart) => {
      expectValidationError(() => new KarpenterGpuClass(chart, 'A', { ...base, poolName: 'L40S' }), 'poolName', "'L40S'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'B', { ...base, poolName: 'b', instanceTypes: [GpuInstanceType.G5_2XLARGE, GpuInstanceType.G6E_2XLARGE] }), 'instanceTypes', /got \[/);
      expectValidationError(() => new KarpenterGpuClass(chart, 'C', { ...base, poolName: 'c', nodeRole: 'arn:aws:iam::1:role/x' }), 'nodeRole', "'arn:aws:iam::1:role/x'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'D', { ...base, poolName: 'd', amiAlias: 'al2023@latest' }), 'amiAlias', "'al2023@latest'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'E', { ...base, poolName: 'e', maxNodes: 0 }), 'maxNodes', '0');
      expectValidationError(() => new KarpenterGpuClass(chart, 'F', { ...base, poolName: 'f', volumeSize: Size.gibibytes(20) }), 'volumeSize', "'20Gi'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'G', { ...base, poolName: 'g', extraLabels: { 'karpenter.sh/x': 'y' } }), 'extraLabels.karpenter.sh/x', "'karpenter.sh/x'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'H', { ...base, poolName: 'h', discoveryTag: '' }), 'discoveryTag', "''");
      expectValidationError(() => new KarpenterGpuClass(chart, 'I', { ...base, poolName: 'i', capacityTypes: [] }), 'capacityTypes', '[]');
      expectValidationError(() => new KarpenterGpuClass(chart, 'J', { ...base, poolName: 'j', terminationGracePeriod: Duration.seconds(30) }), 'terminationGracePeriod', "'30s'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'K', { ...base, poolName: 'k', disruptionBudgets: [{ nodes: 'one' }] }), 'disruptionBudgets[0].nodes', "'one'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'L', { ...base, poolName: 'l', disruptionBudgets: [{ nodes: '101%' }] }), 'disruptionBudgets[0].nodes', "'101%'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'M', { ...base, poolName: 'm', disruptionBudgets: [{ nodes: '1', schedule: '@daily' }] }), 'disruptionBudgets[0].duration', "'@daily'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'N', { ...base, poolName: 'n', disruptionBudgets: [{ nodes: '1', duration: Duration.hours(1) }] }), 'disruptionBudgets[0].schedule', '60');
      expectValidationError(() => new KarpenterGpuClass(chart, 'O', { ...base, poolName: 'o', disruptionBudgets: [{ nodes: '1', schedule: 'daily', duration: Duration.hours(1) }] }), 'disruptionBudgets[0].schedule', "'daily'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'P', { ...base, poolName: 'p', disruptionBudgets: [{ nodes: '1', schedule: '@daily', duration: Duration.seconds(90) }] }), 'disruptionBudgets[0].duration', "'90s'");
      expectValidationError(() => new KarpenterGpuClass(chart, 'Q', { ...base, poolName: 'q', disruptionBudgets: [{ nodes: '1', reasons: ['Expired' as any] }] }), 'disruptionBudgets[0].reasons[0]', "'Expired'");
    });
  });
});

describe('GPU node agents', () => {
  test('device plugin and DCGM exporter: pinned, GPU nodes only, tolerate the GPU taint', () => {
    const objects = synthChart((chart) => {
      new NvidiaDevicePlugin(chart, 'Plugin');
      new DcgmExporter(chart, 'Dcgm');
    });
    for (const name of ['nvidia-device-plugin', 'dcgm-exporter']) {
      const ds = findObject(objects, 'DaemonSet', name);
      const pod = ds.spec.template.spec;
      expect(ds.metadata.namespace).toBe('kube-system');
      expect(pod.tolerations).toContainEqual({ key: 'nvidia.com/gpu', operator: 'Exists', effect: 'NoSchedule' });
      expect(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: PlatformLabels.GPU_POOL, operator: 'Exists' }] }]);
      expect(pod.containers[0].image).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(pod.containers[0].securityContext.allowPrivilegeEscalation).toBe(false);
      expect(pod.priorityClassName).toBe('system-node-critical');
      expect(pod.automountServiceAccountToken).toBe(false);
    }
    expect(findObject(objects, 'DaemonSet', 'nvidia-device-plugin').spec.template.spec.containers[0].image).toBe(ServingImages.NVIDIA_DEVICE_PLUGIN);
    const dcgm = findObject(objects, 'DaemonSet', 'dcgm-exporter').spec.template.spec.containers[0];
    expect(dcgm.image).toBe(ServingImages.DCGM_EXPORTER);
    expect(dcgm.securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(dcgm.ports).toEqual([{ name: 'metrics', containerPort: 9400, protocol: 'TCP' }]);
    const svc = findObject(objects, 'Service', 'dcgm-exporter');
    expect(svc.spec.ports).toEqual([{ name: 'metrics', port: 9400, targetPort: 'metrics', protocol: 'TCP', appProtocol: 'http' }]);
  });

  test('options and bad input', () => {
    const objects = synthChart((chart) => {
      new NvidiaDevicePlugin(chart, 'Plugin', { namespace: 'gpu-system', image: `mirror/plugin@${DIGEST}` });
      new DcgmExporter(chart, 'Dcgm', { namespace: 'gpu-system', profilingMetrics: true, image: 'nvcr.io/nvidia/k8s/dcgm-exporter:4.5.2', allowUnpinnedImage: true });
      expectValidationError(() => new NvidiaDevicePlugin(chart, 'Bad', { image: 'nvcr.io/nvidia/k8s-device-plugin:v0.17.1' }), 'image', "'nvcr.io/nvidia/k8s-device-plugin:v0.17.1'");
      expectValidationError(() => new DcgmExporter(chart, 'Bad2', { namespace: 'GPU' }), 'namespace', "'GPU'");
    });
    expect(findObject(objects, 'DaemonSet', 'nvidia-device-plugin').metadata.namespace).toBe('gpu-system');
    expect(findObject(objects, 'DaemonSet', 'dcgm-exporter').spec.template.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'], add: ['SYS_ADMIN'] });
  });

  describe('defect 12: the GPU alerts read DCGM fields the default counters file leaves out', () => {
    /** dcgm-exporter 4.5.2-4.8.1 etc/default-counters.csv, vendored byte-exact. */
    const upstreamFile = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'metrics', 'dcgm-exporter-4.5.2-4.8.1-default-counters.csv');
    const activeFields = (csv: string) => csv.split('\n').map((l) => /^(DCGM_[A-Z0-9_]+)\s*,/.exec(l.trim())?.[1]).filter((f): f is string => f !== undefined);
    /** Every DCGM_FI_* name the platform's GPU alerts and dashboard query. */
    const queriedFields = () => {
      const objects = synthChart((chart) => {
        new GpuHealthAlerts(chart, 'Alerts');
        new GpuDashboard(chart, 'Dashboard');
      });
      const text = JSON.stringify(objects);
      return [...new Set(text.match(/DCGM_FI_[A-Z0-9_]+/g) ?? [])].sort();
    };

    test('broken variant: the upstream default counters lack fields the alerts use', () => {
      const defaults = activeFields(fs.readFileSync(upstreamFile, 'utf-8'));
      expect(DcgmExporter.defaultCounters()).toEqual(defaults);
      const missing = queriedFields().filter((f) => !defaults.includes(f));
      expect(missing).toEqual(['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'DCGM_FI_DEV_THERMAL_VIOLATION']);
    });

    test('fixed: a counters ConfigMap (defaults + the alerts\' fields), mounted and passed as DCGM_EXPORTER_COLLECTORS', () => {
      let dcgm!: DcgmExporter;
      const objects = synthChart((chart) => {
        dcgm = new DcgmExporter(chart, 'Dcgm', { namespace: 'nvidia-gpu' });
      });
      const cm = findObject(objects, 'ConfigMap', 'dcgm-exporter-counters');
      expect(cm.metadata.namespace).toBe('nvidia-gpu');
      const file: string = cm.data['counters.csv'];
      const fields = activeFields(file);
      expect(fields).toEqual(dcgm.counters);
      for (const f of queriedFields()) expect(fields).toContain(f);
      expect(fields.slice(0, DcgmExporter.defaultCounters().length)).toEqual(DcgmExporter.defaultCounters());
      // Type and help text come from the upstream file's commented-out lines.
      expect(file).toContain('DCGM_FI_DEV_ECC_DBE_VOL_TOTAL, counter, Total number of double-bit volatile ECC errors.');
      expect(file).toContain('DCGM_FI_DEV_THERMAL_VIOLATION,     counter, Throttling duration due to thermal constraints (in ns).');
      const pod = findObject(objects, 'DaemonSet', 'dcgm-exporter').spec.template.spec;
      const container = pod.containers[0];
      expect(container.env).toContainEqual({ name: 'DCGM_EXPORTER_COLLECTORS', value: '/etc/dcgm-exporter/platform/counters.csv' });
      expect(container.volumeMounts).toContainEqual({ name: 'counters', mountPath: '/etc/dcgm-exporter/platform', readOnly: true });
      expect(pod.volumes).toContainEqual({ name: 'counters', configMap: { name: 'dcgm-exporter-counters' } });
      expect(dcgm.countersPath).toBe('/etc/dcgm-exporter/platform/counters.csv');
    });

    test('extra counters: defaults only, an upstream field, an unknown field', () => {
      const chart = synthChart((c) => {
        const only = new DcgmExporter(c, 'Only', { namespace: 'a', extraCounters: [] });
        expect(only.counters).toEqual(DcgmExporter.defaultCounters());
        const more = new DcgmExporter(c, 'More', { namespace: 'b', extraCounters: ['DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_POWER_VIOLATION'] });
        expect(more.counters).toEqual([...DcgmExporter.defaultCounters(), 'DCGM_FI_DEV_POWER_VIOLATION']);
        expectValidationError(() => new DcgmExporter(c, 'Bad', { namespace: 'c', extraCounters: ['DCGM_FI_NOT_A_FIELD'] }), 'extraCounters', "'DCGM_FI_NOT_A_FIELD'");
      });
      expect(findObjects(chart, 'ConfigMap')).toHaveLength(2);
    });
  });

  describe('defect 17 (GPU namespace): no default-deny, the exporter open to every pod', () => {
    test('broken variant: without addNetworkPolicies the namespace has no NetworkPolicy', () => {
      const objects = synthChart((chart) => {
        new DcgmExporter(chart, 'Dcgm', { namespace: 'nvidia-gpu' });
      });
      expect(findObjects(objects, 'NetworkPolicy')).toEqual([]);
    });

    test('fixed: default deny for the namespace, the scrapers admitted to the exporter on 9400 only', () => {
      const objects = synthChart((chart) => {
        new DcgmExporter(chart, 'Dcgm', { namespace: 'nvidia-gpu' }).addNetworkPolicies({ scraperNamespaces: ['monitoring'] });
      });
      expect(findObject(objects, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
      const allow = findObject(objects, 'NetworkPolicy', 'allow-dcgm-exporter-scrape');
      expect(allow.metadata.namespace).toBe('nvidia-gpu');
      expect(allow.spec).toEqual({
        podSelector: { matchLabels: { [PlatformLabels.NAME]: 'dcgm-exporter' } },
        policyTypes: ['Ingress'],
        ingress: [{
          from: [{ namespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: ['monitoring'] }] } }],
          ports: [{ protocol: 'TCP', port: 9400 }],
        }],
      });
    });

    test('errors: no scraper, a bad namespace, called twice', () => {
      synthChart((chart) => {
        const dcgm = new DcgmExporter(chart, 'Dcgm');
        expectValidationError(() => dcgm.addNetworkPolicies({ scraperNamespaces: [] }), 'scraperNamespaces', '[]');
        expectValidationError(() => dcgm.addNetworkPolicies({ scraperNamespaces: ['Monitoring'] }), 'scraperNamespaces', "'Monitoring'");
        dcgm.addNetworkPolicies({ scraperNamespaces: ['monitoring'] });
        expectValidationError(() => dcgm.addNetworkPolicies({ scraperNamespaces: ['monitoring'] }), 'addNetworkPolicies', "'kube-system'");
      });
    });
  });
});
