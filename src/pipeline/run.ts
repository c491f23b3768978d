/**
 * Node entry points of the main job: a source portrait and a driver to a finished file, streaming.
 * Frames flow decode → motion → render → paste → encode one at a time with ffmpeg on both ends;
 * outputs are written to temporary files and renamed at the end.
 */
import { dirname, basename } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { readImage, writeImage } from '../io/image-file.js';
import type { RgbImage } from '../image/types.js';
import { animatedName, inspectMedia, type MediaInput } from '../io/input-file.js';
import { checkOutputPath, type OutputCheck } from '../io/output-path.js';
import { openFrameSink, type FrameSink } from '../io/frame-sink.js';
import { isFrameSequencePattern } from '../io/frame-sequence.js';
import { onInterrupt } from '../io/interrupt.js';
import { PreviewWindow } from '../io/preview.js';
import { concatPathFor, defaultOutputPaths } from '../io/paths.js';
import { assertOutputsAreNotInputs } from '../io/output-guard.js';
import { openTemplateWriter } from '../io/template.js';
import { FaceCropper } from '../face/cropper.js';
import { loadModelSet, precisionNotice, standinWarning, type ModelSet } from '../models/model-set.js';
import { DEFAULTS, PRECISIONS, type Precision } from '../settings.js';
import { expectOneOf, expectThreads } from '../validate.js';
import type { SessionOptions } from '../runtime/onnx.js';
import { resolveAnimateOptions, type AnimateOptions, type AnimateOptionsInput } from './options.js';
import type { PreparedSource, PrepareSourceOptions } from './source.js';
import { comparisonTile, concatFrame, type DrivingSample } from './animator.js';
import { inspectDriving, openDriver, DrivingInputError, type Driver, type DrivingInput } from './drivers.js';
import { FaceGroup, driverForFace, prepareFaces, type PreparedFaces } from './faces.js';
import { zipDrivers } from './driver-set.js';
import { expressionMagnitude } from '../math/editing.js';
import { animateVideoToVideo, type JitterFigure } from './v2v.js';
import { readAhead, readAheadDepth } from './read-ahead.js';
import { clock, type StageTimings } from './timings.js';
import { OptionError, expectInteger } from '../validate.js';
import { parseFrameRate } from '../io/frame-rate.js';


export interface Engine {
  readonly models: ModelSet;
  readonly cropper: FaceCropper;
  release(): Promise<void>;
}

export interface EngineOptions extends SessionOptions {
  /** Model pack directory. */
  readonly models: string;
  readonly detector?: AnimateOptions['crop']['detector'];
  /** fp32 (default) or int8: the quantized variants of F, M and W+G where the pack has them. */
  readonly precision?: Precision;
  readonly onWarning?: (message: string) => void;
}

/** Loads a pack once; the engine then serves any number of sources and drivers. */
export async function createEngine(options: EngineOptions): Promise<Engine> {
  expectThreads('threads', options.threads ?? DEFAULTS.runtime.threads, availableParallelism(), DEFAULTS.runtime.maxThreadsPerCore);
  const precision = options.precision === undefined ? DEFAULTS.runtime.precision : expectOneOf('precision', options.precision, PRECISIONS);
  const models = await loadModelSet(options.models, { device: options.device, threads: options.threads, detector: options.detector, precision });
  const warning = standinWarning(models.standinRoles);
  if (warning) options.onWarning?.(warning);
  const notice = precisionNotice(precision, models.quantizedRoles);
  if (notice) options.onWarning?.(notice);
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
  return (await prepareFacesFile(engine, path, { ...options, crop: { ...options.crop, faces: 'largest' } })).sources[0];
}

/** What a source portrait is prepared with for an animation run. */
function sourceOptions(path: string, options: AnimateOptions): PrepareSourceOptions {
  return {
    crop: options.crop,
    normalizeLip: options.motion.normalizeLip,
    ratios: options.motion.eyeRetargeting || options.motion.lipRetargeting,
    pasteback: options.output.pasteback,
    label: basename(path),
  };
}

