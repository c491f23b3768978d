/**
 * The paste-back mask: a square, 255 inside, falling linearly to 0 over the outer 1/32 of the side with
 * rounded corners. Generated here so no resource file is needed; for 512×512 it equals the original's
 * `src/utils/resources/mask_template.png` pixel for pixel (255·(1 − d/16), truncated, where d is the
 * Euclidean distance to the inner square [16, 496]²).
 */
import { createGrayImage, type GrayImage } from './gray.js';
import type { RgbImage } from './types.js';
import { resizeBilinearGray } from './resize.js';

/** Generates the mask for a `size`×`size` crop (the ramp scales with the size; 16 px at 512). */
export function createPasteBackMask(size = 512): GrayImage {
  if (!Number.isInteger(size) || size < 32) throw new RangeError(`Expected an integer mask size >= 32 but received ${size}`);
  const ramp = size / 32;
  const lo = ramp, hi = size - ramp;
  const mask = createGrayImage(size, size);
  const data = mask.data;
  for (let y = 0; y < size; y++) {
    const dy = y < lo ? lo - y : y > hi ? y - hi : 0;
    for (let x = 0; x < size; x++) {
      const dx = x < lo ? lo - x : x > hi ? x - hi : 0;
      const d = dx === 0 ? dy : dy === 0 ? dx : Math.sqrt(dx * dx + dy * dy);
      // The tiny epsilon keeps exact integers (e.g. 127.5 → 127, 255 → 255) from dropping a level to FP noise.
      data[y * size + x] = d >= ramp ? 0 : Math.floor(255 * (1 - d / ramp) + 1e-9);
    }
  }
  return mask;
}

/**
 * A custom mask from a decoded image: the first channel is used (the template is grey), resized to the
 * crop size when it differs.
 */
export function maskFromImage(image: RgbImage, size = 512): GrayImage {
  const grey = createGrayImage(image.width, image.height);
  for (let i = 0, j = 0; i < grey.data.length; i++, j += 3) grey.data[i] = image.data[j];
  return image.width === size && image.height === size ? grey : resizeBilinearGray(grey, size, size);
}
