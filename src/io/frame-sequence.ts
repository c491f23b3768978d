/**
 * Writing frames as numbered image files ('out/%04d.png') instead of a video (Node only). PNG keeps
 * frames lossless.
 *
 * Like a video, the sequence appears only when complete: frames are written into a hidden temporary
 * folder and moved into place by close(). When the target folder does not exist yet the temporary folder
 * sits beside it and is renamed to it in one step; otherwise it sits inside it and the frames are renamed
 * one by one at the end. A kill before close() leaves only the hidden folder, never normally named frames.
 */
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import type { RgbImage } from '../image/types.js';
import { OptionError, expectInteger } from '../validate.js';
import { encodeImage, imageFormatFromPath, type ImageFormat } from './image-file.js';
import { onInterrupt } from './interrupt.js';
import { createPartialOutput, type PartialOutput } from './partial-file.js';

const PLACEHOLDER = /%(0?\d*)d/g;
const IMAGE_EXTENSIONS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

/** True for paths like 'frames/%04d.png' or 'out/frame_%d.jpg': one printf-style %d in the file name and an image extension. */
export function isFrameSequencePattern(path: string): boolean {
  const name = basename(path).replace(/%%/g, '');
  return (name.match(PLACEHOLDER) ?? []).length === 1 && IMAGE_EXTENSIONS.has(extname(path).toLowerCase());
}

/** The file name for frame number `n`: '%04d' → zero-padded to 4 digits, '%d' → as is; '%%' → '%'. */
export function formatFramePath(pattern: string, n: number): string {
  const name = basename(pattern);
  const folder = pattern.slice(0, pattern.length - name.length);
  return folder + name.replace(/%%|%(0?)(\d*)d/g, (match, zero: string | undefined, width: string | undefined) => {
    if (match === '%%') return '%';
    const digits = String(n);
    const w = width ? Number(width) : 0;
    return digits.padStart(w, zero ? '0' : ' ');
  });
}

/** Matches the file names a pattern writes: '%04d.png' → /^\d{4,}\.png$/ ('%%' is a literal '%'). */
export function framePatternRegExp(pattern: string): RegExp {
  const parts = basename(pattern).split(/(%%|%0?\d*d)/);
  const source = parts
    .map((part) => {
      if (part === '%%') return '%';
      const m = /^%(0?)(\d*)d$/.exec(part);
      if (!m) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      const width = m[2] ? Number(m[2]) : 0;
      return m[1] ? `\\d{${Math.max(width, 1)},}` : ` *\\d+`;
    })
    .join('');
  return new RegExp(`^${source}$`);
}

export interface FrameSequenceOptions {
  /** Number of the first frame; default 1, as ffmpeg's image2 muxer does. */
  readonly startNumber?: number;
  /** JPEG/WebP quality (PNG is lossless). */
  readonly quality?: number;
  /** Remove the frames written so far and exit on SIGINT/SIGTERM. Default false. */
  readonly cleanupOnInterrupt?: boolean;
}

export interface FrameSequenceResult {
  /** The pattern. */
  readonly path: string;
  readonly frames: number;
  readonly firstPath?: string;
  readonly lastPath?: string;
}

/** Where the frames are written until close(). */
interface Staging {
  readonly partial: PartialOutput;
  /** Folder the frame files go into. */
  readonly folder: string;
  /** True: the folder is renamed to the (new) target folder; false: each frame is renamed into it. */
  readonly whole: boolean;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function openStaging(pattern: string): Promise<Staging> {
  const target = dirname(pattern);
  if (!(await isDirectory(target))) {
    const partial = await createPartialOutput(target);
    await mkdir(partial.path);
    return { partial, folder: partial.path, whole: true };
  }
  const partial = await createPartialOutput(pattern);
  return { partial, folder: dirname(partial.path), whole: false };
}

export class FrameSequenceWriter {
  private readonly written: string[] = [];
  private readonly format: ImageFormat;
  private staging?: Promise<Staging>;
  private readonly startNumber: number;
  private readonly quality: number | undefined;
  private state: 'open' | 'closed' | 'aborted' = 'open';
  private queue: Promise<void> = Promise.resolve();
  private readonly unregisterInterrupt?: () => void;

  constructor(
    readonly path: string,
    options: FrameSequenceOptions = {},
  ) {
    if (!isFrameSequencePattern(path)) {
      throw new OptionError('output', `Expected a frame pattern such as 'frames/%04d.png' (one %d or %0Nd in the file name, .png/.jpg/.webp) but received '${path}'`);
    }
    this.format = imageFormatFromPath(path);
    this.startNumber = expectInteger('startNumber', options.startNumber ?? 1, 0);
    this.quality = options.quality;
    if (options.cleanupOnInterrupt) this.unregisterInterrupt = onInterrupt(() => this.abort());
  }

  get frames(): number {
    return this.written.length;
  }

  /** Writes the next frame's file; resolves once it is complete on disk. */
  write(image: RgbImage): Promise<void> {
    if (this.state !== 'open') return Promise.reject(new Error(`cannot write frames to ${this.path}: write() after ${this.state === 'closed' ? 'close()' : 'abort()'}`));
    const n = this.startNumber + this.written.length;
    const file = formatFramePath(this.path, n);
    this.written.push(file);
    this.staging ??= openStaging(this.path);
    const staging = this.staging;
    const next = this.queue.then(async () => {
      const bytes = await encodeImage(image, this.format, this.quality);
      await writeFile(join((await staging).folder, basename(file)), bytes, { flag: 'wx' });
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<FrameSequenceResult> {
    if (this.state !== 'open') throw new Error(`cannot close frames ${this.path}: already ${this.state}`);
    this.state = 'closed';
    await this.queue;
    try {
      if (this.staging) await this.moveIntoPlace(await this.staging);
    } catch (err) {
      await this.discard();
      throw err;
    }
    this.unregisterInterrupt?.();
    return { path: this.path, frames: this.written.length, firstPath: this.written[0], lastPath: this.written.at(-1) };
  }

  private async moveIntoPlace(staging: Staging): Promise<void> {
    const target = dirname(this.path);
    if (staging.whole) {
      try {
        await rename(staging.folder, target);
        await staging.partial.discard();
        return;
      } catch (err) {
        // The folder appeared meanwhile: move the frames into it one by one.
        if (!(await isDirectory(target))) throw err;
      }
    }
    for (const file of this.written) await rename(join(staging.folder, basename(file)), join(target, basename(file)));
    await staging.partial.discard();
  }

  private async discard(): Promise<void> {
    const staging = await this.staging?.catch(() => undefined);
    await staging?.partial.discard();
    this.unregisterInterrupt?.();
  }

  /** Deletes every frame this writer wrote (none has reached the target folder yet). */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.queue;
    await this.discard();
  }
}