/** Reads a source portrait and prepares every chosen face (`options.crop.faces`; default: the largest). */
export async function prepareFacesFile(engine: Engine, path: string, options: AnimateOptions): Promise<PreparedFaces> {
  const input = await inspectMedia(path, '--source');
  if (input.kind !== 'image') throw new SourceInputError(`${path} is a video: a source video is animated frame by frame by animateFile (video-to-video)`);
  return prepareFaces(await readImage(path), engine.models, engine.cropper, sourceOptions(path, options));
}

/** The driving argument(s) as a list. */
export function drivingList(driving: string | readonly string[]): string[] {
  const list = typeof driving === 'string' ? [driving] : [...driving];
  if (list.length === 0) throw new SourceInputError('no driver given: pass at least one --driving');
  return list;
}

export interface AnimateFileRequest {
  readonly source: string;
  /**
   * Video, image, motion template (.json) or webcam spec ('0', 'webcam:N'). Several drivers (one per
   * chosen face, left to right, or one for all faces): the first sets the frame count and fps.
   */
  readonly driving: string | readonly string[];
  /** Output file (.mp4, .png/.jpg for image driving, or DIR/%04d.png); default animations/{src}--{drv}.mp4. */
  readonly output?: string;
  readonly options?: AnimateOptionsInput;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
  /** Install SIGINT/SIGTERM cleanup of partial outputs (the CLI does). */
  readonly cleanupOnInterrupt?: boolean;
  /** Show frames live in a window (ffplay); without `output`, nothing is written. Closing it ends the run. */
  readonly preview?: boolean;
  /** Optional per-stage timing hook (benchmarks); absent, the pipeline does no timing work. */
  readonly timings?: StageTimings;
  /** A driving (or source) video that decodes fewer frames than it states is an error, not a warning. */
  readonly strict?: boolean;
  /**
   * Render only driver frames [start, end) — one chunk of a longer run. The relative-motion reference
   * and the smoothing state come from the whole driver, so every frame equals the same frame of a full
   * run; a frame sequence output is numbered as in the full run. Chunks written as videos use the same
   * encoder settings as a full run, so `concatVideoFiles` joins them without re-encoding.
   */
  readonly range?: FrameRange;
  /** Output frame rate instead of the driver's, e.g. a video's exact rational rate when driving with its template. */
  readonly fps?: string;
  /** Mux the driver's audio into a video output (default true). */
  readonly audio?: boolean;
}

/** Frames [start, end) of a driver. */
export interface FrameRange {
  readonly start: number;
  readonly end: number;
}

function checkRange(range: FrameRange): FrameRange {
  expectInteger('range.start', range.start, 0);
  expectInteger('range.end', range.end, range.start + 1);
  return range;
}

export interface AnimateFileResult {
  readonly output: string;
  readonly concat?: string;
  readonly frames: number;
  readonly fps: number;
  readonly driverKind: Driver['kind'];
  readonly hasAudio: boolean;
  /** Faces animated (`crop.faces`; 1 by default). */
  readonly faces: number;
  /** Video-to-video only: keypoint jitter with and without the Kalman smoothing. */
  readonly jitter?: JitterFigure;
}

/** What an animation request turned out to be, checked before any model runs (see checkAnimateRequest). */
export interface AnimatePlan {
  readonly source: MediaInput;
  readonly driving: DrivingInput;
  /** The output path (the default one when none was given); undefined for a preview-only run. */
  readonly output?: string;
  /** Options that do not apply to these inputs; animateFile reports each once. */
  readonly warnings: readonly string[];
}

/**
 * Checks an animation request without loading anything: the source and driving inputs exist and are
 * readable images, videos or templates, and the output path suits them (extension, folder). The CLI calls
 * it before loading models; animateFile calls it again, so library users get the same checks.
 */
