/**
 * A render worker: takes motion, render, finish and task jobs from the queue and runs them on one
 * engine (models loaded once). Any number of workers on any machines that reach Redis and the storage.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { rename, rm } from 'node:fs/promises';
import { FlowProducer, UnrecoverableError, Worker, type Job } from 'bullmq';
import { animateFile, createEngine, extractTemplate, prepareSourceFile, type Engine, type EngineOptions } from '../pipeline/run.js';
import { resolveAnimateOptions } from '../pipeline/options.js';
import { editFile } from '../pipeline/edit.js';
import { readTemplate } from '../io/template.js';
import { probeMedia } from '../io/probe.js';
import { concatVideoFiles } from '../io/video-concat.js';
import { partialPathFor } from '../io/partial-file.js';
import { CANCEL_CHANNEL, FRAMES_COUNTER, TERMINAL_STATES, finishJob, publishEvent, readChunk, readJob, updateJob, writeChunk, type ChunkRecord } from './jobs.js';
import { QUEUE_NAME } from './config.js';
import { bullJobId, connectRedis, type FinishData, type JobData, type RenderData } from './queue.js';
import { jobKeys, type Storage } from './storage.js';

export interface WorkerSettings {
  readonly redis: string;
  readonly storage: Storage;
  readonly engine: EngineOptions;
  readonly concurrency: number;
  readonly lockDuration: number;
  readonly stalledInterval: number;
  readonly attempts: number;
  readonly backoff: number;
  readonly log?: (line: string) => void;
}

/** Errors in what a client sent: retrying cannot help, so the job fails at once with the message. */
const INPUT_ERRORS = new Set(['NoFaceError', 'SourceInputError', 'DrivingInputError', 'OptionError', 'TemplateError', 'ImageReadError', 'MediaReadError', 'MediaNotFoundError', 'InputLimitError']);

export class InputLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputLimitError';
  }
}

/** Writes `dir`'s files into an uncompressed tar archive at `output` (atomically). */
async function tarDirectory(dir: string, output: string): Promise<void> {
  const partial = partialPathFor(output);
  await new Promise<void>((resolve, reject) => {
    const child = spawn('tar', ['-cf', partial, '-C', dir, '.'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`tar exited with code ${code}: ${stderr.trim()}`))));
  });
  await rename(partial, output);
}

export interface RunningWorker {
  readonly id: string;
  /** Finishes the jobs in hand (or hands them back when `force`), then disconnects. */
  close(force?: boolean): Promise<void>;
}

