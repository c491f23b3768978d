/**
 * Settings of the HTTP service and its render workers, with every default in one place, and the
 * parsers for the human units the command line takes (sizes like 200MB, durations like 24h).
 */
import { OptionError } from '../validate.js';

export const SERVICE_DEFAULTS = {
  port: 8080,
  host: '127.0.0.1',
  redis: 'redis://127.0.0.1:6379',
  storage: 'liveportrait-storage',
  /** Frames per render job of a chunked video job. */
  chunkFrames: 48,
  maxUpload: '200MB',
  retain: '24h',
  sweepInterval: '10m',
  /** Longest driving input a job may render. */
  maxFrames: 18000,
  /** Jobs a key may submit per minute, and run at once. */
  rateLimit: 60,
  maxJobs: 4,
  /** Attempts of a render job (the first included) and the first retry's delay (doubling). */
  attempts: 3,
  backoff: '2s',
  /** How long a worker's lock on a job lasts without renewal, and how often stalled jobs are looked for. */
  lockDuration: '30s',
  stalledInterval: '30s',
  workerConcurrency: 1,
} as const;

const SIZE_UNITS: Record<string, number> = { '': 1, B: 1, KB: 1e3, MB: 1e6, GB: 1e9, TB: 1e12, KIB: 1024, MIB: 1024 ** 2, GIB: 1024 ** 3, TIB: 1024 ** 4 };
const TIME_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** '200MB', '1.5GiB', '4096' → bytes. */
export function parseSize(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const unit = m ? SIZE_UNITS[m[2].toUpperCase()] : undefined;
  if (!m || unit === undefined) throw new OptionError(name, `Expected a size such as 200MB, 2GB or 512KiB for ${name} but received '${text}'`);
  return Math.round(Number(m[1]) * unit);
}

/** '24h', '90s', '500ms', '7d' → milliseconds. */
export function parseDuration(name: string, text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/.exec(text);
  if (!m) throw new OptionError(name, `Expected a duration such as 500ms, 30s, 10m, 24h or 7d for ${name} but received '${text}'`);
  return Math.round(Number(m[1]) * TIME_UNITS[m[2]]);
}

/** Where the queue lives: names shared by the API and every worker. */
export const QUEUE_NAME = 'liveportrait';
