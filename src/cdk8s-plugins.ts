// The cdk8s validation plugins at the package root, so `cdk8s.yaml` can name them the npm-package way:
// `package: cdk-llm-platform` with `class: SchemaValidationPlugin` or `class: PolicyValidationPlugin`
// (cdk8s-cli loads `require(package)[class]`, lib/plugins/_manager.js). jsii lets a type be exported by one
// module only, so these are thin classes that load and delegate to the layers' plugins when constructed.
import { checkProps } from './core/private/runtime-types';
import type { PolicyValidationPlugin as PolicyPlugin, PolicyValidationPluginProps } from './policy/policy-validation-plugin';
import type { SchemaValidationPlugin as SchemaPlugin, SchemaValidationPluginProps } from './validation/plugin';

/**
 * The cdk8s validation plugin of strict schema checks, at the package root: `validation.SchemaValidationPlugin`
 * for `cdk8s.yaml`.
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk-llm-platform  # or the npm form: cdk-llm-platform with an exact version
 *     class: SchemaValidationPlugin
 *     version: 0.0.0
 *     properties:
 *       kubernetesVersions: ['1.28', '1.34']
 * ```
 */
export class SchemaValidationPlugin {
  private readonly plugin: SchemaPlugin;

  constructor(props: SchemaValidationPluginProps = {}) {
    checkProps('validation.SchemaValidationPluginProps', props, 'props');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { SchemaValidationPlugin: Plugin } = require('./validation/plugin') as typeof import('./validation/plugin');
    this.plugin = new Plugin(props);
  }

  /**
   * Run the validation (called by cdk8s-cli with its `ValidationContext`).
   *
   * @param context the cdk8s-cli ValidationContext (`manifests`, `report`, `logger`)
   */
  public async validate(context: any): Promise<void> {
    return this.plugin.validate(context);
  }
}

/**
 * The cdk8s validation plugin of the policy rules, at the package root: `policy.PolicyValidationPlugin`
 * for `cdk8s.yaml`.
 *
 * ```yaml
 * validations:
 *   - package: ./node_modules/cdk-llm-platform  # or the npm form: cdk-llm-platform with an exact version
 *     class: PolicyValidationPlugin
 *     version: 0.0.0
 *     properties:
 *       allowedRegistries: ['123456789012.dkr.ecr.us-east-1.amazonaws.com']
 * ```
 */
export class PolicyValidationPlugin {
  private readonly plugin: PolicyPlugin;

  constructor(props: PolicyValidationPluginProps = {}) {
    checkProps('policy.PolicyValidationPluginProps', props, 'props');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { PolicyValidationPlugin: Plugin } = require('./policy/policy-validation-plugin') as typeof import('./policy/policy-validation-plugin');
    this.plugin = new Plugin(props);
  }

  /**
   * Run the validation (called by cdk8s-cli with its `ValidationContext`).
   *
   * @param context the cdk8s-cli ValidationContext (`manifests`, `report`, `logger`)
   */
  public async validate(context: any): Promise<void> {
    return this.plugin.validate(context);
  }
}
