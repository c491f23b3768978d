/**
 * Job records in Redis, shared by every API instance and worker: state, progress per chunk, the
 * worker of each chunk, errors. BullMQ holds the work; these records hold what a client sees. Events
 * go out on a pub/sub channel per job; cancellation on one channel that every worker listens to.
 */
import type { Redis } from 'ioredis';

export type JobKind = 'animate' | 'edit' | 'template';
export type JobState = 'queued' | 'running' | 'done' | 'failed' | 'cancelled' | 'expired';
export const TERMINAL_STATES: readonly JobState[] = ['done', 'failed', 'cancelled', 'expired'];

export type ChunkState = 'waiting' | 'active' | 'done' | 'failed';

export interface ChunkRecord {
  readonly index: number;
  readonly start: number;
  readonly end: number;
  state: ChunkState;
  /** Frames of this chunk rendered so far (reset when a chunk is started again after a worker died). */
  done: number;
  /** Worker that rendered (or is rendering) the chunk: host:pid. */
  worker?: string;
  attempts: number;
  error?: string;
}

export interface JobRecord {
  readonly id: string;
  readonly owner: string;
  readonly kind: JobKind;
  state: JobState;
  readonly created: number;
  started?: number;
  finished?: number;
  /** Frames to render, once the motion step knows. */
  total?: number;
  error?: string;
  /** Storage key and MIME type of the result. */
  result?: string;
  resultType?: string;
  resultName?: string;
  format: string;
}

const jobKey = (id: string) => `lp:job:${id}`;
export const eventChannel = (id: string) => `lp:events:${id}`;
export const CANCEL_CHANNEL = 'lp:cancel';
export const FINISHED_SET = 'lp:finished';
export const FRAMES_COUNTER = 'lp:stats:frames';
export const activeSet = (owner: string) => `lp:active:${owner}`;
export const rateKey = (owner: string, minute: number) => `lp:rate:${owner}:${minute}`;

const NUMERIC_FIELDS = new Set(['created', 'started', 'finished', 'total']);

function toFields(fields: Partial<JobRecord>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) out.push(k, String(v));
  return out;
}

function fromFields(all: Record<string, string>): JobRecord {
  const job: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all)) {
    if (k.startsWith('chunk:')) continue;
    job[k] = NUMERIC_FIELDS.has(k) ? Number(v) : v;
  }
  return job as unknown as JobRecord;
}

export async function createJobRecord(redis: Redis, job: JobRecord): Promise<void> {
  await redis
    .multi()
    .hset(jobKey(job.id), ...toFields(job))
    .sadd(activeSet(job.owner), job.id)
    .exec();
}

export async function readJob(redis: Redis, id: string): Promise<{ job: JobRecord; chunks: ChunkRecord[] } | undefined> {
  const all = await redis.hgetall(jobKey(id));
  if (!all.id) return undefined;
  const chunks = Object.entries(all)
    .filter(([k]) => k.startsWith('chunk:'))
    .map(([, v]) => JSON.parse(v) as ChunkRecord)
    .sort((a, b) => a.index - b.index);
  return { job: fromFields(all), chunks };
}

/** Sets fields of a job that is still live (not in a terminal state), atomically; 1 when it was set. */
const UPDATE_LIVE = `
local s = redis.call('HGET', KEYS[1], 'state')
if (not s) or s == 'done' or s == 'failed' or s == 'cancelled' or s == 'expired' then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1`;

/** Updates a job unless it already ended (a cancelled job stays cancelled); false when it had ended. */
export async function updateJob(redis: Redis, id: string, fields: Partial<JobRecord>): Promise<boolean> {
  const args = toFields(fields);
  if (args.length === 0) return true;
  return (await redis.eval(UPDATE_LIVE, 1, jobKey(id), ...args)) === 1;
}

/** Sets fields whatever the state (retention marking a finished job expired). */
export async function setJobFields(redis: Redis, id: string, fields: Partial<JobRecord>): Promise<void> {
  await redis.hset(jobKey(id), ...toFields(fields));
}

export async function writeChunk(redis: Redis, id: string, chunk: ChunkRecord): Promise<void> {
  await redis.hset(jobKey(id), `chunk:${chunk.index}`, JSON.stringify(chunk));
}

export async function readChunk(redis: Redis, id: string, index: number): Promise<ChunkRecord | undefined> {
  const text = await redis.hget(jobKey(id), `chunk:${index}`);
  return text ? (JSON.parse(text) as ChunkRecord) : undefined;
}

export async function deleteJobRecord(redis: Redis, id: string, owner: string): Promise<void> {
  await redis.multi().del(jobKey(id)).zrem(FINISHED_SET, id).srem(activeSet(owner), id).exec();
}

export interface JobEvent {
  readonly type: 'progress' | 'done' | 'failed' | 'cancelled';
  readonly duration?: number;
}

export async function publishEvent(redis: Redis, id: string, event: JobEvent): Promise<void> {
  await redis.publish(eventChannel(id), JSON.stringify(event));
}

/** Moves a job to a terminal state once (the first caller wins); false when it already had ended. */
export async function finishJob(redis: Redis, id: string, state: 'done' | 'failed' | 'cancelled', fields: Partial<JobRecord> = {}): Promise<boolean> {
  const finished = Date.now();
  if (!(await updateJob(redis, id, { ...fields, state, finished }))) return false;
  const record = await readJob(redis, id);
  if (!record) return false;
  await redis.multi().srem(activeSet(record.job.owner), id).zadd(FINISHED_SET, finished, id).exec();
  await publishEvent(redis, id, { type: state, duration: record.job.started ? (finished - record.job.started) / 1000 : undefined });
  return true;
}

/** What a client sees of a job. */
export function jobView(job: JobRecord, chunks: readonly ChunkRecord[], base: string): Record<string, unknown> {
  const done = chunks.reduce((s, c) => s + c.done, 0);
  const end = job.finished ?? Date.now();
  const seconds = job.started ? (end - job.started) / 1000 : 0;
  return {
    id: job.id,
    kind: job.kind,
    state: job.state,
    format: job.format,
    created: new Date(job.created).toISOString(),
    started: job.started ? new Date(job.started).toISOString() : null,
    finished: job.finished ? new Date(job.finished).toISOString() : null,
    progress: { done, total: job.total ?? null },
    fps: seconds > 0 ? +(done / seconds).toFixed(2) : 0,
    chunks: chunks.map((c) => ({ index: c.index, frames: [c.start, c.end], state: c.state, done: c.done, worker: c.worker ?? null, attempts: c.attempts, ...(c.error ? { error: c.error } : {}) })),
    error: job.error ?? null,
    links: {
      self: `${base}/v1/jobs/${job.id}`,
      events: `${base}/v1/jobs/${job.id}/events`,
      ...(job.state === 'done' ? { result: `${base}/v1/jobs/${job.id}/result` } : {}),
    },
  };
}
