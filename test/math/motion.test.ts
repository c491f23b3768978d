import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { KEYPOINT_VALUES, transformKeypoints } from '../../src/math/keypoints.js';
import {
  EXPRESSION_SUBSET_ROWS,
  EXPRESSION_SUBSET_VALUES,
  EYE_ROWS,
  LIP_ROWS,
  NEUTRAL_LIP_EXPRESSION,
  applyDrivingMultiplier,
  createMotionComposer,
  keypointsFromTargets,
  motionMultiplier,
  motionTargets,
  relativeRotation,
  sourceVideoTargets,
  type PoseExpression,
} from '../../src/math/motion.js';
import { isRotation, mat3MulTransposed, rotationMatrix } from '../../src/math/rotation.js';
import { NO_SHARED, SHARED, assertClose, assertRelClose, flat, loadVectors, type Nested } from './vectors.js';

interface Frame {
  R_d: Nested;
  exp: Nested;
  scale: number;
  t: Nested;
}
interface RelativeCase {
  frame: number;
  inputs: {
    source: { kp: Nested; R_s: Nested; exp: Nested; scale: number; t: Nested; x_s: Nested };
    driving_frame0: Frame;
    driving_frame_i: Frame;
  };
  outputs: {
    R_new: Nested;
    exp_new: Nested;
    scale_new: number;
    t_new: Nested;
    x_d_i_new_relative: Nested;
    x_d_0_new: Nested;
    motion_multiplier: number;
    x_d_i_after_multiplier: Nested;
    recorded_in_official_execute: Nested;
  };
}

const frame = (f: Frame): PoseExpression => ({
  R: Float64Array.from(flat(f.R_d)),
  exp: Float32Array.from(flat(f.exp)),
  scale: f.scale,
  t: Float32Array.from(flat(f.t)),
});

test('relative motion (region all, expression-friendly) matches relative_motion.json', { skip: NO_SHARED }, () => {
  const file = loadVectors<RelativeCase>('relative_motion.json');
  const tol = file.tolerance.abs as number;
  assert.ok(file.cases.length >= 3);
  for (const c of file.cases) {
    const label = `frame ${c.frame}`;
    const s = c.inputs.source;
    const source = {
      kp: Float32Array.from(flat(s.kp)),
      R: Float64Array.from(flat(s.R_s)),
      exp: Float32Array.from(flat(s.exp)),
      scale: s.scale,
      t: Float32Array.from(flat(s.t)),
      xs: Float32Array.from(flat(s.x_s)),
    };
    const reference = frame(c.inputs.driving_frame0);
    const driving = frame(c.inputs.driving_frame_i);
    const options = { relative: true, region: 'all', drivingIsImage: false } as const;

    const targets = motionTargets(source, driving, reference, options);
    assertClose(targets.R, c.outputs.R_new, tol, `${label} R_new`);
    assertClose(targets.exp, c.outputs.exp_new, tol, `${label} exp_new`);
    assertClose(targets.scale, c.outputs.scale_new, tol, `${label} scale_new`);
    assertClose(targets.t, c.outputs.t_new, tol, `${label} t_new`);
    assertClose(keypointsFromTargets(source.kp, targets), c.outputs.x_d_i_new_relative, tol, `${label} x_d_i_new`);

    const composer = createMotionComposer(source, { drivingOption: 'expression-friendly' });
    composer.setReference(reference);
    assertClose(composer.referenceKeypoints as Float32Array, c.outputs.x_d_0_new, tol, `${label} x_d_0_new`);
    assertRelClose(composer.motionMultiplier, c.outputs.motion_multiplier, 1e-6, `${label} multiplier`);
    const out = new Float32Array(KEYPOINT_VALUES);
    const x = composer.compose(driving, out);
    assert.equal(x, out);
    assertClose(x, c.outputs.x_d_i_after_multiplier, tol, `${label} after multiplier`);
    assertClose(x, c.outputs.recorded_in_official_execute, tol, `${label} recorded in execute`);

    // The same result when the reference is armed implicitly by composing frame 0 first.
    const implicit = createMotionComposer(source);
    assertClose(implicit.compose(reference), flat(s.x_s), tol, `${label} frame 0 reproduces x_s`);
    assertClose(implicit.compose(driving), c.outputs.x_d_i_after_multiplier, tol, `${label} implicit reference`);
  }
});

