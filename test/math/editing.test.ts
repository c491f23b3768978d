import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYPOINT_VALUES, transformKeypoints, type MotionInfo } from '../../src/math/keypoints.js';
import { rotationMatrix } from '../../src/math/rotation.js';
import {
  EDIT_CONTROL_NAMES,
  EDIT_EYE_ROWS,
  EDIT_MOUTH_ROWS,
  EDIT_RANGES,
  EDIT_VARIANTS,
  NeutralFrameTracker,
  applyEdit,
  composeKeypoints,
  copyExpressionFrom,
  editedKeypoints,
  expressionDelta,
  expressionMagnitude,
  interpolateControls,
  mostNeutralFrame,
  validateEditControls,
  type CopyParts,
  type EditControls,
  type EditVariant,
} from '../../src/math/editing.js';
import { OptionError } from '../../src/validate.js';

/** Deterministic pseudo-random values in [-1, 1). */
function sequence(seed: number, length: number, amplitude: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = (s / 2 ** 32 - 0.5) * 2 * amplitude;
  }
  return out;
}

function motion(seed: number, pitch = 5, yaw = -10, roll = 3): MotionInfo {
  return {
    pitch,
    yaw,
    roll,
    R: rotationMatrix(pitch, yaw, roll),
    exp: sequence(seed, KEYPOINT_VALUES, 0.03),
    scale: 1.4,
    t: Float32Array.from([0.02, -0.05, 0.01]),
    kp: sequence(seed + 7, KEYPOINT_VALUES, 0.5),
  };
}

const SOURCE = motion(1);

/** (row, axis, coefficient) triples: value·coefficient is the expected change at exp[row·3 + axis]. */
type Expected = [row: number, axis: number, coefficient: number][];

interface Case {
  control: keyof EditControls;
  value: number;
  exp: Expected;
  angles?: { pitch?: number; yaw?: number; roll?: number };
}

const X = 0;
const Y = 1;
const Z = 2;

// Written out from design doc §6.4 (not derived from the module's tables) so a wrong table fails.
const SMILE: Expected = [
  [20, Y, -0.01],
  [14, Y, -0.02],
  [17, Y, 0.0065],
  [17, Z, 0.003],
  [13, Y, -0.00275],
  [16, Y, -0.00275],
  [3, Y, -0.0035],
  [7, Y, -0.0035],
];
const WINK: Expected = [
  [11, Y, 0.001],
  [13, Y, -0.0003],
  [17, X, 0.0003],
  [17, Y, 0.0003],
  [3, Y, -0.0003],
];
const SHARED_CASES: Case[] = [
  { control: 'smile', value: 0.8, exp: SMILE },
  { control: 'smile', value: -0.2, exp: SMILE },
  { control: 'eyebrow', value: 7, exp: [[1, Y, 0.001], [2, Y, -0.001]] },
  { control: 'eyebrow', value: -6, exp: [[1, X, -0.001], [2, X, 0.001], [1, Y, 0.0003], [2, Y, -0.0003]] },
  { control: 'pupilX', value: 9, exp: [[11, X, 0.0007], [15, X, 0.001]] },
  { control: 'pupilX', value: -9, exp: [[11, X, 0.001], [15, X, 0.0007]] },
  { control: 'eee', value: 12, exp: [[20, Z, -0.001], [20, Y, -0.001], [14, Y, -0.001]] },
  { control: 'woo', value: -15, exp: [[14, Y, 0.001], [3, Y, -0.0005], [7, Y, -0.0005], [17, Z, -0.0005]] },
  { control: 'moveX', value: 0.1, exp: [[5, X, -1]] },
  { control: 'moveY', value: -0.15, exp: [[5, Y, 1]] },
];
const LIP_OPEN: Expected = [
  [19, Y, 0.001],
  [19, Z, 0.0001],
  [17, Y, -0.0001],
];

