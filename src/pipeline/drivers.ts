/**
 * Drivers: every kind of driving input (video file, webcam, single image, motion template) behind one
 * async-iterable interface of per-frame motion. Frames are decoded, cropped and reduced to motion one
 * at a time; nothing holds the video.
 */
import { basename, extname } from 'node:path';
import type { RgbImage } from '../image/types.js';
import { FaceCropper, wholeFrameInput } from '../face/cropper.js';
import { DrivingFaceTracker, cropDrivingFrame, averageBoxes, type DrivingTrackerOptions, type TrackedFace } from '../face/tracker.js';
import { NoFaceError, type Box } from '../face/types.js';
import { eyeCloseRatios, lipCloseRatio } from '../math/ratios.js';
import type { MotionInfo } from '../math/keypoints.js';
import { openVideoReader } from '../io/video-reader.js';
import { isWebcamSpec, readWebcamFrames } from '../io/webcam.js';
import { readImage } from '../io/image-file.js';
import { readTemplate } from '../io/template.js';
import { probeMedia } from '../io/probe.js';
import { InputFileError, animatedName, checkInputFile, inspectMedia, type MediaInput } from '../io/input-file.js';
import { DEFAULTS } from '../settings.js';
import type { DrivingSample } from './animator.js';
import { modelInput, type PortraitModels } from './source.js';
import { motionFromModelOutputs } from '../math/keypoints.js';
import type { CropOptions } from './options.js';
import { lap, spanStart, type StageTimings } from './timings.js';

export type DriverKind = 'video' | 'webcam' | 'image' | 'template';

export interface Driver {
  readonly kind: DriverKind;
  /** Path or spec, for messages and output names. */
  readonly label: string;
  readonly fps: number;
  /** Exact rational frame rate for the writer (e.g. '30000/1001'). */
  readonly fpsText: string;
  /** Frames the driver will yield, when known. */
  readonly frameCount?: number;
  /** File whose audio belongs with the result. */
  readonly audioPath?: string;
  /** One still pose: a motion template of a single frame (the original composes it as a driving image). */
  readonly still?: boolean;
  samples(signal?: AbortSignal): AsyncIterable<DrivingSample>;
}

export interface DriverContext {
  readonly models: Pick<PortraitModels, 'motion'>;
  readonly cropper: FaceCropper;
  readonly crop: CropOptions;
  /** Compute eye/lip ratios per frame (retargeting, templates). */
  readonly needRatios: boolean;
  readonly maxFrames?: number;
  /** Optional per-stage timing hook (decode, detect, crop, motion). */
  readonly timings?: StageTimings;
  /** A video that decodes fewer frames than it states is an error (else a warning through onWarning). */
  readonly strict?: boolean;
  readonly onWarning?: (message: string) => void;
}

export class DrivingInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DrivingInputError';
  }
}

function ratiosOf(tracked: TrackedFace | undefined): { eyeRatios?: number[]; lipRatio?: number } {
  const lmk = tracked?.landmarks203;
  if (!lmk) return {};
  return { eyeRatios: eyeCloseRatios(lmk), lipRatio: lipCloseRatio(lmk) };
}

/** The driving face: `drivingFace` (left to right) when given, else `faceIndex` (largest first). */
function trackerOptions(crop: CropOptions): DrivingTrackerOptions {
  const picked = crop.drivingFace !== undefined;
  return {
    scale: crop.drivingScale,
    vx: crop.drivingVx,
    vy: crop.drivingVy,
    faceIndex: picked ? crop.drivingFace : crop.faceIndex,
    leftToRight: picked,
  };
}

/** Turns frames into samples: face tracking, driving crop, M. Shared by the video, webcam and image drivers. */
class FrameMotion {
  private readonly tracker: DrivingFaceTracker;
  private lastBox: Box | undefined;

