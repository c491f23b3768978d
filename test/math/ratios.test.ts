import { test } from 'node:test';
import assert from 'node:assert/strict';
import { eyeCloseRatios, eyeRatioWithTarget, lipCloseRatio } from '../../src/math/ratios.js';
import { NO_SHARED, assertClose, flat, loadVectors, type Nested } from './vectors.js';

interface RatioCase {
  inputs: { landmarks_203: number[][] };
  outputs: Record<string, Nested>;
}

test('eye and lip ratios match close_ratios.json (nested and flat landmarks)', { skip: NO_SHARED }, () => {
  const file = loadVectors<RatioCase>('close_ratios.json');
  const tol = file.tolerance.abs as number;
  assert.ok(file.cases.length >= 2);
  for (const [i, c] of file.cases.entries()) {
    const nested = c.inputs.landmarks_203;
    const packed = Float32Array.from(flat(nested));
    for (const [label, lmk] of [['nested', nested], ['flat', packed]] as const) {
      assertClose(eyeCloseRatios(lmk), c.outputs.eye_close_ratio_1x2, tol, `case ${i} ${label} eyes`);
      assertClose(lipCloseRatio(lmk), c.outputs.lip_close_ratio_1x1, tol, `case ${i} ${label} lip`);
      const key = Object.keys(c.outputs).find((k) => k.startsWith('eye_close_ratio_with_target')) as string;
      assertClose(eyeRatioWithTarget(lmk, 0.25), c.outputs[key], tol, `case ${i} ${label} with target`);
    }
  }
});

test('ratios use the documented point pairs and the 1e-6 guard', () => {
  const lmk = new Float32Array(406);
  const set = (i: number, x: number, y: number) => {
    lmk[i * 2] = x;
    lmk[i * 2 + 1] = y;
  };
  set(0, 0, 0);
  set(12, 4, 0); // left eye width 4
  set(6, 1, 1);
  set(18, 1, 2); // left opening 1
  set(24, 0, 0);
  set(36, 0, 2); // right width 2
  set(30, 5, 5);
  set(42, 8, 9); // right opening 5
  set(48, 10, 0);
  set(66, 13, 4); // lip width 5
  set(90, 2, 2);
  set(102, 2, 3.5); // lip opening 1.5
  const [left, right] = eyeCloseRatios(lmk);
  assert.ok(Math.abs(left - 1 / (4 + 1e-6)) < 1e-12);
  assert.ok(Math.abs(right - 5 / (2 + 1e-6)) < 1e-12);
  assert.ok(Math.abs(lipCloseRatio(lmk) - 1.5 / (5 + 1e-6)) < 1e-12);
  assert.deepEqual(eyeRatioWithTarget(lmk, 0.4), [left, right, 0.4]);
  // Coincident corners: the guard keeps the ratio finite.
  set(12, 0, 0);
  assert.ok(Math.abs(eyeCloseRatios(lmk)[0] - 1e6) < 1e-3);
  assert.throws(() => eyeCloseRatios(new Float32Array(10)), /406/);
});
