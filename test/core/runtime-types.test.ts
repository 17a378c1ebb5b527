import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import * as ts from 'typescript';
import { ValidationError, ValidationErrors } from '../../src/core/errors';
import { GpuInstanceType } from '../../src/core/gpu-instance-type';
import { ModelRuntime } from '../../src/core/model-runtime';
import { checkArgs, checkProps, describeType, typeProblems } from '../../src/core/private/runtime-types';
import { ModelSource } from '../../src/k8s/serving/model-source';
import { MeshPrincipal } from '../../src/mesh/mesh-principal';
import { GpuCapacityType, PlatformSpec } from '../../src/platform/platform-spec';
import { SHA, smallSpec } from '../platform/fixtures';

const ROOT = path.resolve(__dirname, '..', '..');
const TABLE = path.join(ROOT, 'schemas', 'runtime-types.json');

class Root extends Construct {
  constructor() {
    super(undefined as any, '');
  }
}

function spec(patch: (s: any) => void): any {
  const s: any = smallSpec();
  patch(s);
  return s;
}

describe('typeProblems', () => {
  test('a valid spec has none', () => {
    expect(typeProblems('platform.PlatformSpec', smallSpec(), 'spec')).toEqual([]);
  });

  test('a string where a list is expected: the path, the type, the value and how to wrap it', () => {
    expect(typeProblems('platform.PlatformSpec', spec((s) => { s.tenants = 'search'; }), 'spec')).toEqual([{
      prop: 'tenants',
      problem: 'must be a list of TenantSpec objects',
      value: "'search'",
      fix: "set 'tenants' to a list of TenantSpec objects; a single value goes in a list: ['search']",
    }]);
  });

  test.each([
    ['a string where a number is expected', (s: any) => { s.gpuPools[0].maxNodes = '4'; }, 'gpuPools[0].maxNodes', 'must be a number', "'4'"],
    ['NaN is not a number', (s: any) => { s.gpuPools[0].maxNodes = NaN; }, 'gpuPools[0].maxNodes', 'must be a number', 'NaN'],
    ['a string where a boolean is expected', (s: any) => { s.models[0].kserve = 'true'; }, 'models[0].kserve', 'must be a boolean', "'true'"],
    ['a list where a struct is expected', (s: any) => { s.gitops = ['https://x']; }, 'gitops', 'must be a GitOpsSpec object', '["https://x"]'],
    ['a number where a string is expected', (s: any) => { s.accountId = 123456789012; }, 'accountId', 'must be a string', '123456789012'],
    ['a map value of the wrong type', (s: any) => { s.models[0].env = { A: 1 }; }, 'models[0].env[A]', 'must be a string', '1'],
    ['a string where a map is expected', (s: any) => { s.models[0].env = 'A=1'; }, 'models[0].env', 'must be a map of string keys to strings', "'A=1'"],
    ['a string where a Duration is expected', (s: any) => { s.models[0].startupTimeout = '10m'; }, 'models[0].startupTimeout', 'must be a Duration', "'10m'"],
  ])('%s', (_name, patch, prop, problem, value) => {
    const problems = typeProblems('platform.PlatformSpec', spec(patch), 'spec');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ prop, problem, value });
    expect(problems[0].fix).toMatch(new RegExp(`^set '${prop.replace(/[[\].]/g, '\\$&')}' to `));
  });

  test('null and undefined list entries are reported at their index', () => {
    const problems = typeProblems('platform.PlatformSpec', spec((s) => { s.tenants = [null, s.tenants[0], undefined]; }), 'spec');
    expect(problems).toEqual([
      { prop: 'tenants[0]', problem: 'must be a TenantSpec object', value: 'null', fix: 'remove the null entry or set it to a TenantSpec object' },
      { prop: 'tenants[2]', problem: 'must be a TenantSpec object', value: 'nothing', fix: 'remove the empty entry or set it to a TenantSpec object' },
    ]);
  });

  test('a missing required prop, and null for a required and an optional one', () => {
    const problems = typeProblems('platform.PlatformSpec', spec((s) => { delete s.region; s.gitops = null; s.mesh = null; }), 'spec');
    expect(problems).toEqual([
      { prop: 'gitops', problem: 'is required (a GitOpsSpec object)', value: 'null', fix: "set 'gitops'" },
      { prop: 'mesh', problem: 'must be a MeshSpec object', value: 'null', fix: "leave 'mesh' out or set it to a MeshSpec object" },
      { prop: 'region', problem: 'is required (a string)', value: 'nothing', fix: "set 'region'" },
    ]);
  });

  test('an unknown enum value (the member name as a string is not the member)', () => {
    const problems = typeProblems('platform.PlatformSpec', spec((s) => { s.gpuPools[0].capacityType = 'reserved'; }), 'spec');
    expect(problems).toEqual([{
      prop: 'gpuPools[0].capacityType',
      problem: 'must be a GpuCapacityType',
      value: "'reserved'",
      fix: 'use GpuCapacityType.ON_DEMAND or GpuCapacityType.SPOT',
    }]);
    // the member's name is not its value ('spot')
    expect(typeProblems('platform.PlatformSpec', spec((s) => { s.gpuPools[0].capacityType = 'SPOT'; }), 'spec').map((p) => p.prop)).toEqual(['gpuPools[0].capacityType']);
    // the real member passes
    expect(typeProblems('platform.PlatformSpec', spec((s) => { s.gpuPools[0].capacityType = GpuCapacityType.SPOT; }), 'spec')).toEqual([]);
  });

  test('a duck-typed value of an enum-like class is not an instance', () => {
    const fake = { name: 'g5.2xlarge', gpuCount: 1, gpuMemoryGiB: 24 };
    const problems = typeProblems('platform.PlatformSpec', spec((s) => { s.gpuPools[0].instanceTypes = [fake]; s.models[0].runtime = 'vllm'; }), 'spec');
    expect(problems.map((p) => [p.prop, p.problem])).toEqual([
      ['gpuPools[0].instanceTypes[0]', 'must be a GpuInstanceType'],
      ['models[0].runtime', 'must be a ModelRuntime'],
    ]);
    expect(problems[0].fix).toBe('use GpuInstanceType.G5_12XLARGE, GpuInstanceType.G5_16XLARGE, GpuInstanceType.G5_24XLARGE, ..., '
      + 'GpuInstanceType.custom() or GpuInstanceType.of() (an object that only looks like a GpuInstanceType is not one)');
    expect(problems[1].fix).toBe('use ModelRuntime.TGI, ModelRuntime.TRITON, ModelRuntime.VLLM or ModelRuntime.custom()');
  });

  test('real instances pass: static members, factories and external classes', () => {
    expect(typeProblems('platform.PlatformSpec', spec((s) => {
      s.gpuPools[0].instanceTypes = [GpuInstanceType.G5_2XLARGE, GpuInstanceType.of('g5.4xlarge')];
      s.models[0].runtime = ModelRuntime.TGI;
      s.models[0].weights = ModelSource.huggingFace({ modelId: 'meta-llama/Llama-3.1-8B-Instruct', revision: SHA });
      s.models[0].startupTimeout = Duration.minutes(10);
    }), 'spec')).toEqual([]);
  });

  test('an instance of the same class from another copy of the library passes (class name in the prototype chain)', () => {
    // what a second copy of cdk-llm-platform in node_modules would make
    class GpuInstanceTypeCopy {}
    Object.defineProperty(GpuInstanceTypeCopy, 'name', { value: 'GpuInstanceType' });
    const copy = new GpuInstanceTypeCopy();
    expect(typeProblems('platform.PlatformSpec', spec((s) => { s.gpuPools[0].instanceTypes = [copy]; }), 'spec')).toEqual([]);
  });

  test('every problem of a spec at once, deep paths in the ValidationError path grammar', () => {
    const problems = typeProblems('platform.PlatformSpec', spec((s) => {
      s.models[0].replicas = { min: '1' };
      s.models[0].canary = { version: 2 };
      s.policy.exceptions = [null];
    }), 'spec');
    expect(problems.map((p) => p.prop)).toEqual([
      'models[0].canary.version', 'models[0].replicas.max', 'models[0].replicas.min', 'policy.exceptions[0]',
    ]);
  });

  test('the value itself of the wrong type is reported under its root name', () => {
    expect(typeProblems('platform.PlatformSpec', 'acme', 'spec')).toEqual([
      { prop: 'spec', problem: 'must be a PlatformSpec object', value: "'acme'", fix: "set 'spec' to a PlatformSpec object" },
    ]);
    expect(typeProblems('platform.PlatformSpec', undefined)[0]).toMatchObject({ prop: 'props', value: 'nothing' });
  });

  test('props the type does not declare are left alone; cycles do not loop', () => {
    const s = spec((x) => { x.extra = 1; x.tenants[0].extra = { deep: true }; });
    s.tenants[0].self = s;
    expect(typeProblems('platform.PlatformSpec', s, 'spec')).toEqual([]);
    const cyclic: any = { version: 'v2' };
    cyclic.image = cyclic;
    expect(typeProblems('platform.CanarySpec', cyclic, 'canary').map((p) => p.prop)).toEqual(['image']);
  });

  test('an unknown type name is a programming error of the library, not a user error', () => {
    expect(() => typeProblems('platform.NoSuchProps', {})).toThrow(/no runtime type 'platform.NoSuchProps'/);
  });

  test('describeType names each kind', () => {
    expect(describeType('[]string')).toBe('a list of strings');
    expect(describeType('{}[]number')).toBe('a map of string keys to lists');
    expect(describeType('[]GpuInstanceType')).toBe('a list of GpuInstanceType values');
    expect(describeType('platform.AuditSpec')).toBe('an AuditSpec object');
    expect(describeType('ext:cdk8s.Size')).toBe('a Size');
    expect(describeType('k8s.ITenant')).toBe('an ITenant');
    expect(describeType('date')).toBe('a Date');
  });

  test('behavioural interfaces take any object, not a string', () => {
    const props = { cluster: 'my-cluster', namespace: 'a', serviceAccount: 'b' };
    expect(typeProblems('aws.PodIdentityRoleProps', props).map((p) => [p.prop, p.problem])).toEqual([['cluster', 'must be an IEksCluster']]);
    expect(typeProblems('aws.PodIdentityRoleProps', { ...props, cluster: {} })).toEqual([]);
  });
});