  constructor(
    private readonly ctx: DriverContext,
    private readonly label: string,
    private readonly cropFrames: boolean,
    private readonly fixedBox: Box | undefined,
  ) {
    this.tracker = new DrivingFaceTracker(ctx.cropper, trackerOptions(ctx.crop));
  }

  async sample(index: number, image: RgbImage, isStill: boolean): Promise<DrivingSample> {
    // Frame 0 is always checked for a face (as the original); later frames are tracked only when the
    // crop or the ratios need landmarks.
    const timings = this.ctx.timings;
    let t = spanStart(timings);
    let tracked: TrackedFace | undefined;
    if (index === 0 || (this.cropFrames && !this.fixedBox) || this.ctx.needRatios) {
      tracked = await this.tracker.track(image);
      if (!tracked && index === 0) throw new NoFaceError(this.label, isStill ? undefined : 0);
    }
    if (tracked) this.lastBox = tracked.box;
    t = lap(timings, 'detect', index, t);
    let input256: RgbImage;
    if (this.cropFrames) {
      const box = this.fixedBox ?? this.lastBox;
      input256 = box ? cropDrivingFrame(image, box).crop256 : wholeFrameInput(image);
    } else {
      input256 = wholeFrameInput(image);
    }
    const tensor = modelInput(input256);
    t = lap(timings, 'crop', index, t);
    const motion: MotionInfo = motionFromModelOutputs(await this.ctx.models.motion.extract(tensor));
    lap(timings, 'motion', index, t);
    return { index, motion, crop256: input256, ...ratiosOf(tracked) };
  }
}

/** Decoded frames with the time spent waiting for each one recorded as 'decode'. */
async function* timedFrames<F extends { readonly index: number }>(frames: AsyncIterable<F>, timings: StageTimings | undefined): AsyncGenerator<F, void, undefined> {
  if (!timings) {
    yield* frames;
    return;
  }
  const it = frames[Symbol.asyncIterator]();
  try {
    while (true) {
      const t = spanStart(timings);
      const next = await it.next();
      if (next.done) return;
      lap(timings, 'decode', next.value.index, t);
      yield next.value;
    }
  } finally {
    await it.return?.();
  }
}

/** 'auto' crops non-square frames (as the original), and any frame when a driving face is picked. */
function shouldCrop(crop: CropOptions, width: number, height: number): boolean {
  const mode = crop.cropDriving;
  return mode === 'on' || (mode === 'auto' && (width !== height || crop.drivingFace !== undefined));
}

export async function videoDriver(path: string, ctx: DriverContext): Promise<Driver> {
  const reader = await openVideoReader(path, { maxFrames: ctx.maxFrames, strict: ctx.strict, onWarning: ctx.onWarning });
  if (reader.info.isImage) throw new DrivingInputError(`${path} is an image: use it as a driving image`);
  const label = basename(path);
  const crop = shouldCrop(ctx.crop, reader.width, reader.height);
  return {
    kind: 'video',
    label: path,
    fps: reader.fps,
    fpsText: reader.fpsRational,
    frameCount: reader.expectedFrames,
    audioPath: reader.info.hasAudio ? path : undefined,
    async *samples(signal) {
      let fixedBox: Box | undefined;
      if (crop && ctx.crop.drivingBox === 'average') {
        // The original averages the per-frame crop boxes over the whole video: a landmark-only pass first.
        const tracker = new DrivingFaceTracker(ctx.cropper, trackerOptions(ctx.crop));
        const boxes: Box[] = [];
        for await (const frame of reader.frames(signal)) {
          const t = await tracker.track(frame.image);
          if (!t && frame.index === 0) throw new NoFaceError(label, 0);
          if (t) boxes.push(t.box);
        }
        fixedBox = averageBoxes(boxes);
      }
      const fm = new FrameMotion(ctx, label, crop, fixedBox);
      for await (const frame of timedFrames(reader.frames(signal), ctx.timings)) yield await fm.sample(frame.index, frame.image, false);
    },
  };
}