export async function checkAnimateRequest(request: AnimateFileRequest): Promise<AnimatePlan> {
  resolveAnimateOptions(request.options);
  await checkAnimateOutputs(request);
  const source = await inspectMedia(request.source, '--source');
  const drivings = drivingList(request.driving);
  const inputs: DrivingInput[] = [];
  for (const d of drivings) inputs.push(await inspectDriving(d));
  const driving = inputs[0];
  const warnings: string[] = [];
  const isImageRun = source.kind === 'image' && driving.kind === 'image';
  inputs.forEach((input, j) => {
    if (source.kind === 'video' && (input.kind === 'image' || input.kind === 'webcam')) {
      throw new DrivingInputError(`a source video is driven by a driving video or a motion template, not ${input.kind === 'image' ? 'an image' : 'a webcam'} (${drivings[j]})`);
    }
  });
  if (source.kind === 'image') {
    if (source.pages > 1) warnings.push(`${request.source} is ${animatedName(source.format)}: its first frame is the source (give an .mp4 for video-to-video)`);
    const motion = request.options?.motion;
    const videoOnly = [motion?.smoothVariance !== undefined && '--smooth-variance', motion?.sourceEyeRetargeting === true && '--source-eye-retarget'].filter((f): f is string => !!f);
    if (videoOnly.length > 0) warnings.push(`${videoOnly.join(', ')} appl${videoOnly.length > 1 ? 'y' : 'ies'} to a source video only: ignored for the image ${request.source}`);
  }
  if (request.preview && !request.output && !isImageRun) return { source, driving, warnings };
  const output = request.output ?? defaultOutputPaths('animations', request.source, drivings[0], { image: isImageRun }).main;
  const check: OutputCheck = isImageRun
    ? { allowed: ['image'], what: 'a driving image writes' }
    : {
        allowed: ['video', 'frames'],
        what: source.kind === 'video' ? 'video-to-video writes' : driving.kind === 'template' ? 'a motion template writes' : driving.kind === 'webcam' ? 'a webcam driver writes' : 'a video driver writes',
      };
  await checkOutputPath(output, check);
  return { source, driving, output, warnings };
}

/**
 * Whether the driver's motion is composed as a single driving image (relative expression measured from
 * the neutral-lip reference, no expression-friendly scaling): an image, or a one-frame motion template,
 * which the original also treats as an image.
 */
export function drivesAsImage(driver: Pick<Driver, 'kind' | 'still'>): boolean {
  return driver.kind === 'image' || driver.still === true;
}

/**
 * Refuses a run whose output (or its _concat companion) is one of its inputs, before any work. Without
 * an output path both default names (video and image) are checked.
 */
export async function checkAnimateOutputs(request: Pick<AnimateFileRequest, 'source' | 'driving' | 'output' | 'options'>): Promise<void> {
  const drivings: readonly string[] = typeof request.driving === 'string' ? [request.driving] : request.driving;
  const mains = request.output
    ? [request.output]
    : [false, true].map((image) => defaultOutputPaths('animations', request.source, drivings[0], { image }).main);
  const concat = !!request.options?.output?.concat;
  await assertOutputsAreNotInputs(
    mains.flatMap((main) => (concat ? [main, concatPathFor(main)] : [main])),
    [request.source, ...drivings],
  );
}

/**
 * Animates a source (image, or video: video-to-video) with one driver, or — with `options.crop.faces` —
 * several faces with one driver each or one driver for all, into a file.
 */
