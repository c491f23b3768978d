/**
 * Node entry points of the main job: a source portrait and a driver to a finished file, streaming.
 * Frames flow decode → motion → render → paste → encode one at a time with ffmpeg on both ends;
 * outputs are written to temporary files and renamed at the end.
 */
import { dirname, extname, join, basename } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { readImage, writeImage } from '../io/image-file.js';
import type { RgbImage } from '../image/types.js';
import { probeMedia } from '../io/probe.js';
import { openFrameSink, type FrameSink } from '../io/frame-sink.js';
import { isFrameSequencePattern } from '../io/frame-sequence.js';
import { onInterrupt } from '../io/interrupt.js';
import { defaultOutputPaths } from '../io/paths.js';
import { openTemplateWriter } from '../io/template.js';
import { FaceCropper } from '../face/cropper.js';
import { loadModelSet, standinWarning, type ModelSet } from '../models/model-set.js';
import type { SessionOptions } from '../runtime/onnx.js';
import { resolveAnimateOptions, type AnimateOptions, type AnimateOptionsInput } from './options.js';
import { prepareSource, type PreparedSource } from './source.js';
import { FrameAnimator, concatFrame } from './animator.js';
import { openDriver, type Driver } from './drivers.js';
import { readAhead } from './read-ahead.js';
import { clock, type StageTimings } from './timings.js';

/**
 * Driving samples (decoded, cropped, through M) requested ahead of the renderer: enough that W+G never
 * waits for the next frame's motion, small enough that memory stays flat (each sample holds a 256 crop).
 */
export const SAMPLE_READ_AHEAD = 2;

export interface Engine {
  readonly models: ModelSet;
  readonly cropper: FaceCropper;
  release(): Promise<void>;
}

export interface EngineOptions extends SessionOptions {
  /** Model pack directory. */
  readonly models: string;
  readonly detector?: AnimateOptions['crop']['detector'];
  readonly onWarning?: (message: string) => void;
}

/** Loads a pack once; the engine then serves any number of sources and drivers. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  const models = await loadModelSet(options.models, { device: options.device, threads: options.threads, detector: options.detector });
  const warning = standinWarning(models.standinRoles);
  if (warning) options.onWarning?.(warning);
  const cropper = FaceCropper.fromModels(models.detectorKind, models.face);
  return { models, cropper, release: () => models.release() };
}

export class SourceInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceInputError';
  }
}

/** Reads and prepares a source portrait (cached per source: crop, features, keypoints, mask). */
export async function prepareSourceFile(engine: Engine, path: string, options: AnimateOptions): Promise<PreparedSource> {
  const info = await probeMedia(path);
  if (!info.isImage) throw new SourceInputError(`${path} is a video: animating a source video is video-to-video mode (not supported by this command yet)`);
  const image = await readImage(path);
  return prepareSource(image, engine.models, engine.cropper, {
    crop: options.crop,
    normalizeLip: options.motion.normalizeLip,
    pasteback: options.output.pasteback,
    label: basename(path),
  });
}

export interface AnimateFileRequest {
  readonly source: string;
  /** Video, image, motion template (.json) or webcam spec ('0', 'webcam:N'). */
  readonly driving: string;
  /** Output file (.mp4, .png/.jpg for image driving, or DIR/%04d.png); default animations/{src}--{drv}.mp4. */
  readonly output?: string;
  readonly options?: AnimateOptionsInput;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
  /** Install SIGINT/SIGTERM cleanup of partial outputs (the CLI does). */
  readonly cleanupOnInterrupt?: boolean;
  /** Optional per-stage timing hook (benchmarks); absent, the pipeline does no timing work. */
  readonly timings?: StageTimings;
}

export interface AnimateFileResult {
  readonly output: string;
  readonly concat?: string;
  readonly frames: number;
  readonly fps: number;
  readonly driverKind: Driver['kind'];
  readonly hasAudio: boolean;
}

const IMAGE_EXTS = new Set(['.png', '.jpg', '.jpeg', '.webp']);

function concatPathFor(output: string): string {
  const ext = extname(output);
  return join(dirname(output), `${basename(output, ext)}_concat${ext || '.mp4'}`);
}

