/**
 * Expression editing: slider-style controls → expression / pose / scale deltas on a source face's
 * motion, copying parts of another face's expression, interpolating control sets for a clip, and
 * choosing the most neutral frame of a sequence as the reference.
 *
 * Two coefficient sets exist in the LivePortrait ecosystem and both are kept:
 * - 'comfyui' — ComfyUI-AdvancedLivePortrait's ExpressionEditor (`calc_fe`). THE DEFAULT: its controls
 *   are named for what they do to a face (blink, eyebrow, wink, pupil, aaa/eee/woo, smile), it has a
 *   real blink control, and its wink/aaa also tilt the head slightly, which reads more natural.
 * - 'gradio' — the official Gradio "retargeting" tab (`update_delta_new_*`), which the ComfyUI node
 *   was derived from: the same coefficients under other names and ranges (eye gaze, pouting, pursing,
 *   grin, lip close↔open), no blink control, no pose side effects.
 * Our control names map onto the Gradio sliders as pupilX/pupilY = eye gaze, woo = pursing, eee = grin,
 * aaa = lip close↔open, pout = pouting (Gradio only), blink = ComfyUI only.
 *
 * moveX / moveY / scale and the retargeting targets eyesOpen / lipOpen exist only in the Gradio tab and
 * sourceRatio only in ComfyUI; both variants accept all of them (same definitions) so either variant
 * can move, scale, retarget and damp the source expression.
 *
 * Keypoint layout: 63 values = 21 rows × (x, y, z); a term (row, axis, c) adds value·c to exp[row·3+axis].
 */
import { OptionError, expectNumber, expectOneOf } from '../validate.js';
import { KEYPOINT_VALUES, transformKeypoints, type KeypointTransform, type MotionInfo } from './keypoints.js';
import { mat3From, rotationMatrix } from './rotation.js';

export type EditVariant = 'comfyui' | 'gradio';
export const EDIT_VARIANT_NAMES: readonly EditVariant[] = Object.freeze(['comfyui', 'gradio'] as const);
export const DEFAULT_EDIT_VARIANT: EditVariant = 'comfyui';

/**
 * How edited motion becomes keypoints.
 * - 'official': x = scale·(kp·R + exp) + (tx, ty, 0) — the transform used everywhere else, so zero
 *   edits reproduce the source keypoints x_s exactly. (The Gradio tab adds t_z as well; dropping it
 *   keeps edits consistent with x_s, which the warp and stitching are measured against.)
 * - 'comfyui': x = scale·((kp + exp)·R) + t — ComfyUI's ExpressionEditor puts the expression inside
 *   the rotation and adds the full t, t_z included. Zero edits do not reproduce x_s here.
 */
export type EditComposition = 'official' | 'comfyui';
export const EDIT_COMPOSITIONS: readonly EditComposition[] = Object.freeze(['official', 'comfyui'] as const);

/**
 * Edit controls; an absent control is off. Angles are degrees relative to the source pose.
 * The "from" face (expression copied from another image) is a separate step: copyExpressionFrom.
 */
export interface EditControls {
  pitch?: number;
  /** In the 'comfyui' variant positive yaw turns the other way (the node negates it). */
  yaw?: number;
  roll?: number;
  /** Eyes closed (> 0) or wide (< 0). 'comfyui' only. */
  blink?: number;
  eyebrow?: number;
  wink?: number;
  /** Gaze left/right. */
  pupilX?: number;
  /** Gaze up/down (also opens/closes the lids a little). */
  pupilY?: number;
  smile?: number;
  /** Mouth open ("aaa"); Gradio: lip close↔open. */
  aaa?: number;
  /** Mouth wide ("eee"); Gradio: grin. */
  eee?: number;
  /** Lips rounded ("woo"); Gradio: pursing. */
  woo?: number;
  /** Gradio pouting (row 19 x). 'gradio' only. */
  pout?: number;
  /** Target lip-open ratio for the lip retargeting network; absent = no retargeting. */
  lipOpen?: number;
  /** Target eyes-open ratio for the eye retargeting network; absent = no retargeting. */
  eyesOpen?: number;
  /** Horizontal shift of the face (expression row 5 x, sign flipped as in the Gradio tab). */
  moveX?: number;
  /** Vertical shift of the face (expression row 5 y). */
  moveY?: number;
  /** Size factor on the scaled keypoints (Gradio "z-axis movement"); 1 = unchanged. */
  scale?: number;
  /** Factor on the source expression (row 5 kept), ComfyUI's src_ratio; 1 = unchanged, 0 = neutral face. */
  sourceRatio?: number;
}

