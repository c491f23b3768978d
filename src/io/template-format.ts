/**
 * Motion templates as JSON: parsing (the official pickles converted to JSON, and this project's own
 * files) and serialisation. No I/O here, so the browser app can use it too; template.ts reads and writes
 * files.
 *
 * Layout (both kinds): `{n_frames, output_fps, motion: [{scale, R | R_d, exp, t, kp?, x_s?, pitch?, yaw?,
 * roll?}, …], c_eyes_lst | c_d_eyes_lst?, c_lip_lst | c_d_lip_lst?}`, every array `{shape, data}` with
 * row-major data. `R` is the 3×3 head rotation in the row-vector convention (x · R). This project's files
 * add `format: 'liveportrait-ts/motion-template@1'` and use the newer key names (R, c_eyes_lst, c_lip_lst).
 */

import { DEFAULTS } from '../settings.js';
import { quoteUserText } from '../validate.js';

export const TEMPLATE_FORMAT = 'liveportrait-ts/motion-template@1';

export interface TemplateFrame {
  /** Head scale (1x1 in the file). */
  readonly scale: number;
  /** Rotation, 3×3 row-major, row-vector convention (x · R). */
  readonly R: Float64Array;
  /** Expression deltas, 21×3. */
  readonly exp: Float32Array;
  /** Translation (tx, ty, tz), tz stored as 0 by the original. */
  readonly t: Float32Array;
  /** Canonical keypoints, 21×3 (FasterLivePortrait and full official templates). */
  readonly kp?: Float32Array;
  /** Head pose in degrees, where the template stores it. */
  readonly pitch?: number;
  readonly yaw?: number;
  readonly roll?: number;
}

export interface MotionTemplate {
  readonly fps: number;
  readonly frames: readonly TemplateFrame[];
  /** Per frame [left, right] eye-open ratios of the driving face (absent in animal and audio-made templates). */
  readonly eyeRatios?: readonly (readonly number[])[];
  /** Per frame lip-open ratio of the driving face. */
  readonly lipRatios?: readonly number[];
}

export class TemplateError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly frame?: number,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

interface ShapedArray {
  readonly shape: readonly number[];
  readonly data: readonly number[];
}

const SHAPES = {
  scale: [1, 1],
  R: [1, 3, 3],
  exp: [1, 21, 3],
  t: [1, 3],
  kp: [1, 21, 3],
  x_s: [1, 21, 3],
  eyes: [1, 2],
  lip: [1, 1],
} as const;

/**
 * Allowed value ranges, wide around what LivePortrait produces (scale ≈ 1–2, |exp| < 0.1, |t| < 0.3,
 * rotation entries within ±1), so a bad file fails here with its frame and field instead of overflowing
 * later in the keypoint maths.
 */
interface ValueRange {
  readonly min: number;
  readonly max: number;
  /** The minimum itself is not allowed (a head scale of 0). */
  readonly aboveMin?: boolean;
}

const RANGES: Record<keyof typeof SHAPES | 'pitch' | 'yaw' | 'roll', ValueRange> = {
  scale: { min: 0, max: 100, aboveMin: true },
  R: { min: -1.01, max: 1.01 },
  exp: { min: -10, max: 10 },
  t: { min: -10, max: 10 },
  kp: { min: -10, max: 10 },
  x_s: { min: -10, max: 10 },
  eyes: { min: 0, max: 10 },
  lip: { min: 0, max: 10 },
  pitch: { min: -180, max: 180 },
  yaw: { min: -180, max: 180 },
  roll: { min: -180, max: 180 },
};

function rangeText(range: ValueRange): string {
  return range.aboveMin ? `a number above ${range.min} and at most ${range.max}` : `a number between ${range.min} and ${range.max}`;
}

function inRange(value: unknown, range: ValueRange): value is number {
  return typeof value === 'number' && Number.isFinite(value) && (range.aboveMin ? value > range.min : value >= range.min) && value <= range.max;
}

