/**
 * Shared fixtures for the media tests: where ../shared is, whether ffmpeg runs, temporary folders and
 * small generated videos.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { hasFfmpeg, runFfmpeg } from '../../src/io/ffmpeg.js';
import { probeMedia } from '../../src/io/probe.js';

export const SHARED = process.env.LIVEPORTRAIT_SHARED ?? resolve(process.cwd(), '../shared');
export const HAS_SHARED = existsSync(SHARED);
export const HAS_FFMPEG = await hasFfmpeg();

/** A skip reason for node:test, or false when everything needed is there. */
export function needs(options: { shared?: boolean; ffmpeg?: boolean; linux?: boolean }): string | false {
  if (options.ffmpeg && !HAS_FFMPEG) return 'needs ffmpeg and ffprobe on PATH';
  if (options.shared && !HAS_SHARED) return 'needs ../shared (reference data)';
  if (options.linux && process.platform !== 'linux') return 'needs Linux (/proc)';
  return false;
}

export function sample(...parts: string[]): string {
  return join(SHARED, 'samples', ...parts);
}

/** A fresh temporary folder, removed when the test process exits. */
export function tempDir(prefix = 'lp-io-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Encodes ffmpeg's testsrc pattern (every frame different) to a small H.264 file. */
export async function makeTestVideo(path: string, options: { width: number; height: number; frames: number; fps?: number }): Promise<string> {
  const { width, height, frames, fps = 25 } = options;
  await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', `testsrc=size=${width}x${height}:rate=${fps}`, '-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', path], 'test video');
  return path;
}

/** A sine tone as an AAC file. */
export async function makeToneAudio(path: string, seconds: number): Promise<string> {
  await runFfmpeg(['-v', 'error', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', path], 'test audio');
  return path;
}

/**
 * A copy of `src` whose display matrix says "rotate 90°", or undefined when this ffmpeg cannot write one
 * (the metadata tag works up to ffmpeg 5/6, -display_rotation from 6.1).
 */
export async function makeRotatedVideo(src: string, dst: string): Promise<string | undefined> {
  const attempts = [
    ['-v', 'error', '-y', '-i', src, '-c', 'copy', '-metadata:s:v:0', 'rotate=90', dst],
    ['-v', 'error', '-y', '-display_rotation:v:0', '90', '-i', src, '-c', 'copy', dst],
  ];
  for (const args of attempts) {
    try {
      await runFfmpeg(args, 'rotated video');
      if ((await probeMedia(dst)).rotation !== 0) return dst;
    } catch {
      // try the next way
    }
  }
  return undefined;
}

/** Live ffmpeg child processes of this process (zombies included: they still have a /proc entry). Linux only. */
export function ffmpegChildren(): { pid: number; state: string }[] {
  const out: { pid: number; state: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const [state, ppid] = stat.slice(close + 2).split(' ');
    if (Number(ppid) === process.pid && comm.startsWith('ffmpeg')) out.push({ pid: Number(name), state });
  }
  return out;
}
