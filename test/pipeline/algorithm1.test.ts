/**
 * The driving keypoints handed to the generator for normalise-lip × {relative, absolute} ×
 * {no retargeting, eye, lip, both}, checked against values composed here from the original's branch
 * rules (`execute()` of its pipeline) with the pure math functions and the stand-in pack's MLPs; and
 * the source landmarks without the crop (`--no-crop`).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';
import { readImage } from '../../src/io/image-file.js';
import { createEngine, drivesAsImage, extractTemplate, type Engine } from '../../src/pipeline/run.js';
import { openDriver } from '../../src/pipeline/drivers.js';
import { prepareSource, type PreparedSource } from '../../src/pipeline/source.js';
import { resolveAnimateOptions } from '../../src/pipeline/options.js';
import { FrameAnimator, type DrivingSample } from '../../src/pipeline/animator.js';
import { MotionComposer, NEUTRAL_LIP_EXPRESSION, applyDrivingMultiplier } from '../../src/math/motion.js';
import { applyDelta, applyStitching, eyeRetargetInput, lipRetargetInput, stitchingInput } from '../../src/math/stitching.js';
import { eyeCloseRatios, lipCloseRatio } from '../../src/math/ratios.js';

const S6 = sharedPath('samples/source/s6.jpg');
const skip = needsShared;

interface Fixture {
  engine: Engine;
  source: PreparedSource;
  /** The same source prepared without normalise-lip. */
  plainSource: PreparedSource;
  driving: DrivingSample[];
}

let cached: Promise<Fixture> | undefined;
function fixture(): Promise<Fixture> {
  cached ??= (async () => {
    const engine = await createEngine({ models: await standinPack() });
    const crop = resolveAnimateOptions().crop;
    const source = await prepareSource(await readImage(S6), engine.models, engine.cropper, { crop, normalizeLip: true, label: 's6.jpg' });
    const plainSource = await prepareSource(await readImage(S6), engine.models, engine.cropper, { crop, label: 's6.jpg' });
    // Two driving frames (reference + one moved frame), with their eye/lip ratios, from two other portraits.
    const driving: DrivingSample[] = [];
    for (const [index, name] of ['s0.jpg', 's9.jpg'].entries()) {
      const d = await prepareSource(await readImage(sharedPath('samples/source', name)), engine.models, engine.cropper, { crop, pasteback: false });
      driving.push({ index, motion: d.motion, eyeRatios: d.eyeRatios, lipRatio: d.lipRatio });
    }
    return { engine, source, plainSource, driving };
  })();
  return cached;
}

const maxAbs = (a: ArrayLike<number>): number => Array.from(a).reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** The original's per-frame keypoints, written out branch by branch from its pipeline. */
async function originalKeypoints(
  { engine, source, driving }: Fixture,
  flags: { relative: boolean; eye: boolean; lip: boolean },
): Promise<Float32Array[]> {
  const mlp = engine.models.stitching;
  const xs = source.keypoints;
  const lmk = source.crop!.landmarks203!;
  const [cEyeL, cEyeR] = eyeCloseRatios(lmk);
  const cLip = lipCloseRatio(lmk);
  // Source side: flag_normalize_lip and flag_relative_motion and source_lmk is not None, and the
  // combined ratio's first value (the source lip ratio) at least lip_normalize_threshold 0.03.
  const lipBeforeAnimation = flags.relative && cLip >= 0.03 ? await mlp.retargetLip(lipRetargetInput(xs, cLip, 0)) : undefined;
  const composer = new MotionComposer({ ...source.motion, xs }, { relative: flags.relative, neutralExpression: NEUTRAL_LIP_EXPRESSION });
  const out: Float32Array[] = [];
  for (const d of driving) {
    let x = composer.compose(d.motion);
    if (!flags.eye && !flags.lip) {
      // with stitching, without retargeting: stitching(x_s, x_d) + lip_delta_before_animation
      x = applyStitching(x, await mlp.stitch(stitchingInput(xs, x)));
      if (lipBeforeAnimation) x = applyDelta(x, lipBeforeAnimation);
    } else {
      // retargeting branch: (relative ? x_s : x_d) + Δeyes + Δlip, then stitching; nothing else added
      x = flags.relative ? Float32Array.from(xs) : x;
      if (flags.eye) x = applyDelta(x, await mlp.retargetEye(eyeRetargetInput(xs, cEyeL, cEyeR, d.eyeRatios![0])));
      if (flags.lip) x = applyDelta(x, await mlp.retargetLip(lipRetargetInput(xs, cLip, d.lipRatio!)));
      x = applyStitching(x, await mlp.stitch(stitchingInput(xs, x)));
    }
    out.push(applyDrivingMultiplier(xs, x, 1));
  }
  return out;
}

