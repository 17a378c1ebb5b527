import * as fs from 'fs';
import type * as YAML from 'yaml';
import { BuiltInExceptions } from './built-in-exceptions';
import { PolicyCatalogue } from './policy-catalogue';
import { PolicyEvaluator, PolicyViolation } from './policy-evaluator';
import { PolicyException, PolicyExceptionProps } from './policy-exception';
import { PolicyAction, PolicyRule } from './policy-rule';
import { ValidationError } from '../core/errors';
import { checkProps } from '../core/private/runtime-types';
import { aliasConstructPaths } from '../validation/private/construct-paths';

/**
 * Properties of `PolicyValidationPlugin` (the `properties:` of its `validations:` entry in `cdk8s.yaml`,
 * so plain JSON: rules are picked from the catalogue by id).
 */
export interface PolicyValidationPluginProps {
  /**
   * Registries images may come from (enables LLM-IMG-003).
   *
   * @default - LLM-IMG-003 is not evaluated
   */
  readonly allowedRegistries?: string[];

  /**
   * Namespaces where LoadBalancer Services are allowed (LLM-NET-001).
   *
   * @default - none
   */
  readonly loadBalancerNamespaces?: string[];

  /**
   * Baseline rule ids not to evaluate.
   *
   * @default - none
   */
  readonly disabledRules?: string[];

  /**
   * Action overrides by rule id (`enforce`, `warn`, `audit`).
   *
   * @default - each rule's own action
   */
  readonly actions?: { [ruleId: string]: string };

  /**
   * Exceptions (expired ones fail the synth).
   *
   * @default - none
   */
  readonly exceptions?: PolicyExceptionProps[];

  /**
   * Apply the library's own exceptions for the components `KubernetesPlatform` runs
   * (`BuiltInExceptions.gpuAgents()`: the NVIDIA device plugin and DCGM exporter DaemonSets in `nvidia-gpu`),
   * as the platform's policy set does. Set `false` when your spec opts out (`policy.builtInExceptions: false`).
   *
   * @default true
   */
  readonly builtInExceptions?: boolean;

  /**
   * Namespaces no rule applies to.
   *
   * @default ['kube-system']
   */
  readonly excludedNamespaces?: string[];

  /**
   * Namespaces of the platform's own components: there each rule applies only as `platformActions` says
   * (as `PolicySet.platformNamespaces` renders it for the engines).
   *
   * @default - none: every rule applies in every namespace not excluded
   */
  readonly platformNamespaces?: string[];

  /**
   * The platform profile: rule id to `enforce`, `warn` or `audit` in `platformNamespaces`.
   *
   * @default - PolicyCatalogue.platformActions()
   */
  readonly platformActions?: { [ruleId: string]: string };

  /**
   * Namespace objects for `namespaceObject` (when the Namespaces are synthesized elsewhere).
   *
   * @default - the Namespaces among the manifests
   */
  readonly namespaces?: any[];

  /**
   * The date exceptions are checked against (YYYY-MM-DD).
   *
   * @default - the current date
   */
  readonly today?: string;
}

/**
 * A cdk8s validation plugin: the policy rules evaluated over the synthesized manifests.
 *
 * ```yaml
 * # cdk8s.yaml (the class is exported at the package root)
 * validations:
 *   - package: ./node_modules/cdk-llm-platform  # or the npm form: cdk-llm-platform with an exact version
 *     class: PolicyValidationPlugin
 *     version: 0.0.0
 *     properties:
 *       allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com']
 * ```
 *
 * Each violated enforce rule becomes one violation listing the objects that break it (the synth
 * fails); warn/audit rules are logged as warnings.
 */
export class PolicyValidationPlugin {
  /** The evaluator. */
  public readonly evaluator: PolicyEvaluator;

  private readonly namespaces: any[];

  constructor(props: PolicyValidationPluginProps = {}) {
    checkProps('policy.PolicyValidationPluginProps', props, 'props');
    const disabled = new Set(props.disabledRules ?? []);
    let rules: PolicyRule[] = PolicyCatalogue.baseline({
      allowedRegistries: props.allowedRegistries,
      loadBalancerNamespaces: props.loadBalancerNamespaces,
    })
      .filter((r) => !disabled.has(r.id));
    const actions = props.actions ?? {};
    rules = rules.map((r) => (actions[r.id] !== undefined ? r.withAction(toAction(r.id, actions[r.id])) : r));
    this.evaluator = new PolicyEvaluator({
      rules,
      exceptions: [
        ...(props.builtInExceptions === false ? [] : BuiltInExceptions.gpuAgents(undefined, rules.map((r) => r.id))),
        ...(props.exceptions ?? []),
      ].map((e) => new PolicyException(e)),
      excludedNamespaces: props.excludedNamespaces,
      platformNamespaces: props.platformNamespaces,
      platformActions: props.platformActions === undefined ? undefined
        : Object.fromEntries(Object.entries(props.platformActions).map(([id, a]) => [id, toAction(id, a, 'platformActions')])),
      today: props.today,
    });
    this.namespaces = props.namespaces ?? [];
  }