const CASES: Record<EditVariant, Case[]> = {
  comfyui: [
    ...SHARED_CASES,
    { control: 'pitch', value: 12, exp: [], angles: { pitch: 12 } },
    { control: 'yaw', value: 12, exp: [], angles: { yaw: -12 } },
    { control: 'roll', value: -7, exp: [], angles: { roll: -7 } },
    {
      control: 'blink',
      value: -14,
      exp: [[11, Y, -0.001], [13, Y, 0.0003], [15, Y, -0.001], [16, Y, 0.0003], [1, Y, -0.00025], [2, Y, 0.00025]],
    },
    { control: 'wink', value: 20, exp: WINK, angles: { roll: -2, yaw: -2 } },
    // pupil_y: (11,y),(15,y)·−0.001 plus the blink terms at −pupil_y/2.
    {
      control: 'pupilY',
      value: 10,
      exp: [[11, Y, -0.0005], [15, Y, -0.0005], [13, Y, -0.00015], [16, Y, -0.00015], [1, Y, 0.000125], [2, Y, -0.000125]],
    },
    { control: 'aaa', value: 80, exp: LIP_OPEN, angles: { pitch: -4 } },
    { control: 'eee', value: -20, exp: [[20, Z, -0.001], [20, Y, -0.001], [14, Y, -0.001]] },
  ],
  gradio: [
    ...SHARED_CASES,
    { control: 'pitch', value: -15, exp: [], angles: { pitch: -15 } },
    { control: 'yaw', value: 25, exp: [], angles: { yaw: 25 } },
    { control: 'roll', value: 15, exp: [], angles: { roll: 15 } },
    { control: 'wink', value: 39, exp: WINK },
    { control: 'pupilY', value: -40, exp: [[11, Y, -0.0005], [15, Y, -0.0005], [13, Y, -0.00015], [16, Y, -0.00015]] },
    { control: 'aaa', value: -90, exp: LIP_OPEN },
    { control: 'pout', value: 0.07, exp: [[19, X, 1]] },
  ],
};

function assertDelta(variant: EditVariant, c: Case): void {
  const label = `${variant} ${c.control}=${c.value}`;
  const delta = expressionDelta({ [c.control]: c.value }, variant);
  const expected = new Float64Array(KEYPOINT_VALUES);
  for (const [row, axis, coefficient] of c.exp) expected[row * 3 + axis] += c.value * coefficient;
  for (let i = 0; i < KEYPOINT_VALUES; i++) {
    const where = `${label}: exp[${Math.floor(i / 3)}][${'xyz'[i % 3]}]`;
    if (expected[i] === 0) {
      assert.equal(delta.exp[i], 0, `${where} should not change`);
    } else {
      assert.notEqual(delta.exp[i], 0, `${where} should change`);
      assert.ok(Math.abs(delta.exp[i] - expected[i]) <= 1e-6 * Math.abs(expected[i]) + 1e-12, `${where}: ${delta.exp[i]} vs ${expected[i]}`);
    }
  }
  for (const angle of ['pitch', 'yaw', 'roll'] as const) {
    const want = c.angles?.[angle] ?? 0;
    assert.ok(Math.abs(delta[angle] - want) <= 1e-12, `${label}: ${angle} delta ${delta[angle]} vs ${want}`);
  }
  assert.equal(delta.scaleFactor, 1);
  assert.equal(delta.sourceRatio, 1);
}

