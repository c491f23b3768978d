import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { FORGED_DOC_STRING, forgeModel } from '../../../src/onnx/forge/index.js';
import { loadModel } from '../../../src/models/session.js';
import { float32Tensor } from '../../../src/runtime/onnx.js';
import { SeededRandom } from '../../../src/onnx/random.js';
import { needsShared, sharedPath } from '../../helpers/shared.js';
import { graphOf, initializerShapes, metadataOf, nodeSignatures, opHistogram, summary, weightElements } from './helpers.js';

// Published size 0.84 M; the architecture appendix measures 836,224 PyTorch trainable parameters.
const F_PARAMETERS = 836_224;

const forged = forgeModel('appearance', { seed: 11 });
const { model, graph } = graphOf(forged.bytes);

test('forged F has the exact PyTorch parameter count and the folded-export initializer total', () => {
  assert.equal(forged.parameterCount, F_PARAMETERS);
  // 12 BatchNorms folded into convs, 6 pre-activation BatchNorms kept with running mean and variance.
  assert.equal(weightElements(graph), 835_328);
  assert.equal(forged.file, 'appearance_feature_extractor.onnx');
});

test('forged F is marked as a forged stand-in and is deterministic in its seed', () => {
  const meta = metadataOf(model);
  assert.equal(meta['liveportrait.standin'], 'true');
  assert.equal(meta['liveportrait.forged'], 'true');
  assert.equal(model.docString, FORGED_DOC_STRING);
  assert.equal(Number(model.opsetImport?.[0]?.version), 16);
  assert.deepEqual(forgeModel('appearance', { seed: 11 }).bytes, forged.bytes);
  assert.notDeepEqual(forgeModel('appearance', { seed: 12 }).bytes, forged.bytes);
});

test('forged F matches the published export: operator histogram, initializer shapes, node-by-node wiring', { skip: needsShared }, () => {
  const real = graphOf(new Uint8Array(readFileSync(sharedPath('models', 'appearance_feature_extractor.onnx')))).graph;
  assert.deepEqual(opHistogram(graph), opHistogram(real));
  assert.deepEqual(initializerShapes(graph), initializerShapes(real));
  assert.deepEqual(nodeSignatures(graph), nodeSignatures(real));
});

test('forged F loads for the appearance role and gives a finite, non-constant feature volume', async () => {
  const loaded = await loadModel('appearance', { bytes: forged.bytes, label: forged.file });
  assert.equal(loaded.standin, true);
  const img = new SeededRandom(3).uniformArray(3 * 256 * 256, 0, 1);
  const out = await loaded.session.run({ img: await float32Tensor(img, [1, 3, 256, 256]) });
  assert.deepEqual(out.output.dims, [1, 32, 16, 64, 64]);
  const s = summary(out.output.data as Float32Array);
  assert.equal(s.nonFinite, 0);
  assert.ok(s.std > 0.05 && s.std < 100, `feature std ${s.std}`);
});
