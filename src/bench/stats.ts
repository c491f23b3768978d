/** Value statistics of a model output, to check that generated graphs stay numerically sane. */
export interface ValueSummary {
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly std: number;
  /** NaN and ±Infinity values (left out of the other figures). */
  readonly nonFinite: number;
}

export function summarizeValues(data: ArrayLike<number>): ValueSummary {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSq = 0;
  let nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
    sumSq += v * v;
  }
  const mean = sum / data.length;
  return { min, max, mean, std: Math.sqrt(Math.max(0, sumSq / data.length - mean * mean)), nonFinite };
}
