import { PolicyAction, PolicyCatalogue, PolicyEvaluator, PolicyParameterType, PolicyRule, PolicySet, ResourceKind } from '../../src/policy';
import { Cel } from '../../src/validation';
import { TestChart } from '../util';
import { customRuleProps, ECR, hardenedModelServer } from './fixtures';

const CUSTOM = customRuleProps();

describe('PolicyRule', () => {
  test('defaults: action enforce, no parameters, no compliance', () => {
    const rule = PolicyRule.custom(CUSTOM);
    expect(rule.action).toBe(PolicyAction.ENFORCE);
    expect(rule.parameters).toEqual([]);
    expect(rule.compliance).toEqual([]);
    expect(rule.objectName).toBe('acme-001-require-team-label');
    expect(rule.fullMessage).toBe('[ACME-001] pod templates must carry a team label');
    expect(new PolicyEvaluator({ rules: [rule] }).evaluate([hardenedModelServer()]).violations).toHaveLength(1);
  });

  test('invalid CEL is reported with the rule id', () => {
    expect(() => PolicyRule.custom({ ...CUSTOM, expression: 'variables.pods.all(p, ' }))
      .toThrow(/'ACME-001.expression' is not a valid CEL expression in rule ACME-001 \(syntax error: .*\), got 'variables.pods.all\(p, '; fix the expression/);
    expect(() => PolicyRule.custom({ ...CUSTOM, expression: 'params.x == 1' }))
      .toThrow(/in rule ACME-001 \(undeclared reference to 'params'\)/);
    expect(() => PolicyRule.custom({ ...CUSTOM, expression: 'object.metadata.name.nope()' }))
      .toThrow(/in rule ACME-001 \(undeclared reference to function 'nope'\)/);
  });

  test.each([
    [{ id: 'acme-1' }, /'id' must be uppercase words and digits joined by dashes, got 'acme-1'/],
    [{ name: 'Bad Name' }, /'ACME-001.name'/],
    [{ kinds: [] }, /'ACME-001.kinds' must list at least one kind/],
    [{ message: '' }, /'ACME-001.message' must not be empty/],
    [{ name: 'x'.repeat(60) }, /longer than 63 characters/],
  ])('bad props %#', (edit, message) => {
    expect(() => PolicyRule.custom({ ...CUSTOM, ...(edit as any) })).toThrow(message);
  });

  test('the registry allow-list must not be empty', () => {
    expect(() => PolicyCatalogue.allowedRegistries([]))
      .toThrow("'allowedRegistries' must list at least one registry, got []; list the registries images may come from");
    expect(() => PolicyCatalogue.baseline({ allowedRegistries: [] })).toThrow(/'allowedRegistries' must list at least one registry/);
    expect(() => PolicyCatalogue.allowedRegistries([ECR]).withParameters({ allowedRegistries: [] }))
      .toThrow(/'LLM-IMG-003.parameters.allowedRegistries' must not be empty, got \[\]/);
    expect(() => PolicyCatalogue.allowedRegistries(['https://ecr.example.com/'])).toThrow(/without scheme or trailing slash/);
  });

  test('parameters are typed', () => {
    const rule = PolicyRule.custom({
      ...CUSTOM,
      id: 'ACME-002',
      expression: 'variables.params.maxReplicas > 0 && variables.params.team != "" && variables.params.strict',
      parameters: [
        { name: 'maxReplicas', type: PolicyParameterType.INTEGER, description: 'max', defaultValue: 4 },
        { name: 'team', type: PolicyParameterType.STRING, description: 'team' },
        { name: 'strict', type: PolicyParameterType.BOOLEAN, description: 'strict', defaultValue: true },
      ],
      parameterValues: { team: 'search' },
    });
    expect(rule.parameterValues).toEqual({ maxReplicas: 4, team: 'search', strict: true });
    expect(() => rule.withParameters({ maxReplicas: 'four' })).toThrow(/'ACME-002.parameters.maxReplicas' must be a whole number, got 'four'/);
    expect(() => rule.withParameters({ nope: 1 })).toThrow(/'ACME-002.parameters' has no parameter named 'nope'/);
    expect(() => PolicyRule.custom({ ...CUSTOM, parameters: [{ name: 'team', type: PolicyParameterType.STRING, description: 'team' }] }))
      .toThrow(/'ACME-001.parameters.team' is required, got nothing; set it with rule.withParameters/);
  });

  test('conflicting actions for one rule are an error; duplicates too', () => {
    const rules = [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.PRIVILEGED.withAction(PolicyAction.AUDIT)];
    expect(() => new PolicySet(new TestChart(), 'P', { rules }))
      .toThrow(/'rules' list LLM-PSS-001 twice with conflicting actions, got \["enforce","audit"\]; keep one LLM-PSS-001 and pick its action with rule.withAction\(\)/);
    expect(() => new PolicySet(new TestChart(), 'P2', { rules: [PolicyCatalogue.PRIVILEGED, PolicyCatalogue.PRIVILEGED] })).toThrow(/list LLM-PSS-001 twice, got 'LLM-PSS-001'/);
  });

  test('withAction: audit and warn rules report warnings, not errors', () => {
    const bad = hardenedModelServer();
    bad.spec.template.spec.containers[0].securityContext.privileged = true;
    const report = new PolicyEvaluator({ rules: [PolicyCatalogue.PRIVILEGED.withAction(PolicyAction.AUDIT)] }).evaluate([bad]);
    expect(report.ok).toBe(true);
    expect(report.warnings).toHaveLength(1);
    expect(report.toString()).toContain('WARN  apps/v1/Deployment search/llama3-8b: [LLM-PSS-001]');
  });

  test('ResourceKind.of validates its input', () => {
    expect(ResourceKind.of('gateway.networking.k8s.io/v1', 'HTTPRoute', 'httproutes').apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(() => ResourceKind.of('http://x', 'HTTPRoute', 'httproutes')).toThrow(/'apiVersion' must be <group>\/<version>/);
    expect(() => ResourceKind.of('v1', 'pod', 'pods')).toThrow(/'kind' must be a Kubernetes kind/);
  });
});

describe('Kubernetes CEL library functions used by rules behave as in Kubernetes', () => {
  const ev = (e: string) => Cel.evaluate(e, {}).value;
  test('quantity', () => {
    expect(ev("quantity('1Gi').compareTo(quantity('1024Mi')) == 0")).toBe(true);
    expect(ev("quantity('500m').isLessThan(quantity('1'))")).toBe(true);
    expect(ev("quantity('2').isGreaterThan(quantity('0'))")).toBe(true);
    expect(ev("quantity('0').isGreaterThan(quantity('0'))")).toBe(false);
    expect(ev("quantity(string(1)).compareTo(quantity('1000m'))")).toBe(0);
    expect(Cel.evaluate("quantity('abc')", {}).error).toMatch(/invalid quantity/);
  });
  test('regex find and matches (RE2 partial match semantics)', () => {
    expect(ev("'a.io/x/vllm:v1'.find('[^/]+$')")).toBe('vllm:v1');
    expect(ev("'vllm:latest'.matches(':latest(@.*)?$')")).toBe(true);
    expect(ev("'abc'.matches('b')")).toBe(true);
    expect(ev("'abc'.find('z')")).toBe('');
  });
  test('split, startsWith, in', () => {
    expect(ev("'a,b'.split(',')")).toEqual(['a', 'b']);
    expect(ev("'x' in ['x', 'y'] && 'ecr/a'.startsWith('ecr' + '/')")).toBe(true);
  });
});
