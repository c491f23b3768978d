/**
 * The options of an animation run, their defaults (from DEFAULTS) and their validation at the
 * boundary: every library entry point and the CLI pass user input through `resolveAnimateOptions`.
 */
import { ANIMATION_REGIONS, DEFAULTS, DETECTORS, DRIVING_OPTIONS, type AnimationRegion, type DetectorKind, type DrivingOption } from '../settings.js';
import { expectBoolean, expectInteger, expectNumber, expectOneOf, OptionError } from '../validate.js';
import { validateFaceSelection, type FaceSelection } from '../face/select.js';

export const DRIVING_CROP_MODES = ['auto', 'on', 'off'] as const;
export type DrivingCropMode = (typeof DRIVING_CROP_MODES)[number];

export const DRIVING_BOX_MODES = ['average', 'per-frame'] as const;
export type DrivingBoxMode = (typeof DRIVING_BOX_MODES)[number];

export interface MotionOptions {
  /** Relative motion (driving frame minus the reference frame); false = absolute driving motion. */
  readonly relative: boolean;
  readonly region: AnimationRegion;
  readonly stitching: boolean;
  readonly eyeRetargeting: boolean;
  readonly lipRetargeting: boolean;
  readonly normalizeLip: boolean;
  readonly drivingOption: DrivingOption;
  /** Scales the keypoint motion away from the source (1 = as driven). */
  readonly multiplier: number;
  /** One-euro smoothing of the driving motion (for live input). */
  readonly smooth: boolean;
  /** Driving frame used as the relative-motion reference: an index, or 'auto' (most neutral frame). */
  readonly reference: number | 'auto';
  /** Video-to-video: observation variance of the Kalman (RTS) smoother of the driven rotation and expression. */
  readonly smoothVariance: number;
  /** Video-to-video: hold the eyes at the first source frame's openness (the original's flag_source_video_eye_retargeting). */
  readonly sourceEyeRetargeting: boolean;
}

export interface CropOptions {
  /** Crop the source around the face (false: the whole image is resized to 256, no paste-back). */
  readonly crop: boolean;
  readonly scale: number;
  readonly vx: number;
  readonly vy: number;
  /** Driving crop: 'auto' crops non-square videos (as the original), 'on' always, 'off' never. */
  readonly cropDriving: DrivingCropMode;
  /** Driving crop box: averaged over the video (as the original) or per frame (webcam). */
  readonly drivingBox: DrivingBoxMode;
  readonly drivingScale: number;
  readonly drivingVx: number;
  readonly drivingVy: number;
  readonly detector: DetectorKind;
  readonly faceIndex: number;
  /** Source faces to animate: 'largest' (default, one face as the original), 'all', or left-to-right indices. */
  readonly faces: FaceSelection;
  /** With `faces` 'all' or indices: faces smaller than this (box side, px) are skipped with a warning. */
  readonly minFace: number;
  /** Face of a driving video with several people, left to right (tracked through the video); default: the largest. */
  readonly drivingFace?: number;
  /** Long-side limit of the source image (the original's 1280). */
  readonly maxDim: number;
}

export interface OutputOptions {
  /** Paste the render back into the source image (false: the 512 crop only). */
  readonly pasteback: boolean;
  /** Also write the side-by-side comparison video (driving | source | result). */
  readonly concat: boolean;
  /** Limit the number of frames. */
  readonly frames?: number;
  readonly crf: number;
  /** Several drivers: a driver shorter than the first starts again (true) or holds its last frame (false). */
  readonly loopDrivers: boolean;
}

export interface AnimateOptions {
  readonly motion: MotionOptions;
  readonly crop: CropOptions;
  readonly output: OutputOptions;
}

export type AnimateOptionsInput = {
  readonly motion?: Partial<MotionOptions>;
  readonly crop?: Partial<CropOptions>;
  readonly output?: Partial<OutputOptions>;
};

