/**
 * Frame rates as ffmpeg wants them: an exact rational string ('30000/1001') beside its numeric value.
 */
import { OptionError, quoteUserText } from '../validate.js';
import { DEFAULTS } from '../settings.js';

const MAX_FPS = DEFAULTS.output.maxFps;

export interface FrameRate {
  /** Frames per second. */
  readonly value: number;
  /** The same rate written for ffmpeg: 'num/den' or a decimal. */
  readonly text: string;
}

/** Accepts a positive number or a 'num/den' / decimal string; throws an OptionError naming `name`. */
export function parseFrameRate(name: string, rate: number | string): FrameRate {
  if (typeof rate === 'number') {
    if (Number.isFinite(rate) && rate > 0 && rate <= MAX_FPS) return { value: rate, text: String(rate) };
  } else if (typeof rate === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?)\s*)?$/.exec(rate);
    if (m) {
      const value = Number(m[1]) / Number(m[2] ?? 1);
      if (Number.isFinite(value) && value > 0 && value <= MAX_FPS) return { value, text: m[2] ? `${m[1]}/${m[2]}` : m[1] };
    }
  }
  const shown = quoteUserText(rate);
  throw new OptionError(name, `Expected a frame rate (a number above 0 and at most ${MAX_FPS}, or 'num/den' like '30000/1001') for ${name} but received ${shown}`);
}
