/**
 * The service's real parts for tests: a redis-server on a free port in a temporary directory (AOF on),
 * `liveportrait serve` and `liveportrait worker` as child processes, and HTTP calls with fetch.
 * Everything started here is stopped by `stopAll()`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CLI } from './cli.js';

export const HAS_REDIS = spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
export const needsRedis: string | false = HAS_REDIS ? false : 'needs redis-server on PATH';

const started = new Set<ChildProcess>();

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Waits until `pattern` appears in the child's output; rejects if it exits first or after `ms`. */
function waitFor(child: ChildProcess, pattern: RegExp, what: string, ms = 120_000): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => done(new Error(`${what}: no ${pattern} after ${ms} ms\n${text}`)), ms);
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = pattern.exec(text);
      if (m) done(undefined, m);
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}) before ${pattern}\n${text}`));
    const done = (err?: Error, m?: RegExpExecArray) => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(m!);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.on('exit', onExit);
  });
}

export interface Proc {
  readonly child: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function track(child: ChildProcess): Proc {
  started.add(child);
  let text = '';
  child.stdout?.on('data', (d) => (text += d));
  child.stderr?.on('data', (d) => (text += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => started.delete(child));
  return {
    child,
    output: () => text,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill(signal);
        const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
}

export interface RedisServer extends Proc {
  readonly url: string;
  readonly dir: string;
  readonly port: number;
}

export async function startRedis(): Promise<RedisServer> {
  const dir = await mkdtemp(join(tmpdir(), 'lp-redis-'));
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
    const proc = track(child);
    try {
      await waitFor(child, /Ready to accept connections/, 'redis-server', 20_000);
      return { ...proc, url: `redis://127.0.0.1:${port}`, dir, port };
    } catch (err) {
      await proc.stop('SIGKILL');
      if (attempt >= 3) throw err;
    }
  }
}

export interface ApiServer extends Proc {
  readonly url: string;
}

export async function startServe(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ApiServer> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = track(child);
  const m = await waitFor(child, /listening on (http:\/\/\S+)/, 'serve');
  return { ...proc, url: m[1] };
}

export async function startWorkerProcess(args: string[]): Promise<Proc> {
  const child = spawn(process.execPath, [CLI, 'worker', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const proc = track(child);
  await waitFor(child, /worker \S+ ready/, 'worker');
  return proc;
}

/** Stops every process these helpers started (the CI must never be left with one running). */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}

export interface Upload {
  readonly source?: string;
  readonly driving?: string;
  readonly from?: string;
  readonly kind?: string;
  readonly options?: Record<string, unknown> | string;
}

export async function postJob(url: string, upload: Upload, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  if (upload.kind) form.append('kind', upload.kind);
  if (upload.options !== undefined) form.append('options', typeof upload.options === 'string' ? upload.options : JSON.stringify(upload.options));
  for (const field of ['source', 'driving', 'from'] as const) {
    const path = upload[field];
    if (path) form.append(field, new Blob([await readFile(path)]), basename(path));
  }
  const res = await fetch(`${url}/v1/jobs`, { method: 'POST', body: form, headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export async function getJson(url: string, key?: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

export interface JobJson {
  id: string;
  state: string;
  error: string | null;
  progress: { done: number; total: number | null };
  chunks: { index: number; frames: [number, number]; state: string; done: number; worker: string | null; attempts: number }[];
}

/** Polls a job until `until` holds (default: a terminal state). */
export async function waitJob(url: string, id: string, key?: string, until: (j: JobJson) => boolean = (j) => ['done', 'failed', 'cancelled'].includes(j.state), ms = 240_000): Promise<JobJson> {
  const end = Date.now() + ms;
  for (;;) {
    const { body } = await getJson(`${url}/v1/jobs/${id}`, key);
    const job = body as unknown as JobJson;
    if (until(job)) return job;
    if (Date.now() > end) throw new Error(`job ${id} still ${job.state} after ${ms} ms: ${JSON.stringify(job)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