export const DEFAULT_ANIMATE_OPTIONS: AnimateOptions = {
  motion: {
    relative: DEFAULTS.motion.relative,
    region: DEFAULTS.motion.region,
    stitching: DEFAULTS.motion.stitching,
    eyeRetargeting: DEFAULTS.motion.eyeRetargeting,
    lipRetargeting: DEFAULTS.motion.lipRetargeting,
    normalizeLip: DEFAULTS.motion.normalizeLip,
    drivingOption: DEFAULTS.motion.drivingOption,
    multiplier: DEFAULTS.motion.multiplier,
    smooth: false,
    reference: 0,
    smoothVariance: DEFAULTS.smoothing.kalman.observationVariance,
    sourceEyeRetargeting: false,
  },
  crop: {
    crop: true,
    scale: DEFAULTS.crop.source.scale,
    vx: DEFAULTS.crop.source.vx,
    vy: DEFAULTS.crop.source.vy,
    cropDriving: 'auto',
    drivingBox: 'average',
    drivingScale: DEFAULTS.crop.driving.scale,
    drivingVx: DEFAULTS.crop.driving.vx,
    drivingVy: DEFAULTS.crop.driving.vy,
    detector: DEFAULTS.detector.kind,
    faceIndex: DEFAULTS.detector.faceIndex,
    faces: DEFAULTS.faces.selection,
    minFace: DEFAULTS.faces.minFace,
    drivingFace: undefined,
    maxDim: DEFAULTS.source.maxDim,
  },
  output: {
    pasteback: true,
    concat: false,
    frames: undefined,
    crf: DEFAULTS.output.crf,
    loopDrivers: false,
  },
};

/** Merges user input over the defaults and validates every value (errors name the option). */
export function resolveAnimateOptions(input: AnimateOptionsInput = {}): AnimateOptions {
  const m = { ...DEFAULT_ANIMATE_OPTIONS.motion, ...input.motion };
  const c = { ...DEFAULT_ANIMATE_OPTIONS.crop, ...input.crop };
  const o = { ...DEFAULT_ANIMATE_OPTIONS.output, ...input.output };
  expectBoolean('relative', m.relative);
  expectOneOf('region', m.region, ANIMATION_REGIONS);
  expectBoolean('stitching', m.stitching);
  expectBoolean('eyeRetargeting', m.eyeRetargeting);
  expectBoolean('lipRetargeting', m.lipRetargeting);
  expectBoolean('normalizeLip', m.normalizeLip);
  expectOneOf('drivingOption', m.drivingOption, DRIVING_OPTIONS);
  expectNumber('multiplier', m.multiplier, 0, 10);
  expectBoolean('smooth', m.smooth);
  if (m.reference !== 'auto') expectInteger('reference', m.reference, 0);
  expectNumber('smoothVariance', m.smoothVariance, 1e-12, 1);
  expectBoolean('sourceEyeRetargeting', m.sourceEyeRetargeting);
  expectBoolean('crop', c.crop);
  expectNumber('scale', c.scale, 1, 4);
  expectNumber('vx', c.vx, -0.5, 0.5);
  expectNumber('vy', c.vy, -0.5, 0.5);
  expectOneOf('cropDriving', c.cropDriving, DRIVING_CROP_MODES);
  expectOneOf('drivingBox', c.drivingBox, DRIVING_BOX_MODES);
  expectNumber('drivingScale', c.drivingScale, 1, 4);
  expectNumber('drivingVx', c.drivingVx, -0.5, 0.5);
  expectNumber('drivingVy', c.drivingVy, -0.5, 0.5);
  expectOneOf('detector', c.detector, DETECTORS);
  expectInteger('faceIndex', c.faceIndex, 0);
  validateFaceSelection(c.faces);
  expectInteger('minFace', c.minFace, 1);
  if (c.drivingFace !== undefined) expectInteger('drivingFace', c.drivingFace, 0);
  expectInteger('maxDim', c.maxDim, 64, 8192);
  expectBoolean('pasteback', o.pasteback);
  expectBoolean('concat', o.concat);
  if (o.frames !== undefined) expectInteger('frames', o.frames, 1);
  expectInteger('crf', o.crf, 0, 51);
  expectBoolean('loopDrivers', o.loopDrivers);
  if (c.faces !== 'largest' && !c.crop) {
    throw new OptionError('faces', `Expected faces to be 'largest' when crop is off (the whole image is one input) but received ${JSON.stringify(c.faces)}`);
  }
  if (o.pasteback && !c.crop) {
    throw new OptionError('pasteback', 'Expected pasteback to be false when crop is off (a whole-image render cannot be pasted back)');
  }
  return { motion: m, crop: c, output: o };
}
