import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FaceCropper, resizeToLimit, wholeFrameInput } from '../../src/face/cropper.js';
import { DrivingFaceTracker, averageBoxes, cropDrivingFrame, rectJumped } from '../../src/face/tracker.js';
import { drawDebugCrop } from '../../src/face/debug.js';
import { NoFaceError } from '../../src/face/types.js';
import { OptionError } from '../../src/validate.js';
import { parseRectFromLandmark, type Box } from '../../src/math/crop.js';
import { transformPoints } from '../../src/math/affine.js';
import { createRgbImage } from '../../src/image/types.js';
import { Fake106, Fake203, FakeDetector, FakeMesh, syntheticFace, type FaceSpec } from '../helpers/faces.js';
import { noiseImage } from '../helpers/patterns.js';

const IMAGE = noiseImage(640, 480, 5);
const FACE = { cx: 320, cy: 240, size: 120 };

test('crop source from detector keypoints when no landmark model is loaded (with a warning)', async () => {
  const cropper = new FaceCropper({ kind: 'yunet', detector: new FakeDetector([syntheticFace(FACE)]) });
  const crop = await cropper.cropSource(IMAGE, { label: 's.jpg' });
  assert.equal(crop.landmarksKind, 5);
  assert.equal(crop.landmarks203, undefined);
  assert.ok(crop.warnings.some((w) => w.startsWith('no 203-point landmark model: crop from detector keypoints')));
  assert.equal(crop.crop512.width, 512);
  assert.equal(crop.crop256.width, 256);
  assert.equal(crop.faceCount, 1);
  // The 256 input is the area-resized 512 crop.
  const p = (x: number, y: number, c: number) => crop.crop512.data[(y * 512 + x) * 3 + c];
  assert.equal(crop.crop256.data[(10 * 256 + 20) * 3], (p(40, 20, 0) + p(41, 20, 0) + p(40, 21, 0) + p(41, 21, 0) + 2) >> 2);
});

test('landmark priority: 106 (original) > 203 > 478 > 5; the 203 set is returned for ratios', async () => {
  const det = new FakeDetector([syntheticFace(FACE)]);
  const f203 = new Fake203(() => FACE);
  const insight = new FaceCropper({ kind: 'insightface', detector: det, landmark106: new Fake106(), landmark203: f203 });
  const a = await insight.cropSource(IMAGE);
  assert.equal(a.landmarksKind, 106);
  assert.equal(a.landmarks203?.length, 406);
  assert.deepEqual(a.warnings, []);

  const yunet203 = new FaceCropper({ kind: 'yunet', detector: det, landmark203: f203 });
  const b = await yunet203.cropSource(IMAGE);
  assert.equal(b.landmarksKind, 203);
  assert.deepEqual(b.landmarks, b.landmarks203);

  const mesh = new FakeMesh();
  const c = await new FaceCropper({ kind: 'facemesh', detector: det, facemesh: mesh }).cropSource(IMAGE);
  assert.equal(c.landmarksKind, 478);
  assert.ok(c.warnings[0].includes('478-point face mesh'));
  assert.equal(mesh.calls, 1);
  // 478 with a 203 model: the mesh seeds the 203 model, which drives the crop.
  const d = await new FaceCropper({ kind: 'facemesh', detector: det, facemesh: mesh, landmark203: f203 }).cropSource(IMAGE);
  assert.equal(d.landmarksKind, 203);
});

