import * as fs from 'fs';
import * as path from 'path';
import {
  allControllerOutcomes, allDebugOutcomes, allOutcomes, asDeployment, checkOfFixture, conformanceMarkdown, debugRequest, decidingCheck,
  Engine, ENGINES, fixtures, LEVELS, Outcome, problemOf, ruleSetMismatches, upstreamSource, VERSIONS,
} from './pss-conformance';
import { PodSecurityLevel } from '../../src/policy';

const CASES = VERSIONS.flatMap((version) => LEVELS.map((level) => [version, level] as const));
const of = (version: string, level: string) => allOutcomes().filter((o) => o.fixture.version === version && o.fixture.level === level);

describe('the vendored upstream fixtures', () => {
  test('come from kubernetes/pod-security-admission v0.35.6', () => {
    expect(upstreamSource()).toEqual({
      repository: 'https://github.com/kubernetes/pod-security-admission',
      tag: 'v0.35.6',
      commit: '2c255e8b3bd4d862d66469840c2554941955600c',
      path: 'test/testdata/<level>/<version>/<pass|fail>/<check><n>.yaml',
      license: 'Apache-2.0',
    });
  });

  test('hold every version 1.28..1.35 and level, as many as upstream has', () => {
    const count = (version: string, level: PodSecurityLevel, expect: string) =>
      fixtures().filter((f) => f.version === version && f.level === level && f.expect === expect).length;
    // `ls test/testdata/<level>/<version>/<pass|fail> | wc -l` at v0.35.6
    expect(Object.fromEntries(CASES.map(([v, l]) => [`${v} ${l}`, `${count(v, l, 'fail')} fail, ${count(v, l, 'pass')} pass`]))).toEqual({
      'v1.28 baseline': '29 fail, 11 pass',
      'v1.28 restricted': '69 fail, 17 pass',
      'v1.29 baseline': '29 fail, 11 pass',
      'v1.29 restricted': '69 fail, 19 pass',
      'v1.30 baseline': '29 fail, 11 pass',
      'v1.30 restricted': '69 fail, 19 pass',
      'v1.31 baseline': '29 fail, 11 pass',
      'v1.31 restricted': '69 fail, 19 pass',
      'v1.32 baseline': '29 fail, 11 pass',
      'v1.32 restricted': '69 fail, 19 pass',
      'v1.33 baseline': '29 fail, 11 pass',
      'v1.33 restricted': '69 fail, 19 pass',
      'v1.34 baseline': '34 fail, 14 pass',
      'v1.34 restricted': '74 fail, 22 pass',
      'v1.35 baseline': '34 fail, 15 pass',
      'v1.35 restricted': '76 fail, 23 pass',
    });
    expect(fixtures()).toHaveLength(1058);
  });

  test('every must-fail fixture names an upstream check; only the minimal valid pods name none', () => {
    expect(fixtures().filter((f) => f.expect === 'fail' && f.check === undefined)).toEqual([]);
    expect([...new Set(fixtures().filter((f) => f.check === undefined).map((f) => f.name))].sort()).toEqual(['base', 'base_linux', 'base_windows']);
    expect(checkOfFixture('capabilities_baseline12')).toBe('capabilities_baseline');
    expect(checkOfFixture('hostprobesandhostlifecycle0')).toBe('hostProbesAndHostLifecycle');
    expect(() => checkOfFixture('nosuchcheck0')).toThrow(/fixture nosuchcheck0 names no known upstream check \(nosuchcheck\)/);
  });

  test('a restricted check decides the fixtures of the baseline check it overrides, from its version on', () => {
    expect(decidingCheck('capabilities_baseline', PodSecurityLevel.BASELINE, 'v1.35')).toBe('capabilities_baseline');
    expect(decidingCheck('capabilities_baseline', PodSecurityLevel.RESTRICTED, 'v1.28')).toBe('capabilities_restricted');
    expect(decidingCheck('hostPathVolumes', PodSecurityLevel.RESTRICTED, 'v1.28')).toBe('restrictedVolumes');
    expect(decidingCheck('procMount', PodSecurityLevel.RESTRICTED, 'v1.34')).toBe('procMount');
    expect(decidingCheck('procMount', PodSecurityLevel.RESTRICTED, 'v1.35')).toBe('procMount_restricted');
    expect(decidingCheck('seccompProfile_baseline', PodSecurityLevel.RESTRICTED, 'v1.28')).toBe('seccompProfile_restricted');
  });
});

describe('the harness catches a wrong decision', () => {
  const fail = fixtures().find((f) => f.version === 'v1.34' && f.level === PodSecurityLevel.BASELINE && f.expect === 'fail' && f.name === 'privileged0')!;
  const pass = fixtures().find((f) => f.version === 'v1.34' && f.level === PodSecurityLevel.BASELINE && f.expect === 'pass' && f.name === 'base')!;
  const outcome = (fixture: typeof fail, engine: string, denying: string[]): Outcome => ({ fixture, engine, denying });

  test('a must-fail pod admitted, or denied by another check only', () => {
    expect(problemOf(outcome(fail, Engine.REFERENCE, []))).toBe('v1.34 baseline fail/privileged0 [PodSecurityAdmission]: must be denied by privileged (check privileged), admitted');
    expect(problemOf(outcome(fail, Engine.REFERENCE, ['hostPorts']))).toBe('v1.34 baseline fail/privileged0 [PodSecurityAdmission]: must be denied by privileged (check privileged), denied by hostPorts only');
    expect(problemOf(outcome(fail, Engine.REFERENCE, ['privileged']))).toBeUndefined();
  });

  test('an engine denying a must-fail pod with another rule than its check\'s', () => {
    expect(problemOf(outcome(fail, Engine.GATEKEEPER, ['LLM-PSS-002']))).toBe('v1.34 baseline fail/privileged0 [Gatekeeper]: must be denied by LLM-PSS-001 (check privileged), denied by LLM-PSS-002 only');
    expect(problemOf(outcome(fail, Engine.GATEKEEPER, ['LLM-PSS-001', 'LLM-PSS-002']))).toBeUndefined();
  });

  test('a must-pass pod denied', () => {
    expect(problemOf(outcome(pass, Engine.EVALUATOR, ['LLM-PSS-001']))).toBe('v1.34 baseline pass/base [PolicyEvaluator]: must be admitted, denied by LLM-PSS-001');
    expect(problemOf(outcome(pass, Engine.EVALUATOR, []))).toBeUndefined();
  });
});