for (const variant of ['comfyui', 'gradio'] as const) {
  test(`${variant}: each control changes exactly the rows/axes (and angles) its table names`, () => {
    for (const c of CASES[variant]) assertDelta(variant, c);
  });

  test(`${variant}: the case list covers every expression or angle control the variant offers`, () => {
    const covered = new Set(CASES[variant].map((c) => c.control));
    for (const name of EDIT_CONTROL_NAMES) {
      const def = EDIT_VARIANTS[variant].controls[name];
      if (def !== undefined && (def.exp.length > 0 || def.angles.length > 0)) assert.ok(covered.has(name), `${variant}: ${name} untested`);
    }
  });

  test(`${variant}: zero controls give exactly the source keypoints`, () => {
    const xs = transformKeypoints(SOURCE);
    assert.deepEqual(editedKeypoints(SOURCE, {}, variant), xs);
    const zeros: EditControls = { scale: 1, sourceRatio: 1 };
    for (const name of EDIT_CONTROL_NAMES) {
      if (name !== 'scale' && name !== 'sourceRatio' && name !== 'eyesOpen' && name !== 'lipOpen' && EDIT_RANGES[variant][name]) {
        zeros[name] = 0;
      }
    }
    assert.deepEqual(editedKeypoints(SOURCE, zeros, variant), xs);
    // A rotation read from a template need not equal rotationMatrix(angles); unchanged angles keep it.
    const templated: MotionInfo = { ...SOURCE, R: rotationMatrix(5.5, -9, 2) };
    assert.deepEqual(editedKeypoints(templated, zeros, variant), transformKeypoints(templated));
  });

  test(`${variant}: angle controls change R and not exp`, () => {
    const { motion, delta } = applyEdit(SOURCE, { pitch: 10, yaw: -10, roll: 5 }, variant);
    assert.deepEqual(motion.exp, SOURCE.exp);
    assert.ok(delta.exp.every((v) => v === 0));
    const yawSign = variant === 'comfyui' ? -1 : 1;
    assert.equal(motion.pitch, SOURCE.pitch + 10);
    assert.equal(motion.yaw, SOURCE.yaw - 10 * yawSign);
    assert.equal(motion.roll, SOURCE.roll + 5);
    assert.deepEqual(motion.R, rotationMatrix(motion.pitch, motion.yaw, motion.roll));
    assert.ok(motion.R.some((v, i) => Math.abs(v - SOURCE.R[i]) > 1e-3));
    assert.equal(motion.scale, SOURCE.scale);
    assert.deepEqual(motion.t, SOURCE.t);
  });

  test(`${variant}: out-of-range and misplaced values are refused naming the control and range`, () => {
    const smile = EDIT_RANGES[variant].smile!;
    assert.throws(
      () => validateEditControls({ smile: 1.5 }, variant),
      (e: unknown) =>
        e instanceof OptionError &&
        e.parameter === 'smile' &&
        e.message.includes(`between ${smile.min} and ${smile.max}`) &&
        e.message.includes('1.5'),
    );
    assert.throws(() => applyEdit(SOURCE, { yaw: 40 }, variant), /between -2\d and 2\d for yaw.*40/);
    assert.throws(() => expressionDelta({ wink: -1 }, variant), /between 0 and \d+ for wink/);
    assert.throws(() => expressionDelta({ scale: 0 }, variant), /between 0\.9 and 1\.2 for scale/);
    assert.throws(() => expressionDelta({ eyesOpen: 0.9 }, variant), /between 0 and 0\.8 for eyesOpen/);
    assert.throws(() => expressionDelta({ smile: Number.NaN }, variant), OptionError);
    assert.throws(() => expressionDelta({ smile: '1' as unknown as number }, variant), /received '1' of type string/);
    assert.throws(() => expressionDelta({ smiel: 1 } as unknown as EditControls, variant), /Unknown edit control 'smiel'/);
    const missing = variant === 'comfyui' ? 'pout' : 'blink';
    assert.throws(
      () => expressionDelta({ [missing]: 0.01 }, variant),
      (e: unknown) => e instanceof OptionError && e.parameter === missing && /not available in the \w+ variant/.test(e.message),
    );
    // In range is accepted; an absent control is off.
    validateEditControls({ smile: smile.max, blink: undefined, pout: undefined }, variant);
  });
}

