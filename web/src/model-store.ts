/**
 * Model files in the browser: picked from a folder or fetched from a base URL, checked against the
 * pack's published sha256 (crypto.subtle), and kept in the Cache API so the next visit starts at once.
 */
import { DEFAULT_PACK, PACK_MANIFEST_FILE, parseManifest, type PackFile } from '../../src/models/packs.js';
import type { Role } from '../../src/models/contract.js';
import { APP_ROLES, type ModelFile } from './protocol.js';

const CACHE_NAME = 'liveportrait-models-v1';
const CACHE_PREFIX = '/liveportrait-models/';

/** The files the app uses, by their usual names (the fused or the split warping layout). */
const WANTED: readonly PackFile[] = DEFAULT_PACK.files.filter((f) => APP_ROLES.includes(f.role) || f.role === 'warping' || f.role === 'spade_generator');

export type Progress = (done: number, total: number, label: string) => void;

export interface CheckedFile extends ModelFile {
  /** 'ok', 'mismatch' or 'unknown' (no published hash). */
  readonly hash: 'ok' | 'mismatch' | 'unknown';
}

export async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

function hashState(entry: PackFile, hex: string): CheckedFile['hash'] {
  if (!entry.sha256) return 'unknown';
  return hex === entry.sha256 || entry.altSha256?.includes(hex) ? 'ok' : 'mismatch';
}

async function check(entry: PackFile, bytes: ArrayBuffer): Promise<CheckedFile> {
  return { role: entry.role, name: entry.file, bytes, hash: hashState(entry, await sha256Hex(bytes)) };
}

async function openCache(): Promise<Cache | undefined> {
  return typeof caches === 'undefined' ? undefined : caches.open(CACHE_NAME);
}

async function remember(cache: Cache | undefined, file: CheckedFile): Promise<void> {
  if (!cache || file.hash === 'mismatch') return;
  await cache.put(CACHE_PREFIX + file.name, new Response(file.bytes.slice(0), { headers: { 'content-type': 'application/octet-stream' } }));
}

const isAppFile = (f: PackFile): boolean => APP_ROLES.includes(f.role) || f.role === 'warping' || f.role === 'spade_generator';

/**
 * The files a picked folder should hold: those of its own pack.json when it has one (a folder written
 * by `liveportrait models standins` or `models forge`, checked against the hashes it lists), else the
 * default pack's (a folder of `liveportrait models download`).
 */
async function wantedIn(files: readonly File[]): Promise<readonly PackFile[]> {
  const manifest = files.find((f) => f.name === PACK_MANIFEST_FILE);
  if (!manifest) return WANTED;
  let parsed: unknown;
  try {
    parsed = JSON.parse(await manifest.text());
  } catch (err) {
    throw new Error(`${PACK_MANIFEST_FILE} in the picked folder is not valid JSON (${(err as Error).message})`);
  }
  return parseManifest(parsed, PACK_MANIFEST_FILE).files.filter(isAppFile);
}

/** Files picked with a folder input (webkitdirectory): the ones named like the pack's files. */
export async function modelsFromFiles(list: FileList | readonly File[], progress: Progress): Promise<CheckedFile[]> {
  const files = Array.from(list);
  const wanted = await wantedIn(files);
  const picked = wanted.map((entry) => ({ entry, file: files.find((f) => f.name === entry.file) })).filter((p): p is { entry: PackFile; file: File } => !!p.file);
  const total = picked.reduce((n, p) => n + p.file.size, 0);
  const cache = await openCache();
  const out: CheckedFile[] = [];
  let done = 0;
  for (const { entry, file } of picked) {
    progress(done, total, `checking ${file.name}`);
    const checked = await check(entry, await file.arrayBuffer());
    // Only real files are kept for the next visit: stand-ins share the real files' names.
    if ((entry.origin ?? 'real') === 'real') await remember(cache, checked);
    out.push(checked);
    done += file.size;
  }
  progress(total, total, 'done');
  return out;
}

/** Downloads the pack's files from `baseUrl` (files the server lacks are skipped), streaming the progress. */
export async function modelsFromUrl(baseUrl: string, progress: Progress): Promise<CheckedFile[]> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const total = WANTED.reduce((n, f) => n + (f.sizeBytes ?? 0), 0);
  const cache = await openCache();
  const out: CheckedFile[] = [];
  let done = 0;
  for (const entry of WANTED) {
    const response = await fetch(new URL(entry.file, base));
    if (!response.ok || !response.body) {
      done += entry.sizeBytes ?? 0;
      continue;
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (true) {
      const { done: end, value } = await reader.read();
      if (end) break;
      chunks.push(value);
      size += value.length;
      progress(done + size, total, `downloading ${entry.file}`);
    }
    const bytes = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) {
      bytes.set(c, at);
      at += c.length;
    }
    const checked = await check(entry, bytes.buffer);
    await remember(cache, checked);
    out.push(checked);
    done += entry.sizeBytes ?? size;
  }
  progress(total, total, 'done');
  return out;
}

/** The files kept from an earlier visit. */
export async function cachedModels(): Promise<CheckedFile[]> {
  const cache = await openCache();
  if (!cache) return [];
  const out: CheckedFile[] = [];
  for (const entry of WANTED) {
    const hit = await cache.match(CACHE_PREFIX + entry.file);
    if (hit) out.push({ role: entry.role, name: entry.file, bytes: await hit.arrayBuffer(), hash: 'ok' });
  }
  return out;
}

export async function clearCachedModels(): Promise<void> {
  if (typeof caches !== 'undefined') await caches.delete(CACHE_NAME);
}

/** Roles the app cannot run without, that `files` lack. */
export function missingRoles(files: readonly ModelFile[]): Role[] {
  const have = new Set(files.map((f) => f.role));
  // The face detector ships with the app, so a folder without one is complete.
  const need: Role[] = ['appearance', 'motion', 'stitching'];
  const missing = need.filter((r) => !have.has(r));
  if (!have.has('warping_spade') && !(have.has('warping') && have.has('spade_generator'))) missing.push('warping_spade');
  return missing;
}