describe('checkProps', () => {
  test('throws one ValidationError listing every problem, with the construct path', () => {
    const scope = new Construct(new Root(), 'Platform');
    let error: any;
    try {
      checkProps('platform.KubernetesPlatformProps', { spec: { name: 3, tenants: 'a' } }, 'props', scope);
    } catch (e) {
      error = e;
    }
    expect(ValidationErrors.isValidationError(error)).toBe(true);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.constructPath).toBe('Platform');
    expect(error.problems.map((p: any) => p.prop)).toEqual([
      'spec.accountId', 'spec.environment', 'spec.gitops', 'spec.gpuPools', 'spec.name', 'spec.region', 'spec.tenants',
    ]);
    expect(error.message).toMatch(/^Platform: 7 problems:\n- 'spec.accountId' is required \(a string\), got nothing; set 'spec.accountId'\n/);
  });

  test('one problem: the house grammar on one line', () => {
    expect(() => checkProps('platform.KubernetesPlatformProps', 'spec')).toThrow(
      "'props' must be a KubernetesPlatformProps object, got 'spec'; set 'props' to a KubernetesPlatformProps object");
  });

  test('nothing is fine for props that are all optional, not for required ones', () => {
    expect(() => checkProps('k8s.DcgmExporterProps', undefined)).not.toThrow();
    expect(() => checkProps('platform.KubernetesPlatformProps', undefined)).toThrow(/'props' must be a KubernetesPlatformProps object, got nothing/);
    expect(() => checkProps('k8s.S3ModelSourceOptions', 's3://bucket/prefix/', 'options')).toThrow(
      "'options' must be a S3ModelSourceOptions object, got 's3://bucket/prefix/'; set 'options' to a S3ModelSourceOptions object");
  });

  test('valid props pass', () => {
    const s: PlatformSpec = smallSpec();
    expect(() => checkProps('platform.KubernetesPlatformProps', { spec: s })).not.toThrow();
  });
});

