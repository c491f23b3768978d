import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { GraphBuilder, attr, decodeModel } from '../../src/onnx/builder.js';
import { SeededRandom } from '../../src/onnx/random.js';
import { createSession, float32Tensor } from '../../src/runtime/onnx.js';
import { listGridSampleNodes, rewriteGridSample5D, type GridSampleRewriteOptions } from '../../src/onnx/rewrite/gridsample5d.js';

const TOLERANCE = 1e-4;

type Shape = readonly number[];
type Declared = 'static' | 'symbolic';

interface SampleCase {
  readonly x: Shape;
  readonly grid: Shape;
  readonly opset: number;
  readonly mode?: string;
  readonly padding?: string;
  readonly alignCorners?: number;
  readonly declared?: Declared;
}

const count = (s: Shape): number => s.reduce((a, b) => a * b, 1);

function gridSampleModel(c: SampleCase): Uint8Array {
  const g = new GraphBuilder('gridsample');
  const symbolic = (prefix: string, s: Shape): (number | string)[] => s.map((d, i) => (i === s.length - 1 && prefix === 'g' ? d : `${prefix}${i}`));
  g.input('X', c.declared === 'symbolic' ? symbolic('x', c.x) : c.x);
  g.input('G', c.declared === 'symbolic' ? symbolic('g', c.grid) : c.grid);
  g.node('GridSample', ['X', 'G'], ['Y'], {
    mode: attr.s(c.mode ?? (c.opset >= 20 ? 'linear' : 'bilinear')),
    padding_mode: attr.s(c.padding ?? 'zeros'),
    align_corners: attr.i(c.alignCorners ?? 0),
  });
  g.output('Y');
  return g.build({ opset: c.opset });
}