export type EditControlName = keyof EditControls;

export const EDIT_CONTROL_NAMES: readonly EditControlName[] = Object.freeze([
  'pitch',
  'yaw',
  'roll',
  'blink',
  'eyebrow',
  'wink',
  'pupilX',
  'pupilY',
  'smile',
  'aaa',
  'eee',
  'woo',
  'pout',
  'lipOpen',
  'eyesOpen',
  'moveX',
  'moveY',
  'scale',
  'sourceRatio',
] as const);

/** Controls whose value means "unchanged" is 1 rather than 0. */
const FACTOR_CONTROLS: ReadonlySet<EditControlName> = new Set(['scale', 'sourceRatio']);
/** Controls that are targets for the retargeting networks and have no "unchanged" value. */
const TARGET_CONTROLS: ReadonlySet<EditControlName> = new Set(['lipOpen', 'eyesOpen']);

export type KeypointAxis = 0 | 1 | 2;
export type AngleName = 'pitch' | 'yaw' | 'roll';

/** exp[row·3 + axis] += value·coefficient; `when` restricts the term to one sign of the value. */
export interface ExpressionTerm {
  readonly row: number;
  readonly axis: KeypointAxis;
  readonly coefficient: number;
  readonly when?: 'positive' | 'negative';
}

/** angle += value·coefficient (degrees). */
export interface AngleTerm {
  readonly angle: AngleName;
  readonly coefficient: number;
}

export interface EditControlDefinition {
  readonly min: number;
  readonly max: number;
  /** The slider this control corresponds to in the originating tool. */
  readonly original: string;
  readonly exp: readonly ExpressionTerm[];
  readonly angles: readonly AngleTerm[];
}

export interface EditVariantTable {
  readonly name: EditVariant;
  readonly description: string;
  /** Controls this variant offers; absent ones are refused by validateEditControls. */
  readonly controls: Readonly<Partial<Record<EditControlName, EditControlDefinition>>>;
}

const X: KeypointAxis = 0;
const Y: KeypointAxis = 1;
const Z: KeypointAxis = 2;

function term(row: number, axis: KeypointAxis, coefficient: number, when?: 'positive' | 'negative'): ExpressionTerm {
  return when === undefined ? { row, axis, coefficient } : { row, axis, coefficient, when };
}

function scaledTerms(terms: readonly ExpressionTerm[], factor: number): ExpressionTerm[] {
  return terms.map((t) => term(t.row, t.axis, t.coefficient * factor, t.when));
}

function control(
  min: number,
  max: number,
  original: string,
  exp: readonly ExpressionTerm[] = [],
  angles: readonly AngleTerm[] = [],
): EditControlDefinition {
  return Object.freeze({ min, max, original, exp: Object.freeze([...exp]), angles: Object.freeze([...angles]) });
}

// Shared coefficient blocks (design doc §6.4; identical in both tools).
const SMILE = [
  term(20, Y, -0.01),
  term(14, Y, -0.02),
  term(17, Y, 0.0065),
  term(17, Z, 0.003),
  term(13, Y, -0.00275),
  term(16, Y, -0.00275),
  term(3, Y, -0.0035),
  term(7, Y, -0.0035),
];
const WINK = [term(11, Y, 0.001), term(13, Y, -0.0003), term(17, X, 0.0003), term(17, Y, 0.0003), term(3, Y, -0.0003)];
const EYEBROW = [
  term(1, Y, 0.001, 'positive'),
  term(2, Y, -0.001, 'positive'),
  term(1, X, -0.001, 'negative'),
  term(2, X, 0.001, 'negative'),
  term(1, Y, 0.0003, 'negative'),
  term(2, Y, -0.0003, 'negative'),
];
const GAZE_X = [
  term(11, X, 0.0007, 'positive'),
  term(15, X, 0.001, 'positive'),
  term(11, X, 0.001, 'negative'),
  term(15, X, 0.0007, 'negative'),
];
const GAZE_Y = [term(11, Y, -0.001), term(15, Y, -0.001)];
/** Lids as the Gradio tab moves them with vertical gaze (blink = −gaze_y / 2). */
const LIDS = [term(11, Y, -0.001), term(13, Y, 0.0003), term(15, Y, -0.001), term(16, Y, 0.0003)];
/** ComfyUI's "eyes" (blink): the same lids plus the brows following them. */
const LIDS_AND_BROWS = [...LIDS, term(1, Y, -0.00025), term(2, Y, 0.00025)];
const LIP_OPEN = [term(19, Y, 0.001), term(19, Z, 0.0001), term(17, Y, -0.0001)];
const GRIN = [term(20, Z, -0.001), term(20, Y, -0.001), term(14, Y, -0.001)];
const PURSE = [term(14, Y, 0.001), term(3, Y, -0.0005), term(7, Y, -0.0005), term(17, Z, -0.0005)];

