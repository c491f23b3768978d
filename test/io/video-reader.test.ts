import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FfmpegNotFoundError, runFfmpeg } from '../../src/io/ffmpeg.js';
import { probeMedia } from '../../src/io/probe.js';
import { readRawFrames } from '../../src/io/raw-frames.js';
import { VideoReadError, openVideoReader, readVideoFrames } from '../../src/io/video-reader.js';
import { openVideoWriter } from '../../src/io/video-writer.js';
import { ffmpegChildren, makeRotatedVideo, makeTestVideo, needs, sample, tempDir } from './media-fixtures.js';

function digest(data: Uint8Array): string {
  return createHash('sha1').update(data).digest('hex');
}

test('every frame of a driving video is read, at the probed count, size and rate', { skip: needs({ shared: true, ffmpeg: true }) }, async () => {
  for (const name of ['d0.mp4', 'd19.mp4']) {
    const path = sample('driving', name);
    const info = await probeMedia(path);
    const reader = await openVideoReader(path);
    assert.equal(reader.expectedFrames, info.frameCount);
    let count = 0;
    let previous = '';
    let changes = 0;
    const distinct = new Set<string>();
    for await (const frame of reader) {
      assert.equal(frame.index, count);
      assert.ok(Math.abs(frame.timestamp - count / info.fps) < 1e-9);
      assert.equal(frame.image.width, info.width);
      assert.equal(frame.image.height, info.height);
      assert.equal(frame.image.data.length, info.width * info.height * 3);
      const h = digest(frame.image.data);
      if (h !== previous) changes++;
      previous = h;
      distinct.add(h);
      count++;
    }
    assert.equal(count, info.frameCount, name);
    // A talking head: nearly every decoded frame differs from the one before it.
    assert.ok(changes > 0.9 * count, `${name}: only ${changes} of ${count} frames changed`);
    assert.ok(distinct.size > 0.9 * count, `${name}: ${distinct.size} distinct frames of ${count}`);
  }
});

test('size, fps and maxFrames options resample, scale and stop early', { skip: needs({ shared: true, ffmpeg: true }) }, async () => {
  const path = sample('driving', 'd0.mp4'); // 78 frames at 25 fps
  const frames = [];
  for await (const f of readVideoFrames(path, { fps: 12.5, size: { width: 64, height: 48 } })) frames.push(f);
  assert.ok(Math.abs(frames.length - 39) <= 1, `${frames.length} frames at 12.5 fps`);
  assert.ok(frames.every((f) => f.image.width === 64 && f.image.height === 48));
  assert.equal(frames[3].timestamp, 3 / 12.5);
  let n = 0;
  for await (const f of readVideoFrames(path, { maxFrames: 5 })) n = f.index + 1;
  assert.equal(n, 5);
  const image = [];
  for await (const f of readVideoFrames(sample('source', 's6.jpg'))) image.push(f);
  assert.equal(image.length, 1);
  assert.equal(image[0].image.width, 725);
});

