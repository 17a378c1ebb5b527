/**
 * The Pod Security Standards conformance harness: upstream's own fixtures (kubernetes/pod-security-admission
 * `test/testdata`, vendored in schemas/upstream/pod-security-admission/testdata-v0.35.6.json.gz, see its
 * SOURCES.md) through the reference implementation (`PodSecurityAdmission`), the synth-time evaluator
 * (`PolicyEvaluator`) and each rendered engine (ValidatingAdmissionPolicy, Kyverno, Gatekeeper), per
 * Kubernetes version and level. It computes the outcomes, and the README's conformance section from them
 * (`conformanceMarkdown`); pss-conformance.test.ts asserts both.
 *
 * Print the README section: `npx ts-node --project test/tsconfig.json test/policy/pss-conformance.ts`
 */
import * as fs from 'fs';
import * as path from 'path';
import * as zlib from 'zlib';
import { Testing } from 'cdk8s';
import { KubernetesVersion } from '../../src/core/kubernetes-version';
import {
  AdmissionOperation, PodSecurityAdmission, PodSecurityLevel, PolicyCatalogue, PolicyEngine, PolicyEvaluator, PolicyRule, PolicySet,
} from '../../src/policy';
import { RenderedEngine, RenderedPolicies } from '../../src/policy/private/rendered-evaluator';

/** The Kubernetes versions the policy set supports, oldest first. */
export const VERSIONS = ['v1.28', 'v1.29', 'v1.30', 'v1.31', 'v1.32', 'v1.33', 'v1.34', 'v1.35'];
/** The levels with checks. */
export const LEVELS = [PodSecurityLevel.BASELINE, PodSecurityLevel.RESTRICTED];

/** What decides: the reference implementation, the synth-time evaluator, the three rendered engines. */
export enum Engine {
  REFERENCE = 'PodSecurityAdmission',
  EVALUATOR = 'PolicyEvaluator',
  VAP = 'ValidatingAdmissionPolicy',
  KYVERNO = 'Kyverno',
  GATEKEEPER = 'Gatekeeper',
}
export const ENGINES: string[] = [Engine.REFERENCE, Engine.EVALUATOR, Engine.VAP, Engine.KYVERNO, Engine.GATEKEEPER];

/** The rendered engines: the PolicySet engine that renders them and the RenderedPolicies name that evaluates them. */
const RENDERED: { engine: Engine; policyEngine: PolicyEngine; rendered: RenderedEngine }[] = [
  { engine: Engine.VAP, policyEngine: PolicyEngine.VALIDATING_ADMISSION_POLICY, rendered: 'vap' },
  { engine: Engine.KYVERNO, policyEngine: PolicyEngine.KYVERNO, rendered: 'kyverno' },
  { engine: Engine.GATEKEEPER, policyEngine: PolicyEngine.GATEKEEPER, rendered: 'gatekeeper' },
];

const BUNDLE = path.join(__dirname, '..', '..', 'schemas', 'upstream', 'pod-security-admission', 'testdata-v0.35.6.json.gz');

/** One upstream fixture. */
export interface Fixture {
  readonly version: string;
  readonly level: PodSecurityLevel;
  /** `pass`: must be admitted; `fail`: must be denied. */
  readonly expect: 'pass' | 'fail';
  /** Upstream's file name without `.yaml` (`hostports1`, `base_windows`). */
  readonly name: string;
  /** The check the fixture exercises (upstream id, `hostPorts`), undefined for the minimal valid pods (`base*`). */
  readonly check?: string;
  readonly pod: any;
}

/** The vendored bundle's provenance. */
export interface UpstreamSource {
  readonly repository: string;
  readonly tag: string;
  readonly commit: string;
  readonly path: string;
  readonly license: string;
}

let bundle: { source: UpstreamSource; versions: Record<string, Record<string, Record<'pass' | 'fail', Record<string, any>>>> } | undefined;

function readBundle() {
  bundle ??= JSON.parse(zlib.gunzipSync(fs.readFileSync(BUNDLE)).toString('utf-8'));
  return bundle!;
}

/** Where the fixtures come from. */
export function upstreamSource(): UpstreamSource {
  return readBundle().source;
}

/**
 * The upstream check ids (kubernetes/pod-security-admission v0.35.6 `policy/check_*.go`, `Check.ID`). Upstream
 * names each fixture file after the lowercased id (`test/fixtures_test.go`: `strings.ToLower(string(checkID))`).
 */
