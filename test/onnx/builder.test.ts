import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GraphBuilder, attr, decodeModel, modelMetadata } from '../../src/onnx/builder.js';
import { createSession, float32Tensor } from '../../src/runtime/onnx.js';

test('a built graph runs in onnxruntime and computes what it says', async () => {
  const g = new GraphBuilder('tiny');
  const x = g.input('x', [1, 4]);
  const w = g.constFloat([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 3, 0, 0, 0, 0, 4], [4, 4]);
  const y = g.op('MatMul', [x, w]);
  const z = g.op('LeakyRelu', [y], { alpha: attr.f(0.5) });
  g.node('Identity', [z], ['y']);
  g.output('y', [1, 4]);
  const bytes = g.build({ metadata: { standin: 'true' } });
  assert.equal(modelMetadata(decodeModel(bytes)).standin, 'true');
  const session = await createSession(bytes);
  const out = await session.run({ x: await float32Tensor(Float32Array.from([1, -1, 1, -1]), [1, 4]) });
  assert.deepEqual(Array.from(out.y.data as Float32Array), [1, -1, 3, -2]);
});
