/**
 * Every TypeScript code block of the docs compiles against the real API: README.md, docs/*.md (except
 * docs/DESIGN.md, kept verbatim) and every src/**\/README.md. One TypeScript program type-checks all blocks (fast: the library's sources are
 * parsed once), with the package's import paths mapped to the sources: `cdk-llm-platform` to src/index.ts,
 * `cdk-llm-platform/lib/<layer>` to src/<layer>.
 *
 * The rule for blocks (```ts or ```typescript):
 * - each block is a module of its own and must compile alone: it imports what it uses, and names what it
 *   takes as given with `declare` (`declare const chart: Chart;`);
 * - a block whose fence says `ts continued` continues the previous TypeScript block of the same page (the
 *   two compile as one module), for pages that build one example over several blocks.
 * Output shown in comments (`// ValidationError: ...`) is not checked; a block shows only code that compiles.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';
import { codeBlocks, markdownPages, REPO_ROOT } from './markdown';

interface Segment {
  /** 0-based line in the module where the block starts. */
  readonly moduleLine: number;
  readonly page: string;
  /** 1-based line of the block's first code line in the page. */
  readonly pageLine: number;
  readonly lines: number;
}

interface BlockModule {
  readonly file: string;
  text: string;
  readonly segments: Segment[];
}

const TS_INFO = /^(ts|typescript)(\s|$)/;
const VIRTUAL_DIR = path.join(REPO_ROOT, 'test', 'docs', '__blocks__');

/** The modules of the TypeScript blocks of the pages, by the rule above. */
export function blockModules(pages: { page: string; text: string }[]): { modules: BlockModule[]; problems: string[] } {
  const modules: BlockModule[] = [];
  const problems: string[] = [];
  for (const { page, text } of pages) {
    let previous: BlockModule | undefined;
    for (const block of codeBlocks(text)) {
      if (!TS_INFO.test(block.info)) continue;
      const continued = /\bcontinued\b/.test(block.info);
      const lines = block.code.split('\n').length;
      if (continued) {
        if (!previous) {
          problems.push(`${page}:${block.line}: a 'ts continued' block must follow a TypeScript block of the same page`);
          continue;
        }
        const moduleLine = previous.text.split('\n').length - 1;
        previous.text += `${block.code}\n`;
        previous.segments.push({ moduleLine, page, pageLine: block.line, lines });
        continue;
      }
      const file = path.join(VIRTUAL_DIR, `${page.replace(/[^A-Za-z0-9]+/g, '_')}_L${block.line}.ts`);
      previous = { file, text: `${block.code}\n`, segments: [{ moduleLine: 0, page, pageLine: block.line, lines }] };
      modules.push(previous);
    }
  }
  // every block is a module (names do not leak between blocks)
  for (const m of modules) m.text += 'export {};\n';
  return { modules, problems };
}

/** Type-check the modules in one program; every diagnostic as `<page>:<line>: <message>`. */
export function typeCheck(modules: BlockModule[]): string[] {
  const options: ts.CompilerOptions = {
    strict: true,
    noImplicitAny: true,
    noImplicitReturns: true,
    noFallthroughCasesInSwitch: true,
    // a block may declare what it shows without using it
    noUnusedLocals: false,
    noUnusedParameters: false,
    esModuleInterop: true,
    experimentalDecorators: true,
    resolveJsonModule: true,
    skipLibCheck: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2022.d.ts'],
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    types: ['node'],
    paths: {
      'cdk-llm-platform': [path.join(REPO_ROOT, 'src', 'index.ts')],
      'cdk-llm-platform/lib/*': [path.join(REPO_ROOT, 'src', '*')],
    },
  };
  const byFile = new Map(modules.map((m) => [m.file, m]));
  const host = ts.createCompilerHost(options, true);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (f) => byFile.has(path.resolve(f)) || fileExists(f);
  host.readFile = (f) => byFile.get(path.resolve(f))?.text ?? readFile(f);
  host.getSourceFile = (f, languageVersion, onError, shouldCreate) => {
    const m = byFile.get(path.resolve(f));
    return m ? ts.createSourceFile(f, m.text, languageVersion, true) : getSourceFile(f, languageVersion, onError, shouldCreate);
  };
  const program = ts.createProgram({ rootNames: modules.map((m) => m.file), options, host });
  const out: string[] = [];
  for (const m of modules) {
    const sf = program.getSourceFile(m.file)!;
    const diagnostics = [...program.getSyntacticDiagnostics(sf), ...program.getSemanticDiagnostics(sf)];
    for (const d of diagnostics) {
      const line = d.start !== undefined ? sf.getLineAndCharacterOfPosition(d.start).line : 0;
      const seg = [...m.segments].reverse().find((s) => s.moduleLine <= line) ?? m.segments[0];
      const pageLine = Math.min(seg.pageLine + line - seg.moduleLine, seg.pageLine + seg.lines - 1);
      out.push(`${seg.page}:${pageLine}: TS${d.code} ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`);
    }
  }
  return out;
}

