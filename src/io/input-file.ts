/**
 * What an input path holds, decided once before anything opens it (Node only): a regular file that is an
 * image (sharp, or ffmpeg for BMP and other formats sharp lacks) or a video (ffprobe). FIFOs, devices,
 * folders and empty files are refused here with one line, instead of hanging a reader or being reported
 * as "not a readable video".
 */
import { stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { extname } from 'node:path';
import sharp from 'sharp';
import { DEFAULTS } from '../settings.js';
import { MediaNotFoundError, MediaReadError, probeMedia, type MediaInfo } from './probe.js';

export class InputFileError extends Error {
  constructor(
    /** The CLI flag the path was given to, when known. */
    readonly flag: string | undefined,
    readonly path: string,
    problem: string,
  ) {
    super(`${flag ? `${flag} ` : ''}${path}${problem}`);
    this.name = 'InputFileError';
  }
}

/** Pixel-limit and decoding problems of an image (crop, source, driving image, --from). */
export class ImageReadError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot read image ${path}: ${reason}`);
    this.name = 'ImageReadError';
  }
}

function kindOf(st: Stats): string | undefined {
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'a directory, not a file';
  if (st.isFIFO()) return 'a FIFO (named pipe), not a regular file';
  if (st.isCharacterDevice()) return 'a character device, not a regular file';
  if (st.isBlockDevice()) return 'a block device, not a regular file';
  if (st.isSocket()) return 'a socket, not a regular file';
  return 'not a regular file';
}

/**
 * Refuses a path that is missing, not a regular file (a FIFO or device would make a reader wait forever)
 * or empty. `flag` names the CLI option in the message.
 */
export async function checkInputFile(path: string, flag?: string): Promise<Stats> {
  let st: Stats;
  try {
    st = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new InputFileError(flag, path, ': file not found');
    if (code === 'EACCES') throw new InputFileError(flag, path, ': permission denied');
    throw new InputFileError(flag, path, `: cannot be read (${code ?? (err as Error).message})`);
  }
  const kind = kindOf(st);
  if (kind) throw new InputFileError(flag, path, ` is ${kind}`);
  if (st.size === 0) throw new InputFileError(flag, path, ': the file is empty (0 bytes)');
  return st;
}

/** Refuses an image larger than DEFAULTS.source.maxInputPixels before it is decoded. */
export function checkPixelLimit(path: string, width: number, height: number): void {
  const limit = DEFAULTS.source.maxInputPixels;
  if (width * height > limit) {
    const side = Math.floor(Math.sqrt(limit));
    throw new ImageReadError(path, `${width}x${height} pixels, over the input pixel limit of ${limit} pixels (${side}x${side})`);
  }
}

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.bmp', '.tif', '.tiff', '.gif', '.avif', '.heic', '.heif', '.jxl', '.jp2', '.ppm', '.pgm', '.pnm', '.tga', '.qoi']);
const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.avi', '.flv', '.wmv', '.mpg', '.mpeg', '.ts', '.mts', '.m2ts', '.3gp', '.ogv', '.y4m']);

export interface ImageInput {
  readonly kind: 'image';
  readonly path: string;
  readonly width: number;
  readonly height: number;
  /** sharp's format name ('jpeg', 'png', 'webp', 'gif', 'heif', 'tiff'…) or ffmpeg's codec ('bmp'…). */
  readonly format: string;
  /** Frames in the file: above 1 for an animated GIF or WebP (its first frame is the image). */
  readonly pages: number;
  /** Decoded by ffmpeg because sharp cannot (BMP and other formats). */
  readonly viaFfmpeg: boolean;
}

export interface VideoInput {
  readonly kind: 'video';
  readonly path: string;
  readonly info: MediaInfo;
}

export type MediaInput = ImageInput | VideoInput;

/** Header-only look at an image through sharp; undefined when sharp does not know the format. */
export async function sharpHeader(path: string): Promise<{ format: string; width: number; height: number; pages: number } | undefined> {
  try {
    const m = await sharp(path, { limitInputPixels: false }).metadata();
    if (!m.format || !m.width || !m.height) return undefined;
    return { format: m.format, width: m.width, height: m.height, pages: m.pages ?? 1 };
  } catch {
    return undefined;
  }
}

/**
 * Whether `path` is an image or a video, with messages that say which problem it has: an image that
 * cannot be decoded is an image problem, a file that is neither says so. `flag` names the CLI option.
 */
export async function inspectMedia(path: string, flag?: string): Promise<MediaInput> {
  await checkInputFile(path, flag);
  const header = await sharpHeader(path);
  if (header) {
    checkPixelLimit(path, header.width, header.height);
    return { kind: 'image', path, ...header, viaFfmpeg: false };
  }
  let info: MediaInfo;
  try {
    info = await probeMedia(path);
  } catch (err) {
    if (err instanceof MediaNotFoundError) throw new InputFileError(flag, path, ': file not found');
    if (!(err instanceof MediaReadError)) throw err;
    const ext = extname(path).toLowerCase();
    if (IMAGE_EXTENSIONS.has(ext)) throw new ImageReadError(path, 'not a supported or intact image');
    if (VIDEO_EXTENSIONS.has(ext)) throw err;
    throw new InputFileError(flag, path, ' is neither a readable image nor a video');
  }
  if (info.isImage) {
    checkPixelLimit(path, info.width, info.height);
    return { kind: 'image', path, width: info.width, height: info.height, format: info.videoCodec, pages: 1, viaFfmpeg: true };
  }
  return { kind: 'video', path, info };
}

/** "an animated GIF" / "an animated WebP" for messages. */
export function animatedName(format: string): string {
  return format === 'gif' ? 'an animated GIF' : `an animated ${format === 'webp' ? 'WebP' : format.toUpperCase()}`;
}
