/**
 * Driving motion → new driving keypoints x_d,i for one source face, following the original
 * `live_portrait_pipeline.py` (relative / absolute composition, animation regions, image-driven
 * mode, expression-friendly multiplier) and the driving multiplier that closes the chain.
 *
 * Per-frame order in a pipeline: `composer.compose(driving)` → stitching / retargeting →
 * `applyDrivingMultiplier(xs, x, m)`.
 */
import type { AnimationRegion, DrivingOption } from '../settings.js';
import { convexHullVolume } from './hull.js';
import { KEYPOINT_VALUES, NUM_KEYPOINTS, transformKeypoints, type KeypointTransform } from './keypoints.js';
import { NEUTRAL_LIP_EXPRESSION } from './neutral-lip.js';
import { mat3From, mat3Mul, mat3MulTransposed, type Mat3 } from './rotation.js';

export { NEUTRAL_LIP_EXPRESSION };

/** Expression rows that region 'lip' animates. */
export const LIP_ROWS: readonly number[] = Object.freeze([6, 12, 14, 17, 19, 20]);
/** Expression rows that region 'eyes' animates. */
export const EYE_ROWS: readonly number[] = Object.freeze([11, 13, 15, 16, 18]);
/** Rows copied whole from the driving expression by absolute (non-relative) and source-video composition. */
export const EXPRESSION_SUBSET_ROWS: readonly number[] = Object.freeze([1, 2, 6, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
/** Single (row, axis) values copied in addition: rows 3–4 y, row 5 z, row 8 z, row 9 y and z. */
export const EXPRESSION_SUBSET_VALUES: readonly (readonly [number, number])[] = Object.freeze([
  [3, 1],
  [4, 1],
  [5, 2],
  [8, 2],
  [9, 1],
  [9, 2],
] as const);

type Writable = Float32Array | Float64Array;

/** The per-frame quantities composition reads from a face: rotation, expression, scale, translation. */
export interface PoseExpression {
  /** Rotation, row-vector convention, 9 values row-major. */
  readonly R: ArrayLike<number>;
  /** 63 values. */
  readonly exp: ArrayLike<number>;
  readonly scale: number;
  /** (tx, ty, tz); tz is never used. */
  readonly t: ArrayLike<number>;
}

/** The source face: its motion plus, optionally, its already transformed keypoints x_s. */
export interface SourceMotion extends KeypointTransform, PoseExpression {
  /** x_s = transformKeypoints(source); computed when absent. */
  readonly xs?: ArrayLike<number>;
}

/** R_new, exp_new, scale_new, t_new (t_new[2] is always 0) of one frame. */
export interface MotionTargets {
  R: Mat3;
  exp: Float64Array;
  scale: number;
  t: Float64Array;
}

export interface CompositionOptions {
  /** Relative motion (measured against a reference frame) or absolute (driving pose/expression used as is). */
  readonly relative: boolean;
  readonly region: AnimationRegion;
  /**
   * The driving input is a single image: relative expression is measured against the neutral lip
   * expression instead of the reference frame's (and region 'eyes' adds the driving expression as
   * is, as the original does); pose and scale come from the reference, i.e. the image itself.
   */
  readonly drivingIsImage: boolean;
  /** Expression an image-driven relative expression is measured against; NEUTRAL_LIP_EXPRESSION by default. */
  readonly neutralExpression?: ArrayLike<number>;
}

export function createMotionTargets(): MotionTargets {
  return { R: new Float64Array(9), exp: new Float64Array(KEYPOINT_VALUES), scale: 1, t: new Float64Array(3) };
}

function copyRows(target: Writable, from: ArrayLike<number>, rows: readonly number[]): void {
  for (const row of rows) {
    target[row * 3] = from[row * 3];
    target[row * 3 + 1] = from[row * 3 + 1];
    target[row * 3 + 2] = from[row * 3 + 2];
  }
}

/** The original's partial expression copy (absolute and source-video modes, regions 'all'/'exp'). */
export function copyExpressionSubset(target: Writable, from: ArrayLike<number>): void {
  copyRows(target, from, EXPRESSION_SUBSET_ROWS);
  for (const [row, axis] of EXPRESSION_SUBSET_VALUES) target[row * 3 + axis] = from[row * 3 + axis];
}

/** Copies the expression rows a region animates (all 21 for 'all'/'exp', none for 'pose'). */
export function copyRegionRows(target: Writable, from: ArrayLike<number>, region: AnimationRegion): void {
  if (region === 'lip') copyRows(target, from, LIP_ROWS);
  else if (region === 'eyes') copyRows(target, from, EYE_ROWS);
  else if (region === 'all' || region === 'exp') for (let i = 0; i < KEYPOINT_VALUES; i++) target[i] = from[i];
}

/** (R_d,i · R_d,0ᵀ) · R_s: the driving head rotation since the reference, applied to the source. */
export function relativeRotation(
  drivingR: ArrayLike<number>,
  referenceR: ArrayLike<number>,
  sourceR: ArrayLike<number>,
  out: Mat3 = new Float64Array(9),
): Mat3 {
  return mat3Mul(mat3MulTransposed(drivingR, referenceR, out), sourceR, out);
}

/** exp_s + (exp_d,i − exp_reference), element-wise. */
export function relativeExpression(
  sourceExp: ArrayLike<number>,
  drivingExp: ArrayLike<number>,
  referenceExp: ArrayLike<number>,
  out: Writable = new Float64Array(KEYPOINT_VALUES),
): Writable {
  for (let i = 0; i < KEYPOINT_VALUES; i++) out[i] = sourceExp[i] + (drivingExp[i] - referenceExp[i]);
  return out;
}

function checkLength(name: string, values: ArrayLike<number>, length: number): void {
  if (values.length !== length) throw new RangeError(`Expected ${length} values for ${name} but received ${values.length}`);
}

function checkPoseExpression(name: string, m: PoseExpression): void {
  checkLength(`${name}.R`, m.R, 9);
  checkLength(`${name}.exp`, m.exp, KEYPOINT_VALUES);
  checkLength(`${name}.t`, m.t, 3);
  if (!Number.isFinite(m.scale)) throw new RangeError(`Expected a finite ${name}.scale but received ${m.scale}`);
}

/**
 * R_new, exp_new, scale_new, t_new for a source image and one driving frame (the original's
 * per-frame block before `x_d_i_new = scale_new·(x_c_s·R_new + delta_new) + t_new`).
 * `reference` (the driving frame the motion is measured from) is required for relative motion.
 */
export function motionTargets(
  source: PoseExpression,
  driving: PoseExpression,
  reference: PoseExpression | null,
  options: CompositionOptions,
  out: MotionTargets = createMotionTargets(),
): MotionTargets {
  const { region } = options;
  const posed = region === 'all' || region === 'pose';
  out.exp.set(source.exp);
  if (options.relative) {
    if (reference === null) throw new RangeError('Relative motion needs a reference driving frame');
    if (posed) relativeRotation(driving.R, reference.R, source.R, out.R);
    else mat3From(source.R, out.R);
    if (region !== 'pose') {
      const expressionReference =
        !options.drivingIsImage ? reference.exp : region === 'eyes' ? ZERO_EXPRESSION : (options.neutralExpression ?? NEUTRAL_LIP_EXPRESSION);
      for (let i = 0; i < KEYPOINT_VALUES; i++) SCRATCH_EXPRESSION[i] = source.exp[i] + (driving.exp[i] - expressionReference[i]);
      copyRegionRows(out.exp, SCRATCH_EXPRESSION, region);
    }
    out.scale = region === 'all' ? source.scale * (driving.scale / reference.scale) : source.scale;
    for (let k = 0; k < 2; k++) out.t[k] = posed ? source.t[k] + (driving.t[k] - reference.t[k]) : source.t[k];
  } else {
    mat3From(posed ? driving.R : source.R, out.R);
    if (region === 'all' || region === 'exp') copyExpressionSubset(out.exp, driving.exp);
    else copyRegionRows(out.exp, driving.exp, region);
    out.scale = source.scale;
    for (let k = 0; k < 2; k++) out.t[k] = posed ? driving.t[k] : source.t[k];
  }
  out.t[2] = 0;
  return out;
}

const ZERO_EXPRESSION = new Float64Array(KEYPOINT_VALUES);
const SCRATCH_EXPRESSION = new Float64Array(KEYPOINT_VALUES);

/**
 * R_new, exp_new, scale_new, t_new for one frame of a source VIDEO (v2v). The caller supplies the
 * offline-smoothed targets for the whole sequence (see kalmanRtsSmooth): in relative mode
 * `smoothedR` smooths relativeRotation(R_d,i, R_d,0, R_s,i) and `smoothedExp` smooths
 * exp_s,i + exp_d,i − exp_d,0; in absolute mode they smooth R_d,i and exp_d,i. Only the
 * region's rows (the partial subset for 'all'/'exp') are taken from the smoothed expression; scale
 * is the source frame's; t is the source frame's, except absolute 'all'/'pose' which takes `drivingT`.
 */
export function sourceVideoTargets(
  source: PoseExpression,
  smoothedR: ArrayLike<number>,
  smoothedExp: ArrayLike<number>,
  drivingT: ArrayLike<number>,
  options: Pick<CompositionOptions, 'relative' | 'region'>,
  out: MotionTargets = createMotionTargets(),
): MotionTargets {
  const { region } = options;
  const posed = region === 'all' || region === 'pose';
  mat3From(posed ? smoothedR : source.R, out.R);
  out.exp.set(source.exp);
  if (region === 'all' || region === 'exp') copyExpressionSubset(out.exp, smoothedExp);
  else copyRegionRows(out.exp, smoothedExp, region);
  out.scale = source.scale;
  const t = !options.relative && posed ? drivingT : source.t;
  out.t[0] = t[0];
  out.t[1] = t[1];
  out.t[2] = 0;
  return out;
}

/** x = scale·(kp·R + exp) + t for composed targets, in float64 (t[2] is 0 by construction). */
export function keypointsFromTargets(kp: ArrayLike<number>, targets: MotionTargets, out: Writable = new Float64Array(KEYPOINT_VALUES)): Writable {
  const { R, exp, scale, t } = targets;
  for (let k = 0; k < KEYPOINT_VALUES; k += 3) {
    const a = kp[k], b = kp[k + 1], c = kp[k + 2];
    out[k] = scale * (a * R[0] + b * R[3] + c * R[6] + exp[k]) + t[0];
    out[k + 1] = scale * (a * R[1] + b * R[4] + c * R[7] + exp[k + 1]) + t[1];
    out[k + 2] = scale * (a * R[2] + b * R[5] + c * R[8] + exp[k + 2]) + t[2];
  }
  return out;
}

/**
 * Expression-friendly multiplier sqrt(V(x_s)) / sqrt(V(x_d,0new)), V = convex-hull volume.
 * Returns 1 when either hull is flat (the original's Qhull would fail there).
 */
export function motionMultiplier(sourceKeypoints: ArrayLike<number>, referenceKeypoints: ArrayLike<number>): number {
  const source = convexHullVolume(sourceKeypoints, NUM_KEYPOINTS);
  const reference = convexHullVolume(referenceKeypoints, NUM_KEYPOINTS);
  if (!(source > 0) || !(reference > 0)) return 1;
  return Math.sqrt(source) / Math.sqrt(reference);
}

/** x_s + (x − x_s)·multiplier: the user's driving multiplier, applied after stitching/retargeting. */
export function applyDrivingMultiplier(
  sourceKeypoints: ArrayLike<number>,
  keypoints: ArrayLike<number>,
  multiplier: number,
  out: Float32Array = new Float32Array(KEYPOINT_VALUES),
): Float32Array {
  for (let i = 0; i < KEYPOINT_VALUES; i++) out[i] = sourceKeypoints[i] + (keypoints[i] - sourceKeypoints[i]) * multiplier;
  return out;
}

export interface MotionComposerOptions {
  /** Default true. */
  readonly relative?: boolean;
  /** Default 'all'. */
  readonly region?: AnimationRegion;
  /**
   * Default 'expression-friendly': with relative motion and a driving video, motion is measured
   * from the reference frame's composed keypoints and scaled by the hull-volume ratio, so the
   * reference frame reproduces the source exactly. 'pose-friendly' keeps the plain composition.
   */
  readonly drivingOption?: DrivingOption;
  /** Default false. See CompositionOptions.drivingIsImage. */
  readonly drivingIsImage?: boolean;
  readonly neutralExpression?: ArrayLike<number>;
}

/**
 * Composes driving keypoints for a source image frame by frame. The reference driving frame is the
 * first frame composed after construction or clearReference(), or any frame passed to setReference().
 * compose() allocates nothing when given `out`.
 */
export class MotionComposer {
  readonly options: Required<Omit<MotionComposerOptions, 'neutralExpression'>> & Pick<MotionComposerOptions, 'neutralExpression'>;
  /** x_s, the source's transformed keypoints (the warp's kp_source). */
  readonly sourceKeypoints: Float32Array;
  private readonly source: SourceMotion;
  private readonly reference = { R: new Float64Array(9), exp: new Float64Array(KEYPOINT_VALUES), scale: 1, t: new Float64Array(3) };
  private armed = false;
  private readonly referenceX = new Float64Array(KEYPOINT_VALUES);
  private multiplier = 1;
  private readonly current = createMotionTargets();
  private readonly x = new Float64Array(KEYPOINT_VALUES);

  constructor(source: SourceMotion, options: MotionComposerOptions = {}) {
    checkPoseExpression('source', source);
    checkLength('source.kp', source.kp, KEYPOINT_VALUES);
    if (source.xs !== undefined) checkLength('source.xs', source.xs, KEYPOINT_VALUES);
    if (options.neutralExpression !== undefined) checkLength('neutralExpression', options.neutralExpression, KEYPOINT_VALUES);
    this.options = {
      relative: options.relative ?? true,
      region: options.region ?? 'all',
      drivingOption: options.drivingOption ?? 'expression-friendly',
      drivingIsImage: options.drivingIsImage ?? false,
      neutralExpression: options.neutralExpression,
    };
    this.source = source;
    this.sourceKeypoints = source.xs !== undefined ? Float32Array.from(source.xs) : transformKeypoints(source);
  }

  /** Whether relative keypoints are additionally normalised by the reference frame (expression-friendly). */
  get expressionFriendly(): boolean {
    const { relative, drivingOption, drivingIsImage } = this.options;
    return relative && drivingOption === 'expression-friendly' && !drivingIsImage;
  }

  get hasReference(): boolean {
    return this.armed;
  }

  /** The expression-friendly hull-volume multiplier of the current reference (1 otherwise). */
  get motionMultiplier(): number {
    return this.multiplier;
  }

  /** x_d,0new: the composed keypoints of the reference frame (expression-friendly), or null. */
  get referenceKeypoints(): Float32Array | null {
    return this.armed && this.expressionFriendly ? Float32Array.from(this.referenceX) : null;
  }

  /** Targets (R_new, exp_new, scale_new, t_new) of the last composed frame; overwritten by the next. */
  get lastTargets(): MotionTargets {
    return this.current;
  }

  /** Makes `driving` the reference frame that relative motion is measured from. */
  setReference(driving: PoseExpression): void {
    checkPoseExpression('reference', driving);
    mat3From(driving.R, this.reference.R);
    this.reference.exp.set(driving.exp);
    this.reference.scale = driving.scale;
    for (let k = 0; k < 3; k++) this.reference.t[k] = driving.t[k];
    this.armed = true;
    this.multiplier = 1;
    if (this.expressionFriendly) {
      motionTargets(this.source, this.reference, this.reference, this.options, this.current);
      keypointsFromTargets(this.source.kp, this.current, this.referenceX);
      this.multiplier = motionMultiplier(this.sourceKeypoints, Float32Array.from(this.referenceX));
    }
  }

  /** The next composed frame becomes the reference. */
  clearReference(): void {
    this.armed = false;
    this.multiplier = 1;
  }

  /** x_d,i for one driving frame (before stitching and the driving multiplier). */
  compose(driving: PoseExpression, out: Float32Array = new Float32Array(KEYPOINT_VALUES)): Float32Array {
    checkPoseExpression('driving', driving);
    checkLength('out', out, KEYPOINT_VALUES);
    // Absolute motion needs no reference; relative motion measures from the first frame it sees.
    if (this.options.relative && (!this.armed || this.options.drivingIsImage)) this.setReference(driving);
    motionTargets(this.source, driving, this.options.relative ? this.reference : null, this.options, this.current);
    const x = keypointsFromTargets(this.source.kp, this.current, this.x);
    if (this.expressionFriendly) {
      const xs = this.sourceKeypoints;
      for (let i = 0; i < KEYPOINT_VALUES; i++) out[i] = (x[i] - this.referenceX[i]) * this.multiplier + xs[i];
    } else {
      out.set(x);
    }
    return out;
  }
}

export function createMotionComposer(source: SourceMotion, options: MotionComposerOptions = {}): MotionComposer {
  return new MotionComposer(source, options);
}