export async function animateFile(engine: Engine, request: AnimateFileRequest): Promise<AnimateFileResult> {
  const options = resolveAnimateOptions(request.options);
  const warn = request.onWarning ?? (() => {});
  const range = request.range ? checkRange(request.range) : undefined;
  if (request.fps !== undefined) parseFrameRate('fps', request.fps);
  const drivings = drivingList(request.driving);
  const plan = await checkAnimateRequest(request);
  plan.warnings.forEach(warn);
  if (plan.source.kind === 'video') {
    if (range) throw new OptionError('range', 'a frame range renders part of an image-source run; a source video is animated whole');
    const r = await animateVideoToVideo(engine, { ...request, driving: drivings, output: plan.output }, options);
    return { ...r, driverKind: 'video' };
  }
  const faces = await prepareFacesFile(engine, request.source, options);
  const sources = faces.sources;
  const source = sources[0];
  faces.warnings.forEach(warn);
  const driverOf = driverForFace(sources.length, drivings.length, options.crop.faces);
  const needRatios = options.motion.eyeRetargeting || options.motion.lipRetargeting;
  const drivers: Driver[] = [];
  for (const driving of drivings) {
    drivers.push(
      await openDriver(driving, {
        models: engine.models,
        cropper: engine.cropper,
        crop: options.crop,
        needRatios,
        maxFrames: options.output.frames,
        timings: request.timings,
        strict: request.strict,
        onWarning: warn,
      }),
    );
  }
  const driver = drivers[0];
  const isImageRun = driver.kind === 'image';
  if (range && (isImageRun || driver.kind === 'webcam')) throw new OptionError('range', `a frame range needs a video or template driver, not a ${driver.kind}`);
  const previewOnly = plan.output === undefined;
  const output = plan.output ?? '';
  await mkdir(dirname(output) || '.', { recursive: true });
  const animator = new FaceGroup(sources, engine.models, (k) => ({
    motion: options.motion,
    drivingIsImage: drivesAsImage(drivers[driverOf(k)]),
    pasteback: options.output.pasteback,
    timings: request.timings,
  }));
  const perFace = (row: readonly DrivingSample[]): DrivingSample[] => sources.map((_, k) => row[driverOf(k)]);
  const rows = () => zipDrivers(drivers, { loop: options.output.loopDrivers, signal: request.signal });

  if (isImageRun) {
    for await (const row of rows()) {
      const frame = await animator.animate(perFace(row));
      await writeImage(output, FaceGroup.output(frame));
      if (options.output.concat) await writeImage(concatPathFor(output), concatFrame(row[0].crop256, comparisonTile(source.input256), frame.render));
    }
    animator.warnings.forEach(warn);
    return { output, concat: options.output.concat ? concatPathFor(output) : undefined, frames: 1, fps: driver.fps, driverKind: driver.kind, hasAudio: false, faces: sources.length };
  }

  const size = animator.frameSize;
  const sinks: FrameSink[] = [];
  const fpsText = request.fps ?? driver.fpsText;
  const audioFrom = request.audio === false ? undefined : driver.audioPath;
  const startNumber = 1 + (range?.start ?? 0);
  const preview = request.preview ? PreviewWindow.open(size.width, size.height, fpsText, `liveportrait — ${basename(request.source)}`) : undefined;
  const unregister = request.cleanupOnInterrupt ? onInterrupt(() => Promise.all(sinks.map((s) => s.abort())).then(() => undefined)) : () => {};
  try {
    const main = previewOnly ? undefined : await openFrameSink(output, { ...size, fps: fpsText, crf: options.output.crf, audioFrom, startNumber });
    if (main) sinks.push(main);
    const concatPath = main && options.output.concat && !isFrameSequencePattern(output) ? concatPathFor(output) : undefined;
    const sourceTile = concatPath ? comparisonTile(source.input256) : undefined;
    if (concatPath) sinks.push(await openFrameSink(concatPath, { width: 1536, height: 512, fps: fpsText, crf: options.output.crf, audioFrom, startNumber }));
    let frames = 0;
    // A chunk that does not start at frame 0 still takes frame 0 (the default reference) from its driver;
    // with smoothing, the warm-up below composes frame 0 first, which arms it exactly as a full run does.
    const explicitFirst = !!range && range.start > 0 && !options.motion.smooth;
    for (let j = 0; j < drivers.length; j++) {
      const reference = await findReference(drivers[j], options.motion.reference, request.signal, explicitFirst);
      if (reference) sources.forEach((_, k) => driverOf(k) === j && animator.setReference(k, reference));
    }
    const timings = request.timings;
    // Frame N is handed to the encoder while frame N+1 renders; one write in flight at a time is the
    // backpressure (a slow encoder stalls rendering, never memory).
    let writing: Promise<void> | undefined;
    const write = async (index: number, image: RgbImage, concat: RgbImage | undefined): Promise<void> => {
      const t = timings ? clock() : 0;
      if (main) await main.write(image);
      if (concat) await sinks[1].write(concat);
      if (timings) timings.record('encode', index, clock() - t);
    };
    for await (const row of readAhead(rows(), readAheadDepth(availableParallelism()))) {
      request.signal?.throwIfAborted();
      const sample = row[0];
      if (range && sample.index < range.start) {
        // Frames before the chunk only advance the smoothing filters (keypoints, no render).
        if (options.motion.smooth) for (const [k, s] of perFace(row).entries()) await animator.animators[k].drivingKeypoints(s);
        continue;
      }
      if (range && sample.index >= range.end) break;
      const frame = await animator.animate(perFace(row));
      const image = FaceGroup.output(frame);
      const concat = concatPath ? concatFrame(sample.crop256, sourceTile ?? comparisonTile(source.input256), frame.render) : undefined;
      if (writing) await writing;
      writing = write(sample.index, image, concat);
      // Awaited before the next write or at the end; this only keeps a failure from counting as unhandled meanwhile.
      writing.catch(() => undefined);
      if (preview) {
        if (preview.closed) break;
        await preview.show(image);
      }
      frames++;
      request.onProgress?.(frames, range ? range.end - range.start : driver.frameCount);
    }
    if (writing) await writing;
    if (frames === 0) throw new SourceInputError(`the driver ${driver.label} produced no frames`);
    const closed = await Promise.all(sinks.map((s) => s.close()));
    await preview?.close();
    animator.warnings.forEach(warn);
    const hasAudio = (closed[0] as { hasAudio?: boolean } | undefined)?.hasAudio ?? false;
    return { output: main ? output : '', concat: concatPath, frames, fps: driver.fps, driverKind: driver.kind, hasAudio, faces: sources.length };
  } catch (err) {
    await preview?.close().catch(() => undefined);
    await Promise.all(sinks.map((s) => s.abort().catch(() => undefined)));
    throw err;
  } finally {
    unregister();
  }
}

