/**
 * One cold benchmark run (spawned by `bench/run.ts`, one process per run): load the libraries, build
 * the spec, synthesize the AWS side (cdktf App synth to a temp dir) and the Kubernetes side
 * (`KubernetesPlatform.synth()`, cdk8s, GitOps layout, policy evaluation) and print one JSON line with
 * the timings (`process.hrtime`) and the peak RSS (`process.resourceUsage().maxRSS`).
 *
 * Usage: BENCH_OUTDIR=<empty dir> node bench/out/js/bench/child.js <floor|reference|generated> [models]
 *
 * The heavy modules are required inside `main()`, after the first timestamp, so their load time is
 * measured (`loadMs`) instead of hidden in module initialisation.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- the libraries are required after the first timestamp, on purpose */
import type { PlatformSpec } from '../src/platform';

const startedNs = process.hrtime.bigint();
/** Milliseconds from process start (node boot) to this module running. */
const bootMs = performance.now();

function ms(from: bigint): number {
  return Number(process.hrtime.bigint() - from) / 1e6;
}

function main(): void {
  const [mode = 'floor', modelsArg = '0'] = process.argv.slice(2);
  const outdir = process.env.BENCH_OUTDIR;
  const fs = require('fs') as typeof import('fs');
  const path = require('path') as typeof import('path');
  const os = require('os') as typeof import('os');

  let t = process.hrtime.bigint();
  const cdktf = require('cdktf') as typeof import('cdktf');
  const cdk8s = require('cdk8s') as typeof import('cdk8s');
  const platform = require('../src/platform') as typeof import('../src/platform');
  const loadMs = ms(t);

  const result: Record<string, unknown> = { mode, bootMs: round(bootMs), loadMs: round(loadMs) };
  if (mode === 'fleet') {
    // `fleet <clusters>`: a fleet of that many clusters sharing 50 generated models (bench/generate-spec.ts)
    t = process.hrtime.bigint();
    const fleet = new platform.Fleet((require('./generate-spec') as typeof import('./generate-spec')).generateFleetSpec(FLEET_MODELS, Number(modelsArg)));
    result.specMs = round(ms(t));
    const dir = outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'llm-bench-'));
    t = process.hrtime.bigint();
    result.synthStartUs = Number(t / 1000n);
    const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out'), skipValidation: false, stackTraces: false });
    const aws = new platform.AwsFleet(tfApp, 'fleet', { fleet });
    tfApp.synth();
    result.awsMs = round(ms(t));
    result.tfResources = aws.stacks.reduce((n, s) => {
      const tf = JSON.parse(fs.readFileSync(path.join(dir, 'cdktf.out', 'stacks', s.node.id, 'cdk.tf.json'), 'utf-8'));
      return n + Object.values<any>(tf.resource ?? {}).reduce((m, r) => m + Object.keys(r).length, 0);
    }, 0);
    const twinNs = timeTwin();
    const writeNs = timeWrites(fs);
    t = process.hrtime.bigint();
    const files = new platform.KubernetesFleet(new cdk8s.App({ outdir: path.join(dir, 'dist') }), 'fleet', { fleet }).synth();
    result.k8sMs = round(ms(t));
    result.twinMs = round(Number(twinNs()) / 1e6);
    result.writeMs = round(Number(writeNs()) / 1e6);
    result.synthEndUs = Number(process.hrtime.bigint() / 1000n);
    result.k8sFiles = files.length;
    result.models = FLEET_MODELS;
    result.clusters = fleet.clusters.length;
    result.tenants = fleet.spec.platform.tenants.length;
  } else if (mode !== 'floor') {
    t = process.hrtime.bigint();
    let spec: PlatformSpec;
    if (mode === 'reference') {
      spec = (require('../examples/reference/platform') as typeof import('../examples/reference/platform')).spec;
    } else {
      spec = (require('./generate-spec') as typeof import('./generate-spec')).generateSpec(Number(modelsArg));
    }
    result.specMs = round(ms(t));
    // The parent passes an empty temp dir and removes it afterwards (not timed here).
    const dir = outdir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'llm-bench-'));
    t = process.hrtime.bigint();
    // Monotonic microseconds (the clock of --cpu-prof timestamps), so a profile can be cut to synth.
    result.synthStartUs = Number(t / 1000n);
    // As examples/reference/synth.ts (`npm run synth`) does: validations on, no construct stack traces.
    const tfApp = new cdktf.App({ outdir: path.join(dir, 'cdktf.out'), skipValidation: false, stackTraces: false });
    new platform.AwsPlatformStack(tfApp, spec.name, { spec });
    tfApp.synth();
    result.awsMs = round(ms(t));
    const stackFile = path.join(dir, 'cdktf.out', 'stacks', spec.name, 'cdk.tf.json');
    const tf = JSON.parse(fs.readFileSync(stackFile, 'utf-8'));
    result.tfResources = Object.values<any>(tf.resource ?? {}).reduce((n, r) => n + Object.keys(r).length, 0);

    // The platform twin runs inside KubernetesPlatform.synth(): time its share of the K8s synth; and the files it
    // writes (one per object): the time spent in the writes and directory creation.
    const twinNs = timeTwin();
    const writeNs = timeWrites(fs);
    t = process.hrtime.bigint();
    const k8s = new platform.KubernetesPlatform(new cdk8s.App({ outdir: path.join(dir, 'dist') }), spec.name, { spec });
    const files = k8s.synth();
    result.k8sMs = round(ms(t));
    result.twinMs = round(Number(twinNs()) / 1e6);
    result.writeMs = round(Number(writeNs()) / 1e6);
    result.synthEndUs = Number(process.hrtime.bigint() / 1000n);
    result.k8sFiles = files.length;
    result.models = (spec.models ?? []).length;
    result.tenants = spec.tenants.length;
  }
  result.totalMs = round(performance.now());
  result.scriptMs = round(ms(startedNs));
  result.maxRssMiB = round(process.resourceUsage().maxRSS / 1024);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** Models of the generated fleets. */
const FLEET_MODELS = 50;

/** Time PlatformTwin.check from now on; returns the reader of the total (ns). */
function timeTwin(): () => bigint {
  const twin = (require('../src/twin/platform-twin') as typeof import('../src/twin/platform-twin')).PlatformTwin;
  const check = twin.check.bind(twin);
  let total = 0n;
  twin.check = (objects: any[], options?: any) => {
    const at = process.hrtime.bigint();
    try {
      return check(objects, options);
    } finally {
      total += process.hrtime.bigint() - at;
    }
  };
  return () => total;
}

/** Time the file writes and directory creation from now on; returns the reader of the total (ns). */
function timeWrites(fs: typeof import('fs')): () => bigint {
  let total = 0n;
  for (const name of ['writeFileSync', 'mkdirSync'] as const) {
    const original = (fs as any)[name];
    (fs as any)[name] = (...args: any[]) => {
      const at = process.hrtime.bigint();
      try {
        return original.apply(fs, args);
      } finally {
        total += process.hrtime.bigint() - at;
      }
    };
  }
  return () => total;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

main();
