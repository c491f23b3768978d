/**
 * Affine warps with OpenCV's `cv2.warpAffine(src, M, (w, h), INTER_LINEAR, BORDER_CONSTANT 0)` semantics:
 * `M` maps SOURCE pixel coordinates to DESTINATION coordinates (as the crop matrix M_o2c maps the image to
 * the crop); the warp inverts it and, for each destination pixel, samples the source bilinearly. Pixels
 * whose source lies outside the image read 0.
 *
 * The 8-bit warps reproduce OpenCV's fixed-point arithmetic: the source position is quantised to 1/32
 * pixel (INTER_BITS = 5, computed incrementally with 10 fractional bits per row) and the bilinear weights
 * are integers summing to 1024, rounded on output. This makes crops match the original to ±1 grey level.
 */
import type { AffineLike } from '../math/affine.js';
import type { GrayFloatImage, RgbImage } from './types.js';
import type { GrayImage } from './gray.js';

const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const INTER_BITS = 5;
const INTER_TAB_SIZE = 1 << INTER_BITS;
const ROUND_DELTA = AB_SCALE / INTER_TAB_SIZE / 2;
/** Keeps fixed-point sums inside int32; anything this far away is outside every image anyway. */
const FIXED_LIMIT = 1 << 29;

/** OpenCV's saturate_cast<int>(double): round half to even, clamped. */
function cvRound(v: number): number {
  if (!(v > -FIXED_LIMIT)) return -FIXED_LIMIT;
  if (!(v < FIXED_LIMIT)) return FIXED_LIMIT;
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The destination→source matrix, inverted as OpenCV's warpAffine does (double precision). */
export function invertForWarp(m: AffineLike): Float64Array {
  if (m.length !== 6 && m.length !== 9) throw new RangeError(`Expected a 2x3 or 3x3 warp matrix but received ${m.length} values`);
  let d = m[0] * m[4] - m[1] * m[3];
  d = d !== 0 ? 1 / d : 0;
  const a11 = m[4] * d, a22 = m[0] * d;
  const a12 = -m[1] * d, a21 = -m[3] * d;
  const b1 = -a11 * m[2] - a12 * m[5];
  const b2 = -a21 * m[2] - a22 * m[5];
  return Float64Array.of(a11, a12, b1, a21, a22, b2);
}

/**
 * Per-destination-pixel source positions in OpenCV's fixed point. For row y and column x,
 * `X = (rowX(y) + dx[x]) >> 5` is the source x in 1/32 pixel (integer part X >> 5, fraction X & 31),
 * likewise for Y.
 */
export class FixedPointMap {
  /** Destination→source matrix. */
  readonly inverse: Float64Array;
  readonly dx: Int32Array;
  readonly dy: Int32Array;

  constructor(sourceToDest: AffineLike, dstWidth: number) {
    const im = invertForWarp(sourceToDest);
    this.inverse = im;
    this.dx = new Int32Array(dstWidth);
    this.dy = new Int32Array(dstWidth);
    for (let x = 0; x < dstWidth; x++) {
      this.dx[x] = cvRound(im[0] * x * AB_SCALE);
      this.dy[x] = cvRound(im[3] * x * AB_SCALE);
    }
  }

  rowX(y: number): number {
    return cvRound((this.inverse[1] * y + this.inverse[2]) * AB_SCALE) + ROUND_DELTA;
  }

  rowY(y: number): number {
    return cvRound((this.inverse[4] * y + this.inverse[5]) * AB_SCALE) + ROUND_DELTA;
  }
}

/** Right shift from the 10-bit row sums to 1/32-pixel positions. */
export const FIXED_SHIFT = AB_BITS - INTER_BITS;

function checkSize(w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) {
    throw new RangeError(`Expected a positive integer output size but received ${w}x${h}`);
  }
}

