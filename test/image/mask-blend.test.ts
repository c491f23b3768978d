import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createPasteBackMask, maskFromImage } from '../../src/image/mask.js';
import { pasteBack, pasteBackMask, preparePasteBack } from '../../src/image/blend.js';
import { warpAffine, warpAffineGray } from '../../src/image/warp.js';
import { similarityAffine } from '../../src/math/affine.js';
import { createRgbImage } from '../../src/image/types.js';
import { copyImage, drawBox, drawLine, drawPoints, drawPolygon } from '../../src/image/draw.js';
import { readImage, writeImage } from '../../src/io/image-file.js';
import { readMaskImage } from '../../src/io/mask-file.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { needsShared, sharedPath } from '../helpers/shared.js';
import { diffStats, noiseImage, pattern0, pattern1 } from '../helpers/patterns.js';

test('the generated mask has the template profile: 0,15,31,…,239,255 ramps and rounded corners', () => {
  const m = createPasteBackMask(512);
  const at = (x: number, y: number) => m.data[y * 512 + x];
  const ramp = Array.from({ length: 17 }, (_, i) => Math.floor((i * 255) / 16));
  assert.deepEqual(Array.from({ length: 17 }, (_, x) => at(x, 256)), ramp);
  assert.deepEqual(Array.from({ length: 17 }, (_, y) => at(256, y)), ramp);
  assert.equal(at(511, 256), 15);
  assert.equal(at(256, 256), 255);
  // Corners are round: along the diagonal the value falls faster than along an edge.
  assert.equal(at(4, 4), 0);
  assert.equal(at(5, 5), 7);
  assert.equal(at(16, 16), 255);
});

test('the generated mask matches ../shared/samples/resources/mask_template.png', { skip: needsShared }, async () => {
  const ref = await readImage(sharedPath('samples/resources/mask_template.png'));
  const generated = createPasteBackMask(512);
  const refGrey = maskFromImage(ref, 512);
  const d = diffStats(generated.data, refGrey.data);
  console.log(`generated vs file mask: max abs diff ${d.max}, mean abs diff ${d.mean.toFixed(4)} grey levels`);
  assert.ok(d.mean < 1, `mean diff ${d.mean}`);
  assert.ok(d.max <= 3, `max diff ${d.max}`);
  const vectors = JSON.parse(readFileSync(sharedPath('vectors/pasteback_mask.json'), 'utf8'));
  const t = vectors.mask_template;
  assert.deepEqual(Array.from({ length: 512 }, (_, x) => generated.data[256 * 512 + x]), t.row_256);
  assert.deepEqual(Array.from({ length: 40 }, (_, i) => generated.data[i * 512 + i]), t.diag_0_40);
  assert.equal(generated.data.filter((v) => v === 255).length, t.count_255);
  assert.equal(generated.data.filter((v) => v === 0).length, t.count_0);
});

