import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { forgeModel } from '../../../src/onnx/forge/index.js';
import { loadModel } from '../../../src/models/session.js';
import { float32Tensor } from '../../../src/runtime/onnx.js';
import { SeededRandom } from '../../../src/onnx/random.js';
import type { GraphProto } from '../../../src/onnx/builder.js';
import { readModelHeaderInfo } from '../../../src/onnx/model-metadata.js';
import { graphOf, opHistogram, summary, weightElements } from './helpers.js';

// Architecture appendix: W 45,529,829 (45.53 M), G 55,365,388 (55.37 M) PyTorch trainable parameters.
const W_PARAMETERS = 45_529_829;
const G_PARAMETERS = 55_365_388;
// W with its 13 BatchNorms folded (what the export holds); the fused export holds W folded + G.
const W_FOLDED_ELEMENTS = 45_523_073;
const FUSED_ELEMENTS = 100_888_461;

const SEED = 21;

function weightDigests(graph: GraphProto): Map<string, string> {
  const out = new Map<string, string>();
  for (const t of graph.initializer ?? []) {
    if (/^(const|shape|identity_grid)_\d+$/.test(t.name ?? '')) continue;
    out.set(t.name ?? '', createHash('sha1').update(t.rawData ?? new Uint8Array()).digest('hex'));
  }
  return out;
}

function attrsOf(graph: GraphProto, opType: string): Record<string, string>[] {
  return (graph.node ?? [])
    .filter((n) => n.opType === opType)
    .map((n) => Object.fromEntries((n.attribute ?? []).map((a) => [a.name ?? '', a.s?.length ? new TextDecoder().decode(a.s) : String(Number(a.i))])));
}

test('split W and G: exact parameter counts, folded-export initializer totals, role contracts', async () => {
  const w = forgeModel('warping', { seed: SEED });
  const g = forgeModel('spade_generator', { seed: SEED });
  assert.equal(w.parameterCount, W_PARAMETERS);
  assert.equal(g.parameterCount, G_PARAMETERS);
  const wGraph = graphOf(w.bytes).graph;
  const gGraph = graphOf(g.bytes).graph;
  assert.equal(weightElements(wGraph), W_FOLDED_ELEMENTS);
  assert.equal(weightElements(gGraph), G_PARAMETERS);

  // Two 5-D trilinear GridSamples (opset-16 'bilinear'), align_corners 0, zeros padding.
  assert.deepEqual(attrsOf(wGraph, 'GridSample'), [
    { align_corners: '0', mode: 'bilinear', padding_mode: 'zeros' },
    { align_corners: '0', mode: 'bilinear', padding_mode: 'zeros' },
  ]);
  const gHistogram = opHistogram(gGraph);
  assert.equal(gHistogram.InstanceNormalization, 16); // norm_s and norm_0 of each up block share one
  assert.equal(gHistogram.Resize, 18 + 2); // one segmentation-map resize per SPADE, two ×2 upsamplings
  assert.deepEqual(attrsOf(gGraph, 'DepthToSpace'), [{ blocksize: '2', mode: 'CRD' }]);

  const loadedW = await loadModel('warping', { bytes: w.bytes, label: w.file });
  assert.deepEqual(loadedW.session.inputNames, ['feature_3d', 'kp_source', 'kp_driving']);
  assert.deepEqual(loadedW.session.outputNames, ['out', 'occlusion_map', 'deformation']);
  await loadedW.session.release();
  const loadedG = await loadModel('spade_generator', { bytes: g.bytes, label: g.file });
  await loadedG.session.release();

  // The fused graph holds exactly the split graphs' weights for the same seed.
  const fusedGraph = graphOf(forgeModel('warping_spade', { seed: SEED }).bytes).graph;
  const expected = new Map([...weightDigests(wGraph), ...weightDigests(gGraph)]);
  assert.deepEqual(weightDigests(fusedGraph), expected);
});

test('fused warping_spade: parameter count, contract, and one CPU run gives a non-constant image in [0, 1]', async () => {
  const fused = forgeModel('warping_spade', { seed: SEED });
  assert.equal(fused.parameterCount, W_PARAMETERS + G_PARAMETERS);
  assert.equal(weightElements(graphOf(fused.bytes).graph), FUSED_ELEMENTS);

  assert.equal(readModelHeaderInfo(fused.bytes).metadata['liveportrait.forged'], 'true');
  const loaded = await loadModel('warping_spade', { bytes: fused.bytes, label: fused.file });
  const rng = new SeededRandom(5);
  const kpSource = rng.uniformArray(63, -0.6, 0.6);
  const kpDriving = kpSource.map((v) => v + rng.uniform(-0.05, 0.05));
  const out = await loaded.session.run({
    feature_3d: await float32Tensor(rng.normalArray(32 * 16 * 64 * 64, 1), [1, 32, 16, 64, 64]),
    kp_driving: await float32Tensor(kpDriving, [1, 21, 3]),
    kp_source: await float32Tensor(kpSource, [1, 21, 3]),
  });
  await loaded.session.release();
  assert.deepEqual(out.out.dims, [1, 3, 512, 512]);
  const s = summary(out.out.data as Float32Array);
  assert.equal(s.nonFinite, 0);
  assert.ok(s.min >= 0 && s.max <= 1, `range ${s.min}…${s.max}`);
  assert.ok(s.std > 0.01, `image std ${s.std}`);
});
