/**
 * A job's `options` JSON, named as the CLI's flags (`region`, `multiplier`, `relative`, `crop-driving`…),
 * validated with the CLI's messages (the flag, the value received, what is allowed) and turned into
 * the library's AnimateOptionsInput; and the `edit` controls of an edit job.
 */
import { ANIMATION_REGIONS, DRIVING_OPTIONS } from '../settings.js';
import { OptionError, expectBoolean, expectInteger, expectNumber, expectOneOf } from '../validate.js';
import { DRIVING_BOX_MODES, DRIVING_CROP_MODES, resolveAnimateOptions, type AnimateOptionsInput } from '../pipeline/options.js';
import { COPY_PARTS, COPY_RATIO_RANGE, EDIT_VARIANT_NAMES, validateEditControls, type CopyParts, type EditControls, type EditVariant } from '../math/editing.js';
import type { JobData, OutputFormat } from './queue.js';

type Group = 'motion' | 'crop' | 'output';
type Check = (flag: string, value: unknown) => unknown;

const bool: Check = (f, v) => expectBoolean(f, v);
const num = (min: number, max: number): Check => (f, v) => expectNumber(f, v, min, max);
const int = (min: number, max = Infinity): Check => (f, v) => expectInteger(f, v, min, max);
const oneOf = (allowed: readonly string[]): Check => (f, v) => expectOneOf(f, v, allowed);

/** CLI flag (without --) → where it goes in AnimateOptionsInput and how it is checked. */
const ANIMATE_FLAGS: Record<string, readonly [Group, string, Check]> = {
  relative: ['motion', 'relative', bool],
  region: ['motion', 'region', oneOf(ANIMATION_REGIONS)],
  stitching: ['motion', 'stitching', bool],
  'eye-retargeting': ['motion', 'eyeRetargeting', bool],
  'lip-retargeting': ['motion', 'lipRetargeting', bool],
  'normalize-lip': ['motion', 'normalizeLip', bool],
  'driving-option': ['motion', 'drivingOption', oneOf(DRIVING_OPTIONS)],
  multiplier: ['motion', 'multiplier', num(0, 10)],
  smooth: ['motion', 'smooth', bool],
  reference: ['motion', 'reference', (f, v) => (v === 'auto' ? v : expectInteger(f, v, 0))],
  'smooth-variance': ['motion', 'smoothVariance', num(1e-12, 1)],
  'source-eye-retarget': ['motion', 'sourceEyeRetargeting', bool],
  crop: ['crop', 'crop', bool],
  scale: ['crop', 'scale', num(1, 4)],
  vx: ['crop', 'vx', num(-0.5, 0.5)],
  vy: ['crop', 'vy', num(-0.5, 0.5)],
  'crop-driving': ['crop', 'cropDriving', oneOf(DRIVING_CROP_MODES)],
  'driving-box': ['crop', 'drivingBox', oneOf(DRIVING_BOX_MODES)],
  'driving-scale': ['crop', 'drivingScale', num(1, 4)],
  'driving-vy': ['crop', 'drivingVy', num(-0.5, 0.5)],
  'face-index': ['crop', 'faceIndex', int(0)],
  'max-dim': ['crop', 'maxDim', int(64, 8192)],
  pasteback: ['output', 'pasteback', bool],
  concat: ['output', 'concat', bool],
  frames: ['output', 'frames', int(1)],
  crf: ['output', 'crf', int(0, 51)],
};

/** Service-only options: output format and chunk size. */
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['mp4', 'png', 'jpg'];
const SERVICE_FLAGS = ['format', 'chunk-frames'];

/** Edit controls (the CLI's flags) → library control names. */
const EDIT_FLAGS: Record<string, keyof EditControls> = {
  pitch: 'pitch', yaw: 'yaw', roll: 'roll', blink: 'blink', eyebrow: 'eyebrow', wink: 'wink', 'pupil-x': 'pupilX', 'pupil-y': 'pupilY',
  smile: 'smile', aaa: 'aaa', eee: 'eee', woo: 'woo', pout: 'pout', 'lip-open': 'lipOpen', 'eyes-open': 'eyesOpen', 'move-x': 'moveX',
  'move-y': 'moveY', zoom: 'scale', 'source-ratio': 'sourceRatio',
};
const EDIT_ONLY = ['variant', 'parts', 'ratio', 'frames'];