export const CHECK_IDS = [
  'allowPrivilegeEscalation', 'appArmorProfile', 'capabilities_baseline', 'capabilities_restricted', 'hostNamespaces',
  'hostPathVolumes', 'hostPorts', 'hostProbesAndHostLifecycle', 'privileged', 'procMount', 'procMount_restricted',
  'restrictedVolumes', 'runAsNonRoot', 'runAsUser', 'seLinuxOptions', 'seccompProfile_baseline',
  'seccompProfile_restricted', 'sysctls', 'windowsHostProcess',
];

/**
 * Restricted checks that replace a baseline check at the restricted level from a version on
 * (`OverrideCheckIDs` at v0.35.6: policy/check_capabilities_restricted.go from 1.22,
 * policy/check_seccompProfile_restricted.go from 1.19, policy/check_restrictedVolumes.go from 1.0,
 * policy/check_procMount_restricted.go from 1.35).
 * A restricted-level fixture of the overridden check must be denied by the overriding one.
 */
export const OVERRIDES: { check: string; overriddenBy: string; fromMinor: number }[] = [
  { check: 'capabilities_baseline', overriddenBy: 'capabilities_restricted', fromMinor: 22 },
  { check: 'seccompProfile_baseline', overriddenBy: 'seccompProfile_restricted', fromMinor: 19 },
  { check: 'hostPathVolumes', overriddenBy: 'restrictedVolumes', fromMinor: 0 },
  { check: 'procMount', overriddenBy: 'procMount_restricted', fromMinor: 35 },
];

const minorOf = (version: string) => Number(/^v1\.(\d+)$/.exec(version)![1]);

/** The check that decides a fixture of `check` at a level and version (after overrides). */
export function decidingCheck(check: string, level: PodSecurityLevel, version: string): string {
  if (level !== PodSecurityLevel.RESTRICTED) return check;
  const o = OVERRIDES.find((x) => x.check === check && minorOf(version) >= x.fromMinor);
  return o ? o.overriddenBy : check;
}

/** The check id of a fixture file name (`capabilities_baseline2` -> `capabilities_baseline`), undefined for `base*`. */
export function checkOfFixture(name: string): string | undefined {
  if (/^base(_linux|_windows)?$/.test(name)) return undefined;
  const stem = name.replace(/\d+$/, '');
  const id = CHECK_IDS.find((c) => c.toLowerCase() === stem);
  if (!id) throw new Error(`fixture ${name} names no known upstream check (${stem})`);
  return id;
}

