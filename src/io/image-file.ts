/**
 * Reading and writing image files (Node only), through sharp. EXIF orientation is applied on read so a
 * phone portrait comes out upright.
 */
import sharp from 'sharp';
import { extname } from 'node:path';
import { createRgbImage, type RgbImage } from '../image/types.js';
import { writeFileAtomic } from './partial-file.js';

export class ImageReadError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`cannot read image ${path}: ${reason}`);
    this.name = 'ImageReadError';
  }
}

/** Decodes an image file (jpg, png, webp, tiff, avif, gif's first frame…) to 8-bit RGB. */
export async function readImage(path: string): Promise<RgbImage> {
  try {
    const { data, info } = await sharp(path, { failOn: 'error' }).rotate().removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`unexpected channel count ${info.channels}`);
    return createRgbImage(info.width, info.height, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    if (/ENOENT|no such file|missing/i.test(msg)) throw new ImageReadError(path, 'file not found');
    throw new ImageReadError(path, `not a supported or intact image (${msg.split('\n')[0]})`);
  }
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
