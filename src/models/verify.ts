/** `models verify`: presence, hash and input/output signature of every file of a pack. */
import { stat } from 'node:fs/promises';
import { sha256File } from './hash.js';
import { loadModel } from './session.js';
import { packFilePath, type PackDirectory } from './pack-dir.js';
import type { PackFile } from './packs.js';

export type FileStatus = 'real' | 'standin' | 'forged' | 'missing' | 'hash-mismatch' | 'bad-signature' | 'unreadable';

export interface FileReport {
  readonly entry: PackFile;
  readonly path: string;
  readonly status: FileStatus;
  readonly sha256?: string;
  readonly sizeBytes?: number;
  readonly detail?: string;
}

export interface VerifyOptions {
  /** Skip the onnxruntime signature check (hash only). */
  readonly hashOnly?: boolean;
  readonly onFile?: (entry: PackFile) => void;
}

export async function verifyPack(pack: PackDirectory, options: VerifyOptions = {}): Promise<FileReport[]> {
  const reports: FileReport[] = [];
  for (const entry of pack.manifest.files) {
    options.onFile?.(entry);
    const path = packFilePath(pack.dir, entry.file);
    let sizeBytes: number;
    try {
      const s = await stat(path);
      if (!s.isFile()) throw new Error('not a file');
      sizeBytes = s.size;
    } catch {
      reports.push({ entry, path, status: 'missing' });
      continue;
    }
    const sha256 = await sha256File(path);
    const hashOk = sha256 === entry.sha256 || (entry.altSha256 ?? []).includes(sha256);
    if (!hashOk) {
      reports.push({ entry, path, status: 'hash-mismatch', sha256, sizeBytes, detail: `expected ${entry.sha256.slice(0, 16)}…` });
      continue;
    }
    if (!options.hashOnly) {
      try {
        const model = await loadModel(entry.role, path);
        await model.session.release?.();
      } catch (err) {
        const name = err instanceof Error ? err.name : '';
        reports.push({
          entry,
          path,
          status: name === 'ModelSignatureError' ? 'bad-signature' : 'unreadable',
          sha256,
          sizeBytes,
          detail: err instanceof Error ? err.message : String(err),
        });
        continue;
      }
    }
    const status: FileStatus = entry.origin ?? 'real';
    reports.push({ entry, path, status, sha256, sizeBytes });
  }
  return reports;
}

const STATUS_TEXT: Record<FileStatus, string> = {
  real: 'OK (real, hash match)',
  standin: 'OK (STAND-IN)',
  forged: 'OK (FORGED, random weights)',
  missing: 'MISSING',
  'hash-mismatch': 'HASH MISMATCH',
  'bad-signature': 'BAD SIGNATURE',
  unreadable: 'UNREADABLE',
};

function fmtSize(n?: number): string {
  if (n === undefined) return '-';
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)} MB`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(0)} kB`;
  return `${n} B`;
}

/** A plain-text table for people. */
export function formatVerifyTable(pack: PackDirectory, reports: readonly FileReport[]): string {
  const rows = reports.map((r) => [r.entry.role, r.entry.file, STATUS_TEXT[r.status], r.sha256 ? r.sha256.slice(0, 16) : '-', fmtSize(r.sizeBytes), r.entry.licence]);
  const header = ['role', 'file', 'status', 'sha256', 'size', 'licence'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  const out = [`pack '${pack.manifest.name}' (${pack.manifest.kind}) in ${pack.dir}`, line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
  const problems = reports.filter((r) => r.status !== 'real' && r.status !== 'standin' && r.status !== 'forged');
  for (const r of problems) {
    if (r.status === 'missing') {
      out.push(`missing: ${r.entry.file} (${r.entry.role}) — put it in ${pack.dir}; published at ${r.entry.urls.join(' or ') || 'no public URL'}`);
    } else if (r.detail) {
      out.push(`${STATUS_TEXT[r.status].toLowerCase()}: ${r.entry.file} — ${r.detail}`);
    }
  }
  if (reports.some((r) => r.status === 'standin')) {
    out.push('WARNING: this pack holds STAND-IN models (small generated graphs with no trained weights): results are not real animations.');
  }
  if (reports.some((r) => r.status === 'forged')) {
    out.push('WARNING: this pack holds FORGED models (real architectures, random weights): for benchmarks only.');
  }
  return out.join('\n');
}