describe('Pod Security Standards conformance (upstream fixtures, every engine)', () => {
  test.each(CASES)('%s %s: every must-fail pod is denied by the rule of its check, every must-pass pod admitted', (version, level) => {
    const problems = of(version, level).map(problemOf).filter((p) => p !== undefined);
    expect(problems).toEqual([]);
  });

  test.each(CASES)('%s %s: every engine denies with exactly the rules of the checks PodSecurityAdmission fails', (version, level) => {
    expect(ruleSetMismatches(version, level)).toEqual([]);
  });

  test.each(CASES)('%s %s: the evaluator and the rendered engines deny with the same rules', (version, level) => {
    const byFixture = new Map<string, Map<string, string>>();
    for (const o of of(version, level).filter((x) => x.engine !== Engine.REFERENCE)) {
      const key = `${o.fixture.expect}/${o.fixture.name}`;
      const m = byFixture.get(key) ?? new Map<string, string>();
      byFixture.set(key, m);
      m.set(o.engine, o.denying.join(',') || 'admitted');
    }
    const differing = [...byFixture].filter(([, m]) => new Set(m.values()).size !== 1).map(([k, m]) => `${k}: ${[...m].map(([e, d]) => `${e}=${d}`).join(' ')}`);
    expect(differing).toEqual([]);
    expect([...byFixture.values()].every((m) => m.size === ENGINES.length - 1)).toBe(true);
  });
});

describe('the fixtures in a Deployment (as upstream creates them through a controller)', () => {
  test('a Deployment with the pod as its template', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' }, annotations: { x: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } };
    expect(asDeployment(pod)).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'test' },
      spec: {
        selector: { matchLabels: { test: 'true' } },
        template: { metadata: { name: 'p', labels: { a: 'b', test: 'true' }, annotations: { x: 'y' } }, spec: { containers: [{ name: 'c', image: 'i' }] } },
      },
    });
  });

  test.each(CASES)('%s %s: the evaluator and every rendered engine deny the Deployment with the rules that deny the Pod', (version, level) => {
    const pods = new Map(of(version, level).map((o) => [`${o.fixture.expect}/${o.fixture.name} [${o.engine}]`, o.denying.join(', ') || 'admitted']));
    const differing = allControllerOutcomes().filter((o) => o.fixture.version === version && o.fixture.level === level).flatMap((o) => {
      const key = `${o.fixture.expect}/${o.fixture.name} [${o.engine}]`;
      const got = o.denying.join(', ') || 'admitted';
      return got === pods.get(key) ? [] : [`${key}: Deployment ${got}, Pod ${pods.get(key)}`];
    });
    expect(differing).toEqual([]);
    const count = fixtures().filter((f) => f.version === version && f.level === level).length;
    expect(allControllerOutcomes().filter((o) => o.fixture.version === version && o.fixture.level === level)).toHaveLength(4 * count);
  });
});

describe('the fixtures through kubectl debug (UPDATE pods/ephemeralcontainers)', () => {
  test('the request adds a copy of the first container as an ephemeral container, without the fields ephemeral containers may not set', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: {
        containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 80 }], livenessProbe: {}, readinessProbe: {}, startupProbe: {}, lifecycle: {}, resources: {}, securityContext: { privileged: true } }],
        ephemeralContainers: [{ name: 'e', image: 'j' }],
      },
    };
    const request = debugRequest(pod);
    expect(request.oldObject).toBe(pod);
    expect(request.object.spec.ephemeralContainers).toEqual([{ name: 'e', image: 'j' }, { name: 'debugger', image: 'i', securityContext: { privileged: true } }]);
    expect(request.object.spec.containers).toBe(pod.spec.containers);
  });

  test.each(CASES)('%s %s: every engine decides the debug request as the pod\'s CREATE', (version, level) => {
    const pods = new Map(of(version, level).map((o) => [`${o.fixture.expect}/${o.fixture.name} [${o.engine}]`, o.denying.join(', ') || 'admitted']));
    const mine = allDebugOutcomes().filter((o) => o.fixture.version === version && o.fixture.level === level);
    const differing = mine.flatMap((o) => {
      const key = `${o.fixture.expect}/${o.fixture.name} [${o.engine}]`;
      const got = o.denying.join(', ') || 'admitted';
      return got === pods.get(key) ? [] : [`${key}: debug ${got}, CREATE ${pods.get(key)}`];
    });
    expect(differing).toEqual([]);
    expect(mine).toHaveLength(ENGINES.length * fixtures().filter((f) => f.version === version && f.level === level).length);
  });
});

test('the policy README shows the conformance the engines measure, with the upstream commit', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'src', 'policy', 'README.md'), 'utf-8');
  const shown = /<!-- pss-conformance:start -->\n([\s\S]*?)\n<!-- pss-conformance:end -->/.exec(readme)?.[1];
  expect(shown).toBe(conformanceMarkdown());
});
