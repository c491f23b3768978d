/**
 * Writing frames as numbered image files ('out/%04d.png') instead of a video (Node only). Each file is
 * written atomically by writeImage, so a crash never leaves a truncated image; PNG keeps frames lossless.
 */
import { rm } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import type { RgbImage } from '../image/types.js';
import { OptionError, expectInteger } from '../validate.js';
import { imageFormatFromPath, writeImage } from './image-file.js';
import { onInterrupt } from './interrupt.js';

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

export class FrameSequenceWriter {
  private readonly written: string[] = [];
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
    imageFormatFromPath(path);
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
    const next = this.queue.then(() => writeImage(file, image, this.quality));
    this.queue = next.catch(() => undefined);
    return next;
  }

  async close(): Promise<FrameSequenceResult> {
    if (this.state !== 'open') throw new Error(`cannot close frames ${this.path}: already ${this.state}`);
    this.state = 'closed';
    await this.queue;
    this.unregisterInterrupt?.();
    return { path: this.path, frames: this.written.length, firstPath: this.written[0], lastPath: this.written.at(-1) };
  }

  /** Deletes every frame this writer wrote. */
  async abort(): Promise<void> {
    if (this.state !== 'open') return;
    this.state = 'aborted';
    await this.queue;
    await Promise.all(this.written.map((file) => rm(file, { force: true })));
    this.unregisterInterrupt?.();
  }
}