test('NEUTRAL_LIP_EXPRESSION equals ../shared/samples/resources/lip_array.json', { skip: !existsSync(resolve(SHARED, 'samples/resources/lip_array.json')) && 'needs ../shared (reference data)' }, () => {
  const file = JSON.parse(readFileSync(resolve(SHARED, 'samples/resources/lip_array.json'), 'utf8')) as { shape: number[]; data: number[] };
  assert.deepEqual(file.shape, [1, 21, 3]);
  assert.deepEqual([...NEUTRAL_LIP_EXPRESSION], file.data);
});

// ---------- self-contained properties ----------

/** Deterministic, non-coplanar pseudo-random values in [−amplitude, amplitude]. */
function wave(seed: number, amplitude: number): Float32Array {
  let state = Math.floor(seed * 1000) + 12345;
  return Float32Array.from({ length: KEYPOINT_VALUES }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return (state / 2 ** 32 - 0.5) * 2 * amplitude;
  });
}

function motion(pitch: number, yaw: number, roll: number, expOffset: number, scale: number, t: [number, number, number]): PoseExpression {
  return { R: rotationMatrix(pitch, yaw, roll), exp: wave(expOffset, 0.03), scale, t: Float32Array.from(t) };
}

const SOURCE = { kp: wave(0.3, 0.6), ...motion(5, -10, 3, 1, 1.45, [0.02, -0.03, 0.05]) };
const REFERENCE = motion(-2, 8, 10, 2, 1.49, [0.008, 0.035, -0.015]);
const DRIVING = motion(4, -3, 6, 3, 1.52, [0.03, 0.01, 0.02]);

function changedIndices(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) out.push(i);
  return out;
}

test('driving frame == reference frame returns the source keypoints', () => {
  const xs = transformKeypoints(SOURCE);
  const friendly = createMotionComposer(SOURCE);
  friendly.setReference(REFERENCE);
  assert.deepEqual(Array.from(friendly.compose(REFERENCE)), Array.from(xs), 'expression-friendly: exact');
  assert.ok(Math.abs(friendly.motionMultiplier - 1) < 1e-9);
  const pose = createMotionComposer(SOURCE, { drivingOption: 'pose-friendly' });
  pose.setReference(REFERENCE);
  assertClose(pose.compose(REFERENCE), Array.from(xs), 1e-6, 'pose-friendly');
  assert.equal(pose.referenceKeypoints, null);
  for (const region of ['exp', 'pose', 'lip', 'eyes'] as const) {
    const composer = createMotionComposer(SOURCE, { region, drivingOption: 'pose-friendly' });
    composer.setReference(REFERENCE);
    assertClose(composer.compose(REFERENCE), Array.from(xs), 1e-6, `region ${region}`);
  }
});

test('the reference can be re-armed on any frame', () => {
  const xs = transformKeypoints(SOURCE);
  const composer = createMotionComposer(SOURCE, { drivingOption: 'pose-friendly' });
  const first = Array.from(composer.compose(REFERENCE));
  assertClose(first, Array.from(xs), 1e-6, 'first frame is the reference');
  const moved = Array.from(composer.compose(DRIVING));
  assert.ok(Math.max(...moved.map((v, i) => Math.abs(v - xs[i]))) > 1e-3, 'a different frame moves the keypoints');
  composer.setReference(DRIVING);
  assertClose(composer.compose(DRIVING), Array.from(xs), 1e-6, 'after setReference(DRIVING)');
  composer.clearReference();
  assert.equal(composer.hasReference, false);
  composer.compose(REFERENCE);
  assert.equal(composer.hasReference, true);
  assertClose(composer.compose(REFERENCE), Array.from(xs), 1e-6, 'after clearReference the next frame is the reference');
});