/** Controls both variants take with the Gradio tab's definitions. */
const SHARED_CONTROLS = {
  moveX: control(-0.19, 0.19, 'x-axis movement', [term(5, X, -1)]),
  moveY: control(-0.19, 0.19, 'y-axis movement', [term(5, Y, 1)]),
  scale: control(0.9, 1.2, 'z-axis movement'),
  eyesOpen: control(0, 0.8, 'target eyes-open ratio'),
  lipOpen: control(0, 0.8, 'target lip-open ratio'),
  sourceRatio: control(0, 1, 'src_ratio'),
} as const;

const COMFYUI_TABLE: EditVariantTable = Object.freeze({
  name: 'comfyui',
  description: 'ComfyUI-AdvancedLivePortrait ExpressionEditor (calc_fe)',
  controls: Object.freeze({
    pitch: control(-20, 20, 'rotate_pitch', [], [{ angle: 'pitch', coefficient: 1 }]),
    // The node negates rotate_yaw before use.
    yaw: control(-20, 20, 'rotate_yaw', [], [{ angle: 'yaw', coefficient: -1 }]),
    roll: control(-20, 20, 'rotate_roll', [], [{ angle: 'roll', coefficient: 1 }]),
    blink: control(-20, 5, 'blink', LIDS_AND_BROWS),
    eyebrow: control(-10, 15, 'eyebrow', EYEBROW),
    wink: control(0, 25, 'wink', WINK, [
      { angle: 'roll', coefficient: -0.1 },
      { angle: 'yaw', coefficient: -0.1 },
    ]),
    pupilX: control(-15, 15, 'pupil_x', GAZE_X),
    // eyes -= pupil_y / 2: vertical gaze also drives the blink terms at −½.
    pupilY: control(-15, 15, 'pupil_y', [...GAZE_Y, ...scaledTerms(LIDS_AND_BROWS, -0.5)]),
    smile: control(-0.3, 1.3, 'smile', SMILE),
    aaa: control(-30, 120, 'aaa', LIP_OPEN, [{ angle: 'pitch', coefficient: -0.05 }]),
    eee: control(-20, 15, 'eee', GRIN),
    woo: control(-20, 15, 'woo', PURSE),
    ...SHARED_CONTROLS,
  }),
});

const GRADIO_TABLE: EditVariantTable = Object.freeze({
  name: 'gradio',
  description: 'official LivePortrait Gradio retargeting tab (update_delta_new_*)',
  controls: Object.freeze({
    pitch: control(-15, 15, 'relative pitch', [], [{ angle: 'pitch', coefficient: 1 }]),
    yaw: control(-25, 25, 'relative yaw', [], [{ angle: 'yaw', coefficient: 1 }]),
    roll: control(-15, 15, 'relative roll', [], [{ angle: 'roll', coefficient: 1 }]),
    eyebrow: control(-30, 30, 'eyebrow', EYEBROW),
    wink: control(0, 39, 'wink', WINK),
    pupilX: control(-30, 30, 'eye gaze (horizontal)', GAZE_X),
    pupilY: control(-63, 63, 'eye gaze (vertical)', [...GAZE_Y, ...scaledTerms(LIDS, -0.5)]),
    smile: control(-0.3, 1.3, 'smile', SMILE),
    aaa: control(-90, 120, 'lip close <-> open', LIP_OPEN),
    eee: control(0, 15, 'grin', GRIN),
    woo: control(-20, 15, 'pursing', PURSE),
    pout: control(-0.09, 0.09, 'pouting', [term(19, X, 1)]),
    ...SHARED_CONTROLS,
  }),
});