async function run(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; dims: Shape }>): Promise<Record<string, { data: Float32Array; dims: readonly number[] }>> {
  const session = await createSession(bytes);
  const inputs: Record<string, Awaited<ReturnType<typeof float32Tensor>>> = {};
  for (const [name, f] of Object.entries(feeds)) inputs[name] = await float32Tensor(f.data, f.dims);
  const out = await session.run(inputs);
  const result: Record<string, { data: Float32Array; dims: readonly number[] }> = {};
  for (const [name, t] of Object.entries(out)) result[name] = { data: t.data as Float32Array, dims: t.dims };
  await session.release();
  return result;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const opTypes = (bytes: Uint8Array): string[] => (decodeModel(bytes).graph?.node ?? []).map((n) => n.opType ?? '');

/** Random volume in [−1, 1] and grid in [−1.4, 1.4], so some points fall outside and hit the zero padding. */
function sampleFeeds(c: SampleCase, seed: number): Record<string, { data: Float32Array; dims: Shape }> {
  const rng = new SeededRandom(seed);
  return { X: { data: rng.uniformArray(count(c.x), -1, 1), dims: c.x }, G: { data: rng.uniformArray(count(c.grid), -1.4, 1.4), dims: c.grid } };
}

async function compare(c: SampleCase, options: GridSampleRewriteOptions = {}, seed = 7): Promise<{ error: number; shapes: string }> {
  const original = gridSampleModel(c);
  const rewritten = rewriteGridSample5D(original, options);
  assert.equal(rewritten.replaced, 1, `one node replaced for ${JSON.stringify(c)}`);
  assert.ok(!opTypes(rewritten.bytes).includes('GridSample'), 'no GridSample left');
  const feeds = sampleFeeds(c, seed);
  const [a, b] = [await run(original, feeds), await run(rewritten.bytes, feeds)];
  assert.deepEqual(b.Y.dims, a.Y.dims);
  const error = maxAbsDiff(a.Y.data, b.Y.data);
  assert.ok(error <= TOLERANCE, `max abs error ${error} for ${JSON.stringify(c)}`);
  return { error, shapes: rewritten.details[0].shapes };
}

const SHAPES: readonly { x: Shape; grid: Shape }[] = [
  { x: [2, 3, 4, 5, 6], grid: [2, 3, 4, 5, 3] },
  { x: [1, 3, 5, 4, 7], grid: [1, 6, 2, 3, 3] },
  { x: [3, 2, 3, 6, 4], grid: [3, 1, 1, 9, 3] },
  { x: [2, 2, 1, 3, 5], grid: [2, 2, 2, 2, 3] },
];

test('5-D GridSample (opset 16 bilinear, opset 20 linear) rewritten matches the original on the CPU', async (t) => {
  let worst = 0;
  for (const opset of [16, 20]) {
    for (const s of SHAPES) {
      const { error, shapes } = await compare({ ...s, opset });
      assert.equal(shapes, 'static');
      worst = Math.max(worst, error);
    }
  }
  t.diagnostic(`max abs error ${worst.toExponential(2)}`);
});

test('align_corners 1 and border padding are rewritten too', async (t) => {
  let worst = 0;
  for (const [padding, alignCorners] of [
    ['zeros', 1],
    ['border', 0],
    ['border', 1],
  ] as const) {
    worst = Math.max(worst, (await compare({ ...SHAPES[0], opset: 20, padding, alignCorners })).error);
  }
  t.diagnostic(`max abs error ${worst.toExponential(2)}`);
});

test('symbolic input shapes give a subgraph that reads sizes at run time', async (t) => {
  let worst = 0;
  for (const s of SHAPES) {
    const { error, shapes } = await compare({ ...s, opset: 20, declared: 'symbolic' });
    assert.equal(shapes, 'dynamic');
    worst = Math.max(worst, error);
  }
  t.diagnostic(`max abs error ${worst.toExponential(2)}`);
});

/** X comes from an intermediate node the file does not describe; the grid is a graph input. */
function hiddenShapeModel(gridDeclared: boolean): Uint8Array {
  const g = new GraphBuilder('hidden');
  g.input('X', [2, 3, 4, 5, 6]);
  g.input('G', gridDeclared ? [2, 3, 4, 5, 3] : ['a', 'b', 'c', 'd', 'e']);
  const volume = g.op('Relu', ['X']);
  const grid = g.op('Identity', ['G']);
  g.node('GridSample', [volume, gridDeclared ? 'G' : grid], ['Y'], { mode: attr.s('linear') });
  g.output('Y');
  return g.build({ opset: 20 });
}

test('rank comes from the grid when X is undescribed; undetermined nodes are skipped unless forced', async () => {
  const c: SampleCase = { x: [2, 3, 4, 5, 6], grid: [2, 3, 4, 5, 3], opset: 20 };
  const feeds = sampleFeeds(c, 3);
  const reference = (await run(hiddenShapeModel(true), feeds)).Y.data;
  for (const [bytes, options] of [
    [hiddenShapeModel(true), {}],
    [hiddenShapeModel(false), { force: true }],
    [hiddenShapeModel(false), { force: ['Y'] }],
  ] as const) {
    const r = rewriteGridSample5D(bytes, options);
    assert.equal(r.replaced, 1);
    assert.equal(r.details[0].shapes, 'dynamic');
    assert.ok(maxAbsDiff(reference, (await run(r.bytes, feeds)).Y.data) <= TOLERANCE);
  }
  const skipped = rewriteGridSample5D(hiddenShapeModel(false));
  assert.equal(skipped.replaced, 0);
  assert.equal(skipped.skipped.length, 1);
  assert.match(skipped.skipped[0].reason, /rank .* unknown/);

  // Shapes given by the caller make the subgraph static.
  const reluOutput = decodeModel(hiddenShapeModel(false)).graph?.node?.[0].output?.[0] ?? '';
  const withShapes = rewriteGridSample5D(hiddenShapeModel(false), { shapes: { [reluOutput]: [2, 3, 4, 5, 6] } });
  assert.equal(withShapes.details[0].shapes, 'static');
  assert.ok(maxAbsDiff(reference, (await run(withShapes.bytes, feeds)).Y.data) <= TOLERANCE);
});

test('a 4-D GridSample in the same graph is left untouched', async () => {
  const g = new GraphBuilder('mixed');
  g.input('X', [2, 3, 4, 5, 6]);
  g.input('G', [2, 3, 4, 5, 3]);
  g.input('I', [2, 3, 7, 8]);
  g.input('P', [2, 5, 6, 2]);
  g.node('GridSample', ['X', 'G'], ['Y'], { mode: attr.s('linear') });
  g.node('GridSample', ['I', 'P'], ['Z'], { mode: attr.s('linear') });
  g.output('Y');
  g.output('Z');
  const original = g.build({ opset: 20 });
  const r = rewriteGridSample5D(original);
  assert.equal(r.replaced, 1);
  const before = (decodeModel(original).graph?.node ?? []).find((n) => n.output?.[0] === 'Z');
  const remaining = (decodeModel(r.bytes).graph?.node ?? []).filter((n) => n.opType === 'GridSample');
  assert.equal(remaining.length, 1);
  assert.deepEqual(remaining[0].input, ['I', 'P']);
  assert.deepEqual(remaining[0].output, ['Z']);
  assert.equal(remaining[0].name, before?.name);
  const graph = decodeModel(r.bytes).graph;
  assert.deepEqual(
    (graph?.output ?? []).map((o) => o.name),
    ['Y', 'Z'],
  );
  assert.deepEqual(
    (graph?.input ?? []).map((o) => o.name),
    ['X', 'G', 'I', 'P'],
  );
  const rng = new SeededRandom(11);
  const feeds = {
    X: { data: rng.uniformArray(count([2, 3, 4, 5, 6]), -1, 1), dims: [2, 3, 4, 5, 6] },
    G: { data: rng.uniformArray(count([2, 3, 4, 5, 3]), -1.4, 1.4), dims: [2, 3, 4, 5, 3] },
    I: { data: rng.uniformArray(count([2, 3, 7, 8]), -1, 1), dims: [2, 3, 7, 8] },
    P: { data: rng.uniformArray(count([2, 5, 6, 2]), -1.2, 1.2), dims: [2, 5, 6, 2] },
  };
  const [a, b] = [await run(original, feeds), await run(r.bytes, feeds)];
  assert.ok(maxAbsDiff(a.Y.data, b.Y.data) <= TOLERANCE);
  assert.equal(maxAbsDiff(a.Z.data, b.Z.data), 0);
});

test('settings the rewrite does not cover are reported and left in place', () => {
  for (const [c, why] of [
    [{ ...SHAPES[0], opset: 20, mode: 'nearest' }, /mode 'nearest'/],
    [{ ...SHAPES[0], opset: 20, padding: 'reflection' }, /padding_mode 'reflection'/],
  ] as const) {
    const bytes = gridSampleModel(c);
    const r = rewriteGridSample5D(bytes);
    assert.equal(r.replaced, 0);
    assert.equal(r.bytes, bytes);
    assert.match(r.skipped[0].reason, why);
  }
});

test('listGridSampleNodes reports opset, rank and settings', () => {
  const info = listGridSampleNodes(gridSampleModel({ ...SHAPES[0], opset: 16, alignCorners: 1, padding: 'border' }));
  assert.equal(info.length, 1);
  assert.deepEqual(
    { opset: info[0].opset, rank: info[0].rank, mode: info[0].mode, alignCorners: info[0].alignCorners, padding: info[0].padding, output: info[0].output },
    { opset: 16, rank: 5, mode: 'bilinear', alignCorners: 1, padding: 'border', output: 'Y' },
  );
  assert.deepEqual(info[0].xShape, [2, 3, 4, 5, 6]);
  assert.equal(listGridSampleNodes(hiddenShapeModel(false))[0].rank, undefined);
});

/** Operator → opset ranges in onnxruntime-web's WebGPU table (docs/webgpu-operators.md). */
function webgpuOperatorTable(): Map<string, [number, number][]> | undefined {
  const path = resolve(process.cwd(), 'node_modules/onnxruntime-web/docs/webgpu-operators.md');
  if (!existsSync(path)) return undefined;
  const table = new Map<string, [number, number][]>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^\|\s*(\w+)\s*\|\s*ai\.onnx\(([^)]*)\)/.exec(line);
    if (!m) continue;
    const ranges = m[2].split(',').map((r): [number, number] => {
      if (r.endsWith('+')) return [Number(r.slice(0, -1)), Infinity];
      const [lo, hi] = r.split('-').map(Number);
      return [lo, hi ?? lo];
    });
    table.set(m[1], ranges);
  }
  return table;
}

