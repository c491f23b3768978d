import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { decodeYuNet, YuNetDetector } from '../../src/face/yunet.js';
import { decodeScrfd, insightfaceLicenceNotice, ScrfdDetector } from '../../src/face/scrfd.js';
import { letterbox, nonMaxSuppression } from '../../src/face/detect-common.js';
import { FaceCropper } from '../../src/face/cropper.js';
import { NoFaceError, eyeMidpoint, type Face, type FaceDetector } from '../../src/face/types.js';
import { SPARSE_LAYOUT_BOX, landmarkAnchors } from '../../src/math/crop.js';
import { composeAffine, transformPoint } from '../../src/math/affine.js';
import { createPasteBackMask } from '../../src/image/mask.js';
import { pasteBack, preparePasteBack, type PasteBackPlan } from '../../src/image/blend.js';
import { createRgbImage, type RgbImage } from '../../src/image/types.js';
import { loadModel } from '../../src/models/session.js';
import { ImageReadError, readImage } from '../../src/io/image-file.js';
import { needsShared, sharedPath, HAS_SHARED } from '../helpers/shared.js';

test('decodeYuNet follows OpenCV FaceDetectorYN: score = √(cls·obj), centre offsets and exp sizes per stride', () => {
  const outputs: Record<string, Float32Array> = {};
  for (const s of [8, 16, 32]) {
    const n = (640 / s) ** 2;
    outputs[`cls_${s}`] = new Float32Array(n);
    outputs[`obj_${s}`] = new Float32Array(n);
    outputs[`bbox_${s}`] = new Float32Array(n * 4);
    outputs[`kps_${s}`] = new Float32Array(n * 10);
  }
  // One face at stride 16, row 5, column 7.
  const idx = 5 * 40 + 7;
  outputs.cls_16[idx] = 0.81;
  outputs.obj_16[idx] = 1.3; // clamped to 1
  outputs.bbox_16.set([0.25, 0.5, Math.log(4), Math.log(6)], idx * 4);
  outputs.kps_16.set([0, 0, 1, 0, 0.5, 1, 0, 2, 1, 2], idx * 10);
  const faces = decodeYuNet(outputs, 640, 0.6);
  assert.equal(faces.length, 1);
  const f = faces[0];
  assert.ok(Math.abs(f.score - 0.9) < 1e-6);
  const cx = (7 + 0.25) * 16, cy = (5 + 0.5) * 16;
  const expectBox = [cx - 32, cy - 48, cx + 32, cy + 48];
  f.box.forEach((v, i) => assert.ok(Math.abs(v - expectBox[i]) < 1e-4));
  assert.deepEqual(f.keypoints5, [7 * 16, 5 * 16, 8 * 16, 5 * 16, 7.5 * 16, 6 * 16, 7 * 16, 7 * 16, 8 * 16, 7 * 16]);
  assert.equal(decodeYuNet(outputs, 640, 0.95).length, 0);
});

test('decodeScrfd: two anchors per cell at (col·s, row·s), box = centre ∓ distance·s, kps = centre + offset·s', () => {
  const outs: Float32Array[] = [];
  const sizes = [8, 16, 32].map((s) => (640 / s) ** 2 * 2);
  for (const n of sizes) outs.push(new Float32Array(n));
  for (const n of sizes) outs.push(new Float32Array(n * 4));
  for (const n of sizes) outs.push(new Float32Array(n * 10));
  // Stride 32 (level 2), cell row 3, col 4, second anchor.
  const i = (3 * 20 + 4) * 2 + 1;
  outs[2][i] = 0.7;
  outs[5].set([1, 2, 3, 4], i * 4);
  outs[8].set([0, 0, 1, 1, 2, 2, -1, 3, 1, 3], i * 10);
  const faces = decodeScrfd(outs, 640, 0.5);
  assert.equal(faces.length, 1);
  const ax = 4 * 32, ay = 3 * 32;
  assert.deepEqual(faces[0].box, [ax - 32, ay - 64, ax + 96, ay + 128]);
  assert.deepEqual(faces[0].keypoints5, [ax, ay, ax + 32, ay + 32, ax + 64, ay + 64, ax - 32, ay + 96, ax + 32, ay + 96]);
  assert.throws(() => decodeScrfd(outs.slice(0, 6), 640, 0.5), /9 outputs/);
  assert.match(insightfaceLicenceNotice(), /non-commercial/);
});