describe('checkArgs', () => {
  function problemsOf(fn: () => void): any[] {
    try {
      fn();
    } catch (e) {
      expect(ValidationErrors.isValidationError(e)).toBe(true);
      return ValidationErrors.problemsOf(e);
    }
    return [];
  }

  test('each argument against its parameter, named after the parameter', () => {
    expect(problemsOf(() => checkArgs('k8s.ModelSource#modelStore', [3, undefined]))).toEqual([
      { prop: 'prefix', problem: 'must be a string', value: '3', fix: "set 'prefix' to a string" },
      { prop: 'versionId', problem: 'is required (a string)', value: 'nothing', fix: "pass 'versionId'" },
    ]);
  });

  test('optional parameters may be left out, not null', () => {
    const model = { namespace: 'search', serviceAccountName: 'llama' };
    expect(problemsOf(() => checkArgs('mesh.MeshPrincipal#ofModel', [model]))).toEqual([]);
    expect(problemsOf(() => checkArgs('mesh.MeshPrincipal#ofModel', [model, null]))).toEqual([
      { prop: 'trustDomain', problem: 'must be a string', value: 'null', fix: "leave 'trustDomain' out or pass a string" },
    ]);
  });

  test('lists are checked entry by entry under the parameter name', () => {
    expect(problemsOf(() => checkArgs('Names#joinLabel', [['a', 3, null]])).map((p) => p.prop)).toEqual(['parts[1]', 'parts[2]']);
    // structs in a list at the root: '<param>[i].<prop>'
    expect(problemsOf(() => checkArgs('policy.PolicyEvaluator#validate', [[{ id: 3 }], [], '2025-01-01'])).map((p) => p.prop)).toEqual(['rules[0]']);
  });

  test('the broken variant: a public factory given a wrong type throws a ValidationError, not a TypeError', () => {
    // before issue 17: "Cannot read properties of undefined (reading 'namespace')"
    expect(problemsOf(() => MeshPrincipal.ofModel(undefined as any)).map((p) => p.prop)).toEqual(['model']);
    expect(problemsOf(() => ModelSource.modelStore(['models/'] as any, 'v1')).map((p) => [p.prop, p.problem])).toEqual([['prefix', 'must be a string']]);
  });
});

