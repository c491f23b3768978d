import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readY4mHeader, videoToY4m } from '../../src/io/y4m.js';
import { makeTestVideo, needs, sample, tempDir } from './media-fixtures.js';

test('a driving video converts to a 4:2:0 .y4m with the asked size, rate and frame count', { skip: needs({ shared: true, ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const dst = join(dir, 'fake-camera.y4m');
  const header = await videoToY4m(sample('driving', 'd0.mp4'), dst, { width: 320, height: 240, fps: 25, maxFrames: 20 });
  const line = readFileSync(dst).subarray(0, 80).toString('latin1').split('\n')[0];
  assert.match(line, /^YUV4MPEG2 W320 H240 F25:1 Ip A1:1 C420/);
  assert.deepEqual([header.width, header.height, header.fps, header.frames], [320, 240, [25, 1], 20]);
  assert.ok(header.colorspace.startsWith('420'));
  // Every frame is 'FRAME\n' + Y (320·240) + U and V (160·120 each), and nothing else follows.
  const bytes = readFileSync(dst);
  const frameBytes = 6 + 320 * 240 * 1.5;
  assert.equal(bytes.length, header.headerBytes + 20 * frameBytes);
  for (let i = 0; i < 20; i++) {
    const at = header.headerBytes + i * frameBytes;
    assert.equal(bytes.subarray(at, at + 6).toString('latin1'), 'FRAME\n', `frame ${i} marker`);
  }
  assert.deepEqual(readdirSync(dir), ['fake-camera.y4m']);
});

test('without options the whole video is kept at its size and rate', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const src = await makeTestVideo(join(dir, 'clip.mp4'), { width: 48, height: 32, frames: 12, fps: 30 });
  await videoToY4m(src, join(dir, 'clip.y4m'));
  const header = await readY4mHeader(join(dir, 'clip.y4m'));
  assert.deepEqual([header.width, header.height, header.fps, header.frames], [48, 32, [30, 1], 12]);
  await assert.rejects(videoToY4m(src, join(dir, 'odd.y4m'), { width: 47, height: 32 }), /even width and height/);
});
