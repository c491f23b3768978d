/**
 * Image resizing with OpenCV's `cv2.resize` semantics, which the original uses everywhere:
 * - bilinear (INTER_LINEAR): always 2 taps, even when shrinking (no anti-aliasing), pixel centres
 *   aligned ((x + 0.5)·scale − 0.5), 11-bit fixed-point weights;
 * - area (INTER_AREA): pixel-area averaging for shrinking (512 → 256 crops); integer factors use
 *   OpenCV's rounded block average.
 */
import { createRgbImage, type RgbImage } from './types.js';
import { createGrayImage, type GrayImage } from './gray.js';

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

function checkSize(w: number, h: number): void {
  if (!Number.isInteger(w) || !Number.isInteger(h) || w <= 0 || h <= 0) {
    throw new RangeError(`Expected a positive integer output size but received ${w}x${h}`);
  }
}

/** OpenCV's saturate_cast<short>(float) (round half to even). */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

interface LinearTable {
  /** Source index of the first tap. */
  readonly offset: Int32Array;
  /** Fixed-point weights of the two taps. */
  readonly w0: Int32Array;
  readonly w1: Int32Array;
}

function linearTable(srcSize: number, dstSize: number, clampAtEnd: boolean): LinearTable {
  const scale = 1 / (dstSize / srcSize);
  const offset = new Int32Array(dstSize), w0 = new Int32Array(dstSize), w1 = new Int32Array(dstSize);
  for (let d = 0; d < dstSize; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (s < 0) {
      f = 0;
      s = 0;
    }
    if (clampAtEnd && s >= srcSize - 1) {
      f = 0;
      s = srcSize - 1;
    }
    offset[d] = s;
    w0[d] = roundEven(Math.fround(1 - f) * COEF_SCALE);
    w1[d] = roundEven(f * COEF_SCALE);
  }
  return { offset, w0, w1 };
}

