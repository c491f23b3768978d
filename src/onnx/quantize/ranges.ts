/**
 * Activation ranges for static quantization, gathered from calibration runs: per tensor the global
 * min/max, and a percentile range (the tails of each run's value distribution cut off, so one outlier
 * does not stretch the 256 levels of a uint8 activation). Pure: no I/O.
 */

export const RANGE_METHODS = ['minmax', 'percentile'] as const;
export type RangeMethod = (typeof RANGE_METHODS)[number];

export interface TensorRange {
  readonly lo: number;
  readonly hi: number;
}

/** Share of values in each tail cut off by the percentile method (99.99th percentile at either end). */
export const DEFAULT_PERCENTILE_TAIL = 1e-4;

const HISTOGRAM_BINS = 2048;

interface Accumulated {
  min: number;
  max: number;
  pLo: number;
  pHi: number;
  runs: number;
}

/** The values at `tail` and `1 - tail` of the distribution of `data` (histogram estimate, bin-edge accuracy). */
export function percentileRange(data: Float32Array, tail: number, min: number, max: number): TensorRange {
  if (!(max > min) || data.length === 0) return { lo: min, hi: max };
  const counts = new Uint32Array(HISTOGRAM_BINS);
  const scale = HISTOGRAM_BINS / (max - min);
  for (let i = 0; i < data.length; i++) {
    const b = Math.min(HISTOGRAM_BINS - 1, Math.floor((data[i] - min) * scale));
    counts[b]++;
  }
  const cut = tail * data.length;
  const width = (max - min) / HISTOGRAM_BINS;
  let lo = min;
  let acc = 0;
  for (let b = 0; b < HISTOGRAM_BINS; b++) {
    acc += counts[b];
    if (acc > cut) {
      lo = min + b * width;
      break;
    }
  }
  let hi = max;
  acc = 0;
  for (let b = HISTOGRAM_BINS - 1; b >= 0; b--) {
    acc += counts[b];
    if (acc > cut) {
      hi = min + (b + 1) * width;
      break;
    }
  }
  return { lo, hi };
}

/** Collects ranges over calibration runs; `observe` each exposed tensor once per run. */
export class RangeCollector {
  private readonly stats = new Map<string, Accumulated>();

  constructor(readonly tail = DEFAULT_PERCENTILE_TAIL) {}

  observe(name: string, data: Float32Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!Number.isFinite(min) || !Number.isFinite(max)) throw new RangeError(`calibration tensor ${name} holds non-finite values`);
    const p = percentileRange(data, this.tail, min, max);
    const s = this.stats.get(name);
    if (!s) {
      this.stats.set(name, { min, max, pLo: p.lo, pHi: p.hi, runs: 1 });
      return;
    }
    s.min = Math.min(s.min, min);
    s.max = Math.max(s.max, max);
    // The widest per-run percentile range: every run keeps all but its own tails.
    s.pLo = Math.min(s.pLo, p.lo);
    s.pHi = Math.max(s.pHi, p.hi);
    s.runs++;
  }

  get tensorNames(): string[] {
    return [...this.stats.keys()];
  }

  /** Ranges by the chosen method; every range includes 0 (uint8 needs an exact zero). */
  ranges(method: RangeMethod): Map<string, TensorRange> {
    const out = new Map<string, TensorRange>();
    for (const [name, s] of this.stats) {
      const lo = method === 'minmax' ? s.min : s.pLo;
      const hi = method === 'minmax' ? s.max : s.pHi;
      out.set(name, { lo: Math.min(lo, 0), hi: Math.max(hi, 0) });
    }
    return out;
  }
}

/** uint8 affine parameters of a range: real = scale · (q − zeroPoint), q in [0, 255]. */
export function uint8Params(range: TensorRange): { scale: number; zeroPoint: number } {
  const lo = Math.min(range.lo, 0);
  const hi = Math.max(range.hi, 0);
  const scale = hi > lo ? (hi - lo) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-lo / scale)));
  return { scale: Math.fround(scale), zeroPoint };
}
