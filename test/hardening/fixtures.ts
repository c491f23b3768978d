/** Bad and unusual inputs for the hardening tests, made in a fresh temporary folder (real ffmpeg, real files). */
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { sharedPath } from '../helpers/shared.js';

export const S6 = sharedPath('samples/source/s6.jpg');
export const S0 = sharedPath('samples/source/s0.jpg');
export const D0 = sharedPath('samples/driving/d0.mp4');
export const D8 = sharedPath('samples/driving/d8.jpg');
export const D5_TEMPLATE = sharedPath('samples/templates/d5.json');

export async function tempDir(prefix = 'lp-hard-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export function ffmpeg(args: string[]): void {
  const r = spawnSync('ffmpeg', ['-v', 'error', '-y', ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed: ${r.stderr}`);
}

/** Stderr lines a test reasons about: without the stand-in notice and progress output. */
export function messageLines(stderr: string): string[] {
  return stderr
    .split(/[\r\n]+/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !/^WARNING: stand-in/.test(l) && !/^(animate|edit|template): \d/.test(l));
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A small PNG file whose header declares `side`×`side` pixels (a decompression bomb). */
export function pixelBombPng(side: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([8, 0, 0, 0, 0], 8); // 8-bit greyscale
  const row = Buffer.alloc(1 + side);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(row)), pngChunk('IEND', Buffer.alloc(0))]);
}

export interface BadInputs {
  readonly dir: string;
  readonly empty: string;
  readonly text: string;
  readonly textData: string;
  readonly folder: string;
  readonly animatedWebp: string;
  readonly bomb: string;
  readonly fifo: string;
  readonly passwdTemplate: string;
}

export async function makeBadInputs(): Promise<BadInputs> {
  const dir = await tempDir();
  const empty = join(dir, 'empty.jpg');
  await writeFile(empty, '');
  const text = join(dir, 'notes.jpg');
  await writeFile(text, 'hello, this is a text file and not a picture\n');
  const textData = join(dir, 'notes.dat');
  await writeFile(textData, 'hello, this is a text file and not a picture\n');
  const folder = join(dir, 'folder.png');
  await mkdir(folder);
  const animatedWebp = join(dir, 'anim.webp');
  ffmpeg(['-loop', '1', '-i', S6, '-t', '1', '-r', '4', '-vf', 'scale=256:-2,hue=h=t*90', '-c:v', 'libwebp_anim', '-loop', '0', animatedWebp]);
  const bomb = join(dir, 'bomb.png');
  await writeFile(bomb, pixelBombPng(60000));
  const fifo = join(dir, 'pipe.jpg');
  spawnSync('mkfifo', [fifo]);
  const passwdTemplate = join(dir, 'motion.json');
  await symlink('/etc/passwd', passwdTemplate);
  return { dir, empty, text, textData, folder, animatedWebp, bomb, fifo, passwdTemplate };
}

/** d5.json with one value replaced in the raw text (so JSON overflow like 1e400 is kept as written). */
export async function editedTemplate(dir: string, name: string, edit: (json: Record<string, unknown>) => void, raw?: (text: string) => string): Promise<string> {
  const json = JSON.parse(await readFile(D5_TEMPLATE, 'utf8')) as Record<string, unknown>;
  edit(json);
  const path = join(dir, name);
  const text = JSON.stringify(json);
  await writeFile(path, raw ? raw(text) : text);
  return path;
}
