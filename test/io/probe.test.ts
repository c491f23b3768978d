import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaNotFoundError, MediaReadError, parseRational, probeMedia } from '../../src/io/probe.js';
import { makeRotatedVideo, makeTestVideo, makeToneAudio, needs, sample, tempDir } from './media-fixtures.js';

// What ffprobe reports for the sample videos (checked by hand with `ffprobe -show_streams`).
const SAMPLES = [
  { file: ['driving', 'd0.mp4'], width: 512, height: 512, fps: 25, frames: 78, audio: false },
  { file: ['driving', 'd3.mp4'], width: 512, height: 512, fps: 30, frames: 354, audio: true },
  { file: ['driving', 'd19.mp4'], width: 480, height: 480, fps: 30, frames: 250, audio: true },
  { file: ['driving', 'd6.mp4'], width: 480, height: 480, fps: 30, frames: 1008, audio: true },
  { file: ['source', 's13.mp4'], width: 720, height: 1080, fps: 25, frames: 103, audio: true },
];

test('sample videos probe to the size, rate, frame count and audio ffprobe reports', { skip: needs({ shared: true, ffmpeg: true }) }, async () => {
  for (const s of SAMPLES) {
    const info = await probeMedia(sample(...s.file));
    const name = s.file.join('/');
    assert.equal(info.width, s.width, name);
    assert.equal(info.height, s.height, name);
    assert.equal(info.fps, s.fps, name);
    assert.equal(info.fpsRational, `${s.fps}/1`, name);
    assert.equal(info.frameCount, s.frames, name);
    assert.equal(info.frameCountSource, 'nb_frames', name);
    assert.equal(info.hasAudio, s.audio, name);
    assert.equal(info.isImage, false, name);
    assert.equal(info.videoCodec, 'h264', name);
    assert.equal(info.pixelFormat, 'yuv420p', name);
    assert.equal(info.rotation, 0, name);
    assert.ok(Math.abs(info.duration - s.frames / s.fps) < 0.05, `${name} duration ${info.duration}`);
  }
});

test('a still image probes as an image of one frame', { skip: needs({ shared: true, ffmpeg: true }) }, async () => {
  const info = await probeMedia(sample('source', 's6.jpg'));
  assert.equal(info.isImage, true);
  assert.equal(info.frameCount, 1);
  assert.equal(info.width, 725);
  assert.equal(info.height, 725);
  assert.equal(info.hasAudio, false);
});

test('a missing file and a text file fail with errors that name the path', { skip: needs({ ffmpeg: true }) }, async () => {
  const dir = tempDir();
  const missing = join(dir, 'nope.mp4');
  await assert.rejects(probeMedia(missing), (err: unknown) => err instanceof MediaNotFoundError && err.message === `file not found: ${missing}` && err.path === missing);
  const text = join(dir, 'notes.mp4');
  writeFileSync(text, 'this is not a video\n');
  await assert.rejects(probeMedia(text), (err: unknown) => {
    assert.ok(err instanceof MediaReadError);
    assert.equal(err.path, text);
    assert.match(err.message, new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not a readable video \\(ffprobe: .+\\)$`));
    return true;
  });
  await assert.rejects(probeMedia(dir), MediaReadError);
});

test('an audio-only file is rejected as having no video stream', { skip: needs({ ffmpeg: true }) }, async () => {
  const audio = await makeToneAudio(join(tempDir(), 'tone.m4a'), 0.5);
  await assert.rejects(probeMedia(audio), /is not a readable video \(ffprobe: no video stream, only audio\)/);
});

test('a rotated video reports its display size and rotation', { skip: needs({ ffmpeg: true }) }, async (t) => {
  const dir = tempDir();
  const plain = await makeTestVideo(join(dir, 'plain.mp4'), { width: 64, height: 48, frames: 5 });
  const rotated = await makeRotatedVideo(plain, join(dir, 'rotated.mp4'));
  if (!rotated) return t.skip('this ffmpeg cannot write a display rotation');
  const info = await probeMedia(rotated);
  assert.ok(info.rotation === 90 || info.rotation === 270, `rotation ${info.rotation}`);
  assert.deepEqual([info.width, info.height, info.codedWidth, info.codedHeight], [48, 64, 64, 48]);
});

test('a container without a frame count falls back to counting packets', { skip: needs({ ffmpeg: true }) }, async () => {
  const video = await makeTestVideo(join(tempDir(), 'clip.mkv'), { width: 32, height: 32, frames: 17 });
  const info = await probeMedia(video);
  assert.equal(info.frameCountSource, 'packets');
  assert.equal(info.frameCount, 17);
  const estimated = await probeMedia(video, { countPackets: false });
  assert.equal(estimated.frameCountSource, 'duration');
  assert.ok(Math.abs(estimated.frameCount - 17) <= 1, `estimated ${estimated.frameCount}`);
});

test('parseRational reads ffprobe rates and treats 0/0 as unknown', () => {
  assert.equal(parseRational('30000/1001'), 30000 / 1001);
  assert.equal(parseRational('25'), 25);
  assert.ok(Number.isNaN(parseRational('0/0')));
  assert.ok(Number.isNaN(parseRational(undefined)));
});