/** Every vendored fixture, per version, level, pass then fail, in upstream file order. */
export function fixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const version of VERSIONS) {
    for (const level of LEVELS) {
      for (const expect of ['pass', 'fail'] as const) {
        const files = readBundle().versions[version]?.[level]?.[expect];
        if (!files) throw new Error(`the fixture bundle has no ${level}/${version}/${expect}`);
        for (const [name, pod] of Object.entries(files)) out.push({ version, level, expect, name, check: checkOfFixture(name), pod });
      }
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ the rules

/** The Pod Security rules of the catalogue for a version and level, and the rule meant for each upstream check. */
export interface PssRuleSet {
  readonly rules: PolicyRule[];
  /** upstream check id -> rule id, for the checks whose rule is in `rules`. */
  readonly ruleOfCheck: Map<string, string>;
}

const ruleSets = new Map<string, PssRuleSet>();

/** `v1.34` -> KubernetesVersion 1.34. */
export const kubernetesVersionOf = (version: string) => KubernetesVersion.of(version.replace(/^v/, ''));

/** `PolicyCatalogue.podSecurity(version, level)` and `podSecurityRuleIds()` restricted to its rules. */
export function pssRules(version: string, level: PodSecurityLevel): PssRuleSet {
  const key = `${version}/${level}`;
  let set = ruleSets.get(key);
  if (!set) {
    const rules = PolicyCatalogue.podSecurity(kubernetesVersionOf(version), level);
    const ids = new Set(rules.map((r) => r.id));
    set = { rules, ruleOfCheck: new Map(Object.entries(PolicyCatalogue.podSecurityRuleIds()).filter(([, ruleId]) => ids.has(ruleId))) };
    ruleSets.set(key, set);
  }
  return set;
}

// ------------------------------------------------------------------------------------------------ evaluation

/** What one engine decided for one fixture. */
export interface Outcome {
  readonly fixture: Fixture;
  readonly engine: string;
  /** The rules (the reference: the checks) that deny the pod, sorted; empty when admitted. */
  readonly denying: string[];
}

/** The reference implementation: the checks that fail. */
function reference(f: Fixture): string[] {
  return PodSecurityAdmission.evaluate(f.pod, f.level, f.version, kubernetesVersionOf(f.version)).map((v) => v.checkId).sort();
}

/** The namespace the fixtures (which name none) are created in: a tenant namespace, where every rule applies. */
const NAMESPACE = 'tenant';

const evaluators = new Map<string, PolicyEvaluator>();

function evaluatorOf(f: Fixture): PolicyEvaluator {
  const key = `${f.version}/${f.level}`;
  let e = evaluators.get(key);
  if (!e) {
    e = new PolicyEvaluator({ rules: pssRules(f.version, f.level).rules, today: '2026-01-01' });
    evaluators.set(key, e);
  }
  return e;
}

function evaluator(f: Fixture): string[] {
  const e = evaluatorOf(f);
  return [...new Set(e.evaluate([f.pod], { defaultNamespace: NAMESPACE }).violations.map((v) => v.ruleId))].sort();
}

const renderedSets = new Map<string, RenderedPolicies>();

/**
 * A rendered engine: the rules rendered by a PolicySet with that engine alone (so it enforces), its objects
 * evaluated as that engine evaluates them for the pod's CREATE request.
 */
function rendered(f: Fixture, engine: typeof RENDERED[number]): string[] {
  return renderedOf(f, engine).denied(engine.rendered, { operation: 'CREATE', object: f.pod, defaultNamespace: NAMESPACE });
}

function renderedOf(f: Fixture, engine: typeof RENDERED[number]): RenderedPolicies {
  const key = `${f.version}/${f.level}/${engine.engine}`;
  let r = renderedSets.get(key);
  if (!r) {
    const chart = Testing.chart();
    new PolicySet(chart, 'PodSecurity', { rules: pssRules(f.version, f.level).rules, engines: [engine.policyEngine], today: '2026-01-01' });
    r = new RenderedPolicies(Testing.synth(chart));
    if (r.engines.join() !== engine.rendered) throw new Error(`the ${engine.engine} PolicySet rendered ${r.engines.join(', ')}`);
    renderedSets.set(key, r);
  }
  return r;
}

let outcomes: Outcome[] | undefined;

/** Every fixture through every engine (computed once per process). */
export function allOutcomes(): Outcome[] {
  if (!outcomes) {
    outcomes = [];
    for (const f of fixtures()) {
      outcomes.push({ fixture: f, engine: Engine.REFERENCE, denying: reference(f) });
      outcomes.push({ fixture: f, engine: Engine.EVALUATOR, denying: evaluator(f) });
      for (const engine of RENDERED) outcomes.push({ fixture: f, engine: engine.engine, denying: rendered(f, engine) });
    }
  }
  return outcomes;
}

/**
 * The fixture's pod in a Deployment, as upstream's test/run.go `createController` wraps every fixture (name
 * `test`, selector and template label `test: "true"`, the pod's metadata and spec as the template), so the
 * per-kind pod template variables are held to the same decisions as bare Pods.
 */
export function asDeployment(pod: any): any {
  const metadata = { ...(pod.metadata ?? {}), labels: { ...(pod.metadata?.labels ?? {}), test: 'true' } };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'test' },
    spec: { selector: { matchLabels: { test: 'true' } }, template: { metadata, spec: pod.spec } },
  };
}

let controllerOutcomes: Outcome[] | undefined;

/** Every fixture, as a Deployment, through the evaluator and each rendered engine (computed once per process). */
export function allControllerOutcomes(): Outcome[] {
  if (!controllerOutcomes) {
    controllerOutcomes = [];
    for (const f of fixtures()) {
      const d = { ...f, pod: asDeployment(f.pod) };
      controllerOutcomes.push({ fixture: f, engine: Engine.EVALUATOR, denying: evaluator(d) });
      for (const engine of RENDERED) controllerOutcomes.push({ fixture: f, engine: engine.engine, denying: rendered(d, engine) });
    }
  }
  return controllerOutcomes;
}

/** Fields an ephemeral container may not set (kubernetes/kubernetes pkg/apis/core/validation `validateEphemeralContainers`). */
const NOT_IN_EPHEMERAL = ['ports', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'resources', 'resizePolicy'];