/** Animates one source with one driver into a file. */
export async function animateFile(engine: Engine, request: AnimateFileRequest): Promise<AnimateFileResult> {
  const options = resolveAnimateOptions(request.options);
  const warn = request.onWarning ?? (() => {});
  const source = await prepareSourceFile(engine, request.source, options);
  source.warnings.forEach(warn);
  const needRatios = options.motion.eyeRetargeting || options.motion.lipRetargeting;
  const driver = await openDriver(request.driving, {
    models: engine.models,
    cropper: engine.cropper,
    crop: options.crop,
    needRatios,
    maxFrames: options.output.frames,
    timings: request.timings,
  });
  const isImageRun = driver.kind === 'image';
  const output = request.output ?? defaultOutputPaths('animations', request.source, request.driving, { image: isImageRun }).main;
  const outExt = extname(output).toLowerCase();
  if (isImageRun && !IMAGE_EXTS.has(outExt)) {
    throw new SourceInputError(`driving with a single image writes an image: expected -o to end in .png, .jpg or .webp but received '${output}'`);
  }
  if (!isImageRun && IMAGE_EXTS.has(outExt)) {
    throw new SourceInputError(`a ${driver.kind} driver writes a video or a frame sequence: use an .mp4 output or DIR/%04d.png, not '${output}'`);
  }
  await mkdir(dirname(output) || '.', { recursive: true });
  const animator = new FrameAnimator(source, engine.models, { motion: options.motion, drivingIsImage: isImageRun, pasteback: options.output.pasteback, timings: request.timings });

  if (isImageRun) {
    for await (const sample of driver.samples(request.signal)) {
      const frame = await animator.animate(sample);
      await writeImage(output, frame.pasted ?? frame.render);
      if (options.output.concat) await writeImage(concatPathFor(output), concatFrame(sample.crop256, source.input256, frame.render));
    }
    animator.warnings.forEach(warn);
    return { output, concat: options.output.concat ? concatPathFor(output) : undefined, frames: 1, fps: driver.fps, driverKind: driver.kind, hasAudio: false };
  }

  const size = options.output.pasteback && source.pasteBack ? { width: source.image.width, height: source.image.height } : { width: 512, height: 512 };
  const sinks: FrameSink[] = [];
  const unregister = request.cleanupOnInterrupt ? onInterrupt(() => Promise.all(sinks.map((s) => s.abort())).then(() => undefined)) : () => {};
  try {
    const main = await openFrameSink(output, { ...size, fps: driver.fpsText, crf: options.output.crf, audioFrom: driver.audioPath });
    sinks.push(main);
    const concatPath = options.output.concat && !isFrameSequencePattern(output) ? concatPathFor(output) : undefined;
    if (concatPath) sinks.push(await openFrameSink(concatPath, { width: 1536, height: 512, fps: driver.fpsText, crf: options.output.crf, audioFrom: driver.audioPath }));
    let frames = 0;
    const reference = options.motion.reference;
    const timings = request.timings;
    // Frame N is handed to the encoder while frame N+1 renders; one write in flight at a time is the
    // backpressure (a slow encoder stalls rendering, never memory).
    let writing: Promise<void> | undefined;
    const write = async (index: number, image: RgbImage, concat: RgbImage | undefined): Promise<void> => {
      const t = timings ? clock() : 0;
      await main.write(image);
      if (concat) await sinks[1].write(concat);
      if (timings) timings.record('encode', index, clock() - t);
    };
    for await (const sample of readAhead(driver.samples(request.signal), SAMPLE_READ_AHEAD)) {
      if (typeof reference === 'number' && reference > 0 && !animator.hasReference) {
        throw new SourceInputError('--reference N > 0 needs a motion pre-pass, which this driver does not support yet; use --reference 0');
      }
      const frame = await animator.animate(sample);
      const concat = concatPath ? concatFrame(sample.crop256, source.input256, frame.render) : undefined;
      if (writing) await writing;
      writing = write(sample.index, frame.pasted ?? frame.render, concat);
      // Awaited before the next write or at the end; this only keeps a failure from counting as unhandled meanwhile.
      writing.catch(() => undefined);
      frames++;
      request.onProgress?.(frames, driver.frameCount);
    }
    if (writing) await writing;
    if (frames === 0) throw new SourceInputError(`the driver ${driver.label} produced no frames`);
    const closed = await Promise.all(sinks.map((s) => s.close()));
    animator.warnings.forEach(warn);
    const hasAudio = (closed[0] as { hasAudio?: boolean }).hasAudio ?? false;
    return { output, concat: concatPath, frames, fps: driver.fps, driverKind: driver.kind, hasAudio };
  } catch (err) {
    await Promise.all(sinks.map((s) => s.abort().catch(() => undefined)));
    throw err;
  } finally {
    unregister();
  }
}

export interface ExtractTemplateRequest {
  readonly driving: string;
  readonly output: string;
  readonly options?: AnimateOptionsInput;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly signal?: AbortSignal;
  readonly cleanupOnInterrupt?: boolean;
}

/** Extracts per-frame motion (and eye/lip ratios when the landmark model is there) to a template file. */
export async function extractTemplate(engine: Engine, request: ExtractTemplateRequest): Promise<{ output: string; frames: number; fps: number }> {
  const options = resolveAnimateOptions(request.options);
  const driver = await openDriver(request.driving, {
    models: engine.models,
    cropper: engine.cropper,
    crop: options.crop,
    needRatios: !!engine.models.face.landmark203,
    maxFrames: options.output.frames,
  });
  if (driver.kind === 'template') throw new SourceInputError(`${request.driving} is already a motion template`);
  const writer = await openTemplateWriter(request.output, { fps: driver.fps, cleanupOnInterrupt: request.cleanupOnInterrupt });
  let frames = 0;
  try {
    for await (const s of driver.samples(request.signal)) {
      const m = s.motion;
      await writer.append(
        { scale: m.scale, R: m.R, exp: m.exp, t: m.t, kp: m.kp, pitch: m.pitch, yaw: m.yaw, roll: m.roll },
        s.eyeRatios && s.lipRatio !== undefined ? { eyes: [s.eyeRatios[0], s.eyeRatios[1]], lip: s.lipRatio } : {},
      );
      frames++;
      request.onProgress?.(frames, driver.frameCount);
    }
    await writer.finalize();
  } catch (err) {
    await writer.abort();
    throw err;
  }
  return { output: request.output, frames, fps: driver.fps };
}
