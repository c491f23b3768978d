/**
 * `bench --load N`: the speed benchmark on an otherwise idle machine, then again while N CPU-bound
 * processes compete for the cores — each run in its own process, printed side by side with both
 * overheads (end-to-end ÷ model-only, measured under the same conditions). Node only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { DEFAULT_CLI, runChild } from './memory.js';
import type { BenchResult } from './run-bench.js';
import { fixed, runHeader, sideBySideTable } from './side-by-side.js';

export interface LoadComparison {
  /** Competing CPU-bound processes in the second run. */
  readonly load: number;
  readonly idle: BenchResult;
  readonly loaded: BenchResult;
}

/** The pipeline's overhead target, idle and under load (issue: scheduling that adapts to the cores). */
export const OVERHEAD_TARGET = 1.05;

/**
 * One CPU-bound process: spins in 200 ms slices and exits as soon as its parent is gone, so an
 * interrupted benchmark never leaves it behind.
 */
export function startBusyProcess(): ChildProcess {
  // The parent's pid is passed in: `process.ppid` would already be 1 if the parent exited first.
  const script =
    'const parent = Number(process.argv[1]); const spin = () => { const t = Date.now(); while (Date.now() - t < 200); ' +
    'try { process.kill(parent, 0); } catch { process.exit(0); } setImmediate(spin); }; spin();';
  return spawn(process.execPath, ['-e', script, String(process.pid)], { stdio: 'ignore' });
}

/** Runs `bench --json <args>` idle, then with `load` busy processes. `args` must not hold --json or --load. */
export async function compareLoad(args: readonly string[], load: number, onRun?: (load: number) => void, cli = DEFAULT_CLI): Promise<LoadComparison> {
  onRun?.(0);
  const idle = JSON.parse(await runChild(cli, ['bench', '--json', ...args])) as BenchResult;
  const busy = Array.from({ length: load }, startBusyProcess);
  try {
    onRun?.(load);
    const loaded = JSON.parse(await runChild(cli, ['bench', '--json', ...args])) as BenchResult;
    return { load, idle, loaded };
  } finally {
    for (const p of busy) p.kill('SIGKILL');
  }
}

export function formatLoadComparison(c: LoadComparison): string {
  const loadLabel = `load ${c.load}`;
  const ok = (v: number) => (v <= OVERHEAD_TARGET ? 'met' : 'NOT met');
  return [
    runHeader(c.idle),
    `${c.idle.warmupFrames} warm-up + ${c.idle.timing.measuredFrames} measured frames each, each run in its own process; medians`,
    `"${loadLabel}": ${c.load} CPU-bound process${c.load === 1 ? '' : 'es'} competing for the ${c.idle.cpu.cores} cores during the whole run (model-only pass included)`,
    '',
    ...sideBySideTable(['idle', loadLabel], c.idle, c.loaded),
    '',
    `overhead idle ${fixed(c.idle.overhead, 3)} (${ok(c.idle.overhead)}), with ${c.load} competing process${c.load === 1 ? '' : 'es'} ${fixed(c.loaded.overhead, 3)} (${ok(c.loaded.overhead)}); target ≤ ${OVERHEAD_TARGET} in both`,
  ].join('\n');
}
