/**
 * Streaming video encoding (Node only): RgbImage frames are piped into ffmpeg one at a time and encoded
 * as they arrive, optionally with the audio of another file muxed in.
 *
 * Defaults follow the original LivePortrait writer (libx264, yuv420p, crf 18). The video is written to a
 * hidden temporary file beside the target and renamed into place by close(); abort() (or an interrupt,
 * with `cleanupOnInterrupt`) deletes it, so the target path only ever holds a complete video.
 *
 * Odd frame sizes: yuv420p stores colour at half resolution and libx264 refuses odd widths or heights.
 * LivePortrait's writer (imageio, macro_block_size 2) resizes such frames; here the last column/row is
 * cropped by default ('crop', like the original's source_division cropping of inputs) or a black one is
 * added ('pad'). The encoded size is reported as outputWidth/outputHeight.
 */
import { extname } from 'node:path';
import type { Writable } from 'node:stream';
import type { RgbImage } from '../image/types.js';
import { DEFAULTS } from '../settings.js';
import { OptionError, expectInteger, expectNumber, expectOneOf } from '../validate.js';
import { describeExit, ffmpegPath, mediaFileArg, mediaInputArgs, spawnMedia, type MediaProcess } from './ffmpeg.js';
import { parseFrameRate } from './frame-rate.js';
import { onInterrupt } from './interrupt.js';
import { createPartialOutput, type PartialOutput } from './partial-file.js';
import { probeHasAudio, probeMedia } from './probe.js';

export interface VideoWriterOptions {
  /** Size of the frames that will be written. */
  readonly width: number;
  readonly height: number;
  /** Frame rate: a number or an exact rational such as '30000/1001' (MediaInfo.fpsRational). */
  readonly fps: number | string;
  /** Constant rate factor (0 = lossless … 51); default 18. */
  readonly crf?: number;
  /** ffmpeg video encoder; default libx264. */
  readonly codec?: string;
  /** Encoded pixel format; default yuv420p (plays everywhere). */
  readonly pixelFormat?: string;
  /** x264/x265 preset (ultrafast … veryslow); default: the encoder's own (medium). */
  readonly preset?: string;
  /** Mux the first audio stream of this file (re-encoded to AAC, padded or cut to the video's length). */
  readonly audioFrom?: string;
  /** Whether audioFrom has audio, when the caller already probed it; otherwise it is probed here. */
  readonly audioFromHasAudio?: boolean;
  /** How odd sizes are made even for chroma-subsampled formats: 'crop' (default) or 'pad'. */
  readonly oddSize?: 'crop' | 'pad';
  /** Delete the temporary file and exit on SIGINT/SIGTERM (see onInterrupt). Default false; CLIs turn it on. */
  readonly cleanupOnInterrupt?: boolean;
}

export interface VideoWriteResult {
  readonly path: string;
  readonly frames: number;
  /** Encoded size (see oddSize). */
  readonly width: number;
  readonly height: number;
  readonly hasAudio: boolean;
}

export class VideoWriteError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    readonly stderrTail = '',
  ) {
    super(`cannot write video ${path}: ${reason}${stderrTail ? `\n${stderrTail.replace(/^/gm, '  ')}` : ''}`);
    this.name = 'VideoWriteError';
  }
}

const ODD_SIZE_MODES = ['crop', 'pad'] as const;
/** apad + -shortest: the audio is cut or padded with silence to the video's length, so no frame is lost. */
export const AUDIO_ENCODE_ARGS: readonly string[] = ['-c:a', 'aac', '-b:a', '192k', '-af', 'apad', '-shortest'];
export const FASTSTART_CONTAINERS = new Set(['.mp4', '.m4v', '.mov']);

/** Which dimensions a pixel format needs even: 4:2:0 halves both, 4:2:2 only the width. */
function evenRequirement(pixelFormat: string): { width: boolean; height: boolean } {
  if (/420|nv12|nv21/.test(pixelFormat)) return { width: true, height: true };
  if (/422/.test(pixelFormat)) return { width: true, height: false };
  return { width: false, height: false };
}

function evenSize(size: number, needed: boolean, mode: 'crop' | 'pad'): number {
  if (!needed || size % 2 === 0) return size;
  return mode === 'crop' ? size - 1 : size + 1;
}

type WriterState = 'open' | 'closing' | 'closed' | 'aborted';