export const EDIT_VARIANTS: Readonly<Record<EditVariant, EditVariantTable>> = Object.freeze({
  comfyui: COMFYUI_TABLE,
  gradio: GRADIO_TABLE,
});

export interface EditRange {
  readonly min: number;
  readonly max: number;
}

function rangesOf(table: EditVariantTable): Readonly<Partial<Record<EditControlName, EditRange>>> {
  const out: Partial<Record<EditControlName, EditRange>> = {};
  for (const name of EDIT_CONTROL_NAMES) {
    const def = table.controls[name];
    if (def !== undefined) out[name] = Object.freeze({ min: def.min, max: def.max });
  }
  return Object.freeze(out);
}

/** Allowed range of every control each variant offers. */
export const EDIT_RANGES: Readonly<Record<EditVariant, Readonly<Partial<Record<EditControlName, EditRange>>>>> = Object.freeze({
  comfyui: rangesOf(COMFYUI_TABLE),
  gradio: rangesOf(GRADIO_TABLE),
});

/** The value of a control that leaves the face unchanged (undefined for retargeting targets). */
export function neutralControlValue(name: EditControlName): number | undefined {
  if (TARGET_CONTROLS.has(name)) return undefined;
  return FACTOR_CONTROLS.has(name) ? 1 : 0;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return `'${value}' of type string`;
  if (value === null) return 'null';
  return `${String(value)} of type ${typeof value}`;
}

/**
 * Checks every control against the variant's table: known name, offered by the variant, a finite
 * number within range. Absent (undefined) controls are off. Returns the controls for chaining.
 */
export function validateEditControls(controls: EditControls, variant: EditVariant = DEFAULT_EDIT_VARIANT): EditControls {
  expectOneOf('variant', variant, EDIT_VARIANT_NAMES);
  if (typeof controls !== 'object' || controls === null || Array.isArray(controls)) {
    throw new OptionError('controls', `Expected an object of edit controls but received ${describeValue(controls)}`);
  }
  const table = EDIT_VARIANTS[variant];
  for (const [key, value] of Object.entries(controls)) {
    if (!(EDIT_CONTROL_NAMES as readonly string[]).includes(key)) {
      throw new OptionError(key, `Unknown edit control '${key}'; known controls: ${EDIT_CONTROL_NAMES.join(', ')}`);
    }
    if (value === undefined) continue;
    const def = table.controls[key as EditControlName];
    if (def === undefined) {
      const offered = EDIT_VARIANT_NAMES.filter((v) => EDIT_VARIANTS[v].controls[key as EditControlName] !== undefined);
      throw new OptionError(
        key,
        `Edit control ${key} is not available in the ${variant} variant (received ${describeValue(value)}); ` +
          `it is offered by: ${offered.join(', ')}`,
      );
    }
    if (typeof value !== 'number' || !Number.isFinite(value) || value < def.min || value > def.max) {
      throw new OptionError(
        key,
        `Expected a number between ${def.min} and ${def.max} for ${key} (${variant} edit variant) but received ${describeValue(value)}`,
      );
    }
  }
  return controls;
}

/** What a set of controls does to a face, before it is applied to one. */
export interface EditDelta {
  /** Added to the (sourceRatio-scaled) source expression; 63 values. */
  exp: Float32Array;
  /** Degrees added to the source angles (side effects of wink / aaa included in 'comfyui'). */
  pitch: number;
  yaw: number;
  roll: number;
  /** Multiplies the source scale. */
  scaleFactor: number;
  /** Multiplies the source expression, row 5 excepted. */
  sourceRatio: number;
  /** Retargeting targets for the eye / lip networks; undefined = not requested. */
  eyesOpen?: number;
  lipOpen?: number;
}

interface DeltaAccumulator {
  exp: Float64Array;
  pitch: number;
  yaw: number;
  roll: number;
}

