/**
 * Model files in the browser: picked from a folder or fetched from a base URL, checked against the
 * pack's published sha256 (crypto.subtle), and kept in the Cache API so the next visit starts at once.
 */
import { DEFAULT_PACK, type PackFile } from '../../src/models/packs.js';
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

/** Files picked with a folder input (webkitdirectory): the ones named like the pack's files. */
export async function modelsFromFiles(list: FileList | readonly File[], progress: Progress): Promise<CheckedFile[]> {
  const files = Array.from(list);
  const picked = WANTED.map((entry) => ({ entry, file: files.find((f) => f.name === entry.file) })).filter((p): p is { entry: PackFile; file: File } => !!p.file);
  const total = picked.reduce((n, p) => n + p.file.size, 0);
  const cache = await openCache();
  const out: CheckedFile[] = [];
  let done = 0;
  for (const { entry, file } of picked) {
    progress(done, total, `checking ${file.name}`);
    const checked = await check(entry, await file.arrayBuffer());
    await remember(cache, checked);
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
  const need: Role[] = ['appearance', 'motion', 'stitching', 'detector_yunet'];
  const missing = need.filter((r) => !have.has(r));
  if (!have.has('warping_spade') && !(have.has('warping') && have.has('spade_generator'))) missing.push('warping_spade');
  return missing;
}
