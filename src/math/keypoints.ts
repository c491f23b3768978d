/**
 * Implicit keypoints: decoding the motion extractor's outputs and the keypoint transform
 * x = scale·(kp·R + exp) + (tx, ty, 0).
 *
 * Keypoint sets are Float32Array(63): 21 points × (x, y, z), row-major.
 */
import { headposeToDegrees, rotationMatrix, type Mat3 } from './rotation.js';

export const NUM_KEYPOINTS = 21;
/** Values in one keypoint set (21 × 3). */
export const KEYPOINT_VALUES = NUM_KEYPOINTS * 3;

/** Pose, expression, scale and translation of one face: what the keypoint transform needs. */
export interface KeypointTransform {
  /** Canonical keypoints, 63 values. */
  readonly kp: ArrayLike<number>;
  /** Rotation, row-vector convention (kp·R), 9 values row-major. */
  readonly R: ArrayLike<number>;
  /** Expression deformation, 63 values. */
  readonly exp: ArrayLike<number>;
  readonly scale: number;
  /** Translation; only t[0], t[1] are used (t_z is ignored, as in the original). */
  readonly t: ArrayLike<number>;
}

/** Decoded motion of one face crop (source or driving frame). */
export interface MotionInfo {
  /** Degrees. */
  pitch: number;
  yaw: number;
  roll: number;
  /** rotationMatrix(pitch, yaw, roll) (or a rotation read from a motion template). */
  R: Mat3;
  /** 63 values. */
  exp: Float32Array;
  scale: number;
  /** (tx, ty, tz); tz is carried but never used by the keypoint transform. */
  t: Float32Array;
  /** Canonical keypoints, 63 values. */
  kp: Float32Array;
}

/** Raw outputs of the motion extractor M (batch 1), any array-like layout of the right length. */
export interface MotionExtractorOutputs {
  /** 66 bin logits each. */
  readonly pitch: ArrayLike<number>;
  readonly yaw: ArrayLike<number>;
  readonly roll: ArrayLike<number>;
  /** 3 values. */
  readonly t: ArrayLike<number>;
  /** 63 values. */
  readonly exp: ArrayLike<number>;
  /** A scalar or a 1-element array. */
  readonly scale: number | ArrayLike<number>;
  /** 63 values. */
  readonly kp: ArrayLike<number>;
}

function expectLength(name: string, values: ArrayLike<number>, length: number): void {
  if (values.length !== length) {
    throw new RangeError(`Expected ${length} values for ${name} but received ${values.length}`);
  }
}

/** Decodes M's outputs: angles from the bin logits, R from the angles, copies of exp/t/kp. */
export function motionFromModelOutputs(out: MotionExtractorOutputs): MotionInfo {
  expectLength('t', out.t, 3);
  expectLength('exp', out.exp, KEYPOINT_VALUES);
  expectLength('kp', out.kp, KEYPOINT_VALUES);
  const scale = typeof out.scale === 'number' ? out.scale : out.scale[0];
  if (typeof out.scale !== 'number') expectLength('scale', out.scale, 1);
  const pitch = headposeToDegrees(out.pitch);
  const yaw = headposeToDegrees(out.yaw);
  const roll = headposeToDegrees(out.roll);
  return {
    pitch,
    yaw,
    roll,
    R: rotationMatrix(pitch, yaw, roll),
    exp: Float32Array.from(out.exp),
    scale,
    t: Float32Array.from(out.t),
    kp: Float32Array.from(out.kp),
  };
}

/**
 * x = scale·(kp·R + exp) + (tx, ty, 0), in float64, rounded once into the float32 result.
 * `out` (63 values) may be given to avoid an allocation per frame.
 */
export function transformKeypoints(motion: KeypointTransform, out: Float32Array = new Float32Array(KEYPOINT_VALUES)): Float32Array {
  const { kp, R, exp, scale, t } = motion;
  expectLength('kp', kp, KEYPOINT_VALUES);
  expectLength('exp', exp, KEYPOINT_VALUES);
  expectLength('R', R, 9);
  expectLength('out', out, KEYPOINT_VALUES);
  const tx = t[0];
  const ty = t[1];
  const r00 = R[0], r01 = R[1], r02 = R[2], r10 = R[3], r11 = R[4], r12 = R[5], r20 = R[6], r21 = R[7], r22 = R[8];
  for (let k = 0; k < KEYPOINT_VALUES; k += 3) {
    const a = kp[k], b = kp[k + 1], c = kp[k + 2];
    out[k] = scale * (a * r00 + b * r10 + c * r20 + exp[k]) + tx;
    out[k + 1] = scale * (a * r01 + b * r11 + c * r21 + exp[k + 1]) + ty;
    out[k + 2] = scale * (a * r02 + b * r12 + c * r22 + exp[k + 2]);
  }
  return out;
}