describe('TypeScript code blocks of the docs compile against the real API', () => {
  // docs/DESIGN.md is the project's design document copied verbatim (see its first line): its sketch is
  // not compiled here (differences from the code go back to the design document's owner).
  const pages = markdownPages().filter((page) => page !== 'docs/DESIGN.md')
    .map((page) => ({ page, text: fs.readFileSync(path.join(REPO_ROOT, page), 'utf-8') }));

  test('every block of README.md, docs/*.md and src/**/README.md type-checks', () => {
    const { modules, problems } = blockModules(pages);
    expect(problems).toEqual([]);
    expect(modules.length).toBeGreaterThanOrEqual(14);
    expect(typeCheck(modules)).toEqual([]);
  }, 120_000);

  test('no pasted tool noise in any code block (issue 16: an `npm warn` line in a JSON block)', () => {
    const noisy = pages.flatMap(({ page, text }) => codeBlocks(text).flatMap((b) => b.code.split('\n')
      .map((line, i) => ({ line, at: `${page}:${b.line + i}` }))
      .filter(({ line }) => /^\s*(npm (warn|WARN|ERR!|notice)|\(node:\d+\) \w*Warning|Debugger attached)/.test(line))
      .map(({ line, at }) => `${at}: ${line}`)));
    expect(noisy).toEqual([]);
  });

  test('the checker fails on a block that does not compile, naming the page and the line', () => {
    const text = [
      '# Example', '', '```ts', "import { GpuInstanceType } from 'cdk-llm-platform';", 'GpuInstanceType.G5_2XLARGE.gpuCount;', '```', '',
      '```ts continued', 'const n: string = GpuInstanceType.G5_2XLARGE.gpuCount; // number, not string', '```', '',
      '```typescript', "import { platform } from 'cdk-llm-platform';", 'new platform.KubernetesPlatform();', '```', '',
      '```ts', 'undeclaredChart.toJson();', '```', '',
      '```yaml', 'not: [typescript', '```',
    ].join('\n');
    const { modules, problems } = blockModules([{ page: 'docs/EXAMPLE.md', text }]);
    expect(problems).toEqual([]);
    expect(modules.map((m) => m.segments.map((s) => s.pageLine))).toEqual([[4, 9], [13], [18]]);
    const errors = typeCheck(modules);
    expect(errors).toEqual([
      expect.stringMatching(/^docs\/EXAMPLE.md:9: TS2322 Type 'number' is not assignable to type 'string'/),
      expect.stringMatching(/^docs\/EXAMPLE.md:14: TS2554 Expected 3 arguments, but got 0/),
      expect.stringMatching(/^docs\/EXAMPLE.md:18: TS2304 Cannot find name 'undeclaredChart'/),
    ]);
    expect(blockModules([{ page: 'a.md', text: '```ts continued\nconst x = 1;\n```' }]).problems).toEqual([
      "a.md:2: a 'ts continued' block must follow a TypeScript block of the same page",
    ]);
  }, 120_000);
});
