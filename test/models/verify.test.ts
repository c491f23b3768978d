import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPackDirectory, assertRequiredPresent, MissingModelsError } from '../../src/models/pack-dir.js';
import { verifyPack } from '../../src/models/verify.js';
import { loadModel, ModelSignatureError, ModelLoadError } from '../../src/models/session.js';
import { needsShared, sharedPath } from '../helpers/shared.js';

test('verify on the real files reports them real by hash and the absent roles missing', { skip: needsShared }, async () => {
  const pack = await openPackDirectory(sharedPath('models'));
  const reports = await verifyPack(pack);
  const byFile = new Map(reports.map((r) => [r.entry.file, r.status]));
  for (const f of ['appearance_feature_extractor.onnx', 'stitching.onnx', 'stitching_eye.onnx', 'stitching_lip.onnx', 'yunet_n_640_640.onnx', 'scrfd_2.5g_bnkps.onnx']) {
    assert.equal(byFile.get(f), 'real', f);
  }
  for (const f of ['motion_extractor.onnx', 'warping_spade.onnx', 'landmark.onnx']) assert.equal(byFile.get(f), 'missing', f);
  await assert.rejects(assertRequiredPresent(pack), (err: Error) => err instanceof MissingModelsError && /motion_extractor\.onnx/.test(err.message) && /warping_spade\.onnx/.test(err.message));
});

test('a file with the right name but the wrong content is a hash mismatch', { skip: needsShared }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-verify-'));
  try {
    await copyFile(sharedPath('models', 'stitching_lip.onnx'), join(dir, 'stitching.onnx'));
    const reports = await verifyPack(await openPackDirectory(dir));
    assert.equal(reports.find((r) => r.entry.file === 'stitching.onnx')?.status, 'hash-mismatch');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('loading a model for the wrong role names the file and the mismatch', { skip: needsShared }, async () => {
  const file = sharedPath('models', 'stitching_lip.onnx');
  await assert.rejects(loadModel('stitching', file), (err: Error) => err instanceof ModelSignatureError && err.message.includes('stitching_lip.onnx') && /input 'input' has shape \[1,65\], expected \[1,126\]/.test(err.message));
});

test('a corrupt or missing model file gives a load error naming it', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-verify-'));
  try {
    const p = join(dir, 'motion_extractor.onnx');
    await writeFile(p, 'not onnx');
    await assert.rejects(loadModel('motion', p), (err: Error) => err instanceof ModelLoadError && err.message.includes(p));
    await assert.rejects(loadModel('motion', join(dir, 'nope.onnx')), /file not found/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
