/**
 * The per-frame step: driving motion → driving keypoints (relative motion, then stitching, retargeting
 * and lip normalisation by the original's branch rules in algorithm1.ts, multiplier last) → W+G render → paste-back.
 * Isomorphic; one instance per (source, driving run). Nothing here grows with the number of frames.
 */
import type { RgbImage } from '../image/types.js';
import { createRgbImage } from '../image/types.js';
import { tensorToImage } from '../image/tensor.js';
import { pasteBack } from '../image/blend.js';
import { resizeBilinear } from '../image/resize.js';
import type { MotionInfo } from '../math/keypoints.js';
import { MotionComposer, applyDrivingMultiplier, NEUTRAL_LIP_EXPRESSION } from '../math/motion.js';
import { applyDelta } from '../math/stitching.js';
import { addsLipNormalization, stitchAndRetarget, usesRetargetingBranch } from './algorithm1.js';
import { OneEuroFilter } from '../math/smoothing.js';
import { mat3From } from '../math/rotation.js';
import type { MotionOptions } from './options.js';
import type { PortraitModels, PreparedSource } from './source.js';
import { lap, spanStart, type StageTimings } from './timings.js';

/** One driving frame's motion, with what the optional features need. */
export interface DrivingSample {
  readonly index: number;
  readonly motion: MotionInfo;
  /** Driving [left, right] eye-open ratios and lip-open ratio (retargeting). */
  readonly eyeRatios?: readonly number[];
  readonly lipRatio?: number;
  /** The 256 driving input (for the side-by-side comparison). */
  readonly crop256?: RgbImage;
}

export interface AnimatedFrame {
  readonly index: number;
  /** The 512×512 render. */
  readonly render: RgbImage;
  /** The render pasted back into the source image (when paste-back is on). */
  readonly pasted?: RgbImage;
  /** Driving keypoints handed to the generator. */
  readonly drivingKeypoints: Float32Array;
}

export interface AnimatorOptions {
  readonly motion: MotionOptions;
  /** Driving is a single image (image-driven relative mode with the neutral-lip reference). */
  readonly drivingIsImage?: boolean;
  readonly pasteback?: boolean;
  /**
   * Added to the final driving keypoints (after the multiplier, so edits show even with the motion
   * scaled down): expression edits (sliders) on top of the live motion, e.g.
   * `editedKeypoints(source.motion, controls) − source.keypoints`.
   */
  readonly keypointOffset?: Float32Array;
  /** Optional per-stage timing hook (stitching, warp, paste). */
  readonly timings?: StageTimings;
}

export class FrameAnimator {
  private readonly composer: MotionComposer;
  private readonly smoother?: { exp: OneEuroFilter; R: OneEuroFilter };
  private readonly composed = new Float32Array(63);
  private warnedRatios = false;
  readonly warnings: string[] = [];

  constructor(
    readonly source: PreparedSource,
    readonly models: PortraitModels,
    readonly options: AnimatorOptions,
  ) {
    const m = options.motion;
    this.composer = new MotionComposer(
      { ...source.motion, xs: source.keypoints },
      {
        relative: m.relative,
        region: m.region,
        drivingOption: m.drivingOption,
        drivingIsImage: options.drivingIsImage ?? false,
        neutralExpression: NEUTRAL_LIP_EXPRESSION,
      },
    );
    if (m.smooth) this.smoother = { exp: new OneEuroFilter(), R: new OneEuroFilter() };
    if (usesRetargetingBranch(m) && !source.eyeRatios) {
      throw new Error('eye/lip retargeting needs the source eye and lip ratios: the 203-point landmark model (landmark.onnx) and a face in the source');
    }
    if (m.normalizeLip && !addsLipNormalization(m)) {
      this.warnings.push(
        usesRetargetingBranch(m)
          ? '--normalize-lip has no effect with --eye-retargeting / --lip-retargeting (as in the original)'
          : '--normalize-lip has no effect with --no-relative (as in the original, it applies to relative motion only)',
      );
    }
  }

