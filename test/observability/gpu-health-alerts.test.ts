import { GpuHealthAlerts } from '../../src/observability';
import { findObject, synthChart } from '../util';
import { expectPromql, rulesOf } from './fixtures';

describe('GpuHealthAlerts', () => {
  test('defaults: XID, ECC, temperature and thermal alerts on DCGM metrics', () => {
    let alerts!: GpuHealthAlerts;
    const objects = synthChart((chart) => { alerts = new GpuHealthAlerts(chart, 'gpu'); });
    const pr = findObject(objects, 'PrometheusRule', 'gpu-health');
    expect(pr.metadata.namespace).toBe('monitoring');
    expect(alerts.temperatureThresholdCelsius).toBe(85);
    expect(alerts.alertNames).toEqual(['GpuXidError', 'GpuEccDoubleBitErrors', 'GpuTemperatureHigh', 'GpuThermalViolation']);
    const rules = rulesOf(objects);
    const metrics = new Set<string>();
    for (const r of rules) expectPromql(r.expr).metricNames.forEach((n) => metrics.add(n));
    expect([...metrics].sort()).toEqual(['DCGM_FI_DEV_ECC_DBE_VOL_TOTAL', 'DCGM_FI_DEV_GPU_TEMP', 'DCGM_FI_DEV_THERMAL_VIOLATION', 'DCGM_FI_DEV_XID_ERRORS']);
    expect(rules[0]).toMatchObject({ expr: 'max by (node, gpu, UUID, modelName) (DCGM_FI_DEV_XID_ERRORS) > 0', labels: { severity: 'critical' } });
    expect(rules[2]).toMatchObject({ expr: 'max by (node, gpu, UUID, modelName) (DCGM_FI_DEV_GPU_TEMP) > 85', for: '5m', labels: { severity: 'warning' } });
  });

  test('custom threshold, namespace and labels', () => {
    const objects = synthChart((chart) => {
      new GpuHealthAlerts(chart, 'gpu', { namespace: 'observability', temperatureThresholdCelsius: 80, alertLabels: { team: 'platform' }, objectLabels: { release: 'kps' } });
    });
    const pr = findObject(objects, 'PrometheusRule', 'gpu-health');
    expect(pr.metadata).toMatchObject({ namespace: 'observability', labels: { release: 'kps' } });
    expect(rulesOf(objects)[2]).toMatchObject({ expr: expect.stringMatching(/> 80$/), labels: { team: 'platform', severity: 'warning' } });
  });

  test('a negative temperature threshold is a ValidationError', () => {
    expect(() => synthChart((chart) => { new GpuHealthAlerts(chart, 'gpu', { temperatureThresholdCelsius: -5 }); }))
      .toThrow(/'temperatureThresholdCelsius' must be positive, got -5; use a temperature below the GPU slowdown temperature/);
  });
});
