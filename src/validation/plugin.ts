import { ManifestValidator, ManifestValidatorProps } from './manifest-validator';
import { aliasConstructPaths } from './private/construct-paths';
import { checkProps } from '../core/private/runtime-types';

/**
 * Properties for `SchemaValidationPlugin` (the `properties:` of the `validations:` entry in `cdk8s.yaml`).
 */
export interface SchemaValidationPluginProps extends ManifestValidatorProps {}

/**
 * A cdk8s validation plugin: the harness's strict schema checks from `cdk8s synth`.
 *
 * ```yaml
 * # cdk8s.yaml (the class is exported at the package root)
 * validations:
 *   - package: ./node_modules/cdk-llm-platform  # or the npm form: cdk-llm-platform with an exact version
 *     class: SchemaValidationPlugin
 *     version: 0.0.0
 *     properties:
 *       kubernetesVersions: ['1.28', '1.34']
 *       crdFiles: ['crds/']   # optional: your operators' CRDs (files or directories)
 * ```
 *
 * Each distinct problem becomes one violation listing the objects (file, object, JSON path) that
 * have it; any violation fails the synth. Every policy engine's output validates: Gatekeeper constraints
 * against the CRDs Gatekeeper generates from the ConstraintTemplates of the same synth. Unreadable or
 * malformed manifests and `crdFiles` are violations, never crashes. Resources are named
 * `<apiVersion>/<kind> [<namespace>/]<name>`; with the `construct-metadata.json` that
 * `KubernetesPlatform.synth()` writes under `cdk8s synth`, reports name their constructs too.
 */
export class SchemaValidationPlugin {
  private readonly validator: ManifestValidator;

  constructor(props: SchemaValidationPluginProps = {}) {
    checkProps('validation.SchemaValidationPluginProps', props, 'props');
    this.validator = new ManifestValidator(props);
  }

  /**
   * Run the validation (called by cdk8s-cli with its `ValidationContext`).
   *
   * @param context the cdk8s-cli ValidationContext (`manifests`, `report`, `logger`)
   */
  public async validate(context: any): Promise<void> {
    const manifests: string[] = [...(context.manifests ?? [])];
    const report = this.validator.validateFiles(manifests);
    aliasConstructPaths(context, report.objects);
    const groups = new Map<string, { check: string; message: string; resources: Map<string, { file: string; locations: Set<string> }> }>();
    for (const f of report.findings) {
      const key = `${f.check}\u0000${f.message}`;
      let g = groups.get(key);
      if (!g) {
        g = { check: f.check, message: f.message, resources: new Map() };
        groups.set(key, g);
      }
      const rkey = `${f.file}\u0000${f.object}`;
      let r = g.resources.get(rkey);
      if (!r) {
        r = { file: f.file ?? '', locations: new Set() };
        g.resources.set(rkey, r);
      }
      r.locations.add(f.path);
    }
    for (const g of groups.values()) {
      context.report.addViolation({
        ruleName: `${g.check}: ${g.message}`,
        recommendation: recommendation(g.check),
        fix: fix(g.check),
        violatingResources: [...g.resources.entries()].map(([key, r]) => ({
          resourceName: key.split('\u0000')[1],
          locations: [...r.locations].sort(),
          manifestPath: r.file,
        })),
      });
    }
    context.logger?.log?.(`cdk-llm-platform: validated ${report.objectCount} objects in ${manifests.length} manifest(s): ${report.findings.length} problem(s)`);
    context.report.submit(report.ok ? 'success' : 'failure', { objects: String(report.objectCount), problems: String(report.findings.length) });
  }
}

function recommendation(check: string): string {
  switch (check) {
    case 'unknown-kind': return 'Emit only kinds the cluster knows, or register the CRD with crdFiles';
    case 'cel-rule': return 'Satisfy the CRD validation rule (x-kubernetes-validations)';
    case 'yaml': return 'Emit well-formed YAML';
    case 'crd': return 'List CustomResourceDefinition YAML files or directories in crdFiles, and give every ConstraintTemplate spec.crd.spec.names.kind';
    default: return 'Emit objects that match the upstream schema exactly';
  }
}

function fix(check: string): string {
  switch (check) {
    case 'unknown-kind': return 'Fix apiVersion/kind or add the CRD YAML to crdFiles';
    case 'crd': return 'Fix the crdFiles entry (path, YAML) or drop the documents that are not CRDs';
    case 'schema': return 'Remove unknown fields, add required ones and use the schema types';
    default: return 'Change the construct props that produce this field';
  }
}