test('NMS keeps the best of overlapping boxes; letterbox pads right/bottom', () => {
  const f = (x: number, score: number): Face => ({ box: [x, 0, x + 10, 10], score, keypoints5: new Array(10).fill(0) });
  const kept = nonMaxSuppression([f(0, 0.5), f(1, 0.9), f(50, 0.3)], 0.4);
  assert.deepEqual(kept.map((k) => k.score), [0.9, 0.3]);
  const img = createRgbImage(4, 2, new Uint8Array(24).fill(200));
  const lb = letterbox(img, 8);
  assert.equal(lb.scale, 2);
  assert.equal(lb.image.data[(3 * 8 + 7) * 3], 200);
  assert.equal(lb.image.data[(4 * 8 + 0) * 3], 0);
});

const SOURCES = HAS_SHARED ? readdirSync(sharedPath('samples/source')).filter((f) => f.endsWith('.jpg')).sort() : [];

async function detectors(): Promise<{ name: string; detector: FaceDetector }[]> {
  const yunet = await loadModel('detector_yunet', sharedPath('models/yunet_n_640_640.onnx'));
  const scrfd = await loadModel('detector_scrfd', sharedPath('models/scrfd_2.5g_bnkps.onnx'));
  return [
    { name: 'yunet', detector: new YuNetDetector(yunet) },
    { name: 'scrfd', detector: new ScrfdDetector(scrfd) },
  ];
}

/**
 * Where the eye midpoint must land in the crop, derived from the crop geometry: the 5-point box centre lies
 * 0.58·d below the eye midpoint on the face axis, the crop centre a further vy·side, and the crop maps
 * side → dsize, so the eyes sit at (dsize/2, dsize·(½ − 0.58·d/side − vy)).
 */
function expectedEyePosition(face: Face, scale: number, vy: number, dsize: number): [number, number] {
  const a = landmarkAnchors(Float32Array.from(face.keypoints5), 5);
  const e = Math.hypot(a.rightEye[0] - a.leftEye[0], a.rightEye[1] - a.leftEye[1]);
  const d = Math.hypot(a.lip[0] - a.eyes[0], a.lip[1] - a.eyes[1]);
  const side = scale * Math.max(SPARSE_LAYOUT_BOX.widthPerEyeDistance * e, SPARSE_LAYOUT_BOX.heightPerEyeToLip * d);
  return [dsize / 2, dsize * (0.5 - (SPARSE_LAYOUT_BOX.centerBelowEyesPerEyeToLip * d) / side - vy)];
}

test('every sample portrait: one face, and re-detection on the 512 crop finds the eyes where the geometry puts them', { skip: needsShared }, async () => {
  assert.ok(SOURCES.length >= 4, 'sample portraits present');
  for (const { name, detector } of await detectors()) {
    const cropper = new FaceCropper({ kind: name === 'yunet' ? 'yunet' : 'insightface', detector });
    for (const file of SOURCES) {
      const image = await readImage(sharedPath('samples/source', file));
      const faces = await detector.detect(image);
      assert.equal(faces.length, 1, `${name} on ${file}: ${faces.length} faces`);
      const crop = await cropper.cropSource(image, { label: file });
      assert.equal(crop.landmarksKind, 5);
      assert.equal(crop.crop512.width, 512);
      assert.equal(crop.crop256.width, 256);
      const expected = expectedEyePosition(crop.face, 2.3, -0.125, 512);
      // The geometry and the matrix agree…
      const [mx, my] = transformPoint(crop.M_o2c, ...eyeMidpoint(crop.face));
      assert.ok(Math.hypot(mx - expected[0], my - expected[1]) < 0.05, `${name} ${file}: matrix puts eyes at ${mx},${my}`);
      // …and the pixels agree: the detector finds the eyes there again in the crop.
      const again = await detector.detect(crop.crop512);
      assert.ok(again.length >= 1, `${name} finds the face again in the crop of ${file}`);
      const [ex, ey] = eyeMidpoint(again[0]);
      const off = Math.hypot(ex - expected[0], ey - expected[1]) / 512;
      assert.ok(off < 0.05, `${name} ${file}: eyes at (${ex.toFixed(1)}, ${ey.toFixed(1)}), expected (${expected[0]}, ${expected[1].toFixed(1)}), off by ${(off * 100).toFixed(1)}%`);
    }
  }
});