describe('the type table', () => {
  test('is read lazily: not when the module loads, once on the first check', () => {
    const real = jest.requireActual('fs');
    const read: string[] = [];
    jest.isolateModules(() => {
      jest.doMock('fs', () => ({ ...real, readFileSync: (file: any, ...rest: any[]) => { read.push(String(file)); return real.readFileSync(file, ...rest); } }));
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../src/core/private/runtime-types');
        const reads = () => read.filter((f) => f.endsWith('runtime-types.json')).length;
        expect(reads()).toBe(0);
        fresh.typeProblems('platform.GitOpsSpec', { repoUrl: 'https://x' });
        fresh.typeProblems('platform.GitOpsSpec', { repoUrl: 'https://y' });
        expect(reads()).toBe(1);
      } finally {
        jest.dontMock('fs');
      }
    });
  });

  test('loading the package (every submodule) runs no check and reads no table (issue 18: the root loads fast)', () => {
    const real = jest.requireActual('fs');
    const read: string[] = [];
    jest.isolateModules(() => {
      jest.doMock('fs', () => ({ ...real, readFileSync: (file: any, ...rest: any[]) => { read.push(String(file)); return real.readFileSync(file, ...rest); } }));
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const root = require('../../src');
        for (const name of Object.keys(root)) expect(root[name]).toBeDefined();
      } finally {
        jest.dontMock('fs');
      }
    });
    expect(read.filter((f) => f.endsWith('runtime-types.json'))).toEqual([]);
  });

  test('is compact (a small read on the first check)', () => {
    expect(fs.statSync(TABLE).size).toBeLessThan(150_000);
  });

  // The table is generated from .jsii after each compile (post-compile, before the tests run in `npm test`).
  // This test reads the TypeScript source directly, so a table older than the source fails here too:
  // every exported struct's props, their optionality, and every exported enum's members.
  test('matches the TypeScript source: every struct, its props and their optionality; every enum', () => {
    const table = JSON.parse(fs.readFileSync(TABLE, 'utf8'));
    const structs = new Map<string, { own: Map<string, boolean>; bases: string[] }>();
    const enums = new Map<string, string[]>();
    const dup = new Set<string>();
    const walk = (dir: string) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
          if (e.name !== 'private' && e.name !== 'imports') walk(p);
          continue;
        }
        if (!e.name.endsWith('.ts')) continue;
        const sf = ts.createSourceFile(p, fs.readFileSync(p, 'utf8'), ts.ScriptTarget.Latest, false);
        for (const st of sf.statements) {
          const exported = ts.getModifiers(st as any)?.some((m: ts.Modifier) => m.kind === ts.SyntaxKind.ExportKeyword);
          // @internal declarations are not part of the jsii assembly
          if (!exported || /@internal/.test(st.getFullText(sf).slice(0, st.getStart(sf) - st.getFullStart()))) continue;
          if (ts.isInterfaceDeclaration(st) && !/^I[A-Z]/.test(st.name.text)) {
            if (structs.has(st.name.text)) dup.add(st.name.text);
            const own = new Map<string, boolean>();
            for (const m of st.members) {
              if (ts.isPropertySignature(m) && m.name && ts.isIdentifier(m.name)) own.set(m.name.text, !m.questionToken);
            }
            const bases = (st.heritageClauses ?? []).flatMap((h) => h.types.map((t) => t.expression.getText(sf).split('.').pop()!));
            structs.set(st.name.text, { own, bases });
          } else if (ts.isEnumDeclaration(st)) {
            if (enums.has(st.name.text)) dup.add(st.name.text);
            enums.set(st.name.text, st.members.map((m) => (m.name as ts.Identifier).text));
          }
        }
      }
    };
    walk(path.join(ROOT, 'src'));
    const propsOf = (name: string): Map<string, boolean> => {
      const s = structs.get(name);
      if (!s) return new Map();
      const out = new Map<string, boolean>();
      for (const b of s.bases) for (const [k, v] of propsOf(b)) out.set(k, v);
      for (const [k, v] of s.own) out.set(k, v);
      return out;
    };
    const short = (k: string) => k.slice(k.lastIndexOf('.') + 1);
    const tableStructs = Object.keys(table).filter((k) => table[k].k === 's');
    const tableEnums = Object.keys(table).filter((k) => table[k].k === 'e');
    const sourceStructs = [...structs.keys()].filter((n) => !dup.has(n)).sort();
    // every exported struct of the source is in the table (and nothing more)
    expect(tableStructs.map(short).filter((n) => !dup.has(n)).sort()).toEqual(sourceStructs);
    const mismatches: string[] = [];
    for (const k of tableStructs) {
      const name = short(k);
      if (dup.has(name)) continue;
      const fromSource = Object.fromEntries([...propsOf(name)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([p, req]) => [p, req ? 1 : 0]));
      const fromTable = Object.fromEntries(Object.entries(table[k].p).map(([p, v]: [string, any]) => [p, v[1]]));
      if (JSON.stringify(fromSource) !== JSON.stringify(fromTable)) mismatches.push(`${k}: source ${JSON.stringify(fromSource)} table ${JSON.stringify(fromTable)}`);
    }
    for (const k of tableEnums) {
      const name = short(k);
      if (!dup.has(name) && JSON.stringify(enums.get(name)) !== JSON.stringify(table[k].m)) mismatches.push(`${k}: source ${enums.get(name)} table ${table[k].m}`);
    }
    expect(tableEnums.map(short).filter((n) => !dup.has(n)).sort()).toEqual([...enums.keys()].filter((n) => !dup.has(n)).sort());
    // stale: run `npx projen compile` (jsii, then the runtime-types task) and commit schemas/runtime-types.json
    expect(mismatches).toEqual([]);
  });
});
