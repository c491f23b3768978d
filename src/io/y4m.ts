/**
 * YUV4MPEG2 (.y4m) files (Node only): the uncompressed format that Chromium's fake camera
 * (--use-file-for-fake-video-capture) plays, so browser tests can drive the app with a real video.
 */
import { open, stat } from 'node:fs/promises';
import { OptionError, expectInteger } from '../validate.js';
import { mediaFileArg, mediaInputArgs, runFfmpeg } from './ffmpeg.js';
import { parseFrameRate } from './frame-rate.js';
import { createPartialOutput } from './partial-file.js';
import { probeMedia } from './probe.js';
import { scaleFilter } from './video-reader.js';

export interface Y4mOptions {
  /** Frame size (even numbers: 4:2:0 chroma). Default: the video's, made even. */
  readonly width?: number;
  readonly height?: number;
  /** Constant output frame rate; default the video's average rate. */
  readonly fps?: number | string;
  readonly maxFrames?: number;
}

export interface Y4mHeader {
  readonly width: number;
  readonly height: number;
  /** Frame rate as [numerator, denominator]. */
  readonly fps: readonly [number, number];
  /** The C tag, e.g. '420jpeg' ('420' when absent, the format's default). */
  readonly colorspace: string;
  readonly interlacing: string;
  /** Bytes of the header line including its newline. */
  readonly headerBytes: number;
  /** Frames in the file, assuming FRAME lines without parameters (as ffmpeg writes them). */
  readonly frames: number;
}

/**
 * Converts a video to a 4:2:0 .y4m of the given size (scaled to cover it, overflow cropped centrally) and
 * constant frame rate. Written to a temporary file and renamed, like every output.
 */
export async function videoToY4m(src: string, dst: string, options: Y4mOptions = {}): Promise<Y4mHeader> {
  const info = await probeMedia(src);
  const width = expectInteger('width', options.width ?? info.width - (info.width % 2), 2);
  const height = expectInteger('height', options.height ?? info.height - (info.height % 2), 2);
  if (width % 2 || height % 2) throw new OptionError('size', `Expected even width and height for a 4:2:0 .y4m but received ${width}x${height}`);
  const rate = options.fps !== undefined ? parseFrameRate('fps', options.fps).text : info.fpsRational;
  const args = ['-v', 'error', ...mediaInputArgs(src), '-map', '0:v:0', '-an', '-sn', '-dn', '-vf', `fps=${rate}:eof_action=pass,${scaleFilter({ width, height }, 'cover')}`, '-pix_fmt', 'yuv420p'];
  if (options.maxFrames !== undefined) args.push('-frames:v', String(expectInteger('maxFrames', options.maxFrames, 1)));
  const partial = await createPartialOutput(dst);
  args.push('-f', 'yuv4mpegpipe', '-n', mediaFileArg(partial.path));
  try {
    await runFfmpeg(args, `cannot convert ${src} to ${dst}`);
  } catch (err) {
    await partial.discard();
    throw err;
  }
  await partial.commit();
  return readY4mHeader(dst);
}

/** Reads the stream header of a .y4m file and counts its frames from the file size. */
export async function readY4mHeader(path: string): Promise<Y4mHeader> {
  const file = await open(path, 'r');
  let line: string;
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await file.read(buf, 0, buf.length, 0);
    const end = buf.subarray(0, bytesRead).indexOf(0x0a);
    if (end < 0) throw new Error(`${path} is not a YUV4MPEG2 file (no header line)`);
    line = buf.subarray(0, end).toString('latin1');
  } finally {
    await file.close();
  }
  const tokens = line.split(' ');
  if (tokens[0] !== 'YUV4MPEG2') throw new Error(`${path} is not a YUV4MPEG2 file (header '${line.slice(0, 40)}')`);
  const tag = (letter: string) => tokens.find((t) => t.startsWith(letter))?.slice(1);
  const width = Number(tag('W'));
  const height = Number(tag('H'));
  const [num, den] = (tag('F') ?? '25:1').split(':').map(Number);
  const colorspace = tag('C') ?? '420';
  if (!(width > 0 && height > 0)) throw new Error(`${path}: YUV4MPEG2 header without a valid size ('${line}')`);
  if (!colorspace.startsWith('420')) throw new Error(`${path}: only 4:2:0 .y4m files are supported, this one is C${colorspace}`);
  const frameBytes = 'FRAME\n'.length + width * height + 2 * (width / 2) * (height / 2);
  const headerBytes = line.length + 1;
  const size = (await stat(path)).size;
  return { width, height, fps: [num, den], colorspace, interlacing: tag('I') ?? '?', headerBytes, frames: Math.floor((size - headerBytes) / frameBytes) };
}
