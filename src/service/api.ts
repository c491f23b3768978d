/**
 * The HTTP API (Fastify): jobs in, progress and results out. Stateless: every job lives in Redis and
 * the storage, so API instances can be restarted or run side by side.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, rename, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import multipart from '@fastify/multipart';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { OptionError } from '../validate.js';
import { parseTemplate } from '../io/template.js';
import { ApiKeys, NO_AUTH_OWNER } from './auth.js';
import { QUEUE_NAME } from './config.js';
import {
  CANCEL_CHANNEL, FINISHED_SET, TERMINAL_STATES, activeSet, createJobRecord, deleteJobRecord, eventChannel, finishJob, jobView, rateKey, readJob, setJobFields,
  type JobKind,
} from './jobs.js';
import { createMetrics } from './metrics.js';
import { openApiDocument } from './openapi.js';
import { parseJobOptions } from './options.js';
import { bullJobId, connectRedis, type JobData, type OutputFormat } from './queue.js';
import { sniffType, type InputKind, type SniffedType } from './sniff.js';
import { jobKeys, type Storage } from './storage.js';

export interface ApiSettings {
  readonly redis: string;
  readonly storage: Storage;
  /** Undefined: no authentication (local use, --no-auth). */
  readonly keys?: ApiKeys;
  readonly maxUpload: number;
  readonly maxStorage?: number;
  readonly retain: number;
  readonly sweepInterval: number;
  readonly chunkFrames: number;
  readonly maxFrames: number;
  readonly rateLimit: number;
  readonly maxJobs: number;
  readonly attempts: number;
  readonly backoff: number;
  readonly log?: (line: string) => void;
}

export interface RunningApi {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const FILE_FIELDS = ['source', 'driving', 'from'] as const;
type FileField = (typeof FILE_FIELDS)[number];
const KINDS: readonly JobKind[] = ['animate', 'edit', 'template'];

/** What each kind of job takes, by field: required or optional, and the input kinds allowed. */
const INPUTS: Record<JobKind, Partial<Record<FileField, { required: boolean; kinds: readonly InputKind[] }>>> = {
  animate: { source: { required: true, kinds: ['image', 'video'] }, driving: { required: true, kinds: ['image', 'video', 'template'] } },
  edit: { source: { required: true, kinds: ['image'] }, from: { required: false, kinds: ['image'] } },
  template: { driving: { required: true, kinds: ['video'] } },
};

async function readHead(path: string, bytes = 512): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await fh.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}

