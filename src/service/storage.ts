/**
 * Where inputs, motion templates, chunks and results live. Every worker must reach the same storage:
 * one directory on one machine, or a shared volume across machines. The interface is small so that
 * an object store can be added later; workers ask for local paths because ffmpeg reads files.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface Storage {
  /** A local file path for a key ('jobs/ID/source.png'); the key is checked, never taken from a client. */
  path(key: string): string;
  /** Streams data to a key; resolves to the bytes written. */
  write(key: string, data: Readable): Promise<number>;
  /** Deletes a key and everything under it. */
  remove(key: string): Promise<void>;
  /** Bytes in use. */
  usage(): Promise<number>;
}

const KEY = /^[a-zA-Z0-9._%-]+(\/[a-zA-Z0-9._%-]+)*$/;

export class LocalStorage implements Storage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  path(key: string): string {
    if (!KEY.test(key) || key.split('/').some((part) => part === '..' || part === '.')) throw new Error(`invalid storage key '${key}'`);
    const full = join(this.root, key);
    if (!full.startsWith(this.root + sep)) throw new Error(`invalid storage key '${key}'`);
    return full;
  }

  async write(key: string, data: Readable): Promise<number> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    let bytes = 0;
    data.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(data, createWriteStream(path));
    return bytes;
  }

  async remove(key: string): Promise<void> {
    await rm(this.path(key), { recursive: true, force: true });
  }

  async usage(): Promise<number> {
    const walk = async (dir: string): Promise<number> => {
      let total = 0;
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return 0;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) total += await walk(p);
        else total += await stat(p).then((s) => s.size, () => 0);
      }
      return total;
    };
    return walk(this.root);
  }
}

/** Storage keys of one job. */
export const jobKeys = (id: string) => ({
  dir: `jobs/${id}`,
  input: (name: string) => `jobs/${id}/in/${name}`,
  template: `jobs/${id}/motion.json`,
  chunk: (index: number, ext: string) => `jobs/${id}/chunks/${String(index).padStart(5, '0')}.${ext}`,
  framesDir: `jobs/${id}/frames`,
  frames: `jobs/${id}/frames/%06d.png`,
  result: (ext: string) => `jobs/${id}/result.${ext}`,
});
