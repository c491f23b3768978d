/**
 * Paste-back: put the rendered crop back into the full source frame through the inverse crop transform,
 * feathered by the mask (the original's `prepare_paste_back` + `paste_back`):
 *
 *   mask_ori = warpAffine(mask, M_c2o, (W, H)) / 255
 *   result   = warpAffine(render, M_c2o, (W, H))
 *   out      = uint8(clip(mask_ori·result + (1 − mask_ori)·source, 0, 255))   (truncation)
 *
 * The mask and the per-pixel sampling positions depend only on M_c2o and the frame size, so they are
 * computed once per source (`preparePasteBack`); each frame then only touches the pixels where the mask
 * is non-zero and copies the rest of the source. Arithmetic follows OpenCV's fixed-point warp and numpy's
 * float32 blend, so frames match the original to ±1–2 grey levels.
 */
import type { AffineLike } from '../math/affine.js';
import type { GrayFloatImage, RgbImage } from './types.js';
import { createRgbImage } from './types.js';
import type { GrayImage } from './gray.js';
import { FIXED_SHIFT, FixedPointMap } from './warp.js';

export interface PasteBackPlan {
  /** Frame size the plan was made for. */
  readonly width: number;
  readonly height: number;
  /** Size of the render (= mask size) the plan samples. */
  readonly cropWidth: number;
  readonly cropHeight: number;
  /** Bounding box [x1, y1, x2, y2) of the non-zero mask in the frame, or undefined if it misses the frame. */
  readonly box: [number, number, number, number] | undefined;
  /** Number of frame pixels the render contributes to. */
  readonly count: number;
  /** Per contributing pixel: frame pixel index (y·W + x). */
  readonly pixel: Int32Array;
  /** Per contributing pixel: integer source position in the render and its 1/32-pixel fractions. */
  readonly srcX: Int32Array;
  readonly srcY: Int32Array;
  readonly fracX: Uint8Array;
  readonly fracY: Uint8Array;
  /** Per contributing pixel: mask value m = mask/255 (float32) and 1 − m (float32). */
  readonly alpha: Float32Array;
  readonly oneMinusAlpha: Float32Array;
}

const f32 = Math.fround;

/**
 * Warps the crop-space mask into the frame once and records, for every frame pixel it covers, where to
 * sample the render. `cropToFrame` is M_c2o (2x3 or 3x3).
 */
export function preparePasteBack(mask: GrayImage, cropToFrame: AffineLike, width: number, height: number): PasteBackPlan {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`Expected a positive integer frame size but received ${width}x${height}`);
  }
  const mw = mask.width, mh = mask.height, m = mask.data;
  // Only frame pixels inside the transformed crop square can see the mask; scan just that region.
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const [cx, cy] of [[-1, -1], [mw, -1], [mw, mh], [-1, mh]]) {
    const fx = cropToFrame[0] * cx + cropToFrame[1] * cy + cropToFrame[2];
    const fy = cropToFrame[3] * cx + cropToFrame[4] * cy + cropToFrame[5];
    x1 = Math.min(x1, fx);
    y1 = Math.min(y1, fy);
    x2 = Math.max(x2, fx);
    y2 = Math.max(y2, fy);
  }
  const rx1 = Math.max(0, Math.floor(x1) - 1), ry1 = Math.max(0, Math.floor(y1) - 1);
  const rx2 = Math.min(width, Math.ceil(x2) + 2), ry2 = Math.min(height, Math.ceil(y2) + 2);

  const cap = Math.max(0, (rx2 - rx1) * (ry2 - ry1));
  const pixel = new Int32Array(cap), srcX = new Int32Array(cap), srcY = new Int32Array(cap);
  const fracX = new Uint8Array(cap), fracY = new Uint8Array(cap);
  const alpha = new Float32Array(cap), oneMinusAlpha = new Float32Array(cap);
  let n = 0;
  let bx1 = width, by1 = height, bx2 = 0, by2 = 0;
  if (cap > 0) {
    const map = new FixedPointMap(cropToFrame, width);
    const { dx, dy } = map;
    const w1 = mw - 1, h1 = mh - 1;
    for (let y = ry1; y < ry2; y++) {
      const X0 = map.rowX(y), Y0 = map.rowY(y);
      for (let x = rx1; x < rx2; x++) {
        const X = (X0 + dx[x]) >> FIXED_SHIFT;
        const Y = (Y0 + dy[x]) >> FIXED_SHIFT;
        const sx = X >> 5, sy = Y >> 5;
        if (sx >= mw || sx + 1 < 0 || sy >= mh || sy + 1 < 0) continue;
        const fx = X & 31, fy = Y & 31;
        let v: number;
        if (sx >= 0 && sy >= 0 && sx < w1 && sy < h1) {
          const i = sy * mw + sx;
          v = (m[i] * (32 - fx) * (32 - fy) + m[i + 1] * fx * (32 - fy) + m[i + mw] * (32 - fx) * fy + m[i + mw + 1] * fx * fy + 512) >> 10;
        } else {
          const px = (cx: number, cy: number): number => (cx >= 0 && cy >= 0 && cx < mw && cy < mh ? m[cy * mw + cx] : 0);
          v = (px(sx, sy) * (32 - fx) * (32 - fy) + px(sx + 1, sy) * fx * (32 - fy) + px(sx, sy + 1) * (32 - fx) * fy + px(sx + 1, sy + 1) * fx * fy + 512) >> 10;
        }
        if (v === 0) continue;
        pixel[n] = y * width + x;
        srcX[n] = sx;
        srcY[n] = sy;
        fracX[n] = fx;
        fracY[n] = fy;
        const a = f32(v / 255);
        alpha[n] = a;
        oneMinusAlpha[n] = f32(1 - a);
        n++;
        if (x < bx1) bx1 = x;
        if (x >= bx2) bx2 = x + 1;
        if (y < by1) by1 = y;
        if (y >= by2) by2 = y + 1;
      }
    }
  }
  return {
    width,
    height,
    cropWidth: mw,
    cropHeight: mh,
    box: n > 0 ? [bx1, by1, bx2, by2] : undefined,
    count: n,
    pixel: pixel.slice(0, n),
    srcX: srcX.slice(0, n),
    srcY: srcY.slice(0, n),
    fracX: fracX.slice(0, n),
    fracY: fracY.slice(0, n),
    alpha: alpha.slice(0, n),
    oneMinusAlpha: oneMinusAlpha.slice(0, n),
  };
}