test('the two variants differ where the design doc says they do', () => {
  assert.deepEqual(EDIT_RANGES.comfyui.yaw, { min: -20, max: 20 });
  assert.deepEqual(EDIT_RANGES.gradio.yaw, { min: -25, max: 25 });
  assert.deepEqual(EDIT_RANGES.comfyui.aaa, { min: -30, max: 120 });
  assert.deepEqual(EDIT_RANGES.gradio.aaa, { min: -90, max: 120 });
  assert.deepEqual(EDIT_RANGES.comfyui.blink, { min: -20, max: 5 });
  assert.equal(EDIT_RANGES.gradio.blink, undefined);
  assert.deepEqual(EDIT_RANGES.gradio.pupilY, { min: -63, max: 63 });
  assert.deepEqual(EDIT_RANGES.comfyui.pupilY, { min: -15, max: 15 });
});

test('controls add up: a combined edit is the sum of single edits', () => {
  const controls: EditControls = { smile: 0.5, aaa: 30, wink: 5, pupilY: 4, blink: -3, eyebrow: 2 };
  const combined = expressionDelta(controls);
  const sum = new Float64Array(KEYPOINT_VALUES);
  let pitch = 0;
  for (const [k, v] of Object.entries(controls)) {
    const d = expressionDelta({ [k]: v });
    d.exp.forEach((x, i) => (sum[i] += x));
    pitch += d.pitch;
  }
  for (let i = 0; i < KEYPOINT_VALUES; i++) assert.ok(Math.abs(combined.exp[i] - sum[i]) < 1e-7, `exp[${i}]`);
  assert.ok(Math.abs(combined.pitch - pitch) < 1e-12);
});

test('expression edits land in exp and the keypoints; scale and sourceRatio act as factors', () => {
  const { motion } = applyEdit(SOURCE, { smile: 1, scale: 1.1, moveX: 0.05 });
  const delta = expressionDelta({ smile: 1, moveX: 0.05 });
  for (let i = 0; i < KEYPOINT_VALUES; i++) assert.ok(Math.abs(motion.exp[i] - (SOURCE.exp[i] + delta.exp[i])) < 1e-7);
  assert.ok(Math.abs(motion.scale - SOURCE.scale * 1.1) < 1e-12);
  const expected = transformKeypoints({ ...SOURCE, exp: motion.exp, scale: SOURCE.scale * 1.1 });
  const actual = editedKeypoints(SOURCE, { smile: 1, scale: 1.1, moveX: 0.05 });
  for (let i = 0; i < KEYPOINT_VALUES; i++) assert.ok(Math.abs(actual[i] - expected[i]) < 1e-6);

  const neutralised = applyEdit(SOURCE, { sourceRatio: 0 }).motion.exp;
  for (let i = 0; i < KEYPOINT_VALUES; i++) {
    assert.equal(neutralised[i], Math.floor(i / 3) === 5 ? SOURCE.exp[i] : 0, `exp[${i}] with sourceRatio 0`);
  }
  const half = applyEdit(SOURCE, { sourceRatio: 0.5 }).motion.exp;
  assert.ok(Math.abs(half[0] - SOURCE.exp[0] * 0.5) < 1e-9);

  const targets = expressionDelta({ eyesOpen: 0.3, lipOpen: 0 });
  assert.equal(targets.eyesOpen, 0.3);
  assert.equal(targets.lipOpen, 0);
  assert.ok(targets.exp.every((v) => v === 0));
  assert.equal(expressionDelta({}).eyesOpen, undefined);
});

test('comfyui composition puts the expression inside the rotation and adds the full t', () => {
  const { motion } = applyEdit(SOURCE, { smile: 0.7, pitch: 4 });
  const x = composeKeypoints(motion, 'comfyui');
  for (let k = 0; k < KEYPOINT_VALUES; k += 3) {
    const p = [0, 1, 2].map((a) => motion.kp[k + a] + motion.exp[k + a]);
    for (let c = 0; c < 3; c++) {
      const rotated = p[0] * motion.R[c] + p[1] * motion.R[3 + c] + p[2] * motion.R[6 + c];
      assert.ok(Math.abs(x[k + c] - (motion.scale * rotated + motion.t[c])) < 1e-6, `point ${k / 3} axis ${c}`);
    }
  }
  assert.deepEqual(editedKeypoints(SOURCE, { smile: 0.7, pitch: 4 }, 'comfyui', { composition: 'comfyui' }), x);
  // With no expression the two compositions differ only by t_z.
  const bare: MotionInfo = { ...SOURCE, exp: new Float32Array(KEYPOINT_VALUES) };
  const official = composeKeypoints(bare, 'official');
  const comfy = composeKeypoints(bare, 'comfyui');
  for (let i = 0; i < KEYPOINT_VALUES; i++) assert.ok(Math.abs(comfy[i] - official[i] - (i % 3 === 2 ? SOURCE.t[2] : 0)) < 1e-6);
  assert.throws(() => composeKeypoints(bare, 'other' as 'official'), /composition/);
});

