/**
 * Every writing command refuses an output that is one of its inputs (same path, another spelling, a
 * symlink or a hard link), before any work, and leaves the input untouched. Also the --threads bound.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, linkSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsFfmpeg, needsShared, sharedPath } from '../helpers/shared.js';

const skip = needsShared || needsFfmpeg;

async function workspace(): Promise<{ dir: string; photo: string; video: string; clip: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'lp-same-'));
  const photo = join(dir, 'photo.jpg');
  const video = join(dir, 'drive.mp4');
  const clip = join(dir, 'clip.mp4');
  copyFileSync(sharedPath('samples/source/s6.jpg'), photo);
  copyFileSync(sharedPath('samples/driving/d0.mp4'), video);
  copyFileSync(sharedPath('samples/source/s13.mp4'), clip);
  return { dir, photo, video, clip };
}

async function expectRefused(args: string[], protectedFile: string): Promise<void> {
  const before = readFileSync(protectedFile);
  const pack = await standinPack();
  const r = await runCli([...args, '--models', pack, ...(args[0] === 'crop' ? [] : ['-q'])]);
  assert.notEqual(r.code, 0, `${args.join(' ')} must fail`);
  assert.match(r.stderr, /is also an input/, r.stderr);
  assert.doesNotMatch(r.stderr, /stand-in models in use/, 'refused before the models were loaded');
  assert.deepEqual(readFileSync(protectedFile), before, `${protectedFile} is untouched`);
}

test('edit, animate, template and crop refuse an output that is one of their inputs', { skip }, async () => {
  const { dir, photo, video, clip } = await workspace();
  await expectRefused(['edit', '-i', photo, '--smile', '1', '-o', photo], photo);
  await expectRefused(['edit', '-i', photo, '--smile', '1', '-o', join(dir, '.', 'sub', '..', 'photo.jpg')], photo);
  const ref = join(dir, 'ref.jpg');
  copyFileSync(photo, ref);
  await expectRefused(['edit', '-i', photo, '--from', ref, '-o', ref], ref);
  await expectRefused(['animate', '-i', photo, '-d', video, '-o', video], video);
  await expectRefused(['animate', '-s', clip, '-d', video, '-o', clip], clip);
  await expectRefused(['template', '-d', video, '-o', video], video);
  await expectRefused(['crop', '-i', photo, '-o', photo], photo);
});

test('hard links, symlinks, --concat outputs and frame patterns that cover an input are refused', { skip }, async () => {
  const { dir, photo, video } = await workspace();
  const hard = join(dir, 'hard.mp4');
  linkSync(video, hard);
  await expectRefused(['animate', '-i', photo, '-d', video, '-o', hard], video);
  await expectRefused(['template', '-d', video, '-o', hard], video);
  const soft = join(dir, 'soft.jpg');
  symlinkSync(photo, soft);
  await expectRefused(['edit', '-i', photo, '--smile', '1', '-o', soft], photo);
  mkdirSync(join(dir, 'linked'));
  symlinkSync(dir, join(dir, 'linked', 'up'));
  await expectRefused(['crop', '-i', photo, '-o', join(dir, 'linked', 'up', 'photo.jpg')], photo);
  // --concat writes {output}_concat.mp4 beside the output.
  const concatVictim = join(dir, 'out_concat.mp4');
  copyFileSync(video, concatVictim);
  await expectRefused(['animate', '-i', photo, '-d', concatVictim, '-o', join(dir, 'out.mp4'), '--concat'], concatVictim);
  // A frame pattern whose frames would overwrite the source.
  mkdirSync(join(dir, 'frames'));
  const frame1 = join(dir, 'frames', '0001.jpg');
  copyFileSync(photo, frame1);
  await expectRefused(['animate', '-i', frame1, '-d', video, '-o', join(dir, 'frames', '%04d.jpg')], frame1);
});

test('--threads is bounded by the cores present: warning up to 4x, error naming the flag above', { skip }, async () => {
  const cores = availableParallelism();
  const pack = await standinPack();
  const { dir, video } = await workspace();
  const tooMany = await runCli(['template', '-d', video, '-o', join(dir, 'm.json'), '--models', pack, '--threads', '100000']);
  assert.notEqual(tooMany.code, 0);
  assert.match(tooMany.stderr, /--threads/);
  assert.match(tooMany.stderr, /100000/);
  assert.match(tooMany.stderr, new RegExp(`between 0 and ${4 * cores}`));
  const bench = await runCli(['bench', '--threads', String(4 * cores + 1), '--models', pack]);
  assert.notEqual(bench.code, 0);
  assert.match(bench.stderr, /--threads/);
  const many = await runCli(['template', '-d', video, '-o', join(dir, 'm.json'), '--models', pack, '--threads', String(cores + 1), '--frames', '2', '-q']);
  assert.equal(many.code, 0, many.stderr);
  assert.match(many.stderr, new RegExp(`warning: --threads ${cores + 1} is more than the ${cores} cores`));
});