/** The warped mask in [0, 1] over the whole frame (mask_ori of the original, one channel). */
export function pasteBackMask(plan: PasteBackPlan): GrayFloatImage {
  const data = new Float32Array(plan.width * plan.height);
  for (let i = 0; i < plan.count; i++) data[plan.pixel[i]] = plan.alpha[i];
  return { width: plan.width, height: plan.height, data };
}

/**
 * Blends `render` (the crop-sized output) into `source` using a prepared plan. Writes into `out` when
 * given (it may be `source` itself), else into a new image. Pixels outside the mask are the source's.
 */
export function pasteBack(source: RgbImage, render: RgbImage, plan: PasteBackPlan, out?: RgbImage): RgbImage {
  if (source.width !== plan.width || source.height !== plan.height) {
    throw new RangeError(`paste-back plan was made for ${plan.width}x${plan.height} but the source is ${source.width}x${source.height}`);
  }
  if (render.width !== plan.cropWidth || render.height !== plan.cropHeight) {
    throw new RangeError(`paste-back plan expects a ${plan.cropWidth}x${plan.cropHeight} render but received ${render.width}x${render.height}`);
  }
  const dst = out ?? createRgbImage(source.width, source.height);
  if (dst.width !== source.width || dst.height !== source.height) throw new RangeError('output image size does not match the source');
  if (dst.data !== source.data) dst.data.set(source.data);
  const s = source.data, r = render.data, d = dst.data;
  const rw = render.width, rh = render.height, rstep = rw * 3, w1 = rw - 1, h1 = rh - 1;
  const { pixel, srcX, srcY, fracX, fracY, alpha, oneMinusAlpha } = plan;
  for (let k = 0; k < plan.count; k++) {
    const sx = srcX[k], sy = srcY[k], fx = fracX[k], fy = fracY[k];
    const w00 = (32 - fx) * (32 - fy), w01 = fx * (32 - fy), w10 = (32 - fx) * fy, w11 = fx * fy;
    const a = alpha[k], b = oneMinusAlpha[k];
    const o = pixel[k] * 3;
    if (sx >= 0 && sy >= 0 && sx < w1 && sy < h1) {
      const i0 = sy * rstep + sx * 3, i1 = i0 + rstep;
      for (let c = 0; c < 3; c++) {
        const warped = (r[i0 + c] * w00 + r[i0 + 3 + c] * w01 + r[i1 + c] * w10 + r[i1 + 3 + c] * w11 + 512) >> 10;
        const v = f32(f32(a * warped) + f32(b * s[o + c]));
        d[o + c] = v >= 255 ? 255 : v;
      }
    } else {
      const x0ok = sx >= 0 && sx < rw, x1ok = sx + 1 >= 0 && sx + 1 < rw;
      const y0ok = sy >= 0 && sy < rh, y1ok = sy + 1 >= 0 && sy + 1 < rh;
      const i0 = sy * rstep + sx * 3, i1 = i0 + rstep;
      for (let c = 0; c < 3; c++) {
        const v00 = x0ok && y0ok ? r[i0 + c] : 0;
        const v01 = x1ok && y0ok ? r[i0 + 3 + c] : 0;
        const v10 = x0ok && y1ok ? r[i1 + c] : 0;
        const v11 = x1ok && y1ok ? r[i1 + 3 + c] : 0;
        const warped = (v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11 + 512) >> 10;
        const v = f32(f32(a * warped) + f32(b * s[o + c]));
        d[o + c] = v >= 255 ? 255 : v;
      }
    }
  }
  return dst;
}
