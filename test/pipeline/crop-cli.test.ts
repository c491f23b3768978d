import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, standinPack } from '../helpers/cli.js';
import { needsShared, sharedPath } from '../helpers/shared.js';
import { readImage, writeImage } from '../../src/io/image-file.js';
import { createRgbImage } from '../../src/image/types.js';

test('crop --debug writes the 512 crop with the landmarks drawn', { skip: needsShared }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-crop-'));
  const plain = join(dir, 'plain.png');
  const debug = join(dir, 'debug.png');
  assert.equal((await runCli(['crop', '-i', sharedPath('samples/source/s0.jpg'), '-o', plain, '--models', await standinPack()])).code, 0);
  const r = await runCli(['crop', '-i', sharedPath('samples/source/s0.jpg'), '-o', debug, '--debug', '--models', await standinPack()]);
  assert.equal(r.code, 0, r.stderr);
  const a = await readImage(plain);
  const b = await readImage(debug);
  assert.deepEqual([b.width, b.height], [512, 512]);
  let green = 0;
  for (let i = 0; i < a.data.length; i += 3) if (b.data[i + 1] === 255 && b.data[i] === 0 && a.data[i + 1] !== 255) green++;
  assert.ok(green > 10, `landmark dots drawn (${green} green pixels)`);
});

test('a picture with no face and a corrupt image each give one clear line and no output file', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'lp-crop-'));
  const blank = join(dir, 'blank.png');
  const gray = createRgbImage(320, 240);
  gray.data.fill(128);
  await writeImage(blank, gray);
  const corrupt = join(dir, 'corrupt.jpg');
  await writeFile(corrupt, Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5]));
  for (const [input, pattern] of [
    [blank, /no face found in blank\.png/],
    [corrupt, /cannot read image .*corrupt\.jpg: not a supported or intact image/],
  ] as const) {
    const out = join(dir, 'out.png');
    const r = await runCli(['crop', '-i', input, '-o', out, '--models', await standinPack()]);
    assert.notEqual(r.code, 0);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], pattern);
    assert.equal(existsSync(out), false);
  }
});
