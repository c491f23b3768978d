import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsFfmpeg, needsShared, sharedPath } from '../helpers/shared.js';
import { readModelHeaderInfo } from '../../src/onnx/model-metadata.js';
import { QUANTIZED_METADATA } from '../../src/onnx/quantize/qdq.js';
import { sha256File } from '../../src/models/hash.js';
import type { QuantizeReport } from '../../src/pipeline/quantize.js';

const skip = needsShared || needsFfmpeg;
const S6 = sharedPath('samples/source/s6.jpg');
const S9 = sharedPath('samples/source/s9.jpg');
const D0 = sharedPath('samples/driving/d0.mp4');
const D12 = sharedPath('samples/driving/d12.jpg');

test('models quantize writes an int8 F with its report and provenance; animate --precision int8 uses it and refuses it once the fp32 file changes', { skip }, async () => {
  // A pack whose appearance extractor is a real-architecture graph (forged, random weights; 3 MB); other roles are stand-ins.
  const pack = await mkdtemp(join(tmpdir(), 'lp-quant-pack-'));
  const forged = await runCli(['models', 'forge', pack, '--roles', 'appearance', '--real', sharedPath('models')]);
  assert.equal(forged.code, 0, forged.stderr);
  const q = await runCli(['models', 'quantize', '--models', pack, '--roles', 'appearance', '--frames', '4', '--calibrate', S9, D0, '--json']);
  assert.equal(q.code, 0, q.stderr);
  const report = JSON.parse(q.stdout) as QuantizeReport;
  assert.deepEqual(JSON.parse(await readFile(join(pack, 'quantize-report.json'), 'utf8')), report, 'the report is kept in the pack');
  assert.equal(report.roles.length, 1);
  const f = report.roles[0];
  assert.equal(f.role, 'appearance');
  assert.equal(f.int8File, 'appearance_feature_extractor.int8.onnx');
  assert.ok(f.quantizedNodes > 10, `convs quantized: ${f.quantizedNodes}`);
  assert.ok(f.keptFp32.some((k) => /last layer/.test(k.reason)), 'the last layer stays fp32');
  assert.equal(f.tried.length, 2, 'min/max and percentile both measured');
  assert.ok(f.quality.featureRelL2Mean > 0 && f.quality.featureRelL2Mean < 0.5, `feature error measured: ${f.quality.featureRelL2Mean}`);
  assert.ok(f.speed.fp32Ms > 0 && f.speed.int8Ms > 0);
  assert.deepEqual([report.calibration.calibrationFrames, report.calibration.heldOutFrames], [3, 1]);
  // The pack's (stand-in) W+G renders the held-out frame from the fp32 and the int8 features.
  assert.equal(report.featureRender?.frames, 1);
  assert.ok(report.featureRender!.meanPsnrDb > 0, `render PSNR measured: ${report.featureRender!.meanPsnrDb}`);
  assert.equal(report.render, undefined, 'no W+G variant, so no int8-chain render');
  assert.match(report.caveat ?? '', /no trained weights/, 'forged weights are named as such');
  const fp32Path = join(pack, 'appearance_feature_extractor.onnx');
  const meta = readModelHeaderInfo(new Uint8Array(await readFile(join(pack, f.int8File)))).metadata;
  assert.equal(meta[QUANTIZED_METADATA.sourceSha256], await sha256File(fp32Path));
  assert.match(meta[QUANTIZED_METADATA.calibration], /s9\.jpg, d0\.mp4/);

  const dir = await mkdtemp(join(tmpdir(), 'lp-quant-out-'));
  const a = await runCli(['animate', '-i', S6, '-d', D12, '--models', pack, '-o', join(dir, 'int8.png'), '--precision', 'int8']);
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stderr.match(/precision int8: appearance run their int8 variants/g)?.length, 1, `said once: ${a.stderr}`);
  assert.ok(existsSync(join(dir, 'int8.png')));

  // Another fp32 file under the same name: the int8 variant no longer belongs to it.
  const other = await mkdtemp(join(tmpdir(), 'lp-quant-other-'));
  assert.equal((await runCli(['models', 'forge', other, '--roles', 'appearance', '--seed', '2'])).code, 0);
  await copyFile(join(other, 'appearance_feature_extractor.onnx'), fp32Path);
  const refused = await runCli(['animate', '-i', S6, '-d', D12, '--models', pack, '-o', join(dir, 'refused.png'), '--precision', 'int8']);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /quantized from a different file .* than .*appearance_feature_extractor\.onnx/);
  const fp32 = await runCli(['animate', '-i', S6, '-d', D12, '--models', pack, '-o', join(dir, 'fp32.png')]);
  assert.equal(fp32.code, 0, 'fp32 (the default) is unaffected');
});

test('--precision int8 on a pack without int8 variants runs fp32 and says so; a bad value names the allowed ones', { skip }, async () => {
  const pack = await standinPack();
  const dir = await mkdtemp(join(tmpdir(), 'lp-quant-none-'));
  const r = await runCli(['animate', '-i', S6, '-d', D12, '--models', pack, '-o', join(dir, 'a.png'), '--precision', 'int8']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no int8 variants .* every model runs in fp32/);
  const bad = await runCli(['animate', '-i', S6, '-d', D12, '--models', pack, '-o', join(dir, 'b.png'), '--precision', 'int4']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /int4.*fp32, int8|fp32, int8.*int4/);
});
