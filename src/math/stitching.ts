/**
 * Input layouts of the stitching and retargeting MLPs and the application of their outputs.
 *
 * Stitching S: [x_s (63), x_d (63)] → 65 = 63 keypoint deltas + (Δtx, Δty) added to x and y of every point.
 * Eye retargeting: [x_s (63), c_s,eye,left, c_s,eye,right, c_d,eye] → 63 deltas.
 * Lip retargeting: [x_s (63), c_s,lip, c_d,lip] → 63 deltas.
 * Sums are rounded to float32 after every addition, in the original's order.
 */
import { KEYPOINT_VALUES } from './keypoints.js';

export const STITCHING_INPUT_SIZE = KEYPOINT_VALUES * 2;
export const STITCHING_OUTPUT_SIZE = KEYPOINT_VALUES + 2;
export const EYE_RETARGET_INPUT_SIZE = KEYPOINT_VALUES + 3;
export const LIP_RETARGET_INPUT_SIZE = KEYPOINT_VALUES + 2;

function checkLength(name: string, values: ArrayLike<number>, length: number): void {
  if (values.length !== length) throw new RangeError(`Expected ${length} values for ${name} but received ${values.length}`);
}

function withKeypoints(name: string, xs: ArrayLike<number>, size: number, out: Float32Array | undefined): Float32Array {
  checkLength(name, xs, KEYPOINT_VALUES);
  const input = out ?? new Float32Array(size);
  checkLength('out', input, size);
  for (let i = 0; i < KEYPOINT_VALUES; i++) input[i] = xs[i];
  return input;
}

/** [x_s, x_d] flattened: the stitching MLP's 126 inputs. */
export function stitchingInput(xs: ArrayLike<number>, xd: ArrayLike<number>, out?: Float32Array): Float32Array {
  const input = withKeypoints('xs', xs, STITCHING_INPUT_SIZE, out);
  checkLength('xd', xd, KEYPOINT_VALUES);
  for (let i = 0; i < KEYPOINT_VALUES; i++) input[KEYPOINT_VALUES + i] = xd[i];
  return input;
}

/** x_d + delta[0:63], then x, y of every point += delta[63], delta[64]. `out` may alias `xd`. */
export function applyStitching(xd: ArrayLike<number>, delta: ArrayLike<number>, out: Float32Array = new Float32Array(KEYPOINT_VALUES)): Float32Array {
  checkLength('xd', xd, KEYPOINT_VALUES);
  checkLength('delta', delta, STITCHING_OUTPUT_SIZE);
  checkLength('out', out, KEYPOINT_VALUES);
  const dx = delta[KEYPOINT_VALUES];
  const dy = delta[KEYPOINT_VALUES + 1];
  for (let k = 0; k < KEYPOINT_VALUES; k += 3) {
    out[k] = Math.fround(Math.fround(xd[k] + delta[k]) + dx);
    out[k + 1] = Math.fround(Math.fround(xd[k + 1] + delta[k + 1]) + dy);
    out[k + 2] = Math.fround(xd[k + 2] + delta[k + 2]);
  }
  return out;
}

/** [x_s, c_s,eye,left, c_s,eye,right, c_d,eye]: the eye-retargeting MLP's 66 inputs. */
export function eyeRetargetInput(
  xs: ArrayLike<number>,
  cSrcEyeLeft: number,
  cSrcEyeRight: number,
  cDrivingEye: number,
  out?: Float32Array,
): Float32Array {
  const input = withKeypoints('xs', xs, EYE_RETARGET_INPUT_SIZE, out);
  input[KEYPOINT_VALUES] = cSrcEyeLeft;
  input[KEYPOINT_VALUES + 1] = cSrcEyeRight;
  input[KEYPOINT_VALUES + 2] = cDrivingEye;
  return input;
}

/** [x_s, c_s,lip, c_d,lip]: the lip-retargeting MLP's 65 inputs. */
export function lipRetargetInput(xs: ArrayLike<number>, cSrcLip: number, cDrivingLip: number, out?: Float32Array): Float32Array {
  const input = withKeypoints('xs', xs, LIP_RETARGET_INPUT_SIZE, out);
  input[KEYPOINT_VALUES] = cSrcLip;
  input[KEYPOINT_VALUES + 1] = cDrivingLip;
  return input;
}

/** x + delta (63 values each), e.g. a retargeting delta. `out` may alias `x`. */
export function applyDelta(x: ArrayLike<number>, delta: ArrayLike<number>, out: Float32Array = new Float32Array(KEYPOINT_VALUES)): Float32Array {
  checkLength('x', x, KEYPOINT_VALUES);
  checkLength('delta', delta, KEYPOINT_VALUES);
  checkLength('out', out, KEYPOINT_VALUES);
  for (let i = 0; i < KEYPOINT_VALUES; i++) out[i] = Math.fround(x[i] + delta[i]);
  return out;
}

/**
 * The eye-open target of source-video eye retargeting: the mean of the first source frame's [left, right]
 * eye ratios, replaced by `target` when under `threshold` (eyes closed on the first frame).
 */
export function sourceVideoEyeTarget(firstFrameEyes: ArrayLike<number>, threshold: number, target: number): number {
  const mean = (firstFrameEyes[0] + firstFrameEyes[1]) / 2;
  return mean < threshold ? target : mean;
}
