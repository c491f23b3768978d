/** Loading a custom paste-back mask from an image file (Node only). */
import { readImage } from './image-file.js';
import { maskFromImage } from '../image/mask.js';
import type { GrayImage } from '../image/gray.js';

/** Reads a mask image (any format readImage decodes); its first channel is used, resized to `size`. */
export async function readMaskImage(path: string, size = 512): Promise<GrayImage> {
  return maskFromImage(await readImage(path), size);
}