/**
 * A `kubectl debug` request over the fixture: UPDATE `pods/ephemeralcontainers` whose object is the fixture's
 * pod with one ephemeral container added (a copy of its first container, named `debugger`, without the fields
 * ephemeral containers may not set), the fixture's pod as the stored object. Pod Security admission evaluates
 * the whole pod (an added ephemeral container is a significant update, admission/admission.go), and the copy
 * fails only checks the pod already fails, so every engine must decide as for the pod's CREATE.
 */
export function debugRequest(pod: any): { object: any; oldObject: any } {
  const first = (pod.spec?.containers ?? [])[0] ?? {};
  const debuggerContainer = Object.fromEntries(Object.entries({ ...first, name: 'debugger' }).filter(([k]) => !NOT_IN_EPHEMERAL.includes(k)));
  const object = { ...pod, spec: { ...pod.spec, ephemeralContainers: [...(pod.spec?.ephemeralContainers ?? []), debuggerContainer] } };
  return { object, oldObject: pod };
}

let debugOutcomes: Outcome[] | undefined;

/** Every fixture's `kubectl debug` request through every engine (computed once per process). */
export function allDebugOutcomes(): Outcome[] {
  if (!debugOutcomes) {
    debugOutcomes = [];
    for (const f of fixtures()) {
      const request = debugRequest(f.pod);
      debugOutcomes.push({ fixture: f, engine: Engine.REFERENCE, denying: reference({ ...f, pod: request.object }) });
      const report = evaluatorOf(f).evaluateRequest({ operation: AdmissionOperation.UPDATE, subResource: 'ephemeralcontainers', ...request }, { defaultNamespace: NAMESPACE });
      debugOutcomes.push({ fixture: f, engine: Engine.EVALUATOR, denying: [...new Set(report.violations.map((v) => v.ruleId))].sort() });
      for (const engine of RENDERED) {
        const denying = renderedOf(f, engine).denied(engine.rendered, { operation: 'UPDATE', subResource: 'ephemeralcontainers', ...request, defaultNamespace: NAMESPACE });
        debugOutcomes.push({ fixture: f, engine: engine.engine, denying });
      }
    }
  }
  return debugOutcomes;
}

/**
 * What an outcome should have been, or undefined when it is right. A must-pass fixture: nothing denies it.
 * A must-fail fixture: denied, and by the check (reference) or the rule (engines) meant for the fixture's check
 * (after overrides).
 */
export function problemOf(o: Outcome): string | undefined {
  const f = o.fixture;
  const where = `${f.version} ${f.level} ${f.expect}/${f.name} [${o.engine}]`;
  if (f.expect === 'pass') return o.denying.length === 0 ? undefined : `${where}: must be admitted, denied by ${o.denying.join(', ')}`;
  const check = decidingCheck(f.check!, f.level, f.version);
  const expected = o.engine === Engine.REFERENCE ? check : pssRules(f.version, f.level).ruleOfCheck.get(check);
  if (expected === undefined) return `${where}: must be denied (check ${check}), no rule implements ${check}${o.denying.length ? `; denied by ${o.denying.join(', ')}` : ''}`;
  if (o.denying.includes(expected)) return undefined;
  return `${where}: must be denied by ${expected} (check ${check}), ${o.denying.length ? `denied by ${o.denying.join(', ')} only` : 'admitted'}`;
}

/**
 * The outcomes of a version and level where an engine denies with other rules than those of the checks the
 * reference implementation fails (mapped by `podSecurityRuleIds()`): one line per fixture and engine.
 */
export function ruleSetMismatches(version: string, level: PodSecurityLevel): string[] {
  const mine = allOutcomes().filter((o) => o.fixture.version === version && o.fixture.level === level);
  const ruleOfCheck = pssRules(version, level).ruleOfCheck;
  const out: string[] = [];
  for (const ref of mine.filter((o) => o.engine === Engine.REFERENCE)) {
    const expected = ref.denying.map((c) => ruleOfCheck.get(c) ?? `(no rule for ${c})`).sort().join(', ') || 'admitted';
    for (const o of mine.filter((x) => x.fixture === ref.fixture && x.engine !== Engine.REFERENCE)) {
      const got = o.denying.join(', ') || 'admitted';
      if (got !== expected) out.push(`${version} ${level} ${o.fixture.expect}/${o.fixture.name} [${o.engine}]: ${got}; the reference fails ${ref.denying.join(', ') || 'nothing'} (${expected})`);
    }
  }
  return out;
}

