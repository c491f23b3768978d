import { test } from 'node:test';
import assert from 'node:assert/strict';
import { identityGrid } from '../../../src/onnx/forge/grid.js';

test('the identity grid spans −1…+1 per axis with x along W, y along H, z along D', () => {
  const grid = identityGrid(16, 64, 64);
  assert.equal(grid.length, 16 * 64 * 64 * 3);
  const at = (d: number, h: number, w: number) => Array.from(grid.subarray(((d * 64 + h) * 64 + w) * 3, ((d * 64 + h) * 64 + w) * 3 + 3));
  assert.deepEqual(at(0, 0, 0), [-1, -1, -1]);
  assert.deepEqual(at(15, 63, 63), [1, 1, 1]);
  const [x, y, z] = at(3, 5, 7);
  // Reference values from the architecture appendix (float32 index ÷ (N−1), ×2, −1).
  assert.ok(Math.abs(x - -0.777778) < 1e-6, `x ${x}`);
  assert.ok(Math.abs(y - -0.84127) < 1e-6, `y ${y}`);
  assert.ok(Math.abs(z - -0.6) < 1e-6, `z ${z}`);
  assert.equal(x, Math.fround(Math.fround(2 * Math.fround(7 / 63)) - 1));
});
