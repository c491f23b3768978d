import { test } from 'node:test';
import assert from 'node:assert/strict';
import { convexHullVolume } from '../../src/math/hull.js';
import { motionMultiplier } from '../../src/math/motion.js';
import { NO_SHARED, assertRelClose, flat, loadVectors, type Nested } from './vectors.js';

interface MultiplierCase {
  name: string;
  inputs: { kp_source_1x21x3: Nested; kp_driving_initial_1x21x3: Nested };
  outputs: { motion_multiplier: number; hull_volume_source?: number; hull_volume_driving_initial?: number };
}

test('convexHullVolume and motionMultiplier match motion_multiplier.json (scipy / Qhull)', { skip: NO_SHARED }, () => {
  const file = loadVectors<MultiplierCase>('motion_multiplier.json');
  const rel = file.tolerance.rel as number;
  assert.ok(file.cases.length >= 3);
  for (const c of file.cases) {
    const source = Float32Array.from(flat(c.inputs.kp_source_1x21x3));
    const driving = Float32Array.from(flat(c.inputs.kp_driving_initial_1x21x3));
    if (c.outputs.hull_volume_source !== undefined) {
      assertRelClose(convexHullVolume(source, 21), c.outputs.hull_volume_source, rel, `${c.name}: source volume`);
    }
    if (c.outputs.hull_volume_driving_initial !== undefined) {
      assertRelClose(convexHullVolume(driving, 21), c.outputs.hull_volume_driving_initial, rel, `${c.name}: driving volume`);
    }
    assertRelClose(motionMultiplier(source, driving), c.outputs.motion_multiplier, rel, `${c.name}: multiplier`);
  }
});

const CUBE = [0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 1, 1];

test('unit cube has volume 1, the corner tetrahedron 1/6', () => {
  assert.ok(Math.abs(convexHullVolume(CUBE, 8) - 1) < 1e-12);
  assert.ok(Math.abs(convexHullVolume([0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1], 4) - 1 / 6) < 1e-15);
});

test('interior, coplanar and collinear extra points do not change the volume', () => {
  const grid: number[] = [];
  for (let x = 0; x <= 2; x++) for (let y = 0; y <= 2; y++) for (let z = 0; z <= 2; z++) grid.push(x / 2, y / 2, z / 2);
  assert.ok(Math.abs(convexHullVolume(grid, 27) - 1) < 1e-12, '3×3×3 grid');
  const withCentre = [...CUBE, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0.25, 0, 0];
  assert.ok(Math.abs(convexHullVolume(withCentre, 11) - 1) < 1e-12);
  // A regular octahedron: |x|+|y|+|z| ≤ 1 has volume 4/3.
  const octahedron = [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1];
  assert.ok(Math.abs(convexHullVolume(octahedron, 6) - 4 / 3) < 1e-12);
});

test('volume is invariant under point order, translation and rotation, and scales with the cube of the size', () => {
  let state = 7;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  const points = Array.from({ length: 63 }, random);
  const v = convexHullVolume(points, 21);
  assert.ok(v > 0);
  const reversed: number[] = [];
  for (let i = 20; i >= 0; i--) reversed.push(points[i * 3], points[i * 3 + 1], points[i * 3 + 2]);
  assert.ok(Math.abs(convexHullVolume(reversed, 21) - v) < 1e-12 * v);
  const c = Math.cos(0.7), s = Math.sin(0.7);
  const moved: number[] = [];
  for (let i = 0; i < 21; i++) {
    const [x, y, z] = [points[i * 3], points[i * 3 + 1], points[i * 3 + 2]];
    moved.push(c * x - s * y + 3, s * x + c * y - 1, z + 0.5);
  }
  assert.ok(Math.abs(convexHullVolume(moved, 21) - v) < 1e-9 * v);
  assert.ok(Math.abs(convexHullVolume(points.map((p) => p * 2), 21) - 8 * v) < 1e-12 * v);
});

test('degenerate input returns 0 without throwing', () => {
  assert.equal(convexHullVolume([], 0), 0);
  assert.equal(convexHullVolume([0, 0, 0, 1, 1, 1, 2, 0, 1], 3), 0, 'fewer than 4 points');
  assert.equal(convexHullVolume(new Array(63).fill(0.5), 21), 0, 'coincident');
  assert.equal(convexHullVolume(Array.from({ length: 21 }, (_, i) => [i, 2 * i, -i]).flat(), 21), 0, 'collinear');
  const planar = Array.from({ length: 21 }, (_, i) => [Math.cos(i), Math.sin(i * 1.7), 0.3]).flat();
  assert.equal(convexHullVolume(planar, 21), 0, 'coplanar');
  assert.throws(() => convexHullVolume([0, 0], 1), /coordinates/);
  assert.throws(() => convexHullVolume([0, 0, NaN, 1, 0, 0, 0, 1, 0, 0, 0, 1], 4), /finite/);
});