/** Whether an outcome counts as right (a must-fail fixture denied by its rule, a must-pass fixture admitted). */
export const isRight = (o: Outcome) => problemOf(o) === undefined;

// ------------------------------------------------------------------------------------------------ the README section

/** The README's conformance section (between the `pss-conformance` markers), from the outcomes. */
export function conformanceMarkdown(): string {
  const src = upstreamSource();
  const all = allOutcomes();
  const lines: string[] = [];
  lines.push(`Upstream fixtures: ${src.repository} \`test/testdata\` at \`${src.tag}\` (commit \`${src.commit}\`), `
    + 'vendored in `schemas/upstream/pod-security-admission/`. A cell reads `must-fail denied by the rule meant for its check / all must-fail · must-pass admitted / all must-pass`. '
    + 'Produced by `test/policy/pss-conformance.ts`; `test/policy/pss-conformance.test.ts` fails when this table differs from what the engines decide.');
  lines.push('');
  lines.push(`| version | level | ${ENGINES.join(' | ')} |`);
  lines.push(`|---|---|${ENGINES.map(() => '---').join('|')}|`);
  for (const version of VERSIONS) {
    for (const level of LEVELS) {
      const cells = ENGINES.map((engine) => {
        const mine = all.filter((o) => o.engine === engine && o.fixture.version === version && o.fixture.level === level);
        const fail = mine.filter((o) => o.fixture.expect === 'fail');
        const pass = mine.filter((o) => o.fixture.expect === 'pass');
        return `${fail.filter(isRight).length}/${fail.length} · ${pass.filter(isRight).length}/${pass.length}`;
      });
      lines.push(`| ${version} | ${level} | ${cells.join(' | ')} |`);
    }
  }
  lines.push('');
  lines.push(...mappingMarkdown());
  return lines.join('\n');
}

/** `v1.28`, `v1.29`, `v1.31` -> `1.28-1.29, 1.31`; none -> `-`. */
function ranges(versions: string[]): string {
  const minors = versions.map((v) => Number(v.slice(3)));
  const out: string[] = [];
  for (let i = 0; i < minors.length; i++) {
    let j = i;
    while (j + 1 < minors.length && minors[j + 1] === minors[j] + 1) j++;
    out.push(i === j ? `1.${minors[i]}` : `1.${minors[i]}-1.${minors[j]}`);
    i = j;
  }
  return out.join(', ') || '-';
}

/**
 * The check -> rule id -> compliance references table: per level, the Kubernetes versions whose rule set has
 * the check's rule (a baseline check a restricted one overrides is not in the restricted set).
 */
function mappingMarkdown(): string[] {
  const rows = new Map<string, { versions: Record<string, string[]>; rule?: PolicyRule }>();
  for (const check of CHECK_IDS) rows.set(check, { versions: Object.fromEntries(LEVELS.map((l) => [l, []])) });
  for (const version of VERSIONS) {
    for (const level of LEVELS) {
      const set = pssRules(version, level);
      for (const [check, ruleId] of set.ruleOfCheck) {
        const row = rows.get(check);
        if (!row) throw new Error(`podSecurityRuleIds() names check ${check}, which is not an upstream check of CHECK_IDS`);
        const rule = set.rules.find((r) => r.id === ruleId)!;
        if (row.rule && row.rule.id !== rule.id) throw new Error(`check ${check} maps to ${row.rule.id} and ${rule.id}`);
        if (row.rule && row.rule.complianceLabels.join() !== rule.complianceLabels.join()) throw new Error(`${rule.id} has other compliance references in ${version}`);
        row.rule = rule;
        row.versions[level].push(version);
      }
    }
  }
  const out = [`| upstream check | rule id | ${LEVELS.join(' | ')} | compliance references |`, `|---|---|${LEVELS.map(() => '---').join('|')}|---|`];
  for (const check of CHECK_IDS) {
    const row = rows.get(check)!;
    out.push(`| \`${check}\` | ${row.rule?.id ?? 'none'} | ${LEVELS.map((l) => ranges(row.versions[l])).join(' | ')} | ${row.rule?.complianceLabels.join('; ') ?? ''} |`);
  }
  return out;
}

if (require.main === module) {
  process.stdout.write(`${conformanceMarkdown()}\n`);
}
