/**
 * The original's Algorithm 1 after the motion composition, shared by the source-image animator and
 * video-to-video: stitching, eye/lip retargeting and the "before animation" deltas, with the original's
 * branch rules (`execute()` in its pipeline):
 *
 * - no eye/lip retargeting: x_d, stitched when stitching is on, then + the lip-normalisation delta (when
 *   normalise-lip is on, only with relative motion), then + the source-video eye delta;
 * - eye and/or lip retargeting: (relative ? x_s : x_d) + Δeyes + Δlip, stitched when stitching is on.
 *   The before-animation deltas are never added in this branch; a delta whose ratios are missing is
 *   left out (as the original does without landmarks).
 *
 * The driving multiplier is applied by the caller, after this. Isomorphic (no Node imports).
 */
import type { StitchingModels } from '../models/wrappers.js';
import { applyDelta, applyStitching, eyeRetargetInput, lipRetargetInput, stitchingInput } from '../math/stitching.js';

/** Eye-open [left, right] and lip-open ratios of one face (from the 203-point landmarks). */
export interface FaceRatios {
  readonly eyes: readonly number[];
  readonly lip: number;
}

export interface Algorithm1Options {
  readonly relative: boolean;
  readonly normalizeLip: boolean;
  readonly stitching: boolean;
  readonly eyeRetargeting: boolean;
  readonly lipRetargeting: boolean;
}

export interface Algorithm1Input {
  /** Source keypoints x_s (63 values). */
  readonly sourceKeypoints: Float32Array;
  /** Composed driving keypoints x_d,i (relative or absolute motion, expression-friendly already applied). */
  readonly drivingKeypoints: Float32Array;
  /** Source ratios (retargeting); undefined without landmarks. */
  readonly sourceRatios?: FaceRatios;
  /** This frame's driving ratios (retargeting); undefined when the driver has none. */
  readonly drivingRatios?: FaceRatios;
  /** Normalise-lip delta of the source (present when asked for and the source mouth is open). */
  readonly lipNormalizeDelta?: Float32Array;
  /** Source-video eye retargeting delta of this source frame. */
  readonly sourceEyeDelta?: Float32Array;
}

/** True when the original takes its retargeting branch (eye or lip retargeting on). */
export function usesRetargetingBranch(options: Pick<Algorithm1Options, 'eyeRetargeting' | 'lipRetargeting'>): boolean {
  return options.eyeRetargeting || options.lipRetargeting;
}

/** True when the original adds the normalise-lip delta: asked for, relative motion, outside the retargeting branch. */
export function addsLipNormalization(options: Pick<Algorithm1Options, 'normalizeLip' | 'relative' | 'eyeRetargeting' | 'lipRetargeting'>): boolean {
  return options.normalizeLip && options.relative && !usesRetargetingBranch(options);
}

/** x_d after stitching / retargeting / before-animation deltas (see the module note). */
export async function stitchAndRetarget(mlps: StitchingModels, options: Algorithm1Options, input: Algorithm1Input): Promise<Float32Array> {
  const xs = input.sourceKeypoints;
  let xd = input.drivingKeypoints;
  if (!usesRetargetingBranch(options)) {
    if (options.stitching) xd = applyStitching(xd, await mlps.stitch(stitchingInput(xs, xd)));
    if (input.lipNormalizeDelta && addsLipNormalization(options)) xd = applyDelta(xd, input.lipNormalizeDelta);
    if (input.sourceEyeDelta) xd = applyDelta(xd, input.sourceEyeDelta);
    return xd;
  }
  const src = input.sourceRatios;
  const drv = input.drivingRatios;
  xd = options.relative ? new Float32Array(xs) : xd;
  if (options.eyeRetargeting && src && drv) {
    xd = applyDelta(xd, await mlps.retargetEye(eyeRetargetInput(xs, src.eyes[0], src.eyes[1], drv.eyes[0])));
  }
  if (options.lipRetargeting && src && drv) {
    xd = applyDelta(xd, await mlps.retargetLip(lipRetargetInput(xs, src.lip, drv.lip)));
  }
  if (options.stitching) xd = applyStitching(xd, await mlps.stitch(stitchingInput(xs, xd)));
  return xd;
}
