import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TEMPLATE_FORMAT, TemplateError, TemplateWriter, readTemplate, writeTemplate, type MotionTemplate, type TemplateFrame } from '../../src/io/template.js';
import { needs, sample, tempDir } from './media-fixtures.js';

const TEMPLATE_DIR = sample('templates');

interface RawTemplate {
  n_frames: number;
  output_fps: number;
  motion: Record<string, { shape: number[]; data: number[] }>[];
  c_d_eyes_lst?: { shape: number[]; data: number[] }[];
  c_d_lip_lst?: { shape: number[]; data: number[] }[];
}

function syntheticFrame(i: number, withKp = false): TemplateFrame {
  const R = new Float64Array([Math.cos(i), -Math.sin(i), 0, Math.sin(i), Math.cos(i), 0, 0, 0, 1]);
  const exp = Float32Array.from({ length: 63 }, (_, k) => Math.sin(i * 63 + k) * 0.01);
  const t = Float32Array.from([0.01 * i, -0.02 * i, 0]);
  const frame: TemplateFrame = { scale: 1.1 + i * 0.001, R, exp, t };
  return withKp ? { ...frame, kp: Float32Array.from({ length: 63 }, (_, k) => k / 63 - 0.5), pitch: 1.5 * i, yaw: -2, roll: 0.25 } : frame;
}

function assertTemplatesEqual(a: MotionTemplate, b: MotionTemplate): void {
  assert.equal(a.fps, b.fps);
  assert.equal(a.frames.length, b.frames.length);
  a.frames.forEach((f, i) => {
    const g = b.frames[i];
    assert.equal(Math.fround(f.scale), Math.fround(g.scale), `frame ${i} scale`);
    assert.deepEqual(g.R, f.R, `frame ${i} R`);
    assert.deepEqual(g.exp, f.exp, `frame ${i} exp`);
    assert.deepEqual(g.t, f.t, `frame ${i} t`);
    assert.deepEqual(g.kp, f.kp, `frame ${i} kp`);
    for (const k of ['pitch', 'yaw', 'roll'] as const) assert.equal(g[k] === undefined ? undefined : Math.fround(g[k]), f[k] === undefined ? undefined : Math.fround(f[k]));
  });
  assert.deepEqual(b.eyeRatios?.map((r) => r.map(Math.fround)), a.eyeRatios?.map((r) => r.map(Math.fround)));
  assert.deepEqual(b.lipRatios?.map(Math.fround), a.lipRatios?.map(Math.fround));
}

test('every shared template reads with its frame count, fps, shapes and values', { skip: needs({ shared: true }) }, async () => {
  const files = readdirSync(TEMPLATE_DIR).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 10);
  for (const file of files) {
    const path = join(TEMPLATE_DIR, file);
    const raw = JSON.parse(readFileSync(path, 'utf8')) as RawTemplate;
    const template = await readTemplate(path);
    assert.equal(template.frames.length, raw.n_frames, file);
    assert.equal(template.fps, raw.output_fps, file);
    for (const frame of template.frames) {
      assert.ok(frame.R instanceof Float64Array && frame.R.length === 9);
      assert.ok(frame.exp instanceof Float32Array && frame.exp.length === 63);
      assert.ok(frame.t instanceof Float32Array && frame.t.length === 3);
      assert.ok(frame.scale > 0.5 && frame.scale < 3, `${file} scale ${frame.scale}`);
    }
    // Spot-check values against the file: last frame's rotation and expression.
    const last = raw.motion[raw.n_frames - 1];
    const rKey = 'R' in last ? 'R' : 'R_d';
    assert.deepEqual([...template.frames.at(-1)!.R], last[rKey].data, `${file} R`);
    assert.deepEqual([...template.frames.at(-1)!.exp], last.exp.data.map(Math.fround), `${file} exp`);
    if (raw.c_d_eyes_lst) {
      assert.equal(template.eyeRatios?.length, raw.n_frames);
      assert.deepEqual(template.eyeRatios?.[0], raw.c_d_eyes_lst[0].data);
      assert.equal(template.lipRatios?.[3], raw.c_d_lip_lst?.[3].data[0]);
    } else {
      assert.equal(template.eyeRatios, undefined, file);
      assert.equal(template.lipRatios, undefined, file);
    }
  }
});

test('a shared template survives write → read unchanged', { skip: needs({ shared: true }) }, async () => {
  const dir = tempDir();
  for (const name of ['d5.json', 'laugh.json']) {
    const original = await readTemplate(join(TEMPLATE_DIR, name));
    const copy = join(dir, name);
    await writeTemplate(copy, original);
    const json = JSON.parse(readFileSync(copy, 'utf8')) as { format: string; motion: Record<string, { shape: number[] }>[] };
    assert.equal(json.format, TEMPLATE_FORMAT);
    assert.deepEqual(json.motion[0].R.shape, [1, 3, 3]);
    assertTemplatesEqual(original, await readTemplate(copy));
  }
  assert.deepEqual(readdirSync(dir).sort(), ['d5.json', 'laugh.json'], 'no temporary files left');
});

