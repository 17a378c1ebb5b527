import { Cel } from '../../src/validation';
import { PolicyCatalogue, PolicyEngine, PolicySet } from '../../src/policy';
import { findObject, findObjects } from '../util';
import { ECR, synthPolicies } from './fixtures';

describe('PolicySet', () => {
  test('renders the baseline for all three engines, schema-valid', () => {
    const objects = synthPolicies((chart) => new PolicySet(chart, 'Policies', {
      rules: PolicyCatalogue.baseline({ allowedRegistries: [ECR] }),
      engines: [PolicyEngine.VALIDATING_ADMISSION_POLICY, PolicyEngine.KYVERNO, PolicyEngine.GATEKEEPER],
      today: '2026-01-01',
    }));
    expect(findObjects(objects, 'ValidatingAdmissionPolicy')).toHaveLength(27);
    expect(findObjects(objects, 'ValidatingAdmissionPolicyBinding')).toHaveLength(27);
    expect(findObjects(objects, 'ClusterPolicy')).toHaveLength(27);
    expect(findObjects(objects, 'ConstraintTemplate')).toHaveLength(27);
    expect(findObject(objects, 'LlmPss001').spec.enforcementAction).toBe('deny');
    for (const o of objects) {
      for (const e of celOf(o)) expect([o.metadata.name, Cel.compile(e).error]).toEqual([o.metadata.name, undefined]);
    }
  });
});

function celOf(o: any): string[] {
  const out: string[] = [];
  const walk = (n: any, key?: string) => {
    if (Array.isArray(n)) n.forEach((x) => walk(x));
    else if (n && typeof n === 'object') Object.entries(n).forEach(([k, v]) => walk(v, k));
    else if (typeof n === 'string' && key === 'expression') out.push(n);
  };
  walk(o.spec);
  return out;
}
