/**
 * Download output shared by `models download` and the first-run download of animate/edit/template/demo:
 * the files and their sizes before the first byte, then one progress bar per file, on stderr.
 */
import type { DownloadProgress } from '../models/download.js';
import { formatMegabytes } from '../models/pack-dir.js';
import type { PackFile } from '../models/packs.js';
import { createProgress, type Progress } from './progress.js';

const mb = (bytes: number): number => Math.round(bytes / 1e5) / 10;

export interface DownloadReporter {
  plan(files: readonly PackFile[], dir: string): void;
  onProgress(progress: DownloadProgress): void;
  onFile(entry: PackFile, result: 'downloaded' | 'present'): void;
  stop(): void;
}

export function downloadReporter(quiet = false, stream: NodeJS.WriteStream = process.stderr): DownloadReporter {
  let current: { file: string; bar: Progress } | undefined;
  const barFor = (file: string): Progress => {
    if (current?.file !== file) {
      current?.bar.stop();
      current = { file, bar: createProgress({ label: file, unit: 'MB', quiet, stream }) };
    }
    return current.bar;
  };
  return {
    plan(files, dir) {
      if (quiet) return;
      const total = files.reduce((n, f) => n + (f.sizeBytes ?? 0), 0);
      stream.write(`downloading ${files.length} model file${files.length === 1 ? '' : 's'} (${formatMegabytes(total)}) to ${dir}:\n`);
      for (const f of files) stream.write(`  ${f.file.padEnd(40)} ${f.sizeBytes ? formatMegabytes(f.sizeBytes).padStart(8) : ''}  ${f.licence}\n`);
    },
    onProgress(p) {
      barFor(p.file).update(mb(p.received), p.total ? mb(p.total) : undefined);
    },
    onFile(entry, result) {
      const bar = barFor(entry.file);
      current = undefined;
      bar.stop(quiet ? undefined : `${entry.file}: ${result === 'present' ? 'already present, hash verified' : 'downloaded, hash verified'}`);
    },
    stop() {
      current?.bar.stop();
      current = undefined;
    },
  };
}