/** A single `bytes=` range of a file of `size` bytes; undefined for none, null when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | undefined | null {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start > end || start >= size) return null;
  return { start, end };
}

export async function startApi(settings: ApiSettings, listen: { port: number; host: string }): Promise<RunningApi> {
  const log = settings.log ?? (() => {});
  const storage = settings.storage;
  const redis: Redis = connectRedis(settings.redis);
  const queue = new Queue(QUEUE_NAME, { connection: redis });
  queue.on('error', () => undefined);
  const metrics = createMetrics(settings.redis, queue, redis);
  const app = Fastify({ logger: false, bodyLimit: 1 << 20 });
  await app.register(multipart, { limits: { fileSize: settings.maxUpload, files: 3, fields: 4, fieldSize: 1 << 16 } });

  const redisReady = () => redis.status === 'ready';

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, _req, reply) => {
    if (err instanceof HttpError) return reply.code(err.statusCode).headers(err.headers).send({ error: err.message });
    if (err instanceof OptionError) return reply.code(400).send({ error: err.message, parameter: err.parameter });
    if (err.code === 'FST_REQ_FILE_TOO_LARGE' || err.statusCode === 413) return reply.code(413).send({ error: `upload larger than the limit of ${settings.maxUpload} bytes (--max-upload)` });
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    if (!redisReady()) return reply.code(503).send({ error: 'the job store (Redis) is unreachable; try again later' });
    log(`error: ${err.stack ?? err.message}`);
    return reply.code(500).send({ error: 'internal error' });
  });

  const baseUrl = (req: FastifyRequest) => `${req.protocol}://${req.headers.host ?? 'localhost'}`;

  function ownerOf(req: FastifyRequest): string {
    if (!settings.keys) return NO_AUTH_OWNER;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    const owner = m ? settings.keys.check(m[1]) : undefined;
    if (!owner) throw new HttpError(401, m ? 'invalid API key' : 'missing API key: send Authorization: Bearer KEY', { 'www-authenticate': 'Bearer' });
    return owner;
  }

  async function ownJob(req: FastifyRequest<{ Params: { id: string } }>): Promise<NonNullable<Awaited<ReturnType<typeof readJob>>>> {
    const owner = ownerOf(req);
    if (!redisReady()) throw new HttpError(503, 'the job store (Redis) is unreachable; try again later');
    const id = req.params.id;
    const record = /^[0-9a-f-]{36}$/.test(id) ? await readJob(redis, id) : undefined;
    // Another key's job answers exactly as a job that does not exist.
    if (!record || record.job.owner !== owner) throw new HttpError(404, `no job ${id}`);
    return record;
  }

  /** Stores one uploaded file under its role, named by the type its bytes show (never the client's name). */
  async function storeUpload(id: string, fieldname: string, file: Readable & { truncated?: boolean }, files: Partial<Record<FileField, unknown>>): Promise<{ key: string; type: SniffedType }> {
    const field = fieldname as FileField;
    if (!FILE_FIELDS.includes(field) || files[field]) throw new HttpError(400, `unexpected file field '${fieldname}': expected source, driving (and from for edit), each once`);
    const keys = jobKeys(id);
    const uploadKey = keys.input(`${field}.upload`);
    await storage.write(uploadKey, file);
    if (file.truncated) throw new HttpError(413, `upload larger than the limit of ${settings.maxUpload} bytes (--max-upload)`);
    const type = sniffType(await readHead(storage.path(uploadKey)));
    if (!type) throw new OptionError(field, `${field}: unrecognised file type (expected an image: png, jpg, webp, bmp; a video: mp4, mov, mkv, webm, avi, ts; or a motion template: JSON)`);
    const key = keys.input(`${field}.${type.ext}`);
    await rename(storage.path(uploadKey), storage.path(key));
    return { key, type };
  }

  app.post('/v1/jobs', async (req, reply) => {
    const owner = ownerOf(req);
    if (!redisReady()) throw new HttpError(503, 'the job store (Redis) is unreachable; try again later');
    if (!req.isMultipart()) throw new HttpError(415, 'expected multipart/form-data with source, driving and options');
    const minute = Math.floor(Date.now() / 60_000);
    const rate = await redis.multi().incr(rateKey(owner, minute)).expire(rateKey(owner, minute), 120).exec();
    if (Number(rate?.[0]?.[1]) > settings.rateLimit) throw new HttpError(429, `rate limit: at most ${settings.rateLimit} jobs a minute per key`, { 'retry-after': String(60 - (Math.floor(Date.now() / 1000) % 60)) });
    if ((await redis.scard(activeSet(owner))) >= settings.maxJobs) throw new HttpError(429, `at most ${settings.maxJobs} unfinished jobs per key; wait for one to finish`);
    if (settings.maxStorage !== undefined && (await storage.usage()) >= settings.maxStorage) throw new HttpError(507, 'storage is full (--max-storage); try again later');

    const id = randomUUID();
    const keys = jobKeys(id);
    const files: Partial<Record<FileField, { key: string; type: SniffedType }>> = {};
    const fields: Record<string, string> = {};
    try {
      // The whole request is read even after an error, so the client gets the answer instead of a reset.
      let failure: unknown;
      try {
        for await (const part of req.parts()) {
          if (failure !== undefined) {
            if (part.type === 'file') part.file.resume();
            continue;
          }
          try {
            if (part.type === 'file') files[part.fieldname as FileField] = await storeUpload(id, part.fieldname, part.file, files);
            else {
              if (!['kind', 'options'].includes(part.fieldname)) throw new HttpError(400, `unexpected field '${part.fieldname}': expected kind and options`);
              fields[part.fieldname] = String(part.value);
            }
          } catch (err) {
            failure = err;
            if (part.type === 'file') part.file.resume();
          }
        }
      } catch (err) {
        failure ??= err;
      }
      if (failure !== undefined) throw failure;
      const kind = (fields.kind ?? 'animate') as JobKind;
      if (!KINDS.includes(kind)) throw new OptionError('kind', `Expected one of ${KINDS.join(', ')} for kind but received '${fields.kind}'`);
      const inputs = INPUTS[kind];
      for (const field of FILE_FIELDS) {
        const spec = inputs[field];
        const file = files[field];
        if (!spec && file) throw new OptionError(field, `a ${kind} job takes no ${field} file`);
        if (spec?.required && !file) throw new OptionError(field, `missing ${field}: a ${kind} job needs ${field} (${spec.kinds.join(' or ')})`);
        if (spec && file && !spec.kinds.includes(file.type.kind)) throw new OptionError(field, `${field} is ${file.type.kind === 'template' ? 'a motion template' : `a ${file.type.kind}`}: a ${kind} job takes ${spec.kinds.join(' or ')} here`);
      }
      if (files.driving?.type.kind === 'template') {
        let json: unknown;
        try {
          json = JSON.parse(await readFile(storage.path(files.driving.key), 'utf8'));
        } catch (err) {
          throw new OptionError('driving', `driving: template is not valid JSON (${(err as Error).message})`);
        }
        parseTemplate(json, 'driving');
      }
      const parsed = parseJobOptions(fields.options, kind);
      if (settings.maxStorage !== undefined && (await storage.usage()) > settings.maxStorage) throw new HttpError(507, 'this job would exceed the storage limit (--max-storage)');

      const drivingKind = files.driving?.type.kind;
      const defaultFormat: OutputFormat = kind === 'template' ? 'json' : kind === 'edit' ? 'png' : drivingKind === 'image' ? 'png' : 'mp4';
      const format = parsed.format ?? defaultFormat;
      if (kind === 'template' && parsed.format && parsed.format !== 'json') throw new OptionError('--format', `a template job writes JSON; --format ${parsed.format} is not allowed`);
      if (drivingKind === 'image' && format === 'mp4') throw new OptionError('--format', 'driving with a single image writes an image: use --format png or jpg');
      if (kind === 'animate' && drivingKind !== 'image' && format === 'jpg') throw new OptionError('--format', 'a video result is mp4, or png for a lossless frame sequence (a tar of PNGs)');
      const data: JobData = {
        id,
        kind,
        source: (files.source ?? files.driving)!.key,
        driving: files.driving?.key,
        from: files.from?.key,
        options: parsed.options,
        format,
        chunkFrames: parsed.chunkFrames ?? settings.chunkFrames,
        maxFrames: settings.maxFrames,
        edit: parsed.edit,
      };
      const chunked = kind === 'animate' && files.source!.type.kind === 'image' && drivingKind !== 'image' && !parsed.options.output?.concat;
      await createJobRecord(redis, { id, owner, kind, state: 'queued', created: Date.now(), format });
      const opts = { attempts: settings.attempts, backoff: { type: 'exponential', delay: settings.backoff }, removeOnComplete: { age: Math.ceil(settings.retain / 1000) }, removeOnFail: { age: Math.ceil(settings.retain / 1000) } };
      if (chunked) await queue.add('motion', data, { ...opts, jobId: bullJobId.motion(id) });
      else await queue.add('task', data, { ...opts, jobId: bullJobId.task(id) });
    } catch (err) {
      await storage.remove(keys.dir).catch(() => undefined);
      throw err;
    }
    const record = (await readJob(redis, id))!;
    return reply.code(202).header('location', `/v1/jobs/${id}`).send(jobView(record.job, record.chunks, baseUrl(req)));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id', async (req) => {
    const { job, chunks } = await ownJob(req);
    return jobView(job, chunks, baseUrl(req));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/result', async (req, reply) => {
    const { job } = await ownJob(req);
    if (job.state !== 'done' || !job.result) throw new HttpError(409, `job ${job.id} is ${job.state}: no result${job.state === 'failed' ? ` (${job.error})` : ''}`);
    const path = storage.path(job.result);
    const size = (await stat(path)).size;
    const range = parseRange(req.headers.range, size);
    reply.header('accept-ranges', 'bytes');
    if (range === null) return reply.code(416).header('content-range', `bytes */${size}`).send({ error: `range not satisfiable for ${size} bytes` });
    reply.header('content-type', job.resultType ?? 'application/octet-stream').header('content-disposition', `attachment; filename="${job.resultName}"`);
    if (!range) return reply.header('content-length', size).send(createReadStream(path));
    return reply
      .code(206)
      .header('content-range', `bytes ${range.start}-${range.end}/${size}`)
      .header('content-length', range.end - range.start + 1)
      .send(createReadStream(path, { start: range.start, end: range.end }));
  });

  app.get<{ Params: { id: string } }>('/v1/jobs/:id/events', async (req, reply) => {
    const first = await ownJob(req);
    const base = baseUrl(req);
    const sub = connectRedis(settings.redis, true);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      sub.disconnect();
      raw.end();
    };
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), 15_000);
    let sending = false;
    let again = false;
    const send = async (): Promise<void> => {
      if (closed) return;
      if (sending) {
        again = true;
        return;
      }
      sending = true;
      try {
        const record = await readJob(redis, first.job.id);
        if (!record) return close();
        const view = jobView(record.job, record.chunks, base);
        const terminal = TERMINAL_STATES.includes(record.job.state);
        const type = !terminal ? 'progress' : record.job.state === 'done' ? 'done' : record.job.state === 'failed' ? 'failed' : 'cancelled';
        raw.write(`event: ${type}\ndata: ${JSON.stringify(view)}\n\n`);
        if (terminal) close();
      } catch {
        close();
      } finally {
        sending = false;
        if (again && !closed) {
          again = false;
          setTimeout(() => void send(), 100);
        }
      }
    };
    req.raw.on('close', close);
    sub.on('message', () => void send());
    await sub.subscribe(eventChannel(first.job.id));
    await send();
  });

  app.delete<{ Params: { id: string } }>('/v1/jobs/:id', async (req, reply) => {
    const { job } = await ownJob(req);
    if (!TERMINAL_STATES.includes(job.state)) {
      await finishJob(redis, job.id, 'cancelled', { error: 'cancelled' });
      await redis.publish(CANCEL_CHANNEL, job.id);
      await storage.remove(jobKeys(job.id).dir);
      return reply.send({ id: job.id, state: 'cancelled' });
    }
    await storage.remove(jobKeys(job.id).dir);
    await deleteJobRecord(redis, job.id, job.owner);
    return reply.code(204).send();
  });

  app.get('/v1/health', async (_req, reply) => {
    let redisState = 'ok';
    let workers = 0;
    try {
      if (!redisReady()) throw new Error('not connected');
      await redis.ping();
      workers = (await queue.getWorkers()).length;
    } catch {
      redisState = 'unreachable';
    }
    const ok = redisState === 'ok';
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ok' : 'unavailable', redis: redisState, workers });
  });

  app.get('/metrics', async (_req, reply) => {
    return reply.header('content-type', metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get('/openapi.json', async () => openApiDocument());

  /** Results older than --retain are deleted; the record stays (state expired) for a week. */
  const sweep = async (): Promise<void> => {
    if (!redisReady()) return;
    const ids = await redis.zrangebyscore(FINISHED_SET, '-inf', Date.now() - settings.retain);
    for (const id of ids) {
      await storage.remove(jobKeys(id).dir);
      const record = await readJob(redis, id);
      if (record?.job.state === 'done') await setJobFields(redis, id, { state: 'expired' });
      await redis.multi().zrem(FINISHED_SET, id).expire(`lp:job:${id}`, 7 * 86400).exec();
    }
  };
  const sweeper = setInterval(() => void sweep().catch((err: Error) => log(`retention sweep: ${err.message}`)), settings.sweepInterval);
  sweeper.unref();

  // Start answering once Redis is reachable (or after 5 s: health then says it is not).
  await new Promise<void>((resolve) => {
    if (redisReady()) return resolve();
    const timer = setTimeout(resolve, 5000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
  await app.listen({ port: listen.port, host: listen.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : listen.port;
  const url = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${port}`;
  return {
    app,
    url,
    async close() {
      clearInterval(sweeper);
      await app.close();
      await metrics.close();
      await queue.close().catch(() => undefined);
      redis.disconnect();
    },
  };
}
