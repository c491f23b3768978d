/** Debug pictures of a crop: the landmarks (and optionally a box) drawn on a copy of the crop. */
import type { Box } from '../math/crop.js';
import type { RgbImage } from '../image/types.js';
import { copyImage, drawBox, drawPoints } from '../image/draw.js';

/**
 * A copy of `crop` with `landmarksInCrop` (interleaved, crop pixels) drawn as green dots and `box`
 * (crop pixels) as a red rectangle. Map image landmarks into the crop with `transformPoints(M_o2c, …)`.
 */
export function drawDebugCrop(crop: RgbImage, landmarksInCrop: ArrayLike<number>, box?: Box): RgbImage {
  const out = copyImage(crop);
  if (box) drawBox(out, box, [255, 0, 0]);
  drawPoints(out, landmarksInCrop, [0, 255, 0], Math.max(1, Math.round(crop.width / 256)));
  return out;
}
