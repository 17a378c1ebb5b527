/**
 * Test fixtures shared by every test (DESIGN.md section 6). Whatever a fixture synthesizes is run
 * through the validation harness, so no test can emit an object that is not schema-valid.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Chart, ChartProps, Testing as K8sTesting } from 'cdk8s';
import { TerraformStack, Testing as TfTesting } from 'cdktf';
import { ManifestValidator, TerraformValidator } from '../src/validation';

let manifestValidator: ManifestValidator | undefined;
let terraformValidator: TerraformValidator | undefined;

/** The shared manifest validator (Kubernetes 1.28 + 1.34, shipped CRDs). */
export function manifests(): ManifestValidator {
  manifestValidator ??= new ManifestValidator();
  return manifestValidator;
}

/** The shared Terraform validator (hashicorp/aws 6.25.0 schema). */
export function terraform(): TerraformValidator {
  terraformValidator ??= new TerraformValidator();
  return terraformValidator;
}

/**
 * Throw with a readable report unless every object is schema-valid.
 */
export function expectValidManifests(objects: any[]): void {
  const report = manifests().validateObjects(objects);
  if (!report.ok) throw new Error(`synthesized manifests are not schema-valid:\n${report.toString()}`);
}

/**
 * A fresh cdk8s chart to build into; `synth()` returns its objects after validating them.
 */
export class TestChart extends Chart {
  constructor(props: ChartProps = {}) {
    super(K8sTesting.app(), 'test', props);
  }

  /** Synthesize, validate (strict schemas) and return the objects. */
  public synthValidated(): any[] {
    const objects = K8sTesting.synth(this);
    expectValidManifests(objects);
    return objects;
  }
}

/**
 * Synthesize a cdk8s chart built by `build`, validate every object and return them.
 */
export function synthChart(build: (chart: Chart) => void, props: ChartProps = {}): any[] {
  const chart = new TestChart(props);
  build(chart);
  return chart.synthValidated();
}

/**
 * Find objects by kind (and name) in synthesized output.
 */
export function findObjects(objects: any[], kind: string, name?: string): any[] {
  return objects.filter((o) => o.kind === kind && (name === undefined || o.metadata?.name === name));
}

/**
 * Find exactly one object by kind (and name); throws when there is not exactly one.
 */
export function findObject(objects: any[], kind: string, name?: string): any {
  const found = findObjects(objects, kind, name);
  if (found.length !== 1) {
    throw new Error(`expected one ${kind}${name ? ` named ${name}` : ''}, found ${found.length}: ${objects.map((o) => `${o.kind}/${o.metadata?.name}`).join(', ')}`);
  }
  return found[0];
}

/**
 * Synthesize a cdktf stack built by `build` (a full synth, as `cdktf synth` does), validate the
 * `cdk.tf.json` against the AWS provider schema and return it parsed.
 */
export function synthStack(build: (stack: TerraformStack) => void): any {
  const app = TfTesting.app();
  const stack = new TerraformStack(app, 'test');
  build(stack);
  const json = TfTesting.synth(stack);
  return expectValidTerraform(json);
}

/**
 * Throw with a readable report unless the Terraform JSON is valid; return it parsed.
 */
export function expectValidTerraform(json: string): any {
  const report = terraform().validateJson(json);
  if (!report.ok) throw new Error(`synthesized Terraform is not valid against hashicorp/aws 6.25.0:\n${report.toString()}`);
  return JSON.parse(json);
}

/**
 * Resources of one type in synthesized Terraform JSON (`{ name: body }`).
 */
export function resourcesOf(config: any, type: string): Record<string, any> {
  return config.resource?.[type] ?? {};
}

/**
 * The single resource of a type; throws when there is not exactly one.
 */
export function onlyResource(config: any, type: string): any {
  const all = Object.values(resourcesOf(config, type));
  if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
  return all[0];
}

/** A fresh temporary directory, removed by the caller or left in the OS temp dir. */
export function tempDir(prefix = 'cdk-llm-platform-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}


/** A length-delimited protobuf field (wire type 2): for hand-built descriptor sets in tests. */
export function protobufField(n: number, payload: Buffer | string): Buffer {
  const bytes = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const varint = (v: number) => {
    const out: number[] = [];
    while (v >= 0x80) {
      out.push((v % 0x80) + 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    return Buffer.from(out);
  };
  return Buffer.concat([varint(n * 8 + 2), varint(bytes.length), bytes]);
}
