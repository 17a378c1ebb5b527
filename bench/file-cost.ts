/**
 * What creating the output's files costs on a file system, without any synth: write N small files
 * (2 KB, in directories of 77 as at 1000 models) under a fresh directory and report wall, user and system
 * time. On this machine's root file system (ext4, `discard`) each file costs ~0.5 ms of kernel time; on
 * tmpfs (/dev/shm) ~0.01 ms. The benchmark's "of which file writes" and "of which kernel" columns are mostly this.
 *
 * Usage: npx ts-node --transpile-only --project test/tsconfig.json bench/file-cost.ts [parent dir] [files]
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const parent = path.resolve(process.argv[2] ?? os.tmpdir());
const files = Number(process.argv[3] ?? 15400);
const perDirectory = 77;
const dir = fs.mkdtempSync(path.join(parent, 'llm-file-cost-'));
const body = 'x'.repeat(2000);
const start = process.hrtime.bigint();
const cpu = process.cpuUsage();
for (let i = 0; i < files; i++) {
  const sub = path.join(dir, `d${Math.floor(i / perDirectory)}`);
  if (i % perDirectory === 0) fs.mkdirSync(sub, { recursive: true });
  fs.writeFileSync(path.join(sub, `f${i % perDirectory}.k8s.yaml`), body);
}
const used = process.cpuUsage(cpu);
const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
fs.rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${files} files under ${parent}: ${wallMs.toFixed(0)} ms wall, ${(used.user / 1000).toFixed(0)} ms user, `
  + `${(used.system / 1000).toFixed(0)} ms system (${(used.system / 1000 / files).toFixed(3)} ms system per file)\n`);