test('copyExpressionFrom touches only the parts asked for', () => {
  const sample = motion(99, -8, 20, -6);
  const changedRows = (a: Float32Array): Set<string> => {
    const out = new Set<string>();
    for (let i = 0; i < KEYPOINT_VALUES; i++) if (a[i] !== SOURCE.exp[i]) out.add(`${Math.floor(i / 3)}${'xyz'[i % 3]}`);
    return out;
  };
  const rowsOf = (rows: readonly number[]): Set<string> => new Set(rows.flatMap((r) => [`${r}x`, `${r}y`, `${r}z`]));
  const everyRowButPosition = new Set([...rowsOf([...Array(21).keys()])].filter((k) => k !== '5x' && k !== '5y'));
  const expectations: Record<CopyParts, { exp: Set<string>; rotates: boolean }> = {
    mouth: { exp: rowsOf(EDIT_MOUTH_ROWS), rotates: false },
    eyes: { exp: rowsOf(EDIT_EYE_ROWS), rotates: false },
    expression: { exp: everyRowButPosition, rotates: false },
    rotation: { exp: new Set(), rotates: true },
    all: { exp: everyRowButPosition, rotates: true },
  };
  assert.deepEqual([...EDIT_MOUTH_ROWS], [14, 17, 19, 20]);
  assert.deepEqual([...EDIT_EYE_ROWS], [1, 2, 11, 13, 15, 16]);
  for (const [parts, want] of Object.entries(expectations) as [CopyParts, (typeof expectations)[CopyParts]][]) {
    const copied = copyExpressionFrom(SOURCE, sample, parts, 1);
    assert.deepEqual(changedRows(copied.exp), want.exp, `${parts}: changed expression values`);
    for (const key of want.exp) {
      const i = Number.parseInt(key, 10) * 3 + 'xyz'.indexOf(key.at(-1)!);
      assert.equal(copied.exp[i], sample.exp[i], `${parts}: ratio 1 copies ${key}`);
    }
    if (want.rotates) {
      assert.deepEqual([copied.pitch, copied.yaw, copied.roll], [sample.pitch, sample.yaw, sample.roll]);
      assert.deepEqual(copied.R, rotationMatrix(sample.pitch, sample.yaw, sample.roll));
    } else {
      assert.deepEqual([copied.pitch, copied.yaw, copied.roll], [SOURCE.pitch, SOURCE.yaw, SOURCE.roll]);
      assert.deepEqual(copied.R, SOURCE.R);
    }
    assert.equal(copied.scale, SOURCE.scale);
    assert.deepEqual(copied.t, SOURCE.t);
    assert.deepEqual(copied.kp, SOURCE.kp);
  }
  const half = copyExpressionFrom(SOURCE, sample, 'mouth', 0.5);
  const i = 19 * 3 + 1;
  assert.ok(Math.abs(half.exp[i] - (SOURCE.exp[i] + sample.exp[i]) / 2) < 1e-8);
  const none = copyExpressionFrom(SOURCE, sample, 'all', 0);
  assert.deepEqual(none.exp, SOURCE.exp);
  assert.deepEqual(none.R, SOURCE.R);
  copyExpressionFrom(SOURCE, sample, 'all', -0.2);
  copyExpressionFrom(SOURCE, sample, 'all', 1.2);
  assert.throws(() => copyExpressionFrom(SOURCE, sample, 'all', 1.3), /between -0\.2 and 1\.2 for ratio/);
  assert.throws(() => copyExpressionFrom(SOURCE, sample, 'nose' as CopyParts, 1), /parts/);
});