/**
 * The relative-motion reference: frame 0 by default (the driver's first sample, no extra work);
 * frame N or the most neutral frame ('auto': smallest expression magnitude) through a motion-only
 * pre-pass over the driver — one sample is held, never the frames.
 */
export async function findReference(driver: Driver, reference: number | 'auto', signal?: AbortSignal, explicitFirst = false): Promise<DrivingSample | undefined> {
  if (reference === 0 && !explicitFirst) return undefined;
  if (driver.kind === 'webcam') throw new SourceInputError(`--reference ${reference} needs the whole driver in advance; a webcam starts from its first frame (use --reference 0)`);
  let best: DrivingSample | undefined;
  let bestMagnitude = Infinity;
  let count = 0;
  for await (const sample of driver.samples(signal)) {
    count++;
    if (typeof reference === 'number') {
      if (sample.index === reference) return sample;
      continue;
    }
    const magnitude = expressionMagnitude(sample.motion.exp);
    if (magnitude < bestMagnitude) {
      bestMagnitude = magnitude;
      best = sample;
    }
  }
  if (typeof reference === 'number') {
    throw new SourceInputError(`--reference ${reference} is beyond the driver's ${count} frames (${driver.label})`);
  }
  return best;
}

export interface ExtractTemplateRequest {
  readonly driving: string;
  readonly output: string;
  readonly options?: AnimateOptionsInput;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly signal?: AbortSignal;
  readonly cleanupOnInterrupt?: boolean;
  /** A driving video that decodes fewer frames than it states is an error, not a warning. */
  readonly strict?: boolean;
  readonly onWarning?: (message: string) => void;
}

/** Extracts per-frame motion (and eye/lip ratios when the landmark model is there) to a template file. */
/** Checks a template extraction without loading anything: the driving input, and an output ending in .json. */
export async function checkTemplateRequest(request: ExtractTemplateRequest): Promise<void> {
  resolveAnimateOptions(request.options);
  await assertOutputsAreNotInputs([request.output], [request.driving]);
  const driving = await inspectDriving(request.driving);
  if (driving.kind === 'template') throw new SourceInputError(`${request.driving} is already a motion template`);
  await checkOutputPath(request.output, { allowed: ['template'], what: 'a motion template is written as' });
}

export async function extractTemplate(engine: Engine, request: ExtractTemplateRequest): Promise<{ output: string; frames: number; fps: number }> {
  const options = resolveAnimateOptions(request.options);
  await checkTemplateRequest(request);
  const driver = await openDriver(request.driving, {
    models: engine.models,
    cropper: engine.cropper,
    crop: options.crop,
    needRatios: !!engine.models.face.landmark203,
    maxFrames: options.output.frames,
    strict: request.strict,
    onWarning: request.onWarning,
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
