/**
 * The BullMQ side: one queue of named jobs. A video job is a `motion` job (decode the driving video
 * once into a motion template) that, when done, adds a flow: a `finish` parent (join the chunks, mux
 * the audio) over `render` children of --chunk-frames frames each. Everything else (image driving,
 * a source video, edit, template) is one `task` job.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { AnimateOptionsInput } from '../pipeline/options.js';
import type { EditControls, EditVariant, CopyParts } from '../math/editing.js';
import type { JobKind } from './jobs.js';

export type OutputFormat = 'mp4' | 'png' | 'jpg' | 'json';

/** What every BullMQ job of one API job carries. */
export interface JobData {
  readonly id: string;
  readonly kind: JobKind;
  /** Storage keys of the inputs. */
  readonly source: string;
  readonly driving?: string;
  readonly from?: string;
  readonly options: AnimateOptionsInput;
  readonly format: OutputFormat;
  readonly chunkFrames: number;
  readonly maxFrames: number;
  readonly edit?: { controls: EditControls; variant?: EditVariant; parts?: CopyParts; ratio?: number; frames?: number; stitching?: boolean };
}

export interface RenderData extends JobData {
  readonly template: string;
  readonly fps: string;
  readonly index: number;
  readonly start: number;
  readonly end: number;
}

export interface FinishData extends JobData {
  readonly chunks: number;
  readonly total: number;
}

export type JobName = 'motion' | 'render' | 'finish' | 'task';

/**
 * A Redis connection. `blocking` connections (BullMQ workers) retry commands forever, as BullMQ
 * requires; the others fail at once while Redis is unreachable, so the API answers 503 instead of hanging.
 */
export function connectRedis(url: string, blocking = false): Redis {
  const options: RedisOptions = blocking
    ? { maxRetriesPerRequest: null, enableReadyCheck: false }
    : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000 };
  const redis = new Redis(url, { ...options, lazyConnect: false, retryStrategy: (times) => Math.min(200 * times, 2000) });
  // Connection errors surface through redis.status and failed commands; logging each retry would flood.
  redis.on('error', () => undefined);
  return redis;
}

/** BullMQ job ids derived from the API job id, so any process can find a job's parts. */
export const bullJobId = {
  motion: (id: string) => `${id}.motion`,
  task: (id: string) => `${id}.task`,
  finish: (id: string) => `${id}.finish`,
  render: (id: string, index: number) => `${id}.render.${index}`,
};
