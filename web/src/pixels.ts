/** Conversions between browser pixels (RGBA) and the library's RgbImage (RGB interleaved). */
import type { RgbImage } from '../../src/image/types.js';

export function rgbaToRgb(rgba: Uint8ClampedArray, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; j < data.length; i += 4, j += 3) {
    data[j] = rgba[i];
    data[j + 1] = rgba[i + 1];
    data[j + 2] = rgba[i + 2];
  }
  return { width, height, data };
}

export function rgbToImageData(image: RgbImage): ImageData {
  const rgba = new Uint8ClampedArray(image.width * image.height * 4);
  const src = image.data;
  for (let i = 0, j = 0; j < src.length; i += 4, j += 3) {
    rgba[i] = src[j];
    rgba[i + 1] = src[j + 1];
    rgba[i + 2] = src[j + 2];
    rgba[i + 3] = 255;
  }
  return new ImageData(rgba, image.width, image.height);
}

/** Reads a bitmap's pixels (closes the bitmap). Works in a worker through OffscreenCanvas. */
export function bitmapToRgb(bitmap: ImageBitmap): RgbImage {
  const { width, height } = bitmap;
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('OffscreenCanvas 2D context is not available');
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  return rgbaToRgb(ctx.getImageData(0, 0, width, height).data, width, height);
}
