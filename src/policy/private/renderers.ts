/**
 * Renderers: one rule -> ValidatingAdmissionPolicy + binding, Kyverno ClusterPolicy, Gatekeeper
 * ConstraintTemplate + constraint. Every renderer emits the same validation expression and the same
 * generated per-kind variables; only the parameter plumbing and exception mechanism differ.
 */
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { PlatformLabels } from '../../core/labels';
import { ConstraintTemplate } from '../../imports/gatekeeper-constrainttemplate-templates.gatekeeper.sh';
import { PolicyException as KyvernoPolicyException } from '../../imports/kyverno-policyexception-kyverno.io';
import { PolicyException } from '../policy-exception';
import { PolicyAction, PolicyParameterType, PolicyRule } from '../policy-rule';
import { ResourceKind } from '../resource-kind';
import { EPHEMERAL_CONTAINERS, exemptsInsignificantPodUpdates, matchesPods, SIGNIFICANT_POD_UPDATE, SIGNIFICANT_POD_UPDATE_CONDITION } from './admission-request';
import { celLiteral, CelVariable, CHILD_KINDS, exemptionExpression, OWNER_KINDS } from './cel-templates';

/** Annotation/label keys the policy layer writes on rendered objects. */
export const RULE_ID_LABEL = 'policy.llm-platform.io/rule-id';
export const SEVERITY_ANNOTATION = 'policy.llm-platform.io/severity';
export const COMPLIANCE_ANNOTATION = 'policy.llm-platform.io/compliance';
export const TITLE_ANNOTATION = 'policy.llm-platform.io/title';

export interface RenderContext {
  readonly excludedNamespaces: string[];
  readonly parametersNamespace: string;
  readonly exceptionsNamespace: string;
  /** Platform namespaces (sorted): the tenant scope leaves them out, the platform scope covers them. */
  readonly platformNamespaces: string[];
  /** What the platform scope does per rule id; a rule not listed does not apply in platform namespaces. */
  readonly platformActions: Record<string, PolicyAction>;
  /** Whether this engine enforces; otherwise it only audits (reports), whatever the rule's action. */
  readonly enforcing: boolean;
  /** VAP parameters inlined in the policy (true) or read from ConfigMaps through paramRef. */
  readonly inlineParameters: boolean;
}

/** Argo CD sync-wave annotation key. */
export const SYNC_WAVE = 'argocd.argoproj.io/sync-wave';

/** The kubernetes.io/metadata.name label the API server sets (immutable) on every Namespace. */
const NAME_LABEL = 'kubernetes.io/metadata.name';

/** One scope a rule is rendered for: the namespaces and the action there. */
export interface RuleScope {
  /** `tenant` (every namespace but the excluded and platform ones) or `platform`. */
  readonly profile: 'tenant' | 'platform';
  /** The action in this scope, after the engine's role (a non-enforcing engine only audits). */
  readonly action: PolicyAction;
  /** Namespaces the scope covers (platform) or undefined (every namespace not excluded). */
  readonly namespaces?: string[];
  /** Namespaces the scope leaves out. */
  readonly excluded: string[];
}

/** The scopes of a rule: tenant (always), platform (when platform namespaces are set and the rule has a platform action). */
export function ruleScopes(rule: PolicyRule, wideExceptions: string[], ctx: RenderContext): RuleScope[] {
  const role = (a: PolicyAction) => (ctx.enforcing ? a : PolicyAction.AUDIT);
  const excluded = [...new Set([...ctx.excludedNamespaces, ...wideExceptions])].sort();
  const scopes: RuleScope[] = [{
    profile: 'tenant',
    action: role(rule.action),
    excluded: [...new Set([...excluded, ...ctx.platformNamespaces])].sort(),
  }];
  const platformAction = ctx.platformActions[rule.id];
  const platform = ctx.platformNamespaces.filter((n) => !excluded.includes(n));
  if (platformAction !== undefined && platform.length > 0) {
    scopes.push({ profile: 'platform', action: role(platformAction), namespaces: platform, excluded });
  }
  return scopes;
}

