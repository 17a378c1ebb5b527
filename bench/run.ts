/**
 * `npm run bench`: synth wall time and peak RSS of both layers, one cold process per run.
 *
 * 1. Transpile `src/`, `examples/reference/platform.ts` and `bench/` to CommonJS under `bench/out/js/`
 *    (TypeScript `transpileModule`, no type check, inline source maps), so each child starts on plain
 *    JavaScript: no ts-node compile in the measurement.
 * 2. For the floor (node start + loading cdktf, cdk8s, the provider and the library), the reference
 *    platform and generated platforms of 10, 50, 200 and 1000 models (`bench/generate-spec.ts`), spawn
 *    `node bench/out/js/bench/child.js` REPS times, sequentially; each child measures itself
 *    (`process.hrtime`, `process.resourceUsage().maxRSS`) and reports one JSON line.
 * 3. Print the medians as a Markdown table and write it to `bench/README.md` with the machine facts,
 *    the targets and the marginal cost per model. When a target is missed, profile one run of the
 *    failing size (`node --cpu-prof`) and list the hottest functions with their TypeScript file:line.
 *
 * Options (environment): BENCH_REPS (default 5), BENCH_SIZES (default `10,50,200,1000`),
 * BENCH_REPS_1000 (default REPS), BENCH_PROFILE (`auto` | `always` | `never`, default `auto`),
 * BENCH_NO_README=1 (print only).
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const OUT = path.join(ROOT, 'bench', 'out');
const JS = path.join(OUT, 'js');
const REPS = Number(process.env.BENCH_REPS ?? 5);
const SIZES = (process.env.BENCH_SIZES ?? '10,50,200,1000').split(',').map(Number);
const REPS_1000 = Number(process.env.BENCH_REPS_1000 ?? REPS);
const PROFILE = process.env.BENCH_PROFILE ?? 'auto';
/** Targets from issue 9. */
const TARGET_REFERENCE_MS = 500;
const TARGET_1000_MS = 8000;
const TARGET_1000_RSS_MIB = 1024;

interface Sample {
  mode: string;
  bootMs: number;
  loadMs: number;
  specMs?: number;
  awsMs?: number;
  k8sMs?: number;
  twinMs?: number;
  totalMs: number;
  scriptMs: number;
  maxRssMiB: number;
  tfResources?: number;
  k8sFiles?: number;
  models?: number;
  tenants?: number;
  synthStartUs?: number;
  synthEndUs?: number;
}

interface Row {
  label: string;
  reps: number;
  models: number;
  tenants: number;
  tfResources: number;
  k8sFiles: number;
  loadMs: number;
  awsMs: number;
  k8sMs: number;
  twinMs: number;
  synthMs: number;
  totalMs: number;
  wallMs: number;
  rssMiB: number;
  synthSpread: string;
}

/** Transpile every TypeScript file the child needs (and nothing else) into bench/out/js. */
function transpile(): number {
  const started = Date.now();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(path.join(ROOT, 'src'));
  files.push(path.join(ROOT, 'examples', 'reference', 'platform.ts'));
  for (const f of ['child.ts', 'generate-spec.ts']) files.push(path.join(ROOT, 'bench', f));
  fs.rmSync(JS, { recursive: true, force: true });
  for (const file of files) {
    const rel = path.relative(ROOT, file);
    const out = path.join(JS, rel.replace(/\.ts$/, '.js'));
    const res = ts.transpileModule(fs.readFileSync(file, 'utf-8'), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.CommonJS,
        target: ts.ScriptTarget.ES2022,
        esModuleInterop: true,
        experimentalDecorators: true,
        inlineSourceMap: true,
        inlineSources: false,
        sourceRoot: path.dirname(file),
      },
    });
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, res.outputText);
  }
  // src/validation finds schemas/ next to the package root (bench/out/js/schemas from bench/out/js/src/...).
  fs.symlinkSync(path.join(ROOT, 'schemas'), path.join(JS, 'schemas'), 'dir');
  return Date.now() - started;
}