test('the streaming writer produces the same template, and abort leaves nothing', async () => {
  const dir = tempDir();
  const template: MotionTemplate = {
    fps: 29.97,
    frames: Array.from({ length: 12 }, (_, i) => syntheticFrame(i, true)),
    eyeRatios: Array.from({ length: 12 }, (_, i) => [0.3 + i * 0.01, 0.31]),
    lipRatios: Array.from({ length: 12 }, (_, i) => 0.001 * i),
  };
  const path = join(dir, 'streamed.json');
  const writer = await TemplateWriter.open(path, { fps: template.fps });
  for (let i = 0; i < 12; i++) await writer.append(template.frames[i], { eyes: template.eyeRatios![i], lip: template.lipRatios![i] });
  assert.deepEqual(readdirSync(dir).filter((f) => f === 'streamed.json'), [], 'not at its path before finalize()');
  assert.deepEqual(await writer.finalize(), { path, frames: 12 });
  assertTemplatesEqual(template, await readTemplate(path));

  const whole = join(dir, 'whole.json');
  await writeTemplate(whole, template);
  assert.equal(readFileSync(whole, 'utf8'), readFileSync(path, 'utf8'), 'writeTemplate and TemplateWriter write the same bytes');

  const aborted = await TemplateWriter.open(join(dir, 'aborted.json'), { fps: 25 });
  await aborted.append(syntheticFrame(0));
  await aborted.abort();
  assert.deepEqual(readdirSync(dir).sort(), ['streamed.json', 'whole.json']);

  const mixed = await TemplateWriter.open(join(dir, 'mixed.json'), { fps: 25 });
  await mixed.append(syntheticFrame(0), { lip: 0.1 });
  await assert.rejects(mixed.append(syntheticFrame(1)), /ratios must be given for every frame or for none/);
  await assert.rejects(mixed.append({ ...syntheticFrame(2), exp: new Float32Array(60) }, { lip: 0.1 }), /frame 1: exp has 60 values, expected 63/);
  await mixed.abort();
});

test('wrong shapes and inconsistent files fail with errors naming file, frame and key', async () => {
  const dir = tempDir();
  const good = { shape: [1, 21, 3], data: Array(63).fill(0) };
  const frame = (over: Record<string, unknown> = {}) => ({ scale: { shape: [1, 1], data: [1.2] }, R_d: { shape: [1, 3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, exp: good, t: { shape: [1, 3], data: [0, 0, 0] }, ...over });
  const write = (name: string, json: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(json));
    return path;
  };
  const badShape = write('d5.json', { n_frames: 5, output_fps: 30, motion: [frame(), frame(), frame(), frame({ exp: { shape: [1, 20, 3], data: Array(60).fill(0) } }), frame()] });
  await assert.rejects(readTemplate(badShape), (err: unknown) => {
    assert.ok(err instanceof TemplateError);
    assert.equal(err.message, `template ${badShape} frame 3: exp has shape [1,20,3], expected [1,21,3]`);
    assert.equal(err.frame, 3);
    return true;
  });
  const cases: [unknown, RegExp][] = [
    [{ n_frames: 2, output_fps: 30, motion: [frame()] }, /n_frames is 2 but motion has 1 frames/],
    [{ n_frames: 1, output_fps: 30, motion: [frame({ R_d: undefined })] }, /frame 0: missing R \(or R_d\)/],
    [{ n_frames: 1, output_fps: 30, motion: [frame({ t: { shape: [1, 3], data: [0, 0] } })] }, /frame 0: t has 2 values, shape \[1,3\] needs 3/],
    [{ n_frames: 1, output_fps: 30, motion: [frame({ exp: [0, 1] })] }, /frame 0: exp must be an array object \{shape, data\}/],
    [{ n_frames: 1, output_fps: 0, motion: [frame()] }, /output_fps is 0, expected a frame rate above 0 and at most 1000/],
    [{ n_frames: 2, output_fps: 30, motion: [frame(), frame()], c_d_eyes_lst: [{ shape: [1, 2], data: [0.3, 0.3] }] }, /c_d_eyes_lst has 1 entries, expected 2/],
    [{ n_frames: 1, output_fps: 30, motion: [frame()], c_lip_lst: [{ shape: [1, 2], data: [0.3, 0.3] }] }, /frame 0: c_lip_lst has shape \[1,2\], expected \[1,1\]/],
    [{ format: 'other/thing@9', n_frames: 1, output_fps: 30, motion: [frame()] }, /unknown format 'other\/thing@9'/],
  ];
  for (const [json, pattern] of cases) await assert.rejects(readTemplate(write('case.json', json)), pattern);
  writeFileSync(join(dir, 'broken.json'), '{"motion": [');
  await assert.rejects(readTemplate(join(dir, 'broken.json')), /broken\.json: not valid JSON/);
  await assert.rejects(readTemplate(join(dir, 'absent.json')), /template file not found/);
  // Empty ratio lists (audio-made templates) count as absent.
  const empty = await readTemplate(write('empty.json', { n_frames: 1, output_fps: 25, motion: [frame()], c_eyes_lst: [], c_lip_lst: [] }));
  assert.equal(empty.eyeRatios, undefined);
});