/** A namespaceSelector by the immutable kubernetes.io/metadata.name label. */
function namespaceSelector(scope: RuleScope): any | undefined {
  const matchExpressions = [
    ...(scope.namespaces ? [{ key: NAME_LABEL, operator: 'In', values: scope.namespaces }] : []),
    ...(scope.excluded.length ? [{ key: NAME_LABEL, operator: 'NotIn', values: scope.excluded }] : []),
  ];
  return matchExpressions.length ? { matchExpressions } : undefined;
}

function ruleMetadata(rule: PolicyRule, extraAnnotations: Record<string, string> = {}) {
  return {
    name: rule.objectName,
    labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE, [PlatformLabels.COMPONENT]: 'policy', [RULE_ID_LABEL]: rule.id },
    annotations: {
      [TITLE_ANNOTATION]: rule.title,
      [SEVERITY_ANNOTATION]: rule.severity,
      ...(rule.compliance.length ? { [COMPLIANCE_ANNOTATION]: rule.complianceLabels.join('; ') } : {}),
      ...extraAnnotations,
    },
  };
}

/** Exceptions split into namespace-wide ones and targeted (kind and/or name) ones. */
function splitExceptions(exceptions: PolicyException[]) {
  const wide = [...new Set(exceptions.filter((e) => e.kind === undefined && e.name === undefined).map((e) => e.namespace))].sort();
  const targeted = exceptions.filter((e) => e.kind !== undefined || e.name !== undefined)
    .map((e) => ({ namespace: e.namespace, ...(e.kind ? { kind: e.kind } : {}), ...(e.name ? { name: e.name } : {}) }))
    .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return { wide, targeted };
}

// ------------------------------------------------------------------------------------------------ VAP

/** The VAP `params` variable: decodes the parameter ConfigMap's string data into typed values. */
export function vapParamsVariable(rule: PolicyRule): CelVariable {
  const entries = [...rule.parameters].sort((a, b) => a.name.localeCompare(b.name)).map((p) => {
    const raw = `params.data['${p.name}']`;
    switch (p.type) {
      case PolicyParameterType.STRING_LIST: return `'${p.name}': (${raw} == '' ? [] : ${raw}.split(','))`;
      case PolicyParameterType.INTEGER: return `'${p.name}': int(${raw})`;
      case PolicyParameterType.BOOLEAN: return `'${p.name}': ${raw} == 'true'`;
      default: return `'${p.name}': ${raw}`;
    }
  });
  return { name: 'params', expression: `{${entries.join(', ')}}` };
}

