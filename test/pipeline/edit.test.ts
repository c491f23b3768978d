import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, standinPack, probeStreams } from '../helpers/cli.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';
import { readImage } from '../../src/io/image-file.js';
import { createEngine, type Engine } from '../../src/pipeline/run.js';
import { prepareSource, type PreparedSource } from '../../src/pipeline/source.js';
import { resolveAnimateOptions } from '../../src/pipeline/options.js';
import { editKeypoints } from '../../src/pipeline/edit.js';
import { EDIT_CONTROL_NAMES, EDIT_VARIANT_NAMES, EDIT_VARIANTS, type EditControlName } from '../../src/math/editing.js';

const S6 = sharedPath('samples/source/s6.jpg');
const skip = needsShared || needsFfmpeg;

let cached: Promise<{ engine: Engine; source: PreparedSource }> | undefined;
function prepared(): Promise<{ engine: Engine; source: PreparedSource }> {
  cached ??= (async () => {
    const engine = await createEngine({ models: await standinPack() });
    const source = await prepareSource(await readImage(S6), engine.models, engine.cropper, { crop: resolveAnimateOptions().crop, label: 's6.jpg' });
    return { engine, source };
  })();
  return cached;
}

function changedRows(a: ArrayLike<number>, b: ArrayLike<number>): number[] {
  const rows: number[] = [];
  for (let r = 0; r < 21; r++) {
    if (a[r * 3] !== b[r * 3] || a[r * 3 + 1] !== b[r * 3 + 1] || a[r * 3 + 2] !== b[r * 3 + 2]) rows.push(r);
  }
  return rows;
}

test('edit: zero controls hand the generator the source keypoints; each expression control moves exactly its rows', { skip: needsShared }, async () => {
  const { engine, source } = await prepared();
  const none = await editKeypoints(source, engine.models, {}, { stitching: false });
  assert.deepEqual(Array.from(none), Array.from(source.keypoints), 'no edit = x_s');
  const zeros = await editKeypoints(source, engine.models, { smile: 0, pitch: 0, aaa: 0, scale: 1, sourceRatio: 1 }, { stitching: false });
  assert.deepEqual(Array.from(zeros), Array.from(source.keypoints), 'neutral values = x_s');
  let checked = 0;
  for (const variant of EDIT_VARIANT_NAMES) {
    for (const name of EDIT_CONTROL_NAMES) {
      const def = EDIT_VARIANTS[variant].controls[name];
      if (!def || def.exp.length === 0 || def.angles.length > 0) continue;
      for (const value of [def.max, def.min].filter((v) => v !== 0)) {
        const sign = value > 0 ? 'positive' : 'negative';
        const expected = [...new Set(def.exp.filter((t) => t.when === undefined || t.when === sign).map((t) => t.row))].sort((a, b) => a - b);
        const xd = await editKeypoints(source, engine.models, { [name]: value }, { variant, stitching: false });
        assert.deepEqual(changedRows(xd, source.keypoints), expected, `${variant} ${name}=${value}`);
        checked++;
      }
    }
  }
  assert.ok(checked >= 20, `checked ${checked} control settings`);
});

test('edit: pose, zoom, retargeting targets and stitching change the keypoints as a whole', { skip: needsShared }, async () => {
  const { engine, source } = await prepared();
  const all = Array.from({ length: 21 }, (_, r) => r);
  for (const name of ['pitch', 'yaw', 'roll', 'scale'] as EditControlName[]) {
    const value = name === 'scale' ? 1.1 : 10;
    const xd = await editKeypoints(source, engine.models, { [name]: value }, { stitching: false });
    assert.deepEqual(changedRows(xd, source.keypoints), all, `${name} moves every keypoint`);
  }
  // The 'comfyui' wink also turns the head a little (roll and yaw −0.1·wink).
  assert.deepEqual(changedRows(await editKeypoints(source, engine.models, { wink: 10 }, { stitching: false }), source.keypoints), all);
  assert.deepEqual(changedRows(await editKeypoints(source, engine.models, { wink: 10 }, { variant: 'gradio', stitching: false }), source.keypoints), [3, 11, 13, 17]);
  const eyes = await editKeypoints(source, engine.models, { eyesOpen: 0.05 }, { stitching: false });
  assert.ok(changedRows(eyes, source.keypoints).length > 0, 'the eye retargeting network moves keypoints');
  const lips = await editKeypoints(source, engine.models, { lipOpen: 0.6 }, { stitching: false });
  assert.notDeepEqual(Array.from(lips), Array.from(eyes));
  const stitched = await editKeypoints(source, engine.models, { smile: 1 });
  const unstitched = await editKeypoints(source, engine.models, { smile: 1 }, { stitching: false });
  assert.notDeepEqual(Array.from(stitched), Array.from(unstitched), 'stitching applied by default');
  await assert.rejects(editKeypoints(source, engine.models, { blink: 3 }, { variant: 'gradio' }), /blink is not available in the gradio variant/);
});

test('edit CLI: writes an image, --frames 5 writes a 5-frame mp4, an out-of-range value is one line naming the range', { skip }, async () => {
  const pack = await standinPack();
  const dir = await mkdtemp(join(tmpdir(), 'lp-edit-'));
  const png = join(dir, 'smile.png');
  const r = await runCli(['edit', '-i', S6, '--smile', '1', '--pupil-x', '10', '--zoom', '1.05', '--models', pack, '-o', png]);
  assert.equal(r.code, 0, r.stderr);
  const out = await readImage(png);
  const src = await readImage(S6);
  assert.deepEqual([out.width, out.height], [src.width - (src.width % 2), src.height - (src.height % 2)], 'pasted back into the source');
  const mp4 = join(dir, 'clip.mp4');
  const r2 = await runCli(['edit', '-i', S6, '--aaa', '60', '--variant', 'gradio', '--pout', '0.05', '--frames', '5', '--models', pack, '-o', mp4, '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  const v = probeStreams(mp4).find((s) => s.codec_type === 'video')!;
  assert.deepEqual([v.nb_read_frames, v.r_frame_rate], ['5', '25/1']);
  const bad = join(dir, 'never.png');
  for (const [args, pattern] of [
    [['--pitch', '30'], /between -20 and 20 for --pitch/],
    [['--variant', 'gradio', '--pupil-y', '70'], /between -63 and 63 for --pupil-y/],
    [['--zoom', '2'], /between 0.9 and 1.2 for --zoom/],
  ] as [string[], RegExp][]) {
    const rb = await runCli(['edit', '-i', S6, ...args, '--models', pack, '-o', bad, '-q']);
    assert.notEqual(rb.code, 0, args.join(' '));
    const lines = rb.stderr.trim().split('\n');
    assert.equal(lines.length, 1, rb.stderr);
    assert.match(lines[0], pattern);
  }
  assert.equal(existsSync(bad), false);
});