/** Fixed-point bilinear warp of interleaved 8-bit pixels with `cn` channels. */
function warpU8(src: Uint8Array, sw: number, sh: number, cn: number, m: AffineLike, dst: Uint8Array, dw: number, dh: number): void {
  const map = new FixedPointMap(m, dw);
  const { dx, dy } = map;
  const sstep = sw * cn;
  const w1 = sw - 1, h1 = sh - 1;
  for (let y = 0; y < dh; y++) {
    const X0 = map.rowX(y), Y0 = map.rowY(y);
    let o = y * dw * cn;
    for (let x = 0; x < dw; x++, o += cn) {
      const X = (X0 + dx[x]) >> FIXED_SHIFT;
      const Y = (Y0 + dy[x]) >> FIXED_SHIFT;
      const sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
      const fx = X & (INTER_TAB_SIZE - 1), fy = Y & (INTER_TAB_SIZE - 1);
      const w00 = (32 - fx) * (32 - fy), w01 = fx * (32 - fy), w10 = (32 - fx) * fy, w11 = fx * fy;
      if (sx >= 0 && sy >= 0 && sx < w1 && sy < h1) {
        const i0 = sy * sstep + sx * cn, i1 = i0 + sstep;
        for (let c = 0; c < cn; c++) {
          dst[o + c] = (src[i0 + c] * w00 + src[i0 + cn + c] * w01 + src[i1 + c] * w10 + src[i1 + cn + c] * w11 + 512) >> 10;
        }
      } else if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) {
        for (let c = 0; c < cn; c++) dst[o + c] = 0;
      } else {
        const x0ok = sx >= 0 && sx < sw, x1ok = sx + 1 >= 0 && sx + 1 < sw;
        const y0ok = sy >= 0 && sy < sh, y1ok = sy + 1 >= 0 && sy + 1 < sh;
        const i0 = sy * sstep + sx * cn, i1 = i0 + sstep;
        for (let c = 0; c < cn; c++) {
          const v00 = x0ok && y0ok ? src[i0 + c] : 0;
          const v01 = x1ok && y0ok ? src[i0 + cn + c] : 0;
          const v10 = x0ok && y1ok ? src[i1 + c] : 0;
          const v11 = x1ok && y1ok ? src[i1 + cn + c] : 0;
          dst[o + c] = (v00 * w00 + v01 * w01 + v10 * w10 + v11 * w11 + 512) >> 10;
        }
      }
    }
  }
}

/**
 * Warps an RGB image into a new dstWidth×dstHeight image. `sourceToDest` (2x3 or 3x3) maps source
 * coordinates to destination coordinates (OpenCV convention; e.g. M_o2c for a crop, M_c2o to paste back).
 */
export function warpAffine(src: RgbImage, sourceToDest: AffineLike, dstWidth: number, dstHeight: number, out?: RgbImage): RgbImage {
  checkSize(dstWidth, dstHeight);
  const dst = out ?? { width: dstWidth, height: dstHeight, data: new Uint8Array(dstWidth * dstHeight * 3) };
  if (dst.width !== dstWidth || dst.height !== dstHeight) throw new RangeError('output image size does not match the requested size');
  warpU8(src.data, src.width, src.height, 3, sourceToDest, dst.data, dstWidth, dstHeight);
  return dst;
}

/** `warpAffine` for a single-channel 8-bit image (masks), same arithmetic. */
export function warpAffineGray(src: GrayImage, sourceToDest: AffineLike, dstWidth: number, dstHeight: number): GrayImage {
  checkSize(dstWidth, dstHeight);
  const data = new Uint8Array(dstWidth * dstHeight);
  warpU8(src.data, src.width, src.height, 1, sourceToDest, data, dstWidth, dstHeight);
  return { width: dstWidth, height: dstHeight, data };
}

/**
 * `warpAffine` for a single-channel float image (OpenCV's 32F path: positions quantised to 1/32 pixel,
 * float weights, no rounding).
 */
export function warpAffineFloat(src: GrayFloatImage, sourceToDest: AffineLike, dstWidth: number, dstHeight: number): GrayFloatImage {
  checkSize(dstWidth, dstHeight);
  const map = new FixedPointMap(sourceToDest, dstWidth);
  const { dx, dy } = map;
  const s = src.data, sw = src.width, sh = src.height;
  const data = new Float32Array(dstWidth * dstHeight);
  const inv = 1 / INTER_TAB_SIZE;
  for (let y = 0; y < dstHeight; y++) {
    const X0 = map.rowX(y), Y0 = map.rowY(y);
    let o = y * dstWidth;
    for (let x = 0; x < dstWidth; x++, o++) {
      const X = (X0 + dx[x]) >> FIXED_SHIFT;
      const Y = (Y0 + dy[x]) >> FIXED_SHIFT;
      const sx = X >> INTER_BITS, sy = Y >> INTER_BITS;
      const ax = (X & (INTER_TAB_SIZE - 1)) * inv, ay = (Y & (INTER_TAB_SIZE - 1)) * inv;
      if (sx >= sw || sx + 1 < 0 || sy >= sh || sy + 1 < 0) continue;
      const x0ok = sx >= 0, x1ok = sx + 1 < sw, y0ok = sy >= 0, y1ok = sy + 1 < sh;
      const i0 = sy * sw + sx, i1 = i0 + sw;
      const v00 = x0ok && y0ok ? s[i0] : 0;
      const v01 = x1ok && y0ok ? s[i0 + 1] : 0;
      const v10 = x0ok && y1ok ? s[i1] : 0;
      const v11 = x1ok && y1ok ? s[i1 + 1] : 0;
      data[o] = (v00 * (1 - ax) + v01 * ax) * (1 - ay) + (v10 * (1 - ax) + v11 * ax) * ay;
    }
  }
  return { width: dstWidth, height: dstHeight, data };
}