test('relative region semantics: exp keeps pose, pose keeps expression, lip/eyes touch only their rows', () => {
  const base = { relative: true, drivingIsImage: false } as const;
  const exp = motionTargets(SOURCE, DRIVING, REFERENCE, { ...base, region: 'exp' });
  assertClose(exp.R, Array.from(SOURCE.R), 0, 'exp: R = R_s');
  assert.equal(exp.scale, SOURCE.scale);
  assertClose(exp.t, [SOURCE.t[0], SOURCE.t[1], 0], 0, 'exp: t = t_s');
  for (let i = 0; i < KEYPOINT_VALUES; i++) {
    assert.ok(Math.abs(exp.exp[i] - (SOURCE.exp[i] + DRIVING.exp[i] - REFERENCE.exp[i])) < 1e-12);
  }

  const pose = motionTargets(SOURCE, DRIVING, REFERENCE, { ...base, region: 'pose' });
  assertClose(pose.exp, Array.from(SOURCE.exp), 0, 'pose: exp = exp_s');
  assert.equal(pose.scale, SOURCE.scale, 'pose: scale stays the source scale');
  assertClose(pose.R, Array.from(relativeRotation(DRIVING.R, REFERENCE.R, SOURCE.R)), 0, 'pose: relative R');
  assertClose(pose.t, [SOURCE.t[0] + DRIVING.t[0] - REFERENCE.t[0], SOURCE.t[1] + DRIVING.t[1] - REFERENCE.t[1], 0], 1e-12, 'pose: t');

  const all = motionTargets(SOURCE, DRIVING, REFERENCE, { ...base, region: 'all' });
  assert.ok(Math.abs(all.scale - SOURCE.scale * (DRIVING.scale / REFERENCE.scale)) < 1e-15);
  assert.ok(isRotation(all.R, 1e-9));

  for (const [region, rows] of [['lip', LIP_ROWS], ['eyes', EYE_ROWS]] as const) {
    const r = motionTargets(SOURCE, DRIVING, REFERENCE, { ...base, region });
    const expected = rows.flatMap((row) => [row * 3, row * 3 + 1, row * 3 + 2]);
    assert.deepEqual(changedIndices(r.exp, SOURCE.exp), expected, `${region} rows`);
    assertClose(r.R, Array.from(SOURCE.R), 0, `${region}: R = R_s`);
  }
});

test('absolute composition copies the exact expression subset and the driving pose', () => {
  const t = motionTargets(SOURCE, DRIVING, null, { relative: false, region: 'all', drivingIsImage: false });
  const expected = new Set<number>();
  for (const row of EXPRESSION_SUBSET_ROWS) for (let a = 0; a < 3; a++) expected.add(row * 3 + a);
  for (const [row, axis] of EXPRESSION_SUBSET_VALUES) expected.add(row * 3 + axis);
  const indices = [...expected].sort((a, b) => a - b);
  // rows {1,2,6,11..20} fully, rows 3–4 y, row 5 z, row 8 z, row 9 y,z
  assert.deepEqual(indices, [3, 4, 5, 6, 7, 8, 10, 13, 17, 18, 19, 20, 26, 28, 29, ...Array.from({ length: 30 }, (_, i) => 33 + i)]);
  assert.deepEqual(changedIndices(t.exp, SOURCE.exp), indices);
  for (const i of indices) assert.equal(t.exp[i], DRIVING.exp[i]);
  assertClose(t.R, Array.from(DRIVING.R), 0, 'R = R_d');
  assert.equal(t.scale, SOURCE.scale);
  assertClose(t.t, [DRIVING.t[0], DRIVING.t[1], 0], 0, 't = t_d with t_z = 0');

  const exp = motionTargets(SOURCE, DRIVING, null, { relative: false, region: 'exp', drivingIsImage: false });
  assertClose(exp.R, Array.from(SOURCE.R), 0, 'exp: R = R_s');
  assertClose(exp.t, [SOURCE.t[0], SOURCE.t[1], 0], 0, 'exp: t = t_s');
  const lip = motionTargets(SOURCE, DRIVING, null, { relative: false, region: 'lip', drivingIsImage: false });
  assert.deepEqual(changedIndices(lip.exp, SOURCE.exp), LIP_ROWS.flatMap((r) => [r * 3, r * 3 + 1, r * 3 + 2]));

  // The composer needs no reference and applies no multiplier in absolute mode.
  const composer = createMotionComposer(SOURCE, { relative: false });
  const x = composer.compose(DRIVING);
  assert.equal(composer.hasReference, false);
  assertClose(x, Array.from(keypointsFromTargets(SOURCE.kp, t)), 1e-6, 'absolute keypoints');
});

