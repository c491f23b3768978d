/** Synthetic images used by the reference vectors (../shared/vectors/*.json describe them in words). */
import { createRgbImage, type RgbImage } from '../../src/image/types.js';

/** "pattern kind 0": R=(3x+y)%256, G=(x+2y)%256, B=((x//8+y//8)%2)*200+20. */
export function pattern0(width: number, height: number): RgbImage {
  const img = createRgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      img.data[o] = (3 * x + y) % 256;
      img.data[o + 1] = (x + 2 * y) % 256;
      img.data[o + 2] = ((Math.floor(x / 8) + Math.floor(y / 8)) % 2) * 200 + 20;
    }
  }
  return img;
}

/** "pattern kind 1": R=x*255//(W-1), G=y*255//(H-1), B=((x//16+y//16)%2)*255. */
export function pattern1(width: number, height: number): RgbImage {
  const img = createRgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      img.data[o] = Math.floor((x * 255) / (width - 1));
      img.data[o + 1] = Math.floor((y * 255) / (height - 1));
      img.data[o + 2] = ((Math.floor(x / 16) + Math.floor(y / 16)) % 2) * 255;
    }
  }
  return img;
}

/** Deterministic pseudo-random RGB noise. */
export function noiseImage(width: number, height: number, seed = 1): RgbImage {
  const img = createRgbImage(width, height);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < img.data.length; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    img.data[i] = (s >>> 0) & 255;
  }
  return img;
}

/** Largest and mean absolute difference between two equally sized byte arrays. */
export function diffStats(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  if (a.length !== b.length) throw new RangeError(`length mismatch ${a.length} vs ${b.length}`);
  let max = 0, sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}