export interface ParsedOptions {
  readonly options: AnimateOptionsInput;
  readonly format?: OutputFormat;
  readonly chunkFrames?: number;
  readonly edit?: JobData['edit'];
}

function parseJson(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new OptionError('options', `Expected options to be a JSON object but it is not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OptionError('options', 'Expected options to be a JSON object of CLI option names and values');
  return value as Record<string, unknown>;
}

/** Validates a job's options (JSON text) for a job kind; errors name the CLI flag. */
export function parseJobOptions(text: string | undefined, kind: 'animate' | 'edit' | 'template'): ParsedOptions {
  const raw = parseJson(text);
  const groups: Record<Group, Record<string, unknown>> = { motion: {}, crop: {}, output: {} };
  const controls: Record<string, unknown> = {};
  let format: OutputFormat | undefined;
  let chunkFrames: number | undefined;
  const edit: { variant?: EditVariant; parts?: CopyParts; ratio?: number; frames?: number; stitching?: boolean } = {};
  const allowed = new Set([...Object.keys(ANIMATE_FLAGS), ...SERVICE_FLAGS, ...(kind === 'edit' ? [...Object.keys(EDIT_FLAGS), ...EDIT_ONLY] : [])]);
  for (const [name, value] of Object.entries(raw)) {
    const flag = `--${name}`;
    if (!allowed.has(name)) throw new OptionError(flag, `Unknown option '${name}' for a ${kind} job; allowed: ${[...allowed].join(', ')}`);
    if (name === 'format') format = expectOneOf(flag, value, OUTPUT_FORMATS);
    else if (name === 'chunk-frames') chunkFrames = expectInteger(flag, value, 1, 100000);
    else if (kind === 'edit' && name in EDIT_FLAGS) controls[EDIT_FLAGS[name]] = expectNumber(flag, value);
    else if (kind === 'edit' && name === 'variant') edit.variant = expectOneOf(flag, value, EDIT_VARIANT_NAMES);
    else if (kind === 'edit' && name === 'parts') edit.parts = expectOneOf(flag, value, COPY_PARTS);
    else if (kind === 'edit' && name === 'ratio') edit.ratio = expectNumber(flag, value, COPY_RATIO_RANGE.min, COPY_RATIO_RANGE.max);
    else if (kind === 'edit' && name === 'frames') edit.frames = expectInteger(flag, value, 1, 100000);
    else {
      const [group, key, check] = ANIMATE_FLAGS[name];
      groups[group][key] = check(flag, value);
    }
  }
  if (kind === 'edit' && groups.motion.stitching !== undefined) edit.stitching = groups.motion.stitching as boolean;
  // As the CLI: no crop means no paste-back.
  if (groups.crop.crop === false && groups.output.pasteback === undefined) groups.output.pasteback = false;
  const options: AnimateOptionsInput = { motion: groups.motion, crop: groups.crop, output: groups.output };
  try {
    resolveAnimateOptions(options);
  } catch (err) {
    if (err instanceof OptionError) {
      const flag = Object.entries(ANIMATE_FLAGS).find(([, [, key]]) => key === err.parameter)?.[0];
      throw new OptionError(flag ? `--${flag}` : err.parameter, flag ? err.message.replace(new RegExp(`\\b${err.parameter}\\b`, 'g'), `--${flag}`) : err.message);
    }
    throw err;
  }
  if (kind !== 'edit') return { options, format, chunkFrames };
  const variant = edit.variant;
  try {
    validateEditControls(controls as EditControls, variant);
  } catch (err) {
    if (!(err instanceof OptionError)) throw err;
    const entry = Object.entries(EDIT_FLAGS).find(([, name]) => name === err.parameter);
    if (!entry) throw err;
    throw new OptionError(`--${entry[0]}`, err.message.replace(new RegExp(`\\b${err.parameter}\\b`, 'g'), `--${entry[0]}`));
  }
  return { options, format, chunkFrames, edit: { controls: controls as EditControls, ...edit } };
}