test('custom masks: maskFromImage takes the first channel and resizes; readMaskImage loads a file', async () => {
  const img = createRgbImage(4, 4);
  for (let i = 0; i < 16; i++) img.data.set([200, 10, 10], i * 3);
  const m = maskFromImage(img, 8);
  assert.equal(m.width, 8);
  assert.ok(m.data.every((v) => v === 200));
  const dir = mkdtempSync(join(tmpdir(), 'lp-mask-'));
  try {
    const generated = createPasteBackMask(64);
    const rgb = createRgbImage(64, 64);
    generated.data.forEach((v, i) => rgb.data.set([v, v, v], i * 3));
    await writeImage(join(dir, 'mask.png'), rgb);
    assert.deepEqual((await readMaskImage(join(dir, 'mask.png'), 64)).data, generated.data);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('paste-back reproduces the original on the pasteback_mask.json case (±2)', { skip: needsShared }, async () => {
  const vectors = JSON.parse(readFileSync(sharedPath('vectors/pasteback_mask.json'), 'utf8'));
  const c = vectors.cases[0];
  const source = pattern1(640, 720);
  const render = pattern0(512, 512);
  const plan = preparePasteBack(createPasteBackMask(512), (c.inputs.M_c2o as number[][]).flat(), 640, 720);
  const out = pasteBack(source, render, plan);
  const ref = await readImage(sharedPath(c.outputs.pasteback_png));
  const d = diffStats(out.data, ref.data);
  assert.ok(d.max <= vectors.tolerance.pasteback_uint8_abs, `max diff ${d.max}`);

  const mask = pasteBackMask(plan);
  let sum = 0, max = 0;
  for (const v of mask.data) {
    sum += v;
    max = Math.max(max, v);
  }
  const stats = c.outputs.mask_ori_stats;
  assert.ok(Math.abs(sum - stats.sum_ch0) < 1, `mask sum ${sum} vs ${stats.sum_ch0}`);
  assert.equal(max, stats.max);
  const maskRef = await readImage(sharedPath(c.outputs['mask_ori_png (round(mask*255), channel 0)']));
  let maskMax = 0;
  for (let i = 0; i < mask.data.length; i++) maskMax = Math.max(maskMax, Math.abs(Math.round(mask.data[i] * 255) - maskRef.data[i * 3]));
  assert.ok(maskMax <= 1, `mask png diff ${maskMax}`);
});

test('paste-back equals the straightforward full-frame formula, in place or not', () => {
  const W = 97, H = 83;
  const source = noiseImage(W, H, 11);
  const render = noiseImage(64, 64, 12);
  const mask = createPasteBackMask(64);
  const c2o = similarityAffine(1.1, 0.3, 20, 5);
  const plan = preparePasteBack(mask, c2o, W, H);
  const warped = warpAffine(render, c2o, W, H);
  const maskOri = warpAffineGray(mask, c2o, W, H);
  const expected = new Uint8Array(W * H * 3);
  for (let i = 0; i < W * H; i++) {
    const a = Math.fround(maskOri.data[i] / 255);
    for (let k = 0; k < 3; k++) {
      const v = Math.fround(Math.fround(a * warped.data[i * 3 + k]) + Math.fround(Math.fround(1 - a) * source.data[i * 3 + k]));
      expected[i * 3 + k] = Math.min(255, Math.max(0, v));
    }
  }
  assert.deepEqual(pasteBack(source, render, plan).data, expected);
  const inPlace = copyImage(source);
  pasteBack(inPlace, render, plan, inPlace);
  assert.deepEqual(inPlace.data, expected);
  assert.ok(plan.box && plan.box[0] >= 0 && plan.box[2] <= W);
  // Only pixels inside the mask box changed.
  const [x1, y1, x2, y2] = plan.box!;
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      if (x >= x1 && x < x2 && y >= y1 && y < y2) continue;
      const o = (y * W + x) * 3;
      assert.deepEqual(Array.from(expected.subarray(o, o + 3)), Array.from(source.data.subarray(o, o + 3)));
    }
  }
});

test('paste-back outside the frame leaves the source unchanged; size mismatches are refused', () => {
  const source = noiseImage(50, 40, 2);
  const plan = preparePasteBack(createPasteBackMask(64), similarityAffine(1, 0, 1000, 1000), 50, 40);
  assert.equal(plan.count, 0);
  assert.equal(plan.box, undefined);
  assert.deepEqual(pasteBack(source, noiseImage(64, 64), plan).data, source.data);
  assert.throws(() => pasteBack(noiseImage(10, 10), noiseImage(64, 64), plan), /50x40/);
  assert.throws(() => pasteBack(source, noiseImage(32, 32), plan), /64x64/);
});

test('drawing helpers mark the expected pixels and stay inside the image', () => {
  const img = createRgbImage(10, 10);
  drawPoints(img, [2, 2, -5, 40], [0, 255, 0], 1);
  assert.deepEqual(Array.from(img.data.subarray((2 * 10 + 2) * 3, (2 * 10 + 2) * 3 + 3)), [0, 255, 0]);
  assert.deepEqual(Array.from(img.data.subarray((2 * 10 + 3) * 3, (2 * 10 + 3) * 3 + 3)), [0, 255, 0]);
  drawLine(img, 0, 9, 9, 9, [255, 0, 0]);
  for (let x = 0; x < 10; x++) assert.equal(img.data[(9 * 10 + x) * 3], 255);
  drawBox(img, [5, 5, 8, 8], [0, 0, 255]);
  assert.equal(img.data[(5 * 10 + 8) * 3 + 2], 255);
  assert.equal(img.data[(6 * 10 + 6) * 3 + 2], 0);
  drawPolygon(img, [0, 0, 20, 0, 20, 20], [1, 1, 1]);
  assert.equal(img.data[0], 1);
});
