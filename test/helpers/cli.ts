/** Running the built CLI and probing its outputs, for end-to-end tests. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { writeStandinPack } from '../../src/models/standin-pack.js';
import { HAS_SHARED, sharedPath } from './shared.js';

export const CLI = resolve('dist/src/cli/bin.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, cwd?: string): Promise<CliResult> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** A stand-in pack (with the real YuNet/stitching files from ../shared when present), written once per process. */
let packPromise: Promise<string> | undefined;
export function standinPack(): Promise<string> {
  packPromise ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lp-pack-'));
    await writeStandinPack(dir, HAS_SHARED ? { real: sharedPath('models') } : {});
    return dir;
  })();
  return packPromise;
}

export interface StreamInfo {
  readonly codec_type: string;
  readonly codec_name: string;
  readonly width?: number;
  readonly height?: number;
  readonly pix_fmt?: string;
  readonly r_frame_rate?: string;
  readonly nb_read_frames?: string;
}

/** ffprobe with an exact frame count (decodes the video). */
export function probeStreams(path: string): StreamInfo[] {
  const r = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-show_entries', 'stream=codec_type,codec_name,width,height,pix_fmt,r_frame_rate,nb_read_frames', '-of', 'json', path], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffprobe failed on ${path}: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { streams: StreamInfo[] }).streams;
}

/** Mean absolute difference between two decoded frames of a video (by index), as a motion check. */
export function frameDifference(path: string, a: number, b: number, size = 64): number {
  const grab = (n: number) => {
    const r = spawnSync('ffmpeg', ['-v', 'error', '-i', path, '-vf', `select=eq(n\\,${n}),scale=${size}:${size}`, '-vframes', '1', '-f', 'rawvideo', '-pix_fmt', 'gray', '-'], { maxBuffer: 1 << 24 });
    if (r.status !== 0 || r.stdout.length !== size * size) throw new Error(`could not grab frame ${n} of ${path}: ${r.stderr}`);
    return r.stdout;
  };
  const fa = grab(a);
  const fb = grab(b);
  let sum = 0;
  for (let i = 0; i < fa.length; i++) sum += Math.abs(fa[i] - fb[i]);
  return sum / fa.length;
}
