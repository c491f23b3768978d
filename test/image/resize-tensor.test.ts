import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { cropImage, resizeArea, resizeBilinear, resizeBilinearGray, resizeToLimit } from '../../src/image/resize.js';
import { imageToTensor, imageToTensorBgr255, imageToTensorNormalized, tensorToImage } from '../../src/image/tensor.js';
import { createRgbImage } from '../../src/image/types.js';
import { needsShared, sharedPath } from '../helpers/shared.js';
import { noiseImage } from '../helpers/patterns.js';

function solid(w: number, h: number, rgb: [number, number, number]) {
  const img = createRgbImage(w, h);
  for (let i = 0; i < w * h; i++) img.data.set(rgb, i * 3);
  return img;
}

test('resizeArea 2:1 is the rounded 2×2 block mean (OpenCV INTER_AREA fast path)', () => {
  const img = noiseImage(8, 6, 5);
  const out = resizeArea(img, 4, 3);
  for (let y = 0; y < 3; y++) {
    for (let x = 0; x < 4; x++) {
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * 8 + xx) * 3 + c];
        const sum = p(2 * y, 2 * x) + p(2 * y, 2 * x + 1) + p(2 * y + 1, 2 * x) + p(2 * y + 1, 2 * x + 1);
        assert.equal(out.data[(y * 4 + x) * 3 + c], (sum + 2) >> 2);
      }
    }
  }
});

test('resizeArea with a non-integer factor averages areas (constant stays constant, mean preserved)', () => {
  const c = resizeArea(solid(10, 7, [9, 120, 250]), 4, 3);
  for (let i = 0; i < c.data.length; i += 3) assert.deepEqual(Array.from(c.data.subarray(i, i + 3)), [9, 120, 250]);
  // 3 → 2 along x: pixels [0, 90, 180] → [0·2/3 + 90·1/3, 90·1/3 + 180·2/3] = [30, 150].
  const row = createRgbImage(3, 1, Uint8Array.from([0, 0, 0, 90, 90, 90, 180, 180, 180]));
  assert.deepEqual(Array.from(resizeArea(row, 2, 1).data), [30, 30, 30, 150, 150, 150]);
});

test('resizeBilinear: centre-aligned 2-tap interpolation, even when shrinking', () => {
  const c = resizeBilinear(solid(13, 9, [1, 2, 3]), 5, 4);
  for (let i = 0; i < c.data.length; i += 3) assert.deepEqual(Array.from(c.data.subarray(i, i + 3)), [1, 2, 3]);
  // 4 → 2: each output samples the midpoint of two inputs (no 4-tap box), (0+100)/2 and (200+255)/2.
  const row = createRgbImage(4, 1, Uint8Array.from([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]));
  assert.deepEqual(Array.from(resizeBilinear(row, 2, 1).data.filter((_, i) => i % 3 === 0)), [50, 228]);
  // 2 → 4 enlarging: outer pixels clamp, inner ones interpolate at ±0.25.
  const two = createRgbImage(2, 1, Uint8Array.from([0, 0, 0, 200, 200, 200]));
  assert.deepEqual(Array.from(resizeBilinear(two, 4, 1).data.filter((_, i) => i % 3 === 0)), [0, 50, 150, 200]);
  const grey = resizeBilinearGray({ width: 2, height: 2, data: Uint8Array.from([0, 100, 100, 200]) }, 1, 1);
  assert.deepEqual(Array.from(grey.data), [100]);
});

test('resizeToLimit shrinks to the limit and crops (not pads) to even sizes', () => {
  const big = resizeToLimit(noiseImage(2000, 1001, 2), 1280, 2);
  assert.deepEqual([big.width, big.height], [1280, 640]);
  const img = noiseImage(9, 7, 4);
  const even = resizeToLimit(img, 1280, 2);
  assert.deepEqual([even.width, even.height], [8, 6]);
  assert.deepEqual(even.data, cropImage(img, 0, 0, 8, 6).data);
  const raised = resizeToLimit(noiseImage(1500, 1000, 1), 1920, 2);
  assert.deepEqual([raised.width, raised.height], [1500, 1000]);
  assert.throws(() => cropImage(img, 5, 0, 8, 6), /inside/);
});

test('resize_to_limit case of misc.json (s6.jpg 725x725 → 724x724 by cropping)', { skip: needsShared }, () => {
  const misc = JSON.parse(readFileSync(sharedPath('vectors/misc.json'), 'utf8'));
  const c = misc.cases.find((x: { name: string }) => x.name.startsWith('resize_to_limit'));
  const [h, w] = c.inputs.shape as number[];
  const img = noiseImage(w, h, 9);
  const out = resizeToLimit(img, 1280, 2);
  assert.deepEqual([out.height, out.width, 3], c.outputs.shape);
  assert.deepEqual(out.data, cropImage(img, 0, 0, out.width, out.height).data);
});

test('imageToTensor: planar RGB in [0, 1]; BGR and normalised variants', () => {
  const img = createRgbImage(2, 1, Uint8Array.from([255, 0, 51, 0, 102, 255]));
  assert.deepEqual(Array.from(imageToTensor(img)), [1, 0, 0, 0.4, 0.2, 1].map(Math.fround));
  assert.deepEqual(Array.from(imageToTensorBgr255(img)), [51, 255, 0, 102, 255, 0]);
  const n = imageToTensorNormalized(img, { order: 'rgb', mean: 127.5, std: 128 });
  assert.deepEqual(Array.from(n), [127.5 / 128, -127.5 / 128, -127.5 / 128, -25.5 / 128, -76.5 / 128, 127.5 / 128].map(Math.fround));
  assert.throws(() => imageToTensor(img, new Float32Array(5)), /6 values/);
});

test('tensorToImage truncates like parse_output (misc.json, exact)', { skip: needsShared }, () => {
  const misc = JSON.parse(readFileSync(sharedPath('vectors/misc.json'), 'utf8'));
  const c = misc.cases.find((x: { name: string }) => x.name === 'parse_output');
  const input = Float32Array.from((c.inputs.out_1x3x2x4 as number[][][][]).flat(3));
  const out = tensorToImage(input, 4, 2);
  assert.deepEqual(Array.from(out.data), (c.outputs.uint8_1x2x4x3 as number[][][][]).flat(3));
});

test('tensorToImage clips and truncates (no rounding)', () => {
  const out = tensorToImage(Float32Array.from([-1, 0.999, 2, 0.5, 0, 1]), 2, 1);
  // Planes R=[-1, 0.999], G=[2, 0.5], B=[0, 1].
  assert.deepEqual(Array.from(out.data), [0, 255, 0, 254, 127, 255]);
});