test('image-driven relative mode measures expression from the neutral lip expression and keeps the source pose', () => {
  const composer = createMotionComposer(SOURCE, { drivingIsImage: true });
  const x = composer.compose(DRIVING);
  const t = composer.lastTargets;
  for (let i = 0; i < KEYPOINT_VALUES; i++) {
    assert.ok(Math.abs(t.exp[i] - (SOURCE.exp[i] + (DRIVING.exp[i] - NEUTRAL_LIP_EXPRESSION[i]))) < 1e-12);
  }
  assertClose(t.R, Array.from(SOURCE.R), 1e-12, 'R = R_s');
  assert.ok(Math.abs(t.scale - SOURCE.scale) < 1e-12);
  assertClose(t.t, [SOURCE.t[0], SOURCE.t[1], 0], 1e-12, 't = t_s');
  assert.equal(composer.motionMultiplier, 1, 'no expression-friendly normalisation for an image');
  assertClose(x, Array.from(keypointsFromTargets(SOURCE.kp, t)), 1e-6, 'plain composition');

  const eyes = motionTargets(SOURCE, DRIVING, DRIVING, { relative: true, region: 'eyes', drivingIsImage: true });
  for (const row of EYE_ROWS) {
    for (let a = 0; a < 3; a++) assert.ok(Math.abs(eyes.exp[row * 3 + a] - (SOURCE.exp[row * 3 + a] + DRIVING.exp[row * 3 + a])) < 1e-12);
  }
});

test('expression-friendly multiplier scales motion by sqrt of the hull volume ratio', () => {
  // A reference frame whose composed keypoints are 1.2× the source's around the origin.
  const bigger = { ...SOURCE, scale: SOURCE.scale * 1.2, t: [0, 0, 0] };
  const xs = transformKeypoints({ ...SOURCE, t: [0, 0, 0] });
  const xBig = transformKeypoints(bigger);
  assert.ok(Math.abs(motionMultiplier(xs, xBig) - Math.sqrt(1 / 1.2 ** 3)) < 1e-6);
  assert.equal(motionMultiplier(xs, new Float32Array(63)), 1, 'flat reference hull falls back to 1');
});

test('applyDrivingMultiplier: 1 keeps, 0 returns the source, 2 doubles the displacement', () => {
  const xs = wave(0, 1);
  const x = wave(0.5, 1);
  assert.deepEqual(Array.from(applyDrivingMultiplier(xs, x, 1)), Array.from(x));
  assert.deepEqual(Array.from(applyDrivingMultiplier(xs, x, 0)), Array.from(xs));
  const doubled = applyDrivingMultiplier(xs, x, 2);
  for (let i = 0; i < 63; i++) assert.ok(Math.abs(doubled[i] - (xs[i] + 2 * (x[i] - xs[i]))) < 1e-6);
});

test('sourceVideoTargets takes the smoothed rotation and the expression subset, scale and t from the source frame', () => {
  const smoothedR = relativeRotation(DRIVING.R, REFERENCE.R, SOURCE.R);
  const smoothedExp = wave(7, 0.02);
  const t = sourceVideoTargets(SOURCE, smoothedR, smoothedExp, DRIVING.t, { relative: true, region: 'all' });
  assertClose(t.R, Array.from(smoothedR), 0, 'R');
  assert.equal(t.scale, SOURCE.scale);
  assertClose(t.t, [SOURCE.t[0], SOURCE.t[1], 0], 0, 't = t_s');
  const subset = changedIndices(t.exp, SOURCE.exp);
  assert.equal(subset.length, 13 * 3 + 6);
  const absolute = sourceVideoTargets(SOURCE, DRIVING.R, smoothedExp, DRIVING.t, { relative: false, region: 'pose' });
  assertClose(absolute.t, [DRIVING.t[0], DRIVING.t[1], 0], 0, 'absolute pose: t = t_d');
  assertClose(absolute.exp, Array.from(SOURCE.exp), 0, 'pose: exp = exp_s');
  const eyes = sourceVideoTargets(SOURCE, smoothedR, smoothedExp, DRIVING.t, { relative: true, region: 'eyes' });
  assertClose(eyes.R, Array.from(SOURCE.R), 0, 'eyes: R = R_s');
});

test('relativeRotation is (R_d · R_0ᵀ) · R_s', () => {
  const r = relativeRotation(DRIVING.R, REFERENCE.R, SOURCE.R);
  const expected = new Float64Array(9);
  const dr = mat3MulTransposed(DRIVING.R, REFERENCE.R);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) expected[i * 3 + j] += dr[i * 3 + k] * SOURCE.R[k * 3 + j];
  assertClose(r, Array.from(expected), 1e-15, 'R');
  assertClose(relativeRotation(REFERENCE.R, REFERENCE.R, SOURCE.R), Array.from(SOURCE.R), 1e-12, 'same frame');
});
