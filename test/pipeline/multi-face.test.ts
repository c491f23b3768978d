import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsShared, needsFfmpeg, sharedPath } from '../helpers/shared.js';
import { groupPhoto, type GroupPhoto } from '../helpers/group-photo.js';
import { readImage } from '../../src/io/image-file.js';
import type { RgbImage } from '../../src/image/types.js';
import { createEngine, animateFile, type Engine } from '../../src/pipeline/run.js';
import { prepareFaces } from '../../src/pipeline/faces.js';
import { resolveAnimateOptions } from '../../src/pipeline/options.js';
import { facesLeftToRight, parseFaceSelection, selectFaces } from '../../src/face/select.js';
import { resizeToLimit } from '../../src/image/resize.js';
import type { Box } from '../../src/face/types.js';
import { OptionError } from '../../src/validate.js';
import { syntheticFace } from '../helpers/faces.js';

const skip = needsShared || needsFfmpeg;
const SRC = (name: string): string => sharedPath('samples/source', name);
const D8 = sharedPath('samples/driving/d8.jpg');
const D5 = sharedPath('samples/templates/d5.json');
const LAUGH = sharedPath('samples/templates/laugh.json');

interface Pictures {
  readonly dir: string;
  /** Two portraits side by side. */
  readonly pair: GroupPhoto;
  /** Two portraits, the second covering 30 % of the first: their paste-back masks overlap. */
  readonly overlap: GroupPhoto;
  /** Three portraits; the third face is small (under 64 px). */
  readonly trio: GroupPhoto;
}

let pictures: Promise<Pictures> | undefined;
function group(): Promise<Pictures> {
  pictures ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lp-faces-'));
    return {
      dir,
      pair: await groupPhoto(dir, 'pair', [SRC('s6.jpg'), SRC('s12.jpg')]),
      overlap: await groupPhoto(dir, 'overlap', [SRC('s6.jpg'), SRC('s12.jpg')], { overlap: 0.3 }),
      trio: await groupPhoto(dir, 'trio', [SRC('s6.jpg'), SRC('s5.jpg'), SRC('s0.jpg')]),
    };
  })();
  return pictures;
}

let engineP: Promise<Engine> | undefined;
function engine(): Promise<Engine> {
  engineP ??= (async () => createEngine({ models: await standinPack() }))();
  return engineP;
}

async function faceBoxes(path: string): Promise<Box[]> {
  const e = await engine();
  const image = resizeToLimit(await readImage(path), 1280, 2);
  return facesLeftToRight(await e.cropper.detectFaces(image)).map((f) => f.face.box);
}

/** Mean absolute difference of two images inside a box. */
function boxDifference(a: RgbImage, b: RgbImage, box: Box): number {
  let sum = 0, n = 0;
  for (let y = Math.max(0, Math.floor(box[1])); y < Math.min(a.height, Math.ceil(box[3])); y++) {
    for (let x = Math.max(0, Math.floor(box[0])); x < Math.min(a.width, Math.ceil(box[2])); x++) {
      for (let c = 0; c < 3; c++) {
        const i = (y * a.width + x) * 3 + c;
        sum += Math.abs(a.data[i] - b.data[i]);
        n++;
      }
    }
  }
  return sum / n;
}

async function tmp(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'lp-faces-'));
}

function lastLines(stderr: string): string[] {
  return stderr.trim().split('\n').filter((l) => l && !/WARNING: stand-in/.test(l));
}