/** Mean absolute difference over the pixels a paste-back plan covers, at full resolution and on 2×2 block means. */
function roundTripError(image: RgbImage, out: RgbImage, plan: PasteBackPlan): { full: number; half: number } {
  let full = 0, half = 0, halfCount = 0;
  const w = image.width;
  const block = (img: RgbImage, x: number, y: number, c: number) =>
    img.data[(y * w + x) * 3 + c] + img.data[(y * w + x + 1) * 3 + c] + img.data[((y + 1) * w + x) * 3 + c] + img.data[((y + 1) * w + x + 1) * 3 + c];
  for (let k = 0; k < plan.count; k++) {
    const p = plan.pixel[k];
    for (let c = 0; c < 3; c++) full += Math.abs(out.data[p * 3 + c] - image.data[p * 3 + c]);
    const x = p % w, y = (p - x) / w;
    if (x % 2 === 0 && y % 2 === 0 && x + 1 < w && y + 1 < image.height) {
      for (let c = 0; c < 3; c++) half += Math.abs(block(out, x, y, c) - block(image, x, y, c)) / 4;
      halfCount += 3;
    }
  }
  return { full: full / (plan.count * 3), half: half / halfCount };
}

test('paste-back round trip: an unmodified crop pasted into its source lands back in register', { skip: needsShared }, async () => {
  const yunet = await loadModel('detector_yunet', sharedPath('models/yunet_n_640_640.onnx'));
  const cropper = new FaceCropper({ kind: 'yunet', detector: new YuNetDetector(yunet) });
  const mask = createPasteBackMask(512);
  for (const file of SOURCES) {
    const image = await readImage(sharedPath('samples/source', file));
    const crop = await cropper.cropSource(image, { label: file });
    const plan = preparePasteBack(mask, crop.M_c2o, image.width, image.height);
    const t0 = performance.now();
    const out = pasteBack(image, crop.crop512, plan);
    const ms = performance.now() - t0;
    const err = roundTripError(image, out, plan);
    console.log(
      `paste-back round trip ${file} (${image.width}x${image.height}, crop side ${crop.rect.size.toFixed(0)} px): mean abs diff inside the mask ` +
        `${err.full.toFixed(2)} grey levels (${err.half.toFixed(2)} on 2x2 block means) over ${plan.count} px, paste ${ms.toFixed(1)} ms`,
    );
    assert.ok(plan.count > 1000);
    // Two bilinear resamplings blur pixel-level texture (grain, craquelure) by a few levels at full
    // resolution; on 2×2 block means that blur is gone while a misplaced or mis-blended paste is not.
    assert.ok(err.half < 2, `${file}: ${err.half} on block means`);
    // In register: the exact transform beats the same paste shifted by half a pixel in any direction.
    for (const [dx, dy] of [[0.5, 0], [-0.5, 0], [0, 0.5], [0, -0.5]]) {
      const shifted = composeAffine(Float64Array.of(1, 0, dx, 0, 1, dy), crop.M_c2o);
      const other = roundTripError(image, pasteBack(image, crop.crop512, preparePasteBack(mask, shifted, image.width, image.height)), plan);
      assert.ok(err.full < other.full, `${file}: shift (${dx}, ${dy}) gives ${other.full} <= ${err.full}`);
    }
  }
});

function gradient(w: number, h: number): RgbImage {
  const img = createRgbImage(w, h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img.data.set([(x * 255) / w, (y * 255) / h, 128], (y * w + x) * 3);
  return img;
}

test('a picture without a face raises NoFaceError naming the file', { skip: needsShared }, async () => {
  for (const { name, detector } of await detectors()) {
    const cropper = new FaceCropper({ kind: name === 'yunet' ? 'yunet' : 'insightface', detector });
    await assert.rejects(cropper.cropSource(gradient(320, 240), { label: 'gradient.png' }), (err: unknown) => {
      assert.ok(err instanceof NoFaceError);
      assert.equal(err.message, 'no face found in gradient.png');
      return true;
    });
  }
  assert.equal(new NoFaceError('d.mp4', 0).message, 'no face found in frame 0 of d.mp4');
});

test('a corrupt image file raises ImageReadError with one line', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lp-face-'));
  try {
    const path = join(dir, 'broken.jpg');
    writeFileSync(path, Buffer.from('this is not a jpeg'));
    await assert.rejects(readImage(path), (err: unknown) => {
      assert.ok(err instanceof ImageReadError);
      assert.match(err.message, /^cannot read image .*broken\.jpg: /);
      assert.ok(!err.message.includes('\n'));
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