test('face choice, NoFaceError naming the file and frame, and warnings for small or cut faces', async () => {
  const big = syntheticFace({ cx: 200, cy: 200, size: 150 });
  const small = syntheticFace({ cx: 500, cy: 300, size: 40 });
  const cropper = new FaceCropper({ kind: 'yunet', detector: new FakeDetector([big, small]) });
  const second = await cropper.cropSource(IMAGE, { faceIndex: 1 });
  assert.equal(second.face, small);
  assert.ok(second.warnings.some((w) => /small \(40x48 px/.test(w)));
  await assert.rejects(cropper.cropSource(IMAGE, { faceIndex: 2, label: 'two.jpg' }), (e: unknown) => e instanceof OptionError && /below 2.*two\.jpg/.test(e.message));
  await assert.rejects(cropper.cropSource(IMAGE, { scale: -1 }), /scale/);

  const none = new FaceCropper({ kind: 'yunet', detector: new FakeDetector([]) });
  await assert.rejects(none.cropSource(IMAGE, { label: 'd.mp4', frame: 7 }), (e: unknown) => e instanceof NoFaceError && e.message === 'no face found in frame 7 of d.mp4');
  await assert.rejects(none.cropSource(IMAGE), /no face found in the image/);

  const edge = new FaceCropper({ kind: 'yunet', detector: new FakeDetector([syntheticFace({ cx: 10, cy: 240, size: 150 })]) });
  assert.ok((await edge.cropSource(IMAGE)).warnings.some((w) => w.includes('cut by the image border')));
  assert.throws(() => FaceCropper.fromModels('facemesh', {}), /detector_yunet/);
});

test('drawDebugCrop draws the crop landmarks on a copy', async () => {
  const cropper = new FaceCropper({ kind: 'yunet', detector: new FakeDetector([syntheticFace(FACE)]) });
  const crop = await cropper.cropSource(createRgbImage(640, 480));
  const inCrop = transformPoints(crop.M_o2c, crop.landmarks);
  const dbg = drawDebugCrop(crop.crop512, inCrop, [100, 100, 400, 400]);
  const at = (x: number, y: number) => Array.from(dbg.data.subarray((y * 512 + x) * 3, (y * 512 + x) * 3 + 3));
  assert.deepEqual(at(Math.round(inCrop[0]), Math.round(inCrop[1])), [0, 255, 0]);
  assert.deepEqual(at(250, 100), [255, 0, 0]);
  assert.deepEqual(Array.from(crop.crop512.data.subarray(0, 3)), [0, 0, 0]);
});

test('tracker without a landmark model detects every frame and follows the nearest face', async () => {
  let spec: FaceSpec = FACE;
  const other = syntheticFace({ cx: 100, cy: 100, size: 130 });
  const det = new FakeDetector(() => [other, syntheticFace(spec)].sort((a, b) => b.box[2] - b.box[0] - (a.box[2] - a.box[0])));
  const tracker = new DrivingFaceTracker(new FaceCropper({ kind: 'yunet', detector: det }), { faceIndex: 1 });
  const first = await tracker.track(IMAGE);
  assert.ok(first?.detected && first.layout === 5 && first.frame === 0);
  assert.ok(Math.abs((first.box[0] + first.box[2]) / 2 - 320) < 5);
  spec = { ...FACE, cx: 340 };
  const next = await tracker.track(IMAGE);
  assert.ok(next && Math.abs((next.box[0] + next.box[2]) / 2 - 340) < 5, 'follows its face, not the bigger one');
  assert.equal(det.calls, 2);
  assert.ok(tracker.warnings.length > 0);
  det.faces = [];
  assert.equal(await tracker.track(IMAGE), undefined);
});

test('tracker with the 203 model: tracks between detections, re-detects on a jump and every N frames', async () => {
  let spec: FaceSpec = FACE;
  const det = new FakeDetector(() => [syntheticFace(spec)]);
  const f203 = new Fake203(() => spec);
  const tracker = new DrivingFaceTracker(new FaceCropper({ kind: 'yunet', detector: det, landmark203: f203 }), { redetectInterval: 4 });
  const frames = [];
  const script: FaceSpec[] = [FACE, { ...FACE, cx: 325 }, { ...FACE, cx: 330 }, { ...FACE, cx: 420 }, { ...FACE, cx: 422 }, { ...FACE, cx: 424 }, { ...FACE, cx: 426 }, { ...FACE, cx: 428 }];
  for (const s of script) {
    spec = s;
    frames.push(await tracker.track(IMAGE));
  }
  assert.deepEqual(frames.map((f) => f?.detected), [true, false, false, true, false, false, false, false]);
  // Detector calls: frame 0, the jump at frame 3, the scheduled check at frame 7 (tracking agreed, so kept).
  assert.equal(det.calls, 3);
  assert.ok(frames.every((f) => f?.layout === 203 && f.landmarks203?.length === 406));
  const centre = (b: Box) => (b[0] + b[2]) / 2;
  assert.ok(Math.abs(centre(frames[3]!.box) - 420) < 5);
  // Lost with no face to re-detect: undefined, then a fresh start.
  spec = { ...FACE, cx: 100, size: 300 };
  det.faces = [];
  assert.equal(await tracker.track(IMAGE), undefined);
  det.faces = () => [syntheticFace(spec)];
  assert.equal((await tracker.track(IMAGE))?.detected, true);
});

test('rectJumped thresholds, averaged boxes, driving crop by box, --no-crop input, resizeToLimit re-export', () => {
  const ref = { center: [100, 100] as [number, number], size: 100, angle: 0 };
  assert.equal(rectJumped(ref, { ...ref, size: 125 }, 0.3, 0.25), false);
  assert.equal(rectJumped(ref, { ...ref, size: 135 }, 0.3, 0.25), true);
  assert.equal(rectJumped(ref, { ...ref, center: [120, 115] }, 0.3, 0.25), false);
  assert.equal(rectJumped(ref, { ...ref, center: [130, 100] }, 0.3, 0.25), true);
  const boxes: Box[] = [[100, 100, 300, 300], [110, 90, 310, 290]];
  const avg = averageBoxes(boxes)!;
  assert.deepEqual(avg, [105, 95, 305, 295]);
  const crop = cropDrivingFrame(IMAGE, avg, 512);
  assert.equal(crop.crop512.width, 512);
  assert.equal(crop.crop256.width, 256);
  assert.ok(Math.abs(crop.M_c2o[2] - 105) < 1e-3 && Math.abs(crop.M_c2o[0] - 200 / 512) < 1e-6);
  const whole = wholeFrameInput(IMAGE);
  assert.deepEqual([whole.width, whole.height], [256, 256]);
  assert.deepEqual([resizeToLimit(IMAGE, 320).width, resizeToLimit(IMAGE, 320).height], [320, 240]);
  // The landmark box the tracker compares is the unscaled one.
  assert.ok(parseRectFromLandmark(Float32Array.from(syntheticFace(FACE).keypoints5), { scale: 1 }).size > 0);
});