export async function startWorker(settings: WorkerSettings): Promise<RunningWorker> {
  const log = settings.log ?? (() => {});
  const storage = settings.storage;
  const workerId = `${hostname()}:${process.pid}`;
  const engine: Engine = await createEngine(settings.engine);
  const redis = connectRedis(settings.redis, true);
  const subscriber = connectRedis(settings.redis, true);
  const flows = new FlowProducer({ connection: redis });
  const running = new Map<string, Set<AbortController>>();
  await subscriber.subscribe(CANCEL_CHANNEL);
  subscriber.on('message', (_channel: string, id: string) => {
    for (const c of running.get(id) ?? []) c.abort(new Error('cancelled'));
  });

  /** Server paths never reach a client: error messages name inputs by their role. */
  const clean = (message: string, id: string): string => message.split(`${storage.path(jobKeys(id).dir)}/in/`).join('').split(storage.path(jobKeys(id).dir) + '/').join('');
  // Finished queue entries are trimmed; what clients see lives in the job records.
  const jobOpts = { attempts: settings.attempts, backoff: { type: 'exponential', delay: settings.backoff }, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } };

  async function motion(job: Job<JobData>, signal: AbortSignal): Promise<void> {
    const data = job.data;
    const keys = jobKeys(data.id);
    await updateJob(redis, data.id, { state: 'running', started: Date.now() });
    await publishEvent(redis, data.id, { type: 'progress' });
    const driving = storage.path(data.driving!);
    const limit = data.options.output?.frames;
    // A source without a face fails the job before the driving video is decoded.
    await prepareSourceFile(engine, storage.path(data.source), resolveAnimateOptions(data.options));
    let template: string;
    let fps: string;
    let frames: number;
    let audioFrom: string | undefined;
    if (driving.endsWith('.json')) {
      const t = await readTemplate(driving);
      frames = Math.min(t.frames.length, limit ?? Infinity);
      fps = String(t.fps);
      template = data.driving!;
    } else {
      const info = await probeMedia(driving);
      const expected = Math.min(info.frameCount, limit ?? Infinity);
      if (expected > data.maxFrames) throw new InputLimitError(`the driving video has ${info.frameCount} frames; this service renders at most ${data.maxFrames} per job (set options.frames)`);
      const r = await extractTemplate(engine, { driving, output: storage.path(keys.template), options: data.options, signal });
      frames = r.frames;
      fps = info.fpsRational;
      template = keys.template;
      audioFrom = info.hasAudio ? data.driving : undefined;
    }
    if (frames > data.maxFrames) throw new InputLimitError(`the driver has ${frames} frames; this service renders at most ${data.maxFrames} per job (set options.frames)`);
    const n = Math.ceil(frames / data.chunkFrames);
    const children = [];
    for (let i = 0; i < n; i++) {
      const start = i * data.chunkFrames;
      const end = Math.min(frames, start + data.chunkFrames);
      await writeChunk(redis, data.id, { index: i, start, end, state: 'waiting', done: 0, attempts: 0 });
      const renderData: RenderData = { ...data, template, fps, index: i, start, end };
      children.push({ name: 'render', queueName: QUEUE_NAME, data: renderData, opts: { ...jobOpts, jobId: bullJobId.render(data.id, i), failParentOnFailure: true } });
    }
    await updateJob(redis, data.id, { total: frames });
    const finishData: FinishData & { audioFrom?: string } = { ...data, chunks: n, total: frames, audioFrom };
    await flows.add({ name: 'finish', queueName: QUEUE_NAME, data: finishData, opts: { ...jobOpts, jobId: bullJobId.finish(data.id) }, children });
    await publishEvent(redis, data.id, { type: 'progress' });
  }

  async function render(job: Job<RenderData>, signal: AbortSignal): Promise<void> {
    const d = job.data;
    const keys = jobKeys(d.id);
    const previous = await readChunk(redis, d.id, d.index);
    const chunk: ChunkRecord = { index: d.index, start: d.start, end: d.end, state: 'active', done: 0, worker: workerId, attempts: (previous?.attempts ?? 0) + 1 };
    await writeChunk(redis, d.id, chunk);
    await publishEvent(redis, d.id, { type: 'progress' });
    // Progress is written in order (one write in flight), at most four times a second.
    let writes: Promise<void> = Promise.resolve();
    let last = 0;
    const output = d.format === 'png' ? storage.path(keys.frames) : storage.path(keys.chunk(d.index, 'mp4'));
    await animateFile(engine, {
      source: storage.path(d.source),
      driving: storage.path(d.template),
      output,
      options: d.options,
      range: { start: d.start, end: d.end },
      fps: d.fps,
      audio: false,
      signal,
      onProgress: (done) => {
        const now = Date.now();
        if (now - last < 250) return;
        last = now;
        writes = writes.then(async () => {
          await writeChunk(redis, d.id, { ...chunk, done });
          await publishEvent(redis, d.id, { type: 'progress' });
        }).catch(() => undefined);
      },
    });
    await writes;
    await redis.incrby(FRAMES_COUNTER, d.end - d.start);
    await writeChunk(redis, d.id, { ...chunk, state: 'done', done: d.end - d.start });
    await publishEvent(redis, d.id, { type: 'progress' });
  }

  async function finish(job: Job<FinishData & { audioFrom?: string }>): Promise<void> {
    const d = job.data;
    const keys = jobKeys(d.id);
    let result: string;
    let type: string;
    if (d.format === 'png') {
      result = keys.result('tar');
      type = 'application/x-tar';
      await tarDirectory(storage.path(keys.framesDir), storage.path(result));
    } else {
      result = keys.result('mp4');
      type = 'video/mp4';
      const parts = Array.from({ length: d.chunks }, (_, i) => storage.path(keys.chunk(i, 'mp4')));
      await concatVideoFiles(parts, storage.path(result), { audioFrom: d.audioFrom ? storage.path(d.audioFrom) : undefined });
    }
    await storage.remove(`${keys.dir}/chunks`);
    await storage.remove(keys.framesDir);
    await finishJob(redis, d.id, 'done', { result, resultType: type, resultName: `${d.id}.${result.split('.').pop()}` });
  }

  /** One job of one process: image driving, a source video, edit, template extraction. */
  async function task(job: Job<JobData>, signal: AbortSignal): Promise<void> {
    const d = job.data;
    const keys = jobKeys(d.id);
    await updateJob(redis, d.id, { state: 'running', started: Date.now() });
    const chunk: ChunkRecord = { index: 0, start: 0, end: 0, state: 'active', done: 0, worker: workerId, attempts: 1 };
    await writeChunk(redis, d.id, chunk);
    await publishEvent(redis, d.id, { type: 'progress' });
    let last = 0;
    const progress = (done: number, total: number | undefined) => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      void writeChunk(redis, d.id, { ...chunk, end: total ?? 0, done }).catch(() => undefined);
      void publishEvent(redis, d.id, { type: 'progress' }).catch(() => undefined);
    };
    const source = storage.path(d.source);
    let result: string;
    let type: string;
    let frames = 1;
    if (d.kind === 'template') {
      result = keys.result('json');
      type = 'application/json';
      const r = await extractTemplate(engine, { driving: source, output: storage.path(result), options: d.options, signal, onProgress: progress });
      frames = r.frames;
    } else if (d.kind === 'edit') {
      const e = d.edit!;
      const ext = e.frames !== undefined ? 'mp4' : d.format === 'jpg' ? 'jpg' : 'png';
      result = keys.result(ext);
      type = ext === 'mp4' ? 'video/mp4' : ext === 'jpg' ? 'image/jpeg' : 'image/png';
      const crop = d.options.crop ?? {};
      const r = await editFile(engine, {
        source,
        output: storage.path(result),
        controls: e.controls,
        variant: e.variant,
        stitching: e.stitching,
        from: d.from ? storage.path(d.from) : undefined,
        parts: e.parts,
        ratio: e.ratio,
        frames: e.frames,
        crop,
        pasteback: d.options.output?.pasteback,
        crf: d.options.output?.crf,
        onProgress: progress,
      });
      frames = r.frames;
    } else {
      const drivingInfo = d.driving!.endsWith('.json') ? undefined : await probeMedia(storage.path(d.driving!));
      const isImage = drivingInfo?.isImage ?? false;
      if (drivingInfo && !isImage && Math.min(drivingInfo.frameCount, d.options.output?.frames ?? Infinity) > d.maxFrames) {
        throw new InputLimitError(`the driving video has ${drivingInfo.frameCount} frames; this service renders at most ${d.maxFrames} per job (set options.frames)`);
      }
      const ext = isImage ? (d.format === 'jpg' ? 'jpg' : 'png') : d.format === 'png' ? 'tar' : 'mp4';
      result = keys.result(ext);
      type = { jpg: 'image/jpeg', png: 'image/png', tar: 'application/x-tar', mp4: 'video/mp4' }[ext]!;
      const output = ext === 'tar' ? storage.path(keys.frames) : storage.path(result);
      const r = await animateFile(engine, { source, driving: storage.path(d.driving!), output, options: d.options, signal, onProgress: progress });
      frames = r.frames;
      if (ext === 'tar') {
        await tarDirectory(storage.path(keys.framesDir), storage.path(result));
        await storage.remove(keys.framesDir);
      }
      if (r.concat) await rm(r.concat, { force: true });
    }
    await redis.incrby(FRAMES_COUNTER, frames);
    await writeChunk(redis, d.id, { ...chunk, state: 'done', end: frames, done: frames });
    await updateJob(redis, d.id, { total: frames });
    await finishJob(redis, d.id, 'done', { result, resultType: type, resultName: `${d.id}.${result.split('.').pop()}` });
  }

  const processor = async (job: Job): Promise<string> => {
    const data = job.data as JobData;
    const record = await readJob(redis, data.id);
    if (!record || TERMINAL_STATES.includes(record.job.state)) return 'skipped';
    const controller = new AbortController();
    const set = running.get(data.id) ?? new Set();
    set.add(controller);
    running.set(data.id, set);
    try {
      if (job.name === 'motion') await motion(job, controller.signal);
      else if (job.name === 'render') await render(job as Job<RenderData>, controller.signal);
      else if (job.name === 'finish') await finish(job as Job<FinishData>);
      else await task(job, controller.signal);
      return 'done';
    } catch (err) {
      const now = await readJob(redis, data.id);
      if (controller.signal.aborted || !now || TERMINAL_STATES.includes(now.job.state)) {
        // Cancelled (or deleted) while running: nothing of it stays on disk.
        await storage.remove(jobKeys(data.id).dir);
        throw new UnrecoverableError('cancelled');
      }
      const e = err as Error;
      const message = clean(e.message ?? String(err), data.id);
      const unrecoverable = INPUT_ERRORS.has(e.name) || e instanceof UnrecoverableError;
      const final = unrecoverable || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log(`job ${data.id} ${job.name}${job.name === 'render' ? ` ${(job.data as RenderData).index}` : ''} failed${final ? '' : ', will retry'}: ${message}`);
      if (job.name === 'render') {
        const d = job.data as RenderData;
        const chunk = await readChunk(redis, data.id, d.index);
        if (chunk) await writeChunk(redis, data.id, { ...chunk, state: final ? 'failed' : 'waiting', error: message });
      }
      if (final) {
        const prefix = job.name === 'render' ? `chunk ${(job.data as RenderData).index} (frames ${(job.data as RenderData).start}–${(job.data as RenderData).end - 1}): ` : '';
        // Nothing of a failed job stays on disk by the time a client sees it failed.
        await storage.remove(jobKeys(data.id).dir);
        await finishJob(redis, data.id, 'failed', { error: prefix + message });
        throw new UnrecoverableError(message);
      }
      throw new Error(message);
    } finally {
      set.delete(controller);
      if (set.size === 0) running.delete(data.id);
    }
  };

  const worker = new Worker(QUEUE_NAME, processor, {
    connection: redis,
    concurrency: settings.concurrency,
    lockDuration: settings.lockDuration,
    stalledInterval: settings.stalledInterval,
    maxStalledCount: 2,
    name: workerId,
  });
  worker.on('error', (err) => log(`worker: ${err.message}`));
  await worker.waitUntilReady();
  log(`worker ${workerId} ready (concurrency ${settings.concurrency})`);

  return {
    id: workerId,
    async close(force = false) {
      await worker.close(force);
      await flows.close();
      await engine.release();
      subscriber.disconnect();
      redis.disconnect();
    },
  };
}
