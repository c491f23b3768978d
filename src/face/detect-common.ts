/** Pieces shared by the detectors: letterboxing, non-maximum suppression, mapping back to the image. */
import type { RgbImage } from '../image/types.js';
import { createRgbImage } from '../image/types.js';
import { resizeBilinear } from '../image/resize.js';
import type { Face } from './types.js';
import { sortLargestFirst } from './types.js';

export interface Letterbox {
  /** size×size image: the input resized keeping its aspect ratio, padded with black right and bottom. */
  readonly image: RgbImage;
  /** input pixel · scale = letterbox pixel. */
  readonly scale: number;
}

/** InsightFace-style letterbox: the long side becomes `size`, the rest is zero padding on the right/bottom. */
export function letterbox(image: RgbImage, size: number): Letterbox {
  const ratio = image.height / image.width;
  let w: number, h: number;
  if (ratio > 1) {
    h = size;
    w = Math.max(1, Math.trunc(size / ratio));
  } else {
    w = size;
    h = Math.max(1, Math.trunc(size * ratio));
  }
  const scale = h / image.height;
  const resized = w === image.width && h === image.height ? image : resizeBilinear(image, w, h);
  const out = createRgbImage(size, size);
  for (let y = 0; y < h; y++) out.data.set(resized.data.subarray(y * w * 3, (y + 1) * w * 3), y * size * 3);
  return { image: out, scale };
}

function iou(a: Face, b: Face): number {
  const ix1 = Math.max(a.box[0], b.box[0]), iy1 = Math.max(a.box[1], b.box[1]);
  const ix2 = Math.min(a.box[2], b.box[2]), iy2 = Math.min(a.box[3], b.box[3]);
  const inter = Math.max(0, ix2 - ix1) * Math.max(0, iy2 - iy1);
  const areaA = (a.box[2] - a.box[0]) * (a.box[3] - a.box[1]);
  const areaB = (b.box[2] - b.box[0]) * (b.box[3] - b.box[1]);
  const union = areaA + areaB - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression by score: drops a box overlapping a better one by IoU > `threshold`. */
export function nonMaxSuppression(faces: Face[], threshold: number): Face[] {
  const sorted = [...faces].sort((a, b) => b.score - a.score);
  const kept: Face[] = [];
  for (const f of sorted) if (kept.every((k) => iou(k, f) <= threshold)) kept.push(f);
  return kept;
}

/** Divides letterbox coordinates by the letterbox scale, runs NMS, sorts largest first. */
export function finishDetections(candidates: Face[], scale: number, nmsIou: number, topK = Infinity): Face[] {
  const kept = nonMaxSuppression(candidates, nmsIou).slice(0, topK);
  const mapped = kept.map<Face>((f) => ({
    box: [f.box[0] / scale, f.box[1] / scale, f.box[2] / scale, f.box[3] / scale],
    score: f.score,
    keypoints5: f.keypoints5.map((v) => v / scale),
  }));
  return sortLargestFirst(mapped);
}
