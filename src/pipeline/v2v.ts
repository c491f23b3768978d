/**
 * Video-to-video: a source VIDEO animated by a driving video (or motion template), as the original's
 * source-video mode. Per source frame i the face is cropped and F/M run on it; the driven targets
 *   exp_i = exp_s,i + exp_d,i − exp_d,ref      R_i = R_d,i · R_d,refᵀ · R_s,i     (relative)
 *   exp_i = exp_d,i                            R_i = R_d,i                       (absolute)
 * are Kalman (RTS) smoothed over the whole sequence, composed with the source frame's own scale and t
 * (sourceVideoTargets), stitched, rendered and pasted back into that source frame. Normalise-lip and
 * source-video eye retargeting work per source frame (that frame's landmarks), eye/lip retargeting with
 * the driver's ratios, under the same branch rules as a source image (algorithm1.ts).
 *
 * Streaming in two passes, so memory never holds frames:
 *   1. motion: source and driver decoded in lockstep; per frame only the crop transforms, the source
 *      motion and ratios and the driving rotation/expression/translation/ratios are kept (a few hundred
 *      floats); then smoothing, stitching, retargeting and the jitter figure — motion only;
 *   2. pixels: the source is decoded again; crop (from the stored transform), F, render, paste, encode.
 *
 * Several faces (`crop.faces` 'all' or indices): the faces chosen in frame 0 are followed through the
 * video (SourceFaceTracks); each face has its own track of records, smoothed on its own, and a driver
 * of its own or the one driver. On each frame the faces seen there are rendered and pasted one after
 * another; a face that is not found on a frame (it left the picture) is left untouched there.
 */
import { basename, dirname, extname } from 'node:path';
import { mkdir } from 'node:fs/promises';
import type { RgbImage } from '../image/types.js';
import type { Matrix3 } from '../math/affine.js';
import { warpAffine } from '../image/warp.js';
import { resizeArea, resizeToLimit } from '../image/resize.js';
import { tensorToImage } from '../image/tensor.js';
import { createPasteBackMask } from '../image/mask.js';
import { pasteBack, preparePasteBack } from '../image/blend.js';
import { wholeFrameInput } from '../face/cropper.js';
import { KEYPOINT_VALUES, transformKeypoints, type MotionInfo } from '../math/keypoints.js';
import { createMotionTargets, keypointsFromTargets, relativeRotation, sourceVideoTargets, applyDrivingMultiplier } from '../math/motion.js';
import { kalmanRtsSmooth } from '../math/smoothing.js';
import { eyeRetargetInput, lipRetargetInput, sourceVideoEyeTarget } from '../math/stitching.js';
import { eyeCloseRatios, lipCloseRatio } from '../math/ratios.js';
import { DrivingFaceTracker } from '../face/tracker.js';
import { expressionMagnitude } from '../math/editing.js';
import { openVideoReader } from '../io/video-reader.js';
import { openFrameSink, type FrameSink } from '../io/frame-sink.js';
import { isFrameSequencePattern } from '../io/frame-sequence.js';
import { onInterrupt } from '../io/interrupt.js';
import { defaultOutputPaths } from '../io/paths.js';
import { OptionError } from '../validate.js';
import { DEFAULTS } from '../settings.js';
import type { AnimateOptions } from './options.js';
import { extractMotion, modelInput, type PortraitModels } from './source.js';
import { openDriver, DrivingInputError, type Driver } from './drivers.js';
import { zipDrivers } from './driver-set.js';
import { driverForFace } from './faces.js';
import { SourceFaceTracks } from '../face/source-tracks.js';
import type { Face } from '../face/types.js';
import type { DrivingSample } from './animator.js';
import { addsLipNormalization, stitchAndRetarget, usesRetargetingBranch, type FaceRatios } from './algorithm1.js';
import type { Engine } from './run.js';

/** Mean frame-to-frame L2 change of the keypoints handed to the generator. */
export interface JitterFigure {
  readonly smoothed: number;
  readonly unsmoothed: number;
  /** smoothed / unsmoothed (1 when there is no motion at all). */
  readonly ratio: number;
}