export function webcamDriver(spec: string, ctx: DriverContext): Driver {
  const fps = DEFAULTS.webcam.fps;
  return {
    kind: 'webcam',
    label: `webcam ${spec}`,
    fps,
    fpsText: String(fps),
    frameCount: ctx.maxFrames,
    async *samples(signal) {
      const fm = new FrameMotion(ctx, `webcam ${spec}`, ctx.crop.cropDriving !== 'off', undefined);
      let i = 0;
      for await (const frame of readWebcamFrames(spec, { maxFrames: ctx.maxFrames, signal })) {
        yield await fm.sample(i++, frame.image, false);
      }
    },
  };
}

export async function imageDriver(path: string, ctx: DriverContext): Promise<Driver> {
  const image = await readImage(path);
  const fps = DEFAULTS.output.fallbackFps;
  return {
    kind: 'image',
    label: path,
    fps,
    fpsText: String(fps),
    frameCount: 1,
    async *samples() {
      const fm = new FrameMotion(ctx, basename(path), shouldCrop(ctx.crop, image.width, image.height), undefined);
      yield await fm.sample(0, image, true);
    },
  };
}

const IDENTITY_KP = new Float32Array(63);

export async function templateDriver(path: string, maxFrames?: number): Promise<Driver> {
  const template = await readTemplate(path);
  const n = Math.min(template.frames.length, maxFrames ?? Infinity);
  if (n === 0) throw new DrivingInputError(`template ${path} has no frames`);
  return {
    kind: 'template',
    label: path,
    fps: template.fps,
    fpsText: String(template.fps),
    frameCount: n,
    still: template.frames.length === 1,
    async *samples() {
      for (let i = 0; i < n; i++) {
        const f = template.frames[i];
        const motion: MotionInfo = { pitch: f.pitch ?? 0, yaw: f.yaw ?? 0, roll: f.roll ?? 0, R: f.R, exp: f.exp, scale: f.scale, t: f.t, kp: f.kp ?? IDENTITY_KP };
        const eyes = template.eyeRatios?.[i];
        const lip = template.lipRatios?.[i];
        yield { index: i, motion, eyeRatios: eyes ? [...eyes] : undefined, lipRatio: lip };
      }
    },
  };
}

export const TEMPLATE_EXTENSIONS = ['.json'];

/** What a driving argument is: a webcam, a motion template file, an image or a video (checked, nothing decoded). */
export type DrivingInput = { readonly kind: 'webcam' } | { readonly kind: 'template' } | MediaInput;

/**
 * Classifies a driving argument and refuses what cannot drive: FIFOs and devices (other than a webcam
 * spec), unreadable files, an animated WebP (ffmpeg has no decoder for it). An animated GIF is a video.
 */
export async function inspectDriving(driving: string): Promise<DrivingInput> {
  if (isWebcamSpec(driving)) return { kind: 'webcam' };
  if (TEMPLATE_EXTENSIONS.includes(extname(driving).toLowerCase())) {
    await checkInputFile(driving, '--driving');
    return { kind: 'template' };
  }
  const input = await inspectMedia(driving, '--driving');
  if (input.kind === 'image' && input.pages > 1) {
    if (input.format !== 'gif') {
      throw new InputFileError('--driving', driving, ` is ${animatedName(input.format)}, which ffmpeg cannot decode as a video: convert it to .mp4 or .gif (or give one of its frames as a driving image)`);
    }
    return { kind: 'video', path: driving, info: await probeMedia(driving) };
  }
  return input;
}

/** Picks the driver for a driving argument: webcam spec, template (.json), image or video. */
export async function openDriver(driving: string, ctx: DriverContext): Promise<Driver> {
  const input = await inspectDriving(driving);
  if (input.kind === 'webcam') return webcamDriver(driving, ctx);
  if (input.kind === 'template') return templateDriver(driving, ctx.maxFrames);
  if (input.kind === 'image') return imageDriver(driving, ctx);
  return videoDriver(driving, ctx);
}