/** A value from the file as shown in a message: numbers as JSON parsed them, anything else quoted and cut short. */
function describeValue(value: unknown): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return 'too large to represent (overflows)';
  if (typeof value === 'number') return String(value);
  return describeJson(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatShape(shape: readonly unknown[]): string {
  return `[${shape.join(',')}]`;
}

class Parser {
  constructor(readonly label: string) {}

  fail(message: string, frame?: number): never {
    const where = frame === undefined ? `template ${this.label}` : `template ${this.label} frame ${frame}`;
    throw new TemplateError(this.label, `${where}: ${message}`, frame);
  }

  /** A `{shape, data}` array with exactly `expected` as its shape and finite values. */
  array(value: unknown, key: string, expected: readonly number[], frame: number | undefined, range: ValueRange): readonly number[] {
    if (!isRecord(value) || !Array.isArray(value.shape) || !Array.isArray(value.data)) {
      this.fail(`${key} must be an array object {shape, data}, got ${describeJson(value)}`, frame);
    }
    const { shape, data } = value as unknown as ShapedArray;
    if (shape.length !== expected.length || shape.some((d, i) => d !== expected[i])) {
      this.fail(`${key} has shape ${formatShape(shape)}, expected ${formatShape(expected)}`, frame);
    }
    const size = expected.reduce((a, b) => a * b, 1);
    if (data.length !== size) this.fail(`${key} has ${data.length} values, shape ${formatShape(expected)} needs ${size}`, frame);
    for (let i = 0; i < data.length; i++) {
      if (!inRange(data[i], range)) this.fail(`${size === 1 ? key : `${key} value ${i}`} is ${describeValue(data[i])}, expected ${rangeText(range)}`, frame);
    }
    return data;
  }

  /** A scalar stored as a plain number or a {shape: [1] or [1,1], data}. */
  scalar(value: unknown, key: string, frame: number, range: ValueRange): number {
    if (typeof value === 'number') {
      if (!inRange(value, range)) this.fail(`${key} is ${describeValue(value)}, expected ${rangeText(range)}`, frame);
      return value;
    }
    const shape = isRecord(value) && Array.isArray(value.shape) && value.shape.length === 1 ? [1] : [1, 1];
    return this.array(value, key, shape, frame, range)[0];
  }
}

function describeJson(value: unknown): string {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return `a plain list of ${value.length}`;
  if (typeof value === 'object') return 'an object without shape/data';
  return `${typeof value} ${quoteUserText(value)}`;
}

function parseFrame(p: Parser, value: unknown, index: number): TemplateFrame {
  if (!isRecord(value)) p.fail(`expected an object of arrays, got ${describeJson(value)}`, index);
  const rKey = 'R' in value ? 'R' : 'R_d' in value ? 'R_d' : undefined;
  if (!rKey) p.fail('missing R (or R_d)', index);
  for (const key of ['scale', 'exp', 't'] as const) if (!(key in value)) p.fail(`missing ${key}`, index);
  const frame: {
    scale: number;
    R: Float64Array;
    exp: Float32Array;
    t: Float32Array;
    kp?: Float32Array;
    pitch?: number;
    yaw?: number;
    roll?: number;
  } = {
    // scale is a float32 model output, stored as the shortest decimal that reads back as that float32.
    scale: Math.fround(p.scalar(value.scale, 'scale', index, RANGES.scale)),
    R: Float64Array.from(p.array(value[rKey], rKey, SHAPES.R, index, RANGES.R)),
    exp: Float32Array.from(p.array(value.exp, 'exp', SHAPES.exp, index, RANGES.exp)),
    t: Float32Array.from(p.array(value.t, 't', SHAPES.t, index, RANGES.t)),
  };
  if (value.kp !== undefined) frame.kp = Float32Array.from(p.array(value.kp, 'kp', SHAPES.kp, index, RANGES.kp));
  // x_s (the source keypoints of the run that made the template) is checked but not kept: animation
  // always uses the new source's own keypoints.
  if (value.x_s !== undefined) p.array(value.x_s, 'x_s', SHAPES.x_s, index, RANGES.x_s);
  for (const key of ['pitch', 'yaw', 'roll'] as const) {
    if (value[key] !== undefined) frame[key] = p.scalar(value[key], key, index, RANGES[key]);
  }
  return frame;
}

function ratioList(p: Parser, root: Record<string, unknown>, keys: readonly string[], shape: readonly number[], frames: number, range: ValueRange): number[][] | undefined {
  const key = keys.find((k) => root[k] !== undefined);
  if (!key) return undefined;
  const list = root[key];
  if (!Array.isArray(list)) p.fail(`${key} must be a list, got ${describeJson(list)}`);
  // Audio-driven templates carry empty ratio lists: the same as none.
  if (list.length === 0) return undefined;
  if (list.length !== frames) p.fail(`${key} has ${list.length} entries, expected ${frames} (one per frame)`);
  return list.map((entry, i) => [...p.array(entry, key, shape, i, range)]);
}

/** Validates and converts parsed template JSON; `label` (usually the path) names the template in errors. */
export function parseTemplate(json: unknown, label: string): MotionTemplate {
  const p: Parser = new Parser(label);
  if (!isRecord(json)) p.fail(`expected a JSON object, got ${describeJson(json)}`);
  if (json.format !== undefined && json.format !== TEMPLATE_FORMAT) {
    p.fail(`unknown format ${quoteUserText(json.format)} (readable: '${TEMPLATE_FORMAT}' and the official templates converted to JSON)`);
  }
  if (!Array.isArray(json.motion)) p.fail(`motion must be a list of frames, got ${describeJson(json.motion)}`);
  const motion = json.motion;
  if (motion.length === 0) p.fail('motion has no frames');
  if (json.n_frames !== undefined && json.n_frames !== motion.length) p.fail(`n_frames is ${describeValue(json.n_frames)} but motion has ${motion.length} frames`);
  const fps = json.output_fps ?? json.fps;
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > DEFAULTS.output.maxFps) {
    p.fail(`output_fps is ${describeValue(fps)}, expected a frame rate above 0 and at most ${DEFAULTS.output.maxFps}`);
  }
  const frames = motion.map((m, i) => parseFrame(p, m, i));
  const eyeRatios = ratioList(p, json, ['c_eyes_lst', 'c_d_eyes_lst'], SHAPES.eyes, frames.length, RANGES.eyes);
  const lipRatios = ratioList(p, json, ['c_lip_lst', 'c_d_lip_lst'], SHAPES.lip, frames.length, RANGES.lip)?.map((r) => r[0]);
  return { fps, frames, ...(eyeRatios ? { eyeRatios } : {}), ...(lipRatios ? { lipRatios } : {}) };
}

