/**
 * Temporal smoothing of motion vectors (flattened rotations, expressions, keypoints).
 *
 * - OneEuroFilter: causal, for live input (webcam); per-element one-euro filter.
 * - kalmanRtsSmooth: offline, for whole sequences (video-to-video); what the original does with
 *   pykalman (identity transition and observation, covariances Q·I and R·I, initial state = first
 *   observation with identity covariance, Kalman filter + Rauch–Tung–Striebel smoother). With
 *   scaled-identity covariances every dimension is an independent scalar filter that shares one
 *   covariance sequence, so the covariances are computed once for all dimensions.
 */
import { DEFAULTS } from '../settings.js';

export interface OneEuroOptions {
  /** Cutoff frequency (Hz) at zero speed: lower = smoother at rest, more lag. */
  readonly minCutoff: number;
  /** Speed coefficient: higher = less lag on fast motion, more jitter. */
  readonly beta: number;
  /** Cutoff frequency (Hz) of the derivative's own low-pass. */
  readonly dCutoff: number;
  /** Sampling rate (Hz) used when no timestamps are given. */
  readonly freq: number;
}

function smoothingFactor(period: number, cutoff: number): number {
  const r = 2 * Math.PI * cutoff * period;
  return r / (r + 1);
}

function checkPositive(name: string, value: number): void {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`Expected a positive number for ${name} but received ${value}`);
}

/** One-euro filter over fixed-length vectors; the first sample passes through unchanged. */
export class OneEuroFilter {
  readonly options: OneEuroOptions;
  private previous: Float64Array | null = null;
  private derivative: Float64Array | null = null;
  private previousTime: number | undefined;

  constructor(options: Partial<OneEuroOptions> = {}) {
    this.options = { ...DEFAULTS.smoothing.oneEuro, ...options };
    checkPositive('minCutoff', this.options.minCutoff);
    checkPositive('dCutoff', this.options.dCutoff);
    checkPositive('freq', this.options.freq);
    if (!(Number.isFinite(this.options.beta) && this.options.beta >= 0)) {
      throw new RangeError(`Expected a number >= 0 for beta but received ${this.options.beta}`);
    }
  }

  /**
   * Filters one sample. With `timestampSeconds` the sampling period is the time since the previous
   * sample (falling back to 1/freq when it does not advance); without it, 1/freq.
   */
  filter(value: ArrayLike<number>, timestampSeconds?: number, out: Float32Array = new Float32Array(value.length)): Float32Array {
    if (out.length !== value.length) throw new RangeError(`Expected an output of ${value.length} values but received ${out.length}`);
    const previous = this.previous;
    const derivative = this.derivative;
    if (previous === null || derivative === null) {
      this.previous = Float64Array.from(value);
      this.derivative = new Float64Array(value.length);
      this.previousTime = timestampSeconds;
      out.set(value);
      return out;
    }
    if (value.length !== previous.length) {
      throw new RangeError(`Expected ${previous.length} values (as in the first sample) but received ${value.length}`);
    }
    let period = 1 / this.options.freq;
    if (timestampSeconds !== undefined && this.previousTime !== undefined && timestampSeconds > this.previousTime) {
      period = timestampSeconds - this.previousTime;
    }
    if (timestampSeconds !== undefined) this.previousTime = timestampSeconds;
    const { minCutoff, beta, dCutoff } = this.options;
    const derivativeAlpha = smoothingFactor(period, dCutoff);
    for (let i = 0; i < value.length; i++) {
      const speed = (value[i] - previous[i]) / period;
      const smoothedSpeed = derivativeAlpha * speed + (1 - derivativeAlpha) * derivative[i];
      const alpha = smoothingFactor(period, minCutoff + beta * Math.abs(smoothedSpeed));
      const smoothed = alpha * value[i] + (1 - alpha) * previous[i];
      derivative[i] = smoothedSpeed;
      previous[i] = smoothed;
      out[i] = smoothed;
    }
    return out;
  }

  /** Forgets the history: the next sample passes through again. */
  reset(): void {
    this.previous = null;
    this.derivative = null;
    this.previousTime = undefined;
  }
}

/**
 * Kalman filter + RTS smoother over a whole sequence of equal-length vectors (see the file comment).
 * Returns one smoothed vector per input vector.
 */
export function kalmanRtsSmooth(
  sequence: readonly ArrayLike<number>[],
  observationVariance: number,
  transitionCovariance: number = DEFAULTS.smoothing.kalman.transitionCovariance,
): Float32Array[] {
  checkPositive('observationVariance', observationVariance);
  if (!(Number.isFinite(transitionCovariance) && transitionCovariance >= 0)) {
    throw new RangeError(`Expected a number >= 0 for transitionCovariance but received ${transitionCovariance}`);
  }
  const frames = sequence.length;
  if (frames === 0) return [];
  const size = sequence[0].length;
  for (let t = 1; t < frames; t++) {
    if (sequence[t].length !== size) {
      throw new RangeError(`Expected ${size} values in frame ${t} (as in frame 0) but received ${sequence[t].length}`);
    }
  }

  // Shared scalar covariances: predicted (before frame t's observation) and filtered (after).
  const predictedCov = new Float64Array(frames);
  const filteredCov = new Float64Array(frames);
  const gain = new Float64Array(frames);
  predictedCov[0] = 1;
  for (let t = 0; t < frames; t++) {
    if (t > 0) predictedCov[t] = filteredCov[t - 1] + transitionCovariance;
    gain[t] = predictedCov[t] / (predictedCov[t] + observationVariance);
    filteredCov[t] = predictedCov[t] - gain[t] * predictedCov[t];
  }

  const filtered = new Float64Array(frames * size);
  for (let i = 0; i < size; i++) {
    let mean = sequence[0][i];
    for (let t = 0; t < frames; t++) {
      // Identity transition: the prediction for frame t is the filtered mean of frame t−1.
      mean += gain[t] * (sequence[t][i] - mean);
      filtered[t * size + i] = mean;
    }
  }

  const smoothed = new Float64Array(frames * size);
  smoothed.set(filtered.subarray((frames - 1) * size), (frames - 1) * size);
  for (let t = frames - 2; t >= 0; t--) {
    const smootherGain = filteredCov[t] / predictedCov[t + 1];
    for (let i = 0; i < size; i++) {
      const f = filtered[t * size + i];
      smoothed[t * size + i] = f + smootherGain * (smoothed[(t + 1) * size + i] - f);
    }
  }

  const out: Float32Array[] = [];
  for (let t = 0; t < frames; t++) out.push(Float32Array.from(smoothed.subarray(t * size, (t + 1) * size)));
  return out;
}