  /**
   * Run the validation (called by cdk8s-cli with its `ValidationContext`).
   *
   * @param context the cdk8s-cli ValidationContext (`manifests`, `report`, `logger`)
   */
  public async validate(context: any): Promise<void> {
    const files: string[] = [...(context.manifests ?? [])];
    const objects: any[] = [];
    const fileOf = new Map<any, string>();
    // A manifest that cannot be read or parsed is a violation of its own, never a crash of the synth.
    const unreadable: { file: string; problem: string }[] = [];
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const yaml = require('yaml') as typeof YAML;
    for (const file of files) {
      let text: string;
      try {
        text = fs.readFileSync(file, 'utf-8');
      } catch (e: any) {
        unreadable.push({ file, problem: `cannot read: ${e.message}` });
        continue;
      }
      yaml.parseAllDocuments(text).forEach((doc, i) => {
        if (doc.errors.length > 0) {
          unreadable.push({ file, problem: `YAML error in document ${i + 1}: ${doc.errors.map((e) => e.message.split('\n')[0]).join('; ')}` });
          return;
        }
        const o = doc.toJSON();
        if (o && typeof o === 'object') {
          objects.push(o);
          fileOf.set(o, file);
        }
      });
    }
    if (unreadable.length > 0) {
      context.report.addViolation({
        ruleName: 'manifests: unreadable or malformed YAML',
        recommendation: 'Every synthesized manifest must be readable, well-formed YAML for the policies to be evaluated',
        fix: 'Fix the file (or the construct that writes it) and synthesize again',
        violatingResources: unreadable.map((u) => ({ resourceName: u.file, locations: [u.problem], manifestPath: u.file })),
      });
    }
    const report = this.evaluator.evaluate(objects, { namespaces: this.namespaces });
    aliasConstructPaths(context, objects);
    const fileByObject = new Map<string, string>();
    for (const o of objects) {
      fileByObject.set(`${o.kind}\u0000${o.metadata?.namespace ?? 'default'}\u0000${o.metadata?.name}`, fileOf.get(o) ?? '');
    }
    const groups = new Map<string, PolicyViolation[]>();
    for (const v of report.errors) {
      const list = groups.get(v.ruleId) ?? [];
      list.push(v);
      groups.set(v.ruleId, list);
    }
    for (const [ruleId, vs] of [...groups.entries()].sort(([a], [b]) => a.localeCompare(b))) {
      const rule = this.evaluator.rules.find((r) => r.id === ruleId)!;
      context.report.addViolation({
        ruleName: `${ruleId}: ${rule.title}`,
        recommendation: `${rule.description}${rule.compliance.length ? ` (${rule.complianceLabels.join(', ')})` : ''}`,
        fix: `${rule.message}, or add a PolicyException (owner, reason, expiry) for ${ruleId}`,
        violatingResources: vs.map((v) => ({
          resourceName: v.object,
          locations: [v.message],
          manifestPath: fileByObject.get(`${v.kind}\u0000${v.namespace}\u0000${v.name}`) ?? '',
        })),
      });
    }
    for (const w of report.warnings) context.logger?.log?.(`warning: ${w.object}: ${w.message}`);
    context.logger?.log?.(`cdk-llm-platform policy: ${report.objectCount} objects, ${report.errors.length} error(s), ${report.warnings.length} warning(s)`);
    context.report.submit(report.ok && unreadable.length === 0 ? 'success' : 'failure', {
      objects: String(report.objectCount), errors: String(report.errors.length), warnings: String(report.warnings.length),
    });
  }
}

function toAction(ruleId: string, value: string, prop = 'actions'): PolicyAction {
  const all = Object.values(PolicyAction) as string[];
  if (!all.includes(value)) {
    throw new ValidationError(`${prop}.${ruleId}`, 'is not an action', value, `use one of: ${all.join(', ')}`);
  }
  return value as PolicyAction;
}
