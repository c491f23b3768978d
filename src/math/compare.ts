/** Error measures between a reference array and an approximation of it (int8 vs fp32 outputs), and small summaries. Pure. */

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** ‖a − b‖ / ‖a‖ (0 when both are zero). */
export function relativeL2(reference: ArrayLike<number>, approx: ArrayLike<number>): number {
  if (reference.length !== approx.length) throw new RangeError(`length mismatch: ${reference.length} vs ${approx.length}`);
  let num = 0;
  let den = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = reference[i] - approx[i];
    num += d * d;
    den += reference[i] * reference[i];
  }
  return den > 0 ? Math.sqrt(num / den) : num > 0 ? Infinity : 0;
}

/** Peak signal-to-noise ratio in dB; values are clamped to [0, peak] first (images in [0,1] by default). Infinity when equal. */
export function psnr(reference: ArrayLike<number>, approx: ArrayLike<number>, peak = 1): number {
  if (reference.length !== approx.length) throw new RangeError(`length mismatch: ${reference.length} vs ${approx.length}`);
  const clamp = (v: number) => Math.min(peak, Math.max(0, v));
  let sum = 0;
  for (let i = 0; i < reference.length; i++) {
    const d = clamp(reference[i]) - clamp(approx[i]);
    sum += d * d;
  }
  const mse = sum / Math.max(1, reference.length);
  return mse > 0 ? 10 * Math.log10((peak * peak) / mse) : Infinity;
}

/** Largest absolute difference. */
export function maxAbsDifference(reference: ArrayLike<number>, approx: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < reference.length; i++) m = Math.max(m, Math.abs(reference[i] - approx[i]));
  return m;
}
