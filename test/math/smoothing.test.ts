import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OneEuroFilter, kalmanRtsSmooth } from '../../src/math/smoothing.js';

/** A noisy 3-channel sine: 120 frames at 30 fps (period 4 s), deterministic noise. */
function noisySine(frames = 120, noise = 0.05): { clean: Float32Array[]; noisy: Float32Array[] } {
  let state = 99;
  const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32) - 0.5;
  const clean: Float32Array[] = [];
  const noisy: Float32Array[] = [];
  for (let t = 0; t < frames; t++) {
    const c = Float32Array.from([0, 1, 2], (k) => Math.sin((2 * Math.PI * t) / 120 + k) * 0.1);
    clean.push(c);
    noisy.push(c.map((v) => v + random() * noise));
  }
  return { clean, noisy };
}

function jitter(sequence: readonly Float32Array[]): number {
  let sum = 0;
  for (let t = 2; t < sequence.length; t++) {
    for (let i = 0; i < sequence[t].length; i++) sum += Math.abs(sequence[t][i] - 2 * sequence[t - 1][i] + sequence[t - 2][i]);
  }
  return sum;
}

function meanError(a: readonly Float32Array[], b: readonly Float32Array[]): number {
  let sum = 0;
  let count = 0;
  for (let t = 0; t < a.length; t++) for (let i = 0; i < a[t].length; i++, count++) sum += Math.abs(a[t][i] - b[t][i]);
  return sum / count;
}

test('one-euro: first sample passes through, constant input stays constant', () => {
  const filter = new OneEuroFilter({ minCutoff: 1, beta: 0.5, dCutoff: 1, freq: 30 });
  const value = Float32Array.from([0.25, -1.5, 3]);
  assert.deepEqual(Array.from(filter.filter(value)), Array.from(value));
  for (let i = 0; i < 20; i++) assert.deepEqual(Array.from(filter.filter(value)), Array.from(value));
});

test('one-euro follows the standard formulation', () => {
  const minCutoff = 1, beta = 0.7, dCutoff = 1, freq = 30;
  const filter = new OneEuroFilter({ minCutoff, beta, dCutoff, freq });
  filter.filter([0]);
  const te = 1 / freq;
  const alpha = (cutoff: number) => {
    const r = 2 * Math.PI * cutoff * te;
    return r / (r + 1);
  };
  const dx = alpha(dCutoff) * ((1 - 0) / te);
  const expected = alpha(minCutoff + beta * Math.abs(dx)) * 1;
  assert.ok(Math.abs(filter.filter([1])[0] - Math.fround(expected)) < 1e-7);
  filter.reset();
  assert.deepEqual(Array.from(filter.filter([5])), [5], 'after reset the next sample passes through');
});

test('one-euro reduces frame-to-frame jitter of a noisy sine', () => {
  const { noisy, clean } = noisySine();
  const filter = new OneEuroFilter(); // the project's defaults for live input
  const smoothed = noisy.map((v) => filter.filter(v));
  assert.ok(jitter(smoothed) < 0.5 * jitter(noisy), `jitter ${jitter(smoothed)} vs ${jitter(noisy)}`);
  assert.ok(meanError(smoothed, clean) < meanError(noisy, clean));
});

test('one-euro honours timestamps and rejects bad options', () => {
  const a = new OneEuroFilter({ minCutoff: 1, beta: 0, freq: 30 });
  const b = new OneEuroFilter({ minCutoff: 1, beta: 0, freq: 30 });
  a.filter([0], 0);
  b.filter([0], 0);
  // A longer gap between samples means a larger step towards the new value.
  assert.ok(b.filter([1], 0.5)[0] > a.filter([1], 1 / 30)[0]);
  assert.throws(() => new OneEuroFilter({ minCutoff: 0 }), /minCutoff/);
  assert.throws(() => new OneEuroFilter({ beta: -1 }), /beta/);
});

