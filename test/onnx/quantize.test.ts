import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GraphBuilder, attr, decodeModel, modelMetadata, onnx } from '../../src/onnx/builder.js';
import { SeededRandom } from '../../src/onnx/random.js';
import { KEEP_CONV3D, keepInFp32, planQuantization, quantizeWeightPerChannel, QUANTIZED_METADATA } from '../../src/onnx/quantize/qdq.js';
import { percentileRange, RangeCollector, uint8Params } from '../../src/onnx/quantize/ranges.js';
import { buildQuantized, calibrateModel, checkQuantizedVariant, int8FileName, QuantizedVariantError } from '../../src/models/quantize.js';
import { createSession, float32Tensor } from '../../src/runtime/onnx.js';
import { findProfileFiles, readProviderReport } from '../../src/runtime/profile-file.js';
import { relativeL2 } from '../../src/math/compare.js';

/** x → Conv+Relu → Conv+Relu → Conv (last layer) → y: a tiny CNN with seeded weights. */
function tinyCnn(): Uint8Array {
  const rng = new SeededRandom(7);
  const g = new GraphBuilder('tiny-cnn');
  g.input('x', [1, 3, 32, 32]);
  let h = 'x';
  let cin = 3;
  for (const [i, cout] of [16, 16, 4].entries()) {
    const w = g.initializer(`conv${i}.weight`, rng.uniformArray(cout * cin * 9, -1 / Math.sqrt(cin * 3), 1 / Math.sqrt(cin * 3)), [cout, cin, 3, 3]);
    const b = g.initializer(`conv${i}.bias`, rng.uniformArray(cout, -0.1, 0.1), [cout]);
    h = g.op('Conv', [h, w, b], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) }, i === 2 ? 'y' : undefined);
    if (i < 2) h = g.op('Relu', [h]);
    cin = cout;
  }
  g.output('y', [1, 4, 32, 32]);
  return g.build({ opset: 16 });
}

async function inputs(n: number, seed: number) {
  const rng = new SeededRandom(seed);
  return Promise.all(Array.from({ length: n }, async () => ({ x: await float32Tensor(rng.uniformArray(3 * 32 * 32, 0, 1), [1, 3, 32, 32]) })));
}

test('ranges: percentile cuts the tails, min/max keeps them, zero is always representable', () => {
  const data = new Float32Array(10_000).map((_, i) => i / 10_000);
  data[0] = -50; // one outlier
  const p = percentileRange(data, 1e-3, -50, 1);
  assert.ok(p.lo > -1 && p.lo < 0.01, `low tail cut: ${p.lo}`);
  const c = new RangeCollector(1e-3);
  c.observe('t', data);
  c.observe('t', Float32Array.of(2, 0.5));
  assert.deepEqual(c.ranges('minmax').get('t'), { lo: -50, hi: 2 });
  const pr = c.ranges('percentile').get('t')!;
  assert.ok(pr.lo > -1 && pr.hi === 2, JSON.stringify(pr));
  assert.deepEqual(uint8Params({ lo: 0, hi: 2.55 }), { scale: Math.fround(0.01), zeroPoint: 0 });
  assert.equal(uint8Params({ lo: -1, hi: 1 }).zeroPoint, 128);
  assert.equal(uint8Params({ lo: 0.5, hi: 1 }).zeroPoint, 0, 'the range is widened to include 0');
});

test('per-channel weights: each output channel uses its own scale, max |w| maps to 127', () => {
  const w = Float32Array.of(1, -0.5, 0.25, 0.012, -0.02, 0.005);
  const { q, scales } = quantizeWeightPerChannel(w, [2, 3], 0);
  assert.deepEqual([...q], [127, -64, 32, 76, -127, 32]);
  assert.ok(Math.abs(scales[0] - 1 / 127) < 1e-9 && Math.abs(scales[1] - 0.02 / 127) < 1e-9);
});

