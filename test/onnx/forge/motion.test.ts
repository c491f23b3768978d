import { test } from 'node:test';
import assert from 'node:assert/strict';
import { forgeModel } from '../../../src/onnx/forge/index.js';
import { loadModel } from '../../../src/models/session.js';
import { float32Tensor } from '../../../src/runtime/onnx.js';
import { SeededRandom } from '../../../src/onnx/random.js';
import { graphOf, opHistogram, summary, weightElements } from './helpers.js';

// Published size 28.12 M; the architecture appendix measures 28,118,728 (ConvNeXt-V2 tiny + 7 heads).
const M_PARAMETERS = 28_118_728;

const forged = forgeModel('motion', { seed: 11 });
const { graph } = graphOf(forged.bytes);

test('forged M has the exact parameter count, every one of them an initializer', () => {
  assert.equal(forged.parameterCount, M_PARAMETERS);
  assert.equal(weightElements(graph), M_PARAMETERS);
});

test('forged M uses the operators of the opset-16 export: 18 depthwise 7×7 convs, erf GELU, GRN, 7 Gemm heads', () => {
  const histogram = opHistogram(graph);
  assert.deepEqual(Object.keys(histogram), ['Add', 'Conv', 'Div', 'Erf', 'Gemm', 'MatMul', 'Mul', 'Pow', 'ReduceL2', 'ReduceMean', 'Sqrt', 'Sub', 'Transpose']);
  assert.equal(histogram.Gemm, 7);
  assert.equal(histogram.Erf, 18);
  assert.equal(histogram.ReduceL2, 18);
  assert.equal(histogram.MatMul, 36);
  const depthwise = (graph.node ?? []).filter((n) => n.opType === 'Conv' && (n.attribute ?? []).some((a) => a.name === 'group' && Number(a.i) > 1));
  assert.equal(depthwise.length, 18);
  assert.equal(histogram.Conv, 18 + 4);
});

test('forged M loads for the motion role, outputs in FasterLivePortrait order, finite values', async () => {
  const loaded = await loadModel('motion', { bytes: forged.bytes, label: forged.file });
  assert.deepEqual(loaded.session.outputNames, ['pitch', 'yaw', 'roll', 't', 'exp', 'scale', 'kp']);
  const img = new SeededRandom(4).uniformArray(3 * 256 * 256, 0, 1);
  const out = await loaded.session.run({ img: await float32Tensor(img, [1, 3, 256, 256]) });
  const widths = { pitch: 66, yaw: 66, roll: 66, t: 3, exp: 63, scale: 1, kp: 63 };
  for (const [name, width] of Object.entries(widths)) {
    assert.deepEqual(out[name].dims, [1, width], name);
    assert.equal(summary(out[name].data as Float32Array).nonFinite, 0, name);
  }
  assert.ok(summary(out.kp.data as Float32Array).std > 0.01);
});