  /** Makes `sample` the relative-motion reference (re-arms it; by default the first frame is used). */
  setReference(sample: DrivingSample): void {
    this.composer.setReference(this.smoothed(sample.motion, false));
  }

  get hasReference(): boolean {
    return this.composer.hasReference;
  }

  private smoothed(motion: MotionInfo, update = true): MotionInfo {
    if (!this.smoother || !update) return motion;
    const exp = this.smoother.exp.filter(motion.exp);
    const R = mat3From(this.smoother.R.filter(motion.R));
    return { ...motion, exp, R };
  }

  /** Driving keypoints for one sample (Algorithm 1 of the original, multiplier last). */
  async drivingKeypoints(sample: DrivingSample): Promise<Float32Array> {
    const timings = this.options.timings;
    const t = spanStart(timings);
    const xd = await this.composeKeypoints(sample);
    lap(timings, 'stitching', sample.index, t);
    return xd;
  }

  private async composeKeypoints(sample: DrivingSample): Promise<Float32Array> {
    const m = this.options.motion;
    const src = this.source;
    const retargeting = usesRetargetingBranch(m);
    const haveRatios = sample.eyeRatios !== undefined && sample.lipRatio !== undefined;
    if (retargeting && !haveRatios && !this.warnedRatios) {
      this.warnings.push('the driver has no eye/lip ratios (no landmark model or a template without them): retargeting skipped');
      this.warnedRatios = true;
    }
    const composed = this.composer.compose(this.smoothed(sample.motion), this.composed).slice();
    let xd = await stitchAndRetarget(this.models.stitching, m, {
      sourceKeypoints: src.keypoints,
      drivingKeypoints: composed,
      sourceRatios: src.eyeRatios && src.lipRatio !== undefined ? { eyes: src.eyeRatios, lip: src.lipRatio } : undefined,
      drivingRatios: haveRatios ? { eyes: sample.eyeRatios!, lip: sample.lipRatio! } : undefined,
      lipNormalizeDelta: src.lipNormalizeDelta,
    });
    xd = applyDrivingMultiplier(src.keypoints, xd, m.multiplier);
    return this.options.keypointOffset ? applyDelta(xd, this.options.keypointOffset) : xd;
  }

  /** Renders keypoints that were already composed (editing, templates of keypoints). */
  async renderKeypoints(index: number, drivingKeypoints: Float32Array): Promise<AnimatedFrame> {
    const timings = this.options.timings;
    let t = spanStart(timings);
    const out = await this.models.warp.render(this.source.feature, this.source.keypoints, drivingKeypoints);
    const render = tensorToImage(out, 512, 512);
    t = lap(timings, 'warp', index, t);
    const pasted =
      (this.options.pasteback ?? true) && this.source.pasteBack ? pasteBack(this.source.image, render, this.source.pasteBack) : undefined;
    if (pasted) lap(timings, 'paste', index, t);
    return { index, render, pasted, drivingKeypoints };
  }

  async animate(sample: DrivingSample): Promise<AnimatedFrame> {
    return this.renderKeypoints(sample.index, await this.drivingKeypoints(sample));
  }
}

/** Resizes a 256 input to a 512 comparison tile (done once for the source, per frame for the driver). */
export function comparisonTile(image256: RgbImage | undefined): RgbImage {
  return image256 ? resizeBilinear(image256, 512, 512) : createRgbImage(512, 512);
}

/**
 * The side-by-side comparison frame: driving input | source input | render, each 512×512. The source
 * tile never changes within a run: pass it already resized (`comparisonTile(source.input256)`).
 */
export function concatFrame(driving256: RgbImage | undefined, sourceTile: RgbImage, render: RgbImage): RgbImage {
  const tiles = [comparisonTile(driving256), sourceTile.width === 512 ? sourceTile : comparisonTile(sourceTile), render];
  const out = createRgbImage(1536, 512);
  for (let y = 0; y < 512; y++) {
    for (let t = 0; t < 3; t++) {
      out.data.set(tiles[t].data.subarray(y * 512 * 3, (y + 1) * 512 * 3), (y * 1536 + t * 512) * 3);
    }
  }
  return out;
}
