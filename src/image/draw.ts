/** Minimal drawing on RgbImage for debug output (landmarks, boxes). Draws in place and returns the image. */
import { createRgbImage, type RgbImage } from './types.js';

export type Rgb = readonly [number, number, number];

export function copyImage(image: RgbImage): RgbImage {
  return createRgbImage(image.width, image.height, image.data.slice());
}

function put(image: RgbImage, x: number, y: number, color: Rgb): void {
  if (x < 0 || y < 0 || x >= image.width || y >= image.height) return;
  const o = (y * image.width + x) * 3;
  image.data[o] = color[0];
  image.data[o + 1] = color[1];
  image.data[o + 2] = color[2];
}

/** Filled discs of `radius` pixels at interleaved points (x0, y0, x1, y1, …). */
export function drawPoints(image: RgbImage, points: ArrayLike<number>, color: Rgb = [0, 255, 0], radius = 2): RgbImage {
  const r2 = radius * radius;
  for (let i = 0; i + 1 < points.length; i += 2) {
    const cx = Math.round(points[i]), cy = Math.round(points[i + 1]);
    if (!Number.isFinite(cx) || !Number.isFinite(cy)) continue;
    for (let dy = -radius; dy <= radius; dy++) {
      for (let dx = -radius; dx <= radius; dx++) if (dx * dx + dy * dy <= r2) put(image, cx + dx, cy + dy, color);
    }
  }
  return image;
}

/** A straight line (Bresenham). */
export function drawLine(image: RgbImage, x0: number, y0: number, x1: number, y1: number, color: Rgb = [255, 0, 0]): RgbImage {
  let x = Math.round(x0), y = Math.round(y0);
  const xe = Math.round(x1), ye = Math.round(y1);
  if (![x, y, xe, ye].every(Number.isFinite)) return image;
  const dx = Math.abs(xe - x), dy = -Math.abs(ye - y);
  const sx = x < xe ? 1 : -1, sy = y < ye ? 1 : -1;
  let err = dx + dy;
  // Bounded by the line length; clipping happens per pixel.
  for (let steps = 0; steps <= dx - dy; steps++) {
    put(image, x, y, color);
    if (x === xe && y === ye) break;
    const e2 = 2 * err;
    if (e2 >= dy) {
      err += dy;
      x += sx;
    }
    if (e2 <= dx) {
      err += dx;
      y += sy;
    }
  }
  return image;
}

/** The outline of an axis-aligned box [x1, y1, x2, y2]. */
export function drawBox(image: RgbImage, box: readonly [number, number, number, number], color: Rgb = [255, 0, 0]): RgbImage {
  const [x1, y1, x2, y2] = box;
  drawLine(image, x1, y1, x2, y1, color);
  drawLine(image, x2, y1, x2, y2, color);
  drawLine(image, x2, y2, x1, y2, color);
  drawLine(image, x1, y2, x1, y1, color);
  return image;
}

/** A closed polygon through interleaved points (e.g. the four corners of a rotated crop). */
export function drawPolygon(image: RgbImage, points: ArrayLike<number>, color: Rgb = [255, 0, 0]): RgbImage {
  const n = Math.floor(points.length / 2);
  for (let i = 0; i < n; i++) {
    const j = (i + 1) % n;
    drawLine(image, points[2 * i], points[2 * i + 1], points[2 * j], points[2 * j + 1], color);
  }
  return image;
}
