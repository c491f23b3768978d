/**
 * Finding and reading onnxruntime-node's profiling files. onnxruntime-node's `endProfiling()` returns
 * nothing, so the trace is found by its prefix: the runtime writes `<prefix>_<date>_<time>.json`.
 * Node only.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { providerReport, type ProviderReport } from './profile.js';

/** Trace files written for `prefix` (a path prefix as given to the session), oldest first. */
export function findProfileFiles(prefix: string): string[] {
  const dir = dirname(resolve(prefix));
  const stem = `${basename(prefix)}_`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(stem) && n.endsWith('.json'))
    .map((n) => join(dir, n))
    .sort((a, b) => statSync(a).mtimeMs - statSync(b).mtimeMs || a.localeCompare(b));
}

/** The provider report of one trace file. */
export function readProviderReport(path: string): ProviderReport {
  return providerReport(readFileSync(path, 'utf8'));
}
