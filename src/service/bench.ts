/**
 * `liveportrait bench service`: the service end to end on this machine — a redis-server started for
 * the run, the API in this process and N worker processes — against `animate` in one process.
 * Prints jobs/min, frames/s, p50/p95 job latency and the queueing overhead of one job.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { animateFile, createEngine } from '../pipeline/run.js';
import { SERVICE_DEFAULTS } from './config.js';
import { startApi } from './api.js';
import { LocalStorage } from './storage.js';

export interface WorkerLayout {
  readonly workers: number;
  readonly threads: number;
}

export interface ServiceBenchOptions {
  readonly models: string;
  readonly source: string;
  readonly driving: string;
  readonly jobs: number;
  readonly frames: number;
  readonly chunkFrames: number;
  readonly layouts: readonly WorkerLayout[];
  /** The built CLI (bin.js) that runs the workers. */
  readonly cli: string;
  readonly log?: (line: string) => void;
}

export interface LayoutResult extends WorkerLayout {
  readonly singleJobSeconds: number;
  readonly overhead: number;
  readonly wallSeconds: number;
  readonly jobsPerMinute: number;
  readonly framesPerSecond: number;
  readonly p50: number;
  readonly p95: number;
}

export interface ServiceBenchResult {
  readonly frames: number;
  readonly jobs: number;
  readonly animateSeconds: Record<number, number>;
  readonly layouts: LayoutResult[];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function waitOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let text = '';
    const on = (d: Buffer) => {
      text += d.toString();
      if (pattern.test(text)) {
        child.stdout?.off('data', on);
        child.stderr?.off('data', on);
        resolve();
      }
    };
    child.stdout?.on('data', on);
    child.stderr?.on('data', on);
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${text}`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

const quantile = (sorted: readonly number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

export async function runServiceBench(o: ServiceBenchOptions): Promise<ServiceBenchResult> {
  const log = o.log ?? (() => {});
  const dir = await mkdtemp(join(tmpdir(), 'lp-bench-service-'));
  const children: ChildProcess[] = [];
  const port = await freePort();
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(redis);
  try {
    await waitOutput(redis, /Ready to accept connections/, 'redis-server');
    const redisUrl = `redis://127.0.0.1:${port}`;
    const storage = new LocalStorage(join(dir, 'storage'));
    const options = { output: { frames: o.frames } };

    // The same job in one process, models loaded beforehand (as the workers have them).
    const animateSeconds: Record<number, number> = {};
    for (const threads of new Set(o.layouts.map((l) => l.threads))) {
      const engine = await createEngine({ models: o.models, threads });
      const t = performance.now();
      await animateFile(engine, { source: o.source, driving: o.driving, output: join(dir, `animate-${threads}.mp4`), options });
      animateSeconds[threads] = (performance.now() - t) / 1000;
      await engine.release();
      log(`animate (${threads} thread${threads === 1 ? '' : 's'}): ${animateSeconds[threads].toFixed(2)} s for ${o.frames} frames\n`);
    }

    const api = await startApi(
      {
        redis: redisUrl,
        storage,
        maxUpload: 1e9,
        retain: 3_600_000,
        sweepInterval: 3_600_000,
        chunkFrames: o.chunkFrames,
        maxFrames: SERVICE_DEFAULTS.maxFrames,
        rateLimit: 1e6,
        maxJobs: 1e6,
        attempts: 1,
        backoff: 1000,
      },
      { port: 0, host: '127.0.0.1' },
    );
    const sourceBytes = await readFile(o.source);
    const drivingBytes = await readFile(o.driving);
    const post = async (): Promise<string> => {
      const form = new FormData();
      form.append('options', JSON.stringify({ frames: o.frames }));
      form.append('source', new Blob([sourceBytes]), 'source');
      form.append('driving', new Blob([drivingBytes]), 'driving');
      const res = await fetch(`${api.url}/v1/jobs`, { method: 'POST', body: form });
      const body = (await res.json()) as { id?: string; error?: string };
      if (res.status !== 202 || !body.id) throw new Error(`POST /v1/jobs: ${res.status} ${body.error}`);
      return body.id;
    };
    const finished = async (id: string): Promise<void> => {
      for (;;) {
        const job = (await (await fetch(`${api.url}/v1/jobs/${id}`)).json()) as { state: string; error?: string };
        if (job.state === 'done') return;
        if (job.state !== 'queued' && job.state !== 'running') throw new Error(`job ${id} ${job.state}: ${job.error}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    const layouts: LayoutResult[] = [];
    try {
      for (const layout of o.layouts) {
        const workers: ChildProcess[] = [];
        for (let i = 0; i < layout.workers; i++) {
          const w = spawn(process.execPath, [o.cli, 'worker', '--redis', redisUrl, '--storage', storage.root, '--models', o.models, '--threads', String(layout.threads), '-q'], { stdio: ['ignore', 'pipe', 'pipe'] });
          children.push(w);
          workers.push(w);
        }
        await Promise.all(workers.map((w) => waitOutput(w, /worker \S+ ready/, 'worker')));
        log(`${layout.workers} worker(s) × ${layout.threads} thread(s): one job…\n`);
        let t = performance.now();
        await finished(await post());
        const single = (performance.now() - t) / 1000;
        log(`  ${o.jobs} jobs at once…\n`);
        t = performance.now();
        const latencies = await Promise.all(
          Array.from({ length: o.jobs }, async () => {
            const t0 = performance.now();
            await finished(await post());
            return (performance.now() - t0) / 1000;
          }),
        );
        const wall = (performance.now() - t) / 1000;
        latencies.sort((a, b) => a - b);
        layouts.push({
          ...layout,
          singleJobSeconds: single,
          overhead: single / animateSeconds[layout.threads],
          wallSeconds: wall,
          jobsPerMinute: (o.jobs / wall) * 60,
          framesPerSecond: (o.jobs * o.frames) / wall,
          p50: quantile(latencies, 0.5),
          p95: quantile(latencies, 0.95),
        });
        await Promise.all(workers.map(stop));
      }
    } finally {
      await api.close();
    }
    return { frames: o.frames, jobs: o.jobs, animateSeconds, layouts };
  } finally {
    await Promise.all(children.map(stop));
    await rm(dir, { recursive: true, force: true });
  }
}

export function formatServiceBench(r: ServiceBenchResult): string {
  const lines = [
    `service benchmark: ${r.jobs} jobs of ${r.frames} frames each (plus one job alone per layout)`,
    `animate in one process: ${Object.entries(r.animateSeconds).map(([t, s]) => `${s.toFixed(2)} s with ${t} thread(s)`).join(', ')}`,
    'workers × threads   jobs/min   frames/s   p50 latency   p95 latency   one job   overhead vs animate',
  ];
  for (const l of r.layouts) {
    lines.push(
      `${`${l.workers} × ${l.threads}`.padEnd(17)}   ${l.jobsPerMinute.toFixed(2).padStart(8)}   ${l.framesPerSecond.toFixed(2).padStart(8)}   ${`${l.p50.toFixed(2)} s`.padStart(11)}   ${`${l.p95.toFixed(2)} s`.padStart(11)}   ${`${l.singleJobSeconds.toFixed(2)} s`.padStart(7)}   ${l.overhead.toFixed(3)}`,
    );
  }
  return lines.join('\n');
}
