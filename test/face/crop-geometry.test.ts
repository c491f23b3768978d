import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  SPARSE_LAYOUT_BOX,
  averageBoxes,
  cropTransform,
  cropTransformFromBox,
  faceAxes,
  landmarkAnchors,
  layoutOf,
  parseBboxFromLandmark,
  parseRectFromLandmark,
} from '../../src/math/crop.js';
import { invertAffine, transformPoint, transformPoints } from '../../src/math/affine.js';
import { SeededRandom } from '../../src/onnx/random.js';
import { needsShared, sharedPath } from '../helpers/shared.js';

interface Tolerance {
  matrices_rel: number;
  matrices_abs: number;
  angle_rad_abs: number;
}

function close(actual: number, expected: number, tol: Tolerance, what: string): void {
  const ok = Math.abs(actual - expected) <= tol.matrices_abs || Math.abs(actual - expected) <= tol.matrices_rel * Math.abs(expected);
  assert.ok(ok, `${what}: ${actual} vs ${expected}`);
}

function closeAll(actual: ArrayLike<number>, expected: number[], tol: Tolerance, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) close(actual[i], expected[i], tol, `${what}[${i}]`);
}

test('crop geometry matches crop_transforms.json (anchors, rect, matrices, points, driving bbox)', { skip: needsShared }, () => {
  const vectors = JSON.parse(readFileSync(sharedPath('vectors/crop_transforms.json'), 'utf8'));
  const tol: Tolerance = vectors.tolerance;
  for (const c of vectors.cases) {
    const pts = Float32Array.from((c.inputs.landmarks as number[][]).flat());
    const o = c.outputs;
    assert.equal(layoutOf(pts), c.inputs.n_points);
    const anchors = landmarkAnchors(pts);
    closeAll([...anchors.eyes, ...anchors.lip], (o.pt2_eye_center_lip_center as number[][]).flat(), tol, `${c.name} anchors`);

    const rect = parseRectFromLandmark(pts, { scale: 2.3, vy: -0.125 });
    const er = o['parse_rect_from_landmark_scale2.3_vy-0.125'];
    closeAll(rect.center, er.center, tol, `${c.name} centre`);
    close(rect.size, er.size[0], tol, `${c.name} size`);
    assert.ok(Math.abs(rect.angle - er.angle_rad) <= tol.angle_rad_abs, `${c.name} angle ${rect.angle} vs ${er.angle_rad}`);

    for (const [key, opts] of [
      ['crop_image_dsize512_scale2.3_vy-0.125', { scale: 2.3, vy: -0.125, dsize: 512 }],
      ['crop_image_dsize224_scale1.5_vy-0.1', { scale: 1.5, vy: -0.1, dsize: 224 }],
    ] as const) {
      const t = cropTransform(pts, opts);
      closeAll(t.M_o2c, (o[key].M_o2c as number[][]).flat(), tol, `${c.name} ${key} M_o2c`);
      closeAll(t.M_c2o, (o[key].M_c2o as number[][]).flat(), tol, `${c.name} ${key} M_c2o`);
      if (o[key].pt_crop) closeAll(transformPoints(t.M_o2c, pts), (o[key].pt_crop as number[][]).flat(), tol, `${c.name} pt_crop`);
    }

    const bb = parseBboxFromLandmark(pts, { scale: 2.2, vy: -0.1 });
    const eb = o['parse_bbox_from_landmark_scale2.2_vy-0.1'];
    closeAll(bb.center, eb.center, tol, `${c.name} bbox centre`);
    close(bb.size, eb.size[0], tol, `${c.name} bbox size`);
    closeAll(bb.corners, (eb.bbox as number[][]).flat(), tol, `${c.name} bbox`);
    closeAll(bb.cornersRotated, (eb.bbox_rot as number[][]).flat(), tol, `${c.name} bbox_rot`);
    assert.deepEqual(bb.box, [bb.corners[0], bb.corners[1], bb.corners[4], bb.corners[5]]);
  }
});

/** A plausible synthetic 106-point face: contour, brows, eyes, nose, mouth on a rotated, scaled frame. */
function syntheticFace106(cx: number, cy: number, size: number, angle: number): Float32Array {
  const pts = new Float32Array(212);
  const c = Math.cos(angle), s = Math.sin(angle);
  const put = (i: number, u: number, v: number) => {
    pts[2 * i] = cx + size * (u * c - v * s);
    pts[2 * i + 1] = cy + size * (u * s + v * c);
  };
  for (let i = 0; i < 106; i++) {
    const a = (i / 106) * Math.PI * 2;
    put(i, 0.5 * Math.cos(a), 0.1 + 0.5 * Math.sin(a));
  }
  for (const i of [33, 35, 40, 39]) put(i, -0.2 + (i % 3) * 0.01, -0.1);
  for (const i of [87, 89, 94, 93]) put(i, 0.2 + (i % 3) * 0.01, -0.1);
  put(52, -0.12, 0.3);
  put(61, 0.12, 0.3);
  return pts;
}

