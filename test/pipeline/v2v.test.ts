import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli, standinPack, probeStreams, frameDifference } from '../helpers/cli.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';
import { meanFrameChange, animateVideoToVideo } from '../../src/pipeline/v2v.js';
import { createEngine } from '../../src/pipeline/run.js';
import { resolveAnimateOptions, type MotionOptions } from '../../src/pipeline/options.js';
import { openDriver } from '../../src/pipeline/drivers.js';
import { openVideoReader } from '../../src/io/video-reader.js';
import { resizeToLimit } from '../../src/image/resize.js';
import { eyeCloseRatios, lipCloseRatio } from '../../src/math/ratios.js';
import { applyDelta, eyeRetargetInput, lipRetargetInput } from '../../src/math/stitching.js';
import { applyDrivingMultiplier } from '../../src/math/motion.js';

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

/**
 * Video-to-video with normalise-lip, source-video eye retargeting and eye retargeting: the keypoints
 * handed to the generator against the original's per-source-frame rules, computed here from each
 * source frame's own landmarks with the pure math functions and the stand-in pack's MLPs.
 */
test('v2v: normalise-lip per source frame (relative only), source-video eyes from the first source frame, eye retargeting with the driver ratios', { skip }, async () => {
  const engine = await createEngine({ models: await standinPack() });
  const dir = await mkdtemp(join(tmpdir(), 'lp-v2v-'));
  const frames = 2;
  const run = async (motion: Partial<MotionOptions>, name: string): Promise<{ xs: Float32Array[]; xd: Float32Array[]; warnings: string[] }> => {
    const xs: Float32Array[] = [];
    const xd: Float32Array[] = [];
    const warnings: string[] = [];
    const options = resolveAnimateOptions({ motion, output: { frames, pasteback: false } });
    await animateVideoToVideo(
      engine,
      { source: S13, driving: D0, output: join(dir, name, '%02d.png'), onWarning: (w) => warnings.push(w), onKeypoints: (i, s, d) => ((xs[i] = s), (xd[i] = d)) },
      options,
    );
    assert.equal(xd.length, frames);
    return { xs, xd, warnings };
  };
  // Each source frame's ratios, from its own crop's landmarks (as pass 1 crops it).
  const crop = resolveAnimateOptions().crop;
  const sourceRatios: { eyes: [number, number]; lip: number }[] = [];
  for await (const frame of (await openVideoReader(S13, { maxFrames: frames })).frames()) {
    const c = await engine.cropper.cropSource(resizeToLimit(frame.image, crop.maxDim, 2));
    sourceRatios.push({ eyes: eyeCloseRatios(c.landmarks203!), lip: lipCloseRatio(c.landmarks203!) });
  }
  const drivingRatios: { eyes: readonly number[]; lip: number }[] = [];
  const driver = await openDriver(D0, { models: engine.models, cropper: engine.cropper, crop, needRatios: true, maxFrames: frames });
  for await (const s of driver.samples()) drivingRatios.push({ eyes: s.eyeRatios!, lip: s.lipRatio! });
  const mlp = engine.models.stitching;
  const close = (a: ArrayLike<number>, b: ArrayLike<number>, what: string): void => {
    for (let k = 0; k < 63; k++) assert.ok(Math.abs(a[k] - b[k]) < 2e-6, `${what}: value ${k}: ${a[k]} vs ${b[k]}`);
  };
  const ignored = (w: string[]): boolean => w.some((m) => /ignores|no effect/.test(m));

  const plain = await run({}, 'plain');
  const lip = await run({ normalizeLip: true }, 'lip');
  assert.equal(ignored(lip.warnings), false, lip.warnings.join('; '));
  let largest = 0;
  for (let i = 0; i < frames; i++) {
    const r = sourceRatios[i];
    assert.ok(r.lip >= 0.03, `source frame ${i} mouth open (${r.lip})`);
    const delta = await mlp.retargetLip(lipRetargetInput(plain.xs[i], r.lip, 0));
    largest = Math.max(largest, ...Array.from(delta, Math.abs));
    close(lip.xd[i], applyDelta(plain.xd[i], delta), `normalise-lip, frame ${i}`);
  }
  assert.ok(largest > 0.1, `the lip delta shows (${largest})`);

  const absolute = await run({ relative: false }, 'abs');
  const absoluteLip = await run({ relative: false, normalizeLip: true }, 'abs-lip');
  assert.deepEqual(absoluteLip.xd.map((x) => Array.from(x)), absolute.xd.map((x) => Array.from(x)), 'no lip normalisation with absolute motion');

  const eyes = await run({ sourceEyeRetargeting: true }, 'source-eyes');
  const first = sourceRatios[0].eyes;
  const target = (first[0] + first[1]) / 2 < 0.18 ? 0.39 : (first[0] + first[1]) / 2;
  for (let i = 0; i < frames; i++) {
    const delta = await mlp.retargetEye(eyeRetargetInput(plain.xs[i], sourceRatios[i].eyes[0], sourceRatios[i].eyes[1], target));
    close(eyes.xd[i], applyDelta(plain.xd[i], delta), `source-video eyes, frame ${i}`);
  }

  const retarget = await run({ eyeRetargeting: true, stitching: false }, 'eye');
  const retargetLip = await run({ eyeRetargeting: true, stitching: false, normalizeLip: true, sourceEyeRetargeting: true }, 'eye-lip');
  assert.equal(ignored(retarget.warnings), false, retarget.warnings.join('; '));
  for (let i = 0; i < frames; i++) {
    const xs = retarget.xs[i];
    const delta = await mlp.retargetEye(eyeRetargetInput(xs, sourceRatios[i].eyes[0], sourceRatios[i].eyes[1], drivingRatios[i].eyes[0]));
    assert.deepEqual(Array.from(retarget.xd[i]), Array.from(applyDrivingMultiplier(xs, applyDelta(xs, delta), 1)), `eye retargeting = x_s + Δeyes, frame ${i}`);
  }
  assert.deepEqual(retargetLip.xd.map((x) => Array.from(x)), retarget.xd.map((x) => Array.from(x)), 'the retargeting branch adds no before-animation delta');
  await engine.release();
});
