import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, attr, decodeModel, encodeModel } from '../../src/onnx/builder.js';
import { SeededRandom } from '../../src/onnx/random.js';
import { rewriteConv3dAs2d } from '../../src/onnx/rewrite/conv3d-as-2d.js';
import { createSession, float32Tensor } from '../../src/runtime/onnx.js';

interface Case {
  readonly kernel: [number, number, number];
  readonly pads: [number, number, number, number, number, number];
  readonly bias: boolean;
}

/** x [2, 5, 6, 7, 8] → one 3-D conv (+ a 3-D conv the rewrite must leave alone: strided) → y, z. */
function volumeModel(c: Case): Uint8Array {
  const rng = new SeededRandom(11);
  const g = new GraphBuilder('conv3d');
  g.input('x', [2, 5, 6, 7, 8]);
  const [kd, kh, kw] = c.kernel;
  const w = g.initializer('w', rng.uniformArray(3 * 5 * kd * kh * kw, -0.5, 0.5), [3, 5, kd, kh, kw]);
  const inputs = c.bias ? ['x', w, g.initializer('b', rng.uniformArray(3, -0.2, 0.2), [3])] : ['x', w];
  g.op('Conv', inputs, { kernel_shape: attr.ints(c.kernel), pads: attr.ints(c.pads) }, 'y');
  const ws = g.initializer('ws', rng.uniformArray(2 * 5 * 8, -0.5, 0.5), [2, 5, 2, 2, 2]);
  g.op('Conv', ['x', ws], { kernel_shape: attr.ints([2, 2, 2]), strides: attr.ints([2, 2, 2]) }, 'z');
  g.output('y');
  g.output('z', [2, 2, 3, 3, 4]);
  return g.build({ opset: 16 });
}

const cases: Case[] = [
  { kernel: [3, 3, 3], pads: [1, 1, 1, 1, 1, 1], bias: true },
  { kernel: [7, 7, 7], pads: [3, 3, 3, 3, 3, 3], bias: true },
  { kernel: [1, 1, 1], pads: [0, 0, 0, 0, 0, 0], bias: false },
  { kernel: [2, 3, 1], pads: [1, 0, 2, 0, 1, 0], bias: true },
  { kernel: [3, 1, 3], pads: [0, 0, 1, 0, 0, 1], bias: false },
];

for (const c of cases) {
  test(`Conv3d as Conv2d over depth slices: kernel ${c.kernel.join('×')}, pads ${c.pads.join(',')}${c.bias ? ', bias' : ''} — same output`, async () => {
    const bytes = volumeModel(c);
    const r = rewriteConv3dAs2d(decodeModel(bytes));
    assert.equal(r.rewritten.length, 1);
    assert.deepEqual(r.skipped.map((s) => s.reason), ['strided']);
    const nodes = r.model.graph!.node!;
    const convs = nodes.filter((n) => n.opType === 'Conv');
    const weights = new Map(r.model.graph!.initializer!.map((t) => [t.name!, t.dims!.map(Number)]));
    assert.deepEqual(convs.map((n) => weights.get(n.input![1])!.length), [4, 5], 'the first conv is now 2-D, the strided one is kept');
    assert.ok(!weights.has('w'), 'the 5-D weight is gone');
    const x = await float32Tensor(new SeededRandom(3).uniformArray(2 * 5 * 6 * 7 * 8, -1, 1), [2, 5, 6, 7, 8]);
    const [a, b] = await Promise.all([createSession(bytes), createSession(encodeModel(r.model))]);
    const [ya, yb] = await Promise.all([a.run({ x }), b.run({ x })]);
    assert.deepEqual(yb.y.dims, ya.y.dims);
    const A = ya.y.data as Float32Array;
    const B = yb.y.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < A.length; i++) worst = Math.max(worst, Math.abs(A[i] - B[i]));
    assert.ok(worst < 1e-5, `max |difference| ${worst}`);
    assert.deepEqual(yb.z.data, ya.z.data);
  });
}

test('Conv3d as Conv2d leaves the nodes it is told to leave', () => {
  const model = decodeModel(volumeModel(cases[0]));
  assert.equal(rewriteConv3dAs2d(model, ['Conv_0']).rewritten.length, 0);
  assert.equal(rewriteConv3dAs2d(model, ['Conv3d']).rewritten.length, 0);
  assert.equal(rewriteConv3dAs2d(model, ['Conv_9']).rewritten.length, 1);
});
