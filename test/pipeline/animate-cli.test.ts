import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, writeFile, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { CLI, runCli, standinPack, probeStreams, frameDifference } from '../helpers/cli.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';
import { readImage } from '../../src/io/image-file.js';

const skip = needsShared || needsFfmpeg;
const S6 = sharedPath('samples/source/s6.jpg');
const D0 = sharedPath('samples/driving/d0.mp4');
const D3 = sharedPath('samples/driving/d3.mp4');

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lp-anim-'));
}

test('animate: s6 driven by d0 gives an mp4 with the driving frame count, fps and audio layout, and motion', { skip }, async () => {
  const pack = await standinPack();
  const out = join(await tmp(), 'out.mp4');
  const r = await runCli(['animate', '-i', S6, '--driving', D0, '--models', pack, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /stand-in models in use/);
  const streams = probeStreams(out);
  const driving = probeStreams(D0);
  const v = streams.find((s) => s.codec_type === 'video')!;
  const dv = driving.find((s) => s.codec_type === 'video')!;
  assert.equal(v.nb_read_frames, dv.nb_read_frames, 'frame count matches the driving video');
  assert.equal(v.r_frame_rate, dv.r_frame_rate, 'fps matches the driving video');
  assert.equal(v.codec_name, 'h264');
  assert.equal(v.pix_fmt, 'yuv420p');
  assert.equal(streams.some((s) => s.codec_type === 'audio'), driving.some((s) => s.codec_type === 'audio'), 'audio stream iff the driver has one');
  const source = await readImage(S6);
  assert.equal(v.width, source.width - (source.width % 2), 'pasted back into the full source (even size)');
  const diff = frameDifference(out, 0, 40);
  console.log(`mean abs difference frame 0 vs 40: ${diff.toFixed(2)} grey levels`);
  assert.ok(diff > 0.05, `frames differ (motion propagated): ${diff}`);
  // Lossless frames of the render make the motion check exact (no codec noise).
  const seq = join(await tmp(), '%03d.png');
  const r2 = await runCli(['animate', '-i', S6, '--driving', D0, '--models', pack, '-o', seq, '--frames', '41', '--no-pasteback', '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  const first = await readImage(seq.replace('%03d', '001'));
  const last = await readImage(seq.replace('%03d', '041'));
  let changed = 0;
  for (let i = 0; i < first.data.length; i++) if (first.data[i] !== last.data[i]) changed++;
  console.log(`render pixels changed between frame 1 and 41: ${((100 * changed) / first.data.length).toFixed(1)}%`);
  assert.ok(changed / first.data.length > 0.05, 'the render moves with the driver');
});

test('animate: a driver with audio gives an output with the audio, --frames limits, --concat and --no-pasteback', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const out = join(dir, 'with-audio.mp4');
  const r = await runCli(['animate', '-i', S6, '-d', D3, '--models', pack, '-o', out, '--frames', '12', '--concat', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const streams = probeStreams(out);
  assert.ok(streams.some((s) => s.codec_type === 'audio'), 'audio muxed from the driving video');
  assert.equal(streams.find((s) => s.codec_type === 'video')!.nb_read_frames, '12');
  assert.equal(streams.find((s) => s.codec_type === 'video')!.r_frame_rate, '30/1');
  const concat = probeStreams(join(dir, 'with-audio_concat.mp4')).find((s) => s.codec_type === 'video')!;
  assert.deepEqual([concat.width, concat.height, concat.nb_read_frames], [1536, 512, '12']);
  const crop = join(dir, 'crop.mp4');
  const r2 = await runCli(['animate', '-i', S6, '-d', D0, '--models', pack, '-o', crop, '--frames', '5', '--no-pasteback', '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  const cv = probeStreams(crop).find((s) => s.codec_type === 'video')!;
  assert.deepEqual([cv.width, cv.height, cv.nb_read_frames], [512, 512, '5']);
});

test('animate: image driving writes an image; template driving replays a template without the video', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const png = join(dir, 'still.png');
  const r = await runCli(['animate', '-i', S6, '-d', sharedPath('samples/driving/d8.jpg'), '--models', pack, '-o', png, '-q']);
  assert.equal(r.code, 0, r.stderr);
  const img = await readImage(png);
  const src = await readImage(S6);
  assert.equal(img.width, src.width - (src.width % 2));
  const tpl = join(dir, 'tpl.mp4');
  const r2 = await runCli(['animate', '-i', S6, '-d', sharedPath('samples/templates/d5.json'), '--models', pack, '-o', tpl, '--frames', '20', '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  const v = probeStreams(tpl).find((s) => s.codec_type === 'video')!;
  assert.equal(v.nb_read_frames, '20');
  assert.equal(v.r_frame_rate, '30/1', "the template's output_fps");
  assert.ok(frameDifference(tpl, 0, 19) > 0.2, 'template motion moves the face');
});

test('animate: every region and --no-relative run end to end and give different results', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const sums = new Map<string, string>();
  for (const variant of [['--region', 'all'], ['--region', 'exp'], ['--region', 'pose'], ['--region', 'lip'], ['--region', 'eyes'], ['--no-relative']]) {
    const out = join(dir, `${variant.join('').replace(/-/g, '')}.png`);
    const r = await runCli(['animate', '-i', S6, '-d', sharedPath('samples/templates/d5.json'), '--models', pack, '-o', out.replace('.png', '-%02d.png'), '--frames', '3', '-q', ...variant]);
    assert.equal(r.code, 0, `${variant.join(' ')}: ${r.stderr}`);
    const frames = (await readdir(dir)).filter((f) => f.startsWith(variant.join('').replace(/-/g, ''))).sort();
    assert.equal(frames.length, 3, `${variant.join(' ')} wrote 3 frames: ${frames.join(', ')}`);
    sums.set(variant.join(' '), (await readFile(join(dir, frames[2]))).toString('base64'));
  }
  assert.equal(new Set(sums.values()).size, sums.size, 'each mode renders differently');
});

test('a run killed midway leaves no file at the target path', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const out = join(dir, 'killed.mp4');
  const child = spawn(process.execPath, [CLI, 'animate', '-i', S6, '-d', sharedPath('samples/driving/d6.mp4'), '--models', pack, '-o', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => {
    child.stderr.on('data', (d: Buffer) => {
      if (/animate: \d+/.test(d.toString())) resolve();
    });
    child.on('close', () => resolve());
  });
  child.kill('SIGKILL');
  await new Promise((r) => child.on('close', r));
  assert.equal(existsSync(out), false, 'nothing at the target path after SIGKILL');
  const sig = join(dir, 'interrupted.mp4');
  const child2 = spawn(process.execPath, [CLI, 'animate', '-i', S6, '-d', sharedPath('samples/driving/d6.mp4'), '--models', pack, '-o', sig], { stdio: ['ignore', 'ignore', 'pipe'] });
  await new Promise<void>((resolve) => {
    child2.stderr.on('data', (d: Buffer) => /animate: \d+/.test(d.toString()) && resolve());
    child2.on('close', () => resolve());
  });
  child2.kill('SIGINT');
  const code = await new Promise((r) => child2.on('close', r));
  assert.equal(code, 130);
  assert.deepEqual((await readdir(dir)).filter((f) => f.includes('interrupted')), [], 'Ctrl-C removes the partial output too');
});

test('bad input: one clear line and a non-zero exit', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const out = join(dir, 'never.mp4');
  const bogus = join(dir, 'broken.mp4');
  await writeFile(bogus, 'this is not a video');
  const blank = join(dir, 'blank.mp4');
  spawnSync('ffmpeg', ['-v', 'error', '-f', 'lavfi', '-i', 'color=c=gray:s=256x256:d=1', '-r', '10', '-pix_fmt', 'yuv420p', blank]);
  const badTemplate = join(dir, 'bad.json');
  const t = JSON.parse(await readFile(sharedPath('samples/templates/d5.json'), 'utf8')) as { motion: { exp: { shape: number[]; data: number[] } }[] };
  t.motion[3].exp = { shape: [1, 20, 3], data: t.motion[3].exp.data.slice(0, 60) };
  await writeFile(badTemplate, JSON.stringify(t));
  const cases: [string[], RegExp][] = [
    [['-i', join(dir, 'missing.jpg'), '-d', D0], /missing\.jpg/],
    [['-i', S6, '-d', bogus], /broken\.mp4 is not a readable video/],
    [['-i', S6, '-d', blank], /no face found in frame 0 of blank\.mp4/],
    [['-i', S6, '-d', badTemplate], /frame 3: exp has shape \[1,20,3\], expected \[1,21,3\]/],
    [['-i', S6, '-d', D0, '--multiplier', '-2'], /multiplier/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(['animate', ...args, '--models', pack, '-o', out, '-q']);
    assert.notEqual(r.code, 0, args.join(' '));
    const lines = r.stderr.trim().split('\n').filter((l) => !/WARNING: stand-in/.test(l));
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], pattern);
    assert.equal(existsSync(out), false);
  }
});

test('template: extracts motion from a driving video and animate replays it', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const json = join(dir, 'motion.json');
  const r = await runCli(['template', '-d', D0, '-o', json, '--models', pack, '--frames', '10', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(await readFile(json, 'utf8')) as { n_frames: number; output_fps: number; motion: unknown[]; c_eyes_lst?: unknown[] };
  assert.equal(t.n_frames, 10);
  assert.equal(t.output_fps, 25);
  assert.equal(t.motion.length, 10);
  const out = join(dir, 'replay.mp4');
  const r2 = await runCli(['animate', '-i', S6, '-d', json, '--models', pack, '-o', out, '-q']);
  assert.equal(r2.code, 0, r2.stderr);
  assert.equal(probeStreams(out).find((s) => s.codec_type === 'video')!.nb_read_frames, '10');
});