test('vx (applied here, ignored by the original) moves the centre along ux by vx·size', () => {
  for (const angle of [0, 0.4, -1.1]) {
    const pts = syntheticFace106(300, 250, 160, angle);
    const base = parseRectFromLandmark(pts, { scale: 2.3, vy: -0.125 });
    const shifted = parseRectFromLandmark(pts, { scale: 2.3, vx: 0.1, vy: -0.125 });
    const { ux } = faceAxes(landmarkAnchors(pts));
    const expected = [base.center[0] + ux[0] * 0.1 * base.size, base.center[1] + ux[1] * 0.1 * base.size];
    assert.ok(Math.abs(shifted.center[0] - expected[0]) < 1e-3 && Math.abs(shifted.center[1] - expected[1]) < 1e-3);
    assert.ok(Math.hypot(shifted.center[0] - base.center[0], shifted.center[1] - base.center[1]) > 10);
    assert.equal(shifted.size, base.size);
    // The angle follows the face: the eye→lip axis becomes vertical in the crop.
    const t = cropTransform(pts, { scale: 2.3, dsize: 512 });
    const a = landmarkAnchors(pts);
    const [ex, ey] = transformPoint(t.M_o2c, ...a.eyes);
    const [lx, ly] = transformPoint(t.M_o2c, ...a.lip);
    assert.ok(Math.abs(ex - lx) < 1e-2 && ly > ey, `eye (${ex}, ${ey}) lip (${lx}, ${ly})`);
  }
});

test('property: a point cropped and mapped back with M_c2o returns to itself', () => {
  const rng = new SeededRandom(3);
  for (let k = 0; k < 40; k++) {
    const pts = syntheticFace106(rng.uniform(100, 900), rng.uniform(100, 700), rng.uniform(40, 400), rng.uniform(-1.5, 1.5));
    const t = cropTransform(pts, { scale: rng.uniform(1.5, 3), vx: rng.uniform(-0.2, 0.2), vy: rng.uniform(-0.3, 0.3), dsize: 512 });
    const [x, y] = [rng.uniform(0, 1000), rng.uniform(0, 800)];
    const [cx, cy] = transformPoint(t.M_o2c, x, y);
    const [bx, by] = transformPoint(t.M_c2o, cx, cy);
    // M_o2c is stored in float32, M_c2o is its exact inverse: the round trip is exact to double precision.
    assert.ok(Math.abs(bx - x) < 1e-6 && Math.abs(by - y) < 1e-6, `${x},${y} → ${bx},${by}`);
    const inv = invertAffine(t.M_o2c);
    for (let i = 0; i < 9; i++) assert.ok(Math.abs(inv[i] - t.M_c2o[i]) < 1e-9);
  }
});

test('5-point layout: the eye midpoint lands at the position the sparse box model predicts', () => {
  // Eyes 60 px apart, mouth 70 px below the eye midpoint, face tilted by 0.3 rad.
  const angle = 0.3, c = Math.cos(angle), s = Math.sin(angle);
  const local = [-30, 0, 30, 0, 0, 35, -25, 70, 25, 70];
  const kps = new Float32Array(10);
  for (let i = 0; i < 10; i += 2) {
    kps[i] = 400 + local[i] * c - local[i + 1] * s;
    kps[i + 1] = 300 + local[i] * s + local[i + 1] * c;
  }
  const scale = 2.3, vy = -0.125, dsize = 512;
  const t = cropTransform(kps, { scale, vy, dsize });
  const side = scale * Math.max(SPARSE_LAYOUT_BOX.widthPerEyeDistance * 60, SPARSE_LAYOUT_BOX.heightPerEyeToLip * 70);
  assert.ok(Math.abs(t.size - side) < 1e-3);
  const expectedY = dsize * (0.5 - (SPARSE_LAYOUT_BOX.centerBelowEyesPerEyeToLip * 70) / side - vy);
  const [ex, ey] = transformPoint(t.M_o2c, ...landmarkAnchors(kps).eyes);
  assert.ok(Math.abs(ex - dsize / 2) < 1e-2 && Math.abs(ey - expectedY) < 1e-2, `eyes at (${ex}, ${ey}), expected (256, ${expectedY})`);
  assert.ok(Math.abs(t.angle - angle) < 1e-5);
});

test('478-point layout anchors on the irises (468/473) and lip point 14', () => {
  const pts = new Float32Array(956);
  pts.set([100, 200], 2 * 468);
  pts.set([160, 200], 2 * 473);
  pts.set([130, 270], 2 * 14);
  const a = landmarkAnchors(pts);
  assert.deepEqual(a.eyes, [130, 200]);
  assert.deepEqual(a.lip, [130, 270]);
  assert.equal(parseRectFromLandmark(pts, { scale: 1 }).angle, 0);
  assert.throws(() => layoutOf(new Float32Array(14)), /5, 106, 203 or 478/);
});

test('driving crop by box: no rotation, box side → dsize; averageBoxes is the coordinate mean', () => {
  const t = cropTransformFromBox([100, 50, 300, 250], 512);
  assert.deepEqual(Array.from(transformPoint(t.M_o2c, 100, 50)).map((v) => Math.round(v * 1e4) / 1e4 + 0), [0, 0]);
  assert.deepEqual(Array.from(transformPoint(t.M_o2c, 300, 250)).map((v) => Math.round(v * 1e4) / 1e4), [512, 512]);
  assert.equal(t.M_o2c[1], 0);
  assert.deepEqual(averageBoxes([[0, 0, 10, 10], [2, 4, 12, 14]]), [1, 2, 11, 12]);
  assert.equal(averageBoxes([]), undefined);
  assert.throws(() => cropTransformFromBox([5, 5, 5, 9], 512), /positive width/);
});
