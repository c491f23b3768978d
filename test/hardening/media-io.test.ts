/**
 * Hardening of the media layer against bad inputs and faults: disk full while encoding, truncated and
 * oddly timed videos, killed frame sequences, planted symlinks at temporary names, file names that
 * ffmpeg would read as options or protocols. Every case uses real ffmpeg and real files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRgbImage, type RgbImage } from '../../src/image/types.js';
import { runFfmpeg } from '../../src/io/ffmpeg.js';
import { FrameSequenceWriter } from '../../src/io/frame-sequence.js';
import { writeImage } from '../../src/io/image-file.js';
import { probeMedia } from '../../src/io/probe.js';
import { openVideoReader } from '../../src/io/video-reader.js';
import { VideoWriter } from '../../src/io/video-writer.js';
import { writeTemplate } from '../../src/io/template.js';
import { makeTestVideo, needs, tempDir } from '../io/media-fixtures.js';

const skip = needs({ ffmpeg: true });

/** Random pixels: incompressible, so a few lossless frames overflow a small disk. */
function noiseFrame(width: number, height: number): RgbImage {
  return createRgbImage(width, height, new Uint8Array(randomBytes(width * height * 3)));
}

async function countFrames(reader: Awaited<ReturnType<typeof openVideoReader>>): Promise<number> {
  let n = 0;
  for await (const frame of reader) {
    assert.equal(frame.index, n);
    n++;
  }
  return n;
}