test('face selection: left-to-right order, largest, indices, --min-face, parse errors', () => {
  const right = syntheticFace({ cx: 400, cy: 100, size: 120 });
  const left = syntheticFace({ cx: 100, cy: 100, size: 80 });
  const tiny = syntheticFace({ cx: 250, cy: 100, size: 30 });
  const detected = [right, left, tiny]; // as the detector gives them: largest first
  assert.deepEqual(facesLeftToRight(detected).map((f) => f.face), [left, tiny, right]);
  assert.deepEqual(selectFaces(detected, 'largest').faces.map((f) => [f.index, f.face]), [[2, right]], 'largest = the detector\'s first face');
  const all = selectFaces(detected, 'all', { minFace: 64, label: 'g.png' });
  assert.deepEqual(all.faces.map((f) => f.index), [0, 2]);
  assert.equal(all.warnings.length, 1);
  assert.match(all.warnings[0], /^face 1 \(30x36 px at 235,82\) in g\.png is smaller than --min-face 64 px: skipped$/);
  assert.deepEqual(selectFaces(detected, [2, 0]).faces.map((f) => f.face), [right, left], 'indices in the order given');
  assert.throws(() => selectFaces(detected, [3], { label: 'g.png' }), (e: unknown) => e instanceof OptionError && /below 3 \(faces found in g\.png, left to right/.test(e.message));
  assert.throws(() => selectFaces([tiny], 'all'), /no face of at least 64 px/);
  assert.deepEqual(parseFaceSelection('0, 2'), [0, 2]);
  assert.equal(parseFaceSelection('ALL'), 'all');
  assert.throws(() => parseFaceSelection('first'), (e: unknown) => e instanceof OptionError && /--faces but received 'first'/.test(e.message));
  assert.throws(() => parseFaceSelection('1,1'), /distinct/);
});

test('multi-face picture: the real YuNet finds every face, listed left to right by crop --list', { skip }, async () => {
  const p = await group();
  const pack = await standinPack();
  for (const [photo, count] of [[p.pair, 2], [p.overlap, 2], [p.trio, 3]] as const) {
    const r = await runCli(['crop', '-i', photo.path, '--list', '--models', pack]);
    assert.equal(r.code, 0, r.stderr);
    const rows = [...r.stdout.matchAll(/face (\d+) \((\d+)x(\d+) px at (-?\d+),(-?\d+)\)/g)].map((m) => m.slice(1).map(Number));
    assert.equal(rows.length, count, r.stdout);
    rows.forEach(([index, w, , x], k) => {
      assert.equal(index, k);
      const cx = x + w / 2;
      const tileEnd = k + 1 < photo.lefts.length ? photo.lefts[k + 1] : photo.width;
      assert.ok(cx > photo.lefts[k] && cx < tileEnd, `face ${k} (centre x ${cx}) lies in portrait ${k} [${photo.lefts[k]}, ${tileEnd})`);
    });
  }
});

test('library: faces all with one driver changes every face; the background outside all masks is bit-identical; overlapping masks paste in order', { skip }, async () => {
  const p = await group();
  const e = await engine();
  const dir = await tmp();
  const photo = p.overlap;
  const all = join(dir, 'all.png');
  const warnings: string[] = [];
  const result = await animateFile(e, { source: photo.path, driving: D8, output: all, options: { crop: { faces: 'all' } }, onWarning: (m) => warnings.push(m) });
  assert.equal(result.faces, 2, 'both faces animated');
  const second = join(dir, 'second.png');
  await animateFile(e, { source: photo.path, driving: D8, output: second, options: { crop: { faces: [1] } } });
  const source = resizeToLimit(await readImage(photo.path), 1280, 2);
  const out = await readImage(all);
  const only1 = await readImage(second);
  assert.deepEqual([out.width, out.height], [source.width, source.height]);
  const faces = await prepareFaces(source, e.models, e.cropper, { crop: resolveAnimateOptions({ crop: { faces: 'all' } }).crop });
  assert.equal(faces.sources.length, 2);
  const masks = faces.sources.map((s) => {
    const m = new Uint8Array(source.width * source.height);
    for (const px of s.pasteBack!.pixel) m[px] = 1;
    return m;
  });
  let overlapping = 0, outside = 0, differentOutside = 0, notInMask0 = 0, differentFrom1 = 0;
  for (let px = 0; px < masks[0].length; px++) {
    if (masks[0][px] && masks[1][px]) overlapping++;
    const same = (a: RgbImage, b: RgbImage): boolean => a.data[px * 3] === b.data[px * 3] && a.data[px * 3 + 1] === b.data[px * 3 + 1] && a.data[px * 3 + 2] === b.data[px * 3 + 2];
    if (!masks[0][px] && !masks[1][px]) {
      outside++;
      if (!same(out, source)) differentOutside++;
    }
    if (!masks[0][px]) {
      notInMask0++;
      if (!same(out, only1)) differentFrom1++;
    }
  }
  console.log(`overlap picture ${source.width}x${source.height}: ${overlapping} px under both masks, ${outside} px outside both`);
  assert.ok(overlapping > 1000, 'the two masks overlap (the test picture is what it should be)');
  assert.ok(outside > 1000);
  assert.equal(differentOutside, 0, 'pixels outside every mask are the source, bit for bit');
  assert.equal(differentFrom1, 0, `outside face 0's mask, all faces = face 1 alone (pasted one after another): ${differentFrom1} of ${notInMask0} differ`);
  for (const [k, s] of faces.sources.entries()) {
    const box = s.crop!.face.box;
    const d = boxDifference(out, source, box);
    console.log(`face ${k}: mean abs change in its box ${d.toFixed(2)}`);
    assert.ok(d > 1, `face ${k} is animated`);
  }
  assert.ok(boxDifference(only1, source, faces.sources[0].crop!.face.box) === 0, 'faces [1] leaves face 0 alone');
});

test('CLI: two drivers move two faces differently; mixed kinds; shorter drivers hold or loop; count mismatch and bad indices are one-line errors', { skip }, async () => {
  const p = await group();
  const pack = await standinPack();
  const dir = await tmp();
  const photo = p.pair;
  const [box0, box1] = await faceBoxes(photo.path);
  const t = JSON.parse(await readFile(LAUGH, 'utf8')) as { n_frames: number; motion: unknown[]; c_d_eyes_lst?: unknown[]; c_d_lip_lst?: unknown[] };
  const short = join(dir, 'short.json');
  await writeFile(short, JSON.stringify({ ...t, n_frames: 2, motion: t.motion.slice(0, 2), c_d_eyes_lst: t.c_d_eyes_lst?.slice(0, 2), c_d_lip_lst: t.c_d_lip_lst?.slice(0, 2) }));
  const run = async (name: string, args: string[]): Promise<RgbImage[]> => {
    const out = join(dir, name, '%02d.png');
    const r = await runCli(['animate', '-i', photo.path, '--faces', 'all', '--models', pack, '-o', out, '--frames', '4', '-q', ...args]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    const frames: RgbImage[] = [];
    for (let i = 1; existsSync(out.replace('%02d', String(i).padStart(2, '0'))); i++) frames.push(await readImage(out.replace('%02d', String(i).padStart(2, '0'))));
    return frames;
  };
  const one = await run('one', ['-d', D5]);
  const two = await run('two', ['-d', D5, '-d', short]);
  const looped = await run('looped', ['-d', D5, '-d', short, '--loop-drivers']);
  const mixed = await run('mixed', ['-d', D5, '-d', D8]);
  for (const frames of [one, two, looped, mixed]) assert.equal(frames.length, 4, 'the first driver sets the frame count');
  for (let i = 0; i < 4; i++) {
    assert.equal(boxDifference(one[i], two[i], box0), 0, `frame ${i}: face 0 follows the first driver in both runs`);
    assert.equal(boxDifference(two[i], mixed[i], box0), 0, `frame ${i}: face 0 follows the first driver whatever the second is`);
  }
  const moved = boxDifference(one[3], two[3], box1);
  console.log(`face 1, frame 3, one driver vs its own driver: ${moved.toFixed(2)}`);
  assert.ok(moved > 0.5, 'face 1 follows its own driver');
  assert.ok(boxDifference(two[0], two[3], box0) > 0, 'face 0 moves over the frames (d5)');
  assert.equal(boxDifference(two[2], two[3], box1), 0, 'the 2-frame driver holds its last frame');
  assert.ok(boxDifference(two[1], two[2], box0) > 0, 'while the first driver goes on');
  assert.equal(boxDifference(looped[2], looped[0], box1), 0, '--loop-drivers: frame 2 is the short driver\'s frame 0 again');
  assert.ok(boxDifference(looped[2], two[2], box1) > 0, 'looping differs from holding');
  assert.equal(boxDifference(mixed[0], mixed[3], box1), 0, 'an image driver holds its one frame');

  const pair = photo.path;
  const cases: [string[], RegExp][] = [
    [['-i', pair, '--faces', 'all', '-d', D5, '-d', D5, '-d', D8], /2 faces were chosen \(--faces all\) but 3 drivers were given \(-d\)/],
    [['-i', pair, '-d', D5, '-d', D8], /1 face was chosen \(--faces largest\) but 2 drivers were given/],
    [['-i', pair, '--faces', '0,5', '-d', D5], /face indices below 2 \(faces found in pair\.png, left to right/],
    [['-i', pair, '--faces', 'some', '-d', D5], /--faces but received 'some'/],
    [['-i', pair, '--faces', '1', '--face-index', '0', '-d', D5], /alias of --faces/],
  ];
  for (const [args, pattern] of cases) {
    const r = await runCli(['animate', ...args, '--models', pack, '-o', join(dir, 'never.mp4'), '-q']);
    assert.notEqual(r.code, 0, args.join(' '));
    const lines = lastLines(r.stderr);
    assert.equal(lines.length, 1, `one line for ${args.join(' ')}: ${r.stderr}`);
    assert.match(lines[0], pattern);
  }
  assert.equal(existsSync(join(dir, 'never.mp4')), false);

  // --face-index N is --faces N; a face under --min-face is skipped with a warning naming it.
  const viaAlias = join(dir, 'alias.png');
  const viaFaces = join(dir, 'faces.png');
  assert.equal((await runCli(['animate', '-i', pair, '--face-index', '1', '-d', D8, '--models', pack, '-o', viaAlias, '-q'])).code, 0);
  assert.equal((await runCli(['animate', '-i', pair, '--faces', '1', '-d', D8, '--models', pack, '-o', viaFaces, '-q'])).code, 0);
  assert.deepEqual(await readFile(viaAlias), await readFile(viaFaces));
  const trio = await runCli(['animate', '-i', p.trio.path, '--faces', 'all', '-d', D8, '-d', D8, '--models', pack, '-o', join(dir, 'trio.png'), '-q']);
  assert.equal(trio.code, 0, trio.stderr);
  assert.match(trio.stderr, /warning: face 2 \(\d+x\d+ px at \d+,\d+\) in trio\.png is smaller than --min-face 64 px: skipped/);
});

test('--driving-face picks one face of a driving video with two people and follows it', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const left = join(dir, 'left.mp4');
  const right = join(dir, 'right.mp4');
  const both = join(dir, 'both.mp4');
  const cut = (input: string, out: string) =>
    spawnSync('ffmpeg', ['-v', 'error', '-i', input, '-vf', 'scale=320:320,fps=25', '-frames:v', '4', '-an', '-pix_fmt', 'yuv420p', out]).status;
  assert.equal(cut(sharedPath('samples/driving/d0.mp4'), left), 0);
  assert.equal(cut(sharedPath('samples/driving/d6.mp4'), right), 0);
  const stack = spawnSync('ffmpeg', ['-v', 'error', '-i', left, '-i', right, '-filter_complex', 'hstack', '-pix_fmt', 'yuv420p', both]);
  assert.equal(stack.status, 0, String(stack.stderr));
  const render = async (name: string, args: string[]): Promise<RgbImage> => {
    const out = join(dir, name, '%02d.png');
    const r = await runCli(['animate', '-i', SRC('s6.jpg'), '--models', pack, '-o', out, '--no-pasteback', '-q', ...args]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    return readImage(out.replace('%02d', '04'));
  };
  const whole: Box = [0, 0, 512, 512];
  const face0 = await render('face0', ['-d', both, '--driving-face', '0']);
  const face1 = await render('face1', ['-d', both, '--driving-face', '1']);
  const alone0 = await render('alone0', ['-d', left, '--crop-driving', 'on']);
  const alone1 = await render('alone1', ['-d', right, '--crop-driving', 'on']);
  const d = (a: RgbImage, b: RgbImage): number => boxDifference(a, b, whole);
  console.log(`driving-face 0 vs 1: ${d(face0, face1).toFixed(2)}; driving-face 0 vs left alone ${d(face0, alone0).toFixed(2)}, vs right alone ${d(face0, alone1).toFixed(2)}; driving-face 1 vs right ${d(face1, alone1).toFixed(2)}, vs left ${d(face1, alone0).toFixed(2)}`);
  assert.ok(d(face0, face1) > 0.05, 'the two driving faces give different results');
  assert.ok(d(face0, alone0) < d(face0, alone1), '--driving-face 0 follows the left person');
  assert.ok(d(face1, alone1) < d(face1, alone0), '--driving-face 1 follows the right person');
  const r = await runCli(['animate', '-i', SRC('s6.jpg'), '-d', both, '--driving-face', '2', '--models', pack, '-o', join(dir, 'x.mp4'), '-q']);
  assert.notEqual(r.code, 0);
  assert.match(lastLines(r.stderr)[0], /--driving-face below 2 \(faces in the driver's first frame, left to right\) but received 2/);
});

test('video-to-video with two faces: each follows its driver through the video; a face that leaves the frame is left untouched', { skip }, async () => {
  const pack = await standinPack();
  const dir = await tmp();
  const video = join(dir, 'two.mp4');
  // s13 (a video) beside s6 (a still); the right face is covered on frames 3 and 4.
  const make = spawnSync('ffmpeg', [
    '-v', 'error', '-i', sharedPath('samples/source/s13.mp4'), '-loop', '1', '-i', SRC('s6.jpg'), '-filter_complex',
    "[0:v]crop=540:540:90:0,scale=480:480,setsar=1[a];[1:v]scale=480:480,setsar=1[b];[a][b]hstack,drawbox=x=480:y=0:w=480:h=480:color=gray:t=fill:enable='between(n,3,4)'",
    '-frames:v', '6', '-an', '-pix_fmt', 'yuv420p', '-r', '25', video,
  ]);
  assert.equal(make.status, 0, String(make.stderr));
  const run = async (name: string, args: string[]): Promise<RgbImage[]> => {
    const out = join(dir, name, '%02d.png');
    const r = await runCli(['animate', '-s', video, '--models', pack, '-o', out, '-q', ...args]);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, /\(6 frames at 25 fps\)/);
    return Promise.all([1, 2, 3, 4, 5, 6].map((i) => readImage(out.replace('%02d', String(i).padStart(2, '0')))));
  };
  const both = await run('both', ['--faces', 'all', '-d', D5, '-d', LAUGH]);
  const left = await run('left', ['--faces', '0', '-d', D5]);
  const right = await run('right', ['--faces', '1', '-d', LAUGH]);
  const leftHalf: Box = [0, 0, 480, 480];
  const rightHalf: Box = [480, 0, 960, 480];
  for (let i = 0; i < 6; i++) {
    const hidden = i === 3 || i === 4;
    // Outside the other face's half the renders are the same as with that face alone (masks do not reach across here).
    assert.equal(boxDifference(both[i], left[i], [0, 0, 400, 480]), 0, `frame ${i}: the left face follows d5 as when animated alone`);
    if (hidden) {
      assert.equal(boxDifference(both[i], left[i], rightHalf), 0, `frame ${i}: the covered right face is left untouched`);
    } else {
      assert.ok(boxDifference(both[i], left[i], rightHalf) > 1, `frame ${i}: the right face is animated`);
      assert.equal(boxDifference(both[i], right[i], [560, 0, 960, 480]), 0, `frame ${i}: the right face follows laugh as when animated alone`);
    }
  }
  assert.ok(boxDifference(both[0], both[5], leftHalf) > 0, 'the left face moves over the video');
  const r = await runCli(['animate', '-s', video, '--faces', 'all', '-d', D5, '--no-pasteback', '--models', pack, '-o', join(dir, 'x.mp4'), '-q']);
  assert.notEqual(r.code, 0);
  assert.match(lastLines(r.stderr)[0], /several faces pastes each face back/);
});