test('the replacement uses only operators in onnxruntime-web’s WebGPU table at the model’s opset', { skip: !webgpuOperatorTable() && 'onnxruntime-web docs not installed' }, () => {
  const table = webgpuOperatorTable() as Map<string, [number, number][]>;
  for (const opset of [16, 20]) {
    for (const declared of ['static', 'symbolic'] as const) {
      const bytes = rewriteGridSample5D(gridSampleModel({ ...SHAPES[0], opset, declared })).bytes;
      for (const op of new Set(opTypes(bytes))) {
        const ranges = table.get(op);
        assert.ok(ranges, `${op} is not in the WebGPU table`);
        assert.ok(
          ranges.some(([lo, hi]) => opset >= lo && opset <= hi),
          `${op} has no WebGPU kernel at opset ${opset}`,
        );
      }
    }
  }
});

test('LivePortrait’s final-warp shape (1×32×16×64×64, grid 1×16×64×64×3) matches', async (t) => {
  const c: SampleCase = { x: [1, 32, 16, 64, 64], grid: [1, 16, 64, 64, 3], opset: 20 };
  const original = gridSampleModel(c);
  const rewritten = rewriteGridSample5D(original).bytes;
  const feeds = sampleFeeds(c, 5);
  const time = async (bytes: Uint8Array): Promise<{ out: Float32Array; ms: number }> => {
    const session = await createSession(bytes);
    const inputs = { X: await float32Tensor(feeds.X.data, c.x), G: await float32Tensor(feeds.G.data, c.grid) };
    await session.run(inputs);
    const start = performance.now();
    const out = (await session.run(inputs)).Y.data as Float32Array;
    const ms = performance.now() - start;
    await session.release();
    return { out, ms };
  };
  const [a, b] = [await time(original), await time(rewritten)];
  const error = maxAbsDiff(a.out, b.out);
  assert.ok(error <= TOLERANCE, `max abs error ${error}`);
  t.diagnostic(`max abs error ${error.toExponential(2)}; CPU run: original ${a.ms.toFixed(0)} ms, rewritten ${b.ms.toFixed(0)} ms`);
});

