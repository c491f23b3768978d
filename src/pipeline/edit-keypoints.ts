/**
 * The isomorphic core of expression editing (no Node imports, for the browser too): the keypoints an
 * edit hands to the generator.
 */
import type { MotionInfo } from '../math/keypoints.js';
import { transformKeypoints } from '../math/keypoints.js';
import { applyEdit, copyExpressionFrom, validateEditControls, DEFAULT_EDIT_VARIANT, type CopyParts, type EditControls, type EditVariant } from '../math/editing.js';
import { applyDelta, applyStitching, eyeRetargetInput, lipRetargetInput, stitchingInput } from '../math/stitching.js';
import { OptionError } from '../validate.js';
import type { PortraitModels, PreparedSource } from './source.js';

/** Another face whose expression / rotation the edit moves toward (ComfyUI's "sample"). */
export interface EditSample {
  readonly motion: MotionInfo;
  readonly parts: CopyParts;
  /** 0 keeps the source, 1 copies (−0.2 … 1.2). */
  readonly ratio: number;
}

export interface EditOptions {
  /** Default 'comfyui'. */
  readonly variant?: EditVariant;
  /** Apply the stitching MLP (default true). */
  readonly stitching?: boolean;
  readonly from?: EditSample;
}

/** The source's mean eye-open ratio and lip-open ratio: what "no retargeting change" means. */
export function sourceRatios(source: PreparedSource): { eyesOpen?: number; lipOpen?: number } {
  return {
    eyesOpen: source.eyeRatios ? (source.eyeRatios[0] + source.eyeRatios[1]) / 2 : undefined,
    lipOpen: source.lipRatio,
  };
}

/**
 * The keypoints an edit hands to the generator: source motion (moved toward `from` when given) →
 * controls (applyEdit, official composition, so zero controls give x_s) → eye / lip retargeting with
 * the user's target ratio as c_d → stitching.
 */
export async function editKeypoints(
  source: PreparedSource,
  models: Pick<PortraitModels, 'stitching'>,
  controls: EditControls,
  options: EditOptions = {},
): Promise<Float32Array> {
  const variant = options.variant ?? DEFAULT_EDIT_VARIANT;
  validateEditControls(controls, variant);
  const base = options.from ? copyExpressionFrom(source.motion, options.from.motion, options.from.parts, options.from.ratio) : source.motion;
  const xs = source.keypoints;
  let xd = transformKeypoints(applyEdit(base, controls, variant).motion);
  if (controls.eyesOpen !== undefined || controls.lipOpen !== undefined) {
    if (!source.eyeRatios || source.lipRatio === undefined) {
      throw new OptionError(
        controls.eyesOpen !== undefined ? 'eyesOpen' : 'lipOpen',
        'eyes-open / lip-open targets need the 203-point landmark model (landmark.onnx) for the source eye and lip ratios',
      );
    }
    if (controls.eyesOpen !== undefined) {
      const delta = await models.stitching.retargetEye(eyeRetargetInput(xs, source.eyeRatios[0], source.eyeRatios[1], controls.eyesOpen));
      xd = applyDelta(xd, delta);
    }
    if (controls.lipOpen !== undefined) {
      const delta = await models.stitching.retargetLip(lipRetargetInput(xs, source.lipRatio, controls.lipOpen));
      xd = applyDelta(xd, delta);
    }
  }
  if (options.stitching ?? true) xd = applyStitching(xd, await models.stitching.stitch(stitchingInput(xs, xd)));
  return xd;
}