test('Kalman RTS: length preserved, constant stays constant, jitter reduced', () => {
  const { noisy, clean } = noisySine();
  const smoothed = kalmanRtsSmooth(noisy, 1e-4);
  assert.equal(smoothed.length, noisy.length);
  assert.equal(smoothed[0].length, 3);
  assert.ok(jitter(smoothed) < 0.2 * jitter(noisy), `jitter ${jitter(smoothed)} vs ${jitter(noisy)}`);
  assert.ok(meanError(smoothed, clean) < meanError(noisy, clean));
  const constant = Array.from({ length: 30 }, () => Float32Array.from([0.5, -0.25, 1e-3]));
  for (const v of kalmanRtsSmooth(constant, 3e-7)) assert.deepEqual(Array.from(v), [0.5, -0.25, Math.fround(1e-3)]);
  assert.deepEqual(kalmanRtsSmooth([], 3e-7), []);
  assert.throws(() => kalmanRtsSmooth([new Float32Array(2), new Float32Array(3)], 3e-7), /frame 1/);
});

// Reference: pykalman's filter/smooth recursions transcribed in full matrix form (A = H = I, Q = 1e-5·I,
// R = r·I, initial mean = first observation, initial covariance = I), evaluated in float64 with numpy.
const OBSERVATIONS = [
  [0.0020409191492944956, 0.005859044846147299, 0.009511073119938374],
  [0.003326413920149207, 0.00940184760838747, 0.006539034657180309],
  [0.0051535749807953835, 0.009506544098258018, 0.0024846685118973255],
  [0.012643390335142612, 0.008310751058161259, -0.0009363722056150436],
  [0.00971444882452488, 0.004486967343837023, -0.005480355117470026],
  [0.0087021728977561, 0.0018931454978883266, -0.007806578651070595],
  [0.00771239073947072, -0.002755213063210249, -0.009491761215031147],
  [0.0048957024700939655, -0.005573473405092955, -0.010466874577105045],
];
const SMOOTHED_3E6 = [
  [0.0024108998477458954, 0.0065371389500796795, 0.00874670036137104],
  [0.003644172567874193, 0.008797458373010159, 0.006198784802109003],
  [0.005936640780419111, 0.009043147787451744, 0.0025167022831737995],
  [0.010839328169822693, 0.007744182366877794, -0.0010586013086140156],
  [0.009728477336466312, 0.004556654021143913, -0.005041335243731737],
  [0.008664385415613651, 0.0016014138236641884, -0.007560669910162687],
  [0.0074743363074958324, -0.002326265210285783, -0.009260307997465134],
  [0.0054907719604671, -0.004824117757380009, -0.010188436135649681],
];
const SMOOTHED_1E3 = [
  [0.006599067244678736, 0.004228999372571707, -0.0013314166571944952],
  [0.00664469413459301, 0.004212682601064444, -0.0014399499632418156],
  [0.006723504047840834, 0.004144474398344755, -0.001628273050300777],
  [0.0068180132657289505, 0.004022645298391581, -0.0018577256705611944],
  [0.0068542687222361565, 0.003857935080304742, -0.002096391748636961],
  [0.0068619223311543465, 0.00368693470954895, -0.002301218220964074],
  [0.006851173471659422, 0.00353387207724154, -0.002450991189107299],
  [0.006831812206655741, 0.003443700261414051, -0.002530356403440237],
];

test('Kalman RTS matches the matrix-form pykalman recursions', () => {
  const input = OBSERVATIONS.map((v) => Float32Array.from(v));
  for (const [variance, expected] of [[3e-6, SMOOTHED_3E6], [1e-3, SMOOTHED_1E3]] as const) {
    const smoothed = kalmanRtsSmooth(input, variance, 1e-5);
    for (let t = 0; t < expected.length; t++) {
      for (let i = 0; i < 3; i++) {
        assert.ok(Math.abs(smoothed[t][i] - expected[t][i]) < 1e-9, `r=${variance} t=${t} i=${i}: ${smoothed[t][i]} vs ${expected[t][i]}`);
      }
    }
  }
});
