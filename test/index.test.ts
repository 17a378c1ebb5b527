import { execFileSync } from 'child_process';
import * as path from 'path';

const ROOT = path.join(__dirname, '..');

/** Require the package root in a fresh process, loaded as the published package loads (issue 18). */
interface RootLoad {
  readonly requireMs: number;
  readonly atRequire: Record<string, number>;
  readonly exportsAtRequire: string[];
  readonly platformLoaded: boolean;
  readonly afterPlatform: Record<string, number>;
}

function requireRoot(): RootLoad {
  const out = execFileSync(process.execPath, [path.join(ROOT, 'projenrc', 'ts-run.js'), path.join(ROOT, 'test', 'fixtures', 'require-root.ts')], { cwd: ROOT, encoding: 'utf-8' });
  return JSON.parse(out);
}

describe('the package root', () => {
  const result = requireRoot();

  test('loads no layer and none of the heavy libraries when required: submodules load on first access', () => {
    for (const heavy of ['cdktf', '@cdktf/provider-aws', 'projen', 'ajv', 'yaml', '@bufbuild/cel', '@bufbuild/protobuf', '@grafana/grafana-foundation-sdk', '@prometheus-io/lezer-promql', 'cdk8s-plus-28']) {
      expect([heavy, result.atRequire[heavy] ?? 0]).toEqual([heavy, 0]);
    }
  });

  test('still exports every submodule and the root types', () => {
    for (const name of ['app', 'aws', 'gitops', 'k8s', 'mesh', 'observability', 'platform', 'policy', 'twin', 'validation', 'GpuPool', 'KubernetesVersion', 'SchemaValidationPlugin', 'PolicyValidationPlugin']) {
      expect(result.exportsAtRequire).toContain(name);
    }
  });

  test('reading a submodule loads it and what it needs', () => {
    expect(result.platformLoaded).toBe(true);
    expect(result.afterPlatform.cdktf).toBeGreaterThan(0);
    expect(result.afterPlatform['cdk-llm-platform']).toBeGreaterThan(result.atRequire['cdk-llm-platform']);
  });
});