/**
 * A small graph shaped like LivePortrait's warping module around its two GridSamples: a compressed
 * volume repeated over 22 slots and sampled with 22 sparse-motion grids (batch 22), a softmax mask
 * over the slots, the blended deformation, and the final warp of the uncompressed features.
 */
function warpingLikeModel(channels: number, depth: number, height: number, width: number, keypoints: number): Uint8Array {
  const slots = keypoints + 1;
  const rng = new SeededRandom(99);
  const g = new GraphBuilder('warping_like');
  const feature = g.input('feature_3d', [1, channels, depth, height, width]);
  const kpDriving = g.input('kp_driving', [1, keypoints, 3]);
  const kpSource = g.input('kp_source', [1, keypoints, 3]);

  const compressed = g.op('Conv', [feature, g.constFloat(rng.normalArray(4 * channels, 0.5), [4, channels, 1, 1, 1]), g.constFloat(rng.normalArray(4, 0.1), [4])], {
    kernel_shape: attr.ints([1, 1, 1]),
  });
  const identity = new Float32Array(depth * height * width * 3);
  for (let d = 0; d < depth; d++)
    for (let h = 0; h < height; h++)
      for (let w = 0; w < width; w++) {
        const o = ((d * height + h) * width + w) * 3;
        identity[o] = (2 * w) / (width - 1) - 1;
        identity[o + 1] = (2 * h) / (height - 1) - 1;
        identity[o + 2] = (2 * d) / (depth - 1) - 1;
      }
  const grid = g.constFloat(identity, [1, 1, depth, height, width, 3]);
  const kpShape = g.constInt64([1, keypoints, 1, 1, 1, 3]);
  const motion = g.op('Add', [g.op('Sub', [grid, g.op('Reshape', [kpDriving, kpShape])]), g.op('Reshape', [kpSource, kpShape])]);
  const sparse = g.op('Concat', [grid, motion], { axis: attr.i(1) });
  const sparseGrids = g.op('Reshape', [sparse, g.constInt64([slots, depth, height, width, 3])]);
  const repeated = g.op('Expand', [compressed, g.constInt64([slots, 4, depth, height, width])]);
  const deformed = g.op('GridSample', [repeated, sparseGrids], { mode: attr.s('bilinear') });
  const logits = g.op('Reshape', [g.op('ReduceSum', [deformed, g.constInt64([1])], { keepdims: attr.i(0) }), g.constInt64([1, slots, depth, height, width])]);
  const mask = g.op('Softmax', [logits], { axis: attr.i(1) });
  const deformation = g.op('ReduceSum', [g.op('Mul', [g.op('Unsqueeze', [mask, g.constInt64([5])]), sparse]), g.constInt64([1])], { keepdims: attr.i(0) });
  g.node('GridSample', [feature, deformation], ['out'], { mode: attr.s('bilinear') });
  g.node('Identity', [deformed], ['deformed']);
  g.output('out', [1, channels, depth, height, width]);
  g.output('deformed', [slots, 4, depth, height, width]);
  return g.build({ opset: 16 });
}

