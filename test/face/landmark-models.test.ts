/**
 * Plumbing of the landmark wrappers with generated graphs of the real contracts (no trained weights here):
 * each graph reads the mean of the RED input plane, so the tests see the channel order and value range the
 * wrapper feeds, and returns fixed landmarks shifted by that mean.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, attr } from '../../src/onnx/builder.js';
import { createSession } from '../../src/runtime/onnx.js';
import { loadModel } from '../../src/models/session.js';
import { Landmark106, decodeLandmark106, landmark106Transform } from '../../src/face/landmark106.js';
import { Landmark203, decodeLandmark203, landmark203Transform } from '../../src/face/landmark203.js';
import { FaceMesh, decodeFacemesh, facemeshTransform } from '../../src/face/facemesh.js';
import { createRgbImage } from '../../src/image/types.js';
import { transformPoint } from '../../src/math/affine.js';
import { syntheticFace } from '../helpers/faces.js';

/** Mean of plane 0 of an NCHW input, times `gain`, as a [1] tensor. */
function redMean(g: GraphBuilder, input: string, gain: number): string {
  const plane = g.op('Gather', [input, g.constInt64([0])], { axis: attr.i(1) });
  const mean = g.op('ReduceMean', [plane], { axes: attr.ints([1, 2, 3]), keepdims: attr.i(0) });
  return g.op('Mul', [mean, g.constFloat([gain], [1])]);
}

function base(n: number, lo: number, hi: number): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => lo + ((hi - lo) * ((i * 37) % n)) / n);
}

/** 800×800 uniform (200, 100, 0): the red plane mean is 200 raw, 200/255 in [0, 1], 0 if fed as BGR. */
function orangeImage() {
  const img = createRgbImage(800, 800);
  for (let i = 0; i < 800 * 800; i++) img.data.set([200, 100, 0], i * 3);
  return img;
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length);
  for (let i = 0; i < expected.length; i++) assert.ok(Math.abs(actual[i] - expected[i]) <= tol, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
}

test('landmark106: raw 0–255 RGB input `data`, output `fc1` decoded as (pred + 1)·96 through the inverse crop', async () => {
  const g = new GraphBuilder('landmark106-standin');
  const data = g.input('data', [1, 3, 192, 192]);
  const b = base(212, -0.8, 0.8);
  // Raw input: red mean 200 → +200/1000 = +0.2 on every prediction.
  g.node('Add', [g.constFloat(b, [1, 212]), redMean(g, data, 1 / 1000)], ['fc1']);
  g.output('fc1', [1, 212]);
  const model = await loadModel('landmark106', { bytes: g.build(), label: 'landmark106-standin' });
  const box: [number, number, number, number] = [330, 320, 470, 500];
  const pts = await new Landmark106(model).detect(orangeImage(), box);
  const m = landmark106Transform(box);
  const expected = decodeLandmark106(b.map((v) => v + 0.2), m);
  assertClose(pts, expected, 1e-3, 'pts');
  // The crop is centred on the box at 192 / (1.5·max side).
  const [cx, cy] = transformPoint(m, 400, 410);
  assert.ok(Math.abs(cx - 96) < 1e-9 && Math.abs(cy - 96) < 1e-9);
  assert.ok(Math.abs(m[0] - 192 / (1.5 * 180)) < 1e-12);
  // Prediction (−1, −1) is the crop's top-left corner.
  const corner = decodeLandmark106(new Float32Array(212).fill(-1), m);
  const [tx, ty] = transformPoint(m, corner[0], corner[1]);
  assert.ok(Math.abs(tx) < 1e-3 && Math.abs(ty) < 1e-3);
});

test('landmark203: [0,1] RGB input `input`, only output `856` used, ×224 then M_c2o', async () => {
  const g = new GraphBuilder('landmark203-standin');
  const input = g.input('input', [1, 3, 224, 224]);
  const b = base(406, 0.1, 0.9);
  const shift = redMean(g, input, 0.1);
  g.node('Add', [g.constFloat(new Float32Array(214).fill(5), [1, 214]), shift], ['output']);
  g.node('Add', [g.constFloat(new Float32Array(262).fill(7), [1, 262]), shift], ['853']);
  g.node('Add', [g.constFloat(b, [1, 406]), shift], ['856']);
  g.output('output', [1, 214]);
  g.output('853', [1, 262]);
  g.output('856', [1, 406]);
  const model = await loadModel('landmark203', { bytes: g.build(), label: 'landmark203-standin' });
  const seed = Float32Array.from(syntheticFace({ cx: 400, cy: 400, size: 150 }).keypoints5);
  const pts = await new Landmark203(model).detect(orangeImage(), seed);
  assert.equal(pts.length, 406);
  const t = landmark203Transform(seed);
  const expected = decodeLandmark203(b.map((v) => v + 0.1 * (200 / 255)), t.M_c2o);
  assertClose(pts, expected, 1e-3, 'pts');
  // The crop follows the original's landmark runner: 224 px, scale 1.5, vy −0.1.
  assert.equal(t.M_o2c[0] > 0, true);
  const [x, y] = transformPoint(t.M_o2c, t.center[0], t.center[1]);
  assert.ok(Math.abs(x - 112) < 1e-3 && Math.abs(y - 112) < 1e-3);
});

test('facemesh (layout of the public file, unverified): [0,1] RGB in, first output 478×3 crop pixels → image', async () => {
  const g = new GraphBuilder('facemesh-standin');
  const input = g.input('input_12', [1, 3, 256, 256]);
  const b = base(1434, 20, 230);
  const shift = redMean(g, input, 10);
  g.node('Reshape', [g.op('Add', [g.constFloat(b, [1, 1434]), shift]), g.constInt64([1, 1, 1, 1434])], ['Identity']);
  g.node('Identity', [g.constFloat([0.9], [1, 1, 1, 1])], ['Identity_1']);
  g.node('Identity', [g.constFloat([0.1], [1, 1])], ['Identity_2']);
  g.output('Identity', [1, 1, 1, 1434]);
  g.output('Identity_1', [1, 1, 1, 1]);
  g.output('Identity_2', [1, 1]);
  const session = await createSession(g.build());
  const box: [number, number, number, number] = [300, 300, 500, 520];
  const pts = await new FaceMesh({ session }).detect(orangeImage(), box);
  assert.equal(pts.length, 956);
  const m = facemeshTransform(box);
  const expected = decodeFacemesh(b.map((v) => v + 10 * (200 / 255)), m);
  assertClose(pts, expected, 1e-3, 'pts');
  // x, y taken from each (x, y, z) triple.
  const [cx, cy] = transformPoint(m, pts[0], pts[1]);
  assert.ok(Math.abs(cx - (b[0] + 10 * (200 / 255))) < 1e-3 && Math.abs(cy - (b[1] + 10 * (200 / 255))) < 1e-3);
  // Normalised outputs (all within [0, 1]) are scaled to the 256 crop.
  const unit = new Float32Array(1434).fill(0.5);
  const centre = decodeFacemesh(unit, m);
  assert.ok(Math.abs(centre[0] - 400) < 1e-3 && Math.abs(centre[1] - 410) < 1e-3);
});
