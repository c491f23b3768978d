import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  headposeToDegrees,
  isOrthonormal,
  isRotation,
  mat3Determinant,
  mat3Identity,
  mat3Mul,
  mat3MulTransposed,
  mat3Transpose,
  rotationMatrix,
} from '../../src/math/rotation.js';
import { NO_SHARED, assertClose, loadVectors, type Nested } from './vectors.js';

interface HeadposeCase {
  inputs: { logits_1x66: number[][] };
  outputs: { degree: number };
}
interface RotationCase {
  inputs: { pitch_deg: number; yaw_deg: number; roll_deg: number };
  outputs: { R: Nested };
}

test('headposeToDegrees matches headpose_pred_to_degree.json', { skip: NO_SHARED }, () => {
  const file = loadVectors<HeadposeCase>('headpose_pred_to_degree.json');
  assert.ok(file.cases.length > 0);
  for (const [i, c] of file.cases.entries()) {
    assertClose(headposeToDegrees(c.inputs.logits_1x66[0]), c.outputs.degree, file.tolerance.abs as number, `case ${i}`);
  }
});

test('rotationMatrix matches get_rotation_matrix.json', { skip: NO_SHARED }, () => {
  const file = loadVectors<RotationCase>('get_rotation_matrix.json');
  assert.ok(file.cases.length > 0);
  for (const c of file.cases) {
    const { pitch_deg, yaw_deg, roll_deg } = c.inputs;
    assertClose(rotationMatrix(pitch_deg, yaw_deg, roll_deg), c.outputs.R, file.tolerance.abs as number, `R(${pitch_deg},${yaw_deg},${roll_deg})`);
  }
});

test('headposeToDegrees: uniform logits give the bin centre, a peaked bin gives 3·i − 97.5', () => {
  assert.ok(Math.abs(headposeToDegrees(new Array(66).fill(0.25))) < 1e-12);
  const logits = new Array(66).fill(-1000);
  logits[40] = 1000;
  assert.ok(Math.abs(headposeToDegrees(logits) - (3 * 40 - 97.5)) < 1e-9);
  assert.throws(() => headposeToDegrees([1, 2, 3]), /66/);
});

test('rotationMatrix is a proper rotation and R(0,0,0) = I', () => {
  assert.deepEqual(Array.from(rotationMatrix(0, 0, 0)), Array.from(mat3Identity()));
  for (const [p, y, r] of [
    [10, -20, 30],
    [-97.5, 45, 97.5],
    [0.1, 89, -60],
  ]) {
    const R = rotationMatrix(p, y, r);
    assert.ok(isOrthonormal(R, 1e-12), `orthonormal for ${p},${y},${r}`);
    assert.ok(Math.abs(mat3Determinant(R) - 1) < 1e-12, `det +1 for ${p},${y},${r}`);
    assert.ok(isRotation(R));
  }
});

test('rotationMatrix is the transpose of Rz·Ry·Rx in the row-vector convention', () => {
  // Pure yaw of +90°: Ry maps column vector z to x·sin = +x; in the row convention kp·R = (Ry·kpᵀ)ᵀ.
  const R = rotationMatrix(0, 90, 0);
  const z = [0, 0, 1];
  const rotated = [0, 1, 2].map((c) => z[0] * R[c] + z[1] * R[3 + c] + z[2] * R[6 + c]);
  assertClose(rotated, [1, 0, 0], 1e-12, 'z·R');
  // Composition order: R = Rxᵀ·Ryᵀ·Rzᵀ.
  const composed = mat3Mul(mat3Mul(rotationMatrix(30, 0, 0), rotationMatrix(0, -40, 0)), rotationMatrix(0, 0, 50));
  assertClose(rotationMatrix(30, -40, 50), Array.from(composed), 1e-12, 'Rxᵀ·Ryᵀ·Rzᵀ');
});

test('mat3 helpers: transpose, a·bᵀ, aliasing', () => {
  const a = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 10]);
  const b = Float64Array.from([2, 0, 1, 1, 3, 0, 0, 1, 4]);
  assert.deepEqual(Array.from(mat3Transpose(a)), [1, 4, 7, 2, 5, 8, 3, 6, 10]);
  assert.deepEqual(Array.from(mat3MulTransposed(a, b)), Array.from(mat3Mul(a, mat3Transpose(b))));
  const aliased = Float64Array.from(a);
  mat3Mul(aliased, b, aliased);
  assert.deepEqual(Array.from(aliased), Array.from(mat3Mul(a, b)));
  assert.equal(mat3Determinant(a), -3);
  assert.equal(isOrthonormal(a), false);
});