function accumulate(controls: EditControls, table: EditVariantTable): DeltaAccumulator {
  const acc: DeltaAccumulator = { exp: new Float64Array(KEYPOINT_VALUES), pitch: 0, yaw: 0, roll: 0 };
  for (const name of EDIT_CONTROL_NAMES) {
    const value = controls[name];
    const def = table.controls[name];
    if (value === undefined || value === 0 || def === undefined || FACTOR_CONTROLS.has(name) || TARGET_CONTROLS.has(name)) {
      continue;
    }
    for (const t of def.exp) {
      if (t.when === 'positive' && !(value > 0)) continue;
      if (t.when === 'negative' && !(value < 0)) continue;
      acc.exp[t.row * 3 + t.axis] += value * t.coefficient;
    }
    for (const a of def.angles) acc[a.angle] += value * a.coefficient;
  }
  return acc;
}

function deltaFrom(acc: DeltaAccumulator, controls: EditControls): EditDelta {
  const delta: EditDelta = {
    exp: Float32Array.from(acc.exp),
    pitch: acc.pitch,
    yaw: acc.yaw,
    roll: acc.roll,
    scaleFactor: controls.scale ?? 1,
    sourceRatio: controls.sourceRatio ?? 1,
  };
  if (controls.eyesOpen !== undefined) delta.eyesOpen = controls.eyesOpen;
  if (controls.lipOpen !== undefined) delta.lipOpen = controls.lipOpen;
  return delta;
}

/** The deltas a set of controls produces in a variant (validated first). */
export function expressionDelta(controls: EditControls, variant: EditVariant = DEFAULT_EDIT_VARIANT): EditDelta {
  validateEditControls(controls, variant);
  return deltaFrom(accumulate(controls, EDIT_VARIANTS[variant]), controls);
}

/** Expression row ComfyUI keeps whole when scaling the source expression by src_ratio (head position). */
const POSITION_ROW = 5;

function checkMotion(name: string, motion: MotionInfo): void {
  const lengths: [string, ArrayLike<number>, number][] = [
    ['exp', motion.exp, KEYPOINT_VALUES],
    ['kp', motion.kp, KEYPOINT_VALUES],
    ['R', motion.R, 9],
    ['t', motion.t, 3],
  ];
  for (const [field, values, length] of lengths) {
    if (values.length !== length) throw new RangeError(`Expected ${length} values for ${name}.${field} but received ${values.length}`);
  }
}

/** R for new angles; the source R itself (e.g. one read from a template) when the angles did not change. */
function rotationFor(source: MotionInfo, pitch: number, yaw: number, roll: number): Float64Array {
  if (pitch === source.pitch && yaw === source.yaw && roll === source.roll) return mat3From(source.R);
  return rotationMatrix(pitch, yaw, roll);
}

export interface AppliedEdit {
  /** The source motion with edited angles, R, expression and scale (kp and t are the source's). */
  motion: MotionInfo;
  delta: EditDelta;
}

/**
 * Applies controls to a source face: exp = exp_s·sourceRatio (row 5 kept) + Δexp, angles = source + Δ,
 * R from the new angles, scale = scale_s·scaleFactor. Retargeting targets are returned in `delta`
 * for the caller to run the eye / lip networks on.
 */
export function applyEdit(source: MotionInfo, controls: EditControls, variant: EditVariant = DEFAULT_EDIT_VARIANT): AppliedEdit {
  checkMotion('source', source);
  validateEditControls(controls, variant);
  const acc = accumulate(controls, EDIT_VARIANTS[variant]);
  const ratio = controls.sourceRatio ?? 1;
  const exp = new Float32Array(KEYPOINT_VALUES);
  for (let i = 0; i < KEYPOINT_VALUES; i++) {
    const kept = ratio === 1 || Math.floor(i / 3) === POSITION_ROW;
    exp[i] = (kept ? source.exp[i] : source.exp[i] * ratio) + acc.exp[i];
  }
  const pitch = source.pitch + acc.pitch;
  const yaw = source.yaw + acc.yaw;
  const roll = source.roll + acc.roll;
  const scaleFactor = controls.scale ?? 1;
  return {
    motion: {
      pitch,
      yaw,
      roll,
      R: rotationFor(source, pitch, yaw, roll),
      exp,
      scale: scaleFactor === 1 ? source.scale : source.scale * scaleFactor,
      t: Float32Array.from(source.t),
      kp: Float32Array.from(source.kp),
    },
    delta: deltaFrom(acc, controls),
  };
}