test('a warping-like graph (22 sparse grids, batch 22, then the final warp) gives the same outputs', async (t) => {
  const [channels, depth, height, width, keypoints] = [8, 4, 8, 8, 21];
  const original = warpingLikeModel(channels, depth, height, width, keypoints);
  const rng = new SeededRandom(17);
  const feeds = {
    feature_3d: { data: rng.uniformArray(channels * depth * height * width, 0, 2), dims: [1, channels, depth, height, width] },
    kp_driving: { data: rng.uniformArray(keypoints * 3, -0.8, 0.8), dims: [1, keypoints, 3] },
    kp_source: { data: rng.uniformArray(keypoints * 3, -0.8, 0.8), dims: [1, keypoints, 3] },
  };
  const reference = await run(original, feeds);
  // Neither GridSample input is described in the file: once forced (sizes read at run time), once with
  // the caller's shapes (constants).
  const graph = decodeModel(original).graph;
  const gridSamples = (graph?.node ?? []).filter((n) => n.opType === 'GridSample');
  const shapes = {
    [gridSamples[0].input?.[0] ?? '']: [keypoints + 1, 4, depth, height, width],
    [gridSamples[1].input?.[1] ?? '']: [1, depth, height, width, 3],
  };
  for (const options of [{ force: true }, { shapes }] as GridSampleRewriteOptions[]) {
    const r = rewriteGridSample5D(original, options);
    assert.equal(r.replaced, 2);
    assert.ok(!opTypes(r.bytes).includes('GridSample'));
    const out = await run(r.bytes, feeds);
    const errors = { out: maxAbsDiff(reference.out.data, out.out.data), deformed: maxAbsDiff(reference.deformed.data, out.deformed.data) };
    assert.ok(errors.out <= TOLERANCE && errors.deformed <= TOLERANCE, JSON.stringify(errors));
    t.diagnostic(`${options.force ? 'forced' : 'with shapes'} (${r.details.map((d) => d.shapes).join(', ')}): max abs error out ${errors.out.toExponential(2)}, deformed ${errors.deformed.toExponential(2)}`);
  }
});