test('reading a 300-frame video with a slow consumer keeps memory bounded', { skip: needs({ ffmpeg: true }) }, async (t) => {
  const width = 640;
  const height = 480;
  const video = await makeTestVideo(join(tempDir(), 'long.mp4'), { width, height, frames: 300, fps: 30 });
  const before = process.memoryUsage().rss;
  let peak = before;
  let count = 0;
  for await (const frame of readVideoFrames(video)) {
    assert.equal(frame.image.data.length, width * height * 3);
    count++;
    // Slower than the decoder, so without backpressure the decoded frames would pile up in memory.
    await sleep(3);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const growthMb = (peak - before) / 2 ** 20;
  const allFramesMb = (300 * width * height * 3) / 2 ** 20;
  t.diagnostic(`RSS growth while reading 300 frames of ${width}x${height}: ${growthMb.toFixed(1)} MB (all frames would be ${allFramesMb.toFixed(0)} MB)`);
  assert.equal(count, 300);
  assert.ok(growthMb < 60, `RSS grew by ${growthMb.toFixed(1)} MB`);
});

test('leaving the loop early stops ffmpeg, and it is reaped', { skip: needs({ shared: true, ffmpeg: true, linux: true }) }, async () => {
  assert.deepEqual(ffmpegChildren(), []);
  let seen = 0;
  for await (const frame of readVideoFrames(sample('driving', 'd6.mp4'))) {
    seen = frame.index + 1;
    assert.equal(ffmpegChildren().length, 1, 'ffmpeg runs while frames are read');
    if (seen === 3) break;
  }
  assert.equal(seen, 3);
  // The generator's cleanup awaited ffmpeg's exit, so there is no process and no zombie left.
  assert.deepEqual(ffmpegChildren(), []);
});

test('aborting rejects with the abort reason and stops ffmpeg', { skip: needs({ shared: true, ffmpeg: true, linux: true }) }, async () => {
  const controller = new AbortController();
  let seen = 0;
  await assert.rejects(
    (async () => {
      for await (const frame of readVideoFrames(sample('driving', 'd6.mp4'), { signal: controller.signal })) {
        seen = frame.index + 1;
        if (seen === 2) controller.abort(new Error('stop now'));
      }
    })(),
    /stop now/,
  );
  assert.equal(seen, 2);
  assert.deepEqual(ffmpegChildren(), []);
});

test('a rotated video is read upright at its display size', { skip: needs({ ffmpeg: true }) }, async (t) => {
  const dir = tempDir();
  const plain = await makeTestVideo(join(dir, 'plain.mp4'), { width: 64, height: 48, frames: 4 });
  const rotated = await makeRotatedVideo(plain, join(dir, 'rotated.mp4'));
  if (!rotated) return t.skip('this ffmpeg cannot write a display rotation');
  const reader = await openVideoReader(rotated);
  assert.deepEqual([reader.width, reader.height], [48, 64]);
  let count = 0;
  for await (const f of reader) {
    assert.deepEqual([f.image.width, f.image.height], [48, 64]);
    count++;
  }
  assert.equal(count, 4);
});

test('a variable-frame-rate video comes out at a constant rate (frames repeated or dropped)', { skip: needs({ ffmpeg: true }) }, async () => {
  const path = join(tempDir(), 'vfr.mp4');
  // 20 frames at 30 fps then 20 at 10 fps; every testsrc frame is different.
  await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x48:rate=30', '-frames:v', '40', '-vf', "setpts='if(lt(N,20),N/30,20/30+(N-20)/10)/TB'", '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-vsync', 'vfr', path], 'vfr video');
  const reader = await openVideoReader(path);
  const hashes: string[] = [];
  for await (const f of reader) {
    assert.ok(Math.abs(f.timestamp - f.index / reader.fps) < 1e-9);
    hashes.push(digest(f.image.data));
  }
  let repeats = 0;
  for (let i = 1; i < hashes.length; i++) if (hashes[i] === hashes[i - 1]) repeats++;
  assert.ok(repeats >= 5, `the slow part is repeated to keep a constant rate (${repeats} repeats)`);
  assert.ok(new Set(hashes).size < 40, 'part of the fast section is dropped');
  assert.ok(Math.abs(hashes.length - reader.expectedFrames) <= 3, `${hashes.length} frames, ${reader.expectedFrames} expected`);
});

test('ffmpeg failures surface its stderr', { skip: needs({ ffmpeg: true }) }, async () => {
  const frames = readRawFrames(['-hide_banner', '-nostdin', '-v', 'error', '-f', 'lavfi', '-i', 'nosuchsource', '-f', 'rawvideo', 'pipe:1'], { label: 'lavfi:nosuchsource', width: 8, height: 8 });
  await assert.rejects(
    (async () => {
      for await (const _ of frames) assert.fail('no frame expected');
    })(),
    (err: unknown) => err instanceof VideoReadError && /cannot read video lavfi:nosuchsource: ffmpeg exited with code \d+\n {2}\S/.test(err.message) && err.stderrTail.length > 0,
  );
});

test("'latest' mode hands a slow consumer the newest frame and drops the rest", { skip: needs({ ffmpeg: true }) }, async () => {
  // -re paces testsrc in real time like a camera (50 fps), every frame different.
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', 'testsrc=size=32x24:rate=50', '-f', 'rawvideo', '-pix_fmt', 'rgb24', 'pipe:1'];
  const indices: number[] = [];
  for await (const f of readRawFrames(args, { label: 'live', width: 32, height: 24, mode: 'latest', maxFrames: 5 })) {
    indices.push(f.index);
    await sleep(100); // about 5 frames arrive meanwhile
  }
  assert.equal(indices.length, 5);
  const gaps = indices.slice(1).map((v, i) => v - indices[i]);
  assert.ok(gaps.every((g) => g >= 1));
  assert.ok(gaps.some((g) => g >= 3), `frames were dropped between reads: ${indices.join(',')}`);
});

test('a missing ffmpeg executable is reported as such', async () => {
  const saved = process.env.FFMPEG_PATH;
  process.env.FFMPEG_PATH = '/nonexistent/bin/ffmpeg';
  try {
    const frames = readRawFrames(['-i', 'x', 'pipe:1'], { label: 'x', width: 2, height: 2 });
    await assert.rejects(frames.next(), (err: unknown) => err instanceof FfmpegNotFoundError && /\/nonexistent\/bin\/ffmpeg was not found: install ffmpeg/.test(err.message));
    await assert.rejects(openVideoWriter('/tmp/never-written.mp4', { width: 2, height: 2, fps: 25 }), FfmpegNotFoundError);
  } finally {
    if (saved === undefined) delete process.env.FFMPEG_PATH;
    else process.env.FFMPEG_PATH = saved;
  }
});
