import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { OptionError } from '../../src/validate.js';
import { WebcamError, isWebcamSpec, parseDshowDevices, parseWebcamSpec, readWebcamFrames, resolveWebcamInput, webcamArgs } from '../../src/io/webcam.js';

test('camera specs parse to an index, a device path or a name', () => {
  assert.deepEqual(parseWebcamSpec('0'), { kind: 'index', index: 0 });
  assert.deepEqual(parseWebcamSpec('webcam'), { kind: 'index', index: 0 });
  assert.deepEqual(parseWebcamSpec('webcam:2'), { kind: 'index', index: 2 });
  assert.deepEqual(parseWebcamSpec('/dev/video3'), { kind: 'device', device: '/dev/video3' });
  assert.deepEqual(parseWebcamSpec('webcam:FaceTime HD Camera'), { kind: 'name', name: 'FaceTime HD Camera' });
  assert.throws(() => parseWebcamSpec('d0.mp4'), OptionError);
  assert.equal(isWebcamSpec('1'), true);
  assert.equal(isWebcamSpec('/dev/video0'), true);
  assert.equal(isWebcamSpec('d0.mp4'), false);
  assert.equal(isWebcamSpec('/videos/webcam.mp4'), false);
});

test('each platform gets its own ffmpeg input', async () => {
  assert.deepEqual(await resolveWebcamInput({ kind: 'index', index: 1 }, 'darwin'), { format: 'avfoundation', input: '1', label: 'webcam 1' });
  assert.deepEqual(await resolveWebcamInput({ kind: 'name', name: 'USB Cam' }, 'win32'), { format: 'dshow', input: 'video=USB Cam', label: "webcam 'USB Cam'" });
  await assert.rejects(resolveWebcamInput({ kind: 'device', device: '/dev/video0' }, 'darwin'), WebcamError);
  await assert.rejects(resolveWebcamInput({ kind: 'name', name: 'Cam' }, 'linux'), /camera names are not supported on Linux/);
  const mac = webcamArgs({ format: 'avfoundation', input: '0', label: 'webcam 0' }, { width: 320, height: 240 });
  assert.deepEqual(mac.slice(mac.indexOf('-f'), mac.indexOf('-i') + 2), ['-f', 'avfoundation', '-framerate', '30', '-i', '0']);
  assert.ok(mac.join(' ').includes('scale=320:240:force_original_aspect_ratio=increase'));
  const linux = webcamArgs({ format: 'v4l2', input: '/dev/video0', label: '' }, { captureSize: { width: 1280, height: 720 } });
  assert.deepEqual(linux.slice(linux.indexOf('-f'), linux.indexOf('-i') + 2), ['-f', 'v4l2', '-video_size', '1280x720', '-i', '/dev/video0']);
});

test('a missing Linux camera is reported clearly', { skip: process.platform !== 'linux' || existsSync('/dev/video0') ? 'needs Linux without /dev/video0' : false }, async () => {
  await assert.rejects(resolveWebcamInput({ kind: 'index', index: 0 }), (err: unknown) => err instanceof WebcamError && err.message === 'no camera at /dev/video0 (webcam 0)');
  await assert.rejects(
    (async () => {
      for await (const _ of readWebcamFrames('0')) assert.fail('no frame expected');
    })(),
    /no camera at \/dev\/video0 \(webcam 0\)/,
  );
});

test('DirectShow device listings of old and new ffmpeg are parsed', () => {
  const modern = [
    '[dshow @ 0000020] "Integrated Camera" (video)',
    '[dshow @ 0000020]   Alternative name "@device_pnp_\\\\?\\usb#vid_04f2"',
    '[dshow @ 0000020] "OBS Virtual Camera" (none)',
    '[dshow @ 0000020] "USB2.0 HD UVC WebCam" (video)',
    '[dshow @ 0000020] "Microphone (Realtek(R) Audio)" (audio)',
  ].join('\r\n');
  assert.deepEqual(parseDshowDevices(modern), ['Integrated Camera', 'USB2.0 HD UVC WebCam']);
  const old = [
    '[dshow @ 01] DirectShow video devices (some may be both video and audio devices)',
    '[dshow @ 01]  "Logitech HD Webcam C270"',
    '[dshow @ 01]     Alternative name "@device_pnp_xyz"',
    '[dshow @ 01] DirectShow audio devices',
    '[dshow @ 01]  "Microphone (HD Webcam C270)"',
  ].join('\n');
  assert.deepEqual(parseDshowDevices(old), ['Logitech HD Webcam C270']);
});