/** Mounts a tiny tmpfs (needs root and mount); undefined when this machine does not allow it. */
function smallFilesystem(bytes: number): { dir: string; unmount: () => void } | undefined {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return undefined;
  const dir = tempDir('lp-small-');
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${bytes}`, 'tmpfs', dir], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  return { dir, unmount: () => void spawnSync('umount', [dir]) };
}

test('disk full while encoding: close() fails and nothing is left (ffmpeg exits 0 after "No space left on device")', { skip }, async (t) => {
  const fs = smallFilesystem(300 * 1024);
  if (!fs) {
    t.skip('cannot mount a small tmpfs here (needs root)');
    return;
  }
  try {
    // Some of these sizes fail while writing frames (ffmpeg exits 1), others only at the trailer, where
    // ffmpeg 5.1 prints "Error writing trailer … No space left on device" and exits 0.
    for (const frames of [6, 8, 10, 14]) {
      const target = join(fs.dir, 'a.mp4');
      const writer = await VideoWriter.open(target, { width: 200, height: 200, fps: 25, crf: 0 });
      let failure: unknown;
      try {
        for (let i = 0; i < frames; i++) await writer.write(noiseFrame(200, 200));
        await writer.close();
      } catch (err) {
        failure = err;
      }
      assert.ok(failure instanceof Error, `${frames} frames: the write or the close must fail on a full disk`);
      assert.match(failure.message, /No space left on device/);
      assert.deepEqual(readdirSync(fs.dir), [], 'neither the target nor a temporary file is left');
    }
  } finally {
    fs.unmount();
  }
});

test('a truncated driving video warns with both frame counts, and fails with strict', { skip }, async () => {
  const dir = tempDir();
  const full = join(dir, 'full.mp4');
  await runFfmpeg(
    ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=25', '-frames:v', '78', '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-movflags', '+faststart', full],
    'test video',
  );
  const cut = join(dir, 'cut.mp4');
  copyFileSync(full, cut);
  truncateSync(cut, Math.floor(readFileSync(full).length * 0.3));
  assert.equal((await probeMedia(cut)).frameCount, 78, 'the container still states 78 frames');

  const warnings: string[] = [];
  const reader = await openVideoReader(cut, { onWarning: (m) => warnings.push(m) });
  const decoded = await countFrames(reader);
  assert.ok(decoded < 77, `decoded ${decoded}`);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], new RegExp(`\\b${decoded}\\b.*\\b78\\b`));

  const strict = await openVideoReader(cut, { strict: true });
  await assert.rejects(countFrames(strict), (err: Error) => /78/.test(err.message) && new RegExp(`\\b${decoded}\\b`).test(err.message));

  const intact: string[] = [];
  assert.equal(await countFrames(await openVideoReader(full, { strict: true, onWarning: (m) => intact.push(m) })), 78);
  assert.deepEqual(intact, []);
});

test('the last frame is kept when the fps filter would drop it (352 frames at 30000/1001, 600 timescale)', { skip }, async () => {
  const dir = tempDir();
  const path = join(dir, 'phone.mp4');
  await runFfmpeg(
    ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'testsrc=size=64x64:rate=30000/1001', '-frames:v', '352', '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-video_track_timescale', '600', path],
    'test video',
  );
  const reader = await openVideoReader(path, { strict: true });
  assert.equal(reader.expectedFrames, 352);
  assert.equal(await countFrames(reader), 352);
});

test('a frame sequence shows no normally named file until it is closed', { skip }, async () => {
  const dir = tempDir();
  const target = join(dir, 'frames');
  const writer = new FrameSequenceWriter(join(target, '%04d.png'));
  for (let i = 0; i < 3; i++) await writer.write(noiseFrame(16, 16));
  // What a kill at this moment leaves: only hidden names.
  const visible = (d: string) => (existsSync(d) ? readdirSync(d).filter((n) => !n.startsWith('.')) : []);
  assert.deepEqual(visible(dir), []);
  assert.deepEqual(visible(target), []);
  const result = await writer.close();
  assert.equal(result.frames, 3);
  assert.deepEqual(readdirSync(target).sort(), ['0001.png', '0002.png', '0003.png']);
  assert.deepEqual(readdirSync(dir), ['frames'], 'the temporary folder is gone');

  // Into an existing folder with other files: they stay, the new frames arrive only at close.
  const second = new FrameSequenceWriter(join(target, 'b%02d.png'));
  await second.write(noiseFrame(16, 16));
  assert.deepEqual(visible(target).sort(), ['0001.png', '0002.png', '0003.png']);
  await second.close();
  assert.deepEqual(readdirSync(target).sort(), ['0001.png', '0002.png', '0003.png', 'b01.png']);

  const aborted = new FrameSequenceWriter(join(dir, 'gone', '%d.png'));
  await aborted.write(noiseFrame(16, 16));
  await aborted.abort();
  assert.deepEqual(readdirSync(dir), ['frames']);
});

test('links planted at the old predictable temporary names are not followed', { skip }, async () => {
  const dir = tempDir();
  const victim = join(dir, 'victim.txt');
  writeFileSync(victim, 'precious');
  const pid = process.pid;
  symlinkSync(victim, join(dir, `.out.partial-${pid}.mp4`));
  symlinkSync(victim, join(dir, `still.png.partial-${pid}`));
  symlinkSync(victim, join(dir, `.motion.partial-${pid}.json`));

  const writer = await VideoWriter.open(join(dir, 'out.mp4'), { width: 32, height: 32, fps: 25 });
  for (let i = 0; i < 3; i++) await writer.write(noiseFrame(32, 32));
  await writer.close();
  await writeImage(join(dir, 'still.png'), noiseFrame(8, 8));
  const frame = { scale: 1, R: new Float64Array([1, 0, 0, 0, 1, 0, 0, 0, 1]), exp: new Float32Array(63), t: new Float32Array(3) };
  await writeTemplate(join(dir, 'motion.json'), { fps: 25, frames: [frame] });
  assert.ok(readFileSync(join(dir, 'motion.json'), 'utf8').length > 100);

  assert.equal(readFileSync(victim, 'utf8'), 'precious', 'the planted links were not written through');
  assert.equal((await probeMedia(join(dir, 'out.mp4'))).frameCount, 3);
});

test("file names that ffmpeg reads as options or protocols are opened as plain files: '-report', 'concat:a.mp4|b.mp4'", { skip }, async () => {
  const dir = tempDir();
  const before = process.cwd();
  process.chdir(dir);
  try {
    await makeTestVideo(join(dir, 'a.mp4'), { width: 32, height: 32, frames: 5 });
    await makeTestVideo(join(dir, 'b.mp4'), { width: 32, height: 32, frames: 7 });
    await makeTestVideo(join(dir, 'c.mp4'), { width: 32, height: 32, frames: 3 });
    await makeTestVideo(join(dir, 'd.mp4'), { width: 48, height: 48, frames: 2 });
    copyFileSync(join(dir, 'c.mp4'), join(dir, '-report'));
    copyFileSync(join(dir, 'd.mp4'), join(dir, 'concat:a.mp4|b.mp4'));

    const report = await probeMedia('-report');
    assert.equal(report.frameCount, 3);
    assert.equal(await countFrames(await openVideoReader('-report')), 3);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n.endsWith('.log')),
      [],
      'ffmpeg/ffprobe wrote no report log',
    );

    const concat = await probeMedia('concat:a.mp4|b.mp4');
    assert.equal(concat.width, 48, 'the file itself, not a.mp4 and b.mp4');
    assert.equal(await countFrames(await openVideoReader('concat:a.mp4|b.mp4')), 2);

    // A name that is not a file is never handed to ffmpeg as a URL.
    await assert.rejects(probeMedia('subfile:,start,0,end,0,:a.mp4'), /not found/);
  } finally {
    process.chdir(before);
  }
});

test('playlists (.m3u8, .ffconcat) are refused as inputs, whatever their content', { skip }, async () => {
  const dir = tempDir();
  await makeTestVideo(join(dir, 'a.mp4'), { width: 32, height: 32, frames: 5 });
  writeFileSync(join(dir, 'list.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.mp4\n#EXT-X-ENDLIST\n');
  writeFileSync(join(dir, 'list.ffconcat'), 'ffconcat version 1.0\nfile a.mp4\n');
  // Content sniffing: the concat demuxer recognises its header whatever the extension.
  writeFileSync(join(dir, 'disguised.mp4'), 'ffconcat version 1.0\nfile a.mp4\n');
  mkdirSync(join(dir, 'sub'));
  for (const name of ['list.m3u8', 'list.ffconcat', 'disguised.mp4']) {
    await assert.rejects(probeMedia(join(dir, name)), /playlist|not a readable video/, name);
  }
  await assert.rejects(openVideoReader(join(dir, 'list.m3u8')), /playlist/);
});
