import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli, standinPack, probeStreams, frameDifference } from '../helpers/cli.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';
import { meanFrameChange } from '../../src/pipeline/v2v.js';

const S13 = sharedPath('samples/source/s13.mp4');
const D0 = sharedPath('samples/driving/d0.mp4');
const skip = needsShared || needsFfmpeg;

function jitterOf(stdout: string): { smoothed: number; unsmoothed: number; ratio: number } {
  const m = /keypoint jitter \(mean frame-to-frame L2\): (\S+) smoothed, (\S+) unsmoothed \(ratio (\S+)\)/.exec(stdout);
  assert.ok(m, `jitter figure printed: ${stdout}`);
  return { smoothed: Number(m[1]), unsmoothed: Number(m[2]), ratio: Number(m[3]) };
}

test('meanFrameChange: mean L2 of consecutive differences', () => {
  const a = new Float32Array(63);
  const b = new Float32Array(63);
  b[0] = 3;
  b[1] = 4;
  assert.equal(meanFrameChange([a, b, a]), 5);
  assert.equal(meanFrameChange([a]), 0);
});

test('v2v: s13 driven by d0 — min frame count, source fps and size, source audio, smoothing reduces jitter', { skip }, async () => {
  const pack = await standinPack();
  const dir = await mkdtemp(join(tmpdir(), 'lp-v2v-'));
  const out = join(dir, 'v2v.mp4');
  const r = await runCli(['animate', '-s', S13, '-d', D0, '--models', pack, '-o', out, '--frames', '20', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const streams = probeStreams(out);
  const v = streams.find((s) => s.codec_type === 'video')!;
  assert.deepEqual([v.nb_read_frames, v.r_frame_rate, v.width, v.height], ['20', '25/1', 720, 1080], 'n = min(103, 78, 20) at the source fps, pasted into the source frames');
  assert.ok(streams.some((s) => s.codec_type === 'audio'), "d0 has no audio: the source video's audio is used");
  assert.ok(frameDifference(out, 0, 19) > 0.05, 'the result moves');
  const byDefault = jitterOf(r.stdout);
  const strong = join(dir, 'strong.mp4');
  const r2 = await runCli(['animate', '-s', S13, '-d', D0, '--models', pack, '-o', strong, '--frames', '20', '-q', '--smooth-variance', '3e-5']);
  assert.equal(r2.code, 0, r2.stderr);
  const smoothed = jitterOf(r2.stdout);
  console.log(`jitter, variance 3e-7 (default): ${byDefault.smoothed} vs ${byDefault.unsmoothed} unsmoothed, ratio ${byDefault.ratio}`);
  console.log(`jitter, variance 3e-5: ${smoothed.smoothed} vs ${smoothed.unsmoothed} unsmoothed, ratio ${smoothed.ratio}`);
  assert.equal(smoothed.unsmoothed, byDefault.unsmoothed, 'the same unsmoothed motion');
  assert.ok(byDefault.ratio <= 1, 'the default smoothing never adds jitter');
  assert.ok(smoothed.ratio < 0.9, `smoothing measurably reduces jitter: ratio ${smoothed.ratio}`);
  assert.ok(smoothed.ratio < byDefault.ratio, 'a larger observation variance smooths more');
});

test('v2v: a short source video limits the frame count; a driving image is refused', { skip }, async () => {
  const pack = await standinPack();
  const dir = await mkdtemp(join(tmpdir(), 'lp-v2v-'));
  const short = join(dir, 'short.mp4');
  const cut = spawnSync('ffmpeg', ['-v', 'error', '-i', S13, '-frames:v', '6', '-an', '-pix_fmt', 'yuv420p', short]);
  assert.equal(cut.status, 0, String(cut.stderr));
  const out = join(dir, 'short-out.mp4');
  const r = await runCli(['animate', '-s', short, '-d', D0, '--models', pack, '-o', out, '--no-pasteback', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const streams = probeStreams(out);
  const v = streams.find((s) => s.codec_type === 'video')!;
  assert.deepEqual([v.nb_read_frames, v.width, v.height], ['6', 512, 512], 'n = min(6, 78); the 512 render without paste-back');
  assert.equal(streams.some((s) => s.codec_type === 'audio'), false, 'neither input has audio');
  const r2 = await runCli(['animate', '-s', short, '-d', sharedPath('samples/driving/d8.jpg'), '--models', pack, '-o', join(dir, 'x.mp4'), '-q']);
  assert.notEqual(r2.code, 0);
  assert.match(r2.stderr, /driving video or a motion template, not an image/);
});
