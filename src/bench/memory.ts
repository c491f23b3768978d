/**
 * The memory benchmark: the same animation for a short and a long run, each in its own process, so each
 * peak RSS is that run's alone. Flat memory means the long run's peak stays close to the short one's.
 * Node only.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './run-bench.js';

export interface MemoryBenchOptions {
  readonly models: string;
  readonly source: string;
  readonly driving: string;
  /** Frame counts to compare, e.g. [30, 300]. */
  readonly frames: readonly number[];
  readonly threads?: number;
  /** The CLI to run the children with (default: this build's bin.js). */
  readonly cli?: string;
  readonly onRun?: (frames: number) => void;
}

export interface MemoryRun {
  readonly frames: number;
  readonly peakRssBytes: number;
  readonly fps: number;
}

export interface MemoryBenchResult {
  readonly runs: readonly MemoryRun[];
  /** Peak RSS of the longest run ÷ that of the shortest. */
  readonly ratio: number;
}

export const DEFAULT_CLI = fileURLToPath(new URL('../cli/bin.js', import.meta.url));

/** Runs this CLI in a child process and returns its stdout (each benchmark run's peak RSS is then its own). */
export function runChild(cli: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolvePromise(out);
      else reject(new Error(`benchmark child (${args.join(' ')}) exited with ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

export async function runMemoryBench(options: MemoryBenchOptions): Promise<MemoryBenchResult> {
  if (options.frames.length < 2) throw new Error('the memory benchmark compares at least two frame counts, e.g. --frames 30,300');
  const runs: MemoryRun[] = [];
  for (const frames of [...options.frames].sort((a, b) => a - b)) {
    options.onRun?.(frames);
    const args = ['bench', '--json', '--models', options.models, '--source', options.source, '--driving', options.driving, '--frames', String(frames), '--warmup', '0'];
    if (options.threads !== undefined) args.push('--threads', String(options.threads));
    const result = JSON.parse(await runChild(options.cli ?? DEFAULT_CLI, args)) as BenchResult;
    runs.push({ frames, peakRssBytes: result.peakRssBytes, fps: result.timing.fps });
  }
  return { runs, ratio: runs[runs.length - 1].peakRssBytes / runs[0].peakRssBytes };
}