/** Shortest decimal that reads back as the same float32, so files stay small and round trips are exact. */
function float32Text(v: number): string {
  const f = Math.fround(v);
  for (let digits = 6; digits < 9; digits++) {
    const text = f.toPrecision(digits);
    if (Math.fround(Number(text)) === f) return String(Number(text));
  }
  return String(f);
}

function arrayJson(shape: readonly number[], data: ArrayLike<number>, float32: boolean): string {
  const values: string[] = [];
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    // String(-0) is '0'; keep the sign so a round trip is bit-exact.
    values.push(Object.is(v, -0) ? '-0' : float32 ? float32Text(v) : String(v));
  }
  return `{"shape":[${shape.join(',')}],"data":[${values.join(',')}]}`;
}

function checkLength(label: string, index: number, key: string, data: ArrayLike<number> | undefined, size: number): void {
  if (!data || data.length !== size) throw new TemplateError(label, `template ${label} frame ${index}: ${key} has ${data?.length ?? 0} values, expected ${size}`, index);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new TemplateError(label, `template ${label} frame ${index}: ${key} value ${i} is ${data[i]}`, index);
  }
}

/** One `motion` entry as JSON text, after checking sizes. */
export function frameJson(frame: TemplateFrame, label: string, index: number): string {
  if (!Number.isFinite(frame.scale)) throw new TemplateError(label, `template ${label} frame ${index}: scale is ${frame.scale}`, index);
  checkLength(label, index, 'R', frame.R, 9);
  checkLength(label, index, 'exp', frame.exp, 63);
  checkLength(label, index, 't', frame.t, 3);
  const parts = [
    `"scale":${arrayJson(SHAPES.scale, [frame.scale], true)}`,
    `"R":${arrayJson(SHAPES.R, frame.R, false)}`,
    `"exp":${arrayJson(SHAPES.exp, frame.exp, true)}`,
    `"t":${arrayJson(SHAPES.t, frame.t, true)}`,
  ];
  if (frame.kp) {
    checkLength(label, index, 'kp', frame.kp, 63);
    parts.push(`"kp":${arrayJson(SHAPES.kp, frame.kp, true)}`);
  }
  for (const key of ['pitch', 'yaw', 'roll'] as const) {
    const v = frame[key];
    if (v !== undefined) {
      checkLength(label, index, key, [v], 1);
      // Head angles are computed in float64: stored in full so a round trip is exact.
      parts.push(`"${key}":${arrayJson(SHAPES.lip, [v], false)}`);
    }
  }
  return `{${parts.join(',')}}`;
}

