import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRgbImage, type RgbImage } from '../../src/image/types.js';
import { captureOutput, ffprobePath } from '../../src/io/ffmpeg.js';
import { FrameSequenceWriter, formatFramePath, isFrameSequencePattern } from '../../src/io/frame-sequence.js';
import { openFrameSink } from '../../src/io/frame-sink.js';
import { readImage } from '../../src/io/image-file.js';
import { probeMedia } from '../../src/io/probe.js';
import { readVideoFrames } from '../../src/io/video-reader.js';
import { VideoWriteError, VideoWriter, openVideoWriter } from '../../src/io/video-writer.js';
import { OptionError } from '../../src/validate.js';
import { makeToneAudio, needs, tempDir } from './media-fixtures.js';

function gradientFrame(width: number, height: number, i: number): RgbImage {
  const image = createRgbImage(width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      image.data[p] = (x * 4 + i * 8) & 255;
      image.data[p + 1] = (y * 4) & 255;
      image.data[p + 2] = (i * 16) & 255;
    }
  }
  return image;
}

function solidFrame(width: number, height: number, rgb: readonly number[]): RgbImage {
  const image = createRgbImage(width, height);
  for (let p = 0; p < width * height; p++) image.data.set(rgb, p * 3);
  return image;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) assert.fail(`timed out waiting until ${what}`);
    await sleep(20);
  }
}

interface StreamFacts {
  codec_type: string;
  codec_name: string;
  pix_fmt?: string;
  nb_frames?: string;
  nb_read_frames?: string;
  avg_frame_rate?: string;
  width?: number;
  height?: number;
}

async function ffprobeStreams(path: string): Promise<StreamFacts[]> {
  const { stdout } = await captureOutput(ffprobePath(), ['-v', 'error', '-count_frames', '-show_streams', '-of', 'json', path]);
  return (JSON.parse(stdout) as { streams: StreamFacts[] }).streams;
}

test('30 frames with audio from another file become an h264/yuv420p video with that audio', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const tone = await makeToneAudio(join(dir, 'tone.m4a'), 3);
  const target = join(dir, 'out', 'result.mp4');
  const writer = await openVideoWriter(target, { width: 64, height: 48, fps: 24, audioFrom: tone });
  for (let i = 0; i < 30; i++) await writer.write(gradientFrame(64, 48, i));
  assert.equal(existsSync(target), false, 'nothing at the target before close()');
  const result = await writer.close();
  assert.deepEqual(result, { path: target, frames: 30, width: 64, height: 48, hasAudio: true });
  assert.deepEqual(readdirSync(join(dir, 'out')), ['result.mp4'], 'the temporary file was renamed');
  const streams = await ffprobeStreams(target);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  assert.ok(video && audio, 'a video and an audio stream');
  assert.equal(video.codec_name, 'h264');
  assert.equal(video.pix_fmt, 'yuv420p');
  assert.equal(video.nb_read_frames, '30');
  assert.equal(video.avg_frame_rate, '24/1');
  const info = await probeMedia(target);
  // The 3 s tone is cut to the video's 1.25 s.
  assert.ok(info.duration < 1.5, `duration ${info.duration}`);
});

test('audio shorter than the video is padded: no frame is lost', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const tone = await makeToneAudio(join(dir, 'short.m4a'), 0.5);
  const target = join(dir, 'long.mp4');
  const writer = await openVideoWriter(target, { width: 32, height: 32, fps: 20, audioFrom: tone, audioFromHasAudio: true });
  for (let i = 0; i < 40; i++) await writer.write(gradientFrame(32, 32, i));
  await writer.close();
  const streams = await ffprobeStreams(target);
  assert.equal(streams.find((s) => s.codec_type === 'video')?.nb_read_frames, '40');
  assert.ok(streams.some((s) => s.codec_type === 'audio'));
});