test('normalise-lip × {relative, absolute} × {no retargeting, eye, lip, both}: the keypoints of the original branches', { skip }, async () => {
  const f = await fixture();
  assert.ok(f.source.crop?.landmarks203 && f.source.lipRatio! >= 0.03, `the s6 stand-in mouth is open (lip ratio ${f.source.lipRatio})`);
  assert.ok(f.source.lipNormalizeDelta && maxAbs(f.source.lipNormalizeDelta) > 0.1, 'the normalise-lip delta is large enough to tell the branches apart');
  const cases = [
    { relative: true, eye: false, lip: false, addsLipDelta: true },
    { relative: false, eye: false, lip: false, addsLipDelta: false },
    { relative: true, eye: true, lip: false, addsLipDelta: false },
    { relative: true, eye: false, lip: true, addsLipDelta: false },
    { relative: true, eye: true, lip: true, addsLipDelta: false },
    { relative: false, eye: true, lip: false, addsLipDelta: false },
    { relative: false, eye: false, lip: true, addsLipDelta: false },
    { relative: false, eye: true, lip: true, addsLipDelta: false },
  ];
  for (const c of cases) {
    const name = `${c.relative ? 'relative' : 'absolute'}, eye ${c.eye}, lip ${c.lip}`;
    const motion = resolveAnimateOptions({ motion: { normalizeLip: true, relative: c.relative, eyeRetargeting: c.eye, lipRetargeting: c.lip } }).motion;
    const animator = new FrameAnimator(f.source, f.engine.models, { motion });
    const expected = await originalKeypoints(f, c);
    for (const [i, sample] of f.driving.entries()) {
      const actual = await animator.drivingKeypoints(sample);
      assert.deepEqual(Array.from(actual), Array.from(expected[i]), `${name}, frame ${i}`);
    }
    // The same keypoints without normalise-lip differ by exactly the delta where the original adds it.
    const plain = new FrameAnimator(f.plainSource, f.engine.models, { motion: { ...motion, normalizeLip: false } });
    const without = await plain.drivingKeypoints(f.driving[0]);
    const withLip = await new FrameAnimator(f.source, f.engine.models, { motion }).drivingKeypoints(f.driving[0]);
    const diff = Array.from(withLip, (v, k) => v - without[k]);
    assert.equal(maxAbs(diff) > 0.1, c.addsLipDelta, `${name}: the lip delta is ${c.addsLipDelta ? '' : 'not '}added`);
    assert.equal(animator.warnings.some((w) => /--normalize-lip has no effect/.test(w)), !c.addsLipDelta, `${name}: says when normalise-lip does nothing`);
  }
});

