/**
 * Streaming video decoding (Node only): frames come out of ffmpeg one at a time as RgbImage, so memory
 * does not grow with the length of the video.
 *
 * Frame timing: the output is always constant-frame-rate at the probed average rate (or the requested
 * `fps`), made by ffmpeg's fps filter, which duplicates or drops frames of a variable-frame-rate input.
 * Frame i is at i / fps seconds. This matches how LivePortrait uses a driving video (one motion per
 * frame, written back at the driving fps), and keeps audio muxed from the same file in sync.
 *
 * Rotation: ffmpeg applies the display-matrix rotation while decoding (its default), so frames are
 * upright and have the display size that probeMedia reports.
 */
import { expectInteger } from '../validate.js';
import { parseFrameRate } from './frame-rate.js';
import { probeMedia, type MediaInfo } from './probe.js';
import { mediaInputArgs } from './ffmpeg.js';
import { VideoReadError, readRawFrames, type VideoFrame } from './raw-frames.js';

export { VideoReadError, type VideoFrame } from './raw-frames.js';

export interface FrameSize {
  readonly width: number;
  readonly height: number;
}

export interface VideoReadOptions {
  /** Stop after this many frames (ffmpeg is stopped too). */
  readonly maxFrames?: number;
  /** Resample to this constant frame rate (number or 'num/den'); default: the video's average rate. */
  readonly fps?: number | string;
  /** Scale frames to this size. */
  readonly size?: FrameSize;
  /** How `size` is reached: 'stretch' (default) scales to exactly that size; 'cover' keeps the aspect ratio and crops the overflow centrally. */
  readonly fit?: 'stretch' | 'cover';
  readonly signal?: AbortSignal;
  /** Fail (instead of warning) when fewer frames decode than the file states. */
  readonly strict?: boolean;
  /** Receives warnings such as a truncated video (once per reader). */
  readonly onWarning?: (message: string) => void;
}

export interface VideoReader extends AsyncIterable<VideoFrame> {
  readonly info: MediaInfo;
  /** Size of the frames that will be yielded. */
  readonly width: number;
  readonly height: number;
  /** Frame rate of the yielded frames. */
  readonly fps: number;
  readonly fpsRational: string;
  /** How many frames iteration should yield, from the probe (exact for ordinary constant-rate files). */
  readonly expectedFrames: number;
  /** Starts a decoding pass; each call (and each for-await over the reader) starts a new one. */
  frames(signal?: AbortSignal): AsyncGenerator<VideoFrame, void, undefined>;
}

/** Scale (and optional central crop) filter that yields exactly width×height. */
export function scaleFilter(size: FrameSize, fit: 'stretch' | 'cover' = 'stretch'): string {
  const { width, height } = size;
  if (fit === 'cover') return `scale=${width}:${height}:force_original_aspect_ratio=increase:flags=bicubic,crop=${width}:${height},setsar=1`;
  return `scale=${width}:${height}:flags=bicubic,setsar=1`;
}

/** Probes `path` and prepares to decode it; nothing is decoded until the frames are iterated. */
export async function openVideoReader(path: string, options: VideoReadOptions = {}): Promise<VideoReader> {
  if (options.maxFrames !== undefined) expectInteger('maxFrames', options.maxFrames, 1);
  if (options.size) {
    expectInteger('size.width', options.size.width, 1);
    expectInteger('size.height', options.size.height, 1);
  }
  const rate = options.fps !== undefined ? parseFrameRate('fps', options.fps) : undefined;
  const info = await probeMedia(path);
  const fps = rate?.value ?? info.fps;
  const fpsRational = rate?.text ?? info.fpsRational;
  const width = options.size?.width ?? info.width;
  const height = options.size?.height ?? info.height;

  let expectedFrames = info.frameCount;
  if (rate && !info.isImage && Number.isFinite(info.duration)) expectedFrames = Math.max(1, Math.round(info.duration * fps));
  if (options.maxFrames !== undefined) expectedFrames = Math.min(expectedFrames, options.maxFrames);

  // eof_action=pass: the fps filter would otherwise drop a last frame whose timestamp rounds past the
  // end (352 frames at 30000/1001 in a 600 timescale decode as 351).
  const filters = [`fps=${fpsRational}:eof_action=pass`];
  if (options.size) filters.push(scaleFilter(options.size, options.fit));
  const args = ['-hide_banner', '-nostdin', '-v', 'error', ...mediaInputArgs(path), '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', filters.join(',')];
  if (options.maxFrames !== undefined) args.push('-frames:v', String(options.maxFrames));
  args.push('-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1');

  // A frame count the container states (not an estimate) is checked against what decodes.
  const checkCount = !rate && (info.frameCountSource === 'nb_frames' || info.frameCountSource === 'packets');
  let warned = false;
  const frames = async function* (signal = options.signal): AsyncGenerator<VideoFrame, void, undefined> {
    let decoded = 0;
    for await (const frame of readRawFrames(args, { label: path, width, height, fps, maxFrames: options.maxFrames, signal, mode: 'wait' })) {
      yield frame;
      decoded++;
    }
    if (!checkCount || decoded >= expectedFrames - 1) return;
    const message = `decoded ${decoded} of the ${expectedFrames} frames ${path} states: the video is truncated or damaged`;
    if (options.strict) throw new VideoReadError(path, `${message} (--strict)`);
    if (!warned) options.onWarning?.(`${message}; continuing with ${decoded} frames (--strict makes this an error)`);
    warned = true;
  };
  return { info, width, height, fps, fpsRational, expectedFrames, frames, [Symbol.asyncIterator]: () => frames() };
}

/** Decodes the frames of a video (or a single image) one at a time; see openVideoReader for details. */
export async function* readVideoFrames(path: string, options: VideoReadOptions = {}): AsyncGenerator<VideoFrame, void, undefined> {
  const reader = await openVideoReader(path, options);
  yield* reader.frames();
}
