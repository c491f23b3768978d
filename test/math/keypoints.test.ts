import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KEYPOINT_VALUES, motionFromModelOutputs, transformKeypoints } from '../../src/math/keypoints.js';
import { mat3Identity, rotationMatrix } from '../../src/math/rotation.js';
import { NO_SHARED, assertClose, flat, loadVectors, type Nested } from './vectors.js';

interface TransformCase {
  variant: 'degrees' | 'raw_logits';
  inputs: { kp: Nested; exp: Nested; t: Nested; scale: Nested; pitch: Nested; yaw: Nested; roll: Nested };
  outputs: { x: Nested; pitch_deg: number; yaw_deg: number; roll_deg: number };
}

test('transformKeypoints / motionFromModelOutputs match transform_keypoint.json', { skip: NO_SHARED }, () => {
  const file = loadVectors<TransformCase>('transform_keypoint.json');
  const tol = file.tolerance.abs as number;
  assert.ok(file.cases.length >= 2);
  for (const c of file.cases) {
    const { inputs, outputs } = c;
    const kp = Float32Array.from(flat(inputs.kp));
    const exp = Float32Array.from(flat(inputs.exp));
    const t = Float32Array.from(flat(inputs.t));
    const scale = flat(inputs.scale)[0];
    let x: Float32Array;
    if (c.variant === 'raw_logits') {
      const motion = motionFromModelOutputs({ pitch: flat(inputs.pitch), yaw: flat(inputs.yaw), roll: flat(inputs.roll), t, exp, scale: [scale], kp });
      assertClose(motion.pitch, outputs.pitch_deg, 1e-4, 'pitch');
      assertClose(motion.yaw, outputs.yaw_deg, 1e-4, 'yaw');
      assertClose(motion.roll, outputs.roll_deg, 1e-4, 'roll');
      assert.equal(motion.scale, scale);
      x = transformKeypoints(motion);
    } else {
      const R = rotationMatrix(flat(inputs.pitch)[0], flat(inputs.yaw)[0], flat(inputs.roll)[0]);
      x = transformKeypoints({ kp, R, exp, scale, t });
    }
    assertClose(x, outputs.x, tol, `x (${c.variant})`);
  }
});

function ramp(offset: number): Float32Array {
  return Float32Array.from({ length: KEYPOINT_VALUES }, (_, i) => Math.sin(i * 0.7 + offset) * 0.5);
}

test('transformKeypoints with identity rotation, zero expression, unit scale and zero t returns kp', () => {
  const kp = ramp(0);
  const x = transformKeypoints({ kp, R: mat3Identity(), exp: new Float32Array(63), scale: 1, t: [0, 0, 0] });
  assert.deepEqual(Array.from(x), Array.from(kp));
});

test('transformKeypoints scales, adds exp, and ignores t_z', () => {
  const kp = ramp(0);
  const exp = ramp(1);
  const out = new Float32Array(63);
  const x = transformKeypoints({ kp, R: mat3Identity(), exp, scale: 2, t: [0.5, -0.25, 9] }, out);
  assert.equal(x, out, 'writes into the given buffer');
  for (let k = 0; k < 63; k += 3) {
    assert.ok(Math.abs(x[k] - (2 * (kp[k] + exp[k]) + 0.5)) < 1e-6);
    assert.ok(Math.abs(x[k + 1] - (2 * (kp[k + 1] + exp[k + 1]) - 0.25)) < 1e-6);
    assert.ok(Math.abs(x[k + 2] - 2 * (kp[k + 2] + exp[k + 2])) < 1e-6);
  }
});

test('motionFromModelOutputs decodes angles, rotation and copies', () => {
  const peaked = (bin: number) => Array.from({ length: 66 }, (_, i) => (i === bin ? 50 : 0));
  const kp = ramp(2);
  const motion = motionFromModelOutputs({ pitch: peaked(35), yaw: peaked(30), roll: peaked(36), t: [0.1, 0.2, 0.3], exp: ramp(3), scale: 1.4, kp });
  assert.ok(Math.abs(motion.pitch - 7.5) < 1e-6);
  assert.ok(Math.abs(motion.yaw - -7.5) < 1e-6);
  assert.ok(Math.abs(motion.roll - 10.5) < 1e-6);
  assertClose(motion.R, Array.from(rotationMatrix(motion.pitch, motion.yaw, motion.roll)), 0, 'R');
  assert.equal(motion.scale, 1.4);
  assert.notEqual(motion.kp, kp, 'kp is copied');
  assert.deepEqual(Array.from(motion.kp), Array.from(kp));
  assert.throws(() => motionFromModelOutputs({ pitch: peaked(1), yaw: peaked(1), roll: peaked(1), t: [0, 0, 0], exp: ramp(0), scale: 1, kp: [1, 2] }), /kp/);
});
