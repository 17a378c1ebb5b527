/**
 * Preload for every benchmarked process, ours and the peer's alike:
 * `BENCH_CPU_FILE=<file> node -r bench/out/js/bench/cpu-report.js <script> ...`.
 *
 * When the process exits it writes one JSON object to `BENCH_CPU_FILE`:
 * - `userUs`, `systemUs`: `process.cpuUsage()`, i.e. `getrusage(RUSAGE_SELF)`: CPU time of the whole
 *   process (every thread: the main thread, GC and compiler threads, the libuv pool) since node started;
 * - `childrenUs`: CPU time of child processes the process has waited for (`cutime` + `cstime` of
 *   `/proc/self/stat`, in clock ticks of 10 ms; 0 where `/proc` is missing), so work handed to a
 *   subprocess is not lost;
 * - `maxRssKiB`: peak resident set size (`process.resourceUsage().maxRSS`);
 * - `exitMs`: milliseconds from node start to the exit (`performance.now()`).
 *
 * The handler is registered before the script runs, so it is the first `exit` listener: anything later
 * listeners do is not counted (neither side's script does work on exit). Plain Node APIs only, so the
 * preload itself costs the same on both sides (well under a millisecond).
 */
import { readFileSync, writeFileSync } from 'fs';

const reportFile = process.env.BENCH_CPU_FILE;
// Not inherited by subprocesses the script may start (they would overwrite the report).
delete process.env.BENCH_CPU_FILE;

/** CPU of waited-for children, from `/proc/self/stat` (fields 16 and 17, clock ticks of 1/100 s). */
function childrenMicros(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf-8');
    // Fields after the command name (which may contain spaces) start at field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[13]) + Number(fields[14])) * 10_000;
  } catch {
    return 0;
  }
}

if (reportFile) {
  process.on('exit', (code) => {
    const cpu = process.cpuUsage();
    const report = {
      userUs: cpu.user,
      systemUs: cpu.system,
      childrenUs: childrenMicros(),
      maxRssKiB: process.resourceUsage().maxRSS,
      exitMs: Math.round(performance.now() * 10) / 10,
      exitCode: code,
    };
    writeFileSync(reportFile, JSON.stringify(report));
  });
}