export class VideoWriter {
  /** Encoded size: the frame size, made even where the pixel format needs it. */
  readonly outputWidth: number;
  readonly outputHeight: number;
  readonly hasAudio: boolean;
  private framesWritten = 0;
  private state: WriterState = 'open';
  /** The error that ended the encoder, reported again by later calls. */
  private failure?: VideoWriteError;
  private queue: Promise<void> = Promise.resolve();
  private readonly unregisterInterrupt?: () => void;

  private constructor(
    readonly path: string,
    readonly width: number,
    readonly height: number,
    private readonly partial: PartialOutput,
    private readonly proc: MediaProcess,
    outputSize: { width: number; height: number },
    hasAudio: boolean,
    cleanupOnInterrupt: boolean,
  ) {
    this.outputWidth = outputSize.width;
    this.outputHeight = outputSize.height;
    this.hasAudio = hasAudio;
    // Write errors (EPIPE when ffmpeg died) arrive through write callbacks; this keeps them from crashing.
    this.stdin.on('error', () => undefined);
    if (cleanupOnInterrupt) this.unregisterInterrupt = onInterrupt(() => this.abort());
  }

  /** Validates the options, starts ffmpeg and returns a writer that accepts frames. */
  static async open(path: string, options: VideoWriterOptions): Promise<VideoWriter> {
    const width = expectInteger('width', options.width, 1);
    const height = expectInteger('height', options.height, 1);
    const rate = parseFrameRate('fps', options.fps);
    const crf = expectNumber('crf', options.crf ?? DEFAULTS.output.crf, 0, 63);
    const codec = options.codec ?? DEFAULTS.output.codec;
    const pixelFormat = options.pixelFormat ?? DEFAULTS.output.pixelFormat;
    const oddSize = expectOneOf('oddSize', options.oddSize ?? 'crop', ODD_SIZE_MODES);
    for (const [name, value] of [['codec', codec], ['pixelFormat', pixelFormat], ['preset', options.preset ?? 'x']] as const) {
      if (!/^[\w.-]+$/.test(value)) throw new OptionError(name, `Expected an ffmpeg name (letters, digits, '_', '-', '.') for ${name} but received '${value}'`);
    }
    const even = evenRequirement(pixelFormat);
    const outputSize = { width: evenSize(width, even.width, oddSize), height: evenSize(height, even.height, oddSize) };
    if (outputSize.width < 1 || outputSize.height < 1) throw new OptionError('width', `Expected a frame size of at least 2x2 for ${pixelFormat} but received ${width}x${height}`);

    let hasAudio = false;
    if (options.audioFrom !== undefined) hasAudio = options.audioFromHasAudio ?? (await probeHasAudio(options.audioFrom));

    const args = ['-hide_banner', '-v', 'error', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', rate.text, '-i', 'pipe:0'];
    if (hasAudio) args.push(...mediaInputArgs(options.audioFrom as string));
    args.push('-map', '0:v:0');
    if (hasAudio) args.push('-map', '1:a:0');
    const filters: string[] = [];
    if (outputSize.width !== width || outputSize.height !== height) {
      filters.push(`${oddSize}=${outputSize.width}:${outputSize.height}:0:0`);
    }
    // Converting with BT.709 and tagging it keeps colours the same in browsers, players and ffmpeg itself.
    filters.push('scale=out_color_matrix=bt709:out_range=tv');
    args.push('-vf', filters.join(','), '-c:v', codec, '-crf', String(crf), '-pix_fmt', pixelFormat);
    if (options.preset) args.push('-preset', options.preset);
    args.push('-colorspace', 'bt709', '-color_primaries', 'bt709', '-color_trc', 'bt709', '-color_range', 'tv');
    if (hasAudio) args.push(...AUDIO_ENCODE_ARGS);
    if (FASTSTART_CONTAINERS.has(extname(path).toLowerCase())) args.push('-movflags', '+faststart');
    // -n: the temporary name is new in a fresh private folder; ffmpeg must never overwrite anything.
    const partial = await createPartialOutput(path);
    args.push('-n', mediaFileArg(partial.path));
    const proc = spawnMedia(ffmpegPath(), args, { stdin: 'pipe', stdout: 'ignore' });
    try {
      await proc.started;
    } catch (err) {
      await partial.discard();
      throw err;
    }
    return new VideoWriter(path, width, height, partial, proc, outputSize, hasAudio, options.cleanupOnInterrupt ?? false);
  }

  get frames(): number {
    return this.framesWritten;
  }

  private get stdin(): Writable {
    return this.proc.child.stdin as Writable;
  }

  /**
   * Queues one frame. Resolves once ffmpeg has taken the bytes (so the image may be reused) — awaiting it
   * is the backpressure: a producer faster than the encoder waits here.
   */
  write(image: RgbImage): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.state !== 'open') return Promise.reject(new VideoWriteError(this.path, `write() after ${this.state === 'aborted' ? 'abort()' : 'close()'}`));
    if (image.width !== this.width || image.height !== this.height || image.data.length !== this.width * this.height * 3) {
      return Promise.reject(new VideoWriteError(this.path, `frame ${this.framesWritten} is ${image.width}x${image.height}, expected ${this.width}x${this.height}`));
    }
    const next = this.queue.then(() => this.writeNow(image));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async writeNow(image: RgbImage): Promise<void> {
    if (this.state === 'aborted') throw new VideoWriteError(this.path, 'write() after abort()');
    const bytes = Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength);
    try {
      await new Promise<void>((resolve, reject) => {
        if (this.proc.hasExited()) reject(new Error('ffmpeg is not running'));
        else this.stdin.write(bytes, (err) => (err ? reject(err) : resolve()));
      });
    } catch {
      if (this.failure) throw this.failure;
      // abort() may have run while this write was waiting.
      if ((this.state as WriterState) === 'aborted') throw new VideoWriteError(this.path, 'aborted');
      const exit = await this.proc.exited;
      this.failure = new VideoWriteError(this.path, `ffmpeg stopped accepting frames (${exit.spawnError?.message ?? describeExit(exit)})`, this.proc.stderrTail());
      await this.discard();
      throw this.failure;
    }
    this.framesWritten++;
  }

  /** Finishes encoding, muxes the audio and moves the video to its path. */
  async close(): Promise<VideoWriteResult> {
    if (this.failure) throw this.failure;
    if (this.state !== 'open') throw new VideoWriteError(this.path, `close() after ${this.state === 'aborted' ? 'abort()' : 'close()'}`);
    this.state = 'closing';
    await this.queue;
    if (this.failure) throw this.failure;
    if ((this.state as WriterState) === 'aborted') throw new VideoWriteError(this.path, 'aborted while closing');
    if (this.framesWritten === 0) {
      await this.discard();
      throw new VideoWriteError(this.path, 'no frames were written');
    }
    this.stdin.end();
    const exit = await this.proc.exited;
    if (exit.spawnError || exit.code !== 0) {
      await this.discard();
      throw new VideoWriteError(this.path, exit.spawnError?.message ?? `ffmpeg ${describeExit(exit)}`, this.proc.stderrTail());
    }
    // ffmpeg 5.1 exits 0 after "Error writing trailer … No space left on device": check what it said,
    // then check the file itself before it may take the target's place.
    const writeErrors = this.proc.writeErrors();
    if (writeErrors.length) {
      await this.discard();
      throw new VideoWriteError(this.path, 'ffmpeg could not write the video', writeErrors.join('\n'));
    }
    await this.checkWritten();
    try {
      await this.partial.commit();
    } catch (err) {
      await this.discard();
      throw new VideoWriteError(this.path, `cannot move the finished video into place (${(err as Error).message})`);
    }
    this.unregisterInterrupt?.();
    this.state = 'closed';
    return { path: this.path, frames: this.framesWritten, width: this.outputWidth, height: this.outputHeight, hasAudio: this.hasAudio };
  }

  /** Probes the finished temporary file: it must be a readable video with the frames written. */
  private async checkWritten(): Promise<void> {
    let reason: string | undefined;
    try {
      const info = await probeMedia(this.partial.path, { countPackets: false });
      if (info.frameCountSource === 'nb_frames' && info.frameCount < this.framesWritten) {
        reason = `the finished file holds ${info.frameCount} of the ${this.framesWritten} frames written`;
      }
    } catch (err) {
      reason = `the finished file is not readable (${(err as Error).message})`;
    }
    if (reason) {
      await this.discard();
      throw new VideoWriteError(this.path, reason);
    }
  }

  /** Stops ffmpeg and deletes the temporary file; the target path is left as it was. Safe to call twice. */
  async abort(): Promise<void> {
    if (this.state === 'closed' || this.state === 'aborted') return;
    this.state = 'aborted';
    await this.discard();
  }

  private async discard(): Promise<void> {
    if (this.state !== 'closed') this.state = 'aborted';
    this.stdin.destroy();
    await this.proc.kill();
    await this.partial.discard();
    this.unregisterInterrupt?.();
  }
}

/** Same as VideoWriter.open. */
export function openVideoWriter(path: string, options: VideoWriterOptions): Promise<VideoWriter> {
  return VideoWriter.open(path, options);
}