export interface VideoToVideoRequest {
  readonly source: string;
  /** A driving video or motion template; several (one per face) with `crop.faces`. */
  readonly driving: string | readonly string[];
  readonly output?: string;
  readonly onProgress?: (done: number, total: number | undefined) => void;
  readonly onWarning?: (message: string) => void;
  readonly signal?: AbortSignal;
  readonly cleanupOnInterrupt?: boolean;
  /** A video that decodes fewer frames than it states is an error instead of a warning. */
  readonly strict?: boolean;
  /** Called after the motion pass with each frame's source keypoints and the driving keypoints handed to the generator. */
  readonly onKeypoints?: (index: number, sourceKeypoints: Float32Array, drivingKeypoints: Float32Array) => void;
}

export interface VideoToVideoResult {
  readonly output: string;
  readonly frames: number;
  readonly fps: number;
  readonly hasAudio: boolean;
  /** The jitter of the first face. */
  readonly jitter: JitterFigure;
  /** Faces followed through the video. */
  readonly faces: number;
}

/** One source face through the video: the frames it is seen on and what pass 1 keeps of each. */
interface FaceTrack {
  readonly frames: number[];
  readonly records: FrameMotionRecord[];
}

/** What pass 1 keeps of one frame pair. */
interface FrameMotionRecord {
  readonly M_o2c?: Matrix3;
  readonly M_c2o?: Matrix3;
  readonly source: MotionInfo;
  /** The source frame's eye/lip ratios (203-point landmarks), when a feature needs them. */
  readonly sourceRatios?: FaceRatios;
  readonly drivingR: Float64Array;
  readonly drivingExp: Float32Array;
  readonly drivingT: Float32Array;
  readonly drivingRatios?: FaceRatios;
}

const VIDEO_EXTS_FOR_IMAGES = new Set(['.png', '.jpg', '.jpeg', '.webp']);

function referenceIndex(records: readonly FrameMotionRecord[], reference: number | 'auto'): number {
  if (reference === 'auto') {
    let best = 0;
    let bestMagnitude = Infinity;
    records.forEach((r, i) => {
      const m = expressionMagnitude(r.drivingExp);
      if (m < bestMagnitude) {
        bestMagnitude = m;
        best = i;
      }
    });
    return best;
  }
  if (reference >= records.length) throw new OptionError('reference', `--reference ${reference} is beyond the ${records.length} frames animated`);
  return reference;
}

/** Mean L2 distance between consecutive 63-value keypoint sets. */
export function meanFrameChange(sequence: readonly ArrayLike<number>[]): number {
  if (sequence.length < 2) return 0;
  let total = 0;
  for (let i = 1; i < sequence.length; i++) {
    let sum = 0;
    for (let k = 0; k < KEYPOINT_VALUES; k++) {
      const d = sequence[i][k] - sequence[i - 1][k];
      sum += d * d;
    }
    total += Math.sqrt(sum);
  }
  return total / (sequence.length - 1);
}

/** Zips two async iterators, stopping (and closing both) at the shorter. */
async function* lockstep<A, B>(a: AsyncIterator<A>, b: AsyncIterator<B>): AsyncGenerator<[A, B]> {
  try {
    for (;;) {
      const x = await a.next();
      if (x.done) return;
      const y = await b.next();
      if (y.done) return;
      yield [x.value, y.value];
    }
  } finally {
    await Promise.all([a.return?.(), b.return?.()]);
  }
}

