import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { composeAffine, identityAffine, invertAffine, similarityAffine, toMatrix3, transformPoint, transformPoints } from '../../src/math/affine.js';
import { cropTransform } from '../../src/math/crop.js';
import { invertForWarp, warpAffine, warpAffineFloat, warpAffineGray } from '../../src/image/warp.js';
import { readImage } from '../../src/io/image-file.js';
import { SeededRandom } from '../../src/onnx/random.js';
import { needsShared, sharedPath } from '../helpers/shared.js';
import { diffStats, noiseImage, pattern0 } from '../helpers/patterns.js';

test('invertAffine and composeAffine: M⁻¹∘M is the identity for random similarities and affines', () => {
  const rng = new SeededRandom(7);
  for (let k = 0; k < 50; k++) {
    const m = k % 2
      ? similarityAffine(rng.uniform(0.2, 3), rng.uniform(-3, 3), rng.uniform(-500, 500), rng.uniform(-500, 500))
      : Float64Array.of(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-99, 99), rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-99, 99));
    const id = composeAffine(invertAffine(m), m);
    const expected = identityAffine();
    for (let i = 0; i < 6; i++) assert.ok(Math.abs(id[i] - expected[i]) < 1e-9, `entry ${i}: ${id[i]}`);
    // A point goes there and back.
    const [x, y] = [rng.uniform(-300, 300), rng.uniform(-300, 300)];
    const [px, py] = transformPoint(m, x, y);
    const [bx, by] = transformPoint(invertAffine(m), px, py);
    assert.ok(Math.abs(bx - x) < 1e-7 && Math.abs(by - y) < 1e-7);
  }
});

test('3x3 and 2x3 layouts are interchangeable; composition applies inner first', () => {
  const a = similarityAffine(2, 0, 10, 0);
  const b = Float64Array.of(1, 0, 5, 0, 1, 7);
  const ab = composeAffine(a, toMatrix3(b));
  assert.equal(ab.length, 9);
  assert.deepEqual(Array.from(transformPoint(ab, 1, 1)), [(1 + 5) * 2 + 10, (1 + 7) * 2]);
  assert.equal(invertAffine(toMatrix3(a)).length, 9);
  assert.throws(() => invertAffine(Float64Array.of(1, 2, 0, 2, 4, 0)), /singular/);
  assert.throws(() => transformPoints([1, 0, 0], [1, 2]), /2x3/);
  const pts = transformPoints(b, Float32Array.of(0, 0, 1, 2), new Float32Array(4));
  assert.deepEqual(Array.from(pts), [5, 7, 6, 9]);
});

test('invertForWarp equals the mathematical inverse', () => {
  const m = similarityAffine(1.3, 0.4, 20, -30);
  const a = invertForWarp(m);
  const b = invertAffine(m);
  for (let i = 0; i < 6; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-12);
});

test('warpAffine by the identity is the identity (RGB, grey and float)', () => {
  for (const [w, h] of [[1, 1], [7, 5], [64, 33]]) {
    const img = noiseImage(w, h, w * 31 + h);
    const out = warpAffine(img, identityAffine(), w, h);
    assert.deepEqual(out.data, img.data);
    const grey = { width: w, height: h, data: img.data.slice(0, w * h) };
    assert.deepEqual(warpAffineGray(grey, toMatrix3(identityAffine()), w, h).data, grey.data);
    const f = { width: w, height: h, data: Float32Array.from(grey.data, (v) => v / 7) };
    assert.deepEqual(warpAffineFloat(f, identityAffine(), w, h).data, f.data);
  }
});

test('warpAffine uses OpenCV semantics: M maps source to destination, outside reads 0', () => {
  const img = noiseImage(20, 10, 3);
  // Shift right by 3 and down by 2: destination (x, y) shows source (x−3, y−2).
  const out = warpAffine(img, Float64Array.of(1, 0, 3, 0, 1, 2), 20, 10);
  for (let y = 0; y < 10; y++) {
    for (let x = 0; x < 20; x++) {
      for (let c = 0; c < 3; c++) {
        const v = out.data[(y * 20 + x) * 3 + c];
        const expected = x >= 3 && y >= 2 ? img.data[((y - 2) * 20 + (x - 3)) * 3 + c] : 0;
        assert.equal(v, expected, `(${x}, ${y}, ${c})`);
      }
    }
  }
  // Half-pixel shift: the average of neighbours, rounded.
  const ramp = { width: 4, height: 1, data: Uint8Array.from([0, 0, 0, 100, 100, 100, 200, 200, 200, 255, 255, 255]) };
  const half = warpAffine(ramp, Float64Array.of(1, 0, -0.5, 0, 1, 0), 3, 1);
  assert.deepEqual(Array.from(half.data.filter((_, i) => i % 3 === 0)), [50, 150, 228]);
});

test('warpAffine reproduces the original crops of crop_transforms.json (±1)', { skip: needsShared }, async () => {
  const vectors = JSON.parse(readFileSync(sharedPath('vectors/crop_transforms.json'), 'utf8'));
  const tol = vectors.tolerance.img_crop_uint8_abs as number;
  for (const c of vectors.cases) {
    const [h, w] = c.inputs.image_hw as [number, number];
    const pts = Float32Array.from((c.inputs.landmarks as number[][]).flat());
    const t = cropTransform(pts, { scale: 2.3, vy: -0.125, dsize: 512 });
    const crop = warpAffine(pattern0(w, h), t.M_o2c, 512, 512);
    const out = c.outputs['crop_image_dsize512_scale2.3_vy-0.125'];
    const ref = await readImage(sharedPath(out.img_crop_png));
    const d = diffStats(crop.data, ref.data);
    assert.ok(d.max <= tol, `${c.name}: max diff ${d.max} > ${tol}`);
  }
});