test('QDQ: structure, metadata and integer kernels on a tiny CNN; output close to fp32', async () => {
  const fp32 = tinyCnn();
  const calibration = await calibrateModel(fp32, await inputs(4, 1));
  const plan = calibration.plan;
  assert.deepEqual(plan.targets.map((t) => t.node), ['Conv_0', 'Conv_2']);
  assert.deepEqual(plan.kept.map((k) => k.node), ['Conv_4'], 'the last conv stays fp32');
  assert.equal(plan.targets[0].output, plan.targets[1].activation, 'the Relu output between the convs is quantized once');
  const bytes = buildQuantized(calibration, 'minmax', { sourceSha256: 'a'.repeat(64), sourceFile: 'tiny.onnx', calibration: '4 random images' });
  const model = decodeModel(bytes);
  const nodes = model.graph!.node!;
  const count = (op: string) => nodes.filter((n) => n.opType === op).length;
  assert.equal(count('QuantizeLinear'), 3, 'x, relu0, relu1');
  assert.equal(count('DequantizeLinear'), 3 + 2 + 2, 'activations + two weights + two biases');
  const inits = new Map(model.graph!.initializer!.map((t) => [t.name!, t]));
  const DT = onnx.TensorProto.DataType;
  const weightDq = nodes.find((n) => n.opType === 'DequantizeLinear' && n.input![0].startsWith('conv0.weight'))!;
  assert.equal(inits.get(weightDq.input![0])!.dataType, DT.INT8);
  assert.deepEqual(inits.get(weightDq.input![1])!.dims!.map(Number), [16], 'one scale per output channel');
  assert.equal(Number(weightDq.attribute!.find((a) => a.name === 'axis')!.i), 0);
  const biasDq = nodes.find((n) => n.opType === 'DequantizeLinear' && n.input![0].startsWith('conv0.bias'))!;
  assert.equal(inits.get(biasDq.input![0])!.dataType, DT.INT32);
  assert.ok(!inits.has('conv0.weight') && inits.has('conv2.weight'), 'float weights dropped for quantized convs only');
  const meta = modelMetadata(model);
  assert.equal(meta[QUANTIZED_METADATA.precision], 'int8');
  assert.equal(meta[QUANTIZED_METADATA.sourceSha256], 'a'.repeat(64));
  assert.match(meta[QUANTIZED_METADATA.method], /minmax, 4 calibration runs/);
  assert.match(meta[QUANTIZED_METADATA.keptFp32], /Conv_4 \(last layer/);

  // onnxruntime fuses the QDQ pairs into integer kernels and the result stays close to fp32.
  const dir = mkdtempSync(join(tmpdir(), 'lp-quant-'));
  try {
    const prefix = join(dir, 'trace');
    const q = await createSession(bytes, { profile: true, profileFilePrefix: prefix });
    const f = await createSession(fp32);
    const held = await inputs(2, 99);
    for (const feed of held) {
      const a = (await f.run(feed)).y.data as Float32Array;
      const b = (await q.run(feed)).y.data as Float32Array;
      assert.ok(relativeL2(a, b) < 0.05, `int8 output within 5% of fp32: ${relativeL2(a, b)}`);
    }
    q.endProfiling();
    await Promise.all([q.release(), f.release()]);
    const ops = new Set(readProviderReport(findProfileFiles(prefix)[0]).nodes.map((n) => n.opType));
    assert.ok(ops.has('QLinearConv'), `integer conv kernels ran: ${[...ops].join(', ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  const kept = keepInFp32(plan, new Set(['Conv_2']), 'sensitive');
  assert.deepEqual(kept.targets.map((t) => t.node), ['Conv_0']);
  assert.deepEqual(kept.kept.map((k) => k.reason), [plan.kept[0].reason, 'sensitive']);
});

test('an int8 variant is refused when its recorded source hash is not the fp32 file', async () => {
  const calibration = await calibrateModel(tinyCnn(), await inputs(1, 3));
  const bytes = buildQuantized(calibration, 'percentile', { sourceSha256: 'b'.repeat(64), sourceFile: 'tiny.onnx', calibration: 'x' });
  checkQuantizedVariant(bytes, 'tiny.int8.onnx', 'b'.repeat(64), 'tiny.onnx');
  assert.throws(() => checkQuantizedVariant(bytes, 'tiny.int8.onnx', 'c'.repeat(64), 'tiny.onnx'), (e: unknown) => e instanceof QuantizedVariantError && /quantized from a different file/.test(e.message));
  assert.throws(() => checkQuantizedVariant(tinyCnn(), 'tiny.int8.onnx', 'b'.repeat(64), 'tiny.onnx'), /no int8 quantization metadata/);
  assert.equal(int8FileName('warping_spade.onnx'), 'warping_spade.int8.onnx');
});

test("keep 'Conv3d' leaves every 3-D conv in fp32 and names why", () => {
  const rng = new SeededRandom(3);
  const g = new GraphBuilder('conv3d');
  g.input('v', [1, 2, 4, 8, 8]);
  const w3 = g.initializer('c3.weight', rng.uniformArray(4 * 2 * 27, -0.2, 0.2), [4, 2, 3, 3, 3]);
  const a = g.op('Relu', [g.op('Conv', ['v', w3], { kernel_shape: attr.ints([3, 3, 3]), pads: attr.ints([1, 1, 1, 1, 1, 1]) })]);
  const flat = g.op('Reshape', [a, g.constInt64([1, 16, 8, 8])]);
  const w2 = g.initializer('c2.weight', rng.uniformArray(4 * 16 * 9, -0.2, 0.2), [4, 16, 3, 3]);
  const b = g.op('Relu', [g.op('Conv', [flat, w2], { kernel_shape: attr.ints([3, 3]), pads: attr.ints([1, 1, 1, 1]) })]);
  const w1 = g.initializer('c1.weight', rng.uniformArray(4 * 4, -0.2, 0.2), [4, 4, 1, 1]);
  g.op('Conv', [b, w1], { kernel_shape: attr.ints([1, 1]) }, 'out');
  g.output('out');
  const model = decodeModel(g.build({ opset: 16 }));
  assert.deepEqual(planQuantization(model).targets.map((t) => t.node), ['Conv_0', 'Conv_3']);
  const plan = planQuantization(model, { keep: [KEEP_CONV3D] });
  assert.deepEqual(plan.targets.map((t) => t.node), ['Conv_3']);
  assert.match(plan.kept.find((k) => k.node === 'Conv_0')!.reason, /3-D conv/);
});

test('convs with fewer output channels than minConvOutputChannels stay fp32, with the reason', () => {
  const model = decodeModel(tinyCnn());
  assert.deepEqual(planQuantization(model, { minConvOutputChannels: 16 }).targets.map((t) => t.node), ['Conv_0', 'Conv_2'], '16 output channels: quantized');
  const plan = planQuantization(model, { minConvOutputChannels: 17 });
  assert.deepEqual(plan.targets.map((t) => t.node), []);
  assert.match(plan.kept.find((k) => k.node === 'Conv_0')!.reason, /16 output channels: .*groups of 16/);
});

test('conv3dAs2d: a 3-D conv is quantized as a 2-D integer conv and stays close to fp32', async () => {
  const rng = new SeededRandom(5);
  const g = new GraphBuilder('volume');
  g.input('v', [1, 8, 6, 12, 12]);
  const w1 = g.initializer('a.weight', rng.uniformArray(16 * 8 * 27, -0.2, 0.2), [16, 8, 3, 3, 3]);
  const h = g.op('Relu', [g.op('Conv', ['v', w1, g.initializer('a.bias', rng.uniformArray(16, -0.1, 0.1), [16])], { kernel_shape: attr.ints([3, 3, 3]), pads: attr.ints([1, 1, 1, 1, 1, 1]) })]);
  const w2 = g.initializer('b.weight', rng.uniformArray(16 * 16 * 27, -0.2, 0.2), [16, 16, 3, 3, 3]);
  const h2 = g.op('Relu', [g.op('Conv', [h, w2], { kernel_shape: attr.ints([3, 3, 3]), pads: attr.ints([1, 1, 1, 1, 1, 1]) })]);
  const w3 = g.initializer('c.weight', rng.uniformArray(2 * 16, -0.2, 0.2), [2, 16, 1, 1, 1]);
  g.op('Conv', [h2, w3], { kernel_shape: attr.ints([1, 1, 1]) }, 'y');
  g.output('y');
  const fp32 = g.build({ opset: 16 });
  const feeds = async (n: number, seed: number) => {
    const r = new SeededRandom(seed);
    return Promise.all(Array.from({ length: n }, async () => ({ v: await float32Tensor(r.uniformArray(8 * 6 * 144, 0, 1), [1, 8, 6, 12, 12]) })));
  };
  const calibration = await calibrateModel(fp32, await feeds(3, 1), { conv3dAs2d: true });
  assert.equal(calibration.plan.targets.length, 2, 'both 3×3×3 convs (now 2-D) are quantized; the last one stays fp32');
  const bytes = buildQuantized(calibration, 'minmax', { sourceSha256: 'a'.repeat(64), sourceFile: 'volume.onnx', calibration: '3 random volumes' });
  // int8 initializers: the weights and their (1-D) zero points.
  const weights = decodeModel(bytes).graph!.initializer!.filter((t) => t.dataType === onnx.TensorProto.DataType.INT8 && t.dims!.length > 1);
  assert.deepEqual(weights.map((t) => t.dims!.length), [4, 4], 'int8 weights are 2-D conv weights [O, kd·C, kh, kw]');
  const dir = mkdtempSync(join(tmpdir(), 'lp-quant3d-'));
  try {
    const prefix = join(dir, 'trace');
    const q = await createSession(bytes, { profile: true, profileFilePrefix: prefix });
    const f = await createSession(fp32);
    for (const feed of await feeds(2, 9)) {
      const a = (await f.run(feed)).y.data as Float32Array;
      const b = (await q.run(feed)).y.data as Float32Array;
      assert.ok(relativeL2(a, b) < 0.05, `int8 output within 5% of fp32: ${relativeL2(a, b)}`);
    }
    q.endProfiling();
    await Promise.all([q.release(), f.release()]);
    const ops = readProviderReport(findProfileFiles(prefix)[0]).nodes.filter((n) => n.opType === 'QLinearConv');
    assert.equal(ops.length, 2, 'both ran as integer kernels');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