/** Animates a source video with a driving video or motion template (see the module note). */
export async function animateVideoToVideo(engine: Engine, request: VideoToVideoRequest, options: AnimateOptions): Promise<VideoToVideoResult> {
  const warnings = new Set<string>();
  const warn = (m: string): void => {
    if (warnings.has(m)) return;
    warnings.add(m);
    request.onWarning?.(m);
  };
  const m = options.motion;
  const models: PortraitModels = engine.models;
  if (m.smooth) warn('--smooth (one-euro) is for live input; video-to-video uses the Kalman smoother (--smooth-variance)');
  if (options.output.concat) warn('--concat is not available in video-to-video: only the result is written');

  const drivings = typeof request.driving === 'string' ? [request.driving] : [...request.driving];
  const output = request.output ?? defaultOutputPaths('animations', request.source, drivings[0], { image: false }).main;
  if (VIDEO_EXTS_FOR_IMAGES.has(extname(output).toLowerCase()) && !isFrameSequencePattern(output)) {
    throw new OptionError('output', `video-to-video writes a video or a frame sequence: use an .mp4 output or DIR/%04d.png, not '${output}'`);
  }

  // The original's branch rules (algorithm1.ts): retargeting replaces the before-animation deltas.
  const retargeting = usesRetargetingBranch(m);
  const hasLandmarkModel = !!engine.cropper.landmark203;
  if (retargeting && !hasLandmarkModel) {
    throw new Error('eye/lip retargeting needs the source eye and lip ratios: the 203-point landmark model (landmark.onnx)');
  }
  let eyeRetarget = m.sourceEyeRetargeting && !retargeting;
  if (eyeRetarget && !hasLandmarkModel) {
    warn('--source-eye-retarget needs the 203-point landmark model (landmark.onnx): skipped');
    eyeRetarget = false;
  }
  let normalizeLip = addsLipNormalization(m);
  if (normalizeLip && !hasLandmarkModel) {
    warn('normalise-lip needs the 203-point landmark model: skipped');
    normalizeLip = false;
  }
  if (m.normalizeLip && !addsLipNormalization(m)) {
    warn(retargeting ? '--normalize-lip has no effect with --eye-retargeting / --lip-retargeting (as in the original)' : '--normalize-lip has no effect with --no-relative (as in the original, it applies to relative motion only)');
  }
  if (m.sourceEyeRetargeting && retargeting) warn('--source-eye-retarget has no effect with --eye-retargeting / --lip-retargeting (as in the original)');
  const needSourceRatios = retargeting || eyeRetarget || normalizeLip;
  // Without the crop, the landmarks of each source frame are tracked on the whole frame (the original's
  // calc_lmks_from_cropped_video): detected on the first frame, then followed by the 203-point model.
  const sourceTracker = needSourceRatios && !options.crop.crop ? new DrivingFaceTracker(engine.cropper, { faceIndex: options.crop.faceIndex }) : undefined;
  const maxFrames = options.output.frames;
  const sourceReader = await openVideoReader(request.source, { maxFrames, strict: request.strict, onWarning: warn });
  const drivers: Driver[] = [];
  for (const driving of drivings) {
    const driver = await openDriver(driving, {
      models: engine.models,
      cropper: engine.cropper,
      crop: options.crop,
      needRatios: retargeting,
      maxFrames,
      strict: request.strict,
      onWarning: warn,
    });
    if (driver.kind === 'image' || driver.kind === 'webcam') {
      throw new DrivingInputError(`a source video is driven by a driving video or a motion template, not ${driver.kind === 'image' ? 'an image' : 'a webcam'} (${driver.label})`);
    }
    drivers.push(driver);
  }
  const driver = drivers[0];
  const label = basename(request.source);
  const fit = (image: RgbImage): RgbImage => resizeToLimit(image, options.crop.maxDim, DEFAULTS.source.division);
  // Several faces: followed through the video; each is animated on the frames where it is seen.
  const multiFace = options.crop.crop && options.crop.faces !== 'largest';
  if (multiFace && !options.output.pasteback) throw new OptionError('pasteback', 'video-to-video with several faces pastes each face back into the frame: drop --no-pasteback');
  const faceTracks = multiFace ? new SourceFaceTracks(engine.cropper, options.crop.faces, { minFace: options.crop.minFace, label }) : undefined;
  let driverOf = multiFace ? () => 0 : driverForFace(1, drivers.length, options.crop.faces);

  const faceRecord = async (image: RgbImage, face: Face | undefined, frame: number, sample: DrivingSample): Promise<FrameMotionRecord> => {
    let input256: RgbImage;
    let record: Partial<FrameMotionRecord> = {};
    let landmarks203: Float32Array | undefined;
    if (options.crop.crop) {
      const crop = await engine.cropper.cropSource(image, {
        scale: options.crop.scale,
        vx: options.crop.vx,
        vy: options.crop.vy,
        faceIndex: options.crop.faceIndex,
        face,
        label,
        frame,
      });
      crop.warnings.forEach(warn);
      input256 = crop.crop256;
      landmarks203 = crop.landmarks203;
      record = { M_o2c: crop.M_o2c, M_c2o: crop.M_c2o };
    } else {
      input256 = wholeFrameInput(image);
      landmarks203 = sourceTracker ? (await sourceTracker.track(image))?.landmarks203 : undefined;
    }
    if (needSourceRatios && landmarks203) record = { ...record, sourceRatios: { eyes: eyeCloseRatios(landmarks203), lip: lipCloseRatio(landmarks203) } };
    const d = sample.motion;
    return {
      ...record,
      source: await extractMotion(models, input256),
      drivingR: Float64Array.from(d.R),
      drivingExp: Float32Array.from(d.exp),
      drivingT: Float32Array.from(d.t),
      drivingRatios: sample.eyeRatios && sample.lipRatio !== undefined ? { eyes: sample.eyeRatios, lip: sample.lipRatio } : undefined,
    };
  };

  // Pass 1: motion only. One track per face: the frames it is seen on and their records.
  const tracks: FaceTrack[] = [];
  let n = 0;
  let frameSize = { width: 0, height: 0 };
  const frames = sourceReader.frames(request.signal)[Symbol.asyncIterator]();
  const rows = zipDrivers(drivers, { loop: options.output.loopDrivers, signal: request.signal });
  for await (const [frame, row] of lockstep(frames, rows)) {
    const image = fit(frame.image);
    frameSize = { width: image.width, height: image.height };
    n++;
    const faces = faceTracks ? await faceTracks.next(image, frame.index) : [undefined];
    if (faceTracks && frame.index === 0) {
      faceTracks.warnings.forEach(warn);
      driverOf = driverForFace(faces.length, drivers.length, options.crop.faces);
    }
    for (let k = 0; k < faces.length; k++) {
      if (faceTracks && !faces[k]) continue;
      const track = (tracks[k] ??= { frames: [], records: [] });
      track.frames.push(frame.index);
      track.records.push(await faceRecord(image, faces[k], frame.index, row[driverOf(k)]));
    }
  }
  if (n === 0) throw new DrivingInputError(`no frames to animate: ${request.source} or ${driver.label} is empty`);

  /** The keypoints handed to the generator on each frame of one face's track, smoothed over the track. */
  const driveTrack = async (records: readonly FrameMotionRecord[]): Promise<{ driving: Float32Array[]; sourceKeypoints: Float32Array[]; jitter: JitterFigure }> => {
    const count = records.length;
    // Driven targets, smoothed over the whole sequence.
    const ref = records[referenceIndex(records, m.reference)];
    const expTargets: Float32Array[] = [];
    const rotTargets: Float64Array[] = [];
    for (const r of records) {
      if (m.relative) {
        const exp = new Float32Array(KEYPOINT_VALUES);
        for (let k = 0; k < KEYPOINT_VALUES; k++) exp[k] = r.source.exp[k] + r.drivingExp[k] - ref.drivingExp[k];
        expTargets.push(exp);
        rotTargets.push(relativeRotation(r.drivingR, ref.drivingR, r.source.R));
      } else {
        expTargets.push(r.drivingExp);
        rotTargets.push(r.drivingR);
      }
    }
    const expSmoothed = kalmanRtsSmooth(expTargets, m.smoothVariance);
    const rotSmoothed = kalmanRtsSmooth(rotTargets, m.smoothVariance);

    // Before-animation deltas per source frame, as the original: normalise-lip closes the frame's open
    // mouth (lip ratio at least the threshold); source-video eye retargeting holds the eyes at the first
    // source frame's openness (a fixed open eye when that frame's eyes are closed).
    let eyeTarget: number | undefined;
    if (eyeRetarget) {
      const first = records[0].sourceRatios;
      if (!first) warn('--source-eye-retarget: no face landmarks on the first source frame: skipped');
      else eyeTarget = sourceVideoEyeTarget(first.eyes, DEFAULTS.motion.sourceVideoEyeRetargeting.threshold, DEFAULTS.motion.sourceVideoEyeRetargeting.target);
    }
    if (retargeting && records.some((r) => !r.drivingRatios)) {
      warn('the driver has no eye/lip ratios (no landmark model or a template without them): retargeting skipped');
    }
    const targets = createMotionTargets();
    const x64 = new Float64Array(KEYPOINT_VALUES);
    const sourceKeypoints = records.map((r) => transformKeypoints(r.source));
    const lipDeltas: (Float32Array | undefined)[] = [];
    const eyeDeltas: (Float32Array | undefined)[] = [];
    for (const [i, r] of records.entries()) {
      const ratios = r.sourceRatios;
      const xs = sourceKeypoints[i];
      lipDeltas.push(
        normalizeLip && ratios && ratios.lip >= DEFAULTS.motion.normalizeLipThreshold ? await models.stitching.retargetLip(lipRetargetInput(xs, ratios.lip, 0)) : undefined,
      );
      eyeDeltas.push(eyeTarget !== undefined && ratios ? await models.stitching.retargetEye(eyeRetargetInput(xs, ratios.eyes[0], ratios.eyes[1], eyeTarget)) : undefined);
    }
    const handed = async (i: number, R: ArrayLike<number>, exp: ArrayLike<number>): Promise<Float32Array> => {
      const r = records[i];
      const xs = sourceKeypoints[i];
      sourceVideoTargets(r.source, R, exp, r.drivingT, { relative: m.relative, region: m.region }, targets);
      const xd = await stitchAndRetarget(models.stitching, m, {
        sourceKeypoints: xs,
        drivingKeypoints: Float32Array.from(keypointsFromTargets(r.source.kp, targets, x64)),
        sourceRatios: r.sourceRatios,
        drivingRatios: r.drivingRatios,
        lipNormalizeDelta: lipDeltas[i],
        sourceEyeDelta: eyeDeltas[i],
      });
      return applyDrivingMultiplier(xs, xd, m.multiplier);
    };
    const driving: Float32Array[] = [];
    const unsmoothed: Float32Array[] = [];
    for (let i = 0; i < count; i++) {
      driving.push(await handed(i, rotSmoothed[i], expSmoothed[i]));
      unsmoothed.push(await handed(i, rotTargets[i], expTargets[i]));
    }
    const smoothedJitter = meanFrameChange(driving);
    const unsmoothedJitter = meanFrameChange(unsmoothed);
    unsmoothed.length = 0;
    const jitter: JitterFigure = {
      smoothed: smoothedJitter,
      unsmoothed: unsmoothedJitter,
      ratio: unsmoothedJitter > 0 ? smoothedJitter / unsmoothedJitter : 1,
    };
    return { driving, sourceKeypoints, jitter };
  };
  const driven: Awaited<ReturnType<typeof driveTrack>>[] = [];
  for (const track of tracks) driven.push(await driveTrack(track.records));
  const jitter = driven[0].jitter;
  if (request.onKeypoints) driven[0].driving.forEach((xd, p) => request.onKeypoints!(tracks[0].frames[p], driven[0].sourceKeypoints[p], xd));

  // Pass 2: pixels.
  await mkdir(dirname(output) || '.', { recursive: true });
  const pasting = options.output.pasteback && options.crop.crop;
  const size = pasting ? frameSize : { width: 512, height: 512 };
  const audioFrom = driver.audioPath ?? (sourceReader.info.hasAudio ? request.source : undefined);
  let sink: FrameSink | undefined;
  const unregister = request.cleanupOnInterrupt ? onInterrupt(() => sink?.abort() ?? Promise.resolve()) : () => {};
  const mask = createPasteBackMask(512);
  try {
    sink = await openFrameSink(output, { ...size, fps: sourceReader.fpsRational, crf: options.output.crf, audioFrom });
    let written = 0;
    const pass2 = await openVideoReader(request.source, { maxFrames: n, strict: request.strict, onWarning: warn });
    const cursors = tracks.map(() => 0);
    for await (const frame of pass2.frames(request.signal)) {
      const i = frame.index;
      if (i >= n) break;
      const image = fit(frame.image);
      // Each face seen on this frame is rendered and pasted in turn; a frame without them stays as it is.
      let out = image;
      for (let k = 0; k < tracks.length; k++) {
        const p = cursors[k];
        if (tracks[k].frames[p] !== i) continue;
        cursors[k]++;
        const r = tracks[k].records[p];
        const input256 = r.M_o2c ? resizeArea(warpAffine(image, r.M_o2c, 512, 512), 256, 256) : wholeFrameInput(image);
        const feature = await models.appearance.extract(modelInput(input256));
        const render = tensorToImage(await models.warp.render(feature, driven[k].sourceKeypoints[p], driven[k].driving[p]), 512, 512);
        out = pasting && r.M_c2o ? pasteBack(out, render, preparePasteBack(mask, r.M_c2o, image.width, image.height), out === image ? undefined : out) : render;
      }
      await sink.write(out);
      written++;
      request.onProgress?.(written, n);
    }
    if (written !== n) throw new DrivingInputError(`${request.source} gave ${written} frames on the second pass, ${n} on the first`);
    const closed = (await sink.close()) as { hasAudio?: boolean };
    return { output, frames: n, fps: sourceReader.fps, hasAudio: closed.hasAudio ?? false, jitter, faces: tracks.length };
  } catch (err) {
    await sink?.abort().catch(() => undefined);
    throw err;
  } finally {
    unregister();
  }
}
