/**
 * Turns ffmpeg's rawvideo rgb24 output on a pipe into RgbImage frames, holding at most about two frames
 * (plus the pipe's own small buffers) whatever the length of the video.
 */
import { performance } from 'node:perf_hooks';
import type { Readable } from 'node:stream';
import { createRgbImage, type RgbImage } from '../image/types.js';
import { describeExit, ffmpegPath, spawnMedia, type MediaProcess } from './ffmpeg.js';

export interface VideoFrame {
  /** 0-based index in the decoded stream (for live input: gaps mean frames were dropped). */
  readonly index: number;
  /** Seconds from the first frame: index / fps for files, capture time for live input. */
  readonly timestamp: number;
  readonly image: RgbImage;
}

export class VideoReadError extends Error {
  constructor(
    readonly path: string,
    reason: string,
    readonly stderrTail = '',
  ) {
    super(`cannot read video ${path}: ${reason}${stderrTail ? `\n${stderrTail.replace(/^/gm, '  ')}` : ''}`);
    this.name = 'VideoReadError';
  }
}

export interface RawFrameOptions {
  /** Names the input in errors (a path or a camera). */
  readonly label: string;
  readonly width: number;
  readonly height: number;
  /** Frame rate of the output, for timestamps; omitted for live input (wall-clock timestamps). */
  readonly fps?: number;
  readonly maxFrames?: number;
  readonly signal?: AbortSignal;
  /**
   * 'wait' (files): ffmpeg is paused through the pipe while the consumer is busy, so no frame is lost.
   * 'latest' (cameras): the pipe is drained continuously and the consumer gets the newest complete frame,
   * older ones are dropped, so a slow consumer sees low latency instead of a growing backlog.
   */
  readonly mode?: 'wait' | 'latest';
}

/**
 * Runs ffmpeg with `args` (which must write rawvideo rgb24 of width×height to pipe:1) and yields frames.
 * Leaving the loop early, or aborting, kills ffmpeg and waits until it is reaped.
 */
export async function* readRawFrames(args: readonly string[], options: RawFrameOptions): AsyncGenerator<VideoFrame, void, undefined> {
  const { signal } = options;
  signal?.throwIfAborted();
  const proc = spawnMedia(ffmpegPath(), args, { stdout: 'pipe' });
  const onAbort = () => void proc.kill();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const frames = options.mode === 'latest' ? latestFrames(proc, options) : consecutiveFrames(proc, options);
    let count = 0;
    for await (const frame of frames) {
      if (signal?.aborted) break;
      yield frame;
      count++;
      if (options.maxFrames !== undefined && count >= options.maxFrames) return;
    }
    const exit = await proc.exited;
    signal?.throwIfAborted();
    if (exit.spawnError) throw exit.spawnError;
    if (exit.code !== 0) throw new VideoReadError(options.label, `ffmpeg ${describeExit(exit)}`, proc.stderrTail());
    if (count === 0) throw new VideoReadError(options.label, 'ffmpeg decoded no frames', proc.stderrTail());
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await proc.kill();
  }
}

/** Cuts a byte stream of raw RGB frames into whole frames, whatever the chunk boundaries. */
class FrameAssembler {
  private frame: Uint8Array;
  private filled = 0;

  constructor(readonly frameSize: number) {
    this.frame = new Uint8Array(frameSize);
  }

  /** Bytes of an incomplete frame held so far. */
  get pending(): number {
    return this.filled;
  }

  /** Takes a chunk and yields each frame it completes (a fresh buffer per frame). */
  *push(bytes: Uint8Array): Generator<Uint8Array> {
    let offset = 0;
    while (offset < bytes.length) {
      const n = Math.min(this.frameSize - this.filled, bytes.length - offset);
      this.frame.set(bytes.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frameSize) {
        const done = this.frame;
        this.frame = new Uint8Array(this.frameSize);
        this.filled = 0;
        yield done;
      }
    }
  }
}

async function* consecutiveFrames(proc: MediaProcess, options: RawFrameOptions): AsyncGenerator<VideoFrame> {
  const assembler = new FrameAssembler(options.width * options.height * 3);
  let index = 0;
  // The stream's async iterator pulls one chunk at a time: while a frame is out with the consumer no more
  // is read, the pipe fills up and ffmpeg blocks on its write.
  for await (const chunk of proc.child.stdout as Readable) {
    for (const data of assembler.push(chunk as Buffer)) {
      const image = createRgbImage(options.width, options.height, data);
      yield { index, timestamp: options.fps ? index / options.fps : 0, image };
      index++;
    }
  }
  if (assembler.pending > 0) {
    const exit = await proc.exited;
    if (exit.code === 0) {
      throw new VideoReadError(options.label, `ffmpeg's output ended inside frame ${index} (${assembler.pending} of ${assembler.frameSize} bytes)`, proc.stderrTail());
    }
  }
}

async function* latestFrames(proc: MediaProcess, options: RawFrameOptions): AsyncGenerator<VideoFrame> {
  const assembler = new FrameAssembler(options.width * options.height * 3);
  const stdout = proc.child.stdout as Readable;
  let captured = 0;
  let start = -1;
  let newest: VideoFrame | undefined;
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  stdout.on('data', (bytes: Buffer) => {
    for (const data of assembler.push(bytes)) {
      const now = performance.now();
      if (start < 0) start = now;
      newest = { index: captured++, timestamp: (now - start) / 1000, image: createRgbImage(options.width, options.height, data) };
      notify();
    }
  });
  // A broken pipe ends the stream; the exit status then tells what went wrong.
  stdout.on('error', () => undefined);
  stdout.once('close', () => {
    ended = true;
    notify();
  });
  try {
    while (true) {
      if (newest) {
        const frame = newest;
        newest = undefined;
        yield frame;
      } else if (ended) {
        return;
      } else {
        await new Promise<void>((resolve) => (wake = resolve));
      }
    }
  } finally {
    stdout.removeAllListeners('data');
    stdout.destroy();
  }
}
