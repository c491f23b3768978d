/**
 * Reading and writing image files (Node only), through sharp. EXIF orientation is applied on read so a
 * phone portrait comes out upright.
 */
import sharp from 'sharp';
import { extname } from 'node:path';
import { createRgbImage, type RgbImage } from '../image/types.js';
import { DEFAULTS } from '../settings.js';
import { describeExit, ffmpegPath, mediaInputArgs, spawnMedia } from './ffmpeg.js';
import { ImageReadError, checkInputFile, checkPixelLimit, sharpHeader } from './input-file.js';
import { writeFileAtomic } from './partial-file.js';
import { probeMedia } from './probe.js';

export { ImageReadError } from './input-file.js';

/**
 * Decodes an image file (jpg, png, webp, tiff, avif, gif's and animated WebP's first frame…) to 8-bit
 * RGB; formats sharp lacks (BMP and others ffmpeg reads as a still image) are decoded by ffmpeg. FIFOs,
 * devices and images over DEFAULTS.source.maxInputPixels are refused before decoding.
 */
export async function readImage(path: string): Promise<RgbImage> {
  await checkInputFile(path);
  const header = await sharpHeader(path);
  if (!header) return readImageWithFfmpeg(path);
  checkPixelLimit(path, header.width, header.height);
  try {
    const { data, info } = await sharp(path, { failOn: 'error', limitInputPixels: DEFAULTS.source.maxInputPixels })
      .rotate()
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return createRgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    throw new ImageReadError(path, `not a supported or intact image (${msg.split('\n')[0].slice(0, 120)})`);
  }
}

/** The first frame of a still image ffmpeg can decode and sharp cannot (BMP, PPM, TGA…). */
async function readImageWithFfmpeg(path: string): Promise<RgbImage> {
  const info = await probeMedia(path).catch(() => undefined);
  if (info && !info.isImage) throw new ImageReadError(path, 'it is a video, not an image');
  if (!info) throw new ImageReadError(path, 'not a supported or intact image');
  checkPixelLimit(path, info.width, info.height);
  const proc = spawnMedia(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', ...mediaInputArgs(path), '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1']);
  const chunks: Buffer[] = [];
  proc.child.stdout?.on('data', (chunk: Buffer) => chunks.push(chunk));
  const exit = await proc.exited;
  const bytes = Buffer.concat(chunks);
  const expected = info.width * info.height * 3;
  if (exit.spawnError) throw exit.spawnError;
  if (exit.code !== 0 || bytes.length !== expected) {
    throw new ImageReadError(path, `not a supported or intact image (ffmpeg ${exit.code !== 0 ? describeExit(exit) : `gave ${bytes.length} bytes, expected ${expected}`})`);
  }
  return createRgbImage(info.width, info.height, new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}

/** Decodes an in-memory encoded image. */
export async function decodeImage(bytes: Uint8Array, label = 'image'): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(bytes, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return createRgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch (err) {
    throw new ImageReadError(label, `not a supported or intact image (${err instanceof Error ? err.message : String(err)})`);
  }
}

export type ImageFormat = 'png' | 'jpg' | 'webp';

export function imageFormatFromPath(path: string): ImageFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.png') return 'png';
  if (ext === '.jpg' || ext === '.jpeg') return 'jpg';
  if (ext === '.webp') return 'webp';
  throw new RangeError(`Expected an output image path ending in .png, .jpg, .jpeg or .webp but received '${path}'`);
}

/** Encodes an RGB image to bytes. */
export async function encodeImage(image: RgbImage, format: ImageFormat, quality = 95): Promise<Buffer> {
  const s = sharp(Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength), {
    raw: { width: image.width, height: image.height, channels: 3 },
  });
  if (format === 'png') return s.png().toBuffer();
  if (format === 'webp') return s.webp({ quality }).toBuffer();
  return s.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
}

/**
 * Writes an image atomically: encoded to a temporary file beside the target, then renamed, so a failed
 * or interrupted write never leaves a file that looks finished.
 */
export async function writeImage(path: string, image: RgbImage, quality = 95): Promise<void> {
  const bytes = await encodeImage(image, imageFormatFromPath(path), quality);
  await writeFileAtomic(path, bytes);
}