test('an exact rational rate is kept and a video without audio source has none', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const silent = join(dir, 'silent.mp4');
  const plain = await openVideoWriter(silent, { width: 32, height: 32, fps: 30 });
  for (let i = 0; i < 5; i++) await plain.write(gradientFrame(32, 32, i));
  await plain.close();
  const target = join(dir, 'ntsc.mp4');
  const writer = await openVideoWriter(target, { width: 32, height: 32, fps: '30000/1001', audioFrom: silent });
  assert.equal(writer.hasAudio, false);
  for (let i = 0; i < 10; i++) await writer.write(gradientFrame(32, 32, i));
  await writer.close();
  const info = await probeMedia(target);
  assert.equal(info.fpsRational, '30000/1001');
  assert.equal(info.frameCount, 10);
  assert.equal(info.hasAudio, false);
});

test('colours survive the round trip through the encoder and decoder', { skip: needs({ ffmpeg: true }) }, async () => {
  const target = join(tempDir(), 'colours.mp4');
  const colours = [
    [200, 30, 40],
    [20, 180, 60],
    [30, 40, 220],
    [128, 128, 128],
    [250, 240, 10],
  ];
  const writer = await openVideoWriter(target, { width: 64, height: 64, fps: 10 });
  for (const c of colours) await writer.write(solidFrame(64, 64, c));
  await writer.close();
  let i = 0;
  for await (const f of readVideoFrames(target)) {
    const p = (32 * 64 + 32) * 3;
    const got = [...f.image.data.subarray(p, p + 3)];
    for (let k = 0; k < 3; k++) assert.ok(Math.abs(got[k] - colours[i][k]) <= 4, `frame ${i}: wrote ${colours[i]}, read ${got}`);
    i++;
  }
  assert.equal(i, colours.length);
});

test('odd frame sizes are cropped (default) or padded to even', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  for (const [mode, size] of [
    ['crop', [64, 46]],
    ['pad', [66, 48]],
  ] as const) {
    const target = join(dir, `${mode}.mp4`);
    const writer = await openVideoWriter(target, { width: 65, height: 47, fps: 25, oddSize: mode });
    assert.deepEqual([writer.outputWidth, writer.outputHeight], size);
    for (let i = 0; i < 3; i++) await writer.write(gradientFrame(65, 47, i));
    const result = await writer.close();
    assert.deepEqual([result.width, result.height], size);
    const info = await probeMedia(target);
    assert.deepEqual([info.width, info.height], size);
  }
});

test('abort midway leaves neither the target nor a temporary file', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const tone = await makeToneAudio(join(dir, 'tone.m4a'), 1);
  const outDir = join(dir, 'out');
  const target = join(outDir, 'aborted.mp4');
  const writer = await VideoWriter.open(target, { width: 64, height: 48, fps: 25, audioFrom: tone });
  for (let i = 0; i < 10; i++) await writer.write(gradientFrame(64, 48, i));
  await waitFor(() => readdirSync(outDir).length === 1, 'ffmpeg creates its temporary file');
  assert.match(readdirSync(outDir)[0], /^\.aborted\.partial-\w+$/, 'a hidden private folder holds the temporary file');
  await writer.abort();
  await writer.abort(); // idempotent
  assert.deepEqual(readdirSync(outDir), []);
  await assert.rejects(writer.write(gradientFrame(64, 48, 0)), /after abort\(\)/);
});

test('encoder failures report ffmpeg stderr and leave no file', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const target = join(dir, 'broken.mp4');
  const writer = await openVideoWriter(target, { width: 32, height: 32, fps: 25, codec: 'no_such_encoder' });
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 50; i++) await writer.write(gradientFrame(32, 32, i));
      await writer.close();
    })(),
    (err: unknown) => err instanceof VideoWriteError && /no_such_encoder/i.test(err.stderrTail) && err.message.includes(target),
  );
  assert.deepEqual(readdirSync(dir), []);
  const empty = await openVideoWriter(join(dir, 'empty.mp4'), { width: 32, height: 32, fps: 25 });
  await assert.rejects(empty.close(), /no frames were written/);
  assert.deepEqual(readdirSync(dir), []);
});

