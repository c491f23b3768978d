/**
 * Downloading pack files: resumable (HTTP Range on a `.partial` file), sha256-verified, placed
 * atomically (a partial or unverified file is never at the final name), trying each mirror in turn.
 *
 * Safety: file names come from pack manifests and must be plain names inside the pack folder; a
 * `.lock` file created exclusively (holding the PID) makes a second download of the same file, from
 * this or another process, wait for the first instead of writing the same `.partial`; the `.partial`
 * is opened without following links; a server that sends nothing for `idleTimeoutMs` is given up.
 */
import { createHash } from 'node:crypto';
import { constants as fsConstants, createReadStream, createWriteStream } from 'node:fs';
import { lstat, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULTS } from '../settings.js';
import { sha256File } from './hash.js';
import { packFilePath } from './pack-dir.js';
import type { PackFile } from './packs.js';

export interface DownloadProgress {
  readonly file: string;
  readonly received: number;
  readonly total: number | undefined;
  readonly url: string;
  readonly resumedFrom: number;
}

export interface DownloadOptions {
  /** Replaces each URL's directory with this prefix (a local mirror): `${mirror}/${file}`. */
  readonly mirror?: string;
  readonly onProgress?: (p: DownloadProgress) => void;
  readonly signal?: AbortSignal;
  /** Injected fetch (tests); defaults to the global fetch. */
  readonly fetch?: typeof fetch;
  /** Give up on a server that sends nothing for this long (milliseconds); default DEFAULTS.download.idleTimeoutMs. */
  readonly idleTimeoutMs?: number;
  /** How often to look whether another download of the same file has finished (milliseconds). */
  readonly lockPollMs?: number;
}

export class DownloadError extends Error {
  constructor(
    readonly file: string,
    readonly attempts: readonly string[],
  ) {
    super(`could not download ${file}:\n${attempts.map((a) => `  - ${a}`).join('\n')}`);
    this.name = 'DownloadError';
  }
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

async function hashExisting(path: string): Promise<ReturnType<typeof createHash>> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash;
}

function candidateUrls(entry: PackFile, mirror?: string): string[] {
  if (mirror) return [`${mirror.replace(/\/+$/, '')}/${entry.file}`];
  return [...entry.urls];
}

/** True when the file at `path` exists with an accepted hash. */
export async function isVerified(path: string, entry: PackFile): Promise<boolean> {
  if (!(await sizeOf(path))) return false;
  const h = await sha256File(path);
  return h === entry.sha256 || (entry.altSha256 ?? []).includes(h);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Takes `${path}.lock` by exclusive create; while another live process (or another download in this
 * one) holds it, waits. A lock whose process is gone is taken over. Returns the release function.
 */
async function acquireLock(path: string, options: DownloadOptions): Promise<() => Promise<void>> {
  const lock = `${path}.lock`;
  while (true) {
    options.signal?.throwIfAborted();
    try {
      await writeFile(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => rm(lock, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number.parseInt(await readFile(lock, 'utf8').catch(() => ''), 10);
    if (Number.isInteger(holder) && holder > 0 && !isAlive(holder)) {
      await rm(lock, { force: true });
      continue;
    }
    await sleep(options.lockPollMs ?? 200, undefined, { signal: options.signal });
  }
}

/** Opens the `.partial` for writing without following a link planted at its name. */
async function openPartial(partial: string, append: boolean): Promise<ReturnType<typeof createWriteStream>> {
  const existing = await lstat(partial).catch(() => undefined);
  if (existing && !existing.isFile()) throw new Error(`${partial} exists and is not a plain file; remove it`);
  const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_NOFOLLOW | (append ? fsConstants.O_APPEND : fsConstants.O_TRUNC);
  const out = createWriteStream(partial, { flags: flags as unknown as string });
  await once(out, 'open');
  return out;
}

function seconds(ms: number): string {
  return `${+(ms / 1000).toFixed(3)} s`;
}

/**
 * Fetches one file into `dir`. Resumes a previous `.partial`; verifies sha256; renames into place.
 * Returns 'present' when the verified file was already there (or another download just placed it).
 */
export async function downloadFile(dir: string, entry: PackFile, options: DownloadOptions = {}): Promise<'downloaded' | 'present'> {
  const finalPath = packFilePath(dir, entry.file);
  if (await isVerified(finalPath, entry)) return 'present';
  await mkdir(dir, { recursive: true });
  const release = await acquireLock(finalPath, options);
  try {
    if (await isVerified(finalPath, entry)) return 'present';
    return await fetchInto(finalPath, entry, options);
  } finally {
    await release();
  }
}

async function fetchInto(finalPath: string, entry: PackFile, options: DownloadOptions): Promise<'downloaded'> {
  const partial = `${finalPath}.partial`;
  const doFetch = options.fetch ?? fetch;
  const idleMs = options.idleTimeoutMs ?? DEFAULTS.download.idleTimeoutMs;
  const attempts: string[] = [];
  for (const url of candidateUrls(entry, options.mirror)) {
    // Aborted when the server sends nothing (no headers, no body bytes) for idleMs.
    const idle = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const stillAlive = () => {
      clearTimeout(timer);
      timer = setTimeout(() => idle.abort(new Error(`no data for ${seconds(idleMs)}`)), idleMs);
    };
    const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
    stillAlive();
    try {
      let offset = await sizeOf(partial);
      const headers: Record<string, string> = {};
      if (offset > 0) headers.Range = `bytes=${offset}-`;
      const res = await doFetch(url, { headers, redirect: 'follow', signal });
      if (res.status === 416 && offset > 0) {
        // The partial is already complete (or longer than the file): verify it as it is.
        await res.body?.cancel();
      } else if (!res.ok || !res.body) {
        attempts.push(`${url}: HTTP ${res.status} ${res.statusText}`);
        await res.body?.cancel();
        continue;
      } else {
        if (res.status !== 206) offset = 0; // server ignored the range: start again
        const hash = offset > 0 ? await hashExisting(partial) : createHash('sha256');
        const lengthHeader = res.headers.get('content-length');
        const total = lengthHeader ? Number(lengthHeader) + offset : entry.sizeBytes;
        const out = await openPartial(partial, offset > 0);
        let received = offset;
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
            stillAlive();
            hash.update(chunk);
            received += chunk.length;
            if (!out.write(chunk)) await once(out, 'drain');
            options.onProgress?.({ file: entry.file, received, total, url, resumedFrom: offset });
          }
        } finally {
          out.end();
          await once(out, 'close');
        }
        const digest = hash.digest('hex');
        if (digest !== entry.sha256 && !(entry.altSha256 ?? []).includes(digest)) {
          await rm(partial, { force: true });
          attempts.push(`${url}: sha256 mismatch (got ${digest.slice(0, 16)}…, expected ${entry.sha256.slice(0, 16)}…); partial file removed`);
          continue;
        }
        await rename(partial, finalPath);
        return 'downloaded';
      }
      if (await isVerified(partial, entry)) {
        await rename(partial, finalPath);
        return 'downloaded';
      }
      await rm(partial, { force: true });
      attempts.push(`${url}: range not satisfiable and the partial file did not verify; removed`);
    } catch (err) {
      if (options.signal?.aborted) throw err;
      if (idle.signal.aborted) {
        attempts.push(`${url}: the server sent no data for ${seconds(idleMs)}; gave up (timed out)`);
        continue;
      }
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      attempts.push(`${url}: ${cause?.code ?? ''} ${cause?.message ?? (err as Error).message}`.trim());
    } finally {
      clearTimeout(timer);
    }
  }
  throw new DownloadError(entry.file, attempts);
}