/** Keypoints of (edited) motion under either composition; see EditComposition. */
export function composeKeypoints(
  motion: KeypointTransform,
  composition: EditComposition = 'official',
  out: Float32Array = new Float32Array(KEYPOINT_VALUES),
): Float32Array {
  expectOneOf('composition', composition, EDIT_COMPOSITIONS);
  if (composition === 'official') return transformKeypoints(motion, out);
  const { kp, R, exp, scale, t } = motion;
  if (kp.length !== KEYPOINT_VALUES || exp.length !== KEYPOINT_VALUES || R.length !== 9 || t.length < 3) {
    throw new RangeError('composeKeypoints needs kp and exp of 63 values, R of 9 and t of 3');
  }
  if (out.length !== KEYPOINT_VALUES) throw new RangeError(`Expected ${KEYPOINT_VALUES} values for out but received ${out.length}`);
  for (let k = 0; k < KEYPOINT_VALUES; k += 3) {
    const a = kp[k] + exp[k];
    const b = kp[k + 1] + exp[k + 1];
    const c = kp[k + 2] + exp[k + 2];
    out[k] = scale * (a * R[0] + b * R[3] + c * R[6]) + t[0];
    out[k + 1] = scale * (a * R[1] + b * R[4] + c * R[7]) + t[1];
    out[k + 2] = scale * (a * R[2] + b * R[5] + c * R[8]) + t[2];
  }
  return out;
}

export interface EditKeypointOptions {
  /** Default 'official'. */
  readonly composition?: EditComposition;
}

/** Driving keypoints of the edited source (before retargeting and stitching). */
export function editedKeypoints(
  source: MotionInfo,
  controls: EditControls,
  variant: EditVariant = DEFAULT_EDIT_VARIANT,
  options: EditKeypointOptions = {},
  out?: Float32Array,
): Float32Array {
  return composeKeypoints(applyEdit(source, controls, variant).motion, options.composition ?? 'official', out);
}

// ---------------------------------------------------------------------------------------------
// Copying from another face ("sample" in ComfyUI)

export type CopyParts = 'all' | 'expression' | 'rotation' | 'mouth' | 'eyes';
export const COPY_PARTS: readonly CopyParts[] = Object.freeze(['all', 'expression', 'rotation', 'mouth', 'eyes'] as const);
/** ComfyUI's OnlyMouth rows. */
export const EDIT_MOUTH_ROWS: readonly number[] = Object.freeze([14, 17, 19, 20]);
/** ComfyUI's OnlyEyes rows (brows included). */
export const EDIT_EYE_ROWS: readonly number[] = Object.freeze([1, 2, 11, 13, 15, 16]);
export const COPY_RATIO_RANGE: EditRange = Object.freeze({ min: -0.2, max: 1.2 });

/**
 * Moves parts of the source face toward another face: value = source + (sample − source)·ratio, so
 * ratio 1 copies, 0 keeps the source and values outside [0, 1] under- or over-shoot.
 * 'expression' takes every expression value except row 5 x/y (the sample's head position, which
 * ComfyUI zeroes); 'mouth' / 'eyes' only their rows; 'rotation' the three angles; 'all' expression
 * and rotation. kp, scale and t stay the source's.
 *
 * Unlike ComfyUI, which ADDS sample·ratio on top of the source (and of the source angles), this blends,
 * so ratio 1 gives the sample's expression rather than the sum of both faces'.
 */
export function copyExpressionFrom(source: MotionInfo, sample: MotionInfo, parts: CopyParts, ratio = 1): MotionInfo {
  expectOneOf('parts', parts, COPY_PARTS);
  expectNumber('ratio', ratio, COPY_RATIO_RANGE.min, COPY_RATIO_RANGE.max);
  checkMotion('source', source);
  checkMotion('sample', sample);
  const exp = Float32Array.from(source.exp);
  const blend = (i: number): void => {
    exp[i] = source.exp[i] + (sample.exp[i] - source.exp[i]) * ratio;
  };
  if (parts === 'all' || parts === 'expression') {
    for (let i = 0; i < KEYPOINT_VALUES; i++) {
      if (i !== POSITION_ROW * 3 + X && i !== POSITION_ROW * 3 + Y) blend(i);
    }
  } else if (parts === 'mouth' || parts === 'eyes') {
    for (const row of parts === 'mouth' ? EDIT_MOUTH_ROWS : EDIT_EYE_ROWS) for (let a = 0; a < 3; a++) blend(row * 3 + a);
  }
  let { pitch, yaw, roll } = source;
  if (parts === 'all' || parts === 'rotation') {
    pitch = source.pitch + (sample.pitch - source.pitch) * ratio;
    yaw = source.yaw + (sample.yaw - source.yaw) * ratio;
    roll = source.roll + (sample.roll - source.roll) * ratio;
  }
  return {
    pitch,
    yaw,
    roll,
    R: rotationFor(source, pitch, yaw, roll),
    exp,
    scale: source.scale,
    t: Float32Array.from(source.t),
    kp: Float32Array.from(source.kp),
  };
}