/** The parts of a template file around its frames, so writers can stream the frames in between. */
export function templateHead(fps: number, label = 'template'): string {
  if (typeof fps !== 'number' || !Number.isFinite(fps) || fps <= 0 || fps > DEFAULTS.output.maxFps) {
    throw new TemplateError(label, `template ${label}: output_fps is ${describeValue(fps)}, expected a frame rate above 0 and at most ${DEFAULTS.output.maxFps}`);
  }
  return `{"format":"${TEMPLATE_FORMAT}","output_fps":${fps},"motion":[\n`;
}

export function templateTail(frames: number, eyeRatios?: readonly (readonly number[])[], lipRatios?: readonly number[]): string {
  let tail = '\n]';
  if (eyeRatios) tail += `,\n"c_eyes_lst":[${eyeRatios.map((r) => arrayJson(SHAPES.eyes, r, true)).join(',')}]`;
  if (lipRatios) tail += `,\n"c_lip_lst":[${lipRatios.map((r) => arrayJson(SHAPES.lip, [r], true)).join(',')}]`;
  return `${tail},\n"n_frames":${frames}}\n`;
}

/** Checks one frame's optional ratios (eyes: 2 values, lip: 1). */
export function checkRatios(label: string, index: number, eyes: ArrayLike<number> | undefined, lip: number | undefined): void {
  if (eyes !== undefined) checkLength(label, index, 'eye ratios', eyes, 2);
  if (lip !== undefined) checkLength(label, index, 'lip ratio', [lip], 1);
}

/** A whole template as JSON text (what writeTemplate writes). */
export function serializeTemplate(template: MotionTemplate, label = 'template'): string {
  const n = template.frames.length;
  if (n === 0) throw new TemplateError(label, `template ${label}: no frames to write`);
  for (const [key, list] of [['eyeRatios', template.eyeRatios], ['lipRatios', template.lipRatios]] as const) {
    if (list && list.length !== n) throw new TemplateError(label, `template ${label}: ${key} has ${list.length} entries, expected ${n} (one per frame)`);
  }
  for (let i = 0; i < n; i++) checkRatios(label, i, template.eyeRatios?.[i], template.lipRatios?.[i]);
  const body = template.frames.map((f, i) => frameJson(f, label, i)).join(',\n');
  return templateHead(template.fps, label) + body + templateTail(template.frames.length, template.eyeRatios, template.lipRatios);
}