/** The VAP parameter ConfigMap's data (every value a string). */
export function vapParamsData(rule: PolicyRule): Record<string, string> {
  const data: Record<string, string> = {};
  for (const p of [...rule.parameters].sort((a, b) => a.name.localeCompare(b.name))) {
    const v = rule.parameterValues[p.name];
    data[p.name] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return data;
}

/**
 * The VAP resourceRules: every kind's resource for CREATE and UPDATE, and with `pods` the
 * `pods/ephemeralcontainers` subresource (`kubectl debug`: an UPDATE whose object is the whole Pod), as
 * Pod Security admission's webhook registers them (pod-security-admission v0.34.9
 * `webhook/manifests/70-validatingwebhookconfiguration.yaml`). A VAP rule's `pods` does not match
 * subresources (Kubernetes API reference, RuleWithOperations.resources: "'pods' means pods ...
 * 'pods/log' means the log subresource of pods").
 */
export function resourceRules(kinds: ResourceKind[]) {
  const groups = new Map<string, { group: string; versions: string[]; resources: Set<string> }>();
  for (const k of kinds) {
    const key = `${k.group}|${k.versions.join(',')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, g = { group: k.group, versions: k.versions, resources: new Set() });
    g.resources.add(k.resource);
    if (k === ResourceKind.POD) g.resources.add(`${k.resource}/${EPHEMERAL_CONTAINERS}`);
  }
  return [...groups.values()].sort((a, b) => a.group.localeCompare(b.group)).map((g) => ({
    apiGroups: [g.group], apiVersions: g.versions, operations: ['CREATE', 'UPDATE'], resources: [...g.resources].sort(),
  }));
}

/**
 * The match condition of Pod Security Standards rules: a pod UPDATE is decided only when it is
 * significant (see admission-request.ts); none for other rules. Same CEL in every engine.
 */
export function podUpdateConditions(rule: PolicyRule): { name: string; expression: string }[] {
  return exemptsInsignificantPodUpdates(rule) ? [{ name: SIGNIFICANT_POD_UPDATE_CONDITION, expression: SIGNIFICANT_POD_UPDATE }] : [];
}

const VAP_ACTIONS: Record<PolicyAction, string[]> = {
  [PolicyAction.ENFORCE]: ['Deny'],
  [PolicyAction.WARN]: ['Warn', 'Audit'],
  [PolicyAction.AUDIT]: ['Audit'],
};

export function renderVap(scope: Construct, rule: PolicyRule, exceptions: PolicyException[], ctx: RenderContext): void {
  const { wide, targeted } = splitExceptions(exceptions);
  const parameterized = rule.parameters.length > 0;
  const fromConfigMap = parameterized && !ctx.inlineParameters;
  const params: CelVariable[] = !parameterized ? [] : fromConfigMap ? [vapParamsVariable(rule)] : [{ name: 'params', expression: celLiteral(rule.parameterValues) }];
  const variables = [...params, ...rule._workloadVariables()];
  const matchConditions = [
    ...(targeted.length ? [{ name: 'policy-exceptions', expression: `!(${exemptionExpression(celLiteral(targeted))})` }] : []),
    ...podUpdateConditions(rule),
  ];
  new ApiObject(scope, 'ValidatingAdmissionPolicy', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: ruleMetadata(rule),
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: { resourceRules: resourceRules(rule.kinds) },
      ...(fromConfigMap ? { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } } : {}),
      ...(matchConditions.length ? { matchConditions } : {}),
      ...(variables.length ? { variables } : {}),
      validations: [{ expression: rule.expression, message: rule.fullMessage, reason: 'Forbidden' }],
    },
  });
  for (const s of ruleScopes(rule, wide, ctx)) {
    const selector = namespaceSelector(s);
    const meta = ruleMetadata(rule);
    new ApiObject(scope, s.profile === 'tenant' ? 'ValidatingAdmissionPolicyBinding' : 'PlatformBinding', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { ...meta, name: s.profile === 'tenant' ? rule.objectName : `${rule.objectName}-platform`, labels: { ...meta.labels, [PROFILE_LABEL]: s.profile } },
      spec: {
        policyName: rule.objectName,
        validationActions: VAP_ACTIONS[s.action],
        // Deny when the ConfigMap is missing: it ships in the same Application, one sync wave earlier.
        ...(fromConfigMap ? { paramRef: { name: rule.objectName, namespace: ctx.parametersNamespace, parameterNotFoundAction: 'Deny' } } : {}),
        ...(selector ? { matchResources: { namespaceSelector: selector } } : {}),
      },
    });
  }
  if (fromConfigMap) {
    const meta = ruleMetadata(rule);
    new ApiObject(scope, 'Parameters', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { ...meta, namespace: ctx.parametersNamespace, annotations: { ...meta.annotations, [SYNC_WAVE]: PARAMETERS_WAVE } },
      data: vapParamsData(rule),
    });
  }
}

/** Sync waves inside the policies Application: the parameters' Namespace, then the ConfigMaps, then the policies (wave 0; Gatekeeper constraints 1, CONSTRAINT_SYNC). */
export const PARAMETERS_NAMESPACE_WAVE = '-2';
export const PARAMETERS_WAVE = '-1';

/** Label on rendered bindings, Kyverno rules' policies and Gatekeeper constraints: the scope (`tenant` or `platform`). */
export const PROFILE_LABEL = 'policy.llm-platform.io/profile';

// ------------------------------------------------------------------------------------------------ Kyverno

const KYVERNO_SEVERITY: Record<string, string> = { low: 'low', medium: 'medium', high: 'high', critical: 'critical' };

function kyvernoKinds(kinds: ResourceKind[]): string[] {
  const core = new Set(['', 'apps', 'batch', 'networking.k8s.io', 'rbac.authorization.k8s.io']);
  return [...new Set(kinds.map((k) => (core.has(k.group) ? k.kind : `${k.group}/${k.versions[0]}/${k.kind}`)))].sort();
}

export function renderKyverno(scope: Construct, rule: PolicyRule, ctx: RenderContext): void {
  const variables = [
    ...(rule.parameters.length ? [{ name: 'params', expression: celLiteral(rule.parameterValues) }] : []),
    ...rule._workloadVariables(),
  ];
  // CEL preconditions are the rule's matchConditions (pkg/engine/handlers/validation/validate_cel.go)
  const podUpdate = podUpdateConditions(rule);
  const rules = ruleScopes(rule, [], ctx).map((s) => {
    const selector = namespaceSelector(s);
    return {
      name: kyvernoRuleName(rule, s.profile),
      // `Pod` also matches pods/ephemeralcontainers: Kyverno 1.18.1 (chart 3.8.1) matches that subresource
      // on a Pod kind (pkg/engine/utils/match.go, CheckKind(..., allowEphemeralContainers=true)) and adds
      // it to its webhook wherever pods are (pkg/controllers/webhook/utils_webhook.go). Naming
      // `Pod/ephemeralcontainers` would be refused with background scans on
      // (pkg/validation/policy/validate.go validKinds: "background scan enabled with subresource").
      match: { any: [{ resources: { kinds: kyvernoKinds(rule.kinds), operations: ['CREATE', 'UPDATE'], ...(selector ? { namespaceSelector: selector } : {}) } }] },
      ...(podUpdate.length ? { celPreconditions: podUpdate } : {}),
      validate: {
        failureAction: s.action === PolicyAction.ENFORCE ? 'Enforce' : 'Audit',
        cel: {
          ...(variables.length ? { variables } : {}),
          expressions: [{ expression: rule.expression, message: rule.fullMessage }],
        },
      },
    };
  });
  new ApiObject(scope, 'ClusterPolicy', {
    apiVersion: 'kyverno.io/v1',
    kind: 'ClusterPolicy',
    metadata: ruleMetadata(rule, {
      'policies.kyverno.io/title': rule.title,
      'policies.kyverno.io/severity': KYVERNO_SEVERITY[rule.severity],
      'policies.kyverno.io/description': rule.description,
      // The per-kind pod paths are generated into the CEL variables: Kyverno's own autogen would
      // rewrite object.spec and duplicate the rule for controllers that are already matched.
      'pod-policies.kyverno.io/autogen-controllers': 'none',
    }),
    spec: {
      // Not the enforcing engine: background scans (PolicyReports) only, no admission webhook call,
      // so one rule is never enforced twice (Kyverno docs, policy settings: admission, background).
      ...(ctx.enforcing ? {} : { admission: false }),
      background: true,
      ...(ctx.enforcing && rule.action === PolicyAction.WARN ? { emitWarning: true } : {}),
      rules,
    },
  });
}

/** The Kyverno rule name of a rule in a scope (the tenant rule keeps the policy's name). */
export function kyvernoRuleName(rule: PolicyRule, profile: 'tenant' | 'platform'): string {
  return profile === 'tenant' ? rule.objectName : 'platform-namespaces';
}

/** One Kyverno PolicyException per exception (it may waive several rules). */
export function renderKyvernoException(scope: Construct, exception: PolicyException, rules: PolicyRule[], ctx: RenderContext): void {
  const ns = [exception.namespace];
  const children = exception.kind ? CHILD_KINDS[exception.kind] ?? [] : [];
  let any: any[];
  let conditions: any;
  if (!exception.kind) {
    any = [{ resources: { namespaces: ns, ...(exception.name ? { names: [exception.name, `${exception.name}-*`] } : {}) } }];
  } else if (exception.name) {
    // the object by name; what its controller makes by the names it gives them
    any = [{ resources: { namespaces: ns, kinds: [exception.kind], names: [exception.name] } },
      ...(children.length ? [{ resources: { namespaces: ns, kinds: children, names: [`${exception.name}-*`] } }] : [])];
  } else {
    any = [{ resources: { namespaces: ns, kinds: [exception.kind, ...children] } }];
    if (children.length) {
      // every object of the kind, and what controllers of the kind make: by their controller ownerReference
      conditions = {
        any: [
          { key: '{{ request.object.kind }}', operator: 'Equals', value: exception.kind },
          { key: '{{ request.object.metadata.ownerReferences[?controller].kind || `[]` }}', operator: 'AnyIn', value: [...new Set(Object.values(OWNER_KINDS[exception.kind]))].sort() },
        ],
      };
    }
  }
  const ruleNames = (r: PolicyRule) => [r.objectName, ...(ctx.platformNamespaces.length && ctx.platformActions[r.id] !== undefined ? [kyvernoRuleName(r, 'platform')] : [])];
  new KyvernoPolicyException(scope, exception.objectName, {
    metadata: {
      name: exception.objectName,
      namespace: ctx.exceptionsNamespace,
      labels: { [PlatformLabels.MANAGED_BY]: PlatformLabels.MANAGED_BY_VALUE, [PlatformLabels.COMPONENT]: 'policy-exception' },
      annotations: exceptionAnnotations(exception),
    },
    spec: {
      background: true,
      exceptions: rules.map((r) => ({ policyName: r.objectName, ruleNames: ruleNames(r) })),
      match: { any },
      ...(conditions ? { conditions } : {}),
    },
  });
}

export function exceptionAnnotations(e: PolicyException): Record<string, string> {
  return {
    'policy.llm-platform.io/owner': e.owner,
    'policy.llm-platform.io/reason': e.reason,
    'policy.llm-platform.io/expires': e.expires,
    'policy.llm-platform.io/rule-ids': e.ruleIds.join(','),
    ...(e.ticket ? { 'policy.llm-platform.io/ticket': e.ticket } : {}),
  };
}

// ------------------------------------------------------------------------------------------------ Gatekeeper

/** The constraint kind of a rule: `LLM-PSS-001` -> `LlmPss001`. */
export function gatekeeperKind(rule: PolicyRule): string {
  return rule.id.split('-').map((w) => w.charAt(0) + w.slice(1).toLowerCase()).join('');
}

const PARAM_SCHEMA: Record<PolicyParameterType, any> = {
  [PolicyParameterType.STRING]: { type: 'string' },
  [PolicyParameterType.STRING_LIST]: { type: 'array', items: { type: 'string' } },
  [PolicyParameterType.INTEGER]: { type: 'integer' },
  [PolicyParameterType.BOOLEAN]: { type: 'boolean' },
};

/** The constraint's `spec.parameters` schema: the rule's parameters plus `exemptions`. */
export function gatekeeperParametersSchema(rule: PolicyRule): any {
  const properties: Record<string, any> = {};
  for (const p of [...rule.parameters].sort((a, b) => a.name.localeCompare(b.name))) {
    properties[p.name] = { ...PARAM_SCHEMA[p.type], description: p.description };
  }
  properties.exemptions = {
    type: 'array',
    description: 'Objects the rule does not apply to (PolicyExceptions with a kind or name); a named controller covers the objects it creates.',
    items: {
      type: 'object',
      properties: { namespace: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
      required: ['namespace'],
    },
  };
  return { type: 'object', properties };
}

const GATEKEEPER_ACTIONS: Record<PolicyAction, string> = {
  [PolicyAction.ENFORCE]: 'deny',
  [PolicyAction.WARN]: 'warn',
  [PolicyAction.AUDIT]: 'dryrun',
};

/**
 * The K8sNativeValidation source's match conditions (its JSON key is `matchCondition`: Gatekeeper v3.23.0
 * pkg/drivers/k8scel/schema/schema.go `Source.MatchConditions`), in the VAP's request scope:
 * - subresources: Gatekeeper's chart sends its webhook every resource and a list of subresources
 *   (values.yaml `validatingWebhookSubResources`: pods/ephemeralcontainers, pods/resize, services/status,
 *   ...), and a constraint matches them by the request kind (Pod for pods/resize, Service for
 *   services/status). Only the object itself and, for rules over Pods, pods/ephemeralcontainers are decided;
 * - the Pod Security Standards' update exemption (podUpdateConditions).
 */
export function gatekeeperMatchConditions(rule: PolicyRule): { name: string; expression: string }[] {
  const subresources = matchesPods(rule) ? `request.subResource == '' || (object.kind == 'Pod' && request.subResource == '${EPHEMERAL_CONTAINERS}')` : "request.subResource == ''";
  return [{ name: 'request-scope', expression: `!has(request.subResource) || ${subresources}` }, ...podUpdateConditions(rule)];
}

/**
 * How Argo CD syncs a constraint, whose CRD Gatekeeper creates from its ConstraintTemplate
 * (Gatekeeper v3.23.0 `pkg/controller/constrainttemplate/constrainttemplate_controller.go`), in the same
 * Application as the template (argoproj/argo-cd v3.5.1):
 * - one sync wave after the template (wave 0): within a wave Argo CD applies kinds it does not list by object
 *   name (`gitops-engine/pkg/sync/sync_tasks.go` `Less`: `llm-pss-001-...` before `llmpss001`), and starts a
 *   wave only when the previous one is applied and healthy;
 * - without a dry run while the kind is unknown: the sync's dry run of a kind the API server does not know
 *   fails the whole sync unless its CRD is part of the sync (`gitops-engine/pkg/sync/sync_context.go`
 *   `getSyncTasks`); `docs/user-guide/sync-options.md` "Skip Dry Run for new custom resources types" names
 *   Gatekeeper's constraints as the case for `SkipDryRunOnMissingResource=true`.
 */
export const CONSTRAINT_SYNC: Record<string, string> = {
  [SYNC_WAVE]: '1',
  'argocd.argoproj.io/sync-options': 'SkipDryRunOnMissingResource=true',
};

export function renderGatekeeper(scope: Construct, rule: PolicyRule, exceptions: PolicyException[], ctx: RenderContext): void {
  const kind = gatekeeperKind(rule);
  const { wide, targeted } = splitExceptions(exceptions);
  const exempt = `variables.params != null && has(variables.params.exemptions) && ${exemptionExpression('variables.params.exemptions')}`;
  new ConstraintTemplate(scope, 'ConstraintTemplate', {
    metadata: { ...ruleMetadata(rule), name: kind.toLowerCase() },
    spec: {
      crd: { spec: { names: { kind }, validation: { openApiv3Schema: gatekeeperParametersSchema(rule) } } },
      targets: [{
        target: 'admission.k8s.gatekeeper.sh',
        code: [{
          engine: 'K8sNativeValidation',
          source: {
            matchCondition: gatekeeperMatchConditions(rule),
            variables: [...rule._workloadVariables(), { name: 'exempt', expression: exempt }],
            validations: [{ expression: `variables.exempt || (${rule.expression})`, message: rule.fullMessage }],
          },
        }],
      }],
    },
  });
  const kinds = new Map<string, Set<string>>();
  for (const k of rule.kinds) {
    if (!kinds.has(k.group)) kinds.set(k.group, new Set());
    kinds.get(k.group)!.add(k.kind);
  }
  for (const s of ruleScopes(rule, wide, ctx)) {
    const meta = ruleMetadata(rule);
    new ApiObject(scope, s.profile === 'tenant' ? 'Constraint' : 'PlatformConstraint', {
      apiVersion: 'constraints.gatekeeper.sh/v1beta1',
      kind,
      metadata: {
        ...meta,
        name: s.profile === 'tenant' ? rule.objectName : `${rule.objectName}-platform`,
        labels: { ...meta.labels, [PROFILE_LABEL]: s.profile },
        annotations: { ...meta.annotations, ...CONSTRAINT_SYNC },
      },
      spec: {
        enforcementAction: GATEKEEPER_ACTIONS[s.action],
        match: {
          kinds: [...kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([g, ks]) => ({ apiGroups: [g], kinds: [...ks].sort() })),
          ...(s.namespaces ? { namespaces: s.namespaces } : {}),
          ...(s.excluded.length ? { excludedNamespaces: s.excluded } : {}),
        },
        parameters: { ...rule.parameterValues, exemptions: targeted },
      },
    });
  }
}