// ---------------------------------------------------------------------------------------------
// Clips

/** Values the retargeting targets start or end at when only one side of an interpolation sets them. */
export interface RetargetNeutral {
  /** Usually the source's own eyes-open ratio. */
  readonly eyesOpen?: number;
  /** Usually the source's own lip-open ratio. */
  readonly lipOpen?: number;
}

/**
 * (1 − t)·a + t·b per control (exact at t = 0 and t = 1), for a clip that moves from one control set
 * to another. An absent control counts as its neutral value. A retargeting target set on one side
 * only blends from `neutral` when given, otherwise it is held at the side that sets it (endpoints
 * stay exact: t = 0 returns a's controls, t = 1 b's).
 */
export function interpolateControls(a: EditControls, b: EditControls, t: number, neutral: RetargetNeutral = {}): EditControls {
  expectNumber('t', t, 0, 1);
  const out: EditControls = {};
  for (const name of EDIT_CONTROL_NAMES) {
    let va = a[name];
    let vb = b[name];
    if (va === undefined && vb === undefined) continue;
    if (TARGET_CONTROLS.has(name)) {
      const fallback = neutral[name as keyof RetargetNeutral];
      if (va === undefined) {
        if (t === 0) continue;
        va = fallback ?? vb;
      }
      if (vb === undefined) {
        if (t === 1) continue;
        vb = fallback ?? va;
      }
    }
    const neutralValue = neutralControlValue(name) ?? 0;
    const from = va ?? neutralValue;
    const to = vb ?? neutralValue;
    out[name] = t === 0 ? from : t === 1 ? to : (1 - t) * from + t * to;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Reference frame choice

/** L2 norm of a 63-value expression: how far the face is from the canonical neutral one. */
export function expressionMagnitude(exp: ArrayLike<number>): number {
  if (exp.length !== KEYPOINT_VALUES) throw new RangeError(`Expected ${KEYPOINT_VALUES} expression values but received ${exp.length}`);
  let sum = 0;
  for (let i = 0; i < KEYPOINT_VALUES; i++) sum += exp[i] * exp[i];
  return Math.sqrt(sum);
}

/**
 * Keeps the most neutral (smallest expression magnitude) frame seen so far, with an optional value
 * (e.g. the frame's motion) so a stream needs one pass and constant memory. Ties keep the earlier
 * frame; frames with a non-finite magnitude are never chosen.
 */
export class NeutralFrameTracker<T = undefined> {
  private bestIndex = -1;
  private bestMag = Infinity;
  private bestPayload: T | undefined;
  private seen = 0;

  /** Records the next frame; true when it became the most neutral so far. */
  push(exp: ArrayLike<number>, value?: T): boolean {
    const index = this.seen++;
    const magnitude = expressionMagnitude(exp);
    if (!(magnitude < this.bestMag)) return false;
    this.bestIndex = index;
    this.bestMag = magnitude;
    this.bestPayload = value;
    return true;
  }

  /** Index of the most neutral frame so far; −1 before any finite one. */
  get best(): number {
    return this.bestIndex;
  }

  get bestMagnitude(): number {
    return this.bestMag;
  }

  /** The value pushed with the most neutral frame. */
  get bestValue(): T | undefined {
    return this.bestPayload;
  }

  /** Frames pushed so far. */
  get count(): number {
    return this.seen;
  }
}

/** Index of the frame with the smallest expression magnitude (the first one on ties). */
export function mostNeutralFrame(exps: Iterable<ArrayLike<number>>): number {
  const tracker = new NeutralFrameTracker();
  for (const exp of exps) tracker.push(exp);
  if (tracker.best < 0) {
    throw new RangeError(
      tracker.count === 0 ? 'mostNeutralFrame needs at least one expression' : 'mostNeutralFrame found no expression with a finite magnitude',
    );
  }
  return tracker.best;
}