/** Bilinear resize of interleaved 8-bit pixels, OpenCV's fixed-point INTER_LINEAR. */
function resizeLinearU8(src: Uint8Array, sw: number, sh: number, cn: number, dst: Uint8Array, dw: number, dh: number): void {
  const xt = linearTable(sw, dw, true);
  const yt = linearTable(sh, dh, false);
  const rowLen = dw * cn;
  const horizontal = (sy: number, out: Int32Array): void => {
    const base = sy * sw * cn;
    for (let x = 0; x < dw; x++) {
      const sx = base + xt.offset[x] * cn;
      const a0 = xt.w0[x], a1 = xt.w1[x];
      const o = x * cn;
      if (xt.offset[x] + 1 < sw) {
        for (let c = 0; c < cn; c++) out[o + c] = src[sx + c] * a0 + src[sx + cn + c] * a1;
      } else {
        for (let c = 0; c < cn; c++) out[o + c] = src[sx + c] * COEF_SCALE;
      }
    }
  };
  const clampRow = (sy: number): number => (sy < 0 ? 0 : sy >= sh ? sh - 1 : sy);
  // Two horizontal-pass rows, reused from one output row to the next (downward scan).
  let top = new Int32Array(rowLen), bottom = new Int32Array(rowLen);
  let topRow = -1, bottomRow = -1;
  for (let y = 0; y < dh; y++) {
    const a = clampRow(yt.offset[y]), b = clampRow(yt.offset[y] + 1);
    if (topRow !== a) {
      if (bottomRow === a) {
        [top, bottom] = [bottom, top];
        [topRow, bottomRow] = [bottomRow, topRow];
      } else {
        horizontal(a, top);
        topRow = a;
      }
    }
    let second = top;
    if (b !== a) {
      if (bottomRow !== b) {
        horizontal(b, bottom);
        bottomRow = b;
      }
      second = bottom;
    }
    const b0 = yt.w0[y], b1 = yt.w1[y];
    const o = y * rowLen;
    for (let i = 0; i < rowLen; i++) {
      // OpenCV's vectorised VResizeLinear for 8-bit: high halves of 16-bit products, then (+2) >> 2.
      const v = (((b0 * (top[i] >> 4)) >> 16) + ((b1 * (second[i] >> 4)) >> 16) + 2) >> 2;
      dst[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/** Bilinear resize (cv2.INTER_LINEAR). The aspect ratio is whatever the sizes say. */
export function resizeBilinear(src: RgbImage, width: number, height: number): RgbImage {
  checkSize(width, height);
  if (width === src.width && height === src.height) return createRgbImage(width, height, src.data.slice());
  const out = createRgbImage(width, height);
  resizeLinearU8(src.data, src.width, src.height, 3, out.data, width, height);
  return out;
}

/** `resizeBilinear` for single-channel images. */
export function resizeBilinearGray(src: GrayImage, width: number, height: number): GrayImage {
  checkSize(width, height);
  const out = createGrayImage(width, height);
  resizeLinearU8(src.data, src.width, src.height, 1, out.data, width, height);
  return out;
}

interface AreaTap {
  readonly src: number;
  readonly weight: number;
}

/** OpenCV's computeResizeAreaTab: for each output pixel, the source pixels it covers and their area share. */
function areaTable(srcSize: number, dstSize: number): AreaTap[][] {
  const scale = srcSize / dstSize;
  const table: AreaTap[][] = [];
  for (let d = 0; d < dstSize; d++) {
    const taps: AreaTap[] = [];
    const fs1 = d * scale, fs2 = fs1 + scale;
    const cell = Math.min(scale, srcSize - fs1);
    let s1 = Math.ceil(fs1);
    let s2 = Math.floor(fs2);
    s2 = Math.min(s2, srcSize - 1);
    s1 = Math.min(s1, s2);
    if (s1 - fs1 > 1e-3) taps.push({ src: s1 - 1, weight: (s1 - fs1) / cell });
    for (let s = s1; s < s2; s++) taps.push({ src: s, weight: 1 / cell });
    if (fs2 - s2 > 1e-3) taps.push({ src: s2, weight: Math.min(Math.min(fs2 - s2, 1), cell) / cell });
    table.push(taps);
  }
  return table;
}

/**
 * Area resize (cv2.INTER_AREA) for shrinking. Integer factors (the 512 → 256 crop) average k×k blocks
 * with OpenCV's rounding; other factors use area weights. Enlarging falls back to bilinear, which is
 * what INTER_AREA approximates there.
 */
export function resizeArea(src: RgbImage, width: number, height: number): RgbImage {
  checkSize(width, height);
  const sw = src.width, sh = src.height;
  if (width === sw && height === sh) return createRgbImage(width, height, src.data.slice());
  if (width > sw || height > sh) return resizeBilinear(src, width, height);
  const out = createRgbImage(width, height);
  const s = src.data, d = out.data;
  const kx = sw / width, ky = sh / height;
  if (Number.isInteger(kx) && Number.isInteger(ky)) {
    const n = kx * ky;
    const rowStep = sw * 3;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = y * ky * rowStep + x * kx * 3;
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          let sum = 0;
          for (let j = 0; j < ky; j++) {
            const r = base + j * rowStep + c;
            for (let i = 0; i < kx; i++) sum += s[r + i * 3];
          }
          // 2×2 uses OpenCV's (sum + 2) >> 2; other factors its float scale with round-half-even.
          d[o + c] = n === 4 ? (sum + 2) >> 2 : roundEven(Math.fround(sum * Math.fround(1 / n)));
        }
      }
    }
    return out;
  }
  const xt = areaTable(sw, width);
  const yt = areaTable(sh, height);
  const row = new Float64Array(width * 3);
  const acc = new Float64Array(width * 3);
  for (let y = 0; y < height; y++) {
    acc.fill(0);
    for (const ty of yt[y]) {
      const base = ty.src * sw * 3;
      for (let x = 0; x < width; x++) {
        let r = 0, g = 0, b = 0;
        for (const tx of xt[x]) {
          const i = base + tx.src * 3;
          r += s[i] * tx.weight;
          g += s[i + 1] * tx.weight;
          b += s[i + 2] * tx.weight;
        }
        row[x * 3] = r;
        row[x * 3 + 1] = g;
        row[x * 3 + 2] = b;
      }
      for (let i = 0; i < row.length; i++) acc[i] += row[i] * ty.weight;
    }
    const o = y * width * 3;
    for (let i = 0; i < acc.length; i++) {
      const v = roundEven(acc[i]);
      d[o + i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/** A copy of the rectangle [x, x+width) × [y, y+height), which must lie inside the image. */
export function cropImage(src: RgbImage, x: number, y: number, width: number, height: number): RgbImage {
  checkSize(width, height);
  if (!Number.isInteger(x) || !Number.isInteger(y) || x < 0 || y < 0 || x + width > src.width || y + height > src.height) {
    throw new RangeError(`Expected a rectangle inside the ${src.width}x${src.height} image but received ${width}x${height} at (${x}, ${y})`);
  }
  const out = createRgbImage(width, height);
  for (let r = 0; r < height; r++) {
    const from = ((y + r) * src.width + x) * 3;
    out.data.set(src.data.subarray(from, from + width * 3), r * width * 3);
  }
  return out;
}

/**
 * The original's `resize_to_limit`: shrink (bilinear) so the long side is at most `maxDim` (0 = no
 * limit), then CROP (not pad) the bottom/right so both sides are multiples of `division`.
 */
export function resizeToLimit(src: RgbImage, maxDim = 1280, division = 2): RgbImage {
  let img = src;
  const { width: w, height: h } = src;
  if (maxDim > 0 && Math.max(w, h) > maxDim) {
    const [nw, nh] = h > w ? [Math.trunc(w * (maxDim / h)), maxDim] : [maxDim, Math.trunc(h * (maxDim / w))];
    img = resizeBilinear(src, Math.max(1, nw), Math.max(1, nh));
  }
  const div = Math.max(division, 1);
  const nh = img.height - (img.height % div);
  const nw = img.width - (img.width % div);
  if (nh === 0 || nw === 0) return img;
  if (nh !== img.height || nw !== img.width) return cropImage(img, 0, 0, nw, nh);
  return img;
}