function runChild(args: string[], nodeFlags: string[] = []): Sample & { wallMs: number } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-bench-'));
  try {
    const started = process.hrtime.bigint();
    const res = spawnSync(process.execPath, [...nodeFlags, path.join(JS, 'bench', 'child.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, BENCH_OUTDIR: dir },
      encoding: 'utf-8',
      maxBuffer: 64 * 1024 * 1024,
      timeout: 180_000,
    });
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    if (res.status !== 0) {
      throw new Error(`child ${args.join(' ')} failed (status ${res.status}, signal ${res.signal}):\n${res.stderr}\n${res.stdout}`);
    }
    const line = res.stdout.trim().split('\n').pop()!;
    return { ...JSON.parse(line), wallMs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function measure(label: string, args: string[], reps: number): Row {
  const samples: (Sample & { wallMs: number })[] = [];
  for (let i = 0; i < reps; i++) {
    samples.push(runChild(args));
    process.stderr.write('.');
  }
  const synth = samples.map((s) => (s.awsMs ?? 0) + (s.k8sMs ?? 0));
  const first = samples[0];
  return {
    label,
    reps,
    models: first.models ?? 0,
    tenants: first.tenants ?? 0,
    tfResources: first.tfResources ?? 0,
    k8sFiles: first.k8sFiles ?? 0,
    loadMs: median(samples.map((s) => s.bootMs + s.loadMs)),
    awsMs: median(samples.map((s) => s.awsMs ?? 0)),
    k8sMs: median(samples.map((s) => s.k8sMs ?? 0)),
    twinMs: median(samples.map((s) => s.twinMs ?? 0)),
    synthMs: median(synth),
    totalMs: median(samples.map((s) => s.totalMs)),
    wallMs: median(samples.map((s) => s.wallMs)),
    rssMiB: median(samples.map((s) => s.maxRssMiB)),
    synthSpread: `${Math.min(...synth).toFixed(0)}-${Math.max(...synth).toFixed(0)}`,
  };
}

/** Self time per function of a `--cpu-prof` profile, mapped back to TypeScript where a source map exists. */
function hotSpots(profileFile: string, top: number, fromUs: number, toUs: number):
{ functions: string[]; files: string[]; inclusive: string[]; totalMs: number } {
  const profile = JSON.parse(fs.readFileSync(profileFile, 'utf-8'));
  const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  const dts: number[] = profile.timeDeltas;
  let at: number = profile.startTime;
  let totalUs = 0;
  profile.samples.forEach((id: number, i: number) => {
    at += dts[i] ?? 0;
    const next = dts[i + 1] ?? 0;
    if (at < fromUs || at > toUs) return; // only the synth window
    self.set(id, (self.get(id) ?? 0) + next);
    totalUs += next;
  });
  const agg = new Map<string, { us: number; fn: string; where: string }>();
  const files = new Map<string, number>();
  for (const [id, us] of self) {
    const cf = byId.get(id)!.callFrame;
    const where = locate(cf.url, cf.lineNumber, cf.columnNumber);
    const key = `${cf.functionName}@${where}`;
    const cur = agg.get(key) ?? { us: 0, fn: cf.functionName || '(anonymous)', where };
    cur.us += us;
    agg.set(key, cur);
    const file = where.replace(/(:\d+| \(js:\d+\))$/, '');
    files.set(file, (files.get(file) ?? 0) + us);
  }
  // Inclusive time of the library's own functions (src/...): each sample credits every src frame on its stack once.
  const inclusive = new Map<string, number>();
  for (const [id, us] of self) {
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const cf = byId.get(cur)!.callFrame;
      const where = locate(cf.url, cf.lineNumber, cf.columnNumber);
      if (!where.startsWith('src/')) continue;
      const key = `\`${cf.functionName || '(anonymous)'}\` | ${where}`;
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const pct = (us: number) => `${((100 * us) / Math.max(totalUs, 1)).toFixed(1)}%`;
  return {
    totalMs: totalUs / 1000,
    inclusive: [...inclusive.entries()].sort((a, b) => b[1] - a[1]).slice(0, top)
      .map(([k, us]) => `| ${(us / 1000).toFixed(0)} ms | ${pct(us)} | ${k} |`),
    functions: [...agg.values()].sort((a, b) => b.us - a.us).slice(0, top)
      .map((h) => `| ${(h.us / 1000).toFixed(0)} ms | ${pct(h.us)} | \`${h.fn}\` | ${h.where} |`),
    files: [...files.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)
      .map(([f, us]) => `| ${(us / 1000).toFixed(0)} ms | ${pct(us)} | ${f} |`),
  };
}

/** Decoded source map segments per generated line: [generatedColumn, sourceLine] (0-based), or null. */
const mapCache = new Map<string, number[][][] | null>();

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Decode the `mappings` of a source map (base64 VLQ; enough for one-source maps from transpileModule). */
/* eslint-disable no-bitwise -- base64 VLQ is bit arithmetic */
function decodeMappings(mappings: string): number[][][] {
  const lines: number[][][] = [];
  let sourceLine = 0;
  for (const lineText of mappings.split(';')) {
    const segments: number[][] = [];
    let column = 0;
    for (const seg of lineText.split(',')) {
      if (seg.length === 0) continue;
      const values: number[] = [];
      let value = 0;
      let shift = 0;
      for (const ch of seg) {
        const digit = B64.indexOf(ch);
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
        } else {
          values.push(value & 1 ? -(value >> 1) : value >> 1);
          value = 0;
          shift = 0;
        }
      }
      column += values[0];
      if (values.length >= 3) {
        sourceLine += values[2];
        segments.push([column, sourceLine]);
      }
    }
    lines.push(segments);
  }
  return lines;
}
/* eslint-enable no-bitwise */

function locate(url: string, line: number, column: number): string {
  if (!url) return '(native)';
  const file = url.startsWith('file://') ? url.slice('file://'.length) : url;
  if (file.startsWith(JS)) {
    let decoded = mapCache.get(file);
    if (decoded === undefined) {
      const m = /\/\/# sourceMappingURL=data:application\/json;base64,(\S+)\s*$/.exec(fs.readFileSync(file, 'utf-8'));
      decoded = m ? decodeMappings(JSON.parse(Buffer.from(m[1], 'base64').toString('utf-8')).mappings) : null;
      mapCache.set(file, decoded);
    }
    const rel = path.relative(JS, file).replace(/\.js$/, '.ts');
    const segments = decoded?.[line] ?? [];
    let best: number[] | undefined;
    for (const seg of segments) if (seg[0] <= Math.max(column, 0)) best = seg;
    best = best ?? segments[0];
    return best ? `${rel}:${best[1] + 1}` : `${rel} (js:${line + 1})`;
  }
  const nm = file.indexOf('node_modules/');
  return `${nm >= 0 ? file.slice(nm) : file}:${line + 1}`;
}

function profileRun(args: string[], label: string): string[] {
  const dir = path.join(OUT, 'profiles', label.replace(/[^a-z0-9]+/gi, '-'));
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const sample = runChild(args, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=500']);
  const file = fs.readdirSync(dir).find((f) => f.endsWith('.cpuprofile'))!;
  const h = hotSpots(path.join(dir, file), 15, sample.synthStartUs ?? 0, sample.synthEndUs ?? Number.MAX_SAFE_INTEGER);
  return [
    `Profile of one ${label} run, synth only (${h.totalMs.toFixed(0)} ms sampled; \`node --cpu-prof\`, \`${path.relative(ROOT, path.join(dir, file))}\`).`,
    '',
    'Inclusive time of the library\'s functions (top 15; nested calls overlap):',
    '',
    '| total | share | function | where |',
    '|---:|---:|---|---|',
    ...h.inclusive,
    '',
    'Self time by function (top 15):',
    '',
    '| self | share | function | where |',
    '|---:|---:|---|---|',
    ...h.functions,
    '',
    'Self time by file (top 10):',
    '',
    '| self | share | file |',
    '|---:|---:|---|',
    ...h.files,
  ];
}

function cpuModel(): string {
  const cpus = os.cpus();
  return `${cpus.length} x ${cpus[0]?.model?.trim() ?? 'unknown CPU'}`;
}

function main(): void {
  const benchStarted = Date.now();
  const transpileMs = transpile();
  process.stderr.write(`transpiled to ${path.relative(ROOT, JS)} in ${transpileMs} ms\n`);
  runChild(['floor']); // warm the OS file cache once, so the first measured run is not an outlier

  const rows: Row[] = [];
  const failures: string[] = [];
  process.stderr.write('floor ');
  rows.push(measure('floor (node + libraries)', ['floor'], REPS));
  process.stderr.write('\nreference ');
  rows.push(measure('reference platform', ['reference'], REPS));
  for (const n of SIZES) {
    process.stderr.write(`\n${n} models `);
    const reps = n >= 1000 ? REPS_1000 : REPS;
    try {
      rows.push(measure(`generated, ${n} models`, ['generated', String(n)], reps));
    } catch (e) {
      // Report the failure in the table instead of losing the other rows.
      process.stderr.write(`\n${(e as Error).message}\n`);
      failures.push(`- generated, ${n} models: FAILED: ${(e as Error).message.split('\n').find((l) => /Error/.test(l)) ?? 'see stderr'}`);
    }
  }
  process.stderr.write('\n');

  const ref = rows[1];
  const big = rows.find((r) => r.models === 1000);
  const generated = rows.filter((r) => r.label.startsWith('generated'));
  const checks: string[] = [];
  const missed: { label: string; args: string[] }[] = [];
  const refOk = ref.synthMs <= TARGET_REFERENCE_MS;
  checks.push(`- reference synth <= ${TARGET_REFERENCE_MS} ms: **${refOk ? 'met' : 'MISSED'}** (${ref.synthMs.toFixed(0)} ms synth; `
    + `${ref.totalMs.toFixed(0)} ms for the whole process incl. ${ref.loadMs.toFixed(0)} ms node start + library load)`);
  if (!refOk) missed.push({ label: 'reference', args: ['reference'] });
  // Issue 12: the platform twin adds at most 25% to the reference synth (its share of synth without it).
  const twinShare = ref.twinMs / Math.max(ref.synthMs - ref.twinMs, 1e-9);
  checks.push(`- platform twin adds <= 25% to the reference synth: **${twinShare <= 0.25 ? 'met' : 'MISSED'}** (${ref.twinMs.toFixed(0)} ms of ${ref.synthMs.toFixed(0)} ms, `
    + `+${(twinShare * 100).toFixed(0)}%; per size: ${rows.filter((r) => r.models > 0).map((r) => `${r.models} models ${r.twinMs.toFixed(0)} ms`).join(', ')})`);
  if (big) {
    const timeOk = big.synthMs <= TARGET_1000_MS;
    const rssOk = big.rssMiB < TARGET_1000_RSS_MIB;
    checks.push(`- 1000 models synth <= ${TARGET_1000_MS / 1000} s: **${timeOk ? 'met' : 'MISSED'}** (${(big.synthMs / 1000).toFixed(2)} s synth, ${(big.totalMs / 1000).toFixed(2)} s whole process)`);
    checks.push(`- 1000 models peak RSS < ${TARGET_1000_RSS_MIB} MiB: **${rssOk ? 'met' : 'MISSED'}** (${big.rssMiB.toFixed(0)} MiB)`);
    if (!timeOk || !rssOk) missed.push({ label: '1000 models', args: ['generated', '1000'] });
  }
  // Linearity: marginal synth cost per model between consecutive sizes.
  const marginal: string[] = [];
  for (let i = 1; i < generated.length; i++) {
    const a = generated[i - 1];
    const b = generated[i];
    marginal.push(`${a.models}->${b.models}: ${((b.synthMs - a.synthMs) / (b.models - a.models)).toFixed(2)} ms/model, `
      + `${((b.rssMiB - a.rssMiB) / (b.models - a.models)).toFixed(2)} MiB/model`);
  }
  if (generated.length >= 2) {
    const perModel = generated.slice(1).map((b, i) => (b.synthMs - generated[i].synthMs) / (b.models - generated[i].models));
    const ratio = Math.max(...perModel) / Math.max(Math.min(...perModel), 1e-9);
    const linear = ratio <= 2;
    checks.push(`- cost linear in models: **${linear ? 'met' : 'MISSED'}** (marginal synth cost per model varies ${ratio.toFixed(1)}x across sizes; ${marginal.join('; ')})`);
    if (!linear && !missed.some((m) => m.label === '1000 models')) missed.push({ label: `${generated[generated.length - 1].models} models`, args: ['generated', String(generated[generated.length - 1].models)] });
  }

  const profiles: string[] = [];
  const toProfile = PROFILE === 'never' ? [] : PROFILE === 'always' ? [{ label: 'reference', args: ['reference'] }, ...(big ? [{ label: '1000 models', args: ['generated', '1000'] }] : [])] : missed;
  for (const m of toProfile) {
    process.stderr.write(`profiling ${m.label}\n`);
    profiles.push(...profileRun(m.args, m.label), '');
  }

  const fmt = (n: number) => n.toFixed(0);
  const table = [
    '| platform | models | tenants | TF resources | K8s files | runs | node + libraries (ms) | AWS synth (ms) | K8s synth (ms) | of which twin (ms) | synth both (ms) [min-max] | whole process (ms) | peak RSS (MiB) |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.label} | ${r.models || '-'} | ${r.tenants || '-'} | ${r.tfResources || '-'} | ${r.k8sFiles || '-'} | ${r.reps} | ${fmt(r.loadMs)} | `
      + `${r.label.startsWith('floor') ? '-' : fmt(r.awsMs)} | ${r.label.startsWith('floor') ? '-' : fmt(r.k8sMs)} | ${r.label.startsWith('floor') ? '-' : fmt(r.twinMs)} | `
      + `${r.label.startsWith('floor') ? '-' : `${fmt(r.synthMs)} [${r.synthSpread}]`} | ${fmt(r.totalMs)} | ${fmt(r.rssMiB)} |`),
  ];
  const date = new Date().toISOString().slice(0, 10);
  const facts = `node ${process.version}, ${os.platform()} ${os.arch()}, ${cpuModel()} (${os.cpus().length} cores), `
    + `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM; run on ${date}; benchmark wall time ${((Date.now() - benchStarted) / 1000).toFixed(0)} s`;
  const report = [
    ...table,
    '',
    `Medians of ${REPS} cold runs per row${REPS_1000 !== REPS ? ` (${REPS_1000} for 1000 models)` : ''}, one fresh \`node\` process per run; ${facts}.`,
    '',
    'Targets (issues 9 and 12):',
    ...checks,
    ...failures,
    ...(profiles.length > 0 ? ['', ...profiles] : []),
  ];
  console.log(report.join('\n'));
  if (process.env.BENCH_NO_README !== '1') writeReadme(report);
}

function writeReadme(report: string[]): void {
  const file = path.join(ROOT, 'bench', 'README.md');
  const begin = '<!-- bench:results:begin -->';
  const end = '<!-- bench:results:end -->';
  const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf-8') : '';
  const results = `${begin}\n${report.join('\n')}\n${end}`;
  if (current.includes(begin) && current.includes(end)) {
    fs.writeFileSync(file, current.slice(0, current.indexOf(begin)) + results + current.slice(current.indexOf(end) + end.length));
  } else {
    fs.writeFileSync(file, `# Benchmark\n\n${results}\n`);
  }
  process.stderr.write(`wrote ${path.relative(ROOT, file)}\n`);
}

main();
