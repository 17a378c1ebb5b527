import * as fs from 'fs';
import * as path from 'path';
import { ValidationContext } from 'cdk8s-cli/plugins';
import { SchemaValidationPlugin } from '../../src/validation';
import { tempDir } from '../util';

function manifests(files: Record<string, string>): string[] {
  const dir = tempDir();
  return Object.entries(files).map(([name, text]) => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  });
}

describe('SchemaValidationPlugin (the cdk8s-cli plugin contract)', () => {
  beforeEach(() => {
    jest.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  test('valid manifests make a successful report', async () => {
    const files = manifests({ 'a.k8s.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndata:\n  x: "1"\n' });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin().validate(context);
    expect(context.report.success).toBe(true);
    expect(context.report.toJson().summary.metadata).toEqual({ objects: '1', problems: '0' });
  });

  test('problems become violations naming file, object and path, and fail the report', async () => {
    const files = manifests({
      'a.k8s.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\ndatta: {}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\ndatta: {}\n',
      'b.k8s.yaml': 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n',
    });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin({ kubernetesVersions: ['1.34'] }).validate(context);
    expect(context.report.success).toBe(false);
    const json = context.report.toJson();
    expect(json.violations.map((v) => v.ruleName).sort()).toEqual([
      'schema: unknown field (not in the schema)',
      expect.stringMatching(/^unknown-kind: no schema knows example.com\/v1 Widget/),
    ]);
    const unknownField = json.violations.find((v) => v.ruleName.startsWith('schema'))!;
    expect(unknownField.violatingConstructs.map((c) => [c.resourceName, c.locations, path.basename(c.manifestPath)])).toEqual([
      ['v1/ConfigMap a', ['/datta'], 'a.k8s.yaml'],
      ['v1/ConfigMap b', ['/datta'], 'a.k8s.yaml'],
    ]);
    expect(context.report.toString()).toMatch(/unknown field/);
  });

  test('malformed YAML fails the report instead of crashing the synth', async () => {
    const files = manifests({ 'bad.k8s.yaml': 'kind: [\n' });
    const context = new ValidationContext(files, 'cdk-llm-platform', '0.0.0', {}, false);
    await new SchemaValidationPlugin().validate(context);
    expect(context.report.success).toBe(false);
    expect(context.report.toJson().violations[0].ruleName).toMatch(/^yaml: YAML error/);
  });
});
