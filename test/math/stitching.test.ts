import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyDrivingMultiplier } from '../../src/math/motion.js';
import { applyDelta, applyStitching, eyeRetargetInput, lipRetargetInput, sourceVideoEyeTarget, stitchingInput } from '../../src/math/stitching.js';
import { NO_SHARED, assertClose, flat, loadVectors, type Nested } from './vectors.js';

interface StitchCase {
  frame: number;
  inputs: { x_s: Nested; x_d: Nested };
  outputs: Record<string, Nested>;
}
interface RetargetCase {
  name: string;
  inputs: Record<string, Nested>;
  outputs: Record<string, Nested>;
}

function inputEntry(inputs: Record<string, Nested>, prefix: string): number[] {
  const key = Object.keys(inputs).find((k) => k.startsWith(prefix));
  assert.ok(key !== undefined, `input starting with ${prefix}`);
  return flat(inputs[key]);
}

test('stitching input layout and delta application match stitching.json', { skip: NO_SHARED }, () => {
  const file = loadVectors<StitchCase>('stitching.json');
  const tol = file.tolerance.abs as number;
  assert.ok(file.cases.length >= 3);
  for (const c of file.cases) {
    const label = `frame ${c.frame}`;
    const xs = Float32Array.from(flat(c.inputs.x_s));
    const xd = Float32Array.from(flat(c.inputs.x_d));
    assertClose(stitchingInput(xs, xd), c.outputs.mlp_input_1x126, tol, `${label} input`);
    const delta = Float32Array.from(flat(c.outputs.mlp_output_1x65));
    const stitched = applyStitching(xd, delta);
    assertClose(stitched, c.outputs.x_d_stitched, tol, `${label} stitched`);
    const warpKey = Object.keys(c.outputs).find((k) => k.startsWith('kp_driving_for_warp')) as string;
    assertClose(applyDrivingMultiplier(xs, stitched, 1), c.outputs[warpKey], tol, `${label} warp keypoints`);
  }
});

test('retargeting input layouts match stitching.json retargeting_cases', { skip: NO_SHARED }, () => {
  const file = loadVectors<StitchCase>('stitching.json');
  const tol = file.tolerance.abs as number;
  const cases = file.retargeting_cases as RetargetCase[];
  const eye = cases.find((c) => c.name === 'retarget_eye') as RetargetCase;
  const lip = cases.find((c) => c.name === 'retarget_lip') as RetargetCase;
  assert.ok(eye && lip);

  const eyeXs = flat(eye.inputs.x_s);
  const [left, right, driving] = inputEntry(eye.inputs, 'eye_ratio');
  assertClose(eyeRetargetInput(eyeXs, left, right, driving), eye.outputs.mlp_input_1x66, tol, 'eye input');
  const eyeDelta = flat(eye.outputs.delta_1x21x3);
  assertClose(applyDelta(eyeXs, eyeDelta), eyeXs.map((v, i) => Math.fround(v + eyeDelta[i])), 0, 'eye delta');

  const lipXs = flat(lip.inputs.x_s);
  const [sourceLip, drivingLip] = inputEntry(lip.inputs, 'lip_ratio');
  assertClose(lipRetargetInput(lipXs, sourceLip, drivingLip), lip.outputs.mlp_input_1x65, tol, 'lip input');
  assert.equal(flat(lip.outputs.delta_1x21x3).length, 63);
});

test('applyStitching adds the 63 deltas and the shared (Δtx, Δty) to x and y only', () => {
  const xd = Float32Array.from({ length: 63 }, (_, i) => i / 64);
  const delta = new Float32Array(65);
  delta[4] = 0.5;
  delta[63] = 0.25;
  delta[64] = -0.125;
  const out = applyStitching(xd, delta);
  for (let k = 0; k < 63; k += 3) {
    assert.equal(out[k], xd[k] + 0.25);
    assert.equal(out[k + 1], xd[k + 1] - 0.125 + (k + 1 === 4 ? 0.5 : 0));
    assert.equal(out[k + 2], xd[k + 2]);
  }
  const inPlace = Float32Array.from(xd);
  applyStitching(inPlace, delta, inPlace);
  assert.deepEqual(Array.from(inPlace), Array.from(out), 'out may alias xd');
  assert.throws(() => applyStitching(xd, new Float32Array(63)), /65/);
});

test('retarget inputs put x_s first and the ratios last', () => {
  const xs = Float32Array.from({ length: 63 }, (_, i) => i);
  const eye = eyeRetargetInput(xs, 0.3, 0.35, 0.1);
  assert.equal(eye.length, 66);
  assert.deepEqual(Array.from(eye.subarray(0, 63)), Array.from(xs));
  assert.deepEqual(Array.from(eye.subarray(63)), [0.3, 0.35, 0.1].map(Math.fround));
  const lip = lipRetargetInput(xs, 0.05, 0);
  assert.equal(lip.length, 65);
  assert.deepEqual(Array.from(lip.subarray(63)), [Math.fround(0.05), 0]);
  const input = stitchingInput(xs, xs.map((v) => -v));
  assert.equal(input[63], -0);
  assert.equal(input[125], -62);
});

test('sourceVideoEyeTarget: the first frame mean eye ratio, or the fixed open eye under the threshold', () => {
  assert.equal(sourceVideoEyeTarget([0.3, 0.2], 0.18, 0.39), 0.25);
  assert.equal(sourceVideoEyeTarget([0.1, 0.2], 0.18, 0.39), 0.39, 'mean 0.15 < 0.18: eyes closed on the first frame');
  assert.equal(sourceVideoEyeTarget([0.18, 0.18], 0.18, 0.39), 0.18, 'at the threshold the mean is kept');
});
