/**
 * Downloading pack files: resumable (HTTP Range on a `.partial` file), sha256-verified, placed
 * atomically (a partial or unverified file is never at the final name), trying each mirror in turn.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { sha256File } from './hash.js';
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

/**
 * Fetches one file into `dir`. Resumes a previous `.partial`; verifies sha256; renames into place.
 * Returns 'present' when the verified file was already there.
 */
export async function downloadFile(dir: string, entry: PackFile, options: DownloadOptions = {}): Promise<'downloaded' | 'present'> {
  const finalPath = join(dir, entry.file);
  if (await isVerified(finalPath, entry)) return 'present';
  await mkdir(dir, { recursive: true });
  const partial = `${finalPath}.partial`;
  const doFetch = options.fetch ?? fetch;
  const attempts: string[] = [];
  for (const url of candidateUrls(entry, options.mirror)) {
    try {
      let offset = await sizeOf(partial);
      const headers: Record<string, string> = {};
      if (offset > 0) headers.Range = `bytes=${offset}-`;
      const res = await doFetch(url, { headers, redirect: 'follow', signal: options.signal });
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
        const out = createWriteStream(partial, { flags: offset > 0 ? 'a' : 'w' });
        let received = offset;
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
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
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      attempts.push(`${url}: ${cause?.code ?? ''} ${cause?.message ?? (err as Error).message}`.trim());
    }
  }
  throw new DownloadError(entry.file, attempts);
}