test('--no-crop: the source landmarks come from the whole image (normalise-lip, retargeting), with no warning', { skip }, async () => {
  const { engine, source: cropped } = await fixture();
  const crop = resolveAnimateOptions({ crop: { crop: false }, output: { pasteback: false } }).crop;
  const image = await readImage(S6);
  const lip = await prepareSource(image, engine.models, engine.cropper, { crop, normalizeLip: true, pasteback: false, label: 's6.jpg' });
  assert.deepEqual(lip.warnings, []);
  assert.equal(lip.landmarks203?.length, 406);
  assert.deepEqual(Array.from(lip.landmarks203!), Array.from(cropped.crop!.landmarks203!), 'the same face and landmarks as with the crop (same full-size image)');
  assert.equal(lip.lipRatio, lipCloseRatio(lip.landmarks203!));
  assert.deepEqual(lip.eyeRatios, eyeCloseRatios(lip.landmarks203!));
  assert.ok(lip.lipNormalizeDelta && maxAbs(lip.lipNormalizeDelta) > 0.1, 'normalise-lip delta computed');
  const retarget = await prepareSource(image, engine.models, engine.cropper, { crop, ratios: true, pasteback: false, label: 's6.jpg' });
  assert.deepEqual(retarget.warnings, []);
  assert.ok(retarget.landmarks203 && retarget.lipRatio !== undefined && retarget.eyeRatios);
  assert.equal(retarget.lipNormalizeDelta, undefined, 'no normalise-lip delta unless asked for');
  const none = await prepareSource(image, engine.models, engine.cropper, { crop, pasteback: false });
  assert.equal(none.landmarks203, undefined, 'no landmark work when no feature needs it');
  const motion = resolveAnimateOptions({ motion: { lipRetargeting: true } }).motion;
  const animator = new FrameAnimator(retarget, engine.models, { motion });
  const xd = await animator.drivingKeypoints({ index: 0, motion: cropped.motion, eyeRatios: [0.3, 0.3], lipRatio: 0 });
  assert.equal(xd.length, 63);
  assert.deepEqual(animator.warnings, []);
});

test('animate --no-crop with --normalize-lip / --lip-retargeting: no warning, no error', { skip: needsShared || needsFfmpeg }, async () => {
  const pack = await standinPack();
  const dir = await mkdtemp(join(tmpdir(), 'lp-a1-'));
  for (const flag of ['--normalize-lip', '--lip-retargeting', '--eye-retargeting']) {
    const out = join(dir, `${flag.slice(2)}.png`);
    const r = await runCli(['animate', '-s', S6, '-d', sharedPath('samples/driving/d8.jpg'), '--models', pack, '-o', out, '--no-crop', '--no-pasteback', flag, '-q']);
    assert.equal(r.code, 0, `${flag}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n').filter((l) => l && !/WARNING: stand-in/.test(l));
    assert.deepEqual(lines, [], `${flag}: no warning`);
  }
});

test('a one-frame motion template drives like the image it was made from (the original treats it as a driving image)', { skip: needsShared || needsFfmpeg }, async () => {
  const { engine, plainSource } = await fixture();
  const dir = await mkdtemp(join(tmpdir(), 'lp-a1-'));
  const image = sharedPath('samples/driving/d8.jpg');
  const json = join(dir, 'd8.json');
  await extractTemplate(engine, { driving: image, output: json });
  const options = resolveAnimateOptions();
  const ctx = { models: engine.models, cropper: engine.cropper, crop: options.crop, needRatios: false };
  const fromImage = await openDriver(image, ctx);
  const fromTemplate = await openDriver(json, ctx);
  assert.equal(fromTemplate.kind, 'template');
  assert.equal(drivesAsImage(fromImage), true);
  assert.equal(drivesAsImage(fromTemplate), true, 'one frame: a still');
  const first = async (d: typeof fromImage): Promise<DrivingSample> => {
    for await (const s of d.samples()) return s;
    throw new Error('no sample');
  };
  const imageSample = await first(fromImage);
  const templateSample = await first(fromTemplate);
  const keypoints = (sample: DrivingSample, drivingIsImage: boolean) =>
    new FrameAnimator(plainSource, engine.models, { motion: options.motion, drivingIsImage }).drivingKeypoints(sample);
  const expected = await keypoints(imageSample, true);
  const actual = await keypoints(templateSample, drivesAsImage(fromTemplate));
  const asVideo = await keypoints(templateSample, false);
  const gap = (a: Float32Array, b: Float32Array) => maxAbs(Array.from(a, (v, k) => v - b[k]));
  assert.ok(gap(actual, expected) < 1e-5, `template ≈ image (float32 template values): ${gap(actual, expected)}`);
  assert.ok(gap(asVideo, expected) > 1e-3, `composed as a one-frame video it would differ: ${gap(asVideo, expected)}`);
  const multi = join(dir, 'd0.json');
  await extractTemplate(engine, { driving: sharedPath('samples/driving/d0.mp4'), output: multi, options: { output: { frames: 2 } } });
  assert.equal(drivesAsImage(await openDriver(multi, { ...ctx, maxFrames: 1 })), false, 'a longer template cut by --frames is still a video');
});