test('interpolateControls is linear with exact endpoints', () => {
  const a: EditControls = { smile: 0.1, yaw: -3, aaa: 0 };
  const b: EditControls = { smile: 0.7, aaa: 40, scale: 1.2, eyesOpen: 0.3 };
  const start = interpolateControls(a, b, 0);
  const end = interpolateControls(a, b, 1);
  assert.equal(start.smile, 0.1);
  assert.equal(start.yaw, -3);
  assert.equal(start.scale, 1);
  assert.equal(start.eyesOpen, undefined);
  assert.equal(end.smile, 0.7);
  assert.equal(end.yaw, 0);
  assert.equal(end.aaa, 40);
  assert.equal(end.scale, 1.2);
  assert.equal(end.eyesOpen, 0.3);
  assert.deepEqual(expressionDelta(start), expressionDelta(a));
  assert.deepEqual(expressionDelta(end), expressionDelta(b));
  const mid = interpolateControls(a, b, 0.25);
  assert.ok(Math.abs(mid.smile! - 0.25) < 1e-12);
  assert.ok(Math.abs(mid.aaa! - 10) < 1e-12);
  assert.ok(Math.abs(mid.yaw! + 2.25) < 1e-12);
  assert.ok(Math.abs(mid.scale! - 1.05) < 1e-12);
  assert.equal(mid.eyesOpen, 0.3, 'a target set on one side only is held');
  assert.ok(Math.abs(interpolateControls(a, b, 0.5, { eyesOpen: 0.2 }).eyesOpen! - 0.25) < 1e-12);
  const clip = Array.from({ length: 5 }, (_, i) => interpolateControls(a, b, i / 4).aaa!);
  assert.deepEqual(clip, [0, 10, 20, 30, 40]);
  assert.throws(() => interpolateControls(a, b, 1.5), /between 0 and 1 for t/);
});

test('mostNeutralFrame picks the smallest expression magnitude, the first on ties', () => {
  const scaled = (k: number): Float32Array => {
    const e = new Float32Array(KEYPOINT_VALUES);
    e[3] = 3 * k;
    e[4] = 4 * k;
    return e;
  };
  assert.ok(Math.abs(expressionMagnitude(scaled(0.01)) - 0.05) < 1e-8);
  assert.equal(mostNeutralFrame([scaled(3), scaled(2), scaled(1), scaled(5)]), 2);
  // Same magnitude, different direction: the first wins.
  const mirrored = scaled(1).map((v) => -v);
  assert.equal(mostNeutralFrame([scaled(4), scaled(1), mirrored, scaled(1)]), 1);
  assert.equal(mostNeutralFrame([scaled(0)]), 0);
  function* frames(): Generator<Float32Array> {
    yield scaled(2);
    yield scaled(0.5);
    yield scaled(0.7);
  }
  assert.equal(mostNeutralFrame(frames()), 1);
  assert.throws(() => mostNeutralFrame([]), /at least one/);
  assert.throws(() => mostNeutralFrame([new Float32Array(10)]), /63/);

  const tracker = new NeutralFrameTracker<string>();
  assert.equal(tracker.best, -1);
  assert.equal(tracker.push(scaled(2), 'a'), true);
  assert.equal(tracker.push(scaled(Number.NaN), 'nan'), false);
  assert.equal(tracker.push(scaled(1), 'b'), true);
  assert.equal(tracker.push(scaled(1), 'c'), false);
  assert.equal(tracker.push(scaled(3), 'd'), false);
  assert.equal(tracker.best, 2);
  assert.equal(tracker.bestValue, 'b');
  assert.equal(tracker.count, 5);
  assert.ok(Math.abs(tracker.bestMagnitude - 5) < 1e-6);
});