test('options and frame sizes are validated', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  await assert.rejects(openVideoWriter(join(dir, 'a.mp4'), { width: 0, height: 32, fps: 25 }), OptionError);
  await assert.rejects(openVideoWriter(join(dir, 'a.mp4'), { width: 32, height: 32, fps: 'fast' }), /frame rate/);
  await assert.rejects(openVideoWriter(join(dir, 'a.mp4'), { width: 32, height: 32, fps: 25, crf: 99 }), /crf/);
  const writer = await openVideoWriter(join(dir, 'a.mp4'), { width: 32, height: 32, fps: 25 });
  await assert.rejects(writer.write(gradientFrame(16, 16, 0)), /is 16x16, expected 32x32/);
  await writer.abort();
});

test('SIGINT and SIGTERM remove the half-written video and exit with 130 / 143', { skip: needs({ ffmpeg: true }) }, async () => {
  const moduleUrl = new URL('../../src/io/video-writer.js', import.meta.url).href;
  for (const [signal, code] of [
    ['SIGINT', 130],
    ['SIGTERM', 143],
  ] as const) {
    const dir = tempDir();
    const target = join(dir, 'interrupted.mp4');
    const script = `
      import { openVideoWriter } from ${JSON.stringify(moduleUrl)};
      const w = await openVideoWriter(${JSON.stringify(target)}, { width: 32, height: 32, fps: 25, cleanupOnInterrupt: true });
      for (let i = 0; i < 5; i++) await w.write({ width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(i * 40) });
      console.log('ready');
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exitCode = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
        child.once('exit', () => reject(new Error('child exited before it was ready')));
      });
      await waitFor(() => readdirSync(dir).length === 1, 'ffmpeg creates its temporary file');
      child.kill(signal);
      assert.equal(await exitCode, code, signal);
      assert.deepEqual(readdirSync(dir), [], `${signal}: nothing left behind`);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
});

test('frame patterns are recognised and written as numbered images', async () => {
  assert.equal(isFrameSequencePattern('out/%04d.png'), true);
  assert.equal(isFrameSequencePattern('out/frame_%d.jpg'), true);
  assert.equal(isFrameSequencePattern('out/result.mp4'), false);
  assert.equal(isFrameSequencePattern('out/%04d.mp4'), false);
  assert.equal(isFrameSequencePattern('out/100%%.png'), false);
  assert.equal(formatFramePath('a%3d/f_%04d.png', 7), 'a%3d/f_0007.png');
  assert.equal(formatFramePath('f_%d.png', 12), 'f_12.png');

  const dir = tempDir();
  const sink = await openFrameSink(join(dir, 'frames', '%04d.png'), { width: 20, height: 10, fps: 25 });
  assert.ok(sink instanceof FrameSequenceWriter);
  const frames = [gradientFrame(20, 10, 0), gradientFrame(20, 10, 1), gradientFrame(20, 10, 2)];
  for (const f of frames) await sink.write(f);
  const result = await sink.close();
  assert.equal(result.frames, 3);
  assert.deepEqual(readdirSync(join(dir, 'frames')), ['0001.png', '0002.png', '0003.png']);
  const back = await readImage(join(dir, 'frames', '0002.png'));
  assert.deepEqual(back.data, frames[1].data, 'PNG frames are lossless');

  const aborted = new FrameSequenceWriter(join(dir, 'gone', 'f_%d.png'), { startNumber: 0 });
  await aborted.write(frames[0]);
  await aborted.write(frames[1]);
  const hidden = readdirSync(dir).filter((n) => n.startsWith('.gone.partial-'));
  assert.equal(hidden.length, 1, 'frames wait in a hidden folder beside the target folder');
  assert.deepEqual(readdirSync(join(dir, hidden[0], 'gone')).sort(), ['f_0.png', 'f_1.png']);
  assert.equal(existsSync(join(dir, 'gone')), false);
  await aborted.abort();
  assert.deepEqual(readdirSync(dir).filter((n) => n.includes('gone')), []);
});
